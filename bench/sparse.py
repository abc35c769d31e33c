#!/usr/bin/python3
"""bench/sparse.sh's measurements (run through it: it sets up the cluster).

1. Training time: maas_train('logistic_regression') over a document column
   (read, tokenize, TF-IDF, fit, store) against scikit-learn's
   TfidfVectorizer.fit_transform + LogisticRegression.fit on the same
   documents in memory, with the same tokens (lowercase runs of letters
   and digits), the same C and each library's default tolerance; the
   held-out accuracy of both beside.  Corpora: Reuters grain repeated
   COPIES times (binary) and Austen (six classes), words and 1-2-grams.
2. More than 100,000 features: Reuters grain with 1- to 3-grams, and the
   same hashed into 2^20 buckets: maas_train's memory_bytes (the most the
   run held: rows, tokens, CSR, weights) against the bytes of a dense
   float8 rows x features matrix.
3. Prediction rows/second in one backend: SELECT count(maas_predict(name,
   body)) against the scan limit SELECT sum(length(body)).
"""
import csv
import os
import sys
import time

import psycopg2
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
from sparse_reference import analyzer  # noqa: E402  the same tokens as maas
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
COPIES = 10

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()


def sql(q, *args):
    cur.execute(q, args)
    return cur.fetchall() if cur.description else None


def timed(f):
    t = time.perf_counter()
    r = f()
    return time.perf_counter() - t, r


def best(f):
    runs = [timed(f) for _ in range(RUNS)]
    return min(r[0] for r in runs), runs[-1][1]


def load(name, target):
    with open(os.path.join(ROOT, "data", name), newline='') as f:
        return [(r['split'], r['text'], r[target]) for r in csv.DictReader(f)]


def setup():
    sql("SET client_min_messages = warning")
    sql("CREATE EXTENSION IF NOT EXISTS maas")
    sql("SET maas.progress_interval = 0")
    sql("SET maas.threads = 2")
    corpora = {}
    for table, name, target, copies in (("reuters_b", "reuters_grain.csv", "is_grain", COPIES),
                                        ("austen_b", "austen.csv", "book", 1)):
        rows = load(name, target)
        sql("DROP TABLE IF EXISTS %s" % table)
        sql("CREATE TABLE %s (split text, body text, y text)" % table)
        rows = [r for r in rows if r[0] == 'train'] * copies + [r for r in rows if r[0] == 'test']
        cur.executemany("INSERT INTO %s VALUES (%%s, %%s, %%s)" % table, rows)
        sql("VACUUM ANALYZE %s" % table)
        corpora[table] = rows
    return corpora


def train_case(corpora, table, ngrams, C=10.0):
    rows = corpora[table]
    train = [r for r in rows if r[0] == 'train']
    test = [r for r in rows if r[0] == 'test']
    params = ('{"text": ["body"], "C": %g, "ngram_range": [1, %d], "maxlen": 100000, '
              '"test_size": 0, "deploy": "always"}' % (C, ngrams))
    q = ("SELECT maas_train('bench_sparse', 'logistic_regression', "
         "'SELECT body, y FROM %s WHERE split = ''train''', 'y', '%s')" % (table, params))
    t_maas, _ = best(lambda: sql(q))
    acc_maas = sql("SELECT (maas_evaluate('bench_sparse', 'SELECT body, y FROM %s WHERE split = ''test''')"
                   "->>'accuracy')::float8" % table)[0][0]

    def sk():
        vec = TfidfVectorizer(analyzer=analyzer(ngrams))
        X = vec.fit_transform([r[1] for r in train])
        clf = LogisticRegression(C=C, max_iter=10000).fit(X, [r[2] for r in train])
        return vec, clf
    t_sk, (vec, clf) = best(sk)
    acc_sk = accuracy_score([r[2] for r in test], clf.predict(vec.transform([r[1] for r in test])))
    return len(train), len(vec.vocabulary_), t_maas, t_sk, acc_maas, acc_sk


def wide_case(table, params, label):
    q = ("SELECT rows_trained, train_memory_bytes, train_ms FROM maas_train('bench_wide', 'logistic_regression', "
         "'SELECT body, y FROM %s WHERE split = ''train''', 'y', '%s')" % (table, params))
    rows, memory, ms = sql(q)[0]
    info = sql("SELECT maas_info(model)->'parameters'->'text' FROM maas.models "
               "WHERE name = 'bench_wide' ORDER BY version DESC LIMIT 1")[0][0]
    features = info['features']
    dense = rows * features * 8
    return "| %s | %d | %d | %.1f MB | %.1f GB | %.4f | %.2f s |" % (
        label, rows, features, memory / 1e6, dense / 1e9, memory / dense, ms / 1000)


def main():
    corpora = setup()
    out = ["| corpus | documents | features | maas_train | scikit-learn vectorize + fit | ratio | accuracy maas | accuracy scikit-learn |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for table, ngrams in (("austen_b", 1), ("austen_b", 2), ("reuters_b", 1), ("reuters_b", 2)):
        n, v, tm, ts, am, a_s = train_case(corpora, table, ngrams)
        out.append("| %s, 1-%d-grams | %d | %d | %.2f s | %.2f s | %.2fx | %.4f | %.4f |" % (
            table.replace("_b", ""), ngrams, n, v, tm, ts, tm / ts, am, a_s))
        print(out[-1], flush=True)
    out += ["", "| case | rows | features | maas memory | dense float8 matrix | ratio | train |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    sql("DROP TABLE IF EXISTS reuters_w; CREATE TABLE reuters_w AS SELECT * FROM reuters_b WHERE split = 'test' "
        "UNION ALL SELECT DISTINCT * FROM reuters_b WHERE split = 'train'")
    for params, label in (('{"text": ["body"], "ngram_range": [1, 3], "maxlen": 100000, "test_size": 0}',
                           "Reuters, 1-3-grams"),
                          ('{"text": ["body"], "ngram_range": [1, 3], "hashing": 1048576, "maxlen": 100000, "test_size": 0}',
                           "Reuters, 1-3-grams hashed into 2^20")):
        out.append(wide_case("reuters_w", params, label))
        print(out[-1], flush=True)
    scan, _ = best(lambda: sql("SELECT sum(length(body)) FROM reuters_b"))
    pred, _ = best(lambda: sql("SELECT count(maas_predict('bench_sparse', body)) FROM reuters_b"))
    n = sql("SELECT count(*) FROM reuters_b")[0][0]
    out += ["", "prediction in one backend (Reuters, 1-2-grams): "
            "%.0f documents/s, %.1fx the scan limit SELECT sum(length(body)) (%.3f s over %d rows)"
            % (n / pred, pred / scan, scan, n)]
    print("\n".join(out))
    if os.environ.get("BENCH_REFERENCE"):
        with open(os.path.join(ROOT, "bench", "sparse_reference.md"), "w") as f:
            f.write("# bench/sparse.sh\n\n")
            f.write("Written by `BENCH_REFERENCE=1 bench/sparse.sh` on %s (%s), best of %d; "
                    "maas.threads = 2, scikit-learn %s with OpenBLAS/OpenMP 2 threads.\n\n"
                    % (time.strftime("%Y-%m-%d"), os.uname().machine, RUNS,
                       __import__("sklearn").__version__))
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    sys.exit(main())
