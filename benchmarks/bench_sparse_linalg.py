"""``trnpy.sparse.linalg`` against ``scipy.sparse.linalg`` on the 2-D Poisson matrix
(issue #12 item 7): ``cg`` to rtol 1e-8, ``spsolve``, ``eigsh`` of the 6 smallest
eigenvalues; ratio trnpy / SciPy (best of ``--repeat`` interleaved rounds), both in one
run. Times are CPU time (``time.process_time``) with one BLAS / OpenMP thread on both
sides (set here): a shared machine's load then changes the ratios little.

    python3 benchmarks/bench_sparse_linalg.py [--n 250] [--repeat 3] [--backend numpy|torch]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")      # before NumPy / SciPy load their BLAS

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as sla  # noqa: E402

import trnpy  # noqa: E402
import trnpy.sparse.linalg as tla  # noqa: E402
from trnpy import sparse as ts  # noqa: E402


def poisson2d(n):
    T = sp.diags_array([-1.0, 2.0, -1.0], offsets=[-1, 0, 1], shape=(n, n))
    I = sp.eye_array(n)
    return (sp.kron(T, I) + sp.kron(I, T)).tocsr()


def best(fns, repeat):
    """Best time and last result of each function, run in interleaved rounds (a shared
    machine's load then hits both sides alike)."""
    times, outs = [float("inf")] * len(fns), [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.process_time()
            outs[i] = fn()
            times[i] = min(times[i], time.process_time() - t)
    return times, outs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=250)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backend", default="numpy", choices=["numpy", "torch"])
    a = ap.parse_args()
    S = poisson2d(a.n)
    N = S.shape[0]
    b = np.ones(N)
    A, Ac = ts.csr_array(S), ts.csc_array(S.tocsc())
    Sc = S.tocsc()
    rows = []
    with trnpy.cpu_backend(a.backend):
        cases = [
            ("cg rtol=1e-8", lambda: sla.cg(S, b, rtol=1e-8),
             lambda: tla.cg(A, b, rtol=1e-8)),
            ("spsolve", lambda: sla.spsolve(Sc, b), lambda: tla.spsolve(Ac, b)),
            ("eigsh k=6 smallest (shift-invert)",
             lambda: sla.eigsh(Sc, k=6, sigma=0, return_eigenvectors=False),
             lambda: tla.eigsh(Ac, k=6, sigma=0, return_eigenvectors=False)),
        ]
        for name, f_sp, f_tr in cases:
            (t_sp, t_tr), (r_sp, r_tr) = best([f_sp, f_tr], a.repeat)
            if isinstance(r_sp, tuple):
                assert r_sp[1] == r_tr[1], (r_sp[1], r_tr[1])
                r_sp, r_tr = r_sp[0], r_tr[0]
            err = np.abs(trnpy.asnumpy(r_tr) - r_sp).max() / np.abs(r_sp).max()
            rows.append((name, t_sp, t_tr, err))
    print(f"2-D Poisson {a.n}x{a.n} ({N} unknowns), backend {a.backend}, CPU time, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'op':<36}{'SciPy s':>10}{'trnpy s':>10}{'ratio':>8}{'rel err':>10}")
    for name, t_sp, t_tr, err in rows:
        print(f"{name:<36}{t_sp:>10.4f}{t_tr:>10.4f}{t_tr / t_sp:>8.2f}{err:>10.1e}")


if __name__ == "__main__":
    main()
