"""trnpy's Dask integration in one process (dask's synchronous scheduler), against NumPy:
the registrations, the backend entry point, serialisation, moves between devices and
random numbers independent of chunking. The cluster tests are in test_dask.py."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

da = pytest.importorskip("dask.array")
pytest.importorskip("distributed")
import dask  # noqa: E402
from dask.array.dispatch import (concatenate_lookup, divide_lookup,  # noqa: E402
                                 einsum_lookup, empty_lookup, nannumel_lookup,
                                 numel_lookup, percentile_lookup, take_lookup,
                                 tensordot_lookup, to_numpy_dispatch)
from dask.sizeof import sizeof  # noqa: E402
from distributed.protocol import deserialize, serialize  # noqa: E402

import trnpy  # noqa: E402
import trnpy._dask as tdask  # noqa: E402
from trnpy._array import TrnArray  # noqa: E402
from _helpers import examples  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
NEURON = trnpy.device("neuron", emulate=True)
CPU = trnpy.device("cpu")


@pytest.fixture(autouse=True)
def sync_scheduler():
    with dask.config.set(scheduler="sync"):
        yield


def host(x):
    return trnpy.asnumpy(x) if isinstance(x, TrnArray) else np.asarray(x)


def test_dispatch_registrations_are_trnpy():
    x = trnpy.asarray(np.arange(6.0).reshape(2, 3))
    for lookup in (concatenate_lookup, take_lookup, tensordot_lookup, einsum_lookup,
                   empty_lookup, divide_lookup, percentile_lookup, numel_lookup,
                   nannumel_lookup, to_numpy_dispatch):
        f = lookup.dispatch(TrnArray)
        assert f is not lookup.dispatch(np.ndarray), lookup
    assert isinstance(concatenate_lookup.dispatch(TrnArray)([x, x], axis=0), TrnArray)
    assert isinstance(to_numpy_dispatch(x), np.ndarray)
    n = numel_lookup.dispatch(TrnArray)(x, axis=1, keepdims=True)
    assert isinstance(n, TrnArray) and host(n).tolist() == [[3.0], [3.0]]
    y = trnpy.asarray([[1.0, np.nan, 2.0]], device=NEURON, dtype="f4")
    n = nannumel_lookup.dispatch(TrnArray)(y, axis=1, keepdims=True)     # float32 counts on the neuron
    assert n.device == NEURON and host(n).tolist() == [[2.0]]


def test_sizeof_is_nbytes():
    x = trnpy.zeros((1000, 1000))
    assert x.nbytes <= sizeof(x) < x.nbytes + 1024
    y = trnpy.zeros((10, 10), dtype="f4", device=NEURON)
    assert y.nbytes <= sizeof(y) < y.nbytes + 1024


def test_ops_keep_trnpy_chunks_against_numpy():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((30, 20))
    b = rng.standard_normal((20, 9))
    x = da.from_array(trnpy.asarray(a), chunks=(7, 6))
    y = da.from_array(trnpy.asarray(b), chunks=(6, 4))
    assert isinstance(x._meta, TrnArray)
    cases = [
        (da.concatenate([x, x], axis=1), np.concatenate([a, a], axis=1)),
        (da.tensordot(x, y, axes=1), np.tensordot(a, b, axes=1)),
        (da.einsum("ij,jk->ik", x, y), np.einsum("ij,jk->ik", a, b)),
        (x[[3, 0, 29, 3]], a[[3, 0, 29, 3]]),
        (x / (x + 10), a / (a + 10)),
        (da.percentile(x[:, 0], [5, 50, 95]), None),
        (da.nanmax(da.where(x > 1, np.nan, x), axis=0),
         np.nanmax(np.where(a > 1, np.nan, a), axis=0)),
    ]
    for y_, ref in cases:
        r = y_.compute()
        assert isinstance(r, TrnArray), type(r)
        if ref is not None:
            np.testing.assert_allclose(host(r), ref, rtol=1e-12, atol=1e-12)
    # dask's percentile merges chunk percentiles approximately; one chunk is exact
    p = da.percentile(x[:, 0].rechunk(30), [5, 50, 95]).compute()
    np.testing.assert_allclose(host(p), np.percentile(a[:, 0], [5, 50, 95]), rtol=1e-12)


def test_moments_of_neuron_chunks_stay_float32():
    """dask's var/std/nanvar count in int64 and combine in float64; on the neuron device
    (no float64) they run in float32 and match NumPy to float32 accuracy."""
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((30, 20)) * 3 + 1).astype("f4")
    a[[2, 17, 29], [5, 0, 19]] = np.nan
    b = np.where(np.isnan(a), 0.5, a)
    with trnpy.device(NEURON):
        x, y = (da.from_array(trnpy.asarray(v), chunks=(11, 8)) for v in (a, b))
    cases = [
        (y.std(), np.std(b, dtype="f8")),
        (y.var(axis=1), np.var(b, axis=1, dtype="f8")),
        (y.std(axis=0, ddof=1, split_every=2), np.std(b, axis=0, ddof=1, dtype="f8")),
        (y.mean(axis=0), np.mean(b, axis=0, dtype="f8")),
        (da.nanmean(x), np.nanmean(a, dtype="f8")),
        (da.nanvar(x, axis=0), np.nanvar(a, axis=0, dtype="f8")),
        (da.nanstd(x, ddof=1), np.nanstd(a, ddof=1, dtype="f8")),
    ]
    for z, ref in cases:
        r = z.compute()
        assert isinstance(r, TrnArray) and r.device == NEURON and r.dtype == np.float32
        np.testing.assert_allclose(host(r), ref, rtol=2e-6, atol=2e-6)
    # host float32 chunks keep NumPy's own promotions (float64 counts, float32 result)
    z = da.from_array(trnpy.asarray(b), chunks=(11, 8)).var()
    r = z.compute()
    assert r.dtype == np.var(b).dtype == np.float32
    np.testing.assert_allclose(r, np.var(b, dtype="f8"), rtol=2e-6)


def test_from_array_and_to_backend():
    a = np.arange(24.0).reshape(4, 6)
    x = da.from_array(trnpy.asarray(a), chunks=(2, 3))
    n = x.to_backend("numpy")
    assert isinstance(n._meta, np.ndarray)
    r = n.compute()
    assert type(r) is np.ndarray and np.array_equal(r, a)
    t = da.from_array(a, chunks=2).to_backend("trnpy")
    assert isinstance(t._meta, TrnArray)
    r = t.compute()
    assert isinstance(r, TrnArray) and np.array_equal(host(r), a)
    with trnpy.device(NEURON):
        t = da.from_array(a.astype("f4"), chunks=2).to_backend("trnpy")
        r = t.compute()
    assert r.device == NEURON and np.array_equal(host(r), a)


def test_backend_creation_builds_trnpy_chunks_on_the_current_device():
    with dask.config.set({"array.backend": "trnpy"}):
        made = [(da.ones((5, 4), chunks=2), np.ones((5, 4))),
                (da.zeros((5,), chunks=2, dtype="i4"), np.zeros(5, "i4")),
                (da.full((3, 3), 7.5, chunks=2), np.full((3, 3), 7.5)),
                (da.arange(2, 11, 3, chunks=2), np.arange(2, 11, 3)),
                (da.empty((2, 2), chunks=1), None)]
        with trnpy.device(NEURON):
            made.append((da.ones((4,), chunks=3, dtype="f4"), np.ones(4, "f4")))
    for x, ref in made:
        assert isinstance(x._meta, TrnArray), type(x._meta)
        r = x.compute()
        assert isinstance(r, TrnArray)
        if ref is not None:
            assert r.dtype == ref.dtype and np.array_equal(host(r), ref)
    assert made[-1][0].compute().device == NEURON


def test_serialisation_host_zero_copy_and_device_roundtrip():
    x = trnpy.arange(100_000.0)
    header, frames = serialize(x, serializers=("dask", "pickle"))
    data = np.asarray(x)
    big = [f for f in frames if memoryview(f).nbytes >= x.nbytes]
    assert big and np.shares_memory(np.frombuffer(big[0], dtype=np.uint8), data)
    y = deserialize(header, frames)
    assert isinstance(y, TrnArray) and np.array_equal(host(y), data)
    z = trnpy.arange(10, dtype="f4", device=NEURON)
    z2 = deserialize(*serialize(z, serializers=("dask", "pickle")))
    assert z2.device == NEURON and np.array_equal(host(z2), host(z))
    v = trnpy.arange(20.0)[::-2]                      # a reversed view pickles its values
    v2 = deserialize(*serialize(v, serializers=("dask", "pickle")))
    assert np.array_equal(host(v2), np.arange(20.0)[::-2])


def test_devices_in_task_arguments_unpickle_as_themselves():
    """Dask ships Devices to workers in task arguments: the CPU must come back as the
    CPU Device itself (trnpy asks ``dev is CPU`` to take the NumPy path)."""
    import pickle
    assert pickle.loads(pickle.dumps(CPU)) is CPU
    assert pickle.loads(pickle.dumps(NEURON)) == NEURON
    g = tdask.default_rng(4, device=pickle.loads(pickle.dumps(CPU)))
    chunk = g.random((6, 5), chunks=(3, 5)).blocks[1, 0].compute()
    assert chunk.device is CPU and chunk._np is not None       # NumPy-backed, not torch


def test_a_chunk_that_cannot_move_names_both_devices():
    x = da.from_array(trnpy.asarray(np.arange(6.0)), chunks=3)
    with pytest.raises(TypeError, match="float64 chunks on cpu cannot move to neuron:0"):
        tdask.to_device(x, NEURON)
    with pytest.raises(TypeError, match=r"on cpu cannot move to neuron:0"):
        tdask._move(trnpy.asarray(np.arange(6.0)), NEURON)
    y = tdask.to_device(x.astype("f4"), NEURON).compute()
    assert y.device == NEURON and np.array_equal(host(y), np.arange(6.0))
    # chunks on two devices in one operation: trnpy's error names both
    a = da.from_array(trnpy.asarray(np.ones(4, "f4")), chunks=2)
    with trnpy.device(NEURON):
        b = da.from_array(trnpy.asarray(np.ones(4, "f4")), chunks=2)
    with pytest.raises(ValueError, match="cpu and neuron:0"):
        (a + b).compute()


def test_linalg_chunks_stay_trnpy():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((24, 24)) + 6 * np.eye(24)
    x = da.from_array(trnpy.asarray(A), chunks=8)
    p, l_, u = da.linalg.lu(x)
    chunks = dask.compute(*(p.to_delayed().ravel().tolist() + l_.to_delayed().ravel().tolist()
                            + u.to_delayed().ravel().tolist()))
    assert all(isinstance(c, TrnArray) for c in chunks)
    np.testing.assert_allclose(host((p @ l_ @ u).compute()), A, atol=1e-10)
    b = rng.standard_normal(24)
    s = da.linalg.solve_triangular(da.triu(x), da.from_array(trnpy.asarray(b), chunks=8))
    np.testing.assert_allclose(host(s.compute()), np.linalg.solve(np.triu(A), b),
                               rtol=1e-9)


def test_linalg_of_neuron_chunks_with_scipy_dispatch():
    """dask computes the metas of solve/lstsq by calling SciPy at graph-build time; with
    trnpy.scipy_dispatch on, that call runs trnpy's on a device array too."""
    rng = np.random.default_rng(4)
    A = (rng.standard_normal((16, 16)) + 6 * np.eye(16)).astype("f4")
    b = rng.standard_normal(16).astype("f4")
    T = rng.standard_normal((24, 3)).astype("f4")
    with trnpy.device(NEURON):
        a = da.from_array(trnpy.asarray(A), chunks=8)
        bb = da.from_array(trnpy.asarray(b), chunks=8)
        t = da.from_array(trnpy.asarray(T), chunks=(8, 3))
        tb = da.from_array(trnpy.asarray(T[:, 0] + 1), chunks=8)
    with trnpy.scipy_dispatch():
        x = da.linalg.solve(a, bb)
        c = da.linalg.lstsq(t, tb)[0]
    for y, ref in [(x, np.linalg.solve(A.astype("f8"), b)),
                   (c, np.linalg.lstsq(T.astype("f8"), T[:, 0] + 1.0, rcond=None)[0])]:
        r = y.compute()
        assert isinstance(r, TrnArray) and r.device == NEURON and r.dtype == np.float32
        np.testing.assert_allclose(host(r), ref, rtol=2e-4, atol=2e-4)


# -- random numbers independent of chunking ---------------------------------------------
@st.composite
def shapes_and_chunks(draw):
    shape = tuple(draw(st.lists(st.integers(0, 9), min_size=1, max_size=3)))
    chunks = tuple(draw(st.integers(1, max(n, 1))) for n in shape)
    return shape, chunks


def _generators(seed):
    """trnpy._dask's Generator, and dask's own under the trnpy backend."""
    with dask.config.set({"array.backend": "trnpy"}):
        return [tdask.default_rng(seed), da.random.default_rng(seed)]


@given(sc=shapes_and_chunks(), seed=st.integers(0, 2**32 - 1),
       method=st.sampled_from(["random", "random32", "standard_normal", "integers",
                               "integers32"]))
@settings(max_examples=examples(25), deadline=None)
def test_random_equals_trnpy_for_any_chunking(sc, seed, method):
    shape, chunks = sc
    kw = {"random": {}, "random32": {"dtype": np.float32}, "standard_normal": {},
          "integers": {"low": -3, "high": 1000},
          "integers32": {"low": 5, "high": 2**31 - 7, "dtype": np.int32}}[method]
    name = method.rstrip("32")
    for g in _generators(seed):
        ref = trnpy.random.default_rng(seed)
        for _ in range(2):                                # the stream continues
            want = getattr(ref, name)(size=shape, **kw)
            x = getattr(g, name)(size=shape, chunks=chunks, **kw)
            assert isinstance(x._meta, TrnArray) and x.dtype == want.dtype
            got = x.compute()
            assert isinstance(got, TrnArray) and got.dtype == want.dtype
            np.testing.assert_array_equal(host(got), host(want))


def test_random_walks_the_stream_in_pieces(monkeypatch):
    """standard_normal and integers find where chunks start by walking the stream; a
    walk in many short steps lands where one long draw does."""
    monkeypatch.setattr(tdask, "_PIECE", 7)
    for g in _generators(11):
        ref = trnpy.random.default_rng(11)
        for name, kw in [("standard_normal", {}), ("integers", {"low": 0, "high": 3**20})]:
            want = getattr(ref, name)(size=(9, 13), **kw)
            got = getattr(g, name)(size=(9, 13), chunks=(4, 5), **kw).compute()
            np.testing.assert_array_equal(host(got), host(want))


def test_dask_random_under_the_backend_continues_trnpy_stream():
    """dask's own Generator methods that use the bit generator directly (permutation)
    and scalars follow trnpy's stream too; RandomState keeps dask's per-chunk seeding,
    exactly as dask's numpy backend does (values depend on the chunks there too)."""
    ref = trnpy.random.default_rng(8)
    with dask.config.set({"array.backend": "trnpy"}):
        g = da.random.default_rng(8)
        p = g.permutation(12)
        s = g.random()
        r = g.random((5, 4), chunks=(2, 3))
        rs = da.random.RandomState(4).standard_normal((7, 5), chunks=(3, 2))
    np.testing.assert_array_equal(host(p.compute()), host(ref.permutation(12)))
    assert s.compute() == ref.random()
    np.testing.assert_array_equal(host(r.compute()), host(ref.random((5, 4))))
    with dask.config.set({"array.backend": "numpy"}):
        want = da.random.RandomState(4).standard_normal((7, 5), chunks=(3, 2)).compute()
    got = rs.compute()
    assert isinstance(got, TrnArray)
    np.testing.assert_array_equal(host(got), want)


def test_random_on_the_neuron_device():
    g = tdask.default_rng(9, device=NEURON)
    x = g.standard_normal((40, 7), chunks=(9, 3)).compute()
    assert x.device == NEURON and x.dtype == np.float32
    ref = np.random.Generator(np.random.Philox(9)).standard_normal((40, 7), dtype="f4")
    np.testing.assert_array_equal(host(x), ref)
    with pytest.raises(TypeError, match="float64"):
        g.random(5, dtype=np.float64)
    with dask.config.set({"array.backend": "trnpy"}), trnpy.device(NEURON):
        g = da.random.default_rng(9)
        x = g.standard_normal((40, 7), chunks=(9, 3))
        y = g.random((6, 5), chunks=4, dtype=np.float32)
        with pytest.raises(TypeError, match="float64"):
            g.random(5)               # dask asks for float64 by default: never downcast
    x, y = x.compute(), y.compute()
    assert x.device == y.device == NEURON
    np.testing.assert_array_equal(host(x), ref)
    rest = np.random.Generator(np.random.Philox(9))
    rest.standard_normal((40, 7), dtype="f4")
    np.testing.assert_array_equal(host(y), rest.random((6, 5), dtype="f4"))


def test_random_refuses_rather_than_draw_another_stream():
    g = tdask.default_rng(1)
    with pytest.raises(NotImplementedError, match="poisson"):
        g.poisson(3.0, size=10, chunks=5)
    with pytest.raises(NotImplementedError, match="uint8"):
        g.integers(0, 5, size=10, dtype=np.uint8, chunks=5)
    one = g.integers(0, 5, size=10, dtype=np.uint8, chunks=10).compute()   # one chunk
    np.testing.assert_array_equal(
        host(one), np.random.Generator(np.random.Philox(1)).integers(0, 5, 10, np.uint8))
    with dask.config.set({"array.backend": "trnpy"}):
        g = da.random.default_rng(1)
        for f, name in [(lambda: g.normal(0, 1, size=10, chunks=5), "normal"),
                        (lambda: g.choice(5, size=10, chunks=5), "choice"),
                        (lambda: g.integers(0, 5, size=10, dtype=np.uint8, chunks=5),
                         "uint8"),
                        (lambda: g.integers(0, da.ones(10, chunks=5), chunks=5),
                         "scalar")]:
            with pytest.raises(NotImplementedError, match=name):
                f()
        # a refused draw leaves the stream where it was
        got = g.random(4, chunks=3).compute()
    np.testing.assert_array_equal(host(got),
                                  np.random.Generator(np.random.Philox(1)).random(4))


def test_entry_point(tmp_path):
    """dask finds the backend by name through the entry point this pyproject declares,
    in a fresh interpreter that never imports trnpy._dask itself: the package metadata
    ``pip install`` writes (setuptools' own metadata hook) is put first on the path."""
    build = subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools.build_meta import "
         "prepare_metadata_for_build_wheel as p; print(p(sys.argv[1]))", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    code = textwrap.dedent("""
        import importlib.metadata as md, sys
        eps = {e.name: e.value for e in md.entry_points(group="dask.array.backends")}
        assert eps.get("trnpy") == "trnpy._dask:TrnpyBackendEntrypoint", eps
        import dask, dask.array as da
        import trnpy
        assert "trnpy._dask" not in sys.modules
        with dask.config.set({"array.backend": "trnpy"}):
            x = da.ones((4, 4), chunks=2)
        r = x.compute(scheduler="sync")
        assert isinstance(r, trnpy.ndarray) and (trnpy.asnumpy(r) == 1).all()
        print("OK")
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    # cwd: a checkout's own (possibly stale) trnpy.egg-info must not come first
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=env, timeout=300, cwd=tmp_path)
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr
