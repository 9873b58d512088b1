"""Differential tests (NumPy is the oracle) for trnpy._statistics, on both backends."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import arrays, check, examples
from conftest import NUMERIC_DTYPES, assert_matches


# ---------------------------------------------------------------------------
AXES = st.sampled_from([None, 0, -1, (0, 1)])


def _axis_ok(a, axis):
    if axis is None:
        return True
    axes = axis if isinstance(axis, tuple) else (axis,)
    return all(-a.ndim <= x < a.ndim for x in axes)


METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf",
           "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
           "hazen", "weibull", "median_unbiased", "normal_unbiased"]
QDT = [d for d in NUMERIC_DTYPES if d.kind != "c"]


@settings(max_examples=examples(60))
@given(a=arrays(QDT, max_side=4), axis=AXES, method=st.sampled_from(METHODS),
       q=st.sampled_from([0.0, 0.5, 1.0, 0.3, [0.1, 0.9], [1.0, 0.0, 0.25]]),
       keepdims=st.booleans(), nan=st.booleans(),
       pct=st.booleans())
def test_quantile_percentile(backend, a, axis, method, q, keepdims, nan, pct):
    if not _axis_ok(a, axis):
        axis = None
    name = ("nan" if nan else "") + ("percentile" if pct else "quantile")
    qq = np.multiply(q, 100).tolist() if pct else q
    rtol = 5e-3 if a.dtype == np.float16 else 1e-5 if a.dtype == np.float32 else 1e-9
    check(name, a, qq, axis=axis, method=method, keepdims=keepdims, rtol=rtol, atol=1e-12)


@settings(max_examples=examples(25))
@given(a=arrays([np.dtype("float64"), np.dtype("int32")], min_dims=1, max_dims=2, min_side=1,
                max_side=5), q=st.sampled_from([0.0, 0.5, [0.2, 1.0]]))
def test_quantile_weights(backend, a, q):
    w = (np.arange(a.size).reshape(a.shape) % 3 + 1).astype(np.float64)
    check("quantile", a, q, axis=-1, method="inverted_cdf", weights=w)
    check("quantile", a, q, axis=-1, method="linear", weights=w)     # ValueError


def test_quantile_errors(backend):
    check("quantile", np.arange(3.0), 1.5)
    check("percentile", np.arange(3.0), -1)
    check("quantile", np.arange(3.0), 0.5, method="nope")
    check("quantile", np.arange(3.0), np.array([0.5], np.float32))
    check("quantile", np.arange(3.0), [[0.5]])
    check("quantile", np.zeros(0), 0.5)


@settings(max_examples=examples(50))
@given(a=arrays(NUMERIC_DTYPES, max_side=4), axis=AXES, keepdims=st.booleans(),
       f=st.sampled_from(["median", "nanmedian"]))
def test_median(backend, a, axis, keepdims, f):
    if not _axis_ok(a, axis):
        axis = None
    if a.dtype.kind == "c" and f == "nanmedian":
        return
    rtol = 5e-3 if a.dtype == np.float16 else None
    check(f, a, axis=axis, keepdims=keepdims, rtol=rtol)


NANRED = ["nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax",
          "nanargmin", "nanargmax"]


@settings(max_examples=examples(80))
@given(a=arrays(NUMERIC_DTYPES, max_side=4), axis=AXES, f=st.sampled_from(NANRED),
       keepdims=st.booleans())
def test_nan_reductions(backend, a, axis, f, keepdims):
    if not _axis_ok(a, axis) or (f.startswith("nanarg") and isinstance(axis, tuple)):
        axis = None
    kw = dict(axis=axis, keepdims=keepdims)
    if f == "nanprod" and a.dtype.kind == "c":
        # complex overflow rounds differently in torch's multiply
        a = np.where(np.isnan(a) | (np.abs(a) < 10), a, 1).astype(a.dtype)
    rtol = None
    if f in ("nanprod", "nanvar", "nanstd", "nansum", "nanmean"):
        rtol = 2e-2 if a.dtype in (np.float16,) else 1e-4 if a.dtype.itemsize <= 8 and \
            a.dtype.kind in "fc" else None
    check(f, a, rtol=rtol, atol=1e-6, **kw)


@pytest.mark.parametrize("f", NANRED)
def test_nan_reductions_all_nan(backend, f):
    a = np.array([[np.nan, np.nan], [1.0, np.nan]])
    check(f, a, axis=1)
    check(f, a, axis=0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            getattr(trnpy, f)(trnpy.asarray(a), axis=1)
        except ValueError:
            assert f.startswith("nanarg")
            return
    if f in ("nanmean", "nanvar", "nanstd", "nanmin", "nanmax"):
        assert any(issubclass(w.category, RuntimeWarning) for w in rec)


def test_nanvar_ddof_where(backend):
    a = np.array([[1.0, np.nan, 3.0, 4.0], [2.0, 2.5, np.nan, np.nan]])
    check("nanvar", a, axis=1, ddof=1)
    check("nanstd", a, axis=1, ddof=3)
    w = np.array([[True, True, False, True], [True, True, True, True]])
    check("nanvar", a, axis=1, where=w)
    check("nansum", a, axis=1, where=w, initial=1.0)
    check("nanmin", a, axis=1, initial=0.0)


@given(a=arrays(NUMERIC_DTYPES, min_side=1, max_side=4), axis=st.sampled_from([None, 0, -1]),
       weighted=st.booleans(), returned=st.booleans(), keepdims=st.booleans())
def test_average(backend, a, axis, weighted, returned, keepdims):
    if a.ndim == 0 and axis is not None:
        axis = None
    w = None
    if weighted:
        n = a.size if axis is None else a.shape[axis]
        w = np.arange(1, n + 1, dtype=np.float64)
        if axis is None:
            w = w.reshape(a.shape)
    rtol = 1e-2 if a.dtype == np.float16 else 1e-5 if a.dtype.kind in "fc" else None
    check("average", a, axis=axis, weights=w, returned=returned, keepdims=keepdims, rtol=rtol)


def test_average_errors(backend):
    check("average", np.ones((2, 3)), weights=np.ones(3))
    check("average", np.ones((2, 3)), axis=1, weights=np.ones(2))
    check("average", np.ones(3), weights=np.zeros(3))


@given(a=arrays([d for d in NUMERIC_DTYPES], max_side=4), axis=st.sampled_from([None, 0, -1]),
       keepdims=st.booleans())
def test_ptp(backend, a, axis, keepdims):
    if a.ndim == 0 and axis is not None:
        axis = None
    check("ptp", a, axis=axis, keepdims=keepdims)


@settings(max_examples=examples(40))
@given(m=arrays([np.dtype("float64"), np.dtype("int16"), np.dtype("float32"),
                 np.dtype("complex128")], min_dims=1, max_dims=2, min_side=1, max_side=5,
                finite=True),
       rowvar=st.booleans(), bias=st.booleans(), ddof=st.sampled_from([None, 0, 2]),
       weights=st.sampled_from([None, "f", "a", "fa"]), with_y=st.booleans())
def test_cov_corrcoef(backend, m, rowvar, bias, ddof, weights, with_y):
    nobs = m.shape[-1] if (rowvar or m.ndim == 1) else m.shape[0]
    fw = np.arange(1, nobs + 1) if weights and "f" in weights else None
    aw = np.linspace(0.5, 2, nobs) if weights and "a" in weights else None
    y = m * 2 + 1 if with_y else None
    rtol = 1e-4 if m.dtype == np.float32 else 1e-9
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            np.cov(m, y, rowvar=rowvar, bias=bias, ddof=ddof, fweights=fw, aweights=aw)
        except Exception:                 # noqa: BLE001 - check() compares the error
            pass
    dof_gone = any("Degrees of freedom" in str(w.message) for w in caught)
    if not (m.dtype.kind == "c" and dof_gone):
        # (no degrees of freedom: the sums are scaled by inf, and a complex sum's
        # imaginary rounding noise, ±0 or a few ulps, decides between inf and nan)
        check("cov", m, y, rowvar=rowvar, bias=bias, ddof=ddof, fweights=fw, aweights=aw,
              rtol=rtol, atol=1e-9)
    v = m if (rowvar or m.ndim == 1) else m.T
    constant = m.dtype.kind == "c" and np.any(np.ptp(np.atleast_2d(v), axis=-1) == 0)
    if not constant:
        # (a constant complex variable has zero variance only up to the mean's rounding:
        # NumPy's exact mean gives 0/0 = nan, another summation order 1)
        check("corrcoef", m, y, rowvar=rowvar, rtol=rtol, atol=1e-9)


HDT = [np.dtype(d) for d in ("float64", "float32", "int64", "uint8", "int16", "float16")]


@settings(max_examples=examples(60))
@given(a=arrays(HDT, max_side=6), bins=st.sampled_from([1, 3, 10, [0, 1, 2.5, 7],
                                                        "auto", "fd", "sturges", "sqrt",
                                                        "rice", "scott", "doane", "stone"]),
       rng=st.sampled_from([None, (0, 5), (-2.0, 2.0)]), density=st.booleans(),
       weighted=st.sampled_from([None, "f", "i"]))
def test_histogram(backend, a, bins, rng, density, weighted):
    w = None
    if weighted and not isinstance(bins, str):
        w = (np.arange(a.size).reshape(a.shape) % 4).astype("f8" if weighted == "f" else "i4")
    if isinstance(bins, str) and a.dtype.kind == "f" and a.size and \
            np.abs(a[np.isfinite(a)]).max(initial=0.0) > 1e150:
        # NumPy's estimators square the data: above ~1e154 its std overflows and it raises
        # where the torch path (which scales first) still answers
        return
    dev = trnpy.get_default_device()
    if bins in ("doane", "stone") and dev != trnpy.device("cpu"):
        # these estimators run on the CPU only; elsewhere they refuse, naming the device
        try:
            check("histogram", a, bins=bins, range=rng, density=density, weights=w)
        except NotImplementedError as e:
            assert bins in str(e) and str(dev) in str(e)
        return
    check("histogram", a, bins=bins, range=rng, density=density, weights=w, rtol=1e-9)
    check("histogram_bin_edges", a, bins=bins, range=rng)


@settings(max_examples=examples(30))
@given(x=arrays([np.dtype("float64"), np.dtype("int32")], min_dims=1, max_dims=1, max_side=8,
                finite=True),
       bins=st.sampled_from([2, 4, [3, 2], [[0, 1, 5], [-1, 0, 1, 100]]]),
       density=st.booleans(), weighted=st.booleans())
def test_histogram2d_dd(backend, x, bins, density, weighted):
    y = x[::-1] * 0.5
    w = np.linspace(0, 1, x.shape[0]) if weighted else None
    check("histogram2d", x, y, bins=bins, density=density, weights=w, rtol=1e-9)
    sample = np.stack([x, y, x * 2], axis=1)
    b = bins if not isinstance(bins, list) else 3
    check("histogramdd", sample, bins=b, density=density, weights=w, rtol=1e-9)
    check("histogramdd", sample, bins=b, range=[(0, 1), (-1, 2), (0, 10)], rtol=1e-9)


def test_histogram_errors(backend):
    check("histogram", np.arange(3.0), bins=0)
    check("histogram", np.arange(3.0), bins=[3, 1, 2])
    check("histogram", np.arange(3.0), range=(2, 1))
    check("histogram", np.array([1.0, np.inf]))
    check("histogram", np.arange(3.0), bins="nope")
    check("histogram", np.arange(3.0), bins="auto", weights=np.ones(3))


@given(x=arrays([np.dtype(d) for d in ("int64", "int8", "uint8", "uint16", "bool", "int32")],
                min_dims=1, max_dims=1, max_side=10),
       weighted=st.booleans(), minlength=st.sampled_from([0, 5, 300]))
def test_bincount(backend, x, weighted, minlength):
    x = x % 40 if x.dtype != bool else x             # keep the counts array small
    w = np.linspace(-1, 1, x.shape[0]) if weighted else None
    check("bincount", x, w, minlength=minlength, rtol=1e-12)


def test_bincount_errors(backend):
    check("bincount", np.array([1.5, 2.0]))
    check("bincount", np.array([1, -2]))
    check("bincount", np.array([1, 2]), minlength=-1)
    check("bincount", np.array([[1, 2]]))


@given(x=arrays([np.dtype(d) for d in ("float64", "int32", "float32", "uint8")], max_side=5),
       bins=st.sampled_from([[0.0, 1.0, 2.5, 10.0], [10, 5, 0, -3], [1.0], [], [0, 5, 2]]),
       right=st.booleans())
def test_digitize(backend, x, bins, right):
    check("digitize", x, np.array(bins, dtype=np.float64), right=right)


def test_neuron_float32(emulated_neuron):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(5, 6)).astype(np.float32)
    a[1, 2] = np.nan
    ta = trnpy.asarray(a, device=emulated_neuron)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in ("nanmean", "nanstd", "nanmin", "nanmedian", "nansum"):
            r = getattr(trnpy, f)(ta, axis=1)
            assert r.device == emulated_neuron
            assert_matches(r, getattr(np, f)(a, axis=1), rtol=1e-5)
        assert_matches(trnpy.nanquantile(ta, np.float32(0.3), axis=0),
                       np.nanquantile(a, np.float32(0.3), axis=0), rtol=1e-5)
        assert_matches(trnpy.median(ta, axis=0), np.median(a, axis=0), rtol=1e-5)
    b = trnpy.asarray(np.nan_to_num(a), device=emulated_neuron)
    h, e = trnpy.histogram(b, bins=5)
    hn, en = np.histogram(np.nan_to_num(a), bins=5)
    assert_matches(h, hn)
    assert_matches(e, en)
    with pytest.raises(NotImplementedError, match="stone"):
        trnpy.histogram(b, bins="stone")
    h, e = trnpy.histogram(b, bins="auto")
    assert_matches(h, np.histogram(np.nan_to_num(a), bins="auto")[0])
    with pytest.raises(TypeError):
        trnpy.cov(b)                        # NumPy's result is float64
