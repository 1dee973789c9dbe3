--
-- 02_blocked: every statement class that writes fails with SQLSTATE 25006 in
-- read-only mode, for a superuser and for an ordinary role alike.
--
-- Each statement of the list is first run with the mode off and rolled back
-- again, to show that it is valid and would have changed something.
--
-- The home of the statement-class matrix, with 03_allowed.sql: a new
-- statement class, refused or allowed, goes into one of their two lists
-- (README "Adding a test").  test/guard.sql repeats one statement per class
-- as pgTAP assertions, the API contract; 11_bypass.sql and 16_promise.sql
-- are the attacks beyond the classes.
--
CREATE ROLE rog_spare;
CREATE SEQUENCE rog_seq_spare;
CREATE DATABASE rog_spare_db;

-- temporary tables whose rule and trigger write into a permanent table
CREATE TEMP TABLE rog_tmp_rule (id int);
CREATE RULE rog_tmp_rule_also AS ON INSERT TO rog_tmp_rule DO ALSO
    INSERT INTO rog_t VALUES (NEW.id, 'rule');
CREATE TEMP TABLE rog_tmp_trig (id int);
CREATE FUNCTION rog_trig_fn() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO rog_t VALUES (NEW.id, 'trigger'); RETURN NEW; END $$;
CREATE TRIGGER rog_tmp_trig_ins AFTER INSERT ON rog_tmp_trig
    FOR EACH ROW EXECUTE FUNCTION rog_trig_fn();
-- a temporary table whose default draws from a permanent sequence
CREATE TEMP TABLE rog_tmp_seqdef (id bigint DEFAULT nextval('rog_seq'));
GRANT ALL ON rog_tmp_rule, rog_tmp_trig, rog_tmp_seqdef TO rog_user;

-- prepared before read-only mode begins
PREPARE rog_prep_insert(int) AS INSERT INTO rog_t VALUES ($1, 'prepared');
PREPARE rog_prep_lock AS SELECT id FROM rog_t WHERE id = 1 FOR UPDATE;

CREATE TABLE rog_blocked_stmts (n int PRIMARY KEY, sql text NOT NULL);
GRANT SELECT ON rog_blocked_stmts TO rog_user;
INSERT INTO rog_blocked_stmts VALUES
-- DML, in every disguise
( 1, $$INSERT INTO rog_t VALUES (10, 'x')$$),
( 2, $$INSERT INTO rog_t VALUES (1, 'x') ON CONFLICT (id) DO NOTHING$$),
( 3, $$UPDATE rog_t SET v = 'x' WHERE id = 1$$),
( 4, $$UPDATE rog_t SET v = 'x' WHERE false$$),
( 5, $$DELETE FROM rog_t WHERE id = 3$$),
( 6, $$MERGE INTO rog_t t USING (VALUES (1, 'm'), (20, 'n')) s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)$$),
( 7, $$WITH w AS (INSERT INTO rog_t VALUES (11, 'cte') RETURNING id) SELECT * FROM w$$),
( 8, $$WITH w AS (DELETE FROM rog_u RETURNING id) SELECT count(*) FROM w$$),
( 9, $$WITH w AS (UPDATE rog_t SET v = v RETURNING id) SELECT count(*) FROM rog_t$$),
(10, $$INSERT INTO rog_rv VALUES (12, 'rule')$$),
(11, $$INSERT INTO rog_tmp_rule VALUES (13)$$),
(12, $$INSERT INTO rog_tmp_trig VALUES (14)$$),
(13, $$INSERT INTO rog_unlogged VALUES (2)$$),
(14, $$SELECT rog_sql_insert(15)$$),
(15, $$SELECT rog_plpgsql_insert(16)$$),
(16, $$SELECT rog_plpgsql_execute(1)$$),
(17, $$SELECT rog_definer_delete()$$),
(18, $q$DO $$ BEGIN INSERT INTO rog_t VALUES (17, 'do'); END $$$q$),
(19, $$EXECUTE rog_prep_insert(18)$$),
(20, $$EXPLAIN ANALYZE INSERT INTO rog_t VALUES (19, 'explain')$$),
(21, $$EXPLAIN (ANALYZE, COSTS OFF) DELETE FROM rog_t WHERE id = 3$$),
-- row locks
(22, $$SELECT * FROM rog_t FOR UPDATE$$),
(23, $$SELECT * FROM rog_t FOR NO KEY UPDATE$$),
(24, $$SELECT * FROM rog_t FOR SHARE$$),
(25, $$SELECT * FROM rog_t FOR KEY SHARE$$),
(26, $$SELECT t.id FROM rog_t t JOIN rog_u u USING (id) FOR UPDATE OF u$$),
(27, $$EXECUTE rog_prep_lock$$),
-- permanent sequences
(28, $$SELECT nextval('rog_seq')$$),
(29, $$SELECT setval('rog_seq', 100)$$),
(30, $$SELECT setval('rog_seq', 100, false)$$),
(31, $$INSERT INTO rog_tmp_seqdef DEFAULT VALUES$$),
(32, $$CREATE TEMP TABLE rog_tmp_nextval AS SELECT nextval('rog_seq') AS id$$),
(33, $$CREATE TEMP TABLE rog_tmp_func AS SELECT rog_sql_insert(21) AS id$$),
-- COPY FROM
(34, $$COPY rog_t FROM '/dev/null'$$),
-- DDL
(35, $$CREATE TABLE rog_new (a int)$$),
(36, $$CREATE UNLOGGED TABLE rog_new_unlogged (a int)$$),
(37, $$CREATE TABLE rog_new_as AS SELECT * FROM rog_t$$),
(38, $$CREATE VIEW rog_new_v AS SELECT 1 AS a$$),
(39, $$CREATE SEQUENCE rog_new_seq$$),
(40, $$CREATE SCHEMA rog_new_schema$$),
(41, $$CREATE FUNCTION rog_new_f() RETURNS int LANGUAGE sql AS 'SELECT 1'$$),
(42, $$CREATE TYPE rog_new_type AS (a int)$$),
(43, $$CREATE TRIGGER rog_new_trig AFTER INSERT ON rog_t FOR EACH ROW EXECUTE FUNCTION rog_trig_fn()$$),
(44, $$CREATE INDEX rog_new_idx ON rog_t (v)$$),
(45, $$CREATE INDEX CONCURRENTLY rog_new_idx2 ON rog_t (v)$$),
(46, $$ALTER TABLE rog_t ADD COLUMN extra int$$),
(47, $$ALTER TABLE rog_unlogged SET LOGGED$$),
(48, $$ALTER SEQUENCE rog_seq RESTART$$),
(49, $$ALTER VIEW rog_v RENAME TO rog_new_v2$$),
(50, $$ALTER FUNCTION rog_read(int) STABLE$$),
(51, $$DROP TABLE rog_unlogged$$),
(52, $$DROP VIEW rog_v$$),
(53, $$DROP SEQUENCE rog_seq_spare$$),
(54, $$DROP FUNCTION rog_read(int)$$),
(55, $$TRUNCATE rog_u$$),
(56, $$REFRESH MATERIALIZED VIEW rog_mv$$),
(57, $$COMMENT ON TABLE rog_t IS 'comment'$$),
(58, $$GRANT SELECT ON rog_t TO PUBLIC$$),
(59, $$REVOKE SELECT ON rog_t FROM rog_user$$),
(60, $$CREATE ROLE rog_new_role$$),
(61, $$ALTER ROLE rog_spare CONNECTION LIMIT 5$$),
(62, $$ALTER ROLE rog_spare SET work_mem = '8MB'$$),
(63, $$DROP ROLE rog_spare$$),
(64, $$CREATE DATABASE rog_new_db$$),
(65, $$ALTER DATABASE rog_spare_db CONNECTION LIMIT 5$$),
(66, $$ALTER DATABASE rog_spare_db SET work_mem = '8MB'$$),
(67, $$DROP DATABASE rog_spare_db$$),
(68, $$CREATE EXTENSION citext$$),
(69, $$ALTER EXTENSION readonly_guard ADD FUNCTION rog_read(int)$$),
(70, $$DROP EXTENSION readonly_guard$$),
-- maintenance
(71, $$VACUUM rog_t$$),
(72, $$VACUUM FULL rog_t$$),
(73, $$ANALYZE rog_t$$),
(74, $$CLUSTER rog_t USING rog_t_pkey$$),
(75, $$REINDEX TABLE rog_t$$),
(76, $$REINDEX INDEX rog_t_pkey$$),
(77, $$LOCK TABLE rog_t IN ACCESS EXCLUSIVE MODE$$),
(78, $$LOCK TABLE rog_t IN SHARE MODE$$),
-- large objects
(79, $$SELECT lo_create(0)$$),
(80, $$SELECT lo_create(434343)$$),
(81, $$SELECT lo_creat(-1)$$),
(82, $$SELECT lo_import('/etc/hosts')$$),
(83, $$SELECT lo_import('/etc/hosts', 434344)$$),
(84, $$SELECT lo_unlink(424242)$$),
(85, $$SELECT lo_put(424242, 0, 'x')$$),
(86, $$SELECT lowrite(lo_open(424242, 131072), 'x')$$),
(87, $$SELECT lo_truncate(lo_open(424242, 131072), 5)$$),
(88, $$SELECT lo_truncate64(lo_open(424242, 131072), 5)$$),
(89, $$SELECT lo_from_bytea(0, 'x')$$),
(90, $$SELECT lo_from_bytea(434345, 'x')$$),
-- EXPLAIN ANALYZE runs the CREATE TABLE AS
(91, $$EXPLAIN ANALYZE CREATE TABLE rog_new_explain AS SELECT 1 AS a$$);

-- with the mode off, every statement is valid (some cannot run in a
-- function or transaction block, which the error says)
SELECT n, sql, rog_try(sql, true) AS mode_off FROM rog_blocked_stmts ORDER BY n;

-- (sequence changes are not rolled back: remember where rog_seq stands)
SELECT last_value AS rog_seq_before FROM rog_seq \gset

SELECT rog_enable('maintenance window') IS NOT NULL AS enabled;
SELECT enabled, source, reason, enabled_by = current_user AS by_me,
       enabled_at <= now() AS at_ok, lsn IS NOT NULL AS has_lsn
  FROM rog_status();

-- the error in full: PostgreSQL's own message, a detail that names
-- readonly_guard, since when, by whom and why, and a hint
SELECT rog_try('INSERT INTO rog_t VALUES (10, ''x'')');
SELECT split_part(rog_try('INSERT INTO rog_t VALUES (10, ''x'')'), ' | ', 3) AS detail \gset std_
SELECT split_part(rog_try('INSERT INTO rog_t VALUES (10, ''x'')'), ' | ', 4) AS hint \gset std_

-- a superuser is refused; detail_hint says "as above" where the detail and
-- hint are the ones shown above
SELECT n, a[1] AS sqlstate, a[2] AS message,
       CASE array_to_string(a[3:], ' | ')
           WHEN :'std_detail' || ' | ' || :'std_hint' THEN 'as above'
           WHEN '' THEN '(none)'
           ELSE array_to_string(a[3:], ' | ')
       END AS detail_hint
  FROM rog_blocked_stmts, string_to_array(rog_try(sql, true), ' | ') AS a
 ORDER BY n;

-- and so is an ordinary role (which has the privileges for the DML)
SET ROLE rog_user;
SELECT n, a[1] AS sqlstate, a[2] AS message,
       CASE array_to_string(a[3:], ' | ')
           WHEN :'std_detail' || ' | ' || :'std_hint' THEN 'as above'
           WHEN '' THEN '(none)'
           ELSE array_to_string(a[3:], ' | ')
       END AS detail_hint
  FROM rog_blocked_stmts, string_to_array(rog_try(sql, true), ' | ') AS a
 ORDER BY n;
RESET ROLE;

-- PostgreSQL 15: the mode argument of lo_open() is not visible before the
-- call, so opening for writing succeeds, and every write through the
-- descriptor is refused; PostgreSQL 16 and later refuse the open itself
-- (core's check, with the guard's detail)
SELECT CASE WHEN current_setting('server_version_num')::int < 160000 THEN r = 'ok'
            ELSE r LIKE '25006 | cannot execute lo_open(INV_WRITE) in a read-only transaction | The cluster is in read-only mode of readonly_guard since %'
       END AS open_as_core_does,
       rog_try('SELECT lowrite(lo_open(424242, 393216), ''x'')') LIKE '25006 |%' AS write_refused
  FROM rog_try('SELECT lo_open(424242, 131072)') AS r;
SET ROLE rog_user;
SELECT CASE WHEN current_setting('server_version_num')::int < 160000 THEN r = 'ok'
            ELSE r LIKE '25006 | cannot execute lo_open(INV_WRITE) in a read-only transaction | The cluster is in read-only mode of readonly_guard since %'
       END AS open_as_core_does,
       rog_try('SELECT lowrite(lo_open(424242, 393216), ''x'')') LIKE '25006 |%' AS write_refused
  FROM rog_try('SELECT lo_open(424242, 131072)') AS r;
RESET ROLE;

-- the same at top level, where the statements that cannot run inside a
-- function or transaction block run for real; the detail holds a timestamp,
-- so only the SQLSTATE is shown
\set VERBOSITY sqlstate
INSERT INTO rog_t VALUES (30, 'top');
UPDATE rog_t SET v = 'top';
DELETE FROM rog_t;
MERGE INTO rog_t t USING rog_u u ON t.id = u.id WHEN MATCHED THEN DELETE;
INSERT INTO rog_tmp_trig VALUES (31);
EXECUTE rog_prep_insert(32);
EXECUTE rog_prep_lock;
CALL rog_proc_commit();
SELECT * FROM rog_t FOR UPDATE;
SELECT nextval('rog_seq');
\copy rog_t FROM '/dev/null'
COPY (INSERT INTO rog_t VALUES (33, 'copy') RETURNING id) TO STDOUT;
SELECT * INTO rog_new_into FROM rog_t;
CREATE TABLE rog_new (a int);
TRUNCATE rog_t CASCADE;
DROP EXTENSION readonly_guard;
VACUUM;
VACUUM rog_t;
VACUUM (ANALYZE) rog_t;
ANALYZE;
CLUSTER;
REINDEX TABLE CONCURRENTLY rog_t;
CREATE INDEX CONCURRENTLY rog_new_idx2 ON rog_t (v);
CREATE DATABASE rog_new_db;
DROP DATABASE rog_spare_db;
BEGIN;
DECLARE rog_c CURSOR FOR SELECT * FROM rog_t FOR UPDATE;
ROLLBACK;
-- psql's \lo_import uses the fast-path function call protocol
\lo_import Makefile
\lo_unlink 424242

SET ROLE rog_user;
INSERT INTO rog_t VALUES (30, 'top');
UPDATE rog_t SET v = 'top';
DELETE FROM rog_t;
MERGE INTO rog_t t USING rog_u u ON t.id = u.id WHEN MATCHED THEN DELETE;
INSERT INTO rog_tmp_trig VALUES (31);
EXECUTE rog_prep_insert(32);
CALL rog_proc_commit();
SELECT * FROM rog_t FOR SHARE;
SELECT nextval('rog_seq');
\copy rog_t FROM '/dev/null'
SELECT * INTO rog_new_into FROM rog_t;
CREATE TABLE rog_new (a int);
VACUUM rog_t;
CREATE INDEX CONCURRENTLY rog_new_idx2 ON rog_t (v);
CREATE DATABASE rog_new_db;
\lo_import Makefile
\lo_unlink 424242
RESET ROLE;
\set VERBOSITY default

-- lowrite() on a descriptor opened for writing before the mode began
SELECT rog_disable();
BEGIN;
SELECT lo_open(424242, 131072) AS fd \gset
SELECT rog_enable('maintenance window') IS NOT NULL AS enabled;
SELECT rog_try(format('SELECT lowrite(%s, %L)', :fd, 'x'));
SELECT rog_try(format('SELECT lo_truncate(%s, 0)', :fd));
SELECT loread(:fd, 5);
ROLLBACK;
-- rolling back does not undo rog_enable()
SELECT enabled FROM rog_status();

-- nothing changed
SELECT * FROM rog_t ORDER BY id;
SELECT * FROM rog_u ORDER BY id;
SELECT * FROM rog_unlogged;
SELECT last_value = :rog_seq_before AS seq_unchanged FROM rog_seq;
SELECT * FROM rog_mv ORDER BY id;
SELECT convert_from(lo_get(424242), 'UTF8') AS lo;
SELECT count(*) AS large_objects FROM pg_largeobject_metadata;
SELECT count(*) AS new_relations FROM pg_class WHERE relname LIKE 'rog_new%';
SELECT count(*) AS new_roles FROM pg_roles WHERE rolname LIKE 'rog_new%';
SELECT count(*) AS new_databases FROM pg_database WHERE datname LIKE 'rog_new%';
SELECT obj_description('rog_t'::regclass, 'pg_class') AS comment;
SELECT extname FROM pg_extension ORDER BY extname;
SELECT count(*) AS temp_rows FROM rog_tmp_trig;

-- clean up
SELECT rog_disable();
DROP TABLE rog_blocked_stmts;
DROP TABLE rog_tmp_rule, rog_tmp_trig, rog_tmp_seqdef;
DROP FUNCTION rog_trig_fn();
DEALLOCATE rog_prep_insert;
DEALLOCATE rog_prep_lock;
DROP DATABASE rog_spare_db;
DROP ROLE rog_spare;
DROP SEQUENCE rog_seq_spare;
