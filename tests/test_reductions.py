"""Reductions: differential tests against NumPy on both CPU backends."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches, to_np

SPECIAL = [np.nan, np.inf, -np.inf, -0.0, 0.0]


def elements(dt, bound=None):
    """Hypothesis elements for ``dt``; floats mix bounded values with NaN/inf/-0.0."""
    dt = np.dtype(dt)
    if dt.kind == "f":
        b = bound or float(np.finfo(dt).max)
        return st.one_of(st.floats(-b, b, width=dt.itemsize * 8), st.sampled_from(SPECIAL))
    if dt.kind == "c":
        part = elements(np.dtype(f"f{dt.itemsize // 2}"), bound)
        return st.builds(complex, part, part)
    return hnp.from_dtype(dt)


@st.composite
def arrays(draw, dt, min_dims=0, max_dims=3, min_side=0, max_side=4, bound=None):
    """A NumPy array of dtype ``dt``, sometimes a negative-stride view."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                  max_side=max_side))
    a = draw(hnp.arrays(dt, shape, elements=elements(dt, bound)))
    if a.ndim and draw(st.booleans()):
        a = np.flip(a, axis=draw(st.integers(0, a.ndim - 1)))
    return a


@st.composite
def axes(draw, ndim, allow_tuple=True, allow_none=True):
    opts = [st.integers(-ndim, ndim - 1)] if ndim else []
    if allow_none:
        opts.append(st.none())
    if allow_tuple:
        opts.append(st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim)
                    .map(lambda l: tuple(i - ndim if i % 2 else i for i in l)))
    return draw(st.one_of(*opts))


def np_call(f, *a, **k):
    """NumPy's answer or the exception type it raises."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(*a, **k)
        except Exception as e:      # noqa: BLE001
            return e


def check(f_trn, f_np, a, *args, scale=None, rtol=None, **kw):
    """trnpy ``f_trn`` on ``a`` matches NumPy ``f_np`` (value, dtype, shape, exception).
    ``scale``: NumPy array of an error scale (sum of |x|) for sums in floating point."""
    exp = np_call(f_np, a, *args, **kw)
    x = trnpy.asarray(a)
    if isinstance(exp, Exception):
        with pytest.raises(type(exp)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f_trn(x, *args, **kw)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = f_trn(x, *args, **kw)
    if isinstance(exp, tuple):
        assert_matches(got, exp, rtol=rtol)
        np.testing.assert_array_equal(to_np(x), a)
        return
    exp = np.asarray(exp)
    atol = 0.0
    if scale is not None and exp.dtype.kind in "fc":
        eps = np.finfo(exp.dtype).eps
        s = np.asarray(scale, dtype=np.float64)
        s = s[np.isfinite(s)]
        atol = float(s.max()) * eps * 8 if s.size else 0.0
    assert_matches(got, exp, rtol=rtol, atol=atol)
    np.testing.assert_array_equal(to_np(x), a)          # input untouched


def abs_sum(a, axis, keepdims=False):
    with np.errstate(all="ignore"):
        # (cast first: abs of int64's minimum overflows to a negative scale)
        wide = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
        return np.sum(np.abs(wide), axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_sum_prod(backend, dt, data):
    a = data.draw(arrays(dt, bound=1e4))
    ax = data.draw(axes(a.ndim))
    kd = data.draw(st.booleans())
    check(trnpy.sum, np.sum, a, axis=ax, keepdims=kd, scale=abs_sum(a, ax))
    if dt.kind in "fc":
        with np.errstate(all="ignore"):
            hi = 1 if dt == np.float16 else 2      # see test_cumsum_cumprod
            b = np.clip(a.real, -hi, hi).astype(dt) if dt.kind == "f" else a / 1e4
        # a complex product's parts carry rounding of the order of eps * |product|
        with np.errstate(all="ignore"):
            pscale = np.prod(np.abs(b).astype(np.float64), axis=ax) if dt.kind == "c" else None
        check(trnpy.prod, np.prod, b, axis=ax, keepdims=kd, scale=pscale,
              rtol=1e-2 if dt.itemsize <= 4 else 1e-9)
    else:
        check(trnpy.prod, np.prod, a, axis=ax, keepdims=kd)


@pytest.mark.parametrize("dt", ["int8", "uint8", "float32", "bool", "uint64"])
@settings(max_examples=examples(15))
@given(data=st.data())
def test_sum_prod_dtype_initial_where(backend, dt, data):
    a = data.draw(arrays(np.dtype(dt), min_dims=1, bound=10))
    ax = data.draw(axes(a.ndim))
    dtype = data.draw(st.sampled_from([None, "int8", "int64", "uint16", "float32",
                                       "complex64", "bool"]))
    initial = data.draw(st.sampled_from([None, 0, 3]))
    where = data.draw(st.one_of(st.just(True),
                                hnp.arrays(np.bool_, a.shape[-1:])))
    if dtype in ("int8", "int64", "uint16") and a.dtype.kind == "f":
        # NaN/inf -> int is undefined in C (NumPy warns; x86 gives INT_MIN, CUDA saturates)
        a = np.nan_to_num(a, nan=0.0, posinf=10.0, neginf=-10.0)
    kw = dict(axis=ax, dtype=dtype, where=where)
    if initial is not None:          # NumPy reads initial=None as "no identity"
        kw["initial"] = initial
    check(trnpy.sum, np.sum, a, scale=abs_sum(a, ax), **kw)
    check(trnpy.prod, np.prod, np.clip(a, 0, 2) if dt != "bool" else a, rtol=1e-5, **kw)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_max_min(backend, dt, data):
    a = data.draw(arrays(dt))
    ax = data.draw(axes(a.ndim))
    kd = data.draw(st.booleans())
    for f, g in [(trnpy.max, np.max), (trnpy.min, np.min), (trnpy.amax, np.amax),
                 (trnpy.amin, np.amin)]:
        check(f, g, a, axis=ax, keepdims=kd)


@pytest.mark.parametrize("dt", ["int8", "uint64", "float32", "float64", "bool", "uint32"])
@settings(max_examples=examples(15))
@given(data=st.data())
def test_max_min_initial_where(backend, dt, data):
    a = data.draw(arrays(np.dtype(dt), min_dims=1))
    ax = data.draw(axes(a.ndim))
    initial = data.draw(st.sampled_from([None, 0, 1, 5]))
    where = data.draw(st.one_of(st.just(True), hnp.arrays(np.bool_, a.shape)))
    kw = {} if initial is None else {"initial": initial}
    for f, g in [(trnpy.max, np.max), (trnpy.min, np.min)]:
        check(f, g, a, axis=ax, where=where, **kw)


def test_max_min_empty_raise(backend):
    x = trnpy.asarray(np.zeros((3, 0)))
    for f in (trnpy.max, trnpy.min, trnpy.amax, trnpy.amin):
        with pytest.raises(ValueError, match="zero-size"):
            f(x)
        with pytest.raises(ValueError, match="zero-size"):
            f(x, axis=1)
        assert_matches(f(x, axis=0), np.zeros(0))
        assert_matches(f(x, axis=1, initial=2.0), np.full(3, 2.0))
    with pytest.raises(ValueError, match="initial"):
        trnpy.max(trnpy.asarray([1.0, 2.0]), where=trnpy.asarray([True, False]))


def test_max_nan_and_uint64_order(backend):
    assert_matches(trnpy.max(trnpy.asarray([1.0, np.nan, 3.0])), np.float64(np.nan))
    assert_matches(trnpy.min(trnpy.asarray([np.nan, 1.0])), np.float64(np.nan))
    u = np.array([1, 2 ** 63 + 5, 2 ** 64 - 1, 7], dtype=np.uint64)
    assert_matches(trnpy.max(trnpy.asarray(u)), np.max(u))
    assert_matches(trnpy.min(trnpy.asarray(u)), np.min(u))
    assert_matches(trnpy.sum(trnpy.asarray(u)), np.sum(u))
    c = np.array([1 + 1j, complex(np.nan, 0), complex(0, np.nan), 1 + 2j])
    assert_matches(trnpy.max(trnpy.asarray(c)), np.max(c))
    assert_matches(trnpy.min(trnpy.asarray(c[[0, 3]])), np.min(c[[0, 3]]))
    assert_matches(trnpy.max(trnpy.asarray(c[[0, 3]])), np.max(c[[0, 3]]))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_mean_var_std(backend, dt, data):
    a = data.draw(arrays(dt, bound=1e3))
    ax = data.draw(axes(a.ndim))
    kd = data.draw(st.booleans())
    sc = abs_sum(a, ax)
    loose = 1e-2 if dt in (np.float16,) else None
    check(trnpy.mean, np.mean, a, axis=ax, keepdims=kd, scale=sc, rtol=loose)
    corr = data.draw(st.sampled_from([0, 1, 0.5, 3]))
    with np.errstate(all="ignore"):
        vsc = np.asarray(abs_sum(a, ax)) ** 2 / max(a.size, 1)
    for f, g in [(trnpy.var, np.var), (trnpy.std, np.std)]:
        exp = np_call(g, a, axis=ax, keepdims=kd, ddof=corr)
        got = f(trnpy.asarray(a), axis=ax, keepdims=kd, correction=corr)
        atol = float(np.nanmax(np.where(np.isfinite(vsc), vsc, 0), initial=0)) * 1e-5 \
            if np.dtype(exp.dtype).itemsize <= 4 or dt.itemsize <= 4 else \
            float(np.nanmax(np.where(np.isfinite(vsc), vsc, 0), initial=0)) * 1e-12
        if g is np.std:
            atol = np.sqrt(atol) * 4
        assert_matches(got, exp, rtol=loose or 1e-4, atol=atol)
        got2 = f(trnpy.asarray(a), axis=ax, keepdims=kd, ddof=corr)
        assert_matches(got2, exp, rtol=loose or 1e-4, atol=atol)


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "complex128"])
def test_mean_var_dtype_where(backend, dtype):
    rng = np.random.default_rng(0)
    a = rng.integers(-50, 50, (3, 4)).astype(np.int16)
    w = rng.random((3, 4)) > 0.3
    for ax in (None, 0, (1,), (0, 1)):
        check(trnpy.mean, np.mean, a, axis=ax, dtype=dtype, where=w, rtol=1e-5)
        check(trnpy.var, np.var, a, axis=ax, dtype=dtype, where=w, rtol=1e-5)
        check(trnpy.std, np.std, a, axis=ax, dtype=dtype, rtol=1e-5)
    m = np.mean(a, axis=1, keepdims=True)
    assert_matches(trnpy.var(trnpy.asarray(a), axis=1, mean=trnpy.asarray(m)),
                   np.var(a, axis=1, mean=m))


def test_var_ddof_and_correction_raises(backend):
    x = trnpy.asarray([1.0, 2.0])
    with pytest.raises(ValueError, match="simultaneously"):
        trnpy.var(x, ddof=1, correction=1)
    with pytest.raises(ValueError, match="simultaneously"):
        trnpy.std(x, ddof=1, correction=1)


def test_var_complex_is_real(backend):
    c = np.array([1 + 2j, 3 - 1j, -2j], dtype=np.complex64)
    assert_matches(trnpy.var(trnpy.asarray(c)), np.var(c))
    assert_matches(trnpy.std(trnpy.asarray(c)), np.std(c))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_all_any(backend, dt, data):
    a = data.draw(arrays(dt))
    ax = data.draw(axes(a.ndim))
    kd = data.draw(st.booleans())
    check(trnpy.all, np.all, a, axis=ax, keepdims=kd)
    check(trnpy.any, np.any, a, axis=ax, keepdims=kd)
    w = data.draw(hnp.arrays(np.bool_, a.shape))
    check(trnpy.all, np.all, a, axis=ax, where=w)
    check(trnpy.any, np.any, a, axis=ax, where=w)


def _cum_scale(a, axis):
    with np.errstate(all="ignore"):
        return np.cumsum(np.abs(a).astype(np.float64), axis=axis)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_cumsum_cumprod(backend, dt, data):
    a = data.draw(arrays(dt, bound=100))
    ax = data.draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1)) if a.ndim
                   else st.none())
    dtype = data.draw(st.sampled_from([None, None, "int64", "float64", "uint8"]))
    if dtype in ("int64", "uint8") and dt.kind in "fc":
        # NaN/inf -> int is undefined in C (NumPy warns; x86 gives INT_MIN, CUDA saturates)
        a = np.nan_to_num(a, nan=0.0, posinf=100.0, neginf=-100.0)
    check(trnpy.cumsum, np.cumsum, a, axis=ax, dtype=dtype, rtol=1e-2 if dt == np.float16
          else None, scale=_cum_scale(a, ax))
    # float16 products stay in range: torch accumulates float16 in float32, so after an
    # overflow it can differ from NumPy's float16 steps (documented limitation)
    hi = 1 if dt == np.float16 else 2
    b = np.clip(a, 0, hi) if dt.kind in "iuf" else (a / 100 if dt.kind == "c" else a)
    check(trnpy.cumprod, np.cumprod, b, axis=ax, dtype=dtype,
          rtol=1e-2 if dt == np.float16 else 1e-5)
    incl = data.draw(st.booleans())
    check(trnpy.cumulative_sum, np.cumulative_sum, a, axis=ax, include_initial=incl,
          dtype=dtype, rtol=1e-2 if dt == np.float16 else None, scale=_cum_scale(a, ax))
    check(trnpy.cumulative_prod, np.cumulative_prod, b, axis=ax, include_initial=incl,
          dtype=dtype, rtol=1e-2 if dt == np.float16 else 1e-5)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_diff(backend, dt, data):
    a = data.draw(arrays(dt, min_dims=1, bound=1e4))
    ax = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = data.draw(st.integers(0, 3))
    pre = data.draw(st.sampled_from([None, 0, 2.5, True]))
    app = data.draw(st.sampled_from([None, 1]))
    kw = {"n": n, "axis": ax}
    if pre is not None:
        kw["prepend"] = pre
    if app is not None:
        kw["append"] = app
    rtol = 1e-2 if dt == np.float16 else 1e-5 if dt in (np.float32, np.complex64) else None
    check(trnpy.diff, np.diff, a, rtol=rtol, **kw)


def test_diff_errors(backend):
    with pytest.raises(ValueError):
        trnpy.diff(trnpy.asarray(1.0))
    with pytest.raises(ValueError):
        trnpy.diff(trnpy.asarray([1.0, 2.0]), n=-1)
    with pytest.raises(np.exceptions.AxisError):
        trnpy.diff(trnpy.asarray([1.0, 2.0]), axis=1)
    x = np.array([[1, 2], [4, 8]], dtype=np.uint8)
    assert_matches(trnpy.diff(trnpy.asarray(x), axis=0, prepend=trnpy.asarray([[0, 0]],
                                                                              dtype="uint8")),
                   np.diff(x, axis=0, prepend=np.array([[0, 0]], np.uint8)))


@pytest.mark.parametrize("f", [trnpy.sum, trnpy.prod, trnpy.max, trnpy.min, trnpy.mean,
                               trnpy.var, trnpy.std, trnpy.all, trnpy.any])
def test_axis_errors(backend, f):
    a = np.arange(6.0).reshape(2, 3)
    x = trnpy.asarray(a)
    with pytest.raises(np.exceptions.AxisError):
        f(x, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        f(x, axis=(0, -3))
    with pytest.raises(ValueError):
        f(x, axis=(0, 0))
    with pytest.raises(TypeError):
        f(x, axis=1.0)
    np.testing.assert_array_equal(to_np(x), a)


def test_cumulative_needs_axis(backend):
    x = trnpy.asarray(np.ones((2, 2)))
    with pytest.raises(ValueError):
        trnpy.cumulative_sum(x)
    with pytest.raises(np.exceptions.AxisError):
        trnpy.cumsum(x, axis=2)


def test_out(backend):
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    x = trnpy.asarray(a)
    out = trnpy.asarray(np.zeros(4, dtype=np.int64))
    r = trnpy.sum(x, axis=0, out=out)
    assert r is out
    assert_matches(out, np.sum(a, axis=0))
    out2 = trnpy.asarray(np.zeros(3))
    trnpy.max(x, axis=1, out=out2)
    assert_matches(out2, np.max(a, axis=1).astype(np.float64))
    with pytest.raises(ValueError):
        trnpy.sum(x, axis=0, out=trnpy.asarray(np.zeros(3, dtype=np.int64)))


def test_sum_accumulator_dtypes(backend):
    for dt in ALL_DTYPES:
        x = trnpy.asarray(np.ones(3, dt))
        assert trnpy.sum(x).dtype == np.sum(np.ones(3, dt)).dtype
        assert trnpy.prod(x).dtype == np.prod(np.ones(3, dt)).dtype
        assert trnpy.cumsum(x).dtype == np.cumsum(np.ones(3, dt)).dtype
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert trnpy.mean(x).dtype == np.mean(np.ones(3, dt)).dtype
            assert trnpy.var(x).dtype == np.var(np.ones(3, dt)).dtype


def test_list_input(backend):
    assert_matches(trnpy.sum([1, 2, 3]), np.sum([1, 2, 3]))
    assert_matches(trnpy.max([[1.5, 2.0]], axis=1), np.max([[1.5, 2.0]], axis=1))


# -- emulated neuron device (torch path, float32) ------------------------------------
@settings(max_examples=examples(20))
@given(a=arrays(np.dtype(np.float32), bound=1e3), data=st.data())
def test_neuron_float32(emulated_neuron, a, data):
    ax = data.draw(axes(a.ndim))
    x = trnpy.asarray(a, device=emulated_neuron)
    for f, g, kw in [(trnpy.sum, np.sum, {"scale": abs_sum(a, ax)}),
                     (trnpy.max, np.max, {}), (trnpy.min, np.min, {}),
                     (trnpy.mean, np.mean, {"scale": abs_sum(a, ax)}),
                     (trnpy.any, np.any, {})]:
        exp = np_call(g, a, axis=ax)
        if isinstance(exp, Exception):
            with pytest.raises(type(exp)):
                f(x, axis=ax)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = f(x, axis=ax)
        assert got.device == emulated_neuron
        s = kw.get("scale")
        atol = 0.0
        if s is not None:
            s = np.asarray(s)[np.isfinite(s)]
            atol = float(s.max()) * 1e-6 if s.size else 0.0
        assert_matches(got, exp, atol=atol)


def test_neuron_refuses_float64_results(emulated_neuron):
    x = trnpy.asarray(np.arange(4, dtype=np.int32), device=emulated_neuron)
    assert_matches(trnpy.sum(x), np.sum(np.arange(4, dtype=np.int32)))
    with pytest.raises(TypeError, match="float64"):
        trnpy.mean(x)
    with pytest.raises(TypeError, match="float64"):
        trnpy.sum(x, dtype="float64")


@pytest.mark.cuda
def test_cuda_matches_numpy():
    rng = np.random.default_rng(0)
    dev = trnpy.device("cuda")
    for dt in ALL_DTYPES:
        a = (rng.standard_normal((4, 5, 3)) * 50).astype(dt)
        if dt.kind == "f":
            a[0, 0, 0] = np.nan
        x = trnpy.asarray(a, device=dev)
        for f, g, ax in [(trnpy.sum, np.sum, (0, 2)), (trnpy.prod, np.prod, 1),
                         (trnpy.max, np.max, -1), (trnpy.min, np.min, None),
                         (trnpy.all, np.all, 0), (trnpy.any, np.any, None),
                         (trnpy.cumsum, np.cumsum, 1)]:
            r = f(x, axis=ax)
            assert r.device == dev
            # float16 partial sums round differently (NumPy in float16, CUDA in float32)
            atol = float(np.nansum(np.abs(a.astype(np.float64)))) * 2e-3 \
                if dt == np.float16 and g in (np.sum, np.cumsum) else 0.0
            assert_matches(r, g(a, axis=ax), rtol=1e-3 if dt.kind in "fc" else None,
                           atol=atol)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_matches(trnpy.mean(x, axis=1), np.mean(a, axis=1), rtol=1e-3)
            assert_matches(trnpy.var(x, axis=(0, 1), correction=1), np.var(a, axis=(0, 1), ddof=1),
                           rtol=1e-3)
        assert_matches(trnpy.diff(x, axis=1, n=2), np.diff(a, axis=1, n=2), rtol=1e-3)
