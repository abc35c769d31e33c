# Sourced by the test scripts: the PostgreSQL installation to build and
# test against, from the environment, else the system's PostgreSQL 15.
#
#   PG_CONFIG  its pg_config (default: $PG_BIN/pg_config, else
#              /usr/lib/postgresql/15/bin/pg_config)
#   PG_BIN     its bin directory (default: the directory of PG_CONFIG)
#
# test/private-pg.sh prints both for a private copy of the installation.
# Nothing here runs pg_config: this is sourced before test/deps.sh has
# installed PostgreSQL.
if [ -z "${PG_CONFIG:-}" ]; then
	if [ -n "${PG_BIN:-}" ]; then
		PG_CONFIG=$PG_BIN/pg_config
	else
		PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	fi
fi
case $PG_CONFIG in */*) ;; *) PG_CONFIG=$(command -v "$PG_CONFIG" || echo "$PG_CONFIG") ;; esac
PG_BIN=${PG_BIN:-$(dirname "$PG_CONFIG")}
export PG_CONFIG PG_BIN

# as root, run a command as the server user "postgres" (PostgreSQL refuses
# to run as root), from / : the caller's directory may be one postgres
# cannot enter (a private clone), and initdb, pg_ctl and postgres complain
# about a working directory they cannot change back to
as_server_user() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}
