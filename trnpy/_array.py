"""TrnArray: a NumPy-like array that wraps (never subclasses) a ``torch.Tensor``.

The object holds the tensor, its :class:`~trnpy._devices.Device` and, for host-resident
data, a cached zero-copy NumPy view. Every operator delegates to the namespace's
functions, so there is one implementation of each op.
"""
from __future__ import annotations

import operator
import warnings

import numpy as np
import torch

from . import _dispatch, _dtypes, _hotpath
from ._devices import CPU, Device, device as _resolve_device

_backend = _dispatch._CPU_BACKEND.get
_host_result = _dispatch.host_result


class DeviceToHostError(TypeError):
    """Raised when NumPy asks for the data of an array that is not on the CPU."""


_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")


class TrnArray(_hotpath.ArrayBase):
    """An n-dimensional array on a trnpy device, with NumPy's ndarray interface.

    Indexing with integers only (``x[0]`` on a 1-d array, ``x[1, 2]`` on a 2-d one) returns
    a **0-d TrnArray** that stays on the array's device, where NumPy returns a NumPy
    scalar. A 0-d array behaves like NumPy's 0-d arrays and scalars in arithmetic and
    comparisons (with Python and NumPy scalars, which are weak / strong per NEP 50),
    ``float(x)``, ``int(x)``, ``complex(x)``, ``bool(x)``, ``operator.index(x)``,
    ``x.item()`` (a Python scalar) and formatting (``f"{x:.3f}"``); like any ndarray it is
    unhashable. Use ``x.item()`` to get a Python number.

    Views: basic slicing, reshape, transpose and friends share memory with their base on
    every device. Negative strides (``x[::-1]``, ``flip``) are views on the CPU's NumPy
    path only until something needs the torch tensor (dlpack, ``to_device``, a torch-path
    op), which then takes a copy; torch-path arrays hold such results as copies.

    NumPy's functions and ufuncs called on TrnArrays (``numpy.mean(x)``,
    ``numpy.add(x, y)``) run in trnpy and return TrnArrays (NEP 13/18); see
    :mod:`trnpy._interop`.
    """
    # _tt: the tensor; _np: zero-copy NumPy view of host data. Results computed by NumPy
    # keep only _np until a tensor is asked for (saves ~0.5 us per small op).
    # (with trnpy._speedups built, its ArrayBase holds these and the hot paths)
    __slots__ = _hotpath.ARRAY_SLOTS
    __array_priority__ = 100

    @classmethod
    def _new(cls, t: torch.Tensor, device: Device) -> "TrnArray":
        self = cls.__new__(cls)
        self._tt = t
        self._device = device
        self._np = None
        return self

    @classmethod
    def _from_numpy(cls, a: np.ndarray, device: Device) -> "TrnArray":
        """Around NumPy data that torch can alias (see ``_dispatch.wrap``)."""
        self = cls.__new__(cls)
        self._tt = None
        self._device = device
        self._np = a
        return self

    @property
    def _t(self) -> torch.Tensor:
        t = self._tt
        if t is None:
            # what torch cannot alias (read-only, negative strides) is copied: from here
            # on this array owns the copy
            self._np, t = _dispatch._torch_compatible(self._np)
            self._tt = t
        return t

    def __init__(self, *args, **kwargs):
        raise TypeError("create arrays with trnpy.asarray / trnpy.array / trnpy.zeros, "
                        "not TrnArray(...)")

    # -- attributes -------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        if self._tt is None:
            return self._np.dtype
        return _dtypes._TORCH_TO_NP[self._tt.dtype]

    @property
    def shape(self) -> tuple:
        if self._tt is None:
            return self._np.shape
        return tuple(self._tt.shape)

    @property
    def ndim(self) -> int:
        if self._tt is None:
            return self._np.ndim
        return self._tt.dim()

    @property
    def size(self) -> int:
        if self._tt is None:
            return self._np.size
        return self._tt.numel()

    @property
    def device(self) -> Device:
        return self._device

    @property
    def T(self):
        return _mod("_manipulation").permute_dims(self, tuple(range(self.ndim))[::-1])

    @property
    def mT(self):
        if self.ndim < 2:
            raise ValueError("mT requires an array with at least 2 dimensions")
        return _mod("_manipulation").swapaxes(self, -1, -2)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._t.numel() * self.dtype.itemsize

    @property
    def strides(self) -> tuple:
        """Byte strides, as NumPy's (torch's strides count elements)."""
        n = self.dtype.itemsize
        if self._np is not None:
            return self._np.strides
        if self._t.numel() == 0:
            return (0,) * self.ndim       # NumPy's strides for a new empty array
        return tuple(s * n for s in self._t.stride())

    def to_device(self, device, /, *, stream=None):
        if stream is not None:
            raise NotImplementedError("trnpy.to_device does not take a stream")
        dev = _resolve_device(device)
        if dev == self._device:
            return self
        dev.check_dtype(self.dtype)
        return TrnArray._new(self._t.to(dev.torch_device), dev)

    def __array_namespace__(self, /, *, api_version=None):
        if api_version is not None and api_version not in _API_VERSIONS:
            raise ValueError(f"unsupported array API version {api_version!r}; "
                             f"trnpy implements {', '.join(_API_VERSIONS)}")
        import trnpy
        return trnpy

    # -- NumPy ndarray methods ----------------------------------------------------
    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True, *,
               device=None):
        if order not in ("K", "A", "C"):
            raise NotImplementedError(f"astype: order={order!r} is not supported")
        if casting != "unsafe" and not np.can_cast(self.dtype, dtype, casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to "
                            f"{np.dtype(dtype)!r} according to the rule {casting!r}")
        return _mod("_data_types").astype(self, dtype, copy=copy, device=device)

    def copy(self, order="C"):
        if order not in ("K", "A", "C"):
            raise NotImplementedError(f"copy: order={order!r} is not supported")
        return TrnArray._new(self._t.clone(memory_format=torch.contiguous_format),
                             self._device)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def item(self, *args):
        return _dispatch.host(self).item(*args)

    def tolist(self):
        return _dispatch.host(self).tolist()

    def tobytes(self, order="C"):
        return _dispatch.host(self).tobytes(order)

    # shape
    def reshape(self, *shape, order="C", copy=None):
        if not shape:
            raise TypeError("reshape() takes exactly 1 argument (0 given)")
        if len(shape) == 1 and (shape[0] is None or isinstance(shape[0], (tuple, list))):
            shape = shape[0]
        return _ns().reshape(self, shape, order=order, copy=copy)

    def ravel(self, order="C"):
        return _ns().ravel(self, order=order)

    def flatten(self, order="C"):
        return _ns().reshape(self, (-1,), order=order, copy=True)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _ns().transpose(self, tuple(axes) if axes else None)

    def swapaxes(self, axis1, axis2):
        return _ns().swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _ns().squeeze(self, axis=axis)

    def repeat(self, repeats, axis=None):
        return _ns().repeat(self, repeats, axis=axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _ns().diagonal(self, offset, axis1, axis2)

    # reductions
    def sum(self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        return _ns().sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                         initial=_none(initial), where=where)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        return _ns().prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                          initial=_none(initial), where=where)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
        return _ns().mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                          where=where)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
            mean=None, correction=None):
        return _ns().std(self, axis=axis, dtype=dtype, out=out,
                         ddof=None if correction is not None else ddof, keepdims=keepdims,
                         where=where, mean=_none(mean), correction=correction)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
            mean=None, correction=None):
        return _ns().var(self, axis=axis, dtype=dtype, out=out,
                         ddof=None if correction is not None else ddof, keepdims=keepdims,
                         where=where, mean=_none(mean), correction=correction)

    def min(self, axis=None, out=None, keepdims=False, initial=None, where=True):
        return _ns().min(self, axis=axis, out=out, keepdims=keepdims,
                         initial=_none(initial), where=where)

    def max(self, axis=None, out=None, keepdims=False, initial=None, where=True):
        return _ns().max(self, axis=axis, out=out, keepdims=keepdims,
                         initial=_none(initial), where=where)

    def argmin(self, axis=None, out=None, *, keepdims=False):
        return _ns().argmin(self, axis=axis, out=out, keepdims=keepdims)

    def argmax(self, axis=None, out=None, *, keepdims=False):
        return _ns().argmax(self, axis=axis, out=out, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _ns().cumsum(self, axis=axis, dtype=dtype, out=out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return _ns().cumprod(self, axis=axis, dtype=dtype, out=out)

    def all(self, axis=None, out=None, keepdims=False, *, where=True):
        return _ns().all(self, axis=axis, out=out, keepdims=keepdims, where=where)

    def any(self, axis=None, out=None, keepdims=False, *, where=True):
        return _ns().any(self, axis=axis, out=out, keepdims=keepdims, where=where)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return _ns().trace(self, offset, axis1, axis2, dtype, out)

    # elementwise
    def clip(self, min=None, max=None, out=None, **kwargs):
        kw = dict(kwargs)
        if min is not None:
            kw["min"] = min
        if max is not None:
            kw["max"] = max
        return _ns().clip(self, out=out, **kw)

    def round(self, decimals=0, out=None):
        return _ns().round(self, decimals, out)

    def conj(self):
        return _ns().conj(self)

    conjugate = conj

    @property
    def real(self):
        return _ns().real(self)

    @real.setter
    def real(self, value):
        _ns().real(self)[...] = value

    @property
    def imag(self):
        return _ns().imag(self)

    @imag.setter
    def imag(self, value):
        if self.dtype.kind != "c":
            raise TypeError("array does not have imaginary part to set")
        _ns().imag(self)[...] = value

    def dot(self, b, out=None):
        return _ns().dot(self, b, out=out)

    # sorting, searching, indexing
    def sort(self, axis=-1, kind=None, order=None, *, stable=None):
        """Sort in place (NumPy's ``ndarray.sort``)."""
        if self.ndim == 0:
            from numpy.exceptions import AxisError
            raise AxisError("axis -1 is out of bounds for array of dimension 0")
        self[...] = _ns().sort(self, axis=axis, kind=kind, order=order, stable=stable)

    def argsort(self, axis=-1, kind=None, order=None, *, stable=None):
        return _ns().argsort(self, axis=axis, kind=kind, order=order, stable=stable)

    def nonzero(self):
        return _ns().nonzero(self)

    def searchsorted(self, v, side="left", sorter=None):
        return _ns().searchsorted(self, v, side=side, sorter=sorter)

    def take(self, indices, axis=None, out=None, mode="raise"):
        return _ns().take(self, indices, axis=axis, out=out, mode=mode)

    def put(self, indices, values, mode="raise"):
        return _ns().put(self, indices, values, mode=mode)

    def fill(self, value):
        self[...] = value

    def view(self, dtype=None, type=None):
        if type is not None or (isinstance(dtype, builtins_type) and issubclass(dtype, np.ndarray)):
            raise NotImplementedError("TrnArray.view: type= (an ndarray subclass) is not "
                                      "supported")
        if dtype is None:
            return TrnArray._new(self._t, self._device)
        dt = _dtypes.as_dtype(dtype)
        self._device.check_dtype(dt)
        try:
            t = self._t.view(_dtypes.to_torch(dt))
        except RuntimeError as e:
            if self.ndim == 0:
                raise ValueError("Changing the dtype of a 0d array is only supported if "
                                 "the itemsize is unchanged") from None
            raise ValueError("To change to a dtype of a different size, the last axis "
                             f"must be contiguous ({e})") from None
        return TrnArray._new(t, self._device)

    @property
    def flat(self):
        from ._interop import FlatIter
        return FlatIter(self)

    @flat.setter
    def flat(self, value):
        from ._interop import FlatIter
        FlatIter(self)[...] = value

    @property
    def flags(self):
        from ._interop import Flags
        return Flags(self)

    def __contains__(self, value):
        return bool(_ns().any(_ns().equal(self, value)))

    def __round__(self, ndigits=None):
        # NumPy scalars' rule (ndarray has no __round__): round(x) -> int, round(x, n) -> array
        if ndigits is None:
            if self.ndim != 0:
                raise TypeError("round() without ndigits needs a 0-d array (use x.round())")
            return round(_dispatch.host(self)[()])
        return _ns().round(self, ndigits)

    def __divmod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _ns().divmod(self, other)

    def __rdivmod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _ns().divmod(other, self)

    # -- NumPy's dispatch protocols (NEP 13, NEP 18, NEP 35) ----------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from ._interop import array_ufunc
        return array_ufunc(self, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from ._interop import array_function
        return array_function(self, func, types, args, kwargs)

    # -- interop --------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        if self._device is not CPU:
            raise DeviceToHostError(
                f"this array lives on {self._device}; NumPy cannot read it in place. "
                "Copy it to the host explicitly with trnpy.asnumpy(x) "
                "(or x.to_device('cpu')).")
        a = _dispatch.np_view(self)
        if dtype is not None and np.dtype(dtype) != a.dtype:
            if copy is False:
                raise ValueError("converting the dtype needs a copy, but copy=False")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        kw = {}
        if max_version is not None:
            kw["max_version"] = max_version
        if dl_device is not None:
            kw["dl_device"] = dl_device
        if copy is not None:
            kw["copy"] = copy
        return self._t.__dlpack__(stream=stream, **kw) if stream is not None else \
            self._t.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._t.__dlpack_device__()

    def __reduce__(self):
        return (_unpickle, (_dispatch.host(self).copy(), self._device))

    # -- printing -------------------------------------------------------------
    def __repr__(self):
        r = repr(_dispatch.host(self))
        if self._device is not CPU:
            r = r[:-1] + f", device='{self._device}')"
        return r

    def __str__(self):
        return str(_dispatch.host(self))

    def __format__(self, spec):
        return format(_dispatch.host(self)[()] if self.ndim == 0 else _dispatch.host(self), spec)

    # -- Python protocol conversions (through NumPy for its exact rules) -----------
    def _scalar(self):
        return _dispatch.host(self)

    def __bool__(self):
        return bool(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def __float__(self):
        return float(self._scalar())

    def __complex__(self):
        return complex(self._scalar())

    def __index__(self):
        return operator.index(self._scalar())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._t.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._t.shape[0]))

    # -- indexing ---------------------------------------------------------------
    def __getitem__(self, key):
        # hot path: a host array with its NumPy view indexed by another (NumPy's rules)
        if (type(key) is TrnArray and (v := self._np) is not None
                and (k := key._np) is not None and self._device is CPU is key._device
                and _backend() == "numpy"):
            return _host_result(v[k])
        return _mod("_indexing").getitem(self, key)

    def __setitem__(self, key, value):
        _mod("_indexing").setitem(self, key, value)


builtins_type = type


def _none(v):
    """NumPy's ``np._NoValue`` default as trnpy's None."""
    return None if v is np._NoValue else v


def _unpickle(data: np.ndarray, device: Device):
    try:
        if device.emulated:
            dev = Device(device.kind, device.index, emulated=True)
        else:
            dev = _resolve_device(str(device)) if device.kind != "cpu" else CPU
    except (RuntimeError, ValueError) as e:
        warnings.warn(f"array was pickled on {device}, which is not available here ({e}); "
                      "unpickling it on the CPU", RuntimeWarning, stacklevel=2)
        dev = CPU
    out = _dispatch.wrap(data, CPU)
    return out if dev is CPU else out.to_device(dev)


_MODULES = {}


def _ns():
    import sys
    return sys.modules["trnpy"]


def _mod(name):
    m = _MODULES.get(name)
    if m is None:
        import importlib
        m = _MODULES[name] = importlib.import_module(f"trnpy.{name}")
    return m


# -- operators: each one is a namespace function --------------------------------------
def _binary(fname, reflected=False):
    f = None

    def op(self, other):
        nonlocal f
        if type(other) is TrnArray or _is_operand(other):
            if f is None:
                f = getattr(_ns(), fname)
            return f(other, self) if reflected else f(self, other)
        return NotImplemented
    op.__name__ = fname
    return op


def _inplace(fname):
    def op(self, other):
        if not _is_operand(other):
            return NotImplemented
        getattr(_ns(), fname)(self, other, out=self)
        return self
    op.__name__ = fname
    return op


def _unary(fname):
    def op(self):
        return getattr(_ns(), fname)(self)
    op.__name__ = fname
    return op


def _is_operand(x):
    return isinstance(x, (TrnArray, bool, int, float, complex, np.ndarray, np.generic, list, tuple))


for _dunder, _fname in _hotpath.BINARY_OPS:
    setattr(TrnArray, f"__{_dunder}__", _binary(_fname))
    setattr(TrnArray, f"__r{_dunder}__", _binary(_fname, reflected=True))
    setattr(TrnArray, f"__i{_dunder}__", _inplace(_fname))

for _dunder, _fname in _hotpath.COMPARISONS:
    setattr(TrnArray, f"__{_dunder}__", _binary(_fname))


def _pow(power):
    def __pow__(self, other):
        # ndarray.__pow__ squares for a Python-int exponent 2, which NumPy's promotion
        # makes int8 (not power's int64) for bool arrays
        if type(other) is int and other == 2 and self.dtype == np.bool_:
            return _ns().square(self)
        return power(self, other)
    return __pow__


TrnArray.__pow__ = _pow(TrnArray.__pow__)

for _dunder, _fname in [("neg", "negative"), ("pos", "positive"), ("abs", "abs"),
                        ("invert", "bitwise_invert")]:
    setattr(TrnArray, f"__{_dunder}__", _unary(_fname))

TrnArray.__hash__ = None  # mutable, like ndarray

_new = TrnArray.__new__
_dispatch._ARRAY_CLS = TrnArray
_dispatch._new_array = _new
