-- maas_train's splits (stratified, by time, by group) and maas_tune
-- (cross-validated search) give scikit-learn's answers.  Reference numbers:
-- test/reference/tune_reference.csv, written by
-- test/reference/tune_reference.py (GridSearchCV with KFold,
-- StratifiedKFold, GroupKFold, TimeSeriesSplit and PredefinedSplit, all
-- without shuffling, on the data files in file order).  Scores must agree
-- to 1e-6; every check prints TRUE only within its tolerance.
SET maas.progress_interval = 0;
CREATE TEMP TABLE ref (case_ text, trial int, fold int, value float8);
\copy ref FROM 'test/reference/tune_reference.csv' (FORMAT csv, HEADER)

-- the data files again, rid = row of the file (COPY numbers them in order)
CREATE TEMP TABLE q_diabetes (LIKE diabetes, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_diabetes (age, sex, bmi, bp, s1, s2, s3, s4, s5, s6, progression) FROM 'data/diabetes.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_iris (LIKE iris, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_iris (sepal_length, sepal_width, petal_length, petal_width, species) FROM 'data/iris.csv' (FORMAT csv, HEADER)

-- largest difference between maas.trials and the reference, per case
CREATE FUNCTION pg_temp.trials_vs_ref(model text, case_name text)
RETURNS TABLE (compared bigint, max_fold_diff float8, max_mean_diff float8,
			   max_std_diff float8, same_best boolean)
LANGUAGE sql AS $$
	WITH t AS (SELECT * FROM maas.trials WHERE name = model),
	folds AS (
		SELECT abs(t.scores[r.fold + 1] - r.value) AS d
		FROM t JOIN ref r ON r.case_ = case_name AND r.trial = t.trial AND r.fold >= 0)
	SELECT (SELECT count(*) FROM folds),
		   (SELECT max(d) FROM folds),
		   (SELECT max(abs(t.mean_score - r.value)) FROM t JOIN ref r
			 ON r.case_ = case_name AND r.trial = t.trial AND r.fold = -1),
		   (SELECT max(abs(t.std_score - r.value)) FROM t JOIN ref r
			 ON r.case_ = case_name AND r.trial = t.trial AND r.fold = -2),
		   (SELECT bool_and(t.best = (r.value = 1)) FROM t JOIN ref r
			 ON r.case_ = case_name AND r.trial = t.trial AND r.fold = -3)
$$;

-- 1. splits in maas_train
-- by time: the latest 20% by rid held out (89 of 442), as LinearRegression
-- fitted on the first 353 rows scores them
SELECT rows_trained, metrics->'rows' AS held_out
FROM maas_train('tune_time', 'linear_regression', 'q_diabetes', 'progression',
				'{"split": {"order_by": "rid"}}');
SELECT m.metrics->>'evaluated_on' AS on,
	   abs((m.metrics->>'r2')::float8 - r2.value) < 1e-9 AS r2_ok,
	   abs((m.metrics->>'rmse')::float8 - rmse.value) < 1e-7 AS rmse_ok,
	   abs((m.metrics->>'mae')::float8 - mae.value) < 1e-7 AS mae_ok,
	   m.params->'split' AS split,
	   m.features @? '$[*] ? (@.name == "rid")' AS rid_is_a_feature
FROM maas.models m, ref r2, ref rmse, ref mae
WHERE m.name = 'tune_time' AND r2.case_ = 'split_time' AND r2.fold = 1
  AND rmse.case_ = 'split_time' AND rmse.fold = 2 AND mae.case_ = 'split_time' AND mae.fold = 3;
-- the held-out rows are the latest ones: the model scores them as maas_evaluate does
SELECT abs((maas_evaluate('tune_time', 'SELECT * FROM q_diabetes WHERE rid > 353')->>'r2')::float8
		   - (metrics->>'r2')::float8) < 1e-12 AS same_rows
FROM maas.models WHERE name = 'tune_time';

-- stratified: wine's classes 59 / 71 / 48, 36 held out as 12 / 14 / 10
-- (the training counts naive Bayes keeps are 47 / 57 / 38)
SELECT rows_trained, metrics->'rows' AS held_out
FROM maas_train('tune_strat', 'naive_bayes', 'wine', 'cultivar', '{"split": "stratified"}');
SELECT array_agg((c->>'count')::int ORDER BY c->>'class') AS train_counts
FROM maas.models, jsonb_array_elements(maas_info(model)->'parameters'->'classes') c
WHERE name = 'tune_strat';
-- another seed draws other rows, with the same counts
SELECT rows_trained, metrics->'rows' AS held_out
FROM maas_train('tune_strat', 'naive_bayes', 'wine', 'cultivar', '{"split": "stratified", "seed": 7}');

-- by group: penguins by island (168 / 124 / 52 rows); test_size 0.3 of 3
-- islands holds one whole island out
SELECT rows_trained + (metrics->>'rows')::int AS all_rows,
	   (metrics->>'rows')::int IN (168, 124, 52) AS one_whole_island
FROM maas_train('tune_group', 'logistic_regression', 'penguins', 'species',
				'{"split": {"group_by": "island"}, "test_size": 0.3}');
-- the held-out island is the one the stored metrics were computed on
SELECT abs((maas_evaluate('tune_group',
			format('SELECT * FROM penguins WHERE island = %L',
				   (SELECT island FROM penguins GROUP BY island
					HAVING count(*) = (m.metrics->>'rows')::int)))->>'accuracy')::float8
		   - (m.metrics->>'accuracy')::float8) < 1e-12 AS same_rows,
	   m.features @? '$[*] ? (@.name == "island")' AS island_is_a_feature
FROM maas.models m WHERE name = 'tune_group';

-- the MLP reads float rows: they are made after the split
SELECT rows_trained, metrics->'rows' AS held_out
FROM maas_train('tune_mlp', 'mlp', 'q_diabetes', 'progression',
				'{"split": {"order_by": "rid"}, "epochs": 3}');

-- 2. maas_tune against GridSearchCV, fold for fold
-- KFold(5) over rows in order (regression's folds), r2
SELECT name, version, algorithm, setting, scoring, trials, deployed
FROM maas_tune('tune_ridge', 'linear_regression', 'SELECT * FROM q_diabetes ORDER BY rid',
			   'progression', '{"grid": {"l2": [0.01, 0.1, 1, 10, 100]}, "folds": 5}',
			   '{"exclude": ["rid"]}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_ridge', 'ridge_kfold');
-- the stored version is the best setting refit on every row: as maas_train on all rows
SELECT maas_train('tune_ridge_all', 'linear_regression', 'SELECT * FROM q_diabetes ORDER BY rid',
				  'progression', '{"exclude": ["rid"], "l2": 0.01, "test_size": 0}') IS NOT NULL AS trained;
SELECT a.model = b.model AS same_model_bytes, a.params->'l2' AS l2,
	   a.metrics->>'evaluated_on' AS evaluated_on, a.metrics->'folds' AS folds,
	   abs((a.metrics->>'r2')::float8 - t.mean_score) < 1e-12 AS metrics_are_fold_means
FROM maas.models a, maas.models b, maas.trials t
WHERE a.name = 'tune_ridge' AND b.name = 'tune_ridge_all' AND t.name = 'tune_ridge' AND t.best;

-- forward chaining (TimeSeriesSplit(4) by rid), rmse: lower is better
SELECT setting, scoring, trials
FROM maas_tune('tune_ridge_time', 'linear_regression', 'q_diabetes', 'progression',
			   '{"grid": {"l2": [0.01, 0.1, 1, 10, 100]}, "folds": {"k": 4, "order_by": "rid"}, "scoring": "rmse"}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_ridge_time', 'ridge_time');

-- explicit folds (PredefinedSplit(rid % 4)), mae
SELECT setting, scoring, trials
FROM maas_tune('tune_ridge_col', 'linear_regression',
			   'SELECT *, rid % 4 AS fold FROM q_diabetes', 'progression',
			   '{"grid": {"l2": [0.01, 0.1, 1, 10, 100]}, "folds": {"column": "fold"}, "scoring": "mae"}',
			   '{"exclude": ["rid"]}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_ridge_col', 'ridge_column');

-- StratifiedKFold(5) (classification's folds), accuracy, then log loss
SELECT setting, scoring, trials
FROM maas_tune('tune_logit', 'logistic_regression', 'SELECT * FROM q_iris ORDER BY rid', 'species',
			   '{"grid": {"C": [0.01, 0.1, 1, 10]}, "scoring": "accuracy"}',
			   '{"exclude": ["rid"], "tol": 1e-12, "max_iter": 100000}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_logit', 'logit_strat');
SELECT setting, scoring, trials
FROM maas_tune('tune_logloss', 'logistic_regression', 'SELECT * FROM q_iris ORDER BY rid', 'species',
			   '{"grid": {"C": [0.01, 0.1, 1, 10]}, "scoring": "log_loss"}',
			   '{"exclude": ["rid"], "tol": 1e-12, "max_iter": 100000}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_logloss', 'logit_logloss');

-- GroupKFold(3), groups (rid - 1) % 7
SELECT setting, scoring, trials
FROM maas_tune('tune_logit_group', 'logistic_regression',
			   'SELECT *, (rid - 1) % 7 AS grp FROM q_iris ORDER BY rid', 'species',
			   '{"grid": {"C": [0.01, 0.1, 1, 10]}, "folds": {"k": 3, "group_by": "grp"}}',
			   '{"exclude": ["rid"], "tol": 1e-12, "max_iter": 100000}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_logit_group', 'logit_group');

-- 3. several algorithms, random search, successive halving
SELECT algorithm, scoring, trials
FROM maas_tune('tune_many', NULL, 'iris', 'species',
			   '{"algorithms": [{"algorithm": "logistic_regression", "grid": {"C": [0.1, 1]}},
								"naive_bayes",
								{"algorithm": "decision_tree", "random": {"max_depth": {"randint": [1, 4]}}, "trials": 3}],
				 "folds": 3}');
SELECT trial, algorithm, round, rows, best, array_length(scores, 1) AS folds
FROM maas.trials WHERE name = 'tune_many' ORDER BY trial;
-- the random draws are within their bounds and repeat with the seed
SELECT bool_and((setting->>'max_depth')::int BETWEEN 1 AND 4) AS within
FROM maas.trials WHERE name = 'tune_many' AND algorithm = 'decision_tree';
-- halving: 9 settings, factor 3: 9 on a subset, the best 3 on more rows, 1 on all
SELECT trials FROM maas_tune('tune_halving', 'logistic_regression', 'iris', 'species',
	'{"random": {"C": {"loguniform": [0.001, 100]}}, "trials": 9, "halving": true, "seed": 3}');
SELECT round, count(*) AS settings, min(rows) AS rows
FROM maas.trials WHERE name = 'tune_halving' GROUP BY round ORDER BY round;
SELECT t.best AND t.round = 3 AS best_is_last, (m.params->>'C')::float8 = (t.setting->>'C')::float8 AS stored
FROM maas.trials t JOIN maas.models m USING (name, version) WHERE name = 'tune_halving' AND t.best;

-- 4. privileges: the trials of a version are visible with it in
-- maas.models (to the roles acting as the name's owner)
CREATE ROLE tune_other;
CREATE ROLE tune_member IN ROLE tune_other;
GRANT SELECT ON q_diabetes TO tune_other;
SET ROLE tune_other;
SELECT (SELECT count(*) FROM maas.models) AS models, (SELECT count(*) FROM maas.trials) AS trials;
SELECT trials FROM maas_tune('tune_theirs', 'linear_regression', 'q_diabetes', 'progression',
							 '{"grid": {"l2": [1, 10]}, "folds": 3}', '{"exclude": ["rid"]}');
SELECT (SELECT count(*) FROM maas.models) AS models, (SELECT count(*) FROM maas.trials) AS trials;
SET ROLE tune_member;
SELECT (SELECT count(*) FROM maas.models) AS models, (SELECT count(*) FROM maas.trials) AS trials;
RESET ROLE;
-- the caller's privileges read the source: another role cannot read q_diabetes
CREATE ROLE tune_stranger;
SET ROLE tune_stranger;
SELECT maas_test.err($$SELECT maas_tune('tune_x', 'linear_regression', 'q_diabetes', 'progression', '{"folds": 3}')$$);
RESET ROLE;
DROP ROLE tune_stranger;
-- dropping the version drops its trials
SELECT maas_drop('tune_ridge');
SELECT count(*) AS left FROM maas.trials WHERE name = 'tune_ridge';
SELECT maas_drop('tune_theirs');
REVOKE ALL ON q_diabetes FROM tune_other;
DROP ROLE tune_member;
DROP ROLE tune_other;

-- 6. weights: sample_weight (a column) and class_weight ("balanced" or a
-- map) in linear and logistic regression, as scikit-learn's weighted fits
CREATE TEMP TABLE q_wine (LIKE wine, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_wine (alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols, flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue, od280_od315_of_diluted_wines, proline, cultivar) FROM 'data/wine.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_cancer (LIKE breast_cancer, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_cancer (mean_radius, mean_texture, mean_perimeter, mean_area, mean_smoothness, mean_compactness, mean_concavity, mean_concave_points, mean_symmetry, mean_fractal_dimension, radius_error, texture_error, perimeter_error, area_error, smoothness_error, compactness_error, concavity_error, concave_points_error, symmetry_error, fractal_dimension_error, worst_radius, worst_texture, worst_perimeter, worst_area, worst_smoothness, worst_compactness, worst_concavity, worst_concave_points, worst_symmetry, worst_fractal_dimension, malignant) FROM 'data/breast_cancer.csv' (FORMAT csv, HEADER)
CREATE TEMP VIEW w_diabetes AS SELECT *, 1 + rid % 3 AS w FROM q_diabetes;
CREATE TEMP VIEW w_iris AS SELECT *, 1 + rid % 3 AS w FROM q_iris;
-- the largest difference between predictions (value or probabilities) and the reference
CREATE FUNCTION pg_temp.rows_vs_ref(case_name text, rid int, got float8[])
RETURNS float8 LANGUAGE sql AS $$
	SELECT max(abs(g.v - r.value)) FROM unnest(got) WITH ORDINALITY g(v, i)
	JOIN ref r ON r.case_ = case_name AND r.trial = rid AND r.fold = g.i - 1
$$;
SELECT name, rows_trained FROM maas_train('tune_w_linear', 'linear_regression', 'w_diabetes', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0}');
SELECT name, rows_trained FROM maas_train('tune_w_ridge', 'linear_regression', 'w_diabetes', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "l2": 10}');
SELECT name, rows_trained FROM maas_train('tune_w_wine', 'logistic_regression', 'q_wine', 'cultivar',
	'{"class_weight": "balanced", "exclude": ["rid"], "test_size": 0, "tol": 1e-10}');
SELECT name, rows_trained FROM maas_train('tune_w_iris', 'logistic_regression', 'w_iris', 'species',
	'{"class_weight": {"setosa": 2, "virginica": 0.5}, "sample_weight": "w", "exclude": ["rid"], "test_size": 0, "tol": 1e-10}');
SELECT name, rows_trained FROM maas_train('tune_w_cancer', 'logistic_regression', 'q_cancer', 'malignant',
	'{"class_weight": "balanced", "exclude": ["rid"], "test_size": 0, "tol": 1e-10}');
SELECT name, rows_trained FROM maas_train('tune_w_tree_wine', 'decision_tree', 'q_wine', 'cultivar',
	'{"class_weight": "balanced", "exclude": ["rid"], "test_size": 0, "max_depth": 4, "task": "classification"}');
SELECT name, rows_trained FROM maas_train('tune_w_tree_diab', 'decision_tree', 'w_diabetes', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "max_depth": 4}');
SELECT 'w_tree_wine' AS fit, count(*) AS rows,
	   max(pg_temp.rows_vs_ref('w_tree_wine', rid, maas_predict_proba('tune_w_tree_wine', w))) < 1e-6 AS within_1e6
FROM q_wine w
UNION ALL
SELECT 'w_tree_diab', count(*), max(pg_temp.rows_vs_ref('w_tree_diab', rid, ARRAY[maas_predict('tune_w_tree_diab', d)])) < 1e-6
FROM q_diabetes d;
SELECT 'w_linear' AS fit, count(*) AS rows,
	   max(pg_temp.rows_vs_ref('w_linear', rid, ARRAY[maas_predict('tune_w_linear', d)])) < 1e-6 AS within_1e6
FROM q_diabetes d
UNION ALL
SELECT 'w_ridge', count(*), max(pg_temp.rows_vs_ref('w_ridge', rid, ARRAY[maas_predict('tune_w_ridge', d)])) < 1e-6
FROM q_diabetes d
UNION ALL
SELECT 'w_wine', count(*), max(pg_temp.rows_vs_ref('w_wine', rid, maas_predict_proba('tune_w_wine', w))) < 1e-6
FROM q_wine w
UNION ALL
SELECT 'w_iris', count(*), max(pg_temp.rows_vs_ref('w_iris', rid, maas_predict_proba('tune_w_iris', i))) < 1e-6
FROM q_iris i
UNION ALL
SELECT 'w_cancer', count(*), max(pg_temp.rows_vs_ref('w_cancer', rid, maas_predict_proba('tune_w_cancer', c))) < 1e-6
FROM q_cancer c;
-- gradient_boosting: a row of weight k is k copies of it (XGBoost's
-- weights): the same model as on the rows repeated, to rounding (every
-- distinct value has a bin of its own on both sides)
SELECT name, rows_trained FROM maas_train('tune_w_gb', 'gradient_boosting', 'w_diabetes', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "n_estimators": 20, "max_bin": 1024}');
SELECT name, rows_trained FROM maas_train('tune_w_gb_rep', 'gradient_boosting',
	'SELECT d.* FROM w_diabetes d, generate_series(1, w) ORDER BY rid', 'progression',
	'{"exclude": ["rid", "w"], "test_size": 0, "n_estimators": 20, "max_bin": 1024}');
SELECT name, rows_trained FROM maas_train('tune_w_gb_iris', 'gradient_boosting', 'q_iris', 'species',
	'{"class_weight": {"setosa": 3, "virginica": 2}, "exclude": ["rid"], "test_size": 0, "n_estimators": 10}');
SELECT name, rows_trained FROM maas_train('tune_w_gb_iris_rep', 'gradient_boosting',
	$$SELECT i.* FROM q_iris i, generate_series(1, CASE species WHEN 'setosa' THEN 3 WHEN 'virginica' THEN 2 ELSE 1 END) ORDER BY rid$$,
	'species', '{"exclude": ["rid"], "test_size": 0, "n_estimators": 10}');
SELECT max(abs(maas_predict('tune_w_gb', d) - maas_predict('tune_w_gb_rep', d))) < 1e-9 AS regression_same,
	   (SELECT max(abs(a - b)) < 1e-9 FROM q_iris i,
			unnest(maas_predict_proba('tune_w_gb_iris', i), maas_predict_proba('tune_w_gb_iris_rep', i)) u(a, b)) AS multiclass_same
FROM q_diabetes d;
-- the weights are kept with the version's params; the weight column is no feature
SELECT params->'sample_weight' AS sample_weight, params->'class_weight' AS class_weight,
	   features @? '$[*] ? (@.name == "w")' AS w_is_a_feature
FROM maas.models WHERE name = 'tune_w_iris';
-- weighted folds: each fold's fit weighted (GridSearchCV's fit params), its scores not
SELECT setting FROM maas_tune('tune_w_kfold', 'linear_regression', 'SELECT * FROM w_diabetes ORDER BY rid',
	'progression', '{"grid": {"l2": [0.01, 0.1, 1, 10, 100]}}', '{"sample_weight": "w", "exclude": ["rid"]}');
SELECT compared, max_fold_diff < 1e-6 AS folds_ok, max_mean_diff < 1e-6 AS mean_ok,
	   max_std_diff < 1e-6 AS std_ok, same_best
FROM pg_temp.trials_vs_ref('tune_w_kfold', 'ridge_weighted');
-- weights follow the rows through a split: the time split trains on rows 1..353 with theirs
SELECT rows_trained FROM maas_train('tune_w_time', 'linear_regression', 'w_diabetes', 'progression',
	'{"sample_weight": "w", "split": {"order_by": "rid"}}');
SELECT rows_trained FROM maas_train('tune_w_time_check', 'linear_regression',
	'SELECT * FROM w_diabetes WHERE rid <= 353', 'progression', '{"sample_weight": "w", "exclude": ["rid"], "test_size": 0}');
SELECT a.model = b.model AS same_model_bytes
FROM maas.models a, maas.models b WHERE a.name = 'tune_w_time' AND b.name = 'tune_w_time_check';
-- maas_tune called once per output column ((f()).*) runs each call in its own memory
SELECT (maas_tune('tune_star', 'linear_regression', 'diabetes', 'progression', '{"folds": 3}')).trials;
SELECT name, algorithm, trials FROM (SELECT (maas_tune('tune_star', 'linear_regression', 'diabetes', 'progression', '{"folds": 3}')).*) t;

-- 5. README's examples, as written there
CREATE TEMP VIEW diabetes_by_day AS
SELECT age, sex, bmi, bp, s1, s2, s3, s4, s5, s6, progression,
	   date '2024-01-01' + rid AS visited_on
FROM q_diabetes;
SELECT version, rows_trained FROM maas_train('cultivar', 'naive_bayes', 'wine', 'cultivar', '{"split": "random"}');
SELECT version, rows_trained FROM maas_train('cultivar', 'naive_bayes', 'wine', 'cultivar', '{"split": "stratified"}');
SELECT version, rows_trained, metrics->'rows' AS held_out
FROM maas_train('progression', 'linear_regression', 'diabetes_by_day', 'progression',
                  '{"split": {"order_by": "visited_on"}}');
SELECT version, rows_trained + (metrics->>'rows')::int AS all_rows
FROM maas_train('species', 'logistic_regression', 'penguins', 'species',
                  '{"split": {"group_by": "island"}, "test_size": 0.3}');
SELECT version, setting, scoring, mean_score, std_score, trials
FROM maas_tune('species', 'logistic_regression', 'iris', 'species',
               '{"grid": {"C": [0.01, 0.1, 1, 10]}, "folds": 5, "scoring": "accuracy"}');
SELECT algorithm, setting, mean_score
FROM maas_tune('species', NULL, 'iris', 'species',
               '{"algorithms": [{"algorithm": "logistic_regression", "random": {"C": {"loguniform": [0.001, 100]}}, "trials": 6},
                                "naive_bayes",
                                {"algorithm": "decision_tree", "grid": {"max_depth": [2, 3, 4]}}],
                 "halving": true, "folds": 3}');
SELECT count(*) AS trials, count(*) FILTER (WHERE best) AS best
FROM (SELECT trial, algorithm, setting, round, rows, scores, mean_score, best
	  FROM maas.trials WHERE name = 'species' ORDER BY version, trial) t;
SELECT (maas_tune('progression', 'linear_regression', 'diabetes_by_day', 'progression',
                  '{"grid": {"l2": [0.1, 1, 10]}, "folds": {"k": 4, "order_by": "visited_on"}, "scoring": "rmse"}')).trials;
SELECT (maas_train('species', 'logistic_regression', 'iris', 'species',
                  '{"class_weight": {"setosa": 2, "virginica": 0.5}}')).version;
SELECT (maas_train('churn', 'logistic_regression', 'wa_churn', 'churn',
                  '{"class_weight": "balanced"}')).version;
SELECT maas_drop('cultivar'), maas_drop('progression'), maas_drop('species'), maas_drop('churn');
