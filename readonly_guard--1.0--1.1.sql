/* readonly_guard--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION readonly_guard UPDATE TO '1.1'" to load this file. \quit

CREATE FUNCTION @extschema@.rog_version()
RETURNS text
AS 'MODULE_PATHNAME', 'rog_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rog_version() IS
'version of the loaded readonly_guard library';
