"""nnz above 2**31 (issue 12, item 5): a CSR array with int64 indices, built from the
caller's arrays without a copy (SciPy's ``copy=False``), used on the CPU and compared
with SciPy's own object over the same memory (the oracle costs no second copy).

    python3 benchmarks/bench_sparse_bignnz.py               # nnz = 2**31 + 2**20: ~19.4 GB
    python3 benchmarks/bench_sparse_bignnz.py --nnz 1e8     # a quick run of the same checks

int8 data (1 byte) and int64 indices (8 bytes) per stored value: 9 bytes each, the least
a CSR array can take; 64 values per row keep int8 row sums exact.
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import scipy.sparse as sp

import trnpy
import trnpy.sparse as ts

PER_ROW = 64


def build(nnz, ncol, chunk=1 << 23):
    nrow = -(-nnz // PER_ROW)
    nnz = nrow * PER_ROW
    indptr = np.arange(0, nnz + 1, PER_ROW, dtype=np.int64)
    indices = np.empty(nnz, np.int64)
    data = np.empty(nnz, np.int8)
    k = np.arange(PER_ROW, dtype=np.int64)
    for s in range(0, nnz, chunk):                 # row-aligned chunks: no big temporaries
        rows = np.arange(s // PER_ROW, min(s + chunk, nnz) // PER_ROW, dtype=np.int64)
        cols = (rows[:, None] * 7919 + k[None, :] * (ncol // PER_ROW)) % ncol
        cols.sort(axis=1)
        indices[s:s + cols.size] = cols.ravel()
        data[s:s + cols.size] = ((rows[:, None] + k[None, :]) % 3 + 1).ravel()
    return data, indices, indptr, (nrow, ncol)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nnz", type=float, default=2 ** 31 + 2 ** 20)
    ap.add_argument("--ncol", type=int, default=1 << 22)
    args = ap.parse_args()
    t = time.perf_counter()
    data, indices, indptr, shape = build(int(args.nnz), args.ncol)
    print(f"components: nnz {data.size:,} ({data.size / 2**31:.4f} x 2**31), "
          f"{(data.nbytes + indices.nbytes + indptr.nbytes) / 1e9:.2f} GB, "
          f"{time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    A = ts.csr_array((data, indices, indptr), shape=shape)
    S = sp.csr_array((data, indices, indptr), shape=shape)
    print(f"trnpy csr_array built in {time.perf_counter() - t:.1f} s: nnz {A.nnz:,} "
          f"({type(A.nnz).__name__}), indices {A.indices.dtype} (SciPy {S.indices.dtype}), "
          f"shares the caller's indices: {np.shares_memory(np.asarray(A.indices), indices)}")
    checks = {}
    checks["nnz"] = A.nnz == S.nnz == data.size
    checks["index dtype"] = A.indices.dtype == S.indices.dtype == np.int64

    v = (np.arange(shape[1]) % 5).astype(np.int8) - 2
    t = time.perf_counter()
    y = A @ trnpy.asarray(v)
    ty = time.perf_counter() - t
    t = time.perf_counter()
    ys = S @ v
    ts_ = time.perf_counter() - t
    checks["A @ v"] = np.array_equal(trnpy.asnumpy(y), ys)
    print(f"A @ v: trnpy {ty:.1f} s, SciPy {ts_:.1f} s")

    checks["sum"] = int(A.sum()) == int(S.sum())
    # (not sum(axis=1): SciPy, and trnpy with it, upcasts int8 data to int64 there, which
    # would take another 8 bytes per value)
    last = shape[0] - 1
    checks["row slice at the end"] = np.array_equal(
        trnpy.asnumpy(A[last - 2:].toarray()), S[last - 2:].toarray())
    checks["max"] = int(A.max()) == int(S.max())
    for k, ok in checks.items():
        print(f"  {k:22s} {'equal to SciPy' if ok else 'DIFFERS'}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    if not all(checks.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
