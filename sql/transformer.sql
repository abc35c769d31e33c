-- transformer: Embedding plus learned positions -> encoder layers -> mean
-- pooling -> Dense over a text column, against the same network trained in
-- PyTorch on the Reuters grain corpus (test/reference/transformer_reference.py,
-- mean of 3 seeds).  The encoder's layers are checked one by one against
-- PyTorch in test/unit/nn_attention_test.c.
SET client_min_messages = warning;
SET maas.progress_interval = 0;
CREATE TABLE tf_reuters (split text, body text, is_grain int);
\copy tf_reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE tf_ref (model text, accuracy float8, written_by text);
\copy tf_ref FROM 'test/reference/transformer_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER)
CREATE VIEW tickets AS SELECT body, is_grain AS label FROM tf_reuters WHERE split = 'train';

-- README's example: PyTorch's
--   Embedding(V, 32) + positions -> 2 x TransformerEncoderLayer(32, 4, 64)
--   -> mean over the tokens -> Linear(32, 1), 3 epochs of Adam, batch 32
SELECT task, rows_trained FROM maas_train('topic_tf', 'transformer', 'tickets', 'label',
	'{"num_words": 10000, "maxlen": 100, "embedding_dim": 32, "heads": 4, "layers": 2,
	  "ff_dim": 64, "epochs": 3, "test_size": 0}');
SELECT maas_predict_class('topic_tf', 'Wheat and corn exports to the Soviet Union rose') AS grain,
	   maas_predict_class('topic_tf', 'The bank raised its interest rates') AS not_grain;
-- held out: within 2 points of PyTorch's accuracy
WITH e AS (SELECT maas_evaluate('topic_tf', 'SELECT body, is_grain AS label FROM tf_reuters WHERE split = ''test''') AS m)
SELECT abs((m->>'accuracy')::float8 - r.accuracy) < 0.02 AS within_2_points_of_pytorch,
	   (m->>'accuracy')::float8 > 0.9 AS above_90_percent
FROM e, tf_ref r WHERE r.model = 'transformer';

-- the forms agree: (name, text), the row, proba, class; probabilities sum to 1
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict_proba('topic_tf', body) = maas_predict_proba('topic_tf', r)) AS same_as_row,
	   count(*) FILTER (WHERE maas_predict('topic_tf', body) = maas_predict('topic_tf', r)) AS predict_same,
	   count(*) FILTER (WHERE abs((SELECT sum(p) FROM unnest(maas_predict_proba('topic_tf', body)) p) - 1) < 1e-9) AS proba_sum_1,
	   count(*) FILTER (WHERE maas_predict_class('topic_tf', body) =
						CASE WHEN (maas_predict_proba('topic_tf', body))[2] > 0.5 THEN '1' ELSE '0' END) AS class_from_proba
FROM (SELECT body, NULL::int AS label FROM tf_reuters WHERE split = 'test' LIMIT 40) r;
-- an empty or NULL document is one unknown word; a 10,000-word one keeps its first 100
SELECT maas_predict_proba('topic_tf', '') = maas_predict_proba('topic_tf', NULL::text) AS empty_is_null,
	   maas_predict_proba('topic_tf', repeat('wheat grain ', 5000)) =
	   maas_predict_proba('topic_tf', repeat('wheat grain ', 50)) AS long_cut_at_100;
-- what the model is; the loss of every epoch
SELECT (maas_info('topic_tf')->'parameters') - 'history'::text AS parameters;
SELECT jsonb_array_length(maas_info('topic_tf')->'parameters'->'history'->'loss') AS epochs_recorded;

-- multiclass with gelu and dropout; a seed gives the same bytes at any maas.threads
CREATE TABLE tf_topics AS
SELECT body, CASE WHEN is_grain = 1 THEN 'grain' WHEN body ILIKE '%bank%' THEN 'banks' ELSE 'other' END AS topic
FROM tf_reuters WHERE split = 'test';
SET maas.threads = 1;
SELECT maas_train('tf_det', 'transformer', 'tf_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "heads": 2, "layers": 1, "ff_dim": 8, "epochs": 2,
	  "dropout": 0.2, "activation": "gelu", "seed": 5}') IS NOT NULL AS trained;
SET maas.threads = 2;
SELECT maas_train('tf_det', 'transformer', 'tf_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "heads": 2, "layers": 1, "ff_dim": 8, "epochs": 2,
	  "dropout": 0.2, "activation": "gelu", "seed": 5}') IS NOT NULL AS trained;
RESET maas.threads;
SELECT count(DISTINCT md5(model)) AS distinct_models, min(task) AS task FROM maas.models WHERE name = 'tf_det';
SELECT array_length(maas_predict_proba('tf_det', 'wheat exports'), 1) AS classes,
	   maas_info('tf_det')->'parameters'->>'activation' AS activation;

-- a cancel (statement_timeout) during training stores nothing
\set VERBOSITY terse
SET statement_timeout = '500ms';
SELECT maas_train('tf_cancel', 'transformer', 'tickets', 'label', '{"epochs": 1000}');
RESET statement_timeout;
\set VERBOSITY default
SELECT count(*) AS cancelled_versions_stored FROM maas.models WHERE name = 'tf_cancel';

-- maas_explain by occlusion, as for every text classifier: the row form
-- equals the text form, base plus the words' effects is the score, and the
-- score is the log-odds of the positive class's probability
SELECT maas_explain('topic_tf', r) = maas_explain('topic_tf', r.body) AS explain_row_form,
	   abs((e->>'base')::float8 + (SELECT sum(value::float8) FROM jsonb_each(e->'contributions'))
		   - (e->>'score')::float8) < 1e-9 AS explain_additive,
	   abs((e->>'score')::float8 - ln(p[2] / p[1])) < 1e-6 AS explain_log_odds
FROM (SELECT * FROM tickets LIMIT 1) r,
	 LATERAL (SELECT maas_explain('topic_tf', r.body) AS e, maas_predict_proba('topic_tf', r.body) AS p) x;

-- bad input
SELECT maas_test.err($$SELECT maas_train('tf_bad', 'transformer', 'tickets', 'label', '{"heads": 3}')$$) AS heads_not_dividing;
SELECT maas_test.err($$SELECT maas_train('tf_bad', 'transformer', 'tickets', 'label', '{"layers": 0}')$$) AS zero_layers;
SELECT maas_test.err($$SELECT maas_train('tf_bad', 'transformer', 'tickets', 'label', '{"activation": "tanh"}')$$) AS activation;
SELECT maas_test.err($$SELECT maas_train('tf_bad', 'transformer', 'SELECT body, length(body)::float8 AS n FROM tickets', 'n', '{"task": "regression"}')$$) AS regression;
SELECT maas_test.err($$SELECT maas_train('tf_bad', 'transformer', 'tickets', 'label', '{"maxlen": 0}')$$) AS maxlen_0;
SELECT count(*) AS bad_versions_stored FROM maas.models WHERE name = 'tf_bad';

SELECT maas_drop('topic_tf'), maas_drop('tf_det');
DROP VIEW tickets;
DROP TABLE tf_reuters, tf_topics;
