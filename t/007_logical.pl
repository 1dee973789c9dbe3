# Logical replication and read-only mode (issues #8 and #14), with a real
# publisher and subscriber, both with readonly_guard preloaded.
#
# Decided and documented (README, "Replicas" / "Logical replication"): under
# read-only mode at the subscriber, a subscription pauses.  Every transaction
# that holds a transaction ID and commits while the mode is on is judged at
# commit, the apply worker's too, so:
#  - local writes on the subscriber are refused with 25006;
#  - published INSERT/UPDATE/DELETE are not applied while the mode is on: the
#    apply worker's transaction is refused (25006, in the subscriber's log,
#    with readonly_guard's detail), the worker exits, PostgreSQL restarts it
#    (no crash) and it retries; a subscriber column filled by a sequence
#    default makes the apply worker's nextval() refused before the sequence
#    moves;
#  - after rog_disable() the subscriber catches up to exactly the
#    publisher's table: nothing is lost (the slot resumes from the last
#    confirmed position), no sequence value is skipped;
#  - ALTER SUBSCRIPTION ... DISABLE/ENABLE (and DROP SUBSCRIPTION) are DDL
#    and so refused with 25006 while the mode is on;
#  - rog_enable()'s drain counts an open apply transaction as a writer;
#  - the runbook (ALTER SUBSCRIPTION ... DISABLE before rog_enable(), ENABLE
#    after rog_disable()) works, without errors in the subscriber's log.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
append_server_conf($publisher);
$publisher->start;

my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
append_server_conf($subscriber);
$subscriber->append_conf('postgresql.conf', qq{
max_connections = 20
wal_retrieve_retry_interval = '500ms'
log_error_verbosity = verbose
});
$subscriber->start;

for my $node ($publisher, $subscriber)
{
	$node->safe_psql('postgres', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE t (i int PRIMARY KEY, note text);
});
}
# s: the subscriber has one more column, filled by a sequence default when
# a published row arrives (the apply worker calls nextval())
$publisher->safe_psql('postgres', 'CREATE TABLE s (k int PRIMARY KEY, v text)');
$subscriber->safe_psql('postgres',
	'CREATE TABLE s (k int PRIMARY KEY, v text, local_id bigserial)');
$publisher->safe_psql('postgres', q{
INSERT INTO t SELECT g, 'initial' FROM generate_series(1, 10) g;
INSERT INTO s SELECT g, 'initial' FROM generate_series(1, 3) g;
CREATE PUBLICATION pub FOR TABLE t, s;
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

sub s_of
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT string_agg(k || ':' || v, ',' ORDER BY k) FROM s});
}

sub sub_count
{
	return $subscriber->safe_psql('postgres', 'SELECT count(*) FROM t');
}

sub apply_pid
{
	return $subscriber->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_subscription WHERE subname = 'sub' AND relid IS NULL});
}

# The apply worker's errors in the subscriber's log since $offset (those of
# this script's own psql sessions, named 007_logical.pl, left out).
sub apply_errors
{
	my ($offset) = @_;
	my @lines = split /\n/, slurp_file($subscriber->logfile, $offset);
	my @errors;
	for my $i (0 .. $#lines)
	{
		next unless $lines[$i] =~ /ERROR:/ && $lines[$i] !~ /007_logical\.pl/;
		# the error with the lines of the same process that follow it
		# (DETAIL, HINT, CONTEXT, LOCATION)
		my ($pid) = $lines[$i] =~ /\[(\d+)\]/;
		my $text = $lines[$i];
		$text .= "\n" . $lines[++$i]
		  while $i < $#lines
		  && $lines[ $i + 1 ] =~ /\[\Q$pid\E\] (?:DETAIL|HINT|CONTEXT|LOCATION):/;
		push @errors, $text;
	}
	return @errors;
}

# Wait until the apply worker has been refused at least $n times since
# $offset (so it has exited, been restarted and retried); return the errors.
sub wait_for_refusals
{
	my ($offset, $n) = @_;
	my @errors;
	for (1 .. 10 * $PostgreSQL::Test::Utils::timeout_default)
	{
		@errors = apply_errors($offset);
		last if @errors >= $n;
		usleep(100_000);
	}
	return @errors;
}

is(sub_count(), '10', 'the initial rows are on the subscriber');
is($subscriber->safe_psql('postgres', 'SELECT string_agg(local_id::text, \',\' ORDER BY k) FROM s'),
	'1,2,3', 'the initial rows of s got local_id from the sequence default');
my $orig_pid = apply_pid();

# ---- read-only mode on at the subscriber: the subscription pauses ----
my $log_offset = -s $subscriber->logfile;
like($subscriber->safe_psql('postgres', q{SELECT rog_enable('logical test')}),
	qr{^[0-9A-F]+/[0-9A-F]+$}, 'rog_enable() on the subscriber');
is(sqlstate_of(q{INSERT INTO t VALUES (1000, 'local')}), '25006',
	'a local INSERT on the subscriber is refused with 25006');

# first a row of s, whose default calls nextval() in the apply worker
my $before_t = table_of($subscriber);
my $before_s = s_of($subscriber);
$publisher->safe_psql('postgres', q{INSERT INTO s VALUES (4, 'while read-only')});
my @errors = wait_for_refusals($log_offset, 2);
cmp_ok(scalar(@errors), '>=', 2,
	'the apply worker is refused, restarted and refused again while read-only');
like($errors[0], qr/ERROR:  25006: cannot execute nextval\(\) in a read-only transaction/,
	'the apply worker\'s nextval() of a column default is refused with 25006')
  or diag(join("\n", @errors));
like($errors[0],
	qr/DETAIL:  .*Background processes, logical replication apply workers among them, cannot advance sequences in read-only mode\./,
	'... with readonly_guard\'s detail for background processes');
ok( $subscriber->log_contains(
		qr/background worker "logical replication (apply )?worker" \(PID \d+\) exited with exit code 1/,
		$log_offset),
	'the apply worker exits with an error (exit code 1), it does not crash');
is(s_of($subscriber), $before_s, 'the published row of s is not applied while read-only');
is($subscriber->safe_psql('postgres', 'SELECT last_value FROM s_local_id_seq'),
	'3', 'the subscriber\'s sequence did not move');

# then INSERT, UPDATE and DELETE of t, queued behind it
$publisher->safe_psql('postgres', q{
INSERT INTO t SELECT g, 'while read-only' FROM generate_series(11, 20) g;
UPDATE t SET note = 'updated while read-only' WHERE i = 1;
DELETE FROM t WHERE i = 2;
});
# give the restarted apply workers a few seconds to try
sleep 3;
is(table_of($subscriber), $before_t,
	'published INSERT, UPDATE and DELETE are not applied while read-only');
is(sub_count(), '10', 'the subscriber still has its 10 rows');
isnt(apply_pid(), $orig_pid, 'the apply worker was restarted by PostgreSQL');
is($subscriber->safe_psql('postgres', 'SELECT enabled, reason FROM rog_status()'),
	't|logical test', 'read-only mode is still on at the subscriber');
ok(!$subscriber->log_contains(qr/terminated by signal|server process .* was terminated/, $log_offset),
	'no process of the subscriber crashed');

# ---- the subscription cannot be stopped while read-only ----
is(sqlstate_of('ALTER SUBSCRIPTION sub DISABLE'), '25006',
	'ALTER SUBSCRIPTION ... DISABLE is refused with 25006 while read-only');
is(sqlstate_of('ALTER SUBSCRIPTION sub ENABLE'), '25006',
	'ALTER SUBSCRIPTION ... ENABLE is refused with 25006 while read-only');
is(sqlstate_of('DROP SUBSCRIPTION sub'), '25006',
	'DROP SUBSCRIPTION is refused with 25006 while read-only');
is($subscriber->safe_psql('postgres', q{SELECT subenabled FROM pg_subscription WHERE subname = 'sub'}),
	't', 'the subscription is still enabled');

is($subscriber->safe_psql('postgres', 'SELECT rog_disable()'), 't',
	'rog_disable() on the subscriber');
$publisher->wait_for_catchup('sub');
is(table_of($subscriber), table_of($publisher),
	'after rog_disable() the subscriber catches up: t equals the publisher\'s');
is(s_of($subscriber), s_of($publisher), '... and s equals the publisher\'s');
is(sub_count(), '19', 'the subscriber has the 10 new rows, minus the deleted one');
is($subscriber->safe_psql('postgres', 'SELECT string_agg(local_id::text, \',\' ORDER BY k) FROM s'),
	'1,2,3,4', 'the row of s got the next value of the sequence, none skipped');

# ---- the commit path: a transaction without a sequence default ----
$log_offset = -s $subscriber->logfile;
$subscriber->safe_psql('postgres', q{SELECT rog_enable('commit path')});
$before_t = table_of($subscriber);
$publisher->safe_psql('postgres', q{
INSERT INTO t VALUES (21, 'commit path');
UPDATE t SET note = 'commit path' WHERE i = 3;
DELETE FROM t WHERE i = 4;
});
@errors = wait_for_refusals($log_offset, 2);
cmp_ok(scalar(@errors), '>=', 2, 'the apply worker is refused again after its restart');
like($errors[0], qr/ERROR:  25006: cannot execute COMMIT in a read-only transaction/,
	'the apply worker\'s COMMIT is refused with 25006')
  or diag(join("\n", @errors));
like($errors[0],
	qr/DETAIL:  The cluster is in read-only mode of readonly_guard .* so it is rolled back\. Its commit would record the progress of a replication origin\./,
	'... with readonly_guard\'s commit detail: the replication origin\'s progress');
sleep 2;
is(table_of($subscriber), $before_t, 'nothing of the transaction is applied while read-only');
ok(!$subscriber->log_contains(qr/terminated by signal|server process .* was terminated/, $log_offset),
	'no process of the subscriber crashed');
$subscriber->safe_psql('postgres', 'SELECT rog_disable()');
$publisher->wait_for_catchup('sub');
is(table_of($subscriber), table_of($publisher),
	'after rog_disable() the transaction arrives in full');

# ---- the drain treats the apply worker like any writer ----
# The apply worker is held inside a transaction that has written: a local
# uncommitted row has the key of its second row.  rog_enable() drains it
# and, at drain_timeout, terminates it (and the local writer); the restarted
# worker is refused like any other while the mode is on, and applies the
# transaction after rog_disable().
{
	my $local = $subscriber->background_psql('postgres');
	$local->query_safe(q{BEGIN; INSERT INTO t VALUES (501, 'local, never committed');});
	$publisher->safe_psql('postgres',
		q{INSERT INTO t VALUES (500, 'published'), (501, 'published')});
	my $pid = apply_pid();
	ok( $subscriber->poll_query_until(
			'postgres', qq{
SELECT backend_xid IS NOT NULL AND wait_event_type = 'Lock'
FROM pg_stat_activity WHERE pid = $pid}),
		'the apply worker has written and waits for the local writer');
	$before_t = table_of($subscriber);
	$log_offset = -s $subscriber->logfile;
	$subscriber->safe_psql('postgres',
		q{SELECT rog_enable('apply drained', drain_timeout => '1s')});
	# At drain_timeout the drain terminates the writers: the apply worker,
	# or first the local writer, after which the apply worker gets its lock
	# and reaches its COMMIT, which is refused.  Either way its transaction
	# ends without being applied.
	ok( wait_for_refusals($log_offset, 1)
		  && ($subscriber->log_contains(
				qr/terminating backend with PID $pid .*outlived the drain/, $log_offset)
			|| $subscriber->log_contains(
				qr/\[$pid\] ERROR:  25006: cannot execute COMMIT in a read-only transaction/,
				$log_offset)),
		'the apply worker\'s open transaction ends at the drain: terminated, or refused at its COMMIT');
	eval { $local->quit; };
	@errors = wait_for_refusals($log_offset, 2);
	cmp_ok(scalar(grep { /25006: cannot execute COMMIT in a read-only transaction/ } @errors),
		'>=', 1, 'the (restarted) apply worker is refused while read-only');
	is(table_of($subscriber), $before_t, 'nothing of the drained transaction is applied');
	is($subscriber->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		'rog_disable() on the subscriber');
	$publisher->wait_for_catchup('sub');
	is(table_of($subscriber), table_of($publisher),
		'after rog_disable() the drained transaction is applied in full');
}

# ---- the runbook: disable the subscription first ----
$subscriber->safe_psql('postgres', 'ALTER SUBSCRIPTION sub DISABLE');
ok( $subscriber->poll_query_until(
		'postgres', q{SELECT pid IS NULL FROM pg_stat_subscription WHERE subname = 'sub'}),
	'runbook: after ALTER SUBSCRIPTION ... DISABLE the apply worker has stopped');
$log_offset = -s $subscriber->logfile;
$subscriber->safe_psql('postgres', q{SELECT rog_enable('maintenance')});
is($subscriber->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 't',
	'runbook: read-only mode on at the subscriber');

my $before = table_of($subscriber);
$publisher->safe_psql('postgres', q{
INSERT INTO t SELECT g, 'during maintenance' FROM generate_series(31, 40) g;
UPDATE t SET note = 'updated during maintenance' WHERE i = 5;
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
is(scalar(apply_errors($log_offset)), 0,
	'runbook: no error in the subscriber\'s log while read-only');

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
