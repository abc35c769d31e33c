#!/usr/bin/python3
"""Random calls of every maas_* SQL function with random and edge arguments.

011_sqlsmith runs this after sqlsmith, against a database prepared by
test/sqlsmith/setup.sql.  Each call runs in its own statement (with a
statement timeout) as the superuser or as an unprivileged role, in a plain
SELECT, a scan, a parallel query, a prepared statement, a cursor, a
PL/pgSQL loop, an aggregate, a window or a custom aggregate with a forged
initial state.  A call must return or fail with a SQLSTATE of its own: an
internal error (class XX, except XX001 "invalid maas model") or a lost
connection is a violation.  For valid inputs, the named and the inline
(bytea) forms must predict the same value.

  fuzz.py --dsn "host=... port=... dbname=smith user=postgres" [--seconds 20] [--seed 1]

Prints per-function and per-SQLSTATE counts and every violation with the
statement that caused it; exits 1 if there was any.
"""
import argparse
import json
import collections
import math
import random
import struct
import sys
import time

import psycopg2
import psycopg2.extensions

TIMEOUT_MS = 3000
ORACLE_MODELS = ['fz_lin', 'fz_ridge', 'fz_bin', 'fz_multi']
BASE_MODELS = ['fz_lin', 'fz_ridge', 'fz_bin', 'fz_multi', 'fz_churn', 'fz_penguins', 'fz_credit']
# tree models, where the build has them (not oracle models: they may be retrained)
TREE_SPECS = {
    'fz_tree': ('decision_tree', 'iris', 'species', '{"max_depth": 5}'),
    'fz_forest': ('random_forest', 'diabetes', 'progression', '{"n_estimators": 10, "max_depth": 6}'),
    'fz_boost': ('gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 20}'),
    'fz_native': ('decision_tree', 'penguins', 'sex', '{"missing": "native", "max_depth": 4}'),
}
ALGORITHMS = ['linear_regression', 'logistic_regression', 'decision_tree', 'random_forest',
              'gradient_boosting', 'LINEAR_REGRESSION', '', 'linear_regression ', 'x' * 100]
PARAM_KEYS = ['l2', 'fit_intercept', 'test_size', 'seed', 'deploy', 'missing', 'max_categories',
              'features', 'exclude', 'task', 'penalty', 'C', 'max_iter', 'tol', 'max_depth',
              'n_estimators', 'learning_rate', 'min_samples_leaf', 'unknown', '', 'criterion',
              'min_samples_split', 'max_features', 'max_bin', 'bootstrap', 'max_samples', 'oob_score',
              'min_child_weight', 'lambda', 'gamma', 'subsample', 'colsample_bytree',
              'early_stopping_rounds', 'validation_fraction']
TABLES = ['diabetes', 'iris', 'wa_churn', 'penguins', 'breast_cancer', 'concrete', 'credit_data',
          'fz_rowtypes', 'fz_vectors']
SOURCES = [
    'diabetes', 'iris', 'wa_churn', 'penguins', 'breast_cancer', 'concrete', 'credit_data', 'ames',
    'public.iris', '"iris"', 'IRIS', 'fz_rowtypes', 'nonexistent', 'pg_catalog.pg_class', 'maas.models',
    'SELECT * FROM iris LIMIT 0', 'SELECT * FROM iris LIMIT 1', 'SELECT * FROM iris LIMIT 3',
    'SELECT * FROM iris;', ' select * from iris ; ; ', 'TABLE iris', 'VALUES (1, 2), (3, 4)',
    '(SELECT * FROM iris)', 'SELECT * FROM iris -- comment', 'SELECT * FROM iris /* c */',
    'SELECT NULL::float8 AS x, NULL::float8 AS y', 'SELECT 1 AS x, 2 AS x, 3 AS y',
    'SELECT 1/0 AS x, 1 AS y', 'SELECT pg_sleep(0.01), 1 AS y', 'SELECT 1 AS y',
    "SELECT repeat('a', 100000) AS x, g AS y FROM generate_series(1, 10) g",
    'SELECT g::text AS x, g AS y FROM generate_series(1, 12000) g',
    'SELECT ARRAY[g, g * 2]::float8[] AS v, g::float8 AS y FROM generate_series(1, 100) g',
    'SELECT ARRAY[]::float8[] AS v, 1::float8 AS y FROM generate_series(1, 5)',
    'SELECT CASE WHEN g < 5 THEN ARRAY[1, 2] ELSE ARRAY[1, 2, 3] END::float8[] AS v, g::float8 AS y FROM generate_series(1, 10) g',
    'SELECT ARRAY[[1, 2], [3, 4]]::float8[] AS v, g::float8 AS y FROM generate_series(1, 10) g',
    "SELECT '1e300'::numeric * '1e300'::numeric AS x, g AS y FROM generate_series(1, 10) g",
    "SELECT 'NaN'::numeric AS x, g AS y FROM generate_series(1, 10) g",
    "SELECT 'Infinity'::float8 AS x, g AS y FROM generate_series(1, 10) g",
    'SELECT g::float8 AS x, 1e308 * g AS y FROM generate_series(1, 10) g',
    'SELECT g AS x, (g % 2 = 0) AS y FROM generate_series(1, 50) g',
    "SELECT g AS x, CASE WHEN g % 3 = 0 THEN 'a' WHEN g % 3 = 1 THEN 'b' END AS y FROM generate_series(1, 60) g",
    'SELECT g AS x, g % 1500 AS y FROM generate_series(1, 3000) g',
    "SELECT now() AS t, '{}'::jsonb AS j, ROW(1, 2) AS r, interval '1 day' AS i, g AS y FROM generate_series(1, 10) g",
    'SELECT fz_mood AS m, g AS y FROM (SELECT (ARRAY[\'sad\', \'ok\', \'happy\'])[1 + g % 3]::fz_mood AS fz_mood, g FROM generate_series(1, 30) g) s',
    'SELECT g::fz_dom AS d, g AS y FROM generate_series(1, 30) g',
    'SELECT * FROM fz_wide', 'SELECT x, y FROM fz_nulls',
    'SELECT d.*, maas_predict(\'fz_lin\', d) AS p FROM diabetes d',
    'WITH d AS (DELETE FROM fz_names RETURNING *) SELECT * FROM d', 'DELETE FROM fz_names RETURNING *',
    'EXPLAIN SELECT 1 AS y', 'SELECT * FROM iris FOR UPDATE', 'SHOW work_mem', 'COMMIT', 'SELECT 1; SELECT 2',
    '', ' ', ';', 'SELECT', "SELECT * FROM iris WHERE species = 'x''; DROP TABLE fz_names; --'",
]
VALID_TRAIN = [
    ('linear_regression', 'diabetes', 'progression', '{}'),
    ('linear_regression', 'diabetes', 'progression', '{"l2": 5, "test_size": 0, "deploy": "always"}'),
    ('linear_regression', 'concrete', 'compressive_strength', '{"fit_intercept": false, "deploy": "never"}'),
    ('linear_regression', 'credit_data', 'amount', '{"missing": "impute", "max_categories": 1}'),
    ('linear_regression', 'SELECT v, 1.0::float8 * g AS y FROM fz_vectors, generate_series(1, 3) g WHERE cardinality(v) = 4', 'y', '{}'),
    ('linear_regression', 'SELECT ARRAY[g, g * 2]::float8[] AS v, g::float8 AS y FROM generate_series(1, 100) g', 'y', '{}'),
    ('linear_regression', 'SELECT * FROM fz_wide', 'y', '{"l2": 1}'),
    ('linear_regression', 'SELECT x, y FROM fz_nulls', 'y', '{"missing": "skip"}'),
    ('logistic_regression', 'iris', 'species', '{}'),
    ('logistic_regression', 'iris', 'species', '{"penalty": "none", "max_iter": 5}'),
    ('logistic_regression', 'breast_cancer', 'malignant', '{"C": 0.01, "tol": 0.001}'),
    ('logistic_regression', 'penguins', 'sex', '{"exclude": ["year"], "missing": "skip"}'),
    ('logistic_regression', 'wa_churn', 'churn', '{"features": ["tenure", "contract"], "penalty": "l1"}'),
    ('logistic_regression', 'SELECT g AS x, (g % 2 = 0) AS y FROM generate_series(1, 50) g', 'y', '{}'),
    ('logistic_regression', 'diabetes', 'sex', '{"task": "classification", "test_size": 0.5}'),
    ('linear_regression', 'SELECT fz_mood AS m, g AS y FROM (SELECT (ARRAY[\'sad\', \'ok\', \'happy\'])[1 + g % 3]::fz_mood AS fz_mood, g FROM generate_series(1, 30) g) s', 'y', '{}'),
    ('linear_regression', 'SELECT g::fz_dom AS d, g AS y FROM generate_series(1, 30) g', 'y', '{}'),
    ('decision_tree', 'iris', 'species', '{}'),
    ('decision_tree', 'penguins', 'species', '{"missing": "native"}'),
    ('decision_tree', 'wa_churn', 'churn', '{"max_depth": 3, "min_samples_leaf": 50}'),
    ('random_forest', 'diabetes', 'progression', '{"n_estimators": 5}'),
    ('random_forest', 'iris', 'species', '{"n_estimators": 3, "max_depth": 2, "seed": 7}'),
    ('gradient_boosting', 'breast_cancer', 'malignant', '{"n_estimators": 10}'),
    ('gradient_boosting', 'iris', 'species', '{"n_estimators": 5, "learning_rate": 1}'),
    ('gradient_boosting', 'concrete', 'compressive_strength', '{"n_estimators": 5, "max_depth": 2}'),
    ('gradient_boosting', 'wa_churn', 'churn', '{"n_estimators": 50, "subsample": 0.5, "colsample_bytree": 0.5, "early_stopping_rounds": 3, "max_bin": 2}'),
    ('random_forest', 'penguins', 'island', '{"n_estimators": 4, "bootstrap": false, "max_features": 2, "criterion": "entropy"}'),
    ('random_forest', 'credit_data', 'status', '{"n_estimators": 4, "max_samples": 0.1, "oob_score": false, "missing": "native"}'),
    ('decision_tree', 'ames', 'sale_price', '{"max_depth": 4, "max_bin": 3, "min_samples_split": 100}'),
    ('gradient_boosting', 'SELECT x, y FROM fz_nulls', 'y', '{"missing": "native", "n_estimators": 3}'),
]
TARGETS = ['progression', 'species', 'churn', 'sex', 'malignant', 'compressive_strength', 'amount',
           'y', 'x', 'v', 'nonexistent', '', 'Y', '"y"', 'p', 'island', 'age']
ROLES = ['public', 'PUBLIC', 'fz_user', 'fz_other', 'postgres', 'nonexistent_role', '', 'x' * 70]
PRIVILEGES = ['predict', 'deploy', 'train', 'owner', 'PREDICT', '', 'all']
INTERESTING_INTS = [0, 1, 2, 3, -1, 2 ** 31 - 1, -2 ** 31, 2 ** 16, 100000, 10 ** 9]
INTERESTING_DOUBLES = [0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, 1e-300, float('nan'),
                       float('inf'), float('-inf'), 2.0 ** 53, 123456.789]


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def fix_crc(model):
    """Recompute the header's CRC-32C of the payload, so mutations reach the parser"""
    if len(model) < 32:
        return model
    b = bytearray(model)
    b[24:28] = struct.pack('<I', crc32c(bytes(b[32:])))
    return bytes(b)


class Literal:
    """SQL text inserted as is (already quoted)"""

    def __init__(self, sql):
        self.sql = sql


def lit(value, cast=None):
    """A SQL literal for a Python value, with an optional cast"""
    if isinstance(value, Literal):
        s = value.sql
    elif value is None:
        s = 'NULL'
    elif isinstance(value, float):
        s = "'%r'::float8" % value if (math.isnan(value) or math.isinf(value)) else repr(value)
    elif isinstance(value, (bytes, bytearray)):
        s = "'\\x%s'::bytea" % bytes(value).hex()
    elif isinstance(value, list):
        s = "'{%s}'" % ','.join('NULL' if v is None else repr(float(v)) for v in value)
        cast = cast or 'float8[]'
    elif isinstance(value, str):
        s = "'%s'" % value.replace("'", "''")    # standard_conforming_strings is on
    else:
        s = str(value)
    return '%s::%s' % (s, cast) if cast else s


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.calls = collections.Counter()
        self.states = collections.Counter()
        self.by_function = collections.defaultdict(collections.Counter)
        self.violations = []
        self.oracle_checks = 0
        self.fresh = 0
        self.admin = self.connect(args.dsn)
        self.start_time = self.query_one(self.admin, 'SELECT pg_postmaster_start_time()::text')
        self.prepare_database()
        self.user = self.connect(args.dsn + ' user=fz_user')
        self.load_models()

    # ---- connections ----

    def connect(self, dsn):
        conn = psycopg2.connect(dsn)
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("SET statement_timeout = %d" % TIMEOUT_MS)
        cur.execute("SET maas.progress_interval = 0")
        cur.execute("SET client_min_messages = error")
        return conn

    def query_one(self, conn, sql):
        cur = conn.cursor()
        cur.execute(sql)
        row = cur.fetchone()
        return row[0] if row else None

    def query_all(self, conn, sql):
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchall()

    def prepare_database(self):
        cur = self.admin.cursor()
        cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'fz_user'")
        if cur.fetchone()[0] == 0:
            cur.execute("CREATE ROLE fz_user LOGIN")
            cur.execute("CREATE ROLE fz_other")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO fz_user")
        cur.execute("SELECT count(*) FROM pg_type WHERE typname = 'fz_mood'")
        if cur.fetchone()[0] == 0:
            cur.execute("CREATE TYPE fz_mood AS ENUM ('sad', 'ok', 'happy')")
            cur.execute("CREATE DOMAIN fz_dom AS float8 CHECK (VALUE > 0)")
            cur.execute("CREATE TABLE fz_rowtypes AS SELECT age::text AS age, sex, bmi::int AS bmi, "
                        "bp::numeric AS bp, s1 > 150 AS s1, s2, NULL::float8 AS s3, s4, s5, s6, "
                        "progression FROM diabetes")
            cur.execute("CREATE TABLE fz_wide AS SELECT " + ', '.join(
                'g * %d AS c%d' % (i, i) for i in range(300)) + ", g AS y FROM generate_series(1, 50) g")
            cur.execute("CREATE TABLE fz_nulls (x float8, y float8)")
            cur.execute("INSERT INTO fz_nulls SELECT CASE WHEN g % 2 = 0 THEN g END, "
                        "CASE WHEN g % 3 = 0 THEN g END FROM generate_series(1, 30) g")
            cur.execute("GRANT SELECT ON fz_rowtypes, fz_wide, fz_nulls TO fz_user")
        self.ensure_base_models()

    def ensure_base_models(self):
        """Random calls may drop the models; train again what is missing"""
        specs = {
            'fz_lin': ("linear_regression", "diabetes", "progression", '{}'),
            'fz_ridge': ("linear_regression", "concrete", "compressive_strength", '{"l2": 10}'),
            'fz_bin': ("logistic_regression", "breast_cancer", "malignant", '{}'),
            'fz_multi': ("logistic_regression", "iris", "species", '{"penalty": "l1", "C": 0.5}'),
            'fz_churn': ("logistic_regression", "wa_churn", "churn", '{"max_iter": 50}'),
            'fz_penguins': ("logistic_regression", "penguins", "species", '{"max_categories": 2, "max_iter": 50}'),
            'fz_credit': ("linear_regression", "credit_data", "amount", '{"missing": "skip"}'),
        }
        specs.update(TREE_SPECS)
        cur = self.admin.cursor()
        cur.execute("SET statement_timeout = 0")
        for name, (alg, src, target, params) in specs.items():
            cur.execute("SELECT count(*) FROM maas.deployed WHERE name = %s", (name,))
            if cur.fetchone()[0] == 0:
                cur.execute("SELECT maas_drop(%s) FROM maas.models WHERE name = %s LIMIT 1", (name, name))
                try:
                    cur.execute("SELECT maas_train(%s, %s, %s, %s, %s)", (name, alg, src, target, params))
                except psycopg2.Error as e:
                    if name not in TREE_SPECS or 'unknown algorithm' not in str(e):
                        raise
            if name in TREE_SPECS and name not in BASE_MODELS:
                cur.execute("SELECT count(*) FROM maas.deployed WHERE name = %s", (name,))
                if cur.fetchone()[0] > 0:
                    BASE_MODELS.append(name)
        cur.execute("SELECT maas_grant('fz_lin', 'fz_user', 'predict')")
        cur.execute("SELECT maas_grant('fz_multi', 'public', 'deploy')")
        cur.execute("SET statement_timeout = %d" % TIMEOUT_MS)

    def load_models(self):
        """Feature counts and deployed bytes of the base models, and every stored model's bytes"""
        self.features = {}
        self.deployed_bytes = {}
        for name, n, model in self.query_all(self.admin, """
                SELECT d.name, (maas_info(m.model)->>'n_features')::int, m.model
                FROM maas.deployed d JOIN maas.models m USING (name, version)"""):
            self.features[name] = n
            self.deployed_bytes[name] = bytes(model)
        # a sample of the stored models, small enough to mutate quickly
        self.all_bytes = [bytes(r[0]) for r in self.query_all(
            self.admin, "SELECT model FROM maas.models WHERE length(model) < 100000 ORDER BY random() LIMIT 40")]
        self.fit_states = [bytes(r[0]) for r in self.query_all(
            self.admin, "SELECT s FROM fz_states WHERE s IS NOT NULL")]
        self.fit_states += [bytes(r[0]) for r in self.query_all(self.admin, """
            SELECT maas_fit_partial('logistic_regression', ARRAY[sepal_length, petal_length],
                                    (species = 'setosa')::int::float8) FROM iris
            UNION ALL
            SELECT maas_fit_partial('linear_regression', ARRAY[age, bmi], progression, '{"l2": 2}')
            FROM diabetes""")]

    # ---- random values ----

    def choice(self, seq):
        return self.rng.choice(seq)

    def name(self):
        r = self.rng.random()
        if r < 0.75:
            return self.choice(BASE_MODELS)
        return self.choice(['fz_none', '', 'x' * 63, 'x' * 64, 'x' * 1000, 'модель', 'a\x01b',
                            "x'; DROP TABLE fz_names; --", '%s%n', 'FZ_LIN', ' fz_lin', 'fz_lin ',
                            'fzr_%d' % self.rng.randrange(20), None])

    def double(self):
        r = self.rng.random()
        if r < 0.8:
            return self.rng.gauss(0, 100)
        return self.choice(INTERESTING_DOUBLES)

    def vector(self, name=None):
        n = self.features.get(name) or self.rng.choice([1, 4, 10, 30])
        r = self.rng.random()
        if r < 0.55:
            return [self.rng.gauss(0, 50) for _ in range(n)]
        if r < 0.65:
            return [self.double() for _ in range(n)]
        if r < 0.72:
            v = [self.rng.gauss(0, 50) for _ in range(n)]
            v[self.rng.randrange(n)] = None
            return v
        if r < 0.8:
            return [1.0] * self.choice([0, 1, max(n - 1, 0), n + 1, 2 * n, 1000])
        return self.choice([
            Literal("'{{1,2},{3,4}}'::float8[]"), Literal("'[3:%d]={%s}'::float8[]" % (n + 2, ','.join(['1'] * n))),
            Literal("array_fill(1.0::float8, ARRAY[100000])"), Literal("ARRAY[]::float8[]"),
            Literal("array_fill(NULL::float8, ARRAY[%d])" % n), Literal("'{}'::float8[]"), None,
            Literal("(SELECT v FROM fz_vectors ORDER BY random() LIMIT 1)"),
            Literal("'{{{1}}}'::float8[]"), Literal("ARRAY[1, 2]::float8[]")])

    def mutate(self, data, fix=True):
        b = bytearray(data)
        kind = self.rng.randrange(10)
        if not b:
            return bytes([self.rng.randrange(256)])
        if kind == 0:       # flip a bit
            i = self.rng.randrange(len(b))
            b[i] ^= 1 << self.rng.randrange(8)
        elif kind == 1:     # truncate
            b = b[:self.rng.randrange(len(b))]
        elif kind == 2:     # append junk
            b += bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 64)))
        elif kind == 3:     # an interesting 32-bit value somewhere (aligned)
            if len(b) >= 4:
                i = self.rng.randrange(0, len(b) - 3) & ~3
                b[i:i + 4] = struct.pack('<i', self.choice(INTERESTING_INTS))
        elif kind == 4:     # an interesting double somewhere
            if len(b) >= 8:
                i = self.rng.randrange(0, len(b) - 7)
                b[i:i + 8] = struct.pack('<d', self.choice(INTERESTING_DOUBLES))
        elif kind == 5:     # a header field of a model
            if len(b) >= 32:
                off = self.choice([4, 6, 8, 10, 12, 16, 20, 28])
                size = 2 if off in (4, 6, 8, 10) else 4
                b[off:off + size] = struct.pack('<H' if size == 2 else '<I',
                                                self.rng.choice([0, 1, 2, 3, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 100000])
                                                & (0xFFFF if size == 2 else 0xFFFFFFFF))
        elif kind == 6:     # a random byte
            b[self.rng.randrange(len(b))] = self.rng.randrange(256)
        elif kind == 7:     # splice two models
            other = self.choice(self.all_bytes) if self.all_bytes else b
            cut = self.rng.randrange(len(b))
            b = b[:cut] + bytearray(other[cut:])
        elif kind == 8:     # duplicate a range
            i = self.rng.randrange(len(b))
            j = min(len(b), i + self.rng.randrange(1, 64))
            b = b[:j] + b[i:j] + b[j:]
        else:               # zero a range
            i = self.rng.randrange(len(b))
            j = min(len(b), i + self.rng.randrange(1, 16))
            b[i:j] = bytes(j - i)
        if fix and self.rng.random() < 0.8:
            b = bytearray(fix_crc(bytes(b)))
            if len(b) >= 32 and self.rng.random() < 0.7:    # keep the payload length true
                b[20:24] = struct.pack('<I', len(b) - 32)
                b = bytearray(fix_crc(bytes(b)))
        return bytes(b)

    def model_bytes(self):
        r = self.rng.random()
        base = self.choice(self.all_bytes) if self.all_bytes else b''
        if r < 0.2:
            return base
        if r < 0.85:
            b = base
            for _ in range(self.rng.randrange(1, 4)):
                b = self.mutate(b)
            return b
        return self.choice([b'', b'\x00', b'MAAS', bytes(self.rng.randrange(256) for _ in range(64)),
                            None, Literal("(SELECT m FROM fz_models ORDER BY random() LIMIT 1)"),
                            Literal("(SELECT s FROM fz_states ORDER BY random() LIMIT 1)")])

    def state_bytes(self):
        r = self.rng.random()
        base = self.choice(self.fit_states) if self.fit_states else b''
        if r < 0.3:
            return base
        if r < 0.9:
            b = base
            for _ in range(self.rng.randrange(1, 3)):
                b = self.mutate(b, fix=False)
            return b
        return self.choice([b'', b'MAFS', self.model_bytes(), None])

    def json_value(self, depth=0):
        r = self.rng.random()
        if r < 0.25:
            return self.rng.choice([0, 1, -1, 0.5, 1e300, -1e300, 100000, 2 ** 40, 1e-300])
        if r < 0.45:
            return self.choice(['l2', 'l1', 'none', 'auto', 'always', 'never', 'impute', 'skip', 'error',
                                'native', 'regression', 'classification', '', 'x' * 1000, 'age', 'bmi'])
        if r < 0.55:
            return self.choice([True, False, None])
        if r < 0.7 and depth < 2:
            return [self.json_value(depth + 1) for _ in range(self.rng.randrange(4))]
        if r < 0.75 and depth < 2:
            return {self.choice(PARAM_KEYS): self.json_value(depth + 1)}
        return self.choice(['age', 'bmi', 'species', 'progression', 'nonexistent'])

    def params(self):
        r = self.rng.random()
        if r < 0.3:
            return '{}'
        if r < 0.9:
            d = {self.choice(PARAM_KEYS): self.json_value() for _ in range(self.rng.randrange(1, 4))}
            return json.dumps(d)
        return self.choice(['[]', 'null', '"x"', '1', '{"l2": 1, "l2": 2}', None, '{"test_size": 0}',
                            '{"deploy": "never"}', '{"seed": -1}', '{"max_iter": 0}'])

    def row(self, name=None):
        r = self.rng.random()
        table = {'fz_lin': 'diabetes', 'fz_ridge': 'concrete', 'fz_bin': 'breast_cancer',
                 'fz_multi': 'iris', 'fz_churn': 'wa_churn', 'fz_penguins': 'penguins',
                 'fz_credit': 'credit_data', 'fz_tree': 'iris', 'fz_forest': 'diabetes',
                 'fz_boost': 'breast_cancer', 'fz_native': 'penguins'}.get(name, 'iris')
        if r < 0.6:
            return table, 't'
        if r < 0.85:
            return self.choice(TABLES), 't'
        return None, self.choice(['ROW(1, 2)', 'ROW(NULL::float8)', "ROW('a'::text, 1.5)",
                                  'NULL::record', "(SELECT r FROM (SELECT 1 AS age, 'x' AS sex) r)"])

    # ---- running ----

    def run(self, function, sql, conn=None, oracle=None):
        """One statement; classify its outcome"""
        conn = conn or (self.admin if self.rng.random() < 0.8 else self.user)
        self.calls[function] += 1
        t0 = time.time()
        try:
            cur = conn.cursor()
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else None
            state = 'ok'
            if oracle is not None and rows is not None:
                oracle(rows, sql)
        except psycopg2.Error as e:
            state = e.pgcode or 'connection lost'
            if e.pgcode is None:
                self.violation(function, 'connection lost: %s' % (str(e).strip()[:200]), sql)
                self.reconnect()
            elif e.pgcode.startswith('XX') and e.pgcode != 'XX001':
                self.violation(function, '%s %s' % (e.pgcode, e.pgerror.strip()[:300]), sql)
            if e.pgcode == '57014' and time.time() - t0 > TIMEOUT_MS / 1000 + 2:
                self.violation(function, 'cancel took %.1f s' % (time.time() - t0), sql)
            if conn.closed == 0 and \
                    conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                conn.cursor().execute('ROLLBACK')
        self.states[state] += 1
        self.by_function[function][state] += 1
        return state

    def violation(self, function, what, sql):
        self.violations.append((function, what, sql[:2000]))

    def reconnect(self):
        time.sleep(1)
        for _ in range(30):
            try:
                self.admin = self.connect(self.args.dsn)
                self.user = self.connect(self.args.dsn + ' user=fz_user')
                return
            except psycopg2.Error:
                time.sleep(1)
        raise SystemExit('server did not come back')

    def expect_same(self, rows, sql):
        """Oracle: the named and the inline form agree"""
        a, b = rows[0]
        self.oracle_checks += 1
        if a != b and not (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)):
            self.violation('oracle', 'named %r != inline %r' % (a, b), sql)

    # ---- the calls ----

    def call_predict(self):
        fn = self.choice(['maas_predict', 'maas_predict_proba', 'maas_predict_class', 'maas_explain'])
        name = self.name()
        form = self.rng.randrange(4)
        if form == 0:
            self.run('%s(name, float8[])' % fn, 'SELECT %s(%s, %s)' % (fn, lit(name, 'text'), lit(self.vector(name))))
        elif form == 1:
            table, alias = self.row(name)
            if table:
                self.run('%s(name, record)' % fn, 'SELECT %s(%s, t) FROM %s t LIMIT %d'
                         % (fn, lit(name, 'text'), table, self.rng.choice([1, 5, 1000])))
            else:
                self.run('%s(name, record)' % fn, 'SELECT %s(%s, %s)' % (fn, lit(name, 'text'), alias))
        elif form == 2:
            self.run('%s(bytea, float8[])' % fn, 'SELECT %s(%s, %s)' % (fn, lit(self.model_bytes()), lit(self.vector())))
        elif fn != 'maas_explain':
            cols = self.rng.sample(['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6', 'x', 'age'],
                                   self.rng.randrange(0, 8))
            names = self.choice(["ARRAY[%s]::text[]" % ', '.join(lit(c) for c in cols) if cols else "'{}'::text[]",
                                 'NULL::text[]', 'ARRAY[NULL]::text[]'])
            values = [self.choice(['1.5::float8', '2::int', "'x'::text", 'NULL::float8', 'true',
                                   "'NaN'::float8", 'ARRAY[1,2]::float8[]', "'3'::numeric", 'now()'])
                      for _ in range(max(len(cols) + self.choice([0, 0, 0, 1, -1]), 1))]
            colfn = fn + '_columns'
            self.run(colfn, 'SELECT %s(%s, %s, %s)' % (colfn, lit(name, 'text'), names, ', '.join(values)))

    def call_oracle(self):
        """Valid inputs: named (array and row forms) and inline forms must agree"""
        names = [n for n in ORACLE_MODELS if n in self.deployed_bytes]
        if not names:
            return
        name = self.choice(names)
        v = [self.rng.gauss(0, 50) for _ in range(self.features[name])]
        fn = self.choice(['maas_predict', 'maas_predict_class'] if name in ('fz_bin', 'fz_multi') else ['maas_predict'])
        self.run('oracle ' + fn, 'SELECT %s(%s, %s), %s((SELECT m.model FROM maas.models m JOIN maas.deployed d '
                 'USING (name, version) WHERE name = %s), %s)'
                 % (fn, lit(name, 'text'), lit(v), fn, lit(name), lit(v)), conn=self.admin, oracle=self.expect_same)
        if name == 'fz_lin':
            self.run('oracle row form', 'SELECT maas_predict(\'fz_lin\', d), maas_predict(\'fz_lin\', '
                     'ARRAY[age, sex, bmi, bp, s1, s2, s3, s4, s5, s6]) FROM diabetes d OFFSET %d LIMIT 1'
                     % self.rng.randrange(442), conn=self.admin, oracle=self.expect_same)

    def call_info(self):
        if self.rng.random() < 0.5:
            self.run('maas_info(bytea)', 'SELECT maas_info(%s)' % lit(self.model_bytes()))
        elif self.rng.random() < 0.5:
            self.run('maas_info(name)', 'SELECT maas_info(%s)' % lit(self.name(), 'text'))
        else:
            self.run('maas_feature_importance', 'SELECT * FROM maas_feature_importance(%s)' % lit(self.name(), 'text'))

    def call_train(self):
        # new versions of any name but those the oracle checks (a new version
        # may have other features or another task)
        name = self.name() if self.rng.random() < 0.3 else 'fzr_%d' % self.rng.randrange(50)
        if name in ORACLE_MODELS:
            name = self.choice(['fz_churn', 'fz_penguins', 'fz_credit'])
        if self.rng.random() < 0.5:
            # a valid call with one part made random now and then
            alg, source, target, params = self.choice(VALID_TRAIN)
            r = self.rng.random()
            if r < 0.15:
                params = self.params()
            elif r < 0.25:
                source = self.choice(SOURCES)
            elif r < 0.3:
                target = self.choice(TARGETS)
            elif r < 0.35:
                alg = self.choice(ALGORITHMS)
        else:
            alg = self.choice(ALGORITHMS) if self.rng.random() < 0.9 else None
            source = self.choice(SOURCES) if self.rng.random() < 0.95 else None
            target = self.choice(TARGETS) if self.rng.random() < 0.95 else None
            params = self.params()
        threads = 'SET maas.threads = %d; ' % self.choice([1, 2, 3, 8]) if self.rng.random() < 0.3 else ''
        self.run('maas_train', threads + 'SELECT * FROM maas_train(%s, %s, %s, %s, %s)' % (
            lit(name, 'text'), lit(alg, 'text'), lit(source, 'text'), lit(target, 'text'), lit(params, 'jsonb')))

    def call_evaluate(self):
        self.run('maas_evaluate', 'SELECT maas_evaluate(%s, %s)' % (lit(self.name(), 'text'),
                                                                   lit(self.choice(SOURCES), 'text')))

    def call_registry(self):
        r = self.rng.randrange(6)
        name = self.name() if self.rng.random() < 0.7 else 'fzr_%d' % self.rng.randrange(50)
        version = self.choice([1, 2, 3, 0, -1, 2 ** 31 - 1, None, self.rng.randrange(1, 20)])
        if r == 0:
            self.run('maas_deploy', 'SELECT maas_deploy(%s, %s)' % (lit(name, 'text'), lit(version, 'int')))
        elif r == 1:
            self.run('maas_rollback', 'SELECT maas_rollback(%s)' % lit(name, 'text'))
        elif r == 2:
            self.run('maas_grant', 'SELECT maas_grant(%s, %s, %s)' % (lit(name, 'text'), lit(self.choice(ROLES), 'name'),
                                                                     lit(self.choice(PRIVILEGES), 'text')))
        elif r == 3:
            self.run('maas_revoke', 'SELECT maas_revoke(%s, %s, %s)' % (lit(name, 'text'), lit(self.choice(ROLES), 'name'),
                                                                       lit(self.choice(PRIVILEGES), 'text')))
        elif r == 4 and (name or '').startswith('fzr_') or self.rng.random() < 0.05:
            self.run('maas_drop', 'SELECT maas_drop(%s, %s)' % (lit(name, 'text'), lit(version, 'int')))
        else:
            self.run('maas_owns', 'SELECT maas_owns(%s)' % lit(self.choice(ROLES), 'name'))

    def call_usage(self):
        if self.rng.random() < 0.9:
            self.run('maas_usage', 'SELECT count(*) FROM maas.usage')
        else:
            self.run('maas_usage_reset', 'SELECT maas_usage_reset()')

    def call_aggregate(self):
        r = self.rng.randrange(8)
        alg = self.choice(ALGORITHMS[:3]) if self.rng.random() < 0.9 else self.choice(ALGORITHMS)
        p = self.rng.choice([1, 2, 3, 10])
        n = self.rng.choice([0, 1, 2, 5, 100, 3000])
        feats = 'ARRAY[%s]::float8[]' % ', '.join(
            self.choice(['g', 'g * g', 'sin(g)', 'NULL', "'NaN'", '1e200 * g', '(g %% 7)', 'random()'])
            .replace('%%', '%') for _ in range(p))
        target = self.choice(['(g %% 2)', 'g', '(g %% 3)', 'NULL', "'Infinity'::float8", 'random()', '1']).replace('%%', '%')
        params = '' if self.rng.random() < 0.4 else ', %s' % lit(self.params(), 'jsonb')
        src = 'generate_series(1, %d) g' % n
        if r == 0:
            self.run('maas_fit', 'SELECT maas_info(maas_fit(%s, %s, %s%s)) FROM %s'
                     % (lit(alg), feats, target, params, src))
        elif r == 1:
            self.run('maas_fit GROUP BY', 'SELECT g %% 3, length(maas_fit(%s, %s, %s%s)) FROM %s GROUP BY 1'
                     % (lit(alg), feats, target, params, src))
        elif r == 2:
            self.run('maas_fit window', 'SELECT length(maas_fit(%s, %s, %s%s) OVER (ORDER BY g ROWS BETWEEN 3 PRECEDING '
                     'AND CURRENT ROW)) FROM %s' % (lit(alg), feats, target, params, src))
        elif r == 3:
            self.run('maas_fit_merge', 'SELECT maas_info(maas_fit_merge(s)) FROM (SELECT maas_fit_partial(%s, %s, %s%s) AS s '
                     'FROM %s GROUP BY g %% 4) x' % (lit(alg), feats, target, params, src))
        elif r == 4:
            states = ', '.join('(%s)' % lit(self.state_bytes()) for _ in range(self.rng.randrange(1, 4)))
            self.run('maas_fit_merge(forged)', 'SELECT maas_info(maas_fit_merge(s)) FROM (VALUES %s) v(s)' % states)
        elif r == 5:
            self.run('maas_fit_partial_final', 'SELECT length(maas_fit_partial_final(%s))' % lit(self.state_bytes()))
        elif r == 6:
            fn = self.choice(['maas_fit_final(%s)', 'maas_fit_combine(%s, %s)',
                              "maas_fit_transfn(%s, 'linear_regression', ARRAY[1]::float8[], 1)"])
            args = tuple(lit(self.state_bytes()) for _ in range(fn.count('%s')))
            self.run('direct ' + fn.split('(')[0], 'SELECT ' + fn % args)
        else:
            # a custom aggregate whose initial state is forged bytes
            init = self.state_bytes()
            init = init if isinstance(init, bytes) else b''
            sfunc = self.choice(['maas_fit_combine', 'maas_fit_transfn'])
            args = 'bytea' if sfunc == 'maas_fit_combine' else 'text, float8[], float8'
            call = 's' if sfunc == 'maas_fit_combine' else "%s, ARRAY[g, g]::float8[], g::float8" % lit(alg)
            fin = self.choice(['maas_fit_final', 'maas_fit_partial_final'])
            src2 = '(SELECT g, %s AS s FROM %s) x' % (lit(self.state_bytes()), src)
            self.run('custom aggregate', "BEGIN; CREATE AGGREGATE fz_forged(%s) (SFUNC = %s, STYPE = bytea, "
                     "FINALFUNC = %s, INITCOND = '\\x%s'); SELECT length(fz_forged(%s)) FROM %s; ROLLBACK"
                     % (args, sfunc, fin, init.hex(), call, src2), conn=self.admin)

    def call_context(self):
        """Named predictions in contexts that keep or share fn_extra"""
        r = self.rng.randrange(6)
        name = self.name()
        if r == 0:      # parallel scan
            self.run('parallel predict', "BEGIN; SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0; "
                     "SET LOCAL min_parallel_table_scan_size = 0; SELECT count(maas_predict(%s, t)) FROM %s t; COMMIT"
                     % (lit(name, 'text'), self.row(name)[0] or 'iris'))
        elif r == 1:    # a prepared statement, generic plan after 5 runs, different names
            conn = self.admin
            self.run('prepare', 'DEALLOCATE ALL; PREPARE fz_p(text, float8[]) AS SELECT maas_predict($1, $2)', conn=conn)
            for _ in range(self.rng.randrange(1, 9)):
                n = self.name()
                self.run('execute prepared', 'EXECUTE fz_p(%s, %s)' % (lit(n, 'text'), lit(self.vector(n))), conn=conn)
        elif r == 2:    # a cursor fetched across a deploy
            self.run('cursor', "BEGIN; DECLARE fz_c CURSOR FOR SELECT maas_predict(%s, t) FROM %s t; FETCH 3 FROM fz_c; "
                     "SELECT maas_deploy('fz_lin', 1); FETCH 3 FROM fz_c; SELECT maas_rollback('fz_lin'); "
                     "FETCH ALL FROM fz_c; ROLLBACK" % (lit(name, 'text'), self.row(name)[0] or 'iris'), conn=self.admin)
        elif r == 3:    # PL/pgSQL loop changing names
            names = ', '.join(lit(self.name(), 'text') for _ in range(4))
            self.run('plpgsql loop', "DO $$DECLARE n text; BEGIN FOREACH n IN ARRAY ARRAY[%s] LOOP "
                     "BEGIN PERFORM maas_predict(n, t) FROM diabetes t LIMIT 3; "
                     "EXCEPTION WHEN OTHERS THEN IF SQLSTATE LIKE 'XX%%' AND SQLSTATE <> 'XX001' THEN RAISE; END IF; END; "
                     "END LOOP; END$$" % names)
        elif r == 4:    # a query switching names row by row
            self.run('names per row', "SELECT maas_predict(n.name, ARRAY[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]) "
                     "FROM fz_names n ORDER BY random()")
        else:           # the same function in a subtransaction that fails and one that does not
            self.run('subtransactions', "BEGIN; SAVEPOINT a; SELECT maas_predict(%s, %s); ROLLBACK TO a; "
                     "SELECT maas_predict('fz_lin', ARRAY[1,2,3,4,5,6,7,8,9,10]::float8[]); COMMIT"
                     % (lit(name, 'text'), lit(self.vector(name))), conn=self.admin)

    def step(self):
        r = self.rng.random()
        if r < 0.30:
            self.call_predict()
        elif r < 0.38:
            self.call_oracle()
        elif r < 0.46:
            self.call_info()
        elif r < 0.56:
            self.call_train()
        elif r < 0.61:
            self.call_evaluate()
        elif r < 0.71:
            self.call_registry()
        elif r < 0.73:
            self.call_usage()
        elif r < 0.90:
            self.call_aggregate()
        else:
            self.call_context()

    def main(self):
        deadline = time.time() + self.args.seconds
        i = 0
        while time.time() < deadline and (self.args.calls == 0 or sum(self.calls.values()) < self.args.calls):
            self.step()
            i += 1
            if i % 200 == 0:
                try:
                    # keep the catalog small: random names with many versions go
                    self.query_all(self.admin, "SELECT maas_drop(name) FROM maas.models "
                                   "WHERE name LIKE 'fzr%' GROUP BY name HAVING count(*) > 3")
                    self.ensure_base_models()
                    self.load_models()
                except psycopg2.Error as e:
                    self.violation('setup', str(e).strip()[:300], 'ensure_base_models')
                    self.reconnect()
        end_time = self.query_one(self.admin, 'SELECT pg_postmaster_start_time()::text')
        if end_time != self.start_time:
            self.violation('server', 'postmaster restarted: %s -> %s' % (self.start_time, end_time), '')
        total = sum(self.calls.values())
        print('calls: %d in %.0f s; oracle checks: %d; violations: %d'
              % (total, self.args.seconds, self.oracle_checks, len(self.violations)))
        print('outcomes: ' + ', '.join('%s %d' % kv for kv in self.states.most_common()))
        for fn in sorted(self.by_function):
            c = self.by_function[fn]
            print('  %-32s %6d  %s' % (fn, sum(c.values()), ', '.join('%s %d' % kv for kv in c.most_common(6))))
        for fn, what, sql in self.violations[:50]:
            print('VIOLATION %s: %s\n  %s' % (fn, what, sql))
        return 1 if self.violations else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dsn', required=True)
    ap.add_argument('--seconds', type=float, default=20)
    ap.add_argument('--calls', type=int, default=0, help='stop after this many calls (0: no limit)')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    sys.exit(Fuzzer(args).main())


if __name__ == '__main__':
    main()
