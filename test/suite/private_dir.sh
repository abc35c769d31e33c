#!/usr/bin/env bash
# A newcomer's first run: the repository in a directory only its owner can
# read (a clone in root's home, mode 700, or in a mktemp -d), its files
# created with umask 077.  From there `make demo`, pg_regress and a TAP test
# must pass, though as root every server (and the TAP tests) run as the
# user postgres, who can read nothing of it.  About 20 s: the copy takes
# the built objects along, so the demo's build is only an install.
#
#   MAAS_PRIVATE_DIR=0 test/suite/private_dir.sh     # skip it
#   MAAS_PRIVATE_DIR_TAP="test/t/002_standby.pl" ...   # other TAP tests
#   MAAS_PRIVATE_DIR_KEEP=1 ...    # keep the copy (printed) afterwards
#
# The copy is of the working tree as it is (uncommitted changes included),
# without .git and build output of tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
. test/pg-env.sh

if [ "${MAAS_PRIVATE_DIR:-1}" != 1 ]; then
	echo "ok 1 - private_dir # SKIP MAAS_PRIVATE_DIR=0"
	exit 0
fi

start_time=$(date +%s)
n=0
fail=0
tap() {	# ok|not ok, description
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || fail=1
}
show() {	# the end of a log, as TAP comments
	tail -"${2:-30}" "$1" | sed 's/^/# /'
}

priv=$(mktemp -d /tmp/maas-private.XXXXXX)	# mode 700
clone=$priv/maas
cluster=""
cleanup() {
	[ -n "$cluster" ] && (cd / && "$clone/test/cluster.sh" stop "$cluster")
	if [ "${MAAS_PRIVATE_DIR_KEEP:-0}" = 1 ]; then
		echo "# kept $priv"
	else
		rm -rf "$priv"
	fi
}
trap cleanup EXIT

# 1. the copy, as a umask-077 clone would have it: files 600, directories 700
mkdir -m 700 "$clone"
if (umask 077 && tar -C "$root" --anchored --exclude=./.git --exclude=./test/fuzz/build \
	--exclude=./bench/out --exclude=./results --exclude=./tmp_check --exclude=./log \
	--exclude=./regression.diffs --exclude=./regression.out -cf - . |
	tar -C "$clone" --no-same-owner --no-same-permissions -xf -) &&
	[ "$(stat -c %a "$priv")" = 700 ] && [ "$(stat -c %a "$clone/Makefile")" = 600 ]; then
	tap ok "a copy of the tree in $priv (mode 700, files 600)"
else
	tap "not ok" "a copy of the tree in a mode-700 directory"
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	if (cd / && runuser -u postgres -- test -r "$clone/Makefile"); then
		echo "# postgres can read $clone/Makefile: this checks nothing"
		tap "not ok" "the user postgres cannot read the copy"
	else
		tap ok "the user postgres cannot read the copy"
	fi
else
	echo "# run as $(id -un): the servers run as this user too"
fi
cd "$clone"

# 2. make demo (deps, build, a cluster, psql \copy of data/)
log=$priv/demo.log
t0=$(date +%s)
if make -s demo >"$log" 2>&1 && grep -q '^== Done\.' "$log" && grep -q '^== 8\. ' "$log"; then
	tap ok "make demo from the private copy ($(($(date +%s) - t0)) s)"
else
	show "$log"
	tap "not ok" "make demo from the private copy"
fi

# 3. pg_regress from the copy (\copy of data/ and test/reference/)
log=$priv/regress.log
if out=$(MAAS_PRELOAD=1 test/cluster.sh start 2>"$log"); then
	eval "$out"
	cluster=$MAAS_CLUSTER
	if make -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS="setup smoke linear_quality" >>"$log" 2>&1 &&
		grep -q 'All 3 tests passed' "$log"; then
		tap ok "pg_regress smoke linear_quality from the private copy"
	else
		show "$log"
		[ -f regression.diffs ] && head -40 regression.diffs | sed 's/^/# /'
		tap "not ok" "pg_regress smoke linear_quality from the private copy"
	fi
	test/cluster.sh stop "$cluster" 2>>"$log"
	cluster=""
	if grep -q 'could not change directory' "$log"; then
		show "$log" 10
		tap "not ok" "test/cluster.sh start and stop from the private copy: complaints"
	else
		tap ok "test/cluster.sh start and stop from the private copy, quietly"
	fi
else
	show "$log"
	tap "not ok" "test/cluster.sh start from the private copy"
fi

# 4. TAP tests from the copy (as postgres when root)
log=$priv/tap.log
read -ra taps <<<"${MAAS_PRIVATE_DIR_TAP:-test/t/001_dump_restore.pl}"
t0=$(date +%s)
test/tap.sh "${taps[@]}" >"$log" 2>&1
if grep -q '^Result: PASS' "$log"; then
	tap ok "test/tap.sh ${taps[*]} from the private copy ($(($(date +%s) - t0)) s)"
else
	grep -E "Can't locate|Cannot detect source|cannot chdir|^ *not ok|Bail out|Permission denied" "$log" | head -10 | sed 's/^/# /'
	show "$log" 15
	tap "not ok" "test/tap.sh ${taps[*]} from the private copy"
fi

echo "# private_dir.sh took $(($(date +%s) - start_time)) s"
[ $fail = 0 ]
