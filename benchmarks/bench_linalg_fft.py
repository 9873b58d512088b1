"""trnpy linalg/fft vs NumPy/SciPy on the CPU and vs CuPy/torch on a GPU, in one run.

Prints the time per call and ratios (trnpy / reference; < 1 is faster).
Targets (issue 5): <= 1.1x NumPy/SciPy on the CPU at the larger sizes; >= 0.95x CuPy's
throughput on the GPU (ratio trnpy/CuPy <= 1.05).

On the GPU, throughput is time per call in a stream of back-to-back calls with one
synchronisation at the end (the host queues work while the GPU runs it, as in a real
program); latency, one call then a synchronisation, is printed beside it.

    python3 benchmarks/bench_linalg_fft.py            # CPU
    python3 benchmarks/bench_linalg_fft.py --cuda     # GPU: trnpy vs torch vs CuPy
    --quick   smaller sizes
"""
from __future__ import annotations

import sys
import time

import numpy as np
import scipy.fft
import scipy.linalg

import trnpy


def best_time(fn, sync=lambda: None, min_total=0.3, max_reps=50):
    fn(); sync()                                   # warm up (plans, allocations)
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - start < min_total or len(times) < 3):
        t0 = time.perf_counter()
        fn(); sync()
        times.append(time.perf_counter() - t0)
    return min(times)


def stream_time(fn, sync, rounds=5):
    """Best per-call time over ``rounds`` streams of back-to-back calls."""
    latency = best_time(fn, sync)
    k = int(min(200, max(5, 0.05 / latency)))
    best = float("inf")
    for _ in range(rounds):
        sync()
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        sync()
        best = min(best, (time.perf_counter() - t0) / k)
    return best, latency


def problems(n_sizes, fft_sizes, rng):
    out = []
    for n in n_sizes:
        a = rng.standard_normal((n, n))
        spd = a @ a.T + n * np.eye(n)
        b = rng.standard_normal((n, 4))
        tall = rng.standard_normal((n + n // 2, n))
        out += [
            (f"solve n={n}", "linalg", lambda xp, a, b: xp.linalg.solve(a, b), (a, b)),
            (f"inv n={n}", "linalg", lambda xp, a: xp.linalg.inv(a), (a,)),
            (f"cholesky n={n}", "linalg", lambda xp, a: xp.linalg.cholesky(a), (spd,)),
            (f"qr n={n}", "linalg", lambda xp, a: xp.linalg.qr(a), (a,)),
            (f"svd n={n}", "linalg", lambda xp, a: xp.linalg.svd(a), (a,)),
            (f"eigh n={n}", "linalg", lambda xp, a: xp.linalg.eigh(a), (spd,)),
            (f"lstsq n={n}", "linalg", lambda xp, a, b: xp.linalg.lstsq(a, b, rcond=None),
             (tall, rng.standard_normal((n + n // 2, 4)))),
        ]
    for shape in fft_sizes:
        x = rng.standard_normal(shape)
        c = x + 1j * rng.standard_normal(shape)
        label = "x".join(map(str, shape))
        if len(shape) == 1:
            out += [
                (f"fft {label}", "fft", lambda xp, c: xp.fft.fft(c), (c,)),
                (f"rfft {label}", "fft", lambda xp, x: xp.fft.rfft(x), (x,)),
                (f"dct {label}", "dct", lambda xp, x: xp.fft.dct(x), (x,)),
            ]
        else:
            out += [(f"fftn {label}", "fft", lambda xp, c: xp.fft.fftn(c), (c,)),
                    (f"dctn {label}", "dct", lambda xp, x: xp.fft.dctn(x), (x,))]
    return out


class _SciPyNS:
    """NumPy for linalg/fft, SciPy for the dct (NumPy has none)."""
    linalg = np.linalg

    class fft:
        fft = staticmethod(np.fft.fft)
        rfft = staticmethod(np.fft.rfft)
        fftn = staticmethod(np.fft.fftn)
        dct = staticmethod(scipy.fft.dct)
        dctn = staticmethod(scipy.fft.dctn)


def run_cpu(quick):
    rng = np.random.default_rng(0)
    n_sizes = (100, 500) if quick else (100, 500, 2000)
    fft_sizes = [(1 << 10,), (1 << 16,), (1009,), (300, 300)] if quick else \
        [(1 << 10,), (1 << 20,), (100003,), (1000, 1000)]
    print(f"{'op (CPU)':<22}{'numpy/scipy':>14}{'trnpy':>12}{'ratio':>8}")
    for name, _, f, args in problems(n_sizes, fft_sizes, rng):
        targs = [trnpy.asarray(a) for a in args]
        t_ref = best_time(lambda: f(_SciPyNS, *args))
        t_trn = best_time(lambda: f(trnpy, *targs))
        print(f"{name:<22}{t_ref * 1e3:>12.3f}ms{t_trn * 1e3:>10.3f}ms{t_trn / t_ref:>8.2f}")


def run_cuda(quick):
    import cupy as cp
    import cupyx.scipy.fft as cufft
    import torch
    rng = np.random.default_rng(0)
    n_sizes = (100, 500) if quick else (100, 500, 2000)
    fft_sizes = [(1 << 10,), (1 << 20,), (100003,), (1000, 1000)]
    dev = trnpy.device("cuda")
    sync = torch.cuda.synchronize

    class CuPyNS:
        linalg = cp.linalg

        class fft:
            fft = staticmethod(cp.fft.fft)
            rfft = staticmethod(cp.fft.rfft)
            fftn = staticmethod(cp.fft.fftn)
            dct = staticmethod(cufft.dct)
            dctn = staticmethod(cufft.dctn)

    class TorchNS:
        class linalg:
            solve = staticmethod(torch.linalg.solve)
            inv = staticmethod(torch.linalg.inv)
            cholesky = staticmethod(torch.linalg.cholesky)
            qr = staticmethod(torch.linalg.qr)
            svd = staticmethod(lambda a: torch.linalg.svd(a, full_matrices=True))
            eigh = staticmethod(torch.linalg.eigh)
            lstsq = staticmethod(lambda a, b, rcond=None: torch.linalg.lstsq(a, b, driver="gels"))

        class fft:
            fft = staticmethod(torch.fft.fft)
            rfft = staticmethod(torch.fft.rfft)
            fftn = staticmethod(torch.fft.fftn)
            dct = None
            dctn = None

    print(f"{'op (GPU), per call':<22}{'cupy':>11}{'torch':>11}{'trnpy':>11}"
          f"{'trn/cupy':>10}{'trn/torch':>10}{'latency trn/cupy':>18}")
    nan = (float("nan"), float("nan"))
    for name, kind, f, args in problems(n_sizes, fft_sizes, rng):
        cargs = [cp.asarray(a) for a in args]
        targs = [torch.as_tensor(a, device="cuda") for a in args]
        xargs = [trnpy.asarray(a, device=dev) for a in args]
        t_cp, l_cp = stream_time(lambda: f(CuPyNS, *cargs), sync)
        t_t, _ = nan if kind == "dct" else stream_time(lambda: f(TorchNS, *targs), sync)
        t_x, l_x = stream_time(lambda: f(trnpy, *xargs), sync)
        print(f"{name:<22}{t_cp * 1e3:>9.3f}ms{t_t * 1e3:>9.3f}ms{t_x * 1e3:>9.3f}ms"
              f"{t_x / t_cp:>10.2f}{t_x / t_t:>10.2f}{l_x / l_cp:>18.2f}")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    if "--cuda" in sys.argv:
        run_cuda(quick)
    else:
        run_cpu(quick)
