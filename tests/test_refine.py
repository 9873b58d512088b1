"""``solve(a, b, target_forward_error=t)``: mixed-precision refinement with a forward-error
bound (issue 14). The oracle is the exact solution of the stored system, computed in
rational arithmetic (``fractions``: float64 LU refinement with exact residuals), so the
"true error" below is exact to ~1e-30. On every system the reported bound must be at
least the true error; over the test bed the median of bound / true must be under 10
(LAPACK's FERR: 10^3-10^4). ``benchmarks/bench_refine.py`` runs the large bed beside
SciPy's ``dgesvx``."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

import trnpy
from _helpers import examples

LinAlgError = np.linalg.LinAlgError


# ---------------------------------------------------------------------------
# oracle
def _real_system(a, b):
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        a = np.asarray(a, np.complex128)
        b = np.asarray(b, np.complex128)
        big = np.block([[a.real, -a.imag], [a.imag, a.real]])
        return big, np.concatenate([b.real, b.imag]), True
    return np.asarray(a, np.float64), np.asarray(b, np.float64), False


def exact_solution(a, b):
    """x* of a x = b (stored values taken as exact) as Fractions, relative error < 1e-30:
    float64 LU refinement with residuals in exact rational arithmetic."""
    A, B, cplx = _real_system(a, b)
    vec = B.ndim == 1
    B = B[:, None] if vec else B
    n = A.shape[0]
    Af = [[Fraction(float(v)) for v in row] for row in A]
    cols = []
    for c in range(B.shape[1]):
        bf = [Fraction(float(v)) for v in B[:, c]]
        x = [Fraction(float(v)) for v in np.linalg.solve(A, B[:, c])]
        for _ in range(200):
            r = [bf[i] - sum(Af[i][j] * x[j] for j in range(n)) for i in range(n)]
            d = np.linalg.solve(A, np.array([float(v) for v in r]))
            x = [xi + Fraction(float(di)) for xi, di in zip(x, d)]
            xn = max(abs(v) for v in x)
            if np.abs(d).max() <= 1e-32 * float(xn):
                break
        else:
            x = _gauss(Af, bf)          # refinement cannot converge (cond >~ 1/u)
        cols.append(x)
    if cplx:
        h = n // 2
        cols = [[(c[i], c[i + h]) for i in range(h)] for c in cols]
    return cols, vec


def _gauss(a, b):
    """Exact Gaussian elimination in Fractions (small n)."""
    n = len(b)
    m = [row[:] + [bi] for row, bi in zip(a, b)]
    for k in range(n):
        p = next(i for i in range(k, n) if m[i][k] != 0)
        m[k], m[p] = m[p], m[k]
        for i in range(k + 1, n):
            f = m[i][k] / m[k][k]
            if f:
                m[i] = [u - f * v for u, v in zip(m[i], m[k])]
    x = [Fraction(0)] * n
    for i in reversed(range(n)):
        x[i] = (m[i][n] - sum(m[i][j] * x[j] for j in range(i + 1, n))) / m[i][i]
    return x


def true_errors(x, oracle):
    cols, vec = oracle
    x = np.asarray(x)
    x = x[:, None] if vec else x
    out = []
    for c, xs in enumerate(cols):
        if isinstance(xs[0], tuple):
            num = max(float((Fraction(float(x[i, c].real)) - v[0]) ** 2
                            + (Fraction(float(x[i, c].imag)) - v[1]) ** 2) ** 0.5
                      for i, v in enumerate(xs))
            den = max(float(v[0] ** 2 + v[1] ** 2) ** 0.5 for v in xs)
        else:
            num = float(max(abs(Fraction(float(x[i, c])) - v) for i, v in enumerate(xs)))
            den = float(max(abs(v) for v in xs))
        out.append(num / den if den else num)
    return out


# ---------------------------------------------------------------------------
# the test bed
def with_cond(rng, n, cond, cplx=False):
    def orth():
        m = rng.standard_normal((n, n))
        if cplx:
            m = m + 1j * rng.standard_normal((n, n))
        return np.linalg.qr(m)[0]
    s = np.logspace(0, -np.log10(cond), n) if n > 1 else np.ones(1)
    return (orth() * s) @ orth().conj().T


def hilbert(n):
    i = np.arange(n)
    return 1.0 / (i[:, None] + i[None, :] + 1)


def kahan(n, theta=1.2):
    s, c = np.sin(theta), np.cos(theta)
    k = np.triu(-c * np.ones((n, n)), 1) + np.eye(n)
    return np.diag(s ** np.arange(n)) @ k


def graded(rng, n, span):
    d1 = np.logspace(0, -span, n)
    d2 = rng.permutation(np.logspace(0, -span / 2, n))
    return d1[:, None] * rng.standard_normal((n, n)) * d2[None, :]


def near_singular(rng, n, eps):
    u = rng.standard_normal((n, n - 1))
    a = u @ rng.standard_normal((n - 1, n))          # rank n - 1
    return a + eps * np.abs(a).max() * rng.standard_normal((n, n))


def bed(seed=0):
    """(name, a, b, target) of about a hundred small systems."""
    rng = np.random.default_rng(seed)
    out = []
    for n in (1, 2, 3, 5, 8, 12):
        out.append((f"random{n}", rng.standard_normal((n, n)), rng.standard_normal(n), 1e-12))
    for e in range(0, 15):
        n = 6 + e % 7
        out.append((f"cond1e{e}", with_cond(rng, n, 10.0 ** e), rng.standard_normal(n),
                    1e-10))
        if e <= 12:
            out.append((f"complex1e{e}", with_cond(rng, n, 10.0 ** e, True),
                        rng.standard_normal(n) + 1j * rng.standard_normal(n), 1e-10))
    for n in range(2, 12):
        out.append((f"hilbert{n}", hilbert(n), rng.standard_normal(n), 1e-12))
    for n in (4, 8, 12, 16):
        out.append((f"kahan{n}", kahan(n), rng.standard_normal(n), 1e-12))
    for span in (2, 5, 8, 12):
        out.append((f"graded{span}", graded(rng, 8, span), rng.standard_normal(8), 1e-12))
    for eps in (1e-4, 1e-8, 1e-12):
        out.append((f"nearsing{eps:g}", near_singular(rng, 7, eps), rng.standard_normal(7),
                    1e-10))
    for k in (1, 3):
        out.append((f"multi{k}", with_cond(rng, 9, 1e6), rng.standard_normal((9, k)), 1e-12))
    for e in (0, 3, 6):
        a = with_cond(rng, 8, 10.0 ** e).astype(np.float32)
        out.append((f"f32cond1e{e}", a, rng.standard_normal((8, 2)).astype(np.float32),
                    1e-5))
        out.append((f"c64cond1e{e}", with_cond(rng, 6, 10.0 ** e, True).astype(np.complex64),
                    (rng.standard_normal(6) + 1j * rng.standard_normal(6)).astype(np.complex64),
                    1e-5))
    return out


BED = bed()


def check(a, b, target, ratios=None, **kw):
    x, info = trnpy.linalg.solve(a, b, target_forward_error=target, **kw)
    x = trnpy.asnumpy(x) if isinstance(x, trnpy.ndarray) else np.asarray(x)   # (CUDA runs)
    assert x.dtype == np.linalg.solve(a[:1, :1], np.ones((1, 1), b.dtype)).dtype
    assert x.shape == b.shape
    true = true_errors(x, exact_solution(a, b))
    bound = info.forward_error_bound
    assert len(bound) == len(true) == len(info.backward_error)
    for f, t in zip(bound, true):
        assert f >= t, (f, t, info)                 # honest: never below the true error
        if ratios is not None and t > 0 and np.isfinite(f):
            ratios.append(f / t)
    assert info.target_met == all(f <= target for f in bound)
    if info.target_met:
        assert max(true) <= target
    assert info.method in ("LU-IR", "GMRES-IR", "direct")
    assert len(info.precisions) == 3 and info.iterations >= 0
    return x, info, true


def test_bed_bounds_are_honest_and_tight():
    ratios, met = [], 0
    for name, a, b, target in BED:
        _, info, true = check(a, b, target, ratios)
        met += info.target_met
        # systems far from the edge reach their target (cond <= 1e12 in float64)
        if name.startswith(("random", "multi", "f32cond1e0", "f32cond1e3")) or \
                name in ("cond1e0", "cond1e6", "cond1e9", "hilbert6", "kahan8"):
            assert info.target_met, (name, info, true)
    assert np.median(ratios) < 10, np.percentile(ratios, [50, 90, 100])
    assert met >= 0.8 * len(BED)


@pytest.mark.parametrize("name,a,b,target", [c for c in BED if c[0] in (
    "random5", "cond1e8", "complex1e6", "hilbert9", "multi3", "f32cond1e3")],
    ids=lambda v: v if isinstance(v, str) else "")
def test_both_backends(backend, name, a, b, target):
    check(a, b, target)


@settings(max_examples=examples(25), deadline=None)
@given(n=st.integers(1, 10), k=st.integers(1, 3), cond=st.integers(0, 14),
       kind=st.sampled_from(["f8", "c16", "f4", "graded"]), seed=st.integers(0, 2 ** 16),
       target=st.sampled_from([1e-3, 1e-8, 1e-12, 1e-15]))
@example(n=3, k=1, cond=13, kind="c16", seed=0, target=1e-3)  # GMRES-IR out of range
def test_random_systems(n, k, cond, kind, seed, target):
    rng = np.random.default_rng(seed)
    if kind == "graded":
        a = graded(rng, n, cond)
    else:
        a = with_cond(rng, n, 10.0 ** cond, kind == "c16")
    b = rng.standard_normal((n, k)) + (1j * rng.standard_normal((n, k)) if kind == "c16" else 0)
    if kind == "f4":
        a, b = a.astype(np.float32), b.astype(np.float32)
        target = max(target, 1e-6)
    check(a, b, target)


def test_large_system_few_accurate_residuals(monkeypatch):
    """n = 256, cond 1e6 (the speed bench's kind of system, smaller): MKL's float32 LU
    (torch is loaded in this process), plain residuals until they are noise, then one
    accurate residual per round and chains of plain ones: at most 3 accurate residuals,
    and the bound still honest."""
    torch = pytest.importorskip("torch")
    from trnpy.linalg import _refine
    calls = {"lu": 0, "accurate": 0}
    lu_factor_ex, residual = torch.linalg.lu_factor_ex, _refine._Engine.residual

    def spy_lu(*args, **kw):
        calls["lu"] += 1
        return lu_factor_ex(*args, **kw)

    def spy_residual(self, x, b, plain=False):
        calls["accurate"] += not plain
        return residual(self, x, b, plain)
    monkeypatch.setattr(torch.linalg, "lu_factor_ex", spy_lu)
    monkeypatch.setattr(_refine._Engine, "residual", spy_residual)
    rng = np.random.default_rng(5)
    a = with_cond(rng, 256, 1e6)
    b = rng.standard_normal(256)
    x, info, true = check(a, b, 1e-12)
    assert info.target_met and info.method == "LU-IR"
    assert calls["lu"] == 1 and 1 <= calls["accurate"] <= 3, calls
    assert info.forward_error_bound[0] <= 10 * max(true[0], 1e-16)


def test_edges_and_inputs_untouched():
    a = np.array([[4.0, 1.0], [2.0, 3.0]])[::-1]           # negative strides
    b = np.array([1.0, 2.0])[::-1]
    a0, b0 = a.copy(), b.copy()
    x, info, true = check(a, b, 1e-14)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)
    # b = 0: x = 0 exactly with bound 0
    x, info = trnpy.linalg.solve(a, np.zeros(2), target_forward_error=1e-10)
    assert not np.asarray(x).any() and info.forward_error_bound == (0.0,)
    # empty systems
    x, info = trnpy.linalg.solve(np.zeros((0, 0)), np.zeros(0), target_forward_error=1e-3)
    assert np.asarray(x).shape == (0,) and info.target_met
    x, info = trnpy.linalg.solve(np.eye(3), np.zeros((3, 0)), target_forward_error=1e-3)
    assert np.asarray(x).shape == (3, 0) and info.forward_error_bound == ()
    # integer input works in float64, as numpy.linalg.solve
    x, info = trnpy.linalg.solve(np.array([[2, 1], [1, 3]]), np.array([1, 2]),
                                 target_forward_error=1e-15)
    assert np.asarray(x).dtype == np.float64
    np.testing.assert_allclose(np.asarray(x), [0.2, 0.6], rtol=1e-15)
    assert info.target_met


def test_info_type():
    x, info = trnpy.linalg.solve(np.eye(2), np.ones(2), target_forward_error=1e-8)
    assert isinstance(info, trnpy.linalg.RefineInfo)
    with pytest.raises(Exception):
        info.target_met = False                           # frozen
    assert info.precisions[1] == "float64"


def test_structure_keywords_read_as_scipy():
    sp = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((6, 6)) + 6 * np.eye(6)
    b = rng.standard_normal(6)
    for kw in (dict(assume_a="sym"), dict(assume_a="her", lower=True),
               dict(assume_a="upper triangular"), dict(assume_a="lower triangular"),
               dict(assume_a="tridiagonal"), dict(assume_a="diagonal"),
               dict(transposed=True), dict(assume_a="pos", lower=True)):
        m = a @ a.T if kw.get("assume_a") == "pos" else a
        want = sp.solve(m, b, **kw)
        x, info = trnpy.linalg.solve(m, b, target_forward_error=1e-13, **kw)
        np.testing.assert_allclose(np.asarray(x), want, rtol=1e-10, err_msg=str(kw))
        assert info.target_met


@pytest.mark.parametrize("t", [0, -1.0, float("nan"), "1e-3", True, None, [1e-3], 1j])
def test_bad_target(t):
    err = TypeError if t is None else ValueError
    with pytest.raises(err):
        trnpy.linalg.solve(np.eye(2), np.ones(2), target_forward_error=t, device="cpu")


def test_bad_operands():
    with pytest.raises(LinAlgError):
        trnpy.linalg.solve(np.ones((2, 3)), np.ones(2), target_forward_error=1e-8)
    with pytest.raises(LinAlgError):
        trnpy.linalg.solve(np.array([[1.0, np.nan], [0, 1]]), np.ones(2),
                           target_forward_error=1e-8)
    with pytest.raises(LinAlgError, match="Singular"):
        trnpy.linalg.solve(np.ones((3, 3)), np.ones(3), target_forward_error=1e-8)
    with pytest.raises(NotImplementedError):
        trnpy.linalg.solve(np.ones((2, 3, 3)), np.ones((2, 3)), target_forward_error=1e-8)
    with pytest.raises(ValueError):
        trnpy.linalg.solve(np.eye(3), np.ones(2), target_forward_error=1e-8)
    with pytest.raises(ValueError):
        trnpy.linalg.solve(np.eye(3), np.ones(3), target_forward_error=1e-8,
                           assume_a="nonsense")
    with pytest.raises(TypeError):                   # float16: NumPy's refusal
        trnpy.linalg.solve(np.eye(3, dtype=np.float16), np.ones(3, np.float16),
                           target_forward_error=1e-3)


def test_unreachable_target_says_so():
    # Hilbert 13: cond ~ 1e18 > 1/u: no precision available reaches 1e-12
    a = hilbert(13)
    b = np.ones(13)
    x, info = trnpy.linalg.solve(a, b, target_forward_error=1e-12)
    assert not info.target_met
    true = true_errors(x, exact_solution(a, b))
    assert info.forward_error_bound[0] >= true[0]
    # a target below the working precision
    x, info = trnpy.linalg.solve(np.array([[3.0]]), np.array([1.0]),
                                 target_forward_error=1e-30)
    assert not info.target_met and info.forward_error_bound[0] >= true_errors(
        x, exact_solution(np.array([[3.0]]), np.array([1.0])))[0]


def test_float64_accuracy_from_the_neuron_device(emulated_neuron):
    """float64 host data, float32 LU and double-float residuals on the (emulated)
    device: forward error <= 1e-12 up to cond 1e7."""
    rng = np.random.default_rng(7)
    for cond in (1e3, 1e7):
        a = with_cond(rng, 24, cond)
        b = rng.standard_normal(24)
        x, info, true = check(a, b, 1e-12, device=emulated_neuron)
        assert info.target_met and max(true) <= 1e-12
        assert info.precisions == ("float32", "float64", "double-float32")
        assert isinstance(x, np.ndarray) and x.dtype == np.float64


def test_neuron_lu_runs_its_updates_on_the_gemm_kernel(emulated_neuron):
    """The blocked LU's trailing updates go through the GEMM routing point; in strict
    mode every product is a float32 kernel product (a float64 one would raise)."""
    from trnpy.linalg._refine import _blocked_lu
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    a = rng.standard_normal((24, 24)).astype(np.float32)
    trnpy.reset_routes()
    with trnpy.strict_kernels(), trnpy.force_kernels():
        lu, perm = _blocked_lu(torch.from_numpy(a), emulated_neuron)
    assert trnpy.ROUTES[("matmul", "kernel")] >= 2
    lu = lu.numpy().astype(np.float64)
    low = np.tril(lu, -1) + np.eye(24)
    np.testing.assert_allclose(low @ np.triu(lu), a[perm.numpy()], atol=1e-5)


def exact_lstsq(a, b):
    """NumPy's lstsq solution of a full-rank system in Fractions: from the normal
    equations (m >= n) or ``x = A^T (A A^T)^{-1} b`` (m < n, the minimum-norm one);
    complex systems through their real embedding (which keeps both solutions)."""
    A, B, cplx = _real_system(a, b)
    vec = B.ndim == 1
    B = B[:, None] if vec else B
    A = [[Fraction(float(v)) for v in row] for row in A]
    m, n = len(A), len(A[0])
    cols = []
    for c in range(B.shape[1]):
        bf = [Fraction(float(v)) for v in B[:, c]]
        if m >= n:
            ata = [[sum(A[k][i] * A[k][j] for k in range(m)) for j in range(n)]
                   for i in range(n)]
            x = _gauss(ata, [sum(A[k][i] * bf[k] for k in range(m)) for i in range(n)])
        else:
            aat = [[sum(A[i][k] * A[j][k] for k in range(n)) for j in range(m)]
                   for i in range(m)]
            y = _gauss(aat, bf)
            x = [sum(A[k][i] * y[k] for k in range(m)) for i in range(n)]
        cols.append(x)
    if cplx:
        h = n // 2
        cols = [[(c[i], c[i + h]) for i in range(h)] for c in cols]
    return cols, vec


@settings(max_examples=examples(16), deadline=None)
@given(m=st.integers(1, 12), n=st.integers(1, 7), k=st.integers(1, 2),
       cond=st.integers(0, 9), resid=st.sampled_from([0.0, 1e-6, 1.0]),
       dt=st.sampled_from(["float64", "float32", "complex128", "complex64"]),
       seed=st.integers(0, 2 ** 16))
@example(m=6, n=7, k=1, cond=9, resid=0.0, dt="float64", seed=16430)  # the 10x explore's
@example(m=3, n=2, k=1, cond=9, resid=0.0, dt="complex64", seed=3)  # x came back 0
def test_lstsq_bound(m, n, k, cond, resid, dt, seed):
    """Over- and underdetermined (minimum norm), real and complex: bound >= true error."""
    rng = np.random.default_rng(seed)
    cplx = dt.startswith("complex")
    r = min(m, n)

    def orth(p):
        g = rng.standard_normal((p, r)) + (1j * rng.standard_normal((p, r)) if cplx else 0)
        return np.linalg.qr(g)[0]
    a = (orth(m) * np.logspace(0, -cond, r)) @ orth(n).conj().T
    b = rng.standard_normal((m, k)) + (1j * rng.standard_normal((m, k)) if cplx else 0)
    if m > n:
        b = a @ b[:n] + resid * b
    target = 1e-5 if dt in ("float32", "complex64") else 1e-12
    a, b = a.astype(dt), b.astype(dt)
    x, info = trnpy.linalg.lstsq(a, b, target_forward_error=target)
    x = np.asarray(x)
    assert x.dtype == a.dtype and x.shape == (n, k)
    np.testing.assert_allclose(x, np.linalg.lstsq(a, b, rcond=None)[0],
                               rtol=0, atol=1e3 * 100.0 ** cond * np.finfo(dt).eps *
                               np.abs(x).max())
    true = true_errors(x, exact_lstsq(a, b))
    for f, t in zip(info.forward_error_bound, true):
        assert f >= t, (f, t, info)
    assert info.target_met == all(f <= target for f in info.forward_error_bound)
    if cond <= 3:
        assert info.target_met, info


def test_lstsq_refusals():
    with pytest.raises(ValueError):
        trnpy.linalg.lstsq(np.eye(3), np.ones(3), rcond=1e-3, target_forward_error=1e-8)
    with pytest.raises(LinAlgError, match="rank-deficient"):
        trnpy.linalg.lstsq(np.ones((2, 3)), np.ones(2), target_forward_error=1e-8)
    with pytest.raises(LinAlgError, match="rank-deficient"):
        trnpy.linalg.lstsq(np.ones((4, 2)), np.ones(4), target_forward_error=1e-8)
    with pytest.raises(LinAlgError):
        trnpy.linalg.lstsq(np.ones((4, 2)), np.ones(3), target_forward_error=1e-8)
    x, res, rank, s = trnpy.linalg.lstsq(np.eye(2), np.ones(2))     # unchanged without it
    assert int(rank) == 2


# ---------------------------------------------------------------------------
# the torch work of a neuron solve is float32 only (item 3: no float64 on the device)
def test_neuron_solve_creates_no_float64_tensor(emulated_neuron):
    """Every torch op run by ``solve(..., device=neuron)`` (the emulated device's tensors
    live in host memory, so a TorchFunctionMode sees them all): no float64/complex128
    result. The host NumPy work (splitting, the bound) is not torch."""
    torch = pytest.importorskip("torch")
    seen = set()

    class Guard(torch.overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            for o in (out if isinstance(out, (tuple, list)) else (out,)):
                if isinstance(o, torch.Tensor):
                    seen.add(o.dtype)
            return out

    rng = np.random.default_rng(11)
    # past LU-IR's reach (cond estimate * u32 > 8) GMRES-IR, its products on the device
    for n, k, cond, method in ((20, 2, 1e5, "LU-IR"), (16, 1, 1e8, "GMRES-IR")):
        a = with_cond(rng, n, cond)
        b = rng.standard_normal((n, k))
        with Guard():
            x, info = trnpy.linalg.solve(a, b, target_forward_error=1e-12,
                                         device=emulated_neuron)
        assert torch.float32 in seen
        assert not seen & {torch.float64, torch.complex128}, seen
        assert info.method == method, info
        assert info.target_met and max(true_errors(x, exact_solution(a, b))) <= 1e-12


# ---------------------------------------------------------------------------
# matmul(..., target_forward_error=t): |C - AB| <= t ||A[i]|| ||B[:, j]||
def _two_prod(a, b):
    def split(v):
        c = 134217729.0 * v
        hi = c - (c - v)
        return hi, v - hi
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def exact_matmul(a, b):
    """The correctly rounded float64 product (exact TwoProduct terms, math.fsum)."""
    import math
    a2 = np.atleast_2d(np.asarray(a, np.float64))
    b2 = np.asarray(b, np.float64)
    b2 = b2[:, None] if b2.ndim == 1 else b2
    out = np.empty((a2.shape[0], b2.shape[1]))
    for i in range(a2.shape[0]):
        for j in range(b2.shape[1]):
            p, e = _two_prod(a2[i], b2[:, j])
            out[i, j] = math.fsum(np.concatenate([p, e]))
    return out


def check_product(c, a, b, t):
    a2 = np.atleast_2d(np.asarray(a, np.float64))
    b2 = np.asarray(b, np.float64)
    b2 = b2[:, None] if b2.ndim == 1 else b2
    ex = exact_matmul(a, b)
    c = np.asarray(c, np.float64).reshape(ex.shape)
    scale = np.linalg.norm(a2, axis=1)[:, None] * np.linalg.norm(b2, axis=0)[None, :]
    # the oracle is the correctly rounded product: half an ulp of slack
    assert (np.abs(c - ex) <= t * scale + np.spacing(np.abs(ex)) / 2).all(), \
        (np.abs(c - ex) / np.where(scale > 0, scale, 1)).max()


@settings(max_examples=examples(25), deadline=None)
@given(m=st.integers(1, 6), k=st.integers(1, 40), n=st.integers(1, 5),
       span=st.integers(0, 60), seed=st.integers(0, 2 ** 16),
       t=st.sampled_from([1e-8, 1e-13, 3e-16]), vec=st.sampled_from([None, "a", "b"]))
def test_compensated_matmul_float64(backend, m, k, n, span, seed, t, vec):
    rng = np.random.default_rng(seed)
    # entries over 2**span magnitudes, cancelling sums
    a = rng.standard_normal((m, k)) * np.exp2(rng.integers(-span, span + 1, (m, k)))
    b = rng.standard_normal((k, n)) * np.exp2(rng.integers(-span, span + 1, (k, n)))
    if vec == "a":
        a = a[0]
    elif vec == "b":
        b = b[:, 0]
    a0, b0 = a.copy(), b.copy()
    c = trnpy.matmul(trnpy.asarray(a), trnpy.asarray(b), target_forward_error=t)
    assert isinstance(c, trnpy.ndarray) and c.shape == np.matmul(a, b).shape
    assert c.dtype == np.float64
    check_product(trnpy.asnumpy(c), a, b, t)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_compensated_matmul_context_and_refusals():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((7, 300)), rng.standard_normal((300, 4))
    x, y = trnpy.asarray(a), trnpy.asarray(b)
    with trnpy.compensated_matmul(3e-16):
        c = x @ y                          # @ takes the context's target
        z = trnpy.zeros((7, 4))
        trnpy.matmul(x, y, out=z)
    check_product(trnpy.asnumpy(c), a, b, 3e-16)
    check_product(trnpy.asnumpy(z), a, b, 3e-16)
    # float32 operands where float64 exists: the float64 product, rounded
    c32 = trnpy.matmul(a.astype(np.float32), b.astype(np.float32), target_forward_error=2e-7)
    assert c32.dtype == np.float32
    check_product(trnpy.asnumpy(c32), a.astype(np.float32), b.astype(np.float32), 2e-7)
    with pytest.raises(ValueError, match="unit roundoff"):
        trnpy.matmul(a, b, target_forward_error=1e-17)
    with pytest.raises(ValueError):
        trnpy.matmul(a, b, target_forward_error=-1.0)
    with pytest.raises(ValueError):
        trnpy.compensated_matmul("1e-8").__enter__()
    with pytest.raises(TypeError):
        trnpy.matmul(np.ones((2, 2), int), np.ones((2, 2), int), target_forward_error=1e-8)
    with pytest.raises(NotImplementedError):
        trnpy.matmul(np.ones((2, 2), complex), np.ones((2, 2)), target_forward_error=1e-8)
    with pytest.raises(ValueError):
        trnpy.matmul(np.ones((2, 3)), np.ones((2, 3)), target_forward_error=1e-8)
    assert trnpy._compensated.active() is None


@pytest.mark.parametrize("t,calls", [(1e-6, 3), (3e-7, None)])
def test_compensated_matmul_on_the_neuron_gemm_kernel(emulated_neuron, t, calls):
    """float32 on the neuron device: bfloat16-valued slices through the GEMM kernel
    (strict: any other route raises). 1e-6 is below float32 GEMM's gamma_K (K = 200):
    the three-way split, 3 kernel launches (6 products); 3e-7 needs exact slices."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal((40, 200)).astype(np.float32)
    b = rng.standard_normal((200, 30)).astype(np.float32)
    x = trnpy.asarray(a, device=emulated_neuron)
    y = trnpy.asarray(b, device=emulated_neuron)
    trnpy.reset_routes()
    with trnpy.strict_kernels(), trnpy.force_kernels():
        c = trnpy.matmul(x, y, target_forward_error=t)
    launches = trnpy.ROUTES[("matmul", "kernel")]
    assert launches == calls if calls else launches > 3
    assert c.dtype == np.float32 and c.device == emulated_neuron
    check_product(trnpy.asnumpy(c), a, b, t)        # against the float64 product
    # float32-level accuracy from bf16 slices: far below bf16's 2**-8
    ex = a.astype(np.float64) @ b.astype(np.float64)
    assert np.abs(trnpy.asnumpy(c) - ex).max() <= 1e-5 * np.abs(ex).max()


# ---------------------------------------------------------------------------
# a torch device with float64 (CUDA; here the CPU torch backend, the same code): A stays
# on the device and every O(n^2) step runs there (_DeviceEngine)
def _device_cases():
    rng = np.random.default_rng(21)
    out = [("random", rng.standard_normal((12, 12)), rng.standard_normal(12), 1e-12)]
    for e in (2, 6, 8, 10):
        out.append((f"cond1e{e}", with_cond(rng, 20, 10.0 ** e), rng.standard_normal((20, 2)),
                    1e-12))
    out += [("graded", graded(rng, 16, 8), rng.standard_normal(16), 1e-12),
            ("complex", with_cond(rng, 14, 1e6, True),
             rng.standard_normal((14, 3)) + 1j * rng.standard_normal((14, 3)), 1e-12),
            ("hilbert9", hilbert(9), rng.standard_normal(9), 1e-12),
            ("f32", with_cond(rng, 16, 1e3).astype(np.float32),
             rng.standard_normal((16, 2)).astype(np.float32), 1e-5),
            ("c64", with_cond(rng, 10, 1e3, True).astype(np.complex64),
             (rng.standard_normal(10) + 1j * rng.standard_normal(10)).astype(np.complex64),
             1e-5)]
    return out


@pytest.mark.parametrize("name,a,b,target", _device_cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_device_engine_matches_the_host(name, a, b, target):
    """The torch backend's solve (A on the device) against the NumPy backend's: the same
    method, precisions, target_met and condition estimate, both bounds honest against the
    exact solution and within a few times each other, the x's within the bounds. (The
    float32 LUs differ in rounding, MKL's vs OpenBLAS's, so iteration counts may differ
    by a few.)"""
    res = {}
    for be in ("numpy", "torch"):
        with trnpy.cpu_backend(be):
            res[be] = check(a, b, target)
    (xn, i_n, _), (xt, i_t, _) = res["numpy"], res["torch"]
    assert xn.dtype == xt.dtype and xn.shape == xt.shape
    assert (i_n.method, i_n.precisions, i_n.target_met) == \
        (i_t.method, i_t.precisions, i_t.target_met), (i_n, i_t)
    assert abs(i_n.iterations - i_t.iterations) <= 4, (i_n, i_t)
    assert i_t.condition_estimate == pytest.approx(i_n.condition_estimate, rel=0.1)
    fn, ft = np.array(i_n.forward_error_bound), np.array(i_t.forward_error_bound)
    assert ((ft <= 10 * fn) & (fn <= 10 * ft)).all(), (fn, ft)
    xn2, xt2 = xn.reshape(len(xn), -1), xt.reshape(len(xt), -1)
    assert (np.abs(xn2 - xt2).max(0) <= (fn + ft) * np.abs(xn2).max(0)).all()


@pytest.mark.parametrize("cond,cplx,method", [(1e5, False, "LU-IR"),
                                              (1e8, False, "GMRES-IR"),
                                              (1e5, True, "LU-IR")])
def test_device_engine_keeps_a_off_the_host(monkeypatch, cond, cplx, method):
    """On the torch backend, with the operands trnpy arrays on the device, the solve
    never converts A to NumPy (``host(a)``) and allocates no NumPy array near n x n
    (tracemalloc traces NumPy's data, not torch's): only O(n k) vectors cross."""
    import tracemalloc
    from trnpy.linalg import _refine
    n = 500                 # GMRES's Krylov basis (n x 61, host) well below n x n
    rng = np.random.default_rng(3)
    a = with_cond(rng, n, cond, cplx)
    b = rng.standard_normal((n, 2))
    sizes = []
    real_host = _refine.host

    def spy(x):
        sizes.append(x.size)
        return real_host(x)
    monkeypatch.setattr(_refine, "host", spy)
    with trnpy.cpu_backend("torch"):
        ta, tb = trnpy.asarray(a), trnpy.asarray(b)
        trnpy.linalg.solve(ta, tb, target_forward_error=1e-12)     # warm (imports)
        sizes.clear()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            x, info = trnpy.linalg.solve(ta, tb, target_forward_error=1e-12)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
    assert info.method == method and info.target_met, info
    assert max(sizes) <= 2 * n, sizes                   # b only, never A
    assert peak < n * n * 8 / 2, peak                   # no n x n host array
    np.testing.assert_allclose(trnpy.asnumpy(x), np.linalg.solve(a, b),
                               rtol=0, atol=1e-6 * np.abs(trnpy.asnumpy(x)).max())
