-- logistic_regression gives scikit-learn's answers on real data.
-- Reference numbers: test/reference/*.csv, written by
-- test/reference/make_reference.py (Pipeline(StandardScaler(),
-- LogisticRegression(...)) on maas's own encoding of the same tables, fitted
-- to the optimum).  Every check prints TRUE only within its tolerance;
-- figures are printed only in a report for a person to read,
-- results/logistic_quality_report.txt next to results/logistic_quality.out.
SET maas.progress_interval = 0;

-- reference numbers
CREATE TEMP TABLE ref_coef (model text, class text, idx int, feature text, value float8);
\copy ref_coef FROM 'test/reference/coefficients.csv' (FORMAT csv, HEADER, FORCE_NOT_NULL (class))
DELETE FROM ref_coef WHERE model NOT LIKE 'log_%';
CREATE TEMP TABLE ref_pred (model text, rid int, class text, value float8);
\copy ref_pred FROM 'test/reference/predictions.csv' (FORMAT csv, HEADER, FORCE_NOT_NULL (class))
DELETE FROM ref_pred WHERE model NOT LIKE 'log_%';
CREATE TEMP TABLE ref_metric (model text, metric text, value float8);
\copy ref_metric FROM 'test/reference/metrics.csv' (FORMAT csv, HEADER)
DELETE FROM ref_metric WHERE model NOT LIKE 'log_%';
CREATE TEMP TABLE ref_rows (model text, rid int, class text, proba float8[], value float8);
\copy ref_rows FROM 'test/reference/rows.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE ref_zeros (model text, idx int, feature text);
\copy ref_zeros FROM 'test/reference/zeros.csv' (FORMAT csv, HEADER)

-- the data files again, rid = its row in the file.  rid is numbered by COPY
-- in input order: the heap's order is not the file's (COPY fills free
-- space left on earlier pages), so row_number() over a scan would not do.
CREATE TEMP TABLE q_bc (LIKE breast_cancer, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_bc (mean_radius, mean_texture, mean_perimeter, mean_area, mean_smoothness, mean_compactness, mean_concavity, mean_concave_points, mean_symmetry, mean_fractal_dimension, radius_error, texture_error, perimeter_error, area_error, smoothness_error, compactness_error, concavity_error, concave_points_error, symmetry_error, fractal_dimension_error, worst_radius, worst_texture, worst_perimeter, worst_area, worst_smoothness, worst_compactness, worst_concavity, worst_concave_points, worst_symmetry, worst_fractal_dimension, malignant) FROM 'data/breast_cancer.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_iris (LIKE iris, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_iris (sepal_length, sepal_width, petal_length, petal_width, species) FROM 'data/iris.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_wine (LIKE wine, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_wine (alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols, flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue, od280_od315_of_diluted_wines, proline, cultivar) FROM 'data/wine.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_penguins (LIKE penguins, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_penguins (species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year) FROM 'data/penguins.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_credit (LIKE credit_data, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_credit (status, seniority, home, time, age, marital, records, job, expenses, income, assets, debt, amount, price) FROM 'data/credit_data.csv' (FORMAT csv, HEADER)

-- 1. train on every row until no gradient component (of the mean loss)
-- exceeds 1e-9: the weights end within ~2e-7 of the optimum.  (Not 1e-10:
-- L-BFGS stalls between 1e-11 and 2e-10 on these sets, where the loss
-- changes less than its rounding, e.g. breast_cancer at 2.1e-10, wine at
-- 1.9e-10.)
SELECT name, task, rows_trained, rows_skipped
FROM maas_train('log_bc', 'logistic_regression', 'breast_cancer', 'malignant',
				'{"test_size": 0, "tol": 1e-9}');
SELECT name, task, rows_trained
FROM maas_train('log_bc_c01', 'logistic_regression', 'breast_cancer', 'malignant',
				'{"test_size": 0, "tol": 1e-9, "C": 0.1}');
SELECT name, task, rows_trained
FROM maas_train('log_bc_l1', 'logistic_regression', 'breast_cancer', 'malignant',
				'{"test_size": 0, "tol": 1e-8, "penalty": "l1", "C": 0.5}');
SELECT name, task, rows_trained
FROM maas_train('log_iris', 'logistic_regression', 'iris', 'species',
				'{"test_size": 0, "tol": 1e-9}');
SELECT name, task, rows_trained
FROM maas_train('log_wine', 'logistic_regression', 'wine', 'cultivar',
				'{"test_size": 0, "tol": 1e-9}');
SELECT name, task, rows_trained, rows_skipped
FROM maas_train('log_penguins', 'logistic_regression', 'penguins', 'species',
				'{"test_size": 0, "tol": 1e-9}');
SELECT name, task, rows_trained, rows_skipped
FROM maas_train('log_credit', 'logistic_regression', 'credit_data', 'status',
				'{"test_size": 0, "tol": 1e-9}');

CREATE TEMP TABLE trained AS
SELECT m AS model, maas_info(m) AS info
FROM unnest(ARRAY['log_bc', 'log_bc_c01', 'log_bc_l1', 'log_iris', 'log_wine',
				  'log_penguins', 'log_credit']) AS m;

SELECT model, info->'parameters'->'converged' AS converged,
	   info->'target'->'classes' AS classes, info->'n_features' AS features
FROM trained ORDER BY model;

-- encoding and imputation, as the reference reproduces them
SELECT model, f->>'name' AS column, f->'categories' AS categories, f->>'impute' AS impute
FROM trained, jsonb_array_elements(info->'features') AS f
WHERE model IN ('log_penguins', 'log_credit') AND f->>'type' = 'categorical'
ORDER BY model, f->>'name';

-- 2. coefficients in the features' units (parameters.weights): intercept
-- idx 0, then idx 1..p in feature order; class '' for binary models
CREATE TEMP TABLE got_coef AS
SELECT m.model, w.class, 0 AS idx, '(intercept)' AS feature, (w.o->>'intercept')::float8 AS value
FROM trained m,
	 LATERAL (SELECT '' AS class, m.info->'parameters'->'weights' AS o
			  WHERE m.info->>'task' = 'binary'
			  UNION ALL
			  SELECT key, value FROM jsonb_each(m.info->'parameters'->'weights')
			  WHERE m.info->>'task' = 'multiclass') AS w
UNION ALL
SELECT m.model, w.class, f.i::int, f.name, (w.o->'coefficients'->>f.name)::float8
FROM trained m,
	 LATERAL (SELECT '' AS class, m.info->'parameters'->'weights' AS o
			  WHERE m.info->>'task' = 'binary'
			  UNION ALL
			  SELECT key, value FROM jsonb_each(m.info->'parameters'->'weights')
			  WHERE m.info->>'task' = 'multiclass') AS w,
	 jsonb_array_elements_text(m.info->'feature_names') WITH ORDINALITY AS f(name, i);

-- Differences are measured where the optimizer works, on standardized
-- features: coefficient differences times the feature's std, and the
-- intercept difference at the mean row.  err_wrong is the same measure
-- against a reference 1e-5 off in every coefficient (in those units): a
-- wrong reference must fail the check.
CREATE TEMP TABLE coef_err AS
WITH pairs AS (
	SELECT model, class, idx, r.feature AS ref_feature, g.feature AS got_feature,
		   r.value AS ref, g.value AS got,
		   CASE WHEN idx > 0 THEN (m.info->'parameters'->'standardization'->'scale'->>(idx - 1))::float8 END AS scale,
		   CASE WHEN idx > 0 THEN (m.info->'parameters'->'standardization'->'mean'->>(idx - 1))::float8 END AS mean
	FROM ref_coef r FULL JOIN got_coef g USING (model, class, idx) JOIN trained m USING (model)
), per_class AS (
	SELECT model, class, count(*) AS coefs,
		   bool_and(ref_feature IS NOT DISTINCT FROM got_feature) AS same_features,
		   greatest(max(abs(got - ref) * scale),
					abs(sum(CASE WHEN idx = 0 THEN got - ref ELSE (got - ref) * mean END)))
		   AS err,
		   greatest(max(abs(got - ref - 1e-5 / scale) * scale),
					abs(sum(CASE WHEN idx = 0 THEN got - ref ELSE (got - ref - 1e-5 / scale) * mean END)))
		   AS err_wrong
	FROM pairs GROUP BY model, class
)
SELECT model, sum(coefs) AS coefs, bool_and(same_features) AS same_features,
	   max(err) AS err, max(err_wrong) AS err_wrong
FROM per_class GROUP BY model;

-- per-row probabilities (row form of maas_predict_proba, every row of the
-- small sets, every 10th row of credit_data); binary: P(second class)
CREATE TEMP TABLE got_pred AS
WITH classes AS (
	SELECT model, c.label, c.i
	FROM trained, jsonb_array_elements_text(info->'target'->'classes') WITH ORDINALITY AS c(label, i)
), proba AS (
	SELECT 'log_bc' AS model, rid, maas_predict_proba('log_bc', q) AS p FROM q_bc q
	UNION ALL
	SELECT 'log_bc_c01', rid, maas_predict_proba('log_bc_c01', q) FROM q_bc q
	UNION ALL
	SELECT 'log_bc_l1', rid, maas_predict_proba('log_bc_l1', q) FROM q_bc q
	UNION ALL
	SELECT 'log_iris', rid, maas_predict_proba('log_iris', q) FROM q_iris q
	UNION ALL
	SELECT 'log_wine', rid, maas_predict_proba('log_wine', q) FROM q_wine q
	UNION ALL
	SELECT 'log_penguins', rid, maas_predict_proba('log_penguins', q) FROM q_penguins q
	UNION ALL
	SELECT 'log_credit', rid, maas_predict_proba('log_credit', q) FROM q_credit q
	WHERE rid % 10 = 1
)
SELECT p.model, p.rid, c.label AS class, p.p[c.i] AS value
FROM proba p JOIN classes c USING (model)
WHERE array_length(p.p, 1) > 2 OR c.i = 2;

CREATE TEMP TABLE pred_err AS
SELECT model, count(*) AS probabilities, count(g.value) = count(*) AS complete,
	   max(abs(g.value - r.value)) AS err
FROM ref_pred r LEFT JOIN got_pred g USING (model, rid, class)
GROUP BY model;

-- L2 models (C = 1 and 0.1, binary and multinomial): within 1e-6
SELECT model, c.coefs, c.same_features, c.err <= 1e-6 AS coefs_1e_6,
	   c.err_wrong <= 1e-6 AS wrong_ref_1e_6,
	   p.probabilities, p.complete, p.err <= 1e-6 AS proba_1e_6
FROM coef_err c JOIN pred_err p USING (model)
WHERE model <> 'log_bc_l1'
ORDER BY model;

-- L1 (C = 0.5, tol 1e-8) against saga: probabilities and coefficients
-- (standardized) within 1e-5, and exactly the same coefficients are zero
SELECT model, c.coefs, c.same_features, c.err <= 1e-5 AS coefs_1e_5,
	   p.probabilities, p.complete, p.err <= 1e-5 AS proba_1e_5
FROM coef_err c JOIN pred_err p USING (model)
WHERE model = 'log_bc_l1';
SELECT count(*) AS zeros,
	   count(*) FILTER (WHERE g.feature IS NULL) AS only_sklearn,
	   count(*) FILTER (WHERE r.feature IS NULL) AS only_maas
FROM ref_zeros r
	 FULL JOIN (SELECT model, idx, feature FROM got_coef
				WHERE model = 'log_bc_l1' AND idx > 0 AND value = 0) AS g USING (model, idx);

-- 3. maas_evaluate on the full table against scikit-learn's metrics of its
-- own model on the same rows: within 1e-6
CREATE TEMP TABLE got_metric AS
SELECT m.model, e.key AS metric, e.value::text::float8 AS value
FROM (VALUES ('log_bc', 'breast_cancer'), ('log_bc_l1', 'breast_cancer'), ('log_iris', 'iris'),
			 ('log_wine', 'wine'), ('log_penguins', 'penguins'), ('log_credit', 'credit_data'))
	 AS m(model, source),
	 jsonb_each(maas_evaluate(m.model, m.source)) AS e
WHERE jsonb_typeof(e.value) = 'number';

SELECT model, string_agg(metric, ',' ORDER BY metric) AS metrics,
	   count(g.value) = count(*) AS complete,
	   max(abs(g.value - r.value)) <= 1e-6 AS within_1e_6
FROM ref_metric r LEFT JOIN got_metric g USING (model, metric)
GROUP BY model ORDER BY model;

-- 4. a few rows: maas_predict_class is the reference class, maas_predict_proba
-- its probabilities, maas_predict the class's value (numeric and boolean
-- targets); row, float8[] and model-bytes forms
CREATE TEMP TABLE got_rows AS
SELECT 'log_bc' AS model, rid, maas_predict_class('log_bc', q) AS class,
	   maas_predict_proba('log_bc', q) AS proba, maas_predict('log_bc', q) AS value FROM q_bc q
UNION ALL
SELECT 'log_iris', rid, maas_predict_class('log_iris', q), maas_predict_proba('log_iris', q), NULL
FROM q_iris q
UNION ALL
SELECT 'log_wine', rid, maas_predict_class('log_wine', q), maas_predict_proba('log_wine', q),
	   maas_predict('log_wine', q) FROM q_wine q
UNION ALL
SELECT 'log_penguins', rid, maas_predict_class('log_penguins', q),
	   maas_predict_proba('log_penguins', q), NULL FROM q_penguins q
UNION ALL
SELECT 'log_credit', rid, maas_predict_class('log_credit', q), maas_predict_proba('log_credit', q),
	   NULL FROM q_credit q;

SELECT r.model, r.rid, g.class, g.class = r.class AS same_class,
	   (SELECT max(abs(a - b)) <= 1e-6 AND count(*) = cardinality(r.proba)
		FROM unnest(g.proba, r.proba) AS u(a, b)) AS same_proba,
	   g.value, g.value IS NOT DISTINCT FROM r.value AS same_value
FROM ref_rows r LEFT JOIN got_rows g USING (model, rid)
ORDER BY r.model, r.rid;

-- the float8[] forms take the encoded features in order (wine: the columns)
SELECT q.rid, maas_predict_class('log_wine', x) = r.class AS array_class,
	   maas_predict('log_wine', x) = r.value AS array_value,
	   (SELECT max(abs(a - b)) <= 1e-6
		FROM unnest(maas_predict_proba((SELECT model FROM maas.models WHERE name = 'log_wine'), x),
					r.proba) AS u(a, b)) AS bytes_proba
FROM q_wine q
	 JOIN ref_rows r ON r.model = 'log_wine' AND r.rid = q.rid,
	 LATERAL (SELECT array_agg(j.value::float8 ORDER BY j.n) AS x
			  FROM json_each_text(row_to_json(q)) WITH ORDINALITY AS j(key, value, n)
			  WHERE j.key NOT IN ('cultivar', 'rid')) AS a
ORDER BY q.rid;

-- the figures, for a person to read
\getenv abs_builddir PG_ABS_BUILDDIR
\set report :abs_builddir '/results/logistic_quality_report.txt'
\o :report
\qecho 'logistic_quality: maas against scikit-learn (test/reference/*.csv)'
\qecho 'largest differences: coefficients (standardized units), probabilities'
SELECT model, c.err AS coefficients, c.err_wrong AS coefficients_wrong_reference, p.err AS probabilities
FROM coef_err c JOIN pred_err p USING (model)
ORDER BY model;
\qecho 'a few coefficients'
SELECT g.model, g.class, g.feature, round(g.value::numeric, 4) AS maas, round(r.value::numeric, 4) AS reference
FROM got_coef g LEFT JOIN ref_coef r USING (model, class, idx)
WHERE (g.model LIKE 'log_bc%' AND g.feature IN ('(intercept)', 'worst_texture', 'worst_concave_points'))
   OR (g.model = 'log_iris' AND g.feature IN ('(intercept)', 'petal_width'))
   OR (g.model = 'log_penguins' AND g.feature IN ('island=Biscoe', 'sex=male'))
   OR (g.model = 'log_credit' AND g.feature IN ('(intercept)', 'records=yes', 'job=partime'))
ORDER BY g.model, g.class, g.idx;
\qecho 'maas_evaluate on the full table'
SELECT model, metric, round(g.value::numeric, 4) AS maas, round(r.value::numeric, 4) AS reference
FROM ref_metric r LEFT JOIN got_metric g USING (model, metric)
ORDER BY model, metric;
\o
