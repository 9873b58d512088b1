"""Every public op built on a kernel family reaches its NKI kernel on the emulated neuron
device (issue 9, item 3): the GEMM family through ``trnpy/_gemm.py``, the FFT family
(NumPy's transforms and SciPy's DCT/DST/FHT) through ``route("fft")`` /
``trnpy/fft/_core.py``, eigh through ``route("eigh")``.

Each kernel test runs under ``strict_kernels()`` and ``force_kernels()`` and checks that
(a) ``trnpy.ROUTES`` counted the op's kernel and never torch, and the emulator's TensorE
instruction counter moved (a silent torch fallback fails), and (b) the result matches
NumPy / SciPy computed in float64 on the host, at float32 tolerance (relative to the
largest magnitude of the result). Shapes are edge tiles (not multiples of 128 / 512) and
small: the emulator is slow. CPU arrays never touch the kernels and match NumPy exactly.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sfft
import scipy.linalg as slinalg

import trnpy
from trnpy import _kernel_registry as _kernels

from conftest import assert_matches
from kernel_helpers import OnKernel, clean_policy, kernel_mode, randn, tensor_count  # noqa: F401

RNG = np.random.default_rng(20240901)


_clean_policy = pytest.fixture(autouse=True)(clean_policy.__wrapped__)


def _randn(shape, dtype=np.float32):
    return randn(RNG, shape, dtype)


def _close(actual, expected, rel=2e-5, dtype=None):
    """fp32-level agreement with a float64 reference, relative to the largest magnitude;
    ``dtype``: the result dtype NumPy gives for the float32 inputs."""
    expected = np.asarray(expected)
    if dtype is not None:
        assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)
    a = trnpy.asnumpy(actual)
    assert a.shape == expected.shape, (a.shape, expected.shape)
    scale = float(np.abs(expected).max()) if expected.size else 1.0
    np.testing.assert_allclose(a, expected, rtol=rel, atol=rel * max(scale, 1e-30))


def _on(dev, *xs):
    return [trnpy.asarray(x, device=dev) for x in xs]


def _f64(*xs):
    return [x.astype(np.complex128 if x.dtype.kind == "c" else np.float64) for x in xs]


# ---------------------------------------------------------------------------
# GEMM family: (name, trnpy call, NumPy call, input shapes, GEMMs it takes)
A, B = (130, 70), (70, 33)
GEMM_CASES = [
    ("matmul", lambda a, b: trnpy.matmul(a, b), np.matmul, [A, B], 1),
    ("@", lambda a, b: a @ b, lambda a, b: a @ b, [A, B], 1),
    ("matmul-batched", lambda a, b: a @ b, np.matmul, [(2, 1, 9, 70), (3, 70, 33)], 1),
    ("matmul-1d", lambda a, b: a @ b, np.matmul, [(70,), B], 1),
    ("dot", trnpy.dot, np.dot, [A, B], 1),
    ("dot-nd", trnpy.dot, np.dot, [(2, 9, 70), (3, 70, 33)], 1),
    ("dot-vec", trnpy.dot, np.dot, [A, (70,)], 1),
    ("vdot", trnpy.vdot, np.vdot, [A, A], 1),
    ("inner", trnpy.inner, np.inner, [A, (33, 70)], 1),
    ("outer", trnpy.outer, np.outer, [(130,), (33,)], 1),
    ("outer-2d", trnpy.outer, np.outer, [(13, 10), (3, 11)], 1),
    ("linalg.outer", trnpy.linalg.outer, np.outer, [(130,), (33,)], 1),
    ("tensordot", lambda a, b: trnpy.tensordot(a, b, axes=1),
     lambda a, b: np.tensordot(a, b, axes=1), [A, B], 1),
    ("tensordot-axes", lambda a, b: trnpy.tensordot(a, b, axes=([0, 2], [1, 0])),
     lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), [(5, 13, 14), (14, 5, 33)], 1),
    ("linalg.tensordot", lambda a, b: trnpy.linalg.tensordot(a, b, axes=2),
     lambda a, b: np.tensordot(a, b, axes=2), [(3, 10, 7), (10, 7, 33)], 1),
    ("einsum-matmul", lambda a, b: trnpy.einsum("ij,jk->ik", a, b),
     lambda a, b: np.einsum("ij,jk->ik", a, b), [A, B], 1),
    ("einsum-implicit-transposed", lambda a, b: trnpy.einsum("ji,kj", a, b),
     lambda a, b: np.einsum("ji,kj", a, b), [(70, 130), (33, 70)], 1),
    ("einsum-batched-ellipsis", lambda a, b: trnpy.einsum("...ij,...jk->...ik", a, b),
     lambda a, b: np.einsum("...ij,...jk->...ik", a, b), [(3, 9, 70), (1, 70, 33)], 1),
    ("einsum-sublists", lambda a, b: trnpy.einsum(a, [0, 1, 2], b, [2, 1, 3], [0, 3]),
     lambda a, b: np.einsum(a, [0, 1, 2], b, [2, 1, 3], [0, 3]), [(13, 5, 14), (14, 5, 33)],
     1),
    ("einsum-diagonal-contraction", lambda a, b: trnpy.einsum("iij,jk->ik", a, b),
     lambda a, b: np.einsum("iij,jk->ik", a, b), [(9, 9, 70), B], 1),
    ("einsum-private-sum", lambda a, b: trnpy.einsum("ijl,jk->ik", a, b),
     lambda a, b: np.einsum("ijl,jk->ik", a, b), [(13, 70, 3), B], 1),
    ("einsum-dot", lambda a, b: trnpy.einsum("i,i", a, b),
     lambda a, b: np.einsum("i,i", a, b), [(130,), (130,)], 1),
    ("einsum-outer", lambda a, b: trnpy.einsum("i,j->ji", a, b),
     lambda a, b: np.einsum("i,j->ji", a, b), [(130,), (33,)], 1),
    ("einsum-3", lambda a, b, c: trnpy.einsum("ij,jk,kl->il", a, b, c),
     lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c), [A, B, (33, 20)], 2),
    ("einsum-3-path", lambda a, b, c: trnpy.einsum("ij,jk,kl->il", a, b, c,
                                                   optimize=["einsum_path", (1, 2), (0, 1)]),
     lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c,
                               optimize=["einsum_path", (1, 2), (0, 1)]), [A, B, (33, 20)], 2),
    ("einsum-3way-step", lambda a, b, c: trnpy.einsum("ij,jk,kl->il", a, b, c,
                                                      optimize=["einsum_path", (0, 1, 2)]),
     lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c,
                               optimize=["einsum_path", (0, 1, 2)]), [A, B, (33, 20)], 2),
    ("multi_dot", lambda *xs: trnpy.linalg.multi_dot(xs),
     lambda *xs: np.linalg.multi_dot(xs), [A, B, (33, 20)], 2),
    ("multi_dot-1d", lambda *xs: trnpy.linalg.multi_dot(xs),
     lambda *xs: np.linalg.multi_dot(xs), [(130,), A, B, (33,)], 3),
    ("kron", trnpy.kron, np.kron, [(13, 7), (3, 11)], 1),
    ("kron-3d", trnpy.kron, np.kron, [(2, 3, 4), (5, 3)], 1),
    ("vecdot", trnpy.vecdot, np.vecdot, [(3, 70), (5, 1, 70)], 1),
    ("matvec", trnpy.matvec, np.matvec, [A, (70,)], 1),
    ("vecmat", trnpy.vecmat, np.vecmat, [(70,), B], 1),
    ("linalg.matmul", trnpy.linalg.matmul, np.matmul, [A, B], 1),
]


@pytest.mark.parametrize("case", GEMM_CASES, ids=[c[0] for c in GEMM_CASES])
def test_gemm_family_on_kernel(emulated_neuron, kernel_mode, case):
    _, fn, ref, shapes, calls = case
    xs = [_randn(s) for s in shapes]
    ts = _on(emulated_neuron, *xs)
    with OnKernel("matmul", calls):
        r = fn(*ts)
    assert r.device == emulated_neuron
    _close(r, ref(*_f64(*xs)), dtype=np.asarray(ref(*xs)).dtype)


def test_gemm_float16_and_mixed(emulated_neuron, kernel_mode):
    a, b = _randn((40, 70), np.float16), _randn((70, 33), np.float16)
    c = _randn((33, 9))
    ta, tb, tc = _on(emulated_neuron, a, b, c)
    for fn, ref in ((trnpy.dot, np.dot), (lambda x, y: trnpy.tensordot(x, y, axes=1),
                                         lambda x, y: np.tensordot(x, y, axes=1))):
        with OnKernel("matmul", 1):
            r = fn(ta, tb)
        _close(r, ref(*_f64(a, b)), 2e-3, dtype=np.float16)
        with OnKernel("matmul", 1):
            r = fn(tb, tc)                       # float16 x float32 -> float32
        _close(r, ref(*_f64(b, c)), dtype=np.float32)
    with OnKernel("matmul", 1):
        r = trnpy.einsum("ij,jk->ik", ta, tb)
    _close(r, a.astype(np.float64) @ b, 2e-3, dtype=np.float16)
    with OnKernel("matmul", 1):
        r = trnpy.kron(ta[:3, :4], tb[:5, :2])
    _close(r, np.kron(*_f64(a[:3, :4], b[:5, :2])), 1e-3, dtype=np.float16)


def test_einsum_non_contractions_stay_on_torch(emulated_neuron, kernel_mode):
    """One-operand einsums and Hadamard-type products (no summed index between the
    operands) are not GEMMs: torch, and no kernel fallback to report."""
    a = _randn((13, 13))
    ta, = _on(emulated_neuron, a)
    n0 = tensor_count()
    _close(trnpy.einsum("ii->", ta), np.einsum("ii->", a.astype(np.float64)))
    _close(trnpy.einsum("ij->ji", ta), a.T)
    _close(trnpy.einsum("ij,ij->ij", ta, ta), a.astype(np.float64) ** 2)
    assert tensor_count() == n0
    assert trnpy.ROUTES[("matmul", "kernel")] == 0 and not _kernels.FALLBACKS


def test_gemm_empty_operands(emulated_neuron, kernel_mode):
    for fn, ref, shapes in ((trnpy.dot, np.dot, [(0, 5), (5, 3)]),
                            (trnpy.dot, np.dot, [(4, 0), (0, 3)]),
                            (trnpy.outer, np.outer, [(0,), (3,)]),
                            (lambda a, b: trnpy.einsum("ij,jk", a, b),
                             lambda a, b: np.einsum("ij,jk", a, b), [(2, 0), (0, 3)])):
        xs = [np.ones(s, np.float32) for s in shapes]
        assert_matches(fn(*_on(emulated_neuron, *xs)), ref(*xs))


# -- dtypes the GEMM kernel cannot take: strict mode raises, else recorded fallbacks ---
FALLBACK_GEMM = [
    ("dot-int32", trnpy.dot, np.dot, np.int32, "int32"),
    ("einsum-int32", lambda a, b: trnpy.einsum("ij,jk", a, b),
     lambda a, b: np.einsum("ij,jk", a, b), np.int32, "int64"),
    ("tensordot-complex64", lambda a, b: trnpy.tensordot(a, b, axes=1),
     lambda a, b: np.tensordot(a, b, axes=1), np.complex64, "complex64"),
    ("kron-bool", trnpy.kron, np.kron, np.bool_, "bool"),
    ("vdot-complex64", trnpy.vdot, np.vdot, np.complex64, "complex64"),
]


def _make(dtype, shape):
    if np.dtype(dtype).kind in "biu":
        return RNG.integers(0, 2 if dtype == np.bool_ else 9, shape).astype(dtype)
    return _randn(shape, dtype)


@pytest.mark.parametrize("case", FALLBACK_GEMM, ids=[c[0] for c in FALLBACK_GEMM])
def test_gemm_fallbacks(emulated_neuron, case):
    _, fn, ref, dtype, word = case
    a, b = _make(dtype, (6, 5)), _make(dtype, (5, 6))
    ta, tb = _on(emulated_neuron, a, b)
    n0 = tensor_count()
    with trnpy.strict_kernels(), trnpy.force_kernels():
        with pytest.raises(trnpy.KernelFallbackError) as info:
            fn(ta, tb)
    assert "matmul" in str(info.value) and word in str(info.value)
    with trnpy.strict_kernels(False), trnpy.force_kernels():
        r = fn(ta, tb)
    assert trnpy.ROUTES[("matmul", "kernel")] == 0 and trnpy.ROUTES[("matmul", "torch")] >= 1
    assert any(op == "matmul" for op, _ in _kernels.FALLBACKS)
    assert tensor_count() == n0
    expected = ref(a, b)
    if expected.dtype.kind in "biu":
        assert_matches(r, expected)
    else:
        _close(r, ref(*_f64(a, b)), dtype=expected.dtype)


def test_gemm_below_threshold_is_torch(emulated_neuron):
    a, b = _randn((9, 7)), _randn((7, 5))
    ta, tb = _on(emulated_neuron, a, b)
    n0 = tensor_count()
    with trnpy.strict_kernels():                 # a choice, not a fallback
        _close(trnpy.dot(ta, tb), a.astype(np.float64) @ b)
        _close(trnpy.einsum("ij,jk", ta, tb), a.astype(np.float64) @ b)
    assert tensor_count() == n0
    assert trnpy.ROUTES[("matmul", "torch")] == 2
    assert set(_kernels.FALLBACKS) == {("matmul", "below the size threshold")}


# ---------------------------------------------------------------------------
# FFT family: NumPy's transforms
FFT_1D = [("fft", np.complex64), ("ifft", np.complex64), ("rfft", np.float32),
          ("irfft", np.complex64), ("hfft", np.complex64), ("ihfft", np.float32)]


@pytest.mark.parametrize("name,dtype", FFT_1D, ids=[c[0] for c in FFT_1D])
def test_fft_1d_on_kernel(emulated_neuron, kernel_mode, name, dtype):
    x = _randn((3, 66), dtype)                     # irfft/hfft: 130 output points
    tx, = _on(emulated_neuron, x)
    with OnKernel("fft", 1):
        y = getattr(trnpy.fft, name)(tx, norm="ortho")
    _close(y, getattr(np.fft, name)(*_f64(x), norm="ortho"),
           dtype=getattr(np.fft, name)(x).dtype)


FFT_ND = [("fft2", np.complex64, {}), ("ifft2", np.complex64, {"s": (10, 12)}),
          ("fftn", np.complex64, {}), ("ifftn", np.complex64, {"axes": (0, 2)}),
          ("rfftn", np.float32, {}), ("irfftn", np.complex64, {"s": (6, 10, 14), "axes": (0, 1, 2)}),
          ("rfft2", np.float32, {"norm": "forward"}), ("irfft2", np.complex64, {})]


@pytest.mark.parametrize("name,dtype,kw", FFT_ND, ids=[c[0] for c in FFT_ND])
def test_fft_nd_on_kernel(emulated_neuron, kernel_mode, name, dtype, kw):
    x = _randn((6, 10, 13), dtype)
    tx, = _on(emulated_neuron, x)
    with OnKernel("fft", 1):
        y = getattr(trnpy.fft, name)(tx, **kw)
    _close(y, getattr(np.fft, name)(*_f64(x), **kw), dtype=getattr(np.fft, name)(x, **kw).dtype)


# -- SciPy's DCT / DST: every type, norm and orthogonalize through the FFT kernel -------
@pytest.mark.parametrize("name", ["dct", "idct", "dst", "idst"])
@pytest.mark.parametrize("type", [1, 2, 3, 4])
def test_dct_dst_on_kernel(emulated_neuron, kernel_mode, name, type):
    x = _randn((3, 30))
    tx, = _on(emulated_neuron, x)
    f, ref = getattr(trnpy.fft, name), getattr(sfft, name)
    for norm, orth in ((None, None), ("ortho", None), ("ortho", False), ("forward", True),
                       ("backward", None)):
        with OnKernel("fft"):
            y = f(tx, type=type, norm=norm, orthogonalize=orth)
        _close(y, ref(x.astype(np.float64), type=type, norm=norm, orthogonalize=orth),
               dtype=ref(x, type=type).dtype)
    with OnKernel("fft"):                         # n= (zero padding) along axis 0
        y = f(tx, type=type, n=8, axis=0, norm="ortho")
    _close(y, ref(x.astype(np.float64), type=type, n=8, axis=0, norm="ortho"))


@pytest.mark.parametrize("name", ["dctn", "idctn", "dstn", "idstn"])
@pytest.mark.parametrize("type", [1, 2, 3, 4])
def test_dctn_dstn_on_kernel(emulated_neuron, kernel_mode, name, type):
    x = _randn((6, 10, 12))
    tx, = _on(emulated_neuron, x)
    f, ref = getattr(trnpy.fft, name), getattr(sfft, name)
    with OnKernel("fft"):
        y = f(tx, type=type)
    _close(y, ref(x.astype(np.float64), type=type), dtype=ref(x, type=type).dtype)
    with OnKernel("fft"):
        y = f(tx, type=type, s=(9, 14), axes=(2, 0), norm="ortho")
    _close(y, ref(x.astype(np.float64), type=type, s=(9, 14), axes=(2, 0), norm="ortho"))


def test_dct_complex_and_float16_on_kernel(emulated_neuron, kernel_mode):
    x = _randn((4, 20), np.complex64)
    tx, = _on(emulated_neuron, x)
    with OnKernel("fft"):
        y = trnpy.fft.dct(tx, type=2, norm="ortho")
    _close(y, sfft.dct(x.astype(np.complex128), type=2, norm="ortho"), dtype=np.complex64)
    h = _randn((3, 16), np.float16)
    th, = _on(emulated_neuron, h)
    with OnKernel("fft"):
        y = trnpy.fft.dst(th, type=3)
    _close(y, sfft.dst(h.astype(np.float64), type=3), 1e-4,
           dtype=sfft.dst(h, type=3).dtype)


def test_fht_on_kernel(emulated_neuron, kernel_mode):
    a = _randn((40,))
    ta, = _on(emulated_neuron, a)
    with OnKernel("fft", 2):                          # one rfft and one irfft
        y = trnpy.fft.fht(ta, 0.1, 0.5)
    _close(y, sfft.fht(a.astype(np.float64), 0.1, 0.5), 1e-4,
           dtype=sfft.fht(a, 0.1, 0.5).dtype)


def test_dct_fallback_strict_and_recorded(emulated_neuron):
    """A length the FFT kernel cannot plan (DCT-II of 262 points: an rfft of 262 = 2 *
    131) is a fallback: strict mode raises, otherwise torch runs and it is recorded."""
    x = _randn((2, 262))
    tx, = _on(emulated_neuron, x)
    with trnpy.strict_kernels(), trnpy.force_kernels():
        with pytest.raises(trnpy.KernelFallbackError, match="262"):
            trnpy.fft.dct(tx)
    with trnpy.strict_kernels(False), trnpy.force_kernels():
        y = trnpy.fft.dct(tx)
    assert trnpy.ROUTES[("fft", "torch")] == 1 and trnpy.ROUTES[("fft", "kernel")] == 0
    assert any(op == "fft" for op, _ in _kernels.FALLBACKS)
    _close(y, sfft.dct(x.astype(np.float64)))


# ---------------------------------------------------------------------------
# eigh: NumPy's and SciPy's signatures
def _sym(n):
    a = _randn((n, n))
    return a + a.T


def test_eigh_signatures_on_kernel(emulated_neuron, kernel_mode):
    a = _sym(21)
    ta, = _on(emulated_neuron, a)
    ref = np.linalg.eigvalsh(a.astype(np.float64))
    tol = 3e-5 * np.abs(ref).max()
    with OnKernel("eigh", 1):
        w, v = trnpy.linalg.eigh(ta)
    np.testing.assert_allclose(trnpy.asnumpy(w), ref, rtol=0, atol=tol)
    vn = trnpy.asnumpy(v).astype(np.float64)
    assert np.abs(a @ vn - vn * ref).max() <= 1e-4 * np.abs(ref).max()
    with OnKernel("eigh", 1):
        w = trnpy.linalg.eigvalsh(ta, UPLO="U")
    np.testing.assert_allclose(trnpy.asnumpy(w), ref, rtol=0, atol=tol)
    # SciPy's signature: lower=, eigvals_only=, subset_by_index=
    with OnKernel("eigh", 1):
        w = trnpy.linalg.eigh(ta, lower=False, eigvals_only=True)
    np.testing.assert_allclose(trnpy.asnumpy(w),
                               slinalg.eigh(a.astype(np.float64), lower=False,
                                            eigvals_only=True), rtol=0, atol=tol)
    with OnKernel("eigh", 1):
        w, v = trnpy.linalg.eigh(ta, subset_by_index=(3, 9))
    np.testing.assert_allclose(trnpy.asnumpy(w), ref[3:10], rtol=0, atol=tol)
    assert v.shape == (21, 7)


# ---------------------------------------------------------------------------
# CPU arrays never touch the kernels, and match NumPy / SciPy as before
CPU_CASES = [(c[0], c[1], c[2], c[3]) for c in GEMM_CASES] + [
    ("dot-int", trnpy.dot, np.dot, [(5, 4), (4, 3)]),
    ("einsum-int", lambda a, b: trnpy.einsum("ij,jk", a, b),
     lambda a, b: np.einsum("ij,jk", a, b), [(5, 4), (4, 3)]),
    ("kron-int", trnpy.kron, np.kron, [(2, 3), (3, 2)]),
]


def test_cpu_never_uses_kernels(backend, kernel_mode):
    n0 = tensor_count()
    for name, fn, ref, shapes in CPU_CASES:
        if name.endswith("-int"):
            xs = [RNG.integers(-9, 9, s).astype(np.int32) for s in shapes]
        else:
            xs = [_randn(s) for s in shapes]
        r = fn(*[trnpy.asarray(x) for x in xs])
        expected = np.asarray(ref(*xs))
        if backend == "numpy" or expected.dtype.kind in "biu":
            assert_matches(r, expected, rtol=0)                       # exact, as before
        else:
            _close(r, ref(*_f64(*xs)), dtype=expected.dtype)
    x = _randn((3, 30))
    for name in ("dct", "idct", "dst", "idst", "dctn", "idstn"):
        for type in (1, 2, 3, 4):
            r = getattr(trnpy.fft, name)(trnpy.asarray(x), type=type)
            expected = getattr(sfft, name)(x, type=type)
            if backend == "numpy":
                assert_matches(r, expected, rtol=0)
            else:
                _close(r, getattr(sfft, name)(x.astype(np.float64), type=type),
                       dtype=expected.dtype)
    c = _randn((3, 30), np.complex64)
    for name in ("fft", "ifft", "hfft", "irfft"):
        r = getattr(trnpy.fft, name)(trnpy.asarray(c))
        expected = getattr(np.fft, name)(c)
        if backend == "numpy":
            assert_matches(r, expected, rtol=0)
        else:
            _close(r, getattr(np.fft, name)(c.astype(np.complex128)), dtype=expected.dtype)
    s = _sym(12)
    r = trnpy.linalg.eigvalsh(trnpy.asarray(s))
    if backend == "numpy":
        assert_matches(r, np.linalg.eigvalsh(s), rtol=0)
    assert tensor_count() == n0
    assert not any(where == "kernel" for _, where in trnpy.ROUTES)
    assert not _kernels.FALLBACKS
