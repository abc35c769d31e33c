-- The registry: versions count up per name, deployment strategies, manual
-- deploys, rollbacks through the history, the maas.deployed view, and
-- transactions: what is live is always what the transaction sees.
SET maas.progress_interval = 0;

-- the live version of a name, from the view
CREATE FUNCTION pg_temp.live(n text) RETURNS integer LANGUAGE sql AS $$
	SELECT version FROM maas.deployed WHERE name = n $$;
-- the deployment history of a name, oldest first
CREATE FUNCTION pg_temp.history(n text) RETURNS TABLE (version integer, reason text, rolled_back boolean)
LANGUAGE sql AS $$
	SELECT version, reason, rolled_back FROM maas.deployments WHERE name = n ORDER BY id $$;
-- the bytes of a version
CREATE FUNCTION pg_temp.bytes(n text, v integer) RETURNS bytea LANGUAGE sql AS $$
	SELECT model FROM maas.models WHERE name = n AND version = v $$;
-- which version the name predicts with, for the first row of diabetes:
-- the version whose bytes predict the same, by the row and the array forms
CREATE FUNCTION pg_temp.predicts_as(n text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	by_name float8;
	by_array float8;
	r record;
	found text := '';
BEGIN
	SELECT maas_predict(n, d) INTO by_name FROM diabetes d ORDER BY age, sex, bmi, bp LIMIT 1;
	FOR r IN SELECT version, model FROM maas.models WHERE name = n ORDER BY version LOOP
		SELECT maas_predict(r.model, ARRAY(SELECT (d2.j->>(f->>'name'))::float8
										   FROM jsonb_array_elements(maas_info(r.model)->'features') f))
		INTO by_array
		FROM (SELECT to_jsonb(d) AS j FROM diabetes d ORDER BY age, sex, bmi, bp LIMIT 1) d2;
		IF by_array = by_name THEN
			found := found || CASE WHEN found = '' THEN '' ELSE ',' END || r.version;
		END IF;
	END LOOP;
	RETURN 'v' || found;
END $$;

-- versions count up per name; the first version of a name is deployed
-- (auto with nothing live); auto deploys a version only when it scores at
-- least as well as the live one (r2 for regression)
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression');
SELECT name, version, deployed FROM maas_train('registry_b', 'linear_regression', 'diabetes', 'progression', '{"features": ["bmi", "bp"]}');
-- worse (age alone): not deployed
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"features": ["age"]}');
-- as good (the same model again): deployed
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression');
-- never: not deployed, even though as good
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"deploy": "never"}');
SELECT pg_temp.live('registry_a') AS live;
-- always: deployed, even though worse
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"features": ["age"], "deploy": "always"}');
-- better than the live (age alone) one, though worse than version 1: deployed
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"features": ["bmi"]}');
-- worse than the live one: not deployed
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"features": ["age"]}');
-- the other name counts on its own
SELECT name, version, deployed FROM maas_train('registry_b', 'linear_regression', 'diabetes', 'progression', '{"features": ["bmi", "bp"]}');
-- the scores the decisions were made on
SELECT name, version, round((metrics->>'r2')::numeric, 4) AS r2, params->>'deploy' AS deploy, params->'features' AS features
FROM maas.models WHERE name LIKE 'registry\_%' ORDER BY name, version;
SELECT * FROM pg_temp.history('registry_a');
SELECT name, version, algorithm, task, round((metrics->>'r2')::numeric, 4) AS r2,
	   deployed_by = current_user AS by_me
FROM maas.deployed WHERE name LIKE 'registry\_%' ORDER BY name;
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;

-- auto for a classifier compares accuracy
SELECT name, version, deployed, (metrics->>'accuracy')::numeric AS accuracy
FROM maas_train('registry_c', 'logistic_regression', 'iris', 'species');
SELECT name, version, deployed, (metrics->>'accuracy')::numeric < 0.9 AS worse
FROM maas_train('registry_c', 'logistic_regression', 'iris', 'species', '{"features": ["sepal_width"]}');
SELECT name, version, deployed, (metrics->>'accuracy')::numeric AS accuracy
FROM maas_train('registry_c', 'logistic_regression', 'iris', 'species', '{"features": ["petal_length", "petal_width"]}');
SELECT * FROM pg_temp.history('registry_c');
-- a first version trained with never leaves the name with nothing live
SELECT name, version, deployed FROM maas_train('registry_d', 'linear_regression', 'diabetes', 'progression', '{"deploy": "never"}');
SELECT pg_temp.live('registry_d') AS live, maas_test.errh($$SELECT maas_predict('registry_d', d) FROM diabetes d LIMIT 1$$) AS predict;

-- maas_deploy: errors, then a no-op, then real deploys
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'missing version', $$SELECT maas_deploy('registry_a', 99)$$),
	(2, 'version 0', $$SELECT maas_deploy('registry_a', 0)$$),
	(3, 'negative version', $$SELECT maas_deploy('registry_a', -1)$$),
	(4, 'missing name', $$SELECT maas_deploy('registry_nope', 1)$$),
	(5, 'version of another name', $$SELECT maas_deploy('registry_b', 3)$$)
) AS t(n, label, q)
ORDER BY n;
SELECT maas_deploy(NULL, 1) IS NULL AS null_name, maas_deploy('registry_a', NULL) IS NULL AS null_version;
-- deploying the live version changes nothing
SELECT count(*) AS deployments_before FROM maas.deployments WHERE name = 'registry_a';
SELECT maas_deploy('registry_a', 6) AS deployed;
SELECT count(*) AS deployments_after FROM maas.deployments WHERE name = 'registry_a';
-- a version that was never deployed, and an older one
SELECT maas_deploy('registry_a', 4) AS deployed, pg_temp.live('registry_a') AS live;
SELECT maas_deploy('registry_a', 2) AS deployed, pg_temp.live('registry_a') AS live;
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;
SELECT maas_deploy('registry_d', 1) AS deployed, pg_temp.live('registry_d') AS live;
SELECT * FROM pg_temp.history('registry_a');

-- maas_rollback walks back through the history, one deployment at a time:
-- 2 (manual), 4 (manual), 6, 5, 3, 1
SELECT maas_rollback('registry_a') AS now_live, pg_temp.live('registry_a') AS view_says;
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;
SELECT maas_rollback('registry_a') AS now_live, pg_temp.live('registry_a') AS view_says;
SELECT maas_rollback('registry_a') AS now_live, pg_temp.live('registry_a') AS view_says;
SELECT maas_rollback('registry_a') AS now_live, pg_temp.live('registry_a') AS view_says;
SELECT maas_rollback('registry_a') AS now_live, pg_temp.live('registry_a') AS view_says;
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;
-- nothing earlier than the first deployment
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'no earlier deployment', $$SELECT maas_rollback('registry_a')$$),
	(2, 'single deployment', $$SELECT maas_rollback('registry_d')$$),
	(3, 'missing name', $$SELECT maas_rollback('registry_nope')$$)
) AS t(n, label, q)
ORDER BY n;
SELECT maas_rollback(NULL) IS NULL AS null_name;
SELECT * FROM pg_temp.history('registry_a');
-- the rollbacks are recorded
SELECT count(*) FILTER (WHERE rolled_back) AS rolled_back,
	   bool_and(rolled_back_at IS NOT NULL AND rolled_back_by = current_user) FILTER (WHERE rolled_back) AS recorded,
	   bool_and(rolled_back_at IS NULL AND rolled_back_by IS NULL) FILTER (WHERE NOT rolled_back) AS clean
FROM maas.deployments WHERE name = 'registry_a';
-- a deploy after rollbacks starts a new entry; the rolled-back ones stay so
SELECT maas_deploy('registry_a', 3) AS deployed, pg_temp.live('registry_a') AS live;
SELECT maas_rollback('registry_a') AS now_live;
SELECT * FROM pg_temp.history('registry_a');

-- a prediction in the same transaction after maas_deploy uses the new
-- version, in each input form
BEGIN;
SELECT pg_temp.live('registry_a') AS live, pg_temp.predicts_as('registry_a') AS predicts_as;
SELECT maas_predict('registry_a', ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]::float8[])
	   = maas_predict(pg_temp.bytes('registry_a', 1), ARRAY[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]::float8[]) AS array_form_v1;
SELECT maas_deploy('registry_a', 2);
SELECT pg_temp.live('registry_a') AS live, pg_temp.predicts_as('registry_a') AS predicts_as;
SELECT maas_predict('registry_a', ARRAY[50]::float8[]) = maas_predict(pg_temp.bytes('registry_a', 2), ARRAY[50]::float8[]) AS array_form_v2,
	   maas_info('registry_a')->'feature_names' AS feature_names;
-- and rolled back: the old version again, still in the transaction
SELECT maas_rollback('registry_a') AS now_live, pg_temp.predicts_as('registry_a') AS predicts_as;
COMMIT;
-- in a repeatable-read transaction too (one snapshot, new command ids)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;
SELECT maas_deploy('registry_a', 6);
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;
SELECT maas_rollback('registry_a') AS now_live, pg_temp.predicts_as('registry_a') AS predicts_as;
COMMIT;
-- and from one PL/pgSQL function, whose statements keep their state
-- between loop iterations
DO $$
DECLARE
	r diabetes;
	v float8;
	out text := '';
BEGIN
	SELECT * INTO r FROM diabetes d ORDER BY age, sex, bmi, bp LIMIT 1;
	FOR i IN 1 .. 4 LOOP
		PERFORM maas_deploy('registry_a', CASE WHEN i % 2 = 1 THEN 2 ELSE 1 END);
		v := maas_predict('registry_a', r);
		out := out || format(' deployed %s, predicts as %s;', pg_temp.live('registry_a'),
			CASE v
				WHEN maas_predict(pg_temp.bytes('registry_a', 1), ARRAY[r.age, r.sex, r.bmi, r.bp, r.s1, r.s2, r.s3, r.s4, r.s5, r.s6]) THEN 'v1'
				WHEN maas_predict(pg_temp.bytes('registry_a', 2), ARRAY[r.age]) THEN 'v2'
				ELSE 'neither' END);
	END LOOP;
	RAISE NOTICE '%', out;
END $$;

-- deploying in a transaction that rolls back leaves the old version live,
-- in the view and for predictions, including in this backend whose model
-- cache saw the new version
SELECT pg_temp.live('registry_a') AS live, count(*) AS deployments FROM maas.deployments WHERE name = 'registry_a';
BEGIN;
SELECT maas_deploy('registry_a', 5);
SELECT pg_temp.live('registry_a') AS live, pg_temp.predicts_as('registry_a') AS predicts_as;
ROLLBACK;
SELECT pg_temp.live('registry_a') AS live, count(*) AS deployments FROM maas.deployments WHERE name = 'registry_a';
SELECT pg_temp.predicts_as('registry_a') AS predicts_as;
-- the same for a rollback and for training
BEGIN;
SELECT maas_rollback('registry_a') AS now_live;
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"deploy": "always", "features": ["s5"]}');
SELECT pg_temp.live('registry_a') AS live;
ROLLBACK;
SELECT pg_temp.live('registry_a') AS live, max(version) AS newest FROM maas.models WHERE name = 'registry_a';
SELECT * FROM pg_temp.history('registry_a');
-- a failed statement inside a transaction undoes only itself
BEGIN;
SELECT maas_deploy('registry_a', 2);
SAVEPOINT s;
SELECT maas_deploy('registry_a', 99);
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.live('registry_a') AS live;
ROLLBACK;
SELECT pg_temp.live('registry_a') AS live;

-- deleting a model row cascades its deployments; the live version falls
-- back to the newest remaining deployment
SELECT * FROM pg_temp.history('registry_a');
DELETE FROM maas.models WHERE name = 'registry_a' AND version = 1;
SELECT * FROM pg_temp.history('registry_a');
SELECT pg_temp.live('registry_a') AS live, pg_temp.predicts_as('registry_a') AS predicts_as;
-- maas_drop does the same for one version or all of them
SELECT maas_drop('registry_a', 3) AS dropped;
SELECT * FROM pg_temp.history('registry_a');
SELECT pg_temp.live('registry_a') AS live;
SELECT label, maas_test.errh(q) AS result
FROM (VALUES
	(1, 'drop a dropped version', $$SELECT maas_drop('registry_a', 3)$$),
	(2, 'drop version 0', $$SELECT maas_drop('registry_a', 0)$$),
	(3, 'drop a missing name', $$SELECT maas_drop('registry_nope')$$),
	(4, 'deploy a dropped version', $$SELECT maas_deploy('registry_a', 1)$$)
) AS t(n, label, q)
ORDER BY n;
-- the newest version deleted: its number is not given again (maas.names
-- counts versions), so a version number always means one model
SELECT max(version) AS newest FROM maas.models WHERE name = 'registry_a';
DELETE FROM maas.models WHERE name = 'registry_a' AND version = 7;
SELECT name, version, deployed FROM maas_train('registry_a', 'linear_regression', 'diabetes', 'progression', '{"deploy": "never"}');
-- every version of a name gone: no deployments, no name
SELECT maas_drop('registry_b') AS dropped;
SELECT count(*) AS models, (SELECT count(*) FROM maas.deployments WHERE name = 'registry_b') AS deployments
FROM maas.models WHERE name = 'registry_b';
SELECT maas_test.errh($$SELECT maas_predict('registry_b', d) FROM diabetes d LIMIT 1$$) AS predict;
-- a name trained again after it was dropped starts at version 1
SELECT name, version, deployed FROM maas_train('registry_b', 'linear_regression', 'diabetes', 'progression');
SELECT name, version FROM maas.deployed WHERE name LIKE 'registry\_%' ORDER BY name;
