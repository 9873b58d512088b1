"""trnpy.sparse vs scipy.sparse on the CPU (issue #12 item 7), ratios in one run.

Rows: CSR @ vector and CSR @ 64-column dense for n = 20000 at density 1e-3, dense @ CSR,
format conversions, and float32 BSR with 128x128 blocks at 5% block density times a
512-column dense matrix and a vector (n = 2048). Target: trnpy / SciPy <= 1.1 on the NumPy backend (trnpy runs
SciPy's own kernels on views of its components, so the ratio is trnpy's per-call
overhead). The torch CPU backend's rows (the path CUDA and neuron take: the products on
torch, conversions through SciPy on the host) are printed beside it, for information.
With ``--cuda`` (a GPU and a CUDA torch) the same rows run on ``cuda`` against SciPy.

    OPENBLAS_NUM_THREADS=1 python3 benchmarks/bench_sparse.py [--quick] [--cuda]

torch's CPU kernels run on one thread here (``torch.set_num_threads(1)``), as SciPy's do:
on a shared machine torch's thread pool otherwise measures the other users' load (a
CSR @ vector took 33 ms on two threads and 0.05 ms on one on a loaded 2-core box).
"""
from __future__ import annotations

import sys
import time

import numpy as np
import scipy.sparse as sp

import trnpy
from trnpy import sparse as ts


def best_time(fn, sync=lambda: None, min_total=0.3, max_reps=200):
    fn(); sync()
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - start < min_total or len(times) < 5):
        t0 = time.perf_counter()
        fn(); sync()
        times.append(time.perf_counter() - t0)
    return min(times)


def bsr128(n, block_density=0.05, seed=0):
    """n x n BSR with 128x128 blocks at ``block_density`` (issue #12 item 7's block row)."""
    nb = n // 128
    B = sp.random_array((nb, nb), density=block_density, format="csr", rng=seed)
    data = np.random.default_rng(seed).standard_normal((B.nnz, 128, 128)).astype(np.float32)
    return sp.bsr_array((data, B.indices, B.indptr), shape=(n, n))


def rows(n, density):
    S = sp.random_array((n, n), density=density, format="csr", rng=0)
    x = np.random.default_rng(1).standard_normal(n)
    X = np.random.default_rng(2).standard_normal((n, 64))
    Y = np.random.default_rng(3).standard_normal((64, n))
    return S, {
        "CSR @ vector": (lambda A, v: A @ v, x),
        "CSR @ dense(64 cols)": (lambda A, v: A @ v, X),
        "dense(64 rows) @ CSR": (lambda A, v: v @ A, Y),
        "CSR.T @ vector (CSC)": (lambda A, v: A.T @ v, x),
        "tocsc": (lambda A, v: A.tocsc(), None),
        "tocoo": (lambda A, v: A.tocoo(), None),
        "tocoo().tocsr()": (lambda A, v: A.tocoo().tocsr(), None),
        "tobsr(4x4)": (lambda A, v: A.tobsr(blocksize=(4, 4)), None),
        "sum(axis=0)": (lambda A, v: A.sum(axis=0), None),
        "A + A": (lambda A, v: A + A, None),
    }


def bsr_rows(n):
    B = bsr128(n)
    X = np.random.default_rng(4).standard_normal((n, 512)).astype(np.float32)
    return B, {f"BSR128 @ dense(512), n={n}": (lambda A, v: A @ v, X),
               "BSR128 @ vector": (lambda A, v: A @ v, X[:, 0].copy())}


def main():
    quick = "--quick" in sys.argv
    n = 4000 if quick else 20000
    S, table = rows(n, 1e-3)
    cuda = "--cuda" in sys.argv
    import torch  # the torch backend's columns: one CPU thread, as SciPy
    torch.set_num_threads(1)
    print(f"n = {n}, density 1e-3, nnz = {S.nnz}; times per call (best), ratio trnpy/SciPy")
    cols = ["numpy backend", "torch backend"] + (["cuda"] if cuda else [])
    print(f"{'op':<24}{'SciPy':>11}" + "".join(f"{c:>15}{'ratio':>7}" for c in cols))
    B, btable = bsr_rows(1024 if quick else 2048)
    table = {k: (S, f, v) for k, (f, v) in table.items()}
    table.update({k: (B, f, v) for k, (f, v) in btable.items()})
    for name, (S, fn, v) in table.items():
        cls = getattr(ts, f"{S.format}_array")
        runs = {"SciPy": (lambda: fn(S, v), lambda: None)}
        for c in cols:
            if c == "cuda":
                A = cls(S, device="cuda")
                vv = None if v is None else trnpy.asarray(v, device="cuda")
                runs[c] = ((lambda A=A, vv=vv, fn=fn: fn(A, vv)), torch.cuda.synchronize)
            else:
                with trnpy.cpu_backend(c.split()[0]):
                    A = cls(S)
                    vv = None if v is None else trnpy.asarray(v)

                def run(A=A, vv=vv, b=c.split()[0], fn=fn):
                    with trnpy.cpu_backend(b):
                        fn(A, vv)
                runs[c] = (run, lambda: None)
        # interleaved rounds, best of each: a shared machine's load hits all alike
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(3 if quick else 5):
            for k, (f, sync) in runs.items():
                best[k] = min(best[k], best_time(f, sync, min_total=0.1, max_reps=20))
        ref = best["SciPy"]
        line = f"{name:<24}{ref * 1e3:>9.3f}ms"
        for c in cols:
            line += f"{best[c] * 1e3:>13.3f}ms{best[c] / ref:>7.2f}"
        print(line, flush=True)

if __name__ == "__main__":
    main()
