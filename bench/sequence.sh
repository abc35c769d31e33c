#!/usr/bin/env bash
# lstm, gru and cnn against PyTorch: a training epoch and prediction
# (bench/sequence.py) on a throwaway cluster with maas preloaded:
#   test/build.sh && bench/sequence.sh
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; bench/sequence.sh
# BENCH_DOCS (20000), BENCH_THREADS (2), BENCH_MODELS (lstm,gru,cnn);
# BENCH_REFERENCE=1 writes bench/sequence_reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS maas"
/usr/bin/python3 bench/sequence.py "$@"
