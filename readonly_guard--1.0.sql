/* readonly_guard--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION readonly_guard" to load this file. \quit

CREATE FUNCTION @extschema@.rog_enable(
    reason text DEFAULT NULL,
    drain_timeout interval DEFAULT '5s',
    scope text DEFAULT 'cluster')
RETURNS pg_lsn
AS 'MODULE_PATHNAME', 'rog_enable'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_enable(text, interval, text) IS
'turn read-only mode on (cluster: drain earlier writers; database: ALTER DATABASE SET), return the WAL position';

CREATE FUNCTION @extschema@.rog_disable(scope text DEFAULT 'cluster')
RETURNS boolean
AS 'MODULE_PATHNAME', 'rog_disable'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_disable(text) IS
'turn read-only mode off for the cluster or the current database; true if it was on';

CREATE FUNCTION @extschema@.rog_status(
    OUT enabled boolean,
    OUT source text,
    OUT reason text,
    OUT enabled_by name,
    OUT enabled_at timestamptz,
    OUT lsn pg_lsn,
    OUT draining boolean,
    OUT prepared_xacts integer)
RETURNS record
AS 'MODULE_PATHNAME', 'rog_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_status() IS
'read-only state as seen by the current session';

REVOKE ALL ON FUNCTION @extschema@.rog_enable(text, interval, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.rog_disable(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rog_status() TO PUBLIC;
