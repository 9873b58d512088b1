"""BSR SpMM kernel through the NKI emulator, against scipy.sparse / NumPy
(shuffled affine_range on)."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from _helpers import examples
import kernels.emulator as emu
from kernel_helpers import counted_ops as _counted, emulator_only, shuffled_fixture
from kernels import bsr

BF16 = ml_dtypes.bfloat16

pytestmark = emulator_only
_shuffled = shuffled_fixture(seed=777)


def _to_scipy(indptr, indices, data, shape):
    M, K = shape
    MB, KB = -(-M // 128), -(-K // 128)
    S = sp.bsr_matrix((data.astype(np.float64), np.asarray(indices), np.asarray(indptr)),
                      shape=(MB * 128, KB * 128))
    return S.tocsr()[:M, :K]


def _matmuls(nblocks, N):
    return nblocks * (-(-N // 512))


@settings(max_examples=examples(10), deadline=None)
@given(M=st.integers(1, 420), K=st.integers(1, 420), N=st.integers(1, 1200),
       density=st.sampled_from([0.0, 0.3, 0.7, 1.0]), seed=st.integers(0, 2 ** 16))
def test_bsr_random_shapes_vs_scipy(M, K, N, density, seed):
    indptr, indices, data, shape = bsr.random_bsr(M, K, density, seed=seed)
    rng = np.random.default_rng(seed + 1)
    D = rng.standard_normal((K, N)).astype(np.float32)
    run = lambda: bsr.bsr_spmm(indptr, indices, data, D, shape)       # noqa: E731
    if len(indices):
        c, ops = _counted(run)
        assert ops["nc_matmul_fp32"] == _matmuls(len(indices), N)
    else:
        c = run()
    assert c.shape == (M, N) and c.dtype == np.float32
    ref = _to_scipy(indptr, indices, data, shape) @ D.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(c, bsr.bsr_spmm_reference(indptr, indices, data, D, shape),
                               rtol=1e-5, atol=1e-4)
    # rows with no blocks are exactly zero
    for i in np.flatnonzero(np.diff(indptr) == 0):
        assert (c[i * 128:(i + 1) * 128] == 0).all()


@pytest.mark.parametrize("kw,N", [
    (dict(), 2600),                                          # resident B^T, 2 column blocks
    (dict(n_block_tiles=1), 1100),                           # 3 column blocks of 512
    (dict(cache_slabs=False), 700),                          # per-block slab gathers
    (dict(cache_slabs=False, resident=False, n_block_tiles=1), 1030),   # transpose inline
    (dict(resident=True, n_block_tiles=2), 1500),
])
def test_bsr_schedules(kw, N):
    M, K = 390, 600
    indptr, indices, data, shape = bsr.random_bsr(M, K, 0.5, seed=N, min_per_row=1)
    indptr = np.asarray(indptr)
    D = np.random.default_rng(N).standard_normal((K, N)).astype(np.float32)
    c, ops = _counted(lambda: bsr.bsr_spmm(indptr, indices, data, D, shape, **kw))
    assert ops["nc_matmul_fp32"] == _matmuls(len(indices), N)
    nbt, cache, res = bsr.plan(indices, K, N, 4, **kw)
    n_nblocks = -(-(-(-N // 512)) // nbt)
    assert ops["nc_transpose"] == len(indices) * (1 if res else n_nblocks)
    ref = _to_scipy(indptr, indices, data, shape) @ D.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=1e-5, atol=1e-4)


def test_bsr_empty_rows_and_no_blocks():
    M, K, N = 500, 300, 70
    D = np.random.default_rng(0).standard_normal((K, N)).astype(np.float32)
    # block rows 0 and 2 empty, row 1 has two blocks, row 3 (partial: 116 rows) one block
    indptr = [0, 0, 2, 2, 3]
    indices = [2, 0, 1]
    data = np.random.default_rng(1).standard_normal((3, 128, 128)).astype(np.float32)
    c, _ = _counted(lambda: bsr.bsr_spmm(indptr, indices, data, D, (M, K)))
    assert (c[:128] == 0).all() and (c[256:384] == 0).all()
    ref = _to_scipy(indptr, indices, data, (M, K)) @ D.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=1e-5, atol=1e-4)
    # no blocks at all: the kernel still runs and writes zeros
    with emu.profile() as prof:
        z = bsr.bsr_spmm([0] * 5, [], np.zeros((0, 128, 128), np.float32), D, (M, K))
    assert (z == 0).all() and z.shape == (M, N)
    assert prof.report()["kernels"] == 1


def test_bsr_bf16():
    indptr, indices, data, shape = bsr.random_bsr(260, 384, 0.6, seed=5, dtype=BF16,
                                                  min_per_row=1)
    D = np.random.default_rng(6).standard_normal((384, 600)).astype(BF16)
    c, ops = _counted(lambda: bsr.bsr_spmm(indptr, indices, data, D, shape))
    assert ops["nc_matmul"] == _matmuls(len(indices), 600) and "nc_matmul_fp32" not in ops
    # bf16 x bf16 products are exact in fp32: only accumulation error remains
    ref = _to_scipy(indptr, indices, data.astype(np.float64), shape) @ D.astype(np.float64)
    np.testing.assert_allclose(c, ref, rtol=1e-5, atol=1e-4)


def test_bsr_scipy_helpers():
    rng = np.random.default_rng(9)
    # a bsr_matrix with 128x128 blocks, unsorted indices and a duplicate block
    data = rng.standard_normal((4, 128, 128)).astype(np.float32)
    S = sp.bsr_matrix((data, np.array([2, 0, 1, 1]), np.array([0, 2, 4])), shape=(256, 384))
    D = rng.standard_normal((384, 33)).astype(np.float32)
    c, _ = _counted(lambda: bsr.bsr_spmm_scipy(S, D))
    np.testing.assert_allclose(c, S.toarray().astype(np.float64) @ D, rtol=1e-5, atol=1e-4)
    # an unstructured CSR matrix of odd shape is regrouped into padded 128x128 blocks
    A = sp.random(301, 259, density=0.02, random_state=3, format="csr", dtype=np.float32)
    D2 = rng.standard_normal((259, 517)).astype(np.float32)
    c2, ops = _counted(lambda: bsr.bsr_spmm_scipy(A, D2))
    np.testing.assert_allclose(c2, A @ D2.astype(np.float64), rtol=1e-5, atol=1e-4)
    # vector operand
    v = rng.standard_normal(259).astype(np.float32)
    np.testing.assert_allclose(bsr.bsr_spmm_scipy(A, v), A @ v.astype(np.float64),
                               rtol=1e-5, atol=1e-4)


def test_bsr_validation():
    data = np.zeros((1, 128, 128), np.float32)
    D = np.zeros((256, 4), np.float32)
    with pytest.raises(ValueError, match="indptr"):
        bsr.bsr_spmm([0, 1], [0], data, D, (256, 256))
    with pytest.raises(ValueError, match="out of range"):
        bsr.bsr_spmm([0, 1, 1], [2], data, D, (256, 256))
    with pytest.raises(ValueError, match="does not match"):
        bsr.bsr_spmm([0, 1, 1], [0], data, np.zeros((100, 4), np.float32), (256, 256))


def test_bsr_cost_estimate():
    rep = bsr.estimate(4096, 4096, 512, 0.1, "bfloat16")
    assert rep["instructions_by_op"]["nc_matmul"] == rep["nblocks"]
    assert rep["peak_sbuf_bytes_per_partition"] <= 192 * 1024
    for t in ("trn1", "trn2"):
        e = rep["estimate"][t]
        assert 0 < e["overlapped_s"] <= e["serial_s"]
        assert 0 < e["dma_bw_fraction"] <= 1.0
