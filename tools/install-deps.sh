#!/bin/sh
# Install what building and testing readonly_guard needs on Debian
# (PostgreSQL server and headers, pgTAP, IPC::Run for TAP tests, python3 for
# the fast-path helper).
#     tools/install-deps.sh [--pg N] [--packaging] [--bench] [--core] [--ha] [--upgrade]
# --pg N        PostgreSQL major version N (default: tools/pg-version.sh)
# --packaging   also what building and smoke-testing the Debian package
#               needs (tools/build-deb.sh, tools/deb-smoke.sh)
# --bench       also valgrind (bench/instructions.sh)
# --ha          also Patroni, etcd and pg_cron (the tests of t/host/)
# --core        also what running PostgreSQL's own suites needs
#               (tools/core-suites.sh: dpkg-dev for apt-get source; bison
#               and flex, as the source of 18 and later has no parsers)
# --upgrade     install or upgrade every package (the chroots use it to test
#               the newest packaged release); without it only missing
#               packages are installed
# pgTAP comes from postgresql-N-pgtap where the suite packages it, else it is
# built from Debian's pgtap source package for N, else (the source is not
# on the mirror) the SQL files of the newest postgresql-M-pgtap are copied.
# Idempotent; needs root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pg=""
packaging=0 bench=0 core=0 upgrade=0 ha=0
while [ $# -gt 0 ]; do
	case $1 in
	--pg) pg=$2; shift ;;
	--packaging) packaging=1 ;;
	--bench) bench=1 ;;
	--core) core=1 ;;
	--ha) ha=1 ;;
	--upgrade) upgrade=1 ;;
	*) echo "usage: $0 [--pg N] [--packaging] [--bench] [--core] [--ha] [--upgrade]" >&2; exit 2 ;;
	esac
	shift
done
if [ -z "$pg" ]; then
	pg=$(sh "$here/pg-version.sh")
fi
export DEBIAN_FRONTEND=noninteractive
apt="apt-get -o DPkg::Lock::Timeout=900 -y -q --no-install-recommends"

# the tools first (from the suite itself), then PostgreSQL: in the
# experimental chroot its pinning picks PostgreSQL from experimental
TOOLS="build-essential libipc-run-perl libtap-parser-sourcehandler-pgtap-perl python3"
PG_PKGS="postgresql-$pg postgresql-server-dev-$pg postgresql-client-$pg"
[ "$packaging" -eq 1 ] && TOOLS="$TOOLS dpkg-dev debhelper fakeroot postgresql-server-dev-all"
[ "$bench" -eq 1 ] && TOOLS="$TOOLS valgrind"
[ "$core" -eq 1 ] && TOOLS="$TOOLS dpkg-dev bison flex"
# the tests of t/host/ run with the host's PostgreSQL: Patroni and etcd
# (009_patroni.pl), pg_cron (011_pg_cron.pl), from the same suite
[ "$ha" -eq 1 ] && TOOLS="$TOOLS patroni etcd-server etcd-client python3-psycopg2 postgresql-$pg-cron"

missing() {
	out=""
	for p in "$@"; do
		if [ "$upgrade" -eq 1 ] ||
			! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			out="$out $p"
		fi
	done
	echo "$out"
}

updated=0
update() {
	if [ "$updated" -eq 0 ] && [ "$upgrade" -eq 0 ]; then
		$apt update
	fi
	updated=1
}

m=$(missing $TOOLS $PG_PKGS)
if [ -n "$m" ]; then
	update
	$apt install $m
fi

# pgTAP for this version: the package if there is one, else from source
if [ ! -f "/usr/share/postgresql/$pg/extension/pgtap.control" ]; then
	update
	if apt-cache show "postgresql-$pg-pgtap" >/dev/null 2>&1; then
		$apt install "postgresql-$pg-pgtap"
	else
		$apt install dpkg-dev
		b=$(mktemp -d /tmp/readonly_guard-pgtap.XXXXXX)
		if (cd "$b" && apt-get source -q pgtap >/dev/null 2>&1); then
			echo "install-deps: no postgresql-$pg-pgtap package: building pgTAP from its Debian source" >&2
			(cd "$b"/pgtap-*/ && make -s PG_CONFIG="/usr/lib/postgresql/$pg/bin/pg_config" >/dev/null &&
				make -s PG_CONFIG="/usr/lib/postgresql/$pg/bin/pg_config" install >/dev/null)
		else
			# pgTAP is SQL and PL/pgSQL only: the extension files of the
			# newest packaged version serve
			other=$(apt-cache pkgnames postgresql- | sed -n 's/^postgresql-\([0-9][0-9]*\)-pgtap$/\1/p' |
				sort -n | tail -n 1)
			[ -n "$other" ] || { echo "install-deps: no pgTAP package or source for PostgreSQL $pg" >&2; exit 1; }
			echo "install-deps: no postgresql-$pg-pgtap package nor pgtap source: using postgresql-$other-pgtap's SQL files" >&2
			(cd "$b" && apt-get download -q "postgresql-$other-pgtap" >/dev/null &&
				dpkg-deb -x postgresql-"$other"-pgtap_*.deb x)
			cp "$b/x/usr/share/postgresql/$other/extension/"pgtap* "/usr/share/postgresql/$pg/extension/"
		fi
		rm -rf "$b"
	fi
elif [ "$upgrade" -eq 1 ] && dpkg-query -W "postgresql-$pg-pgtap" >/dev/null 2>&1; then
	$apt install "postgresql-$pg-pgtap"
fi
