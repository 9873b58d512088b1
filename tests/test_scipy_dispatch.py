"""``trnpy.scipy_dispatch`` (issue 16): ``scipy.linalg`` (and ``scipy.sparse.linalg``)
called on trnpy arrays runs trnpy's functions and gives SciPy's results; anything else
runs SciPy's own code.

SciPy itself is the oracle: each routed call is compared with SciPy's function object
(captured before any dispatch) on the same NumPy data, with SciPy's keywords drawn by
hypothesis, on both CPU backends (the torch backend is the path CUDA and neuron take).
Matrices are built well conditioned (diagonally dominant); tolerances are a constant x n x
eps(dtype). Decompositions that are unique only up to signs / phases (eigenvectors,
singular vectors, bases) are compared after aligning the phases, or by their invariants.
"""
from __future__ import annotations

import inspect
import os
import runpy
import subprocess
import sys
import threading

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings, strategies as st

import trnpy
from trnpy import _scipy_dispatch as sd
from _helpers import examples
from conftest import numpy_path, to_np
from kernel_helpers import OnKernel

T = trnpy.asarray
COVERED = ["solve", "solve_triangular", "inv", "det", "lstsq", "pinv", "eigh", "eigvalsh",
           "eig", "eigvals", "svd", "svdvals", "cholesky", "cho_factor", "cho_solve", "lu",
           "lu_factor", "lu_solve", "qr", "expm", "sqrtm", "logm", "schur", "hessenberg",
           "norm", "null_space", "orth", "block_diag", "toeplitz", "circulant"]


def _scipy_own(f):
    return f.__wrapped__ if hasattr(f, "_trnpy_impl") else f


SCIPY = {n: _scipy_own(getattr(sl, n)) for n in COVERED}
FLOATS = [np.dtype(d) for d in ("float32", "float64", "complex64", "complex128")]
LinAlgError = np.linalg.LinAlgError


@pytest.fixture(autouse=True)
def _dispatch_off_after():
    yield
    assert not sd.is_on(), "a test left the dispatch on"
    assert all(getattr(sl, n) is SCIPY[n] for n in COVERED)


def eps(dt):
    return float(np.finfo(np.dtype(dt)).eps)


def rand(rng, shape, dt):
    x = rng.standard_normal(shape)
    if np.dtype(dt).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dt)


def dominant(rng, n, dt, m=None):
    """A well-conditioned (diagonally dominant) m x n matrix."""
    m = n if m is None else m
    return (rand(rng, (m, n), dt) + 3 * max(m, n) * np.eye(m, n)).astype(dt)


def spd(rng, n, dt):
    x = rand(rng, (n, n), dt)
    return (x @ x.conj().T + n * np.eye(n)).astype(dt)


def hermitian(rng, n, dt):
    x = rand(rng, (n, n), dt)
    return ((x + x.conj().T) / 2).astype(dt)


def conv(x):
    if isinstance(x, np.ndarray):
        return T(x)
    if isinstance(x, tuple):
        return tuple(conv(v) for v in x)
    return x


def both(name, *args, **kw):
    """(SciPy on NumPy, scipy.linalg.<name> under the dispatch on trnpy arrays); an
    exception is returned as the result. The NumPy inputs are checked untouched."""
    keep = [a.copy() for a in args if isinstance(a, np.ndarray)]
    try:
        exp = SCIPY[name](*[a.copy() if isinstance(a, np.ndarray) else a for a in args],
                          **kw)
    except Exception as e:          # noqa: BLE001 - compared below
        exp = e
    targs = [conv(a) for a in args]
    with trnpy.scipy_dispatch():
        try:
            got = getattr(sl, name)(*targs, **kw)
        except Exception as e:      # noqa: BLE001
            got = e
    for a, k in zip([a for a in targs if isinstance(a, trnpy.TrnArray)], keep):
        np.testing.assert_array_equal(to_np(a), k)         # overwrite_* never overwrite
    return exp, got


def same(exp, got, tol):
    """``got`` is SciPy's ``exp``: structure, types, dtypes, shapes, values within
    ``tol`` x max(1, |exp|)."""
    if isinstance(exp, Exception):
        assert isinstance(got, Exception), f"SciPy raised {exp!r}, trnpy gave a result"
        assert type(got) is type(exp), (got, exp)
        return
    if isinstance(got, Exception):
        raise got
    if exp is None or isinstance(exp, (bool, int, str)):
        assert type(got) is type(exp) and got == exp, (got, exp)
    elif isinstance(exp, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(exp), (got, exp)
        for g, e in zip(got, exp):
            same(e, g, tol)
    else:
        if isinstance(exp, np.generic) and not isinstance(got, trnpy.TrnArray):
            assert type(got) is type(exp), (type(got), type(exp))    # a value on the CPU
        elif isinstance(exp, np.generic):          # a 0-d array on other devices
            assert got.device != trnpy.device("cpu") and got.ndim == 0
        else:
            assert isinstance(got, trnpy.TrnArray), type(got)
        g, e = to_np(got), np.asarray(exp)
        assert g.dtype == e.dtype and g.shape == e.shape, (g.dtype, g.shape, e.dtype, e.shape)
        if e.dtype.kind in "fc":
            scale = max(1.0, float(np.abs(e[np.isfinite(e)]).max(initial=0)))
            np.testing.assert_allclose(g, e, rtol=0, atol=tol * scale)
        else:
            np.testing.assert_array_equal(g, e)


def align(g, e):
    """``g``'s columns times the phases that best match ``e``'s (eigen/singular vectors
    are unique up to them)."""
    d = np.sum(np.conj(g) * e, axis=-2, keepdims=True)
    ph = np.where(np.abs(d) == 0, 1, d / np.where(np.abs(d) == 0, 1, np.abs(d)))
    return g * ph


def tol_of(dt, n, c=200):
    return c * max(n, 1) * eps(np.dtype(dt).char.lower() if np.dtype(dt).kind == "c"
                               else dt)


settings_ = settings(max_examples=examples(12), deadline=None)
common = dict(seed=st.integers(0, 2**31), dt=st.sampled_from(FLOATS), n=st.integers(1, 6))


# ---------------------------------------------------------------------------
# linear systems
SOLVE_STRUCTURES = [None, "gen", "general", "sym", "symmetric", "her", "hermitian", "pos",
                    "positive definite", "diagonal", "tridiagonal", "upper triangular",
                    "lower triangular"]


def structured(rng, n, dt, assume):
    a = dominant(rng, n, dt)
    if assume in ("pos", "positive definite"):
        return spd(rng, n, dt)
    if assume == "diagonal":
        return np.diag(np.diag(a)).astype(dt) + np.triu(rand(rng, (n, n), dt), 1) * 0
    if assume == "tridiagonal":
        return (np.triu(np.tril(a, 1), -1)).astype(dt)
    return a


@settings_
@given(assume=st.sampled_from(SOLVE_STRUCTURES), lower=st.booleans(),
       transposed=st.booleans(), check_finite=st.booleans(), overwrite=st.booleans(),
       vec=st.booleans(), **common)
def test_solve(backend, seed, dt, n, assume, lower, transposed, check_finite, overwrite,
               vec):
    rng = np.random.default_rng(seed)
    a = structured(rng, n, dt, assume)
    b = rand(rng, (n,) if vec else (n, 2), dt)
    same(*both("solve", a, b, lower=lower, transposed=transposed, assume_a=assume,
               check_finite=check_finite, overwrite_a=overwrite, overwrite_b=overwrite),
         tol_of(dt, n))


@settings_
@given(trans=st.sampled_from([0, 1, 2, "N", "T", "C"]), lower=st.booleans(),
       unit=st.booleans(), **common)
def test_solve_triangular_and_factor_solves(backend, seed, dt, n, trans, lower, unit):
    rng = np.random.default_rng(seed)
    a, b = dominant(rng, n, dt), rand(rng, (n, 3), dt)
    tol = tol_of(dt, n)
    same(*both("solve_triangular", a, b, trans=trans, lower=lower, unit_diagonal=unit,
               overwrite_b=True), tol)
    exp, got = both("lu_factor", a, overwrite_a=True)
    same(exp, got, tol)
    same(*both("lu_solve", exp, b, trans=trans if trans in (0, 1, 2) else 0), tol)
    p = spd(rng, n, dt)
    exp, got = both("cho_factor", p, lower=lower)
    same(exp, got, tol)
    same(*both("cho_solve", exp, b), tol)
    same(*both("cholesky", p, lower=lower, overwrite_a=True), tol)


@settings_
@given(assume=st.sampled_from([None, "general", "gen", "diagonal", "upper triangular",
                               "lower triangular", "pos", "sym", "her"]),
       lower=st.booleans(), **common)
def test_inv_and_det(backend, seed, dt, n, assume, lower):
    rng = np.random.default_rng(seed)
    a = spd(rng, n, dt) if assume == "pos" else structured(rng, n, dt, assume)
    same(*both("inv", a, assume_a=assume, lower=lower), tol_of(dt, n))
    same(*both("det", a), tol_of(dt, n))
    same(*both("det", np.stack([a, 2 * a])), tol_of(dt, n))


@settings_
@given(m=st.integers(1, 6), deficient=st.booleans(), vec=st.booleans(),
       cond=st.sampled_from([None, 1e-3, -1]),
       driver=st.sampled_from([None, "gelsd", "gelsy", "gelss"]), **common)
def test_lstsq(backend, seed, dt, n, m, deficient, vec, cond, driver):
    rng = np.random.default_rng(seed)
    a = dominant(rng, n, dt, m)
    if deficient and n > 1:
        a[:, -1] = a[:, 0]
    b = rand(rng, (m,) if vec else (m, 2), dt)
    exp, got = both("lstsq", a, b, cond=cond, lapack_driver=driver)
    if deficient and n > 1 and driver == "gelsy" and cond == -1:
        # gelsy takes a negative rcond as "every column counts": the answer for a rank-
        # deficient matrix is rounding noise in both (compared: its shape and dtype)
        assert got[0].shape == exp[0].shape and got[0].dtype == exp[0].dtype
        return
    if deficient and n > 1 and driver == "gelsy":
        # gelsy's complete orthogonal factorisation: the same minimum-norm solution
        same(exp[0], got[0], 1e3 * tol_of(dt, n))
        same(exp[1:], got[1:], 1e3 * tol_of(dt, n))
        return
    same(exp, got, 1e3 * tol_of(dt, n))


# ---------------------------------------------------------------------------
# eigenproblems
@settings_
@given(gen=st.booleans(), lower=st.booleans(), only=st.booleans(),
       type_=st.sampled_from([1, 2, 3]), subset=st.sampled_from([None, "index", "value"]),
       driver=st.sampled_from([None, "std", "gen"]), **common)
def test_eigh_eigvalsh(backend, seed, dt, n, gen, lower, only, type_, subset, driver):
    rng = np.random.default_rng(seed)
    a = hermitian(rng, n, dt)
    b = spd(rng, n, dt) if gen else None
    kw = dict(lower=lower, type=type_)
    if driver is not None:
        kw["driver"] = {"std": ["ev", "evd", "evr", "evx"],
                        "gen": ["gv", "gvd", "gvx"]}[driver][seed % (4 if driver == "std"
                                                                    else 3)]
    if subset == "index":
        kw["subset_by_index"] = (0, max(n - 2, 0))
    elif subset == "value":
        kw["subset_by_value"] = (-np.inf, 0.5)
    tol = tol_of(dt, n, 2000)
    args = (a,) if b is None else (a, b)
    exp, got = both("eigvalsh", *args, **kw)
    same(exp, got, tol)
    exp, got = both("eigh", *args, eigvals_only=only, **kw)
    if only or isinstance(exp, Exception):
        same(exp, got, tol)
        return
    same(exp[0], got[0], tol)
    ev = to_np(got[1])
    assert ev.dtype == exp[1].dtype and ev.shape == exp[1].shape
    # eigenvectors: unique up to phase for distinct eigenvalues; the residual always
    w = np.asarray(exp[0])
    bm = np.eye(n) if b is None else b
    if type_ == 1:
        r = a @ ev - bm @ ev * w
    elif type_ == 2:
        r = a @ bm @ ev - ev * w
    else:
        r = bm @ a @ ev - ev * w
    scale = np.abs(a).max() * np.abs(bm).max() * max(1, np.abs(ev).max(initial=0))
    assert np.abs(r).max(initial=0) <= 10 * tol * scale
    gaps = np.diff(w)
    if w.size and (gaps.size == 0 or gaps.min() > 1e-2 * max(1, np.abs(w).max())):
        np.testing.assert_allclose(align(ev, exp[1]), exp[1], rtol=0,
                                   atol=1e2 * tol * max(1, np.abs(exp[1]).max()))


@settings_
@given(right=st.booleans(), homogeneous=st.booleans(), **common)
def test_eig_eigvals(backend, seed, dt, n, right, homogeneous):
    rng = np.random.default_rng(seed)
    a = rand(rng, (n, n), dt)
    tol = tol_of(dt, n, 5000)
    exp, got = both("eigvals", a, homogeneous_eigvals=homogeneous)
    srt = (lambda w: np.sort_complex(w)) if not homogeneous else (lambda w: w[:, np.lexsort(
        (np.round(w[0].imag, 4), np.round(w[0].real, 4)))])
    assert to_np(got).dtype == exp.dtype and to_np(got).shape == exp.shape
    np.testing.assert_allclose(srt(to_np(got)), srt(exp), rtol=0, atol=tol * max(1, np.abs(
        exp).max()))
    exp, got = both("eig", a, right=right)
    if not right:
        same(np.sort_complex(exp), T(np.sort_complex(to_np(got))), tol)
        return
    w, v = (to_np(x) for x in got)
    assert w.dtype == exp[0].dtype and v.dtype == exp[1].dtype, (w.dtype, v.dtype, exp)
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(exp[0]), rtol=0,
                               atol=tol * max(1, np.abs(exp[0]).max()))
    assert np.abs(a @ v - v * w).max() <= tol * max(1, np.abs(a).max())
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1, atol=tol)


@settings_
@given(left=st.booleans(), right=st.booleans(), homogeneous=st.booleans(),
       singular=st.booleans(), **common)
def test_eig_generalized_and_left_vectors(backend, seed, dt, n, left, right, homogeneous,
                                          singular):
    """``b=`` (LAPACK ggev) and ``left=True`` have no torch algorithm: off the NumPy
    backend SciPy runs on a host copy (recorded), so the results are SciPy's, infinite
    eigenvalues of a singular ``b`` included."""
    rng = np.random.default_rng(seed)
    a, b = rand(rng, (n, n), dt), rand(rng, (n, n), dt)
    if singular:
        b[-1] = 0
    tol = tol_of(dt, n, 10)
    before = trnpy.ROUTES[("linalg.eig", "numpy")]
    same(*both("eig", a, b, left=left, right=right, homogeneous_eigvals=homogeneous), tol)
    same(*both("eigvals", a, b, homogeneous_eigvals=homogeneous), tol)
    same(*both("eig", a, left=True, right=right), tol)
    assert trnpy.ROUTES[("linalg.eig", "numpy")] - before == \
        (0 if numpy_path(backend) else 3)


@settings_
@given(m=st.integers(1, 5), k=st.integers(1, 3), **common)
def test_lstsq_of_a_stack(backend, seed, dt, n, m, k):
    """SciPy's lstsq loops over a stack; off the NumPy backend it runs on a host copy."""
    rng = np.random.default_rng(seed)
    a, b = rand(rng, (2, m, n), dt), rand(rng, (2, m, k), dt)
    same(*both("lstsq", a, b), tol_of(dt, max(m, n), 10))


# ---------------------------------------------------------------------------
# SVD and what is built on it
@settings_
@given(m=st.integers(0, 6), full=st.booleans(), uv=st.booleans(),
       driver=st.sampled_from(["gesdd", "gesvd"]), **common)
def test_svd_family(backend, seed, dt, n, m, full, uv, driver):
    rng = np.random.default_rng(seed)
    a = rand(rng, (m, n), dt)
    tol = tol_of(dt, max(m, n), 1000)
    same(*both("svdvals", a), tol)
    exp, got = both("svd", a, full_matrices=full, compute_uv=uv, lapack_driver=driver)
    if not uv:
        same(exp, got, tol)
    else:
        u, s, vh = (to_np(x) for x in got)
        for g, e in zip((u, s, vh), exp):
            assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(s, exp[1], rtol=0, atol=tol * max(1, s.max(initial=0)))
        k = min(m, n)
        np.testing.assert_allclose((u[:, :k] * s) @ vh[:k], a, rtol=0,
                                   atol=tol * max(1, np.abs(a).max(initial=0)))
        np.testing.assert_allclose(u.conj().T @ u, np.eye(u.shape[1]), atol=tol)
        np.testing.assert_allclose(vh @ vh.conj().T, np.eye(vh.shape[0]), atol=tol)
    if m:
        b = a.copy()
        if n > 1:
            b[:, -1] = b[:, 0]                  # rank deficient
        same(*both("pinv", b, return_rank=True), 1e2 * tol)
        same(*both("pinv", b, atol=0.5, rtol=0.1), 1e2 * tol)
        for fn in ("null_space", "orth"):
            exp, got = both(fn, b)
            g = to_np(got)
            assert g.shape == exp.shape and g.dtype == exp.dtype
            # bases are unique up to a unitary: compare the projectors
            np.testing.assert_allclose(g @ g.conj().T, exp @ exp.conj().T, atol=1e2 * tol)


@settings_
@given(ord_=st.sampled_from([None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf, 0, 3]),
       axis=st.sampled_from([None, 0, 1, (0, 1), (1, 0)]), keepdims=st.booleans(),
       check_finite=st.booleans(), **common)
def test_norm(backend, seed, dt, n, ord_, axis, keepdims, check_finite):
    a = rand(np.random.default_rng(seed), (n + 1, n), dt)
    same(*both("norm", a, ord=ord_, axis=axis, keepdims=keepdims,
               check_finite=check_finite), tol_of(dt, n))
    same(*both("norm", a[0], ord=ord_ if ord_ not in ("fro", "nuc") else None),
         tol_of(dt, n))


# ---------------------------------------------------------------------------
# factorisations and matrix functions
@settings_
@given(m=st.integers(1, 6), permute_l=st.booleans(), p_indices=st.booleans(),
       mode=st.sampled_from(["full", "economic", "r", "raw"]), pivoting=st.booleans(),
       **common)
def test_lu_qr(backend, seed, dt, n, m, permute_l, p_indices, mode, pivoting):
    rng = np.random.default_rng(seed)
    a = rand(rng, (m, n), dt)
    tol = tol_of(dt, max(m, n))
    same(*both("lu", a, permute_l=permute_l, p_indices=p_indices), tol)
    same(*both("qr", a, mode=mode, pivoting=pivoting, lwork=None, overwrite_a=True), tol)


@settings(max_examples=examples(8), deadline=None)        # SciPy's sqrtm/logm are slow
@given(output=st.sampled_from(["real", "complex"]), calc_q=st.booleans(),
       sort=st.sampled_from([None, "lhp", "iuc"]), **common)
def test_matrix_functions_and_special_matrices(backend, seed, dt, n, output, calc_q, sort):
    rng = np.random.default_rng(seed)
    a = (rand(rng, (n, n), dt) / n).astype(dt)
    tol = tol_of(dt, n, 1000)
    same(*both("expm", a), tol)
    p = spd(rng, n, dt)
    # no torch algorithm for these: SciPy on the host data (recorded off the NumPy backend)
    before = sum(trnpy.ROUTES[(f"linalg.{f}", "numpy")] for f in ("sqrtm", "logm", "schur",
                                                                    "hessenberg"))
    same(*both("sqrtm", p), tol)
    same(*both("sqrtm", -p), tol)                   # complex for real input
    same(*both("sqrtm", np.asarray(p[0, 0])), tol)  # 0-d: SciPy's 1 x 1
    same(*both("logm", p), tol)
    same(*both("schur", a, output=output, sort=sort), tol)
    same(*both("hessenberg", a, calc_q=calc_q), tol)
    after = sum(trnpy.ROUTES[(f"linalg.{f}", "numpy")] for f in ("sqrtm", "logm", "schur",
                                                                   "hessenberg"))
    assert after - before == (0 if numpy_path(backend) else 6)
    c, r = rand(rng, (n,), dt), rand(rng, (n + 1,), dt)
    same(*both("toeplitz", c), 0)
    same(*both("toeplitz", c, r), 0)
    same(*both("circulant", c), 0)
    same(*both("block_diag", a, c, p[:1]), 0)
    same(*both("block_diag", np.stack([a, a + 1]), c, p[None, :1]), 0)     # stacks


# ---------------------------------------------------------------------------
# SciPy's exceptions
NAN = np.array([[1.0, np.nan], [0.0, 1.0]])
ERROR_CASES = [
    ("solve", (NAN, np.ones(2)), {}), ("solve", (np.zeros((2, 2)), np.ones(2)), {}),
    ("solve", (np.ones((2, 3)), np.ones(2)), {}), ("solve", (np.eye(2), np.ones(3)), {}),
    ("solve", (np.eye(2), np.ones(2)), dict(assume_a="bogus")),
    ("solve", (np.eye(2) * 1j, np.ones(2)), dict(transposed=True)),
    ("solve", (-np.eye(2), np.ones(2)), dict(assume_a="pos")),
    ("solve_triangular", (np.zeros((2, 2)), np.ones(2)), {}),
    ("solve_triangular", (NAN, np.ones(2)), {}),
    ("inv", (np.zeros((2, 2)),), {}), ("inv", (NAN,), {}), ("inv", (np.ones(3),), {}),
    ("inv", (np.ones((2, 3)),), {}), ("inv", (np.eye(2),), dict(assume_a="bogus")),
    ("det", (NAN,), {}), ("det", (np.ones(3),), {}), ("det", (np.ones((2, 3)),), {}),
    ("lstsq", (NAN, np.ones(2)), {}), ("lstsq", (np.eye(2), np.ones(3)), {}),
    ("lstsq", (np.eye(2), np.ones(2)), dict(lapack_driver="gesv")),
    ("pinv", (NAN,), {}), ("pinv", (np.eye(2),), dict(atol=-1.0)),
    ("eigh", (NAN,), {}), ("eigh", (np.eye(2), np.diag([1.0, -1.0])), {}),
    ("eigh", (np.eye(2),), dict(driver="gv")), ("eigh", (np.eye(2), np.eye(2)), dict(type=4)),
    ("eigh", (np.eye(3),), dict(subset_by_index=(2, 5))),
    ("eigvalsh", (np.ones((2, 3)),), {}),
    ("eig", (NAN,), {}), ("eig", (np.ones((2, 3)),), {}), ("eigvals", (NAN,), {}),
    ("svd", (NAN,), {}), ("svd", (np.ones(3),), {}),
    ("svd", (np.eye(2),), dict(lapack_driver="gesvj")), ("svdvals", (NAN,), {}),
    ("cholesky", (-np.eye(2),), {}), ("cholesky", (NAN,), {}),
    ("cholesky", (np.ones((2, 3)),), {}),
    ("cho_factor", (-np.eye(2),), {}), ("lu", (NAN,), {}), ("lu", (np.ones(3),), {}),
    ("lu_factor", (NAN,), {}), ("qr", (NAN,), {}), ("qr", (np.eye(2),), dict(mode="bogus")),
    ("qr", (np.eye(2),), dict(mode="reduced")), ("norm", (NAN,), {}),
    ("null_space", (np.eye(2),), dict(lapack_driver="bogus")),
    ("sqrtm", (np.ones((2, 3)),), {}), ("sqrtm", (np.ones(3),), {}),
    ("logm", (np.ones((2, 3)),), {}), ("logm", (np.ones(3),), {}),
    ("schur", (np.ones((2, 3)),), {}), ("schur", (NAN,), {}),
    ("schur", (np.eye(2),), dict(output="bogus")), ("schur", (np.eye(2),), dict(sort="x")),
    ("hessenberg", (np.ones((2, 3)),), {}), ("hessenberg", (NAN,), {}),
    ("eig", (np.eye(2), np.eye(3)), {}), ("eig", (NAN, np.eye(2)), {}),
    ("eig", (NAN,), dict(left=True)), ("eigvals", (np.eye(2), NAN), {}),
    ("lstsq", (np.ones((2, 3, 2)), np.ones((2, 2))), {}),
    ("qr", (np.ones((4, 3)),), dict(lwork=2)),              # workspace below geqrf's
    ("qr", (np.ones((5, 4)),), dict(lwork=4)),              # below orgqr's (full Q)
    ("qr", (np.ones((5, 4)),), dict(lwork=1, pivoting=True, mode="economic")),
]


@pytest.mark.parametrize("name,args,kw", ERROR_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ERROR_CASES)])
def test_scipy_exceptions(backend, name, args, kw):
    exp, got = both(name, *args, **kw)
    assert isinstance(exp, Exception), exp
    same(exp, got, 0)
    assert "torch" not in str(got).lower()


def test_scipy_keywords_accepted_only_where_scipy_has_them(backend):
    with trnpy.scipy_dispatch():
        with pytest.raises(TypeError):
            sl.solve(T(np.eye(2)), T(np.ones(2)), UPLO="L")       # NumPy's, not SciPy's
        with pytest.raises(TypeError):
            sl.eigh(T(np.eye(2)), "L")                             # positional after b
        with pytest.raises(TypeError):
            sl.pinv(T(np.eye(2)), 1e-3)                           # keyword-only in SciPy


# ---------------------------------------------------------------------------
# the switch and the context
def test_attributes_replaced_and_restored_identically():
    with trnpy.scipy_dispatch():
        assert sd.is_on()
        for n in COVERED:
            f = getattr(sl, n)
            assert f is not SCIPY[n] and f.__wrapped__ is SCIPY[n], n
            assert f.__name__ == SCIPY[n].__name__ and f.__doc__ == SCIPY[n].__doc__
            assert inspect.signature(f) == inspect.signature(SCIPY[n]), n
        assert isinstance(sl.LinAlgError, type) and sl.LinAlgError is LinAlgError
    assert not sd.is_on()
    for n in COVERED:
        assert getattr(sl, n) is SCIPY[n], n
    assert set(sd.routed()["scipy.linalg"]) == set(COVERED)


def test_nesting_and_switch():
    with trnpy.scipy_dispatch():
        with trnpy.scipy_dispatch():
            assert sd.is_on()
        assert sd.is_on() and sl.eigh is not SCIPY["eigh"]
    assert not sd.is_on() and sl.eigh is SCIPY["eigh"]
    assert trnpy.scipy_dispatch(True) is False
    try:
        assert sd.is_on()
        with trnpy.scipy_dispatch():
            pass
        assert sd.is_on()                               # the switch still holds it on
        first = sl.solve
    finally:
        assert trnpy.scipy_dispatch(False) is True
    assert sl.solve is SCIPY["solve"]
    with trnpy.scipy_dispatch():
        assert sl.solve is first                        # one dispatcher per name
        assert trnpy.scipy_dispatch(False) is False     # the block keeps it on
        assert sd.is_on()
    with pytest.raises(TypeError):
        trnpy.scipy_dispatch(1)
    with pytest.raises(TypeError):
        with trnpy.scipy_dispatch(True):
            pass
    trnpy.scipy_dispatch(False)


def test_bound_before_and_bound_while_on(backend):
    sd.CALLS.clear()
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    ta = trnpy.asarray(a, device="cpu")       # SciPy's own functions take CPU arrays
    before = sl.eigh
    with trnpy.scipy_dispatch():
        from scipy.linalg import eigh as during
        w, v = during(ta)
        assert isinstance(w, trnpy.TrnArray) and isinstance(v, trnpy.TrnArray)
        w0, v0 = before(ta)                             # SciPy's own: NumPy's arrays
        assert type(w0) is np.ndarray
    w1, _ = during(ta)                                  # off: SciPy's function
    assert type(w1) is np.ndarray
    np.testing.assert_array_equal(w1, w0)
    with trnpy.scipy_dispatch():
        assert isinstance(during(ta)[0], trnpy.TrnArray)  # on again: routes again
    # the routed calls are counted by function and device; the others are not
    assert sd.CALLS[("scipy.linalg.eigh", "cpu")] == 2
    assert "scipy.linalg.eigh" in sd.calls(clear=True) and not sd.CALLS


def test_numpy_inputs_get_scipy_results_objects():
    rng = np.random.default_rng(1)
    a, b = dominant(rng, 4, np.float64), rand(rng, (4, 2), np.float64)
    calls = [("solve", (a, b)), ("inv", (a,)), ("det", (a,)), ("lu_factor", (a,)),
             ("svd", (a,)), ("eigh", (a + a.T,)), ("lstsq", (a, b)), ("qr", (a,)),
             ("expm", (a / 10,)), ("block_diag", (a, b)), ("toeplitz", ([1, 2, 3],))]
    for name, args in calls:
        exp = SCIPY[name](*args)
        with trnpy.scipy_dispatch():
            got = getattr(sl, name)(*args)
        for g, e in zip(got if isinstance(exp, tuple) else (got,),
                        exp if isinstance(exp, tuple) else (exp,)):
            assert type(g) is type(e), name
            np.testing.assert_array_equal(g, e)
    # SciPy's own functions calling each other keep working under the dispatch
    exp = [sl.solve_sylvester(a, a, a), sl.polar(a)[0], sl.funm(a / 10, np.exp)]
    with trnpy.scipy_dispatch():
        got = [sl.solve_sylvester(a, a, a), sl.polar(a)[0], sl.funm(a / 10, np.exp)]
    for g, e in zip(got, exp):
        assert type(g) is np.ndarray
        np.testing.assert_array_equal(g, e)


def test_threads_share_the_dispatch_safely():
    errors = []

    def work():
        try:
            for _ in range(50):
                with trnpy.scipy_dispatch():
                    assert sd.is_on()
                    assert isinstance(sl.det(T(np.eye(2))), (np.generic, trnpy.TrnArray))
                    assert type(sl.det(np.eye(2))) is np.float64
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def _run(code, **env):
    e = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        str(os.path.dirname(os.path.dirname(os.path.abspath(trnpy.__file__)))),
        os.environ.get("PYTHONPATH")])), **env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True,
                          text=True, timeout=120)


def test_environment_variable():
    code = ("import sys, trnpy, numpy as np\n"
            "from scipy.linalg import eigh\n"
            "assert trnpy._scipy_dispatch.is_on()\n"
            "w, v = eigh(trnpy.asarray([[2.0, 1.0], [1.0, 3.0]]))\n"
            "assert isinstance(w, trnpy.TrnArray)\n"
            "assert type(eigh(np.eye(2))[0]) is np.ndarray\n"
            "assert 'torch' not in sys.modules, 'the CPU path imported torch'\n"
            "trnpy.scipy_dispatch(False)\n"
            "import scipy.linalg\n"
            "assert scipy.linalg.eigh is eigh.__wrapped__\n")
    r = _run(code, TRNPY_SCIPY_DISPATCH="1", TRNPY_CPU_BACKEND="numpy")
    assert r.returncode == 0, r.stderr
    r = _run("import trnpy", TRNPY_SCIPY_DISPATCH="maybe")
    assert r.returncode != 0 and "TRNPY_SCIPY_DISPATCH" in r.stderr


# ---------------------------------------------------------------------------
# scipy.sparse.linalg: the names trnpy.sparse.linalg exports
def test_sparse_linalg_routes_what_trnpy_exports(backend):
    mod = getattr(trnpy.sparse, "linalg", None)
    if mod is None or not hasattr(mod, "cg"):
        pytest.skip("trnpy.sparse.linalg.cg does not exist (yet)")
    import scipy.sparse as ss
    import scipy.sparse.linalg as ssl
    own = ssl.cg
    n = 20
    a = ss.diags([-np.ones(n - 1), 4 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1]).tocsr()
    b = np.arange(1.0, n + 1)
    exp, info = own(a, b, rtol=1e-10)
    with trnpy.scipy_dispatch():
        assert "cg" in sd.routed()["scipy.sparse.linalg"]
        assert ssl.cg is not own and ssl.cg.__wrapped__ is own
        assert ssl.LinearOperator is getattr(ssl, "LinearOperator")     # classes stay
        assert isinstance(ssl.LinearOperator, type)
        x, info2 = ssl.cg(trnpy.sparse.csr_array(a), T(b), rtol=1e-10)
        assert isinstance(x, trnpy.TrnArray) and info2 == info == 0
        np.testing.assert_allclose(to_np(x), exp, rtol=1e-8)
        x0, _ = ssl.cg(a, b, rtol=1e-10)                       # SciPy's own for SciPy's
        assert type(x0) is np.ndarray
    assert ssl.cg is own


# ---------------------------------------------------------------------------
# the emulated neuron device: the eigh and GEMM kernels
def test_neuron_eigh_and_gemm_reach_kernels(emulated_neuron):
    rng = np.random.default_rng(7)
    n = 12
    a = hermitian(rng, n, np.float32)
    b = spd(rng, n, np.float32)
    ta, tb = (trnpy.asarray(x, device=emulated_neuron) for x in (a, b))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    saved = dict(trnpy.kernel_thresholds)
    trnpy.reset_routes()
    try:
        with trnpy.scipy_dispatch(), trnpy.strict_kernels(), trnpy.force_kernels():
            with OnKernel("eigh", 1):
                w, v = sl.eigh(ta)
            assert w.device == emulated_neuron and w.dtype == np.float32
            ref = SCIPY["eigh"](a64, eigvals_only=True)
            np.testing.assert_allclose(to_np(w), ref, atol=3e-5 * np.abs(ref).max())
            vn = to_np(v).astype(np.float64)
            assert np.abs(a64 @ vn - vn * ref).max() < 1e-4 * np.abs(a64).max()
            # the generalized problem, type 1: L^-1 by one triangular solve, C = L^-1 A
            # L^-H by two GEMMs, the eigh kernel, V = L^-H Y by a third GEMM
            q = np.linalg.qr(rng.standard_normal((n, n)))[0]
            bc = ((q * np.logspace(0, 2, n)) @ q.T).astype(np.float32)    # cond(B) 100
            b64 = bc.astype(np.float64)
            tbc = trnpy.asarray(bc, device=emulated_neuron)
            with OnKernel("eigh", 1), OnKernel("matmul", 3):
                w, v = sl.eigh(ta, tbc)
            ref = SCIPY["eigh"](a64, b64, eigvals_only=True)
            # float32 accuracy scaled by cond(B) (the reduction's error bound)
            tol = 10 * n * eps(np.float32) * np.linalg.cond(b64) * np.abs(ref).max()
            np.testing.assert_allclose(to_np(w), ref, rtol=0, atol=tol)
            vn = to_np(v).astype(np.float64)
            assert np.abs(a64 @ vn - b64 @ vn * ref).max() <= tol * np.abs(vn).max()
            np.testing.assert_allclose(vn.T @ b64 @ vn, np.eye(n), atol=tol)     # SciPy's
            # types 2 (eigenvalues only: no back-transform) and 3: C = L^H A L, 2 GEMMs
            with OnKernel("eigh", 1), OnKernel("matmul", 2):
                w = sl.eigvalsh(ta, tbc, type=2, subset_by_index=(2, 9))
            ref = SCIPY["eigh"](a64, b64, type=2, eigvals_only=True)
            tol = 10 * n * eps(np.float32) * np.linalg.cond(b64) * np.abs(ref).max()
            np.testing.assert_allclose(to_np(w), ref[2:10], rtol=0, atol=tol)
            m = rand(rng, (40, 24), np.float32)
            with OnKernel("matmul", 1):                         # pinv's GEMM step
                p = sl.pinv(trnpy.asarray(m, device=emulated_neuron))
            np.testing.assert_allclose(to_np(p), SCIPY["pinv"](m.astype(np.float64)),
                                       atol=1e-4 * np.abs(SCIPY["pinv"](m)).max())
            with pytest.raises(TypeError, match="det returns float64 even for float32"):
                sl.det(ta)                  # SciPy's det is float64: refused, not downcast
        # the torch path on the device for a few more (no kernels below the thresholds)
        with trnpy.scipy_dispatch():
            c = rand(rng, (n, 3), np.float32)
            tc = trnpy.asarray(c, device=emulated_neuron)
            for name, args, kw in [("solve", (b, c), dict(assume_a="pos")),
                                   ("inv", (b,), {}), ("norm", (a,), dict(ord=1)),
                                   ("norm", (c[:, 0],), {}), ("lu_factor", (b,), {}),
                                   ("cholesky", (b,), dict(lower=True)),
                                   ("svdvals", (c,), {}), ("expm", (a / 100,), {})]:
                # norm: SciPy's BLAS/LAPACK shortcuts give Python floats (float64); on a
                # device the value keeps NumPy's norm dtype (float32 here)
                exp = (np.linalg.norm if name == "norm" else SCIPY[name])(*args, **kw)
                got = getattr(sl, name)(*[trnpy.asarray(x, device=emulated_neuron)
                                          for x in args], **kw)
                for g, e in zip(got if isinstance(exp, tuple) else (got,),
                                exp if isinstance(exp, tuple) else (exp,)):
                    assert isinstance(g, trnpy.TrnArray) and g.device == emulated_neuron
                    g, e = to_np(g), np.asarray(e)
                    assert g.dtype == e.dtype and g.shape == e.shape, name
                    np.testing.assert_allclose(g, e, atol=1e-4 * max(1, np.abs(e).max()),
                                               rtol=0, err_msg=name)
            del tc
    finally:
        trnpy.kernel_thresholds.clear()
        trnpy.kernel_thresholds.update(saved)


def test_neuron_host_steps_recorded_and_refused_under_strict(emulated_neuron):
    """sqrtm, schur, hessenberg and eig(b=) have no torch algorithm: SciPy runs on a host
    copy, the result comes back to the device, the step is a recorded fallback, and under
    strict_kernels() it is refused before anything runs. SciPy's float64 results (logm,
    det, hessenberg's 2 x 2 Q) are refused, never downcast."""
    rng = np.random.default_rng(3)
    a, p = rand(rng, (4, 4), np.float32), spd(rng, 4, np.float32)
    ta, tp = (trnpy.asarray(x, device=emulated_neuron) for x in (a, p))
    calls = [("sqrtm", (p,), {}), ("sqrtm", (-p,), {}), ("schur", (a,), dict(sort="lhp")),
             ("hessenberg", (a,), dict(calc_q=True)), ("eig", (a, p), dict(left=True)),
             ("eigvals", (a, p), {})]
    trnpy.reset_routes()
    with trnpy.scipy_dispatch():
        for name, args, kw in calls:
            exp = SCIPY[name](*args, **kw)
            got = getattr(sl, name)(*[trnpy.asarray(x, device=emulated_neuron)
                                      for x in args], **kw)
            same(exp, got, tol_of(np.float32, 4, 10))          # SciPy's, on the device
            assert all(g.device == emulated_neuron for g in
                       (got if isinstance(got, tuple) else (got,)) if not isinstance(g, int))
        report = trnpy.routing_report()
        for name in ("sqrtm", "schur", "hessenberg", "eig"):
            assert f"linalg.{name}: " in report and "runs on the host" in report, report
        with pytest.raises(TypeError, match="logm returns float64 even for float32"):
            sl.logm(tp)
        with pytest.raises(TypeError, match="hessenberg returns float64"):
            sl.hessenberg(tp[:2, :2], calc_q=True)              # SciPy's 2 x 2 shortcut
        before = dict(trnpy.ROUTES)
        with trnpy.strict_kernels():
            for name, args, kw in calls:
                with pytest.raises(trnpy.KernelFallbackError,
                                   match=rf"scipy\.linalg\.{name[:3]}\w* on neuron"):
                    getattr(sl, name)(*[trnpy.asarray(x, device=emulated_neuron)
                                        for x in args], **kw)
        assert dict(trnpy.ROUTES) == before
    np.testing.assert_array_equal(to_np(ta), a)


def test_example_scipy_on_device(capsys):
    """examples/scipy_on_device.py: the unmodified SciPy code on the emulated neuron
    device (kernels forced at this small size) agrees with SciPy on NumPy."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", "scipy_on_device.py")
    try:
        ns = runpy.run_path(path, run_name="example")
        assert sd.is_on()                 # the script switches it on for the program
        err = ns["main"](20, force=True)
    finally:
        trnpy.scipy_dispatch(False)
    out = capsys.readouterr().out
    assert trnpy.ROUTES[("eigh", "kernel")] == 1, out
    assert err["eigenvalues"] < 1e-4 and err["modes"] < 1e-3 and err["solve"] < 1e-4, out
    if "cg" in err:
        assert err["cg info"] == 0 and err["cg"] < 1e-3, out
    for name in ("scipy.linalg.eigh", "scipy.linalg.solve"):     # the routed calls
        assert f"{name} " in out and "neuron:0" in out, out


def test_explore_findings_inv_her_and_gelsy(backend):
    """Found by the 10x explore run: a 1x1 Hermitian inverse reads the diagonal's real
    part (LAPACK's hetri/potri); gelsy returns no residues; a negative cond is gelsy's
    "every column counts" (full rank), machine precision for gelsd/gelss."""
    a = np.array([[3.125 + 0.5j]], dtype=np.complex64)
    for assume in ("her", "pos"):
        same(*both("inv", a, assume_a=assume), 1e-6)
    m = np.array([[1.0], [2.0]], dtype=np.float32)
    for b in (np.array([1.0, 3.0], np.float32), np.ones((2, 2), np.float32)):
        for driver in ("gelsd", "gelsy", "gelss"):
            same(*both("lstsq", m, b, lapack_driver=driver), 1e-5)
    full = np.array([[1.0, 0.0], [0.0, 1e-12]])
    for driver in ("gelsd", "gelsy", "gelss"):
        exp, got = both("lstsq", full, np.ones(2), cond=-1, lapack_driver=driver)
        assert exp[2] == got[2], driver
