#!/usr/bin/python3
"""bench/text.sh's measurements (run through it: it sets up the cluster).

1. Training words/second, 5 epochs, dim 100, ngrams 1 and 2: maas_train's
   whole run (read, tokenize, train, store) against `fasttext supervised`
   reading the same tokens from a file, -thread 2, in this run.  Words are
   the tokens of the training documents times the epochs.
2. Prediction rows/second in one backend: SELECT count(maas_predict(name,
   body)) over the documents, against `fasttext predict` on the same
   documents and against the scan limit SELECT sum(length(body)).
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
COPIES = 20

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


def best(f):
    return min(f() for _ in range(RUNS))


def setup():
    sql("SET client_min_messages = warning")
    sql("CREATE EXTENSION IF NOT EXISTS maas")
    sql("SET maas.progress_interval = 0")
    sql("DROP TABLE IF EXISTS reuters_raw, reuters_big")
    sql("CREATE TABLE reuters_raw (split text, body text, is_grain int)")
    with open(os.path.join(ROOT, "data", "reuters_grain.csv")) as f:
        cur.copy_expert("COPY reuters_raw FROM STDIN (FORMAT csv, HEADER)", f)
    sql("CREATE TABLE reuters_big AS SELECT body, is_grain FROM reuters_raw, generate_series(1, %d)" % COPIES)
    sql("VACUUM ANALYZE reuters_big")
    rows = sql("SELECT body, is_grain FROM reuters_big")
    tmp = tempfile.mkdtemp()
    train = os.path.join(tmp, "train.txt")
    docs = os.path.join(tmp, "docs.txt")
    words = 0
    with open(train, "w") as t, open(docs, "w") as d:
        for body, y in rows:
            toks = re.findall(r"[a-z0-9]+", body.lower())
            words += len(toks) + 1          # fastText counts the end of line too
            t.write("__label__%d %s\n" % (y, " ".join(toks)))
            d.write(" ".join(toks) + "\n")
    return tmp, train, docs, words, len(rows)


def main():
    tmp, train, docs, words, n = setup()
    sql("SET maas.threads = 2")
    out = ["documents: %d, words per epoch: %d" % (n, words), ""]
    out.append("| figure | maas | fasttext (2 threads) | ratio |")
    out.append("|---|---|---|---|")
    for ngrams in (1, 2):
        params = '{"epochs": 5, "dim": 100, "ngrams": %d, "test_size": 0, "deploy": "always"}' % ngrams
        t_maas = best(lambda: timed("SELECT maas_train('bench_text', 'text_classifier', "
                                    "'reuters_big', 'is_grain', %s)", params))
        model = os.path.join(tmp, "model")

        def ft():
            t = time.perf_counter()
            subprocess.run(["fasttext", "supervised", "-input", train, "-output", model,
                            "-epoch", "5", "-dim", "100", "-wordNgrams", str(ngrams),
                            "-thread", "2", "-verbose", "0"], check=True)
            return time.perf_counter() - t
        t_ft = best(ft)
        w_maas = words * 5 / t_maas
        w_ft = words * 5 / t_ft
        out.append("| training words/s, ngrams %d | %.0f | %.0f | %.2f |" % (ngrams, w_maas, w_ft, w_maas / w_ft))
    # prediction with the ngrams 2 model (the last trained)
    t_pred = best(lambda: timed("SELECT count(maas_predict('bench_text', body)) FROM reuters_big"))
    t_scan = best(lambda: timed("SELECT sum(length(body)) FROM reuters_big"))

    def ftp():
        t = time.perf_counter()
        subprocess.run(["fasttext", "predict", model + ".bin", docs], check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - t
    t_ftp = best(ftp)
    out.append("| prediction rows/s, ngrams 2, one backend | %.0f | %.0f (fasttext predict, model load included) | %.2f |"
               % (n / t_pred, n / t_ftp, t_ftp / t_pred))
    out.append("")
    out.append("scan limit: SELECT sum(length(body)) %.3f s; prediction %.3f s = %.1fx the scan"
               % (t_scan, t_pred, t_pred / t_scan))
    print("\n".join(out))
    if os.environ.get("BENCH_REFERENCE") == "1":
        with open(os.path.join(ROOT, "bench", "text_reference.md"), "w") as f:
            f.write("# bench/text.sh reference\n\n")
            f.write("Best of %d runs, %s, on this machine (2 cores shared).\n\n"
                    % (RUNS, time.strftime("%Y-%m-%d")))
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
