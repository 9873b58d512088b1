"""Differential tests (NumPy is the oracle) for trnpy._polynomial, on both CPU backends."""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import trnpy
from _helpers import arrays, check as _check, examples
from conftest import NUMERIC_DTYPES, assert_matches, to_np

# polynomial functions may return NumPy scalars where NumPy does
check = functools.partial(_check, numpy_scalars=True)


# ---------------------------------------------------------------------------
COEF = [np.dtype(d) for d in ("float64", "float32", "int64", "int8", "complex128")]


@given(p=arrays(COEF, min_dims=1, max_dims=1, max_side=5, finite=True),
       x=arrays([np.dtype("float64"), np.dtype("int32"), np.dtype("float32")], max_dims=2,
                finite=True))
def test_polyval(backend, p, x):
    check("polyval", p, x, rtol=1e-3 if np.result_type(p, x).itemsize <= 8 else 1e-9,
          atol=1e-3)


@given(x=arrays(NUMERIC_DTYPES, min_dims=1, max_dims=1, max_side=5, finite=True),
       N=st.sampled_from([None, 0, 1, 3]), inc=st.booleans())
def test_vander(backend, x, N, inc):
    check("vander", x, N, inc, rtol=1e-3 if x.dtype.kind in "fc" else None,
          atol=1e-3 if x.dtype.kind == "c" else 0.0)   # complex products round differently


@settings(max_examples=examples(30))
@given(p=arrays([np.dtype("float64"), np.dtype("int64")], min_dims=1, max_dims=1, max_side=5,
                finite=True))
def test_roots_poly(backend, p):
    nz = np.abs(p[p != 0]).astype(np.float64)
    # coefficients spanning many decades make the companion matrix's eigenvalues
    # ill-conditioned: two eigen solvers (even two LAPACK builds) disagree far beyond 1e-6
    assume(nz.size == 0 or nz.max() / nz.min() < 1e8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exp = np.roots(p)
        except Exception as e:            # noqa: BLE001
            with pytest.raises(type(e)):
                trnpy.roots(trnpy.asarray(p))
            return
        got = trnpy.roots(trnpy.asarray(p))
    assert got.dtype == exp.dtype and got.shape == exp.shape
    g = trnpy.asnumpy(got)
    for r in exp:                          # same multiset of roots, any order
        assert np.min(np.abs(g - r)) <= 1e-6 * max(1, abs(r)) or not np.isfinite(r)
    check("poly", np.array([1.0, -2.0, 3.0]))
    check("poly", np.array([1j, -1j, 2]))
    check("poly", np.array([[1.0, 2.0], [3.0, 4.0]]), rtol=1e-9)
    check("poly", np.array([1, 2, 3], np.int32))


@given(p=arrays(COEF, min_dims=1, max_dims=1, max_side=5, finite=True),
       q=arrays(COEF, min_dims=1, max_dims=1, min_side=1, max_side=4, finite=True),
       m=st.sampled_from([0, 1, 2]))
def test_arith_calculus(backend, p, q, m):
    rtol = 1e-4
    check("polyadd", p, q, rtol=rtol)
    check("polysub", p, q, rtol=rtol)
    if p.size:
        check("polymul", p, q, rtol=rtol, atol=1e-3)
        check("polyder", p, m, rtol=rtol)
        check("polyint", p, m, rtol=rtol)
        check("polyint", p, m, k=[1.0, 2.0], rtol=rtol)
    if q.size and q[0] != 0 and p.size and np.all(np.abs(q) < 1e3) and abs(q[0]) > 1e-3:
        _check_polydiv(p, q)


def _check_polydiv(p, q):
    """polydiv against NumPy. Its remainder drops leading terms within 1e-8 of zero, and
    near that line rounding decides (NumPy's SIMD loops may fuse multiply-adds): compare
    the remainders right-aligned, with a tolerance scaled to the cancellation's size."""
    eq, er = np.polydiv(p, q)
    gq, gr = trnpy.polydiv(trnpy.asarray(p), trnpy.asarray(q))
    growth = max(1.0, np.abs(q).max() / abs(q[0])) ** len(p)
    noise = 100 * np.finfo(np.float64).eps * max(1.0, np.abs(p).max()) * growth
    assert_matches(gq, eq, rtol=1e-6, atol=max(1e-6, noise))
    gr = to_np(gr)
    assert gr.dtype == er.dtype and gr.ndim == 1
    k = max(len(gr), len(er))
    pad = [np.concatenate([np.zeros(k - len(r), r.dtype), r]) for r in (gr, er)]
    np.testing.assert_allclose(pad[0], pad[1], rtol=1e-6, atol=max(1e-6, noise))


@settings(max_examples=examples(30))
@given(n=st.integers(2, 12), deg=st.integers(0, 4), weighted=st.booleans(),
       two=st.booleans(), full=st.booleans(), cov=st.sampled_from([False, True, "unscaled"]))
def test_polyfit(backend, n, deg, weighted, two, full, cov):
    rng = np.random.default_rng(n * 10 + deg)
    x = np.linspace(-1, 2, n)
    y = rng.normal(size=(n, 2) if two else n)
    w = np.linspace(0.5, 1.5, n) if weighted else None
    if full:
        cov = False
    if cov and n <= deg + 1:
        # rank-deficient normal matrix: NumPy's inv answers noise or raises; trnpy raises
        return
    check("polyfit", x, y, deg, w=w, full=full, cov=cov, rtol=1e-6, atol=1e-8)


def test_polyfit_errors(backend):
    check("polyfit", np.ones((2, 2)), np.ones(2), 1)
    check("polyfit", np.ones(3), np.ones(2), 1)
    check("polyfit", np.ones(3), np.ones(3), -1)
    with pytest.warns(np.exceptions.RankWarning):
        trnpy.polyfit(trnpy.asarray([1.0, 1.0, 1.0]), trnpy.asarray([1.0, 2.0, 3.0]), 2)


def _same(p, e):
    assert isinstance(p, trnpy.poly1d)
    assert_matches(p.coeffs, e.coeffs, rtol=1e-9)


def test_poly1d(backend):
    c = [1.0, -2.0, 3.0]
    p, e = trnpy.poly1d(c), np.poly1d(c)
    assert repr(p) == repr(e)
    assert str(p) == str(e)
    assert p.order == e.order and len(p) == len(e) and p.variable == e.variable
    for op in (lambda a: a + a, lambda a: a - 1, lambda a: 2 * a, lambda a: a * a,
               lambda a: a ** 3, lambda a: -a, lambda a: a.deriv(), lambda a: a.integ(2, k=1),
               lambda a: a / 2, lambda a: 1 + a, lambda a: 3 - a):
        _same(op(p), op(e))
    assert_matches(p(trnpy.asarray([0.5, 2])), e(np.array([0.5, 2])))
    assert_matches(p(2.0), np.asarray(e(2.0)))
    g = np.sort_complex(trnpy.asnumpy(p.roots))
    np.testing.assert_allclose(g, np.sort_complex(e.roots))
    q, r = p / trnpy.poly1d([1.0, 1.0])
    qe, re_ = e / np.poly1d([1.0, 1.0])
    _same(q, qe)
    _same(r, re_)
    assert p == trnpy.poly1d(c) and p != trnpy.poly1d([1.0])
    assert_matches(trnpy.poly1d([0, 0, 1.0, 2]).coeffs, np.poly1d([0, 0, 1.0, 2]).coeffs)
    _same(trnpy.poly1d([1.0, 2.0], r=True), np.poly1d([1.0, 2.0], r=True))
    assert p[0] == e[0] and p[2] == e[2] and p[5] == e[5]
    _same(trnpy.polyder(p), np.polyder(e))
    _same(trnpy.polyadd(p, [1.0]), np.polyadd(e, [1.0]))
    with pytest.raises(ValueError):
        p ** -1
    with pytest.raises(ValueError):
        trnpy.poly1d(np.ones((2, 2)))


def test_neuron_float32(emulated_neuron):
    c = np.array([1.0, -2.0, 3.0], np.float32)
    x = np.linspace(0, 1, 5).astype(np.float32)
    tc = trnpy.asarray(c, device=emulated_neuron)
    tx = trnpy.asarray(x, device=emulated_neuron)
    r = trnpy.polyval(tc, tx)
    assert r.device == emulated_neuron
    assert_matches(r, np.polyval(c, x), rtol=1e-6)
    assert_matches(trnpy.polymul(tc, tc), np.polymul(c, c))
    with pytest.raises(TypeError):
        trnpy.vander(tx, 3)                 # NumPy's vander of float32 is float64
    with pytest.raises(TypeError):
        trnpy.polyder(tc)                   # float32 * int64 arange is float64 in NumPy
    r = trnpy.roots(tc)                     # NumPy's roots keep float32 coefficients' dtype
    assert r.dtype == np.roots(c).dtype and r.device == emulated_neuron
    np.testing.assert_allclose(np.sort_complex(trnpy.asnumpy(r)), np.sort_complex(np.roots(c)),
                               rtol=1e-5)
