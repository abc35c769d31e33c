-- Self-documentation: every object of the extension has a comment (so
-- \df+ maas_*, \dx+ maas and \d+ maas.models explain themselves), and
-- maas_help() lists them all from those comments.

-- the objects of the extension without a comment: none
CREATE VIEW maas_test.uncommented AS
SELECT pg_describe_object(d.classid, d.objid, 0) AS object
FROM pg_depend d
JOIN pg_class cat ON cat.oid = d.classid
WHERE d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'maas')
  AND d.deptype = 'e'
  -- a relation's row type and array types come with their object
  -- (PostgreSQL 17 records them as members too)
  AND NOT EXISTS (SELECT FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
				  WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
					AND (t.typcategory = 'A' OR c.relkind <> 'c'))
  AND obj_description(d.objid, cat.relname) IS NULL;
SELECT * FROM maas_test.uncommented ORDER BY 1;

-- the check sees an object added without one
BEGIN;
CREATE FUNCTION maas_undocumented() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER EXTENSION maas ADD FUNCTION maas_undocumented();
SELECT * FROM maas_test.uncommented ORDER BY 1;
ROLLBACK;

-- maas_help() lists every object of the extension, each with its comment
SELECT count(*) = (SELECT count(*) FROM pg_depend d
				   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
					 AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'maas')
					 AND NOT EXISTS (SELECT FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
									 WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
									   AND (t.typcategory = 'A' OR c.relkind <> 'c')))
	   AS every_object,
	   count(*) FILTER (WHERE description IS NULL) AS without_description
FROM maas_help();
SELECT * FROM maas_help('maas_rollback');
SELECT kind, name, arguments FROM maas_help('maas.deployed');
SELECT kind, name, arguments, result FROM maas_help() WHERE name = 'maas_fit_merge';
-- what \df+ shows: the comment of each form
SELECT p.oid::regprocedure, obj_description(p.oid, 'pg_proc')
FROM pg_proc p WHERE proname = 'maas_info' ORDER BY 1::text;
-- a topic found in no name or description
SELECT count(*) FROM maas_help('no such topic');
