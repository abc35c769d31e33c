#!/usr/bin/python3
"""maas_export(name, 'pmml') recomputed from the PMML (test/t/066_export_onnx.pl).

For each NAME=QUERY on the command line (the query selects rows with the
model's columns by name), exports the deployed version as PMML, parses it
with xml.etree and computes each row's prediction from the document alone,
as a PMML 4.4 engine does: MiningField missingValueReplacement,
NormDiscrete derived fields (mapMissingTo); a RegressionModel's tables,
then normalizationMethod (none, logit, softmax); a TreeModel's nodes
(SimplePredicate, a missing value to the defaultChild), the leaf's score or
ScoreDistribution probabilities; a MiningModel's average of its segments.
Prints per model: name, rows, the largest difference from maas_predict
(relative) or maas_predict_proba (absolute), rows above 1e-9.
"""
import math
import sys
import xml.etree.ElementTree as ET

import psycopg2

NS = {'p': 'http://www.dmg.org/PMML-4_4'}


def evaluate(root, row):
    """The prediction (regression) or the class probabilities, in target order."""
    rm = [m for m in root if m.tag.split('}')[1] in ('RegressionModel', 'TreeModel', 'MiningModel')][0]
    replace = {f.get('name'): f.get('missingValueReplacement')
               for f in rm.findall('p:MiningSchema/p:MiningField', NS)}
    derived = {}
    for df in rm.findall('p:LocalTransformations/p:DerivedField', NS):
        nd = df.find('p:NormDiscrete', NS)
        derived[df.get('name')] = (nd.get('field'), nd.get('value'), nd.get('mapMissingTo'))

    def field(name):
        if name in row:
            return row[name]
        col, k = name[:-1].split('[')  # an array element, "col[k]"
        return None if row[col] is None else row[col][int(k) - 1]

    def value(name):
        if name in derived:
            f, v, missing = derived[name]
            x = row[f]
            if x is None:
                return float(missing) if missing is not None else math.nan
            if isinstance(x, bool):
                x = 'true' if x else 'false'
            return 1.0 if str(x) == v else 0.0
        x = field(name)
        if x is None:
            return float(replace[name]) if replace.get(name) else math.nan
        return float(x)

    if rm.get('functionName') == 'classification':
        name = rm.find("p:MiningSchema/p:MiningField[@usageType='target']", NS).get('name')
        target = [f for f in root.findall('p:DataDictionary/p:DataField', NS) if f.get('name') == name][0]
        labels = [v.get('value') for v in target.findall('p:Value', NS)]
    kind = rm.tag.split('}')[1]
    if kind == 'TreeModel':
        return leaf(rm, value, labels if rm.get('functionName') == 'classification' else None)
    if kind == 'MiningModel':
        outs = [leaf(seg.find('p:TreeModel', NS), value,
                     labels if rm.get('functionName') == 'classification' else None)
                for seg in rm.findall('p:Segmentation/p:Segment', NS)]
        return [sum(o[i] for o in outs) / len(outs) for i in range(len(outs[0]))]
    scores = {}
    for t in rm.findall('p:RegressionTable', NS):
        y = float(t.get('intercept'))
        for p in t.findall('p:NumericPredictor', NS):
            y += float(p.get('coefficient')) * value(p.get('name'))
        scores[t.get('targetCategory')] = y
    norm = rm.get('normalizationMethod')
    if rm.get('functionName') == 'regression':
        return [scores[None]]
    if norm == 'logit':
        # two classes: the first table's is the logistic of its score, the other the rest
        first = rm.find('p:RegressionTable', NS).get('targetCategory')
        p1 = 1 / (1 + math.exp(-scores[first]))
        return [p1 if lab == first else 1 - p1 for lab in labels]
    m = max(scores.values())
    e = {k: math.exp(v - m) for k, v in scores.items()}
    s = sum(e.values())
    return [e[lab] / s for lab in labels]


def leaf(tree, value, labels):
    """A TreeModel's output for a row: the value, or the class probabilities."""
    node = tree.find('p:Node', NS)
    while node.findall('p:Node', NS):
        chosen = None
        for child in node.findall('p:Node', NS):
            pred = child.find('p:SimplePredicate', NS)
            x = value(pred.get('field'))
            if math.isnan(x):
                chosen = [c for c in node.findall('p:Node', NS) if c.get('id') == node.get('defaultChild')][0]
                break
            t = float(pred.get('value'))
            if (x <= t) if pred.get('operator') == 'lessOrEqual' else (x > t):
                chosen = child
                break
        node = chosen
    if labels is None:
        return [float(node.get('score'))]
    dist = {d.get('value'): float(d.get('probability')) for d in node.findall('p:ScoreDistribution', NS)}
    return [dist[lab] for lab in labels]


conn = psycopg2.connect('')
cur = conn.cursor()
for arg in sys.argv[1:]:
    name, query = arg.split('=', 1)
    cur.execute("SELECT maas_export(%s, 'pmml'), task FROM maas.deployed WHERE name = %s", (name, name))
    text, task = cur.fetchone()
    root = ET.fromstring(text)
    predict = 'maas_predict' if task == 'regression' else 'maas_predict_proba'
    cur.execute('SELECT row_to_json(q), ' + predict + '(%s, q) FROM (' + query.replace('%', '%%') + ') q',
                (name,))
    worst, above, rows = 0.0, 0, cur.fetchall()
    for r in rows:
        ours = [r[1]] if task == 'regression' else r[1]
        theirs = evaluate(root, r[0])
        if task == 'regression':
            d = abs(theirs[0] - ours[0]) / max(abs(ours[0]), 1e-300)
        else:
            d = max(abs(a - b) for a, b in zip(theirs, ours))
        worst = max(worst, d)
        above += d > 1e-9
    print('%s %d %.3g %d' % (name, len(rows), worst, above))
