-- maas_embed: the pooled representation of a document, the vector a text
-- model's output layer reads.  Checked by recomputation: the binary
-- models' log-odds are an affine function of it (a least-squares fit by
-- linear_regression explains them to r2 1); text_classifier's is the mean
-- of the document's word vectors, so for ngrams 1 (each document also
-- ending in an end-of-sentence vector e)
--   3 embed('a b') = (a + b + e) = 2 embed('a') + 2 embed('b') - embed('')
SET client_min_messages = warning;
CREATE TABLE emb_reuters (split text, body text, is_grain int);
\copy emb_reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE VIEW emb_train AS SELECT body, is_grain FROM emb_reuters WHERE split = 'train';

SELECT maas_train('emb_cnn', 'cnn', 'emb_train', 'is_grain',
	'{"maxlen": 40, "embedding_dim": 8, "filters": 4, "filter_sizes": [2, 3], "epochs": 2, "test_size": 0}') IS NOT NULL AS cnn,
	   maas_train('emb_lstm', 'lstm', 'emb_train', 'is_grain',
	'{"maxlen": 40, "embedding_dim": 8, "units": 5, "epochs": 2, "test_size": 0}') IS NOT NULL AS lstm,
	   maas_train('emb_ft', 'text_classifier', 'emb_train', 'is_grain',
	'{"dim": 6, "epochs": 2, "test_size": 0}') IS NOT NULL AS text_classifier;

-- widths: the pooled features, the units, the dimension; ReLU features are >= 0
SELECT array_length(maas_embed('emb_cnn', 'wheat exports rose'), 1) AS cnn_width,
	   array_length(maas_embed('emb_lstm', 'wheat exports rose'), 1) AS lstm_width,
	   array_length(maas_embed('emb_ft', 'wheat exports rose'), 1) AS text_classifier_width,
	   (SELECT min(v) FROM unnest(maas_embed('emb_cnn', 'wheat exports rose')) v) >= 0 AS cnn_nonnegative;

-- the log-odds are affine in the embedding: r2 of the fit on 300 documents
CREATE TABLE emb_probe AS
SELECT maas_embed('emb_cnn', body)::float8[] AS cnn, maas_embed('emb_lstm', body)::float8[] AS lstm,
	   ln(p_cnn / (1 - p_cnn)) AS logit_cnn, ln(p_lstm / (1 - p_lstm)) AS logit_lstm
FROM (SELECT body, (maas_predict_proba('emb_cnn', body))[2] AS p_cnn,
			 (maas_predict_proba('emb_lstm', body))[2] AS p_lstm
	  FROM emb_reuters WHERE split = 'test' LIMIT 300) d;
SELECT (metrics->>'r2')::float8 > 0.99999 AS cnn_logit_affine_in_embedding
FROM maas_train('emb_fit', 'linear_regression', 'SELECT cnn, logit_cnn FROM emb_probe', 'logit_cnn', '{"test_size": 0.2}');
SELECT (metrics->>'r2')::float8 > 0.99999 AS lstm_logit_affine_in_embedding
FROM maas_train('emb_fit', 'linear_regression', 'SELECT lstm, logit_lstm FROM emb_probe', 'logit_lstm', '{"test_size": 0.2}');

-- text_classifier: the mean of the word vectors
WITH e AS (SELECT maas_embed('emb_ft', 'wheat corn') AS ab, maas_embed('emb_ft', 'wheat') AS a,
				  maas_embed('emb_ft', 'corn') AS b, maas_embed('emb_ft', '') AS eos)
SELECT max(abs(3 * ab[j] - (2 * a[j] + 2 * b[j] - eos[j]))) < 1e-5 AS text_classifier_mean,
	   max(abs(ab[j])) > 1e-3 AS not_zero
FROM e, generate_series(1, 6) j;

-- the forms agree; NULL is an empty document
SELECT count(*) FILTER (WHERE maas_embed('emb_cnn', r) = maas_embed('emb_cnn', r.body)) AS row_form_same,
	   bool_and(maas_embed('emb_lstm', NULL::text) = maas_embed('emb_lstm', '')) AS null_is_empty
FROM (SELECT body FROM emb_reuters LIMIT 5) r;

-- models without a pooled representation
SELECT maas_train('emb_lin', 'linear_regression', 'SELECT g::float8 AS x, 2.0 * g AS y FROM generate_series(1, 20) g', 'y') IS NOT NULL AS trained;
SELECT maas_test.err($$SELECT maas_embed('emb_lin', 'wheat')$$) AS not_a_text_model;
SELECT maas_test.err($$SELECT maas_embed('emb_nothing', 'wheat')$$) AS unknown_model;

SELECT maas_drop('emb_cnn'), maas_drop('emb_lstm'), maas_drop('emb_ft'), maas_drop('emb_fit'), maas_drop('emb_lin');
DROP VIEW emb_train;
DROP TABLE emb_reuters, emb_probe;
