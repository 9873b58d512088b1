"""The memory-lean torch paths of issue #10 item 7 give NumPy's answers: in-place
operators that write straight into their array (and the overlapping operands that must
not), clip as one clamp, the 2-norm without |x|^2, and sort without an index tensor (in
pieces by splitters for large inputs). Peak memory itself is measured in
benchmarks/bench_memory.py."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from trnpy import _sorting
from tests._helpers import examples

NEURON = trnpy.device("neuron", emulate=True)

# (statement, dtypes): operands that alias the output exactly, partly, transposed, reversed
INPLACE = ["x += 1", "x *= 2", "x -= x", "x += x.T", "x[1:] += x[:-1]", "x[:-1] += x[1:]",
           "x += x[::-1]", "x[::2] += x[1::2]", "x[::2] -= 1", "x += x[0]", "x += x[0, ...]",
           "x *= x", "m.add(x, 1, out=x)", "m.subtract(x.T, 1, out=x)",
           "m.multiply(x[0], x[1], out=x[1])", "x[:, 0] *= x[0]", "x += x[:, :1]",
           "m.clip(x, 2, 5, out=x)", "m.clip(x.T, 2, 5, out=x)", "x[::-1] += 1",
           "m.add(x[:2], x[2:], out=x[1:3])"]


def _run(m, a, stmt, dev=None):
    x = a.copy() if m is np else trnpy.asarray(a.copy(), device=dev)
    try:
        exec(stmt, {"x": x, "m": m})
    except Exception as e:      # noqa: BLE001 - the class is compared
        return type(e)
    return np.asarray(x if m is np else trnpy.asnumpy(x))


@pytest.mark.parametrize("dt", ["float32", "int32", "uint64", "bool", "complex64"])
@pytest.mark.parametrize("stmt", INPLACE)
def test_inplace_operands_alias(backend, stmt, dt):
    a = (np.arange(16).reshape(4, 4) % 7).astype(dt)
    exp, got = _run(np, a, stmt), _run(trnpy, a, stmt)
    if isinstance(exp, type):      # NumPy's class or its public (builtin) base
        assert isinstance(got, type)
        assert issubclass(got, next(k for k in exp.__mro__ if k.__module__ == "builtins"))
        return
    assert got.dtype == exp.dtype and np.array_equal(got, exp)


@pytest.mark.parametrize("stmt", INPLACE)
def test_inplace_operands_alias_neuron(stmt):
    a = (np.arange(16).reshape(4, 4) % 7).astype(np.float32)
    got, exp = _run(trnpy, a, stmt, NEURON), _run(np, a, stmt)
    assert got.dtype == exp.dtype and np.array_equal(got, exp)


def test_inplace_writes_into_its_array(backend):
    x = trnpy.arange(6.0)
    v = x[::2]
    x += 1
    v *= 3
    assert np.array_equal(trnpy.asnumpy(x), [3, 2, 9, 4, 15, 6])


@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (-0.0, 0.0), (0.0, -0.0), (np.nan, 1.0),
                                   (0.0, np.nan), (1.0, 0.0), (-np.inf, np.inf)])
@pytest.mark.parametrize("dt", ["float64", "float32", "float16"])
def test_clip_edges(backend, lo, hi, dt):
    a = np.array([-0.0, 0.0, np.nan, 1, -1, 0.3, np.inf, -np.inf], dt)
    exp = np.clip(a, lo, hi)
    got = trnpy.asnumpy(trnpy.clip(trnpy.asarray(a), lo, hi))
    assert got.dtype == exp.dtype
    np.testing.assert_array_equal(got, exp)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(exp))


@pytest.mark.parametrize("dt", ["int8", "uint8", "uint16", "uint32", "int64", "uint64"])
def test_clip_integers(backend, dt):
    info = np.iinfo(dt)
    a = np.array([info.min, info.max, 0, 5, 3, info.max // 2], dt)
    for lo, hi in ((2, 4), (4, 2), (info.max // 3, info.max - 1)):
        exp = np.clip(a, lo, hi)
        got = trnpy.asnumpy(trnpy.clip(trnpy.asarray(a), lo, hi))
        assert got.dtype == exp.dtype and np.array_equal(got, exp)


@pytest.mark.parametrize("v", [[1e200, 1e200], [1e-200, 1e-200], [np.inf, np.nan],
                               [-np.inf, 1.0], [np.nan, 1.0], [], [3.0, 4.0],
                               [1e200 + 1e200j, 3 + 4j], [3 + 4j, -1j]])
def test_norm_edges(backend, v):
    a = np.array(v)
    with np.errstate(all="ignore"):
        exp = np.linalg.norm(a)
        got = trnpy.linalg.norm(trnpy.asarray(a))
    np.testing.assert_allclose(float(got), exp, rtol=1e-15)


def test_norm_edges_neuron():
    for v, exp in (([1e30, 1e30], np.inf), ([1e-30, 1e-30], 0.0), ([3.0, 4.0], 5.0)):
        got = trnpy.linalg.norm(trnpy.asarray(np.array(v, np.float32), device=NEURON))
        assert got.dtype == np.float32 and float(got) == exp


@pytest.fixture
def small_pieces(monkeypatch):
    """Sort in pieces from 16 elements on, so hypothesis-sized inputs take the splitters."""
    monkeypatch.setattr(_sorting, "_SORT_DIRECT", 16)


_VALUES = {
    "f": st.floats(allow_nan=True, allow_infinity=True, width=32),
    "i": st.integers(-3, 3),
}


@settings(max_examples=examples(25), deadline=None)
@given(data=st.data(), dt=st.sampled_from(["float64", "float32", "float16", "int8", "int64",
                                           "uint64", "uint16", "bool"]),
       shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=30),
       few=st.booleans())
def test_sort_in_pieces(small_pieces, data, dt, shape, few):
    dtype = np.dtype(dt)
    if dtype.kind == "f" and not few:
        elems = _VALUES["f"]
    elif dtype.kind == "f":       # many ties, signed zeros and NaNs
        elems = st.sampled_from([0.0, -0.0, 1.0, -2.5, np.nan, np.inf])
    elif dtype.kind == "b":
        elems = st.booleans()
    elif dtype == np.uint64:
        elems = st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**64 - 1]) if few else \
            st.integers(0, 2**64 - 1)
    else:
        info = np.iinfo(dtype)
        elems = st.integers(-3, 3).filter(lambda v: v >= info.min) if few else \
            st.integers(int(info.min), int(info.max))
    a = data.draw(hnp.arrays(dtype, shape, elements=elems))
    with trnpy.cpu_backend("torch"):
        for axis in [None, *range(-a.ndim, a.ndim)]:
            exp = np.sort(a, axis=axis)
            got = trnpy.asnumpy(trnpy.sort(trnpy.asarray(a), axis=axis))
            assert got.dtype == exp.dtype
            np.testing.assert_array_equal(got, exp)


def test_sort_in_pieces_neuron(small_pieces):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 120)).astype(np.float32)
    a[0, ::7] = np.nan
    a[1, ::3] = 0.5
    for axis in (None, 0, 1):
        got = trnpy.sort(trnpy.asarray(a, device=NEURON), axis=axis)
        np.testing.assert_array_equal(trnpy.asnumpy(got), np.sort(a, axis=axis))
