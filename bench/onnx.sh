#!/usr/bin/env bash
# onnx text models: texts/s of maas (one backend) against Python's ONNX
# Runtime on the same model (bench/onnx.py), in a throwaway cluster with
# maas preloaded.  Needs the module maas_onnx and python3-torch,
# python3-onnx, python3-onnxruntime (Debian 13: the version matrix's
# trixie chroot):
#   eval "$(test/private-pg.sh /tmp/pg-mine)"; make install PG_CONFIG=$PG_CONFIG; bench/onnx.sh
# BENCH_DOCS (1000 documents of data/austen.csv), BENCH_THREADS (1);
# BENCH_REFERENCE=1 writes bench/onnx_reference.md.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS maas"
/usr/bin/python3 bench/onnx.py "$@"
