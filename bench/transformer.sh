#!/usr/bin/env bash
# transformer against PyTorch: a training epoch, prediction, and PL/Python
# calling PyTorch per row inside the server against maas_predict for
# transformer, lstm and gru (bench/transformer.py), on a throwaway cluster
# with maas preloaded:
#   test/build.sh && nice -n 10 bench/transformer.sh
# or, with maas installed in a private copy (test/private-pg.sh):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; nice -n 10 bench/transformer.sh
# Needs python3-torch and postgresql-plpython3-15 (test/deps.sh).
# BENCH_DOCS (20000), BENCH_THREADS (2); BENCH_REFERENCE=1 writes
# bench/transformer_reference.md.
set -euo pipefail
# torch's OpenMP threads spin while they wait: on a machine with other work
# they then take turns with it at a fraction of their speed (a 200-document
# epoch measured 47 s at load 12); passive waiting measures the work
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/.."
eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS maas" -c "CREATE EXTENSION IF NOT EXISTS plpython3u"
/usr/bin/python3 bench/transformer.py "$@"
