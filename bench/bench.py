#!/usr/bin/python3
"""bench/bench.py: the maas benchmarks (run by bench/run.sh, which builds,
starts a cluster and loads bench/setup.sql and bench/plpython.sql first).

Every figure compares queries timed on the client (psycopg2, wall clock of
execute + fetch; every query returns one row): one warm-up run of each, then
BENCH_RUNS (default 5) rounds that run each compared query once, in the same
order (A B A B ...), so a slow spell of a shared machine hits both.  A figure
is the median of its runs; its ratio is median / median of the baseline
(the paired ratio, the median of the per-round ratios, is printed too).

Sessions: serial plans (max_parallel_workers_per_gather = 0) unless stated,
jit off (BENCH_JIT=on to keep it), synchronize_seqscans off (every scan reads
the table in the same order, so sums compare exactly), maas.blas_threads 1.

Output: a report on stdout, bench/out/summary.md (the summary table) and
bench/out/results.json (every run's time); after a full run (1M rows, every
benchmark, >= 5 runs, no failed check; BENCH_REFERENCE=1/0 forces either
way) also its section of bench/reference.md, the published figures.
Timing never fails the run; a failed correctness check (a plan that lacks
the rewrite, predictions that disagree with the SQL formula) is listed at
the end and exits 1.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import psycopg2

import reference

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
JIT = os.environ.get("BENCH_JIT", "off")
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
TIMEOUT = os.environ.get("BENCH_TIMEOUT", "600s")	# any one statement

COLS = ["x%d" % j for j in range(1, 17)]
X = ", ".join(COLS)
ARR = "ARRAY[%s]" % X
CLS_SOURCE = "SELECT %s, label FROM t_cls" % X

failures = []		# correctness checks that failed
summary = []		# rows of the summary table
results = {"rows": ROWS, "runs": RUNS, "jit": JIT, "figures": {}}


def out(line=""):
    print(line, flush=True)


def check(ok, what):
    out("   check: %s ... %s" % (what, "ok" if ok else "FAILED"))
    if not ok:
        failures.append(what)


def loadavg():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "?"


def connect(**gucs):
    conn = psycopg2.connect("")
    conn.autocommit = True
    settings = {
        "max_parallel_workers_per_gather": "0",
        "jit": JIT,
        "synchronize_seqscans": "off",
        "maas.progress_interval": "0",
        "maas.blas_threads": "1",
        "client_min_messages": "warning",
        "statement_timeout": TIMEOUT,
    }
    settings.update(gucs)
    cur = conn.cursor()
    for k, v in settings.items():
        cur.execute("SELECT set_config(%s, %s, false)", (k, v))
    return conn


def schedstat(pid):
    """(ns on a CPU, ns waiting for one) of a process, from the kernel's
    scheduler statistics; None where they cannot be read."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            run, wait = f.read().split()[:2]
        return int(run), int(wait)
    except (OSError, ValueError):
        return None


def one(conn, sql, params=None):
    cur = conn.cursor()
    cur.execute(sql, params)
    return cur.fetchone()[0]


def lines(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return "\n".join(r[0] for r in cur.fetchall())


class Query:
    """One compared query: SQL on a connection, or any callable that returns
    (ms, value) for the peers outside the server."""

    def __init__(self, key, label, conn=None, sql=None, params=None, run=None,
                 warmup=None, cpu=True):
        self.key, self.label = key, label
        self.conn, self.sql, self.params = conn, sql, params
        self.run_fn = run
        self.warmup_fn = warmup
        self.use_cpu = cpu		# False for parallel plans: the leader's CPU is not the work
        self.times = []
        self.cpu = []			# the backend's CPU ms, None where unknown
        self.waits = []			# ms the backend waited for a CPU (other load)
        self.values = []

    def run(self):
        """(wall ms, CPU ms or None, wait ms or None, value)"""
        if self.run_fn is not None:
            return self.run_fn()
        cur = self.conn.cursor()
        s0 = schedstat(self.conn.get_backend_pid())
        t0 = time.perf_counter()
        cur.execute(self.sql, self.params)
        row = cur.fetchone()
        ms = (time.perf_counter() - t0) * 1000
        s1 = schedstat(self.conn.get_backend_pid())
        cpu = wait = None
        if s0 and s1:
            cpu, wait = (s1[0] - s0[0]) / 1e6, (s1[1] - s0[1]) / 1e6
        return ms, cpu, wait, row[0] if row else None

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def cpu_median(self):
        if not self.use_cpu or not self.cpu or None in self.cpu:
            return None
        return statistics.median(self.cpu)


def compare(figure, queries):
    """Warm up each query once, then RUNS alternating rounds."""
    for q in queries:
        if q.warmup_fn is not None:
            q.warmup_fn()
        else:
            q.run()
    for _ in range(RUNS):
        for q in queries:
            ms, cpu, wait, value = q.run()
            q.times.append(ms)
            q.cpu.append(cpu)
            q.waits.append(wait)
            q.values.append(value)
    results["figures"][figure] = {
        q.key: {"label": q.label, "sql": q.sql, "ms": q.times, "median_ms": q.median,
                "cpu_ms": q.cpu, "cpu_median_ms": q.cpu_median, "cpu_wait_ms": q.waits}
        for q in queries}
    return queries


def paired(a, b):
    return statistics.median(x / y for x, y in zip(a.times, b.times))


def cpu_ratio(q, base):
    if q.cpu_median is None or base.cpu_median is None:
        return None
    return q.cpu_median / base.cpu_median


def report(q, base=None, target=None, note=""):
    """Two lines: wall median, spread and ratio to base; then the backend's
    CPU time and its ratio, and how long it waited for a CPU."""
    spread = "%.0f-%.0f" % (min(q.times), max(q.times))
    line = "   %-52s %9.1f ms [%s]" % (q.label, q.median, spread)
    ratio = None
    if base is not None:
        ratio = q.median / base.median
        line += " %6.2fx (paired %.2fx)" % (ratio, paired(q, base))
        if target is not None:
            line += "  target <= %.1fx: %s" % (target, "ok" if ratio <= target else "OVER")
    out(line + note)
    if q.cpu_median is not None:
        waits = [w for w in q.waits if w is not None]
        line = "   %-52s %9.1f ms cpu" % ("", q.cpu_median)
        if waits:
            line += ", waited %.0f ms for a CPU" % statistics.median(waits)
        if base is not None and cpu_ratio(q, base) is not None:
            line += "  cpu %.2fx" % cpu_ratio(q, base)
        out(line)
    return ratio


def add_summary(what, q, base, target=None, base_name=None):
    ratio = q.median / base.median
    summary.append((what, q.median, base_name or base.label, base.median, ratio,
                    cpu_ratio(q, base),
                    ("<= %.1fx" % target) if target else "",
                    ("ok" if ratio <= target else "over") if target else ""))


def prewarm(conn, rel):
    """Load rel into shared_buffers and check that every page is there."""
    one(conn, "SELECT pg_prewarm(%s)", (rel,))
    pages = one(conn, "SELECT pg_relation_size(%s) / current_setting('block_size')::int",
                (rel,))
    cached = one(conn, """SELECT count(*) FROM pg_buffercache
                          WHERE relfilenode = pg_relation_filenode(%s) AND relforknumber = 0
                            AND reldatabase = (SELECT oid FROM pg_database
                                               WHERE datname = current_database())""",
                 (rel,))
    out("   %s: %d of %d pages in shared_buffers" % (rel, cached, pages))
    check(cached >= pages, "%s fits in shared_buffers" % rel)


def header(title):
    out()
    out("== %s" % title)
    out("   load average %s" % loadavg())


# 1. prediction ------------------------------------------------------------

def bench_predict(serial):
    header("1. prediction: %d rows x 16 float8, serial" % ROWS)
    prewarm(serial, "t")
    one(serial, "SELECT version FROM maas_train('m', 'linear_regression', 't', 'y')")
    version = one(serial, "SELECT version FROM maas.deployed WHERE name = 'm'")
    info = one(serial, "SELECT maas_info('m')->'parameters'")
    coef = info["coefficients"]
    formula = repr(float(info["intercept"])) + "".join(
        " + (%r)*%s" % (float(coef[c]), c) for c in COLS)
    model = bytes(one(serial, "SELECT model FROM maas.models WHERE name = 'm' AND version = %s",
                      (version,)))
    out("   model m version %d: %d bytes, coefficients from maas_info written as literals"
        % (version, len(model)))

    plan = lines(serial, "EXPLAIN VERBOSE SELECT sum(maas_predict('m', t)) FROM t")
    check("maas_predict_columns" in plan,
          "EXPLAIN VERBOSE of the row form shows the maas_predict_columns rewrite")
    check("Gather" not in plan, "the plan is serial")

    generic = connect(plan_cache_mode="force_generic_plan")
    generic.cursor().execute("PREPARE pb(bytea) AS SELECT sum(maas_predict($1, %s)) FROM t"
                             % ARR)
    plan = lines(generic, "EXPLAIN VERBOSE EXECUTE pb(NULL)")
    check("$1" in plan, "the inline-bytes statement's generic plan passes the model as $1")
    # the bytes as a constant in a CTE (inlined: the plan holds a Const), and
    # joined from maas.models (a column value on every row, not a constant)
    cte = "WITH mm AS (SELECT %%s::bytea AS model) SELECT sum(maas_predict(mm.model, %s)) " \
          "FROM t, mm" % ARR
    join = ("SELECT sum(maas_predict(mm.model, %s)) FROM t, maas.models mm "
            "WHERE mm.name = 'm' AND mm.version = %d" % (ARR, version))
    plan = lines(serial, "EXPLAIN VERBOSE " + cte % "'\\x00'")
    check("Nested Loop" not in plan, "the CTE's bytes are folded into the scan as a constant")
    plan = lines(serial, "EXPLAIN " + join)
    check("Nested Loop" in plan, "the maas.models join is a nested loop over t")

    base = Query("formula", "scan limit: sum(b0 + b1*x1 + ... + b16*x16)", serial,
                 "SELECT sum(%s) FROM t" % formula)
    row = Query("row", "maas_predict('m', t)", serial,
                "SELECT sum(maas_predict('m', t)) FROM t")
    arr = Query("array", "maas_predict('m', ARRAY[x1..x16])", serial,
                "SELECT sum(maas_predict('m', %s)) FROM t" % ARR)
    param = Query("bytes_param", "maas_predict($1 bytea, ARRAY[...]) bound param", generic,
                  "EXECUTE pb(%s)", (psycopg2.Binary(model),))
    const = Query("bytes_cte", "maas_predict(bytea, ARRAY[...]) CTE constant", serial, cte,
                  (psycopg2.Binary(model),))
    joined = Query("bytes_join", "maas_predict(bytea, ARRAY[...]) maas.models join", serial,
                   join)
    compare("predict", [base, row, arr, param, const, joined])

    report(base)
    report(row, base, 1.5)
    report(arr, base, 1.5)
    report(param, base, 1.5)
    report(const, base, 1.5)
    report(joined, base, 1.5)
    expect = base.values[0]
    for q in (row, arr, param, const, joined):
        check(abs(q.values[0] - expect) <= 1e-9 * abs(expect),
              "%s sums to the formula's %.10g (got %.10g)" % (q.label, expect, q.values[0]))
    add_summary("predict, row form `maas_predict('m', t)`", row, base, 1.5, "SQL formula")
    add_summary("predict, `maas_predict('m', ARRAY[x1..x16])`", arr, base, 1.5, "SQL formula")
    add_summary("predict, inline bytes as a bound parameter", param, base, 1.5, "SQL formula")
    add_summary("predict, inline bytes as a CTE constant", const, base, 1.5, "SQL formula")
    add_summary("predict, inline bytes joined from `maas.models`", joined, base, 1.5,
                "SQL formula")
    generic.close()


# 2. maas_train linear ------------------------------------------------------

def bench_train(serial):
    header("2. maas_train linear_regression: %d rows x 16 float8, serial" % ROWS)
    prewarm(serial, "t")
    base = Query("scan", "scan limit: sum(x1 + ... + x16)", serial,
                 "SELECT sum(%s) FROM t" % " + ".join(COLS))
    train = Query("train", "maas_train('m', 'linear_regression', 't', 'y')", serial,
                  "SELECT train_ms FROM maas_train('m', 'linear_regression', 't', 'y')")
    compare("train_linear", [base, train])
    report(base)
    report(train, base, 2.0, "  (train_ms inside: %.0f)" % statistics.median(train.values))
    add_summary("`maas_train` linear_regression (read, split, fit, score, store)", train,
                base, 2.0, "sum(x1+...+x16)")


# 3. maas_fit ----------------------------------------------------------------

def bench_fit(serial):
    header("3. maas_fit linear_regression aggregate: %d rows x 16 float8" % ROWS)
    prewarm(serial, "t")
    par = connect(max_parallel_workers_per_gather="2", parallel_setup_cost="0",
                  parallel_tuple_cost="0", min_parallel_table_scan_size="0")
    fit_sql = "SELECT maas_fit('linear_regression', %s, y) FROM t" % ARR
    base_sql = "SELECT sum(array_length(%s, 1)) FROM t" % ARR
    plan = lines(par, "EXPLAIN " + fit_sql)
    check("Partial Aggregate" in plan and "Workers Planned: 2" in plan,
          "EXPLAIN of the parallel maas_fit shows Partial Aggregate with 2 workers")
    plan = lines(par, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + fit_sql)
    launched = [ln.strip() for ln in plan.splitlines() if "Workers Launched" in ln]
    out("   parallel plan: %s" % (launched[0] if launched else "no workers"))
    check(bool(launched) and launched[0].endswith("2"), "2 parallel workers launched")
    check("Gather" not in lines(serial, "EXPLAIN " + fit_sql), "the serial plan is serial")

    base = Query("scan", "scan limit: sum(array_length(ARRAY[x1..x16], 1))", serial, base_sql)
    fit = Query("fit", "maas_fit('linear_regression', ARRAY[...], y)", serial, fit_sql)
    pfit = Query("fit_parallel", "maas_fit, parallel: 2 workers + leader", par, fit_sql,
                 cpu=False)
    pbase = Query("scan_parallel", "scan limit, parallel: 2 workers + leader", par, base_sql,
                  cpu=False)
    compare("fit", [base, fit, pfit, pbase])
    report(base)
    report(fit, base, 1.3)
    report(pbase)
    report(pfit, fit, None, "  of serial maas_fit; %.2fx of the parallel scan"
           % (pfit.median / pbase.median))

    coef = [one(serial, "SELECT maas_info(%s::bytea)->'parameters'->'coefficients'",
                (psycopg2.Binary(bytes(q.values[0])),)) for q in (fit, pfit)]
    worst = max(abs(coef[0][c] - coef[1][c]) / max(abs(coef[0][c]), 1e-12) for c in coef[0])
    check(worst < 1e-9, "serial and parallel maas_fit agree (largest relative difference %.1e)"
          % worst)
    add_summary("`maas_fit` aggregate, serial", fit, base, 1.3, "sum(array_length(ARRAY[..]))")
    add_summary("`maas_fit` aggregate, parallel (2 workers) vs serial maas_fit", pfit, fit,
                None, "serial maas_fit")
    par.close()


# 4. PL/Python + scikit-learn in the server --------------------------------

def bench_plpython(serial):
    header("4. PL/Python + scikit-learn inside the server: %d rows" % ROWS)
    prewarm(serial, "t")
    prewarm(serial, "t_cls")
    feats = "ARRAY[%s]" % ", ".join("'%s'" % c for c in COLS)

    mt = Query("maas_linear", "maas_train('m', 'linear_regression', 't', 'y')", serial,
               "SELECT metrics->>'r2' FROM maas_train('m', 'linear_regression', 't', 'y')")
    pt = Query("py_linear", "py_train LinearRegression", serial,
               "SELECT py_train('py_m', 'SELECT * FROM t', %s, 'y', 'linear')" % feats)
    mc = Query("maas_logistic", "maas_train('mc', 'logistic_regression', ...)", serial,
               "SELECT metrics->>'accuracy' FROM maas_train('mc', 'logistic_regression', "
               "'%s', 'label')" % CLS_SOURCE)
    pc = Query("py_logistic", "py_train StandardScaler+LogisticRegression(lbfgs)", serial,
               "SELECT py_train('py_c', %s, %s, 'label', 'logistic')"
               % ("'" + CLS_SOURCE + "'", feats))
    compare("plpython_train", [mt, pt, mc, pc])
    out("   training (read the rows, 80/20 split, fit, score, store):")
    report(pt)
    report(mt, pt, None, "  maas/PL/Python; PL/Python %.1fx slower" % (pt.median / mt.median))
    report(pc)
    report(mc, pc, None, "  maas/PL/Python; PL/Python %.1fx slower" % (pc.median / mc.median))
    py_lin, py_log = pt.values[-1], pc.values[-1]
    out("   held-out r2: maas %.4f, PL/Python %.4f; accuracy: maas %.4f, PL/Python %.4f"
        % (float(mt.values[-1]), py_lin["score"], float(mc.values[-1]), py_log["score"]))
    out("   PL/Python time split: linear read %.0f ms + fit %.0f ms, logistic read %.0f ms"
        " + fit %.0f ms" % (py_lin["read_ms"], py_lin["fit_ms"], py_log["read_ms"],
                            py_log["fit_ms"]))

    # per-row prediction; the sklearn predict takes ~50 us a row, so its
    # warm-up (which only loads the model into SD) reads 10,000 rows
    mp = Query("maas_predict", "maas_predict('m', ARRAY[x1..x16])", serial,
               "SELECT sum(maas_predict('m', %s)) FROM t" % ARR)
    pp = Query("py_predict", "py_predict: sklearn model.predict per row", serial,
               "SELECT sum(py_predict('py_m', %s)) FROM t" % ARR)
    pp.warmup_fn = lambda: one(serial, "SELECT sum(py_predict('py_m', %s)) FROM "
                               "(SELECT * FROM t LIMIT 10000) s" % ARR)
    pd = Query("py_predict_dot", "py_predict_dot: cached coef, numpy dot per row", serial,
               "SELECT sum(py_predict_dot('py_m', %s)) FROM t" % ARR)
    compare("plpython_predict", [mp, pp, pd])
    out("   per-row prediction, sum over %d rows:" % ROWS)
    report(pp)
    report(pd)
    report(mp, pp, None, "  maas/PL/Python; PL/Python %.1fx slower" % (pp.median / mp.median))
    out("   %-52s %21s  %6.2fx  PL/Python dot %.1fx slower" %
        ("maas_predict vs py_predict_dot", "", mp.median / pd.median, pd.median / mp.median))
    check(abs(pp.values[0] - pd.values[0]) <= 1e-9 * abs(pd.values[0]),
          "py_predict and py_predict_dot agree")
    add_summary("`maas_train` linear vs PL/Python sklearn LinearRegression", mt, pt, None,
                "PL/Python")
    add_summary("`maas_train` logistic vs PL/Python sklearn LogisticRegression", mc, pc, None,
                "PL/Python")
    add_summary("`maas_predict` per row vs PL/Python sklearn `predict`", mp, pp, None,
                "PL/Python")
    add_summary("`maas_predict` per row vs PL/Python numpy dot", mp, pd, None,
                "PL/Python dot")


# 5. logistic regression against scikit-learn ------------------------------

def bench_logistic(serial):
    header("5. logistic_regression: maas_train against scikit-learn in its own process")
    prewarm(serial, "t_cls")
    train_src = CLS_SOURCE + " WHERE id % 5 <> 0"
    test_src = CLS_SOURCE + " WHERE id % 5 = 0"
    n_train = one(serial, "SELECT count(*) FROM t_cls WHERE id % 5 <> 0")

    worker = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "sklearn_logistic.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    ready = json.loads(worker.stdout.readline())
    out("   scikit-learn %s, %d thread(s): %d training and %d held-out rows loaded in %.0f ms"
        " (not timed)" % (ready["sklearn"], ready["threads"], ready["n_train"],
                          ready["n_test"], ready["load_ms"]))
    check(ready["n_train"] == n_train, "both sides train on the same %d rows" % n_train)
    last = {}

    def sk_fit():
        worker.stdin.write("fit\n")
        worker.stdin.flush()
        r = json.loads(worker.stdout.readline())
        last.update(r)
        return r["ms"], r["cpu_ms"], None, r

    def maas_train(name, label, params):
        sql = "SELECT train_ms FROM maas_train(%s, 'logistic_regression', %s, 'label', %s)"
        return Query(name, label, serial, sql, (name, train_src, json.dumps(params)))

    # Where sklearn stops.  Its lbfgs (1.2) minimizes sum(loss) + ||w||^2 / (2C)
    # through scipy's L-BFGS-B, which stops when max |projected gradient| <=
    # gtol = tol (1e-4) or when the objective's relative decrease is <= ftol
    # (2.2e-9, scipy's default).  maas minimizes the same objective divided by
    # n and stops when max |gradient| <= tol, or when the loss stops changing
    # beyond rounding; it has no ftol.  So sklearn's gtol is tol / n on maas's
    # scale, and its ftol is matched, as well as maas allows, by stopping at
    # the gradient sklearn actually reached.
    sk_fit()
    check(last["tol"] == 1e-4, "sklearn's default tol is 1e-4")
    gtol = last["tol"] / n_train
    reached = last["grad"]
    base_params = {"test_size": 0, "deploy": "always"}
    sk = Query("sklearn", "sklearn StandardScaler+LogisticRegression fit", run=sk_fit)
    lr = maas_train("lr", "maas_train logistic_regression, tol 1e-6", base_params)
    lr_g = maas_train("lr_gtol", "maas_train logistic_regression, tol %.3g" % gtol,
                      dict(base_params, tol=gtol))
    lr_r = maas_train("lr_reached", "maas_train logistic_regression, tol %.3g" % reached,
                      dict(base_params, tol=reached))
    compare("logistic", [sk, lr, lr_g, lr_r])
    worker.stdin.write("quit\n")
    worker.stdin.flush()
    worker.wait()

    def maas_side(name):
        p = one(serial, "SELECT maas_info(%s)->'parameters'", (name,))
        acc = one(serial, "SELECT maas_evaluate(%s, %s)->>'accuracy'", (name, test_src))
        return {"iterations": int(p["iterations"]), "converged": p["converged"],
                "loss": float(p["loss"]), "accuracy": float(acc)}

    sides = [("maas, default tol", "1e-6 on max|grad| of mean(loss)", lr, maas_side("lr")),
             ("maas, sklearn's gtol", "%.3g = 1e-4 / n" % gtol, lr_g, maas_side("lr_gtol")),
             ("maas, sklearn's stop", "%.3g = sklearn's final max|grad|" % reached, lr_r,
              maas_side("lr_reached"))]
    report(sk)
    for _, _, q, _ in sides:
        report(q, sk, None, "  maas/sklearn")
    out("   %-22s %10s %9s %14s %9s  %s" % ("", "iterations", "converged", "objective",
                                           "accuracy", "tol (stopping rule)"))
    out("   %-22s %10d %9s %14.11f %9.4f  %s" % (
        "scikit-learn lbfgs", last["n_iter"], "-", last["loss"], last["accuracy"],
        "1e-4 on max|grad| of sum(loss), ftol 2.2e-9 on the relative decrease"))
    for name, rule, _, m in sides:
        out("   %-22s %10d %9s %14.11f %9.4f  %s" % (name, m["iterations"], m["converged"],
                                                   m["loss"], m["accuracy"], rule))
    out("   (objective: mean log-loss + ||w||^2 / (2 C n) in standardized space, for both)")
    out("   scikit-learn stopped at max|grad| %.2g on maas's scale (%.2g on its own): by %s"
        % (reached, reached * n_train,
           "its gtol" if reached * n_train <= last["tol"] else "its ftol, before its gtol"))
    for name, _, _, m in sides:
        check(abs(m["accuracy"] - last["accuracy"]) < 0.005,
              "%s and sklearn held-out accuracies within 0.005" % name)
    results["logistic"] = {"n_train": n_train, "sklearn": last, "gtol": gtol,
                           "maas": {name: m for name, _, _, m in sides}}
    stopping.append("| | iterations | objective | held-out accuracy | stopping rule |\n"
                    "|---|---:|---:|---:|---|\n")
    stopping.append("| scikit-learn %s lbfgs | %d | %.11f | %.4f | gtol 1e-4 on the sum's gradient,"
                    " or ftol 2.2e-9 (%s, at max\\|grad\\| %.2g on maas's scale) |\n"
                    % (ready["sklearn"], last["n_iter"], last["loss"], last["accuracy"],
                       "gtol" if reached * n_train <= last["tol"] else "ftol fired first",
                       reached))
    for name, rule, _, m in sides:
        stopping.append("| %s | %d | %.11f | %.4f | %s%s |\n"
                        % (name, m["iterations"], m["loss"], m["accuracy"],
                           rule.replace("|", "\\|"),
                           "" if m["converged"] else " (not reached: stopped by the flat-loss rule)"))
    add_summary("`maas_train` logistic (default tol 1e-6) vs sklearn lbfgs fit", lr, sk, None,
                "sklearn fit")
    add_summary("`maas_train` logistic (tol %.2g: sklearn's gtol) vs sklearn" % gtol, lr_g,
                sk, None, "sklearn fit")
    add_summary("`maas_train` logistic (tol %.2g: where sklearn stopped) vs sklearn" % reached,
                lr_r, sk, None, "sklearn fit")
    summary_extra.append(
        "Logistic regression on %d training rows, held-out accuracy (iterations): "
        "scikit-learn %.4f (%d); maas %.4f (%d) with its default tol, %.4f (%d) with "
        "sklearn's gtol, %.4f (%d) stopping where sklearn stopped."
        % (n_train, last["accuracy"], last["n_iter"],
           sides[0][3]["accuracy"], sides[0][3]["iterations"],
           sides[1][3]["accuracy"], sides[1][3]["iterations"],
           sides[2][3]["accuracy"], sides[2][3]["iterations"]))


summary_extra = []
stopping = []		# the logistic stopping-point table, for bench/reference.md


def cpu_wait_share():
    """The time the timed backends waited for a CPU, as a share of the time
    they ran: about 0 on a quiet machine, 1 when they waited as long as they
    ran."""
    ran = waited = 0.0
    for fig in results["figures"].values():
        for q in fig.values():
            for c, w in zip(q["cpu_ms"], q["cpu_wait_ms"]):
                if c is not None and w is not None:
                    ran += c
                    waited += w
    return waited / ran if ran else None


def write_summary(settings, load):
    head = ("| benchmark | maas ms | baseline | baseline ms | ratio | cpu ratio | target |\n"
            "|---|---:|---|---:|---:|---:|---|\n")
    body = "".join("| %s | %.0f | %s | %.0f | %.2fx | %s | %s |\n" %
                   (what, ms, bname, bms, ratio, "%.2fx" % cpu if cpu else "-",
                    (target + " " + status).strip())
                   for what, ms, bname, bms, ratio, cpu, target, status in summary)
    text = ("Measured by `make bench` (bench/run.sh) on %d rows x 16 float8, median of %d"
            " alternating runs after a warm-up; %s. ratio: of wall-clock medians;"
            " cpu ratio: of the backends' CPU-time medians, which other load on the"
            " machine disturbs less.\n\n" % (ROWS, RUNS, settings)
            + head + body)
    if summary_extra:
        text += "\n" + "\n".join(summary_extra) + "\n"
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "summary.md"), "w") as f:
        f.write(text)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    out()
    out("== summary (also in bench/out/summary.md)")
    out()
    out(text)

    full = ROWS == 1000000 and RUNS >= 5 and not ONLY and not failures
    if not reference.want(full):
        out("bench/reference.md left alone (%s; BENCH_REFERENCE=1 writes it anyway)"
            % ("checks failed" if failures else "not a full run: 1M rows, >= 5 runs, every"
               " benchmark"))
        return
    share = cpu_wait_share()
    doc = ["## Linear models: `make bench` (bench/run.sh, bench/bench.py)", "",
           "- when: %s, maas at %s" % (reference.now(), reference.commit()),
           "- machine: %s" % reference.machine(),
           "- settings: %s; maas.blas_threads 1, synchronize_seqscans off, every table in"
           " shared_buffers" % settings,
           "- data: %s rows x 16 float8 (bench/setup.sql); figures are medians of %d"
           " alternating runs after a warm-up, ratios of the medians" % (format(ROWS, ","), RUNS),
           "- load: load average %s at the start, %s at the end; the backends waited for a"
           " CPU %s of the time they ran%s"
           % (load[0], load[1], "?" if share is None else "%.0f%%" % (100 * share),
              "" if share is None or share < 0.25 else
              " (**a loaded machine: trust the cpu ratios more than the wall-clock ones**)"),
           "", head + body]
    if summary_extra:
        doc += ["\n".join(summary_extra), ""]
    if stopping:
        doc += ["Logistic regression stopping points (benchmark 5; objective = mean log-loss"
                " + ||w||^2/(2Cn) in standardized space):", "", "".join(stopping)]
    if failures:
        doc += ["**Failed checks:** " + "; ".join(failures), ""]
    reference.write_section("bench.py", "\n".join(doc))
    out("bench/reference.md: section bench.py rewritten")


def main():
    serial = connect()
    settings = ("PostgreSQL %s, shared_buffers %s, serial plans unless stated, jit %s"
                % (one(serial, "SHOW server_version"), one(serial, "SHOW shared_buffers"), JIT))
    out("maas benchmarks: %d rows, %d runs per figure; %s; %s"
        % (ROWS, RUNS, settings, reference.machine()))
    if RUNS < 5:
        out("   note: BENCH_RUNS=%d; the published figures need at least 5" % RUNS)
    n = one(serial, "SELECT count(*) FROM t")
    check(n == ROWS, "t has %d rows" % ROWS)
    results["settings"] = settings
    results["machine"] = reference.machine()
    started = time.time()
    load_start = loadavg()
    for key, fn in (("predict", bench_predict), ("train", bench_train), ("fit", bench_fit),
                    ("plpython", bench_plpython), ("logistic", bench_logistic)):
        if not ONLY or key in ONLY:
            fn(serial)
    out()
    load_end = loadavg()
    out("   load average %s; %.0f s in all" % (load_end, time.time() - started))
    write_summary(settings, (load_start, load_end))
    if failures:
        out("FAILED checks:")
        for f in failures:
            out("  - " + f)
        sys.exit(1)


if __name__ == "__main__":
    main()
