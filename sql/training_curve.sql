-- The training curve: every iterative algorithm's version keeps its loss
-- per iteration, epoch or round in metrics.training_curve, as
-- [[iteration, loss], ...]: one point per iteration up to 1,000, evenly
-- thinned past that; maas_train's summary leaves it out.
SET client_min_messages = warning;
CREATE TEMP TABLE tcv_reuters (split text, body text, is_grain int);
\copy tcv_reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE tcv_text AS
	SELECT body, is_grain FROM tcv_reuters WHERE split = 'train' ORDER BY body LIMIT 300;
CREATE TEMP TABLE tcv (model text, algorithm text, source text, target text, params jsonb);
INSERT INTO tcv VALUES
	('tcv_logistic', 'logistic_regression', 'breast_cancer', 'malignant', '{"seed": 1}'),
	('tcv_mlp', 'mlp', 'iris', 'species', '{"epochs": 30, "seed": 1}'),
	('tcv_gbm', 'gradient_boosting', 'diabetes', 'progression', '{"n_estimators": 40, "seed": 1}'),
	('tcv_gbm_es', 'gradient_boosting', 'breast_cancer', 'malignant',
	 '{"n_estimators": 200, "early_stopping_rounds": 5, "seed": 1}'),
	('tcv_kmeans', 'kmeans', 'iris', NULL, '{"n_clusters": 3, "seed": 1}'),
	('tcv_svc', 'linear_svm', 'breast_cancer', 'malignant', '{"seed": 1}'),
	('tcv_svr', 'linear_svr', 'diabetes', 'progression', '{"seed": 1}'),
	('tcv_enet', 'elastic_net', 'diabetes', 'progression', '{"alpha": 0.01, "seed": 1}'),
	('tcv_lasso', 'lasso', 'diabetes', 'progression', '{"alpha": 0.01, "seed": 1}'),
	('tcv_als', 'als', 'bfi_ratings', 'rating',
	 '{"iterations": 8, "user": "respondent", "item": "item", "seed": 1}'),
	('tcv_text', 'text_classifier', 'tcv_text', 'is_grain', '{"epochs": 6, "seed": 1}'),
	('tcv_lstm', 'lstm', 'tcv_text', 'is_grain',
	 '{"epochs": 4, "maxlen": 30, "units": 8, "embedding_dim": 8, "seed": 1}'),
	('tcv_gru', 'gru', 'tcv_text', 'is_grain',
	 '{"epochs": 4, "maxlen": 30, "units": 8, "embedding_dim": 8, "seed": 1}'),
	-- no curve: fitted in one step
	('tcv_linear', 'linear_regression', 'diabetes', 'progression', '{}'),
	('tcv_tree', 'decision_tree', 'iris', 'species', '{"seed": 1}');
SELECT model, metrics ? 'training_curve' AS summary_has_curve
FROM tcv, LATERAL maas_train(model, algorithm, source, target, params) ORDER BY model;
RESET client_min_messages;

-- the curve of each version, and what the model itself counted
CREATE TEMP VIEW tcv_curve AS
SELECT t.model, t.algorithm, m.metrics->'training_curve' AS curve,
	   jsonb_array_length(m.metrics->'training_curve') AS points,
	   maas_info(t.model)->'parameters' AS info
FROM tcv t JOIN maas.models m ON m.name = t.model;

-- one point per iteration, numbered 1, 2, ...: as many as the model ran
SELECT model, points,
	   points = CASE algorithm
		   WHEN 'logistic_regression' THEN (info->>'iterations')::int
		   WHEN 'kmeans' THEN (info->>'n_iter')::int
		   WHEN 'linear_svm' THEN (info->>'iterations')::int
		   WHEN 'linear_svr' THEN (info->>'iterations')::int
		   WHEN 'elastic_net' THEN (info->>'n_iter')::int
		   WHEN 'lasso' THEN (info->>'n_iter')::int
		   WHEN 'als' THEN (info->>'iterations')::int
		   WHEN 'mlp' THEN 30
		   WHEN 'gradient_boosting' THEN (SELECT (params->>'n_estimators')::int FROM tcv WHERE tcv.model = c.model
										  AND NOT params ? 'early_stopping_rounds')
		   WHEN 'text_classifier' THEN 6
		   ELSE 4 END AS as_many_as_iterations,
	   (SELECT bool_and((p->>0)::int = i) FROM jsonb_array_elements(curve) WITH ORDINALITY a(p, i)) AS numbered
FROM tcv_curve c ORDER BY model;
-- early stopping: a point per round run, past the best one by the patience
SELECT points > 5 AND points < 200 AS stopped_early,
	   points - 1 - (SELECT i - 1 FROM jsonb_array_elements(curve) WITH ORDINALITY a(p, i)
					 ORDER BY (p->>1)::float8, i LIMIT 1) = 5 AS five_rounds_past_the_best
FROM tcv_curve WHERE model = 'tcv_gbm_es';

-- never rising where the algorithm guarantees it: L-BFGS's line search,
-- Lloyd's steps, coordinate descent (on the dual for svm), least-squares
-- boosting; the stochastic ones end lower than they start
SELECT model,
	   bool_and(cur <= prev + 1e-9 * abs(prev)) FILTER (WHERE prev IS NOT NULL) AS never_rises,
	   (array_agg(cur ORDER BY i DESC))[1] < (array_agg(cur ORDER BY i))[1] AS ends_lower
FROM (SELECT model, i, (p->>1)::float8 AS cur, lag((p->>1)::float8) OVER (PARTITION BY model ORDER BY i) AS prev
	  FROM tcv_curve, jsonb_array_elements(curve) WITH ORDINALITY a(p, i)) s
GROUP BY model ORDER BY model;

-- the last point is the model's own final loss where it keeps one
SELECT abs((curve->-1->>1)::float8 - (info->>'inertia')::float8) < 1e-6 * (info->>'inertia')::float8
	   AS kmeans_last_is_its_inertia
FROM tcv_curve WHERE model = 'tcv_kmeans';
SELECT abs((curve->-1->>1)::float8 - (info->'training_rmse_history'->>-1)::float8) < 1e-12
	   AS als_last_is_its_rmse
FROM tcv_curve WHERE model = 'tcv_als';

-- past 1,000 iterations: between 500 and 1,000 points, evenly spaced (every
-- 4th of 3,000 here), the first and the last kept
SELECT maas_train('tcv_long', 'elastic_net', 'diabetes', 'progression',
				  '{"alpha": 0.01, "tol": 0, "max_iter": 3000}') IS NOT NULL AS trained;
SELECT jsonb_array_length(c) AS points, c->0->>0 AS first, c->-1->>0 AS last,
	   (SELECT count(DISTINCT (c->(i + 1)->>0)::int - (c->i->>0)::int)
		FROM generate_series(0, jsonb_array_length(c) - 3) i) AS spacings,
	   (c->1->>0)::int - (c->0->>0)::int AS stride
FROM (SELECT metrics->'training_curve' AS c FROM maas.models WHERE name = 'tcv_long') s;

SELECT count(*) AS dropped FROM (SELECT maas_drop(model) FROM tcv UNION ALL SELECT maas_drop('tcv_long')) d;
