#!/bin/sh
# Instruction count of the readonly_guard hot path (not a test; prints figures).
#
# Runs `postgres --single` under `valgrind --tool=callgrind` on a private,
# freshly initdb'd data directory, feeding it N identical statements (one
# statement = one transaction in single-user mode):
#   select   SELECT abalance FROM accounts WHERE aid = 1    (primary-key lookup)
#   insert   INSERT INTO tmp VALUES (1, 'x')                 (TEMP table)
# in these configurations:
#   none     readonly_guard not loaded
#   off      shared_preload_libraries=readonly_guard, CREATE EXTENSION done,
#            read-only mode off
#   on       the same, after `SELECT rog_enable()` (run in single-user mode
#            beforehand; the mode survives restarts through its state file, so
#            the measured runs start with the cluster-wide flag set)
#   setting  loaded, cluster mode off, -c readonly_guard.enabled=on
#   dtro     not loaded, -c default_transaction_read_only=on (core's own
#            read-only transactions: the baseline for "on")
# Each configuration runs with N1 and N2 statements; start-up and shut-down
# cancel out in (Ir(N2) - Ir(N1)) / (N2 - N1), the instructions per statement.
# "lib" is the part of that spent in readonly_guard's own code (functions
# rog_* and anything in readonly_guard.so), read from the same profiles.
#
# Usage (as root or as postgres):  sh bench/instructions.sh
#   for any installed version: ROG_PG=17 sh bench/instructions.sh (or PGBIN=...)
#   N1=5000 N2=10000 (defaults)  KEEP=/some/dir keeps the callgrind profiles
#   and the workload files there, for callgrind_annotate.
set -eu

. "$(dirname "$(readlink -f "$0")")/common.sh"
bench_as_postgres "$0" "$@"

N1=${N1:-5000}
N2=${N2:-10000}
bench_workdir rog_instr
bench_single_user_clusters "$N1" "$N2"

# profile NAME WORKLOAD DATADIR [options]: callgrind runs for N1 and N2
profile() {
	name=$1 wl=$2 dd=$3; shift 3
	for n in $N1 $N2; do
		valgrind --tool=callgrind --callgrind-out-file="$name.$n.cg" \
			"$PGBIN/postgres" --single -D "$dd" "$@" postgres \
			<"$wl.$n.sql" >"$name.$n.stdout" 2>"$name.$n.log"
		if grep -q 'ERROR:' "$name.$n.log"; then
			echo "$name: the workload raised an error:" >&2
			grep -m3 'ERROR:' "$name.$n.log" >&2
			exit 1
		fi
		# self cost per function, "Ir<TAB>file:function [object]"
		callgrind_annotate --inclusive=no --threshold=100 --auto=no "$name.$n.cg" 2>/dev/null |
			awk '/file:function/ { on = 1; next } on && $1 ~ /^[0-9,]+$/ && $0 ~ /%\)  / {
				ir = $1; gsub(",", "", ir); line = $0
				sub(/^ *[0-9,]+ *\( *[0-9.]+%\) */, "", line)
				print ir "\t" line }' >"$name.$n.fn"
	done
}

echo "readonly_guard instruction counts: callgrind, postgres --single, N = $N1 and $N2"
echo "$("$PGBIN/postgres" --version); readonly_guard.so md5 $(md5sum "$("$PGBIN/pg_config" --pkglibdir 2>/dev/null || echo "$PGBIN/../lib")/readonly_guard.so" | cut -c1-12)"
profile select.none select plain
profile select.none2 select plain	# the same again: run-to-run noise
profile select.dtro select plain -c default_transaction_read_only=on
profile insert.none insert plain
profile select.off select rog -c shared_preload_libraries=readonly_guard
profile insert.off insert rog -c shared_preload_libraries=readonly_guard
profile select.setting select rog -c shared_preload_libraries=readonly_guard -c readonly_guard.enabled=on
echo "SELECT rog_enable('instruction count benchmark')" |
	single rog -c shared_preload_libraries=readonly_guard >enable.out 2>enable.log
grep -q 'rog_enable = ' enable.out || { echo "rog_enable() failed:" >&2; cat enable.log >&2; exit 1; }
profile select.on select rog -c shared_preload_libraries=readonly_guard
profile insert.on insert rog -c shared_preload_libraries=readonly_guard
# prove the mode really was on in those runs
echo "SELECT enabled, source FROM rog_status()" |
	single rog -c shared_preload_libraries=readonly_guard >status.out 2>status.log
grep -q 'enabled = "t"' status.out || { echo "read-only mode was not on" >&2; exit 1; }
# and that it refuses a write to a permanent table
echo "INSERT INTO accounts VALUES (0, 0, '')" |
	single rog -c shared_preload_libraries=readonly_guard >refuse.out 2>refuse.log || true
grep -q 'read-only transaction' refuse.log || { echo "write was not refused" >&2; exit 1; }

total() { sed -n 's/^totals: *//p' "$1"; }
# instructions per statement: whole process, and readonly_guard's own code
per_stmt() {
	awk -v a="$(total "$1.$N1.cg")" -v b="$(total "$1.$N2.cg")" -v d=$((N2 - N1)) \
		'BEGIN { printf "%.1f", (b - a) / d }'
}
lib_ir() {	# Ir in readonly_guard's own code in one profile
	awk -F '\t' '$2 ~ /readonly_guard\.so\]/ || $2 ~ /:(rog_|_PG_init|Pg_magic_func)/ { s += $1 }
		END { printf "%d", s }' "$1"
}
lib_per_stmt() {
	awk -v a="$(lib_ir "$1.$N1.fn")" -v b="$(lib_ir "$1.$N2.fn")" -v d=$((N2 - N1)) \
		'BEGIN { printf "%.1f", (b - a) / d }'
}

printf '\n%-10s %-8s %12s %10s %8s %10s\n' workload config "Ir/stmt" "added" "added%" "lib Ir"
for row in select:none:none select:none2:none select:off:none select:on:none select:setting:none \
	select:dtro:none select:on:dtro insert:none:none insert:off:none insert:on:none; do
	wl=${row%%:*}; rest=${row#*:}; cfg=${rest%%:*}; base=${rest#*:}
	v=$(per_stmt "$wl.$cfg"); b=$(per_stmt "$wl.$base")
	case $cfg in none|none2|dtro) lib=-;; *) lib=$(lib_per_stmt "$wl.$cfg");; esac
	label=$cfg; [ "$base" != none ] && label="$cfg-vs-$base"
	if [ "$cfg" = "$base" ]; then
		printf '%-10s %-8s %12s %10s %8s %10s\n' "$wl" "$label" "$v" - - "$lib"
	else
		awk -v w="$wl" -v c="$label" -v v="$v" -v b="$b" -v l="$lib" 'BEGIN {
			printf "%-10s %-8s %12.1f %+10.1f %+7.3f%% %10s\n", w, c, v, v - b, 100 * (v - b) / b, l }'
	fi
done

echo "(none2 repeats none: the difference is run-to-run noise, mostly libc string"
echo " functions whose cost depends on memory layout; lib Ir is exact)"

# where the added instructions go: self cost per statement by function,
# loaded (off / on) against not loaded, functions that moved by >= 1 Ir
fn_per_stmt() {	# name -> "Ir/stmt<TAB>function"
	awk -F '\t' -v d=$((N2 - N1)) 'FNR == NR { a[$2] += $1; next } { b[$2] += $1 }
		END { for (k in b) print (b[k] - a[k]) / d "\t" k
		      for (k in a) if (!(k in b)) print (-a[k]) / d "\t" k }' "$1.$N1.fn" "$1.$N2.fn"
}
for cmp in select.off:select.none select.on:select.none insert.off:insert.none; do
	x=${cmp%%:*} y=${cmp#*:}
	fn_per_stmt "$x" >"$x.per"
	fn_per_stmt "$y" >"$y.per"
	echo
	echo "self Ir per statement that moved, $x vs $y (function: $y -> $x, delta):"
	awk -F '\t' 'FNR == NR { a[$2] = $1; next } { b[$2] = $1 }
		END { for (k in b) if (!(k in a)) a[k] = 0
		      for (k in a) { d = b[k] - a[k]; if (d >= 1 || d <= -1)
			printf "  %+8.1f  %8.1f -> %8.1f  %s\n", d, a[k], b[k], k } }' "$y.per" "$x.per" |
		sort -k1,1 -g -r | sed 's#\[/[^]]*/\([^/]*\)\]#[\1]#'
done

if [ -n "${KEEP:-}" ]; then
	cp ./*.cg ./*.sql "$KEEP"/
	echo "\nprofiles kept in $KEEP" >&2
fi
