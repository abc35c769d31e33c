-- Tree models against scikit-learn and xgboost at the same hyperparameters,
-- five-fold cross-validation on the real datasets (row i of each CSV file in
-- fold i % 5); reference numbers from test/reference/make_tree_reference.py
SET maas.progress_interval = 0;

-- fresh copies of the files, numbered in file order
\set ECHO none
SET client_min_messages = warning;
CREATE TABLE tree_q_ref (dataset text, model text, metric text, value float8);
\copy tree_q_ref FROM 'test/reference/tree_reference.csv' (FORMAT csv, HEADER)
CREATE FUNCTION pg_temp.tree_q_load(ds text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE tree_q_raw_%s AS SELECT * FROM %I WITH NO DATA', ds, ds);
END $$;
DO $$ BEGIN PERFORM pg_temp.tree_q_load(d) FROM unnest(ARRAY['breast_cancer', 'credit_data',
	'wa_churn', 'iris', 'wine', 'penguins', 'concrete', 'diabetes', 'ames']) d; END $$;
\copy tree_q_raw_breast_cancer FROM 'data/breast_cancer.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_credit_data FROM 'data/credit_data.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_wa_churn FROM 'data/wa_churn.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_iris FROM 'data/iris.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_wine FROM 'data/wine.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_penguins FROM 'data/penguins.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_concrete FROM 'data/concrete.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_diabetes FROM 'data/diabetes.csv' (FORMAT csv, HEADER)
\copy tree_q_raw_ames FROM 'data/ames.csv' (FORMAT csv, HEADER)
CREATE FUNCTION pg_temp.tree_q_number(ds text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE tree_q_%s AS SELECT row_number() OVER (ORDER BY ctid) - 1 AS rid, * FROM tree_q_raw_%s', ds, ds);
END $$;
DO $$ BEGIN PERFORM pg_temp.tree_q_number(dataset) FROM (SELECT DISTINCT dataset FROM tree_q_ref) d; END $$;

-- pooled accuracy or RMSE over five folds
CREATE TABLE tree_q_result (dataset text, model text, metric text, value float8);
CREATE FUNCTION pg_temp.tree_q_cv(ds text, target text, model text, algorithm text, params jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	metric text := CASE WHEN ds IN ('concrete', 'diabetes', 'ames') THEN 'rmse' ELSE 'accuracy' END;
	name text := format('tree_q_%s_%s', ds, model);
	total float8 := 0;
	rows int := 0;
	m jsonb;
BEGIN
	FOR k IN 0..4 LOOP
		PERFORM maas_train(name, algorithm, format('SELECT * FROM tree_q_%s WHERE rid %% 5 <> %s', ds, k),
						   target, params || '{"test_size": 0, "exclude": ["rid"], "deploy": "always"}');
		m := maas_evaluate(name, format('SELECT * FROM tree_q_%s WHERE rid %% 5 = %s', ds, k));
		IF metric = 'rmse' THEN
			total := total + (m->>'rmse')::float8 ^ 2 * (m->>'rows')::int;
		ELSE
			total := total + (m->>'accuracy')::float8 * (m->>'rows')::int;
		END IF;
		rows := rows + (m->>'rows')::int;
	END LOOP;
	INSERT INTO tree_q_result VALUES (ds, model, metric,
		CASE WHEN metric = 'rmse' THEN sqrt(total / rows) ELSE total / rows END);
END $$;
RESET client_min_messages;
\set ECHO all

-- decision_tree and random_forest against scikit-learn (NULLs imputed on both
-- sides); gradient_boosting against xgboost (NULLs native on both sides)
SELECT count(*) AS datasets FROM (
SELECT pg_temp.tree_q_cv(ds, target, 'dt', 'decision_tree',
		'{"max_depth": 5, "missing": "impute"}'::jsonb || task),
	   pg_temp.tree_q_cv(ds, target, 'rf', 'random_forest',
		'{"n_estimators": 100, "missing": "impute"}'::jsonb || task),
	   pg_temp.tree_q_cv(ds, target, 'gb', 'gradient_boosting',
		'{"n_estimators": 100, "max_depth": 6, "learning_rate": 0.3, "max_bin": 255}'::jsonb || task)
FROM (VALUES ('breast_cancer', 'malignant', '{}'::jsonb), ('credit_data', 'status', '{}'),
			 ('wa_churn', 'churn', '{}'), ('iris', 'species', '{}'),
			 ('wine', 'cultivar', '{"task": "classification"}'), ('penguins', 'species', '{}'),
			 ('concrete', 'compressive_strength', '{}'), ('diabetes', 'progression', '{}'),
			 ('ames', 'sale_price', '{}')) AS t(ds, target, task)) x;

-- within 1 point of accuracy, or 2% of RMSE, of the reference (or better).
-- Only the verdicts are printed here; the figures go to a report
-- (results/tree_quality_report.txt next to results/tree_quality.out), so
-- that a change within the tolerance passes and the tolerance judges
CREATE FUNCTION pg_temp.tree_q_ok(metric text, maas float8, reference float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN metric = 'rmse' THEN maas <= reference * 1.02 ELSE maas >= reference - 0.01 END $$;
CREATE TEMP VIEW tree_q_check AS
SELECT r.dataset, r.model, r.metric, m.value AS maas, r.value AS reference,
	   pg_temp.tree_q_ok(r.metric, m.value, r.value) AS within_tolerance
FROM tree_q_ref r LEFT JOIN tree_q_result m USING (dataset, model);
SELECT dataset, model, metric, within_tolerance FROM tree_q_check ORDER BY metric, dataset, model;
-- the tolerance bites: against a reference 5 points more accurate, or with
-- 10% less RMSE, no check passes
SELECT count(*) AS checks,
	   count(*) FILTER (WHERE pg_temp.tree_q_ok(metric, maas, CASE WHEN metric = 'rmse' THEN reference * 0.9
																ELSE reference + 0.05 END)) AS still_passing
FROM tree_q_check;

-- the figures, for a person to read
\getenv abs_builddir PG_ABS_BUILDDIR
\set report :abs_builddir '/results/tree_quality_report.txt'
\o :report
\qecho 'tree_quality: pooled five-fold accuracy or RMSE of maas and of the reference (scikit-learn, xgboost)'
SELECT dataset, model, metric, round(maas::numeric, 4) AS maas, round(reference::numeric, 4) AS reference,
	   within_tolerance
FROM tree_q_check ORDER BY metric, dataset, model;
\o
