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

import functools
import operator

import numpy as np
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
from numpy._core.shape_base import _block_setup
import warnings

from . import _array, _convert, _dispatch, _dtypes, _normalize, _tensor
from ._array import TrnArray, check_writeable, mark_readonly, set_base
from ._convert import np_view
from ._normalize import normalizer, write_out
from ._creation import axis_order, copy, is_fortran, normalize_order
from ._creation import empty
from ._creation import zeros
from ._searching import argwhere

__all__ = ["broadcast_arrays", "broadcast_to", "concat", "concatenate", "expand_dims",
           "flip", "moveaxis", "permute_dims", "transpose", "swapaxes", "reshape", "ravel",
           "roll", "squeeze", "stack", "unstack", "tile", "repeat", "atleast_1d",
           "atleast_2d", "atleast_3d", "vstack", "hstack", "dstack", "column_stack",
           "row_stack", "split", "array_split", "hsplit", "vsplit", "dsplit", "fliplr",
           "flipud", "rot90", "insert", "append", "resize", "trim_zeros", "block",
           "rollaxis", "apply_along_axis", "apply_over_axes", "copyto", "packbits",
           "unpackbits"]

# -- shared helpers ---------------------------------------------------------------------
def _oracle(shape) -> np.ndarray:
    """A read-only zero-stride int8 array of ``shape``: NumPy checks shapes/axes on it."""
    return np.broadcast_to(np.int8(0), shape)


def _new(t, dev):
    return TrnArray._new(t, dev)


def _shares(r, x) -> bool:
    if r._np is not None and x._np is not None:
        return np.may_share_memory(r._np, x._np)
    if r._tt is not None and x._tt is not None:
        return r._tt.untyped_storage().data_ptr() == x._tt.untyped_storage().data_ptr()
    return False


def _records_base(f):
    """NumPy's ``.base`` for the views ``f`` returns: each result that shares the memory
    of ``f``'s TrnArray argument records it (``_array.set_base``)."""
    @functools.wraps(f)
    def g(a, *args, **kwargs):
        r = f(a, *args, **kwargs)
        if type(a) is TrnArray:
            for v in (r if isinstance(r, (tuple, list)) else (r,)):
                if type(v) is TrnArray and v is not a and _shares(v, a):
                    set_base(v, a)
        return r
    return g


def _writeable_view(v: np.ndarray, base: np.ndarray) -> np.ndarray:
    """NumPy marks broadcast views read-only; torch cannot alias those without a warning.
    Rebuild the same view as writeable (setitem refuses overlapping writes itself)."""
    if v.flags.writeable or not base.flags.writeable:
        return v
    return np.lib.stride_tricks.as_strided(base, v.shape, v.strides)


# -- broadcasting ------------------------------------------------------------------------
def broadcast_to(x, /, shape, subok=False):
    """Broadcast ``x`` to ``shape`` (a read-only view, as NumPy's)."""
    return mark_readonly(_broadcast_to(x, shape, subok))


@_records_base
def _broadcast_to(x, shape, subok=False):
    if subok:
        raise NotImplementedError("trnpy.broadcast_to: subok=True is not supported")
    x = _convert.as_array(x)
    shape = np.broadcast_to(_oracle(x.shape), shape).shape
    if _dispatch.use_numpy(x._device):
        v = np_view(x)
        return _convert.wrap(_writeable_view(np.broadcast_to(v, shape), v), x._device)
    return _new(x._t.expand(shape), x._device)


def broadcast_arrays(*arrays, subok=False):
    """Views of ``arrays`` broadcast to one shape, as a list (the array API's type;
    NumPy 2 returns a tuple, which unpacks and indexes the same)."""
    if subok:
        raise NotImplementedError("trnpy.broadcast_arrays: subok=True is not supported")
    dev = _convert.same_device(*arrays)
    arrays = [_convert.as_array(a, dev) for a in arrays]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    # writable views, as NumPy 2's (whose writes warn); writes into broadcast dims are
    # refused by their zero strides
    return [_broadcast_to(a, shape) for a in arrays]


# -- joining -----------------------------------------------------------------------------
def concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    """NumPy's ``concatenate``: ``axis=None`` flattens; ``out``/``dtype``/``casting`` as NumPy."""
    if isinstance(arrays, TrnArray):
        if not arrays.ndim:
            raise TypeError("iteration over a 0-d array")
        arrays = unstack(arrays)
    elif isinstance(arrays, (dict, set, frozenset)) or not hasattr(arrays, "__iter__"):
        raise TypeError("The first input argument needs to be a sequence")
    arrays = list(arrays)
    _normalize.check_out(out, "concatenate")
    if out is not None and dtype is not None:
        raise TypeError("concatenate() only takes `out` or `dtype` as an argument, "
                        "but both were provided.")
    dev = _convert.same_device(*arrays, out)
    arrays = [_convert.as_array(a, dev) for a in arrays]
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
            np.concatenate([np_view(a) for a in arrays], axis, out=np_view(out), casting=casting)
            return out
        return _convert.wrap(np.concatenate([np_view(a) for a in arrays], axis, casting=casting,
                                             **kw), dev)

    nd = arrays[0].ndim
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, nd)        # NumPy checks the axis first
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
    res = torch.cat([_tensor.signed_view(_tensor.cast_tensor(a._t, target)) for a in arrays], axis)
    res = _tensor.unsigned_view(res, tt)
    if out is not None:
        if tuple(res.shape) != out.shape:
            raise ValueError("Output array is the wrong shape")
        return write_out("concatenate", out, res, target, casting="unsafe")
    return _new(res, dev)


def concat(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Array API ``concat`` and NumPy's alias of ``concatenate`` (``axis=None`` flattens)."""
    return concatenate(arrays, axis, out, dtype, casting)


def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """Join arrays of one shape along a new axis (NumPy's ``stack``)."""
    if isinstance(arrays, TrnArray):
        if not arrays.ndim:
            raise TypeError("iteration over a 0-d array")
        arrays = unstack(arrays)
    elif not hasattr(arrays, "__iter__"):
        raise TypeError('arrays to stack must be passed as a "sequence" type such as list '
                        "or tuple.")
    arrays = list(arrays)
    dev = _convert.same_device(*arrays, out)
    arrays = [_convert.as_array(a, dev) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    if any(a.shape != arrays[0].shape for a in arrays[1:]):
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis_index(axis, arrays[0].ndim + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis, out=out, dtype=dtype,
                       casting=casting)


@_records_base
@normalizer(np.unstack, "x")
def unstack(x, /, *, axis=0):
    """Split ``x`` along ``axis`` into a tuple of views."""
    if x.ndim == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis_index(axis, x.ndim)
    return tuple(_new(t, x._device) for t in x._t.unbind(axis))


# -- axes ----------------------------------------------------------------------------------
@_records_base
@normalizer(np.expand_dims, "a")
def expand_dims(a, axis):
    """Insert unit axes at ``axis`` (an int or a tuple, positions in the result)."""
    x = a
    ndim = np.expand_dims(_oracle(x.shape), axis).ndim
    axes = normalize_axis_tuple(axis, ndim)
    t = x._t
    for ax in sorted(axes):
        t = t.unsqueeze(ax)
    return _new(t, x._device)


@_records_base
@normalizer(np.squeeze, "a")
def squeeze(a, axis=None):
    """Remove unit axes (all of them, or those in ``axis``)."""
    x = a
    np.squeeze(_oracle(x.shape), axis)           # NumPy's errors
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    elif x.ndim == 0:                   # NumPy takes axis 0/-1 on 0-d arrays
        axes = ()
    else:
        axes = normalize_axis_tuple(axis, x.ndim)
    return _new(x._t.squeeze(axes) if axes else x._t.view(x.shape), x._device)


@_records_base
@normalizer(np.transpose, "a")
def permute_dims(a, /, axes):
    """Array API ``permute_dims``: a view with the axes reordered."""
    x = a
    np.transpose(_oracle(x.shape), axes)         # NumPy's errors
    axes = tuple(normalize_axis_index(operator.index(i), x.ndim) for i in axes)
    t, rev = _array.phys(x)           # a view of a reversed view keeps its reversed dims
    return TrnArray._flipped(t.permute(axes), [j for j, a in enumerate(axes) if a in rev],
                             x._device)


@_records_base
def transpose(a, axes=None):
    """NumPy's ``transpose``: reverses the axes when ``axes`` is None."""
    x = _convert.as_array(a)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    return permute_dims(x, axes)


@_records_base
@normalizer(np.swapaxes, "a")
def swapaxes(a, axis1, axis2):
    """A view with two axes interchanged."""
    x = a
    np.swapaxes(_oracle(x.shape), axis1, axis2)
    axes = list(range(x.ndim))
    i, j = normalize_axis_index(axis1, x.ndim), normalize_axis_index(axis2, x.ndim)
    axes[i], axes[j] = j, i
    return permute_dims(x, axes)


@_records_base
@normalizer(np.moveaxis, "a")
def moveaxis(a, source, destination):
    """A view with axes moved from ``source`` to ``destination`` positions."""
    x = a
    np.moveaxis(_oracle(x.shape), source, destination)
    src = normalize_axis_tuple(source, x.ndim, "source")
    dst = normalize_axis_tuple(destination, x.ndim, "destination")
    return _new(torch.movedim(x._t, src, dst), x._device)


@normalizer(np.flip, "m")
def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None): a view, as
    NumPy's (the same tensor with the reversed dims toggled)."""
    x = m
    np.flip(_oracle(x.shape), axis)
    dims = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim)
    t, rev = _array.phys(x)
    return TrnArray._flipped(t, set(rev) ^ set(dims), x._device)


# -- reshaping ---------------------------------------------------------------------------
_RESHAPE_K = "order 'K' is not permitted for reshaping"


def _reshape_check(a, /, shape=None, order="C", *, copy=None):
    if shape is None:
        raise TypeError("reshape() missing required argument 'shape'")
    return {"order": normalize_order(order, "C", "CFA", _RESHAPE_K),
            "shape": np.reshape(_oracle(a.shape), _normalize.shape_arg(shape)).shape}


@_records_base
@normalizer(np.reshape, "a", validate=_reshape_check)
def reshape(a, /, shape=None, order="C", *, copy=None):
    """Give ``a`` a new shape, reading and placing the elements in ``order`` ('C', 'F',
    or 'A': F when ``a`` is Fortran-contiguous): a view when possible (``copy=None``),
    always a copy (``copy=True``), or ValueError when a copy would be needed
    (``copy=False``)."""
    x = a
    if order == "A":
        order = "F" if is_fortran(x.shape, x._t.stride()) else "C"
    if order == "F":
        # F order is C order on the reversed axes
        r = reshape(_new(x._t.permute(tuple(range(x.ndim))[::-1]), x._device), shape[::-1],
                    copy=copy)
        return _new(r._t.permute(tuple(range(len(shape)))[::-1]), x._device)
    if _array.phys(x)[1] and not copy:     # reversed dims: a view where NumPy gives one
        if (v := _array.reshape_view(x, shape)) is not None:
            return v
        if copy is False:
            raise ValueError("Unable to avoid creating a copy while reshaping.")
    t = x._t
    if copy:
        return _new(t.clone(memory_format=torch.contiguous_format).view(shape), x._device)
    if copy is False:
        try:
            return _new(t.view(shape), x._device)
        except RuntimeError:
            raise ValueError("Unable to avoid creating a copy while reshaping.") from None
    return _new(t.reshape(shape), x._device)


@_records_base
def ravel(a, order="C"):
    """The flattened array, elements read in ``order`` ('K': memory order); a view when
    possible."""
    order = normalize_order(order, "C")
    x = _convert.as_array(a)
    if _dispatch.use_numpy(x._device):
        return _convert.wrap(np.ravel(np_view(x), order), x._device)
    if order == "K":
        perm = axis_order(x.shape, x._t.stride(), "K")
        return reshape(_new(x._t.permute(perm), x._device), -1)
    return reshape(x, -1, order)


def flatten(a, order="C"):
    """``ndarray.flatten``: a flattened copy, elements read in ``order``."""
    order = normalize_order(order, "C")
    x = _convert.as_array(a)
    if _dispatch.use_numpy(x._device):
        return _convert.wrap(np_view(x).flatten(order), x._device)
    r = ravel(x, order)
    shared = r._t.untyped_storage().data_ptr() == x._t.untyped_storage().data_ptr()
    return _new(r._t.clone(), x._device) if shared else r


def _shift_arg(shift):
    return _convert.host(shift).tolist() if isinstance(shift, TrnArray) else shift


@normalizer(lambda a, shift, axis=None: np.roll(a, _shift_arg(shift), axis), "a")
def roll(a, shift, axis=None):
    """Roll elements along ``axis`` (the flattened array when None); ``shift``/``axis``
    broadcast against each other and repeated axes add up, as in NumPy."""
    x = a
    shift = _shift_arg(shift)
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
        shifts[ax] = shifts.get(ax, 0) + int(sh)      # NumPy: int(), not index
    dims = [d for d in shifts if x.shape[d]]
    t = x._t
    if not dims:
        return _new(t.clone(), x._device)
    res = torch.roll(_tensor.signed_view(t), [shifts[d] % x.shape[d] for d in dims], dims)
    return _new(_tensor.unsigned_view(res, t.dtype), x._device)


def _reps_arg(reps, shape):
    """``tile``'s counts as a tuple of ints. A spelling trnpy refuses gets NumPy's own
    refusal: its class depends on the accidents of ``np.tile``'s code (a string's
    characters, ragged lists, empty arrays), so NumPy's tile on a stand-in of ``shape``'s
    rank and emptiness (no data of the caller's) gives it."""
    if isinstance(reps, TrnArray):
        reps = _convert.host(reps)
    try:
        if isinstance(reps, (str, float, np.floating)) or np.ndim(reps) > 1 or (
                isinstance(reps, (list, tuple)) and not all(
                    isinstance(r, (int, np.integer)) or (isinstance(r, np.ndarray) and
                                                         r.ndim == 0 and r.dtype.kind in "iub")
                    for r in reps)):
            raise TypeError("reps must be an integer or a 1-D sequence of integers")
        out = tuple(_normalize.c_long(r) for r in np.atleast_1d(reps).tolist()) \
            if isinstance(reps, np.ndarray) else _normalize.shape_arg(reps)
    except (TypeError, ValueError) as e:
        stand_in = np.zeros(shape if 0 in shape else (1,) * len(shape), np.bool_)
        np.tile(stand_in, reps)                      # raises NumPy's error
        raise e from None
    for r in out:
        _normalize.c_long(r)
    if any(r < 0 for r in out):
        raise ValueError("negative dimensions are not allowed")
    return out


@normalizer(lambda A, reps: np.tile(A, _reps_arg(reps, A.shape)), "A")
def tile(A, reps):
    """Repeat the whole array ``reps`` times per axis (always a copy)."""
    x = A
    reps = _reps_arg(reps, x.shape)
    t = x._t
    d = max(len(reps), t.dim())
    reps = (1,) * (d - len(reps)) + reps
    t = t.reshape((1,) * (d - t.dim()) + tuple(t.shape))
    res = _tensor.unsigned_view(_tensor.signed_view(t).repeat(reps), t.dtype) if d else t.clone()
    return _new(res, x._device)


def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int, or one count per element along
    ``axis``); ``axis=None`` works on the flattened array."""
    x = _convert.as_array(a)
    dev = _convert.same_device(x, repeats)
    if _dispatch.use_numpy(dev):
        r = np_view(repeats) if isinstance(repeats, TrnArray) else repeats
        return _convert.wrap(np.repeat(np_view(x), r, axis), dev)
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
    if isinstance(repeats, (TrnArray, np.ndarray)) and repeats.ndim > 1:
        raise ValueError("object too deep for desired array")    # before the dtype check
    if not np.can_cast(rdt, np.intp, casting="safe"):
        raise TypeError(f"Cannot cast array data from {rdt!r} to {np.dtype(np.intp)!r} "
                        "according to the rule 'safe'")
    if rt is None:
        if r.ndim > 1:
            raise ValueError("setting an array element with a sequence. The requested array "
                             "would exceed the maximum number of dimension of 1.")
        rt = torch.as_tensor(r.astype(np.int64).reshape(-1), device=x._t.device)
    else:
        rt = _tensor.cast_tensor(rt, np.int64).reshape(-1)
    if rt.numel() != 1 and rt.numel() != n:
        raise ValueError(f"operands could not be broadcast together with shape ({n},) "
                         f"({rt.numel()},)")
    if bool((rt < 0).any()):
        raise ValueError("repeats may not contain negative values.")
    if rt.numel() == 1 and n != 1:
        rt = rt.expand(n)
    t = x._t
    res = torch.repeat_interleave(_tensor.signed_view(t), rt, dim=axis)
    return _new(_tensor.unsigned_view(res, t.dtype), x._device)


# -- atleast_nd ------------------------------------------------------------------------
def _atleast(arys, fix):
    res = tuple(fix(_convert.as_array(a)) for a in arys)
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



# -- NumPy's stacking, splitting and editing functions ------------------------------------
# Written with the functions above (each has both paths), in NumPy's order of operations,
# so results, dtypes, views and errors follow NumPy's.
def _seq(tup, fname):
    if isinstance(tup, TrnArray):
        if not tup.ndim:
            raise TypeError("iteration over a 0-d array")
        tup = unstack(tup)             # NumPy iterates an array along its first axis
    elif not hasattr(tup, "__iter__"):
        raise TypeError(f"arrays to {fname} must be passed as a sequence type such as "
                        "list or tuple.")
    tup = list(tup)
    dev = _convert.same_device(*tup)
    return [_convert.as_array(a, dev) for a in tup]


def vstack(tup, *, dtype=None, casting="same_kind"):
    arrs = atleast_2d(*_seq(tup, "vstack"))
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    return concatenate(arrs, 0, dtype=dtype, casting=casting)


def row_stack(tup, *, dtype=None, casting="same_kind"):
    """Deprecated alias of ``vstack`` (as NumPy 2)."""
    warnings.warn("`row_stack` alias is deprecated. Use `np.vstack` directly.",
                  DeprecationWarning, stacklevel=2)
    return vstack(tup, dtype=dtype, casting=casting)


def hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = atleast_1d(*_seq(tup, "hstack"))
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    if arrs and arrs[0].ndim == 1:
        return concatenate(arrs, 0, dtype=dtype, casting=casting)
    return concatenate(arrs, 1, dtype=dtype, casting=casting)


def dstack(tup):
    arrs = atleast_3d(*_seq(tup, "dstack"))
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    return concatenate(arrs, 2)


def column_stack(tup):
    arrays = []
    for v in _seq(tup, "column_stack"):
        if v.ndim < 2:
            v = transpose(reshape(v, (1,) * (2 - v.ndim) + v.shape))
        arrays.append(v)
    return concatenate(arrays, 1)


@_records_base
def array_split(ary, indices_or_sections, axis=0):
    """Split into sub-arrays (views); sections need not divide the axis equally."""
    if not hasattr(ary, "shape"):
        len(ary)            # NumPy sizes a non-array by its len(): TypeError for a scalar
    x = _convert.as_array(ary)
    try:
        ntotal = x.shape[axis]
    except IndexError:
        raise np.exceptions.AxisError(axis, x.ndim) from None
    if isinstance(indices_or_sections, TrnArray):
        indices_or_sections = _convert.host(indices_or_sections).tolist()
    try:
        nsections = len(indices_or_sections) + 1
        div_points = [0] + list(indices_or_sections) + [ntotal]
    except TypeError:
        nsections = int(indices_or_sections)
        if nsections <= 0:
            raise ValueError("number sections must be larger than 0.") from None
        each, extras = divmod(ntotal, nsections)
        sizes = [0] + extras * [each + 1] + (nsections - extras) * [each]
        div_points = np.array(sizes, dtype=np.intp).cumsum().tolist()
    sary = swapaxes(x, axis, 0)
    return [swapaxes(sary[div_points[i]:div_points[i + 1]], axis, 0)
            for i in range(nsections)]


@_records_base
def split(ary, indices_or_sections, axis=0):
    x = _convert.as_array(ary)
    try:
        len(indices_or_sections)
    except TypeError:
        sections = indices_or_sections
        n = x.shape[axis] if x.ndim else 0
        if x.ndim == 0:
            raise np.exceptions.AxisError(axis, 0)
        if sections and n % sections:
            raise ValueError("array split does not result in an equal division") from None
    return array_split(x, indices_or_sections, axis)


@_records_base
def hsplit(ary, indices_or_sections):
    x = _convert.as_array(ary)
    if x.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(x, indices_or_sections, 1 if x.ndim > 1 else 0)


@_records_base
def vsplit(ary, indices_or_sections):
    x = _convert.as_array(ary)
    if x.ndim < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(x, indices_or_sections, 0)


@_records_base
def dsplit(ary, indices_or_sections):
    x = _convert.as_array(ary)
    if x.ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(x, indices_or_sections, 2)


def fliplr(m):
    x = _convert.as_array(m)
    if x.ndim < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(x, 1)


def flipud(m):
    x = _convert.as_array(m)
    if x.ndim < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(x, 0)


def rot90(m, k=1, axes=(0, 1)):
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    x = _convert.as_array(m)
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == x.ndim:
        raise ValueError("Axes must be different.")
    if axes[0] >= x.ndim or axes[0] < -x.ndim or axes[1] >= x.ndim or axes[1] < -x.ndim:
        raise ValueError(f"Axes={axes} out of range for array of ndim={x.ndim}.")
    if isinstance(k, TrnArray):
        k = _convert.host(k)
    k = _normalize.int_arg(k % 4)        # NumPy's order: k %= 4, then k == 0
    if k == 0:
        return x[:]
    if k == 2:
        return flip(flip(x, axes[0]), axes[1])
    axes_list = list(range(x.ndim))
    axes_list[axes[0]], axes_list[axes[1]] = axes_list[axes[1]], axes_list[axes[0]]
    if k == 1:
        return transpose(flip(x, axes[1]), axes_list)
    return flip(transpose(x, axes_list), axes[1])


def _host_obj(obj):
    if isinstance(obj, TrnArray):
        return _convert.host(obj)
    return obj


def insert(arr, obj, values, axis=None):
    """NumPy's ``insert`` (its algorithm, with trnpy's indexing on the torch path)."""
    x = _convert.as_array(arr)
    if isinstance(obj, TrnArray):
        _convert.same_device(x, obj)
    dev = x._device
    if _dispatch.use_numpy(dev):
        v = np_view(values) if isinstance(values, TrnArray) else values
        return _convert.wrap(np.insert(np_view(x), _host_obj(obj), v, axis), dev)
    if axis is None:
        if x.ndim != 1:
            x = reshape(x, -1)
        axis = x.ndim - 1
    else:
        axis = normalize_axis_index(axis, x.ndim)
    ndim = x.ndim
    slobj = [slice(None)] * ndim
    N = x.shape[axis]
    newshape = list(x.shape)
    obj = _host_obj(obj)
    if isinstance(obj, slice):
        indices = np.arange(*obj.indices(N), dtype=np.intp)
    else:
        indices = np.array(obj)
        if indices.dtype == bool:
            if indices.ndim != 1:
                raise ValueError("boolean array argument obj to insert must be one "
                                 "dimensional")
            indices = np.flatnonzero(obj)
        elif indices.ndim > 1:
            raise ValueError("index array argument obj to insert must be one dimensional "
                             "or scalar")
    if indices.size == 1:
        index = indices.item()
        if index < -N or index > N:
            raise IndexError(f"index {obj} is out of bounds for axis {axis} with size {N}")
        if index < 0:
            index += N
        v = _convert.asarray(values, dtype=x.dtype, device=dev)
        if v.ndim < ndim:
            v = reshape(v, (1,) * (ndim - v.ndim) + v.shape)
        if indices.ndim == 0:
            v = moveaxis(v, 0, axis)
        numnew = v.shape[axis]
        newshape[axis] += numnew
        new = empty(newshape, x.dtype, device=dev)
        slobj[axis] = slice(None, index)
        new[tuple(slobj)] = x[tuple(slobj)]
        slobj[axis] = slice(index, index + numnew)
        new[tuple(slobj)] = v
        slobj[axis] = slice(index + numnew, None)
        slobj2 = [slice(None)] * ndim
        slobj2[axis] = slice(index, None)
        new[tuple(slobj)] = x[tuple(slobj2)]
        return new
    if indices.size == 0 and not isinstance(obj, np.ndarray):
        indices = indices.astype(np.intp)
    if indices.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    indices = indices.astype(np.intp)
    indices[indices < 0] += N
    numnew = len(indices)
    order = indices.argsort(kind="mergesort")
    indices[order] += np.arange(numnew)
    newshape[axis] += numnew
    old_mask = np.ones(newshape[axis], dtype=bool)
    old_mask[indices] = False
    new = empty(newshape, x.dtype, device=dev)
    slobj2 = [slice(None)] * ndim
    slobj[axis] = indices
    slobj2[axis] = old_mask
    new[tuple(slobj)] = values if isinstance(values, TrnArray) else \
        _convert.asarray(values, dtype=x.dtype, device=dev)
    new[tuple(slobj2)] = x
    return new


def append(arr, values, axis=None):
    dev = _convert.same_device(arr, values)
    x, v = _convert.as_array(arr, dev), _convert.as_array(values, dev)
    if axis is None:
        if x.ndim != 1:
            x = ravel(x)
        v = ravel(v)
        axis = x.ndim - 1
    return concatenate((x, v), axis=axis)


def resize(a, new_shape):
    """NumPy's ``resize``: the flattened data repeated to fill ``new_shape``."""
    if isinstance(new_shape, (int, np.integer)):
        new_shape = (new_shape,)
    elif isinstance(new_shape, (dict, set, frozenset, str, bytes)):
        raise TypeError(f"'{type(new_shape).__name__}' object cannot be interpreted as an "
                        "integer")
    x = ravel(_convert.as_array(a))
    new_size = 1
    for d in new_shape:
        new_size *= d
        if d < 0:
            raise ValueError("all elements of `new_shape` must be non-negative")
    if x.size == 0 or new_size == 0:
        return zeros(tuple(new_shape), x.dtype, device=x._device)
    repeats = -(-new_size // x.size)
    return reshape(concatenate((x,) * repeats)[:new_size], tuple(new_shape))


def trim_zeros(filt, trim="fb", axis=None):
    """NumPy's ``trim_zeros``: drop the leading/trailing zeros (of each axis in ``axis``)."""
    x = _convert.as_array(filt)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis_tuple(axis, x.ndim,
                                                                          argname="axis")
    if not axes:
        return filt
    nz = argwhere(x)
    if nz.shape[0] == 0:
        start = stop = [0] * x.ndim
    else:
        start = _convert.host(nz.min(axis=0)).tolist()
        stop = [v + 1 for v in _convert.host(nz.max(axis=0)).tolist()]
        if "f" not in trim:
            start = [None] * x.ndim
        if "b" not in trim:
            stop = [None] * x.ndim
    sl = tuple(slice(start[ax], stop[ax]) if ax in axes else slice(None)
               for ax in range(x.ndim))
    if len(sl) == 1 and not isinstance(filt, TrnArray):
        return filt[sl[0]]
    return x[sl]


def block(arrays):
    """NumPy's ``block``: assemble an array from nested lists of blocks."""
    arrays, list_ndim, result_ndim, _ = _block_setup(arrays)
    leaves = []

    def collect(a):
        if isinstance(a, list):
            for b in a:
                collect(b)
        else:
            leaves.append(a)
    collect(arrays)
    dev = _convert.same_device(*leaves)

    def nd(a):
        a = _convert.as_array(a, dev)
        return reshape(a, (1,) * (result_ndim - a.ndim) + a.shape) if a.ndim < result_ndim \
            else a

    def rec(a, depth):
        if depth < list_ndim:
            return concatenate([rec(b, depth + 1) for b in a], axis=-(list_ndim - depth))
        return nd(a)
    res = rec(arrays, 0)
    if list_ndim == 0:
        res = copy(res)
    return res


@_records_base
def rollaxis(a, axis, start=0):
    """NumPy's ``rollaxis`` (a view)."""
    x = _convert.as_array(a)
    n = x.ndim
    axis = normalize_axis_index(axis, n)
    if start < 0:
        start += n
    msg = "'%s' arg requires %d <= %s < %d, but %d was passed in"
    if not (0 <= start < n + 1):
        raise np.exceptions.AxisError(msg % ("start", -n, "start", n + 1, start))
    if axis < start:
        start -= 1
    if axis == start:
        return x[...]
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(x, axes)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """NumPy's ``apply_along_axis``: ``func1d`` gets 1-d trnpy views of ``arr``."""
    x = _convert.as_array(arr)
    nd = x.ndim
    axis = normalize_axis_index(axis, nd)
    dims = list(range(nd))
    view = transpose(x, dims[:axis] + dims[axis + 1:] + [axis])
    inds = (ind + (Ellipsis,) for ind in np.ndindex(view.shape[:-1]))
    try:
        ind0 = next(inds)
    except StopIteration:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0") \
            from None
    res = _convert.asarray(func1d(view[ind0], *args, **kwargs), device=x._device)
    buff = zeros(view.shape[:-1] + res.shape, res.dtype, device=x._device)
    bd = list(range(buff.ndim))
    perm = bd[0:axis] + bd[buff.ndim - res.ndim:buff.ndim] + bd[axis:buff.ndim - res.ndim]
    buff[ind0] = res
    for ind in inds:
        buff[ind] = _convert.asarray(func1d(view[ind], *args, **kwargs), device=x._device)
    return transpose(buff, perm)


def apply_over_axes(func, a, axes):
    """NumPy's ``apply_over_axes``: ``func(a, axis)`` repeatedly, keeping the ndim."""
    val = _convert.as_array(a)
    N = val.ndim
    if np.ndim(axes) == 0:
        axes = (axes,)
    for axis in axes:
        if axis < 0:
            axis = N + axis
        res = func(val, axis)
        if res.ndim == val.ndim:
            val = res
        else:
            res = expand_dims(res, axis)
            if res.ndim == val.ndim:
                val = res
            else:
                raise ValueError("function is not returning an array of the correct shape")
    return val


def copyto(dst, src, casting="same_kind", where=True):
    """NumPy's ``copyto``: broadcast ``src`` into ``dst`` (where ``where`` is True)."""
    if not isinstance(dst, TrnArray):
        raise TypeError(f"copyto() argument 1 must be a trnpy array, not "
                        f"{type(dst).__name__}")
    dev = _convert.same_device(dst, src, where)
    check_writeable(dst)
    if _dispatch.use_numpy(dev):
        s = np_view(src) if isinstance(src, TrnArray) else src
        w = np_view(where) if isinstance(where, TrnArray) else where
        np.copyto(np_view(dst), s, casting=casting, where=w)
        return
    # NumPy's casting check (and value check for Python scalars) on empty stand-ins
    if isinstance(src, TrnArray):
        probe = np.empty(0, src.dtype)
    elif _dtypes.is_python_scalar(src):
        probe = src
    else:
        probe = np.asarray(src)
        probe = probe if probe.ndim == 0 else np.empty(0, probe.dtype)
    np.copyto(np.empty(0, dst.dtype), probe, casting=casting)
    sv = _convert.as_array(src, dev)
    if np.broadcast_shapes(dst.shape, sv.shape) != dst.shape:
        raise ValueError(f"could not broadcast input array from shape {sv.shape} into "
                         f"shape {dst.shape}")
    if where is True:
        dst[...] = sv
        return
    w = _convert.as_array(where, dev)
    if w.dtype != np.bool_:
        raise TypeError(f"Cannot cast array data from {w.dtype!r} to dtype('bool') "
                        "according to the rule 'safe'")
    w = broadcast_to(w, np.broadcast_shapes(dst.shape, w.shape))
    if w.shape != dst.shape:
        raise ValueError(f"could not broadcast where mask from shape {w.shape} into shape "
                         f"{dst.shape}")
    dst[w] = broadcast_to(sv, dst.shape)[w]


@normalizer(np.packbits, "a")
def packbits(a, /, axis=None, bitorder="big"):
    """NumPy's ``packbits``: groups of 8 truth values as uint8 (zero padded)."""
    x = a
    if x.dtype.kind not in "biu":
        raise TypeError("Expected an input array of integer or boolean data type")
    if bitorder not in ("big", "little"):
        raise ValueError("'order' must be either 'little' or 'big'")
    if axis is None:
        x, axis = reshape(x, -1), 0
    axis = normalize_axis_index(axis, x.ndim)
    t = torch.movedim(x._t, axis, -1)
    n = t.shape[-1]
    bits = (_tensor.signed_view(t) != 0).to(torch.int32)
    pad = (-n) % 8
    if pad:
        bits = torch.cat([bits, bits.new_zeros(bits.shape[:-1] + (pad,))], -1)
    bits = bits.reshape(bits.shape[:-1] + ((n + pad) // 8, 8))
    w = 2 ** torch.arange(8, device=t.device, dtype=torch.int32)
    if bitorder == "big":
        w = w.flip(0)
    res = (bits * w).sum(-1).to(torch.uint8)
    return _new(torch.movedim(res, -1, axis).contiguous(), x._device)


@normalizer(np.unpackbits, "a")
def unpackbits(a, /, axis=None, count=None, bitorder="big"):
    """NumPy's ``unpackbits``: uint8 values to their bits."""
    x = a
    if x.dtype != np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if bitorder not in ("big", "little"):
        raise ValueError("'order' must be either 'little' or 'big'")
    if axis is None:
        x, axis = reshape(x, -1), 0
    axis = normalize_axis_index(axis, x.ndim)
    t = torch.movedim(x._t, axis, -1).to(torch.int32)
    sh = torch.arange(8, device=t.device, dtype=torch.int32)
    if bitorder == "big":
        sh = sh.flip(0)
    bits = ((t[..., None] >> sh) & 1).to(torch.uint8).reshape(
        tuple(t.shape[:-1]) + (t.shape[-1] * 8,))
    if count is not None:
        count = operator.index(count)
        n = bits.shape[-1]
        if count < 0:
            if -count > n:
                raise ValueError("-count larger than number of elements")
            bits = bits[..., :n + count]
        elif count > n:
            bits = torch.cat([bits, bits.new_zeros(bits.shape[:-1] + (count - n,))], -1)
        else:
            bits = bits[..., :count]
    return _new(torch.movedim(bits, -1, axis).contiguous(), x._device)
