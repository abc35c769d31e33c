-- linear_regression gives scikit-learn's answers on real data.
-- Reference numbers: test/reference/*.csv, written by
-- test/reference/make_reference.py (LinearRegression, Ridge on maas's own
-- encoding of the same tables).  Every check prints TRUE only within its
-- tolerance; figures are printed only in a report for a person to read,
-- results/linear_quality_report.txt next to results/linear_quality.out.
SET maas.progress_interval = 0;

-- reference numbers
CREATE TEMP TABLE ref_coef (model text, class text, idx int, feature text, value float8);
\copy ref_coef FROM 'test/reference/coefficients.csv' (FORMAT csv, HEADER, FORCE_NOT_NULL (class))
DELETE FROM ref_coef WHERE model NOT LIKE 'lin_%';
CREATE TEMP TABLE ref_pred (model text, rid int, class text, value float8);
\copy ref_pred FROM 'test/reference/predictions.csv' (FORMAT csv, HEADER, FORCE_NOT_NULL (class))
DELETE FROM ref_pred WHERE model NOT LIKE 'lin_%';
CREATE TEMP TABLE ref_metric (model text, metric text, value float8);
\copy ref_metric FROM 'test/reference/metrics.csv' (FORMAT csv, HEADER)
DELETE FROM ref_metric WHERE model NOT LIKE 'lin_%';
-- the data file again, rid = its row in the file.  rid is numbered by COPY
-- in input order: the heap's order is not the file's (COPY fills free
-- space left on earlier pages), so row_number() over a scan would not do.
CREATE TEMP TABLE q_ames (LIKE ames, rid int GENERATED ALWAYS AS IDENTITY);
\copy q_ames (ms_subclass, ms_zoning, lot_frontage, lot_area, street, alley, lot_shape, land_contour, utilities, lot_config, land_slope, neighborhood, condition_1, condition_2, bldg_type, house_style, overall_cond, year_built, year_remod_add, roof_style, roof_matl, exterior_1st, exterior_2nd, mas_vnr_type, mas_vnr_area, exter_cond, foundation, bsmt_cond, bsmt_exposure, bsmtfin_type_1, bsmtfin_sf_1, bsmtfin_type_2, bsmtfin_sf_2, bsmt_unf_sf, total_bsmt_sf, heating, heating_qc, central_air, electrical, first_flr_sf, second_flr_sf, gr_liv_area, bsmt_full_bath, bsmt_half_bath, full_bath, half_bath, bedroom_abvgr, kitchen_abvgr, totrms_abvgrd, functional, fireplaces, garage_type, garage_finish, garage_cars, garage_area, garage_cond, paved_drive, wood_deck_sf, open_porch_sf, enclosed_porch, three_season_porch, screen_porch, pool_area, pool_qc, fence, misc_feature, misc_val, mo_sold, year_sold, sale_type, sale_condition, sale_price, longitude, latitude) FROM 'data/ames.csv' (FORMAT csv, HEADER)

-- intercept (idx 0) and coefficients (idx 1..p, in feature order) of maas_info
CREATE FUNCTION pg_temp.coefs(info jsonb) RETURNS TABLE (idx int, feature text, value float8)
LANGUAGE sql AS $$
	SELECT 0, '(intercept)', (info->'parameters'->>'intercept')::float8
	UNION ALL
	SELECT f.i::int, f.name, (info->'parameters'->'coefficients'->>f.name)::float8
	FROM jsonb_array_elements_text(info->'feature_names') WITH ORDINALITY AS f(name, i)
$$;
CREATE TEMP TABLE got_coef (model text, idx int, feature text, value float8);

-- 1. least squares on diabetes and concrete, all rows
SELECT name, rows_trained, rows_skipped, metrics->>'evaluated_on' AS evaluated_on
FROM maas_train('lin_diabetes', 'linear_regression', 'diabetes', 'progression', '{"test_size": 0}');
SELECT name, rows_trained
FROM maas_train('lin_diabetes_ridge', 'linear_regression', 'diabetes', 'progression',
				'{"test_size": 0, "l2": 10}');
SELECT name, rows_trained
FROM maas_train('lin_diabetes_noint', 'linear_regression', 'diabetes', 'progression',
				'{"test_size": 0, "fit_intercept": false}');
SELECT name, rows_trained
FROM maas_train('lin_concrete', 'linear_regression', 'concrete', 'compressive_strength',
				'{"test_size": 0}');
SELECT name, rows_trained
FROM maas_train('lin_concrete_ridge', 'linear_regression', 'concrete', 'compressive_strength',
				'{"test_size": 0, "l2": 10}');
SELECT name, rows_trained
FROM maas_train('lin_concrete_noint', 'linear_regression', 'concrete', 'compressive_strength',
				'{"test_size": 0, "fit_intercept": false}');

INSERT INTO got_coef
SELECT m, c.* FROM unnest(ARRAY['lin_diabetes', 'lin_diabetes_ridge', 'lin_diabetes_noint',
							   'lin_concrete', 'lin_concrete_ridge', 'lin_concrete_noint']) AS m,
	 pg_temp.coefs(maas_info(m)) AS c;

-- the maas_fit aggregate: the same least squares from merged comoments;
-- its features are named features[1..p], so they match by position
INSERT INTO got_coef
SELECT 'lin_diabetes_agg', c.idx, r.feature, c.value
FROM (SELECT maas_info(maas_fit('linear_regression',
								ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression)) AS info
	  FROM diabetes) AS agg,
	 pg_temp.coefs(agg.info) AS c
	 JOIN ref_coef r ON r.model = 'lin_diabetes' AND r.idx = c.idx;
INSERT INTO ref_coef
SELECT 'lin_diabetes_agg', class, idx, feature, value FROM ref_coef WHERE model = 'lin_diabetes';

-- every coefficient and intercept within relative 1e-9 of scikit-learn's
-- (same_features: the same encoded features in the same order, none missing)
SELECT model, count(*) AS coefs,
	   bool_and(g.feature IS NOT DISTINCT FROM r.feature) AS same_features,
	   bool_and(abs(g.value - r.value) <= 1e-9 * abs(r.value)) AS within_1e_9
FROM ref_coef r FULL JOIN got_coef g USING (model, idx)
GROUP BY model ORDER BY model;

-- a wrong reference fails: with every reference coefficient 1e-8 (relative)
-- off, no model passes
SELECT count(*) AS models, count(*) FILTER (WHERE ok) AS still_passing
FROM (SELECT model, bool_and(abs(g.value - r.value * (1 + 1e-8)) <= 1e-9 * abs(r.value * (1 + 1e-8))) AS ok
	  FROM ref_coef r JOIN got_coef g USING (model, idx)
	  GROUP BY model) AS perturbed;

-- 2. ames: 40 text columns one-hot encoded make it rank deficient; the
-- coefficients are not unique there, the least-squares fitted values are
SELECT name, rows_trained, rows_skipped
FROM maas_train('lin_ames', 'linear_regression', 'ames', 'sale_price', '{"test_size": 0}');
-- rank: the dimension of the centered column space, 270 (the reference
-- fits on 270 independent columns; the other 44 are exact combinations)
SELECT (maas_info('lin_ames')->>'n_features')::int AS features,
	   (maas_info('lin_ames')->'parameters'->>'rank')::int AS rank;

-- fitted values of every 10th row within relative 1e-6
CREATE TEMP TABLE got_ames AS SELECT rid, maas_predict('lin_ames', q) AS value FROM q_ames q;
SELECT count(*) AS rows, count(p.value) = count(*) AS complete,
	   max(abs(p.value - r.value) / abs(r.value)) <= 1e-6 AS within_1e_6
FROM ref_pred r LEFT JOIN got_ames p USING (rid)
WHERE r.model = 'lin_ames';

-- 3. maas_evaluate on the full table against r2_score, mean_squared_error
-- (rmse = its square root) and mean_absolute_error
CREATE TEMP TABLE got_metric AS
SELECT m.model, e.key AS metric, e.value::float8 AS value
FROM (VALUES ('lin_diabetes', 'diabetes'), ('lin_concrete', 'concrete'), ('lin_ames', 'ames'))
	 AS m(model, source),
	 jsonb_each_text(maas_evaluate(m.model, m.source)) AS e
WHERE e.key IN ('r2', 'rmse', 'mae');

SELECT model, count(*) AS metrics, count(g.value) = count(*) AS complete,
	   max(abs(g.value - r.value) / greatest(abs(r.value), 1)) <= 1e-6 AS within_1e_6
FROM ref_metric r LEFT JOIN got_metric g USING (model, metric)
GROUP BY model ORDER BY model;

-- the figures, for a person to read
\getenv abs_builddir PG_ABS_BUILDDIR
\set report :abs_builddir '/results/linear_quality_report.txt'
\o :report
\qecho 'linear_quality: maas against scikit-learn (test/reference/*.csv)'
\qecho 'intercept and two coefficients'
SELECT g.model, g.feature, round(g.value::numeric, 4) AS maas, round(r.value::numeric, 4) AS reference
FROM got_coef g LEFT JOIN ref_coef r USING (model, idx)
WHERE g.idx = 0 OR g.feature IN ('bmi', 's5', 'cement', 'water')
ORDER BY g.model, g.idx;
\qecho 'ames: fitted values of every 10th row'
SELECT count(*) AS rows, round(min(p.value)::numeric, -2) AS smallest, round(max(p.value)::numeric, -2) AS largest,
	   max(abs(p.value - r.value) / abs(r.value)) AS largest_relative_difference
FROM ref_pred r JOIN got_ames p USING (rid)
WHERE r.model = 'lin_ames';
\qecho 'maas_evaluate on the full table'
SELECT model, metric, round(g.value::numeric, 4) AS maas, round(r.value::numeric, 4) AS reference
FROM ref_metric r LEFT JOIN got_metric g USING (model, metric)
ORDER BY model, metric;
\o
