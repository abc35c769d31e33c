-- mlp against PyTorch and scikit-learn: the same architecture, optimizer,
-- epochs and batch size, five-fold cross-validation on the real datasets
-- (row i of each CSV file in fold i % 5), the pooled held-out accuracy or
-- RMSE averaged over seeds.  Configurations and reference figures from
-- test/reference/mlp_reference.py (mlp_configs.csv, mlp_reference.csv).
SET maas.progress_interval = 0;

-- fresh copies of the files, numbered in file order
\set ECHO none
SET client_min_messages = warning;
CREATE TABLE mlp_q_config (config text, dataset text, target text, task text, metric text,
						   sel text, params jsonb, maas_seeds int);
\copy mlp_q_config FROM 'test/reference/mlp_configs.csv' (FORMAT csv, HEADER)
CREATE TABLE mlp_q_ref (config text, library text, metric text, value float8, spread float8);
\copy mlp_q_ref FROM 'test/reference/mlp_reference.csv' (FORMAT csv, HEADER)
CREATE FUNCTION pg_temp.mlp_q_load(ds text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE mlp_q_raw_%s AS SELECT * FROM %I WITH NO DATA', ds, ds);
END $$;
DO $$ BEGIN PERFORM pg_temp.mlp_q_load(d) FROM unnest(ARRAY['concrete', 'diabetes', 'ames',
	'sacramento', 'breast_cancer', 'credit_data', 'wa_churn', 'attrition', 'iris', 'wine',
	'penguins', 'digits']) d; END $$;
\copy mlp_q_raw_concrete FROM 'data/concrete.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_diabetes FROM 'data/diabetes.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_ames FROM 'data/ames.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_sacramento FROM 'data/sacramento.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_breast_cancer FROM 'data/breast_cancer.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_credit_data FROM 'data/credit_data.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_wa_churn FROM 'data/wa_churn.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_attrition FROM 'data/attrition.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_iris FROM 'data/iris.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_wine FROM 'data/wine.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_penguins FROM 'data/penguins.csv' (FORMAT csv, HEADER)
\copy mlp_q_raw_digits FROM 'data/digits.csv' (FORMAT csv, HEADER)
CREATE FUNCTION pg_temp.mlp_q_number(ds text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TABLE mlp_q_%s AS SELECT row_number() OVER (ORDER BY ctid) - 1 AS rid, * FROM mlp_q_raw_%s', ds, ds);
END $$;
DO $$ BEGIN PERFORM pg_temp.mlp_q_number(dataset) FROM (SELECT DISTINCT dataset FROM mlp_q_config) d; END $$;

-- the pooled accuracy or RMSE of one configuration over the five folds, for
-- one seed
CREATE TABLE mlp_q_run (config text, seed int, value float8);
CREATE FUNCTION pg_temp.mlp_q_cv(c mlp_q_config, seed int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	name text := 'mlp_q_' || c.config;
	total float8 := 0;
	rows int := 0;
	m jsonb;
BEGIN
	FOR k IN 0..4 LOOP
		PERFORM maas_train(name, 'mlp', format('SELECT %s FROM mlp_q_%s WHERE rid %% 5 <> %s', c.sel, c.dataset, k),
						   c.target, c.params || jsonb_build_object('seed', seed, 'test_size', 0,
																	'exclude', '["rid"]'::jsonb, 'deploy', 'always'));
		m := maas_evaluate(name, format('SELECT %s FROM mlp_q_%s WHERE rid %% 5 = %s', c.sel, c.dataset, k));
		IF c.metric = 'rmse' THEN
			total := total + (m->>'rmse')::float8 ^ 2 * (m->>'rows')::int;
		ELSE
			total := total + (m->>'accuracy')::float8 * (m->>'rows')::int;
		END IF;
		rows := rows + (m->>'rows')::int;
	END LOOP;
	PERFORM maas_drop(name);
	INSERT INTO mlp_q_run VALUES (c.config, seed,
		CASE WHEN c.metric = 'rmse' THEN sqrt(total / rows) ELSE total / rows END);
END $$;
-- maas's distance to a reference: accuracy points or RMSE percent
CREATE FUNCTION pg_temp.mlp_q_distance(metric text, maas float8, reference float8) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT round((CASE WHEN metric = 'rmse' THEN 100 * (maas / reference - 1)
				  ELSE 100 * (maas - reference) END)::numeric, 2) $$;
RESET client_min_messages;
\set ECHO all

-- every configuration, with its number of seeds (three, more where the
-- result varies more from seed to seed)
SELECT count(DISTINCT c.config) AS configs, count(*) AS runs
FROM mlp_q_config c, generate_series(1, c.maas_seeds) seed, LATERAL pg_temp.mlp_q_cv(c, seed);

-- within 1.5 points of accuracy, or 3% of RMSE, of PyTorch's and
-- scikit-learn's mean (or better).  Only the verdicts are printed here; the
-- figures go to a report (results/mlp_quality_report.txt next to
-- results/mlp_quality.out), so that a change within the tolerance passes and
-- the tolerance judges.  An f is a deviation to explain and fix, not to
-- accept: the report's pytorch_he_init column helps tell its cause
CREATE FUNCTION pg_temp.mlp_q_ok(metric text, maas float8, reference float8) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN metric = 'rmse' THEN maas <= reference * 1.03 ELSE maas >= reference - 0.015 END $$;
CREATE TEMP VIEW mlp_q_maas AS
SELECT config, avg(value) AS value, stddev_samp(value) AS spread, count(*) AS seeds
FROM mlp_q_run GROUP BY config;
CREATE TEMP VIEW mlp_q_check AS
SELECT c.config, c.metric, r.library, m.value AS maas, m.spread AS maas_spread,
	   r.value AS reference, r.spread AS reference_spread,
	   pg_temp.mlp_q_ok(c.metric, m.value, r.value) AS within_tolerance
FROM mlp_q_config c JOIN mlp_q_ref r USING (config) LEFT JOIN mlp_q_maas m USING (config);
SELECT config, metric, library, within_tolerance FROM mlp_q_check
WHERE library IN ('pytorch', 'sklearn') ORDER BY metric, config, library;

-- the figures, for a person to read: maas's mean over its seeds and the
-- references' over theirs, each +- the standard deviation over seeds, and
-- maas's distance to PyTorch and to scikit-learn: accuracy points (maas -
-- reference, -1.5 or more passes) or RMSE percent (maas / reference - 1, 3
-- or less passes).  pytorch_he_init (PyTorch with He uniform weights, Glorot
-- at the output, zero biases) is not a check: it tells an effect of the
-- initialization from anything else
\getenv abs_builddir PG_ABS_BUILDDIR
\set report :abs_builddir '/results/mlp_quality_report.txt'
\o :report
\qecho 'mlp_quality: pooled five-fold accuracy or RMSE, mean +- standard deviation over seeds, of maas and of the references'
SELECT config, metric, round(maas::numeric, 4) AS maas, round(maas_spread::numeric, 4) AS "+-",
	   round(max(reference) FILTER (WHERE library = 'pytorch')::numeric, 4) AS pytorch,
	   round(max(reference_spread) FILTER (WHERE library = 'pytorch')::numeric, 4) AS "+-",
	   round(max(reference) FILTER (WHERE library = 'sklearn')::numeric, 4) AS sklearn,
	   round(max(reference_spread) FILTER (WHERE library = 'sklearn')::numeric, 4) AS "+-",
	   round(max(reference) FILTER (WHERE library = 'pytorch_he_init')::numeric, 4) AS pytorch_he_init,
	   round(max(reference_spread) FILTER (WHERE library = 'pytorch_he_init')::numeric, 4) AS "+-",
	   pg_temp.mlp_q_distance(metric, maas, max(reference) FILTER (WHERE library = 'pytorch')) AS vs_pytorch,
	   pg_temp.mlp_q_distance(metric, maas, max(reference) FILTER (WHERE library = 'sklearn')) AS vs_sklearn,
	   bool_and(within_tolerance) FILTER (WHERE library IN ('pytorch', 'sklearn')) AS within_tolerance
FROM mlp_q_check GROUP BY config, metric, maas, maas_spread ORDER BY metric, config;
\o
