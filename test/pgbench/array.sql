-- 010_pgbench: 1000 array-form predictions of one input in one query
-- (OFFSET 0 keeps the subquery, so each prediction is computed once, not
-- once per aggregate that uses it)
SELECT count(DISTINCT p) AS nv, min(p) AS p
FROM (SELECT maas_predict('live', ARRAY[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]::float8[]) AS p
	  FROM generate_series(1, 1000) OFFSET 0) x \gset
\if :nv != 1 or (abs(:p - :v0) > 0.000001 and abs(:p - :v1) > 0.000001)
INSERT INTO live_anomaly (script, nv, p) VALUES ('array', :nv, :p);
\endif
