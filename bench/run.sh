#!/usr/bin/env bash
# make bench: build and install maas, start a throwaway cluster, generate the
# benchmark tables (bench/setup.sql), make sure they fit in shared_buffers,
# run every benchmark (bench/bench.py), and stop the cluster.
#
#   bench/run.sh                      # 1M rows, 5 runs per figure
#   BENCH_ROWS=100000 BENCH_RUNS=2 bench/run.sh      # a quick smoke run
#   BENCH_ONLY=predict,fit bench/run.sh              # some benchmarks only
#
# The report goes to stdout and bench/out/run.log; the summary table to
# bench/out/summary.md, every run's time to bench/out/results.json.
# See bench/README.md for what each figure measures.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export BENCH_ROWS=${BENCH_ROWS:-1000000}

test/deps.sh
test/build.sh
mkdir -p bench/out

eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT

as_server_user() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "generating $BENCH_ROWS rows (bench/setup.sql) ..."
sql -c "SET client_min_messages = warning" \
	-c "CREATE EXTENSION maas" -c "CREATE EXTENSION pg_prewarm" -c "CREATE EXTENSION pg_buffercache"
sql -v rows="$BENCH_ROWS" -f bench/setup.sql >/dev/null
sql -f bench/plpython.sql

# Both tables (and some room for the catalog and maas.models) must stay in
# shared_buffers; raise it and restart if they do not fit.
need=$(sql -At -c "SELECT (pg_table_size('t') + pg_table_size('t_cls')) * 5 / 4 + 64 * 1024 * 1024")
have=$(sql -At -c "SELECT setting::bigint * current_setting('block_size')::bigint FROM pg_settings WHERE name = 'shared_buffers'")
echo "tables need $((need / 1048576)) MB of shared_buffers, the cluster has $((have / 1048576)) MB"
if [ "$need" -gt "$have" ]; then
	mb=$(( (need + 1048575) / 1048576 ))
	echo "raising shared_buffers to ${mb}MB and restarting"
	sql -c "ALTER SYSTEM SET shared_buffers = '${mb}MB'"
	as_server_user "$PG_BIN/pg_ctl" -D "$MAAS_CLUSTER/data" -l "$MAAS_CLUSTER/server.log" -w -t 120 restart >/dev/null
fi

/usr/bin/python3 bench/bench.py 2>&1 | tee bench/out/run.log
exit "${PIPESTATUS[0]}"
