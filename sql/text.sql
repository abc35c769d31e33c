-- Text: document columns, their tokenizer, and text_classifier (fastText's
-- supervised model), compared with the fasttext command-line tool on the
-- Reuters grain corpus (test/reference/text_reference.py).
SET client_min_messages = warning;
CREATE TABLE reuters (split text, body text, is_grain int);
\copy reuters FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE TABLE austen (split text, body text, book text);
\copy austen FROM 'data/austen.csv' (FORMAT csv, HEADER)
CREATE TABLE poems (split text, body text, dynasty text);
\copy poems FROM 'data/poems.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE text_ref (corpus text, epochs int, dim int, ngrams int, learning_rate float8,
							accuracy float8, f1 float8);
\copy text_ref FROM 'test/reference/text_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER)

-- the README's example: trained on split 'train', scored on split 'test'
SELECT task, rows_trained FROM maas_train('grain', 'text_classifier',
	'SELECT body, is_grain FROM reuters WHERE split = ''train''', 'is_grain',
	'{"epochs": 25, "learning_rate": 0.5, "test_size": 0}');
SELECT maas_predict_class('grain', 'Wheat and corn exports to the Soviet Union rose') AS grain,
	   maas_predict_class('grain', 'The bank raised its interest rates') AS not_grain;

-- within 1 point of fasttext's accuracy at the same settings, held out
WITH e AS (SELECT maas_evaluate('grain', 'SELECT body, is_grain FROM reuters WHERE split = ''test''') AS m)
SELECT abs((m->>'accuracy')::float8 - r.accuracy) < 0.01 AS accuracy_within_1_point,
	   abs((m->>'f1')::float8 - r.f1) < 0.05 AS f1_close
FROM e, text_ref r WHERE r.corpus = 'reuters' AND r.epochs = 25 AND r.ngrams = 1;

-- fastText's defaults (5 epochs, learning rate 0.1): as fasttext, mostly the majority class
SELECT maas_train('grain5', 'text_classifier',
	'SELECT body, is_grain FROM reuters WHERE split = ''train''', 'is_grain',
	'{"test_size": 0}') IS NOT NULL AS trained;
WITH e AS (SELECT maas_evaluate('grain5', 'SELECT body, is_grain FROM reuters WHERE split = ''test''') AS m)
SELECT abs((m->>'accuracy')::float8 - r.accuracy) < 0.01 AS accuracy_within_1_point
FROM e, text_ref r WHERE r.corpus = 'reuters' AND r.epochs = 5;

-- a second corpus: which of Jane Austen's six novels a passage is from;
-- not more than 1 point below fasttext (at 25 epochs maas is 1 point above)
SELECT count(maas_train('austen' || epochs, 'text_classifier',
						'SELECT body, book FROM austen WHERE split = ''train''', 'book',
						jsonb_build_object('epochs', epochs, 'learning_rate', learning_rate,
										   'test_size', 0))) AS trained
FROM text_ref WHERE corpus = 'austen' AND ngrams = 1;
SELECT r.epochs, r.learning_rate,
	   (e->>'accuracy')::float8 >= r.accuracy - 0.01 AS accuracy_not_1_point_below,
	   (e->>'f1')::float8 >= r.f1 - 0.03 AS macro_f1_close
FROM text_ref r,
	 LATERAL maas_evaluate('austen' || r.epochs, 'SELECT body, book FROM austen WHERE split = ''test''') e
WHERE r.corpus = 'austen' AND r.ngrams = 1
ORDER BY r.epochs;

-- Chinese, without spaces: Tang or Song poems, through characters and
-- character bigrams; within 1 point of fasttext on the same tokens
SELECT count(maas_train('poems' || epochs, 'text_classifier',
						'SELECT body, dynasty FROM poems WHERE split = ''train''', 'dynasty',
						jsonb_build_object('epochs', epochs, 'learning_rate', learning_rate,
										   'test_size', 0))) AS trained
FROM text_ref WHERE corpus = 'poems';
SELECT r.epochs, r.learning_rate,
	   abs((e->>'accuracy')::float8 - r.accuracy) < 0.01 AS accuracy_within_1_point,
	   abs((e->>'f1')::float8 - r.f1) < 0.02 AS f1_close
FROM text_ref r,
	 LATERAL maas_evaluate('poems' || r.epochs, 'SELECT body, dynasty FROM poems WHERE split = ''test''') e
WHERE r.corpus = 'poems'
ORDER BY r.epochs;
SELECT maas_info(model)->'features'->0->'tokenizer'->'most_frequent' AS most_frequent
FROM maas.models WHERE name = 'poems25';

-- naive_bayes over a document column (params "text"): the multinomial of
-- scikit-learn's CountVectorizer + MultinomialNB, the same held-out numbers
CREATE TEMP TABLE text_nb_ref (corpus text, accuracy float8, f1 float8);
\copy text_nb_ref FROM 'test/reference/text_nb_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER)
SELECT task FROM maas_train('nb_grain', 'naive_bayes', 'SELECT body, is_grain FROM reuters WHERE split = ''train''',
	'is_grain', '{"text": ["body"], "task": "classification", "test_size": 0}');
SELECT task FROM maas_train('nb_austen', 'naive_bayes', 'SELECT body, book FROM austen WHERE split = ''train''',
	'book', '{"text": ["body"], "test_size": 0}');
SELECT r.corpus, abs((e->>'accuracy')::float8 - r.accuracy) < 0.0001 AS same_accuracy,
	   abs((e->>'f1')::float8 - r.f1) < 0.0001 AS same_f1
FROM text_nb_ref r,
	 LATERAL maas_evaluate(CASE r.corpus WHEN 'reuters' THEN 'nb_grain' ELSE 'nb_austen' END,
						   CASE r.corpus WHEN 'reuters' THEN 'SELECT body, is_grain FROM reuters WHERE split = ''test'''
						   ELSE 'SELECT body, book FROM austen WHERE split = ''test''' END) e
ORDER BY r.corpus;
SELECT maas_predict_class('nb_austen', 'Mr. Darcy and Elizabeth at Pemberley') AS book;
SELECT maas_test.errh($$SELECT maas_explain('nb_grain', r) FROM (SELECT body FROM reuters LIMIT 1) r$$) AS nb_explain;

-- the forms agree: (name, text), the row, probabilities summing to 1
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict('grain', body) = maas_predict('grain', r)) AS same_as_row,
	   count(*) FILTER (WHERE abs((SELECT sum(p) FROM unnest(maas_predict_proba('grain', body)) p) - 1) < 1e-9) AS proba_sum_1
FROM (SELECT body FROM reuters WHERE split = 'test' LIMIT 50) r;
-- a NULL document is an empty one
SELECT maas_predict_proba('grain', NULL::text) = maas_predict_proba('grain', '') AS null_is_empty;
-- a 10 MB document stops at maxlen (1000) tokens: the same as its first 1000 words
SELECT maas_predict_proba('grain', repeat('wheat ', 1000) || repeat('bank ', 1700000))
	 = maas_predict_proba('grain', repeat('wheat ', 1000)) AS truncated;

-- a seed gives the same bytes, at any maas.threads (and on every PostgreSQL
-- version: the rows are ordered, since COPY places rows of this size on
-- pages in a different order from 16 on, and a seq scan returns that order)
SET maas.threads = 1;
SELECT maas_train('det', 'text_classifier', 'SELECT body, is_grain FROM reuters WHERE split = ''test'' ORDER BY md5(body)',
	'is_grain', '{"ngrams": 2, "buckets": 10000, "seed": 7}') IS NOT NULL AS trained;
SET maas.threads = 2;
SELECT maas_train('det', 'text_classifier', 'SELECT body, is_grain FROM reuters WHERE split = ''test'' ORDER BY md5(body)',
	'is_grain', '{"ngrams": 2, "buckets": 10000, "seed": 7}') IS NOT NULL AS trained;
RESET maas.threads;
SELECT count(DISTINCT md5(model)) AS distinct_models FROM maas.models WHERE name = 'det';
SELECT maas_info(model)->'parameters' AS parameters FROM maas.models WHERE name = 'det' AND version = 1;

-- the tokenizer: Unicode lowercase, Chinese characters and their bigrams,
-- stemming with a text search configuration, word n-grams, num_words
CREATE TABLE docs (body text, label text);
INSERT INTO docs VALUES
	('École ÉTÉ Straße ΑΘΗΝΑ Москва', 'a'),
	('我喜欢看电影', 'b'),
	('Running runners ran; the dogs are running!', 'a'),
	('我不喜欢下雨', 'b');
SELECT maas_train('tok', 'text_classifier', 'docs', 'label', '{"text": ["body"], "test_size": 0}') IS NOT NULL AS trained;
SELECT maas_info(model)->'features'->0->'tokenizer'->'vocabulary_size' AS vocabulary,
	   maas_info(model)->'features'->0->'tokenizer'->'most_frequent' AS most_frequent
FROM maas.models WHERE name = 'tok';
SELECT maas_train('tok', 'text_classifier', 'SELECT body, label FROM docs WHERE label = ''a'' OR body LIKE ''%电影''', 'label',
	'{"text": ["body"], "stem": "english", "ngram_range": [1, 2], "num_words": 12, "test_size": 0}') IS NOT NULL AS trained;
SELECT maas_info(model)->'features'->0->'tokenizer' AS tokenizer
FROM maas.models WHERE name = 'tok' AND version = 2;

-- the rule: a text column of many distinct values of several words is a
-- document, a short category is not (and text_classifier reads one column)
CREATE TABLE tickets AS
	SELECT CASE WHEN is_grain = 1 THEN 'farm' ELSE 'desk' END AS team, body, is_grain
	FROM reuters WHERE split = 'test';
SELECT maas_test.err($$SELECT maas_train('t', 'text_classifier', 'tickets', 'is_grain')$$);
SELECT maas_train('t', 'text_classifier', 'tickets', 'is_grain', '{"exclude": ["team"], "epochs": 1}') IS NOT NULL AS trained;
SELECT maas_info(model)->'features'->0->>'name' AS document FROM maas.models WHERE name = 't';
DROP TABLE tickets;
RESET client_min_messages;

-- a SQL_ASCII database holds any bytes: its text is read as UTF-8, and
-- bytes that are not UTF-8 are an error naming the column
CREATE DATABASE maas_text_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c maas_text_ascii
SET client_min_messages = warning;
CREATE EXTENSION maas;
CREATE TABLE d AS SELECT 'école words number ' || i AS body, i % 2 AS y FROM generate_series(1, 20) i;
SELECT maas_train('ascii', 'text_classifier', 'd', 'y', '{"text": ["body"], "test_size": 0}') IS NOT NULL AS trained;
SELECT maas_info(model)->'features'->0->'tokenizer'->'most_frequent' ? 'école' AS utf8_word FROM maas.models;
INSERT INTO d SELECT convert_from(decode('626164ff', 'hex'), 'SQL_ASCII') || ' words', 1;
SELECT maas_train('ascii', 'text_classifier', 'd', 'y', '{"text": ["body"], "test_size": 0}');
SELECT count(*) AS models FROM maas.models;
\c contrib_regression
DROP DATABASE maas_text_ascii;

-- cancelled (statement_timeout) while it trains: nothing stored
SET statement_timeout = '1s';
SELECT maas_train('slow', 'text_classifier', 'SELECT body, is_grain FROM reuters', 'is_grain', '{"epochs": 10000}');
RESET statement_timeout;
SELECT count(*) AS slow_models FROM maas.models WHERE name = 'slow';
