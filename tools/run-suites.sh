#!/bin/sh
# Run every test suite against the cluster described by the PG* environment
# (pg_virtualenv provides one) and print "N passed, N failed".
# Called by tools/test-all.sh as the postgres OS user; not meant for root.
# ROG_SUITES="pg_regress isolation TAP pgTAP" (the default) names the runners
# to run; the others are neither run nor counted.  TAP-host runs t/host/*.pl
# (Patroni, pg_cron), which need the host's packages: tools/test-all.sh adds
# it on the host, not in the chroots of other versions.
#
# One count per pg_regress test, per isolation spec, per TAP file (t/*.pl)
# and per pgTAP file (test/*.sql), read from what the runners print:
#   pg_regress, isolation  15: "test NAME ... ok" / "... FAILED" (a parallel
#                          group's lines start with blanks); 16 and later:
#                          TAP lines "ok N - NAME" / "not ok N - NAME"
#   prove, pg_prove        "Files=N" minus the files listed in the "Test
#                          Summary Report" (each failed file has a
#                          "(Wstat: ...)" line there)
# A test the runner did not report (it stopped early) counts as failed, and
# so does a runner that failed without reporting any failed test.
set -u
cd "$(dirname "$0")/.."
export PG_CONFIG="${PG_CONFIG:-pg_config}"
logdir=$(mktemp -d)
status=0
passed=0
failed=0

# the value of a variable of the Makefile (REGRESS, ISOLATION)
mkvar() {
	printf 'rog-print-%%:\n\t@echo $($*)\n' |
		make -s --no-print-directory -f Makefile -f - "rog-print-$1"
}
words() { echo $# ; }

# count NAME EXPECTED LOG RC KIND: add one runner's results to the totals
count() {
	name=$1 expected=$2 log=$3 rc=$4 kind=$5
	case $kind in
	regress)
		p=$(grep -cE '^(test +| +)[A-Za-z0-9_.-]+ +\.\.\. ok( |$)|^ok [0-9]+ +[-+] ' "$log")
		f=$(grep -cE '^(test +| +)[A-Za-z0-9_.-]+ +\.\.\. (FAILED|failed)|^not ok [0-9]+ +[-+] ' "$log")
		;;
	prove)
		files=$(sed -n 's/^Files=\([0-9][0-9]*\),.*/\1/p' "$log" | tail -n 1)
		f=$(grep -cE '^[^ ]+\.(pl|sql|t) +\(Wstat: ' "$log")
		p=$(( ${files:-0} - f ))
		[ "$p" -lt 0 ] && p=0
		;;
	esac
	if [ $((p + f)) -lt "$expected" ]; then
		f=$((expected - p))
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	echo "$name: $p passed, $f failed (of $expected)"
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$rc" -eq 0 ] || status=1
}

run() {
	name=$1 expected=$2 kind=$3
	shift 3
	case " ${ROG_SUITES:-pg_regress isolation TAP pgTAP} " in
	*" $name "*) ;;
	*) return 0 ;;
	esac
	log="$logdir/$name.log"
	echo "=== $name"
	rc=0
	"$@" >"$log" 2>&1 || rc=$?
	cat "$log"
	count "$name" "$expected" "$log" "$rc" "$kind" >>"$logdir/counts"
}

nregress=$(words $(mkvar REGRESS))
nisolation=$(words $(mkvar ISOLATION))
ntap=$(words t/*.pl)
npgtap=$(words test/*.sql)
nhost=$(words t/host/*.pl)

run pg_regress "$nregress"   regress make -s installcheck ISOLATION= TAP_TESTS=
run isolation  "$nisolation" regress make -s installcheck REGRESS= TAP_TESTS=
run TAP        "$ntap"       prove   make -s installcheck REGRESS= ISOLATION=
run pgTAP      "$npgtap"     prove   pg_prove --ext .sql -r test/
run TAP-host   "$nhost"      prove   make -s installcheck REGRESS= ISOLATION= PROVE_TESTS='t/host/*.pl'

for f in regression.diffs output_iso/regression.diffs; do
	[ -s "$f" ] && { echo "=== $f"; cat "$f"; }
done
# ROG_KEEP_RESULTS=DIR keeps the results for a look (new expected files)
if [ -n "${ROG_KEEP_RESULTS:-}" ]; then
	mkdir -p "$ROG_KEEP_RESULTS"
	cp -r results output_iso "$ROG_KEEP_RESULTS"/ 2>/dev/null || true
fi
touch "$logdir/counts"
cat "$logdir/counts"
# the totals, from the per-runner lines
passed=$(awk '{ s += $2 } END { print s + 0 }' "$logdir/counts")
failed=$(awk '{ s += $4 } END { print s + 0 }' "$logdir/counts")
grep -q ' [1-9][0-9]* failed' "$logdir/counts" && status=1
rm -rf "$logdir"
echo "$passed passed, $failed failed" >"${ROG_SUMMARY:-/dev/stdout}"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
