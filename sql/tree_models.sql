-- decision_tree, random_forest and gradient_boosting: every form, explanations,
-- importance, missing values, threads, the aggregate, limits and bad bytes
SET maas.progress_interval = 0;

-- one model per algorithm and task
SELECT name, algorithm, task, rows_trained, rows_skipped
FROM (VALUES ('tree_m_dt_peng', 'decision_tree', 'penguins', 'species', '{"max_depth": 4}'::jsonb),
			 ('tree_m_rf_peng', 'random_forest', 'penguins', 'species', '{"n_estimators": 20}'),
			 ('tree_m_gb_peng', 'gradient_boosting', 'penguins', 'species', '{"n_estimators": 20}'),
			 ('tree_m_dt_bc', 'decision_tree', 'breast_cancer', 'malignant', '{}'),
			 ('tree_m_rf_bc', 'random_forest', 'breast_cancer', 'malignant', '{"n_estimators": 20}'),
			 ('tree_m_gb_bc', 'gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 30}'),
			 ('tree_m_dt_conc', 'decision_tree', 'concrete', 'compressive_strength', '{"max_depth": 6}'),
			 ('tree_m_rf_conc', 'random_forest', 'concrete', 'compressive_strength', '{"n_estimators": 20}'),
			 ('tree_m_gb_conc', 'gradient_boosting', 'concrete', 'compressive_strength', '{"n_estimators": 30}'))
	 AS m(n, a, s, t, p),
	 LATERAL maas_train(n, a, s, t, p)
ORDER BY name;

-- what maas_info shows
SELECT name, i->'parameters'->>'ensemble' AS ensemble, i->'parameters'->>'trees' AS trees,
	   (i->'parameters'->>'nodes')::int > 0 AS has_nodes,
	   (i->'parameters'->>'tree_bytes')::int BETWEEN 1 AND (i->>'size_bytes')::int AS bytes_ok,
	   (i->'parameters'->>'max_depth')::int <= coalesce((SELECT (params->>'max_depth')::int FROM maas.models mm
			WHERE mm.name = x.name AND (params->>'max_depth')::int > 0), 256) AS depth_ok
FROM (SELECT name, maas_info(model) AS i FROM maas.models WHERE name LIKE 'tree_m_%') x
ORDER BY name;
SELECT (maas_info('tree_m_rf_bc')->'parameters'->>'oob_score')::float8 BETWEEN 0.85 AND 1 AS oob_ok,
	   maas_info('tree_m_gb_peng')->'parameters'->>'objective' AS objective,
	   jsonb_array_length(maas_info('tree_m_gb_peng')->'parameters'->'base_score') AS base_scores;

-- the forms agree: row, float8[] of the encoded features, inline bytes
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict('tree_m_gb_conc', c) = maas_predict('tree_m_gb_conc',
			ARRAY[cement, blast_furnace_slag, fly_ash, water, superplasticizer, coarse_aggregate,
				  fine_aggregate, age])) AS array_agrees,
	   count(*) FILTER (WHERE maas_predict('tree_m_rf_conc', c) = maas_predict(
			(SELECT model FROM maas.models WHERE name = 'tree_m_rf_conc'),
			ARRAY[cement, blast_furnace_slag, fly_ash, water, superplasticizer, coarse_aggregate,
				  fine_aggregate, age])) AS bytes_agree
FROM concrete c;

-- probabilities sum to 1; the class is the most probable one
SELECT name,
	   bool_and(abs((SELECT sum(v) FROM unnest(maas_predict_proba(name, p)) v) - 1) < 1e-12) AS sums_to_1,
	   bool_and(maas_predict_class(name, p) = (SELECT x FROM unnest(ARRAY['Adelie','Chinstrap','Gentoo'],
			maas_predict_proba(name, p)) AS u(x, v) ORDER BY v DESC LIMIT 1)) AS class_is_argmax,
	   round(avg((maas_predict_class(name, p) = p.species)::int), 2) AS accuracy
FROM penguins p, unnest(ARRAY['tree_m_dt_peng', 'tree_m_rf_peng', 'tree_m_gb_peng']) name
GROUP BY name ORDER BY name;

-- NULL features go the learned default way (penguins has NULL sex and measurements)
SELECT name, count(*) AS null_rows, count(maas_predict_class(name, p)) AS predicted
FROM penguins p, unnest(ARRAY['tree_m_dt_peng', 'tree_m_rf_peng', 'tree_m_gb_peng']) name
WHERE sex IS NULL OR bill_length_mm IS NULL
GROUP BY name ORDER BY name;
SELECT maas_predict_class('tree_m_gb_peng', ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)::penguins)
	   IS NOT NULL AS all_null_predicts;
SELECT round(maas_predict('tree_m_gb_conc', ARRAY[NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]::float8[])::numeric, 6)
	 = round(maas_predict('tree_m_gb_conc', ARRAY[NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]::float8[])::numeric, 6)
	   AS null_array_predicts;

-- TreeSHAP: base + contributions = score, to 1e-9; the score is the value
-- (regression), the margin (boosting: log-odds, or the predicted class's
-- margin), or the predicted class's probability (tree, forest)
SELECT name,
	   bool_and(abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))
			   - (e->>'score')::float8) < 1e-9) AS additive,
	   bool_and(abs((e->>'score')::float8 - (e->>'prediction')::float8) < 1e-9) AS score_is_output,
	   bool_and(abs((SELECT sum(v::float8) FROM jsonb_each_text(e->'columns') c(k, v))
			   - (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))) < 1e-9) AS columns_sum
FROM (SELECT name, maas_explain(name, c) AS e FROM (SELECT * FROM concrete LIMIT 100) c,
	  unnest(ARRAY['tree_m_dt_conc', 'tree_m_rf_conc', 'tree_m_gb_conc']) name) s
GROUP BY name ORDER BY name;
SELECT name,
	   bool_and(abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))
			   - (e->>'score')::float8) < 1e-9) AS additive
FROM (SELECT name, maas_explain(name, p) AS e FROM penguins p,
	  unnest(ARRAY['tree_m_dt_peng', 'tree_m_rf_peng', 'tree_m_gb_peng']) name) s
GROUP BY name ORDER BY name;
SELECT name,
	   bool_and(abs((e->>'base')::float8 + (SELECT sum(v::float8) FROM jsonb_each_text(e->'contributions') c(k, v))
			   - (e->>'score')::float8) < 1e-9) AS additive,
	   bool_and(CASE WHEN name = 'tree_m_gb_bc'
			THEN abs((e->>'score')::float8 - ln((maas_predict_proba(name, b))[2] / (maas_predict_proba(name, b))[1])) < 1e-9
			ELSE abs((e->>'score')::float8 - (SELECT max(v) FROM unnest(maas_predict_proba(name, b)) v)) < 1e-9 END)
		   AS score_is_output
FROM (SELECT name, b, maas_explain(name, b) AS e FROM breast_cancer b,
	  unnest(ARRAY['tree_m_dt_bc', 'tree_m_rf_bc', 'tree_m_gb_bc']) name) s
GROUP BY name ORDER BY name;

-- importance: gain and split counts of the encoded features
SELECT feature, round(gain::numeric, 1) > 0 AS has_gain, splits > 0 AS has_splits
FROM maas_feature_importance('tree_m_dt_conc') ORDER BY gain DESC LIMIT 3;
SELECT count(*) AS features, sum(splits) = (maas_info('tree_m_gb_peng')->'parameters'->>'nodes')::int
	 - (maas_info('tree_m_gb_peng')->'parameters'->>'leaves')::int AS splits_are_internal_nodes
FROM maas_feature_importance('tree_m_gb_peng');

-- early stopping keeps the best round
SELECT deployed IS NOT NULL AS trained
FROM maas_train('tree_m_gb_es', 'gradient_boosting', 'wa_churn', 'churn',
				'{"n_estimators": 200, "early_stopping_rounds": 5, "learning_rate": 0.3}');
SELECT (i->'parameters'->>'rounds')::int < 200 AS stopped_early,
	   (i->'parameters'->>'rounds')::int < (i->'parameters'->>'rounds_trained')::int AS kept_best,
	   (i->'parameters'->>'validation_logloss')::float8 > 0 AS has_validation_loss
FROM maas_info('tree_m_gb_es') i;

-- the same model whatever maas.threads, and threads really used: the work
-- estimate (rows x 31 encoded features, x trees, or x rounds / 16) is at
-- least 3 times the 2M above which training turns its threads on, and
-- maas_train says how many threads the busiest step ran on
\set ECHO none
SET client_min_messages = warning;
CREATE TABLE tree_m_synth AS
SELECT i, sin(i * 0.7) AS a, cos(i * 1.3) AS b, ((i * 7919) % 1000) / 1000.0 AS c,
	   ((i * 104729) % 997) / 997.0 AS d, CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 31) % 101) / 101.0 END AS e,
	   (i % 5)::text AS f, ((i * 13) % 21)::text AS g,
	   (sin(i * 0.7) + cos(i * 1.3) * ((i * 7919) % 1000) / 1000.0 + ((i * 104729) % 997) / 2000.0
		+ ((i * 13) % 21) / 100.0 > 0.4) AS label
FROM generate_series(1::bigint, 200000) i;
CREATE TEMP VIEW tree_m_th_runs AS
SELECT * FROM (VALUES ('gb', 'gradient_boosting', '{"n_estimators": 16, "subsample": 0.8, "colsample_bytree": 0.8}'::jsonb),
					  ('rf', 'random_forest', '{"n_estimators": 6, "max_depth": 12}'),
					  ('dt', 'decision_tree', '{"max_depth": 10}')) AS r(short, algorithm, params);
RESET client_min_messages;
\set ECHO all
SET maas.threads = 1;
CREATE TEMP TABLE tree_m_th AS
SELECT 1 AS maas_threads, t.*
FROM tree_m_th_runs r,
	 LATERAL maas_train('tree_m_th1_' || r.short, r.algorithm, 'tree_m_synth', 'label',
						r.params || '{"exclude": ["i"], "test_size": 0}') t;
SET maas.threads = 2;
INSERT INTO tree_m_th
SELECT 2, t.*
FROM tree_m_th_runs r,
	 LATERAL maas_train('tree_m_th2_' || r.short, r.algorithm, 'tree_m_synth', 'label',
						r.params || '{"exclude": ["i"], "test_size": 0}') t;
RESET maas.threads;
SELECT algorithm, maas_threads, rows_trained, (maas_info(name)->>'n_features')::int AS features
FROM tree_m_th ORDER BY algorithm, maas_threads;
SELECT algorithm, maas_threads, threads FROM tree_m_th ORDER BY algorithm, maas_threads;
SELECT a.algorithm, a.model = b.model AS identical_bytes
FROM maas.models a JOIN maas.models b ON b.name = replace(a.name, 'th1', 'th2')
WHERE a.name LIKE 'tree_m_th1_%' ORDER BY 1;

-- the aggregate: one forest per group
SELECT g, round(avg((maas_predict(m.model, ARRAY[sepal_length, sepal_width, petal_length, petal_width])
					 = CASE species WHEN 'setosa' THEN 0 WHEN 'versicolor' THEN 1 ELSE 2 END)::int), 2) >= 0.9 AS fits,
	   maas_info(m.model)->'parameters'->>'trees' AS trees,
	   maas_info(m.model)->>'task' AS task
FROM (SELECT ((i.ctid::text::point)[1])::int % 2 AS g,
			 maas_fit('random_forest', ARRAY[sepal_length, sepal_width, petal_length, petal_width],
					  CASE species WHEN 'setosa' THEN 0 WHEN 'versicolor' THEN 1 ELSE 2 END,
					  '{"task": "classification", "n_estimators": 25}') AS model
	  FROM iris i GROUP BY 1) m
JOIN iris i ON ((i.ctid::text::point)[1])::int % 2 = m.g
GROUP BY g, m.model ORDER BY g;
SELECT maas_info(maas_fit('gradient_boosting', ARRAY[age, bmi, bp, s5], progression, '{"n_estimators": 10}'))
	   ->'parameters'->>'objective' AS objective
FROM diabetes;
-- NULL elements are missing values to the trees, as NULL columns are to
-- maas_train: the same rows give the same model, so the same predictions
CREATE TEMP VIEW diabetes_holes AS
SELECT age, CASE WHEN s5 > 4.8 THEN NULL ELSE bmi END AS bmi, CASE WHEN age < 30 THEN NULL ELSE bp END AS bp,
	   progression
FROM diabetes;
SELECT count(*) FILTER (WHERE bmi IS NULL) AS null_bmi, count(*) FILTER (WHERE bp IS NULL) AS null_bp
FROM diabetes_holes;
SELECT version FROM maas_train('tree_m_gb_holes', 'gradient_boosting', 'diabetes_holes', 'progression',
							   '{"n_estimators": 20, "test_size": 0}');
WITH f AS (SELECT maas_fit('gradient_boosting', ARRAY[age, bmi, bp], progression, '{"n_estimators": 20}') AS m
		   FROM diabetes_holes)
SELECT count(*) AS rows, max(abs(maas_predict(f.m, ARRAY[h.age, h.bmi, h.bp]) - maas_predict('tree_m_gb_holes', h))) < 1e-9
	   AS same_predictions,
	   min(maas_info(f.m)->'features'->0->>'impute') AS impute
FROM f, diabetes_holes h;
SELECT maas_fit('gradient_boosting', ARRAY[age, 'NaN'], progression) FROM diabetes;

-- limits and bad params
SELECT maas_train('tree_m_huge', 'random_forest', 'wa_churn', 'churn', '{"n_estimators": 100000}');
SELECT maas_train('tree_m_bad', 'decision_tree', 'iris', 'species', '{"criterion": "squared_error"}');
SELECT maas_train('tree_m_bad', 'random_forest', 'iris', 'species', '{"max_features": 2.5}');
SELECT maas_train('tree_m_bad', 'gradient_boosting', 'iris', 'species', '{"max_depth": 0}');
SELECT maas_train('tree_m_bad', 'gradient_boosting', 'iris', 'species', '{"nrounds": 3}');

-- corrupted model bytes: "invalid maas model" (XX001), never another error,
-- never a crash.  maas_test.reseal rewrites the payload length and the
-- checksum, so that the tree reader itself sees the damage: every model cut
-- short must be refused, and some one-byte changes (others only change a
-- value, and read)
CREATE TEMP TABLE tree_m_started AS SELECT pg_postmaster_start_time() AS t;
SELECT name, maas_test.reseal(model) = model AS reseal_keeps_bytes
FROM maas.models WHERE name IN ('tree_m_dt_peng', 'tree_m_rf_peng', 'tree_m_gb_peng') ORDER BY name;
CREATE FUNCTION pg_temp.damage(name text, tries int) RETURNS TABLE (try int, cut boolean, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
	m bytea := (SELECT model FROM maas.models mm WHERE mm.name = damage.name ORDER BY version DESC LIMIT 1);
	len int := length(m);
	tail int := len - 32;
	b bytea;
	pos int;
BEGIN
	FOR t IN 1..tries LOOP
		b := m;
		-- change one byte of the payload, mostly in the tree section at the end
		pos := 32 + (CASE WHEN t % 4 = 0 THEN (t * 7919) % tail ELSE tail - 1 - (t * 104729) % least(tail, 3000) END);
		b := set_byte(b, pos, (get_byte(b, pos) + 1 + (t % 255)) % 256);
		cut := t % 3 = 0;
		IF cut THEN
			b := substr(b, 1, len - 1 - t % 50);	-- and cut 1 to 50 bytes off the end
		END IF;
		b := maas_test.reseal(b);
		try := t;
		BEGIN
			PERFORM maas_info(b);
			PERFORM maas_predict(b, ARRAY[1, 0, 0, 0, 0, 40, 18, 200, 4000, 2007]::float8[]);
			outcome := 'read';
		EXCEPTION WHEN OTHERS THEN
			outcome := CASE WHEN SQLSTATE = 'XX001' THEN 'invalid maas model' ELSE SQLSTATE || ' ' || SQLERRM END;
		END;
		RETURN NEXT;
	END LOOP;
END $$;
SELECT name, count(*) AS tries, count(*) FILTER (WHERE cut) AS cut,
	   bool_and(outcome = 'invalid maas model') FILTER (WHERE cut) AS every_cut_refused,
	   count(*) FILTER (WHERE NOT cut AND outcome = 'invalid maas model') > 0 AS some_change_refused,
	   coalesce(string_agg(DISTINCT outcome, '; ') FILTER (WHERE outcome NOT IN ('read', 'invalid maas model')),
				'none') AS other_outcomes
FROM unnest(ARRAY['tree_m_dt_peng', 'tree_m_gb_peng', 'tree_m_rf_peng']) name, pg_temp.damage(name, 200)
GROUP BY name ORDER BY name;
SELECT pg_postmaster_start_time() = t AS server_never_restarted FROM tree_m_started;
