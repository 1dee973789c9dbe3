--
-- 00_setup: install the extension, create the fixtures the other files use.
-- The files run in the order of their names (REGRESS in the Makefile):
-- 01 to 05 use these fixtures and what the files before them left, and
-- 05_errors.sql drops the fixtures and the role again; 10 and later need
-- only the extension installed here, and bring and drop their own fixtures.
--
CREATE EXTENSION readonly_guard;

-- the API, and who may call it
SELECT p.proname, oidvectortypes(p.proargtypes) AS arguments,
       p.prorettype::regtype AS result
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
  JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
 WHERE e.extname = 'readonly_guard'
 ORDER BY p.proname;

SET client_min_messages = warning;
DROP ROLE IF EXISTS rog_user;
RESET client_min_messages;
CREATE ROLE rog_user;

SELECT f, has_function_privilege('rog_user', f, 'EXECUTE') AS rog_user_may_execute
  FROM unnest(ARRAY['rog_enable(text, interval, text, interval)', 'rog_disable(text)', 'rog_status()']) AS f;

-- starts off
SELECT enabled, source, reason, enabled_by, enabled_at, lsn FROM rog_status();
SHOW readonly_guard.enabled;

-- rog_try(sql [, undo]): run one statement, report 'ok' or
-- 'SQLSTATE | message | detail | hint', with the time, the transaction ID and
-- the name of the superuser running the tests masked.  With undo, a statement
-- that worked is rolled back again.
CREATE FUNCTION rog_try(sql text, undo boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    BEGIN
        EXECUTE sql;
        IF undo THEN
            RAISE EXCEPTION 'undo' USING ERRCODE = 'RGUND';
        END IF;
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        IF st = 'RGUND' THEN
            RETURN 'ok';
        END IF;
        det := regexp_replace(det, 'since [^,]*, enabled by', 'since <time>, enabled by');
        det := regexp_replace(det, 'transaction ID [0-9]+', 'transaction ID <xid>');
        det := replace(det, format('role "%s"', session_user), 'role "<superuser>"');
        RETURN concat_ws(' | ', st, msg, NULLIF(det, ''), NULLIF(hnt, ''));
    END;
END
$$;

-- fixtures, all writable by rog_user so that only read-only mode stops it
CREATE TABLE rog_t (id int PRIMARY KEY, v text);
INSERT INTO rog_t VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE TABLE rog_u (id int REFERENCES rog_t, w text);
INSERT INTO rog_u VALUES (1, 'uno'), (2, 'dos');
CREATE UNLOGGED TABLE rog_unlogged (id int);
INSERT INTO rog_unlogged VALUES (1);
CREATE SEQUENCE rog_seq;
SELECT nextval('rog_seq');
CREATE VIEW rog_v AS SELECT t.id, t.v, u.w FROM rog_t t LEFT JOIN rog_u u USING (id);
CREATE MATERIALIZED VIEW rog_mv AS SELECT id, v FROM rog_t;
-- a view whose INSERT a rule turns into an INSERT into rog_t
CREATE VIEW rog_rv AS SELECT id, v FROM rog_t;
CREATE RULE rog_rv_ins AS ON INSERT TO rog_rv DO INSTEAD
    INSERT INTO rog_t VALUES (NEW.id, NEW.v);
SELECT lo_from_bytea(424242, 'hello large object');

CREATE FUNCTION rog_sql_insert(i int) RETURNS int LANGUAGE sql
    AS $$ INSERT INTO rog_t VALUES (i, 'sql') RETURNING id $$;
CREATE FUNCTION rog_plpgsql_insert(i int) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO rog_t VALUES (i, 'plpgsql'); END $$;
CREATE FUNCTION rog_plpgsql_execute(i int) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN EXECUTE format('UPDATE rog_t SET v = %L WHERE id = %s', 'execute', i); END $$;
CREATE FUNCTION rog_definer_delete() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    AS $$ BEGIN DELETE FROM rog_t WHERE id = 3; END $$;
CREATE FUNCTION rog_read(i int) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN RETURN (SELECT v FROM rog_t WHERE id = i); END $$;
CREATE PROCEDURE rog_proc_commit() LANGUAGE plpgsql
    AS $$ BEGIN COMMIT; INSERT INTO rog_t VALUES (90, 'proc'); COMMIT; END $$;

GRANT ALL ON rog_t, rog_u, rog_unlogged, rog_seq, rog_v, rog_mv, rog_rv TO rog_user;
GRANT SELECT, UPDATE ON LARGE OBJECT 424242 TO rog_user;
GRANT CREATE ON SCHEMA public TO rog_user;
