"""trnpy's torch path vs torch itself, same run: time per call and the ratio trnpy/torch.

The torch path is the code CUDA and neuron arrays use; on the CPU it runs with
``TRNPY_CPU_BACKEND=torch`` (this script sets it for itself). Each trnpy call is timed
against the torch call it stands for, on the very tensors the TrnArrays hold.

Targets (issue 9, item 6): <= 2x torch on tiny inputs (n=10), <= 1.1x on large ones.
Times are CPU time of this process (``time.process_time``: every torch thread counted,
time spent descheduled not), so that other processes' load on a shared machine does not
decide the ratio; ``--wall`` times by the wall clock instead.
Usage: python3 benchmarks/bench_torch_overhead.py [--quick] [--wall]   (--quick: large n = 10^6)
"""
from __future__ import annotations

import os
import sys
import time
import timeit

os.environ["TRNPY_CPU_BACKEND"] = "torch"

import numpy as np   # noqa: E402
import torch         # noqa: E402

import trnpy         # noqa: E402

TARGET = {"tiny": 2.0, "large": 1.1}


TIMER = time.perf_counter if "--wall" in sys.argv else time.process_time


def _timeit(fn, number):
    return timeit.Timer(fn, timer=TIMER).timeit(number=number)


def _number(fn, min_total):
    """Calls per timing round: enough for a round to last at least `min_total` / 5 s."""
    number = 1
    while True:
        t = _timeit(fn, number)
        if t >= min_total / 5 or number > 1_000_000:
            return number
        number *= 4


def best_times(f_torch, f_trn, min_total=0.2, repeat=7):
    """Best per-call time of each over `repeat` rounds. The two alternate round by round,
    so that load from other processes falls on both alike."""
    n1, n2 = _number(f_torch, min_total), _number(f_trn, min_total)
    t1, t2 = [], []
    for _ in range(repeat):
        t1.append(_timeit(f_torch, n1) / n1)
        t2.append(_timeit(f_trn, n2) / n2)
    return min(t1), min(t2)


def _ops(size, n, ta, tb, tidx, tmask):
    """(size, name, torch call, trnpy call) for one input size (closures bind here)."""
    a, b, idx, mask = ta._t, tb._t, tidx._t, tmask._t
    return [
        (size, f"add n={n}", lambda: torch.add(a, b), lambda: trnpy.add(ta, tb)),
        (size, f"a + b n={n}", lambda: a + b, lambda: ta + tb),
        (size, f"exp n={n}", lambda: torch.exp(a), lambda: trnpy.exp(ta)),
        (size, f"sum n={n}", lambda: torch.sum(a), lambda: trnpy.sum(ta)),
        (size, f"int index n={n}", lambda: a[idx], lambda: ta[tidx]),
        (size, f"bool index n={n}", lambda: a[mask], lambda: ta[tmask]),
        (size, f"argmax n={n}", lambda: torch.argmax(a), lambda: trnpy.argmax(ta)),
    ]


def cases(quick: bool):
    rng = np.random.default_rng(0)
    sizes = [("tiny", 10), ("large", 10 ** 6)]
    if not quick:
        sizes.append(("large", 10 ** 7))
    out = []
    for size, n in sizes:
        ta = trnpy.asarray(rng.standard_normal(n))
        tb = trnpy.asarray(rng.standard_normal(n))
        tidx = trnpy.asarray(rng.integers(0, n, n // 10 + 1))
        tmask = ta > 0
        out += _ops(size, n, ta, tb, tidx, tmask)
    return out


def main():
    quick = "--quick" in sys.argv
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"backend {trnpy._dispatch._CPU_BACKEND.get()}")
    print(f"{'op':<24}{'torch':>12}{'trnpy':>12}{'ratio':>8}  target")
    for size, name, f_torch, f_trn in cases(quick):
        t_torch, t_trn = best_times(f_torch, f_trn)
        r = t_trn / t_torch
        flag = "ok" if r <= TARGET[size] else "OVER"
        print(f"{name:<24}{t_torch * 1e6:>10.2f}us{t_trn * 1e6:>10.2f}us{r:>8.2f}  "
              f"<= {TARGET[size]} {flag}", flush=True)


if __name__ == "__main__":
    main()
