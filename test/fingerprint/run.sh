#!/usr/bin/env bash
# Print the fingerprint of the installed build (test/fingerprint/fingerprint.sql)
# on a throwaway cluster:  test/fingerprint/run.sh > before.txt; ...; diff
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER" >/dev/null' EXIT
psql -X -q -c 'CREATE EXTENSION maas' >/dev/null
psql -X -q -f test/fingerprint/fingerprint.sql
