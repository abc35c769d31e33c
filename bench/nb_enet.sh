#!/usr/bin/env bash
# naive_bayes, elastic_net and lasso against scikit-learn, fit time in one run.
#
#   bench/nb_enet.sh                        # 1M rows x 16, 3 runs per figure (~2 min)
#   BENCH_ROWS=100000 bench/nb_enet.sh      # a quick run
#   BENCH_REFERENCE=1 bench/nb_enet.sh      # also rewrite bench/nb_enet_reference.md
#
# Builds maas into a private copy of PostgreSQL (test/private-pg.sh;
# NBENET_PG, default /tmp/maas-pg-nbenet-bench) so the system's installation
# is left alone, starts a throwaway cluster on it (test/cluster.sh),
# generates the tables of bench/setup.sql (t: x1..x16, y; t_cls: x1..x16,
# label), keeps them in shared_buffers, runs bench/nb_enet.py and stops the
# cluster.  Run it on a quiet machine: check `uptime` first.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

export BENCH_ROWS=${BENCH_ROWS:-1000000}
export BENCH_RUNS=${BENCH_RUNS:-3}
pg_dir=${NBENET_PG:-/tmp/maas-pg-nbenet-bench}

eval "$(test/private-pg.sh "$pg_dir")"
export PG_BIN PG_CONFIG
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
mkdir -p bench/out

eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
export MAAS_CLUSTER

echo "generating $BENCH_ROWS rows (bench/setup.sql) ..."
bench_tables "$BENCH_ROWS"
fit_shared_buffers "$PG_BIN" "$MAAS_CLUSTER"
sql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
	-c "SELECT pg_prewarm('t'), pg_prewarm('t_cls')" >/dev/null

echo "uptime: $(uptime)"
/usr/bin/python3 bench/nb_enet.py 2>&1 | tee bench/out/nb_enet.log
exit "${PIPESTATUS[0]}"
