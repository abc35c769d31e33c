#!/usr/bin/python3
"""The layering rule of src/ (src/README.md), checked over #include lines and
over the symbols the built objects define and use.  Prints TAP lines.

  layers: core < data, catalog < functions;  core < algorithms < (list only)
  - a file includes maas headers of its own layer and of the layers below;
    an algorithm includes core headers and those of its own folder only
  - core and algorithms include no SQL, catalog or fmgr headers of PostgreSQL
  - a file references no symbol defined in a higher layer; an algorithm
    none of another family (algorithms/algorithms.c lists them all)
  - no two files reference each other, directly or through others
  - no source file above 1,000 lines, no function above 150
"""
import os
import re
import subprocess
import sys

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.')
src = os.path.join(root, 'src')

RANK = {'core': 0, 'data': 1, 'catalog': 1, 'algorithms': 1, 'functions': 2, 'top': 3}
ALLOWED = {  # layer -> layers whose headers it may include
    'core': {'core'},
    'data': {'core', 'data'},
    'catalog': {'core', 'catalog'},
    'algorithms': {'core'},  # plus its own folder
    'functions': {'core', 'data', 'catalog', 'functions'},
    'top': {'core', 'data', 'catalog', 'functions', 'algorithms'},
}
# PostgreSQL headers that mean SQL, the catalog or fmgr calls
FORBIDDEN_PG = re.compile(r'^(executor/spi\.h|funcapi\.h|fmgr\.h|catalog/|access/|'
                          r'utils/syscache\.h|utils/lsyscache\.h|commands/|tcop/|parser/|'
                          r'optimizer/|nodes/)')
LOW_LAYERS = {'core', 'algorithms'}

n = 0
failed = 0


def tap(ok, what):
    global n, failed
    n += 1
    print(('ok' if ok else 'not ok') + ' %d - %s' % (n, what))
    if not ok:
        failed += 1


def layer_of(rel):
    parts = rel.split('/')
    return parts[0] if len(parts) > 1 else 'top'


def family_of(rel):
    parts = rel.split('/')
    return '/'.join(parts[:2]) if parts[0] == 'algorithms' and len(parts) > 2 else None


files = []
for d, _, names in os.walk(src):
    for name in names:
        if name.endswith(('.c', '.h')):
            files.append(os.path.relpath(os.path.join(d, name), src))
files.sort()

problems = []
for rel in files:
    layer = layer_of(rel)
    here = os.path.dirname(rel)
    for line in open(os.path.join(src, rel), encoding='utf-8'):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        inc = m.group(1)
        if os.path.exists(os.path.join(src, here, inc)):
            target = os.path.normpath(os.path.join(here, inc))
        elif os.path.exists(os.path.join(src, inc)):
            target = os.path.normpath(inc)
        else:
            if layer in LOW_LAYERS and FORBIDDEN_PG.match(inc):
                problems.append('%s includes %s, a PostgreSQL header for SQL, the catalog or fmgr' % (rel, inc))
            continue
        tlayer = layer_of(target)
        if layer == 'algorithms':
            ok = tlayer == 'core' or (family_of(rel) is not None and family_of(target) == family_of(rel)) \
                or (rel == 'algorithms/algorithms.c' and target == 'algorithms/algorithms.h') \
                or (rel == 'algorithms/algorithms.h' and tlayer == 'core')
        else:
            ok = tlayer in ALLOWED[layer]
        if not ok:
            problems.append('%s (layer %s) includes %s (layer %s)' % (rel, layer, target, tlayer))
tap(not problems, 'includes follow the layers (%d files)' % len(files))
for p in problems:
    print('#   ' + p)

# sizes: files, and functions from their opening to their closing brace
MAX_FILE_LINES = 1000
MAX_FUNCTION_LINES = 150
too_long = []
for rel in files:
    lines = open(os.path.join(src, rel), encoding='utf-8').read().split('\n')
    if len(lines) > MAX_FILE_LINES:
        too_long.append('%s has %d lines' % (rel, len(lines)))
    start = None
    for i, line in enumerate(lines):
        if line == '{' and i > 0:
            start = i
            name = lines[i - 1] if '(' in lines[i - 1] else lines[i - 2]
        elif line == '}' and start is not None:
            if i - start - 1 > MAX_FUNCTION_LINES:
                too_long.append('%s: %s has %d lines' % (rel, name.split('(')[0].strip(), i - start - 1))
            start = None
tap(not too_long, 'no file above %d lines, no function above %d' % (MAX_FILE_LINES, MAX_FUNCTION_LINES))
for p in too_long:
    print('#   ' + p)

# symbols of the built objects
objs = [f[:-2] + '.o' for f in files if f.endswith('.c')]
missing = [o for o in objs if not os.path.exists(os.path.join(src, o))]
if missing:
    tap(False, 'objects built (missing: %s; run make first)' % ', '.join(missing))
    print('%d passed, %d failed' % (n - failed, failed) if os.environ.get('LAYERS_SUMMARY') else '', end='')
    sys.exit(1)
defined = {}
used = {}
for o in objs:
    out = subprocess.run(['nm', os.path.join(src, o)], capture_output=True, text=True, check=True).stdout
    rel = o[:-2] + '.c'
    used[rel] = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in 'TDRBC':
            defined[f[2]] = rel
        elif len(f) == 2 and f[0] == 'U':
            used[rel].add(f[1])
edges = {}
for rel, syms in used.items():
    for s in syms:
        t = defined.get(s)
        if t and t != rel:
            edges.setdefault(rel, {}).setdefault(t, set()).add(s)

upward = []
for a, targets in edges.items():
    for b, syms in targets.items():
        la, lb = layer_of(a), layer_of(b)
        if lb == la or RANK[lb] < RANK[la]:  # siblings (data, catalog, algorithms) not
            if la == 'algorithms' and lb == 'algorithms' and family_of(a) != family_of(b) \
                    and a != 'algorithms/algorithms.c':
                upward.append('%s uses %s of another family, %s' % (a, ', '.join(sorted(syms)), b))
            continue
        upward.append('%s (layer %s) uses %s of %s (layer %s)' % (a, la, ', '.join(sorted(syms)), b, lb))
tap(not upward, 'no file uses a symbol of a higher layer (%d objects)' % len(objs))
for p in upward:
    print('#   ' + p)

# cycles between files: strongly connected components of the use graph
index = {}
low = {}
stack = []
on = set()
sccs = []
counter = [0]
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, {}):
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in sorted(used):
    if v not in index:
        visit(v)
tap(not sccs, 'no two files use each other, directly or through others')
for comp in sccs:
    print('#   cycle among: ' + ', '.join(comp))
    for a in comp:
        for b in comp:
            if b in edges.get(a, {}):
                print('#     %s -> %s: %s' % (a, b, ', '.join(sorted(edges[a][b]))))
sys.exit(1 if failed else 0)
