"""numpy.linalg names not covered by test_linalg.py (eig, eigvals, lstsq, cond,
multi_dot, tensorsolve, tensorinv) plus ill-conditioned / rank-deficient / Hermitian
inputs for the decompositions, differential against numpy.linalg on both CPU backends.
Tolerances: a small constant x n x eps(dtype) x the condition number NumPy reports."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
import trnpy.linalg as la
from _helpers import examples
from conftest import assert_matches, to_np

FLOATS = [np.dtype(d) for d in ("float32", "float64", "complex64", "complex128")]
batch_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)


def eps(dt):
    return float(np.finfo(np.dtype(dt)).eps)


def rand(rng, shape, dt):
    dt = np.dtype(dt)
    x = rng.standard_normal(shape)
    if dt.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dt)


def with_cond(rng, batch, n, cond, dt, m=None):
    """(m x n) matrices with 2-norm condition number ``cond``."""
    dt = np.dtype(dt)
    m = n if m is None else m
    cplx = dt.kind == "c"

    def orth(k):
        z = rng.standard_normal(batch + (k, k))
        if cplx:
            z = z + 1j * rng.standard_normal(batch + (k, k))
        return np.linalg.qr(z)[0]
    k = min(m, n)
    s = np.geomspace(1.0, 1.0 / cond, k) if k else np.zeros(0)
    return ((orth(m)[..., :, :k] * s[..., None, :]) @ orth(n)[..., :k, :]).astype(dt)


def hermitian(rng, batch, n, dt):
    x = rand(rng, batch + (n, n), dt)
    return ((x + np.conj(np.swapaxes(x, -1, -2))) / 2).astype(dt)


def close(actual, expected, atol, dtype=None):
    exp = np.asarray(expected)
    a = to_np(actual)
    assert a.shape == exp.shape, (a.shape, exp.shape)
    assert a.dtype == (exp.dtype if dtype is None else dtype), (a.dtype, exp.dtype)
    np.testing.assert_allclose(a, exp, atol=atol, rtol=0)


def cond_of(x):
    return float(np.max(np.linalg.cond(x.astype(np.complex128)), initial=1.0)) \
        if x.size else 1.0


@st.composite
def conditioned(draw, dtypes=FLOATS, square=True, min_n=1, max_n=5):
    dt = draw(st.sampled_from(dtypes))
    batch = draw(batch_shapes)
    n = draw(st.integers(min_n, max_n))
    m = n if square else draw(st.integers(min_n, max_n))
    single = dt in (np.float32, np.complex64)
    cond = draw(st.sampled_from([1.0, 1e2, 1e3] if single else [1.0, 1e3, 1e6, 1e9]))
    seed = draw(st.integers(0, 2**31))
    return with_cond(np.random.default_rng(seed), batch, n, cond, dt, m=m)


# ---------------------------------------------------------------------------
# eig / eigvals
def _match_eigs(got, exp, tol):
    """Every expected eigenvalue has a computed one within ``tol`` and vice versa
    (LAPACK order is not part of the contract)."""
    if exp.size == 0:
        assert got.size == 0
        return
    g, e = np.asarray(got).reshape(-1, got.shape[-1]), exp.reshape(-1, exp.shape[-1])
    for gi, ei in zip(g, e):
        d = np.abs(gi[:, None] - ei[None, :])
        assert d.min(0).max(initial=0) <= tol and d.min(1).max(initial=0) <= tol, (gi, ei)


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(0, 5), st.integers(0, 2**31),
       st.sampled_from(["random", "symmetric", "rotation"]))
def test_eig_eigvals(backend, dt, batch, n, seed, kind):
    rng = np.random.default_rng(seed)
    x = rand(rng, batch + (n, n), dt)
    if kind == "symmetric":            # real eigenvalues: NumPy returns a real dtype
        x = (x + np.swapaxes(x, -1, -2)).astype(dt)
    elif kind == "rotation" and n >= 2:
        x[..., :2, :2] = np.array([[0, 1], [-1, 0]])
    t = trnpy.asarray(x)
    ew, ev = np.linalg.eig(x)
    w, v = la.eig(t)
    assert to_np(w).dtype == ew.dtype and to_np(v).dtype == ev.dtype
    assert to_np(w).shape == ew.shape and to_np(v).shape == ev.shape
    # eigenvalue error <= eps ||A|| cond(V): the eigenvector matrix's condition number
    scale = np.abs(x).max(initial=1.0) * max(n, 1)
    tol = 50 * eps(dt) * scale * cond_of(ev)
    _match_eigs(to_np(w), ew, tol)
    _match_eigs(to_np(la.eigvals(t)), np.linalg.eigvals(x), tol)
    assert to_np(la.eigvals(t)).dtype == np.linalg.eigvals(x).dtype
    vv, ww = to_np(v), to_np(w)
    np.testing.assert_allclose(x @ vv, vv * ww[..., None, :], atol=tol)
    np.testing.assert_allclose(np.linalg.norm(vv, axis=-2), np.ones(ew.shape),
                               atol=50 * n * eps(dt))
    np.testing.assert_array_equal(to_np(t), x)


def test_eig_dtypes_and_errors(backend):
    ints = np.array([[2, 1], [1, 3]], dtype=np.int8)
    rot = np.array([[0, 1], [-1, 0]], dtype=np.float32)
    for x in (ints, rot, rot.astype(np.complex64), np.zeros((0, 0))):
        assert la.eig(trnpy.asarray(x)).eigenvalues.dtype == np.linalg.eig(x)[0].dtype
        assert la.eigvals(trnpy.asarray(x)).dtype == np.linalg.eigvals(x).dtype
    r = la.eig(trnpy.asarray(rot))
    assert r.eigenvalues is r[0] and type(r).__name__ == "EigResult"
    bad = np.array([[np.nan, 1.0], [1.0, 1.0]])
    tb = trnpy.asarray(bad)
    for f in (la.eig, la.eigvals):
        with pytest.raises(la.LinAlgError, match="infs or NaNs"):
            f(tb)
        with pytest.raises(la.LinAlgError):
            f(trnpy.asarray(np.ones((2, 3))))
        with pytest.raises(TypeError):
            f(trnpy.asarray(np.eye(2, dtype=np.float16)))
    np.testing.assert_array_equal(to_np(tb), bad)


# ---------------------------------------------------------------------------
# lstsq
@settings(max_examples=examples(40))
@given(st.sampled_from(FLOATS), st.integers(0, 5), st.integers(0, 5), st.integers(0, 3),
       st.booleans(), st.sampled_from([None, -1, 1e-3]), st.sampled_from([1, 1e3, "deficient"]),
       st.integers(0, 2**31))
def test_lstsq(backend, dt, m, n, k, vec, rcond, cond, seed):
    rng = np.random.default_rng(seed)
    if cond == "deficient" and min(m, n) >= 2:
        a = rand(rng, (m, n), dt)
        a[:, -1] = a[:, 0]                       # exactly rank deficient
    else:
        a = with_cond(rng, (), n, 1.0 if cond == "deficient" else cond, dt, m=m)
    b = rand(rng, (m,) if vec else (m, k), dt)
    kw = {} if rcond == -1 else {"rcond": rcond}
    ex, eres, erank, es = np.linalg.lstsq(a, b, **kw)
    rc = eps(dt) * max(m, n) if rcond in (None, -1) else rcond
    # singular values at the cut-off make the rank a coin toss: skip such draws
    assume(not np.any(np.abs(es - rc * es.max(initial=0)) < 1e-2 * rc * es.max(initial=0)))
    x, res, rank, s = la.lstsq(trnpy.asarray(a), trnpy.asarray(b), **kw)
    assert int(rank) == int(erank) and to_np(rank).dtype == np.int32
    c = cond_of(a) if erank == min(m, n) else 1 / (eps(dt) * max(m, n))
    c = min(c, 1 / (eps(dt) * max(m, n, 1)))
    bn = max(np.abs(b).max(initial=1.0), 1.0)
    close(s, es, atol=20 * max(m, n, 1) * eps(dt) * np.abs(es).max(initial=1.0))
    if erank == min(m, n):
        close(x, ex, atol=50 * max(m, n, 1) * eps(dt) * c * c * bn)
    else:
        # rank-deficient: both are minimum-norm solutions; compare the fitted values
        assert to_np(x).shape == ex.shape and to_np(x).dtype == ex.dtype
        np.testing.assert_allclose(a @ to_np(x), a @ ex, atol=1e3 * max(m, n) * eps(dt) * bn)
    assert to_np(res).shape == eres.shape and to_np(res).dtype == eres.dtype
    np.testing.assert_allclose(to_np(res), eres,
                               atol=100 * max(m, n, 1) * eps(dt) * c * bn * bn * max(k, 1))


def test_lstsq_errors(backend):
    a, b = np.ones((3, 2)), np.ones(3)
    ta, tb = trnpy.asarray(a), trnpy.asarray(b)
    with pytest.raises(la.LinAlgError, match="Incompatible"):
        la.lstsq(ta, trnpy.asarray(np.ones(4)))
    with pytest.raises(la.LinAlgError):
        la.lstsq(trnpy.asarray(np.ones((2, 3, 2))), tb)
    with pytest.raises(la.LinAlgError):
        la.lstsq(trnpy.asarray(np.array([[np.nan, 1.0], [1, 1], [1, 2]])), tb)
    np.testing.assert_array_equal(to_np(ta), a)
    np.testing.assert_array_equal(to_np(tb), b)


# ---------------------------------------------------------------------------
# cond
COND_PS = [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"]


@settings(max_examples=examples(40))
@given(conditioned(), st.sampled_from(COND_PS))
def test_cond(backend, x, p):
    exp = np.linalg.cond(x, p)
    got = la.cond(trnpy.asarray(x), p)
    c = cond_of(x)
    # relative error of a condition number ~ n * eps * cond
    close(got, exp, atol=200 * x.shape[-1] * eps(x.dtype) * c * np.abs(exp).max(initial=1))


def test_cond_singular_and_errors(backend):
    sing = np.array([[[1.0, 2], [2, 4]], [[1, 0], [0, 1]]])
    for p in COND_PS:
        try:
            exp = np.linalg.cond(sing, p)
        except la.LinAlgError:          # 'nuc': NumPy's SVD of the NaN inverse fails
            with pytest.raises(la.LinAlgError):
                la.cond(trnpy.asarray(sing), p)
            continue
        got = la.cond(trnpy.asarray(sing), p)
        if p in (None, 2, -2):
            # the smallest singular value of the exactly singular sing[0] is rounding
            # noise in [0, n*eps*|A|] (LAPACK and cuSOLVER differ): only "numerically
            # singular" is defined; the regular sing[1] must match
            assert_matches(got[1:], exp[1:], rtol=1e-12)
            g0, eps = float(to_np(got)[0]), np.finfo(np.float64).eps
            if p == -2:
                assert 0 <= g0 <= 10 * 2 * eps
            else:
                assert g0 >= 1 / (10 * 2 * eps)
            continue
        assert_matches(got, exp, rtol=1e-12)
    nan = np.array([[np.nan, 1.0], [1, 1]])
    assert_matches(la.cond(trnpy.asarray(nan), 1), np.asarray(np.linalg.cond(nan, 1)))
    with pytest.raises(la.LinAlgError):
        np.linalg.cond(nan)
    with pytest.raises(la.LinAlgError):
        la.cond(trnpy.asarray(nan))
    with pytest.raises(la.LinAlgError, match="empty"):
        la.cond(trnpy.asarray(np.zeros((0, 0))))
    with pytest.raises(la.LinAlgError):
        la.cond(trnpy.asarray(np.ones((2, 3))), 1)
    with pytest.raises(ValueError):
        la.cond(trnpy.asarray(np.eye(2)), 3)


# ---------------------------------------------------------------------------
# multi_dot, tensorsolve, tensorinv
@settings(max_examples=examples(30))
@given(st.lists(st.integers(1, 5), min_size=3, max_size=6), st.booleans(), st.booleans(),
       st.sampled_from([np.dtype("float64"), np.dtype("complex64"), np.dtype("int32")]),
       st.integers(0, 2**31))
def test_multi_dot(backend, dims, first_vec, last_vec, dt, seed):
    rng = np.random.default_rng(seed)
    arrs = [(rng.integers(-5, 5, (dims[i], dims[i + 1])) if dt.kind == "i"
             else rand(rng, (dims[i], dims[i + 1]), dt)).astype(dt)
            for i in range(len(dims) - 1)]
    if first_vec:
        arrs[0] = arrs[0][0]
    if last_vec and len(arrs) > 1:
        arrs[-1] = arrs[-1][:, 0]
    exp = np.linalg.multi_dot(arrs)
    got = la.multi_dot([trnpy.asarray(a) for a in arrs])
    if dt.kind == "i":
        assert_matches(got, exp)
    else:
        bound = np.abs(exp).max(initial=1) * 0 + np.prod([np.abs(a).max() * a.shape[0]
                                                         for a in arrs])
        close(got, exp, atol=20 * len(arrs) * eps(dt) * bound)
    if first_vec or last_vec:
        return                 # NumPy itself refuses out= when an end is a vector
    out = trnpy.asarray(np.zeros(exp.shape, exp.dtype))
    assert la.multi_dot([trnpy.asarray(a) for a in arrs], out=out) is out
    np.testing.assert_allclose(to_np(out), exp, rtol=1e-4)


def test_multi_dot_errors(backend):
    with pytest.raises(ValueError):
        la.multi_dot([trnpy.asarray(np.ones((2, 2)))])
    with pytest.raises(ValueError):
        la.multi_dot([trnpy.asarray(np.ones((2, 3))), trnpy.asarray(np.ones((2, 3)))])
    with pytest.raises(ValueError):
        la.multi_dot([trnpy.asarray(np.ones((2, 2)))] * 3,
                     out=trnpy.asarray(np.zeros((2, 2), np.float32)))


@settings(max_examples=examples(25))
@given(st.sampled_from(FLOATS), st.sampled_from([((2, 3), (6,)), ((6,), (2, 3)),
                                                  ((2, 2), (2, 2)), ((4,), (4,))]),
       st.integers(0, 2**31), st.booleans())
def test_tensorsolve_tensorinv(backend, dt, shapes, seed, use_axes):
    rng = np.random.default_rng(seed)
    bshape, xshape = shapes
    n = int(np.prod(xshape))
    a = with_cond(rng, (), n, 10.0, dt).reshape(bshape + xshape)
    b = rand(rng, bshape, dt)
    axes = None
    if use_axes and a.ndim >= 3:
        axes = (0,)
        a = np.moveaxis(a, len(bshape) - 1, 0) if len(bshape) > 1 else a
    try:
        exp = np.linalg.tensorsolve(a, b, axes=axes)
    except np.linalg.LinAlgError:
        with pytest.raises(la.LinAlgError):
            la.tensorsolve(trnpy.asarray(a), trnpy.asarray(b), axes=axes)
        return
    tol = 500 * n * eps(dt) * np.abs(exp).max(initial=1)
    close(la.tensorsolve(trnpy.asarray(a), trnpy.asarray(b), axes=axes), exp, atol=tol)
    ind = len(bshape)
    a2 = with_cond(rng, (), n, 10.0, dt).reshape(bshape + xshape)
    ei = np.linalg.tensorinv(a2, ind=ind)
    close(la.tensorinv(trnpy.asarray(a2), ind=ind), ei,
          atol=500 * n * eps(dt) * np.abs(ei).max(initial=1))


def test_tensor_errors(backend):
    a = trnpy.asarray(np.ones((2, 3, 4)))
    with pytest.raises(la.LinAlgError):
        la.tensorsolve(a, trnpy.asarray(np.ones(2)))
    with pytest.raises(ValueError):
        la.tensorinv(a, ind=0)
    with pytest.raises(la.LinAlgError):
        la.tensorinv(trnpy.asarray(np.ones((2, 2, 4))), ind=2)


# ---------------------------------------------------------------------------
# ill-conditioned, rank-deficient and Hermitian inputs for the core decompositions
@settings(max_examples=examples(40))
@given(conditioned())
def test_solve_inv_det_ill_conditioned(backend, x):
    rng = np.random.default_rng(0)
    c = cond_of(x)
    n = x.shape[-1]
    t = trnpy.asarray(x)
    b = rand(rng, x.shape[:-1] + (2,), x.dtype)
    exp = np.linalg.solve(x, b)
    tol = 20 * n * c * eps(x.dtype)
    close(la.solve(t, trnpy.asarray(b)), exp, atol=tol * np.abs(exp).max(initial=1))
    ei = np.linalg.inv(x)
    close(la.inv(t), ei, atol=tol * np.abs(ei).max(initial=1))
    ed = np.linalg.det(x)
    close(la.det(t), ed, atol=tol * np.abs(ed).max(initial=1))
    es, el = np.linalg.slogdet(x)
    s, l = la.slogdet(t)
    close(l, el, atol=tol * max(1.0, np.abs(el).max(initial=1)))
    np.testing.assert_array_equal(to_np(t), x)


@settings(max_examples=examples(40))
@given(conditioned(square=False, min_n=1), st.sampled_from([None, 1e-6, 0.5]),
       st.booleans())
def test_svd_pinv_rank_ill_conditioned(backend, x, rtol, hermitian_input):
    if hermitian_input and x.shape[-1] == x.shape[-2]:
        x = ((x + np.conj(np.swapaxes(x, -1, -2))) / 2).astype(x.dtype)
        herm = True
    else:
        herm = False
    t = trnpy.asarray(x)
    e = eps(x.dtype)
    n = max(x.shape[-2:])
    es = np.linalg.svd(x, compute_uv=False, hermitian=herm)
    close(la.svd(t, compute_uv=False, hermitian=herm), es, atol=30 * n * e * es.max())
    # rank: skip draws whose singular values sit at the cut-off
    cut = (rtol if rtol is not None else n * e) * es[..., :1]
    if np.all(np.abs(es - cut) > 100 * n * e * es[..., :1]):
        kw = {} if rtol is None else {"rtol": rtol}
        assert_matches(la.matrix_rank(t, hermitian=herm, **kw),
                       np.asarray(np.linalg.matrix_rank(x, hermitian=herm, **kw)))
        if rtol is not None:
            ep = np.linalg.pinv(x, rtol=rtol, hermitian=herm)
            kept = es[..., :1] / np.where(es > cut, es, np.inf).min(-1, keepdims=True)
            close(la.pinv(t, rtol=rtol, hermitian=herm), ep,
                  atol=50 * n * e * float(kept.max()) * np.abs(ep).max(initial=1))


@settings(max_examples=examples(30))
@given(st.sampled_from(FLOATS), batch_shapes, st.integers(1, 6), st.integers(0, 2**31),
       st.sampled_from(["L", "U"]), st.sampled_from([1.0, 1e-4, 0.0]))
def test_eigh_hermitian_clustered(backend, dt, batch, n, seed, uplo, gap):
    rng = np.random.default_rng(seed)
    h = hermitian(rng, batch, n, dt)
    # clustered / repeated eigenvalues: Q diag(w) Q^H with w close together
    q = with_cond(rng, batch, n, 1.0, dt)
    w0 = np.arange(n) * gap + 1.0
    h = ((q * w0[..., None, :]) @ np.conj(np.swapaxes(q, -1, -2))).astype(dt)
    h = ((h + np.conj(np.swapaxes(h, -1, -2))) / 2).astype(dt)
    ew = np.linalg.eigvalsh(h, UPLO=uplo)
    w, v = la.eigh(trnpy.asarray(h), UPLO=uplo)
    tol = 30 * n * eps(dt) * np.abs(h).max(initial=1.0)
    close(w, ew, atol=tol)
    vv = to_np(v)
    np.testing.assert_allclose(h @ vv, vv * to_np(w)[..., None, :], atol=4 * tol)


def test_singular_errors_inputs_unchanged(backend):
    sing = np.zeros((2, 3, 3))
    t = trnpy.asarray(sing)
    for f in (la.inv, lambda a: la.solve(a, trnpy.asarray(np.ones((2, 3, 1)))),
              lambda a: la.tensorinv(a, ind=1)):
        with pytest.raises(la.LinAlgError):
            f(t if f is not None else t)
    with pytest.raises(la.LinAlgError):
        la.cholesky(trnpy.asarray(np.array([[1.0, 2], [2, 1]])))
    np.testing.assert_array_equal(to_np(t), sing)
    for f in (la.inv, la.det, la.eig, la.eigvals, la.cholesky, la.matrix_power):
        with pytest.raises(la.LinAlgError):
            f(trnpy.asarray(np.ones((2, 3)))) if f is not la.matrix_power else \
                f(trnpy.asarray(np.ones((2, 3))), 2)


def test_all_numpy_names_present():
    for name in np.linalg.__all__:
        assert hasattr(la, name), name


# ---------------------------------------------------------------------------
# emulated neuron device (float32)
def test_emulated_neuron_new_functions(emulated_neuron):
    rng = np.random.default_rng(5)
    x = with_cond(rng, (), 4, 10.0, np.float32)
    t = trnpy.asarray(x, device=emulated_neuron)
    tol = 500 * eps(np.float32)
    w = la.eigvals(t)
    assert w.device == emulated_neuron
    _match_eigs(to_np(w), np.linalg.eigvals(x), tol * cond_of(np.linalg.eig(x)[1]))
    c = la.cond(t, 1)
    assert c.device == emulated_neuron and c.dtype == np.float32
    close(c, np.linalg.cond(x, 1), atol=tol * np.linalg.cond(x, 1) * 10)
    b = rand(rng, (4,), np.float32)
    xs, res, rank, s = la.lstsq(t, trnpy.asarray(b, device=emulated_neuron))
    assert xs.device == emulated_neuron and int(rank) == 4
    close(xs, np.linalg.lstsq(x, b)[0], atol=tol * 100)
    md = la.multi_dot([t, t, t])
    close(md, x @ x @ x, atol=tol)
    with pytest.raises(TypeError, match="float64"):
        la.eig(trnpy.asarray(np.eye(2, dtype=np.int32), device=emulated_neuron))
