"""trnpy.sparse vs scipy.sparse on the CPU (issue #12 item 7), ratios in one run.

Rows: CSR @ vector and CSR @ 64-column dense for n = 20000 at density 1e-3, dense @ CSR,
format conversions (csr <-> csc <-> coo <-> bsr, ``tocsr`` of lil / dok), and float32 BSR with 128x128 blocks at 5% block density times a
512-column dense matrix and a vector (n = 2048). Target: trnpy / SciPy <= 1.1 on the NumPy backend (trnpy runs
SciPy's own kernels on views of its components, so the ratio is trnpy's per-call
overhead). The torch CPU backend's rows (the path CUDA and neuron take: the products on
torch, conversions through SciPy on the host) are printed beside it, for information.
With ``--cuda`` (a GPU and a CUDA torch) the same rows run on ``cuda`` against SciPy.

    python3 benchmarks/bench_sparse.py [--quick] [--cuda]

CPU columns are CPU time (``time.process_time``, best of interleaved rounds) with one
thread on both sides (OMP/OpenBLAS threads set to 1 here): a shared machine's load then
changes the ratios little; the CUDA column is wall time after a synchronize. torch's CPU kernels run on one thread here (``torch.set_num_threads(1)``), as SciPy's do:
on a shared machine torch's thread pool otherwise measures the other users' load (a
CSR @ vector took 33 ms on two threads and 0.05 ms on one on a loaded 2-core box).
"""
from __future__ import annotations

import os
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")      # before NumPy / SciPy load their BLAS

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import trnpy  # noqa: E402
from trnpy import sparse as ts  # noqa: E402


def best_time(fn, sync=lambda: None, min_total=0.3, max_reps=200, clock=time.process_time):
    """Best time per call of ``fn`` (calls shorter than 1 ms are timed in loops)."""
    fn(); sync()
    t0 = clock(); fn(); sync()
    loop = max(1, min(1000, int(1e-3 / max(clock() - t0, 1e-7))))
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - start < min_total or len(times) < 5):
        t0 = clock()
        for _ in range(loop):
            fn()
        sync()
        times.append((clock() - t0) / loop)
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
        "csr.tocsc": (lambda A, v: A.tocsc(), None),
        "csr.tocoo": (lambda A, v: A.tocoo(), None),
        "csr.tobsr(4x4)": (lambda A, v: A.tobsr(blocksize=(4, 4)), None),
        "csc.tocsr": (lambda A, v: v.tocsr(), "csc"),
        "csc.tocoo": (lambda A, v: v.tocoo(), "csc"),
        "coo.tocsr": (lambda A, v: v.tocsr(), "coo"),
        "coo.tocsc": (lambda A, v: v.tocsc(), "coo"),
        "bsr(4x4).tocsr": (lambda A, v: v.tocsr(), "bsr"),
        "bsr(4x4).tocoo": (lambda A, v: v.tocoo(), "bsr"),
        "lil.tocsr": (lambda A, v: v.tocsr(), "lil"),
        "dok.tocsr": (lambda A, v: v.tocsr(), "dok"),
        "sum(axis=0)": (lambda A, v: A.sum(axis=0), None),
        "A + A": (lambda A, v: A + A, None),
    }


def bsr_rows(n):
    B = bsr128(n)
    X = np.random.default_rng(4).standard_normal((n, 512)).astype(np.float32)
    return B, {f"BSR128 @ dense(512), n={n}": (lambda A, v: A @ v, X),
               "BSR128 @ vector": (lambda A, v: A @ v, X[:, 0].copy())}


def _operand(v, S, mod, device=None):
    """A row's operand: a dense array, or ``S`` in the format named by ``v`` (a conversion
    row's source, made once, outside the timing) as ``mod`` (scipy.sparse / trnpy.sparse)
    builds it."""
    if v is None or not isinstance(v, str):
        return v if v is None or mod is sp else trnpy.asarray(v, device=device)
    src = S.tobsr(blocksize=(4, 4)) if v == "bsr" else S.asformat(v)
    return src if mod is sp else getattr(ts, f"{v}_array")(src, **(
        {} if device is None or v in ("lil", "dok") else {"device": device}))


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
        vs = _operand(v, S, sp)
        runs = {"SciPy": (lambda vs=vs: fn(S, vs), lambda: None, time.process_time)}
        for c in cols:
            if c == "cuda":
                A = cls(S, device="cuda")
                vv = _operand(v, S, ts, device="cuda")
                runs[c] = ((lambda A=A, vv=vv, fn=fn: fn(A, vv)), torch.cuda.synchronize,
                           time.perf_counter)
            else:
                with trnpy.cpu_backend(c.split()[0]):
                    A = cls(S)
                    vv = _operand(v, S, ts)

                def run(A=A, vv=vv, b=c.split()[0], fn=fn):
                    with trnpy.cpu_backend(b):
                        fn(A, vv)
                if c.startswith("numpy") and trnpy._dispatch.use_numpy(trnpy.device("cpu")):
                    runs[c] = ((lambda A=A, vv=vv, fn=fn: fn(A, vv)),   # no context's cost
                               lambda: None, time.process_time)
                else:
                    runs[c] = (run, lambda: None, time.process_time)
        # interleaved rounds, best of each: a shared machine's load hits all alike
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(3 if quick else 5):
            for k, (f, sync, clock) in runs.items():
                best[k] = min(best[k], best_time(f, sync, min_total=0.1, max_reps=20,
                                                 clock=clock))
        ref = best["SciPy"]
        line = f"{name:<24}{ref * 1e3:>9.3f}ms"
        for c in cols:
            line += f"{best[c] * 1e3:>13.3f}ms{best[c] / ref:>7.2f}"
        print(line, flush=True)

if __name__ == "__main__":
    main()
