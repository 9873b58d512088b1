"""Sorting: ``sort``/``argsort`` (array API and NumPy signatures) and NumPy's ``lexsort``,
``partition``/``argpartition`` and ``sort_complex``.

``partition`` on the torch path is a full stable sort, which satisfies its contract (NumPy
leaves the order within each side of ``kth`` unspecified).

Order is NumPy's: NaNs last; complex lexicographic by real then imaginary part with
NumPy's NaN classes ``[R+Rj, R+nanj, nan+Rj, nan+nanj]``. Sorts are always stable
(a valid answer for every ``kind``). ``descending=True`` is the standard's stable
descending order: equal elements keep their input order, NaNs come first.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index

from . import _convert, _dispatch, _dtypes, _tensor
from ._array import TrnArray
from ._normalize import normalizer

__all__ = ["sort", "argsort", "lexsort", "partition", "argpartition", "sort_complex"]


def stable_argsort_t(t: torch.Tensor, dtype, dim: int) -> torch.Tensor:
    """Stable ascending argsort of ``t`` (NumPy dtype ``dtype``) along ``dim``."""
    if np.dtype(dtype).kind != "c":
        return torch.argsort(_tensor.order_key(t, dtype), dim=dim, stable=True)
    re, im = t.real, t.imag
    nre, nim = torch.isnan(re), torch.isnan(im)
    cls = torch.where(nre, torch.where(nim, 3, 2), torch.where(nim, 1, 0)).to(torch.int8)
    # least significant key first; stable sorts keep earlier keys' order among ties
    idx = torch.argsort(im, dim=dim, stable=True)
    for key in (re, cls):
        idx = torch.gather(idx, dim, torch.argsort(torch.gather(key, dim, idx), dim=dim,
                                                   stable=True))
    return idx


# sort: inputs up to this many elements go to one torch.sort; larger ones are sorted in
# pieces of at most a 64th of their size (torch.sort's scratch, indices and merge buffers,
# is ~4x its input for float32), so the peak is the result plus a fraction of the input
_SORT_DIRECT = 1 << 16


def sorted_values_t(k: torch.Tensor, dim: int) -> torch.Tensor:
    """``torch.sort(k, dim).values`` (NaNs last) for a real order-key tensor ``k``."""
    if k.numel() <= _SORT_DIRECT:
        return torch.sort(k, dim=dim, stable=True).values
    km = k.movedim(dim, -1)
    out = torch.empty(km.shape, dtype=k.dtype, device=k.device)
    _sort_into(km, out, builtins.max(_SORT_DIRECT, k.numel() // 64))
    return out.movedim(-1, dim)


def _sort_into(k, out, budget):
    """Sorted ``k`` (along its last dim) into ``out``, in pieces of at most ``budget``."""
    if k.numel() <= budget:
        out.copy_(torch.sort(k, dim=-1, stable=True).values)
    elif k.dim() == 1:
        _sample_sort(k, out, budget, None, None, 0)
    elif k[0].numel() > budget:
        for i in range(k.shape[0]):
            _sort_into(k[i], out[i], budget)
    else:
        step = budget // builtins.max(k[0].numel(), 1)
        for i in range(0, k.shape[0], step):
            _sort_into(k[i:i + step], out[i:i + step], budget)


def _sample_sort(k, out, budget, lo, hi, depth):
    """Sorted elements ``x`` of 1-d ``k`` with ``lo < x < hi`` (every element, NaNs last,
    when both are None) into ``out``, which has their number of elements.

    Splitters from a sample cut the values into buckets, each ``x == splitter`` or between
    two splitters; a pass counts them, a second sorts ``k`` a chunk at a time and copies
    each chunk's part of every bucket to the bucket's place in ``out``, and each bucket is
    sorted there (a bucket larger than ``budget`` again by splitters, reading ``k``)."""
    top = lo is None and hi is None
    src = k if top else out
    sample = src[::builtins.max(src.numel() // 16384, 1)]
    if k.is_floating_point():
        sample = sample[~torch.isnan(sample)]
    spl = torch.unique_consecutive(torch.sort(sample).values[::64])
    L = spl.numel()
    n = k.numel()
    chunks = [k[i:i + budget] for i in range(0, n, budget)]

    def window(c):
        if lo is not None:
            c = c[c > lo]
        if hi is not None:
            c = c[c < hi]
        return c

    counts = torch.zeros(2 * L + 1, dtype=torch.int64, device=k.device)
    nans = 0
    # (buffers reused for every chunk: the allocator's free lists fragment otherwise)
    left, right = (torch.empty(builtins.min(budget, n), dtype=torch.int64, device=k.device)
                   for _ in range(2))
    for c in chunks:
        c = window(c).contiguous()
        cat = torch.searchsorted(spl, c, side="left", out=left[:c.numel()])
        cat += torch.searchsorted(spl, c, side="right", out=right[:c.numel()])
        counts += torch.bincount(cat, minlength=2 * L + 1)
        if top and c.is_floating_point():
            nans += int(torch.isnan(c).sum())
    counts[-1] -= nans
    del left, right
    counts = counts.tolist()
    starts = [0]
    for m in counts:
        starts.append(starts[-1] + m)
    pos = starts[:-1]
    nan_pos = starts[-1]
    for c in chunks:
        cs = torch.sort(window(c), stable=True).values
        m = cs.numel()
        if top and cs.is_floating_point():
            nn = int(torch.isnan(cs[-1:]).sum()) and int(torch.isnan(cs).sum())
            out[nan_pos:nan_pos + nn] = cs[m - nn:]
            nan_pos += nn
            m -= nn
        cut = torch.stack([torch.searchsorted(cs[:m], spl, side="left"),
                           torch.searchsorted(cs[:m], spl, side="right")], 1).reshape(-1)
        edges = [0] + cut.tolist() + [m]
        for j in range(2 * L + 1):
            a, b = edges[j], edges[j + 1]
            if b > a:
                out[pos[j]:pos[j] + b - a] = cs[a:b]
                pos[j] += b - a
    for j in range(0, 2 * L + 1, 2):         # the buckets between splitters
        a, m = starts[j], counts[j]
        region = out[a:a + m]
        if m <= budget or depth >= 3:
            if m > 1:
                region.copy_(torch.sort(region).values)
        else:
            _sample_sort(k, region, budget, spl[j // 2 - 1] if j else lo,
                         spl[j // 2] if j < 2 * L else hi, depth + 1)


def _argsort_t(t, dtype, dim, descending):
    if not descending:
        return stable_argsort_t(t, dtype, dim)
    n = t.shape[dim]
    if np.dtype(dtype).kind != "c":
        t = _tensor.order_key(t, dtype)        # torch cannot flip uint16/32/64
        dtype = _dtypes.from_torch(t.dtype)
    idx = stable_argsort_t(t.flip(dim), dtype, dim).flip(dim)
    return (n - 1) - idx


# trnpy holds no structured dtypes, so NumPy's error for order= on a plain array
_NO_FIELDS = "Cannot specify order when the array has no fields."


def _args(x, axis, kind, order, stable, name):
    if order is not None:
        raise ValueError(_NO_FIELDS)
    x = _convert.as_array(x)
    # NumPy validates kind/stable (ValueError for a bad kind or both given)
    getattr(np, name)(np.empty(0), kind=kind, stable=stable)
    if axis is None or (x.ndim == 0 and name == "argsort"):
        # NumPy's argsort takes a 0-d array as 1-d
        if axis is not None:
            normalize_axis_index(operator.index(axis), 1)
        x = TrnArray._new(x._t.reshape(-1), x._device)
        ax = 0
    else:
        ax = normalize_axis_index(operator.index(axis), x.ndim)
    return x, ax


def _np_argsort(a, ax, descending):
    n = a.shape[ax]
    return (n - 1) - np.flip(np.argsort(np.flip(a, ax), axis=ax, kind="stable"), ax)


def sort(x, /, axis=-1, kind=None, order=None, *, descending=False, stable=None):
    """Sorted copy of ``x`` along ``axis`` (None: flattened). ``descending`` is the
    array API's; ``kind``/``order`` are NumPy's."""
    x, ax = _args(x, axis, kind, order, stable, "sort")
    dev = x._device
    if _dispatch.use_numpy(dev):
        a = _convert.np_view(x)
        if not descending:   # NumPy's own choice of algorithm (ties, signed zeros as NumPy)
            return _convert.wrap(np.sort(a, axis=ax, kind=kind, stable=stable), dev)
        return _convert.wrap(np.flip(np.sort(a, axis=ax, kind="stable"), ax), dev)
    if not descending and x.dtype.kind != "c":
        # values only: no index tensor (torch's argsort holds int64 indices and merge
        # buffers, ~4x a float32 input), the sort in pieces for large inputs
        k = sorted_values_t(_tensor.order_key(x._t, x.dtype), ax)
        return TrnArray._new(_tensor.from_order_key(k, x.dtype), dev)
    idx = _argsort_t(x._t, x.dtype, ax, descending)
    if x.dtype.kind == "c":
        return TrnArray._new(torch.gather(x._t, ax, idx), dev)
    k = torch.gather(_tensor.order_key(x._t, x.dtype), ax, idx)
    return TrnArray._new(_tensor.from_order_key(k, x.dtype), dev)


def argsort(x, /, axis=-1, kind=None, order=None, *, descending=False, stable=None):
    """Indices (int64) that sort ``x`` along ``axis`` (None: flattened); always stable."""
    x, ax = _args(x, axis, kind, order, stable, "argsort")
    dev = x._device
    if _dispatch.use_numpy(dev):
        a = _convert.np_view(x)
        if not descending:
            return _convert.wrap(np.argsort(a, axis=ax, kind=kind, stable=stable), dev)
        return _convert.wrap(_np_argsort(a, ax, descending), dev)
    return TrnArray._new(_argsort_t(x._t, x.dtype, ax, descending), dev)


def _order_tensor(t, dtype):
    """(tensor, dtype) that stable_argsort_t and gather take on every device: uint16/32/64
    and bool become their order keys; complex stays."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        return t, dt
    k = _tensor.order_key(t, dt)
    return k, _dtypes.from_torch(k.dtype)


def _lexsort_check(keys, axis=-1):
    if isinstance(keys, TrnArray):      # a 0-d array is no sequence of keys, as in NumPy
        keys = [TrnArray._new(keys._t[i], keys._device) for i in range(keys.shape[0])] \
            if keys.ndim else []
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if any(k.shape != keys[0].shape for k in keys):
        raise ValueError("all keys need to be the same shape")
    return {"keys": keys}


@normalizer(np.lexsort, "*keys", validate=_lexsort_check)
def lexsort(keys, axis=-1):
    """Indices (int64) that sort by several keys; the last key is the primary one."""
    dev = keys[0]._device
    shape = keys[0].shape
    if not shape:
        # NumPy's answer for 0-d keys (and its error for a bad axis)
        r = np.lexsort([np.zeros((), np.int8)] * len(keys), axis=axis)
        return TrnArray._new(torch.tensor(int(r), device=dev.torch_device), dev)
    ax = normalize_axis_index(operator.index(axis), len(shape))
    idx = None
    for k in keys:                     # least significant first; each sort is stable
        t, dt = _order_tensor(k._t, k.dtype)
        if idx is not None:
            t = torch.gather(t, ax, idx)
        o = stable_argsort_t(t, dt, ax)
        idx = o if idx is None else torch.gather(idx, ax, o)
    return TrnArray._new(idx, dev)


def _partition_check(a, kth, axis=-1, kind="introselect", order=None):
    if order is not None:
        raise ValueError(_NO_FIELDS)
    if isinstance(kth, TrnArray):
        return {"kth": _convert.host(kth)}


def _partition_oracle(fn, x, kth, axis, kind):
    """NumPy's own checks of kth/axis/kind, on int8 zeros with x's length along ``axis``
    and every other dimension at most 1."""
    if axis is None:
        oshape = (x.size,)
    elif x.ndim == 0:
        oshape = ()
    else:
        ax = normalize_axis_index(operator.index(axis), x.ndim)
        oshape = tuple(n if i == ax else min(n, 1) for i, n in enumerate(x.shape))
    fn(np.zeros(oshape, np.int8), kth, axis=axis, kind=kind)


@normalizer(np.partition, "a", validate=_partition_check)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's ``partition``: element ``kth`` in its sorted place, smaller ones before it,
    larger ones after (the torch path sorts fully)."""
    x = a
    _partition_oracle(np.partition, x, kth, axis, kind)
    return sort(x, axis=axis)


@normalizer(np.argpartition, "a", validate=_partition_check)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """NumPy's ``argpartition`` (int64 indices; the torch path is a full stable argsort)."""
    x, dev = a, a._device
    if x.ndim == 0:
        x = TrnArray._new(x._t.reshape(1), dev)      # NumPy takes a 0-d array as 1-d
    _partition_oracle(np.argpartition, x, kth, axis, kind)
    return argsort(x, axis=axis)


@normalizer(np.sort_complex, "a")
def sort_complex(a):
    """Sort along the last axis by real, then imaginary part; the result is complex
    (NumPy's choice of complex64/complex128)."""
    x = a
    dev = x._device
    # NumPy's result dtype (and its AxisError for a 0-d input)
    rdt = _dtypes.as_dtype(np.sort_complex(np.zeros((0,) * min(x.ndim, 1), x.dtype)).dtype)
    dev.check_dtype(rdt)
    r = sort(x, axis=-1)
    return TrnArray._new(_tensor.cast_tensor(r._t, rdt), dev)
