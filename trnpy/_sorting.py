"""Sorting: ``sort`` and ``argsort`` (array API and NumPy signatures).

Order is NumPy's: NaNs last; complex lexicographic by real then imaginary part with
NumPy's NaN classes ``[R+Rj, R+nanj, nan+Rj, nan+nanj]``. Sorts are always stable
(a valid answer for every ``kind``). ``descending=True`` is the standard's stable
descending order: equal elements keep their input order, NaNs come first.
"""
from __future__ import annotations

import operator

import numpy as np
import torch
from numpy.lib.array_utils import normalize_axis_index

from . import _dispatch, _dtypes
from ._array import TrnArray
from ._reductions import as_array, from_order_key, order_key

__all__ = ["sort", "argsort"]


def stable_argsort_t(t: torch.Tensor, dtype, dim: int) -> torch.Tensor:
    """Stable ascending argsort of ``t`` (NumPy dtype ``dtype``) along ``dim``."""
    if np.dtype(dtype).kind != "c":
        return torch.argsort(order_key(t, dtype), dim=dim, stable=True)
    re, im = t.real, t.imag
    nre, nim = torch.isnan(re), torch.isnan(im)
    cls = torch.where(nre, torch.where(nim, 3, 2), torch.where(nim, 1, 0)).to(torch.int8)
    # least significant key first; stable sorts keep earlier keys' order among ties
    idx = torch.argsort(im, dim=dim, stable=True)
    for key in (re, cls):
        idx = torch.gather(idx, dim, torch.argsort(torch.gather(key, dim, idx), dim=dim,
                                                   stable=True))
    return idx


def _argsort_t(t, dtype, dim, descending):
    if not descending:
        return stable_argsort_t(t, dtype, dim)
    n = t.shape[dim]
    if np.dtype(dtype).kind != "c":
        t = order_key(t, dtype)        # torch cannot flip uint16/32/64
        dtype = _dtypes.from_torch(t.dtype)
    idx = stable_argsort_t(t.flip(dim), dtype, dim).flip(dim)
    return (n - 1) - idx


def _args(x, axis, kind, order, stable, name):
    if order is not None:
        raise NotImplementedError(f"trnpy.{name}: order= (structured arrays) is not supported")
    x = as_array(x)
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
        a = _dispatch.np_view(x)
        if not descending:   # NumPy's own choice of algorithm (ties, signed zeros as NumPy)
            return _dispatch.wrap(np.sort(a, axis=ax, kind=kind, stable=stable), dev)
        return _dispatch.wrap(np.flip(np.sort(a, axis=ax, kind="stable"), ax), dev)
    idx = _argsort_t(x._t, x.dtype, ax, descending)
    if x.dtype.kind == "c":
        return TrnArray._new(torch.gather(x._t, ax, idx), dev)
    k = torch.gather(order_key(x._t, x.dtype), ax, idx)
    return TrnArray._new(from_order_key(k, x.dtype), dev)


def argsort(x, /, axis=-1, kind=None, order=None, *, descending=False, stable=None):
    """Indices (int64) that sort ``x`` along ``axis`` (None: flattened); always stable."""
    x, ax = _args(x, axis, kind, order, stable, "argsort")
    dev = x._device
    if _dispatch.use_numpy(dev):
        a = _dispatch.np_view(x)
        if not descending:
            return _dispatch.wrap(np.argsort(a, axis=ax, kind=kind, stable=stable), dev)
        return _dispatch.wrap(_np_argsort(a, ax, descending), dev)
    return TrnArray._new(_argsort_t(x._t, x.dtype, ax, descending), dev)
