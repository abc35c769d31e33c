#!/usr/bin/env bash
# sparse benchmark (issue 10): logistic_regression over a document column
# (TF-IDF in CSR rows) against scikit-learn's TfidfVectorizer +
# LogisticRegression(lbfgs) on the same documents and tokens, 2 threads each
# (maas.threads = 2; OpenBLAS/OpenMP 2 for scikit-learn), training time and
# held-out accuracy; then a case of more than 100,000 features (word 1- to
# 3-grams, and hashing into 2^20) showing the memory of the run stays that
# of the nonzeros, not of a dense rows x features matrix; and prediction
# rows/second in one backend against the scan limit SELECT sum(length(body)).
#
#   bench/sparse.sh                      # 3 runs per figure (~3 min)
#   BENCH_REFERENCE=1 bench/sparse.sh    # also rewrite bench/sparse_reference.md
#
# Builds maas into a private PostgreSQL (test/private-pg.sh; SPARSE_PG,
# default /tmp/maas-pg-sparse-bench), starts a throwaway cluster
# (test/cluster.sh) and runs bench/sparse.py under nice.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_dir=${SPARSE_PG:-/tmp/maas-pg-sparse-bench}
eval "$(test/private-pg.sh "$pg_dir")"
export PG_BIN PG_CONFIG
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
mkdir -p bench/out

eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
export MAAS_CLUSTER PGHOST PGPORT PGUSER PGDATABASE

echo "uptime: $(uptime)"
OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 nice -n 10 /usr/bin/python3 bench/sparse.py 2>&1 | tee bench/out/sparse.log
exit "${PIPESTATUS[0]}"
