-- maas_import: XGBoost's JSON and LightGBM's text models as gradient_boosting
-- models, checked against the libraries' own predictions on held-out rows
-- (test/reference/import_reference.py made the files and the numbers)
SET maas.progress_interval = 0;
\set ECHO none
CREATE TEMP TABLE imp_bc (LIKE breast_cancer);
ALTER TABLE imp_bc DROP COLUMN malignant, ADD lib float8;
CREATE TEMP TABLE imp_lgb_bc (LIKE imp_bc);
ALTER TABLE imp_bc ADD exact float8, ADD n int GENERATED ALWAYS AS IDENTITY;
CREATE TEMP TABLE imp_peng (bill_length_mm float8, bill_depth_mm float8, flipper_length_mm float8,
	body_mass_g float8, year float8, lib_0 float8, lib_1 float8, lib_2 float8,
	exact_0 float8, exact_1 float8, exact_2 float8);
CREATE TEMP TABLE imp_lgb_peng (LIKE imp_peng);
ALTER TABLE imp_lgb_peng DROP COLUMN exact_0, DROP COLUMN exact_1, DROP COLUMN exact_2;
CREATE TEMP TABLE imp_diab (LIKE diabetes);
ALTER TABLE imp_diab DROP COLUMN progression, ADD lib float8, ADD exact float8;
CREATE TEMP TABLE imp_lgb_diab (LIKE imp_diab);
ALTER TABLE imp_lgb_diab DROP COLUMN exact;
CREATE TEMP TABLE imp_shap (n int, feature text, contribution float8);
\copy imp_bc (mean_radius, mean_texture, mean_perimeter, mean_area, mean_smoothness, mean_compactness, mean_concavity, mean_concave_points, mean_symmetry, mean_fractal_dimension, radius_error, texture_error, perimeter_error, area_error, smoothness_error, compactness_error, concavity_error, concave_points_error, symmetry_error, fractal_dimension_error, worst_radius, worst_texture, worst_perimeter, worst_area, worst_smoothness, worst_compactness, worst_concavity, worst_concave_points, worst_symmetry, worst_fractal_dimension, lib, exact) FROM 'test/reference/import_xgb_bc.csv' (FORMAT csv, HEADER)
\copy imp_lgb_bc (mean_radius, mean_texture, mean_perimeter, mean_area, mean_smoothness, mean_compactness, mean_concavity, mean_concave_points, mean_symmetry, mean_fractal_dimension, radius_error, texture_error, perimeter_error, area_error, smoothness_error, compactness_error, concavity_error, concave_points_error, symmetry_error, fractal_dimension_error, worst_radius, worst_texture, worst_perimeter, worst_area, worst_smoothness, worst_compactness, worst_concavity, worst_concave_points, worst_symmetry, worst_fractal_dimension, lib) FROM 'test/reference/import_lgb_bc.csv' (FORMAT csv, HEADER)
\copy imp_peng FROM 'test/reference/import_xgb_peng.csv' (FORMAT csv, HEADER)
\copy imp_lgb_peng FROM 'test/reference/import_lgb_peng.csv' (FORMAT csv, HEADER)
\copy imp_diab FROM 'test/reference/import_xgb_diab.csv' (FORMAT csv, HEADER)
\copy imp_lgb_diab FROM 'test/reference/import_lgb_diab.csv' (FORMAT csv, HEADER)
\copy imp_shap FROM 'test/reference/import_xgb_bc_shap.csv' (FORMAT csv, HEADER)
\set xgb_bc `cat test/import/xgb_bc.json`
\set xgb_peng `cat test/import/xgb_peng.json`
\set xgb_diab `cat test/import/xgb_diab.json`
\set lgb_bc `cat test/import/lgb_bc.txt`
\set lgb_peng `cat test/import/lgb_peng.txt`
\set lgb_diab `cat test/import/lgb_diab.txt`
\set ECHO all

-- the held-out rows, some values NULL (NaN for the libraries)
SELECT 'bc' AS t, count(*) AS rows, count(*) FILTER (WHERE mean_radius IS NULL OR worst_area IS NULL) AS with_nulls FROM imp_bc
UNION ALL SELECT 'peng', count(*), count(*) FILTER (WHERE bill_length_mm IS NULL) FROM imp_peng
UNION ALL SELECT 'diab', count(*), count(*) FILTER (WHERE age IS NULL) FROM imp_diab;

-- import: text or bytes; feature names from the file, or mapped by the options
SELECT maas_import('imp_xgb_bc', 'xgboost', :'xgb_bc') AS version;
SELECT maas_import('imp_xgb_peng', 'xgboost', :'xgb_peng',
				   '{"labels": ["Adelie", "Chinstrap", "Gentoo"], "target": "species"}') AS version;
-- this file has no feature names (XGBoost calls them f0..f9): the array maps them in order
SELECT maas_import('imp_xgb_diab', 'xgboost', convert_to(:'xgb_diab', 'UTF8'),
				   '{"features": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]}') AS version;
SELECT maas_import('imp_lgb_bc', 'lightgbm', :'lgb_bc', '{"labels": [false, true]}') AS version;
SELECT maas_import('imp_lgb_peng', 'lightgbm', :'lgb_peng',
				   '{"labels": ["Adelie", "Chinstrap", "Gentoo"]}') AS version;
SELECT maas_import('imp_lgb_diab', 'lightgbm', convert_to(:'lgb_diab', 'UTF8')) AS version;
SELECT m.name, m.version, m.algorithm, m.task, m.params->>'imported_from' AS imported_from,
	   m.params->>'objective' AS objective, jsonb_array_length(m.features) AS features,
	   m.features->0->>'name' AS first_feature, d.version AS deployed
FROM maas.models m LEFT JOIN maas.deployed d ON d.name = m.name
WHERE m.name LIKE 'imp_%' ORDER BY m.name;
SELECT name, i->'parameters'->>'ensemble' AS ensemble, (i->'parameters'->>'trees')::int AS trees,
	   i->'target'->'classes' AS classes
FROM (SELECT name, maas_info(name) AS i FROM (SELECT DISTINCT name FROM maas.models WHERE name LIKE 'imp_%') n) x
ORDER BY name;

-- XGBoost: maas equals XGBoost's predict to 1e-6 (XGBoost adds in single
-- precision) and the leaves XGBoost reaches, added in double, to 1e-9
SELECT count(*) AS rows,
	   max(abs((maas_predict_proba('imp_xgb_bc', r))[2] - lib)) < 1e-6 AS lib_1e6,
	   max(abs((maas_predict_proba('imp_xgb_bc', r))[2] - exact)) < 1e-9 AS exact_1e9
FROM imp_bc r;
SELECT count(*) AS rows,
	   max(greatest(abs(p[1] - lib_0), abs(p[2] - lib_1), abs(p[3] - lib_2))) < 1e-6 AS lib_1e6,
	   max(greatest(abs(p[1] - exact_0), abs(p[2] - exact_1), abs(p[3] - exact_2))) < 1e-9 AS exact_1e9
FROM (SELECT maas_predict_proba('imp_xgb_peng', r) AS p, r.* FROM imp_peng r) s;
SELECT count(*) AS rows,
	   max(abs(maas_predict('imp_xgb_diab', r) - lib) / greatest(1, abs(lib))) < 1e-6 AS lib_relative_1e6,
	   max(abs(maas_predict('imp_xgb_diab', r) - exact)) < 1e-9 AS exact_1e9
FROM imp_diab r;

-- LightGBM's format (written from scikit-learn's HistGradientBoosting, see
-- the reference script): equal to scikit-learn's predict to 1e-9
SELECT count(*) AS rows, max(abs((maas_predict_proba('imp_lgb_bc', r))[2] - lib)) < 1e-9 AS lib_1e9
FROM imp_lgb_bc r;
SELECT count(*) AS rows,
	   max(greatest(abs(p[1] - lib_0), abs(p[2] - lib_1), abs(p[3] - lib_2))) < 1e-9 AS lib_1e9
FROM (SELECT maas_predict_proba('imp_lgb_peng', r) AS p, r.* FROM imp_lgb_peng r) s;
SELECT count(*) AS rows, max(abs(maas_predict('imp_lgb_diab', r) - lib)) < 1e-9 AS lib_1e9
FROM imp_lgb_diab r;

-- every form: the array, the inline bytes, the class in the target's terms
SELECT count(*) AS rows,
	   bool_and(maas_predict('imp_xgb_diab', r) = maas_predict('imp_xgb_diab',
			ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])) AS array_agrees,
	   bool_and(maas_predict('imp_xgb_diab', r) = maas_predict(
			(SELECT model FROM maas.models WHERE name = 'imp_xgb_diab'),
			ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])) AS bytes_agree
FROM imp_diab r;
SELECT maas_predict_class('imp_xgb_peng', r) AS class, count(*)
FROM imp_peng r GROUP BY 1 ORDER BY 1;
SELECT maas_predict_class('imp_lgb_bc', r) AS class, maas_predict('imp_xgb_bc', r) AS xgb_value, count(*)
FROM imp_lgb_bc r GROUP BY 1, 2 ORDER BY 1, 2;

-- TreeSHAP: maas_explain equals XGBoost's pred_contribs (to 1e-5: XGBoost
-- computes them in single precision), and adds up to the margin
SELECT count(*) AS contributions,
	   max(abs((e->'contributions'->>s.feature)::float8 - s.contribution)) < 1e-5 AS shap_1e5
FROM (SELECT n, maas_explain('imp_xgb_bc', r) AS e FROM imp_bc r WHERE n <= 10) x
JOIN imp_shap s ON s.n = x.n AND s.feature <> '(base)';
SELECT bool_and(abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))
			   - (e->>'score')::float8) < 1e-9) AS additive
FROM (SELECT maas_explain('imp_lgb_peng', r) AS e FROM imp_lgb_peng r) x;
SELECT feature, splits > 0 AS splits FROM maas_feature_importance('imp_xgb_peng') ORDER BY gain DESC LIMIT 2;

-- versions, deployment and ownership follow maas_train's rules
SELECT maas_import('imp_xgb_bc', 'xgboost', :'xgb_bc', '{"deploy": "never"}') AS version;
SELECT version FROM maas.deployed WHERE name = 'imp_xgb_bc';
-- a regression model is not deployed over the live classifier
SELECT maas_import('imp_xgb_bc', 'xgboost', :'xgb_diab') AS version;
SELECT version FROM maas.deployed WHERE name = 'imp_xgb_bc';
SELECT maas_import('imp_xgb_bc', 'xgboost', :'xgb_bc', '{"deploy": "always"}') AS version;
SELECT version FROM maas.deployed WHERE name = 'imp_xgb_bc';
SELECT count(*) AS versions, bool_and(owner = current_user) AS owned FROM maas.models WHERE name = 'imp_xgb_bc';

-- another role: needs the owner's train privilege to add a version, owns a new name
CREATE ROLE import_bob;
SET ROLE import_bob;
SELECT maas_test.err(format('SELECT maas_import(%L, %L, %L)', 'imp_xgb_bc', 'xgboost', :'xgb_bc')) AS without_train;
RESET ROLE;
SELECT maas_grant('imp_xgb_bc', 'import_bob', 'train');
SET ROLE import_bob;
SELECT maas_import('imp_xgb_bc', 'xgboost', :'xgb_bc', '{"deploy": "never"}') AS with_train;
SELECT maas_import('imp_bob', 'lightgbm', :'lgb_diab') AS own_name;
RESET ROLE;
SELECT name, version, owner FROM maas.models WHERE name IN ('imp_xgb_bc', 'imp_bob') AND version >= 4 OR name = 'imp_bob'
ORDER BY name, version;

-- an object maps some of the file's names to columns, the others stay
SELECT maas_import('imp_map', 'xgboost', :'xgb_diab', '{"features": {"f0": "age", "f2": "bmi"}}') AS version;
SELECT string_agg(f->>'name', ' ' ORDER BY o) AS columns
FROM maas.models, jsonb_array_elements(features) WITH ORDINALITY AS x(f, o) WHERE name = 'imp_map';

-- LightGBM's missing type None reads NaN as 0; NaN takes the default way
SELECT maas_import('imp_tiny', 'lightgbm', E'tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=1\nobjective=regression\nfeature_names=a b\n\nTree=0\nnum_leaves=3\nnum_cat=0\nsplit_feature=0 1\nsplit_gain=1 1\nthreshold=0.5 -1\ndecision_type=0 10\nleft_child=-1 -2\nright_child=1 -3\nleaf_value=10 20 30\nleaf_count=1 1 1\ninternal_count=3 2\nis_linear=0\nshrinkage=1\n\n\nend of trees\n') AS version;
SELECT a, b, maas_predict('imp_tiny', ARRAY[a, b]) AS prediction
FROM (VALUES (0.2::float8, 0::float8), (0.7, -5), (0.7, 5), (NULL, 5), (0.7, NULL), (NULL, NULL)) v(a, b);

-- README's examples (Models in and out), on the tables of data/
\set m `cat test/import/xgb_bc.json`
SELECT maas_import('bc_xgb', 'xgboost', :'m');
SELECT round((maas_predict_proba('bc_xgb', b))[2]::numeric, 4) AS p_malignant FROM breast_cancer b LIMIT 1;
\set d `cat test/import/xgb_diab.json`
SELECT maas_import('diab_xgb', 'xgboost', :'d',
				   '{"features": ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]}');
SELECT round(maas_predict('diab_xgb', d)::numeric, 2) AS progression FROM diabetes d LIMIT 1;
\set l `cat test/import/lgb_peng.txt`
SELECT maas_import('peng_lgb', 'lightgbm', :'l', '{"labels": ["Adelie", "Chinstrap", "Gentoo"]}');
SELECT maas_predict_class('peng_lgb', p) FROM penguins p LIMIT 1;

SELECT maas_drop('imp_bob');
DROP ROLE import_bob;
