"""Searching: argmax/argmin, nonzero and friends, searchsorted, where, count_nonzero."""
from __future__ import annotations

import builtins
import operator
import warnings

import numpy as np
from ._torch import torch

from . import _convert, _dispatch, _dtypes, _normalize, _tensor
from ._array import TrnArray
from ._devices import CPU
from ._normalize import normalizer

__all__ = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where",
           "argwhere", "flatnonzero"]

_INTP = np.dtype(np.int64)
_INTP_ZERO = np.int64(0).__add__
_ARG_OK = {}           # torch dtype -> torch's argmax/argmin order is NumPy's
_backend = _dispatch._CPU_BACKEND.get
_zero_d = _convert.ZERO_D.get


def _arg_extreme(x, axis, out, keepdims, is_max):
    # (the torch fast path is _arg_fast: torch's CPU and CUDA kernels, ArgMaxOps and
    # ArgMinOps, pick NumPy's index for floats, signed ints and uint8: the first NaN if
    # any, else the first extreme)
    if (type(x) is TrnArray and axis is None and out is None and keepdims is False
            and type(a := x._np) is np.ndarray and _dispatch.use_numpy(x._device)):
        # NumPy fast path: what np.argmax/np.argmin call on an ndarray
        return _convert.wrap(a.argmax() if is_max else a.argmin(), x._device)
    name = "argmax" if is_max else "argmin"
    x = _convert.as_array(x)
    dev = x._device
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError("output must be an array")        # NumPy's words
        _normalize.check_out(out, name)
        dev = _convert.same_device(x, out)
        if _dispatch.use_numpy(dev):
            fn = np.argmax if is_max else np.argmin
            fn(_convert.np_view(x), axis=axis, out=_convert.np_view(out), keepdims=keepdims)
            return out
        r = _arg_extreme(x, axis, None, keepdims, is_max)
        if out.shape != r.shape:        # NumPy checks the shape, then the dtype
            raise ValueError(f"output array does not match result of np.{name}.")
        if not np.can_cast(out.dtype, _INTP, "safe"):
            raise TypeError(f"Cannot cast scalar from {out.dtype!r} to {_INTP!r} according "
                            "to the rule 'safe'")
        return _normalize.write_out(name, out, r._t, r.dtype, casting="unsafe")
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer")
    if _dispatch.use_numpy(dev):
        fn = np.argmax if is_max else np.argmin
        return _convert.wrap(fn(_convert.np_view(x), axis=axis, keepdims=keepdims), dev)
    if x.size == 0:
        # NumPy's rules for which empty shapes are errors; the result is empty anyway
        fn = np.argmax if is_max else np.argmin
        r = fn(np.empty(x.shape, np.bool_), axis=axis, keepdims=keepdims)
        return TrnArray._new(torch.from_numpy(np.asarray(r)).to(x._t.device), dev)
    axes = _normalize.normalize_axis(None if axis is None else operator.index(axis), x.ndim)
    c = _tensor.collapse(x._t, axes)
    dt = x.dtype
    if dt.kind == "c":
        r = _tensor.complex_arg_extreme(c, is_max)
    else:
        k = _tensor.order_key(c, dt)
        r = torch.argmax(k, dim=-1) if is_max else torch.argmin(k, dim=-1)
        if dt.kind == "f" and not (c.is_cpu or c.is_cuda):
            # (torch's CPU and CUDA kernels already give the first NaN)
            nan = torch.isnan(c)
            r = torch.where(nan.any(dim=-1), torch.argmax(nan.to(torch.uint8), dim=-1), r)
    return _convert.reduced(r.reshape(_normalize.reduced_shape(x.shape, axes, keepdims)), dev)


def _arg_fast(x, is_max):
    """The whole-array argmax/argmin of a torch-path TrnArray when torch's kernel gives
    NumPy's index (see :func:`_arg_extreme`), else None; on the CPU NumPy's intp scalar
    straight from .item()."""
    if (t := x._tt) is None:
        return None
    if not (ok := _ARG_OK.get(t.dtype)):
        if ok is not None or not _arg_ok(t.dtype):
            return None
    dev = x._device
    if dev is CPU:
        if _backend() == "numpy":
            return None
    elif not (dev.emulated or dev.kind == "cuda"):   # torch's CPU and CUDA kernels only
        return None
    try:
        r = torch.argmax(t) if is_max else torch.argmin(t)
    except RuntimeError:          # empty: the general path raises NumPy's ValueError
        return None
    if dev is CPU and not _zero_d():
        return _INTP_ZERO(r.item())   # np.int64, see _convert._scalar_type
    return _convert.reduced(r, dev)


def _arg_ok(td) -> bool:
    ok = _ARG_OK[td] = bool(td.is_floating_point or td.is_signed and not td.is_complex
                            or td is torch.uint8)
    return ok


def argmax(x, /, axis=None, out=None, *, keepdims=False):
    """Index of the first maximum over ``axis`` (flattened when None; first NaN wins)."""
    if (type(x) is TrnArray and axis is None and out is None and keepdims is False
            and (r := _arg_fast(x, True)) is not None):
        return r
    return _arg_extreme(x, axis, out, keepdims, True)


def argmin(x, /, axis=None, out=None, *, keepdims=False):
    """Index of the first minimum over ``axis`` (flattened when None; first NaN wins)."""
    if (type(x) is TrnArray and axis is None and out is None and keepdims is False
            and (r := _arg_fast(x, False)) is not None):
        return r
    return _arg_extreme(x, axis, out, keepdims, False)


def _truth(t: torch.Tensor) -> torch.Tensor:
    return t if t.dtype == torch.bool else t != 0


@normalizer(lambda x, *a, **k: np.asarray(np.count_nonzero(x, *a, **k), dtype=_INTP)[()], "x")
def count_nonzero(x, /, axis=None, *, keepdims=False):
    """Number of non-zero elements over ``axis`` (a 0-d int64 array when axis is None)."""
    dev = x._device
    if isinstance(axis, list) or not isinstance(keepdims, (bool, type(None))):
        operator.index(axis if isinstance(axis, list) else keepdims)   # NumPy's TypeError
    axes = _normalize.normalize_axis(axis, x.ndim)
    r = _tensor.collapse(_truth(x._t), axes).sum(dim=-1, dtype=torch.int64)
    return _convert.reduced(r.reshape(_normalize.reduced_shape(x.shape, axes, keepdims)), dev)


def _not_0d(x):
    if x.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "np.atleast_1d(scalar).nonzero() instead.")


@normalizer(np.nonzero, "x", check=_not_0d)
def nonzero(x, /):
    """Indices of the non-zero elements, one int64 array per dimension."""
    dev = x._device
    return tuple(TrnArray._new(i, dev) for i in torch.nonzero(_truth(x._t), as_tuple=True))


@normalizer(np.argwhere, "a")
def argwhere(a):
    """NumPy's ``argwhere``: an (N, ndim) array of the indices of non-zero elements."""
    x, dev = a, a._device
    t = _truth(x._t)
    if x.ndim == 0:
        return TrnArray._new(torch.zeros((int(t.item()), 0), dtype=torch.int64,
                                         device=t.device), dev)
    return TrnArray._new(torch.nonzero(t), dev)


@normalizer(np.flatnonzero, "a")
def flatnonzero(a):
    """NumPy's ``flatnonzero``: indices of the non-zero elements of the flattened array."""
    return TrnArray._new(torch.nonzero(_truth(a._t.reshape(-1)), as_tuple=True)[0], a._device)


# ---------------------------------------------------------------------------
def searchsorted(a, v, side="left", sorter=None):
    """Insertion indices of ``v`` into the 1-D ascending ``a`` (NumPy's signature; the
    array API's ``searchsorted(x1, x2, /, *, side, sorter)``); a scalar ``v`` gives a 0-d
    result."""
    x1, x2 = a, v
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    x1 = _convert.as_array(x1)
    dev = x1._device
    scalar_v = _dtypes.is_python_scalar(x2)
    if not scalar_v:
        x2 = _convert.as_array(x2, device=dev)
    if sorter is not None:
        sorter = _convert.as_array(sorter, device=dev)
    dev = _convert.same_device(x1, x2, sorter)
    if x1.ndim != 1:
        raise ValueError("object too deep for desired array" if x1.ndim > 1 else
                         "object of too small depth for desired array")
    if _dispatch.use_numpy(dev):
        v = x2 if scalar_v else _convert.np_view(x2)
        s = None if sorter is None else _convert.np_view(sorter)
        r = np.searchsorted(_convert.np_view(x1), v, side=side, sorter=s)
        return _convert.wrap(np.asarray(r, dtype=_INTP), dev)
    dt = _dtypes.result_type(x1, x2)
    if dt.kind == "c":
        raise NotImplementedError("trnpy.searchsorted: complex arrays are not supported on "
                                  "the torch backend")
    t1 = x1._t
    if sorter is not None:
        if sorter.dtype.kind not in "iu" or sorter.shape != x1.shape:
            raise ValueError("sorter must be an integer array with the shape of x1")
        st = _tensor.compute_tensor(sorter._t).to(torch.int64)
        if st.numel() and (int(st.min()) < 0 or int(st.max()) >= t1.shape[0]):
            raise ValueError("Sorter index out of range.")
        t1 = _tensor.signed_view(t1)[st].view(t1.dtype)     # CUDA cannot gather uint16/32/64
    if scalar_v:
        t2 = _tensor.from_compute(_tensor.scalar_tensor(x2, dt, dev), dt)
    else:
        t2 = x2._t
    k1 = _tensor.order_key(_tensor.cast_tensor(t1, dt), dt).contiguous()
    k2 = _tensor.order_key(_tensor.cast_tensor(t2, dt), dt).contiguous()
    right = side == "right"
    if dt.kind == "f":
        # NaN sorts last and equals NaN; torch's search does not know that
        n = k1.shape[0]
        m = n - int(torch.isnan(k1).sum())
        nan2 = torch.isnan(k2)
        k2c = torch.where(nan2, torch.zeros((), dtype=k2.dtype), k2)
        r = torch.searchsorted(k1[:m], k2c.reshape(-1), right=right).reshape(k2.shape)
        r = torch.where(nan2, n if right else m, r)
    else:
        r = torch.searchsorted(k1, k2.reshape(-1), right=right).reshape(k2.shape)
    return TrnArray._new(r.to(torch.int64), dev)


# ---------------------------------------------------------------------------
def _where_scalar(value, dt, dev):
    """Python scalar as ``np.where`` takes it: converted by the installed NumPy's own
    ``where`` on a 0-d stand-in (NumPy 2.4 wraps -1 to 255 for uint8, later versions
    raise OverflowError)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v = np.where(np.False_, np.zeros((), dt), value).astype(dt)
    t = torch.from_numpy(np.array(v).reshape(()))
    return _tensor.compute_tensor(t).to(dev.torch_device)


def where(condition, x1=None, x2=None, /):
    """Elements of ``x1`` where ``condition`` is true, else of ``x2`` (broadcast; Python
    scalars are weak). With only ``condition`` it is NumPy's ``nonzero(condition)``."""
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("either both or neither of x and y should be given")
    ops, dev = _convert.as_operands([condition, x1, x2])
    cond, a, b = ops
    if not isinstance(cond, TrnArray):
        cond = _convert.asarray(builtins.bool(cond), device=dev)
    # NumPy's broadcasting error before the device's dtype refusal
    np.broadcast_shapes(*(o.shape if isinstance(o, TrnArray) else () for o in ops))
    dt = _dtypes.result_type(a, b)
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        va = _convert.np_view(a) if isinstance(a, TrnArray) else a
        vb = _convert.np_view(b) if isinstance(b, TrnArray) else b
        r = np.where(_convert.np_view(cond), va, vb)
        return _convert.wrap(np.asarray(r, dtype=dt), dev)
    ts = []
    for o in (a, b):
        if isinstance(o, TrnArray):
            ts.append(_tensor.compute_tensor(o._t, dt))
        else:
            ts.append(_where_scalar(o, dt, dev))
    c = _truth(cond._t)
    try:
        shape = torch.broadcast_shapes(c.shape, ts[0].shape, ts[1].shape)
    except RuntimeError:
        raise ValueError("operands could not be broadcast together with shapes "
                         f"{tuple(c.shape)} {tuple(ts[0].shape)} {tuple(ts[1].shape)}") from None
    r = torch.where(c, ts[0], ts[1])
    r = _tensor.from_compute(r.expand(shape), dt)
    return TrnArray._new(r, dev)
