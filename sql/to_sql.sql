-- maas_to_sql: models as plain SQL expressions, run here and compared
-- with maas_predict on every row of the data
SET maas.progress_interval = 0;
SET client_min_messages = warning;

-- the largest difference between the generated expression and maas_predict
-- over a table's rows (classes: the rows where they differ)
CREATE FUNCTION pg_temp.sql_vs_predict(model text, tbl text) RETURNS TABLE (rows bigint, max_diff float8) LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT count(*), max(abs((%s) - maas_predict(%L, t))) FROM %I t',
								maas_to_sql(model), model, tbl);
END $$;

-- the same for maas_to_sql(..., proba => true) and maas_predict_proba
CREATE FUNCTION pg_temp.proba_vs_predict(model text, tbl text) RETURNS TABLE (rows bigint, max_diff float8) LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT count(*), max((SELECT max(abs(a - b)) FROM unnest((%s), maas_predict_proba(%L, t)) AS u(a, b))) FROM %I t',
								maas_to_sql(model, proba => true), model, tbl);
END $$;

SELECT name, algorithm, task
FROM (VALUES ('sql_lin', 'linear_regression', 'diabetes', 'progression', '{}'::jsonb),
			 ('sql_enet', 'elastic_net', 'diabetes', 'progression', '{"alpha": 0.1}'),
			 ('sql_lasso', 'lasso', 'diabetes', 'progression', '{"alpha": 0.1}'),
			 ('sql_logit_bc', 'logistic_regression', 'breast_cancer', 'malignant', '{}'),
			 ('sql_logit_peng', 'logistic_regression', 'penguins', 'species', '{}'),
			 ('sql_dt_conc', 'decision_tree', 'concrete', 'compressive_strength', '{"max_depth": 5}'),
			 ('sql_dt_peng', 'decision_tree', 'penguins', 'species', '{"max_depth": 4}'),
			 ('sql_rf_conc', 'random_forest', 'concrete', 'compressive_strength', '{"n_estimators": 5, "max_depth": 4}'),
			 ('sql_gb_conc', 'gradient_boosting', 'concrete', 'compressive_strength', '{"n_estimators": 10, "max_depth": 3}'),
			 ('sql_gb_bc', 'gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 10, "max_depth": 3}'),
			 ('sql_gb_peng', 'gradient_boosting', 'penguins', 'species', '{"n_estimators": 8, "max_depth": 3}'),
			 ('sql_rf_peng', 'random_forest', 'penguins', 'species', '{"n_estimators": 3}'),
			 ('sql_km', 'kmeans', 'SELECT bill_length_mm, bill_depth_mm FROM penguins WHERE bill_length_mm IS NOT NULL', NULL, '{"n_clusters": 3}'))
	 AS m(n, a, s, t, p),
	 LATERAL maas_train(n, a, s, t, p)
ORDER BY name;
RESET client_min_messages;

-- equal to maas_predict on every row (1e-9); classes exactly
SELECT m.name, r.rows, r.max_diff < 1e-9 AS equal_1e9
FROM (VALUES ('sql_lin', 'diabetes'), ('sql_enet', 'diabetes'), ('sql_lasso', 'diabetes'),
			 ('sql_logit_bc', 'breast_cancer'), ('sql_logit_peng', 'penguins'),
			 ('sql_dt_conc', 'concrete'), ('sql_dt_peng', 'penguins'), ('sql_rf_conc', 'concrete'),
			 ('sql_gb_conc', 'concrete'), ('sql_gb_bc', 'breast_cancer'), ('sql_gb_peng', 'penguins'),
			 ('sql_rf_peng', 'penguins'))
	 AS m(name, tbl),
	 LATERAL pg_temp.sql_vs_predict(m.name, m.tbl) r
ORDER BY m.name;

-- class probabilities: the logistic link, the softmax, a tree's leaves, a forest's mean (1e-9)
SELECT m.name, r.rows, r.max_diff < 1e-9 AS equal_1e9
FROM (VALUES ('sql_logit_bc', 'breast_cancer'), ('sql_logit_peng', 'penguins'),
			 ('sql_dt_peng', 'penguins'), ('sql_gb_bc', 'breast_cancer'), ('sql_gb_peng', 'penguins'),
			 ('sql_rf_peng', 'penguins'))
	 AS m(name, tbl),
	 LATERAL pg_temp.proba_vs_predict(m.name, m.tbl) r
ORDER BY m.name;
-- scores far beyond exp's range (PostgreSQL's exp raises an error there)
CREATE TEMP TABLE sql_bc_extreme AS SELECT * FROM breast_cancer LIMIT 4;
UPDATE sql_bc_extreme SET worst_area = worst_area * (CASE WHEN mean_radius > 15 THEN 1e6 ELSE -1e6 END);
SELECT r.rows, r.max_diff < 1e-9 AS equal_1e9,
	   (SELECT count(*) FROM sql_bc_extreme t WHERE (maas_predict_proba('sql_logit_bc', t))[2] IN (0, 1)) AS saturated
FROM pg_temp.proba_vs_predict('sql_logit_bc', 'sql_bc_extreme') r;

-- what the SQL looks like: a dot product, nested CASEs, the class of the largest score
SELECT maas_to_sql('sql_lin') ~ '^\(\(?-?[0-9.]+(e[+-]?[0-9]+)?\)?::float8 \+ [^ ]+ \* COALESCE\(\(age\)::float8, ' AS dot_product,
	   maas_to_sql('sql_dt_conc') ~ '^CASE WHEN \(age\)::float8 <= 21::float8 THEN CASE WHEN' AS nested_case,
	   maas_to_sql('sql_logit_peng') ~ 'WHEN \(island\)::text = ''Biscoe'' THEN 1::float8 ELSE 0::float8 END' AS one_hot,
	   maas_to_sql('sql_gb_peng') ~ '^\(SELECT CASE WHEN s0 >= s1 AND s0 >= s2 THEN 0' AS argmax;

-- imported models too (sql/import.sql), on the held-out rows of the reference
\set ECHO none
CREATE TEMP TABLE sql_diab (LIKE diabetes);
ALTER TABLE sql_diab DROP COLUMN progression, ADD lib float8, ADD exact float8;
\copy sql_diab FROM 'test/reference/import_xgb_diab.csv' (FORMAT csv, HEADER)
\set d `cat test/import/xgb_diab.json`
\set ECHO all
SELECT maas_import('sql_xgb_diab', 'xgboost', :'d',
				   '{"features": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]}') AS version;
SELECT rows, max_diff < 1e-9 AS equal_1e9 FROM pg_temp.sql_vs_predict('sql_xgb_diab', 'sql_diab');

-- an older version, and inline bytes
SELECT maas_to_sql('sql_lin', 1) = maas_to_sql('sql_lin') AS version_1,
	   maas_to_sql((SELECT model FROM maas.models WHERE name = 'sql_gb_bc')) = maas_to_sql('sql_gb_bc') AS bytes;

-- what it cannot write
SELECT maas_test.errh($$SELECT maas_to_sql('sql_km')$$) AS kmeans;
SELECT maas_test.errh($$SELECT maas_to_sql('sql_lin', proba => true)$$) AS regression_proba;
SELECT maas_test.err($$SELECT maas_to_sql('sql_lin', 7)$$) AS no_such_version;
SELECT maas_test.err($$SELECT maas_to_sql('sql_nothing')$$) AS no_such_model;

-- maas_export(name, 'json') of linear models: computing the prediction from
-- the document alone gives maas's (the sums in another order: 1e-9)
CREATE FUNCTION pg_temp.floats(j jsonb) RETURNS float8[] LANGUAGE sql
	AS $$ SELECT array(SELECT v::float8 FROM jsonb_array_elements_text(j) v) $$;
SELECT e->>'format' AS format, e->>'link' AS link, jsonb_array_length(e->'features') AS features,
	   e->'center' <> 'null' AS has_center,
	   (SELECT max(abs((e->'intercept'->>0)::float8
			+ (SELECT sum(w * (r->>f)::float8) FROM unnest(pg_temp.floats(e->'coefficients'->0),
				array(SELECT jsonb_array_elements_text(e->'features'))) AS u(w, f))
			- maas_predict('sql_lin', d))) FROM diabetes d, LATERAL to_jsonb(d) r) < 1e-9 AS linear_1e9
FROM (SELECT maas_export('sql_lin', 'json')::jsonb AS e) x;
SELECT e->>'link' AS link, e->'classes' AS classes,
	   (SELECT max(abs(1 / (1 + exp(-((e->'intercept'->>0)::float8
			+ (SELECT sum(w * ((r->>f)::float8 - c) / s) FROM unnest(pg_temp.floats(e->'coefficients'->0),
				pg_temp.floats(e->'center'), pg_temp.floats(e->'scale'),
				array(SELECT jsonb_array_elements_text(e->'features'))) AS u(w, c, s, f)))))
			- (maas_predict_proba('sql_logit_bc', b))[2])) FROM breast_cancer b, LATERAL to_jsonb(b) r) < 1e-9 AS logistic_1e9
FROM (SELECT maas_export('sql_logit_bc', 'json')::jsonb AS e) x;
SELECT e->>'link' AS link, e->'features'->0 AS first_feature, e->'columns'->0->'categories' AS categories
FROM (SELECT maas_export('sql_logit_peng', 'json')::jsonb AS e) x;
SELECT maas_test.errh($$SELECT maas_export('sql_dt_conc', 'json')$$) AS tree_as_json;
SELECT maas_test.errh($$SELECT maas_export('sql_lin', 'xgboost')$$) AS linear_as_xgboost;
