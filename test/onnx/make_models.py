#!/usr/bin/python3
"""Small random PyTorch models exported to ONNX, with PyTorch's outputs.

Used by test/t/065_onnx.pl and bench/onnx.sh; nothing is downloaded.
Writes into DIR: mlp_class.onnx (4 features -> 3 class logits),
mlp_reg.onnx (4 features -> 1 value), bert.onnx (a 2-layer BERT-like
encoder: inputs input_ids, attention_mask, token_type_ids; outputs logits
(3 classes, from the [CLS] token) and last_hidden_state), tokenizer.json
(WordPiece, BERT's normalizer and pre-tokenizer, truncation at 24), and
reference.json: the rows, the texts, their token ids and every output.

usage: make_models.py DIR [--bench]   (--bench: a larger encoder, for bench/onnx.sh)
"""
import json
import math
import sys
import unicodedata

import numpy as np
import torch
from torch import nn

out = sys.argv[1]
bench = '--bench' in sys.argv
torch.manual_seed(14)
np.random.seed(14)

# ---- feature models ----
mlp_class = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3)).eval()
mlp_reg = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).eval()
# rows exact in float32, so maas's doubles and PyTorch's floats agree
rows = np.round(np.random.randn(40, 4), 3).astype(np.float32)
x = torch.from_numpy(rows)
for name, model in [('mlp_class', mlp_class), ('mlp_reg', mlp_reg)]:
    torch.onnx.export(model, (x[:2],), '%s/%s.onnx' % (out, name), input_names=['x'],
                      output_names=['y'], dynamic_axes={'x': {0: 'batch'}, 'y': {0: 'batch'}},
                      opset_version=17, dynamo=False)
with torch.no_grad():
    proba = torch.softmax(mlp_class(x), dim=1).numpy()
    value = mlp_reg(x)[:, 0].numpy()

# ---- the tokenizer: BERT's WordPiece over a small vocabulary ----
words = ('the a is was and of to in it this that good bad great terrible movie film '
         'food service café naïve résumé cafe naive resume ecole uber facade very not really love hate like ok fine '
         'un ##believ ##able ##s ##ing ##ed ##ly play ##er happy sad '
         '我 喜 欢 电 影 这 个 好 不 很 日 本 語 ! , . ? \' -').split()
vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + words
tokenizer = {
    'version': '1.0',
    'truncation': {'direction': 'Right', 'max_length': 128 if bench else 24, 'strategy': 'LongestFirst',
                   'stride': 0},
    'padding': None,
    'added_tokens': [{'id': i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
                      'normalized': False, 'special': True} for i, t in enumerate(vocab[:5])],
    'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                   'strip_accents': None, 'lowercase': True},
    'pre_tokenizer': {'type': 'BertPreTokenizer'},
    'post_processor': {
        'type': 'TemplateProcessing',
        'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                   {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
        'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                 {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}},
                 {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
        'special_tokens': {'[CLS]': {'id': '[CLS]', 'ids': [2], 'tokens': ['[CLS]']},
                           '[SEP]': {'id': '[SEP]', 'ids': [3], 'tokens': ['[SEP]']}}},
    'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
    'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
              'max_input_chars_per_word': 100, 'vocab': {t: i for i, t in enumerate(vocab)}},
}
with open('%s/tokenizer.json' % out, 'w') as f:
    json.dump(tokenizer, f, ensure_ascii=False)


def is_cjk(c):
    cp = ord(c)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or
            0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or
            0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_punct(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith('P')


def encode(text):
    """Hugging Face's BertNormalizer + BertPreTokenizer + WordPiece, for this vocabulary"""
    s = []
    for c in text:
        cp = ord(c)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(c).startswith('C') and c not in '\t\n\r'):
            continue
        if c in '\t\n\r' or unicodedata.category(c) == 'Zs':
            s.append(' ')
        elif is_cjk(c):
            s.append(' %s ' % c)
        else:
            s.append(c)
    s = ''.join(s).lower()
    # lowercase without strip_accents set: accents are stripped too (BERT's rule)
    s = ''.join(c for c in unicodedata.normalize('NFD', s) if unicodedata.category(c) != 'Mn')
    pieces = []
    for w in s.split():
        cur = ''
        for c in w:
            if is_punct(c):
                if cur:
                    pieces.append(cur)
                pieces.append(c)
                cur = ''
            else:
                cur += c
        if cur:
            pieces.append(cur)
    ids = []
    ix = {t: i for i, t in enumerate(vocab)}
    for w in pieces:
        if len(w) > 100:
            ids.append(1)
            continue
        start, sub = 0, []
        while start < len(w):
            end, found = len(w), None
            while start < end:
                t = w[start:end] if start == 0 else '##' + w[start:end]
                if t in ix:
                    found = ix[t]
                    break
                end -= 1
            if found is None:
                sub = [1]
                break
            sub.append(found)
            start = end
        ids.extend(sub)
    return [2] + ids[:22] + [3]


texts = ['This movie was unbelievable!', 'the food is very good', 'terrible service, not ok.',
         'Café naïve résumé', '我喜欢这个电影', '日本語 is not really fine?', 'I love it 😀 🎉',
         '', 'good good good good good good good good good good good good good good good good good good good good good good good good good',
         "players playing played - really happy, really sad", 'ÉCOLE Über façade', 'unknown words zzz qqq']


# ---- a BERT-like encoder ----
class Layer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d, eps=1e-12)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-12)

    def forward(self, x, bias):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // self.h) + bias, dim=-1)
        x = self.ln1(x + self.o((a @ v).transpose(1, 2).reshape(b, t, d)))
        return self.ln2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class Bert(nn.Module):
    def __init__(self, n_vocab, d, heads, layers, ff, classes):
        super().__init__()
        self.tok = nn.Embedding(n_vocab, d)
        self.pos = nn.Embedding(160, d)
        self.typ = nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1e-12)
        self.layers = nn.ModuleList([Layer(d, heads, ff) for _ in range(layers)])
        self.head = nn.Linear(d, classes)

    def forward(self, input_ids, attention_mask, token_type_ids):
        t = input_ids.shape[1]
        pos = torch.arange(t).unsqueeze(0)
        x = self.ln(self.tok(input_ids) + self.pos(pos) + self.typ(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return self.head(torch.tanh(x[:, 0])), x


d, layers = (128, 4) if bench else (32, 2)
bert = Bert(len(vocab), d, 4, layers, 4 * d, 3).eval()
ids0 = torch.tensor([encode('the movie')])
torch.onnx.export(bert, (ids0, torch.ones_like(ids0), torch.zeros_like(ids0)), '%s/bert.onnx' % out,
                  input_names=['input_ids', 'attention_mask', 'token_type_ids'],
                  output_names=['logits', 'last_hidden_state'],
                  dynamic_axes={n: {0: 'batch', 1: 'seq'} for n in
                                ['input_ids', 'attention_mask', 'token_type_ids', 'last_hidden_state']} |
                  {'logits': {0: 'batch'}},
                  opset_version=17, dynamo=False)

ref = {'rows': rows.astype(float).tolist(), 'proba': proba.astype(float).tolist(),
       'value': value.astype(float).tolist(), 'texts': texts, 'ids': [], 'text_proba': [],
       'mean': [], 'cls': [], 'mean_normalized': []}
with torch.no_grad():
    for text in texts:
        ids = torch.tensor([encode(text)])
        logits, hidden = bert(ids, torch.ones_like(ids), torch.zeros_like(ids))
        mean = hidden[0].mean(0)
        ref['ids'].append(ids[0].tolist())
        ref['text_proba'].append(torch.softmax(logits[0], 0).tolist())
        ref['mean'].append(mean.tolist())
        ref['cls'].append(hidden[0, 0].tolist())
        ref['mean_normalized'].append((mean / mean.norm()).tolist())
with open('%s/reference.json' % out, 'w') as f:
    json.dump(ref, f, ensure_ascii=False)
