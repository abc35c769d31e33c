#!/usr/bin/env bash
# Run TAP tests (all of test/t, or the files given) the way make test does:
# as user postgres when run as root, with PostgreSQL::Test::Cluster on the
# path.  Settings pass through the environment, e.g.
#   MAAS_PGBENCH_SECONDS=60 test/tap.sh test/t/010_pgbench.pl
set -uo pipefail
cd "$(dirname "$0")/.."
tapdir=$(mktemp -d /tmp/maas-tap.XXXXXX)
chmod 777 "$tapdir"
trap 'rm -rf "$tapdir"' EXIT
runas=()
[ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
[ $# -eq 0 ] && set -- test/t/
"${runas[@]}" env PATH="/usr/lib/postgresql/15/bin:$PATH" \
	PERL5LIB="/usr/lib/postgresql/15/lib/pgxs/src/test/perl" \
	TESTDIR="$tapdir" PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress \
	MAAS_ROOT="$(pwd)" \
	prove --verbose --timer --ext .pl "$@"
