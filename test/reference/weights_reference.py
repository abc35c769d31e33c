#!/usr/bin/python3
"""Reference numbers of weighted random forests (issue 11, weights for
random_forest): scikit-learn's RandomForestClassifier/Regressor with
bootstrap off and every feature tried at each split, so each tree is the
weighted decision tree of all the rows, deterministic and comparable:

  rf_wine   RandomForestClassifier(n_estimators=3, bootstrap=False,
            max_features=None, max_depth=4, class_weight="balanced") on
            wine, probabilities of each row
  rf_diab   RandomForestRegressor(n_estimators=3, bootstrap=False,
            max_features=None, max_depth=4) on diabetes with sample_weight
            1 + rid % 3 (rid: the row of the file, from 1), predictions

mlp has no scikit-learn peer with sample_weight (Debian's scikit-learn
1.2's MLPClassifier.fit takes none): sql/weights.sql checks that a row of
weight k trains as k copies of it instead.
Writes test/reference/weights_reference.csv: case, rid, output index, value.

Run from the repository root: /usr/bin/python3 test/reference/weights_reference.py
"""
import csv
import os

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def load(name, target):
    with open(os.path.join(root, "data", name + ".csv")) as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    t = header.index(target)
    X = np.array([[float(v) for i, v in enumerate(r) if i != t] for r in rows])
    return X, [r[t] for r in rows]


out = []
X, y = load("wine", "cultivar")
rf = RandomForestClassifier(n_estimators=3, bootstrap=False, max_features=None, max_depth=4,
                            class_weight="balanced", random_state=0).fit(X, y)
for i, p in enumerate(rf.predict_proba(X)):
    for c, v in enumerate(p):
        out.append(("rf_wine", i + 1, c, repr(float(v))))
X, y = load("diabetes", "progression")
w = 1.0 + np.arange(1, len(y) + 1) % 3
rf = RandomForestRegressor(n_estimators=3, bootstrap=False, max_features=None, max_depth=4,
                           random_state=0).fit(X, np.array(y, dtype=float), sample_weight=w)
for i, v in enumerate(rf.predict(X)):
    out.append(("rf_diab", i + 1, 0, repr(float(v))))
with open(os.path.join(root, "test", "reference", "weights_reference.csv"), "w") as f:
    f.write("case,rid,output,value\n")
    for r in out:
        f.write("%s,%d,%d,%s\n" % r)
print(len(out), "rows")
