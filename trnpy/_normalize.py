"""Argument normalisation shared by the namespace: axes as NumPy checks them, reduced
shapes, and the one writer of ``out=`` (NumPy's casting and broadcasting rules)."""
from __future__ import annotations

import operator

import numpy as np
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _convert, _tensor
from ._array import TrnArray


def write_out(name, out, res, res_dtype, casting="same_kind", mask=None):
    """Store torch result ``res`` (dtype ``res_dtype``) into ``out`` as NumPy would."""
    if not np.can_cast(res_dtype, out.dtype, casting=casting):
        raise TypeError(f"Cannot cast ufunc '{name}' output from {res_dtype!r} to "
                        f"{out.dtype!r} with casting rule {casting!r}")
    shape = tuple(out._t.shape)
    try:
        ok = tuple(torch.broadcast_shapes(tuple(res.shape), shape)) == shape
    except RuntimeError:
        ok = False
    if not ok:
        raise ValueError(f"non-broadcastable output operand with shape {shape} doesn't "
                         f"match the broadcast shape {tuple(res.shape)}")
    res = _tensor.cast_tensor(res, out.dtype)
    if mask is not None:
        res = torch.where(mask, res, out._t)
    out._t.copy_(res.expand(shape))
    return out


def normalize_axis(axis, ndim) -> tuple:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of dims;
    AxisError/ValueError/TypeError as NumPy raises them."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        try:
            return tuple(sorted(normalize_axis_tuple(tuple(axis), ndim, "axis")))
        except ValueError as e:
            if type(e) is ValueError:
                raise ValueError("duplicate value in 'axis'") from None
            raise
    return (normalize_axis_index(operator.index(axis), ndim),)


def axis_index(axis, ndim, name="axis"):
    """NumPy's normalize_axis_index (AxisError for out-of-range axes)."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def reduced_shape(shape, axes, keepdims) -> tuple:
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def check_out(out, name):
    if out is not None and not isinstance(out, TrnArray):
        raise TypeError(f"trnpy.{name}: out must be a trnpy array, not {type(out).__name__}")


def deliver(res: TrnArray, out, name) -> TrnArray:
    """Return ``res``, or write it into ``out`` (same shape, NumPy's unsafe cast)."""
    if out is None:
        return res
    check_out(out, name)
    _convert.same_device(res, out)
    if tuple(out.shape) != tuple(res.shape):
        raise ValueError(f"trnpy.{name}: output array has shape {tuple(out.shape)}, "
                         f"expected {tuple(res.shape)}")
    write_out(name, out, res._t, res.dtype, casting="unsafe")
    return out
