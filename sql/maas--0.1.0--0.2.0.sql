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
