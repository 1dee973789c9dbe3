# The options of the mode added in 1.1 (README "Messages, notifications,
# expiry, exemptions, counters") that need time, restarts, several sessions
# or the server log: expires_in (live, across a restart, not yet expired
# across a restart), the NOTIFY payload of the cluster-wide rog_enable() and
# of the expiry, and the log line of exempt roles (once per transaction).
# The rest of them: sql/10_mode_options.sql, test/mode_options.sql.
use strict;
use warnings;

use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $node = PostgreSQL::Test::Cluster->new('expiry_notify');
$node->init;
append_server_conf($node);
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION readonly_guard');
$node->safe_psql('postgres', 'CREATE TABLE t (i int)');

# Run a statement; return its SQLSTATE ('ok' when it succeeded).
sub sqlstate_of
{
	my ($sql, @extra) = @_;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"\\set VERBOSITY verbose\n$sql", @extra);
	return 'ok' if $ret == 0;
	return $1 if $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "unexpected: $stderr";
}

# How often a pattern occurs in the server log from byte offset on.
sub log_count
{
	my ($re, $offset) = @_;
	my $log = slurp_file($node->logfile, $offset // 0);
	my @all = ($log =~ /$re/g);
	return scalar @all;
}

# The notifications on channel readonly_guard a background psql has
# received, as decoded JSON payloads, in order.  Runs a statement so that
# psql prints what has arrived.
sub notifications
{
	my ($bg) = @_;
	my $out = $bg->query('SELECT 1');
	my @payloads;
	while ($out =~ /Asynchronous notification "readonly_guard" with payload "(.*)" received from server process with PID \d+\./g)
	{
		push @payloads, decode_json($1);
	}
	return @payloads;
}

my $listener = $node->background_psql('postgres', on_error_stop => 0);
$listener->query_safe('LISTEN readonly_guard');

# ---- NOTIFY of a cluster-wide rog_enable() with reason and expires_in ----
$node->safe_psql('postgres',
	q{SELECT rog_enable(reason => 'json "quoted" \ reason', expires_in => '1 hour')});
my @n = notifications($listener);
is(scalar @n, 1, 'rog_enable() sends one notification');
my $p = $n[0] // {};
is_deeply([ sort keys %$p ], [qw(enabled enabled_at expires_at reason source)],
	'the payload has exactly the documented keys');
ok(JSON::PP::is_bool($p->{enabled}) && $p->{enabled}, 'payload: enabled is JSON true');
is($p->{source}, 'cluster', 'payload: source is cluster');
is($p->{reason}, 'json "quoted" \ reason', 'payload: reason, JSON-escaped and decoded as given');
ok(defined $p->{enabled_at} && defined $p->{expires_at}, 'payload: enabled_at and expires_at are set');
is( $node->safe_psql('postgres',
		qq{SELECT enabled_at = '$p->{enabled_at}'::timestamptz
		      AND expires_at = '$p->{expires_at}'::timestamptz
		      AND expires_at - enabled_at BETWEEN '59 min' AND '61 min'
		     FROM rog_status()}),
	't', 'payload: enabled_at and expires_at are those of rog_status()');

# a second call (updating the reason) announces the new state too
$node->safe_psql('postgres', q{SELECT rog_enable('second')});
@n = notifications($listener);
is(scalar @n, 1, 'a second rog_enable() sends one notification');
is($n[0]{reason}, 'second', 'with the new reason');
is($n[0]{expires_at}, undef, 'and no expiry: the second call gave none');

$node->safe_psql('postgres', q{SELECT rog_disable()});
@n = notifications($listener);
is(scalar @n, 1, 'rog_disable() sends one notification');
is_deeply(
	$n[0],
	{
		enabled => JSON::PP::false, source => undef, reason => undef,
		enabled_at => undef, expires_at => undef
	},
	'payload of rog_disable(): enabled false, everything else null');

# ---- expiry, live ----
my $offset = -s $node->logfile;
$node->safe_psql('postgres', q{SELECT rog_enable('short', expires_in => '2s')});
@n = notifications($listener);
is(scalar @n, 1, 'rog_enable(expires_in => 2s) sends one notification');
ok(defined $n[0]{expires_at}, 'its payload has expires_at');
is(sqlstate_of('INSERT INTO t VALUES (1)'), '25006', 'writes are refused before the expiry');
like($node->safe_psql('postgres', q{SELECT enabled, expires_at IS NOT NULL FROM rog_status()}),
	qr/^t\|t$/, 'rog_status() shows enabled and expires_at');
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'INSERT INTO t VALUES (1)');
like($stderr, qr/It lifts itself at /, 'the refusal says when the mode lifts itself');

sleep(2.5);
# the first statement after the expiry lifts the mode; several sessions look
is(sqlstate_of('INSERT INTO t VALUES (2)'), 'ok', 'writes are accepted after the expiry');
is($node->safe_psql('postgres', q{SELECT enabled, expires_at FROM rog_status()}),
	'f|', 'rog_status() shows the mode off, without expires_at');
is(sqlstate_of('INSERT INTO t VALUES (3)'), 'ok', 'and in another session too');
is(log_count(qr/LOG:\s+read-only mode of the cluster expired at /, $offset),
	1, 'the expiry is logged exactly once');
@n = notifications($listener);
is(scalar @n, 1, 'the expiry sends one notification');
ok(!$n[0]{enabled}, 'its payload says enabled false');
is($node->safe_psql('postgres', q{SELECT rog_disable()}), 'f',
	'rog_disable() after the expiry finds the mode off');

# Every session queues the expiry notification until a transaction that
# queued it commits: a failed first statement after the expiry loses nothing.
$node->safe_psql('postgres', q{SELECT rog_enable('short', expires_in => '1s')});
notifications($listener);
sleep(1.3);
is(sqlstate_of('SELECT 1/0'), '22012', 'the first statement after the expiry fails');
is($node->safe_psql('postgres', q{SELECT enabled FROM rog_status()}), 'f',
	'the mode did lift');
@n = notifications($listener);
is(scalar @n, 1, 'listeners are told of the expiry anyway');

# ---- exempt roles: the first write of each transaction is logged ----
$node->safe_psql('postgres', q{
	CREATE ROLE rog_ops LOGIN;
	CREATE ROLE rog_exempt NOLOGIN;
	GRANT rog_exempt TO rog_ops;
	GRANT ALL ON t TO rog_ops;
	ALTER SYSTEM SET readonly_guard.exempt_roles = 'rog_exempt';
	SELECT pg_reload_conf();
});
$node->poll_query_until('postgres', 'SHOW readonly_guard.exempt_roles', 'rog_exempt')
  or die 'readonly_guard.exempt_roles did not reach new sessions';
$node->safe_psql('postgres', q{SELECT rog_enable('exempt')});
notifications($listener);
$offset = -s $node->logfile;
is(sqlstate_of('INSERT INTO t VALUES (10)'), '25006', 'a superuser that is not listed is refused');
is($node->safe_psql('postgres', q{SELECT exempt FROM rog_status()}, extra_params => [ '-U', 'rog_ops' ]),
	't', 'rog_status().exempt is true for a member');
is( sqlstate_of(
		q{BEGIN; SELECT count(*) FROM t; INSERT INTO t VALUES (11); UPDATE t SET i = 12 WHERE i = 11;
		  INSERT INTO t VALUES (13); COMMIT;},
		extra_params => [ '-U', 'rog_ops' ]),
	'ok', 'a member writes in a transaction of several writes');
is(sqlstate_of(q{INSERT INTO t VALUES (14)}, extra_params => [ '-U', 'rog_ops' ]),
	'ok', 'and in a second transaction');
is(sqlstate_of(q{SELECT count(*) FROM t}, extra_params => [ '-U', 'rog_ops' ]),
	'ok', 'a third transaction only reads');
my $exempt_re = qr/LOG:\s+role "rog_ops" writes in read-only mode as a member of readonly_guard\.exempt_roles\n[^\n]*DETAIL:\s+The first write of this transaction is (\w+)\./;
is(log_count($exempt_re, $offset), 2, 'the exempt writes are logged once per writing transaction');
my @firsts = (slurp_file($node->logfile, $offset) =~ /$exempt_re/g);
is_deeply(\@firsts, [ 'INSERT', 'INSERT' ], 'the detail names the first write of each');
is($node->safe_psql('postgres', q{SELECT string_agg(i::text, ',' ORDER BY i) FROM t WHERE i >= 10}),
	'12,13,14', 'exactly the exempt writes happened');
$node->safe_psql('postgres', q{
	SELECT rog_disable();
	ALTER SYSTEM RESET readonly_guard.exempt_roles;
	SELECT pg_reload_conf();
});
notifications($listener);
$listener->quit;

# ---- expiry across a restart: expired while the server was down ----
$node->safe_psql('postgres', q{SELECT rog_enable('restart', expires_in => '3s')});
$node->stop;
sleep(4);
$offset = -s $node->logfile;
$node->start;
is($node->safe_psql('postgres', q{SELECT enabled, source, expires_at FROM rog_status()}),
	'f||', 'a mode that expired while the server was down is off after the start');
is(sqlstate_of('INSERT INTO t VALUES (20)'), 'ok', 'writes are accepted');
ok( $node->log_contains(
		qr/LOG:\s+readonly_guard read-only mode expired at .* while the server was down/,
		$offset),
	'the start logs that the mode expired while the server was down');
ok(!$node->log_contains(qr/read-only mode is on, as it was before the restart/, $offset),
	'and does not claim it is on');

# ---- not expired across a restart: stays on, same expires_at ----
$node->safe_psql('postgres', q{SELECT rog_enable('long', expires_in => '1 hour')});
my $before = $node->safe_psql('postgres',
	q{SELECT enabled, reason, enabled_at, expires_at FROM rog_status()});
like($before, qr/^t\|long\|[^|]+\|[^|]+$/, 'on with an expiry in an hour');
$node->restart;
is($node->safe_psql('postgres', q{SELECT enabled, reason, enabled_at, expires_at FROM rog_status()}),
	$before, 'after a restart: still on, same enabled_at and expires_at');
is(sqlstate_of('INSERT INTO t VALUES (21)'), '25006', 'writes are still refused');
is($node->safe_psql('postgres', q{SELECT rog_disable()}), 't', 'rog_disable() turns it off');
$node->restart;
is($node->safe_psql('postgres', q{SELECT enabled, expires_at FROM rog_status()}),
	'f|', 'and it stays off after another restart');

$node->stop;
done_testing();
