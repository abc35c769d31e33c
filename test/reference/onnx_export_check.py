#!/usr/bin/python3
"""maas_export(name, 'onnx') run by ONNX Runtime (test/t/066_export_onnx.pl).

For each NAME=QUERY on the command line (the query selects rows with the
model's columns by name, held out of its training), exports the deployed
version, checks it with onnx.checker.check_model, builds the input X from
the rows with the encoding the model's metadata "columns" describes (a
number, a boolean as 0/1, a text column one-hot over its categories, NULL
as NaN: the graph imputes), runs it in onnxruntime and prints per model:
name, rows, the largest difference from maas (regression: relative to
|maas_predict|; classification: absolute, over maas_predict_proba), rows
differing by more than 1e-5, rows whose label is not maas_predict_class,
the operators, and rows where X from the metadata "input_sql" (SQL over the
row's columns) predicts differently.
Connects with libpq's environment (PGHOST, PGPORT, PGDATABASE).
"""
import base64
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
import psycopg2


def encode(columns, row):
    """The encoded feature vector of a row (a dict of column values)."""
    x = []
    for col in columns:
        v = row[col['name']]
        if col['type'] == 'categorical':
            x += [np.nan if v is None else float(str(v) == c) for c in col['categories']]
        elif col['type'] == 'array':
            x += [np.nan if v is None or e is None else float(e) for e in (v or [None] * col['width'])]
        elif col['type'] == 'boolean':
            x.append(np.nan if v is None else float(bool(v)))
        else:
            x.append(np.nan if v is None else float(v))
    return x


conn = psycopg2.connect('')
cur = conn.cursor()
for arg in sys.argv[1:]:
    name, query = arg.split('=', 1)
    cur.execute("SELECT maas_export(%s, 'onnx'), task FROM maas.deployed WHERE name = %s", (name, name))
    text, task = cur.fetchone()
    model = onnx.load_from_string(base64.b64decode(text))
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    columns = json.loads(meta['columns'])
    sess = ort.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
    raw, query = query, query.replace('%', '%%')
    if task == 'regression':
        cur.execute('SELECT row_to_json(q), maas_predict(%s, q) FROM (' + query + ') q', (name,))
    else:
        cur.execute('SELECT row_to_json(q), maas_predict_proba(%s, q), maas_predict_class(%s, q) FROM ('
                    + query + ') q', (name, name))
    rows = cur.fetchall()
    X = np.array([encode(columns, r[0]) for r in rows], dtype=np.float32)
    cur.execute('SELECT ' + meta['input_sql'] + ' FROM (' + raw + ') q')
    X_sql = np.array([r[0] for r in cur.fetchall()], dtype=np.float32)
    out = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {'X': X})))
    # X from input_sql (imputed in SQL) predicts the same, bit for bit
    first = sess.get_outputs()[-1].name
    bad_sql = int((sess.run([first], {'X': X_sql})[0] != out[first]).any(axis=1).sum())
    bad_labels = 0
    if task == 'regression':
        ours = np.array([r[1] for r in rows])
        diff = np.abs(out['variable'][:, 0] - ours) / np.maximum(np.abs(ours), 1e-12)
    else:
        ours = np.array([r[1] for r in rows])
        diff = np.max(np.abs(out['probabilities'] - ours), axis=1)
        bad_labels = sum(1 for lab, r in zip(out['label'], rows) if str(lab) != r[2])
    ops = ','.join(sorted({n.op_type for n in model.graph.node}))
    print('%s %d %.3g %d %d %s %d' % (name, len(rows), diff.max(), (diff > 1e-5).sum(), bad_labels, ops, bad_sql))
