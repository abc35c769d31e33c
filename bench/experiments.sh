#!/usr/bin/env bash
# The cost of canary and shadow deployments per predicted row
# (bench/experiments.py) on a throwaway cluster with maas preloaded:
#   test/build.sh && bench/experiments.sh
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/experiments.sh
# BENCH_ROWS (1000000), BENCH_RUNS (5); BENCH_REFERENCE=1 writes
# bench/experiments_reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS maas"
/usr/bin/python3 bench/experiments.py "$@"
