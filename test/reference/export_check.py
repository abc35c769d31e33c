#!/usr/bin/python3
"""maas_export(name, 'xgboost') read back by XGBoost (test/t/055_export.pl).

For each model name and query given on the command line (NAME=QUERY; the
query selects the model's feature columns in order), exports the deployed
version, loads it with xgboost.Booster(model_file=...), predicts the
query's rows (NULL as NaN) and prints, per model, the rows, the largest
difference from maas_predict_proba (classifiers) or maas_predict
(regression, relative to max(1, |value|)), and the rows that differ by
more than 1e-5.  Connects with libpq's
environment (PGHOST, PGPORT, PGDATABASE).
"""
import json
import os
import sys
import tempfile

import numpy as np
import psycopg2
import xgboost as xgb

conn = psycopg2.connect('')
cur = conn.cursor()
for arg in sys.argv[1:]:
    name, query = arg.split('=', 1)
    cur.execute("SELECT maas_export(%s, 'xgboost'), task FROM maas.deployed WHERE name = %s", (name, name))
    model_json, task = cur.fetchone()
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        f.write(model_json)
    booster = xgb.Booster(model_file=f.name)
    os.unlink(f.name)
    predict = 'maas_predict_proba' if task != 'regression' else 'maas_predict'
    cur.execute('SELECT q.*, %s(%%s, q) FROM (%s) q' % (predict, query), (name,))
    rows = cur.fetchall()
    X = np.array([[np.nan if v is None else float(v) for v in r[:-1]] for r in rows])
    theirs = booster.predict(xgb.DMatrix(X, feature_names=booster.feature_names))
    if task == 'regression':
        ours = np.array([r[-1] for r in rows])
        diff = np.abs(theirs - ours) / np.maximum(1, np.abs(ours))
    elif task == 'binary':
        ours = np.array([r[-1][1] for r in rows])
        diff = np.abs(theirs - ours)
    else:
        ours = np.array([r[-1] for r in rows])
        diff = np.max(np.abs(theirs - ours), axis=1)
    print('%s %d %.3g %d' % (name, len(rows), diff.max(), (diff > 1e-5).sum()))
