"""The GPU rows of issues 11, 12 and 14 in one prepared run (a lent GPU has 15 minutes):
trnpy on ``cuda`` against CuPy and torch in the same process, ratios printed.

    python3 benchmarks/bench_gpu.py                      # on a GPU (about 3 minutes)
    python3 benchmarks/bench_gpu.py --device cpu --small # smoke test of the same code here

* random (#11 item 6): ``random`` / ``standard_normal`` float32 and float64, 2**28
  values: trnpy's ``default_rng`` (NumPy's Philox stream, bit for bit) against CuPy's
  ``default_rng`` and ``torch.rand`` / ``randn`` (values per second, ratio to CuPy; the
  target is >= 0.9x). The first 1000 values are checked against NumPy's Philox.
* sparse (#12 item 7): CSR @ vector and @ 64 columns (n = 20000, density 1e-3), ``cg``
  on the 2-D Poisson matrix (250 x 250) against ``cupyx.scipy.sparse``; 128-block BSR @
  512 columns at 5% block density against torch's BSR product and dense GEMM (TFLOP/s).
* refine (#14 item 5): ``solve(a, b, target_forward_error=1e-12)`` at n = 8192,
  condition 1e6, against torch's float64 ``linalg.solve`` on the GPU (target >= 2x); A
  stays on the device (``--device cpu`` runs the same code on the CPU torch backend,
  ``--refine-n`` sets n).

Each row is the best of ``--reps`` synchronised runs after one warm-up.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import trnpy
import trnpy.sparse as tsp

try:
    import cupy as cp
    import cupyx.scipy.sparse as cpsp
    import cupyx.scipy.sparse.linalg as cpsla
except ImportError:                       # CuPy exists on the lent GPU machines only
    cp = cpsp = cpsla = None


def _best(fn, sync, reps):
    fn()
    sync()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best


def _row(label, times, ref):
    """Print seconds per case and each case's speed relative to ``ref``."""
    base = times.get(ref)
    parts = []
    for k, t in times.items():
        rel = f" ({base / t:.2f}x {ref}'s speed)" if base and k != ref else ""
        parts.append(f"{k} {t * 1e3:.2f} ms{rel}")
    print(f"{label:38s} " + "; ".join(parts))


def random_rows(dev, n, reps, torch, sync):
    for dt in (np.float32, np.float64):
        for meth in ("random", "standard_normal"):
            g = trnpy.random.default_rng(0)
            x = getattr(g, meth)(1000, dtype=dt, device=dev)
            ref = getattr(np.random.Generator(np.random.Philox(0)), meth)(1000, dtype=dt)
            same = np.array_equal(trnpy.asnumpy(x), ref)
            times = {"trnpy": _best(lambda: getattr(g, meth)(n, dtype=dt, device=dev),
                                    sync, reps)}
            if cp is not None and dev != "cpu":
                cg = cp.random.default_rng(0)
                times["cupy"] = _best(lambda: getattr(cg, meth)(n, dtype=dt), sync, reps)
            tdt = getattr(torch, np.dtype(dt).name)
            tf = torch.rand if meth == "random" else torch.randn
            times["torch"] = _best(lambda: tf(n, dtype=tdt, device=dev), sync, reps)
            ref_key = "cupy" if "cupy" in times else "torch"
            _row(f"{meth} {np.dtype(dt).name} n={n}", times, ref_key)
            print(f"{'':38s} Gvalues/s: " + ", ".join(
                f"{k} {n / t / 1e9:.2f}" for k, t in times.items())
                + f"; NumPy's Philox stream: {'equal' if same else 'DIFFERS'}")


def sparse_rows(dev, n, reps, torch, sync):
    import scipy.sparse as sp
    S = sp.random_array((n, n), density=1e-3, format="csr", rng=0, dtype=np.float64)
    v = np.random.default_rng(1).standard_normal(n)
    V = np.random.default_rng(2).standard_normal((n, 64))
    A = tsp.csr_array(S, device=dev)
    tv, tV = trnpy.asarray(v, device=dev), trnpy.asarray(V, device=dev)
    for label, fn, arg, carg in [("CSR @ vector", lambda M, x: M @ x, tv, v),
                                 ("CSR @ 64 columns", lambda M, x: M @ x, tV, V)]:
        times = {"trnpy": _best(lambda: fn(A, arg), sync, reps)}
        if cp is not None and dev != "cpu":
            C, cx = cpsp.csr_matrix(S), cp.asarray(carg)
            times["cupy"] = _best(lambda: fn(C, cx), sync, reps)
        _row(f"{label} n={n}", times, "cupy" if "cupy" in times else "trnpy")

    m = 250 if n >= 20000 else 40
    T = sp.diags_array([-1.0, 2.0, -1.0], offsets=[-1, 0, 1], shape=(m, m))
    P = sp.kronsum(T, T).tocsr()
    b = np.ones(P.shape[0])
    TP, tb = tsp.csr_array(P, device=dev), trnpy.asarray(b, device=dev)
    times = {"trnpy": _best(lambda: tsp.linalg.cg(TP, tb, rtol=1e-8), sync, reps)}
    if cp is not None and dev != "cpu":
        CP, cb = cpsp.csr_matrix(P), cp.asarray(b)
        times["cupy"] = _best(lambda: cpsla.cg(CP, cb, tol=1e-8), sync, reps)
    _row(f"cg Poisson {m}x{m} rtol 1e-8", times, "cupy" if "cupy" in times else "trnpy")

    # 128-block BSR @ 512 columns, 5% of the blocks
    nb = 8192 if n >= 20000 else 512
    bs, cols = 128, 512
    k = nb // bs
    mask = np.random.default_rng(3).random((k, k)) < 0.05
    mask[np.arange(k), np.arange(k)] = True
    blocks = np.random.default_rng(4).standard_normal((int(mask.sum()), bs, bs)) \
        .astype(np.float32)
    r, c = np.nonzero(mask)
    B = sp.bsr_array((blocks, c, np.searchsorted(r, np.arange(k + 1))), shape=(nb, nb))
    X = np.random.default_rng(5).standard_normal((nb, cols)).astype(np.float32)
    TB, tX = tsp.bsr_array(B, device=dev), trnpy.asarray(X, device=dev)
    flops = 2.0 * blocks.size * cols
    times = {"trnpy": _best(lambda: TB @ tX, sync, reps)}
    tdev = torch.device(dev)
    tb_bsr = torch.sparse_bsr_tensor(torch.as_tensor(B.indptr, device=tdev),
                                     torch.as_tensor(B.indices, device=tdev),
                                     torch.as_tensor(blocks, device=tdev), size=(nb, nb))
    tXt = torch.as_tensor(X, device=tdev)
    try:
        times["torch BSR"] = _best(lambda: tb_bsr @ tXt, sync, reps)
    except (RuntimeError, NotImplementedError) as e:      # no BSR product on this build
        print(f"  (torch's BSR product: {type(e).__name__}: {str(e)[:80]})")
    dense = torch.as_tensor(B.toarray(), device=tdev)
    times["torch dense"] = _best(lambda: dense @ tXt, sync, reps)
    if cp is not None and dev != "cpu":
        CB, cX = cpsp.csr_matrix(B.tocsr()), cp.asarray(X)
        times["cupy CSR"] = _best(lambda: CB @ cX, sync, reps)
    _row(f"BSR128 @ {cols} cols n={nb} 5% blocks", times, "trnpy")
    print(f"{'':38s} TFLOP/s (stored blocks): " + ", ".join(
        f"{key} {flops / t / 1e12:.2f}" for key, t in times.items() if key != "torch dense")
        + f"; dense GEMM {2.0 * nb * nb * cols / times['torch dense'] / 1e12:.2f}")


def refine_rows(dev, n, reps, torch, sync):
    rng = np.random.default_rng(1)
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    a = (q1 * np.logspace(0, -6, n)) @ q2.T            # condition 1e6
    b = rng.standard_normal(n)
    Ta, Tb = torch.as_tensor(a, device=dev), torch.as_tensor(b, device=dev)
    x64 = torch.linalg.solve(Ta, Tb).cpu().numpy()
    times = {"torch float64": _best(lambda: torch.linalg.solve(Ta, Tb), sync, reps)}
    # the floor: the float32 LU alone (the refinement's O(n^3) part)
    Ta32 = Ta.float()
    times["float32 LU alone"] = _best(lambda: torch.linalg.lu_factor_ex(Ta32), sync, reps)
    # on the CPU both backends: NumPy's (the host engine) and torch's (the code CUDA runs)
    backends = ["numpy", "torch"] if dev == "cpu" else [None]
    for be in backends:
        with trnpy.cpu_backend(be or "numpy"):
            ta, tb = trnpy.asarray(a, device=dev), trnpy.asarray(b, device=dev)
            x, info = trnpy.linalg.solve(ta, tb, target_forward_error=1e-12)
            key = "trnpy target 1e-12" + (f" ({be} backend)" if be else "")
            times[key] = _best(lambda: trnpy.linalg.solve(ta, tb, target_forward_error=1e-12),
                               sync, reps)
        xr = trnpy.asnumpy(x)
        print(f"{'':38s} {key}: bound {info.forward_error_bound[0]:.1e} ({info.method}, "
              f"{info.iterations} it, {info.precisions}); |x - x_torch64| / |x| = "
              f"{np.abs(xr - x64).max() / np.abs(xr).max():.1e}")
    _row(f"solve n={n} cond 1e6", times, "torch float64")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--small", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=["random", "sparse", "refine"])
    ap.add_argument("--refine-n", type=int, default=None,
                    help="n of the refine row (default 8192; 300 with --small)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")   # torch's beta notices
    from trnpy._torch import torch
    dev = args.device
    sync = torch.cuda.synchronize if dev.startswith("cuda") else (lambda: None)
    if dev.startswith("cuda"):
        print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, "
              f"CuPy {cp.__version__ if cp is not None else 'absent'}")
    if "random" in args.only:
        random_rows(dev, 2 ** 16 if args.small else 2 ** 28, args.reps, torch, sync)
    if "sparse" in args.only:
        sparse_rows(dev, 2000 if args.small else 20000, args.reps, torch, sync)
    if "refine" in args.only:
        refine_rows(dev, args.refine_n or (300 if args.small else 8192), args.reps, torch,
                    sync)


if __name__ == "__main__":
    main()
