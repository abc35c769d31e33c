#!/usr/bin/env bash
# Regenerate test/models/<version>/: the model bytes a released maas wrote,
# one model per algorithm and task (train.sql), and their predictions on
# rows of their data, so the current reader is tested on bytes it did not
# write (test/t/025_upgrade.pl).  The release is built from its git tag
# into a private copy of PostgreSQL in a temp directory; nothing else is
# installed or touched.
#
#   test/models/make_models.sh [VERSION]      (default 0.1.0, tag v0.1.0)
#
# Files: NAME.hex (the model bytes, hex) and NAME.tsv (COPY text: feature
# vector, maas_predict, maas_predict_proba, maas_predict_class, with
# extra_float_digits = 3).  Run it only for a new release: the files of a
# release never change.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
version=${1:-0.1.0}
out=$root/test/models/$version
rows=30

work=$(mktemp -d /tmp/maas-models.XXXXXX)
chmod 755 "$work"
cluster=
cleanup() {
	[ -n "$cluster" ] && PG_BIN=$PG_BIN test/cluster.sh stop "$cluster" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/src"
git archive "v$version" | tar -x -C "$work/src"
eval "$(test/private-pg.sh "$work/pg")"
make -s -C "$work/src" -j2 install PG_CONFIG="$PG_CONFIG" >/dev/null
eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
cluster=$MAAS_CLUSTER

psql=("$PG_BIN/psql" -XqAt -v ON_ERROR_STOP=1)
"${psql[@]}" -d postgres -c "CREATE DATABASE models"
# the release's own data/, as it trained on it
(cd "$work/src" && "${psql[@]}" -d models <<SQL >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION maas VERSION '$version';
\i data/schema.sql
\i data/load.sql
\i $root/test/models/train.sql
SQL
)

rm -rf "$out"
mkdir -p "$out"
for name in $("${psql[@]}" -d models -c "SELECT name FROM maas.models ORDER BY name"); do
	"${psql[@]}" -d models -c \
		"SELECT encode(model, 'hex') FROM maas.models WHERE name = '$name' AND version = 1" |
		tr -d '\n' >"$out/$name.hex"
	echo >>"$out/$name.hex"
	"${psql[@]}" -d models >"$out/$name.tsv" <<SQL
SET extra_float_digits = 3;
\i $root/test/models/rows.sql
CREATE TEMP TABLE m AS SELECT model FROM maas.models WHERE name = '$name' AND version = 1;
COPY (SELECT r.features, maas_predict(m.model, r.features),
			 CASE WHEN maas_info(m.model)->>'task' <> 'regression'
				  THEN maas_predict_proba(m.model, r.features) END,
			 CASE WHEN maas_info(m.model)->>'task' <> 'regression'
				  THEN maas_predict_class(m.model, r.features) END
	  FROM pg_temp.model_rows('$name', $rows) r, m) TO STDOUT;
SQL
done
"${psql[@]}" -d models -c "SELECT extversion FROM pg_extension WHERE extname = 'maas'" >"$out/VERSION"
ls "$out" | wc -l
