#!/usr/bin/env bash
# k-means benchmark (bench/kmeans.py) on a throwaway cluster:
#   test/build.sh && bench/kmeans.sh [--repeat N]
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/kmeans.sh    # uses its PG_BIN
# Writes bench/kmeans_reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS maas"
/usr/bin/python3 bench/kmeans.py "$@"
