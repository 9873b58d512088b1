"""NumPy's creation functions beyond the array API, differential against NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples, same as _same
from conftest import ALL_DTYPES, NUMERIC_DTYPES, assert_matches, to_np


@pytest.mark.parametrize("args,kw", [
    ((0, 3, 4), {}), ((0, 3), {"num": 5, "endpoint": False}), ((1, 2), {"base": 2.0}),
    ((0.5, 2.5), {"num": 7, "dtype": np.float32}), (([0, 1], [2, 3]), {"num": 3, "axis": 1}),
    ((0, 2), {"num": 3, "base": [2.0, 10.0], "axis": 0}), ((1, 4), {"num": 4, "dtype": int}),
    ((0, 3), {"num": 0}), ((2, 3), {"num": 1}),
])
def test_logspace(backend, args, kw):
    _same(trnpy.logspace(*args, **kw), np.logspace(*args, **kw))


@pytest.mark.parametrize("args,kw", [
    ((1, 1000, 4), {}), ((-1, -1000), {"num": 4}), ((1j, 1000j), {"num": 4}),
    ((1, 256), {"num": 9, "endpoint": False}), ((2, 3), {"num": 0}), ((1, 16), {"dtype": int}),
    (([1, 2], [16, 32]), {"num": 5, "axis": 1}), ((np.float32(1), np.float32(8)), {"num": 4}),
    ((-1 + 0j, 1 + 0j), {"num": 5}),
])
def test_geomspace(backend, args, kw):
    assert_matches(trnpy.geomspace(*args, **kw), np.geomspace(*args, **kw))


def test_geomspace_zero_raises(backend):
    with pytest.raises(ValueError):
        trnpy.geomspace(0, 10)


@settings(max_examples=examples(25))
@given(a=hnp.arrays(st.sampled_from(ALL_DTYPES), hnp.array_shapes(min_dims=1, max_dims=2,
                                                                    min_side=0, max_side=5)),
       k=st.integers(-4, 4))
def test_diag_diagflat(backend, a, k):
    assert_matches(trnpy.diag(trnpy.asarray(a), k), np.diag(a, k))
    assert_matches(trnpy.diagflat(trnpy.asarray(a), k), np.diagflat(a, k))


def test_diag_view_and_errors(backend):
    x = trnpy.asarray(np.arange(9.0).reshape(3, 3))
    d = trnpy.diag(x)
    with pytest.raises(ValueError, match="read-only"):      # as NumPy's diag view
        d[0] = 100
    x[0, 0] = 100
    assert float(d[0]) == 100.0
    with pytest.raises(ValueError):
        trnpy.diag(trnpy.zeros((2, 2, 2)))
    assert_matches(trnpy.diag(trnpy.asarray(np.arange(9)[::-1])), np.diag(np.arange(9)[::-1]))


@pytest.mark.parametrize("N,M,k,dtype", [(3, None, 0, float), (3, 5, 1, int), (4, 2, -1, bool),
                                          (0, 3, 0, np.float32), (3, 3, 10, np.uint16),
                                          (2, 3, -5, np.complex64)])
def test_tri(backend, N, M, k, dtype):
    assert_matches(trnpy.tri(N, M, k, dtype=dtype), np.tri(N, M, k, dtype=dtype))


@pytest.mark.parametrize("dims", [(2, 3), (4,), (), (0, 3), (2, 1, 3)])
@pytest.mark.parametrize("dtype", [int, np.int32, np.float32, np.uint8])
def test_indices(backend, dims, dtype):
    assert_matches(trnpy.indices(dims, dtype=dtype), np.indices(dims, dtype=dtype))
    _same(trnpy.indices(dims, dtype=dtype, sparse=True), np.indices(dims, dtype=dtype,
                                                                    sparse=True))


def test_fromfunction(backend):
    f = lambda i, j: i * 10 + j  # noqa: E731
    assert_matches(trnpy.fromfunction(f, (3, 4)), np.fromfunction(f, (3, 4)))
    assert_matches(trnpy.fromfunction(f, (2, 2), dtype=int), np.fromfunction(f, (2, 2),
                                                                            dtype=int))


def test_frombuffer_fromiter_fromstring(backend):
    buf = bytearray(np.arange(6, dtype=np.int32).tobytes())
    r = trnpy.frombuffer(buf, dtype=np.int32, count=4, offset=4)
    assert_matches(r, np.frombuffer(buf, dtype=np.int32, count=4, offset=4))
    assert_matches(trnpy.frombuffer(b"\x01\x02", dtype=np.uint8),
                   np.frombuffer(b"\x01\x02", dtype=np.uint8))
    assert_matches(trnpy.fromiter(range(5), dtype=np.float32),
                   np.fromiter(range(5), dtype=np.float32))
    assert_matches(trnpy.fromiter((i * i for i in range(10)), int, count=3),
                   np.fromiter((i * i for i in range(10)), int, count=3))
    assert_matches(trnpy.fromstring("1 2 3", sep=" "), np.fromstring("1 2 3", sep=" "))
    with pytest.raises(ValueError):
        trnpy.frombuffer(b"\x01\x02\x03", dtype=np.int16)


def test_asarray_chkfinite(backend):
    assert_matches(trnpy.asarray_chkfinite([1, 2]), np.asarray_chkfinite([1, 2]))
    for bad in ([1.0, np.nan], [np.inf], [1 + 1j * np.inf]):
        with pytest.raises(ValueError):
            trnpy.asarray_chkfinite(bad)


def test_asfortranarray_require(backend):
    a = np.arange(12.0).reshape(3, 4)
    f = trnpy.asfortranarray(a)
    assert f.flags.f_contiguous and not f.flags.c_contiguous
    assert_matches(f, np.asfortranarray(a))
    assert trnpy.asfortranarray(5).shape == (1,)
    r = trnpy.require(trnpy.asarray(a).T, requirements=["C"])
    assert r.flags.c_contiguous
    assert_matches(r, a.T)
    assert trnpy.require(a, requirements="F").flags.f_contiguous
    with pytest.raises(ValueError):
        trnpy.require(a, requirements="CF")
    r = trnpy.require(trnpy.broadcast_to(trnpy.asarray(1.0), (3,)), requirements="W")
    assert r.flags.writeable


@pytest.mark.parametrize("expr", [
    "mgrid[0:3, 0:2]", "mgrid[0:1:5j]", "mgrid[-1:1:3j, 0:4:2]", "mgrid[0:5:2]",
    "mgrid[0.5:2:0.5, 1:2]", "ogrid[0:3, 0:5:3j]", "ogrid[0:4]", "r_[1:4, 0, [7, 8]]",
    "c_[[1, 2], [3, 4]]", "r_['0,2', [1, 2], [3, 4]]", "r_[-1:1:6j, [0] * 3, 5, 6]",
    "r_['-1,2,0', [1, 2], [3, 4]]", "r_[np.array([1, 2], dtype=np.int8), 3]",
    "c_[np.arange(3.0), np.arange(3)]",
])
def test_index_tricks(backend, expr):
    r = eval("trnpy." + expr)
    e = eval("np." + expr)
    _same(list(r) if isinstance(r, tuple) else r, list(e) if isinstance(e, tuple) else e)


@pytest.mark.parametrize("f", [trnpy.zeros_like, trnpy.ones_like, trnpy.empty_like])
def test_like_arguments(backend, f):
    x = trnpy.asarray(np.arange(6, dtype=np.int16).reshape(2, 3))
    r = f(x, shape=(4,), dtype=np.float32, order="K", subok=True)
    assert r.shape == (4,) and r.dtype == np.float32
    assert f(x, order="C").shape == (2, 3)
    assert f(x, order="F").flags.f_contiguous
    with pytest.raises(ValueError, match="order must be one of"):
        f(x, order="Z")
    r = trnpy.full_like(x, 7, shape=(2, 2))
    assert_matches(r, np.full_like(np.zeros((2, 3), np.int16), 7, shape=(2, 2)))


def test_emulated_neuron_creation(emulated_neuron):
    with trnpy.device(emulated_neuron):
        x = trnpy.logspace(0, 2, 3)
        assert x.device == emulated_neuron and x.dtype == np.float32
        np.testing.assert_allclose(to_np(x), [1, 10, 100], rtol=1e-6)
        t = trnpy.tri(3)
        assert t.dtype == np.float32 and t.device == emulated_neuron
        g = trnpy.mgrid[0:2, 0:3]
        assert g.device == emulated_neuron
        assert trnpy.indices((2, 2)).device == emulated_neuron
    with pytest.raises(TypeError):
        trnpy.tri(2, dtype=np.float64, device=emulated_neuron)
