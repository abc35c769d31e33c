#!/usr/bin/env bash
# als benchmark (issue 12, recommenders): one ALS iteration on 1M ratings
# with 64 factors against the numpy reference (test/reference/als_reference.py)
# in the same run, and maas_recommend's latency for one user among 100,000
# items (p50, p99).
#
#   bench/als.sh                       # 3 runs per figure (~4 min)
#   BENCH_REFERENCE=1 bench/als.sh     # also rewrite bench/als_reference.md
#
# Builds maas into a private PostgreSQL (test/private-pg.sh; ALS_PG, default
# /tmp/maas-pg-als-bench), starts a throwaway cluster (test/cluster.sh), and
# runs bench/als.py.  The 1M ratings are InstEval (data/insteval.csv, 73,421
# real ratings) repeated 14 times with the students renumbered per copy
# (41,552 users x 1,128 lecturers, 1,027,894 ratings): real rating values
# and item popularity at the size the issue asks for.  The 100,000-item
# model is trained on 400,000 synthetic ratings (every item rated by 4 of
# 20,000 users); only its size matters for the latency.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_dir=${ALS_PG:-/tmp/maas-pg-als-bench}
eval "$(test/private-pg.sh "$pg_dir")"
export PG_BIN PG_CONFIG
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
mkdir -p bench/out

eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
export MAAS_CLUSTER PGHOST PGPORT PGUSER PGDATABASE

echo "uptime: $(uptime)"
/usr/bin/python3 bench/als.py 2>&1 | tee bench/out/als.log
exit "${PIPESTATUS[0]}"
