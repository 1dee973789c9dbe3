--
-- 03_allowed: what keeps working in read-only mode, for a superuser and for an
-- ordinary role: reads, harmless volatile functions, session state, locks
-- that do not block readers, large-object reads, and temporary objects.
--
-- With 02_blocked.sql, the home of the statement-class matrix (see there).
--
CREATE TABLE rog_allowed_stmts (n int PRIMARY KEY, sql text NOT NULL, superuser_only boolean NOT NULL DEFAULT false);
GRANT SELECT ON rog_allowed_stmts TO rog_user;
INSERT INTO rog_allowed_stmts VALUES
( 1, $$SELECT * FROM rog_t$$, false),
( 2, $$SELECT t.id, u.w FROM rog_t t JOIN rog_u u USING (id)$$, false),
( 3, $$SELECT * FROM rog_v$$, false),
( 4, $$SELECT * FROM rog_mv$$, false),
( 5, $$SELECT rog_read(1)$$, false),
( 6, $$SELECT last_value FROM rog_seq$$, false),
( 7, $$SELECT random()$$, false),
( 8, $$SELECT now(), clock_timestamp()$$, false),
( 9, $$SELECT pg_is_in_recovery()$$, false),
(10, $$SELECT pg_current_wal_lsn()$$, false),
(11, $$SELECT pg_current_wal_insert_lsn()$$, false),
(12, $$SELECT pg_database_size(current_database())$$, false),
(13, $$SELECT pg_notify('rog_channel', 'payload')$$, false),
(14, $$SELECT pg_reload_conf()$$, true),
(15, $$COPY rog_t TO '/dev/null'$$, true),
(16, $$COPY (SELECT * FROM rog_v) TO '/dev/null'$$, true),
(17, $$EXPLAIN INSERT INTO rog_t VALUES (10, 'x')$$, false),
(18, $$EXPLAIN (COSTS OFF) UPDATE rog_t SET v = 'x'$$, false),
(19, $$EXPLAIN DELETE FROM rog_t$$, false),
(20, $$EXPLAIN SELECT * FROM rog_t FOR UPDATE$$, false),
(21, $$EXPLAIN CREATE TABLE rog_new_as AS SELECT * FROM rog_t$$, false),
(22, $$SHOW work_mem$$, false),
(23, $$SET work_mem = '8MB'$$, false),
(24, $$SET LOCAL statement_timeout = '1min'$$, false),
(25, $$RESET work_mem$$, false),
(26, $$SELECT set_config('application_name', 'rog', true)$$, false),
(27, $$LISTEN rog_channel$$, false),
(28, $$NOTIFY rog_channel, 'payload'$$, false),
(29, $$UNLISTEN *$$, false),
(30, $$SELECT pg_advisory_lock(1), pg_advisory_unlock(1)$$, false),
(31, $$SELECT pg_advisory_xact_lock(2)$$, false),
(32, $$SELECT pg_try_advisory_lock_shared(3), pg_advisory_unlock_shared(3)$$, false),
(33, $$LOCK TABLE rog_t IN ACCESS SHARE MODE$$, false),
(34, $$LOCK TABLE rog_t IN ROW SHARE MODE$$, false),
(35, $$LOCK TABLE rog_t IN ROW EXCLUSIVE MODE$$, false),
(36, $$SELECT lo_get(424242)$$, false),
(37, $$SELECT lo_get(424242, 6, 5)$$, false),
(38, $$SELECT loread(lo_open(424242, 262144), 5)$$, false),
(39, $q$DO $$ BEGIN PERFORM count(*) FROM rog_t; END $$$q$, false),
(40, $$SELECT * FROM rog_status()$$, false),
(41, $$CHECKPOINT$$, true),
(42, $$SELECT pg_sleep(0)$$, false);

SELECT rog_enable('allowed') IS NOT NULL AS enabled;

SELECT n, sql, rog_try(sql) AS superuser FROM rog_allowed_stmts ORDER BY n;
SET ROLE rog_user;
SELECT n, sql, rog_try(sql) AS rog_user FROM rog_allowed_stmts WHERE NOT superuser_only ORDER BY n;
RESET ROLE;

-- the results are real
SELECT t.id, t.v, u.w FROM rog_t t LEFT JOIN rog_u u USING (id) ORDER BY t.id;
SELECT * FROM rog_v ORDER BY id;
SELECT rog_read(2);
SELECT random() BETWEEN 0 AND 1 AS random_ok, now() <= clock_timestamp() AS now_ok;
SELECT pg_is_in_recovery(), pg_current_wal_lsn() > '0/0' AS lsn_ok,
       pg_database_size(current_database()) > 0 AS size_ok;
SELECT pg_notify('rog_channel', 'payload');
SELECT pg_reload_conf();
EXPLAIN (COSTS OFF) INSERT INTO rog_t VALUES (10, 'x');
EXPLAIN (COSTS OFF) SELECT * FROM rog_t WHERE id = 1 FOR UPDATE;
COPY rog_t TO STDOUT;
COPY (SELECT id, w FROM rog_u ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER);
\copy rog_t TO '/dev/null'
SELECT convert_from(lo_get(424242), 'UTF8') AS lo_get;
BEGIN;
SELECT convert_from(loread(lo_open(424242, 262144), 5), 'UTF8') AS loread;
COMMIT;
\lo_export 424242 /dev/null
SELECT pg_advisory_lock(42);
SELECT count(*) AS advisory_locks FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
SELECT pg_advisory_unlock(42);
-- LISTEN and NOTIFY (not both at once: the notice would show a PID)
LISTEN rog_channel;
UNLISTEN rog_channel;
NOTIFY rog_channel, 'hello';

-- settings other than readonly_guard.*
SET work_mem = '8MB';
SHOW work_mem;
RESET work_mem;
SET search_path = public, pg_temp;
RESET search_path;

-- transactions: BEGIN READ ONLY, savepoints, cursors, prepared statements
BEGIN READ ONLY;
SELECT count(*) FROM rog_t;
COMMIT;
BEGIN;
SAVEPOINT s1;
SELECT 1 / 0;
ROLLBACK TO SAVEPOINT s1;
SELECT count(*) FROM rog_t;
RELEASE SAVEPOINT s1;
DECLARE rog_cur CURSOR FOR SELECT id, v FROM rog_t ORDER BY id;
FETCH 2 FROM rog_cur;
FETCH NEXT FROM rog_cur;
CLOSE rog_cur;
DECLARE rog_hold CURSOR WITH HOLD FOR SELECT id FROM rog_t ORDER BY id;
COMMIT;
FETCH ALL FROM rog_hold;
CLOSE rog_hold;
PREPARE rog_sel(int) AS SELECT v FROM rog_t WHERE id = $1;
EXECUTE rog_sel(1);
DEALLOCATE rog_sel;
-- a temporary table written through a prepared statement
CREATE TEMP TABLE rog_tmp_prep (id int);
PREPARE rog_tmp_ins(int) AS INSERT INTO rog_tmp_prep VALUES ($1);
EXECUTE rog_tmp_ins(1);
DEALLOCATE rog_tmp_ins;
DROP TABLE rog_tmp_prep;

-- CHECKPOINT and ALTER SYSTEM (including readonly_guard.enabled)
CHECKPOINT;
ALTER SYSTEM SET work_mem = '8MB';
ALTER SYSTEM SET readonly_guard.enabled = off;
SELECT name, setting FROM pg_file_settings
 WHERE sourcefile LIKE '%postgresql.auto.conf' ORDER BY name;
ALTER SYSTEM RESET work_mem;
ALTER SYSTEM RESET readonly_guard.enabled;
SELECT count(*) AS auto_conf_settings FROM pg_file_settings
 WHERE sourcefile LIKE '%postgresql.auto.conf';

-- temporary objects, as the superuser
CREATE TEMP TABLE rog_tmp (id serial PRIMARY KEY, v text, n int GENERATED ALWAYS AS IDENTITY);
INSERT INTO rog_tmp (v) VALUES ('a'), ('b'), ('c') RETURNING *;
UPDATE rog_tmp SET v = upper(v) WHERE id = 1;
DELETE FROM rog_tmp WHERE id = 2;
MERGE INTO rog_tmp t USING (VALUES (3, 'merged'), (9, 'new')) s(id, v) ON t.id = s.id
  WHEN MATCHED THEN UPDATE SET v = s.v
  WHEN NOT MATCHED THEN INSERT (v) VALUES (s.v);
INSERT INTO rog_tmp (v) SELECT v FROM rog_t WHERE id = 1;
WITH w AS (INSERT INTO rog_tmp (v) VALUES ('cte') RETURNING v) SELECT * FROM w;
COPY rog_tmp (v) FROM STDIN;
copied
\.
SELECT * FROM rog_tmp ORDER BY id;
SELECT id FROM rog_tmp WHERE id = 1 FOR UPDATE;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) INSERT INTO rog_tmp (v) VALUES ('explained');
CREATE INDEX rog_tmp_v_idx ON rog_tmp (v);
ALTER TABLE rog_tmp ADD COLUMN w int;
CREATE TEMP SEQUENCE rog_tmp_seq;
SELECT nextval('rog_tmp_seq'), setval('rog_tmp_seq', 10), nextval('rog_tmp_seq');
ALTER SEQUENCE rog_tmp_seq RESTART;
CREATE TEMP TABLE rog_tmp_as AS SELECT id, v FROM rog_t;
SELECT * INTO TEMP rog_tmp_into FROM rog_t WHERE id < 3;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) CREATE TEMP TABLE rog_tmp_explain AS SELECT 1 AS a;
CREATE TABLE pg_temp.rog_tmp_schema (a int);
CREATE TEMP VIEW rog_tmp_v AS SELECT t.id, t.v, p.v AS pv FROM rog_tmp t JOIN rog_t p USING (id);
SELECT * FROM rog_tmp_v ORDER BY id;
TRUNCATE rog_tmp_as;
BEGIN;
LOCK TABLE rog_tmp IN ACCESS EXCLUSIVE MODE;
CREATE TEMP TABLE rog_tmp_oncommit (a int) ON COMMIT DROP;
INSERT INTO rog_tmp_oncommit VALUES (1);
COMMIT;
SELECT count(*) AS rog_tmp_rows, (SELECT count(*) FROM rog_tmp_into) AS into_rows,
       (SELECT count(*) FROM rog_tmp_as) AS as_rows FROM rog_tmp;
DROP VIEW rog_tmp_v;
DROP INDEX rog_tmp_v_idx;
DROP TABLE rog_tmp, rog_tmp_as, rog_tmp_into, rog_tmp_explain, rog_tmp_schema;
DROP SEQUENCE rog_tmp_seq;

-- temporary objects, as an ordinary role
SET ROLE rog_user;
CREATE TEMP TABLE rog_tmp_user (id int GENERATED ALWAYS AS IDENTITY, v text);
INSERT INTO rog_tmp_user (v) VALUES ('x'), ('y');
UPDATE rog_tmp_user SET v = v || '!' WHERE id = 1;
DELETE FROM rog_tmp_user WHERE id = 2;
COPY rog_tmp_user (v) FROM STDIN;
from user
\.
SELECT * FROM rog_tmp_user ORDER BY id;
CREATE INDEX ON rog_tmp_user (v);
CREATE TEMP SEQUENCE rog_tmp_user_seq;
SELECT nextval('rog_tmp_user_seq');
CREATE TEMP TABLE rog_tmp_user_as AS SELECT * FROM rog_v;
SELECT count(*) FROM rog_tmp_user_as;
SELECT pg_advisory_lock(43), pg_advisory_unlock(43);
BEGIN READ ONLY;
SELECT count(*) FROM rog_t;
COMMIT;
DROP TABLE rog_tmp_user, rog_tmp_user_as;
DROP SEQUENCE rog_tmp_user_seq;
RESET ROLE;

-- rog_status() is for everyone
SET ROLE rog_user;
SELECT enabled, source, reason, enabled_by = session_user AS by_superuser FROM rog_status();
RESET ROLE;

-- a session that ends while the mode is on drops its temporary objects
CREATE TEMP TABLE rog_tmp_exit (id int);
INSERT INTO rog_tmp_exit VALUES (1);
SELECT pg_backend_pid() AS rog_old_pid \gset
\c
SET rog.old_pid = :rog_old_pid;
DO $$
BEGIN
    FOR i IN 1 .. 600 LOOP
        EXIT WHEN NOT EXISTS (SELECT FROM pg_stat_activity
                               WHERE pid = current_setting('rog.old_pid')::int);
        PERFORM pg_sleep(0.05);
    END LOOP;
END
$$;
RESET rog.old_pid;
SELECT count(*) AS leftover_temp_tables FROM pg_class WHERE relname = 'rog_tmp_exit';

SELECT rog_disable();
-- drop what a failed exit cleanup may have left behind
DO $$
DECLARE
    r regclass;
BEGIN
    FOR r IN SELECT oid FROM pg_class WHERE relname = 'rog_tmp_exit' LOOP
        EXECUTE format('DROP TABLE %s', r);
    END LOOP;
END
$$;
DROP TABLE rog_allowed_stmts;
