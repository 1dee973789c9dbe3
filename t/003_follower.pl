# Follower catch-up: rog_follower_lag() and rog_wait_for_catchup() with a
# real primary, a streaming standby, a standby delayed by
# recovery_min_apply_delay and a logical replication slot; then the whole
# maintenance runbook (enable, drain, wait for catch-up, promote, disable).
#
# The logical slot is a follower too: it has caught up only once its
# consumer has confirmed the read-only LSN, so the test consumes it with
# pg_logical_slot_get_changes() before waiting for success.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $lag_columns =
	'OUT application_name text, OUT client_addr inet, OUT state text, '
  . 'OUT sync_state text, OUT sent_lsn pg_lsn, OUT write_lsn pg_lsn, '
  . 'OUT flush_lsn pg_lsn, OUT replay_lsn pg_lsn, OUT lag_bytes numeric, '
  . 'OUT replay_lag interval, OUT caught_up boolean';

# ---- a primary, a logical slot, a streaming standby ----
my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 'logical');
append_server_conf($primary);
$primary->append_conf('postgresql.conf', qq{
max_connections = 20
});
$primary->start;
$primary->safe_psql('postgres', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE t (i int);
SELECT pg_create_logical_replication_slot('lag_slot', 'test_decoding');
CREATE ROLE mon IN ROLE pg_monitor;
CREATE ROLE ops;
GRANT EXECUTE ON FUNCTION rog_wait_for_catchup(interval, integer) TO ops;
CREATE ROLE opsmon IN ROLE pg_monitor;
GRANT EXECUTE ON FUNCTION rog_wait_for_catchup(interval, integer) TO opsmon;
});

$primary->backup('for_standby');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'for_standby', has_streaming => 1);
# report the replay position every second (default 10s)
$standby->append_conf('postgresql.conf', "wal_receiver_status_interval = 1s\n");
$standby->start;
$primary->safe_psql('postgres', 'INSERT INTO t SELECT generate_series(1, 100)');

# ---- a replica says it is one (issue #17) ----
$primary->wait_for_catchup($standby);
{
	my ($ret, $out, $err) = $standby->psql('postgres', 'INSERT INTO t VALUES (0)');
	like($err, qr/ERROR:  cannot execute INSERT in a read-only transaction/,
		'a write on the standby is refused with core\'s message');
	like($err, qr/DETAIL:  This server is a standby in recovery, which accepts no writes\./,
		'... and a detail that names the standby as the cause');
	like($err, qr/HINT:  Send writes to the primary server\./, '... and a hint');
	is($standby->safe_psql('postgres', 'SELECT enabled, source FROM rog_status()'),
		't|recovery', 'rog_status() on the standby reports read-only, from recovery');
	is($standby->safe_psql('postgres', 'SELECT rog_accepts_writes()'), 'f',
		'rog_accepts_writes() is false on the standby');
}
$primary->wait_for_catchup('standby');

# Run a statement as the given node; return its SQLSTATE ('ok' on success).
sub sqlstate_of
{
	my ($node, $sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"\\set VERBOSITY verbose\n$sql");
	return 'ok' if $ret == 0;
	return $1 if $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "unexpected: $stderr";
}

# Call rog_wait_for_catchup(args); return its result, stderr and seconds.
sub timed_wait
{
	my ($node, $args) = @_;
	my $start = time;
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "SELECT rog_wait_for_catchup($args)");
	my $elapsed = time - $start;
	$stdout = "error: $stderr" if $ret != 0;
	note("rog_wait_for_catchup($args): $stdout after ${elapsed}s; $stderr")
	  if $stderr ne '';
	return ($stdout, $stderr, $elapsed);
}

# Consume the logical slot until rog_follower_lag() says it has caught up
# (what it can read ends at the flushed WAL, which may lag the insert
# position by a WAL writer cycle).
sub consume_slot
{
	foreach (1 .. 100)
	{
		$primary->safe_psql('postgres',
			q{SELECT count(*) FROM pg_logical_slot_get_changes('lag_slot', NULL, NULL)});
		return 1
		  if $primary->safe_psql('postgres',
			q{SELECT caught_up FROM rog_follower_lag() WHERE application_name = 'lag_slot'})
		  eq 't';
		usleep(100_000);
	}
	return 0;
}

# ---- rog_follower_lag(): rows and columns ----
is( $primary->safe_psql('postgres',
		q{SELECT pg_get_function_arguments('rog_follower_lag()'::regprocedure)}),
	$lag_columns,
	'rog_follower_lag() has the documented columns');
is( $primary->safe_psql('postgres',
		q{SELECT string_agg(application_name || ':' || state, ',' ORDER BY application_name)
		    FROM rog_follower_lag()}),
	'lag_slot:logical slot,standby:streaming',
	'on the primary: one row for the standby, one for the logical slot');
is( $primary->safe_psql('postgres', q{
		SELECT l.sync_state, l.sent_lsn IS NOT NULL, l.write_lsn IS NOT NULL,
		       l.flush_lsn IS NOT NULL, l.replay_lsn IS NOT NULL,
		       l.lag_bytes >= 0, l.caught_up IS NOT NULL,
		       l.client_addr IS NOT DISTINCT FROM r.client_addr
		  FROM rog_follower_lag() l JOIN pg_stat_replication r USING (application_name)
		 WHERE l.application_name = 'standby'}),
	'async|t|t|t|t|t|t|t',
	'the standby row carries the positions and addresses of pg_stat_replication');
is( $primary->safe_psql('postgres', q{
		SELECT l.client_addr IS NULL, l.sync_state IS NULL, l.sent_lsn IS NULL,
		       l.flush_lsn = s.confirmed_flush_lsn, l.replay_lsn = s.confirmed_flush_lsn,
		       l.lag_bytes > 0, l.caught_up
		  FROM rog_follower_lag() l JOIN pg_replication_slots s
		       ON s.slot_name = l.application_name
		 WHERE l.state = 'logical slot'}),
	't|t|t|t|t|t|f',
	'the slot row: confirmed_flush_lsn, behind since nothing consumed it');

# ---- privileges and arguments ----
is( $primary->safe_psql('postgres', q{
		SET ROLE mon;
		SELECT count(*) FROM rog_follower_lag() WHERE replay_lsn IS NOT NULL}),
	'2', 'a pg_monitor member sees the followers and their positions');
is(sqlstate_of($primary, 'SET ROLE ops; SELECT * FROM rog_follower_lag()'),
	'42501', 'a role without pg_monitor cannot call rog_follower_lag()');
is(sqlstate_of($primary, q{SET ROLE mon; SELECT rog_wait_for_catchup('0')}),
	'42501', 'pg_monitor alone cannot call rog_wait_for_catchup()');
my ($ret, $out, $err) = $primary->psql('postgres',
	q{SET ROLE ops; SELECT rog_wait_for_catchup('0')});
like($err, qr/permission denied to wait for followers/,
	'granted rog_wait_for_catchup() without pg_read_all_stats: clear error');
is(sqlstate_of($primary, q{SET ROLE opsmon; SELECT rog_wait_for_catchup('0', 0)}),
	'ok', 'granted rog_wait_for_catchup() and pg_monitor: the call works');
is(sqlstate_of($primary, 'SELECT rog_wait_for_catchup(NULL)'),
	'22004', 'a NULL timeout is an error');
is(sqlstate_of($primary, q{SELECT rog_wait_for_catchup('-1s')}),
	'22023', 'a negative timeout is an error');
is(sqlstate_of($primary, q{SELECT rog_wait_for_catchup('1s', -1)}),
	'22023', 'a negative min_followers is an error');
is(sqlstate_of($primary, q{SELECT rog_wait_for_catchup('1s', NULL)}),
	'22004', 'a NULL min_followers is an error');

# ---- read-only: the wait succeeds once every follower has caught up ----
$primary->safe_psql('postgres', 'INSERT INTO t SELECT generate_series(101, 200)');
my $ro_lsn = $primary->safe_psql('postgres', q{SELECT rog_enable('catch-up test')});
is($primary->safe_psql('postgres', 'SELECT lsn FROM rog_status()'),
	$ro_lsn, 'read-only mode is on, at the LSN rog_enable() returned');

my ($result, $notice, $elapsed) = timed_wait($primary, q{'1s'});
is($result, 'f', 'the wait fails while the logical slot has not confirmed the read-only LSN');
like($notice,
	qr/NOTICE:  followers have not caught up with WAL position $ro_lsn.*DETAIL:  Logical slot "lag_slot" is \d+ bytes behind\./s,
	'the NOTICE names the unconsumed slot and how far it is behind');

ok(consume_slot(), 'consuming the slot brings it up to the read-only LSN');
($result, $notice, $elapsed) = timed_wait($primary, q{'60s'});
is($result, 't', 'rog_wait_for_catchup() returns true once the standby has replayed');
cmp_ok($elapsed, '<', 30, 'it returns well before its timeout');
is($standby->safe_psql('postgres', "SELECT pg_last_wal_replay_lsn() >= '$ro_lsn'"),
	't', 'the standby has indeed replayed up to the read-only LSN');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM t'),
	'200', 'the standby has every row written before read-only mode');
is( $primary->safe_psql('postgres', q{
		SELECT bool_and(caught_up), sum(lag_bytes),
		       bool_and(lag_bytes = greatest(pg_wal_lsn_diff(
		           (SELECT lsn FROM rog_status()), replay_lsn), 0))
		  FROM rog_follower_lag()}),
	't|0|t',
	'rog_follower_lag(): all caught up, lag_bytes measured against rog_status().lsn');

# ---- on the standby: rog_follower_lag() describes the standby ----
is( $standby->safe_psql('postgres', q{
		SELECT count(*), min(application_name), min(state),
		       bool_and(client_addr IS NULL AND sync_state IS NULL AND sent_lsn IS NULL)
		  FROM rog_follower_lag()}),
	'1|standby|streaming|t',
	'on the standby: one row, named as the primary knows it, streaming');
is( $standby->safe_psql('postgres', qq{
		SELECT replay_lsn >= '$ro_lsn', replay_lsn <= pg_last_wal_replay_lsn(),
		       flush_lsn >= replay_lsn, lag_bytes >= 0, replay_lag IS NOT NULL
		  FROM rog_follower_lag()}),
	't|t|t|t|t',
	'on the standby: received and replayed positions, replay_lag');
($result, $notice, $elapsed) = timed_wait($standby, q{'60s'});
is($result, 't', 'on the standby, the wait returns true once it has replayed all it received');

# ---- a standby delayed by recovery_min_apply_delay ----
is($primary->safe_psql('postgres', 'SELECT rog_disable()'), 't', 'read-only mode off again');
$primary->backup('for_delayed');
my $delayed = PostgreSQL::Test::Cluster->new('delayed');
$delayed->init_from_backup($primary, 'for_delayed', has_streaming => 1);
$delayed->append_conf('postgresql.conf', qq{
recovery_min_apply_delay = '1h'
wal_receiver_status_interval = 1s
});
$delayed->start;
$primary->safe_psql('postgres', 'INSERT INTO t SELECT generate_series(201, 300)');
my $insert_lsn = $primary->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
$primary->wait_for_catchup('delayed', 'flush', $insert_lsn);
is( $primary->safe_psql('postgres', qq{
		SELECT state, flush_lsn >= '$insert_lsn', replay_lsn < '$insert_lsn',
		       lag_bytes > 0, caught_up
		  FROM rog_follower_lag() WHERE application_name = 'delayed'}),
	'streaming|t|t|t|f',
	'the delayed standby received the WAL but shows lag and caught_up false');
($result, $notice, $elapsed) = timed_wait($primary, q{'2s'});
is($result, 'f', 'the wait fails while a standby is delayed');
like($notice, qr/Follower "delayed" \(streaming\) is \d+ bytes behind\./,
	'the NOTICE names the delayed standby and its lag in bytes');
unlike($notice, qr/"standby"/, 'the NOTICE does not name the standby that caught up');
is( $delayed->safe_psql('postgres', q{
		SELECT application_name, lag_bytes > 0, caught_up FROM rog_follower_lag()}),
	'delayed|t|f',
	'on the delayed standby: received but not replayed, caught_up false');
$delayed->stop;

# ---- the standby stopped ----
$primary->safe_psql('postgres', q{SELECT rog_enable('standby down')});
ok(consume_slot(), 'the slot has caught up');
$standby->stop;
$primary->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM pg_stat_replication})
  or die 'the WAL senders did not go away';
($result, $notice, $elapsed) = timed_wait($primary, q{'2s'});
is($result, 'f', 'with the standby stopped the wait returns false');
cmp_ok($elapsed, '>=', 1.9, 'it waited for the timeout');
cmp_ok($elapsed, '<', 10, 'and returned soon after it');
like($notice, qr/DETAIL:  Connected followers: 0 of 1 required\./,
	'the NOTICE says that no follower is connected');
($result, $notice, $elapsed) = timed_wait($primary, q{'2s', 0});
is($result, 't', 'with min_followers => 0 it succeeds: the slot has caught up');
cmp_ok($elapsed, '<', 1.9, 'at once');

is($primary->safe_psql('postgres', 'SELECT rog_disable()'), 't', 'read-only mode off');
$primary->safe_psql('postgres', 'INSERT INTO t VALUES (301)');
($result, $notice, $elapsed) = timed_wait($primary, q{'1s', 0});
is($result, 'f', 'with min_followers => 0 it still waits for a slot that is behind');
like($notice, qr/Logical slot "lag_slot" is \d+ bytes behind\./,
	'the NOTICE names the slot that is behind');

$elapsed = time;
is( sqlstate_of($primary,
		q{SET statement_timeout = '300ms'; SELECT rog_wait_for_catchup('60s')}),
	'57014', 'the wait can be cancelled');
cmp_ok(time - $elapsed, '<', 10, 'the cancel interrupts it promptly');

# ---- the maintenance runbook, end to end ----
$standby->start;
$primary->wait_for_catchup('standby');
subtest 'maintenance runbook: enable, drain, wait for catch-up, promote, disable' => sub {
	# a writer in flight when read-only mode begins: the drain lets it commit
	my $writer = $primary->background_psql('postgres');
	$writer->query_until(qr/writing/, q{
BEGIN;
INSERT INTO t VALUES (4242);
\echo writing
SELECT pg_sleep(2);
COMMIT;
});
	my $lsn = $primary->safe_psql('postgres',
		q{SELECT rog_enable('switchover', drain_timeout => '30s')});
	like($lsn, qr{^[0-9A-F]+/[0-9A-F]+$}, 'rog_enable() drained and returned the LSN');
	$writer->quit;
	is($primary->safe_psql('postgres', 'SELECT count(*) FROM t WHERE i = 4242'),
		'1', 'the drained writer committed');
	is(sqlstate_of($primary, 'INSERT INTO t VALUES (1)'), '25006',
		'the primary refuses writes');

	ok(consume_slot(), 'the logical consumer has caught up');
	is($primary->safe_psql('postgres', q{SELECT rog_wait_for_catchup('60s')}),
		't', 'rog_wait_for_catchup() reports that the followers have caught up');
	is($standby->safe_psql('postgres', 'SELECT count(*) FROM t WHERE i = 4242'),
		'1', 'the standby has the drained write');

	$standby->promote;
	ok($standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()'),
		'the standby finishes promotion');
	is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'),
		'f', 'pg_is_in_recovery() is false on the promoted standby');
	is(sqlstate_of($standby, 'INSERT INTO t VALUES (5000)'), 'ok',
		'the new primary accepts writes');
	is($standby->safe_psql('postgres', 'SELECT count(*) FROM rog_follower_lag()'),
		'0', 'the new primary has no followers yet');

	is($primary->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		'rog_disable() on the old primary');
	is($primary->safe_psql('postgres', 'SELECT enabled FROM rog_status()'),
		'f', 'read-only mode is off on the old primary');
};

# ---- not preloaded: both functions refuse with 55000 ----
# (no append_server_conf(): this node must not preload the library)
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION readonly_guard');
is(sqlstate_of($plain, 'SELECT * FROM rog_follower_lag()'), '55000',
	'rog_follower_lag() without shared_preload_libraries: 55000');
is(sqlstate_of($plain, 'SELECT rog_wait_for_catchup()'), '55000',
	'rog_wait_for_catchup() without shared_preload_libraries: 55000');
# the parameter is there without the library's hooks: setting it in a
# transaction, a savepoint or a function's SET clause is harmless (a crash
# here once: the assign hook armed a transaction callback with no state)
is( $plain->safe_psql(
		'postgres', q{
CREATE FUNCTION plain_on() RETURNS int LANGUAGE sql
    SET readonly_guard.enabled = on AS 'SELECT 1';
BEGIN;
SET LOCAL readonly_guard.enabled = on;
SAVEPOINT a;
SET readonly_guard.enabled = off;
ROLLBACK TO a;
SELECT plain_on();
COMMIT;
CREATE TABLE plain_t AS SELECT 1 AS x;
SELECT count(*) FROM plain_t;
}),
	"1\n1",
	'without shared_preload_libraries: SET LOCAL, a savepoint and a function SET clause of readonly_guard.enabled, then a write');

done_testing();
