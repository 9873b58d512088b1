"""trnpy vs NumPy on the CPU, same run: prints time per call and the ratio trnpy/NumPy.

Targets (foundation issue): <= 3x NumPy on tiny inputs (Python overhead), <= 1.1x on
large ones. Usage: python3 benchmarks/bench_cpu_overhead.py [--quick]
"""
from __future__ import annotations

import sys
import timeit

import numpy as np

import trnpy


def best_time(fn, min_total=0.2, repeat=5):
    """Best per-call time over `repeat` rounds, each lasting at least `min_total` s."""
    number = 1
    while True:
        t = timeit.timeit(fn, number=number)
        if t >= min_total / 5 or number > 1_000_000:
            break
        number *= 4
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def cases(quick: bool):
    rng = np.random.default_rng(0)
    big = 10 ** 6 if quick else 10 ** 7
    out = []
    for n in (10, big):
        a = rng.standard_normal(n)
        b = rng.standard_normal(n)
        ta, tb = trnpy.asarray(a), trnpy.asarray(b)
        idx = rng.integers(0, n, n // 10 + 1)
        tidx = trnpy.asarray(idx)
        mask = a > 0
        tmask = trnpy.asarray(mask)
        out += [
            (f"add n={n}", lambda a=a, b=b: np.add(a, b), lambda ta=ta, tb=tb: trnpy.add(ta, tb)),
            (f"a + b n={n}", lambda a=a, b=b: a + b, lambda ta=ta, tb=tb: ta + tb),
            (f"exp n={n}", lambda a=a: np.exp(a), lambda ta=ta: trnpy.exp(ta)),
            (f"sum n={n}", lambda a=a: np.sum(a), lambda ta=ta: trnpy.sum(ta)),
            (f"int index n={n}", lambda a=a, i=idx: a[i], lambda ta=ta, i=tidx: ta[i]),
            (f"bool index n={n}", lambda a=a, m=mask: a[m], lambda ta=ta, m=tmask: ta[m]),
            (f"argmax n={n}", lambda a=a: np.argmax(a), lambda ta=ta: trnpy.argmax(ta)),
        ]
    ns = 10 ** 5 if quick else 10 ** 6
    s = rng.standard_normal(ns)
    ts = trnpy.asarray(s)
    out.append((f"sort n={ns}", lambda: np.sort(s), lambda: trnpy.sort(ts)))
    m = 500 if quick else 1000
    A, B = rng.standard_normal((m, m)), rng.standard_normal((m, m))
    tA, tB = trnpy.asarray(A), trnpy.asarray(B)
    out.append((f"matmul {m}x{m}", lambda: A @ B, lambda: tA @ tB))
    return out


def main():
    quick = "--quick" in sys.argv
    print(f"{'op':<24}{'numpy':>12}{'trnpy':>12}{'ratio':>8}")
    for name, f_np, f_trn in cases(quick):
        t_np, t_trn = best_time(f_np), best_time(f_trn)
        print(f"{name:<24}{t_np * 1e6:>10.2f}us{t_trn * 1e6:>10.2f}us{t_trn / t_np:>8.2f}")


if __name__ == "__main__":
    main()
