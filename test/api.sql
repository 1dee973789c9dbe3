-- pgTAP: the SQL API of readonly_guard (signatures, privileges, status).
--
-- rog_enable() refuses to run in a transaction that holds a transaction ID,
-- and plan() writes to temporary tables, so read-only mode is turned on in
-- autocommit before the test transaction begins, and off again at the end.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS readonly_guard;
CREATE EXTENSION IF NOT EXISTS pgtap;
RESET client_min_messages;

SELECT rog_enable('pgtap') IS NOT NULL AS rog_enabled \gset
-- From here on an error must not stop the script before rog_disable() below:
-- a file that dies here would leave the cluster read-only for the next ones.
-- pg_prove still fails the file (missing plan or tests, wrong count).
\set ON_ERROR_STOP 0

BEGIN;
SELECT plan(61);

-- ---- the functions and their exact signatures ----
SELECT has_function('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'],
    'rog_enable(text, interval, text, interval) exists');
SELECT function_returns('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'], 'pg_lsn',
    'rog_enable(text, interval, text, interval) returns pg_lsn');
SELECT is(pg_get_function_arguments('public.rog_enable(text, interval, text, interval)'::regprocedure),
    $$reason text DEFAULT NULL::text, drain_timeout interval DEFAULT '00:00:05'::interval, scope text DEFAULT 'cluster'::text, expires_in interval DEFAULT NULL::interval$$,
    'rog_enable arguments: reason DEFAULT NULL, drain_timeout DEFAULT 5s, scope DEFAULT cluster, expires_in DEFAULT NULL');
SELECT has_function('public', 'rog_disable', ARRAY['text'],
    'rog_disable(text) exists');
SELECT function_returns('public', 'rog_disable', ARRAY['text'], 'boolean',
    'rog_disable(text) returns boolean');
SELECT has_function('public', 'rog_status', ARRAY[]::text[],
    'rog_status() exists');
SELECT function_returns('public', 'rog_status', ARRAY[]::text[], 'record',
    'rog_status() returns record');
SELECT is(pg_get_function_arguments('public.rog_status()'::regprocedure),
    'OUT enabled boolean, OUT source text, OUT reason text, OUT enabled_by name, '
    'OUT enabled_at timestamp with time zone, OUT lsn pg_lsn, OUT draining boolean, '
    'OUT prepared_xacts integer, OUT expires_at timestamp with time zone, OUT exempt boolean, '
    'OUT timeline integer, OUT before_promotion boolean',
    'rog_status() OUT columns');

SELECT volatility_is('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'], 'volatile',
    'rog_enable is volatile');
SELECT volatility_is('public', 'rog_disable', ARRAY['text'], 'volatile',
    'rog_disable is volatile');
SELECT volatility_is('public', 'rog_status', ARRAY[]::text[], 'volatile',
    'rog_status is volatile');
SELECT isnt_strict('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'],
    'rog_enable is not strict (NULL reason allowed, NULL timeout reported)');
SELECT function_lang_is('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'], 'c',
    'rog_enable is written in C');
SELECT results_eq(
    $$SELECT p.proname::text COLLATE "default" FROM pg_depend d
        JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
        JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass
             AND d.refobjid = e.oid
       WHERE e.extname = 'readonly_guard' AND d.deptype = 'e'
       ORDER BY 1$$,
    $$VALUES ('rog_accepts_writes'), ('rog_disable'), ('rog_enable'), ('rog_follower_lag'), ('rog_stats'),
             ('rog_stats_reset'), ('rog_status'), ('rog_version'), ('rog_wait_for_catchup')$$,
    'the extension owns exactly rog_accepts_writes, rog_disable, rog_enable, rog_follower_lag, rog_stats, rog_stats_reset, rog_status, rog_version, rog_wait_for_catchup');

-- follower catch-up (src/lag.c)
SELECT has_function('public', 'rog_follower_lag', ARRAY[]::text[],
    'rog_follower_lag() exists');
SELECT function_returns('public', 'rog_follower_lag', ARRAY[]::text[], 'setof record',
    'rog_follower_lag() returns setof record');
SELECT is(pg_get_function_arguments('public.rog_follower_lag()'::regprocedure),
    'OUT application_name text, OUT client_addr inet, OUT state text, '
    'OUT sync_state text, OUT sent_lsn pg_lsn, OUT write_lsn pg_lsn, '
    'OUT flush_lsn pg_lsn, OUT replay_lsn pg_lsn, OUT lag_bytes numeric, '
    'OUT replay_lag interval, OUT caught_up boolean',
    'rog_follower_lag() OUT columns');
SELECT has_function('public', 'rog_wait_for_catchup', ARRAY['interval', 'integer'],
    'rog_wait_for_catchup(interval, integer) exists');
SELECT function_returns('public', 'rog_wait_for_catchup', ARRAY['interval', 'integer'], 'boolean',
    'rog_wait_for_catchup(interval, integer) returns boolean');
SELECT is(pg_get_function_arguments('public.rog_wait_for_catchup(interval, integer)'::regprocedure),
    $$timeout interval DEFAULT '00:01:00'::interval, min_followers integer DEFAULT 1$$,
    'rog_wait_for_catchup arguments: timeout DEFAULT 60s, min_followers DEFAULT 1');
SELECT isnt_strict('public', 'rog_wait_for_catchup', ARRAY['interval', 'integer'],
    'rog_wait_for_catchup is not strict (NULL arguments reported)');

-- ---- privileges ----
SELECT function_privs_are('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute rog_enable');
SELECT function_privs_are('public', 'rog_disable', ARRAY['text'],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute rog_disable');
SELECT function_privs_are('public', 'rog_status', ARRAY[]::text[],
    'public', ARRAY['EXECUTE'], 'PUBLIC can execute rog_status');
SELECT function_privs_are('public', 'rog_accepts_writes', ARRAY[]::text[],
    'public', ARRAY['EXECUTE'], 'PUBLIC can execute rog_accepts_writes (health checks)');
SELECT function_privs_are('public', 'rog_enable', ARRAY['text', 'interval', 'text', 'interval'],
    'pg_monitor', ARRAY[]::text[], 'pg_monitor cannot execute rog_enable');
SELECT function_privs_are('public', 'rog_disable', ARRAY['text'],
    'pg_monitor', ARRAY[]::text[], 'pg_monitor cannot execute rog_disable');

SELECT function_privs_are('public', 'rog_follower_lag', ARRAY[]::text[],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute rog_follower_lag');
SELECT function_privs_are('public', 'rog_follower_lag', ARRAY[]::text[],
    'pg_monitor', ARRAY['EXECUTE'], 'pg_monitor can execute rog_follower_lag');
SELECT function_privs_are('public', 'rog_wait_for_catchup', ARRAY['interval', 'integer'],
    'public', ARRAY[]::text[], 'PUBLIC cannot execute rog_wait_for_catchup');
SELECT function_privs_are('public', 'rog_wait_for_catchup', ARRAY['interval', 'integer'],
    'pg_monitor', ARRAY[]::text[], 'pg_monitor cannot execute rog_wait_for_catchup');

-- an ordinary role (pg_monitor, to create no role while read-only)
SET LOCAL ROLE pg_monitor;
SELECT throws_ok('SELECT rog_disable()', '42501', NULL,
    'an ordinary role cannot call rog_disable()');
SELECT throws_ok($$SELECT rog_enable('other reason')$$, '42501', NULL,
    'an ordinary role cannot call rog_enable()');
SELECT results_eq('SELECT enabled, source, reason FROM rog_status()',
    $$VALUES (true, 'cluster'::text, 'pgtap'::text)$$,
    'an ordinary role can read rog_status()');
SELECT throws_ok('SET readonly_guard.enabled = off', '42501', NULL,
    'an ordinary role cannot change readonly_guard.enabled');
SELECT lives_ok('SELECT * FROM rog_follower_lag()',
    'pg_monitor can call rog_follower_lag()');
SELECT throws_ok($$SELECT rog_wait_for_catchup('0')$$, '42501', NULL,
    'pg_monitor cannot call rog_wait_for_catchup()');
RESET ROLE;

-- ---- rog_status() while the mode is on ----
SELECT results_eq('SELECT enabled, source, reason, enabled_by, draining FROM rog_status()',
    $$VALUES (true, 'cluster'::text, 'pgtap'::text, current_user::name, false)$$,
    'rog_status() reports the cluster mode, its reason and who enabled it');
SELECT ok((SELECT enabled_at <= now() AND enabled_at > now() - interval '1 hour'
             FROM rog_status()),
    'rog_status().enabled_at is the recent time the mode began');
SELECT ok((SELECT lsn IS NOT NULL AND lsn <= pg_current_wal_insert_lsn()
             FROM rog_status()),
    'rog_status().lsn is a WAL position already reached');
SELECT is((SELECT prepared_xacts FROM rog_status()),
    (SELECT count(*)::int FROM pg_prepared_xacts),
    'rog_status().prepared_xacts counts the prepared transactions');
SELECT is((SELECT count(*) FROM rog_status()), 1::bigint,
    'rog_status() returns exactly one row');
SELECT is(current_setting('readonly_guard.enabled'), 'off',
    'the cluster flag is separate from the readonly_guard.enabled setting');

-- ---- argument checks (they come before the transaction check) ----
SELECT throws_ok($$SELECT rog_enable('x', NULL)$$, '22004', NULL,
    'a NULL drain_timeout is an error');
SELECT throws_ok($$SELECT rog_enable('x', '-1 second')$$, '22023', NULL,
    'a negative drain_timeout is an error');
SELECT throws_ok(format('SELECT rog_enable(%L)', repeat('x', 1025)), '22001', NULL,
    'a reason longer than 1024 bytes is refused');

SELECT throws_ok('SELECT rog_wait_for_catchup(NULL)', '22004', NULL,
    'a NULL catch-up timeout is an error');
SELECT throws_ok($$SELECT rog_wait_for_catchup('-1 second')$$, '22023', NULL,
    'a negative catch-up timeout is an error');
SELECT throws_ok($$SELECT rog_wait_for_catchup('0', -1)$$, '22023', NULL,
    'a negative min_followers is an error');

-- ---- rog_enable() in a transaction that already wrote ----
-- plan() inserted into pgTAP's temporary tables: this transaction holds an ID
SELECT isnt(pg_current_xact_id_if_assigned(), NULL,
    'the test transaction holds a transaction ID');
SELECT throws_ok($$SELECT rog_enable('inside')$$, '25001', NULL,
    'rog_enable() in a transaction that has written is refused');
SELECT is((SELECT reason FROM rog_status()), 'pgtap',
    'the refused call did not change the reason');

-- ---- rog_disable() acts at once and is not undone by a rollback ----
SELECT throws_ok($q$DO $d$
    BEGIN
        IF NOT rog_disable() THEN
            RAISE EXCEPTION 'rog_disable() returned false' USING ERRCODE = 'P0002';
        END IF;
        RAISE EXCEPTION 'roll back' USING ERRCODE = 'P0001';
    END $d$$q$, 'P0001', NULL,
    'rog_disable() returns true when the mode was on (then rolled back)');
SELECT results_eq('SELECT enabled, source, reason, enabled_by, enabled_at, lsn, draining FROM rog_status()',
    $$VALUES (false, NULL::text, NULL::text, NULL::name, NULL::timestamptz, NULL::pg_lsn, false)$$,
    'rog_disable() stays in effect although its subtransaction rolled back');
SELECT is(rog_disable(), false, 'rog_disable() returns false when the mode was off');

-- ---- the session setting alone ----
SET LOCAL readonly_guard.enabled = on;
SELECT results_eq('SELECT enabled, source, reason FROM rog_status()',
    $$VALUES (true, 'setting'::text, NULL::text)$$,
    'rog_status() reports source setting when only readonly_guard.enabled is on');
SELECT throws_ok('CREATE TABLE public.rog_api_probe (i int)', '25006', NULL,
    'readonly_guard.enabled = on alone makes the session read-only');
SET LOCAL readonly_guard.enabled = off;
SELECT results_eq('SELECT enabled, source FROM rog_status()',
    $$VALUES (false, NULL::text)$$,
    'rog_status() is off again when the setting is off');

-- ---- writes work again after rog_disable() ----
SELECT lives_ok('CREATE TABLE public.rog_api_probe (i int)',
    'DDL works after rog_disable() in the same transaction');
SELECT lives_ok('INSERT INTO public.rog_api_probe VALUES (1)',
    'DML works after rog_disable() in the same transaction');
-- (written so that a missing table fails this test instead of aborting the
-- transaction: 22012 is raised only if the row is there)
SELECT throws_ok('SELECT 1 / (i - 1) FROM public.rog_api_probe', '22012', NULL,
    'the row written after rog_disable() is visible');

SELECT * FROM finish();
ROLLBACK;

\o /dev/null
SELECT rog_disable();
\o
