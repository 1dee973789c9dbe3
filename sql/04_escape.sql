--
-- 04_escape: an ordinary role cannot leave read-only mode, whether the cluster
-- flag or the readonly_guard.enabled setting put the session in it; a
-- superuser can, through rog_disable() and the setting.
--
SELECT rog_enable('escape test') IS NOT NULL AS enabled;

-- ---- the cluster flag, ordinary role ----
SET ROLE rog_user;
SET readonly_guard.enabled = off;
BEGIN;
SET LOCAL readonly_guard.enabled = off;
ROLLBACK;
RESET readonly_guard.enabled;
SELECT set_config('readonly_guard.enabled', 'off', false);
ALTER ROLE rog_user SET readonly_guard.enabled = off;
SELECT rog_disable();
SELECT rog_try('SELECT rog_disable()');
SELECT rog_try('SELECT rog_enable()');
SELECT rog_try($$LOAD 'readonly_guard'$$);
BEGIN READ WRITE;
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE, READ WRITE;
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
ROLLBACK;
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE;
SET default_transaction_read_only = off;
SET transaction_read_only = off;
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
RESET ALL;
SELECT current_user, enabled, source FROM rog_status();
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
DISCARD ALL;
-- DISCARD ALL ends SET ROLE too, but not read-only mode
SELECT current_user = session_user AS back_to_superuser, enabled, source FROM rog_status();
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
SELECT count(*) FROM rog_t WHERE id = 10;

-- ---- the setting, ordinary role ----
SELECT rog_disable();
SET readonly_guard.enabled = on;
SELECT enabled, source, reason, enabled_by, enabled_at, lsn FROM rog_status();
-- the detail and hint say that the setting is the cause
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
SELECT rog_try($$SELECT nextval('rog_seq')$$);
SELECT rog_try('SELECT lo_creat(-1)');
SELECT rog_try('CREATE TABLE rog_new (a int)');
SET ROLE rog_user;
SHOW readonly_guard.enabled;
SET readonly_guard.enabled = off;
BEGIN;
SET LOCAL readonly_guard.enabled = off;
ROLLBACK;
RESET readonly_guard.enabled;
SELECT set_config('readonly_guard.enabled', 'off', false);
SELECT rog_try($$LOAD 'readonly_guard'$$);
RESET ALL;
SHOW readonly_guard.enabled;
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE;
BEGIN READ WRITE;
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
ROLLBACK;
SELECT current_user, enabled, source FROM rog_status();
DISCARD ALL;
SHOW readonly_guard.enabled;
SELECT current_user = session_user AS back_to_superuser, enabled, source FROM rog_status();
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);

-- a superuser leaves it: rog_disable() says the setting keeps it on
SELECT rog_disable();
SET readonly_guard.enabled = off;
SELECT enabled, source FROM rog_status();
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$, true);

-- read-only mode from the setting in a transaction, on and off
BEGIN;
SET LOCAL readonly_guard.enabled = on;
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$) LIKE '25006 |%' AS refused;
COMMIT;
SHOW readonly_guard.enabled;

-- ---- ALTER DATABASE/ROLE ... SET|RESET readonly_guard.* work in read-only mode ----
SELECT rog_enable('settings') IS NOT NULL AS enabled;
ALTER ROLE rog_user SET readonly_guard.enabled = on;
ALTER ROLE rog_user IN DATABASE :"DBNAME" SET readonly_guard.enabled = on;
ALTER DATABASE :"DBNAME" SET readonly_guard.enabled = on;
SELECT coalesce(r.rolname, '-') AS role, coalesce(d.datname, '-') = current_database() AS this_db,
       'readonly_guard.enabled=on' = ANY (s.setconfig) AS guard_on
  FROM pg_db_role_setting s
  LEFT JOIN pg_roles r ON r.oid = s.setrole
  LEFT JOIN pg_database d ON d.oid = s.setdatabase
 WHERE array_to_string(s.setconfig, ',') LIKE '%readonly_guard%'
 ORDER BY 1, 2;
ALTER ROLE rog_user RESET readonly_guard.enabled;
ALTER ROLE rog_user IN DATABASE :"DBNAME" RESET readonly_guard.enabled;
-- other settings of a role or database are still refused
SELECT rog_try('ALTER ROLE rog_user SET work_mem = ''8MB''');
SELECT rog_try(format('ALTER DATABASE %I RESET ALL', current_database()));
SELECT rog_disable();

-- a new session of this database is read-only through the setting
\c
SELECT enabled, source FROM rog_status();
SHOW readonly_guard.enabled;
SELECT rog_try($$INSERT INTO rog_t VALUES (10, 'x')$$);
-- which the superuser may reset while it is in force
ALTER DATABASE :"DBNAME" RESET readonly_guard.enabled;
SELECT count(*) AS guard_settings FROM pg_db_role_setting
 WHERE array_to_string(setconfig, ',') LIKE '%readonly_guard%';
SET readonly_guard.enabled = off;
\c
SELECT enabled, source FROM rog_status();
SHOW readonly_guard.enabled;
