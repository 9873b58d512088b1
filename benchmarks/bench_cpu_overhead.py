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
    # NumPy-only functions that do real work (issue 4)
    nw = 10 ** 5 if quick else 10 ** 6
    v = rng.standard_normal(nw)
    tv = trnpy.asarray(v)
    ints = rng.integers(0, 1000, nw)
    tints = trnpy.asarray(ints)
    xs = np.sort(rng.uniform(0, 1, 1000))
    ys = np.sin(xs)
    txs, tys = trnpy.asarray(xs), trnpy.asarray(ys)
    kern = rng.standard_normal(101)
    tkern = trnpy.asarray(kern)
    e1, e2 = rng.standard_normal((64, 128, 32)), rng.standard_normal((64, 32, 96))
    te1, te2 = trnpy.asarray(e1), trnpy.asarray(e2)
    out += [
        (f"einsum bij,bjk n=64x128x32x96", lambda: np.einsum("bij,bjk->bik", e1, e2),
         lambda: trnpy.einsum("bij,bjk->bik", te1, te2)),
        (f"histogram n={nw}", lambda: np.histogram(v, bins=50), lambda: trnpy.histogram(tv, bins=50)),
        (f"unique n={nw}", lambda: np.unique(ints), lambda: trnpy.unique(tints)),
        (f"median n={nw}", lambda: np.median(v), lambda: trnpy.median(tv)),
        (f"percentile n={nw}", lambda: np.percentile(v, [5, 50, 95]),
         lambda: trnpy.percentile(tv, [5, 50, 95])),
        (f"convolve n={nw},101", lambda: np.convolve(v, kern), lambda: trnpy.convolve(tv, tkern)),
        (f"interp n={nw}", lambda: np.interp(v, xs, ys), lambda: trnpy.interp(tv, txs, tys)),
        (f"cumsum n={nw}", lambda: np.cumsum(v), lambda: trnpy.cumsum(tv)),
        (f"sort n={nw}", lambda: np.sort(v), lambda: trnpy.sort(tv)),
    ]
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
