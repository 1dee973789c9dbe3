--
-- 14_settled: once a transaction has run its first read under read-only mode,
-- the hooks let its later reads pass after one comparison of the state word
-- (the transaction is "settled": observed, marked read-only, not allowed to
-- write).  Everything that can change underneath must end that shortcut:
-- a subtransaction's end (it restores transaction_read_only), a setting
-- changed in the transaction, the mode itself.  And core's own refusal of
-- nextval(), which the guard does not see, must still carry its detail and
-- hint however the call comes.  Statements run at top level here, not in a
-- helper function: a helper's exception block is a subtransaction, and
-- would hide the shortcut.  Ends with the mode off and nothing written.
--
CREATE TABLE st_t (id int);
CREATE SEQUENCE st_seq;
SELECT nextval('st_seq');
CREATE FUNCTION st_next() RETURNS bigint LANGUAGE plpgsql
    AS $$ BEGIN RETURN nextval('st_seq'); END $$;
CREATE FUNCTION st_next_sql() RETURNS bigint LANGUAGE sql
    AS $$ SELECT nextval('st_seq') $$;
-- PL/pgSQL caches the expression: nextval() passes the guard's function
-- hook once per transaction, when n = 1 (and then is not called)
CREATE FUNCTION st_cached(n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    x bigint;
BEGIN
    x := CASE WHEN n = 2 THEN nextval('st_seq') END;
    RETURN x;
END $$;
-- opens a cursor, then turns the mode on for the transaction, reads, and
-- fetches from the cursor
CREATE FUNCTION st_late_cursor() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    c refcursor;
    x bigint;
BEGIN
    OPEN c FOR SELECT nextval('st_seq') FROM generate_series(1, 3);
    PERFORM set_config('readonly_guard.enabled', 'on', true);
    PERFORM count(*) FROM st_t;
    PERFORM count(*) FROM st_t;
    FETCH c INTO x;
    RETURN x;
END $$;
CREATE TEMP TABLE st_tmp (id int);
CREATE TEMP SEQUENCE st_tmp_seq;
SELECT count(*) AS lo_before FROM pg_largeobject_metadata \gset

-- ---- session mode: the error text is fixed, so it is shown whole ----

-- a cursor set up before the mode came, fetched once the transaction has
-- settled: its nextval() is refused with the guard's detail and hint, by
-- FETCH and by PL/pgSQL (whose FETCH runs no utility statement)
BEGIN;
DECLARE st_c CURSOR FOR SELECT nextval('st_seq') FROM generate_series(1, 3);
SET LOCAL readonly_guard.enabled = on;
SELECT count(*) FROM st_t;
SELECT count(*) FROM st_t;
FETCH 1 FROM st_c;
ROLLBACK;
BEGIN;
SELECT st_late_cursor();
ROLLBACK;

SET readonly_guard.enabled = on;

-- core refuses nextval() after reads; the detail and hint are the guard's
BEGIN;
SELECT count(*) FROM st_t;
SELECT count(*) FROM st_t;
SELECT nextval('st_seq');
ROLLBACK;
-- through a PL/pgSQL function, an inlined SQL function, a cached expression
BEGIN;
SELECT count(*) FROM st_t;
SELECT st_next();
ROLLBACK;
BEGIN;
SELECT count(*) FROM st_t;
SELECT st_next_sql();
ROLLBACK;
BEGIN;
SELECT st_cached(1);
SELECT count(*) FROM st_t;
SELECT st_cached(2);
ROLLBACK;
-- the guard's own refusals after reads
BEGIN;
SELECT count(*) FROM st_t;
INSERT INTO st_t VALUES (1);
ROLLBACK;
BEGIN;
SELECT count(*) FROM st_t;
SELECT * FROM st_t FOR UPDATE;
ROLLBACK;
BEGIN;
SELECT count(*) FROM st_t;
SELECT lo_create(0);
ROLLBACK;

-- the transaction settles inside a savepoint; its end restores
-- transaction_read_only to off, and the next statement marks it again
BEGIN;
SAVEPOINT a;
SELECT count(*) FROM st_t;
SELECT current_setting('transaction_read_only') AS xact_read_only;
RELEASE a;
SELECT current_setting('transaction_read_only') AS xact_read_only;
SELECT nextval('st_seq');
ROLLBACK;
BEGIN;
SAVEPOINT a;
SELECT st_cached(1);
RELEASE a;
SELECT st_cached(2);
ROLLBACK;
BEGIN;
SAVEPOINT a;
SELECT count(*) FROM st_t;
ROLLBACK TO a;
SELECT current_setting('transaction_read_only') AS xact_read_only;
INSERT INTO st_t VALUES (2);
ROLLBACK;

-- temporary objects stay writable in a settled transaction, and it commits
BEGIN;
SELECT count(*) FROM st_t;
INSERT INTO st_tmp VALUES (1);
SELECT nextval('st_tmp_seq');
SELECT count(*) FROM st_tmp;
COMMIT;

-- the setting goes off inside a settled transaction: writes work at once
BEGIN;
SELECT count(*) FROM st_t;
SET LOCAL readonly_guard.enabled = off;
SELECT current_setting('transaction_read_only') AS xact_read_only;
INSERT INTO st_t VALUES (3);
SELECT nextval('st_seq');
ROLLBACK;
-- and on again in the same transaction: refused at once
BEGIN;
SELECT count(*) FROM st_t;
SET LOCAL readonly_guard.enabled = off;
SELECT count(*) FROM st_t;
SET LOCAL readonly_guard.enabled = on;
SELECT count(*) FROM st_t;
INSERT INTO st_t VALUES (4);
ROLLBACK;
RESET readonly_guard.enabled;

-- ---- cluster mode: the detail holds the time, so only SQLSTATEs show ----
SELECT rog_enable('settled') IS NOT NULL AS enabled;
\set VERBOSITY sqlstate
BEGIN;
SELECT count(*) FROM st_t;
SELECT count(*) FROM st_t;
INSERT INTO st_t VALUES (5);
ROLLBACK;
BEGIN;
SELECT count(*) FROM st_t;
SELECT nextval('st_seq');
ROLLBACK;
BEGIN;
SELECT st_cached(1);
SELECT st_cached(2);
ROLLBACK;
BEGIN;
SAVEPOINT a;
SELECT count(*) FROM st_t;
RELEASE a;
SELECT current_setting('transaction_read_only') AS xact_read_only;
SELECT nextval('st_seq');
ROLLBACK;
BEGIN;
SELECT count(*) FROM st_t;
INSERT INTO st_tmp VALUES (2);
COMMIT;
\set VERBOSITY default
SELECT rog_disable();

-- nothing reached the permanent objects
SELECT count(*) AS rows_in_st_t FROM st_t;
-- 2: the one call made while the setting was off (sequences ignore ROLLBACK)
SELECT last_value FROM st_seq;
SELECT count(*) AS rows_in_st_tmp FROM st_tmp;
SELECT count(*) = :lo_before AS no_new_large_objects FROM pg_largeobject_metadata;

DROP FUNCTION st_late_cursor(), st_cached(int), st_next_sql(), st_next();
DROP TABLE st_t, st_tmp;
DROP SEQUENCE st_seq, st_tmp_seq;
SELECT enabled FROM rog_status();
