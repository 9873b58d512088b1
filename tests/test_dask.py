"""trnpy arrays as Dask chunks on a real cluster: a distributed.LocalCluster of two worker
processes on loopback, against NumPy. A worker plugin records the type of every task
result the workers hold, so a NumPy chunk anywhere in a trnpy graph fails the test."""
from __future__ import annotations

import logging
import os
import pathlib
import signal
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
# one cluster for the module: under ``--dist loadgroup`` xdist keeps these tests together
pytestmark = pytest.mark.xdist_group("dask-cluster")
NEURON = trnpy.device("neuron", emulate=True)


class ChunkTypes(WorkerPlugin):
    """Records what every task result a worker stores is: ("numpy", name, shape) for a
    NumPy array, ("trnpy", device) for a TrnArray (its device, as a string)."""
    name = "chunk-types"

    def setup(self, worker):
        self.worker, self.seen = worker, []

    def transition(self, key, start, finish, **kwargs):
        if finish == "memory" and key in self.worker.data:
            v = self.worker.data[key]
            name = str(key[0] if isinstance(key, tuple) else key)
            if isinstance(v, np.ndarray):
                self.seen.append(("numpy", name, v.shape))
            elif isinstance(v, TrnArray):
                self.seen.append(("trnpy", str(v.device)))


def _results(dask_worker):
    p = dask_worker.plugins["chunk-types"]
    out, p.seen = p.seen, []
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


def walk_chunks(client, dev, *, forget=False):
    """Every task result the workers stored since the last walk: no NumPy array, and
    every TrnArray on ``dev``. (Full reductions on the CPU give NumPy scalars, as
    trnpy does; they are not arrays.) ``forget``: only clear the record."""
    seen = [r for rs in client.run(_results).values() for r in rs]
    if forget:
        return
    numpy = [r for r in seen if r[0] == "numpy"]
    assert not numpy, f"NumPy results where trnpy chunks belong: {numpy[:10]}"
    devices = {r[1] for r in seen if r[0] == "trnpy"}
    assert devices == {str(dev)}, devices


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
# their chunks are still trnpy's, which walk_chunks checks
META_NUMPY = {"std", "argmax", "argmax0", "fft"}


def _run_cases(client, dev, dt, rtol, names=None):
    """Every case computed in one go on the cluster, each against NumPy (float64)."""
    rng = np.random.default_rng(5)
    walk_chunks(client, dev, forget=True)
    cases, ys, refs = [], [], []
    for name, f, g, shape, chunks in _cases(dt):
        if names is not None and name not in names:
            continue
        a = rng.standard_normal(shape).astype(dt)
        with trnpy.device(dev):
            x = da.from_array(trnpy.asarray(a), chunks=chunks)
        y = f(x)
        if name == "tsqr":
            y = abs(y)
        if name not in META_NUMPY:
            assert isinstance(y._meta, TrnArray), (name, type(y._meta))
        cases.append(name)
        ys.append(y)
        refs.append(g(a.astype(np.float64)))
    fails = []
    for name, r, ref in zip(cases, dask.compute(*ys), refs):
        try:
            if np.ndim(r) or dev is not trnpy._devices.CPU:
                assert isinstance(r, TrnArray) and r.device == dev, (type(r), r)
            close(r, ref, rtol)
        except AssertionError as e:
            fails.append(f"{name}: {e}")
    assert not fails, "\n".join(fails)
    walk_chunks(client, dev)


def test_host_chunks_against_numpy(client):
    _run_cases(client, trnpy._devices.CPU, np.float64, 1e-9)


def test_linalg_on_cluster(client):
    rng = np.random.default_rng(6)
    A = rng.standard_normal((60, 60)) + 8 * np.eye(60)
    S = A @ A.T
    b = rng.standard_normal(60)
    T = rng.standard_normal((90, 5))
    walk_chunks(client, trnpy._devices.CPU, forget=True)
    a, s = (da.from_array(trnpy.asarray(v), chunks=20) for v in (A, S))
    bb = da.from_array(trnpy.asarray(b), chunks=20)
    t = da.from_array(trnpy.asarray(T), chunks=(30, 5))
    tb = da.from_array(trnpy.asarray(T[:, 0] + 1), chunks=30)
    results = {
        "solve": (da.linalg.solve(a, bb), np.linalg.solve(A, b)),
        "cholesky": (da.linalg.cholesky(s), np.linalg.cholesky(S).T),
        "lstsq": (da.linalg.lstsq(t, tb)[0], np.linalg.lstsq(T, T[:, 0] + 1)[0]),
    }
    names = list(results)
    out = dask.compute(*[results[n][0] for n in names])
    for name, r in zip(names, out):
        assert isinstance(r, TrnArray), (name, type(r))
        close(r, results[name][1], 1e-8)
    walk_chunks(client, trnpy._devices.CPU)


def test_persist_keeps_trnpy_chunks_and_sizes(client):
    a = np.arange(1_000_000, dtype=np.float64).reshape(1000, 1000)
    walk_chunks(client, trnpy._devices.CPU, forget=True)
    x = da.from_array(trnpy.asarray(a), chunks=(250, 1000)).persist()
    distributed.wait(x)
    nbytes = client.run_on_scheduler(
        lambda dask_scheduler, name=x.name: sum(
            ts.nbytes for k, ts in dask_scheduler.tasks.items()
            if isinstance(k, tuple) and k[0] == name))
    assert a.nbytes <= nbytes < a.nbytes + 4096       # sizeof is nbytes, not ~100 bytes
    close((x * 2).sum(axis=0).compute(), (a * 2).sum(axis=0), 1e-12)
    walk_chunks(client, trnpy._devices.CPU)


def test_emulated_neuron_chunks(client):
    """float32 chunks on the emulated NeuronCore through the same checks."""
    _run_cases(client, NEURON, np.float32, 2e-4)


def test_random_on_cluster_equals_trnpy(client):
    """Chunked draws on two workers equal trnpy's own, and the stream continues: from
    trnpy._dask.default_rng and from dask's own default_rng under the trnpy backend."""
    walk_chunks(client, trnpy._devices.CPU, forget=True)
    ys, refs = [], []
    for seed, method in enumerate(["random", "standard_normal", "integers"]):
        with dask.config.set({"array.backend": "trnpy"}):
            gens = [tdask.default_rng(seed), da.random.default_rng(seed)]
        for g in gens:
            ref_rng = trnpy.random.default_rng(seed)
            kw = {"low": -5, "high": 1000} if method == "integers" else {}
            refs += [getattr(ref_rng, method)(size=(300, 70), **kw),
                     getattr(ref_rng, method)(size=50, **kw)]
            ys += [getattr(g, method)(size=(300, 70), chunks=(70, 30), **kw),
                   getattr(g, method)(size=50, chunks=7, **kw)]
    for r, ref in zip(dask.compute(*ys), refs):
        np.testing.assert_array_equal(trnpy.asnumpy(r), trnpy.asnumpy(ref))
    walk_chunks(client, trnpy._devices.CPU)


def test_random_on_neuron_chunks(client):
    walk_chunks(client, NEURON, forget=True)
    g = tdask.default_rng(3, device=NEURON)
    with dask.config.set({"array.backend": "trnpy"}), trnpy.device(NEURON):
        y = da.random.default_rng(3).random((64, 10), chunks=(13, 4), dtype=np.float32)
    ref = np.random.Generator(np.random.Philox(3)).random((64, 10), dtype=np.float32)
    for r in dask.compute(g.random((64, 10), chunks=(13, 4)), y):
        assert r.device == NEURON and r.dtype == np.float32
        np.testing.assert_array_equal(trnpy.asnumpy(r), ref)
    walk_chunks(client, NEURON)


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
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)                     # the nanny starts a new worker
    r = fut.result(timeout=120)
    assert isinstance(r, TrnArray)
    close(r, (a * 2).sum(axis=0), 1e-12)
    client.wait_for_workers(2, timeout=60)
