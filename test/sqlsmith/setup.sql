-- 011_sqlsmith: a database for random SQL.  Models of every kind, and
-- tables whose values random queries pick up as arguments: model names,
-- feature vectors, model bytes (valid, truncated, flipped), fit states,
-- params.  Run from the repository root after data/schema.sql and
-- data/load.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS maas;
SET maas.progress_interval = 0;

SELECT name, version FROM maas_train('fz_lin', 'linear_regression', 'diabetes', 'progression');
SELECT name, version FROM maas_train('fz_ridge', 'linear_regression', 'concrete', 'compressive_strength', '{"l2": 10}');
SELECT name, version FROM maas_train('fz_bin', 'logistic_regression', 'breast_cancer', 'malignant');
SELECT name, version FROM maas_train('fz_multi', 'logistic_regression', 'iris', 'species', '{"penalty": "l1", "C": 0.5}');
SELECT name, version FROM maas_train('fz_churn', 'logistic_regression', 'wa_churn', 'churn', '{"max_iter": 50}');
SELECT name, version FROM maas_train('fz_penguins', 'logistic_regression', 'penguins', 'species', '{"max_categories": 2, "max_iter": 50}');
SELECT name, version FROM maas_train('fz_credit', 'linear_regression', 'credit_data', 'amount', '{"missing": "skip"}');
SELECT name, version FROM maas_train('fz_lin', 'linear_regression', 'diabetes', 'progression', '{"deploy": "never", "fit_intercept": false}');
-- tree models, where the build has them
DO $$
BEGIN
	PERFORM maas_train('fz_tree', 'decision_tree', 'iris', 'species', '{"max_depth": 5}');
	PERFORM maas_train('fz_forest', 'random_forest', 'diabetes', 'progression', '{"n_estimators": 10, "max_depth": 6}');
	PERFORM maas_train('fz_boost', 'gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 20}');
	PERFORM maas_train('fz_native', 'decision_tree', 'penguins', 'sex', '{"missing": "native", "max_depth": 4}');
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'no tree models: %', SQLERRM;
END $$;

CREATE TABLE fz_names (name text);
INSERT INTO fz_names VALUES ('fz_lin'), ('fz_ridge'), ('fz_bin'), ('fz_multi'), ('fz_churn'), ('fz_penguins'),
	('fz_credit'), ('fz_tree'), ('fz_forest'), ('fz_boost'), ('fz_native'), ('fz_none'), (''), ('x''; DROP TABLE fz_names; --'), (repeat('n', 63)), (repeat('n', 64)),
	(E'fz\tlin'), ('FZ_LIN'), ('linear_regression'), ('logistic_regression'), ('diabetes'), ('iris'),
	('SELECT * FROM iris'), ('progression'), ('species'), (NULL);

CREATE TABLE fz_vectors (v float8[]);
INSERT INTO fz_vectors VALUES (ARRAY[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]),
	(ARRAY[5.1, 3.5, 1.4, 0.2]), ('{}'), (ARRAY[1]), (ARRAY[NULL, 1]::float8[]), (ARRAY['NaN', 1]::float8[]),
	(ARRAY['Infinity', '-Infinity']::float8[]), (ARRAY[1e308, -1e308, 1e-308]), ('{{1,2},{3,4}}'),
	('[5:8]={1,2,3,4}'), (array_fill(1.5::float8, ARRAY[30])), (array_fill(0::float8, ARRAY[100000])), (NULL);

CREATE TABLE fz_models (m bytea);
INSERT INTO fz_models SELECT model FROM maas.models;
INSERT INTO fz_models SELECT substring(model FROM 1 FOR greatest(length(model) - 9, 0)) FROM maas.models;
INSERT INTO fz_models SELECT substring(model FROM 1 FOR 32) FROM maas.models;
INSERT INTO fz_models SELECT set_byte(model, 40, (get_byte(model, 40) + 1) % 256) FROM maas.models;
INSERT INTO fz_models SELECT set_byte(model, 5, 7) FROM maas.models;
INSERT INTO fz_models VALUES (''), ('\x00'), ('MAAS'::bytea), (decode(repeat('ff', 64), 'hex')), (NULL);

CREATE TABLE fz_states (s bytea);
INSERT INTO fz_states SELECT maas_fit_partial('linear_regression', ARRAY[age, bmi], progression) FROM diabetes;
INSERT INTO fz_states SELECT maas_fit_partial('logistic_regression', ARRAY[sepal_length, petal_width],
	CASE species WHEN 'setosa' THEN 0 ELSE 1 END) FROM iris;
INSERT INTO fz_states SELECT maas_fit_partial('linear_regression', ARRAY[age, bmi, bp], progression, '{"l2": 1}') FROM diabetes;
INSERT INTO fz_states SELECT set_byte(s, length(s) - 1, 255) FROM fz_states WHERE length(s) > 0;
INSERT INTO fz_states SELECT set_byte(s, 20, 255) FROM fz_states WHERE length(s) > 20;
INSERT INTO fz_states SELECT substring(s FROM 1 FOR 40) FROM fz_states WHERE s IS NOT NULL;
INSERT INTO fz_states VALUES (''), ('MAFS'::bytea), (NULL);

CREATE TABLE fz_params (p jsonb);
INSERT INTO fz_params VALUES ('{}'), ('{"l2": 1}'), ('{"l2": -1}'), ('{"C": 0}'), ('{"penalty": "l1"}'),
	('{"task": "classification"}'), ('{"test_size": 0.9}'), ('{"features": ["age", "bmi"]}'),
	('{"exclude": "age"}'), ('{"deploy": "never"}'), ('{"max_iter": 1}'), ('{"seed": 1e300}'),
	('{"missing": "native"}'), ('[]'), ('null'), ('"x"'), ('{"l2": {"a": [1, 2]}}'), (NULL);

CREATE TABLE fz_sources (source text, target text);
INSERT INTO fz_sources VALUES ('diabetes', 'progression'), ('iris', 'species'), ('wa_churn', 'churn'),
	('SELECT * FROM iris LIMIT 5', 'species'), ('SELECT 1 AS x, 2 AS y', 'y'), ('penguins', 'sex'),
	('fz_vectors', 'v'), ('SELECT v, 1.0::float8 AS y FROM fz_vectors', 'y'), ('nonexistent', 'x'),
	('TABLE breast_cancer', 'malignant'), ('VALUES (1, 2)', 'column2'), (NULL, NULL);
ANALYZE;
