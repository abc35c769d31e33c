-- The suite's shared set-up; the schedule runs it first (Makefile REGRESS,
-- test/suite/asan.sh), and every other file relies on it: the datasets of
-- data/ as tables in the database, and the helpers in schema maas_test.
\set ECHO none
SET client_min_messages = warning;
\i data/schema.sql
\i data/load.sql
RESET client_min_messages;
\set ECHO all

-- every dataset, whole
SELECT 'ames' AS dataset, count(*) AS rows FROM ames
UNION ALL SELECT 'attrition', count(*) FROM attrition
UNION ALL SELECT 'breast_cancer', count(*) FROM breast_cancer
UNION ALL SELECT 'concrete', count(*) FROM concrete
UNION ALL SELECT 'credit_data', count(*) FROM credit_data
UNION ALL SELECT 'diabetes', count(*) FROM diabetes
UNION ALL SELECT 'digits', count(*) FROM digits
UNION ALL SELECT 'iris', count(*) FROM iris
UNION ALL SELECT 'penguins', count(*) FROM penguins
UNION ALL SELECT 'sacramento', count(*) FROM sacramento
UNION ALL SELECT 'wa_churn', count(*) FROM wa_churn
UNION ALL SELECT 'wine', count(*) FROM wine
ORDER BY dataset;

CREATE SCHEMA maas_test;
-- access.sql and usage.sql call the helpers as other roles
GRANT USAGE ON SCHEMA maas_test TO PUBLIC;

-- SQLSTATE and message of a statement, 'no error' if it succeeds
CREATE FUNCTION maas_test.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
-- the same with the hint
CREATE FUNCTION maas_test.errh(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	hint text;
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ' ' || SQLERRM || coalesce(' HINT: ' || nullif(hint, ''), '');
END $$;

-- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): PostgreSQL's
-- pg_crc32c, which maas stores over the payload at bytes 24..27
CREATE TABLE maas_test.crc32c_table AS
WITH RECURSIVE bits(i, k, v) AS (
	SELECT i, 0, i::bigint FROM generate_series(0, 255) i
	UNION ALL
	SELECT i, k + 1, CASE WHEN v & 1 = 1 THEN (v >> 1) # 2197175160 ELSE v >> 1 END
	FROM bits WHERE k < 8
)
SELECT i, v FROM bits WHERE k = 8;
GRANT SELECT ON maas_test.crc32c_table TO PUBLIC;
CREATE FUNCTION maas_test.crc32c(b bytea) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	t bigint[] := ARRAY(SELECT v FROM maas_test.crc32c_table ORDER BY i);
	crc bigint := 4294967295;
BEGIN
	FOR i IN 0 .. length(b) - 1 LOOP
		crc := t[((crc # get_byte(b, i)) & 255) + 1] # (crc >> 8);
	END LOOP;
	RETURN crc # 4294967295;
END $$;
-- little-endian u32 at a 0-based byte offset: read, and write
CREATE FUNCTION maas_test.get32(b bytea, pos int) RETURNS bigint LANGUAGE sql AS $$
	SELECT get_byte(b, pos)::bigint | (get_byte(b, pos + 1)::bigint << 8)
		   | (get_byte(b, pos + 2)::bigint << 16) | (get_byte(b, pos + 3)::bigint << 24) $$;
CREATE FUNCTION maas_test.put32(b bytea, pos int, v bigint) RETURNS bytea LANGUAGE sql AS $$
	SELECT set_byte(set_byte(set_byte(set_byte(b, pos, (v & 255)::int), pos + 1, ((v >> 8) & 255)::int),
						 pos + 2, ((v >> 16) & 255)::int), pos + 3, ((v >> 24) & 255)::int) $$;
-- a consistent header for edited model bytes: payload length (bytes
-- 20..23) and checksum rewritten, so that the reader behind the header
-- check sees the edit
CREATE FUNCTION maas_test.reseal(b bytea) RETURNS bytea LANGUAGE sql AS $$
	SELECT maas_test.put32(maas_test.put32(b, 20, length(b) - 32), 24, maas_test.crc32c(substring(b FROM 33))) $$;
-- parallel workers the plan of a query launched (they really ran)
CREATE FUNCTION maas_test.workers_launched(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q INTO plan;
	RETURN (plan->0->'Plan'->'Plans'->0->>'Workers Launched')::int;
END $$;

-- the helpers are right: the standard check value of CRC-32C, a round trip
-- of a u32, the errors of a failing and a passing statement, with a hint
SELECT maas_test.crc32c(convert_to('123456789', 'UTF8')) = x'E3069283'::bigint AS check_value,
	   maas_test.get32(maas_test.put32('\x00000000000000'::bytea, 2, 3808858755), 2) = 3808858755 AS u32_round_trip,
	   maas_test.put32('\x00000000'::bytea, 0, 258) AS little_endian;
SELECT maas_test.err('SELECT 1/0') AS failing, maas_test.err('SELECT 1') AS passing;
SELECT maas_test.errh($$SELECT maas_train('setup_m', 'no_such_algorithm', 'iris', 'species')$$) ~ ' HINT: .*linear_regression'
	   AS hint_lists_algorithms;
