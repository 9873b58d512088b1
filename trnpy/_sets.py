"""Set functions: the array API ``unique_*`` family, NumPy's ``unique`` and its 1-D set
operations (``intersect1d``, ``union1d``, ``setdiff1d``, ``setxor1d``, ``isin``).

The torch path of the set operations follows NumPy's algorithms step by step (unique in
each input's own dtype, then promote, concatenate, stable sort, compare neighbours), so
lossy promotions (int64 with uint64 -> float64) and ``assume_unique=True`` on inputs that
are not unique give NumPy's answers too. ``isin`` also picks NumPy's method (table, loop
or sort): the first two compare integers exactly, the sort compares promoted values.

The ``unique_*`` functions treat every NaN as distinct (the standard's rule, and what
NumPy 2's ``unique_*`` do); NumPy's ``unique`` merges NaNs by default (``equal_nan``).
Values come back sorted; ``inverse_indices`` has the input's shape.
"""
from __future__ import annotations

import math
import operator
from typing import NamedTuple

import numpy as np
from ._torch import torch

from . import _convert, _dispatch, _dtypes, _tensor
from ._array import TrnArray
from ._normalize import normalizer
from ._sorting import stable_argsort_t

__all__ = ["unique_all", "unique_counts", "unique_inverse", "unique_values", "unique",
           "intersect1d", "union1d", "setdiff1d", "setxor1d", "isin"]


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
    a = _tensor.order_key(t, x.dtype)[perm]
    if n == 0:
        new = torch.zeros(0, dtype=torch.bool, device=t.device)
    else:
        ne = a[1:] != a[:-1]        # NaN != NaN: each NaN starts a group
        nan = _nan_mask(a)
        if nan is not None and equal_nan:
            ne = ne & ~(nan[1:] & nan[:-1])
        new = torch.cat([torch.ones(1, dtype=torch.bool, device=t.device), ne])
    starts = torch.nonzero(new, as_tuple=True)[0]
    values = _tensor.from_order_key(a[starts], x.dtype)
    indices = perm[starts]
    group = torch.cumsum(new.to(torch.int64), 0) - 1
    inverse = torch.empty(n, dtype=torch.int64, device=t.device)
    inverse[perm] = group
    counts = torch.diff(torch.cat([starts, torch.tensor([n], device=t.device)]))
    return values, indices, inverse.reshape(x._t.shape), counts


def _run(x, equal_nan):
    x = _convert.as_array(x)
    dev = x._device
    if _dispatch.use_numpy(dev):
        r = np.unique(_convert.np_view(x), return_index=True, return_inverse=True,
                      return_counts=True, equal_nan=equal_nan)
        v, i, inv, c = r
        return dev, (_convert.wrap(v, dev), _convert.wrap(i, dev),
                     _convert.wrap(inv.reshape(x.shape), dev), _convert.wrap(c, dev))
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


@normalizer(lambda x: np.unique(x, equal_nan=False), "x")
def unique_values(x, /):
    """Sorted unique values (each NaN distinct)."""
    return TrnArray._new(_unique_t(x, False)[0], x._device)


def _np_unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
               *, equal_nan=True, sorted=True):
    # always sorted: the torch path's order, which ``sorted=False`` also allows
    return np.unique(ar, return_index, return_inverse, return_counts, axis,
                     equal_nan=equal_nan, sorted=True)


def _unique_axis_t(x, axis):
    """np.unique(x, axis=axis) on tensors: (values, first indices, inverse, counts). The
    slices along ``axis`` are sorted lexicographically, as NumPy's structured view sorts
    them, by stable sorts of their elements from the last to the first; NaN slices stay
    distinct, as in NumPy."""
    # NumPy's errors for a bad axis, on a tiny array of the same rank
    np.unique(np.zeros(tuple(min(s, 1) for s in x.shape), x.dtype), axis=axis)
    ax = operator.index(axis) % x.ndim
    t = torch.movedim(x._t, ax, 0)
    n = t.shape[0]
    rows = t.reshape(n, math.prod(t.shape[1:]))
    dev = rows.device
    perm = torch.arange(n, device=dev)
    for j in range(rows.shape[1] - 1, -1, -1):
        perm = perm[stable_argsort_t(rows[perm, j], x.dtype, 0)]
    srt = rows[perm]
    new = torch.ones(n, dtype=torch.bool, device=dev)
    if n > 1:
        new[1:] = ~(srt[1:] == srt[:-1]).all(1)
    group = torch.cumsum(new, 0) - 1
    inv = torch.empty_like(group)
    inv[perm] = group
    starts = torch.nonzero(new).reshape(-1)
    counts = torch.diff(torch.cat([starts, torch.tensor([n], device=dev)]))
    vals = torch.movedim(srt[new].reshape((int(new.sum()),) + tuple(t.shape[1:])), 0, ax)
    return vals, perm[new], inv, counts


@normalizer(_np_unique, "ar")
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):
    """NumPy's ``unique`` (values always sorted, which ``sorted=False`` also allows)."""
    x, dev = ar, ar._device
    if axis is not None:
        v, i, inv, c = _unique_axis_t(x, axis)
    else:
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


# ---------------------------------------------------------------------------
# NumPy's 1-D set operations. The torch path works on flat "keys": order_key of the values
# in the comparison dtype (complex stays complex), which torch can sort and compare.
def _key(t, src_dt, dt):
    dt = np.dtype(dt)
    return _tensor.order_key(_tensor.cast_tensor(t, dt) if np.dtype(src_dt) != dt else t, dt)


def _sort_keys(k):
    """(sorted keys, stable permutation) of 1-D keys."""
    perm = stable_argsort_t(k, _dtypes.from_torch(k.dtype), 0)
    return k[perm], perm


def _uniq(x, *, index=False, inverse=False):
    """np.unique of flat ``x`` (NaNs merged): values tensor (storage dtype) [, first
    indices] [, inverse]."""
    v, i, inv, _ = _unique_t(TrnArray._new(x._t.reshape(-1), x._device), True)
    return (v,) + ((i,) if index else ()) + ((inv,) if inverse else ())


def _ones(n, value, dev):
    return torch.full((n,), value, dtype=torch.bool, device=dev.torch_device)


@normalizer(np.intersect1d, ("ar1", "ar2"))
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """Sorted values in both arrays (flattened); with ``return_indices`` also the indices
    of their first occurrences in each input."""
    a, b, dev = ar1, ar2, ar1._device
    rdt = _dtypes.result_type(a, b)
    dev.check_dtype(rdt)
    if assume_unique:
        ta, tb = a._t.reshape(-1), b._t.reshape(-1)
    else:
        ta, ia = _uniq(a, index=True)
        tb, ib = _uniq(b, index=True)
    aux = torch.cat([_key(ta, a.dtype, rdt), _key(tb, b.dtype, rdt)])
    aux, perm = _sort_keys(aux)
    mask = aux[1:] == aux[:-1]
    vals = TrnArray._new(_tensor.from_order_key(aux[:-1][mask], rdt), dev)
    if not return_indices:
        return vals
    i1 = perm[:-1][mask]
    i2 = perm[1:][mask] - ta.shape[0]
    if not assume_unique:
        i1, i2 = ia[i1], ib[i2]
    return vals, TrnArray._new(i1, dev), TrnArray._new(i2, dev)


@normalizer(np.union1d, ("ar1", "ar2"))
def union1d(ar1, ar2):
    """Sorted unique values of both arrays (flattened)."""
    a, b, dev = ar1, ar2, ar1._device
    rdt = _dtypes.result_type(a, b)
    dev.check_dtype(rdt)
    k = torch.cat([_key(a._t.reshape(-1), a.dtype, rdt), _key(b._t.reshape(-1), b.dtype, rdt)])
    v = _unique_t(TrnArray._new(k, dev), True)[0]
    return TrnArray._new(_tensor.from_order_key(v, rdt), dev)


@normalizer(np.setxor1d, ("ar1", "ar2"))
def setxor1d(ar1, ar2, assume_unique=False):
    """Sorted values in exactly one of the arrays (flattened)."""
    a, b, dev = ar1, ar2, ar1._device
    rdt = _dtypes.result_type(a, b)
    dev.check_dtype(rdt)
    if assume_unique:
        ta, tb = a._t.reshape(-1), b._t.reshape(-1)
    else:
        (ta,), (tb,) = _uniq(a), _uniq(b)
    aux = _sort_keys(torch.cat([_key(ta, a.dtype, rdt), _key(tb, b.dtype, rdt)]))[0]
    if aux.shape[0] == 0:
        return TrnArray._new(_tensor.from_order_key(aux, rdt), dev)
    t = _ones(1, True, dev)
    flag = torch.cat([t, aux[1:] != aux[:-1], t])
    return TrnArray._new(_tensor.from_order_key(aux[flag[1:] & flag[:-1]], rdt), dev)


@normalizer(np.setdiff1d, ("ar1", "ar2"))
def setdiff1d(ar1, ar2, assume_unique=False):
    """Values of ``ar1`` not in ``ar2``: sorted unique ones, or with ``assume_unique``
    in ``ar1``'s order. Keeps ``ar1``'s dtype."""
    a, b, dev = ar1, ar2, ar1._device
    if assume_unique:
        ta, tb = a._t.reshape(-1), b._t.reshape(-1)
    else:
        (ta,), (tb,) = _uniq(a), _uniq(b)
    keep = _isin_t(ta, a.dtype, tb, b.dtype, True, True, None, dev)
    return TrnArray._new(_tensor.unsigned_view(_tensor.signed_view(ta)[keep], ta.dtype), dev)


def _int_range(t, dt):
    """(min, max) of integer/bool tensor ``t`` as Python ints (t not empty)."""
    k = _tensor.order_key(t, dt)               # the value itself, except uint64: value - 2**63
    off = 2 ** 63 if np.dtype(dt) == np.uint64 else 0
    return int(k.min()) + off, int(k.max()) + off


def _isin_method(ta, a_dt, tb, b_dt, kind):
    """The method NumPy's isin takes ("table", "loop" or "sort"), with its errors."""
    if kind not in {None, "sort", "table"}:
        raise ValueError(f"Invalid kind: '{kind}'. Please use None, 'sort' or 'table'.")
    n1, n2 = ta.shape[0], tb.shape[0]
    if all(np.dtype(d).kind in "uib" for d in (a_dt, b_dt)) and kind in {None, "table"}:
        if n2 == 0:
            return "table"
        lo, hi = _int_range(tb, b_dt)
        info = np.iinfo(np.uint8 if np.dtype(b_dt) == np.bool_ else b_dt)
        if hi - lo <= info.max and (hi - lo <= 6 * (n1 + n2) or kind == "table"):
            return "table"
        if kind == "table":
            raise RuntimeError(
                "You have specified kind='table', but the range of values in `ar2` or "
                "`ar1` exceed the maximum integer of the datatype. Please set `kind` to "
                "None or 'sort'.")
    elif kind == "table":
        raise ValueError("The 'table' method is only supported for boolean or integer "
                         "arrays. Please select 'sort' or None for kind.")
    return "loop" if n2 < 10 * n1 ** 0.145 else "sort"


def _isin_sort(ka, kb, assume_unique, invert, dev):
    """NumPy's sort method on 1-D keys of one dtype."""
    n1 = ka.shape[0]
    if not assume_unique:
        ka, _, inv, _ = _unique_t(TrnArray._new(ka, dev), True)
        kb = _unique_t(TrnArray._new(kb, dev), True)[0]
    ar = torch.cat([ka, kb])
    sar, order = _sort_keys(ar)
    same = sar[1:] != sar[:-1] if invert else sar[1:] == sar[:-1]
    flag = torch.cat([same, _ones(1, invert, dev)])
    ret = torch.empty_like(flag)
    ret[order] = flag
    return ret[:n1] if assume_unique else ret[inv]


def _isin_t(ta, a_dt, tb, b_dt, assume_unique, invert, kind, dev):
    """isin of flat storage tensors: a bool tensor like ``ta``."""
    method = _isin_method(ta, a_dt, tb, b_dt, kind)
    n1 = ta.shape[0]
    if tb.shape[0] == 0:
        return _ones(n1, invert, dev)
    rdt = _dtypes.result_type(a_dt, b_dt)
    if method == "sort":
        # NumPy uniques each input in its own dtype, then promotes
        if not assume_unique:
            ua, inv = _uniq(TrnArray._new(ta, dev), inverse=True)
            (ub,) = _uniq(TrnArray._new(tb, dev))
            r = _isin_sort(_key(ua, a_dt, rdt), _key(ub, b_dt, rdt), True, invert, dev)
            return r[inv.reshape(-1)]
        return _isin_sort(_key(ta, a_dt, rdt), _key(tb, b_dt, rdt), True, invert, dev)
    # table and loop compare exactly (integers of any signedness included)
    valid = None
    if rdt.kind == "f" and np.dtype(a_dt).kind in "uib" and np.dtype(b_dt).kind in "uib":
        # a uint64 and a signed integer: equal only when both lie in [0, 2**63)
        ka = _tensor.cast_tensor(ta, np.int64) if np.dtype(a_dt) != np.uint64 \
            else ta.view(torch.int64)
        kb = _tensor.cast_tensor(tb, np.int64) if np.dtype(b_dt) != np.uint64 \
            else tb.view(torch.int64)
        kb = kb[kb >= 0]
        valid = ka >= 0
    else:
        ka, kb = _key(ta, a_dt, rdt), _key(tb, b_dt, rdt)
    found = _isin_sort(ka, kb, False, False, dev)
    if valid is not None:
        found = found & valid
    return ~found if invert else found


@normalizer(np.isin, ("element", "test_elements"))
def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Whether each element of ``element`` is in ``test_elements`` (bool, element's
    shape); ``invert`` negates. ``kind`` picks NumPy's method ('sort' or 'table')."""
    a, b, dev = element, test_elements, element._device
    r = _isin_t(a._t.reshape(-1), a.dtype, b._t.reshape(-1), b.dtype, assume_unique,
                invert, kind, dev)
    return TrnArray._new(r.reshape(a.shape), dev)
