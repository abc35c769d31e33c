#!/usr/bin/python3
"""PyTorch's accuracy for the cnn model of src/algorithms/nn/cnn.c on the
Reuters grain corpus (data/reuters_grain.csv: train on split 'train', score
split 'test'), read by sql/cnn.sql.

The same network as maas's (Kim's, as Keras writes it): Embedding(V, 64)
-> Conv1d(64, 100, w) for w in 3, 4, 5, each ReLU and max over time,
concatenated -> Dropout(0.5) -> Linear(300, 1), sigmoid; Keras's
initializers (embedding uniform in +-0.05, Glorot-uniform kernels over
their receptive field and dense weights, zero biases), Adam (lr 0.001, eps
1e-7), binary cross-entropy, batch 32, shuffled rows, EPOCHS epochs.
Documents are tokenized and padded, and the network trained and scored,
as sequence_reference.py does (its load and fit_score: the 10,000 most
frequent training words, the last T tokens padded at the front, T the
longest training document, at most maxlen 100).  Accuracy is the mean
over SEEDS seeds.

Run by hand, with Debian's python3-torch:

    /usr/bin/python3 test/reference/cnn_reference.py

It writes test/reference/cnn_reference.txt.
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sequence_reference import fit_score, load  # noqa: E402

OUT = os.path.join(HERE, "cnn_reference.txt")
SEEDS = [1, 2, 3]
EMB, FILTERS, WIDTHS, DROPOUT, EPOCHS, BATCH = 64, 100, (3, 4, 5), 0.5, 5, 32


class Net(torch.nn.Module):
    def __init__(self, n_words):
        super().__init__()
        self.emb = torch.nn.Embedding(n_words, EMB)
        self.convs = torch.nn.ModuleList(torch.nn.Conv1d(EMB, FILTERS, w) for w in WIDTHS)
        self.drop = torch.nn.Dropout(DROPOUT)
        self.out = torch.nn.Linear(FILTERS * len(WIDTHS), 1)
        with torch.no_grad():
            torch.nn.init.uniform_(self.emb.weight, -0.05, 0.05)
            for w, conv in zip(WIDTHS, self.convs):
                limit = np.sqrt(6.0 / (w * EMB + w * FILTERS))
                torch.nn.init.uniform_(conv.weight, -limit, limit)
                conv.bias.zero_()
            torch.nn.init.xavier_uniform_(self.out.weight)
            self.out.bias.zero_()

    def forward(self, ids):
        x = self.emb(ids).permute(0, 2, 1)
        pooled = torch.cat([torch.relu(c(x)).max(dim=2).values for c in self.convs], 1)
        return self.out(self.drop(pooled)).squeeze(1)


def accuracy(seed, train, test, n_words, steps):
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    return fit_score(Net(n_words), rng, train, test, steps, EPOCHS)


def main():
    torch.set_num_threads(2)
    train, test, n_words, steps = load()
    steps = max(steps, max(WIDTHS))
    acc = [accuracy(s, train, test, n_words, steps) for s in SEEDS]
    print("cnn", acc)
    with open(OUT, "w") as f:
        f.write("model accuracy written_by\n")
        f.write("cnn %.6f cnn_reference.py,torch-%s,seeds-%s\n"
                % (float(np.mean(acc)), torch.__version__, "-".join(map(str, SEEDS))))


if __name__ == "__main__":
    main()
