-- Params: every key known, every value of the right type and range, the
-- hint says what is valid; JSON null means the default; the resolved set,
-- defaults included, is stored with the model and reaches the algorithm.
SET maas.progress_interval = 0;

-- maas_train of linear_regression on diabetes / logistic_regression on iris with params
CREATE FUNCTION pg_temp.lin(params text) RETURNS text LANGUAGE sql AS $$
	SELECT format('SELECT maas_train(''params_lin'', ''linear_regression'', ''diabetes'', ''progression'', %L)', params) $$;
CREATE FUNCTION pg_temp.log(params text) RETURNS text LANGUAGE sql AS $$
	SELECT format('SELECT maas_train(''params_log'', ''logistic_regression'', ''iris'', ''species'', %L)', params) $$;

-- unknown keys: the hint lists the algorithm's params, then the common ones
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'linear_regression', pg_temp.lin('{"alpha": 1}')),
	(2, 'logistic_regression', pg_temp.log('{"alpha": 1}')),
	(3, 'logistic param given to linear', pg_temp.lin('{"C": 1}')),
	(4, 'linear param given to logistic', pg_temp.log('{"l2": 1}')),
	(5, 'case matters', pg_temp.lin('{"Test_Size": 0.2}')),
	(6, 'empty key', pg_temp.lin('{"": 1}')),
	(7, 'maas_fit', $$SELECT maas_fit('linear_regression', ARRAY[age], progression, '{"alpha": 1}') FROM diabetes$$),
	(8, 'maas_train param given to maas_fit', $$SELECT maas_fit('linear_regression', ARRAY[age], progression, '{"test_size": 0.2}') FROM diabetes$$)
) AS t(n, label, q)
ORDER BY n;

-- wrong types: the hint is the param's help
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'string for a number', pg_temp.lin('{"test_size": "0.2"}')),
	(2, 'boolean for a number', pg_temp.log('{"C": true}')),
	(3, 'array for a number', pg_temp.log('{"tol": [0.1]}')),
	(4, 'number for a boolean', pg_temp.lin('{"fit_intercept": 1}')),
	(5, 'string for a boolean', pg_temp.lin('{"fit_intercept": "true"}')),
	(6, '1.5 for an integer', pg_temp.lin('{"seed": 1.5}')),
	(7, '1.5 for max_iter', pg_temp.log('{"max_iter": 1.5}')),
	(8, 'string for an integer', pg_temp.lin('{"max_categories": "10"}')),
	(9, 'boolean for a string', pg_temp.lin('{"deploy": true}')),
	(10, 'number for a string', pg_temp.log('{"penalty": 2}')),
	(11, 'object for a string', pg_temp.lin('{"missing": {"x": 1}}')),
	(12, 'number for names', pg_temp.lin('{"features": 1}')),
	(13, 'array of numbers for names', pg_temp.lin('{"features": [1, 2]}')),
	(14, 'object for names', pg_temp.lin('{"exclude": {"age": true}}')),
	(15, 'null inside names', pg_temp.lin('{"features": ["age", null]}')),
	(16, 'nested array for names', pg_temp.lin('{"features": [["age"]]}'))
) AS t(n, label, q)
ORDER BY n;

-- out of range: the message gives the bounds
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'test_size 1.0', pg_temp.lin('{"test_size": 1.0}')),
	(2, 'test_size 0.95', pg_temp.lin('{"test_size": 0.95}')),
	(3, 'test_size -0.1', pg_temp.lin('{"test_size": -0.1}')),
	(4, 'C 0', pg_temp.log('{"C": 0}')),
	(5, 'C -1', pg_temp.log('{"C": -1}')),
	(6, 'C 1e13', pg_temp.log('{"C": 1e13}')),
	(7, 'max_iter 0', pg_temp.log('{"max_iter": 0}')),
	(8, 'max_iter 1000001', pg_temp.log('{"max_iter": 1000001}')),
	(9, 'tol 2', pg_temp.log('{"tol": 2}')),
	(10, 'tol -1e-9', pg_temp.log('{"tol": -1e-9}')),
	(11, 'l2 -1', pg_temp.lin('{"l2": -1}')),
	(12, 'seed -1', pg_temp.lin('{"seed": -1}')),
	(13, 'max_categories 0', pg_temp.lin('{"max_categories": 0}')),
	(14, 'max_categories 10001', pg_temp.lin('{"max_categories": 10001}'))
) AS t(n, label, q)
ORDER BY n;
-- Integer values are printed exactly, and a number beyond float8 is a
-- range error (22023) that names the param
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'seed 2147483648', pg_temp.lin('{"seed": 2147483648}')),
	(2, 'max_categories 12345678', pg_temp.lin('{"max_categories": 12345678}')),
	(3, 'l2 1e400', pg_temp.lin('{"l2": 1e400}'))
) AS t(n, label, q)
ORDER BY n;

-- not one of the choices: the hint lists them
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'deploy sometimes', pg_temp.lin('{"deploy": "sometimes"}')),
	(2, 'deploy AUTO (case matters)', pg_temp.lin('{"deploy": "AUTO"}')),
	(3, 'deploy empty', pg_temp.lin('{"deploy": ""}')),
	(4, 'deploy "auto,always"', pg_temp.lin('{"deploy": "auto,always"}')),
	(5, 'penalty elasticnet', pg_temp.log('{"penalty": "elasticnet"}')),
	(6, 'missing drop', pg_temp.lin('{"missing": "drop"}')),
	(7, 'task clustering', pg_temp.lin('{"task": "clustering"}'))
) AS t(n, label, q)
ORDER BY n;

-- params must be an object
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'array', pg_temp.lin('[]')),
	(2, 'array of an object', pg_temp.lin('[{"test_size": 0.2}]')),
	(3, 'number', pg_temp.lin('1')),
	(4, 'string', pg_temp.lin('"test_size"')),
	(5, 'boolean', pg_temp.lin('true')),
	(6, 'JSON null', pg_temp.lin('null'))
) AS t(n, label, q)
ORDER BY n;

-- none of those trained anything
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'params\_%';

-- the resolved params, defaults included, are stored with the model
-- "missing" has no default in the spec (it depends on the algorithm), but
-- the policy in effect ("impute" here) is stored
SELECT name, version FROM maas_train('params_lin', 'linear_regression', 'diabetes', 'progression');
SELECT name, version FROM maas_train('params_log', 'logistic_regression', 'iris', 'species');
SELECT name, params FROM maas.models WHERE name IN ('params_lin', 'params_log') ORDER BY name;

-- more versions with params; a statement cannot see the rows its own
-- maas_train calls insert, so they are looked at in the statements after
-- (max_iter 3 warns that it did not converge: not shown)
SET client_min_messages = warning;
CREATE TEMP TABLE params_runs AS
SELECT t.n, t.label, r.*
FROM (VALUES
	(1, 'SQL NULL', 'params_lin', NULL::jsonb),
	(2, 'empty object', 'params_lin', '{}'),
	(3, 'JSON nulls', 'params_lin', '{"test_size": null, "seed": null, "deploy": null, "missing": null, "max_categories": null,
									 "features": null, "exclude": null, "task": null, "l2": null, "fit_intercept": null}'),
	(4, 'JSON nulls', 'params_log', '{"penalty": null, "C": null, "max_iter": null, "tol": null, "fit_intercept": null}'),
	(5, 'given values', 'params_log', '{"C": 0.5, "max_iter": 200.0, "penalty": "l1", "seed": 7, "test_size": 0,
										"deploy": "never", "missing": "skip", "exclude": ["sepal_width"]}'),
	(6, 'features as a string', 'params_lin', '{"features": "bmi", "deploy": "never"}'),
	(7, 'exclude as a string', 'params_lin', '{"exclude": "sex", "deploy": "never"}'),
	(8, 'excluded and listed', 'params_lin', '{"features": ["age", "bmi", "bp"], "exclude": "bmi", "deploy": "never"}'),
	(9, 'repeated key', 'params_lin', '{"seed": 1, "seed": 2, "deploy": "never"}'),
	(10, 'linear defaults', 'params_lin', '{"deploy": "never"}'),
	(11, 'fit_intercept false', 'params_lin', '{"fit_intercept": false, "deploy": "never"}'),
	(12, 'l2 1000', 'params_lin', '{"l2": 1000, "deploy": "never"}'),
	(13, 'l2 1e9', 'params_lin', '{"l2": 1e9, "deploy": "never"}'),
	(14, 'logistic defaults', 'params_log', '{"deploy": "never"}'),
	(15, 'max_iter 3', 'params_log', '{"max_iter": 3, "deploy": "never"}'),
	(16, 'penalty l1, C 0.01', 'params_log', '{"penalty": "l1", "C": 0.01, "deploy": "never"}'),
	(17, 'C 1e-6', 'params_log', '{"C": 1e-6, "deploy": "never"}')
) AS t(n, label, name, p),
LATERAL maas_train(t.name, CASE t.name WHEN 'params_lin' THEN 'linear_regression' ELSE 'logistic_regression' END,
				   CASE t.name WHEN 'params_lin' THEN 'diabetes' ELSE 'iris' END,
				   CASE t.name WHEN 'params_lin' THEN 'progression' ELSE 'species' END, p) r;
RESET client_min_messages;
CREATE TEMP VIEW params_run_models AS
SELECT r.n, r.label, m.* FROM params_runs r JOIN maas.models m USING (name, version);

-- SQL NULL params, an empty object and JSON nulls all mean the defaults
SELECT n, label, name,
	   params = (SELECT params FROM maas.models d WHERE d.name = m.name AND d.version = 1) AS same_as_defaults
FROM params_run_models m WHERE n <= 4 ORDER BY n;
-- given values are stored as given, the rest defaulted; an integral number
-- is fine for an integer
SELECT label, params FROM params_run_models WHERE n = 5;
-- features and exclude take a single name as well as an array; a name in
-- both is left out; the last of a repeated key wins (jsonb keeps one)
SELECT label, params->'features' AS features_param, params->'exclude' AS exclude_param, params->'seed' AS seed,
	   (SELECT array_agg(f->>'name') FROM jsonb_array_elements(features) f) AS features
FROM params_run_models WHERE n BETWEEN 6 AND 9 ORDER BY n;

-- the params reach the split and the algorithm
SELECT label, rows_trained, metrics->>'evaluated_on' AS evaluated_on, (metrics->>'rows')::int AS rows_scored
FROM (VALUES
	(1, 'test_size 0', '{"test_size": 0, "deploy": "never"}'::jsonb),
	(2, 'test_size 0.5', '{"test_size": 0.5, "deploy": "never"}'),
	(3, 'test_size 0.9', '{"test_size": 0.9, "deploy": "never"}'),
	(4, 'default (0.2)', '{"deploy": "never"}'),
	(5, 'seed 0', '{"seed": 0, "deploy": "never"}'),
	(6, 'seed 2147483647', '{"seed": 2147483647, "deploy": "never"}')
) AS t(n, label, p),
LATERAL maas_train('params_lin', 'linear_regression', 'diabetes', 'progression', p)
ORDER BY n;
-- the same seed splits the same way; another seed does not
SELECT count(DISTINCT rows_trained) FILTER (WHERE s = 5) AS seed_5_splits,
	   count(DISTINCT metrics) FILTER (WHERE s = 5) AS seed_5_metrics,
	   count(DISTINCT metrics) AS all_metrics
FROM (VALUES (5), (5), (6)) AS t(s),
LATERAL maas_train('params_lin', 'linear_regression', 'diabetes', 'progression',
				   jsonb_build_object('seed', s, 'deploy', 'never'));
-- linear: fit_intercept false gives intercept 0; l2 shrinks the coefficients
SELECT label, (i->'parameters'->>'intercept')::float8 = 0 AS intercept_zero,
	   round((SELECT sqrt(sum(value::text::float8 ^ 2)) FROM jsonb_each(i->'parameters'->'coefficients'))::numeric, 0) AS coef_norm
FROM params_run_models, maas_info(model) i
WHERE n BETWEEN 10 AND 13 ORDER BY n;
-- logistic: max_iter bounds the iterations; L1 zeroes weights; a tiny C
-- leaves the classes near uniform
SELECT label, (i->'parameters'->>'iterations')::int <= 3 AS at_most_3_iterations,
	   (SELECT count(*) FROM jsonb_each(i->'parameters'->'weights') w, jsonb_each(w.value->'coefficients') c
		WHERE c.value::text::float8 = 0) AS zero_weights,
	   round((maas_predict_proba(model, ARRAY[5.1, 3.5, 1.4, 0.2]))[1]::numeric, 2) AS p_setosa
FROM params_run_models, maas_info(model) i
WHERE n BETWEEN 14 AND 17 ORDER BY n;

-- max_categories keeps the most frequent text values; missing skip drops
-- rows with a NULL feature, impute keeps them
CREATE TEMP TABLE params_cat_runs AS
SELECT t.n, t.label, r.*
FROM (VALUES
	(1, 'defaults', '{}'::jsonb),
	(2, 'max_categories 1', '{"max_categories": 1}'),
	(3, 'max_categories 2, missing skip', '{"max_categories": 2, "missing": "skip"}')
) AS t(n, label, p),
LATERAL maas_train('params_cat', 'logistic_regression', 'penguins', 'species', p || '{"deploy": "never"}') r;
SELECT label, r.rows_trained + (r.metrics->>'rows')::int AS rows_used, r.rows_skipped,
	   (SELECT f->'categories' FROM jsonb_array_elements(m.features) f WHERE f->>'name' = 'island') AS island,
	   (SELECT f->'categories' FROM jsonb_array_elements(m.features) f WHERE f->>'name' = 'sex') AS sex
FROM params_cat_runs r JOIN maas.models m USING (name, version)
ORDER BY n;
-- task classification turns a number target into classes
SELECT name, task FROM maas_train('params_task', 'logistic_regression', 'SELECT age, bmi, sex AS y FROM diabetes', 'y',
								  '{"task": "classification"}');
SELECT maas_info('params_task')->'target' AS target;
