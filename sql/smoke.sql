-- A first pass through every function on real data
SET maas.progress_interval = 0;

SELECT name, version, algorithm, task, rows_trained, rows_skipped, deployed
FROM maas_train('smoke_diabetes', 'linear_regression', 'diabetes', 'progression');

SELECT round(maas_predict('smoke_diabetes', d)::numeric, 6) = round(maas_predict('smoke_diabetes',
		ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6])::numeric, 6) AS forms_agree
FROM diabetes d LIMIT 3;

SELECT maas_info('smoke_diabetes')->>'algorithm' AS algorithm,
	   jsonb_array_length(maas_info('smoke_diabetes')->'feature_names') AS features;
