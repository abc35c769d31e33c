#!/usr/bin/python3
"""mlp benchmark: maas's multilayer perceptron against PyTorch (issue 9).

Needs a server with maas installed and PG* variables set, bench_table
loaded (bench/mlp_setup.sql) and bench/mlp_plpython.sql run; bench/mlp.sh
does all of that on a throwaway cluster.  Prints a report and writes
bench/out/mlp.md (and bench/mlp_reference.md when BENCH_REFERENCE=1).

  1. Training, 16 -> 64 -> 32 -> 1 (relu), batch 256, Adam, 5 epochs, 2
     threads each: maas_train('b', 'mlp', 'bench_table', 'y', ...) under
     SET maas.threads = 2, against a PyTorch loop in its own process
     (torch.set_num_threads(2)) over a float32 tensor already in memory.
     maas's epochs are timed from its progress NOTICEs in the server log
     (maas.progress_interval = 1 ms, log_min_messages = notice); the time
     before the first epoch (reading the table through SQL, standardizing,
     the float copy) and after the last (scoring the training rows, storing)
     are reported separately.  PyTorch runs first in several thread and
     OpenBLAS settings (a part of an epoch each) to find what makes it fast
     on this machine; the fastest 2-thread setting is then timed over whole
     epochs, interleaved with maas's runs.
  2. Prediction over every row of bench_table in rows/s: the scan limit
     SELECT sum(x1 + ... + x16), sum(maas_predict('b', t)) (the row form),
     sum(maas_predict('b', ARRAY[x1..x16])), PyTorch's batch forward of the
     tensor with maas's own weights (so the sums must agree), in chunks of
     16384 rows and in one call (with glibc's malloc thresholds raised:
     without, PyTorch's large temporaries are page-faulted in afresh on every
     call, which costs ~2 s a GB on this VM; both are shown), and a PL/Python
     function calling PyTorch per row (bench/mlp_plpython.sql).
  3. Training memory: train_memory_bytes against n*p*4 (the float matrix)
     + the weights + Adam's two moments, and the backend's measured peak.

Environment: BENCH_RUNS (3), BENCH_PLPY_ROWS (100000), BENCH_SCREEN_STEPS
(400), BENCH_PERF (0; 1 records a perf profile of one maas_train),
BENCH_REFERENCE (0), PG_BIN and MAAS_CLUSTER (to restart the server
without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE).

Subcommands run in their own process, with their own environment:
  mlp.py torch-train DIR [--threads N] [--steps S]   PyTorch training
  mlp.py torch-predict DIR                          PyTorch batch forward
  mlp.py torch-info                                 torch's build and threads
  mlp.py blas-core                                  the OpenBLAS kernel
"""
import datetime
import io
import json
import math
import os
import platform
import re
import statistics
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
P = 16
HIDDEN = [64, 32]
BATCH = 256
EPOCHS = 5
LR = 1e-3
EPS = 1e-7                  # maas's Adam epsilon (Keras's); PyTorch's default is 1e-8
COLS = ", ".join(f"x{j + 1}" for j in range(P))
PARAMS = '{"hidden_layers":[64,32],"batch_size":256,"epochs":%d,"test_size":0}'
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
PREDICT_CHUNK = 16384       # rows per forward call of PyTorch's batch prediction
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "4294967296", "MALLOC_TRIM_THRESHOLD_": "4294967296"}


def median(v):
    return statistics.median(v) if v else float("nan")


def blas_core():
    import ctypes
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return f"{lib.openblas_get_corename().decode()}, {lib.openblas_get_num_threads()} threads"


def proc_status(pid):
    """kB fields of /proc/pid/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                out[k] = int(v.split()[0]) * 1024
    return out


def proc_cpu(pid):
    """CPU seconds of the process, every thread included (/proc/pid/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- PyTorch side

def torch_setup(threads):
    import torch
    torch.set_num_threads(threads)
    if os.environ.get("BENCH_NO_MKLDNN") == "1":
        torch.backends.mkldnn.enabled = False
    return torch


def load_f32(d, name, cols):
    import numpy as np
    n = json.load(open(os.path.join(d, "meta.json")))["rows"]
    a = np.fromfile(os.path.join(d, name), dtype=np.float32)
    return a.reshape(n, cols) if cols > 1 else a.reshape(n, 1)


def torch_train(d, threads, steps, warmup):
    """The standard loop; prints one JSON line."""
    torch = torch_setup(threads)
    rss0 = proc_status(os.getpid())["RssAnon"]
    # standardized like maas (population std), float32, already in memory
    X = torch.from_numpy(load_f32(d, "xs.f32", P))
    Y = torch.from_numpy(load_f32(d, "ys.f32", 1))
    n = X.shape[0]
    rss1 = proc_status(os.getpid())["RssAnon"]
    torch.manual_seed(0)
    layers, inp = [], P
    for h in HIDDEN:
        layers += [torch.nn.Linear(inp, h), torch.nn.ReLU()]
        inp = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(inp, 1))
    opt = torch.optim.Adam(model.parameters(), lr=LR, eps=EPS)
    loss_fn = torch.nn.MSELoss()
    res = {"threads": torch.get_num_threads(), "blas": blas_core(), "rows": n,
           "mkldnn": torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
           "env": {k: os.environ.get(k) for k in BLAS_VARS + ("OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")}}

    def step(idx):
        opt.zero_grad()
        loss = loss_fn(model(X[idx]), Y[idx])
        loss.backward()
        opt.step()

    steps_per_epoch = math.ceil(n / BATCH)
    if steps:
        # a part of an epoch, after a warm-up, scaled to a whole epoch
        perm = torch.randperm(n)
        for i in range(warmup):
            step(perm[i * BATCH:(i + 1) * BATCH])
        t, c = time.perf_counter(), time.process_time()
        for i in range(warmup, warmup + steps):
            j = (i % steps_per_epoch) * BATCH
            step(perm[j:j + BATCH])
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        res.update(epoch_s=wall / steps * steps_per_epoch, cpu_s=cpu / steps * steps_per_epoch,
                   steps=steps)
    else:
        epochs, cpus = [], []
        for _ in range(EPOCHS):
            t, c = time.perf_counter(), time.process_time()
            perm = torch.randperm(n)
            for i in range(0, n, BATCH):
                idx = perm[i:i + BATCH]
                opt.zero_grad()
                loss = loss_fn(model(X[idx]), Y[idx])
                loss.backward()
                opt.step()
            epochs.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        with torch.no_grad():
            res["mse"] = float(loss_fn(model(X), Y))
        res.update(epochs=epochs, cpus=cpus)
    st = proc_status(os.getpid())
    # private memory from after import torch: the tensors, the model, Adam's state and
    # the allocator's caches (at the end: Linux keeps no peak of private memory alone)
    res.update(anon_start=rss0, anon_data=rss1, anon_end=st["RssAnon"])
    print(json.dumps(res))


def torch_predict(d, runs):
    """Batch forward of the whole tensor with maas's weights, 2 and 1 threads."""
    import numpy as np
    torch = torch_setup(2)
    z = np.load(os.path.join(d, "model.npz"))
    X = torch.from_numpy(load_f32(d, "x.f32", P))
    layers, l = [], 1
    while f"W{l}" in z:
        w = torch.from_numpy(z[f"W{l}"].astype(np.float32))
        lin = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(w.T)
            lin.bias.copy_(torch.from_numpy(z[f"b{l}"].astype(np.float32)))
        layers.append(lin)
        l += 1
        if f"W{l}" in z:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).eval()
    mean = torch.from_numpy(z["x_mean"].astype(np.float32))
    scale = torch.from_numpy(z["x_scale"].astype(np.float32))
    ym, ys = float(z["y_mean"]), float(z["y_scale"])
    res = {"blas": blas_core(), "chunk": PREDICT_CHUNK}

    def forward(x):
        return float((net((x - mean) / scale) * ys + ym).double().sum())

    # in chunks (the temporaries stay small), and the whole tensor in one call
    # (1M x 64 floats of temporaries: here mostly page faults of fresh mmaps)
    for how in ("chunk", "whole"):
        for threads in (2, 1):
            torch.set_num_threads(threads)
            times, cpus, total = [], [], None
            for r in range(runs + 1):          # the first is a warm-up
                t, c = time.perf_counter(), time.process_time()
                with torch.no_grad():
                    if how == "whole":
                        total = forward(X)
                    else:
                        total = sum(forward(x) for x in torch.split(X, PREDICT_CHUNK))
                if r > 0:
                    times.append(time.perf_counter() - t)
                    cpus.append(time.process_time() - c)
            res[f"{how}{threads}"] = {"times": times, "cpus": cpus, "sum": total}
    print(json.dumps(res))


def torch_info():
    import numpy as np
    import torch
    default_threads = torch.get_num_threads()
    # does this OpenBLAS kernel compute the shapes of the benchmark right?
    g = torch.Generator().manual_seed(1)
    err = 0.0
    for m, k, n in ((256, 16, 64), (256, 64, 32), (256, 32, 1), (64, 256, 32), (16, 256, 64),
                    (1000, 16, 64)):
        a, b = torch.randn(m, k, generator=g), torch.randn(k, n, generator=g)
        ref = a.double().numpy() @ b.double().numpy()
        got = (a @ b).double().numpy()
        err = max(err, float(np.abs(got - ref).max() / np.abs(ref).max()))
    print(json.dumps({
        "version": torch.__version__,
        "default_threads": default_threads,
        "interop_threads": torch.get_num_interop_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "blas": blas_core(),
        "sgemm_max_rel_err": err,
        "config": torch.__config__.show(),
        "parallel": torch.__config__.parallel_info(),
    }))


# ---------------------------------------------------------------- the driver

class Bench:
    def __init__(self):
        import psycopg2
        self.pg = psycopg2
        self.runs = max(3, int(os.environ.get("BENCH_RUNS", "3")))
        self.results = {}
        self.lines = []
        self.conn = None
        self.connect()
        self.cur.execute("SELECT count(*) FROM bench_table")
        self.rows = self.cur.fetchone()[0]
        self.log_path = os.path.join(os.environ.get("MAAS_CLUSTER", ""), "server.log")
        self.data_dir = os.path.join(OUT, "mlp_data")

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = self.pg.connect("")
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        for s in ("SET client_min_messages = warning",
                  "SET max_parallel_workers_per_gather = 0",
                  "SET jit = off",
                  "SET synchronize_seqscans = off",
                  "SET maas.threads = 2",
                  "SET maas.blas_threads = 1",
                  "SET maas.progress_interval = 1",
                  "SET log_min_messages = notice",
                  "SET statement_timeout = '900s'"):
            self.cur.execute(s)
        self.pid = self.conn.get_backend_pid()

    def say(self, s=""):
        print(s, flush=True)
        self.lines.append(s)

    def line(self, what, value):
        self.say(f"  {what:62s} {value}")

    def query(self, sql, args=None):
        """(wall s, backend cpu s, rows)"""
        c0 = proc_cpu(self.pid)
        t = time.perf_counter()
        self.cur.execute(sql, args)
        rows = self.cur.fetchall()
        wall = time.perf_counter() - t
        return wall, proc_cpu(self.pid) - c0, rows

    # -- set-up

    def setup(self):
        self.cur.execute("ALTER SYSTEM SET log_timezone = 'UTC'")
        self.cur.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] '")
        self.cur.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        self.cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        self.cur.execute("SELECT pg_prewarm('bench_table')")
        self.cur.execute("SELECT pg_size_pretty(pg_table_size('bench_table')), "
                         "current_setting('shared_buffers')")
        size, sb = self.cur.fetchone()
        os.makedirs(self.data_dir, exist_ok=True)
        import numpy as np
        import pandas as pd
        buf = io.StringIO()
        self.cur.copy_expert(f"COPY (SELECT {COLS}, y FROM bench_table) TO STDOUT (FORMAT csv)", buf)
        buf.seek(0)
        a = pd.read_csv(buf, header=None, float_precision="round_trip").to_numpy(np.float64)
        x, y = a[:, :P], a[:, P]
        # standardized as maas does (population std, in double), then float32
        ((x - x.mean(0)) / x.std(0)).astype(np.float32).tofile(os.path.join(self.data_dir, "xs.f32"))
        ((y - y.mean()) / y.std()).astype(np.float32).tofile(os.path.join(self.data_dir, "ys.f32"))
        x.astype(np.float32).tofile(os.path.join(self.data_dir, "x.f32"))
        del x, y
        json.dump({"rows": len(a)}, open(os.path.join(self.data_dir, "meta.json"), "w"))
        del a, buf
        return size, sb

    def machine(self):
        cpu = "?"
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        fam = re.search(r"cpu family\s*:\s*(\d+)", open("/proc/cpuinfo").read())
        mem = proc_meminfo_gb()
        self.cur.execute("SELECT version()")
        pgv = self.cur.fetchone()[0].split(" on ")[0]
        self.cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'maas'")
        maasv = self.cur.fetchone()[0]
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True).stdout.strip()
        return {"cpu": f"{cpu} (family {fam.group(1) if fam else '?'}), {os.cpu_count()} cores, {mem} GB",
                "os": platform.platform(), "pg": pgv, "maas": f"{maasv}, commit {commit}"
                + (" (src modified)" if dirty else ""),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}

    # -- subprocesses

    def sub(self, args, env_set=None, env_unset=()):
        env = os.environ.copy()
        for k in env_unset:
            env.pop(k, None)
        env.update(env_set or {})
        r = subprocess.run([sys.executable, os.path.abspath(__file__)] + args, env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {r.stderr[-2000:]}")
        return json.loads(r.stdout.strip().splitlines()[-1])

    # -- maas training

    def log_offset(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return None

    def log_epochs(self, offset, pid):
        """Times (s since the epoch) of this backend's epoch NOTICEs after offset."""
        out = []
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            for raw in f:
                line = raw.decode("utf-8", "replace")
                m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC \[(\d+)\] NOTICE:  mlp: epoch (\d+) of", line)
                if m and int(m.group(2)) == pid:
                    ts = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
                    out.append(ts.replace(tzinfo=datetime.timezone.utc).timestamp())
        return out

    def maas_train(self, epochs, threads=2, perf=False):
        """One maas_train on a fresh connection: wall, cpu, epochs, memory."""
        self.connect()
        self.cur.execute(f"SET maas.threads = {threads}")
        before = proc_status(self.pid)
        off = self.log_offset()
        perf_proc = None
        if perf:
            perf_proc = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-p", str(self.pid),
                                          "-o", os.path.join(OUT, "mlp_perf.data")],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        c0 = proc_cpu(self.pid)
        t0 = time.time()
        self.cur.execute("SELECT train_ms, train_memory_bytes, threads, rows_trained, "
                         "(metrics->>'r2')::float8 FROM maas_train('b', 'mlp', 'bench_table', 'y', %s)",
                         (PARAMS % epochs,))
        train_ms, mem, used, n, r2 = self.cur.fetchone()
        t1 = time.time()
        cpu = proc_cpu(self.pid) - c0
        if perf_proc:
            perf_proc.send_signal(2)
            perf_proc.wait()
        after = proc_status(self.pid)
        self.cur.execute("SELECT (maas_info('b')->'parameters'->'history'->'loss'->>-1)::float8")
        loss = self.cur.fetchone()[0]
        ticks = self.log_epochs(off, self.pid) if off is not None else []
        r = {"wall": t1 - t0, "train_ms": train_ms, "cpu": cpu, "memory": mem, "threads": used,
             "rows": n, "r2": r2, "loss": loss, "epoch_ticks": ticks, "t0": t0, "t1": t1,
             # peak private memory: the high-water mark less the shared buffers and files
             # mapped at the end (both only grow), less the private memory before
             "peak_private": after["VmHWM"] - after.get("RssShmem", 0) - after.get("RssFile", 0)
             - before.get("RssAnon", 0)}
        if len(ticks) == epochs:
            r["intervals"] = [b - a for a, b in zip(ticks, ticks[1:])]
            r["before_first"] = ticks[0] - t0
            r["after_last"] = t1 - ticks[-1]
        return r

    # -- the weights of model b, from its bytes

    def maas_weights(self):
        import numpy as np
        self.cur.execute("SELECT m.model FROM maas.models m WHERE m.name = 'b' AND m.version = "
                         "(SELECT d.version FROM maas.deployments d WHERE d.name = 'b' "
                         "AND NOT d.rolled_back ORDER BY d.id DESC LIMIT 1)")
        blob = bytes(self.cur.fetchone()[0])
        self.cur.execute("SELECT maas_info('b')")
        info = self.cur.fetchone()[0]
        units = [P] + [l["units"] for l in info["parameters"]["layers"]]
        epochs = info["parameters"]["epochs"]
        n_params = sum(units[i] * units[i + 1] + units[i + 1] for i in range(len(units) - 1))
        nl = len(units) - 1
        # the mlp section closes the model: layers, floats, means, scales, y, epochs, history
        sec_len = 4 + nl * 13 + 4 * n_params + 16 * P + 16 + 8 + 16 * epochs
        sec = blob[-sec_len:]
        if struct.unpack("<I", blob[-sec_len - 4:-sec_len])[0] != sec_len or \
                struct.unpack("<I", sec[:4])[0] != nl:
            raise RuntimeError("cannot find the mlp section in model b's bytes")
        pos = 4 + nl * 13
        params = np.frombuffer(sec, dtype="<f4", count=n_params, offset=pos)
        pos += 4 * n_params
        x_mean = np.frombuffer(sec, dtype="<f8", count=P, offset=pos)
        x_scale = np.frombuffer(sec, dtype="<f8", count=P, offset=pos + 8 * P)
        y_mean, y_scale = struct.unpack("<dd", sec[pos + 16 * P:pos + 16 * P + 16])
        arrays, off = {}, 0
        for l in range(nl):
            i, o = units[l], units[l + 1]
            arrays[f"W{l + 1}"] = params[off:off + i * o].reshape(i, o)
            off += i * o
            arrays[f"b{l + 1}"] = params[off:off + o]
            off += o
        arrays.update(x_mean=x_mean, x_scale=x_scale, y_mean=np.float64(y_mean),
                      y_scale=np.float64(y_scale))
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue(), n_params

    def restart_server(self, env_unset):
        pg_bin, cluster = os.environ.get("PG_BIN"), os.environ.get("MAAS_CLUSTER")
        if not pg_bin or not cluster:
            return False
        env = os.environ.copy()
        for k in env_unset:
            env.pop(k, None)
        cmd = [os.path.join(pg_bin, "pg_ctl"), "-D", os.path.join(cluster, "data"),
               "-l", self.log_path, "-w", "-t", "120", "restart"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        self.conn = None
        self.connect()
        self.cur.execute("SELECT pg_prewarm('bench_table')")
        return True

    def backend_blas(self):
        """OpenBLAS's kernel in a backend, and the variables it sees (/proc/pid/environ
        does not show them: the postmaster reuses that memory for its ps title)."""
        self.cur.execute("SELECT py_blas_core()")
        return self.cur.fetchone()[0]


def proc_meminfo_gb():
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            return round(int(line.split()[1]) / 1024 / 1024)
    return "?"


def fmt_s(v):
    return f"{v:.2f} s"


def spread(v):
    return f"[{min(v):.2f}-{max(v):.2f}]" if v else ""


TORCH_CONFIGS = [
    # (label, torch threads, env set, env unset)
    ("as set here: set_num_threads(2), OpenBLAS default", 2, {}, ()),
    ("OPENBLAS_CORETYPE/L2_SIZE unset", 2, {}, BLAS_VARS),
    ("OMP_WAIT_POLICY=PASSIVE", 2, {"OMP_WAIT_POLICY": "PASSIVE"}, ()),
    ("OPENBLAS_NUM_THREADS=1", 2, {"OPENBLAS_NUM_THREADS": "1"}, ()),
    ("OPENBLAS_NUM_THREADS=1, OMP_WAIT_POLICY=PASSIVE", 2,
     {"OPENBLAS_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}, ()),
    ("OPENBLAS_NUM_THREADS=1, vars unset", 2, {"OPENBLAS_NUM_THREADS": "1"}, BLAS_VARS),
    ("OPENBLAS_NUM_THREADS=1, OMP_WAIT_POLICY=PASSIVE, vars unset", 2,
     {"OPENBLAS_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}, BLAS_VARS),
    ("OPENBLAS_NUM_THREADS=1, OMP PASSIVE, vars unset, mkldnn off", 2,
     {"OPENBLAS_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE", "BENCH_NO_MKLDNN": "1"}, BLAS_VARS),
    ("1 thread: set_num_threads(1), OPENBLAS_NUM_THREADS=1", 1, {"OPENBLAS_NUM_THREADS": "1"}, ()),
    ("1 thread, vars unset", 1, {"OPENBLAS_NUM_THREADS": "1"}, BLAS_VARS),
]


def driver():
    b = Bench()
    os.makedirs(OUT, exist_ok=True)
    n = b.rows
    runs = b.runs
    t_start = time.time()
    size, sb = b.setup()
    m = b.machine()
    load0 = os.getloadavg()
    b.say(f"mlp benchmark: {n:,} rows x {P} features, layers {HIDDEN} relu, batch {BATCH}, "
          f"{EPOCHS} epochs, Adam lr {LR}; {runs} runs per figure, medians")
    b.say(f"machine: {m['cpu']}; {m['os']}")
    b.say(f"{m['pg']}; maas {m['maas']}; bench_table {size} (shared_buffers {sb}, prewarmed)")
    b.say(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    res = b.results
    res["machine"] = m
    res["rows"] = n

    # ---- what PyTorch is, and what its OpenBLAS runs
    info = b.sub(["torch-info"])
    info_unset = b.sub(["torch-info"], env_unset=BLAS_VARS)
    res["torch_info"] = {k: info[k] for k in ("version", "default_threads", "interop_threads", "mkldnn", "blas",
                                               "sgemm_max_rel_err")}
    res["torch_info"]["blas_vars_unset"] = info_unset["blas"]
    res["torch_info"]["sgemm_max_rel_err_vars_unset"] = info_unset["sgemm_max_rel_err"]
    b.say(f"PyTorch {info['version']}: default threads {info['default_threads']} "
          f"(interop {info['interop_threads']}), mkldnn available {info['mkldnn']}, "
          f"OpenBLAS {info['blas']} (with OPENBLAS_CORETYPE/L2_SIZE unset: {info_unset['blas']})")
    b.say(f"  torch sgemm vs float64, max relative error: {info['sgemm_max_rel_err']:.1e} "
          f"(variables unset: {info_unset['sgemm_max_rel_err']:.1e})")
    cfg = [l.strip() for l in info["config"].splitlines() if "BLAS_INFO" in l or "CPU capability" in l
           or "MKL-DNN" in l or "OpenMP" in l]
    for l in cfg:
        b.say(f"  torch config: {l[:150]}")
    res["server_blas"] = b.backend_blas()
    b.say(f"OpenBLAS in a backend (py_blas_core()): {res['server_blas']}")

    # ---- 1. training
    b.say("\n1. Training, 16-64-32-1 relu, batch 256, Adam, 2 threads each")
    b.say("\n  PyTorch settings (a part of an epoch each: "
          f"{int(os.environ.get('BENCH_SCREEN_STEPS', '400'))} steps after 30 warm-up steps, "
          "scaled to an epoch; median of "
          f"{runs} processes):")
    steps = int(os.environ.get("BENCH_SCREEN_STEPS", "400"))
    screen = []
    for label, threads, env_set, env_unset in TORCH_CONFIGS:
        rs = [b.sub(["torch-train", b.data_dir, "--threads", str(threads), "--steps", str(steps),
                     "--warmup", "30"], env_set, env_unset) for _ in range(runs)]
        e = [r["epoch_s"] for r in rs]
        c = [r["cpu_s"] for r in rs]
        screen.append({"label": label, "threads": threads, "env_set": env_set, "env_unset": list(env_unset),
                       "epoch_s": e, "cpu_s": c, "blas": rs[0]["blas"], "torch_threads": rs[0]["threads"]})
        b.line(f"{label[:62]}", f"{median(e):7.2f} s/epoch {spread(e)} cpu {median(c):.2f} s  ({rs[0]['blas']})")
    res["torch_screen"] = screen
    best = min((s for s in screen if s["threads"] == 2), key=lambda s: median(s["epoch_s"]))
    best1 = min((s for s in screen if s["threads"] == 1), key=lambda s: median(s["epoch_s"]))
    b.say(f"  fastest 2-thread setting: {best['label']}")

    # ---- the interleaved rounds: maas 5 epochs, maas 1 epoch, PyTorch 5 epochs
    b.say(f"\n  {runs} rounds of: maas_train 5 epochs, maas_train 1 epoch, PyTorch 5 epochs ({best['label']})")
    m5, m1, tr = [], [], []
    perf = os.environ.get("BENCH_PERF", "0") == "1"
    for r in range(runs):
        m5.append(b.maas_train(EPOCHS))
        m1.append(b.maas_train(1))
        tr.append(b.sub(["torch-train", b.data_dir, "--threads", "2"], best["env_set"], best["env_unset"]))
        b.say(f"  round {r + 1}: maas 5 epochs {m5[-1]['wall']:.2f} s (train_ms {m5[-1]['train_ms']:.0f}, "
              f"cpu {m5[-1]['cpu']:.2f} s), 1 epoch {m1[-1]['wall']:.2f} s; PyTorch epochs "
              + " ".join(f"{e:.2f}" for e in tr[-1]["epochs"]) + f"; load {os.getloadavg()[0]:.2f}")
    if perf:
        b.maas_train(1, perf=True)
    res["maas_5"], res["maas_1"], res["torch_5"] = m5, m1, tr
    intervals = [x for r in m5 for x in r.get("intervals", [])]
    maas_epoch = median(intervals)
    diff_epoch = (median([r["wall"] for r in m5]) - median([r["wall"] for r in m1])) / (EPOCHS - 1)
    before_first = median([r["before_first"] - maas_epoch for r in m5 if "before_first" in r])
    after_last = median([r["after_last"] for r in m5 if "after_last" in r])
    fixed_1 = median([r["wall"] for r in m1]) - maas_epoch
    torch_epochs = [e for r in tr for e in r["epochs"]]
    torch_epoch = median(torch_epochs)
    torch_cpu = median([c for r in tr for c in r["cpus"]])
    maas_cpu_epoch = (median([r["cpu"] for r in m5]) - median([r["cpu"] for r in m1])) / (EPOCHS - 1)
    b.say("")
    b.line("maas per epoch (between epoch NOTICEs, maas.threads = 2)",
           f"{maas_epoch:6.2f} s {spread(intervals)}  cpu {maas_cpu_epoch:.2f} s (5- vs 1-epoch runs)")
    b.line("maas per epoch, (5-epoch run - 1-epoch run) / 4", f"{diff_epoch:6.2f} s")
    b.line("maas before epoch 1: read the rows via SQL, standardize, floats",
           f"{before_first:6.2f} s")
    b.line("maas after the last epoch: score the training rows, store", f"{after_last:6.2f} s")
    b.line("maas_train 5 epochs, whole call (train_ms)",
           f"{median([r['train_ms'] for r in m5]) / 1000:6.2f} s; 1 epoch "
           f"{median([r['train_ms'] for r in m1]) / 1000:.2f} s")
    b.line(f"PyTorch per epoch ({best['label'][:40]})",
           f"{torch_epoch:6.2f} s {spread(torch_epochs)}  cpu {torch_cpu:.2f} s")
    b.line("ratio maas / PyTorch per epoch", f"{maas_epoch / torch_epoch:6.2f}x")
    b.line(f"PyTorch 1 thread ({best1['label'][:45]}), part-epoch", f"{median(best1['epoch_s']):6.2f} s")
    b.line("PyTorch as set here (2 threads, OpenBLAS default), part-epoch",
           f"{median(screen[0]['epoch_s']):6.2f} s")
    b.line("training loss after 5 epochs, maas / PyTorch (standardized y)",
           f"{median([r['loss'] for r in m5]):.4f} / {median([r['mse'] for r in tr]):.4f}")
    b.line("maas r2 on the training rows", f"{median([r['r2'] for r in m5]):.4f}")
    maas1 = []
    res["maas_threads1"] = []
    for _ in range(runs):
        r1 = b.maas_train(3, threads=1)
        res["maas_threads1"].append(r1)
        maas1 += r1.get("intervals", [])
    b.line("maas per epoch with maas.threads = 1", f"{median(maas1):6.2f} s {spread(maas1)}")

    # ---- 3. memory (from the 5-epoch runs)
    _, n_params = b.maas_weights()
    mem = median([r["memory"] for r in m5])
    floor = n * P * 4 + n_params * 4 * 3
    peak = median([r["peak_private"] for r in m5])
    torch_mem = median([r["anon_end"] - r["anon_start"] for r in tr])
    res["memory"] = {"train_memory_bytes": mem, "floor": floor, "n_params": n_params,
                     "backend_peak_private": peak, "torch_growth": torch_mem}

    # ---- 2. prediction
    b.connect()
    blob, _ = b.maas_weights()
    open(os.path.join(b.data_dir, "model.npz"), "wb").write(blob)
    b.cur.execute("INSERT INTO mlp_py_models VALUES ('b', %s) ON CONFLICT (name) DO UPDATE "
                  "SET model = excluded.model", (b.pg.Binary(blob),))
    b.say(f"\n2. Prediction over the {n:,} rows (model b, {n_params} weights), rows/s")
    b.cur.execute("EXPLAIN VERBOSE SELECT sum(maas_predict('b', t)) FROM bench_table t")
    plan = "\n".join(r[0] for r in b.cur.fetchall())
    rewritten = "maas_predict_columns" in plan
    plus = " + ".join(f"x{j + 1}" for j in range(P))
    queries = [
        ("scan limit: sum(x1 + ... + x16)", f"SELECT sum({plus}) FROM bench_table"),
        ("sum(maas_predict('b', t))", "SELECT sum(maas_predict('b', t)) FROM bench_table t"),
        ("sum(maas_predict('b', ARRAY[x1..x16]))",
         f"SELECT sum(maas_predict('b', ARRAY[{COLS}])) FROM bench_table"),
    ]
    times = {q[0]: [] for q in queries}
    cpus = {q[0]: [] for q in queries}
    sums = {}
    for r in range(runs + 1):
        for label, sql in queries:
            w, c, rows = b.query(sql)
            sums[label] = rows[0][0]
            if r > 0:
                times[label].append(w)
                cpus[label].append(c)
    # glibc's malloc hands PyTorch's large temporaries back to the kernel (mmap
    # threshold, trim threshold) and a page fault is dear on this VM: PyTorch runs
    # with both thresholds raised, as with a caching allocator, and as it comes
    tp = b.sub(["torch-predict", b.data_dir, "--runs", str(runs)],
               dict(best["env_set"], **MALLOC_ENV), best["env_unset"])
    tp_default = b.sub(["torch-predict", b.data_dir, "--runs", str(runs)], best["env_set"],
                       best["env_unset"])
    np_rows = min(int(os.environ.get("BENCH_PLPY_ROWS", "100000")), n)
    sub = f"(SELECT * FROM bench_table LIMIT {np_rows}) t"
    b.cur.execute(f"SELECT py_mlp_predict('b', ARRAY[{COLS}]) FROM bench_table LIMIT 10")
    pl_t, pl_c, ma_t = [], [], []
    for r in range(runs):
        w, c, rows = b.query(f"SELECT sum(py_mlp_predict('b', ARRAY[{COLS}])) FROM {sub}")
        pl_t.append(w)
        pl_c.append(c)
        pl_sum = rows[0][0]
        w, c, rows = b.query(f"SELECT sum(maas_predict('b', ARRAY[{COLS}])) FROM {sub}")
        ma_t.append(w)
        ma_sum = rows[0][0]
    scan = median(times[queries[0][0]])
    pred = []
    for label, _ in queries:
        t = median(times[label])
        pred.append((label, n / t, t, median(cpus[label]), t / scan))
    for r, key, what in ((tp, "chunk2", f"chunks of {PREDICT_CHUNK} rows, 2 threads"),
                         (tp, "chunk1", f"chunks of {PREDICT_CHUNK} rows, 1 thread"),
                         (tp, "whole2", "whole tensor in one call, 2 threads"),
                         (tp_default, "chunk2", f"chunks, 2 threads, default malloc"),
                         (tp_default, "whole2", "whole tensor, 2 threads, default malloc")):
        t = median(r[key]["times"])
        pred.append((f"PyTorch batch: {what}", n / t, t, median(r[key]["cpus"]), t / scan))
    pred.append((f"PL/Python + PyTorch per row ({np_rows:,} rows)", np_rows / median(pl_t), median(pl_t),
                 median(pl_c), None))
    pred.append((f"maas_predict('b', ARRAY[...]) on the same {np_rows:,} rows", np_rows / median(ma_t),
                 median(ma_t), None, None))
    for label, rps, t, c, ratio in pred:
        b.line(label, f"{rps:12,.0f} rows/s  {t:6.3f} s" + (f"  cpu {c:.3f} s" if c is not None else "")
               + (f"  {ratio:5.2f}x scan" if ratio is not None else ""))
    maas_row = n / median(times[queries[1][0]])
    b.line("ratio maas row form / PyTorch batch, chunks, 2 threads (rows/s)",
           f"{maas_row / (n / median(tp['chunk2']['times'])):.2f}")
    b.line("ratio maas array form / PL/Python per row",
           f"{(np_rows / median(ma_t)) / (np_rows / median(pl_t)):.1f}x faster")
    s_row, s_arr = sums[queries[1][0]], sums[queries[2][0]]
    s_torch = tp["chunk2"]["sum"]
    checks = {
        "row form rewritten to maas_predict_columns": rewritten,
        "row form sum == array form sum": s_row == s_arr,
        "maas sum ~ PyTorch batch sum (rel 1e-5)": abs(s_row - s_torch) <= 1e-5 * abs(s_torch),
        "maas sum ~ PL/Python sum on its rows (rel 1e-5)": abs(ma_sum - pl_sum) <= 1e-5 * abs(pl_sum),
    }
    b.say(f"  sums: maas {s_row:.6f}, PyTorch {s_torch:.6f}; on {np_rows:,} rows maas {ma_sum:.6f}, "
          f"PL/Python {pl_sum:.6f}")
    for k, v in checks.items():
        b.line("check: " + k, "ok" if v else "FAILED")
    res["predict"] = {"times": times, "cpus": cpus, "sums": sums, "torch": tp, "torch_default_malloc": tp_default,
                      "plpython": pl_t,
                      "plpython_rows": np_rows, "maas_same_rows": ma_t, "checks": checks}

    b.say("\n3. Training memory")
    b.line("train_memory_bytes (maas_train's own report)", f"{mem / 2**20:8.1f} MB")
    b.line(f"floats n*p*4 + weights + Adam m, v ({n_params} weights)", f"{floor / 2**20:8.1f} MB")
    b.line("ratio", f"{mem / floor:8.2f}x")
    b.line("backend's measured peak private memory during maas_train", f"{peak / 2**20:8.1f} MB "
           f"({peak / floor:.2f}x)")
    b.line("PyTorch process: private memory after training - after import",
           f"{torch_mem / 2**20:8.1f} MB")

    # ---- maas with the server started without the OpenBLAS variables, and with
    # them, alternately (a restart each), so a change of load hits both
    env_runs, set_runs = [], []
    if any(os.environ.get(k) for k in BLAS_VARS) and os.environ.get("PG_BIN") and os.environ.get("MAAS_CLUSTER"):
        b.say("\n4. maas with the server restarted without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, "
              "and with them, alternately")
        cores = {}
        for _ in range(runs):
            for unset, runs_list in ((BLAS_VARS, env_runs), ((), set_runs)):
                b.restart_server(unset)
                cores[bool(unset)] = b.backend_blas()
                runs_list.append(b.maas_train(EPOCHS))
        b.say(f"  OpenBLAS in a backend: {cores[True]} / {cores[False]}")
        iv = [x for r in env_runs for x in r.get("intervals", [])]
        iv_set = [x for r in set_runs for x in r.get("intervals", [])]
        b.line("maas per epoch, variables unset / set",
               f"{median(iv):6.2f} s {spread(iv)} / {median(iv_set):.2f} s {spread(iv_set)}")
        b.line("maas_train 5 epochs, backend cpu, unset / set",
               f"{median([r['cpu'] for r in env_runs]):6.2f} s / {median([r['cpu'] for r in set_runs]):.2f} s")
        b.line("training loss after 5 epochs, unset / set",
               f"{median([r['loss'] for r in env_runs]):.6f} / {median([r['loss'] for r in set_runs]):.6f}")
        res["maas_unset"], res["maas_set"] = env_runs, set_runs
        res["maas_unset_core"] = cores[True]
        res["maas_unset_epoch"], res["maas_set_epoch"] = median(iv), median(iv_set)
        res["maas_unset_cpu"] = median([r['cpu'] for r in env_runs])
        res["maas_set_cpu"] = median([r['cpu'] for r in set_runs])

    load1 = os.getloadavg()
    b.say(f"\nload average at end: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; "
          f"the run took {(time.time() - t_start) / 60:.1f} min")
    res["load"] = [load0, load1]

    # ---- the summary and files
    summary = [
        ("maas per epoch (maas.threads = 2)", fmt_s(maas_epoch),
         f"{spread(intervals)}; cpu {maas_cpu_epoch:.2f} s/epoch (both threads)"),
        (f"PyTorch per epoch, 2 threads ({best['label']})", fmt_s(torch_epoch),
         f"{spread(torch_epochs)}; cpu {torch_cpu:.2f} s/epoch"),
        ("**maas / PyTorch per epoch**", f"**{maas_epoch / torch_epoch:.2f}x**", ""),
        ("maas per epoch, (5-epoch - 1-epoch run) / 4", fmt_s(diff_epoch), "cross-check"),
        ("maas per epoch, maas.threads = 1", fmt_s(median(maas1)), ""),
        ("PyTorch per epoch, 1 thread (part-epoch)", fmt_s(median(best1["epoch_s"])), best1["label"]),
        ("PyTorch per epoch as the machine sets it (part-epoch)", fmt_s(median(screen[0]["epoch_s"])),
         "set_num_threads(2), OpenBLAS default threads, OPENBLAS_CORETYPE set"),
        ("maas read + prepare (before epoch 1)", fmt_s(before_first),
         "SQL read of every row, standardize, float copy"),
        ("maas after the last epoch", fmt_s(after_last), "score the training rows (test_size 0), store"),
        ("maas 1-epoch run less one epoch", fmt_s(fixed_1), "read + prepare + score + store"),
    ]
    if env_runs:
        summary.append(("maas per epoch, server without / with the OpenBLAS variables",
                        f"{res['maas_unset_epoch']:.2f} s / {res['maas_set_epoch']:.2f} s",
                        f"alternate restarts; 5-epoch cpu {res['maas_unset_cpu']:.2f} s / "
                        f"{res['maas_set_cpu']:.2f} s; {res['maas_unset_core']}"))
    for label, rps, t, c, ratio in pred:
        summary.append((f"predict: {label}", f"{rps:,.0f} rows/s",
                        f"{t:.3f} s" + (f", {ratio:.2f}x the scan" if ratio is not None else "")))
    summary += [
        ("train_memory_bytes", f"{mem / 2**20:.1f} MB", ""),
        ("n*p*4 + weights + Adam state", f"{floor / 2**20:.1f} MB", ""),
        ("**memory ratio**", f"**{mem / floor:.2f}x**", f"measured backend peak {peak / 2**20:.0f} MB"),
    ]
    md = render_md(b, m, res, summary, screen, checks, load0, load1)
    open(os.path.join(OUT, "mlp.md"), "w").write(md)
    json.dump(res, open(os.path.join(OUT, "mlp.json"), "w"), indent=1, default=str)
    if os.environ.get("BENCH_REFERENCE", "0") == "1":
        open(os.path.join(ROOT, "bench", "mlp_reference.md"), "w").write(md)
        b.say("wrote bench/mlp_reference.md")
    b.say("\n" + md_table(summary))
    return 0 if all(checks.values()) else 1


def md_table(rows):
    out = ["| figure | value | note |", "|---|---|---|"]
    out += [f"| {a} | {v} | {n} |" for a, v, n in rows]
    return "\n".join(out)


def render_md(b, m, res, summary, screen, checks, load0, load1):
    lines = [
        "# mlp benchmark: reference figures",
        "",
        "Written by `bench/mlp.sh` (`bench/mlp.py`); see the top of `bench/mlp.py` for the method.",
        "",
        f"- date: {m['date']}",
        f"- machine: {m['cpu']}; {m['os']}",
        f"- {m['pg']}; maas {m['maas']}",
        f"- PyTorch {res['torch_info']['version']} (Debian python3-torch), OpenBLAS "
        f"{res['torch_info']['blas']}; with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset: "
        f"{res['torch_info']['blas_vars_unset']}",
        f"- data: bench_table, {res['rows']:,} rows x {P} float8 features + y (bench/mlp_setup.sql)",
        f"- model: {P}-64-32-1 relu, mse, Adam lr {LR} eps {EPS}, batch {BATCH}, {EPOCHS} epochs; "
        "maas: `SET maas.threads = 2`, "
        f"`maas_train('b', 'mlp', 'bench_table', 'y', '{PARAMS % EPOCHS}')`; PyTorch: "
        "`torch.set_num_threads(2)`, float32 tensor in memory, randperm, zero_grad, forward, "
        "MSELoss, backward, step",
        f"- {b.runs} runs of every figure, medians; load average {load0[0]:.2f} at the start, "
        f"{load1[0]:.2f} at the end (2 cores)",
        "",
        "## Summary",
        "",
        md_table(summary),
        "",
        "## PyTorch settings on this machine",
        "",
        "Each a part of an epoch (steps after a warm-up, scaled to 3,907 steps), median of the runs:",
        "",
        "| setting | torch threads | s/epoch | cpu s/epoch | OpenBLAS |",
        "|---|---|---|---|---|",
    ]
    for s in screen:
        lines.append(f"| {s['label']} | {s['torch_threads']} | {median(s['epoch_s']):.2f} "
                     f"{spread(s['epoch_s'])} | {median(s['cpu_s']):.2f} | {s['blas']} |")
    lines += [
        "",
        "What the settings are: `torch.set_num_threads(2)` runs PyTorch's element-wise work on",
        "two OpenMP (libgomp) threads, and its matrix products call OpenBLAS, which has its own",
        "pool (2 threads here by default).  libgomp's threads spin while they wait unless",
        "`OMP_WAIT_POLICY=PASSIVE`; `OPENBLAS_NUM_THREADS=1` keeps OpenBLAS on the calling thread;",
        "with `OPENBLAS_CORETYPE`/`OPENBLAS_L2_SIZE` unset, OpenBLAS 0.3.21 picks its kernels by",
        "itself (the sgemm check in the report compares them with float64).  `mkldnn off` is",
        "`torch.backends.mkldnn.enabled = False`.  The headline PyTorch figure uses the fastest",
        "2-thread setting of this table, timed over whole epochs.",
    ]
    lines += ["", "## Checks", ""]
    lines += [f"- {k}: {'ok' if v else 'FAILED'}" for k, v in checks.items()]
    lines += ["", "## Report", "", "```"] + b.lines + ["```", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "torch-train":
        a = sys.argv[2:]
        d = a[0]
        opt = dict(zip(a[1::2], a[2::2]))
        torch_train(d, int(opt.get("--threads", 2)), int(opt.get("--steps", 0)),
                    int(opt.get("--warmup", 30)))
    elif len(sys.argv) > 1 and sys.argv[1] == "torch-predict":
        a = sys.argv[2:]
        opt = dict(zip(a[1::2], a[2::2]))
        torch_predict(a[0], int(opt.get("--runs", 3)))
    elif len(sys.argv) > 1 and sys.argv[1] == "torch-info":
        torch_info()
    elif len(sys.argv) > 1 and sys.argv[1] == "blas-core":
        print(json.dumps({"blas": blas_core()}))
    else:
        sys.exit(driver())


if __name__ == "__main__":
    main()
