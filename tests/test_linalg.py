"""trnpy matmul & friends and trnpy.linalg, differential against NumPy on both CPU
backends. Tolerances are dtype eps times a bound on the rounding error (|a|@|b| for
products, the condition number for solvers)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
import trnpy.linalg as la
from _helpers import examples
from conftest import ALL_DTYPES, INT_DTYPES, assert_matches, to_np

FLOATS = [np.dtype(d) for d in ("float32", "float64", "complex64", "complex128")]
MATMUL_DTYPES = ALL_DTYPES


def eps(dt):
    dt = np.dtype(dt)
    return float(np.finfo(dt).eps) if dt.kind in "fc" else 0.0


def rand(rng, shape, dtype, scale=1.0):
    dt = np.dtype(dtype)
    if dt.kind == "c":
        x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    elif dt.kind in "iu":
        x = rng.integers(0 if dt.kind == "u" else -9, 10, size=shape)
    elif dt.kind == "b":
        x = rng.integers(0, 2, size=shape)
    else:
        x = rng.standard_normal(shape)
    return (x * scale if dt.kind in "fc" else x).astype(dt)


def with_cond(rng, batch, n, cond, dtype):
    """Matrices with 2-norm condition number ``cond``."""
    dt = np.dtype(dtype)
    cplx = dt.kind == "c"
    def orth():
        z = rng.standard_normal(batch + (n, n)) + (1j * rng.standard_normal(batch + (n, n))
                                                   if cplx else 0)
        return np.linalg.qr(z)[0]
    s = np.geomspace(1.0, 1.0 / cond, n) if n else np.zeros(0)
    return (orth() * s[..., None, :] @ orth()).astype(dt)


def check_close(actual, expected, atol, rtol=0.0, dtype=None):
    exp = np.asarray(expected)
    a = to_np(actual)
    assert a.shape == exp.shape, (a.shape, exp.shape)
    assert a.dtype == (exp.dtype if dtype is None else dtype), (a.dtype, exp.dtype)
    if np.ndim(atol) == 0:
        np.testing.assert_allclose(a, exp, atol=atol, rtol=rtol)
    else:                                   # an elementwise error bound
        err = np.abs(a.astype(np.complex128) - exp)
        assert np.all(err <= atol + rtol * np.abs(exp)), (err, atol)


def unchanged(arr_np, arr_t):
    np.testing.assert_array_equal(to_np(arr_t), arr_np)


batch_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)


# ---------------------------------------------------------------------------
# matmul
@st.composite
def matmul_operands(draw):
    d1, d2 = draw(st.sampled_from(MATMUL_DTYPES)), draw(st.sampled_from(MATMUL_DTYPES))
    n, k, m = (draw(st.integers(0, 4)) for _ in range(3))
    b1 = draw(batch_shapes)
    b2 = draw(hnp.broadcastable_shapes(b1, min_dims=0, max_dims=2, min_side=0))
    s1 = draw(st.sampled_from([(k,), b1 + (n, k)]))
    s2 = draw(st.sampled_from([(k,), b2 + (k, m)]))
    def elems(d):
        if d.kind == "c":
            return hnp.from_dtype(d, allow_nan=False, allow_infinity=False, max_magnitude=100)
        if d.kind == "f":
            return hnp.from_dtype(d, allow_nan=False, allow_infinity=False,
                                  min_value=-100, max_value=100)
        return hnp.from_dtype(d)          # full integer range: exercises wrap-around
    x1 = draw(hnp.arrays(d1, s1, elements=elems(d1)))
    x2 = draw(hnp.arrays(d2, s2, elements=elems(d2)))
    if draw(st.booleans()) and x1.ndim:
        x1 = x1[..., ::-1]
    return x1, x2


@settings(max_examples=examples(60))
@given(matmul_operands())
def test_matmul_matches_numpy(backend, ops):
    x1, x2 = ops
    expected = np.matmul(x1, x2)
    a, b = trnpy.asarray(x1), trnpy.asarray(x2)
    got = a @ b
    if expected.dtype.kind in "fc":
        bound = np.abs(x1.astype(np.complex128)) @ np.abs(x2.astype(np.complex128))
        k = x1.shape[-1]
        check_close(got, expected, atol=np.real(bound) * 4 * (k + 1) * eps(expected.dtype)
                    + (1e-3 if expected.dtype == np.float16 else 0))
    else:
        assert_matches(got, expected)
    assert_matches(trnpy.matmul(x1, b), expected, rtol=1e-2, atol=1e-2) \
        if expected.dtype.kind in "fc" else assert_matches(trnpy.matmul(x1, b), expected)
    unchanged(x1, a)


@pytest.mark.parametrize("dt", ["int64", "uint64", "int8", "uint32", "bool"])
def test_integer_matmul_exact_wraparound(backend, dt):
    rng = np.random.default_rng(0)
    info = np.iinfo(dt) if dt != "bool" else None
    if info:
        x = rng.integers(info.min, info.max, size=(2, 5, 7), dtype=dt, endpoint=True)
        y = rng.integers(info.min, info.max, size=(7, 3), dtype=dt, endpoint=True)
    else:
        x, y = rng.integers(0, 2, (2, 5, 7)).astype(bool), rng.integers(0, 2, (7, 3)).astype(bool)
    assert_matches(trnpy.asarray(x) @ trnpy.asarray(y), x @ y)
    assert_matches(trnpy.matmul(trnpy.asarray(x[0, 0]), trnpy.asarray(y)), x[0, 0] @ y)


def test_int_matmul_exact_paths_off_cpu():
    # the integer paths used off the CPU (no integer GEMM there), run here on CPU tensors
    import torch
    from trnpy._gemm import int_matmul_chunked, int_matmul_float64
    rng = np.random.default_rng(1)
    for lo in (10, 2 ** 62):
        a = rng.integers(-lo, lo, (3, 4, 9))
        b = rng.integers(-lo, lo, (9, 2))
        expected = a @ b
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        np.testing.assert_array_equal(int_matmul_chunked(ta, tb, budget=16).numpy(), expected)
        np.testing.assert_array_equal(int_matmul_chunked(ta, tb).numpy(), expected)
        if lo == 10:
            np.testing.assert_array_equal(int_matmul_float64(ta, tb).numpy(), expected)


def test_matmul_errors_leave_inputs(backend):
    x = np.ones((2, 3))
    a = trnpy.asarray(x)
    for bad in (trnpy.asarray(np.float64(2.0)), trnpy.asarray(np.ones((4, 2)))):
        with pytest.raises(ValueError):
            a @ bad
        with pytest.raises(ValueError):
            trnpy.matmul(bad, bad)
    with pytest.raises(ValueError):
        trnpy.asarray(np.ones((2, 2, 3))) @ trnpy.asarray(np.ones((3, 3, 1)))
    unchanged(x, a)


def test_imatmul(backend):
    x, y = np.arange(6.0).reshape(2, 3), np.arange(9.0).reshape(3, 3)
    a = trnpy.asarray(x.copy())
    a2 = a
    a @= trnpy.asarray(y)
    assert a is a2
    assert_matches(a, x @ y)
    ai = trnpy.asarray(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(TypeError):
        ai @= trnpy.asarray(y)                       # float64 result into int64
    with pytest.raises(ValueError):
        ai @= trnpy.asarray(np.ones((3, 4), dtype=np.int64))
    unchanged(np.ones((2, 3), dtype=np.int64), ai)
    out = trnpy.asarray(np.zeros((2, 2, 3)))
    trnpy.matmul(trnpy.asarray(x), trnpy.asarray(y), out=out)
    assert_matches(out, np.broadcast_to(x @ y, (2, 2, 3)))


# ---------------------------------------------------------------------------
# other products
@settings(max_examples=examples(30))
@given(st.sampled_from([np.dtype("float64"), np.dtype("complex128"), np.dtype("int32"),
                        np.dtype("bool"), np.dtype("uint64")]),
       hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3), st.integers(0, 2**31))
def test_products(backend, dt, shape, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, shape, dt)
    y = rand(rng, shape[::-1], dt)
    tx, ty = trnpy.asarray(x), trnpy.asarray(y)
    tol = dict(rtol=1e-12, atol=1e-12) if dt.kind in "fc" else {}
    assert_matches(trnpy.tensordot(tx, ty, axes=1), np.tensordot(x, y, axes=1), **tol)
    assert_matches(trnpy.tensordot(tx, ty, axes=0), np.tensordot(x, y, axes=0), **tol)
    ax = ([0], [y.ndim - 1])
    assert_matches(trnpy.tensordot(tx, ty, axes=ax), np.tensordot(x, y, axes=ax), **tol)
    assert_matches(trnpy.vecdot(tx, tx), np.vecdot(x, x), **tol)
    assert_matches(trnpy.linalg.vecdot(tx, tx, axis=0), np.linalg.vecdot(x, x, axis=0), **tol)
    z = rand(rng, (2, x.shape[-1], 3), dt)
    assert_matches(trnpy.dot(tx, trnpy.asarray(z)), np.dot(x, z), **tol)
    assert_matches(trnpy.dot(tx, trnpy.asarray(z[0, :, 0])), np.dot(x, z[0, :, 0]), **tol)
    assert_matches(trnpy.inner(tx, tx), np.inner(x, x), **tol)
    assert_matches(trnpy.outer(tx, ty), np.outer(x, y), **tol)
    assert_matches(trnpy.vdot(tx, tx), np.vdot(x, x), **tol)
    if x.ndim >= 2:
        assert_matches(trnpy.matrix_transpose(tx), np.matrix_transpose(x))
        assert_matches(la.matrix_transpose(tx), np.matrix_transpose(x))
    assert_matches(trnpy.dot(tx, 2), np.dot(x, 2), **tol)


def test_vecdot_conjugates_and_broadcasts(backend):
    rng = np.random.default_rng(3)
    x = rand(rng, (2, 1, 4), "complex64")
    y = rand(rng, (3, 4), "complex128")
    assert_matches(trnpy.vecdot(trnpy.asarray(x), trnpy.asarray(y)), np.vecdot(x, y))
    with pytest.raises(ValueError):
        trnpy.vecdot(trnpy.asarray(x), trnpy.asarray(np.ones(3)))
    with pytest.raises(ValueError):
        trnpy.vecdot(trnpy.asarray(np.float64(1)), trnpy.asarray(np.ones(3)))


def test_product_errors(backend):
    a, b = trnpy.asarray(np.ones((2, 3))), trnpy.asarray(np.ones((2, 3)))
    with pytest.raises(ValueError):
        trnpy.tensordot(a, b, axes=([1], [1, 0]))
    with pytest.raises(ValueError):
        trnpy.tensordot(a, b, axes=([1], [0]))
    with pytest.raises(ValueError):
        trnpy.dot(a, b)
    with pytest.raises(ValueError):
        la.outer(a, b)
    with pytest.raises(ValueError):
        trnpy.matrix_transpose(trnpy.asarray(np.ones(3)))


# ---------------------------------------------------------------------------
# solvers and decompositions
@st.composite
def square_stacks(draw, dtypes=FLOATS, max_n=5, min_n=0):
    dt = draw(st.sampled_from(dtypes))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    n = draw(st.integers(min_n, max_n))
    cond = draw(st.sampled_from([1.0, 10.0, 1e3, 1e5]))
    if dt.itemsize <= 8 and dt.kind == "f" or dt == np.complex64:
        cond = min(cond, 1e3)
    seed = draw(st.integers(0, 2**31))
    return with_cond(np.random.default_rng(seed), batch, n, cond, dt), cond


def solver_tol(x, cond):
    n = max(x.shape[-1], 1)
    return 20 * n * cond * eps(x.dtype)


@settings(max_examples=examples(30))
@given(square_stacks())
def test_inv_det_slogdet(backend, mc):
    x, cond = mc
    t = trnpy.asarray(x)
    tol = solver_tol(x, cond)
    exp = np.linalg.inv(x)
    scale = np.abs(exp).max(initial=1.0)
    check_close(la.inv(t), exp, atol=tol * scale)
    check_close(la.det(t), np.linalg.det(x), atol=tol * max(1.0, np.abs(np.linalg.det(x)).max(initial=0)))
    s, l = la.slogdet(t)
    es, el = np.linalg.slogdet(x)
    check_close(s, es, atol=tol)
    check_close(l, el, atol=tol * np.maximum(1, np.abs(el)).max(initial=1))
    unchanged(x, t)


@settings(max_examples=examples(30))
@given(square_stacks(min_n=1), st.integers(0, 3), st.booleans())
def test_solve(backend, mc, k, vector_b):
    x, cond = mc
    rng = np.random.default_rng(k)
    b = rand(rng, (x.shape[-1],) if vector_b else x.shape[:-1] + (k,), x.dtype)
    exp = np.linalg.solve(x, b)
    got = la.solve(trnpy.asarray(x), trnpy.asarray(b))
    check_close(got, exp, atol=solver_tol(x, cond) * np.abs(exp).max(initial=1.0))


def test_solve_numpy2_b_rules(backend):
    a = np.eye(3) + np.ones((2, 3, 3))
    b2 = np.arange(6.0).reshape(2, 3)      # a matrix (M=2, K=3) in NumPy 2: mismatch
    with pytest.raises(ValueError):
        la.solve(trnpy.asarray(a), trnpy.asarray(b2))
    b1 = np.arange(3.0)
    assert_matches(la.solve(trnpy.asarray(a), trnpy.asarray(b1)), np.linalg.solve(a, b1),
                   rtol=1e-12, atol=1e-12)
    bb = np.ones((4, 1, 3, 2))
    assert_matches(la.solve(trnpy.asarray(a), trnpy.asarray(bb)), np.linalg.solve(a, bb),
                   rtol=1e-12, atol=1e-12)
    ai = np.array([[2, 1], [1, 3]], dtype=np.int32)
    assert_matches(la.solve(trnpy.asarray(ai), trnpy.asarray(np.array([1, 2], np.int8))),
                   np.linalg.solve(ai, np.array([1, 2], np.int8)), rtol=1e-12)


@pytest.mark.parametrize("dt", FLOATS + [np.dtype("int64")])
def test_singular_raises_linalgerror(backend, dt):
    sing = np.array([[[1, 2, 3], [1, 2, 3], [4, 5, 7]], [[2, 0, 0], [0, 1, 0], [0, 0, 1]]]).astype(dt)
    t = trnpy.asarray(sing)
    for f in (lambda: la.inv(t), lambda: la.solve(t, trnpy.asarray(np.ones(3, dt)))):
        with pytest.raises(np.linalg.LinAlgError):
            f()
        with pytest.raises(la.LinAlgError, match="Singular"):
            f()
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        la.cholesky(trnpy.asarray(-np.eye(3).astype(dt)))
    unchanged(sing, t)
    # LAPACK's LU finds the exact zero pivot; another LU (cuSOLVER) may leave rounding
    # noise: |error| <~ n * eps * (Hadamard bound: product of the row norms)
    wdt = np.linalg.det(sing).dtype
    noise = 3 * np.finfo(wdt).eps * np.prod(np.linalg.norm(sing.astype(wdt), axis=-1), -1)
    cpu = t.device == trnpy.device("cpu")
    assert_matches(la.det(t), np.linalg.det(sing), rtol=1e-5,
                   atol=1e-12 if cpu else noise.max())
    s, l = la.slogdet(t)
    if cpu:
        assert to_np(s)[0] == 0 and to_np(l)[0] == -np.inf
    else:       # exact zero pivot or rounding noise below the bound above
        assert to_np(s)[0] == 0 or to_np(l)[0] <= np.log(noise[0])


def test_shape_errors(backend):
    for f in (la.inv, la.det, la.slogdet, la.cholesky, la.eigh, la.eigvalsh):
        for bad in (np.ones(3), np.ones((2, 3))):
            with pytest.raises(np.linalg.LinAlgError):
                f(trnpy.asarray(bad))
    with pytest.raises(TypeError):
        la.inv(trnpy.asarray(np.eye(2, dtype=np.float16)))
    with pytest.raises(ValueError):
        la.eigh(trnpy.asarray(np.eye(2)), UPLO="X")


def hermitian(rng, batch, n, dt):
    x = rand(rng, batch + (n, n), dt)
    return ((x + np.conj(np.swapaxes(x, -1, -2))) / 2).astype(dt)


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(0, 6), st.integers(0, 2**31),
       st.sampled_from(["L", "U"]))
def test_eigh(backend, dt, batch, n, seed, uplo):
    rng = np.random.default_rng(seed)
    x = hermitian(rng, batch, n, dt)
    x[..., 0:1, :] += 0.25          # not Hermitian any more: only the UPLO triangle counts
    w, v = la.eigh(trnpy.asarray(x), UPLO=uplo)
    ew, ev = np.linalg.eigh(x, UPLO=uplo)
    tol = 30 * max(n, 1) * eps(dt) * np.abs(x).max(initial=1.0)
    check_close(w, ew, atol=tol)
    check_close(la.eigvalsh(trnpy.asarray(x), UPLO=uplo), ew, atol=tol)
    vv = to_np(v)
    assert vv.dtype == ev.dtype and vv.shape == ev.shape
    # eigenvectors: orthonormal and A v = v w (unique only up to phase)
    eye = np.broadcast_to(np.eye(n), vv.shape)
    np.testing.assert_allclose(np.conj(np.swapaxes(vv, -1, -2)) @ vv, eye,
                               atol=30 * max(n, 1) * eps(dt))
    tri = np.tril(x) if uplo == "L" else np.triu(x)
    herm = tri + np.conj(np.swapaxes(tri, -1, -2)) - np.real(np.eye(n) * x) * np.eye(n)
    np.testing.assert_allclose(herm @ vv, vv * to_np(w)[..., None, :], atol=tol * 4)


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(0, 4), st.integers(0, 4),
       st.booleans(), st.integers(0, 2**31))
def test_svd_qr(backend, dt, batch, m, n, full, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, batch + (m, n), dt)
    t = trnpy.asarray(x)
    tol = 30 * max(m, n, 1) * eps(dt) * np.abs(x).max(initial=1.0)
    u, s, vh = la.svd(t, full_matrices=full)
    eu, es, evh = np.linalg.svd(x, full_matrices=full)
    check_close(s, es, atol=tol)
    check_close(la.svdvals(t), es, atol=tol)
    assert to_np(u).shape == eu.shape and to_np(vh).shape == evh.shape
    assert to_np(u).dtype == eu.dtype
    k = min(m, n)
    rec = (to_np(u)[..., :, :k] * to_np(s)[..., None, :]) @ to_np(vh)[..., :k, :]
    np.testing.assert_allclose(rec, x, atol=tol)
    for mode in ("reduced", "complete"):
        q, r = la.qr(t, mode=mode)
        eq, er = np.linalg.qr(x, mode=mode)
        assert to_np(q).shape == eq.shape and to_np(r).shape == er.shape
        assert to_np(q).dtype == eq.dtype
        np.testing.assert_allclose(to_np(q) @ to_np(r), x, atol=tol)
        # same Householder convention: equal up to the sign of each R row
        np.testing.assert_allclose(np.abs(to_np(r)), np.abs(er), atol=tol)
    check_close(la.qr(t, mode="r"), np.linalg.qr(x, mode="r"), atol=tol, rtol=0) \
        if backend == "numpy" else None
    if m == n and m > 0:
        h = hermitian(rng, batch, n, dt)
        hu, hs, hvh = la.svd(trnpy.asarray(h), hermitian=True)
        np.testing.assert_allclose(to_np(hs), np.linalg.svd(h, hermitian=True)[1], atol=tol)
        np.testing.assert_allclose((to_np(hu) * to_np(hs)[..., None, :]) @ to_np(hvh), h,
                                   atol=tol * 4)


@settings(max_examples=examples(25))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(0, 5), st.integers(0, 2**31),
       st.booleans())
def test_cholesky(backend, dt, batch, n, seed, upper):
    rng = np.random.default_rng(seed)
    x = rand(rng, batch + (n, n), dt)
    pd = (x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)).astype(dt)
    pd[..., n - 1:, :1] += 0.5 if n > 1 else 0     # ignored upper/lower part differs
    exp = np.linalg.cholesky(pd, upper=upper)
    got = la.cholesky(trnpy.asarray(pd), upper=upper)
    check_close(got, exp, atol=30 * max(n, 1) * eps(dt) * np.abs(exp).max(initial=1.0))


@settings(max_examples=examples(25))
@given(st.sampled_from(FLOATS + [np.dtype("int64")]), batch_shapes, st.integers(0, 4),
       st.integers(0, 4), st.integers(0, 2**31), st.sampled_from([None, 1e-1, 0.5]))
def test_pinv_matrix_rank(backend, dt, batch, m, n, seed, rtol):
    rng = np.random.default_rng(seed)
    x = rand(rng, batch + (m, n), dt)
    if m > 1 and n > 0 and rtol is not None:
        x[..., 0, :] = x[..., 1, :]            # rank deficient: the cut-off decides
    elif m == n and dt.kind in "fc":
        x = with_cond(rng, batch, n, 10.0, dt)  # default cut-off: keep away from it
    t = trnpy.asarray(x)
    exp = np.linalg.pinv(x, rtol=rtol) if rtol is not None else np.linalg.pinv(x)
    got = la.pinv(t, rtol=rtol) if rtol is not None else la.pinv(t)
    if exp.size:
        tol = 1e3 * max(m, n, 1) * eps(exp.dtype) * np.abs(exp).max(initial=1.0)
        check_close(got, exp, atol=tol)
    else:
        assert to_np(got).shape == exp.shape
    kw = {} if rtol is None else {"rtol": rtol}
    assert_matches(la.matrix_rank(t, **kw), np.asarray(np.linalg.matrix_rank(x, **kw)))


@settings(max_examples=examples(25))
@given(st.sampled_from([np.dtype(d) for d in ("float64", "complex64", "int8", "uint64",
                                              "bool", "int32")]),
       batch_shapes, st.integers(0, 4), st.integers(-3, 6), st.integers(0, 2**31))
def test_matrix_power(backend, dt, batch, n, p, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, batch + (n, n), dt)
    if p < 0:
        if dt.kind not in "fc":
            return
        x = with_cond(rng, batch, n, 10.0, dt)
    exp = np.linalg.matrix_power(x, p)
    got = la.matrix_power(trnpy.asarray(x), p)
    if dt.kind in "fc":
        check_close(got, exp, atol=1e3 * eps(dt) * np.abs(exp).max(initial=1.0))
    else:
        assert_matches(got, exp)
    with pytest.raises(TypeError):
        la.matrix_power(trnpy.asarray(x), 1.5)


ORDS = ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS + [np.dtype("int16"), np.dtype("float16")]), batch_shapes,
       st.integers(1, 4), st.integers(1, 4), st.sampled_from(ORDS), st.booleans(),
       st.integers(0, 2**31))
def test_matrix_norm(backend, dt, batch, m, n, ord, keepdims, seed):
    x = rand(np.random.default_rng(seed), batch + (m, n), dt)
    t = trnpy.asarray(x)
    try:
        exp = np.linalg.matrix_norm(x, ord=ord, keepdims=keepdims)
    except TypeError:
        with pytest.raises(TypeError):
            la.matrix_norm(t, ord=ord, keepdims=keepdims)
        return
    got = la.matrix_norm(t, ord=ord, keepdims=keepdims)
    check_close(got, exp, atol=0, rtol=50 * max(m, n) * eps(exp.dtype))


@settings(max_examples=examples(40))
@given(st.sampled_from(FLOATS + [np.dtype("int16"), np.dtype("float16"), np.dtype("bool")]),
       hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
       st.sampled_from([2, 1, 0, np.inf, -np.inf, 3, -1, 0.5]), st.booleans(),
       st.integers(0, 2**31), st.data())
def test_vector_norm(backend, dt, shape, ord, keepdims, seed, data):
    x = rand(np.random.default_rng(seed), shape, dt)
    if x.size and dt.kind in "fc":
        x.flat[0] = 0
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))
                                     + ([(0, len(shape) - 1)] if len(shape) > 1 else [])))
    t = trnpy.asarray(x)
    try:
        exp = np.asarray(np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord))
    except ValueError:
        with pytest.raises(ValueError):
            la.vector_norm(t, axis=axis, keepdims=keepdims, ord=ord)
        return
    got = la.vector_norm(t, axis=axis, keepdims=keepdims, ord=ord)
    check_close(got, exp, atol=0, rtol=20 * max(x.size, 1) * eps(exp.dtype))


def test_norm_numpy_name(backend):
    x = np.arange(12.0).reshape(3, 4) - 5
    t = trnpy.asarray(x)
    for kw in ({}, {"ord": 1}, {"ord": "nuc"}, {"axis": 1}, {"axis": (1, 0), "ord": np.inf},
               {"keepdims": True}, {"axis": (0, 1), "keepdims": True, "ord": -1}):
        assert_matches(la.norm(t, **kw), np.linalg.norm(x, **kw), rtol=1e-12)
    with pytest.raises(ValueError):
        la.matrix_norm(t, ord=3)
    with pytest.raises(ValueError):
        la.vector_norm(t, ord="fro")


@settings(max_examples=examples(30))
@given(st.sampled_from(ALL_DTYPES), hnp.array_shapes(min_dims=2, max_dims=4, min_side=0,
                                                     max_side=4),
       st.integers(-4, 4), st.integers(0, 2**31),
       st.sampled_from([None, np.dtype("int8"), np.dtype("float32"), np.dtype("uint64")]))
def test_trace_diagonal(backend, dt, shape, offset, seed, dtype):
    x = hnp.arrays if False else rand(np.random.default_rng(seed), shape, dt)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        x = np.random.default_rng(seed).integers(info.min, info.max, shape, dtype=dt,
                                                 endpoint=True)
    t = trnpy.asarray(x)
    assert_matches(la.diagonal(t, offset=offset), np.linalg.diagonal(x, offset=offset))
    with np.errstate(all="ignore"):
        exp = np.linalg.trace(x, offset=offset, dtype=dtype)
    assert_matches(la.trace(t, offset=offset, dtype=dtype), exp, rtol=1e-2
                   if np.dtype(exp.dtype) == np.float16 else None)


@settings(max_examples=examples(30))
@given(st.sampled_from([np.dtype(d) for d in ("float64", "complex64", "int8", "uint16",
                                              "int64", "float32")]),
       batch_shapes, st.integers(0, 2**31), st.data())
def test_cross(backend, dt, batch, seed, data):
    rng = np.random.default_rng(seed)
    shape = batch + (3,)
    pos = data.draw(st.integers(0, len(batch)))
    s1 = shape[:-1][:pos] + (3,) + shape[:-1][pos:]
    x = rand(rng, s1, dt)
    y = rand(rng, s1, dt)
    ax = pos - len(s1) if data.draw(st.booleans()) else pos
    exp = np.linalg.cross(x, y, axis=ax)
    assert_matches(la.cross(trnpy.asarray(x), trnpy.asarray(y), axis=ax), exp,
                   rtol=1e-5 if dt.kind in "fc" else None, atol=1e-5 if dt.kind in "fc" else 0)
    with pytest.raises(ValueError):
        la.cross(trnpy.asarray(np.ones(2)), trnpy.asarray(np.ones(2)))
    with pytest.raises(TypeError):
        la.cross(trnpy.asarray(np.ones(3, bool)), trnpy.asarray(np.ones(3, bool)))


@pytest.mark.parametrize("dt", ["int8", "bool", "int64", "uint32"])
def test_int_input_result_dtypes(backend, dt):
    x = np.array([[2, 1], [1, 3]]).astype(dt) if dt != "bool" else np.eye(2, dtype=bool)
    t = trnpy.asarray(x)
    for f, nf in [(la.inv, np.linalg.inv), (la.det, np.linalg.det),
                  (lambda a: la.eigh(a)[0], lambda a: np.linalg.eigh(a)[0]),
                  (la.eigvalsh, np.linalg.eigvalsh), (la.cholesky, np.linalg.cholesky),
                  (la.svdvals, np.linalg.svdvals), (la.pinv, np.linalg.pinv),
                  (lambda a: la.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1]),
                  (lambda a: la.qr(a)[1], lambda a: np.linalg.qr(a)[1]),
                  (la.matrix_norm, np.linalg.matrix_norm)]:
        exp = nf(x)
        got = f(t)
        assert to_np(got).dtype == np.asarray(exp).dtype
        np.testing.assert_allclose(np.abs(to_np(got)), np.abs(exp), atol=1e-12)


def test_float32_stays_float32(backend):
    x = (np.eye(3) * 2 + 0.1).astype(np.float32)
    t = trnpy.asarray(x)
    assert la.inv(t).dtype == np.float32
    assert la.eigh(trnpy.asarray(x.astype(np.complex64))).eigenvalues.dtype == np.float32
    assert la.svd(t).S.dtype == np.float32
    assert la.solve(t, trnpy.asarray(np.ones(3))).dtype == np.float64   # promotes like NumPy


def test_namedtuples(backend):
    t = trnpy.asarray(np.eye(2) * 2)
    r = la.eigh(t)
    assert r.eigenvalues is r[0] and r.eigenvectors is r[1]
    assert la.svd(t).Vh.shape == (2, 2)
    assert la.slogdet(t).logabsdet.shape == ()
    assert la.qr(t).Q.shape == (2, 2)
    assert la.LinAlgError is np.linalg.LinAlgError


# ---------------------------------------------------------------------------
# emulated neuron device: float32 only
def test_emulated_neuron_linalg(emulated_neuron):
    rng = np.random.default_rng(0)
    x = with_cond(rng, (2,), 4, 10.0, np.float32)
    t = trnpy.asarray(x, device=emulated_neuron)
    tol = 200 * eps(np.float32)
    for f, nf in [(la.inv, np.linalg.inv), (la.det, np.linalg.det),
                  (la.svdvals, np.linalg.svdvals), (la.pinv, np.linalg.pinv),
                  (lambda a: a @ a, lambda a: a @ a), (la.matrix_norm, np.linalg.matrix_norm)]:
        got = f(t)
        assert got.device == emulated_neuron
        check_close(got, nf(x), atol=tol * np.abs(nf(x)).max())
    h = hermitian(rng, (), 5, np.complex64)
    w = la.eigh(trnpy.asarray(h, device=emulated_neuron)).eigenvalues
    assert w.device == emulated_neuron
    check_close(w, np.linalg.eigvalsh(h), atol=tol * 10)
    ti = trnpy.asarray(np.arange(9).reshape(3, 3), device=emulated_neuron)
    assert_matches(ti @ ti, np.arange(9).reshape(3, 3) @ np.arange(9).reshape(3, 3))
    with pytest.raises(TypeError, match="float64"):
        la.inv(ti)                               # NumPy's result would be float64
    with pytest.raises(ValueError):
        t @ trnpy.asarray(np.ones((4, 4), np.float32))   # mixed devices
