# Logical replication and read-only mode (issue #8), with a real publisher
# and subscriber, both with readonly_guard preloaded.
#
# Decided and documented (README, "Replicas" / "Logical replication"):
# read-only mode does not hold the subscription's apply worker, which writes
# without going through the executor hooks, like autovacuum.  This test pins
# that down so that a change is noticed:
#  - with read-only mode on at the subscriber, INSERT/UPDATE/DELETE published
#    are still applied, while local writes there are refused with 25006;
#  - ALTER SUBSCRIPTION ... DISABLE/ENABLE (and DROP SUBSCRIPTION) are DDL
#    and so refused with 25006 while read-only mode is on;
#  - rog_enable()'s drain counts the apply worker's open transaction as a
#    writer: past drain_timeout it is terminated, restarts, and applies the
#    transaction in full while read-only;
#  - the runbook works: ALTER SUBSCRIPTION ... DISABLE, rog_enable(), the
#    publisher keeps writing, nothing is applied, rog_disable(),
#    ALTER SUBSCRIPTION ... ENABLE, and the rows arrive.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->append_conf('postgresql.conf', "shared_preload_libraries = 'readonly_guard'\n");
$publisher->start;

my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
$subscriber->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'readonly_guard'
max_connections = 20
wal_retrieve_retry_interval = '500ms'
});
$subscriber->start;

for my $node ($publisher, $subscriber)
{
	$node->safe_psql('postgres', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE t (i int PRIMARY KEY, note text);
});
}
$publisher->safe_psql('postgres', q{
INSERT INTO t SELECT g, 'initial' FROM generate_series(1, 10) g;
CREATE PUBLICATION pub FOR TABLE t;
});
my $pub_connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres',
	"CREATE SUBSCRIPTION sub CONNECTION '$pub_connstr' PUBLICATION pub");
$subscriber->wait_for_subscription_sync($publisher, 'sub');

# Run a statement on the subscriber; return its SQLSTATE ('ok' on success).
sub sqlstate_of
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) =
	  $subscriber->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	return 'ok' if $ret == 0;
	return $1 if $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "unexpected: $stderr";
}

sub table_of
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT string_agg(i || ':' || note, ',' ORDER BY i) FROM t});
}

sub sub_count
{
	return $subscriber->safe_psql('postgres', 'SELECT count(*) FROM t');
}

is(sub_count(), '10', 'the initial rows are on the subscriber');

# ---- read-only mode on at the subscriber, subscription enabled ----
my $log_offset = -s $subscriber->logfile;
like($subscriber->safe_psql('postgres', q{SELECT rog_enable('logical test')}),
	qr{^[0-9A-F]+/[0-9A-F]+$}, 'rog_enable() on the subscriber');
is(sqlstate_of(q{INSERT INTO t VALUES (1000, 'local')}), '25006',
	'a local INSERT on the subscriber is refused with 25006');

$publisher->safe_psql('postgres', q{
INSERT INTO t SELECT g, 'while read-only' FROM generate_series(11, 20) g;
UPDATE t SET note = 'updated while read-only' WHERE i = 1;
DELETE FROM t WHERE i = 2;
});
$publisher->wait_for_catchup('sub');
is(table_of($subscriber), table_of($publisher),
	'published INSERT, UPDATE and DELETE are applied although the subscriber is read-only (documented: apply is not held)');
is(sub_count(), '19', 'the subscriber has the 10 new rows, minus the deleted one');
is($subscriber->safe_psql('postgres', 'SELECT enabled, reason FROM rog_status()'),
	't|logical test', 'read-only mode is still on at the subscriber');
is( $subscriber->safe_psql(
		'postgres', 'SELECT pid IS NOT NULL FROM pg_stat_subscription WHERE subname = \'sub\''),
	't', 'the apply worker is running');

# ---- the subscription cannot be stopped while read-only ----
is(sqlstate_of('ALTER SUBSCRIPTION sub DISABLE'), '25006',
	'ALTER SUBSCRIPTION ... DISABLE is refused with 25006 while read-only');
is(sqlstate_of('ALTER SUBSCRIPTION sub ENABLE'), '25006',
	'ALTER SUBSCRIPTION ... ENABLE is refused with 25006 while read-only');
is(sqlstate_of('DROP SUBSCRIPTION sub'), '25006',
	'DROP SUBSCRIPTION is refused with 25006 while read-only');
is($subscriber->safe_psql('postgres', q{SELECT subenabled FROM pg_subscription WHERE subname = 'sub'}),
	't', 'the subscription is still enabled');

# the apply worker did not fail meanwhile (errors of our own psql aside)
my @worker_errors = grep { /ERROR:/ && !/007_logical\.pl/ }
  split /\n/, slurp_file($subscriber->logfile, $log_offset);
is(scalar(@worker_errors), 0, 'no error from the apply worker while read-only')
  or diag(join("\n", @worker_errors));

is($subscriber->safe_psql('postgres', 'SELECT rog_disable()'), 't',
	'rog_disable() on the subscriber');

# ---- the drain treats the apply worker like any writer ----
# The apply worker is held inside a transaction that has written: a local
# uncommitted row has the key of its second row.  rog_enable() drains it
# and, at drain_timeout, terminates it (and the local writer); the launcher
# restarts it and, as apply is not held, the transaction is applied in full
# while read-only mode is on.
{
	my $local = $subscriber->background_psql('postgres');
	$local->query_safe(q{BEGIN; INSERT INTO t VALUES (501, 'local, never committed');});
	$publisher->safe_psql('postgres',
		q{INSERT INTO t VALUES (500, 'published'), (501, 'published')});
	my $apply_pid = $subscriber->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_subscription WHERE subname = 'sub'});
	ok( $subscriber->poll_query_until(
			'postgres', qq{
SELECT backend_xid IS NOT NULL AND wait_event_type = 'Lock'
FROM pg_stat_activity WHERE pid = $apply_pid}),
		'the apply worker has written and waits for the local writer');
	$log_offset = -s $subscriber->logfile;
	$subscriber->safe_psql('postgres',
		q{SELECT rog_enable('apply drained', drain_timeout => '1s')});
	ok( $subscriber->log_contains(
			qr/terminating backend with PID $apply_pid .*outlived the drain/, $log_offset),
		'rog_enable() terminates the apply worker whose transaction outlived the drain');
	eval { $local->quit; };
	$publisher->wait_for_catchup('sub');
	is(table_of($subscriber), table_of($publisher),
		'the restarted apply worker applies the transaction while read-only');
	isnt($subscriber->safe_psql('postgres',
			q{SELECT pid FROM pg_stat_subscription WHERE subname = 'sub'}),
		$apply_pid, 'it is a new apply worker');
	is($subscriber->safe_psql('postgres', 'SELECT enabled, reason FROM rog_status()'),
		't|apply drained', 'read-only mode is on at the subscriber');
	is($subscriber->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		'rog_disable() on the subscriber');
}

# ---- the runbook: disable the subscription first ----
$subscriber->safe_psql('postgres', 'ALTER SUBSCRIPTION sub DISABLE');
ok( $subscriber->poll_query_until(
		'postgres', q{SELECT pid IS NULL FROM pg_stat_subscription WHERE subname = 'sub'}),
	'runbook: after ALTER SUBSCRIPTION ... DISABLE the apply worker has stopped');
$subscriber->safe_psql('postgres', q{SELECT rog_enable('maintenance')});
is($subscriber->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 't',
	'runbook: read-only mode on at the subscriber');

my $before = table_of($subscriber);
$publisher->safe_psql('postgres', q{
INSERT INTO t SELECT g, 'during maintenance' FROM generate_series(21, 30) g;
UPDATE t SET note = 'updated during maintenance' WHERE i = 3;
});
my $pub_lsn = $publisher->lsn('insert');
# give an apply worker, if one were running, ample time to apply
sleep 3;
is(table_of($subscriber), $before, 'runbook: nothing is applied while the subscription is disabled');
is( $publisher->safe_psql(
		'postgres',
		"SELECT active, confirmed_flush_lsn < '$pub_lsn' FROM pg_replication_slots WHERE slot_name = 'sub'"),
	'f|t',
	'runbook: the slot is inactive and has not confirmed the new changes');
is( $publisher->safe_psql(
		'postgres',
		q{SELECT state, caught_up FROM rog_follower_lag() WHERE application_name = 'sub'}),
	'logical slot|f',
	'runbook: on the publisher, rog_follower_lag() shows the slot as not caught up');
is( $subscriber->safe_psql(
		'postgres', q{SELECT pid IS NULL FROM pg_stat_subscription WHERE subname = 'sub'}),
	't', 'runbook: no apply worker was started meanwhile');

is($subscriber->safe_psql('postgres', 'SELECT rog_disable()'), 't',
	'runbook: rog_disable() on the subscriber');
$subscriber->safe_psql('postgres', 'ALTER SUBSCRIPTION sub ENABLE');
$publisher->wait_for_catchup('sub');
is(table_of($subscriber), table_of($publisher),
	'runbook: after ALTER SUBSCRIPTION ... ENABLE the changes arrive');
is(sub_count(), '31', 'runbook: the subscriber has all 31 rows');
is(sqlstate_of(q{INSERT INTO t VALUES (1001, 'local')}), 'ok',
	'runbook: local writes work again on the subscriber');

$subscriber->stop;
$publisher->stop;
done_testing();
