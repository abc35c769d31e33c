#!/usr/bin/python3
"""Reference numbers of text_classifier: the fasttext command-line tool
(Debian package fasttext) on the Reuters grain corpus (data/reuters_grain.csv),
trained on split = 'train', scored on split = 'test', at the settings
sql/text.sql trains with.  Documents are tokenized as maas does for ASCII
text (lowercase, runs of letters and digits), so both read the same words.
Writes test/reference/text_reference.txt: settings, accuracy, F1 of class 1.

Run from the repository root: /usr/bin/python3 test/reference/text_reference.py
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'data', 'reuters_grain.csv')
# (epochs, dim, ngrams, learning_rate) as in sql/text.sql
SETTINGS = [(5, 100, 1, 0.1), (25, 100, 1, 0.5), (25, 100, 2, 0.5)]


def tokens(text):
    return re.findall(r'[a-z0-9]+', text.lower())


def main():
    rows = list(csv.DictReader(open(DATA, newline='')))
    tmp = tempfile.mkdtemp()
    files = {}
    for split in ('train', 'test'):
        path = os.path.join(tmp, split + '.txt')
        with open(path, 'w') as f:
            for r in rows:
                if r['split'] == split:
                    f.write('__label__%s %s\n' % (r['is_grain'], ' '.join(tokens(r['text']))))
        files[split] = path
    truth = [r['is_grain'] for r in rows if r['split'] == 'test']
    out = []
    for epochs, dim, ngrams, lr in SETTINGS:
        model = os.path.join(tmp, 'model')
        subprocess.run(['fasttext', 'supervised', '-input', files['train'], '-output', model,
                        '-epoch', str(epochs), '-dim', str(dim), '-wordNgrams', str(ngrams),
                        '-lr', str(lr), '-thread', '1', '-verbose', '0'], check=True)
        pred = subprocess.run(['fasttext', 'predict', model + '.bin', files['test']],
                              check=True, capture_output=True, text=True).stdout.split()
        pred = [p.replace('__label__', '') for p in pred]
        acc = sum(p == t for p, t in zip(pred, truth)) / len(truth)
        tp = sum(p == '1' and t == '1' for p, t in zip(pred, truth))
        fp = sum(p == '1' and t == '0' for p, t in zip(pred, truth))
        fn = sum(p == '0' and t == '1' for p, t in zip(pred, truth))
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        out.append('%d %d %d %g %.4f %.4f' % (epochs, dim, ngrams, lr, acc, f1))
    with open(os.path.join(HERE, 'text_reference.txt'), 'w') as f:
        f.write('# epochs dim ngrams learning_rate accuracy f1 (fasttext %s, one thread)\n'
                % subprocess.run(['dpkg-query', '-W', '-f', '${Version}', 'fasttext'],
                                 capture_output=True, text=True).stdout)
        f.write('\n'.join(out) + '\n')
    print('\n'.join(out))


if __name__ == '__main__':
    sys.exit(main())
