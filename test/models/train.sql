-- One model of every algorithm and task that maas 0.1.0 has, small and
-- quick.  Used by make_models.sh (the stored 0.1.0 model bytes) and by
-- test/t/025_upgrade.pl (models trained under 0.1.0, then upgraded).  Needs
-- the datasets of data/.  Only numeric features, so a model's feature
-- vector is its input columns in order (maas_info(model)->'feature_names');
-- penguins_num keeps NULLs (imputed, or native in trees) and a text target.
CREATE VIEW penguins_num AS
	SELECT bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, species
	FROM penguins;

SELECT name, version, algorithm, task FROM (VALUES
	(maas_train('lin_diabetes', 'linear_regression', 'diabetes', 'progression')),
	(maas_train('log_cancer', 'logistic_regression', 'breast_cancer', 'malignant')),
	(maas_train('log_penguins', 'logistic_regression', 'penguins_num', 'species')),
	(maas_train('dt_diabetes', 'decision_tree', 'diabetes', 'progression', '{"max_depth": 4}')),
	(maas_train('dt_cancer', 'decision_tree', 'breast_cancer', 'malignant', '{"max_depth": 4}')),
	(maas_train('dt_iris', 'decision_tree', 'iris', 'species', '{"max_depth": 4}')),
	(maas_train('rf_concrete', 'random_forest', 'concrete', 'compressive_strength',
				'{"n_estimators": 8, "max_depth": 4}')),
	(maas_train('rf_cancer', 'random_forest', 'breast_cancer', 'malignant',
				'{"n_estimators": 8, "max_depth": 4}')),
	(maas_train('rf_penguins', 'random_forest', 'penguins_num', 'species',
				'{"n_estimators": 8, "max_depth": 4}')),
	(maas_train('gb_diabetes', 'gradient_boosting', 'diabetes', 'progression',
				'{"n_estimators": 8, "max_depth": 3}')),
	(maas_train('gb_cancer', 'gradient_boosting', 'breast_cancer', 'malignant',
				'{"n_estimators": 8, "max_depth": 3}')),
	(maas_train('gb_wine', 'gradient_boosting', 'wine', 'cultivar',
				'{"n_estimators": 8, "max_depth": 3, "task": "classification"}')),
	(maas_train('mlp_diabetes', 'mlp', 'diabetes', 'progression',
				'{"hidden_layers": [8], "epochs": 3}')),
	(maas_train('mlp_cancer', 'mlp', 'breast_cancer', 'malignant',
				'{"hidden_layers": [8], "epochs": 3}')),
	(maas_train('mlp_iris', 'mlp', 'iris', 'species', '{"hidden_layers": [8], "epochs": 3}'))
) AS t(r), LATERAL (SELECT (r).*) AS x
ORDER BY name;
