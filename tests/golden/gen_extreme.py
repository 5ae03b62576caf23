#!/usr/bin/python3
"""Oracle files for RMSprop at the extremes of float32, from PyTorch 1.13.1.

Writes tests/golden/rmsprop_*huge*.txt in the optimizer format of
../shared/golden/FORMAT.md (tests/run.sh replays them with `descent golden`
on every variant, beside the shared oracle files).

Run with the PyTorch these files name (Debian's python3-torch 1.13.1, whose
torch.__version__ reads 1.13.0a0; it reproduces ../shared/golden/optim/
rmsprop_*.txt bit for bit):

    /usr/bin/python3 tests/golden/gen_extreme.py [OUTDIR]

What the cases exercise: |g| or weight_decay*|p| between about 1.8e19 and
1e30, where g*g alone overflows float32 but PyTorch's addcmul,
v = alpha*v + ((1 - alpha)*g)*g and v - gbar*gbar, does not overflow at all
(|g| below about 1.8e20) or gives v = inf and v - gbar^2 = inf, a zero step
(above), never inf - inf = NaN.  Every parameter PyTorch computes stays
finite; the files check that the implementation does the same.
"""
import os
import sys

import torch

# One gradient scale per element (repeated): gradients that overflow v
# (1e30, 1e25), that overflow g*g but not v (1e20, 3e19, 1e19 for |N(0,1)|
# above 1.8), just below the edge (1e18), and ordinary ones (1e3, 1).
SCALES = [1e30, 1e25, 1e20, 3e19, 1e19, 1e18, 1e3, 1.0] * 2
# Initial parameter scales for the weight-decay case: with wd = 1e30,
# wd*p runs from about 1e30 down to about 1 across the elements.
PARAM_SCALES = [1.0, 1e-5, 1e-10, 3e-11, 1e-11, 1e-12, 1e-27, 1e-30] * 2

CASES = [
    # name, comment, hyperparameters, gradient scales, initial parameter scales
    ("rmsprop_centered_huge_grad",
     "centered; gradients N(0,1) * per-element scales 1e30 .. 1",
     dict(weight_decay=0.0, momentum=0.0, centered=True), SCALES, None),
    ("rmsprop_centered_momentum_huge",
     "centered, momentum 0.9, weight_decay 0.05; gradients N(0,1) * scales 1e30 .. 1",
     dict(weight_decay=0.05, momentum=0.9, centered=True), SCALES, None),
    ("rmsprop_centered_huge_wd",
     "centered, weight_decay 1e30; gradients N(0,1), parameters N(0,1) * scales 1 .. 1e-30",
     dict(weight_decay=1e30, momentum=0.0, centered=True), None, PARAM_SCALES),
    ("rmsprop_huge_grad",
     "not centered; gradients N(0,1) * per-element scales 1e30 .. 1",
     dict(weight_decay=0.0, momentum=0.0, centered=False), SCALES, None),
]

N, STEPS, LR, ALPHA, EPS = 16, 6, 0.01, 0.99, 1e-08


def values(tensor):
    return " ".join("%.9g" % float(x) for x in tensor.tolist())


def generate(name, comment, options, grad_scales, param_scales, seed):
    generator = torch.Generator().manual_seed(seed)
    init = torch.randn(N, generator=generator, dtype=torch.float32)
    if param_scales is not None:
        init = init * torch.tensor(param_scales, dtype=torch.float32)
    param = torch.nn.Parameter(init.clone())
    optimizer = torch.optim.RMSprop([param], lr=LR, alpha=ALPHA, eps=EPS, **options)
    lines = [
        "# %s: PyTorch 1.13.1 torch.optim.RMSprop, float32, CPU (python3-torch "
        "1.13.1+dfsg, torch.__version__ %s; tests/golden/gen_extreme.py)"
        % (name, torch.__version__),
        "# " + comment,
        "optimizer rmsprop",
        "lr %g" % LR,
        "alpha %g" % ALPHA,
        "eps %g" % EPS,
        "weight_decay %g" % options["weight_decay"],
        "momentum %g" % options["momentum"],
        "centered %d" % int(options["centered"]),
        "n %d" % N,
        "steps %d" % STEPS,
        "init " + values(init),
    ]
    for t in range(1, STEPS + 1):
        grad = torch.randn(N, generator=generator, dtype=torch.float32)
        if grad_scales is not None:
            grad = grad * torch.tensor(grad_scales, dtype=torch.float32)
        param.grad = grad.clone()
        optimizer.step()
        if not torch.isfinite(param.detach()).all():
            sys.exit("%s: PyTorch's parameters are not finite at step %d" % (name, t))
        lines.append("grad %d %s" % (t, values(grad)))
        lines.append("param %d %s" % (t, values(param.detach())))
    return "\n".join(lines) + "\n"


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit("expected PyTorch 1.13, found %s" % torch.__version__)
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for seed, (name, comment, options, grad_scales, param_scales) in enumerate(CASES, 1):
        text = generate(name, comment, options, grad_scales, param_scales, seed)
        with open(os.path.join(outdir, name + ".txt"), "w") as f:
            f.write(text)
        print("wrote", os.path.join(outdir, name + ".txt"))


if __name__ == "__main__":
    main()
