#!/usr/bin/python3
"""Reference metrics for the tree models (sql/tree_quality.sql).

Five-fold cross-validation on the datasets of data/: row i of a CSV file
(0-based, the order data/load.sql loads it in) is in fold i % 5.  Features
are encoded as maas encodes them: numbers and booleans as they are, text
one-hot over the categories of the training rows sorted by code point
(unseen values all zeros), in column order.  For scikit-learn, NULLs are
imputed as maas's missing='impute' does (mean of the training rows; text:
the mode's one-hot, ties to the smallest label); for xgboost they stay
NaN, as maas's missing='native' leaves them.

Models and hyperparameters, the same on both sides:
  dt: DecisionTreeClassifier/Regressor(max_depth=5)
  rf: RandomForestClassifier/Regressor(n_estimators=100), defaults otherwise
  gb: XGBClassifier/XGBRegressor(tree_method='hist', n_estimators=100,
      max_depth=6, learning_rate=0.3, max_bin=255)
Metric: pooled accuracy over the five test folds (classification) or
pooled RMSE (regression).

Run from the repository root:  /usr/bin/python3 test/reference/make_tree_reference.py
Writes test/reference/tree_reference.csv.

With --shap (and PGHOST etc. pointing at a server with maas and data/
loaded) it instead compares maas_explain with xgboost's pred_contribs on
boosted models whose trees are the same on both sides: wa_churn's columns
whose distinct values all get a bin of their own, so that both place every
training row on the same side of every split; xgboost gets maas's base
score.  Writes test/reference/tree_shap.csv (the largest differences).
"""
import csv
import math
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import xgboost
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# dataset, target, task; text columns are read as text
DATASETS = [
    ("breast_cancer", "malignant", "binary"),
    ("credit_data", "status", "binary"),
    ("wa_churn", "churn", "binary"),
    ("iris", "species", "multiclass"),
    ("wine", "cultivar", "multiclass"),
    ("penguins", "species", "multiclass"),
    ("concrete", "compressive_strength", "regression"),
    ("diabetes", "progression", "regression"),
    ("ames", "sale_price", "regression"),
]
FOLDS = 5


def load(name):
    df = pd.read_csv(os.path.join(ROOT, "data", name + ".csv"), keep_default_na=False,
                     na_values=[""], dtype=str)
    # data/load.sql copies by position into data/schema.sql's lower-case names
    df.columns = [c.lower() for c in df.columns]
    return df


def column_kind(series):
    values = series.dropna()
    if len(values) and set(values.unique()) <= {"true", "false", "TRUE", "FALSE", "t", "f"}:
        return "bool"
    try:
        pd.to_numeric(values)
        return "number"
    except ValueError:
        return "text"


def encode(df, target, train_mask, native):
    """Encoded feature matrix of all rows, fitted on the training rows."""
    cols = []
    for c in df.columns:
        if c == target:
            continue
        kind = column_kind(df[c])
        if kind == "text":
            train_vals = df.loc[train_mask, c].dropna()
            counts = train_vals.value_counts()
            cats = sorted(counts.index.tolist())
            # mode: most frequent, ties to the smallest label
            top = counts.max()
            mode = sorted([k for k, v in counts.items() if v == top])[0]
            for cat in cats:
                v = (df[c] == cat).astype(float).to_numpy()
                isnull = df[c].isna().to_numpy()
                if native:
                    v[isnull] = np.nan
                else:
                    v[isnull] = 1.0 if cat == mode else 0.0
                cols.append(v)
        else:
            if kind == "bool":
                v = df[c].map(lambda s: np.nan if pd.isna(s) else (1.0 if s.lower() in ("true", "t") else 0.0))
                v = v.to_numpy(dtype=float)
            else:
                v = pd.to_numeric(df[c]).to_numpy(dtype=float)
            if not native:
                mean = np.nanmean(v[train_mask])
                v = np.where(np.isnan(v), mean, v)
            cols.append(v)
    return np.column_stack(cols)


def target_vector(df, target, task):
    y = df[target]
    if task == "regression":
        return pd.to_numeric(y).to_numpy(dtype=float)
    kind = column_kind(y)
    if kind == "number":
        labels = sorted(set(pd.to_numeric(y)))
        return np.array([labels.index(float(v)) for v in y], dtype=float)
    if kind == "bool":
        return np.array([1.0 if v.lower() in ("true", "t") else 0.0 for v in y])
    labels = sorted(set(y))
    return np.array([labels.index(v) for v in y], dtype=float)


def model(kind, task):
    if kind == "dt":
        return DecisionTreeRegressor(max_depth=5, random_state=0) if task == "regression" \
            else DecisionTreeClassifier(max_depth=5, random_state=0)
    if kind == "rf":
        return RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=2) if task == "regression" \
            else RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=2)
    args = dict(tree_method="hist", n_estimators=100, max_depth=6, learning_rate=0.3,
                max_bin=255, random_state=0, nthread=2)
    return xgboost.XGBRegressor(**args) if task == "regression" else xgboost.XGBClassifier(**args)


def main():
    out = os.path.join(ROOT, "test", "reference", "tree_reference.csv")
    rows = []
    for name, target, task in DATASETS:
        df = load(name)
        y = target_vector(df, target, task)
        fold = np.arange(len(df)) % FOLDS
        for kind in ("dt", "rf", "gb"):
            native = kind == "gb"
            correct = 0
            sse = 0.0
            for k in range(FOLDS):
                train = fold != k
                X = encode(df, target, train, native)
                m = model(kind, task)
                m.fit(X[train], y[train])
                pred = m.predict(X[~train])
                if task == "regression":
                    sse += float(np.sum((pred - y[~train]) ** 2))
                else:
                    correct += int(np.sum(pred == y[~train]))
            metric = "rmse" if task == "regression" else "accuracy"
            value = math.sqrt(sse / len(df)) if task == "regression" else correct / len(df)
            rows.append((name, kind, metric, value))
            print(f"{name:15s} {kind} {metric} {value:.6f}", file=sys.stderr)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "model", "metric", "value"])
        for r in rows:
            w.writerow([r[0], r[1], r[2], f"{r[3]:.6f}"])
    print(f"wrote {out} (scikit-learn {sklearn.__version__}, xgboost {xgboost.__version__})",
          file=sys.stderr)


def shap():
    import psycopg2
    cols = ["female", "senior_citizen", "partner", "dependents", "tenure", "phone_service",
            "paperless_billing"]
    df = load("wa_churn")
    X = df[cols].astype(float).to_numpy()
    y = (df["churn"] == "Yes").to_numpy(float)
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET maas.progress_interval = 0")
    out = os.path.join(ROOT, "test", "reference", "tree_shap.csv")
    rows = []
    for n, depth in ((1, 3), (10, 4), (100, 6)):
        cur.execute("SELECT 1 FROM maas_train('tree_shap_ref', 'gradient_boosting', %s, 'churn', %s)",
                    ("SELECT %s, churn FROM wa_churn" % ", ".join(cols),
                     '{"test_size": 0, "n_estimators": %d, "max_depth": %d, "deploy": "always"}'
                     % (n, depth)))
        m = xgboost.XGBClassifier(tree_method="hist", n_estimators=n, max_depth=depth,
                                  learning_rate=0.3, max_bin=256, base_score=float(y.mean()))
        m.fit(X, y)
        b = m.get_booster()
        contrib = b.predict(xgboost.DMatrix(X), pred_contribs=True)
        margin = b.predict(xgboost.DMatrix(X), output_margin=True)
        diff_c = 0.0
        diff_m = 0.0
        for i in range(0, len(X), 7):
            cur.execute("SELECT maas_explain('tree_shap_ref', %s::float8[])", (list(X[i]),))
            e = cur.fetchone()[0]
            mc = np.array([e["contributions"][c] for c in cols] + [e["base"]])
            diff_c = max(diff_c, float(np.abs(mc - contrib[i]).max()))
            diff_m = max(diff_m, abs(e["score"] - float(margin[i])))
        rows.append((n, depth, diff_m, diff_c, float(np.abs(contrib).max())))
        print(f"{n} trees depth {depth}: max |margin diff| {diff_m:.3g}, "
              f"max |contribution diff| {diff_c:.3g}, max |contribution| {rows[-1][4]:.3g}",
              file=sys.stderr)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["trees", "max_depth", "max_margin_diff", "max_contribution_diff", "max_contribution"])
        for r in rows:
            w.writerow([r[0], r[1], f"{r[2]:.3g}", f"{r[3]:.3g}", f"{r[4]:.4g}"])


if __name__ == "__main__":
    if "--shap" in sys.argv:
        shap()
    else:
        main()
