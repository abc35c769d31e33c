-- maas_export(name, 'onnx') and 'pmml' without ONNX Runtime (which
-- test/t/066_export_onnx.pl runs where it is installed): the ONNX bytes,
-- base64 text, decoded here by a small protobuf wire-format reader, hold
-- the model, graph, operators, inputs and outputs of onnx.proto; the PMML
-- is XML that xpath reads.
SET maas.progress_interval = 0;
SET client_min_messages = warning;
SET jit = off;	-- the decoder's estimates would JIT-compile queries of a millisecond

-- The fields of a protobuf message: number, wire type, the value of a
-- varint, the bytes of a length-delimited field (nested messages, strings)
CREATE FUNCTION pg_temp.pb(b bytea) RETURNS TABLE (field int, wire int, num numeric, sub bytea)
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
	pos int := 0;
	n int := length(b);
	v numeric;
	shift int;
	byte int;
BEGIN
	WHILE pos < n LOOP
		-- the key, then the value: both varints but the value of fields 1, 2 and 5
		FOR step IN 1..2 LOOP
			IF step = 2 AND wire <> 0 AND wire <> 2 THEN
				EXIT;
			END IF;
			v := 0;
			shift := 0;
			LOOP
				byte := get_byte(b, pos);
				pos := pos + 1;
				v := v + (byte & 127) * power(2::numeric, shift);
				shift := shift + 7;
				EXIT WHEN byte < 128;
			END LOOP;
			IF step = 1 THEN
				field := (v / 8)::bigint;
				wire := (v % 8)::int;
			END IF;
		END LOOP;
		num := NULL;
		sub := NULL;
		IF wire = 0 THEN
			num := trunc(v);
		ELSIF wire = 2 THEN
			sub := substring(b FROM pos + 1 FOR v::int);
			pos := pos + v::int;
		ELSIF wire = 5 THEN
			sub := substring(b FROM pos + 1 FOR 4);
			pos := pos + 4;
		ELSE
			RAISE EXCEPTION 'wire type % at byte %', wire, pos;
		END IF;
		RETURN NEXT;
	END LOOP;
END $$;

-- a message's string field
CREATE FUNCTION pg_temp.str(b bytea, f int) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(convert_from(sub, 'UTF8'), ',') FROM pg_temp.pb(b) WHERE field = f
$$;

-- a model's ONNX: the ModelProto bytes, exported once (after the training below)
CREATE TEMP TABLE onx (name text PRIMARY KEY, m bytea);
CREATE FUNCTION pg_temp.onnx(model text) RETURNS bytea LANGUAGE sql AS $$
	SELECT m FROM onx WHERE name = model
$$;

-- its graph's nodes: op_type in the order of the graph, with the domain
CREATE FUNCTION pg_temp.ops(name text) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(CASE WHEN pg_temp.str(n.sub, 7) = '' THEN '' ELSE pg_temp.str(n.sub, 7) || '.' END
					  || pg_temp.str(n.sub, 4), ' ' ORDER BY n.ord)
	FROM pg_temp.pb(pg_temp.onnx(name)) m,
		 LATERAL pg_temp.pb(m.sub) WITH ORDINALITY n(field, wire, num, sub, ord)
	WHERE m.field = 7 AND n.field = 1
$$;

SELECT maas_train('onx_lin', 'linear_regression', 'diabetes', 'progression') IS NOT NULL AS lin,
	   maas_train('onx_logit', 'logistic_regression', 'penguins', 'species') IS NOT NULL AS logit,
	   maas_train('onx_bin', 'logistic_regression', 'breast_cancer', 'malignant') IS NOT NULL AS bin,
	   maas_train('onx_dt', 'decision_tree', 'SELECT species, bill_length_mm, flipper_length_mm FROM penguins', 'species', '{"max_depth": 3}') IS NOT NULL AS dt,
	   maas_train('onx_rf', 'random_forest', 'concrete', 'compressive_strength', '{"n_estimators": 3, "max_depth": 3}') IS NOT NULL AS rf,
	   maas_train('onx_gb', 'gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 3, "max_depth": 2}') IS NOT NULL AS gb;
INSERT INTO onx SELECT name, decode(maas_export(name, 'onnx'), 'base64')
FROM unnest(ARRAY['onx_lin', 'onx_logit', 'onx_bin', 'onx_dt', 'onx_rf', 'onx_gb']) AS name;

-- ModelProto: ir_version 8, the producer, the opsets ("" 17 and ai.onnx.ml 3)
SELECT field, num, convert_from(CASE WHEN field IN (2, 3) THEN sub END, 'UTF8') AS text
FROM pg_temp.pb(pg_temp.onnx('onx_lin')) WHERE field IN (1, 2, 3) ORDER BY field;
SELECT pg_temp.str(sub, 1) AS domain, (SELECT v.num FROM pg_temp.pb(o.sub) v WHERE v.field = 2) AS version
FROM pg_temp.pb(pg_temp.onnx('onx_lin')) o WHERE field = 8;
-- metadata: the features in X's order, the columns' encoding
SELECT pg_temp.str(sub, 1) AS key, left(pg_temp.str(sub, 2), 70) AS value
FROM pg_temp.pb(pg_temp.onnx('onx_logit')) WHERE field = 14;

-- input_sql: X of a row as SQL over its columns (NULL as NaN, imputed
-- where the model imputes), the encoding of metadata "columns"
SELECT pg_temp.str(sub, 2) AS input_sql
FROM pg_temp.pb(pg_temp.onnx('onx_dt')) WHERE field = 14 AND pg_temp.str(sub, 1) = 'input_sql';
CREATE FUNCTION pg_temp.x(name text, source text) RETURNS SETOF real[] LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format('SELECT %s FROM (%s) q',
		(SELECT pg_temp.str(sub, 2) FROM pg_temp.pb(pg_temp.onnx(name))
		 WHERE field = 14 AND pg_temp.str(sub, 1) = 'input_sql'), source);
END $$;
-- penguins' first rows, the fourth all NULL but the year
SELECT * FROM pg_temp.x('onx_logit', 'SELECT * FROM penguins LIMIT 4');
SELECT * FROM pg_temp.x('onx_dt', 'SELECT * FROM penguins LIMIT 4');

-- the operators of each family
SELECT name, pg_temp.ops(name) AS operators
FROM unnest(ARRAY['onx_lin', 'onx_logit', 'onx_bin', 'onx_dt', 'onx_rf', 'onx_gb']) AS name;

-- the graph's input X [N, features] and outputs, each with its element
-- type (1 float, 8 string) and dimensions
WITH g AS MATERIALIZED (
	SELECT name, g.field, g.sub
	FROM unnest(ARRAY['onx_lin', 'onx_logit', 'onx_gb']) AS name,
		 pg_temp.pb(pg_temp.onnx(name)) m, pg_temp.pb(m.sub) g
	WHERE m.field = 7),
	 io AS MATERIALIZED (
	SELECT name, g.field AS io, pg_temp.str(g.sub, 1) AS tensor, t.sub AS type
	FROM g, pg_temp.pb(g.sub) t
	WHERE g.field IN (11, 12) AND t.field = 2),
	 tensor AS MATERIALIZED (
	SELECT io.*, e.field AS f, e.num, e.sub
	FROM io, pg_temp.pb(io.type) tt, pg_temp.pb(tt.sub) e WHERE tt.field = 1)
SELECT name, io, tensor, max(num) FILTER (WHERE f = 1) AS elem_type,
	   (SELECT string_agg(coalesce(d.num::text, convert_from(d.sub, 'UTF8')), ' x ')
		FROM tensor s2, pg_temp.pb(s2.sub) s, pg_temp.pb(s.sub) d
		WHERE s2.name = tensor.name AND s2.tensor = tensor.tensor AND s2.f = 2 AND s.field = 1) AS shape
FROM tensor
GROUP BY name, io, tensor
ORDER BY name, io, tensor;

-- the class labels the graph's label comes from
SELECT pg_temp.str(t.sub, 8) AS tensor, pg_temp.str(t.sub, 6) AS labels
FROM pg_temp.pb(pg_temp.onnx('onx_logit')) m, pg_temp.pb(m.sub) t
WHERE m.field = 7 AND t.field = 5 AND pg_temp.str(t.sub, 8) = 'classes';

-- the tree: one node per tree node (depth 3: at most 15), float thresholds
SELECT count(*) FILTER (WHERE convert_from(s.sub, 'UTF8') = 'BRANCH_LEQ') AS branches,
	   count(*) FILTER (WHERE convert_from(s.sub, 'UTF8') = 'LEAF') AS leaves,
	   jsonb_path_query_first(maas_info('onx_dt'), 'strict $.**.nodes')::int AS maas_nodes
FROM pg_temp.pb(pg_temp.onnx('onx_dt')) m, pg_temp.pb(m.sub) n, pg_temp.pb(n.sub) a, pg_temp.pb(a.sub) s
WHERE m.field = 7 AND n.field = 1 AND a.field = 5 AND pg_temp.str(a.sub, 1) = 'nodes_modes' AND s.field = 9;

-- a version by number is the same model; every export is the same bytes
SELECT maas_export('onx_lin', 1, 'onnx') = maas_export('onx_lin', 'onnx') AS same_version,
	   md5(maas_export('onx_gb', 'onnx')) = md5(maas_export('onx_gb', 'onnx')) AS deterministic;

-- PMML: well-formed, a RegressionModel with one table per score, scaling
-- folded into the coefficients; a text column's indicators are NormDiscrete
SELECT name, xml_is_well_formed_document(maas_export(name, 'pmml')) AS well_formed,
	   (xpath('/p:PMML/p:RegressionModel/@functionName', x, ns))[1]::text AS function,
	   (xpath('/p:PMML/p:RegressionModel/@normalizationMethod', x, ns))[1]::text AS link,
	   (xpath('count(//p:RegressionTable)', x, ns))[1]::text AS tables,
	   (xpath('count(//p:RegressionTable[1]/p:NumericPredictor)', x, ns))[1]::text AS predictors,
	   (xpath('count(//p:NormDiscrete)', x, ns))[1]::text AS indicators
FROM unnest(ARRAY['onx_lin', 'onx_logit', 'onx_bin']) AS name,
	 LATERAL (SELECT maas_export(name, 'pmml')::xml AS x,
					 ARRAY[ARRAY['p', 'http://www.dmg.org/PMML-4_4']] AS ns) d;

-- a decision tree's PMML: one Node per node, a missing value to the learned side
SELECT (xpath('count(//p:Node)', x, ns))[1]::text AS nodes,
	   (xpath('count(//p:Node[@defaultChild])', x, ns))[1]::text AS branches,
	   (xpath('count(//p:ScoreDistribution)', x, ns))[1]::text AS class_probabilities,
	   (xpath('count(//p:Segment)', maas_export('onx_rf', 'pmml')::xml, ns))[1]::text AS forest_trees
FROM (SELECT maas_export('onx_dt', 'pmml')::xml AS x,
			 ARRAY[ARRAY['p', 'http://www.dmg.org/PMML-4_4']] AS ns) d;

-- linear_regression's PMML predicts maas_predict's values to 1e-9: the
-- intercept plus each column times its coefficient
WITH p AS (SELECT maas_export('onx_lin', 'pmml')::xml AS x,
				  ARRAY[ARRAY['p', 'http://www.dmg.org/PMML-4_4']] AS ns),
	 t AS MATERIALIZED (SELECT (xpath('//p:RegressionTable/@intercept', x, ns))[1]::text::float8 AS b,
				  unnest(xpath('//p:NumericPredictor/@name', x, ns))::text AS col,
				  unnest(xpath('//p:NumericPredictor/@coefficient', x, ns))::text::float8 AS w
		   FROM p)
SELECT count(*) AS rows,
	   max(abs(y - maas_predict('onx_lin', d)) / abs(maas_predict('onx_lin', d))) < 1e-9 AS equal
FROM diabetes d,
	 LATERAL (SELECT min(b) + sum(w * (to_jsonb(d)->>col)::float8) AS y FROM t) s;
