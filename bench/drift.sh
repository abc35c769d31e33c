#!/usr/bin/env bash
# maas_drift benchmark (bench/drift.py) on a throwaway cluster:
#   test/build.sh && bench/drift.sh [--rows N] [--repeat N]
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/drift.sh    # uses its PG_BIN
# Writes bench/drift_reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS maas"
/usr/bin/python3 bench/drift.py "$@"
