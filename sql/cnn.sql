-- cnn: Embedding -> 1-D convolutions of several widths -> global max pooling
-- -> Dense over a text column, against the same network trained in PyTorch
-- on the Reuters grain corpus (test/reference/cnn_reference.py, mean of 3
-- seeds).
SET client_min_messages = warning;
CREATE TABLE cnn_reuters (split text, body text, is_grain int);
\copy cnn_reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE cnn_ref (model text, accuracy float8, written_by text);
\copy cnn_ref FROM 'test/reference/cnn_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER)
CREATE VIEW cnn_train AS SELECT body, is_grain FROM cnn_reuters WHERE split = 'train';

-- README's example: Kim's network, 100 filters each of widths 3, 4 and 5
SELECT task, rows_trained FROM maas_train('grain_cnn', 'cnn', 'cnn_train', 'is_grain',
	'{"num_words": 10000, "maxlen": 100, "embedding_dim": 64, "filter_sizes": [3, 4, 5],
	  "filters": 100, "dropout": 0.5, "epochs": 5, "batch_size": 32, "test_size": 0}');
SELECT maas_predict_class('grain_cnn', 'Wheat and corn exports to the Soviet Union rose') AS grain,
	   maas_predict_class('grain_cnn', 'The bank raised its interest rates') AS not_grain;
-- held out: within 2 points of PyTorch's accuracy
WITH e AS (SELECT maas_evaluate('grain_cnn', 'SELECT body, is_grain FROM cnn_reuters WHERE split = ''test''') AS m)
SELECT abs((m->>'accuracy')::float8 - r.accuracy) < 0.02 AS cnn_within_2_points,
	   (m->>'accuracy')::float8 > 0.95 AS learned
FROM e, cnn_ref r WHERE r.model = 'cnn';

-- the forms agree; what the model is
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict_proba('grain_cnn', body) = maas_predict_proba('grain_cnn', r)) AS same_as_row
FROM (SELECT body FROM cnn_reuters WHERE split = 'test' LIMIT 50) r;
SELECT (maas_info('grain_cnn')->'parameters') - 'history'::text AS parameters;
SELECT jsonb_array_length(maas_info('grain_cnn')->'parameters'->'history'->'loss') AS epochs_recorded;

-- three topics, widths 2 and 7 (maxlen 30); a seed gives the
-- same bytes at any maas.threads
CREATE TABLE cnn_topics AS
SELECT body, CASE WHEN is_grain = 1 THEN 'grain' WHEN body ILIKE '%bank%' THEN 'banks' ELSE 'other' END AS topic
FROM cnn_reuters WHERE split = 'test';
SET maas.threads = 1;
SELECT maas_train('cnn_det', 'cnn', 'cnn_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "filters": 6, "filter_sizes": [2, 7], "epochs": 2, "seed": 5}') IS NOT NULL AS trained;
SET maas.threads = 2;
SELECT maas_train('cnn_det', 'cnn', 'cnn_topics', 'topic',
	'{"maxlen": 30, "embedding_dim": 8, "filters": 6, "filter_sizes": [2, 7], "epochs": 2, "seed": 5}') IS NOT NULL AS trained;
RESET maas.threads;
SELECT count(DISTINCT md5(model)) AS distinct_models, min(task) AS task FROM maas.models WHERE name = 'cnn_det';
SELECT array_length(maas_predict_proba('cnn_det', 'wheat'), 1) AS classes,
	   (SELECT sum(p) FROM unnest(maas_predict_proba('cnn_det', '')) p) BETWEEN 0.999999 AND 1.000001 AS empty_sums_to_1;
SELECT maas_info('cnn_det')->'parameters'->'steps' AS steps;

-- bad input
SELECT maas_test.err($$SELECT maas_train('cnn_bad', 'cnn', 'cnn_train', 'is_grain', '{"filters": 0}')$$) AS zero_filters;
SELECT maas_test.err($$SELECT maas_train('cnn_bad', 'cnn', 'cnn_train', 'is_grain', '{"filter_sizes": []}')$$) AS no_widths;
SELECT maas_test.err($$SELECT maas_train('cnn_bad', 'cnn', 'cnn_train', 'is_grain', '{"filter_sizes": [3, 0]}')$$) AS zero_width;
SELECT maas_test.err($$SELECT maas_train('cnn_bad', 'cnn', 'SELECT body, length(body)::float8 AS n FROM cnn_train', 'n', '{"task": "regression"}')$$) AS regression;
SELECT count(*) AS bad_versions_stored FROM maas.models WHERE name = 'cnn_bad';

-- a cancel (statement_timeout) during training stores nothing
SET statement_timeout = '1s';
SELECT maas_train('cnn_cancel', 'cnn', 'cnn_train', 'is_grain', '{"epochs": 1000, "test_size": 0}');
RESET statement_timeout;
SELECT count(*) AS cancelled_versions_stored FROM maas.models WHERE name = 'cnn_cancel';

SELECT maas_drop('grain_cnn'), maas_drop('cnn_det');
DROP VIEW cnn_train;
DROP TABLE cnn_reuters, cnn_topics;
