-- One encoder for training and serving: for every column kind (numbers,
-- booleans, text, enums, arrays, NULLs imputed and left to the trees),
-- maas_evaluate over the training rows of a model trained without a split
-- gives exactly the metrics stored at training.  Training encodes its matrix
-- and serving encodes row by row; any skew between the two shows here.
SET maas.progress_interval = 0;

CREATE TYPE enc_island AS ENUM ('Torgersen', 'Biscoe', 'Dream');
CREATE TABLE enc AS
SELECT species, island::enc_island AS island_enum, island, bill_length_mm,
	   flipper_length_mm, sex = 'male' AS male,
	   ARRAY[bill_depth_mm, flipper_length_mm / 10.0] AS dims, sex, body_mass_g,
	   year::numeric AS year
FROM penguins;
-- every kind has NULLs: numbers, booleans, text, enums, array elements, arrays
UPDATE enc SET island_enum = NULL WHERE body_mass_g % 7 = 0;
UPDATE enc SET dims[2] = NULL WHERE body_mass_g % 13 = 0;
UPDATE enc SET dims = NULL WHERE body_mass_g % 11 = 0;
SELECT count(*) FILTER (WHERE bill_length_mm IS NULL) > 0 AS null_number,
	   count(*) FILTER (WHERE male IS NULL) > 0 AS null_boolean,
	   count(*) FILTER (WHERE sex IS NULL) > 0 AS null_text,
	   count(*) FILTER (WHERE island_enum IS NULL) > 0 AS null_enum,
	   count(*) FILTER (WHERE dims IS NULL) > 0 AS null_array,
	   count(*) FILTER (WHERE dims[2] IS NULL AND dims IS NOT NULL) > 0 AS null_element
FROM enc;

CREATE TEMP TABLE enc_runs (name text, algorithm text, target text, params jsonb);
INSERT INTO enc_runs VALUES
	('enc_lin', 'linear_regression', 'body_mass_g', '{"exclude": ["species"]}'),
	('enc_lin_onecat', 'linear_regression', 'body_mass_g', '{"max_categories": 1, "fit_intercept": false}'),
	('enc_log', 'logistic_regression', 'species', '{"C": 10}'),
	('enc_log_bool', 'logistic_regression', 'male', '{"exclude": ["sex"]}'),
	('enc_dt_native', 'decision_tree', 'species', '{"max_depth": 4}'),
	('enc_dt_impute', 'decision_tree', 'species', '{"max_depth": 4, "missing": "impute"}'),
	('enc_rf', 'random_forest', 'body_mass_g', '{"n_estimators": 10}'),
	('enc_gb_native', 'gradient_boosting', 'species', '{"n_estimators": 10}'),
	('enc_gb_impute', 'gradient_boosting', 'body_mass_g', '{"n_estimators": 10, "missing": "impute"}'),
	('enc_mlp', 'mlp', 'species', '{"hidden_layers": [8], "epochs": 5, "batch_size": 16}');

-- trained on every row (test_size 0), then evaluated on the same rows
CREATE TEMP TABLE enc_trained AS
SELECT r.name, t.task, t.rows_trained, t.metrics
FROM enc_runs r,
	 LATERAL maas_train(r.name, r.algorithm, 'enc', r.target,
						r.params || '{"test_size": 0}') t;
-- (maas_evaluate reports more than the stored metrics: confusion matrix,
-- per-class report, residual quantiles; every stored metric is among them.
-- The MLP reads its training rows in single precision, so its training
-- metrics agree with the double-precision evaluation to 1e-6, not exactly)
SELECT name, task, rows_trained, metrics->>'evaluated_on' AS evaluated_on,
	   CASE WHEN name = 'enc_mlp' THEN
		   (SELECT bool_and(e ? t.key AND abs(t.value::text::float8 - (e -> t.key)::text::float8)
							<= 1e-6 * greatest(1, abs(t.value::text::float8)))
			FROM jsonb_each(metrics - 'evaluated_on') t)
	   ELSE (metrics - 'evaluated_on') <@ e END AS same_metrics
FROM enc_trained,
	 LATERAL (SELECT maas_evaluate(name, 'enc') - 'rows_skipped' - 'version') AS ev(e)
ORDER BY name;

-- a type named vector that is not pgvector's is not read as one
CREATE TYPE vector AS (x float8, y float8);
CREATE TABLE not_pgvector AS
SELECT ROW(bill_length_mm, bill_depth_mm)::vector AS v, body_mass_g FROM penguins;
SELECT maas_train('enc_not_pgvector', 'linear_regression', 'not_pgvector', 'body_mass_g');
DROP TABLE not_pgvector;
DROP TYPE vector;
