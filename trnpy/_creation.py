"""Creation functions. ``asarray`` is the one door from outside data into a TrnArray."""
from __future__ import annotations

import builtins

import numpy as np
import torch

from . import _dispatch, _dtypes
from ._array import TrnArray
from ._devices import CPU, device as _resolve_device, get_default_device

__all__ = ["asarray", "array", "from_dlpack", "asnumpy"]


def _target_device(device):
    return get_default_device() if device is None else _resolve_device(device)


def _default_float_cast(arr: np.ndarray, dev) -> np.ndarray:
    """Python floats/complexes take the device's default dtype (float32 on neuron)."""
    if arr.dtype.kind == "f" and arr.dtype != dev.default_dtype("real floating"):
        return arr.astype(dev.default_dtype("real floating"))
    if arr.dtype.kind == "c" and arr.dtype != dev.default_dtype("complex floating"):
        return arr.astype(dev.default_dtype("complex floating"))
    return arr


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
            x = TrnArray._new(_dispatch.cast_tensor(x._t, dtype), x._device)
            copy = False
        if dev != x._device:
            if copy is False:
                raise ValueError("asarray: moving to another device needs a copy, but copy=False")
            x = x.to_device(dev)
            copy = False
        if copy:
            x = TrnArray._new(x._t.clone(), x._device)
        return x
    dev = _target_device(device)
    if isinstance(obj, torch.Tensor):
        t = obj.detach()
        if dtype is not None:
            dev.check_dtype(dtype)
            t2 = _dispatch.cast_tensor(t, dtype)
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
        _dtypes.from_torch(t.dtype)  # raises for dtypes trnpy lacks
        dev.check_dtype(_dtypes.from_torch(t.dtype))
        return TrnArray._new(t, dev)
    if _contains_trnarray(obj):
        obj = _nested_to_host(obj)
    elif not isinstance(obj, (np.ndarray, np.generic)) and hasattr(obj, "__dlpack__") \
            and not isinstance(obj, (builtins.bool, builtins.int, builtins.float, builtins.complex)):
        return asarray(from_dlpack(obj), dtype=dtype, device=dev, copy=copy)
    is_np = isinstance(obj, np.ndarray)
    if copy is False and not is_np and not hasattr(obj, "__array__") \
            and not hasattr(obj, "__array_interface__") and not isinstance(obj, memoryview):
        raise ValueError("asarray: converting a Python object needs a copy, but copy=False")
    arr = np.array(obj, dtype=dtype) if copy is True else np.asarray(obj, dtype=dtype)
    if arr.dtype.kind in "OUSVMm":
        raise TypeError(f"trnpy cannot hold {arr.dtype} data (from {type(obj).__name__})")
    if dtype is None and not isinstance(obj, (np.ndarray, np.generic)) \
            and not hasattr(obj, "__array__"):
        arr = _default_float_cast(arr, dev)
    dt = _dtypes.as_dtype(arr.dtype)
    dev.check_dtype(dt)
    if copy is False and is_np and arr is not obj:
        raise ValueError("asarray: a copy is needed, but copy=False")
    if dev is CPU or dev.torch_device.type == "cpu":
        if copy is False and (not arr.flags.writeable or any(s < 0 for s in arr.strides)
                              or not arr.dtype.isnative):
            raise ValueError("asarray: this NumPy array cannot be shared without a copy")
        out = _dispatch.wrap(arr, CPU)
        if dev is not CPU:
            out._device = dev
            out._np = None
        return out
    if copy is False:
        raise ValueError(f"asarray: moving host data to {dev} needs a copy, but copy=False")
    host = _dispatch.wrap(np.ascontiguousarray(arr), CPU)
    return TrnArray._new(host._t.to(dev.torch_device), dev)


def _nested_to_host(obj):
    if isinstance(obj, TrnArray):
        return _dispatch.host(obj)
    if isinstance(obj, (list, tuple)):
        return [_nested_to_host(o) for o in obj]
    return obj


def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, like=None,
          device=None):
    """NumPy's ``array``: copies by default."""
    if order not in ("K", "A", "C", None) or subok or like is not None:
        raise NotImplementedError("trnpy.array: order='F', subok=True and like= are not supported")
    out = asarray(object, dtype=dtype, device=device, copy=copy if copy is not True else True)
    if ndmin > out.ndim:
        out = TrnArray._new(out._t.reshape((1,) * (ndmin - out.ndim) + tuple(out._t.shape)),
                            out._device)
    return out


def from_dlpack(x, /, *, device=None, copy=None):
    """Array API ``from_dlpack``: zero-copy where producer and device allow."""
    if isinstance(x, TrnArray):
        return asarray(x, device=device, copy=copy)
    kw = {}
    if copy is not None:
        kw["copy"] = copy
    t = torch.from_dlpack(x, **kw)
    dev = _resolve_device(t.device) if device is None else _resolve_device(device)
    return asarray(t, device=dev, copy=None if copy is None else copy)


def asnumpy(x, /) -> np.ndarray:
    """Copy any array (any device) into a NumPy array on the host (CuPy's ``asnumpy``)."""
    if isinstance(x, TrnArray):
        return _dispatch.host(x).copy()
    return np.asarray(x)
