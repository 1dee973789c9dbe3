#!/bin/sh
# The full test suite on a throwaway cluster: pg_regress, isolation, TAP
# (primary/standby) and pgTAP.  Run as root on Debian:
#     tools/test-all.sh            PostgreSQL 15 on Debian 12 (the default
#                                  version: tools/pg-version.sh)
#     tools/test-all.sh --pg N     PostgreSQL N: on this machine if its apt
#                                  sources have postgresql-N, else in a Debian
#                                  chroot that has it (tools/chroot.sh: made
#                                  on first use, reused and upgraded after)
# It installs the packages it needs, builds and installs the extension, then
# runs the suites as the postgres OS user under pg_virtualenv.  The last line
# is "N passed, N failed" (tools/run-suites.sh; ROG_SUITES picks runners).  ROG_CHROOT=1 uses the
# chroot even when this machine has the version.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pg=""
while [ $# -gt 0 ]; do
	case $1 in
	--pg) pg=$2; shift ;;
	*) echo "usage: $0 [--pg N]" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$pg" ] || pg=$(sh "$top/tools/pg-version.sh")
if [ "$(id -u)" -ne 0 ]; then
	echo "test-all: run it as root (it installs packages)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

host_has() {
	[ -x "/usr/lib/postgresql/$1/bin/postgres" ] ||
		apt-cache show "postgresql-$1" >/dev/null 2>&1
}

if [ "${ROG_IN_CHROOT:-0}" != 1 ] && { [ "${ROG_CHROOT:-0}" = 1 ] || ! host_has "$pg"; }; then
	# in the chroot: a fresh copy of this tree, then this script again
	suite=$("$top/tools/chroot.sh" suite "$pg") || { echo "0 passed, 1 failed"; exit 1; }
	echo "=== PostgreSQL $pg: Debian $suite chroot"
	"$top/tools/chroot.sh" prepare "$pg" || { echo "test-all: chroot for $pg failed"; echo "0 passed, 1 failed"; exit 1; }
	dir=${ROG_CHROOTS:-/var/tmp/readonly_guard-chroots}/$suite
	rm -rf "$dir/build/readonly_guard"
	mkdir -p "$dir/build/readonly_guard"
	(cd "$top" && tar -cf - --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
		--exclude=./results --exclude=./output_iso --exclude=./tmp_check --exclude=./log .) |
		tar -C "$dir/build/readonly_guard" -xf -
	status=0
	"$top/tools/chroot.sh" run "$pg" env ROG_IN_CHROOT=1 ${ROG_SUITES:+ROG_SUITES="$ROG_SUITES"} \
		${ROG_KEEP_RESULTS:+ROG_KEEP_RESULTS="$ROG_KEEP_RESULTS"} \
		sh /build/readonly_guard/tools/test-all.sh --pg "$pg" || status=$?
	exit $status
fi

echo "=== PostgreSQL $pg: $(. /etc/os-release && echo "$PRETTY_NAME")"
# the tests of t/host/ (Patroni, pg_cron) run with the host's PostgreSQL only
host_tests=""
[ "${ROG_IN_CHROOT:-0}" = 1 ] || host_tests="TAP-host"
"$top/tools/install-deps.sh" --pg "$pg" ${host_tests:+--ha}
export PG_CONFIG=/usr/lib/postgresql/$pg/bin/pg_config
"$top/tools/build-install.sh"
work=$(mktemp -d /tmp/readonly_guard-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -a "$top/." "$work/"
chown -R postgres "$work"
cd "$work"
status=0
# the server settings of test-server.conf (the TAP tests read the same file)
opts=$(sh tools/server-conf.sh)
runuser -u postgres -- env ROG_SUMMARY="$work/summary" PG_CONFIG="$PG_CONFIG" \
	ROG_SUITES="${ROG_SUITES:-pg_regress isolation TAP pgTAP $host_tests}" \
	ROG_KEEP_RESULTS="${ROG_KEEP_RESULTS:-}" \
	PGSSLMODE=disable pg_virtualenv -v "$pg" $opts \
	sh tools/run-suites.sh || status=$?
# the summary comes last, after pg_virtualenv's own output
cat "$work/summary" 2>/dev/null || echo "0 passed, 1 failed"
exit $status
