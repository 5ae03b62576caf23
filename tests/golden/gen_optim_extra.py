#!/usr/bin/python3
"""Oracle files for Rprop, ASGD and maximize, from PyTorch 1.13.1.

Writes tests/golden/{rprop,asgd,*_maximize}_*.txt in the optimizer format of
../shared/golden/FORMAT.md (`ax t` rows after each `param t` for ASGD);
tests/run.sh replays them with `descent golden` on every variant, beside
the shared oracle files of optim-extra/.

    /usr/bin/python3 tests/golden/gen_optim_extra.py [OUTDIR]

(Debian's python3-torch 1.13.1, torch.__version__ 1.13.0a0, on x86-64 with
its AVX2 or AVX-512 kernels, as tests/golden/gen_extreme.py.)

What the cases exercise, beyond the shared files (n = 16, 8 steps, defaults):
odd sizes (n = 37: a vector body and a tail for every width), long runs
(200 steps), every option of Rprop (etas, step sizes, maximize) and ASGD
(lambd, alpha, a small t0 so that mu < 1 and ax averages, weight decay,
maximize), gradients from 1e-30 to 1e30 and all-zero steps.  In Rprop the
sign is that of the float32 product g*prev: it underflows to 0 for
|g| ~ 1e-30 (the step size then stays), is a denormal, still positive, for
|g| ~ 1e-20, and overflows to inf (positive) for |g| ~ 1e30.
"""
import os
import sys

import torch

N = 37
OPTIMIZERS = {
    "rprop": (torch.optim.Rprop, "lr etaminus etaplus step_size_min step_size_max maximize"),
    "asgd": (torch.optim.ASGD, "lr lambd alpha t0 weight_decay maximize"),
    "sgd": (torch.optim.SGD, "lr momentum dampening weight_decay nesterov"),
    "adam": (torch.optim.Adam, "lr beta1 beta2 eps weight_decay amsgrad"),
    "rmsprop": (torch.optim.RMSprop, "lr alpha eps weight_decay momentum centered"),
    "adagrad": (torch.optim.Adagrad, "lr lr_decay weight_decay initial_accumulator_value eps"),
}
# Per-element gradient scales, repeated over the n elements.
EXTREME = [1e-30, 1e-20, 1e-3, 1.0, 1e3, 1e20, 1e30]
MODERATE = [1e-30, 1e-10, 1e-3, 1.0, 10.0, 100.0]


def case(name, optimizer, comment, hparams, steps, scales=None, zero_every=0, flip=False):
    """gradients N(0,1) * scales; every zero_every-th step all zeros; flip:
    the sign alternates from step to step (Rprop's step size then shrinks)."""
    return dict(name=name, optimizer=optimizer, comment=comment, hparams=hparams, steps=steps,
                scales=scales, zero_every=zero_every, flip=flip)


RPROP = dict(lr=0.01, etaminus=0.5, etaplus=1.2, step_size_min=1e-6, step_size_max=50.0,
             maximize=False)
ASGD = dict(lr=0.01, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False)

# The seed of each file is its position here (from 1): append at the end.
CASES = [
    case("rprop_etas_maximize", "rprop",
         "etas (0.3, 1.5), step_sizes (1e-3, 0.2), maximize; gradients N(0,1)",
         dict(RPROP, lr=0.05, etaminus=0.3, etaplus=1.5, step_size_min=1e-3,
              step_size_max=0.2, maximize=True), 30),
    case("rprop_long_extreme", "rprop",
         "defaults; 200 steps, gradients N(0,1) * scales 1e-30 .. 1e30, every 7th step zero",
         RPROP, 200, EXTREME, zero_every=7),
    case("rprop_clamp_flips", "rprop",
         "step_sizes (0.01, 0.02), lr 0.015; signs alternate on steps 20-40, 1e-20 .. 1e20",
         dict(RPROP, lr=0.015, step_size_min=0.01, step_size_max=0.02), 60, EXTREME[1:-1],
         flip=True),
    case("asgd_t0_small", "asgd", "lr 0.05, lambd 0.01, t0 5 (mu < 1 from step 7); N(0,1)",
         dict(ASGD, lr=0.05, lambd=0.01, t0=5.0), 60),
    case("asgd_lambd_alpha_maximize", "asgd",
         "lambd 0.05, alpha 0.5, t0 0, weight_decay 0.01, maximize; gradients N(0,1)",
         dict(ASGD, lr=0.02, lambd=0.05, alpha=0.5, t0=0.0, weight_decay=0.01, maximize=True),
         40),
    case("asgd_long_extreme", "asgd",
         "lambd 1e-3, alpha 1, t0 50; 200 steps, scales 1e-30 .. 100, every 9th step zero",
         dict(ASGD, lambd=1e-3, alpha=1.0, t0=50.0), 200, MODERATE, zero_every=9),
    case("sgd_maximize_nesterov", "sgd", "maximize, momentum 0.9, nesterov, weight_decay 0.01",
         dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=True,
              maximize=True), 50, zero_every=11),
    case("adam_maximize_amsgrad", "adam", "maximize, amsgrad, weight_decay 0.01",
         dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, amsgrad=True,
              maximize=True), 50, MODERATE, zero_every=11),
    case("rmsprop_maximize_centered", "rmsprop", "maximize, centered, momentum 0.9",
         dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.9, centered=True,
              maximize=True), 50),
    case("adagrad_maximize_lr_decay", "adagrad", "maximize, lr_decay 0.01, weight_decay 0.01",
         dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1,
              eps=1e-10, maximize=True), 50),
]


def values(tensor):
    return " ".join("%.9g" % float(x) for x in tensor.tolist())


def hparam_line(key, value):
    return "%s %d" % (key, value) if isinstance(value, bool) else "%s %g" % (key, value)


def constructor_args(hparams):
    args = {k: v for k, v in hparams.items()
            if k not in ("beta1", "beta2", "etaminus", "etaplus", "step_size_min",
                         "step_size_max")}
    if "beta1" in hparams:
        args["betas"] = (hparams["beta1"], hparams["beta2"])
    if "etaminus" in hparams:
        args["etas"] = (hparams["etaminus"], hparams["etaplus"])
        args["step_sizes"] = (hparams["step_size_min"], hparams["step_size_max"])
    return args


def generate(c, seed):
    cls, keys = OPTIMIZERS[c["optimizer"]]
    hparams = c["hparams"]
    keys = keys.split()
    if "maximize" not in keys and hparams.get("maximize"):
        keys.append("maximize")  # FORMAT.md: the line after the table's keys
    generator = torch.Generator().manual_seed(seed)
    init = torch.randn(N, generator=generator, dtype=torch.float32)
    param = torch.nn.Parameter(init.clone())
    optimizer = cls([param], **constructor_args(hparams))
    lines = [
        "# %s: PyTorch 1.13.1 torch.optim.%s, float32, CPU (python3-torch 1.13.1+dfsg, "
        "torch.__version__ %s; tests/golden/gen_optim_extra.py)"
        % (c["name"], cls.__name__, torch.__version__),
        "# " + c["comment"],
        "optimizer " + c["optimizer"],
    ]
    lines += [hparam_line(key, hparams[key]) for key in keys]
    lines += ["n %d" % N, "steps %d" % c["steps"], "init " + values(init)]
    scales = None
    if c["scales"] is not None:
        reps = [c["scales"][i % len(c["scales"])] for i in range(N)]
        scales = torch.tensor(reps, dtype=torch.float32)
    for t in range(1, c["steps"] + 1):
        grad = torch.randn(N, generator=generator, dtype=torch.float32)
        if c["flip"] and 20 <= t <= 40:
            grad = grad.abs() * (1.0 if t % 2 else -1.0)
        if scales is not None:
            grad = grad * scales
        if c["zero_every"] and t % c["zero_every"] == 0:
            grad = torch.zeros(N, dtype=torch.float32)
        param.grad = grad.clone()
        optimizer.step()
        if not torch.isfinite(param.detach()).all():
            sys.exit("%s: PyTorch's parameters are not finite at step %d" % (c["name"], t))
        lines.append("grad %d %s" % (t, values(grad)))
        lines.append("param %d %s" % (t, values(param.detach())))
        if c["optimizer"] == "asgd":
            lines.append("ax %d %s" % (t, values(optimizer.state[param]["ax"])))
    return "\n".join(lines) + "\n"


def main():
    if not torch.__version__.startswith("1.13"):
        sys.exit("expected PyTorch 1.13, found %s" % torch.__version__)
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for seed, c in enumerate(CASES, 1):
        path = os.path.join(outdir, c["name"] + ".txt")
        with open(path, "w") as f:
            f.write(generate(c, seed))
        print("wrote", path)


if __name__ == "__main__":
    main()
