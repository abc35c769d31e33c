-- maas_tune over models of token sequences (text_classifier, lstm, ...):
-- each fold's fit gets its own rows' documents, with the vocabulary of
-- its training rows, and scores its held-out documents, so a fold's score
-- is maas_evaluate's of the model maas_train makes of the fold's training
-- rows.  Checked to 1e-12 with a fold column, on Reuters grain documents.
SET maas.progress_interval = 0;
SET client_min_messages = warning;
CREATE TABLE tt_reuters (split text, body text, is_grain int);
\copy tt_reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
-- every grain story of the training split and a fifth of the others, a fold
-- column; numbered in an order of their own (COPY lays rows out otherwise
-- from PostgreSQL 16 on, and a scan's order with them)
CREATE TABLE tt_docs AS
SELECT id, body, is_grain, (id % 3)::int AS f
FROM (SELECT row_number() OVER (ORDER BY md5(body), is_grain) AS id, body, is_grain
	  FROM tt_reuters WHERE split = 'train') d
WHERE is_grain = 1 OR id % 5 = 0;
SELECT count(*) AS documents, sum(is_grain) AS grain FROM tt_docs;

-- a grid over text_classifier's options, the folds given by column f
SELECT version, algorithm, setting, scoring, trials
FROM maas_tune('tt_grid', 'text_classifier', 'SELECT body, is_grain, f FROM tt_docs', 'is_grain',
			   '{"grid": {"dim": [5, 10], "epochs": [3], "learning_rate": [0.2, 0.5]},
				 "folds": {"column": "f"}, "scoring": "accuracy"}',
			   '{"num_words": 300}');

-- the same fits by hand: maas_train on each fold's training rows (the
-- trial's setting over the call's params), maas_evaluate on its held-out rows
CREATE FUNCTION pg_temp.train_folds(tuned text, params jsonb) RETURNS bigint
LANGUAGE sql AS $$
	SELECT count(v)
	FROM maas.trials t
	CROSS JOIN generate_series(0, 2) AS f(fold)
	CROSS JOIN LATERAL maas_train(format('tt_hand_%s_%s_%s', tuned, t.trial, f.fold), t.algorithm,
								  format('SELECT body, is_grain FROM tt_docs WHERE f <> %s', f.fold), 'is_grain',
								  params || t.setting || '{"test_size": 0}') v
	WHERE t.name = tuned
$$;
CREATE FUNCTION pg_temp.evaluate_folds(tuned text)
RETURNS TABLE (trial int, algorithm text, fold int, score float8, m jsonb)
LANGUAGE sql AS $$
	SELECT t.trial, t.algorithm, f.fold, t.scores[f.fold + 1],
		   maas_evaluate(format('tt_hand_%s_%s_%s', tuned, t.trial, f.fold),
						 format('SELECT body, is_grain FROM tt_docs WHERE f = %s', f.fold))
	FROM maas.trials t CROSS JOIN generate_series(0, 2) AS f(fold)
	WHERE t.name = tuned
$$;
SELECT pg_temp.train_folds('tt_grid', '{"num_words": 300}') AS fits_by_hand;
CREATE TABLE tt_by_hand AS SELECT * FROM pg_temp.evaluate_folds('tt_grid');
SELECT count(*) AS fits_compared,
	   max(abs(score - (m->>'accuracy')::float8)) < 1e-12 AS folds_as_maas_train
FROM tt_by_hand;

-- the best setting is the one of the highest mean; the stored version's
-- metrics are its folds' means of every metric
SELECT t.setting, t.mean_score = max(t.mean_score) OVER () AS highest_mean,
	   abs(t.mean_score - (SELECT avg(value) FROM unnest(t.scores) value)) < 1e-12 AS mean_of_folds
FROM maas.trials t WHERE t.name = 'tt_grid' AND t.best;
SELECT abs((m.metrics->>'f1')::float8 - avg((h.m->>'f1')::float8)) < 1e-12 AS f1_mean_as_maas_evaluate,
	   m.metrics->>'evaluated_on' AS evaluated_on, m.algorithm
FROM maas.models m
JOIN maas.trials t ON t.name = m.name AND t.version = m.version AND t.best
JOIN tt_by_hand h ON h.trial = t.trial
WHERE m.name = 'tt_grid'
GROUP BY m.metrics, m.algorithm;

-- the refit on every row is the model maas_train makes of them
SELECT maas_train('tt_all', 'text_classifier', 'SELECT body, is_grain FROM tt_docs', 'is_grain',
				  t.setting || '{"num_words": 300, "test_size": 0}') IS NOT NULL AS trained
FROM maas.trials t WHERE t.name = 'tt_grid' AND t.best;
SELECT maas_predict_class('tt_grid', 'Wheat and corn exports to the Soviet Union rose') AS grain,
	   maas_predict_class('tt_grid', 'The bank raised its interest rates') AS not_grain,
	   (SELECT max(abs((maas_predict_proba('tt_grid', body))[2] - (maas_predict_proba('tt_all', body))[2]))
		FROM tt_docs) < 1e-12 AS refit_as_maas_train,
	   maas_info('tt_grid')->'features'->0->'tokenizer' =
	   maas_info('tt_all')->'features'->0->'tokenizer' AS same_tokenizer;

-- random search over stratified folds, scored by f1
SELECT algorithm, scoring, trials
FROM maas_tune('tt_random', 'text_classifier', 'SELECT body, is_grain FROM tt_docs', 'is_grain',
			   '{"random": {"dim": {"randint": [4, 12]}, "learning_rate": {"loguniform": [0.1, 1]}},
				 "trials": 3, "folds": 3, "scoring": "f1"}',
			   '{"epochs": 3, "num_words": 300}');
SELECT count(*) AS trials, bool_and(array_length(scores, 1) = 3) AS three_folds,
	   count(*) FILTER (WHERE best) AS best,
	   bool_and(NOT best OR mean_score = (SELECT max(mean_score) FROM maas.trials WHERE name = 'tt_random')) AS best_highest
FROM maas.trials WHERE name = 'tt_random';
SELECT (metrics->>'folds')::int AS folds, metrics->>'scoring' AS scoring,
	   maas_predict_class('tt_random', 'Grain shipments of wheat and maize') IN ('0', '1') AS predicts
FROM maas.models WHERE name = 'tt_random';

-- a token model, a recurrent one and naive_bayes (documents beside any
-- dense rows) compared in one call, each fold as maas_train's
SELECT algorithm AS best_algorithm, trials
FROM maas_tune('tt_mixed', NULL, 'SELECT body, is_grain, f FROM tt_docs', 'is_grain',
			   '{"algorithms": [{"algorithm": "text_classifier", "grid": {"dim": [8], "epochs": [2], "learning_rate": [0.5]}},
								{"algorithm": "gru", "grid": {"units": [4], "embedding_dim": [4], "epochs": [1]}},
								"naive_bayes"],
				 "folds": {"column": "f"}}',
			   '{"num_words": 300, "maxlen": 60, "task": "classification", "text": ["body"]}');
SELECT pg_temp.train_folds('tt_mixed', '{"num_words": 300, "maxlen": 60, "task": "classification", "text": ["body"]}') AS fits_by_hand;
CREATE TABLE tt_mixed_hand AS SELECT * FROM pg_temp.evaluate_folds('tt_mixed');
SELECT algorithm, count(*) AS folds, max(abs(score - (m->>'accuracy')::float8)) < 1e-12 AS folds_as_maas_train
FROM tt_mixed_hand GROUP BY trial, algorithm ORDER BY trial;
SELECT (SELECT algorithm FROM maas.trials WHERE name = 'tt_mixed' ORDER BY mean_score DESC, trial LIMIT 1)
	   = (SELECT algorithm FROM maas.models WHERE name = 'tt_mixed') AS highest_mean_refit;

RESET client_min_messages;
SELECT count(maas_drop(name)) > 0 AS dropped
FROM (SELECT DISTINCT name FROM maas.models WHERE name LIKE 'tt\_%') m;
DROP TABLE tt_reuters, tt_docs, tt_by_hand, tt_mixed_hand;
