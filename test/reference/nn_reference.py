#!/usr/bin/python3
"""PyTorch's numbers for the networks and optimizers of src/algorithms/nn
and src/core/optimizer.c, read by test/unit/nn_reference_test.c and
nn_optimizer_test.c (test/suite/nn.sh).

Run by hand from the repository root with Debian's Python (python3-torch),
after changing this script; the test itself needs no torch:

    /usr/bin/python3 test/reference/nn_reference.py

It writes test/reference/nn_reference.txt.  Everything is generated from
fixed seeds (numpy's legacy RandomState, stable across versions), rounded
to float32 (the weights, inputs and gradients maas holds), written with 9
significant digits so the C side reads back the very same floats; PyTorch
then computes in float64 on those values, so a reference number is exact to
~1e-15 and the test's tolerance measures maas's single-precision error only.

File format: one record per line, "key value value ...", '#' comments.

  net NAME inputs=I outputs=K output=ACT loss=LOSS delta=D rows=N hidden=U:ACT,U:ACT,...
    (hidden= is empty for a network without a hidden layer)
  params P w...    maas's layout: per layer the weights (in x out, row-major,
                   i.e. torch's Linear.weight transposed), then the biases
  x N*I ...        inputs, row-major
  y N ...          target: a value, 0/1, or the class
  out N*K ...      output after the output activation (identity, sigmoid, softmax)
  z N*K ...        the output layer's pre-activation
  zmag N*K ...     its magnitude, |a| @ |W| + |b| over the output layer's
                   inputs a: the scale of float32 rounding in z (the test's
                   relative errors of z and the outputs are against it
                   where it exceeds the value)
  loss 1 v         the summed loss on z: torch.nn.functional's mse_loss,
                   l1_loss, huber_loss(delta), binary_cross_entropy_with_logits,
                   cross_entropy, each with reduction="sum"
  dinput N*I ...   d loss / d x (autograd)
  grad P ...       d loss / d params, in maas's layout (autograd)
  end

  opt NAME kind=adam|adamw|sgd lr=.. beta1=.. beta2=.. eps=.. momentum=.. nesterov=0|1 weight_decay=.. n=N steps=S
  w0 N ...         the parameters before the first step
  g N ...          the gradient of step s (S of these, in order), each
  w N ...          followed by the parameters after torch.optim's step
  end
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_grad_enabled(True)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "nn_reference.txt")

ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "leaky_relu", "gelu"]
LOSSES = ["mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy"]


def f32(a):
    return np.asarray(a, dtype=np.float32)


def act(name, z):
    if name == "relu":
        return torch.relu(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "linear":
        return z
    if name == "leaky_relu":
        return F.leaky_relu(z, 0.01)
    if name == "gelu":
        return F.gelu(z)  # exact (erf), approximate="none"
    if name == "softmax":
        return torch.softmax(z, dim=1)
    raise ValueError(name)


def output_of(loss):
    if loss in ("mse", "mae", "huber"):
        return "linear"
    if loss == "binary_crossentropy":
        return "sigmoid"
    return "softmax"


def loss_of(loss, z, y, delta):
    if loss == "mse":
        return F.mse_loss(z[:, 0], y, reduction="sum")
    if loss == "mae":
        return F.l1_loss(z[:, 0], y, reduction="sum")
    if loss == "huber":
        return F.huber_loss(z[:, 0], y, reduction="sum", delta=delta)
    if loss == "binary_crossentropy":
        return F.binary_cross_entropy_with_logits(z[:, 0], y, reduction="sum")
    return F.cross_entropy(z, y.long(), reduction="sum")


def fmt(values):
    return " ".join("%.9g" % v for v in values)


def fmt64(values):
    return " ".join("%.17g" % v for v in values)


def network(out, name, seed, inputs, hidden, outputs, loss, rows, delta=1.0):
    """hidden: [(units, activation)]; the output layer's activation and
    units follow the loss (K classes for categorical_crossentropy)."""
    rng = np.random.RandomState(seed)
    oact = output_of(loss)
    k = outputs if loss == "categorical_crossentropy" else 1
    sizes = [inputs] + [u for u, _ in hidden] + [k]
    acts = [a for _, a in hidden] + [oact]
    weights = []  # (W in x out, b) float32
    for l in range(len(sizes) - 1):
        fan_in, fan_out = sizes[l], sizes[l + 1]
        limit = np.sqrt(3.0 / fan_in) * 1.2
        W = f32(rng.uniform(-limit, limit, size=(fan_in, fan_out)))
        b = f32(rng.uniform(-0.5, 0.5, size=fan_out))
        weights.append((W, b))
    x = f32(rng.uniform(-2, 2, size=(rows, inputs)))

    def forward(xt, params, mag=False):
        a = xt
        z = None
        zmag = None
        for l, (W, b) in enumerate(params):
            z = a @ W + b
            zmag = a.abs() @ W.abs() + b.abs()
            a = act(acts[l], z)
        return (z, a, zmag) if mag else (z, a)

    tw = [(torch.tensor(W, dtype=torch.float64, requires_grad=True),
           torch.tensor(b, dtype=torch.float64, requires_grad=True)) for W, b in weights]
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        z0, _ = forward(tx, tw)
    # targets: regression offsets from the output that keep every error away
    # from 0 (mae's kink) and from +-delta (huber's switch), both of huber's
    # branches present; 0/1; classes
    if loss in ("mse", "mae", "huber"):
        mags = np.array([0.3, 1.7, 0.55, 2.6, 0.8, 1.3])
        sign = np.where(rng.uniform(size=rows) < 0.5, -1.0, 1.0)
        offs = sign * mags[np.arange(rows) % len(mags)] * (delta if loss == "huber" else 1.0)
        y = f32(z0[:, 0].numpy() + offs)
    elif loss == "binary_crossentropy":
        y = f32(np.arange(rows) % 2)
        rng.shuffle(y)
    else:
        y = f32(rng.randint(0, k, size=rows))
    ty = torch.tensor(y, dtype=torch.float64)
    with torch.no_grad():
        _, _, zmag = forward(tx, tw, mag=True)
    z, a = forward(tx, tw)
    L = loss_of(loss, z, ty, delta)
    L.backward()
    params = []
    grads = []
    for (W, b), (tW, tb) in zip(weights, tw):
        params += list(W.reshape(-1)) + list(b)
        grads += list(tW.grad.numpy().reshape(-1)) + list(tb.grad.numpy())
    out.write("net %s inputs=%d outputs=%d output=%s loss=%s delta=%.9g rows=%d hidden=%s\n" % (
        name, inputs, k, oact, loss, delta, rows, ",".join("%d:%s" % h for h in hidden)))
    out.write("params %d %s\n" % (len(params), fmt(params)))
    out.write("x %d %s\n" % (x.size, fmt(x.reshape(-1))))
    out.write("y %d %s\n" % (rows, fmt(y)))
    out.write("out %d %s\n" % (rows * k, fmt64(a.detach().numpy().reshape(-1))))
    out.write("z %d %s\n" % (rows * k, fmt64(z.detach().numpy().reshape(-1))))
    out.write("zmag %d %s\n" % (rows * k, fmt64(zmag.numpy().reshape(-1))))
    out.write("loss 1 %.17g\n" % L.item())
    out.write("dinput %d %s\n" % (x.size, fmt64(tx.grad.numpy().reshape(-1))))
    out.write("grad %d %s\n" % (len(grads), fmt64(grads)))
    out.write("end\n")


def optimizer(out, name, seed, kind, lr, n=7, steps=5, beta1=0.9, beta2=0.999, eps=1e-8,
              momentum=0.0, nesterov=False, weight_decay=0.0):
    rng = np.random.RandomState(seed)
    w0 = f32(rng.uniform(-1, 1, size=n))
    gs = []
    for s in range(steps):
        g = rng.normal(size=n) * np.array([1, 0.01, 3, 1, 1e-4, 1, 0.5])[np.arange(n) % 7]
        g[n - 1] = 0.0 if s % 2 else g[n - 1]  # a gradient that is sometimes exactly 0
        if n > 1:
            g[n - 2] = 0.0  # and one that always is
        gs.append(f32(g))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    if kind == "adam":
        o = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=0)
    elif kind == "adamw":
        o = torch.optim.AdamW([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    else:
        o = torch.optim.SGD([p], lr=lr, momentum=momentum, nesterov=nesterov)
    out.write("opt %s kind=%s lr=%.17g beta1=%.17g beta2=%.17g eps=%.17g momentum=%.17g "
              "nesterov=%d weight_decay=%.17g n=%d steps=%d\n" % (
                  name, kind, lr, beta1, beta2, eps, momentum, int(nesterov), weight_decay, n, steps))
    out.write("w0 %d %s\n" % (n, fmt(w0)))
    for g in gs:
        p.grad = torch.tensor(g, dtype=torch.float64)
        o.step()
        out.write("g %d %s\n" % (n, fmt(g)))
        out.write("w %d %s\n" % (n, fmt64(p.detach().numpy())))
    out.write("end\n")


def main():
    with open(OUT, "w") as out:
        out.write("# written by test/reference/nn_reference.py (torch %s, numpy %s); do not edit\n"
                  % (torch.__version__, np.__version__))
        seed = 1000
        # every hidden activation with every loss and its output layer
        for a in ACTIVATIONS:
            for loss in LOSSES:
                seed += 1
                network(out, "%s_%s" % (a, loss), seed, 3, [(5, a), (4, a)], 3, loss, 5,
                        delta=0.7 if loss == "huber" else 1.0)
        # one of each activation in a deeper net; no hidden layer; wider ones
        network(out, "mixed_deep", 2001, 6,
                [(7, "relu"), (6, "gelu"), (5, "tanh"), (4, "sigmoid"), (5, "leaky_relu"), (3, "linear")],
                4, "categorical_crossentropy", 9)
        network(out, "no_hidden_bce", 2002, 4, [], 1, "binary_crossentropy", 6)
        network(out, "no_hidden_mse", 2003, 4, [], 1, "mse", 6)
        network(out, "wide_gelu_relu_mse", 2004, 12, [(32, "gelu"), (24, "relu")], 1, "mse", 70)
        network(out, "wide_tanh_cce", 2005, 10, [(40, "tanh")], 7, "categorical_crossentropy", 67)
        network(out, "huber_delta_2.5", 2006, 5, [(6, "sigmoid")], 1, "huber", 8, delta=2.5)
        # optimizers: torch.optim on a few steps
        optimizer(out, "adam", 3001, "adam", lr=0.01)
        optimizer(out, "adam_eps_betas", 3002, "adam", lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3)
        optimizer(out, "adam_keras_eps", 3003, "adam", lr=0.001, eps=1e-7)
        optimizer(out, "adam_beta2_0.9999", 3010, "adam", lr=0.01, beta2=0.9999)
        optimizer(out, "adam_beta2_0.99999999", 3011, "adam", lr=0.01, beta2=0.99999999, eps=1e-7)
        optimizer(out, "adamw", 3004, "adamw", lr=0.01, weight_decay=0.1)
        optimizer(out, "adamw_strong", 3005, "adamw", lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6,
                  weight_decay=0.5)
        optimizer(out, "sgd", 3006, "sgd", lr=0.1)
        optimizer(out, "sgd_momentum", 3007, "sgd", lr=0.05, momentum=0.9)
        optimizer(out, "sgd_nesterov", 3008, "sgd", lr=0.05, momentum=0.9, nesterov=True)
        optimizer(out, "sgd_nesterov_0.5", 3009, "sgd", lr=0.2, momentum=0.5, nesterov=True)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
