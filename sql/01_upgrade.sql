--
-- 01_upgrade: CREATE EXTENSION at 1.0 followed by ALTER EXTENSION UPDATE must
-- give exactly the objects that a fresh CREATE EXTENSION at the default
-- version gives.  Generic: every member of the extension is described,
-- whatever the scripts add; nothing here names a function.  Runs right after
-- 00_setup.sql and leaves the extension as 00_setup.sql created it (checked
-- at the end against a description taken at the start).
--

-- rog_ext_members: one row per (member object, property, value).  Everything
-- is OID-free text, so two installations can be compared with EXCEPT.
CREATE TEMP VIEW rog_ext_members AS
WITH m AS (
    SELECT d.classid, d.objid, d.objsubid, o.type, o.schema, o.identity
      FROM pg_depend d
      JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass
                         AND d.refobjid = e.oid
     CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o
     WHERE e.extname = 'readonly_guard' AND d.deptype = 'e'
)
-- every object type
SELECT m.type || ' ' || m.identity AS object, p.property, p.value
  FROM m CROSS JOIN LATERAL (VALUES
    ('description', pg_describe_object(m.classid, m.objid, m.objsubid)),
    ('schema', m.schema),
    ('comment', (SELECT ds.description FROM pg_description ds
                  WHERE ds.classoid = m.classid AND ds.objoid = m.objid
                    AND ds.objsubid = m.objsubid)),
    ('initial privileges', (SELECT ip.privtype::text || ' ' || ip.initprivs::text
                              FROM pg_init_privs ip
                             WHERE ip.classoid = m.classid AND ip.objoid = m.objid
                               AND ip.objsubid = m.objsubid))
  ) AS p(property, value)
UNION ALL
-- functions, procedures, aggregates
SELECT m.type || ' ' || m.identity, p.property, p.value
  FROM m JOIN pg_proc f ON m.classid = 'pg_proc'::regclass AND f.oid = m.objid
 CROSS JOIN LATERAL (VALUES
    ('identity arguments', pg_get_function_identity_arguments(f.oid)),
    ('arguments', pg_get_function_arguments(f.oid)),
    ('result', pg_get_function_result(f.oid)),
    ('definition', CASE WHEN f.prokind <> 'a' THEN pg_get_functiondef(f.oid) END),
    ('attributes', format('kind=%s language=%s volatile=%s strict=%s parallel=%s '
                          'security_definer=%s leakproof=%s cost=%s rows=%s config=%s',
                          f.prokind, (SELECT lanname FROM pg_language WHERE oid = f.prolang),
                          f.provolatile, f.proisstrict, f.proparallel, f.prosecdef,
                          f.proleakproof, f.procost, f.prorows, f.proconfig)),
    ('source', f.prosrc),
    ('library', f.probin),
    ('owner', pg_get_userbyid(f.proowner)),
    ('acl', f.proacl::text)
  ) AS p(property, value)
UNION ALL
-- tables, views, sequences, indexes, composite types
SELECT m.type || ' ' || m.identity, p.property, p.value
  FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
                        AND m.objsubid = 0
 CROSS JOIN LATERAL (VALUES
    ('relation', format('kind=%s persistence=%s', c.relkind, c.relpersistence)),
    ('columns', (SELECT string_agg(format('%I %s%s%s', a.attname,
                                          format_type(a.atttypid, a.atttypmod),
                                          CASE WHEN a.attnotnull THEN ' NOT NULL' END,
                                          ' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid)),
                                   ', ' ORDER BY a.attnum)
                   FROM pg_attribute a
                   LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)),
    ('constraints', (SELECT string_agg(format('%I %s', co.conname, pg_get_constraintdef(co.oid)),
                                       ', ' ORDER BY co.conname)
                       FROM pg_constraint co WHERE co.conrelid = c.oid)),
    ('indexes', (SELECT string_agg(pg_get_indexdef(i.indexrelid), ', '
                                   ORDER BY pg_get_indexdef(i.indexrelid))
                   FROM pg_index i WHERE i.indrelid = c.oid)),
    ('view definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END),
    ('owner', pg_get_userbyid(c.relowner)),
    ('acl', c.relacl::text)
  ) AS p(property, value)
UNION ALL
-- types and domains
SELECT m.type || ' ' || m.identity, p.property, p.value
  FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
 CROSS JOIN LATERAL (VALUES
    ('type', format('type=%s category=%s base=%s', t.typtype, t.typcategory,
                    format_type(NULLIF(t.typbasetype, 0), t.typtypmod))),
    ('owner', pg_get_userbyid(t.typowner)),
    ('acl', t.typacl::text)
  ) AS p(property, value)
UNION ALL
-- the extension itself (not its version: that is checked separately)
SELECT 'extension ' || e.extname, p.property, p.value
  FROM pg_extension e CROSS JOIN LATERAL (VALUES
    ('schema', e.extnamespace::regnamespace::text),
    ('relocatable', e.extrelocatable::text),
    ('configuration tables', (SELECT string_agg(t::regclass::text, ', ' ORDER BY t::regclass::text)
                                FROM unnest(e.extconfig) t)),
    ('configuration conditions', array_to_string(e.extcondition, ' | ')),
    ('comment', obj_description(e.oid, 'pg_extension'))
  ) AS p(property, value)
 WHERE e.extname = 'readonly_guard';

-- rog_ext_version: the installed version against the control file's default
CREATE TEMP VIEW rog_ext_version AS
SELECT e.extversion, a.default_version, e.extversion = a.default_version AS is_default
  FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
 WHERE e.extname = 'readonly_guard';

-- the extension as 00_setup.sql left it
CREATE TEMP TABLE rog_desc_setup AS SELECT * FROM rog_ext_members;
SELECT is_default FROM rog_ext_version;

-- nothing outside the extension depends on it (else DROP EXTENSION below
-- would fail, and this file would have to re-create those objects)
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS dependent,
       pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS depends_on
  FROM pg_depend d
  JOIN pg_depend x ON x.classid = d.refclassid AND x.objid = d.refobjid
                  AND x.deptype = 'e'
                  AND x.refclassid = 'pg_extension'::regclass
                  AND x.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'readonly_guard')
 WHERE d.deptype IN ('n', 'a')
   AND NOT EXISTS (SELECT FROM pg_depend y
                    WHERE y.classid = d.classid AND y.objid = d.objid
                      AND y.deptype IN ('e', 'i'))
 ORDER BY 1, 2;

-- ---- the update path: 1.0, then ALTER EXTENSION UPDATE ----
DROP EXTENSION readonly_guard;
CREATE EXTENSION readonly_guard VERSION '1.0';
SELECT extversion FROM rog_ext_version;
ALTER EXTENSION readonly_guard UPDATE;
SELECT is_default AS updated_to_default FROM rog_ext_version;
CREATE TEMP TABLE rog_desc_updated AS SELECT * FROM rog_ext_members;

-- ---- a fresh installation of the default (newest) version ----
DROP EXTENSION readonly_guard;
CREATE EXTENSION readonly_guard;
SELECT is_default AS created_at_default FROM rog_ext_version;
CREATE TEMP TABLE rog_desc_fresh AS SELECT * FROM rog_ext_members;

-- the descriptions are not empty: there are objects, functions among them,
-- and each has its signature, result and definition
SELECT count(*) > 0 AS has_rows,
       count(DISTINCT object) > 1 AS has_objects,
       count(*) FILTER (WHERE property = 'definition' AND value IS NOT NULL) > 0 AS has_functions,
       count(*) FILTER (WHERE property = 'definition' AND value IS NOT NULL)
         = count(*) FILTER (WHERE property = 'result' AND value IS NOT NULL) AS every_function_described
  FROM rog_desc_fresh;
SELECT (SELECT count(*) FROM rog_desc_updated) = (SELECT count(*) FROM rog_desc_fresh) AS same_count;

-- updated = fresh: both differences are empty
SELECT 'only after update' AS "where", * FROM
  (SELECT * FROM rog_desc_updated EXCEPT SELECT * FROM rog_desc_fresh) d
UNION ALL
SELECT 'only when fresh', * FROM
  (SELECT * FROM rog_desc_fresh EXCEPT SELECT * FROM rog_desc_updated) d
 ORDER BY 2, 3, 1;

-- the extension is back as 00_setup.sql left it (privileges and comments too)
SELECT 'only after setup' AS "where", * FROM
  (SELECT * FROM rog_desc_setup EXCEPT SELECT * FROM rog_desc_fresh) d
UNION ALL
SELECT 'only now', * FROM
  (SELECT * FROM rog_desc_fresh EXCEPT SELECT * FROM rog_desc_setup) d
 ORDER BY 2, 3, 1;

-- the loaded library's version is the control file's default version
SELECT rog_version() = default_version AS library_matches_control
  FROM pg_available_extensions WHERE name = 'readonly_guard';

DROP TABLE rog_desc_setup, rog_desc_updated, rog_desc_fresh;
DROP VIEW rog_ext_version, rog_ext_members;
