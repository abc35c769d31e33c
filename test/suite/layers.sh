#!/usr/bin/env bash
# The layering rule of src/ (src/README.md): includes, symbols across
# layers, and call cycles between files.  Needs the built objects (make).
set -uo pipefail
cd "$(dirname "$0")/../.."
/usr/bin/python3 test/layers/check.py .
