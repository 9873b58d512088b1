"""Peak extra memory of common operations: trnpy's torch path (what CUDA and neuron run)
and the emulated neuron device against NumPy, each op in a fresh process (issue #10
item 7). Peak resident memory (``ru_maxrss``) minus the memory held just before the op,
in units of the input's size.

    python3 benchmarks/bench_memory.py            # 2**24 float64 elements (128 MiB)
    python3 benchmarks/bench_memory.py --n 4194304

Target: trnpy's extra <= NumPy's + 1 input size for sort, std, clip, linalg.norm, and no
full-size temporary for in-place operators (extra ~ 0).

The peak is the process's resident memory, so it includes what glibc's allocator keeps
after a free (its mmap threshold rises to the largest block freed, up to 32 MiB, and
smaller blocks then come from a heap that fragments): at 2**22 float32 elements the
sort column reads ~0.3 higher than its live peak (MALLOC_MMAP_THRESHOLD_=131072 shows
the live one).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

OPS = {
    "sort": "r = m.sort(x)",
    "std": "r = m.std(x)",
    "clip": "r = m.clip(x, -0.5, 0.5)",
    "linalg.norm": "r = m.linalg.norm(x)",
    "x += 1": "x += 1",
    "x *= 2.5": "x *= 2.5",
    "x[::2] -= 1": "x[::2] -= 1",
    "sum": "r = m.sum(x)",
    "x + 1": "r = x + 1",
}

CHILD = r"""
import json, os, sys
config, op, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
import numpy as np
if config == "numpy":
    m = np
    x = np.random.default_rng(0).random(n).astype({dt!r})
else:
    import trnpy as m
    if config == "torch":
        # (kept referenced: a dropped context manager's generator closes and resets it)
        _backend = m.cpu_backend("torch")
        _backend.__enter__()
    dev = m.device("neuron", emulate=True) if config == "neuron" else m.device("cpu")
    x = m.asarray(np.random.default_rng(0).random(n).astype({dt!r}), device=dev)
_x, x = x, x[:1000].copy()
exec({ops!r}[op])          # warm the path once (imports, caches) before measuring
x = _x
def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")           # reset the peak (VmHWM) to the current resident size
base = status("VmRSS:")
exec({ops!r}[op])
print(json.dumps({{"extra": max(status("VmHWM:") - base, 0)}}))
"""


def measure(config, op, n, dt):
    code = CHILD.format(ops=OPS, dt=dt)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", code, config, op, str(n)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["extra"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2 ** 24)
    args = ap.parse_args()
    size = args.n * 8
    print(f"peak extra memory in input sizes ({size / 2**20:.0f} MiB float64; the float32 "
          "columns in their own input size)")
    print(f"{'op':14s} {'numpy':>8s} {'torch':>8s} {'numpy32':>8s} {'neuron':>8s}")
    for op in OPS:
        row = []
        for config, dt in (("numpy", "float64"), ("torch", "float64"), ("numpy", "float32"),
                           ("neuron", "float32")):
            isz = args.n * (4 if dt == "float32" else 8)
            row.append(measure(config, op, args.n, dt) / isz)
        print(f"{op:14s} " + " ".join(f"{v:8.2f}" for v in row))


if __name__ == "__main__":
    main()
