-- bench/mlp_setup.sql: bench_table (x1..x16 float8, y float8) for the mlp
-- benchmark (bench/mlp.sh), generated deterministically.
--
--   psql -v rows=1000000 -f bench/mlp_setup.sql
--
-- The same generator as table t of bench/setup.sql (same seed, same
-- formulas, same row order), without t_cls: feature j is
-- offset_j + j * (u_j - 0.5), y = 2 + sum(c_j x_j) + N(0,1).  One serial
-- statement draws every random number in row order after setseed, so the
-- rows are the same on every run (PostgreSQL 15's random(): xoshiro256**).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS bench_table;

SELECT setseed(0.42);
CREATE TABLE bench_table AS
SELECT
	5 + 1 * (u1 - 0.5) AS x1,
	20 + 2 * (u2 - 0.5) AS x2,
	-5 + 3 * (u3 - 0.5) AS x3,
	10 + 4 * (u4 - 0.5) AS x4,
	15 + 5 * (u5 - 0.5) AS x5,
	0 + 6 * (u6 - 0.5) AS x6,
	5 + 7 * (u7 - 0.5) AS x7,
	20 + 8 * (u8 - 0.5) AS x8,
	-5 + 9 * (u9 - 0.5) AS x9,
	10 + 10 * (u10 - 0.5) AS x10,
	15 + 11 * (u11 - 0.5) AS x11,
	0 + 12 * (u12 - 0.5) AS x12,
	5 + 13 * (u13 - 0.5) AS x13,
	20 + 14 * (u14 - 0.5) AS x14,
	-5 + 15 * (u15 - 0.5) AS x15,
	10 + 16 * (u16 - 0.5) AS x16,
	2.0
		+ (-0.5) * (5 + 1 * (u1 - 0.5))
		+ (0.75) * (20 + 2 * (u2 - 0.5))
		+ (-1.0) * (-5 + 3 * (u3 - 0.5))
		+ (1.25) * (10 + 4 * (u4 - 0.5))
		+ (-0.25) * (15 + 5 * (u5 - 0.5))
		+ (0.5) * (0 + 6 * (u6 - 0.5))
		+ (-0.75) * (5 + 7 * (u7 - 0.5))
		+ (1.0) * (20 + 8 * (u8 - 0.5))
		+ (-1.25) * (-5 + 9 * (u9 - 0.5))
		+ (0.25) * (10 + 10 * (u10 - 0.5))
		+ (-0.5) * (15 + 11 * (u11 - 0.5))
		+ (0.75) * (0 + 12 * (u12 - 0.5))
		+ (-1.0) * (5 + 13 * (u13 - 0.5))
		+ (1.25) * (20 + 14 * (u14 - 0.5))
		+ (-0.25) * (-5 + 15 * (u15 - 0.5))
		+ (0.5) * (10 + 16 * (u16 - 0.5))
		+ sqrt(-2.0 * ln(1.0 - n1)) * cos(2.0 * pi() * n2) AS y
FROM (SELECT g AS id,
		random() AS u1, random() AS u2, random() AS u3, random() AS u4,
		random() AS u5, random() AS u6, random() AS u7, random() AS u8,
		random() AS u9, random() AS u10, random() AS u11, random() AS u12,
		random() AS u13, random() AS u14, random() AS u15, random() AS u16,
		random() AS n1, random() AS n2, random() AS c1
	FROM generate_series(1, :rows) g) s;

-- hint bits and the visibility map set now, not during the first timed scan
VACUUM (FREEZE, ANALYZE) bench_table;
