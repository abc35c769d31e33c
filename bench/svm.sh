#!/usr/bin/env bash
# SVM benchmark (bench/svm.py) on a throwaway cluster:
#   test/build.sh && bench/svm.sh [--rows N] [--runs R]
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/svm.sh    # uses its PG_BIN
# Writes bench/svm_reference.md (BENCH_OUT to write elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
/usr/bin/python3 bench/svm.py --out "${BENCH_OUT:-bench/svm_reference.md}" "$@"
