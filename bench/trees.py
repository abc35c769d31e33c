#!/usr/bin/python3
"""Tree model benchmark: maas against xgboost and scikit-learn.

Needs a server with maas installed and PGHOST/PGPORT/PGUSER/PGDATABASE set
(bench/trees.sh starts a throwaway cluster).  Prints each figure and the
ratios the targets are stated in:

  1. gradient_boosting (100 rounds, depth 6) training on 1,000,000 rows x 16
     features, binary label, vs xgboost.XGBClassifier(tree_method='hist',
     n_estimators=100, max_depth=6, nthread=2) on the same rows in memory;
     AUC of both on 200,000 held-out rows.          target: maas <= 1.5x
  2. random_forest (100 trees, depth 8) vs RandomForestClassifier(
     n_estimators=100, max_depth=8, n_jobs=2).      target: maas <= 1.0x
  3. prediction throughput of the 100-tree depth-6 model over the 1M rows:
     maas_predict(name, row) in SQL, vs xgboost's batch predict on a numpy
     array, vs a PL/Python function calling the same xgboost model per row.
  4. the same on a real dataset (data/wa_churn.csv, 7,043 rows; prediction
     over its rows repeated 100 times).

maas times are maas_train's train_ms, which includes reading the table
through SQL; "fit only" subtracts the time of the same call with one round
of depth 1 (or one tree of depth 1), i.e. reading, encoding and binning.

After a full run (1M rows, random forest included; BENCH_REFERENCE=1/0
forces either way) the figures replace this benchmark's section of
bench/reference.md.

Usage: bench/trees.py [--rows N] [--skip-rf] [--plpython-rows N]
"""
import argparse
import io
import os
import time

import numpy as np
import psycopg2
import sklearn
import xgboost
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score

import reference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = 16


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, P))
    z = (X[:, 0] + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] + np.sin(3 * X[:, 4])
         + 0.3 * X[:, 5] * X[:, 6] + (X[:, 7] > 0.5) * 0.2 - 0.1 * X[:, 8]
         + rng.normal(0, 0.25, n))
    y = (z > np.median(z)).astype(np.float64)
    return X, y


def csv_text(X, y):
    """The rows as COPY csv text: x1..x16 float8, label boolean."""
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([X, y]), delimiter=",",
               fmt=["%.17g"] * P + ["%d"])
    return buf.getvalue().replace(",0\n", ",false\n").replace(",1\n", ",true\n")


def copy_text(cur, name, text):
    cols = ", ".join(f"x{i + 1} float8" for i in range(P))
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.execute(f"CREATE TABLE {name} ({cols}, label boolean)")
    cur.copy_expert(f"COPY {name} FROM STDIN (FORMAT csv)", io.StringIO(text))
    cur.execute(f"VACUUM (FREEZE, ANALYZE) {name}")


def copy_table(cur, name, X, y):
    copy_text(cur, name, csv_text(X, y))


def load_churn(cur):
    """data/wa_churn.csv into the table wa_churn (data/schema.sql)."""
    cur.execute(open(os.path.join(ROOT, "data", "schema.sql")).read())
    cur.execute("SELECT count(*) FROM wa_churn")
    if cur.fetchone()[0] == 0:
        with open(os.path.join(ROOT, "data", "wa_churn.csv")) as fh:
            cur.copy_expert("COPY wa_churn FROM STDIN (FORMAT csv, HEADER)", fh)
        cur.execute("VACUUM (FREEZE, ANALYZE) wa_churn")


def timed(cur, sql, args=None):
    t = time.time()
    cur.execute(sql, args)
    rows = cur.fetchall()
    return time.time() - t, rows


def maas_train(cur, name, algorithm, source, target, params):
    _, rows = timed(cur, "SELECT train_ms FROM maas_train(%s, %s, %s, %s, %s)",
                    (name, algorithm, source, target, params))
    return rows[0][0] / 1000.0


def maas_auc(cur, name, source):
    _, rows = timed(cur, "SELECT (maas_evaluate(%s, %s)->>'roc_auc')::float8", (name, source))
    return rows[0][0]


def line(what, value):
    print(f"  {what:58s} {value}")


table = []		# rows of the bench/reference.md table


def add(what, maas, peer="", ratio="", auc=""):
    table.append(f"| {what} | {maas} | {peer} | {ratio} | {auc} |")


def write_reference(args, threads, started_load, versions):
    full = args.rows == 1000000 and args.test_rows == 200000 and not args.skip_rf
    if not reference.want(full):
        print("\nbench/reference.md left alone (not a full run: 1M rows, random forest"
              " included; BENCH_REFERENCE=1 writes it anyway)")
        return
    doc = ["## Tree models: `bench/trees.sh` (bench/trees.py)", "",
           f"- when: {reference.now()}, maas at {reference.commit()}",
           f"- machine: {reference.machine()}",
           f"- settings: {versions}; maas.threads {threads}, XGBoost `hist` nthread=2,"
           " scikit-learn n_jobs=2; one run of each figure; maas times are `train_ms`,"
           " which includes reading the rows through SQL",
           f"- data: {args.rows:,} training rows x 16 features, binary label,"
           f" {args.test_rows:,} held-out rows (synthetic, seeded); wa_churn: data/wa_churn.csv",
           f"- load: load average {started_load:.1f} at the start,"
           f" {os.getloadavg()[0]:.1f} at the end",
           "",
           "| what | maas | peer | ratio | AUC maas / peer |",
           "|---|---:|---:|---:|---|"] + table
    reference.write_section("trees.py", "\n".join(doc) + "\n")
    print("\nbench/reference.md: section trees.py rewritten")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--test-rows", type=int, default=200000)
    ap.add_argument("--plpython-rows", type=int, default=20000)
    ap.add_argument("--skip-rf", action="store_true")
    args = ap.parse_args()

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS maas")
    cur.execute("SET maas.progress_interval = 0")
    cur.execute("LOAD 'maas'")
    cur.execute("SHOW maas.threads")
    threads = int(cur.fetchone()[0])
    cur.execute("SHOW server_version")
    versions = (f"PostgreSQL {cur.fetchone()[0]}, XGBoost {xgboost.__version__},"
                f" scikit-learn {sklearn.__version__}")
    started_load = os.getloadavg()[0]
    print(f"maas.threads = {threads}; xgboost {xgboost.__version__} nthread=2; "
          f"scikit-learn {sklearn.__version__} n_jobs=2; {reference.machine()}; "
          f"load average {started_load:.1f}")

    X, y = make_data(args.rows, 1)
    Xt, yt = make_data(args.test_rows, 2)
    t = time.time()
    copy_table(cur, "bench_trees_train", X, y)
    copy_table(cur, "bench_trees_test", Xt, yt)
    print(f"synthetic data: {args.rows} + {args.test_rows} rows x {P} features "
          f"(loaded in {time.time() - t:.1f} s)")

    # 1. gradient boosting
    print("\n1. gradient_boosting, 100 rounds, depth 6")
    base = maas_train(cur, "bench_gb_base", "gradient_boosting", "bench_trees_train", "label",
                      '{"deploy": "always", "test_size": 0, "n_estimators": 1, "max_depth": 1}')
    gb = maas_train(cur, "bench_gb", "gradient_boosting", "bench_trees_train", "label",
                    '{"deploy": "always", "test_size": 0, "n_estimators": 100, "max_depth": 6}')
    auc = maas_auc(cur, "bench_gb", "bench_trees_test")
    t = time.time()
    xm = xgboost.XGBClassifier(tree_method="hist", n_estimators=100, max_depth=6, nthread=2)
    xm.fit(X, y)
    xgb_s = time.time() - t
    xgb_auc = roc_auc_score(yt, xm.predict_proba(Xt)[:, 1])
    line("maas_train (train_ms, includes reading 1M rows via SQL)", f"{gb:.2f} s")
    line("  of which read + encode + bin (1 round of depth 1)", f"{base:.2f} s")
    line("  fit only", f"{gb - base:.2f} s")
    line("xgboost fit on numpy", f"{xgb_s:.2f} s")
    line("ratio maas_train / xgboost (target <= 1.5)", f"{gb / xgb_s:.2f}")
    line("ratio maas fit only / xgboost", f"{(gb - base) / xgb_s:.2f}")
    line("AUC maas / xgboost", f"{auc:.4f} / {xgb_auc:.4f}")
    add("`gradient_boosting`, 100 rounds, depth 6, vs XGBoost `hist` fit on numpy",
        f"{gb:.2f} s", f"{xgb_s:.2f} s", f"{gb / xgb_s:.2f}x (target <= 1.5x)",
        f"{auc:.4f} / {xgb_auc:.4f}")
    add(f"the same, fit only (without reading {base:.2f} s of rows through SQL and binning them)",
        f"{gb - base:.2f} s", f"{xgb_s:.2f} s", f"{(gb - base) / xgb_s:.2f}x")

    # 2. random forest
    if not args.skip_rf:
        print("\n2. random_forest, 100 trees, depth 8")
        base = maas_train(cur, "bench_rf_base", "random_forest", "bench_trees_train", "label",
                          '{"deploy": "always", "test_size": 0, "n_estimators": 1, "max_depth": 1, "oob_score": false}')
        rf = maas_train(cur, "bench_rf", "random_forest", "bench_trees_train", "label",
                        '{"deploy": "always", "test_size": 0, "n_estimators": 100, "max_depth": 8}')
        rf_auc = maas_auc(cur, "bench_rf", "bench_trees_test")
        t = time.time()
        sm = RandomForestClassifier(n_estimators=100, max_depth=8, n_jobs=2, random_state=0)
        sm.fit(X, y)
        sk_s = time.time() - t
        sk_auc = roc_auc_score(yt, sm.predict_proba(Xt)[:, 1])
        line("maas_train (train_ms, includes reading 1M rows and the OOB score)", f"{rf:.2f} s")
        line("  fit only", f"{rf - base:.2f} s")
        line("scikit-learn fit on numpy", f"{sk_s:.2f} s")
        line("ratio maas_train / scikit-learn (target <= 1.0)", f"{rf / sk_s:.2f}")
        line("AUC maas / scikit-learn", f"{rf_auc:.4f} / {sk_auc:.4f}")
        add("`random_forest`, 100 trees, depth 8, vs scikit-learn (maas includes the OOB score)",
            f"{rf:.2f} s", f"{sk_s:.2f} s", f"{rf / sk_s:.2f}x (target <= 1.0x)",
            f"{rf_auc:.4f} / {sk_auc:.4f}")
        del sm

    # 3. prediction throughput of the boosted model
    print("\n3. prediction, 100 trees of depth 6")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    s, _ = timed(cur, "SELECT count(*) FROM bench_trees_train t")
    scan = s
    s, _ = timed(cur, "SELECT sum(maas_predict('bench_gb', t)) FROM bench_trees_train t")
    maas_rows = args.rows / s
    cur.execute("RESET max_parallel_workers_per_gather")
    s2, _ = timed(cur, "SELECT sum(maas_predict('bench_gb', t)) FROM bench_trees_train t")
    cols = ", ".join(f"x{i + 1}" for i in range(P))
    s3, _ = timed(cur, f"SELECT sum(maas_predict('bench_gb', ARRAY[{cols}])) FROM bench_trees_train t")
    t = time.time()
    xm.predict_proba(X)
    xgb_pred = time.time() - t
    line("maas_predict(name, row), 1 backend", f"{maas_rows:,.0f} rows/s ({s:.2f} s; count(*) {scan:.2f} s)")
    line("maas_predict(name, row), parallel query", f"{args.rows / s2:,.0f} rows/s ({s2:.2f} s)")
    line("maas_predict(name, float8[]), parallel query", f"{args.rows / s3:,.0f} rows/s ({s3:.2f} s)")
    line("xgboost predict_proba on numpy (nthread=2)", f"{args.rows / xgb_pred:,.0f} rows/s ({xgb_pred:.2f} s)")
    line("ratio xgboost batch / maas row form (1 backend)", f"{(args.rows / xgb_pred) / maas_rows:.2f}")
    add("predict, 100 trees of depth 6, `maas_predict(name, row)`, one backend, vs XGBoost"
        " batch `predict_proba` on numpy", f"{maas_rows:,.0f} rows/s",
        f"{args.rows / xgb_pred:,.0f} rows/s")
    add("the same, parallel query", f"{args.rows / s2:,.0f} rows/s")
    add("the same, `maas_predict(name, float8[])`, parallel query", f"{args.rows / s3:,.0f} rows/s")

    plpy_rows = None
    try:
        path = "/tmp/maas_bench_xgb.json"
        xm.get_booster().save_model(path)
        os.chmod(path, 0o644)
        cur.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
        args_sql = ", ".join(f"x{i + 1} float8" for i in range(P))
        vals = ", ".join(f"x{i + 1}" for i in range(P))
        cur.execute(f"""
CREATE OR REPLACE FUNCTION bench_xgb_predict({args_sql}) RETURNS float8 LANGUAGE plpython3u AS $$
if 'm' not in GD:
    import numpy, xgboost
    b = xgboost.Booster()
    b.load_model('{path}')
    b.set_param({{'nthread': 1}})
    GD['m'] = b
    GD['np'] = numpy
    GD['xgb'] = xgboost
m = GD['m']
x = GD['np'].array([[{vals}]], dtype=float)
return float(m.inplace_predict(x)[0])
$$""")
        cur.execute(f"SELECT bench_xgb_predict({cols}) FROM bench_trees_train LIMIT 1")
        n = args.plpython_rows
        s4, _ = timed(cur, f"SELECT sum(bench_xgb_predict({cols})) FROM (SELECT * FROM bench_trees_train LIMIT {n}) t")
        s5, _ = timed(cur, f"SELECT sum(maas_predict('bench_gb', t)) FROM (SELECT * FROM bench_trees_train LIMIT {n}) t")
        plpy_rows = n / s4
        line(f"PL/Python + xgboost per row ({n} rows)", f"{plpy_rows:,.0f} rows/s")
        line(f"maas_predict(name, row) on the same {n} rows", f"{n / s5:,.0f} rows/s")
        line("ratio maas / PL/Python", f"{(n / s5) / plpy_rows:.1f}")
        add(f"per-row prediction ({n:,} rows) vs PL/Python calling the same XGBoost model per row",
            f"{n / s5:,.0f} rows/s", f"{plpy_rows:,.0f} rows/s",
            f"{(n / s5) / plpy_rows:.0f}x faster")
    except psycopg2.Error as e:
        line("PL/Python", f"not available: {e.pgerror or e}")

    # 4. a real dataset
    print("\n4. real data: wa_churn (7,043 rows, 19 columns -> one-hot)")
    cur.execute("SET client_min_messages = warning")
    load_churn(cur)
    gbw = maas_train(cur, "bench_churn_gb", "gradient_boosting", "wa_churn", "churn",
                     '{"deploy": "always", "test_size": 0, "n_estimators": 100, "max_depth": 6}')
    rfw = maas_train(cur, "bench_churn_rf", "random_forest", "wa_churn", "churn",
                     '{"deploy": "always", "test_size": 0, "n_estimators": 100, "max_depth": 8}')
    import pandas as pd
    df = pd.read_csv(os.path.join(ROOT, "data", "wa_churn.csv"))
    yw = (df["churn"] == "Yes").astype(float).to_numpy()
    Xw = pd.get_dummies(df.drop(columns=["churn"]), dtype=float).to_numpy(dtype=float)
    t = time.time()
    xw = xgboost.XGBClassifier(tree_method="hist", n_estimators=100, max_depth=6, nthread=2).fit(Xw, yw)
    xgbw = time.time() - t
    Xw_imp = np.where(np.isnan(Xw), np.nanmean(Xw, axis=0), Xw)
    t = time.time()
    RandomForestClassifier(n_estimators=100, max_depth=8, n_jobs=2, random_state=0).fit(Xw_imp, yw)
    skw = time.time() - t
    line("gradient_boosting maas_train / xgboost fit", f"{gbw:.3f} s / {xgbw:.3f} s = {gbw / xgbw:.2f}")
    line("random_forest maas_train / scikit-learn fit", f"{rfw:.3f} s / {skw:.3f} s = {rfw / skw:.2f}")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    s, _ = timed(cur, "SELECT sum(maas_predict('bench_churn_gb', w)) FROM wa_churn w, generate_series(1, 100) g")
    Xw100 = np.tile(Xw, (100, 1))
    t = time.time()
    xw.predict_proba(Xw100)
    xp = time.time() - t
    n = 100 * len(df)
    line("maas_predict(name, row), 1 backend, 704,300 rows", f"{n / s:,.0f} rows/s")
    line("xgboost predict_proba on numpy", f"{n / xp:,.0f} rows/s")
    line("ratio xgboost batch / maas", f"{(n / xp) / (n / s):.2f}")
    add("wa_churn (7,043 rows): `gradient_boosting` train vs XGBoost", f"{gbw:.3f} s",
        f"{xgbw:.3f} s", f"{gbw / xgbw:.2f}x")
    add("wa_churn: `random_forest` train vs scikit-learn", f"{rfw:.3f} s", f"{skw:.3f} s",
        f"{rfw / skw:.2f}x")
    add("wa_churn: predict `maas_predict(name, row)`, one backend, vs XGBoost batch",
        f"{n / s:,.0f} rows/s", f"{n / xp:,.0f} rows/s")
    cur.execute("DROP TABLE bench_trees_train, bench_trees_test")
    write_reference(args, threads, started_load, versions)


if __name__ == "__main__":
    main()
