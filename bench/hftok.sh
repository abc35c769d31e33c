#!/usr/bin/env bash
# Hugging Face tokenizer benchmark (issue 14): tokens/second of
# maas_tokenize (one backend, the tokenizer parsed once per query) against
# Hugging Face's Rust tokenizers in the same run (the Node binding: encode
# one text at a time, and encodeBatch with the library's threads), and the
# scan limit (SELECT sum(length(text)) over the same rows).
#
#   bench/hftok.sh                      # ~1 min
#   BENCH_REFERENCE=1 bench/hftok.sh    # also rewrite bench/hftok_reference.md
#
# Needs node and the binding outside the tree:
#   mkdir -p /work/hftok-ref && cd /work/hftok-ref && npm install @anush008/tokenizers
# (HFTOK_NODE_PATH, default /work/hftok-ref/node_modules).  Builds maas into a
# private PostgreSQL (HFTOK_PG, default /tmp/maas-pg-hftok-bench) and starts a
# throwaway cluster.  Texts: every passage of data/austen.csv (3,115, 0.9 MB,
# English) and data/poems.csv (408 Chinese poems), with test/hftok's
# WordPiece and byte-level BPE tokenizers.
set -euo pipefail
cd "$(dirname "$0")/.."

node_path=${HFTOK_NODE_PATH:-/work/hftok-ref/node_modules}
pg_dir=${HFTOK_PG:-/tmp/maas-pg-hftok-bench}
eval "$(test/private-pg.sh "$pg_dir")"
make -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
mkdir -p bench/out

eval "$(MAAS_PRELOAD=1 test/cluster.sh start)"
trap 'test/cluster.sh stop "$MAAS_CLUSTER"' EXIT
export PGHOST PGPORT PGUSER PGDATABASE
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

sql -c "CREATE EXTENSION IF NOT EXISTS maas" \
	-c "CREATE TABLE hf_texts (text text)" \
	-c "CREATE TEMP TABLE a (split text, text text, book text)" \
	-c "\\copy a FROM 'data/austen.csv' (FORMAT csv, HEADER)" \
	-c "INSERT INTO hf_texts SELECT text FROM a" \
	-c "CREATE TEMP TABLE p (split text, text text, dynasty text)" \
	-c "\\copy p FROM 'data/poems.csv' (FORMAT csv, HEADER)" \
	-c "INSERT INTO hf_texts SELECT text FROM p" \
	-c "CREATE FUNCTION timeit(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
		DECLARE t0 timestamptz := clock_timestamp();
		BEGIN EXECUTE q; RETURN extract(epoch FROM clock_timestamp() - t0); END \$\$"
texts=bench/out/hftok_texts.json
sql -At -c "SELECT json_agg(text) FROM hf_texts" > "$texts"

echo "uptime: $(uptime)"
out=bench/out/hftok.log
: > "$out"
for name in wordpiece bpe; do
	file=test/hftok/$name.json
	ref=$(NODE_PATH=$node_path node bench/hftok.js "$texts" "$file")
	maas=$(sql -At -v tok="$(cat "$file")" <<-'SQL'
		SELECT sum(cardinality(maas_tokenize(:'tok', text))) FROM hf_texts;
		SELECT least(timeit(format('SELECT sum(cardinality(maas_tokenize(%L, text))) FROM hf_texts', :'tok')),
		             timeit(format('SELECT sum(cardinality(maas_tokenize(%L, text))) FROM hf_texts', :'tok')),
		             timeit(format('SELECT sum(cardinality(maas_tokenize(%L, text))) FROM hf_texts', :'tok')));
		SELECT least(timeit('SELECT sum(length(text)) FROM hf_texts'), timeit('SELECT sum(length(text)) FROM hf_texts'),
		             timeit('SELECT sum(length(text)) FROM hf_texts'));
	SQL
	)
	/usr/bin/python3 - "$name" "$ref" $maas <<-'PY' | tee -a "$out"
		import json, sys
		name, ref = sys.argv[1], json.loads(sys.argv[2])
		tokens, maas_s, scan_s = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
		assert tokens == ref["tokens"], (tokens, ref["tokens"])
		rate = lambda s: tokens / s
		print("%-9s %d texts, %d tokens: maas_tokenize %.2f M tokens/s (%.3f s); Rust one text at a time %.2f M tokens/s "
		      "(maas %.2fx); Rust encodeBatch %.2f M tokens/s (maas %.2fx); scan limit %.3f s"
		      % (name, ref["texts"], tokens, rate(maas_s) / 1e6, maas_s, rate(ref["batch1_s"]) / 1e6,
		         ref["batch1_s"] / maas_s, rate(ref["batch_s"]) / 1e6, ref["batch_s"] / maas_s, scan_s))
	PY
done
if [ "${BENCH_REFERENCE:-0}" = 1 ]; then
	{
		echo "# bench/hftok.sh reference figures"
		echo
		echo "$(date -u +%Y-%m-%d), $(nproc) cores shared with other jobs ($(uptime | sed 's/.*load/load/'))."
		echo "Rust: Hugging Face tokenizers 0.22 through @anush008/tokenizers (Node $(node --version))."
		echo "\"maas Nx\": the Rust time divided by maas's (above 1: maas is faster)."
		echo
		sed 's/^/    /' "$out"
	} > bench/hftok_reference.md
fi
