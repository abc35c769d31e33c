#!/usr/bin/env bash
# maas from the drivers applications use: Python psycopg 3, Node.js pg and
# Java JDBC (test/drivers/).  Each trains, predicts with bound parameters
# (a native array, a row), fetches _proba as a native array, downloads a
# model's bytes and predicts from them inline, and sees bad calls surface
# as the driver's error with its SQLSTATE.  Run by make test against its
# cluster (PGHOST/PGPORT/PGUSER), in a scratch database; prints TAP.
#
# node-postgres is installed by `npm ci` from test/drivers/node/package-lock.json
# into a cache outside the tree (MAAS_NODE_CACHE, default
# ~/.cache/maas/node-<hash of the lock file>); it needs the npm registry once.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/pg-env.sh

n=0
emit() {	# renumber a driver's TAP lines into this suite's sequence
	local line
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
			n=$((n + 1))
			echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]}"
		elif [[ $line =~ ^1\.\.[0-9]+$ ]]; then
			:
		else
			echo "# $line"
		fi
	done
}
fail() { n=$((n + 1)); echo "not ok $n - $*"; }
run() {	# run a driver's test; a crash or a missing plan is a failure
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	emit <<<"$out"
	if [ $rc -ne 0 ] || ! grep -qE '^1\.\.[0-9]+$' <<<"$out"; then
		fail "$name: the test did not finish (exit $rc)"
	fi
}

if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
	echo "1..0 # SKIP no cluster: run by make test, or set PGHOST/PGPORT"
	exit 0
fi
export PGUSER=${PGUSER:-$(id -un)}
export PGDATABASE=maas_drivers_$$
psql=("$PG_BIN/psql" -XqAt -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE $PGDATABASE" || { fail "create a database"; echo "1..$n"; exit 1; }
work=$(mktemp -d /tmp/maas-drivers.XXXXXX)
trap '"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE"; rm -rf "$work"' EXIT
"${psql[@]}" -d "$PGDATABASE" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION maas' \
	-f data/schema.sql -f data/load.sql >/dev/null || fail "install maas and the datasets"

# Python: psycopg 3 (Debian python3-psycopg)
run python /usr/bin/python3 test/drivers/python_test.py

# Node.js: node-postgres, from the lock file, into the cache
lock=test/drivers/node/package-lock.json
cache=${MAAS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maas/node-$(sha256sum "$lock" | cut -c1-16)}
if [ ! -d "$cache/node_modules/pg" ]; then
	mkdir -p "$cache"
	cp test/drivers/node/package.json "$lock" "$cache/"
	(cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1 ||
		{ sed 's/^/# /' "$work/npm.log"; rm -rf "$cache/node_modules"; }
fi
if [ -d "$cache/node_modules/pg" ]; then
	run node env NODE_PATH="$cache/node_modules" node test/drivers/node/test.js
else
	fail "node: npm ci of test/drivers/node/package-lock.json into $cache failed"
fi

# Java: JDBC (Debian libpostgresql-jdbc-java), compiled into the temp dir
jar=/usr/share/java/postgresql.jar
if javac -d "$work" -cp "$jar" test/drivers/java/MaasDriverTest.java 2>"$work/javac.log"; then
	run java java -cp "$work:$jar" MaasDriverTest
else
	sed 's/^/# /' "$work/javac.log"
	fail "java: javac test/drivers/java/MaasDriverTest.java"
fi

echo "1..$n"
