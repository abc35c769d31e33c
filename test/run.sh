#!/usr/bin/env bash
# make test: install what is missing, build, install, start a throwaway
# cluster, run every test (pg_regress, TAP, scripted suites), stop the
# cluster, and end with "N passed, N failed".
#
# MAAS_TEST_QUICK=1: build, pg_regress and TAP only: no test/deps.sh (the
# caller has installed what is needed), no scripted suites (ASan, fuzzing,
# layers, ...).  The matrix of PostgreSQL versions runs this
# (test/matrix/run.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# PG_CONFIG / PG_BIN from the environment (a private installation of
# test/private-pg.sh), else the newest installed PostgreSQL; every script run
# below gets them
. test/pg-env.sh

quick=${MAAS_TEST_QUICK:-0}
if [ "$quick" != 1 ]; then
	test/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
fi
test/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

eval "$(MAAS_PRELOAD=1 test/cluster.sh start)" || { echo "0 passed, 1 failed"; exit 1; }
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT

passed=0
failed=0
count() {	# count TAP-style "ok" / "not ok" lines of a log
	local ok bad
	ok=$(grep -cE '^ *ok [0-9]' "$1")
	bad=$(grep -cE '^ *not ok [0-9]' "$1")
	passed=$((passed + ok))
	failed=$((failed + bad))
}

# 1. pg_regress: sql/ against expected/
echo "== pg_regress"
regress_log=$(mktemp /tmp/maas-regress.XXXXXX)
make -s installcheck PG_CONFIG="$PG_CONFIG" >"$regress_log" 2>&1
cat "$regress_log"
# "test x ... ok" up to PostgreSQL 15, TAP lines "ok 1 - x" from 16 on
ok=$(grep -cE '\.\.\. ok|^ok [0-9]+ +[-+] ' "$regress_log")
bad=$(grep -cE '\.\.\. FAILED|\.\.\. failed|^not ok [0-9]+ +[-+] ' "$regress_log")
rm -f "$regress_log"
passed=$((passed + ok))
failed=$((failed + bad))
[ -f regression.diffs ] && [ "$bad" -gt 0 ] && head -200 regression.diffs

# 2. TAP tests (PostgreSQL::Test::Cluster starts its own servers, so not as root)
if ls test/t/*.pl >/dev/null 2>&1; then
	echo "== TAP"
	tapdir=$(mktemp -d /tmp/maas-taplog.XXXXXX)
	test/tap.sh >"$tapdir/prove.log" 2>&1
	cat "$tapdir/prove.log"
	count "$tapdir/prove.log"
	if grep -qE '^Result: (FAIL|NOTESTS)' "$tapdir/prove.log" && ! grep -qE '^ *not ok' "$tapdir/prove.log"; then
		failed=$((failed + 1))	# a script died without reporting a failed test
	fi
	rm -rf "$tapdir"
fi

# 3. scripted suites: each prints TAP lines
for suite in test/suite/*.sh; do
	[ -x "$suite" ] && [ "$quick" != 1 ] || continue
	echo "== $suite"
	log=$(mktemp)
	"$suite" >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$log"
	[ $rc -ne 0 ] && ! grep -qE '^ *not ok' "$log" && failed=$((failed + 1))
	rm -f "$log"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
