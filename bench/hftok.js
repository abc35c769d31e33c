// bench/hftok.js (run by bench/hftok.sh): Hugging Face's Rust tokenizers
// (Node binding @anush008/tokenizers) on the benchmark's texts:
// encode one text at a time (batch 1) and encodeBatch (all texts, the
// library's own threads), best of 3; prints one JSON line per tokenizer.
//   NODE_PATH=/work/hftok-ref/node_modules node bench/hftok.js TEXTS.json TOKENIZER.json...
const fs = require('fs');
const t = require('@anush008/tokenizers');

async function main() {
	const texts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
	for (const file of process.argv.slice(3)) {
		const tok = t.Tokenizer.fromFile(file);
		let best1 = Infinity, bestBatch = Infinity, tokens = 0;
		for (let run = 0; run < 3; run++) {
			let t0 = process.hrtime.bigint();
			tokens = 0;
			for (const s of texts)
				tokens += (await tok.encode(s, null, {addSpecialTokens: true})).getIds().length;
			best1 = Math.min(best1, Number(process.hrtime.bigint() - t0) / 1e9);
			t0 = process.hrtime.bigint();
			await tok.encodeBatch(texts, {addSpecialTokens: true});
			bestBatch = Math.min(bestBatch, Number(process.hrtime.bigint() - t0) / 1e9);
		}
		console.log(JSON.stringify({tokenizer: file, texts: texts.length, tokens, batch1_s: best1, batch_s: bestBatch}));
	}
}
main();
