#!/usr/bin/python3
"""PyTorch's accuracy for the transformer model of
src/algorithms/nn/transformer.c on the Reuters grain corpus
(data/reuters_grain.csv: train on split 'train', score split 'test'),
read by sql/transformer.sql.

The same network as maas's: Embedding(V, d) plus learned positions
Embedding(T, d) -> LAYERS x nn.TransformerEncoderLayer(d, HEADS, FF,
DROPOUT, relu, batch_first=True) with src_key_padding_mask -> the mean over
each document's own tokens -> Linear(d, 1), with maas's initializers
(embeddings uniform in +-0.05, PyTorch's defaults in the encoder layers,
each layer drawn on its own, a Glorot-uniform classifier with a zero
bias), Adam (PyTorch's defaults, lr 0.001), binary cross-entropy, batch
32, shuffled rows, each batch as long as its longest document.
Documents are tokenized as maas does (lowercased runs of letters and
digits; the 10,000 most frequent words of the training rows, others
unknown), their first T tokens kept (T the longest training document, at
most maxlen 100) and padded at the end; an empty document is one unknown
word.  Accuracy is the mean over SEEDS seeds: one run's accuracy varies
by about a point.

Run by hand, with Debian's python3-torch:

    /usr/bin/python3 test/reference/transformer_reference.py

It writes test/reference/transformer_reference.txt.
"""
import collections
import csv
import os
import re

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "reuters_grain.csv")
OUT = os.path.join(HERE, "transformer_reference.txt")
SEEDS = [1, 2, 3]
NUM_WORDS, MAXLEN, BATCH = 10000, 100, 32
# sql/transformer.sql's quality model (small, for make test's time)
EMB, HEADS, LAYERS, FF, EPOCHS, DROPOUT = 32, 4, 2, 64, 3, 0.1
PAD, OOV, FIRST = 0, 1, 2


def tokens(text):
    return re.findall(r"[^\W_]+", text.lower())


def vocabulary():
    """the training rows' NUM_WORDS most frequent words -> their ids, and the rows"""
    rows = list(csv.DictReader(open(DATA, encoding="utf-8")))
    counts = collections.Counter(w for r in rows if r["split"] == "train" for w in tokens(r["text"]))
    return {w: FIRST + i for i, (w, _) in enumerate(
        sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:NUM_WORDS])}, rows


def load(maxlen=MAXLEN):
    vocab, rows = vocabulary()
    train = [(tokens(r["text"]), int(r["is_grain"])) for r in rows if r["split"] == "train"]
    test = [(tokens(r["text"]), int(r["is_grain"])) for r in rows if r["split"] == "test"]
    ids = lambda t: [vocab.get(w, OOV) for w in t[:maxlen]] or [OOV]
    train = [(ids(t), y) for t, y in train]
    test = [(ids(t), y) for t, y in test]
    steps = min(512, max(len(t) for t, _ in train))
    return train, test, len(vocab) + FIRST, steps


def pad(docs, steps):
    """ids (B x T, T the longest of these documents), the padding mask"""
    docs = [t[:steps] for t, _ in docs]
    T = max(len(t) for t in docs)
    out = np.zeros((len(docs), T), dtype=np.int64)
    for i, t in enumerate(docs):
        out[i, :len(t)] = t
    ids = torch.tensor(out)
    return ids, ids == PAD


class Net(torch.nn.Module):
    def __init__(self, n_words, steps, emb=EMB, heads=HEADS, layers=LAYERS, ff=FF, dropout=DROPOUT):
        super().__init__()
        self.emb = torch.nn.Embedding(n_words, emb)
        self.pos = torch.nn.Embedding(steps, emb)
        self.layers = torch.nn.ModuleList([torch.nn.TransformerEncoderLayer(
            emb, heads, ff, dropout, batch_first=True) for _ in range(layers)])
        self.out = torch.nn.Linear(emb, 1)
        with torch.no_grad():
            torch.nn.init.uniform_(self.emb.weight, -0.05, 0.05)
            torch.nn.init.uniform_(self.pos.weight, -0.05, 0.05)
            torch.nn.init.xavier_uniform_(self.out.weight)
            self.out.bias.zero_()

    def pooled(self, ids, mask):
        x = self.emb(ids) + self.pos(torch.arange(ids.shape[1]))
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=mask)
        keep = (~mask).unsqueeze(2).float()
        return (x * keep).sum(1) / keep.sum(1)

    def forward(self, ids, mask):
        return self.out(self.pooled(ids, mask)).squeeze(1)


def train_epoch(net, opt, train, steps, rng):
    y = torch.tensor([t[1] for t in train], dtype=torch.float32)
    net.train()
    order = rng.permutation(len(train))
    for s in range(0, len(order), BATCH):
        b = order[s:s + BATCH]
        ids, mask = pad([train[i] for i in b], steps)
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(ids, mask), y[b])
        loss.backward()
        opt.step()


def accuracy(seed, train, test, n_words, steps):
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    net = Net(n_words, steps)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    for _ in range(EPOCHS):
        train_epoch(net, opt, train, steps, rng)
    net.eval()
    right = 0
    with torch.no_grad():
        for s in range(0, len(test), 64):
            ids, mask = pad(test[s:s + 64], steps)
            p = torch.sigmoid(net(ids, mask))
            right += int(((p > 0.5).int() == torch.tensor([t[1] for t in test[s:s + 64]])).sum())
    return right / len(test)


def main():
    torch.set_num_threads(1)    # as fast on this small model, and no spinning on a busy machine
    train, test, n_words, steps = load()
    acc = [accuracy(s, train, test, n_words, steps) for s in SEEDS]
    print("transformer", acc)
    with open(OUT, "w") as f:
        # read by COPY: a header, then a row per model (what made it in its last column)
        f.write("model accuracy written_by\n")
        f.write("transformer %.6f transformer_reference.py,torch-%s,seeds-%s,d%d-h%d-l%d-ff%d-e%d\n"
                % (float(np.mean(acc)), torch.__version__, "-".join(map(str, SEEDS)),
                   EMB, HEADS, LAYERS, FF, EPOCHS))


if __name__ == "__main__":
    main()
