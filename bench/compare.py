#!/usr/bin/python3
"""bench/compare.py: two maas builds, A (before) and B (after), on the same
benchmarks, interleaved run by run (run by bench/compare.sh, which starts a
cluster for each build and loads bench/setup.sql into both first).

    compare.py load     the tree tables (bench/trees.py's data) and wa_churn
                        into both clusters
    compare.py run      the comparison

CMP_A / CMP_B are libpq connection strings of the two clusters, CMP_A_LABEL /
CMP_B_LABEL their names in the report.

Every benchmark is one query that returns one row, taken from bench/bench.py
(linear models) and bench/trees.py (tree models), plus controls: the scans
those benchmarks compare against, which run no maas code, so their B/A ratio
is the noise of the measurement itself.  Each query runs once on each side
to warm up (the long tree trainings skip that), then BENCH_RUNS rounds
(BENCH_TREE_RUNS for the tree trainings) run it on A and on B back to back, A first in one round and B first in the next,
so a change of the machine's load hits both sides alike.

Per benchmark: the median wall-clock time of each side (client side,
execute + fetch), B/A of the medians, "paired" (the median of the per-round
B/A, which drifts less when the load changes), and B/A of the backends' CPU
time medians: /proc/<pid>/schedstat for single-threaded queries, utime +
stime of /proc/<pid>/stat (every thread, 10 ms ticks) for tree training with
maas.threads > 1; none for parallel plans (the workers' CPU is not
measured).  Where wall and cpu ratios disagree, other load disturbed the
run: trust the cpu ratio.  After the rounds, the trained models' bytes and
the predictions' sums of A and B are compared (a restructuring should change
neither); a difference is reported, it does not fail the run.

Output: the report on stdout, bench/out/compare.md (the table) and
bench/out/compare.json (every run).
"""
import json
import os
import statistics
import sys
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
sys.path.insert(0, HERE)

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
TREE_ROWS = int(os.environ.get("BENCH_TREE_ROWS", "500000"))
THREADS = os.environ.get("BENCH_THREADS", "")	# maas.threads; unset: the server's default
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
TREE_RUNS = int(os.environ.get("BENCH_TREE_RUNS", "5"))	# the long trainings of "trees"
JIT = os.environ.get("BENCH_JIT", "off")
TIMEOUT = os.environ.get("BENCH_TIMEOUT", "600s")
GROUPS = ["predict", "train", "fit", "logistic", "trees", "tree_predict", "churn"]
ONLY = [g for g in filter(None, os.environ.get("BENCH_ONLY", "").split(","))]
SLOWER = float(os.environ.get("BENCH_SLOWER", "1.05"))	# flag B/A above this
CONFIRM = int(os.environ.get("BENCH_CONFIRM", "5"))	# more rounds of a flagged benchmark

COLS = ["x%d" % j for j in range(1, 17)]
X = ", ".join(COLS)
ARR = "ARRAY[%s]" % X
CLS_SOURCE = "SELECT %s, label FROM t_cls" % X
CLK_TCK = os.sysconf("SC_CLK_TCK")


def out(line=""):
    print(line, flush=True)


def loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def schedstat(pid):
    """(ns the main thread ran, ns it waited for a CPU)"""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            run, wait = f.read().split()[:2]
        return int(run), int(wait)
    except (OSError, ValueError):
        return None


def proc_cpu_ms(pid):
    """utime + stime of every thread of the process, live or exited, in ms"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK
    except (OSError, ValueError, IndexError):
        return None


class Side:
    """One cluster: its connections (serial, parallel, generic plans)."""

    def __init__(self, key, label, dsn):
        self.key, self.label, self.dsn = key, label, dsn
        self.conns = {}
        self.info = {}		# per side: model bytes, versions ...

    def conn(self, kind="serial"):
        if kind not in self.conns:
            gucs = {
                "max_parallel_workers_per_gather": "0",
                "jit": JIT,
                "synchronize_seqscans": "off",
                "maas.progress_interval": "0",
                "maas.blas_threads": "1",
                "client_min_messages": "warning",
                "statement_timeout": TIMEOUT,
            }
            if THREADS:
                gucs["maas.threads"] = THREADS
            if kind == "parallel":		# bench.py's forced parallel plan
                gucs.update(max_parallel_workers_per_gather="2", parallel_setup_cost="0",
                            parallel_tuple_cost="0", min_parallel_table_scan_size="0")
            elif kind == "default_parallel":	# trees.py: the cluster's own settings
                gucs.update(max_parallel_workers_per_gather="2")
            elif kind == "generic":
                gucs.update(plan_cache_mode="force_generic_plan")
            c = psycopg2.connect(self.dsn)
            c.autocommit = True
            cur = c.cursor()
            cur.execute("LOAD 'maas'")
            for k, v in gucs.items():
                cur.execute("SELECT set_config(%s, %s, false)", (k, v))
            self.conns[kind] = c
        return self.conns[kind]

    def one(self, sql, params=None, kind="serial"):
        cur = self.conn(kind).cursor()
        cur.execute(sql, params)
        return cur.fetchone()[0]

    def close(self):
        for c in self.conns.values():
            c.close()


class Case:
    """One benchmark query, run on both sides.  sql and params may be
    functions of the side (its model bytes, its versions)."""

    def __init__(self, group, key, label, sql, params=None, kind="serial", control=False,
                 threaded=False, warmup=True, model=None, value=None):
        self.group, self.key, self.label = group, key, label
        self.sql, self.params, self.kind = sql, params, kind
        self.control = control		# runs no maas code: its ratio is the noise
        self.threaded = threaded	# CPU of every thread (/proc/pid/stat)
        self.warmup = warmup
        self.model = model		# name of the model it trains (compared A/B)
        self.value = value		# "sum": A and B must agree on the result
        self.runs = {"A": [], "B": []}	# (wall ms, cpu ms, wait ms, value)
        self.first = None		# rounds before the confirmation rounds, if any
        self.confirmed = None		# whether the confirmation rounds flagged it too

    def resolve(self, side):
        sql = self.sql(side) if callable(self.sql) else self.sql
        params = self.params(side) if callable(self.params) else self.params
        return sql, params

    def run(self, side):
        sql, params = self.resolve(side)
        c = side.conn(self.kind)
        pid = c.get_backend_pid()
        cur = c.cursor()
        s0, p0 = schedstat(pid), proc_cpu_ms(pid)
        t0 = time.perf_counter()
        cur.execute(sql, params)
        row = cur.fetchone()
        ms = (time.perf_counter() - t0) * 1000
        s1, p1 = schedstat(pid), proc_cpu_ms(pid)
        cpu = wait = None
        if s0 and s1:
            cpu, wait = (s1[0] - s0[0]) / 1e6, (s1[1] - s0[1]) / 1e6
        if self.threaded:
            cpu = p1 - p0 if p0 is not None and p1 is not None else None
        if self.kind in ("parallel", "default_parallel"):
            cpu = None
        value = row[0] if row else None
        if isinstance(value, memoryview):
            value = bytes(value)
        return ms, cpu, wait, value

    def median(self, side, i=0, rounds=slice(None)):
        xs = [r[i] for r in self.runs[side][rounds]]
        if not xs or None in xs:
            return None
        return statistics.median(xs)


# the benchmarks --------------------------------------------------------------

def setup_predict(side):
    side.one("SELECT version FROM maas_train('m', 'linear_regression', 't', 'y')")
    side.info["m_version"] = side.one("SELECT version FROM maas.deployed WHERE name = 'm'")
    side.info["m_bytes"] = bytes(side.one(
        "SELECT model FROM maas.models WHERE name = 'm' AND version = %s",
        (side.info["m_version"],)))
    info = side.one("SELECT maas_info('m')->'parameters'")
    coef = info["coefficients"]
    side.info["formula"] = repr(float(info["intercept"])) + "".join(
        " + (%r)*%s" % (float(coef[c]), c) for c in COLS)
    side.conn("generic").cursor().execute(
        "PREPARE pb(bytea) AS SELECT sum(maas_predict($1, %s)) FROM t" % ARR)


def cases_predict(a):
    formula = a.info["formula"]		# A's coefficients: the same SQL on both sides
    cte = ("WITH mm AS (SELECT %%s::bytea AS model) SELECT sum(maas_predict(mm.model, %s)) "
           "FROM t, mm" % ARR)
    return [
        Case("predict", "formula", "control: sum(b0 + b1*x1 + ... + b16*x16)",
             "SELECT sum(%s) FROM t" % formula, control=True),
        Case("predict", "row", "predict: maas_predict('m', t)",
             "SELECT sum(maas_predict('m', t)) FROM t", value="sum"),
        Case("predict", "array", "predict: maas_predict('m', ARRAY[x1..x16])",
             "SELECT sum(maas_predict('m', %s)) FROM t" % ARR, value="sum"),
        Case("predict", "bytes_param", "predict: maas_predict($1 bytea, ARRAY[...])",
             "EXECUTE pb(%s)", lambda s: (psycopg2.Binary(s.info["m_bytes"]),),
             kind="generic", value="sum"),
        Case("predict", "bytes_cte", "predict: maas_predict(bytea, ...) CTE constant", cte,
             lambda s: (psycopg2.Binary(s.info["m_bytes"]),), value="sum"),
        Case("predict", "bytes_join", "predict: maas_predict(bytea, ...) maas.models join",
             lambda s: ("SELECT sum(maas_predict(mm.model, %s)) FROM t, maas.models mm "
                        "WHERE mm.name = 'm' AND mm.version = %d" % (ARR, s.info["m_version"])),
             value="sum"),
    ]


def cases_train(a):
    return [
        Case("train", "scan", "control: sum(x1 + ... + x16)",
             "SELECT sum(%s) FROM t" % " + ".join(COLS), control=True),
        Case("train", "linear", "maas_train linear_regression",
             "SELECT version FROM maas_train('m', 'linear_regression', 't', 'y')", model="m"),
    ]


def cases_fit(a):
    fit = "SELECT maas_fit('linear_regression', %s, y) FROM t" % ARR
    scan = "SELECT sum(array_length(%s, 1)) FROM t" % ARR
    return [
        Case("fit", "scan", "control: sum(array_length(ARRAY[x1..x16], 1))", scan,
             control=True),
        Case("fit", "fit", "maas_fit linear_regression, serial", fit, value="bytes"),
        Case("fit", "scan_parallel", "control: the same scan, parallel (2 workers)", scan,
             kind="parallel", control=True),
        # the workers' partial states merge in whatever order they finish
        Case("fit", "fit_parallel", "maas_fit linear_regression, parallel (2 workers)", fit,
             kind="parallel"),
    ]


def cases_logistic(a):
    src = CLS_SOURCE + " WHERE id % 5 <> 0"
    return [
        Case("logistic", "train", "maas_train logistic_regression (tol 1e-6)",
             "SELECT version FROM maas_train('lr', 'logistic_regression', %s, 'label', "
             "'{\"test_size\": 0, \"deploy\": \"always\"}')", (src,), model="lr"),
    ]


def train_sql(name, algorithm, params, source="bench_trees_train", target="label"):
    return ("SELECT version FROM maas_train('%s', '%s', '%s', '%s', '%s')"
            % (name, algorithm, source, target, json.dumps(dict(
                {"deploy": "always", "test_size": 0}, **params))))


def cases_trees(a):
    return [
        Case("trees", "gb_base", "gradient_boosting 1 round depth 1 (read, encode, bin)",
             train_sql("bench_gb_base", "gradient_boosting", {"n_estimators": 1, "max_depth": 1}),
             threaded=True, model="bench_gb_base"),
        Case("trees", "gb", "gradient_boosting 100 rounds depth 6",
             train_sql("bench_gb", "gradient_boosting", {"n_estimators": 100, "max_depth": 6}),
             threaded=True, warmup=False, model="bench_gb"),
        Case("trees", "rf_base", "random_forest 1 tree depth 1, no OOB (read, encode, bin)",
             train_sql("bench_rf_base", "random_forest",
                       {"n_estimators": 1, "max_depth": 1, "oob_score": False}),
             threaded=True, model="bench_rf_base"),
        Case("trees", "rf", "random_forest 100 trees depth 8",
             train_sql("bench_rf", "random_forest", {"n_estimators": 100, "max_depth": 8}),
             threaded=True, warmup=False, model="bench_rf"),
    ]


def setup_tree_predict(side):
    # the model bench_gb of the trees group, or the same model trained here
    if not side.one("SELECT count(*) FROM maas.deployed WHERE name = 'bench_gb'"):
        side.one(train_sql("bench_gb", "gradient_boosting",
                           {"n_estimators": 100, "max_depth": 6}))


def cases_tree_predict(a):
    return [
        Case("tree_predict", "count", "control: count(*) of the tree table",
             "SELECT count(*) FROM bench_trees_train t", control=True),
        Case("tree_predict", "row", "tree predict: maas_predict(name, row), 1 backend",
             "SELECT sum(maas_predict('bench_gb', t)) FROM bench_trees_train t", value="sum"),
        Case("tree_predict", "row_parallel", "tree predict: the same, parallel query",
             "SELECT sum(maas_predict('bench_gb', t)) FROM bench_trees_train t",
             kind="default_parallel", value="sum"),
        Case("tree_predict", "array_parallel",
             "tree predict: maas_predict(name, float8[]), parallel",
             "SELECT sum(maas_predict('bench_gb', %s)) FROM bench_trees_train t" % ARR,
             kind="default_parallel", value="sum"),
    ]


def setup_churn(side):
    side.one(train_sql("bench_churn_gb", "gradient_boosting",
                       {"n_estimators": 100, "max_depth": 6}, "wa_churn", "churn"))


def cases_churn(a):
    return [
        Case("churn", "gb", "wa_churn: gradient_boosting 100 x depth 6",
             train_sql("bench_churn_gb", "gradient_boosting",
                       {"n_estimators": 100, "max_depth": 6}, "wa_churn", "churn"),
             threaded=True, model="bench_churn_gb"),
        Case("churn", "rf", "wa_churn: random_forest 100 x depth 8",
             train_sql("bench_churn_rf", "random_forest",
                       {"n_estimators": 100, "max_depth": 8}, "wa_churn", "churn"),
             threaded=True, model="bench_churn_rf"),
        Case("churn", "predict", "wa_churn: maas_predict(name, row) x 100, 1 backend",
             "SELECT sum(maas_predict('bench_churn_gb', w)) FROM wa_churn w, "
             "generate_series(1, 100) g", value="sum"),
    ]


BENCH = {	# group: (tables to prewarm, setup per side, cases)
    "predict": (["t"], setup_predict, cases_predict),
    "train": (["t"], None, cases_train),
    "fit": (["t"], None, cases_fit),
    "logistic": (["t_cls"], None, cases_logistic),
    "trees": (["bench_trees_train"], None, cases_trees),
    "tree_predict": (["bench_trees_train"], setup_tree_predict, cases_tree_predict),
    "churn": (["wa_churn"], setup_churn, cases_churn),
}


# running ---------------------------------------------------------------------

def prewarm(side, rel):
    side.one("SELECT pg_prewarm(%s)", (rel,))
    pages = side.one("SELECT pg_relation_size(%s) / current_setting('block_size')::int", (rel,))
    cached = side.one("""SELECT count(*) FROM pg_buffercache
                         WHERE relfilenode = pg_relation_filenode(%s) AND relforknumber = 0
                           AND reldatabase = (SELECT oid FROM pg_database
                                              WHERE datname = current_database())""", (rel,))
    if cached < pages:
        out("   warning: %s: %s has %d of %d pages in shared_buffers"
            % (side.label, rel, cached, pages))


def fmt_ms(ms):
    return "-" if ms is None else ("%.0f" % ms if ms >= 100 else "%.1f" % ms)


def fmt_ratio(r):
    return "-" if r is None else "%.3f" % r


def ratios(case, rounds=slice(None)):
    a_ms, b_ms = case.median("A", 0, rounds), case.median("B", 0, rounds)
    a_cpu, b_cpu = case.median("A", 1, rounds), case.median("B", 1, rounds)
    paired = statistics.median(rb[0] / ra[0] for ra, rb in zip(case.runs["A"][rounds],
                                                                case.runs["B"][rounds]))
    return {"a_ms": a_ms, "b_ms": b_ms, "ratio": b_ms / a_ms, "paired": paired,
            "a_cpu": a_cpu, "b_cpu": b_cpu,
            "cpu_ratio": b_cpu / a_cpu if a_cpu and b_cpu else None,
            "a_wait": case.median("A", 2, rounds), "b_wait": case.median("B", 2, rounds)}


def flagged(r):
    """+1: B/A above SLOWER in wall, paired and cpu; -1: below 1/SLOWER in all"""
    cpu = r["cpu_ratio"]
    if r["ratio"] > SLOWER and r["paired"] > SLOWER and (cpu is None or cpu > SLOWER):
        return 1
    if r["ratio"] < 1 / SLOWER and r["paired"] < 1 / SLOWER and (cpu is None or cpu < 1 / SLOWER):
        return -1
    return 0


def verdict(case, r):
    """SLOWER: flagged in the rounds and again in the confirmation rounds;
    SLOWER?: flagged, not confirmed (BENCH_CONFIRM=0); "noise": flagged, then
    not in the confirmation rounds."""
    if case.control:
        return "control"
    if case.first is not None:
        return "SLOWER" if case.confirmed else "noise"
    f = flagged(r)
    return {1: "SLOWER?", -1: "faster"}.get(f, "")


def report_line(case):
    r = ratios(case)
    spread = lambda s: "%s-%s" % (fmt_ms(min(x[0] for x in case.runs[s])),
                                  fmt_ms(max(x[0] for x in case.runs[s])))
    out("   %-56s %8s %8s %7s %7s %7s  %-7s A %s, B %s%s"
        % (case.label, fmt_ms(r["a_ms"]), fmt_ms(r["b_ms"]), fmt_ratio(r["ratio"]),
           fmt_ratio(r["paired"]), fmt_ratio(r["cpu_ratio"]), verdict(case, r),
           spread("A"), spread("B"),
           "" if case.first is None else "; %d + %d rounds" % (case.first, CONFIRM)))
    return r


def interleave(cases, sides, rounds):
    """rounds rounds of every case on both sides, A first, then B first"""
    for rnd in range(rounds):
        for i, c in enumerate(cases):
            order = sides if (rnd + i) % 2 == 0 else sides[::-1]
            for s in order:
                c.runs[s.key].append(c.run(s))


def run_group(group, sides):
    tables, setup, make_cases = BENCH[group]
    out()
    out("== %s   (load average %s)" % (group, loadavg()))
    for s in sides:
        for t in tables:
            prewarm(s, t)
        if setup:
            setup(s)
    cases = make_cases(sides[0])
    for c in cases:
        if c.warmup:
            for s in sides:
                c.run(s)
    rounds = TREE_RUNS if group == "trees" else RUNS
    interleave(cases, sides, rounds)
    suspects = [c for c in cases if not c.control and flagged(ratios(c)) == 1]
    if suspects and CONFIRM:
        out("   B/A > %.2f: %s; %d more rounds of %s"
            % (SLOWER, ", ".join(c.label for c in suspects), CONFIRM,
               "it" if len(suspects) == 1 else "them"))
        interleave(suspects, sides, CONFIRM)
        for c in suspects:
            c.first = rounds
            c.confirmed = flagged(ratios(c, slice(rounds, None))) == 1
    out("   %-56s %8s %8s %7s %7s %7s  %-7s %s"
        % ("", "A ms", "B ms", "B/A", "paired", "cpu B/A", "", "spread (ms)"))
    for c in cases:
        c.result = report_line(c)
    return cases


def compare_outputs(cases, sides):
    """Models and predictions of A and B: the same?"""
    notes = []
    for c in cases:
        if c.model:
            md5 = [s.one("SELECT md5(model) FROM maas.models WHERE name = %s "
                         "ORDER BY version DESC LIMIT 1", (c.model,)) for s in sides]
            notes.append((c.label, "model bytes", md5[0] == md5[1]))
        if c.value == "sum":
            va, vb = c.runs["A"][-1][3], c.runs["B"][-1][3]
            same = va == vb or abs(va - vb) <= 1e-9 * max(abs(va), abs(vb))
            notes.append((c.label, "result %.12g vs %.12g" % (va, vb) if not same else "result",
                          same))
        if c.value == "bytes":
            va, vb = c.runs["A"][-1][3], c.runs["B"][-1][3]
            notes.append((c.label, "model bytes", va == vb))
    return notes


def load(sides):
    import trees
    t = time.time()
    X, y = trees.make_data(TREE_ROWS, 1)
    text = trees.csv_text(X, y)
    out("tree data: %d rows x 16 features, generated in %.1f s" % (TREE_ROWS, time.time() - t))
    for s in sides:
        cur = s.conn().cursor()
        cur.execute("SET client_min_messages = warning")
        trees.copy_text(cur, "bench_trees_train", text)
        trees.load_churn(cur)
    out("loaded into both clusters in %.1f s" % (time.time() - t))


def main():
    sides = [Side("A", os.environ.get("CMP_A_LABEL", "A"), os.environ["CMP_A"]),
             Side("B", os.environ.get("CMP_B_LABEL", "B"), os.environ["CMP_B"])]
    if sys.argv[1:] == ["load"]:
        load(sides)
        return
    groups = [g for g in GROUPS if not ONLY or g in ONLY]
    unknown = set(ONLY) - set(GROUPS)
    if unknown:
        sys.exit("unknown BENCH_ONLY group(s): %s (known: %s)"
                 % (", ".join(sorted(unknown)), ",".join(GROUPS)))
    versions = [s.one("SELECT extversion FROM pg_extension WHERE extname = 'maas'")
                for s in sides]
    out("A = %s, B = %s (maas %s / %s); %s rows (linear), %s rows (trees), %d rounds"
        " (tree training: %d), maas.threads %s; load average %s"
        % (sides[0].label, sides[1].label, versions[0], versions[1], format(ROWS, ","),
           format(TREE_ROWS, ","), RUNS, TREE_RUNS, sides[0].one("SHOW maas.threads"),
           loadavg()))
    started = time.time()
    all_cases = []
    for g in groups:
        all_cases += run_group(g, sides)
    elapsed = time.time() - started

    notes = compare_outputs(all_cases, sides)
    differ = [(label, what) for label, what, same in notes if not same]
    out()
    out("== outputs: %d of %d compared models and results are the same on A and B"
        % (len(notes) - len(differ), len(notes)))
    for label, what in differ:
        out("   DIFFERENT: %s: %s" % (label, what))

    controls = [c.result for c in all_cases if c.control]
    maas_cases = [c for c in all_cases if not c.control]
    noise = max((abs(r["ratio"] - 1) for r in controls), default=None)
    out()
    out("== %.0f s, load average %s at the end" % (elapsed, loadavg()))
    if controls:
        out("   noise (controls, no maas code): wall B/A %s; cpu B/A %s"
            % (", ".join(fmt_ratio(r["ratio"]) for r in controls),
               ", ".join(fmt_ratio(r["cpu_ratio"]) for r in controls if r["cpu_ratio"])))
    loaded = False
    for s in sides:
        ran = sum(r[1] for c in all_cases for r in c.runs[s.key]
                  if r[1] is not None and r[2] is not None and not c.threaded)
        waited = sum(r[2] for c in all_cases for r in c.runs[s.key]
                     if r[1] is not None and r[2] is not None and not c.threaded)
        if ran:
            out("   %s: the single-threaded backends waited for a CPU %.0f%% of the time they"
                " ran (0%%: a quiet machine)" % (s.label, 100 * waited / ran))
        if ran and waited / ran > 0.25:
            loaded = True
    if loaded:
        out("   WARNING: a loaded machine (the backends waited for a CPU more than 25% of the"
            " time they ran): expect ratios of identical builds to stray by 5-10%, more in"
            " wall-clock; re-run when it is quieter")
    slower = [c for c in maas_cases if verdict(c, c.result) in ("SLOWER", "SLOWER?")]
    out("   benchmarks with B/A > %.2f in wall, paired and cpu%s: %s"
        % (SLOWER, "" if not CONFIRM else ", then again in %d more rounds" % CONFIRM,
           ", ".join(c.label for c in slower) if slower else "none"))

    head = ("| benchmark | %s ms | %s ms | B/A | paired | cpu B/A | |\n"
            "|---|---:|---:|---:|---:|---:|---|\n" % (sides[0].label, sides[1].label))
    body = "".join("| %s | %s | %s | %s | %s | %s | %s |\n"
                   % (c.label, fmt_ms(c.result["a_ms"]), fmt_ms(c.result["b_ms"]),
                      fmt_ratio(c.result["ratio"]), fmt_ratio(c.result["paired"]),
                      fmt_ratio(c.result["cpu_ratio"]), verdict(c, c.result))
                   for c in all_cases)
    text = ("A = %s, B = %s; %s rows (linear), %s rows (trees), median of %d interleaved"
            " rounds (tree training: %d); load average %s at the end; %.0f s.\n\n"
            % (sides[0].label, sides[1].label, format(ROWS, ","), format(TREE_ROWS, ","),
               RUNS, TREE_RUNS, loadavg(), elapsed) + head + body)
    if differ:
        text += "\nDifferent outputs: " + "; ".join("%s (%s)" % d for d in differ) + "\n"
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "compare.md"), "w") as f:
        f.write(text)
    with open(os.path.join(OUT, "compare.json"), "w") as f:
        json.dump({"A": sides[0].label, "B": sides[1].label, "rows": ROWS,
                   "tree_rows": TREE_ROWS, "runs": RUNS, "tree_runs": TREE_RUNS,
                   "cases": [{"group": c.group, "key": c.key, "label": c.label,
                              "control": c.control, "result": c.result,
                              "runs": {k: [r[:3] for r in v] for k, v in c.runs.items()}}
                             for c in all_cases],
                   "outputs": notes}, f, indent=1)
    out("   (table in bench/out/compare.md, every run in bench/out/compare.json)")
    for s in sides:
        s.close()
    if any(verdict(c, c.result) == "SLOWER" for c in maas_cases):
        sys.exit(3)


if __name__ == "__main__":
    main()
