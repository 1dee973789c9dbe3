/* readonly_guard--1.2.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION readonly_guard" to load this file. \quit

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

REVOKE ALL ON FUNCTION @extschema@.rog_enable(text, interval, text, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.rog_disable(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rog_status() TO PUBLIC;

CREATE FUNCTION @extschema@.rog_accepts_writes()
RETURNS boolean
AS 'MODULE_PATHNAME', 'rog_accepts_writes'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_accepts_writes() IS
'for health checks: true if a write by this session would be accepted (not in recovery, not read-only)';

GRANT EXECUTE ON FUNCTION @extschema@.rog_accepts_writes() TO PUBLIC;

-- Follower catch-up (lag.c)

CREATE FUNCTION @extschema@.rog_follower_lag(
    OUT application_name text,
    OUT client_addr inet,
    OUT state text,
    OUT sync_state text,
    OUT sent_lsn pg_lsn,
    OUT write_lsn pg_lsn,
    OUT flush_lsn pg_lsn,
    OUT replay_lsn pg_lsn,
    OUT lag_bytes numeric,
    OUT replay_lag interval,
    OUT caught_up boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'rog_follower_lag'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_follower_lag() IS
'one row per follower (on a standby: itself), its lag behind the read-only LSN and whether it has caught up';

CREATE FUNCTION @extschema@.rog_wait_for_catchup(
    timeout interval DEFAULT '60s',
    min_followers integer DEFAULT 1)
RETURNS boolean
AS 'MODULE_PATHNAME', 'rog_wait_for_catchup'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.rog_wait_for_catchup(interval, integer) IS
'wait until at least min_followers followers are connected and all have caught up; false at the timeout';

REVOKE ALL ON FUNCTION @extschema@.rog_follower_lag() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.rog_follower_lag() TO pg_monitor;
REVOKE ALL ON FUNCTION @extschema@.rog_wait_for_catchup(interval, integer) FROM PUBLIC;

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

-- Version (1.1)

CREATE FUNCTION @extschema@.rog_version()
RETURNS text
AS 'MODULE_PATHNAME', 'rog_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rog_version() IS
'version of the loaded readonly_guard library';
