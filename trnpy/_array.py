"""TrnArray: a NumPy-like array that wraps (never subclasses) a ``torch.Tensor``.

The object holds the tensor (made on first need: host data may hold only its NumPy
array), its :class:`~trnpy._devices.Device` and, for host-resident data, a zero-copy NumPy
view. It computes nothing: its NumPy methods and operators are the namespace's functions,
attached from above by ``trnpy/_array_methods.py``, so each op has one implementation.
"""
from __future__ import annotations

import builtins
import gc
import operator
import warnings

import numpy as np
from ._torch import torch

from . import _dtypes, _hotpath, _tensor
from ._devices import CPU, Device, device as _resolve_device



class DeviceToHostError(TypeError):
    """Raised when NumPy asks for the data of an array that is not on the CPU."""


class TrnArray(_hotpath.ArrayBase):
    """An n-dimensional array on a trnpy device, with NumPy's ndarray interface.

    Elements are values: indexing with integers only (``x[0]``, ``x[1, 2]``), iterating a
    1-d array, ``x.flat[i]`` and full reductions (``x.sum()``, ``nanmax``, ``argmax``,
    ``median``, ...) give NumPy's scalar on the CPU, exactly as NumPy does, and on other
    devices a 0-d TrnArray that owns its data (a copy, as CuPy gives); neither changes
    when the array is written later. Arithmetic and ufuncs on 0-d arrays give 0-d arrays
    (NumPy gives scalars there), and ``x.__array_namespace__()`` is ``trnpy.array_api``,
    the same functions with 0-d arrays for values, as the array API standard has it, so
    array-API code (SciPy) never mixes NumPy scalars with trnpy arrays. A 0-d array
    behaves like NumPy's 0-d arrays in arithmetic and comparisons (NEP 50),
    ``float(x)``, ``int(x)``, ``operator.index(x)``, ``x.item()`` and formatting; like any
    ndarray it is unhashable.

    Views: basic slicing (negative steps included), ``flip``, reshape, transpose and
    friends share memory with their base on every device. Torch has no negative strides:
    such a view holds a positive-stride tensor of the base's memory and the dims that are
    reversed (``_fl``); reading it for a torch op takes a reversed copy, writes go to the
    mirrored positions (:func:`assign`, the indexing module's setitem).

    NumPy's functions and ufuncs called on TrnArrays (``numpy.mean(x)``,
    ``numpy.add(x, y)``) run in trnpy and return TrnArrays (NEP 13/18); see
    :mod:`trnpy._numpy_protocols`.
    """
    # _tt: the tensor; _np: zero-copy NumPy view of host data. Results computed by NumPy
    # keep only _np until a tensor is asked for (saves ~0.5 us per small op).
    # _fl: None, or (tensor, dims) for data with reversed dims (then _tt is None, so every
    # fast path that takes _tt falls back to _t, and _np, on the CPU, is the NumPy view).
    # (with trnpy._speedups built, its ArrayBase holds these and the hot paths)
    __slots__ = _hotpath.ARRAY_SLOTS
    __array_priority__ = 100

    @classmethod
    def _new(cls, t: torch.Tensor, device: Device) -> "TrnArray":
        self = cls.__new__(cls)
        self._tt = t
        self._device = device
        self._np = None
        self._fl = None
        self._base = None
        return self

    @classmethod
    def _flipped(cls, t: torch.Tensor, dims, device: Device) -> "TrnArray":
        """The view of tensor ``t`` with ``dims`` reversed (``t`` itself when none)."""
        if not dims:
            return cls._new(t, device)
        self = cls.__new__(cls)
        self._tt = None
        self._device = device
        dims = tuple(sorted(dims))
        self._np = np.flip(t.numpy(), dims) if t.device.type == "cpu" else None
        self._fl = (t, dims)
        self._base = None
        return self

    @classmethod
    def _from_numpy(cls, a: np.ndarray, device: Device) -> "TrnArray":
        """Around NumPy data that torch can alias (see wrap in the conversion module)."""
        self = cls.__new__(cls)
        self._tt = None
        self._device = device
        self._np = a
        self._fl = None
        self._base = None
        return self

    @property
    def _t(self) -> torch.Tensor:
        t = self._tt
        if t is None:
            f = self._fl
            if f is None:
                # a read-only buffer, which torch cannot alias, is copied: from here on
                # this array owns the copy
                self._np, t, dims = _tensor.torch_view(self._np)
                if not dims:
                    self._tt = t
                    return t
                f = self._fl = (t, dims)
            return _tensor.flip(*f)      # reversed dims: a copy to compute on
        return t

    def __init__(self, *args, **kwargs):
        raise TypeError("create arrays with trnpy.asarray / trnpy.array / trnpy.zeros, "
                        "not TrnArray(...)")

    # -- attributes -------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        t = self._tt
        if t is None:
            if self._np is not None:
                return self._np.dtype
            t = self._fl[0]
        return _dtypes._TORCH_TO_NP[t.dtype]

    @property
    def shape(self) -> tuple:
        t = self._tt
        if t is None:
            if self._np is not None:
                return self._np.shape
            t = self._fl[0]
        return tuple(t.shape)

    @property
    def ndim(self) -> int:
        t = self._tt
        if t is None:
            if self._np is not None:
                return self._np.ndim
            t = self._fl[0]
        return t.dim()

    @property
    def size(self) -> int:
        t = self._tt
        if t is None:
            if self._np is not None:
                return self._np.size
            t = self._fl[0]
        return t.numel()

    @property
    def device(self) -> Device:
        return self._device

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def strides(self) -> tuple:
        """Byte strides, as NumPy's (torch's strides count elements)."""
        n = self.dtype.itemsize
        if self._np is not None:
            return self._np.strides
        t, dims = phys(self)
        if t.numel() == 0:
            return (0,) * self.ndim       # NumPy's strides for a new empty array
        return tuple((-s if d in dims else s) * n for d, s in enumerate(t.stride()))

    def to_device(self, device, /, *, stream=None):
        if stream is not None:
            raise NotImplementedError("trnpy.to_device does not take a stream")
        dev = _resolve_device(device)
        if dev == self._device:
            return self
        dev.check_dtype(self.dtype)
        return TrnArray._new(self._t.to(dev.torch_device), dev)

    def copy(self, order="C"):
        if order not in ("K", "A", "C"):
            raise NotImplementedError(f"copy: order={order!r} is not supported")
        if self._np is not None and self._tt is None:   # host data: NumPy copies it
            return TrnArray._from_numpy(np.array(self._np, order="C"), self._device)
        return TrnArray._new(self._t.clone(memory_format=torch.contiguous_format),
                             self._device)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def item(self, *args):
        return host(self).item(*args)

    def tolist(self):
        return host(self).tolist()

    def tobytes(self, order="C"):
        return host(self).tobytes(order)

    # shape
    def view(self, dtype=None, type=None):
        if type is not None or (isinstance(dtype, builtins_type) and issubclass(dtype, np.ndarray)):
            raise NotImplementedError("TrnArray.view: type= (an ndarray subclass) is not "
                                      "supported")
        if dtype is None:
            if self._tt is None:
                if self._np is None:
                    return TrnArray._flipped(*self._fl, self._device)
                return TrnArray._from_numpy(self._np.view(), self._device)
            return TrnArray._new(self._t, self._device)
        dt = _dtypes.as_dtype(dtype)
        self._device.check_dtype(dt)
        t, dims = phys(self)
        if dims and self.ndim - 1 in dims and dt.itemsize != self.itemsize:
            raise ValueError("To change to a dtype of a different size, the last axis "
                             "must be contiguous")
        try:
            t = t.view(_dtypes.to_torch(dt))
        except RuntimeError as e:
            if self.ndim == 0:
                raise ValueError("Changing the dtype of a 0d array is only supported if "
                                 "the itemsize is unchanged") from None
            raise ValueError("To change to a dtype of a different size, the last axis "
                             f"must be contiguous ({e})") from None
        return TrnArray._flipped(t, dims, self._device)

    def __array__(self, dtype=None, copy=None):
        if self._device is not CPU:
            raise DeviceToHostError(
                f"this array lives on {self._device}; NumPy cannot read it in place. "
                "Copy it to the host explicitly with trnpy.asnumpy(x) "
                "(or x.to_device('cpu')).")
        a = np_view(self)
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
        # host data goes as its NumPy view: pickle protocol 5 (distributed) then sends it
        # as an out-of-band buffer without a copy; device data makes one host copy
        return (_unpickle, (host(self), self._device))

    # -- printing -------------------------------------------------------------
    def __repr__(self):
        r = repr(host(self))
        if self._device is not CPU:
            r = r[:-1] + f", device='{self._device}')"
        return r

    def __str__(self):
        return str(host(self))

    def __format__(self, spec):
        return format(host(self)[()] if self.ndim == 0 else host(self), spec)

    # -- Python protocol conversions (through NumPy for its exact rules) -----------
    def _scalar(self):
        return host(self)

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
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))
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
    out = TrnArray._from_numpy(_tensor.host_compatible(data), CPU)
    return out if dev is CPU else out.to_device(dev)



builtins_type = type


def phys(x):
    """(tensor, dims): the tensor holding ``x``'s memory and the dims of ``x`` that are
    reversed in it (``()`` for most arrays): what writes and memory queries use."""
    t = x._tt
    if t is not None:
        return t, ()
    if x._fl is None:
        t = x._t                 # makes _tt, or _fl for negative-stride NumPy data
        if x._fl is None:
            return t, ()
    return x._fl


def reshape_view(x, shape):
    """``x`` reshaped to ``shape`` without a copy where NumPy's stride rule gives a view
    (reversed dims included), else None."""
    t, dims = phys(x)
    if t.numel() == 0:
        return TrnArray._new(t.reshape(shape), x._device)
    st = t.stride()
    first = t.storage_offset() + builtins.sum((t.shape[d] - 1) * st[d] for d in dims)
    # a stand-in with x's strides (in elements); copy=False: NumPy never reads its data
    stand_in = np.lib.stride_tricks.as_strided(
        np.zeros(1, np.uint8), tuple(t.shape),
        tuple(-s if d in dims else s for d, s in enumerate(st)))
    try:
        r = np.reshape(stand_in, shape, copy=False)
    except ValueError:
        return None
    rdims = [d for d, s in enumerate(r.strides) if s < 0]
    off = first + builtins.sum((r.shape[d] - 1) * r.strides[d] for d in rdims)
    p = t.as_strided(r.shape, tuple(abs(s) for s in r.strides), off)
    return TrnArray._flipped(p, rdims, x._device)


def assign(x, t):
    """Write tensor ``t`` (broadcastable to x's shape; cast as ``copy_`` does) into x's
    memory, at the mirrored positions where x has reversed dims."""
    p, dims = phys(x)
    if dims:
        t = _tensor.flip(t.expand(p.shape), dims)
    p.copy_(t.expand(p.shape))


def np_view(x) -> np.ndarray:
    """Zero-copy NumPy view of a host-resident array's tensor (cached)."""
    v = x._np
    if v is None:
        v = x._np = x._t.numpy()
    return v


def host(x) -> np.ndarray:
    """A NumPy array with ``x``'s data on the host (a view for CPU arrays, else a copy;
    a NumPy scalar, what CPU reductions give, as a 0-d array)."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    if x._np is not None:
        return x._np
    t = x._t
    if t.device.type == "cpu":
        return np_view(x)
    return t.detach().cpu().numpy()


TrnArray.__hash__ = None  # mutable, like ndarray


# NumPy's ``.base``: a view holds the array that owns its memory (the _base slot; a strong
# reference, as NumPy's views keep their base alive)
def set_base(view, base):
    """Record ``base`` (or, when ``base`` is a view itself, its base) as ``view``'s; a
    view of a read-only array is read-only."""
    b = getattr(base, "_base", None)
    view._base = base if b is None else b
    if getattr(base, "_ro", None) is True:
        view._ro = True
    return view


def mark_readonly(x):
    """NumPy's WRITEABLE flag off (diagonal, broadcast_to, ``setflags(write=False)``)."""
    x._ro = True
    return x


def is_readonly(x) -> bool:
    """Marked read-only, or a broadcast view (a zero stride over more than one element)."""
    if getattr(x, "_ro", None) is True:
        return True
    if x._np is not None:
        shape, strides = x._np.shape, x._np.strides
    else:
        t = phys(x)[0]
        shape, strides = t.shape, t.stride()
    return (0 in strides and any(s == 0 and n > 1 for n, s in zip(shape, strides))
            and 0 not in shape)


def check_writeable(x, what="assignment destination"):
    """NumPy's ValueError for a write into a read-only array."""
    if is_readonly(x):
        raise ValueError(f"{what} is read-only")


def get_base(x):
    """The array recorded as ``x``'s base, or None."""
    return getattr(x, "_base", None)


def has_views(x) -> bool:
    """Whether some live view records ``x`` as its base (NumPy's refcheck, for resize)."""
    return any(type(r) is TrnArray and r is not x and get_base(r) is x
               for r in gc.get_referrers(x))