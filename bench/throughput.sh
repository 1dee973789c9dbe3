#!/bin/sh
# pgbench throughput with readonly_guard (not a test; prints figures).
#
# Two private clusters side by side, built alike (initdb in a temp dir, TCP on
# 127.0.0.1, pgbench scale 10): "plain" never loads the library, "rog" has
# shared_preload_libraries=readonly_guard.  Only the server being measured
# is busy; the other idles.  Each round runs, 4 clients each:
#   none-S   -S (select-only) on plain
#   none2-S  the same again: an A/A control, whose ratio to none-S is the
#            noise of this machine
#   dtro-S   -S on plain, PGOPTIONS='-c default_transaction_read_only=on'
#            (core's read-only sessions: the baseline for on-S)
#   off-S    -S on rog, read-only mode off
#   on-S     -S on rog, after SELECT rog_enable() (rog_disable() after it)
#   none-B   TPC-B-like (default script) on plain
#   off-B    TPC-B-like on rog, read-only mode off
# The -S runs come first in a round (the TPC-B-like writes, and the
# autovacuum they trigger, would slow what follows); within each group the
# order of the two servers alternates by round.  Short runs, many rounds: a
# pair of runs compared is seconds apart, so slow drifts of the host cancel.
# Each switch to the other server starts with SWITCH seconds of -S, not
# counted: without it the first run after a switch ran ~20 % slower (the A/A
# control showed it).
# Prints every run's TPS, then per configuration the median TPS and the
# median over rounds of the ratio to the same round's plain run.
# Target: ratio >= 0.99 for off-S, off-B, on-S.
#
# Usage (as root or as postgres):  sh bench/throughput.sh
#   ROUNDS=9 SECS=8 CLIENTS=4 SCALE=10 PORT=55433 (PORT+1 too) WARMUP=10
#   SWITCH=3; runtime about ROUNDS * (7 * SECS + 4 * SWITCH) + 2 * WARMUP +
#   set-up (~11 min).
set -eu

. "$(dirname "$(readlink -f "$0")")/common.sh"
bench_as_postgres "$0" "$@"

ROUNDS=${ROUNDS:-9}
SECS=${SECS:-8}
CLIENTS=${CLIENTS:-4}
SCALE=${SCALE:-10}
PORT=${PORT:-55433}
WARMUP=${WARMUP:-10}	# seconds of -S per server before round 1, not counted
SWITCH=${SWITCH:-3}		# seconds of -S after each switch of server, not counted
bench_workdir rog_tput
bench_cleanup_hook() { bench_stop "$work/plain" "$work/rog"; }

# port_of plain|rog
port_of() { if [ "$1" = plain ]; then echo "$PORT"; else echo $((PORT + 1)); fi; }
sql() { "$PGBIN/psql" -h 127.0.0.1 -p "$(port_of "$1")" -qAtX -v ON_ERROR_STOP=1 -c "$2" bench; }

for cl in plain rog; do
	bench_initdb "$work/$cl"
	cat >>"$work/$cl/postgresql.conf" <<CONF
port = $(port_of $cl)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
max_connections = 20
shared_buffers = 256MB
synchronous_commit = off
checkpoint_timeout = 30min
max_wal_size = 4GB
CONF
	[ $cl = plain ] || echo "shared_preload_libraries = 'readonly_guard'" >>"$work/$cl/postgresql.conf"
	"$PGBIN/pg_ctl" -D "$work/$cl" -l "$work/server.$cl.log" -w start >/dev/null
	"$PGBIN/createdb" -h 127.0.0.1 -p "$(port_of $cl)" bench
	"$PGBIN/pgbench" -h 127.0.0.1 -p "$(port_of $cl)" -i -q -s "$SCALE" bench >"init.$cl.log" 2>&1
	sql $cl "VACUUM ANALYZE"
done
sql rog "CREATE EXTENSION readonly_guard"
[ "$(sql plain "SELECT count(*) FROM pg_extension WHERE extname = 'readonly_guard'")" = 0 ]
for cl in plain rog; do
	"$PGBIN/pgbench" -h 127.0.0.1 -p "$(port_of $cl)" -c "$CLIENTS" -j "$CLIENTS" -T "$WARMUP" -S -n bench >/dev/null 2>&1
done

# warm CLUSTER: SWITCH seconds of -S, not counted
warm() {
	"$PGBIN/pgbench" -h 127.0.0.1 -p "$(port_of "$1")" -c "$CLIENTS" -j "$CLIENTS" -T "$SWITCH" -S -n bench >/dev/null 2>&1
}

# run LABEL ROUND CLUSTER [pgbench options]: append "label round tps"
run() {
	label=$1 round=$2 cl=$3; shift 3
	out=$("$PGBIN/pgbench" -h 127.0.0.1 -p "$(port_of "$cl")" -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" "$@" bench 2>&1) ||
		{ echo "$out" >&2; exit 1; }
	tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -n 1)
	failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
	[ "${failed:-0}" = 0 ] || { echo "$label: $failed failed transactions" >&2; echo "$out" >&2; exit 1; }
	echo "$label $round $tps" >>results
	printf '  round %d  %-8s %10.1f tps\n' "$round" "$label" "$tps"
}
plain_s() {
	warm plain
	run none-S "$1" plain -S -n
	PGOPTIONS='-c default_transaction_read_only=on' run dtro-S "$1" plain -S -n
	run none2-S "$1" plain -S -n
}
rog_s() {
	warm rog
	run off-S "$1" rog -S -n
	sql rog "SELECT rog_enable('throughput benchmark')" >/dev/null
	[ "$(sql rog 'SELECT enabled FROM rog_status()')" = t ] || { echo "rog_enable() did not take" >&2; exit 1; }
	run on-S "$1" rog -S -n
	sql rog "SELECT rog_disable()" >/dev/null
}

echo "pgbench: scale $SCALE, $CLIENTS clients, $CLIENTS threads, ${SECS}s per run, $ROUNDS rounds, 127.0.0.1, two servers"
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then
		plain_s $r; rog_s $r
		warm plain; run none-B $r plain; warm rog; run off-B $r rog
	else
		rog_s $r; plain_s $r
		warm rog; run off-B $r rog; warm plain; run none-B $r plain
	fi
	r=$((r + 1))
done

echo
printf '%-8s %-64s %9s %12s\n' config "tps per round" "median" "median ratio"
for cfg in none-S none2-S off-S on-S dtro-S none-B off-B; do
	base=none-${cfg#*-}
	awk -v c="$cfg" -v b="$base" '
		function median(a, n,   i, j, t) {
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		$1 == c { v[$2] = $3; list = list sprintf(" %.0f", $3) }
		$1 == b { base[$2] = $3 }
		END {
			n = 0; m = 0
			for (r in v) { t[++n] = v[r]; if (r in base) q[++m] = v[r] / base[r] }
			printf "%-8s %-64s %9.1f %12s\n", c, list, median(t, n), c == b ? "-" : sprintf("%.4f", median(q, m))
		}' results
done
echo "(none2-S/none-S is the A/A control: the same server and workload twice)"
