"""The sparse-times-dense choke point: every BSR product of ``trnpy.sparse`` reaches NumPy,
torch or the NKI BSR kernel (``kernels/bsr.py``) through :func:`bsr_spmm`, which asks
``_dispatch.route("bsr_spmm", ...)``; :func:`csr_spmm` is the exact product of CSR
components and :func:`coo_spmm` that of (row, col, data) triplets (CSC, COO; no
kernel: on the neuron device ``trnpy.sparse`` regroups CSR/COO into
128x128 blocks and comes through :func:`bsr_spmm` instead).

torch's sparse tensors (cuSPARSE on CUDA, MKL / native kernels on the CPU) take the
float32/float64/complex64/complex128 products off the neuron device:
:func:`csr_tensor` / :func:`coo_csr_tensor` build the CSR tensor (``trnpy.sparse``
caches it per matrix) and :func:`bsr_spmm` multiplies canonical BSR with torch's BSR
tensor where that is the faster product (:func:`_torch_bsr_faster`). Integer and bool
products, and dtypes torch's sparse kernels lack, keep the exact gather / index_add
products.

Operands are torch tensors, or NumPy arrays where ``_dispatch.use_numpy(device)`` holds
(the CPU's NumPy route: torch is not loaded for it). Structures must be valid (the
callers validate them first: torch reads invalid indices silently). Products are exact
in the dtype of the result (``np.result_type`` of the operands), ints included.
"""
from __future__ import annotations

import warnings

import numpy as np
from ._torch import torch

from . import _dispatch, _dtypes, _gemm, _kernel_registry, _tensor

__all__ = ["bsr_spmm", "csr_spmm", "coo_spmm", "csr_tensor", "coo_csr_tensor",
           "torch_sparse_dtype"]

_TORCH_SPARSE = frozenset(np.dtype(c) for c in "fdFD")   # torch's sparse products' dtypes


def torch_sparse_dtype(dtype) -> bool:
    """Whether torch's sparse products (CPU and CUDA) take this result dtype."""
    return np.dtype(dtype) in _TORCH_SPARSE


def _quiet(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # torch's "sparse is in beta" notice
        return make()


def csr_tensor(indptr, indices, data, shape):
    """A torch sparse CSR tensor over CSR components (valid: the callers check them; no
    copy where both index arrays share a dtype)."""
    if indices.dtype != indptr.dtype:
        indices = indices.to(indptr.dtype)
    return _quiet(lambda: torch.sparse_csr_tensor(indptr, indices, data, tuple(shape),
                                                  check_invariants=False))


def coo_csr_tensor(row, col, data, shape):
    """The torch CSR tensor of (row, col, data) triplets (int64), duplicates summed and
    indices sorted on their device."""
    coo = _quiet(lambda: torch.sparse_coo_tensor(torch.stack([row, col]), data,
                                                 tuple(shape), check_invariants=False))
    return _quiet(coo.coalesce().to_sparse_csr)


def _torch_bsr_faster(device, R, C, N) -> bool:
    """torch's BSR tensor product (CUDA: its Triton kernel or cuSPARSE, torch picks) or the
    batched-GEMM one (:func:`_bsr_torch`). On the CPU torch's wins for vectors and small
    blocks, the batched GEMM for 16x16 and larger blocks times matrices (2-3x at 32x32
    and 64x64 blocks times 64 columns; ``benchmarks/bench_sparse.py``). Square blocks
    only (MKL's and cuSPARSE's BSR products); not on the neuron device (its fallback)."""
    if R != C or device.kind not in ("cpu", "cuda"):
        return False
    return device.kind == "cuda" or N == 1 or R * C < 256


def _ncols(dense):
    return 1 if dense.ndim == 1 else dense.shape[1]


def bsr_spmm(indptr, indices, data, dense, shape, device, canonical=False):
    """``S @ dense`` for S of ``shape`` (M, K) in BSR layout (``data[nblocks, R, C]``,
    SciPy's ``indptr``/``indices`` over ``ceil(M / R)`` block rows); ``dense`` is (K,) or
    (K, N). Blocks may overhang ``shape`` (a grid padded to whole blocks, as
    ``trnpy.sparse`` regroups CSR into 128x128 blocks): their rows past M are dropped,
    their columns past K must hold zeros (they meet the zero-padded rows of ``dense`` on
    torch / NumPy; the kernel skips them). ``canonical``: SciPy's canonical format (sorted
    block indices, no duplicates; torch's BSR tensor is taken only then). Returns (M,) or
    (M, N) in the operands' result dtype."""
    if _dispatch.route("bsr_spmm", device, indptr, indices, data, dense,
                       shape=shape) == "kernel":
        return _kernel_registry.run("bsr_spmm", indptr, indices, data, dense, shape=shape,
                                    device=device)
    M, K = shape
    R, C = data.shape[1:]
    if isinstance(dense, np.ndarray):
        return _bsr_numpy(indptr, indices, data, dense, M, K, R, C)
    rdt = _dtypes.result_type(_dtypes.from_torch(data.dtype), _dtypes.from_torch(dense.dtype))
    if canonical and not (M % R or K % C) and torch_sparse_dtype(rdt) and \
            _torch_bsr_faster(device, R, C, _ncols(dense)):
        tdt = _dtypes.to_torch(rdt)
        if indices.dtype != indptr.dtype:
            indices = indices.to(indptr.dtype)
        T = _quiet(lambda: torch.sparse_bsr_tensor(indptr, indices, data.to(tdt), (M, K),
                                                   check_invariants=False))
        return T @ dense.to(tdt)
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
