#!/usr/bin/python3
"""Reference figures for sql/mlp_quality.sql: the same multilayer perceptrons
as maas's mlp, trained with PyTorch and scikit-learn.

Run from the repository root with Debian's Python (python3-torch,
python3-sklearn):

    /usr/bin/python3 test/reference/mlp_reference.py

(about 30 minutes on two cores; `--config NAME` runs one configuration and
prints it without writing anything; `--jobs N` sets the worker processes;
`--configs-only` writes mlp_configs.csv alone.)

It writes

  mlp_configs.csv    config, dataset, target, task, metric, select, params,
                     maas_seeds: what sql/mlp_quality.sql trains with maas
                     (params is maas_train's jsonb, select the source
                     query's column list over the numbered copy of the
                     dataset, maas_seeds how many seeds, 1..maas_seeds)
  mlp_reference.csv  config, library, metric, value, spread: the mean over
                     seeds of the pooled five-fold metric, and its standard
                     deviation over the seeds (ddof 1)

The split.  Five-fold cross-validation: row i of data/<dataset>.csv (0-based,
the order data/load.sql loads it in, and the `rid` that sql/mlp_quality.sql
numbers a fresh copy of the file with, row_number() over ctid) is in fold
i % 5.  Each fold trains on the other four (maas: a query `... WHERE rid % 5
<> k` with {"test_size": 0}) and predicts its own (maas_evaluate on `... WHERE
rid % 5 = k`).  Metric: accuracy or RMSE over all five held-out folds pooled
(every row is predicted once).  Rows with a NULL target are left out on both
sides.

The encoding is maas_train's (src/data/dataset.c), fitted on each fold's
training rows: the source columns in table order without the target; numbers
as they are, booleans 0/1, text one-hot over the training rows' categories
sorted by strcmp (a value not seen in training: all zeros); a NULL number
takes the training rows' mean, a NULL text the one-hot of their most frequent
category (ties: the smallest label).  Then, as maas's mlp does
(src/algorithms/nn/mlp.c), every input is standardized with the training
rows' mean and population standard deviation (1 where that is ~0), and so is
a regression target (predictions are mapped back).  Classes are sorted
(numbers ascending, text by strcmp, false < true).

The model.  Hidden dense layers with the given activation, then one linear
unit (regression, mean squared error), one sigmoid unit (two classes, binary
cross-entropy) or a softmax (more, categorical cross-entropy); the mean loss
over a mini-batch of batch_size rows, the rows shuffled every epoch (the last
batch of an epoch is the remainder); Adam with beta_1 0.9, beta_2 0.999,
epsilon 1e-7 (maas's and Keras's default; PyTorch's and scikit-learn's is
1e-8) for the given epochs; no early stopping, no learning-rate schedule;
"l2" adds l2 * sum(w^2) over the weights (not the biases) to the loss.

Libraries, each with the configuration's seeds (10, or more where a result
varies more from seed to seed; a fold's seed is seed * 5 + fold):
  pytorch            torch.nn.Linear layers with PyTorch's own initialization
                     (weights and biases uniform in +-1/sqrt(fan_in))
  pytorch_he_init    the same with the initialization maas's mlp had when
                     this was written (src/algorithms/nn/layers.c: He
                     uniform, +-sqrt(6/fan_in), before a ReLU-family
                     activation, Glorot uniform, +-sqrt(6/(fan_in +
                     fan_out)), otherwise and at the output; biases zero).
                     Not a check: it tells an effect of the initialization
                     from anything else
  sklearn            MLPRegressor / MLPClassifier(solver='adam') with the
                     same hidden_layer_sizes, activation, batch_size,
                     learning_rate_init, max_iter=epochs, epsilon 1e-7,
                     shuffle=True, n_iter_no_change > epochs (so it runs every
                     epoch), alpha = 2 * l2 * batch_size (scikit-learn adds
                     alpha / (2 * batch rows) * sum(w^2) to the batch's mean
                     loss); on the same standardized inputs and target.
                     scikit-learn initializes with Glorot uniform (factor 2
                     for logistic hidden units) and draws the biases too.
                     Its squared-error loss is half maas's: Adam does not see
                     the factor (but for epsilon).
"""
import argparse
import csv
import json
import math
import os
import re
import sys
import time
import warnings
from multiprocessing import Pool

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "test", "reference")
FOLDS = 5
SEEDS = 10
EPSILON = 1e-7

# keras_*: the two Keras models as they stand:
#   Dense(10, relu) -> Dense(1), adam, mse, epochs=10 (Keras's batch 32), and
#   Dense(64, relu) -> Dense(32, relu) -> Dense(1, sigmoid), adam,
#   binary_crossentropy, epochs=10, batch_size=32.
def C(name, dataset, target, task, hidden, epochs, batch_size=32, activation="relu",
      learning_rate=0.001, l2=0.0, derive=None, seeds=SEEDS, maas_seeds=3):
    return dict(name=name, dataset=dataset, target=target, task=task, hidden=hidden,
                epochs=epochs, batch_size=batch_size, activation=activation, lr=learning_rate,
                l2=l2, derive=derive, seeds=seeds, maas_seeds=maas_seeds)


# derive: (column, SQL expression, the same on the loaded columns, the column
# it replaces).  seeds: the references'; maas_seeds: sql/mlp_quality.sql's.
# Underfitted configurations (the Keras model on the small sets) vary
# much more from seed to seed: more seeds on both sides.
CONFIGS = [
    # regression datasets: the small model, a larger one, and a
    # classification target
    C("concrete_keras10", "concrete", "compressive_strength", "regression", [10], 10, seeds=50, maas_seeds=30),
    C("concrete_64_32", "concrete", "compressive_strength", "regression", [64, 32], 100),
    C("concrete_strong", "concrete", "strong", "binary", [32], 50,
      derive=("strong", "compressive_strength >= 40",
              lambda c: [None if v is None else v >= 40 for v in c["compressive_strength"]],
              "compressive_strength")),
    C("diabetes_keras10", "diabetes", "progression", "regression", [10], 10, seeds=50, maas_seeds=30),
    C("diabetes_64_32", "diabetes", "progression", "regression", [64, 32], 30),
    C("diabetes_sex", "diabetes", "sex", "binary", [32], 50),
    C("ames_keras10", "ames", "sale_price", "regression", [10], 10, seeds=20, maas_seeds=6),
    C("ames_64_32", "ames", "sale_price", "regression", [64, 32], 10),
    C("ames_bldg_type", "ames", "bldg_type", "multiclass", [32], 10),
    C("sacramento_keras10", "sacramento", "price", "regression", [10], 10, seeds=50, maas_seeds=30),
    C("sacramento_64_32", "sacramento", "price", "regression", [64, 32], 50),
    C("sacramento_type", "sacramento", "type", "multiclass", [32], 30),
    # binary datasets: the 64-32 sigmoid model, and a regression target
    C("breast_cancer_keras64_32", "breast_cancer", "malignant", "binary", [64, 32], 10),
    C("breast_cancer_tanh_l2", "breast_cancer", "malignant", "binary", [32], 30, batch_size=16,
      activation="tanh", learning_rate=0.003, l2=0.001),
    C("breast_cancer_texture", "breast_cancer", "mean_texture", "regression", [32], 50),
    C("credit_data_keras64_32", "credit_data", "status", "binary", [64, 32], 10),
    C("credit_data_amount", "credit_data", "amount", "regression", [32], 10),
    C("wa_churn_keras64_32", "wa_churn", "churn", "binary", [64, 32], 10),
    C("wa_churn_monthly", "wa_churn", "monthly_charges", "regression", [32], 10, batch_size=64),
    C("attrition_keras64_32", "attrition", "attrition", "binary", [64, 32], 10),
    C("attrition_income", "attrition", "monthly_income", "regression", [32], 30),
    # multiclass datasets, and a regression target
    C("iris_64_32", "iris", "species", "multiclass", [64, 32], 100, batch_size=16),
    C("iris_petal_width", "iris", "petal_width", "regression", [16], 100, batch_size=16),
    C("wine_64_32", "wine", "cultivar", "multiclass", [64, 32], 50, batch_size=16),
    C("wine_alcohol", "wine", "alcohol", "regression", [16], 100, batch_size=16,
      activation="sigmoid", learning_rate=0.003),
    C("penguins_64_32", "penguins", "species", "multiclass", [64, 32], 50, batch_size=16),
    C("penguins_mass", "penguins", "body_mass_g", "regression", [16], 50, batch_size=16),
    C("digits_64_32", "digits", "digit", "multiclass", [64, 32], 20),
    C("digits_value", "digits", "digit", "regression", [64], 20),
]
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic", "linear": "identity"}


class Config:
    def __init__(self, d):
        self.__dict__.update(d)
        self.metric = "rmse" if self.task == "regression" else "accuracy"

    def maas_params(self):
        p = {"hidden_layers": self.hidden, "activation": self.activation,
             "epochs": self.epochs, "batch_size": self.batch_size, "learning_rate": self.lr,
             "task": "regression" if self.task == "regression" else "classification"}
        if self.l2:
            p["l2"] = self.l2
        return json.dumps(p)

    def select(self):
        if not self.derive:
            return "*"
        column, expr, _, replaced = self.derive
        cols = [c for c, _ in SCHEMA[self.dataset] if c != replaced]
        return "rid, " + ", ".join(cols) + ", %s AS %s" % (expr, column)


# ---- data (as test/reference/make_reference.py) ----

def read_schema():
    """table -> [(column, sql type)] from data/schema.sql"""
    tables = {}
    text = open(os.path.join(ROOT, "data", "schema.sql")).read()
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", text, re.S):
        cols = []
        for line in body.strip().split("\n"):
            col, typ = line.strip().rstrip(",").split(None, 1)
            cols.append((col, typ))
        tables[name] = cols
    return tables


SCHEMA = read_schema()


def load(table):
    """data/<table>.csv as {column: [values]} in file order (None = NULL) and types"""
    cols = SCHEMA[table]
    data = {c: [] for c, _ in cols}
    with open(os.path.join(ROOT, "data", table + ".csv"), newline="") as f:
        reader = csv.reader(f)
        assert len(next(reader)) == len(cols), table
        for rec in reader:
            assert len(rec) == len(cols), (table, rec)
            for (name, typ), v in zip(cols, rec):
                # an empty unquoted field is NULL (no file has a quoted "")
                if v == "":
                    v = None
                elif typ == "boolean":
                    v = {"true": True, "false": False}[v.lower()]
                elif typ == "integer":
                    v = int(v)
                elif typ == "double precision":
                    v = float(v)
                elif typ != "text":
                    raise ValueError(typ)
                data[name].append(v)
    return data, dict(cols)


def strcmp_key(s):
    return s.encode("utf-8")


def dataset_for(cfg):
    """Columns, types and feature names of a configuration, derived target applied"""
    data, types = load(cfg.dataset)
    order = [c for c, _ in SCHEMA[cfg.dataset]]
    if cfg.derive:
        column, _, fn, replaced = cfg.derive
        data[column] = fn(data)
        types[column] = "boolean"
        del data[replaced]
        order = [c for c in order if c != replaced] + [column]
    return data, types, [c for c in order if c != cfg.target]


def encode(data, types, features, train):
    """maas's encoding of every row, fitted on the rows train (a boolean array)"""
    blocks = []
    for name in features:
        values = data[name]
        if types[name] == "text":
            counts = {}
            for v, t in zip(values, train):
                if t and v is not None:
                    counts[v] = counts.get(v, 0) + 1
            cats = sorted(counts, key=strcmp_key)[:100] if len(counts) <= 100 else None
            assert cats is not None, "more than max_categories: not reproduced"
            mode = min(cats, key=lambda c: (-counts[c], strcmp_key(c)))
            index = {c: k for k, c in enumerate(cats)}
            block = np.zeros((len(values), len(cats)))
            for i, v in enumerate(values):
                k = index.get(mode if v is None else v)
                if k is not None:
                    block[i, k] = 1.0
        else:
            x = np.array([np.nan if v is None else float(v) for v in values])
            present = x[train & ~np.isnan(x)]
            x[np.isnan(x)] = math.fsum(present) / len(present)
            block = x.reshape(-1, 1)
        blocks.append(block)
    return np.hstack(blocks)


def target_of(data, types, cfg):
    y = data[cfg.target]
    if cfg.task == "regression":
        return np.array([np.nan if v is None else float(v) for v in y])
    values = sorted(set(v for v in y if v is not None),
                    key=strcmp_key if types[cfg.target] == "text" else None)
    index = {v: k for k, v in enumerate(values)}
    return np.array([np.nan if v is None else index[v] for v in y], dtype=float)


def standardize(A, train):
    mean = A[train].mean(axis=0)
    scale = np.sqrt(((A[train] - mean) ** 2).mean(axis=0))
    bad = ~(scale > 1e-12 * np.maximum(np.abs(mean), 1.0))
    scale[bad] = 1.0
    return (A - mean) / scale, mean, scale


# ---- training ----

def torch_fit_predict(cfg, X, y, Xt, seed, init, k):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    layers = []
    inputs = X.shape[1]
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
           "linear": torch.nn.Identity}[cfg.activation]
    linears = []
    for units in cfg.hidden:
        linears.append(torch.nn.Linear(inputs, units))
        layers += [linears[-1], act()]
        inputs = units
    linears.append(torch.nn.Linear(inputs, k))
    layers.append(linears[-1])
    net = torch.nn.Sequential(*layers)
    if init == "he":
        with torch.no_grad():
            for i, lin in enumerate(linears):
                fan_out, fan_in = lin.weight.shape
                hidden = i < len(cfg.hidden)
                rectifier = hidden and cfg.activation == "relu"
                limit = math.sqrt(6.0 / fan_in) if rectifier else math.sqrt(6.0 / (fan_in + fan_out))
                lin.weight.uniform_(-limit, limit)
                lin.bias.zero_()
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr, betas=(0.9, 0.999), eps=EPSILON)
    xs = torch.tensor(X, dtype=torch.float32)
    if cfg.task == "regression":
        ys = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
        lossf = torch.nn.MSELoss()
    elif cfg.task == "binary":
        ys = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
        lossf = torch.nn.BCEWithLogitsLoss()
    else:
        ys = torch.tensor(y, dtype=torch.long)
        lossf = torch.nn.CrossEntropyLoss()
    weights = [lin.weight for lin in linears]
    n = len(xs)
    for _ in range(cfg.epochs):
        perm = torch.randperm(n)
        for start in range(0, n, cfg.batch_size):
            idx = perm[start:start + cfg.batch_size]
            opt.zero_grad()
            loss = lossf(net(xs[idx]), ys[idx])
            if cfg.l2:
                loss = loss + cfg.l2 * sum((w * w).sum() for w in weights)
            loss.backward()
            opt.step()
    with torch.no_grad():
        z = net(torch.tensor(Xt, dtype=torch.float32)).numpy().astype(float)
    if cfg.task == "regression":
        return z[:, 0]
    if cfg.task == "binary":
        return (z[:, 0] > 0).astype(float)
    return z.argmax(axis=1).astype(float)


def sklearn_fit_predict(cfg, X, y, Xt, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    args = dict(hidden_layer_sizes=tuple(cfg.hidden), activation=ACTIVATIONS[cfg.activation],
                solver="adam", alpha=2 * cfg.l2 * cfg.batch_size, batch_size=cfg.batch_size,
                learning_rate_init=cfg.lr, max_iter=cfg.epochs, shuffle=True,
                random_state=seed, tol=0.0, n_iter_no_change=cfg.epochs + 1,
                beta_1=0.9, beta_2=0.999, epsilon=EPSILON, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if cfg.task == "regression":
            m = MLPRegressor(**args).fit(X, y)
        else:
            m = MLPClassifier(**args).fit(X, y.astype(int))
    return m.predict(Xt).astype(float)


def run(job):
    """One configuration, library and seed: the pooled five-fold metric"""
    name, library, seed = job
    cfg = Config(next(c for c in CONFIGS if c["name"] == name))
    data, types, features = dataset_for(cfg)
    y_all = target_of(data, types, cfg)
    rows = np.arange(len(y_all))
    ok = ~np.isnan(y_all)
    k = 1 if cfg.task != "multiclass" else int(np.nanmax(y_all)) + 1
    sse = 0.0
    correct = 0
    count = 0
    for fold in range(FOLDS):
        train = ok & (rows % FOLDS != fold)
        test = ok & (rows % FOLDS == fold)
        X, _, _ = standardize(encode(data, types, features, train), train)
        y = y_all.copy()
        if cfg.task == "regression":
            y_mean = y[train].mean()
            y_scale = math.sqrt(((y[train] - y_mean) ** 2).mean())
            y = (y - y_mean) / y_scale
        # a seed per fold, so that the folds' models are independent draws
        s = seed * FOLDS + fold
        if library == "sklearn":
            pred = sklearn_fit_predict(cfg, X[train], y[train], X[test], s)
        else:
            pred = torch_fit_predict(cfg, X[train], y[train], X[test], s,
                                     "he" if library == "pytorch_he_init" else "torch", k)
        if cfg.task == "regression":
            sse += float(np.sum((pred * y_scale + y_mean - y_all[test]) ** 2))
        else:
            correct += int(np.sum(pred == y_all[test]))
        count += int(test.sum())
    return name, library, seed, math.sqrt(sse / count) if cfg.task == "regression" else correct / count


LIBRARIES = ("pytorch", "pytorch_he_init", "sklearn")


def write_configs():
    with open(os.path.join(OUT, "mlp_configs.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["config", "dataset", "target", "task", "metric", "select", "params",
                    "maas_seeds"])
        for t in CONFIGS:
            cfg = Config(t)
            w.writerow([cfg.name, cfg.dataset, cfg.target, cfg.task, cfg.metric, cfg.select(),
                        cfg.maas_params(), cfg.maas_seeds])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", action="append")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seeds", type=int, help="instead of each configuration's")
    ap.add_argument("--configs-only", action="store_true")
    args = ap.parse_args()
    if args.configs_only:
        write_configs()
        return
    configs = [Config(c) for c in CONFIGS if not args.config or c["name"] in args.config]
    seeds = {c.name: args.seeds or c.seeds for c in configs}
    # the long ones first, so that the pool's workers end together
    jobs = [(c.name, lib, s) for c in sorted(configs, key=lambda c: -c.epochs * len(c.hidden))
            for lib in LIBRARIES for s in range(seeds[c.name])]
    results = {}
    started = time.time()
    with Pool(args.jobs) as pool:
        for name, library, seed, value in pool.imap_unordered(run, jobs):
            results.setdefault((name, library), []).append(value)
            if len(results[(name, library)]) == seeds[name]:
                v = np.array(results[(name, library)])
                print(f"{name:26s} {library:18s} {v.mean():12.6f} +- {v.std(ddof=1):10.6f}"
                      f"  ({time.time() - started:.0f} s)", file=sys.stderr)
    if args.config or args.seeds:
        return
    import sklearn
    import torch
    write_configs()
    with open(os.path.join(OUT, "mlp_reference.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["config", "library", "metric", "value", "spread"])
        for t in CONFIGS:
            cfg = Config(t)
            for library in LIBRARIES:
                v = np.array(results[(cfg.name, library)])
                w.writerow([cfg.name, library, cfg.metric, "%.6f" % v.mean(), "%.6f" % v.std(ddof=1)])
    print(f"wrote mlp_configs.csv, mlp_reference.csv (PyTorch {torch.__version__}, "
          f"scikit-learn {sklearn.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
