-- Evaluation you can look at: maas_evaluate's confusion matrix, per-class
-- report and residual quantiles, and the ROC, precision-recall and
-- calibration curves, against scikit-learn on the same scores
-- (test/reference/evaluation_reference.py writes the reference files).
SET extra_float_digits = 0;
SET client_min_messages = warning;
SELECT maas_train('ev_logit', 'logistic_regression', 'breast_cancer', 'malignant', '{"test_size": 0}') IS NOT NULL AS trained;
SELECT maas_train('ev_tree', 'decision_tree', 'breast_cancer', 'malignant', '{"test_size": 0, "max_depth": 3}') IS NOT NULL AS trained;
SELECT maas_train('ev_iris', 'logistic_regression', 'iris', 'species', '{"test_size": 0}') IS NOT NULL AS trained;
SELECT maas_train('ev_lin', 'linear_regression', 'diabetes', 'progression', '{"test_size": 0, "profile": false}') IS NOT NULL AS trained;
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

-- Uncertainty: split-conformal intervals for every regressor.  Trained on
-- half of wa_churn (half of it held out for the residuals), on the other
-- half the share of true values inside the 90% interval lies within 2
-- points of 90%, and the 50% interval holds about half
SET client_min_messages = warning;
CREATE TEMP TABLE wa_n AS SELECT row_number() OVER () AS rid, * FROM wa_churn;
CREATE TEMP TABLE wa_fit AS SELECT * FROM wa_n WHERE rid % 2 = 0;
CREATE TEMP TABLE wa_fresh AS SELECT * FROM wa_n WHERE rid % 2 = 1 AND total_charges IS NOT NULL;
CREATE TEMP TABLE regressors AS
SELECT a, (maas_train('unc_' || a, a, 'wa_fit', 'total_charges',
					  '{"intervals": true, "test_size": 0.5, "exclude": ["rid"]}')).metrics
FROM unnest(ARRAY['linear_regression', 'elastic_net', 'lasso', 'decision_tree', 'random_forest',
				  'gradient_boosting', 'mlp', 'linear_svr']) a;
RESET client_min_messages;
CREATE TEMP TABLE coverage (a text, inside_90 float8, inside_50 float8, ordered bool, same bool);
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT a FROM regressors LOOP
		EXECUTE format($q$
			INSERT INTO coverage
			SELECT %1$L, avg((f.total_charges BETWEEN p.lower AND p.upper)::int),
				   avg((f.total_charges BETWEEN q.lower AND q.upper)::int),
				   bool_and(p.lower <= q.lower AND q.lower <= p.prediction AND p.prediction <= q.upper
							AND q.upper <= p.upper),
				   bool_and(p.prediction = maas_predict(%2$L, f))
			FROM wa_fresh f, maas_predict_interval(%2$L, f, 0.9) p, maas_predict_interval(%2$L, f, 0.5) q
		$q$, r.a, 'unc_' || r.a);
	END LOOP;
END $$;
SELECT c.a AS algorithm, (r.metrics->>'interval_rows')::int BETWEEN 1650 AND 1850 AS held_out,
	   abs(inside_90 - 0.9) < 0.02 AS within_2_points_of_90,
	   abs(inside_50 - 0.5) < 0.05 AS about_half_in_50,
	   ordered AS nested_intervals, same AS prediction_as_maas_predict
FROM coverage c JOIN regressors r USING (a) ORDER BY 1;

-- the interval is the prediction +- the ceil((n + 1) c)-th smallest held-out
-- residual: with every residual kept, recomputed here from the model's own
-- held-out rows' order statistics (maas_info shows the 90% half-width)
SELECT maas_info(model)->'format_version' AS format_version,
	   (maas_info(model)->'postprocess'->>'interval_rows')::int = (metrics->>'interval_rows')::int AS rows_match,
	   abs((maas_info(model)->'postprocess'->>'interval_90')::float8 -
	   (SELECT (upper - prediction) FROM maas_predict_interval('unc_linear_regression',
			array_fill(0::float8, ARRAY[(maas_info(model)->>'n_features')::int]), 0.9))) < 1e-9 AS half_width_90
FROM maas.models WHERE name = 'unc_linear_regression';
-- the array form and the row form agree; a coverage the held-out rows
-- cannot promise gives an infinite interval
SELECT p.upper - p.prediction = a.upper - a.prediction AS same_width,
	   (maas_predict_interval('unc_linear_regression', f, 0.9999)).upper = 'Infinity' AS infinite_at_9999
FROM wa_fresh f, maas_predict_interval('unc_linear_regression', f, 0.9) p,
	 maas_predict_interval('unc_linear_regression',
		array_fill(1::float8, ARRAY[(SELECT (maas_info(model)->>'n_features')::int FROM maas.models
									WHERE name = 'unc_linear_regression')]), 0.9) a
LIMIT 1;
-- a model without intervals (nor a training profile) is written in format version 1, as before
SELECT maas_info(model)->'format_version' AS format_version, maas_info(model) ? 'postprocess' AS has_postprocess
FROM maas.models WHERE name = 'ev_lin';

-- Calibration: naive Bayes probabilities calibrated on the held-out rows
-- (sigmoid, isotonic; binary and multiclass) equal CalibratedClassifierCV
-- (cv="prefit") fitted on the same rows (the reference reproduces maas's
-- seeded split: the held-out counts match)
SET client_min_messages = warning;
SELECT name, (maas_train(name, 'naive_bayes', source, target, params::jsonb)).metrics->'calibration_rows' AS calibration_rows
FROM (VALUES ('cal_nb', 'breast_cancer', 'malignant', '{"test_size": 0.3, "seed": 7}'),
			 ('cal_nb_sigmoid', 'breast_cancer', 'malignant', '{"test_size": 0.3, "seed": 7, "calibration": "sigmoid"}'),
			 ('cal_nb_isotonic', 'breast_cancer', 'malignant', '{"test_size": 0.3, "seed": 7, "calibration": "isotonic"}'),
			 ('cal_iris_sigmoid', 'iris', 'species', '{"test_size": 0.4, "seed": 3, "calibration": "sigmoid"}'),
			 ('cal_iris_isotonic', 'iris', 'species', '{"test_size": 0.4, "seed": 3, "calibration": "isotonic"}'))
	 AS m(name, source, target, params);
RESET client_min_messages;
CREATE TEMP TABLE ref_cal (model text, rid int, class int, value float8);
\copy ref_cal FROM 'test/reference/evaluation_calibration.csv' (FORMAT csv, HEADER)
SELECT model, value AS reference_held_out FROM ref_cal WHERE rid = 0 ORDER BY model;
WITH mine AS (
	SELECT 'cal_nb_' || m AS model, row_number() OVER (PARTITION BY m ORDER BY t.ctid) AS rid,
		   maas_predict_proba('cal_nb_' || m, t) AS p
	FROM breast_cancer t, unnest(ARRAY['sigmoid', 'isotonic']) m
	UNION ALL
	SELECT 'cal_iris_' || m, row_number() OVER (PARTITION BY m ORDER BY t.ctid), maas_predict_proba('cal_iris_' || m, t)
	FROM iris t, unnest(ARRAY['sigmoid', 'isotonic']) m)
SELECT r.model, count(*) AS probabilities,
	   max(abs(m.p[r.class] - r.value)) < CASE WHEN r.model LIKE '%sigmoid' THEN 1e-6 ELSE 1e-12 END AS as_scikit_learn
FROM ref_cal r JOIN mine m USING (model, rid) WHERE r.rid > 0 GROUP BY r.model ORDER BY 1;
SELECT name, maas_info(model)->'format_version' AS format_version,
	   maas_info(model)->'postprocess'->>'calibration' AS calibration,
	   jsonb_array_length(maas_info(model)->'postprocess'->'sigmoid') AS sigmoids
FROM maas.models WHERE name LIKE 'cal\_%\_%' ESCAPE '\' ORDER BY name;
-- calibrated probabilities are what every form and maas_evaluate use
SELECT maas_predict_class('cal_nb_sigmoid', t) = (SELECT CASE WHEN p[2] > p[1] THEN 'true' ELSE 'false' END
												   FROM (SELECT maas_predict_proba('cal_nb_sigmoid', t) AS p) s) AS class_of_calibrated,
	   round((maas_evaluate('cal_nb_sigmoid', 'breast_cancer')->>'log_loss')::numeric, 6) <
	   round((maas_evaluate('cal_nb', 'breast_cancer')->>'log_loss')::numeric, 6) AS calibrated_log_loss_lower
FROM breast_cancer t LIMIT 1;

-- corrupted post-processing sections: "invalid maas model", never a crash
-- (resealed, so the reader behind the checksum sees the edit).  The
-- section ends the bytes: u32 length, u16 entries, u8 kind, u32 entry
-- length, f64 rows, u32 count, count doubles
SET client_min_messages = warning;
SELECT maas_train('unc_small', 'linear_regression', 'diabetes', 'progression', '{"intervals": true, "seed": 5, "profile": false}') IS NOT NULL AS trained;
RESET client_min_messages;
CREATE FUNCTION pg_temp.err_detail(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ' ' || SQLERRM || ': ' || detail;
END $$;
CREATE TEMP TABLE small AS
SELECT model AS b, length(model) - (23 + 8 * (metrics->>'interval_rows')::int) AS s, length(model) AS l
FROM maas.models WHERE name = 'unc_small';
SELECT label, regexp_replace(pg_temp.err_detail(format('SELECT maas_info(%L::bytea)', maas_test.reseal(bytes))), 'at byte \d+', 'at byte N') AS result
FROM small, LATERAL (VALUES
	(1, 'intact', b),
	(2, 'section one byte longer', maas_test.put32(b, s, maas_test.get32(b, s) + 1)),
	(3, 'three entries', set_byte(b, s + 4, 3)),
	(4, 'unknown entry kind', set_byte(b, s + 6, 9)),
	(5, 'a calibration in a regressor', set_byte(b, s + 6, 2)),
	(6, 'entry longer than the section', maas_test.put32(b, s + 7, 100000)),
	(7, 'no residuals', maas_test.put32(b, s + 19, 0)),
	(8, 'residual count over the limit', maas_test.put32(b, s + 19, 5000)),
	(9, 'a negative residual', set_byte(b, l - 1, get_byte(b, l - 1) | 128)),
	(10, 'a NaN residual', set_byte(set_byte(b, l - 1, 127), l - 2, 255)),
	(11, 'fewer rows than residuals', set_byte(set_byte(b, s + 17, 0), s + 18, 0)),
	(12, 'section cut off', substring(b FROM 1 FOR s + 4))
) AS t(n, label, bytes) ORDER BY n;

-- Dates and times as features: a date, timestamp or timestamptz column
-- becomes its epoch and calendar parts (year, month, day of week, hour, in
-- UTC), or with "time_encoding": "cyclical" the sine and cosine of month,
-- day of week and hour; an interval its seconds.  The encoding equals
-- PostgreSQL's own extract(): a model on the dates equals, prediction for
-- prediction, one on the numbers extract() gives (ames' sale dates)
CREATE TEMP TABLE sales AS
SELECT sale_price, make_date(year_sold, mo_sold, 1 + (lot_area % 28)) AS sold,
	   (make_date(year_sold, mo_sold, 1 + (lot_area % 28)) + make_interval(hours => lot_area % 24))::timestamptz AS sold_at,
	   make_interval(years => year_sold - year_remod_add, days => lot_area % 30) AS since_remodel
FROM ames;
CREATE TEMP TABLE sales_parts AS
SELECT sale_price, extract(epoch FROM sold::timestamp)::float8 AS e, extract(year FROM sold)::float8 AS y,
	   extract(month FROM sold)::float8 AS m, extract(dow FROM sold)::float8 AS d, 0::float8 AS h,
	   extract(epoch FROM sold_at)::float8 AS e2, extract(year FROM sold_at AT TIME ZONE 'UTC')::float8 AS y2,
	   extract(month FROM sold_at AT TIME ZONE 'UTC')::float8 AS m2, extract(dow FROM sold_at AT TIME ZONE 'UTC')::float8 AS d2,
	   extract(hour FROM sold_at AT TIME ZONE 'UTC')::float8 AS h2, extract(epoch FROM since_remodel)::float8 AS r
FROM sales;
CREATE TEMP TABLE sales_cyclical AS
SELECT sale_price, e, y, sin(2 * pi() * (m - 1) / 12) AS ms, cos(2 * pi() * (m - 1) / 12) AS mc,
	   sin(2 * pi() * d / 7) AS ds, cos(2 * pi() * d / 7) AS dc, sin(2 * pi() * h / 24) AS hs, cos(2 * pi() * h / 24) AS hc,
	   e2, y2, sin(2 * pi() * (m2 - 1) / 12) AS ms2, cos(2 * pi() * (m2 - 1) / 12) AS mc2,
	   sin(2 * pi() * d2 / 7) AS ds2, cos(2 * pi() * d2 / 7) AS dc2, sin(2 * pi() * h2 / 24) AS hs2, cos(2 * pi() * h2 / 24) AS hc2, r
FROM sales_parts;
SET client_min_messages = warning;
SELECT name, (maas_train(name, 'linear_regression', source, 'sale_price', params::jsonb)).rows_trained
FROM (VALUES ('time_parts', 'sales', '{"test_size": 0}'),
			 ('time_parts_ref', 'sales_parts', '{"test_size": 0}'),
			 ('time_cyclical', 'sales', '{"test_size": 0, "time_encoding": "cyclical"}'),
			 ('time_cyclical_ref', 'sales_cyclical', '{"test_size": 0}')) AS t(name, source, params);
RESET client_min_messages;
SELECT maas_info(model)->'feature_names' AS feature_names FROM maas.models WHERE name = 'time_cyclical';
SELECT jsonb_path_query_array(features, '$[*] ? (@.type != "numeric") .name') AS columns,
	   jsonb_path_query_array(features, '$[*].type') AS types, jsonb_path_query_array(features, '$[*].width') AS widths,
	   jsonb_path_query_array(features, '$[*].encoding') AS encodings
FROM maas.models WHERE name IN ('time_parts', 'time_cyclical') ORDER BY name;
-- prediction encodes the rows as training did: the same predictions as the
-- models on extract()'s numbers, whatever the session's time zone
SET TimeZone = 'Asia/Kathmandu';
SELECT count(*) AS rows,
	   max(abs(maas_predict('time_parts', s) - maas_predict('time_parts_ref', p)) / abs(maas_predict('time_parts_ref', p))) < 1e-9 AS parts_same,
	   max(abs(maas_predict('time_cyclical', s) - maas_predict('time_cyclical_ref', c)) / abs(maas_predict('time_cyclical_ref', c))) < 1e-9 AS cyclical_same
FROM (SELECT row_number() OVER () AS i, * FROM sales) s
JOIN (SELECT row_number() OVER () AS i, * FROM sales_parts) p USING (i)
JOIN (SELECT row_number() OVER () AS i, * FROM sales_cyclical) c USING (i);
RESET TimeZone;
-- a NULL date takes the calendar parts of the training rows' mean epoch
SELECT abs(maas_predict('time_parts', n) - maas_predict('time_parts', m)) < 1e-6 AS null_is_mean,
	   (f->'impute'->>1)::int = extract(year FROM to_timestamp((f->'impute'->>0)::float8) AT TIME ZONE 'UTC') AS impute_year
FROM (SELECT features->0 AS f FROM maas.models WHERE name = 'time_parts') x,
	 LATERAL (SELECT NULL::date AS sold, sold_at, since_remodel FROM sales LIMIT 1) n,
	 LATERAL (SELECT (to_timestamp((f->'impute'->>0)::float8) AT TIME ZONE 'UTC') AS sold, sold_at, since_remodel
			  FROM sales LIMIT 1) m;
-- the tree models take dates too, NULLs left to them (missing: native), and
-- evaluate on their training rows as they were scored at training
SET client_min_messages = warning;
SELECT (maas_train('time_gb', 'gradient_boosting', 'SELECT sale_price, CASE WHEN sale_price % 7 = 0 THEN NULL ELSE sold END AS sold, sold_at, since_remodel FROM sales',
				   'sale_price', '{"test_size": 0, "n_estimators": 20}')).metrics->'r2' IS NOT NULL AS trained;
RESET client_min_messages;
SELECT (maas_evaluate('time_gb', 'SELECT sale_price, CASE WHEN sale_price % 7 = 0 THEN NULL ELSE sold END AS sold, sold_at, since_remodel FROM sales')->>'r2')::float8 =
	   (SELECT (metrics->>'r2')::float8 FROM maas.models WHERE name = 'time_gb') AS same_r2;
