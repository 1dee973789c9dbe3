#!/bin/sh
# The full test suite on a throwaway cluster: pg_regress, isolation, TAP
# (primary/standby) and pgTAP.  Run as root on Debian 12:
#     sudo tools/test-all.sh
# It installs the packages it needs, builds and installs the extension, then
# runs the suites as the postgres OS user under pg_virtualenv.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/install-deps.sh"
"$top/tools/build-install.sh"
work=$(mktemp -d /tmp/readonly_guard-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -a "$top/." "$work/"
chown -R postgres "$work"
cd "$work"
status=0
runuser -u postgres -- env ROG_SUMMARY="$work/summary" pg_virtualenv -v 15 \
	-o shared_preload_libraries=readonly_guard \
	-o max_prepared_transactions=10 \
	-o track_commit_timestamp=on \
	sh tools/run-suites.sh || status=$?
# the summary comes last, after pg_virtualenv's own output
cat "$work/summary" 2>/dev/null || echo "0 passed, 1 failed"
exit $status
