"""Creation functions: differential against NumPy on both CPU backends, device defaults on
the emulated neuron device, and NumPy's exceptions."""
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches

REAL_DTYPES = [d for d in ALL_DTYPES if d.kind != "c"]
F32 = np.dtype(np.float32)


def outcome(f, *args, **kw):
    """f's result, or the type of the exception it raised (warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*args, **kw)
        except Exception as e:          # noqa: BLE001 - compared by type below
            return type(e)


def check(actual, expected, **kw):
    if isinstance(expected, type):
        assert actual is expected, f"raised {actual}, NumPy raised {expected}"
    else:
        assert not isinstance(actual, type), f"raised {actual}, NumPy returned {expected!r}"
        assert_matches(actual, expected, **kw)


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
dtypes_or_none = st.sampled_from([None] + ALL_DTYPES)


def arrays(dtype=st.sampled_from(ALL_DTYPES), shape=shapes):
    return dtype.flatmap(lambda d: hnp.arrays(d, shape))


def maybe_reversed(a):
    """Exercise negative strides (asarray copies them)."""
    return a[::-1] if a.ndim >= 1 else a


# -- arange ---------------------------------------------------------------------------------
small_ints = st.integers(-300, 300)
small_floats = st.floats(-100, 100, allow_nan=False, width=64)
arange_args = st.one_of(small_ints, small_floats, st.sampled_from([0.1, -0.7, 1e-3, True]))


def _len_ok(start, stop, step):
    try:
        n = (stop - start) / step
    except ZeroDivisionError:
        return True
    return math.isnan(n) or n <= 2000


@given(start=arange_args, stop=st.none() | arange_args, step=arange_args,
       dtype=st.sampled_from([None] + REAL_DTYPES))
@settings(max_examples=examples(80))
def test_arange_matches_numpy(backend, start, stop, step, dtype):
    assume(_len_ok(0 if stop is None else start, start if stop is None else stop, step))
    expected = outcome(np.arange, start, stop, step, dtype=dtype)
    check(outcome(trnpy.arange, start, stop, step, dtype=dtype), expected)


@pytest.mark.parametrize("args", [
    (np.int8(100), 0, -1), (np.uint8(10), 296, 104), (np.float32(0.5), 3), (np.float16(1), 9, 0.7),
    (0, 5, np.float32(0.1)), (np.int64(3),), (2 ** 63, 2 ** 63 + 3), (5, 0, 0.0), (0, 0, 0),
    (0, math.inf), (0, math.nan), (0, 1e300, 1e-300), (0, 3 + 2j, 1), (-5 - 3j, -46.0, -10.4),
    (0.5, 5), (True, 3), (0, 2, 1, "bool"), (0, 3, 1, "bool"), (-3.5, 20, 2, "uint8"),
    (5, 0, -1.5, "uint8"), (0, 300, 100, "int8"), (math.nan, 5, 1, "int64"), (1, 2e9, 3e8, "int32"),
    (0.5, 5, 0.3, "float16"), (0, 1, 0.1, "float32"), (1e8, 1e8 + 10, 0.5, "float32")])
def test_arange_corner_cases(backend, args):
    *pos, = args
    dtype = pos.pop() if isinstance(pos[-1], str) else None
    check(outcome(trnpy.arange, *pos, dtype=dtype), outcome(np.arange, *pos, dtype=dtype))


def test_arange_keyword_and_array_api_forms(backend):
    assert_matches(trnpy.arange(5), np.arange(5))
    assert_matches(trnpy.arange(1, 10, step=3), np.arange(1, 10, 3))
    assert_matches(trnpy.arange(2, stop=7), np.arange(2, 7))
    assert_matches(trnpy.arange(trnpy.asarray(4)), np.arange(4))


# -- linspace -------------------------------------------------------------------------------
lin_scalars = st.one_of(
    st.integers(-1000, 1000), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5e-324, 1e-310, 1e308, -1e308]),
    st.complex_numbers(max_magnitude=1e6), st.floats(-50, 50, width=32).map(np.float32),
    st.floats(-50, 50, width=16).map(np.float16))


@given(start=lin_scalars, stop=lin_scalars, num=st.integers(0, 20), endpoint=st.booleans(),
       dtype=st.sampled_from([None, "float32", "float64", "int32", "int8", "uint8", "bool",
                              "complex64", "float16"]),
       retstep=st.booleans())
@settings(max_examples=examples(80))
def test_linspace_matches_numpy(backend, start, stop, num, endpoint, dtype, retstep):
    if dtype is not None and np.dtype(dtype).kind in "iu":     # float -> int must be defined
        info = np.iinfo(dtype)
        assume(all(not isinstance(v, complex) and math.isfinite(v)
                   and info.min <= v <= info.max for v in (start, stop)))
    kw = dict(num=num, endpoint=endpoint, dtype=dtype, retstep=retstep)
    expected = outcome(np.linspace, start, stop, **kw)
    actual = outcome(trnpy.linspace, start, stop, **kw)
    if isinstance(expected, type) or not retstep:
        return check(actual, expected, rtol=0)
    check(actual[0], expected[0], rtol=0)
    assert np.array_equal(np.asarray(actual[1]), np.asarray(expected[1]), equal_nan=True)
    assert np.asarray(actual[1]).dtype == np.asarray(expected[1]).dtype


@given(a=hnp.arrays(np.float64, st.integers(0, 4), elements=st.floats(-1e3, 1e3)),
       b=st.floats(-1e3, 1e3), num=st.integers(0, 6), axis=st.sampled_from([0, -1, 1]))
@settings(max_examples=examples(30))
def test_linspace_array_endpoints(backend, a, b, num, axis):
    expected = outcome(np.linspace, a, b, num, axis=axis)
    check(outcome(trnpy.linspace, trnpy.asarray(a), b, num, axis=axis), expected, rtol=0)


def test_linspace_errors(backend):
    with pytest.raises(ValueError, match="non-negative"):
        trnpy.linspace(0, 1, -1)
    with pytest.raises(TypeError):
        trnpy.linspace(0, 1, 2.5)
    with pytest.raises(np.exceptions.AxisError):
        trnpy.linspace(0, 1, 5, axis=2)


# -- zeros / ones / empty / full -------------------------------------------------------------
@given(shape=shapes, dtype=dtypes_or_none)
@settings(max_examples=examples(30))
def test_zeros_ones_empty(backend, shape, dtype):
    assert_matches(trnpy.zeros(shape, dtype), np.zeros(shape, dtype))
    assert_matches(trnpy.ones(shape, dtype=dtype), np.ones(shape, dtype=dtype))
    e = trnpy.empty(shape, dtype)
    assert e.shape == shape and e.dtype == np.empty(shape, dtype).dtype
    if len(shape) == 1:
        assert_matches(trnpy.zeros(shape[0], dtype), np.zeros(shape[0], dtype))


fill_values = st.one_of(
    st.booleans(), st.integers(-2 ** 63, 2 ** 64 - 1), st.integers(-300, 300),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(allow_nan=False))


@given(shape=shapes, fill=fill_values, dtype=dtypes_or_none)
@settings(max_examples=examples(80))
def test_full_matches_numpy(backend, shape, fill, dtype):
    np_dt = None if dtype is None else np.dtype(dtype)
    # undefined casts (float nan/inf/out of range -> int) differ by platform: not tested
    if isinstance(fill, (float, complex)) and np_dt is not None and np_dt.kind in "iu":
        v = fill.real if isinstance(fill, complex) else fill
        assume(math.isfinite(v) and np.iinfo(np_dt).min <= v <= np.iinfo(np_dt).max)
    expected = outcome(np.full, shape, fill, dtype)
    actual = outcome(trnpy.full, shape, fill, dtype)
    check(actual, expected, rtol=0)


def test_full_fill_value_dtypes(backend):
    assert trnpy.full(2, True).dtype == np.bool_
    assert trnpy.full(2, 3).dtype == np.int64
    assert trnpy.full(2, 3.0).dtype == np.float64
    assert trnpy.full(2, 3j).dtype == np.complex128
    assert trnpy.full(2, 2 ** 63).dtype == np.uint64
    assert_matches(trnpy.full((2, 2), np.float32(1.5)), np.full((2, 2), np.float32(1.5)))
    assert_matches(trnpy.full((2, 3), [1, 2, 3]), np.full((2, 3), [1, 2, 3]))
    assert_matches(trnpy.full((2, 3), trnpy.asarray([1.5, 2, 3]), dtype="int16"),
                   np.full((2, 3), [1.5, 2, 3], dtype="int16"))
    assert_matches(trnpy.full(3, -0.0), np.full(3, -0.0), check_sign_of_zero=True)
    with pytest.raises(OverflowError):
        trnpy.full(3, 300, dtype="int8")
    with pytest.raises(ValueError, match="broadcast"):
        trnpy.full((2, 2), [1, 2, 3])


# -- *_like ---------------------------------------------------------------------------------
@given(a=arrays(), dtype=dtypes_or_none, shape=st.none() | shapes)
@settings(max_examples=examples(40))
def test_like_functions(backend, a, dtype, shape):
    x = trnpy.asarray(maybe_reversed(a))
    ref = maybe_reversed(a)
    assert_matches(trnpy.zeros_like(x, dtype=dtype, shape=shape),
                   np.zeros_like(ref, dtype=dtype, shape=shape))
    assert_matches(trnpy.ones_like(x, dtype, shape=shape), np.ones_like(ref, dtype, shape=shape))
    e = trnpy.empty_like(x, dtype=dtype, shape=shape)
    n = np.empty_like(ref, dtype=dtype, shape=shape)
    assert e.shape == n.shape and e.dtype == n.dtype
    dt = np.dtype(dtype if dtype is not None else a.dtype)
    fill = {"b": True, "i": -7, "u": 7, "f": 2.5, "c": 1 - 2j}[dt.kind]
    check(outcome(trnpy.full_like, x, fill, dtype=dtype, shape=shape),
          outcome(np.full_like, ref, fill, dtype=dtype, shape=shape), rtol=0)


def test_like_fill_value_cast_as_numpy(backend):
    a = np.zeros(3, np.int8)
    x = trnpy.asarray(a)
    assert_matches(trnpy.full_like(x, 2.7), np.full_like(a, 2.7))
    assert_matches(trnpy.full_like(x, -1.0), np.full_like(a, -1.0))
    with pytest.raises(OverflowError):
        trnpy.full_like(x, 300)
    assert_matches(trnpy.zeros_like([[1, 2]]), np.zeros_like([[1, 2]]))


# -- eye / identity / tril / triu ----------------------------------------------------------------
@given(n=st.integers(0, 6), m=st.none() | st.integers(0, 6), k=st.integers(-8, 8),
       dtype=dtypes_or_none)
@settings(max_examples=examples(40))
def test_eye(backend, n, m, k, dtype):
    assert_matches(trnpy.eye(n, m, k, dtype), np.eye(n, m, k, dtype=dtype or float))
    assert_matches(trnpy.eye(n, m, k=k, dtype=dtype), np.eye(n, m, k=k, dtype=dtype or float))


def test_identity_and_eye_errors(backend):
    assert_matches(trnpy.identity(3), np.identity(3))
    assert_matches(trnpy.identity(2, dtype="uint64"), np.identity(2, dtype="uint64"))
    with pytest.raises(ValueError, match="negative"):
        trnpy.eye(-1)
    with pytest.raises(TypeError):
        trnpy.eye(2.5)
    with pytest.raises(ValueError, match="order"):
        trnpy.eye(2, order="K")


@given(a=arrays(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=4)),
       k=st.integers(-5, 5))
@settings(max_examples=examples(60))
def test_tril_triu(backend, a, k):
    x = trnpy.asarray(maybe_reversed(a))
    assert_matches(trnpy.tril(x, k), np.tril(maybe_reversed(a), k))
    assert_matches(trnpy.triu(x, k=k), np.triu(maybe_reversed(a), k=k))


def test_tril_errors(backend):
    x = trnpy.asarray(5.0)
    with pytest.raises(TypeError):
        trnpy.tril(x)
    before = trnpy.asnumpy(x)
    with pytest.raises(TypeError):
        trnpy.triu(x, k=0.5)
    np.testing.assert_array_equal(trnpy.asnumpy(x), before)


# -- meshgrid ---------------------------------------------------------------------------------
@given(arrs=st.lists(arrays(shape=hnp.array_shapes(min_dims=1, max_dims=1, min_side=0,
                                                   max_side=4)), max_size=4),
       indexing=st.sampled_from(["xy", "ij"]), sparse=st.booleans(), copy=st.booleans())
@settings(max_examples=examples(40))
def test_meshgrid(backend, arrs, indexing, sparse, copy):
    xs = [trnpy.asarray(a) for a in arrs]
    out = trnpy.meshgrid(*xs, indexing=indexing, sparse=sparse, copy=copy)
    ref = np.meshgrid(*arrs, indexing=indexing, sparse=sparse, copy=copy)
    assert isinstance(out, list)   # the array API's list (NumPy 2 returns a tuple)
    assert_matches(out, list(ref))


def test_meshgrid_errors(backend):
    with pytest.raises(ValueError, match="indexing"):
        trnpy.meshgrid(trnpy.asarray([1, 2]), indexing="foo")
    assert trnpy.meshgrid() == []


# -- copy / asanyarray / ascontiguousarray / asarray ------------------------------------------
@given(a=arrays())
@settings(max_examples=examples(30))
def test_copy_family(backend, a):
    r = maybe_reversed(a)
    x = trnpy.asarray(r)
    c = trnpy.copy(x)
    assert_matches(c, np.copy(r))
    if a.size:
        c._t.view(-1)[0] = 1
        np.testing.assert_array_equal(trnpy.asnumpy(x), r)
    assert_matches(trnpy.asanyarray(r), np.asanyarray(r))
    ac = trnpy.ascontiguousarray(r)
    assert_matches(ac, np.ascontiguousarray(r))
    assert ac._t.is_contiguous()


def test_ascontiguousarray_of_transposed():
    x = trnpy.asarray(np.arange(6.0).reshape(2, 3))
    t = trnpy.TrnArray._new(x._t.T, x.device)
    c = trnpy.ascontiguousarray(t)
    assert c._t.is_contiguous()
    assert_matches(c, np.arange(6.0).reshape(2, 3).T)


def test_asarray_fixes(emulated_neuron):
    # NumPy scalars inside lists keep their dtype; only Python floats take the default
    assert trnpy.asarray([np.float32(1.5)]).dtype == np.float32
    assert trnpy.asarray([np.float16(1.5)]).dtype == np.float16
    assert trnpy.asarray([1.5], device=emulated_neuron).dtype == np.float32
    with pytest.raises(TypeError, match="bfloat16"):
        trnpy.asarray(torch.zeros(2, dtype=torch.bfloat16))
    with pytest.raises(ValueError):
        trnpy.asarray(np.float64(1.0), copy=False)
    ro = np.arange(3.0)
    ro.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = trnpy.asarray(ro)
    x._t[0] = 5.0           # a copy: the read-only source is never written
    assert ro[0] == 0.0
    with pytest.raises(NotImplementedError, match="like"):
        trnpy.asanyarray([1], like=np.zeros(1))


def test_from_dlpack_copy_flags():
    a = np.arange(4.0)
    x = trnpy.from_dlpack(a)
    x._t[0] = 9.0
    assert a[0] == 9.0                  # zero-copy
    y = trnpy.from_dlpack(a, copy=True)
    y._t[1] = -1.0
    assert a[1] == 1.0


# -- shapes and argument errors ---------------------------------------------------------------
@pytest.mark.parametrize("f", [trnpy.zeros, trnpy.ones, trnpy.empty])
def test_shape_errors(backend, f):
    with pytest.raises(ValueError, match="negative"):
        f((2, -1))
    with pytest.raises(TypeError):
        f(2.0)
    with pytest.raises(ValueError, match="order"):
        f(2, order="A")
    with pytest.raises(NotImplementedError, match="like"):
        f(2, like=np.zeros(1))
    with pytest.raises(TypeError):
        f(2, dtype="U3")


# -- device defaults --------------------------------------------------------------------------
def test_default_device_and_dtypes_on_neuron(emulated_neuron):
    d = emulated_neuron
    outer = trnpy.get_default_device()
    with d:
        for x in (trnpy.zeros(3), trnpy.ones((2, 2)), trnpy.empty(2), trnpy.eye(3),
                  trnpy.identity(2), trnpy.full(2, 1.5), trnpy.linspace(0, 1, 5),
                  trnpy.arange(0.5, 3)):
            assert x.device == d and x.dtype == F32
        assert trnpy.full(2, 1j).dtype == np.complex64
        assert trnpy.full(2, 3).dtype == np.int64
        assert trnpy.arange(3).dtype == np.int64
        assert trnpy.meshgrid(trnpy.asarray([1.0, 2.0]))[0].device == d
    assert trnpy.zeros(3).device == outer


def test_neuron_values_match_numpy_float32(emulated_neuron):
    d = emulated_neuron
    assert_matches(trnpy.arange(0.5, 7, 0.3, device=d), np.arange(0.5, 7, 0.3, dtype=F32))
    assert_matches(trnpy.linspace(-2, 3.5, 17, device=d),
                   np.linspace(-2, 3.5, 17, dtype=F32))
    assert_matches(trnpy.linspace(0, 10, 7, endpoint=False, dtype="int32", device=d),
                   np.linspace(0, 10, 7, endpoint=False, dtype="int32"))
    assert_matches(trnpy.eye(3, 4, 1, device=d), np.eye(3, 4, 1, dtype=F32))
    assert_matches(trnpy.full((2, 3), 0.1, device=d), np.full((2, 3), 0.1, dtype=F32))
    x = trnpy.asarray(np.arange(12, dtype=F32).reshape(3, 4), device=d)
    assert_matches(trnpy.tril(x, -1), np.tril(np.arange(12, dtype=F32).reshape(3, 4), -1))
    assert trnpy.triu(x).device == d


def test_like_keeps_device_and_dtype(emulated_neuron):
    d = emulated_neuron
    x = trnpy.asarray(np.ones((2, 3), np.float32), device=d)
    for f in (trnpy.zeros_like, trnpy.ones_like, trnpy.empty_like):
        y = f(x)
        assert y.device == d and y.dtype == F32 and y.shape == (2, 3)
        assert f(x, dtype="int16").dtype == np.int16
        assert f(x, device="cpu").device == trnpy.device("cpu")
        with pytest.raises(TypeError, match="float64"):
            f(x, dtype="float64")
    y = trnpy.full_like(x, 7)
    assert y.device == d and y.dtype == F32
    assert_matches(y, np.full((2, 3), 7, F32))


def test_neuron_refuses_float64(emulated_neuron):
    d = emulated_neuron
    for call in (lambda: trnpy.zeros(2, "float64", device=d),
                 lambda: trnpy.eye(2, dtype=np.float64, device=d),
                 lambda: trnpy.arange(3, dtype="float64", device=d),
                 lambda: trnpy.full(2, 1.0, dtype="complex128", device=d),
                 lambda: trnpy.linspace(0, 1, 3, dtype="float64", device=d)):
        with pytest.raises(TypeError, match="float64|complex128"):
            call()


def test_mixed_devices_raise(emulated_neuron):
    x = trnpy.asarray([1.0, 2.0], dtype="float32", device=emulated_neuron)
    with pytest.raises(ValueError):
        trnpy.meshgrid(x, trnpy.asarray([1.0]))
    with pytest.raises(ValueError):
        trnpy.full(2, trnpy.asarray(1.0, dtype="float32"), device=emulated_neuron)


@pytest.mark.cuda
def test_creation_on_cuda():
    d = trnpy.device("cuda")
    for dt in ALL_DTYPES:
        assert_matches(trnpy.zeros((2, 3), dt, device=d), np.zeros((2, 3), dt))
        assert_matches(trnpy.ones(3, dt, device=d), np.ones(3, dt))
        assert_matches(trnpy.eye(3, 4, 1, dt, device=d), np.eye(3, 4, 1, dt))
        assert_matches(trnpy.full(3, 1, dt, device=d), np.full(3, 1, dt))
        a = np.arange(12).reshape(3, 4).astype(dt)
        assert_matches(trnpy.tril(trnpy.asarray(a, device=d), 1), np.tril(a, 1))
        assert_matches(trnpy.triu(trnpy.asarray(a, device=d), -1), np.triu(a, -1))
    for dt in [d_ for d_ in REAL_DTYPES if d_.kind != "b"]:
        assert_matches(trnpy.arange(0, 50, 3, dtype=dt, device=d), np.arange(0, 50, 3, dtype=dt))
    assert_matches(trnpy.full(2, 2 ** 64 - 1, device=d), np.full(2, 2 ** 64 - 1))
    assert_matches(trnpy.linspace(0, 1, 11, device=d), np.linspace(0, 1, 11), rtol=0)
    assert_matches(trnpy.arange(0.1, 3.3, 0.1, device=d), np.arange(0.1, 3.3, 0.1), rtol=0)
    out = trnpy.meshgrid(trnpy.asarray([1, 2], device=d), trnpy.asarray([3.0], device=d))
    assert_matches(list(out), list(np.meshgrid([1, 2], [3.0])))


@pytest.mark.cuda
@pytest.mark.parametrize("dt", ["float16", "float32", "float64", "int8", "uint16", "uint64"])
def test_arange_linspace_on_cuda_bitwise(dt):
    d = trnpy.device("cuda")
    f = np.dtype(dt).kind == "f"
    args = (0.5, 40.0, 0.7) if f else (3, 200, 7)
    assert_matches(trnpy.arange(*args, dtype=dt, device=d), np.arange(*args, dtype=dt), rtol=0)
    if f:
        assert_matches(trnpy.linspace(-3.3, 7.1, 33, dtype=dt, device=d),
                       np.linspace(-3.3, 7.1, 33, dtype=dt), rtol=0)
