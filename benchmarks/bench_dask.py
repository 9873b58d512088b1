"""Weak scaling of trnpy chunks on a Dask cluster: a fixed per-worker workload on 1 and 2
worker processes (one thread each, OMP_NUM_THREADS=1; one per core here), on loopback,
against the same with NumPy chunks and against the machine's own ceiling.

- heat: a 2-D explicit heat-equation stencil, STEPS steps on a grid of ROWS x COLS per
  worker (one chunk per worker). ``map_overlap`` with depth FUSE runs FUSE steps per
  task, so ghost rows are exchanged every FUSE steps (communication-avoiding; the result
  equals FUSE depth-1 steps: the global edge has no ghost cells and stays, as in one
  step) and the scheduler handles STEPS / FUSE rounds of tasks, not STEPS.
- matmul: a blocked ``A @ B`` (ROWS x K per worker, B K x K) followed by ``.sum(axis=0)``
  (a tree reduction across the workers).

Weak-scaling efficiency = time(1 worker, 1 share) / time(2 workers, 2 shares); 100% is
perfect, the target is at least 80%. Each timing is the best of ROUNDS after a warm-up
compute (worker imports); trnpy and NumPy chunks alternate on the same cluster, so the
machine's other load falls on both alike.

The ceiling: the same per-worker work (the same functions on one ROWS x COLS block, one
ROWS x K matmul) in 1 plain process, and in 2 at once, with no Dask at all. Two busy
processes on a 2-core box share memory bandwidth and caches, and anything else running
(the scheduler, the client, other users: the load average is printed) takes cores from
them, so this is the most weak scaling Dask can reach here.
Usage: python3 benchmarks/bench_dask.py [--quick]
"""
from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
import time

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import trnpy
import trnpy._dask   # noqa: F401  (registers trnpy chunks and the "trnpy" backend)

QUICK = "--quick" in sys.argv
ROWS, COLS, STEPS, FUSE = (1000, 1000, 10, 5) if QUICK else (2000, 2000, 10, 5)
K = 500 if QUICK else 1000
ROUNDS = 2 if QUICK else 3
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def heat_step(b):
    out = b.copy()
    out[1:-1, 1:-1] = b[1:-1, 1:-1] + 0.1 * (b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2]
                                             + b[1:-1, 2:] - 4 * b[1:-1, 1:-1])
    return out


def heat_steps(b):
    for _ in range(FUSE):
        b = heat_step(b)
    return b


def rand(backend, seed, shape, chunks):
    """Random data made on the workers (no data in the graph): dask's own generator,
    which under the trnpy backend draws trnpy's stream into trnpy chunks."""
    with dask.config.set({"array.backend": backend}):
        return da.random.default_rng(seed).random(shape, chunks=chunks)


def heat(backend, n):
    x = rand(backend, 0, (n * ROWS, COLS), (ROWS, COLS)).persist()

    def run():
        y = x
        for _ in range(STEPS // FUSE):
            y = y.map_overlap(heat_steps, depth=FUSE, boundary="none")
        return y.sum(axis=0).compute()
    return run


def matmul(backend, n):
    a = rand(backend, 1, (n * ROWS, K), (ROWS, K)).persist()
    b = rand(backend, 2, (K, K), (K, K)).persist()
    return lambda: (a @ b).sum(axis=0).compute()


def _cpu():
    return time.process_time()


def best(client, runs):
    """{name: (best wall time, the workers' CPU seconds per worker in that run)}, the
    runs alternating after one warm-up each."""
    for run in runs.values():
        run()
    times = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, run in runs.items():
            c0 = client.run(_cpu)
            t = time.perf_counter()
            run()
            t = time.perf_counter() - t
            c1 = client.run(_cpu)
            times[name].append((t, sum(c1[w] - c0[w] for w in c0) / len(c0)))
    return {name: min(ts) for name, ts in times.items()}


def timings(n):
    env = dict(ENV, PYTHONPATH=os.pathsep.join(sys.path))
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=":0", env=env,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        out = {}
        for work in (heat, matmul):
            out.update({(work.__name__, b): t for (b, t) in best(
                client, {b: work(b, n) for b in ("trnpy", "numpy")}).items()})
        return out


# -- the ceiling: the same per-worker work in plain processes ---------------------------
def _work(kind, backend, start, out):
    xp = trnpy if backend == "trnpy" else np
    rng = np.random.default_rng(0)
    if kind == "heat":
        b = xp.asarray(rng.random((ROWS + 2 * FUSE, COLS)))
        run = lambda: [heat_steps(b) for _ in range(STEPS // FUSE)][-1].sum(axis=0)  # noqa
    else:
        a, m = xp.asarray(rng.random((ROWS, K))), xp.asarray(rng.random((K, K)))
        run = lambda: (a @ m).sum(axis=0)  # noqa: E731
    run()
    start.wait()
    ts = []
    for _ in range(ROUNDS):
        t, c = time.perf_counter(), time.process_time()
        run()
        ts.append((time.perf_counter() - t, time.process_time() - c))
    out.put(min(ts))


def plain(kind, backend, n):
    """(wall, CPU) seconds of the work when n plain processes run it at once (the
    slowest; its best round)."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_work, args=(kind, backend, start, out)) for _ in range(n)]
    for p in procs:
        p.start()
    ts = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return max(ts)


def main():
    os.environ.update(ENV)
    print(f"per worker: heat {ROWS}x{COLS} x {STEPS} steps ({FUSE} per task), "
          f"matmul {ROWS}x{K} @ {K}x{K} + sum; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at start")
    t1, t2 = timings(1), timings(2)
    c1 = {(k, b): plain(k, b, 1) for k in ("heat", "matmul") for b in ("trnpy", "numpy")}
    c2 = {(k, b): plain(k, b, 2) for k in ("heat", "matmul") for b in ("trnpy", "numpy")}
    def eff(a, b):
        return f"{100 * a[0] / b[0]:5.1f}% (CPU {100 * a[1] / b[1]:5.1f}%)"
    print("wall seconds [CPU seconds per worker]; efficiency by wall time (and by the "
          "workers' CPU time, which other load on the box does not inflate)")
    for k in ("heat", "matmul"):
        for b in ("trnpy", "numpy"):
            a1, a2, p1, p2 = t1[k, b], t2[k, b], c1[k, b], c2[k, b]
            print(f"{k:6s} {b:5s} chunks: Dask 1 worker {a1[0]:6.3f} [{a1[1]:6.3f}], "
                  f"2 workers {a2[0]:6.3f} [{a2[1]:6.3f}], efficiency {eff(a1, a2)}  | "
                  f"no Dask: 1 process {p1[0]:6.3f} [{p1[1]:6.3f}], 2 at once "
                  f"{p2[0]:6.3f} [{p2[1]:6.3f}], ceiling {eff(p1, p2)}")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
