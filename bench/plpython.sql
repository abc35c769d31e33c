-- bench/plpython.sql: the PL/Python + scikit-learn peer of maas, inside the
-- same server (benchmark 4).  What a user would write without maas:
--
--   py_train(name, source, features, target, kind)  reads the rows of the
--       query source through a plpy cursor into numpy, each row's features
--       as one float8[] (the fastest conversion PL/Python offers: 4.0 s for
--       1M rows here, against 6.3 s for one value per column), draws the
--       same kind of 80/20 split maas_train does, fits LinearRegression or
--       StandardScaler + LogisticRegression(lbfgs), scores the held-out
--       rows, and stores the pickled model in py_models.
--   py_predict(name, float8[])  one prediction per call; the unpickled model
--       is cached in SD, so each call is only the predict itself.
--   py_predict_dot(name, float8[])  the same linear model reduced to its
--       coefficients (cached in SD) and a dot product: the fastest per-row
--       PL/Python a user could write, without scikit-learn's per-call checks.
--
-- scikit-learn is limited to one thread (threadpoolctl), like a maas backend
-- (maas.blas_threads = 1).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS plpython3u;

DROP TABLE IF EXISTS py_models;
CREATE TABLE py_models (
	name	text PRIMARY KEY,
	model	bytea NOT NULL
);

CREATE OR REPLACE FUNCTION py_train(name text, source text, features text[],
								   target text, kind text)
RETURNS jsonb
LANGUAGE plpython3u
AS $$
import json, pickle, time
import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

t0 = time.perf_counter()
query = "SELECT ARRAY[%s]::float8[] AS x, (%s)::float8 AS y FROM (%s) s" % (
    ", ".join(plpy.quote_ident(f) for f in features), plpy.quote_ident(target), source)
cur = plpy.cursor(query)
xs, ys = [], []
while True:
    rows = cur.fetch(10000)
    if not rows:
        break
    xs.append(np.array([r["x"] for r in rows], dtype=np.float64))
    ys.append(np.array([r["y"] for r in rows], dtype=np.float64))
X = np.vstack(xs)
y = np.concatenate(ys)
del xs, ys
t_read = time.perf_counter()

# the same kind of split as maas_train: each row held out with p = 0.2
test = np.random.default_rng(42).random(len(y)) < 0.2
with threadpool_limits(limits=1):
    if kind == 'linear':
        model = LinearRegression()
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression(solver='lbfgs'))
    model.fit(X[~test], y[~test])
    score = model.score(X[test], y[test])
t_fit = time.perf_counter()

plan = plpy.prepare("INSERT INTO py_models VALUES ($1, $2) "
                    "ON CONFLICT (name) DO UPDATE SET model = excluded.model",
                    ["text", "bytea"])
plpy.execute(plan, [name, pickle.dumps(model)])
return json.dumps({"rows": len(y), "test_rows": int(test.sum()), "score": score,
                   "read_ms": (t_read - t0) * 1000, "fit_ms": (t_fit - t_read) * 1000})
$$;

CREATE OR REPLACE FUNCTION py_predict(name text, x float8[])
RETURNS float8
LANGUAGE plpython3u STRICT
AS $$
m = SD.get('model')
if m is None or SD.get('name') != name:
    import pickle
    import numpy as np
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=1)
    plan = plpy.prepare("SELECT model FROM py_models WHERE name = $1", ["text"])
    m = pickle.loads(plpy.execute(plan, [name])[0]["model"])
    SD['model'], SD['name'], SD['np'] = m, name, np
return float(m.predict(SD['np'].array(x, dtype=float).reshape(1, -1))[0])
$$;

CREATE OR REPLACE FUNCTION py_predict_dot(name text, x float8[])
RETURNS float8
LANGUAGE plpython3u STRICT
AS $$
c = SD.get('coef')
if c is None or SD.get('name') != name:
    import pickle
    import numpy as np
    plan = plpy.prepare("SELECT model FROM py_models WHERE name = $1", ["text"])
    m = pickle.loads(plpy.execute(plan, [name])[0]["model"])
    c = SD['coef'] = np.asarray(m.coef_, dtype=float)
    SD['b'], SD['name'], SD['np'] = float(m.intercept_), name, np
return float(SD['np'].dot(c, x)) + SD['b']
$$;
