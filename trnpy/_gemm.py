"""The GEMM choke point: every product of the GEMM family reaches torch or the NKI GEMM
kernel through :func:`gemm` (CuPy's ``tensordot_core`` is the model).

``matmul`` / ``@``, ``dot``, ``vdot``, ``inner``, ``outer`` (a K = 1 GEMM), ``tensordot``,
``vecdot``, ``matvec``, ``vecmat``, ``kron`` (an outer product, on the neuron device),
``einsum`` contractions (on the neuron device, :func:`einsum`) and ``linalg.multi_dot``
(through ``matmul``) hand torch tensors, already cast to NumPy's result dtype, to the
functions here. :func:`gemm` asks ``_dispatch.route("matmul", ...)`` where the product
runs: on the neuron device the NKI GEMM kernel (float32/float16 operands; other dtypes
are recorded fallbacks, or :class:`~trnpy.KernelFallbackError` in strict mode), else
torch (exact integer and bool products included). The NumPy route of CPU arrays never
comes here: each op calls NumPy on its views before.
"""
from __future__ import annotations

import math

import numpy as np
from ._torch import torch

from . import _dispatch, _dtypes, _kernel_registry, _tensor

__all__ = ["gemm", "tensordot", "outer", "kron", "einsum"]


def gemm(a: torch.Tensor, b: torch.Tensor, device, *, torch_fn=None) -> torch.Tensor:
    """``a @ b`` of tensors of one dtype (NumPy's result dtype, already cast), by
    ``np.matmul``'s shape rules: 2-D, batched (broadcast leading axes) or 1-D operands.
    Returns a tensor of that dtype on ``device``'s torch device.

    The one routing point of the GEMM family: ``route("matmul", device, a, b)`` picks the
    NKI GEMM kernel or torch. ``torch_fn(a, b)`` replaces the torch product when given
    (an elementwise multiply for K = 1 outer products: exact and faster than a GEMM)."""
    if _dispatch.route("matmul", device, a, b) == "kernel":
        return _kernel_registry.run("matmul", a, b, device=device)
    if torch_fn is not None:
        return torch_fn(a, b)
    return matmul_tensor(a, b, _dtypes.from_torch(a.dtype))


def tensordot(ta, tb, ax1, ax2, device) -> torch.Tensor:
    """Sum of products of ``ta`` over axes ``ax1`` with ``tb`` over ``ax2`` (validated,
    non-negative), as one 2-D GEMM after permute / reshape; result axes are the free axes
    of ``ta`` then those of ``tb``. Both tensors in the result dtype."""
    free1 = [i for i in range(ta.dim()) if i not in ax1]
    free2 = [i for i in range(tb.dim()) if i not in ax2]
    s1 = [ta.shape[i] for i in free1]
    s2 = [tb.shape[i] for i in free2]
    k = math.prod(ta.shape[i] for i in ax1)
    a = ta.permute(free1 + list(ax1)).reshape(math.prod(s1), k)
    b = tb.permute(list(ax2) + free2).reshape(k, math.prod(s2))
    return gemm(a, b, device).reshape(s1 + s2)


def _multiply(a, b):
    return _multiply_tensor(a, b, _dtypes.from_torch(a.dtype))


def outer(ta, tb, device) -> torch.Tensor:
    """``(M, N)`` outer product of the flattened tensors (result dtype): a K = 1 GEMM on
    the kernel, an elementwise multiply on torch (NumPy's ``multiply`` semantics)."""
    return gemm(ta.reshape(-1, 1), tb.reshape(1, -1), device, torch_fn=_multiply)


def kron(ta, tb, device) -> torch.Tensor:
    """Kronecker product of tensors in the result dtype: the outer product of the
    flattened operands, its axes interleaved (``(a0, b0, a1, b1, ...)``) and merged."""
    nd = max(ta.dim(), tb.dim())
    sa = (1,) * (nd - ta.dim()) + tuple(ta.shape)
    sb = (1,) * (nd - tb.dim()) + tuple(tb.shape)
    r = outer(ta, tb, device).reshape(sa + sb)
    r = r.permute([i for d in range(nd) for i in (d, nd + d)])
    return r.reshape(tuple(x * y for x, y in zip(sa, sb)))


# ---------------------------------------------------------------------------
# einsum on the neuron device
def _stand_in(t):
    return np.broadcast_to(np.zeros((), np.float32), tuple(t.shape))


def einsum(args, pos, device, optimize=False) -> torch.Tensor:
    """NumPy's einsum of ``args`` (either calling convention: subscripts and operands, or
    operands and sublists; the operands, at indices ``pos``, are tensors already in the
    compute dtype) as a sequence of pairwise contractions in NumPy's ``einsum_path``
    order (greedy unless ``optimize`` is an explicit path). Each pairwise step that sums
    over a shared index, or is a pure outer product, is one (batched) GEMM through
    :func:`gemm`; steps on one operand (traces, diagonals, sums, transposes) and products
    without a summed index over shared (batch) indices (Hadamard products) are not
    contractions and run on torch."""
    stand = list(args)
    for i in pos:
        stand[i] = _stand_in(args[i])
    tensors = [args[i] for i in pos]
    if not (isinstance(optimize, (list, tuple)) and optimize
            and optimize[0] == "einsum_path"):
        optimize = "greedy"
    _, steps = np.einsum_path(*stand, optimize=optimize, einsum_call=True)
    ops = list(tensors)
    for step in steps:
        # (indices, [removed indices,] spec, remaining[, blas]): the layout varies with
        # NumPy's version
        spec = next(x for x in step[1:] if isinstance(x, str) and "->" in x)
        args = [ops.pop(i) for i in step[0]]
        if len(args) == 1:
            r = torch.einsum(spec, args[0])
        elif len(args) == 2:
            r = _pairwise(spec, args[0], args[1], device)
        else:                   # a user's path with a k-way step: pairwise, greedy
            r = einsum([spec] + args, range(1, len(args) + 1), device)
        ops.append(r)
    return ops[0]


def _reduce_private(t, labels, keep):
    """``t`` (subscript ``labels``) with repeated labels turned into diagonals and the
    labels not in ``keep`` summed out (torch: one operand, no contraction)."""
    new = "".join(dict.fromkeys(c for c in labels if c in keep))
    if new != labels:
        t = torch.einsum(f"{labels}->{new}", t)
    return t, new


def _pairwise(spec, x, y, device):
    """One two-operand einsum step (explicit ``spec``) as a batched GEMM."""
    ins, out = spec.split("->")
    la, lb = ins.split(",")
    x, la = _reduce_private(x, la, set(lb) | set(out))
    y, lb = _reduce_private(y, lb, set(la) | set(out))
    batch = [c for c in la if c in lb and c in out]
    contr = [c for c in la if c in lb and c not in out]
    fa = [c for c in la if c not in lb]
    fb = [c for c in lb if c not in la]
    if batch and not contr:
        return torch.einsum(f"{la},{lb}->{out}", x, y)       # Hadamard-type product
    size = {}
    for t, labels in ((x, la), (y, lb)):
        for c, n in zip(labels, t.shape):
            size[c] = n if size.get(c, 1) == 1 else size[c]   # size-1 axes broadcast
    nb, m = math.prod(size[c] for c in batch), math.prod(size[c] for c in fa)
    k, n = math.prod(size[c] for c in contr), math.prod(size[c] for c in fb)
    a = x.permute([la.index(c) for c in batch + fa + contr])
    a = a.expand([size[c] for c in batch + fa + contr]).reshape(nb, m, k)
    b = y.permute([lb.index(c) for c in batch + contr + fb])
    b = b.expand([size[c] for c in batch + contr + fb]).reshape(nb, k, n)
    if not batch:
        a, b = a[0], b[0]
    if contr:
        r = gemm(a, b, device)
    else:                                                      # outer product
        r = gemm(a, b, device, torch_fn=lambda p, q: p * q)
    r = r.reshape([size[c] for c in batch + fa + fb])
    order = batch + fa + fb
    return r.permute([order.index(c) for c in out])


# -- exact torch products (NumPy's integer and bool rules) ------------------------------
def _int64(t: torch.Tensor) -> torch.Tensor:
    if t.dtype == torch.int64:
        return t
    if t.dtype == torch.uint64:
        return t.view(torch.int64)          # same bits: + and * agree modulo 2**64
    return t.to(torch.int64)


def _absmax(t: torch.Tensor) -> int:
    if t.numel() == 0:
        return 0
    return max(abs(int(t.max())), abs(int(t.min())))


def _int_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact int64 (wrap-around) matmul of >=2-D int64 tensors on any torch device."""
    if a.device.type == "cpu":
        return torch.matmul(a, b)           # torch has integer GEMM on the CPU only
    if a.device.type == "cuda" and _absmax(a) * _absmax(b) * a.shape[-1] < 2 ** 53:
        return int_matmul_float64(a, b)
    return int_matmul_chunked(a, b)


def int_matmul_float64(a, b):
    # every partial sum is an integer below 2**53 (checked by the caller): exact
    return torch.matmul(a.to(torch.float64), b.to(torch.float64)).round().to(torch.int64)


def int_matmul_chunked(a, b, budget=1 << 24):
    """Exact for any values: broadcast multiply and sum, in chunks of k to bound memory."""
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    k, n, m = a.shape[-1], a.shape[-2], b.shape[-1]
    out = torch.zeros(batch + (n, m), dtype=torch.int64, device=a.device)
    step = max(1, budget // max(1, int(np.prod(batch + (n, m), dtype=np.int64))))
    for s in range(0, k, step):
        out += (a[..., :, s:s + step, None] * b[..., None, s:s + step, :]).sum(-2)
    return out


def matmul_tensor(ta: torch.Tensor, tb: torch.Tensor, rdt: np.dtype) -> torch.Tensor:
    """torch matmul of storage tensors with NumPy's result dtype ``rdt`` (shapes checked)."""
    rdt = np.dtype(rdt)
    if rdt.kind in "fc":
        res = torch.matmul(_tensor.torch_as(ta, rdt), _tensor.torch_as(tb, rdt))
        return res.to(_dtypes.to_torch(rdt))
    if rdt.kind not in "biu":
        raise TypeError(f"matmul: no loop for dtype {rdt}")
    # NumPy's integer matmul wraps modulo 2**bits; int64 arithmetic wraps modulo 2**64,
    # which agrees after the final cast. bool matmul is any(a & b).
    a, b = _int64(ta), _int64(tb)
    va, vb = a.dim() == 1, b.dim() == 1
    if va:
        a = a[None, :]
    if vb:
        b = b[:, None]
    res = _int_matmul(a, b)
    if vb:
        res = res[..., 0]
    if va:
        res = res[..., 0, :] if not vb else res[..., 0]
    if rdt.kind == "b":
        return res != 0
    return _tensor.from_compute(res, rdt)


# -- NumPy's older products -------------------------------------------------------------
def _multiply_tensor(ta, tb, rdt):
    if rdt.kind == "b":
        return ta.to(torch.bool) & tb.to(torch.bool)
    ca, cb = _tensor.compute_tensor(ta, rdt), _tensor.compute_tensor(tb, rdt)
    if rdt == np.float16:
        return (ca.float() * cb.float()).half()
    return _tensor.from_compute(ca * cb, rdt)
