"""The sparse-times-dense choke point: every BSR product of ``trnpy.sparse`` reaches NumPy,
torch or the NKI BSR kernel (``kernels/bsr.py``) through :func:`bsr_spmm`, which asks
``_dispatch.route("bsr_spmm", ...)``; :func:`csr_spmm` is the exact product of CSR
components and :func:`coo_spmm` that of (row, col, data) triplets (CSC, COO; no
kernel: on the neuron device ``trnpy.sparse`` regroups CSR/COO into
128x128 blocks and comes through :func:`bsr_spmm` instead).

Operands are torch tensors, or NumPy arrays where ``_dispatch.use_numpy(device)`` holds
(the CPU's NumPy route: torch is not loaded for it). Structures must be valid (the
callers validate them first: torch reads invalid indices silently). Products are exact
in the dtype of the result (``np.result_type`` of the operands), ints included.
"""
from __future__ import annotations

import numpy as np
from ._torch import torch

from . import _dispatch, _dtypes, _gemm, _kernel_registry, _tensor

__all__ = ["bsr_spmm", "csr_spmm", "coo_spmm"]


def _ncols(dense):
    return 1 if dense.ndim == 1 else dense.shape[1]


def bsr_spmm(indptr, indices, data, dense, shape, device):
    """``S @ dense`` for S of ``shape`` (M, K) in BSR layout (``data[nblocks, R, C]``,
    SciPy's ``indptr``/``indices`` over ``ceil(M / R)`` block rows); ``dense`` is (K,) or
    (K, N). Blocks may overhang ``shape`` (a grid padded to whole blocks, as
    ``trnpy.sparse`` regroups CSR into 128x128 blocks): their rows past M are dropped,
    their columns past K must hold zeros (they meet the zero-padded rows of ``dense`` on
    torch / NumPy; the kernel skips them). Returns (M,) or (M, N) in the operands'
    result dtype."""
    if _dispatch.route("bsr_spmm", device, indptr, indices, data, dense,
                       shape=shape) == "kernel":
        return _kernel_registry.run("bsr_spmm", indptr, indices, data, dense, shape=shape,
                                    device=device)
    M, K = shape
    R, C = data.shape[1:]
    if isinstance(dense, np.ndarray):
        return _bsr_numpy(indptr, indices, data, dense, M, K, R, C)
    return _bsr_torch(indptr, indices, data, dense, M, K, R, C)


def _bsr_numpy(indptr, indices, data, dense, M, K, R, C):
    rdt = np.result_type(data.dtype, dense.dtype)
    vec = dense.ndim == 1
    d = dense.reshape(K, _ncols(dense)).astype(rdt, copy=False)
    MB, KB = -(-M // R), -(-K // C)
    if K % C:               # padded grid: the last block column's extra columns read zeros
        d = np.concatenate([d, np.zeros((KB * C - K, d.shape[1]), rdt)])
    out = np.zeros((MB, R, d.shape[1]), rdt)
    counts = np.diff(indptr)
    if len(indices):
        prod = np.matmul(data.astype(rdt, copy=False),
                         d.reshape(KB, C, d.shape[1])[indices])          # (nblocks, R, N)
        rows = counts > 0
        out[rows] = np.add.reduceat(prod, indptr[:-1][rows], axis=0)
    out = out.reshape(MB * R, d.shape[1])[:M]
    return out[:, 0] if vec else out


def _bsr_torch(indptr, indices, data, dense, M, K, R, C):
    rdt = _dtypes.result_type(_dtypes.from_torch(data.dtype),
                              _dtypes.from_torch(dense.dtype))
    vec = dense.dim() == 1
    d = _tensor.compute_tensor(dense.reshape(K, _ncols(dense)), rdt)
    MB, KB = -(-M // R), -(-K // C)
    N = d.shape[1]
    if K % C:               # padded grid: the last block column's extra columns read zeros
        d = torch.cat([d, torch.zeros((KB * C - K, N), dtype=d.dtype, device=d.device)])
    out = torch.zeros((MB, R, N), dtype=d.dtype, device=d.device)
    if indices.numel():
        # (nblocks, R, N): the exact product of each block with its slab of ``dense``
        prod = _tensor.compute_tensor(_gemm.matmul_tensor(
            data, _tensor.from_compute(d.reshape(KB, C, N)[indices.long()], rdt), rdt), rdt)
        rows = torch.repeat_interleave(torch.arange(MB, device=d.device),
                                       torch.diff(indptr.long()))
        out.index_add_(0, rows, prod)
    out = _tensor.from_compute(out.reshape(MB * R, N)[:M], rdt)
    return out[:, 0] if vec else out


def csr_spmm(indptr, indices, data, dense, shape):
    """``S @ dense`` for CSR components of S (``shape`` (M, K)); ``dense`` (K,) or (K, N);
    the exact product in the operands' result dtype."""
    M, K = shape
    if isinstance(dense, np.ndarray):
        rdt = np.result_type(data.dtype, dense.dtype)
        vec = dense.ndim == 1
        d = dense.reshape(K, _ncols(dense)).astype(rdt, copy=False)
        out = np.zeros((M, d.shape[1]), rdt)
        if len(indices):
            prod = data.astype(rdt, copy=False)[:, None] * d[indices]
            rows = np.diff(indptr) > 0
            out[rows] = np.add.reduceat(prod, indptr[:-1][rows], axis=0)
        return out[:, 0] if vec else out
    rdt = _dtypes.result_type(_dtypes.from_torch(data.dtype), _dtypes.from_torch(dense.dtype))
    vec = dense.dim() == 1
    d = _tensor.compute_tensor(dense.reshape(K, _ncols(dense)), rdt)
    out = torch.zeros((M, d.shape[1]), dtype=d.dtype, device=d.device)
    if indices.numel():
        prod = _tensor.compute_tensor(data, rdt)[:, None] * d[indices.long()]
        rows = torch.repeat_interleave(torch.arange(M, device=d.device),
                                       torch.diff(indptr.long()))
        out.index_add_(0, rows, prod)
    out = _tensor.from_compute(out, rdt)
    return out[:, 0] if vec else out


def coo_spmm(row, col, data, dense, shape):
    """``S @ dense`` for S given as torch (row, col, data) triplets (duplicates summed)
    of ``shape`` (M, K); ``dense`` (K,) or (K, N); exact in the operands' result dtype."""
    M, K = shape
    rdt = _dtypes.result_type(_dtypes.from_torch(data.dtype), _dtypes.from_torch(dense.dtype))
    vec = dense.dim() == 1
    d = _tensor.compute_tensor(dense.reshape(K, _ncols(dense)), rdt)
    out = torch.zeros((M, d.shape[1]), dtype=d.dtype, device=d.device)
    if row.numel():
        out.index_add_(0, row, _tensor.compute_tensor(data, rdt)[:, None] * d[col])
    out = _tensor.from_compute(out, rdt)
    return out[:, 0] if vec else out
