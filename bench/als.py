#!/usr/bin/python3
"""bench/als.sh's measurements (run through it: it sets up the cluster).

1. One ALS iteration, 1M ratings, 64 factors, explicit and implicit: maas
   (maas_train with 3 iterations minus 1 iteration, over 2: loading,
   scoring and storing cancel out) against the numpy reference's iterate()
   plus its loss (test/reference/als_reference.py --bench), the same
   iteration on the same rows, in this run; also the scan limit, SELECT
   sum(rating) over the rows.
2. maas_recommend(name, user, 10) latency over 100,000 items, 64 factors:
   p50 and p99 of BENCH_CALLS calls (one user each, round trip included),
   with and without exclude_seen; and maas_predict(name, user, item).
"""
import os
import statistics
import subprocess
import sys
import time

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CALLS = int(os.environ.get("BENCH_CALLS", "500"))
FACTORS = 64
COPIES = 14

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()


def sql(q, *args):
    cur.execute(q, args)
    return cur.fetchall() if cur.description else None


def timed(q, *args):
    t = time.perf_counter()
    sql(q, *args)
    return time.perf_counter() - t


def setup():
    sql("SET client_min_messages = warning")
    sql("CREATE EXTENSION IF NOT EXISTS maas")
    sql("SET maas.progress_interval = 0")
    sql("DROP TABLE IF EXISTS als_1m, insteval_raw, als_100k")
    sql("CREATE TABLE insteval_raw (student int, lecturer int, rating int)")
    with open(os.path.join(ROOT, "data", "insteval.csv")) as f:
        cur.copy_expert("COPY insteval_raw FROM STDIN (FORMAT csv, HEADER)", f)
    sql("CREATE TABLE als_1m AS SELECT student + 10000 * c AS student, lecturer, rating "
        "FROM insteval_raw, generate_series(0, %d) c" % (COPIES - 1))
    # 100,000 items, each rated by 4 of 20,000 users
    sql("CREATE TABLE als_100k AS SELECT (i * 7919 + k * 104729) %% 20000 AS u, i AS item, "
        "1 + (i * 31 + k * 17) %% 5 AS rating FROM generate_series(0, 99999) i, generate_series(0, 3) k")
    sql("VACUUM ANALYZE als_1m")
    sql("VACUUM ANALYZE als_100k")
    path = os.path.join(ROOT, "bench", "out", "als_1m.csv")
    with open(path, "w") as f:
        cur.copy_expert("COPY als_1m TO STDOUT (FORMAT csv, HEADER)", f)
    return path, sql("SELECT count(*), count(DISTINCT student), count(DISTINCT lecturer) FROM als_1m")[0]


def train_seconds(implicit, iterations):
    params = '{"user": "student", "item": "lecturer", "factors": %d, "iterations": %d, ' \
             '"test_size": 0, "implicit": %s, "regularization": 0.1}' % (
                 FACTORS, iterations, "true" if implicit else "false")
    return timed("SELECT maas_train('bench_als', 'als', 'als_1m', 'rating', %s)", params)


def iteration_maas(implicit):
    per = []
    for _ in range(RUNS):
        t1 = train_seconds(implicit, 1)
        t3 = train_seconds(implicit, 3)
        per.append((t3 - t1) / 2)
    return min(per)


def iteration_numpy(path):
    # one OpenBLAS thread: numpy's many small solves are slower with more
    # (threads spin between calls), and maas's solver threads use one each
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("BENCH_NUMPY_THREADS", "1"))
    out = subprocess.run([sys.executable, os.path.join(ROOT, "test", "reference", "als_reference.py"),
                          "--bench", path, str(FACTORS), str(RUNS)],
                         check=True, capture_output=True, text=True, env=env).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines()}


def percentile(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def latency(q, args_of):
    times = []
    for n in range(CALLS):
        t = time.perf_counter()
        sql(q, *args_of(n))
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), percentile(times, 99)


def main():
    path, (n, users, items) = setup()
    print("1M ratings: %d ratings, %d users, %d items, %d factors, %d runs (best)" % (
        n, users, items, FACTORS, RUNS))
    scan = min(timed("SELECT sum(rating) FROM als_1m") for _ in range(RUNS))
    numpy = iteration_numpy(path)
    rows = []
    for mode in ("explicit", "implicit"):
        m = iteration_maas(mode == "implicit")
        rows.append((mode, m, numpy[mode]))
        print("%-8s one iteration: maas %.3f s, numpy %.3f s, maas/numpy %.3fx; scan limit %.3f s (%.0fx)" % (
            mode, m, numpy[mode], m / numpy[mode], scan, m / scan))

    sql("SELECT maas_train('bench_recs', 'als', 'als_100k', 'rating', "
        "'{\"user\": \"u\", \"item\": \"item\", \"factors\": %d, \"iterations\": 2, \"test_size\": 0}')"
        % FACTORS)
    size = sql("SELECT octet_length(model) FROM maas.models WHERE name = 'bench_recs'")[0][0]
    sql("SELECT * FROM maas_recommend('bench_recs', 1, 10)")   # the backend's model cache
    lat = {}
    for label, q in (("recommend", "SELECT * FROM maas_recommend('bench_recs', %s, 10)"),
                     ("recommend exclude_seen",
                      "SELECT * FROM maas_recommend('bench_recs', %s, 10, true)"),
                     ("predict", "SELECT maas_predict('bench_recs', %s, 12345)")):
        lat[label] = latency(q, lambda n: ((n * 37) % 20000,))
        print("%-23s 100,000 items: p50 %.2f ms, p99 %.2f ms (%d calls, model %.1f MB)" % (
            label, lat[label][0], lat[label][1], CALLS, size / 1e6))

    if os.environ.get("BENCH_REFERENCE") == "1":
        with open(os.path.join(ROOT, "bench", "als_reference.md"), "w") as f:
            f.write("# als: reference figures (bench/als.sh)\n\n")
            f.write("Measured %s on %s; `uptime` after: %s.  numpy %s with OPENBLAS_NUM_THREADS=%s; "
                    "maas with maas.threads = 2 (one BLAS thread each).\n\n" % (
                        time.strftime("%Y-%m-%d"), os.uname().nodename,
                        os.popen("uptime").read().strip(), __import__("numpy").__version__,
                        os.environ.get("BENCH_NUMPY_THREADS", "1")))
            f.write("One ALS iteration (users then items, then the training loss), %d ratings "
                    "(InstEval x %d), %d users, %d items, %d factors, best of %d:\n\n" % (
                        n, COPIES, users, items, FACTORS, RUNS))
            f.write("| mode | maas | numpy reference | maas / numpy | scan limit (sum) |\n|---|---|---|---|---|\n")
            for mode, m, r in rows:
                f.write("| %s | %.3f s | %.3f s | %.3fx | %.3f s |\n" % (mode, m, r, m / r, scan))
            f.write("\nLatency over 100,000 items, %d factors (model %.1f MB), %d calls from psycopg2, "
                    "round trip included:\n\n| call | p50 | p99 |\n|---|---|---|\n" % (
                        FACTORS, size / 1e6, CALLS))
            for label, (p50, p99) in lat.items():
                f.write("| %s | %.2f ms | %.2f ms |\n" % (label, p50, p99))


if __name__ == "__main__":
    main()
