--
-- 18_setting_revert: a session under the database's readonly_guard.enabled
-- (set after it connected) that sets the parameter for a while, and gets it
-- back without an assignment: at the end of a function with a SET clause,
-- by SET LOCAL at COMMIT, by ROLLBACK TO SAVEPOINT.  Core then restores the
-- parameter's source silently (the value, off, does not change), and the
-- database's setting applies again: the session must be read-only again.
-- An attacker found all three left the session writable (1.2 before the
-- fix).  Ends with the mode off and nothing written.
--
CREATE TABLE revert_t (x text);
CREATE SEQUENCE revert_s;
CREATE FUNCTION revert_off() RETURNS int LANGUAGE sql
    SET readonly_guard.enabled = off AS 'SELECT 1';
CREATE FUNCTION revert_off_definer() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET readonly_guard.enabled = off AS 'SELECT 1';
CREATE ROLE revert_app;
GRANT ALL ON revert_t, revert_s TO revert_app;
GRANT EXECUTE ON FUNCTION revert_off_definer() TO revert_app;
SHOW readonly_guard.enabled;
-- ALTER DATABASE ... SET readonly_guard.enabled = on: reaches this session
SELECT rog_enable(scope => 'database') IS NOT NULL AS enabled;
SELECT enabled, source FROM rog_status();
INSERT INTO revert_t VALUES ('refused');
-- a function's SET clause
SELECT revert_off();
SELECT enabled, source FROM rog_status();
INSERT INTO revert_t VALUES ('after a function');
-- the same for a role that may not set the parameter itself
SET ROLE revert_app;
SELECT revert_off_definer();
INSERT INTO revert_t VALUES ('after a SECURITY DEFINER function');
SELECT nextval('revert_s');
-- ... also for the rest of the statement in which the function returns:
-- a function set up with it (nextval(), setval()) may not write
SELECT revert_off_definer(), nextval('revert_s');
SELECT revert_off_definer(), setval('revert_s', 100);
RESET ROLE;
-- SET LOCAL, taken back at COMMIT
BEGIN;
SET LOCAL readonly_guard.enabled = off;
SELECT enabled FROM rog_status();
COMMIT;
SELECT enabled, source FROM rog_status();
INSERT INTO revert_t VALUES ('after SET LOCAL');
-- SET in a savepoint, taken back by ROLLBACK TO
BEGIN;
SAVEPOINT a;
SET readonly_guard.enabled = off;
ROLLBACK TO a;
COMMIT;
SELECT enabled, source FROM rog_status();
INSERT INTO revert_t VALUES ('after ROLLBACK TO');
-- ... and by RELEASE of a subtransaction whose SET LOCAL ends with it
BEGIN;
SAVEPOINT b;
SET LOCAL readonly_guard.enabled = off;
RELEASE b;
SELECT enabled FROM rog_status();
COMMIT;
INSERT INTO revert_t VALUES ('after RELEASE');
-- the other way: the database's setting is gone; SET LOCAL on taken back
SELECT rog_disable(scope => 'database');
BEGIN;
SET LOCAL readonly_guard.enabled = on;
SELECT enabled FROM rog_status();
COMMIT;
SELECT enabled, source FROM rog_status();
INSERT INTO revert_t VALUES ('writable again');
SELECT x FROM revert_t;
SELECT last_value, is_called FROM revert_s;
DROP FUNCTION revert_off(), revert_off_definer();
DROP TABLE revert_t;
DROP SEQUENCE revert_s;
DROP ROLE revert_app;
