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

-- metering: usage per version, written to maas.usage_log by a background worker

DROP VIEW maas.usage;
DROP FUNCTION maas_usage();
CREATE FUNCTION maas_usage(OUT database text, OUT role text, OUT model text,
						   OUT version integer, OUT predictions bigint,
						   OUT rows_evaluated bigint, OUT training_runs bigint,
						   OUT training_ms float8, OUT bytes_read bigint,
						   OUT last_used timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_usage'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_usage() IS
'predictions served, rows evaluated, training runs and model bytes read per database, role, model and version since the server started or maas_usage_reset()';
CREATE VIEW maas.usage AS SELECT * FROM @extschema@.maas_usage();
COMMENT ON VIEW maas.usage IS 'maas: usage per database, role, model and version (this server only, since start or reset)';
GRANT SELECT ON maas.usage TO PUBLIC;

DROP VIEW maas.usage_info;
DROP FUNCTION maas_usage_info();
CREATE FUNCTION maas_usage_info(OUT entries bigint, OUT max_entries bigint,
								OUT dropped bigint, OUT reset_at timestamptz,
								OUT evicted bigint, OUT pending_entries bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'maas_usage_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_usage_info() IS
'how full the usage table is; counts it could not keep because it was full (dropped); entries already in maas.usage_log removed to make room (evicted); entries with counts not yet in maas.usage_log';
CREATE VIEW maas.usage_info AS SELECT * FROM @extschema@.maas_usage_info();
COMMENT ON VIEW maas.usage_info IS 'maas: usage table entries, capacity, counts dropped and entries evicted since reset_at, entries pending a flush (this server only)';
GRANT SELECT ON maas.usage_info TO PUBLIC;

CREATE FUNCTION maas_usage_take(OUT database text, OUT role text, OUT model text,
								OUT version integer, OUT predictions bigint,
								OUT rows_evaluated bigint, OUT training_runs bigint,
								OUT training_ms float8, OUT bytes_read bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_usage_take'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_usage_take() IS
'hand over the counts not yet in maas.usage_log, once (they are zeroed): how a hot standby''s usage reaches the primary''s log';
REVOKE ALL ON FUNCTION maas_usage_take() FROM PUBLIC;

-- One row per (interval, role, model, version): sums over time are bills
CREATE TABLE maas.usage_log (
	interval_start	timestamptz NOT NULL,
	interval_end	timestamptz NOT NULL,
	role			text NOT NULL,
	model			text NOT NULL,
	version			integer NOT NULL,
	predictions		bigint NOT NULL DEFAULT 0,
	rows_evaluated	bigint NOT NULL DEFAULT 0,
	training_runs	bigint NOT NULL DEFAULT 0,
	training_ms		float8 NOT NULL DEFAULT 0,
	bytes_read		bigint NOT NULL DEFAULT 0,
	source			text NOT NULL DEFAULT 'primary'
);
CREATE INDEX usage_log_interval_end ON maas.usage_log (interval_end);
CREATE INDEX usage_log_model ON maas.usage_log (model, interval_end);
COMMENT ON TABLE maas.usage_log IS
'maas: usage counts per interval, role, model and version, written every maas.usage_flush_interval (source: primary, or the standby they were taken from)';
REVOKE ALL ON maas.usage_log FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.usage_log', '');

-- One row per flush: the interval it covers, and whether it follows the
-- previous one without a restart that lost counts
CREATE TABLE maas.usage_flushes (
	flushed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	interval_start	timestamptz NOT NULL,
	interval_end	timestamptz NOT NULL,
	entries			integer NOT NULL,
	counting_since	timestamptz NOT NULL,
	continued		boolean NOT NULL
);
COMMENT ON TABLE maas.usage_flushes IS
'maas: each write of the usage counters to maas.usage_log';
REVOKE ALL ON maas.usage_flushes FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.usage_flushes', '');

CREATE VIEW maas.usage_gaps AS
SELECT previous_end AS counted_until, counting_since AS counting_again_since,
	   counting_since - previous_end AS duration
FROM (SELECT f.*, pg_catalog.lag(f.interval_end) OVER (ORDER BY f.interval_end) AS previous_end
	  FROM maas.usage_flushes f) s
WHERE NOT continued AND previous_end IS NOT NULL;
COMMENT ON VIEW maas.usage_gaps IS
'maas: restarts that did not save the usage counters (a crash): counts between counted_until and counting_again_since may be lost (at most one flush interval''s)';
REVOKE ALL ON maas.usage_gaps FROM PUBLIC;

-- quotas and rate limits per model and role

CREATE TABLE maas.quotas (
	name			text NOT NULL REFERENCES maas.names (name) ON DELETE CASCADE ON UPDATE CASCADE,
	role			text NOT NULL,
	predictions_per_minute bigint CHECK (predictions_per_minute >= 0),
	predictions_per_day bigint CHECK (predictions_per_day >= 0),
	trainings_per_day bigint CHECK (trainings_per_day >= 0),
	PRIMARY KEY (name, role)
);
COMMENT ON TABLE maas.quotas IS
'maas: quotas per model and role (or public, for every role without its own); NULL is no limit';
GRANT SELECT ON maas.quotas TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.quotas', '');

CREATE FUNCTION maas_set_quota(name text, role text, limits jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'maas_set_quota'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_set_quota(text, text, jsonb) IS
'the owner sets a role''s (or public''s) quota on a model: {"predictions_per_minute": n, "predictions_per_day": n, "trainings_per_day": n}; {} or NULL removes it';

-- prices and invoices

CREATE TABLE maas.prices (
	name			text NOT NULL REFERENCES maas.names (name) ON DELETE CASCADE ON UPDATE CASCADE,
	version			integer CHECK (version > 0),
	per_1000_predictions numeric NOT NULL DEFAULT 0 CHECK (per_1000_predictions >= 0),
	per_1000_rows_evaluated numeric NOT NULL DEFAULT 0 CHECK (per_1000_rows_evaluated >= 0),
	per_training_second numeric NOT NULL DEFAULT 0 CHECK (per_training_second >= 0),
	billing_role	text,
	currency		text NOT NULL DEFAULT 'USD',
	set_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	set_by			name NOT NULL DEFAULT CURRENT_USER
);
CREATE UNIQUE INDEX prices_name_version ON maas.prices (name, (coalesce(version, 0)));
COMMENT ON TABLE maas.prices IS
'maas: prices per model, for one version or (version NULL) for every version without its own';
GRANT SELECT ON maas.prices TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.prices', '');

CREATE FUNCTION maas_set_price(name text, price jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'maas_set_price'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_set_price(text, jsonb) IS
'the owner prices a model: {"per_1000_predictions": 0.05, "per_1000_rows_evaluated": 0.01, "per_training_second": 0.02, "version": 2, "billing_role": "finance", "currency": "EUR"}; without an amount it removes that price';

-- What the caller may bill: rows of models it owns, or whose billing role
-- it has.  A view reads maas.usage_log with its owner's rights, while
-- CURRENT_USER in it is the role querying.
CREATE VIEW maas.billable_usage AS
SELECT u.*, n.owner
FROM maas.usage_log u
JOIN maas.names n ON n.name = u.model
WHERE pg_catalog.pg_has_role(CURRENT_USER, n.owner, 'USAGE')
   OR EXISTS (SELECT FROM maas.prices p
			  WHERE p.name = u.model AND p.billing_role IS NOT NULL
				AND (p.billing_role = 'public'
					 OR pg_catalog.pg_has_role(CURRENT_USER, p.billing_role, 'USAGE')));
COMMENT ON VIEW maas.billable_usage IS
'maas: the usage log rows of models the current role owns, or whose billing role it has';
GRANT SELECT ON maas.billable_usage TO PUBLIC;

CREATE FUNCTION maas_invoice(from_time timestamptz, to_time timestamptz)
RETURNS TABLE (role text, model text, version integer, predictions bigint,
			   rows_evaluated bigint, training_runs bigint, training_seconds numeric,
			   amount numeric, currency text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT u.role, u.model, u.version, sum(u.predictions)::bigint, sum(u.rows_evaluated)::bigint,
		   sum(u.training_runs)::bigint, round((sum(u.training_ms) / 1000)::numeric, 3),
		   round(coalesce(sum(u.predictions) / 1000.0 * p.per_1000_predictions
							  + sum(u.rows_evaluated) / 1000.0 * p.per_1000_rows_evaluated
							  + (sum(u.training_ms) / 1000)::numeric * p.per_training_second, 0), 6),
		   coalesce(p.currency, 'USD')
	FROM maas.billable_usage u
	LEFT JOIN LATERAL (SELECT * FROM maas.prices p
					   WHERE p.name = u.model AND (p.version = u.version OR p.version IS NULL)
					   ORDER BY p.version IS NULL LIMIT 1) p ON true
	WHERE u.interval_end > from_time AND u.interval_end <= to_time
	GROUP BY u.role, u.model, u.version, p.per_1000_predictions, p.per_1000_rows_evaluated,
			 p.per_training_second, p.currency
	ORDER BY u.role, u.model, u.version
$$;
COMMENT ON FUNCTION maas_invoice(timestamptz, timestamptz) IS
'per role, model and version: the usage logged in (from_time, to_time] and its amount at the model''s prices; the models the caller owns or bills';
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
		  AND d.deptype OPERATOR(pg_catalog.=) 'e'
		  -- a relation's row type and array types come with their object
		  -- (PostgreSQL 17 records them as members too)
		  AND NOT EXISTS (SELECT FROM pg_catalog.pg_type t
						  LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.typrelid
						  WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
							AND t.oid OPERATOR(pg_catalog.=) d.objid
							AND (t.typcategory OPERATOR(pg_catalog.=) 'A'
								 OR c.relkind OPERATOR(pg_catalog.<>) 'c'))),
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
-- clustering and decomposition (kmeans, pca)
CREATE FUNCTION maas_transform(name text, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_transform_array'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_transform(name text, "row" record)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_transform_row'
LANGUAGE C STABLE STRICT PARALLEL SAFE SUPPORT maas_predict_support;

CREATE FUNCTION maas_transform(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_transform_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_transform_columns(name text, columns text[], VARIADIC "any")
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_transform_columns'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_transform(text, float8[]) IS
'outputs of the deployed clustering or decomposition model: distances to each centre (kmeans), projected coordinates (pca)';
COMMENT ON FUNCTION maas_transform(text, record) IS
'outputs of the deployed clustering or decomposition model for a row';
COMMENT ON FUNCTION maas_transform(bytea, float8[]) IS
'outputs of an inline clustering or decomposition model';
COMMENT ON FUNCTION maas_transform_columns(text, text[], "any") IS
'what the planner turns maas_transform(name, row) into';
-- recommenders (als): (user, item) pairs keep their key types; keys are
-- "any" so an integer, bigint, text or uuid value, or an untyped literal,
-- is read as the model's key type
CREATE FUNCTION maas_predict(name text, "user" "any", item "any")
RETURNS float8
AS 'MODULE_PATHNAME', 'maas_predict_pair'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_recommend(name text, "user" "any", k integer,
							   exclude_seen boolean DEFAULT false)
RETURNS TABLE (item text, score float8)
AS 'MODULE_PATHNAME', 'maas_recommend'
LANGUAGE C STABLE PARALLEL SAFE ROWS 10;

CREATE FUNCTION maas_similar_items(name text, item "any", k integer)
RETURNS TABLE (item text, similarity float8)
AS 'MODULE_PATHNAME', 'maas_similar_items'
LANGUAGE C STABLE PARALLEL SAFE ROWS 10;

COMMENT ON FUNCTION maas_predict(text, "any", "any") IS
'predicted rating of a recommender for a user and an item, each in its key type';
COMMENT ON FUNCTION maas_recommend(text, "any", integer, boolean) IS
'the k items a recommender scores highest for a user (item keys as text), optionally without the items the user rated';
COMMENT ON FUNCTION maas_similar_items(text, "any", integer) IS
'the k items whose factors are closest (cosine) to an item''s (item keys as text)';
-- canary and shadow deployments: an experiment sends a share of a model's
-- predictions to a candidate version (canary) or scores it beside the live
-- one without returning it (shadow); at most one runs per name
CREATE TABLE maas.experiments (
	id				bigserial PRIMARY KEY,
	name			text NOT NULL,
	candidate		integer NOT NULL,
	live			integer NOT NULL,
	traffic			float8 NOT NULL CHECK (traffic > 0 AND traffic <= 1),
	key				text,
	shadow			boolean NOT NULL,
	started_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_by		name NOT NULL,
	ended_at		timestamptz,
	ended_by		name,
	outcome			text CHECK (outcome IN ('promoted', 'rolled back', 'replaced')),
	FOREIGN KEY (name, candidate) REFERENCES maas.models (name, version) ON DELETE CASCADE
);
CREATE UNIQUE INDEX experiments_running_idx ON maas.experiments (name) WHERE ended_at IS NULL;
COMMENT ON TABLE maas.experiments IS
'maas: canary and shadow deployments of each model name; the running one has no ended_at';
ALTER TABLE maas.experiments ENABLE ROW LEVEL SECURITY;
CREATE POLICY experiments_read ON maas.experiments FOR SELECT
	USING (EXISTS (SELECT FROM maas.models m WHERE m.name OPERATOR(pg_catalog.=) experiments.name));
GRANT SELECT ON maas.experiments TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('maas.experiments', '');
SELECT pg_catalog.pg_extension_config_dump('maas.experiments_id_seq', '');
COMMENT ON SEQUENCE maas.experiments_id_seq IS 'maas: ids of maas.experiments (kept by pg_dump; they seed the routing hash)';

CREATE FUNCTION maas_deploy(name text, version integer, options jsonb)
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_deploy_experiment'
LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION maas_promote(name text)
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_promote'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION maas_deploy(text, integer, jsonb) IS
'start a canary ({"traffic": 0.1, "key": "customer_id"}) or shadow ({"shadow": true}) deployment of a candidate version beside the live one';
COMMENT ON FUNCTION maas_promote(text) IS
'end the running experiment of a model by making its candidate the live version; returns that version';

-- the counts of each experiment since the server started, from shared memory
CREATE FUNCTION maas_experiment_counts(
	OUT experiment bigint, OUT rows_live bigint, OUT rows_candidate bigint,
	OUT rows_compared bigint, OUT agreements bigint, OUT abs_difference float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_experiment_counts'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION maas_experiment_counts() IS
'rows each experiment routed to the live and the candidate version, and its shadow comparisons, since the server started (maas.experiment_results shows them by name)';

CREATE VIEW maas.experiment_results WITH (security_invoker = true) AS
SELECT e.id AS experiment, e.name, e.live, e.candidate,
	CASE WHEN e.shadow THEN 'shadow' ELSE 'canary' END AS mode,
	e.traffic, e.key, e.started_at, e.ended_at, e.outcome,
	coalesce(c.rows_live, 0) AS rows_live,
	coalesce(c.rows_candidate, 0) AS rows_candidate,
	coalesce(c.rows_compared, 0) AS rows_compared,
	c.agreements,
	c.agreements::float8 / NULLIF(c.rows_compared, 0) AS agreement,
	c.abs_difference / NULLIF(c.rows_compared, 0) AS mean_abs_difference
FROM maas.experiments e
LEFT JOIN @extschema@.maas_experiment_counts() c ON c.experiment OPERATOR(pg_catalog.=) e.id;
COMMENT ON VIEW maas.experiment_results IS
'maas: each experiment with the rows routed to each version and, for shadows, the agreement of classes or the mean absolute difference of values';
GRANT SELECT ON maas.experiment_results TO PUBLIC;

-- text: a document in, for models of one text column (text_classifier);
-- the row form reads the text column by name as for any model
CREATE FUNCTION maas_predict(name text, document text)
RETURNS float8
AS 'MODULE_PATHNAME', 'maas_predict_text'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION maas_predict_proba(name text, document text)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_predict_proba_text'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION maas_predict_class(name text, document text)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_predict_class_text'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_predict(text, text) IS
'prediction of the deployed text model for one document (a NULL document is an empty one)';
COMMENT ON FUNCTION maas_predict_proba(text, text) IS
'class probabilities of the deployed text classifier for one document';
COMMENT ON FUNCTION maas_predict_class(text, text) IS
'predicted class of the deployed text classifier for one document, in the target''s own terms';
-- models in and out (issue 14): import of other libraries' models
CREATE FUNCTION maas_import(name text, format text, model bytea, options jsonb DEFAULT '{}')
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_import'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- the same for a file read as text (pg_read_file, psql's \set x `cat m.json`)
CREATE FUNCTION maas_import(name text, format text, model text, options jsonb DEFAULT '{}')
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_import'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_import(text, text, bytea, jsonb) IS
'store a model trained elsewhere as a new version of a named model (format xgboost: XGBoost''s JSON model; lightgbm: LightGBM''s text model) and deploy it as maas_train would; options: features, labels, target, deploy';
COMMENT ON FUNCTION maas_import(text, text, text, jsonb) IS
'maas_import of a model file given as text';

-- models compiled to SQL
CREATE FUNCTION maas_to_sql(name text, version integer DEFAULT NULL, proba boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_to_sql'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION maas_to_sql(model bytea, proba boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_to_sql_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_to_sql(text, integer, boolean) IS
'the deployed (or given) version of a model as a plain SQL expression over a row''s columns that computes maas_predict (with proba: maas_predict_proba, a float8[]) without maas (linear and logistic models, decision trees, random forests, boosting)';
COMMENT ON FUNCTION maas_to_sql(bytea, boolean) IS
'an inline model as a plain SQL expression over a row''s columns (see maas_to_sql(name))';
-- evaluation, uncertainty and progress
CREATE FUNCTION maas_roc_curve(name text, source text, positive text DEFAULT NULL)
RETURNS TABLE (threshold float8, tpr float8, fpr float8, tp bigint, fp bigint)
AS 'MODULE_PATHNAME', 'maas_roc_curve'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_roc_curve(text, text, text) IS
'ROC curve of the deployed classifier on a source''s rows, as scikit-learn''s roc_curve: one row per threshold kept (Infinity first), the positive class the second of a binary model or the one named';

CREATE FUNCTION maas_pr_curve(name text, source text, positive text DEFAULT NULL)
RETURNS TABLE (threshold float8, "precision" float8, recall float8)
AS 'MODULE_PATHNAME', 'maas_pr_curve'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_pr_curve(text, text, text) IS
'precision-recall curve of the deployed classifier on a source''s rows, as scikit-learn''s precision_recall_curve: recall decreasing, ending at (precision 1, recall 0) without a threshold';

CREATE FUNCTION maas_calibration_curve(name text, source text, bins integer DEFAULT 10,
									   positive text DEFAULT NULL)
RETURNS TABLE (bin integer, mean_predicted float8, fraction_positive float8, count bigint)
AS 'MODULE_PATHNAME', 'maas_calibration_curve'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION maas_calibration_curve(text, text, integer, text) IS
'calibration curve of the deployed classifier on a source''s rows, as scikit-learn''s calibration_curve (uniform bins over [0, 1], empty bins left out): mean predicted probability against the fraction of positives';
COMMENT ON FUNCTION maas_evaluate(text, text) IS
'metrics of the deployed version of a model on the rows of a table or query; a classifier''s also with its confusion matrix and per-class precision, recall, f1 and support, a regressor''s with its residual quantiles';

CREATE FUNCTION maas_progress(OUT pid integer, OUT database text, OUT role text,
							  OUT name text, OUT algorithm text, OUT phase text,
							  OUT rows_read bigint, OUT iteration bigint,
							  OUT iterations bigint, OUT started timestamptz,
							  OUT elapsed interval, OUT loss float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_progress'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION maas_progress() IS
'the training runs in progress on this server: backend pid, model name, algorithm, phase (reading, fitting, scoring, storing), rows read, iteration of iterations, elapsed time and current loss; the caller''s roles'' runs (every run for pg_read_all_stats); empty without maas in shared_preload_libraries';
CREATE FUNCTION maas_progress_enabled()
RETURNS boolean
AS 'MODULE_PATHNAME', 'maas_progress_enabled'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_progress_enabled() IS
'whether this server publishes training runs in maas.progress (maas in shared_preload_libraries)';
CREATE VIEW maas.progress AS SELECT * FROM @extschema@.maas_progress();
COMMENT ON VIEW maas.progress IS
'maas: training runs in progress on this server, one row per backend, like pg_stat_progress_*; watch a long maas_train from another session (needs maas in shared_preload_libraries, else empty)';
GRANT SELECT ON maas.progress TO PUBLIC;

CREATE FUNCTION maas_predict_interval(name text, "row" record, coverage float8,
									  OUT prediction float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'maas_predict_interval_row'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_predict_interval(text, record, float8) IS
'a regressor''s prediction for a row with a split-conformal interval from its held-out residuals: on fresh rows like the training ones the true value lies in [lower, upper] with probability at least coverage (0 < coverage < 1)';
CREATE FUNCTION maas_predict_interval(name text, features float8[], coverage float8,
									  OUT prediction float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'maas_predict_interval_array'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION maas_predict_interval(text, float8[], float8) IS
'a regressor''s prediction for encoded features with a split-conformal interval from its held-out residuals (coverage strictly between 0 and 1)';
-- tune: cross-validated search (maas_tune) and its trials
CREATE TABLE maas.trials (
	id				bigserial PRIMARY KEY,
	name			text NOT NULL,
	version			integer NOT NULL,	-- the version the search stored
	trial			integer NOT NULL,	-- 1-based, in the order tried
	algorithm		text NOT NULL,
	setting			jsonb NOT NULL,		-- the searched options of this trial
	scoring			text NOT NULL,
	scores			double precision[] NOT NULL,	-- per fold
	mean_score		double precision,
	std_score		double precision,	-- population standard deviation
	fit_ms			double precision NOT NULL,
	round			integer NOT NULL DEFAULT 1,	-- successive halving's round
	rows			bigint NOT NULL,	-- rows the folds were cut from
	best			boolean NOT NULL DEFAULT false,	-- the setting refit and stored
	tried_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	trained_by		name NOT NULL DEFAULT CURRENT_USER,
	UNIQUE (name, version, trial),
	FOREIGN KEY (name, version) REFERENCES maas.models (name, version) ON DELETE CASCADE
);
COMMENT ON TABLE maas.trials IS 'maas: every setting maas_tune tried, with its per-fold scores';
COMMENT ON SEQUENCE maas.trials_id_seq IS 'maas: ids of maas.trials';
SELECT pg_catalog.pg_extension_config_dump('maas.trials', '');
SELECT pg_catalog.pg_extension_config_dump('maas.trials_id_seq', '');
ALTER TABLE maas.trials ENABLE ROW LEVEL SECURITY;
-- readable with the version it belongs to (maas.models' row-level security)
CREATE POLICY trials_read ON maas.trials FOR SELECT
	USING (EXISTS (SELECT FROM maas.models m WHERE m.name OPERATOR(pg_catalog.=) trials.name
				   AND m.version OPERATOR(pg_catalog.=) trials.version));
GRANT SELECT ON maas.trials TO PUBLIC;

CREATE TYPE maas.tune_result AS (
	name			text,
	version			integer,
	algorithm		text,
	setting			jsonb,
	scoring			text,
	mean_score		double precision,
	std_score		double precision,
	trials			integer,
	deployed		boolean,
	tune_ms			double precision
);
COMMENT ON TYPE maas.tune_result IS 'maas: what maas_tune returns: the best setting, its cross-validated score and the version stored';

CREATE FUNCTION maas_tune(name text, algorithm text, source text, target text,
						  search jsonb, params jsonb DEFAULT '{}')
RETURNS maas.tune_result
AS 'MODULE_PATHNAME', 'maas_tune'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_tune(text, text, text, text, jsonb, jsonb) IS
'compare settings (grid, random, successive halving; one algorithm or several) by k-fold cross-validation, refit the best on all rows, store it as a version and every trial in maas.trials';
-- export of models in other libraries' formats
CREATE FUNCTION maas_export(name text, format text)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_export'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION maas_export(name text, version integer, format text)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_export_version'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_export(text, text) IS
'the deployed version of a model in another format: xgboost (XGBoost''s JSON model, for gradient_boosting; load it with Booster.load_model), json (coefficients, scaling and column encoding of linear_regression, elastic_net, lasso and logistic_regression)';
COMMENT ON FUNCTION maas_export(text, integer, text) IS
'a version of a model in another library''s format (see maas_export(name, format))';
-- drift
CREATE FUNCTION maas_drift(name text, source text, options jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_drift'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_drift(text, text, jsonb) IS
'how far the rows of a table or query moved from the deployed version''s (or options.version''s) training rows: per input column and for the predictions the population stability index (psi), the verdict drifted (psi above options.threshold, default 0.2), and the expected and actual shares per bin';

-- export as onnx and pmml
COMMENT ON FUNCTION maas_export(text, text) IS
'the deployed version of a model in another format: onnx (base64 of an ONNX model: linear_regression, elastic_net, lasso, logistic_regression, decision_tree, random_forest, gradient_boosting), xgboost (XGBoost''s JSON model, for gradient_boosting; load it with Booster.load_model), json (coefficients, scaling and column encoding of linear_regression, elastic_net, lasso and logistic_regression), pmml (PMML 4.4: a RegressionModel of those four, a TreeModel of decision_tree, a MiningModel of random_forest)';
-- report
CREATE FUNCTION maas_report(name text, source text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_report'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_report(text, text) IS
'one self-contained HTML page about a model (inline SVG and CSS, no script): version history and deployments, metrics, confusion matrix, ROC, precision-recall and calibration curves, feature importances, training curve, and with a source the evaluation and drift on its rows';
-- Hugging Face tokenizers
CREATE FUNCTION maas_tokenize(tokenizer jsonb, document text)
RETURNS integer[]
AS 'MODULE_PATHNAME', 'maas_tokenize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_tokenize_tokens(tokenizer jsonb, document text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'maas_tokenize_tokens'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_tokenize(jsonb, text) IS
'the token ids of a text as a Hugging Face tokenizer.json encodes it (WordPiece or BPE; special tokens added, the file''s truncation and padding applied), the same as the Rust tokenizers'' encode';
COMMENT ON FUNCTION maas_tokenize_tokens(jsonb, text) IS
'the tokens of a text as a Hugging Face tokenizer.json encodes it (see maas_tokenize)';

-- text models (cnn helper): maas_embed, the pooled representation of a
-- document (text_classifier, lstm, gru, cnn); cast to pgvector's vector
-- with maas_embed(...)::vector where that extension is installed
CREATE FUNCTION maas_embed(name text, document text)
RETURNS real[]
AS 'MODULE_PATHNAME', 'maas_embed_text'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION maas_embed(name text, "row" record)
RETURNS real[]
AS 'MODULE_PATHNAME', 'maas_embed_row'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_embed(text, text) IS
'the pooled representation the deployed text model computes of one document, the vector its output layer reads (a NULL document is an empty one)';
COMMENT ON FUNCTION maas_embed(text, record) IS
'the pooled representation the deployed text model computes of a row''s document';

-- onnx: maas_import reads ONNX models (run by ONNX Runtime in the optional
-- module maas_onnx), their spec in the options
COMMENT ON FUNCTION maas_import(text, text, bytea, jsonb) IS
'store a model trained elsewhere as a new version of a named model (format xgboost: XGBoost''s JSON model; lightgbm: LightGBM''s text model; onnx: an ONNX model run by ONNX Runtime, its spec in options: output, output_name, activation, input, text, tokenizer, pooling, normalize) and deploy it as maas_train would; options: features, labels, target, deploy';
CREATE FUNCTION maas_explain(name text, document text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_explain_text'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_explain(text, text) IS
'which words drove the deployed text classifier''s prediction for one document: each distinct token''s occlusion effect (the score minus the score without it), the tokens as keys';
