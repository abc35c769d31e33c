#!/usr/bin/python3
"""bench/nb_enet.py: run by bench/nb_enet.sh (which starts the cluster).

Fit time of naive_bayes, lasso and elastic_net in maas against
scikit-learn's GaussianNB, Lasso, ElasticNet and lasso_path on the same
rows, measured in the same run.  maas is timed end to end (maas_train:
read the rows through SQL, fit, score, store; maas_fit: the aggregate over
the table, serial and with 2 parallel workers); scikit-learn fits arrays
already in memory (fetching them is not timed).  The scan limit is
SELECT sum(x1 + ... + x16) over the same table.  Each figure is the median
of BENCH_RUNS runs; a ratio is maas's time over the peer's (below 1: maas
is faster).
"""
import datetime
import os
import platform
import statistics
import subprocess
import time
import warnings

import numpy as np
import psycopg2
import sklearn
from sklearn.linear_model import ElasticNet, Lasso, lasso_path
from sklearn.naive_bayes import GaussianNB

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
X16 = ", ".join("x%d" % j for j in range(1, 17))
warnings.simplefilter("ignore")

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET maas.progress_interval = 0")


def timed(fn):
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def q(sql, *settings):
    def run():
        for s in settings:
            cur.execute(s)
        cur.execute(sql)
        cur.fetchall()
    return run


serial = "SET max_parallel_workers_per_gather = 0"
parallel = ["SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0",
            "SET parallel_tuple_cost = 0"]

cur.execute("SELECT %s, y FROM t" % X16)
a = np.array(cur.fetchall(), dtype=float)
X, y = a[:, :16], a[:, 16]
cur.execute("SELECT %s, label FROM t_cls" % X16)
a = np.array(cur.fetchall(), dtype=float)
Xc, yc = a[:, :16], a[:, 16].astype(int)
del a

scan = timed(q("SELECT sum(%s) FROM t" % X16.replace(", ", " + "), serial))
lasso = dict(alpha=0.01, tol=1e-4, max_iter=1000)
rows = []


def row(what, maas, peer_name, peer):
    rows.append((what, maas, peer_name, peer))
    print("%-58s %7.3f s  %-28s %7.3f s  ratio %5.2f  scan x%5.1f"
          % (what, maas, peer_name, peer, maas / peer, maas / scan), flush=True)


print("rows %d, runs %d, scan limit (sum over t) %.3f s" % (ROWS, RUNS, scan))
gnb = timed(lambda: GaussianNB().fit(Xc, yc))
row("maas_train naive_bayes (t_cls, test_size 0)",
    timed(q("SELECT maas_train('b_nb', 'naive_bayes', 't_cls', 'label', "
            "'{\"test_size\": 0, \"deploy\": \"never\"}')", serial)), "GaussianNB.fit", gnb)
row("maas_fit naive_bayes, serial",
    timed(q("SELECT maas_fit('naive_bayes', ARRAY[%s], label) FROM t_cls" % X16, serial)),
    "GaussianNB.fit", gnb)
row("maas_fit naive_bayes, 2 parallel workers",
    timed(q("SELECT maas_fit('naive_bayes', ARRAY[%s], label) FROM t_cls" % X16, *parallel)),
    "GaussianNB.fit", gnb)
skl_lasso = timed(lambda: Lasso(**lasso).fit(X, y))
row("maas_train lasso alpha 0.01 (t, test_size 0)",
    timed(q("SELECT maas_train('b_lasso', 'lasso', 't', 'y', "
            "'{\"test_size\": 0, \"alpha\": 0.01, \"deploy\": \"never\"}')", serial)),
    "Lasso.fit", skl_lasso)
row("maas_fit lasso, serial",
    timed(q("SELECT maas_fit('lasso', ARRAY[%s], y, '{\"alpha\": 0.01}') FROM t" % X16, serial)),
    "Lasso.fit", skl_lasso)
row("maas_fit lasso, 2 parallel workers",
    timed(q("SELECT maas_fit('lasso', ARRAY[%s], y, '{\"alpha\": 0.01}') FROM t" % X16, *parallel)),
    "Lasso.fit", skl_lasso)
row("maas_train elastic_net alpha 0.01 l1_ratio 0.5",
    timed(q("SELECT maas_train('b_enet', 'elastic_net', 't', 'y', "
            "'{\"test_size\": 0, \"alpha\": 0.01, \"deploy\": \"never\"}')", serial)),
    "ElasticNet.fit", timed(lambda: ElasticNet(alpha=0.01, l1_ratio=0.5).fit(X, y)))


def skl_path():
    xm, ym = X.mean(axis=0), y.mean()
    lasso_path(X - xm, y - ym, n_alphas=100, eps=1e-3)


row("maas_train lasso, path of 100 alphas",
    timed(q("SELECT maas_train('b_path', 'lasso', 't', 'y', "
            "'{\"test_size\": 0, \"path\": true, \"deploy\": \"never\"}')", serial)),
    "lasso_path (centering incl.)", timed(skl_path))

commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip()
md = ["# naive_bayes, lasso, elastic_net against scikit-learn", "",
      "Written by `BENCH_REFERENCE=1 bench/nb_enet.sh` on %s, commit %s, %s, %d CPUs, "
      "load average %.1f at the end, "
      "scikit-learn %s, %d rows x 16 float8 features (bench/setup.sql), median of %d runs. "
      "maas end to end through SQL; scikit-learn on arrays already in memory. "
      "Scan limit: `SELECT sum(x1 + ... + x16) FROM t` = %.3f s."
      % (datetime.date.today(), commit, platform.processor() or platform.machine(),
         os.cpu_count(), os.getloadavg()[0], sklearn.__version__, ROWS, RUNS, scan), "",
      "| maas | s | peer | s | ratio | × scan |", "|---|---:|---|---:|---:|---:|"]
for what, m, pn, p in rows:
    md.append("| %s | %.3f | %s | %.3f | %.2f | %.1f |" % (what, m, pn, p, m / p, m / scan))
open("bench/out/nb_enet.md", "w").write("\n".join(md) + "\n")
if os.environ.get("BENCH_REFERENCE") == "1":
    open("bench/nb_enet_reference.md", "w").write("\n".join(md) + "\n")
