/* maas--0.1.0.sql: models as a service inside PostgreSQL */

\echo Use "CREATE EXTENSION maas" to load this file. \quit

CREATE SCHEMA IF NOT EXISTS maas;

-- One row per model name: its owner and its version counter.  Every
-- registry change updates this row first, which serializes changes of a name.
CREATE TABLE maas.names (
	name			text PRIMARY KEY CHECK (pg_catalog.octet_length(name) BETWEEN 1 AND 63),
	owner			name NOT NULL,
	last_version	integer NOT NULL DEFAULT 0,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	changed_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE maas.names IS 'maas: one row per model name, with its owner';

-- One row per trained version of a model
CREATE TABLE maas.models (
	id				bigserial PRIMARY KEY,
	name			text NOT NULL REFERENCES maas.names (name) ON DELETE CASCADE,
	version			integer NOT NULL CHECK (version > 0),
	algorithm		text NOT NULL,
	task			text NOT NULL CHECK (task IN ('regression', 'binary', 'multiclass')),
	params			jsonb NOT NULL,
	features		jsonb NOT NULL,
	target			text,
	metrics			jsonb NOT NULL,
	model			bytea NOT NULL,
	rows_trained	bigint NOT NULL,
	train_ms		double precision NOT NULL,
	train_memory_bytes bigint NOT NULL DEFAULT 0,	-- data matrices + largest working set
	trained_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	owner			name NOT NULL DEFAULT CURRENT_USER,	-- the name's owner, for row-level security
	trained_by		name NOT NULL DEFAULT CURRENT_USER,
	UNIQUE (name, version)
);
-- uncompressed, so the header can be read without detoasting the whole model
ALTER TABLE maas.models ALTER COLUMN model SET STORAGE EXTERNAL;

COMMENT ON TABLE maas.models IS 'maas: one row per trained model version';

-- Deployment history; the live version of a name is its newest row not rolled back
CREATE TABLE maas.deployments (
	id				bigserial PRIMARY KEY,
	name			text NOT NULL,
	version			integer NOT NULL,
	reason			text NOT NULL,
	deployed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	deployed_by		name NOT NULL DEFAULT CURRENT_USER,
	rolled_back		boolean NOT NULL DEFAULT false,
	rolled_back_at	timestamptz,
	rolled_back_by	name,
	FOREIGN KEY (name, version) REFERENCES maas.models (name, version) ON DELETE CASCADE
);
CREATE INDEX deployments_name_idx ON maas.deployments (name, id);

COMMENT ON TABLE maas.deployments IS 'maas: deployment history of each model name';

-- Privileges the owner of a model name has given other roles (or PUBLIC)
CREATE TABLE maas.grants (
	name			text NOT NULL REFERENCES maas.names (name) ON DELETE CASCADE,
	grantee			name NOT NULL,		-- a role, or 'public'
	privilege		text NOT NULL CHECK (privilege IN ('predict', 'deploy', 'train')),
	granted_by		name NOT NULL,
	granted_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (name, grantee, privilege)
);

COMMENT ON TABLE maas.grants IS 'maas: privileges on models given by their owners';

-- pg_dump keeps the rows of the tables and the state of their sequences
SELECT pg_catalog.pg_extension_config_dump('maas.names', '');
SELECT pg_catalog.pg_extension_config_dump('maas.models', '');
SELECT pg_catalog.pg_extension_config_dump('maas.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maas.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('maas.deployments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('maas.grants', '');

-- Access control (see src/access.c).  Users read the catalog through
-- row-level security: the rows of the names whose owner role they belong
-- to.  Nobody but the extension's owner writes it; the maas_* functions do
-- that after checking privileges.
CREATE FUNCTION maas_owns(role name)
RETURNS boolean
AS 'MODULE_PATHNAME', 'maas_owns'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_owns(name) IS 'whether the current user acts as the given role (model ownership)';

ALTER TABLE maas.names ENABLE ROW LEVEL SECURITY;
ALTER TABLE maas.models ENABLE ROW LEVEL SECURITY;
ALTER TABLE maas.deployments ENABLE ROW LEVEL SECURITY;
ALTER TABLE maas.grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY names_read ON maas.names FOR SELECT USING (@extschema@.maas_owns(owner));
CREATE POLICY models_read ON maas.models FOR SELECT USING (@extschema@.maas_owns(owner));
CREATE POLICY deployments_read ON maas.deployments FOR SELECT
	USING (EXISTS (SELECT FROM maas.models m WHERE m.name OPERATOR(pg_catalog.=) deployments.name));
CREATE POLICY grants_read ON maas.grants FOR SELECT
	USING (@extschema@.maas_owns(grantee) OR
		   EXISTS (SELECT FROM maas.models m WHERE m.name OPERATOR(pg_catalog.=) grants.name));

GRANT USAGE ON SCHEMA maas TO PUBLIC;
GRANT SELECT ON maas.names, maas.models, maas.deployments, maas.grants TO PUBLIC;

-- The live version of each name
CREATE VIEW maas.deployed WITH (security_invoker = true) AS
SELECT DISTINCT ON (d.name)
	d.name, d.version, m.algorithm, m.task, m.metrics, d.deployed_at, d.deployed_by
FROM maas.deployments d
JOIN maas.models m ON m.name = d.name AND m.version = d.version
WHERE NOT d.rolled_back
ORDER BY d.name, d.id DESC;

COMMENT ON VIEW maas.deployed IS 'maas: the live version of each model name';
GRANT SELECT ON maas.deployed TO PUBLIC;

CREATE TYPE maas.train_result AS (
	name			text,
	version			integer,
	algorithm		text,
	task			text,
	rows_trained	bigint,
	rows_skipped	bigint,
	metrics			jsonb,
	deployed		boolean,
	train_ms		double precision,
	train_memory_bytes bigint,
	threads			integer
);

-- Training and registry

CREATE FUNCTION maas_train(name text, algorithm text, source text,
						   target text DEFAULT NULL, params jsonb DEFAULT '{}')
RETURNS maas.train_result
AS 'MODULE_PATHNAME', 'maas_train'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_train(text, text, text, text, jsonb) IS
'train a new version of a model from a table or query, score it on held-out rows, store it and deploy it if it is at least as good';

CREATE FUNCTION maas_evaluate(name text, source text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_evaluate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_evaluate(text, text) IS
'metrics of the deployed version of a model on the rows of a table or query';

CREATE FUNCTION maas_deploy(name text, version integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_deploy'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_deploy(text, integer) IS 'make a version of a model the live one';

CREATE FUNCTION maas_rollback(name text)
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_rollback'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_rollback(text) IS
'undo the newest deployment of a model; returns the version live afterwards';

CREATE FUNCTION maas_grant(name text, role name, privilege text DEFAULT 'predict')
RETURNS void
AS 'MODULE_PATHNAME', 'maas_grant'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_grant(text, name, text) IS
'let a role (or PUBLIC) predict with, deploy, or train a model; owners only';

CREATE FUNCTION maas_revoke(name text, role name, privilege text DEFAULT 'predict')
RETURNS boolean
AS 'MODULE_PATHNAME', 'maas_revoke'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_revoke(text, name, text) IS 'take back a grant of maas_grant';

CREATE FUNCTION maas_drop(name text, version integer DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_drop'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_drop(text, integer) IS
'drop one version of a model, or all of them; owners only';

CREATE FUNCTION maas_reassign(from_role name, to_role name)
RETURNS integer
AS 'MODULE_PATHNAME', 'maas_reassign'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_reassign(name, name) IS
'give the models and grants of one role to another (before DROP ROLE, after ALTER ROLE RENAME)';
REVOKE ALL ON FUNCTION maas_reassign(name, name) FROM PUBLIC;

CREATE FUNCTION maas_info(model bytea)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_info_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_info(bytea) IS 'what a model is: algorithm, features, target, parameters';

CREATE FUNCTION maas_info(name text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_info_name'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_info(text) IS 'what the deployed version of a named model is';

-- Prediction

CREATE FUNCTION maas_predict_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'maas_predict_support'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict(name text, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'maas_predict_array'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict(name text, "row" record)
RETURNS float8
AS 'MODULE_PATHNAME', 'maas_predict_row'
LANGUAGE C STABLE STRICT PARALLEL SAFE SUPPORT maas_predict_support;

CREATE FUNCTION maas_predict(model bytea, features float8[])
RETURNS float8
AS 'MODULE_PATHNAME', 'maas_predict_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict_columns(name text, columns text[], VARIADIC "any")
RETURNS float8
AS 'MODULE_PATHNAME', 'maas_predict_columns'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_predict(text, float8[]) IS
'prediction of the deployed model: the value, or the predicted class as a number';
COMMENT ON FUNCTION maas_predict(text, record) IS
'prediction of the deployed model for a row whose columns are matched by name';
COMMENT ON FUNCTION maas_predict(bytea, float8[]) IS 'prediction of an inline model';
COMMENT ON FUNCTION maas_predict_columns(text, text[], "any") IS
'what the planner turns maas_predict(name, row) into: the row''s columns by name';

CREATE FUNCTION maas_predict_proba(name text, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_predict_proba_array'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict_proba(name text, "row" record)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_predict_proba_row'
LANGUAGE C STABLE STRICT PARALLEL SAFE SUPPORT maas_predict_support;

CREATE FUNCTION maas_predict_proba(model bytea, features float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_predict_proba_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict_proba_columns(name text, columns text[], VARIADIC "any")
RETURNS float8[]
AS 'MODULE_PATHNAME', 'maas_predict_proba_columns'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_predict_proba(text, float8[]) IS
'class probabilities of the deployed model, in the order of maas_info(name)->''target''->''classes''';
COMMENT ON FUNCTION maas_predict_proba(text, record) IS
'class probabilities of the deployed model for a row';
COMMENT ON FUNCTION maas_predict_proba(bytea, float8[]) IS 'class probabilities of an inline model';
COMMENT ON FUNCTION maas_predict_proba_columns(text, text[], "any") IS
'what the planner turns maas_predict_proba(name, row) into';

CREATE FUNCTION maas_predict_class(name text, features float8[])
RETURNS text
AS 'MODULE_PATHNAME', 'maas_predict_class_array'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict_class(name text, "row" record)
RETURNS text
AS 'MODULE_PATHNAME', 'maas_predict_class_row'
LANGUAGE C STABLE STRICT PARALLEL SAFE SUPPORT maas_predict_support;

CREATE FUNCTION maas_predict_class(model bytea, features float8[])
RETURNS text
AS 'MODULE_PATHNAME', 'maas_predict_class_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_predict_class_columns(name text, columns text[], VARIADIC "any")
RETURNS text
AS 'MODULE_PATHNAME', 'maas_predict_class_columns'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION maas_predict_class(text, float8[]) IS
'predicted class of the deployed model, as the target''s own label';
COMMENT ON FUNCTION maas_predict_class(text, record) IS
'predicted class of the deployed model for a row';
COMMENT ON FUNCTION maas_predict_class(bytea, float8[]) IS 'predicted class of an inline model';
COMMENT ON FUNCTION maas_predict_class_columns(text, text[], "any") IS
'what the planner turns maas_predict_class(name, row) into';

-- The training aggregate

CREATE FUNCTION maas_fit_transfn(bytea, text, float8[], float8)
RETURNS bytea
AS 'MODULE_PATHNAME', 'maas_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION maas_fit_transfn(bytea, text, float8[], float8, jsonb)
RETURNS bytea
AS 'MODULE_PATHNAME', 'maas_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION maas_fit_combine(bytea, bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'maas_fit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION maas_fit_final(bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'maas_fit_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION maas_fit_partial_final(bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'maas_fit_partial_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE maas_fit(algorithm text, features float8[], target float8) (
	SFUNC = maas_fit_transfn,
	STYPE = bytea,
	FINALFUNC = maas_fit_final,
	COMBINEFUNC = maas_fit_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE maas_fit(algorithm text, features float8[], target float8, params jsonb) (
	SFUNC = maas_fit_transfn,
	STYPE = bytea,
	FINALFUNC = maas_fit_final,
	COMBINEFUNC = maas_fit_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE maas_fit_partial(algorithm text, features float8[], target float8) (
	SFUNC = maas_fit_transfn,
	STYPE = bytea,
	FINALFUNC = maas_fit_partial_final,
	COMBINEFUNC = maas_fit_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE maas_fit_partial(algorithm text, features float8[], target float8, params jsonb) (
	SFUNC = maas_fit_transfn,
	STYPE = bytea,
	FINALFUNC = maas_fit_partial_final,
	COMBINEFUNC = maas_fit_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE maas_fit_merge(state bytea) (
	SFUNC = maas_fit_combine,
	STYPE = bytea,
	FINALFUNC = maas_fit_final,
	COMBINEFUNC = maas_fit_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE maas_fit(text, float8[], float8) IS
'train a model over the rows of a query or of each group; returns the model bytes';
COMMENT ON AGGREGATE maas_fit(text, float8[], float8, jsonb) IS
'train a model with params over the rows of a query or of each group';
COMMENT ON AGGREGATE maas_fit_partial(text, float8[], float8) IS
'the mergeable training state of some rows, for maas_fit_merge';
COMMENT ON AGGREGATE maas_fit_partial(text, float8[], float8, jsonb) IS
'the mergeable training state of some rows, with params';
COMMENT ON AGGREGATE maas_fit_merge(bytea) IS
'merge training states computed anywhere into one model';

-- Explanations

CREATE FUNCTION maas_explain(name text, features float8[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_explain_array'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_explain(name text, "row" record)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_explain_row'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION maas_explain(model bytea, features float8[])
RETURNS jsonb
AS 'MODULE_PATHNAME', 'maas_explain_bytes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_explain(text, float8[]) IS
'additive per-feature contributions to one prediction of the deployed model';
COMMENT ON FUNCTION maas_explain(text, record) IS
'additive per-feature contributions to the deployed model''s prediction for a row';
COMMENT ON FUNCTION maas_explain(bytea, float8[]) IS
'additive per-feature contributions to one prediction of an inline model';

CREATE FUNCTION maas_feature_importance(name text)
RETURNS TABLE (feature text, gain float8, splits float8)
AS 'MODULE_PATHNAME', 'maas_feature_importance'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION maas_feature_importance(text) IS
'total gain and split count of each feature in the deployed model (tree models)';

-- Usage accounting (needs shared_preload_libraries = 'maas')

CREATE FUNCTION maas_usage(OUT database text, OUT role text, OUT model text,
						   OUT predictions bigint, OUT training_runs bigint,
						   OUT training_ms float8, OUT last_used timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'maas_usage'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_usage() IS
'predictions served and training runs per database, role and model since the server started';

CREATE VIEW maas.usage AS SELECT * FROM @extschema@.maas_usage();
COMMENT ON VIEW maas.usage IS 'maas: usage per database, role and model (this server only)';
GRANT SELECT ON maas.usage TO PUBLIC;

CREATE FUNCTION maas_usage_info(OUT entries bigint, OUT max_entries bigint,
								OUT dropped bigint, OUT reset_at timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'maas_usage_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION maas_usage_info() IS
'how full the usage table is, and the predictions and training runs it could not count because it was full (dropped)';

CREATE VIEW maas.usage_info AS SELECT * FROM @extschema@.maas_usage_info();
COMMENT ON VIEW maas.usage_info IS 'maas: usage table entries, capacity and counts dropped since reset_at (this server only)';
GRANT SELECT ON maas.usage_info TO PUBLIC;

CREATE FUNCTION maas_usage_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'maas_usage_reset'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION maas_usage_reset() IS 'zero the usage counters of this server';
REVOKE ALL ON FUNCTION maas_usage_reset() FROM PUBLIC;
