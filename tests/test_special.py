"""trnpy.special, differential against scipy.special on both CPU backends (the torch path
is what CUDA and the neuron device run)."""
import warnings

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
import trnpy.special as tsp
from _helpers import examples
from conftest import assert_matches, numpy_path

# name -> (number of inputs, strategy bounds for the inputs)
UNARY = {
    "erf": (-6, 6), "erfc": (-6, 26), "erfinv": (-1.2, 1.2), "erfcinv": (-0.2, 2.2),
    "gamma": (-30, 40), "gammaln": (-30, 1e4), "digamma": (-30, 1e4), "expit": (-50, 50),
    "logit": (-0.2, 1.2), "log_ndtr": (-30, 10), "ndtr": (-10, 10), "ndtri": (-0.2, 1.2),
    "entr": (-1, 100), "i0": (-50, 50), "i0e": (-500, 500), "i1": (-50, 50),
    "i1e": (-500, 500), "sinc": (-20, 20), "zeta": (-30, 40),
}
BINARY = {"xlogy": ((-2, 50), (-2, 50)), "xlog1py": ((-2, 50), (-3, 50)),
          "rel_entr": ((-1, 50), (-1, 50)), "betaln": ((0.01, 300), (0.01, 300))}
SPECIAL_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, np.inf, -np.inf, np.nan]
FLOATS = [np.dtype(np.float32), np.dtype(np.float64)]


def tol(name, dt, exp):
    """Relative tolerance: a few ulps, widened where the torch formula is less exact."""
    rt = {np.dtype(np.float16): 2e-3, np.dtype(np.float32): 2e-5,
          np.dtype(np.float64): 1e-12}[np.dtype(dt)]
    if name in ("gamma", "betaln", "polygamma", "zeta"):
        # sign * exp(gammaln) and differences of gammaln: error ~ |gammaln| * eps
        lg = np.nan_to_num(np.abs(sp.gammaln(np.abs(exp.astype(np.float64)) + 2)),
                           posinf=0).max(initial=0)
        rt *= 4 + 4 * lg
    if name in ("i0", "i1", "i0e", "i1e", "digamma", "erfcinv", "ndtri", "log_ndtr",
                "xlog1py", "rel_entr", "logit", "erfinv"):
        rt *= 50
    return rt


def _arr(dt, lo, hi, shape, special=SPECIAL_VALUES):
    el = st.one_of(st.floats(float(np.float32(lo)), float(np.float32(hi)), width=32),
                   st.sampled_from(special))
    return hnp.arrays(dt, shape, elements=el)


def _check(got, exp, name, dt, atol=0.0):
    exp = np.asarray(exp)
    assert_matches(got, exp, rtol=tol(name, dt, exp), atol=atol)


def _call(f, *a, **k):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return f(*a, **k)


@settings(max_examples=examples(15))
@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(backend, name, data):
    dt = data.draw(st.sampled_from(FLOATS))
    lo, hi = UNARY[name]
    x = data.draw(_arr(dt, lo, hi, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                    max_side=5)))
    exp = _call(getattr(sp, name), x)
    got = _call(getattr(tsp, name), trnpy.asarray(x))
    atol = 1e-30 if name in ("zeta", "entr", "gamma") else 0.0
    # results in the subnormal range carry absolute rounding of one subnormal step
    # (i1(1e-45) in float32: x/2 rounds to 0 or to the smallest subnormal)
    atol = max(atol, float(np.finfo(dt).smallest_subnormal))
    if name in ("sinc", "gammaln", "digamma"):  # zeros (sin(pi x), lgamma at 1 and 2,
        atol = 8 * np.finfo(dt).eps              # digamma at 1.46): absolute error ~ eps
    if name == "zeta":          # zeros of the reflection formula: error ~ eps * scale
        atol = 1e3 * np.finfo(dt).eps
    _check(got, exp, name, dt, atol)


@settings(max_examples=examples(15))
@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary(backend, name, data):
    dt = data.draw(st.sampled_from(FLOATS))
    (la, ha), (lb, hb) = BINARY[name]
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                         max_side=4))
    # betaln: SciPy takes limits at the poles (a, b negative integers) where the
    # torch formula gives nan; documented, so only non-negative specials here
    special = [v for v in SPECIAL_VALUES if not v < 0] if name == "betaln" else \
        SPECIAL_VALUES
    x = data.draw(_arr(dt, la, ha, shapes.input_shapes[0], special))
    y = data.draw(_arr(dt, lb, hb, shapes.input_shapes[1], special))
    exp = _call(getattr(sp, name), x, y)
    got = _call(getattr(tsp, name), trnpy.asarray(x), trnpy.asarray(y))
    atol = 1e-300 if dt == np.float64 else 1e-37
    if name == "betaln":
        # lgamma(a) + lgamma(b) - lgamma(a + b) near lgamma's zeros (1, 2): the terms are
        # accurate to an ulp of 1 in absolute terms, not relative to the small result
        atol = 8 * np.finfo(dt).eps
    _check(got, exp, name, dt, atol=atol)


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("dt", ["int32", "uint8", "float16", "bool"])
def test_result_dtypes(backend, name, dt):
    x = np.array([0, 1, 2, 3]).astype(dt)
    exp = _call(getattr(sp, name), x)
    got = _call(getattr(tsp, name), trnpy.asarray(x))
    _check(got, exp, name, exp.dtype, atol=8 * np.finfo(exp.dtype).eps)


def test_python_scalars_are_weak(backend):
    x = trnpy.asarray(np.array([0.5, 2.0], np.float32))
    # scipy.special's ufuncs resolve these to their float64 loops; trnpy follows SciPy
    xn = np.array([0.5, 2.0], np.float32)
    assert_matches(tsp.xlogy(x, 3.0), sp.xlogy(xn, 3.0))
    assert_matches(tsp.xlogy(2, x), sp.xlogy(2, xn))
    assert_matches(tsp.betaln(x, 1), sp.betaln(xn, 1))
    assert_matches(tsp.xlogy(x, x), sp.xlogy(xn, xn))


@settings(max_examples=examples(20))
@given(n=st.sampled_from([0, 1, 2, 3, 5]), data=st.data())
def test_polygamma(backend, n, data):
    dt = data.draw(st.sampled_from(FLOATS))
    x = data.draw(hnp.arrays(dt, hnp.array_shapes(max_dims=2, max_side=4),
                             elements=st.floats(0.0625, 50, width=32)))
    exp = _call(sp.polygamma, n, x)
    got = _call(tsp.polygamma, n, trnpy.asarray(x))
    _check(got, exp, "polygamma", dt)     # computed from float32 digamma / zeta
    narr = np.array([0, 1, 2, 4])
    xs = np.array([0.5, 1.5, -2.5, 7.0], dt)
    _check(_call(tsp.polygamma, trnpy.asarray(narr), trnpy.asarray(xs)),
           _call(sp.polygamma, narr, xs), "polygamma", dt)


@settings(max_examples=examples(20))
@given(data=st.data())
def test_hurwitz_zeta(backend, data):
    dt = data.draw(st.sampled_from(FLOATS))
    x = data.draw(_arr(dt, 0.5, 30, (4,)))
    q = data.draw(_arr(dt, -5, 50, (4,)))
    exp = _call(sp.zeta, x, q)
    got = _call(tsp.zeta, trnpy.asarray(x), trnpy.asarray(q))
    _check(got, exp, "zeta", dt, atol=1e-30)


def _reduce_case(data):
    dt = data.draw(st.sampled_from(FLOATS))
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    el = st.one_of(st.floats(-80, 80, width=32), st.sampled_from([-np.inf, 0.0]))
    x = data.draw(hnp.arrays(dt, shape, elements=el))
    axes = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)
                               if shape else st.none(),
                               st.lists(st.integers(0, max(len(shape) - 1, 0)), unique=True,
                                        min_size=1).map(tuple) if shape else st.none()))
    return dt, x, axes


@settings(max_examples=examples(40))
@given(data=st.data(), keepdims=st.booleans(), return_sign=st.booleans(),
       with_b=st.booleans())
def test_logsumexp(backend, data, keepdims, return_sign, with_b):
    dt, x, axis = _reduce_case(data)
    b = None
    if with_b:
        b = data.draw(hnp.arrays(dt, x.shape, elements=st.floats(-3, 3, width=32)))
        if not return_sign:
            b = np.abs(b)
    exp = _call(sp.logsumexp, x, axis=axis, b=b, keepdims=keepdims,
                return_sign=return_sign)
    got = _call(tsp.logsumexp, trnpy.asarray(x), axis=axis,
                b=None if b is None else trnpy.asarray(b), keepdims=keepdims,
                return_sign=return_sign)
    rt = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}[dt]
    # cancellation in sum(b * exp(a)) with signed b: absolute error ~ eps * max|a|
    atol = 200 * np.finfo(dt).eps * (1 + np.abs(x[np.isfinite(x)]).max(initial=0))
    if return_sign:
        assert_matches(got[0], exp[0], rtol=rt, atol=atol)
        ok = np.isfinite(np.asarray(exp[0]))
        np.testing.assert_array_equal(trnpy.asnumpy(got[1])[ok], np.asarray(exp[1])[ok])
    else:
        assert_matches(got, exp, rtol=rt, atol=atol)


@settings(max_examples=examples(40))
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax(backend, name, data):
    dt, x, axis = _reduce_case(data)
    exp = _call(getattr(sp, name), x, axis=axis)
    got = _call(getattr(tsp, name), trnpy.asarray(x), axis=axis)
    rt = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}[dt]
    assert_matches(got, exp, rtol=rt, atol=rt)


def test_logsumexp_empty(backend):
    x = np.zeros((0, 3))
    for axis in (0, 1):     # SciPy 1.17 raises IndexError for axis=None here (its bug)
        assert_matches(tsp.logsumexp(trnpy.asarray(x), axis=axis),
                       sp.logsumexp(x, axis=axis))
    r = tsp.logsumexp(trnpy.asarray(x), axis=0, return_sign=True)
    e = sp.logsumexp(x, axis=0, return_sign=True)
    assert_matches(r[0], e[0])
    assert_matches(r[1], e[1])


def test_out_and_where(backend):
    x = trnpy.asarray(np.array([0.1, 0.5, 2.0]))
    out = trnpy.asarray(np.zeros(3))
    r = tsp.erf(x, out=out)
    assert r is out
    assert_matches(out, sp.erf(np.array([0.1, 0.5, 2.0])))
    out2 = trnpy.asarray(np.zeros(3))
    assert tsp.zeta(x + 2, out=out2) is out2
    assert_matches(out2, sp.zeta(np.array([2.1, 2.5, 4.0])))


def test_complex(backend):
    z = np.array([0.5 + 1j, -1 + 0.25j], np.complex128)
    if numpy_path(backend):
        assert_matches(tsp.erf(trnpy.asarray(z)), sp.erf(z))
    else:
        with pytest.raises(NotImplementedError, match="erf.*complex"):
            tsp.erf(trnpy.asarray(z))


def test_errors_leave_input(backend):
    x = np.array([1.0, 2.0])
    a = trnpy.asarray(x)
    with pytest.raises(TypeError):
        tsp.erf(a, a, a)
    with pytest.raises(np.exceptions.AxisError):
        tsp.softmax(a, axis=3)
    with pytest.raises(np.exceptions.AxisError):
        tsp.logsumexp(a, axis=3)
    np.testing.assert_array_equal(trnpy.asnumpy(a), x)


def test_names_and_lazy_attribute():
    for n in tsp.__all__:
        assert callable(getattr(tsp, n))
    with pytest.raises(AttributeError):
        tsp.not_a_function


def test_emulated_neuron(emulated_neuron):
    x = np.array([0.1, 0.5, 1.5, 3.0], np.float32)
    a = trnpy.asarray(x, device=emulated_neuron)
    for name in ("erf", "gammaln", "expit", "i0e", "ndtr", "entr", "gamma", "zeta"):
        r = getattr(tsp, name)(a)
        assert r.device == emulated_neuron
        _check(r, getattr(sp, name)(x), name, np.float32, atol=1e-30)
    r = tsp.logsumexp(a)
    assert r.device == emulated_neuron
    assert_matches(r, sp.logsumexp(x), rtol=1e-6)
    r = tsp.softmax(a)
    assert_matches(r, sp.softmax(x), rtol=1e-6)
    with pytest.raises(TypeError, match="float64"):
        tsp.erf(trnpy.asarray(np.array([1, 2], np.int32), device=emulated_neuron))
