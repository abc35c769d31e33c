#!/usr/bin/python3
"""Reference numbers for sql/evaluation.sql: scikit-learn's curves and
reports on the very scores maas gives.

The curves are functions of (label, score) pairs, so the reference is
scikit-learn applied to maas's own scores of the same rows: whatever the
model, maas_roc_curve must equal roc_curve on them, and so on.  The
script trains the test's models in a database with maas installed and the
datasets loaded (the regression database after `make installcheck`, or any
database where data/schema.sql and data/load.sql ran), reads their scores
with maas_predict_proba / maas_predict, and writes

  evaluation_scores.csv  model, rid, label, score: the scores (%.17g), so the
                         test can tell when a change of the model made the
                         reference stale (then run this script again)
  evaluation_curves.csv  model, curve, i, threshold, a, b, c: roc (tpr, fpr,
                         tp), pr (precision, recall), calibration (mean
                         predicted, fraction positive, count)
  evaluation_report.csv  model, key, value: confusion matrix cells, the
                         per-class report, roc_auc, average precision,
                         residual quantiles

Run from the repository root, PG* variables pointing at the database:

    /usr/bin/python3 test/reference/evaluation_reference.py
"""
import csv
import os

import numpy as np
import psycopg2
from sklearn.metrics import (average_precision_score, confusion_matrix,
                             precision_recall_curve,
                             precision_recall_fscore_support, roc_auc_score,
                             roc_curve)
from sklearn.calibration import calibration_curve

HERE = os.path.dirname(os.path.abspath(__file__))

# name, algorithm, source, target, params: as sql/evaluation.sql trains them
MODELS = [
    ("ev_logit", "logistic_regression", "breast_cancer", "malignant", '{"test_size": 0}'),
    ("ev_tree", "decision_tree", "breast_cancer", "malignant", '{"test_size": 0, "max_depth": 3}'),
    ("ev_iris", "logistic_regression", "iris", "species", '{"test_size": 0}'),
    ("ev_lin", "linear_regression", "diabetes", "progression", '{"test_size": 0}'),
]
# the source's rows in a fixed order: rid is the row number in it
ORDER = {"breast_cancer": "mean_radius, mean_texture, mean_perimeter, mean_area",
         "iris": "sepal_length, sepal_width, petal_length, petal_width, species",
         "diabetes": "age, sex, bmi, bp, s1, s2, s3"}
QUANTILES = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]


def main():
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    scores, curves, report = [], [], []
    for name, algorithm, source, target, params in MODELS:
        cur.execute("SELECT maas_drop(%s) WHERE EXISTS (SELECT FROM maas.names WHERE name = %s)",
                    (name, name))
        cur.execute("SELECT maas_train(%s, %s, %s, %s, %s)",
                    (name, algorithm, source, target, params))
        if algorithm == "linear_regression":
            cur.execute(f"SELECT {target}, maas_predict(%s, t) FROM {source} t ORDER BY {ORDER[source]}",
                        (name,))
            rows = cur.fetchall()
            y = np.array([r[0] for r in rows], dtype=float)
            pred = np.array([r[1] for r in rows], dtype=float)
            for i, (a, b) in enumerate(zip(y, pred)):
                scores.append((name, i + 1, repr(float(a)), "%.17g" % b))
            for q in QUANTILES:
                report.append((name, f"residual_q{q:g}", "%.17g" % np.quantile(y - pred, q)))
            continue
        cur.execute(f"SELECT {target}::text, maas_predict_proba(%s, t), maas_predict_class(%s, t) "
                    f"FROM {source} t ORDER BY {ORDER[source]}", (name, name))
        rows = cur.fetchall()
        labels = sorted({r[0] for r in rows})
        y = np.array([labels.index(r[0]) for r in rows])
        proba = np.array([r[1] for r in rows], dtype=float)
        guess = np.array([labels.index(r[2]) for r in rows])
        cm = confusion_matrix(y, guess, labels=list(range(len(labels))))
        for t in range(len(labels)):
            for p in range(len(labels)):
                report.append((name, f"cm_{t}_{p}", str(cm[t, p])))
        pr, rc, f1, support = precision_recall_fscore_support(
            y, guess, labels=list(range(len(labels))), zero_division=0)
        for c, label in enumerate(labels):
            for key, v in (("precision", pr[c]), ("recall", rc[c]), ("f1", f1[c]),
                           ("support", support[c])):
                report.append((name, f"{key}_{label}", "%.17g" % v))
        # the curves of the last class against the rest (binary: the positive)
        c = len(labels) - 1
        truth = (y == c).astype(int)
        score = proba[:, c]
        for i, (a, b) in enumerate(zip(truth, score)):
            scores.append((name, i + 1, str(a), "%.17g" % b))
        fpr, tpr, thr = roc_curve(truth, score)
        tps = np.round(tpr * truth.sum()).astype(int)
        for i in range(len(thr)):
            # scikit-learn 1.2 puts max + 1 first, later versions Infinity (as maas)
            t = "Infinity" if i == 0 else "%.17g" % thr[i]
            curves.append((name, "roc", i + 1, t, "%.17g" % tpr[i], "%.17g" % fpr[i], tps[i]))
        precision, recall, thr = precision_recall_curve(truth, score)
        for i in range(len(precision)):
            t = "%.17g" % thr[i] if i < len(thr) else ""
            curves.append((name, "pr", i + 1, t, "%.17g" % precision[i], "%.17g" % recall[i], ""))
        frac, mean = calibration_curve(truth, score, n_bins=10, strategy="uniform")
        for i in range(len(frac)):
            curves.append((name, "calibration", i + 1, "", "%.17g" % mean[i], "%.17g" % frac[i], ""))
        report.append((name, "roc_auc", "%.17g" % roc_auc_score(truth, score)))
        report.append((name, "average_precision", "%.17g" % average_precision_score(truth, score)))

    with open(os.path.join(HERE, "evaluation_scores.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "rid", "label", "score"])
        w.writerows(scores)
    with open(os.path.join(HERE, "evaluation_curves.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "curve", "i", "threshold", "a", "b", "c"])
        w.writerows(curves)
    with open(os.path.join(HERE, "evaluation_report.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "key", "value"])
        w.writerows(report)


if __name__ == "__main__":
    main()
