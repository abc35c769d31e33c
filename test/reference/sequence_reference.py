#!/usr/bin/python3
"""PyTorch's accuracy for the lstm and gru models of
src/algorithms/nn/sequence.c on the Reuters grain corpus
(data/reuters_grain.csv: train on split 'train', score split 'test'),
read by sql/sequence.sql.

The same network as maas's and Keras's example: Embedding(V, 64) ->
LSTM(64) or GRU(64) -> Dense(1, sigmoid), Keras's initializers (embedding
uniform in +-0.05, Glorot-uniform kernels, orthogonal recurrent weights,
zero biases, the LSTM's forget gate at 1), Adam (lr 0.001, eps 1e-7),
binary cross-entropy, batch 32, shuffled rows, 10 epochs.  Documents are
tokenized as maas does (lowercased runs of letters and digits; the 10,000
most frequent words of the training rows, others unknown), kept to their
last T tokens and padded at the front, T the longest training document
(at most maxlen 100).  Accuracy is the mean over SEEDS seeds: one run's
accuracy varies by about a point.

Run by hand, with Debian's python3-torch:

    /usr/bin/python3 test/reference/sequence_reference.py

It writes test/reference/sequence_reference.txt.  With --bidirectional
it trains the same networks with bidirectional=True instead (Dense reads
torch's h_n of both directions: the forward direction's state after the
last token, the reversed direction's after the first step, the front
padding read last, as maas and Keras's unmasked Bidirectional do), with
smaller settings so that sql/sequence.sql trains them in seconds:
embedding_dim 16, units 16, 6 epochs, learning rate 0.005 (BIDIRECTIONAL;
the documents, tokens, batch and seeds are the same).  Each run replaces
only its own rows (lstm and gru, or lstm_bidirectional and
gru_bidirectional).
"""
import collections
import csv
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "data", "reuters_grain.csv")
OUT = os.path.join(HERE, "sequence_reference.txt")
SEEDS = [1, 2, 3]
NUM_WORDS, MAXLEN, EMB, UNITS, EPOCHS, BATCH = 10000, 100, 64, 64, 10, 32
PAD, OOV, FIRST = 0, 1, 2
LR = 0.001
BIDIRECTIONAL = dict(EMB=16, UNITS=16, EPOCHS=6, LR=0.005)


def tokens(text):
    return re.findall(r"[^\W_]+", text.lower())


def load():
    rows = list(csv.DictReader(open(DATA, encoding="utf-8")))
    train = [(tokens(r["text"]), int(r["is_grain"])) for r in rows if r["split"] == "train"]
    test = [(tokens(r["text"]), int(r["is_grain"])) for r in rows if r["split"] == "test"]
    counts = collections.Counter(w for t, _ in train for w in t)
    vocab = {w: FIRST + i for i, (w, _) in enumerate(
        sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:NUM_WORDS])}
    ids = lambda t: [vocab.get(w, OOV) for w in t[:MAXLEN]]
    train = [(ids(t), y) for t, y in train]
    test = [(ids(t), y) for t, y in test]
    steps = max(1, max(len(t) for t, _ in train))
    return train, test, len(vocab) + FIRST, steps


def pad(docs, steps):
    out = np.zeros((len(docs), steps), dtype=np.int64)
    for i, (t, _) in enumerate(docs):
        t = t[-steps:]
        if t:
            out[i, steps - len(t):] = t
    return torch.tensor(out)


class Net(torch.nn.Module):
    def __init__(self, kind, n_words, bidirectional=False):
        super().__init__()
        self.emb = torch.nn.Embedding(n_words, EMB)
        self.rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(
            EMB, UNITS, batch_first=True, bidirectional=bidirectional)
        self.out = torch.nn.Linear(UNITS * (2 if bidirectional else 1), 1)
        g = 4 if kind == "lstm" else 3
        with torch.no_grad():
            torch.nn.init.uniform_(self.emb.weight, -0.05, 0.05)
            limit = np.sqrt(6.0 / (EMB + g * UNITS))
            for sfx in ["_l0", "_l0_reverse"][:2 if bidirectional else 1]:
                torch.nn.init.uniform_(getattr(self.rnn, "weight_ih" + sfx), -limit, limit)
                # Keras: (units, g units) with orthonormal rows; torch holds its transpose
                torch.nn.init.orthogonal_(getattr(self.rnn, "weight_hh" + sfx))
                getattr(self.rnn, "bias_ih" + sfx).zero_()
                getattr(self.rnn, "bias_hh" + sfx).zero_()
                if kind == "lstm":
                    getattr(self.rnn, "bias_ih" + sfx)[UNITS:2 * UNITS] = 1.0
            torch.nn.init.xavier_uniform_(self.out.weight)
            self.out.bias.zero_()

    def forward(self, ids):
        h, last = self.rnn(self.emb(ids))
        if not self.rnn.bidirectional:
            return self.out(h[:, -1, :]).squeeze(1)
        # h_n: (directions, batch, units); the LSTM's comes with c_n
        hn = last[0] if isinstance(last, tuple) else last
        return self.out(torch.cat([hn[0], hn[1]], dim=1)).squeeze(1)


def fit_score(net, rng, train, test, steps, epochs=EPOCHS, lr=0.001):
    """Adam over shuffled batches of train (rng's order), epochs times; the
    accuracy on test (also cnn_reference.py's)"""
    opt = torch.optim.Adam(net.parameters(), lr=lr, eps=1e-7)
    x, y = pad(train, steps), torch.tensor([t[1] for t in train], dtype=torch.float32)
    net.train()
    for _ in range(epochs):
        order = rng.permutation(len(train))
        for s in range(0, len(order), BATCH):
            b = torch.tensor(order[s:s + BATCH])
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x[b]), y[b])
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        p = torch.sigmoid(net(pad(test, steps)))
    return float(((p > 0.5).int() == torch.tensor([t[1] for t in test])).float().mean())


def accuracy(kind, seed, train, test, n_words, steps, bidirectional=False):
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    return fit_score(Net(kind, n_words, bidirectional), rng, train, test, steps, EPOCHS, LR)


def main():
    torch.set_num_threads(2)
    bidirectional = "--bidirectional" in sys.argv[1:]
    if bidirectional:
        globals().update(BIDIRECTIONAL)
    train, test, n_words, steps = load()
    # read by COPY: a header, then a row per model (what made it in its last column)
    # the rows of the other run stay
    names = [k + ("_bidirectional" if bidirectional else "") for k in ("lstm", "gru")]
    lines = ["model accuracy written_by"] + [
        l for l in (open(OUT).read().splitlines()[1:] if os.path.exists(OUT) else [])
        if l.split(" ")[0] not in names]
    for kind in ("lstm", "gru"):
        acc = [accuracy(kind, s, train, test, n_words, steps, bidirectional) for s in SEEDS]
        lines.append("%s%s %.6f sequence_reference.py,torch-%s,seeds-%s"
                     % (kind, "_bidirectional" if bidirectional else "", float(np.mean(acc)),
                        torch.__version__, "-".join(map(str, SEEDS))))
        print(kind, acc)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
