#!/bin/sh
# Latency of rog_enable() and rog_disable() (not a test; prints figures).
#
# A private cluster (initdb in a temp dir, its own port, max_connections =
# 600, shared_preload_libraries = readonly_guard).  With 0, 100 and 500 idle
# connections open (pgbench clients that sit in \sleep between statements:
# connected, no transaction, no writers), calls rog_enable() and rog_disable()
# TOGGLES times each, alternating, and prints the median and maximum of
#   server  the call itself, clock_timestamp() before and after it, taken
#           inside the server (a plpgsql wrapper that EXECUTEs the call)
#   client  the whole statement as psql \timing sees it: parse, the call,
#           commit and the round trip over the Unix socket
# Targets: rog_enable() < 50 ms with 500 idle connections, rog_disable() < 10 ms.
#
# Usage (as root or as postgres):  sh bench/toggle_latency.sh
#   TOGGLES=20 IDLE="0 100 500" PORT=55434 (defaults)
set -eu

. "$(dirname "$(readlink -f "$0")")/common.sh"
bench_as_postgres "$0" "$@"

TOGGLES=${TOGGLES:-20}
IDLE=${IDLE:-0 100 500}
PORT=${PORT:-55434}
bench_workdir rog_toggle
dd=$work/data
holder=
bench_cleanup_hook() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	bench_stop "$dd"
}
bench_initdb "$dd"
cat >>"$dd/postgresql.conf" <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work'
max_connections = 600
shared_preload_libraries = readonly_guard
EOF
"$PGBIN/pg_ctl" -D "$dd" -l server.log -w start >/dev/null
export PGHOST="$work" PGPORT="$PORT"
psql() { "$PGBIN/psql" -qAtX -v ON_ERROR_STOP=1 "$@"; }

psql -c "CREATE DATABASE bench" postgres
psql bench <<'EOF'
CREATE EXTENSION readonly_guard;
CREATE FUNCTION timed_ms(call text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE call;
	RETURN 1000 * extract(epoch FROM clock_timestamp() - t0);
END $$;
EOF
# the idle sessions' script: one statement, then a long client-side sleep
printf 'SELECT 1;\n\\sleep 3600 s\n' >idle.sql

client_backends() {
	psql -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'" bench
}

stats() {	# stats FILE -> "median max" of the numbers in FILE
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%8.2f %8.2f", m, v[NR] }'
}

echo "$("$PGBIN/postgres" --version); $TOGGLES toggles per level; times in ms"
printf '%6s  %-12s %17s %17s\n' idle call "server med/max" "client med/max"
for n in $IDLE; do
	if [ "$n" -gt 0 ]; then
		"$PGBIN/pgbench" -n -c "$n" -j 1 -T 7200 -f idle.sql bench >holder.log 2>&1 &
		holder=$!
		tries=0
		while [ "$(client_backends)" -lt $((n + 1)) ]; do
			tries=$((tries + 1))
			[ $tries -lt 600 ] || { echo "only $(client_backends) connections after 60 s" >&2; cat holder.log >&2; exit 1; }
			sleep 0.1
		done
		sleep 1	# let them all reach \sleep
	fi
	open=$(($(client_backends) - 1))
	# one session: \timing for the client figure, timed_ms() for the server one
	i=0
	{
		printf '%s\n' '\timing on'
		while [ $i -lt "$TOGGLES" ]; do
			echo "SELECT 'enable-server', timed_ms('SELECT rog_enable()');"
			echo "SELECT 'disable-server', timed_ms('SELECT rog_disable()');"
			echo "SELECT 'enable-client', rog_enable();"
			echo "SELECT 'disable-client', rog_disable();"
			i=$((i + 1))
		done
	} | psql -F ' ' bench >run.$n.log
	# server: "enable-server 1.23"; client: "enable-client <result>" then "Time: 1.23 ms"
	awk '$1 == "enable-server" { print $2 > "es" } $1 == "disable-server" { print $2 > "ds" }
		$1 ~ /-client$/ { c = $1 }
		$1 == "Time:" && c != "" { print $2 > (c == "enable-client" ? "ec" : "dc"); c = "" }' run.$n.log
	[ "$(wc -l <es)" = "$TOGGLES" ] && [ "$(wc -l <ec)" = "$TOGGLES" ] ||
		{ echo "could not read the timings:" >&2; cat run.$n.log >&2; exit 1; }
	printf '%6s  %-12s %17s %17s\n' "$open" "rog_enable" "$(stats es)" "$(stats ec)"
	printf '%6s  %-12s %17s %17s\n' "$open" "rog_disable" "$(stats ds)" "$(stats dc)"
	[ "$(psql -c 'SELECT enabled FROM rog_status()' bench)" = f ] || { echo "mode left on" >&2; exit 1; }
	if [ -n "$holder" ]; then
		kill "$holder"; wait "$holder" 2>/dev/null || true; holder=
		while [ "$(client_backends)" -gt 1 ]; do sleep 0.1; done
	fi
done
