"""Manipulation functions (array API 2024.12 plus NumPy's names and signatures).

Shape checks and error messages come from NumPy: the torch path first applies the NumPy
function to a zero-stride "shape oracle" (``_oracle``), which costs no memory, then does
the data movement with torch. Functions that NumPy answers with a view (reshape when
possible, transpose, swapaxes, moveaxis, expand_dims, squeeze, broadcast_to, unstack)
return a TrnArray sharing memory with the input on both paths.

Shared helpers other modules may use: ``as_trn``, ``signed_view``/``unsigned_view``
(torch lacks many data-movement kernels for uint16/32/64), ``normalize_axis_index``,
``normalize_axis_tuple``.
"""
from __future__ import annotations

import operator

import numpy as np
import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _dispatch, _dtypes
from ._array import TrnArray

__all__ = ["broadcast_arrays", "broadcast_to", "concat", "concatenate", "expand_dims",
           "flip", "moveaxis", "permute_dims", "transpose", "swapaxes", "reshape", "ravel",
           "roll", "squeeze", "stack", "unstack", "tile", "repeat", "atleast_1d",
           "atleast_2d", "atleast_3d"]

_SIGNED = {torch.uint16: torch.int16, torch.uint32: torch.int32, torch.uint64: torch.int64}


# -- shared helpers ---------------------------------------------------------------------
def as_trn(x, device=None) -> TrnArray:
    """``x`` as a TrnArray (array-likes go through ``asarray`` onto ``device``)."""
    if isinstance(x, TrnArray):
        return x
    from ._creation import asarray
    return asarray(x, device=device)


def signed_view(t: torch.Tensor) -> torch.Tensor:
    """uint16/32/64 reinterpreted as the same-width signed type (same bits), so torch's
    copy/gather/flip kernels, which lack the unsigned types, can move the data."""
    s = _SIGNED.get(t.dtype)
    return t if s is None else t.view(s)


def unsigned_view(t: torch.Tensor, tdtype: torch.dtype) -> torch.Tensor:
    return t if t.dtype == tdtype else t.view(tdtype)


def _oracle(shape) -> np.ndarray:
    """A read-only zero-stride int8 array of ``shape``: NumPy checks shapes/axes on it."""
    return np.broadcast_to(np.int8(0), shape)


def _new(t, dev):
    return TrnArray._new(t, dev)


def _np(x):
    return _dispatch.np_view(x)


def _writeable_view(v: np.ndarray, base: np.ndarray) -> np.ndarray:
    """NumPy marks broadcast views read-only; torch cannot alias those without a warning.
    Rebuild the same view as writeable (setitem refuses overlapping writes itself)."""
    if v.flags.writeable or not base.flags.writeable:
        return v
    return np.lib.stride_tricks.as_strided(base, v.shape, v.strides)


# -- broadcasting ------------------------------------------------------------------------
def broadcast_to(x, /, shape, subok=False):
    """Broadcast ``x`` to ``shape`` (a view: writes through it are refused, as in NumPy)."""
    if subok:
        raise NotImplementedError("trnpy.broadcast_to: subok=True is not supported")
    x = as_trn(x)
    shape = np.broadcast_to(_oracle(x.shape), shape).shape
    if _dispatch.use_numpy(x._device):
        v = _np(x)
        return _dispatch.wrap(_writeable_view(np.broadcast_to(v, shape), v), x._device)
    return _new(x._t.expand(shape), x._device)


def broadcast_arrays(*arrays, subok=False):
    """Views of ``arrays`` broadcast to one shape, as a list (the array API's type;
    NumPy 2 returns a tuple, which unpacks and indexes the same)."""
    if subok:
        raise NotImplementedError("trnpy.broadcast_arrays: subok=True is not supported")
    dev = _dispatch.same_device(*arrays)
    arrays = [as_trn(a, dev) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return [broadcast_to(a, shape) for a in arrays]


# -- joining -----------------------------------------------------------------------------
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    """NumPy's ``concatenate``: ``axis=None`` flattens; ``out``/``dtype``/``casting`` as NumPy."""
    if isinstance(arrays, TrnArray):
        arrays = unstack(arrays) if arrays.ndim else [arrays]
    arrays = list(arrays)
    if out is not None and not isinstance(out, TrnArray):
        raise TypeError(f"concatenate: out must be a trnpy array, not {type(out).__name__}")
    if out is not None and dtype is not None:
        raise TypeError("concatenate() only takes `out` or `dtype` as an argument, "
                        "but both were provided.")
    dev = _dispatch.same_device(*arrays, out)
    arrays = [as_trn(a, dev) for a in arrays]
    if dev is None:
        dev = arrays[0]._device if arrays else None
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [reshape(a, -1) for a in arrays]
        axis = 0
    if dev is not None and _dispatch.use_numpy(dev):
        kw = {} if dtype is None else {"dtype": dtype}
        if out is not None:
            np.concatenate([_np(a) for a in arrays], axis, out=_np(out), casting=casting)
            return out
        return _dispatch.wrap(np.concatenate([_np(a) for a in arrays], axis, casting=casting,
                                             **kw), dev)

    nd = arrays[0].ndim
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(arrays[1:], 1):
        if a.ndim != nd:
            raise ValueError(
                "all the input arrays must have same number of dimensions, but the array at "
                f"index 0 has {nd} dimension(s) and the array at index {i} has {a.ndim} "
                "dimension(s)")
    axis = normalize_axis_index(axis, nd)
    s0 = arrays[0].shape
    for i, a in enumerate(arrays[1:], 1):
        for d in range(nd):
            if d != axis and a.shape[d] != s0[d]:
                raise ValueError(
                    "all the input array dimensions except for the concatenation axis must "
                    f"match exactly, but along dimension {d}, the array at index 0 has size "
                    f"{s0[d]} and the array at index {i} has size {a.shape[d]}")
    target = dtype if dtype is not None else (
        out.dtype if out is not None else _dtypes.result_type(*(a.dtype for a in arrays)))
    for a in arrays:
        if not np.can_cast(a.dtype, target, casting=casting):
            raise TypeError(f"Cannot cast array data from {a.dtype!r} to {target!r} "
                            f"according to the rule {casting!r}")
    dev.check_dtype(target)
    tt = _dtypes.to_torch(target)
    res = torch.cat([signed_view(_dispatch.cast_tensor(a._t, target)) for a in arrays], axis)
    res = unsigned_view(res, tt)
    if out is not None:
        if tuple(res.shape) != out.shape:
            raise ValueError("Output array is the wrong shape")
        out._t.copy_(res)
        return out
    return _new(res, dev)


def concat(arrays, /, *, axis=0):
    """Array API ``concat`` (``axis=None`` flattens)."""
    return concatenate(arrays, axis)


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays of one shape along a new axis (NumPy's ``stack``)."""
    if isinstance(arrays, TrnArray):
        arrays = unstack(arrays) if arrays.ndim else [arrays]
    dev = _dispatch.same_device(*arrays, out)
    arrays = [as_trn(a, dev) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    if any(a.shape != arrays[0].shape for a in arrays[1:]):
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis_index(axis, arrays[0].ndim + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis, out=out, dtype=dtype,
                       casting=casting)


def unstack(x, /, *, axis=0):
    """Split ``x`` along ``axis`` into a tuple of views."""
    x = as_trn(x)
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis_index(axis, x.ndim)
    if _dispatch.use_numpy(x._device):
        v = np.moveaxis(_np(x), axis, 0)
        return tuple(_dispatch.wrap(v[i, ...], x._device) for i in range(v.shape[0]))
    return tuple(_new(t, x._device) for t in x._t.unbind(axis))


# -- axes ----------------------------------------------------------------------------------
def expand_dims(a, axis):
    """Insert unit axes at ``axis`` (an int or a tuple, positions in the result)."""
    x = as_trn(a)
    ndim = np.expand_dims(_oracle(x.shape), axis).ndim
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.expand_dims(_np(x), axis), x._device)
    axes = normalize_axis_tuple(axis, ndim)
    t = x._t
    for ax in sorted(axes):
        t = t.unsqueeze(ax)
    return _new(t, x._device)


def squeeze(a, axis=None):
    """Remove unit axes (all of them, or those in ``axis``)."""
    x = as_trn(a)
    np.squeeze(_oracle(x.shape), axis)           # NumPy's errors
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.squeeze(_np(x), axis), x._device)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    elif x.ndim == 0:                   # NumPy takes axis 0/-1 on 0-d arrays
        axes = ()
    else:
        axes = normalize_axis_tuple(axis, x.ndim)
    return _new(x._t.squeeze(axes) if axes else x._t.view(x.shape), x._device)


def permute_dims(a, /, axes):
    """Array API ``permute_dims``: a view with the axes reordered."""
    x = as_trn(a)
    np.transpose(_oracle(x.shape), axes)         # NumPy's errors
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.transpose(_np(x), axes), x._device)
    axes = tuple(normalize_axis_index(operator.index(i), x.ndim) for i in axes)
    return _new(x._t.permute(axes), x._device)


def transpose(a, axes=None):
    """NumPy's ``transpose``: reverses the axes when ``axes`` is None."""
    x = as_trn(a)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    return permute_dims(x, axes)


def swapaxes(a, axis1, axis2):
    """A view with two axes interchanged."""
    x = as_trn(a)
    np.swapaxes(_oracle(x.shape), axis1, axis2)
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.swapaxes(_np(x), axis1, axis2), x._device)
    return _new(x._t.transpose(normalize_axis_index(axis1, x.ndim),
                               normalize_axis_index(axis2, x.ndim)), x._device)


def moveaxis(a, source, destination):
    """A view with axes moved from ``source`` to ``destination`` positions."""
    x = as_trn(a)
    np.moveaxis(_oracle(x.shape), source, destination)
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.moveaxis(_np(x), source, destination), x._device)
    src = normalize_axis_tuple(source, x.ndim, "source")
    dst = normalize_axis_tuple(destination, x.ndim, "destination")
    return _new(torch.movedim(x._t, src, dst), x._device)


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None). A copy: torch has
    no negative strides, and the NumPy path copies such views on wrapping."""
    x = as_trn(m)
    np.flip(_oracle(x.shape), axis)
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.asarray(np.flip(_np(x), axis)), x._device)
    dims = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    t = x._t
    res = unsigned_view(torch.flip(signed_view(t), dims), t.dtype) if dims else t.clone()
    return _new(res, x._device)


# -- reshaping ---------------------------------------------------------------------------
def _check_order(fname, order):
    if order not in ("C", None):
        raise NotImplementedError(f"trnpy.{fname}: only order='C' is supported, "
                                  f"not order={order!r}")


def _shape_arg(shape):
    if isinstance(shape, (tuple, list)):
        return tuple(operator.index(s) for s in shape)
    return (operator.index(shape),)


def reshape(a, /, shape=None, order="C", *, copy=None):
    """Give ``a`` a new shape: a view when possible (``copy=None``), always a copy
    (``copy=True``), or ValueError when a copy would be needed (``copy=False``)."""
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    _check_order("reshape", order)
    x = as_trn(a)
    shape = np.reshape(_oracle(x.shape), _shape_arg(shape)).shape
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.reshape(_np(x), shape, copy=copy), x._device)
    t = x._t
    if copy:
        return _new(t.clone(memory_format=torch.contiguous_format).view(shape), x._device)
    if copy is False:
        try:
            return _new(t.view(shape), x._device)
        except RuntimeError:
            raise ValueError("Unable to avoid creating a copy while reshaping.") from None
    return _new(t.reshape(shape), x._device)


def ravel(a, order="C"):
    """The flattened array (a view when possible)."""
    _check_order("ravel", order)
    return reshape(a, -1)


def roll(a, shift, axis=None):
    """Roll elements along ``axis`` (the flattened array when None); ``shift``/``axis``
    broadcast against each other and repeated axes add up, as in NumPy."""
    x = as_trn(a)
    if isinstance(shift, TrnArray):
        shift = _dispatch.host(shift).tolist()
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.roll(_np(x), shift, axis), x._device)
    if axis is None:
        return reshape(roll(reshape(x, -1), shift, 0), x.shape)
    axes = normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
    if x.ndim == 0:
        raise ValueError("roll: a 0-d array can only be rolled with axis=None")
    b = np.broadcast(shift, axes)
    if b.ndim > 1:
        raise ValueError("'shift' and 'axis' should be scalars or 1D sequences")
    shifts = {}
    for sh, ax in b:
        shifts[ax] = shifts.get(ax, 0) + operator.index(sh)
    dims = [d for d in shifts if x.shape[d]]
    t = x._t
    if not dims:
        return _new(t.clone(), x._device)
    res = torch.roll(signed_view(t), [shifts[d] % x.shape[d] for d in dims], dims)
    return _new(unsigned_view(res, t.dtype), x._device)


def tile(A, reps):
    """Repeat the whole array ``reps`` times per axis (always a copy)."""
    x = as_trn(A)
    reps = _shape_arg(reps) if not isinstance(reps, TrnArray) else \
        tuple(_dispatch.host(reps).reshape(-1).tolist())
    if any(r < 0 for r in reps):
        raise ValueError("negative dimensions are not allowed")
    if _dispatch.use_numpy(x._device):
        return _dispatch.wrap(np.tile(_np(x), reps), x._device)
    t = x._t
    d = max(len(reps), t.dim())
    reps = (1,) * (d - len(reps)) + reps
    t = t.reshape((1,) * (d - t.dim()) + tuple(t.shape))
    res = unsigned_view(signed_view(t).repeat(reps), t.dtype) if d else t.clone()
    return _new(res, x._device)


def repeat(a, repeats, /, axis=None):
    """Repeat each element ``repeats`` times (an int, or one count per element along
    ``axis``); ``axis=None`` works on the flattened array."""
    x = as_trn(a)
    dev = _dispatch.same_device(x, repeats)
    if _dispatch.use_numpy(dev):
        r = _np(repeats) if isinstance(repeats, TrnArray) else repeats
        return _dispatch.wrap(np.repeat(_np(x), r, axis), dev)
    if axis is None or x.ndim == 0:      # NumPy repeats 0-d arrays as 1-d ones
        x, axis = reshape(x, -1), 0 if axis is None else axis
    axis = normalize_axis_index(axis, x.ndim)
    n = x.shape[axis]
    if isinstance(repeats, TrnArray):
        rdt, rt = repeats.dtype, repeats._t
    elif isinstance(repeats, np.ndarray):
        r = repeats
        rdt, rt = r.dtype, None
    else:                               # scalars and sequences convert like int()
        r = np.array(repeats, dtype=np.intp)
        rdt, rt = r.dtype, None
    if not np.can_cast(rdt, np.intp, casting="safe"):
        raise TypeError(f"Cannot cast array data from {rdt!r} to {np.dtype(np.intp)!r} "
                        "according to the rule 'safe'")
    if rt is None:
        if r.ndim > 1:
            raise ValueError("setting an array element with a sequence. The requested array "
                             "would exceed the maximum number of dimension of 1.")
        rt = torch.as_tensor(r.astype(np.int64).reshape(-1), device=x._t.device)
    else:
        if rt.dim() > 1:
            raise ValueError("setting an array element with a sequence. The requested array "
                             "would exceed the maximum number of dimension of 1.")
        rt = _dispatch.cast_tensor(rt, np.int64).reshape(-1)
    if rt.numel() != 1 and rt.numel() != n:
        raise ValueError(f"operands could not be broadcast together with shape ({n},) "
                         f"({rt.numel()},)")
    if bool((rt < 0).any()):
        raise ValueError("repeats may not contain negative values.")
    if rt.numel() == 1 and n != 1:
        rt = rt.expand(n)
    t = x._t
    res = torch.repeat_interleave(signed_view(t), rt, dim=axis)
    return _new(unsigned_view(res, t.dtype), x._device)


# -- atleast_nd ------------------------------------------------------------------------
def _atleast(arys, fix):
    res = tuple(fix(as_trn(a)) for a in arys)
    return res[0] if len(res) == 1 else res


def atleast_1d(*arys):
    return _atleast(arys, lambda a: reshape(a, (1,)) if a.ndim == 0 else a)


def atleast_2d(*arys):
    def fix(a):
        if a.ndim == 0:
            return reshape(a, (1, 1))
        return expand_dims(a, 0) if a.ndim == 1 else a
    return _atleast(arys, fix)


def atleast_3d(*arys):
    def fix(a):
        if a.ndim == 0:
            return reshape(a, (1, 1, 1))
        if a.ndim == 1:
            return expand_dims(a, (0, 2))
        return expand_dims(a, 2) if a.ndim == 2 else a
    return _atleast(arys, fix)

