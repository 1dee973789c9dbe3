#!/bin/sh
# pgbench throughput with readonly_guard (not a test; prints figures).
#
# A private cluster (initdb in a temp dir, its own port, TCP on 127.0.0.1),
# pgbench scale 10, 4 clients, several alternating rounds of:
#   none-S   -S (select-only)       library not loaded
#   dtro-S   -S, PGOPTIONS='-c default_transaction_read_only=on', not loaded
#                                   (core's read-only sessions: baseline for on)
#   none-B   TPC-B-like (default)   library not loaded
#   off-S    -S                     shared_preload_libraries=readonly_guard, off
#   off-B    TPC-B-like             loaded, read-only mode off
#   on-S     -S                     loaded, after SELECT rog_enable()
# The server is restarted to switch shared_preload_libraries (then warmed up
# with WARMUP seconds of -S, not counted); in each half the -S runs come
# before the TPC-B-like one, whose writes (and the autovacuum they trigger)
# would slow what follows; the order of the two halves alternates by round.  Prints every run's TPS, then per
# configuration the median TPS and the median over rounds of the ratio to the
# same round's no-library run.  Target: ratio >= 0.99 for off-S, off-B, on-S.
#
# Usage (as root or as postgres):  sh bench/throughput.sh
#   ROUNDS=5 SECS=15 CLIENTS=4 SCALE=10 PORT=55433 WARMUP=5 (defaults);
#   runtime is about ROUNDS * (6 * SECS + 2 * WARMUP) plus restarts
#   (~9 min with the defaults).
set -eu

. "$(dirname "$(readlink -f "$0")")/common.sh"
bench_as_postgres "$0" "$@"

ROUNDS=${ROUNDS:-5}
SECS=${SECS:-15}
CLIENTS=${CLIENTS:-4}
SCALE=${SCALE:-10}
PORT=${PORT:-55433}
WARMUP=${WARMUP:-5}	# seconds of -S after each restart, not counted
bench_workdir rog_tput
dd=$work/data
bench_cleanup_hook() {
	"$PGBIN/pg_ctl" -D "$dd" -m immediate stop >/dev/null 2>&1 || true
}
bench_initdb "$dd"
cat >>"$dd/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
max_connections = 20
shared_buffers = 512MB
synchronous_commit = off
checkpoint_timeout = 30min
max_wal_size = 4GB
EOF

start() {	# start SHARED_PRELOAD_LIBRARIES, then warm the buffer cache (not counted)
	"$PGBIN/pg_ctl" -D "$dd" -l server.log -w -o "-c shared_preload_libraries='$1'" start >/dev/null
	[ -z "${WARM:-}" ] ||
		"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -c "$CLIENTS" -j "$CLIENTS" -T "$WARM" -S -n bench >/dev/null 2>&1
}
stop() { "$PGBIN/pg_ctl" -D "$dd" -m fast -w stop >/dev/null; }
sql() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -qAtX -v ON_ERROR_STOP=1 -c "$1" bench; }

start readonly_guard
"$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" bench
sql "CREATE EXTENSION readonly_guard"
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -i -q -s "$SCALE" bench >init.log 2>&1
sql "VACUUM ANALYZE"
stop
WARM=$WARMUP

# run CONFIG-WORKLOAD ROUND [pgbench options]: append "config round tps"
run() {
	label=$1 round=$2; shift 2
	out=$("$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" "$@" bench 2>&1) ||
		{ echo "$out" >&2; exit 1; }
	tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -n 1)
	failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
	[ "${failed:-0}" = 0 ] || { echo "$label: $failed failed transactions" >&2; echo "$out" >&2; exit 1; }
	echo "$label $round $tps" >>results
	printf '  round %d  %-7s %10.1f tps\n' "$round" "$label" "$tps"
}
half_none() {
	start ""
	run none-S "$1" -S -n
	PGOPTIONS='-c default_transaction_read_only=on' run dtro-S "$1" -S -n
	run none-B "$1"
	stop
}
half_loaded() {
	start readonly_guard
	run off-S "$1" -S -n
	sql "SELECT rog_enable('throughput benchmark')" >/dev/null
	[ "$(sql 'SELECT enabled FROM rog_status()')" = t ] || { echo "rog_enable() did not take" >&2; exit 1; }
	run on-S "$1" -S -n
	sql "SELECT rog_disable()" >/dev/null
	run off-B "$1"
	stop
}

echo "pgbench: scale $SCALE, $CLIENTS clients, $CLIENTS threads, ${SECS}s per run, $ROUNDS rounds, 127.0.0.1"
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then half_none $r; half_loaded $r
	else half_loaded $r; half_none $r; fi
	r=$((r + 1))
done

echo
printf '%-7s %-40s %10s %12s\n' config "tps per round" "median" "median ratio"
for cfg in none-S off-S on-S dtro-S none-B off-B; do
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
			printf "%-7s %-40s %10.1f %12s\n", c, list, median(t, n), c == b ? "-" : sprintf("%.4f", median(q, m))
		}' results
done
