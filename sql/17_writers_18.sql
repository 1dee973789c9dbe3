--
-- 17_writers_18: the built-in functions of PostgreSQL 18 and later that write
-- catalogs without the executor and without a read-only check of their own
-- (the planner statistics functions: pg_class and pg_statistic) are refused
-- while read-only mode is on, for a superuser too, and change nothing; with
-- the mode off they do write, so the refusal is the guard's.
-- In REGRESS only for servers of version 18 and later (Makefile).
--
CREATE TABLE w18 (a int);
INSERT INTO w18 SELECT g FROM generate_series(1, 1000) g;
ANALYZE w18;
-- what the functions change: the relation's statistics and its columns'
CREATE FUNCTION w18_fingerprint() RETURNS text LANGUAGE sql AS $$
  SELECT format('relpages %s reltuples %s pg_statistic rows %s',
                c.relpages, c.reltuples,
                (SELECT count(*) FROM pg_statistic s WHERE s.starelid = c.oid))
    FROM pg_class c WHERE c.oid = 'w18'::regclass $$;
SELECT w18_fingerprint() AS before \gset
SELECT :'before' AS before;

CREATE FUNCTION w18_clear() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_clear_relation_stats('public', 'w18'); END $$;
PREPARE w18_p AS SELECT pg_clear_attribute_stats('public', 'w18', 'a', false);

SELECT rog_enable('writers_18') IS NOT NULL AS enabled;
-- (the detail names the time the mode began: messages and SQLSTATEs only)
\set VERBOSITY terse
SELECT pg_restore_relation_stats('schemaname', 'public', 'relname', 'w18',
                                 'relpages', 99::integer, 'reltuples', 99::real);
SELECT pg_clear_relation_stats('public', 'w18');
SELECT pg_restore_attribute_stats('schemaname', 'public', 'relname', 'w18',
                                  'attname', 'a', 'inherited', false,
                                  'null_frac', 0.5::real);
SELECT pg_clear_attribute_stats('public', 'w18', 'a', false);
SELECT :'SQLSTATE' AS sqlstate;
-- in a function, and through a prepared statement
SELECT w18_clear();
SELECT :'SQLSTATE' AS sqlstate;
EXECUTE w18_p;
SELECT :'SQLSTATE' AS sqlstate;
\set VERBOSITY default
SELECT rog_disable();
SELECT w18_fingerprint() = :'before' AS unchanged;

-- mode off: each of them writes
SELECT pg_restore_relation_stats('schemaname', 'public', 'relname', 'w18',
                                 'relpages', 99::integer, 'reltuples', 99::real);
SELECT w18_fingerprint() AS after_restore;
SELECT pg_clear_attribute_stats('public', 'w18', 'a', false);
SELECT w18_fingerprint() AS after_clear_attribute;
SELECT pg_restore_attribute_stats('schemaname', 'public', 'relname', 'w18',
                                  'attname', 'a', 'inherited', false,
                                  'null_frac', 0.5::real);
SELECT w18_fingerprint() AS after_restore_attribute;
SELECT pg_clear_relation_stats('public', 'w18');
SELECT w18_fingerprint() AS after_clear;
EXECUTE w18_p;
SELECT w18_fingerprint() AS after_prepared;
DEALLOCATE w18_p;
DROP TABLE w18;
DROP FUNCTION w18_fingerprint();
DROP FUNCTION w18_clear();
