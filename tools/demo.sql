-- readonly_guard demo: run by tools/demo.sh on a throwaway cluster
\set VERBOSITY default
CREATE EXTENSION readonly_guard;
CREATE TABLE orders (id serial PRIMARY KEY, item text);
INSERT INTO orders (item) VALUES ('book'), ('lamp');

-- enter maintenance: writes stop in every session of the cluster
SELECT rog_enable('upgrade to PostgreSQL 16');
SELECT enabled, source, reason, enabled_by FROM rog_status();

-- reads keep working
SELECT count(*) AS orders FROM orders;

-- writes are refused with SQLSTATE 25006 and a detail that names the reason
INSERT INTO orders (item) VALUES ('chair');
CREATE TABLE audit (x int);

-- temporary tables keep working (apps and pgTAP depend on them)
CREATE TEMP TABLE scratch AS SELECT * FROM orders;
INSERT INTO scratch (item) VALUES ('draft');

-- leave maintenance: writes work again
SELECT rog_disable();
INSERT INTO orders (item) VALUES ('chair') RETURNING *;
