#!/usr/bin/python3
"""Writes tests/golden/sched_*.txt: torch.optim.lr_scheduler (PyTorch 1.13)
runs in the format of ../shared/golden/FORMAT.md ("Schedule files"), for the
branches that the public sched/ files leave out (exp_range, triangular2,
one_cycle linear and three_phase, plateau max/abs/cooldown/eps, warm restarts
with T_mult 1, polynomial power 2, runs of 200+ steps).

    /usr/bin/python3 tests/golden/gen_sched.py   (from the repository root)
"""
import os
import random
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")
OUT = os.path.dirname(os.path.abspath(__file__))


def fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return " ".join(fmt(x) for x in v)
    return repr(v) if isinstance(v, float) else str(v)


def write(file, name, lr, args, steps, make, metrics=None, momentum=False):
    """args: the constructor's (key, value) pairs as the file lists them."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
    sched = make(opt, dict(args))
    lrs = [opt.param_groups[0]["lr"]]
    moms = [opt.param_groups[0]["momentum"]]
    for t in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
    lines = ["# torch %s torch.optim.lr_scheduler, base optimizer SGD(lr=%r, momentum=0.9);"
             " written by tests/golden/gen_sched.py" % (torch.__version__, lr),
             "scheduler " + name, "lr " + fmt(lr)]
    lines += ["%s %s" % (k, fmt(v)) for k, v in args]
    lines.append("steps %d" % steps)
    if metrics is not None:
        lines.append("metrics " + fmt([float(m) for m in metrics]))
    lines.append("lr_values " + fmt([float(x) for x in lrs]))
    if momentum:
        lines.append("momentum_values " + fmt([float(x) for x in moms]))
    with open(os.path.join(OUT, file), "w") as f:
        f.write("\n".join(lines) + "\n")


def plateau_metrics(rng, steps):
    """A loss that falls, stalls, wobbles and falls again."""
    m, out = 1.0, []
    for t in range(steps):
        phase = (t // 12) % 3
        m = m * (0.93 if phase == 0 else 1.0) + rng.uniform(-0.004, 0.004)
        out.append(m)
    return out


def sequential(opt, a):
    warm = S.LinearLR(opt, start_factor=a["start_factor"], end_factor=1.0,
                      total_iters=a["warmup_iters"])
    cos = S.CosineAnnealingLR(opt, T_max=a["T_max"], eta_min=a["eta_min"])
    return S.SequentialLR(opt, [warm, cos], milestones=[a["warmup_iters"]])


def main():
    rng = random.Random(12)
    write("sched_cyclic_exp_range.txt", "cyclic_lr", 0.01,
          [("base_lr", 0.002), ("max_lr", 0.05), ("step_size_up", 5), ("step_size_down", 3),
           ("mode", "exp_range"), ("gamma", 0.99), ("cycle_momentum", True),
           ("base_momentum", 0.85), ("max_momentum", 0.95)], 220,
          lambda o, a: S.CyclicLR(o, **a), momentum=True)
    # step_size_down absent: PyTorch's None, step_size_up's value.
    write("sched_cyclic_triangular2.txt", "cyclic_lr", 0.01,
          [("base_lr", 0.001), ("max_lr", 0.1), ("step_size_up", 4), ("mode", "triangular2"),
           ("gamma", 1.0), ("cycle_momentum", False)], 250,
          lambda o, a: S.CyclicLR(o, **a))
    write("sched_one_cycle_linear_three_phase.txt", "one_cycle_lr", 0.01,
          [("max_lr", 0.2), ("total_steps", 100), ("pct_start", 0.25),
           ("anneal_strategy", "linear"), ("cycle_momentum", True), ("base_momentum", 0.8),
           ("max_momentum", 0.9), ("div_factor", 10.0), ("final_div_factor", 100.0),
           ("three_phase", True)], 100,
          lambda o, a: S.OneCycleLR(o, **a), momentum=True)
    write("sched_one_cycle_cos_three_phase_epochs.txt", "one_cycle_lr", 0.01,
          [("max_lr", 0.3), ("epochs", 5), ("steps_per_epoch", 7), ("pct_start", 0.4),
           ("anneal_strategy", "cos"), ("cycle_momentum", True), ("base_momentum", 0.85),
           ("max_momentum", 0.95), ("div_factor", 25.0), ("final_div_factor", 10000.0),
           ("three_phase", True)], 35,
          lambda o, a: S.OneCycleLR(o, **a), momentum=True)
    write("sched_one_cycle_linear_long.txt", "one_cycle_lr", 0.01,
          [("max_lr", 0.05), ("total_steps", 400), ("pct_start", 0.3),
           ("anneal_strategy", "linear"), ("cycle_momentum", False), ("base_momentum", 0.85),
           ("max_momentum", 0.95), ("div_factor", 25.0), ("final_div_factor", 10000.0),
           ("three_phase", False)], 400,
          lambda o, a: S.OneCycleLR(o, **a))
    write("sched_plateau_max_abs.txt", "reduce_lr_on_plateau", 0.1,
          [("mode", "max"), ("factor", 0.5), ("patience", 1), ("threshold", 0.01),
           ("threshold_mode", "abs"), ("cooldown", 2), ("min_lr", 0.003), ("eps", 1e-08)], 120,
          lambda o, a: S.ReduceLROnPlateau(o, **a),
          metrics=[1.0 - m for m in plateau_metrics(rng, 120)])
    write("sched_plateau_min_abs_cooldown_eps.txt", "reduce_lr_on_plateau", 0.1,
          [("mode", "min"), ("factor", 0.3), ("patience", 2), ("threshold", 0.002),
           ("threshold_mode", "abs"), ("cooldown", 3), ("min_lr", 0.0), ("eps", 0.001)], 150,
          lambda o, a: S.ReduceLROnPlateau(o, **a), metrics=plateau_metrics(rng, 150))
    write("sched_plateau_max_rel.txt", "reduce_lr_on_plateau", 0.05,
          [("mode", "max"), ("factor", 0.1), ("patience", 3), ("threshold", 0.001),
           ("threshold_mode", "rel"), ("cooldown", 0), ("min_lr", 0.0), ("eps", 1e-08)], 90,
          lambda o, a: S.ReduceLROnPlateau(o, **a),
          metrics=[2.0 - m for m in plateau_metrics(rng, 90)])
    write("sched_warm_restarts_tmult1.txt", "cosine_annealing_warm_restarts", 0.1,
          [("T_0", 7), ("T_mult", 1), ("eta_min", 0.001)], 220,
          lambda o, a: S.CosineAnnealingWarmRestarts(o, **a))
    write("sched_warm_restarts_tmult3_long.txt", "cosine_annealing_warm_restarts", 0.05,
          [("T_0", 2), ("T_mult", 3), ("eta_min", 0.0)], 300,
          lambda o, a: S.CosineAnnealingWarmRestarts(o, **a))
    write("sched_polynomial_power2_long.txt", "polynomial_lr", 0.1,
          [("total_iters", 200), ("power", 2.0)], 230,
          lambda o, a: S.PolynomialLR(o, **a))
    write("sched_polynomial_power_half.txt", "polynomial_lr", 0.1,
          [("total_iters", 9), ("power", 0.5)], 12,
          lambda o, a: S.PolynomialLR(o, **a))
    write("sched_cosine_long.txt", "cosine_annealing_lr", 0.1,
          [("T_max", 50), ("eta_min", 0.0005)], 320,
          lambda o, a: S.CosineAnnealingLR(o, **a))
    write("sched_sequential_long.txt", "sequential_linear_cosine", 0.2,
          [("start_factor", 0.05), ("warmup_iters", 20), ("T_max", 200), ("eta_min", 0.0001)],
          260, sequential)
    write("sched_linear_decreasing_long.txt", "linear_lr", 0.1,
          [("start_factor", 1.0), ("end_factor", 0.1), ("total_iters", 150)], 210,
          lambda o, a: S.LinearLR(o, **a))
    write("sched_multi_step_repeated.txt", "multi_step_lr", 0.1,
          [("milestones", [3, 3, 10]), ("gamma", 0.3)], 15,
          lambda o, a: S.MultiStepLR(o, **a))
    write("sched_exponential_long.txt", "exponential_lr", 0.1, [("gamma", 0.99)], 500,
          lambda o, a: S.ExponentialLR(o, **a))
    write("sched_constant_lr_zero_iters.txt", "constant_lr", 0.1,
          [("factor", 0.5), ("total_iters", 0)], 6,
          lambda o, a: S.ConstantLR(o, **a))
    write("sched_step_lr_long.txt", "step_lr", 0.3, [("step_size", 7), ("gamma", 0.8)], 240,
          lambda o, a: S.StepLR(o, **a))


if __name__ == "__main__":
    main()
