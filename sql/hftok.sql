-- Hugging Face tokenizers: maas_tokenize against the Rust tokenizers'
-- ids (test/reference/hftok_reference.js) for every line of the corpus
-- with every tokenizer variant, then truncation, padding and tokens.
\set ECHO none
\set wordpiece `cat test/hftok/wordpiece.json`
\set bpe `cat test/hftok/bpe.json`
\set variants `cat test/hftok/variants.json`
\set corpus `cat test/hftok/corpus.json`
CREATE TEMP TABLE hf_base (name text, tok jsonb);
INSERT INTO hf_base VALUES ('wordpiece', :'wordpiece'), ('bpe', :'bpe');
CREATE TEMP TABLE hf_ref (tokenizer text, line int, ids int[]);
\copy hf_ref FROM 'test/reference/hftok_reference.csv' (FORMAT csv, HEADER)
\set ECHO all
-- each variant: a trained file with some top-level members replaced
CREATE TEMP TABLE hf_tok AS
SELECT v->>'name' AS name, b.tok || (v->'patch') AS tok
FROM jsonb_array_elements(:'variants'::jsonb) v JOIN hf_base b ON b.name = v->>'base';
CREATE TEMP TABLE hf_corpus AS
SELECT line::int, doc FROM jsonb_array_elements_text(:'corpus'::jsonb) WITH ORDINALITY AS c(doc, line);
SELECT count(*) AS tokenizers FROM hf_tok;
SELECT count(*) AS lines, count(*) FILTER (WHERE doc = '') AS empty,
       count(*) FILTER (WHERE doc ~ '[一-鿿]') AS chinese,
       count(*) FILTER (WHERE doc ~ '[😀-🙏]') AS emoji,
       max(length(doc)) AS longest
FROM hf_corpus;
-- every line, every tokenizer: zero mismatches (the ones that differ are listed)
SELECT r.tokenizer, r.line, r.ids AS rust, maas_tokenize(t.tok, c.doc) AS maas
FROM hf_ref r JOIN hf_tok t ON t.name = r.tokenizer JOIN hf_corpus c ON c.line = r.line
WHERE maas_tokenize(t.tok, c.doc) IS DISTINCT FROM r.ids
ORDER BY 1, 2;
SELECT count(*) AS compared, count(DISTINCT r.tokenizer) AS tokenizers
FROM hf_ref r JOIN hf_tok t ON t.name = r.tokenizer JOIN hf_corpus c ON c.line = r.line;
-- truncation: never longer than max_length, and the long lines are cut
SELECT t.name, max(cardinality(maas_tokenize(t.tok, c.doc))) AS longest,
       count(*) FILTER (WHERE cardinality(maas_tokenize(t.tok, c.doc)) = (t.tok->'truncation'->>'max_length')::int) AS truncated
FROM hf_tok t, hf_corpus c
WHERE t.tok->'truncation' <> 'null'
GROUP BY 1 ORDER BY 1;
-- padding: Fixed 24 (pad id 0), or BatchLongest to a multiple of 8 on the left (pad id 1)
SELECT t.name, min(cardinality(maas_tokenize(t.tok, c.doc))) AS shortest,
       bool_and(cardinality(maas_tokenize(t.tok, c.doc)) % 8 = 0) AS multiple_of_8
FROM hf_tok t, hf_corpus c
WHERE t.tok->'padding' <> 'null'
GROUP BY 1 ORDER BY 1;
SELECT maas_tokenize(tok, 'Hello') FROM hf_tok WHERE name IN ('wordpiece_nfkc', 'bpe_punctuation') ORDER BY name;
-- the tokens
SELECT name, maas_tokenize_tokens(tok, 'Café déjà vu, naïve 北京 😀!') FROM hf_tok
WHERE name IN ('wordpiece', 'wordpiece_cased', 'bpe', 'bpe_prefix') ORDER BY name;
SELECT maas_tokenize_tokens(tok, 'The capital of France is   <mask>.') FROM hf_tok WHERE name = 'bpe';
