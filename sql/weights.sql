-- Weights for random_forest and mlp (issue 11): sample_weight and
-- class_weight, as scikit-learn's weighted forests where they are
-- deterministic (test/reference/weights_reference.py), and a row of weight
-- k training as k copies of it where no peer takes weights.
SET client_min_messages = warning;
CREATE TEMP TABLE wt_wine (LIKE wine, rid int GENERATED ALWAYS AS IDENTITY);
\copy wt_wine (alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols, flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue, od280_od315_of_diluted_wines, proline, cultivar) FROM 'data/wine.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE wt_diabetes (LIKE diabetes, rid int GENERATED ALWAYS AS IDENTITY);
\copy wt_diabetes (age, sex, bmi, bp, s1, s2, s3, s4, s5, s6, progression) FROM 'data/diabetes.csv' (FORMAT csv, HEADER)
CREATE TEMP VIEW wt_diab_w AS SELECT *, 1 + rid % 3 AS w FROM wt_diabetes;
CREATE TEMP TABLE wt_ref (case_ text, rid int, output int, value float8);
\copy wt_ref FROM 'test/reference/weights_reference.csv' (FORMAT csv, HEADER)
CREATE FUNCTION pg_temp.vs_ref(case_name text, rid int, got float8[])
RETURNS float8 LANGUAGE sql AS $$
	SELECT max(abs(g.v - r.value)) FROM unnest(got) WITH ORDINALITY g(v, i)
	JOIN wt_ref r ON r.case_ = case_name AND r.rid = $2 AND r.output = g.i - 1
$$;
RESET client_min_messages;

-- random_forest without bootstrap, every feature at each split: each tree
-- is the weighted decision tree, as scikit-learn's forest
SELECT name, rows_trained FROM maas_train('wt_rf_wine', 'random_forest', 'wt_wine', 'cultivar',
	'{"class_weight": "balanced", "exclude": ["rid"], "test_size": 0, "n_estimators": 3,
	  "bootstrap": false, "max_features": 1.0, "max_depth": 4, "task": "classification"}');
SELECT name, rows_trained FROM maas_train('wt_rf_diab', 'random_forest', 'wt_diab_w', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "n_estimators": 3,
	  "bootstrap": false, "max_features": 1.0, "max_depth": 4}');
SELECT 'rf_wine' AS fit, count(*) AS rows,
	   max(pg_temp.vs_ref('rf_wine', rid, maas_predict_proba('wt_rf_wine', w))) < 1e-6 AS within_1e6
FROM wt_wine w
UNION ALL
SELECT 'rf_diab', count(*), max(pg_temp.vs_ref('rf_diab', rid, ARRAY[maas_predict('wt_rf_diab', d)])) < 1e-6
FROM wt_diabetes d;

-- with bootstrap, weights multiply the draw counts: a weight changes the
-- forest, the same seed gives the same bytes at any maas.threads
SET client_min_messages = warning;
SET maas.threads = 1;
SELECT maas_train('wt_rf_boot1', 'random_forest', 'wt_diab_w', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "n_estimators": 20, "max_depth": 4}') IS NOT NULL AS trained;
SET maas.threads = 2;
SELECT maas_train('wt_rf_boot2', 'random_forest', 'wt_diab_w', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "n_estimators": 20, "max_depth": 4}') IS NOT NULL AS trained;
SELECT maas_train('wt_rf_boot0', 'random_forest', 'wt_diab_w', 'progression',
	'{"exclude": ["rid", "w"], "test_size": 0, "n_estimators": 20, "max_depth": 4}') IS NOT NULL AS trained;
RESET maas.threads;
RESET client_min_messages;
SELECT count(DISTINCT md5(model)) AS distinct_models FROM maas.models WHERE name IN ('wt_rf_boot1', 'wt_rf_boot2');
SELECT (SELECT md5(model) FROM maas.models WHERE name = 'wt_rf_boot1') <>
	   (SELECT md5(model) FROM maas.models WHERE name = 'wt_rf_boot0') AS weights_change_the_forest;

-- mlp: a row of weight k is k copies of it.  One batch of all the rows (so
-- the order of the rows is only the order of a sum), the inputs
-- standardized with the weights: the same network to rounding.
SET client_min_messages = warning;
SELECT maas_train('wt_mlp', 'mlp', 'wt_diab_w', 'progression',
	'{"sample_weight": "w", "exclude": ["rid"], "test_size": 0, "batch_size": 442, "epochs": 60,
	  "learning_rate": 0.01, "layers": [{"units": 8}]}') IS NOT NULL AS trained;
SELECT maas_train('wt_mlp_rep', 'mlp', 'SELECT d.* FROM wt_diab_w d, generate_series(1, w) ORDER BY rid', 'progression',
	'{"exclude": ["rid", "w"], "test_size": 0, "batch_size": 884, "epochs": 60,
	  "learning_rate": 0.01, "layers": [{"units": 8}]}') IS NOT NULL AS trained;
SELECT maas_train('wt_mlp_wine', 'mlp', 'wt_wine', 'cultivar',
	'{"class_weight": {"0": 3, "2": 2}, "exclude": ["rid"], "test_size": 0, "batch_size": 178, "epochs": 40,
	  "learning_rate": 0.01, "layers": [{"units": 6}], "task": "classification"}') IS NOT NULL AS trained;
SELECT maas_train('wt_mlp_wine_rep', 'mlp',
	'SELECT w.* FROM wt_wine w, generate_series(1, CASE cultivar WHEN 0 THEN 3 WHEN 2 THEN 2 ELSE 1 END) ORDER BY rid',
	'cultivar', '{"exclude": ["rid"], "test_size": 0, "batch_size": 344, "epochs": 40,
	  "learning_rate": 0.01, "layers": [{"units": 6}], "task": "classification"}') IS NOT NULL AS trained;
RESET client_min_messages;
SELECT max(abs(maas_predict('wt_mlp', d) - maas_predict('wt_mlp_rep', d)) / 100) < 1e-4 AS regression_as_copies,
	   (SELECT max(abs(a - b)) < 1e-4 FROM wt_wine w,
			unnest(maas_predict_proba('wt_mlp_wine', w), maas_predict_proba('wt_mlp_wine_rep', w)) u(a, b)) AS classes_as_copies
FROM wt_diabetes d;
-- and the weights matter: unweighted, the network differs
SELECT maas_train('wt_mlp_none', 'mlp', 'wt_diab_w', 'progression',
	'{"exclude": ["rid", "w"], "test_size": 0, "batch_size": 442, "epochs": 60,
	  "learning_rate": 0.01, "layers": [{"units": 8}]}') IS NOT NULL AS trained;
SELECT max(abs(maas_predict('wt_mlp', d) - maas_predict('wt_mlp_none', d))) > 0.1 AS weights_matter
FROM wt_diabetes d;
