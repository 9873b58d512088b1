"""Elementwise functions: differential tests against NumPy on both CPU backends."""
import math
import operator
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches

# -- the function table ---------------------------------------------------------------
# exact: results must match to the dtype's default tolerance for any input values.
UNARY_EXACT = ["abs", "absolute", "fabs", "ceil", "floor", "trunc", "rint", "conj",
               "conjugate", "negative", "positive", "reciprocal", "sign", "signbit",
               "isfinite", "isinf", "isnan", "logical_not", "bitwise_invert", "invert",
               "bitwise_not", "square", "spacing", "sqrt"]
# transcendental: compared on moderate finite values plus nan/inf/0.
UNARY_MATH = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin",
              "sinh", "tan", "tanh", "exp", "exp2", "expm1", "log", "log1p", "log2", "log10",
              "cbrt", "deg2rad", "rad2deg", "degrees", "radians", "arccos", "arccosh",
              "arcsin", "arcsinh", "arctan", "arctanh"]
BINARY_EXACT = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide",
                "remainder", "mod", "fmod", "bitwise_and", "bitwise_or", "bitwise_xor",
                "bitwise_left_shift", "bitwise_right_shift", "left_shift", "right_shift",
                "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                "maximum", "minimum", "fmax", "fmin", "copysign", "nextafter", "heaviside",
                "gcd", "lcm", "logical_and", "logical_or", "logical_xor", "hypot", "ldexp"]
BINARY_MATH = ["pow", "power", "float_power", "atan2", "arctan2", "logaddexp", "logaddexp2"]

NP_NAME = {"acos": "arccos", "acosh": "arccosh", "asin": "arcsin", "asinh": "arcsinh",
           "atan": "arctan", "atanh": "arctanh", "atan2": "arctan2", "pow": "power",
           "bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
           "bitwise_right_shift": "right_shift"}

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e300, -1e-300,
           5e-324, 3.4e38, 65504.0, 6e-8]


def np_func(name):
    return getattr(np, NP_NAME.get(name, name))


def _quiet():
    cm = warnings.catch_warnings()
    cm.__enter__()
    warnings.simplefilter("ignore")
    return cm


def check(name, np_args, tr_args, *, rtol=None, atol=0.0, **kw):
    """trnpy's ``name`` on ``tr_args`` matches NumPy's on ``np_args`` (or raises alike)."""
    cm = _quiet()
    try:
        with np.errstate(all="ignore"):
            try:
                expected = np_func(name)(*np_args, **kw)
            except Exception as e:       # NumPy refuses: trnpy must refuse alike
                with pytest.raises(TypeError if isinstance(e, TypeError) else type(e)):
                    getattr(trnpy, name)(*tr_args, **kw)
                return
            try:
                actual = getattr(trnpy, name)(*tr_args, **kw)
            except NotImplementedError as e:
                assert "uint64" in str(e) or "int64" in str(e)
                return
    finally:
        cm.__exit__(None, None, None)
    assert_matches(actual, expected, rtol=rtol, atol=atol)


def elements(dt, bounded=False):
    dt = np.dtype(dt)
    if dt.kind == "b":
        return st.booleans()
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if bounded:
            return st.integers(max(info.min, -100), min(info.max, 100))
        return st.one_of(st.integers(info.min, info.max),
                         st.sampled_from([info.min, info.max, 0, 1, -1 if dt.kind == "i" else 2]),
                         st.integers(-70, 70).filter(lambda v: info.min <= v <= info.max))
    if dt.kind == "f":
        width = dt.itemsize * 8
        if bounded:
            lim = 10.0 if width == 16 else 50.0
            return st.one_of(st.floats(-lim, lim, width=width),
                             st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0]))
        with np.errstate(over="ignore"):
            special = [float(np.array(v, dtype=dt)) for v in SPECIAL]
        return st.one_of(st.floats(width=width), st.sampled_from(special))
    width = dt.itemsize * 8
    if bounded:
        part = st.floats(-20, 20, width=width // 2)
    else:
        part = st.one_of(st.floats(-1e6, 1e6, width=width // 2), st.sampled_from(
            [math.inf, -math.inf, math.nan, 0.0, -0.0]))
    return st.builds(complex, part, part)


@st.composite
def array_of(draw, dtypes=ALL_DTYPES, shape=None, bounded=False):
    dt = draw(st.sampled_from(dtypes))
    if shape is None:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    a = draw(hnp.arrays(dt, shape, elements=elements(dt, bounded)))
    if a.ndim and draw(st.booleans()):
        a = a[::-1]                       # negative strides
    return a


def scalars(bounded=False):
    if bounded:
        return st.one_of(st.integers(-5, 5), st.floats(-5, 5), st.booleans(),
                         st.builds(complex, st.floats(-3, 3), st.floats(-3, 3)))
    return st.one_of(st.integers(-300, 300), st.sampled_from([2 ** 63, -2 ** 63, 2 ** 64 - 1]),
                     st.floats(), st.booleans(),
                     st.builds(complex, st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)))


def tolerance(name, a_dtypes):
    if name in BINARY_MATH or name in UNARY_MATH or name in ("hypot", "sqrt"):
        return dict(rtol=None, atol=0.0) if name in ("sqrt", "hypot") else dict(
            rtol=None, atol=1e-5 if all(np.dtype(d).itemsize >= 8 for d in a_dtypes) else 2e-3)
    return {}


# -- unary -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", UNARY_EXACT + UNARY_MATH)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_unary(backend, name, data):
    a = data.draw(array_of(bounded=name in UNARY_MATH))
    tol = tolerance(name, [a.dtype])
    if name in UNARY_MATH and a.dtype.kind in "fc":
        tol = dict(rtol=4 * (1e-3 if a.dtype.itemsize <= 4 and a.dtype.kind == "f" else 1e-5)
                   if a.dtype.itemsize < 8 or a.dtype == np.complex64 else 1e-11,
                   atol=tol.get("atol", 0))
    if name == "square" and a.dtype.kind == "c" and a.size:
        # re(z*z) = x*x - y*y cancels when |x| ~ |y|; NumPy's SIMD loop fuses one product
        # (FMA) where the CPU has it, so the two agree to a few ulps of |z|**2, not of re
        fin = a[np.isfinite(a)].astype(np.complex128)    # an inf elsewhere must not void it
        mag = float(np.max(np.abs(fin), initial=0.0)) ** 2
        if np.isfinite(mag):
            tol = dict(tol, atol=4 * np.finfo(a.real.dtype).eps * mag)
    check(name, [a], [trnpy.asarray(a)], **tol)


# -- binary ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", BINARY_EXACT + BINARY_MATH)
@settings(max_examples=examples(14))
@given(data=st.data())
def test_binary(backend, name, data):
    bounded = name in BINARY_MATH
    s1, s2 = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3)).input_shapes
    a = data.draw(array_of(shape=s1, bounded=bounded))
    b = data.draw(array_of(shape=s2, bounded=bounded))
    if name in ("pow", "power") and b.dtype.kind in "iu":
        b = np.abs(b) % 12 if data.draw(st.booleans()) else b
    mode = data.draw(st.sampled_from(["aa", "as", "sa"]))
    if mode == "as":
        b = data.draw(scalars(bounded))
    elif mode == "sa":
        a = data.draw(scalars(bounded))
    np_args = [a, b]
    tr_args = [trnpy.asarray(v) if isinstance(v, np.ndarray) else v for v in np_args]
    dts = [np.asarray(v).dtype for v in np_args]
    tol = tolerance(name, dts)
    rdt = np.result_type(*np_args)
    if name == "multiply" and rdt.kind == "c" and np.size(a) and np.size(b):
        # re = ar*br - ai*bi cancels when the products are close; NumPy's SIMD loop fuses
        # one product (FMA) where the CPU has it, so the two agree to a few ulps of |a||b|
        mag = float(np.max(np.abs(np.asarray(a, np.complex128)))
                    * np.max(np.abs(np.asarray(b, np.complex128))))
        if np.isfinite(mag):
            tol = dict(tol, atol=4 * np.finfo(rdt).eps * mag)
    check(name, np_args, tr_args, **tol)


# -- special values, exhaustively on the dtype pairs that matter -----------------------
FLOAT_SPECIAL = np.array(SPECIAL + [-1.5, 7.0, -7.0, 3.0], dtype=np.float64)


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "divide", "copysign",
                                  "hypot", "logaddexp", "logaddexp2", "maximum", "minimum",
                                  "fmax", "fmin", "nextafter", "pow", "heaviside", "atan2",
                                  "multiply", "add", "subtract", "less", "greater_equal"])
@pytest.mark.parametrize("dt", ["float16", "float32", "float64"])
def test_binary_special_values(backend, name, dt):
    v = FLOAT_SPECIAL.astype(dt)
    a, b = v[:, None], v[None, :]
    check(name, [a, b], [trnpy.asarray(a), trnpy.asarray(b)],
          **({} if name not in ("logaddexp", "logaddexp2", "pow", "atan2") else
             dict(rtol=2e-3 if dt == "float16" else 1e-6)))


@pytest.mark.parametrize("name", UNARY_EXACT + UNARY_MATH)
@pytest.mark.parametrize("dt", ["float16", "float32", "float64"])
def test_unary_special_values(backend, name, dt):
    a = FLOAT_SPECIAL.astype(dt)
    if name in UNARY_MATH:
        a = a[np.abs(a) < 1e4]
    check(name, [a], [trnpy.asarray(a)], rtol=None if name not in UNARY_MATH else
          (4e-3 if dt == "float16" else 1e-6 if dt == "float32" else 1e-12))


INT_EDGE = {dt: np.array(sorted({np.iinfo(dt).min, np.iinfo(dt).max, 0, 1, 2, 3, 7,
                                  np.iinfo(dt).max // 2, np.iinfo(dt).max - 1}
                                 | ({-1, -2, -3, -7, np.iinfo(dt).min + 1}
                                    if np.dtype(dt).kind == "i" else set())), dtype=dt)
            for dt in ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]}


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "maximum", "minimum",
                                  "less", "less_equal", "greater", "greater_equal", "equal",
                                  "left_shift", "right_shift", "power", "multiply", "add",
                                  "subtract", "gcd", "lcm", "reciprocal", "sign", "abs",
                                  "negative", "invert", "square", "ceil", "trunc"])
@pytest.mark.parametrize("dt", list(INT_EDGE))
def test_integer_edges(backend, name, dt):
    v = INT_EDGE[dt]
    if np_func(name).nin == 1:
        check(name, [v], [trnpy.asarray(v)])
        return
    a, b = v[:, None], v[None, :]
    if name in ("left_shift", "right_shift"):
        b = np.array([0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65], dtype=dt if dt != "int8"
                     else "int16").astype(dt)[None, :]
        if np.dtype(dt).kind == "i":
            b = np.concatenate([b, np.array([[-1, -8]], dtype=dt)], axis=1)
    if name == "power":
        b = np.abs(b) % 70 if np.dtype(dt).kind == "i" else b
    check(name, [a, b], [trnpy.asarray(a), trnpy.asarray(b)])


def test_mixed_int64_uint64_comparisons(backend):
    a = np.array([-1, 0, 5, 2 ** 62, -2 ** 63], dtype=np.int64)[:, None]
    b = np.array([0, 5, 2 ** 63, 2 ** 64 - 1], dtype=np.uint64)[None, :]
    for name in ["less", "less_equal", "greater", "greater_equal", "equal", "not_equal"]:
        check(name, [a, b], [trnpy.asarray(a), trnpy.asarray(b)])
        check(name, [b, a], [trnpy.asarray(b), trnpy.asarray(a)])


@pytest.mark.parametrize("dt", ["uint8", "int8", "int64", "uint64"])
def test_out_of_range_python_int(backend, dt):
    x = np.array([0, 1, 100], dtype=dt)
    for v in [300, -1, 2 ** 64, -2 ** 70]:
        for name in ["less", "greater_equal", "equal", "not_equal", "add"]:
            check(name, [x, v], [trnpy.asarray(x), v])
            check(name, [v, x], [v, trnpy.asarray(x)])


def test_nep50_weak_scalars(backend):
    x = trnpy.asarray(np.array([1, 2], np.int8))
    assert (x + 1).dtype == np.int8
    assert (1 + x).dtype == np.int8
    assert (x * 1.5).dtype == np.float64
    assert (trnpy.asarray(np.array([1.0], np.float32)) + 1.0).dtype == np.float32
    assert (trnpy.asarray(np.array([1.0], np.float32)) + 1j).dtype == np.complex64
    with pytest.raises(OverflowError):
        trnpy.asarray(np.array([1], np.uint8)) + 300


@pytest.mark.parametrize("name,bad", [("subtract", [True, False]), ("negative", [True]),
                                      ("positive", [True]), ("sign", [True])])
def test_bool_arithmetic_errors(backend, name, bad):
    a = np.array(bad)
    args = [a, a][:np_func(name).nin]
    with pytest.raises(TypeError):
        np_func(name)(*args)
    with pytest.raises(TypeError):
        getattr(trnpy, name)(*[trnpy.asarray(v) for v in args])
    check("add", [a, a], [trnpy.asarray(a)] * 2)
    check("multiply", [a, a], [trnpy.asarray(a)] * 2)


def test_integer_negative_power_raises(backend):
    x = trnpy.asarray(np.array([2, 3]))
    with pytest.raises(ValueError, match="negative integer powers"):
        x ** -1
    with pytest.raises(ValueError):
        trnpy.power(x, trnpy.asarray(np.array([1, -2])))
    assert_matches(x ** 2, np.array([4, 9]))
    assert_matches(trnpy.asarray(np.array([2], np.uint64)) ** trnpy.asarray(
        np.array([2 ** 63 + 1], np.uint64)), np.array([0], np.uint64))


def test_integer_division_by_zero_warns(backend):
    x = trnpy.asarray(np.array([5, -5, 0], np.int32))
    for f in (trnpy.floor_divide, trnpy.remainder, trnpy.fmod):
        with pytest.warns(RuntimeWarning):
            r = f(x, 0)
        assert_matches(r, np.zeros(3, np.int32))


def test_complex_functions(backend):
    z = np.array([1 + 2j, -1 + 0j, -1 - 0j, 0j, -0.5 + 1e-3j, 2 - 3j, 1e-8 + 1e-8j, -4 + 0j,
                  complex(0, -0.0), 3 + 4j], dtype=np.complex128)
    for name in ["log", "log2", "log10", "log1p", "sqrt", "exp", "expm1", "sign", "reciprocal",
                 "square", "abs", "conj", "arccos", "arcsin", "arctan", "arccosh", "arcsinh",
                 "arctanh", "sin", "cos", "tan", "sinh", "cosh", "tanh", "isnan", "rint",
                 "ceil", "floor", "trunc", "negative"]:
        for dt in ("complex64", "complex128"):
            a = z.astype(dt)
            if name in ("ceil", "floor", "trunc"):
                continue        # NumPy has no complex loop: check raises alike
            check(name, [a], [trnpy.asarray(a)],
                  rtol=1e-5 if dt == "complex64" else 1e-12, atol=1e-7)
    w = np.array([complex(np.inf, 1), complex(np.nan, 0), complex(np.inf, np.inf),
                  complex(1, -np.inf), complex(np.inf, np.nan), 0j, 3 + 4j])
    check("sign", [w], [trnpy.asarray(w)])
    check("reciprocal", [w], [trnpy.asarray(w)])
    a, b = w[:, None], w[None, :]
    for name in ["divide", "multiply", "add", "maximum", "minimum", "fmax", "fmin", "less",
                 "greater_equal", "equal"]:
        check(name, [a, b], [trnpy.asarray(a), trnpy.asarray(b)])
    p = np.array([0j, 1 + 1j, -2 + 0.5j, 1.5 - 2j])
    e = np.array([0j, 1 + 0j, 2 + 0j, 3 + 0j, -2 + 0j, 0.5 + 0j, 1j, -1.5 + 2j, 7 + 0j])
    check("power", [p[:, None], e[None, :]], [trnpy.asarray(p[:, None]),
                                              trnpy.asarray(e[None, :])], rtol=1e-12)


def test_round(backend):
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.2345, -1.255, 1e300, np.nan, np.inf, 12345.678])
    for dt in ("float16", "float32", "float64"):
        a = x.astype(dt)
        for d in (0, 1, 2, -1, -2):
            assert_matches(trnpy.round(trnpy.asarray(a), decimals=d), np.round(a, d))
            assert_matches(trnpy.around(trnpy.asarray(a), d), np.around(a, d))
    i = np.array([15, 25, -15, 127, -128, 0], np.int8)
    for d in (0, 2, -1, -2):
        assert_matches(trnpy.round(trnpy.asarray(i), d), np.round(i, d))
    z = np.array([1.25 + 2.35j, -0.5 - 1.5j])
    assert_matches(trnpy.round(trnpy.asarray(z), 1), np.round(z, 1))
    assert_matches(trnpy.round(trnpy.asarray(np.array([True]))), np.round(np.array([True])))
    with pytest.raises(TypeError):
        trnpy.round(trnpy.asarray(np.array([True])), 1)
    out = trnpy.asarray(np.zeros(3))
    trnpy.round(trnpy.asarray(np.array([0.5, 1.26, 2.5])), 1, out=out)
    assert_matches(out, np.round(np.array([0.5, 1.26, 2.5]), 1))


def test_clip(backend):
    a = np.array([-5, 0, 3, 10, 127], np.int8)
    x = trnpy.asarray(a)
    assert_matches(trnpy.clip(x, 0, 5), np.clip(a, 0, 5))
    assert_matches(trnpy.clip(x, min=1), np.clip(a, min=1))
    assert_matches(trnpy.clip(x, max=2), np.clip(a, max=2))
    assert_matches(trnpy.clip(x), np.clip(a))
    assert_matches(trnpy.clip(x, -1000, 1000), np.clip(a, -1000, 1000))
    assert_matches(trnpy.clip(x, a_min=0, a_max=3), np.clip(a, a_min=0, a_max=3))
    assert_matches(trnpy.clip(x, 0, 2.5), np.clip(a, 0, 2.5))
    f = np.array([np.nan, -1.0, 0.5, 3.0, np.inf])
    lo, hi = np.array([0.0, np.nan, 0.0, 0.0, 0.0]), np.array([1.0, 1.0, np.nan, 2.0, 2.0])
    assert_matches(trnpy.clip(trnpy.asarray(f), trnpy.asarray(lo), trnpy.asarray(hi)),
                   np.clip(f, lo, hi))
    u = np.array([0, 2 ** 63, 2 ** 64 - 1], np.uint64)
    assert_matches(trnpy.clip(trnpy.asarray(u), np.uint64(5), np.uint64(2 ** 63 + 7)),
                   np.clip(u, np.uint64(5), np.uint64(2 ** 63 + 7)))
    with pytest.raises(ValueError):
        trnpy.clip(x, 0, 1, a_min=0, a_max=1)
    out = trnpy.asarray(np.zeros(5, np.int8))
    assert trnpy.clip(x, 0, 5, out=out) is out
    assert_matches(out, np.clip(a, 0, 5))


def test_real_imag(backend):
    z = np.array([1 + 2j, -3.5 - 0j], np.complex64)
    assert_matches(trnpy.real(trnpy.asarray(z)), np.real(z))
    assert_matches(trnpy.imag(trnpy.asarray(z)), np.imag(z))
    r = np.array([1.0, 2.0])
    assert_matches(trnpy.real(trnpy.asarray(r)), np.real(r))
    assert_matches(trnpy.imag(trnpy.asarray(r)), np.imag(r))
    assert_matches(trnpy.conj(trnpy.asarray(r)), np.conj(r))
    i = np.array([1, 2], np.int16)
    assert_matches(trnpy.conj(trnpy.asarray(i)), np.conj(i))
    assert_matches(trnpy.imag(trnpy.asarray(i)), np.imag(i))


def test_nextafter_spacing_float16(backend):
    a = np.array([0.0, -0.0, 1.0, 65504.0, np.inf, np.nan, 6e-8], np.float16)
    b = np.array([1.0, -1.0, 0.0, np.inf, 0.0, 1.0, -1.0], np.float16)
    assert_matches(trnpy.nextafter(trnpy.asarray(a), trnpy.asarray(b)), np.nextafter(a, b))
    with np.errstate(all="ignore"):
        assert_matches(trnpy.spacing(trnpy.asarray(a)), np.spacing(a))


def test_ldexp(backend):
    m = np.array([0.5, 3.0, 5e-324, 1.7e308, -1.0, 0.75, np.inf, np.nan, -0.0, 1.0])
    e = np.array([3, -1080, 1100, 1, -1074, -1074, 4, 2, 5, 1023])
    for dt in ("float16", "float32", "float64"):
        for edt in ("int32", "int64"):
            with np.errstate(all="ignore"):
                check("ldexp", [m.astype(dt), e.astype(edt)],
                      [trnpy.asarray(m.astype(dt)), trnpy.asarray(e.astype(edt))])


# -- out=, where=, dtype= ----------------------------------------------------------------
def test_out_where_dtype(backend):
    a = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], np.float32)
    b = np.array([0.5, 2.0, -1.0], np.float32)
    x, y = trnpy.asarray(a), trnpy.asarray(b)
    out = trnpy.asarray(np.full((2, 3), 7.0))
    r = trnpy.add(x, y, out=out)
    assert r is out
    assert_matches(out, (a + b).astype(np.float64))
    out = trnpy.asarray(np.full((2, 3), 7.0, np.float32))
    mask = np.array([True, False, True])
    trnpy.multiply(x, y, out=out, where=trnpy.asarray(mask))
    exp = np.full((2, 3), 7.0, np.float32)
    np.multiply(a, b, out=exp, where=mask)
    assert_matches(out, exp)
    out = trnpy.asarray(np.zeros((2, 3), np.float32))
    trnpy.sin(x, out)                           # positional out
    assert_matches(out, np.sin(a))
    assert_matches(trnpy.add(trnpy.asarray(np.array([100], np.int8)),
                             trnpy.asarray(np.array([100], np.int8)), dtype="int16"),
                   np.add(np.array([100], np.int8), np.array([100], np.int8), dtype="int16"))
    assert_matches(trnpy.divide(x, y, dtype=np.float64), np.divide(a, b, dtype=np.float64))
    # the loop is int8 and then cast into a float out, as in NumPy
    o = trnpy.asarray(np.zeros(1, np.float32))
    trnpy.add(trnpy.asarray(np.array([100], np.int8)), trnpy.asarray(np.array([100], np.int8)),
              out=o)
    assert_matches(o, np.array([-56.0], np.float32))
    with pytest.raises(TypeError):
        trnpy.add(x, y, out=trnpy.asarray(np.zeros((2, 3), np.int32)))
    with pytest.raises(ValueError):
        trnpy.add(x, y, out=trnpy.asarray(np.zeros((3,), np.float32)))
    with pytest.raises(TypeError):
        trnpy.add(x, y, out=np.zeros((2, 3), np.float32))


# -- operators -------------------------------------------------------------------------
BIN_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
           operator.mod, operator.pow, operator.and_, operator.or_, operator.xor,
           operator.lshift, operator.rshift, operator.lt, operator.le, operator.gt,
           operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", BIN_OPS, ids=lambda o: o.__name__)
@pytest.mark.parametrize("dt", ["int16", "uint8", "float32", "bool", "complex64"])
def test_operators(backend, op, dt):
    a = np.array([[3, 1, 0], [2, 5, 7]]).astype(dt)
    b = np.array([2, 1, 3]).astype(dt)
    for lhs, rhs in [(a, b), (a, 2), (3, b), (a, 1.5), (2.5, a), (a, True)]:
        if op is operator.pow and dt == "bool" and type(rhs) is int and rhs == 2:
            continue    # NumPy's ndarray.__pow__ turns bool ** 2 into square (int8): _array.py
        tl = trnpy.asarray(lhs) if isinstance(lhs, np.ndarray) else lhs
        tr = trnpy.asarray(rhs) if isinstance(rhs, np.ndarray) else rhs
        cm = _quiet()
        try:
            with np.errstate(all="ignore"):
                try:
                    expected = op(lhs, rhs)
                except Exception as e:
                    with pytest.raises(TypeError if isinstance(e, TypeError) else type(e)):
                        op(tl, tr)
                    continue
                actual = op(tl, tr)
        finally:
            cm.__exit__(None, None, None)
        assert_matches(actual, expected)


@pytest.mark.parametrize("dt", ["int16", "uint8", "float32", "bool", "complex64", "uint64"])
def test_unary_operators(backend, dt):
    a = np.array([3, 1, 0, 2]).astype(dt)
    x = trnpy.asarray(a)
    for op in (operator.neg, operator.pos, operator.abs, operator.invert):
        try:
            expected = op(a)
        except TypeError:
            with pytest.raises(TypeError):
                op(x)
            continue
        assert_matches(op(x), expected)


@pytest.mark.parametrize("iop,op", [(operator.iadd, "add"), (operator.isub, "sub"),
                                    (operator.imul, "mul"), (operator.itruediv, "truediv"),
                                    (operator.ifloordiv, "floordiv"), (operator.imod, "mod"),
                                    (operator.ipow, "pow"), (operator.iand, "and"),
                                    (operator.ior, "or"), (operator.ixor, "xor"),
                                    (operator.ilshift, "lshift"), (operator.irshift, "rshift")],
                         ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("dt", ["int32", "float32", "uint16", "bool"])
def test_inplace(backend, iop, op, dt):
    for other in (2, 1.5, np.array([1, 2, 3]).astype(dt), np.array([1.0, 2.0, 3.0])):
        a = np.array([4, 5, 6]).astype(dt)
        x = trnpy.asarray(a.copy())
        before = x._t
        tother = trnpy.asarray(other) if isinstance(other, np.ndarray) else other
        try:
            with np.errstate(all="ignore"):
                iop(a, other)
        except Exception as e:
            with pytest.raises(TypeError if isinstance(e, TypeError) else type(e)):
                iop(x, tother)
            assert_matches(x, np.array([4, 5, 6]).astype(dt))   # left untouched
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = iop(x, tother)
        assert y is x and x._t is before
        assert_matches(x, a)


def test_inplace_int_plus_float_raises(backend):
    x = trnpy.asarray(np.array([1, 2, 3]))
    with pytest.raises(TypeError):
        x += 1.5
    assert_matches(x, np.array([1, 2, 3]))


# -- identities, names, aliases -------------------------------------------------------------
def test_aliases_and_attributes():
    assert trnpy.absolute is trnpy.abs and trnpy.arccos is trnpy.acos
    assert trnpy.power is trnpy.pow and trnpy.invert is trnpy.bitwise_invert
    assert trnpy.bitwise_not is trnpy.bitwise_invert and trnpy.mod is trnpy.remainder
    assert trnpy.true_divide is trnpy.divide and trnpy.conjugate is trnpy.conj
    assert trnpy.left_shift is trnpy.bitwise_left_shift
    assert trnpy.around is trnpy.round
    assert trnpy.add.identity == 0 and trnpy.multiply.identity == 1
    assert trnpy.add.nin == 2 and trnpy.sin.nout == 1
    for name in trnpy._elementwise.__all__:
        assert hasattr(trnpy, name), name


def test_mixed_devices_raise(emulated_neuron):
    x = trnpy.asarray(np.ones(3, np.float32))
    y = trnpy.asarray(np.ones(3, np.float32), device=emulated_neuron)
    with pytest.raises(ValueError, match="different devices"):
        x + y


# -- emulated neuron -------------------------------------------------------------------------
def test_emulated_neuron_float32(emulated_neuron):
    a = np.array([[1.5, -2.25, 0.0, np.inf], [np.nan, -0.0, 7.0, -3.0]], np.float32)
    b = np.array([2.0, -0.5, 3.0, 1.0], np.float32)
    x = trnpy.asarray(a, device=emulated_neuron)
    y = trnpy.asarray(b, device=emulated_neuron)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ["add", "multiply", "divide", "floor_divide", "remainder", "maximum",
                     "hypot", "logaddexp", "atan2", "less", "copysign"]:
            r = getattr(trnpy, name)(x, y)
            assert r.device == emulated_neuron
            assert_matches(r, np_func(name)(a, b))
        for name in ["sin", "exp", "log", "sqrt", "floor", "sign", "abs", "tanh"]:
            r = getattr(trnpy, name)(x)
            assert r.device == emulated_neuron
            assert_matches(r, np_func(name)(a))
        assert_matches(x + 1.0, a + 1.0)           # weak Python float keeps float32
        assert_matches(2.0 * x, 2.0 * a)
        assert_matches(trnpy.round(x, 1), np.round(a, 1))
    i = trnpy.asarray(np.array([1, 2]), device=emulated_neuron)
    with pytest.raises(TypeError, match="float64"):
        i / i                                      # int64 / int64 loop is float64


@pytest.mark.cuda
@pytest.mark.parametrize("dt", [np.complex64, np.complex128])
def test_cuda_complex_sqrt_branch_values(dt):
    """CUDA's csqrt leaves -4e-8 where NumPy has an exact 0 (sqrt(-1+0j)); trnpy's CUDA
    path matches NumPy on the axes, at huge and tiny magnitudes and on non-finite input."""
    info = np.finfo(dt)
    v = np.array([0.0, -0.0, 1.0, -1.0, 4.0, -4.0, info.max, -info.max, info.smallest_subnormal,
                  -info.smallest_subnormal, info.tiny, np.inf, -np.inf, np.nan], dtype=info.dtype)
    z = (v[:, None] + 1j * v[None, :]).astype(dt).ravel()
    with np.errstate(all="ignore"):
        expected = np.sqrt(z)
    actual = trnpy.sqrt(trnpy.asarray(z, device="cuda"))
    assert_matches(actual, expected, rtol=4 * info.eps, check_sign_of_zero=True)
