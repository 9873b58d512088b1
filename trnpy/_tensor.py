"""Tensor helpers of the core: NumPy's casting rules on torch tensors, the compute dtypes
torch lacks kernels for, and the data-movement views every layer above uses. Tensors in,
tensors out; nothing here knows the array object."""
from __future__ import annotations

import builtins

import numpy as np
from . import _torch
from ._torch import torch

from . import _dtypes

ALIASABLE = frozenset(d.char for d in _dtypes.SUPPORTED)


def host_compatible(data: np.ndarray) -> np.ndarray:
    """``data`` in the form a TrnArray holds on the host: a canonical, native dtype code
    (NumPy has two codes for some 64-bit ints; torch takes one)."""
    dt = _dtypes.as_dtype(data.dtype)     # raises for unsupported kinds
    if data.dtype.char != dt.char:
        data = data.view(dt)              # 'Q' -> 'L' etc.: same bits, the code torch takes
    if not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    return data


def torch_view(data: np.ndarray):
    """(array, tensor, dims) for NumPy data: the tensor aliases ``data`` with ``dims``
    (its negative-stride dims) reversed, as torch has no negative strides. A read-only
    buffer, which torch cannot alias, is copied (array and tensor then are the copy)."""
    data = host_compatible(data)
    if data.flags.writeable and data.size:      # (empty: nothing to alias)
        dims = tuple(i for i, s in enumerate(data.strides) if s < 0)
        return data, torch.from_numpy(np.flip(data, dims) if dims else data), dims
    data = np.array(data, copy=True)
    return data, torch.from_numpy(data), ()


def flip(t: torch.Tensor, dims) -> torch.Tensor:
    """``torch.flip`` (a copy) for every dtype (torch's kernel lacks the unsigned ones)."""
    return unsigned_view(torch.flip(signed_view(t), dims), t.dtype)


def compute_tensor(t: torch.Tensor, dtype=None) -> torch.Tensor:
    """``t`` (optionally cast to NumPy dtype ``dtype``) in a dtype torch computes in."""
    if dtype is not None and _dtypes.from_torch(t.dtype) != np.dtype(dtype):
        t = cast_tensor(t, dtype)
    ct = _dtypes.compute_torch(_dtypes.from_torch(t.dtype))
    if ct == t.dtype:
        return t
    if t.dtype == torch.uint64:
        return t.view(torch.int64)        # same bits; callers handle unsigned order
    return t.to(ct)


def cast_tensor(t: torch.Tensor, dtype) -> torch.Tensor:
    """Cast with NumPy's semantics (integer wrap-around, uint64 bit patterns)."""
    if t.dtype is _dtypes._NP_TO_TORCH.get(dtype):
        return t                           # the common case, without normalising dtype
    dt = np.dtype(dtype)
    target = _dtypes.to_torch(dt)
    if t.dtype == target:
        return t
    if t.dtype == torch.uint64 and dt.kind in "iu":
        t = t.view(torch.int64)
    elif t.dtype == torch.uint64 and dt.kind in "fc":
        # torch reads uint64 as signed; halve values >= 2**63 (keeping the sticky low bit so
        # the single rounding matches NumPy's), convert, and double
        v = t.view(torch.int64)
        big = v < 0
        half = ((v >> 1) & 0x7FFF_FFFF_FFFF_FFFF) | (v & 1)
        return torch.where(big, half.to(target) * 2, v.to(target))
    if dt == np.dtype(np.uint64) and t.dtype.is_floating_point:
        big = t >= 2.0 ** 63
        return torch.where(big, (t - 2.0 ** 63).to(torch.int64) ^ (-2 ** 63),
                           t.to(torch.int64)).view(torch.uint64)
    if dt == np.dtype(np.uint64) and t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64):
        return t.to(torch.int64).view(torch.uint64)
    if target in (torch.uint16, torch.uint32) and t.dtype.is_floating_point:
        return t.to(torch.int64).to(target)
    return t.to(target)


def from_compute(t: torch.Tensor, dtype) -> torch.Tensor:
    """Result computed in a compute dtype back to storage dtype ``dtype``."""
    dt = np.dtype(dtype)
    if dt == np.dtype(np.uint64) and t.dtype == torch.int64:
        return t.view(torch.uint64)
    return cast_tensor(t, dt)


_SIGNED: dict = {}       # uint16/32/64 -> the same-width signed type (filled with torch)
_torch.on_load(lambda torch: _SIGNED.update(
    {torch.uint16: torch.int16, torch.uint32: torch.int32, torch.uint64: torch.int64}))


def signed_view(t: torch.Tensor) -> torch.Tensor:
    """uint16/32/64 reinterpreted as the same-width signed type (same bits), so torch's
    copy/gather/flip kernels, which lack the unsigned types, can move the data."""
    s = _SIGNED.get(t.dtype)
    return t if s is None else t.view(s)


def unsigned_view(t: torch.Tensor, tdtype: torch.dtype) -> torch.Tensor:
    return t if t.dtype == tdtype else t.view(tdtype)


def scalar_tensor(value, np_dtype, device):
    """A 0-d tensor holding Python scalar ``value`` in ``np_dtype`` (NumPy's overflow rules)."""
    if np_dtype.kind == "b" and type(value) is builtins.int and not -2**63 <= value < 2**63:
        # NumPy converts an int for a bool loop through C long
        raise OverflowError("Python int too large to convert to C long")
    v = np.array(value, dtype=np_dtype)          # OverflowError as NumPy raises it
    ct = _dtypes.compute_torch(np_dtype)
    return torch.full((), v.item() if np_dtype.kind != "u" or np_dtype.itemsize < 8
                      else int(v.view(np.int64)), dtype=ct, device=device.torch_device)


def collapse(t: torch.Tensor, axes) -> torch.Tensor:
    """``t`` with ``axes`` moved to the end and flattened into one last dim (size 1
    when ``axes`` is empty), so every reduction is a reduction over dim -1."""
    keep = [i for i in range(t.dim()) if i not in axes]
    t = t.permute(keep + list(axes))
    return t.reshape(tuple(t.shape[:len(keep)]) + (-1,)) if t.numel() else \
        t.reshape(tuple(t.shape[:len(keep)]) + (int(np.prod(t.shape[len(keep):])),))


def order_key(t: torch.Tensor, dtype) -> torch.Tensor:
    """A tensor torch can compare whose order is NumPy's order of ``t`` (dtype ``dtype``)."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return t.to(torch.uint8)
    if dt == np.uint64:
        return t.view(torch.int64) ^ torch.tensor(-2 ** 63, dtype=torch.int64, device=t.device)
    return compute_tensor(t)


def from_order_key(k: torch.Tensor, dtype) -> torch.Tensor:
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return k != 0
    if dt == np.uint64:
        return (k ^ torch.tensor(-2 ** 63, dtype=torch.int64, device=k.device)).view(torch.uint64)
    return from_compute(k, dt)


def complex_arg_extreme(c: torch.Tensor, is_max: builtins.bool) -> torch.Tensor:
    """Index along the last dim of NumPy's lexicographic max/min of complex ``c``:
    the first NaN (in either part) when there is one, else the first extreme."""
    re, im = c.real, c.imag
    nan = torch.isnan(re) | torch.isnan(im)
    red = torch.amax if is_max else torch.amin
    fill = -torch.inf if is_max else torch.inf
    re_ok = torch.where(nan, fill, re)
    m = red(re_ok, dim=-1, keepdim=True)
    cand = (re_ok == m) & ~nan
    im_ok = torch.where(cand, im, fill)
    mi = red(im_ok, dim=-1, keepdim=True)
    hit = cand & (im_ok == mi)
    idx = torch.argmax(hit.to(torch.uint8), dim=-1)
    first_nan = torch.argmax(nan.to(torch.uint8), dim=-1)
    return torch.where(nan.any(dim=-1), first_nan, idx)


def torch_as(t: torch.Tensor, dtype) -> torch.Tensor:
    """``t`` cast (NumPy semantics) to floating/complex ``dtype`` in a dtype torch's linear
    algebra computes in (float16 runs in float32)."""
    dt = np.dtype(dtype)
    t = cast_tensor(t, dt)
    if dt == np.float16:
        t = t.to(torch.float32)
    return t

