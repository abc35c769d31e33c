#!/usr/bin/python3
"""Reference numbers for sql/tune.sql (maas_train's splits, maas_tune).

Run from the repository root with Debian's Python (it has scikit-learn):

    /usr/bin/python3 test/reference/tune_reference.py

It writes test/reference/tune_reference.csv: case, trial, fold, value.
trial is the 1-based setting in maas_tune's order (grid keys sorted, the
last varying fastest, as ParameterGrid); fold -1 is the mean score, -2 its
standard deviation, -3 1 for the best setting (GridSearchCV's best_index_).
The folds are the ones maas makes without shuffling, rows in file order
(rid = 1-based row of the data file):

  split_time     LinearRegression on the first 353 rows of diabetes, r2 /
                 rmse / mae (fold 1 / 2 / 3) on the last 89: maas_train
                 {"split": {"order_by": "rid"}} holds out ceil(0.2 n)
  ridge_kfold    Ridge(alpha) over alpha, KFold(5), r2
  logit_strat    StandardScaler + LogisticRegression(C) on iris over C,
                 StratifiedKFold(5), accuracy; and the same scored by
                 neg_log_loss (logit_logloss, stored as log loss)
  logit_group    the same on iris, GroupKFold(3), groups (rid - 1) % 7
  ridge_time     Ridge over alpha, TimeSeriesSplit(4) ordered by rid, rmse
  ridge_column   Ridge over alpha, PredefinedSplit(rid % 4), mae
  ridge_weighted Ridge over alpha, KFold(5), r2, fit with sample_weight
                 1 + rid % 3 (GridSearchCV passes it to each fold's fit;
                 the scores are unweighted)

Weighted fits (trial = rid, fold = class index, or 0 for a regression's
prediction; every row of the file):

  w_linear       LinearRegression, sample_weight 1 + rid % 3
  w_ridge        Ridge(alpha=10), the same weights
  w_wine         StandardScaler + LogisticRegression(class_weight="balanced")
                 on wine (three classes), probabilities
  w_iris         the same with class_weight {"setosa": 2, "virginica": 0.5}
                 and sample_weight 1 + rid % 3 on iris
  w_cancer       class_weight "balanced" on breast_cancer (binary)
  w_tree_wine    DecisionTreeClassifier(max_depth=4, class_weight="balanced")
                 on wine, probabilities
  w_tree_diab    DecisionTreeRegressor(max_depth=4), sample_weight
                 1 + rid % 3 on diabetes
"""
import csv
import math
import os
import sys
import warnings

import numpy as np
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import (GridSearchCV, GroupKFold, KFold, PredefinedSplit,
                                     StratifiedKFold, TimeSeriesSplit)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

warnings.simplefilter("ignore")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
out = []


def load(name, target):
    with open(os.path.join(root, "data", name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    t = header.index(target)
    X = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])
    y = [r[t] for r in rows]
    return X, y


def fmt(v):
    return repr(float(v))


def grid_case(case, est, grid, X, y, cv, scoring, groups=None, sign=1.0, fit_params=None):
    gs = GridSearchCV(est, grid, cv=cv, scoring=scoring, refit=False)
    gs.fit(X, y, groups=groups, **(fit_params or {}))
    r = gs.cv_results_
    n_splits = gs.n_splits_
    for t in range(len(r["params"])):
        for f in range(n_splits):
            out.append((case, t + 1, f, fmt(sign * r["split%d_test_score" % f][t])))
        out.append((case, t + 1, -1, fmt(sign * r["mean_test_score"][t])))
        out.append((case, t + 1, -2, fmt(r["std_test_score"][t])))
        out.append((case, t + 1, -3, 1 if t == gs.best_index_ else 0))
    print(case, "best", r["params"][gs.best_index_], sign * r["mean_test_score"][gs.best_index_])


# maas_train: the latest ceil(0.2 n) rows by rid are held out
X, y = load("diabetes", "progression")
y = np.array([float(v) for v in y])
n = len(y)
n_test = math.ceil(0.2 * n)
m = LinearRegression().fit(X[:n - n_test], y[:n - n_test])
p = m.predict(X[n - n_test:])
for f, v in enumerate([r2_score(y[n - n_test:], p),
                       math.sqrt(mean_squared_error(y[n - n_test:], p)),
                       mean_absolute_error(y[n - n_test:], p)]):
    out.append(("split_time", 1, f + 1, fmt(v)))

alphas = {"alpha": [0.01, 0.1, 1.0, 10.0, 100.0]}
grid_case("ridge_kfold", Ridge(), alphas, X, y, KFold(5), "r2")
grid_case("ridge_time", Ridge(), alphas, X, y, TimeSeriesSplit(4),
          "neg_root_mean_squared_error", sign=-1.0)
rid = np.arange(1, n + 1)
grid_case("ridge_column", Ridge(), alphas, X, y, PredefinedSplit(rid % 4),
          "neg_mean_absolute_error", sign=-1.0)

w = 1.0 + rid % 3
grid_case("ridge_weighted", Ridge(), alphas, X, y, KFold(5), "r2", fit_params={"sample_weight": w})


def rows_case(case, values):
    for i, v in enumerate(values):
        for c, x in enumerate(np.atleast_1d(v)):
            out.append((case, i + 1, c, fmt(x)))


rows_case("w_linear", LinearRegression().fit(X, y, sample_weight=w).predict(X))
rows_case("w_ridge", Ridge(alpha=10.0).fit(X, y, sample_weight=w).predict(X))
rows_case("w_tree_diab", DecisionTreeRegressor(max_depth=4, random_state=0)
          .fit(X, y, sample_weight=w).predict(X))


def weighted_logit(case, table, target, class_weight, sample_weight=None):
    Xc, yc = load(table, target)
    m = make_pipeline(StandardScaler(),
                      LogisticRegression(tol=1e-10, max_iter=1000, solver="newton-cg",
                                         class_weight=class_weight))
    m.fit(Xc, np.array(yc), logisticregression__sample_weight=sample_weight)
    rows_case(case, m.predict_proba(Xc))


X, y = load("iris", "species")
y = np.array(y)
# newton-cg reaches the optimum (lbfgs stops ~1e-6 short in log loss)
logit = make_pipeline(StandardScaler(),
                      LogisticRegression(tol=1e-10, max_iter=1000, solver="newton-cg"))
Cs = {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}
grid_case("logit_strat", logit, Cs, X, y, StratifiedKFold(5), "accuracy")
grid_case("logit_logloss", logit, Cs, X, y, StratifiedKFold(5), "neg_log_loss", sign=-1.0)
groups = (np.arange(1, len(y) + 1) - 1) % 7
grid_case("logit_group", logit, Cs, X, y, GroupKFold(3), "accuracy", groups=groups)

weighted_logit("w_wine", "wine", "cultivar", "balanced")
weighted_logit("w_iris", "iris", "species", {"setosa": 2.0, "virginica": 0.5},
               1.0 + np.arange(1, 151) % 3)
weighted_logit("w_cancer", "breast_cancer", "malignant", "balanced")
Xw, yw = load("wine", "cultivar")
rows_case("w_tree_wine", DecisionTreeClassifier(max_depth=4, class_weight="balanced", random_state=0)
          .fit(Xw, yw).predict_proba(Xw))

with open(os.path.join(root, "test", "reference", "tune_reference.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(("case", "trial", "fold", "value"))
    w.writerows(out)
