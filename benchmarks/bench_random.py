"""trnpy.random vs NumPy, same run: 10^7 float64 ``random``, ``standard_normal`` and
``integers(0, 1000)`` from ``trnpy.random.default_rng`` (NumPy's Philox stream) on both
CPU backends, against NumPy's ``Generator(Philox)`` (the same stream) and NumPy's
default ``PCG64``. Prints ms per call (best of the rounds, each alternating with its
baseline so other load falls on both) and the ratios.

Targets (issue 11, item 6): NumPy backend at most 1.1x NumPy's Generator(Philox). The
torch backend runs the device samplers (the code CUDA and neuron use) on the CPU.
Usage: python3 benchmarks/bench_random.py [--quick]   (--quick: 10^6 values)
"""
from __future__ import annotations

import sys
import time

import numpy as np

import trnpy
from trnpy import random as tr

N = 10 ** 6 if "--quick" in sys.argv else 10 ** 7
CALLS = {
    "random": lambda g: g.random(N),
    "standard_normal": lambda g: g.standard_normal(N),
    "integers(0,1000)": lambda g: g.integers(0, 1000, N),
}


def best(fns, repeat):
    """Best time of each function, the functions interleaved round by round."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, f in enumerate(fns):
            t = time.perf_counter()
            f()
            times[i].append(time.perf_counter() - t)
    return [min(t) * 1e3 for t in times]


def main():
    print(f"n = {N:.0e} float64 values; ms per call; ratio = trnpy / NumPy Philox")
    print(f"{'method':<18}{'backend':<9}{'trnpy':>9}{'Philox':>9}{'PCG64':>9}"
          f"{'/Philox':>9}{'/PCG64':>9}")
    for backend, repeat in (("numpy", 7), ("torch", 3)):
        with trnpy.cpu_backend(backend):
            for name, call in CALLS.items():
                g = tr.default_rng(0)
                ph = np.random.Generator(np.random.Philox(0))
                pcg = np.random.default_rng(0)
                call(g)                                 # warm up (tables, torch load)
                t, tp, tc = best([lambda: call(g), lambda: call(ph), lambda: call(pcg)],
                                 repeat)
                print(f"{name:<18}{backend:<9}{t:>9.1f}{tp:>9.1f}{tc:>9.1f}"
                      f"{t / tp:>9.2f}{t / tc:>9.2f}")


if __name__ == "__main__":
    main()
