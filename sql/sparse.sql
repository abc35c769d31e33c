-- Sparse linear models over text: logistic_regression on a document column
-- through TF-IDF (or hashed) features in CSR rows, compared with
-- scikit-learn's TfidfVectorizer + LogisticRegression on the same split
-- (test/reference/sparse_reference.py).
SET client_min_messages = warning;
CREATE TABLE sp_reuters (id serial, split text, body text, is_grain int);
\copy sp_reuters (split, body, is_grain) FROM 'data/reuters_grain.csv' (FORMAT csv, HEADER)
CREATE TABLE sp_austen (id serial, split text, body text, book text);
\copy sp_austen (split, body, book) FROM 'data/austen.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE sp_ref (setting text, n_features int, accuracy float8, f1 float8,
						  p1 float8, p2 float8, p3 float8);
\copy sp_ref FROM 'test/reference/sparse_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER, NULL 'nan')
-- the settings of the reference, as maas params
CREATE TEMP TABLE sp_settings (setting text, source text, target text, params jsonb);
INSERT INTO sp_settings VALUES
 ('reuters_words', 'sp_reuters', 'is_grain', '{"C": 10}'),
 ('reuters_bigrams', 'sp_reuters', 'is_grain', '{"C": 10, "ngram_range": [1, 2], "sublinear_tf": true, "min_df": 2}'),
 ('reuters_hashed', 'sp_reuters', 'is_grain', '{"C": 10, "hashing": 4096}'),
 ('austen_words', 'sp_austen', 'book', '{"C": 10}');
-- the reference's austen_bigrams (1-2-grams, num_words 20000: 4 s here) is
-- left out of the suite; README quotes it
RESET client_min_messages;

-- the README's example: a TF-IDF logistic regression on split 'train'
SELECT task, rows_trained FROM maas_train('grain_tfidf', 'logistic_regression',
	'SELECT body, is_grain FROM sp_reuters WHERE split = ''train''', 'is_grain',
	'{"text": ["body"], "C": 10, "maxlen": 100000, "test_size": 0}');
SELECT maas_predict_class('grain_tfidf', 'Wheat and corn exports to the Soviet Union rose') AS grain,
	   maas_predict_class('grain_tfidf', 'The bank raised its interest rates') AS not_grain;

-- every setting: held-out accuracy within 1 point of scikit-learn's, the
-- same number of words kept, and the same probabilities of the first test
-- documents where the vocabulary is the same set (a num_words cut breaks
-- ties of frequency otherwise; the hashed one hashes with another function)
SET client_min_messages = warning;
SELECT count(maas_train('sp_' || setting, 'logistic_regression',
						format('SELECT body, %I FROM %I WHERE split = ''train''', target, source),
						target, params || '{"text": ["body"], "maxlen": 100000, "test_size": 0}')) AS trained
FROM sp_settings;
RESET client_min_messages;
SELECT s.setting,
	   (maas_info(m.model)->'parameters'->'text'->>
		CASE WHEN s.params ? 'hashing' THEN 'features' ELSE 'kept' END)::int = r.n_features AS same_features,
	   abs((e->>'accuracy')::float8 - r.accuracy) <= 0.01 AS accuracy_within_1_point,
	   abs((e->>'f1')::float8 - r.f1) <= CASE WHEN s.params ? 'hashing' THEN 0.05 ELSE 0.02 END AS f1_close
FROM sp_settings s JOIN sp_ref r USING (setting)
	 JOIN maas.models m ON m.name = 'sp_' || s.setting,
	 LATERAL maas_evaluate('sp_' || s.setting,
						   format('SELECT body, %I FROM %I WHERE split = ''test''', s.target, s.source)) e
ORDER BY s.setting;
SELECT s.setting, t.n,
	   abs((maas_predict_proba('sp_' || s.setting, t.body))[2] -
		   (ARRAY[r.p1, r.p2, r.p3])[t.n]) < 1e-3 AS probability_as_sklearn
FROM sp_settings s JOIN sp_ref r USING (setting),
	 LATERAL (SELECT body, row_number() OVER (ORDER BY id) AS n
			  FROM (SELECT * FROM sp_reuters UNION ALL SELECT id, split, body, NULL FROM sp_austen) d
			  WHERE split = 'test' AND s.source = CASE WHEN d.is_grain IS NULL THEN 'sp_austen' ELSE 'sp_reuters' END
			  ORDER BY id LIMIT 3) t
WHERE NOT s.params ?| ARRAY['hashing', 'num_words']
ORDER BY s.setting, t.n;

-- the predict forms agree: text, row, class, probabilities
SELECT maas_predict('grain_tfidf', r) = maas_predict('grain_tfidf', r.body) AS row_is_text,
	   maas_predict_class('grain_tfidf', r) = (maas_predict('grain_tfidf', r))::int::text AS class_form,
	   abs((maas_predict_proba('grain_tfidf', r))[2] - (maas_predict_proba('grain_tfidf', r.body))[2]) < 1e-12 AS proba_form
FROM (SELECT body, is_grain FROM sp_reuters WHERE split = 'test' ORDER BY id LIMIT 1) r;

-- the same bytes at any maas.threads, and for the same params
SET client_min_messages = warning;
SET maas.threads = 1;
SELECT maas_train('sp_t1', 'logistic_regression',
	'SELECT body, is_grain FROM sp_reuters WHERE split = ''train''', 'is_grain',
	'{"text": ["body"], "min_df": 2, "test_size": 0}') IS NOT NULL AS trained;
SET maas.threads = 2;
SELECT maas_train('sp_t2', 'logistic_regression',
	'SELECT body, is_grain FROM sp_reuters WHERE split = ''train''', 'is_grain',
	'{"text": ["body"], "min_df": 2, "test_size": 0}') IS NOT NULL AS trained;
RESET maas.threads;
RESET client_min_messages;
SELECT count(DISTINCT md5(model)) = 1 AS same_bytes FROM maas.models WHERE name IN ('sp_t1', 'sp_t2');

-- a dense column beside the document: its weight, and both forms of input
SET client_min_messages = warning;
SELECT maas_train('grain_len', 'logistic_regression',
	'SELECT body, length(body)::float8 AS chars, is_grain FROM sp_reuters WHERE split = ''train''',
	'is_grain', '{"text": ["body"], "C": 10, "test_size": 0.25}') IS NOT NULL AS trained;
RESET client_min_messages;
SELECT maas_info(model)->'parameters'->'weights'->'coefficients' ? 'chars' AS dense_weight,
	   maas_info(model)->'parameters'->'text'->>'norm' AS norm
FROM maas.models WHERE name = 'grain_len';
SELECT maas_predict_class('grain_len', r) AS class
FROM (SELECT 'Wheat and corn exports to the Soviet Union rose' AS body, 48.0::float8 AS chars) r;

-- a cancel (statement_timeout) during training stores nothing
SELECT count(*) AS versions_before FROM maas.models WHERE name = 'sp_cancel';
\set VERBOSITY terse
SET statement_timeout = '1500ms';
SELECT maas_train('sp_cancel', 'logistic_regression',
	'SELECT body, book FROM sp_austen', 'book',
	'{"text": ["body"], "ngram_range": [1, 3], "C": 100, "test_size": 0}');
RESET statement_timeout;
\set VERBOSITY default
SELECT count(*) AS versions_after FROM maas.models WHERE name = 'sp_cancel';

-- maas_tune over a document column: each fold's fit counts its own
-- documents (a word of the held-out fold only weighs 0), so the folds'
-- accuracies are GridSearchCV's over Pipeline(TfidfVectorizer,
-- LogisticRegression) with the same folds
CREATE TEMP TABLE sp_tune_ref (c float8, fold int, accuracy float8);
\copy sp_tune_ref FROM 'test/reference/sparse_tune_reference.txt' (FORMAT csv, DELIMITER ' ', HEADER)
SET client_min_messages = warning;
SELECT setting, scoring FROM maas_tune('sp_tune', 'logistic_regression',
	'SELECT body, is_grain, id % 3 AS f FROM sp_reuters WHERE split = ''train''', 'is_grain',
	'{"grid": {"C": [1, 10]}, "folds": {"column": "f"}}', '{"text": ["body"], "maxlen": 100000}');
RESET client_min_messages;
SELECT (t.setting->>'C')::float8 AS c,
	   max(abs(t.scores[r.fold + 1] - r.accuracy)) FILTER (WHERE r.fold >= 0) < 1e-9 AS folds_as_sklearn,
	   max(abs(t.mean_score - r.accuracy)) FILTER (WHERE r.fold = -1) < 1e-9 AS mean_as_sklearn
FROM maas.trials t JOIN sp_tune_ref r ON r.c = (t.setting->>'C')::float8
WHERE t.name = 'sp_tune'
GROUP BY 1 ORDER BY 1;
SELECT maas_predict_class('sp_tune', 'Wheat and corn exports to the Soviet Union rose') AS refit_predicts;

-- maas_explain: each word's share of the log-odds (a word's TF-IDF term
-- split among its occurrences), adding up with the base to the score
WITH e AS (SELECT maas_explain('grain_tfidf', r) AS x, maas_predict_proba('grain_tfidf', r) AS p
		   FROM (SELECT 'Wheat and corn exports rose; wheat prices fell' AS body) r)
SELECT x->>'class' AS class,
	   abs((x->>'score')::float8 - ln(p[2] / p[1])) < 1e-9 AS score_is_log_odds,
	   abs((x->>'base')::float8 + (SELECT sum((w->>'contribution')::float8) FROM jsonb_array_elements(x->'words') w)
		   - (x->>'score')::float8) < 1e-9 AS words_add_up,
	   (SELECT string_agg(w->>'token', ' ' ORDER BY (w->>'contribution')::float8 DESC)
		FROM (SELECT w FROM jsonb_array_elements(x->'words') w ORDER BY (w->>'contribution')::float8 DESC LIMIT 2) t) AS top_words,
	   x->'words'->0->>'contribution' = x->'words'->5->>'contribution' AS wheat_twice_same_share
FROM e;
