-- Canary and shadow deployments: maas_deploy(name, version, options),
-- maas_promote, maas_rollback, maas.experiments, maas.experiment_results.
--
-- Version 1 of exp_value learns y = 2x, version 2 y = 2x + 100, so which
-- version answered a row shows in its prediction (above 50: the candidate).
CREATE TABLE exp_a AS SELECT i / 100.0 AS x, 2 * i / 100.0 AS y FROM generate_series(1, 100) i;
CREATE TABLE exp_b AS SELECT x, y + 100 AS y FROM exp_a;
SELECT name, version, deployed FROM maas_train('exp_value', 'linear_regression', 'exp_a', 'y');
SELECT name, version, deployed FROM maas_train('exp_value', 'linear_regression', 'exp_b', 'y', '{"deploy": "never"}');
-- 100,000 rows of 5,000 customers
CREATE TABLE exp_rows AS
SELECT i AS id, i % 5000 AS customer, (i % 997) / 997.0 + i * 1e-6 AS x
FROM generate_series(1, 100000) i;

-- canary per row: 10% of the rows, within a point
SELECT maas_deploy('exp_value', 2, '{"traffic": 0.1}');
SELECT name, candidate, live, traffic, key, shadow, ended_at IS NULL AS running
FROM maas.experiments WHERE name = 'exp_value';
CREATE TEMP TABLE run1 AS SELECT id, maas_predict('exp_value', r) > 50 AS candidate FROM exp_rows r;
SELECT abs(avg(candidate::int) - 0.1) < 0.01 AS share_within_a_point FROM run1;
-- the same rows get the same versions again, in every form
CREATE TEMP TABLE run2 AS SELECT id, maas_predict('exp_value', r) > 50 AS candidate FROM exp_rows r;
SELECT count(*) AS rows_routed_differently FROM run1 JOIN run2 USING (id) WHERE run1.candidate <> run2.candidate;
SELECT count(*) AS array_form_differs
FROM run1 JOIN exp_rows r USING (id)
WHERE (maas_predict('exp_value', ARRAY[r.x]) > 50) <> run1.candidate;
-- the counts of the experiment: the two queries above and the array query
SELECT rows_live + rows_candidate AS rows, rows_candidate = 3 * (SELECT count(*) FROM run1 WHERE candidate) AS candidate_counted,
	rows_compared, mode
FROM maas.experiment_results WHERE name = 'exp_value' AND ended_at IS NULL;
-- the candidate's predictions are counted under its version
SELECT version, sum(predictions) > 0 AS counted FROM maas.usage WHERE model = 'exp_value' AND version <= 2 GROUP BY version ORDER BY version;

-- canary by key: every row of a customer gets one version; 30% of customers
SELECT maas_deploy('exp_value', 2, '{"traffic": 0.3, "key": "customer"}');
SELECT outcome FROM maas.experiments WHERE name = 'exp_value' ORDER BY id;
CREATE TEMP TABLE run3 AS SELECT id, customer, maas_predict('exp_value', r) > 50 AS candidate FROM exp_rows r;
SELECT count(*) AS customers_with_both_versions
FROM (SELECT customer FROM run3 GROUP BY customer HAVING count(DISTINCT candidate) > 1) s;
SELECT abs(avg(candidate::int) - 0.3) < 0.02 AS customer_share_near
FROM (SELECT DISTINCT customer, candidate FROM run3) s;
-- a row that is not a table row (no planner rewrite) routes the same
SELECT count(*) AS record_form_differs
FROM run3 JOIN (SELECT id, maas_predict('exp_value', s) > 50 AS candidate
				FROM (SELECT id, customer, x FROM exp_rows) s) t USING (id)
WHERE t.candidate <> run3.candidate;
-- the key is independent of the model's features: the same customer, other x
SELECT count(*) AS key_decides
FROM (SELECT customer, maas_predict('exp_value', s) > 50 AS candidate
	  FROM (SELECT 0 AS id, customer, 0.5::float8 AS x FROM exp_rows WHERE id <= 5000) s) t
JOIN (SELECT DISTINCT customer, candidate FROM run3) u USING (customer)
WHERE t.candidate <> u.candidate;
-- without the key column, and in the array form, the live version answers
SELECT bool_and(maas_predict('exp_value', s) < 50) AS live_without_key
FROM (SELECT x FROM exp_rows WHERE id <= 1000) s;
SELECT bool_and(maas_predict('exp_value', ARRAY[x]) < 50) AS live_for_arrays
FROM exp_rows WHERE id <= 1000;

-- one deployment state per query: a promotion in the middle of a query is
-- seen by the next query
SELECT count(DISTINCT maas_predict('exp_value', ARRAY[0.5]::float8[])) AS versions_seen,
	count(CASE WHEN i = 2 THEN maas_promote('exp_value') END) AS promoted
FROM generate_series(1, 3) i;
SELECT maas_predict('exp_value', ARRAY[0.5]) AS after_promote;
SELECT version FROM maas.deployed WHERE name = 'exp_value';
SELECT candidate, outcome, ended_by IS NOT NULL AS ended FROM maas.experiments WHERE name = 'exp_value' ORDER BY id;

-- shadow of a regressor: the live version (2) answers, the candidate (1)
-- is 100 below on every row
SELECT maas_deploy('exp_value', 1, '{"shadow": true}');
SELECT bool_and(maas_predict('exp_value', r) > 50) AS live_answers, count(*) FROM exp_rows r WHERE id <= 20000;
SELECT rows_live, rows_candidate, rows_compared, round(mean_abs_difference::numeric, 6) AS mean_abs_difference, agreement
FROM maas.experiment_results WHERE name = 'exp_value' AND ended_at IS NULL;
-- rollback ends the experiment; the live version stays
SELECT maas_rollback('exp_value') AS live_after_rollback;
SELECT outcome FROM maas.experiments WHERE name = 'exp_value' ORDER BY id DESC LIMIT 1;
SELECT maas_predict('exp_value', ARRAY[0.5]) AS still_live;
-- a new live version ends a running experiment ('replaced')
SELECT maas_deploy('exp_value', 1, '{"traffic": 0.5}');
SELECT maas_deploy('exp_value', 1) AS deployed_candidate;
SELECT maas_deploy('exp_value', 2, '{"traffic": 0.5}');
SELECT name, version, deployed FROM maas_train('exp_value', 'linear_regression', 'exp_a', 'y', '{"deploy": "always"}');
SELECT candidate, outcome FROM maas.experiments WHERE name = 'exp_value' ORDER BY id;

-- shadow of a classifier: agreement of the classes, counted per row
CREATE TABLE exp_cancer AS SELECT row_number() OVER () AS id, * FROM breast_cancer;
SELECT name, version FROM maas_train('exp_class', 'logistic_regression', 'breast_cancer', 'malignant');
SELECT name, version FROM maas_train('exp_class', 'decision_tree', 'breast_cancer', 'malignant',
									 '{"deploy": "never", "max_depth": 1}');
-- each version's classes, deployed in turn
CREATE TEMP TABLE v1_out AS SELECT id, maas_predict_class('exp_class', c) AS class FROM exp_cancer c;
SELECT maas_deploy('exp_class', 2);
CREATE TEMP TABLE v2_out AS SELECT id, maas_predict_class('exp_class', c) AS class FROM exp_cancer c;
SELECT maas_deploy('exp_class', 1);
SELECT maas_deploy('exp_class', 2, '{"shadow": true, "traffic": 1}');
CREATE TEMP TABLE shadow_out AS SELECT id, maas_predict_class('exp_class', c) AS class FROM exp_cancer c;
SELECT count(*) FILTER (WHERE s.class <> v1.class) AS answers_not_live,
	(SELECT agreements FROM maas.experiment_results WHERE name = 'exp_class' AND ended_at IS NULL)
		= count(*) FILTER (WHERE v1.class = v2.class) AS agreements_match,
	(SELECT rows_compared FROM maas.experiment_results WHERE name = 'exp_class' AND ended_at IS NULL)
		= count(*) AS compared_every_row,
	count(*) FILTER (WHERE v1.class <> v2.class) > 0 AS some_disagree
FROM shadow_out s JOIN v1_out v1 USING (id) JOIN v2_out v2 USING (id);
SELECT maas_promote('exp_class');
SELECT outcome FROM maas.experiments WHERE name = 'exp_class';

-- a text model: each document is routed by its words, the same way in the
-- (name, text) form and the row form
CREATE TABLE exp_docs (split text, body text, is_grain int);
\copy exp_docs FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
SELECT version FROM maas_train('exp_text', 'text_classifier', 'SELECT body, is_grain FROM exp_docs', 'is_grain',
							   '{"test_size": 0, "epochs": 2, "dim": 10}');
SELECT version FROM maas_train('exp_text', 'text_classifier', 'SELECT body, is_grain FROM exp_docs', 'is_grain',
							   '{"test_size": 0, "epochs": 20, "dim": 10, "learning_rate": 0.5, "deploy": "never"}');
CREATE TEMP TABLE text_v1 AS SELECT body, maas_predict_proba('exp_text', body) AS p FROM (SELECT DISTINCT body FROM exp_docs) d;
SELECT maas_deploy('exp_text', 2, '{"traffic": 0.5}');
CREATE TEMP TABLE text_canary AS
SELECT d.body, maas_predict_proba('exp_text', d.body) AS by_text, maas_predict_proba('exp_text', d) AS by_row
FROM (SELECT DISTINCT body FROM exp_docs) d;
SELECT count(*) FILTER (WHERE by_text <> by_row) AS forms_disagree,
	abs(avg((c.by_text <> v.p)::int) - 0.5) < 0.1 AS half_to_the_candidate
FROM text_canary c JOIN text_v1 v USING (body);
SELECT maas_rollback('exp_text');

-- another role sees the experiments of the models it owns only
CREATE ROLE exp_stranger;
SET ROLE exp_stranger;
SELECT count(*) AS visible FROM maas.experiments;
SELECT count(*) AS visible FROM maas.experiment_results;
SELECT maas_test.err($$SELECT maas_deploy('exp_value', 2, '{"traffic": 0.1}')$$) AS stranger_deploys;
SELECT maas_test.err($$SELECT maas_promote('exp_value')$$) AS stranger_promotes;
RESET ROLE;
DROP ROLE exp_stranger;

SELECT maas_drop('exp_value');
SELECT maas_drop('exp_class');
SELECT maas_drop('exp_text');
SELECT count(*) AS experiments_left FROM maas.experiments WHERE name IN ('exp_value', 'exp_class', 'exp_text');
DROP TABLE exp_a, exp_b, exp_rows, exp_cancer, exp_docs;
