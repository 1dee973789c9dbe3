--
-- 16_promise: once read-only mode is in force, nothing a session does changes
-- the database, whatever path the write takes: also paths that pass no
-- hook of the guard, which only the commit judge sees.  And what must keep
-- working does.  Each block failed on readonly_guard 1.1.  The mode comes
-- from SET readonly_guard.enabled, whose refusals have a fixed detail, or
-- from rog_enable() where a case needs the cluster mode.  Self-contained;
-- ends with the mode off and its fixtures dropped.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lo;
CREATE EXTENSION IF NOT EXISTS autoinc;
CREATE EXTENSION IF NOT EXISTS pageinspect;
RESET client_min_messages;
CREATE TABLE pr_t (id int);
CREATE ROLE pr_owner;
CREATE SEQUENCE pr_seq;
SELECT setval('pr_seq', 10);
SELECT lo_create(777001) AS lo, lo_create(777002) AS lo2;
-- a BRIN index with ranges left to summarize
CREATE TABLE pr_brin (id int);
CREATE INDEX pr_brin_idx ON pr_brin USING brin (id) WITH (pages_per_range = 1);
INSERT INTO pr_brin SELECT g FROM generate_series(1, 1000) g;
CREATE VIEW pr_brin_summarized AS
    SELECT count(*) AS summarized_ranges
      FROM brin_revmap_data(get_raw_page('pr_brin_idx', 1)) WHERE pages <> '(0,0)';
SELECT * FROM pr_brin_summarized;
-- a temporary table with contrib lo's trigger: a DELETE unlinks the large
-- object of the row, a permanent one, by a direct C call
CREATE TEMP TABLE pr_lo (id int, l lo);
INSERT INTO pr_lo VALUES (1, 777001);
CREATE TRIGGER pr_lo_manage BEFORE UPDATE OR DELETE ON pr_lo
    FOR EACH ROW EXECUTE FUNCTION lo_manage(l);
-- a temporary table with contrib autoinc's trigger: an INSERT advances a
-- permanent sequence by a direct C call of nextval()
CREATE TEMP TABLE pr_ai (id int, v text);
CREATE TRIGGER pr_ai_autoinc BEFORE INSERT ON pr_ai
    FOR EACH ROW EXECUTE FUNCTION autoinc(id, pr_seq);
CREATE TEMP TABLE pr_tmp (id int);
-- a permanent object that depends on a temporary one
CREATE TEMP TABLE pr_dep (id int);
CREATE TABLE pr_pol (id int);
CREATE POLICY pr_p ON pr_pol USING (id IN (SELECT id FROM pr_dep));
SELECT pg_replication_origin_create('pr_origin') IS NOT NULL AS origin;
-- an alias of a built-in writer, made before the mode (superusers only)
CREATE FUNCTION pr_bsum(regclass) RETURNS int LANGUAGE internal
    AS 'brin_summarize_new_values';
-- PL/pgSQL caches a simple expression for the rest of the transaction
CREATE FUNCTION pr_summ(go boolean) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int;
BEGIN
    n := CASE WHEN go THEN brin_summarize_new_values('pr_brin_idx') ELSE -1 END;
    RETURN n;
END $$;
\set VERBOSITY default

-- ---- writes no hook sees, refused (session mode: fixed detail) ----
SET readonly_guard.enabled = on;

-- autoinc's nextval() from a trigger: core refuses it, the transaction is
-- marked read-only; by INSERT and by COPY (which 1.1 let run unmarked)
INSERT INTO pr_ai (v) VALUES ('x');
COPY pr_ai (v) FROM STDIN;
y
\.
SELECT last_value FROM pr_seq;

-- lo_manage's lo_unlink() from a trigger: the DELETE of the temporary row is
-- allowed, the large object's removal is refused (by the guard on 15, by
-- core's own check from 16 on: 16_promise_1.out)
DELETE FROM pr_lo;
-- txid_current() (or any write to a temporary table) does not make a
-- transaction's other writes acceptable
BEGIN;
SELECT txid_current() > 0 AS has_xid;
INSERT INTO pr_tmp VALUES (1);
DELETE FROM pr_lo;
COMMIT;
SELECT count(*) AS lo_kept FROM pg_largeobject_metadata WHERE oid = 777001;

-- a replication origin set up for the session: the commit of any write
-- would record its progress
SELECT pg_replication_origin_session_setup('pr_origin');
SELECT pg_replication_origin_xact_setup('0/1', now());
RESET readonly_guard.enabled;
SELECT pg_replication_origin_session_setup('pr_origin');
SET readonly_guard.enabled = on;
INSERT INTO pr_tmp VALUES (2);
RESET readonly_guard.enabled;
SELECT pg_replication_origin_session_reset();
SET readonly_guard.enabled = on;
INSERT INTO pr_tmp VALUES (3);

-- cursors set up before the mode came: a function that writes outside any
-- transaction (BRIN summarization) or past the statement checks (a large
-- object write) is refused when the cursor runs under the mode
BEGIN;
RESET readonly_guard.enabled;
DECLARE pr_brin_c CURSOR FOR SELECT brin_summarize_new_values('pr_brin_idx');
DECLARE pr_lo_c CURSOR FOR SELECT lo_put(777002, 0, '\x01') FROM generate_series(1, 3);
DECLARE pr_ok_c CURSOR FOR SELECT id FROM pr_brin ORDER BY id;
SET LOCAL readonly_guard.enabled = on;
FETCH 1 FROM pr_ok_c;
SAVEPOINT s;
FETCH 1 FROM pr_brin_c;
ROLLBACK TO s;
FETCH 1 FROM pr_lo_c;
ROLLBACK;
SELECT * FROM pr_brin_summarized;
SELECT length(lo_get(777002)) AS lo2_length;

-- an expression PL/pgSQL cached before the mode came, in the same
-- transaction, is built again under the mode's checks
BEGIN;
RESET readonly_guard.enabled;
SELECT pr_summ(false);
SET LOCAL readonly_guard.enabled = on;
SELECT pr_summ(true);
ROLLBACK;
-- an alias of a built-in writer is refused like the writer; a new one may
-- not be made, not even in pg_temp
SELECT pr_bsum('pr_brin_idx');
CREATE FUNCTION pg_temp.pr_bsum2(regclass) RETURNS int LANGUAGE internal
    AS 'brin_summarize_new_values';
SELECT * FROM pr_brin_summarized;

-- DDL on temporary objects runs read-only once core's check is past: a
-- function a GiST build calls (the range type's subtype_diff) cannot use
-- an expression cached with nextval() on a permanent sequence
BEGIN;
CREATE FUNCTION pg_temp.pr_diff(a int, b int) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v bigint;
BEGIN
    v := CASE WHEN current_setting('pr.go', true) = '1' THEN nextval('public.pr_seq') ELSE 0 END;
    RETURN b - a;
END $$;
CREATE TYPE pg_temp.pr_range AS RANGE (subtype = int4, subtype_diff = pg_temp.pr_diff);
CREATE TEMP TABLE pr_rt (r pg_temp.pr_range);
INSERT INTO pr_rt SELECT pg_temp.pr_range(g, g + 10) FROM generate_series(1, 2000) g;
SELECT pg_temp.pr_diff(1, 2);
SET LOCAL pr.go = '1';
\set SHOW_CONTEXT never
CREATE INDEX ON pr_rt USING gist (r);
\set SHOW_CONTEXT errors
ROLLBACK;
SELECT last_value FROM pr_seq;

-- an event trigger that fires on DDL on temporary objects (before any
-- object is touched) runs read-only: its cached nextval() is refused
RESET readonly_guard.enabled;
CREATE FUNCTION pr_audit() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    v := coalesce(nullif(current_setting('pr.audit_id', true), '')::bigint, nextval('pr_seq'));
END $$;
CREATE EVENT TRIGGER pr_audit ON ddl_command_start EXECUTE FUNCTION pr_audit();
SET readonly_guard.enabled = on;
SET pr.audit_id = '42';
CREATE TEMP TABLE pr_x0 (a int);
BEGIN;
CREATE TEMP TABLE pr_x1 (a int);
RESET pr.audit_id;
CREATE TEMP TABLE pr_x2 (a int);
ROLLBACK;
COMMENT ON TABLE pr_x0 IS 'hi';
RESET pr.audit_id;
COMMENT ON TABLE pr_x0 IS 'hi';
SELECT last_value FROM pr_seq;
RESET readonly_guard.enabled;
DROP EVENT TRIGGER pr_audit;
DROP FUNCTION pr_audit();
SET readonly_guard.enabled = on;

-- a temporary composite type that a permanent table uses may not change
RESET readonly_guard.enabled;
CREATE TYPE pg_temp.pr_co AS (x int, y int);
CREATE TABLE pr_pcol (c pg_temp.pr_co);
INSERT INTO pr_pcol VALUES (ROW(1, 2));
SET readonly_guard.enabled = on;
ALTER TYPE pg_temp.pr_co DROP ATTRIBUTE x;
COMMENT ON TYPE pg_temp.pr_co IS 'changed';
SELECT * FROM pr_pcol;

-- RENAME of a type or domain that does not exist, or of a temporary one
-- (this crashed the server once: the name is a list there)
ALTER TYPE pr_no_such_type RENAME TO pr_x;
CREATE DOMAIN pg_temp.pr_d AS int;
ALTER DOMAIN pg_temp.pr_d RENAME TO pr_d2;
ALTER DOMAIN pg_temp.pr_d2 ADD CONSTRAINT pr_pos CHECK (VALUE > 0);
DROP DOMAIN pg_temp.pr_d2;

-- CREATE OPERATOR in pg_temp would update the row of a permanent operator
-- named as its commutator: refused
RESET readonly_guard.enabled;
CREATE FUNCTION pr_eq(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR public.#=# (leftarg = int, rightarg = int, function = pr_eq);
SET readonly_guard.enabled = on;
CREATE OPERATOR pg_temp.#=# (leftarg = int, rightarg = int, function = pr_eq,
    commutator = OPERATOR(public.#=#));
SELECT oprcom = 0 AS commutator_unchanged FROM pg_operator WHERE oprname = '#=#';

-- a temporary enum that a permanent table uses may not change
RESET readonly_guard.enabled;
CREATE TYPE pg_temp.pr_en AS ENUM ('x');
CREATE TABLE pr_penum (c pg_temp.pr_en);
INSERT INTO pr_penum VALUES ('x');
SET readonly_guard.enabled = on;
ALTER TYPE pg_temp.pr_en RENAME VALUE 'x' TO 'hacked';
SELECT * FROM pr_penum;

-- nor a temporary table whose row type a permanent table uses: no RENAME,
-- COMMENT or ALTER of it or its columns (a fourth audit)
RESET readonly_guard.enabled;
CREATE TEMP TABLE pr_rt (a int);
CREATE TABLE pr_prt (r pr_rt);
INSERT INTO pr_prt VALUES (ROW(1));
SET readonly_guard.enabled = on;
ALTER TABLE pr_rt RENAME COLUMN a TO renamed;
COMMENT ON COLUMN pr_rt.a IS 'changed';
ALTER TABLE pr_rt RENAME TO pr_rt2;
ALTER TABLE pr_rt ADD COLUMN b int;
SELECT to_json(r) FROM pr_prt;

-- nor one that a permanent object depends on through other temporary
-- objects: an enum's array type, an inheritance child's row type, a domain
-- whose check calls a temporary function (a fourth audit: each changed or
-- lost permanent data)
RESET readonly_guard.enabled;
CREATE TYPE pg_temp.pr_mood AS ENUM ('happy', 'sad');
CREATE TABLE pr_pmood (m pg_temp.pr_mood[]);
INSERT INTO pr_pmood VALUES ('{happy}');
CREATE TEMP TABLE pr_tpar (a int, b text);
CREATE TEMP TABLE pr_tchild () INHERITS (pr_tpar);
CREATE TABLE pr_pchild (c pr_tchild);
INSERT INTO pr_pchild VALUES (ROW(1, 'secret'));
CREATE FUNCTION pg_temp.pr_chk(int) RETURNS bool LANGUAGE sql IMMUTABLE
    AS 'SELECT $1 > 0';
CREATE DOMAIN pg_temp.pr_dm AS int CONSTRAINT pr_dm_pos CHECK (VALUE > 0);
CREATE DOMAIN pg_temp.pr_dm2 AS int CONSTRAINT pr_dm2_chk CHECK (pg_temp.pr_chk(VALUE));
CREATE TABLE pr_pdom (d pg_temp.pr_dm, d2 pg_temp.pr_dm2);
SET readonly_guard.enabled = on;
ALTER TYPE pg_temp.pr_mood RENAME VALUE 'happy' TO 'furious';
ALTER TABLE pr_tpar DROP COLUMN b;
ALTER TABLE pr_tpar ADD COLUMN z int;
ALTER DOMAIN pg_temp.pr_dm DROP CONSTRAINT pr_dm_pos;
ALTER DOMAIN pg_temp.pr_dm ADD CONSTRAINT pr_dm_neg CHECK (VALUE < 0) NOT VALID;
CREATE OR REPLACE FUNCTION pg_temp.pr_chk(int) RETURNS bool LANGUAGE sql IMMUTABLE
    AS 'SELECT true';
DROP FUNCTION pg_temp.pr_chk(int) CASCADE;
ALTER TYPE pg_temp.pr_co RENAME ATTRIBUTE y TO yy;
CREATE RULE "_RETURN" AS ON SELECT TO pr_rt DO INSTEAD SELECT 1 AS a;
-- while the same DDL on temporary objects nothing permanent uses works,
-- and so does TRUNCATE (it changes no permanent object)
TRUNCATE pr_tpar;
CREATE TEMP TABLE pr_lone (a int, b text);
ALTER TABLE pr_lone DROP COLUMN b;
CREATE DOMAIN pg_temp.pr_dm3 AS int CONSTRAINT pr_dm3_pos CHECK (VALUE > 0);
ALTER DOMAIN pg_temp.pr_dm3 DROP CONSTRAINT pr_dm3_pos;
RESET readonly_guard.enabled;
SELECT * FROM pr_pmood;
SELECT * FROM pr_pchild;
INSERT INTO pr_pdom VALUES (-5, NULL);
INSERT INTO pr_pdom VALUES (NULL, -1);
SELECT a FROM pr_rt;
SET readonly_guard.enabled = on;

-- a temporary range type may not name a permanent multirange type
CREATE TYPE pg_temp.pr_r AS RANGE (subtype = int4, multirange_type_name = public.pr_evil_mr);
SELECT count(*) AS permanent_types FROM pg_type WHERE typname LIKE '%pr_evil_mr';

-- a subtransaction that ends restores transaction_read_only to its value at
-- its start: the guard marks the transaction at its first statement, so the
-- value restored is read-only too, and a cached setval() stays refused
DO $$
DECLARE
    s regclass;
    v bigint;
BEGIN
    FOREACH s IN ARRAY ARRAY['pr_seq']::regclass[] LOOP
        BEGIN
            PERFORM 1 / 0;
        EXCEPTION WHEN division_by_zero THEN
            NULL;
        END;
        v := setval(s, 777);
    END LOOP;
END $$;
SELECT last_value FROM pr_seq;

-- DROP ... CASCADE that would reach a permanent object is refused
DROP TABLE pr_dep CASCADE;
SELECT count(*) AS policy_kept FROM pg_policy WHERE polname = 'pr_p';

-- ---- harmless, allowed ----

-- EXPLAIN without ANALYZE names writers without running them
EXPLAIN (COSTS OFF) SELECT nextval('pr_seq'), lo_unlink(777001),
    brin_summarize_new_values('pr_brin_idx');
-- DDL on the session's own temporary objects
ALTER TABLE pr_tmp RENAME TO pr_tmp2;
ALTER TABLE pr_tmp2 RENAME COLUMN id TO ident;
ALTER TABLE pr_tmp2 ADD CONSTRAINT pr_tmp2_pos CHECK (ident > 0);
ALTER TABLE pr_tmp2 RENAME CONSTRAINT pr_tmp2_pos TO pr_tmp2_positive;
COMMENT ON TABLE pr_tmp2 IS 'temporary';
COMMENT ON COLUMN pr_tmp2.ident IS 'temporary column';
COMMENT ON CONSTRAINT pr_tmp2_positive ON pr_tmp2 IS 'temporary constraint';
ALTER TABLE pr_tmp2 ADD COLUMN b int;
CREATE STATISTICS pg_temp.pr_st ON ident, b FROM pr_tmp2;
CREATE RULE pr_r AS ON UPDATE TO pr_tmp2 DO ALSO NOTIFY pr_tmp2;
CREATE FUNCTION pg_temp.pr_trg() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER pr_trg BEFORE INSERT ON pr_tmp2 FOR EACH ROW EXECUTE FUNCTION pg_temp.pr_trg();
CREATE POLICY pr_tmp_p ON pr_tmp2 USING (true);
CREATE TYPE pg_temp.pr_pair AS (a int, b int);
CREATE TYPE pg_temp.pr_color AS ENUM ('red', 'green');
CREATE TEMP SEQUENCE pr_tmp_seq;
CREATE FUNCTION pg_temp.pr_g() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER FUNCTION pg_temp.pr_g() IMMUTABLE;
ALTER FUNCTION pg_temp.pr_g() RENAME TO pr_g2;
COMMENT ON FUNCTION pg_temp.pr_g2() IS 'temporary function';
CREATE DOMAIN pg_temp.pr_dom AS int CHECK (VALUE > 0);
CREATE AGGREGATE pg_temp.pr_agg(int) (sfunc = int4pl, stype = int);
ALTER TYPE pg_temp.pr_color ADD VALUE 'blue';
ALTER TYPE pg_temp.pr_pair RENAME ATTRIBUTE a TO aa;
ALTER POLICY pr_tmp_p ON pr_tmp2 USING (false);
CREATE TYPE pg_temp.pr_r2 AS RANGE (subtype = int4);
DROP TYPE pg_temp.pr_r2;
DROP TYPE pg_temp.pr_color;
DROP FUNCTION pg_temp.pr_trg() CASCADE;
-- a deferred trigger that uses a temporary sequence fires at COMMIT
CREATE FUNCTION pg_temp.pr_next() RETURNS trigger LANGUAGE plpgsql
    AS $$ BEGIN PERFORM nextval('pg_temp.pr_tmp_seq'); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER pr_deferred AFTER INSERT ON pr_tmp2
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.pr_next();
INSERT INTO pr_tmp2 VALUES (1, 2);
SELECT ident, b FROM pr_tmp2;
DROP TABLE IF EXISTS pr_tmp2 CASCADE;
DROP TABLE IF EXISTS pr_no_such_table CASCADE;
-- temporary objects that only temporary objects depend on
CREATE TEMP TABLE pr_tmp3 (id int);
CREATE TEMP VIEW pr_tmp3_v AS SELECT id FROM pr_tmp3;
DROP TABLE pr_tmp3 CASCADE;
-- more of them (a fourth audit): a generated column's expression dropped,
-- inheritance between temporary tables, domain constraints, owners
CREATE TEMP TABLE pr_gen (a int, g int GENERATED ALWAYS AS (a * 2) STORED);
ALTER TABLE pr_gen ALTER COLUMN g DROP EXPRESSION;
CREATE TEMP TABLE pr_parent (id int);
CREATE TEMP TABLE pr_child (id int);
ALTER TABLE pr_child INHERIT pr_parent;
ALTER TABLE pr_child NO INHERIT pr_parent;
CREATE DOMAIN pg_temp.pr_dom2 AS int CONSTRAINT pr_dom2_check CHECK (VALUE > 0);
ALTER DOMAIN pg_temp.pr_dom2 RENAME CONSTRAINT pr_dom2_check TO pr_dom2_positive;
COMMENT ON CONSTRAINT pr_dom2_positive ON DOMAIN pg_temp.pr_dom2 IS 'temporary';
ALTER FUNCTION pg_temp.pr_g2() OWNER TO pr_owner;
ALTER TYPE pg_temp.pr_pair OWNER TO pr_owner;
ALTER DOMAIN pg_temp.pr_dom2 OWNER TO pr_owner;
SELECT count(*) AS owned FROM pg_type t JOIN pg_roles r ON r.oid = t.typowner
 WHERE r.rolname = 'pr_owner';
-- while a permanent parent, or a permanent function's owner, is refused
ALTER TABLE pr_child INHERIT pr_t;
ALTER FUNCTION pr_eq(int, int) OWNER TO pr_owner;
DROP FUNCTION pg_temp.pr_g2();
DROP TYPE pg_temp.pr_pair;
DROP DOMAIN pg_temp.pr_dom2;
RESET readonly_guard.enabled;

-- COMMIT AND CHAIN: the chained transaction does not inherit the guard's
-- mark, which is no characteristic of the user's transaction
BEGIN;
SET LOCAL readonly_guard.enabled = on;
SELECT count(*) FROM pr_t;
COMMIT AND CHAIN;
SHOW transaction_read_only;
INSERT INTO pr_t VALUES (1);
COMMIT;
-- while a transaction the user declared read-only keeps that in its chain
BEGIN READ ONLY;
SET LOCAL readonly_guard.enabled = on;
SELECT count(*) FROM pr_t;
COMMIT AND CHAIN;
SHOW transaction_read_only;
COMMIT;
-- and with the cluster mode, ended inside the chained transaction
SELECT rog_enable('chain') IS NOT NULL AS enabled;
BEGIN;
SELECT count(*) FROM pr_t;
COMMIT AND CHAIN;
SELECT rog_disable();
INSERT INTO pr_t VALUES (2);
COMMIT;
SELECT count(*) AS rows_written FROM pr_t;

-- after an expiry, PREPARE TRANSACTION works: the expiry's notification
-- goes out with a commit, never with a prepared transaction
SELECT rog_enable('short', expires_in => '1 second') IS NOT NULL AS enabled;
SELECT pg_sleep(1.2);
BEGIN;
SELECT enabled FROM rog_status();
INSERT INTO pr_t VALUES (3);
PREPARE TRANSACTION 'pr_gx';
COMMIT PREPARED 'pr_gx';
SELECT count(*) AS rows_written FROM pr_t;

-- cleanup
SELECT lo_unlink(777001), lo_unlink(777002);
SELECT pg_replication_origin_drop('pr_origin');
DROP POLICY pr_p ON pr_pol;
DROP VIEW pr_brin_summarized;
DROP FUNCTION pr_bsum(regclass), pr_summ(boolean);
DROP TABLE pr_t, pr_brin, pr_pol, pr_lo, pr_ai, pr_dep, pr_pcol, pr_penum, pr_prt,
    pr_pmood, pr_pchild, pr_pdom;
DROP ROLE pr_owner;
DROP OPERATOR public.#=# (int, int);
DROP FUNCTION pr_eq(int, int);
DROP SEQUENCE pr_seq;
SET client_min_messages = warning;
DROP EXTENSION lo;
DROP EXTENSION autoinc;
DROP EXTENSION pageinspect;
RESET client_min_messages;

-- a new session's first statement may set the transaction's isolation
-- level: taking in the state (the mode went on and off above) reads the
-- catalog without taking the transaction's snapshot
\c
BEGIN ISOLATION LEVEL REPEATABLE READ;
SHOW transaction_isolation;
COMMIT;
