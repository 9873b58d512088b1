"""Differential tests (NumPy is the oracle) for trnpy._math, on both CPU backends."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import arrays, check, examples
from conftest import ALL_DTYPES, NUMERIC_DTYPES, assert_matches

REAL = [d for d in NUMERIC_DTYPES if d.kind != "c"]


# ---------------------------------------------------------------------------
@settings(max_examples=examples(30))
@given(a=arrays(NUMERIC_DTYPES), axis=st.sampled_from([None, 0, -1]),
       f=st.sampled_from(["nancumsum", "nancumprod"]))
def test_nancum(backend, a, axis, f):
    if a.ndim == 0 and axis is not None:
        axis = None
    if f == "nancumprod" and a.dtype.kind == "c":
        # complex overflow (inf * 0 parts) rounds differently in torch's multiply
        a = np.where(np.isnan(a) | (np.abs(a) < 10), a, 1).astype(a.dtype)
    check(f, a, axis=axis, rtol=1e-2 if a.dtype.itemsize <= 4 and f == "nancumprod" else None)


@given(a=arrays(NUMERIC_DTYPES), end=st.sampled_from([None, [7], [1, 2]]),
       begin=st.sampled_from([None, [0]]))
def test_ediff1d(backend, a, end, begin):
    check("ediff1d", a, to_end=None if end is None else np.array(end, a.dtype),
          to_begin=None if begin is None else np.array(begin, a.dtype))


@settings(max_examples=examples(30))
@given(a=arrays(REAL + [np.dtype("complex128")], min_dims=1, min_side=3, finite=True),
       edge=st.sampled_from([1, 2]), spacing=st.sampled_from(["none", "scalar", "coords"]))
def test_gradient(backend, a, edge, spacing):
    if a.dtype.kind == "b":
        return
    rtol = 2e-2 if a.dtype == np.float16 else 1e-5 if a.dtype.kind == "f" and \
        a.dtype.itemsize == 4 else 1e-9
    if spacing == "none":
        check("gradient", a, edge_order=edge, rtol=rtol, atol=1e-6)
    elif spacing == "scalar":
        check("gradient", a, 0.5, edge_order=edge, rtol=rtol, atol=1e-6)
    else:
        coords = np.cumsum(np.arange(1, a.shape[0] + 1, dtype=np.float64) ** 1.5)
        check("gradient", a, coords, axis=0, edge_order=edge, rtol=rtol, atol=1e-6)


@given(a=arrays(NUMERIC_DTYPES, finite=True, min_dims=1), use_x=st.booleans())
def test_trapezoid(backend, a, use_x):
    x = np.linspace(0, 2, a.shape[-1]) ** 2 if use_x else None
    check("trapezoid", a, x, rtol=5e-2 if a.dtype == np.float16 else 1e-5, atol=1e-3)


@settings(max_examples=examples(40))
@given(a=arrays(NUMERIC_DTYPES + [np.dtype(bool)], min_dims=1, max_dims=1, max_side=7,
                finite=True),
       v=arrays([np.dtype("float64"), np.dtype("int32"), np.dtype("complex64"),
                 np.dtype("int8")], min_dims=1, max_dims=1, max_side=7, finite=True),
       mode=st.sampled_from(["full", "same", "valid"]),
       f=st.sampled_from(["convolve", "correlate"]))
def test_convolve_correlate(backend, a, v, mode, f):
    check(f, a, v, mode=mode, rtol=3e-2 if np.result_type(a, v) == np.float16 else 1e-4,
          atol=1e-3)


def test_convolve_errors(backend):
    check("convolve", np.array([]), np.array([1.0]))
    check("convolve", np.array([1.0]), np.array([1.0]), mode="bad")


@given(a=arrays(NUMERIC_DTYPES, min_dims=1, max_dims=3, min_side=2, max_side=3, finite=True))
def test_cross(backend, a):
    if a.shape[-1] != 3:
        a = np.resize(a, a.shape[:-1] + (3,))
    b = a[..., ::-1] * 2 if a.dtype.kind != "u" else a[..., ::-1]
    # a1*b2 - a2*b1 cancels: its error is eps * |a| * |b| (fused or not), not relative
    atol = 0.0
    if a.dtype.kind in "fc" and a.size and np.isfinite(a).all():
        atol = 8 * np.finfo(a.dtype).eps * float(np.abs(a).max() * np.abs(b).max())
    check("cross", a, b, atol=atol)
    if a.ndim >= 2 and a.shape[0] == 3:
        check("cross", a, b, atol=atol, axisa=0, axisb=-1, axisc=0) if b.shape[-1] == 3 else None


@given(a=arrays(NUMERIC_DTYPES, max_dims=2, max_side=3),
       b=arrays([np.dtype("int16"), np.dtype("float32")], max_dims=3, max_side=3))
def test_kron(backend, a, b):
    check("kron", a, b)


@settings(max_examples=examples(30))
@given(dt=st.sampled_from([np.dtype(d) for d in ("int8", "int64", "uint32", "float32",
                                                  "float64", "complex128", "bool")]),
       case=st.sampled_from([("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
                             ("ij->", [(2, 5)]), ("i,i", [(4,), (4,)]),
                             ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("...i,i", [(2, 3), (3,)]),
                             ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]), ("i,j->ij", [(0,), (2,)])]),
       optimize=st.sampled_from([False, True, "greedy", "optimal"]))
def test_einsum(backend, dt, case, optimize):
    sub, shapes = case
    rng = np.random.default_rng(0)
    ops = [rng.integers(-3, 4, s).astype(dt) for s in shapes]
    check("einsum", sub, *ops, optimize=optimize,
          rtol=1e-5 if dt.kind in "fc" else None)
    if len(ops) >= 2:
        res = np.einsum_path(sub, *ops, optimize="greedy")
        got = trnpy.einsum_path(sub, *[trnpy.asarray(o) for o in ops], optimize="greedy")
        assert got[0] == res[0] and got[1] == res[1]


def test_einsum_sublist_and_out(backend):
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    check("einsum", a, [0, 1], b, [1, 2], [0, 2])
    out = trnpy.zeros((2, 4))
    r = trnpy.einsum("ij,jk->ik", trnpy.asarray(a), trnpy.asarray(b), out=out)
    assert r is out
    assert_matches(out, a @ b)
    path = np.einsum_path("ij,jk->ik", a, b, optimize="optimal")[0]
    check("einsum", "ij,jk->ik", a, b, optimize=path)
    with pytest.raises(TypeError):
        trnpy.einsum("ij,jk->ik", trnpy.asarray(a), trnpy.asarray(b), optimize="nope")
    check("einsum", "ij,jk->ik", a, np.arange(5.0))


@given(x=arrays([np.dtype("float64"), np.dtype("float32"), np.dtype("int32")], max_dims=2),
       fpdt=st.sampled_from([np.dtype("float64"), np.dtype("complex128"), np.dtype("int64")]),
       n=st.integers(1, 6), lr=st.sampled_from([None, -1.0]),
       period=st.sampled_from([None, 1.5]))
def test_interp(backend, x, fpdt, n, lr, period):
    if period is not None and fpdt.kind == "c":
        x = np.where(np.isfinite(x), x, 0).astype(x.dtype)   # NumPy's complex path and nan x
    xp = np.cumsum(np.arange(1.0, n + 1))
    xp = xp / xp[-1] * 10 - 3
    fp = (np.arange(n) * 3 - 4).astype(fpdt)
    if fpdt.kind == "c":
        fp = fp + 1j * np.arange(n)
    check("interp", x, xp, fp, left=lr, right=lr, period=period, rtol=1e-9, atol=1e-9)


def test_interp_errors(backend):
    check("interp", np.array([1.0]), np.array([]), np.array([]))
    check("interp", np.array([1.0]), np.array([1.0, 2]), np.array([1.0]))
    check("interp", np.array([1.0]), np.array([1.0, 2]), np.array([1.0, 3]), period=0)


@given(a=arrays(ALL_DTYPES), nan=st.sampled_from([0.0, -1.5]),
       posinf=st.sampled_from([None, 9.0]), neginf=st.sampled_from([None, -9.0]))
def test_nan_to_num(backend, a, nan, posinf, neginf):
    check("nan_to_num", a, nan=nan, posinf=posinf, neginf=neginf)


def test_nan_to_num_inplace(backend):
    x = trnpy.asarray([np.nan, np.inf, 1.0])
    r = trnpy.nan_to_num(x, copy=False)
    assert r is x
    assert_matches(x, np.array([0.0, np.finfo(np.float64).max, 1.0]))


@given(a=arrays(NUMERIC_DTYPES + [np.dtype(bool)]), deg=st.booleans())
def test_angle(backend, a, deg):
    check("angle", a, deg=deg)


@given(a=arrays(REAL, min_dims=1, finite=True), axis=st.sampled_from([0, -1]),
       period=st.sampled_from([2 * np.pi, 360, 5.0]))
def test_unwrap(backend, a, axis, period):
    if a.dtype.kind == "b":
        return
    check("unwrap", a, axis=axis, period=period,
          rtol=1e-2 if a.dtype == np.float16 else 1e-5, atol=1e-3)


@given(a=arrays(NUMERIC_DTYPES), f=st.sampled_from(["sinc", "i0", "real_if_close", "fix",
                                                   "isneginf", "isposinf", "iscomplex",
                                                   "isreal", "iscomplexobj", "isrealobj"]))
def test_unary_helpers(backend, a, f):
    rtol = None
    if f in ("sinc", "i0"):
        rtol = 5e-3 if a.dtype.itemsize <= 4 or a.dtype == np.complex64 else 1e-9
    check(f, a, rtol=rtol, atol=1e-6 if f == "sinc" else 0)


def test_isscalar():
    for v in (1, 1.5, "s", np.float32(1), [1], np.array(1)):
        assert trnpy.isscalar(v) == np.isscalar(v)
    assert trnpy.isscalar(trnpy.asarray(1)) is False


@given(a=arrays(NUMERIC_DTYPES, max_dims=2), noise=st.sampled_from([0, 1e-9, 1e-3]),
       equal_nan=st.booleans())
def test_isclose_allclose(backend, a, noise, equal_nan):
    b = a + np.asarray(noise).astype(a.dtype) if a.dtype.kind in "fc" else a
    check("isclose", a, b, equal_nan=equal_nan)
    check("allclose", a, b, equal_nan=equal_nan)
    check("isclose", a, 1.0, rtol=1e-3, atol=0.1)


@given(a=arrays(NUMERIC_DTYPES, max_dims=2), equal_nan=st.booleans())
def test_array_equal_equiv(backend, a, equal_nan):
    check("array_equal", a, a.copy(), equal_nan=equal_nan)
    check("array_equal", a, a[..., :0] if a.ndim else a)
    check("array_equiv", a, a[:1] if a.ndim else a)
    check("array_equiv", a, np.zeros((7,), a.dtype))


def test_errors_leave_inputs(backend):
    x = trnpy.asarray([1 + 1j, 2])
    with pytest.raises(TypeError):
        trnpy.isposinf(x)
    with pytest.raises(TypeError):
        trnpy.i0(x)
    xa = trnpy.asarray([1.0, 2.0])
    with pytest.raises(np.exceptions.AxisError):
        trnpy.gradient(xa, axis=3)
    assert_matches(xa, np.array([1.0, 2.0]))
    check("cross", np.ones(4), np.ones(3))


def test_neuron_float32(emulated_neuron):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4, 5)).astype(np.float32)
    ta = trnpy.asarray(a, device=emulated_neuron)
    r = trnpy.gradient(ta, axis=1)
    assert r.device == emulated_neuron
    assert_matches(r, np.gradient(a, axis=1), rtol=1e-5)
    assert_matches(trnpy.convolve(ta[0], ta[1]), np.convolve(a[0], a[1]), rtol=1e-5, atol=1e-6)
    assert_matches(trnpy.einsum("ij,kj->ik", ta, ta), np.einsum("ij,kj->ik", a, a), rtol=1e-5)
    assert_matches(trnpy.trapezoid(ta), np.trapezoid(a), rtol=1e-5)
    assert_matches(trnpy.nancumsum(ta, axis=0), np.nancumsum(a, axis=0), rtol=1e-5)
    assert trnpy.allclose(ta, ta)
    with pytest.raises(TypeError):
        trnpy.interp(ta, ta[0], ta[1])      # NumPy's result is float64

