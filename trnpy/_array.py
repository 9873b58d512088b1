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

from . import _dispatch, _dtypes
from ._devices import CPU, Device, device as _resolve_device


class DeviceToHostError(TypeError):
    """Raised when NumPy asks for the data of an array that is not on the CPU."""


_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")


class TrnArray:
    __slots__ = ("_t", "_device", "_np", "__weakref__")
    __array_priority__ = 100

    @classmethod
    def _new(cls, t: torch.Tensor, device: Device) -> "TrnArray":
        self = object.__new__(cls)
        self._t = t
        self._device = device
        self._np = None
        return self

    def __init__(self, *args, **kwargs):
        raise TypeError("create arrays with trnpy.asarray / trnpy.array / trnpy.zeros, "
                        "not TrnArray(...)")

    # -- attributes -------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        return _dtypes._TORCH_TO_NP[self._t.dtype]

    @property
    def shape(self) -> tuple:
        return tuple(self._t.shape)

    @property
    def ndim(self) -> int:
        return self._t.dim()

    @property
    def size(self) -> int:
        return self._t.numel()

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
        return _mod("_indexing").getitem(self, key)

    def __setitem__(self, key, value):
        _mod("_indexing").setitem(self, key, value)


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
    def op(self, other):
        if not _is_operand(other):
            return NotImplemented
        f = getattr(_ns(), fname)
        return f(other, self) if reflected else f(self, other)
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


for _dunder, _fname in [
        ("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
        ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"),
        ("matmul", "matmul"), ("and", "bitwise_and"), ("or", "bitwise_or"),
        ("xor", "bitwise_xor"), ("lshift", "left_shift"), ("rshift", "right_shift")]:
    setattr(TrnArray, f"__{_dunder}__", _binary(_fname))
    setattr(TrnArray, f"__r{_dunder}__", _binary(_fname, reflected=True))
    setattr(TrnArray, f"__i{_dunder}__", _inplace(_fname))

for _dunder, _fname in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                        ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")]:
    setattr(TrnArray, f"__{_dunder}__", _binary(_fname))

for _dunder, _fname in [("neg", "negative"), ("pos", "positive"), ("abs", "abs"),
                        ("invert", "bitwise_invert")]:
    setattr(TrnArray, f"__{_dunder}__", _unary(_fname))

TrnArray.__hash__ = None  # mutable, like ndarray
