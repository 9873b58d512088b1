"""SciPy-only names in trnpy.linalg (and SciPy keywords of solve/eigh/qr), differential
against scipy.linalg on both CPU backends. Tolerances: a small constant x n x
eps(dtype) x the condition number (computed with NumPy)."""
import warnings

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
import trnpy.linalg as la
from _helpers import examples
from conftest import assert_matches, to_np
from test_linalg_numpy import FLOATS, cond_of, eps, hermitian, rand, with_cond

batch_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)
T = trnpy.asarray


def close(actual, expected, atol):
    exp = np.asarray(expected)
    a = to_np(actual)
    assert a.shape == exp.shape, (a.shape, exp.shape)
    assert a.dtype == exp.dtype, (a.dtype, exp.dtype)
    np.testing.assert_allclose(a, exp, atol=atol, rtol=0)


@st.composite
def systems(draw, min_n=1, max_n=5):
    """(a with a drawn condition number, b (vector or stacked matrices), cond)."""
    dt = draw(st.sampled_from(FLOATS))
    batch = draw(batch_shapes)
    n = draw(st.integers(min_n, max_n))
    single = dt in (np.float32, np.complex64)
    cond = draw(st.sampled_from([1.0, 1e2] if single else [1.0, 1e3, 1e7]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    a = with_cond(rng, batch, n, cond, dt)
    b = rand(rng, (n,) if draw(st.booleans()) else batch + (n, draw(st.integers(1, 3))), dt)
    return a, b


def stol(a, c=None):
    n = max(a.shape[-1], 1)
    return 30 * n * eps(a.dtype) * (cond_of(a) if c is None else c)


# ---------------------------------------------------------------------------
# LU
@settings(max_examples=examples(30))
@given(systems(), st.sampled_from([0, 1, 2]))
def test_lu_family(backend, ab, trans):
    a, b = ab
    t = T(a)
    tol = stol(a)
    p, l, u = la.lu(t)
    ep, el, eu = sl.lu(a)
    assert_matches(p, ep)                     # same pivots as LAPACK getrf
    close(l, el, atol=tol * np.abs(el).max())
    close(u, eu, atol=tol * np.abs(eu).max())
    pi, l2, _ = la.lu(t, p_indices=True)
    assert_matches(pi, sl.lu(a, p_indices=True)[0])
    pl, _ = la.lu(t, permute_l=True)
    close(pl, sl.lu(a, permute_l=True)[0], atol=tol * np.abs(el).max())
    lu_, piv = la.lu_factor(t)
    elu, epiv = sl.lu_factor(a)
    assert_matches(piv, epiv)
    close(lu_, elu, atol=tol * np.abs(elu).max())
    exp = sl.lu_solve((elu, epiv), b, trans=trans)
    close(la.lu_solve((lu_, piv), T(b), trans=trans), exp,
          atol=tol * np.abs(exp).max(initial=1))
    np.testing.assert_array_equal(to_np(t), a)


@settings(max_examples=examples(15))
@given(st.sampled_from(FLOATS + [np.dtype("int32")]), batch_shapes, st.integers(1, 4),
       st.integers(1, 4), st.integers(0, 2**31))
def test_lu_rectangular_and_int(backend, dt, batch, m, n, seed):
    a = np.random.default_rng(seed).integers(-5, 5, batch + (m, n)).astype(dt)
    for kw in ({}, {"p_indices": True}, {"permute_l": True}):
        exp = sl.lu(a, **kw)
        got = la.lu(T(a), **kw)
        for g, e in zip(got, exp):
            close(g, e, atol=1e3 * eps(e.dtype) * max(np.abs(e).max(initial=1), 1)
                  if e.dtype.kind in "fc" else 0)


# ---------------------------------------------------------------------------
# Cholesky and triangular solves
@settings(max_examples=examples(30))
@given(systems(), st.booleans())
def test_cho_factor_solve(backend, ab, lower):
    a, b = ab
    pd = (a @ np.conj(np.swapaxes(a, -1, -2))).astype(a.dtype)
    if pd.shape[-1] > 1:                                   # junk in the unread triangle
        pd[..., 0, -1] += 7 if lower else 0
        pd[..., -1, 0] += 0 if lower else 7
    pd_read = np.tril(pd) if lower else np.triu(pd)
    c_ = cond_of(pd_read + np.conj(np.swapaxes(np.tril(pd, -1) if lower else
                                               np.triu(pd, 1), -1, -2)))
    c, low = la.cho_factor(T(pd), lower=lower)
    ec, elow = sl.cho_factor(pd, lower=lower)
    assert low == bool(np.all(elow))
    tol = 30 * pd.shape[-1] * eps(a.dtype) * np.sqrt(c_)
    # SciPy documents the unread triangle of c as arbitrary (1.17 keeps the input's
    # junk there, 1.18 zeros it): compare the factor's triangle only
    tri = np.tril if lower else np.triu
    close(T(tri(to_np(c))), tri(ec), atol=tol * np.abs(ec).max())
    exp = sl.cho_solve((ec, elow), b)
    close(la.cho_solve((c, low), T(b)), exp,
          atol=30 * pd.shape[-1] * eps(a.dtype) * c_ * np.abs(exp).max(initial=1))


@settings(max_examples=examples(30))
@given(systems(), st.sampled_from([0, 1, 2, "T", "C"]), st.booleans(), st.booleans())
def test_solve_triangular(backend, ab, trans, lower, unit):
    a, b = ab
    n = a.shape[-1]
    a = a + np.eye(n, dtype=a.dtype) * 2                 # a well-posed triangle
    tri = np.tril(a) if lower else np.triu(a)
    if unit:
        tri = tri - np.eye(n) * np.diagonal(tri, 0, -2, -1)[..., None, :] + np.eye(n)
    exp = sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)
    got = la.solve_triangular(T(a), T(b), trans=trans, lower=lower, unit_diagonal=unit)
    close(got, exp, atol=stol(tri.astype(a.dtype)) * np.abs(exp).max(initial=1))


def test_triangular_and_cholesky_errors(backend):
    z = np.triu(np.ones((3, 3)))
    z[1, 1] = 0
    tz = T(z)
    with pytest.raises(la.LinAlgError, match="diagonal 1"):
        la.solve_triangular(tz, T(np.ones(3)))
    with pytest.raises(la.LinAlgError):
        la.cho_factor(T(-np.eye(3)))
    with pytest.raises(ValueError):
        la.solve_triangular(tz, T(np.ones(4)))
    with pytest.raises(ValueError, match="infs or NaNs"):
        la.lu_factor(T(np.full((2, 2), np.nan)))
    with pytest.raises(ValueError):
        la.lu_solve(la.lu_factor(T(np.eye(3))), T(np.ones(3)), trans=5)
    np.testing.assert_array_equal(to_np(tz), z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(sl.LinAlgWarning):
            la.lu_factor(T(np.zeros((3, 3))))


# ---------------------------------------------------------------------------
# solve(assume_a=...), NumPy's positional form still NumPy's
ASSUME = ["gen", "general", "sym", "her", "pos", "diagonal", "tridiagonal", "banded",
          "upper triangular", "lower triangular", None]


@settings(max_examples=examples(50))
@given(systems(), st.sampled_from(ASSUME), st.booleans(), st.booleans())
def test_solve_assume_a(backend, ab, assume, lower, transposed):
    a, b = ab
    n = a.shape[-1]
    if assume == "pos":
        a = (a @ np.conj(np.swapaxes(a, -1, -2))).astype(a.dtype)
    elif assume in ("diagonal", "tridiagonal", "upper triangular", "lower triangular"):
        a = (a + 3 * np.eye(n)).astype(a.dtype)
    kw = dict(assume_a=assume, lower=lower, transposed=transposed)
    if transposed and a.dtype.kind == "c":
        with pytest.raises(NotImplementedError):
            la.solve(T(a), T(b), **kw)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sl.LinAlgWarning)
            exp = sl.solve(a, b, **kw)
    except np.linalg.LinAlgError:
        with pytest.raises(np.linalg.LinAlgError):
            la.solve(T(a), T(b), **kw)
        return
    # the matrix SciPy actually reads
    if assume in ("sym", "her", "pos"):
        tri = np.tril(a) if lower else np.triu(a)
        off = np.tril(a, -1) if lower else np.triu(a, 1)
        off = np.swapaxes(off, -1, -2)
        read = tri + (off if assume == "sym" else np.conj(off))
        if assume != "sym" and a.dtype.kind == "c":   # LAPACK reads the diagonal's real part
            read = read - 1j * np.imag(np.eye(n) * read)
    elif assume == "diagonal":
        read = np.eye(n) * a
    elif assume == "tridiagonal":
        read = np.triu(np.tril(a, 1), -1)
    elif assume == "upper triangular":
        read = np.triu(a)
    elif assume == "lower triangular":
        read = np.tril(a)
    else:
        read = a
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sl.LinAlgWarning)
        got = la.solve(T(a), T(b), **kw)
    close(got, exp, atol=stol(read.astype(a.dtype)) * np.abs(exp).max(initial=1))


def test_solve_signatures(backend):
    a, b = np.array([[3.0, 1], [1, 2]]), np.array([9.0, 8])
    exp = np.linalg.solve(a, b)
    assert_matches(la.solve(T(a), T(b)), exp, rtol=1e-14)            # NumPy positional
    assert_matches(la.solve(a=T(a), b=T(b), assume_a="pos"), exp, rtol=1e-14)
    assert_matches(la.solve(T(a), T(b), lower=True, assume_a="sym"), exp, rtol=1e-14)
    with pytest.raises(ValueError):
        la.solve(T(a), T(b), assume_a="nonsense")
    with pytest.raises(ValueError):                  # SciPy: ValueError for non-square
        la.solve(T(np.ones((2, 3))), T(b), assume_a="gen")
    with pytest.raises(la.LinAlgError):              # NumPy: LinAlgError
        la.solve(T(np.ones((2, 3))), T(b))
    with pytest.raises(ValueError, match="infs or NaNs"):
        la.solve(T(np.full((2, 2), np.nan)), T(b), check_finite=True)
    with pytest.raises(la.LinAlgError):
        la.solve(T(np.ones((2, 2))), T(b), assume_a="gen")
    with pytest.raises(la.LinAlgError):
        la.solve(T(-np.eye(2)), T(b), assume_a="pos")
    assert la.solve(T(a.astype(np.float16)), T(b.astype(np.float16)),
                    assume_a="gen").dtype == np.float32          # SciPy's dtype


# ---------------------------------------------------------------------------
# eigh: generalized, subsets, eigvals_only; NumPy's eigh(a, UPLO) unchanged
@settings(max_examples=examples(40))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(1, 5), st.integers(0, 2**31),
       st.sampled_from([1, 2, 3]), st.booleans(), st.sampled_from([1.0, 1e2, 1e4]))
def test_eigh_generalized(backend, dt, batch, n, seed, type_, lower, bcond):
    rng = np.random.default_rng(seed)
    if dt in (np.float32, np.complex64):
        bcond = min(bcond, 1e2)
    a = hermitian(rng, batch, n, dt)
    q = with_cond(rng, batch, n, np.sqrt(bcond), dt)
    bm = (q @ np.conj(np.swapaxes(q, -1, -2))).astype(dt)
    ew, ev = sl.eigh(a, bm, lower=lower, type=type_)
    w, v = la.eigh(T(a), T(bm), lower=lower, type=type_)
    tol = 100 * n * eps(dt) * bcond * max(np.abs(a).max(), 1) * max(np.abs(ew).max(), 1)
    close(w, ew, atol=tol)
    close(la.eigh(T(a), T(bm), lower=lower, type=type_, eigvals_only=True), ew, atol=tol)
    vv, ww = to_np(v), to_np(w)
    assert vv.dtype == ev.dtype and vv.shape == ev.shape
    # the defining equation and SciPy's normalisation (eigenvectors are unique up to phase)
    lhs = {1: a @ vv, 2: a @ bm @ vv, 3: bm @ a @ vv}[type_]
    rhs = (bm @ vv if type_ == 1 else vv) * ww[..., None, :]
    np.testing.assert_allclose(lhs, rhs, atol=tol * max(np.abs(vv).max(), 1) * 10)
    # LAPACK sygv: Z^H B Z = I for types 1 and 2, Z^H inv(B) Z = I for type 3
    nrm = np.conj(np.swapaxes(vv, -1, -2)) @ (np.linalg.inv(bm) if type_ == 3 else bm) @ vv
    np.testing.assert_allclose(nrm, np.broadcast_to(np.eye(n), nrm.shape), atol=tol * 10)


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), st.integers(1, 6), st.integers(0, 2**31), st.data())
def test_eigh_subsets(backend, dt, n, seed, data):
    rng = np.random.default_rng(seed)
    a = hermitian(rng, (), n, dt)
    lo = data.draw(st.integers(0, n - 1))
    hi = data.draw(st.integers(lo, n - 1))
    tol = 30 * n * eps(dt) * max(np.abs(a).max(), 1)
    ew, ev = sl.eigh(a, subset_by_index=[lo, hi])
    w, v = la.eigh(T(a), subset_by_index=[lo, hi])
    close(w, ew, atol=tol)
    assert to_np(v).shape == ev.shape
    np.testing.assert_allclose(a @ to_np(v), to_np(v) * to_np(w), atol=4 * tol)
    allw = np.linalg.eigvalsh(a)
    # interval ends half-way between eigenvalues: membership is decided robustly
    mids = np.concatenate([[allw[0] - 1], (allw[1:] + allw[:-1]) / 2, [allw[-1] + 1]])
    i, j = sorted(data.draw(st.lists(st.integers(0, n), min_size=2, max_size=2,
                                     unique=True)))
    ew = sl.eigh(a, subset_by_value=(mids[i], mids[j]), eigvals_only=True)
    close(la.eigh(T(a), subset_by_value=(mids[i], mids[j]), eigvals_only=True), ew,
          atol=tol)


def test_eigh_signatures_and_errors(backend):
    a = np.array([[2.0, 1], [1, 3]])
    for call in (lambda: la.eigh(T(a), "U"), lambda: la.eigh(T(a), UPLO="U")):
        assert_matches(call()[0], np.linalg.eigh(a, UPLO="U")[0], rtol=1e-14)
    assert_matches(la.eigh(T(a), lower=False)[0], sl.eigh(a, lower=False)[0], rtol=1e-14)
    assert_matches(la.eigh(T(a), b=T(np.eye(2)))[0], sl.eigh(a, np.eye(2))[0], rtol=1e-14)
    with pytest.raises(ValueError):
        la.eigh(T(a), UPLO="U", lower=True)
    with pytest.raises(ValueError):
        la.eigh(T(a), subset_by_index=(1, 2))
    with pytest.raises(ValueError):
        la.eigh(T(a), subset_by_index=(0, 1), subset_by_value=(0, 1))
    with pytest.raises(ValueError):
        la.eigh(T(a), T(np.eye(2)), type=4)
    with pytest.raises(ValueError):
        la.eigh(T(a), T(np.eye(2)), driver="evr")
    with pytest.raises(ValueError):
        la.eigh(T(a), driver="nonsense")
    with pytest.raises(la.LinAlgError):
        la.eigh(T(a), T(-np.eye(2)))
    with pytest.raises(ValueError, match="infs or NaNs"):
        la.eigh(T(np.full((2, 2), np.nan)), eigvals_only=True)
    for drv in ("ev", "evd", "evr", "evx"):
        assert_matches(la.eigh(T(a), driver=drv, eigvals_only=True),
                       sl.eigh(a, driver=drv, eigvals_only=True), rtol=1e-14)


# ---------------------------------------------------------------------------
# matrix functions
@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS + [np.dtype("int32")]), batch_shapes, st.integers(0, 5),
       st.integers(0, 2**31), st.sampled_from([0.1, 1.0, 4.0]))
def test_expm(backend, dt, batch, n, seed, scale):
    rng = np.random.default_rng(seed)
    a = (rng.integers(-2, 3, batch + (n, n)) if dt.kind == "i"
         else rand(rng, batch + (n, n), dt) * scale).astype(dt)
    exp = sl.expm(a)
    nrm = np.abs(a).sum(-1).max(initial=0)
    # exp's relative condition number grows like ||A|| exp(...)/||exp(A)||: bound it
    tol = 100 * max(n, 1) * eps(exp.dtype) * max(nrm, 1) * np.abs(exp).max(initial=1) \
        * np.exp(nrm) / max(np.abs(exp).max(initial=1), 1e-300)
    close(la.expm(T(a)), exp, atol=min(tol, 1e-2 * np.abs(exp).max(initial=1)))


@settings(max_examples=examples(20))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(1, 4), st.integers(0, 2**31))
def test_sqrtm_logm_schur_hessenberg(backend, dt, batch, n, seed):
    """No torch algorithm: SciPy itself on the host data (the NumPy views on the NumPy
    backend, else a recorded host copy whose result returns to the array's device), so
    the results are SciPy's exactly, on any device."""
    rng = np.random.default_rng(seed)
    x = rand(rng, batch + (n, n), dt)
    spd = (x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)).astype(dt)
    before = trnpy.ROUTES[("linalg.sqrtm", "numpy")]
    assert_matches(la.sqrtm(T(spd)), sl.sqrtm(spd), rtol=0)
    assert_matches(la.sqrtm(T(x)), sl.sqrtm(x), rtol=0)          # complex for real x
    assert_matches(la.logm(T(spd)), sl.logm(spd), rtol=0)
    for out in ("real", "complex"):
        assert_matches(la.schur(T(x), output=out), sl.schur(x, output=out), rtol=0)
    assert_matches(la.hessenberg(T(x)), sl.hessenberg(x), rtol=0)
    assert_matches(la.hessenberg(T(x), calc_q=True), sl.hessenberg(x, calc_q=True),
                   rtol=0)
    on_numpy = backend == "numpy" and trnpy.get_default_device() == trnpy.device("cpu")
    assert trnpy.ROUTES[("linalg.sqrtm", "numpy")] - before == (0 if on_numpy else 2)


def test_schur_sort_and_errors(backend):
    x = np.array([[1.0, 2, 0], [0, -3, 1], [1, 0, 2]])
    *got, sdim = la.schur(T(x), sort="lhp")
    *exp, esdim = sl.schur(x, sort="lhp")
    assert_matches(tuple(got), tuple(exp), rtol=0)
    assert type(sdim) is int and sdim == esdim
    for f in (la.sqrtm, la.logm, la.schur, la.hessenberg, la.expm):
        with pytest.raises((ValueError, la.LinAlgError)):
            f(T(np.ones((2, 3))))


def test_scipy_only_functions_on_neuron(emulated_neuron):
    """On a device: SciPy on a host copy, the result back on the device, the step
    recorded (and refused under strict_kernels()); SciPy's float64 results are refused
    with a TypeError saying so, never downcast."""
    rng = np.random.default_rng(0)
    x = rand(rng, (2, 3, 3), np.float32)
    tx = T(x, device=emulated_neuron)
    trnpy.reset_routes()
    for f, kw in ((la.sqrtm, {}), (la.schur, dict(output="complex")),
                  (la.hessenberg, dict(calc_q=True))):
        got = f(tx, **kw)
        for g in (got if isinstance(got, tuple) else (got,)):
            assert g.device == emulated_neuron
        assert_matches(got, getattr(sl, f.__name__)(x, **kw), rtol=0)
        assert trnpy.ROUTES[(f"linalg.{f.__name__}", "numpy")] == 1
    assert "linalg.schur: 1 x no torch algorithm" in trnpy.routing_report()
    with pytest.raises(TypeError, match="logm returns float64 even for float32 input"):
        la.logm(tx)
    with trnpy.strict_kernels(), pytest.raises(trnpy.KernelFallbackError, match="sqrtm"):
        la.sqrtm(tx)
    assert trnpy.ROUTES[("linalg.sqrtm", "numpy")] == 1
    np.testing.assert_array_equal(to_np(tx), x)


# ---------------------------------------------------------------------------
# pivoted QR, null_space, orth
@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(1, 5), st.integers(1, 5),
       st.sampled_from([None, "full", "economic", "r"]), st.integers(0, 2**31))
def test_qr_pivoting(backend, dt, batch, m, n, mode, seed):
    rng = np.random.default_rng(seed)
    a = rand(rng, batch + (m, n), dt)
    kw = {} if mode is None else {"mode": mode}
    exp = sl.qr(a, pivoting=True, **kw)
    got = la.qr(T(a), pivoting=True, **kw)
    assert len(got) == len(exp)
    assert_matches(got[-1], exp[-1])                   # same column order as geqp3
    tol = 50 * max(m, n) * eps(dt) * np.abs(a).max()
    for g, e in zip(got[:-1], exp[:-1]):
        close(g, e, atol=tol)
    if mode != "r":
        q, r, p = (to_np(g) for g in got)
        np.testing.assert_allclose(q @ r, np.take_along_axis(a, p[..., None, :], -1),
                                   atol=tol)


def test_qr_modes(backend):
    a = np.arange(12.0).reshape(4, 3) ** 1.5
    for mode in ("full", "economic"):
        q, r = la.qr(T(a), mode=mode)
        eq, er = sl.qr(a, mode=mode)
        assert_matches(q, eq, rtol=0, atol=1e-12)
        assert_matches(r, er, rtol=0, atol=1e-11)
    for mode in ("reduced", "complete", "r"):          # NumPy's modes unchanged
        assert_matches(la.qr(T(a), mode=mode), np.linalg.qr(a, mode=mode), rtol=0,
                       atol=1e-11)
    assert_matches(la.qr(T(a), "r"), np.linalg.qr(a, "r"), rtol=0, atol=1e-11)
    with pytest.raises(NotImplementedError):
        la.qr(T(a), mode="raw", pivoting=True)
    with pytest.raises(ValueError):
        la.qr(T(a), mode="bogus", pivoting=True)


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), st.integers(1, 5), st.integers(1, 5), st.integers(0, 5),
       st.integers(0, 2**31))
def test_null_space_orth(backend, dt, m, n, rank, seed):
    rng = np.random.default_rng(seed)
    rank = min(rank, m, n)
    a = (rand(rng, (m, rank), dt) @ rand(rng, (rank, n), dt)).astype(dt)   # exact rank
    tol = 100 * max(m, n) * eps(dt) * max(np.abs(a).max(), 1)
    # the subspaces are as well conditioned as the rank-r part (s[0]/s[r-1]); cond(a) is
    # inf for a rank-deficient a and would accept anything
    s = np.linalg.svd(a.astype(np.complex128), compute_uv=False)
    kappa = s[0] / s[rank - 1] if rank else 1.0
    for f, sf in ((la.null_space, sl.null_space), (la.orth, sl.orth)):
        exp = sf(a)
        got = to_np(f(T(a)))
        assert got.shape == exp.shape and got.dtype == exp.dtype
        # the basis is unique up to a unitary change: compare the projectors
        np.testing.assert_allclose(got @ np.conj(got.T), exp @ np.conj(exp.T),
                                   atol=tol * kappa)


# ---------------------------------------------------------------------------
# special matrices
@settings(max_examples=examples(30))
@given(st.sampled_from([np.dtype(d) for d in ("float64", "complex64", "int8", "bool",
                                              "uint16", "float32")]),
       hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4),
       hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4),
       st.integers(0, 2**31))
def test_special_matrices(backend, dt, s1, s2, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, s1, dt) if dt.kind in "fc" else rng.integers(0, 3, s1).astype(dt)
    y = rand(rng, s2, dt) if dt.kind in "fc" else rng.integers(0, 3, s2).astype(dt)
    assert_matches(la.block_diag(T(x), T(y), T(x)), sl.block_diag(x, y, x))
    xv = x.reshape(-1) if x.size else np.ones(1, dt)
    yv = y.reshape(-1) if y.size else np.ones(2, dt)
    assert_matches(la.toeplitz(T(xv)), sl.toeplitz(xv))
    assert_matches(la.toeplitz(T(xv), T(yv)), sl.toeplitz(xv, yv))
    assert_matches(la.circulant(T(xv)), sl.circulant(xv))
    xb = rand(rng, (2, 3), dt) if dt.kind in "fc" else rng.integers(0, 3, (2, 3)).astype(dt)
    assert_matches(la.toeplitz(T(xb), T(xb[:1, :2])), sl.toeplitz(xb, xb[:1, :2]))
    assert_matches(la.circulant(T(xb)), sl.circulant(xb))


def test_special_matrices_edge_cases(backend):
    assert_matches(la.block_diag(), sl.block_diag())
    assert_matches(la.block_diag(1, [2, 3], [[4], [5]]), sl.block_diag(1, [2, 3], [[4], [5]]))
    assert_matches(la.block_diag(T(np.ones((2, 0))), T(np.ones((0, 3)))),
                   sl.block_diag(np.ones((2, 0)), np.ones((0, 3))))
    # N-D arrays: stacks whose leading dimensions broadcast (SciPy >= 1.17)
    x3, y = np.arange(8.).reshape(2, 2, 2), np.arange(3, dtype=np.int64)
    z = np.ones((3, 1, 1, 2), np.float32)
    assert_matches(la.block_diag(T(x3), T(y), T(z)), sl.block_diag(x3, y, z))
    assert_matches(la.block_diag(T(np.ones((0, 2, 2))), 1),
                   sl.block_diag(np.ones((0, 2, 2)), 1))
    with pytest.raises(ValueError):
        la.block_diag(T(np.ones((2, 1, 1))), T(np.ones((3, 1, 1))))
    for n in (0, 1, 5):
        assert_matches(la.hilbert(n), sl.hilbert(n), rtol=1e-15)
    assert_matches(la.toeplitz(T(np.float64(3.0))), sl.toeplitz(np.float64(3.0)))


# ---------------------------------------------------------------------------
# dtypes follow SciPy; emulated neuron device (float32) stays on the device
@pytest.mark.parametrize("dt", ["float16", "float32", "complex64", "int32", "float64"])
def test_result_dtypes_follow_scipy(backend, dt):
    a = (np.eye(3) * 3 + 1).astype(dt)
    spd = (np.eye(3) * 3 + 1).astype(dt)
    cases = [(la.lu, sl.lu), (la.lu_factor, sl.lu_factor), (la.expm, sl.expm),
             (lambda x: la.cho_factor(x)[0], lambda x: sl.cho_factor(x)[0]),
             (lambda x: la.solve_triangular(x, x), lambda x: sl.solve_triangular(x, x)),
             (lambda x: la.eigh(x, x), lambda x: sl.eigh(x, x)),
             (lambda x: la.qr(x, pivoting=True), lambda x: sl.qr(x, pivoting=True)),
             (la.null_space, sl.null_space), (la.orth, sl.orth)]
    for f, sf in cases:
        exp = sf(spd if f is not la.lu else a)
        got = f(T(spd if f is not la.lu else a))
        exp = tuple(exp) if isinstance(exp, (tuple, list)) else (exp,)
        got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
        for g, e in zip(got, exp):
            assert to_np(g).dtype == np.asarray(e).dtype, (f, g.dtype, e.dtype)


def test_emulated_neuron_scipy(emulated_neuron):
    rng = np.random.default_rng(1)
    a = with_cond(rng, (2,), 4, 10.0, np.float32)
    b = rand(rng, (2, 4, 2), np.float32)
    ta, tb = T(a, device=emulated_neuron), T(b, device=emulated_neuron)
    tol = 1e3 * eps(np.float32)
    lu_, piv = la.lu_factor(ta)
    x = la.lu_solve((lu_, piv), tb)
    assert x.device == emulated_neuron and x.dtype == np.float32
    close(x, sl.lu_solve(sl.lu_factor(a), b), atol=tol * 10)
    close(la.expm(ta), sl.expm(a), atol=tol * np.abs(sl.expm(a)).max())
    spd = (a @ np.swapaxes(a, -1, -2) + np.eye(4)).astype(np.float32)
    w = la.eigh(T(a + np.swapaxes(a, -1, -2), device=emulated_neuron),
                T(spd, device=emulated_neuron), eigvals_only=True)
    assert w.device == emulated_neuron
    close(w, sl.eigh(a + np.swapaxes(a, -1, -2), spd, eigvals_only=True), atol=tol * 10)
    q, r, p = la.qr(ta, pivoting=True)
    assert q.device == emulated_neuron
    assert_matches(p, sl.qr(a, pivoting=True)[2])
    with pytest.raises(TypeError):      # SciPy's result would be float64
        la.expm(T(np.eye(2, dtype=np.int32), device=emulated_neuron))
