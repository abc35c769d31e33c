-- The feature vector of rows of a model's source (see train.sql), in the
-- model's order: the rows its predictions are checked on.  A temporary
-- function: include this file in the session that uses it.
CREATE FUNCTION pg_temp.model_rows(model_name text, n integer)
RETURNS TABLE (features float8[])
LANGUAGE plpgsql AS $$
DECLARE
	names jsonb := (SELECT maas_info(m.model)->'feature_names'
					FROM maas.models m WHERE m.name = model_name AND m.version = 1);
	src text := CASE split_part(model_name, '_', 2)
		WHEN 'cancer' THEN 'breast_cancer' WHEN 'penguins' THEN 'penguins_num'
		ELSE split_part(model_name, '_', 2) END;
BEGIN
	RETURN QUERY EXECUTE format(
		'SELECT ARRAY(SELECT (to_jsonb(s)->>f)::float8
					  FROM jsonb_array_elements_text($1) WITH ORDINALITY AS x(f, i) ORDER BY i)
		 FROM %I s LIMIT %s', src, n) USING names;
END $$;
