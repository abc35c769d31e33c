#!/usr/bin/env bash
# README's reference tables are what test/docs/reference.sh generates from
# maas_help(), that is from the COMMENT ON of every object.  Run by make
# test against its cluster (PGHOST/PGPORT); prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
echo "1..1"
if out=$(test/docs/reference.sh --check 2>&1); then
	echo "ok 1 - README's reference is generated from maas_help()"
else
	printf '%s\n' "$out" | sed 's/^/# /'
	echo "not ok 1 - README's reference differs from maas_help(): run test/docs/reference.sh --write"
fi
