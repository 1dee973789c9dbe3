# Helpers shared by the TAP tests of readonly_guard (t/*.pl, t/host/*.pl).
#
# PGXS's prove puts only core's test modules and the top directory on the
# module path, so a test finds this one relative to itself:
#     use FindBin;
#     use lib "$FindBin::RealBin/lib";        # t/host/: "$FindBin::RealBin/../lib"
#     use RogTest;
package RogTest;

use strict;
use warnings;

use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;

our @EXPORT = qw(append_server_conf);

# test-server.conf at the top of the tree (t/lib/../..): the server settings
# every harness needs, shared with tools/server-conf.sh
our $server_conf =
  File::Spec->catfile(File::Spec->rel2abs(dirname(__FILE__)), '..', '..', 'test-server.conf');

# append_server_conf($node): append test-server.conf to the node's
# postgresql.conf.  Settings of the test itself go after it, so that they win.
sub append_server_conf
{
	my ($node) = @_;
	open my $fh, '<', $server_conf or die "could not open $server_conf: $!";
	my $text = do { local $/; <$fh> };
	close $fh;
	$node->append_conf('postgresql.conf', "\n# from $server_conf\n$text");
	return;
}

1;
