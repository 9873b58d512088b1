"""Conversion to and from TrnArray: the one door from outside data into the array object
(``asarray``, ``as_array``), the wrappers around NumPy results and tensors, and the host
views. Core layer: imports only the array object and what is below it."""
from __future__ import annotations

import builtins
import contextvars

import numpy as np
from . import _torch
from ._torch import torch

from . import _dtypes, _tensor
from ._array import TrnArray, host, np_view  # noqa: F401 (np_view re-exported)
from ._devices import CPU, Device, device as _resolve_device, get_default_device

_NEW = TrnArray.__new__

#: True inside the array API namespace's functions (``x.__array_namespace__()``): the
#: standard has no scalars, and SciPy's array-API code cannot mix NumPy scalars with
#: trnpy arrays, so there elements and reductions stay 0-d arrays.
ZERO_D = contextvars.ContextVar("trnpy_zero_d", default=False)


def wrap(data, device: Device):
    """TrnArray around a NumPy result (CPU) or a torch tensor (any device)."""
    if type(data) is np.ndarray:
        if data.dtype.char not in _tensor.ALIASABLE:
            data = _tensor.host_compatible(data)
        # the tensor is made on first use (TrnArray._t): negative strides become reversed
        # dims of a tensor view, a read-only buffer is copied
        out = _NEW(TrnArray)
        out._tt = None
        out._device = device
        out._np = data
        out._fl = None
        return out
    if _torch.is_tensor(data):
        return TrnArray._new(data, device)
    if isinstance(data, np.generic) and device is CPU and not ZERO_D.get():
        return data       # NumPy gave a scalar: a value that never aliases, as NumPy's
    return wrap(np.asarray(data), device)


def scalar(t, device: Device):
    """An element or a full reduction (0-d tensor ``t``) as NumPy gives it: on the CPU
    NumPy's scalar (a value: hashable, never a view of the array); on other devices a 0-d
    array that owns its data (a copy, as CuPy gives), so later writes to the array do not
    show in it."""
    if device is CPU and not ZERO_D.get():
        return np_view(TrnArray._new(t, device))[()]
    return TrnArray._new(t.clone() if t._base is not None else t, device)


# torch dtype -> a maker of the NumPy scalar from .item()'s Python value, for the dtypes
# torch and NumPy share (filled on the first reduction: torch is in by then). Adding the
# value to the dtype's exact identity (0, or -0.0 so that a -0.0 stays -0.0) is exact and
# four times faster than calling the scalar type.
_SCALAR = {}
_ZERO_D = ZERO_D.get


def _scalar_type(td):
    if not _SCALAR:
        _SCALAR.update({torch.float64: np.float64, torch.bool: np.bool_})
        for t, n in ((torch.float32, np.float32(-0.0)), (torch.complex64, np.complex64(
                complex(-0.0, -0.0))), (torch.complex128, np.complex128(complex(-0.0, -0.0))),
                     (torch.int64, np.int64(0)), (torch.int32, np.int32(0)),
                     (torch.int16, np.int16(0)), (torch.int8, np.int8(0)),
                     (torch.uint8, np.uint8(0))):
            _SCALAR[t] = n.__add__
    return _SCALAR.get(td)


def reduced(t, device: Device):
    """A reduction's result tensor: a 0-d one on the CPU is NumPy's scalar, as NumPy
    returns it (:func:`scalar`); anything else a TrnArray."""
    if device is CPU and not _ZERO_D() and t.dim() == 0:
        sc = _SCALAR.get(t.dtype) or _scalar_type(t.dtype)
        if sc is not None:
            # .item() is exact for these dtypes (a double holds every float32, a Python
            # int every integer) and costs a quarter of .numpy()[()]
            return sc(t.item())
        return np_view(TrnArray._new(t, device))[()]
    return TrnArray._new(t, device)


def host_result(r):
    """CPU TrnArray around the NumPy result of an op on host arrays: :func:`wrap` without
    its checks, for the hot paths. NumPy's ufuncs and indexing give native arrays of
    trnpy's dtypes for operands of trnpy's dtypes; a NumPy scalar (0-d result) goes the
    long way: a 0-d array (arithmetic on 0-d arrays gives 0-d arrays, as the array API
    has it; NumPy gives scalars. Elements and reductions are values: :func:`wrap`)."""
    if type(r) is np.ndarray:
        out = _NEW(TrnArray)
        out._tt = None
        out._device = CPU
        out._np = r
        out._fl = None
        return out
    return wrap(np.asarray(r), CPU)


def same_device(*arrays) -> Device:
    """The common device of ``arrays``; mixing devices raises ``ValueError`` naming both."""
    dev = None
    for a in arrays:
        d = getattr(a, "_device", None)
        if d is None:
            continue
        if dev is None:
            dev = d
        elif d != dev:
            raise ValueError(f"arrays are on different devices: {dev} and {d}; "
                             "move one explicitly with .to_device()")
    return dev


_PY_SCALARS = (builtins.bool, builtins.int, builtins.float, builtins.complex)


def target_device(device):
    return get_default_device() if device is None else _resolve_device(device)


def is_py_scalar(x) -> bool:
    return isinstance(x, _PY_SCALARS) and not isinstance(x, np.generic)


def _default_float_cast(arr: np.ndarray, dev) -> np.ndarray:
    """Python floats/complexes (float64/complex128 in NumPy) take the device's default."""
    if arr.dtype == np.float64 and dev.default_dtype("real floating") != arr.dtype:
        return arr.astype(dev.default_dtype("real floating"))
    if arr.dtype == np.complex128 and dev.default_dtype("complex floating") != arr.dtype:
        return arr.astype(dev.default_dtype("complex floating"))
    return arr


def device_default(dt: np.dtype, dev) -> np.dtype:
    """NumPy's default float64/complex128 result becomes the device's default."""
    if dt == np.float64:
        return dev.default_dtype("real floating")
    if dt == np.complex128:
        return dev.default_dtype("complex floating")
    return dt


def _contains_trnarray(obj) -> bool:
    if isinstance(obj, TrnArray):
        return True
    if isinstance(obj, (list, tuple)) and obj:
        return _contains_trnarray(obj[0])
    return False


def asarray(obj, /, dtype=None, device=None, copy=None):
    """Convert ``obj`` to a TrnArray (array API ``asarray``; zero-copy for CPU NumPy data)."""
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    if isinstance(obj, TrnArray):
        dev = obj._device if device is None else _resolve_device(device)
        x = obj
        if dtype is not None and dtype != x.dtype:
            if copy is False:
                raise ValueError("asarray: casting to another dtype needs a copy, but copy=False")
            dev.check_dtype(dtype)
            x = TrnArray._new(_tensor.cast_tensor(x._t, dtype), x._device)
            copy = False
        if dev != x._device:
            if copy is False:
                raise ValueError("asarray: moving to another device needs a copy, but copy=False")
            x = x.to_device(dev)
            copy = False
        if copy:
            x = TrnArray._new(x._t.clone(), x._device)
        return x
    dev = target_device(device)
    if _torch.is_tensor(obj):
        t = obj.detach()
        _dtypes.as_dtype(t.dtype)  # TypeError for dtypes trnpy lacks (bfloat16, ...)
        if dtype is not None:
            dev.check_dtype(dtype)
            t2 = _tensor.cast_tensor(t, dtype)
            if t2 is not t and copy is False:
                raise ValueError("asarray: casting needs a copy, but copy=False")
            copy = copy and t2 is t
            t = t2
        if t.device != dev.torch_device:
            if copy is False:
                raise ValueError("asarray: moving to another device needs a copy, but copy=False")
            t = t.to(dev.torch_device)
        elif copy:
            t = t.clone()
        dev.check_dtype(_dtypes.from_torch(t.dtype))
        return TrnArray._new(t, dev)
    if _contains_trnarray(obj):
        obj = _nested_to_host(obj)
    elif not isinstance(obj, (np.ndarray, np.generic)) and hasattr(obj, "__dlpack__") \
            and not isinstance(obj, _PY_SCALARS):
        return asarray(from_dlpack(obj), dtype=dtype, device=dev, copy=copy)
    is_np = isinstance(obj, np.ndarray)
    if copy is False and not is_np and (isinstance(obj, np.generic) or (
            not hasattr(obj, "__array__") and not hasattr(obj, "__array_interface__")
            and not isinstance(obj, memoryview))):
        raise ValueError("asarray: converting a Python or NumPy scalar/sequence needs a copy, "
                         "but copy=False")
    arr = np.array(obj, dtype=dtype) if copy is True else np.asarray(obj, dtype=dtype)
    if arr.dtype.kind in "OUSVMm":
        raise TypeError(f"trnpy cannot hold {arr.dtype} data (from {type(obj).__name__})")
    if dtype is None and not isinstance(obj, (np.ndarray, np.generic)) \
            and not hasattr(obj, "__array__"):
        arr = _default_float_cast(arr, dev)
    dt = _dtypes.as_dtype(arr.dtype)
    dev.check_dtype(dt)
    if dt.char != arr.dtype.char:
        arr = arr.view(dt)
    if copy is False and is_np and arr is not obj:
        raise ValueError("asarray: a copy is needed, but copy=False")
    if dev is CPU or dev.torch_device.type == "cpu":
        if copy is False and (not arr.flags.writeable or any(s < 0 for s in arr.strides)
                              or not arr.dtype.isnative):
            raise ValueError("asarray: this NumPy array cannot be shared without a copy")
        if not arr.flags.writeable:
            # torch cannot alias read-only memory safely (and warns); trnpy arrays are writable
            arr = arr.copy()
        out = wrap(arr, CPU)
        # host-resident devices (the emulated neuron) share the tensor, not the CPU label
        return out if dev is CPU else TrnArray._new(out._t, dev)
    if copy is False:
        raise ValueError(f"asarray: moving host data to {dev} needs a copy, but copy=False")
    host = wrap(np.require(arr, requirements="C"), CPU)
    return TrnArray._new(host._t.to(dev.torch_device), dev)


def _nested_to_host(obj):
    if isinstance(obj, TrnArray):
        return host(obj)
    if isinstance(obj, (list, tuple)):
        return [_nested_to_host(o) for o in obj]
    return obj


def from_dlpack(x, /, *, device=None, copy=None):
    """Array API ``from_dlpack``: zero-copy where producer and device allow."""
    if isinstance(x, TrnArray):
        return asarray(x, device=device, copy=copy)
    kw = {}
    if copy is not None:
        kw["copy"] = copy
    t = torch.from_dlpack(x, **kw)
    dev = _resolve_device(t.device) if device is None else _resolve_device(device)
    if copy is False and dev.torch_device != t.device:
        raise BufferError(f"from_dlpack: moving the data to {dev} needs a copy, "
                          "but copy=False")
    # torch has already made the copy that copy=True asks for
    return asarray(t, device=dev, copy=False if copy is False else None)


def as_array(x, device=None) -> TrnArray:
    """``x`` as a TrnArray: TrnArrays as they are, anything else through :func:`asarray`
    onto ``device`` (default: the default device)."""
    if type(x) is TrnArray:
        return x
    return asarray(x, device=device)


def as_arrays(*xs, device=None, optional=()):
    """``xs`` as TrnArrays on their common device (non-arrays converted onto it); returns
    (arrays, device). ``None`` stays None at the positions in ``optional`` (omitted
    optional arrays); elsewhere it is refused as NumPy's object data (TypeError)."""
    dev = same_device(*xs) or device or get_default_device()
    return [None if x is None and i in optional else as_array(x, dev)
            for i, x in enumerate(xs)], dev


def refuse_big_int(v):
    """A Python int beyond 64 bits is NumPy's object data, which trnpy does not hold:
    the TypeError of :func:`asarray` (where NumPy's own call also fails on it)."""
    if type(v) is builtins.int and not -2 ** 63 <= v < 2 ** 64:
        asarray(v)


def as_operands(args):
    """Operands of an elementwise function: TrnArrays stay, Python scalars stay (weak, NEP
    50), everything else becomes a TrnArray on the operands' common device. Returns
    (operands, device)."""
    dev = same_device(*args) or get_default_device()
    return [a if isinstance(a, TrnArray) or is_py_scalar(a) else asarray(a, device=dev)
            for a in args], dev
