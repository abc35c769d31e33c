#!/usr/bin/python3
"""Write scikit-learn's bundled datasets (Debian's python3-sklearn) as CSV
files with a header row, the form the tests and the demo load with \\copy.
Run from the repository root: /usr/bin/python3 data/convert_sklearn.py"""
import csv
from sklearn import datasets


def write(name, frame):
    frame.to_csv(f"data/{name}.csv", index=False, quoting=csv.QUOTE_MINIMAL)


iris = datasets.load_iris(as_frame=True)
df = iris.data.copy()
df.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
df["species"] = [iris.target_names[t] for t in iris.target]
write("iris", df)

wine = datasets.load_wine(as_frame=True)
df = wine.data.copy()
df.columns = [c.replace("/", "_").replace(" ", "_") for c in df.columns]
df["cultivar"] = wine.target
write("wine", df)

bc = datasets.load_breast_cancer(as_frame=True)
df = bc.data.copy()
df.columns = [c.replace(" ", "_") for c in df.columns]
df["malignant"] = (bc.target == 0)
write("breast_cancer", df)

diabetes = datasets.load_diabetes(as_frame=True, scaled=False)
df = diabetes.data.copy()
df["progression"] = diabetes.target
write("diabetes", df)

digits = datasets.load_digits(as_frame=True)
df = digits.data.astype(int)
df["digit"] = digits.target
write("digits", df)
