# readonly_guard.enabled set outside rog_enable() (issue #4):
#
# 1. ALTER SYSTEM + pg_reload_conf() reaches a session that was already open,
#    at its next statement, and ALTER SYSTEM RESET + reload lifts it there;
#    precedence between the configuration file, ALTER DATABASE and a
#    session's own SET, seen from open sessions.
# 2. ALTER DATABASE ... SET and ALTER SYSTEM survive a restart.
# 3. Delegation to a non-superuser: nothing without a grant (42501);
#    GRANT SET ON PARAMETER allows SET and ALTER DATABASE/ROLE ... SET;
#    GRANT ALTER SYSTEM ON PARAMETER allows ALTER SYSTEM.
# 4. ALTER DATABASE ... SET is stored in the replicated catalog
#    pg_db_role_setting, so it holds on a promoted standby (new sessions and
#    a session open across the promotion), until ALTER DATABASE ... RESET.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $detail_setting = qr/DETAIL:  Read-only mode of readonly_guard is on for this session/;
my $detail_database =
  qr/DETAIL:  Read-only mode of readonly_guard is on for this session because readonly_guard.enabled is set for this database\./;

# Run SQL in a new session; return (SQLSTATE or 'ok', stdout, stderr).
# %opts: user => role to connect as.
sub run_sql
{
	my ($node, $db, $sql, %opts) = @_;
	my @extra = defined $opts{user} ? (extra_params => [ '-U', $opts{user} ]) : ();
	my ($ret, $stdout, $stderr) =
	  $node->psql($db, "\\set VERBOSITY verbose\n$sql", @extra);
	return ('ok', $stdout, $stderr) if $ret == 0;
	return ($1, $stdout, $stderr) if $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return ("unexpected: $stderr", $stdout, $stderr);
}

sub sqlstate_of
{
	my ($state) = run_sql(@_);
	return $state;
}

sub status_of
{
	my ($node, $db, %opts) = @_;
	my ($state, $out, $err) =
	  run_sql($node, $db, 'SELECT enabled, source FROM rog_status()', %opts);
	return $state eq 'ok' ? $out : "error: $err";
}

# A session that stays open: a PostgreSQL::Test::BackgroundPsql whose psql
# goes on after errors.  Its constructor returns only once psql has
# connected and answered (it dies otherwise); we also check that the server
# knows the backend, in the expected database.
sub open_session
{
	my ($node, $db, %opts) = @_;
	my @extra = defined $opts{user} ? (extra_params => [ '-U', $opts{user} ]) : ();
	my $s = $node->background_psql($db, on_error_stop => 0, @extra);
	$s->set_query_timer_restart;
	$s->query_safe('\set VERBOSITY verbose');
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	die "no backend PID from the background session: '$pid'" unless $pid =~ /^\d+$/;
	my $seen = $node->safe_psql('postgres',
		"SELECT datname FROM pg_stat_activity WHERE pid = $pid");
	die "background session $pid not in pg_stat_activity (got '$seen')"
	  unless $seen eq $db;
	return $s;
}

# Run SQL in an open session; return (SQLSTATE or 'ok', stdout, stderr).
# BackgroundPsql keeps stderr across queries: clear it around each one.
sub session_run
{
	my ($s, $sql) = @_;
	$s->{stderr} = '';
	my ($out) = $s->query($sql);
	my $err = $s->{stderr};
	$s->{stderr} = '';
	return ('ok', $out, $err) if $err eq '';
	return ($1, $out, $err) if $err =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return ("unexpected: $err", $out, $err);
}

sub session_state
{
	my ($state) = session_run(@_);
	return $state;
}

sub session_status
{
	my ($s) = @_;
	my ($state, $out, $err) = session_run($s, 'SELECT enabled, source FROM rog_status()');
	return $state eq 'ok' ? $out : "error: $err";
}

# Reload the configuration and wait until the postmaster has applied it: a
# new session, forked by the postmaster, shows the expected value.  The
# postmaster signals every backend (SIGHUP) before it accepts a new
# connection, and a backend applies a pending reload after reading its next
# command and before running it, so from then on that next command of every
# open session sees the new value.
sub reload_and_wait
{
	my ($node, $expected) = @_;
	$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
	$node->poll_query_until('postgres', 'SHOW readonly_guard.enabled', $expected)
	  or die "the reload did not set readonly_guard.enabled to $expected";
}

# ---- one node, three databases ----
my $node = PostgreSQL::Test::Cluster->new('settings');
$node->init;
append_server_conf($node);
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE d');
$node->safe_psql('postgres', 'CREATE DATABASE other');
foreach my $db (qw(postgres d other))
{
	$node->safe_psql($db, 'CREATE EXTENSION readonly_guard; CREATE TABLE t (i int)');
}

# ======== 1. ALTER SYSTEM + pg_reload_conf() in a session already open ========
{
	my $s = open_session($node, 'postgres');
	is(session_state($s, 'INSERT INTO t VALUES (1)'), 'ok',
		'ALTER SYSTEM: the open session writes before');
	is(session_status($s), 'f|', 'ALTER SYSTEM: rog_status() off before');

	$node->safe_psql('postgres', 'ALTER SYSTEM SET readonly_guard.enabled = on');
	is(session_state($s, 'INSERT INTO t VALUES (2)'), 'ok',
		'ALTER SYSTEM without a reload changes nothing yet');
	reload_and_wait($node, 'on');

	my ($state, $out, $err) = session_run($s, 'INSERT INTO t VALUES (3)');
	is($state, '25006', 'after ALTER SYSTEM + reload, the next write of the open session fails with 25006');
	like($err, qr/ERROR:  25006: cannot execute INSERT in a read-only transaction/,
		'the error is PostgreSQL\'s read-only error');
	like($err, $detail_setting, 'the detail says the setting is on for this session');
	is(session_status($s), 't|setting', 'rog_status() in the open session: enabled, source setting');
	is((session_run($s, 'SHOW readonly_guard.enabled'))[1], 'on', 'the open session shows readonly_guard.enabled = on');
	is((session_run($s, 'SELECT count(*) FROM t'))[1], '2', 'reads keep working in the open session');
	is(sqlstate_of($node, 'other', 'INSERT INTO t VALUES (1)'), '25006',
		'a new session in another database is read-only too');
	is(status_of($node, 'other'), 't|setting', 'and rog_status() there says source setting');
	is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status() WHERE reason IS NULL AND enabled_by IS NULL'),
		't', 'the cluster flag itself stays off (no reason, no enabled_by)');

	# a superuser's session-level SET wins over the configuration file
	my $own = open_session($node, 'postgres');
	is(session_state($own, 'SET readonly_guard.enabled = off'), 'ok',
		'a superuser may SET readonly_guard.enabled = off in a session');
	is(session_state($own, 'INSERT INTO t VALUES (4)'), 'ok',
		'session SET off wins over ALTER SYSTEM (precedence)');
	is(session_status($own), 'f|', 'rog_status() in that session: off');

	# ALTER SYSTEM RESET works while read-only, and lifts it in the open session
	($state, $out, $err) = run_sql($node, 'postgres',
		'ALTER SYSTEM RESET readonly_guard.enabled');
	is($state, 'ok', 'ALTER SYSTEM RESET works from a read-only session');
	reload_and_wait($node, 'off');
	is(session_state($s, 'INSERT INTO t VALUES (5)'), 'ok',
		'after ALTER SYSTEM RESET + reload, the open session writes again');
	is(session_status($s), 'f|', 'rog_status() in the open session: off');
	is(session_state($own, 'INSERT INTO t VALUES (6)'), 'ok',
		'the session with its own SET off writes too');
	$own->quit;
	$s->quit;
	is($node->safe_psql('postgres', 'SELECT string_agg(i::text, \',\' ORDER BY i) FROM t'),
		'1,2,4,5,6', 'exactly the writes that were allowed are there');
}

# ---- precedence of ALTER DATABASE over the configuration file, live ----
{
	# $early opens before anything is set: its value comes from the file;
	# $late opens while ALTER DATABASE d SET ... = off is in place
	my $early = open_session($node, 'd');
	$node->safe_psql('postgres', 'ALTER SYSTEM SET readonly_guard.enabled = on');
	reload_and_wait($node, 'on');
	is(session_status($early), 't|setting', 'precedence: the open session in d is read-only through the file');

	$node->safe_psql('postgres', 'ALTER DATABASE d SET readonly_guard.enabled = off');
	is(session_state($early, 'INSERT INTO t VALUES (10)'), 'ok',
		'ALTER DATABASE d SET ... = off wins over ALTER SYSTEM in the open session');
	is(session_status($early), 'f|', 'rog_status() there: off');
	is(sqlstate_of($node, 'd', 'INSERT INTO t VALUES (11)'), 'ok',
		'a new session in d is writable');
	is(sqlstate_of($node, 'other', 'INSERT INTO t VALUES (11)'), '25006',
		'another database stays read-only through the file');
	my $late = open_session($node, 'd');
	is(session_state($late, 'INSERT INTO t VALUES (12)'), 'ok',
		'a session that started under the database setting is writable');

	# removing the database setting falls back on the file in both sessions
	is(sqlstate_of($node, 'd', 'ALTER DATABASE d RESET readonly_guard.enabled'), 'ok',
		'ALTER DATABASE d RESET');
	my ($state, $out, $err) = session_run($early, 'INSERT INTO t VALUES (13)');
	is($state, '25006', 'after the RESET the earlier open session is read-only again (file)');
	like($err, $detail_setting, 'the detail names the setting');
	is(session_status($early), 't|setting', 'rog_status() there: enabled, setting');
	is(session_state($late, 'INSERT INTO t VALUES (14)'), '25006',
		'the session that started under the database setting is read-only again too');
	is(session_status($late), 't|setting', 'rog_status() there: enabled, setting');
	$late->quit;

	$node->safe_psql('postgres', 'ALTER SYSTEM RESET readonly_guard.enabled');
	reload_and_wait($node, 'off');
	is(session_state($early, 'INSERT INTO t VALUES (15)'), 'ok',
		'the open session is writable again after ALTER SYSTEM RESET + reload');
	is(session_status($early), 'f|', 'rog_status() there: off');
	$early->quit;
}

# ======== 2. restart ========
$node->safe_psql('postgres', 'ALTER DATABASE d SET readonly_guard.enabled = on');
is(sqlstate_of($node, 'd', 'INSERT INTO t VALUES (20)'), '25006',
	'ALTER DATABASE d SET readonly_guard.enabled = on: d is read-only');
$node->restart;
{
	my ($state, $out, $err) = run_sql($node, 'd', 'INSERT INTO t VALUES (21)');
	is($state, '25006', 'after a restart, a write in d fails with 25006');
	like($err, $detail_database, 'the detail says it is set for this database');
	is(status_of($node, 'd'), 't|database', 'after a restart, rog_status() in d: enabled, database');
	is(sqlstate_of($node, 'other', 'INSERT INTO t VALUES (21)'), 'ok',
		'after a restart, another database is writable');
	is(status_of($node, 'other'), 'f|', 'rog_status() there: off');
}
is(sqlstate_of($node, 'd', 'ALTER DATABASE d RESET readonly_guard.enabled'), 'ok',
	'ALTER DATABASE d RESET from a session in d');
is(sqlstate_of($node, 'd', 'INSERT INTO t VALUES (22)'), 'ok', 'd is writable again');

$node->safe_psql('postgres', 'ALTER SYSTEM SET readonly_guard.enabled = on');
$node->restart;
is(sqlstate_of($node, 'postgres', 'INSERT INTO t VALUES (23)'), '25006',
	'ALTER SYSTEM (no reload) + restart: writes fail with 25006');
is(status_of($node, 'postgres'), 't|setting', 'rog_status(): enabled, source setting');
is(sqlstate_of($node, 'd', 'INSERT INTO t VALUES (23)'), '25006',
	'every database is read-only');
is(sqlstate_of($node, 'postgres', 'ALTER SYSTEM RESET readonly_guard.enabled'), 'ok',
	'ALTER SYSTEM RESET works while read-only');
$node->restart;
is(sqlstate_of($node, 'postgres', 'INSERT INTO t VALUES (24)'), 'ok',
	'after ALTER SYSTEM RESET and a restart, writable');
is(status_of($node, 'postgres'), 'f|', 'rog_status(): off');
is($node->safe_psql('d', 'SELECT string_agg(i::text, \',\' ORDER BY i) FROM t'),
	'10,11,12,15,22', 'd holds exactly the writes that were allowed');

# ======== 3. delegation to a non-superuser ========
$node->safe_psql('postgres', q{
CREATE ROLE ops LOGIN;
CREATE DATABASE opsdb OWNER ops;
});
$node->safe_psql('opsdb', 'CREATE EXTENSION readonly_guard');
$node->safe_psql('opsdb', 'CREATE TABLE t (i int)', extra_params => [ '-U', 'ops' ]);
{
	my %ops = (user => 'ops');
	my ($state, $out, $err) = run_sql($node, 'opsdb', 'SET readonly_guard.enabled = on', %ops);
	is($state, '42501', 'without a grant, ops cannot SET readonly_guard.enabled');
	like($err, qr/permission denied to set parameter "readonly_guard.enabled"/,
		'the error says permission denied to set parameter');
	is(sqlstate_of($node, 'opsdb', 'ALTER DATABASE opsdb SET readonly_guard.enabled = on', %ops),
		'42501', 'without a grant, ops cannot ALTER DATABASE (it owns) SET readonly_guard.enabled');
	is(sqlstate_of($node, 'opsdb', 'ALTER ROLE ops SET readonly_guard.enabled = on', %ops),
		'42501', 'without a grant, ops cannot ALTER ROLE ops SET readonly_guard.enabled');
	is(sqlstate_of($node, 'opsdb', 'ALTER SYSTEM SET readonly_guard.enabled = on', %ops),
		'42501', 'without a grant, ops cannot ALTER SYSTEM SET readonly_guard.enabled');
	$node->safe_psql('opsdb',
		'GRANT EXECUTE ON FUNCTION rog_enable(text, interval, text, interval), rog_disable(text) TO ops');
	($state, $out, $err) = run_sql($node, 'opsdb', q{SELECT rog_enable(scope => 'database')}, %ops);
	is($state, '42501', 'granted rog_enable() alone, ops still cannot use scope => database');
	like($err, qr/permission denied to set parameter "readonly_guard.enabled"/,
		'because ALTER DATABASE needs the SET privilege on the parameter');
	is(status_of($node, 'opsdb', %ops), 'f|', 'opsdb is still writable');
	$node->safe_psql('opsdb',
		'REVOKE EXECUTE ON FUNCTION rog_enable(text, interval, text, interval), rog_disable(text) FROM ops');

	# GRANT SET ON PARAMETER: the database owner can make it read-only
	$node->safe_psql('postgres', 'GRANT SET ON PARAMETER readonly_guard.enabled TO ops');
	my $s = open_session($node, 'opsdb', %ops);
	is(session_state($s, 'INSERT INTO t VALUES (1)'), 'ok', 'delegation: open ops session writes');
	is(sqlstate_of($node, 'opsdb', 'ALTER DATABASE opsdb SET readonly_guard.enabled = on', %ops),
		'ok', 'with GRANT SET ON PARAMETER, the owner ops can ALTER DATABASE opsdb SET readonly_guard.enabled = on');
	($state, $out, $err) = session_run($s, 'INSERT INTO t VALUES (2)');
	is($state, '25006', 'the open ops session in opsdb is refused at its next write');
	like($err, $detail_database, 'the detail says it is set for this database');
	is(session_status($s), 't|database', 'rog_status() there: enabled, database');
	is(sqlstate_of($node, 'opsdb', 'INSERT INTO t VALUES (3)'), '25006',
		'a new superuser session in opsdb is refused too');
	is(status_of($node, 'opsdb'), 't|database', 'rog_status() for the superuser: enabled, database');
	is(sqlstate_of($node, 'postgres', 'INSERT INTO t VALUES (3)'), 'ok',
		'another database is writable');

	# the grant also lets ops SET the parameter in its own session
	is(sqlstate_of($node, 'opsdb', "SET readonly_guard.enabled = off;\nINSERT INTO t VALUES (4)", %ops),
		'ok', 'with GRANT SET ON PARAMETER, ops may SET readonly_guard.enabled = off for its own session');
	# ... but that does not get it past the cluster flag
	$node->safe_psql('postgres', q{SELECT rog_enable('delegation test')});
	($state, $out, $err) = run_sql($node, 'opsdb',
		"SET readonly_guard.enabled = off;\nINSERT INTO t VALUES (40)", %ops);
	is($state, '25006', 'SET readonly_guard.enabled = off does not lift the cluster flag of rog_enable()');
	like($err, qr/DETAIL:  The cluster is in read-only mode of readonly_guard/,
		'the detail names the cluster flag');
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't', 'rog_disable()');

	is(sqlstate_of($node, 'opsdb', 'ALTER DATABASE opsdb RESET readonly_guard.enabled', %ops),
		'ok', 'ops lifts it with ALTER DATABASE opsdb RESET, from a read-only session in opsdb');
	is(session_state($s, 'INSERT INTO t VALUES (5)'), 'ok', 'the open ops session writes again');
	is(session_status($s), 'f|', 'rog_status() there: off');

	# the same through rog_enable/rog_disable(scope => 'database')
	$node->safe_psql('opsdb',
		'GRANT EXECUTE ON FUNCTION rog_enable(text, interval, text, interval), rog_disable(text) TO ops');
	is(sqlstate_of($node, 'opsdb', q{SELECT rog_enable(scope => 'database')}, %ops),
		'ok', 'with both grants, ops can run rog_enable(scope => database)');
	is(session_state($s, 'INSERT INTO t VALUES (6)'), '25006', 'the open ops session is refused');
	is(session_status($s), 't|database', 'rog_status() there: enabled, database');
	is((run_sql($node, 'opsdb', q{SELECT rog_disable(scope => 'database')}, %ops))[1],
		't', 'ops runs rog_disable(scope => database): it was on');
	is(session_state($s, 'INSERT INTO t VALUES (7)'), 'ok', 'the open ops session writes again');
	$node->safe_psql('opsdb',
		'REVOKE EXECUTE ON FUNCTION rog_enable(text, interval, text, interval), rog_disable(text) FROM ops');

	# ALTER ROLE ops SET also works with the SET grant
	is(sqlstate_of($node, 'opsdb', 'ALTER ROLE ops SET readonly_guard.enabled = on', %ops),
		'ok', 'with GRANT SET ON PARAMETER, ops can ALTER ROLE ops SET readonly_guard.enabled');
	is(session_status($s), 't|role', 'the open ops session: enabled, source role');
	is(status_of($node, 'opsdb'), 'f|', 'a superuser session in opsdb is not affected');
	is(sqlstate_of($node, 'opsdb', 'ALTER ROLE ops RESET readonly_guard.enabled', %ops),
		'ok', 'ops lifts it with ALTER ROLE ops RESET');
	is(session_status($s), 'f|', 'the open ops session: off again');

	# SET privilege is not ALTER SYSTEM privilege
	($state, $out, $err) = run_sql($node, 'opsdb', 'ALTER SYSTEM SET readonly_guard.enabled = on', %ops);
	is($state, '42501', 'GRANT SET ON PARAMETER does not allow ALTER SYSTEM');
	like($err, qr/permission denied to set parameter "readonly_guard.enabled"/,
		'the error says permission denied to set parameter');
	$node->safe_psql('postgres', 'GRANT ALTER SYSTEM ON PARAMETER readonly_guard.enabled TO ops');
	is(sqlstate_of($node, 'opsdb', 'ALTER SYSTEM SET readonly_guard.enabled = on', %ops),
		'ok', 'with GRANT ALTER SYSTEM ON PARAMETER, ops can ALTER SYSTEM SET readonly_guard.enabled');
	is(sqlstate_of($node, 'opsdb', 'SELECT pg_reload_conf()', %ops), '42501',
		'pg_reload_conf() needs its own grant');
	$node->safe_psql('opsdb', 'GRANT EXECUTE ON FUNCTION pg_reload_conf() TO ops');
	is(sqlstate_of($node, 'opsdb', 'SELECT pg_reload_conf()', %ops), 'ok',
		'granted pg_reload_conf(), ops reloads');
	$node->poll_query_until('postgres', 'SHOW readonly_guard.enabled', 'on')
	  or die 'the reload by ops did not reach the postmaster';
	is(session_state($s, 'INSERT INTO t VALUES (8)'), '25006',
		'after ops\'s ALTER SYSTEM + reload, the open ops session is refused');
	is(session_status($s), 't|setting', 'rog_status() there: enabled, setting');
	is(sqlstate_of($node, 'other', 'INSERT INTO t VALUES (8)'), '25006',
		'and so is every database');
	is(sqlstate_of($node, 'opsdb', "ALTER SYSTEM RESET readonly_guard.enabled;\nSELECT pg_reload_conf()", %ops),
		'ok', 'ops runs ALTER SYSTEM RESET + reload from a read-only session');
	$node->poll_query_until('postgres', 'SHOW readonly_guard.enabled', 'off')
	  or die 'the reload by ops did not reach the postmaster';
	is(session_state($s, 'INSERT INTO t VALUES (9)'), 'ok', 'the open ops session writes again');
	is(sqlstate_of($node, 'other', 'INSERT INTO t VALUES (9)'), 'ok', 'every database is writable');
	$s->quit;
	is($node->safe_psql('opsdb', 'SELECT string_agg(i::text, \',\' ORDER BY i) FROM t'),
		'1,4,5,7,9', 'opsdb holds exactly the writes that were allowed');
}

# ======== 4. promotion: the database setting is replicated ========
$node->stop;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
append_server_conf($primary);
$primary->start;
$primary->safe_psql('postgres', 'CREATE DATABASE d');
foreach my $db (qw(postgres d))
{
	$primary->safe_psql($db, 'CREATE EXTENSION readonly_guard; CREATE TABLE t (i int)');
}
$primary->backup('for_standby');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'for_standby', has_streaming => 1);
append_server_conf($standby);
$standby->start;
$primary->wait_for_catchup('standby');
is($standby->safe_psql('postgres', 'SHOW shared_preload_libraries'), 'readonly_guard',
	'the standby preloads readonly_guard');

# a session in d that connects to the standby before the setting arrives, so
# that it finds the mode off in recovery: its transactions take the hooks'
# shortcut until they end, and the promotion must still reach it
my $early = open_session($standby, 'd');
is(session_state($early, 'SELECT count(*) FROM t'), 'ok', 'an early session in d reads on the standby');

$primary->safe_psql('postgres', 'ALTER DATABASE d SET readonly_guard.enabled = on');
is(sqlstate_of($primary, 'd', 'INSERT INTO t VALUES (1)'), '25006', 'd is read-only on the primary');
$primary->wait_for_catchup('standby');
is( $standby->safe_psql('postgres', q{
		SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
		 WHERE d.datname = 'd' AND s.setrole = 0}),
	'{readonly_guard.enabled=on}', 'the standby has the setting in pg_db_role_setting');
is(status_of($standby, 'd'), 't|database', 'on the standby, rog_status() in d: enabled, database');
# a session that connects to the standby now and stays open across the promotion
my $across = open_session($standby, 'd');
is(session_state($early, 'BEGIN'), 'ok', 'the early session begins a transaction in recovery');
is(session_state($early, 'SELECT count(*) FROM t'), 'ok', 'and reads in it');

$primary->stop;
$standby->promote;
ok($standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()'),
	'the standby is promoted');
{
	my ($state, $out, $err) = session_run($across, 'INSERT INTO t VALUES (1)');
	is($state, '25006', 'a session open across the promotion is refused in d');
	like($err, $detail_database, 'with the database detail');
	is(session_status($across), 't|database', 'rog_status() there: enabled, database');

	($state, $out, $err) = session_run($early, 'INSERT INTO t VALUES (7)');
	is($state, '25006', 'the early session\'s transaction, begun in recovery, cannot write after the promotion');
	is(session_state($early, 'ROLLBACK'), 'ok', 'it rolls back');
	($state, $out, $err) = session_run($early, 'INSERT INTO t VALUES (8)');
	is($state, '25006', 'its next transaction is refused: the replayed database setting applies');
	like($err, $detail_database, 'with the database detail');
}
{
	my ($state, $out, $err) = run_sql($standby, 'd', 'INSERT INTO t VALUES (2)');
	is($state, '25006', 'on the promoted node, a write in d fails with 25006');
	like($err, $detail_database, 'the detail says it is set for this database');
	unlike($err, qr/recovery/, 'and it is not the hot standby error');
	is(status_of($standby, 'd'), 't|database', 'on the promoted node, rog_status() in d: enabled, database');
	is(sqlstate_of($standby, 'd', 'CREATE TABLE u (i int)'), '25006', 'DDL in d fails with 25006 too');
	is(sqlstate_of($standby, 'postgres', 'INSERT INTO t VALUES (2)'), 'ok',
		'on the promoted node, another database is writable');
	is(status_of($standby, 'postgres'), 'f|', 'rog_status() there: off');

	my $s = open_session($standby, 'd');
	is(session_state($s, 'INSERT INTO t VALUES (3)'), '25006', 'an open session in d is refused');
	is(sqlstate_of($standby, 'd', 'ALTER DATABASE d RESET readonly_guard.enabled'), 'ok',
		'ALTER DATABASE d RESET on the promoted node, from a read-only session in d');
	is(session_state($s, 'INSERT INTO t VALUES (4)'), 'ok', 'the open session in d writes again');
	is(session_status($s), 'f|', 'rog_status() there: off');
	is(session_state($across, 'INSERT INTO t VALUES (6)'), 'ok',
		'the session open across the promotion writes again');
	$s->quit;
	$across->quit;
	$early->quit;
	is(sqlstate_of($standby, 'd', 'INSERT INTO t VALUES (5)'), 'ok', 'a new session in d writes');
	is($standby->safe_psql('d', 'SELECT string_agg(i::text, \',\' ORDER BY i) FROM t'),
		'4,5,6', 'd holds exactly the writes that were allowed');
}
$standby->stop;

done_testing();
