"""Edge cases of the torch path's fast paths (plain ufunc calls, whole-array sum/prod and
argmax/argmin, single index arrays) against NumPy, on both CPU backends. The fast paths
cache per-dtype loops, so several tests call one function with changing dtypes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from trnpy._array import TrnArray
from conftest import ALL_DTYPES, assert_matches
from _helpers import examples

U64_BIG = np.array([2 ** 63, 2 ** 64 - 1, 5, 2 ** 63 + 7], dtype=np.uint64)


def outcome(fn, *args):
    """(result, None) or (None, exception type), NumPy's warnings raised as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return fn(*args), None
        except Exception as e:           # noqa: BLE001 - the type is what is compared
            return None, type(e)


def same_as_numpy(fn_t, fn_n, *arrays, rtol=None, atol=0.0):
    exp, exp_err = outcome(fn_n, *arrays)
    got, got_err = outcome(fn_t, *[trnpy.asarray(a) if isinstance(a, np.ndarray) else a
                                   for a in arrays])
    assert got_err is exp_err, (got_err, exp_err)
    if exp_err is None:
        assert_matches(got, np.asarray(exp), rtol=rtol, atol=atol)


def values(dt, shape=(4,)):
    dt = np.dtype(dt)
    n = int(np.prod(shape))
    if dt.kind == "b":
        a = np.arange(n) % 3 == 0
    elif dt.kind == "u":
        a = (np.arange(n) * 37 + 3) % 200
    elif dt.kind == "i":
        a = (np.arange(n) * 37 + 3) % 200 - 100
    else:
        a = np.linspace(-2.5, 3.5, n)
    a = a.astype(dt).reshape(shape)
    if dt.kind == "c":
        a = a + 1j * a.reshape(-1)[::-1].reshape(shape)
    return a


@pytest.mark.parametrize("da", ALL_DTYPES)
@pytest.mark.parametrize("db", ["int8", "uint8", "uint64", "float32", "float64", "complex64"])
def test_add_mixed_dtypes(backend, da, db):
    a, b = values(da), values(db)
    same_as_numpy(trnpy.add, np.add, a, b)
    same_as_numpy(lambda x, y: x * y, lambda x, y: x * y, a, b)
    same_as_numpy(trnpy.add, np.add, b, a)       # the same cache, other order


@pytest.mark.parametrize("sa,sb", [((3, 1), (4,)), ((2, 3), (3,)), ((), (5,)), ((5,), ()),
                                   ((0, 3), (3,)), ((0,), (1,)), ((2, 1, 3), (4, 1)),
                                   ((3,), (4,)), ((2, 3), (2,)), ((0,), (2,))])
def test_broadcasting(backend, sa, sb):
    a, b = values("float64", sa), values("int32", sb)
    same_as_numpy(trnpy.add, np.add, a, b)
    same_as_numpy(trnpy.subtract, np.subtract, b, a)
    same_as_numpy(trnpy.less, np.less, a, b)


def test_uint64_wraparound(backend):
    same_as_numpy(trnpy.add, np.add, U64_BIG, U64_BIG)
    same_as_numpy(trnpy.multiply, np.multiply, U64_BIG, U64_BIG[::-1].copy())
    same_as_numpy(trnpy.subtract, np.subtract, U64_BIG[::-1].copy(), U64_BIG)
    same_as_numpy(trnpy.add, np.add, U64_BIG, 1)
    same_as_numpy(trnpy.add, np.add, U64_BIG, values("int64"))     # -> float64
    same_as_numpy(trnpy.greater, np.greater, U64_BIG, values("int64"))
    same_as_numpy(trnpy.sqrt, np.sqrt, np.array([3, 2 ** 63 + 1], np.uint64))
    same_as_numpy(trnpy.add, np.add, np.array([127, -128], np.int8),
                  np.array([1, -1], np.int8))


@pytest.mark.parametrize("dt", ALL_DTYPES)
@pytest.mark.parametrize("s", [True, 1, -1, 300, 2 ** 64, 1.5, 2j])
def test_weak_scalars(backend, dt, s):
    a = values(dt)
    same_as_numpy(trnpy.add, np.add, a, s)
    same_as_numpy(trnpy.subtract, np.subtract, s, a)
    same_as_numpy(trnpy.less, np.less, a, s)     # out-of-range ints compare too


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_unary_0d_and_empty(backend, dt):
    for shape in [(), (0,), (2, 0), (3,)]:
        a = values(dt, shape)
        same_as_numpy(trnpy.negative, np.negative, a)
        with np.errstate(over="ignore"):    # (the torch path does not check exp)
            same_as_numpy(trnpy.exp, np.exp, a,
                          rtol=1e-3 if np.dtype(dt).itemsize <= 4 else None)
        same_as_numpy(trnpy.add, np.add, a, a)


@pytest.mark.parametrize("mode", ["ignore", "warn", "raise"])
def test_errstate(backend, mode):
    a = np.array([1.0, -1.0, 0.0, 2.0])
    z = np.zeros(4)
    with trnpy.errstate(all=mode), np.errstate(all=mode):
        for fn, args in [("divide", (a, z)), ("log", (a,)), ("sqrt", (a,)),
                         ("floor_divide", (a, z))]:
            same_as_numpy(getattr(trnpy, fn), getattr(np, fn), *args)


def test_keywords_and_devices_take_the_general_path(backend):
    a, b = values("float64"), values("float64")
    out = trnpy.empty(4)
    r = trnpy.add(trnpy.asarray(a), trnpy.asarray(b), out=out)
    assert r is out
    assert_matches(out, a + b)
    assert_matches(trnpy.add(trnpy.asarray(a), trnpy.asarray(b), dtype="float32"),
                   np.add(a, b, dtype="float32"))
    with pytest.raises(TypeError):
        trnpy.add(trnpy.asarray(a), trnpy.asarray(b), casting="no", dtype="float32")
    # the loop cached for this device is checked again on another one
    neuron = trnpy.device("neuron", emulate=True)
    x = trnpy.asarray(a)
    trnpy.exp(x)
    with pytest.raises(TypeError):
        trnpy.exp(x.to_device(neuron))
    y = trnpy.asarray(a.astype(np.float32)).to_device(neuron)
    assert_matches(trnpy.exp(y), np.exp(a.astype(np.float32)))
    with pytest.raises(ValueError):
        trnpy.add(x, y)


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_sum_prod(backend, dt):
    for shape in [(), (0,), (5,), (2, 3)]:
        a = values(dt, shape)
        same_as_numpy(trnpy.sum, np.sum, a)
        # complex products cancel here: absolute tolerance on the product's scale
        atol = 1e-5 * np.abs(np.prod(a)) if a.dtype.kind == "c" else 0.0
        same_as_numpy(trnpy.prod, np.prod, a, atol=atol)
        same_as_numpy(lambda x: trnpy.sum(x.T), lambda x: np.sum(x.T), a)
        same_as_numpy(lambda x: trnpy.prod(x.T), lambda x: np.prod(x.T), a, atol=atol)
    same_as_numpy(trnpy.sum, np.sum, U64_BIG)
    same_as_numpy(trnpy.prod, np.prod, U64_BIG)


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_argmax_argmin(backend, dt):
    for shape in [(), (0,), (1,), (6,), (2, 3)]:
        a = values(dt, shape)
        same_as_numpy(trnpy.argmax, np.argmax, a)
        same_as_numpy(trnpy.argmin, np.argmin, a)
        if a.ndim:
            same_as_numpy(lambda x: trnpy.argmax(x, axis=0), lambda x: np.argmax(x, axis=0), a)
    ties = np.array([1, 3, 3, 0, 0, 1]).astype(dt)
    same_as_numpy(trnpy.argmax, np.argmax, ties)
    same_as_numpy(trnpy.argmin, np.argmin, ties)


def test_argmax_nan_inf(backend):
    for vals in [[1, np.nan, 3, np.nan], [np.inf, 1, np.nan], [-np.inf, np.nan, -np.inf],
                 [np.nan, np.nan], [np.inf, np.inf, -np.inf, -np.inf], [0.0, -0.0]]:
        for dt in ["float16", "float32", "float64"]:
            a = np.array(vals, dt)
            same_as_numpy(trnpy.argmax, np.argmax, a)
            same_as_numpy(trnpy.argmin, np.argmin, a)
            a2 = np.stack([a, a[::-1]])
            same_as_numpy(lambda x: trnpy.argmax(x, axis=1), lambda x: np.argmax(x, axis=1), a2)
    same_as_numpy(trnpy.argmax, np.argmax, U64_BIG)
    same_as_numpy(trnpy.argmin, np.argmin, U64_BIG)


@pytest.mark.parametrize("dt", ["float64", "int8", "uint16", "uint64", "bool", "complex64"])
def test_index_array(backend, dt):
    x = values(dt, (5,))
    x2 = values(dt, (5, 3))
    for idx in [[0, 4, -1, -5, 2], [[1, 2], [3, -2]], [], [5], [-6], [0, 10]]:
        i = np.array(idx, dtype=np.int64)
        same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], x, i)
        same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], x2, i)
    for i in [np.array(2), np.array([1, 2], np.int32), np.array([1, 2], np.uint64)]:
        same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], x, i)
    # an empty axis: NumPy still checks the index
    same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], values(dt, (5, 0)),
                  np.array([10]))
    same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], values(dt, (0,)),
                  np.array([], np.int64))
    same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], values(dt, (0,)),
                  np.array([0], np.int64))
    big = x[np.array([1, 2])]
    if np.dtype(dt) == np.uint64:
        same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], U64_BIG, np.array([0, 1, 3]))
    assert big.shape == (2,)


@pytest.mark.parametrize("dt", ["float64", "int16", "uint32", "uint64", "bool"])
def test_bool_mask(backend, dt):
    x = values(dt, (4, 3))
    m = (np.arange(12) % 3 == 1).reshape(4, 3)
    for mask in [m, m[:, 0], m[:, 1], np.zeros((4, 3), bool), np.ones(4, bool),
                 np.array(True), np.array(False), m[:3], m[:, :2], np.ones((4, 3, 1), bool)]:
        same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], x, mask)
    same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], values(dt, (0, 3)),
                  np.zeros(0, bool))
    same_as_numpy(lambda a, k: a[k], lambda a, k: a[k], values(dt, ()), np.array(True))


def test_index_array_other_device(backend):
    x = trnpy.asarray(values("float32", (4,)))
    k = trnpy.asarray(np.array([1, 2])).to_device(trnpy.device("neuron", emulate=True))
    with pytest.raises(ValueError):
        x[k]


# -- direct torch functions: same-dtype, same-shape operands (the C module's torch path
# for ufunc calls and operators, and the direct function on the Python fast path) --------
_OPS = [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * y, lambda x, y: x / y,
        lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x & y, lambda x, y: x | y,
        lambda x, y: x ^ y, lambda x, y: x < y, lambda x, y: x == y]
_UFUNCS = ["add", "subtract", "multiply", "divide", "arctan2", "hypot", "copysign",
           "bitwise_and", "logical_and", "maximum"]


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_same_dtype_operators_and_calls(backend, dt):
    for shape in [(), (0,), (4,), (2, 3)]:
        a = np.asarray(values(dt, shape))
        b = np.flip(a).copy()
        for _ in range(2):                       # resolve, then the cached loop
            for op in _OPS:
                with np.errstate(all="ignore"), trnpy.errstate(all="ignore"):
                    # (complex division: NumPy's algorithm's rounding, not bit-exact)
                    same_as_numpy(op, op, a, b, atol=1e-6 if a.dtype.kind == "c" else 0.0)
            for name in _UFUNCS:
                with np.errstate(all="ignore"), trnpy.errstate(all="ignore"):
                    atol = 1e-6 if a.dtype.kind == "c" else 0.0
                    same_as_numpy(getattr(trnpy, name), getattr(np, name), a, b, atol=atol)
                    same_as_numpy(getattr(trnpy, name), getattr(np, name), a, a, atol=atol)
            for name in ["exp", "negative", "sin", "isnan", "logical_not", "invert"]:
                with np.errstate(all="ignore"), trnpy.errstate(all="ignore"):
                    same_as_numpy(getattr(trnpy, name), getattr(np, name), a,
                                  rtol=1e-3 if np.dtype(dt).itemsize <= 4 else None)


def test_direct_complex_and_uint64_edges(backend):
    # complex add/subtract keep the wrapper (torch's a + alpha * b turns inf * 0 into nan)
    inf, nan = np.inf, np.nan
    for dt in ["complex64", "complex128"]:
        a = np.array([complex(inf, 0), complex(0, inf), complex(nan, 1), 1 + 1j], dt)
        b = np.array([1 + 1j, complex(inf, inf), 2 - 1j, complex(-inf, 0)], dt)
        for _ in range(2):
            for op in _OPS[:3]:
                with np.errstate(all="ignore"):
                    same_as_numpy(op, op, a, b)
    for _ in range(2):
        same_as_numpy(lambda x, y: x + y, lambda x, y: x + y, U64_BIG, U64_BIG)
        same_as_numpy(lambda x, y: x * y, lambda x, y: x * y, U64_BIG, U64_BIG)
        same_as_numpy(lambda x, y: x - y, lambda x, y: x - y, U64_BIG[::-1].copy(), U64_BIG)
        same_as_numpy(lambda x, y: x < y, lambda x, y: x < y, U64_BIG[::-1].copy(), U64_BIG)
        same_as_numpy(lambda x, y: x // y, lambda x, y: x // y, U64_BIG, U64_BIG[::-1].copy())
    i8 = np.array([127, -128, 100], np.int8)
    for _ in range(2):
        same_as_numpy(lambda x, y: x + y, lambda x, y: x + y, i8, i8)
        same_as_numpy(lambda x, y: x * y, lambda x, y: x * y, i8, i8)


@pytest.mark.parametrize("mode", ["ignore", "warn", "raise"])
def test_direct_errstate_operators(backend, mode):
    a = np.array([1.0, -1.0, 0.0, 2.0])
    z = np.zeros(4)
    with trnpy.errstate(all=mode), np.errstate(all=mode):
        for _ in range(2):
            same_as_numpy(lambda x, y: x / y, lambda x, y: x / y, a, z)
            same_as_numpy(lambda x, y: x // y, lambda x, y: x // y, a, z)
            same_as_numpy(lambda x, y: x % y, lambda x, y: x % y, a, z)
            same_as_numpy(trnpy.log, np.log, a)
            same_as_numpy(trnpy.sqrt, np.sqrt, a)


def test_direct_shapes_devices_views_backends(backend):
    a = values("float64", (3,))
    x = trnpy.asarray(a)
    x + x                                                # cache the float64 loop
    for sb in [(4,), (2, 3)]:
        b = values("float64", sb)
        same_as_numpy(lambda p, q: p + q, lambda p, q: p + q, a, b)
        same_as_numpy(trnpy.add, np.add, a, b)
    with pytest.raises(ValueError):
        x + trnpy.asarray(values("float64", (4,)))
    # strided views and transposes
    m = values("float64", (3, 4))
    same_as_numpy(lambda p: p.T + p.T, lambda p: p.T + p.T, m)
    same_as_numpy(lambda p: p[:, ::2] * p[:, 1::2], lambda p: p[:, ::2] * p[:, 1::2], m)
    # another device: the cached loop is for the CPU
    neuron = trnpy.device("neuron", emulate=True)
    y = trnpy.asarray(a.astype(np.float32)).to_device(neuron)
    assert_matches(y + y, a.astype(np.float32) * 2)
    assert_matches(trnpy.exp(y), np.exp(a.astype(np.float32)))
    with pytest.raises(ValueError):
        x + y
    with pytest.raises(TypeError):
        x.to_device(neuron)                          # float64 is not a neuron dtype
    # arrays made on one backend, used on the other, loops cached on both
    with trnpy.cpu_backend("torch"):
        p, q = trnpy.asarray(a), trnpy.asarray(a[::-1].copy())
        r1 = p + q
        trnpy.add(p, q)
    with trnpy.cpu_backend("numpy"):
        r2 = p + q
        r3 = trnpy.add(p, q)
    for r in (r1, r2, r3):
        assert type(r) is trnpy.ndarray
        assert_matches(r, a + a[::-1])


def test_new_array(backend):
    t = trnpy.asarray(values("float32", (2, 2)))._t
    r = TrnArray._new(t, trnpy.device("cpu"))
    assert type(r) is TrnArray and r._np is None and r._tt is t
    assert r.shape == (2, 2) and r.dtype == np.float32
    assert_matches(r + r, values("float32", (2, 2)) * 2)


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_sum_cached_loop(backend, dt):
    for _ in range(3):                                  # resolve, then the inlined path
        for shape in [(), (0,), (5,), (2, 3)]:
            a = np.asarray(values(dt, shape))
            same_as_numpy(trnpy.sum, np.sum, a)
            same_as_numpy(lambda x: x.sum(), lambda x: x.sum(), a)
            same_as_numpy(lambda x: trnpy.sum(x[::2]), lambda x: np.sum(x[::2]), a) \
                if a.ndim else None
            same_as_numpy(lambda x: trnpy.sum(x, axis=0), lambda x: np.sum(x, axis=0), a) \
                if a.ndim else None
            same_as_numpy(lambda x: trnpy.sum(x, keepdims=True),
                          lambda x: np.sum(x, keepdims=True), a)
    same_as_numpy(trnpy.sum, np.sum, np.array([-0.0, -0.0]))
    same_as_numpy(trnpy.sum, np.sum, U64_BIG)


_SCALAR_DTYPES = ["float64", "float32", "complex128", "complex64", "int64", "int32",
                  "int16", "int8", "uint8", "bool"]


@given(data=st.data(), dt=st.sampled_from(_SCALAR_DTYPES))
@settings(max_examples=examples(60))
def test_reduction_scalars_are_numpys_bit_for_bit(backend, data, dt):
    """Whole-array sum/prod/max/argmax/argmin give NumPy's scalar type and bits, -0.0,
    NaN, subnormals and the dtype's extremes included (the torch path builds the scalar
    from .item() added to the dtype's identity)."""
    a = data.draw(hnp.arrays(dt, st.integers(1, 6), elements=hnp.from_dtype(
        np.dtype(dt), allow_nan=True, allow_infinity=True, allow_subnormal=True)))
    x = trnpy.asarray(a)
    with np.errstate(all="ignore"):
        for fn in ("sum", "prod", "max", "argmax", "argmin"):
            if dt.startswith("complex") and fn == "max":
                continue
            got, exp = getattr(trnpy, fn)(x), getattr(np, fn)(a)
            assert type(got) is type(exp), (fn, type(got), type(exp))
            if fn in ("sum", "prod") and np.dtype(dt).kind in "fc" and a.size > 1:
                # torch and NumPy may add in different orders: values, not bits (and a
                # complex product's nan/inf parts depend on the order once it overflows)
                if fn == "prod" and dt.startswith("complex") and not np.isfinite(exp):
                    continue
                assert_matches(got, np.asarray(exp), rtol=1e-5)
            else:
                assert np.asarray(got).tobytes() == np.asarray(exp).tobytes() or (
                    np.isnan(exp) and np.isnan(got)), (fn, got, exp)


@pytest.mark.parametrize("v", [-0.0, 0.0, np.nan, -np.inf, np.finfo(np.float32).max,
                               np.finfo(np.float32).smallest_subnormal])
def test_one_element_reductions_keep_numpys_bits(backend, v):
    """NumPy's sum of [-0.0] is +0.0 (it folds from the identity) and its prod -0.0."""
    for dt in ("float32", "float64", "complex64"):
        a = np.array([v], dt)
        if dt == "complex64":
            a = a * np.complex64(complex(1, 0)) + np.complex64(complex(0.0, v))
        for fn in ("sum", "prod", "max", "min"):
            if dt == "complex64" and fn in ("max", "min"):
                continue
            with np.errstate(all="ignore"):
                got, exp = getattr(trnpy, fn)(trnpy.asarray(a)), getattr(np, fn)(a)
            assert type(got) is type(exp)
            assert np.asarray(got).tobytes() == np.asarray(exp).tobytes(), (dt, fn, got, exp)


@pytest.mark.parametrize("v", [complex(-0.0, -np.inf), complex(np.nan, np.inf),
                               complex(1, np.inf), complex(np.inf, 0), complex(2, -3)])
def test_complex_prod_folds_the_identity_first(backend, v):
    """NumPy's prod is 1 * x[0] * x[1] ...: one element nan-infj for -0-infj."""
    for shape, axis in (((1,), None), ((1, 1), 1), ((2, 1), 0), ((3,), None)):
        a = np.full(shape, v, np.complex64)
        with np.errstate(all="ignore"):
            exp = np.prod(a, axis=axis)
            got = trnpy.asnumpy(trnpy.prod(trnpy.asarray(a), axis=axis))
        np.testing.assert_array_equal(got.real, np.real(exp))
        np.testing.assert_array_equal(got.imag, np.imag(exp))
