-- maas_explain on models of documents: each word's occlusion effect (the
-- score minus the score without that word).  On a constructed corpus where
-- one word decides the class and the others are noise, the deciding word
-- has the largest effect, for every text model.
SET client_min_messages = warning;
CREATE TABLE tex_docs AS
SELECT (ARRAY['the','a','food','service','was','and','we','then','room','day'])[1 + ((g / 2) * 7) % 10] || ' ' ||
	   (ARRAY['the','a','food','service','was','and','we','then','room','day'])[1 + ((g / 2) * 3) % 10] || ' ' ||
	   CASE WHEN g % 2 = 0 THEN 'excellent' ELSE 'awful' END || ' ' ||
	   (ARRAY['the','a','food','service','was','and','we','then','room','day'])[1 + ((g / 2) * 9 + 1) % 10] AS body,
	   CASE WHEN g % 2 = 0 THEN 'good' ELSE 'bad' END AS verdict
FROM generate_series(1, 400) g;
SELECT maas_train('tex_ft', 'text_classifier', 'tex_docs', 'verdict', '{"dim": 8, "epochs": 20, "learning_rate": 0.5, "test_size": 0, "text": ["body"]}') IS NOT NULL AS ft,
	   maas_train('tex_cnn', 'cnn', 'tex_docs', 'verdict', '{"embedding_dim": 8, "filters": 8, "filter_sizes": [1, 2], "epochs": 10, "dropout": 0, "test_size": 0, "text": ["body"]}') IS NOT NULL AS cnn,
	   maas_train('tex_gru', 'gru', 'tex_docs', 'verdict', '{"embedding_dim": 8, "units": 8, "epochs": 10, "test_size": 0, "text": ["body"]}') IS NOT NULL AS gru;

-- the deciding word leads, whichever side it decides; base + contributions = score
SELECT m, d, e->>'class' AS class,
	   (SELECT key FROM jsonb_each(e->'contributions') ORDER BY abs(value::float8) DESC LIMIT 1) AS top_word,
	   abs((e->>'base')::float8 + (SELECT sum(value::float8) FROM jsonb_each(e->'contributions')) - (e->>'score')::float8) < 1e-9 AS additive,
	   (SELECT count(*) FROM jsonb_each(e->'contributions')) AS words
FROM (VALUES ('tex_ft'), ('tex_cnn'), ('tex_gru')) m(m),
	 (VALUES ('we had the room and it was excellent then'), ('the food was awful')) d(d),
	 LATERAL (SELECT maas_explain(m, d) AS e) x
ORDER BY m, d;
-- the row form, and an unknown word
SELECT maas_explain('tex_cnn', r) = maas_explain('tex_cnn', r.body) AS row_form_same
FROM (SELECT body FROM tex_docs LIMIT 1) r;
SELECT maas_explain('tex_ft', 'zebra excellent')->'contributions' ? '<unknown>' AS unknown_key;
SELECT maas_test.err($$SELECT maas_explain('tex_nothing', 'wheat')$$) AS unknown_model;

SELECT maas_drop('tex_ft'), maas_drop('tex_cnn'), maas_drop('tex_gru');
DROP TABLE tex_docs;
