# The fast-path function-call protocol (libpq PQfn) bypasses the executor and
# utility hooks; read-only mode must refuse nextval() and lo_creat() called
# that way too.  The calls are made by t/helpers/fastpath.py (python3 + ctypes).
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use FindBin;
use lib "$FindBin::RealBin/lib";
use RogTest;

my $helper = File::Spec->rel2abs(dirname(__FILE__) . '/helpers/fastpath.py');
ok(-f $helper, "helper $helper exists");

my $node = PostgreSQL::Test::Cluster->new('fastpath');
$node->init;
append_server_conf($node);
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION readonly_guard');
$node->safe_psql('postgres', 'CREATE SEQUENCE fp_seq');

my $connstr = $node->connstr('postgres');
$connstr .= ' host=' . $node->host unless $connstr =~ /\bhost=/;

# Run the helper; return its stdout.  Fails the test if it does not exit 0.
sub run_fastpath
{
	my ($label) = @_;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run(
		[ 'python3', $helper, $connstr, 'fp_seq' ],
		'>', \$stdout, '2>', \$stderr,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	ok($ok, "$label: fastpath.py ran") or diag("stderr: $stderr");
	note("fastpath.py stderr: $stderr") if defined $stderr && $stderr ne '';
	return wantarray ? ($stdout // '', $stderr // '') : $stdout // '';
}

sub lo_count
{
	return $node->safe_psql('postgres', 'SELECT count(*) FROM pg_largeobject_metadata');
}

# ---- writable: both calls work (proves the helper really calls them) ----
my $out = run_fastpath('read-only off');
like($out, qr/^nextval ok 1$/m, 'fast-path nextval() works while writable');
like($out, qr/^lo_creat ok \d+$/m, 'fast-path lo_creat() works while writable');
is(lo_count(), '1', 'the large object was created');

# ---- read-only: both calls are refused with 25006 ----
$node->safe_psql('postgres', q{SELECT rog_enable('fastpath test')});
my $err;
($out, $err) = run_fastpath('read-only on');
like($out, qr/^nextval 25006$/m, 'fast-path nextval() fails with 25006 while read-only');
like($out, qr/^lo_creat 25006$/m, 'fast-path lo_creat() fails with 25006 while read-only');
like($err, qr/^nextval message: cannot execute nextval\(\) in a read-only transaction$/m,
	'fast-path nextval(): PostgreSQL\'s own wording');
like($err, qr/^lo_creat message: cannot execute lo_creat\(\) in a read-only transaction$/m,
	'fast-path lo_creat(): PostgreSQL\'s own wording');
# the errdetail tells readonly_guard's mode apart from a read-only transaction
like($err, qr/^nextval detail: .*readonly_guard.*fastpath test/m,
	'fast-path nextval(): the detail names readonly_guard and the reason');
like($err, qr/^lo_creat detail: .*readonly_guard.*fastpath test/m,
	'fast-path lo_creat(): the detail names readonly_guard and the reason');
is(lo_count(), '1', 'no large object was created while read-only');
is($node->safe_psql('postgres', 'SELECT last_value FROM fp_seq'), '1',
	'the sequence did not advance while read-only');

# the session setting alone refuses them too
$node->safe_psql('postgres', 'SELECT rog_disable()');
$node->safe_psql('postgres', 'ALTER DATABASE postgres SET readonly_guard.enabled = on');
$out = run_fastpath('readonly_guard.enabled on');
like($out, qr/^nextval 25006$/m,
	'fast-path nextval() fails with 25006 when readonly_guard.enabled is on');
like($out, qr/^lo_creat 25006$/m,
	'fast-path lo_creat() fails with 25006 when readonly_guard.enabled is on');
$node->safe_psql('postgres', 'ALTER DATABASE postgres RESET readonly_guard.enabled');

# ---- off again: both calls work ----
$out = run_fastpath('read-only off again');
like($out, qr/^nextval ok 2$/m, 'fast-path nextval() works after rog_disable()');
like($out, qr/^lo_creat ok \d+$/m, 'fast-path lo_creat() works after rog_disable()');
is(lo_count(), '2', 'the second large object was created');

$node->stop;
done_testing();
