// hftok_train.js: trains the two small tokenizers of the tests with Hugging
// Face's Rust tokenizers (0.22, through the Node binding) on the project's
// data, and writes them to test/hftok/ (run once; the files are kept):
//   wordpiece.json  BERT-like: BertNormalizer (lowercase), BertPreTokenizer,
//                   WordPiece, BertProcessing
//   bpe.json        RoBERTa-like: ByteLevel pre-tokenizer, byte-level BPE,
//                   RobertaProcessing, <mask> with lstrip
// Data: data/austen.csv (every 16th of the first 2,400 passages) and
// data/poems.csv (the first 40 Chinese poems).
// The binding's train() uses the trainers' defaults, so the special tokens
// are put in front of the trained vocabulary afterwards (ids shifted), and
// the BPE model is cut to its first 2,000 merges, and its vocabulary gets the 256 byte characters it has not seen (as
// GPT-2's and RoBERTa's have: every byte is a token).
// Run:
//   mkdir -p /work/hftok-ref && cd /work/hftok-ref && npm install @anush008/tokenizers
//   NODE_PATH=/work/hftok-ref/node_modules node test/reference/hftok_train.js
const fs = require('fs');
const os = require('os');
const path = require('path');
const t = require('@anush008/tokenizers');

const root = path.join(__dirname, '..', '..');

// the text column of a CSV file (RFC 4180 quoting)
function csvColumn(file, col) {
	const s = fs.readFileSync(file, 'utf8');
	const rows = [];
	let row = [], field = '', q = false;
	for (let i = 0; i < s.length; i++) {
		const c = s[i];
		if (q) {
			if (c === '"' && s[i + 1] === '"') { field += '"'; i++; }
			else if (c === '"') q = false;
			else field += c;
		} else if (c === '"') q = true;
		else if (c === ',') { row.push(field); field = ''; }
		else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
		else field += c;
	}
	const header = rows.shift();
	const k = header.indexOf(col);
	return rows.map(r => r[k]);
}

const austen = csvColumn(path.join(root, 'data/austen.csv'), 'text').slice(0, 2400).filter((_, i) => i % 16 === 0);
const poems = csvColumn(path.join(root, 'data/poems.csv'), 'text').slice(0, 40);
const train = path.join(os.tmpdir(), 'hftok_train.txt');
fs.writeFileSync(train, austen.concat(poems).join('\n') + '\n');

// the trained file with specials first in the vocabulary
function withSpecials(tok, specials, extra) {
	const tmp = path.join(os.tmpdir(), 'hftok_trained.json');
	tok.save(tmp, false);
	const j = JSON.parse(fs.readFileSync(tmp, 'utf8'));
	const old = Object.entries(j.model.vocab).sort((a, b) => a[1] - b[1]).map(e => e[0]);
	const tokens = specials.map(s => s.content).concat(old.filter(x => !specials.some(s => s.content === x)));
	for (const x of extra)
		if (!tokens.includes(x)) tokens.push(x);
	j.model.vocab = {};
	tokens.forEach((x, i) => { j.model.vocab[x] = i; });
	j.added_tokens = specials.map((s, i) => Object.assign({id: i, content: s.content, single_word: false,
		lstrip: false, rstrip: false, normalized: false, special: true}, s));
	return j;
}

// BERT-like WordPiece
{
	const tok = new t.Tokenizer(t.WordPiece.init({}, {unkToken: '[UNK]'}));
	tok.setNormalizer(t.bertNormalizer({lowercase: true}));
	tok.setPreTokenizer(t.bertPreTokenizer());
	tok.train([train]);
	const j = withSpecials(tok, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(c => ({content: c})), []);
	j.post_processor = {type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2]};
	fs.writeFileSync(path.join(root, 'test/hftok/wordpiece.json'), JSON.stringify(j));
}

// RoBERTa-like byte-level BPE
{
	const tok = new t.Tokenizer(t.BPE.empty());
	tok.setPreTokenizer(t.byteLevelPreTokenizer(false, true));
	tok.train([train]);
	const specials = [{content: '<s>'}, {content: '<pad>'}, {content: '</s>'}, {content: '<unk>'},
		{content: '<mask>', lstrip: true}];
	const j = withSpecials(tok, specials, t.byteLevelAlphabet());
	// keep the first 2,000 merges (a small file): the vocabulary is then the
	// specials, the single characters and what those merges make
	const merges = j.model.merges.slice(0, 2000);
	const keep = Object.entries(j.model.vocab).sort((a, b) => a[1] - b[1]).map(e => e[0])
		.filter(x => j.added_tokens.some(a => a.content === x) || Array.from(x).length === 1);
	for (const m of merges) {
		const x = Array.isArray(m) ? m[0] + m[1] : m.replace(' ', '');
		if (!keep.includes(x)) keep.push(x);
	}
	j.model.merges = merges;
	j.model.vocab = {};
	keep.forEach((x, i) => { j.model.vocab[x] = i; });
	j.post_processor = {type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0],
		trim_offsets: true, add_prefix_space: false};
	j.decoder = {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true};
	fs.writeFileSync(path.join(root, 'test/hftok/bpe.json'), JSON.stringify(j));
}
