#!/usr/bin/python3
"""maas_drift on N rows (default 1,000,000) of four numbers, a text column
of 20 categories and a date, against the scan limit (one SELECT summing
every one of those columns over the same rows) and against maas_predict
over the same rows (the prediction drift includes one prediction per row).
The model is a linear_regression trained on 100,000 of the rows; the
source is the table shifted (x1 + 0.5), so every bin is filled.

Best of --repeat runs (default 3).  Writes bench/drift_reference.md.
"""
import argparse
import os
import platform
import time

import psycopg2

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=1000000)
ap.add_argument("--repeat", type=int, default=3)
args = ap.parse_args()

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET client_min_messages = warning")
cur.execute("SET maas.progress_interval = 0")
cur.execute("DROP TABLE IF EXISTS bench_drift")
cur.execute("""
CREATE TABLE bench_drift AS
SELECT i AS id, random() AS x1, random() * 10 AS x2, (i %% 1000)::float8 AS x3, sqrt(i)::float8 AS x4,
       'cat' || (i %% 20) AS cat, DATE '2020-01-01' + (i %% 1000) AS day,
       random() * 100 AS y
FROM generate_series(1, %s) i
""", (args.rows,))
cur.execute("VACUUM ANALYZE bench_drift")
cur.execute("""SELECT maas_train('bench_drift', 'linear_regression',
  'SELECT x1, x2, x3, x4, cat, day, y FROM bench_drift WHERE id <= 100000', 'y', '{"test_size": 0}')""")
SOURCE = "SELECT x1 + 0.5 AS x1, x2, x3, x4, cat, day FROM bench_drift"
queries = {
    "scan limit": "SELECT sum(x1 + 0.5 + x2 + x3 + x4 + length(cat) + (day - DATE '2000-01-01')) FROM bench_drift",
    "maas_predict": "SELECT sum(maas_predict('bench_drift', t)) FROM (%s) t" % SOURCE,
    "maas_drift": "SELECT maas_drift('bench_drift', '%s')" % SOURCE.replace("'", "''"),
}
best = {}
for name, q in queries.items():
    cur.execute(q)  # warm the cache and the model
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        cur.execute(q)
        cur.fetchall()
        times.append(time.perf_counter() - t0)
    best[name] = min(times)
    print("%-14s %8.3f s" % (name, best[name]))
scan = best["scan limit"]
lines = [
    "# maas_drift on %s rows" % format(args.rows, ","),
    "",
    "`bench/drift.sh` (best of %d; %s, %d cores, PostgreSQL %s)." % (
        args.repeat, platform.machine(), os.cpu_count(),
        cur.connection.server_version // 10000),
    "Four float8 columns, a text column of 20 categories and a date; the",
    "model is a `linear_regression` trained on 100,000 of the rows.",
    "",
    "| query | seconds | x scan limit |",
    "|---|---:|---:|",
]
for name in queries:
    lines.append("| %s | %.3f | %.2f |" % (name, best[name], best[name] / scan))
lines += ["", "maas_drift / maas_predict over the same rows: %.2f" % (best["maas_drift"] / best["maas_predict"]), ""]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "drift_reference.md"), "w") as f:
    f.write("\n".join(lines))
print("\n".join(lines))
cur.execute("SELECT maas_drop('bench_drift')")
cur.execute("DROP TABLE bench_drift")
