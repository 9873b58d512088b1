"""trnpy covers at least 90% of NumPy's public callables (benchmarks/numpy_coverage.py)."""
import importlib.util
import pathlib

import numpy as np
import pytest

import trnpy

_PATH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "numpy_coverage.py"


def _module():
    spec = importlib.util.spec_from_file_location("numpy_coverage", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_coverage_at_least_90_percent():
    c = _module().coverage(trnpy)
    assert c["percent"] >= 90.0, f"{c['percent']:.1f}% covered; missing: {c['missing']}"


def test_exclusions_are_short_and_real():
    mod = _module()
    excl = mod.excluded_names()
    assert len(excl) <= 40
    names = set(mod.numpy_callables())
    # every exclusion is a real NumPy callable (a stale list would inflate the percentage)
    assert excl <= names, sorted(excl - names)


def test_scalar_types_are_numpys():
    for n in ("bool_", "intp", "uintp", "int_", "double", "single", "cdouble", "csingle",
              "longlong", "ulonglong", "byte", "ubyte", "short", "ushort", "intc", "uintc",
              "half", "number", "integer", "signedinteger", "unsignedinteger", "floating",
              "complexfloating", "inexact", "generic", "dtype"):
        assert getattr(trnpy, n) is getattr(np, n), n
    assert trnpy.issubdtype(trnpy.ones(2).dtype, trnpy.floating)
    assert trnpy.typecodes is np.typecodes


@pytest.fixture(params=["numpy", "torch"])
def backend(request):
    with trnpy.cpu_backend(request.param):
        yield request.param


def test_dtype_helpers(backend):
    x = trnpy.asarray(np.arange(6, dtype=np.int16).reshape(2, 3))
    f = trnpy.asarray(np.ones(2, np.float32))
    assert trnpy.common_type(x, f) is np.common_type(np.zeros(1, np.int16), np.ones(1, np.float32))
    assert trnpy.common_type(f) is np.float32
    assert trnpy.min_scalar_type(trnpy.asarray(300)) == np.min_scalar_type(300)
    assert trnpy.min_scalar_type(10) == np.uint8
    assert trnpy.mintypecode("fd") == np.mintypecode("fd")
    assert trnpy.ndim(x) == 2 and trnpy.shape(x) == (2, 3) and trnpy.size(x) == 6
    assert trnpy.size(x, 1) == 3 and trnpy.size([[1, 2]]) == 2 and trnpy.ndim(5) == 0
    assert trnpy.isfortran(trnpy.asfortranarray(x)) and not trnpy.isfortran(x)
    assert trnpy.iterable(x) and not trnpy.iterable(3)
    assert trnpy.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert isinstance(trnpy.sin, trnpy.ufunc)
    assert isinstance(x.flat, trnpy.flatiter)


def test_memory_sharing(backend):
    x = trnpy.asarray(np.arange(10.0))
    assert trnpy.may_share_memory(x, x[2:5])
    assert trnpy.shares_memory(x, x[2:5])
    assert not trnpy.shares_memory(x[:3], x[5:])
    assert not trnpy.may_share_memory(x, trnpy.asarray(np.arange(3.0)))
    assert trnpy.may_share_memory(x[::2], x[1::2]) and not trnpy.shares_memory(x[::2], x[1::2])


def test_broadcast_object_and_vectorize(backend):
    b = trnpy.broadcast(trnpy.asarray([[1], [2]]), trnpy.asarray([3, 4, 5]))
    nb = np.broadcast(np.array([[1], [2]]), np.array([3, 4, 5]))
    assert (b.shape, b.nd, b.ndim, b.size, b.numiter) == (nb.shape, nb.nd, nb.ndim, nb.size,
                                                          nb.numiter)
    assert [tuple(int(v) for v in t) for t in b] == [tuple(map(int, t)) for t in nb]
    v = trnpy.vectorize(lambda a, b: a - b if a > b else a + b)
    r = v(trnpy.asarray([1, 4, 3]), 2)
    assert isinstance(r, trnpy.TrnArray)
    assert r.tolist() == [3, 2, 1]


def test_printing(backend):
    a = np.arange(4.0) / 3
    x = trnpy.asarray(a, device="cpu")      # other devices add device=... to the repr
    assert trnpy.array2string(x, precision=2) == np.array2string(a, precision=2)
    assert trnpy.array_str(x) == np.array_str(a)
    assert trnpy.array_repr(x) == np.array_repr(a)
    with trnpy.printoptions(precision=1):
        assert repr(x) == repr(a) and "0.3" in repr(x)
    assert trnpy.binary_repr(5) == "101" and trnpy.base_repr(255, 16) == "FF"
