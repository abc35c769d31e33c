#!/usr/bin/env bash
# A private copy of the PostgreSQL installation, so that a build installed
# there (make install PG_CONFIG=...) leaves the system's maas.so alone:
# parallel work trees, before/after comparisons.  PostgreSQL finds $libdir
# and its share directory relative to its binary, so a server started from
# the copy loads the copy's maas.so.
#
#   eval "$(test/private-pg.sh /tmp/pg-mine)"   # exports PG_BIN, PG_CONFIG
#   PG_MAJOR=17 test/private-pg.sh DIR            # a copy of /usr/lib/postgresql/17
#   make -s install PG_CONFIG=$PG_CONFIG; test/cluster.sh start  (uses PG_BIN)
set -euo pipefail
dir=${1:?usage: test/private-pg.sh DIR}
# PG_MAJOR: which /usr/lib/postgresql/N (default: the newest with server headers)
major=${PG_MAJOR:-$(ls -d /usr/lib/postgresql/*/lib/pgxs 2>/dev/null | sed -E 's|^/usr/lib/postgresql/([0-9]+)/.*|\1|' | sort -n | tail -1)}
[ -n "$major" ] || { echo "test/private-pg.sh: no /usr/lib/postgresql/N/lib/pgxs (server headers) installed" >&2; exit 1; }
if [ ! -x "$dir/usr/lib/postgresql/$major/bin/pg_config" ]; then
	mkdir -p "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql" "$dir/usr/include"
	cp -a "/usr/lib/postgresql/$major" "$dir/usr/lib/postgresql/"
	cp -a "/usr/share/postgresql/$major" "$dir/usr/share/postgresql/"
	# headers are only read: the copy's pg_config looks for them next to it
	ln -sfn /usr/include/postgresql "$dir/usr/include/postgresql"
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql"
fi
echo "export PG_BIN='$dir/usr/lib/postgresql/$major/bin' PG_CONFIG='$dir/usr/lib/postgresql/$major/bin/pg_config'"
