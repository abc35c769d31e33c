-- Usage accounting (needs shared_preload_libraries = 'maas', as the cluster
-- of make test has): predictions per query counted exactly, parallel
-- workers included; training runs and their time; maas_evaluate rows; one
-- row per database, role, model and version (added up per model here);
-- reset; who sees what.  Only counts and comparisons are printed, never
-- times.  Metering to maas.usage_log: sql/metering.sql and TAP 030.
SET maas.progress_interval = 0;

-- the counters of this file's models (the counters are global to the server)
CREATE FUNCTION pg_temp.usage() RETURNS TABLE (role text, model text, predictions bigint, training_runs bigint)
LANGUAGE sql AS $$
	SELECT role, model, sum(predictions)::bigint, sum(training_runs)::bigint FROM maas.usage
	WHERE model LIKE 'usage%' AND database = current_database() GROUP BY role, model ORDER BY role, model
$$;
-- rows predicted (or evaluated) with one model by the current user
CREATE FUNCTION pg_temp.predictions(m text) RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce(sum(predictions + rows_evaluated), 0)::bigint FROM maas.usage
	WHERE model = m AND role = current_user AND database = current_database()
$$;

SHOW shared_preload_libraries;
CREATE ROLE usage_u1;
CREATE ROLE usage_u2;
GRANT SELECT ON diabetes, iris TO usage_u1, usage_u2;

SELECT maas_usage_reset();
SELECT count(*) AS entries FROM maas.usage;

-- training: one run each, train_ms added up
CREATE TEMP TABLE usage_runs AS
SELECT * FROM maas_train('usage_lin', 'linear_regression', 'diabetes', 'progression');
INSERT INTO usage_runs
SELECT * FROM maas_train('usage_cls', 'logistic_regression', 'iris', 'species');
INSERT INTO usage_runs
SELECT * FROM maas_train('usage_lin', 'linear_regression', 'diabetes', 'progression', '{"l2": 1}');
-- a failed run is not counted
SELECT maas_test.err($$SELECT maas_train('usage_lin', 'linear_regression', 'diabetes', 'no_such_column')$$);
SELECT * FROM pg_temp.usage();
SELECT u.model, u.training_ms >= r.ms AS ms_at_least_train_ms, u.training_ms < r.ms + 1000 AS ms_close,
	   u.last_used IS NOT NULL AND u.last_used <= now() + interval '1 s' AS last_used,
	   u.database = current_database() AS this_database
FROM (SELECT database, model, sum(training_ms) AS training_ms, max(last_used) AS last_used
	  FROM maas.usage GROUP BY database, model) u
JOIN (SELECT name, sum(train_ms) AS ms FROM usage_runs GROUP BY name) r ON r.name = u.model
ORDER BY u.model;

-- predictions: exactly the rows each query predicted, in every named form
SELECT count(maas_predict('usage_lin', d)) FROM diabetes d;
SELECT pg_temp.predictions('usage_lin');
SELECT count(maas_predict('usage_lin', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])) FROM diabetes d;
SELECT pg_temp.predictions('usage_lin');
SELECT count(maas_predict_columns('usage_lin', ARRAY['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'],
			  age, sex, bmi, bp, s1, s2, s3, s4, s5, s6)) FROM diabetes d;
SELECT pg_temp.predictions('usage_lin');
SELECT count(maas_predict_proba('usage_cls', i)), count(maas_predict_class('usage_cls', i)),
	   count(maas_predict('usage_cls', ARRAY[sepal_length, sepal_width, petal_length, petal_width]))
FROM iris i;
SELECT pg_temp.predictions('usage_cls');
-- only the rows a query evaluated: LIMIT, WHERE
SELECT count(p) FROM (SELECT maas_predict('usage_lin', d) AS p FROM diabetes d LIMIT 10) s;
SELECT pg_temp.predictions('usage_lin');
SELECT count(*) FILTER (WHERE age > 50) AS rows_age_over_50 FROM diabetes;
SELECT count(*) FROM diabetes d WHERE age > 50 AND maas_predict('usage_lin', d) > 0;
SELECT pg_temp.predictions('usage_lin');
-- a column the query does not use is not computed, so not counted
SELECT count(*) FROM (SELECT maas_predict('usage_lin', d) AS p FROM diabetes d LIMIT 10) s;
-- a NULL array is not a prediction (the function is strict)
SELECT count(*) AS nulls FROM generate_series(1, 5) WHERE maas_predict('usage_lin', NULL::float8[]) IS NULL;
SELECT pg_temp.predictions('usage_lin');
-- the bytea form has no model name, so it is not counted
SELECT count(maas_predict(m.model, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]))
FROM diabetes d, maas.models m WHERE m.name = 'usage_lin' AND m.version = 1;
-- nor are maas_explain calls
SELECT count(maas_explain('usage_lin', d)) FROM diabetes d;
SELECT pg_temp.predictions('usage_lin');
-- rows predicted before an error count
SELECT maas_test.err($$SELECT maas_predict('usage_lin', CASE WHEN i = 5 THEN ARRAY[1]::float8[]
	ELSE ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]::float8[] END) FROM generate_series(1, 10) i$$);
SELECT pg_temp.predictions('usage_lin');
-- PL/pgSQL: one prediction per statement
DO $$
BEGIN
	FOR i IN 1..5 LOOP
		PERFORM maas_predict('usage_lin', ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0, i]::float8[]);
	END LOOP;
END $$;
SELECT pg_temp.predictions('usage_lin');
-- maas_evaluate counts the rows it scored, as rows evaluated
SELECT maas_evaluate('usage_lin', 'diabetes')->'rows' AS rows;
SELECT pg_temp.predictions('usage_lin');
SELECT version, rows_evaluated FROM maas.usage
WHERE model = 'usage_lin' AND rows_evaluated > 0 AND database = current_database();

-- parallel workers add their rows; with the leader not taking part, every
-- row is predicted in a worker
CREATE TABLE usage_big AS SELECT d.* FROM diabetes d, generate_series(1, 100);
ANALYZE usage_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT count(maas_predict('usage_lin', b)) FROM usage_big b;
SELECT pg_temp.predictions('usage_lin') AS before \gset
SELECT maas_test.workers_launched($$SELECT count(maas_predict('usage_lin', b)) FROM usage_big b$$) > 0 AS workers_ran;
SELECT pg_temp.predictions('usage_lin') - :before AS parallel_predictions;
SELECT maas_test.workers_launched($$SELECT count(maas_predict('usage_lin', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])) FROM usage_big b$$) > 0 AS workers_ran;
SELECT pg_temp.predictions('usage_lin') - :before AS parallel_predictions;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- one row per role: u1 and u2 predict with grants; a refused call counts nothing
SELECT maas_grant('usage_lin', 'usage_u1');
SET ROLE usage_u1;
SELECT count(maas_predict('usage_lin', d)) FROM (SELECT * FROM diabetes LIMIT 7) d;
SELECT maas_test.err($$SELECT maas_predict('usage_cls', i) FROM iris i$$);
RESET ROLE;
SELECT maas_grant('usage_lin', 'usage_u2');
SELECT maas_grant('usage_cls', 'usage_u2');
SET ROLE usage_u2;
SELECT count(maas_predict('usage_lin', d)) FROM (SELECT * FROM diabetes LIMIT 11) d;
SELECT count(maas_predict_class('usage_cls', i)) FROM iris i;
RESET ROLE;
SELECT * FROM pg_temp.usage();

-- others see only their own rows; pg_read_all_stats sees everyone's
SET ROLE usage_u1;
SELECT role, model, sum(predictions) AS predictions FROM maas.usage GROUP BY role, model ORDER BY role, model;
SELECT maas_test.err($$SELECT maas_usage_reset()$$);
RESET ROLE;
GRANT pg_read_all_stats TO usage_u2;
SET ROLE usage_u2;
SELECT * FROM pg_temp.usage();
RESET ROLE;
REVOKE pg_read_all_stats FROM usage_u2;

-- maas_usage_reset is for superusers and whom they grant it
SELECT has_function_privilege('public', 'maas_usage_reset()', 'EXECUTE') AS public_may_reset,
	   has_function_privilege('usage_u1', 'maas_usage_reset()', 'EXECUTE') AS u1_may_reset,
	   has_function_privilege('public', 'maas_usage()', 'EXECUTE') AS public_may_read;
GRANT EXECUTE ON FUNCTION maas_usage_reset() TO usage_u2;
SET ROLE usage_u2;
SELECT maas_usage_reset();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION maas_usage_reset() FROM usage_u2;
SELECT count(*) AS entries FROM maas.usage;
-- counting starts again from zero
SELECT count(maas_predict('usage_lin', d)) FROM (SELECT * FROM diabetes LIMIT 3) d;
SELECT * FROM pg_temp.usage();

-- clean up
SELECT maas_drop('usage_lin'), maas_drop('usage_cls');
DROP TABLE usage_big;
REVOKE SELECT ON diabetes, iris FROM usage_u1, usage_u2;
DROP ROLE usage_u1, usage_u2;
