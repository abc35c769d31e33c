#!/usr/bin/env bash
# text benchmark (issue 10): text_classifier training words/second against
# the fasttext command-line tool (2 threads each: fastText's Hogwild threads,
# maas.threads = 2, although text_classifier trains in one thread so that a
# seed gives the same bytes), and prediction rows/second per backend against
# fasttext predict and the scan limit (SELECT sum(length(body)) over the
# same rows).
#
#   bench/text.sh                      # 3 runs per figure (~2 min)
#   BENCH_REFERENCE=1 bench/text.sh    # also rewrite bench/text_reference.md
#
# Builds maas into a private PostgreSQL (test/private-pg.sh; TEXT_PG, default
# /tmp/maas-pg-text-bench), starts a throwaway cluster (test/cluster.sh) and
# runs bench/text.py.  The corpus is Reuters grain (data/reuters_grain.csv,
# 2,158 real stories) repeated 20 times: 43,160 documents, 4.3M words.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_dir=${TEXT_PG:-/tmp/maas-pg-text-bench}
eval "$(test/private-pg.sh "$pg_dir")"
export PG_BIN PG_CONFIG
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
mkdir -p bench/out

eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
export MAAS_CLUSTER PGHOST PGPORT PGUSER PGDATABASE

echo "uptime: $(uptime)"
/usr/bin/python3 bench/text.py 2>&1 | tee bench/out/text.log
exit "${PIPESTATUS[0]}"
