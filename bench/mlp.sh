#!/usr/bin/env bash
# mlp benchmark (issue 9): maas's mlp against PyTorch, end to end.
#
#   bench/mlp.sh                          # 1M rows, 3 runs per figure (~5 min)
#   BENCH_RUNS=5 BENCH_REFERENCE=1 bench/mlp.sh   # how bench/mlp_reference.md was made (~7 min)
#   BENCH_ROWS=100000 bench/mlp.sh        # a quick run (~2 min)
#   BENCH_REFERENCE=1 bench/mlp.sh        # also rewrite bench/mlp_reference.md
#
# Installs what is missing (test/deps.sh; it does not list python3-torch yet,
# so the script stops with a message when PyTorch is missing), builds
# maas into a private copy of PostgreSQL (test/private-pg.sh; MLP_PG, default
# /tmp/maas-pg-mlp-bench) so the system's installation is left alone, starts a
# throwaway cluster on it (test/cluster.sh), generates bench_table
# (bench/mlp_setup.sql), loads the PL/Python peer (bench/mlp_plpython.sql),
# runs bench/mlp.py and stops the cluster.  The report goes to stdout and
# bench/out/mlp.log, the markdown to bench/out/mlp.md, every run to
# bench/out/mlp.json.  BENCH_PERF=1 also records a perf profile of one
# maas_train into bench/out/mlp_perf.data (`perf report -i ...`).
#
# Run it on a quiet machine: check `uptime` first.  The server gets this
# shell's environment (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE included, if
# set); section 4 restarts it without them.
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_ROWS=${BENCH_ROWS:-1000000}
export BENCH_RUNS=${BENCH_RUNS:-3}
pg_dir=${MLP_PG:-/tmp/maas-pg-mlp-bench}

test/deps.sh
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	echo "PyTorch is missing: apt-get install python3-torch (not yet in test/deps.sh)" >&2
	exit 1
fi
eval "$(test/private-pg.sh "$pg_dir")"
export PG_BIN PG_CONFIG
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
mkdir -p bench/out

eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
export MAAS_CLUSTER

sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
echo "generating $BENCH_ROWS rows (bench/mlp_setup.sql) ..."
sql -c "SET client_min_messages = warning" -c "CREATE EXTENSION maas"
sql -v rows="$BENCH_ROWS" -f bench/mlp_setup.sql >/dev/null
sql -f bench/mlp_plpython.sql

echo "uptime: $(uptime)"
/usr/bin/python3 bench/mlp.py 2>&1 | tee bench/out/mlp.log
exit "${PIPESTATUS[0]}"
