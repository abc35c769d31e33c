#!/usr/bin/python3
"""Write the seed corpora of the fuzz harnesses from a live cluster.

    eval "$(test/cluster.sh start)"; psql -c 'CREATE EXTENSION maas'
    psql -q -f data/schema.sql -f data/load.sql
    /usr/bin/python3 test/fuzz/make_corpus.py      # uses PGHOST, PGPORT, ...

test/fuzz/corpus/fuzz_model/  real model bytes: linear and logistic
    (binary, multiclass), numeric, boolean, text (one-hot) and float8[]
    columns, NULL imputation, maas_fit models.
test/fuzz/corpus/fuzz_agg/    maas_fit states in fuzz_agg's input format
    (flags byte, then u32 length + bytes per chunk), one file per mode.
test/fuzz/corpus/fuzz_params/ params objects (and a few non-objects).
test/fuzz/corpus/fuzz_import/ model files of test/import/ (a format byte,
    0 xgboost or 1 lightgbm, then the file); xgb_tiny and lgb_tiny are
    small hand-written ones (sql/errors.sql, sql/import.sql).
Files are named by what they hold; reruns overwrite them.
"""
import json
import os
import struct

import psycopg2

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "corpus")


def write(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET maas.progress_interval = 0")
cur.execute("SET client_min_messages = warning")
cur.execute("""
DROP TABLE IF EXISTS fuzz_small;
CREATE TABLE fuzz_small AS
SELECT i AS id, (i % 7)::float8 AS x1, (i * 0.37) AS x2, (i % 2 = 0) AS flag,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (ARRAY['red','green','blue'])[1 + i % 3] END AS color,
       ARRAY[i::float8, (i % 4)::float8, sqrt(i)] AS vec,
       CASE WHEN i % 11 = 0 THEN NULL ELSE i * 0.5 END AS gappy,
       (i % 3 + 2 * (i % 2)) * 1.5 + i * 0.01 AS y,
       (i % 3 = 0) AS yb,
       (ARRAY['a','b','c'])[1 + (i * 7) % 3] AS ylabel,
       (i % 4) AS yint
FROM generate_series(1, 60) i;
""")

# (name, algorithm, source, target, params)
models = [
    ("lin_num", "linear_regression", "SELECT x1, x2, y FROM fuzz_small", "y", {}),
    ("lin_all", "linear_regression",
     "SELECT x1, flag, color, vec, gappy, y FROM fuzz_small", "y", {"l2": 0.5}),
    ("lin_noint", "linear_regression", "SELECT x1, x2, y FROM fuzz_small", "y",
     {"fit_intercept": False}),
    ("lin_text", "linear_regression", "SELECT color, y FROM fuzz_small", "y", {}),
    ("lin_vec", "linear_regression", "SELECT vec, y FROM fuzz_small", "y", {}),
    ("lin_diabetes", "linear_regression", "diabetes", "progression", {"test_size": 0}),
    ("log_bin_bool", "logistic_regression", "SELECT x1, x2, yb FROM fuzz_small", "yb", {}),
    ("log_bin_text", "logistic_regression",
     "SELECT x1, color, flag, ylabel FROM fuzz_small WHERE ylabel <> 'c'", "ylabel", {}),
    ("log_multi_text", "logistic_regression",
     "SELECT x1, x2, color, vec, ylabel FROM fuzz_small", "ylabel", {"penalty": "l1", "C": 0.5}),
    ("log_multi_int", "logistic_regression", "SELECT x1, gappy, yint FROM fuzz_small", "yint",
     {"penalty": "none", "max_iter": 20}),
    ("log_iris", "logistic_regression", "iris", "species", {}),
    ("log_penguins", "logistic_regression",
     "SELECT island, bill_length_mm, sex, species FROM penguins", "species", {}),
    # unsupervised: no target
    ("km_iris", "kmeans", "SELECT sepal_length, sepal_width, petal_length, petal_width FROM iris",
     None, {"n_clusters": 3}),
    ("km_mixed", "kmeans", "SELECT x1, flag, color, vec, gappy FROM fuzz_small", None,
     {"n_clusters": 4, "algorithm": "elkan", "n_init": 2}),
    ("pca_iris", "pca", "SELECT sepal_length, sepal_width, petal_length, petal_width FROM iris",
     None, {"n_components": 2, "whiten": True}),
    ("pca_mixed", "pca", "SELECT x1, x2, color, vec, gappy FROM fuzz_small", None, {}),
    # recommenders: integer/text, uuid/bigint and text/integer keys, seen items or not
    ("als_explicit", "als", "SELECT respondent, item, rating FROM bfi_ratings WHERE respondent < 61700",
     "rating", {"user": "respondent", "item": "item", "factors": 3, "iterations": 2}),
    ("als_implicit", "als",
     "SELECT md5(id::text)::uuid AS u, (id % 7)::bigint AS it, yint AS r FROM fuzz_small", "r",
     {"user": "u", "item": "it", "factors": 2, "implicit": True, "keep_seen": False}),
    ("als_text_users", "als", "SELECT color AS u, id % 5 AS it, y FROM fuzz_small", "y",
     {"user": "u", "item": "it", "factors": 2, "test_size": 0}),
    ("lsvm_multi", "linear_svm", "SELECT x1, x2, color, vec, ylabel FROM fuzz_small", "ylabel",
     {"loss": "hinge"}),
    ("lsvm_l1", "linear_svm", "SELECT x1, x2, flag, yb FROM fuzz_small", "yb",
     {"penalty": "l1", "dual": False}),
    ("lsvr", "linear_svr", "SELECT x1, color, vec, y FROM fuzz_small", "y", {"epsilon": 0.1}),
    ("svm_exact_multi", "svm", "SELECT x1, x2, color, ylabel FROM fuzz_small", "ylabel", {}),
    ("svm_exact_bin", "svm", "SELECT x1, vec, yb FROM fuzz_small", "yb", {"class_weight": "balanced"}),
    ("svm_nystrom_multi", "svm", "SELECT x1, x2, color, yint FROM fuzz_small", "yint",
     {"method": "nystrom", "n_components": 8}),
    ("svm_nystrom_bin", "svm", "SELECT x1, x2, yb FROM fuzz_small", "yb",
     {"method": "nystrom", "n_components": 5}),
    # text: a tokenizer (settings, vocabulary) before the algorithm's section
    ("text_words", "text_classifier", "SELECT 'Word ' || color || ' ' || id AS body, ylabel FROM fuzz_small",
     "ylabel", {"text": ["body"], "epochs": 2, "dim": 4}),
    ("text_ngrams", "text_classifier",
     "SELECT 'running dogs ' || color || ' ' || (id % 9) AS body, yb FROM fuzz_small", "yb",
     {"text": ["body"], "ngrams": 2, "buckets": 100, "dim": 3, "stem": "english",
      "ngram_range": [1, 2], "num_words": 20, "maxlen": 10}),
    ("text_cjk", "text_classifier", "SELECT '我喜欢' || color || '电影' AS body, yb FROM fuzz_small", "yb",
     {"text": ["body"], "dim": 2, "epochs": 1}),
    # sequence models: embedding, recurrent layer, dense, loss history
    ("seq_lstm", "lstm", "SELECT 'word ' || color || ' ' || (id % 7) AS body, yb FROM fuzz_small", "yb",
     {"text": ["body"], "embedding_dim": 3, "units": 2, "epochs": 2, "maxlen": 6}),
    ("seq_gru", "gru", "SELECT 'word ' || color || ' ' || (id % 7) AS body, ylabel FROM fuzz_small", "ylabel",
     {"text": ["body"], "embedding_dim": 2, "units": 3, "epochs": 1, "maxlen": 4}),
    ("seq_bigru", "gru", "SELECT 'word ' || color || ' ' || (id % 7) AS body, yb FROM fuzz_small", "yb",
     {"text": ["body"], "embedding_dim": 2, "units": 3, "epochs": 1, "maxlen": 4, "bidirectional": True}),
    ("nb_text", "naive_bayes", "SELECT x1, 'word ' || color || ' ' || (id % 4) AS body, ylabel FROM fuzz_small",
     "ylabel", {"text": ["body"], "num_words": 5}),
    # sparse linear models: TF-IDF and hashed words beside a dense column
    ("lr_tfidf", "logistic_regression",
     "SELECT x1, 'word ' || color || ' ' || (id % 6) AS body, ylabel FROM fuzz_small", "ylabel",
     {"text": ["body"], "ngram_range": [1, 2], "sublinear_tf": True, "min_df": 2}),
    ("lr_hashed", "logistic_regression",
     "SELECT 'word ' || color || ' ' || (id % 5) AS body, yb FROM fuzz_small", "yb",
     {"text": ["body"], "hashing": 8, "norm": "none"}),
    # a training profile (numeric, text and date columns with NULLs, the
    # predictions) in the section after the post-processing one
    ("profile_reg", "linear_regression",
     "SELECT x1, gappy, color, make_date(2000 + id % 5, 1 + id % 12, 1) AS day, y FROM fuzz_small",
     "y", {"test_size": 0}),
    ("profile_class", "logistic_regression", "SELECT x1, flag, color, ylabel FROM fuzz_small", "ylabel",
     {"calibration": "sigmoid"}),
    # cnn: embedding, convolutions of two widths (one wider than a short
    # document), dense, loss history
    ("seq_cnn", "cnn", "SELECT 'word ' || color || ' ' || (id % 7) AS body, ylabel FROM fuzz_small", "ylabel",
     {"text": ["body"], "embedding_dim": 3, "filters": 2, "filter_sizes": [1, 5], "epochs": 1, "maxlen": 6}),
    # transformer: embeddings, positions, an encoder layer, dense, loss history
    ("seq_transformer", "transformer", "SELECT 'word ' || color || ' ' || (id % 7) AS body, ylabel FROM fuzz_small",
     "ylabel", {"text": ["body"], "embedding_dim": 4, "heads": 2, "layers": 1, "ff_dim": 3, "epochs": 2,
                "maxlen": 5, "activation": "gelu"}),
]
unsupervised = ("kmeans", "pca")
for name, algorithm, source, target, params in models:
    cur.execute("SELECT version FROM maas_train(%s, %s, %s, %s, %s)",
                ("fuzz_" + name, algorithm, source, target, json.dumps(params)))
    version = cur.fetchone()[0]
    cur.execute("SELECT model FROM maas.models WHERE name = %s AND version = %s",
                ("fuzz_" + name, version))
    write("fuzz_model", name + ".bin", bytes(cur.fetchone()[0]))

# Models imported from other libraries (maas_import): their model bytes for
# fuzz_model, their files (a format byte, then the file) for fuzz_import
root = os.path.dirname(os.path.dirname(here))
imports = [("import_xgb_peng", "xgboost", "xgb_peng.json", {"labels": ["Adelie", "Chinstrap", "Gentoo"]}),
           ("import_lgb_bc", "lightgbm", "lgb_bc.txt", {})]
for name, fmt, path, options in imports:
    data = open(os.path.join(root, "test", "import", path), "rb").read()
    cur.execute("SELECT maas_import(%s, %s, %s, %s)",
                ("fuzz_" + name, fmt, psycopg2.Binary(data), json.dumps(options)))
    version = cur.fetchone()[0]
    cur.execute("SELECT model FROM maas.models WHERE name = %s AND version = %s",
                ("fuzz_" + name, version))
    write("fuzz_model", name + ".bin", bytes(cur.fetchone()[0]))
for path in sorted(os.listdir(os.path.join(root, "test", "import"))):
    if path.endswith("_diab.json") or path.endswith("_diab.txt"):
        continue
    data = open(os.path.join(root, "test", "import", path), "rb").read()
    write("fuzz_import", path.rsplit(".", 1)[0], (b"\x00" if path.endswith(".json") else b"\x01") + data)

# Every other registered algorithm (trees, ...): small models of each task,
# with NULLs left to the algorithm where it takes them (missing: native).
try:
    cur.execute("SELECT maas_train('fuzz_probe', 'no such algorithm', 'fuzz_small', 'y', '{}')")
except psycopg2.Error as e:
    hint = e.diag.message_hint or ""
algorithms = [a.strip() for a in hint.replace("Valid algorithms are:", "").rstrip(".").split(",")]
small = {"n_estimators": 3, "max_depth": 3}
small_by_algorithm = {"mlp": {"layers": [{"units": 4, "activation": "tanh", "dropout": 0.1},
                                         {"units": 3}], "epochs": 3, "batch_size": 8}}
for algorithm in algorithms:
    if algorithm in ("linear_regression", "logistic_regression", "als", "text_classifier", "lstm",
                     "gru", "cnn", "transformer", "onnx", "") + unsupervised:
        continue
    for task, source, target, extra in (
            ("reg", "SELECT x1, color, vec, gappy, y FROM fuzz_small", "y", {}),
            ("bin", "SELECT x1, flag, color, gappy, yb FROM fuzz_small", "yb", {"missing": "native"}),
            ("multi", "SELECT x1, x2, color, vec, gappy, ylabel FROM fuzz_small", "ylabel",
             {"missing": "native"}),
            ("peng", "SELECT island, bill_length_mm, sex, species FROM penguins", "species",
             {"missing": "native"})):
        params = dict(small_by_algorithm.get(algorithm, small), **extra)
        name = "fuzz_%s_%s" % (algorithm, task)
        for attempt in (params, {k: v for k, v in params.items() if k != "n_estimators"}, extra, {}):
            try:
                cur.execute("SELECT version FROM maas_train(%s, %s, %s, %s, %s)",
                            (name, algorithm, source, target, json.dumps(attempt)))
                break
            except psycopg2.Error as e:
                err = e
        else:
            print("skipped", name, err)
            continue
        version = cur.fetchone()[0]
        cur.execute("SELECT model FROM maas.models WHERE name = %s AND version = %s", (name, version))
        write("fuzz_model", "%s_%s.bin" % (algorithm, task), bytes(cur.fetchone()[0]))

# maas_fit models
fits = [
    ("fit_linear", "SELECT maas_fit('linear_regression', ARRAY[x1, x2], y) FROM fuzz_small"),
    ("fit_logistic", "SELECT maas_fit('logistic_regression', ARRAY[x1, x2], yint::float8) "
                     "FROM fuzz_small"),
    ("fit_logistic_bin", "SELECT maas_fit('logistic_regression', ARRAY[x1], yb::int::float8, "
                         "'{\"C\": 2}') FROM fuzz_small"),
    ("fit_kmeans", "SELECT maas_fit('kmeans', ARRAY[x1, x2], NULL, '{\"n_clusters\": 3}') "
                   "FROM fuzz_small"),
    ("fit_pca", "SELECT maas_fit('pca', ARRAY[x1, x2, sqrt(id)], NULL) FROM fuzz_small"),
]
for name, q in fits:
    cur.execute(q)
    write("fuzz_model", name + ".bin", bytes(cur.fetchone()[0]))

# maas_fit states: fuzz_agg input format
def chunks(flags, *states):
    out = bytes([flags])
    for s in states:
        out += struct.pack("<I", len(s)) + s
    return out


def state(q):
    cur.execute(q)
    return bytes(cur.fetchone()[0])


lin2 = state("SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2], y) FROM fuzz_small")
lin2b = state("SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2], y) "
              "FROM fuzz_small WHERE id > 40")
lin1 = state("SELECT maas_fit_partial('linear_regression', ARRAY[x1], y) FROM fuzz_small "
             "WHERE id < 4")
lin_params = state("SELECT maas_fit_partial('linear_regression', ARRAY[x1, x2], y, "
                   "'{\"l2\": 1, \"fit_intercept\": false}') FROM fuzz_small")
log2 = state("SELECT maas_fit_partial('logistic_regression', ARRAY[x1, x2], yint::float8) "
             "FROM fuzz_small WHERE id < 12")
log2b = state("SELECT maas_fit_partial('logistic_regression', ARRAY[x1, x2], yint::float8) "
              "FROM fuzz_small WHERE id BETWEEN 12 AND 20")
log_params = state("SELECT maas_fit_partial('logistic_regression', ARRAY[x1], yb::int::float8, "
                   "'{\"C\": 0.1, \"max_iter\": 50, \"task\": \"classification\"}') "
                   "FROM fuzz_small WHERE id < 10")
# a state that grew its row buffer (many rows, few features)
lin_big = state("SELECT maas_fit_partial('linear_regression', ARRAY[x1], y) FROM "
                "(SELECT x1, y FROM fuzz_small, generate_series(1, 3)) s")
# a single aggregate state as maas_fit_transfn returns it, via a group of one row
lin_one = state("SELECT maas_fit_partial('linear_regression', ARRAY[1.0::float8, 2], 3) ")
log_one = state("SELECT maas_fit_partial('logistic_regression', ARRAY[1.0::float8], 1) ")

write("fuzz_agg", "merge_linear.bin", chunks(0, lin2, lin2b))
write("fuzz_agg", "merge_linear_one.bin", chunks(0, lin1))
write("fuzz_agg", "merge_linear_params.bin", chunks(0, lin_params, lin_params))
write("fuzz_agg", "merge_logistic.bin", chunks(0, log2, log2b))
write("fuzz_agg", "merge_logistic_params.bin", chunks(0, log_params))
write("fuzz_agg", "merge_mixed.bin", chunks(0, lin2, log2))
write("fuzz_agg", "merge_null.bin", chunks(0, b"", lin2, b""))
write("fuzz_agg", "merge_big.bin", chunks(0, lin_big, lin1))
write("fuzz_agg", "initcond_linear.bin", chunks(1 | (3 << 3), lin_one))
write("fuzz_agg", "initcond_logistic.bin", chunks(1 | (2 << 3), log_one))
write("fuzz_agg", "initcond_grown.bin", chunks(1 | (7 << 3), lin2))
write("fuzz_agg", "new_state_params.bin",
      chunks(1 | (4 << 3) | (1 << 6), b"", b'{"l2": 0.1, "task": "auto"}', b"\x00"))
write("fuzz_agg", "new_state_logistic.bin",
      chunks(1 | (5 << 3), b"", b'{"C": 3, "penalty": "l1", "max_iter": 30}', b"\x01"))
write("fuzz_agg", "partial_linear.bin", chunks(2, lin2, lin2b))
write("fuzz_agg", "partial_logistic.bin", chunks(2 | 4, log2))
write("fuzz_agg", "parallel_linear.bin", chunks(3, lin2, lin2b, lin1))
write("fuzz_agg", "parallel_logistic.bin", chunks(3 | 4, log2, log2b))
for algorithm in algorithms:
    if algorithm in ("linear_regression", "logistic_regression", "") + unsupervised:
        continue
    small_params = {"mlp": '{"hidden_layers": [4], "epochs": 2, "batch_size": 4}',
                    "linear_svm": '{}', "linear_svr": '{}', "svm": '{}'}.get(algorithm, '{"max_depth": 2}')
    try:
        a = state("SELECT maas_fit_partial('%s', ARRAY[x1, x2], y, '%s') "
                  "FROM fuzz_small WHERE id < 12" % (algorithm, small_params))
    except psycopg2.Error:
        continue    # trains only through maas_train (als)
    b = state("SELECT maas_fit_partial('%s', ARRAY[x1, x2], y, '%s') "
              "FROM fuzz_small WHERE id BETWEEN 12 AND 20" % (algorithm, small_params))
    write("fuzz_agg", "merge_%s.bin" % algorithm, chunks(0, a, b))
for algorithm, small_params in (("kmeans", '{"n_clusters": 2, "n_init": 1}'), ("pca", '{}')):
    a = state("SELECT maas_fit_partial('%s', ARRAY[x1, x2], NULL, '%s') "
              "FROM fuzz_small WHERE id < 12" % (algorithm, small_params))
    b = state("SELECT maas_fit_partial('%s', ARRAY[x1, x2], NULL, '%s') "
              "FROM fuzz_small WHERE id BETWEEN 12 AND 20" % (algorithm, small_params))
    write("fuzz_agg", "merge_%s.bin" % algorithm, chunks(0, a, b))

params = [
    {}, {"test_size": 0.2}, {"test_size": 0}, {"seed": 7, "deploy": "never"},
    {"missing": "skip", "max_categories": 5}, {"features": ["x1", "x2"]},
    {"exclude": "id"}, {"task": "classification"}, {"l2": 1e-3, "fit_intercept": False},
    {"penalty": "l1", "C": 0.5, "max_iter": 50, "tol": 1e-4},
    {"penalty": "none", "C": 1e12}, {"deploy": "always", "features": []},
    {"seed": 2147483647}, {"test_size": 0.9, "seed": 0}, {"missing": None},
    {"C": 1e-12, "tol": 1}, {"fit_intercept": True, "l2": 1e300},
    {"n_estimators": 3, "max_depth": 2, "learning_rate": 0.1, "subsample": 0.5},
    {"criterion": "gini", "max_features": 0.5, "min_samples_leaf": 3, "bootstrap": False},
    {"max_bin": 16, "oob_score": True, "max_samples": 0.7, "missing": "native"},
    {"lambda": 0, "gamma": 1e300, "colsample_bytree": 1e-6, "early_stopping_rounds": 2,
     "validation_fraction": 0.5},
    {"layers": [{"units": 8, "activation": "gelu", "dropout": 0.5}, {"units": 2}], "optimizer": "adamw"},
    {"hidden_layers": [3, 2], "activation": "tanh", "loss": "huber", "early_stopping": True},
]
for i, p in enumerate(params):
    write("fuzz_params", "p%02d.json" % i, json.dumps(p).encode())
extra = [b'{"a": 1, "a": 2}', b'[1, 2]', b'"string"', b'1e400', b'{"seed": 1e-400}',
         b'{"features": [["x"]]}', b'{"test_size": 1E-2, "seed": 42.0}',
         b'{"deploy": "\\u00e9t\\u00e9"}', b'{"max_iter": 1000001}', b'null']
for i, p in enumerate(extra):
    write("fuzz_params", "x%02d.json" % i, p)
print("corpus written to", corpus)
