--
-- 19_setting_reach: ALTER DATABASE/ROLE ... SET readonly_guard.* reaches
-- open sessions (this one) whatever the spelling of the parameter's name
-- and however the change commits, and role settings follow the session
-- user.  An attacker found a quoted, mixed-case name and a change committed
-- by COMMIT PREPARED left open sessions on the old value, and that a new
-- session user (SET SESSION AUTHORIZATION, set_config(), a function's SET
-- clause) was taken in only at the next change of a setting (1.2 before
-- the fix).  Ends with the mode off and nothing written.
--
CREATE TABLE reach_t (x text);
CREATE ROLE reach_app;
GRANT ALL ON reach_t TO reach_app;
CREATE FUNCTION reach_alter_db(setting text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER DATABASE %I %s', current_database(), setting);
END $$;
SELECT enabled, source FROM rog_status();
-- a quoted, mixed-case name is the same parameter
SELECT reach_alter_db('SET "Readonly_Guard".enabled = on');
SELECT enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused');
-- ... and its RESET is the way out under the mode, and reaches the session
SELECT reach_alter_db('RESET "READONLY_GUARD"."ENABLED"');
SELECT enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('after RESET');
-- a change that commits through PREPARE TRANSACTION / COMMIT PREPARED
BEGIN;
SELECT reach_alter_db('SET readonly_guard.enabled = on');
PREPARE TRANSACTION 'reach_p1';
SELECT enabled, source FROM rog_status();
COMMIT PREPARED 'reach_p1';
SELECT enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused after COMMIT PREPARED');
-- the way back: COMMIT PREPARED is refused under the mode (what it commits
-- may write), so a superuser turns the mode off for the session first; at
-- its RESET the session takes in the database's setting, gone by then
BEGIN;
SELECT reach_alter_db('RESET readonly_guard.enabled');
PREPARE TRANSACTION 'reach_p2';
COMMIT PREPARED 'reach_p2';
SET readonly_guard.enabled = off;
COMMIT PREPARED 'reach_p2';
RESET readonly_guard.enabled;
SELECT enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('after the second COMMIT PREPARED');
-- role settings are the session user's: taken in at SET SESSION
-- AUTHORIZATION, at its RESET and at a rollback that undoes it, not only
-- at the next change of a setting
ALTER ROLE reach_app SET readonly_guard.enabled = on;
SET SESSION AUTHORIZATION reach_app;
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused as reach_app');
RESET SESSION AUTHORIZATION;
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
BEGIN;
SET SESSION AUTHORIZATION reach_app;
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused as reach_app in a transaction');
ROLLBACK;
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('after the rollback');
-- ... and whatever the route: set_config(), a quoted name, a function's
-- SET clause
SELECT set_config('session_authorization', 'reach_app', false) IS NOT NULL AS set;
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused after set_config()');
RESET SESSION AUTHORIZATION;
SET "SESSION_AUTHORIZATION" = 'reach_app';
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused after a quoted SET');
RESET SESSION AUTHORIZATION;
CREATE FUNCTION reach_as_app() RETURNS text LANGUAGE sql
    SET session_authorization = 'reach_app' AS $$
    INSERT INTO reach_t VALUES ('refused in a function as reach_app');
    SELECT session_user::text $$;
SELECT reach_as_app();
SELECT session_user = 'reach_app' AS as_app, enabled, source FROM rog_status();
DROP FUNCTION reach_as_app();
ALTER ROLE reach_app RESET readonly_guard.enabled;
ALTER ROLE CURRENT_USER SET "ReadOnly_Guard".enabled = on;
SELECT enabled, source FROM rog_status();
INSERT INTO reach_t VALUES ('refused: a role setting of the session user');
ALTER ROLE CURRENT_USER RESET readonly_guard.enabled;
SELECT enabled, source FROM rog_status();
SELECT x FROM reach_t ORDER BY x;
DROP FUNCTION reach_alter_db(text);
DROP TABLE reach_t;
DROP ROLE reach_app;
