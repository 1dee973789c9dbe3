#!/bin/sh
# Install what building and testing readonly_guard needs on Debian 12
# (PostgreSQL 15 server and headers, pgTAP, IPC::Run for TAP tests, and
# Patroni with etcd for the high-availability test t/009_patroni.pl).
# With --packaging, instead only what building and smoke-testing the Debian
# package needs (tools/build-deb.sh, tools/deb-smoke.sh).
# Idempotent; needs root.
set -eu
PKGS="build-essential postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
      patroni etcd-server etcd-client
      postgresql-contrib libipc-run-perl libtap-parser-sourcehandler-pgtap-perl
      python3-psycopg2"
# packaging only: dpkg-buildpackage, dh, pg_buildext (postgresql-server-dev-all),
# the server for the tests run during the build, python3 for META.json checks
PACKAGING_PKGS="build-essential dpkg-dev debhelper fakeroot postgresql-server-dev-all
      postgresql-15 python3"
case "${1:-}" in
	--packaging) PKGS=$PACKAGING_PKGS ;;
	"") ;;
	*) echo "usage: $0 [--packaging]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends $missing
fi
