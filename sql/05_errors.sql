--
-- 05_errors: the SQL API's contract: return values, idempotence, transactions,
-- argument checks, privileges.  Ends by dropping the fixtures of 00_setup.sql.
--
-- rog_disable() says whether the mode was on
SELECT rog_disable();
SELECT rog_enable('first reason') IS NOT NULL AS enabled;
SELECT enabled, source, reason, enabled_by = current_user AS by_me, draining
  FROM rog_status();
SELECT enabled_at AS rog_first_at FROM rog_status() \gset

-- a second call keeps the first timestamp and updates the reason
SELECT pg_sleep(0.05);
SELECT rog_enable('second reason') IS NOT NULL AS enabled;
SELECT enabled, reason, enabled_at = :'rog_first_at' AS kept_enabled_at FROM rog_status();
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);

-- the LSN returned and reported
SELECT rog_enable('third reason') <= pg_current_wal_insert_lsn() AS lsn_ok;
SELECT lsn <= pg_current_wal_insert_lsn() AS lsn_ok FROM rog_status();

SELECT rog_disable();
SELECT rog_disable();
SELECT enabled, source, reason, enabled_by, enabled_at, lsn, draining FROM rog_status();

-- rog_enable() and rog_disable() are not undone by ROLLBACK
BEGIN;
SELECT rog_enable('rolled back') IS NOT NULL AS enabled;
ROLLBACK;
SELECT enabled, reason FROM rog_status();
BEGIN;
SELECT rog_disable();
ROLLBACK;
SELECT enabled FROM rog_status();

-- rog_enable() in a transaction that has written is refused (25001)
BEGIN;
INSERT INTO rog_t VALUES (50, 'written');
SELECT rog_try($$SELECT rog_enable('too late')$$);
SELECT enabled FROM rog_status();
ROLLBACK;
BEGIN;
CREATE TEMP TABLE rog_tmp_first (a int);
SELECT rog_try($$SELECT rog_enable('too late')$$);
ROLLBACK;
SELECT enabled FROM rog_status();

-- in a transaction that has only read, it takes effect at once
BEGIN;
SELECT count(*) FROM rog_t;
SELECT rog_enable('in a transaction') IS NOT NULL AS enabled;
SELECT rog_try($$INSERT INTO rog_t VALUES (50, 'x')$$);
COMMIT;
SELECT rog_disable();

-- bad arguments change nothing
SELECT rog_try($$SELECT rog_enable('x', NULL)$$);
SELECT rog_try($$SELECT rog_enable('x', '-1 second')$$);
SELECT rog_try($$SELECT rog_enable('x', '1 day -25 hours')$$);
SELECT rog_try($$SELECT rog_enable(repeat('x', 1025))$$);
SELECT enabled FROM rog_status();
-- NULL reason, zero timeout, and a reason of exactly 1024 bytes are fine
SELECT rog_enable(NULL, '0') IS NOT NULL AS enabled;
SELECT enabled, reason FROM rog_status();
SELECT rog_enable(repeat('x', 1024)) IS NOT NULL AS enabled;
SELECT enabled, length(reason) FROM rog_status();
-- the reason appears in the detail as given
SELECT rog_enable('deploy "v2" | see ticket') IS NOT NULL AS enabled;
SELECT rog_try('DELETE FROM rog_u');
SELECT rog_disable();

-- ordinary roles may not toggle the mode, but may read it
SET ROLE rog_user;
SELECT rog_try('SELECT rog_enable()');
SELECT rog_try($$SELECT rog_enable('x', '1s')$$);
SELECT rog_try('SELECT rog_disable()');
SELECT enabled, source FROM rog_status();
RESET ROLE;

-- a DBA may grant them to an operator role
GRANT EXECUTE ON FUNCTION rog_enable(text, interval, text, interval), rog_disable(text) TO rog_user;
SET ROLE rog_user;
SELECT rog_enable('by the operator') IS NOT NULL AS enabled;
SELECT enabled, source, reason, enabled_by FROM rog_status();
SELECT rog_try($$UPDATE rog_t SET v = 'x'$$);
SELECT rog_disable();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION rog_enable(text, interval, text, interval), rog_disable(text) FROM rog_user;

-- the error keeps PostgreSQL's own message form, ending in
-- "in a read-only transaction"
SELECT rog_enable() IS NOT NULL AS enabled;
\set VERBOSITY terse
INSERT INTO rog_t VALUES (10, 'x');
UPDATE rog_t SET v = 'x';
SELECT nextval('rog_seq');
CREATE TABLE rog_new (a int);
SELECT lo_unlink(424242);
\set VERBOSITY default
SELECT rog_disable();

-- nothing was written by all of the above
SELECT * FROM rog_t ORDER BY id;
SELECT count(*) FROM rog_u;
SELECT last_value FROM rog_seq;  -- where 02_blocked.sql's check with the mode off left it

-- drop the fixtures of 00_setup.sql
DROP OWNED BY rog_user;
DROP VIEW rog_rv, rog_v;
DROP MATERIALIZED VIEW rog_mv;
DROP TABLE rog_u, rog_t, rog_unlogged;
DROP SEQUENCE rog_seq;
DROP FUNCTION rog_sql_insert(int), rog_plpgsql_insert(int), rog_plpgsql_execute(int),
    rog_definer_delete(), rog_read(int);
DROP PROCEDURE rog_proc_commit();
SELECT lo_unlink(424242);
DROP FUNCTION rog_try(text, boolean);
DROP ROLE rog_user;
SELECT enabled, source, reason, enabled_by, enabled_at, lsn FROM rog_status();
