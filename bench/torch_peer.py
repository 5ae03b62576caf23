#!/usr/bin/python3
"""PyTorch as the peer of descent-bench, measured in the same `make bench` run.

Writes Google-Benchmark-style JSON (the fields bench/json2tsv.awk reads) with
rows named like descent's, under BM_peer/torch/...:

  BM_peer/torch/step/<optimizer>/<foreach|for_loop>/<level>/<n>/real_time/threads:T
      one optimizer.step() over one float32 tensor of n parameters (the sizes of
      descent's BM_step rows); items_per_second = parameters per second
  BM_peer/torch/mlp/train_step/batch:B/real_time/threads:T
      784-128-10 ReLU MLP: forward, cross-entropy, backward, Adam step
  BM_peer/torch/fmnist_recipe/real_time/threads:T
      descent train's default Fashion-MNIST recipe (Adam lr 1e-3, batch 64,
      cosine per epoch, nn.Linear init, pixels in [0, 1], reshuffled every
      epoch); real_time = seconds of the training loop alone (batch gather,
      forward, backward, step), test accuracy in the row's "accuracy" field; a
      thread count that cannot beat a finished run on fewer threads is stopped
      early, its row an error (recipe_row says when)

Usage: torch_peer.py --out FILE [--scope quick|default|full] [--data DIR]
                     [--descent-json THROUGHPUT.json] [--descent-recipe LOG.csv] [--table FILE]
With --table, also writes the summary's peer table: descent's rows of the same run
(the medians in THROUGHPUT.json, the best variant per row) over PyTorch's (the better
of foreach and for-loop), and the recipe's training-loop seconds (the last time_s of
`descent train --log` LOG.csv) over PyTorch's better thread count.
Exit 0 with the JSON written; exit 2 (and one line on stderr) for bad usage;
when torch cannot be imported, exit 3 so the caller reports the rows skipped.
"""
import argparse
import gzip
import json
import os
import platform
import struct
import sys
import tempfile
import time

# The size classes of descent's BM_step rows; descent-bench sizes them from
# this machine's caches, so with --descent-json the peer takes the sizes of
# that run's rows (levels_of) and these are only the fallback.
LEVELS = [("L2", 32768), ("LLC", 1048576), ("mem", 16777216)]
OPTIMIZERS = {  # descent's names -> (torch class name, keyword arguments)
    "sgd": ("SGD", {"lr": 0.01}),
    "sgd_momentum": ("SGD", {"lr": 0.01, "momentum": 0.9}),
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {}),
    "rmsprop": ("RMSprop", {}),
    "adagrad": ("Adagrad", {}),
}


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def time_calls(fn, min_time, reps):
    """Median seconds per call over reps repetitions of at least min_time each."""
    fn()  # warm up (allocates optimizer state)
    per_call = []
    for _ in range(reps):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        per_call.append(elapsed / calls)
    return median(per_call)


def row(name, seconds, items=None, **extra):
    r = {"name": name, "run_name": name, "run_type": "iteration", "iterations": 1,
         "real_time": seconds * 1e9, "cpu_time": seconds * 1e9, "time_unit": "ns"}
    if items is not None:
        r["items_per_second"] = items / seconds
    r.update(extra)
    return r


def optimizer_rows(torch, threads, min_time, reps, levels):
    rows = []
    for name, (cls, kw) in OPTIMIZERS.items():
        for foreach in (True, False):
            for level, n in levels:
                p = torch.zeros(n, requires_grad=True)
                p.grad = torch.full((n,), 1e-3)
                opt = getattr(torch.optim, cls)([p], foreach=foreach, **kw)
                s = time_calls(opt.step, min_time, reps)
                tag = "foreach" if foreach else "for_loop"
                rows.append(row(f"BM_peer/torch/step/{name}/{tag}/{level}/{n}/real_time/"
                                f"threads:{threads}", s, items=n))
    return rows


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(magic & 0xff)]
    return dims, data[4 + 4 * len(dims):]


def load_fmnist(torch, data_dir):
    def pick(stem):
        for name in (stem, stem + ".gz"):
            if os.path.exists(os.path.join(data_dir, name)):
                return os.path.join(data_dir, name)
        raise FileNotFoundError(os.path.join(data_dir, stem))
    out = []
    for split in ("train", "t10k"):
        dims, img = read_idx(pick(f"{split}-images-idx3-ubyte"))
        _, lab = read_idx(pick(f"{split}-labels-idx1-ubyte"))
        x = torch.frombuffer(bytearray(img), dtype=torch.uint8).reshape(dims[0], -1)
        y = torch.frombuffer(bytearray(lab), dtype=torch.uint8).long()
        out += [x.float() / 255.0, y]
    return out


def mlp(torch):
    return torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                               torch.nn.Linear(128, 10))


def train_step_rows(torch, threads, min_time, reps):
    rows = []
    for batch in (64, 256):
        torch.manual_seed(1)
        model = mlp(torch)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        x = torch.rand(batch, 784)
        y = torch.randint(0, 10, (batch,))
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
        s = time_calls(step, min_time, reps)
        flops = 6.0 * batch * (784 * 128 + 128 * 10)  # forward 2, backward 4 per MAC
        rows.append(row(f"BM_peer/torch/mlp/train_step/batch:{batch}/real_time/threads:{threads}",
                        s, items=batch, flops_per_second=flops / s))
    return rows


def give_up_reason(train_s, epoch, epochs, limit):
    """Why a recipe run `epoch` epochs in (train_s seconds) stops before its
    last epoch, or None: see recipe_row."""
    if limit is None or epoch >= epochs:
        return None
    pace = train_s / epoch * epochs
    if train_s > limit:
        why = f"{train_s:.1f} s, past"
    elif pace > 2 * limit:
        why = f"{train_s:.1f} s, on pace for {pace:.1f} s, over twice"
    else:
        return None
    return (f"stopped after {epoch} of {epochs} epochs: {why} the {limit:.1f} s "
            f"of a whole run on fewer threads")


def recipe_row(torch, threads, data, epochs, give_up_after=None):
    """The recipe on `threads` threads.  With give_up_after (the training
    seconds of the best whole run so far), the run stops after the first epoch
    that takes it past them, when it can no longer be the better thread count,
    or whose pace (seconds so far / epochs so far) would take the whole run
    past twice them (epochs take much the same time; twice leaves room for a
    slow first one).  On a 2-core VM torch's 2-thread recipe took 68 s against
    23 s on one, a minute of make bench for nothing.  The row of a stopped run
    is an error (json2tsv.awk and the peer table leave it out) that says why."""
    x, y, tx, ty = data
    torch.manual_seed(1)
    model = mlp(torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    name = f"BM_peer/torch/fmnist_recipe/real_time/threads:{threads}"
    train_s = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=gen)
        for i in range(0, x.shape[0], 64):
            idx = order[i:i + 64]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
        train_s += time.perf_counter() - start
        sched.step()
        why = give_up_reason(train_s, epoch, epochs, give_up_after)
        if why:
            return row(name, train_s, items=epoch * x.shape[0], epochs=epoch,
                       error_occurred=True, error_message=why)
    with torch.no_grad():
        acc = (model(tx).argmax(1) == ty).float().mean().item()
    return row(name, train_s, items=epochs * x.shape[0], accuracy=acc, epochs=epochs)


def cpu_capability(torch):
    """The kernels torch dispatches to ("AVX2"), from its build report."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def descent_medians(path):
    """run_name -> the row (the median aggregate where there are repetitions)."""
    with open(path) as f:
        rows = json.load(f)["benchmarks"]
    out = {}
    for r in rows:
        if r.get("run_type") == "aggregate" and r.get("aggregate_name") != "median":
            continue
        if r.get("run_type") == "aggregate" or r["run_name"] not in out:
            out[r["run_name"]] = r
    return out


def levels_of(medians, fallback):
    """The (level, n) of descent's BM_step/adam rows, in the order of fallback's
    levels; a level descent did not run keeps fallback's size."""
    found = {}
    for name in medians:
        parts = name.split("/")
        if len(parts) > 4 and parts[0] == "BM_step" and parts[1] == "adam":
            found.setdefault(parts[3], int(parts[4]))
    return [(level, found.get(level, n)) for level, n in fallback]


def best_descent(medians, prefix, suffix):
    """The best items per second over the variants, PREFIX/<isa>/SUFFIX, from real_time
    (items: the row's items_per_second x real_time), and that variant."""
    best, isa = 0.0, "-"
    for name, r in medians.items():
        if name.startswith(prefix + "/") and name.endswith("/" + suffix):
            middle = name[len(prefix) + 1:-len(suffix) - 1]
            if "/" not in middle and r.get("items_per_second", 0) > best:
                best, isa = r["items_per_second"], middle
    return best, isa


def fastest_descent(medians, prefix, suffix):
    """The shortest real_time in seconds over the variants, PREFIX/<isa>/SUFFIX."""
    best, isa = 0.0, "-"
    for name, r in medians.items():
        if name.startswith(prefix + "/") and name.endswith("/" + suffix):
            middle = name[len(prefix) + 1:-len(suffix) - 1]
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[r.get("time_unit", "ns")]
            t = r["real_time"] * scale
            if "/" not in middle and (best == 0 or t < best):
                best, isa = t, middle
    return best, isa


def peer_table(rows, descent_json, recipe_log):
    lines = ["PyTorch %s peer (same run; speed-up = descent / PyTorch, PyTorch at the better of "
             "foreach and for-loop):" % TORCH_VERSION[0]]
    medians = descent_medians(descent_json) if descent_json and os.path.exists(descent_json) else {}
    steps = {}
    for r in rows:
        parts = r["name"].split("/")
        if parts[2] == "step":
            key = (parts[3], parts[5], parts[6], parts[-1])
            steps[key] = max(steps.get(key, 0), r["items_per_second"])
    if steps:
        lines.append("  %-13s %-5s %9s %8s %14s %14s %8s" % ("optimizer", "size", "n", "threads",
                     "descent Mp/s", "torch Mp/s", "speed-up"))
    for (opt, level, n, thr), torch_ips in sorted(steps.items()):
        ours, isa = best_descent(medians, "BM_step/" + opt, f"{level}/{n}/real_time/{thr}")
        lines.append("  %-13s %-5s %9s %8s %14s %14.0f %8s" % (
            opt, level, n, thr.split(":")[1], f"{ours / 1e6:.0f} ({isa})" if ours else "-",
            torch_ips / 1e6, f"{ours / torch_ips:.2f}x" if ours else "-"))
    for r in rows:
        parts = r["name"].split("/")
        if parts[2] == "mlp":
            ours, isa = fastest_descent(medians, "BM_mlp/train_step",
                                        f"{parts[4]}/real_time/{parts[-1]}")
            theirs = r["real_time"] / 1e9
            lines.append("  MLP train step 784-128-10 %s %s: descent %s, torch %.0f us%s" % (
                parts[4], parts[-1], f"{ours * 1e6:.0f} us ({isa})" if ours else "-",
                theirs * 1e6, f", speed-up {theirs / ours:.2f}x" if ours else ""))
    recipe = [r for r in rows if r["name"].split("/")[2] == "fmnist_recipe"]
    stopped = [r for r in recipe if r.get("error_occurred")]
    recipe = [r for r in recipe if not r.get("error_occurred")]
    if recipe:
        best = min(recipe, key=lambda r: r["real_time"])
        torch_s = best["real_time"] / 1e9
        line = "  Fashion-MNIST recipe (%d epochs of Adam, batch 64, cosine), training loop " \
               "only: torch %.2f s (%s, test accuracy %.4f)" % (
                   best["epochs"], torch_s, best["name"].split("/")[-1], best["accuracy"])
        ours = recipe_seconds(recipe_log)
        if ours:
            line += "; descent %.2f s (default threads, test accuracy %s): speed-up %.2fx" % (
                ours[0], ours[1], torch_s / ours[0])
        lines.append(line)
    for r in stopped:
        lines.append("  Fashion-MNIST recipe, torch %s: %s" % (r["name"].split("/")[-1],
                                                              r["error_message"]))
    return "\n".join(lines) + "\n"


def recipe_seconds(log):
    """(training seconds, test accuracy) from `descent train --log`'s last rows."""
    if not log or not os.path.exists(log):
        return None
    with open(log) as f:
        rows = [line.strip().split(",") for line in f if line[:1].isdigit()]
    if not rows:
        return None
    accuracy = next((r[6] for r in reversed(rows) if len(r) > 6 and r[6]), "-")
    return float(rows[-1][2]), accuracy


TORCH_VERSION = ["1.13"]


def write_atomic(path, text):
    """The whole file or the previous one: a temporary in the same folder, renamed."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".torch_peer.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--scope", choices=["quick", "default", "full"], default="default")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    ap.add_argument("--descent-json", help="descent-bench's JSON of the same run")
    ap.add_argument("--descent-recipe", help="`descent train --log` CSV of the default recipe")
    ap.add_argument("--table", help="write the summary's peer table here")
    args = ap.parse_args()
    try:
        threads = [int(t) for t in args.threads.split(",")]
        if any(t < 1 for t in threads):
            raise ValueError
    except ValueError:
        print(f"torch_peer.py: --threads {args.threads}: expected positive integers",
              file=sys.stderr)
        return 2
    try:
        import torch
    except ImportError as e:
        print(f"torch_peer.py: PyTorch not available ({e}); peer rows skipped", file=sys.stderr)
        return 3
    min_time, reps, epochs, levels = {
        "quick": (0.01, 1, 1, LEVELS[:1]),
        "default": (0.05, 3, 10, LEVELS),
        "full": (0.2, 5, 10, LEVELS),
    }[args.scope]
    if args.descent_json and os.path.exists(args.descent_json):
        levels = levels_of(descent_medians(args.descent_json), levels)
    try:
        data = load_fmnist(torch, args.data)
    except (OSError, ValueError) as e:
        print(f"torch_peer.py: Fashion-MNIST: {e}; the recipe row is skipped", file=sys.stderr)
        data = None
    rows, best_recipe = [], None
    for t in threads:
        torch.set_num_threads(t)
        print(f"torch peer: {t} thread(s): optimizer steps, MLP train step"
              f"{', Fashion-MNIST recipe' if data else ''}", file=sys.stderr, flush=True)
        rows += optimizer_rows(torch, t, min_time, reps, levels)
        rows += train_step_rows(torch, t, min_time, reps)
        if data:
            rows.append(recipe_row(torch, t, data, epochs, give_up_after=best_recipe))
            if not rows[-1].get("error_occurred"):
                best_recipe = min(best_recipe or float("inf"), rows[-1]["real_time"] / 1e9)
    context = {"executable": "torch_peer.py", "torch_version": torch.__version__,
               "torch_cpu_capability": cpu_capability(torch),
               "host_name": platform.node(),
               "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
               "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_atomic(args.out, json.dumps({"context": context, "benchmarks": rows}, indent=1) + "\n")
    if args.table:
        TORCH_VERSION[0] = torch.__version__
        write_atomic(args.table, peer_table(rows, args.descent_json, args.descent_recipe))
    return 0


if __name__ == "__main__":
    sys.exit(main())
