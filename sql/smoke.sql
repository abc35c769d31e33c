-- A first pass through every SQL function of the extension on small real
-- data, each checked against a value it must give: the linear formula of
-- the model's own coefficients, the most probable class, metrics computed
-- here in SQL, scikit-learn's least squares.  The files named after each
-- feature go further.
SET maas.progress_interval = 0;
-- the usage counters are per server and outlive the database: from zero
SELECT maas_usage_reset();

-- maas_train: a regression, a classifier, a tree; the held-out rows and
-- the trained ones make the table
SELECT name, version, algorithm, task, rows_trained + (metrics->>'rows')::int AS rows, rows_skipped,
	   deployed, metrics->>'evaluated_on' AS evaluated_on, (metrics->>'r2')::float8 > 0.3 AS r2_above_0_3
FROM maas_train('smoke_lin', 'linear_regression', 'diabetes', 'progression');
SELECT name, version, algorithm, task, rows_trained + (metrics->>'rows')::int AS rows, deployed,
	   (metrics->>'accuracy')::float8 > 0.9 AS accuracy_above_0_9
FROM maas_train('smoke_log', 'logistic_regression', 'iris', 'species');
SELECT name, version, algorithm, task, rows_trained + (metrics->>'rows')::int AS rows, deployed,
	   (metrics->>'accuracy')::float8 > 0.9 AS accuracy_above_0_9
FROM maas_train('smoke_tree', 'decision_tree', 'iris', 'species', '{"max_depth": 3}');

-- maas_info, by name (the deployed version) and by bytes
SELECT name, maas_info(name) = maas_info(model) AS name_is_bytes, maas_info(model)->>'algorithm' AS algorithm,
	   maas_info(model)->'feature_names' AS features, maas_info(model)->'target'->'classes' AS classes,
	   (maas_info(model)->>'size_bytes')::int = length(model) AS size_is_length
FROM maas.models WHERE name LIKE 'smoke%' ORDER BY name;

-- maas_predict in its four forms (row, float8[], bytes, columns) is the
-- intercept plus the coefficients times the features, from maas_info
CREATE TEMP TABLE smoke_lin_pred AS
SELECT maas_predict('smoke_lin', d) AS by_row,
	   maas_predict('smoke_lin', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]) AS by_array,
	   maas_predict((SELECT model FROM maas.models WHERE name = 'smoke_lin'),
					ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]) AS by_bytes,
	   maas_predict_columns('smoke_lin', ARRAY['s6', 'age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5'],
							s6, age, sex, bmi, bp, s1, s2, s3, s4, s5) AS by_columns,
	   (p->>'intercept')::float8 + (SELECT sum(c.v::float8 * (to_jsonb(d)->>c.k)::float8)
									FROM jsonb_each_text(p->'coefficients') c(k, v)) AS formula,
	   progression
FROM diabetes d, (SELECT maas_info('smoke_lin')->'parameters' AS p) i;
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE abs(by_row - formula) <= 1e-9 * abs(formula)) AS row_is_formula,
	   count(*) FILTER (WHERE by_array = by_row) AS array_agrees,
	   count(*) FILTER (WHERE by_bytes = by_row) AS bytes_agree,
	   count(*) FILTER (WHERE by_columns = by_row) AS columns_agree
FROM smoke_lin_pred;

-- maas_predict_proba and maas_predict_class (four forms each), and
-- maas_predict of a classifier: probabilities sum to 1, the class is the
-- most probable one of maas_info's classes, maas_predict its 0-based index
CREATE TEMP TABLE smoke_log_pred AS
SELECT species,
	   maas_predict_proba('smoke_log', i) AS p_row,
	   maas_predict_proba('smoke_log', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS p_array,
	   maas_predict_proba((SELECT model FROM maas.models WHERE name = 'smoke_log'),
						  ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS p_bytes,
	   maas_predict_proba_columns('smoke_log', ARRAY['petal_width', 'petal_length', 'sepal_width', 'sepal_length'],
								  petal_width, petal_length, sepal_width, sepal_length) AS p_columns,
	   maas_predict_class('smoke_log', i) AS c_row,
	   maas_predict_class('smoke_log', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS c_array,
	   maas_predict_class((SELECT model FROM maas.models WHERE name = 'smoke_log'),
						  ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS c_bytes,
	   maas_predict_class_columns('smoke_log', ARRAY['petal_width', 'petal_length', 'sepal_width', 'sepal_length'],
								  petal_width, petal_length, sepal_width, sepal_length) AS c_columns,
	   maas_predict('smoke_log', i) AS index
FROM iris i;
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE abs((SELECT sum(v) FROM unnest(p_row) v) - 1) < 1e-12) AS sums_to_1,
	   count(*) FILTER (WHERE p_array = p_row AND p_bytes = p_row AND p_columns = p_row) AS proba_forms_agree,
	   count(*) FILTER (WHERE c_array = c_row AND c_bytes = c_row AND c_columns = c_row) AS class_forms_agree,
	   count(*) FILTER (WHERE c_row = (SELECT c FROM unnest(classes, p_row) u(c, v) ORDER BY v DESC LIMIT 1))
		   AS class_is_most_probable,
	   count(*) FILTER (WHERE classes[index::int + 1] = c_row) AS predict_is_class_index,
	   count(*) FILTER (WHERE c_row = species) > 140 AS accuracy_above_0_93
FROM smoke_log_pred,
	 (SELECT ARRAY(SELECT jsonb_array_elements_text(maas_info('smoke_log')->'target'->'classes')) AS classes) c;

-- maas_predict_support: the planner turns the row forms with a constant
-- name into the columns forms
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
		plan := plan || line || E'\n';
	END LOOP;
	RETURN plan;
END $$;
SELECT pg_temp.plan($$SELECT maas_predict('smoke_lin', d) FROM diabetes d$$)
		   LIKE '%maas_predict_columns(%' AS predict,
	   pg_temp.plan($$SELECT maas_predict_proba('smoke_log', i) FROM iris i$$)
		   LIKE '%maas_predict_proba_columns(%' AS proba,
	   pg_temp.plan($$SELECT maas_predict_class('smoke_log', i) FROM iris i$$)
		   LIKE '%maas_predict_class_columns(%' AS class;

-- maas_evaluate: the metrics of the deployed version on other rows, as
-- computed here from the predictions
SELECT e->'rows' AS rows, e->'version' AS version,
	   abs((e->>'r2')::float8 - (1 - sum((progression - by_row) ^ 2) / sum((progression - avg) ^ 2))) < 1e-9 AS r2,
	   abs((e->>'rmse')::float8 - sqrt(avg((progression - by_row) ^ 2))) < 1e-9 AS rmse,
	   abs((e->>'mae')::float8 - avg(abs(progression - by_row))) < 1e-9 AS mae
FROM smoke_lin_pred, maas_evaluate('smoke_lin', 'diabetes') e,
	 (SELECT avg(progression) AS avg FROM diabetes) a
GROUP BY e;
SELECT e->'rows' AS rows,
	   abs((e->>'accuracy')::float8 - avg((c_row = species)::int)) < 1e-12 AS accuracy,
	   abs((e->>'log_loss')::float8
		   + avg(ln(p_row[array_position(ARRAY['setosa', 'versicolor', 'virginica'], species)]))) < 1e-9 AS log_loss
FROM smoke_log_pred, maas_evaluate('smoke_log', 'SELECT * FROM iris') e
GROUP BY e;

-- maas_explain (row, float8[], bytes): the base plus the contributions is
-- the prediction, the same in every form; a tree's too
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))
								  - maas_predict('smoke_lin', d)) < 1e-9) AS additive,
	   count(*) FILTER (WHERE e = maas_explain('smoke_lin', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])
						  AND e = maas_explain((SELECT model FROM maas.models WHERE name = 'smoke_lin'),
											   ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])) AS forms_agree
FROM diabetes d, maas_explain('smoke_lin', d) e;
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))
								  - (e->>'score')::float8) < 1e-9) AS additive,
	   count(*) FILTER (WHERE e->>'class' = maas_predict_class('smoke_tree', i)) AS class_is_predicted
FROM iris i, maas_explain('smoke_tree', i) e;

-- maas_feature_importance: every feature once, splits adding up to the
-- tree's internal nodes, and iris's petals first
SELECT count(*) AS features,
	   sum(splits) = (maas_info('smoke_tree')->'parameters'->>'nodes')::int
		   - (maas_info('smoke_tree')->'parameters'->>'leaves')::int AS splits_are_internal_nodes,
	   (array_agg(feature ORDER BY gain DESC))[1] LIKE 'petal%' AS petal_first
FROM maas_feature_importance('smoke_tree');

-- maas_deploy and maas_rollback: a second version trained but not
-- deployed, deployed by hand, rolled back
SELECT version, deployed FROM maas_train('smoke_lin', 'linear_regression', 'diabetes', 'progression',
										 '{"features": ["bmi"], "deploy": "never"}');
SELECT maas_deploy('smoke_lin', 2) AS live;
SELECT version AS live, jsonb_array_length(maas_info('smoke_lin')->'feature_names') AS features
FROM maas.deployed WHERE name = 'smoke_lin';
SELECT maas_rollback('smoke_lin') AS live;
SELECT version AS live, jsonb_array_length(maas_info('smoke_lin')->'feature_names') AS features
FROM maas.deployed WHERE name = 'smoke_lin';
SELECT version, rolled_back FROM maas.deployments WHERE name = 'smoke_lin' ORDER BY id;

-- maas_owns, maas_grant, maas_revoke: another role predicts only while granted
CREATE ROLE smoke_role;
GRANT SELECT ON diabetes, iris TO smoke_role;
SELECT maas_predict('smoke_lin', ARRAY[50, 1, 25, 90, 190, 115, 50, 4, 4.6, 90]::float8[]) AS p \gset
SET ROLE smoke_role;
SELECT maas_owns('smoke_role') AS owns_own_role, maas_owns(session_user) AS owns_superuser;
SELECT maas_test.err($$SELECT maas_predict('smoke_lin', ARRAY[50, 1, 25, 90, 190, 115, 50, 4, 4.6, 90]::float8[])$$);
RESET ROLE;
SELECT maas_grant('smoke_lin', 'smoke_role');
SELECT grantee, privilege FROM maas.grants WHERE name = 'smoke_lin';
SET ROLE smoke_role;
SELECT maas_predict('smoke_lin', ARRAY[50, 1, 25, 90, 190, 115, 50, 4, 4.6, 90]::float8[]) = :p AS same_prediction;
RESET ROLE;
SELECT maas_revoke('smoke_lin', 'smoke_role') AS revoked, maas_revoke('smoke_lin', 'smoke_role') AS revoked_again;
SET ROLE smoke_role;
SELECT maas_test.err($$SELECT maas_predict('smoke_lin', ARRAY[50, 1, 25, 90, 190, 115, 50, 4, 4.6, 90]::float8[])$$);

-- maas_reassign: the role's own model goes to another role
SELECT name, version FROM maas_train('smoke_owned', 'logistic_regression', 'iris', 'species');
RESET ROLE;
SELECT owner = 'smoke_role' AS owned_by_role FROM maas.names WHERE name = 'smoke_owned';
SELECT maas_reassign('smoke_role', current_user) AS names_reassigned;
SELECT owner = current_user AS owned_by_superuser FROM maas.names WHERE name = 'smoke_owned';

-- maas_drop: one version, then a whole name
SELECT maas_drop('smoke_lin', 2) AS dropped;
SELECT array_agg(version) AS versions FROM maas.models WHERE name = 'smoke_lin';
SELECT maas_drop('smoke_owned') AS dropped;
SELECT count(*) AS models, (SELECT count(*) FROM maas.names WHERE name = 'smoke_owned') AS names
FROM maas.models WHERE name = 'smoke_owned';
REVOKE SELECT ON diabetes, iris FROM smoke_role;
DROP ROLE smoke_role;

-- maas_fit: least squares over every row is scikit-learn's (data/diabetes.csv,
-- LinearRegression: intercept -334.5671385187869, bmi 5.602962091923722,
-- s5 68.48312496478825); with params it is maas_train's with the same
CREATE TEMP TABLE smoke_fit AS
SELECT maas_fit('linear_regression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression) AS ols,
	   maas_fit('linear_regression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression,
				'{"l2": 10}') AS ridge
FROM diabetes;
SELECT abs((p->>'intercept')::float8 + 334.5671385187869) < 1e-9 * 334.6 AS intercept,
	   abs((p->'coefficients'->>'features[3]')::float8 - 5.602962091923722) < 1e-9 * 5.6 AS bmi,
	   abs((p->'coefficients'->>'features[9]')::float8 - 68.48312496478825) < 1e-9 * 68.5 AS s5
FROM (SELECT maas_info(ols)->'parameters' AS p FROM smoke_fit) f;
SELECT name, version FROM maas_train('smoke_ridge', 'linear_regression', 'diabetes', 'progression',
									 '{"l2": 10, "test_size": 0}');
SELECT abs((maas_info(ridge)->'parameters'->>'intercept')::float8
		   - (maas_info('smoke_ridge')->'parameters'->>'intercept')::float8) < 1e-9 * 300 AS ridge_is_maas_train,
	   abs((maas_info(ridge)->'parameters'->>'intercept')::float8
		   - (maas_info(ols)->'parameters'->>'intercept')::float8) > 1 AS ridge_is_not_ols
FROM smoke_fit;

-- maas_fit_partial and maas_fit_merge: states of two halves merge into the
-- model of the whole, with and without params
CREATE TEMP TABLE smoke_parts AS
SELECT sex,
	   maas_fit_partial('linear_regression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression) AS ols,
	   maas_fit_partial('linear_regression', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression,
						'{"l2": 10}') AS ridge
FROM diabetes GROUP BY sex;
SELECT count(*) AS parts, (SELECT count(DISTINCT sex) FROM diabetes) AS groups,
	   bool_and(maas_test.err(format('SELECT maas_info(%L::bytea)', ols)) LIKE 'XX001 %') AS a_state_is_not_a_model
FROM smoke_parts;
SELECT (SELECT max(abs(a.value::float8 - (maas_info(f.ols)->'parameters'->'coefficients'->>a.key)::float8))
		FROM jsonb_each_text(maas_info(m.ols)->'parameters'->'coefficients') a) < 1e-9 AS ols_merged,
	   (SELECT max(abs(a.value::float8 - (maas_info(f.ridge)->'parameters'->'coefficients'->>a.key)::float8))
		FROM jsonb_each_text(maas_info(m.ridge)->'parameters'->'coefficients') a) < 1e-9 AS ridge_merged
FROM (SELECT maas_fit_merge(ols) AS ols, maas_fit_merge(ridge) AS ridge FROM smoke_parts) m, smoke_fit f;

-- maas_usage (and the maas.usage view): training runs since the reset at
-- the top, and exactly the predictions of one query after another reset
SELECT model, sum(training_runs) AS training_runs FROM maas.usage
WHERE model LIKE 'smoke%' AND database = current_database() AND role = current_user
GROUP BY model ORDER BY model;
SELECT maas_usage_reset();
SELECT count(maas_predict('smoke_lin', d)) AS predicted FROM diabetes d;
SELECT model, predictions, training_runs FROM maas_usage()
WHERE model LIKE 'smoke%' AND database = current_database();
SELECT maas_usage_reset();
SELECT count(*) AS entries FROM maas_usage() WHERE model LIKE 'smoke%';
