"""Block-Jacobi eigh kernel through the NKI emulator, against float64 LAPACK and
scipy's float32 LAPACK (shuffled affine_range on). Small sizes and small blocks
(``block=``) keep the emulation fast; n = 512 runs in benchmarks/kernel_cost_report.py."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _helpers import examples
from kernel_helpers import counted, emulator_only, shuffled_fixture
from kernels.eigh import (_consts, _dest, _moves, _prepare, eigh, eigh_batched,
                          eigh_reference, errors, estimate, jacobi_sweep_kernel,
                          jacobi_sweep_reference, lapack_errors, next_positions, plan,
                          sample_matrices)
from kernels.nki_adapter import nki

pytestmark = emulator_only
_shuffled = shuffled_fixture(seed=999)


def _sym(rng, n, dtype=np.float32):
    g = rng.standard_normal((n, n))
    return ((g + g.T) / 2).astype(dtype)


def _counted(fn):
    """Run fn; assert the TensorE / Vector / GpSimd / Scalar engines ran. Returns
    (result, number of kernel launches)."""
    r, rep = counted(fn, ("tensor", "vector", "gpsimd", "scalar"))
    return r, rep["kernels"]


def _check(a, w, v, tol):
    ew, eo, er = errors(a, w, v)
    assert w.dtype == np.float32 and v.dtype == np.float32
    assert np.all(np.diff(w) >= 0)                     # ascending
    assert ew < tol and eo < tol and er < tol, (ew, eo, er)


@settings(max_examples=examples(4), deadline=None)
@given(n=st.one_of(st.sampled_from([1, 2, 5, 13]), st.integers(1, 16)),
       seed=st.integers(0, 2 ** 16))
def test_eigh_random_sizes(n, seed):
    a = _sym(np.random.default_rng(seed), n)
    (w, v, info), launches = _counted(lambda: eigh(a, return_info=True))
    assert launches == info["sweeps"] + 1 <= 13       # one launch per sweep, one refine
    _check(a, w, v, 2e-6)


@pytest.mark.parametrize("n, block", [(13, 4), (16, 8)])
def test_outer_rounds_match_reference(n, block):
    """Several subproblems (T = 4 / 2) and zero padding (13 -> 16): one kernel sweep is a
    similarity transform (Vt A Vt^T, Vt orthogonal) matching the NumPy mirror; the
    padding stays exactly decoupled; eigh converges to fp32 accuracy."""
    a = _sym(np.random.default_rng(n), n)
    ap, _, B, T, _ = _prepare(a, block)
    assert B * T == 16 and T >= 2
    vt0 = np.eye(B * T, dtype=np.float32)
    A, Vt, off2 = nki.simulate(jacobi_sweep_kernel)(ap, vt0, _consts(B, T), _moves(T), T, B)
    Ar, Vr, off2r = jacobi_sweep_reference(ap, vt0, B, T)
    np.testing.assert_allclose(A, Ar, atol=2e-5)
    np.testing.assert_allclose(Vt, Vr, atol=2e-5)
    V64 = Vt.astype(np.float64)
    assert np.abs(V64 @ ap @ V64.T - A).max() < 1e-5 * np.abs(ap).max()
    assert np.abs(V64 @ V64.T - np.eye(B * T)).max() < 1e-5
    assert np.all(A[n:, :n] == 0) and np.all(Vt[n:, :n] == 0)
    off = float(off2.reshape(-1)[0])
    assert abs(off - off2r) <= 1e-4 * off2r
    if block != 4:
        return
    (w, v, info), launches = _counted(lambda: eigh(a, block=block, return_info=True))
    assert launches == info["sweeps"] + 1
    _check(a, w, v, 2e-6)
    wr, _ = eigh_reference(a, block=block)
    np.testing.assert_allclose(w, wr, atol=1e-6 * np.abs(wr).max())


def test_round_robin_covers_every_pair_once():
    for m in (1, 2, 3, 5, 64):                         # inner rounds: positions
        d = _dest(m)
        perm = np.arange(2 * m)                        # position -> index
        seen = set()
        for _ in range(2 * m - 1):
            seen |= {frozenset((int(perm[i]), int(perm[m + i]))) for i in range(m)}
            new = np.empty_like(perm)
            new[d] = perm
            assert (new == next_positions(perm)).all()
            perm = new
        assert len(seen) == m * (2 * m - 1) and (perm == np.arange(2 * m)).all()
    for T in (1, 2, 3, 4):                             # outer rounds: 64-blocks of tiles
        mv = _moves(T)
        where = np.arange(2 * T)                       # block -> storage block
        seen = set()
        for _ in range(2 * T - 1):
            tile = {}
            for b in range(2 * T):
                tile.setdefault(int(where[b]) // 2, []).append(b)
            seen |= {frozenset(p) for p in tile.values()}
            where = np.array([mv[w] for w in where])
        assert len(seen) == T * (2 * T - 1) and (where == np.arange(2 * T)).all()


def test_eigh_special_matrices():
    rng = np.random.default_rng(1)
    # diagonal (already converged: one sweep), degenerate eigenvalues, scaled input
    d = np.diag(np.array([3.0, -1.0, 2.0, 2.0, 0.0], np.float32))
    w, v, info = eigh(d, return_info=True)
    np.testing.assert_allclose(w, [-1, 0, 2, 2, 3], atol=1e-6)
    assert info["sweeps"] == 1
    q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    a = (q * np.repeat([1.0, 5.0, -2.0], 4)) @ q.T * 1e6
    w, v = eigh(a.astype(np.float32), block=4)
    _check(a, w, v, 2e-6)
    # only the lower triangle is used, as numpy.linalg.eigh
    b = _sym(rng, 9)
    bu = b + np.triu(rng.standard_normal((9, 9)).astype(np.float32), 1)
    np.testing.assert_allclose(eigh(bu)[0], np.linalg.eigvalsh(b), atol=2e-6)
    assert eigh(np.zeros((0, 0)))[0].shape == (0,)
    with pytest.raises(ValueError):
        eigh(np.zeros((3, 4)))
    with pytest.raises(ValueError):
        eigh(b, block=5)
    with pytest.raises(NotImplementedError):
        plan(513) and eigh(np.zeros((513, 513), np.float32))


def test_eigh_batched():
    rng = np.random.default_rng(2)
    a = np.stack([_sym(rng, 7) for _ in range(3)]).reshape(3, 1, 7, 7)
    (w, v), launches = _counted(lambda: eigh_batched(a))
    assert w.shape == (3, 1, 7) and v.shape == (3, 1, 7, 7)
    for i in range(3):
        _check(a[i, 0], w[i, 0], v[i, 0], 2e-6)


@pytest.mark.parametrize("kind", ["clustered", "graded"])
def test_eigh_accuracy_vs_lapack_float32(kind):
    """Eigenvalues, orthogonality and residual within 10x of scipy's most accurate float32
    LAPACK driver (evd), on spectra that are hard for Jacobi's convergence test."""
    a = sample_matrices(12, seed=4)[kind]
    (w, v), launches = _counted(lambda: eigh(a, block=4))
    ours, lapack = errors(a, w, v), lapack_errors(a)["evd"]
    for r, lp in zip(ours, lapack):
        assert r <= 10 * lp + 1e-7, (ours, lapack)


def test_eigh_cost_model():
    # T = 1: the program (one outer body, three inner bodies) does not grow with the
    # number of rounds; executed instructions do
    r16, r64 = estimate(16), estimate(64)
    assert r16["static_instructions"] == r64["static_instructions"]
    assert sum(r64["instructions"].values()) > 3 * sum(r16["instructions"].values())
    # rotations are TensorE matmuls: 3 per subproblem per inner round (S K, K^T X, K^T Q)
    # plus two small gathers; T = 4 subproblems of 8 (block = 8, n = 32)
    r = estimate(32, block=8)
    B, T = 8, 4
    inner = (2 * T - 1) * (B - 1)
    assert r["instructions_by_op"]["nc_matmul_fp32"] >= inner * (3 * T + 2)
    assert r["static_instructions"] < sum(r["instructions"].values()) / 10
    assert r["peak_sbuf_bytes_per_partition"] <= 192 * 1024
    for t in ("trn1", "trn2"):
        e = r["estimate"][t]
        assert 0 < e["overlapped_s"] <= e["serial_s"]
