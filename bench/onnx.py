#!/usr/bin/python3
"""bench/onnx.sh's measurements: texts/s of an onnx text classifier.

The model is test/onnx/make_models.py's encoder at bench size (4 layers,
hidden 128, 4 heads, WordPiece tokenizer truncating at 128 tokens), over
BENCH_DOCS documents of data/austen.csv.  maas: maas_predict_proba(name,
text) over a table, one text a run, and maas_evaluate(name, source) over
the same table, 32 texts a run by length, padded to each batch's longest
(the batch path of text models), one backend (tokenizing included).  Python: ONNX
Runtime's InferenceSession on the same ids (maas_tokenize's, so the
tokenizer costs Python nothing), one text a run (batch 1) and 32 texts a
run padded to the longest (batch 32: in document order, and sorted by
length as maas_evaluate takes them), as many intra-op threads as
maas.threads.  Ratios above 1 mean maas is faster.
"""
import csv
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import psycopg2

docs = int(os.environ.get('BENCH_DOCS', '1000'))
threads = int(os.environ.get('BENCH_THREADS', '1'))
rounds = 5
reference = os.environ.get('BENCH_REFERENCE') == '1'
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(dir=os.environ.get('HOME'))
subprocess.run(['/usr/bin/python3', os.path.join(here, '..', 'test', 'onnx', 'make_models.py'), tmp,
                '--bench'], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.chmod(tmp, 0o755)
texts = []
with open(os.path.join(here, '..', 'data', 'austen.csv')) as f:
    for row in csv.DictReader(f):
        texts.append(row['text'])
texts = (texts * (docs // len(texts) + 1))[:docs]

conn = psycopg2.connect('')
conn.autocommit = True
cur = conn.cursor()
cur.execute('SET client_min_messages = warning')
cur.execute('DROP TABLE IF EXISTS bench_texts; CREATE TABLE bench_texts (id int, body text, label int)')
cur.executemany('INSERT INTO bench_texts VALUES (%s, %s, %s)', [(i, t, i % 3) for i, t in enumerate(texts)])
tok = open(os.path.join(tmp, 'tokenizer.json')).read()
model = open(os.path.join(tmp, 'bert.onnx'), 'rb').read()
cur.execute("SELECT maas_import('bench_bert', 'onnx', %s, jsonb_build_object('output', 'classes', "
            "'output_name', 'logits', 'text', 'body', 'tokenizer', %s::jsonb, 'target', 'label', "
            "'deploy', 'always'))",
            (psycopg2.Binary(model), tok))
cur.execute('SET maas.threads = %d' % threads)
cur.execute("SELECT maas_tokenize(%s::jsonb, body) FROM bench_texts ORDER BY id", (tok,))
ids = [r[0] for r in cur.fetchall()]
mean_len = sum(len(i) for i in ids) / len(ids)


def maas():
    cur.execute("SELECT sum((maas_predict_proba('bench_bert', body))[1]) FROM bench_texts")
    return cur.fetchone()[0]


def maas_batch():
    cur.execute("SELECT maas_evaluate('bench_bert', 'SELECT body, label FROM bench_texts')")
    return cur.fetchone()[0]


maas()                                   # the session, once

so = ort.SessionOptions()
so.intra_op_num_threads = threads
so.inter_op_num_threads = 1
so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
sess = ort.InferenceSession(os.path.join(tmp, 'bert.onnx'), so, providers=['CPUExecutionProvider'])


def python_batch(b, by_length=False):
    rows = sorted(ids, key=len) if by_length else ids

    def run():
        for s in range(0, len(rows), b):
            chunk = rows[s:s + b]
            n = max(len(i) for i in chunk)
            x = np.zeros((len(chunk), n), dtype=np.int64)
            m = np.zeros((len(chunk), n), dtype=np.int64)
            for r, i in enumerate(chunk):
                x[r, :len(i)] = i
                m[r, :len(i)] = 1
            sess.run(['logits'], {'input_ids': x, 'attention_mask': m, 'token_type_ids': np.zeros_like(x)})
    return run


# rounds of every path in turn, the best of each: a change of the shared
# machine's load falls on all paths alike
paths = [maas, maas_batch, python_batch(1), python_batch(32), python_batch(32, True)]
times = [[] for _ in paths]
for _ in range(rounds):
    for k, f in enumerate(paths):
        t0 = time.perf_counter()
        f()
        times[k].append(time.perf_counter() - t0)
t_maas, t_maas32, t_py1, t_py32, t_py32s = [min(t) for t in times]
rate = lambda t: len(ids) / t
lines = [
    '| path | texts/s | maas\'s texts/s over it |',
    '|---|---:|---:|',
    '| maas, `maas_predict_proba(name, text)`, a text a run (tokenizing included) | %.0f | |' % rate(t_maas),
    '| maas, `maas_evaluate(name, source)`, 32 texts a run by length, padded (tokenizing included) | %.0f | |'
    % rate(t_maas32),
    '| Python ONNX Runtime, batch 1 (ids given): maas a text a run over it | %.0f | %.2fx |'
    % (rate(t_py1), t_py1 / t_maas),
    '| Python ONNX Runtime, batch 32 padded (ids given): maas_evaluate over it | %.0f | %.2fx |'
    % (rate(t_py32), t_py32 / t_maas32),
    '| Python ONNX Runtime, batch 32 by length, padded (ids given): maas_evaluate over it | %.0f | %.2fx |'
    % (rate(t_py32s), t_py32s / t_maas32),
]
head = ('%d documents of data/austen.csv, %.1f tokens on average; encoder of 4 layers, hidden 128, '
        '4 heads; %d intra-op thread(s); ONNX Runtime %s; best of %d rounds, the paths in turn.'
        % (len(ids), mean_len, threads, ort.__version__, rounds))
print(head)
print('\n'.join(lines))
if reference:
    with open(os.path.join(here, 'onnx_reference.md'), 'w') as f:
        f.write('# bench/onnx.sh\n\n`BENCH_REFERENCE=1 bench/onnx.sh` in the version matrix\'s Debian 13 chroot '
                '(test/matrix), on the shared 2-core machine.\n\n%s\n\n%s\n' % (head, '\n'.join(lines)))
cur.execute('DROP TABLE bench_texts')
