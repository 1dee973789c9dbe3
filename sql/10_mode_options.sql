--
-- 10_mode_options: the options of the mode added in 1.1 (README "Messages,
-- notifications, expiry, exemptions, counters"): maintenance messages,
-- expires_in, exempt roles, allow_maintenance, refusal counters.  Brings and
-- drops its own fixtures.
-- NOTIFY is checked by specs/notify.spec, expiry by t/008_expiry_notify.pl.
--
SET client_min_messages = warning;
DROP ROLE IF EXISTS rog_feat_exempt, rog_feat_member, rog_feat_other;
RESET client_min_messages;
CREATE ROLE rog_feat_exempt NOLOGIN;
CREATE ROLE rog_feat_member IN ROLE rog_feat_exempt;
CREATE ROLE rog_feat_other;
CREATE TABLE rog_f (id int PRIMARY KEY, v text);
INSERT INTO rog_f VALUES (1, 'one');
CREATE TABLE rog_f2 (id int);
CREATE SEQUENCE rog_fseq;
GRANT ALL ON rog_f, rog_f2, rog_fseq TO rog_feat_member, rog_feat_other;

-- rog_ftry(sql): 'ok' or 'SQLSTATE | message | detail | hint', with times,
-- transaction IDs and the name of the superuser running the tests masked
CREATE FUNCTION rog_ftry(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    det := regexp_replace(det, 'since [^,]*, enabled by', 'since <time>, enabled by');
    det := regexp_replace(det, 'lifts itself at [^.]*\.[0-9]*[^.]*\.', 'lifts itself at <time>.');
    det := regexp_replace(det, 'transaction ID [0-9]+', 'transaction ID <xid>');
    det := regexp_replace(det, 'enabled by role "[^"]*"', 'enabled by role "<superuser>"');
    RETURN concat_ws(' | ', st, msg, NULLIF(det, ''), NULLIF(hnt, ''));
END
$$;
GRANT EXECUTE ON FUNCTION rog_ftry(text) TO PUBLIC;

SELECT enabled, source, reason, expires_at, exempt FROM rog_status();

-- ==== messages ====

-- the cluster's reason: in rog_status() and the detail of every refusal
SELECT rog_enable(reason => 'upgrade to 16') IS NOT NULL AS enabled;
SELECT enabled, source, reason FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'x')$$);
SELECT rog_ftry('CREATE TABLE rog_f_new (a int)');
SELECT rog_disable();
SELECT enabled, source, reason FROM rog_status();

-- a setting makes the session read-only: readonly_guard.message
SET readonly_guard.message = 'back at 18:00';
SHOW readonly_guard.message;
SELECT enabled, source, reason FROM rog_status();   -- not read-only: no reason
SET readonly_guard.enabled = on;
SELECT enabled, source, reason FROM rog_status();
SELECT rog_ftry($$UPDATE rog_f SET v = 'x'$$);
SELECT rog_ftry('DROP TABLE rog_f2');
-- an empty message is no message
SET readonly_guard.message = '';
SELECT enabled, source, reason FROM rog_status();
SELECT rog_ftry($$UPDATE rog_f SET v = 'x'$$);
-- a message with quotes comes out as given
SET readonly_guard.message = 'see "ops" channel';
SELECT rog_ftry('DELETE FROM rog_f');
RESET readonly_guard.enabled;
RESET readonly_guard.message;
SELECT enabled, source, reason FROM rog_status();

-- the cluster's reason wins over a session's message
SET readonly_guard.message = 'session message';
SELECT rog_enable('cluster reason') IS NOT NULL AS enabled;
SELECT enabled, source, reason FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'x')$$);
SELECT rog_disable();
RESET readonly_guard.message;

-- readonly_guard.message needs superuser (or SET privilege) like .enabled
SET ROLE rog_feat_other;
SELECT rog_ftry($$SET readonly_guard.message = 'mine'$$);
RESET ROLE;

-- database scope: the reason goes to readonly_guard.message of the database,
-- and reaches the open session (this one) at its next statement
SELECT rog_enable(reason => 'db maintenance', scope => 'database') IS NOT NULL AS enabled;
SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND setrole = 0 ORDER BY 1;
SELECT enabled, source, reason, expires_at FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'x')$$);
-- a session's own message wins over the database's, RESET goes back to it
SET readonly_guard.message = 'session message';
SELECT enabled, source, reason FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'x')$$);
RESET readonly_guard.message;
SELECT enabled, source, reason FROM rog_status();
-- a later call without a reason leaves the message alone
SELECT rog_enable(scope => 'database') IS NOT NULL AS enabled;
SELECT enabled, source, reason FROM rog_status();
-- rog_disable(scope => 'database') removes both settings
SELECT rog_disable(scope => 'database');
SELECT count(*) AS settings_left FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND setrole = 0;
SELECT enabled, source, reason FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'two')$$);
SELECT rog_disable(scope => 'database');

-- ==== expires_in ====

-- argument checks change nothing
SELECT rog_ftry($$SELECT rog_enable('x', expires_in => '0')$$);
SELECT rog_ftry($$SELECT rog_enable('x', expires_in => '0 seconds')$$);
SELECT rog_ftry($$SELECT rog_enable('x', expires_in => '-1 hour')$$);
SELECT rog_ftry($$SELECT rog_enable('x', expires_in => '1 day -25 hours')$$);
SELECT rog_ftry($$SELECT rog_enable('x', scope => 'database', expires_in => '1 hour')$$);
SELECT enabled, source, expires_at FROM rog_status();
SELECT count(*) AS db_settings FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database());

-- a long expiry: rog_status().expires_at, and the detail says when it lifts
SELECT rog_enable('timed', expires_in => '1 hour') IS NOT NULL AS enabled;
SELECT enabled, source, reason,
       expires_at > now() + interval '59 minutes' AND expires_at <= now() + interval '1 hour' AS expires_in_an_hour,
       expires_at - enabled_at BETWEEN interval '59 minutes' AND interval '1 hour 1 second' AS from_enabled_at
  FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'x')$$);
SELECT expires_at AS rog_first_expiry FROM rog_status() \gset
-- a second call with expires_in sets a new expiry, keeps enabled_at
SELECT rog_enable('timed', expires_in => '2 hours') IS NOT NULL AS enabled;
SELECT expires_at > :'rog_first_expiry'::timestamptz + interval '59 minutes' AS moved FROM rog_status();
-- a second call without expires_in makes the mode last until rog_disable()
SELECT rog_enable('timed') IS NOT NULL AS enabled;
SELECT enabled, reason, expires_at FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (2, 'x')$$);
SELECT rog_disable();
SELECT enabled, expires_at FROM rog_status();
-- rog_disable() clears the expiry
SELECT rog_enable('timed', expires_in => '1 hour') IS NOT NULL AS enabled;
SELECT rog_disable();
SELECT enabled, expires_at FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (4, 'four')$$);

-- a short one lifts itself at the first statement after its time
SELECT rog_enable('short', expires_in => '1 second') IS NOT NULL AS enabled;
SELECT rog_ftry($$INSERT INTO rog_f VALUES (3, 'x')$$);
SELECT pg_sleep(1.2);
SELECT enabled, source, reason, expires_at FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (3, 'three')$$);
SELECT rog_disable();

-- ==== readonly_guard.exempt_roles ====

-- PGC_SIGHUP: ALTER SYSTEM + reload; the session takes it when idle, so
-- poll with separate statements (\gexec) until it shows
ALTER SYSTEM SET readonly_guard.exempt_roles = 'rog_feat_exempt';
SELECT pg_reload_conf();
\set ECHO none
\o /dev/null
SELECT $$SELECT pg_sleep(0.05) WHERE current_setting('readonly_guard.exempt_roles') <> 'rog_feat_exempt'$$
  FROM generate_series(1, 200) \gexec
\o
\set ECHO all
SHOW readonly_guard.exempt_roles;
-- SET is not possible for it
SELECT rog_ftry($$SET readonly_guard.exempt_roles = 'x'$$);

SELECT rog_enable('exempt test') IS NOT NULL AS enabled;
-- a superuser is not exempt unless listed
SELECT enabled, source, exempt FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (10, 'superuser')$$);
-- SET ROLE does not make a session exempt: the session user counts
SET ROLE rog_feat_member;
SELECT current_user, exempt FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (11, 'set role')$$);
RESET ROLE;
-- a session whose session user is a member is exempt
SET SESSION AUTHORIZATION rog_feat_member;
SELECT session_user, enabled, source, exempt FROM rog_status();
SET client_min_messages = log;
INSERT INTO rog_f VALUES (12, 'member');
-- logged once per transaction, at its first write
BEGIN;
SELECT count(*) FROM rog_f;
UPDATE rog_f SET v = 'member 2' WHERE id = 12;
INSERT INTO rog_f VALUES (13, 'member');
SELECT nextval('rog_fseq');
COMMIT;
SELECT nextval('rog_fseq');
-- reads are not logged
SELECT count(*) FROM rog_f;
RESET client_min_messages;
RESET SESSION AUTHORIZATION;
-- a role that is no member is not exempt
SET SESSION AUTHORIZATION rog_feat_other;
SELECT session_user, exempt FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (14, 'other')$$);
RESET SESSION AUTHORIZATION;
SELECT rog_disable();
SELECT id, v FROM rog_f WHERE id >= 10 ORDER BY id;
-- the setting also exempts from a setting-sourced read-only mode
SET readonly_guard.enabled = on;
SET SESSION AUTHORIZATION rog_feat_member;
SELECT session_user, enabled, source, exempt FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (15, 'member')$$);
RESET SESSION AUTHORIZATION;
SELECT rog_ftry($$INSERT INTO rog_f VALUES (16, 'superuser')$$);
RESET readonly_guard.enabled;

ALTER SYSTEM RESET readonly_guard.exempt_roles;
SELECT pg_reload_conf();
\set ECHO none
\o /dev/null
SELECT $$SELECT pg_sleep(0.05) WHERE current_setting('readonly_guard.exempt_roles') <> ''$$
  FROM generate_series(1, 200) \gexec
\o
\set ECHO all
SHOW readonly_guard.exempt_roles;
SELECT rog_enable('exempt test') IS NOT NULL AS enabled;
SET SESSION AUTHORIZATION rog_feat_member;
SELECT exempt FROM rog_status();
SELECT rog_ftry($$INSERT INTO rog_f VALUES (17, 'member')$$);
RESET SESSION AUTHORIZATION;
SELECT rog_disable();

-- ==== readonly_guard.allow_maintenance ====

CREATE INDEX rog_f_v ON rog_f (v);
SHOW readonly_guard.allow_maintenance;
SELECT rog_enable('maintenance') IS NOT NULL AS enabled;
\set VERBOSITY terse
VACUUM rog_f;
VACUUM FULL rog_f;
\set VERBOSITY default
SELECT rog_ftry('ANALYZE rog_f');
SELECT rog_ftry('CLUSTER rog_f USING rog_f_v');
SELECT rog_ftry('REINDEX TABLE rog_f');
SELECT rog_disable();

ALTER SYSTEM SET readonly_guard.allow_maintenance = on;
SELECT pg_reload_conf();
\set ECHO none
\o /dev/null
SELECT $$SELECT pg_sleep(0.05) WHERE current_setting('readonly_guard.allow_maintenance') <> 'on'$$
  FROM generate_series(1, 200) \gexec
\o
\set ECHO all
SHOW readonly_guard.allow_maintenance;
SELECT rog_ftry($$SET readonly_guard.allow_maintenance = on$$);
SELECT rog_enable('maintenance') IS NOT NULL AS enabled;
VACUUM rog_f;
VACUUM (ANALYZE) rog_f;
ANALYZE rog_f;
SELECT rog_ftry('ANALYZE rog_f');
SELECT rog_ftry('CLUSTER rog_f USING rog_f_v');
SELECT rog_ftry('REINDEX TABLE rog_f');
SELECT rog_ftry('REINDEX INDEX rog_f_v');
-- only maintenance: everything else is still refused
SELECT rog_ftry($$INSERT INTO rog_f VALUES (20, 'x')$$);
SELECT rog_ftry('CREATE INDEX rog_f_new ON rog_f (id, v)');
SELECT rog_disable();
ALTER SYSTEM RESET readonly_guard.allow_maintenance;
SELECT pg_reload_conf();
\set ECHO none
\o /dev/null
SELECT $$SELECT pg_sleep(0.05) WHERE current_setting('readonly_guard.allow_maintenance') <> 'off'$$
  FROM generate_series(1, 200) \gexec
\o
\set ECHO all
SHOW readonly_guard.allow_maintenance;

-- ==== rog_stats() ====

SELECT has_function_privilege('pg_monitor', 'rog_stats()', 'EXECUTE') AS monitor_stats,
       has_function_privilege('pg_monitor', 'rog_stats_reset()', 'EXECUTE') AS monitor_reset,
       has_function_privilege('rog_feat_other', 'rog_stats()', 'EXECUTE') AS public_stats,
       has_function_privilege('rog_feat_other', 'rog_stats_reset()', 'EXECUTE') AS public_reset;
SET ROLE rog_feat_other;
SELECT rog_ftry('SELECT * FROM rog_stats()');
SELECT rog_ftry('SELECT rog_stats_reset()');
RESET ROLE;
GRANT pg_monitor TO rog_feat_other;
SET ROLE rog_feat_other;
SELECT count(*) AS classes FROM rog_stats();
SELECT rog_ftry('SELECT rog_stats_reset()');
RESET ROLE;
REVOKE pg_monitor FROM rog_feat_other;

CREATE TEMP TABLE rog_stats_before AS SELECT stats_reset FROM rog_stats() LIMIT 1;
SELECT rog_stats_reset();
SELECT statement_class, refused_since_enabled, refused_total,
       stats_reset > (SELECT stats_reset FROM rog_stats_before) AS reset_moved,
       stats_reset <= now() AS reset_past
  FROM rog_stats();

-- refusals are counted while read-only mode is on, whatever its source
SET readonly_guard.enabled = on;
SELECT rog_ftry($$INSERT INTO rog_f VALUES (30, 'x')$$);
RESET readonly_guard.enabled;
SELECT rog_enable('stats') IS NOT NULL AS enabled;
SELECT rog_ftry($$INSERT INTO rog_f VALUES (30, 'x')$$);
SELECT rog_disable();
SELECT statement_class, refused_since_enabled, refused_total FROM rog_stats()
 WHERE refused_total > 0 OR refused_since_enabled > 0;

-- a prepared transaction that wrote before the mode, for COMMIT PREPARED
BEGIN;
INSERT INTO rog_f2 VALUES (1);
PREPARE TRANSACTION 'rog_feat_2pc';

-- turning the mode on zeroes refused_since_enabled, not refused_total
SELECT rog_enable('stats') IS NOT NULL AS enabled;
SELECT statement_class, refused_since_enabled, refused_total FROM rog_stats()
 WHERE refused_total > 0 OR refused_since_enabled > 0;

-- one or two refusals of every class
SELECT rog_ftry($$INSERT INTO rog_f VALUES (31, 'x')$$);                 -- write
SELECT rog_ftry($$UPDATE rog_f SET v = 'x'$$);                           -- write
SELECT rog_ftry('WITH d AS (DELETE FROM rog_f RETURNING 1) SELECT count(*) FROM d');  -- write
SELECT rog_ftry('SELECT * FROM rog_f FOR UPDATE');                       -- row_lock
SELECT rog_ftry('CREATE TABLE rog_f_new (a int)');                       -- ddl
SELECT rog_ftry('TRUNCATE rog_f2');                                      -- ddl
SELECT rog_ftry($$COPY rog_f FROM '/dev/null'$$);                        -- copy
SELECT rog_ftry('LOCK TABLE rog_f IN ACCESS EXCLUSIVE MODE');            -- lock
SELECT rog_ftry('ANALYZE rog_f');                                        -- maintenance
SELECT rog_ftry($$SELECT nextval('rog_fseq')$$);                         -- function
SELECT rog_ftry('SELECT lo_create(0)');                                  -- function
\set VERBOSITY terse
COMMIT PREPARED 'rog_feat_2pc';                                         -- commit
\set VERBOSITY default
-- what passes is not counted
SELECT count(*) FROM rog_f;
SELECT rog_ftry('LOCK TABLE rog_f IN ROW EXCLUSIVE MODE');
SELECT rog_ftry('CREATE TEMP TABLE rog_f_tmp (a int)');
SELECT statement_class, refused_since_enabled, refused_total FROM rog_stats();

-- a second rog_enable() while on does not zero them
SELECT rog_enable('stats again') IS NOT NULL AS enabled;
SELECT sum(refused_since_enabled) AS since_enabled, sum(refused_total) AS total FROM rog_stats();
SELECT rog_disable();
ROLLBACK PREPARED 'rog_feat_2pc';
-- nor does rog_disable(); rog_stats_reset() zeroes both
SELECT sum(refused_since_enabled) AS since_enabled, sum(refused_total) AS total FROM rog_stats();
SELECT rog_stats_reset();
SELECT sum(refused_since_enabled) AS since_enabled, sum(refused_total) AS total,
       count(DISTINCT stats_reset) AS reset_times FROM rog_stats();

-- ==== clean up ====
SELECT count(*) AS left_in_rog_f2 FROM rog_f2;
DROP TABLE rog_f, rog_f2;
DROP SEQUENCE rog_fseq;
DROP FUNCTION rog_ftry(text);
DROP ROLE rog_feat_member, rog_feat_exempt, rog_feat_other;
SELECT name, setting FROM pg_settings WHERE name LIKE 'readonly_guard.%' ORDER BY name;
SELECT enabled, source, reason, expires_at, exempt FROM rog_status();
