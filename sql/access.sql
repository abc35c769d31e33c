-- Access control: a model name belongs to the role that trained it; other
-- roles see nothing of it and can do nothing with it until granted
-- predict < deploy < train; members of the owner role act as the owner;
-- the catalog is read through row-level security and written only by the
-- maas_* functions; sources are read with the caller's privileges; no text
-- argument is ever pasted into SQL.
SET maas.progress_interval = 0;


-- roles of this file only (roles are global to the cluster)
CREATE ROLE access_alice;
CREATE ROLE access_bob;
CREATE ROLE access_carol;
CREATE ROLE access_dave NOINHERIT;
GRANT access_alice TO access_carol;		-- carol acts as alice
GRANT access_alice TO access_dave;		-- dave only after SET ROLE
CREATE SCHEMA access_s AUTHORIZATION access_alice;
GRANT USAGE ON SCHEMA access_s TO PUBLIC;
GRANT SELECT ON diabetes, iris TO access_alice, access_bob, access_carol, access_dave;
-- a table only the extension's owner (the superuser) can read
CREATE TABLE access_s.secret AS SELECT * FROM diabetes;
ALTER TABLE access_s.secret OWNER TO CURRENT_USER;

-- alice trains a regression and a classifier
SET ROLE access_alice;
SELECT name, version, task, deployed FROM maas_train('access_m', 'linear_regression', 'diabetes', 'progression');
SELECT name, version, task, deployed FROM maas_train('access_c', 'logistic_regression', 'iris', 'species');
-- alice's own table, for bob's grants and the injection attempts
CREATE TABLE access_s.t AS SELECT * FROM diabetes;
GRANT SELECT ON access_s.t TO access_bob;
SELECT name, version, owner, trained_by FROM maas.models WHERE name LIKE 'access%' ORDER BY name, version;
SELECT name, version, reason, deployed_by FROM maas.deployments WHERE name LIKE 'access%' ORDER BY name, id;
SELECT name, version FROM maas.deployed WHERE name LIKE 'access%' ORDER BY name;
SELECT maas_info('access_m')->>'algorithm' AS algorithm;
-- reference predictions
CREATE TABLE access_s.ref AS
SELECT round(maas_predict('access_m', d)::numeric, 6) AS m,
	   round(maas_predict('access_c', i)::numeric, 6) AS c,
	   maas_predict_class('access_c', i) AS cls
FROM (SELECT * FROM diabetes LIMIT 1) d, (SELECT * FROM iris LIMIT 1) i;
GRANT SELECT ON access_s.ref TO PUBLIC;
RESET ROLE;

-- bob: nothing is visible, every function is refused with 42501
SET ROLE access_bob;
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'access%';
SELECT count(*) AS bytes FROM (SELECT model FROM maas.models WHERE name = 'access_m') s;
SELECT count(*) AS deployments FROM maas.deployments WHERE name LIKE 'access%';
SELECT count(*) AS grants FROM maas.grants WHERE name LIKE 'access%';
SELECT count(*) AS names FROM maas.names WHERE name LIKE 'access%';
SELECT count(*) AS deployed FROM maas.deployed WHERE name LIKE 'access%';
-- (the view reads the tables as its caller, so their row-level security applies)
SELECT reloptions FROM pg_class WHERE oid = 'maas.deployed'::regclass;
SELECT maas_test.err($$SELECT maas_predict('access_m', d) FROM diabetes d LIMIT 1$$);
SELECT maas_test.err($$SELECT maas_predict('access_m', ARRAY[1,2,3,4,5,6,7,8,9,10]::float8[])$$);
SELECT maas_test.err($$SELECT maas_predict_columns('access_m', ARRAY['age'], 50.0::float8)$$);
SELECT maas_test.err($$SELECT maas_predict_proba('access_c', i) FROM iris i LIMIT 1$$);
SELECT maas_test.err($$SELECT maas_predict_proba('access_c', ARRAY[5.1, 3.5, 1.4, 0.2]::float8[])$$);
SELECT maas_test.err($$SELECT maas_predict_proba_columns('access_c', ARRAY['sepal_length'], 5.1::float8)$$);
SELECT maas_test.err($$SELECT maas_predict_class('access_c', i) FROM iris i LIMIT 1$$);
SELECT maas_test.err($$SELECT maas_predict_class('access_c', ARRAY[5.1, 3.5, 1.4, 0.2]::float8[])$$);
SELECT maas_test.err($$SELECT maas_predict_class_columns('access_c', ARRAY['sepal_length'], 5.1::float8)$$);
SELECT maas_test.err($$SELECT maas_explain('access_m', d) FROM diabetes d LIMIT 1$$);
SELECT maas_test.err($$SELECT maas_explain('access_m', ARRAY[1,2,3,4,5,6,7,8,9,10]::float8[])$$);
SELECT maas_test.err($$SELECT maas_evaluate('access_m', 'diabetes')$$);
SELECT maas_test.err($$SELECT maas_deploy('access_m', 1)$$);
SELECT maas_test.err($$SELECT maas_rollback('access_m')$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'diabetes', 'progression')$$);
SELECT maas_test.err($$SELECT maas_drop('access_m')$$);
SELECT maas_test.err($$SELECT maas_drop('access_m', 1)$$);
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
SELECT maas_test.err($$SELECT * FROM maas_feature_importance('access_m')$$);
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_bob')$$);
SELECT maas_test.err($$SELECT maas_revoke('access_m', 'access_bob')$$);
-- writing the catalog directly
SELECT maas_test.err($$INSERT INTO maas.models (name, version, algorithm, task, params, features, metrics, model, rows_trained, train_ms)
	VALUES ('access_x', 1, 'linear_regression', 'regression', '{}', '{}', '{}', '\x00', 1, 1)$$);
SELECT maas_test.err($$UPDATE maas.models SET owner = 'access_bob' WHERE name = 'access_m'$$);
SELECT maas_test.err($$DELETE FROM maas.models WHERE name = 'access_m'$$);
SELECT maas_test.err($$INSERT INTO maas.deployments (name, version, reason) VALUES ('access_m', 1, 'manual')$$);
SELECT maas_test.err($$UPDATE maas.deployments SET rolled_back = true$$);
SELECT maas_test.err($$DELETE FROM maas.deployments$$);
SELECT maas_test.err($$INSERT INTO maas.grants (name, grantee, privilege, granted_by) VALUES ('access_m', 'access_bob', 'train', 'access_alice')$$);
SELECT maas_test.err($$DELETE FROM maas.grants$$);
SELECT maas_test.err($$INSERT INTO maas.names (name, owner) VALUES ('access_x', 'access_bob')$$);
SELECT maas_test.err($$UPDATE maas.names SET owner = 'access_bob' WHERE name = 'access_m'$$);
SELECT maas_test.err($$DELETE FROM maas.names WHERE name = 'access_m'$$);
SELECT maas_test.err($$SELECT nextval('maas.models_id_seq')$$);
SELECT maas_test.err($$ALTER TABLE maas.models DISABLE ROW LEVEL SECURITY$$);
SELECT maas_test.err($$DROP POLICY models_read ON maas.models$$);
RESET ROLE;

-- predict: bob predicts in every form, the same values as alice; he still
-- cannot read the bytes or the parameters, deploy or train
SET ROLE access_alice;
SELECT maas_grant('access_m', 'access_bob');
SELECT maas_grant('access_c', 'access_bob', 'predict');
SELECT maas_grant('access_m', 'access_bob');	-- again: no error, one row
SELECT name, grantee, privilege, granted_by FROM maas.grants WHERE name LIKE 'access%' ORDER BY 1, 2, 3;
RESET ROLE;
SET ROLE access_bob;
SELECT round(maas_predict('access_m', d)::numeric, 6) = r.m AS row_form,
	   round(maas_predict('access_m', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])::numeric, 6) = r.m AS array_form,
	   round(maas_predict_columns('access_m', ARRAY['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'],
			 age, sex, bmi, bp, s1, s2, s3, s4, s5, s6)::numeric, 6) = r.m AS columns_form
FROM (SELECT * FROM diabetes LIMIT 1) d, access_s.ref r;
SELECT round(maas_predict('access_c', i)::numeric, 6) = r.c AS row_value,
	   maas_predict_class('access_c', i) = r.cls AS row_class,
	   maas_predict_class('access_c', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) = r.cls AS array_class,
	   round(maas_predict('access_c', ARRAY[sepal_length, sepal_width, petal_length, petal_width])::numeric, 6) = r.c AS array_value,
	   array_length(maas_predict_proba('access_c', i), 1) AS row_proba,
	   array_length(maas_predict_proba('access_c', ARRAY[sepal_length, sepal_width, petal_length, petal_width]), 1) AS array_proba
FROM (SELECT * FROM iris LIMIT 1) i, access_s.ref r;
SELECT maas_explain('access_m', d) ? 'contributions' AS explain_row,
	   maas_explain('access_m', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]) ? 'contributions' AS explain_array
FROM (SELECT * FROM diabetes LIMIT 1) d;
SELECT maas_evaluate('access_m', 'diabetes')->'rows' AS evaluated_rows;
-- the source of maas_evaluate is read with bob's privileges
SELECT maas_test.err($$SELECT maas_evaluate('access_m', 'access_s.secret')$$);
SELECT maas_test.err($$SELECT maas_evaluate('access_m', 'SELECT * FROM access_s.secret')$$);
-- still hidden, still refused
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'access%';
SELECT count(*) AS deployments FROM maas.deployments WHERE name LIKE 'access%';
SELECT count(*) AS deployed FROM maas.deployed WHERE name LIKE 'access%';
-- his own grants are visible to him
SELECT name, grantee, privilege FROM maas.grants WHERE name LIKE 'access%' ORDER BY 1, 2, 3;
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
SELECT maas_test.err($$SELECT * FROM maas_feature_importance('access_m')$$);
SELECT maas_test.err($$SELECT maas_deploy('access_m', 1)$$);
SELECT maas_test.err($$SELECT maas_rollback('access_m')$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'diabetes', 'progression')$$);
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_carol')$$);
SELECT maas_test.err($$SELECT maas_drop('access_m')$$);
RESET ROLE;

-- deploy: bob deploys and rolls back, cannot train
SET ROLE access_alice;
SELECT version FROM maas_train('access_m', 'linear_regression', 'diabetes', 'progression', '{"l2": 1, "deploy": "never"}');
SELECT maas_grant('access_m', 'access_bob', 'deploy');
RESET ROLE;
SET ROLE access_bob;
SELECT maas_deploy('access_m', 2);
SELECT maas_rollback('access_m');
SELECT maas_deploy('access_m', 2);
SELECT maas_test.err($$SELECT maas_deploy('access_m', 9)$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'diabetes', 'progression')$$);
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
SELECT maas_test.err($$SELECT maas_drop('access_m', 1)$$);
-- the deploy grant is on access_m only
SELECT maas_test.err($$SELECT maas_deploy('access_c', 1)$$);
RESET ROLE;
SET ROLE access_alice;
SELECT name, version, reason, deployed_by, rolled_back, rolled_back_by
FROM maas.deployments WHERE name = 'access_m' ORDER BY id;
RESET ROLE;

-- train: bob trains new versions; the name stays alice's
SET ROLE access_alice;
SELECT maas_grant('access_m', 'access_bob', 'train');
RESET ROLE;
SET ROLE access_bob;
SELECT name, version, deployed FROM maas_train('access_m', 'linear_regression', 'access_s.t', 'progression', '{"l2": 2, "deploy": "always"}');
-- his source is read with his privileges: the table, a query, a subquery
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'access_s.secret', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'SELECT * FROM access_s.secret', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'SELECT * FROM diabetes WHERE EXISTS (SELECT FROM access_s.secret)', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_bobs', 'linear_regression', 'access_s.secret', 'progression')$$);
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_carol', 'train')$$);
SELECT maas_test.err($$SELECT maas_drop('access_m', 3)$$);
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'access%';
RESET ROLE;
SET ROLE access_alice;
SELECT name, version, owner, trained_by FROM maas.models WHERE name = 'access_m' ORDER BY version;
SELECT version, deployed_by FROM maas.deployed WHERE name = 'access_m';
-- alice's own training cannot read what only the extension owner can
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'access_s.secret', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'SELECT * FROM access_s.secret', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'WITH s AS (SELECT * FROM access_s.secret) SELECT * FROM s', 'progression')$$);
SELECT maas_test.err($$SELECT maas_evaluate('access_m', 'access_s.secret')$$);
SELECT max(version) AS versions FROM maas.models WHERE name = 'access_m';

-- revoke: each privilege is its own grant; taking them back ends them
SELECT maas_revoke('access_m', 'access_bob', 'train') AS train,
	   maas_revoke('access_m', 'access_bob', 'deploy') AS deploy;
SELECT maas_revoke('access_m', 'access_bob', 'train') AS again;
SELECT maas_test.err($$SELECT maas_revoke('access_m', 'access_bob', 'owner')$$);
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_bob', 'owner')$$);
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_nobody')$$);
SELECT maas_test.err($$SELECT maas_grant('access_none', 'access_bob')$$);
SELECT name, grantee, privilege FROM maas.grants WHERE name LIKE 'access%' ORDER BY 1, 2, 3;
RESET ROLE;
SET ROLE access_bob;
SELECT maas_test.err($$SELECT maas_train('access_m', 'linear_regression', 'diabetes', 'progression')$$);
SELECT maas_test.err($$SELECT maas_rollback('access_m')$$);
SELECT maas_predict('access_m', d) IS NOT NULL AS still_predicts FROM diabetes d LIMIT 1;
RESET ROLE;
SET ROLE access_alice;
SELECT maas_revoke('access_m', 'access_bob');
RESET ROLE;
SET ROLE access_bob;
SELECT maas_test.err($$SELECT maas_predict('access_m', d) FROM diabetes d LIMIT 1$$);
SELECT count(*) AS grants FROM maas.grants WHERE name LIKE 'access%' AND privilege <> 'predict';
RESET ROLE;

-- public: everyone may predict, nothing more
SET ROLE access_alice;
SELECT maas_grant('access_m', 'PUBLIC');
SELECT name, grantee, privilege FROM maas.grants WHERE name = 'access_m' ORDER BY 1, 2, 3;
RESET ROLE;
SET ROLE access_bob;
SELECT maas_predict('access_m', d) IS NOT NULL AS public_predicts FROM diabetes d LIMIT 1;
SELECT maas_test.err($$SELECT maas_deploy('access_m', 1)$$);
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'access%';
RESET ROLE;
SET ROLE access_alice;
SELECT maas_revoke('access_m', 'public');
RESET ROLE;
SET ROLE access_bob;
SELECT maas_test.err($$SELECT maas_predict('access_m', d) FROM diabetes d LIMIT 1$$);
RESET ROLE;

-- members of alice's role act as the owner
SET ROLE access_carol;
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'access%';
SELECT maas_info('access_m')->>'algorithm' AS algorithm;
SELECT version FROM maas_train('access_m', 'linear_regression', 'diabetes', 'progression', '{"deploy": "never"}');
SELECT version, owner, trained_by FROM maas.models WHERE name = 'access_m' AND version = 4;
SELECT maas_deploy('access_m', 4);
SELECT maas_rollback('access_m');
SELECT maas_grant('access_c', 'access_bob', 'deploy');
SELECT maas_drop('access_m', 4);
SELECT maas_test.err($$SELECT * FROM maas_feature_importance('access_m')$$);	-- owner, but a linear model
RESET ROLE;
SET ROLE access_alice;
SELECT version, owner, trained_by FROM maas.models WHERE name = 'access_m' ORDER BY version;
SELECT name, grantee, privilege, granted_by FROM maas.grants WHERE name LIKE 'access%' ORDER BY 1, 2, 3;
RESET ROLE;
-- ... but a NOINHERIT member only after SET ROLE
SET ROLE access_dave;
SELECT count(*) AS models FROM maas.models WHERE name LIKE 'access%';
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
SELECT maas_test.err($$SELECT maas_predict('access_m', d) FROM diabetes d LIMIT 1$$);
SET ROLE access_alice;
SELECT maas_info('access_m')->>'algorithm' AS algorithm;
RESET ROLE;

-- the superuser sees and may do everything
SELECT name, count(*) AS versions FROM maas.models WHERE name LIKE 'access%' GROUP BY name ORDER BY name;
SELECT count(*) AS deployments FROM maas.deployments WHERE name LIKE 'access%';
SELECT name, version FROM maas.deployed WHERE name LIKE 'access%' ORDER BY name;
SELECT maas_info('access_c')->>'task' AS task;
SELECT maas_deploy('access_m', 1);
SELECT maas_rollback('access_m');

-- SQL injection through every text argument: alice owns access_s.t, so
-- anything pasted into SQL run as her or as the extension owner would drop it
SET ROLE access_alice;
SELECT name, version FROM maas_train('x''; DROP TABLE access_s.t; --', 'linear_regression', 'access_s.t', 'progression');
SELECT round(maas_predict('x''; DROP TABLE access_s.t; --', d)::numeric, 6) = r.m AS predicts
FROM (SELECT * FROM diabetes LIMIT 1) d, access_s.ref r;
SELECT maas_deploy('x''; DROP TABLE access_s.t; --', 1);
SELECT maas_grant('x''; DROP TABLE access_s.t; --', 'access_bob');
SELECT maas_revoke('x''; DROP TABLE access_s.t; --', 'access_bob');
SELECT name, version FROM maas_train('access_"q"; DROP TABLE access_s.t; --', 'linear_regression', 'access_s.t', 'progression');
SELECT name FROM maas.models WHERE name LIKE '%DROP TABLE%' ORDER BY name;
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_bob''; DROP TABLE access_s.t; --')$$);
SELECT maas_test.err($$SELECT maas_grant('access_m', 'access_bob', 'predict''; DROP TABLE access_s.t; --')$$);
SELECT maas_revoke('access_m', 'x''); DROP TABLE access_s.t; --') AS revoked;
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t; DROP TABLE access_s.t', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t WHERE true; DROP TABLE access_s.t', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', '"access_s.t; DROP TABLE access_s.t"', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'SELECT * FROM access_s.t; DROP TABLE access_s.t', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'WITH d AS (DELETE FROM access_s.t RETURNING *) SELECT * FROM d', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'DELETE FROM access_s.t RETURNING *', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'EXPLAIN ANALYZE DELETE FROM access_s.t', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'DROP TABLE access_s.t', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t', 'progression"; DROP TABLE access_s.t; --')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t', 'progression''; DROP TABLE access_s.t; --')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression''; DROP TABLE access_s.t; --', 'access_s.t', 'progression')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t', 'progression', '{"l2''; DROP TABLE access_s.t; --": 1}')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t', 'progression', '{"features": ["age\"; DROP TABLE access_s.t; --"]}')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t', 'progression', '{"exclude": ["age''); DROP TABLE access_s.t; --"]}')$$);
SELECT maas_test.err($$SELECT maas_train('access_i', 'linear_regression', 'access_s.t', 'progression', '{"deploy": "always''; DROP TABLE access_s.t; --"}')$$);
SELECT maas_test.err($$SELECT maas_evaluate('x''; DROP TABLE access_s.t; --', 'access_s.t; DROP TABLE access_s.t')$$);
SELECT maas_test.err($$SELECT maas_evaluate('x''; DROP TABLE access_s.t; --', 'SELECT * FROM access_s.t; DROP TABLE access_s.t')$$);
SELECT maas_test.err($$SELECT maas_evaluate('x''; DROP TABLE access_s.t; --', 'WITH d AS (DELETE FROM access_s.t RETURNING *) SELECT * FROM d')$$);
SELECT maas_test.err($$SELECT maas_predict_columns('x''; DROP TABLE access_s.t; --', ARRAY['age''; DROP TABLE access_s.t; --'], 1.0::float8)$$);
SELECT maas_test.err($$SELECT maas_predict('access_m'' OR true; --', ARRAY[1]::float8[])$$);
SELECT maas_test.err($$SELECT maas_predict('access_m' || chr(10) || 'x', ARRAY[1]::float8[])$$);
SELECT maas_drop('x''; DROP TABLE access_s.t; --');
SELECT maas_drop('access_"q"; DROP TABLE access_s.t; --');
SELECT count(*) AS rows_still_there FROM access_s.t;
RESET ROLE;
-- nothing above left a model, a deployment or a grant behind
SELECT count(*) AS leftovers FROM maas.models WHERE name LIKE '%DROP%' OR name LIKE 'access_i%';
SELECT count(*) AS leftovers FROM maas.deployments WHERE name LIKE '%DROP%';
SELECT count(*) AS leftovers FROM maas.grants WHERE name LIKE '%DROP%' OR grantee::text LIKE '%DROP%';

-- maas_drop: a version keeps the grants, the last version takes them along
SET ROLE access_alice;
SELECT maas_grant('access_m', 'access_bob', 'train');
SELECT maas_drop('access_m', 2);
SELECT version FROM maas.models WHERE name = 'access_m' ORDER BY version;
SELECT count(*) AS grants FROM maas.grants WHERE name = 'access_m';
SELECT maas_drop('access_m');
SELECT count(*) AS models, (SELECT count(*) FROM maas.deployments WHERE name = 'access_m') AS deployments,
	   (SELECT count(*) FROM maas.grants WHERE name = 'access_m') AS grants
FROM maas.models WHERE name = 'access_m';
SELECT maas_test.err($$SELECT maas_drop('access_m')$$);
RESET ROLE;
SET ROLE access_bob;
SELECT maas_test.err($$SELECT maas_predict('access_m', ARRAY[1,2,3,4,5,6,7,8,9,10]::float8[])$$);
-- the name is free again: bob's new model is his, with none of alice's grants
SELECT name, version FROM maas_train('access_m', 'linear_regression', 'diabetes', 'progression');
SELECT name, version, owner, trained_by FROM maas.models WHERE name LIKE 'access%' ORDER BY name, version;
SELECT name, grantee, privilege FROM maas.grants WHERE name LIKE 'access%' ORDER BY 1, 2, 3;
SELECT name, version FROM maas.deployed WHERE name LIKE 'access%' ORDER BY name;
RESET ROLE;
SET ROLE access_alice;
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
SELECT name FROM maas.deployed WHERE name LIKE 'access%' ORDER BY name;
RESET ROLE;

-- a role named "Public" is a role, not PUBLIC: granting it opens the model
-- to that role only
CREATE ROLE "Public";
SET ROLE access_bob;
SELECT maas_grant('access_m', 'Public');
SELECT grantee, privilege FROM maas.grants WHERE name = 'access_m' ORDER BY 1;
RESET ROLE;
SET ROLE access_carol;
SELECT maas_test.err($$SELECT maas_predict('access_m', ARRAY[1,2,3,4,5,6,7,8,9,10]::float8[])$$);
RESET ROLE;
SET ROLE "Public";
SELECT maas_predict('access_m', ARRAY[1,2,3,4,5,6,7,8,9,10]::float8[]) IS NOT NULL AS "Public predicts";
RESET ROLE;
SELECT maas_test.err($$SELECT maas_grant('access_m', 'no_such_role')$$);

-- ownership is by role name; before dropping or after renaming a role, a
-- superuser hands its models over with maas_reassign (not PUBLIC's)
SET ROLE access_bob;
SELECT maas_test.err($$SELECT maas_reassign('access_bob', 'access_dave')$$);
RESET ROLE;
SELECT maas_reassign('access_bob', 'access_dave') AS names_reassigned;
SELECT name, owner FROM maas.names WHERE name LIKE 'access%' ORDER BY name;
SELECT DISTINCT name, owner FROM maas.models WHERE name LIKE 'access%' ORDER BY name;
SET ROLE access_dave;
SELECT maas_info('access_m')->>'algorithm' AS dave_owns_it;
RESET ROLE;
SET ROLE access_bob;
SELECT maas_test.err($$SELECT maas_info('access_m')$$);
RESET ROLE;
SELECT maas_test.err($$SELECT maas_reassign('access_bob', 'no_such_role')$$);
DROP ROLE "Public";

-- clean up: the models, the tables, the roles
SELECT maas_drop(name) FROM (SELECT DISTINCT name FROM maas.models WHERE name LIKE 'access%') s ORDER BY name;
SELECT count(*) AS grants FROM maas.grants WHERE name LIKE 'access%';
SET client_min_messages = warning;
DROP SCHEMA access_s CASCADE;
RESET client_min_messages;
REVOKE SELECT ON diabetes, iris FROM access_alice, access_bob, access_carol, access_dave;
DROP ROLE access_dave, access_carol, access_bob, access_alice;
