#!/usr/bin/env bash
# Build and install the extension (warnings are errors).  A lock keeps
# concurrent builds from writing the same object files.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
exec 9>/tmp/maas-build.lock
flock 9
make -s -j2 >/dev/null
$sudo make -s install >/dev/null
