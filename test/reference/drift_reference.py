#!/usr/bin/python3
"""Reference numbers for sql/drift.sql: the population stability index of
maas_drift, computed with numpy from the CSV files of data/.

A model's profile (src/core/profile.c) bins its training rows:

  numeric and date columns: edges are numpy.quantile (linear) of the
    non-NULL values at 0.1, 0.2, .. 0.9, duplicates dropped; a value falls
    in bin b when b edges lie strictly below it (np.searchsorted, side
    "left"); one more bin holds the NULLs.  A date is its epoch seconds.
  text columns: the 20 most frequent categories (ties: the smaller label),
    one bin for every other value, one for NULL.
  a regressor's predictions: quantile bins of its values on the training
    rows, no NULL bin; here from
    numpy.linalg.lstsq, the least-squares fit linear_regression makes.

PSI = sum over bins of (a - e) * ln(a / e), where e and a are the shares of
the training rows and of the source rows in a bin, each raised to 1e-4 when
smaller.  Writes test/reference/drift_reference.csv (model, source,
column, psi, drifted at 0.2).  Run from the repository root:

    /usr/bin/python3 test/reference/drift_reference.py
"""
import csv
import datetime
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data")
EPS = 1e-4
BINS = 10
TOP = 20


def rows(name):
    with open(os.path.join(DATA, name), newline="") as f:
        return [{k.lower(): v for k, v in r.items()} for r in csv.DictReader(f)]


def num(v):
    return np.nan if v in ("", "NA") else float(v)


def quantile(s, q):
    """numpy.quantile's linear method, written as src/core/evaluation.c does"""
    h = (len(s) - 1) * q
    lo = int(np.floor(h))
    if lo >= len(s) - 1:
        return s[-1]
    return s[lo] + (h - lo) * (s[lo + 1] - s[lo])


def numeric_profile(values, with_null=True):
    v = np.asarray(values, dtype=float)
    ok = v[~np.isnan(v)]
    s = np.sort(ok)
    edges = []
    for k in range(1, BINS):
        if len(s) == 0:
            break
        q = quantile(s, k / BINS)
        if not edges or q > edges[-1]:
            edges.append(q)
    edges = np.array(edges)
    return edges, numeric_shares(edges, v, with_null)


def numeric_shares(edges, values, with_null=True):
    v = np.asarray(values, dtype=float)
    ok = v[~np.isnan(v)]
    counts = np.bincount(np.searchsorted(edges, ok, side="left"), minlength=len(edges) + 1)
    if with_null:
        counts = np.append(counts, np.isnan(v).sum())
    return counts / len(v)


def category_profile(values):
    seen = sorted({x for x in values if x is not None})
    count = {c: 0 for c in seen}
    for x in values:
        if x is not None:
            count[x] += 1
    top = sorted(seen, key=lambda c: (-count[c], c.encode()))[:TOP]
    top = [c for c in top if count[c] > 0]
    return top, category_shares(top, values)


def category_shares(top, values):
    idx = {c: i for i, c in enumerate(top)}
    counts = np.zeros(len(top) + 2)
    for x in values:
        counts[len(top) + 1 if x is None else idx.get(x, len(top))] += 1
    return counts / len(values)


def psi(e, a):
    e = np.maximum(e, EPS)
    a = np.maximum(a, EPS)
    return float(np.sum((a - e) * np.log(a / e)))


def epoch(year, month):
    d = datetime.date(int(year), int(month), 1)
    return (d - datetime.date(1970, 1, 1)).days * 86400.0


out = []


def check(model, source, column, e, a):
    p = psi(e, a)
    out.append((model, source, column, "%.17g" % p, "t" if p > 0.2 else "f"))


# ames split in two halves by a hash of the row's values, as sql/drift.sql
# does (the table's physical order is not the file's)
ames = rows("ames.csv")
for r in ames:
    r["id"] = (int(r["lot_area"]) * 2654435761 + int(r["gr_liv_area"]) * 40503
               + int(r["sale_price"])) % 1000003
    r["sold"] = epoch(r["year_sold"], r["mo_sold"])
train = [r for r in ames if r["id"] % 2 == 1]
sources = {
    "same": [r for r in ames if r["id"] % 2 == 0],
    "large": [r for r in ames if int(r["gr_liv_area"]) > 2000],
    "2010": [r for r in ames if int(r["year_sold"]) == 2010],
}

# drift_num: linear_regression of sale_price on three numeric columns
cols = ["gr_liv_area", "lot_area", "year_built"]


def design(rs):
    return np.column_stack([np.ones(len(rs))] + [[num(r[c]) for r in rs] for c in cols])


coef = np.linalg.lstsq(design(train), np.array([num(r["sale_price"]) for r in train]),
                       rcond=None)[0]
pred_edges, pred_train = numeric_profile(design(train) @ coef, with_null=False)
for name, rs in sources.items():
    for c in cols:
        edges, e = numeric_profile([num(r[c]) for r in train])
        check("drift_num", name, c, e, numeric_shares(edges, [num(r[c]) for r in rs]))
    check("drift_num", name, "(prediction)", pred_train,
          numeric_shares(pred_edges, design(rs) @ coef, with_null=False))

# drift_mix: a text and a date column (their predictions are not checked here)
for name, rs in sources.items():
    top, e = category_profile([r["neighborhood"] for r in train])
    check("drift_mix", name, "neighborhood", e,
          category_shares(top, [r["neighborhood"] for r in rs]))
    edges, e = numeric_profile([r["sold"] for r in train])
    check("drift_mix", name, "sold", e, numeric_shares(edges, [r["sold"] for r in rs]))

# drift_peng: penguins with NULLs, trained on every row
peng = rows("penguins.csv")
psources = {
    "all": peng,
    "biscoe": [r for r in peng if r["island"] == "Biscoe"],
}
for name, rs in psources.items():
    for c in ["bill_length_mm", "flipper_length_mm", "body_mass_g"]:
        edges, e = numeric_profile([num(r[c]) for r in peng])
        check("drift_peng", name, c, e, numeric_shares(edges, [num(r[c]) for r in rs]))
    for c in ["island", "sex"]:
        top, e = category_profile([r[c] or None for r in peng])
        check("drift_peng", name, c, e, category_shares(top, [r[c] or None for r in rs]))

with open(os.path.join(HERE, "drift_reference.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["model", "source", "feature", "psi", "drifted"])
    w.writerows(out)
print("wrote %d reference values" % len(out))
