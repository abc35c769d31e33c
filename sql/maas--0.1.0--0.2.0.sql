/* maas--0.1.0--0.2.0.sql: from 0.1.0 to 0.2.0 */

\echo Use "ALTER EXTENSION maas UPDATE TO '0.2.0'" to load this file. \quit

/*
 * There is no maas--0.2.0.sql: CREATE EXTENSION maas runs maas--0.1.0.sql
 * (frozen as tagged v0.1.0) and then this script, so a fresh install and an
 * upgraded one are the same objects by construction.  Everything new in
 * 0.2.0 goes here, after what it builds on.
 */

-- New tasks: unsupervised families and recommenders
ALTER TABLE maas.models DROP CONSTRAINT models_task_check;
ALTER TABLE maas.models ADD CONSTRAINT models_task_check
	CHECK (task IN ('regression', 'binary', 'multiclass',
					'clustering', 'decomposition', 'recommendation'));

-- comments and help
--
-- Every object of the extension explains itself in psql (\df+ maas_*,
-- \dx+ maas, \d+ maas.models), and maas_help() lists them from the same
-- comments; README's reference tables are generated from maas_help()
-- (test/docs/reference.sh), so the three cannot disagree.  sql/comments.sql
-- fails when an object of the extension has no comment: every new object
-- gets its COMMENT ON next to its CREATE.

COMMENT ON SCHEMA maas IS 'maas: the model registry (names, models, deployments, grants) and its views';
COMMENT ON SEQUENCE maas.models_id_seq IS 'maas: ids of maas.models (kept by pg_dump)';
COMMENT ON SEQUENCE maas.deployments_id_seq IS 'maas: ids of maas.deployments (kept by pg_dump)';

COMMENT ON TYPE maas.train_result IS 'maas: what maas_train returns: the version trained, its held-out metrics, whether it was deployed, and its cost';
COMMENT ON COLUMN maas.train_result.rows_skipped IS 'rows left out because their target was NULL (or a NULL feature with missing = skip)';
COMMENT ON COLUMN maas.train_result.metrics IS 'metrics on the held-out rows (test_size), as stored in maas.models';
COMMENT ON COLUMN maas.train_result.deployed IS 'whether this version became the live one';
COMMENT ON COLUMN maas.train_result.train_memory_bytes IS 'peak of the data matrices plus the largest working set, each checked against maas.max_memory';
COMMENT ON COLUMN maas.train_result.threads IS 'the most worker threads any step of the run used';

COMMENT ON COLUMN maas.names.last_version IS 'the newest version number given; versions are never reused';
COMMENT ON COLUMN maas.models.params IS 'the params of the run, resolved with their defaults';
COMMENT ON COLUMN maas.models.features IS 'the input columns and how each is encoded';
COMMENT ON COLUMN maas.models.metrics IS 'metrics on the held-out rows';
COMMENT ON COLUMN maas.models.model IS 'the model bytes, readable by maas_info(bytea) and maas_predict(bytea, float8[])';
COMMENT ON COLUMN maas.models.owner IS 'the owner of the name, for row-level security';
COMMENT ON COLUMN maas.models.trained_by IS 'the role that ran maas_train';
COMMENT ON COLUMN maas.deployments.reason IS 'auto (at least as good as the live version), always, or manual (maas_deploy)';
COMMENT ON COLUMN maas.deployments.rolled_back IS 'true once maas_rollback undid this deployment';
COMMENT ON COLUMN maas.grants.grantee IS 'a role name, or public';
COMMENT ON COLUMN maas.grants.privilege IS 'predict, deploy (and predict) or train (and deploy)';

COMMENT ON FUNCTION maas_predict_support(internal) IS
'planner support function: rewrites maas_predict*(name, row) into maas_predict*_columns on the row''s columns';
COMMENT ON FUNCTION maas_fit_transfn(bytea, text, float8[], float8) IS
'transition function of maas_fit and maas_fit_partial: adds a row to the training state';
COMMENT ON FUNCTION maas_fit_transfn(bytea, text, float8[], float8, jsonb) IS
'transition function of maas_fit and maas_fit_partial with params: adds a row to the training state';
COMMENT ON FUNCTION maas_fit_combine(bytea, bytea) IS
'combine function of the maas_fit aggregates: merges two training states';
COMMENT ON FUNCTION maas_fit_final(bytea) IS
'final function of maas_fit and maas_fit_merge: fits the model of a training state';
COMMENT ON FUNCTION maas_fit_partial_final(bytea) IS
'final function of maas_fit_partial: the training state itself, to merge later';

-- 0.1.0's comments, where the reference said more
COMMENT ON FUNCTION maas_drop(text, integer) IS
'drop one version of a model, or all of them; returns how many versions were dropped; owners only';
COMMENT ON FUNCTION maas_reassign(name, name) IS
'give the models and grants of one role to another (before DROP ROLE, after ALTER ROLE RENAME); returns the names moved; superusers only (EXECUTE is revoked from PUBLIC)';
COMMENT ON FUNCTION maas_usage_reset() IS
'zero the usage counters of this server; superusers, or whom they grant EXECUTE';

CREATE FUNCTION maas_help(topic text DEFAULT NULL,
						  OUT kind text, OUT name text, OUT arguments text,
						  OUT result text, OUT description text)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	WITH members AS (
		SELECT d.classid, d.objid
		FROM pg_catalog.pg_depend d
		WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
		  AND d.refobjid OPERATOR(pg_catalog.=)
			(SELECT e.oid FROM pg_catalog.pg_extension e
			 WHERE e.extname OPERATOR(pg_catalog.=) 'maas')
		  AND d.deptype OPERATOR(pg_catalog.=) 'e'),
	objects AS (
		SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kind,
			   p.proname::text AS name,
			   -- the input arguments, defaults without their casts
			   pg_catalog.regexp_replace(pg_catalog.regexp_replace(
				   pg_catalog.pg_get_function_arguments(p.oid),
				   '(, )?OUT [^,]+', '', 'g'), '::[a-z ]+', '', 'g') AS arguments,
			   -- OUT parameters as the row they make
			   CASE WHEN 'o' OPERATOR(pg_catalog.=) ANY (p.proargmodes::text[]) THEN
					CASE WHEN p.proretset THEN 'SETOF ' ELSE '' END || '(' ||
					pg_catalog.array_to_string(ARRAY(
						SELECT pg_catalog.substr(a, 5)
						FROM pg_catalog.unnest(pg_catalog.string_to_array(
							pg_catalog.pg_get_function_arguments(p.oid), ', ')) a
						WHERE a OPERATOR(pg_catalog.~~) 'OUT %'), ', ') || ')'
				ELSE pg_catalog.pg_get_function_result(p.oid) END AS result,
			   pg_catalog.obj_description(p.oid, 'pg_proc') AS description,
			   CASE WHEN p.proname::text OPERATOR(pg_catalog.~) '_(transfn|combine|final|partial_final|support|columns)$'
					THEN 2 ELSE 1 END AS rank
		FROM members m
		JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) m.objid
		WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
		UNION ALL
		SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view'
				   WHEN 'S' THEN 'sequence' ELSE 'relation' END,
			   pg_catalog.format('%I.%I', n.nspname, c.relname),
			   NULL,
			   (SELECT pg_catalog.string_agg(a.attname::text, ', ' ORDER BY a.attnum)
				FROM pg_catalog.pg_attribute a
				WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0
				  AND NOT a.attisdropped),
			   pg_catalog.obj_description(c.oid, 'pg_class'),
			   CASE c.relkind WHEN 'S' THEN 4 ELSE 3 END
		FROM members m
		JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) m.objid
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
		WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
		UNION ALL
		SELECT 'type', pg_catalog.format('%I.%I', n.nspname, t.typname), NULL,
			   (SELECT pg_catalog.string_agg(a.attname::text, ', ' ORDER BY a.attnum)
				FROM pg_catalog.pg_attribute a
				WHERE a.attrelid OPERATOR(pg_catalog.=) t.typrelid AND a.attnum OPERATOR(pg_catalog.>) 0
				  AND NOT a.attisdropped),
			   pg_catalog.obj_description(t.oid, 'pg_type'), 3
		FROM members m
		JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) m.objid
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace
		WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
		UNION ALL
		SELECT 'schema', n.nspname::text, NULL, NULL,
			   pg_catalog.obj_description(n.oid, 'pg_namespace'), 4
		FROM members m
		JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) m.objid
		WHERE m.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_namespace'::pg_catalog.regclass)
	SELECT o.kind, o.name, o.arguments, o.result, o.description
	FROM objects o
	WHERE topic IS NULL
	   OR pg_catalog.strpos(o.name, topic) OPERATOR(pg_catalog.>) 0
	   OR pg_catalog.strpos(o.description, topic) OPERATOR(pg_catalog.>) 0
	ORDER BY o.rank, o.name COLLATE "C", o.kind, o.arguments COLLATE "C"
$$;

COMMENT ON FUNCTION maas_help(text) IS
'every function, aggregate, table, view and type of maas with its arguments (or columns) and what it does; maas_help(''predict'') lists those whose name or description contains the word';
