/* readonly_guard--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION readonly_guard UPDATE TO '1.1'" to load this file. \quit

CREATE FUNCTION @extschema@.rog_version()
RETURNS text
AS 'MODULE_PATHNAME', 'rog_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rog_version() IS
'version of the loaded readonly_guard library';

-- rog_enable() gains expires_in
DROP FUNCTION @extschema@.rog_enable(text, interval, text);

CREATE FUNCTION @extschema@.rog_enable(
    reason text DEFAULT NULL,
    drain_timeout interval DEFAULT '5s',
    scope text DEFAULT 'cluster',
    expires_in interval DEFAULT NULL)
RETURNS pg_lsn
AS 'MODULE_PATHNAME', 'rog_enable'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_enable(text, interval, text, interval) IS
'turn read-only mode on (cluster: drain earlier writers, optionally for expires_in; database: ALTER DATABASE SET), return the WAL position';

REVOKE ALL ON FUNCTION @extschema@.rog_enable(text, interval, text, interval) FROM PUBLIC;

-- rog_status() gains expires_at and exempt
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
    OUT exempt boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'rog_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_status() IS
'read-only state as seen by the current session';

GRANT EXECUTE ON FUNCTION @extschema@.rog_status() TO PUBLIC;

-- Refusal counters (1.1)

CREATE FUNCTION @extschema@.rog_stats(
    OUT statement_class text,
    OUT refused_since_enabled bigint,
    OUT refused_total bigint,
    OUT stats_reset timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'rog_stats'
LANGUAGE C VOLATILE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rog_stats() IS
'statements refused per class, since the cluster-wide mode began and since server start or rog_stats_reset()';

CREATE FUNCTION @extschema@.rog_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'rog_stats_reset'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_stats_reset() IS
'zero the refusal counters of rog_stats()';

REVOKE ALL ON FUNCTION @extschema@.rog_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rog_stats() TO pg_monitor;
REVOKE ALL ON FUNCTION @extschema@.rog_stats_reset() FROM PUBLIC;
