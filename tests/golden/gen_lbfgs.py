#!/usr/bin/python3
"""L-BFGS oracle files beyond ../shared/golden/lbfgs, from PyTorch 1.13.1.

Writes tests/golden/lbfgs_*.txt in the L-BFGS format of
../shared/golden/FORMAT.md (tests/run.sh replays them with `descent golden`
on every variant):

    /usr/bin/python3 tests/golden/gen_lbfgs.py [OUTDIR]

(Debian's python3-torch 1.13.1, whose torch.__version__ reads 1.13.0a0).
Each step is one torch.optim.LBFGS.step(closure) on a float32 problem; the
closure computes f and its gradient with autograd.  The cases: strong Wolfe
on least squares with history_size 1 and 10 and max_iter 20, early stops
on tolerance_grad and tolerance_change (fewer closure calls than
max_eval), n = 200, Rosenbrock with a fixed step, and a quadratic whose
first step is the full lr (|g|_1 < 1: t is a Python float), and line
searches that zoom (a quadratic at lr 3, Rosenbrock).
"""
import os
import sys

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def values(t):
    return " ".join("%.9g" % v for v in t.reshape(-1).tolist())


def problem_closure(kind, data, x):
    def closure():
        if x.grad is not None:
            x.grad.zero_()
        if kind == "quadratic":
            f = 0.5 * (data["d"] * (x - data["c"]) ** 2).sum()
        elif kind == "least_squares":
            r = data["A"] @ x - data["b"]
            f = 0.5 * (r * r).sum()
        else:
            f = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
        f.backward()
        return f
    return closure


def make_problem(kind, n, m, gen, scale=1.0, spread=1.0, near=0.0):
    data = {}
    if kind == "quadratic":
        data["d"] = torch.rand(n, generator=gen) * 49 + 1
        data["c"] = torch.randn(n, generator=gen)
    elif kind == "least_squares":
        A = torch.randn(m, n, generator=gen) / m ** 0.5
        # columns scaled from 1 down to 1/spread: condition number about spread
        data["A"] = (A + torch.eye(m, n)) * torch.logspace(0, -torch.log10(
            torch.tensor(spread)).item(), n)
        data["b"] = torch.randn(m, generator=gen)
    init = torch.randn(n, generator=gen) * scale
    if near:  # minimum and start within about `near` of 0, so that |g|_1 < 1
        data["c"] = data["c"] * near
        init = data["c"] + init * near
    return data, init


def trajectory(kind, data, init, dtype, steps, **options):
    """(params, func_evals) after each step, the problem in `dtype`."""
    data = {k: v.to(dtype) for k, v in data.items()}
    x = init.clone().to(dtype).requires_grad_(True)
    opt = torch.optim.LBFGS([x], **options)
    closure = problem_closure(kind, data, x)
    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append((x.detach().double().clone(), opt.state[x]["func_evals"]))
    return out


def case(name, kind, n, steps, seed, m=0, scale=1.0, spread=1.0, near=0.0, lr=1, max_iter=20, max_eval=None,
         tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100,
         line_search_fn=None):
    gen = torch.Generator().manual_seed(seed)
    data, init = make_problem(kind, n, m, gen, scale, spread, near)
    x = init.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=lr, max_iter=max_iter, max_eval=max_eval,
                            tolerance_grad=tolerance_grad,
                            tolerance_change=tolerance_change,
                            history_size=history_size, line_search_fn=line_search_fn)
    group = opt.param_groups[0]
    closure = problem_closure(kind, data, x)
    lines = [
        "# %s: PyTorch %s torch.optim.LBFGS, float32, CPU; the closure returns f and sets"
        " the gradient (tests/golden/gen_lbfgs.py)" % (name, torch.__version__),
        "optimizer lbfgs",
        "lr %r" % group["lr"],
        "max_iter %d" % group["max_iter"],
        "max_eval %d" % group["max_eval"],
        "tolerance_grad %r" % group["tolerance_grad"],
        "tolerance_change %r" % group["tolerance_change"],
        "history_size %d" % group["history_size"],
        "line_search_fn %s" % (line_search_fn or "none"),
        "problem %s" % kind,
        "n %d" % n,
    ]
    if kind == "least_squares":
        lines.append("m %d" % m)
    for key in ("d", "c", "A", "b"):
        if key in data:
            lines.append("%s %s" % (key, values(data[key])))
    lines += ["steps %d" % steps, "init %s" % values(init)]
    for t in range(1, steps + 1):
        opt.step(closure)
        state = opt.state[x]
        assert torch.isfinite(x).all(), name
        lines.append("param %d %s" % (t, values(x.detach())))
        lines.append("func_evals %d %d" % (t, state["func_evals"]))
    # Refuse a case whose float64 twin takes other decisions or ends more
    # than 3e-6 * S_t away: rounding alone would decide what it checks.
    options = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                   tolerance_change=tolerance_change, history_size=history_size,
                   line_search_fn=line_search_fn)
    f32 = trajectory(kind, data, init, torch.float32, steps, **options)
    f64 = trajectory(kind, data, init, torch.float64, steps, **options)
    scale = init.abs().max().item()
    for t, ((p, e), (q, e64)) in enumerate(zip(f32, f64), 1):
        scale = max(scale, p.abs().max().item())
        err = (p - q).abs().max().item() / scale
        assert e == e64 and err <= 3e-6, "%s step %d: float64 twin %d evals vs %d, %.2g" % (
            name, t, e64, e, err)
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    gmax = x.grad.abs().max().item()
    if name == "lbfgs_quadratic_full_step":
        assert init.sub(data["c"]).mul(data["d"]).abs().sum() < 1, name
    print(name, "func_evals", state["func_evals"], "n_iter", state["n_iter"], "max|g|", gmax)


case("lbfgs_ls_wolfe_h1", "least_squares", 30, 1, 11, m=40, spread=3, history_size=1,
     line_search_fn="strong_wolfe")
case("lbfgs_ls_wolfe_h10", "least_squares", 30, 1, 10, m=40, spread=3, history_size=10,
     line_search_fn="strong_wolfe")
case("lbfgs_tolerance_grad", "least_squares", 12, 2, 3, m=20, history_size=10,
     tolerance_grad=1e-3, line_search_fn="strong_wolfe")
case("lbfgs_tolerance_change", "quadratic", 16, 2, 4, history_size=5,
     tolerance_change=1e-3, line_search_fn="strong_wolfe")
case("lbfgs_n200", "least_squares", 200, 1, 5, m=300, history_size=10,
     line_search_fn="strong_wolfe")
case("lbfgs_rosenbrock_fixed", "rosenbrock", 6, 3, 6, scale=0.3, lr=0.05, max_iter=5,
     history_size=3)
case("lbfgs_quadratic_full_step", "quadratic", 16, 2, 7, near=1e-3, max_iter=6,
     history_size=4, lr=0.02)
# lr 3 overshoots every minimum along d: each line search zooms.
case("lbfgs_quadratic_zoom", "quadratic", 16, 2, 0, lr=3, max_iter=6, history_size=10,
     line_search_fn="strong_wolfe")
# A zoom whose old low end becomes the high end (gtd_new * (high - low) >= 0).
case("lbfgs_rosenbrock_zoom", "rosenbrock", 8, 2, 6, scale=1.3, max_iter=6, history_size=5,
     line_search_fn="strong_wolfe")
