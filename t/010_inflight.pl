# Statements already running when rog_enable() is called (issue #14, escape
# class 1): without a transaction ID yet, they set up their plans and chose
# their writes before the mode came.  They belong to the drain: they may
# finish and commit within drain_timeout (rog_enable() waits for them and
# returns after their commit), and when the drain is over those still
# running are canceled, so that nothing they do commits after rog_enable()
# returned.  On readonly_guard 1.1 each of these wrote after that.
#  - INSERT ... SELECT that sleeps before its rows come: canceled with
#    drain_timeout 0; committed before rog_enable() returns with a longer one;
#  - COPY ... FROM STDIN whose data arrives after rog_enable(): canceled;
#  - CREATE INDEX CONCURRENTLY waiting behind a reader (readers are never
#    ended): canceled, so no valid index appears during the window;
#  - a PL/pgSQL loop that reached hooks after the mode began and calls
#    nextval() from a cached expression: canceled too, with a detail;
#  - a transaction whose writing statement began before the mode commits
#    within the drain window, and rog_enable() returns after it;
#  - rog_enable() interrupted by statement_timeout cancels at once, and
#    ends the backend of a statement that swallows the cancel;
#  - a commit the drain permitted lands before rog_enable() returns, also
#    when interrupted, however slow it is after the pre-commit check;
#  - a procedure that commits inside its loop is drained as one statement;
#  - temporary objects at session end and after a crash keep working;
#  - a temporary table left behind with permanent dependents is not dropped
#    by autovacuum, with them, until rog_disable().
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $node = PostgreSQL::Test::Cluster->new('inflight');
$node->init;
append_server_conf($node);
# a synchronous standby can be waited for (below)
$node->append_conf('postgresql.conf', "wal_level = replica\nmax_wal_senders = 2\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE t (id int);
});
my ($host, $port) = ($node->host, $node->port);

# A psql session that runs in the background; its input can be fed later.
sub session
{
	my ($in, $out, $err) = ('', '', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-q', '-A', '-t', '-h', $host, '-p', $port, 'postgres' ],
		'<', \$in, '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return { h => $h, in => \$in, out => \$out, err => \$err };
}

sub send_sql
{
	my ($s, $sql) = @_;
	${ $s->{in} } .= $sql;
	# IPC::Run writes the input as psql takes it: pump until all is sent
	$s->{h}->pump_nb while length ${ $s->{in} };
}

sub finish
{
	my ($s) = @_;
	# psql may be gone already (its session was ended): then only collect
	# what it wrote
	usleep(100_000);
	$s->{h}->pump_nb;
	${ $s->{in} } .= "\\q\n" if $s->{h}->pumpable;
	eval { $s->{h}->finish; };
	return ${ $s->{err} };
}

# Wait until some backend runs a statement matching $pattern (and, with
# $waiting, waits on a lock).
sub wait_active
{
	my ($pattern, $waiting) = @_;
	my $cond = $waiting ? q{AND wait_event_type = 'Lock'} : '';
	$node->poll_query_until('postgres', qq{
SELECT count(*) > 0 FROM pg_stat_activity
 WHERE state = 'active' AND query LIKE '$pattern' $cond})
	  or die "no statement like $pattern became active";
}

sub count_ids
{
	my ($list) = @_;
	return $node->safe_psql('postgres', "SELECT count(*) FROM t WHERE id IN ($list)");
}

# ---- INSERT ... SELECT without an XID yet, drain_timeout 0: canceled ----
my $log_offset = -s $node->logfile;
my $s = session();
send_sql($s, "INSERT INTO t SELECT 1 FROM pg_sleep(3);\n");
wait_active('INSERT INTO t SELECT 1%');
$node->safe_psql('postgres', q{SELECT rog_enable('inflight', drain_timeout => '0')});
my $err = finish($s);
like($err, qr/canceling statement because read-only mode began/,
	'a running INSERT ... SELECT is canceled when drain_timeout is over');
like(slurp_file($node->logfile, $log_offset),
	qr/canceling the statement of backend with PID \d+ \(role "[^"]+"\): it was running when read-only mode began and outlived the drain/,
	'the cancel is logged with the PID and role');
$node->safe_psql('postgres', 'SELECT rog_disable()');
is(count_ids('1'), '0', 'the canceled INSERT wrote nothing');

# ---- the same within a long enough drain: committed before the return ----
$s = session();
send_sql($s, "INSERT INTO t SELECT 2 FROM pg_sleep(2);\n");
wait_active('INSERT INTO t SELECT 2%');
my $returned = $node->safe_psql('postgres', q{
SELECT rog_enable('inflight', drain_timeout => '60s') IS NOT NULL;
SELECT clock_timestamp();});
$returned = (split /\n/, $returned)[1];
$err = finish($s);
is($err, '', 'the INSERT that finished within the drain saw no error');
is( $node->safe_psql(
		'postgres',
		qq{SELECT pg_xact_commit_timestamp(xmin) < '$returned' FROM t WHERE id = 2}),
	't', 'its row was committed before rog_enable() returned');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- COPY FROM STDIN whose data comes after rog_enable(): canceled ----
$s = session();
send_sql($s, "COPY t FROM STDIN;\n3\n");
wait_active('COPY t FROM STDIN%');
$node->safe_psql('postgres', q{SELECT rog_enable('inflight', drain_timeout => '1s')});
send_sql($s, "4\n\\.\n");
$err = finish($s);
like($err, qr/canceling statement because read-only mode began|terminating connection due to administrator command\n(?s:.*)DETAIL:  Read-only mode of readonly_guard began/,
	'a COPY FROM STDIN waiting for its data is ended after the drain (a cancel waits for data; the session is terminated, with a detail)');
$node->safe_psql('postgres', 'SELECT rog_disable()');
is(count_ids('3, 4'), '0', 'the canceled COPY wrote nothing');

# ---- CREATE INDEX CONCURRENTLY waiting behind a reader: canceled ----
my $reader = session();
send_sql($reader,
	"BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT count(*) FROM t;\n");
$node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_activity WHERE state = 'idle in transaction'})
  or die 'the reader did not start: '
  . $node->safe_psql('postgres', q{SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE backend_type = 'client backend'})
  . ${ $reader->{err} };
my $cic = session();
send_sql($cic, "CREATE INDEX CONCURRENTLY t_cic ON t (id);\n");
wait_active('CREATE INDEX CONCURRENTLY%', 1);
$node->safe_psql('postgres', q{SELECT rog_enable('inflight', drain_timeout => '1s')});
$err = finish($cic);
like($err, qr/canceling statement because read-only mode began/,
	'CREATE INDEX CONCURRENTLY behind a reader is canceled after the drain');
send_sql($reader, "COMMIT;\n");
is(finish($reader), '', 'the reader was not touched and commits');
is( $node->safe_psql(
		'postgres', q{SELECT count(*) FROM pg_index WHERE indexrelid = 't_cic'::regclass AND indisvalid}),
	'0', 'no valid index was built while read-only');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- a reader that started before the mode and runs past the drain, and
# a statement started after the mode, are not canceled while they read ----
$s = session();
send_sql($s, "SELECT count(*) FROM t, pg_sleep(0.5);\n");
usleep(100_000);
$node->safe_psql('postgres', q{SELECT rog_enable('inflight', drain_timeout => '2s')});
is(finish($s), '', 'a reader that finishes within the drain is not canceled');
$s = session();
send_sql($s, "SELECT count(*) FROM t, pg_sleep(1);\n");
wait_active('SELECT count(*) FROM t, pg_sleep(1)%');
$node->safe_psql('postgres', q{SELECT rog_enable('again', drain_timeout => '0')});
is(finish($s), '', 'a statement that began under the mode is never canceled by the drain');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- a loop begun before the mode that reaches hooks (PERFORM) and calls
# nextval() from a cached expression: canceled when the drain is over,
# nothing advances after rog_enable() returned ----
$node->safe_psql('postgres', 'CREATE SEQUENCE loop_seq');
$s = session();
send_sql($s, q{DO $$DECLARE v bigint; BEGIN
  FOR i IN 1..60 LOOP
    BEGIN PERFORM pg_sleep(0.05); EXCEPTION WHEN division_by_zero THEN NULL; END;
    v := nextval('loop_seq');
  END LOOP; END $$;
});
wait_active('DO $$DECLARE v bigint%');
usleep(300_000);
my $at_return = $node->safe_psql('postgres', q{
SELECT rog_enable('loop', drain_timeout => '300ms') IS NOT NULL;
SELECT last_value FROM loop_seq;});
$at_return = (split /\n/, $at_return)[1];
$err = finish($s);
# its nextval() took an XID before the cutoff: as a writer from before the
# mode its session is ended; a loop without one would be canceled
like($err, qr/canceling statement because read-only mode began|terminating connection due to administrator command/,
	'a loop that reached hooks after the mode began is ended at the end of the drain');
like($err, qr/DETAIL:  (The statement was running when read-only mode of readonly_guard began|Read-only mode of readonly_guard began while this session)/,
	'the error says why, with a detail');
is($node->safe_psql('postgres', 'SELECT last_value FROM loop_seq'), $at_return,
	'the sequence did not advance after rog_enable() returned');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- a transaction whose writing statement began before the mode may still
# commit within the drain (its XID came after the cutoff) ----
$s = session();
send_sql($s, "BEGIN;\nINSERT INTO t SELECT 5 FROM pg_sleep(1);\n");
wait_active('INSERT INTO t SELECT 5%');
my ($enable_out, $enable_err) = ('', '');
my $enable = IPC::Run::start(
	[ 'psql', '-X', '-A', '-t', '-h', $host, '-p', $port, '-c',
	  q{SELECT rog_enable('drain window', drain_timeout => '30s') IS NOT NULL}, 'postgres' ],
	'<', \undef, '>', \$enable_out, '2>', \$enable_err);
$node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_activity WHERE state = 'idle in transaction'})
  or die 'the writer did not finish its INSERT';
send_sql($s, "COMMIT;\n");
is(finish($s), '', 'its COMMIT inside the drain window succeeds');
$enable->finish;
is($enable_out, "t\n", 'rog_enable() returned after it');
is(count_ids('5'), '1', 'the row is there');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- a procedure begun before the mode that commits inside its loop: its
# CALL is drained as a whole, each transaction it commits within the drain
# commits (a fourth audit: the drain took its next transaction for new work
# and ended at once, and the procedure's next INSERT was refused) ----
$node->safe_psql('postgres', q{
CREATE TABLE proc_rows (i int);
CREATE PROCEDURE commit_loop() LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..10 LOOP
    INSERT INTO proc_rows VALUES (i);
    COMMIT;
    PERFORM pg_sleep(0.2);
  END LOOP;
END $$;});
$s = session();
send_sql($s, "CALL commit_loop();\n");
wait_active('CALL commit_loop()%');
usleep(500_000);
$returned = $node->safe_psql('postgres', q{
SELECT rog_enable('procedure', drain_timeout => '30s') IS NOT NULL;
SELECT clock_timestamp();});
$returned = (split /\n/, $returned)[1];
is(finish($s), '', 'the procedure ran to its end within the drain');
is( $node->safe_psql(
		'postgres',
		qq{SELECT count(*) || ' ' || bool_and(pg_xact_commit_timestamp(xmin) < '$returned') FROM proc_rows}),
	'10 true', 'all its transactions committed, before rog_enable() returned');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- rog_enable() interrupted by statement_timeout: the mode is on, and the
# statements from before it are canceled at once rather than left running ----
$s = session();
send_sql($s, "SELECT pg_sleep(5);\n");
wait_active('SELECT pg_sleep(5)%');
my ($rc, $out, $stderr) = $node->psql('postgres', q{
SET statement_timeout = '300ms';
SELECT rog_enable('interrupted', drain_timeout => '10s');});
like($stderr, qr/canceling statement due to statement timeout/, 'rog_enable() was interrupted');
is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 't', 'the mode is on');
$err = finish($s);
like($err, qr/canceling statement because read-only mode began/,
	'the statement from before the mode was canceled at once');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- a commit the drain permitted lands before rog_enable() returns, even
# when it is slow after the pre-commit check (a fourth audit: ON COMMIT
# actions of thousands of temporary tables took seconds there).  Made slow
# here by the lock NOTIFY takes at commit, held by an exempt session whose
# own commit waits for a synchronous standby that does not exist ----
$node->safe_psql('postgres', q{
CREATE ROLE notifier LOGIN SUPERUSER;
ALTER SYSTEM SET readonly_guard.exempt_roles = 'notifier';
ALTER SYSTEM SET synchronous_standby_names = 'nobody';
ALTER SYSTEM SET synchronous_commit = 'local';
SELECT pg_reload_conf();});

# the writer's statement begins before the mode, its XID after the cutoff
sub slow_permitted_commit
{
	my ($id, @enable_sql) = @_;
	my $w = session();
	send_sql($w, "BEGIN;\nINSERT INTO t SELECT $id FROM pg_sleep(1);\n");
	wait_active("INSERT INTO t SELECT $id%");
	# one -c each, so that clock_timestamp() runs after an error of rog_enable()
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-A', '-t', '-h', $host, '-p', $port,
		  (map { ('-c', $_) } @enable_sql), 'postgres' ],
		'<', \undef, '>', \$out, '2>', \$err);
	$node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_activity WHERE state = 'idle in transaction'})
	  or die 'the writer did not finish its INSERT';
	# the lock holder, exempt, stuck in its commit
	my $z = IPC::Run::start(
		[ 'psql', '-X', '-q', '-h', $host, '-p', $port, '-U', 'notifier', '-c',
		  "SET synchronous_commit = on; BEGIN; INSERT INTO t VALUES (${id}0); NOTIFY zch; COMMIT;", 'postgres' ],
		'<', \undef, '>', \my $zout, '2>', \my $zerr);
	$node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'SyncRep'})
	  or die 'the lock holder does not wait for its standby';
	# the writer's COMMIT: permitted by the drain, then waits for the lock
	send_sql($w, "NOTIFY wch;\nCOMMIT;\n");
	$node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_stat_activity WHERE query = 'COMMIT;' AND wait_event_type = 'Lock'})
	  or die 'the writer does not wait at its commit';
	return ($w, $z, $h, \$out, \$err);
}

# wait until rog_enable() has run for $secs seconds
sub enable_running_for
{
	my ($secs) = @_;
	$node->poll_query_until('postgres', qq{
SELECT count(*) > 0 FROM pg_stat_activity
 WHERE query LIKE '%rog_enable(%' AND pid <> pg_backend_pid()
   AND clock_timestamp() - query_start > '$secs s'})
	  or die "rog_enable() did not run for $secs s";
}

# is rog_enable() still running, and on what does it wait?
sub enable_still_running
{
	return $node->safe_psql('postgres', q{
SELECT coalesce(wait_event, 'running') FROM pg_stat_activity
 WHERE query LIKE '%rog_enable(%' AND state = 'active' AND pid <> pg_backend_pid()});
}

sub release_lock_holder
{
	my ($z) = @_;
	$node->safe_psql('postgres', q{
SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'});
	$z->finish;
}

my ($w, $z, $h, $eout, $eerr) = slow_permitted_commit(6,
	q{SELECT rog_enable('slow commit', drain_timeout => '4s') IS NOT NULL},
	q{SELECT clock_timestamp()});
enable_running_for(6);
# (rog_enable()'s own NOTIFY waits for the same lock at its commit: what it
# waits on tells the two apart)
is(enable_still_running(), 'transactionid',
	'rog_enable() still waits, past its drain_timeout, for the commit its drain permitted');
release_lock_holder($z);
$h->finish;
my $returned6 = (split /\n/, $$eout)[-1];
is(finish($w), '', 'the permitted commit succeeds');
is( $node->safe_psql(
		'postgres', qq{SELECT pg_xact_commit_timestamp(xmin) < '$returned6' FROM t WHERE id = 6}),
	't', 'it landed before rog_enable() returned');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- the same when rog_enable() is interrupted: the permitted commit lands
# before the call ends with its error ----
($w, $z, $h, $eout, $eerr) = slow_permitted_commit(7, q{SET statement_timeout = '4s'},
	q{SELECT rog_enable('interrupted', drain_timeout => '30s')},
	q{SELECT clock_timestamp()});
enable_running_for(6);
like(enable_still_running(), qr/^(running|PgSleep)$/,
	'the interrupted rog_enable() waits for the commit its drain permitted');
release_lock_holder($z);
$h->finish;
my $ended7 = (split /\n/, $$eout)[-1];
like($$eerr, qr/canceling statement due to statement timeout/, 'rog_enable() was interrupted');
is(finish($w), '', 'the permitted commit succeeds');
is( $node->safe_psql(
		'postgres', qq{SELECT pg_xact_commit_timestamp(xmin) < '$ended7' FROM t WHERE id = 7}),
	't', 'it landed before rog_enable() ended');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- and when the lock holder does not let go: the interrupted
# rog_enable() ends the permitted committer after a grace period, so its
# commit never lands after the call ended (a fourth audit) ----
($w, $z, $h, $eout, $eerr) = slow_permitted_commit(8, q{SET statement_timeout = '2s'},
	q{SELECT rog_enable('interrupted', drain_timeout => '30s')},
	q{SELECT clock_timestamp()});
$h->finish;
like($$eerr, qr/canceling statement due to statement timeout/, 'rog_enable() was interrupted');
like(finish($w), qr/terminating connection due to administrator command/,
	'the committer held up by another session was ended before the call ended');
release_lock_holder($z);
is(count_ids('8'), '0', 'its commit did not land');
$node->safe_psql('postgres', q{
SELECT rog_disable();
ALTER SYSTEM RESET synchronous_standby_names;
ALTER SYSTEM RESET synchronous_commit;
ALTER SYSTEM RESET readonly_guard.exempt_roles;
SELECT pg_reload_conf();});

# ---- rog_enable() interrupted while a statement from before the mode
# swallows the cancel (a fourth audit): its backend is ended, as at the end
# of a drain, before the call ends ----
$node->safe_psql('postgres', q{
CREATE SEQUENCE catch_seq;
CREATE PROCEDURE catch_cancel() LANGUAGE plpgsql AS $$
DECLARE x bigint;
BEGIN
  LOOP
    BEGIN
      x := nextval('catch_seq');
      PERFORM pg_sleep(0.01);
    EXCEPTION WHEN query_canceled THEN NULL;
    END;
  END LOOP;
END $$;});
$s = session();
send_sql($s, "CALL catch_cancel();\n");
wait_active('CALL catch_cancel()%');
($rc, $out, $stderr) = $node->psql('postgres', q{
SET statement_timeout = '500ms';
SELECT rog_enable('swallowed', drain_timeout => '30s');});
my $after = $node->safe_psql('postgres', 'SELECT last_value FROM catch_seq');
like($stderr, qr/canceling statement due to statement timeout/, 'rog_enable() was interrupted');
$err = finish($s);
like($err, qr/terminating connection due to administrator command/,
	'the statement that swallowed the cancel had its backend ended');
sleep 1;
is($node->safe_psql('postgres', 'SELECT last_value FROM catch_seq'), $after,
	'the sequence did not advance after rog_enable() ended');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- temporary objects keep working at the end of sessions and after a
# crash that left some behind ----
$node->safe_psql('postgres', q{SELECT rog_enable('temp')});
$log_offset = -s $node->logfile;
$node->safe_psql('postgres', q{
CREATE TYPE pg_temp.r AS RANGE (subtype = int4);
CREATE TEMP TABLE tt (a int, b pg_temp.r);
INSERT INTO tt VALUES (1, '[1,2)');});
$node->safe_psql('postgres', 'SELECT 1');
unlike(slurp_file($node->logfile, $log_offset), qr/FATAL|would remove/,
	'the end of a session drops its temporary range type and table');
my $temp = session();
send_sql($temp, "CREATE TEMP TABLE left_behind (a int);\nINSERT INTO left_behind VALUES (1);\n");
$node->poll_query_until('postgres', q{SELECT count(*) > 0 FROM pg_class WHERE relname = 'left_behind'})
  or die 'no temporary table';
$node->stop('immediate');
$temp->{h}->kill_kill;
$node->start;
is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 't', 'the mode is on after the crash');
my $made = 0;
for my $i (1 .. 5)
{
	$made++ if $node->psql('postgres', 'CREATE TEMP TABLE mine (a int); INSERT INTO mine VALUES (1);') == 0;
}
is($made, 5, 'temporary tables can be made while temporary schemas left by the crash are cleared');
$node->safe_psql('postgres', 'SELECT rog_disable()');

# ---- a temporary table that a session leaves behind under the mode, with
# permanent objects depending on it: autovacuum does not drop it, with them,
# before rog_disable() (a third attacker found it did) ----
sub wait_in_log
{
	my ($re, $offset) = @_;
	for (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		return 1 if slurp_file($node->logfile, $offset) =~ $re;
		usleep(100_000);
	}
	return 0;
}
$node->safe_psql('postgres', q{
ALTER SYSTEM SET autovacuum_naptime = '1s';
SELECT pg_reload_conf();});
my $owner = session();
send_sql($owner, q{
CREATE TEMP TABLE orphan (x int);
CREATE FUNCTION public.uses_orphan(orphan) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE public.holds_orphan (c orphan, d int);
INSERT INTO public.holds_orphan VALUES (ROW(1), 1);
});
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM public.holds_orphan})
  or die 'no table depending on a temporary one';
$node->safe_psql('postgres', q{SELECT rog_enable('orphan')});
$log_offset = -s $node->logfile;
finish($owner);
ok(wait_in_log(qr/dropping orphan temp table .*\n(.*\n)?.*ERROR:  cannot execute DROP in a read-only transaction/, $log_offset),
	'autovacuum tries to drop the temporary table left behind, and is refused');
is($node->safe_psql('postgres', q{
SELECT (SELECT count(*) FROM pg_proc WHERE proname = 'uses_orphan')
    || ' ' || (SELECT count(*) FROM pg_attribute
               WHERE attrelid = 'public.holds_orphan'::regclass AND attname = 'c'
                 AND NOT attisdropped)
    || ' ' || (SELECT count(c) FROM public.holds_orphan)}),
	'1 1 1', 'the permanent function and column that depend on it are there while the mode is on');
# a new session given the same temporary schema (the same backend slot)
# must clear it before its first temporary object: refused, and told why
# (a fourth audit); other sessions make theirs.  From 17 on the slots are
# reused in turn: new sessions one after the other reach it; up to 15 a new
# session takes the lowest free slot: sessions kept open reach it
my ($cleared, $refused, $other) = (0, 0, 0);
sub judge_temp_attempt
{
	my ($err) = @_;
	if ($err eq '') { $cleared++; }
	elsif ($err =~ /DETAIL:  .*temporary schema holds objects that an earlier session left behind/) { $refused++; }
	else { $other++; diag($err); }
	return $refused;
}
my $slots = $node->safe_psql('postgres', 'SHOW max_connections') + 5;
for (1 .. $slots)
{
	my ($rc, $out, $err) = $node->psql('postgres', 'CREATE TEMP TABLE mine (a int)');
	last if judge_temp_attempt($rc == 0 ? '' : $err);
}
my @held;
for (1 .. 40)
{
	last if $refused;
	my $h = session();
	send_sql($h, "CREATE TEMP TABLE mine (a int);\nSELECT 'made';\n");
	$h->{h}->pump until ${ $h->{out} } =~ /made/;
	push @held, $h;
	judge_temp_attempt(${ $h->{err} });
}
finish($_) for @held;
ok($refused == 1 && $other == 0,
	"a session that must first clear the schema left behind is refused with a detail that says so ($cleared others made theirs)");
$node->safe_psql('postgres', 'SELECT rog_disable()');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pg_proc WHERE proname = 'uses_orphan'}),
	'after rog_disable() autovacuum drops it, with CASCADE, as PostgreSQL does');
$node->safe_psql('postgres', q{
DROP TABLE public.holds_orphan;
ALTER SYSTEM RESET autovacuum_naptime;
SELECT pg_reload_conf();});

$node->stop;
done_testing();
