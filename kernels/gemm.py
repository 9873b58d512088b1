"""GEMM on the TensorE: ``C[b] = A[b] @ B[b]`` with fp32 PSUM accumulation.

Kernels (NKI 0.3+, through :mod:`kernels.nki_adapter`):

* :func:`gemm_kernel` ``(a[Bt, M, K], b[Bt, K, N]) -> c[Bt, M, N] fp32`` for fp32, bf16
  (or fp16 / fp8) inputs.
* :func:`gemm_compensated_kernel` — fp32 inputs split into bf16 ``hi + lo``; the
  products ``lo*hi + hi*lo + hi*hi`` of every K tile go into one PSUM accumulation group,
  so the TensorE runs at bf16 rate (3 passes) instead of the 4x slower fp32 rate.

Algorithm (the same in :func:`gemm_reference`), per batch entry:

1. *Stationary operand*: for each 128x128 tile of A, ``nc_transpose`` (TensorE, SBUF ->
   PSUM) gives the A^T tile (stationary[K, M]); it is evacuated to SBUF and written to an
   HBM scratch ``A^T`` once, so later passes load stationary tiles with a plain DMA. The
   scratch is in *stripe layout* ``[M tile, k, (K tile, m)]``: the stationary tiles of one
   M tile and K block are one contiguous run per partition, loaded (and stored) by one DMA
   of ``k_block_tiles * 128`` elements per partition (>= 2 KiB once the K block has 8 bf16
   tiles, AWS's efficient DMA size) instead of one 256 B-per-partition DMA per tile.
2. *Blocks*: N is split into blocks of ``n_block_tiles`` moving tiles of 512 columns and
   K into blocks of ``k_block_tiles`` tiles of 128 rows, sized so that the B block and
   the A^T stripe fit in SBUF (192 KiB per partition on trn1). For each (N block, K block)
   the B block is loaded once and reused by every 128-row M tile; each A^T tile loaded
   for an M tile is reused across all the moving tiles of the N block.
3. For each output tile (<= 128 x 512) the K tiles of the block accumulate into one fp32
   PSUM bank (``accumulate=None``: first write overwrites, later writes add — any
   iteration order is fine, so the K loop is an ``affine_range``). The tile is evacuated
   by VectorE; for K blocks after the first, the previous partial result is loaded from
   the output and added (``sequential_range`` over K blocks, fp32).

Edge tiles (M, K not multiples of 128; N not a multiple of 512) use smaller tiles.

Measured accuracy (emulator, A and B standard normal, max |C - C_ref| / max |C_ref| with
C_ref = float64 NumPy; reproduce with :func:`measure_errors`)::

    M = K = N   bf16 inputs   fp32 kernel   compensated (3 bf16 passes)
    128         2.6e-03       3.3e-07       4.2e-06
    512         2.3e-03       3.2e-07       4.4e-06
    1024        2.5e-03       2.7e-07       4.7e-06

("bf16 inputs" rounds the fp32 inputs to bf16 and runs the bf16 kernel.) The
compensated variant is ~500x more accurate than bf16 and ~15x less accurate than the
fp32 kernel: hi + lo carries ~16 significant bits (lo is itself rounded to bf16) and
lo*lo is dropped, so its error floor is ~2^-17 relative. It is 3 bf16 passes instead of
one 4x-slower fp32 pass (cost model: 0.75x the fp32 kernel's TensorE time). In the
emulator bf16 x bf16 products are exact in fp32 and summed in fp32; on hardware the gain
depends on the TensorE forming exact products before PSUM accumulation — trnsci measured
no gain on trn1 — so these are emulator numbers.
"""
from __future__ import annotations

import ml_dtypes
import numpy as np

from kernels._util import ceil_div as _ceil_div, dtype_bytes as _dtype_bytes
from kernels.nki_adapter import nki, nisa, nl

TILE_M = 128        # stationary free size (nl.tile_size.gemm_stationary_fmax)
TILE_K = 128        # contraction on the partition axis (nl.tile_size.pmax)
TILE_N = 512        # moving free size (nl.tile_size.gemm_moving_fmax)
# SBUF bytes per partition the B block may take (of 192 KiB on trn1); the A^T stripe
# takes at most 32 KiB more, output / staging tiles a few KiB.
B_BLOCK_BUDGET = 112 * 1024
A_STRIPE_BUDGET = 32 * 1024


def plan_blocks(K, N, in_bytes, k_block_tiles=None, n_block_tiles=None):
    """Block sizes (in tiles) for a problem: ``in_bytes`` = SBUF bytes per element of
    B (2 for bf16, 4 for fp32 and for the compensated hi+lo pair)."""
    KT, NT = _ceil_div(K, TILE_K), _ceil_div(N, TILE_N)
    if k_block_tiles is None:
        kb = min(KT, B_BLOCK_BUDGET // (TILE_N * in_bytes),
                 A_STRIPE_BUDGET // (TILE_M * in_bytes))
    else:
        kb = min(KT, k_block_tiles)
    kb = max(1, kb)
    if n_block_tiles is None:
        nb = max(1, min(NT, B_BLOCK_BUDGET // (kb * TILE_N * in_bytes)))
    else:
        nb = max(1, min(NT, n_block_tiles))
    return kb, nb


def _transpose_a(a2, aT_hbm, M, K, compensated, kbt):
    """Phase 1: A[M, K] -> A^T scratch in stripe layout ``aT[mt, k, kt * 128 + m] =
    A[mt * 128 + m, kt * 128 + k]`` (hi and lo parts when compensated): per M tile and K
    block, one wide load of A's rows, TensorE transposes into an SBUF stripe, one wide
    store, so every DMA moves ``kbt * 128`` elements per partition."""
    MT, KT = _ceil_div(M, TILE_M), _ceil_div(K, TILE_K)
    for mt in nl.affine_range(MT):
        m0 = mt * TILE_M
        tm = min(TILE_M, M - m0)
        for kb in nl.affine_range(_ceil_div(KT, kbt)):
            kt0 = kb * kbt
            k_tiles = min(kbt, KT - kt0)
            k0 = kt0 * TILE_K
            kw = min(k_tiles * TILE_K, K - k0)
            a_sb = nl.ndarray((tm, kw), dtype=a2.dtype, buffer=nl.sbuf, name="a_rows")
            nisa.dma_copy(dst=a_sb, src=a2[m0:m0 + tm, k0:k0 + kw])
            if compensated:
                parts = _split_hi_lo(a_sb, tm, kw)
            else:
                parts = [a_sb]
            for p in range(len(parts)):
                part = parts[p]
                stripe = nl.ndarray((TILE_K, k_tiles * TILE_M), dtype=part.dtype,
                                    buffer=nl.sbuf, name="aT_stripe")
                for j in nl.affine_range(k_tiles):
                    tk = min(TILE_K, K - (kt0 + j) * TILE_K)
                    t_ps = nl.ndarray((tk, tm), dtype=part.dtype, buffer=nl.psum,
                                      name="aT_psum")
                    nisa.nc_transpose(dst=t_ps, data=part[:, j * TILE_K:j * TILE_K + tk])
                    nisa.tensor_copy(dst=stripe[0:tk, j * TILE_M:j * TILE_M + tm], src=t_ps)
                # partitions >= tk / columns >= tm of edge tiles are never read back
                nisa.dma_copy(dst=aT_hbm[p][mt, :, kt0 * TILE_M:(kt0 + k_tiles) * TILE_M],
                              src=stripe)


def _split_hi_lo(x_sb, p, f):
    """fp32 tile -> (hi, lo) bf16 tiles with hi = bf16(x), lo = bf16(x - hi)."""
    hi = nl.ndarray((p, f), dtype=nl.bfloat16, buffer=nl.sbuf, name="hi")
    nisa.tensor_copy(dst=hi, src=x_sb)
    lo = nl.ndarray((p, f), dtype=nl.bfloat16, buffer=nl.sbuf, name="lo")
    nisa.tensor_tensor(dst=lo, data1=x_sb, data2=hi, op=nl.subtract)
    return [hi, lo]


def _gemm_one(a2, b2, c2, M, K, N, compensated, k_block_tiles, n_block_tiles):
    in_bytes = 4 if compensated else _dtype_bytes(b2.dtype)
    kbt, nbt = plan_blocks(K, N, in_bytes, k_block_tiles=k_block_tiles,
                           n_block_tiles=n_block_tiles)
    MT, KT, NT = _ceil_div(M, TILE_M), _ceil_div(K, TILE_K), _ceil_div(N, TILE_N)
    n_kblocks, n_nblocks = _ceil_div(KT, kbt), _ceil_div(NT, nbt)
    st_dtype = nl.bfloat16 if compensated else a2.dtype
    nparts = 2 if compensated else 1
    aT = []
    for _p in range(nparts):
        aT.append(nl.ndarray((MT, TILE_K, KT * TILE_M), dtype=st_dtype, buffer=nl.hbm,
                             name="aT_scratch"))
    _transpose_a(a2, aT, M, K, compensated, kbt)

    for nb in nl.affine_range(n_nblocks):
        nt0 = nb * nbt
        n_tiles = min(nbt, NT - nt0)
        n0 = nt0 * TILE_N
        bn = min(n_tiles * TILE_N, N - n0)             # columns in this N block
        for kb in nl.sequential_range(n_kblocks):      # partial sums through HBM
            kt0 = kb * kbt
            k_tiles = min(kbt, KT - kt0)
            # -- B block: k_tiles tiles of [tk, bn], loaded once, reused by all M tiles
            b_blk = []
            for j in nl.static_range(k_tiles):
                k0 = (kt0 + j) * TILE_K
                tk = min(TILE_K, K - k0)
                if compensated:
                    stage = nl.ndarray((tk, bn), dtype=b2.dtype, buffer=nl.sbuf, name="b_f32")
                    nisa.dma_copy(dst=stage, src=b2[k0:k0 + tk, n0:n0 + bn])
                    b_blk.append(_split_hi_lo(stage, tk, bn))
                else:
                    bt = nl.ndarray((tk, bn), dtype=b2.dtype, buffer=nl.sbuf, name="b_block")
                    nisa.dma_copy(dst=bt, src=b2[k0:k0 + tk, n0:n0 + bn])
                    b_blk.append([bt])
            for mt in nl.affine_range(MT):
                m0 = mt * TILE_M
                tm = min(TILE_M, M - m0)
                # -- stationary A^T tiles for this M tile, reused across the N block: one
                # stripe load per part (k_tiles * 128 elements per partition)
                a_st = []
                for j in nl.static_range(k_tiles):
                    a_st.append([])
                for p in range(nparts):
                    stripe = nl.ndarray((TILE_K, k_tiles * TILE_M), dtype=st_dtype,
                                        buffer=nl.sbuf, name="aT_sb")
                    nisa.dma_copy(dst=stripe, src=aT[p][mt, :, kt0 * TILE_M:
                                                        (kt0 + k_tiles) * TILE_M])
                    for j in nl.static_range(k_tiles):
                        tk = min(TILE_K, K - (kt0 + j) * TILE_K)
                        a_st[j].append(stripe[0:tk, j * TILE_M:j * TILE_M + tm])
                for nt in nl.affine_range(n_tiles):
                    c0 = nt * TILE_N
                    tn = min(TILE_N, bn - c0)
                    c_ps = nl.ndarray((tm, tn), dtype=nl.float32, buffer=nl.psum, name="c_psum")
                    for j in nl.affine_range(k_tiles):
                        mov = []
                        for t in b_blk[j]:
                            mov.append(t[:, c0:c0 + tn])
                        st = a_st[j]
                        if compensated:
                            # small terms first, one accumulation group
                            nisa.nc_matmul(c_ps, st[1], mov[0])       # lo * hi
                            nisa.nc_matmul(c_ps, st[0], mov[1])       # hi * lo
                            nisa.nc_matmul(c_ps, st[0], mov[0])       # hi * hi
                        else:
                            nisa.nc_matmul(c_ps, st[0], mov[0])
                    c_sb = nl.ndarray((tm, tn), dtype=nl.float32, buffer=nl.sbuf, name="c_tile")
                    out = c2[m0:m0 + tm, n0 + c0:n0 + c0 + tn]
                    if kb == 0:
                        nisa.tensor_copy(dst=c_sb, src=c_ps)
                    else:
                        prev = nl.ndarray((tm, tn), dtype=nl.float32, buffer=nl.sbuf,
                                          name="c_prev")
                        nisa.dma_copy(dst=prev, src=out)
                        nisa.tensor_tensor(dst=c_sb, data1=c_ps, data2=prev, op=nl.add)
                    nisa.dma_copy(dst=out, src=c_sb)


def _gemm_body(a, b, compensated, k_block_tiles, n_block_tiles):
    Bt, M, K = a.shape
    Bt2, K2, N = b.shape
    assert Bt == Bt2 and K == K2, "gemm kernel: shapes do not match"
    c = nl.ndarray((Bt, M, N), dtype=nl.float32, buffer=nl.shared_hbm, name="c")
    for bi in nl.affine_range(Bt):
        _gemm_one(a[bi], b[bi], c[bi], M, K, N, compensated, k_block_tiles, n_block_tiles)
    return c


@nki.jit
def gemm_kernel(a, b, k_block_tiles=None, n_block_tiles=None):
    """``c[Bt, M, N] (fp32) = a[Bt, M, K] @ b[Bt, K, N]``; a and b share one dtype
    (fp32, bf16, fp16 or fp8)."""
    return _gemm_body(a, b, False, k_block_tiles, n_block_tiles)


@nki.jit
def gemm_compensated_kernel(a, b, k_block_tiles=None, n_block_tiles=None):
    """fp32 ``a @ b`` from bf16 hi/lo splits: ``lo*hi + hi*lo + hi*hi`` in one PSUM group."""
    return _gemm_body(a, b, True, k_block_tiles, n_block_tiles)


# --------------------------------------------------------------------------- host side
_KERNEL_DTYPES = {np.dtype(np.float32), np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16)}


def _prepare(a, b, compensated):
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("gemm: operands must be at least 1-D")
    va, vb = a.ndim == 1, b.ndim == 1
    if va:
        a = a[None, :]
    if vb:
        b = b[:, None]
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"gemm: shapes {a.shape} and {b.shape} do not align")
    for x in (a, b):
        if x.dtype.kind not in "f" and x.dtype != ml_dtypes.bfloat16:
            raise TypeError(f"gemm kernel takes floating-point inputs, got {x.dtype}")
    if compensated or a.dtype != b.dtype or a.dtype not in _KERNEL_DTYPES:
        a, b = a.astype(np.float32), b.astype(np.float32)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    M, K, N = a.shape[-2], a.shape[-1], b.shape[-1]
    a3 = np.ascontiguousarray(np.broadcast_to(a, batch + (M, K))).reshape(-1, M, K)
    b3 = np.ascontiguousarray(np.broadcast_to(b, batch + (K, N))).reshape(-1, K, N)
    out_shape = batch + ((M,) if not va else ()) + ((N,) if not vb else ())
    return a3, b3, batch, M, N, out_shape


def gemm(a, b, *, compensated=False, k_block_tiles=None, n_block_tiles=None):
    """``numpy.matmul(a, b)`` through the NKI GEMM kernel (emulator or real SDK via
    :mod:`kernels.nki_adapter`). Returns float32 NumPy.

    Accepts fp32 / bf16 / fp16 operands (others are cast to fp32), 1-D operands and
    broadcast batch dimensions like ``numpy.matmul``. ``compensated=True`` runs the
    split-bf16 kernel on fp32 inputs."""
    a3, b3, batch, M, N, out_shape = _prepare(a, b, compensated)
    if a3.shape[0] == 0 or M == 0 or N == 0:
        return np.zeros(out_shape, np.float32)
    if a3.shape[2] == 0:
        return np.zeros(out_shape, np.float32)
    kern = gemm_compensated_kernel if compensated and a3.dtype == np.float32 else gemm_kernel
    c = nki.simulate(kern)(a3, b3, k_block_tiles, n_block_tiles)
    return np.asarray(c, np.float32).reshape(out_shape)


def gemm_reference(a, b, *, compensated=False, k_block_tiles=None, n_block_tiles=None):
    """Plain NumPy version of the kernel's algorithm: same tiles, same fp32 PSUM
    accumulation order per output tile, same K-block partial sums and hi/lo split."""
    a3, b3, batch, M, N, out_shape = _prepare(a, b, compensated)
    K = a3.shape[2]
    comp = compensated and a3.dtype == np.float32
    in_bytes = 4 if comp else a3.dtype.itemsize
    kbt, nbt = plan_blocks(K, N, in_bytes, k_block_tiles=k_block_tiles,
                           n_block_tiles=n_block_tiles)
    bf = ml_dtypes.bfloat16

    def split(x):
        hi = x.astype(bf)
        lo = (x - hi.astype(np.float32)).astype(bf)
        return [hi.astype(np.float32), lo.astype(np.float32)]

    c = np.empty((a3.shape[0], M, N), np.float32)
    KT = _ceil_div(K, TILE_K)
    for bi in range(a3.shape[0]):
        A = a3[bi].astype(np.float32)
        B = b3[bi].astype(np.float32)
        Ap, Bp = (split(A), split(B)) if comp else ([A], [B])
        for m0 in range(0, M, TILE_M):
            for n0 in range(0, N, TILE_N):
                acc_hbm = None
                for kb0 in range(0, KT, kbt):
                    ps = None
                    for kt in range(kb0, min(KT, kb0 + kbt)):
                        ks = slice(kt * TILE_K, min(K, (kt + 1) * TILE_K))
                        terms = ([(1, 0), (0, 1), (0, 0)] if comp else [(0, 0)])
                        for i, j in terms:
                            r = Ap[i][m0:m0 + TILE_M, ks] @ Bp[j][ks, n0:n0 + TILE_N]
                            ps = r if ps is None else ps + r
                    acc_hbm = ps if acc_hbm is None else ps + acc_hbm
                c[bi, m0:m0 + TILE_M, n0:n0 + TILE_N] = acc_hbm
    return c.reshape(out_shape)


def measure_errors(sizes=(128, 512, 1024), seed=0):
    """Max-norm relative error of the bf16, fp32 and compensated kernels against a
    float64 product, for square problems of the given sizes."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        scale = np.abs(ref).max()

        def err(c):
            return float(np.abs(c - ref).max() / scale)

        rows.append({
            "n": n,
            "bf16": err(gemm(a.astype(ml_dtypes.bfloat16), b.astype(ml_dtypes.bfloat16))),
            "fp32": err(gemm(a, b)),
            "compensated": err(gemm(a, b, compensated=True)),
        })
    return rows


def estimate(M, K, N, dtype="bfloat16", *, batch=1, compensated=False):
    """Cost-model report (``kernels.emulator.profile().report()``) of one GEMM, from a
    dry run of the kernel in the emulator (no arithmetic)."""
    import kernels.emulator as emu
    dt = np.dtype(ml_dtypes.bfloat16) if dtype in ("bfloat16", "bf16") else np.dtype(dtype)
    a = np.zeros((batch, M, K), dt)
    b = np.zeros((batch, K, N), dt)
    kern = gemm_compensated_kernel if compensated else gemm_kernel
    with emu.dry_run(), emu.profile() as prof:
        emu.nki.simulate(kern)(a, b, None, None)
    rep = prof.report()
    for t in rep["estimate"]:
        rep["estimate"][t]["tensore_peak_fraction_vs_bf16"] = (
            2.0 * batch * M * K * N / emu.cost.tensor_peak_flops(t)
            / rep["estimate"][t]["overlapped_s"])
    return rep
