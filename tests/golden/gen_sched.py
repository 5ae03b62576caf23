#!/usr/bin/python3
"""Writes tests/golden/sched_*.txt: torch.optim.lr_scheduler (PyTorch 1.13) on
branches the shared files do not cover, in FORMAT.md's schedule format.
Run with Debian's python3-torch: /usr/bin/python3 tests/golden/gen_sched.py"""
import os
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
S = torch.optim.lr_scheduler

# name, file tag, base lr, constructor arguments (in the constructor's order), steps, metrics
CASES = [
    ("step_lr", "step_lr_long", 0.1, dict(step_size=7, gamma=0.5), 300, None),
    ("multi_step_lr", "multi_step_lr_repeated", 0.1, dict(milestones=[3, 3, 8], gamma=0.3), 12, None),
    ("constant_lr", "constant_lr_half", 0.2, dict(factor=0.5, total_iters=3), 6, None),
    ("linear_lr", "linear_lr_decay", 0.1, dict(start_factor=1.0, end_factor=0.05, total_iters=40), 60, None),
    ("exponential_lr", "exponential_lr_long", 0.5, dict(gamma=0.99), 400, None),
    ("polynomial_lr", "polynomial_lr_sqrt", 0.3, dict(total_iters=50, power=0.5), 60, None),
    ("cosine_annealing_lr", "cosine_annealing_lr_long", 0.1, dict(T_max=37, eta_min=1e-4), 500, None),
    ("cosine_annealing_warm_restarts", "warm_restarts_tmult1", 0.05,
     dict(T_0=5, T_mult=1, eta_min=0.001), 60, None),
    ("cosine_annealing_warm_restarts", "warm_restarts_tmult3", 0.05,
     dict(T_0=2, T_mult=3, eta_min=0), 90, None),
    ("cyclic_lr", "cyclic_lr_triangular2", 0.01, dict(base_lr=0.001, max_lr=0.02, step_size_up=3,
     step_size_down=5, mode="triangular2", gamma=1.0, cycle_momentum=True, base_momentum=0.7,
     max_momentum=0.95), 60, None),
    ("cyclic_lr", "cyclic_lr_exp_range", 0.01, dict(base_lr=0.002, max_lr=0.05, step_size_up=6,
     step_size_down=6, mode="exp_range", gamma=0.97, cycle_momentum=True, base_momentum=0.8,
     max_momentum=0.9), 100, None),
    ("cyclic_lr", "cyclic_lr_no_momentum", 0.01, dict(base_lr=0.001, max_lr=0.01, step_size_up=4,
     step_size_down=2, mode="triangular", gamma=1.0, cycle_momentum=False, base_momentum=0.8,
     max_momentum=0.9), 30, None),
    ("one_cycle_lr", "one_cycle_lr_linear_three_phase", 0.01, dict(max_lr=0.2, total_steps=97,
     pct_start=0.25, anneal_strategy="linear", cycle_momentum=True, base_momentum=0.8,
     max_momentum=0.9, div_factor=10.0, final_div_factor=100.0, three_phase=True), 97, None),
    ("one_cycle_lr", "one_cycle_lr_cos_long", 0.01, dict(max_lr=0.05, total_steps=400,
     pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
     max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False), 400, None),
    ("reduce_lr_on_plateau", "plateau_max_abs", 0.1, dict(mode="max", factor=0.3, patience=1,
     threshold=0.01, threshold_mode="abs", cooldown=2, min_lr=0.0005, eps=1e-8), 50, "max"),
    ("reduce_lr_on_plateau", "plateau_min_rel_eps", 0.01, dict(mode="min", factor=0.5, patience=0,
     threshold=0.0, threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-3), 30, "min"),
    ("sequential_linear_cosine", "sequential_long", 0.2, dict(start_factor=0.01, warmup_iters=10,
     T_max=90, eta_min=1e-5), 150, None),
]


def metrics_for(kind, steps):
    """A noisy curve with plateaus, so the plateau logic both waits and decays."""
    g = torch.Generator().manual_seed(steps)
    values, level = [], 1.0
    for t in range(steps):
        if t % 9 < 4:
            level *= 0.93
        noise = float(torch.rand(1, generator=g)) * 0.02
        values.append(level + noise if kind == "min" else 1.0 - level + noise)
    return values


def make(name, lr, args):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    if name == "sequential_linear_cosine":
        w = args["warmup_iters"]
        return opt, S.SequentialLR(opt, [S.LinearLR(opt, args["start_factor"], 1.0, w),
                                         S.CosineAnnealingLR(opt, args["T_max"], args["eta_min"])],
                                   milestones=[w])
    cls = {"step_lr": S.StepLR, "multi_step_lr": S.MultiStepLR, "constant_lr": S.ConstantLR,
           "linear_lr": S.LinearLR, "exponential_lr": S.ExponentialLR,
           "polynomial_lr": S.PolynomialLR, "cosine_annealing_lr": S.CosineAnnealingLR,
           "cosine_annealing_warm_restarts": S.CosineAnnealingWarmRestarts,
           "cyclic_lr": S.CyclicLR, "one_cycle_lr": S.OneCycleLR,
           "reduce_lr_on_plateau": S.ReduceLROnPlateau}[name]
    return opt, cls(opt, **args)


def fmt(v):
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, list):
        return " ".join(str(x) for x in v)
    if isinstance(v, float):
        return repr(v) if v != int(v) or abs(v) >= 1e16 else str(int(v))
    return str(v)


def main():
    for name, tag, lr, args, steps, metric_kind in CASES:
        opt, sched = make(name, lr, args)
        lrs, moms = [opt.param_groups[0]["lr"]], [opt.param_groups[0]["momentum"]]
        metrics = metrics_for(metric_kind, steps) if metric_kind else None
        for t in range(steps):
            opt.step()
            sched.step(metrics[t]) if metrics else sched.step()
            lrs.append(opt.param_groups[0]["lr"])
            moms.append(opt.param_groups[0]["momentum"])
        lines = [f"# torch {torch.__version__} torch.optim.lr_scheduler, base optimizer "
                 f"SGD(lr={lr}, momentum=0.9); tests/golden/gen_sched.py",
                 f"scheduler {name}", f"lr {lr!r}"]
        lines += [f"{k} {fmt(v)}" for k, v in args.items()]
        lines.append(f"steps {steps}")
        if metrics:
            lines.append("metrics " + " ".join(f"{m:.17g}" for m in metrics))
        lines.append("lr_values " + " ".join(f"{v:.17g}" for v in lrs))
        if name in ("cyclic_lr", "one_cycle_lr") and args.get("cycle_momentum"):
            lines.append("momentum_values " + " ".join(f"{v:.17g}" for v in moms))
        with open(os.path.join(HERE, f"sched_{tag}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
