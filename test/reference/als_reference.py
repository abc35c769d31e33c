#!/usr/bin/python3
"""ALS in numpy: the reference maas's als is checked against (sql/als.sql,
test/t/023_als.pl) and timed against (bench/als.sh).

The same model as src/algorithms/recommend/als.c, written independently:
explicit ratings with mean, user and item biases, each user's [x_u, b_u] a
ridge regression with penalty regularization * n_u on x_u (ALS-WR) and
regularization on b_u, solved by numpy.linalg.solve; implicit feedback by Hu, Koren & Volinsky's weighted
ALS with confidence 1 + alpha * rating, each solve cg_steps conjugate
gradient steps from the previous factors (as the `implicit` library does).
Factors start from the same seeded hash as maas's (splitmix64 of the
position), so both run the same iterations from the same start.

    als_reference.py                 # writes test/reference/als_reference.csv
    als_reference.py --bench CSV     # times one iteration (bench/als.sh)

Data: data/insteval.csv and data/bfi_ratings.csv in file order; the rows
whose 1-based number is a multiple of 5 are held out (id % 5 = 0 in SQL).
Metrics: RMSE on held-out ratings (unknown users/items predict with the
terms that are known), the item-mean baseline's RMSE, and precision@10 as
the `implicit` library computes it (train items left out of the ranking).
"""
import csv
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def hash_uniform(seed, stream, n):
    z = (np.uint64(seed) << np.uint64(32)) ^ (np.uint64(stream) << np.uint64(62)) \
        ^ np.arange(n, dtype=np.uint64)
    with np.errstate(over='ignore'):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def init_factors(seed, stream, n, k):
    return ((hash_uniform(seed, stream, n * k) - 0.5) * 0.1).reshape(n, k)


def csr(rows, cols, vals, n):
    order = np.argsort(rows, kind='stable')
    start = np.zeros(n + 1, dtype=np.int64)
    np.add.at(start, rows + 1, 1)
    return np.cumsum(start), cols[order], vals[order]


class ALS:
    def __init__(self, factors=10, iterations=10, regularization=0.1, implicit=False,
                 alpha=1.0, cg_steps=3, seed=42):
        self.k, self.iterations, self.reg = factors, iterations, regularization
        self.implicit, self.alpha, self.cg_steps, self.seed = implicit, alpha, cg_steps, seed

    def fit(self, u, i, r, n_users, n_items):
        k = self.k
        self.X = init_factors(self.seed, 0, n_users, k)
        self.Y = init_factors(self.seed, 1, n_items, k)
        self.mean = 0.0 if self.implicit else r.mean()
        self.bu = np.zeros(n_users)
        self.bi = np.zeros(n_items)
        self.by_user = csr(u, i, r, n_users)
        self.by_item = csr(i, u, r, n_items)
        self.history = []
        for _ in range(self.iterations):
            self.iterate()
            self.history.append(self.loss(n_items, r))
        return self

    def iterate(self):
        if self.implicit:
            self.solve_implicit(self.X, self.Y, self.by_user)
            self.solve_implicit(self.Y, self.X, self.by_item)
        else:
            self.solve_explicit(self.X, self.bu, self.Y, self.bi, self.by_user)
            self.solve_explicit(self.Y, self.bi, self.X, self.bu, self.by_item)

    def solve_explicit(self, F, b, fixed, fixed_b, by):
        start, col, val = by
        k = self.k
        eye = np.eye(k + 1)
        for u in range(len(start) - 1):
            idx = col[start[u]:start[u + 1]]
            B = np.empty((len(idx), k + 1))
            B[:, :k] = fixed[idx]
            B[:, k] = 1.0
            t = val[start[u]:start[u + 1]] - self.mean - fixed_b[idx]
            pen = np.full(k + 1, self.reg * len(idx))
            pen[k] = self.reg
            w = np.linalg.solve(B.T @ B + np.diag(pen), B.T @ t)
            F[u] = w[:k]
            b[u] = w[k]

    def solve_implicit(self, F, fixed, by):
        start, col, val = by
        YtY = fixed.T @ fixed + self.reg * np.eye(self.k)
        for u in range(len(start) - 1):
            Yu = fixed[col[start[u]:start[u + 1]]]
            c1 = self.alpha * val[start[u]:start[u + 1]]    # c - 1
            x = F[u]
            r = -YtY @ x + Yu.T @ (1.0 + c1 - c1 * (Yu @ x))
            p = r.copy()
            rsold = r @ r
            if rsold < 1e-20:
                continue
            for _ in range(self.cg_steps):
                Ap = YtY @ p + Yu.T @ (c1 * (Yu @ p))
                step = rsold / (p @ Ap)
                x += step * p
                r -= step * Ap
                rsnew = r @ r
                if rsnew < 1e-20:
                    break
                p = r + (rsnew / rsold) * p
                rsold = rsnew

    def loss(self, n_items, r):
        start, col, val = self.by_user
        rows = np.repeat(np.arange(len(start) - 1), np.diff(start))
        s = np.einsum('ij,ij->i', self.X[rows], self.Y[col])
        if not self.implicit:
            d = val - (self.mean + self.bu[rows] + self.bi[col] + s)
            return float(np.sqrt((d * d).mean()))
        c = 1.0 + self.alpha * val
        YtY = self.Y.T @ self.Y
        loss = np.sum(c * (1 - s) ** 2 - s * s) + np.einsum('ij,jk,ik->', self.X, YtY, self.X)
        loss += self.reg * (np.sum(self.X ** 2) + np.sum(self.Y ** 2))
        total = (len(start) - 1) * n_items + self.alpha * val.sum()
        return float(loss / total)

    def predict(self, u, i):
        """u, i: index arrays, -1 for unknown"""
        ku, ki = u >= 0, i >= 0
        p = np.full(len(u), self.mean)
        if not self.implicit:
            p[ku] += self.bu[u[ku]]
            p[ki] += self.bi[i[ki]]
        both = ku & ki
        p[both] += np.einsum('ij,ij->i', self.X[u[both]], self.Y[i[both]])
        return p

    def precision_at_10(self, u, i):
        seen = self.by_user
        hits = div = 0.0
        keep = (u >= 0) & (i >= 0)
        for user in np.unique(u[keep]):
            likes = set(i[keep & (u == user)].tolist())
            scores = self.Y @ self.X[user]
            if not self.implicit:
                scores = scores + self.mean + self.bu[user] + self.bi
            scores[seen[1][seen[0][user]:seen[0][user + 1]]] = -np.inf
            # best first; ties by the lower index, as maas does
            top = np.lexsort((np.arange(len(scores)), -scores))[:10]
            top = [t for t in top if scores[t] != -np.inf]
            hits += sum(1 for t in top if t in likes)
            div += min(10, len(likes))
        return hits / div


def read(name, where=None):
    with open(os.path.join(ROOT, 'data', name)) as f:
        rows = list(csv.reader(f))[1:]
    if where is not None:
        rows = [row for row in rows if where(row)]
    return rows


def split(rows, test_every=5):
    """(train, test) by the 1-based row number, as id % 5 = 0 in SQL"""
    ids = np.arange(1, len(rows) + 1)
    return [r for r, n in zip(rows, ids) if n % test_every], \
        [r for r, n in zip(rows, ids) if n % test_every == 0]


def index(train_keys, keys):
    uniq = sorted(set(train_keys))
    pos = {k: n for n, k in enumerate(uniq)}
    return uniq, np.array([pos.get(k, -1) for k in keys], dtype=np.int64)


def run(dataset, rows, key_type, params):
    train, test = split(rows)
    conv = int if key_type == 'int' else str
    tu = [int(r[0]) for r in train]
    ti = [conv(r[1]) for r in train]
    users, u = index(tu, tu)
    items, i = index(ti, ti)
    _, su = index(tu, [int(r[0]) for r in test])
    _, si = index(ti, [conv(r[1]) for r in test])
    r = np.array([float(x[2]) for x in train])
    sr = np.array([float(x[2]) for x in test])
    m = ALS(**params).fit(u, i, r, len(users), len(items))
    out = []
    pred = m.predict(su, si)
    mode = 'implicit' if params.get('implicit') else 'explicit'
    out.append((dataset, mode, 'precision_at_10', m.precision_at_10(su, si)))
    out.append((dataset, mode, 'final_loss', m.history[-1]))
    if mode == 'explicit':
        out.append((dataset, mode, 'rmse', float(np.sqrt(np.mean((pred - sr) ** 2)))))
        # baseline: each item's mean training rating (the global mean for a new item)
        sums = np.bincount(i, weights=r, minlength=len(items))
        counts = np.bincount(i, minlength=len(items))
        base = np.where(si >= 0, sums[np.maximum(si, 0)] / np.maximum(counts[np.maximum(si, 0)], 1), r.mean())
        out.append((dataset, mode, 'item_mean_rmse', float(np.sqrt(np.mean((base - sr) ** 2)))))
    # a few predictions, for an exact comparison
    for n in range(0, len(test), len(test) // 5):
        out.append((dataset, mode, 'predict:%s:%s' % (test[n][0], test[n][1]), float(pred[n])))
    return out


CONFIGS = [
    ('insteval', 'insteval.csv', None, 'int',
     dict(factors=8, iterations=10, regularization=4.0)),
    ('insteval', 'insteval.csv', None, 'int',
     dict(factors=16, iterations=10, regularization=0.1, implicit=True, alpha=2.0)),
    ('bfi', 'bfi_ratings.csv', None, 'text',
     dict(factors=4, iterations=10, regularization=0.1)),
    ('bfi', 'bfi_ratings.csv', lambda row: int(row[2]) >= 5, 'text',
     dict(factors=4, iterations=10, regularization=0.1, implicit=True, alpha=1.0)),
]


def bench(path, factors, repeat):
    """seconds of one iteration on a (user, item, rating) CSV"""
    d = np.loadtxt(path, delimiter=',', skiprows=1)
    _, u = np.unique(d[:, 0].astype(np.int64), return_inverse=True)
    _, i = np.unique(d[:, 1].astype(np.int64), return_inverse=True)
    for implicit in (False, True):
        m = ALS(factors=factors, iterations=0, implicit=implicit).fit(u, i, d[:, 2], u.max() + 1, i.max() + 1)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            m.iterate()
            m.loss(i.max() + 1, d[:, 2])
            times.append(time.perf_counter() - t)
        print('%s %.4f' % ('implicit' if implicit else 'explicit', min(times)))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--bench':
        bench(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 64,
              int(sys.argv[4]) if len(sys.argv) > 4 else 3)
        return
    out = []
    for dataset, name, where, key_type, params in CONFIGS:
        out += run(dataset, read(name, where), key_type, params)
    with open(os.path.join(HERE, 'als_reference.csv'), 'w') as f:
        f.write('dataset,mode,metric,value\n')
        for row in out:
            f.write('%s,%s,%s,%.12g\n' % row)
    for row in out:
        print(*row)


if __name__ == '__main__':
    main()
