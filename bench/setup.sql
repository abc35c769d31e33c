-- bench/setup.sql: the benchmark tables, generated deterministically.
--
--   psql -v rows=1000000 -f bench/setup.sql
--
-- t      (x1..x16 float8, y float8): features and a linear target with
--        N(0,1) noise; exactly the columns of the linear model, so that
--        maas_train('m', 'linear_regression', 't', 'y') and the row form
--        maas_predict('m', t) use every column.
-- t_cls  (id int, x1..x16 float8, label int): the same features with a
--        binary label drawn from a logistic model; id gives the 80/20 split
--        (id % 5 = 0 is held out).
--
-- Feature j is offset_j + j * (u_j - 0.5) with u_j uniform on [0,1), so the
-- features have different scales and means (standardization matters).
-- One serial statement draws every random number in row order after
-- setseed, so the data are the same on every run and every machine with
-- the same PostgreSQL random() (PostgreSQL 15: xoshiro256**).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS t, t_cls, bench_gen;

SELECT setseed(0.42);
CREATE UNLOGGED TABLE bench_gen AS
SELECT id,
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
	-- y = 2 + sum(c_j x_j) + N(0,1) noise (Box-Muller)
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
		+ sqrt(-2.0 * ln(1.0 - n1)) * cos(2.0 * pi() * n2) AS y,
	-- P(label = 1) = sigmoid(0.5 + sum(b_j (u_j - 0.5)))
	(c1 < 1.0 / (1.0 + exp(-(0.5
		+ (2) * (u1 - 0.5)
		+ (-3) * (u2 - 0.5)
		+ (4) * (u3 - 0.5)
		+ (-1) * (u4 - 0.5)
		+ (2) * (u5 - 0.5)
		+ (-3) * (u6 - 0.5)
		+ (4) * (u7 - 0.5)
		+ (-1) * (u8 - 0.5)
		+ (2) * (u9 - 0.5)
		+ (-3) * (u10 - 0.5)
		+ (4) * (u11 - 0.5)
		+ (-1) * (u12 - 0.5)
		+ (2) * (u13 - 0.5)
		+ (-3) * (u14 - 0.5)
		+ (4) * (u15 - 0.5)
		+ (-1) * (u16 - 0.5)
	))))::int AS label
FROM (SELECT g AS id,
		random() AS u1,
		random() AS u2,
		random() AS u3,
		random() AS u4,
		random() AS u5,
		random() AS u6,
		random() AS u7,
		random() AS u8,
		random() AS u9,
		random() AS u10,
		random() AS u11,
		random() AS u12,
		random() AS u13,
		random() AS u14,
		random() AS u15,
		random() AS u16,
		random() AS n1, random() AS n2, random() AS c1
	FROM generate_series(1, :rows) g) s;

CREATE TABLE t (
	x1 float8,
	x2 float8,
	x3 float8,
	x4 float8,
	x5 float8,
	x6 float8,
	x7 float8,
	x8 float8,
	x9 float8,
	x10 float8,
	x11 float8,
	x12 float8,
	x13 float8,
	x14 float8,
	x15 float8,
	x16 float8,
	y float8
);
INSERT INTO t SELECT x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, y FROM bench_gen ORDER BY id;

CREATE TABLE t_cls (
	id int,
	x1 float8,
	x2 float8,
	x3 float8,
	x4 float8,
	x5 float8,
	x6 float8,
	x7 float8,
	x8 float8,
	x9 float8,
	x10 float8,
	x11 float8,
	x12 float8,
	x13 float8,
	x14 float8,
	x15 float8,
	x16 float8,
	label int
);
INSERT INTO t_cls SELECT id, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, label FROM bench_gen ORDER BY id;
DROP TABLE bench_gen;

-- hint bits and the visibility map set now, not during the first timed scan
VACUUM (FREEZE, ANALYZE) t;
VACUUM (FREEZE, ANALYZE) t_cls;
