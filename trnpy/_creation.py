"""Creation functions. ``asarray`` is the one door from outside data into a TrnArray.

Every function takes ``device=`` (default: the current default device) and takes its
default dtypes from that device (float32 on neuron). On the NumPy CPU path the NumPy
function itself runs; elsewhere torch builds the data on the device, replaying NumPy's
algorithm where the values depend on it (arange, linspace).
"""
from __future__ import annotations

import builtins
import math
import operator
import sys

import numpy as np
from . import _torch
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import (_convert, _dispatch, _normalize, _dtypes, _elementwise, _flags_flatiter, _reductions,
               _tensor)
from ._convert import from_dlpack
from ._array import TrnArray
from ._devices import device as _resolve_device, get_default_device

__all__ = ["asarray", "array", "from_dlpack", "asnumpy", "asanyarray", "ascontiguousarray",
           "copy", "arange", "empty", "empty_like", "eye", "identity", "full", "full_like",
           "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros",
           "zeros_like", "logspace", "geomspace", "tri", "indices",
           "fromfunction", "frombuffer", "fromiter", "fromstring", "asarray_chkfinite",
           "asfortranarray", "require"]

_ORDER_MSG = "order must be one of 'C', 'F', 'A', or 'K' (got {!r})"


def normalize_order(order, default="K", allowed="CFAK", msg=None):
    """NumPy's order argument as one upper-case letter (None: ``default``): TypeError for a
    non-string, ValueError for other letters or for one outside ``allowed`` (``msg``)."""
    if order is None:
        return default
    o = order.decode("latin-1") if isinstance(order, bytes) else order
    if not isinstance(o, str):
        raise TypeError(f"order must be str, not {type(order).__name__}")
    o = o.upper()
    if len(o) != 1 or o not in "CFAK":
        raise ValueError(_ORDER_MSG.format(order))
    if o not in allowed:
        raise ValueError(msg or _ORDER_MSG.format(order))
    return o


_CF_ONLY = "only 'C' or 'F' order is permitted"


def _c_or_f(order):
    return normalize_order(order, "C", "CF", _CF_ONLY)


def c_contiguous(shape, strides) -> bool:
    return _flags_flatiter._contiguous(shape, strides, reversed)


def f_contiguous(shape, strides) -> bool:
    return _flags_flatiter._contiguous(shape, strides, list)


def is_fortran(shape, strides) -> bool:
    """F-contiguous and not C-contiguous (NumPy's ``PyArray_ISFORTRAN``: order 'A' means F)."""
    return f_contiguous(shape, strides) and not c_contiguous(shape, strides)


def axis_order(shape, strides, order) -> list:
    """The axes of a new array of layout ``order`` ('C', 'F', 'A' or 'K' relative to an
    array of ``shape``/``strides``), outermost first. 'K' keeps the stride order (NumPy
    takes C or F for a contiguous array, else sorts |stride| descending, ties in axis
    order)."""
    n = len(shape)
    if order == "A":
        order = "F" if strides is not None and is_fortran(shape, strides) else "C"
    if order == "C" or (order == "K" and strides is None):
        return list(range(n))
    if order == "F" or (order == "K" and f_contiguous(shape, strides)
                        and not c_contiguous(shape, strides)):
        return list(range(n - 1, -1, -1))
    if c_contiguous(shape, strides):
        return list(range(n))
    return sorted(range(n), key=lambda i: -abs(strides[i]))


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def _in_layout(make, shape, perm):
    """``make(shape permuted by perm)`` with its axes put back: an array or tensor of
    ``shape`` laid out in ``perm``'s order."""
    if perm == sorted(perm):
        return make(tuple(shape))
    r = make(tuple(shape[p] for p in perm))
    inv = _inverse(perm)
    return r.transpose(inv) if isinstance(r, np.ndarray) else r.permute(inv)


def _elem_strides(x):
    """Strides of a TrnArray in elements, without making its tensor."""
    if x._tt is None:
        n = x.dtype.itemsize
        return tuple(s // n for s in x._np.strides)
    return x._tt.stride()


def copy_order(x, order, dtype=None):
    """A copy of TrnArray ``x`` (cast to ``dtype``) laid out as NumPy's ``order``
    ('C', 'F', 'A' or 'K') asks."""
    dt = x.dtype if dtype is None else dtype
    dev = x._device
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.array(_convert.np_view(x), dtype=dt, order=order), dev)
    return _copy_perm(x, axis_order(x.shape, _elem_strides(x), order), dt)


def _copy_perm(x, perm, dt=None):
    """A copy of ``x`` (cast to ``dt``) with its axes laid out in ``perm``'s order."""
    dt = x.dtype if dt is None else dt
    dev = x._device
    if _dispatch.use_numpy(dev):
        out = _in_layout(lambda s: np.empty(s, dt), x.shape, perm)
        np.copyto(out, _convert.np_view(x), casting="unsafe")
        return _convert.wrap(out, dev)
    out = _in_layout(lambda s: torch.empty(s, dtype=_dtypes.to_torch(dt),
                                           device=dev.torch_device), x.shape, perm)
    out.copy_(_tensor.cast_tensor(x._t, dt))
    return TrnArray._new(out, dev)


def with_order(x, order, copy=None, src=None, keep_a=True):
    """``x`` itself when its layout is the one ``order`` (normalised) asks of a result made
    from ``src`` (default ``x``; 'A'/'K' follow ``src``: ``src`` itself meets 'K', and
    'A' too unless ``keep_a`` is False, as in NumPy's astype), else a copy in that layout
    (ValueError when ``copy`` is False)."""
    src = x if src is None else src
    if x.ndim == 0 or (x is src and (order == "K" or (order == "A" and keep_a))):
        return x
    perm = axis_order(src.shape, _elem_strides(src), order)
    st, n = _elem_strides(x), 1
    for p in reversed(perm):
        if x.shape[p] > 1 and st[p] != n:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return _copy_perm(x, perm)
        n *= x.shape[p]
    return x


def _no_like(fname, like):
    if like is not None:
        raise NotImplementedError(f"trnpy.{fname}: like= is not supported")


def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None,
          device=None):
    """NumPy's ``array``: copies by default (in the layout ``order`` asks)."""
    order = normalize_order(order)
    _no_like("array", like)
    if subok:
        raise NotImplementedError("trnpy.array: subok=True is not supported")
    if copy and isinstance(object, TrnArray) and (
            device is None or _resolve_device(device) == object._device):
        dt = None if dtype is None else _dtypes.as_dtype(dtype)
        if dt is not None:
            object._device.check_dtype(dt)
        out = copy_order(object, order, dt)
    else:
        out = with_order(_convert.asarray(object, dtype=dtype, device=device, copy=copy),
                         order, copy)
    if ndmin > out.ndim:
        out = TrnArray._new(out._t.reshape((1,) * (ndmin - out.ndim) + tuple(out._t.shape)),
                            out._device)
    return out


def asarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """NumPy's ``asarray`` (zero-copy for CPU NumPy data; the array API's ``asarray``
    with NumPy's positional ``dtype, order``)."""
    if order is None and like is None:
        return _convert.asarray(a, dtype=dtype, device=device, copy=copy)
    order = normalize_order(order)
    _no_like("asarray", like)
    return with_order(_convert.asarray(a, dtype=dtype, device=device, copy=copy), order,
                      copy)


def asanyarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """NumPy's ``asanyarray`` (trnpy has no array subclasses: same as ``asarray``)."""
    _no_like("asanyarray", like)
    return asarray(a, dtype, order, device=device, copy=copy)


def ascontiguousarray(a, dtype=None, *, like=None, device=None):
    """NumPy's ``ascontiguousarray``: a C-contiguous array of at least one dimension."""
    _no_like("ascontiguousarray", like)
    x = _convert.asarray(a, dtype=dtype, device=device)
    t = x._t.reshape(1) if x._t.dim() == 0 else x._t
    t = t.contiguous()
    return x if t is x._t else TrnArray._new(t, x._device)


def _check_subok(fname, a, subok):
    """NumPy's ``subok`` keeps an ndarray subclass. trnpy has no array subclasses: for a
    TrnArray (or any input that is not a NumPy subclass) either value gives a TrnArray, as
    NumPy gives a base ndarray; a NumPy subclass that ``subok=True`` would keep is refused."""
    if operator.truth(subok) and isinstance(a, np.ndarray) and type(a) is not np.ndarray:
        raise NotImplementedError(f"trnpy.{fname}: subok=True with a {type(a).__name__} "
                                  "input is not supported (trnpy has no array subclasses)")


def copy(a, order="K", subok=False, *, device=None):
    """NumPy's ``copy``: a new array with the same data and dtype (on ``a``'s device
    unless ``device`` is given)."""
    order = normalize_order(order)
    _check_subok("copy", a, subok)
    if isinstance(a, TrnArray) and (device is None or _resolve_device(device) == a._device):
        return copy_order(a, order)
    return with_order(_convert.asarray(a, device=device, copy=True), order)


def asnumpy(x, /) -> np.ndarray:
    """Copy any array (any device) into a NumPy array on the host (CuPy's ``asnumpy``)."""
    if isinstance(x, TrnArray):
        return _convert.host(x).copy()
    return np.asarray(x)


# -- shapes and fills ----------------------------------------------------------------------
def _shape(shape) -> tuple:
    """A new array's shape: :func:`_normalize.shape_arg` within NumPy's bounds."""
    shape = _normalize.shape_arg(shape)
    if any(s < 0 for s in shape):
        raise ValueError("negative dimensions are not allowed")
    if any(s > sys.maxsize for s in shape):
        raise ValueError("Maximum allowed dimension exceeded")
    return shape


def _resolve(dtype, dev, kind="real floating") -> np.dtype:
    dt = dev.default_dtype(kind) if dtype is None else _dtypes.as_dtype(dtype)
    dev.check_dtype(dt)
    return dt


def _torch_full(shape, value, dtype, dev) -> torch.Tensor:
    """A tensor of ``shape`` filled with NumPy 0-d/scalar ``value`` (already in ``dtype``)."""
    dt = np.dtype(dtype)
    value = np.asarray(value, dtype=dt)
    if dt == np.uint64:       # values >= 2**63 only fit torch's int64 as bit patterns
        return torch.full(shape, int(value.view(np.int64)), dtype=torch.int64,
                          device=dev.torch_device).view(torch.uint64)
    if dt.kind == "u" and dt.itemsize > 1:
        return torch.full(shape, value.item(), dtype=_dtypes.compute_torch(dt),
                          device=dev.torch_device).to(_dtypes.to_torch(dt))
    return torch.full(shape, value.item(), dtype=_dtypes.to_torch(dt), device=dev.torch_device)


def _check_size(shape, dtype):
    """NumPy's ValueError for a shape whose byte count overflows (torch's RuntimeError
    otherwise leaks out)."""
    n = math.prod(shape) * np.dtype(dtype).itemsize
    if n > sys.maxsize:
        raise ValueError("array is too big; `arr.size * arr.dtype.itemsize` is larger "
                         "than the maximum possible size.")


def _alloc(make, shape, dtype, perm=None):
    """``make(shape)`` laid out in ``perm``'s axis order, with NumPy's errors for sizes
    that overflow (ValueError) or do not fit in memory (MemoryError) in place of torch's
    RuntimeError."""
    _check_size(shape, dtype)
    try:
        return _in_layout(make, shape, perm or list(range(len(shape))))
    except RuntimeError as e:
        if "alloc" not in str(e).lower():
            raise
        n = math.prod(shape) * np.dtype(dtype).itemsize
        k = builtins.min(int(math.log(n, 1024)), 6) if n else 0
        size = f"{n} bytes" if k == 0 else \
            f"{n / 1024 ** k:.2f} {('KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB')[k - 1]}"
        raise MemoryError(f"Unable to allocate {size} for an array with shape {shape} and "
                          f"data type {np.dtype(dtype)}") from None


def _torch_empty(shape, dtype, dev, perm=None):
    return _alloc(lambda s: torch.empty(s, dtype=_dtypes.to_torch(dtype),
                                        device=dev.torch_device), shape, dtype, perm)


def _filled(shape, value, dtype, dev, perm):
    """A new array of ``shape`` filled with ``value`` (``None``: uninitialised), its axes
    laid out in ``perm``'s order."""
    if _dispatch.use_numpy(dev):
        out = _in_layout(lambda s: np.empty(s, dtype), shape, perm)
        if value is not None:
            np.copyto(out, value, casting="unsafe")
        return _convert.wrap(out, dev)
    if value is None:
        return TrnArray._new(_torch_empty(shape, dtype, dev, perm), dev)
    return TrnArray._new(_alloc(lambda s: _torch_full(s, value, dtype, dev), shape, dtype,
                                perm), dev)


def _perm(shape, order):
    return list(range(len(shape))) if order == "C" else list(range(len(shape)))[::-1]


def empty(shape, dtype=None, order="C", *, device=None, like=None):
    _no_like("empty", like)
    order = _c_or_f(order)
    dev = _convert.target_device(device)
    dt = _resolve(dtype, dev)
    shape = _shape(shape)
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.empty(shape, dtype=dt, order=order), dev)
    return TrnArray._new(_torch_empty(shape, dt, dev, _perm(shape, order)), dev)


def zeros(shape, dtype=None, order="C", *, device=None, like=None):
    _no_like("zeros", like)
    order = _c_or_f(order)
    dev = _convert.target_device(device)
    dt = _resolve(dtype, dev)
    shape = _shape(shape)
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.zeros(shape, dtype=dt, order=order), dev)
    return _filled(shape, 0, dt, dev, _perm(shape, order))


def ones(shape, dtype=None, order="C", *, device=None, like=None):
    _no_like("ones", like)
    order = _c_or_f(order)
    dev = _convert.target_device(device)
    dt = _resolve(dtype, dev)
    shape = _shape(shape)
    return _filled(shape, 1, dt, dev, _perm(shape, order))


def _scalar_fill_dtype(value, dev) -> np.dtype:
    """NumPy's dtype for a Python scalar fill value, with the device's defaults."""
    if isinstance(value, builtins.bool):
        return np.dtype(np.bool_)
    if isinstance(value, builtins.int):
        dt = _dtypes.as_dtype(np.asarray(value).dtype)   # int64, uint64 past 2**63
        return dev.default_dtype("integral") if dt == np.int64 else dt
    if isinstance(value, builtins.float):
        return dev.default_dtype("real floating")
    return dev.default_dtype("complex floating")


def full(shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    """NumPy's ``full``; ``fill_value`` may also be an array that broadcasts to ``shape``."""
    _no_like("full", like)
    order = _c_or_f(order)
    shape = _shape(shape)
    perm = _perm(shape, order)
    if device is None and isinstance(fill_value, TrnArray):
        dev = fill_value._device
    else:
        dev = _convert.target_device(device)
    if _convert.is_py_scalar(fill_value):
        dt = _scalar_fill_dtype(fill_value, dev) if dtype is None else _dtypes.as_dtype(dtype)
        dev.check_dtype(dt)
        if _dispatch.use_numpy(dev):
            return _convert.wrap(np.full(shape, fill_value, dtype=dt, order=order), dev)
        v = np.empty((), dt)
        np.copyto(v, fill_value, casting="unsafe")     # NumPy's overflow errors and casts
        return _filled(shape, v, dt, dev, perm)
    if isinstance(fill_value, TrnArray) and fill_value._device != dev:
        raise ValueError(f"full: fill_value lives on {fill_value._device}, not on {dev}")
    fv = _convert.asarray(fill_value, device=dev)
    dt = fv.dtype if dtype is None else _dtypes.as_dtype(dtype)
    dev.check_dtype(dt)
    if np.broadcast_shapes(fv.shape, shape) != shape:
        raise ValueError(f"could not broadcast input array from shape {fv.shape} into "
                         f"shape {shape}")
    if _dispatch.use_numpy(dev):
        return _filled(shape, _convert.np_view(fv), dt, dev, perm)
    out = _torch_empty(shape, dt, dev, perm)
    out.copy_(_tensor.cast_tensor(fv._t, dt).expand(shape))
    return TrnArray._new(out, dev)


# -- *_like ---------------------------------------------------------------------------------
def _like(fname, x, dtype, order, subok, shape, device):
    """(shape, dtype, device, axis order) of a ``*_like`` result: ``x``'s unless
    overridden; the layout follows ``x`` for order 'K'/'A' as NumPy's does."""
    order = normalize_order(order)
    _check_subok(fname, x, subok)
    if not isinstance(x, TrnArray):
        x = _convert.asarray(x, device=device)
    dev = x._device if device is None else _resolve_device(device)
    dt = x.dtype if dtype is None else _dtypes.as_dtype(dtype)
    dev.check_dtype(dt)
    shape = x.shape if shape is None else _shape(shape)
    # NumPy: a prototype of another ndim gives 'K'/'A' no layout to follow
    if len(shape) != x.ndim:
        return shape, dt, dev, axis_order(shape, None, "C" if order != "F" else "F")
    return shape, dt, dev, axis_order(x.shape, _elem_strides(x), order)


def empty_like(prototype, /, dtype=None, order="K", subok=True, shape=None, *, device=None):
    shape, dt, dev, perm = _like("empty_like", prototype, dtype, order, subok, shape, device)
    return _filled(shape, None, dt, dev, perm)


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    shape, dt, dev, perm = _like("zeros_like", a, dtype, order, subok, shape, device)
    return _filled(shape, 0, dt, dev, perm)


def ones_like(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
    shape, dt, dev, perm = _like("ones_like", a, dtype, order, subok, shape, device)
    return _filled(shape, 1, dt, dev, perm)


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    shape, dt, dev, perm = _like("full_like", a, dtype, order, subok, shape, device)
    out = full(shape, fill_value, dt, device=dev)
    if perm == sorted(perm):
        return out
    res = _filled(shape, None, dt, dev, perm)
    if _dispatch.use_numpy(dev):
        _convert.np_view(res)[...] = _convert.np_view(out)
    else:
        res._t.copy_(out._t)
    return res


# -- eye, identity, tril, triu ------------------------------------------------------------
def eye(N, M=None, k=0, dtype=None, order="C", *, device=None, like=None):
    """NumPy's ``eye`` (array API: ``eye(n_rows, n_cols=None, /, *, k=0, ...)``)."""
    _no_like("eye", like)
    order = _c_or_f(order)
    dev = _convert.target_device(device)
    dt = _resolve(dtype, dev)
    n = operator.index(N)
    m = n if M is None else operator.index(M)
    k = _normalize.int_arg(k)
    shape = _shape((n, m))
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.eye(n, m, k, dtype=dt, order=order), dev)
    ct = _dtypes.compute_torch(dt)
    t = _alloc(lambda s: torch.zeros(s, dtype=ct, device=dev.torch_device), shape, dt,
               _perm(shape, order))
    t.diagonal(k).fill_(1)
    return TrnArray._new(_tensor.from_compute(t, dt), dev)


def identity(n, dtype=None, *, like=None, device=None):
    _no_like("identity", like)
    return eye(n, dtype=dtype, device=device)


def _tri(fname, m, k, lower):
    x = m if isinstance(m, TrnArray) else _convert.asarray(m)
    k = _normalize.c_long(_normalize.scalar_arg(k))
    if x.ndim == 0:
        raise TypeError(f"{fname}() needs an array of at least one dimension")
    dev = x._device
    if _dispatch.use_numpy(dev):
        f = np.tril if lower else np.triu
        return _convert.wrap(f(_convert.np_view(x), k), dev)
    rows, cols = (x.shape[-2:] if x.ndim >= 2 else (x.shape[-1], x.shape[-1]))
    mask = torch.ones((rows, cols), dtype=torch.bool, device=dev.torch_device)
    # tril keeps j <= i + k; triu keeps j >= i + k (the complement of tril(k - 1))
    mask = mask.tril(k) if lower else ~mask.tril(k - 1)
    xt = _tensor.compute_tensor(x._t)        # where() lacks uint16/32/64 on CUDA
    zero = torch.zeros((), dtype=xt.dtype, device=dev.torch_device)
    return TrnArray._new(_tensor.from_compute(torch.where(mask, xt, zero), x.dtype), dev)


def tril(m, k=0):
    """Lower triangle of (each matrix in) ``m``; a 1-D ``m`` is taken as rows like NumPy."""
    return _tri("tril", m, k, True)


def triu(m, k=0):
    """Upper triangle of (each matrix in) ``m``; a 1-D ``m`` is taken as rows like NumPy."""
    return _tri("triu", m, k, False)


# -- arange ---------------------------------------------------------------------------------
def _too_long(start, stop, step):
    """NumPy computes arange's length (Python arithmetic) before it picks a dtype: a length
    beyond intp is its ValueError even where the dtype would be object (a Python int
    beyond 64 bits, which trnpy cannot hold)."""
    try:
        n = float((stop - start) / step)
    except (TypeError, ZeroDivisionError, OverflowError):
        return False
    if math.isnan(n):
        return False                  # NumPy: "cannot compute length"
    return not math.isfinite(n) or not -2 ** 63 <= math.ceil(n) < 2 ** 63


def _arange_length(start, stop, step):
    """NumPy's ``_calc_length`` for real dtypes: the length, or None where NumPy errs."""
    try:
        delta = stop - start
        val = delta / step             # ZeroDivisionError as NumPy raises it
        value = float(val)
        if math.isnan(value):
            return None
        if not delta != 0:
            n = 0
        elif val == 0:                 # underflow or division by inf
            n = 0 if math.copysign(1.0, value) < 0 else 1
        elif not math.isfinite(value):
            return None
        else:
            n = math.ceil(value)
            if not -2 ** 63 <= n < 2 ** 63:
                return None
        if n > 0:
            start + step               # NumPy computes it, and fails where it overflows
    except (OverflowError, TypeError):
        return None
    return n


def _arange_item(v, dt):
    """A value as NumPy's arange stores it: numbers go to integer dtypes through
    Python's int() (so out-of-range values raise OverflowError)."""
    if dt.kind in "iu" and isinstance(v, (builtins.float, np.floating, np.integer)):
        return int(v)
    return v


def arange(start, /, stop=None, step=1, dtype=None, *, device=None, like=None):
    """NumPy's ``arange`` (same result dtype, length and values)."""
    _no_like("arange", like)
    dev = _convert.target_device(device)
    start, stop, step = (_normalize.scalar_arg(v) for v in (start, stop, step))
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if any(type(v) is builtins.int and not -2 ** 63 <= v < 2 ** 64 for v in (start, stop, step)) \
            and _too_long(start, stop, step):
        raise ValueError("Maximum allowed size exceeded")
    if dtype is None:
        # NumPy: at least intp, promoted with each argument's own dtype (not NEP 50)
        dt = np.result_type(np.intp, *(np.asarray(v).dtype for v in (start, stop, step)))
        dt = _convert.device_default(_dtypes.as_dtype(dt), dev)
    else:
        dt = _dtypes.as_dtype(dtype)
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.arange(start, stop, step, dtype=dt), dev)

    cplx = dt.kind == "c" or any(isinstance(v, (builtins.complex, np.complexfloating))
                                 for v in (start, stop, step))
    n = None if cplx else _arange_length(start, stop, step)
    if n is None:
        # NumPy's error, or its result where we don't replay its rules (complex dtypes,
        # NumPy-scalar overflow): computed on the host and copied over
        return _convert.asarray(np.arange(start, stop, step, dtype=dt), device=dev)
    if n > sys.maxsize // dt.itemsize:
        raise ValueError("Maximum allowed size exceeded")
    n = builtins.max(n, 0)
    if dt.kind == "b" and n > 2:
        raise TypeError("arange() is only supported for booleans when the result has at "
                        "most length 2.")
    # NumPy stores start and start + step (Python arithmetic) in the dtype, then fills
    # buffer[i] = first + i * (second - first) in the dtype's C arithmetic.
    head = np.empty(2, dt)
    if n >= 1:
        head[0] = _arange_item(start, dt)
    if n >= 2:
        head[1] = _arange_item(start + step, dt)
    else:
        head[1] = head[0]
    tdev = dev.torch_device
    if n <= 2 or dt.kind == "b":
        t = torch.from_numpy(head[:n].copy()).to(tdev)
        return TrnArray._new(t, dev)
    if dt.kind in "iu":
        # C arithmetic: delta wraps in the dtype, i * delta + first wraps modulo 2**64 (as
        # int64 here), and the cast to the dtype wraps again
        d = (int(head[1]) - int(head[0])) % (2 ** (8 * dt.itemsize))
        d = (d + 2 ** 63) % 2 ** 64 - 2 ** 63
        first = (int(head[0]) + 2 ** 63) % 2 ** 64 - 2 ** 63
        t = torch.arange(n, dtype=torch.int64, device=tdev) * d + first
        return TrnArray._new(_tensor.from_compute(t, dt), dev)
    if dt.kind == "f":
        wt = torch.float32 if dt == np.float16 else _dtypes.to_torch(dt)  # HALF_fill: float
        first = torch.tensor(float(head[0]), dtype=wt, device=tdev)
        delta = torch.tensor(float(head[1]), dtype=wt, device=tdev) - first
        idx = torch.arange(n, dtype=wt, device=tdev)
        t = (first + idx * delta).to(_dtypes.to_torch(dt))
        t[:2] = torch.from_numpy(head).to(tdev)        # NumPy fills from i = 2 on
        return TrnArray._new(t, dev)
    raise AssertionError(dt)


# -- linspace -------------------------------------------------------------------------------
def _num(num):
    """linspace's sample count as NumPy checks it (before any dtype check of the device)."""
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if num > sys.maxsize:
        raise ValueError("Maximum allowed size exceeded")
    return num


def _dest_axis(axis, ndim):
    """The ``axis`` of linspace and friends: NumPy's ``moveaxis(y, 0, axis)`` destination,
    with its errors (a tuple of more than one axis included)."""
    if type(axis) is builtins.int and -ndim <= axis < ndim:
        return axis % ndim
    dest = normalize_axis_tuple(axis, ndim, "destination")
    if len(dest) != 1:
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    return dest[0]


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """NumPy's ``linspace`` (its algorithm, so values match to the last bit on the CPU)."""
    num = _num(num)
    _convert.refuse_big_int(start)
    _convert.refuse_big_int(stop)
    arrays = [a for a in (start, stop) if isinstance(a, TrnArray)]
    dev = _convert.same_device(*arrays) if device is None else _resolve_device(device)
    if dev is None:
        dev = get_default_device()
    for a in arrays:
        if a._device != dev:
            raise ValueError(f"linspace: start/stop live on {a._device}, not on {dev}")
    s, e = [a if isinstance(a, TrnArray) or _convert.is_py_scalar(a) else _convert.asarray(a, device=dev)
            for a in (start, stop)]
    if _convert.is_py_scalar(s) and _convert.is_py_scalar(e):
        dt = np.result_type(np.asarray(s), np.asarray(e))
    else:
        dt = _dtypes.result_type(s, e)
    if dt.kind not in "fc":
        dt = np.dtype(np.float64)                  # NumPy's ensure_inexact
    dt = _convert.device_default(_dtypes.as_dtype(dt), dev)
    shape = np.broadcast_shapes(np.shape(s), np.shape(e))
    ax = _dest_axis(axis, len(shape) + 1)
    dev.check_dtype(dt)
    out_dt = dt if dtype is None else _dtypes.as_dtype(dtype)
    dev.check_dtype(out_dt)
    _check_size((num,) + shape, out_dt)
    integer_dtype = out_dt.kind in "iu"
    if _dispatch.use_numpy(dev):
        args = [_convert.np_view(a) if isinstance(a, TrnArray) else a for a in (s, e)]
        res = np.linspace(*args, num=num, endpoint=endpoint, retstep=retstep,
                          dtype=out_dt, axis=axis)
        if retstep:
            y, st = res
            return _convert.wrap(y, dev), (st if np.ndim(st) == 0 else _convert.wrap(st, dev))
        return _convert.wrap(res, dev)

    tdev = dev.torch_device
    tdt = _dtypes.to_torch(dt)

    def tens(a):
        if isinstance(a, TrnArray):
            return _tensor.cast_tensor(a._t, dt)
        return torch.tensor(a, dtype=tdt, device=tdev)

    st, en = tens(s), tens(e)
    div = (num - 1) if endpoint else num
    delta = en - st
    if torch.broadcast_shapes(st.shape, en.shape) != delta.shape:
        delta = delta.expand(torch.broadcast_shapes(st.shape, en.shape))
    rt = _dtypes.to_torch(_dtypes.real_of(dt))
    y = torch.arange(num, dtype=rt, device=tdev).to(tdt).reshape((-1,) + (1,) * delta.dim())
    if div > 0:
        # a 0-d tensor divisor: CUDA turns division by a Python number into a multiply
        # by its reciprocal, 1 ulp off NumPy's true division
        div_t = torch.full((), div, dtype=rt, device=tdev)
        step = delta / div_t
        if bool((step == 0).any()):
            y = y / div_t * delta
        else:
            y = y * step
    else:
        step = float("nan")       # NumPy: a Python float for an undefined step
        y = y * delta
    y = y + st
    if endpoint and num > 1:
        y[-1, ...] = en
    if ax != 0:
        y = torch.movedim(y, 0, ax)
    if integer_dtype:
        if dt.kind == "c":
            raise TypeError("linspace: cannot take the floor of complex values for an "
                            "integer dtype")
        y = torch.floor(y)
    y = TrnArray._new(_tensor.cast_tensor(y.contiguous(), out_dt), dev)
    if retstep:
        if not _torch.is_tensor(step):
            return y, step
        if step.dim() == 0:
            return y, dt.type(step.item())
        return y, TrnArray._new(step, dev)
    return y


# -- meshgrid ---------------------------------------------------------------------------------
def meshgrid(*xi, copy=True, sparse=False, indexing="xy", device=None):
    """NumPy's ``meshgrid``: a tuple of coordinate arrays (inputs are flattened)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    arrays = [a for a in xi if isinstance(a, TrnArray)]
    dev = _convert.same_device(*arrays) if arrays else _convert.target_device(device)
    if device is not None and _resolve_device(device) != dev:
        raise ValueError(f"meshgrid: inputs live on {dev}, not on {device}")
    xs = [a if isinstance(a, TrnArray) else _convert.asarray(a, device=dev) for a in xi]
    if _dispatch.use_numpy(dev) and copy:
        out = np.meshgrid(*[_convert.np_view(x) for x in xs], copy=True, sparse=sparse,
                          indexing=indexing)
        return [_convert.wrap(o, dev) for o in out]
    ndim = len(xs)
    s0 = (1,) * ndim
    out = [x._t.reshape(s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(xs)]
    if indexing == "xy" and ndim > 1:
        out[0] = out[0].reshape((1, -1) + s0[2:])
        out[1] = out[1].reshape((-1, 1) + s0[2:])
    if not sparse:
        shape = torch.broadcast_shapes(*[o.shape for o in out])
        out = [o.expand(shape) for o in out]
    if copy:
        out = [o.clone(memory_format=torch.contiguous_format) for o in out]
    return [TrnArray._new(o, dev) for o in out]


# -- NumPy's other creation functions ------------------------------------------------------
# Several are written with trnpy's own functions, in NumPy's order of operations, so that
# both paths give NumPy's dtypes and values (the NumPy path runs NumPy's kernels anyway).


def _ndmin(a, ndmin, dev):
    a = _convert.as_array(a, dev)
    if a.ndim < ndmin:
        a = TrnArray._new(a._t.reshape((1,) * (ndmin - a.ndim) + tuple(a._t.shape)), a._device)
    return a


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0, *,
             device=None):
    """NumPy's ``logspace``: ``base ** linspace(start, stop)``."""
    arrays = [a for a in (start, stop, base) if isinstance(a, TrnArray)]
    dev = _convert.same_device(*arrays) if arrays else _convert.target_device(device)
    if device is not None and arrays and _resolve_device(device) != dev:
        raise ValueError(f"logspace: inputs live on {dev}, not on {device}")
    if not isinstance(base, (builtins.float, builtins.int)) and np.ndim(base):
        ndmax = len(np.broadcast_shapes(*(np.shape(a) for a in (start, stop, base))))
        start, stop, base = (_ndmin(a, ndmax, dev) for a in (start, stop, base))
        # expand_dims(base, axis), NumPy's AxisError included
        base = TrnArray._new(base._t.unsqueeze(normalize_axis_index(axis, base.ndim + 1)),
                             base._device)
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis, device=dev)
    if not isinstance(base, TrnArray) and not _convert.is_py_scalar(base):
        base = _convert.asarray(base, device=dev)
    r = _elementwise.power(base, y)
    return r if dtype is None else r.astype(dtype, copy=False)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0, *, device=None):
    """NumPy's ``geomspace`` (its algorithm: signs rotated out, then ``logspace``)."""
    arrays = [a for a in (start, stop) if isinstance(a, TrnArray)]
    dev = _convert.same_device(*arrays) if arrays else _convert.target_device(device)
    start, stop = _convert.as_array(start, dev), _convert.as_array(stop, dev)
    if builtins.bool(_reductions.any(start == 0)) or builtins.bool(_reductions.any(stop == 0)):
        raise ValueError("Geometric sequence cannot include zero")
    fnum = builtins.float(num)
    _num(num)          # NumPy's errors for num and axis before the device's dtype check
    ax = _dest_axis(axis, len(np.broadcast_shapes(start.shape, stop.shape)) + 1)
    dt = np.result_type(start.dtype, stop.dtype, fnum,
                        np.zeros((), None if dtype is None else _dtypes.as_dtype(dtype)))
    dt = _convert.device_default(_dtypes.as_dtype(dt), dev) if \
        start.dtype.kind not in "fc" and stop.dtype.kind not in "fc" else _dtypes.as_dtype(dt)
    out_dt = dt if dtype is None else _dtypes.as_dtype(dtype)
    dev.check_dtype(dt)
    start = start.astype(dt, copy=True)
    stop = stop.astype(dt, copy=True)
    out_sign = _elementwise.sign(start)
    start = start / out_sign
    stop = stop / out_sign
    result = logspace(_elementwise.log10(start), _elementwise.log10(stop), num=num, endpoint=endpoint,
                      base=10.0, dtype=dt)
    if num > 0:
        result[0] = start
        if num > 1 and endpoint:
            result[-1] = stop
    result = result * out_sign
    if result.dtype != dt:
        result = result.astype(dt)
    if ax != 0:
        result = TrnArray._new(result._t.movedim(0, ax), result._device)
    return result.astype(out_dt, copy=False)


def tri(N, M=None, k=0, dtype=float, *, like=None, device=None):
    """NumPy's ``tri``: ones at and below diagonal ``k``."""
    _no_like("tri", like)
    dev = _convert.target_device(device)
    dt = _resolve(None if dtype is float else dtype, dev)
    n = _normalize.int_arg(N)
    m = n if M is None else _normalize.int_arg(M)
    k = _normalize.int_arg(k)
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.tri(n, m, k, dtype=dt), dev)
    shape = _shape((builtins.max(n, 0), builtins.max(m, 0)))     # NumPy: negative is empty
    t = torch.ones(shape, dtype=_dtypes.compute_torch(dt), device=dev.torch_device).tril(k)
    return TrnArray._new(_tensor.from_compute(t, dt), dev)


def indices(dimensions, dtype=int, sparse=False, *, device=None):
    """NumPy's ``indices``: the grid of each axis' indices (``dtype=int`` is intp)."""
    dev = _convert.target_device(device)
    dt = _dtypes.as_dtype(dtype)
    dev.check_dtype(dt)
    dims = _shape(tuple(dimensions))
    if _dispatch.use_numpy(dev):
        r = np.indices(dims, dtype=dt, sparse=sparse)
        return tuple(_convert.wrap(a, dev) for a in r) if sparse else _convert.wrap(r, dev)
    n = len(dims)
    _check_size((n,) + dims, dt)
    out = []
    for i, d in enumerate(dims):
        t = torch.arange(d, dtype=torch.int64, device=dev.torch_device)
        t = _tensor.cast_tensor(t, dt).reshape((1,) * i + (d,) + (1,) * (n - i - 1))
        out.append(t)
    if sparse:
        return tuple(TrnArray._new(t, dev) for t in out)
    res = torch.empty((n,) + dims, dtype=_dtypes.to_torch(dt), device=dev.torch_device)
    for i, t in enumerate(out):
        _tensor.signed_view(res[i]).copy_(_tensor.signed_view(t).expand(dims))
    return TrnArray._new(_tensor.unsigned_view(res, res.dtype), dev)


def fromfunction(function, shape, *, dtype=float, like=None, device=None, **kwargs):
    """NumPy's ``fromfunction``: ``function(*indices(shape, dtype))``."""
    _no_like("fromfunction", like)
    dev = _convert.target_device(device)
    dt = _resolve(None if dtype is float else dtype, dev)
    return function(*indices(shape, dtype=dt, device=dev), **kwargs)


def _from_host(arr: np.ndarray, device):
    dev = _convert.target_device(device)
    return _convert.asarray(arr, device=dev)


def frombuffer(buffer, dtype=float, count=-1, offset=0, *, like=None, device=None):
    """NumPy's ``frombuffer`` (shares a writable buffer's memory on the CPU). A trnpy
    array is a buffer of its bytes, as an ndarray is to NumPy: on the CPU its memory
    (shared), on other devices a host copy."""
    _no_like("frombuffer", like)
    if isinstance(buffer, TrnArray):
        buffer = _convert.np_view(buffer) if buffer._device is _convert.CPU else \
            _convert.host(buffer)
    return _from_host(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset), device)


def fromiter(iter, dtype, count=-1, *, like=None, device=None):
    """NumPy's ``fromiter``: the iterable is consumed on the host."""
    _no_like("fromiter", like)
    return _from_host(np.fromiter(iter, dtype=dtype, count=count), device)


def fromstring(string, dtype=float, count=-1, *, sep, like=None, device=None):
    """NumPy's ``fromstring`` (text mode: ``sep`` is required, as in NumPy 2)."""
    _no_like("fromstring", like)
    if isinstance(string, TrnArray):    # NumPy reads an array's buffer as the text
        string = _convert.host(string)
    return _from_host(np.fromstring(string, dtype=dtype, count=count, sep=sep), device)


def asarray_chkfinite(a, dtype=None, order=None, *, device=None):
    """``asarray`` that raises ValueError when the data hold infs or NaNs."""
    x = asarray(a, dtype, normalize_order(order), device=device)
    if x.dtype.kind in "fc" and not builtins.bool(_reductions.all(_elementwise.isfinite(x))):
        raise ValueError("array must not contain infs or NaNs")
    return x


def _fortran(x):
    t = x._t
    if t.dim() < 2:
        return x
    rev = tuple(range(t.dim()))[::-1]
    f = t.permute(rev).contiguous().permute(rev)
    return x if f.data_ptr() == t.data_ptr() else TrnArray._new(f, x._device)


def asfortranarray(a, dtype=None, *, like=None, device=None):
    """NumPy's ``asfortranarray``: a Fortran-ordered array of at least one dimension."""
    _no_like("asfortranarray", like)
    x = _convert.asarray(a, dtype=dtype, device=device)
    if x.ndim == 0:
        x = TrnArray._new(x._t.reshape(1), x._device)
    return _fortran(x)


_REQ = {"C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C", "F": "F", "F_CONTIGUOUS": "F",
        "FORTRAN": "F", "A": "A", "ALIGNED": "A", "W": "W", "WRITEABLE": "W", "O": "O",
        "OWNDATA": "O", "E": "E", "ENSUREARRAY": "E"}


def require(a, dtype=None, requirements=None, *, like=None, device=None):
    """NumPy's ``require``: an array meeting ``requirements`` (C/F/A/W/O/E)."""
    _no_like("require", like)
    if requirements is None:
        reqs = set()
    else:
        try:
            reqs = {_REQ[r.upper()] for r in requirements}
        except KeyError as e:
            raise KeyError(f"{e.args[0]!r} is not a valid requirement") from None
    if "C" in reqs and "F" in reqs:
        raise ValueError("Cannot specify both C and Fortran contiguous.")
    x = _convert.asarray(a, dtype=dtype, device=device)
    if ("O" in reqs and not (x is not a and isinstance(a, TrnArray) is False)) or \
            ("W" in reqs and not x.flags.writeable):
        x = copy(x)
    if "C" in reqs and not x._t.is_contiguous():
        x = TrnArray._new(x._t.contiguous(), x._device)
    elif "F" in reqs:
        x = _fortran(x)
    return x


