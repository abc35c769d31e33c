-- 010_pgbench: one query predicts the same input 2000 times, 1000 in the
-- row form and 1000 in the array form; all must come from one version
-- (:v0 and :v1 are the predictions of the two variants, set with -D)
SELECT count(DISTINCT p) AS nv, min(p) AS p
FROM (SELECT maas_predict('live', s) AS p FROM live_same s
	  UNION ALL
	  SELECT maas_predict('live', ARRAY[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]::float8[])
	  FROM generate_series(1, 1000)) x \gset
\if :nv != 1 or (abs(:p - :v0) > 0.000001 and abs(:p - :v1) > 0.000001)
INSERT INTO live_anomaly (script, nv, p) VALUES ('mixed', :nv, :p);
\endif
