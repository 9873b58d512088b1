"""NumPy's dispatch protocols on TrnArray (NEP 13 __array_ufunc__, NEP 18
__array_function__, NEP 35 like=), the zero-copy asarray, and errstate/seterr on both
backends."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from trnpy import NumPyFallbackWarning
from _helpers import examples
from conftest import FLOAT_DTYPES, NUMERIC_DTYPES, assert_matches, is_trnpy_result


def _arr(dtypes=NUMERIC_DTYPES):
    return st.sampled_from(dtypes).flatmap(lambda dt: hnp.arrays(
        dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
        elements={"f": st.floats(-1e3, 1e3, width=8 * dt.itemsize),
                  "c": st.complex_numbers(max_magnitude=1e3, width=8 * dt.itemsize)
                  }.get(dt.kind)))


# -- __array_ufunc__ -------------------------------------------------------------------
@settings(max_examples=examples(40))
@given(a=_arr(), name=st.sampled_from(["sin", "negative", "absolute", "sqrt", "exp",
                                       "invert", "isnan", "square"]))
def test_numpy_unary_ufunc_stays_trnpy(backend, a, name):
    npu = getattr(np, name)
    if a.dtype.kind == "c" and name in ("sin", "sqrt", "exp") and backend == "torch":
        # complex transcendental special values are torch's (a known gap, see
        # test_elementwise): this test is about dispatch, so keep them finite
        a = np.where(np.isfinite(a), a, 0).astype(a.dtype)
    with np.errstate(all="ignore"):
        try:
            exp = npu(a)
        except TypeError:
            with pytest.raises(TypeError):
                npu(trnpy.asarray(a))
            return
        r = npu(trnpy.asarray(a))
    assert is_trnpy_result(r, exp)
    assert_matches(r, exp, rtol=1e-3 if a.dtype.kind in "fc" and a.dtype.itemsize <= 4 else None)


@settings(max_examples=examples(40))
@given(a=_arr(), b=_arr(), name=st.sampled_from(["add", "subtract", "multiply", "maximum",
                                                  "less", "equal", "true_divide"]))
def test_numpy_binary_ufunc_stays_trnpy(backend, a, b, name):
    npu = getattr(np, name)
    with np.errstate(all="ignore"):
        try:
            exp = npu(a, b)
        except (ValueError, TypeError) as e:
            with pytest.raises(type(e)):
                npu(trnpy.asarray(a), trnpy.asarray(b))
            return
        r = npu(trnpy.asarray(a), b)          # mixed trnpy / NumPy operands
    assert is_trnpy_result(r, exp)
    assert_matches(r, exp)


def test_ufunc_out_methods_and_operators(backend):
    a = np.arange(6.0).reshape(2, 3)
    x, y = trnpy.asarray(a), trnpy.asarray(a + 1)
    z = trnpy.empty((2, 3))
    assert np.add(x, y, out=z) is z
    assert_matches(z, a + a + 1)
    assert_matches(np.add.reduce(x), np.add.reduce(a))
    assert_matches(np.add.reduce(x, axis=1, keepdims=True), np.add.reduce(a, axis=1, keepdims=True))
    assert_matches(np.multiply.accumulate(x, axis=1), np.multiply.accumulate(a, axis=1))
    assert_matches(np.subtract.outer(x[0], x[1]), np.subtract.outer(a[0], a[1]))
    w = trnpy.zeros(3)
    np.add.at(w, [0, 0, 2], 1.0)
    assert_matches(w, np.array([2.0, 0.0, 1.0]))
    q, r = np.divmod(x, 4.0)
    assert_matches(q, np.divmod(a, 4.0)[0])
    assert_matches(np.matmul(x, x.T), a @ a.T)
    # NumPy arrays and scalars on the left defer to TrnArray
    for r, e in [(a + x, a + a), (np.float64(2) * x, 2 * a), (np.float32(2) - x, np.float32(2) - a),
                 (a < x, a < a)]:
        assert isinstance(r, trnpy.TrnArray)
        assert_matches(r, e)


def test_unknown_ufunc_is_typeerror(backend):
    x = trnpy.asarray(np.array(["2020-01-01"], dtype="datetime64[D]").view("int64"))
    with pytest.raises(TypeError):
        np.isnat(x)


# -- __array_function__ ------------------------------------------------------------------
@settings(max_examples=examples(30))
@given(a=_arr(FLOAT_DTYPES + [np.dtype("int32")]), name=st.sampled_from(
    ["mean", "sum", "max", "cumsum", "sort", "ravel", "argmax", "std"]))
def test_numpy_function_stays_trnpy(backend, a, name):
    f = getattr(np, name)
    kw = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            exp = f(a, **kw)
        except Exception as e:  # noqa: BLE001
            with pytest.raises(type(e)):
                f(trnpy.asarray(a), **kw)
            return
        r = f(trnpy.asarray(a), **kw)
    assert is_trnpy_result(r, exp)
    atol = 0.0
    if name in ("mean", "std") and a.dtype.kind == "f" and a.size:
        # a mean off by an ulp (summation order) leaves a std of O(eps * |x|)
        atol = 8 * np.finfo(a.dtype).eps * float(np.nanmax(np.abs(a), initial=0.0))
    assert_matches(r, exp, rtol=1e-2 if a.dtype == np.float16 else None, atol=atol)


def test_concatenate_linalg_fft(backend):
    a, b = np.arange(6.0).reshape(2, 3), np.ones((1, 3))
    x, y = trnpy.asarray(a), trnpy.asarray(b)
    r = np.concatenate([x, y])
    assert isinstance(r, trnpy.TrnArray)
    assert_matches(r, np.concatenate([a, b]))
    assert_matches(np.linalg.norm(x), np.linalg.norm(a))
    assert_matches(np.fft.fft(x), np.fft.fft(a))
    assert_matches(np.mean(x, axis=0), np.mean(a, axis=0))


def test_like_creates_on_the_device(backend, emulated_neuron):
    x = trnpy.asarray([1.0, 2.0])
    r = np.zeros(3, like=x)
    assert isinstance(r, trnpy.TrnArray)
    assert_matches(r, np.zeros(3))
    assert_matches(np.arange(4, like=x), np.arange(4))
    assert_matches(np.full((2,), 7, like=x), np.full((2,), 7))
    n = trnpy.asarray([1.0, 2.0], dtype="float32", device=emulated_neuron)
    r = np.ones(2, dtype=np.float32, like=n)
    assert r.device == emulated_neuron
    assert_matches(r, np.ones(2, np.float32))


# The example of a NumPy function trnpy lacks: sliding_window_view takes a numeric array
# and dispatches through __array_function__, but lives in numpy.lib.stride_tricks, a
# submodule trnpy does not mirror (outside the top-level names numpy_coverage.py counts),
# so it stays unimplemented. (The coverage script's exclusions do not fit: the datetime
# functions refuse numeric arrays and asmatrix/bmat do not dispatch.)
_SWV = np.lib.stride_tricks.sliding_window_view
_SWV_NAME = "numpy.lib.stride_tricks.sliding_window_view"


def test_fallback_cpu_warns_once_and_returns_trnpy(backend):
    from trnpy import _numpy_protocols
    _numpy_protocols._WARNED.discard(_SWV_NAME)
    x = trnpy.asarray([0.0, 1.0, 2.0, 0.0], device="cpu")    # the fallback is CPU-only
    with pytest.warns(NumPyFallbackWarning, match="sliding_window_view"):
        r = _SWV(x, 2)
    assert isinstance(r, trnpy.TrnArray)
    assert_matches(r, np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 0.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _SWV(x, 2)                        # warned only once


def test_fallback_refused_off_cpu(emulated_neuron):
    x = trnpy.asarray([0.0, 1.0, 0.0], dtype="float32", device=emulated_neuron)
    before = trnpy.asnumpy(x).copy()
    with pytest.raises(TypeError, match="sliding_window_view"):
        _SWV(x, 2)
    np.testing.assert_array_equal(trnpy.asnumpy(x), before)


def test_neuron_stays_on_device(emulated_neuron):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = trnpy.asarray(a, device=emulated_neuron)
    for r, e in [(np.mean(x), np.mean(a)), (np.sin(x), np.sin(a)),
                 (np.add.reduce(x, axis=1), np.add.reduce(a, axis=1)),
                 (np.concatenate([x, x]), np.concatenate([a, a])), (x + a, a + a)]:
        assert isinstance(r, trnpy.TrnArray) and r.device == emulated_neuron
        assert_matches(r, e)


def test_asarray_zero_copy_on_cpu():
    a = np.arange(6.0)
    x = trnpy.asarray(a, device="cpu")
    assert np.shares_memory(np.asarray(x), a)
    x[0] = 42.0
    assert a[0] == 42.0
    assert_matches(trnpy.asarray(np.float32(1.5)), np.asarray(np.float32(1.5)))
    assert_matches(trnpy.asarray([[1, 2], [3, 4]]), np.asarray([[1, 2], [3, 4]]))


# -- errstate ----------------------------------------------------------------------------
ERR_CASES = [
    ("divide", ([1.0, 0.0, 2.0], [0.0, 0.0, 1.0])), ("floor_divide", ([1.0, 0.0], [0.0, 0.0])),
    ("remainder", ([1.0], [0.0])), ("log", ([0.0, -1.0, 1.0],)), ("log2", ([0.0],)),
    ("log10", ([-1.0],)), ("log1p", ([-1.0, -2.0],)), ("sqrt", ([-1.0, 4.0],)),
    ("reciprocal", ([0.0, 2.0],)), ("power", ([0.0, -1.0], [-1.0, 0.5])),
    ("arccos", ([2.0],)), ("arcsin", ([-2.0],)), ("arctanh", ([1.0, 2.0],)),
    ("divide", ([1e308], [1e-10])), ("floor_divide", ([3], [0])), ("remainder", ([3], [0])),
    ("divide", ([1.0, np.nan, np.inf], [1.0, 1.0, 1.0])), ("log", ([np.inf, np.nan],)),
]


def _messages(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in rec if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("name,args", ERR_CASES)
def test_errstate_warnings_match_numpy(backend, name, args):
    np_args = [np.array(a) for a in args]
    tr_args = [trnpy.asarray(a) for a in np_args]
    exp = _messages(lambda: getattr(np, name)(*np_args))
    got = _messages(lambda: getattr(trnpy, name)(*tr_args))
    assert got == exp
    with trnpy.errstate(all="ignore"):
        assert _messages(lambda: getattr(trnpy, name)(*tr_args)) == []
    if exp:
        with trnpy.errstate(all="raise"), pytest.raises(FloatingPointError):
            getattr(trnpy, name)(*tr_args)


def test_seterr_geterr_seterrcall(backend):
    old = trnpy.seterr(divide="raise")
    try:
        assert trnpy.geterr()["divide"] == "raise" == np.geterr()["divide"]
        with pytest.raises(FloatingPointError, match="divide by zero encountered in log"):
            trnpy.log(trnpy.asarray([0.0]))
    finally:
        trnpy.seterr(**old)
    seen = []
    with trnpy.errstate(invalid="call", call=lambda kind, flag: seen.append((kind, flag))):
        assert trnpy.geterrcall() is not None
        trnpy.sqrt(trnpy.asarray([-1.0]))
    assert seen and seen[0][0] == "invalid value"


def test_errstate_neuron(emulated_neuron):
    x = trnpy.asarray([0.0, -1.0], dtype="float32", device=emulated_neuron)
    with trnpy.errstate(divide="raise", invalid="ignore"), pytest.raises(FloatingPointError):
        trnpy.log(x)
    with trnpy.errstate(all="warn"), pytest.warns(RuntimeWarning, match="invalid value"):
        trnpy.sqrt(x)
