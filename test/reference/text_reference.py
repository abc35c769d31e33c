#!/usr/bin/python3
"""Reference numbers of text_classifier: the fasttext command-line tool
(Debian package fasttext) trained on split = 'train' and scored on
split = 'test' of two corpora, at the settings sql/text.sql trains with:
  reuters  data/reuters_grain.csv, binary is_grain (F1 of class 1)
  austen   data/austen.csv, which of Jane Austen's six novels a passage is
           from (macro F1)
  poems    data/poems.csv, Chinese: is a poem of the Tang or the Song
           dynasty (F1 of tang, the second class as maas orders them)
Documents are tokenized as maas does (lowercase, runs of letters and
digits; each Chinese character, then the bigram it ends), so both read the
same tokens; fasttext runs in one thread.
Writes test/reference/text_reference.txt: corpus, settings, accuracy, F1.

Run from the repository root: /usr/bin/python3 test/reference/text_reference.py
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'data')
CORPORA = {'reuters': ('reuters_grain.csv', 'text', 'is_grain'),
           'austen': ('austen.csv', 'text', 'book'),
           'poems': ('poems.csv', 'text', 'dynasty')}
# (corpus, epochs, dim, ngrams, learning_rate) as in sql/text.sql
SETTINGS = [('reuters', 5, 100, 1, 0.1), ('reuters', 25, 100, 1, 0.5),
            ('reuters', 25, 100, 2, 0.5), ('austen', 5, 100, 1, 0.1),
            ('austen', 25, 100, 1, 0.5), ('austen', 25, 100, 2, 0.5),
            ('poems', 5, 100, 1, 0.1), ('poems', 25, 100, 1, 0.5)]
CJK = re.compile('[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0002ffff]')


def tokens(text):
    out = []
    for run in re.findall(r'[^\W_]+', text.lower()):
        word, prev = '', ''
        for c in run:
            if CJK.match(c):
                if word:
                    out.append(word)
                    word = ''
                out.append(c)
                if prev:
                    out.append(prev + c)
                prev = c
            else:
                word += c
                prev = ''
        if word:
            out.append(word)
    return out


def label(value):
    return value.replace(' ', '_')


def files(tmp, corpus):
    name, text, target = CORPORA[corpus]
    rows = list(csv.DictReader(open(os.path.join(DATA, name), newline='')))
    paths = {}
    for split in ('train', 'test'):
        paths[split] = os.path.join(tmp, '%s_%s.txt' % (corpus, split))
        with open(paths[split], 'w') as f:
            for r in rows:
                if r['split'] == split:
                    f.write('__label__%s %s\n' % (label(r[target]), ' '.join(tokens(r[text]))))
    truth = [label(r[target]) for r in rows if r['split'] == 'test']
    return paths, truth


def f1(pred, truth, classes):
    scores = []
    for c in classes:
        tp = sum(p == c and t == c for p, t in zip(pred, truth))
        fp = sum(p == c and t != c for p, t in zip(pred, truth))
        fn = sum(p != c and t == c for p, t in zip(pred, truth))
        scores.append(2 * tp / max(2 * tp + fp + fn, 1))
    return sum(scores) / len(scores)


def main():
    tmp = tempfile.mkdtemp()
    out = []
    for corpus, epochs, dim, ngrams, lr in SETTINGS:
        paths, truth = files(tmp, corpus)
        model = os.path.join(tmp, 'model')
        subprocess.run(['fasttext', 'supervised', '-input', paths['train'], '-output', model,
                        '-epoch', str(epochs), '-dim', str(dim), '-wordNgrams', str(ngrams),
                        '-lr', str(lr), '-thread', '1', '-verbose', '0'], check=True)
        pred = subprocess.run(['fasttext', 'predict', model + '.bin', paths['test']],
                              check=True, capture_output=True, text=True).stdout.split()
        pred = [p.replace('__label__', '') for p in pred]
        acc = sum(p == t for p, t in zip(pred, truth)) / len(truth)
        classes = {'reuters': ['1'], 'poems': ['tang']}.get(corpus, sorted(set(truth)))
        out.append('%s %d %d %d %g %.4f %.4f' % (corpus, epochs, dim, ngrams, lr, acc,
                                                 f1(pred, truth, classes)))
    with open(os.path.join(HERE, 'text_reference.txt'), 'w') as f:
        f.write('# corpus epochs dim ngrams learning_rate accuracy f1 (fasttext %s, one thread)\n'
                % subprocess.run(['dpkg-query', '-W', '-f', '${Version}', 'fasttext'],
                                 capture_output=True, text=True).stdout)
        f.write('\n'.join(out) + '\n')
    print('\n'.join(out))


if __name__ == '__main__':
    sys.exit(main())
