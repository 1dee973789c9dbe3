-- pgTAP: what read-only mode refuses (SQLSTATE 25006) and what keeps working.
--
-- A digest of the statement-class matrix, whose home is sql/02_blocked.sql
-- and sql/03_allowed.sql (every statement, as a superuser and as an ordinary
-- role, with the whole error checked): here one throws_ok/lives_ok per
-- class, as part of the API contract that the pgTAP files state.  A new
-- class goes there first, and here only if it belongs to that contract.
--
-- The permanent objects the statements aim at are created before read-only
-- mode is turned on, in schema rog_pgtap, and dropped at the end.
-- rog_enable() refuses to run in a transaction that holds a transaction ID,
-- and plan() writes to temporary tables, so read-only mode is turned on in
-- autocommit before the test transaction begins, and off again at the end.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS readonly_guard;
CREATE EXTENSION IF NOT EXISTS pgtap;

DROP SCHEMA IF EXISTS rog_pgtap CASCADE;
CREATE SCHEMA rog_pgtap;
CREATE TABLE rog_pgtap.t (id int PRIMARY KEY, v text);
INSERT INTO rog_pgtap.t VALUES (1, 'one'), (2, 'two');
CREATE TABLE rog_pgtap.log (id int);
CREATE UNLOGGED TABLE rog_pgtap.unlogged (id int);
CREATE SEQUENCE rog_pgtap.seq;
CREATE VIEW rog_pgtap.v AS SELECT id, v FROM rog_pgtap.t;
CREATE MATERIALIZED VIEW rog_pgtap.mv AS SELECT id FROM rog_pgtap.t;
CREATE FUNCTION rog_pgtap.sql_writer() RETURNS void
    LANGUAGE sql AS 'INSERT INTO rog_pgtap.log VALUES (1)';
CREATE FUNCTION rog_pgtap.plpgsql_writer() RETURNS void
    LANGUAGE plpgsql AS $$BEGIN EXECUTE 'INSERT INTO rog_pgtap.log VALUES (2)'; END$$;
CREATE FUNCTION rog_pgtap.definer_writer() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER AS $$BEGIN INSERT INTO rog_pgtap.log VALUES (3); END$$;
CREATE FUNCTION rog_pgtap.log_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$BEGIN INSERT INTO rog_pgtap.log VALUES (NEW.i); RETURN NEW; END$$;
CREATE PROCEDURE rog_pgtap.proc_writer()
    LANGUAGE plpgsql AS $$BEGIN INSERT INTO rog_pgtap.log VALUES (4); END$$;
-- a temporary table whose trigger writes into a permanent one
CREATE TEMP TABLE rog_trig (i int);
CREATE TRIGGER rog_trig_log AFTER INSERT ON rog_trig
    FOR EACH ROW EXECUTE FUNCTION rog_pgtap.log_trigger();
-- a large object to read, write, truncate and unlink
SELECT lo_from_bytea(0, 'large object') AS lo_oid \gset
-- a statement prepared before read-only mode began
PREPARE rog_prepared_insert AS INSERT INTO rog_pgtap.log VALUES (5);
RESET client_min_messages;

SELECT rog_enable('pgtap') IS NOT NULL AS rog_enabled \gset
-- From here on an error must not stop the script before rog_disable() below:
-- a file that dies here would leave the cluster read-only for the next ones.
-- pg_prove still fails the file (missing plan or tests, wrong count).
\set ON_ERROR_STOP 0

BEGIN;
SELECT plan(90);

SELECT is((SELECT source FROM rog_status()), 'cluster', 'read-only mode is on for the cluster');

-- ---- DML ----
SELECT throws_ok($$INSERT INTO rog_pgtap.t VALUES (3, 'three')$$, '25006', NULL, 'INSERT is refused');
SELECT throws_ok($$UPDATE rog_pgtap.t SET v = 'uno' WHERE id = 1$$, '25006', NULL, 'UPDATE is refused');
SELECT throws_ok('DELETE FROM rog_pgtap.t WHERE id = 1', '25006', NULL, 'DELETE is refused');
SELECT throws_ok($$MERGE INTO rog_pgtap.t USING (VALUES (1)) s(id) ON t.id = s.id
                   WHEN MATCHED THEN UPDATE SET v = 'x'$$, '25006', NULL, 'MERGE is refused');
SELECT throws_ok($$INSERT INTO rog_pgtap.t VALUES (1, 'one') ON CONFLICT DO NOTHING$$, '25006', NULL,
    'INSERT ... ON CONFLICT DO NOTHING is refused');
SELECT throws_ok('WITH w AS (DELETE FROM rog_pgtap.t RETURNING id) SELECT count(*) FROM w', '25006', NULL,
    'a data-modifying CTE is refused');
SELECT throws_ok('INSERT INTO rog_pgtap.unlogged VALUES (1)', '25006', NULL,
    'INSERT into an unlogged table is refused');
SELECT throws_ok($$INSERT INTO rog_pgtap.v VALUES (9, 'nine')$$, '25006', NULL,
    'INSERT through an updatable view is refused');
SELECT throws_ok('EXPLAIN ANALYZE INSERT INTO rog_pgtap.log VALUES (0)', '25006', NULL,
    'EXPLAIN ANALYZE of an INSERT is refused');

-- ---- writes hidden in functions, procedures, triggers, prepared statements ----
SELECT throws_ok('SELECT rog_pgtap.sql_writer()', '25006', NULL, 'a writing SQL function is refused');
SELECT throws_ok('SELECT rog_pgtap.plpgsql_writer()', '25006', NULL,
    'a PL/pgSQL function writing through EXECUTE is refused');
SELECT throws_ok('SELECT rog_pgtap.definer_writer()', '25006', NULL,
    'a writing SECURITY DEFINER function is refused');
SELECT throws_ok($q$DO $d$BEGIN INSERT INTO rog_pgtap.log VALUES (6); END$d$$q$, '25006', NULL,
    'a writing DO block is refused');
SELECT throws_ok('CALL rog_pgtap.proc_writer()', '25006', NULL, 'a writing procedure is refused');
SELECT throws_ok('INSERT INTO rog_trig VALUES (7)', '25006', NULL,
    'a trigger on a temporary table that writes to a permanent table is refused');
SELECT throws_ok('EXECUTE rog_prepared_insert', '25006', NULL,
    'an INSERT prepared before read-only mode began is refused');

-- ---- row locks ----
SELECT throws_ok('SELECT * FROM rog_pgtap.t FOR UPDATE', '25006', NULL, 'SELECT FOR UPDATE is refused');
SELECT throws_ok('SELECT * FROM rog_pgtap.t FOR SHARE', '25006', NULL, 'SELECT FOR SHARE is refused');
SELECT throws_ok('SELECT * FROM rog_pgtap.t FOR NO KEY UPDATE', '25006', NULL,
    'SELECT FOR NO KEY UPDATE is refused');

-- ---- sequences ----
SELECT throws_ok($$SELECT nextval('rog_pgtap.seq')$$, '25006', NULL,
    'nextval() on a permanent sequence is refused');
SELECT throws_ok($$SELECT setval('rog_pgtap.seq', 42)$$, '25006', NULL,
    'setval() on a permanent sequence is refused');
SELECT throws_ok($$SELECT setval('rog_pgtap.seq', 42, false)$$, '25006', NULL,
    'setval(..., false) on a permanent sequence is refused');

-- ---- COPY ----
SELECT throws_ok($$COPY rog_pgtap.t FROM '/dev/null'$$, '25006', NULL, 'COPY FROM is refused');

-- ---- DDL ----
SELECT throws_ok('CREATE TABLE rog_pgtap.new_t (i int)', '25006', NULL, 'CREATE TABLE is refused');
SELECT throws_ok('CREATE UNLOGGED TABLE rog_pgtap.new_u (i int)', '25006', NULL,
    'CREATE UNLOGGED TABLE is refused');
SELECT throws_ok('ALTER TABLE rog_pgtap.t ADD COLUMN w int', '25006', NULL, 'ALTER TABLE is refused');
SELECT throws_ok('DROP TABLE rog_pgtap.log', '25006', NULL, 'DROP TABLE is refused');
SELECT throws_ok('TRUNCATE rog_pgtap.t', '25006', NULL, 'TRUNCATE is refused');
SELECT throws_ok('CREATE INDEX ON rog_pgtap.t (v)', '25006', NULL, 'CREATE INDEX is refused');
SELECT throws_ok('CREATE TABLE rog_pgtap.ctas AS SELECT * FROM rog_pgtap.t', '25006', NULL,
    'CREATE TABLE AS is refused');
SELECT throws_ok('SELECT * INTO rog_pgtap.sel_into FROM rog_pgtap.t', '25006', NULL,
    'SELECT INTO is refused');
SELECT throws_ok('CREATE VIEW rog_pgtap.v2 AS SELECT 1', '25006', NULL, 'CREATE VIEW is refused');
SELECT throws_ok('REFRESH MATERIALIZED VIEW rog_pgtap.mv', '25006', NULL,
    'REFRESH MATERIALIZED VIEW is refused');
SELECT throws_ok('CREATE SCHEMA rog_pgtap_other', '25006', NULL, 'CREATE SCHEMA is refused');
SELECT throws_ok('CREATE FUNCTION rog_pgtap.f() RETURNS int LANGUAGE sql AS ''SELECT 1''', '25006', NULL,
    'CREATE FUNCTION is refused');
SELECT throws_ok('CREATE SEQUENCE rog_pgtap.seq2', '25006', NULL, 'CREATE SEQUENCE is refused');
SELECT throws_ok('ALTER SEQUENCE rog_pgtap.seq RESTART', '25006', NULL, 'ALTER SEQUENCE is refused');
SELECT throws_ok($$COMMENT ON TABLE rog_pgtap.t IS 'c'$$, '25006', NULL, 'COMMENT is refused');
SELECT throws_ok('GRANT SELECT ON rog_pgtap.t TO PUBLIC', '25006', NULL, 'GRANT is refused');
SELECT throws_ok('REVOKE SELECT ON rog_pgtap.t FROM PUBLIC', '25006', NULL, 'REVOKE is refused');
SELECT throws_ok('CREATE ROLE rog_pgtap_role', '25006', NULL, 'CREATE ROLE is refused');
SELECT throws_ok('ALTER ROLE CURRENT_USER SET work_mem = ''8MB''', '25006', NULL,
    'ALTER ROLE ... SET of another setting is refused');
SELECT throws_ok('CREATE EXTENSION IF NOT EXISTS plpgsql', '25006', NULL, 'CREATE EXTENSION is refused');
SELECT throws_ok('DROP EXTENSION readonly_guard', '25006', NULL, 'DROP EXTENSION readonly_guard is refused');
SELECT throws_ok('ALTER EXTENSION readonly_guard UPDATE', '25006', NULL, 'ALTER EXTENSION is refused');

-- ---- maintenance ----
SELECT throws_ok('VACUUM rog_pgtap.t', '25006', NULL, 'VACUUM is refused');
SELECT throws_ok('ANALYZE rog_pgtap.t', '25006', NULL, 'ANALYZE is refused');
SELECT throws_ok('CLUSTER rog_pgtap.t USING t_pkey', '25006', NULL, 'CLUSTER is refused');
SELECT throws_ok('REINDEX TABLE rog_pgtap.t', '25006', NULL, 'REINDEX is refused');

-- ---- large objects ----
SELECT throws_ok('SELECT lo_creat(-1)', '25006', NULL, 'lo_creat() is refused');
SELECT throws_ok('SELECT lo_create(0)', '25006', NULL, 'lo_create() is refused');
SELECT throws_ok($$SELECT lo_from_bytea(0, 'x')$$, '25006', NULL, 'lo_from_bytea() is refused');
SELECT throws_ok($$SELECT lo_import('/dev/null')$$, '25006', NULL, 'lo_import() is refused');
SELECT throws_ok(format('SELECT lo_unlink(%s)', :'lo_oid'), '25006', NULL, 'lo_unlink() is refused');
SELECT throws_ok(format($$SELECT lo_put(%s, 0, 'X')$$, :'lo_oid'), '25006', NULL, 'lo_put() is refused');
SELECT throws_ok(format($$SELECT lowrite(lo_open(%s, x'20000'::int), 'X')$$, :'lo_oid'), '25006', NULL,
    'lowrite() is refused');
SELECT throws_ok(format($$SELECT lo_truncate(lo_open(%s, x'20000'::int), 0)$$, :'lo_oid'), '25006', NULL,
    'lo_truncate() is refused');
SELECT is(lo_get(:'lo_oid'), '\x6c61726765206f626a656374'::bytea,
    'the large object is unchanged');

-- ---- the refusal looks like PostgreSQL's own ----
SELECT throws_ok($$INSERT INTO rog_pgtap.t VALUES (3, 'three')$$, '25006',
    'cannot execute INSERT in a read-only transaction',
    'the primary message keeps PostgreSQL''s wording');

-- ---- no way out for the session ----
SELECT lives_ok('SET LOCAL readonly_guard.enabled = off', 'a superuser may SET readonly_guard.enabled off');
SELECT throws_ok($$INSERT INTO rog_pgtap.t VALUES (3, 'three')$$, '25006', NULL,
    'INSERT stays refused after SET readonly_guard.enabled = off');
SELECT lives_ok('SET LOCAL default_transaction_read_only = off', 'SET default_transaction_read_only works');
SELECT throws_ok($$INSERT INTO rog_pgtap.t VALUES (3, 'three')$$, '25006', NULL,
    'INSERT stays refused after SET default_transaction_read_only = off');

-- ---- what keeps working ----
SELECT results_eq('SELECT id, v FROM rog_pgtap.t ORDER BY id',
    $$VALUES (1, 'one'), (2, 'two')$$, 'SELECT works and the table is unchanged');
SELECT results_eq('SELECT t.id FROM rog_pgtap.t JOIN rog_pgtap.v USING (id) ORDER BY 1',
    'VALUES (1), (2)', 'joins and views work');
SELECT is((SELECT count(*) FROM rog_pgtap.log), 0::bigint, 'none of the refused writes left a row');
SELECT lives_ok('EXPLAIN INSERT INTO rog_pgtap.log VALUES (0)', 'EXPLAIN without ANALYZE works');
SELECT lives_ok($$COPY rog_pgtap.t TO '/dev/null'$$, 'COPY TO works');
SELECT lives_ok('DECLARE rog_cur CURSOR FOR SELECT * FROM rog_pgtap.t', 'DECLARE CURSOR works');
SELECT lives_ok('CLOSE rog_cur', 'CLOSE works');
SELECT lives_ok($$SELECT random(), now(), pg_is_in_recovery(), pg_current_wal_lsn(),
                          pg_database_size(current_database())$$,
    'monitoring functions work');
SELECT lives_ok('SELECT pg_reload_conf()', 'pg_reload_conf() works');
SELECT lives_ok($$SELECT pg_notify('rog_pgtap', 'payload')$$, 'pg_notify() works');
SELECT lives_ok('NOTIFY rog_pgtap', 'NOTIFY works');
SELECT lives_ok('LISTEN rog_pgtap', 'LISTEN works');
SELECT lives_ok('SELECT pg_advisory_xact_lock(4242), pg_advisory_lock(4243), pg_advisory_unlock(4243)',
    'advisory locks work');
SELECT lives_ok('LOCK TABLE rog_pgtap.t IN ACCESS SHARE MODE', 'LOCK TABLE ... ACCESS SHARE works');
SELECT lives_ok('CHECKPOINT ', 'CHECKPOINT works');  -- trailing space: not a prepared statement name
SELECT lives_ok('SET LOCAL work_mem = ''8MB''', 'SET of another setting works');
SELECT lives_ok(format('SELECT loread(lo_open(%s, x''40000''::int), 5)', :'lo_oid'),
    'reading a large object works');

-- temporary objects
SELECT lives_ok('CREATE TEMP TABLE rog_tmp (id int PRIMARY KEY, v text)', 'CREATE TEMP TABLE works');
SELECT lives_ok($$INSERT INTO rog_tmp VALUES (1, 'a'), (2, 'b');
                  UPDATE rog_tmp SET v = 'c' WHERE id = 2; DELETE FROM rog_tmp WHERE id = 1$$,
    'INSERT, UPDATE, DELETE on a temporary table work');
SELECT results_eq('SELECT id, v FROM rog_tmp', $$VALUES (2, 'c')$$, 'the temporary table holds the rows written');
SELECT lives_ok('CREATE TEMP TABLE rog_tmp_as AS SELECT * FROM rog_pgtap.t', 'CREATE TEMP TABLE AS works');
SELECT lives_ok('GRANT ALL ON TABLE rog_tmp TO PUBLIC', 'GRANT on a temporary table works (pgTAP does it)');
SELECT lives_ok('CREATE TEMP SEQUENCE rog_tmp_seq', 'CREATE TEMP SEQUENCE works');
SELECT is(nextval('rog_tmp_seq'), 1::bigint, 'nextval() on a temporary sequence works');
SELECT lives_ok('DROP TABLE rog_tmp_as', 'DROP of a temporary table works');

-- the operator's tools
SELECT lives_ok('SELECT * FROM rog_status()', 'rog_status() works');

SELECT * FROM finish();
ROLLBACK;

\o /dev/null
SELECT rog_disable();
\o
\set ON_ERROR_STOP 1

-- clean up (read-only mode is off again)
SET client_min_messages = warning;
SELECT lo_unlink(:'lo_oid') \g /dev/null
DEALLOCATE rog_prepared_insert;
DROP TABLE rog_trig;
DROP SCHEMA rog_pgtap CASCADE;
