#!/usr/bin/python3
"""Oracle files for the optimizers at the extremes of float32, from PyTorch 1.13.1.

Writes tests/golden/<optimizer>_*huge*.txt in the optimizer format of
../shared/golden/FORMAT.md (tests/run.sh replays them with `descent golden`
on every variant, beside the shared oracle files).

Run with the PyTorch these files name (Debian's python3-torch 1.13.1, whose
torch.__version__ reads 1.13.0a0; it reproduces ../shared/golden/optim/
rmsprop_*.txt bit for bit):

    /usr/bin/python3 tests/golden/gen_extreme.py [OUTDIR]

on an x86-64 CPU with AVX2 (PyTorch's default kernels there; its AVX-512
kernels give the same files).  Its kernels without AVX
(ATEN_CPU_CAPABILITY=default) do not fuse the multiply-adds and give other
files, some with parameters that are not finite: the script refuses them.

What the cases exercise: |g| or weight_decay*|p| between about 1.8e19 and
1e30, where g*g alone overflows float32.  PyTorch forms every average of
squares with addcmul, v = beta*v + ((1 - beta)*g)*g in one fused
multiply-add (RMSprop, Adam, AdamW, NAdam, RAdam, and both averages of
Adadelta; Adagrad's sum + g*g, also one rounding), which does not overflow
while |(1 - beta)*g*g| stays below 3.4e38 (|g| below about 5.8e19 for
beta = 0.9, 1.8e20 for 0.99, 5.8e20 for 0.999) and gives v = inf, a zero
step, above.  Adamax has no square, and Adagrad's sum overflows at the same
|g| fused or not: their files check that 1e30 gradients give PyTorch's
ordinary (Adamax) or zero (Adagrad) steps.  Every parameter PyTorch
computes stays finite; the files check that the implementation does the
same.

NAdam: the files follow the documented formula (../shared/golden/FORMAT.md),
so the 1.13 NAdam is run with its one differing line,
mu_product_next = mu_product * mu * mu_next, replaced by the documented
mu_product * mu_next; everything else is torch.optim.NAdam of 1.13.
"""
import inspect
import os
import sys

import torch

# One gradient scale per element (repeated): gradients that overflow v
# (1e30, 1e25), that overflow g*g but not v (1e20, 3e19, 1e19 for |N(0,1)|
# above 1.8), just below the edge (1e18), and ordinary ones (1e3, 1).
SCALES = [1e30, 1e25, 1e20, 3e19, 1e19, 1e18, 1e3, 1.0] * 2
# Initial parameter scales for the weight-decay cases: with wd = 1e30,
# wd*p runs from about 1e30 down to about 1 across the elements.
PARAM_SCALES = [1.0, 1e-5, 1e-10, 3e-11, 1e-11, 1e-12, 1e-27, 1e-30] * 2
# Adadelta's window is narrower (rho = 0.9: v overflows from |g| ~ 5.8e19,
# g*g from 1.8e19), so its weight-decay file puts four scales inside it.
WINDOW_PARAM_SCALES = [1.0, 1e-5, 5e-11, 4e-11, 3e-11, 2.5e-11, 1e-27, 1e-30] * 2

# Per optimizer: the class and the hyperparameter keys in FORMAT.md's order.
OPTIMIZERS = {
    "rmsprop": (torch.optim.RMSprop, "lr alpha eps weight_decay momentum centered"),
    "adam": (torch.optim.Adam, "lr beta1 beta2 eps weight_decay amsgrad"),
    "adamw": (torch.optim.AdamW, "lr beta1 beta2 eps weight_decay amsgrad"),
    "nadam": (torch.optim.NAdam, "lr beta1 beta2 eps weight_decay momentum_decay"),
    "radam": (torch.optim.RAdam, "lr beta1 beta2 eps weight_decay"),
    "adamax": (torch.optim.Adamax, "lr beta1 beta2 eps weight_decay"),
    "adadelta": (torch.optim.Adadelta, "lr rho eps weight_decay"),
    "adagrad": (torch.optim.Adagrad, "lr lr_decay weight_decay initial_accumulator_value eps"),
}

RMSPROP = dict(lr=0.01, alpha=0.99, eps=1e-08)
ADAM = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0, amsgrad=False)
NADAM = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0, momentum_decay=0.004)
RADAM = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0)
ADAMAX = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0)
ADADELTA = dict(lr=1.0, rho=0.9, eps=1e-06, weight_decay=0.0)
ADAGRAD = dict(lr=0.1, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10)
HUGE_WD = dict(weight_decay=1e30)

GRADS = "gradients N(0,1) * per-element scales 1e30 .. 1"
WD = "weight_decay 1e30; gradients N(0,1), parameters N(0,1) * scales 1 .. 1e-30"


def case(name, optimizer, comment, hparams, grad_scales=None, param_scales=None, steps=6,
         scaled_from=1):
    """One file: gradients N(0,1), times grad_scales from step scaled_from on."""
    return dict(name=name, optimizer=optimizer, comment=comment, hparams=hparams,
                grad_scales=grad_scales, param_scales=param_scales, steps=steps,
                scaled_from=scaled_from)


# The seed of each file is its position in this list (from 1): append new
# cases at the end, so that the files already written keep their numbers.
# Weight decay 1e30 only where the fused square changes the result.  Not in
# NAdam (its first step divides v by 1 - beta2, which gives back g^2: inf
# from 1.8e19 either way), Adagrad (its sum is g^2) or Adamax (no square);
# after that first step every |p| is ~lr, wd*p ~1e28, and every average of
# squares is inf either way.
CASES = [
    case("rmsprop_centered_huge_grad", "rmsprop", "centered; " + GRADS,
         dict(RMSPROP, weight_decay=0.0, momentum=0.0, centered=True), SCALES),
    case("rmsprop_centered_momentum_huge", "rmsprop",
         "centered, momentum 0.9, weight_decay 0.05; gradients N(0,1) * scales 1e30 .. 1",
         dict(RMSPROP, weight_decay=0.05, momentum=0.9, centered=True), SCALES),
    case("rmsprop_centered_huge_wd", "rmsprop", "centered, " + WD,
         dict(RMSPROP, weight_decay=1e30, momentum=0.0, centered=True), None, PARAM_SCALES),
    case("rmsprop_huge_grad", "rmsprop", "not centered; " + GRADS,
         dict(RMSPROP, weight_decay=0.0, momentum=0.0, centered=False), SCALES),
    case("adam_huge_grad", "adam", GRADS, ADAM, SCALES),
    case("adam_amsgrad_huge_grad", "adam", "amsgrad; " + GRADS, dict(ADAM, amsgrad=True), SCALES),
    case("adam_huge_wd", "adam", WD, dict(ADAM, **HUGE_WD), None, PARAM_SCALES),
    case("adamw_huge_grad", "adamw", "weight_decay 0.01 (decoupled); " + GRADS,
         dict(ADAM, weight_decay=0.01), SCALES),
    case("nadam_huge_grad", "nadam", GRADS, NADAM, SCALES),
    # RAdam's first 5 steps are unrectified, p -= lr*m^ with no v: a 1e30
    # gradient there would move p by 5e28 and hide every other element
    # under the tolerance of the largest.  So the scales start at step 6,
    # with rectification; v still holds steps 1 to 5.  (For the same reason
    # there is no RAdam file with weight decay 1e30.)
    case("radam_huge_grad", "radam",
         "gradients N(0,1), from step 6 (rectified) times per-element scales 1e30 .. 1",
         RADAM, SCALES, steps=10, scaled_from=6),
    case("adamax_huge_grad", "adamax", GRADS, ADAMAX, SCALES),
    case("adadelta_huge_grad", "adadelta", GRADS, ADADELTA, SCALES),
    case("adadelta_huge_wd", "adadelta", WD, dict(ADADELTA, **HUGE_WD), None, WINDOW_PARAM_SCALES),
    case("adagrad_huge_grad", "adagrad", GRADS, ADAGRAD, SCALES),
]

N = 16


def values(tensor):
    return " ".join("%.9g" % float(x) for x in tensor.tolist())


def hparam_line(key, value):
    return "%s %d" % (key, value) if isinstance(value, bool) else "%s %g" % (key, value)


def constructor_args(hparams):
    args = {k: v for k, v in hparams.items() if k not in ("beta1", "beta2")}
    if "beta1" in hparams:
        args["betas"] = (hparams["beta1"], hparams["beta2"])
    return args


def use_documented_nadam():
    """Replaces torch 1.13's single-tensor NAdam by the same function with the
    documented mu_{t+1} product (the only line that differs)."""
    module = sys.modules[torch.optim.NAdam.__module__]  # torch/optim/nadam.py
    old = "mu_product_next = mu_product * mu * mu_next"
    source = inspect.getsource(module._single_tensor_nadam)
    if source.count(old) != 1:
        sys.exit("NAdam: expected the 1.13 line '%s' once" % old)
    namespace = dict(vars(module))
    exec(source.replace(old, "mu_product_next = mu_product * mu_next"), namespace)
    module._single_tensor_nadam = namespace["_single_tensor_nadam"]


def generate(c, seed):
    cls, keys = OPTIMIZERS[c["optimizer"]]
    hparams = c["hparams"]
    generator = torch.Generator().manual_seed(seed)
    init = torch.randn(N, generator=generator, dtype=torch.float32)
    if c["param_scales"] is not None:
        init = init * torch.tensor(c["param_scales"], dtype=torch.float32)
    param = torch.nn.Parameter(init.clone())
    optimizer = cls([param], **constructor_args(hparams))
    lines = [
        "# %s: PyTorch 1.13.1 torch.optim.%s, float32, CPU (python3-torch "
        "1.13.1+dfsg, torch.__version__ %s; tests/golden/gen_extreme.py)"
        % (c["name"], cls.__name__, torch.__version__),
        "# " + c["comment"],
        "optimizer " + c["optimizer"],
    ]
    lines += [hparam_line(key, hparams[key]) for key in keys.split()]
    lines += ["n %d" % N, "steps %d" % c["steps"], "init " + values(init)]
    for t in range(1, c["steps"] + 1):
        grad = torch.randn(N, generator=generator, dtype=torch.float32)
        if c["grad_scales"] is not None and t >= c["scaled_from"]:
            grad = grad * torch.tensor(c["grad_scales"], dtype=torch.float32)
        param.grad = grad.clone()
        optimizer.step()
        if not torch.isfinite(param.detach()).all():
            sys.exit("%s: PyTorch's parameters are not finite at step %d" % (c["name"], t))
        lines.append("grad %d %s" % (t, values(grad)))
        lines.append("param %d %s" % (t, values(param.detach())))
    return "\n".join(lines) + "\n"


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit("expected PyTorch 1.13, found %s" % torch.__version__)
    if cpu_capability() not in ("AVX2", "AVX512"):
        sys.exit("PyTorch runs its %s CPU kernels here; the files come from its AVX2 ones"
                 % cpu_capability())
    use_documented_nadam()
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for seed, c in enumerate(CASES, 1):
        text = generate(c, seed)
        with open(os.path.join(outdir, c["name"] + ".txt"), "w") as f:
            f.write(text)
        print("wrote", os.path.join(outdir, c["name"] + ".txt"))


if __name__ == "__main__":
    main()
