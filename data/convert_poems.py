#!/usr/bin/python3
"""data/poems.csv from Debian's fortunes-zh 2.98 (GPL-3+): the Tang poems
(tang300, 313) and Song poems (song100, 95) of its fortune files, each
poem's lines without its title and author (colour codes and those two lines
dropped), labelled with its dynasty; split "test" for every 5th poem of
each file, "train" otherwise.
    apt-get download fortunes-zh; dpkg -x fortunes-zh_*.deb x
    /usr/bin/python3 data/convert_poems.py x/usr/share/games/fortunes data/poems.csv
"""
import csv
import os
import re
import sys

src, out = sys.argv[1], sys.argv[2]
rows = []
for name, dynasty in (('tang300', 'tang'), ('song100', 'song')):
    text = open(os.path.join(src, name), encoding='utf-8').read()
    for i, poem in enumerate(p for p in text.split('\n%\n') if p.strip()):
        lines = [re.sub(r'\x1b\[[0-9;]*m', '', l).strip() for l in poem.strip().split('\n')]
        body = ''.join(l for l in lines[2:] if l)
        if body:
            rows.append(('test' if i % 5 == 4 else 'train', body, dynasty))
with open(out, 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(('split', 'text', 'dynasty'))
    w.writerows(rows)
