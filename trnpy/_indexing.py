"""Indexing with NumPy's rules: ``getitem``/``setitem`` (behind ``x[key]``), ``take``,
``take_along_axis``.

The NumPy path indexes the zero-copy NumPy view, so NumPy itself decides. The torch path
parses the key the way NumPy does and then:

* applies the basic part (ints, slices, None) as a torch view;
* for advanced indices (integer/boolean arrays; ints and 0-d booleans count as advanced
  once any array is present, as in NumPy) moves the indexed axes to the front, indexes
  there (torch's unambiguous case) and then puts the broadcast index dimensions where
  NumPy puts them: in place when the advanced indices are adjacent in the key, first
  otherwise. Torch's own rule differs in mixed int/array cases, so it is never relied on.

Basic indexing returns a view except for negative-step slices on the torch path: torch
has no negative strides, so those results are copies (flipped); on the NumPy path
``_dispatch.wrap`` copies such views too. ``setitem`` writes through views on both paths.
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings

import numpy as np
import torch
from numpy.lib.array_utils import normalize_axis_index

from . import _dispatch, _dtypes
from ._array import TrnArray
from ._manipulation import as_trn, signed_view, unsigned_view

__all__ = ["take", "take_along_axis"]

_VALID = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
          "integer or boolean arrays are valid indices")
_INT_BOOL = "arrays used as indices must be of integer (or boolean) type"


def _has_trn(obj) -> bool:
    if isinstance(obj, TrnArray):
        return True
    return isinstance(obj, (list, tuple)) and builtins.any(_has_trn(o) for o in obj)


def _to_host(obj):
    if isinstance(obj, TrnArray):
        return _dispatch.host(obj)
    if isinstance(obj, (list, tuple)):
        return [_to_host(o) for o in obj]
    return obj


def _check_device(x, k):
    if isinstance(k, TrnArray) and k._device != x._device:
        raise ValueError(f"index array is on {k._device} but the indexed array is on "
                         f"{x._device}; move one explicitly with .to_device()")


def _check_list_devices(x, obj):
    if isinstance(obj, TrnArray):
        _check_device(x, obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _check_list_devices(x, o)


def _check_writeable(shape, strides):
    # zero strides come from broadcast_to/expand: NumPy marks those views read-only
    if math.prod(shape) > 1 and builtins.any(st == 0 and n > 1 for st, n in zip(strides, shape)):
        raise ValueError("assignment destination is read-only")


# -- NumPy path ------------------------------------------------------------------------
def _np_elem(x, k):
    if isinstance(k, TrnArray):
        _check_device(x, k)
        return _dispatch.np_view(k)
    if isinstance(k, list) and _has_trn(k):
        _check_list_devices(x, k)
        return np.asarray(_to_host(k))
    return k


def _np_key(x, key):
    if isinstance(key, tuple):
        return tuple(_np_elem(x, k) for k in key)
    return _np_elem(x, key)


# -- torch path: parse -----------------------------------------------------------------
def _index_tensor(x, k):
    """An index array as a tensor on x's device: bool, or int64 (uint64 reinterpreted)."""
    if isinstance(k, TrnArray):
        _check_device(x, k)
        dt, t = k.dtype, k._t
    else:
        if _has_trn(k):
            _check_list_devices(x, k)
            k = _to_host(k)
        a = np.asarray(k)
        if a.size == 0 and not isinstance(k, np.ndarray):
            a = a.astype(np.intp)            # NumPy: empty sequences index as integers
        dt = a.dtype
        if dt.kind not in "biu":
            raise IndexError(_INT_BOOL)
        if dt not in _dtypes._NP_TO_TORCH or not dt.isnative:
            a = a.astype(np.int64)
            dt = a.dtype
        t = torch.from_numpy(a.copy()).to(x._t.device)
    if dt.kind == "b":
        return t
    if dt.kind not in "iu":
        raise IndexError(_INT_BOOL)
    if dt == np.dtype(np.uint64):
        s = t.view(torch.int64)
        if builtins.bool((s < 0).any()):
            raise IndexError(f"index {int(t[s < 0].flatten()[0])} is out of bounds")
        return s
    return t.to(torch.int64)


def _parse(x, key):
    """Key -> list of (kind, value), kinds: int, slice, new, ell, arr, bool, bool0; plus
    the number of array axes the key consumes."""
    if not isinstance(key, tuple):
        key = (key,)
    items, consumed, ell = [], 0, False
    for k in key:
        if k is None:
            items.append(("new", None))
        elif k is Ellipsis:
            if ell:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ell = True
            items.append(("ell", None))
        elif isinstance(k, slice):
            items.append(("slice", k))
            consumed += 1
        elif isinstance(k, (builtins.bool, np.bool_)):
            items.append(("bool0", builtins.bool(k)))
        elif isinstance(k, (builtins.int, np.integer)):
            items.append(("int", builtins.int(k)))
            consumed += 1
        elif isinstance(k, (TrnArray, np.ndarray, list, tuple, torch.Tensor)) \
                or hasattr(k, "__array__"):
            t = _index_tensor(x, k)
            if t.dtype == torch.bool:
                if t.dim() == 0:
                    items.append(("bool0", builtins.bool(t)))
                else:
                    items.append(("bool", t))
                    consumed += t.dim()
            elif t.dim() == 0:           # NumPy takes 0-d integer arrays as integers
                items.append(("int", builtins.int(t)))
                consumed += 1
            else:
                items.append(("arr", t))
                consumed += 1
        else:
            try:
                i = operator.index(k)
            except TypeError:
                raise IndexError(_VALID) from None
            items.append(("int", i))
            consumed += 1
    if consumed > x.ndim:
        raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, "
                         f"but {consumed} were indexed")
    return items, consumed


class _Plan:
    """``idx``: torch basic index giving the view ``v`` (one v-dim per key item axis);
    ``flips``: v-dims taken with a negative step (reversed later); ``adv``: list of
    (v-dim, int64 index tensor, original axis or None, size); ``adjacent``: NumPy's
    "advanced indices next to each other" rule."""
    __slots__ = ("idx", "flips", "adv", "adjacent", "check")


def _plan(x, items, consumed):
    shape = x.shape
    has_adv = builtins.any(k in ("arr", "bool", "bool0") for k, _ in items)
    idx, flips, adv, adv_pos, check = [], [], [], [], []
    axis = vd = 0
    dev = x._t.device
    for pos, (kind, k) in enumerate(items):
        if kind == "ell":
            n_full = x.ndim - consumed
            idx += [slice(None)] * n_full
            vd += n_full
            axis += n_full
        elif kind == "new":
            idx.append(None)
            vd += 1
        elif kind == "slice":
            start, stop, step = k.indices(shape[axis])
            if step > 0:
                idx.append(slice(start, stop, step))
            else:
                m = len(range(start, stop, step))
                if m == 0:
                    idx.append(slice(0, 0))
                else:
                    idx.append(slice(start + (m - 1) * step, start + 1, -step))
                    flips.append(vd)
            vd += 1
            axis += 1
        elif kind == "int":
            n = shape[axis]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n}")
            k = k + n if k < 0 else k
            if has_adv:
                idx.append(slice(None))
                adv.append((vd, torch.tensor(k, dtype=torch.int64, device=dev)))
                adv_pos.append(pos)
                vd += 1
            else:
                idx.append(k)
            axis += 1
        elif kind == "arr":
            idx.append(slice(None))
            adv.append((vd, k))
            check.append((len(adv) - 1, axis, shape[axis]))
            adv_pos.append(pos)
            vd += 1
            axis += 1
        elif kind == "bool":
            for j in range(k.dim()):
                if k.shape[j] != shape[axis + j] and k.shape[j]:   # NumPy skips size-0 axes
                    raise IndexError(
                        f"boolean index did not match indexed array along axis {axis + j}; "
                        f"size of axis is {shape[axis + j]} but size of corresponding "
                        f"boolean axis is {k.shape[j]}")
            for nz in torch.nonzero(k, as_tuple=True):
                idx.append(slice(None))
                adv.append((vd, nz))
                vd += 1
                axis += 1
            adv_pos.append(pos)
        else:  # bool0: a new unit axis indexed by [0] (True) or [] (False)
            idx.append(None)
            adv.append((vd, torch.zeros(builtins.int(k), dtype=torch.int64, device=dev)))
            adv_pos.append(pos)
            vd += 1
    p = _Plan()
    p.idx, p.flips, p.adv, p.check = tuple(idx), flips, adv, check
    p.adjacent = not adv_pos or adv_pos == list(range(adv_pos[0], adv_pos[0] + len(adv_pos)))
    return p


def _advanced(p, v):
    """Broadcast shape B, bounds-checked index tensors (expanded to B), the permutation
    putting advanced v-dims first, where B lands in the result, and the result dim of
    every other v-dim."""
    shapes = [tuple(t.shape) for _, t in p.adv]
    try:
        B = tuple(torch.broadcast_shapes(*shapes))
    except RuntimeError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together "
                         "with shapes " + " ".join(str(s) for s in shapes) + " ") from None
    its = [t for _, t in p.adv]
    if math.prod(B) > 0:   # NumPy checks array indices only when it iterates over them
        for j, axis, n in p.check:
            t = its[j]
            bad = (t >= n) | (t < -n)
            if builtins.bool(bad.any()):
                raise IndexError(f"index {int(t[bad].flatten()[0])} is out of bounds for "
                                 f"axis {axis} with size {n}")
            its[j] = torch.where(t < 0, t + n, t)
    its = [t.expand(B) for t in its]
    advdims = [d for d, _ in p.adv]
    rest = [d for d in range(v.dim()) if d not in advdims]
    nb = len(B)
    first = advdims[0] if p.adjacent else 0
    rdim = {d: (nb + i if i >= first else i) for i, d in enumerate(rest)}
    return B, its, advdims + rest, first, rdim


def _torch_getitem(x, key):
    items, consumed = _parse(x, key)
    p = _plan(x, items, consumed)
    t = x._t
    v = t[p.idx]
    if not p.adv:
        if p.flips:   # torch has no negative strides: a copy
            v = unsigned_view(torch.flip(signed_view(v), p.flips), t.dtype)
        return TrnArray._new(v, x._device)
    B, its, perm, first, rdim = _advanced(p, v)
    r = signed_view(v).permute(perm)[tuple(its)] if its else v
    nb = len(B)
    if p.adjacent and first:
        r = r.movedim(tuple(range(nb)), tuple(range(first, first + nb)))
    if p.flips:
        r = torch.flip(r, [rdim[d] for d in p.flips])
    return TrnArray._new(unsigned_view(r, t.dtype), x._device)


def getitem(x, key):
    """``x[key]`` with NumPy's semantics (a 0-d array where NumPy gives a scalar)."""
    if _dispatch.use_numpy(x._device):
        v = _dispatch.np_view(x)
        k = _np_key(x, key)
        r = v[k]
        if isinstance(r, np.generic):   # all-integer key: give a 0-d view, not a scalar
            r = v[(k if isinstance(k, tuple) else (k,)) + (Ellipsis,)]
        return _dispatch.wrap(r, x._device)
    return _torch_getitem(x, key)


# -- setitem ----------------------------------------------------------------------------
def _value_tensor(x, value):
    """``value`` as a tensor of x's dtype on x's device, converted as NumPy's setitem does."""
    dt = x.dtype
    if isinstance(value, TrnArray):
        _dispatch.same_device(x, value)
        vt = value._t
        if value.dtype.kind == "c" and dt.kind in "iuf":
            warnings.warn("Casting complex values to real discards the imaginary part",
                          np.exceptions.ComplexWarning, stacklevel=4)
            vt = vt.real
        return _dispatch.cast_tensor(vt, dt)
    return torch.from_numpy(_host_value(x, value)).to(x._t.device)


def _host_value(x, value):
    """A non-TrnArray ``value`` converted to x's dtype by NumPy's own setitem on a scratch
    array: its exact rules and errors (OverflowError for out-of-range Python ints,
    TypeError for complex into real, ...), and x stays untouched when conversion fails."""
    if _has_trn(value):
        _check_list_devices(x, value)
        value = _to_host(value)
    tmp = np.empty(np.shape(value), dtype=x.dtype)
    if tmp.ndim == 0:
        tmp[()] = value
    else:
        tmp[...] = value
    return tmp


def _broadcast_value(val, shape):
    orig = tuple(val.shape)
    while val.dim() > len(shape) and val.shape[0] == 1:   # NumPy drops leading unit dims
        val = val[0]
    try:
        ok = tuple(torch.broadcast_shapes(tuple(val.shape), shape)) == tuple(shape)
    except RuntimeError:
        ok = False
    if not ok:
        raise ValueError(f"could not broadcast input array from shape {orig} into shape "
                         f"{tuple(shape)}")
    return val.expand(shape)


def _torch_setitem(x, key, value):
    items, consumed = _parse(x, key)
    p = _plan(x, items, consumed)
    t = x._t
    val = _value_tensor(x, value)
    if val.untyped_storage().data_ptr() == t.untyped_storage().data_ptr():
        val = val.clone()        # overlapping source and destination
    v = t[p.idx]
    if not p.adv:
        val = _broadcast_value(val, tuple(v.shape))
        if p.flips:
            val = torch.flip(signed_view(val), p.flips)
        signed_view(v).copy_(signed_view(val))
        return
    B, its, perm, first, rdim = _advanced(p, v)
    nb = len(B)
    rshape = [0] * (nb + len(rdim))
    for d, r in rdim.items():
        rshape[r] = v.shape[d]
    rshape[first:first + nb] = B
    val = signed_view(_broadcast_value(val, tuple(rshape)))
    if p.flips:
        val = torch.flip(val, [rdim[d] for d in p.flips])
    if first:
        val = val.movedim(tuple(range(first, first + nb)), tuple(range(nb)))
    signed_view(v).permute(perm).index_put_(tuple(its), val)


def setitem(x, key, value):
    """``x[key] = value``: value broadcast and cast to x's dtype as NumPy does; writes go
    through to every view sharing x's memory."""
    if _dispatch.use_numpy(x._device):
        v = _dispatch.np_view(x)
        _check_writeable(v.shape, v.strides)
        k = _np_key(x, key)
        if isinstance(value, TrnArray):
            _dispatch.same_device(x, value)
            value = _dispatch.np_view(value)
        elif not isinstance(value, np.ndarray):
            value = _host_value(x, value)
        v[k] = value
        return
    _check_writeable(tuple(x._t.shape), x._t.stride())
    _torch_setitem(x, key, value)


# -- take ---------------------------------------------------------------------------------
def _int_index_array(x, indices, casting):
    """``indices`` as an int64 tensor on x's device (NumPy casts them to intp)."""
    if isinstance(indices, TrnArray):
        _check_device(x, indices)
        dt, t = indices.dtype, indices._t
    else:
        a = np.asarray(indices)
        if a.size == 0 and not isinstance(indices, np.ndarray):
            a = a.astype(np.intp)
        dt, t = a.dtype, None
    if casting is not None and not np.can_cast(dt, np.intp, casting=casting):
        raise TypeError(f"Cannot cast array data from {dt!r} to {np.dtype(np.intp)!r} "
                        f"according to the rule {casting!r}")
    if casting is None and dt.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if t is None:
        return torch.from_numpy(a.astype(np.int64)).to(x._t.device)
    return _dispatch.cast_tensor(t, np.int64)


def _bounds(t, n, axis):
    bad = (t >= n) | (t < -n)
    if builtins.bool(bad.any()):
        raise IndexError(f"index {int(t[bad].flatten()[0])} is out of bounds for axis "
                         f"{axis} with size {n}")
    return torch.where(t < 0, t + n, t)


def take(a, indices, /, axis=None, out=None, mode="raise"):
    """Elements of ``a`` at ``indices`` along ``axis`` (the flattened array when None).
    ``mode``: 'raise' (IndexError when out of range), 'wrap' or 'clip', as NumPy."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    x = as_trn(a)
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError(f"take: out must be a trnpy array, not {type(out).__name__}")
        _dispatch.same_device(x, out)
        if out.dtype != x.dtype:
            raise NotImplementedError("trnpy.take: out= must have the dtype of the input")
    if _dispatch.use_numpy(x._device):
        if isinstance(indices, TrnArray):
            _check_device(x, indices)
            indices = _dispatch.np_view(indices)
        if out is not None:
            np.take(_dispatch.np_view(x), indices, axis, out=_dispatch.np_view(out), mode=mode)
            return out
        return _dispatch.wrap(np.take(_dispatch.np_view(x), indices, axis, mode=mode),
                              x._device)
    it = _int_index_array(x, indices, "same_kind")
    t = x._t
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis = normalize_axis_index(axis, t.dim())
    n = t.shape[axis]
    shape = tuple(t.shape[:axis]) + tuple(it.shape) + tuple(t.shape[axis + 1:])
    if mode == "raise":
        # NumPy checks every index once per outer row, even when the rows are empty
        if math.prod(t.shape[:axis]) > 0 and it.numel():
            it = _bounds(it, n, axis)
    elif math.prod(shape) > 0:
        if n == 0:
            raise IndexError("cannot do a non-empty take from an empty axes.")
        it = it % n if mode == "wrap" else it.clamp(0, n - 1)
    if math.prod(shape) == 0:
        res = t.new_empty(shape)
    else:
        res = torch.index_select(signed_view(t), axis, it.reshape(-1)).reshape(shape)
    res = unsigned_view(res, t.dtype)
    if out is not None:
        if out.shape != shape:
            raise ValueError("output array does not match result of ndarray.take")
        out._t.copy_(res)
        return out
    return TrnArray._new(res, x._device)


def take_along_axis(arr, indices, /, axis=-1):
    """Pick values along ``axis`` with an index array of the same ndim (NumPy's
    broadcasting of the other axes; ``axis=None`` works on the flattened array)."""
    x = as_trn(arr)
    if _dispatch.use_numpy(x._device):
        if isinstance(indices, TrnArray):
            _check_device(x, indices)
            indices = _dispatch.np_view(indices)
        else:
            indices = np.asarray(indices)
        return _dispatch.wrap(np.take_along_axis(_dispatch.np_view(x), indices, axis),
                              x._device)
    it = _int_index_array(x, indices, None)
    t = x._t
    if axis is None:
        if it.dim() != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        t, axis = t.reshape(-1), 0
    if it.dim() != t.dim():
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    axis = normalize_axis_index(axis, t.dim())
    xs, js = list(t.shape), list(it.shape)
    xs[axis] = js[axis] = 1
    try:
        B = list(torch.broadcast_shapes(xs, js))
    except RuntimeError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together "
                         f"with shapes {tuple(it.shape)} {tuple(xs)} ") from None
    n = t.shape[axis]
    xb, ib = list(B), list(B)
    xb[axis], ib[axis] = n, it.shape[axis]
    if math.prod(ib) > 0:
        it = _bounds(it, n, axis)
    res = torch.gather(signed_view(t.expand(xb)), axis, it.expand(ib))
    return TrnArray._new(unsigned_view(res, t.dtype), x._device)
