"""Routing of matmul / eigh / fft to the NKI kernels on the emulated neuron device.

Every kernel test runs in strict mode with the size thresholds ignored, compares with
NumPy, and checks that (a) ``trnpy.ROUTES`` counted the op on "kernel" (and never on
"torch") and (b) the emulator's TensorE instruction counter moved: a silent fallback to
torch fails them.
"""
from __future__ import annotations

import numpy as np
import pytest

import trnpy
from trnpy import _kernel_registry as _kernels
from kernel_helpers import OnKernel, clean_policy, kernel_mode, randn, tensor_count  # noqa: F401

from conftest import assert_matches

RNG = np.random.default_rng(1234)


@pytest.fixture
def neuron():
    return trnpy.device("neuron", emulate=True)


_clean_policy = pytest.fixture(autouse=True)(clean_policy.__wrapped__)


def _randn(shape, dtype=np.float32):
    return randn(RNG, shape, dtype)


def _close(actual, expected, rel):
    """fp32-level agreement relative to the largest magnitude of the result."""
    expected = np.asarray(expected)
    scale = float(np.abs(expected).max()) if expected.size else 1.0
    assert_matches(actual, expected, rtol=rel, atol=rel * scale)


# ---------------------------------------------------------------------------
# matmul
MATMUL_SHAPES = [
    ((130, 70), (70, 600)),          # edge tiles in M, K and N
    ((128, 128), (128, 512)),
    ((257, 300), (300, 33)),         # K spans two tiles plus an edge
    ((3, 20, 30), (30, 17)),         # batched, broadcast
    ((2, 1, 5, 8), (3, 8, 4)),       # broadcast batch dimensions
    ((70,), (70, 600)),              # 1-D operands per NumPy's rules
    ((130, 70), (70,)),
    ((50,), (50,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_float32_on_kernel(neuron, kernel_mode, sa, sb):
    a, b = _randn(sa), _randn(sb)
    with OnKernel("matmul", 1):
        r = trnpy.matmul(trnpy.asarray(a, device=neuron), trnpy.asarray(b, device=neuron))
    assert r.device == neuron
    _close(r, np.matmul(a, b), 1e-5)


def test_matmul_operator_and_float16(neuron, kernel_mode):
    a, b = _randn((40, 60), np.float16), _randn((60, 30), np.float16)
    ta, tb = trnpy.asarray(a, device=neuron), trnpy.asarray(b, device=neuron)
    with OnKernel("matmul", 1):
        r = ta @ tb
    ref = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    assert np.matmul(a, b).dtype == r.dtype == np.float16
    _close(r, ref, 2e-3)
    # mixed float16 / float32: NumPy's result dtype (float32)
    c = _randn((30, 7))
    with OnKernel("matmul", 1):
        r = tb @ trnpy.asarray(c, device=neuron)
    _close(r, b.astype(np.float32) @ c, 1e-5)


def test_matmul_out_on_kernel(neuron, kernel_mode):
    a, b = _randn((9, 12)), _randn((12, 5))
    out = trnpy.asarray(np.zeros((9, 5), np.float32), device=neuron)
    with OnKernel("matmul", 1):
        r = trnpy.matmul(trnpy.asarray(a, device=neuron), trnpy.asarray(b, device=neuron),
                         out=out)
    assert r is out
    _close(out, a @ b, 1e-5)


# ---------------------------------------------------------------------------
# eigh: the Jacobi kernel's measured accuracy (kernels/eigh.py) is ~2e-6 (n = 16) to
# ~2e-5 (n = 128) relative on eigenvalues, ~3e-5 on orthogonality at n = 128.
EIGH_TOL = {5: 1e-5, 37: 3e-5, 130: 1e-4}


def _sym(n, batch=()):
    a = _randn(batch + (n, n))
    return a + np.swapaxes(a, -1, -2)


def _check_eigh(a, w, v, tol, uplo="L"):
    wn, vn = trnpy.asnumpy(w), trnpy.asnumpy(v)
    assert wn.dtype == vn.dtype == np.float32
    a64 = a.astype(np.float64)
    ref = np.linalg.eigvalsh(a64, UPLO=uplo)
    scale = np.abs(ref).max(axis=-1, keepdims=True)
    assert wn.shape == ref.shape and vn.shape == a.shape
    assert np.all(np.abs(wn - ref) <= tol * scale)
    assert np.all(np.diff(wn, axis=-1) >= 0)                     # ascending
    n = a.shape[-1]
    vt = np.swapaxes(vn, -1, -2).astype(np.float64)
    assert np.abs(vt @ vn - np.eye(n)).max() <= tol                # orthonormal
    tri = np.tril(a64) if uplo == "L" else np.triu(a64)          # the triangle LAPACK reads
    full = tri + np.swapaxes(tri, -1, -2) - np.tril(np.triu(a64))
    resid = np.abs(full @ vn - vn * wn[..., None, :]).max(axis=(-2, -1))
    assert np.all(resid <= tol * scale[..., 0])


@pytest.mark.parametrize("n", [5, 37, 130])
def test_eigh_on_kernel(neuron, kernel_mode, n):
    a = _sym(n)
    with OnKernel("eigh", 1):
        w, v = trnpy.linalg.eigh(trnpy.asarray(a, device=neuron))
    assert w.device == v.device == neuron
    _check_eigh(a, w, v, EIGH_TOL[n])


def test_eigh_batched_and_upper(neuron, kernel_mode):
    a = _sym(6, (2, 3))
    with OnKernel("eigh", 1):
        w, v = trnpy.linalg.eigh(trnpy.asarray(a, device=neuron))
    _check_eigh(a, w, v, 1e-5)
    b = _randn((7, 7))                   # not symmetric: only the upper triangle counts
    with OnKernel("eigh", 1):
        w, v = trnpy.linalg.eigh(trnpy.asarray(b, device=neuron), UPLO="U")
    _check_eigh(b, w, v, 1e-5, uplo="U")


def test_eigvalsh_on_kernel(neuron, kernel_mode):
    a = _sym(37)
    with OnKernel("eigh", 1):
        w = trnpy.linalg.eigvalsh(trnpy.asarray(a, device=neuron))
    ref = np.linalg.eigvalsh(a)
    assert_matches(w, ref, rtol=0, atol=EIGH_TOL[37] * np.abs(ref).max())


# ---------------------------------------------------------------------------
# fft: the kernel's measured error is a few fp32 ulps (<= 4e-7 relative to max|y|)
FFT_TOL = 1e-5


@pytest.mark.parametrize("n", [8, 100, 1024, 4096])
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_fft_on_kernel(neuron, kernel_mode, name, n):
    x = _randn((3, n), np.complex64)
    with OnKernel("fft", 1):
        y = getattr(trnpy.fft, name)(trnpy.asarray(x, device=neuron))
    assert y.device == neuron
    _close(y, getattr(np.fft, name)(x), FFT_TOL)


@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_fft_axis0_norm_n(neuron, kernel_mode, name, norm):
    x = _randn((100, 3), np.complex64)
    tx = trnpy.asarray(x, device=neuron)
    f, nf = getattr(trnpy.fft, name), getattr(np.fft, name)
    with OnKernel("fft", calls=3):
        y0 = f(tx, axis=0, norm=norm)
        y1 = f(tx, n=128, axis=0, norm=norm)        # zero padding
        y2 = f(tx, n=64, axis=-2, norm=norm)        # truncation
    _close(y0, nf(x, axis=0, norm=norm), FFT_TOL)
    _close(y1, nf(x, n=128, axis=0, norm=norm), FFT_TOL)
    _close(y2, nf(x, n=64, axis=-2, norm=norm), FFT_TOL)


def test_fft_real_input(neuron, kernel_mode):
    x = _randn((4, 1024))
    with OnKernel("fft", 1):
        y = trnpy.fft.fft(trnpy.asarray(x, device=neuron), norm="ortho")
    _close(y, np.fft.fft(x, norm="ortho"), FFT_TOL)


@pytest.mark.parametrize("name", ["rfft", "irfft", "hfft", "ihfft"])
@pytest.mark.parametrize("n", [None, 30, 31])
def test_real_transforms_on_kernel(neuron, kernel_mode, name, n):
    x = _randn((3, 16), np.complex64 if name in ("irfft", "hfft") else np.float32)
    with OnKernel("fft", 1):
        y = getattr(trnpy.fft, name)(trnpy.asarray(x, device=neuron), n=n, norm="ortho")
    _close(y, getattr(np.fft, name)(x, n=n, norm="ortho"), FFT_TOL)


@pytest.mark.parametrize("name,kw", [
    ("fftn", {}), ("ifftn", {"norm": "ortho"}), ("fft2", {}), ("ifft2", {"s": (8, 10)}),
    ("fftn", {"axes": (0, 0)}), ("rfftn", {}), ("irfftn", {}), ("rfft2", {}),
    ("irfft2", {"s": (4, 12)})])
def test_nd_transforms_on_kernel(neuron, kernel_mode, name, kw):
    dt = np.float32 if name.startswith("rfft") else np.complex64
    x = _randn((4, 6, 8), dt)
    with OnKernel("fft", 1):
        y = getattr(trnpy.fft, name)(trnpy.asarray(x, device=neuron), **kw)
    _close(y, getattr(np.fft, name)(x, **kw), FFT_TOL)


# ---------------------------------------------------------------------------
# fallbacks: strict mode raises, otherwise torch runs and is recorded
FALLBACK_CASES = [
    # (op, function, numpy reference, input, words the error names)
    ("fft", lambda x: trnpy.fft.fft(x), np.fft.fft, lambda: _randn((2, 262), np.complex64),
     ("fft", "262")),
    ("eigh", lambda x: trnpy.linalg.eigvalsh(x), np.linalg.eigvalsh, lambda: _sym(600),
     ("eigh", "600")),
    ("eigh", lambda x: trnpy.linalg.eigvalsh(x), np.linalg.eigvalsh,
     lambda: (_randn((6, 6), np.complex64) + _randn((6, 6), np.complex64).T.conj()),
     ("eigh", "complex64")),
    ("matmul", lambda x: x @ x, lambda x: x @ x,
     lambda: RNG.integers(-9, 9, (5, 5)).astype(np.int32), ("matmul", "int32")),
    ("fft", lambda x: trnpy.fft.rfft(x), np.fft.rfft, lambda: _randn((16,), np.float16),
     ("fft", "float16")),
]


@pytest.mark.parametrize("case", FALLBACK_CASES, ids=lambda c: f"{c[0]}-{c[4][1]}")
def test_strict_mode_raises_on_fallback(neuron, kernel_mode, case):
    op, fn, _, make, words = case
    x = make()
    tx = trnpy.asarray(x, device=neuron)
    n0 = tensor_count()
    with pytest.raises(trnpy.KernelFallbackError) as info:
        fn(tx)
    msg = str(info.value)
    for w in words:
        assert w in msg
    assert tensor_count() == n0
    np.testing.assert_array_equal(trnpy.asnumpy(tx), x)       # input untouched


@pytest.mark.parametrize("case", FALLBACK_CASES, ids=lambda c: f"{c[0]}-{c[4][1]}")
def test_non_strict_falls_back_to_torch(neuron, case):
    op, fn, ref, make, _ = case
    x = make()
    n0 = tensor_count()
    with trnpy.strict_kernels(False), trnpy.force_kernels():
        r = fn(trnpy.asarray(x, device=neuron))
    assert trnpy.ROUTES[(op, "torch")] == 1 and trnpy.ROUTES[(op, "kernel")] == 0
    assert any(k[0] == op for k in _kernels.FALLBACKS)
    assert tensor_count() == n0
    expected = ref(x)
    tol = 1e-3 if x.dtype == np.float16 else 1e-4
    _close(r, expected, tol if expected.dtype.kind in "fc" else 0)


def test_env_var_turns_on_strict_mode(neuron, monkeypatch):
    x = trnpy.asarray(_randn((2, 262), np.complex64), device=neuron)
    monkeypatch.setenv("TRNPY_STRICT_KERNELS", "1")
    with pytest.raises(trnpy.KernelFallbackError):
        trnpy.fft.fft(x)
    monkeypatch.setenv("TRNPY_STRICT_KERNELS", "0")
    trnpy.fft.fft(x)
    assert trnpy.ROUTES[("fft", "torch")] == 1


# ---------------------------------------------------------------------------
# thresholds
def test_below_threshold_runs_on_torch(neuron):
    a = _randn((8, 8))
    ta = trnpy.asarray(a, device=neuron)
    x = _randn((2, 64), np.complex64)
    tx = trnpy.asarray(x, device=neuron)
    n0 = tensor_count()
    with trnpy.strict_kernels():          # below the threshold is a choice, not a fallback
        r = ta @ ta
        y = trnpy.fft.fft(tx)
        w = trnpy.linalg.eigvalsh(trnpy.asarray(_sym(6), device=neuron))
    assert tensor_count() == n0
    assert trnpy.ROUTES[("matmul", "torch")] == 1 and trnpy.ROUTES[("fft", "torch")] == 1
    assert trnpy.ROUTES[("eigh", "torch")] == 1
    assert not any(trnpy.ROUTES[(op, "kernel")] for op in ("matmul", "fft", "eigh"))
    _close(r, a @ a, 1e-5)
    _close(y, np.fft.fft(x), 1e-5)
    assert w.shape == (6,)


def test_set_kernel_threshold(neuron):
    a = _randn((8, 8))
    ta = trnpy.asarray(a, device=neuron)
    assert trnpy.kernel_thresholds == _kernels.DEFAULT_THRESHOLDS
    trnpy.set_kernel_threshold("matmul", 8 ** 3)
    with trnpy.strict_kernels(), OnKernel("matmul", 1):
        r = ta @ ta
    _close(r, a @ a, 1e-5)
    trnpy.set_kernel_threshold("matmul", 8 ** 3 + 1)
    ta @ ta
    assert trnpy.ROUTES[("matmul", "torch")] == 1
    trnpy.kernel_thresholds["fft"] = 0        # the dict itself is the setting
    with OnKernel("fft", 1):
        trnpy.fft.fft(trnpy.asarray(_randn((4,), np.complex64), device=neuron))
    with pytest.raises(ValueError):
        trnpy.set_kernel_threshold("sort", 0)
    with pytest.raises(ValueError):
        trnpy.set_kernel_threshold("fft", -1)


# ---------------------------------------------------------------------------
# CPU arrays never touch the kernels
def test_cpu_never_uses_kernels(backend, kernel_mode):
    n0 = tensor_count()
    a = _randn((130, 70))
    ta = trnpy.asarray(a)
    _close(ta @ trnpy.asarray(a.T), a @ a.T, 1e-5)
    i = trnpy.asarray(RNG.integers(0, 5, (4, 4)))
    assert_matches(i @ i, trnpy.asnumpy(i) @ trnpy.asnumpy(i))     # no strict error
    x = _randn((3, 262), np.complex64)
    _close(trnpy.fft.fft(trnpy.asarray(x)), np.fft.fft(x), 1e-5)
    s = _sym(20)
    _close(trnpy.linalg.eigvalsh(trnpy.asarray(s)), np.linalg.eigvalsh(s), 1e-5)
    assert tensor_count() == n0
    assert not any(where == "kernel" for _, where in trnpy.ROUTES)
    assert sum(trnpy.ROUTES.values()) >= 4
    assert not _kernels.FALLBACKS


# ---------------------------------------------------------------------------
# reporting
def test_routing_report(neuron, kernel_mode):
    a = trnpy.asarray(_randn((4, 4)), device=neuron)
    a @ a
    trnpy.fft.fft(trnpy.asarray(_randn((4, 8), np.complex64)))        # CPU
    with trnpy.strict_kernels(False):
        trnpy.fft.fft(trnpy.asarray(_randn((262,), np.complex64), device=neuron))
    rep = trnpy.routing_report()
    assert "matmul" in rep and "fft" in rep and "kernel" in rep
    assert "262" in rep                                               # the fallback's reason
    assert trnpy.ROUTES[("matmul", "kernel")] == 1
    trnpy.reset_routes()
    assert not trnpy.ROUTES and not _kernels.FALLBACKS


def test_kernel_path_empty_and_tiny(neuron, kernel_mode):
    for sa, sb in (((0, 3), (3, 4)), ((3, 0), (0, 4)), ((2, 0, 3, 3), (3, 3))):
        a, b = np.ones(sa, np.float32), np.ones(sb, np.float32)
        r = trnpy.asarray(a, device=neuron) @ trnpy.asarray(b, device=neuron)
        assert_matches(r, a @ b)
    for s in ((0, 4, 4), (1, 1)):
        a = np.full(s, 2.0, np.float32)
        w, v = trnpy.linalg.eigh(trnpy.asarray(a, device=neuron))
        assert_matches(w, np.linalg.eigh(a)[0])
        assert v.shape == s
    x = np.ones((0, 8), np.complex64)
    assert_matches(trnpy.fft.fft(trnpy.asarray(x, device=neuron)), np.fft.fft(x))
    assert trnpy.ROUTES[("matmul", "kernel")] == 3 and trnpy.ROUTES[("fft", "kernel")] == 1
