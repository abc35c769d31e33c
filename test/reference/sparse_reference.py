#!/usr/bin/python3
"""Reference numbers of logistic_regression over a document column:
scikit-learn's TfidfVectorizer + LogisticRegression (lbfgs, the same C),
trained on split = 'train' and scored on split = 'test' of two corpora:
  reuters  data/reuters_grain.csv, binary is_grain (F1 of class 1)
  austen   data/austen.csv, which of Jane Austen's six novels a passage is
           from (macro F1)
Documents are tokenized as maas does (lowercase, runs of letters and
digits, word n-grams joined by a space), so both read the same tokens;
max_features is maas's num_words.  The hashed setting is HashingVectorizer
(alternate_sign off) + TfidfTransformer: another hash function than maas's,
so only the accuracy is comparable.
Writes test/reference/sparse_reference.txt: one line per setting with the
number of text features, accuracy, F1, and the class-1 probability of the
first three test documents (exact settings only).  And
test/reference/sparse_tune_reference.txt: GridSearchCV over C in {1, 10}
of Pipeline(TfidfVectorizer, LogisticRegression) on Reuters' training
rows, folds PredefinedSplit(id % 3) (id: the row of the file, from 1):
per C the accuracy of each fold and their mean (fold -1).

Run from the repository root: /usr/bin/python3 test/reference/sparse_reference.py
"""
import csv
import os
import re
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import (HashingVectorizer, TfidfTransformer,
                                             TfidfVectorizer)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import make_pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'data')
CORPORA = {'reuters': ('reuters_grain.csv', 'is_grain'),
           'austen': ('austen.csv', 'book')}
# (setting, corpus, C, ngram max, sublinear_tf, min_df, num_words, hashing), as sql/sparse.sql
SETTINGS = [('reuters_words', 'reuters', 10.0, 1, False, 1, 0, 0),
            ('reuters_bigrams', 'reuters', 10.0, 2, True, 2, 0, 0),
            ('reuters_hashed', 'reuters', 10.0, 1, False, 1, 0, 4096),
            ('austen_words', 'austen', 10.0, 1, False, 1, 0, 0),
            ('austen_bigrams', 'austen', 10.0, 2, True, 1, 20000, 0)]


def analyzer(n):
    def tokens(text):
        words = re.findall(r'[^\W_]+', text.lower())
        out = list(words)
        for k in range(2, n + 1):
            out += [' '.join(words[i:i + k]) for i in range(len(words) - k + 1)]
        return out
    return tokens


def load(corpus):
    name, target = CORPORA[corpus]
    with open(os.path.join(DATA, name), newline='') as f:
        rows = list(csv.DictReader(f))
    train = [r for r in rows if r['split'] == 'train']
    test = [r for r in rows if r['split'] == 'test']
    return ([r['text'] for r in train], [r[target] for r in train],
            [r['text'] for r in test], [r[target] for r in test])


def fit(setting, threads=None):
    _, corpus, C, n, sublinear, min_df, num_words, hashing = setting
    xtr, ytr, xte, yte = load(corpus)
    if hashing:
        vec = HashingVectorizer(analyzer=analyzer(n), n_features=hashing,
                                alternate_sign=False, norm=None)
        tfidf = TfidfTransformer(sublinear_tf=sublinear)
        Xtr = tfidf.fit_transform(vec.transform(xtr))
        Xte = tfidf.transform(vec.transform(xte))
        n_features = hashing
    else:
        vec = TfidfVectorizer(analyzer=analyzer(n), sublinear_tf=sublinear, min_df=min_df,
                              max_features=num_words or None)
        Xtr = vec.fit_transform(xtr)
        Xte = vec.transform(xte)
        n_features = len(vec.vocabulary_)
    clf = LogisticRegression(C=C, max_iter=10000, tol=1e-8)
    start = time.perf_counter()
    clf.fit(Xtr, ytr)
    seconds = time.perf_counter() - start
    return clf, Xte, yte, n_features, seconds


def main():
    out = os.path.join(HERE, 'sparse_reference.txt')
    with open(out, 'w') as f:
        f.write('setting n_features accuracy f1 p1 p2 p3\n')
        for s in SETTINGS:
            clf, Xte, yte, n_features, _ = fit(s)
            pred = clf.predict(Xte)
            binary = len(clf.classes_) == 2
            f1 = f1_score(yte, pred, pos_label=clf.classes_[1]) if binary else \
                f1_score(yte, pred, average='macro')
            proba = clf.predict_proba(Xte[:3])
            p = proba[:, 1] if not s[7] else np.full(3, np.nan)
            f.write('%s %d %.6f %.6f %.6f %.6f %.6f\n' % (s[0], n_features,
                                                         accuracy_score(yte, pred), f1,
                                                         p[0], p[1], p[2]))
    print(open(out).read(), end='')
    tune()


def tune():
    name, target = CORPORA['reuters']
    with open(os.path.join(DATA, name), newline='') as f:
        rows = [(i + 1, r) for i, r in enumerate(csv.DictReader(f))]
    train = [(i, r) for i, r in rows if r['split'] == 'train']
    pipe = make_pipeline(TfidfVectorizer(analyzer=analyzer(1)),
                         LogisticRegression(max_iter=10000, tol=1e-8))
    gs = GridSearchCV(pipe, {'logisticregression__C': [1.0, 10.0]},
                      cv=PredefinedSplit([i % 3 for i, _ in train]), scoring='accuracy', refit=False)
    gs.fit([r['text'] for _, r in train], [r[target] for _, r in train])
    res = gs.cv_results_
    out = os.path.join(HERE, 'sparse_tune_reference.txt')
    with open(out, 'w') as f:
        f.write('C fold accuracy\n')
        for t, params in enumerate(res['params']):
            for k in range(3):
                f.write('%g %d %.12f\n' % (params['logisticregression__C'], k,
                                           res['split%d_test_score' % k][t]))
            f.write('%g -1 %.12f\n' % (params['logisticregression__C'], res['mean_test_score'][t]))
    print(open(out).read(), end='')


if __name__ == '__main__':
    sys.exit(main())
