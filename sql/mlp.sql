-- mlp: the Keras Sequential models users arrive with, every SQL form, the
-- history, explanations that add up, the aggregate, and the same bytes at
-- any maas.threads
SET maas.progress_interval = 0;

-- README's first Keras example:
--   Sequential([Dense(10, activation='relu'), Dense(1)])
--   compile(optimizer='adam', loss='mse'); fit(X, y, epochs=10)
SELECT name, task, rows_trained, (metrics->>'r2')::float8 > 0 AS r2_above_0
FROM maas_train('mlp_keras_reg', 'mlp', 'diabetes', 'progression',
				'{"layers": [{"units": 10, "activation": "relu"}], "optimizer": "adam",
				  "loss": "mse", "epochs": 10}');
-- README's second:
--   Sequential([Dense(64, relu), Dense(32, relu), Dense(1, sigmoid)])
--   compile(optimizer='adam', loss='binary_crossentropy'); fit(epochs=10, batch_size=32)
SELECT name, task, rows_trained, (metrics->>'accuracy')::float8 > 0.93 AS accuracy_above_0_93,
	   (metrics->>'roc_auc')::float8 > 0.97 AS auc_above_0_97
FROM maas_train('mlp_keras_bin', 'mlp', 'breast_cancer', 'malignant',
				'{"hidden_layers": [64, 32], "activation": "relu", "optimizer": "adam",
				  "loss": "binary_crossentropy", "epochs": 10, "batch_size": 32}');
-- a multiclass model over text, NULL and number columns
SELECT name, task, rows_trained, (metrics->>'accuracy')::float8 > 0.9 AS accuracy_above_0_9
FROM maas_train('mlp_peng', 'mlp', 'penguins', 'species',
				'{"layers": [{"units": 16, "activation": "tanh"}, {"units": 8, "activation": "gelu"}],
				  "epochs": 30, "batch_size": 16}');

-- what maas_info shows: the layers with the output layer the task implies,
-- the weights, and the history of every epoch
SELECT name, i->'parameters'->'layers' AS layers, i->'parameters'->'weights' AS weights,
	   jsonb_array_length(i->'parameters'->'history'->'loss') AS epochs,
	   i->'parameters'->'history' ? 'val_loss' AS has_val_loss
FROM (VALUES ('mlp_keras_reg'), ('mlp_keras_bin'), ('mlp_peng')) AS m(name),
	 LATERAL maas_info(name) i
ORDER BY name;
-- the loss falls
SELECT name, (h->>0)::float8 > (h->>-1)::float8 AS loss_fell
FROM (VALUES ('mlp_keras_reg'), ('mlp_keras_bin'), ('mlp_peng')) AS m(name),
	 LATERAL (SELECT maas_info(name)->'parameters'->'history'->'loss') AS x(h)
ORDER BY name;

-- every form gives the same prediction: by name with a row, with the
-- encoded features, and from the model bytes
SELECT count(*) AS rows,
	   max(abs(maas_predict('mlp_keras_reg', d) -
			   maas_predict('mlp_keras_reg', ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]))) AS row_vs_array,
	   max(abs(maas_predict('mlp_keras_reg', d) -
			   maas_predict((SELECT model FROM maas.models WHERE name = 'mlp_keras_reg'),
							ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]))) AS row_vs_bytes
FROM diabetes d;
-- probabilities sum to 1, and the class is the most probable one
SELECT count(*) AS rows,
	   bool_and(abs(p[1] + p[2] + p[3] - 1) < 1e-9) AS sums_to_1,
	   bool_and(c = (ARRAY['Adelie', 'Chinstrap', 'Gentoo'])[array_position(p, greatest(p[1], p[2], p[3]))]) AS class_is_argmax
FROM penguins g, maas_predict_proba('mlp_peng', g) p, maas_predict_class('mlp_peng', g) c;
-- maas_evaluate on the training source agrees with predicting each row
SELECT abs((maas_evaluate('mlp_keras_bin', 'breast_cancer')->>'accuracy')::float8 -
		   (SELECT avg((maas_predict_class('mlp_keras_bin', b) = malignant::text)::int)
			FROM breast_cancer b)) < 1e-12 AS evaluate_agrees;

-- explanations add up: base + contributions is the score (the value for
-- regression, the logit of the predicted class), to 1e-3 of its scale
SELECT count(*) AS rows,
	   max(abs((e->>'score')::float8 - maas_predict('mlp_keras_reg', d))) /
		   (SELECT stddev(progression) FROM diabetes) < 1e-3 AS regression_adds_up
FROM diabetes d, maas_explain('mlp_keras_reg', d) e;
SELECT count(*) AS rows,
	   max(abs((e->>'score')::float8 - ln(p[2] / p[1]))) < 1e-3 AS logit_adds_up
FROM breast_cancer b, maas_explain('mlp_keras_bin', b) e, maas_predict_proba('mlp_keras_bin', b) p
WHERE p[1] > 1e-6 AND p[2] > 1e-6;
SELECT count(*) AS rows,
	   max(abs((e->>'score')::float8 - ((e->>'base')::float8 +
			(SELECT sum(value::float8) FROM jsonb_each_text(e->'contributions'))))) < 1e-6 AS additive
FROM penguins g, maas_explain('mlp_peng', g) e;

-- early stopping keeps the best epoch's weights and a validation history
SELECT name, task FROM maas_train('mlp_early', 'mlp', 'breast_cancer', 'malignant',
				'{"hidden_layers": [32], "epochs": 200, "early_stopping": true, "patience": 3,
				  "learning_rate": 0.01}');
SELECT (i->'parameters'->>'best_epoch')::int <= (i->'parameters'->>'epochs')::int AS best_within,
	   (SELECT min(v::float8) FROM jsonb_array_elements_text(i->'parameters'->'history'->'val_loss') v)
		 = (i->'parameters'->'history'->'val_loss'->>((i->'parameters'->>'best_epoch')::int - 1))::float8
		 AS best_is_lowest,
	   (i->'parameters'->>'epochs')::int < 200 AS stopped_early
FROM maas_info('mlp_early') i;

-- each optimizer and loss trains
SELECT p->>'optimizer' AS optimizer, p->>'loss' AS loss, t.task,
	   coalesce((t.metrics->>'r2')::float8 > 0.2, (t.metrics->>'accuracy')::float8 > 0.9) AS learned
FROM (VALUES ('{"optimizer": "sgd", "learning_rate": 0.01, "momentum": 0.9, "nesterov": true, "loss": "huber"}'::jsonb, 'diabetes', 'progression'),
			 ('{"optimizer": "adamw", "loss": "mae", "learning_rate": 0.01}', 'diabetes', 'progression'),
			 ('{"optimizer": "sgd", "learning_rate": 0.05, "dropout": 0.2, "l2": 0.001}', 'iris', 'species'),
			 ('{"learning_rate": 0.01, "learning_rate_decay": 0.95, "activation": "leaky_relu", "task": "classification"}', 'wine', 'cultivar'))
	 AS c(p, src, target),
	 LATERAL maas_train('mlp_opt_' || md5(c.p::text), 'mlp', src, target,
						c.p || '{"epochs": 30, "hidden_layers": [16]}') t
ORDER BY 1, 2;

-- the aggregate: one network per group, and partial states merge
SELECT sex, maas_predict(maas_fit('mlp', ARRAY[age, bmi, bp], progression,
								  '{"hidden_layers": [8], "epochs": 20}'),
						 ARRAY[50, 25, 90]) BETWEEN 25 AND 346 AS plausible
FROM diabetes GROUP BY sex ORDER BY sex;
-- (rows in the same order give the same network)
SELECT maas_fit_merge(s ORDER BY sex) =
	   (SELECT maas_fit('mlp', ARRAY[age, bmi, bp], progression, '{"epochs": 3}' ORDER BY sex, ctid)
		FROM diabetes) AS merged_equals_whole
FROM (SELECT sex, maas_fit_partial('mlp', ARRAY[age, bmi, bp], progression, '{"epochs": 3}' ORDER BY ctid) s
	  FROM diabetes GROUP BY sex) p;

-- the same seed gives the same bytes at any maas.threads, with work large
-- enough for the threads to run
CREATE TEMP TABLE mlp_big AS
SELECT g % 7 AS a, (g * 37) % 101 / 10.0 AS b, sin(g) AS c, cos(g * 3) AS d,
	   (g % 7) + sin(g) * 3 + ((g * 37) % 101) / 50.0 AS y
FROM generate_series(1, 20000) g;
SET maas.threads = 1;
SELECT threads FROM maas_train('mlp_th_1', 'mlp', 'mlp_big', 'y',
	'{"hidden_layers": [64, 32], "epochs": 2, "batch_size": 256, "dropout": 0.1}');
SET maas.threads = 2;
SELECT threads FROM maas_train('mlp_th_2', 'mlp', 'mlp_big', 'y',
	'{"hidden_layers": [64, 32], "epochs": 2, "batch_size": 256, "dropout": 0.1}');
RESET maas.threads;
SELECT count(*) AS models, count(DISTINCT model) = 1 AS same_bytes
FROM maas.models WHERE name IN ('mlp_th_1', 'mlp_th_2');
