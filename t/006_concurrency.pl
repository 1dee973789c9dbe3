# Concurrency (issue #8): 50 sessions call rog_enable()/rog_disable() in a
# loop for 60 seconds against 4 writers doing INSERT/UPDATE transactions and
# 2 whose statements are in flight without an XID before they write.
#
# Asserted:
#  - no crash: the server is up, with the same postmaster, and its log has
#    no "terminated by signal", PANIC, TRAP or crash restart;
#  - no deadlock or hang: the togglers (one pgbench, -c 50) finish within
#    a bound with no client aborted (any error in rog_enable()/rog_disable()
#    aborts a pgbench client), no call is still running afterwards, nothing
#    is left draining, and the log has no "deadlock detected";
#  - the drain guarantee under concurrency: no committed row version has a
#    commit timestamp (track_commit_timestamp = on, from test-server.conf)
#    strictly inside a read-only window.
#
# Read-only windows.  Every call records, server-side, clock_timestamp()
# just before it starts (s) and just after it returns (e), with RAISE LOG
# (the log can be written while writes are refused).  With concurrent
# callers, "rog_enable() returned" guarantees nothing if a rog_disable() ran
# meanwhile, so an enable call [s, e] opens the window
#     (e, min{ s' of a rog_disable() call [s', e'] with e' > s })
# i.e. from its return until the first disable call that had not finished
# before it started; empty if that disable started before it returned.
#
# To have both real windows and writable periods, the togglers follow a
# shared clock: in even 500 ms slots they call rog_enable(), in odd ones
# rog_disable(), each with a random pause of 20-150 ms; around each slot
# boundary the calls of different sessions overlap and race.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $duration = 60;       # seconds of toggling
my $togglers = 50;
my $writers = 4;
my $bound = 60;          # seconds the togglers may take beyond $duration

my $node = PostgreSQL::Test::Cluster->new('concurrency');
$node->init;
append_server_conf($node);
$node->append_conf('postgresql.conf', qq{
max_connections = 100
shared_buffers = 32MB
log_statement = none
log_min_error_statement = panic
log_error_verbosity = terse
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE w (id bigint GENERATED ALWAYS AS IDENTITY, writer int, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE c (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO c SELECT g, 0 FROM generate_series(0, 4) g;

-- one call, its start and end logged from the server's clock
CREATE FUNCTION tog_enable(reason text, drain_ms int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE s timestamptz := clock_timestamp();
BEGIN
    PERFORM rog_enable(reason, drain_timeout => make_interval(secs => drain_ms / 1000.0));
    RAISE LOG 'rogev|E|%|%', s, clock_timestamp();
END $$;
CREATE FUNCTION tog_disable() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE s timestamptz := clock_timestamp();
BEGIN
    PERFORM rog_disable();
    RAISE LOG 'rogev|D|%|%', s, clock_timestamp();
END $$;
});

# a crash restart would replace every auxiliary process
my $checkpointer_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
my $work = $node->basedir;
my $host = $node->host;
my $port = $node->port;

# ---- the togglers: one pgbench, 50 clients ----
my $toggle_script = "$work/toggle.sql";
append_to_file($toggle_script, q{
\set drain random(1, 200)
\set nap random(20, 150)
SELECT (((extract(epoch FROM clock_timestamp()) * 1000)::bigint / 500) % 2 = 0)::int AS on_slot \gset
\if :on_slot
SELECT tog_enable('toggler ' || :client_id, :drain);
\else
SELECT tog_disable();
\endif
\sleep :nap ms
});

# ---- the writers: psql with ON_ERROR_STOP off, restarted when the drain
# terminates their session; each transaction (one DO statement) holds its
# XID for a few ms between its writes
# Two more writers run statements that are in flight without an XID for
# 50 ms before they write (issue #14): an INSERT ... SELECT that sleeps
# first, and a COPY whose data comes late from a program.
my $stop_file = "$work/stop_writers";
my @writer_h;
for my $k (1 .. $writers + 2)
{
	my $script = "$work/writer_$k.sql";
	my $sql = qq{
SELECT pg_sleep(0.002);
DO \$\$BEGIN
  INSERT INTO w (writer) VALUES ($k);
  UPDATE c SET n = n + 1 WHERE id = $k;
  PERFORM pg_sleep(0.003);
  UPDATE c SET n = n + 1 WHERE id = 0;
END\$\$;
};
	$sql = "INSERT INTO w (writer) SELECT $k FROM pg_sleep(0.05);\n"
	  if $k == $writers + 1;
	$sql = "COPY w (writer) FROM PROGRAM 'sleep 0.05; echo $k';\n"
	  if $k == $writers + 2;
	append_to_file($script, $sql) for 1 .. 200;
	push @writer_h,
	  IPC::Run::start(
		[
			'sh', '-c',
			'while [ ! -e "$1" ]; do psql -X -q -h "$2" -p "$3" -f "$4" postgres >/dev/null; done',
			'writer', $stop_file, $host, $port, $script
		],
		'<', \undef, '>', '/dev/null', '2>', "$work/writer_$k.err");
}
sleep 1;

my $log_offset = -s $node->logfile;
my $start = time;
my ($pg_out, $pg_err) = ('', '');
my $pgbench = IPC::Run::start(
	[
		'pgbench', '-n', '-c', $togglers, '-j', '2', '-T', $duration,
		'-f', $toggle_script, '-h', $host, '-p', $port, 'postgres'
	],
	'<', \undef, '>', \$pg_out, '2>', \$pg_err,
	IPC::Run::timeout($duration + $bound));
my $pgbench_ok = eval { $pgbench->finish; };
my $timed_out = $@ ne '';
my $elapsed = time - $start;
$pgbench->kill_kill if $timed_out;
note("pgbench: " . ($pgbench->result // 'none') . " after ${elapsed}s\n$pg_out\n$pg_err");

append_to_file($stop_file, '');
for my $h (@writer_h)
{
	$h->finish;
}
my $end = time;

ok(!$timed_out && $elapsed < $duration + $bound,
	sprintf('the togglers finished within %ds (%.1fs)', $duration + $bound, $elapsed));
ok($pgbench_ok, 'pgbench exited with status 0');
unlike($pg_err, qr/aborted|error|FATAL/i, 'no toggler client aborted or saw an error');
my ($toggles) = $pg_out =~ /number of transactions actually processed: (\d+)/;
$toggles //= 0;
cmp_ok($toggles, '>=', 1000, "the togglers made at least 1000 calls ($toggles)");

# ---- no crash, no hang, no deadlock ----
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');
is($node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'"),
	$checkpointer_pid, 'the same checkpointer: no crash restart happened');
my $log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/terminated by signal/, 'no server process was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC and no failed assertion in the log');
unlike($log, qr/all server processes terminated|reinitializing/, 'no crash restart in the log');
unlike($log, qr/deadlock detected/, 'no deadlock detected');
is( $node->safe_psql(
		'postgres',
		q{SELECT count(*) FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND query ~ 'tog_|rog_' AND state <> 'idle'}),
	'0',
	'no rog_enable()/rog_disable() call is still running');
is($node->safe_psql('postgres', 'SELECT draining FROM rog_status()'), 'f',
	'nothing is left draining');

# the final state: turn it off (and record that as a disable call)
$node->safe_psql('postgres', 'SELECT tog_disable()');
is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 'f',
	'rog_disable() turns read-only mode off at the end');
is($node->psql('postgres', 'INSERT INTO w (writer) VALUES (0)'), 0,
	'an INSERT works at the end');
$log = slurp_file($node->logfile, $log_offset);

# ---- the windows ----
my @events = $log =~ /LOG:\s+rogev\|([ED]\|[^|\n]+\|[^|\n]+)$/mg;
my $n_enable = grep { /^E/ } @events;
my $n_disable = grep { /^D/ } @events;
note("calls logged: $n_enable rog_enable(), $n_disable rog_disable()");
cmp_ok($n_enable + $n_disable, '>=', $toggles,
	'every call of the togglers is logged as an event');
my $turned_on = () = $log =~ /read-only mode enabled for the cluster by role/g;
my $turned_off = () = $log =~ /read-only mode disabled for the cluster by role/g;
my $terminated = () = $log =~ /outlived the drain of read-only mode/g;
note("mode turned on $turned_on times, off $turned_off times; $terminated writers terminated by the drain");
cmp_ok($turned_on, '>=', 40, "read-only mode was turned on at least 40 times ($turned_on)");

my $refused = 0;
for my $k (1 .. $writers + 2)
{
	my $err = slurp_file("$work/writer_$k.err");
	$refused += () = $err =~ /ERROR:  cannot execute \S+ in a read-only transaction/g;
	unlink "$work/writer_$k.err";
}
cmp_ok($refused, '>=', 1, "writers were refused with 25006 ($refused statements)");

my $events_file = "$work/events.txt";
append_to_file($events_file, join("\n", @events) . "\n");
my $result = $node->safe_psql(
	'postgres', qq{
CREATE TABLE ev (kind text, s timestamptz, e timestamptz);
\\copy ev FROM '$events_file' WITH (DELIMITER '|')
-- for each disable call, ordered by end: the earliest start among it and
-- all disable calls that end later
CREATE TABLE dsm AS
  SELECT e, min(s) OVER (ORDER BY e DESC ROWS UNBOUNDED PRECEDING) AS first_start
  FROM ev WHERE kind = 'D';
CREATE INDEX ON dsm (e);
CREATE TABLE win AS
  SELECT en.e AS opened,
         (SELECT first_start FROM dsm WHERE dsm.e > en.s ORDER BY dsm.e LIMIT 1) AS closed
  FROM ev en WHERE kind = 'E';
DELETE FROM win WHERE closed IS NULL OR closed <= opened;
CREATE TABLE commits AS
  SELECT pg_xact_commit_timestamp(xmin) AS ts FROM w
  UNION ALL SELECT pg_xact_commit_timestamp(xmin) FROM c;
SELECT (SELECT count(*) FROM win),
       (SELECT round(extract(epoch FROM sum(upper(r) - lower(r)))::numeric, 1)
          FROM (SELECT unnest(range_agg(tstzrange(opened, closed, '()'))) AS r FROM win) u),
       (SELECT count(*) FROM commits WHERE ts IS NOT NULL),
       (SELECT count(*) FROM commits, (SELECT range_agg(tstzrange(opened, closed, '()')) AS m FROM win) x
         WHERE x.m \@> commits.ts);
});
my ($windows, $ro_seconds, $checked, $violations) = split /\|/, $result;
note("windows: $windows covering ${ro_seconds}s; commits checked: $checked; violations: $violations");
cmp_ok($windows, '>=', 40, "at least 40 read-only windows were recorded ($windows)");
cmp_ok($ro_seconds, '>=', 5, "the windows cover at least 5 seconds (${ro_seconds}s)");
cmp_ok($checked, '>=', 200, "at least 200 committed row versions to check ($checked)");
is($violations, '0', 'no row version committed inside a read-only window');
if ($violations ne '0')
{
	diag($node->safe_psql('postgres', q{
SELECT c.ts, w.opened, w.closed FROM commits c JOIN win w
  ON c.ts > w.opened AND c.ts < w.closed ORDER BY 1 LIMIT 10}));
}

note(sprintf('total run: %.1fs', $end - $start));
$node->stop;
done_testing();
