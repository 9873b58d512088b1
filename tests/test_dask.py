"""trnpy arrays as Dask chunks on a real cluster: a distributed.LocalCluster of two worker
processes on loopback, against NumPy. A worker plugin records the type of every task
result the workers hold, so a NumPy chunk anywhere in a trnpy graph fails the test."""
from __future__ import annotations

import logging
import os
import pathlib
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import dask  # noqa: E402
from distributed import Client, LocalCluster, WorkerPlugin  # noqa: E402

import trnpy  # noqa: E402
import trnpy._dask as tdask  # noqa: E402
from trnpy._array import TrnArray  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
NEURON = trnpy.device("neuron", emulate=True)


class ChunkTypes(WorkerPlugin):
    """Records (task name, type) of every NumPy array a worker stores."""
    name = "chunk-types"

    def setup(self, worker):
        self.worker, self.numpy = worker, []

    def transition(self, key, start, finish, **kwargs):
        if finish == "memory":
            v = self.worker.data.get(key) if key in self.worker.data else None
            if isinstance(v, np.ndarray) and not isinstance(v, np.generic):
                name = key[0] if isinstance(key, tuple) else key
                self.numpy.append((str(name), v.dtype.str, v.shape))


def _numpy_results(dask_worker):
    p = dask_worker.plugins["chunk-types"]
    out, p.numpy = p.numpy, []
    return out


@pytest.fixture(scope="module")
def client():
    path = os.pathsep.join([str(HERE.parent), str(HERE), os.environ.get("PYTHONPATH", "")])
    env = {"PYTHONPATH": path, "TRNPY_NEURON": "emulate", "OMP_NUM_THREADS": "1"}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=":0", env=env,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as c:
        c.register_plugin(ChunkTypes())
        yield c


def no_numpy_chunks(client):
    bad = {w: r for w, r in client.run(_numpy_results).items() if r}
    assert not bad, f"NumPy results where trnpy chunks belong: {bad}"


def chunks_of(client, arr):
    """Every computed chunk of dask array ``arr`` (gathered from the workers)."""
    return client.gather(client.compute(arr.to_delayed().ravel().tolist()))


def check_chunks(client, arr, dev):
    for c in chunks_of(client, arr):
        if np.ndim(c) == 0 and dev is trnpy._devices.CPU:
            assert isinstance(c, (np.generic, TrnArray)), type(c)   # NumPy's scalars
        else:
            assert isinstance(c, TrnArray), type(c)
            assert c.device == dev, (c.device, dev)


def close(actual, expected, rtol):
    a = trnpy.asnumpy(actual) if isinstance(actual, TrnArray) else np.asarray(actual)
    assert a.shape == np.shape(expected), (a.shape, np.shape(expected))
    np.testing.assert_allclose(a, expected, rtol=rtol, atol=rtol)


def heat_step(b):
    """One explicit heat-equation step; the outer ring (global edge) stays."""
    out = b.copy()
    out[1:-1, 1:-1] = b[1:-1, 1:-1] + 0.1 * (b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2]
                                             + b[1:-1, 2:] - 4 * b[1:-1, 1:-1])
    return out


def _cases(dt):
    """(name, dask function, NumPy function, shape, chunks) of the differential checks."""
    return [
        ("elementwise", lambda x: (x + 1) * 2 - da.sin(x), lambda a: (a + 1) * 2 - np.sin(a),
         (40, 30), (15, 10)),
        ("sum0", lambda x: x.sum(axis=0), lambda a: a.sum(axis=0), (40, 30), (15, 10)),
        ("std", lambda x: x.std(), lambda a: a.std(), (40, 30), (15, 10)),
        ("var1", lambda x: x.var(axis=1), lambda a: a.var(axis=1), (40, 30), (15, 10)),
        ("argmax", lambda x: x.argmax(), lambda a: a.argmax(), (40, 30), (15, 10)),
        ("argmax0", lambda x: x.argmax(axis=0), lambda a: a.argmax(axis=0), (40, 30),
         (15, 10)),
        ("nanmean", lambda x: da.nanmean(da.where(x > 1, np.nan, x), axis=0),
         lambda a: np.nanmean(np.where(a > 1, np.nan, a), axis=0), (40, 30), (15, 10)),
        ("map_blocks", lambda x: x.map_blocks(lambda b: abs(b) ** 0.5 + 1),
         lambda a: abs(a) ** 0.5 + 1, (40, 30), (15, 10)),
        ("map_overlap", lambda x: x.map_overlap(heat_step, depth=1, boundary="none"),
         heat_step, (40, 30), (15, 10)),
        ("matmul_sum", lambda x: (x @ x.T).sum(axis=1), lambda a: (a @ a.T).sum(axis=1),
         (40, 30), (15, 10)),
        ("rechunk", lambda x: x.rechunk((7, 30)) * 1, lambda a: a, (40, 30), (15, 10)),
        ("fft", lambda x: da.fft.fft(x, axis=1), lambda a: np.fft.fft(a, axis=1),
         (40, 32), (10, 32)),
        ("tsqr", lambda x: da.linalg.tsqr(x)[1], lambda a: np.abs(np.linalg.qr(a)[1]),
         (60, 6), (20, 6)),
        ("qr_product", lambda x: (lambda q, r: q @ r)(*da.linalg.qr(x)), lambda a: a,
         (60, 6), (20, 6)),
        ("svd_s", lambda x: da.linalg.svd(x)[1], lambda a: np.linalg.svd(a)[1], (60, 6),
         (20, 6)),
    ]


# dask builds these metas from NumPy scalars (argmin of a sample, a 0-d sum: trnpy gives
# NumPy's scalars there, as NumPy) or from a failed meta call (fft of an empty array);
# their chunks are still trnpy's, which check_chunks checks
META_NUMPY = {"std", "argmax", "argmax0", "fft"}


def _run_cases(client, dev, dt, rtol):
    rng = np.random.default_rng(5)
    fails = []
    for name, f, g, shape, chunks in _cases(dt):
        a = rng.standard_normal(shape).astype(dt)
        with trnpy.device(dev):
            x = da.from_array(trnpy.asarray(a), chunks=chunks)
        y = f(x)
        if name == "tsqr":
            y = abs(y)
        try:
            if name not in META_NUMPY:
                assert isinstance(y._meta, TrnArray), type(y._meta)
            close(y.compute(), g(a.astype(np.float64)), rtol)
            check_chunks(client, y, dev)
        except AssertionError as e:
            fails.append(f"{name}: {e}")
    assert not fails, "\n".join(fails)
    no_numpy_chunks(client)


def test_host_chunks_against_numpy(client):
    _run_cases(client, trnpy._devices.CPU, np.float64, 1e-9)


def test_linalg_on_cluster(client):
    rng = np.random.default_rng(6)
    A = rng.standard_normal((60, 60)) + 8 * np.eye(60)
    S = A @ A.T
    b = rng.standard_normal(60)
    T = rng.standard_normal((90, 5))
    a, s = (da.from_array(trnpy.asarray(v), chunks=20) for v in (A, S))
    bb = da.from_array(trnpy.asarray(b), chunks=20)
    t = da.from_array(trnpy.asarray(T), chunks=(30, 5))
    tb = da.from_array(trnpy.asarray(T[:, 0] + 1), chunks=30)
    results = {
        "solve": (da.linalg.solve(a, bb), np.linalg.solve(A, b)),
        "cholesky": (da.linalg.cholesky(s), np.linalg.cholesky(S).T),
        "lstsq": (da.linalg.lstsq(t, tb)[0], np.linalg.lstsq(T, T[:, 0] + 1)[0]),
    }
    for name, (y, ref) in results.items():
        close(y.compute(), ref, 1e-8)
        check_chunks(client, y, trnpy._devices.CPU)
    no_numpy_chunks(client)


def test_persist_keeps_trnpy_chunks_and_sizes(client):
    a = np.arange(1_000_000, dtype=np.float64).reshape(1000, 1000)
    x = da.from_array(trnpy.asarray(a), chunks=(250, 1000)).persist()
    distributed.wait(x)
    nbytes = client.run_on_scheduler(
        lambda dask_scheduler, name=x.name: sum(
            ts.nbytes for k, ts in dask_scheduler.tasks.items()
            if isinstance(k, tuple) and k[0] == name))
    assert a.nbytes <= nbytes < a.nbytes + 4096       # sizeof is nbytes, not ~100 bytes
    close((x * 2).sum(axis=0).compute(), (a * 2).sum(axis=0), 1e-12)
    check_chunks(client, x, trnpy._devices.CPU)


def test_emulated_neuron_chunks(client):
    """float32 chunks on the emulated NeuronCore through the same checks (a subset)."""
    fails = []
    rng = np.random.default_rng(7)
    for name, f, g, shape, chunks in _cases(np.float32):
        if name not in ("elementwise", "std", "argmax0", "nanmean", "map_overlap",
                        "matmul_sum", "fft", "rechunk"):
            continue
        a = rng.standard_normal(shape).astype(np.float32)
        with trnpy.device(NEURON):
            x = da.from_array(trnpy.asarray(a), chunks=chunks)
        y = f(x)
        try:
            r = y.compute()
            assert isinstance(r, TrnArray) and r.device == NEURON, (type(r), r)
            close(r, g(a.astype(np.float64)), 2e-4)
            check_chunks(client, y, NEURON)
        except AssertionError as e:
            fails.append(f"{name}: {e}")
    assert not fails, "\n".join(fails)
    no_numpy_chunks(client)


@pytest.mark.parametrize("method", ["random", "standard_normal", "integers"])
def test_random_on_cluster_equals_trnpy(client, method):
    shape = (300, 70)
    ref_rng = trnpy.random.default_rng(11)
    g = tdask.default_rng(11)
    kw = {"low": 0, "high": 1000} if method == "integers" else {}
    ref = getattr(ref_rng, method)(size=shape, **kw)
    ref2 = getattr(ref_rng, method)(size=50, **kw)          # the stream continues
    x = getattr(g, method)(size=shape, chunks=(70, 30), **kw)
    y = getattr(g, method)(size=50, chunks=7, **kw)
    rx, ry = dask.compute(x, y)
    np.testing.assert_array_equal(trnpy.asnumpy(rx), trnpy.asnumpy(ref))
    np.testing.assert_array_equal(trnpy.asnumpy(ry), trnpy.asnumpy(ref2))
    check_chunks(client, x, trnpy._devices.CPU)


def test_random_on_neuron_chunks(client):
    g = tdask.default_rng(3, device=NEURON)
    x = g.random((64, 10), chunks=(13, 4))
    r = x.compute()
    assert r.device == NEURON and r.dtype == np.float32
    ref = np.random.Generator(np.random.Philox(3)).random((64, 10), dtype=np.float32)
    np.testing.assert_array_equal(trnpy.asnumpy(r), ref)
    check_chunks(client, x, NEURON)


def _sleepy_double(b):
    time.sleep(0.3)                 # slow, so that the worker dies while it runs
    return b * 2


def test_killed_worker_recomputes(client):
    a = np.arange(64.0).reshape(8, 8)
    x = da.from_array(trnpy.asarray(a), chunks=(1, 8)).map_blocks(_sleepy_double)
    fut = client.compute(x.sum(axis=0))
    deadline = time.time() + 30
    while not any(client.processing().values()) and time.time() < deadline:
        time.sleep(0.05)
    victim = next(w for w, keys in client.processing().items() if keys)
    client.run(os._exit, 1, workers=[victim], wait=False)        # the nanny restarts it
    r = fut.result(timeout=120)
    assert isinstance(r, TrnArray)
    close(r, (a * 2).sum(axis=0), 1e-12)
    client.wait_for_workers(2, timeout=60)
