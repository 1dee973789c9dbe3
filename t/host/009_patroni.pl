# High availability with the real Patroni and etcd (Debian packages
# patroni, etcd-server): one etcd and two PostgreSQL nodes under Patroni, all
# on 127.0.0.1 ports, started and stopped by this test (also on failure).
#
#  (a) runbook with the cluster flag: writer running, rog_enable() on the
#      primary, rog_wait_for_catchup(), switchover; the new primary is
#      writable; the old primary, now a replica, keeps the flag and says it
#      comes from before a promotion; switched back, its promotion clears the
#      flag with a WARNING, and rog_follower_lag() measures real lag there;
#  (b) runbook with database scope: held across a switchover until
#      rog_disable(scope => 'database');
#  (c) failover by kill -9 of the primary (Patroni and postgres), the old
#      primary rejoins as a replica;
#  (d) every row the writer loop had acknowledged is on the final primary.
#
# Patroni missing is a failure, not a skip: CI installs it
# (tools/install-deps.sh).
use strict;
use warnings;

use File::Path qw(make_path);
use File::Temp ();
use HTTP::Tiny;
use IPC::Run;
use POSIX qw(:sys_wait_h);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep time);

my $started = time();
my $bindir = '/usr/lib/postgresql/15/bin';
my %bin = (
	etcd => '/usr/bin/etcd',
	patroni => '/usr/bin/patroni',
	patronictl => '/usr/bin/patronictl');
for my $b (sort keys %bin)
{
	ok(-x $bin{$b}, "$b is installed ($bin{$b})")
	  or BAIL_OUT("$b is not installed: run tools/install-deps.sh");
}

# short: it holds the nodes' Unix socket directories
my $tmp = File::Temp::tempdir('/tmp/rog-ha.XXXXXX', CLEANUP => 1);
my $port = sub { PostgreSQL::Test::Cluster::get_free_port() };
my ($etcd_client, $etcd_peer) = ($port->(), $port->());
my %node = map {
	my $n = $_;
	($n => { name => $n, pg => $port->(), api => $port->(), dir => "$tmp/$n" })
} qw(node1 node2);

# ---- processes, stopped at the end whatever happens ----
my %procs;    # name => IPC::Run harness

sub stop_procs
{
	my (@names) = @_;
	for my $name (@names)
	{
		my $h = $procs{$name};
		next unless $h;
		eval { $h->signal('TERM') };
	}
	for my $name (@names)
	{
		my $h = $procs{$name};
		next unless $h;
		my $deadline = time() + 30;
		usleep(100_000) while eval { $h->pumpable } && time() < $deadline;
		eval { $h->kill_kill(grace => 2) };
		delete $procs{$name};
	}
}

# the writer, then Patroni (which stops PostgreSQL), then etcd
sub stop_all
{
	stop_procs(grep { exists $procs{$_} } qw(writer));
	stop_procs(grep { /^patroni-/ } sort keys %procs);
	stop_procs(sort keys %procs);
	# a postmaster that outlived its Patroni
	for my $n (values %node)
	{
		my $pidfile = "$n->{dir}/data/postmaster.pid";
		next unless -e $pidfile;
		system("$bindir/pg_ctl", '-D', "$n->{dir}/data", '-m', 'immediate',
			'-w', 'stop');
	}
}
END { stop_all(); }
$SIG{ALRM} = sub { die "the HA test took longer than its 600 s bound\n" };
alarm(600);

sub start_proc
{
	my ($name, @cmd) = @_;
	$procs{$name} = IPC::Run::start(\@cmd, '<', '/dev/null',
		'>>', "$tmp/$name.out", '2>&1');
}

# ---- SQL helpers ----
sub psql_on
{
	my ($n, $sql) = @_;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run(
		[
			"$bindir/psql", '-X', '-At', '-v', 'ON_ERROR_STOP=1',
			'-h', '127.0.0.1', '-p', $node{$n}{pg}, '-U', 'postgres',
			'-d', 'postgres', '-c', $sql
		],
		'>', \$out, '2>', \$err);
	chomp $out;
	return ($ok, $out, $err);
}

sub sql
{
	my ($n, $sql) = @_;
	my ($ok, $out, $err) = psql_on($n, $sql);
	die "SQL on $n failed: $sql\n$err" unless $ok;
	return $out;
}

sub poll
{
	my ($what, $timeout, $cond) = @_;
	my $deadline = time() + $timeout;
	while (time() < $deadline)
	{
		my $r = eval { $cond->() };
		return 1 if $r;
		usleep(250_000);
	}
	diag("timed out after $timeout s waiting for: $what");
	return 0;
}

sub is_primary
{
	my ($n) = @_;
	my ($ok, $out) = psql_on($n, 'SELECT pg_is_in_recovery()');
	return $ok && $out eq 'f';
}

sub is_streaming_replica
{
	my ($n) = @_;
	my ($ok, $out) = psql_on($n,
		"SELECT pg_is_in_recovery() AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')"
	);
	return $ok && $out eq 't';
}

sub server_log
{
	my ($n) = @_;
	my $text = '';
	for my $f (glob("$node{$n}{dir}/data/log/*.log"))
	{
		$text .= slurp_file($f);
	}
	return $text;
}

# ---- etcd ----
start_proc(
	'etcd', $bin{etcd},
	'--name' => 'rog',
	'--data-dir' => "$tmp/etcd",
	'--listen-client-urls' => "http://127.0.0.1:$etcd_client",
	'--advertise-client-urls' => "http://127.0.0.1:$etcd_client",
	'--listen-peer-urls' => "http://127.0.0.1:$etcd_peer",
	'--initial-advertise-peer-urls' => "http://127.0.0.1:$etcd_peer",
	'--initial-cluster' => "rog=http://127.0.0.1:$etcd_peer",
	'--listen-metrics-urls' => '');
ok( poll(
		'etcd', 30,
		sub {
			system("$bin{etcd}ctl --endpoints=http://127.0.0.1:$etcd_client endpoint health >/dev/null 2>&1") == 0;
		}),
	'etcd answers on 127.0.0.1');

# ---- Patroni ----
# Patroni writes postgresql.conf itself, from the parameters below: this test
# sets the one setting of test-server.conf it needs (the library preloaded)
# there, not through RogTest::append_server_conf().
sub write_config
{
	my ($n) = @_;
	my $c = $node{$n};
	make_path($c->{dir});
	my $yaml = <<"EOF";
scope: rog-ha-test
name: $n
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$c->{api}
  connect_address: 127.0.0.1:$c->{api}
etcd3:
  hosts: 127.0.0.1:$etcd_client
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 1
    retry_timeout: 5
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_log_hints: 'on'
        max_wal_senders: 5
        max_replication_slots: 5
  initdb:
  - encoding: UTF8
  - locale: C
postgresql:
  listen: 127.0.0.1:$c->{pg}
  connect_address: 127.0.0.1:$c->{pg}
  data_dir: $c->{dir}/data
  bin_dir: $bindir
  pgpass: $c->{dir}/pgpass
  authentication:
    superuser:
      username: postgres
      password: rogtest
    replication:
      username: replicator
      password: rogtest
    rewind:
      username: postgres
      password: rogtest
  parameters:
    shared_preload_libraries: readonly_guard
    unix_socket_directories: '$c->{dir}'
    logging_collector: 'on'
    log_directory: log
    log_filename: postgresql.log
    wal_receiver_status_interval: 1s
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
EOF
	open my $fh, '>', "$c->{dir}/patroni.yml" or die $!;
	print $fh $yaml;
	close $fh;
	return "$c->{dir}/patroni.yml";
}

sub start_patroni
{
	my ($n) = @_;
	start_proc("patroni-$n", 'sh', '-c', 'echo $$ >"$1"; exec "$2" "$3"', 'patroni',
		"$node{$n}{dir}/patroni.pid", $bin{patroni}, "$node{$n}{dir}/patroni.yml");
}

sub patronictl
{
	my (@args) = @_;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ $bin{patronictl}, '-c', "$node{node1}{dir}/patroni.yml", @args ],
		'>', \$out, '2>', \$err);
	diag("patronictl @args:\n$out$err") unless $ok;
	return $ok;
}

# Patroni's REST API: 200 from /sync on the synchronous standby
sub is_sync_standby
{
	my ($n) = @_;
	return HTTP::Tiny->new(timeout => 5)->get("http://127.0.0.1:$node{$n}{api}/sync")->{status} == 200;
}

sub switchover
{
	my ($from, $to) = @_;
	# with synchronous_mode, Patroni switches over only to the sync standby
	ok(poll("$to sync standby", 60, sub { is_sync_standby($to) }),
		"$to is the synchronous standby");
	ok(patronictl('switchover', '--leader', $from, '--candidate', $to, '--force'),
		"patronictl switchover $from -> $to");
	ok(poll("$to primary", 60, sub { is_primary($to) }), "$to is the primary");
	ok(poll("$from streaming replica", 90, sub { is_streaming_replica($from) }),
		"$from follows as a streaming replica");
}

write_config($_) for qw(node1 node2);
start_patroni('node1');
ok(poll('node1 primary', 90, sub { is_primary('node1') }),
	'node1 bootstraps as the primary');
sql('node1', q{
CREATE EXTENSION readonly_guard;
CREATE TABLE w (id int PRIMARY KEY, at timestamptz DEFAULT now());
});
start_patroni('node2');
ok(poll('node2 streaming', 120, sub { is_streaming_replica('node2') }),
	'node2 joins as a streaming replica');

# ---- the writer loop: acknowledged ids go to a file ----
my $acked_file = "$tmp/acked";
my $stop_file = "$tmp/stop-writer";
my $conninfo =
  "host=127.0.0.1,127.0.0.1 port=$node{node1}{pg},$node{node2}{pg} "
  . "user=postgres dbname=postgres target_session_attrs=read-write connect_timeout=2";
my $writer = IPC::Run::start(
	[
		'sh', '-c', q{
i=0
while [ ! -e "$1" ]; do
	i=$((i + 1))
	if "$2/psql" -X -q -d "$3" -c "INSERT INTO w (id) VALUES ($i)" >/dev/null 2>&1; then
		echo "$i" >>"$4"
	fi
	sleep 0.05
done
}, 'writer', $stop_file, $bindir, $conninfo, $acked_file
	],
	'<', '/dev/null', '>', "$tmp/writer.out", '2>&1');
$procs{writer} = $writer;

sub acked
{
	return () unless -e $acked_file;
	return split /\n/, slurp_file($acked_file);
}

sub acked_count { my @a = acked(); return scalar @a; }

sub wait_for_more_acks
{
	my ($what) = @_;
	my $before = acked_count();
	ok(poll("writes after $what", 60, sub { acked_count() >= $before + 5 }),
		"the writer's writes are accepted again after $what");
}
wait_for_more_acks('start');

# ---------------------------------------------------------------------------
# (a) runbook with the cluster flag
# ---------------------------------------------------------------------------
sql('node1', q{SELECT rog_enable('switchover to node2')});
my $acked_at_freeze = acked_count();
is(sql('node1', q{SELECT rog_wait_for_catchup('60s')}),
	't', '(a) rog_wait_for_catchup() on the frozen primary returns true');
usleep(1_000_000);
ok(acked_count() <= $acked_at_freeze + 1,
	'(a) the frozen primary accepts no writes from the writer loop');
switchover('node1', 'node2');
wait_for_more_acks('the switchover');
is(sql('node2', q{SELECT enabled FROM rog_status()}),
	'f', '(a) the new primary is not in read-only mode');
is(sql('node2', q{SELECT rog_accepts_writes()}),
	't', '(a) rog_accepts_writes() on the new primary');
is(sql('node1', q{SELECT enabled, source, before_promotion FROM rog_status()}),
	't|cluster|t',
	'(a) the old primary, now a replica, keeps the flag and reports it from before a promotion');
is(sql('node1', q{SELECT rog_accepts_writes()}),
	'f', '(a) rog_accepts_writes() on the old primary, a replica');
my $log1 = server_log('node1');
like($log1, qr/readonly_guard read-only mode is on, as it was before the restart/,
	'(a) the start-up line reaches postgresql.log (logging_collector = on)');
like($log1, qr/should it be promoted, the flag is cleared/,
	'(a) the demoted primary says at its start that a promotion clears the flag');
my ($ok, $out, $err) = psql_on('node1', 'INSERT INTO w (id) VALUES (-1)');
ok(!$ok && $err =~ /read-only transaction/ && $err =~ /DETAIL:.*before a promotion/,
	'(a) a write on the old primary is refused, detail says the flag predates a promotion')
  or diag($err);

# switch back: the old primary's promotion clears the flag
switchover('node2', 'node1');
ok( poll(
		'the WARNING at the promotion', 30,
		sub {
			server_log('node1') =~ /WARNING:\s+readonly_guard read-only mode of timeline \d+ cleared at the promotion to timeline \d+/;
		}),
	'(a) switched back: WARNING in the log that the promotion cleared the flag');
is(sql('node1', q{SELECT enabled, source FROM rog_status()}),
	'f|', '(a) switched back: the re-promoted node is writable');
wait_for_more_acks('the switch back');

# real lag on the re-promoted node: pause replay on the replica, write
sql('node2', 'SELECT pg_wal_replay_pause()');
sql('node1', q{INSERT INTO w (id) SELECT -g FROM generate_series(2, 20000) g});
ok( poll(
		'lag visible', 30,
		sub {
			sql('node1', q{SELECT lag_bytes > 0 AND NOT caught_up FROM rog_follower_lag()
			                WHERE application_name = 'node2'}) eq 't';
		}),
	'(a) rog_follower_lag() on the re-promoted node reports the paused replica behind');
sql('node2', 'SELECT pg_wal_replay_resume()');
is(sql('node1', q{SELECT rog_wait_for_catchup('60s')}),
	't', '(a) ...and returns true once it has replayed');

# ---------------------------------------------------------------------------
# (b) runbook with database scope
# ---------------------------------------------------------------------------
sql('node1', q{SELECT rog_enable('db maintenance', scope => 'database')});
is(sql('node1', q{SELECT rog_wait_for_catchup('60s')}), 't',
	'(b) caught up after rog_enable(scope => database)');
my $acked_at_db = acked_count();
switchover('node1', 'node2');
usleep(2_000_000);
ok(acked_count() <= $acked_at_db + 1,
	'(b) database scope holds across the switchover: the writer is refused');
is(sql('node2', q{SELECT enabled, source FROM rog_status()}),
	't|database', '(b) on the new primary the database setting is in force');
($ok, $out, $err) = psql_on('node2', 'INSERT INTO w (id) VALUES (-100000)');
ok(!$ok && $err =~ /readonly_guard\.enabled is set for this database/,
	'(b) a write on the new primary is refused, naming the database setting');
sql('node2', q{SELECT rog_disable(scope => 'database')});
wait_for_more_acks('rog_disable(scope => database)');

# ---------------------------------------------------------------------------
# (c) failover: kill -9 of the primary (node2), its flag set
# ---------------------------------------------------------------------------
# with synchronous_mode only the sync standby may be promoted
ok(poll('node1 sync standby', 60, sub { is_sync_standby('node1') }),
	'(c) node1 is the synchronous standby');
sql('node2', q{SELECT rog_enable('frozen before the crash', drain_timeout => '0')});
my $pm = (split /\n/, slurp_file("$node{node2}{dir}/data/postmaster.pid"))[0];
my $patroni_pid = slurp_file("$node{node2}{dir}/patroni.pid");
chomp $patroni_pid;
is(kill('KILL', $patroni_pid, $pm), 2, '(c) kill -9 of the primary: its Patroni and its postmaster');
$procs{'patroni-node2'}->finish;
delete $procs{'patroni-node2'};
ok(poll('node1 promoted by failover', 90, sub { is_primary('node1') }),
	'(c) after kill -9 of the primary, node1 is promoted');
wait_for_more_acks('the failover');
start_patroni('node2');
ok(poll('node2 rejoins', 120, sub { is_streaming_replica('node2') }),
	'(c) the killed primary rejoins as a streaming replica');
# its state file is its own, or the new primary's if pg_rewind copied it
# (once it replays the new timeline)
ok( poll(
		'node2 flag reported from before a promotion', 30,
		sub {
			sql('node2', q{SELECT source IS DISTINCT FROM 'cluster' OR before_promotion FROM rog_status()}) eq 't';
		}),
	'(c) the rejoined replica reports a kept flag as one from before a promotion')
  or diag(sql('node2', q{SELECT enabled, source, timeline, before_promotion, pg_control_checkpoint() FROM rog_status()}));
is(sql('node1', q{SELECT enabled FROM rog_status()}),
	'f', '(c) the promoted node is writable');

# ---------------------------------------------------------------------------
# (d) every acknowledged row is on the final primary
# ---------------------------------------------------------------------------
touch($stop_file);
$writer->finish;
delete $procs{writer};
my @acked = acked();
cmp_ok(scalar(@acked), '>', 30, '(d) the writer had many writes acknowledged');
my %present = map { $_ => 1 } split /\n/, sql('node1', 'SELECT id FROM w WHERE id > 0');
my @missing = grep { !$present{$_} } @acked;
is(scalar(@missing), 0, '(d) every acknowledged row is on the final primary')
  or diag("missing: @missing[0 .. ($#missing < 9 ? $#missing : 9)]");

sub touch { open my $fh, '>', $_[0] or die $!; close $fh; }

note(sprintf('the HA test took %.0f s', time() - $started));
stop_all();
alarm(0);
done_testing();
