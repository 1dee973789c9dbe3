# Fault injection for the cluster read-only state (issue #8):
#
#  (a) SIGKILL of the rog_enable() backend while it drains, and while it
#      writes the state file: crash restart, then the state in memory, on
#      disk and the refusal of writes agree; rog_disable() works.
#  (b) SIGKILL of the rog_disable() backend while it writes the state file
#      (held there deterministically: the temporary file is a symlink to a
#      FIFO nobody reads), and at a few delays after the call was sent.
#  (c) crash restarts while enabled (SIGKILL of an auxiliary process,
#      immediate shutdown) keep the mode, reason, enabled_by, enabled_at
#      and lsn, for a non-superuser who was granted rog_enable().
#  (d) damaged state files that t/001 does not cover: a valid checksum over
#      an unknown version or an invalid reason length, a zero-filled file,
#      one byte too short or too long, an unreadable file, a directory, and
#      a stale temporary file next to a good one.  The server always starts,
#      read-only, with a WARNING naming the problem.
#  (e) a full disk while the state file is written (the temporary file is a
#      symlink to /dev/full, so the write fails with ENOSPC): the call fails
#      with SQLSTATE 53100, nothing crashes, and memory and disk agree,
#      before and after a restart.  Also a failure of the second write of
#      rog_enable() (the LSN after the drain).
#
# "Memory and disk agree" is checked by parsing readonly_guard.state (layout
# of RogStateFile in src/state.c, CRC-32C verified) and comparing it field by
# field with rog_status().
use strict;
use warnings;

use Fcntl qw(:mode);
use IPC::Run;
use POSIX qw(mkfifo);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
append_server_conf($node);
$node->append_conf('postgresql.conf', qq{
restart_after_crash = on
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE t (i int);
CREATE ROLE ops LOGIN;
-- whatever their argument lists are
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT oid FROM pg_proc WHERE proname IN ('rog_enable', 'rog_disable') LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO ops', f);
    END LOOP;
END $$;
GRANT SELECT, INSERT ON t TO ops;
});

my $pgdata = $node->data_dir;
my $state_file = "$pgdata/readonly_guard.state";
my $tmp_file = "$pgdata/readonly_guard.state.tmp";

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

# CRC-32C (Castagnoli), as PostgreSQL's pg_crc32c.
my @crc_table;
for my $i (0 .. 255)
{
	my $c = $i;
	$c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1) for 1 .. 8;
	$crc_table[$i] = $c;
}

sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8)
	  for unpack('C*', $data);
	return $crc ^ 0xFFFFFFFF;
}

# Layout of RogStateFile (src/state.c) on x86_64: the fields common to all
# versions at fixed offsets; the CRC-32C of everything before it in the
# last 8 bytes but 4 (the struct is 8-aligned, the CRC 4 bytes).  Version 1
# is 1136 bytes long; later versions add fields before the CRC.
use constant {
	OFF_VERSION => 4,
	OFF_ENABLED => 8,
	OFF_REASON_LEN => 96,
	OFF_REASON => 100,
};

sub crc_offset { return length($_[0]) - 8; }

# Recompute the checksum of a state file image.
sub with_crc
{
	my ($image) = @_;
	substr($image, crc_offset($image), 4) =
	  pack('V', crc32c(substr($image, 0, crc_offset($image))));
	return $image;
}

# The state file as a hash; undef if there is none.  Dies unless it is a
# well-formed image with a correct checksum (so the layout above is right).
sub disk_state
{
	return undef unless -e $state_file;
	my $image = slurp_file($state_file);
	die "state file has only " . length($image) . " bytes"
	  unless length($image) >= 1136;
	my ($magic, $version, $enabled, $enc, $at, $lsn, $by, $reason_len) =
	  unpack('V V l< l< q< Q< Z64 l<', $image);
	die sprintf('state file magic is 0x%08X', $magic)
	  unless $magic == 0x524F4731;
	die "state file (version $version, " . length($image) . " bytes): checksum does not match"
	  unless unpack('V', substr($image, crc_offset($image), 4)) ==
	  crc32c(substr($image, 0, crc_offset($image)));
	my $reason =
	  $reason_len < 0 ? '<null>' : substr($image, OFF_REASON, $reason_len);
	return {
		enabled => $enabled ? 't' : 'f',
		enabled_by => $by,
		reason => $reason,
		enabled_at => $at,
		lsn => $lsn,
	};
}

# rog_status() as a hash, with enabled_at in microseconds since 2000-01-01
# and lsn as a number (0 for NULL), like the state file.
sub mem_state
{
	my $row = $node->safe_psql(
		'postgres', q{
SELECT enabled, coalesce(source, ''), coalesce(reason, '<null>'),
       coalesce(enabled_by::text, ''),
       coalesce(((extract(epoch FROM enabled_at) - 946684800) * 1000000)::bigint, 0),
       coalesce(lsn - '0/0', 0)::bigint, draining
FROM rog_status()});
	my @f = split /\|/, $row, -1;
	die "unexpected rog_status() row: $row" unless @f == 7;
	return {
		enabled => $f[0],
		source => $f[1],
		reason => $f[2],
		enabled_by => $f[3],
		enabled_at => $f[4],
		lsn => $f[5],
		draining => $f[6],
	};
}

# Memory and disk agree: the same flag and, when on, the same reason, role,
# time and LSN.  No state file counts as "off".
sub states_agree
{
	my ($what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $mem = mem_state();
	my $disk = disk_state() // { enabled => 'f' };
	is($mem->{enabled}, $disk->{enabled},
		"$what: rog_status().enabled ($mem->{enabled}) agrees with the state file");
	if ($mem->{enabled} eq 't')
	{
		is_deeply(
			[ @$mem{qw(reason enabled_by enabled_at lsn)} ],
			[ @$disk{qw(reason enabled_by enabled_at lsn)} ],
			"$what: reason, enabled_by, enabled_at and lsn agree with the state file");
	}
	else
	{
		is_deeply(
			[ @$mem{qw(source reason enabled_by enabled_at lsn)} ],
			[ '', '<null>', '', 0, 0 ],
			"$what: off, and rog_status() shows no source, reason, role, time or lsn");
	}
	return $mem;
}

# Run a statement; return its SQLSTATE ('ok' when it succeeded).
sub sqlstate_of
{
	my ($sql, %params) = @_;
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$sql", %params);
	return 'ok' if $ret == 0;
	return $1 if $stderr =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "unexpected: $stderr";
}

# Writes are refused exactly when rog_status() says the mode is on.
sub writes_match_state
{
	my ($what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $enabled =
	  $node->safe_psql('postgres', 'SELECT enabled FROM rog_status()');
	my $got = sqlstate_of('INSERT INTO t VALUES (-1)');
	is($got, $enabled eq 't' ? '25006' : 'ok',
		"$what: an INSERT gives " . ($enabled eq 't' ? '25006' : 'ok')
		  . " as rog_status().enabled = $enabled says");
	$node->safe_psql('postgres', 'DELETE FROM t WHERE i = -1')
	  if $enabled eq 'f';
}

# Start a statement in its own psql, without waiting for it.
sub start_async
{
	my ($sql, $appname, $user) = @_;
	my %r = (out => '', err => '');
	my $connstr = $node->connstr('postgres') . " application_name=$appname";
	$connstr .= " user=$user" if defined $user;
	$r{h} = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'VERBOSITY=verbose', '-d', $connstr, '-c', $sql ],
		'<', \undef, '>', \$r{out}, '2>', \$r{err},
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return \%r;
}

# Wait for an async statement; returns its SQLSTATE or 'ok' and its output.
sub finish_async
{
	my ($r) = @_;
	my $exited_ok = eval { $r->{h}->finish; };
	my $err = $r->{err};
	return ('ok', $r->{out}, $err) if $exited_ok && $err !~ /ERROR/;
	return ($1, $r->{out}, $err) if $err =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return ('failed', $r->{out}, $err);
}

# The PID of the backend with this application_name, once it exists.
sub pid_of
{
	my ($appname) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$appname'")
	  or die "no backend with application_name $appname";
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE application_name = '$appname'");
}

# SIGKILL a server process and wait until the crash restart is over.
sub kill9_and_recover
{
	my ($pid, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $log_offset = -s $node->logfile;
	ok(kill('KILL', $pid), "$what: sent SIGKILL to PID $pid");
	ok($node->wait_for_log(
			qr/all server processes terminated; reinitializing/, $log_offset),
		"$what: the postmaster does a crash restart");
	ok($node->poll_query_until('postgres', 'SELECT 1', '1'),
		"$what: the server accepts connections after crash recovery");
	return $log_offset;
}

# Is process $pid blocked in open() of a FIFO (or any openat())?
sub blocked_in_open
{
	my ($pid) = @_;
	my $wchan = eval { slurp_file("/proc/$pid/wchan") } // '';
	my $syscall = eval { slurp_file("/proc/$pid/syscall") } // '';
	return $wchan =~ /wait_for_partner|fifo_open/ || $syscall =~ /^257 /;
}

my $me = $node->safe_psql('postgres', 'SELECT current_user');

# ---------------------------------------------------------------------------
# (a) SIGKILL of rog_enable() while it drains
# ---------------------------------------------------------------------------
# Two writers have written before the mode; w1 commits during the drain
# (allowed), w2 stays open so the drain keeps waiting, then the rog_enable()
# backend is killed.  What should happen: the mode was made durable before
# the drain began, so the server comes back read-only with the reason,
# role and time of the interrupted call, draining is over (no transaction
# survives a crash: w2 rolled back), w1's row is there, and the LSN that
# rog_status() reports must not lie before w1's commit (follower catch-up
# measures against it: a follower that has not received w1's commit must not
# count as caught up).
{
	my $w1 = $node->background_psql('postgres');
	my $w2 = $node->background_psql('postgres');
	$w1->query_safe('BEGIN; INSERT INTO t VALUES (101);');
	$w2->query_safe('BEGIN; INSERT INTO t VALUES (102);');

	my $en = start_async(
		q{SELECT rog_enable('drain crash', drain_timeout => '10min')},
		'enabler_a');
	my $en_pid = pid_of('enabler_a');
	ok( $node->poll_query_until(
			'postgres', qq{
SELECT (SELECT draining FROM rog_status())
   AND EXISTS (SELECT FROM pg_locks WHERE pid = $en_pid
               AND locktype = 'transactionid' AND NOT granted)}),
		'(a) rog_enable() is draining, waiting on a writer\'s transaction lock');
	my $during = mem_state();
	is($during->{enabled}, 't', '(a) read-only mode is on during the drain');

	my $pre_commit_lsn = $w1->query_safe('SELECT pg_current_wal_insert_lsn()');
	my (undef, $w1_failed) = $w1->query('COMMIT');
	ok(!$w1_failed, '(a) a writer that predates the mode commits during the drain');

	kill9_and_recover($en_pid, '(a) rog_enable() backend during the drain');
	my ($state_a) = finish_async($en);
	isnt($state_a, 'ok', '(a) the killed rog_enable() call did not report success');
	eval { $w1->quit; };
	eval { $w2->quit; };

	my $after = states_agree('(a) after the crash during the drain');
	is( join('|', @$after{qw(enabled source reason enabled_by enabled_at draining)}),
		join('|', 't', 'cluster', 'drain crash', $me, $during->{enabled_at}, 'f'),
		'(a) still read-only after the crash, with the reason, role and enabled_at of the interrupted call, not draining');
	writes_match_state('(a) after the crash during the drain');
	is( $node->safe_psql(
			'postgres', 'SELECT string_agg(i::text, \',\' ORDER BY i) FROM t'),
		'101',
		'(a) the row committed in the drain window is there, the open writer\'s row is not');
	ok( $node->safe_psql(
			'postgres',
			"SELECT lsn IS NULL OR lsn > '$pre_commit_lsn' FROM rog_status()") eq 't',
		"(a) rog_status().lsn (" . ($node->safe_psql('postgres', 'SELECT lsn FROM rog_status()') || 'NULL')
		  . ") is NULL or after the drained commit (which began at $pre_commit_lsn)");

	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		'(a) rog_disable() works after the crash');
	states_agree('(a) after rog_disable()');
	writes_match_state('(a) after rog_disable()');
	$node->safe_psql('postgres', 'TRUNCATE t');
}

# ---------------------------------------------------------------------------
# (a) SIGKILL of rog_enable() while it writes the state file
# ---------------------------------------------------------------------------
# The temporary file is a symlink to a FIFO: open() blocks until a reader
# comes, which never happens, so the backend is caught inside the write.
# The new state never reached the real state file and the call never
# returned: the server must come back writable, as the file says.
my $fifo = $node->basedir . '/state_fifo';
mkfifo($fifo, 0600) or die "mkfifo $fifo: $!";
{
	my $before = disk_state();
	symlink($fifo, $tmp_file) or die "symlink: $!";
	my $en = start_async(q{SELECT rog_enable('never durable')}, 'enabler_w');
	my $en_pid = pid_of('enabler_w');
	ok(wait_until(sub { blocked_in_open($en_pid) }),
		'(a) rog_enable() is blocked writing the temporary state file');
	# (no rog_status() here: the blocked call holds the state lock)

	kill9_and_recover($en_pid, '(a) rog_enable() backend inside the state file write');
	my ($state_w) = finish_async($en);
	isnt($state_w, 'ok', '(a) the killed rog_enable() call did not report success');
	is_deeply(disk_state(), $before, '(a) the state file is unchanged');
	# the injected FIFO symlink is not something a real crash leaves behind
	unlink($tmp_file);

	my $after = states_agree('(a) after the crash inside the write');
	is($after->{enabled}, 'f', '(a) the server is writable, as the state file says');
	writes_match_state('(a) after the crash inside the write');
	is($node->safe_psql('postgres', q{SELECT rog_enable('after write crash') IS NOT NULL}), 't',
		'(a) rog_enable() works afterwards');
	states_agree('(a) after rog_enable()');
}

# Poll a Perl condition for up to the default timeout.
sub wait_until
{
	my ($cond) = @_;
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	while (time < $deadline)
	{
		return 1 if $cond->();
		usleep(50_000);
	}
	return 0;
}

# ---------------------------------------------------------------------------
# (b) SIGKILL of rog_disable() while it writes the state file
# ---------------------------------------------------------------------------
# Read-only mode is on (from above).  rog_disable() is held inside open() of
# the temporary file and killed.  The file still says "on": the server must
# come back read-only, with everything as before.
{
	my $before = mem_state();
	is($before->{enabled}, 't', '(b) read-only mode is on before rog_disable()');
	symlink($fifo, $tmp_file) or die "symlink: $!";
	my $dis = start_async('SELECT rog_disable()', 'disabler_w');
	my $dis_pid = pid_of('disabler_w');
	ok(wait_until(sub { blocked_in_open($dis_pid) }),
		'(b) rog_disable() is blocked writing the temporary state file');

	kill9_and_recover($dis_pid, '(b) rog_disable() backend inside the state file write');
	my ($state_d) = finish_async($dis);
	isnt($state_d, 'ok', '(b) the killed rog_disable() call did not report success');
	unlink($tmp_file);

	my $after = states_agree('(b) after the crash inside rog_disable()');
	is_deeply(
		[ @$after{qw(enabled source reason enabled_by enabled_at lsn)} ],
		[ @$before{qw(enabled source reason enabled_by enabled_at lsn)} ],
		'(b) still read-only, with the same reason, role, enabled_at and lsn');
	writes_match_state('(b) after the crash inside rog_disable()');
}

# rog_disable() killed at a few delays after it was sent: whatever the
# outcome, memory, disk and the refusal of writes agree.
for my $delay_us (0, 500, 2000, 10_000)
{
	my $what = "(b) rog_disable() killed ${delay_us}us after it was sent";
	$node->safe_psql('postgres', q{SELECT rog_enable('kill disable')});
	my $bg = $node->background_psql('postgres', on_error_stop => 0);
	my $pid = $bg->query_safe('SELECT pg_backend_pid()');
	$bg->query_until(qr/go/, "\\echo go\nSELECT rog_disable();\n");
	usleep($delay_us);
	kill9_and_recover($pid, $what);
	eval { $bg->quit; };
	my $after = states_agree($what);
	note("$what: the mode is " . ($after->{enabled} eq 't' ? 'on' : 'off') . ' after the crash');
	writes_match_state($what);
	is($after->{draining}, 'f', "$what: not draining");
	$node->safe_psql('postgres', 'SELECT rog_disable()');
}

# rog_disable() returned, then a backend is killed at once: it stays off.
{
	$node->safe_psql('postgres', q{SELECT rog_enable('then disabled')});
	my $bg = $node->background_psql('postgres');
	my $pid = $bg->query_safe('SELECT pg_backend_pid()');
	is($bg->query_safe('SELECT rog_disable()'), 't', '(b) rog_disable() returns true');
	kill9_and_recover($pid, '(b) backend killed right after rog_disable() returned');
	eval { $bg->quit; };
	my $after = states_agree('(b) crash right after rog_disable()');
	is($after->{enabled}, 'f', '(b) read-only mode stays off after the crash');
	writes_match_state('(b) crash right after rog_disable()');
}

# ---------------------------------------------------------------------------
# (c) crash restarts while enabled, by a granted non-superuser
# ---------------------------------------------------------------------------
# t/001 covers a SIGKILL'd client backend with a superuser's short reason.
# Here: role "ops", a reason of the maximum length (1024 bytes, multibyte),
# and both a SIGKILL'd auxiliary process and an immediate shutdown.
{
	my $lsn = $node->safe_psql('postgres',
		"SELECT rog_enable(repeat(chr(233), 512))",
		extra_params => [ '-U', 'ops' ]);
	like($lsn, qr{^[0-9A-F]+/[0-9A-F]+$}, '(c) rog_enable() as role ops returns an LSN');
	my $before = states_agree('(c) enabled by ops');
	is( join('|', @$before{qw(enabled source enabled_by)}),
		't|cluster|ops', '(c) enabled, by role ops');
	is( $node->safe_psql('postgres',
			'SELECT octet_length(reason), reason = repeat(chr(233), 512) FROM rog_status()'),
		'1024|t', '(c) the 1024-byte reason is kept whole');
	my @keys = qw(enabled source reason enabled_by enabled_at lsn);

	my $bgwriter = $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'background writer'");
	like($bgwriter, qr/^\d+$/, '(c) found the background writer');
	kill9_and_recover($bgwriter, '(c) background writer');
	my $after = states_agree('(c) after SIGKILL of the background writer');
	is_deeply([ @$after{@keys} ], [ @$before{@keys} ],
		'(c) after the crash restart: still on, same reason, enabled_by, enabled_at, lsn');
	writes_match_state('(c) after SIGKILL of the background writer');

	my $log_offset = -s $node->logfile;
	$node->stop('immediate');
	$node->start;
	ok($node->log_contains(qr/database system was not properly shut down/, $log_offset),
		'(c) the start after an immediate shutdown ran crash recovery');
	$after = states_agree('(c) after an immediate shutdown');
	is_deeply([ @$after{@keys} ], [ @$before{@keys} ],
		'(c) after an immediate shutdown: still on, same reason, enabled_by, enabled_at, lsn');
	writes_match_state('(c) after an immediate shutdown');
	is(sqlstate_of('INSERT INTO t VALUES (1)', extra_params => [ '-U', 'ops' ]), '25006',
		'(c) role ops cannot write either');

	is($node->safe_psql('postgres', 'SELECT rog_disable()', extra_params => [ '-U', 'ops' ]),
		't', '(c) role ops turns it off');
	states_agree('(c) after rog_disable() by ops');
	writes_match_state('(c) after rog_disable() by ops');
}

# ---------------------------------------------------------------------------
# (d) damaged state files (what t/001 does not cover)
# ---------------------------------------------------------------------------
my $good_on;    # a well-formed image with the mode on
{
	$node->safe_psql('postgres', q{SELECT rog_enable('image')});
	$good_on = slurp_file($state_file);
	is(disk_state()->{reason}, 'image', '(d) the state file parses, its checksum matches');
	$node->safe_psql('postgres', 'SELECT rog_disable()');
}

sub write_file_raw
{
	my ($path, $contents) = @_;
	open(my $fh, '>', $path) or die "could not write $path: $!";
	binmode $fh;
	print $fh $contents;
	close $fh;
}

# Start with a damaged state file: the server starts, read-only, with a
# WARNING naming the problem.  Returns the log offset of the start.
sub start_damaged
{
	my ($what, $problem) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $log_offset = -s $node->logfile;
	ok($node->start(fail_ok => 1), "(d) $what: the server starts");
	ok( $node->log_contains(
			qr/WARNING:\s+readonly_guard state file "readonly_guard\.state" is damaged: \Q$problem\E/,
			$log_offset),
		"(d) $what: WARNING \"... is damaged: $problem\" in the server log");
	ok($node->log_contains(qr/DETAIL:\s+The server starts in read-only mode to be safe/, $log_offset),
		"(d) $what: the WARNING says the server starts read-only");
	is( $node->safe_psql('postgres',
			'SELECT enabled, source, reason, enabled_by FROM rog_status()'),
		't|cluster|state file damaged|readonly_guard',
		"(d) $what: read-only mode is on, reason \"state file damaged\"");
	is(sqlstate_of('INSERT INTO t VALUES (7)'), '25006', "(d) $what: INSERT fails with 25006");
	return $log_offset;
}

# rog_disable() writes a good file; after a restart the server is writable
# and there is no WARNING.
sub disable_and_check
{
	my ($what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		"(d) $what: rog_disable() works");
	is(sqlstate_of('INSERT INTO t VALUES (8)'), 'ok', "(d) $what: INSERT works after rog_disable()");
	states_agree("(d) $what: after rog_disable()");
	my $log_offset = -s $node->logfile;
	$node->restart;
	is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 'f',
		"(d) $what: writable after a restart");
	ok(!$node->log_contains(qr/WARNING:.*readonly_guard state file/, $log_offset),
		"(d) $what: no WARNING once rog_disable() rewrote the file");
}

sub damage_and_check
{
	my ($what, $contents, $problem) = @_;
	$node->stop;
	write_file_raw($state_file, $contents);
	start_damaged($what, $problem);
	disable_and_check($what);
}

{
	# a valid checksum over a future format version
	my $img = $good_on;
	substr($img, OFF_VERSION, 4) = pack('V', 99);
	damage_and_check('version 99 with a valid checksum', with_crc($img),
		'it has an unknown format');

	# a valid checksum over an impossible reason length, both ways
	$img = $good_on;
	substr($img, OFF_REASON_LEN, 4) = pack('l<', 5000);
	damage_and_check('reason length 5000 with a valid checksum', with_crc($img),
		'it holds an invalid reason length');
	$img = $good_on;
	substr($img, OFF_REASON_LEN, 4) = pack('l<', -2);
	damage_and_check('reason length -2 with a valid checksum', with_crc($img),
		'it holds an invalid reason length');

	# what some file systems leave after a power loss: zeros
	damage_and_check('zero-filled', "\0" x length($good_on), 'it has an unknown format');

	# one byte short (only tail padding is lost: the checksum would still
	# match) and one byte too long
	damage_and_check('one byte short', substr($good_on, 0, length($good_on) - 1),
		'it has the wrong size');
	damage_and_check('one byte too long', $good_on . "\0", 'it has the wrong size');
}

# an unreadable file: the server starts read-only; rog_disable() cannot
# replace it either and says so; once the permissions are fixed it can
{
	my $what = 'unreadable (mode 0000)';
	$node->stop;
	write_file_raw($state_file, $good_on);
	chmod(0000, $state_file) or die "chmod: $!";
	start_damaged($what, 'it could not be opened');
	my $got = sqlstate_of('SELECT rog_disable()');
	isnt($got, 'ok', "(d) $what: rog_disable() fails while the file cannot be opened ($got)");
	is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 't',
		"(d) $what: and the mode stays on");
	is(sqlstate_of('INSERT INTO t VALUES (9)'), '25006', "(d) $what: INSERT still fails with 25006");
	chmod(0600, $state_file) or die "chmod: $!";
	unlink($tmp_file);
	disable_and_check($what);
}

# a directory where the file should be
{
	my $what = 'a directory';
	$node->stop;
	unlink($state_file) or die "unlink: $!";
	mkdir($state_file) or die "mkdir: $!";
	start_damaged($what, 'it has the wrong size');
	my $got = sqlstate_of('SELECT rog_disable()');
	isnt($got, 'ok', "(d) $what: rog_disable() cannot replace a directory ($got)");
	is($node->safe_psql('postgres', 'SELECT enabled FROM rog_status()'), 't',
		"(d) $what: and the mode stays on");
	rmdir($state_file) or die "rmdir: $!";
	unlink($tmp_file);
	disable_and_check($what);
}

# A crash between writing the temporary file and renaming it leaves both: a
# new state in readonly_guard.state.tmp and the old one in place.  The old
# one counts (the change never happened), with no WARNING; the stale file is
# harmlessly overwritten by the next change.
{
	my $what = 'stale temporary file';
	$node->safe_psql('postgres', q{SELECT rog_enable('before the stale tmp')});
	my $before = mem_state();
	$node->stop;
	# the "off" image rog_disable() would have written
	my $off = $good_on;
	substr($off, OFF_ENABLED, 4) = pack('l<', 0);
	write_file_raw($tmp_file, with_crc($off));
	my $log_offset = -s $node->logfile;
	$node->start;
	ok(!$node->log_contains(qr/WARNING:.*readonly_guard/, $log_offset),
		"(d) $what: no WARNING");
	my $after = states_agree("(d) $what");
	is_deeply(
		[ @$after{qw(enabled reason enabled_at lsn)} ],
		[ @$before{qw(enabled reason enabled_at lsn)} ],
		"(d) $what: the state file counts, not the temporary file");
	writes_match_state("(d) $what");

	# and a garbage temporary file does not disturb the next change
	write_file_raw($tmp_file, 'garbage left by a crash');
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		"(d) $what: rog_disable() works over a garbage temporary file");
	ok(!-e $tmp_file, "(d) $what: the temporary file was renamed into place");
	states_agree("(d) $what: after rog_disable()");
	writes_match_state("(d) $what: after rog_disable()");
}

# ---------------------------------------------------------------------------
# (e) full disk while writing the state file
# ---------------------------------------------------------------------------
# state.c opens the temporary file with O_WRONLY | O_CREAT | O_TRUNC (no
# O_EXCL, no O_NOFOLLOW), so a symlink to /dev/full is followed and the
# write fails with ENOSPC, as on a full file system.
sub with_full_disk
{
	my ($what, $sql, %params) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $mem_before = mem_state();
	my $file_before = -e $state_file ? slurp_file($state_file) : undef;
	symlink('/dev/full', $tmp_file) or die "symlink: $!";
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\n$sql", %params);
	isnt($ret, 0, "(e) $what: the call fails");
	like($stderr, qr/ERROR:\s+53100: could not write file "readonly_guard\.state\.tmp": No space left on device/,
		"(e) $what: ERROR with SQLSTATE 53100 (disk full)");
	ok(!-e $tmp_file && !-l $tmp_file, "(e) $what: the temporary file is removed");
	is($node->safe_psql('postgres', 'SELECT 1'), '1', "(e) $what: the server is still up");
	is_deeply(mem_state(), $mem_before, "(e) $what: rog_status() is unchanged");
	is(-e $state_file ? slurp_file($state_file) : undef, $file_before,
		"(e) $what: the state file is unchanged");
	states_agree("(e) $what");
	writes_match_state("(e) $what");
}

{
	# off -> on fails
	with_full_disk('rog_enable() while off', q{SELECT rog_enable('disk full')});
	is(mem_state()->{enabled}, 'f', '(e) read-only mode is still off');

	# on: a reason update fails, then rog_disable() fails
	$node->safe_psql('postgres', q{SELECT rog_enable('before the disk filled')});
	my $on = mem_state();
	with_full_disk('rog_enable() with a new reason while on',
		q{SELECT rog_enable('new reason')});
	is(mem_state()->{reason}, 'before the disk filled', '(e) the reason is unchanged');
	with_full_disk('rog_disable() while on', 'SELECT rog_disable()');
	is(mem_state()->{enabled}, 't', '(e) read-only mode is still on');

	# and a restart reads the same state
	$node->restart;
	my $after = states_agree('(e) after a restart');
	is_deeply(
		[ @$after{qw(enabled reason enabled_by enabled_at lsn)} ],
		[ @$on{qw(enabled reason enabled_by enabled_at lsn)} ],
		'(e) after a restart: the state from before the failed calls');
	writes_match_state('(e) after a restart');
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		'(e) rog_disable() works once there is space again');
	states_agree('(e) after rog_disable()');
	writes_match_state('(e) after rog_disable()');
}

# The second write of rog_enable(), which records the LSN after the drain,
# fails: the mode is already on (the first write made it durable).  What
# should hold: memory and disk agree, the mode is on, the LSN reported does
# not lie before the drained commit, and if the call reports an error it
# does not claim that the state was not changed.
{
	my $w = $node->background_psql('postgres');
	$w->query_safe('BEGIN; INSERT INTO t VALUES (201);');
	my $en = start_async(
		q{SELECT rog_enable('lsn write fails', drain_timeout => '10min')},
		'enabler_e');
	my $en_pid = pid_of('enabler_e');
	ok( $node->poll_query_until(
			'postgres', qq{
SELECT (SELECT draining FROM rog_status())
   AND EXISTS (SELECT FROM pg_locks WHERE pid = $en_pid
               AND locktype = 'transactionid' AND NOT granted)}),
		'(e) rog_enable() is draining');
	symlink('/dev/full', $tmp_file) or die "symlink: $!";
	my $pre_commit_lsn = $w->query_safe('SELECT pg_current_wal_insert_lsn()');
	my (undef, $w_failed) = $w->query('COMMIT');
	ok(!$w_failed, '(e) the writer commits in the drain window');
	$w->quit;
	my ($state, $out, $err) = finish_async($en);
	note("rog_enable() with a failing LSN write: $state $out $err");
	ok($state eq 'ok' || $state eq '53100',
		"(e) LSN write: rog_enable() succeeds or fails with 53100 ($state)");
	unlike($err, qr/The read-only state was not changed/,
		'(e) LSN write: no error claims the state was unchanged (the mode is on)');
	unlink($tmp_file);
	is($node->safe_psql('postgres', 'SELECT 1'), '1', '(e) LSN write: the server is still up');
	my $mem = states_agree('(e) LSN write failed');
	is($mem->{enabled}, 't', '(e) LSN write: read-only mode is on');
	writes_match_state('(e) LSN write failed');
	is( $node->safe_psql(
			'postgres',
			"SELECT lsn IS NULL OR lsn > '$pre_commit_lsn' FROM rog_status()"),
		't',
		'(e) LSN write: rog_status().lsn is NULL or after the drained commit');
	$node->restart;
	states_agree('(e) LSN write failed, after a restart');
	is($node->safe_psql('postgres', 'SELECT rog_disable()'), 't',
		'(e) LSN write: rog_disable() works');
	writes_match_state('(e) LSN write: after rog_disable()');
}

# ---------------------------------------------------------------------------
# no crash other than the ones we caused
# ---------------------------------------------------------------------------
{
	my $log = slurp_file($node->logfile);
	my @signals = $log =~ /terminated by signal (\d+)/g;
	ok(!grep({ $_ != 9 } @signals),
		'no server process died of a signal other than our SIGKILLs');
	unlike($log, qr/PANIC|TRAP:/, 'no PANIC and no failed assertion in the log');
}

$node->stop;
done_testing();
