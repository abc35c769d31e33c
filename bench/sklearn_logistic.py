#!/usr/bin/python3
"""bench/sklearn_logistic.py: scikit-learn's side of benchmark 5.

A separate process that loads the rows of t_cls once with psycopg2 into
numpy (the same 80/20 split maas gets: id % 5 = 0 is held out), then answers
one command per line on stdin, so the driver can alternate it with maas_train:

    fit   -> fits StandardScaler + LogisticRegression(solver='lbfgs') on the
             training rows, timing only the pipeline's fit (wall and process
             CPU time); prints one JSON line {"ms", "cpu_ms", "n_iter",
             "accuracy", "tol", "C", "loss", "grad", ...}
    quit  -> exits

"loss" and "grad" are the objective and the largest gradient component at
sklearn's solution on maas's scale (mean log-loss + ||w||^2 / (2 C n), in
standardized space), so the two solvers' stopping points can be compared.

Threads: as many as BENCH_SKLEARN_THREADS (default 1, like a maas backend).
"""
import io
import json
import os
import sys
import time

threads = os.environ.get("BENCH_SKLEARN_THREADS", "1")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg2  # noqa: E402
import sklearn  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

FEATURES = ", ".join("x%d" % j for j in range(1, 17))


def load(cur, where):
    """Rows as numpy in table order (what maas_train reads), through COPY CSV:
    float8 text is the shortest exact representation, and pandas'
    round_trip parser reads it back exactly."""
    buf = io.StringIO()
    cur.copy_expert("COPY (SELECT %s, label FROM t_cls WHERE %s) TO STDOUT"
                    " (FORMAT csv)" % (FEATURES, where), buf)
    buf.seek(0)
    data = pd.read_csv(buf, header=None, dtype=np.float64,
                       float_precision="round_trip").to_numpy()
    return np.ascontiguousarray(data[:, :-1]), data[:, -1].copy()


def stopping_point(pipe, X, y):
    """Objective and largest gradient component on maas's scale."""
    lr = pipe[-1]
    Xs = pipe[0].transform(X)
    w = lr.coef_[0]
    b = lr.intercept_[0]
    n = len(y)
    z = Xs @ w + b
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z) + w @ w / (2 * lr.C * n))
    r = 1.0 / (1.0 + np.exp(-z)) - y
    g = np.concatenate([Xs.T @ r / n + w / (lr.C * n), [r.mean()]])
    return loss, float(np.max(np.abs(g)))


def main():
    t0 = time.perf_counter()
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("SET synchronize_seqscans = off")
    Xtr, ytr = load(cur, "id % 5 <> 0")
    Xte, yte = load(cur, "id % 5 = 0")
    conn.close()
    print(json.dumps({"ready": True, "n_train": len(ytr), "n_test": len(yte),
                      "load_ms": (time.perf_counter() - t0) * 1000,
                      "sklearn": sklearn.__version__, "threads": int(threads)}),
          flush=True)
    point = None
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd != "fit":
            print(json.dumps({"error": "unknown command %r" % cmd}), flush=True)
            continue
        with threadpool_limits(limits=int(threads)):
            pipe = make_pipeline(StandardScaler(), LogisticRegression(solver="lbfgs"))
            t, c = time.perf_counter(), time.process_time()
            pipe.fit(Xtr, ytr)
            ms = (time.perf_counter() - t) * 1000
            cpu_ms = (time.process_time() - c) * 1000
        lr = pipe[-1]
        if point is None:
            point = stopping_point(pipe, Xtr, ytr)
        print(json.dumps({"ms": ms, "cpu_ms": cpu_ms, "n_iter": int(lr.n_iter_[0]),
                          "accuracy": float(pipe.score(Xte, yte)),
                          "tol": lr.tol, "C": lr.C, "max_iter": lr.max_iter,
                          "loss": point[0], "grad": point[1]}), flush=True)


if __name__ == "__main__":
    main()
