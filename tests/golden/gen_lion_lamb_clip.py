#!/usr/bin/python3
"""Oracle files for Lion, LAMB and gradient clipping, from PyTorch 1.13.1 float32.

Writes tests/golden/lion_*.txt, lamb_*.txt (optimizer format) and
clip_*.txt (clipping format) of ../shared/golden/FORMAT.md; tests/run.sh
replays them with `descent golden` on every variant.

    /usr/bin/python3 tests/golden/gen_lion_lamb_clip.py [OUTDIR]

Lion and LAMB are not in torch.optim: they are written here in torch
float32 ops exactly as ../shared/golden/SEMANTICS.md describes them, after
lion-pytorch (Lion) and apex FusedLAMB without clipping (LAMB, trust ratio
per tensor), the way the shared optim-extra files were made; `--check`
replays the shared lion_*/lamb_* files through these functions first and
refuses to write anything unless they reproduce them.  Clipping is
torch.nn.utils.clip_grad_norm_ / clip_grad_value_ itself.

Cases: long runs, tiny (1e-39 for Lion, 1e-20 for LAMB) and huge (1e15..1e30) gradients,
zero-gradient steps, LAMB over several tensors with a zero-norm one, and
clip_grad_norm_ with norm_type 1, 3 and inf, below the threshold.
"""
import math
import os
import sys

import torch

OUT = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else \
    os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                      "shared", "golden")


def fmt(t):
    return " ".join("%.9g" % v for v in t.tolist())


def lion_step(p, g, m, h):
    """lion-pytorch: decay, sign of the interpolation, then the momentum."""
    lr, b1, b2, wd = h["lr"], h["beta1"], h["beta2"], h["weight_decay"]
    p.mul_(1 - lr * wd)
    update = m.clone().mul_(b1).add(g, alpha=1 - b1).sign_()
    p.add_(update, alpha=-lr)
    m.mul_(b2).add_(g, alpha=1 - b2)


def lamb_step(p, g, m, v, h, t):
    """apex FusedLAMB (adam_w_mode, grad_averaging, bias_correction), one tensor."""
    lr, b1, b2, eps, wd = h["lr"], h["beta1"], h["beta2"], h["eps"], h["weight_decay"]
    m.mul_(b1).add_(g, alpha=1 - b1)
    v.mul_(b2).addcmul_(g, g, value=1 - b2)
    bc1 = 1 - b1 ** t
    bc2 = 1 - b2 ** t
    u = (m / bc1) / ((v / bc2).sqrt() + eps)
    u.add_(p, alpha=wd)
    pn, un = p.norm(), u.norm()
    trust = torch.where((pn > 0) & (un > 0), pn / un, torch.ones_like(pn))
    p.add_(u * trust, alpha=-lr)


KEYS = {"lion": "lr beta1 beta2 weight_decay", "lamb": "lr beta1 beta2 eps weight_decay"}


def run(name, h, init, grads, segments=None):
    p = init.clone()
    sizes = segments or [p.numel()]
    states = [[torch.zeros(s), torch.zeros(s)] for s in sizes]
    params = []
    for t, g in enumerate(grads, 1):
        start = 0
        for k, s in enumerate(sizes):
            ps, gs = p[start:start + s], g[start:start + s]
            if name == "lion":
                lion_step(ps, gs, states[k][0], h)
            else:
                lamb_step(ps, gs, states[k][0], states[k][1], h, t)
            start += s
        params.append(p.clone())
    return params


def read_optim(path):
    rec = {}
    grads, params = [], []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split()
        if f[0] in ("grad", "param"):
            (grads if f[0] == "grad" else params).append(
                torch.tensor([float(x) for x in f[2:]], dtype=torch.float32))
        elif f[0] == "init":
            rec["init"] = torch.tensor([float(x) for x in f[1:]], dtype=torch.float32)
        elif f[0] == "segments":
            rec["segments"] = [int(x) for x in f[2:]]
        else:
            rec[f[0]] = f[1]
    return rec, grads, params


def check_shared():
    for name in ("lion_default", "lion_weight_decay", "lamb_default"):
        rec, grads, want = read_optim(os.path.join(SHARED, "optim-extra", name + ".txt"))
        opt = rec["optimizer"]
        h = {k: float(rec[k]) for k in KEYS[opt].split()}
        got = run(opt, h, rec["init"], grads, rec.get("segments"))
        worst = max((a - b).abs().max().item() for a, b in zip(got, want))
        print("check %-20s max|diff| %.3g" % (name, worst))
        if worst != 0:
            sys.exit("the torch-op %s does not reproduce %s bit for bit" % (opt, name))


def write_optim(fname, opt, h, init, grads, segments=None, comment=""):
    params = run(opt, h, init, grads, segments)
    for p in params:
        assert torch.isfinite(p).all(), fname
    with open(os.path.join(OUT, fname + ".txt"), "w") as f:
        f.write("# %s: PyTorch %s float32 CPU, written in torch ops by "
                "tests/golden/gen_lion_lamb_clip.py; %s\n" % (fname, torch.__version__, comment))
        f.write("optimizer %s\n" % opt)
        for k in KEYS[opt].split():
            f.write("%s %r\n" % (k, h[k]))
        f.write("n %d\n" % init.numel())
        if opt == "lamb":
            f.write("segments %d %s\n" % (len(segments), " ".join(map(str, segments))))
        f.write("steps %d\n" % len(grads))
        f.write("init %s\n" % fmt(init))
        for t, (g, p) in enumerate(zip(grads, params), 1):
            f.write("grad %d %s\nparam %d %s\n" % (t, fmt(g), t, fmt(p)))


def grads_of(n, steps, scale=1.0, zero_every=0):
    out = []
    for t in range(1, steps + 1):
        g = torch.randn(n) * scale
        if zero_every and t % zero_every == 0:
            g = torch.zeros(n)
        out.append(g.float())
    return out


def optim_cases():
    lion = {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}
    lion_wd = dict(lion, weight_decay=0.1)
    write_optim("lion_long", "lion", lion_wd, torch.randn(37), grads_of(37, 200),
                comment="200 steps, n = 37")
    write_optim("lion_tiny_grad", "lion", lion, torch.randn(19), grads_of(19, 12, 1e-39),
                comment="|g| ~ 1e-39: denormal gradients and momenta")
    write_optim("lion_huge_grad", "lion", lion_wd, torch.randn(19), grads_of(19, 12, 1e30),
                comment="|g| ~ 1e30")
    write_optim("lion_zero_grad", "lion", lion_wd, torch.randn(21), grads_of(21, 16, 1.0, 3),
                comment="every third step's gradient is zero (sign of the decayed momentum)")
    lamb = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "weight_decay": 0.01}
    seg = [17, 5, 1, 9]
    n = sum(seg)
    write_optim("lamb_long", "lamb", lamb, torch.randn(n), grads_of(n, 150), seg,
                comment="150 steps over 4 tensors")
    write_optim("lamb_tiny_grad", "lamb", lamb, torch.randn(n), grads_of(n, 10, 1e-20), seg,
                comment="|g| ~ 1e-20, far below eps")
    write_optim("lamb_huge_grad", "lamb", dict(lamb, weight_decay=0.0), torch.randn(n),
                grads_of(n, 10, 1e15), seg, comment="|g| ~ 1e15 (g*g ~ 1e30)")
    write_optim("lamb_zero_grad", "lamb", lamb, torch.randn(n), grads_of(n, 12, 1.0, 4), seg,
                comment="every fourth step's gradient is zero")
    # Tensor 2 is all zero with zero gradients (|p| = |u| = 0: ratio 1, no move);
    # tensor 3 starts at zero with gradients (|p| = 0 at step 1: ratio 1).
    seg = [8, 6, 5, 7]
    init = torch.randn(sum(seg))
    init[8:14] = 0
    init[14:19] = 0
    grads = grads_of(sum(seg), 8)
    for g in grads:
        g[8:14] = 0
    write_optim("lamb_zero_norm_segment", "lamb", lamb, init, grads, seg,
                comment="a tensor with zero norms, one starting at zero")


def write_clip(fname, kind, grad, segments, **kw):
    tensors = [t.clone() for t in torch.split(grad, segments)]
    if kind == "clip_grad_norm":
        params = [torch.nn.Parameter(torch.zeros(t.numel())) for t in tensors]
        for p, t in zip(params, tensors):
            p.grad = t.clone()
        total = torch.nn.utils.clip_grad_norm_(params, kw["max_norm"], norm_type=kw["norm_type"])
    else:
        params = [torch.nn.Parameter(torch.zeros(t.numel())) for t in tensors]
        for p, t in zip(params, tensors):
            p.grad = t.clone()
        torch.nn.utils.clip_grad_value_(params, kw["clip_value"])
    clipped = torch.cat([p.grad for p in params])
    with open(os.path.join(OUT, fname + ".txt"), "w") as f:
        f.write("# %s: PyTorch %s torch.nn.utils.%s_, float32, CPU "
                "(tests/golden/gen_lion_lamb_clip.py)\n" % (fname, torch.__version__, kind))
        f.write("clip %s\n" % kind)
        if kind == "clip_grad_norm":
            nt = kw["norm_type"]
            f.write("max_norm %r\nnorm_type %s\n" % (kw["max_norm"],
                                                      "inf" if math.isinf(nt) else repr(nt)))
        else:
            f.write("clip_value %r\n" % kw["clip_value"])
        f.write("n %d\nsegments %d %s\n" % (grad.numel(), len(segments),
                                             " ".join(map(str, segments))))
        f.write("grad %s\n" % fmt(grad))
        if kind == "clip_grad_norm":
            f.write("total_norm %.9g\n" % total.item())
        f.write("clipped %s\n" % fmt(clipped))


def clip_cases():
    seg = [33, 7, 1, 24]
    n = sum(seg)
    write_clip("clip_grad_norm_l1", "clip_grad_norm", torch.randn(n), seg, max_norm=2.0,
               norm_type=1.0)
    write_clip("clip_grad_norm_l3", "clip_grad_norm", torch.randn(n), seg, max_norm=0.7,
               norm_type=3.0)
    write_clip("clip_grad_norm_inf_many", "clip_grad_norm", torch.randn(n) * 10, seg,
               max_norm=1.5, norm_type=math.inf)
    write_clip("clip_grad_norm_l2_below", "clip_grad_norm", torch.randn(n) * 0.01, seg,
               max_norm=1.0, norm_type=2.0)
    write_clip("clip_grad_norm_l3_below", "clip_grad_norm", torch.randn(n) * 0.01, seg,
               max_norm=1.0, norm_type=3.0)
    write_clip("clip_grad_norm_l2_huge", "clip_grad_norm", torch.randn(n) * 1e15, seg,
               max_norm=1.0, norm_type=2.0)
    write_clip("clip_grad_norm_l2_tiny", "clip_grad_norm", torch.randn(n) * 1e-15, seg,
               max_norm=1e-17, norm_type=2.0)
    write_clip("clip_grad_value_many", "clip_grad_value", torch.randn(n), seg, clip_value=0.05)


if __name__ == "__main__":
    torch.manual_seed(14)
    check_shared()
    if "--check" in sys.argv:
        sys.exit(0)
    optim_cases()
    clip_cases()
