#!/usr/bin/python3
"""SVM benchmark: maas's linear_svm, linear_svr and svm against scikit-learn.

Needs a server with maas installed and PGHOST/PGPORT/PGUSER/PGDATABASE set
(bench/svm.sh starts a throwaway cluster).  Every figure is the median of
--runs runs, maas and scikit-learn alternating in the same run:

  1. linear_svm (defaults: squared hinge, C 1, tol 1e-4) on --rows rows x 16
     features (synthetic, binary), vs Pipeline(StandardScaler(), LinearSVC())
     on the same rows in memory.                      target: maas <= 1.0x
     Also on data/wa_churn.csv (7,043 rows, 45 encoded features).
  2. linear_svr (C 1, epsilon 0) on the same rows (a continuous target) vs
     Pipeline(StandardScaler(), LinearSVR()).
  3. svm, RBF kernel, exact SMO on wa_churn and data/digits.csv vs SVC();
     svm method nystrom (300 landmarks) on --rows rows vs
     Pipeline(StandardScaler(), Nystroem(n_components=300), LinearSVC(loss
     "hinge")).
  4. the scan limit: SELECT sum(x1 + ... + x16) over the --rows rows.

maas times are maas_train's train_ms with test_size 0: reading the table
through SQL, encoding, standardizing, fitting, scoring the training rows and
storing.  Accuracies are on every row (the figure is time, not quality;
sql/svm_quality.sql checks quality against scikit-learn).

Usage: bench/svm.py [--rows N] [--runs R] [--out FILE]
"""
import argparse
import io
import os
import statistics
import sys
import time
import warnings

import numpy as np
import psycopg2
import sklearn
from sklearn.kernel_approximation import Nystroem
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC, LinearSVR

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
import make_reference as mr  # noqa: E402

P = 16


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, P)) * rng.uniform(0.5, 20, P) + rng.uniform(-5, 5, P)
    Z = (X - X.mean(0)) / X.std(0)
    z = Z @ np.linspace(-1, 1, P) + 0.5 * np.sin(Z[:, 0]) + rng.normal(0, 1.0, n)
    return X, (z > 0).astype(float), 10 * z + 50


def load(cur, X, label, value):
    cols = ", ".join(f"x{i + 1} float8" for i in range(P))
    cur.execute("DROP TABLE IF EXISTS bench_svm")
    cur.execute(f"CREATE TABLE bench_svm ({cols}, label boolean, value float8)")
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([X, label, value]), delimiter=",",
               fmt=["%.17g"] * P + ["%d", "%.17g"])
    text = buf.getvalue()
    cur.copy_expert("COPY bench_svm FROM STDIN (FORMAT csv)",
                    io.StringIO(text.replace(",0,", ",false,").replace(",1,", ",true,")))
    cur.execute("VACUUM (FREEZE, ANALYZE) bench_svm")


def maas_ms(cur, name, algorithm, source, target, params):
    cur.execute("SELECT train_ms, (metrics->>'accuracy')::float8, (metrics->>'rmse')::float8 "
                "FROM maas_train(%s, %s, %s, %s, %s)",
                (name, algorithm, source, target, params))
    ms, acc, rmse = cur.fetchone()
    cur.execute("SELECT maas_info(model)->'parameters'->>'iterations' FROM maas.models "
                "WHERE name = %s ORDER BY version DESC LIMIT 1", (name,))
    return float(ms), acc if acc is not None else rmse, cur.fetchone()[0]


def sk_ms(make, X, y, regression=False):
    model = make()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # max_iter reached: so does maas
        model.fit(X, y)
    ms = (time.perf_counter() - start) * 1000
    pred = model.predict(X)
    quality = np.sqrt(np.mean((pred - y) ** 2)) if regression else np.mean(pred == y)
    last = model[-1]
    steps = getattr(last, "n_iter_", None)
    if steps is not None:
        steps = int(np.max(steps))
    return ms, quality, steps


def scan_ms(cur):
    terms = " + ".join(f"x{i + 1}" for i in range(P))
    start = time.perf_counter()
    cur.execute(f"SELECT sum({terms}) FROM bench_svm")
    cur.fetchone()
    return (time.perf_counter() - start) * 1000


def compare(cur, runs, label, maas_args, make, X, y, regression=False):
    m, s = [], []
    mq = sq = mi = si = None
    for _ in range(runs):
        ms, mq, mi = maas_ms(cur, *maas_args)
        m.append(ms)
        ms, sq, si = sk_ms(make, X, y, regression)
        s.append(ms)
    mm, sm = statistics.median(m), statistics.median(s)
    row = (label, mm, sm, mm / sm, mq, sq, "%s / %s" % (mi, si))
    print("%-42s maas %9.1f ms  sklearn %9.1f ms  ratio %5.2fx  quality %.4f / %.4f  "
          "iterations %s" % row, flush=True)
    return row


def encoded(table, target):
    e = mr.encode(table, target)
    return e.X, mr.classes_of(e)[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS maas")
    cur.execute("SET maas.progress_interval = 0")
    cur.execute("SET client_min_messages = warning")
    cur.execute("SET maas.max_memory = '2GB'")
    cur.execute(open(os.path.join(ROOT, "data", "schema.sql")).read())
    cur.execute("SELECT count(*) FROM wa_churn")
    if cur.fetchone()[0] == 0:
        cur.execute("TRUNCATE wa_churn, digits")
        for t in ("wa_churn", "digits"):
            with open(os.path.join(ROOT, "data", t + ".csv")) as f:
                cur.copy_expert(f"COPY {t} FROM STDIN (FORMAT csv, HEADER)", f)

    X, label, value = make_data(args.rows, 1)
    load(cur, X, label, value)
    churn_X, churn_y = encoded("wa_churn", "churn")
    digits_X, digits_y = encoded("digits", "digit")
    n = args.rows
    rows = []
    p0 = '{"test_size": 0, "deploy": "always"}'
    rows.append(compare(cur, args.runs, f"linear_svm, {n} rows x 16",
                        ("b_lsvm", "linear_svm", "bench_svm", "label",
                         '{"test_size": 0, "deploy": "always", "features": [%s]}'
                         % ", ".join(f'"x{i + 1}"' for i in range(P))),
                        lambda: make_pipeline(StandardScaler(), LinearSVC()), X, label))
    rows.append(compare(cur, args.runs, "linear_svm, wa_churn (7,043 x 45)",
                        ("b_lsvm_churn", "linear_svm", "wa_churn", "churn", p0),
                        lambda: make_pipeline(StandardScaler(), LinearSVC()), churn_X, churn_y))
    rows.append(compare(cur, args.runs, f"linear_svr, {n} rows x 16",
                        ("b_lsvr", "linear_svr", "bench_svm", "value",
                         '{"test_size": 0, "deploy": "always", "features": [%s]}'
                         % ", ".join(f'"x{i + 1}"' for i in range(P))),
                        lambda: make_pipeline(StandardScaler(), LinearSVR()), X, value, True))
    rows.append(compare(cur, args.runs, "svm exact, wa_churn (7,043 x 45)",
                        ("b_svm_churn", "svm", "wa_churn", "churn", p0),
                        lambda: make_pipeline(StandardScaler(), SVC()), churn_X, churn_y))
    rows.append(compare(cur, args.runs, "svm exact, digits (1,797 x 64, 10 classes)",
                        ("b_svm_digits", "svm", "digits", "digit", p0),
                        lambda: make_pipeline(StandardScaler(), SVC()), digits_X, digits_y))
    rows.append(compare(cur, args.runs, f"svm nystrom 300, {n} rows x 16",
                        ("b_svm_ny", "svm", "bench_svm", "label",
                         '{"test_size": 0, "deploy": "always", "method": "nystrom", "features": [%s]}'
                         % ", ".join(f'"x{i + 1}"' for i in range(P))),
                        lambda: make_pipeline(StandardScaler(), Nystroem(n_components=300, random_state=0),
                                              LinearSVC(loss="hinge")), X, label))
    scans = [scan_ms(cur) for _ in range(args.runs)]
    scan = statistics.median(scans)
    print("%-42s %9.1f ms" % ("scan limit, sum(x1 + ... + x16)", scan))

    if args.out:
        with open(args.out, "w") as f:
            f.write("# SVM benchmark (bench/svm.sh)\n\n")
            f.write("`bench/svm.sh --rows %d --runs %d` on %s; scikit-learn %s, "
                    "numpy %s; median of %d runs, maas and scikit-learn alternating.\n"
                    "maas: maas_train's train_ms (reading the table through SQL, "
                    "encoding, fitting, scoring, storing); scikit-learn: fit on the "
                    "rows in memory, Pipeline(StandardScaler(), ...).  Quality on the "
                    "training rows (accuracy; linear_svr: RMSE).\n\n"
                    % (n, args.runs, time.strftime("%Y-%m-%d"), sklearn.__version__,
                       np.__version__, args.runs))
            f.write("| benchmark | maas ms | scikit-learn ms | maas / sklearn | maas quality "
                    "| sklearn quality | iterations maas / sklearn |\n")
            f.write("|---|---:|---:|---:|---:|---:|---:|\n")
            for r in rows:
                f.write("| %s | %.1f | %.1f | %.2fx | %.4f | %.4f | %s |\n" % r)
            f.write("\nIterations: passes over the rows of the linear solvers (the most "
                    "of any weight vector; both stop at max_iter 1000 at most), SMO steps "
                    "of the kernel SVMs (maas: summed over the pairs; scikit-learn: the "
                    "most of any pair).\n")
            f.write("\nScan limit, `SELECT sum(x1 + ... + x16)` over the %d rows: %.1f ms "
                    "(linear_svm is %.1fx the scan).\n" % (n, scan, rows[0][1] / scan))


if __name__ == "__main__":
    main()
