"""Block-sparse (BSR, 128x128 blocks) times dense on the TensorE: ``C = S @ D``.

Kernel (NKI 0.3+, through :mod:`kernels.nki_adapter`): :func:`bsr_spmm_kernel`
``(data[nblocks, 128, 128], dense[K, N], indptr, indices, M) -> c[M, N] fp32`` for fp32
or bf16 (fp16) blocks and dense operand, with scipy.sparse.bsr_matrix's layout: block row
``i`` holds blocks ``indptr[i] .. indptr[i+1]-1``, block ``j`` sits in block column
``indices[j]`` and has values ``data[j]`` (row-major 128x128).

*Static sparsity pattern.* ``indptr`` / ``indices`` are trace-time Python tuples: the
kernel is traced (compiled) once per sparsity pattern, and the gather of the dense
operand's 128-row slabs is a set of DMAs whose addresses are fixed at trace time. This is
legitimate NKI — every loop is unrolled at compile time (``nl.affine_range`` is an alias
of ``range`` in 0.3) — and it is what the emulator supports: it has no runtime-valued
(register-driven) addressing. A data-dependent variant would read ``indices`` into
registers (``nisa.register_load``) and address the DMA with them; the block *values*
and the dense operand are runtime inputs either way.

Algorithm (the same in :func:`bsr_spmm_reference`):

1. *Stationary operands*: ``nc_matmul`` contracts over the partition axis, so each block
   ``B`` is transposed on the TensorE (``nc_transpose`` SBUF -> PSUM, evacuated by
   VectorE) into ``B^T[k, m]``. When D's columns are processed in several column blocks
   and the transposed blocks fit (``BT_BUDGET`` bytes per partition) they stay resident
   in SBUF for the whole kernel; otherwise each block is transposed where it is used.
2. D's columns are split into column blocks of up to ``n_block_tiles`` moving tiles of
   512 (the last one narrower: any N). For each column block, the 128-row slabs of D for
   every block column that occurs in ``indices`` are gathered into SBUF once
   (``SLAB_BUDGET``) and reused by every block row that references them; if they do not
   fit, each block loads its own slab.
3. Block row ``i`` accumulates ``B_j^T``-stationary x slab-moving products of all its
   blocks into one fp32 PSUM bank per 512-column tile (``accumulate=None``: first write
   overwrites, later writes add — the block loop is an ``affine_range``); the tiles are
   evacuated by VectorE and stored. Block rows without blocks store zeros (memset).

Edge tiles: S's shape need not be a multiple of 128 — the last block row / column uses
only the first ``M - 128 (MB - 1)`` rows / ``K - 128 (KB - 1)`` columns of its blocks
(partial stationary tiles, partial contraction), so no padding is materialised; D's
column count is arbitrary (partial moving tiles).
"""
from __future__ import annotations

import ml_dtypes
import numpy as np

from kernels._util import ceil_div as _ceil_div, nbytes as _nbytes
from kernels.nki_adapter import nki, nisa, nl

BLOCK = 128                 # block size = partitions = stationary free size
TILE_N = 512                # moving free size (nl.tile_size.gemm_moving_fmax)
N_BLOCK_TILES = 4           # PSUM banks per block row accumulation (of 8)
SLAB_BUDGET = 96 * 1024     # SBUF bytes per partition for the gathered D slabs
BT_BUDGET = 48 * 1024       # SBUF bytes per partition for resident transposed blocks

_KERNEL_DTYPES = {np.dtype(np.float32), np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16)}


def plan(indices, K, N, itemsize, *, n_block_tiles=None, cache_slabs=None, resident=None):
    """Static schedule: (tiles per column block, cache the D slabs?, resident B^T?)."""
    NT = max(1, _ceil_div(N, TILE_N))
    ncols = len(set(int(c) for c in indices))
    nbt = min(NT, N_BLOCK_TILES if n_block_tiles is None else max(1, int(n_block_tiles)))
    if cache_slabs is None:
        while nbt > 1 and ncols * min(N, nbt * TILE_N) * itemsize > SLAB_BUDGET:
            nbt -= 1
        cache_slabs = ncols * min(N, nbt * TILE_N) * itemsize <= SLAB_BUDGET
    n_nblocks = _ceil_div(NT, nbt)
    if resident is None:
        resident = n_nblocks > 1 and len(indices) * BLOCK * itemsize <= BT_BUDGET
    return nbt, bool(cache_slabs), bool(resident)


def _transpose_block(data, j, dt):
    """Block j -> SBUF tile holding B_j^T (partition = block column index)."""
    blk = nl.ndarray((BLOCK, BLOCK), dtype=dt, buffer=nl.sbuf, name="block")
    nisa.dma_copy(dst=blk, src=data[j])
    t_ps = nl.ndarray((BLOCK, BLOCK), dtype=dt, buffer=nl.psum, name="blockT_psum")
    nisa.nc_transpose(dst=t_ps, data=blk)
    t_sb = nl.ndarray((BLOCK, BLOCK), dtype=dt, buffer=nl.sbuf, name="blockT")
    nisa.tensor_copy(dst=t_sb, src=t_ps)
    return t_sb


def _rows_of(col, K):
    """Rows of D in block column ``col`` (the last one may be partial)."""
    return min(BLOCK, K - col * BLOCK)


@nki.jit
def bsr_spmm_planned_kernel(data, dense, indptr, indices, M, cols, slots, nbt, cache, res):
    """The NKI kernel, with every host-side decision passed in as plain tuples / ints:
    ``cols`` the sorted distinct block columns, ``slots[j]`` the position of block j's
    column in ``cols``, ``nbt`` moving tiles per column block, ``cache`` / ``res`` the
    slab-cache and resident-B^T choices of :func:`plan`."""
    K, N = dense.shape
    dt = dense.dtype
    MB = _ceil_div(M, BLOCK)
    assert len(indptr) == MB + 1, "bsr kernel: indptr must have ceil(M / 128) + 1 entries"
    NT = _ceil_div(N, TILE_N)
    n_nblocks = _ceil_div(NT, nbt)
    c = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm, name="c")

    bT = []
    if res:                                   # transposed blocks, resident in SBUF
        for j in nl.static_range(len(indices)):   # list order = block order
            bT.append(_transpose_block(data, j, dt))

    for nb in nl.affine_range(n_nblocks):
        n0 = nb * nbt * TILE_N
        bn = min(nbt * TILE_N, N - n0)        # columns in this column block
        tiles = _ceil_div(bn, TILE_N)
        slabs = []
        if cache:                             # gather the referenced 128-row slabs of D
            for col in cols:
                tk = _rows_of(col, K)
                sl = nl.ndarray((tk, bn), dtype=dt, buffer=nl.sbuf, name="d_slab")
                nisa.dma_copy(dst=sl, src=dense[col * BLOCK:col * BLOCK + tk, n0:n0 + bn])
                slabs.append(sl)
        for i in nl.affine_range(MB):
            m0 = i * BLOCK
            tm = min(BLOCK, M - m0)
            j0, j1 = indptr[i], indptr[i + 1]
            if j1 == j0:                      # empty block row: zeros
                z = nl.ndarray((tm, bn), dtype=nl.float32, buffer=nl.sbuf, name="zeros")
                nisa.memset(z, 0.0)
                nisa.dma_copy(dst=c[m0:m0 + tm, n0:n0 + bn], src=z)
            else:
                ps = []
                for t in range(tiles):
                    tn = min(TILE_N, bn - t * TILE_N)
                    ps.append(nl.ndarray((tm, tn), dtype=nl.float32, buffer=nl.psum,
                                         name="c_psum"))
                for jj in nl.affine_range(j1 - j0):
                    j = j0 + jj
                    col = indices[j]
                    tk = _rows_of(col, K)
                    if res:
                        st_full = bT[j]
                    else:
                        st_full = _transpose_block(data, j, dt)
                    st = st_full[0:tk, 0:tm]                # B^T[k, m], edge-trimmed
                    if cache:
                        mov = slabs[slots[j]]
                    else:
                        mov = nl.ndarray((tk, bn), dtype=dt, buffer=nl.sbuf, name="d_slab_row")
                        nisa.dma_copy(dst=mov, src=dense[col * BLOCK:col * BLOCK + tk,
                                                          n0:n0 + bn])
                    for t in nl.affine_range(tiles):
                        tn = min(TILE_N, bn - t * TILE_N)
                        nisa.nc_matmul(ps[t], st, mov[:, t * TILE_N:t * TILE_N + tn])
                for t in nl.affine_range(tiles):
                    tn = min(TILE_N, bn - t * TILE_N)
                    o = nl.ndarray((tm, tn), dtype=nl.float32, buffer=nl.sbuf, name="c_tile")
                    nisa.tensor_copy(dst=o, src=ps[t])
                    nisa.dma_copy(dst=c[m0:m0 + tm, n0 + t * TILE_N:n0 + t * TILE_N + tn],
                                  src=o)
    return c


def _planned_args(data, dense, indptr, indices, M, n_block_tiles=None, cache_slabs=None,
                  resident=None):
    """Host-side planning: the arguments of :func:`bsr_spmm_planned_kernel`."""
    indptr = tuple(int(x) for x in indptr)
    indices = tuple(int(x) for x in indices)
    K, N = (int(s) for s in dense.shape)
    itemsize = getattr(dense.dtype, "itemsize", None) or _nbytes(dense.dtype)
    nbt, cache, res = plan(indices, K, N, itemsize, n_block_tiles=n_block_tiles,
                           cache_slabs=cache_slabs, resident=resident)
    cols = tuple(sorted(set(indices)))
    where = {c: i for i, c in enumerate(cols)}
    slots = tuple(where[c] for c in indices)
    return (data, dense, indptr, indices, int(M), cols, slots, nbt, cache, res)


def bsr_spmm_kernel(data, dense, indptr, indices, M, n_block_tiles=None, cache_slabs=None,
                    resident=None):
    """``c[M, N] (fp32) = S @ dense`` with S given by (indptr, indices) — static tuples —
    and ``data[nblocks, 128, 128]`` (same dtype as ``dense``): plans on the host, then
    launches :func:`bsr_spmm_planned_kernel` (tensors pass straight through: NumPy in the
    emulator, XLA tensors on a device)."""
    return bsr_spmm_planned_kernel(*_planned_args(data, dense, indptr, indices, M,
                                                  n_block_tiles, cache_slabs, resident))


# --------------------------------------------------------------------------- host side
def _check_structure(indptr, indices, data, shape):
    M, K = (int(s) for s in shape)
    MB, KB = _ceil_div(M, BLOCK), _ceil_div(K, BLOCK)
    indptr = [int(x) for x in np.asarray(indptr).reshape(-1)]
    indices = [int(x) for x in np.asarray(indices).reshape(-1)]
    if len(indptr) != MB + 1 or indptr[0] != 0 or any(
            b < a for a, b in zip(indptr, indptr[1:])):
        raise ValueError(f"bsr: indptr must be non-decreasing with {MB + 1} entries from 0")
    if indptr[-1] != len(indices):
        raise ValueError("bsr: indptr[-1] must equal len(indices)")
    if any(not 0 <= c < KB for c in indices):
        raise ValueError(f"bsr: block column index out of range [0, {KB})")
    if data.shape != (len(indices), BLOCK, BLOCK):
        raise ValueError(f"bsr: data must have shape ({len(indices)}, 128, 128), "
                         f"got {data.shape}")
    return M, K, tuple(indptr), tuple(indices)


def _prepare(indptr, indices, data, dense, shape):
    data, dense = np.asarray(data), np.asarray(dense)
    M, K, indptr, indices = _check_structure(indptr, indices, data, shape)
    vec = dense.ndim == 1
    if vec:
        dense = dense[:, None]
    if dense.ndim != 2 or dense.shape[0] != K:
        raise ValueError(f"bsr: dense operand of shape {dense.shape} does not match S's "
                         f"{K} columns")
    for x in (data, dense):
        if x.dtype.kind not in "fiub" and x.dtype != ml_dtypes.bfloat16:
            raise TypeError(f"bsr kernel takes real inputs, got {x.dtype}")
    if data.dtype != dense.dtype or data.dtype not in _KERNEL_DTYPES:
        data, dense = data.astype(np.float32), dense.astype(np.float32)
    return M, K, indptr, indices, np.ascontiguousarray(data), np.ascontiguousarray(dense), vec


def bsr_spmm(indptr, indices, data, dense, shape, *, n_block_tiles=None, cache_slabs=None,
             resident=None):
    """``S @ dense`` through the NKI BSR kernel, S of ``shape`` (M, K) given in
    scipy.sparse.bsr_matrix's layout with 128x128 blocks (``data[nblocks, 128, 128]``;
    M, K need not be multiples of 128: entries of the blocks beyond the shape are
    ignored). ``dense`` is (K, N) or (K,). Returns float32 (M, N) or (M,)."""
    M, K, indptr, indices, data, dense, vec = _prepare(indptr, indices, data, dense, shape)
    N = dense.shape[1]
    if M == 0 or N == 0:
        out = np.zeros((M, N), np.float32)
        return out[:, 0] if vec else out
    if K == 0:
        out = np.zeros((M, N), np.float32)
        return out[:, 0] if vec else out
    if data.shape[0] == 0:                    # a dummy block keeps the argument non-empty
        data = np.zeros((1, BLOCK, BLOCK), dense.dtype)
    c = nki.simulate(bsr_spmm_planned_kernel)(*_planned_args(
        data, dense, indptr, indices, M, n_block_tiles, cache_slabs, resident))
    c = np.asarray(c, np.float32)
    return c[:, 0] if vec else c


def to_bsr128(S):
    """Any scipy.sparse matrix (or array) -> ``(indptr, indices, data, shape)`` with
    128x128 blocks, padding the block grid when the shape is not a multiple of 128."""
    import scipy.sparse as sp
    shape = tuple(int(s) for s in S.shape)
    if sp.issparse(S) and S.format == "bsr" and S.blocksize == (BLOCK, BLOCK):
        return S.indptr, S.indices, S.data, shape
    coo = sp.coo_matrix(S)
    padded = tuple(_ceil_div(s, BLOCK) * BLOCK for s in shape)
    b = sp.coo_matrix((coo.data, (coo.row, coo.col)), shape=padded).tobsr(
        blocksize=(BLOCK, BLOCK))
    b.sum_duplicates()
    return b.indptr, b.indices, b.data, shape


def bsr_spmm_scipy(S, dense, **kwargs):
    """``S @ dense`` for a ``scipy.sparse`` matrix S (bsr_matrix with 128x128 blocks is
    used as is; anything else is regrouped into 128x128 blocks first)."""
    indptr, indices, data, shape = to_bsr128(S)
    return bsr_spmm(indptr, indices, data, dense, shape, **kwargs)


def bsr_spmm_reference(indptr, indices, data, dense, shape):
    """Plain NumPy version of the kernel's algorithm: per block row and 512-column tile,
    the blocks' products accumulate in fp32 in block order (products of bf16 inputs are
    exact in fp32)."""
    M, K, indptr, indices, data, dense, vec = _prepare(indptr, indices, data, dense, shape)
    N = dense.shape[1]
    D = dense.astype(np.float32)
    c = np.zeros((M, N), np.float32)
    for i in range(_ceil_div(M, BLOCK)):
        m0 = i * BLOCK
        tm = min(BLOCK, M - m0)
        for n0 in range(0, N, TILE_N):
            acc = None
            for j in range(indptr[i], indptr[i + 1]):
                k0 = indices[j] * BLOCK
                tk = min(BLOCK, K - k0)
                r = data[j, :tm, :tk].astype(np.float32) @ D[k0:k0 + tk, n0:n0 + TILE_N]
                acc = r if acc is None else acc + r
            if acc is not None:
                c[m0:m0 + tm, n0:n0 + TILE_N] = acc
    return c[:, 0] if vec else c


def random_bsr(M, K, density, *, seed=0, dtype=np.float32, min_per_row=0):
    """A random BSR matrix (indptr, indices, data, shape) with about ``density`` of its
    128x128 blocks present (each block dense standard normal)."""
    rng = np.random.default_rng(seed)
    MB, KB = _ceil_div(M, BLOCK), _ceil_div(K, BLOCK)
    indptr, indices = [0], []
    for _ in range(MB):
        cols = np.flatnonzero(rng.random(KB) < density)
        if len(cols) < min_per_row:
            cols = np.sort(rng.choice(KB, size=min(KB, min_per_row), replace=False))
        indices.extend(int(c) for c in cols)
        indptr.append(len(indices))
    data = rng.standard_normal((len(indices), BLOCK, BLOCK)).astype(dtype)
    return np.array(indptr), np.array(indices, dtype=np.int64), data, (M, K)


def estimate(M, K, N, density, dtype="bfloat16", *, seed=0, **kwargs):
    """Cost-model report of one SpMM with a random block pattern of the given block
    density (dry run), plus TensorE-peak and DMA-bandwidth fractions."""
    import kernels.emulator as emu
    dt = np.dtype(ml_dtypes.bfloat16) if dtype in ("bfloat16", "bf16") else np.dtype(dtype)
    indptr, indices, _, shape = random_bsr(M, K, density, seed=seed)
    nblocks = max(1, len(indices))
    data = np.zeros((nblocks, BLOCK, BLOCK), dt)
    dense = np.zeros((K, N), dt)
    with emu.dry_run(), emu.profile() as prof:
        emu.nki.simulate(bsr_spmm_planned_kernel)(*_planned_args(
            data, dense, indptr, indices, M, kwargs.get("n_block_tiles"),
            kwargs.get("cache_slabs"), kwargs.get("resident")))
    rep = prof.report()
    rep["nblocks"] = len(indices)
    useful = 2.0 * len(indices) * BLOCK * BLOCK * N
    for t in rep["estimate"]:
        e = rep["estimate"][t]
        fp32 = dt == np.float32
        e["tensore_peak_fraction_useful"] = (
            useful / emu.cost.tensor_peak_flops(t, fp32=fp32) / e["overlapped_s"])
        e["dma_bw_fraction"] = rep["dma_bytes"] / emu.cost.DMA_BW[t] / e["overlapped_s"]
    return rep
