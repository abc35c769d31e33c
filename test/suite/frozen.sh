#!/usr/bin/env bash
# Released install and upgrade scripts are frozen: every sql/maas--*.sql of
# a release tag (v0.1.0, ...) is in sql/ byte for byte (skipped without git
# or tags), and every released version has an update path to the default
# version in the installation under test (PGHOST/PGPORT of make test's
# cluster; skipped without one).  Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/pg-env.sh
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

tags=()
if command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t tags < <(git tag --list 'v[0-9]*' | sort -V)
fi
if [ ${#tags[@]} -eq 0 ]; then
	skip "no git repository or no release tags: frozen scripts not checked"
fi
for tag in "${tags[@]}"; do
	for f in $(git ls-tree --name-only "$tag" sql/ | grep -E '^sql/maas--.*\.sql$'); do
		if git show "$tag:$f" | cmp -s - "$f"; then
			ok "$f is as released in $tag"
		else
			notok "$f differs from $tag (released scripts are frozen: change things in a new upgrade script)"
		fi
	done
done

# every script refuses to run outside CREATE/ALTER EXTENSION
for f in sql/maas--*.sql; do
	if grep -qE '^\\echo .*\\quit$' "$f"; then ok "$f has the \\echo ... \\quit guard"
	else notok "$f lacks the \\echo ... \\quit guard"; fi
done

# an update path from every released version to default_version
default=$(sed -nE "s/^default_version = '(.*)'/\1/p" maas.control)
if [ -n "${PGHOST:-}" ] && "$PG_BIN/psql" -XAtq -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
	for tag in "${tags[@]}"; do
		v=${tag#v}
		[ "$v" = "$default" ] && continue
		path=$("$PG_BIN/psql" -XAtq -d postgres -c \
			"SELECT path FROM pg_extension_update_paths('maas') WHERE source = '$v' AND target = '$default'")
		if [ -n "$path" ]; then ok "update path $v to $default: $path"
		else notok "no update path from released $v to $default"; fi
	done
else
	skip "no server: update paths not checked"
fi
echo "1..$n"
