"""Regression tests for the wrong answers of issue #10 (item 4), NumPy as the oracle, on
both CPU backends and, where it matters, the emulated neuron device."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from tests.kernel_helpers import clean_policy, emulator_only  # noqa: F401

NEURON = trnpy.device("neuron", emulate=True)


def _outcome(f):
    """(exception class name, or "ok" with the warnings' classes and the result)."""
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = f()
        return "ok", sorted({x.category.__name__ for x in w}), r
    except Exception as e:           # noqa: BLE001 - the class is what is compared
        return type(e).__name__, None, None


# -- a @= b ------------------------------------------------------------------------------
IMATMUL = [((2,), (2,)), ((2,), (2, 3)), ((2,), (2, 2)), ((2, 2), (3, 2, 2)),
           ((3, 2, 2), (2, 2)), ((2, 2), (2, 3)), ((2, 3), (3, 3)), ((2, 2), (2,)),
           ((), (2, 2)), ((2, 2), ()), ((1, 2, 2), (3, 2, 2)), ((2,), (3, 2, 2))]


@pytest.mark.parametrize("sa,sb", IMATMUL)
def test_imatmul(backend, sa, sb):
    a = np.arange(1, 1 + int(np.prod(sa)), dtype=np.float64).reshape(sa)
    b = np.arange(2, 2 + int(np.prod(sb)), dtype=np.float64).reshape(sb)

    def run(xp, a, b):
        def f():
            x = xp.asarray(a.copy())
            x @= xp.asarray(b)
            return np.asarray(x)
        return f
    exp, got = _outcome(run(np, a, b)), _outcome(run(trnpy, a, b))
    assert got[0] == exp[0]
    if exp[0] == "ok":
        np.testing.assert_array_equal(got[2], exp[2])


def test_imatmul_refused_leaves_a_untouched(backend):
    a = trnpy.asarray([1.0, 2.0])
    with pytest.raises(ValueError, match="inplace matrix multiplication"):
        a @= trnpy.asarray([3.0, 4.0])
    assert a.tolist() == [1.0, 2.0]


def test_imatmul_neuron():
    a = np.arange(4, dtype=np.float32).reshape(2, 2)
    x = trnpy.asarray(a.copy(), device=NEURON)
    x @= trnpy.asarray(a.copy(), device=NEURON)
    np.testing.assert_allclose(trnpy.asnumpy(x), a @ a)
    v = trnpy.asarray(a[0], device=NEURON)
    with pytest.raises(ValueError):
        v @= trnpy.asarray(a[0], device=NEURON)


# -- torch-path numerics -------------------------------------------------------------------
@pytest.mark.parametrize("f", ["median", "nanmedian"])
@pytest.mark.parametrize("vals", [[2**64 - 1], [2**63, 2**64 - 1], [2**64 - 1, 2**64 - 3, 5],
                                  [2**63 + 1, 2**63 + 3, 2**64 - 1, 0]])
def test_median_uint64_above_2_63(backend, f, vals):
    a = np.array(vals, dtype=np.uint64)
    assert float(getattr(trnpy, f)(trnpy.asarray(a))) == getattr(np, f)(a)


@given(hnp.arrays(np.complex64, st.integers(0, 40),
                  elements=st.complex_numbers(max_magnitude=1e19, width=64)))
def test_square_complex64_rounds_once(backend, x):
    # NumPy: r*r - i*i and r*i + i*r, each one fused multiply-add
    exp = np.square(x)
    got = trnpy.asnumpy(trnpy.square(trnpy.asarray(x)))
    np.testing.assert_array_equal(got.view(np.float32), exp.view(np.float32))


def test_square_complex64_known_double_rounding(backend):
    x = np.array([3.9120002 - 3.9503381j, 1.0847852 + 2.342432j], dtype=np.complex64)
    got = trnpy.asnumpy(trnpy.square(trnpy.asarray(x)))
    np.testing.assert_array_equal(got.view(np.float32), np.square(x).view(np.float32))


SETITEM = {
    "int <- 1-elem array": lambda xp, a: a.__setitem__(0, xp.asarray([1 + 2j])),
    "int <- 1-elem float array": lambda xp, a: a.__setitem__(0, xp.asarray([1.5])),
    "int <- (1,1) array": lambda xp, a: a.__setitem__(0, xp.asarray([[1 + 2j]])),
    "int <- list": lambda xp, a: a.__setitem__(0, [1 + 2j]),
    "int <- 0-d complex": lambda xp, a: a.__setitem__(0, xp.asarray(1 + 2j)),
    "int <- python complex": lambda xp, a: a.__setitem__(0, 1 + 2j),
    "int <- numpy complex": lambda xp, a: a.__setitem__(0, np.complex64(1 + 2j)),
    "slice <- array": lambda xp, a: a.__setitem__(slice(0, 1), xp.asarray([1 + 2j])),
    "all <- array": lambda xp, a: a.__setitem__(slice(None), xp.asarray([1 + 2j])),
    "fancy <- array": lambda xp, a: a.__setitem__([0], xp.asarray([1 + 2j])),
    "mask <- python complex": lambda xp, a: a.__setitem__(xp.asarray([True, False, False]),
                                                          1 + 2j),
    "ellipsis <- python complex": lambda xp, a: a.__setitem__(Ellipsis, 1 + 2j),
}


@pytest.mark.parametrize("form", list(SETITEM))
@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_setitem_complex_into_real(backend, form, dt):
    """NumPy: an all-integer key refuses any array/sequence (ValueError); a 0-d or scalar
    complex value warns ComplexWarning and drops the imaginary part; so do broadcasts."""
    def run(xp):
        a = xp.zeros(3, dtype=dt)
        return lambda: (SETITEM[form](xp, a), np.asarray(a))[1]
    exp, got = _outcome(run(np)), _outcome(run(trnpy))
    assert got[:2] == exp[:2]
    if exp[0] == "ok":
        np.testing.assert_array_equal(got[2], exp[2])


def test_setitem_sequence_into_element_neuron():
    a = trnpy.zeros(3, dtype="float32", device=NEURON)
    with pytest.raises(ValueError, match="sequence"):
        a[0] = trnpy.asarray([1 + 2j], dtype="complex64", device=NEURON)
    assert trnpy.asnumpy(a).tolist() == [0, 0, 0]


# -- linalg ----------------------------------------------------------------------------------
def _same(got, exp):
    np.testing.assert_array_equal(np.asarray(got), np.asarray(exp))


def test_solve_inv_subnormal_pivots(backend):
    a = np.array([[1e-310, 0.0], [0.0, 1e-310]])
    b = np.array([1e-310, 1e-310])
    np.testing.assert_allclose(trnpy.asnumpy(trnpy.linalg.solve(trnpy.asarray(a),
                                                                trnpy.asarray(b))),
                               np.linalg.solve(a, b))


@pytest.mark.parametrize("m", [
    [[-np.inf, 1e308], [5e-324, 0.0]],
    [[0.0, 1e-310, 1e-310], [3.0, 1.0, 1e-300], [1.0, 0.0, 1e300]],
    [[np.inf, np.inf], [np.inf, 1.0]],
    [[np.inf, 0.0], [0.0, -1.0]],
    [[np.nan]],
    [[np.inf, -np.inf, -1.0], [-0.0, np.inf, np.nan], [-np.inf, 1e308, -1.0]],
    [[0.0, 0.0], [0.0, 1.0]],
    [[1.0, 2.0], [2.0, 4.0]],
    [[2.0, -1.0], [1.0, 3.0]],
])
def test_det_slogdet_as_numpy(backend, m):
    """NumPy's algorithm: LU, then sign and sum of log|pivot| (det = sign * exp(logdet)):
    no pivot product to overflow or give inf * 0."""
    m = np.array(m)
    with np.errstate(all="ignore"):
        _same(trnpy.linalg.det(trnpy.asarray(m)), np.linalg.det(m))
        s, l = trnpy.linalg.slogdet(trnpy.asarray(m))
        es, el = np.linalg.slogdet(m)
    _same(s, es)
    np.testing.assert_allclose(np.asarray(l), el, rtol=1e-12)


NONFINITE_REFUSED = {
    "svd": lambda xp, a: xp.linalg.svd(a),
    "svdvals": lambda xp, a: xp.linalg.svd(a, compute_uv=False),
    "svd hermitian": lambda xp, a: xp.linalg.svd(a, hermitian=True),
    "pinv": lambda xp, a: xp.linalg.pinv(a),
    "lstsq": lambda xp, a: xp.linalg.lstsq(a, xp.ones(a.shape[0])),
    "eig": lambda xp, a: xp.linalg.eig(a),
    "eigvals": lambda xp, a: xp.linalg.eigvals(a),
    "eigh": lambda xp, a: xp.linalg.eigh(a),
    "eigvalsh": lambda xp, a: xp.linalg.eigvalsh(a),
    "matrix_rank": lambda xp, a: xp.linalg.matrix_rank(a),
}


@pytest.mark.parametrize("f", list(NONFINITE_REFUSED))
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_lapack_svd_eig_refuse_nonfinite(backend, f, bad):
    """NumPy's LAPACK hangs on some such input (svd of a 5x5 matrix with a row of inf)
    or answers garbage; the refusal is NumPy's eig's (class and message)."""
    a = np.random.default_rng(0).standard_normal((5, 5))
    a[0] = bad
    x = trnpy.asarray(a)
    with pytest.raises(np.linalg.LinAlgError, match="Array must not contain infs or NaNs"):
        NONFINITE_REFUSED[f](trnpy, x)
    np.testing.assert_array_equal(trnpy.asnumpy(x), a)
    if f in ("eig", "eigvals"):          # NumPy's own refusal, the model of the others
        with pytest.raises(np.linalg.LinAlgError, match="Array must not contain infs"):
            NONFINITE_REFUSED[f](np, a)


@pytest.mark.parametrize("p", [None, 2, -2])
def test_cond_with_inf_is_inf(backend, p):
    """NumPy: a matrix holding inf has condition number inf (one holding NaN fails)."""
    a = np.stack([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[np.inf, 1.0], [1.0, 1.0]])])
    with np.errstate(all="ignore"):
        exp = np.linalg.cond(a, p)
    got = trnpy.asnumpy(trnpy.linalg.cond(trnpy.asarray(a), p))
    np.testing.assert_allclose(got, exp, rtol=1e-12)
    with pytest.raises(np.linalg.LinAlgError):
        trnpy.linalg.cond(trnpy.asarray([[np.nan, 1.0], [1.0, 1.0]]), p)


# -- neuron: float32 cov / corrcoef / roots -----------------------------------------------------
@pytest.mark.parametrize("kw", [{}, {"ddof": 0}, {"bias": True}, {"fweights": [1, 2, 1, 3, 1]},
                                {"aweights": [1.0, 0.5, 2.0, 1.0, 1.0]}])
def test_cov_corrcoef_float32_on_neuron(kw):
    x = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    xn = trnpy.asarray(x, device=NEURON)
    tkw = {k: trnpy.asarray(np.asarray(v, dtype=np.float32 if k == "aweights" else None),
                            device=NEURON) if k.endswith("weights") else v
           for k, v in kw.items()}
    c = trnpy.cov(xn, dtype="float32", **tkw)
    assert c.device == NEURON and c.dtype == np.float32
    np.testing.assert_allclose(trnpy.asnumpy(c), np.cov(x, dtype="float32", **kw),
                               rtol=2e-5, atol=1e-6)
    r = trnpy.corrcoef(xn, dtype="float32")
    assert r.dtype == np.float32
    np.testing.assert_allclose(trnpy.asnumpy(r), np.corrcoef(x, dtype="float32"),
                               rtol=2e-5, atol=1e-6)
    with pytest.raises(TypeError, match="float64"):          # NumPy's default: float64
        trnpy.cov(xn)


@pytest.mark.parametrize("p", [[1.0, -3.0, 2.0], [2.0, -5.0, 1.0, 3.0], [0.0, 1.0, 0.0, -4.0, 0.0],
                               [1 + 1j, 2.0, 3j], [0.0, 0.0], [5.0]])
def test_roots_float32_on_neuron(p):
    p = np.array(p)
    p = p.astype(np.complex64 if p.dtype.kind == "c" else np.float32)
    r = trnpy.roots(trnpy.asarray(p, device=NEURON))
    exp = np.roots(p)                          # NumPy keeps p's float dtype
    # (NumPy's float64 empty result for a constant: the device's float32 here)
    assert r.device == NEURON and (r.dtype == exp.dtype or r.size == 0)
    np.testing.assert_allclose(np.sort_complex(trnpy.asnumpy(r)), np.sort_complex(exp),
                               rtol=1e-4, atol=1e-5)


def test_roots_dtype_as_numpy(backend):
    for p in (np.array([1, 2, 1], np.float32), np.array([1, 2j, 1], np.complex64),
              np.array([1, 2, 3]), np.array([0.0, 0.0])):
        assert trnpy.roots(trnpy.asarray(p)).dtype == np.roots(p).dtype


# -- the FFT kernel and non-finite input ---------------------------------------------------------
def _same_nonfinite(got, exp):
    for g, e in ((got.real, exp.real), (got.imag, exp.imag)) if np.iscomplexobj(exp) else \
            ((got, exp),):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(e))
        np.testing.assert_array_equal(np.where(np.isinf(e), e, 0), np.where(np.isinf(g), g, 0))
        ok = np.isfinite(e)
        np.testing.assert_allclose(g[ok], e[ok], rtol=1e-4, atol=1e-4 * max(1, np.abs(e[ok]).max(
            initial=0)))


@emulator_only
@pytest.mark.parametrize("x", [
    [np.inf, 0, 0, 0, 0, 0, 0, 0],
    [-np.inf, 1, 2, 3, 4, 5, 6, 7],
    [0, np.inf, 0, 0, 0, 0, 0, 0],
    [1, 2, np.inf, 3, 4, 5, 6, 7],
    [np.inf, 1, -np.inf, 0, 0, 0, 0, 0],
    [np.nan, 0, 0, 0, 1, 0, 0, 0],
    [0, 0, 0, 0, np.nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
])
@pytest.mark.parametrize("f,kw", [("fft", {}), ("ifft", {}), ("rfft", {}), ("ihfft", {}),
                                  ("rfft", {"norm": "forward"}), ("fft", {"norm": "ortho"})])
def test_fft_kernel_nonfinite_input(clean_policy, x, f, kw):  # noqa: F811
    """NumPy (pocketfft): inf input gives inf+0j, not inf+nanj everywhere."""
    x = np.array(x, dtype=np.float32)
    with trnpy.force_kernels(), np.errstate(all="ignore"):
        got = trnpy.asnumpy(getattr(trnpy.fft, f)(trnpy.asarray(x, device=NEURON), **kw))
        exp = getattr(np.fft, f)(x, **kw)
    assert trnpy.ROUTES[("fft", "kernel")] == 1
    _same_nonfinite(got, exp)


@emulator_only
@pytest.mark.parametrize("f,kw,cplx", [("fft2", {"norm": "ortho"}, True), ("rfftn", {}, False),
                                       ("irfftn", {}, True), ("ifftn", {}, True),
                                       ("fft", {"axis": 0}, False), ("hfft", {}, True)])
def test_fft_kernel_nonfinite_nd(clean_policy, f, kw, cplx):  # noqa: F811
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    x[1, 3], x[2, 0], x[3, 6] = np.inf, -np.inf, np.nan
    if cplx:
        x = (x + 1j * rng.standard_normal(x.shape)).astype(np.complex64)
    with trnpy.force_kernels(), np.errstate(all="ignore"):
        got = trnpy.asnumpy(getattr(trnpy.fft, f)(trnpy.asarray(x, device=NEURON), **kw))
        exp = getattr(np.fft, f)(x, **kw)
    assert trnpy.ROUTES[("fft", "kernel")] >= 1 and not trnpy.ROUTES[("fft", "torch")]
    _same_nonfinite(got, exp)


# -- uint64 indices >= 2**63, huge diagonal offsets (torch's RuntimeError leaked) ----------
@pytest.mark.parametrize("where", ["get", "set"])
@pytest.mark.parametrize("idx", [[2**63 + 1], [2**64 - 1, 2**63], [0, 2**63]])
def test_uint64_index_beyond_int64(backend, where, idx):
    k = np.array(idx, dtype=np.uint64)

    def run(xp, a):
        if where == "get":
            return a[k if xp is np else trnpy.asarray(k)]
        a[k if xp is np else trnpy.asarray(k)] = 1.0
        return a

    a = np.arange(6.0)
    exp, got = _outcome(lambda: run(np, a.copy())), _outcome(lambda: run(trnpy, trnpy.asarray(a)))
    assert got[0] == exp[0]
    if exp[0] == "ok":
        np.testing.assert_array_equal(trnpy.asnumpy(got[2]), exp[2])
    else:
        with pytest.raises(IndexError) as e:
            run(np, a.copy())
        with pytest.raises(IndexError, match=str(e.value).replace("(", r"\(").replace(")", r"\)")):
            run(trnpy, trnpy.asarray(a))


@pytest.mark.parametrize("k", [2**31 - 1, 2**31, -2**31 - 1, 2**40, 2**62, -2**62, 2**63,
                               -2**63 - 1, 2**17, 3])
@pytest.mark.parametrize("ndim", [1, 2])
def test_diag_huge_offset(backend, k, ndim):
    a = np.ones((3,) if ndim == 1 else (2, 3), np.float32)
    exp = _outcome(lambda: np.diag(a, k))
    got = _outcome(lambda: trnpy.diag(trnpy.asarray(a), k))
    assert got[0] == exp[0]
    if exp[0] == "ok":
        assert got[2].shape == exp[2].shape
    if ndim == 2:
        assert _outcome(lambda: trnpy.diagonal(trnpy.asarray(a), k))[0] == exp[0]


# -- cond of an exactly singular matrix: inf or at least 1/eps, as NumPy's LAPACK gives ----
@pytest.mark.parametrize("m", [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 1.0], [1.0, 1.0]],
                               [[0.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]],
                               np.arange(9.0).reshape(3, 3).tolist()])
@pytest.mark.parametrize("p", [None, 2, 1, np.inf, "fro"])
def test_cond_singular(backend, m, p):
    a = np.array(m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp = float(np.linalg.cond(a, p))
        got = float(trnpy.linalg.cond(trnpy.asarray(a), p))
    assert exp == np.inf or exp >= 1 / np.finfo(np.float64).eps
    assert got == np.inf or got >= 1 / np.finfo(np.float64).eps


def test_cond_singular_neuron():
    a = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)
    for p in (None, 2, 1, np.inf, "fro"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = float(trnpy.linalg.cond(trnpy.asarray(a, device=NEURON), p))
        assert got == np.inf or got >= 1 / np.finfo(np.float32).eps


# -- roots: NumPy's companion eigenvalues (MKL's geev put the small roots 10x off) -------
@pytest.mark.parametrize("p", [[1, 36028797018963963, 1, 1, 1], [1e-8, 1e8, 1, 2],
                               [1, 0, 0, 1e-30, 1]])
def test_roots_ill_conditioned(backend, p):
    exp = np.roots(p)
    got = trnpy.asnumpy(trnpy.roots(trnpy.asarray(p)))
    assert got.dtype == exp.dtype
    np.testing.assert_array_equal(np.sort_complex(got), np.sort_complex(exp))


# -- neuron: NumPy's shape/axis/value errors before the float64 refusal -------------------
NEURON_ORDER = [
    ("dot", lambda xp, A, V: xp.dot(A, (0, 0))), ("dot", lambda xp, A, V: xp.dot((0, 0), V)),
    ("inner", lambda xp, A, V: xp.inner(A, (0, 0))), ("vdot", lambda xp, A, V: xp.vdot(V, 7)),
    ("vdot", lambda xp, A, V: xp.vdot(-1, V)),
    ("where", lambda xp, A, V: xp.where(V > 0, (0, 0), 0.0)),
    ("isclose", lambda xp, A, V: xp.isclose(V, (0, 0))),
    ("median", lambda xp, A, V: xp.median((0, 0), 1)),
    ("percentile", lambda xp, A, V: xp.percentile(7, 50.0, axis=1)),
    ("quantile", lambda xp, A, V: xp.quantile(-1, 0.5, axis=0)),
    ("percentile", lambda xp, A, V: xp.percentile(A, 2**70, axis=1)),
    ("quantile", lambda xp, A, V: xp.quantile(A, np.array([1 + 2j, -1j], np.complex64), axis=0)),
    ("percentile", lambda xp, A, V: xp.percentile(A.astype(np.complex64), 50.0, axis=5)),
]


@pytest.mark.parametrize("case", range(len(NEURON_ORDER)))
def test_neuron_argument_errors_first(case):
    _, f = NEURON_ORDER[case]
    A = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    V = np.array([3.0, -1.0, 2.0, 0.5], np.float32)
    exp = _outcome(lambda: f(np, A, V))[0]
    with trnpy.device(NEURON):
        got = _outcome(lambda: f(trnpy, trnpy.asarray(A), trnpy.asarray(V)))[0]
    assert exp != "ok" and got == exp
