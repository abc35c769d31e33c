#!/usr/bin/env bash
# Run TAP tests (all of test/t, or the files given) the way make test does:
# as user postgres when run as root, with PostgreSQL::Test::Cluster on the
# path.  Settings pass through the environment, e.g.
#   MAAS_PGBENCH_SECONDS=60 test/tap.sh test/t/010_pgbench.pl
#   PG_CONFIG=...   another PostgreSQL installation (test/pg-env.sh)
#   MAAS_TAP_KEEP=1 keep the work directory (test copies, tmp_check/log)
#
# The tests, and the files they read (data/, test/pgbench, test/sqlsmith),
# run from a world-readable copy in a temp dir: as root the tests run as
# postgres, who may not be able to read the repository at all (a clone in
# root's home or in a mktemp -d is mode 700), and a clone made with umask
# 077 has files only their owner can read.
set -uo pipefail
cwd=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd -P)
. test/pg-env.sh
pgxs=$(realpath -m "$(dirname "$("$PG_CONFIG" --pgxs)")/..")	# lib/pgxs/src

work=$(mktemp -d /tmp/maas-tap.XXXXXX)
chmod 755 "$work"
if [ "${MAAS_TAP_KEEP:-0}" = 1 ]; then
	trap 'echo "# kept $work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi

# the copy: everything of test/ and data/ but build output
tree=$work/tree
mkdir "$tree"
tar -C "$root" --exclude=test/fuzz/build --exclude=__pycache__ -cf - data test |
	tar -C "$tree" --no-same-owner --no-same-permissions -xf - ||
	{ echo "Bail out! cannot copy data/ and test/ to $tree"; exit 1; }
chmod -R a+rX,go-w "$tree"

# TESTDIR: tmp_check/ (the clusters, their logs) is written by the test user;
# PostgreSQL 15 reads TESTDIR, 16 and later TESTDATADIR and TESTLOGDIR
# (without them, tmp_check/ and log/ in the current directory, the copy,
# which the test user may not write)
mkdir "$work/check"
runas=()
if [ "$(id -u)" = 0 ]; then
	runas=(runuser -u postgres --)
	chown postgres: "$work/check"
fi

# the files given, as paths in the copy (relative to where this was run
# from, or else to the repository root, as before)
[ $# -eq 0 ] && set -- test/t/
args=()
for a in "$@"; do
	case $a in
		/*) p=$a ;;
		*) if [ -e "$cwd/$a" ]; then p=$cwd/$a; else p=$root/$a; fi ;;
	esac
	p=$(realpath -m "$p")
	case $p in
		"$root") args+=(.) ;;
		"$root"/*) args+=("${p#"$root"/}") ;;
		*) args+=("$p") ;;	# outside the repository: as is
	esac
done

cd "$tree" && "${runas[@]}" env PATH="$PG_BIN:$PATH" \
	PERL5LIB="$pgxs/test/perl" PG_REGRESS="$pgxs/test/regress/pg_regress" \
	TESTDIR="$work/check" TESTDATADIR="$work/check/tmp_check" TESTLOGDIR="$work/check/tmp_check/log" \
	MAAS_ROOT="$tree" \
	prove --verbose --timer --ext .pl "${args[@]}"
