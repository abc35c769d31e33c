-- 010_pgbench: record which version a query saw, to show both were served
INSERT INTO live_seen (p)
SELECT maas_predict('live', s) FROM live_same s LIMIT 1;
