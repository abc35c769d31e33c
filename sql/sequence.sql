-- lstm and gru: Embedding -> recurrent layer -> Dense over a text column,
-- against the same network trained in PyTorch on the Reuters grain corpus
-- (test/reference/sequence_reference.py, mean of 3 seeds).
SET client_min_messages = warning;
CREATE TABLE seq_reuters (split text, body text, is_grain int);
\copy seq_reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE seq_ref (model text, accuracy float8, written_by text);
\copy seq_ref FROM 'test/reference/sequence_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER)
CREATE VIEW seq_train AS SELECT body, is_grain FROM seq_reuters WHERE split = 'train';

-- README's example, Keras's
--   Sequential([Embedding(10000, 64), LSTM(64), Dense(1, activation='sigmoid')])
--   fit(epochs=10, batch_size=32) on pad_sequences(maxlen=100)
SELECT task, rows_trained FROM maas_train('grain_lstm', 'lstm', 'seq_train', 'is_grain',
	'{"num_words": 10000, "maxlen": 100, "embedding_dim": 64, "units": 64,
	  "epochs": 10, "batch_size": 32, "test_size": 0}');
SELECT maas_predict_class('grain_lstm', 'Wheat and corn exports to the Soviet Union rose') AS grain,
	   maas_predict_class('grain_lstm', 'The bank raised its interest rates') AS not_grain;
-- held out: within 2 points of PyTorch's accuracy
WITH e AS (SELECT maas_evaluate('grain_lstm', 'SELECT body, is_grain FROM seq_reuters WHERE split = ''test''') AS m)
SELECT abs((m->>'accuracy')::float8 - r.accuracy) < 0.02 AS lstm_within_2_points
FROM e, seq_ref r WHERE r.model = 'lstm';

SELECT task FROM maas_train('grain_gru', 'gru', 'seq_train', 'is_grain',
	'{"num_words": 10000, "maxlen": 100, "test_size": 0}');
WITH e AS (SELECT maas_evaluate('grain_gru', 'SELECT body, is_grain FROM seq_reuters WHERE split = ''test''') AS m)
SELECT abs((m->>'accuracy')::float8 - r.accuracy) < 0.02 AS gru_within_2_points
FROM e, seq_ref r WHERE r.model = 'gru';

-- bidirectional (Keras's Bidirectional(LSTM(16)), torch's bidirectional=True):
-- smaller settings than above so that both train in seconds, the same as
-- the reference's --bidirectional run
SELECT task FROM maas_train('grain_bilstm', 'lstm', 'seq_train', 'is_grain',
	'{"num_words": 10000, "maxlen": 100, "embedding_dim": 16, "units": 16, "epochs": 6,
	  "learning_rate": 0.005, "bidirectional": true, "test_size": 0}');
SELECT task FROM maas_train('grain_bigru', 'gru', 'seq_train', 'is_grain',
	'{"num_words": 10000, "maxlen": 100, "embedding_dim": 16, "units": 16, "epochs": 6,
	  "learning_rate": 0.005, "bidirectional": true, "test_size": 0}');
SELECT r.model, abs((maas_evaluate(m.name, 'SELECT body, is_grain FROM seq_reuters WHERE split = ''test''')->>'accuracy')::float8
					- r.accuracy) < 0.02 AS within_2_points,
	   maas_info(m.name)->'parameters'->'bidirectional' AS bidirectional,
	   array_length(maas_embed(m.name, 'wheat exports rose'), 1) AS embed_width
FROM (VALUES ('grain_bilstm', 'lstm_bidirectional'), ('grain_bigru', 'gru_bidirectional')) AS m(name, model)
JOIN seq_ref r USING (model) ORDER BY r.model;
-- every predict form agrees, and explain's contributions add up to its score
SELECT m AS model, count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict_proba(m, body) = maas_predict_proba(m, r)
						AND maas_predict(m, body) = maas_predict(m, r)
						AND maas_predict_class(m, body) = maas_predict_class(m, r)) AS forms_agree,
	   count(*) FILTER (WHERE abs((e->>'base')::float8 + (e->'columns'->>'body')::float8
							  - (e->>'score')::float8) < 1e-9) AS explained
FROM (SELECT body FROM seq_reuters WHERE split = 'test' LIMIT 20) r,
	 unnest(ARRAY['grain_bilstm', 'grain_bigru']) m,
	 LATERAL (SELECT maas_explain(m, r.body) AS e) x
GROUP BY m ORDER BY m;

-- the forms agree; probabilities sum to 1
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict_proba('grain_lstm', body) = maas_predict_proba('grain_lstm', r)) AS same_as_row,
	   count(*) FILTER (WHERE abs((SELECT sum(p) FROM unnest(maas_predict_proba('grain_gru', body)) p) - 1) < 1e-9) AS proba_sum_1
FROM (SELECT body FROM seq_reuters WHERE split = 'test' LIMIT 50) r;
-- what the model is
SELECT (maas_info('grain_lstm')->'parameters') - 'history'::text AS parameters;
SELECT jsonb_array_length(maas_info('grain_lstm')->'parameters'->'history'->'loss') AS epochs_recorded;

-- a multiclass model of three topics, dropout, and a bidirectional one; a
-- seed gives the same bytes at any maas.threads
CREATE TABLE seq_topics AS
SELECT body, CASE WHEN is_grain = 1 THEN 'grain' WHEN body ILIKE '%bank%' THEN 'banks' ELSE 'other' END AS topic
FROM seq_reuters WHERE split = 'test';
SET maas.threads = 1;
SELECT maas_train('seq_det', 'gru', 'seq_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "units": 8, "epochs": 2, "dropout": 0.2, "seed": 5}') IS NOT NULL AS trained,
	   maas_train('seq_bidet', 'lstm', 'seq_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "units": 8, "epochs": 2, "dropout": 0.2, "seed": 5, "bidirectional": true}') IS NOT NULL AS bidirectional_trained;
SET maas.threads = 2;
SELECT maas_train('seq_det', 'gru', 'seq_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "units": 8, "epochs": 2, "dropout": 0.2, "seed": 5}') IS NOT NULL AS trained,
	   maas_train('seq_bidet', 'lstm', 'seq_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "units": 8, "epochs": 2, "dropout": 0.2, "seed": 5, "bidirectional": true}') IS NOT NULL AS bidirectional_trained;
RESET maas.threads;
SELECT name, count(DISTINCT md5(model)) AS distinct_models, min(task) AS task
FROM maas.models WHERE name IN ('seq_det', 'seq_bidet') GROUP BY name ORDER BY name;
SELECT array_length(maas_predict_proba('seq_det', 'wheat exports'), 1) AS classes;

-- a split other than random moves each held-out document with its row:
-- stratified keeps the class shares; by time holds out the latest rows
CREATE TABLE seq_dated AS
SELECT body, is_grain, DATE '2000-01-01' + row_number() OVER (ORDER BY md5(body)) :: int AS day
FROM seq_reuters WHERE split = 'test';
SELECT (metrics->>'rows')::int AS held_out, round((metrics->>'accuracy')::numeric, 2) > 0.8 AS learned
FROM maas_train('seq_split', 'text_classifier', 'SELECT body, is_grain FROM seq_dated', 'is_grain',
				'{"split": "stratified", "test_size": 0.25, "epochs": 10, "learning_rate": 0.5}');
CREATE TEMP TABLE seq_by_time AS
SELECT metrics FROM maas_train('seq_split', 'text_classifier', 'seq_dated', 'is_grain',
	'{"split": {"order_by": "day"}, "test_size": 0.25, "epochs": 10, "learning_rate": 0.5, "text": ["body"], "deploy": "always"}');
SELECT (metrics->>'rows')::int AS held_out,
	   maas_evaluate('seq_split', 'SELECT body, is_grain FROM seq_dated ORDER BY day DESC LIMIT 151')->'accuracy'
	   = metrics->'accuracy' AS scored_on_the_latest
FROM seq_by_time;

-- bad input
SELECT maas_test.err($$SELECT maas_train('seq_bad', 'lstm', 'seq_train', 'is_grain', '{"units": 0}')$$) AS zero_units;
SELECT maas_test.err($$SELECT maas_train('seq_bad', 'lstm', 'SELECT body, length(body)::float8 AS n FROM seq_train', 'n', '{"task": "regression"}')$$) AS regression;
SELECT maas_test.err($$SELECT maas_train('seq_bad', 'gru', 'seq_train', 'is_grain', '{"maxlen": 0}')$$) AS maxlen_0;
SELECT maas_test.err($$SELECT maas_explain('grain_lstm', ARRAY[1.0])$$) AS explain_array;
SELECT count(*) AS bad_versions_stored FROM maas.models WHERE name = 'seq_bad';

SELECT maas_drop('grain_lstm'), maas_drop('grain_gru'), maas_drop('seq_det'), maas_drop('seq_split'),
	   maas_drop('grain_bilstm'), maas_drop('grain_bigru'), maas_drop('seq_bidet');
DROP VIEW seq_train;
DROP TABLE seq_reuters, seq_topics, seq_dated;
