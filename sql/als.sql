-- als: matrix factorization recommenders against the numpy reference
-- (test/reference/als_reference.py, same model, same seeded start, written
-- to als_reference.csv) on InstEval and the bfi ratings, explicit and
-- implicit; the rows whose number in file order is a multiple of 5 are held
-- out (id % 5 = 0).  Also: key types, unknown keys, exclude_seen, info,
-- evaluate, threads, seeds.
SET maas.progress_interval = 0;
\set ECHO none
SET client_min_messages = warning;
CREATE TABLE als_ref (dataset text, mode text, metric text, value float8);
\copy als_ref FROM 'test/reference/als_reference.csv' (FORMAT csv, HEADER)
-- bfi's strong agreements (rating >= 5) as implicit feedback, numbered in file order
CREATE TABLE bfi_agree AS
	SELECT row_number() OVER (ORDER BY id) AS id, respondent, item, rating
	FROM bfi_ratings WHERE rating >= 5;
RESET client_min_messages;
\set ECHO all

-- the README's example
SELECT name, version, algorithm, task, rows_trained
FROM maas_train('recs', 'als', 'SELECT * FROM bfi_ratings WHERE id % 5 <> 0', 'rating',
				'{"user": "respondent", "item": "item", "factors": 4, "regularization": 0.1,
				  "test_size": 0}');
SELECT item, round(score::numeric, 2) AS score FROM maas_recommend('recs', 61617, 3);
SELECT item, round(similarity::numeric, 3) AS similarity FROM maas_similar_items('recs', 'A1', 2);
SELECT item, round(score::numeric, 2) AS score FROM maas_recommend('recs', 61617, 3, true);
SELECT round(maas_predict('recs', 61617, 'A1')::numeric, 4) AS predicted;

-- the same settings as the reference (its CONFIGS)
SELECT name, rows_trained FROM maas_train('als_ie', 'als', 'SELECT * FROM insteval WHERE id % 5 <> 0',
	'rating', '{"user": "student", "item": "lecturer", "factors": 8, "regularization": 4, "test_size": 0}');
SELECT name, rows_trained FROM maas_train('als_ie_imp', 'als', 'SELECT * FROM insteval WHERE id % 5 <> 0',
	'rating', '{"user": "student", "item": "lecturer", "factors": 16, "regularization": 0.1,
				"implicit": true, "alpha": 2, "test_size": 0}');
SELECT name, rows_trained FROM maas_train('als_bfi_imp', 'als', 'SELECT * FROM bfi_agree WHERE id % 5 <> 0',
	'rating', '{"user": "respondent", "item": "item", "factors": 4, "regularization": 0.1,
				"implicit": true, "test_size": 0}');

CREATE TEMP TABLE als_got AS
SELECT 'insteval' AS dataset, 'explicit' AS mode, m.key AS metric, m.value::float8 AS value
FROM jsonb_each_text(maas_evaluate('als_ie', 'SELECT * FROM insteval WHERE id % 5 = 0')) m
UNION ALL
SELECT 'insteval', 'implicit', m.key, m.value::float8
FROM jsonb_each_text(maas_evaluate('als_ie_imp', 'SELECT * FROM insteval WHERE id % 5 = 0')) m
UNION ALL
SELECT 'bfi', 'explicit', m.key, m.value::float8
FROM jsonb_each_text(maas_evaluate('recs', 'SELECT * FROM bfi_ratings WHERE id % 5 = 0')) m
UNION ALL
SELECT 'bfi', 'implicit', m.key, m.value::float8
FROM jsonb_each_text(maas_evaluate('als_bfi_imp', 'SELECT * FROM bfi_agree WHERE id % 5 = 0')) m
UNION ALL
SELECT 'insteval', 'explicit', 'final_loss', (maas_info('als_ie')->'parameters'->'training_rmse_history'->>9)::float8
UNION ALL
SELECT 'insteval', 'implicit', 'final_loss', (maas_info('als_ie_imp')->'parameters'->'loss_history'->>9)::float8
UNION ALL
SELECT 'bfi', 'explicit', 'final_loss', (maas_info('recs')->'parameters'->'training_rmse_history'->>9)::float8
UNION ALL
SELECT 'bfi', 'implicit', 'final_loss', (maas_info('als_bfi_imp')->'parameters'->'loss_history'->>9)::float8;

-- held-out RMSE, precision@10 and the final training loss within 1% of the
-- reference's (the same iterations from the same start: much closer in fact)
SELECT r.dataset, r.mode, r.metric, round(r.value::numeric, 4) AS reference,
	   abs(g.value - r.value) <= 0.01 * abs(r.value) AS within_1pct
FROM als_ref r JOIN als_got g USING (dataset, mode, metric)
ORDER BY 1, 2, 3;

-- single predictions to 1e-6 (as keys of their own type: integer and text)
CREATE TEMP TABLE als_names (dataset text, mode text, name text);
INSERT INTO als_names VALUES ('insteval', 'explicit', 'als_ie'), ('insteval', 'implicit', 'als_ie_imp'),
	('bfi', 'explicit', 'recs'), ('bfi', 'implicit', 'als_bfi_imp');
SELECT r.dataset, r.mode, split_part(r.metric, ':', 2) AS "user", split_part(r.metric, ':', 3) AS item,
	   abs(CASE WHEN r.dataset = 'insteval'
		   THEN maas_predict(n.name, split_part(r.metric, ':', 2)::int, split_part(r.metric, ':', 3)::int)
		   ELSE maas_predict(n.name, split_part(r.metric, ':', 2)::int, split_part(r.metric, ':', 3)) END
		   - r.value) < 1e-6 AS same
FROM als_ref r JOIN als_names n USING (dataset, mode)
WHERE r.metric LIKE 'predict:%' ORDER BY 1, 2, 3, 4;

-- better than predicting each item's mean rating (reference computes the baseline)
SELECT r.dataset, round(b.value::numeric, 4) AS item_mean_rmse, round(g.value::numeric, 4) AS als_rmse,
	   g.value < b.value AS better
FROM als_ref b JOIN als_got g ON g.dataset = b.dataset AND g.mode = b.mode AND g.metric = 'rmse'
JOIN als_ref r ON r.dataset = b.dataset AND r.mode = b.mode AND r.metric = 'rmse'
WHERE b.metric = 'item_mean_rmse' ORDER BY 1;

-- a wrong reference fails: the held-out RMSE 2% off is not within 1%
SELECT abs(g.value - 1.02 * r.value) <= 0.01 * abs(r.value) AS wrong_within_1pct
FROM als_ref r JOIN als_got g USING (dataset, mode, metric)
WHERE r.dataset = 'insteval' AND r.mode = 'explicit' AND r.metric = 'rmse';

-- what maas_info shows
SELECT jsonb_pretty((maas_info('recs')->'parameters') - 'training_rmse_history');
SELECT jsonb_array_length(maas_info('recs')->'parameters'->'training_rmse_history') AS iterations;

-- unknown keys: a new user gets mean + item bias, a new item mean + user
-- bias, both unknown the mean; implicit: 0
SELECT abs(maas_predict('recs', -1, 'A1') - maas_predict('recs', -2, 'A1')) < 1e-12 AS new_users_alike,
	   abs(maas_predict('recs', -1, 'no such item') -
		   (maas_info('recs')->'parameters'->>'mean_rating')::float8) < 1e-12 AS mean_for_both,
	   abs(maas_predict('recs', 61617, 'no such item') - maas_predict('recs', 61617, 'other')) < 1e-12 AS new_items_alike,
	   maas_predict('recs', 61617, 'A1') <> maas_predict('recs', -1, 'A1') AS known_differs;
SELECT maas_predict('als_ie_imp', -1, 1002) AS implicit_new_user;

-- keys of other types: bigint, text and uuid users and items
CREATE TEMP TABLE als_keys AS
SELECT respondent::bigint AS u8, respondent::text AS ut,
	   item, md5(item)::uuid AS iu, rating
FROM bfi_ratings WHERE id % 5 <> 0;
SELECT name FROM maas_train('als_k8', 'als', 'als_keys', 'rating',
	'{"user": "u8", "item": "item", "factors": 4, "regularization": 0.1, "test_size": 0}');
SELECT name FROM maas_train('als_kt', 'als', 'als_keys', 'rating',
	'{"user": "ut", "item": "iu", "factors": 4, "regularization": 0.1, "test_size": 0}');
-- user order differs as text ('61617' < '7'), so the model differs: compare
-- with the bigint model only what the keys decide
SELECT maas_info('als_k8')->'parameters'->>'user_key_type' AS k8_user,
	   maas_info('als_kt')->'parameters'->>'user_key_type' AS kt_user,
	   maas_info('als_kt')->'parameters'->>'item_key_type' AS kt_item;
SELECT abs(maas_predict('als_k8', 61617::bigint, 'A1') - maas_predict('recs', 61617, 'A1')) < 1e-9 AS bigint_same,
	   maas_predict('als_kt', '61617', md5('A1')::uuid) IS NOT NULL AS text_uuid,
	   maas_predict('als_kt', '61617'::text, md5('A1')) = maas_predict('als_kt', '61617', md5('A1')::uuid) AS literal_as_uuid;
SELECT count(*) FROM maas_recommend('als_kt', '61617', 5);
SELECT count(*) FROM maas_similar_items('als_kt', md5('A1')::uuid, 5);

-- exclude_seen: no item the user rated; without it, a rated item can come first
SELECT count(*) AS seen_recommended FROM maas_recommend('als_ie', 1, 50, true) r
JOIN insteval i ON i.student = 1 AND i.lecturer = r.item::int AND i.id % 5 <> 0;
SELECT count(*) > 0 AS seen_without_exclude FROM maas_recommend('als_ie', 1, 1128) r
JOIN insteval i ON i.student = 1 AND i.lecturer = r.item::int AND i.id % 5 <> 0;
-- k beyond the items gives every item, best first
SELECT count(*), bool_and(score IS NOT NULL) FROM maas_recommend('recs', 61617, 1000);
SELECT count(*) FROM maas_recommend('recs', 61617, 1000, true);
-- scores are what maas_predict gives
SELECT bool_and(abs(score - maas_predict('recs', 61617, item)) < 1e-9) FROM maas_recommend('recs', 61617, 25);

-- the same model for any maas.threads, and for the same seed
SET maas.threads = 1;
SELECT name FROM maas_train('als_t1', 'als', 'SELECT * FROM insteval WHERE id % 5 <> 0',
	'rating', '{"user": "student", "item": "lecturer", "factors": 8, "regularization": 4, "test_size": 0}');
RESET maas.threads;
SELECT (SELECT model FROM maas.models WHERE name = 'als_t1') =
	   (SELECT model FROM maas.models WHERE name = 'als_ie') AS same_bytes;
SELECT name FROM maas_train('als_s7', 'als', 'SELECT * FROM insteval WHERE id % 5 <> 0',
	'rating', '{"user": "student", "item": "lecturer", "factors": 8, "regularization": 4, "test_size": 0, "seed": 7}');
SELECT (SELECT model FROM maas.models WHERE name = 'als_s7') <>
	   (SELECT model FROM maas.models WHERE name = 'als_ie') AS seed_changes;

-- keep_seen false: a smaller model that cannot exclude
SELECT name FROM maas_train('als_noseen', 'als', 'SELECT * FROM bfi_ratings WHERE id % 5 <> 0', 'rating',
	'{"user": "respondent", "item": "item", "factors": 4, "regularization": 0.1, "test_size": 0, "keep_seen": false}');
SELECT (SELECT octet_length(model) FROM maas.models WHERE name = 'als_noseen') <
	   (SELECT octet_length(model) FROM maas.models WHERE name = 'recs') AS smaller;

-- the default split: metrics on held-out ratings
SELECT metrics ? 'rmse' AND metrics ? 'precision_at_10' AND metrics->>'evaluated_on' = 'test' AS metrics
FROM maas_train('als_split', 'als', 'bfi_ratings', 'rating', '{"user": "respondent", "item": "item", "factors": 2}');

SELECT maas_drop(name) FROM (VALUES ('recs'), ('als_ie'), ('als_ie_imp'), ('als_bfi_imp'), ('als_k8'),
	('als_kt'), ('als_t1'), ('als_s7'), ('als_noseen'), ('als_split')) v(name);
DROP TABLE als_ref, bfi_agree;
