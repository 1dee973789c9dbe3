--
-- 11_bypass: adversarial attempts to change data while read-only mode is on,
-- beyond the statement classes of 02_blocked.sql, each made as an ordinary
-- role (bp_user, which owns the attacked tables), as the database owner
-- (bp_owner) and as a superuser.  Every attempt must fail with SQLSTATE
-- 25006 or a permission error, or be one of the allowances of the README
-- ("Security model"), which change no data.  With the mode off again, the
-- end checks that nothing that was attacked has changed.
--
-- Self-contained: makes its own fixtures and roles, lends the database to
-- bp_owner for the test, and drops or gives back everything at the end.
--
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'readonly_guard';
-- a statement that waits for a lock would wait forever: fail instead
SET lock_timeout = '20s';
SELECT enabled FROM rog_status();

-- bp_try(sql [, as_role [, undo]]): run one statement (as as_role), report
-- 'ok' or 'SQLSTATE | message | detail | hint', with the time, the database
-- name and the superuser's name masked.  With undo, a statement that worked
-- is rolled back again.  bp_state() keeps the SQLSTATE alone.
CREATE FUNCTION bp_try(sql text, as_role name DEFAULT NULL, undo boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    BEGIN
        IF as_role IS NOT NULL THEN
            PERFORM set_config('role', as_role, true);
        END IF;
        EXECUTE sql;
        IF undo THEN
            RAISE EXCEPTION 'undo' USING ERRCODE = 'RGUND';
        END IF;
        PERFORM set_config('role', 'none', true);
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        IF st = 'RGUND' THEN
            RETURN 'ok';
        END IF;
        det := regexp_replace(det, 'since [^,]*, enabled by', 'since <time>, enabled by');
        det := replace(det, format('role "%s"', session_user), 'role "<superuser>"');
        msg := replace(msg, current_database(), '<db>');
        RETURN concat_ws(' | ', st, msg, NULLIF(det, ''), NULLIF(hnt, ''));
    END;
END
$$;
CREATE FUNCTION bp_state(result text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT split_part(result, ' | ', 1) $$;

-- ---- fixtures, all made before the mode begins ----

CREATE ROLE bp_user;
CREATE ROLE bp_owner;
CREATE ROLE bp_spare;
CREATE ROLE bp_exempt;
SELECT pg_get_userbyid(datdba) AS bp_orig_owner FROM pg_database
 WHERE datname = current_database() \gset
SELECT session_user AS bp_su \gset
ALTER DATABASE :"DBNAME" OWNER TO bp_owner;
GRANT CREATE ON SCHEMA public TO bp_user;

-- the ordinary role's tables, and temporary objects of this session on which
-- permanent objects depend (PostgreSQL allows that)
SET ROLE bp_user;
CREATE TABLE bp_t (id int PRIMARY KEY, v text);
INSERT INTO bp_t VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE TABLE bp_ident (id int GENERATED ALWAYS AS IDENTITY, v text);
INSERT INTO bp_ident (v) VALUES ('a');
CREATE TABLE bp_serial (id serial, v text);
INSERT INTO bp_serial (v) VALUES ('a');
CREATE SEQUENCE bp_seq;
CREATE MATERIALIZED VIEW bp_mv AS SELECT id, v FROM bp_t;
CREATE UNIQUE INDEX bp_mv_id ON bp_mv (id);
CREATE TABLE bp_parent (id int);
-- index pages that a summary or a cleanup would write
CREATE TABLE bp_brin (id int) WITH (autovacuum_enabled = off);
CREATE INDEX bp_brin_idx ON bp_brin USING brin (id) WITH (pages_per_range = 8);
INSERT INTO bp_brin SELECT g FROM generate_series(1, 20000) g;
CREATE TABLE bp_gin (a int[]) WITH (autovacuum_enabled = off);
CREATE INDEX bp_gin_idx ON bp_gin USING gin (a) WITH (fastupdate = on);
INSERT INTO bp_gin SELECT ARRAY[g] FROM generate_series(1, 1000) g;
CREATE TEMP SEQUENCE bp_tmp_seq;
CREATE TABLE bp_tmpdep_def (id int, n bigint DEFAULT nextval('bp_tmp_seq'));
CREATE TEMP SEQUENCE bp_tmp_dseq;
CREATE TABLE bp_tmpdep_ddef (id int, n bigint DEFAULT nextval('bp_tmp_dseq'));
CREATE TEMP TABLE bp_tmp_rowtype (a int);
CREATE TABLE bp_tmpdep_col (id int, r bp_tmp_rowtype);
INSERT INTO bp_tmpdep_col VALUES (1, ROW(10));
CREATE TEMP TABLE bp_tmp_plain (id int);
CREATE TEMP VIEW bp_tmp_view AS SELECT id, v FROM bp_t;
CREATE TEMP VIEW bp_tmp_view2 AS SELECT 1 AS a;
RESET ROLE;
GRANT ALL ON bp_t, bp_ident, bp_serial, bp_seq, bp_mv, bp_parent, bp_tmp_plain,
    bp_tmp_view TO bp_owner;

-- a log table that the functions, views, rules and triggers below write to
CREATE TABLE bp_log (msg text);
GRANT SELECT, INSERT ON bp_log TO PUBLIC;
-- (schema-qualified: postgres_fdw runs remote queries with search_path = pg_catalog)
CREATE FUNCTION bp_log_write(i int) RETURNS int LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO public.bp_log VALUES ('read ' || i); RETURN i; END $$;
-- a view whose SELECT writes
CREATE VIEW bp_wv AS SELECT id, bp_log_write(id) AS logged FROM bp_t;
-- a view whose INSERT a rule turns into a write elsewhere
CREATE VIEW bp_rule_v AS SELECT id, v FROM bp_t;
CREATE RULE bp_rule_v_ins AS ON INSERT TO bp_rule_v DO INSTEAD
    INSERT INTO bp_log VALUES ('rule ' || NEW.id);
-- a temporary view whose INSTEAD OF trigger writes to a permanent table
CREATE TEMP VIEW bp_tmp_iview AS SELECT 1 AS id;
CREATE FUNCTION bp_iview_fn() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO bp_log VALUES ('instead of ' || NEW.id); RETURN NEW; END $$;
CREATE TRIGGER bp_iview_ins INSTEAD OF INSERT ON bp_tmp_iview
    FOR EACH ROW EXECUTE FUNCTION bp_iview_fn();
GRANT ALL ON bp_wv, bp_rule_v, bp_tmp_iview TO PUBLIC;
-- a SECURITY DEFINER chain (superuser -> bp_owner), and a SECURITY DEFINER
-- function that turns the setting off for its own duration
CREATE FUNCTION bp_definer_inner() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    AS $$ BEGIN INSERT INTO bp_log VALUES ('definer'); END $$;
ALTER FUNCTION bp_definer_inner() OWNER TO bp_owner;
CREATE FUNCTION bp_definer_outer() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    AS $$ BEGIN PERFORM bp_definer_inner(); END $$;
CREATE FUNCTION bp_definer_guc() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET readonly_guard.enabled = off
    AS $$ BEGIN INSERT INTO bp_log VALUES ('setting off'); END $$;
-- a SECURITY DEFINER function of a role that will be in
-- readonly_guard.exempt_roles
CREATE FUNCTION bp_exempt_definer() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    AS $$ BEGIN INSERT INTO public.bp_log VALUES ('exempt definer'); END $$;
ALTER FUNCTION bp_exempt_definer() OWNER TO bp_exempt;
-- a SQL function with a writable CTE, a procedure that commits and writes
CREATE FUNCTION bp_sql_cte() RETURNS bigint LANGUAGE sql
    AS $$ WITH w AS (INSERT INTO bp_log VALUES ('cte') RETURNING 1) SELECT count(*) FROM w $$;
CREATE PROCEDURE bp_proc_commit() LANGUAGE plpgsql
    AS $$ BEGIN COMMIT; INSERT INTO bp_log VALUES ('procedure'); COMMIT; END $$;
-- a table whose UPDATE a DO INSTEAD NOTHING rule turns into nothing
CREATE TABLE bp_nothing (id int, v text);
INSERT INTO bp_nothing VALUES (1, 'a');
CREATE RULE bp_nothing_upd AS ON UPDATE TO bp_nothing DO INSTEAD NOTHING;
GRANT ALL ON bp_nothing TO PUBLIC;
-- a large object, a schema of the database owner, a table for pg_surgery
SELECT lo_from_bytea(525252, 'bypass') AS lo;
GRANT SELECT, UPDATE ON LARGE OBJECT 525252 TO bp_user, bp_owner;
CREATE SCHEMA bp_coll AUTHORIZATION bp_owner;
CREATE EXTENSION pg_surgery;
CREATE TABLE bp_surgery (id int);
INSERT INTO bp_surgery VALUES (1), (2), (3);
-- a transaction that wrote and was prepared before the mode began
CREATE TABLE bp_2pc (id int);
BEGIN;
INSERT INTO bp_2pc VALUES (1);
PREPARE TRANSACTION 'bp_2pc_w';

-- loopback connections to this cluster, over its Unix socket (peer or trust
-- authentication for the superuser, as in pg_virtualenv and pg_regress)
CREATE EXTENSION dblink;
CREATE EXTENSION postgres_fdw;
SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS bp_host,
       current_setting('port') AS bp_port \gset
SELECT format('host=%s port=%s dbname=%s user=%s', :'bp_host', :'bp_port',
              current_database(), session_user) AS bp_conn,
       format('host=%s port=%s dbname=postgres user=%s', :'bp_host', :'bp_port',
              session_user) AS bp_conn_pg \gset
SELECT dblink_connect('bp_check', :'bp_conn') AS loopback;
SELECT * FROM dblink('bp_check', 'SELECT current_database() = ' || quote_literal(current_database()))
    AS t(same_database boolean);
SELECT dblink_disconnect('bp_check');
CREATE SERVER bp_loop FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'bp_host', port :'bp_port', dbname :'DBNAME');
CREATE USER MAPPING FOR CURRENT_USER SERVER bp_loop OPTIONS (user :'bp_su');
-- other roles have no password, which postgres_fdw refuses (2F003)
CREATE USER MAPPING FOR PUBLIC SERVER bp_loop OPTIONS (user 'bp_user');
CREATE FOREIGN TABLE bp_ft (id int, v text) SERVER bp_loop OPTIONS (table_name 'bp_t');
CREATE FOREIGN TABLE bp_ft_wv (id int, logged int) SERVER bp_loop OPTIONS (table_name 'bp_wv');
GRANT ALL ON bp_ft, bp_ft_wv TO PUBLIC;

-- event triggers that write when a temporary view is created or dropped
-- (made last, so that the fixtures above do not fire them)
CREATE FUNCTION bp_evt_fn() RETURNS event_trigger LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO bp_log VALUES ('event ' || tg_tag); END $$;
CREATE EVENT TRIGGER bp_evt_start ON ddl_command_start WHEN TAG IN ('CREATE VIEW')
    EXECUTE FUNCTION bp_evt_fn();
CREATE EVENT TRIGGER bp_evt_drop ON sql_drop WHEN TAG IN ('DROP VIEW')
    EXECUTE FUNCTION bp_evt_fn();

-- ---- the statements that must be refused ----

CREATE TABLE bp_stmts (n int PRIMARY KEY, sql text NOT NULL,
                       off_user text, off_owner text, off_su text);
INSERT INTO bp_stmts (n, sql) VALUES
-- reads that write: views, functions, rules, triggers, event triggers
( 1, $$SELECT * FROM bp_wv$$),
( 2, $$SELECT count(*) FROM bp_t WHERE bp_log_write(id) > 0$$),
( 3, $$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM bp_wv$$),
( 4, $$INSERT INTO bp_rule_v VALUES (10, 'rule')$$),
( 5, $$INSERT INTO bp_tmp_iview VALUES (11)$$),
( 6, $$SELECT bp_definer_outer()$$),
( 7, $$SELECT bp_definer_guc()$$),
( 8, $$SELECT bp_sql_cte()$$),
( 9, $q$DO $a$ BEGIN EXECUTE $b$DO $c$ BEGIN INSERT INTO bp_log VALUES ('nested'); END $c$$b$; END $a$$q$),
(10, $$CREATE TEMP VIEW bp_tmp_evt AS SELECT 1 AS a$$),
(11, $$DROP VIEW bp_tmp_view2$$),
(12, $$CREATE TEMP TABLE bp_tmp_as AS SELECT bp_log_write(id) FROM bp_t$$),
-- DML in less common forms
(13, $$INSERT INTO bp_t VALUES (1, 'upsert') ON CONFLICT (id) DO UPDATE SET v = excluded.v$$),
(14, $$MERGE INTO bp_t t USING (VALUES (1)) s(id) ON t.id = s.id WHEN MATCHED THEN DELETE$$),
(15, $$WITH w AS (DELETE FROM bp_t WHERE false RETURNING id) SELECT count(*) FROM w$$),
(16, $$SELECT id FROM bp_t WHERE id IN (SELECT id FROM bp_t FOR UPDATE)$$),
(17, $$SELECT * FROM bp_rule_v FOR KEY SHARE$$),
(18, $$INSERT INTO bp_tmp_plain SELECT id FROM bp_t FOR UPDATE$$),
-- sequences behind identity and serial columns
(19, $$INSERT INTO bp_ident (v) VALUES ('b')$$),
(20, $$INSERT INTO bp_serial (v) VALUES ('b')$$),
(21, $$SELECT nextval(pg_get_serial_sequence('bp_ident', 'id'))$$),
(22, $$SELECT setval(pg_get_serial_sequence('bp_serial', 'id'), 100)$$),
(23, $$ALTER TABLE bp_ident ALTER COLUMN id RESTART WITH 100$$),
(24, $$ALTER SEQUENCE bp_seq OWNED BY bp_t.id$$),
(25, $$CREATE TEMP TABLE bp_tmp_seq_as AS SELECT nextval(pg_get_serial_sequence('bp_serial', 'id'))$$),
-- the extension's own objects
(26, $$ALTER EXTENSION readonly_guard UPDATE$$),
(27, $$ALTER EXTENSION readonly_guard DROP FUNCTION rog_version()$$),
(28, $$DROP EXTENSION readonly_guard CASCADE$$),
(29, $$DROP FUNCTION rog_disable(text)$$),
(30, $$CREATE OR REPLACE FUNCTION rog_version() RETURNS text LANGUAGE sql AS 'SELECT ''replaced''::text'$$),
(31, $$ALTER FUNCTION rog_enable OWNER TO bp_user$$),
(32, $$ALTER FUNCTION rog_disable(text) SECURITY DEFINER$$),
(33, $$GRANT EXECUTE ON FUNCTION rog_disable(text) TO PUBLIC$$),
(34, $$REVOKE EXECUTE ON FUNCTION rog_status() FROM PUBLIC$$),
(35, $$COMMENT ON FUNCTION rog_status() IS 'replaced'$$),
(36, $$CREATE FUNCTION pg_temp.rog_disable(text) RETURNS boolean LANGUAGE sql AS 'SELECT true'$$),
(37, $$LOAD 'auto_explain'$$),
-- other sessions of the cluster: postgres_fdw, COPY FROM PROGRAM
(38, $$INSERT INTO bp_ft VALUES (12, 'fdw')$$),
(39, $$UPDATE bp_ft SET v = 'fdw'$$),
(40, $$DELETE FROM bp_ft$$),
(41, $$SELECT count(*) FROM bp_ft_wv$$),
(42, $$IMPORT FOREIGN SCHEMA public LIMIT TO (bp_t) FROM SERVER bp_loop INTO bp_coll$$),
(43, $$ALTER SERVER bp_loop OPTIONS (ADD fetch_size '10')$$),
(44, $$ALTER USER MAPPING FOR PUBLIC SERVER bp_loop OPTIONS (ADD password 'secret')$$),
(45, $$COPY bp_t FROM PROGRAM 'true'$$),
-- locks that would block readers
(46, $$LOCK TABLE bp_t IN SHARE UPDATE EXCLUSIVE MODE$$),
(47, $$LOCK TABLE bp_t IN SHARE MODE$$),
(48, $$LOCK TABLE bp_t IN SHARE ROW EXCLUSIVE MODE$$),
(49, $$LOCK TABLE bp_t IN EXCLUSIVE MODE$$),
(50, $$LOCK TABLE bp_t IN ACCESS EXCLUSIVE MODE$$),
(51, $$LOCK TABLE bp_rule_v IN ACCESS EXCLUSIVE MODE$$),
-- maintenance
(52, $$VACUUM (FREEZE, ANALYZE) bp_t$$),
(53, $$ANALYZE bp_t$$),
(54, $$CLUSTER bp_t USING bp_t_pkey$$),
(55, $$REINDEX SCHEMA public$$),
(56, format('REINDEX SYSTEM %I', current_database())),
(57, $$REFRESH MATERIALIZED VIEW CONCURRENTLY bp_mv$$),
-- comments, labels, privileges
(58, $$COMMENT ON TABLE bp_t IS 'bypass'$$),
(59, $$SECURITY LABEL ON TABLE bp_t IS 'bypass'$$),
(60, $$GRANT SELECT ON bp_t TO PUBLIC$$),
(61, $$REVOKE ALL ON bp_t FROM bp_owner$$),
(62, $$GRANT bp_spare TO bp_user$$),
(63, $$ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC$$),
(64, $$ALTER LARGE OBJECT 525252 OWNER TO bp_user$$),
(65, $$GRANT SELECT ON LARGE OBJECT 525252 TO PUBLIC$$),
-- roles, databases, schemas, tablespaces, replication objects
(66, $$CREATE ROLE bp_new_role$$),
(67, $$ALTER ROLE bp_spare PASSWORD 'secret'$$),
(68, $$ALTER ROLE bp_spare RENAME TO bp_spare2$$),
(69, $$DROP ROLE bp_spare$$),
(70, $$DROP OWNED BY bp_spare$$),
(71, $$REASSIGN OWNED BY bp_user TO bp_owner$$),
(72, $$CREATE DATABASE bp_new_db$$),
(73, format('ALTER DATABASE %I SET work_mem = ''8MB''', current_database())),
(74, format('ALTER DATABASE %I RESET ALL', current_database())),
(75, format('COMMENT ON DATABASE %I IS ''bypass''', current_database())),
(76, format('GRANT CONNECT ON DATABASE %I TO bp_spare', current_database())),
(77, $$CREATE SCHEMA bp_new_schema$$),
(78, $$DROP SCHEMA bp_coll$$),
(79, $$REVOKE USAGE ON SCHEMA public FROM PUBLIC$$),
(80, $$CREATE TABLESPACE bp_ts LOCATION '/nonexistent'$$),
(81, $$CREATE PUBLICATION bp_pub FOR TABLE bp_t$$),
(82, $$CREATE SUBSCRIPTION bp_sub CONNECTION 'dbname=bp_nonexistent' PUBLICATION bp_pub WITH (connect = false)$$),
(83, $$CREATE EVENT TRIGGER bp_new_evt ON ddl_command_end EXECUTE FUNCTION bp_evt_fn()$$),
(84, $$ALTER EVENT TRIGGER bp_evt_start DISABLE$$),
(85, $$DROP EVENT TRIGGER bp_evt_drop$$),
-- replacing or switching off what runs
(86, $$CREATE OR REPLACE FUNCTION bp_log_write(i int) RETURNS int LANGUAGE sql AS 'SELECT $1'$$),
(87, $$CREATE OR REPLACE VIEW bp_rule_v AS SELECT id, v FROM bp_t WHERE id > 0$$),
(88, $$CREATE OR REPLACE RULE bp_rule_v_ins AS ON INSERT TO bp_rule_v DO INSTEAD NOTHING$$),
(89, $$CREATE TRIGGER bp_new_trig BEFORE INSERT ON bp_t FOR EACH ROW EXECUTE FUNCTION bp_iview_fn()$$),
(90, $$ALTER TABLE bp_t DISABLE TRIGGER ALL$$),
(91, $$ALTER TABLE bp_t ENABLE ROW LEVEL SECURITY$$),
(92, $$CREATE POLICY bp_pol ON bp_t USING (true)$$),
(93, $$CREATE STATISTICS bp_stats ON id, v FROM bp_t$$),
(94, $$ALTER TABLE bp_t RENAME TO bp_t_renamed$$),
(95, $$ALTER TABLE bp_t SET UNLOGGED$$);

-- with the mode off every statement is valid (some cannot run in a function
-- or transaction block, or need a privilege the role lacks, which the
-- SQLSTATE says); everything is rolled back again
SET client_min_messages = error;
UPDATE bp_stmts SET off_user = bp_state(bp_try(sql, 'bp_user', true)),
                    off_owner = bp_state(bp_try(sql, 'bp_owner', true)),
                    off_su = bp_state(bp_try(sql, NULL, true));
RESET client_min_messages;

-- sequences do not roll back: remember where they stand now
SELECT last_value AS bp_seq_before FROM bp_seq \gset
SELECT pg_sequence_last_value(pg_get_serial_sequence('bp_ident', 'id')) AS bp_ident_before,
       pg_sequence_last_value(pg_get_serial_sequence('bp_serial', 'id')) AS bp_serial_before \gset
SELECT count(*) AS bp_lo_before FROM pg_largeobject_metadata \gset
CREATE TABLE bypass_lo AS SELECT oid FROM pg_largeobject_metadata WHERE oid <> 525252;
SELECT count(*) AS bp_coll_before FROM pg_collation \gset

-- a fingerprint of the catalog rows that the statements above attack, one
-- hash per kind of object, taken now and compared at the end
CREATE FUNCTION bp_fingerprint() RETURNS TABLE (what text, h text) LANGUAGE sql AS $$
SELECT 'readonly_guard extension and functions', md5(
    (SELECT string_agg(row(e.extname, e.extowner, e.extnamespace, e.extversion, e.extconfig)::text, ',')
       FROM pg_extension e WHERE e.extname = 'readonly_guard') ||
    (SELECT string_agg(row(p.*)::text || coalesce(obj_description(p.oid, 'pg_proc'), ''), ',' ORDER BY p.oid)
       FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
        AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
       JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'readonly_guard'))
UNION ALL
SELECT 'other extensions', md5(string_agg(row(extname, extowner, extnamespace, extversion)::text, ',' ORDER BY extname))
  FROM pg_extension WHERE extname <> 'readonly_guard'
UNION ALL
SELECT 'bp_ relations', md5(string_agg(row(c.relname, c.relkind, c.relowner, c.relacl, c.relpersistence,
           c.reloptions, c.relrowsecurity, c.relhastriggers, c.relhasrules, c.relhassubclass,
           obj_description(c.oid, 'pg_class'))::text, ',' ORDER BY c.relname))
  FROM pg_class c WHERE c.relname LIKE 'bp\_%' AND c.relpersistence <> 't'
UNION ALL
SELECT 'bp_ columns and defaults', md5(string_agg(row(c.relname, a.attname, a.atttypid, a.attnotnull,
           a.attidentity, pg_get_expr(d.adbin, d.adrelid))::text, ',' ORDER BY c.relname, a.attnum))
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relname LIKE 'bp\_%' AND c.relpersistence <> 't'
UNION ALL
SELECT 'functions, triggers, rules, policies, statistics', md5(
    (SELECT coalesce(string_agg(row(p.*)::text, ',' ORDER BY p.oid), '') FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace) ||
    (SELECT coalesce(string_agg(row(tgname, tgenabled, tgfoid)::text, ',' ORDER BY tgname), '') FROM pg_trigger
      WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relname LIKE 'bp\_%' AND relpersistence <> 't')) ||
    (SELECT coalesce(string_agg(pg_get_ruledef(r.oid), ',' ORDER BY r.rulename), '') FROM pg_rewrite r
      WHERE ev_class IN (SELECT oid FROM pg_class WHERE relname LIKE 'bp\_%' AND relpersistence <> 't')) ||
    (SELECT count(*) FROM pg_policy)::text || (SELECT count(*) FROM pg_statistic_ext)::text)
UNION ALL
SELECT 'roles and memberships', md5(
    (SELECT string_agg(row(rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
           rolbypassrls, rolconnlimit, rolpassword, rolvaliduntil)::text, ',' ORDER BY rolname) FROM pg_authid) ||
    (SELECT coalesce(string_agg(row(roleid, member, admin_option)::text, ',' ORDER BY roleid, member), '')
       FROM pg_auth_members))
UNION ALL
SELECT 'databases, schemas, settings, default privileges', md5(
    (SELECT string_agg(row(datname, datdba, datacl, datconnlimit, datallowconn,
           shobj_description(oid, 'pg_database'))::text, ',' ORDER BY datname) FROM pg_database) ||
    (SELECT string_agg(row(nspname, nspowner, nspacl, obj_description(oid, 'pg_namespace'))::text, ',' ORDER BY nspname)
       FROM pg_namespace WHERE nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%') ||
    (SELECT coalesce(string_agg(row(setdatabase, setrole, setconfig)::text, ',' ORDER BY setdatabase, setrole), '')
       FROM pg_db_role_setting) ||
    (SELECT coalesce(string_agg(row(d.*)::text, ','), '') FROM pg_default_acl d))
UNION ALL
SELECT 'large objects', md5(
    (SELECT string_agg(row(oid, lomowner, lomacl)::text, ',' ORDER BY oid) FROM pg_largeobject_metadata) ||
    md5(lo_get(525252)))
UNION ALL
SELECT 'collations, replication origins, slots', md5(
    (SELECT count(*) FROM pg_collation)::text ||
    (SELECT coalesce(string_agg(roname, ','), '') FROM pg_replication_origin) ||
    (SELECT coalesce(string_agg(slot_name::text, ','), '') FROM pg_replication_slots))
UNION ALL
SELECT 'publications, subscriptions, tablespaces, event triggers, servers, user mappings', md5(
    (SELECT count(*) FROM pg_publication)::text || (SELECT count(*) FROM pg_subscription)::text ||
    (SELECT string_agg(spcname, ',' ORDER BY spcname) FROM pg_tablespace) ||
    (SELECT coalesce(string_agg(row(evtname, evtenabled, evtfoid)::text, ',' ORDER BY evtname), '') FROM pg_event_trigger) ||
    (SELECT coalesce(string_agg(row(srvname, srvowner, srvacl, srvoptions)::text, ','), '') FROM pg_foreign_server) ||
    (SELECT coalesce(string_agg(row(umuser, umserver, umoptions)::text, ',' ORDER BY umuser), '') FROM pg_user_mapping))
$$;
CREATE TABLE bypass_fp AS SELECT * FROM bp_fingerprint();
SELECT count(*) AS fingerprints FROM bypass_fp WHERE h IS NOT NULL;

-- other sessions that open cursors before the mode begins and hold no
-- transaction ID yet: rog_enable() has nothing to drain
SELECT dblink_connect('bp_a', :'bp_conn') AS a, dblink_connect('bp_b', :'bp_conn') AS b,
       dblink_connect('bp_c', :'bp_conn') AS c;
SELECT dblink_exec('bp_a', 'BEGIN');
SELECT dblink_exec('bp_a', 'DECLARE bp_c1 CURSOR FOR SELECT nextval(''bp_seq'') FROM generate_series(1, 3)');
SELECT dblink_exec('bp_b', 'BEGIN');
SELECT dblink_exec('bp_b', 'DECLARE bp_c2 CURSOR FOR SELECT id FROM bp_t FOR UPDATE');
SELECT dblink_exec('bp_c', 'BEGIN');
SELECT dblink_exec('bp_c', 'DECLARE bp_c3 CURSOR FOR SELECT lo_from_bytea(0, ''x'') FROM generate_series(1, 2)');

-- ---- read-only mode on, by a superuser, in autocommit ----
SELECT rog_enable('bypass test') IS NOT NULL AS enabled;
SELECT enabled, source, reason FROM rog_status();

-- first, the cursors the other sessions opened before the mode began
-- (they hold locks): fetching would advance a sequence, lock rows, create
-- large objects
SELECT bp_state(bp_try($$SELECT * FROM dblink('bp_a', 'FETCH ALL FROM bp_c1') AS t(n bigint)$$)) AS fetch_nextval;
SELECT dblink_exec('bp_a', 'ROLLBACK');
SELECT bp_state(bp_try($$SELECT * FROM dblink('bp_b', 'FETCH ALL FROM bp_c2') AS t(id int)$$)) AS fetch_for_update;
SELECT dblink_exec('bp_b', 'ROLLBACK');
-- (refused when fetched, or when committed: either way nothing is created)
SELECT bp_state(bp_try($$SELECT * FROM dblink('bp_c', 'FETCH ALL FROM bp_c3') AS t(lo oid)$$)) = '25006'
    OR bp_state(bp_try($$SELECT dblink_exec('bp_c', 'COMMIT')$$)) = '25006' AS lo_refused;
SELECT dblink_exec('bp_c', 'ROLLBACK');
SELECT dblink_disconnect('bp_a'), dblink_disconnect('bp_b'), dblink_disconnect('bp_c');

-- every statement, as the ordinary role, the database owner and the
-- superuser (in that order), not rolled back: what gets through stays, and
-- the end finds it.  by_guard: the superuser's refusal names readonly_guard.
SET client_min_messages = error;
SELECT t.n, replace(t.sql, current_database(), '<db>') AS sql,
       t.off_user, t.off_owner, t.off_su,
       bp_state(a.u) AS on_user, bp_state(a.o) AS on_owner, bp_state(a.s) AS on_su,
       split_part(a.s, ' | ', 2) AS su_message,
       split_part(a.s, ' | ', 3) LIKE 'The cluster is in read-only mode of readonly_guard since <time>%' AS by_guard
  FROM (SELECT * FROM bp_stmts ORDER BY n OFFSET 0) t,
       LATERAL (SELECT bp_try(t.sql, 'bp_user') AS u, bp_try(t.sql, 'bp_owner') AS o,
                       bp_try(t.sql) AS s) a
 ORDER BY t.n;
RESET client_min_messages;


-- ---- functions that write without an INSERT (EXECUTE on most is for
-- superusers only; PUBLIC may emit logical messages, a table's owner may
-- summarize and clean its indexes) ----
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT pg_replication_origin_create('bp_origin')$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT pg_import_system_collations('bp_coll')$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT heap_force_kill('bp_surgery', ARRAY['(0,1)']::tid[])$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT heap_force_freeze('bp_surgery', ARRAY['(0,2)']::tid[])$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT pg_logical_emit_message(false, 'bp', 'not transactional')$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT pg_logical_emit_message(true, 'bp', 'transactional')$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS table_owner, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT brin_summarize_new_values('bp_brin_idx')$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS table_owner, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT brin_summarize_range('bp_brin_idx', 0)$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS table_owner, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$SELECT gin_clean_pending_list('bp_gin_idx')$$)) v(q);

-- ---- temporary objects that reach permanent ones (bp_user owns both) ----
-- a temporary child of a permanent table sets the parent's relhassubclass
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$CREATE TEMP TABLE bp_tmp_child () INHERITS (bp_parent)$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$ALTER TABLE bp_tmp_plain INHERIT bp_parent$$)) v(q);
-- locking a temporary view locks the permanent tables under it
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$LOCK TABLE bp_tmp_view IN ACCESS EXCLUSIVE MODE$$)) v(q);
-- dropping a temporary object with CASCADE drops what depends on it in
-- permanent tables: a column default, a column (and its data)
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$DROP SEQUENCE bp_tmp_seq CASCADE$$)) v(q);
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q)) AS superuser
  FROM (VALUES ($$DROP TABLE bp_tmp_rowtype CASCADE$$)) v(q);

-- ---- other sessions: dblink to this database and to another one ----
-- (only a superuser may connect without a password: 2F003 for the others)
SELECT bp_state(bp_try(q, 'bp_user')) AS ordinary, bp_state(bp_try(q, 'bp_owner')) AS db_owner,
       bp_try(q) AS superuser
  FROM (VALUES (format('SELECT dblink_exec(%L, %L)', :'bp_conn',
                       'INSERT INTO bp_t VALUES (13, ''dblink'')'))) v(q);
SELECT bp_try(format('SELECT dblink_exec(%L, %L)', :'bp_conn',
                     'SET readonly_guard.enabled = off; SET ROLE bp_user; UPDATE bp_t SET v = ''dblink'''));
SELECT bp_try(format('SELECT * FROM dblink(%L, %L) AS t(n int)', :'bp_conn',
                     'SELECT count(*)::int FROM bp_wv'));
SELECT bp_try(format('SELECT dblink_exec(%L, %L)', :'bp_conn_pg',
                     'CREATE TABLE bp_remote_new (a int)'));

-- ---- top level: what a function cannot run ----
\set VERBOSITY sqlstate
-- SET SESSION AUTHORIZATION / SET ROLE change who writes, not whether
SET SESSION AUTHORIZATION bp_user;
SELECT current_user;
INSERT INTO bp_t VALUES (20, 'session authorization');
SELECT bp_log_write(20);
RESET SESSION AUTHORIZATION;
-- the database owner cannot turn the mode off for its database
SET ROLE bp_owner;
ALTER DATABASE :"DBNAME" SET readonly_guard.enabled = off;
ALTER DATABASE :"DBNAME" RESET readonly_guard.enabled;
SELECT rog_disable();
SELECT rog_disable(scope => 'database');
DROP DATABASE :"DBNAME";
RESET ROLE;
-- a procedure that commits and then writes
CALL bp_proc_commit();
SET ROLE bp_user;
CALL bp_proc_commit();
RESET ROLE;
-- cursors: WITH HOLD over FOR UPDATE is not supported; WITH HOLD runs its
-- query at COMMIT, which is refused when the query writes; FOR UPDATE is
-- refused at DECLARE
BEGIN;
DECLARE bp_h1 CURSOR WITH HOLD FOR SELECT id FROM bp_t FOR UPDATE;
ROLLBACK;
BEGIN;
DECLARE bp_h2 CURSOR WITH HOLD FOR SELECT bp_log_write(id) FROM bp_t;
COMMIT;
BEGIN;
DECLARE bp_h3 CURSOR FOR SELECT id FROM bp_t FOR NO KEY UPDATE;
ROLLBACK;
-- two-phase commit: a transaction prepared before the mode began cannot be
-- committed, only rolled back
COMMIT PREPARED 'bp_2pc_w';
\set VERBOSITY default
SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'bp\_%' ORDER BY gid;
ROLLBACK PREPARED 'bp_2pc_w';

-- ---- allowances: each works and changes no data (README, "Security model") ----
-- a transaction ID: the commit writes a commit record, no data
SELECT txid_current() AS bp_xid \gset
SELECT pg_xact_status(:'bp_xid'::xid8) AS xid_status;
SET ROLE bp_user;
SELECT pg_current_xact_id() IS NOT NULL AS xid_assigned;
RESET ROLE;
-- PREPARE TRANSACTION of a transaction that wrote nothing, and its rollback
BEGIN;
SELECT count(*) FROM bp_t;
PREPARE TRANSACTION 'bp_2pc_r';
SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'bp\_%' ORDER BY gid;
ROLLBACK PREPARED 'bp_2pc_r';
-- statements that ask only for SELECT privilege and write nothing: a MERGE
-- whose only action is DO NOTHING, an UPDATE that a DO INSTEAD NOTHING rule
-- turns into nothing
SELECT bp_try($$MERGE INTO bp_t t USING (VALUES (1)) s(id) ON t.id = s.id WHEN MATCHED THEN DO NOTHING$$, 'bp_user') AS merge_do_nothing,
       bp_try($$UPDATE bp_nothing SET v = 'x'$$, 'bp_user') AS update_instead_nothing;
-- advisory locks, NOTIFY, LISTEN
SELECT pg_advisory_lock(4242), pg_advisory_unlock(4242);
NOTIFY bp_channel, 'bypass';
LISTEN bp_channel;
UNLISTEN bp_channel;
-- weak table locks, for everyone
SELECT m, bp_try(format('LOCK TABLE bp_t IN %s MODE', m), 'bp_user') AS ordinary,
       bp_try(format('LOCK TABLE bp_t IN %s MODE', m), 'bp_owner') AS db_owner,
       bp_try(format('LOCK TABLE bp_t IN %s MODE', m)) AS superuser
  FROM unnest(ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE']) AS m;
-- temporary sequences and columns; permanent ones are refused above
CREATE TEMP TABLE bp_tmp_ids (id int GENERATED ALWAYS AS IDENTITY, s serial, v text);
INSERT INTO bp_tmp_ids (v) VALUES ('a'), ('b') RETURNING id, s, v;
CREATE TEMP SEQUENCE bp_tmp_seq2;
SELECT nextval('bp_tmp_seq2'), setval('bp_tmp_seq2', 10), nextval('bp_tmp_seq2');
DROP TABLE bp_tmp_ids;
DROP SEQUENCE bp_tmp_seq2;
-- COPY into a temporary table from a program (superusers and
-- pg_execute_server_program only)
CREATE TEMP TABLE bp_tmp_copy (line text);
SELECT bp_state(bp_try($$COPY bp_tmp_copy FROM PROGRAM 'echo from-program'$$, 'bp_user')) AS ordinary,
       bp_try($$COPY bp_tmp_copy FROM PROGRAM 'echo from-program'$$) AS superuser;
SELECT * FROM bp_tmp_copy;
DROP TABLE bp_tmp_copy;
-- server files (out of scope: not data in the database)
SELECT bp_state(bp_try($$COPY bp_t TO '/dev/null'$$, 'bp_user')) AS ordinary,
       bp_try($$COPY bp_t TO '/dev/null'$$) AS superuser;
SELECT bp_try($$SELECT lo_export(525252, '/dev/null')$$, 'bp_user') AS ordinary,
       bp_try($$SELECT lo_export(525252, '/dev/null')$$) AS superuser;
-- WAL that carries no data, statistics, replication slots
SELECT f, bp_state(bp_try(f, 'bp_user')) AS ordinary, bp_state(bp_try(f)) AS superuser
  FROM unnest(ARRAY['CHECKPOINT',
                    'SELECT pg_switch_wal()',
                    'SELECT pg_create_restore_point(''bp'')',
                    'SELECT pg_stat_reset()',
                    'SELECT pg_create_physical_replication_slot(''bp_slot'')',
                    'SELECT pg_drop_replication_slot(''bp_slot'')']) AS f;
-- ALTER SYSTEM: the configuration file, for superusers and roles granted
-- ALTER SYSTEM on the parameter
SET ROLE bp_user;
\set VERBOSITY sqlstate
ALTER SYSTEM SET work_mem = '8MB';
\set VERBOSITY default
RESET ROLE;
ALTER SYSTEM SET work_mem = '8MB';
ALTER SYSTEM RESET work_mem;
-- readonly_guard's own settings, by a superuser, are the way out by design;
-- others may not touch them
ALTER ROLE bp_user SET readonly_guard.enabled = on;
ALTER ROLE bp_user RESET readonly_guard.enabled;
SELECT bp_try('ALTER ROLE bp_user SET readonly_guard.enabled = off', 'bp_user') AS ordinary,
       bp_try(format('ALTER DATABASE %I SET readonly_guard.enabled = off', current_database()),
              'bp_owner') AS db_owner;
-- rog_status() for everyone
SELECT bp_try('SELECT * FROM rog_status()', 'bp_user') AS ordinary,
       bp_try('SELECT * FROM rog_status()', 'bp_owner') AS db_owner;

-- ---- last: DISCARD TEMP drops the temporary objects with CASCADE, which
-- would reach a permanent table's column default ----
\set VERBOSITY sqlstate
DISCARD TEMP;
\set VERBOSITY default

SELECT rog_disable();

-- ---- readonly_guard.exempt_roles counts the session user: a SECURITY
-- DEFINER function of an exempt role does not exempt its caller ----
ALTER SYSTEM SET readonly_guard.exempt_roles = 'bp_exempt';
SELECT pg_reload_conf();
\set ECHO none
\o /dev/null
SELECT $$SELECT pg_sleep(0.05) WHERE current_setting('readonly_guard.exempt_roles') <> 'bp_exempt'$$
  FROM generate_series(1, 200) \gexec
\o
\set ECHO all
SHOW readonly_guard.exempt_roles;
SELECT rog_enable('exempt roles') IS NOT NULL AS enabled;
SELECT bp_state(bp_try('SELECT bp_exempt_definer()', 'bp_user')) AS ordinary,
       bp_state(bp_try('SELECT bp_exempt_definer()')) AS superuser,
       bp_state(bp_try('INSERT INTO bp_log VALUES (''set role'')', 'bp_exempt')) AS set_role_exempt;
-- and no role can join it while the mode is on
SELECT bp_state(bp_try('GRANT bp_exempt TO bp_user')) AS grant_membership,
       bp_state(bp_try('CREATE ROLE bp_new_role IN ROLE bp_exempt')) AS new_member,
       bp_state(bp_try('ALTER ROLE bp_user SET readonly_guard.exempt_roles = ''bp_user''')) AS role_setting;
SELECT rog_disable();
ALTER SYSTEM RESET readonly_guard.exempt_roles;
SELECT pg_reload_conf();
\set ECHO none
\o /dev/null
SELECT $$SELECT pg_sleep(0.05) WHERE current_setting('readonly_guard.exempt_roles') <> ''$$
  FROM generate_series(1, 200) \gexec
\o
\set ECHO all
SHOW readonly_guard.exempt_roles;

-- ---- a session's own cursor or cached expression that began before the
-- mode (rog_enable() in the same transaction: it holds no transaction ID) ----
\set VERBOSITY sqlstate
BEGIN;
DECLARE bp_cur CURSOR FOR SELECT nextval('bp_seq') FROM generate_series(1, 3);
SELECT rog_enable('cursor') IS NOT NULL AS enabled;
FETCH ALL FROM bp_cur;
ROLLBACK;
SELECT rog_disable();
-- a PL/pgSQL expression prepared in the first iteration, evaluated in the
-- second after rog_enable()
DO $$
DECLARE
    x bigint;
BEGIN
    FOR i IN 1 .. 2 LOOP
        IF i = 2 THEN
            PERFORM rog_enable('cached expression');
        END IF;
        x := CASE WHEN i = 2 THEN nextval('bp_seq') END;
    END LOOP;
END
$$;
SELECT rog_disable();
\set VERBOSITY default

-- ---- nothing changed ----
SELECT * FROM bp_t ORDER BY id;
SELECT count(*) AS log_rows FROM bp_log;
SELECT * FROM bp_ident ORDER BY id;
SELECT * FROM bp_serial ORDER BY id;
SELECT last_value = :bp_seq_before AS seq_unchanged FROM bp_seq;
SELECT pg_sequence_last_value(pg_get_serial_sequence('bp_ident', 'id')) = :bp_ident_before AS ident_unchanged,
       pg_sequence_last_value(pg_get_serial_sequence('bp_serial', 'id')) = :bp_serial_before AS serial_unchanged;
SELECT * FROM bp_mv ORDER BY id;
SELECT * FROM bp_nothing;
SELECT * FROM bp_tmpdep_col;
SELECT count(*) AS committed_2pc_rows FROM bp_2pc;
SELECT count(*) AS surgery_rows FROM bp_surgery;
SELECT count(*) = :bp_lo_before AS lo_count_unchanged FROM pg_largeobject_metadata;
SELECT count(*) = :bp_coll_before AS collations_unchanged FROM pg_collation;
SELECT count(*) AS bp_origins FROM pg_replication_origin WHERE roname LIKE 'bp%';
SELECT relname, relhassubclass FROM pg_class WHERE relname = 'bp_parent';
SELECT c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) IS NOT NULL AS has_default
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relname LIKE 'bp\_tmpdep\_%'
 ORDER BY 1, 2;
SELECT brin_summarize_new_values('bp_brin_idx') > 0 AS brin_ranges_left_to_summarize;
SELECT gin_clean_pending_list('bp_gin_idx') > 0 AS gin_pending_left;
SELECT * FROM dblink(:'bp_conn_pg', 'SELECT count(*)::int FROM pg_class WHERE relname = ''bp_remote_new''')
    AS t(remote_new_tables int);
SELECT f.what, f.h = b.h AS unchanged FROM bp_fingerprint() f JOIN bypass_fp b USING (what) ORDER BY f.what;
SELECT rog_version() = extversion AS version_matches FROM pg_extension WHERE extname = 'readonly_guard';
SELECT enabled FROM rog_status();

-- ---- clean up ----
SELECT postgres_fdw_disconnect_all();
DROP EVENT TRIGGER bp_evt_start;
DROP EVENT TRIGGER bp_evt_drop;
SELECT format('ROLLBACK PREPARED %L', gid) FROM pg_prepared_xacts WHERE gid LIKE 'bp\_%' \gexec
SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin WHERE roname LIKE 'bp%';
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'bp%';
DISCARD TEMP;
ALTER DATABASE :"DBNAME" OWNER TO :"bp_orig_owner";
SET client_min_messages = warning;
DROP SCHEMA bp_coll CASCADE;
DROP EXTENSION postgres_fdw CASCADE;
DROP EXTENSION dblink;
DROP EXTENSION pg_surgery;
DROP VIEW bp_wv, bp_rule_v;
DROP TABLE bp_log, bp_nothing, bp_surgery, bp_2pc, bp_stmts, bypass_fp;
DROP FUNCTION bp_log_write(int), bp_iview_fn(), bp_definer_outer(), bp_definer_guc(),
    bp_sql_cte(), bp_evt_fn(), bp_fingerprint();
DROP PROCEDURE bp_proc_commit();
SELECT count(lo_unlink(oid)) AS unlinked FROM pg_largeobject_metadata WHERE oid NOT IN (SELECT oid FROM bypass_lo);
DROP TABLE bypass_lo;
DROP OWNED BY bp_user, bp_owner, bp_spare, bp_exempt CASCADE;
RESET client_min_messages;
DROP ROLE bp_user, bp_owner, bp_spare, bp_exempt;
DROP FUNCTION bp_try(text, name, boolean), bp_state(text);
SELECT count(*) AS leftover_relations FROM pg_class WHERE relname LIKE 'bp\_%';
SELECT count(*) AS leftover_functions FROM pg_proc WHERE proname LIKE 'bp\_%';
SELECT pg_get_userbyid(datdba) = :'bp_orig_owner' AS owner_restored
  FROM pg_database WHERE datname = current_database();
SELECT enabled FROM rog_status();
RESET lock_timeout;
