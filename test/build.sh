#!/usr/bin/env bash
# Build and install the extension (warnings are errors), into the
# PostgreSQL of PG_CONFIG (test/pg-env.sh; default the newest installed).  A lock
# keeps concurrent builds from writing the same object files.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/pg-env.sh
# (opened for reading: the lock file may be another user's; flock needs no more)
lock=/tmp/maas-build.lock
[ -e "$lock" ] || (umask 0 && : >>"$lock") 2>/dev/null || true
exec 9<"$lock"
flock 9
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
# sudo only where needed: not for root, nor for an installation of one's own
sudo=""
if [ "$(id -u)" != 0 ] && ! { [ -w "$("$PG_CONFIG" --pkglibdir)" ] &&
	[ -w "$("$PG_CONFIG" --sharedir)/extension" ]; }; then
	sudo=sudo
fi
# sudo drops the environment: PG_CONFIG goes on the command line
$sudo make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
