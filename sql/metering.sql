-- Metering, quotas, prices and invoices (needs shared_preload_libraries =
-- 'maas', as the cluster of make test has).  The worker that writes
-- maas.usage_log runs on its own clock, so rows written here by hand, in
-- 2001, are what the invoices are computed from; TAP 030_metering.pl tests
-- the worker, restarts and standbys.
SET maas.progress_interval = 0;

-- the log and its bookkeeping are not for everyone
SELECT has_table_privilege('public', 'maas.usage_log', 'SELECT') AS public_reads_log,
	   has_table_privilege('public', 'maas.usage_flushes', 'SELECT') AS public_reads_flushes,
	   has_table_privilege('public', 'maas.usage_gaps', 'SELECT') AS public_reads_gaps,
	   has_function_privilege('public', 'maas_usage_take()', 'EXECUTE') AS public_takes,
	   has_table_privilege('public', 'maas.quotas', 'SELECT') AS public_reads_quotas,
	   has_table_privilege('public', 'maas.quotas', 'INSERT') AS public_writes_quotas,
	   has_table_privilege('public', 'maas.prices', 'INSERT') AS public_writes_prices;
SELECT current_setting('maas.usage_flush_interval') AS flush_interval;

CREATE ROLE meter_owner;
CREATE ROLE meter_a;
CREATE ROLE meter_b;
CREATE ROLE meter_finance;
CREATE ROLE meter_clerk IN ROLE meter_finance;
GRANT SELECT ON diabetes TO meter_owner, meter_a, meter_b;
SET ROLE meter_owner;
SELECT version FROM maas_train('meter_lin', 'linear_regression', 'diabetes', 'progression');
SELECT maas_grant('meter_lin', 'meter_a');
SELECT maas_grant('meter_lin', 'meter_b');
RESET ROLE;

-- quotas: a day's predictions for meter_a; meter_b is not limited
SET ROLE meter_owner;
SELECT maas_set_quota('meter_lin', 'meter_a', '{"predictions_per_day": 150}');
SELECT name, role, predictions_per_minute, predictions_per_day, trainings_per_day FROM maas.quotas;
SET ROLE meter_a;
SELECT count(maas_predict('meter_lin', d)) FROM (SELECT * FROM diabetes LIMIT 100) d;
-- within the quota when the query starts: it runs to the end
SELECT count(maas_predict('meter_lin', d)) FROM (SELECT * FROM diabetes LIMIT 100) d;
-- used up (200 of 150): refused before the first row
SELECT maas_test.err($$SELECT count(maas_predict('meter_lin', d)) FROM diabetes d$$);
SELECT maas_test.err($$SELECT maas_predict('meter_lin', ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]::float8[])$$);
SELECT maas_test.errh($$SELECT count(maas_predict('meter_lin', d)) FROM diabetes d$$)
	LIKE '%HINT: The quota resets at %; the model''s owner sets quotas with maas_set_quota.' AS hint_says_when;
SET ROLE meter_b;
SELECT count(maas_predict('meter_lin', d)) FROM diabetes d;
-- a quota for public applies to every role without its own, each counted
-- apart, from when the quota applies
SET ROLE meter_owner;
SELECT maas_set_quota('meter_lin', 'public', '{"predictions_per_day": 500}');
SET ROLE meter_b;
SELECT maas_test.err($$SELECT count(maas_predict('meter_lin', d)) FROM diabetes d$$);
SELECT maas_test.err($$SELECT count(maas_predict('meter_lin', d)) FROM diabetes d$$);
SELECT maas_test.err($$SELECT count(maas_predict('meter_lin', d)) FROM diabetes d$$);
SET ROLE meter_a;
SELECT maas_test.err($$SELECT count(maas_predict('meter_lin', d)) FROM diabetes d$$);
-- removed: predicting again
SET ROLE meter_owner;
SELECT maas_set_quota('meter_lin', 'meter_a', '{}');
SELECT maas_set_quota('meter_lin', 'public', NULL);
SELECT count(*) AS quotas FROM maas.quotas;
SET ROLE meter_a;
SELECT count(maas_predict('meter_lin', d)) FROM (SELECT * FROM diabetes LIMIT 10) d;
-- training runs per day
SET ROLE meter_owner;
SELECT maas_set_quota('meter_lin', 'meter_owner', '{"trainings_per_day": 0}');
SELECT maas_test.err($$SELECT maas_train('meter_lin', 'linear_regression', 'diabetes', 'progression')$$);
SELECT max(version) AS versions_still FROM maas.models WHERE name = 'meter_lin';
SELECT maas_set_quota('meter_lin', 'meter_owner', NULL);
RESET ROLE;

-- bad quotas name what is wrong, and change nothing
SET ROLE meter_owner;
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'meter_a', '{"predictions_per_hour": 5}')$$);
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'meter_a', '{"predictions_per_day": -1}')$$);
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'meter_a', '{"predictions_per_day": 1.5}')$$);
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'meter_a', '{"predictions_per_day": "many"}')$$);
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'meter_a', '[1]')$$);
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'no_such_role', '{"predictions_per_day": 1}')$$);
SELECT maas_test.err($$SELECT maas_set_quota(NULL, 'meter_a', '{"predictions_per_day": 1}')$$);
SELECT maas_test.err($$SELECT maas_set_quota('no_such_model', 'meter_a', '{"predictions_per_day": 1}')$$);
SET ROLE meter_a;
SELECT maas_test.err($$SELECT maas_set_quota('meter_lin', 'meter_a', '{"predictions_per_day": 1000000}')$$);
SELECT maas_test.err($$INSERT INTO maas.quotas VALUES ('meter_lin', 'meter_a', NULL, NULL, NULL)$$);
RESET ROLE;
SELECT count(*) AS quotas FROM maas.quotas;

-- prices: one for every version, one for version 1; the billing role's
-- members read the invoices
SET ROLE meter_owner;
SELECT maas_set_price('meter_lin', '{"per_1000_predictions": 2.5, "per_training_second": 0.5,
									 "billing_role": "meter_finance", "currency": "EUR"}');
SELECT maas_set_price('meter_lin', '{"version": 1, "per_1000_predictions": 4, "per_1000_rows_evaluated": 1}');
SELECT name, version, per_1000_predictions, per_1000_rows_evaluated, per_training_second,
	   billing_role, currency FROM maas.prices ORDER BY version NULLS FIRST;
RESET ROLE;
-- a year of usage, written as the worker writes it
INSERT INTO maas.usage_log (interval_start, interval_end, role, model, version, predictions,
							rows_evaluated, training_runs, training_ms, bytes_read)
VALUES ('2001-01-01 00:00+00', '2001-01-01 00:00:10+00', 'meter_a', 'meter_lin', 1, 1000, 0, 0, 0, 100),
	   ('2001-01-01 00:00:10+00', '2001-01-01 00:00:20+00', 'meter_a', 'meter_lin', 1, 500, 2000, 0, 0, 0),
	   ('2001-01-01 00:00:10+00', '2001-01-01 00:00:20+00', 'meter_a', 'meter_lin', 2, 3000, 0, 0, 0, 0),
	   ('2001-01-01 00:00:10+00', '2001-01-01 00:00:20+00', 'meter_owner', 'meter_lin', 2, 0, 0, 2, 4000, 0),
	   ('2001-06-01 00:00:10+00', '2001-06-01 00:00:20+00', 'meter_b', 'meter_lin', 2, 7, 0, 0, 0, 0);
-- meter_a, version 1: 1.5 thousand predictions at 4 and 2 thousand rows at 1
-- = 8; version 2 (the price for all): 3 thousand at 2.5 = 7.5; training: 4 s
-- at 0.5 = 2
SET ROLE meter_clerk;
SELECT * FROM maas_invoice('2001-01-01 00:00+00', '2001-02-01 00:00+00');
-- the interval end decides the period: (from, to]
SELECT role, predictions, amount FROM maas_invoice('2001-05-31 00:00+00', '2001-06-01 00:00:20+00');
SELECT count(*) AS rows FROM maas_invoice('2001-06-01 00:00:20+00', '2002-01-01 00:00+00');
-- someone who neither owns nor bills the model sees none of it
SET ROLE meter_b;
SELECT count(*) AS rows FROM maas_invoice('2001-01-01 00:00+00', '2002-01-01 00:00+00');
SELECT maas_test.err($$SELECT count(*) FROM maas.usage_log$$);
SET ROLE meter_owner;
SELECT sum(amount) AS total FROM maas_invoice('2001-01-01 00:00+00', '2002-01-01 00:00+00');
-- without a price, usage is listed at 0
SELECT maas_set_price('meter_lin', NULL);
SELECT maas_set_price('meter_lin', '{"version": 1}');
SELECT count(*) AS prices FROM maas.prices;
SELECT role, version, predictions, amount, currency FROM maas_invoice('2001-01-01 00:00+00', '2001-02-01 00:00+00');

-- bad prices name what is wrong, and change nothing
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"per_prediction": 1}')$$);
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"per_1000_predictions": -1}')$$);
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"per_1000_predictions": "free"}')$$);
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"version": 0, "per_1000_predictions": 1}')$$);
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"billing_role": "no_such_role", "per_1000_predictions": 1}')$$);
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"billing_role": 7, "per_1000_predictions": 1}')$$);
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '"cheap"')$$);
SELECT maas_test.err($$SELECT maas_set_price('no_such_model', '{"per_1000_predictions": 1}')$$);
SET ROLE meter_a;
SELECT maas_test.err($$SELECT maas_set_price('meter_lin', '{"per_1000_predictions": 0}')$$);
RESET ROLE;
SELECT count(*) AS prices FROM maas.prices;

-- the usage counters carry the version; what this file did is pending or
-- flushed, never both
SELECT version, sum(predictions) > 0 AS predicted FROM maas.usage
WHERE model = 'meter_lin' AND database = current_database() GROUP BY version ORDER BY version;
SELECT entries >= 1 AS entries, evicted, dropped FROM maas.usage_info;

DELETE FROM maas.usage_log WHERE interval_end < '2002-01-01';
SELECT maas_drop('meter_lin');
DROP OWNED BY meter_owner, meter_a, meter_b, meter_clerk;
DROP ROLE meter_owner, meter_a, meter_b, meter_clerk, meter_finance;
