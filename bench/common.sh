# Shared set-up of the benchmark scripts (sourced, not run).
#
#   bench_as_postgres SCRIPT ARGS...   re-run SCRIPT as the postgres OS user
#                                      when called as root (initdb refuses root),
#                                      making $KEEP, if set, writable for it
#   bench_workdir PREFIX               make a temp dir, cd into it, and remove
#                                      it (after bench_cleanup_hook) on exit
#   bench_single_user_clusters N1 N2   in the work dir: data directories
#                                      "plain" (never sees the extension) and
#                                      "rog" (CREATE EXTENSION done), a
#                                      100,000-row accounts table in both, and
#                                      the workloads select.N.sql and
#                                      insert.N.sql for N = N1, N2
#   single DATADIR [options] < SQL     postgres --single on DATADIR
#   bench_initdb DATADIR               initdb for a server cluster
#   bench_stop DATADIR...              stop those servers now, if running
#                                      (for bench_cleanup_hook)
#
# PGBIN names the server binaries (default: those of the version
# tools/pg-version.sh prints, or of $ROG_PG).

PGBIN=${PGBIN:-/usr/lib/postgresql/$(sh "$(dirname "$(readlink -f "$0")")/../tools/pg-version.sh")/bin}

bench_as_postgres() {
	if [ "$(id -u)" = 0 ]; then
		if [ -n "${KEEP:-}" ]; then
			mkdir -p "$KEEP"
			chown postgres "$KEEP"
		fi
		script=$(readlink -f "$1")
		shift
		cd /tmp
		exec runuser -u postgres -- sh "$script" "$@"
	fi
}

bench_cleanup_hook() { :; }	# scripts redefine it to stop their server

bench_workdir() {
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	trap 'bench_cleanup_hook; rm -rf "$work"' EXIT INT TERM
	cd "$work"
}

single() {
	dd=$1
	shift
	"$PGBIN/postgres" --single -D "$dd" "$@" postgres
}

bench_stop() {
	for dd in "$@"; do
		"$PGBIN/pg_ctl" -D "$dd" -m immediate stop >/dev/null 2>&1 || true
	done
}

bench_initdb() {
	"$PGBIN/initdb" -D "$1" -A trust -E UTF8 --no-locale -N >"$work/initdb.$(basename "$1").log" 2>&1
}

bench_single_user_clusters() {
	for dd in plain rog; do
		bench_initdb "$dd"
	done
	cat >setup.sql <<'SQL'
CREATE TABLE accounts (aid int PRIMARY KEY, abalance int NOT NULL, filler char(84))
INSERT INTO accounts SELECT g, 0, '' FROM generate_series(1, 100000) g
VACUUM ANALYZE accounts
SQL
	single plain <setup.sql >/dev/null 2>setup.plain.log
	{ cat setup.sql; echo "CREATE EXTENSION readonly_guard"; } |
		single rog -c shared_preload_libraries=readonly_guard >/dev/null 2>setup.rog.log

	for n in "$@"; do
		awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) print "SELECT abalance FROM accounts WHERE aid = 1" }' >select.$n.sql
		awk -v n="$n" 'BEGIN { print "CREATE TEMP TABLE tmp (a int, b text)";
			for (i = 0; i < n; i++) print "INSERT INTO tmp VALUES (1, '\''x'\'')" }' >insert.$n.sql
	done
}
