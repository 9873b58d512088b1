"""Data type functions (array API), NumPy's dtype helpers and scalar types.

trnpy's dtypes are NumPy's, so NumPy answers every question about them (``finfo``,
``iinfo``, ``isdtype``, ``can_cast``, ``promote_types``); only ``astype`` touches data.
The scalar types (concrete and abstract) are NumPy's own objects:
``issubdtype(x.dtype, trnpy.floating)`` and ``x.dtype == trnpy.double`` work as in NumPy.
Types trnpy cannot store (``longdouble``, ...) are exported for dtype checks; creating
arrays with them raises TypeError.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import _convert, _dispatch, _dtypes, _tensor
from ._array import TrnArray
from ._devices import device as _resolve_device

__all__ = ["astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
           "promote_types", "dtype", "issubdtype", "common_type", "min_scalar_type",
           # scalar types
           "bool_", "byte", "ubyte", "short", "ushort", "intc", "uintc", "int_", "uint",
           "long", "ulong", "longlong", "ulonglong", "intp", "uintp", "half", "single",
           "double", "longdouble", "csingle", "cdouble", "clongdouble", "float128",
           "complex256", "generic", "number", "integer", "signedinteger",
           "unsignedinteger", "inexact", "floating", "complexfloating", "typecodes",
           "sctypeDict", "mintypecode", "typename"]

dtype = np.dtype
promote_types = np.promote_types
issubdtype = np.issubdtype
bool_ = np.bool_
byte, ubyte, short, ushort = np.byte, np.ubyte, np.short, np.ushort
intc, uintc, int_, uint = np.intc, np.uintc, np.int_, np.uint
long, ulong, longlong, ulonglong = np.long, np.ulong, np.longlong, np.ulonglong
intp, uintp = np.intp, np.uintp
half, single, double, longdouble = np.half, np.single, np.double, np.longdouble
csingle, cdouble, clongdouble = np.csingle, np.cdouble, np.clongdouble
# platform-dependent in NumPy; absent platforms get longdouble like NumPy's x86-64 build
float128 = getattr(np, "float128", np.longdouble)
complex256 = getattr(np, "complex256", np.clongdouble)
generic, number, integer, inexact = np.generic, np.number, np.integer, np.inexact
signedinteger, unsignedinteger = np.signedinteger, np.unsignedinteger
floating, complexfloating = np.floating, np.complexfloating
typecodes = np.typecodes
sctypeDict = np.sctypeDict
typename = np.typename
mintypecode = np.mintypecode


def astype(x, dtype, /, *, copy=True, device=None):
    """``x`` cast to ``dtype`` with NumPy's (unsafe) casting; ``copy=False`` returns ``x``
    itself when neither dtype nor device change."""
    if isinstance(x, np.generic):
        # NumPy's astype takes its scalars (what trnpy's elements and reductions are) and
        # gives one back; the array API namespace gets a 0-d array
        out = astype(_convert.wrap(np.asarray(x), _convert.CPU), dtype, copy=copy,
                     device=device)
        if out._device is _convert.CPU and not _convert.ZERO_D.get():
            return _convert.np_view(out)[()]
        return out
    if not isinstance(x, TrnArray):
        raise TypeError(f"astype: x must be a trnpy array, not {type(x).__name__}")
    dt = _dtypes.as_dtype(dtype)
    src = x._device
    dev = src if device is None else _resolve_device(device)
    dev.check_dtype(dt)
    if dt == x.dtype:
        # moving to another device copies already; the NumPy backend copies its view
        # (no tensor, so no torch import)
        if not (copy and dev == src):
            out = x
        elif _dispatch.use_numpy(src):
            out = _convert.wrap(_convert.np_view(x).copy(), src)
        else:
            out = TrnArray._new(x._t.clone(), src)
    elif _dispatch.use_numpy(src):
        out = _convert.wrap(_convert.np_view(x).astype(dt), src)
    else:
        out = TrnArray._new(_cast(x._t, x.dtype, dt), src)
    if dev != src:
        out = out.to_device(dev)
    return out


def _cast(t, from_dt, to_dt):
    if from_dt.kind == "c" and to_dt.kind not in "cb":
        # NumPy's warning, not torch's UserWarning
        warnings.warn("Casting complex values to real discards the imaginary part",
                      np.exceptions.ComplexWarning, stacklevel=3)
        t = t.real
    return _tensor.cast_tensor(t, to_dt)


def _as_dtype_arg(x):
    return x.dtype if isinstance(x, TrnArray) else x


def can_cast(from_, to, casting="safe"):
    """NumPy's ``can_cast``; ``from_`` may be a dtype or an array (not a Python scalar)."""
    return np.can_cast(_as_dtype_arg(from_), _as_dtype_arg(to), casting)


class finfo:
    """Machine limits of a floating dtype (or an array's): NumPy's ``finfo`` with the
    limits as Python floats, as the array API asks (NumPy's are NumPy scalars)."""

    def __init__(self, type, /):
        self._info = info = np.finfo(_as_dtype_arg(type))
        self.dtype = info.dtype
        self.bits = info.bits
        for name in ("eps", "max", "min", "smallest_normal", "tiny", "resolution",
                     "epsneg", "smallest_subnormal"):
            setattr(self, name, float(getattr(info, name)))
        for name in ("precision", "iexp", "machep", "maxexp", "minexp", "negep", "nexp",
                     "nmant"):
            setattr(self, name, getattr(info, name))

    def __repr__(self):
        return repr(self._info)


def iinfo(type, /):
    """Machine limits of an integer dtype (or an array's): NumPy's ``iinfo``."""
    return np.iinfo(_as_dtype_arg(type))


def isdtype(dtype, kind):
    """Array API ``isdtype``: is ``dtype`` of ``kind`` (a kind name, a dtype, or a tuple)."""
    return np.isdtype(dtype, kind)


def result_type(*arrays_and_dtypes):
    """NumPy's result dtype; Python scalars are weak (NEP 50)."""
    return _dtypes.result_type(*arrays_and_dtypes)


def _dt_of(x):
    if isinstance(x, TrnArray):
        return x.dtype
    return np.asarray(x).dtype if not isinstance(x, np.ndarray) else x.dtype


def common_type(*arrays):
    """NumPy's ``common_type``: the inexact scalar type common to the arrays' dtypes."""
    return np.common_type(*(np.empty(0, _dt_of(a)) for a in arrays))


def min_scalar_type(a, /):
    """NumPy's ``min_scalar_type`` (a 0-d trnpy array is read as its value)."""
    if isinstance(a, TrnArray):
        a = _convert.host(a) if a.ndim == 0 else np.empty(0, a.dtype)
    return np.min_scalar_type(a)
