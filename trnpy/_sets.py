"""Set functions: the array API ``unique_*`` family and NumPy's ``unique``.

The ``unique_*`` functions treat every NaN as distinct (the standard's rule, and what
NumPy 2's ``unique_*`` do); NumPy's ``unique`` merges NaNs by default (``equal_nan``).
Values come back sorted; ``inverse_indices`` has the input's shape.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from . import _dispatch
from ._array import TrnArray
from ._reductions import as_array, from_order_key, order_key
from ._sorting import stable_argsort_t

__all__ = ["unique_all", "unique_counts", "unique_inverse", "unique_values", "unique"]


class UniqueAllResult(NamedTuple):
    values: TrnArray
    indices: TrnArray
    inverse_indices: TrnArray
    counts: TrnArray


class UniqueCountsResult(NamedTuple):
    values: TrnArray
    counts: TrnArray


class UniqueInverseResult(NamedTuple):
    values: TrnArray
    inverse_indices: TrnArray


def _nan_mask(t):
    return torch.isnan(t) if (t.is_floating_point() or t.is_complex()) else None


def _unique_t(x: TrnArray, equal_nan: bool):
    """Torch path: (values, first indices, inverse (input's shape), counts) tensors."""
    t = x._t.reshape(-1)
    n = t.shape[0]
    perm = stable_argsort_t(t, x.dtype, 0)
    # index and compare in a form torch handles for every dtype (uint16/32/64 included)
    a = order_key(t, x.dtype)[perm]
    if n == 0:
        new = torch.zeros(0, dtype=torch.bool, device=t.device)
    else:
        ne = a[1:] != a[:-1]        # NaN != NaN: each NaN starts a group
        nan = _nan_mask(a)
        if nan is not None and equal_nan:
            ne = ne & ~(nan[1:] & nan[:-1])
        new = torch.cat([torch.ones(1, dtype=torch.bool, device=t.device), ne])
    starts = torch.nonzero(new, as_tuple=True)[0]
    values = from_order_key(a[starts], x.dtype)
    indices = perm[starts]
    group = torch.cumsum(new.to(torch.int64), 0) - 1
    inverse = torch.empty(n, dtype=torch.int64, device=t.device)
    inverse[perm] = group
    counts = torch.diff(torch.cat([starts, torch.tensor([n], device=t.device)]))
    return values, indices, inverse.reshape(x._t.shape), counts


def _run(x, equal_nan):
    x = as_array(x)
    dev = x._device
    if _dispatch.use_numpy(dev):
        r = np.unique(_dispatch.np_view(x), return_index=True, return_inverse=True,
                      return_counts=True, equal_nan=equal_nan)
        v, i, inv, c = r
        return dev, (_dispatch.wrap(v, dev), _dispatch.wrap(i, dev),
                     _dispatch.wrap(inv.reshape(x.shape), dev), _dispatch.wrap(c, dev))
    return dev, tuple(TrnArray._new(a, dev) for a in _unique_t(x, equal_nan))


def unique_all(x, /):
    """Sorted unique values, first-occurrence indices, inverse indices, counts."""
    return UniqueAllResult(*_run(x, False)[1])


def unique_counts(x, /):
    """Sorted unique values and their counts."""
    v, _, _, c = _run(x, False)[1]
    return UniqueCountsResult(v, c)


def unique_inverse(x, /):
    """Sorted unique values and the indices (input's shape) that rebuild ``x``."""
    v, _, inv, _ = _run(x, False)[1]
    return UniqueInverseResult(v, inv)


def unique_values(x, /):
    """Sorted unique values (each NaN distinct)."""
    x = as_array(x)
    dev = x._device
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.unique(_dispatch.np_view(x), equal_nan=False), dev)
    return TrnArray._new(_unique_t(x, False)[0], dev)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """NumPy's ``unique`` (values always sorted, which ``sorted=False`` also allows)."""
    x = as_array(ar)
    dev = x._device
    if _dispatch.use_numpy(dev):
        r = np.unique(_dispatch.np_view(x), return_index=return_index,
                      return_inverse=return_inverse, return_counts=return_counts, axis=axis,
                      equal_nan=equal_nan, sorted=True)
        if isinstance(r, tuple):
            return tuple(_dispatch.wrap(a, dev) for a in r)
        return _dispatch.wrap(r, dev)
    if axis is not None:
        raise NotImplementedError("trnpy.unique: axis= is not supported on the torch backend")
    v, i, inv, c = _unique_t(x, equal_nan)
    out = [TrnArray._new(v, dev)]
    if return_index:
        out.append(TrnArray._new(i, dev))
    if return_inverse:
        # NumPy 2.4 gives the inverse the input's shape when axis is None
        out.append(TrnArray._new(inv, dev))
    if return_counts:
        out.append(TrnArray._new(c, dev))
    return out[0] if len(out) == 1 else tuple(out)
