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
