#!/usr/bin/python3
"""Reference numbers of naive_bayes over a document column: scikit-learn's
CountVectorizer (the vocabulary of the training rows, tokens as maas reads
them: test/reference/text_reference.py's tokens) and MultinomialNB(alpha=1),
trained on split = 'train', scored on split = 'test' of Reuters grain and
of Jane Austen's novels.  Writes test/reference/text_nb_reference.txt:
corpus, accuracy, F1 (class 1 for Reuters, macro for Austen).

Run from the repository root: /usr/bin/python3 test/reference/text_nb_reference.py
"""
import csv
import importlib.util
import os

import sklearn
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.naive_bayes import MultinomialNB

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('text_reference', os.path.join(HERE, 'text_reference.py'))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

out = []
for corpus in ('reuters', 'austen'):
    name, text, target = ref.CORPORA[corpus]
    rows = list(csv.DictReader(open(os.path.join(ref.DATA, name), newline='')))
    train = [r for r in rows if r['split'] == 'train']
    test = [r for r in rows if r['split'] == 'test']
    vec = CountVectorizer(tokenizer=ref.tokens, lowercase=False, token_pattern=None)
    x_train = vec.fit_transform([r[text] for r in train])
    x_test = vec.transform([r[text] for r in test])
    model = MultinomialNB(alpha=1.0).fit(x_train, [r[target] for r in train])
    pred = model.predict(x_test)
    truth = [r[target] for r in test]
    f1 = f1_score(truth, pred, pos_label='1') if corpus == 'reuters' else f1_score(truth, pred, average='macro')
    out.append('%s %.4f %.4f' % (corpus, accuracy_score(truth, pred), f1))
with open(os.path.join(HERE, 'text_nb_reference.txt'), 'w') as f:
    f.write('# corpus accuracy f1 (scikit-learn %s CountVectorizer + MultinomialNB(alpha=1))\n' % sklearn.__version__)
    f.write('\n'.join(out) + '\n')
print('\n'.join(out))
