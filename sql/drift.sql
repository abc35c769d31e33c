-- maas_drift: how far fresh rows moved from a model's training rows, per
-- input column and for the predictions (population stability index).
-- The PSI values are numpy's on the same rows (test/reference/drift_reference.py).
SET client_min_messages = warning;
CREATE TEMP TABLE drift_ref (model text, source text, feature text, psi float8, drifted bool);
\copy drift_ref FROM 'test/reference/drift_reference.csv' (FORMAT csv, HEADER)

-- ames with a hash of each row's values: its halves by parity
CREATE TABLE drift_ames AS
SELECT (lot_area::bigint * 2654435761 + gr_liv_area * 40503 + sale_price) % 1000003 AS id, sale_price, gr_liv_area, lot_area, year_built, neighborhood,
	   make_date(year_sold, mo_sold, 1) AS sold, year_sold
FROM ames;

-- trained on the odd rows: numbers; a text and a date column; penguins
-- (NULLs in numbers and text) as a classifier
SELECT name, version, task FROM maas_train('drift_num', 'linear_regression',
	'SELECT gr_liv_area, lot_area, year_built, sale_price FROM drift_ames WHERE id % 2 = 1',
	'sale_price', '{"test_size": 0}');
SELECT name, version, task FROM maas_train('drift_mix', 'linear_regression',
	'SELECT gr_liv_area, neighborhood, sold, sale_price FROM drift_ames WHERE id % 2 = 1',
	'sale_price', '{"test_size": 0}');
SELECT name, version, task FROM maas_train('drift_peng', 'logistic_regression',
	'SELECT species, island, bill_length_mm, flipper_length_mm, body_mass_g, sex FROM penguins',
	'species', '{"test_size": 0}');
-- a profile makes the model bytes format version 2
SELECT name, maas_info(model)->'format_version' AS format_version FROM maas.models
WHERE name LIKE 'drift%' ORDER BY name;

-- the even rows (the same distribution), the large houses, the sales of 2010
CREATE TEMP TABLE drift_src (model text, source text, query text);
INSERT INTO drift_src VALUES
	('drift_num', 'same', 'SELECT * FROM drift_ames WHERE id % 2 = 0'),
	('drift_num', 'large', 'SELECT * FROM drift_ames WHERE gr_liv_area > 2000'),
	('drift_num', '2010', 'SELECT * FROM drift_ames WHERE year_sold = 2010'),
	('drift_mix', 'same', 'SELECT * FROM drift_ames WHERE id % 2 = 0'),
	('drift_mix', 'large', 'SELECT * FROM drift_ames WHERE gr_liv_area > 2000'),
	('drift_mix', '2010', 'SELECT * FROM drift_ames WHERE year_sold = 2010'),
	('drift_peng', 'all', 'penguins'),
	('drift_peng', 'biscoe', $$SELECT * FROM penguins WHERE island = 'Biscoe'$$);
CREATE TEMP TABLE drift_out AS
SELECT model, source, maas_drift(model, query) AS d FROM drift_src;

-- every PSI and verdict equals numpy's
SELECT r.model, r.source, r.feature, round(r.psi::numeric, 4) AS psi, r.drifted,
	   abs((e->>'psi')::float8 - r.psi) < 1e-9 AS same_psi,
	   (e->>'drifted')::bool = r.drifted AS same_verdict
FROM drift_ref r JOIN drift_out o USING (model, source),
	 LATERAL (SELECT CASE WHEN r.feature = '(prediction)' THEN o.d->'prediction'
						  ELSE o.d->'features'->r.feature END AS e) x
ORDER BY r.model, r.source, r.feature;

-- the shape: model, version, rows, threshold, features, prediction
SELECT d->>'model' AS model, d->'version' AS version, d->'rows' AS rows, d->'threshold' AS threshold,
	   (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(d) k) AS keys
FROM drift_out WHERE model = 'drift_mix' AND source = 'same';
-- per column: kind, bins (edges, or labels and "(other)"), the shares
-- (numbers: one more bin than edges, then NULL; text: then NULL), summing to 1
SELECT o.model, f.key AS feature, f.value->>'kind' AS kind,
	   jsonb_array_length(f.value->'bins') AS bins,
	   jsonb_array_length(f.value->'expected') AS expected,
	   jsonb_array_length(f.value->'actual') AS actual,
	   (SELECT round(sum(v::numeric), 12) FROM jsonb_array_elements_text(f.value->'expected') v) AS sum_e,
	   (SELECT round(sum(v::numeric), 12) FROM jsonb_array_elements_text(f.value->'actual') v) AS sum_a,
	   (SELECT sort_keys FROM (SELECT array_agg(k ORDER BY k) AS sort_keys FROM jsonb_object_keys(f.value) k) s) AS keys
FROM drift_out o, jsonb_each(o.d->'features') f
WHERE o.source IN ('same', 'all') ORDER BY 1, 2;
-- a text column's bins: the most frequent categories first, the rest as "(other)";
-- a date's edges are epochs; the NULL shares of penguins' sex (11 of 344 rows)
SELECT d->'features'->'neighborhood'->'bins'->>0 AS first_category,
	   d->'features'->'neighborhood'->'bins'->>20 AS last_bin,
	   to_timestamp((d->'features'->'sold'->'bins'->>0)::float8) AT TIME ZONE 'UTC' AS first_sold_edge
FROM drift_out WHERE model = 'drift_mix' AND source = 'same';
SELECT (d->'features'->'sex'->'expected'->>-1)::float8 * 344 AS null_sex_rows,
	   d->'features'->'sex'->'bins' AS sex_bins
FROM drift_out WHERE model = 'drift_peng' AND source = 'all';

-- a classifier's predictions: class shares equal those of maas_predict_class
-- on the training rows and on the source, and the PSI is the formula's
WITH bins AS (
	SELECT o.d->'prediction' AS p, b.label, b.k - 1 AS k
	FROM drift_out o, jsonb_array_elements_text(o.d->'prediction'->'bins') WITH ORDINALITY b(label, k)
	WHERE o.model = 'drift_peng' AND o.source = 'biscoe'
), shares AS (
	SELECT b.label, (b.p->'expected'->>b.k::int)::float8 AS e, (b.p->'actual'->>b.k::int)::float8 AS a,
		   (SELECT avg((maas_predict_class('drift_peng', t) = b.label)::int) FROM penguins t) AS e_sql,
		   (SELECT avg((maas_predict_class('drift_peng', t) = b.label)::int) FROM penguins t
			WHERE island = 'Biscoe') AS a_sql
	FROM bins b
)
SELECT label, round(e::numeric, 4) AS expected, round(a::numeric, 4) AS actual,
	   abs(e - e_sql) < 1e-12 AND abs(a - a_sql) < 1e-12 AS same_shares
FROM shares ORDER BY label;
SELECT round((d->'prediction'->>'psi')::numeric, 4) AS psi, d->'prediction'->>'drifted' AS drifted,
	   abs((d->'prediction'->>'psi')::float8 -
		   (SELECT sum((greatest(a::float8, 1e-4) - greatest(e::float8, 1e-4)) *
					   ln(greatest(a::float8, 1e-4) / greatest(e::float8, 1e-4)))
			FROM jsonb_array_elements_text(d->'prediction'->'expected') WITH ORDINALITY x(e, i)
			JOIN jsonb_array_elements_text(d->'prediction'->'actual') WITH ORDINALITY y(a, j) ON i = j)) < 1e-12
	   AS formula
FROM drift_out WHERE model = 'drift_peng' ORDER BY source;

-- options: a lower threshold calls more columns drifted
SELECT d->'threshold' AS threshold,
	   (SELECT array_agg(f.key ORDER BY f.key) FROM jsonb_each(d->'features') f
		WHERE (f.value->>'drifted')::bool) AS drifted
FROM (SELECT maas_drift('drift_num', 'SELECT * FROM drift_ames WHERE id % 2 = 0', '{"threshold": 0.005}') AS d) s;

-- maas_tune's refit keeps a profile too: of all its rows, so the inputs' PSI is maas_train's
SELECT name, version FROM maas_tune('drift_tuned', 'linear_regression',
	'SELECT gr_liv_area, lot_area, year_built, sale_price FROM drift_ames WHERE id % 2 = 1',
	'sale_price', '{"grid": {"l2": [0, 10]}, "folds": 3}');
SELECT f.key AS feature, (f.value->>'psi')::float8 = (t.d->'features'->f.key->>'psi')::float8 AS same_psi,
	   jsonb_typeof(t.d->'prediction') AS prediction
FROM drift_out o, jsonb_each(o.d->'features') f,
	 (SELECT maas_drift('drift_tuned', 'SELECT * FROM drift_ames WHERE id % 2 = 0') AS d) t
WHERE o.model = 'drift_num' AND o.source = 'same' ORDER BY 1;

-- options.version: another version's profile (default: the deployed one)
SELECT version, deployed FROM maas_train('drift_num', 'linear_regression',
	'SELECT gr_liv_area, lot_area, year_built, sale_price FROM drift_ames WHERE gr_liv_area > 2000',
	'sale_price', '{"test_size": 0, "deploy": "always"}');
SELECT v AS asked, d->'version' AS version, round((d->'features'->'gr_liv_area'->>'psi')::numeric, 4) AS psi
FROM (VALUES (NULL::int), (1), (2)) o(v),
	 LATERAL (SELECT maas_drift('drift_num', 'SELECT * FROM drift_ames WHERE gr_liv_area > 2000',
								CASE WHEN v IS NULL THEN '{}' ELSE jsonb_build_object('version', v) END) AS d) s
ORDER BY v NULLS FIRST;

-- the README's example
SELECT f.key AS feature, round((f.value->>'psi')::numeric, 3) AS psi, f.value->'drifted' AS drifted
FROM jsonb_each(maas_drift('drift_mix', 'SELECT * FROM drift_ames WHERE year_sold = 2010')->'features') f
ORDER BY 1;

-- a model without a profile (imported) says so
SELECT maas_import('drift_imp', 'xgboost', $${"learner": {"feature_names": [], "feature_types": [],
  "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "1"},
	"tree_info": [0], "trees": [
	{"default_left": [0], "id": 0, "left_children": [-1], "loss_changes": [0], "right_children": [-1],
	 "split_conditions": [0.25], "split_indices": [0], "split_type": [0], "sum_hessian": [10],
	 "tree_param": {"num_deleted": "0", "num_feature": "1", "num_nodes": "1", "size_leaf_vector": "0"}}]},
	"name": "gbtree"},
  "learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "1", "num_target": "1"},
  "objective": {"name": "reg:squarederror"}}, "version": [1, 7, 4]}$$) AS imported;
SELECT maas_test.errh($$SELECT maas_drift('drift_imp', 'SELECT 1.0::float8 AS f0')$$);
-- and so does one trained with "profile": false, written in format version 1
SELECT version FROM maas_train('drift_noprof', 'linear_regression', 'diabetes', 'progression',
	'{"profile": false}');
SELECT maas_info(model)->'format_version' AS format_version, params->'profile' AS profile
FROM maas.models WHERE name = 'drift_noprof';
SELECT maas_test.err($$SELECT maas_drift('drift_noprof', 'diabetes')$$);

SELECT maas_drop(name) FROM (VALUES ('drift_num'), ('drift_mix'), ('drift_peng'), ('drift_tuned'),
	('drift_imp'), ('drift_noprof')) n(name) ORDER BY 1;
DROP TABLE drift_ames;
