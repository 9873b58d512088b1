"""Weak scaling of trnpy chunks on a Dask cluster: a fixed per-worker workload on 1 and 2
worker processes (one thread each, OMP_NUM_THREADS=1; one per core here), on loopback.

- heat: a 2-D explicit heat-equation stencil, STEPS steps of ``map_overlap`` (depth 1)
  on a grid of ROWS x COLS per worker (one chunk per worker, ghost rows exchanged
  between workers every step);
- matmul: a blocked ``A @ B`` (ROWS x K per worker, B K x K) followed by ``.sum(axis=0)``
  (a tree reduction across the workers).

Weak-scaling efficiency = time(1 worker, 1 share) / time(2 workers, 2 shares); 100% is
perfect, the target is at least 80%. Each timing is the best of the rounds after a
warm-up compute (worker imports). ``--numpy`` runs the same with NumPy chunks, for
reference. The machine's other load falls on both runs; on a shared box, rerun.
Usage: python3 benchmarks/bench_dask.py [--quick] [--numpy]
"""
from __future__ import annotations

import logging
import os
import sys
import time

import dask.array as da
from distributed import Client, LocalCluster

import trnpy._dask   # registers trnpy chunks with dask

QUICK = "--quick" in sys.argv
ROWS, COLS, STEPS = (1000, 1000, 5) if QUICK else (2000, 2000, 10)
K = 500 if QUICK else 1000
ROUNDS = 2 if QUICK else 3


def heat_step(b):
    out = b.copy()
    out[1:-1, 1:-1] = b[1:-1, 1:-1] + 0.1 * (b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2]
                                             + b[1:-1, 2:] - 4 * b[1:-1, 1:-1])
    return out


def rand(seed, shape, chunks):
    """Random data made on the workers (no data in the graph)."""
    if "--numpy" in sys.argv:
        return da.random.default_rng(seed).random(shape, chunks=chunks)
    return trnpy._dask.default_rng(seed).random(shape, chunks=chunks)


def heat(n):
    x = rand(0, (n * ROWS, COLS), (ROWS, COLS)).persist()
    def run():
        y = x
        for _ in range(STEPS):
            y = y.map_overlap(heat_step, depth=1, boundary="none")
        return y.sum(axis=0).compute()
    return run


def matmul(n):
    a = rand(1, (n * ROWS, K), (ROWS, K)).persist()
    b = rand(2, (K, K), (K, K)).persist()
    return lambda: (a @ b).sum(axis=0).compute()


def best(run):
    run()                                            # warm-up: imports, first transfers
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def timings(n):
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=":0", env=env,
                      silence_logs=logging.ERROR) as cluster, Client(cluster):
        return {"heat": best(heat(n)), "matmul": best(matmul(n))}


def main():
    kind = "NumPy" if "--numpy" in sys.argv else "trnpy"
    print(f"{kind} chunks; per worker: heat {ROWS}x{COLS} x {STEPS} steps, "
          f"matmul {ROWS}x{K} @ {K}x{K} + sum")
    t1, t2 = timings(1), timings(2)
    for name in t1:
        print(f"{name:7s} 1 worker {t1[name]:7.3f} s   2 workers {t2[name]:7.3f} s   "
              f"weak-scaling efficiency {100 * t1[name] / t2[name]:5.1f}%")


if __name__ == "__main__":
    main()
