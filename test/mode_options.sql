-- pgTAP: the options of the mode added in 1.1 (README "Messages,
-- notifications, expiry, exemptions, counters"), as API contract:
-- rog_stats()/rog_stats_reset() and who may call them, the GUCs and their
-- contexts, the check hook of readonly_guard.exempt_roles, messages,
-- expires_in, counters.  Their behaviour in detail: sql/10_mode_options.sql;
-- what needs time or restarts: t/008_expiry_notify.pl.
--
-- ALTER SYSTEM cannot run in a transaction block or a function, so this
-- file runs in autocommit (no BEGIN): the check hook's refusals are read
-- from psql's LAST_ERROR_* variables.  rog_enable() runs in autocommit too;
-- pgTAP writes only temporary tables, which read-only mode allows.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS readonly_guard;
CREATE EXTENSION IF NOT EXISTS pgtap;
DROP SCHEMA IF EXISTS rog_pgtap_f CASCADE;
CREATE SCHEMA rog_pgtap_f;
CREATE TABLE rog_pgtap_f.t (id int);
DROP ROLE IF EXISTS rog_pgtap_nobody;
CREATE ROLE rog_pgtap_nobody;
RESET client_min_messages;

-- from here on an error must not stop the script before the clean-up
\set ON_ERROR_STOP 0

SELECT plan(36);

-- ---- functions and privileges ----
SELECT has_function('public', 'rog_stats', ARRAY[]::text[], 'rog_stats() exists');
SELECT has_function('public', 'rog_stats_reset', ARRAY[]::text[], 'rog_stats_reset() exists');
SELECT function_returns('public', 'rog_stats_reset', ARRAY[]::text[], 'void', 'rog_stats_reset() returns void');
SELECT results_eq(
    $$SELECT statement_class FROM rog_stats()$$,
    $$VALUES ('write'), ('row_lock'), ('ddl'), ('copy'), ('lock'), ('maintenance'), ('function'), ('commit')$$,
    'rog_stats() has one row per statement class, in order');
SELECT ok(has_function_privilege('pg_monitor', 'rog_stats()', 'EXECUTE'), 'pg_monitor may call rog_stats()');
SELECT ok(NOT has_function_privilege('rog_pgtap_nobody', 'rog_stats()', 'EXECUTE'), 'PUBLIC may not call rog_stats()');
SELECT ok(NOT has_function_privilege('pg_monitor', 'rog_stats_reset()', 'EXECUTE'), 'pg_monitor may not call rog_stats_reset()');
SELECT ok(NOT has_function_privilege('rog_pgtap_nobody', 'rog_stats_reset()', 'EXECUTE'), 'PUBLIC may not call rog_stats_reset()');
SELECT is(
    (SELECT array_agg(p.proargnames[i] ORDER BY i) FROM pg_proc p, generate_subscripts(p.proargnames, 1) i
      WHERE p.proname = 'rog_status' AND p.proargmodes[i] = 'o'),
    ARRAY['enabled', 'source', 'reason', 'enabled_by', 'enabled_at', 'lsn', 'draining',
          'prepared_xacts', 'expires_at', 'exempt', 'timeline', 'before_promotion'],
    'rog_status() has the columns expires_at and exempt (1.1), timeline and before_promotion (1.2)');

-- ---- the GUCs ----
SELECT results_eq(
    $$SELECT name::text, context::text, vartype::text FROM pg_settings
       WHERE name LIKE 'readonly_guard.%' ORDER BY name$$,
    $$VALUES ('readonly_guard.allow_maintenance', 'sighup', 'bool'),
             ('readonly_guard.enabled', 'superuser', 'bool'),
             ('readonly_guard.exempt_roles', 'sighup', 'string'),
             ('readonly_guard.message', 'superuser', 'string')$$,
    'the four GUCs exist with their contexts and types');
SELECT results_eq(
    $$SELECT name::text, boot_val FROM pg_settings WHERE name LIKE 'readonly_guard.%' ORDER BY name$$,
    $$VALUES ('readonly_guard.allow_maintenance', 'off'), ('readonly_guard.enabled', 'off'),
             ('readonly_guard.exempt_roles', ''), ('readonly_guard.message', '')$$,
    'their defaults');
SELECT throws_ok($$SET readonly_guard.exempt_roles = 'x'$$, '55P02', NULL,
    'readonly_guard.exempt_roles cannot be SET in a session');
SELECT throws_ok($$SET readonly_guard.allow_maintenance = on$$, '55P02', NULL,
    'readonly_guard.allow_maintenance cannot be SET in a session');

-- the check hook of readonly_guard.exempt_roles (psql prints the errors)
ALTER SYSTEM SET readonly_guard.exempt_roles = 'ops, "unterminated';
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '22023', 'bad list syntax is refused with 22023');
SELECT matches(:'LAST_ERROR_MESSAGE'::text, '^invalid value for parameter "readonly_guard.exempt_roles"',
    '... invalid value for parameter');
\set LAST_ERROR_SQLSTATE 00000
ALTER SYSTEM SET readonly_guard.exempt_roles = 'public';
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '22023', 'PUBLIC is refused with 22023');
\set LAST_ERROR_SQLSTATE 00000
ALTER SYSTEM SET readonly_guard.exempt_roles = 'ops, PUBLIC';
SELECT is(:'LAST_ERROR_SQLSTATE'::text, '22023', 'PUBLIC in a list is refused with 22023');
\set LAST_ERROR_SQLSTATE 00000
ALTER SYSTEM SET readonly_guard.exempt_roles = 'ops, "Mixed Case", no_such_role';
SELECT is(:'ERROR'::text, 'false', 'a list of role names, quoted or not, existing or not, is accepted');
ALTER SYSTEM RESET readonly_guard.exempt_roles;
SELECT is(:'ERROR'::text, 'false', 'and reset again');
SELECT is((SELECT count(*)::int FROM pg_file_settings WHERE name = 'readonly_guard.exempt_roles'), 0,
    'postgresql.auto.conf holds no exempt_roles any more');

-- ---- messages ----
SET readonly_guard.message = 'pgtap message';
SET readonly_guard.enabled = on;
SELECT results_eq($$SELECT enabled, source, reason FROM rog_status()$$,
    $$VALUES (true, 'setting', 'pgtap message')$$, 'rog_status() shows the session''s message');
SELECT throws_ok('INSERT INTO rog_pgtap_f.t VALUES (1)', '25006', NULL,
    'the setting makes the session read-only');
RESET readonly_guard.enabled;
RESET readonly_guard.message;
SELECT is((SELECT enabled FROM rog_status()), false, 'off again');

-- ---- expires_in and counters ----
SELECT throws_ok($$SELECT rog_enable('x', expires_in => '0')$$, '22023',
    'expires_in must be greater than zero', 'expires_in 0 is refused');
SELECT throws_ok($$SELECT rog_enable('x', expires_in => '-1 s')$$, '22023',
    'expires_in must not be negative', 'a negative expires_in is refused');
SELECT throws_ok($$SELECT rog_enable('x', scope => 'database', expires_in => '1 h')$$, '22023',
    'expires_in can only be given for scope ''cluster''', 'expires_in with scope database is refused');
SELECT lives_ok('SELECT rog_stats_reset()', 'rog_stats_reset() works for a superuser');
SELECT is((SELECT sum(refused_total)::int FROM rog_stats()), 0, 'the counters are zero after a reset');

SELECT rog_enable('pgtap features', expires_in => '1 hour') IS NOT NULL AS rog_enabled \gset
SELECT results_eq(
    $$SELECT enabled, source, reason, expires_at BETWEEN now() + '59 min' AND now() + '1 hour' FROM rog_status()$$,
    $$VALUES (true, 'cluster', 'pgtap features', true)$$,
    'rog_enable(expires_in => 1 hour): on, with its reason and expires_at');
SELECT throws_ok('INSERT INTO rog_pgtap_f.t VALUES (1)', '25006', 'cannot execute INSERT in a read-only transaction',
    'INSERT is refused');
SELECT throws_ok('SELECT * FROM rog_pgtap_f.t FOR SHARE', '25006', NULL, 'SELECT FOR SHARE is refused');
SELECT throws_ok('ALTER TABLE rog_pgtap_f.t ADD COLUMN v text', '25006', NULL, 'ALTER TABLE is refused');
SELECT throws_ok('ANALYZE rog_pgtap_f.t', '25006', NULL, 'ANALYZE is refused (allow_maintenance is off)');
SELECT results_eq(
    $$SELECT statement_class, refused_since_enabled::int, refused_total::int FROM rog_stats()
       WHERE refused_total > 0 ORDER BY 1$$,
    $$VALUES ('ddl', 1, 1), ('maintenance', 1, 1), ('row_lock', 1, 1), ('write', 1, 1)$$,
    'each refusal is counted once in its class');
SELECT is((SELECT rog_disable()), true, 'rog_disable() turns it off');
SELECT results_eq($$SELECT enabled, expires_at FROM rog_status()$$,
    $$VALUES (false, NULL::timestamptz)$$, 'off, with no expires_at');

SELECT * FROM finish();

\o /dev/null
SELECT rog_disable();
\o
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
ALTER SYSTEM RESET readonly_guard.exempt_roles;
DROP SCHEMA rog_pgtap_f CASCADE;
DROP ROLE rog_pgtap_nobody;
