# Sourced by the test scripts: the PostgreSQL installation to build and
# test against, from the environment, else the system's.
#
#   PG_CONFIG  its pg_config (default: $PG_BIN/pg_config, else the newest
#              /usr/lib/postgresql/N with server headers installed, else
#              the release's default major that test/deps.sh installs:
#              15 on Debian 12, 17 on Debian 13, 18 on Debian 14)
#   PG_BIN     its bin directory (default: the directory of PG_CONFIG)
#   PG_MAJOR   its major version, when PG_CONFIG is a Debian-style
#              .../postgresql/N/bin/pg_config (else empty)
#
# The Makefile picks the same default.  test/private-pg.sh prints PG_BIN and
# PG_CONFIG for a private copy of the installation.  Nothing here runs
# pg_config: this is sourced before test/deps.sh has installed PostgreSQL.

# the major version Debian's "postgresql" package depends on on this release
maas_release_pg_major() {
	local v
	v=$(apt-cache depends postgresql 2>/dev/null | sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -1) || true
	if [ -z "$v" ]; then
		case $(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-}") in
			12) v=15 ;;
			13) v=17 ;;
			*) v=18 ;;
		esac
	fi
	echo "$v"
}

if [ -z "${PG_CONFIG:-}" ]; then
	if [ -n "${PG_BIN:-}" ]; then
		PG_CONFIG=$PG_BIN/pg_config
	else
		PG_CONFIG=$(ls -d /usr/lib/postgresql/*/lib/pgxs/src/makefiles/pgxs.mk 2>/dev/null |
			sed -E 's|/lib/pgxs/src/makefiles/pgxs.mk$|/bin/pg_config|' | sort -V | tail -1) || true
		[ -n "$PG_CONFIG" ] || PG_CONFIG=/usr/lib/postgresql/$(maas_release_pg_major)/bin/pg_config
	fi
fi
case $PG_CONFIG in */*) ;; *) PG_CONFIG=$(command -v "$PG_CONFIG" || echo "$PG_CONFIG") ;; esac
PG_BIN=${PG_BIN:-$(dirname "$PG_CONFIG")}
PG_MAJOR=$(echo "$PG_CONFIG" | sed -nE 's|^.*/postgresql/([0-9]+)/bin/pg_config$|\1|p') || true
export PG_CONFIG PG_BIN PG_MAJOR

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
