--
-- 12_fuzz: every argument of readonly_guard's SQL functions, and its settings:
-- NULL in each position, negative, zero and huge values, intervals in
-- months, odd and oversized text, bad scopes, calls inside transactions and
-- savepoints, after a write, and without privileges.  Every call either
-- works or fails with a clear error (SQLSTATE shown); none may crash the
-- server ("alive" checks after each part).  Ends with the mode off.
--
SELECT enabled FROM rog_status();
-- the Unicode cases below assume a UTF8 database
SELECT getdatabaseencoding();
CREATE ROLE fz_user;
CREATE TABLE fz_perm (a int);
CREATE TEMP TABLE fz_tmp (a int);
GRANT ALL ON fz_perm, fz_tmp TO fz_user;

-- fz(sql [, as_role]): run one statement, report 'ok' or 'SQLSTATE |
-- message | detail | hint', with the time, the superuser's and the database's
-- names masked and long messages (details) cut at 100 (300) characters.
CREATE FUNCTION fz(sql text, as_role name DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
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
        PERFORM set_config('role', 'none', true);
        RETURN 'ok';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        det := regexp_replace(det, 'since [^,]*, enabled by', 'since <time>, enabled by');
        det := regexp_replace(det, 'transaction ID [0-9]+', 'transaction ID <xid>');
        det := replace(det, format('role "%s"', session_user), 'role "<superuser>"');
        msg := replace(msg, current_database(), '<db>');
        RETURN concat_ws(' | ', st,
                         CASE WHEN length(msg) > 100 THEN left(msg, 100) || '...' ELSE msg END,
                         CASE WHEN length(det) > 300 THEN left(det, 300) || '...' ELSE NULLIF(det, '') END,
                         NULLIF(hnt, ''));
    END;
END
$$;

-- ---- rog_enable(reason, drain_timeout, scope, expires_in) ----
CREATE TEMP TABLE fz_enable_cases (n int PRIMARY KEY, sql text, result text, enabled boolean,
                                   source text, reason_chars int, reason_bytes int, expires text);
INSERT INTO fz_enable_cases (n, sql) VALUES
-- NULL in each position
( 1, $$SELECT rog_enable()$$),
( 2, $$SELECT rog_enable(NULL)$$),
( 3, $$SELECT rog_enable('r', NULL)$$),
( 4, $$SELECT rog_enable('r', '1s', NULL)$$),
( 5, $$SELECT rog_enable('r', '1s', 'cluster', NULL)$$),
( 6, $$SELECT rog_enable(NULL, NULL, NULL, NULL)$$),
( 7, $$SELECT rog_enable(reason => NULL, scope => NULL)$$),
-- drain_timeout: zero, negative, tiny, huge, months, out of range
( 8, $$SELECT rog_enable('r', '0')$$),
( 9, $$SELECT rog_enable('r', '-0.000001 s')$$),
(10, $$SELECT rog_enable('r', '-1 s')$$),
(11, $$SELECT rog_enable('r', '1 microsecond')$$),
(12, $$SELECT rog_enable('r', '1000000 years')$$),
(13, $$SELECT rog_enable('r', '-1000000 years')$$),
(15, $$SELECT rog_enable('r', '-178956970 years -8 mons -2147483648 days -2562047788:00:54.775808')$$),
(18, $$SELECT rog_enable('r', '1 mon')$$),
(19, $$SELECT rog_enable('r', '-1 mon')$$),
(20, $$SELECT rog_enable('r', '1 mon -30 days')$$),
(21, $$SELECT rog_enable('r', '1 mon -31 days')$$),
(22, $$SELECT rog_enable('r', '1 day -86400.000001 s')$$),
(23, $$SELECT rog_enable('r', '1 year -12 mons')$$),
(24, $$SELECT rog_enable('r', '2147483648 days')$$),
-- reason: empty, at and over the 1024-byte limit (in bytes, not
-- characters), 1 MB, Unicode, control characters, format specifiers
(25, $$SELECT rog_enable('')$$),
(26, $$SELECT rog_enable(repeat('x', 1024))$$),
(27, $$SELECT rog_enable(repeat('x', 1025))$$),
(28, $$SELECT rog_enable(repeat('x', 1048576))$$),
(29, $$SELECT rog_enable(repeat('é', 512))$$),
(30, $$SELECT rog_enable(repeat('é', 513))$$),
(31, $$SELECT rog_enable(repeat(U&'\+01F600', 256))$$),
(32, $$SELECT rog_enable(repeat(U&'\+01F600', 257))$$),
(33, $$SELECT rog_enable('e' || repeat(U&'\0301', 500))$$),
(34, $$SELECT rog_enable(U&'\202Ereversed\202C \200F\05E9\05DC\05D5\05DD')$$),
(35, $$SELECT rog_enable(U&'\+01F469\200D\+01F469\200D\+01F467 \FEFF\200B\FFFD')$$),
(36, $$SELECT rog_enable(E'line 1\nline 2\r\ttab\x01\x1b[31m')$$),
(37, $$SELECT rog_enable('%s %n %d %x %% "quoted" \ backslash'' quote')$$),
(38, $$SELECT rog_enable(E'nul \x00 byte')$$),
(39, $$SELECT rog_enable('nul ' || chr(0))$$),
(40, $$SELECT rog_enable(U&'nul \0000')$$),
(41, $$SELECT rog_enable(convert_from('\x00'::bytea, 'UTF8'))$$),
(42, $$SELECT rog_enable(convert_from('\xc3'::bytea, 'UTF8'))$$),
(43, $$SELECT rog_enable(convert_from('\xff'::bytea, 'LATIN1'))$$),
(44, $$SELECT rog_enable(repeat('x', 1024) || 'é')$$),
-- scope: both valid ones, case, blanks, empty, garbage, 1 MB
(45, $$SELECT rog_enable(scope => 'cluster')$$),
(46, $$SELECT rog_enable(scope => 'database')$$),
(47, $$SELECT rog_enable('db reason', scope => 'database')$$),
(48, $$SELECT rog_enable(scope => 'CLUSTER')$$),
(49, $$SELECT rog_enable(scope => ' cluster')$$),
(50, $$SELECT rog_enable(scope => 'cluster ')$$),
(51, $$SELECT rog_enable(scope => '')$$),
(52, $$SELECT rog_enable(scope => 'role')$$),
(53, $$SELECT rog_enable(scope => repeat('c', 1048576))$$),
(54, $$SELECT rog_enable(repeat('x', 1048576), scope => 'database')$$),
(55, $$SELECT rog_enable(repeat('x', 1048576), NULL, 'nonsense')$$),
-- expires_in: zero, negative, tiny, huge (capped), months, with database scope
(56, $$SELECT rog_enable('r', expires_in => '0')$$),
(57, $$SELECT rog_enable('r', expires_in => '-1 s')$$),
(58, $$SELECT rog_enable('r', expires_in => '1000000 years')$$),
(61, $$SELECT rog_enable('r', expires_in => '1 mon')$$),
(62, $$SELECT rog_enable('r', expires_in => '1 mon -30 days')$$),
(63, $$SELECT rog_enable(scope => 'database', expires_in => '1 hour')$$),
(64, $$SELECT rog_enable('r', '-1 s', 'nonsense', '-1 s')$$);
-- each case in a transaction of its own (rog_enable() is refused in one that
-- has written), then the state it left once committed (enabled, source,
-- reason length in characters and bytes, expiry), then the mode off again
CREATE PROCEDURE fz_run_enable_cases() LANGUAGE plpgsql AS $$
DECLARE
    r record;
    res text;
    st record;
BEGIN
    FOR r IN SELECT n, sql FROM fz_enable_cases ORDER BY n LOOP
        res := fz(r.sql);
        COMMIT;
        SELECT s.enabled, s.source, length(s.reason) AS chars, octet_length(s.reason) AS bytes,
               CASE WHEN s.expires_at IS NULL THEN NULL
                    WHEN s.expires_at > now() + interval '99 years' THEN '~100 years (the limit)'
                    WHEN s.expires_at > now() + interval '27 days' THEN 'a month or more'
                    ELSE 'sooner' END AS expires
          INTO st FROM rog_status() s;
        PERFORM rog_disable();
        PERFORM rog_disable(scope => 'database');
        UPDATE fz_enable_cases SET result = res, enabled = st.enabled, source = st.source,
               reason_chars = st.chars, reason_bytes = st.bytes, expires = st.expires
         WHERE n = r.n;
        COMMIT;
    END LOOP;
END
$$;
CALL fz_run_enable_cases();
SELECT n, sql, result, enabled, source, reason_chars, reason_bytes, expires
  FROM fz_enable_cases ORDER BY n;
-- the reasons arrive as given, byte for byte
SELECT rog_enable(U&'\202Ereversed\202C \200F\05E9\05DC\05D5\05DD' || E'\n' || '%s "q"') IS NOT NULL AS enabled;
SELECT reason = U&'\202Ereversed\202C \200F\05E9\05DC\05D5\05DD' || E'\n' || '%s "q"' AS reason_as_given,
       encode(convert_to(reason, 'UTF8'), 'hex') AS reason_hex FROM rog_status();
SELECT split_part(fz('INSERT INTO fz_perm VALUES (1)'), ' | ', 1) AS refused,
       position(U&'\202Ereversed' IN fz('CREATE TABLE fz_new (a int)')) > 0 AS detail_has_reason;
SELECT rog_disable();
SELECT 1 AS alive;

-- ---- rog_enable() in transactions, savepoints, after writes ----
-- not undone by ROLLBACK, nor by ROLLBACK TO SAVEPOINT
BEGIN;
SELECT rog_enable('in a transaction') IS NOT NULL AS enabled;
ROLLBACK;
SELECT enabled, reason FROM rog_status();
BEGIN;
SAVEPOINT s1;
SELECT rog_disable();
ROLLBACK TO SAVEPOINT s1;
SELECT enabled FROM rog_status();
SELECT rog_enable('in a savepoint') IS NOT NULL AS enabled;
RELEASE SAVEPOINT s1;
ROLLBACK;
SELECT enabled, reason FROM rog_status();
SELECT rog_disable();
-- a transaction that wrote (even to a temporary table, even in a savepoint
-- rolled back since) holds a transaction ID: rog_enable() is refused
BEGIN;
INSERT INTO fz_tmp VALUES (1);
SELECT fz('SELECT rog_enable(''after a write'')');
ROLLBACK;
BEGIN;
SAVEPOINT s1;
INSERT INTO fz_tmp VALUES (1);
ROLLBACK TO SAVEPOINT s1;
SELECT fz('SELECT rog_enable(''after a rolled-back write'')');
ROLLBACK;
BEGIN;
SELECT txid_current() IS NOT NULL AS has_xid;
SELECT fz('SELECT rog_enable(''after txid_current()'')');
ROLLBACK;
SELECT enabled FROM rog_status();
-- a transaction that only read, whatever its mode or isolation
BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE;
SELECT count(*) FROM fz_tmp;
SELECT rog_enable('serializable read only') IS NOT NULL AS enabled;
SELECT split_part(fz('INSERT INTO fz_perm VALUES (1)'), ' | ', 1) AS refused;
COMMIT;
-- the other functions after a write in the same transaction
SELECT rog_disable();
BEGIN;
INSERT INTO fz_tmp VALUES (2);
SELECT enabled FROM rog_status();
SELECT count(*) AS followers FROM rog_follower_lag();
SELECT rog_wait_for_catchup('0', 0);
SELECT rog_disable();
SELECT rog_version() = (SELECT extversion FROM pg_extension WHERE extname = 'readonly_guard') AS version_matches;
COMMIT;
-- in an aborted transaction
BEGIN;
SELECT 1 / 0;
SELECT rog_enable('aborted');
ROLLBACK;
-- several calls in one statement; through a prepared statement with NULLs
SELECT rog_enable(r) IS NOT NULL AS enabled FROM (VALUES ('first'), ('second'), (NULL)) v(r);
SELECT enabled, reason FROM rog_status();
PREPARE fz_enable_p(text, interval, text, interval) AS SELECT rog_enable($1, $2, $3, $4) IS NOT NULL;
EXECUTE fz_enable_p('prepared', '0', 'cluster', NULL);
EXECUTE fz_enable_p(NULL, NULL, NULL, NULL);
EXECUTE fz_enable_p('prepared', '1s', 'nope', NULL);
DEALLOCATE fz_enable_p;
SELECT rog_disable();
-- scope => 'database' is an ALTER DATABASE: unlike the cluster flag, it
-- takes effect when the transaction commits, and a rollback undoes it
BEGIN;
SELECT rog_enable(scope => 'database') IS NOT NULL AS enabled;
SELECT enabled, source FROM rog_status();
ROLLBACK;
SELECT enabled, source FROM rog_status();
-- with the session already read-only through the setting
SET readonly_guard.enabled = on;
SELECT rog_enable('over the setting') IS NOT NULL AS enabled;
SELECT enabled, source FROM rog_status();
SELECT rog_disable();
RESET readonly_guard.enabled;
SELECT 1 AS alive;

-- ---- rog_disable(scope) ----
SELECT s AS scope, fz(format('SELECT rog_disable(%s)', s)) AS result
  FROM unnest(ARRAY['NULL', $$'cluster'$$, $$'database'$$, $$'CLUSTER'$$, $$''$$,
                    $$'cluster; SELECT 1'$$, $$repeat('d', 1048576)$$]) AS s;
-- twice, and when nothing is on
SELECT rog_disable(), rog_disable(), rog_disable(scope => 'database');
SELECT 1 AS alive;

-- ---- rog_status(), rog_version(), rog_stats(): in every kind of call ----
SELECT (rog_status()).enabled;
SELECT count(*) FROM rog_status() WHERE false;
SELECT count(*) FROM generate_series(1, 100) g, LATERAL rog_status() s WHERE NOT s.enabled;
SELECT (rog_status()).enabled IS NOT NULL AS called FROM generate_series(1, 3);
SELECT rog_version() IS NOT NULL, rog_version() = rog_version();
-- in parallel workers too, also after a change of a readonly_guard.*
-- setting (which makes every backend re-read pg_db_role_setting)
ALTER ROLE fz_user SET readonly_guard.enabled = off;
ALTER ROLE fz_user RESET readonly_guard.enabled;
-- (the setting is force_parallel_mode before PostgreSQL 16)
SELECT CASE WHEN current_setting('server_version_num')::int >= 160000
            THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END AS parallel_guc \gset
SET :parallel_guc = on;
SELECT current_setting(:'parallel_guc') AS parallel_mode;
SELECT enabled FROM rog_status();
SELECT rog_version() IS NOT NULL AS version;
SELECT count(*) FROM fz_perm;
SELECT rog_enable('parallel') IS NOT NULL AS enabled;
SELECT count(*) FROM fz_perm;
SELECT rog_disable();
RESET :parallel_guc;
SELECT count(*) > 0 AS classes FROM rog_stats();
SELECT rog_stats_reset();
SELECT 1 AS alive;

-- ---- rog_follower_lag() and rog_wait_for_catchup(timeout, min_followers) ----
-- (no follower here; the NOTICE of a failed wait names a WAL position, so
-- only warnings are shown)
SET client_min_messages = warning;
SELECT count(*) AS followers FROM rog_follower_lag();
SELECT rog_follower_lag();
SELECT count(*) FROM rog_follower_lag() WITH ORDINALITY;
SELECT a AS args, fz(format('SELECT rog_wait_for_catchup(%s)', a)) AS result
  FROM unnest(ARRAY['NULL, 0', $$'0', NULL$$, 'NULL, NULL', $$'-1 s', 0$$, $$'0', -1$$,
                    $$'0', -2147483648$$, $$'0', 2147483648$$,
                    $$'1 mon -31 days', 0$$]) AS a;
SELECT a AS args, rog_wait_for_catchup(t, m) AS caught_up
  FROM (VALUES ('''0'', 0', interval '0', 0),
               ('''0'', 1', '0', 1),
               ('''0'', 2147483647', '0', 2147483647),
               ('''1000000 years'', 0', '1000000 years', 0),
               ('''1 mon'', 0', '1 mon', 0),
               ('''1 mon -30 days'', 0', '1 mon -30 days', 0),
               ('''100 ms'', 1', '100 ms', 1)) v(a, t, m);
-- a wait that would last forever can be cancelled (statement_timeout)
SET statement_timeout = '300ms';
\set VERBOSITY sqlstate
SELECT rog_wait_for_catchup('1000000 years', 1);
\set VERBOSITY default
RESET statement_timeout;
-- read-only mode on: the wait still works
SELECT rog_enable('wait') IS NOT NULL AS enabled;
SELECT rog_wait_for_catchup('0', 0) AS caught_up, count(*) AS followers FROM rog_follower_lag();
SELECT rog_disable();
RESET client_min_messages;
SELECT 1 AS alive;

-- ---- without privileges ----
SELECT f, fz(f, 'fz_user') AS as_fz_user
  FROM unnest(ARRAY['SELECT rog_enable()', 'SELECT rog_enable(NULL, NULL)',
                    $$SELECT rog_enable(repeat('x', 1048576))$$,
                    $$SELECT rog_enable(scope => 'database')$$,
                    'SELECT rog_disable()', $$SELECT rog_disable('database')$$,
                    $$SELECT rog_wait_for_catchup('0', 0)$$, 'SELECT * FROM rog_follower_lag()',
                    'SELECT * FROM rog_stats()', 'SELECT rog_stats_reset()',
                    'SELECT enabled FROM rog_status()', 'SELECT rog_version()']) AS f;
-- EXECUTE granted: rog_wait_for_catchup() still needs pg_read_all_stats,
-- rog_enable(scope => 'database') needs to own the database
GRANT EXECUTE ON FUNCTION rog_wait_for_catchup(interval, integer) TO fz_user;
SELECT fz($$SELECT rog_wait_for_catchup('0', 0)$$, 'fz_user') AS wait;
REVOKE EXECUTE ON FUNCTION rog_wait_for_catchup(interval, integer) FROM fz_user;
GRANT EXECUTE ON FUNCTION rog_enable, rog_disable TO fz_user;
SELECT fz($$SELECT rog_enable(scope => 'database')$$, 'fz_user') AS enable_database,
       fz($$SELECT rog_disable(scope => 'database')$$, 'fz_user') AS disable_database,
       fz($$SELECT rog_enable('by fz_user', '0')$$, 'fz_user') AS enable_cluster;
SELECT enabled, reason, enabled_by = 'fz_user' AS by_fz_user FROM rog_status();
SELECT fz('SELECT rog_disable()', 'fz_user') AS disable_cluster;
REVOKE EXECUTE ON FUNCTION rog_enable, rog_disable FROM fz_user;
SELECT 1 AS alive;

-- ---- the settings ----
SELECT name, context, vartype FROM pg_settings WHERE name LIKE 'readonly_guard.%' ORDER BY name;
-- readonly_guard.enabled: bad values, then every spelling of on and off
SELECT v AS value, fz(format('SET readonly_guard.enabled = %s', v)) AS result
  FROM unnest(ARRAY[$$'maybe'$$, $$''$$, '2', '-1', '0.5', $$'on '$$, $$'o'$$, $$'onn'$$, 'NULL',
                    $$'of'$$, $$E'on\n'$$]) AS v;
SELECT fz(format('SET readonly_guard.enabled = %L', repeat('t', 1048576))) AS one_mb;
SELECT v AS value, fz(format('SET readonly_guard.enabled = %s', v)) AS result,
       current_setting('readonly_guard.enabled') AS shown
  FROM unnest(ARRAY['on', 'off', 'ON', 'Off', 'true', 'FALSE', 'yes', 'no', '1', '0', 't', 'f',
                    'DEFAULT']) AS v;
SET readonly_guard.enabled = 'TRUE';
SELECT enabled, source FROM rog_status();
SET readonly_guard.enabled TO DEFAULT;
SELECT enabled, source FROM rog_status();
-- not for an ordinary role, in any form, nor can it remove a role setting
-- that a superuser made for it
ALTER ROLE fz_user SET readonly_guard.enabled = on;
SELECT s AS statement, fz(s, 'fz_user') AS as_fz_user
  FROM unnest(ARRAY['SET readonly_guard.enabled = on', 'SET readonly_guard.enabled = off',
                    'SET LOCAL readonly_guard.enabled = off', 'RESET readonly_guard.enabled',
                    $$SELECT set_config('readonly_guard.enabled', 'on', false)$$,
                    'ALTER ROLE fz_user SET readonly_guard.enabled = off',
                    'ALTER ROLE fz_user RESET readonly_guard.enabled',
                    'ALTER ROLE fz_user RESET ALL',
                    $$SET readonly_guard.message = 'hello'$$,
                    $$SET readonly_guard.exempt_roles = 'fz_user'$$,
                    'SET readonly_guard.allow_maintenance = on',
                    'CREATE FUNCTION pg_temp.fz_f() RETURNS int LANGUAGE sql SET readonly_guard.enabled = off AS ''SELECT 1''']) AS s;
SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'fz_user'::regrole;
ALTER ROLE fz_user RESET readonly_guard.enabled;
-- readonly_guard.message: format specifiers and 1 MB, shown as given
SET readonly_guard.message = '%s %n %d "quoted"';
SET readonly_guard.enabled = on;
SELECT fz('INSERT INTO fz_perm VALUES (1)');
SET readonly_guard.message = '';
SELECT reason FROM rog_status();
SELECT set_config('readonly_guard.message', repeat('m', 1048576), false) IS NOT NULL AS set;
SELECT length(reason) AS reason_length FROM rog_status();
SELECT split_part(fz('INSERT INTO fz_perm VALUES (1)'), ' | ', 1) AS refused;
RESET readonly_guard.message;
RESET readonly_guard.enabled;
-- reload-only settings cannot be SET; bad values are refused even by
-- ALTER SYSTEM (nothing is written to postgresql.auto.conf)
SELECT s AS statement, fz(s) AS result
  FROM unnest(ARRAY[$$SET readonly_guard.exempt_roles = 'fz_user'$$,
                    'SET readonly_guard.allow_maintenance = on',
                    $$ALTER ROLE fz_user SET readonly_guard.exempt_roles = 'fz_user'$$,
                    $$ALTER DATABASE postgres SET readonly_guard.allow_maintenance = on$$]) AS s;
\set VERBOSITY sqlstate
ALTER SYSTEM SET readonly_guard.exempt_roles = 'public';
ALTER SYSTEM SET readonly_guard.exempt_roles = 'PUBLIC, fz_user';
ALTER SYSTEM SET readonly_guard.exempt_roles = 'a,,b';
ALTER SYSTEM SET readonly_guard.exempt_roles = '"unterminated';
ALTER SYSTEM SET readonly_guard.allow_maintenance = 'maybe';
ALTER SYSTEM SET readonly_guard.enabled = 'maybe';
ALTER SYSTEM SET readonly_guard.foo = 1;
SET ROLE fz_user;
ALTER SYSTEM SET readonly_guard.enabled = on;
ALTER SYSTEM SET readonly_guard.exempt_roles = 'fz_user';
RESET ROLE;
\set VERBOSITY default
SELECT count(*) AS auto_conf_settings FROM pg_file_settings
 WHERE sourcefile LIKE '%postgresql.auto.conf' AND name LIKE 'readonly_guard.%';
-- the prefix is reserved: unknown readonly_guard.* names are errors
SELECT s AS statement, fz(s) AS result
  FROM unnest(ARRAY['SET readonly_guard.foo = 1', 'SHOW readonly_guard.foo',
                    $$SELECT set_config('readonly_guard.foo', 'x', false)$$,
                    $$SELECT current_setting('readonly_guard.foo')$$,
                    'ALTER ROLE fz_user SET readonly_guard.foo = 1',
                    'SET readonly_guard.enabled.foo = 1', 'SET readonly_guard. = 1',
                    format('SET readonly_guard.%s = 1', repeat('x', 63))]) AS s;
SELECT current_setting('readonly_guard.foo', true) IS NULL AS missing_ok;
-- the names are case-insensitive, as PostgreSQL's are
SET "READONLY_GUARD.ENABLED" = on;
SELECT enabled, source FROM rog_status();
RESET readonly_guard.enabled;
SELECT 1 AS alive;

-- ---- clean up: the mode is off, no setting is left ----
DROP PROCEDURE fz_run_enable_cases();
DROP FUNCTION fz(text, name);
DROP TABLE fz_enable_cases, fz_tmp, fz_perm;
DROP ROLE fz_user;
SELECT enabled, source, reason FROM rog_status();
SELECT count(*) AS guard_settings FROM pg_db_role_setting
 WHERE array_to_string(setconfig, ',') LIKE '%readonly_guard%';
