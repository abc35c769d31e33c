// hftok_stress.js: random texts (mixed scripts, marks, emoji, controls,
// spaces, special tokens; up to 150 runs of 1-4 characters) and the Rust
// tokenizers' ids for them with every tokenizer of test/hftok/variants.json,
// for test/reference/hftok_stress.sh (not part of make test).
//   NODE_PATH=/work/hftok-ref/node_modules node test/reference/hftok_stress.js SEED OUTDIR
const fs = require('fs'); const path = require('path');
const t = require('@anush008/tokenizers');
const dir = require('path').join(__dirname, '..', 'hftok');
const outdir = process.argv[3] || '/tmp';
let seed = +(process.argv[2] || 1);
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pools = [
 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ", "  \t\n\r", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
 "éèêëàâäôöûüçñÉÀÇÑßøåæœ", "\u0300\u0301\u0302\u0308\u0327\u0338", "北京天气很好今天我们去公园散步床前明月光", "日本語のカタカナひらがな",
 "한국어문장입니다", "😀😂👍❤️🔥🥰🥺🫠👋🏻👨‍👩‍👧", "\u200b\u200c\u200d\ufeff\u00ad", "\u00a0\u3000\u2009\u2028\u0085",
 "\u0001\u0007\u007f\u001b", "ﬁﬂ①½²ＡＢＣ１２３ｶﾀｶﾅ", "İıΣσςΑΒΓ", "ابتثجح\u064e\u064f", "नमस्ते", "'s 't 're 've 'll 'd 'm",
 "[CLS][SEP][MASK] <s></s><mask> ", "\u{1F1EB}\u{1F1F7}\u{E0001}\u{20000}\uf900\ue000\ufffd"];
const corpus = [];
for (let i = 0; i < 3000; i++) {
	let s = ''; const len = Math.floor(rnd() * 150);
	for (let k = 0; k < len; k++) {
		const p = Array.from(pools[Math.floor(rnd() * pools.length)]);
		const n = 1 + Math.floor(rnd() * 4);
		for (let m = 0; m < n; m++) s += p[Math.floor(rnd() * p.length)];
	}
	corpus.push(s.replace(/\u0000/g, ''));
}
(async () => {
	const variants = JSON.parse(fs.readFileSync(path.join(dir, 'variants.json')));
	const rows = [];
	for (const v of variants) {
		const j = JSON.parse(fs.readFileSync(path.join(dir, v.base + '.json'))); Object.assign(j, v.patch);
		const tok = t.Tokenizer.fromString(JSON.stringify(j));
		for (let i = 0; i < corpus.length; i++) {
			const e = await tok.encode(corpus[i], null, {addSpecialTokens: true});
			rows.push(`${v.name},${i + 1},"{${e.getIds().join(',')}}"`);
		}
	}
	fs.writeFileSync(outdir + '/hftok_stress_ref.csv', rows.join('\n') + '\n');
	fs.writeFileSync(outdir + '/hftok_stress_corpus.json', JSON.stringify(corpus));
})();
