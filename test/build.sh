#!/usr/bin/env bash
# Build and install the extension (warnings are errors), into the
# PostgreSQL of PG_CONFIG (test/pg-env.sh; default the system's 15).  A lock
# keeps concurrent builds from writing the same object files.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/pg-env.sh
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
exec 9>/tmp/maas-build.lock
flock 9
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
# sudo drops the environment: PG_CONFIG goes on the command line
$sudo make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
