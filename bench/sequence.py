#!/usr/bin/python3
"""lstm, gru and cnn against PyTorch (bench/sequence.sh): one training
epoch and prediction throughput, in one run.

Keras's example shape: vocabulary 10,000, embedding 64, 64 units (cnn:
100 filters each of widths 3, 4 and 5, dropout 0.5), length 100, batch
32, on the Reuters grain corpus repeated to BENCH_DOCS
documents (default 20,000).  maas's epoch is the difference of
maas_train's train_ms at 2 epochs and at 1 (reading and tokenizing the
rows cancel out); PyTorch's the median epoch of the same network
(test/reference/sequence_reference.py's and cnn_reference.py's, same
tokenization) at
torch.set_num_threads(BENCH_THREADS, default 2).  Prediction: maas_predict_class
over 2,000 documents in one query, against PyTorch's forward of one
document at a time (what a PL/Python function per row would do, less the
PL/Python call).  BENCH_MODELS (lstm,gru,cnn) picks the models;
BENCH_REFERENCE=1 writes bench/sequence_reference.md.
"""
import os
import statistics
import sys
import time

import numpy as np
import psycopg2
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "reference"))
import sequence_reference as ref  # noqa: E402
import cnn_reference  # noqa: E402

DOCS = int(os.environ.get("BENCH_DOCS", "20000"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PREDICT_ROWS = 2000
MODELS = os.environ.get("BENCH_MODELS", "lstm,gru,cnn").split(",")


def maas(cur, kind):
    ms = {}
    for epochs in (1, 2):
        cur.execute("SELECT maas_drop('seqb') FROM maas.names WHERE name = 'seqb'")
        cur.execute("""SELECT train_ms FROM maas_train('seqb', %s, 'seq_bench', 'is_grain',
                       %s)""", (kind, '{"maxlen": 100, "num_words": 10000, "test_size": 0, "epochs": %d}' % epochs))
        ms[epochs] = cur.fetchone()[0]
    t0 = time.perf_counter()
    cur.execute("SELECT count(maas_predict_class('seqb', body)) FROM (SELECT body FROM seq_bench LIMIT %d) s"
                % PREDICT_ROWS)
    cur.fetchall()
    rows_s = PREDICT_ROWS / (time.perf_counter() - t0)
    return (ms[2] - ms[1]) / 1000.0, ms[1] / 1000.0, rows_s


def pytorch(kind, train, n_words, steps):
    torch.manual_seed(1)
    net = cnn_reference.Net(n_words) if kind == "cnn" else ref.Net(kind, n_words)
    opt = torch.optim.Adam(net.parameters(), lr=0.001, eps=1e-7)
    x = ref.pad(train, steps)
    y = torch.tensor([t[1] for t in train], dtype=torch.float32)
    rng = np.random.RandomState(1)
    times = []
    net.train()
    for _ in range(2):
        t0 = time.perf_counter()
        order = rng.permutation(len(train))
        for s in range(0, len(order), ref.BATCH):
            b = torch.tensor(order[s:s + ref.BATCH])
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[b]), y[b])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    net.eval()
    with torch.no_grad():
        t0 = time.perf_counter()
        for i in range(PREDICT_ROWS):
            net(x[i:i + 1])
        rows_s = PREDICT_ROWS / (time.perf_counter() - t0)
    return statistics.median(times), rows_s


def main():
    torch.set_num_threads(THREADS)
    train, _, n_words, steps = ref.load()
    reps = (DOCS + len(train) - 1) // len(train)
    train = (train * reps)[:DOCS]
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("DROP TABLE IF EXISTS seq_src, seq_bench")
    cur.execute("CREATE TABLE seq_src (split text, body text, is_grain int)")
    with open(ref.DATA, encoding="utf-8") as f:
        cur.copy_expert("COPY seq_src FROM STDIN (FORMAT csv, HEADER)", f)
    cur.execute("""CREATE TABLE seq_bench AS SELECT body, is_grain
                   FROM seq_src, generate_series(1, %d) r WHERE split = 'train' LIMIT %d""" % (reps, DOCS))
    lines = ["# %s against PyTorch %s (%d documents, length %d, batch 32, torch threads %d)"
             % (", ".join(MODELS), torch.__version__, len(train), steps, THREADS), "",
             "| model | maas epoch | PyTorch epoch | ratio | maas predict rows/s | PyTorch batch-1 rows/s | ratio |",
             "|---|---|---|---|---|---|---|"]
    for kind in MODELS:
        m_epoch, m_first, m_rows = maas(cur, kind)
        p_epoch, p_rows = pytorch(kind, train, n_words, steps)
        lines.append("| %s | %.1f s | %.1f s | %.2fx | %.0f | %.0f | %.2fx |"
                     % (kind, m_epoch, p_epoch, m_epoch / p_epoch, m_rows, p_rows, m_rows / p_rows))
    out = "\n".join(lines) + "\n"
    print(out)
    if os.environ.get("BENCH_REFERENCE") == "1":
        with open(os.path.join(HERE, "sequence_reference.md"), "w") as f:
            f.write(out)


if __name__ == "__main__":
    main()
