-- The training aggregate: maas_fit, maas_fit_partial, maas_fit_merge
SET maas.progress_interval = 0;

-- Helpers (session-local): relative closeness (false when either is NULL);
-- the error of a statement is maas_test.err (sql/setup.sql)
CREATE FUNCTION pg_temp.close(a float8, b float8, tol float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(abs(a - b) <= tol * greatest(abs(a), abs(b), 1e-300), false) $$;
-- Coefficients and intercept of a linear model, as one jsonb object
CREATE FUNCTION pg_temp.coefs(model bytea) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT maas_info(model)->'parameters'->'coefficients'
		   || jsonb_build_object('intercept', maas_info(model)->'parameters'->'intercept')
$$;
-- Whether two linear models over the same features agree to a relative tol
CREATE FUNCTION pg_temp.same_coefs(a bytea, b bytea, tol float8) RETURNS boolean
LANGUAGE sql AS $$
	SELECT count(*) = (SELECT count(*) FROM jsonb_object_keys(pg_temp.coefs(b)))
		   AND bool_and(pg_temp.close(x.value::float8, (pg_temp.coefs(b)->>x.key)::float8, tol))
	FROM jsonb_each_text(pg_temp.coefs(a)) x
$$;
-- Coefficients of a maas_fit model ("features[k]") next to a named model's
CREATE FUNCTION pg_temp.coef_pairs(fit bytea, named bytea)
RETURNS TABLE (k bigint, feature text, fit_coef float8, named_coef float8)
LANGUAGE sql AS $$
	SELECT n.k, n.name,
		   (maas_info(fit)->'parameters'->'coefficients'->>('features[' || n.k || ']'))::float8,
		   (maas_info(named)->'parameters'->'coefficients'->>n.name)::float8
	FROM jsonb_array_elements_text(maas_info(named)->'feature_names') WITH ORDINALITY AS n(name, k)
	UNION ALL
	SELECT 0, 'intercept', (maas_info(fit)->'parameters'->>'intercept')::float8,
		   (maas_info(named)->'parameters'->>'intercept')::float8
$$;

--
-- 1. maas_fit over diabetes = maas_train with every row trained on
--
SELECT name, version, rows_trained, rows_skipped
FROM maas_train('agg_diabetes', 'linear_regression', 'diabetes', 'progression', '{"test_size": 0}');
CREATE TEMP TABLE agg_diabetes_fit AS
SELECT maas_fit('linear_regression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression) AS model
FROM diabetes;
SELECT maas_info(model)->>'algorithm' AS algorithm, maas_info(model)->>'task' AS task,
	   maas_info(model)->'n_features' AS n_features, maas_info(model)->'parameters'->'rank' AS rank,
	   maas_info(model)->'target' AS target
FROM agg_diabetes_fit;
-- Reference numbers in this file come from /usr/bin/python3 (scikit-learn 1.2.1):
--   import pandas as pd, numpy as np; from sklearn.linear_model import LinearRegression
--   d = pd.read_csv('data/diabetes.csv')
--   m = LinearRegression().fit(d.drop(columns='progression'), d.progression)
--   p = pd.read_csv('data/penguins.csv')
--   for isl, g in p.groupby('island'):
--       g = g.dropna(subset=['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'])
--       X = g[['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm']]; y = g.body_mass_g
--       m = LinearRegression().fit(X, y); rmse = np.sqrt(np.mean((m.predict(X) - y) ** 2))
-- scikit-learn 1.2.1 LinearRegression().fit on data/diabetes.csv:
--   intercept -334.5671385187869, coef [-0.036361224223618455, -22.859648090498375,
--   5.602962091923722, 1.1168079933181878, -1.0899963340632244, 0.7464504555142109,
--   0.37200471508913635, 6.533831935990335, 68.48312496478825, 0.2801169893214942]
SELECT k, feature, round(fit_coef::numeric, 6) AS coef, pg_temp.close(fit_coef, named_coef, 1e-9) AS same
FROM pg_temp.coef_pairs((SELECT model FROM agg_diabetes_fit),
						(SELECT model FROM maas.models WHERE name = 'agg_diabetes' AND version = 1))
ORDER BY k;
-- predictions of the inline model equal the named model's
SELECT count(*) AS rows,
	   bool_and(pg_temp.close(maas_predict(f.model, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]),
							  maas_predict('agg_diabetes', d), 1e-9)) AS same
FROM diabetes d, agg_diabetes_fit f;
-- with params: ridge, and no intercept, also equal maas_train's
SELECT name, version FROM maas_train('agg_diabetes', 'linear_regression', 'diabetes', 'progression',
									 '{"test_size": 0, "l2": 10, "fit_intercept": false}');
SELECT count(*) AS coefs, bool_and(pg_temp.close(fit_coef, named_coef, 1e-9)) AS same,
	   round(min(fit_coef)::numeric, 6) AS smallest
FROM pg_temp.coef_pairs((SELECT maas_fit('linear_regression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6],
										 progression, '{"l2": 10, "fit_intercept": false}') FROM diabetes),
						(SELECT model FROM maas.models WHERE name = 'agg_diabetes' AND version = 2));

--
-- 2. GROUP BY: one model per island; rows with NULLs are skipped
--
CREATE TEMP TABLE agg_island AS
SELECT island, maas_fit('linear_regression', ARRAY[bill_length_mm, bill_depth_mm, flipper_length_mm],
						body_mass_g) AS model
FROM penguins GROUP BY island;
-- scikit-learn LinearRegression per island on the rows without NULLs:
--   Biscoe (167 rows)    intercept -6514.046055235349 coef [65.23109924661078, 66.49967736255408, 34.43952909575831]
--   Dream (124 rows)     intercept -2909.564939496877 coef [-2.3399675518869762, 154.55188553905634, 20.15130582473982]
--   Torgersen (51 rows)  intercept -2669.3761637286366 coef [40.97454078879256, 146.78549723457888, 10.85053535252214]
SELECT island, round((maas_info(model)->'parameters'->>'intercept')::numeric, 4) AS intercept,
	   round((maas_info(model)->'parameters'->'coefficients'->>'features[1]')::numeric, 4) AS bill_length,
	   round((maas_info(model)->'parameters'->'coefficients'->>'features[2]')::numeric, 4) AS bill_depth,
	   round((maas_info(model)->'parameters'->'coefficients'->>'features[3]')::numeric, 4) AS flipper_length
FROM agg_island ORDER BY island;
-- predictions joined back to the rows; scikit-learn's RMSE on the training rows:
--   Biscoe 320.28048881976196, Dream 316.79550430436785, Torgersen 328.8340591830023
SELECT p.island, count(*) AS rows,
	   round(sqrt(avg((maas_predict(m.model, ARRAY[bill_length_mm, bill_depth_mm, flipper_length_mm])
					   - body_mass_g) ^ 2))::numeric, 3) AS rmse
FROM penguins p JOIN agg_island m USING (island)
WHERE p.body_mass_g IS NOT NULL
GROUP BY p.island ORDER BY p.island;
-- a row of NULLs is imputed with the training means: least squares then
-- predicts the mean target
SELECT m.island, pg_temp.close(maas_predict(m.model, ARRAY[NULL, NULL, NULL]::float8[]), avg(p.body_mass_g), 1e-12) AS mean
FROM agg_island m JOIN penguins p USING (island)
WHERE p.body_mass_g IS NOT NULL
GROUP BY m.island, m.model ORDER BY 1;
-- the same model as maas_train over that island's rows, NULL rows skipped
SELECT name FROM maas_train('agg_biscoe', 'linear_regression',
	'SELECT bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g FROM penguins WHERE island = ''Biscoe''',
	'body_mass_g', '{"test_size": 0, "missing": "skip"}');
SELECT count(*) AS coefs, bool_and(pg_temp.close(fit_coef, named_coef, 1e-9)) AS same
FROM pg_temp.coef_pairs((SELECT model FROM agg_island WHERE island = 'Biscoe'),
						(SELECT model FROM maas.models WHERE name = 'agg_biscoe' AND version = 1));

--
-- 3. Empty input, NULL targets, NULL elements
--
SELECT maas_fit('linear_regression', ARRAY[age, bmi], progression) IS NULL AS empty_is_null
FROM diabetes WHERE false;
SELECT maas_fit('linear_regression', ARRAY[age, bmi], NULL::float8) IS NULL AS null_targets_is_null
FROM diabetes;
SELECT maas_fit('linear_regression', NULL::float8[], progression) IS NULL AS null_features_is_null
FROM diabetes;
SELECT maas_fit('logistic_regression', ARRAY[age, bmi], NULL::float8) IS NULL AS null_targets_is_null
FROM diabetes;
SELECT maas_fit_partial('linear_regression', ARRAY[age, bmi], progression) IS NULL AS empty_partial_is_null
FROM diabetes WHERE false;
SELECT maas_fit_merge(s) IS NULL AS merge_of_nulls_is_null
FROM (VALUES (NULL::bytea), (NULL)) v(s);
-- rows with a NULL element, a NULL array or a NULL target leave the model
-- exactly as if they were not there
CREATE TEMP TABLE agg_holes AS
SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE age END AS age, bmi, s1, s5,
	   CASE WHEN i % 11 = 0 THEN NULL ELSE progression END AS progression,
	   i % 13 = 0 AS no_array
FROM (SELECT row_number() OVER () AS i, * FROM diabetes) d;
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE age IS NOT NULL AND progression IS NOT NULL AND NOT no_array) AS complete
FROM agg_holes;
SELECT a = b AS identical_model_bytes, length(a) AS bytes
FROM (SELECT maas_fit('linear_regression', CASE WHEN NOT no_array THEN ARRAY[age, bmi, s1, s5] END,
					  progression) AS a FROM agg_holes) x,
	 (SELECT maas_fit('linear_regression', ARRAY[age, bmi, s1, s5], progression) AS b FROM agg_holes
	  WHERE age IS NOT NULL AND progression IS NOT NULL AND NOT no_array) y;
SELECT a = b AS identical_logistic_bytes, length(a) AS bytes
FROM (SELECT maas_fit('logistic_regression', CASE WHEN NOT no_array THEN ARRAY[age, bmi, s1, s5] END,
					  (progression > 140)::int) AS a FROM agg_holes) x,
	 (SELECT maas_fit('logistic_regression', ARRAY[age, bmi, s1, s5], (progression > 140)::int) AS b FROM agg_holes
	  WHERE age IS NOT NULL AND progression IS NOT NULL AND NOT no_array) y;
-- and a model of fewer rows differs (the comparison above can fail)
SELECT a = b AS identical_to_fewer_rows
FROM (SELECT maas_fit('linear_regression', ARRAY[age, bmi, s1, s5], progression) AS a FROM agg_holes
	  WHERE age IS NOT NULL AND progression IS NOT NULL AND NOT no_array) x,
	 (SELECT maas_fit('linear_regression', ARRAY[age, bmi, s1, s5], progression) AS b FROM agg_holes
	  WHERE age IS NOT NULL AND progression IS NOT NULL AND NOT no_array AND i > 1) y;

--
-- 4. A parallel plan gives the serial plan's model
--
SELECT setseed(0.25);
CREATE TABLE agg_big AS
SELECT id, id % 4 AS grp, x1, x2, x3, x4,
	   3 + 2 * x1 - x2 + 0.5 * x3 + 4 * x4 + (e - 0.5) AS y,
	   (x1 + x2 + 0.1 * x3 - x4 + e > 2.0)::int::float8 AS label
FROM (SELECT i AS id, random() AS x1, random() AS x2, random() * 10 AS x3,
			 random() - 0.5 AS x4, random() AS e
	  FROM generate_series(1, 200000) i) s;
ANALYZE agg_big;
SELECT count(*) AS rows, round(avg(label)::numeric, 4) AS positive_share FROM agg_big;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE agg_serial AS
SELECT maas_fit('linear_regression', ARRAY[x1, x2, x3, x4], y) AS linear,
	   maas_fit('logistic_regression', ARRAY[x1, x2, x3, x4], label) AS logistic
FROM agg_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT maas_fit('linear_regression', ARRAY[x1, x2, x3, x4], y) FROM agg_big;
-- the workers really ran (each computed a partial state the leader combined)
SELECT maas_test.workers_launched(
	'SELECT maas_fit(''linear_regression'', ARRAY[x1, x2, x3, x4], y) FROM agg_big') > 0 AS workers_ran;
CREATE TEMP TABLE agg_parallel AS
SELECT maas_fit('linear_regression', ARRAY[x1, x2, x3, x4], y) AS linear,
	   maas_fit('logistic_regression', ARRAY[x1, x2, x3, x4], label) AS logistic
FROM agg_big;
-- the generating coefficients are 3, 2, -1, 0.5, 4
SELECT f.key AS feature, round(f.value::numeric, 2) AS coef,
	   pg_temp.close(f.value::float8, (pg_temp.coefs(s.linear)->>f.key)::float8, 1e-9) AS same
FROM agg_parallel p, agg_serial s, jsonb_each_text(pg_temp.coefs(p.linear)) f
ORDER BY 1;
-- logistic (rows-collecting state): the same probabilities on every 50th row
SELECT count(*) AS rows,
	   max(abs((maas_predict_proba(p.logistic, ARRAY[x1, x2, x3, x4]))[2]
			   - (maas_predict_proba(s.logistic, ARRAY[x1, x2, x3, x4]))[2])) < 1e-6 AS same,
	   round(avg((maas_predict(p.logistic, ARRAY[x1, x2, x3, x4]) = label)::int)::numeric, 2) AS accuracy
FROM agg_big, agg_parallel p, agg_serial s
WHERE id % 50 = 0;
SELECT maas_info(p.logistic)->'target' AS target, (maas_info(p.logistic)->'parameters'->'converged')::boolean AS converged
FROM agg_parallel p;
-- GROUP BY under a parallel plan: one model per group, as in the serial plan
EXPLAIN (COSTS OFF)
SELECT grp, maas_fit('linear_regression', ARRAY[x1, x2, x3, x4], y) FROM agg_big GROUP BY grp;
CREATE TEMP TABLE agg_groups_parallel AS
SELECT grp, maas_fit('linear_regression', ARRAY[x1, x2, x3, x4], y) AS linear,
	   maas_fit('logistic_regression', ARRAY[x1, x2, x3, x4], label) AS logistic
FROM agg_big GROUP BY grp;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE agg_groups_serial AS
SELECT grp, maas_fit('linear_regression', ARRAY[x1, x2, x3, x4], y) AS linear,
	   maas_fit('logistic_regression', ARRAY[x1, x2, x3, x4], label) AS logistic
FROM agg_big GROUP BY grp;
SELECT count(*) AS groups, bool_and(pg_temp.same_coefs(p.linear, s.linear, 1e-9)) AS same
FROM agg_groups_parallel p JOIN agg_groups_serial s USING (grp);
SELECT count(*) AS rows,
	   max(abs((maas_predict_proba(p.logistic, ARRAY[x1, x2, x3, x4]))[2]
			   - (maas_predict_proba(s.logistic, ARRAY[x1, x2, x3, x4]))[2])) < 1e-6 AS same
FROM agg_big b JOIN agg_groups_parallel p USING (grp) JOIN agg_groups_serial s USING (grp)
WHERE id % 50 = 0;
RESET max_parallel_workers_per_gather;

--
-- 5. States: text round trip, map/merge
--
SELECT s::text::bytea = s AS linear_text_round_trip, length(s) AS linear_state_bytes
FROM (SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3, x4], y) AS s FROM agg_big) q;
SELECT s::text::bytea = s AS logistic_text_round_trip, length(s) AS logistic_state_bytes
FROM (SELECT maas_fit_partial('logistic_regression', ARRAY[x1, x2, x3, x4], label, '{"C": 0.5}') AS s
	  FROM agg_big WHERE id <= 1000) q;
-- states of disjoint thirds, shipped as text, merged: the whole table's model
CREATE TEMP TABLE agg_parts AS
SELECT id % 3 AS part,
	   maas_fit_partial('linear_regression', ARRAY[x1, x2, x3, x4], y)::text AS linear,
	   maas_fit_partial('logistic_regression', ARRAY[x1, x2, x3, x4], label)::text AS logistic
FROM agg_big GROUP BY 1;
SELECT count(*) AS parts, pg_temp.same_coefs(maas_fit_merge(linear::bytea), (SELECT linear FROM agg_serial), 1e-9) AS same
FROM agg_parts;
-- merged in another order, and with an empty part (NULL state) among them
SELECT count(*) AS parts,
	   pg_temp.same_coefs(maas_fit_merge(linear::bytea ORDER BY part DESC), (SELECT linear FROM agg_serial), 1e-9) AS same
FROM (SELECT part, linear FROM agg_parts UNION ALL SELECT 3, NULL) p;
-- and the comparison can fail: two thirds are not the whole
SELECT pg_temp.same_coefs(maas_fit_merge(linear::bytea), (SELECT linear FROM agg_serial), 1e-9) AS two_thirds_same
FROM agg_parts WHERE part > 0;
SELECT count(*) AS rows,
	   max(abs((maas_predict_proba(m.model, ARRAY[x1, x2, x3, x4]))[2]
			   - (maas_predict_proba(s.logistic, ARRAY[x1, x2, x3, x4]))[2])) < 1e-6 AS same
FROM agg_big, agg_serial s,
	 (SELECT maas_fit_merge(logistic::bytea) AS model FROM agg_parts) m
WHERE id % 50 = 0;
-- merging incompatible states is an error
\set VERBOSITY terse
SELECT maas_fit_merge(s) FROM (
	SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y) FROM agg_big WHERE id <= 10
	UNION ALL
	SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3, x4], y) FROM agg_big WHERE id <= 10) q(s);
SELECT maas_fit_merge(s) FROM (
	SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], label) FROM agg_big WHERE id <= 10
	UNION ALL
	SELECT maas_fit_partial('logistic_regression', ARRAY[x1, x2, x3], label) FROM agg_big WHERE id <= 10) q(s);
SELECT maas_fit_merge(s) FROM (
	SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y) FROM agg_big WHERE id <= 10
	UNION ALL
	SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y, '{"l2": 1}') FROM agg_big WHERE id <= 10) q(s);
\set VERBOSITY default
SELECT maas_test.err($$
	SELECT maas_fit_merge(s) FROM (
		SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2], y) FROM agg_big WHERE id <= 10
		UNION ALL
		SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y) FROM agg_big WHERE id <= 10) q(s)$$)
	AS feature_counts;
SELECT maas_test.err($$
	SELECT maas_fit_merge(s) FROM (
		SELECT maas_fit_partial('logistic_regression', ARRAY[x1, x2], label) FROM agg_big WHERE id <= 10
		UNION ALL
		SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2], label) FROM agg_big WHERE id <= 10) q(s)$$)
	AS algorithms;
-- bytes that are not a state: a clean error (XX001), never a crash
SELECT maas_fit_merge('\xdeadbeef'::bytea);
SELECT maas_test.err($$SELECT maas_fit_merge(''::bytea)$$) AS empty;
SELECT maas_test.err($$SELECT maas_fit_merge(decode(repeat('00', 200), 'hex'))$$) AS zeros;
SELECT maas_test.err($$SELECT maas_fit_merge(model) FROM agg_diabetes_fit$$) AS a_model_is_not_a_state;
SELECT maas_test.err($$SELECT maas_fit_merge(s || '\x00'::bytea) FROM agg_parts p, LATERAL (SELECT linear::bytea) l(s) WHERE part = 0$$) AS one_byte_more;
SELECT maas_test.err($$SELECT maas_fit_merge(substr(s, 1, length(s) - 8)) FROM agg_parts p, LATERAL (SELECT logistic::bytea) l(s) WHERE part = 0$$) AS eight_bytes_less;
SELECT maas_test.err($$SELECT maas_fit_merge(set_byte(s, 0, 0)) FROM agg_parts p, LATERAL (SELECT linear::bytea) l(s) WHERE part = 0$$) AS bad_magic;
SELECT maas_test.err($$SELECT maas_fit_merge(set_byte(s, 4, 9)) FROM agg_parts p, LATERAL (SELECT linear::bytea) l(s) WHERE part = 0$$) AS bad_version;
SELECT maas_test.err($$SELECT maas_fit_merge(set_byte(s, 12, 9)) FROM agg_parts p, LATERAL (SELECT linear::bytea) l(s) WHERE part = 0$$) AS bad_feature_count;
-- a row buffer that claims to be full (block_used = block_cap), merged with
-- one holding rows: rejected before a row is appended past its end
SELECT maas_test.err($$SELECT maas_fit_merge(s) FROM (
							  SELECT set_byte(linear::bytea, 24, get_byte(linear::bytea, 20)) FROM agg_parts WHERE part = 0
							  UNION ALL
							  SELECT set_byte(linear::bytea, 24, 3) FROM agg_parts WHERE part = 1) q(s)$$) AS full_row_buffer;
-- 4000 random bytes, and NaNs behind a real header
SELECT setseed(0.5);
SELECT maas_test.err($$SELECT maas_fit_merge(b) FROM (
							  SELECT string_agg(decode(lpad(to_hex((random() * 2147483647)::int), 8, '0'), 'hex'), ''::bytea) AS b
							  FROM generate_series(1, 1000)) q$$) AS random_bytes;
SELECT maas_test.err($$SELECT maas_fit_merge(substr(s, 1, 76) || decode(repeat('ff', length(s) - 76), 'hex'))
						  FROM agg_parts p, LATERAL (SELECT linear::bytea) l(s) WHERE part = 0$$) AS nan_moments;
-- the aggregate's support functions are not callable on their own
SELECT maas_fit_transfn(NULL, 'linear_regression', ARRAY[1.0], 1.0);
SELECT maas_fit_transfn(NULL, 'linear_regression', ARRAY[1.0], 1.0, '{}');
SELECT maas_fit_combine(NULL, NULL);
SELECT maas_fit_final(NULL);
SELECT maas_fit_final(linear::bytea) FROM agg_parts WHERE part = 0;

--
-- 6. Errors within a group; params
--
SELECT maas_fit('linear_regression', CASE WHEN id = 3 THEN ARRAY[x1] ELSE ARRAY[x1, x2] END, y)
FROM agg_big WHERE id <= 10;
SELECT maas_fit(CASE WHEN id = 3 THEN 'logistic_regression' ELSE 'linear_regression' END, ARRAY[x1, x2], label)
FROM agg_big WHERE id <= 10;
SELECT maas_test.err($$SELECT maas_fit('linear_regression', CASE WHEN id = 3 THEN ARRAY[x1] ELSE ARRAY[x1, x2] END, y) FROM agg_big WHERE id <= 10$$) AS feature_count_changed;
SELECT maas_test.err($$SELECT maas_fit(CASE WHEN id = 3 THEN 'logistic_regression' ELSE 'linear_regression' END, ARRAY[x1, x2], label) FROM agg_big WHERE id <= 10$$) AS algorithm_changed;
-- per group, each group may have its own width and algorithm
SELECT g, maas_info(m)->>'algorithm' AS algorithm, maas_info(m)->'n_features' AS n_features
FROM (SELECT id % 2 AS g,
			 maas_fit(CASE WHEN id % 2 = 0 THEN 'linear_regression' ELSE 'logistic_regression' END,
					  CASE WHEN id % 2 = 0 THEN ARRAY[x1] ELSE ARRAY[x1, x2, x3] END, label) AS m
	  FROM agg_big WHERE id <= 1000 GROUP BY 1) q ORDER BY g;
SELECT maas_fit('linear_regression', ARRAY[x1, x2], y, '{"bogus": 1}') FROM agg_big WHERE id <= 10;
SELECT maas_fit('linear_regression', ARRAY[x1, x2], y, '{"l2": -1}') FROM agg_big WHERE id <= 10;
SELECT maas_fit('logistic_regression', ARRAY[x1, x2], label, '{"penalty": "l3"}') FROM agg_big WHERE id <= 10;
SELECT maas_fit('logistic_regression', ARRAY[x1, x2], label, '{"test_size": 0.5}') FROM agg_big WHERE id <= 10;
SELECT maas_fit('linear_regression', ARRAY[x1, x2], y, '[1, 2]') FROM agg_big WHERE id <= 10;
SELECT maas_fit('gradient_descent', ARRAY[x1, x2], y) FROM agg_big WHERE id <= 10;
SELECT maas_fit(NULL, ARRAY[x1, x2], y) FROM agg_big WHERE id <= 10;
SELECT maas_fit('linear_regression', ARRAY[]::float8[], y) FROM agg_big WHERE id <= 10;
SELECT maas_fit('linear_regression', ARRAY[[x1, x2]], y) FROM agg_big WHERE id <= 10;
SELECT maas_fit('linear_regression', ARRAY[x1, 'NaN'], y) FROM agg_big WHERE id <= 10;
SELECT maas_fit('linear_regression', ARRAY[x1, x2], 'Infinity') FROM agg_big WHERE id <= 10;
SELECT maas_fit('logistic_regression', ARRAY[x1, x2], 1.0) FROM agg_big WHERE id <= 10;
-- params reach the model: a stronger ridge shrinks the coefficients
SELECT round((maas_info(a)->'parameters'->'coefficients'->>'features[1]')::numeric, 4) AS ols,
	   round((maas_info(b)->'parameters'->'coefficients'->>'features[1]')::numeric, 4) AS ridge
FROM (SELECT maas_fit('linear_regression', ARRAY[x1, x2], y) AS a,
			 maas_fit('linear_regression', ARRAY[x1, x2], y, '{"l2": 10000}') AS b
	  FROM agg_big WHERE id <= 1000) q;

--
-- 7. Classification through the aggregate
--
-- binary, float8 0/1 target: the model of maas_train on the same rows
SELECT name, task FROM maas_train('agg_cancer', 'logistic_regression',
	'SELECT mean_radius, mean_texture, mean_smoothness, worst_concavity, malignant FROM breast_cancer',
	'malignant', '{"test_size": 0}');
CREATE TEMP TABLE agg_cancer_fit AS
SELECT maas_fit('logistic_regression', ARRAY[mean_radius, mean_texture, mean_smoothness, worst_concavity],
				malignant::int::float8) AS model
FROM breast_cancer;
SELECT maas_info(model)->>'task' AS task, maas_info(model)->'target'->'classes' AS classes,
	   maas_info(model)->'n_outputs' AS n_outputs
FROM agg_cancer_fit;
SELECT count(*) AS rows,
	   max(abs((maas_predict_proba(f.model, ARRAY[mean_radius, mean_texture, mean_smoothness, worst_concavity]))[2]
			   - (maas_predict_proba('agg_cancer', b))[2])) < 1e-6 AS same_probability,
	   bool_and(maas_predict_class(f.model, ARRAY[mean_radius, mean_texture, mean_smoothness, worst_concavity])
				= CASE WHEN maas_predict_class('agg_cancer', b) = 'true' THEN '1' ELSE '0' END) AS same_class,
	   round(avg((maas_predict(f.model, ARRAY[mean_radius, mean_texture, mean_smoothness, worst_concavity])
				  = malignant::int)::int)::numeric, 4) AS accuracy
FROM breast_cancer b, agg_cancer_fit f;
SELECT maas_predict_class(model, ARRAY[12, 15, 0.09, 0.1]) AS small, maas_predict_class(model, ARRAY[25, 25, 0.12, 0.6]) AS large,
	   pg_typeof(maas_predict_class(model, ARRAY[25, 25, 0.12, 0.6])) AS type
FROM agg_cancer_fit;
-- three classes with values 10, 20, 30: maas_predict_class answers the value as text
SELECT name, task FROM maas_train('agg_iris', 'logistic_regression', 'iris', 'species', '{"test_size": 0}');
CREATE TEMP TABLE agg_iris_fit AS
SELECT maas_fit('logistic_regression', ARRAY[sepal_length, sepal_width, petal_length, petal_width],
				CASE species WHEN 'setosa' THEN 10 WHEN 'versicolor' THEN 20 ELSE 30 END) AS model
FROM iris;
SELECT maas_info(model)->>'task' AS task, maas_info(model)->'target'->'classes' AS classes
FROM agg_iris_fit;
SELECT maas_predict_class(f.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS class,
	   maas_predict_class('agg_iris', i) AS species, count(*)
FROM iris i, agg_iris_fit f
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS rows,
	   bool_and(maas_predict(f.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width])::text
				= maas_predict_class(f.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width])) AS value_is_class,
	   max((SELECT max(abs(a - b)) FROM unnest(maas_predict_proba(f.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width]),
											   maas_predict_proba('agg_iris', i)) u(a, b))) < 1e-6 AS same_probabilities
FROM iris i, agg_iris_fit f;
-- a logistic state merged from per-species states (each with one class) is the whole model
SELECT count(*) AS rows,
	   max(abs((maas_predict_proba(m.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width]))[3]
			   - (maas_predict_proba(f.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width]))[3])) < 1e-6 AS same
FROM iris, agg_iris_fit f,
	 (SELECT maas_fit_merge(s ORDER BY species) AS model
	  FROM (SELECT species, maas_fit_partial('logistic_regression', ARRAY[sepal_length, sepal_width, petal_length, petal_width],
											  CASE species WHEN 'setosa' THEN 10 WHEN 'versicolor' THEN 20 ELSE 30 END) AS s
			FROM iris GROUP BY species) p) m;
-- a regression model has no classes
SELECT maas_predict_class(model, ARRAY[50, 1, 25, 90, 190, 115, 50, 4, 4.6, 90]) FROM agg_diabetes_fit;

--
-- 8. The task param, values too large to square, corrupted states
--
-- the "task" param must not be ignored: linear_regression cannot classify,
-- logistic_regression cannot regress (maas_train rejects both with 22023)
SELECT split_part(maas_test.err($$SELECT maas_fit('linear_regression', ARRAY[x1], label, '{"task": "classification"}') FROM agg_big WHERE id <= 100$$), ' ', 1) AS linear_classification;
SELECT split_part(maas_test.err($$SELECT maas_fit('logistic_regression', ARRAY[x1], label, '{"task": "regression"}') FROM agg_big WHERE id <= 100$$), ' ', 1) AS logistic_regression_task;
-- a feature so large its square overflows: an error or a readable, right
-- model, never a model that no function can read and never a silent rank 0
CREATE TEMP TABLE agg_huge AS
SELECT i::float8 AS id, CASE WHEN i = 1 THEN 1e200 ELSE i END AS x, (i % 2)::float8 AS c, 2.0 * i AS y
FROM generate_series(1, 20) i;
SELECT CASE WHEN e LIKE '22%' OR e = 'no error' THEN 'acceptable' ELSE e END AS logistic_huge
FROM maas_test.err($$SELECT maas_info(maas_fit('logistic_regression', ARRAY[x], c)) FROM agg_huge$$) e;
-- (y = 2 id exactly, so least squares has coefficients 0 and 2, intercept 0)
SELECT CASE WHEN e LIKE '22%' OR pg_temp.close((m->'coefficients'->>'features[2]')::float8, 2, 1e-6)
			THEN 'acceptable' ELSE coalesce('a wrong model: ' || m::text, e) END AS linear_huge
FROM maas_test.err($$SELECT maas_info(maas_fit('linear_regression', ARRAY[x, id], y)) FROM agg_huge$$) e,
	 LATERAL (SELECT CASE WHEN e = 'no error' THEN
				  (SELECT maas_info(maas_fit('linear_regression', ARRAY[x, id], y))->'parameters' FROM agg_huge) END) p(m);
-- corrupted states: an error of class 22 or XX001, or a readable model;
-- never an internal error (XX000) or a model maas_info rejects.  First the
-- header of a real state with random bytes after it
SELECT setseed(0.5);
SELECT CASE WHEN left(e, 2) = '22' OR left(e, 5) = 'XX001' OR e = 'no error' THEN 'acceptable' ELSE e END AS random_moments
FROM maas_test.err($$SELECT maas_info(maas_fit_merge(substr(s, 1, 60) || r)) FROM agg_parts p,
						  LATERAL (SELECT linear::bytea) l(s),
						  LATERAL (SELECT string_agg(decode(lpad(to_hex((random() * 2147483647)::int), 8, '0'), 'hex'), ''::bytea) AS r
								   FROM generate_series(1, (length(s) - 60) / 4)) q
						  WHERE part = 0$$) e;
-- a state of 5 rows whose mean of x1 is made 1e307 (byte 67 is the top
-- byte of that double when the header is 60 bytes): merging may refuse it,
-- but a model it returns must read back
CREATE TEMP TABLE agg_mutant AS
SELECT set_byte(s, 67, 127) AS s
FROM (SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y) AS s FROM agg_big WHERE id <= 5) q;
SELECT CASE WHEN m LIKE '22%' OR m LIKE 'XX001%' OR (m = 'no error' AND i = 'no error') THEN 'acceptable'
			ELSE 'merged, but maas_info says ' || i END AS huge_mean
FROM maas_test.err($$SELECT maas_fit_merge(s) FROM agg_mutant$$) m,
	 maas_test.err($$SELECT maas_info(maas_fit_merge(s)) FROM agg_mutant$$) i;
-- then 3000 states with a few random bytes changed, or cut short
CREATE FUNCTION pg_temp.fuzz(base bytea, n int) RETURNS TABLE (outcome text, cases bigint)
LANGUAGE plpgsql AS $$
DECLARE
	s bytea;
	res bytea;
	o text;
	len int;
	pos int;
	outcomes text[] := '{}';
BEGIN
	FOR i IN 1..n LOOP
		o := NULL;
		s := base;
		len := length(s);
		IF random() < 0.1 THEN
			s := substr(s, 1, (random() * len)::int);
		ELSE
			FOR k IN 1..(1 + (random() * 3)::int) LOOP
				pos := CASE WHEN random() < 0.7 THEN (random() * least(len - 1, 95))::int
							ELSE (random() * (len - 1))::int END;
				s := set_byte(s, pos, (random() * 255)::int);
			END LOOP;
		END IF;
		BEGIN
			SELECT maas_fit_merge(x) INTO res FROM (VALUES (s)) v(x);
			o := CASE WHEN res IS NULL THEN 'no model' ELSE 'model' END;
			PERFORM maas_info(res);
		EXCEPTION WHEN OTHERS THEN
			o := CASE WHEN o = 'model' THEN 'unreadable model: ' || SQLERRM
					  WHEN SQLSTATE LIKE '22%' OR SQLSTATE = 'XX001' THEN 'error'
					  ELSE 'error ' || SQLSTATE || ': ' || SQLERRM END;
		END;
		outcomes := outcomes || o;
	END LOOP;
	RETURN QUERY SELECT u, count(*) FROM unnest(outcomes) u
		WHERE u NOT IN ('model', 'no model', 'error') GROUP BY u;
END $$;
SELECT setseed(0.5);
SELECT * FROM pg_temp.fuzz((SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y, '{"l2": 0.5}')
							FROM agg_big WHERE id <= 10), 3000);
SELECT * FROM pg_temp.fuzz((SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2, x3], y)
							FROM agg_big WHERE id <= 1000), 3000);
SELECT * FROM pg_temp.fuzz((SELECT maas_fit_partial('logistic_regression', ARRAY[x1, x2, x3], label, '{"C": 0.5}')
							FROM agg_big WHERE id <= 10), 3000);

DROP TABLE agg_big;
