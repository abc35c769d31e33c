#!/usr/bin/python3
"""Reference numbers for sql/svm_quality.sql (linear_svm, linear_svr, svm).

Run from the repository root with Debian's Python (scikit-learn 1.2):

    /usr/bin/python3 test/reference/svm_reference.py

maas's SVMs standardize their features inside the model (population std),
so every reference is Pipeline(StandardScaler(), <estimator>) on maas's own
encoding of the same rows (make_reference.py's encode, here computed on the
training rows only and applied to the held-out ones, as maas_train and
maas_evaluate do).  Writes test/reference/svm_*.csv:

  svm_coef.csv      model, class, idx, feature, value: LinearSVC / LinearSVR
                    solved to tol 1e-10 (L1: 1e-8) on every row, coefficients in the
                    features' units (idx 0 the intercept; class '' for one
                    weight vector)
  svm_decision.csv  model, rid, class, value: decision_function of SVC
                    (tol 1e-8) and of the LinearSVC models above, every row
                    (credit_data: every 10th, rid % 10 = 1); binary: one
                    value, multiclass: one per class
  svm_heldout.csv   model, metric, value: held-out accuracy (classification)
                    or rmse (regression) at the estimators' default settings,
                    trained on the rows with rid % 4 <> 0 and scored on
                    rid % 4 = 0 (rid: 1-based row of the data file)
"""
import csv
import math
import os
import sys
import time
import warnings

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR  # noqa: F401

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference as mr  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))


def encode_split(table, target):
    """maas's encoding fitted on rid % 4 <> 0, applied to every row."""
    cols, rows = mr.load(table)
    names = [c for c, _ in cols]
    t = names.index(target)
    keep = [i for i, r in enumerate(rows) if r[t] is not None]
    rid = np.array(keep) + 1
    data = [rows[i] for i in keep]
    train = rid % 4 != 0
    n = len(data)
    blocks = []
    for a, (name, typ) in enumerate(cols):
        if a == t:
            continue
        values = [r[a] for r in data]
        present = [v for v, tr in zip(values, train) if tr and v is not None]
        if typ == "text":
            counts = {}
            for v in present:
                counts[v] = counts.get(v, 0) + 1
            cats = sorted(counts, key=mr.strcmp_key)
            mode = min(cats, key=lambda c: (-counts[c], mr.strcmp_key(c)))
            index = {c: k for k, c in enumerate(cats)}
            block = np.zeros((n, len(cats)))
            for i, v in enumerate(values):
                v = mode if v is None else v
                if v in index:      # unseen categories encode as zeros
                    block[i, index[v]] = 1.0
        else:
            x = np.array([np.nan if v is None else float(v) for v in values])
            x[np.isnan(x)] = math.fsum(float(v) for v in present) / len(present)
            block = x.reshape(n, 1)
        blocks.append(block)
    e = mr.Encoded()
    e.X = np.hstack(blocks)
    e.y = [r[t] for r in data]
    e.rid = rid
    e.target_type = dict(cols)[target]
    return e, train


# LIBLINEAR's permutations are random: random_state=0 makes every figure
# here the same on every run
coef_rows, decision_rows, heldout_rows, timing = [], [], [], []


def fmt(v):
    return repr(float(v))


def exact_linear(model, table, target, est, regression=False):
    e = mr.encode(table, target)
    pipe = make_pipeline(StandardScaler(), est).fit(
        e.X, np.array(e.y, dtype=float) if regression else classes_of(e)[2])
    sc, m = pipe[0], pipe[1]
    coef = np.atleast_2d(m.coef_)
    icpt = np.atleast_1d(m.intercept_)
    labels = [""] if coef.shape[0] == 1 else classes_of(e)[1]
    for c, label in enumerate(labels):
        w = coef[c] / sc.scale_
        coef_rows.append([model, label, 0, "(intercept)", fmt(icpt[c] - np.dot(w, sc.mean_))])
        for j, name in enumerate(e.feature_names):
            coef_rows.append([model, label, j + 1, name, fmt(w[j])])
    if not regression:
        decisions(model, e, pipe, table)


def classes_of(e):
    return mr.classes_of(e)


def decisions(model, e, pipe, table):
    dec = pipe.decision_function(e.X)
    labels = classes_of(e)[1]
    for i, r in enumerate(e.rid):
        if table in mr.LARGE and r % 10 != 1:
            continue
        if dec.ndim == 1:
            decision_rows.append([model, r, "", fmt(dec[i])])
        else:
            for c, label in enumerate(labels):
                decision_rows.append([model, r, label, fmt(dec[i, c])])


def exact_kernel(model, table, target, est):
    e = mr.encode(table, target)
    pipe = make_pipeline(StandardScaler(), est).fit(e.X, classes_of(e)[2])
    decisions(model, e, pipe, table)
    n_support = pipe[1].n_support_
    heldout_rows.append([model, "n_support", fmt(sum(n_support))])


def heldout(model, table, target, est, regression=False):
    e, train = encode_split(table, target)
    y = np.array(e.y, dtype=float) if regression else classes_of(e)[2]
    pipe = make_pipeline(StandardScaler(), est)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # defaults (max_iter 1000) may stop early: so does maas (a NOTICE)
        warnings.simplefilter("ignore")
        pipe.fit(e.X[train], y[train])
    timing.append((model, time.perf_counter() - start))
    pred = pipe.predict(e.X[~train])
    if regression:
        value = math.sqrt(np.mean((pred - y[~train]) ** 2))
        heldout_rows.append([model, "rmse", fmt(value)])
    else:
        heldout_rows.append([model, "accuracy", fmt(np.mean(pred == y[~train]))])


def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


TIGHT = dict(tol=1e-10, max_iter=1000000, random_state=0)


def main():
    # coefficients at the optimum (every row)
    exact_linear("lsvc_bc", "breast_cancer", "malignant", LinearSVC(**TIGHT))
    exact_linear("lsvc_bc_hinge", "breast_cancer", "malignant", LinearSVC(loss="hinge", C=0.1, **TIGHT))
    exact_linear("lsvc_bc_l1", "breast_cancer", "malignant",
                 LinearSVC(penalty="l1", dual=False, C=0.5, tol=1e-8, max_iter=1000000, random_state=0))
    exact_linear("lsvc_wine", "wine", "cultivar", LinearSVC(C=0.1, **TIGHT))
    exact_linear("lsvc_credit_bal", "credit_data", "status",
                 LinearSVC(class_weight="balanced", C=0.1, **TIGHT))
    exact_linear("lsvr_diabetes", "diabetes", "progression",
                 LinearSVR(C=10, epsilon=5, **TIGHT), regression=True)
    exact_linear("lsvr_concrete_l2", "concrete", "compressive_strength",
                 LinearSVR(loss="squared_epsilon_insensitive", epsilon=1, **TIGHT), regression=True)
    # SVC decision values (every row)
    exact_kernel("ksvc_bc", "breast_cancer", "malignant", SVC(tol=1e-8))
    exact_kernel("ksvc_wine", "wine", "cultivar", SVC(tol=1e-8, C=10))
    exact_kernel("ksvc_iris", "iris", "species", SVC(tol=1e-8, gamma=0.5))
    # held-out figures at default settings
    for short, table, target in [("bc", "breast_cancer", "malignant"), ("wine", "wine", "cultivar"),
                                 ("iris", "iris", "species"), ("digits", "digits", "digit"),
                                 ("credit", "credit_data", "status"), ("churn", "wa_churn", "churn")]:
        heldout("ho_lsvc_" + short, table, target, LinearSVC(random_state=0))
        heldout("ho_svc_" + short, table, target, SVC())
    heldout("ho_lsvr_diabetes", "diabetes", "progression", LinearSVR(C=10, random_state=0), regression=True)
    heldout("ho_lsvr_concrete", "concrete", "compressive_strength", LinearSVR(C=10, random_state=0), regression=True)
    write("svm_coef.csv", ["model", "class", "idx", "feature", "value"], coef_rows)
    write("svm_decision.csv", ["model", "rid", "class", "value"], decision_rows)
    write("svm_heldout.csv", ["model", "metric", "value"], heldout_rows)
    for model, seconds in timing:
        print("%-20s fit %.3f s" % (model, seconds))


if __name__ == "__main__":
    main()
