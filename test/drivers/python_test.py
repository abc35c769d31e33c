"""maas from Python with psycopg 3 (Debian python3-psycopg); prints TAP.

Connects with the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE) to
a database where maas and the datasets of data/ are installed
(test/suite/drivers.sh sets it up).
"""
import math

import psycopg
from psycopg import errors
from psycopg.types.json import Jsonb

n = 0


def check(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok") + " %d - python: %s" % (n, what), flush=True)


with psycopg.connect(autocommit=True) as conn:
    # train: a multiclass classifier of the iris species
    row = conn.execute(
        "SELECT version, task FROM maas_train(%s, %s, %s, %s, %s)",
        ["py_iris", "logistic_regression", "iris", "species", Jsonb({"C": 10})],
    ).fetchone()
    check(row == (1, "multiclass"), "maas_train returns version 1 of a multiclass model (%r)" % (row,))

    # predict with bound parameters: a float8[] from a list, a row from a dict
    setosa = [5.1, 3.5, 1.4, 0.2]
    virginica = {"sepal_length": 7.7, "sepal_width": 3.0, "petal_length": 6.1, "petal_width": 2.3}
    cls = conn.execute("SELECT maas_predict_class(%s, %s::float8[])", ["py_iris", setosa]).fetchone()[0]
    check(cls == "setosa", "maas_predict_class of a Python list: %s" % cls)
    cls = conn.execute(
        "SELECT maas_predict_class(%s, jsonb_populate_record(NULL::iris, %s))", ["py_iris", Jsonb(virginica)]
    ).fetchone()[0]
    check(cls == "virginica", "maas_predict_class of a row made from a dict: %s" % cls)

    # _proba as a native list of floats, in the order of the classes
    proba = conn.execute("SELECT maas_predict_proba(%s, %s::float8[])", ["py_iris", setosa]).fetchone()[0]
    classes = conn.execute("SELECT maas_info('py_iris')->'target'->'classes'").fetchone()[0]
    check(
        isinstance(proba, list) and all(isinstance(p, float) for p in proba) and len(proba) == 3,
        "maas_predict_proba is a list of 3 floats: %r" % (proba,),
    )
    check(abs(math.fsum(proba) - 1) < 1e-12 and classes[proba.index(max(proba))] == "setosa",
          "the probabilities sum to 1 and the most likely class is setosa")

    # download the model's bytes, predict from them inline: the same floats
    model = conn.execute("SELECT model FROM maas.models WHERE name = %s AND version = 1", ["py_iris"]).fetchone()[0]
    check(isinstance(model, bytes) and model[:4] == b"MAAS", "the model downloads as %d bytes starting MAAS" % len(model))
    inline = conn.execute("SELECT maas_predict_proba(%s::bytea, %s::float8[])", [model, setosa]).fetchone()[0]
    check(inline == proba, "maas_predict_proba of the downloaded bytes equals the named model's, bit for bit")

    # a regression value, bound and compared with the server's text output
    conn.execute("SELECT maas_train('py_diabetes', 'linear_regression', 'diabetes', 'progression')")
    x = [59.0, 2.0, 32.1, 101.0, 157.0, 93.2, 38.0, 4.0, 4.8598, 87.0]
    value, text = conn.execute(
        "SELECT maas_predict(%s, %s::float8[]), maas_predict(%s, %s::float8[])::text",
        ["py_diabetes", x, "py_diabetes", x]).fetchone()
    check(isinstance(value, float) and value == float(text), "maas_predict returns a float: %r" % value)

    # bad calls raise the driver's error classes, with their SQLSTATE
    try:
        conn.execute("SELECT maas_predict(%s, %s::float8[])", ["no_such_model", setosa])
        check(False, "an unknown model raises")
    except errors.UndefinedObject as e:
        check(e.sqlstate == "42704", "an unknown model raises UndefinedObject, SQLSTATE %s" % e.sqlstate)
    try:
        conn.execute("SELECT maas_train('py_bad', 'logistic_regression', 'iris', 'species', %s)",
                     [Jsonb({"C": "high"})])
        check(False, "a bad param raises")
    except errors.InvalidParameterValue as e:
        check(e.sqlstate == "22023", "a bad param raises InvalidParameterValue, SQLSTATE %s: %s"
              % (e.sqlstate, e.diag.message_primary))
    try:
        conn.execute("SELECT maas_predict(%s, %s::float8[])", ["py_iris", [1.0, 2.0]])
        check(False, "a wrong feature count raises")
    except psycopg.Error as e:
        check(e.sqlstate == "22000", "a wrong feature count raises SQLSTATE %s" % e.sqlstate)

print("1..%d" % n)
