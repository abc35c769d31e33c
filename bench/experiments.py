#!/usr/bin/python3
"""What a canary or a shadow costs per predicted row (bench/experiments.sh).

One table of BENCH_ROWS rows (a customer key, 8 features), a linear
regression (version 1, live) and a logistic regression trained on the same
rows (versions of two models: 'bx_value' regressions, 'bx_class'
classifiers).  Timed, median of BENCH_RUNS runs, in one session:
  scan         SELECT sum(x1)                              (the scan limit)
  live         sum(maas_predict(name, t)), no experiment
  canary_row   traffic 0.1, routed by a hash of the row's features
  canary_key   traffic 0.1, key customer
  shadow       every row scored by both versions
Writes bench/experiments_reference.md with BENCH_REFERENCE=1.
"""
import os
import statistics
import sys
import time

import psycopg2

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def timed(cur, sql):
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        cur.execute(sql)
        cur.fetchall()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET max_parallel_workers_per_gather = 0")
    cur.execute("SET jit = off")
    cur.execute("DROP TABLE IF EXISTS bx")
    cur.execute(f"""CREATE TABLE bx AS SELECT i AS customer,
        random() x1, random() x2, random() x3, random() x4,
        random() x5, random() x6, random() x7, random() x8
        FROM generate_series(1, {ROWS}) i""")
    cur.execute("ALTER TABLE bx ADD COLUMN y float8")
    cur.execute("UPDATE bx SET y = x1 + 2 * x2 - x3 + random() * 0.1")
    cur.execute("VACUUM ANALYZE bx")
    cur.execute("SELECT pg_prewarm('bx')") if has_prewarm(cur) else None
    train = "SELECT x1, x2, x3, x4, x5, x6, x7, x8, y FROM bx LIMIT 20000"
    for name, algo, target, extra in (
            ("bx_value", "linear_regression", "y", ""),
            ("bx_class", "logistic_regression", "y > 1.0", "")):
        cur.execute("SELECT maas_drop(name) FROM maas.names WHERE name = %s", (name,))
        src = train.replace("y FROM", f"({target}) AS t FROM")
        cur.execute("SELECT version FROM maas_train(%s, %s, %s, 't')", (name, algo, src))
        cur.execute("""SELECT version FROM maas_train(%s, %s, %s, 't',
                       '{"deploy": "never"}')""", (name, algo, src.replace("LIMIT 20000", "OFFSET 20000 LIMIT 20000")))
    rows = []
    for name, fn in (("bx_value", "maas_predict"), ("bx_class", "maas_predict_class")):
        agg = "sum" if fn == "maas_predict" else "count"
        q = f"SELECT {agg}({fn}('{name}', t)) FROM bx t"
        scan = timed(cur, "SELECT sum(x1) FROM bx")
        cur.execute("SELECT maas_rollback(%s) FROM maas.experiments WHERE name = %s AND ended_at IS NULL", (name, name))
        live = timed(cur, q)
        res = {"scan": scan, "live": live}
        for label, opts in (("canary_row", '{"traffic": 0.1}'),
                            ("canary_key", '{"traffic": 0.1, "key": "customer"}'),
                            ("shadow", '{"shadow": true}')):
            cur.execute("SELECT maas_deploy(%s, 2, %s)", (name, opts))
            res[label] = timed(cur, q)
        cur.execute("SELECT maas_rollback(%s)", (name,))
        rows.append((name, fn, res))
    lines = [f"# Canary and shadow: cost per predicted row ({ROWS} rows, median of {RUNS} runs)", "",
             "| model | function | scan ms | live ms | canary per row | canary by key | shadow |",
             "|---|---|---|---|---|---|---|"]
    for name, fn, r in rows:
        cells = [f"{r[k] * 1000:.0f} ms ({r[k] / r['live']:.2f}x live)" for k in ("canary_row", "canary_key", "shadow")]
        lines.append(f"| {name} | {fn} | {r['scan'] * 1000:.0f} | {r['live'] * 1000:.0f} ({r['live'] / r['scan']:.1f}x scan) | "
                     + " | ".join(cells) + " |")
    out = "\n".join(lines) + "\n"
    print(out)
    if os.environ.get("BENCH_REFERENCE") == "1":
        with open(os.path.join(os.path.dirname(__file__), "experiments_reference.md"), "w") as f:
            f.write(out)


def has_prewarm(cur):
    cur.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_prewarm'")
    if cur.fetchone()[0]:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
