#!/usr/bin/env bash
# Random texts against the Rust tokenizers (not part of make test; ~1 min):
#   test/reference/hftok_stress.sh [SEED]   # PG* of a server with maas 0.2.0
# Writes 3,000 random texts and the Rust ids with each of the 8 tokenizers
# of test/hftok/variants.json (test/reference/hftok_stress.js), then counts
# the encodings where maas_tokenize differs (expected: 0 for every tokenizer).
# HFTOK_NODE_PATH: the binding's node_modules (default /work/hftok-ref/node_modules).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
NODE_PATH=${HFTOK_NODE_PATH:-/work/hftok-ref/node_modules} node test/reference/hftok_stress.js "${1:-1}" "$out"
psql -X -q -v ON_ERROR_STOP=1 <<SQL
\set wordpiece \`cat test/hftok/wordpiece.json\`
\set bpe \`cat test/hftok/bpe.json\`
\set variants \`cat test/hftok/variants.json\`
\set corpus \`cat $out/hftok_stress_corpus.json\`
CREATE TEMP TABLE hf_base (name text, tok jsonb);
INSERT INTO hf_base VALUES ('wordpiece', :'wordpiece'), ('bpe', :'bpe');
CREATE TEMP TABLE hf_ref (tokenizer text, line int, ids int[]);
\copy hf_ref FROM '$out/hftok_stress_ref.csv' (FORMAT csv)
CREATE TEMP TABLE hf_tok AS SELECT v->>'name' AS name, b.tok || (v->'patch') AS tok
FROM jsonb_array_elements(:'variants'::jsonb) v JOIN hf_base b ON b.name = v->>'base';
CREATE TEMP TABLE hf_corpus AS SELECT line::int, doc
FROM jsonb_array_elements_text(:'corpus'::jsonb) WITH ORDINALITY AS c(doc, line);
SELECT r.tokenizer, count(*) AS texts,
       count(*) FILTER (WHERE maas_tokenize(t.tok, c.doc) IS DISTINCT FROM r.ids) AS different
FROM hf_ref r JOIN hf_tok t ON t.name = r.tokenizer JOIN hf_corpus c ON c.line = r.line
GROUP BY 1 ORDER BY 1;
SQL
