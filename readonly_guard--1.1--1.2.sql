/* readonly_guard--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION readonly_guard UPDATE TO '1.2'" to load this file. \quit

-- ---- issue #17 (high availability): rog_status() gains timeline and
-- ---- before_promotion; rog_accepts_writes() for health checks ----

DROP FUNCTION @extschema@.rog_status();

CREATE FUNCTION @extschema@.rog_status(
    OUT enabled boolean,
    OUT source text,
    OUT reason text,
    OUT enabled_by name,
    OUT enabled_at timestamptz,
    OUT lsn pg_lsn,
    OUT draining boolean,
    OUT prepared_xacts integer,
    OUT expires_at timestamptz,
    OUT exempt boolean,
    OUT timeline integer,
    OUT before_promotion boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'rog_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_status() IS
'read-only state as seen by the current session';

GRANT EXECUTE ON FUNCTION @extschema@.rog_status() TO PUBLIC;

CREATE FUNCTION @extschema@.rog_accepts_writes()
RETURNS boolean
AS 'MODULE_PATHNAME', 'rog_accepts_writes'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_accepts_writes() IS
'for health checks: true if a write by this session would be accepted (not in recovery, not read-only)';

GRANT EXECUTE ON FUNCTION @extschema@.rog_accepts_writes() TO PUBLIC;

-- ---- end of issue #17 ----
