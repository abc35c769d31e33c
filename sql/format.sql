-- The model format: what maas_info reads from model bytes, inline models
-- predicting like named ones, and the reader refusing every damaged or
-- inconsistent model with XX001 "invalid maas model" and a detail.
SET maas.progress_interval = 0;

-- the server must never restart: a crash would change its start time
CREATE TABLE format_server_start AS SELECT pg_postmaster_start_time() AS started;

-- what maas_info says of some bytes: SQLSTATE, message and detail
CREATE FUNCTION pg_temp.info_err(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	PERFORM maas_info(b);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ' ' || SQLERRM || coalesce(': ' || nullif(detail, ''), '');
END $$;
-- the same through maas_predict(bytea, float8[]) with n zeros
CREATE FUNCTION pg_temp.predict_err(b bytea, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	PERFORM maas_predict(b, array_fill(0::float8, ARRAY[n]));
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ' ' || SQLERRM || coalesce(': ' || nullif(detail, ''), '');
END $$;

-- crc32c, get32, put32 and reseal (payload length and checksum rewritten)
-- are maas_test's, from sql/setup.sql
-- bytes written over at a 0-based offset
CREATE FUNCTION pg_temp.put(b bytea, pos int, v bytea) RETURNS bytea LANGUAGE sql AS $$
	SELECT overlay(b PLACING v FROM pos + 1 FOR length(v)) $$;
-- one byte inverted
CREATE FUNCTION pg_temp.flip(b bytea, pos int) RETURNS bytea LANGUAGE sql AS $$
	SELECT set_byte(b, pos, get_byte(b, pos) # 255) $$;

-- the models: linear on numbers, logistic on numbers, logistic with text
SELECT name, version, task FROM maas_train('format_lin', 'linear_regression', 'diabetes', 'progression', '{"profile": false}');
SELECT name, version, task FROM maas_train('format_log', 'logistic_regression', 'iris', 'species', '{"profile": false}');
SELECT name, version, task FROM maas_train('format_cat', 'logistic_regression', 'penguins', 'species', '{"profile": false}');
CREATE TEMP TABLE format_m AS
SELECT name, model AS b FROM maas.models WHERE name LIKE 'format\_%';
-- the helper is right: every stored model keeps its bytes when resealed
SELECT name, length(b), maas_test.reseal(b) = b AS reseal_keeps_bytes FROM format_m ORDER BY name;

-- maas_info on bytes: the stable fields
SELECT name, i->>'algorithm' AS algorithm, i->>'task' AS task, i->'n_features' AS n_features,
	   i->'n_outputs' AS n_outputs, i->'format_version' AS format_version,
	   (i->'size_bytes')::int = length(b) AS size_ok
FROM format_m, maas_info(b) i ORDER BY name;
SELECT name, maas_info(b)->'feature_names' AS feature_names FROM format_m ORDER BY name;
SELECT name, maas_info(b)->'target' AS target FROM format_m ORDER BY name;
-- maas_info by name is the same
SELECT name, maas_info(b) = maas_info(name) AS same_as_by_name FROM format_m ORDER BY name;

-- the bytes predict exactly as the name does
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict((SELECT b FROM format_m WHERE name = 'format_lin'), x)
							  = maas_predict('format_lin', x)) AS value_equal
FROM (SELECT ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6] AS x FROM diabetes) d;
SELECT count(*) AS rows,
	   count(*) FILTER (WHERE maas_predict(m, x) = maas_predict('format_log', x)) AS value_equal,
	   count(*) FILTER (WHERE maas_predict_proba(m, x) = maas_predict_proba('format_log', x)) AS proba_equal,
	   count(*) FILTER (WHERE maas_predict_class(m, x) = maas_predict_class('format_log', x)) AS class_equal,
	   count(*) FILTER (WHERE maas_predict_class(m, x) = species) > 130 AS mostly_right
FROM (SELECT (SELECT b FROM format_m WHERE name = 'format_log') AS m,
			 ARRAY[sepal_length, sepal_width, petal_length, petal_width] AS x, species FROM iris) d;
-- a model read from a table column (toasted, one row each) predicts too
SELECT count(*) AS rows, count(DISTINCT maas_predict(m.model, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])) AS distinct_values
FROM (SELECT * FROM diabetes LIMIT 5) d, maas.models m WHERE m.name = 'format_lin';

-- where the fields are in the linear model (the offsets used below):
-- header 0..31; payload: column count at 32, then per column name length,
-- name, kind (1 byte), width, impute double; the target at 229 (name
-- length, name, kind, class count), the algorithm section length at 249,
-- the section at 253: rank, intercept, coefficients, means
SELECT encode(substring(b FROM 1 FOR 4), 'escape') AS magic, maas_test.get32(b, 12) AS n_features,
	   maas_test.get32(b, 20) = length(b) - 32 AS payload_len_ok,
	   maas_test.get32(b, 24) = maas_test.crc32c(substring(b FROM 33)) AS crc_ok,
	   maas_test.get32(b, 32) AS n_columns, maas_test.get32(b, 36) AS name_len,
	   convert_from(substring(b FROM 41 FOR 3), 'UTF8') AS name, get_byte(b, 43) AS kind,
	   maas_test.get32(b, 44) AS width, maas_test.get32(b, 229) AS target_len,
	   convert_from(substring(b FROM 234 FOR 11), 'UTF8') AS target, get_byte(b, 244) AS target_kind,
	   maas_test.get32(b, 245) AS n_classes, maas_test.get32(b, 249) AS section_len,
	   maas_test.get32(b, 253) AS rank, length(b) AS len
FROM format_m WHERE name = 'format_lin';

-- damaged bytes: each is XX001 "invalid maas model" with a detail, and the
-- same error through maas_predict(bytea, ...)
CREATE TEMP TABLE format_bad AS
SELECT n, label, c AS b
FROM format_m m, LATERAL (VALUES
	(1, 'empty bytea', ''::bytea),
	(2, 'one byte', '\x4d'::bytea),
	(3, 'truncated to 10 bytes', substring(m.b FROM 1 FOR 10)),
	(4, 'truncated to 31 bytes', substring(m.b FROM 1 FOR 31)),
	(5, 'truncated to the 32-byte header', substring(m.b FROM 1 FOR 32)),
	(6, 'truncated by one byte', substring(m.b FROM 1 FOR length(m.b) - 1)),
	(7, 'one byte appended', m.b || '\x00'::bytea),
	(8, 'wrong magic', set_byte(m.b, 0, 88)),
	(9, 'format version 3', set_byte(m.b, 4, 3)),
	(10, 'format version 0', set_byte(m.b, 4, 0)),
	(11, 'flags set', set_byte(m.b, 6, 1)),
	(12, 'unknown algorithm id 99', set_byte(m.b, 8, 99)),
	(13, 'algorithm id 0', set_byte(m.b, 8, 0)),
	(14, 'task binary for linear', set_byte(m.b, 10, 2)),
	(15, 'task 9', set_byte(m.b, 10, 9)),
	(16, 'feature count 0', maas_test.put32(m.b, 12, 0)),
	(17, 'feature count 200000', maas_test.put32(m.b, 12, 200000)),
	(18, 'feature count 11 (header byte flip)', set_byte(m.b, 12, 11)),
	(19, 'feature count 9', set_byte(m.b, 12, 9)),
	(20, 'output count 2 for regression', set_byte(m.b, 16, 2)),
	(21, 'payload length one more', maas_test.put32(m.b, 20, length(m.b) - 31)),
	(22, 'payload length 4294967295', maas_test.put32(m.b, 20, 4294967295)),
	(23, 'checksum byte flipped', pg_temp.flip(m.b, 24)),
	(24, 'reserved field set', set_byte(m.b, 28, 1)),
	(25, 'payload byte flipped (a name)', pg_temp.flip(m.b, 41)),
	(26, 'payload byte flipped (a coefficient)', pg_temp.flip(m.b, 270)),
	(27, 'last byte flipped', pg_temp.flip(m.b, length(m.b) - 1)),
	(28, 'random bytes', decode(repeat(md5('maas'), 4), 'hex')),
	(29, 'magic, then random bytes', '\x4d414153'::bytea || decode(repeat(md5('maas'), 4), 'hex')),
	(30, 'text', convert_to('this is not a model, only some text that is long enough', 'UTF8')),
	(31, 'a maas_fit state', (SELECT maas_fit_partial('linear_regression', ARRAY[age, bmi], progression) FROM diabetes)),
	(32, 'header of another model', overlay(m.b PLACING substring((SELECT b FROM format_m WHERE name = 'format_log') FROM 1 FOR 32) FROM 1 FOR 32))
) AS v(n, label, c)
WHERE m.name = 'format_lin';
SELECT label,
	   regexp_replace(pg_temp.info_err(b), 'stored [0-9a-f]{8}, computed [0-9a-f]{8}', 'stored ..., computed ...') AS maas_info,
	   pg_temp.predict_err(b, 10) = pg_temp.info_err(b) AS predict_same
FROM format_bad ORDER BY n;

-- damaged payloads with a valid checksum: the reader checks every count,
-- length and value, not only the checksum
CREATE TEMP TABLE format_resealed AS
SELECT n, label, maas_test.reseal(c) AS b
FROM format_m m, LATERAL (VALUES
	(1, 'column count 0', maas_test.put32(m.b, 32, 0)),
	(2, 'column count 11', maas_test.put32(m.b, 32, 11)),
	(3, 'column count 9', maas_test.put32(m.b, 32, 9)),
	(4, 'column count 1601', maas_test.put32(m.b, 32, 1601)),
	(5, 'column count 1000 (more than the bytes)', maas_test.put32(m.b, 32, 1000)),
	(6, 'column count 4294967295', maas_test.put32(m.b, 32, 4294967295)),
	(7, 'name length 100', maas_test.put32(m.b, 36, 100)),
	(8, 'name length 1000000', maas_test.put32(m.b, 36, 1000000)),
	(9, 'name length 4294967295', maas_test.put32(m.b, 36, 4294967295)),
	(10, 'name with a zero byte', set_byte(m.b, 41, 0)),
	(11, 'name not UTF-8', set_byte(m.b, 41, 255)),
	(12, 'column kind 0', set_byte(m.b, 43, 0)),
	(13, 'column kind 9', set_byte(m.b, 43, 9)),
	(14, 'column kind categorical', set_byte(m.b, 43, 3)),
	(15, 'column kind array', set_byte(m.b, 43, 4)),
	(16, 'column width 0', maas_test.put32(m.b, 44, 0)),
	(17, 'column width 2', maas_test.put32(m.b, 44, 2)),
	(18, 'column width 4294967295', maas_test.put32(m.b, 44, 4294967295)),
	(19, 'impute Infinity', pg_temp.put(m.b, 48, '\x000000000000f07f')),
	(20, 'target name length 1000', maas_test.put32(m.b, 229, 1000)),
	(21, 'target kind 4', set_byte(m.b, 244, 4)),
	(22, 'target kind 0', set_byte(m.b, 244, 0)),
	(23, '2 classes for regression', maas_test.put32(m.b, 245, 2)),
	(24, 'section length 0', maas_test.put32(m.b, 249, 0)),
	(25, 'section length one more', maas_test.put32(m.b, 249, 173)),
	(26, 'section length one less', maas_test.put32(m.b, 249, 171)),
	(27, 'rank 11 of 10 features', maas_test.put32(m.b, 253, 11)),
	(28, 'intercept NaN', pg_temp.put(m.b, 257, '\x000000000000f87f')),
	(29, 'coefficient Infinity', pg_temp.put(m.b, 265, '\x000000000000f0ff')),
	(30, 'last mean NaN', pg_temp.put(m.b, length(m.b) - 8, '\x000000000000f87f')),
	(31, 'section cut by 8 bytes', substring(m.b FROM 1 FOR length(m.b) - 8)),
	(32, 'one byte appended', m.b || '\x00'::bytea),
	(33, 'payload cut to its column count', substring(m.b FROM 1 FOR 36))
) AS v(n, label, c)
WHERE m.name = 'format_lin';
SELECT label, pg_temp.info_err(b) AS maas_info, pg_temp.predict_err(b, 10) = pg_temp.info_err(b) AS predict_same
FROM format_resealed ORDER BY n;

-- the same for the logistic model on iris: the target holds three labels,
-- the algorithm section (at 231) weight-vector count, iterations, converged
-- flag, loss, then means, scales, weights and intercepts
SELECT maas_test.get32(b, 150) AS target_len, maas_test.get32(b, 162) AS n_classes,
	   convert_from(substring(b FROM 171 FOR 6), 'UTF8') AS first_label,
	   maas_test.get32(b, 227) AS section_len, maas_test.get32(b, 231) AS k, length(b) AS len
FROM format_m WHERE name = 'format_log';
CREATE TEMP TABLE format_resealed_log AS
SELECT n, label, maas_test.reseal(c) AS b
FROM format_m m, LATERAL (VALUES
	(1, 'output count 4 for 3 classes', set_byte(m.b, 16, 4)),
	(2, 'task binary for 3 classes', set_byte(m.b, 10, 2)),
	(3, 'task regression', set_byte(m.b, 10, 1)),
	(4, '2 classes', maas_test.put32(m.b, 162, 2)),
	(5, '4 classes', maas_test.put32(m.b, 162, 4)),
	(6, '1001 classes', maas_test.put32(m.b, 162, 1001)),
	(7, 'one weight vector for 3 classes', maas_test.put32(m.b, 231, 1)),
	(8, 'scale of the first feature 0', pg_temp.put(m.b, 280, '\x0000000000000000')),
	(9, 'scale of the first feature -1', pg_temp.put(m.b, 280, '\x000000000000f0bf')),
	(10, 'a weight NaN', pg_temp.put(m.b, 312, '\x000000000000f87f')),
	(11, 'weights cut by 8 bytes', maas_test.put32(substring(m.b FROM 1 FOR length(m.b) - 8), 227, 193)),
	(12, 'converged flag 7 (any non-zero is true)', set_byte(m.b, 239, 7))
) AS v(n, label, c)
WHERE m.name = 'format_log';
SELECT label, pg_temp.info_err(b) AS maas_info, pg_temp.predict_err(b, 4) = pg_temp.info_err(b) AS predict_same
FROM format_resealed_log ORDER BY n;

-- a categorical column: the vocabulary must be sorted (lookups are binary
-- searches), and hold as many categories as the column's width
SELECT position('\x06000000426973636f6505000000447265616d'::bytea IN b) - 1 AS biscoe_dream_at
FROM format_m WHERE name = 'format_cat';
SELECT label, pg_temp.info_err(maas_test.reseal(c)) AS maas_info
FROM format_m m,
	 LATERAL (SELECT position('\x06000000426973636f6505000000447265616d'::bytea IN m.b) - 1 AS at) p,
	 LATERAL (VALUES
		(1, 'categories swapped', pg_temp.put(m.b, p.at, '\x05000000447265616d06000000426973636f65')),
		(2, 'a category repeated', pg_temp.put(m.b, p.at, '\x05000000447265616d05000000447265616d0a000000546f7267657273656e6e')),
		(3, 'category count 2 for width 3', maas_test.put32(m.b, p.at - 4, 2)),
		(4, 'category count 100000', maas_test.put32(m.b, p.at - 4, 100000)),
		(5, 'untouched', m.b)
	 ) AS v(n, label, c)
WHERE m.name = 'format_cat'
ORDER BY n;

-- NaN as an imputed value means "left missing": only algorithms that
-- handle missing values natively may store it, so for a linear model it is
-- rejected rather than turning a NULL input into a NaN prediction
SELECT pg_temp.info_err(c) AS maas_info
FROM format_m m, maas_test.reseal(pg_temp.put(m.b, 48, '\x000000000000f87f')) c
WHERE m.name = 'format_lin';

-- sweeps: every truncation, every inverted byte, with and without a valid
-- checksum.  Nothing but XX001 or (for a harmless change) success.
CREATE FUNCTION pg_temp.state(b bytea) RETURNS text LANGUAGE sql AS $$
	SELECT split_part(pg_temp.info_err(b), ' ', 1) $$;
SELECT m.name, kind, count(*) AS cases,
	   count(*) FILTER (WHERE s = 'XX001') AS xx001,
	   count(*) FILTER (WHERE s = 'no') AS accepted,
	   count(*) FILTER (WHERE s NOT IN ('XX001', 'no')) AS other
FROM format_m m,
	 LATERAL (
		SELECT 'truncated' AS kind, pg_temp.state(substring(m.b FROM 1 FOR k)) AS s
		FROM generate_series(0, length(m.b) - 1) k
		UNION ALL
		SELECT 'truncated, resealed', pg_temp.state(maas_test.reseal(substring(m.b FROM 1 FOR k)))
		FROM generate_series(32, length(m.b) - 1) k
		UNION ALL
		SELECT 'byte inverted', pg_temp.state(pg_temp.flip(m.b, k))
		FROM generate_series(0, length(m.b) - 1) k
		UNION ALL
		SELECT 'payload byte inverted, resealed', pg_temp.state(maas_test.reseal(pg_temp.flip(m.b, k)))
		FROM generate_series(32, length(m.b) - 1) k
	 ) t
WHERE m.name IN ('format_lin', 'format_log')
GROUP BY m.name, kind ORDER BY m.name, kind;
-- a model that is accepted after a byte changed still predicts
SELECT count(*) AS accepted, count(p) AS predicted
FROM format_m m, generate_series(32, length(m.b) - 1) k,
	 LATERAL (SELECT maas_test.reseal(pg_temp.flip(m.b, k)) AS c) f,
	 LATERAL (SELECT maas_predict(f.c, ARRAY[1, 2, 3, 4]::float8[]) AS p) q
WHERE m.name = 'format_log' AND pg_temp.state(f.c) = 'no';

-- every entry point that takes model bytes refuses damaged ones
SELECT label, maas_test.err(q) AS result
FROM (VALUES
	(1, 'maas_info', $$SELECT maas_info(set_byte(model, 4, 2)) FROM maas.models WHERE name = 'format_log'$$),
	(2, 'maas_predict', $$SELECT maas_predict(set_byte(model, 4, 2), ARRAY[1, 2, 3, 4]::float8[]) FROM maas.models WHERE name = 'format_log'$$),
	(3, 'maas_predict_proba', $$SELECT maas_predict_proba(set_byte(model, 4, 2), ARRAY[1, 2, 3, 4]::float8[]) FROM maas.models WHERE name = 'format_log'$$),
	(4, 'maas_predict_class', $$SELECT maas_predict_class(set_byte(model, 4, 2), ARRAY[1, 2, 3, 4]::float8[]) FROM maas.models WHERE name = 'format_log'$$),
	(5, 'maas_explain', $$SELECT maas_explain(set_byte(model, 4, 2), ARRAY[1, 2, 3, 4]::float8[]) FROM maas.models WHERE name = 'format_log'$$),
	(6, 'constant bytes', $$SELECT maas_predict('\x00'::bytea, ARRAY[1]::float8[])$$),
	(7, 'model given to maas_fit_merge', $$SELECT maas_fit_merge(model) FROM maas.models WHERE name = 'format_log'$$)
) AS t(n, label, q)
ORDER BY n;
-- NULL bytes are a NULL result (strict)
SELECT maas_predict(NULL::bytea, ARRAY[1]::float8[]) IS NULL AS predict_null, maas_info(NULL::bytea) IS NULL AS info_null;

-- damaged bytes stored in maas.models: deploying works (it does not read
-- the model), predicting and maas_info by name refuse them
INSERT INTO maas.names (name, owner) VALUES ('format_stored', CURRENT_USER);
INSERT INTO maas.models (name, version, algorithm, task, params, features, target, metrics, model, rows_trained, train_ms)
SELECT 'format_stored', 1, algorithm, task, params, features, target, metrics, pg_temp.flip(model, 300), rows_trained, train_ms
FROM maas.models WHERE name = 'format_lin';
SELECT maas_deploy('format_stored', 1);
SELECT label, regexp_replace(maas_test.err(q), 'stored [0-9a-f]{8}, computed [0-9a-f]{8}', 'stored ..., computed ...') AS result
FROM (VALUES
	(1, 'maas_predict', $$SELECT maas_predict('format_stored', array_fill(1::float8, ARRAY[10]))$$),
	(2, 'maas_predict row', $$SELECT maas_predict('format_stored', d) FROM diabetes d LIMIT 1$$),
	(3, 'maas_info', $$SELECT maas_info('format_stored')$$),
	(4, 'maas_evaluate', $$SELECT maas_evaluate('format_stored', 'diabetes')$$)
) AS t(n, label, q)
ORDER BY n;

-- no input above restarted the server
SELECT started = pg_postmaster_start_time() AS server_never_restarted FROM format_server_start;
DROP TABLE format_server_start;
