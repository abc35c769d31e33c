#!/usr/bin/env bash
# make demo: set up everything, then train and serve models on real data
# in a throwaway cluster, printing what happens.
set -euo pipefail
# The client (psql) runs as the invoking user and reads data/ itself
# (\copy), so the repository need not be readable by the server's user.
cd "$(dirname "$0")/.."
. test/pg-env.sh	# PG_CONFIG / PG_BIN, default the newest installed PostgreSQL
export PATH="$PG_BIN:$PATH"

test/deps.sh
test/build.sh
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT

run() {
	echo
	echo "maas=# $*" | sed 's/^/  /'
	psql -X -q -v ON_ERROR_STOP=1 --pset=footer=off -c "$*" | sed 's/^/  /'
}

echo "== A throwaway $("$PG_CONFIG" --version) cluster is up at $PGHOST:$PGPORT"
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION maas" \
	-c "SET client_min_messages = warning" -f data/schema.sql -f data/load.sql
echo "== Loaded data/: wa_churn (7,043 telecom customers, IBM sample via R modeldata), ames (2,930 house sales), penguins (344 birds)"

echo
echo "== 1. Train a churn classifier straight from the table: one SQL call"
run "SELECT name, version, algorithm, rows_trained, rows_skipped AS skipped,
       round((metrics->>'accuracy')::numeric, 3) AS accuracy,
       round((metrics->>'roc_auc')::numeric, 3) AS roc_auc, deployed, round(train_ms) AS ms
FROM maas_train('churn', 'logistic_regression', 'wa_churn', 'churn')"

echo
echo "== 2. Predict inside any query: the model is a function of the row"
run "SELECT tenure, contract, monthly_charges, churn AS actual,
       maas_predict_class('churn', c) AS predicted,
       round((maas_predict_proba('churn', c))[2]::numeric, 3) AS p_churn
FROM wa_churn c ORDER BY tenure, monthly_charges LIMIT 6"

echo
echo "== 3. Why? Additive contributions to the log-odds, per input column"
run "SELECT key AS column_name, round(value::numeric, 3) AS contribution
FROM jsonb_each_text(maas_explain('churn', (SELECT c FROM wa_churn c ORDER BY tenure, monthly_charges LIMIT 1))->'columns')
ORDER BY abs(value::numeric) DESC LIMIT 5"

echo
echo "== 4. Gradient-boosted trees on the same data (NULLs handled natively), and what they rely on"
run "SELECT name, version, algorithm, round((metrics->>'accuracy')::numeric, 3) AS accuracy,
       round((metrics->>'roc_auc')::numeric, 3) AS roc_auc, deployed, round(train_ms) AS ms
FROM maas_train('churn_trees', 'gradient_boosting', 'wa_churn', 'churn',
                '{\"n_estimators\": 200, \"learning_rate\": 0.05, \"max_depth\": 4}')"
run "SELECT feature, round(gain::numeric, 1) AS gain, splits FROM maas_feature_importance('churn_trees')
ORDER BY gain DESC LIMIT 5"

echo
echo "== 5. Regression with 40 text columns one-hot encoded: Ames house prices"
run "SELECT name, version, rows_trained, round((metrics->>'r2')::numeric, 3) AS r2,
       round((metrics->>'rmse')::numeric) AS rmse, round(train_ms) AS ms
FROM maas_train('house_price', 'linear_regression', 'ames', 'sale_price', '{\"l2\": 1}')"
run "SELECT neighborhood, gr_liv_area, sale_price, round(maas_predict('house_price', a)) AS predicted
FROM ames a LIMIT 5"

echo
echo "== 6. Versions and deployment: a worse model is stored but not deployed; rollback is one call"
run "SELECT version, deployed, round((metrics->>'accuracy')::numeric, 3) AS accuracy
FROM maas_train('churn', 'logistic_regression', 'SELECT churn, tenure FROM wa_churn', 'churn')"
run "SELECT name, version, algorithm FROM maas.deployed"
run "SELECT maas_deploy('churn', 2) AS now_live, maas_rollback('churn') AS after_rollback"

echo
echo "== 7. The aggregate: one model per group, in one scan"
run "SELECT island, count(*) AS birds,
       (maas_info(maas_fit('linear_regression',
            ARRAY[bill_length_mm, bill_depth_mm, flipper_length_mm], body_mass_g))->'parameters'->>'rank') AS rank,
       round(((maas_info(maas_fit('linear_regression',
            ARRAY[bill_length_mm, bill_depth_mm, flipper_length_mm], body_mass_g))->'parameters'->'coefficients'->>'features[3]'))::numeric, 2) AS grams_per_mm_flipper
FROM penguins GROUP BY island ORDER BY island"

echo
echo "== 8. Evaluate the live model on any data"
run "SELECT jsonb_pretty(maas_evaluate('churn', 'SELECT * FROM wa_churn WHERE contract = ''Month-to-month'''))"
echo
echo "== Done. The cluster is removed; make test runs every test."
