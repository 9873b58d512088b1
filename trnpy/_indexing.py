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

Basic indexing returns a view, negative steps included: torch has no negative strides,
so on the torch path such a view is a positive-stride tensor plus the dims it reverses
(``TrnArray._flipped``), and the key is mapped onto that tensor's positions; indexing
and ``setitem`` on such views go to the mirrored positions, so views of views compose.
"""
from __future__ import annotations

import builtins
import math
import operator
import sys
import warnings

import numpy as np
from . import _torch
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index

from . import (_convert, _creation, _normalize, _dtype_functions, _dispatch, _array_info, _dtypes,
               _manipulation, _reductions, _searching, _tensor)
from ._array import TrnArray, check_writeable, mark_readonly, phys, set_base
from ._devices import get_default_device
from ._normalize import normalizer, write_out

__all__ = ["take", "take_along_axis", "put", "put_along_axis", "place", "putmask", "choose",
           "compress", "select", "piecewise", "extract", "diag_indices", "diag_indices_from",
           "tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from",
           "mask_indices", "unravel_index", "ravel_multi_index", "ix_", "ndindex",
           "ndenumerate", "fill_diagonal", "diagonal", "diag", "diagflat", "mgrid", "ogrid", "r_", "c_", "delete"]

_VALID = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
          "integer or boolean arrays are valid indices")
_INT_BOOL = "arrays used as indices must be of integer (or boolean) type"


def _has_trn(obj) -> bool:
    if isinstance(obj, TrnArray):
        return True
    return isinstance(obj, (list, tuple)) and builtins.any(_has_trn(o) for o in obj)


def _to_host(obj):
    if isinstance(obj, TrnArray):
        return _convert.host(obj)
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


# -- NumPy path ------------------------------------------------------------------------
def _np_elem(x, k):
    if isinstance(k, TrnArray):
        _check_device(x, k)
        return _convert.np_view(k)
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
        # (_CANONICAL, not torch's table: that one is empty until torch is loaded)
        if dt not in _dtypes._CANONICAL or not dt.isnative:
            a = a.astype(np.int64)
            dt = a.dtype
        t = torch.from_numpy(a.copy()).to(x._t.device)
    if dt.kind == "b":
        return t
    if dt.kind not in "iu":
        raise IndexError(_INT_BOOL)
    if dt == np.dtype(np.uint64):
        # NumPy casts to intp: values >= 2**63 become negative, out of bounds (the
        # bounds check reports them as NumPy does)
        return t.view(torch.int64)
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
        elif (isinstance(k, (TrnArray, np.ndarray, list, tuple)) or _torch.is_tensor(k)) \
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
    """``t``: the tensor holding x's memory (x's reversed dims mapped into the key);
    ``idx``: torch basic index of ``t`` giving the view ``v`` (one v-dim per key item
    axis); ``flips``: v-dims that read ``t`` backwards (reversed later); ``adv``: list of
    (v-dim, int64 index tensor, original axis or None, size); ``adjacent``: NumPy's
    "advanced indices next to each other" rule."""
    __slots__ = ("t", "idx", "flips", "adv", "adjacent", "check")


def _plan(x, items, consumed):
    shape = x.shape
    has_adv = builtins.any(k in ("arr", "bool", "bool0") for k, _ in items)
    idx, flips, adv, adv_pos, check = [], [], [], [], []
    axis = vd = 0
    t, rev = phys(x)
    dev = t.device
    for pos, (kind, k) in enumerate(items):
        if kind == "ell":
            n_full = x.ndim - consumed
            idx += [slice(None)] * n_full
            flips += [vd + j for j in range(n_full) if axis + j in rev]
            vd += n_full
            axis += n_full
        elif kind == "new":
            idx.append(None)
            vd += 1
        elif kind == "slice":
            n = shape[axis]
            start, stop, step = k.indices(n)
            m = len(range(start, stop, step))
            if axis in rev:               # the same elements, counted from t's end
                start, step = n - 1 - start, -step
            if m == 0:
                idx.append(slice(0, 0))
            elif step > 0:
                idx.append(slice(start, start + (m - 1) * step + 1, step))
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
            if axis in rev:
                k = n - 1 - k
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
            check.append((len(adv) - 1, axis, shape[axis], axis in rev))
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
            # the mask's True positions in x's order (NumPy's result order); on a reversed
            # axis position i is t's n - 1 - i
            for nz in torch.nonzero(k, as_tuple=True):
                if axis in rev:
                    nz = (shape[axis] - 1) - nz
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
    flips += [vd + j for j in range(x.ndim - axis) if axis + j in rev]   # dims the key leaves
    p = _Plan()
    p.t, p.idx, p.flips, p.adv, p.check = t, tuple(idx), flips, adv, check
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
        for j, axis, n, reverse in p.check:
            t = its[j]
            bad = (t >= n) | (t < -n)
            if builtins.bool(bad.any()):
                raise IndexError(f"index {int(t[bad].flatten()[0])} is out of bounds for "
                                 f"axis {axis} with size {n}")
            its[j] = torch.where(t < 0, t + n, t)
            if reverse:
                its[j] = (n - 1) - its[j]
    its = [t.expand(B) for t in its]
    advdims = [d for d, _ in p.adv]
    rest = [d for d in range(v.dim()) if d not in advdims]
    nb = len(B)
    first = advdims[0] if p.adjacent else 0
    rdim = {d: (nb + i if i >= first else i) for i, d in enumerate(rest)}
    return B, its, advdims + rest, first, rdim


def _torch_getitem(x, key):
    # fast path: one integer (int64) or boolean index array of x's device, the case
    # where torch's indexing is NumPy's: a boolean mask over x's leading dims, or an
    # n-d integer array on axis 0 of a non-empty x. Bounds: torch's CPU kernel checks
    # them itself (and wraps negatives); elsewhere one min/max pass decides. Errors
    # come from the general path below.
    if type(key) is TrnArray and key._device is x._device:
        k = key._tt
        if k is None:
            k = key._t
        t = x._tt
        if t is None:
            t = x._t
        kd = k.dim()
        if kd and t.dim() >= kd:
            td = t.dtype
            if td is torch.uint16 or td is torch.uint32 or td is torch.uint64:
                s = _tensor.signed_view(t)         # torch's index kernels lack these types
            else:
                s = t
            if k.dtype is torch.bool:
                if k.shape == t.shape[:kd]:
                    r = s[k]
                    return TrnArray._new(r if s is t else r.view(td), x._device)
            elif k.dtype is torch.int64 and t.numel():
                try:
                    if not t.is_cpu and k.numel():
                        lo, hi = torch.aminmax(k)
                        n = t.shape[0]
                        if builtins.bool((lo < -n) | (hi >= n)):
                            raise IndexError
                    r = s[k]
                    return TrnArray._new(r if s is t else r.view(td), x._device)
                except IndexError:
                    pass           # NumPy's error from the general path
    items, consumed = _parse(x, key)
    p = _plan(x, items, consumed)
    t = p.t
    v = t[p.idx]
    if consumed == x.ndim == len(items) and builtins.all(k == "int" for k, _ in items):
        return _convert.scalar(v, x._device)       # an element: a value, never a view
    if not p.adv:
        return set_base(TrnArray._flipped(v, p.flips, x._device), x)
    B, its, perm, first, rdim = _advanced(p, v)
    r = _tensor.signed_view(v).permute(perm)[tuple(its)] if its else v
    nb = len(B)
    if p.adjacent and first:
        r = r.movedim(tuple(range(nb)), tuple(range(first, first + nb)))
    if p.flips:
        r = torch.flip(r, [rdim[d] for d in p.flips])
    return TrnArray._new(_tensor.unsigned_view(r, t.dtype), x._device)


def getitem(x, key):
    """``x[key]`` with NumPy's semantics: an element is a value (:func:`_convert.scalar`)."""
    if _dispatch.use_numpy(x._device):
        xv = _convert.np_view(x)
        r = xv[_np_key(x, key)]
        out = _convert.wrap(r, x._device)
        # a view of x's memory (basic indexing; advanced indexing copies, its result's
        # base, if any, is NumPy's scratch array)
        b = getattr(r, "base", None)
        if b is not None and (b is xv or b is xv.base):
            set_base(out, x)
        return out
    return _torch_getitem(x, key)


# -- setitem ----------------------------------------------------------------------------
def _value_tensor(x, value):
    """``value`` as a tensor of x's dtype on x's device, converted as NumPy's setitem does."""
    dt = x.dtype
    if isinstance(value, TrnArray):
        _convert.same_device(x, value)
        vt = value._t
        if value.dtype.kind == "c" and dt.kind in "iuf":
            warnings.warn("Casting complex values to real discards the imaginary part",
                          np.exceptions.ComplexWarning, stacklevel=4)
            vt = vt.real
        return _tensor.cast_tensor(vt, dt)
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
    t = p.t
    val = _value_tensor(x, value)
    v = t[p.idx]
    if val.untyped_storage().data_ptr() == t.untyped_storage().data_ptr():
        if (not p.adv and not p.flips and val.data_ptr() == v.data_ptr()
                and val.shape == v.shape and val.stride() == v.stride()
                and val.dtype == v.dtype):
            return               # the view itself (``x[::2] -= 1`` assigns it back)
        val = val.clone()        # overlapping source and destination
    if not p.adv:
        val = _broadcast_value(val, tuple(v.shape))
        if p.flips:
            val = torch.flip(_tensor.signed_view(val), p.flips)
        _tensor.signed_view(v).copy_(_tensor.signed_view(val))
        return
    B, its, perm, first, rdim = _advanced(p, v)
    nb = len(B)
    rshape = [0] * (nb + len(rdim))
    for d, r in rdim.items():
        rshape[r] = v.shape[d]
    rshape[first:first + nb] = B
    val = _tensor.signed_view(_broadcast_value(val, tuple(rshape)))
    if p.flips:
        val = torch.flip(val, [rdim[d] for d in p.flips])
    if first:
        val = val.movedim(tuple(range(first, first + nb)), tuple(range(nb)))
    _tensor.signed_view(v).permute(perm).index_put_(tuple(its), val)


def _refuse_sequence_in_element(x, key, value):
    """An all-integer key assigns one element, as NumPy's scalar assignment: an array or
    sequence value is refused even when it holds a single element."""
    if isinstance(value, (list, tuple)) or \
            (isinstance(value, (TrnArray, np.ndarray)) and value.ndim):
        k = key if isinstance(key, tuple) else (key,)
        if len(k) == x.ndim and all(isinstance(i, (int, np.integer)) and
                                    not isinstance(i, (bool, np.bool_)) for i in k):
            raise ValueError("setting an array element with a sequence.")


def setitem(x, key, value):
    """``x[key] = value``: value broadcast and cast to x's dtype as NumPy does; writes go
    through to every view sharing x's memory."""
    _refuse_sequence_in_element(x, key, value)
    if _dispatch.use_numpy(x._device):
        check_writeable(x)
        v = _convert.np_view(x)
        k = _np_key(x, key)
        if isinstance(value, TrnArray):
            _convert.same_device(x, value)
            value = _convert.np_view(value)
        elif not isinstance(value, np.ndarray):
            value = _host_value(x, value)
        v[k] = value
        return
    check_writeable(x)
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
        elif casting and a.dtype.kind in "OUS" and not isinstance(indices, np.ndarray):
            # NumPy converts Python strings and big ints one by one, with int()'s errors
            a = np.array(indices, dtype=np.intp)
        dt, t = a.dtype, None
    if casting is not None and not np.can_cast(dt, np.intp, casting=casting):
        raise TypeError(f"Cannot cast array data from {dt!r} to {np.dtype(np.intp)!r} "
                        f"according to the rule {casting!r}")
    if casting is None and dt.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if t is None:
        return torch.from_numpy(a.astype(np.int64)).to(x._t.device)
    return _tensor.cast_tensor(t, np.int64)


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
    x = _convert.as_array(a)
    if out is not None:
        _normalize.check_out(out, "take")
        _convert.same_device(x, out)
        if out.dtype != x.dtype:
            raise NotImplementedError("trnpy.take: out= must have the dtype of the input")
    if _dispatch.use_numpy(x._device):
        if isinstance(indices, TrnArray):
            _check_device(x, indices)
            indices = _convert.np_view(indices)
        if out is not None:
            np.take(_convert.np_view(x), indices, axis, out=_convert.np_view(out), mode=mode)
            return out
        return _convert.wrap(np.take(_convert.np_view(x), indices, axis, mode=mode),
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
        res = torch.index_select(_tensor.signed_view(t), axis, it.reshape(-1)).reshape(shape)
    res = _tensor.unsigned_view(res, t.dtype)
    if out is not None:
        if out.shape != shape:
            raise ValueError("output array does not match result of ndarray.take")
        return write_out("take", out, res, x.dtype, casting="unsafe")
    return TrnArray._new(res, x._device)


def take_along_axis(arr, indices, /, axis=-1):
    """Pick values along ``axis`` with an index array of the same ndim (NumPy's
    broadcasting of the other axes; ``axis=None`` works on the flattened array)."""
    x = _convert.as_array(arr)
    if _dispatch.use_numpy(x._device):
        if isinstance(indices, TrnArray):
            _check_device(x, indices)
            indices = _convert.np_view(indices)
        else:
            indices = np.asarray(indices)
        return _convert.wrap(np.take_along_axis(_convert.np_view(x), indices, axis),
                              x._device)
    # NumPy's order: the axis (or the 1-d indices of axis=None), the indices' dtype, then
    # their ndim
    if axis is None:
        if np.ndim(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
    else:
        axis = normalize_axis_index(axis, x.ndim)
    it = _int_index_array(x, indices, None)
    t = x._t
    if axis is None:
        t, axis = t.reshape(-1), 0
    if it.dim() != t.dim():
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
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
    res = torch.gather(_tensor.signed_view(t.expand(xb)), axis, it.expand(ib))
    return TrnArray._new(_tensor.unsigned_view(res, t.dtype), x._device)



# -- NumPy's indexing helpers ----------------------------------------------------------------


def _wrap_np(r, dev):
    return _convert.wrap(r, dev)


def _np_arg(x):
    """A NumPy-path operand: a TrnArray's NumPy view, anything else as given."""
    return _convert.np_view(x) if isinstance(x, TrnArray) else x


def _need_trn(a, fname):
    if not isinstance(a, TrnArray):
        raise TypeError(f"{fname}: argument 1 must be a trnpy array, not {type(a).__name__}")


def put(a, ind, v, mode="raise"):
    """NumPy's ``put``: ``a.flat[ind] = v`` in place (``v`` repeated as needed)."""
    _need_trn(a, "put")
    check_writeable(a)
    if mode == "raise" and _dispatch.use_numpy(a._device):
        # NumPy writes the in-range entries before it raises: check first, so that an
        # error leaves ``a`` untouched
        i = _convert.np_view(ind) if isinstance(ind, TrnArray) else np.asarray(ind)
        if i.dtype.kind in "iu" and i.size:
            n = a.size
            bad = (i >= n) | (i < -n)
            if bad.any():
                raise IndexError(f"index {i[bad].flat[0]} is out of bounds for axis 0 with "
                                 f"size {n}")
    if not _dispatch.use_numpy(a._device) and a._t.dtype in (torch.uint16, torch.uint32,
                                                             torch.uint64):
        # torch cannot index_put these: write through same-width signed views
        vt = _value_tensor(a, v if isinstance(v, TrnArray) else np.asarray(v))
        sa = TrnArray._new(_tensor.signed_view(a._t), a._device)
        return _put(sa, ind, TrnArray._new(_tensor.signed_view(vt), a._device), mode)
    return _put(a, ind, v, mode)


def _put(a, indices, values, mode="raise"):
    """NumPy's ``put``: ``a.flat[indices] = values`` (values cycled; last write wins)."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if not isinstance(a, TrnArray):
        raise TypeError("put: the first argument must be a trnpy array")
    dev = a._device
    idx = indices if isinstance(indices, TrnArray) else _convert.asarray(indices, device=dev)
    _convert.same_device(a, idx)
    if idx.dtype.kind not in "iu":
        if idx.size == 0:
            idx = idx.astype(np.int64)
        else:
            raise TypeError(f"Cannot cast array data from {idx.dtype!r} to "
                            f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    if _dispatch.use_numpy(dev):
        v = _convert.np_view(values) if isinstance(values, TrnArray) else values
        np.put(_convert.np_view(a), _convert.np_view(idx), v, mode=mode)
        return None
    n = a.size
    it = _tensor.cast_tensor(idx._t, np.int64).reshape(-1)
    if it.numel() == 0:
        return None
    if mode == "raise":
        bad = (it >= n) | (it < -n)
        if bool(bad.any()):
            raise IndexError(f"index {int(it[bad][0])} is out of bounds for axis 0 with "
                             f"size {n}")
        it = torch.where(it < 0, it + n, it)
    elif n == 0:
        raise IndexError("cannot replace elements of an empty array")
    elif mode == "wrap":
        it = it % n
    else:
        it = it.clamp(0, n - 1)
    vals = values if isinstance(values, TrnArray) else _convert.asarray(values, device=dev)
    # uint16/32/64 as same-width signed bits: torch cannot repeat/index/scatter those
    vt = _tensor.signed_view(_value_tensor(a, vals)).reshape(-1)
    if vt.numel() == 0:
        return None
    m = it.numel()
    vt = vt.repeat(-(-m // vt.numel()))[:m]
    # last write wins, as NumPy's sequential loop: keep each index's last occurrence
    srt, order = torch.sort(it, stable=True)
    last = torch.ones_like(srt, dtype=torch.bool)
    last[:-1] = srt[:-1] != srt[1:]
    keep = order[last]
    dst = _tensor.signed_view(a._t)
    if dst.is_contiguous():
        dst.view(-1)[it[keep]] = vt[keep]
    else:
        f = dst.reshape(-1).clone()
        f[it[keep]] = vt[keep]
        dst.copy_(f.reshape(a.shape))
    return None


def _along_axis_index(shape, indices, axis, dev):
    if indices.dtype.kind not in "iu":
        raise IndexError("`indices` must be an integer array")
    if len(shape) != indices.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    ones = (1,) * indices.ndim
    fancy = []
    for dim, n in enumerate(shape):
        if dim == axis:
            fancy.append(indices)
        else:
            fancy.append(_manipulation.reshape(_creation.arange(n, device=dev), ones[:dim] + (-1,) + ones[dim + 1:]))
    return tuple(fancy)


def put_along_axis(arr, indices, values, axis):
    """NumPy's ``put_along_axis``: ``arr`` updated in place at ``indices`` along ``axis``."""
    _need_trn(arr, "put_along_axis")
    dev = _convert.same_device(arr, indices, values)
    if _dispatch.use_numpy(dev):
        np.put_along_axis(_convert.np_view(arr), _np_arg(indices), _np_arg(values), axis)
        return None
    ind = _convert.as_array(indices, dev)
    if axis is None:
        if ind.ndim != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        flat = arr.reshape(-1)
        flat[_along_axis_index(flat.shape, ind, 0, dev)] = values
        if not _array_info.shares_memory(flat, arr) and arr.size:
            arr[...] = flat.reshape(arr.shape)
        return None
    axis = normalize_axis_index(axis, arr.ndim)
    arr[_along_axis_index(arr.shape, ind, axis, dev)] = values
    return None


def place(arr, mask, vals):
    """NumPy's ``place``: ``arr[mask] = vals`` with ``vals`` repeated cyclically."""
    _need_trn(arr, "place")
    dev = _convert.same_device(arr, mask, vals)
    if _dispatch.use_numpy(dev):
        np.place(_convert.np_view(arr), _np_arg(mask), _np_arg(vals))
        return None
    m = _convert.as_array(mask, dev)
    if m.size != arr.size:
        raise ValueError("place: mask and data must be the same size")
    m = _manipulation.reshape(m, arr.shape) != 0
    n = builtins.int(_searching.count_nonzero(m))
    v = _manipulation.reshape(_convert.as_array(vals, dev), -1)
    if n == 0:
        return None
    if v.size == 0:
        raise ValueError("Cannot insert from an empty array!")
    arr[m] = _manipulation.resize(_dtype_functions.astype(v, arr.dtype) if v.dtype != arr.dtype else v, n)
    return None


def putmask(a, mask, values):
    """NumPy's ``putmask``: ``a[mask] = values`` where ``values`` repeats over ``a.flat``."""
    _need_trn(a, "putmask")
    dev = _convert.same_device(a, mask, values)
    if _dispatch.use_numpy(dev):
        np.putmask(_convert.np_view(a), _np_arg(mask), _np_arg(values))
        return None
    m = _convert.as_array(mask, dev)
    if m.shape != a.shape:
        if m.size != a.size:
            raise ValueError("putmask: mask and data must be the same size")
        m = _manipulation.reshape(m, a.shape)
    m = m != 0
    v = _manipulation.reshape(_convert.as_array(values, dev), -1)
    if v.size == 0 or a.size == 0:
        return None
    full = _manipulation.reshape(_manipulation.resize(v, a.size), a.shape)
    a[m] = full[m]
    return None


def choose(a, choices, out=None, mode="raise"):
    """NumPy's ``choose``: ``choices[a[i]][i]`` with broadcasting."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if isinstance(choices, dict):       # NumPy takes choices as a sequence
        raise TypeError("dict is not a sequence")
    if not hasattr(type(choices), "__getitem__"):
        raise TypeError(f"'{type(choices).__name__}' object does not support indexing")
    ch = list(choices)
    dev = _convert.same_device(a, out, *ch)
    x = _convert.as_array(a, dev)
    ch = [_convert.as_array(c, dev) for c in ch]
    if _dispatch.use_numpy(dev):
        kw = {} if out is None else {"out": _convert.np_view(out)}
        r = np.choose(_convert.np_view(x), [_convert.np_view(c) for c in ch], mode=mode, **kw)
        return out if out is not None else _wrap_np(r, dev)
    if not ch:
        raise ValueError("0-length sequence.")
    if x.dtype.kind not in "iub":
        raise TypeError(f"Cannot cast array data from {x.dtype!r} to "
                        f"{np.dtype(np.intp)!r} according to the rule 'safe'")
    dt = np.choose(np.zeros(0, np.intp), [np.empty(0, c.dtype) for c in ch]).dtype
    shape = np.broadcast_shapes(x.shape, *(c.shape for c in ch))
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError("output must be an array")
        if out.shape != shape:             # exactly the shape: NumPy does not broadcast
            raise TypeError("choose: invalid shape for output array.")
    n = len(ch)
    it = _tensor.cast_tensor(x._t, np.int64).expand(shape)
    if mode == "raise":
        if builtins.bool(((it < 0) | (it >= n)).any()):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        it = it % n
    else:
        it = it.clamp(0, n - 1)
    st = torch.stack([_tensor.signed_view(_tensor.cast_tensor(c._t, dt)).expand(shape)
                      for c in ch])
    res = _tensor.unsigned_view(torch.gather(st, 0, it.unsqueeze(0)).squeeze(0),
                        _dtypes.to_torch(dt))
    r = TrnArray._new(res, dev)
    if out is not None:
        out[...] = r
        return out
    return r


def compress(condition, a, axis=None, out=None):
    """NumPy's ``compress``: the slices of ``a`` along ``axis`` where ``condition``."""
    dev = _convert.same_device(condition, a, out)
    x = _convert.as_array(a, dev)
    c = _convert.as_array(condition, dev)
    if _dispatch.use_numpy(dev):
        kw = {} if out is None else {"out": _convert.np_view(out)}
        r = np.compress(_convert.np_view(c), _convert.np_view(x), axis, **kw)
        return out if out is not None else _wrap_np(r, dev)
    if c.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    if axis is None:
        x, axis = _manipulation.reshape(x, -1), 0
    axis = normalize_axis_index(axis, x.ndim)
    idx = _searching.nonzero(c)[0]
    r = take(x, idx, axis=axis)        # NumPy's bounds rule (take's)
    if out is not None:
        if out.shape != r.shape:
            raise ValueError("output array does not match result of ndarray.take")
        out[...] = r
        return out
    return r


def select(condlist, choicelist, default=0):
    """NumPy's ``select``: the first choice whose condition holds, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    dev = _convert.same_device(*condlist, *choicelist, default)
    choices = [c if type(c) in (builtins.int, builtins.float, builtins.complex)
               else _convert.as_array(c, dev) for c in choicelist]
    choices.append(default if type(default) in (builtins.int, builtins.float, builtins.complex)
                   else _convert.as_array(default, dev))
    try:
        dt = _dtypes.result_type(*choices)
    except TypeError as e:
        raise TypeError(f"Choicelist and default value do not have a common dtype: {e}")
    conds = [_convert.as_array(c, dev) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    if _dispatch.use_numpy(dev):
        r = np.select([_convert.np_view(c) for c in conds],
                      [_np_arg(c) for c in choices[:-1]], _np_arg(choices[-1]))
        return _wrap_np(r, dev)
    cond_shape = np.broadcast_shapes(*(c.shape for c in conds))
    choice_shape = np.broadcast_shapes(*(c.shape if isinstance(c, TrnArray) else ()
                                         for c in choices))
    res_shape = cond_shape if choice_shape == () else \
        np.broadcast_shapes(cond_shape, choice_shape)
    result = _creation.full(res_shape, choices[-1], dtype=dt, device=dev)
    for choice, cond in zip(choices[-2::-1], conds[::-1]):
        val = _convert.asarray(choice, dtype=dt, device=dev) if not isinstance(choice, TrnArray) \
            else choice.astype(dt, copy=False)
        result = _searching.where(cond, val, result)
        if result.shape != res_shape:
            raise ValueError(f"could not broadcast input array from shape {result.shape} "
                             f"into shape {res_shape}")
    return result


def piecewise(x, condlist, funclist, *args, **kw):
    """NumPy's ``piecewise``: ``funclist[i](x[condlist[i]])`` (or a constant) by pieces."""
    x = _convert.as_array(x)
    dev = x._device
    n2 = len(funclist)
    if np.isscalar(condlist) or isinstance(condlist, builtins.bool) or (
            not isinstance(condlist[0], (list, np.ndarray, TrnArray)) and x.ndim != 0):
        condlist = [condlist]
    if isinstance(condlist, TrnArray):
        cl = condlist.astype(bool)
    else:
        cl = _manipulation.stack([_convert.as_array(c, dev).astype(bool) for c in condlist]) if condlist else \
            _convert.asarray([], dtype=bool, device=dev)
    n = len(cl)
    if n == n2 - 1:
        condelse = ~_reductions.any(cl, axis=0, keepdims=True)
        cl = _manipulation.concatenate([cl, condelse], axis=0)
        n += 1
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are "
                         "expected")
    y = _creation.zeros_like(x)
    for cond, func in zip(cl, funclist):
        if not callable(func):
            y[cond] = func
        else:
            vals = x[cond]
            if vals.size > 0:
                y[cond] = func(vals, *args, **kw)
    return y


def extract(condition, arr):
    """NumPy's ``extract``: the elements of ``ravel(arr)`` where ``ravel(condition)``."""
    dev = _convert.same_device(condition, arr)
    a = _manipulation.reshape(_convert.as_array(arr, dev), -1)
    c = _manipulation.reshape(_convert.as_array(condition, dev), -1)
    return take(a, _searching.nonzero(c)[0])


def diag_indices(n, ndim=2, *, device=None):
    idx = _creation.arange(n, device=device)
    return (idx,) * ndim


def diag_indices_from(arr):
    a = _convert.as_array(arr)
    if a.ndim < 2:
        raise ValueError("input array must be at least 2-d")
    if len(set(a.shape)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(a.shape[0], a.ndim, device=a._device)


def _tri_indices(n, k, m, lower, device):
    dev = _convert.target_device(device)
    n = _normalize.int_arg(n)
    m = n if m is None else _normalize.int_arg(m)
    k = _normalize.int_arg(k)
    if _dispatch.use_numpy(dev):
        f = np.tril_indices if lower else np.triu_indices
        return tuple(_wrap_np(r, dev) for r in f(n, k, m))
    n_, m_ = builtins.max(n, 0), builtins.max(m, 0)
    f = torch.tril_indices if lower else torch.triu_indices
    if n_ == 0 or m_ == 0:
        t = torch.zeros((2, 0), dtype=torch.int64, device=dev.torch_device)
    else:
        t = f(n_, m_, k, device=dev.torch_device)
    return TrnArray._new(t[0].contiguous(), dev), TrnArray._new(t[1].contiguous(), dev)


def tril_indices(n, k=0, m=None, *, device=None):
    return _tri_indices(n, k, m, True, device)


def triu_indices(n, k=0, m=None, *, device=None):
    return _tri_indices(n, k, m, False, device)


def _tri_from(arr, k, lower):
    a = _convert.as_array(arr)
    if a.ndim != 2:
        raise ValueError("input array must be 2-d")
    return _tri_indices(a.shape[-2], k, a.shape[-1], lower, a._device)


def tril_indices_from(arr, k=0):
    return _tri_from(arr, k, True)


def triu_indices_from(arr, k=0):
    return _tri_from(arr, k, False)


def mask_indices(n, mask_func, k=0, *, device=None):
    m = _creation.ones((n, n), dtype=int, device=device)
    a = mask_func(m, k)
    return _searching.nonzero(a != 0)


def unravel_index(indices, shape, order="C"):
    """NumPy's ``unravel_index`` (0-d arrays where NumPy gives scalars)."""
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    dev = getattr(indices, "_device", None)
    given_array = isinstance(indices, (TrnArray, np.ndarray))
    if not given_array and np.size(indices) == 0:
        indices = np.asarray(indices, dtype=np.int64)  # an empty list is int-like to NumPy
    x = _convert.as_array(indices, dev)
    dev = x._device
    shape = _normalize.shape_arg(shape)
    if builtins.any(d > sys.maxsize for d in shape):
        raise ValueError("Maximum allowed dimension exceeded")
    if builtins.any(d < 0 for d in shape) or math.prod(shape) > sys.maxsize:
        raise ValueError("dimensions are too large; arrays and shapes with a total size "
                         "greater than 'intp' are not supported.")
    if _dispatch.use_numpy(dev):
        return tuple(_wrap_np(r, dev) for r in np.unravel_index(_convert.np_view(x), shape,
                                                                order))
    if x.dtype.kind not in "iu":
        raise TypeError("only int indices permitted")
    size = math.prod(shape)
    t = _tensor.cast_tensor(x._t, np.int64)
    if t.numel():
        bad = (t < 0) | (t >= size)
        if builtins.bool(bad.any()):
            raise ValueError(f"index {builtins.int(t[bad].flatten()[0])} is out of bounds "
                             f"for array with size {size}")
    out = []
    dims = list(enumerate(shape))
    for i, d in (reversed(dims) if order == "C" else dims):
        out.append((i, t % d if d else t))
        t = t // d if d else t
    out.sort(key=lambda p: p[0])
    return tuple(TrnArray._new(r.contiguous(), dev) for _, r in out)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """NumPy's ``ravel_multi_index`` (``mode`` 'raise'/'wrap'/'clip', one or per axis)."""
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    arrays = list(multi_index)
    dev = _convert.same_device(*arrays)
    arrays = [_convert.as_array(a, dev) for a in arrays]
    if dev is None:
        dev = arrays[0]._device if arrays else None
    dims = _normalize.shape_arg(dims)
    if dev is None or _dispatch.use_numpy(dev):
        r = np.ravel_multi_index(tuple(_convert.np_view(a) for a in arrays), dims, mode, order)
        return _wrap_np(r, dev if dev is not None else _convert.target_device(None))
    if len(arrays) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    modes = (mode,) * len(dims) if isinstance(mode, str) else tuple(mode)
    for a in arrays:
        if not np.can_cast(a.dtype, np.intp, "same_kind"):
            raise TypeError(f"Cannot cast array data from {a.dtype!r} to "
                            f"{np.dtype(np.intp)!r} according to the rule 'same_kind'")
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    res = torch.zeros(shape, dtype=torch.int64, device=dev.torch_device)
    order_ = list(range(len(dims))) if order == "C" else list(range(len(dims)))[::-1]
    for j, i in enumerate(order_):
        t = _tensor.cast_tensor(arrays[i]._t, np.int64)
        d, md = dims[i], modes[i]
        if md == "raise":
            if builtins.bool(((t < 0) | (t >= d)).any()):
                raise ValueError("invalid entry in coordinates array")
        elif md == "wrap":
            t = t % d
        elif md == "clip":
            t = t.clamp(0, d - 1)
        else:
            raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {md!r})")
        res = res * d + t if j else res + t
    return TrnArray._new(res, dev)


def ix_(*args):
    """NumPy's ``ix_``: open-mesh index arrays from 1-d sequences."""
    out = []
    nd = len(args)
    for k, seq in enumerate(args):
        new = _convert.as_array(seq)
        if new.ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if new.size == 0 and not isinstance(seq, (np.ndarray, TrnArray)):
            new = new.astype(np.intp)
        if new.dtype == np.bool_:
            new = _searching.nonzero(new)[0]
        out.append(_manipulation.reshape(new, (1,) * k + (new.size,) + (1,) * (nd - k - 1)))
    return tuple(out)


ndindex = np.ndindex


class ndenumerate:
    """NumPy's ``ndenumerate``: (index, value) pairs; values are 0-d trnpy arrays."""

    def __init__(self, arr):
        self._x = _convert.as_array(arr)
        self._it = np.ndindex(self._x.shape)

    def __iter__(self):
        return self

    def __next__(self):
        idx = next(self._it)
        return idx, self._x[idx]


def fill_diagonal(a, val, wrap=False):
    """NumPy's ``fill_diagonal``, in place."""
    _need_trn(a, "fill_diagonal")
    if _dispatch.use_numpy(a._device):
        np.fill_diagonal(_convert.np_view(a), _np_arg(val), wrap)
        return None
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    end = None
    if a.ndim == 2:
        step = a.shape[1] + 1
        if not wrap:
            end = a.shape[1] * a.shape[1]
    else:
        if len(set(a.shape)) != 1:
            raise ValueError("All dimensions of input must be of equal length")
        step = 1 + builtins.int(np.cumprod(a.shape[:-1]).sum())
    a.flat[:end:step] = val
    return None


def diagonal(a, offset=0, axis1=0, axis2=1):
    """NumPy's ``diagonal``: a read-only view."""
    x = _convert.as_array(a)
    if x.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    a1 = normalize_axis_index(axis1, x.ndim, "axis1")
    a2 = normalize_axis_index(axis2, x.ndim, "axis2")
    if a1 == a2:
        raise ValueError("axis1 and axis2 cannot be the same")
    offset = _normalize.c_long(offset)
    if not -2 ** 31 <= offset < 2 ** 31:     # NumPy's diagonal takes a C int
        raise OverflowError("signed integer is greater than maximum" if offset > 0 else
                            "signed integer is less than minimum")
    # a strided view of the tensor on both paths, read-only as NumPy's
    v = TrnArray._new(torch.diagonal(x._t, offset, a1, a2), x._device)
    return mark_readonly(set_base(v, x))


def _diag_check(v, k=0):
    if type(k) is not int:
        return {"k": operator.index(k)}


# NumPy's path builds the 2-D array from a 1-D v; a diagonal is trnpy's own (read-only) view
@normalizer(lambda v, k=0: np.diag(v, k) if v.ndim == 1 else NotImplemented, "v",
            validate=_diag_check)
def diag(v, k=0):
    """NumPy's ``diag``: a 2-D array with 1-D ``v`` on diagonal ``k``, or the ``k``-th
    diagonal of 2-D ``v`` (a view, as NumPy's)."""
    x = v
    if x.ndim == 1:
        dev = x._device
        n = x.shape[0] + builtins.abs(k)
        if n > sys.maxsize:
            raise ValueError("Maximum allowed dimension exceeded")
        t = x._t
        # (NumPy's ValueError/MemoryError for a size that overflows or does not fit)
        res = _creation._alloc(lambda s: torch.zeros(s, dtype=t.dtype, device=t.device),
                               (n, n), x.dtype)
        _tensor.signed_view(res).diagonal(k).copy_(_tensor.signed_view(t))
        return TrnArray._new(_tensor.unsigned_view(res, t.dtype), dev)
    if x.ndim == 2:
        return diagonal(x, k)
    raise ValueError("Input must be 1- or 2-d.")


def diagflat(v, k=0):
    """NumPy's ``diagflat``: the flattened input on diagonal ``k`` of a 2-D array."""
    return diag(_manipulation.ravel(_convert.as_array(v, None)), k)


class _Grid:
    """``mgrid`` / ``ogrid``: NumPy's nd_grid, built from trnpy's functions on the
    default device."""

    def __init__(self, sparse):
        self.sparse = sparse

    def __getitem__(self, key):
        if isinstance(key, slice):
            step, stop, start = key.step, key.stop, key.start
            if start is None:
                start = 0
            if isinstance(step, (np.complexfloating, builtins.complex)):
                step_float = builtins.abs(step)
                step = length = builtins.int(step_float)
                if step != 1:
                    step = (key.stop - start) / builtins.float(step - 1)
                typ = np.result_type(start, stop, step_float)
                return _creation.arange(0, length, 1, dtype=_convert.device_default(
                    _dtypes.as_dtype(typ), get_default_device())) * step + start
            return _creation.arange(start, stop, step)
        size, num_list = [], [0]
        for kk in key:
            step, start, stop = kk.step, kk.start, kk.stop
            start = 0 if start is None else start
            step = 1 if step is None else step
            if isinstance(step, (np.complexfloating, builtins.complex)):
                step = builtins.abs(step)
                size.append(builtins.int(step))
            else:
                size.append(math.ceil((stop - start) / step))
            num_list += [start, stop, step]
        typ = _convert.device_default(_dtypes.as_dtype(np.result_type(*num_list)),
                              get_default_device())
        if self.sparse:
            nn = [_creation.arange(n, dtype=typ) for n in size]
        else:
            nn = list(_manipulation.unstack(_creation.indices(size, typ))) if size else []
        for k, kk in enumerate(key):
            step, start = kk.step, kk.start
            start = 0 if start is None else start
            step = 1 if step is None else step
            if isinstance(step, (np.complexfloating, builtins.complex)):
                step = builtins.int(builtins.abs(step))
                if step != 1:
                    step = (kk.stop - start) / builtins.float(step - 1)
            nn[k] = nn[k] * step + start
        if self.sparse:
            n = len(size)
            return tuple(_manipulation.reshape(nn[k], (1,) * k + (-1,) + (1,) * (n - k - 1))
                         for k in range(n))
        if not nn:
            return _creation.empty((0,), dtype=typ)
        return _manipulation.stack(nn)

    def __len__(self):
        return 0


mgrid = _Grid(False)


ogrid = _Grid(True)


def _host_obj(obj):
    return _convert.host(obj) if isinstance(obj, TrnArray) else obj


class _Concatenator:
    """``r_`` / ``c_``: NumPy's index-trick concatenation (NumPy's AxisConcatenator
    replayed with trnpy arrays; the matrix directives 'r'/'c' are not supported)."""

    def __init__(self, axis=0, ndmin=1, trans1d=-1):
        self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

    def __getitem__(self, key):
        if isinstance(key, str):
            raise NotImplementedError("trnpy.r_: matrix strings are not supported")
        if not isinstance(key, tuple):
            key = (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        objs, rt_objs = [], []
        for k, item in enumerate(key):
            scalar = False
            if isinstance(item, slice):
                step, start, stop = item.step, item.start, item.stop
                start = 0 if start is None else start
                step = 1 if step is None else step
                if isinstance(step, (np.complexfloating, builtins.complex)):
                    newobj = _creation.linspace(start, stop, num=builtins.int(builtins.abs(step)))
                else:
                    newobj = _creation.arange(start, stop, step)
                if ndmin > 1:
                    newobj = _creation._ndmin(newobj, ndmin, None)
                    if trans1d != -1:
                        newobj = _manipulation.swapaxes(newobj, -1, trans1d)
            elif isinstance(item, str):
                if k != 0:
                    raise ValueError("special directives must be the first entry.")
                if item in ("r", "c"):
                    raise NotImplementedError("trnpy.r_: matrix directives 'r'/'c' are "
                                              "not supported (trnpy has no matrix class)")
                if "," in item:
                    vec = item.split(",")
                    try:
                        axis, ndmin = [builtins.int(v) for v in vec[:2]]
                        if len(vec) == 3:
                            trans1d = builtins.int(vec[2])
                        continue
                    except Exception as e:
                        raise ValueError(f"unknown special directive {item!r}") from e
                try:
                    axis = builtins.int(item)
                    continue
                except (ValueError, TypeError) as e:
                    raise ValueError("unknown special directive") from e
            elif type(item) in (builtins.int, builtins.float, builtins.complex,
                                builtins.bool, bytes, str) or isinstance(item, np.generic):
                scalar = True
                newobj = item
            else:
                item_ndim = item.ndim if isinstance(item, TrnArray) else np.ndim(item)
                newobj = _creation._ndmin(item, ndmin, None)
                if trans1d != -1 and item_ndim < ndmin:
                    k2 = ndmin - item_ndim
                    k1 = trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    defaxes = list(range(ndmin))
                    axes = defaxes[:k1] + defaxes[k2:] + defaxes[k1:k2]
                    newobj = _manipulation.transpose(newobj, axes)
            objs.append(newobj)
            rt_objs.append(item if scalar else newobj.dtype)
        if rt_objs:
            final = _dtypes.result_type(*rt_objs)
            objs = [_creation._ndmin(_convert.asarray(o, dtype=final) if not isinstance(o, TrnArray)
                           else o.astype(final, copy=False), ndmin, None) for o in objs]
        return _manipulation.concatenate(tuple(objs), axis=axis)

    def __len__(self):
        return 0


r_ = _Concatenator(0)


c_ = _Concatenator(-1, ndmin=2, trans1d=0)


def _delete_check(arr, obj, axis=None):
    if isinstance(obj, TrnArray):
        _convert.same_device(arr, obj)
        return {"obj": _convert.host(obj)}


@normalizer(np.delete, "arr", validate=_delete_check)
def delete(arr, obj, axis=None):
    """NumPy's ``delete``: a new array without the entries ``obj`` along ``axis``."""
    x = arr
    if axis is None:
        x = _manipulation.reshape(x, -1) if x.ndim != 1 else x
        axis = 0
    axis = normalize_axis_index(axis, x.ndim)
    # NumPy's rules for obj (slices, ints, bool masks, errors) on the axis' positions
    keep = np.delete(np.arange(x.shape[axis]), _host_obj(obj))
    return take(x, keep.astype(np.int64), axis=axis)
