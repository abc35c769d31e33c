#!/usr/bin/env bash
# Tree model benchmark (bench/trees.py) on a throwaway cluster:
#   test/build.sh && bench/trees.sh [--rows N] [--skip-rf]
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/trees.sh    # uses its PG_BIN
# A full run (1M rows, with the random forest) rewrites its section of
# bench/reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
/usr/bin/python3 bench/trees.py "$@"
