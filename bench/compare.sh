#!/usr/bin/env bash
# Before/after comparison of two maas builds, each installed in its own
# PostgreSQL installation (a private copy made by test/private-pg.sh):
#
#   bench/compare.sh BEFORE AFTER
#
# BEFORE and AFTER are the directories given to test/private-pg.sh (or the
# bin directories inside them).  To make one from a work tree:
#
#   eval "$(test/private-pg.sh /tmp/pg-after)"
#   make -s -j2 PG_CONFIG=$PG_CONFIG && make -s install PG_CONFIG=$PG_CONFIG
#
# Starts a throwaway cluster for each, loads the same deterministic tables
# into both (bench/setup.sql, bench/trees.py's data, data/wa_churn.csv),
# then bench/compare.py runs every benchmark on A and on B in turn, round
# by round, and prints per benchmark the medians of A and B and B/A.  Builds
# nothing, installs nothing.
#
#   BENCH_ROWS       rows of t and t_cls (linear benchmarks)  default 1000000
#   BENCH_TREE_ROWS  rows of the tree table                   default 500000
#                    (trees.py's published size is 1000000: about 8 minutes more)
#   BENCH_RUNS       interleaved rounds                       default 9
#   BENCH_TREE_RUNS  rounds of the tree trainings (group trees) default 5
#   BENCH_ONLY       comma list of predict,train,fit,logistic,trees,tree_predict,churn
#   BENCH_SLOWER     B/A above which a benchmark is flagged   default 1.05
#   BENCH_CONFIRM    more rounds of a flagged benchmark       default 5
#   BENCH_THREADS    maas.threads of every session             default: the server's (2)
#
# With the defaults both sides together take 9-15 minutes on a busy 2-core
# machine (load average 5-9), setting up included.
# Output: stdout, bench/out/compare.log, compare.md, compare.json.  Exit
# status 3 when a benchmark of B was slower in the rounds and again in the
# confirmation rounds; 1 on errors.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

usage() { echo "usage: $0 BEFORE_PG_DIR AFTER_PG_DIR" >&2; exit 2; }
[ $# = 2 ] || usage

# an installation directory (test/private-pg.sh's DIR) or its bin directory
pg_bin() {
	local d=${1%/}
	if [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
	if [ -x "$d/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_ctl" ]; then
		echo "$d/usr/lib/postgresql/${PG_MAJOR:-15}/bin"; return
	fi
	echo "$0: no PostgreSQL installation in $1" >&2
	exit 2
}
bin_a=$(pg_bin "$1")
bin_b=$(pg_bin "$2")
for b in "$bin_a" "$bin_b"; do
	so="$("$b/pg_config" --pkglibdir)/maas.so"
	[ -f "$so" ] || { echo "$0: $so missing: install a maas build there first" >&2; exit 2; }
	echo "$(md5sum <"$so" | cut -c1-12)  $so"
done
if [ "$(dirname "$(readlink -f "$bin_a")")" = "$(dirname "$(readlink -f "$bin_b")")" ]; then
	echo "note: A and B are the same installation: this measures the noise only"
fi

export BENCH_ROWS=${BENCH_ROWS:-1000000}
export BENCH_TREE_ROWS=${BENCH_TREE_ROWS:-500000}
export CMP_A_LABEL=${CMP_A_LABEL:-$(basename "${1%/}")}
export CMP_B_LABEL=${CMP_B_LABEL:-$(basename "${2%/}")}
[ "$CMP_A_LABEL" != "$CMP_B_LABEL" ] || { CMP_A_LABEL="A:$CMP_A_LABEL"; CMP_B_LABEL="B:$CMP_B_LABEL"; }
mkdir -p bench/out

started=()	# "bin|cluster dir" of every cluster started
cleanup() {
	local x
	for x in "${started[@]}"; do PG_BIN=${x%%|*} test/cluster.sh stop "${x#*|}"; done
}
trap cleanup EXIT

# start_side BIN: a cluster of that installation with the linear tables;
# sets PG* and MAAS_CLUSTER
start_side() {
	eval "$(PG_BIN=$1 test/cluster.sh start)"
	started+=("$1|$MAAS_CLUSTER")
	echo "cluster $MAAS_CLUSTER (port $PGPORT, $1): generating $BENCH_ROWS rows (bench/setup.sql) ..."
	bench_tables "$BENCH_ROWS"
}

start_side "$bin_a"
cluster_a=$MAAS_CLUSTER port_a=$PGPORT
start_side "$bin_b"
cluster_b=$MAAS_CLUSTER port_b=$PGPORT
export CMP_A="host=$cluster_a port=$port_a user=$PGUSER dbname=$PGDATABASE"
export CMP_B="host=$cluster_b port=$port_b user=$PGUSER dbname=$PGDATABASE"

# the tree tables, then shared_buffers large enough for every table
/usr/bin/python3 bench/compare.py load
PGHOST=$cluster_a PGPORT=$port_a fit_shared_buffers "$bin_a" "$cluster_a"
PGHOST=$cluster_b PGPORT=$port_b fit_shared_buffers "$bin_b" "$cluster_b"

/usr/bin/python3 bench/compare.py run 2>&1 | tee bench/out/compare.log
exit "${PIPESTATUS[0]}"
