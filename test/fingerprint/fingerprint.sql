-- Fingerprint of what maas computes: md5 of the model bytes, the stored
-- metrics and the predictions of every algorithm on every column kind, and
-- of the aggregate's models.  A refactoring that claims to change nothing
-- prints the same lines before and after (test/fingerprint/run.sh).
\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
\i data/schema.sql
\i data/load.sql
SET maas.progress_interval = 0;

CREATE TEMP TABLE runs (name text, algorithm text, source text, target text, params jsonb);
INSERT INTO runs VALUES
 ('lin_diab', 'linear_regression', 'diabetes', 'progression', '{}'),
 ('lin_ames', 'linear_regression', 'ames', 'sale_price', '{"l2": 1}'),
 ('lin_conc', 'linear_regression', 'concrete', NULL, '{}'),
 ('log_bc', 'logistic_regression', 'breast_cancer', 'malignant', '{}'),
 ('log_iris', 'logistic_regression', 'iris', 'species', '{}'),
 ('log_l1', 'logistic_regression', 'wine', 'cultivar', '{"penalty": "l1", "C": 0.5}'),
 ('log_churn', 'logistic_regression', 'wa_churn', 'churn', '{}'),
 ('log_peng', 'logistic_regression', 'penguins', 'species', '{"missing": "impute"}'),
 ('log_credit', 'logistic_regression', 'credit_data', 'status', '{"missing": "skip"}'),
 ('dt_iris', 'decision_tree', 'iris', 'species', '{}'),
 ('dt_diab', 'decision_tree', 'diabetes', 'progression', '{"max_depth": 5}'),
 ('dt_peng', 'decision_tree', 'penguins', 'species', '{"missing": "native"}'),
 ('rf_bc', 'random_forest', 'breast_cancer', 'malignant', '{"n_estimators": 20}'),
 ('rf_ames', 'random_forest', 'ames', 'sale_price', '{"n_estimators": 10}'),
 ('rf_credit', 'random_forest', 'credit_data', 'status', '{"n_estimators": 10}'),
 ('gb_churn', 'gradient_boosting', 'wa_churn', 'churn', '{"n_estimators": 30}'),
 ('gb_wine', 'gradient_boosting', 'wine', 'cultivar', '{"n_estimators": 20}'),
 ('gb_ames', 'gradient_boosting', 'ames', 'sale_price', '{"n_estimators": 30, "subsample": 0.8, "colsample_bytree": 0.7}'),
 ('gb_peng', 'gradient_boosting', 'penguins', 'body_mass_g', '{"n_estimators": 20, "early_stopping_rounds": 3}'),
 ('gb_credit', 'gradient_boosting', 'credit_data', 'status', '{"n_estimators": 20}'),
 ('km_wine', 'kmeans', 'wine', NULL, '{"n_clusters": 3, "exclude": ["cultivar"]}'),
 ('km_peng', 'kmeans', 'penguins', NULL, '{"n_clusters": 4, "algorithm": "elkan", "exclude": ["species"]}'),
 ('pca_ames', 'pca', 'ames', NULL, '{"n_components": 5, "whiten": true, "exclude": ["sale_price"]}'),
 ('nb_peng', 'naive_bayes', 'penguins', 'species', '{}'),
 ('nb_digits', 'naive_bayes', 'digits', 'digit', '{"kind": "multinomial"}'),
 ('nb_churn', 'naive_bayes', 'wa_churn', 'churn', '{"kind": "bernoulli", "binarize": 0.5}'),
 ('en_ames', 'elastic_net', 'ames', 'sale_price', '{"alpha": 10, "path": true, "n_alphas": 5}'),
 ('la_diab', 'lasso', 'diabetes', 'progression', '{"alpha": 0.5, "selection": "random"}'),
 ('lsvm_bc', 'linear_svm', 'breast_cancer', 'malignant', '{}'),
 ('lsvm_churn', 'linear_svm', 'wa_churn', 'churn', '{"penalty": "l1", "dual": false}'),
 ('lsvr_diab', 'linear_svr', 'diabetes', 'progression', '{"C": 10}'),
 ('svm_wine', 'svm', 'wine', 'cultivar', '{}'),
 ('svm_credit', 'svm', 'credit_data', 'status', '{"method": "nystrom", "n_components": 50}');
UPDATE runs SET target = 'compressive_strength' WHERE source = 'concrete';

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM runs LOOP
    PERFORM maas_train(r.name, r.algorithm, r.source, r.target, r.params);
  END LOOP;
END $$;

\pset format unaligned
\pset tuples_only on
\pset fieldsep ' '
SELECT m.name, md5(m.model), md5(m.metrics::text), md5(m.features::text), m.rows_trained
FROM maas.models m ORDER BY m.name;

-- predictions through the row form, the array form (via bytes), proba, class,
-- explain; clustering and decomposition: maas_transform instead of explain
CREATE FUNCTION pg_temp.preds(n text, src text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE out text;
BEGIN
  EXECUTE format($q$SELECT md5(string_agg(concat_ws(',',
      CASE WHEN (maas_info(%L)->>'task') <> 'decomposition' THEN maas_predict(%L, t)::text END,
      CASE WHEN (maas_info(%L)->>'task') IN ('binary', 'multiclass') THEN maas_predict_proba(%L, t)::text END,
      CASE WHEN (maas_info(%L)->>'task') IN ('binary', 'multiclass') THEN maas_predict_class(%L, t) END,
      CASE WHEN (maas_info(%L)->>'task') IN ('clustering', 'decomposition') THEN maas_transform(%L, t)::text
           WHEN (maas_info(%L)->>'algorithm') <> 'svm' THEN maas_explain(%L, t)::text END), ';'))
    FROM (SELECT * FROM %I LIMIT 300) t$q$, n, n, n, n, n, n, n, n, n, n, src) INTO out;
  RETURN out;
END $$;
SELECT name, pg_temp.preds(name, source) FROM runs ORDER BY name;
SELECT name, md5(maas_evaluate(name, source)::text) FROM runs WHERE algorithm <> 'pca' ORDER BY name;
SELECT name, md5(maas_info(name)::text) FROM runs ORDER BY name;
SELECT 'importance', name, md5(string_agg(t::text, ';'))
FROM runs, LATERAL maas_feature_importance(name) t
WHERE algorithm NOT IN ('linear_regression', 'logistic_regression', 'kmeans', 'pca',
						'naive_bayes', 'elastic_net', 'lasso', 'linear_svm', 'linear_svr', 'svm')
GROUP BY name ORDER BY name;

-- the aggregate
SELECT 'fit', a, md5(maas_fit(a, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], progression,
                    CASE WHEN a LIKE '%forest' OR a LIKE 'gradient%' THEN '{"n_estimators": 10}'::jsonb ELSE '{}' END))
FROM diabetes, unnest(ARRAY['linear_regression','decision_tree','random_forest','gradient_boosting','elastic_net','lasso']) a
GROUP BY a ORDER BY a;
SELECT 'fit', a, md5(maas_fit(a, ARRAY[mean_radius, mean_texture, worst_area, worst_smoothness], malignant::int::float8,
                    CASE WHEN a LIKE '%forest' OR a LIKE 'gradient%' THEN '{"n_estimators": 10}'::jsonb ELSE '{}' END))
FROM breast_cancer, unnest(ARRAY['logistic_regression','decision_tree','random_forest','gradient_boosting','naive_bayes']) a
GROUP BY a ORDER BY a;
SELECT 'fit', a, md5(maas_fit(a, ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6], NULL, '{"n_clusters": 4}'::jsonb - CASE a WHEN 'pca' THEN 'n_clusters' ELSE '' END))
FROM diabetes, unnest(ARRAY['kmeans', 'pca']) a
GROUP BY a ORDER BY a;
SELECT 'partial', md5(maas_fit_merge(s)) FROM (
  SELECT maas_fit_partial('linear_regression', ARRAY[age, bmi, bp], progression) s FROM diabetes GROUP BY sex) p;

-- recommenders: model bytes, metrics, recommendations, similar items
SELECT name FROM maas_train('fp_als', 'als', 'bfi_ratings', 'rating',
  '{"user": "respondent", "item": "item", "factors": 4}');
SELECT name FROM maas_train('fp_als_imp', 'als', 'insteval', 'rating',
  '{"user": "student", "item": "lecturer", "factors": 8, "implicit": true}');
SELECT name, md5(model), md5(metrics::text) FROM maas.models WHERE name LIKE 'fp\_als%' ORDER BY name;
SELECT 'recommend', md5(string_agg(r::text, ';')) FROM maas_recommend('fp_als', 61617, 10, true) r;
SELECT 'similar', md5(string_agg(r::text, ';')) FROM maas_similar_items('fp_als_imp', 1002, 10) r;
