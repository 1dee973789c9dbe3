#!/bin/sh
# Instruction count on a hot standby (not a test; prints figures).
#
# On a server that started in recovery the guard cannot go quiet (see
# README, "Limits and decisions"): every statement asks whether the server
# was promoted.  This measures what that costs.  A primary and a streaming
# standby (pg_basebackup -R) in a temp dir; the standby runs under
# valgrind --tool=callgrind, once without the library ("none") and once with
# shared_preload_libraries=readonly_guard and the mode off ("off").  In
# each, two psql sessions send N1 and N2 primary-key SELECTs; for their
# backends (Ir(N2) - Ir(N1)) / (N2 - N1) is the cost per statement, and
# "lib" the part spent in readonly_guard's own code.
#
# Usage (as root or as postgres):  sh bench/standby.sh
#   N1=2000 N2=4000 PORT=55443 (and PORT+1) (defaults); ~3 min;
#   KEEP=/some/dir keeps the callgrind profiles (CONFIG.PID.cg) and the
#   sessions' backend PIDs (CONFIG.N.pid) there, for callgrind_annotate.
set -eu

. "$(dirname "$(readlink -f "$0")")/common.sh"
bench_as_postgres "$0" "$@"

N1=${N1:-2000}
N2=${N2:-4000}
PORT=${PORT:-55443}
SPORT=$((PORT + 1))
bench_workdir rog_standby
bench_cleanup_hook() {
	bench_stop "$work/standby" "$work/primary"
	[ -z "${KEEP:-}" ] || cp "$work"/*.cg "$work"/*.pid "$KEEP"/ 2>/dev/null || true
}

bench_initdb "$work/primary"
cat >>"$work/primary/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work'
wal_level = replica
max_wal_senders = 4
hot_standby = on
CONF
"$PGBIN/pg_ctl" -D "$work/primary" -l primary.log -w start >/dev/null
"$PGBIN/psql" -h "$work" -p "$PORT" -qAtX -v ON_ERROR_STOP=1 postgres >/dev/null <<'SQL'
CREATE TABLE accounts (aid int PRIMARY KEY, abalance int NOT NULL, filler char(84));
INSERT INTO accounts SELECT g, 0, '' FROM generate_series(1, 100000) g;
VACUUM ANALYZE accounts;
CHECKPOINT;
SQL
"$PGBIN/pg_basebackup" -h "$work" -p "$PORT" -D "$work/standby" -R -X stream >basebackup.log 2>&1
echo "port = $SPORT" >>"$work/standby/postgresql.conf"

for n in $N1 $N2; do
	awk -v n="$n" 'BEGIN { print "SELECT pg_backend_pid();";
		for (i = 0; i < n; i++) print "SELECT abalance FROM accounts WHERE aid = 1;" }' >select.$n.sql
done

# profile CONFIG LIBRARIES: the standby under callgrind, one session per N
profile() {
	cfg=$1 libs=$2
	valgrind --tool=callgrind --callgrind-out-file="$work/$cfg.%p.cg" \
		"$PGBIN/postgres" -D "$work/standby" -c shared_preload_libraries="$libs" \
		>"$cfg.server.log" 2>&1 &
	i=0
	until "$PGBIN/pg_isready" -q -h "$work" -p "$SPORT"; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "$cfg: the standby did not start" >&2; tail "$cfg.server.log" >&2; exit 1; }
		sleep 0.5
	done
	[ "$("$PGBIN/psql" -h "$work" -p "$SPORT" -qAtX -c 'SELECT pg_is_in_recovery()' postgres)" = t ] ||
		{ echo "$cfg: not in recovery" >&2; exit 1; }
	[ "$("$PGBIN/psql" -h "$work" -p "$SPORT" -qAtX -c 'SHOW shared_preload_libraries' postgres)" = "$libs" ] ||
		{ echo "$cfg: libraries differ" >&2; exit 1; }
	for n in $N1 $N2; do
		"$PGBIN/psql" -h "$work" -p "$SPORT" -qAtX -v ON_ERROR_STOP=1 -f select.$n.sql postgres \
			>"$cfg.$n.out"
		[ "$(wc -l <"$cfg.$n.out")" = $((n + 1)) ] || { echo "$cfg: $n statements did not all run" >&2; exit 1; }
		head -n 1 "$cfg.$n.out" >"$cfg.$n.pid"
	done
	"$PGBIN/pg_ctl" -D "$work/standby" -m fast -w -t 300 stop >/dev/null
	wait
}

total() { sed -n 's/^totals: *//p' "$1"; }
lib_ir() {
	callgrind_annotate --inclusive=no --threshold=100 --auto=no "$1" 2>/dev/null |
		awk '/readonly_guard\.so\]/ || /:(rog_|_PG_init|Pg_magic_func)/ { ir = $1; gsub(",", "", ir); s += ir }
			END { printf "%d", s }'
}
# per_stmt CONFIG FUNCTION: (f(N2 backend) - f(N1 backend)) / (N2 - N1)
per_stmt() {
	a=$($2 "$work/$1.$(cat "$1.$N1.pid").cg")
	b=$($2 "$work/$1.$(cat "$1.$N2.pid").cg")
	awk -v a="$a" -v b="$b" -v d=$((N2 - N1)) 'BEGIN { printf "%.1f", (b - a) / d }'
}

echo "readonly_guard on a hot standby: callgrind, N = $N1 and $N2 SELECTs per session, mode off"
echo "$("$PGBIN/postgres" --version)"
profile none ""
profile off readonly_guard
none=$(per_stmt none total)
off=$(per_stmt off total)
lib=$(per_stmt off lib_ir)
printf '\n%-8s %12s %10s %10s\n' config "Ir/stmt" added "lib Ir"
printf '%-8s %12s %10s %10s\n' none "$none" - -
awk -v v="$off" -v b="$none" -v l="$lib" 'BEGIN { printf "%-8s %12.1f %+10.1f %10s\n", "off", v, v - b, l }'
echo "(backend processes only; the same SELECT costs ~38 Ir more on a primary, see instructions.sh)"
