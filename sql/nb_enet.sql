-- naive_bayes, elastic_net and lasso give scikit-learn's answers on real
-- data.  Reference numbers: test/reference/nb_enet_reference.csv, written
-- by test/reference/nb_enet_reference.py (GaussianNB, MultinomialNB,
-- BernoulliNB, CategoricalNB, ElasticNet, Lasso, enet_path on maas's own
-- encoding of the same tables).  Naive Bayes probabilities must agree to
-- 1e-9, coefficients to 1e-6 (relative above 1).  Every check prints TRUE
-- only within its tolerance.
SET maas.progress_interval = 0;
CREATE TEMP TABLE ref (model text, rid int, idx int, value float8);
\copy ref FROM 'test/reference/nb_enet_reference.csv' (FORMAT csv, HEADER)

-- the data files again, rid = row of the file (COPY numbers them in order)
CREATE TEMP TABLE q_iris (LIKE iris, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_iris (sepal_length, sepal_width, petal_length, petal_width, species) FROM 'data/iris.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_wine (LIKE wine, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_wine (alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols, flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue, od280_od315_of_diluted_wines, proline, cultivar) FROM 'data/wine.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_digits (LIKE digits, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_digits (pixel_0_0, pixel_0_1, pixel_0_2, pixel_0_3, pixel_0_4, pixel_0_5, pixel_0_6, pixel_0_7, pixel_1_0, pixel_1_1, pixel_1_2, pixel_1_3, pixel_1_4, pixel_1_5, pixel_1_6, pixel_1_7, pixel_2_0, pixel_2_1, pixel_2_2, pixel_2_3, pixel_2_4, pixel_2_5, pixel_2_6, pixel_2_7, pixel_3_0, pixel_3_1, pixel_3_2, pixel_3_3, pixel_3_4, pixel_3_5, pixel_3_6, pixel_3_7, pixel_4_0, pixel_4_1, pixel_4_2, pixel_4_3, pixel_4_4, pixel_4_5, pixel_4_6, pixel_4_7, pixel_5_0, pixel_5_1, pixel_5_2, pixel_5_3, pixel_5_4, pixel_5_5, pixel_5_6, pixel_5_7, pixel_6_0, pixel_6_1, pixel_6_2, pixel_6_3, pixel_6_4, pixel_6_5, pixel_6_6, pixel_6_7, pixel_7_0, pixel_7_1, pixel_7_2, pixel_7_3, pixel_7_4, pixel_7_5, pixel_7_6, pixel_7_7, digit) FROM 'data/digits.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE q_penguins (LIKE penguins, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_penguins (species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year) FROM 'data/penguins.csv' (FORMAT csv, HEADER)
-- penguins with a boolean column: kind "auto" mixes all three likelihoods
CREATE TEMP VIEW penguins_late AS
SELECT rid, species, island, bill_length_mm, bill_depth_mm, flipper_length_mm,
	   body_mass_g, sex, year >= 2008 AS late
FROM q_penguins;

-- largest difference between got (model, rid, idx, value) and the reference
CREATE TEMP TABLE got (model text, rid int, idx int, value float8);
CREATE FUNCTION pg_temp.worst(m text) RETURNS TABLE (model text, compared bigint, max_diff float8)
LANGUAGE sql AS $$
	SELECT m, count(*), max(abs(g.value - r.value) / greatest(1, abs(r.value)))
	FROM got g JOIN ref r USING (model, rid, idx) WHERE g.model = m
$$;
CREATE FUNCTION pg_temp.proba(m text, rid int, p float8[]) RETURNS SETOF got
LANGUAGE sql AS $$ SELECT m, rid, (i - 1)::int, v FROM unnest(p) WITH ORDINALITY AS u(v, i) $$;

-- 1. naive Bayes: Gaussian (auto on numbers), priors and var_smoothing,
-- multinomial and Bernoulli on pixel counts, and auto on mixed columns
SELECT name, rows_trained FROM maas_train('nb_iris', 'naive_bayes', 'iris', 'species', '{"test_size": 0}');
SELECT name, rows_trained FROM maas_train('nb_wine_priors', 'naive_bayes', 'wine', 'cultivar',
	'{"test_size": 0, "kind": "gaussian", "priors": [0.2, 0.3, 0.5], "var_smoothing": 1e-3}');
SELECT name, rows_trained FROM maas_train('nb_digits_multi', 'naive_bayes', 'digits', 'digit',
	'{"test_size": 0, "kind": "multinomial"}');
SELECT name, rows_trained FROM maas_train('nb_digits_multi_a', 'naive_bayes', 'digits', 'digit',
	'{"test_size": 0, "kind": "multinomial", "alpha": 0.5, "fit_prior": false}');
SELECT name, rows_trained FROM maas_train('nb_digits_bern', 'naive_bayes', 'digits', 'digit',
	'{"test_size": 0, "kind": "bernoulli", "binarize": 4}');
SELECT name, rows_trained FROM maas_train('nb_penguins_auto', 'naive_bayes',
	'SELECT species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, late FROM penguins_late',
	'species', '{"test_size": 0}');
SELECT jsonb_object_agg(k, v) AS kinds
FROM jsonb_each_text(maas_info('nb_penguins_auto')->'parameters'->'feature_kinds') AS f(k, v);

INSERT INTO got SELECT p.* FROM q_iris q, pg_temp.proba('nb_iris', q.rid, maas_predict_proba('nb_iris', q)) p;
INSERT INTO got SELECT p.* FROM q_wine q, pg_temp.proba('nb_wine_priors', q.rid, maas_predict_proba('nb_wine_priors', q)) p;
INSERT INTO got SELECT p.* FROM unnest(ARRAY['nb_digits_multi', 'nb_digits_multi_a', 'nb_digits_bern']) AS m,
	q_digits q, pg_temp.proba(m, q.rid, maas_predict_proba(m, q)) p
WHERE q.rid % 5 = 1;
INSERT INTO got SELECT p.* FROM penguins_late q,
	pg_temp.proba('nb_penguins_auto', q.rid, maas_predict_proba('nb_penguins_auto', q)) p;
SELECT model, compared, max_diff < 1e-9 AS within_1e9
FROM unnest(ARRAY['nb_iris', 'nb_wine_priors', 'nb_digits_multi', 'nb_digits_multi_a',
				  'nb_digits_bern', 'nb_penguins_auto']) AS m, pg_temp.worst(m);

-- predict forms, evaluate; the class is the most probable one
SELECT maas_predict_class('nb_iris', q) AS class, round((maas_predict_proba('nb_iris', q))[1]::numeric, 6) AS p_setosa
FROM q_iris q WHERE rid IN (1, 51, 101) ORDER BY rid;
SELECT maas_predict('nb_digits_multi', ARRAY(SELECT 0::float8 FROM generate_series(1, 64))) AS blank_digit;
SELECT (m->>'accuracy')::float8 BETWEEN 0.95 AND 0.97 AS iris_accuracy, m->>'rows' AS rows
FROM maas_evaluate('nb_iris', 'iris') AS m;

-- explanations: contributions to the log-odds of the predicted class
-- against the mean of the others, so score = ln p(class) - mean ln p(other)
SELECT count(*) AS rows,
	   max(abs((e->>'score')::float8
			   - (ln(p[c]) - (SELECT avg(ln(v)) FROM unnest(p) WITH ORDINALITY AS u(v, k) WHERE k <> c)))) < 1e-9
		   AS score_is_log_odds,
	   bool_and(abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') AS t(f, v))
					- (e->>'score')::float8) < 1e-9) AS additive
FROM (SELECT maas_explain('nb_penguins_auto', q) AS e, maas_predict_proba('nb_penguins_auto', q) AS p
	  FROM penguins_late q) x,
	 LATERAL (SELECT array_position(p, (SELECT max(v) FROM unnest(p) v))) AS m(c)
WHERE (SELECT min(v) FROM unnest(p) v) > 1e-250;

-- 2. maas_fit keeps per-class sums: the same model from the aggregate, from
-- parallel-style partial states merged, and from the rows of maas_train
CREATE TEMP TABLE fit_iris AS
SELECT maas_fit('naive_bayes', ARRAY[sepal_length, sepal_width, petal_length, petal_width],
				CASE species WHEN 'setosa' THEN 0 WHEN 'versicolor' THEN 1 ELSE 2 END) AS model
FROM q_iris;
TRUNCATE got;
INSERT INTO got SELECT p.* FROM q_iris q, fit_iris f,
	pg_temp.proba('nb_iris', q.rid, maas_predict_proba(f.model,
		ARRAY[q.sepal_length, q.sepal_width, q.petal_length, q.petal_width])) p;
SELECT model, compared, max_diff < 1e-9 AS aggregate_within_1e9 FROM pg_temp.worst('nb_iris');
-- states of three shards (by row), merged: probabilities agree to rounding
SELECT max(abs(u.a - u.b)) < 1e-12 AS merged_equals_whole
FROM (SELECT maas_fit_merge(s) AS model
	  FROM (SELECT maas_fit_partial('naive_bayes', ARRAY[sepal_length, sepal_width, petal_length, petal_width],
									CASE species WHEN 'setosa' THEN 0 WHEN 'versicolor' THEN 1 ELSE 2 END) AS s
			FROM q_iris GROUP BY rid % 3) parts) m, fit_iris f, q_iris q,
	 LATERAL unnest(maas_predict_proba(m.model, ARRAY[q.sepal_length, q.sepal_width, q.petal_length, q.petal_width]),
					maas_predict_proba(f.model, ARRAY[q.sepal_length, q.sepal_width, q.petal_length, q.petal_width])) AS u(a, b);
-- a parallel plan: the workers' per-class sums, combined, give the serial
-- model (wine: a permanent table, which workers can scan)
CREATE TEMP TABLE nb_serial AS
SELECT maas_fit('naive_bayes', ARRAY[alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols,
									 flavanoids, proline], cultivar) AS model FROM wine;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT maas_test.workers_launched($$SELECT maas_fit('naive_bayes', ARRAY[alcohol, proline], cultivar) FROM wine$$) > 0
	AS workers_ran;
-- a plain SELECT (CREATE TABLE AS might not run in parallel), kept by \gset
SELECT maas_fit('naive_bayes', ARRAY[alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols,
									 flavanoids, proline], cultivar) AS nb_parallel FROM wine \gset
CREATE TEMP TABLE nb_parallel AS SELECT :'nb_parallel'::bytea AS model;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT count(*) AS rows, max(abs(u.a - u.b)) < 1e-12 AS parallel_equals_serial
FROM wine w, nb_serial s, nb_parallel p,
	 LATERAL unnest(maas_predict_proba(s.model, ARRAY[w.alcohol, w.malic_acid, w.ash, w.alcalinity_of_ash, w.magnesium,
												  w.total_phenols, w.flavanoids, w.proline]),
					maas_predict_proba(p.model, ARRAY[w.alcohol, w.malic_acid, w.ash, w.alcalinity_of_ash, w.magnesium,
												  w.total_phenols, w.flavanoids, w.proline])) AS u(a, b);
SELECT maas_info(p.model)->'target' AS classes FROM nb_parallel p;
-- the state holds one group of sums per class, not rows
SELECT length(maas_fit_partial('naive_bayes', ARRAY[sepal_length, sepal_width], (species = 'setosa')::int)) AS state_bytes
FROM q_iris;
-- a NULL element at prediction becomes the feature's mean
SELECT round((maas_predict_proba(model, ARRAY[5.0, NULL, 1.4, 0.2]))[1]::numeric, 6) AS p_setosa_null
FROM fit_iris;

-- 3. elastic net and lasso: coefficients of ElasticNet / Lasso
CREATE FUNCTION pg_temp.coefs(m text, info jsonb) RETURNS SETOF got
LANGUAGE sql AS $$
	SELECT m, 0, 0, (info->'parameters'->>'intercept')::float8
	UNION ALL
	SELECT m, 0, f.i::int, (info->'parameters'->'coefficients'->>f.name)::float8
	FROM jsonb_array_elements_text(info->'feature_names') WITH ORDINALITY AS f(name, i)
$$;
SELECT name, rows_trained FROM maas_train('en_diabetes', 'elastic_net', 'diabetes', 'progression',
	'{"test_size": 0, "alpha": 0.1, "l1_ratio": 0.5, "tol": 1e-12, "max_iter": 1000000}');
SELECT name, rows_trained FROM maas_train('en_diabetes_noint', 'elastic_net', 'diabetes', 'progression',
	'{"test_size": 0, "alpha": 1.0, "l1_ratio": 0.3, "fit_intercept": false, "tol": 1e-12, "max_iter": 1000000}');
SELECT name, rows_trained FROM maas_train('la_diabetes', 'lasso', 'diabetes', 'progression',
	'{"test_size": 0, "alpha": 0.5, "tol": 1e-12, "max_iter": 1000000}');
SELECT name, rows_trained FROM maas_train('la_concrete', 'lasso', 'concrete', 'compressive_strength',
	'{"test_size": 0, "alpha": 1.0, "tol": 1e-12, "max_iter": 1000000}');
SELECT name, rows_trained FROM maas_train('la_diabetes_positive', 'lasso', 'diabetes', 'progression',
	'{"test_size": 0, "alpha": 0.2, "positive": true, "tol": 1e-12, "max_iter": 1000000}');
SELECT name, rows_trained FROM maas_train('la_concrete_random', 'lasso', 'concrete', 'compressive_strength',
	'{"test_size": 0, "alpha": 0.1, "selection": "random", "tol": 1e-12, "max_iter": 1000000}');
TRUNCATE got;
INSERT INTO got SELECT c.* FROM unnest(ARRAY['en_diabetes', 'en_diabetes_noint', 'la_diabetes',
	'la_diabetes_positive', 'la_concrete', 'la_concrete_random']) AS m, pg_temp.coefs(m, maas_info(m)) c;
SELECT model, compared, max_diff < 1e-6 AS within_1e6
FROM unnest(ARRAY['en_diabetes', 'en_diabetes_noint', 'la_diabetes', 'la_diabetes_positive',
				  'la_concrete', 'la_concrete_random']) AS m, pg_temp.worst(m);
SELECT bool_and(v::float8 >= 0) AS all_positive, count(*) FILTER (WHERE v::float8 = 0) AS zeros
FROM jsonb_each_text(maas_info('la_diabetes_positive')->'parameters'->'coefficients') AS c(k, v);
-- the L1 part zeroes a coefficient, as ElasticNet does
SELECT string_agg(k, ', ') AS zero_coefficients
FROM jsonb_each_text(maas_info('en_diabetes_noint')->'parameters'->'coefficients') AS c(k, v)
WHERE v::float8 = 0;

-- the aggregate fits from merged comoments: the same coefficients
TRUNCATE got;
INSERT INTO got SELECT c.* FROM (
	SELECT maas_fit('elastic_net', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression,
					'{"alpha": 0.1, "l1_ratio": 0.5, "tol": 1e-12, "max_iter": 1000000}') AS model
	FROM diabetes) f, pg_temp.coefs('en_diabetes', maas_info(f.model)) c;
SELECT compared, max_diff < 1e-6 AS aggregate_within_1e6 FROM pg_temp.worst('en_diabetes');

-- prediction, explanation (w_j (x_j - mean_j) add up to the prediction),
-- evaluation
SELECT round(maas_predict('la_concrete', c)::numeric, 4) AS predicted
FROM concrete c LIMIT 2;
SELECT abs(e.base + e.total - maas_predict('la_concrete', c)) < 1e-9 AS explained
FROM concrete c,
	 LATERAL (SELECT (x->>'base')::float8 AS base,
					 (SELECT sum(v::float8) FROM jsonb_each_text(x->'contributions') AS t(k, v)) AS total
			  FROM maas_explain('la_concrete', c) AS x) e
LIMIT 3;
SELECT (m->>'r2')::float8 > 0.5 AS r2_above_half FROM maas_evaluate('la_concrete', 'concrete') AS m;

-- 4. the regularization path, as lasso_path / enet_path
SELECT name FROM maas_train('la_diabetes_path', 'lasso', 'diabetes', 'progression',
	'{"test_size": 0, "path": true, "n_alphas": 20, "tol": 1e-12, "max_iter": 1000000}');
SELECT name FROM maas_train('en_concrete_path', 'elastic_net', 'concrete', 'compressive_strength',
	'{"test_size": 0, "l1_ratio": 0.5, "alphas": [0.1, 10, 1, 0.3, 3], "tol": 1e-12, "max_iter": 1000000}');
CREATE FUNCTION pg_temp.path(m text, info jsonb) RETURNS SETOF got
LANGUAGE sql AS $$
	SELECT m, k::int, -1, a::float8
	FROM jsonb_array_elements_text(info->'parameters'->'path'->'alphas') WITH ORDINALITY AS t(a, k)
	UNION ALL
	SELECT m, k::int, 0, b::float8
	FROM jsonb_array_elements_text(info->'parameters'->'path'->'intercepts') WITH ORDINALITY AS t(b, k)
	UNION ALL
	SELECT m, k::int, j::int, w::float8
	FROM jsonb_array_elements(info->'parameters'->'path'->'coefficients') WITH ORDINALITY AS t(ws, k),
		 jsonb_array_elements_text(ws) WITH ORDINALITY AS u(w, j)
$$;
TRUNCATE got;
INSERT INTO got SELECT c.* FROM unnest(ARRAY['la_diabetes_path', 'en_concrete_path']) AS m,
	pg_temp.path(m, maas_info(m)) c;
SELECT model, compared, max_diff < 1e-6 AS path_within_1e6
FROM unnest(ARRAY['la_diabetes_path', 'en_concrete_path']) AS m, pg_temp.worst(m);

-- 5. the examples of README.md (Algorithms: naive_bayes, elastic_net and lasso), verbatim
SELECT name, rows_trained FROM maas_train('iris_nb', 'naive_bayes', 'iris', 'species');
SELECT maas_predict_class('iris_nb', i) AS class,
       round((maas_predict_proba('iris_nb', i))[2]::numeric, 4) AS p_versicolor
FROM iris i WHERE petal_length BETWEEN 4.9 AND 5.0;
SELECT name FROM maas_train('digits_nb', 'naive_bayes', 'digits', 'digit',
    '{"kind": "multinomial", "alpha": 0.5}');
SELECT (maas_evaluate('digits_nb', 'digits')->>'accuracy')::float8 > 0.85 AS good;
-- one model per species from per-class sums (sex from two measurements)
SELECT species, maas_predict_class(maas_fit('naive_bayes', ARRAY[bill_depth_mm, body_mass_g],
                                            (sex = 'male')::int), ARRAY[18.0, 4000]) AS sex_of_18mm_4kg
FROM penguins GROUP BY species ORDER BY species;
SELECT name FROM maas_train('lasso_diabetes', 'lasso', 'diabetes', 'progression',
    '{"alpha": 0.5, "path": true, "n_alphas": 20}');
SELECT jsonb_array_length(maas_info('lasso_diabetes')->'parameters'->'path'->'alphas') AS alphas;
SELECT round(maas_predict('lasso_diabetes', d)::numeric, 2) AS predicted,
       round((maas_explain('lasso_diabetes', d)->>'base')::numeric, 2) AS base
FROM diabetes d LIMIT 1;
SELECT f.key AS feature, round(f.value::numeric, 3) AS coef
FROM (SELECT maas_fit('elastic_net', ARRAY[bmi, bp, s5], progression,
                      '{"alpha": 0.1, "l1_ratio": 0.7}') AS m FROM diabetes) s,
     jsonb_each_text(maas_info(s.m)->'parameters'->'coefficients') AS f;
