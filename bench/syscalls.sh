#!/bin/sh
# System calls per statement with readonly_guard (not a test; prints figures).
#
# The same workload as bench/instructions.sh -- `postgres --single` on a
# private, freshly initdb'd data directory, N identical statements, one
# transaction each -- run under `strace -c -f`:
#   select   SELECT abalance FROM accounts WHERE aid = 1
#   insert   INSERT INTO tmp VALUES (1, 'x')        (TEMP table)
# configurations: none (not loaded), off (loaded, CREATE EXTENSION, mode off),
# on (after SELECT rog_enable(), which persists in the state file), and
# dtro (not loaded, -c default_transaction_read_only=on).
# Each runs with N1 and N2 statements; (calls(N2) - calls(N1)) / (N2 - N1)
# is the number of each system call per statement.  The target: the library
# adds none (a stat() of a flag file per statement is the classic mistake).
#
# Usage (as root or as postgres):  sh bench/syscalls.sh     [N1=1000 N2=2000]
set -eu

. "$(dirname "$(readlink -f "$0")")/common.sh"
bench_as_postgres "$0" "$@"

N1=${N1:-1000}
N2=${N2:-2000}
bench_workdir rog_sysc
bench_single_user_clusters "$N1" "$N2"

trace() {	# trace NAME WORKLOAD DATADIR [options]
	name=$1 wl=$2 dd=$3; shift 3
	for n in $N1 $N2; do
		strace -c -f -o "$name.$n.strace" "$PGBIN/postgres" --single -D "$dd" "$@" postgres \
			<"$wl.$n.sql" >"$name.$n.stdout" 2>"$name.$n.log"
		if grep -q 'ERROR:' "$name.$n.log"; then
			echo "$name: the workload raised an error:" >&2
			grep -m3 'ERROR:' "$name.$n.log" >&2
			exit 1
		fi
		# "syscall calls"
		awk '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { print $NF, $4 }' \
			"$name.$n.strace" | sort >"$name.$n.calls"
	done
	# per statement: "syscall calls/stmt", only the ones that scale with N
	join -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$name.$N1.calls" "$name.$N2.calls" |
		awk -v d=$((N2 - N1)) '{ r = ($3 - $2) / d; if (r >= 0.005 || r <= -0.005) printf "%s %.2f\n", $1, r }' \
		>"$name.per"
	# total system calls per statement, with start-up subtracted
	awk -v d=$((N2 - N1)) '{ s += $2 } END { printf "%.3f", s }' "$name.per" >"$name.tot"
}

echo "readonly_guard system calls: strace -c -f, postgres --single, N = $N1 and $N2" >&2
trace select.none select plain
trace select.dtro select plain -c default_transaction_read_only=on
trace insert.none insert plain
trace select.off select rog -c shared_preload_libraries=readonly_guard
trace insert.off insert rog -c shared_preload_libraries=readonly_guard
echo "SELECT rog_enable('system call benchmark')" |
	single rog -c shared_preload_libraries=readonly_guard >enable.out 2>enable.log
grep -q 'rog_enable = ' enable.out || { echo "rog_enable() failed:" >&2; cat enable.log >&2; exit 1; }
trace select.on select rog -c shared_preload_libraries=readonly_guard
trace insert.on insert rog -c shared_preload_libraries=readonly_guard

fmt() { if [ -s "$1" ]; then awk '{ printf "%s%s=%s", sep, $1, $2; sep = " " }' "$1"; else echo "(none)"; fi; }
printf '\n%-8s %-8s %10s  %s\n' workload config "calls/stmt" "per system call"
for name in select.none select.off select.on select.dtro insert.none insert.off insert.on; do
	printf '%-8s %-8s %10s  %s\n' "${name%%.*}" "${name#*.}" "$(cat "$name.tot")" "$(fmt "$name.per")"
done
echo
status=0
for cmp in select.off:select.none select.on:select.none insert.off:insert.none insert.on:insert.none; do
	x=${cmp%%:*} y=${cmp#*:}
	added=$(awk -v a="$(cat "$y.tot")" -v b="$(cat "$x.tot")" 'BEGIN { printf "%+.3f", b - a }')
	# per system call, the largest difference in calls per statement
	worst=$(join -a 1 -a 2 -e 0 -o 0,1.2,2.2 "$x.per" "$y.per" |
		awk '{ d = $2 - $3; if (d < 0) d = -d; if (d > m) { m = d; w = $1 } }
			END { printf "%.2f %s", m, w }')
	if awk -v w="${worst%% *}" 'BEGIN { exit !(w < 0.05) }'; then
		verdict="no added system call per statement (largest difference ${worst%% *}/stmt)"
	else
		verdict="DIFFERENT: ${worst#* } differs by ${worst%% *}/stmt"; status=1
	fi
	echo "$x vs $y: $added calls/stmt; $verdict"
done
[ $status = 0 ] || echo "differences under 0.05/stmt are start-up and shut-down jitter; this one is not"
