-- Evaluation you can look at: maas_evaluate's confusion matrix, per-class
-- report and residual quantiles, and the ROC, precision-recall and
-- calibration curves, against scikit-learn on the same scores
-- (test/reference/evaluation_reference.py writes the reference files).
SET extra_float_digits = 0;
SET client_min_messages = warning;
SELECT maas_train('ev_logit', 'logistic_regression', 'breast_cancer', 'malignant', '{"test_size": 0}') IS NOT NULL AS trained;
SELECT maas_train('ev_tree', 'decision_tree', 'breast_cancer', 'malignant', '{"test_size": 0, "max_depth": 3}') IS NOT NULL AS trained;
SELECT maas_train('ev_iris', 'logistic_regression', 'iris', 'species', '{"test_size": 0}') IS NOT NULL AS trained;
SELECT maas_train('ev_lin', 'linear_regression', 'diabetes', 'progression', '{"test_size": 0}') IS NOT NULL AS trained;
RESET client_min_messages;

CREATE TEMP TABLE ref_scores (model text, rid int, label text, score float8);
\copy ref_scores FROM 'test/reference/evaluation_scores.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE ref_curves (model text, curve text, i int, threshold float8, a float8, b float8, c bigint);
\copy ref_curves FROM 'test/reference/evaluation_curves.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE ref_report (model text, key text, value float8);
\copy ref_report FROM 'test/reference/evaluation_report.csv' (FORMAT csv, HEADER)

-- the reference is of these very scores: a model that scores otherwise
-- needs the script run again (same multiset of scores, to rounding)
WITH mine AS (
	SELECT 'ev_logit' AS model, (maas_predict_proba('ev_logit', t))[2] AS score FROM breast_cancer t
	UNION ALL SELECT 'ev_tree', (maas_predict_proba('ev_tree', t))[2] FROM breast_cancer t
	UNION ALL SELECT 'ev_iris', (maas_predict_proba('ev_iris', t))[3] FROM iris t
	UNION ALL SELECT 'ev_lin', maas_predict('ev_lin', t) FROM diabetes t),
ranked AS (SELECT model, score, row_number() OVER (PARTITION BY model ORDER BY score) AS k FROM mine),
ref AS (SELECT model, score, row_number() OVER (PARTITION BY model ORDER BY score) AS k FROM ref_scores)
SELECT r.model, count(*) AS rows, max(abs(m.score - r.score)) < 1e-9 AS same_scores
FROM ref r LEFT JOIN ranked m USING (model, k)
GROUP BY r.model ORDER BY r.model;

-- ROC: every threshold, rate and count as roc_curve (drop_intermediate)
WITH mine AS (
	SELECT 'ev_logit' AS model, * FROM maas_roc_curve('ev_logit', 'breast_cancer') WITH ORDINALITY
	UNION ALL SELECT 'ev_tree', * FROM maas_roc_curve('ev_tree', 'breast_cancer') WITH ORDINALITY
	UNION ALL SELECT 'ev_iris', * FROM maas_roc_curve('ev_iris', 'iris', 'virginica') WITH ORDINALITY)
SELECT coalesce(m.model, r.model) AS model, count(*) AS points, count(r.i) AS matched,
	   bool_and(m.threshold = r.threshold OR abs(m.threshold - r.threshold) < 1e-12) AS thresholds,
	   bool_and(abs(m.tpr - r.a) < 1e-12 AND abs(m.fpr - r.b) < 1e-12) AS rates,
	   bool_and(m.tp = r.c) AS counts
FROM mine m FULL JOIN (SELECT * FROM ref_curves WHERE curve = 'roc') r
	ON r.model = m.model AND r.i = m.ordinality
GROUP BY 1 ORDER BY 1;

-- the first points of the tree's curve: Infinity, then the leaves' scores
SELECT round(threshold::numeric, 6) AS threshold, round(tpr::numeric, 6) AS tpr,
	   round(fpr::numeric, 6) AS fpr, tp, fp
FROM maas_roc_curve('ev_tree', 'breast_cancer');

-- precision-recall: as precision_recall_curve, ending at (1, 0) without a threshold
WITH mine AS (
	SELECT 'ev_logit' AS model, * FROM maas_pr_curve('ev_logit', 'breast_cancer') WITH ORDINALITY
	UNION ALL SELECT 'ev_tree', * FROM maas_pr_curve('ev_tree', 'breast_cancer') WITH ORDINALITY
	UNION ALL SELECT 'ev_iris', * FROM maas_pr_curve('ev_iris', 'iris', 'virginica') WITH ORDINALITY)
SELECT coalesce(m.model, r.model) AS model, count(*) AS points, count(r.i) AS matched,
	   bool_and(m.threshold IS NOT DISTINCT FROM r.threshold
				OR abs(m.threshold - r.threshold) < 1e-12) AS thresholds,
	   bool_and(abs(m.precision - r.a) < 1e-12 AND abs(m.recall - r.b) < 1e-12) AS values
FROM mine m FULL JOIN (SELECT * FROM ref_curves WHERE curve = 'pr') r
	ON r.model = m.model AND r.i = m.ordinality
GROUP BY 1 ORDER BY 1;

-- calibration: calibration_curve(n_bins=10), empty bins left out
WITH mine AS (
	SELECT 'ev_logit' AS model, * FROM maas_calibration_curve('ev_logit', 'breast_cancer') WITH ORDINALITY
	UNION ALL SELECT 'ev_tree', * FROM maas_calibration_curve('ev_tree', 'breast_cancer') WITH ORDINALITY
	UNION ALL SELECT 'ev_iris', * FROM maas_calibration_curve('ev_iris', 'iris', 10, 'virginica') WITH ORDINALITY)
SELECT coalesce(m.model, r.model) AS model, count(*) AS bins, count(r.i) AS matched, sum(m.count) AS rows,
	   bool_and(abs(m.mean_predicted - r.a) < 1e-12 AND abs(m.fraction_positive - r.b) < 1e-12) AS values
FROM mine m FULL JOIN (SELECT * FROM ref_curves WHERE curve = 'calibration') r
	ON r.model = m.model AND r.i = m.ordinality
GROUP BY 1 ORDER BY 1;
SELECT bin, round(mean_predicted::numeric, 6) AS mean_predicted,
	   round(fraction_positive::numeric, 6) AS fraction_positive, count
FROM maas_calibration_curve('ev_tree', 'breast_cancer', 5);

-- maas_evaluate: confusion matrix (rows true, columns predicted), per class
CREATE TEMP TABLE ev AS
SELECT 'ev_logit' AS model, maas_evaluate('ev_logit', 'breast_cancer') AS r
UNION ALL SELECT 'ev_tree', maas_evaluate('ev_tree', 'breast_cancer')
UNION ALL SELECT 'ev_iris', maas_evaluate('ev_iris', 'iris')
UNION ALL SELECT 'ev_lin', maas_evaluate('ev_lin', 'diabetes');
SELECT model, r->'labels' AS labels, r->'confusion_matrix' AS confusion_matrix
FROM ev WHERE model <> 'ev_lin' ORDER BY model;
WITH mine AS (
	SELECT model, 'cm_' || (t - 1) || '_' || (p - 1) AS key, (r->'confusion_matrix'->(t - 1)->>(p - 1))::float8 AS value
	FROM ev, generate_series(1, 3) t, generate_series(1, 3) p
	WHERE model <> 'ev_lin' AND r->'confusion_matrix'->(t - 1)->>(p - 1) IS NOT NULL
	UNION ALL
	SELECT model, k || '_' || (c->>'class'), (c->>k)::float8
	FROM ev, jsonb_array_elements(r->'per_class') c, unnest(ARRAY['precision', 'recall', 'f1', 'support']) k
	UNION ALL
	SELECT model, k, (r->>k)::float8 FROM ev, unnest(ARRAY['roc_auc', 'average_precision']) k
	WHERE model IN ('ev_logit', 'ev_tree')
	UNION ALL
	SELECT model, 'residual_q' || q.key, q.value::float8
	FROM ev, jsonb_each_text(r->'residual_quantiles') q)
SELECT r.model, count(*) AS reference, count(m.key) AS matched,
	   bool_and(abs(m.value - r.value) <= 1e-9 * greatest(1, abs(r.value))) AS equal
FROM ref_report r LEFT JOIN mine m USING (model, key)
WHERE r.model <> 'ev_iris' OR r.key NOT IN ('roc_auc', 'average_precision')
GROUP BY r.model ORDER BY r.model;
SELECT jsonb_pretty(r->'per_class') FROM ev WHERE model = 'ev_iris';
SELECT (SELECT array_agg(round(value::numeric, 3) ORDER BY key::float8)
		FROM jsonb_each_text(r->'residual_quantiles')) AS residual_quantiles
FROM ev WHERE model = 'ev_lin';
