#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for tests, benchmarks and the demo.
#
#   eval "$(test/cluster.sh start)"   # prints PGHOST/PGPORT/PGUSER/MAAS_CLUSTER exports
#   MAAS_PRELOAD=1 test/cluster.sh start   # with shared_preload_libraries = 'maas'
#   test/cluster.sh stop "$MAAS_CLUSTER"
#
# PostgreSQL refuses to run as root, so as root the server runs as the
# unprivileged user "postgres" (created by Debian's postgresql package),
# in a directory of its own under /tmp: the repository may be in a
# directory postgres cannot read (a clone in root's home, or in mktemp -d).
set -euo pipefail

# PG_BIN (or PG_CONFIG) from the environment, else the newest installed PostgreSQL
. "$(dirname "$0")/pg-env.sh"

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
	local dir port user
	dir=$(mktemp -d /tmp/maas-cluster.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	# the superuser is "postgres" whoever runs the server, so that role
	# names in test output are the same everywhere (and not, for a user
	# named "maas", the name of the extension's schema)
	user=postgres
	port=$(free_port)
	as_server_user "$PG_BIN/initdb" -D "$dir/data" -U "$user" -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
		|| { cat "$dir/initdb.log" >&2; exit 1; }
	cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_senders = 4
wal_level = replica
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 256MB
max_parallel_workers_per_gather = 2
max_worker_processes = 16
log_min_messages = warning
lc_messages = 'C'
CONF
	# usage accounting needs the library preloaded; a preloaded library is
	# only reloaded by a restart, so interactive clusters leave it off
	if [ "${MAAS_PRELOAD:-0}" = 1 ]; then
		echo "shared_preload_libraries = 'maas'" >>"$dir/data/postgresql.conf"
	fi
	as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
		|| { cat "$dir/server.log" >&2; exit 1; }
	echo "export PGHOST='$dir' PGPORT='$port' PGUSER='$user' PGDATABASE=postgres MAAS_CLUSTER='$dir'"
}

stop() {
	local dir=$1
	[ -d "$dir/data" ] || return 0
	as_server_user "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

case "${1:-}" in
	start) start ;;
	stop) stop "${2:?cluster directory}" ;;
	*) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
