#!/bin/sh
# Run the test suites once with every PostgreSQL server process under
# valgrind memcheck, then scan valgrind's per-process logs.  Not part of CI
# (far too slow: see README "Tests" for the last run's time).  Run as root
# or as the postgres OS user on Debian 12:
#     tools/valgrind.sh
#
# It builds and installs nothing: it tests the readonly_guard.so installed in
# /usr/lib/postgresql/N/lib (N: tools/pg-version.sh or $ROG_PG;
# tools/build-install.sh or the .deb put it there).  Debian's PostgreSQL is not built with USE_VALGRIND, so it runs
# memcheck on the packaged binaries the way PostgreSQL's own valgrind setup
# does, with PostgreSQL's suppression file plus the same cases as they look
# on Debian's stripped binary (tools/valgrind.supp):
#   - a throwaway cluster is made by initdb (not under valgrind) in a private
#     directory under /tmp, listening only on a Unix socket there, with the
#     settings of test-server.conf (the ones every harness uses);
#   - a private bin directory holds symlinks to the real binaries, except
#     postgres, a script that execs the real one under valgrind, and pg_ctl,
#     a script that runs the real pg_ctl with -p pointing at that postgres;
#     so the postmaster and every process it forks (backends, checkpointer,
#     autovacuum...) run under valgrind, one log per process
#     (vglogs/<postmaster start>-<pid>.log);
#   - pg_regress (REGRESS), isolation (ISOLATION) and pgTAP (test/*.sql) run
#     against that cluster from a copy of the tree, as tools/run-suites.sh
#     does; then the TAP tests (t/) run with the private bin directory
#     first in PATH (make's bindir), so every cluster they start, standbys
#     and crash restarts included, is under valgrind too.
# No --error-exitcode: on this binary a benign error the suppressions miss
# would otherwise kill the process (a crash restart) and wreck the run; the
# log scan below is the verdict.
# Without USE_VALGRIND memcheck does not know palloc's chunks: it reports
# reads of never-written memory, accesses outside malloc'd blocks, bad
# system-call arguments and overlapping copies, but not a use after pfree()
# or an overrun that stays inside a memory context's block.
#
# Everything is 20-50 times slower under valgrind, so timing-dependent test
# diffs (a reload or a 1s drain deadline landing late) are expected; they are
# printed but do not set the exit status, which is about memcheck only:
#   0  no memcheck error
#   1  at least one error whose stack goes through readonly_guard (any
#      frame in readonly_guard.so or in src/*.c of this extension, even
#      below the core function that made the error)
#   2  errors, but none in readonly_guard: review them; if they are PostgreSQL
#      core noise, suppress them in tools/valgrind.supp with a reason
#   3  the cluster or valgrind could not be set up
# The work directory (logs, server log, diffs; the cluster's data directory is
# removed) is kept and printed at the end.  Environment:
#   ROG_VG_SHOW=N       print the first N errors in full (default 5)
#   ROG_VG_ORIGINS=0    no --track-origins (faster; errors about
#                       uninitialised values then don't say where they
#                       come from)
#   ROG_VG_TAP=0        skip the TAP tests
set -u
bindir=/usr/lib/postgresql/$(sh "$(dirname "$0")/pg-version.sh")/bin
export PG_CONFIG="$bindir/pg_config"

if [ "$(id -u)" -eq 0 ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	work=$(mktemp -d /tmp/readonly_guard-vg.XXXXXX) || exit 3
	mkdir "$work/src" && cp -a "$top/." "$work/src/" || exit 3
	chown -R postgres "$work" || exit 3
	exec runuser -u postgres -- env ROG_VG_WORK="$work" \
		sh "$work/src/tools/valgrind.sh" "$@"
fi
if [ -z "${ROG_VG_WORK:-}" ]; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	work=$(mktemp -d /tmp/readonly_guard-vg.XXXXXX) || exit 3
	mkdir "$work/src" && cp -a "$top/." "$work/src/" || exit 3
	ROG_VG_WORK=$work
fi
work=$ROG_VG_WORK
src=$work/src
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 3; }
start=$(date +%s)

# the private bin directory
mkdir -p "$work/bin" "$work/vglogs"
for f in "$bindir"/*; do
	case ${f##*/} in
	postgres|postmaster|pg_ctl) ;;
	*) ln -s "$f" "$work/bin/" ;;
	esac
done
origins=yes
[ "${ROG_VG_ORIGINS:-1}" = 0 ] && origins=no
# One log per process: forked children get their own file (%p; a PID is
# not recycled within one run); programs the server runs (COPY ... PROGRAM,
# archive commands) run natively.
cat >"$work/bin/postgres" <<EOF
#!/bin/sh
exec valgrind --quiet --trace-children=yes --track-origins=$origins \\
	--trace-children-skip='/bin/*,/usr/bin/*' \\
	--read-var-info=no --leak-check=no --error-limit=no --num-callers=30 \\
	--gen-suppressions=all --fullpath-after= --vgdb=no \\
	--suppressions=$src/tools/valgrind.supp \\
	--log-file=$work/vglogs/%p.log $bindir/postgres "\$@"
EOF
cat >"$work/bin/pg_ctl" <<EOF
#!/bin/sh
exec $bindir/pg_ctl -p $work/bin/postgres "\$@"
EOF
chmod +x "$work/bin/postgres" "$work/bin/pg_ctl"

data=$work/data
"$bindir/initdb" -D "$data" -A trust -U postgres --no-sync >"$work/initdb.log" 2>&1 ||
	{ cat "$work/initdb.log"; exit 3; }
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$work'
port = 5432
huge_pages = off
fsync = off
log_line_prefix = '%m [%p] '
EOF
cat "$src/test-server.conf" >>"$data/postgresql.conf"
export PGHOST="$work" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
echo "=== starting the cluster under valgrind ($work)"
"$work/bin/pg_ctl" -D "$data" -l "$work/server.log" \
	-t 900 -w start >/dev/null ||
	{ tail -n 30 "$work/server.log"; cat "$work"/vglogs/*.log; exit 3; }

log=$work/suites.log
: >"$log"
suite() {
	name=$1
	shift
	t0=$(date +%s)
	( cd "$src" && "$@" ) >>"$log" 2>&1
	echo "=== $name: $(( $(date +%s) - t0 ))s"
}
suite "pg_regress" make -s installcheck ISOLATION= TAP_TESTS=
suite "isolation"  make -s installcheck REGRESS= TAP_TESTS=
suite "pgTAP"      pg_prove --ext .sql -r test/

"$work/bin/pg_ctl" -D "$data" -m fast -t 900 -w stop >/dev/null ||
	echo "pg_ctl stop failed"
rm -rf "$data"
if [ "${ROG_VG_TAP:-1}" != 0 ]; then
	# PostgreSQL::Test::Cluster finds pg_ctl, initdb... in PATH, which the
	# installcheck rule starts with $(bindir)
	suite "TAP" env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
		PG_TEST_TIMEOUT_DEFAULT=900 \
		make -s installcheck REGRESS= ISOLATION= bindir="$work/bin"
	rm -rf "$src/tmp_check/t_"*_data
fi

cat "$log"
for f in "$src/regression.diffs" "$src/output_iso/regression.diffs"; do
	[ -s "$f" ] && { echo "=== $f"; cat "$f"; }
done
passed=$(grep -cE '(\.\.\. ok|\.\. ok$|\.\.\.* ok$)' "$log")
failed=$(grep -cE '(\.\.\. FAILED|\.\. (Failed|Dubious)|\.\.\.* (Failed|Dubious)|^Dubious|^not ok)' "$log")
echo "=== suites: $passed passed, $failed failed"
echo "=== server processes of the main cluster that died abnormally:"
grep -E 'exited with exit code ([2-9]|[1-9][0-9])|terminated by signal' \
	"$work/server.log" || echo "none"

# One record per memcheck error: from its header line to the blank line
# after it, plus the suppression valgrind generated for it.
awk -v ext='readonly_guard\\.so|/src/(readonly_guard|state|guard|settings|functions|lag)\\.c:[0-9]' '
	function flush() {
		if (rec == "") return
		n++
		hit = (rec ~ ext)
		if (hit) { n_ext++; print "### " FILENAME_OF_REC " (readonly_guard)\n" rec > ext_out }
		else print "### " FILENAME_OF_REC "\n" rec > oth_out
		files[FILENAME_OF_REC] = 1
		rec = ""
	}
	FNR == 1 { flush(); in_rec = 0 }
	/^==[0-9]+==/ {
		c = $0; sub(/^==[0-9]+== ?/, "", c)
		if (c == "") { in_rec = 0; rec = rec "\n"; next }
		if (c ~ /^Warning:/ || c ~ /^WARNING:/) { warnings++; next }
		if (!in_rec && c ~ /^[^ ]/) { flush(); in_rec = 1; FILENAME_OF_REC = FILENAME }
		if (in_rec) rec = rec c "\n"
		next
	}
	{ if (rec != "") rec = rec $0 "\n" }
	END {
		flush()
		nf = 0; for (f in files) nf++
		printf "%d %d %d %d\n", nf, n, n_ext, warnings > count_out
	}
' ext_out="$work/errors-readonly_guard.txt" oth_out="$work/errors-other.txt" \
  count_out="$work/counts" /dev/null $(find "$work/vglogs" -name '*.log' | sort)
read -r nbad nerr next nwarn <"$work/counts"
nproc=$(find "$work/vglogs" -name '*.log' | wc -l)
show=${ROG_VG_SHOW:-5}
echo "=== valgrind: $nproc processes, $nbad logs with errors, $nerr errors" \
	"($next through readonly_guard), $nwarn valgrind warnings"
if [ "$nerr" -gt 0 ]; then
	echo "=== the first $show errors (readonly_guard first); all in" \
		"$work/errors-*.txt"
	cat "$work/errors-readonly_guard.txt" "$work/errors-other.txt" 2>/dev/null |
		awk -v show="$show" '/^### /{n++} n > show {exit} {print}'
fi
echo "=== $(( $(date +%s) - start ))s; logs kept in $work"
[ "$next" -gt 0 ] && exit 1
[ "$nerr" -gt 0 ] && exit 2
exit 0
