-- linear_svm, linear_svr and svm through every entry point: the README
-- example, the predict forms, maas_explain (the decision value), maas_info,
-- maas_fit, threads and seeds, cancel.  Quality against scikit-learn:
-- sql/svm_quality.sql.
SET maas.progress_interval = 0;

-- the README example
SELECT name, algorithm, task, rows_trained
FROM maas_train('cancer_svm', 'svm', 'breast_cancer', 'malignant', '{"C": 1, "seed": 7}');
SELECT (metrics->>'accuracy')::float8 > 0.95 AS accurate
FROM maas.models WHERE name = 'cancer_svm';
SELECT maas_predict_class('cancer_svm', b) AS class, count(*)
FROM breast_cancer b GROUP BY 1 ORDER BY 1;

SELECT name, algorithm, task
FROM maas_train('iris_lsvm', 'linear_svm', 'iris', 'species', '{"C": 0.5, "test_size": 0}');
SELECT name, algorithm, task
FROM maas_train('diabetes_lsvr', 'linear_svr', 'diabetes', 'progression',
				'{"C": 10, "epsilon": 5, "test_size": 0}');

-- every predict form agrees; probabilities sum to 1; the class is their argmax
WITH m AS (SELECT model FROM maas.models WHERE name = 'iris_lsvm'),
r AS (
	SELECT i, maas_predict_proba('iris_lsvm', i) AS p_row,
		   maas_predict_proba('iris_lsvm', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS p_arr,
		   maas_predict_proba((SELECT model FROM m), ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS p_bytes,
		   maas_predict_class('iris_lsvm', i) AS class
	FROM iris i
)
SELECT count(*) AS rows,
	   bool_and(p_row = p_arr AND p_arr = p_bytes) AS forms_agree,
	   bool_and(abs((SELECT sum(x) FROM unnest(p_row) x) - 1) < 1e-12) AS sums_to_1,
	   bool_and(class = (ARRAY['setosa', 'versicolor', 'virginica'])[
					(SELECT o FROM unnest(p_row) WITH ORDINALITY AS u(x, o) ORDER BY x DESC LIMIT 1)]) AS argmax,
	   avg((class = (r.i).species)::int) > 0.9 AS accurate
FROM r;

-- maas_explain: base + contributions = the score, the decision value of the
-- predicted class (for two classes, of the second class: ln(p2 / p1))
SELECT name, algorithm FROM maas_train('cancer_svm_lin', 'linear_svm', 'breast_cancer', 'malignant', '{"test_size": 0}');
WITH e AS (
	SELECT maas_explain('cancer_svm_lin', b) AS x, maas_predict_proba('cancer_svm_lin', b) AS p
	FROM (SELECT * FROM breast_cancer LIMIT 20) b
)
SELECT count(*) AS rows,
	   bool_and(abs((x->>'score')::float8 - ln(p[2] / p[1])) < 1e-9) AS score_is_decision,
	   bool_and(abs((x->>'base')::float8 + (SELECT sum(value::float8) FROM jsonb_each_text(x->'contributions'))
					- (x->>'score')::float8) < 1e-9) AS additive
FROM e;
SELECT maas_explain('cancer_svm', b) FROM breast_cancer b LIMIT 1;

-- maas_info: options with their defaults, the uncalibrated scores said
-- (gamma "scale" on standardized features: 1 / (30 features * variance 1))
SELECT info->'algorithm' AS algorithm, params,
	   info->'parameters'->>'probabilities' AS probabilities,
	   info->'parameters'->>'method' AS method, info->'parameters'->>'kernel' AS kernel,
	   abs((info->'parameters'->>'gamma')::float8 - 1.0 / 30) < 1e-12 AS gamma_scale,
	   info->'parameters'->'n_support' AS n_support
FROM (SELECT maas_info(model) AS info, params FROM maas.models WHERE name = 'cancer_svm') m;
SELECT params, info->'parameters'->'weights'->'intercept' IS NOT NULL AS has_intercept
FROM (SELECT maas_info(model) AS info, params FROM maas.models WHERE name = 'diabetes_lsvr') m;

-- maas_fit: rows gathered (no mergeable state), then the same fit as
-- maas_train on every row: the same predictions
WITH f AS (
	SELECT maas_fit('linear_svr', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression,
					'{"C": 10, "epsilon": 5}') AS model
	FROM diabetes
)
SELECT max(abs(maas_predict(f.model, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])
			   - maas_predict('diabetes_lsvr', d))) < 1e-9 AS same_as_train
FROM f, diabetes d;
SELECT virginica, maas_info(model)->>'algorithm' AS algorithm, maas_info(model)->>'task' AS task
FROM (SELECT species = 'virginica' AS virginica,
			 maas_fit('svm', ARRAY[sepal_length, sepal_width, petal_length, petal_width],
					  (petal_width > 1.5)::int, '{"task": "classification"}') AS model
	  FROM iris GROUP BY 1) g
ORDER BY 1;

-- the same seed gives the same bytes, whatever maas.threads
SET maas.threads = 1;
SELECT count(*) FROM maas_train('svm_t', 'svm', 'digits', 'digit', '{"seed": 3}');
SELECT count(*) FROM maas_train('svm_t', 'svm', 'digits', 'digit', '{"seed": 3, "method": "nystrom", "n_components": 100}');
SELECT count(*) FROM maas_train('svm_t', 'linear_svm', 'digits', 'digit', '{"seed": 3}');
SET maas.threads = 2;
SELECT count(*) FROM maas_train('svm_t', 'svm', 'digits', 'digit', '{"seed": 3}');
SELECT count(*) FROM maas_train('svm_t', 'svm', 'digits', 'digit', '{"seed": 3, "method": "nystrom", "n_components": 100}');
SELECT count(*) FROM maas_train('svm_t', 'linear_svm', 'digits', 'digit', '{"seed": 3}');
RESET maas.threads;
SELECT a.version, b.version, a.algorithm, md5(a.model) = md5(b.model) AS same_bytes
FROM maas.models a JOIN maas.models b ON b.name = a.name AND b.version = a.version + 3
WHERE a.name = 'svm_t' ORDER BY a.version;

-- a cancel stops training promptly, and nothing is stored
SET statement_timeout = '300ms';
SELECT maas_train('svm_cancel', 'svm', 'wa_churn', 'churn', '{"method": "exact", "tol": 1e-9}');
RESET statement_timeout;
SELECT count(*) AS stored FROM maas.models WHERE name = 'svm_cancel';
