-- kmeans and pca give scikit-learn's answers on real data.
-- Reference numbers: test/reference/cluster_reference.csv, cluster_labels.csv
-- and pca_reference.csv, written by test/reference/cluster_reference.py
-- (KMeans with n_init 10, PCA with the full SVD, scikit-learn 1.2).  Every
-- check prints TRUE only within its tolerance.
SET maas.progress_interval = 0;

CREATE TEMP TABLE ref_cl (model text, metric text, value float8);
\copy ref_cl FROM 'test/reference/cluster_reference.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE ref_lab (model text, rid int, label int);
\copy ref_lab FROM 'test/reference/cluster_labels.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE ref_pca (model text, kind text, i int, j int, value float8);
\copy ref_pca FROM 'test/reference/pca_reference.csv' (FORMAT csv, HEADER)

-- the data files again, rid = the row in the file (numbered by COPY)
CREATE TEMP TABLE c_iris (LIKE iris, rid int GENERATED ALWAYS AS IDENTITY);
\copy c_iris (sepal_length, sepal_width, petal_length, petal_width, species) FROM 'data/iris.csv' (FORMAT csv, HEADER)
CREATE TEMP TABLE c_wine_raw (LIKE wine, rid int GENERATED ALWAYS AS IDENTITY);
\copy c_wine_raw (alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols, flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue, od280_od315_of_diluted_wines, proline, cultivar) FROM 'data/wine.csv' (FORMAT csv, HEADER)
-- wine standardized with the population standard deviation (numpy's std)
SELECT format('CREATE TEMP TABLE c_wine AS SELECT rid, %s FROM c_wine_raw',
			  string_agg(format('(%1$I - avg(%1$I) OVER ()) / stddev_pop(%1$I) OVER () AS %1$I', attname),
						 ', ' ORDER BY attnum))
FROM pg_attribute WHERE attrelid = 'wine'::regclass AND attnum > 0 AND attname <> 'cultivar' \gexec
CREATE TEMP VIEW c_iris_x AS SELECT sepal_length, sepal_width, petal_length, petal_width FROM c_iris;
CREATE TEMP VIEW c_wine_x AS SELECT * FROM c_wine;
ALTER VIEW c_wine_x RENAME COLUMN rid TO rid_;	-- not a feature: excluded below

-- adjusted Rand index of two labelings of the same rows
CREATE FUNCTION pg_temp.ari(a int[], b int[]) RETURNS float8 LANGUAGE sql AS $$
	WITH pairs AS (SELECT x, y FROM unnest(a, b) AS t(x, y)),
	n AS (SELECT count(*)::float8 * (count(*) - 1) / 2 AS pairs FROM pairs),
	ij AS (SELECT sum(c * (c - 1) / 2.0)::float8 AS s FROM (SELECT count(*) c FROM pairs GROUP BY x, y) t),
	i AS (SELECT sum(c * (c - 1) / 2.0)::float8 AS s FROM (SELECT count(*) c FROM pairs GROUP BY x) t),
	j AS (SELECT sum(c * (c - 1) / 2.0)::float8 AS s FROM (SELECT count(*) c FROM pairs GROUP BY y) t)
	SELECT (ij.s - i.s * j.s / n.pairs) / (0.5 * (i.s + j.s) - i.s * j.s / n.pairs) FROM n, ij, i, j
$$;

--
-- 1. kmeans: inertia within 0.5%, the same clustering (ARI >= 0.99)
--
CREATE TEMP TABLE km AS
SELECT d.name AS data, a.alg, r.*
FROM (VALUES ('iris', 'c_iris_x'), ('wine', 'c_wine_x')) AS d(name, source),
	 (VALUES ('lloyd'), ('elkan')) AS a(alg),
	 LATERAL maas_train('km_' || d.name || '_' || a.alg, 'kmeans', d.source, NULL,
						jsonb_build_object('n_clusters', 3, 'algorithm', a.alg, 'test_size', 0,
										   'exclude', CASE WHEN d.name = 'wine' THEN '["rid_"]'::jsonb END)) r;
SELECT name, task, rows_trained, deployed,
	   abs((metrics->>'inertia')::float8 / i.value - 1) < 0.005 AS inertia_within_half_percent,
	   abs((metrics->>'silhouette')::float8 - s.value) < 1e-9 AS silhouette_as_sklearn
FROM km
JOIN ref_cl i ON i.model = km.name AND i.metric = 'inertia'
JOIN ref_cl s ON s.model = km.name AND s.metric = 'silhouette'
ORDER BY name;
-- maas_predict: the nearest centre, 0-based; same clustering as scikit-learn's
SELECT 'km_iris_' || alg AS model,
	   pg_temp.ari(array_agg(maas_predict('km_iris_' || alg, c)::int ORDER BY c.rid),
				   array_agg(r.label ORDER BY c.rid)) >= 0.99 AS same_clustering
FROM c_iris c, (VALUES ('lloyd'), ('elkan')) AS a(alg), ref_lab r
WHERE r.model = 'km_iris_' || alg AND r.rid = c.rid GROUP BY alg ORDER BY 1;
SELECT 'km_wine_' || alg AS model,
	   pg_temp.ari(array_agg(maas_predict('km_wine_' || alg, c)::int ORDER BY c.rid),
				   array_agg(r.label ORDER BY c.rid)) >= 0.99 AS same_clustering
FROM c_wine c, (VALUES ('lloyd'), ('elkan')) AS a(alg), ref_lab r
WHERE r.model = 'km_wine_' || alg AND r.rid = c.rid GROUP BY alg ORDER BY 1;
-- a wrong reference fails: the clustering against the species is not perfect
SELECT pg_temp.ari(array_agg(maas_predict('km_iris_lloyd', c)::int ORDER BY rid),
				   array_agg(CASE species WHEN 'setosa' THEN 0 WHEN 'versicolor' THEN 1 ELSE 2 END ORDER BY rid))
	   BETWEEN 0.6 AND 0.9 AS species_ari_below_099
FROM c_iris c;
-- Lloyd and Elkan find the same centres
SELECT max(abs(a.v::float8 - b.v::float8)) < 1e-9 AS lloyd_equals_elkan
FROM jsonb_array_elements(maas_info('km_wine_lloyd')->'parameters'->'centers') WITH ORDINALITY ca(c, i),
	 jsonb_array_elements(maas_info('km_wine_elkan')->'parameters'->'centers') WITH ORDINALITY cb(c, i),
	 jsonb_array_elements_text(ca.c) WITH ORDINALITY a(v, j),
	 jsonb_array_elements_text(cb.c) WITH ORDINALITY b(v, j)
WHERE ca.i = cb.i AND a.j = b.j;

-- maas_transform: the distances to each centre, the least one the predicted cluster's
SELECT count(*) AS rows,
	   bool_and(array_length(t, 1) = 3) AS three_distances,
	   bool_and(t[p + 1] = (SELECT min(x) FROM unnest(t) x)) AS nearest_is_predicted,
	   bool_and(abs(t[p + 1] ^ 2 - ((sepal_length - ctr[1]) ^ 2 + (sepal_width - ctr[2]) ^ 2 +
				(petal_length - ctr[3]) ^ 2 + (petal_width - ctr[4]) ^ 2)) < 1e-9) AS euclidean
FROM (SELECT c.*, maas_transform('km_iris_lloyd', c) AS t, maas_predict('km_iris_lloyd', c)::int AS p
	  FROM c_iris c) s,
	 LATERAL (SELECT array_agg(v::float8 ORDER BY j) AS ctr
			  FROM jsonb_array_elements_text(maas_info('km_iris_lloyd')->'parameters'->'centers'->p) WITH ORDINALITY e(v, j)) cc;
-- the array and inline-bytes forms agree with the row form
SELECT maas_transform('km_iris_lloyd', ARRAY[5.1, 3.5, 1.4, 0.2]) = maas_transform('km_iris_lloyd', c) AS array_form,
	   maas_transform((SELECT model FROM maas.models WHERE name = 'km_iris_lloyd'), ARRAY[5.1, 3.5, 1.4, 0.2])
	   = maas_transform('km_iris_lloyd', c) AS bytes_form,
	   maas_predict((SELECT model FROM maas.models WHERE name = 'km_iris_lloyd'), ARRAY[5.1, 3.5, 1.4, 0.2])
	   = maas_predict('km_iris_lloyd', c) AS bytes_predict
FROM c_iris c WHERE rid = 1;
-- the planner turns the row form into a call on the model's columns
EXPLAIN (VERBOSE, COSTS OFF) SELECT maas_transform('km_iris_lloyd', c) FROM c_iris c;
-- maas_evaluate: inertia on other rows; on the training rows, the stored one
SELECT abs((maas_evaluate('km_iris_lloyd', 'c_iris')->>'inertia')::float8 /
		   (metrics->>'inertia')::float8 - 1) < 1e-12 AS evaluate_inertia,
	   (maas_evaluate('km_iris_lloyd', 'SELECT * FROM c_iris WHERE rid <= 50')->>'rows')::int AS rows
FROM maas.models WHERE name = 'km_iris_lloyd';
SELECT maas_info('km_iris_lloyd')->>'task' AS task, maas_info('km_iris_lloyd')->'n_outputs' AS n_outputs,
	   maas_info('km_iris_lloyd')->'target' AS target,
	   jsonb_array_length(maas_info('km_iris_lloyd')->'parameters'->'centers') AS centers;

-- the same seed gives the same bytes, at any thread count (digits: the
-- distance step runs on the pool)
SET maas.threads = 1;
SELECT threads FROM maas_train('km_digits', 'kmeans', 'digits', NULL,
	'{"n_clusters": 10, "n_init": 2, "exclude": ["digit"], "test_size": 0}');
SET maas.threads = 2;
SELECT threads FROM maas_train('km_digits', 'kmeans', 'digits', NULL,
	'{"n_clusters": 10, "n_init": 2, "exclude": ["digit"], "test_size": 0}');
SELECT threads FROM maas_train('km_digits', 'kmeans', 'digits', NULL,
	'{"n_clusters": 10, "n_init": 2, "exclude": ["digit"], "test_size": 0, "algorithm": "elkan"}');
RESET maas.threads;
SELECT count(DISTINCT md5(model)) FILTER (WHERE version <= 2) AS lloyd_models,
	   count(DISTINCT (metrics->>'inertia')::numeric(20, 6)) AS inertias
FROM maas.models WHERE name = 'km_digits';

-- maas_fit collects the rows and fits the same model as maas_train
SELECT abs((maas_info(m)->'parameters'->>'inertia')::float8 -
		   (SELECT (metrics->>'inertia')::float8 FROM maas.models WHERE name = 'km_iris_lloyd')) < 1e-9 AS fit_as_train,
	   maas_info(m)->>'task' AS task
FROM (SELECT maas_fit('kmeans', ARRAY[sepal_length, sepal_width, petal_length, petal_width], NULL,
					  '{"n_clusters": 3}') AS m FROM c_iris) f;

--
-- 2. pca: components equal scikit-learn's up to sign (1e-8)
--
SELECT name, task, (metrics->>'rows')::int AS rows
FROM maas_train('pca_iris', 'pca', 'c_iris_x', NULL, '{"test_size": 0}')
UNION ALL
SELECT name, task, (metrics->>'rows')::int
FROM maas_train('pca_wine', 'pca', 'c_wine_x', NULL, '{"test_size": 0, "exclude": ["rid_"]}')
UNION ALL
SELECT name, task, (metrics->>'rows')::int
FROM maas_train('pca_wine_white', 'pca', 'c_wine_x', NULL,
				'{"test_size": 0, "exclude": ["rid_"], "n_components": 3, "whiten": true}');
-- maas's components, variances and ratios as (model, kind, i, j, value)
CREATE FUNCTION pg_temp.pca_values(model text, info jsonb)
RETURNS TABLE (model text, kind text, i int, j int, value float8) LANGUAGE sql AS $$
	SELECT model, 'component', (c.i - 1)::int, (v.j - 1)::int, v.x::float8
	FROM jsonb_array_elements(info->'parameters'->'components') WITH ORDINALITY c(a, i),
		 jsonb_array_elements_text(c.a) WITH ORDINALITY v(x, j)
	UNION ALL
	SELECT model, 'variance', (i - 1)::int, 0, x::float8
	FROM jsonb_array_elements_text(info->'parameters'->'explained_variance') WITH ORDINALITY e(x, i)
	UNION ALL
	SELECT model, 'ratio', (i - 1)::int, 0, x::float8
	FROM jsonb_array_elements_text(info->'parameters'->'explained_variance_ratio') WITH ORDINALITY e(x, i)
$$;
-- each component's sign as scikit-learn's (its sign convention differs)
CREATE TEMP VIEW pca_sign AS
SELECT r.model, r.i, sign(sum(r.value * m.value)) AS s
FROM ref_pca r JOIN (SELECT p.* FROM maas.models, pg_temp.pca_values(name, maas_info(model)) p
					 WHERE name LIKE 'pca_%') m USING (model, kind, i, j)
WHERE r.kind = 'component' GROUP BY r.model, r.i;
SELECT r.model, r.kind, count(*) AS n,
	   max(abs(CASE WHEN r.kind = 'component' THEN s.s ELSE 1 END * m.value - r.value)
		   / CASE WHEN r.kind = 'variance' THEN r.value ELSE 1 END) < 1e-8 AS within_1e8
FROM ref_pca r
JOIN (SELECT p.* FROM maas.models, pg_temp.pca_values(name, maas_info(model)) p WHERE name LIKE 'pca_%') m
	USING (model, kind, i, j)
LEFT JOIN pca_sign s ON s.model = r.model AND s.i = r.i
GROUP BY r.model, r.kind ORDER BY 1, 2;
-- maas_transform: the projected coordinates of the first rows (whitened too)
SELECT r.model, count(*) AS n, max(abs(s.s * t.t[r.j + 1] - r.value)) < 1e-8 AS within_1e8
FROM ref_pca r
JOIN pca_sign s ON s.model = r.model AND s.i = r.j
JOIN (SELECT 'pca_iris' AS model, rid, maas_transform('pca_iris', c) AS t FROM c_iris c WHERE rid <= 10
	  UNION ALL
	  SELECT 'pca_wine', rid, maas_transform('pca_wine', c) FROM c_wine c WHERE rid <= 10
	  UNION ALL
	  SELECT 'pca_wine_white', rid, maas_transform('pca_wine_white', c) FROM c_wine c WHERE rid <= 10) t
	ON t.model = r.model AND t.rid = r.i
WHERE r.kind = 'transform'
GROUP BY r.model ORDER BY 1;
-- a wrong reference fails: another dataset's components are far off
SELECT max(abs(abs(m.value) - abs(r.value))) > 0.01 AS other_data_differs
FROM ref_pca r JOIN pg_temp.pca_values('pca_wine', maas_info('pca_wine')) m USING (kind, i, j)
WHERE r.model = 'pca_iris' AND r.kind = 'component';

-- maas_fit: the same comoments, merged across groups, partial states and
-- parallel workers, give the same components
CREATE TEMP TABLE pca_fits AS
SELECT (SELECT maas_fit('pca', ARRAY[sepal_length, sepal_width, petal_length, petal_width], NULL) FROM c_iris) AS whole,
	   (SELECT maas_fit_merge(s) FROM (SELECT maas_fit_partial('pca', ARRAY[sepal_length, sepal_width, petal_length, petal_width], NULL) AS s
									  FROM c_iris GROUP BY rid % 3) p) AS merged;
SELECT max(abs(a.value - b.value)) < 1e-10 AS whole_as_train,
	   max(abs(a.value - c.value)) < 1e-10 AS merged_as_train
FROM pg_temp.pca_values('x', maas_info('pca_iris')) a,
	 pca_fits, pg_temp.pca_values('x', maas_info(whole)) b, pg_temp.pca_values('x', maas_info(merged)) c
WHERE a.kind = b.kind AND a.i = b.i AND a.j = b.j AND a.kind = c.kind AND a.i = c.i AND a.j = c.j;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE c_wine_big AS SELECT c.* FROM c_wine c, generate_series(1, 20);
ANALYZE c_wine_big;
SELECT max(abs(abs(a.value) - abs(b.value))) < 1e-10 AS parallel_as_serial
FROM pg_temp.pca_values('x', maas_info('pca_wine')) a,
	 (SELECT maas_fit('pca', ARRAY[alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols,
					  flavanoids, nonflavanoid_phenols, proanthocyanins, color_intensity, hue,
					  od280_od315_of_diluted_wines, proline], NULL) AS m FROM c_wine_big) f,
	 pg_temp.pca_values('x', maas_info(m)) b
WHERE a.kind = b.kind AND a.kind <> 'variance' AND a.i = b.i AND a.j = b.j;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE c_wine_big;

--
-- 3. README's examples
--
SELECT name, task, rows_trained, metrics ? 'inertia' AS has_inertia
FROM maas_train('iris_clusters', 'kmeans',
				'SELECT sepal_length, sepal_width, petal_length, petal_width FROM iris',
				NULL, '{"n_clusters": 3}');
SELECT species, maas_predict('iris_clusters', i) AS cluster, count(*)
FROM iris i GROUP BY 1, 2 HAVING count(*) > 5 ORDER BY 1, 2;
SELECT array_length(maas_transform('iris_clusters', i), 1) AS distances FROM iris i LIMIT 1;
SELECT name, task FROM maas_train('iris_pca', 'pca', 'iris', NULL,
								  '{"n_components": 2, "exclude": ["species"], "test_size": 0}');
SELECT round((maas_info('iris_pca')->'parameters'->'explained_variance_ratio'->>0)::numeric, 4) AS first_ratio,
	   (SELECT array_agg(round(x::numeric, 4)) FROM unnest(maas_transform('iris_pca', i)) x) AS coordinates
FROM iris i LIMIT 1;
SELECT maas_info(maas_fit('pca', ARRAY[sepal_length, sepal_width, petal_length, petal_width], NULL,
						  '{"n_components": 2}'))->'parameters'->'explained_variance' IS NOT NULL AS aggregate
FROM iris;

SELECT count(*) AS names, sum(dropped) AS versions
FROM (SELECT maas_drop(name) AS dropped FROM maas.names
	  WHERE name LIKE 'km_%' OR name LIKE 'pca_%' OR name IN ('iris_clusters', 'iris_pca')) d;
