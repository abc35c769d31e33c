#!/usr/bin/env bash
# Tree model benchmark (bench/trees.py) on a throwaway cluster:
#   test/build.sh && bench/trees.sh [--rows N] [--skip-rf]
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
/usr/bin/python3 bench/trees.py "$@"
