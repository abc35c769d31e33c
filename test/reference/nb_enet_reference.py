#!/usr/bin/python3
"""Reference numbers for sql/nb_enet.sql (naive_bayes, elastic_net, lasso).

Run from the repository root with Debian's Python (it has scikit-learn):

    /usr/bin/python3 test/reference/nb_enet_reference.py

It encodes the tables as maas_train does (make_reference.encode), fits
scikit-learn and writes test/reference/nb_enet_reference.csv:

  model, rid, idx, value
    naive Bayes:  rid = 1-based row of the data file (every 5th row of
                  digits: rid % 5 = 1), idx = class (0-based, classes
                  sorted as maas sorts them), value = probability
    elastic net:  rid = 0, idx 0 the intercept, idx j the j-th coefficient
    paths:        rid = k-th alpha (1-based, descending), idx -1 the alpha,
                  idx 0 the intercept, idx j the j-th coefficient

Naive Bayes: GaussianNB, MultinomialNB, BernoulliNB; kind "auto" on
penguins (plus a boolean "late" = year >= 2008 instead of year) is checked
against the joint log likelihoods of GaussianNB on the numeric columns,
CategoricalNB on the text columns and BernoulliNB on the boolean, summed
with one class prior.  Elastic net and lasso: ElasticNet / Lasso with
tol 1e-12 (optimal to rounding), and enet_path / lasso_path on centered
data (the intercept is then mean(y) - mean(X) w, as maas computes it).
"""
import csv
import os
import sys
import warnings

import numpy as np
from scipy.special import logsumexp
from sklearn.linear_model import ElasticNet, Lasso, enet_path, lasso_path
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, GaussianNB, MultinomialNB

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference as mr  # noqa: E402

warnings.simplefilter("ignore", FutureWarning)
out = []


def proba_rows(model, e, proba):
    for i, rid in enumerate(e.rid):
        if e.X.shape[0] > 1000 and rid % 5 != 1:
            continue        # every 5th row of digits
        for c in range(proba.shape[1]):
            out.append((model, int(rid), c, mr.fmt(proba[i, c])))


def nb(model, table, target, est, columns=None):
    e = mr.encode(table, target)
    _, _, y = mr.classes_of(e)
    X = e.X
    est.fit(X, y)
    proba = est.predict_proba(X)
    proba_rows(model, e, proba)
    print(model, X.shape, "max proba", proba.max())


def penguins_late():
    """penguins with a boolean late = year >= 2008 in place of year"""
    cols, rows = mr.load("penguins")
    names = [c for c, _ in cols]
    y = names.index("year")
    cols = [(c, t) if c != "year" else ("late", "boolean") for c, t in cols]
    rows = [r[:y] + [None if r[y] is None else r[y] >= 2008] + r[y + 1:] for r in rows]
    return cols, rows


def nb_auto():
    load = mr.load
    mr.load = lambda t: penguins_late() if t == "penguins_late" else load(t)
    e = mr.encode("penguins_late", "species")
    mr.load = load
    _, _, y = mr.classes_of(e)
    names = e.feature_names
    num = [j for j, n in enumerate(names) if "=" not in n and n != "late"]
    boolean = [names.index("late")]
    jll = GaussianNB().fit(e.X[:, num], y).predict_joint_log_proba(e.X[:, num])
    bern = BernoulliNB().fit(e.X[:, boolean], y)
    jll += bern.predict_joint_log_proba(e.X[:, boolean]) - bern.class_log_prior_
    for col in ("island", "sex"):
        idx = [j for j, n in enumerate(names) if n.startswith(col + "=")]
        ordinal = np.argmax(e.X[:, idx], axis=1).reshape(-1, 1)
        cat = CategoricalNB(min_categories=len(idx)).fit(ordinal, y)
        jll += cat.predict_joint_log_proba(ordinal) - cat.class_log_prior_
    proba = np.exp(jll - logsumexp(jll, axis=1, keepdims=True))
    proba_rows("nb_penguins_auto", e, proba)
    print("nb_penguins_auto", e.X.shape)


def coefs(model, intercept, coef, rid=0):
    out.append((model, rid, 0, mr.fmt(intercept)))
    for j, c in enumerate(coef):
        out.append((model, rid, j + 1, mr.fmt(c)))


def enet(model, table, target, est):
    e = mr.encode(table, target)
    y = np.array(e.y, dtype=float)
    est.fit(e.X, y)
    coefs(model, est.intercept_, est.coef_)
    print(model, e.X.shape, "iterations", est.n_iter_, "gap", est.dual_gap_,
          "zeros", int(np.sum(est.coef_ == 0)))


def path(model, table, target, l1_ratio, **kw):
    e = mr.encode(table, target)
    y = np.array(e.y, dtype=float)
    xm, ym = e.X.mean(axis=0), y.mean()
    alphas, w, _ = enet_path(e.X - xm, y - ym, l1_ratio=l1_ratio, tol=1e-12,
                             max_iter=1000000, **kw)
    for k, a in enumerate(alphas):
        out.append((model, k + 1, -1, mr.fmt(a)))
        coefs(model, ym - xm @ w[:, k], w[:, k], k + 1)
    print(model, len(alphas), "alphas from", alphas[0], "to", alphas[-1])


def main():
    nb("nb_iris", "iris", "species", GaussianNB())
    nb("nb_wine_priors", "wine", "cultivar", GaussianNB(priors=[0.2, 0.3, 0.5], var_smoothing=1e-3))
    nb("nb_digits_multi", "digits", "digit", MultinomialNB())
    nb("nb_digits_multi_a", "digits", "digit", MultinomialNB(alpha=0.5, fit_prior=False))
    nb("nb_digits_bern", "digits", "digit", BernoulliNB(binarize=4.0))
    nb_auto()

    tight = dict(tol=1e-12, max_iter=1000000)
    enet("en_diabetes", "diabetes", "progression", ElasticNet(alpha=0.1, l1_ratio=0.5, **tight))
    enet("en_diabetes_noint", "diabetes", "progression",
         ElasticNet(alpha=1.0, l1_ratio=0.3, fit_intercept=False, **tight))
    enet("la_diabetes", "diabetes", "progression", Lasso(alpha=0.5, **tight))
    enet("la_concrete", "concrete", "compressive_strength", Lasso(alpha=1.0, **tight))
    enet("la_diabetes_positive", "diabetes", "progression", Lasso(alpha=0.2, positive=True, **tight))
    enet("la_concrete_random", "concrete", "compressive_strength",
         Lasso(alpha=0.1, selection="random", random_state=0, **tight))
    path("la_diabetes_path", "diabetes", "progression", 1.0, n_alphas=20, eps=1e-3)
    path("en_concrete_path", "concrete", "compressive_strength", 0.5,
         alphas=[10.0, 3.0, 1.0, 0.3, 0.1])

    with open(os.path.join(mr.OUT, "nb_enet_reference.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model", "rid", "idx", "value"])
        w.writerows(out)


if __name__ == "__main__":
    main()
