// hftok_reference.js: the token ids Hugging Face's Rust tokenizers (0.22,
// through the Node binding @anush008/tokenizers) give every line of
// test/hftok/corpus.json with every tokenizer of test/hftok/variants.json
// (a trained file of test/hftok/ with some top-level members replaced),
// written to test/reference/hftok_reference.csv for sql/hftok.sql.
// encode(text, add_special_tokens = true), the file's truncation and padding.
// Run (outside the repository's tree for node_modules):
//   mkdir -p /work/hftok-ref && cd /work/hftok-ref && npm install @anush008/tokenizers
//   NODE_PATH=/work/hftok-ref/node_modules node test/reference/hftok_reference.js
const fs = require('fs');
const path = require('path');
const t = require('@anush008/tokenizers');

const dir = path.join(__dirname, '..', 'hftok');

// the tokenizer.json of a variant (also what sql/hftok.sql builds: base || patch)
function variantJson(v) {
	const j = JSON.parse(fs.readFileSync(path.join(dir, v.base + '.json'), 'utf8'));
	return Object.assign(j, v.patch);
}

async function main() {
	const variants = JSON.parse(fs.readFileSync(path.join(dir, 'variants.json'), 'utf8'));
	const corpus = JSON.parse(fs.readFileSync(path.join(dir, 'corpus.json'), 'utf8'));
	const out = ['tokenizer,line,ids'];
	for (const v of variants) {
		const tok = t.Tokenizer.fromString(JSON.stringify(variantJson(v)));
		for (let i = 0; i < corpus.length; i++) {
			const enc = await tok.encode(corpus[i], null, {addSpecialTokens: true});
			out.push(`${v.name},${i + 1},"{${enc.getIds().join(',')}}"`);
		}
	}
	fs.writeFileSync(path.join(__dirname, 'hftok_reference.csv'), out.join('\n') + '\n');
}
main();
