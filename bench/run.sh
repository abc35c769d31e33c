#!/usr/bin/env bash
# make bench: build and install maas, start a throwaway cluster, generate the
# benchmark tables (bench/setup.sql), make sure they fit in shared_buffers,
# run every benchmark (bench/bench.py), and stop the cluster.
#
#   bench/run.sh                      # 1M rows, 5 runs per figure
#   BENCH_ROWS=100000 BENCH_RUNS=2 bench/run.sh      # a quick smoke run
#   BENCH_ONLY=predict,fit bench/run.sh              # some benchmarks only
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/run.sh
#                                     # build into, and run, a private copy
#
# The report goes to stdout and bench/out/run.log; the summary table to
# bench/out/summary.md, every run's time to bench/out/results.json.  A full
# run (1M rows, every benchmark, >= 5 runs, every check passed) also
# rewrites its section of bench/reference.md (BENCH_REFERENCE=0 never, =1
# always).  See bench/README.md for what each figure measures.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

# PG_CONFIG set (test/private-pg.sh): build into that installation, not the system's
if [ -n "${PG_CONFIG:-}" ]; then
	PG_BIN=${PG_BIN:-$(dirname "$PG_CONFIG")}
fi
export PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
export BENCH_ROWS=${BENCH_ROWS:-1000000}

test/deps.sh
if [ "${BENCH_BUILD:-1}" = 1 ]; then
	if [ -n "${PG_CONFIG:-}" ]; then
		make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
		make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
	else
		test/build.sh
	fi
fi
mkdir -p bench/out

eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT

echo "generating $BENCH_ROWS rows (bench/setup.sql) ..."
bench_tables "$BENCH_ROWS"
sql -f bench/plpython.sql
fit_shared_buffers "$PG_BIN" "$MAAS_CLUSTER"

/usr/bin/python3 bench/bench.py 2>&1 | tee bench/out/run.log
exit "${PIPESTATUS[0]}"
