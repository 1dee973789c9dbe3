# pg_cron and read-only mode (issue #14), with the real pg_cron (Debian
# postgresql-N-cron; 1.4 schedules with minute granularity only, so this test
# waits for two minute boundaries, about 2 minutes in all).
#
# Two clusters run side by side through the same minute boundaries, both with
# shared_preload_libraries = 'pg_cron,readonly_guard', cron.log_run = on and
# one job, every minute, that inserts a row:
#  - "unpaused": rog_enable() with the job active.  At the next run the job
#    changes nothing; the launcher's own bookkeeping (INSERT INTO
#    cron.job_run_details) is refused, the launcher exits, PostgreSQL restarts
#    it about once a second and its start-up UPDATE of cron.job_run_details is
#    refused in turn, until rog_disable(); cron.runid_seq advances by one
#    (pg_cron's NextRunId() calls nextval() directly from C in a transaction
#    of its own, which no hook of readonly_guard sees: the documented limit),
#    and no further.
#  - "paused": the README's runbook, UPDATE cron.job SET active = false
#    before rog_enable().  Nothing happens while the mode is on: no error, no
#    launcher restart, no sequence value drawn.
# After rog_disable() (and reactivating the job) jobs run again on both.
# Last, a server restart while the mode is on: the launcher's start-up
# UPDATE is refused and it restarts every second until rog_disable(), jobs
# paused or not (documented in README, "pg_cron").
#
# pg_cron is a dependency of this test (tools/install-deps.sh --ha installs
# postgresql-N-cron for the host's PostgreSQL): missing, the test fails.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

use FindBin;
use lib "$FindBin::RealBin/../lib";
use RogTest;

my %node;
for my $name ('unpaused', 'paused')
{
	$node{$name} = PostgreSQL::Test::Cluster->new($name);
}
my $major = $node{unpaused}->pg_version->major;
my $sharedir = $node{unpaused}->config_data('--sharedir');
if (!-f "$sharedir/extension/pg_cron.control")
{
	# a failure of this file, not a BAIL_OUT that would stop the other files
	fail("pg_cron is installed for PostgreSQL $major (tools/install-deps.sh --ha)");
	done_testing();
	exit;
}

for my $name ('unpaused', 'paused')
{
	my $node = $node{$name};
	$node->init;
	my $host = $node->host;
	# test-server.conf, then pg_cron preloaded too: this later line wins
	append_server_conf($node);
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron,readonly_guard'
cron.database_name = 'postgres'
cron.log_run = on
cron.host = '$host'
log_line_prefix = '%m [%p] %b '
});
	$node->start;
	$node->safe_psql('postgres', q{
CREATE EXTENSION pg_cron;
CREATE EXTENSION readonly_guard;
CREATE TABLE target (ran_at timestamptz DEFAULT clock_timestamp());
SELECT cron.schedule('ins', '* * * * *', 'INSERT INTO target DEFAULT VALUES');
});
}
my ($unpaused, $paused) = @node{ 'unpaused', 'paused' };

sub rows
{
	my ($node) = @_;
	return $node->safe_psql('postgres', 'SELECT count(*) FROM target');
}

# rows of cron.job_run_details (a run during the set-up leaves one)
sub details
{
	my ($node) = @_;
	return $node->safe_psql('postgres', 'SELECT count(*) FROM cron.job_run_details');
}

# run IDs drawn from cron.runid_seq so far
sub runids
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		'SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM cron.runid_seq');
}

sub launcher_pid
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher'});
}

sub count_in_log
{
	my ($node, $re, $offset) = @_;
	my @all = (slurp_file($node->logfile, $offset) =~ /$re/g);
	return scalar(@all);
}

my $exits = qr/background worker "pg_cron launcher" \(PID \d+\) exited with exit code 1/;
my $ran = qr/cron job \d+ COMMAND completed: INSERT 0 1/;

# Wait until $re appears in the node's log after $offset, at most $seconds.
sub wait_in_log
{
	my ($node, $re, $offset, $seconds) = @_;
	for (1 .. 10 * $seconds)
	{
		return 1 if $node->log_contains($re, $offset);
		usleep(100_000);
	}
	return 0;
}

# not too close to a minute boundary: the run must come after rog_enable(),
# and a run during the set-up must be over before the counts are taken
my $sec = (gmtime)[0];
sleep(63 - $sec) if $sec >= 55;
sleep(3 - $sec) if $sec < 3;

# ---- read-only mode on, the job active ("unpaused") or paused ----
$paused->safe_psql('postgres', 'UPDATE cron.job SET active = false');
my %before;
for my $name ('unpaused', 'paused')
{
	my $node = $node{$name};
	$before{$name} = {
		offset => -s $node->logfile,
		rows => rows($node),
		details => details($node),
		runids => runids($node),
		launcher => launcher_pid($node),
	};
	$node->safe_psql('postgres', qq{SELECT rog_enable('pg_cron test')});
}
like($before{paused}{launcher}, qr/^\d+$/, 'the pg_cron launcher runs');

# the next minute boundary: the unpaused job fires
ok( wait_in_log(
		$unpaused,
		qr/pg_cron launcher ERROR:  cannot execute INSERT in a read-only transaction\n.*\n.*\n.*CONTEXT:  SQL statement "insert into cron\.job_run_details/,
		$before{unpaused}{offset}, 75),
	'unpaused: at the next run the launcher\'s INSERT into cron.job_run_details is refused');
my $refused_at = -s $unpaused->logfile;
my $runids_at_refusal = runids($unpaused);
# ten seconds of the mode after the run: count the launcher's restarts
sleep 10;
my $restarts = count_in_log($unpaused, $exits, $refused_at);
note "unpaused: the pg_cron launcher exited $restarts times in 10 s";
cmp_ok($restarts, '>=', 5,
	'unpaused: the launcher exits and is restarted about once a second (at least 5 times in 10 s)');
cmp_ok($restarts, '<=', 15, '... and not more often (at most 15 times in 10 s)');
ok( $unpaused->log_contains(
		qr/pg_cron launcher ERROR:  cannot execute UPDATE in a read-only transaction\n.*\n.*\n.*CONTEXT:  SQL statement "update cron\.job_run_details set status = 'failed'/,
		$refused_at),
	'unpaused: the restarted launcher\'s start-up UPDATE of cron.job_run_details is refused');
is(rows($unpaused), $before{unpaused}{rows}, 'unpaused: the job changed nothing');
is(count_in_log($unpaused, $ran, $before{unpaused}{offset}), 0,
	'unpaused: the job\'s command did not run');
is(runids($unpaused) - $before{unpaused}{runids}, 1,
	'unpaused: cron.runid_seq advanced by one run ID (documented limit: nextval() from C)');
is(runids($unpaused), $runids_at_refusal, 'unpaused: ... and no further while the launcher restarts');
is(details($unpaused), $before{unpaused}{details},
	'unpaused: cron.job_run_details has no new row');
ok(!$unpaused->log_contains(qr/terminated by signal/, $before{unpaused}{offset}),
	'unpaused: no process crashed');

# the paused cluster went through the same minute boundary
is(rows($paused), $before{paused}{rows}, 'paused: the job changed nothing');
is(runids($paused), $before{paused}{runids}, 'paused: cron.runid_seq did not advance');
is(details($paused), $before{paused}{details}, 'paused: cron.job_run_details has no new row');
is(count_in_log($paused, qr/ERROR:/, $before{paused}{offset}), 0,
	'paused: no error in the log while read-only');
is(count_in_log($paused, $exits, $before{paused}{offset}), 0,
	'paused: the launcher did not exit');
is(launcher_pid($paused), $before{paused}{launcher}, 'paused: it is the same launcher');

# ---- rog_disable(): jobs run again ----
my %off;
for my $name ('unpaused', 'paused')
{
	my $node = $node{$name};
	$off{$name} = { offset => -s $node->logfile, rows => rows($node) };
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't', "$name: rog_disable()");
}
$paused->safe_psql('postgres', 'UPDATE cron.job SET active = true');
ok(wait_in_log($unpaused, qr/pg_cron scheduler started/, $off{unpaused}{offset}, 10),
	'unpaused: after rog_disable() the launcher starts');
my $started = -s $unpaused->logfile;
for my $name ('unpaused', 'paused')
{
	my $node = $node{$name};
	ok(wait_in_log($node, $ran, $off{$name}{offset}, 75), "$name: after rog_disable() the job runs");
	is(rows($node), $off{$name}{rows} + 1, "$name: ... and inserts its row");
	is( $node->safe_psql(
			'postgres',
			'SELECT status FROM cron.job_run_details ORDER BY runid DESC LIMIT 1'),
		'succeeded', "$name: ... recorded as succeeded in cron.job_run_details");
}
is(count_in_log($unpaused, $exits, $started), 0,
	'unpaused: once started again the launcher no longer exits');

# ---- a server restart while the mode is on ----
$paused->safe_psql('postgres', 'UPDATE cron.job SET active = false');
$paused->safe_psql('postgres', q{SELECT rog_enable('restart')});
my $offset = -s $paused->logfile;
$paused->restart;
sleep 5;
my $restart_exits = count_in_log($paused, $exits, $offset);
note "paused, restarted read-only: the pg_cron launcher exited $restart_exits times in 5 s";
cmp_ok($restart_exits, '>=', 3,
	'restart while read-only: the launcher\'s start-up UPDATE is refused, it restarts every second, jobs paused or not');
$offset = -s $paused->logfile;
$paused->safe_psql('postgres', 'SELECT rog_disable()');
ok(wait_in_log($paused, qr/pg_cron scheduler started/, $offset, 10),
	'restart while read-only: after rog_disable() the launcher starts');
my $settled = -s $paused->logfile;
sleep 2;
is(count_in_log($paused, $exits, $settled), 0, '... and stays up');

$_->stop for values %node;
done_testing();
