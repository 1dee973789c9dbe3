#!/bin/sh
# Stress test for the drain guarantee (not a timed test; prints numbers).
#
# pgbench write load on 4 clients, and 3 writers whose statements are in
# flight when the mode comes (INSERT ... SELECT, COPY FROM STDIN, CREATE
# INDEX CONCURRENTLY), while another client toggles read-only mode TOGGLES
# times (default 200).  With track_commit_timestamp = on, it
# then checks every row version in the pgbench tables: none may have
# committed between a rog_enable() return and the next rog_disable() call.
#
# Run as the postgres OS user against a throwaway cluster with the settings
# of test-server.conf (track_commit_timestamp among them), e.g.:
#   pg_virtualenv $(sh tools/server-conf.sh) bench/stress_toggle.sh
# It prints toggles, rows checked and violations; it exits 1 on violations.
set -eu
TOGGLES=${TOGGLES:-200}
db=rog_stress
work=$(mktemp -d)
trap 'touch "$work/stop"; wait 2>/dev/null; rm -rf "$work"' EXIT

psql -qX -c "DROP DATABASE IF EXISTS $db" postgres >/dev/null
psql -qX -c "CREATE DATABASE $db" postgres
psql -qX -c "CREATE EXTENSION readonly_guard" $db
[ "$(psql -AtX -c 'SHOW track_commit_timestamp' $db)" = on ] || {
	echo "track_commit_timestamp must be on" >&2; exit 2; }
pgbench -q -i -s 1 $db >/dev/null 2>&1

# four writers; pgbench ends a client on an error, so each loop restarts it
for c in 1 2 3 4; do
	( while [ ! -e "$work/stop" ]; do
		pgbench -n -c 1 -T 1 $db >/dev/null 2>&1 || true
	  done ) &
done
# and three whose statements are in flight without an XID before they
# write (issue #14): a slow INSERT ... SELECT, a COPY whose data comes late,
# a CREATE INDEX CONCURRENTLY (its index rows count through pg_class)
psql -qX -c "CREATE TABLE inflight (id int, at timestamptz DEFAULT clock_timestamp())" $db
( while [ ! -e "$work/stop" ]; do
	psql -qX -c "INSERT INTO inflight (id) SELECT 1 FROM pg_sleep(0.05)" $db >/dev/null 2>&1 || true
  done ) &
( while [ ! -e "$work/stop" ]; do
	printf '2\n' | (sleep 0.05; cat) |
		psql -qX -c "COPY inflight (id) FROM STDIN" $db >/dev/null 2>&1 || true
  done ) &
( while [ ! -e "$work/stop" ]; do
	psql -qX -c "CREATE INDEX CONCURRENTLY IF NOT EXISTS inflight_idx ON inflight (id)" \
		-c "DROP INDEX CONCURRENTLY IF EXISTS inflight_idx" $db >/dev/null 2>&1 || true
  done ) &
sleep 1

i=0
while [ $i -lt "$TOGGLES" ]; do
	# window opens when rog_enable() has returned...
	psql -AtX -c "SELECT rog_enable('stress', drain_timeout => '200ms')" \
		-c "SELECT clock_timestamp()" $db | tail -n 1 >"$work/on"
	sleep 0.02
	# ...and closes just before rog_disable() is called
	psql -AtX -c "SELECT clock_timestamp()" -c "SELECT rog_disable()" $db \
		| head -n 1 >"$work/off"
	echo "$(cat "$work/on")|$(cat "$work/off")" >>"$work/windows"
	sleep 0.02
	i=$((i + 1))
done
touch "$work/stop"
wait

psql -qX -v ON_ERROR_STOP=1 $db <<SQL | tee "$work/result"
CREATE TEMP TABLE windows (opened timestamptz, closed timestamptz);
\copy windows FROM '$work/windows' WITH (DELIMITER '|')
CREATE TEMP TABLE commits AS
    SELECT pg_xact_commit_timestamp(xmin) AS ts FROM pgbench_history
    UNION ALL SELECT pg_xact_commit_timestamp(xmin) FROM pgbench_accounts
    UNION ALL SELECT pg_xact_commit_timestamp(xmin) FROM pgbench_tellers
    UNION ALL SELECT pg_xact_commit_timestamp(xmin) FROM pgbench_branches
    UNION ALL SELECT pg_xact_commit_timestamp(xmin) FROM inflight
    UNION ALL SELECT pg_xact_commit_timestamp(xmin) FROM pg_class
              WHERE relname = 'inflight_idx';
SELECT (SELECT count(*) FROM windows) AS toggles,
       (SELECT count(*) FROM commits WHERE ts IS NOT NULL) AS rows_checked,
       (SELECT count(*) FROM commits c JOIN windows w
          ON c.ts > w.opened AND c.ts < w.closed) AS violations
\gset
\echo toggles: :toggles
\echo rows checked: :rows_checked
\echo violations: :violations
SQL
grep -qx 'violations: 0' "$work/result"
