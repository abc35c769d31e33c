#!/usr/bin/python3
"""Reference models and predictions for maas_import (sql/import.sql).

Trains models on the datasets of data/ and stores them in the formats
maas_import reads, with the library's own predictions on the held-out rows
(row i of a CSV file, 0-based, is held out when i % 5 == 0):

  XGBoost (Debian's python3-xgboost), saved with save_model('m.json'):
    test/import/xgb_bc.json     breast_cancer, binary:logistic, 30 trees
    test/import/xgb_peng.json   penguins (numeric columns), multi:softprob
    test/import/xgb_diab.json   diabetes, reg:squarederror, no feature names
  LightGBM's text format (test/import/lgb_*.txt): Debian has no LightGBM
  (no python3-lightgbm, no lightgbm CLI), so these files are written here
  from scikit-learn's HistGradientBoosting models, which split as LightGBM
  does (x <= threshold goes left, NaN the learned way); the reference is
  scikit-learn's own predict.  The initial score goes into the first
  trees' leaves, as LightGBM's boost_from_average does.
    test/import/lgb_bc.txt      binary (sigmoid:1), plus a one-leaf tree
    test/import/lgb_peng.txt    multiclass, 3 classes
    test/import/lgb_diab.txt    regression

Some feature values are set to NaN (row i, feature j when (i + 3 j) % 11
== 0) in training and held-out rows, so the missing-value directions are
learned and used.

TreeSHAP: test/reference/import_xgb_bc_shap.csv, XGBoost's pred_contribs of
the first 10 held-out rows of xgb_bc (row n, feature, contribution).

Predictions: test/reference/import_<model>.csv, the held-out rows' features
(empty: NaN) then `lib` (the library's predict: XGBoost computes in single
precision) and, for XGBoost, `exact` (the same leaves XGBoost reaches,
from pred_leaf, added in double precision); for classification the
probability of each class (lib_0.., exact_0..).

Run from the repository root:  /usr/bin/python3 test/reference/import_reference.py
"""
import csv
import ctypes
import ctypes.util
import json
import os

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
libm = ctypes.CDLL(ctypes.util.find_library('m'))
libm.logf.restype = ctypes.c_float
libm.logf.argtypes = [ctypes.c_float]


def load(name, target, columns=None):
    df = pd.read_csv(os.path.join(ROOT, 'data', name + '.csv'))
    y = df[target]
    X = df.drop(columns=[target])
    if columns:
        X = X[columns]
    X = X.astype(float)
    a = X.to_numpy().copy()
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if (i + 3 * j) % 11 == 0:
                a[i, j] = np.nan
    X = pd.DataFrame(a, columns=X.columns)
    test = np.arange(len(df)) % 5 == 0
    return X, y, test


def write_csv(path, X, cols):
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(list(X.columns) + list(cols.keys()))
        vals = list(cols.values())
        for i in range(len(X)):
            row = ['' if np.isnan(v) else repr(float(v)) for v in X.iloc[i]]
            row += [repr(float(c[i])) for c in vals]
            w.writerow(row)


def xgb_exact(booster, model_json, X):
    """Margins from the leaves XGBoost reaches, added in double precision."""
    learner = model_json['learner']
    trees = learner['gradient_booster']['model']['trees']
    info = learner['gradient_booster']['model']['tree_info']
    objective = learner['objective']['name']
    base = np.float32(float(learner['learner_model_param']['base_score'].strip('[]')))
    if objective == 'binary:logistic':
        margin0 = float(-libm.logf(np.float32(np.float32(1.0) / base - np.float32(1.0))))
    else:
        margin0 = float(base)
    K = max(info) + 1
    leaves = booster.predict(xgb.DMatrix(X), pred_leaf=True).reshape(len(X), -1)
    m = np.full((len(X), K), margin0)
    for t, tree in enumerate(trees):
        vals = np.array(tree['split_conditions'], dtype=np.float32).astype(np.float64)
        m[:, info[t]] += vals[leaves[:, t].astype(int)]
    return m


def xgboost_model(name, X, y, test, params, file_name, names=True):
    Xtr = X[~test] if names else X[~test].to_numpy()
    Xte = X[test] if names else X[test].to_numpy()
    if params['objective'] == 'reg:squarederror':
        model = xgb.XGBRegressor(**params)
    else:
        model = xgb.XGBClassifier(**params)
    model.fit(Xtr, y[~test])
    path = os.path.join(ROOT, 'test', 'import', file_name)
    model.save_model(path)
    booster = model.get_booster()
    mj = json.load(open(path))
    exact = xgb_exact(booster, mj, Xte)
    Xout = X[test].reset_index(drop=True)
    if params['objective'] == 'reg:squarederror':
        cols = {'lib': model.predict(Xte), 'exact': exact[:, 0]}
    elif params['objective'] == 'binary:logistic':
        cols = {'lib': model.predict_proba(Xte)[:, 1], 'exact': 1 / (1 + np.exp(-exact[:, 0]))}
    else:
        e = np.exp(exact - exact.max(axis=1, keepdims=True))
        e /= e.sum(axis=1, keepdims=True)
        p = model.predict_proba(Xte)
        cols = {}
        for k in range(p.shape[1]):
            cols['lib_%d' % k] = p[:, k]
        for k in range(p.shape[1]):
            cols['exact_%d' % k] = e[:, k]
    write_csv(os.path.join(ROOT, 'test', 'reference', 'import_%s.csv' % name), Xout, cols)
    if name == 'xgb_bc':
        # TreeSHAP of the first 10 held-out rows: XGBoost's pred_contribs
        contrib = booster.predict(xgb.DMatrix(Xte[:10]), pred_contribs=True)
        with open(os.path.join(ROOT, 'test', 'reference', 'import_xgb_bc_shap.csv'), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(['n', 'feature', 'contribution'])
            for i in range(10):
                for j, c in enumerate(list(X.columns) + ['(base)']):
                    w.writerow([i + 1, c, repr(float(contrib[i, j]))])


def lgb_tree(nodes, base):
    """One scikit-learn predictor as a LightGBM tree block (base added to leaves)."""
    internal = []
    leaves = []
    number = {}

    def visit(i):
        nd = nodes[i]
        if nd['is_leaf']:
            number[i] = ~len(leaves)
            leaves.append(i)
        else:
            number[i] = len(internal)
            internal.append(i)
            visit(nd['left'])
            visit(nd['right'])
    visit(0)
    f = lambda v: repr(float(v))
    lines = ['num_leaves=%d' % len(leaves), 'num_cat=0',
             'split_feature=' + ' '.join(str(nodes[i]['feature_idx']) for i in internal),
             'split_gain=' + ' '.join('%g' % max(nodes[i]['gain'], 0) for i in internal),
             'threshold=' + ' '.join(f(nodes[i]['num_threshold']) for i in internal),
             'decision_type=' + ' '.join(str(8 + 2 * int(nodes[i]['missing_go_to_left'])) for i in internal),
             'left_child=' + ' '.join(str(number[nodes[i]['left']]) for i in internal),
             'right_child=' + ' '.join(str(number[nodes[i]['right']]) for i in internal),
             'leaf_value=' + ' '.join(f(nodes[i]['value'] + base) for i in leaves),
             'leaf_weight=' + ' '.join(str(nodes[i]['count']) for i in leaves),
             'leaf_count=' + ' '.join(str(nodes[i]['count']) for i in leaves),
             'internal_value=' + ' '.join(f(nodes[i]['value']) for i in internal),
             'internal_weight=' + ' '.join(str(nodes[i]['count']) for i in internal),
             'internal_count=' + ' '.join(str(nodes[i]['count']) for i in internal),
             'is_linear=0', 'shrinkage=0.1']
    return '\n'.join(lines) + '\n'


def lightgbm_model(name, X, y, test, classes, file_name):
    if classes:
        model = HistGradientBoostingClassifier(max_iter=25, max_depth=4, random_state=0)
    else:
        model = HistGradientBoostingRegressor(max_iter=25, max_depth=4, random_state=0)
    ytr = y[~test]
    model.fit(X[~test].to_numpy(), ytr)
    baseline = np.asarray(model._baseline_prediction).ravel()
    K = len(baseline)
    blocks = []
    for it, per_class in enumerate(model._predictors):
        for k, pred in enumerate(per_class):
            base = float(baseline[k]) if it == 0 else 0.0
            blocks.append(lgb_tree(pred.nodes, base))
    if classes == 2:
        blocks.append('num_leaves=1\nnum_cat=0\nsplit_feature=\nsplit_gain=\nthreshold=\n'
                      'decision_type=\nleft_child=\nright_child=\nleaf_value=0\n'
                      'leaf_weight=0\nleaf_count=0\ninternal_value=\ninternal_weight=\n'
                      'internal_count=\nis_linear=0\nshrinkage=1\n')
    objective = ('binary sigmoid:1' if classes == 2 else
                 'multiclass num_class:%d' % classes if classes else 'regression')
    trees = ''.join('Tree=%d\n%s\n\n' % (t, b) for t, b in enumerate(blocks))
    infos = ' '.join('[%r:%r]' % (float(np.nanmin(X[c])), float(np.nanmax(X[c]))) for c in X.columns)
    header = ['tree', 'version=v4', 'num_class=%d' % (classes if classes and classes > 2 else 1),
              'num_tree_per_iteration=%d' % (K if classes and classes > 2 else 1), 'label_index=0',
              'max_feature_idx=%d' % (X.shape[1] - 1), 'objective=' + objective,
              'feature_names=' + ' '.join(X.columns), 'feature_infos=' + infos,
              'tree_sizes=' + ' '.join(str(len('Tree=%d\n%s\n\n' % (t, b))) for t, b in enumerate(blocks))]
    text = '\n'.join(header) + '\n\n' + trees + 'end of trees\n\nfeature_importances:\n\n' \
        'parameters:\n[boosting: gbdt]\n[objective: %s]\nend of parameters\n\npandas_categorical:null\n' \
        % objective.split()[0]
    open(os.path.join(ROOT, 'test', 'import', file_name), 'w').write(text)
    Xte = X[test].to_numpy()
    if classes:
        p = model.predict_proba(Xte)
        cols = {'lib': p[:, 1]} if classes == 2 else {'lib_%d' % k: p[:, k] for k in range(classes)}
    else:
        cols = {'lib': model.predict(Xte)}
    write_csv(os.path.join(ROOT, 'test', 'reference', 'import_%s.csv' % name),
              X[test].reset_index(drop=True), cols)


PENG = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'year']

X, y, test = load('breast_cancer', 'malignant')
y = y.astype(int)
xgboost_model('xgb_bc', X, y, test, dict(objective='binary:logistic', n_estimators=30, max_depth=4,
              learning_rate=0.3, tree_method='hist', random_state=0), 'xgb_bc.json')
lightgbm_model('lgb_bc', X, y, test, 2, 'lgb_bc.txt')

X, y, test = load('penguins', 'species', PENG)
y = y.map({'Adelie': 0, 'Chinstrap': 1, 'Gentoo': 2})
xgboost_model('xgb_peng', X, y, test, dict(objective='multi:softprob', n_estimators=20, max_depth=3,
              learning_rate=0.3, tree_method='hist', random_state=0), 'xgb_peng.json')
lightgbm_model('lgb_peng', X, y, test, 3, 'lgb_peng.txt')

X, y, test = load('diabetes', 'progression')
xgboost_model('xgb_diab', X, y, test, dict(objective='reg:squarederror', n_estimators=40, max_depth=4,
              learning_rate=0.1, tree_method='hist', random_state=0), 'xgb_diab.json', names=False)
lightgbm_model('lgb_diab', X, y, test, None, 'lgb_diab.txt')
print('wrote test/import/ and test/reference/import_*.csv')
