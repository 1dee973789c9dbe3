#!/bin/sh
# Run every test suite against the cluster described by the PG* environment
# (pg_virtualenv provides one) and print "N passed, N failed".
# Called by tools/test-all.sh as the postgres OS user; not meant for root.
set -u
cd "$(dirname "$0")/.."
export PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
log=$(mktemp)
status=0

run() {
	echo "=== $1"
	shift
	"$@" >>"$log" 2>&1 || status=1
}

run "pg_regress"  make -s installcheck ISOLATION= TAP_TESTS=
run "isolation"   make -s installcheck REGRESS= TAP_TESTS=
run "TAP"         make -s installcheck REGRESS= ISOLATION=
run "pgTAP"       pg_prove --ext .sql -r test/

cat "$log"
for f in regression.diffs output_iso/regression.diffs; do
	[ -s "$f" ] && { echo "=== $f"; cat "$f"; }
done

# one line per test: pg_regress/isolation ("... ok"), prove and pg_prove ("... ok")
passed=$(grep -cE '(\.\.\. ok|\.\. ok$|\.\.\.* ok$)' "$log")
failed=$(grep -cE '(\.\.\. FAILED|\.\. (Failed|Dubious)|\.\.\.* (Failed|Dubious)|^not ok)' "$log")
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
rm -f "$log"
echo "$passed passed, $failed failed" >"${ROG_SUMMARY:-/dev/stdout}"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
