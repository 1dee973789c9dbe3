--
-- 15_readonly_cause: core's refusals in a transaction that is read-only for a
-- reason of its own (not readonly_guard's mode) carry a detail naming it;
-- SQLSTATE 25006 and core's message stay.  (On a standby: t/009_patroni.pl.)
--
\set VERBOSITY default
CREATE TABLE rog_cause (i int);
SELECT enabled, source FROM rog_status();
SELECT rog_accepts_writes();

-- default_transaction_read_only
SET default_transaction_read_only = on;
SELECT rog_accepts_writes();
INSERT INTO rog_cause VALUES (1);
CREATE TABLE rog_cause2 (i int);
UPDATE rog_cause SET i = 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET default_transaction_read_only;

-- BEGIN READ ONLY
BEGIN READ ONLY;
DELETE FROM rog_cause;
ROLLBACK;

-- SET TRANSACTION READ ONLY, and a row lock
BEGIN;
SET TRANSACTION READ ONLY;
SELECT * FROM rog_cause FOR UPDATE;
ROLLBACK;

-- a function's statement in a read-only transaction
CREATE FUNCTION rog_cause_write() RETURNS void LANGUAGE sql AS 'INSERT INTO rog_cause VALUES (3)';
BEGIN READ ONLY;
SELECT rog_cause_write();
ROLLBACK;

-- readonly_guard's mode takes precedence in the detail
SELECT rog_enable('cause test') IS NOT NULL AS enabled;
BEGIN READ ONLY;
DO $$
DECLARE d text; st text;
BEGIN
    INSERT INTO rog_cause VALUES (4);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, st = RETURNED_SQLSTATE;
    RAISE NOTICE 'sqlstate %, detail starts "%"', st, left(d, 45);
END $$;
ROLLBACK;
SELECT rog_accepts_writes();
SELECT rog_disable();

-- writes work again
INSERT INTO rog_cause VALUES (5);
SELECT count(*) FROM rog_cause;
DROP FUNCTION rog_cause_write();
DROP TABLE rog_cause;
