#!/usr/bin/python3
"""Reference numbers for sql/linear_quality.sql and sql/logistic_quality.sql.

Run from the repository root with Debian's Python (it has scikit-learn):

    /usr/bin/python3 test/reference/make_reference.py

It reads data/*.csv (column names and types from data/schema.sql, by
position, as `\\copy` loads them), encodes every table the way maas_train
does, fits scikit-learn on the encoded matrix, and writes the CSV files of
test/reference/ (the tests `\\copy` them into temp tables):

  coefficients.csv  model, class, idx, feature, value
                    idx 0 is the intercept, idx j the j-th encoded feature
                    (feature names as maas_info's feature_names); class is
                    '' for regression and binary models, the class label for
                    multinomial ones.  Logistic coefficients are in the
                    features' own units (maas_info(...)->'parameters'->'weights').
  predictions.csv   model, rid, class, value
                    rid = 1-based row of the data file; linear: the
                    predicted value; binary: P(second class); multinomial:
                    one line per class.  Every row of the small sets, every
                    10th row (rid % 10 = 1) of the large ones.
  rows.csv          model, rid, class, proba, value: a few rows with the
                    predicted class label, the whole probability vector (a
                    PostgreSQL float8[] literal) and, for a numeric or
                    boolean target, the class's value (what maas_predict
                    returns).
  metrics.csv       model, metric, value: scikit-learn's metrics of its own
                    model on every row (names as maas_evaluate's).
  zeros.csv         model, idx, feature: the L1 model's zero coefficients.

maas's encoding, reproduced here (src/dataset.c):
  * features are the source columns in table order without the target;
  * numbers one feature each, booleans 0/1, text one-hot over the
    categories of the training rows sorted by strcmp (byte order);
  * NULL numbers take the mean of the training rows, NULL text the one-hot
    of the most frequent category (ties: the smallest label);
  * rows with a NULL target are left out; with {"test_size": 0} every other
    row trains;
  * classes are sorted (numbers ascending, text by strcmp, false < true).
Logistic regression standardizes each feature (population std) and
minimizes scikit-learn's objective, so it is compared with
Pipeline(StandardScaler(), LogisticRegression(...)) and the coefficients are
mapped back to the features' units: coef / scale, intercept - sum(coef *
mean / scale).

The references are optimal to rounding, not just "converged":
  * L2: solver newton-cg.  scikit-learn's default lbfgs stops on scipy's
    relative ftol (2.2e-9) whatever tol is given, 1e-5 to 4e-5 away from the
    optimum in probability (printed as "lbfgs: ... off");
  * L1: saga with tol 1e-12 (liblinear would penalize the intercept);
  * every logistic fit is checked: the largest gradient component of maas's
    objective (mean loss + penalty / n, standardized features) at the
    reference must be below 1e-9 (printed as "gradient");
  * ames (rank deficient): LinearRegression on all 314 columns keeps
    singular values down to eps * largest, so rounding noise along the exact
    one-hot dependencies moves its fitted values by up to 1e-3; it is fitted
    instead on 270 columns that span the same space (pivoted QR, see
    column_basis), which gives the least-squares fitted values to ~1e-10.

Each line printed is one model: rows, features, solver iterations, and the
checks above.  The output is deterministic (fixed solvers and random_state);
floats are written with repr(), which round-trips exactly.
"""
import csv
import math
import os
import re
import sys
import warnings

import numpy as np
import scipy.linalg
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import (accuracy_score, f1_score, log_loss,
                             mean_absolute_error, mean_squared_error,
                             precision_score, r2_score, recall_score,
                             roc_auc_score)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "test", "reference")

# every 10th row of these sets goes into predictions.csv, all rows of the others
LARGE = {"concrete", "ames", "credit_data"}
# rows of rows.csv (1-based rids)
FEW_ROWS = {"breast_cancer": [1, 20, 100], "iris": [1, 51, 101, 120],
            "wine": [1, 60, 131, 178], "penguins": [4, 9, 272, 344],
            "credit_data": [1, 2, 30, 4454]}

warnings.simplefilter("error", ConvergenceWarning)
# newton-cg ends with a line search that cannot improve on the optimum at
# double precision; the gradient check in logistic() is what counts
warnings.filterwarnings("ignore", "Line Search failed")
warnings.filterwarnings("ignore", module=r"scipy\.optimize")


# ---- data ----

def read_schema():
    """table -> [(column, sql type)] from data/schema.sql"""
    tables = {}
    text = open(os.path.join(ROOT, "data", "schema.sql")).read()
    for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", text, re.S):
        cols = []
        for line in body.strip().split("\n"):
            line = line.strip().rstrip(",")
            col, typ = line.split(None, 1)
            cols.append((col, typ))
        tables[name] = cols
    return tables


SCHEMA = read_schema()


def load(table):
    """The rows of data/<table>.csv as lists of Python values (None = NULL)."""
    cols = SCHEMA[table]
    rows = []
    with open(os.path.join(ROOT, "data", table + ".csv"), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert len(header) == len(cols), table
        for rec in reader:
            assert len(rec) == len(cols), (table, rec)
            row = []
            for (name, typ), v in zip(cols, rec):
                # an empty unquoted field is NULL (no file has a quoted "")
                if v == "":
                    row.append(None)
                elif typ == "text":
                    row.append(v)
                elif typ == "boolean":
                    row.append({"true": True, "false": False}[v.lower()])
                elif typ == "integer":
                    row.append(int(v))
                elif typ == "double precision":
                    row.append(float(v))
                else:
                    raise ValueError(typ)
            rows.append(row)
    return cols, rows


def strcmp_key(s):
    return s.encode("utf-8")


class Encoded:
    pass


def encode(table, target):
    """maas_train's encoding of every row with a non-NULL target."""
    cols, rows = load(table)
    names = [c for c, _ in cols]
    t = names.index(target)
    keep = [i for i, r in enumerate(rows) if r[t] is not None]
    train = [rows[i] for i in keep]
    n = len(train)
    blocks = []
    feature_names = []
    for a, (name, typ) in enumerate(cols):
        if a == t:
            continue
        values = [r[a] for r in train]
        present = [v for v in values if v is not None]
        if typ == "text":
            counts = {}
            for v in present:
                counts[v] = counts.get(v, 0) + 1
            cats = sorted(counts, key=strcmp_key)
            mode = min(cats, key=lambda c: (-counts[c], strcmp_key(c)))
            index = {c: k for k, c in enumerate(cats)}
            block = np.zeros((n, len(cats)))
            for i, v in enumerate(values):
                block[i, index[mode if v is None else v]] = 1.0
            feature_names += ["%s=%s" % (name, c) for c in cats]
        else:
            x = np.array([np.nan if v is None else float(v) for v in values])
            mean = math.fsum(float(v) for v in present) / len(present)
            x[np.isnan(x)] = mean
            block = x.reshape(n, 1)
            feature_names.append(name)
        blocks.append(block)
    e = Encoded()
    e.X = np.hstack(blocks)
    e.y = [r[t] for r in train]
    e.rid = np.array(keep) + 1
    e.feature_names = feature_names
    e.target_type = dict(cols)[target]
    return e


def classes_of(e):
    """Sorted class labels as maas prints them, and y as class indexes."""
    values = sorted(set(e.y), key=strcmp_key if e.target_type == "text" else None)
    index = {v: k for k, v in enumerate(values)}
    if e.target_type == "text":
        labels = values
    elif e.target_type == "boolean":
        labels = ["true" if v else "false" for v in values]
    else:
        labels = [repr(float(v)).removesuffix(".0") for v in values]
    return values, labels, np.array([index[v] for v in e.y])


# ---- output ----

coefficients = []
predictions = []
rows_out = []
metrics = []
zeros = []


def fmt(v):
    v = float(v)
    assert math.isfinite(v)
    return repr(v)


def pred_rows(table, e):
    if table in LARGE:
        return [i for i, r in enumerate(e.rid) if r % 10 == 1]
    return list(range(len(e.rid)))


def add_coefs(model, klass, names, intercept, coef):
    coefficients.append((model, klass, 0, "(intercept)", fmt(intercept)))
    for j, (name, c) in enumerate(zip(names, coef)):
        coefficients.append((model, klass, j + 1, name, fmt(c)))


# ---- linear regression ----

def column_basis(X):
    """Columns of X that span its column space after centering: pivoted QR of
    the centered matrix scaled to unit column norms, |R_jj| > 1e-9 |R_00|.
    (On ames the kept and dropped diagonals are 2.7e-2 and 1e-14 apart.)"""
    Z = X - X.mean(axis=0)
    Z /= np.sqrt((Z ** 2).sum(axis=0))
    R, piv = scipy.linalg.qr(Z, pivoting=True, mode="r")
    d = np.abs(np.diag(R))
    return np.sort(piv[d > 1e-9 * d[0]])


def linear(model, table, target, estimator, coefs=True, preds=False, metric=False,
           basis=False):
    e = encode(table, target)
    y = np.array(e.y, dtype=float)
    X = e.X
    note = ""
    if basis:
        # Rank deficient: the coefficients are not unique, the fitted values
        # are.  LinearRegression on all columns keeps singular values down to
        # eps * largest (scipy's lstsq default), so rounding noise along the
        # exact one-hot dependencies moves its predictions ~1e-3; fitted on a
        # basis of the column space it gives the least-squares fit.
        full = LinearRegression().fit(X, y).predict(X)
        X = X[:, column_basis(X)]
    estimator.fit(X, y)
    if coefs:
        add_coefs(model, "", e.feature_names, estimator.intercept_, estimator.coef_)
    pred = estimator.predict(X)
    if basis:
        note = " of %d (all columns: %.1e off)" % (e.X.shape[1],
                                                     np.max(np.abs(full - pred) / np.abs(pred)))
    if preds:
        for i in pred_rows(table, e):
            predictions.append((model, e.rid[i], "", fmt(pred[i])))
    if metric:
        metrics.append((model, "r2", fmt(r2_score(y, pred))))
        metrics.append((model, "rmse", fmt(math.sqrt(mean_squared_error(y, pred)))))
        metrics.append((model, "mae", fmt(mean_absolute_error(y, pred))))
    rank = getattr(estimator, "rank_", None)
    print("%-22s rows %4d features %3d%s%s" % (model, len(y), X.shape[1],
                                               "" if rank is None else " rank %d" % rank, note))


# ---- logistic regression ----

def logistic_gradient(X, cls, k, C, l1, intercept, coef):
    """Largest gradient component of maas's objective (mean loss + penalty /
    n, standardized space) at scikit-learn's solution: how well the reference
    converged.  For L1 the minimum-norm subgradient."""
    n = X.shape[0]
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1
    Z = (X - mean) / scale
    W = np.atleast_2d(coef) * scale      # back to standardized space
    b = np.atleast_1d(intercept) + np.atleast_2d(coef) @ mean
    S = Z @ W.T + b
    if k == 2:
        r = 1 / (1 + np.exp(-S[:, 0])) - cls
        R = r.reshape(n, 1)
    else:
        P = np.exp(S - S.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        R = P - np.eye(k)[cls]
    G = (Z.T @ R).T / n
    if l1:
        lam = 1 / (C * n)
        G = np.where(W > 0, G + lam, np.where(W < 0, G - lam,
                     np.sign(G) * np.maximum(np.abs(G) - lam, 0)))
    else:
        G = G + W / (C * n)
    return max(np.abs(G).max(), np.abs(R.sum(axis=0) / n).max())


def logistic(model, table, target, C=1.0, penalty="l2", metric=False):
    e = encode(table, target)
    values, labels, cls = classes_of(e)
    k = len(labels)
    if penalty == "l1":
        # saga reaches the exact L1 optimum (liblinear would penalize the intercept)
        clf = LogisticRegression(penalty="l1", C=C, solver="saga", tol=1e-12,
                                 max_iter=1000000, random_state=0)
    else:
        # newton-cg: scikit-learn's lbfgs stops on scipy's relative ftol
        # (2.2e-9) long before a gradient tol of 1e-10, leaving probabilities
        # ~3e-5 from the optimum; newton-cg's tol is on the gradient of the
        # summed objective and reaches the optimum to rounding (checked below).
        clf = LogisticRegression(C=C, tol=1e-8, solver="newton-cg", max_iter=1000)
    pipe = make_pipeline(StandardScaler(), clf)
    pipe.fit(e.X, cls)
    sc = pipe[0]
    coef = clf.coef_ / sc.scale_
    intercept = clf.intercept_ - coef @ sc.mean_
    if k == 2:
        add_coefs(model, "", e.feature_names, intercept[0], coef[0])
    else:
        for c in range(k):
            add_coefs(model, labels[c], e.feature_names, intercept[c], coef[c])
    if penalty == "l1":
        for j in np.flatnonzero(clf.coef_[0] == 0):
            zeros.append((model, j + 1, e.feature_names[j]))
    proba = pipe.predict_proba(e.X)
    for i in pred_rows(table, e):
        if k == 2:
            predictions.append((model, e.rid[i], labels[1], fmt(proba[i, 1])))
        else:
            for c in range(k):
                predictions.append((model, e.rid[i], labels[c], fmt(proba[i, c])))
    guess = proba.argmax(axis=1)
    for rid in FEW_ROWS.get(table, []) if penalty == "l2" and C == 1.0 else []:
        i = int(np.flatnonzero(e.rid == rid)[0])
        value = "" if e.target_type == "text" else fmt(float(values[guess[i]]))
        rows_out.append((model, rid, labels[guess[i]],
                         "{" + ",".join(fmt(p) for p in proba[i]) + "}", value))
    if metric:
        avg = "binary" if k == 2 else "macro"
        metrics.append((model, "accuracy", fmt(accuracy_score(cls, guess))))
        metrics.append((model, "precision", fmt(precision_score(cls, guess, average=avg))))
        metrics.append((model, "recall", fmt(recall_score(cls, guess, average=avg))))
        metrics.append((model, "f1", fmt(f1_score(cls, guess, average=avg))))
        metrics.append((model, "log_loss", fmt(log_loss(cls, proba, labels=list(range(k))))))
        if k == 2:
            metrics.append((model, "roc_auc", fmt(roc_auc_score(cls, proba[:, 1]))))
    grad = logistic_gradient(e.X, cls, k, C, penalty == "l1", intercept, coef)
    assert grad < 1e-9, (model, grad)
    gap = ""
    if penalty == "l2":
        # what the default solver (lbfgs) would have given
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lbfgs = make_pipeline(StandardScaler(),
                                  LogisticRegression(C=C, tol=1e-10, max_iter=100000))
            gap = " (lbfgs: %.1e off)" % np.abs(lbfgs.fit(e.X, cls).predict_proba(e.X) - proba).max()
    print("%-22s rows %4d features %3d classes %d iterations %5d gradient %.1e%s%s" % (
        model, len(cls), e.X.shape[1], k, int(np.max(clf.n_iter_)), grad,
        " zeros %d" % int((clf.coef_ == 0).sum()) if penalty == "l1" else "", gap))


def write(name, header, rows):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)


def main():
    # linear_quality.sql
    linear("lin_diabetes", "diabetes", "progression", LinearRegression(), metric=True)
    linear("lin_diabetes_ridge", "diabetes", "progression", Ridge(alpha=10))
    linear("lin_diabetes_noint", "diabetes", "progression", LinearRegression(fit_intercept=False))
    linear("lin_concrete", "concrete", "compressive_strength", LinearRegression(), metric=True)
    linear("lin_concrete_ridge", "concrete", "compressive_strength", Ridge(alpha=10))
    linear("lin_concrete_noint", "concrete", "compressive_strength",
           LinearRegression(fit_intercept=False))
    linear("lin_ames", "ames", "sale_price", LinearRegression(), coefs=False, preds=True,
           metric=True, basis=True)
    # logistic_quality.sql
    logistic("log_bc", "breast_cancer", "malignant", metric=True)
    logistic("log_bc_c01", "breast_cancer", "malignant", C=0.1)
    logistic("log_bc_l1", "breast_cancer", "malignant", C=0.5, penalty="l1", metric=True)
    logistic("log_iris", "iris", "species", metric=True)
    logistic("log_wine", "wine", "cultivar", metric=True)
    logistic("log_penguins", "penguins", "species", metric=True)
    logistic("log_credit", "credit_data", "status", metric=True)

    write("coefficients.csv", ["model", "class", "idx", "feature", "value"], coefficients)
    write("predictions.csv", ["model", "rid", "class", "value"], predictions)
    write("rows.csv", ["model", "rid", "class", "proba", "value"], rows_out)
    write("metrics.csv", ["model", "metric", "value"], metrics)
    write("zeros.csv", ["model", "idx", "feature"], zeros)


if __name__ == "__main__":
    sys.exit(main())
