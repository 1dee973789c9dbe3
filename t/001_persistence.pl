# Read-only mode survives a clean restart and a crash restart, and a damaged
# state file makes the server start read-only (failing safe).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $node = PostgreSQL::Test::Cluster->new('persistence');
$node->init;
append_server_conf($node);
$node->append_conf('postgresql.conf', qq{
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION readonly_guard');
$node->safe_psql('postgres', 'CREATE TABLE t (i int)');

my $state_file = $node->data_dir . '/readonly_guard.state';

# Run a statement; return its SQLSTATE ('ok' when it succeeded).
sub sqlstate_of
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"\\set VERBOSITY verbose\n$sql");
	return 'ok' if $ret == 0;
	return $1 if $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "unexpected: $stderr";
}

sub status_row
{
	return $node->safe_psql('postgres',
		q{SELECT enabled, source, reason, enabled_by FROM rog_status()});
}

# ---- writable at first ----
is(status_row(), 'f|||', 'read-only mode is off in a new cluster');
is(sqlstate_of('INSERT INTO t VALUES (1)'), 'ok', 'INSERT works before rog_enable()');

# ---- rog_enable() acts at once and is not undone by a rollback ----
$node->safe_psql('postgres', q{BEGIN; SELECT rog_enable('rolled back'); ROLLBACK;});
is(status_row(), 't|cluster|rolled back|' . $node->safe_psql('postgres', 'SELECT current_user'),
	'read-only mode is on after a rolled-back rog_enable()');
is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't', 'rog_disable() turns it off');
is(status_row(), 'f|||', 'read-only mode is off again');

# ---- enable ----
my $lsn = $node->safe_psql('postgres', q{SELECT rog_enable('persist test')});
like($lsn, qr{^[0-9A-F]+/[0-9A-F]+$}, 'rog_enable() returns an LSN');
ok(-f $state_file, 'the state file readonly_guard.state exists in the data directory');
is(status_row(), 't|cluster|persist test|' . $node->safe_psql('postgres', 'SELECT current_user'),
	'read-only mode is on');
is(sqlstate_of('INSERT INTO t VALUES (2)'), '25006', 'INSERT fails with 25006 after rog_enable()');
ok($node->log_contains(qr/read-only mode enabled for the cluster by role/),
	'the server log records who enabled read-only mode');

my $enabled_at = $node->safe_psql('postgres', 'SELECT enabled_at FROM rog_status()');
my $status_lsn = $node->safe_psql('postgres', 'SELECT lsn FROM rog_status()');
isnt($enabled_at, '', 'enabled_at is set');
isnt($status_lsn, '', 'lsn is set');

# A second call keeps the first timestamp and updates the reason.
$node->safe_psql('postgres', q{SELECT rog_enable('persist test')});
is($node->safe_psql('postgres', 'SELECT enabled_at FROM rog_status()'),
	$enabled_at, 'a second rog_enable() keeps the first enabled_at');

# ---- clean restart ----
$node->restart;
is(status_row(), 't|cluster|persist test|' . $node->safe_psql('postgres', 'SELECT current_user'),
	'read-only mode is still on after a clean restart');
is($node->safe_psql('postgres', 'SELECT enabled_at FROM rog_status()'),
	$enabled_at, 'enabled_at survives a clean restart');
is($node->safe_psql('postgres', 'SELECT lsn FROM rog_status()'),
	$status_lsn, 'lsn survives a clean restart');
is(sqlstate_of('INSERT INTO t VALUES (3)'), '25006',
	'INSERT fails with 25006 after a clean restart');
is(sqlstate_of('CREATE TABLE t2 (i int)'), '25006',
	'CREATE TABLE fails with 25006 after a clean restart');

# ---- crash restart: SIGKILL one backend ----
my $bg = $node->background_psql('postgres');
my $victim = $bg->query_safe('SELECT pg_backend_pid()');
chomp $victim;
like($victim, qr/^\d+$/, 'got the PID of a backend to kill');
ok(kill('KILL', $victim), "sent SIGKILL to backend $victim");
# the session is gone; do not wait for it to say goodbye
eval { $bg->quit; };

# Wait for the postmaster to go through crash recovery and accept connections.
ok( $node->poll_query_until('postgres', 'SELECT 1', '1'),
	'the server accepts connections again after the crash restart');
ok( $node->wait_for_log(qr/all server processes terminated; reinitializing/),
	'the postmaster did a crash restart');
is(status_row(), 't|cluster|persist test|' . $node->safe_psql('postgres', 'SELECT current_user'),
	'read-only mode is still on after a crash restart');
is($node->safe_psql('postgres', 'SELECT enabled_at FROM rog_status()'),
	$enabled_at, 'enabled_at survives a crash restart');
is(sqlstate_of('INSERT INTO t VALUES (4)'), '25006',
	'INSERT fails with 25006 after a crash restart');

# ---- disable ----
is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
	'rog_disable() returns true');
is(sqlstate_of('INSERT INTO t VALUES (5)'), 'ok', 'INSERT works after rog_disable()');
ok($node->log_contains(qr/read-only mode disabled for the cluster by role/),
	'the server log records who disabled read-only mode');

$node->restart;
is(status_row(), 'f|||', 'read-only mode stays off after a restart');
is(sqlstate_of('INSERT INTO t VALUES (6)'), 'ok', 'INSERT works after the restart');
is($node->safe_psql('postgres', 'SELECT string_agg(i::text, \',\' ORDER BY i) FROM t'),
	'1,5,6', 'exactly the rows written while writable are there');

# ---- rog_disable() is not undone by a rollback either ----
$node->safe_psql('postgres', q{SELECT rog_enable('again')});
$node->safe_psql('postgres', q{BEGIN; SELECT rog_disable(); ROLLBACK;});
is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'),
	'f', 'read-only mode stays off after a rolled-back rog_disable()');

# ---- damaged state file: the server starts read-only, with a WARNING ----
sub damage_and_restart
{
	my ($what, $contents) = @_;

	$node->stop;
	open(my $fh, '>', $state_file) or die "could not write $state_file: $!";
	binmode $fh;
	print $fh $contents;
	close $fh;
	my $log_offset = -s $node->logfile;
	$node->start;

	ok($node->log_contains(qr/WARNING:.*readonly_guard.*state file/, $log_offset),
		"$what state file: WARNING in the server log");
	is($node->safe_psql('postgres', 'SELECT enabled, source FROM rog_status()'),
		't|cluster', "$what state file: the server starts in read-only mode");
	is(sqlstate_of('INSERT INTO t VALUES (7)'), '25006',
		"$what state file: INSERT fails with 25006");
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		"$what state file: rog_disable() works");
	is(sqlstate_of('INSERT INTO t VALUES (8)'), 'ok',
		"$what state file: INSERT works after rog_disable()");

	# rog_disable() rewrote a good file: a restart keeps the server writable
	$log_offset = -s $node->logfile;
	$node->restart;
	is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'),
		'f', "$what state file: writable after rog_disable() and a restart");
	ok(!$node->log_contains(qr/WARNING:.*readonly_guard.*state file/, $log_offset),
		"$what state file: no WARNING once rog_disable() rewrote the file");
}

# read the good file, to make damaged variants of it
ok(-f $state_file, 'a state file exists while read-only mode is off');
my $good = slurp_file($state_file);
cmp_ok(length($good), '>', 16, 'the state file has some content');

damage_and_restart('garbage', 'this is not a readonly_guard state file');
damage_and_restart('truncated', substr($good, 0, int(length($good) / 2)));
damage_and_restart('empty', '');

# a flipped byte in the middle: right size, wrong checksum
my $flipped = $good;
my $pos = int(length($flipped) / 2);
substr($flipped, $pos, 1) = chr(ord(substr($flipped, $pos, 1)) ^ 0xFF);
damage_and_restart('bit-flipped', $flipped);

$node->stop;
done_testing();
