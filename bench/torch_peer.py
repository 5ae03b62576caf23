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
      forward, backward, step), test accuracy in the row's "accuracy" field

Usage: torch_peer.py --out FILE [--scope quick|default|full] [--data DIR]
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


def recipe_row(torch, threads, data, epochs):
    x, y, tx, ty = data
    torch.manual_seed(1)
    model = mlp(torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    train_s = 0.0
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0], generator=gen)
        for i in range(0, x.shape[0], 64):
            idx = order[i:i + 64]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
        train_s += time.perf_counter() - start
        sched.step()
    with torch.no_grad():
        acc = (model(tx).argmax(1) == ty).float().mean().item()
    return row(f"BM_peer/torch/fmnist_recipe/real_time/threads:{threads}", train_s,
               items=epochs * x.shape[0], accuracy=acc, epochs=epochs)


def cpu_capability(torch):
    """The kernels torch dispatches to ("AVX2"), from its build report."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


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
    try:
        data = load_fmnist(torch, args.data)
    except (OSError, ValueError) as e:
        print(f"torch_peer.py: Fashion-MNIST: {e}; the recipe row is skipped", file=sys.stderr)
        data = None
    rows = []
    for t in threads:
        torch.set_num_threads(t)
        print(f"torch peer: {t} thread(s): optimizer steps, MLP train step"
              f"{', Fashion-MNIST recipe' if data else ''}", file=sys.stderr, flush=True)
        rows += optimizer_rows(torch, t, min_time, reps, levels)
        rows += train_step_rows(torch, t, min_time, reps)
        if data:
            rows.append(recipe_row(torch, t, data, epochs))
    context = {"executable": "torch_peer.py", "torch_version": torch.__version__,
               "torch_cpu_capability": cpu_capability(torch),
               "host_name": platform.node(),
               "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
               "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_atomic(args.out, json.dumps({"context": context, "benchmarks": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
