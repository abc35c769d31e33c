#!/usr/bin/python3
"""transformer against PyTorch (bench/transformer.sh), in one run:

1. One training epoch: the default model (embedding 64, 4 heads, 2 layers,
   feed-forward 128, dropout 0.1, batch 32) on the Reuters grain corpus
   repeated to BENCH_DOCS documents (default 20,000), length 100,
   vocabulary 10,000.  maas's epoch is the difference of maas_train's
   train_ms at 2 epochs and at 1 (reading and tokenizing cancel out);
   PyTorch's the median epoch of the same network
   (test/reference/transformer_reference.py's, same tokenization and
   batches packed to their longest document) at
   torch.set_num_threads(BENCH_THREADS, default 2).
2. Prediction: maas_predict_class over PREDICT_ROWS documents in one query
   against PyTorch's forward of one document at a time, and the scan limit
   (sum(length(body)) over the same rows).
3. Inside the server: a PL/Python function calling PyTorch per row (the
   network's state loaded once per session into GD, one torch thread, as a
   backend runs one), against maas_predict, for transformer, lstm and gru,
   rows/s over PLPY_ROWS rows.  The PyTorch networks are untrained (the
   cost of a forward pass does not depend on the weights); the maas lstm,
   gru and cnn are trained one epoch on the corpus's training rows.
BENCH_PLPY_ONLY=1 runs part 3 alone (the maas transformer trained one
epoch for it).  BENCH_REFERENCE=1 writes bench/transformer_reference.md.
"""
import os
import statistics
import sys
import time

import numpy as np
import psycopg2
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REF_DIR = os.path.join(HERE, "..", "test", "reference")
sys.path.insert(0, REF_DIR)
import cnn_reference as cref  # noqa: E402
import sequence_reference as sref  # noqa: E402
import transformer_reference as ref  # noqa: E402

DOCS = int(os.environ.get("BENCH_DOCS", "20000"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PREDICT_ROWS = 2000
PLPY_ROWS = 1000
SHAPE = dict(emb=64, heads=4, layers=2, ff=128, dropout=0.1)
STATE_DIR = "/tmp/maas-bench-transformer"

PLPY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION torch_predict(kind text, body text) RETURNS float8
LANGUAGE plpython3u AS $$
if kind not in GD:
    import json, sys
    import torch
    torch.set_num_threads(1)
    d = plpy.execute("SELECT current_setting('bench.dir') AS d")[0]["d"]
    sys.path.insert(0, d + "/test/reference")
    import sequence_reference as sref
    import transformer_reference as tref
    meta = json.load(open(d + "/meta.json"))
    if kind == "transformer":
        net = tref.Net(meta["n_words"], meta["steps"], **meta["shape"])
    elif kind == "cnn":
        import cnn_reference
        net = cnn_reference.Net(meta["n_words"])
    else:
        net = sref.Net(kind, meta["n_words"])
    net.load_state_dict(torch.load(meta["states"][kind]))
    net.eval()
    GD[kind] = (net, meta["vocab"], meta["steps"], tref, sref, torch)
net, vocab, steps, tref, sref, torch = GD[kind]
ids = [vocab.get(w, 1) for w in tref.tokens(body or "")[:steps]] or [1]
with torch.no_grad():
    if kind == "transformer":
        x, mask = tref.pad([(ids, 0)], steps)
        z = net(x, mask)
    else:
        z = net(sref.pad([(ids, 0)], steps))
    return float(torch.sigmoid(z)[0])
$$;
"""


def maas_epoch(cur):
    ms = {}
    for epochs in (1, 2):
        cur.execute("SELECT maas_drop('tfb') FROM maas.names WHERE name = 'tfb'")
        cur.execute("""SELECT train_ms FROM maas_train('tfb', 'transformer', 'tf_bench', 'is_grain', %s)""",
                    ('{"maxlen": 100, "num_words": 10000, "test_size": 0, "epochs": %d}' % epochs,))
        ms[epochs] = cur.fetchone()[0]
    return (ms[2] - ms[1]) / 1000.0


def rows_per_s(cur, expr, n):
    t0 = time.perf_counter()
    cur.execute("SELECT count(%s) FROM (SELECT body FROM tf_bench LIMIT %d) s" % (expr, n))
    rows = cur.fetchone()[0]
    return rows / (time.perf_counter() - t0)


def pytorch(train, n_words, steps):
    torch.manual_seed(1)
    net = ref.Net(n_words, steps, **SHAPE)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    rng = np.random.RandomState(1)
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        ref.train_epoch(net, opt, train, steps, rng)
        times.append(time.perf_counter() - t0)
    net.eval()
    with torch.no_grad():
        n = min(PREDICT_ROWS, len(train))
        t0 = time.perf_counter()
        for i in range(n):
            net(*ref.pad(train[i:i + 1], steps))
        rows_s = n / (time.perf_counter() - t0)
    return statistics.median(times), rows_s


def plpython_setup(cur, n_words, steps, vocab):
    import json
    os.makedirs(STATE_DIR, exist_ok=True)
    os.chmod(STATE_DIR, 0o755)
    torch.manual_seed(2)
    states = {}
    for kind in ("transformer", "lstm", "gru", "cnn"):
        if kind == "transformer":
            net = ref.Net(n_words, steps, **SHAPE)
        elif kind == "cnn":
            net = cref.Net(n_words)
        else:
            net = sref.Net(kind, n_words)
        states[kind] = os.path.join(STATE_DIR, kind + ".pt")
        torch.save(net.state_dict(), states[kind])
    with open(os.path.join(STATE_DIR, "meta.json"), "w") as f:
        json.dump({"n_words": n_words, "steps": steps, "shape": SHAPE, "vocab": vocab,
                   "states": states}, f)
    os.symlink(os.path.abspath(os.path.join(HERE, "..", "test")), os.path.join(STATE_DIR, "test")) \
        if not os.path.exists(os.path.join(STATE_DIR, "test")) else None
    cur.execute(PLPY_FUNCTION)
    cur.execute("SET bench.dir = %s", (STATE_DIR,))
    for kind in ("lstm", "gru", "cnn"):
        cur.execute("SELECT maas_drop(%s) FROM maas.names WHERE name = %s", ("tfb_" + kind,) * 2)
        cur.execute("""SELECT 1 FROM maas_train(%s, %s, 'SELECT body, is_grain FROM tf_src WHERE split = ''train''',
                       'is_grain', '{"maxlen": 100, "num_words": 10000, "test_size": 0, "epochs": 1}')""",
                    ("tfb_" + kind, kind))


def plpython(cur, n_words, steps, vocab):
    lines = ["Inside PostgreSQL, %d rows: maas_predict against a PL/Python function calling "
             "PyTorch per row (one torch thread)" % PLPY_ROWS, "",
             "| model | maas_predict rows/s | PL/Python + PyTorch rows/s | ratio |", "|---|---|---|---|"]
    plpython_setup(cur, n_words, steps, vocab)
    for kind, name in (("transformer", "tfb"), ("lstm", "tfb_lstm"), ("gru", "tfb_gru"),
                       ("cnn", "tfb_cnn")):
        rows_per_s(cur, "torch_predict('%s', body)" % kind, 5)	# loads the network
        py = rows_per_s(cur, "torch_predict('%s', body)" % kind, PLPY_ROWS)
        ma = rows_per_s(cur, "maas_predict('%s', body)" % name, PLPY_ROWS)
        lines.append("| %s | %.0f | %.0f | %.2fx |" % (kind, ma, py, ma / py))
    return lines


def main():
    torch.set_num_threads(THREADS)
    train, _, n_words, steps = ref.load()
    vocab, _ = ref.vocabulary()
    reps = (DOCS + len(train) - 1) // len(train)
    train = (train * reps)[:DOCS]
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("DROP TABLE IF EXISTS tf_src, tf_bench")
    cur.execute("CREATE TABLE tf_src (split text, body text, is_grain int)")
    with open(ref.DATA, encoding="utf-8") as f:
        cur.copy_expert("COPY tf_src FROM STDIN (FORMAT csv, HEADER)", f)
    cur.execute("""CREATE TABLE tf_bench AS SELECT body, is_grain
                   FROM tf_src, generate_series(1, %d) r WHERE split = 'train' LIMIT %d""" % (reps, DOCS))

    if os.environ.get("BENCH_PLPY_ONLY") == "1":
        cur.execute("SELECT maas_drop('tfb') FROM maas.names WHERE name = 'tfb'")
        cur.execute("""SELECT 1 FROM maas_train('tfb', 'transformer', 'SELECT body, is_grain FROM tf_src WHERE split = ''train''',
                       'is_grain', '{"maxlen": 100, "num_words": 10000, "test_size": 0, "epochs": 1}')""")
        print("\n".join(plpython(cur, n_words, steps, vocab)))
        return
    m_epoch = maas_epoch(cur)
    p_epoch, p_rows = pytorch(train, n_words, steps)
    m_rows = rows_per_s(cur, "maas_predict_class('tfb', body)", PREDICT_ROWS)
    scan = rows_per_s(cur, "length(body)", PREDICT_ROWS)
    lines = ["# transformer against PyTorch %s (%d documents, length %d, batch 32, embedding 64, "
             "4 heads, 2 layers, feed-forward 128; torch threads %d, maas one)"
             % (torch.__version__, len(train), steps, THREADS), "",
             "| maas epoch | PyTorch epoch | ratio | maas predict rows/s | PyTorch batch-1 rows/s | ratio | scan rows/s |",
             "|---|---|---|---|---|---|---|",
             "| %.1f s | %.1f s | %.2fx | %.0f | %.0f | %.2fx | %.0f |"
             % (m_epoch, p_epoch, m_epoch / p_epoch, m_rows, p_rows, m_rows / p_rows, scan), "",
             ] + plpython(cur, n_words, steps, vocab)
    out = "\n".join(lines) + "\n"
    print(out)
    if os.environ.get("BENCH_REFERENCE") == "1":
        with open(os.path.join(HERE, "transformer_reference.md"), "w") as f:
            f.write(out)


if __name__ == "__main__":
    main()
