"""Facts about arrays: ``ndim``/``shape``/``size``, memory overlap, the ``broadcast``
object, ``vectorize``, and printing. Printing goes through NumPy (trnpy's repr is NumPy's
repr of the host data), so NumPy's print options govern trnpy's output too.
"""
from __future__ import annotations

import builtins
import math

import numpy as np
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _array, _convert
from ._array import TrnArray
from ._manipulation import broadcast_to
from ._ufunc import ufunc
from ._flags_flatiter import FlatIter as flatiter

__all__ = [
    "iterable", "ndim",
    "shape", "size", "isfortran", "may_share_memory", "shares_memory", "broadcast_shapes",
    "broadcast", "ufunc", "flatiter", "vectorize",
    # printing (NumPy's, since trnpy prints through NumPy)
    "array2string", "array_repr", "array_str", "set_printoptions", "get_printoptions",
    "printoptions", "format_float_positional", "format_float_scientific", "base_repr",
    "binary_repr",
]

broadcast_shapes = np.broadcast_shapes
iterable = np.iterable

set_printoptions = np.set_printoptions
get_printoptions = np.get_printoptions
printoptions = np.printoptions
format_float_positional = np.format_float_positional
format_float_scientific = np.format_float_scientific
base_repr = np.base_repr
binary_repr = np.binary_repr


def ndim(a):
    return a.ndim if isinstance(a, TrnArray) else np.ndim(a)


def shape(a):
    return a.shape if isinstance(a, TrnArray) else np.shape(a)


def size(a, axis=None):
    if not isinstance(a, TrnArray):
        return np.size(a, axis)
    if axis is None:
        return a.size
    if isinstance(axis, tuple):
        return math.prod(a.shape[i] for i in normalize_axis_tuple(axis, a.ndim))
    return a.shape[normalize_axis_index(axis, a.ndim)]


def isfortran(a):
    """NumPy's ``isfortran``: Fortran-contiguous and not C-contiguous."""
    if not isinstance(a, TrnArray):
        return np.isfortran(a)
    return a.flags.fnc


def _extent(x):
    """(first byte, one past the last byte) that ``x``'s elements can touch."""
    t = _array.phys(x)[0]         # the memory: reversed dims cover the same bytes
    if t.numel() == 0:
        return None
    n = t.element_size()
    start = t.data_ptr()
    lo = hi = 0
    for s, st in zip(t.shape, t.stride()):
        if st >= 0:
            hi += (s - 1) * st
        else:
            lo += (s - 1) * st
    return start + lo * n, start + (hi + 1) * n


def may_share_memory(a, b, /, max_work=None):
    """Whether the memory bounds of ``a`` and ``b`` overlap (NumPy's cheap check)."""
    if not isinstance(a, TrnArray) and not isinstance(b, TrnArray):
        return np.may_share_memory(a, b, max_work)
    if not (isinstance(a, TrnArray) and isinstance(b, TrnArray)):
        # a trnpy array and a NumPy array share memory only through a CPU view
        other, trn = (b, a) if isinstance(a, TrnArray) else (a, b)
        if trn._t.device.type != "cpu" or not isinstance(other, np.ndarray):
            return False
        return np.may_share_memory(_convert.host(trn), other, max_work)
    if a._t.device != b._t.device:
        return False
    ea, eb = _extent(a), _extent(b)
    if ea is None or eb is None:
        return False
    return ea[0] < eb[1] and eb[0] < ea[1]


def shares_memory(a, b, /, max_work=None):
    """Whether ``a`` and ``b`` share an element in memory (exact on the host)."""
    if isinstance(a, TrnArray) and isinstance(b, TrnArray) and a._t.device.type != "cpu":
        if a._t.device != b._t.device:
            return False
        if not may_share_memory(a, b):
            return False
        # exact answer from the element addresses (device memory has no NumPy view)
        def addrs(x):
            t = _array.phys(x)[0]
            idx = torch.zeros((), dtype=torch.int64, device=t.device)
            for s, st in zip(t.shape, t.stride()):
                idx = idx[..., None] + torch.arange(s, device=t.device) * st
            n = t.element_size()
            base = t.data_ptr() + idx.reshape(-1) * n
            return (base[:, None] + torch.arange(n, device=t.device)).reshape(-1)
        return builtins.bool(torch.isin(addrs(a), addrs(b)).any())
    conv = [(_convert.host(x) if isinstance(x, TrnArray) else x) for x in (a, b)]
    return np.shares_memory(conv[0], conv[1], max_work)


class broadcast:
    """NumPy's ``broadcast``: the broadcast shape of its arguments, and an iterator over
    tuples of their broadcast elements (0-d trnpy arrays, as ``x[i]`` gives)."""

    def __init__(self, *args):
        dev = _convert.same_device(*args)
        self._arrays = [_convert.as_array(a, dev) for a in args]
        self.shape = np.broadcast_shapes(*(a.shape for a in self._arrays))
        self.index = 0

    @property
    def nd(self):
        return len(self.shape)

    ndim = nd

    @property
    def numiter(self):
        return len(self._arrays)

    @property
    def size(self):
        return math.prod(self.shape)

    @property
    def iters(self):
        return tuple(broadcast_to(a, self.shape).flat for a in self._arrays)

    def __iter__(self):
        return self

    def __next__(self):
        if self.index >= self.size:
            raise StopIteration
        idx = np.unravel_index(self.index, self.shape)
        self.index += 1
        return tuple(broadcast_to(a, self.shape)[idx] for a in self._arrays)

    def reset(self):
        self.index = 0


class vectorize(np.vectorize):
    """NumPy's ``vectorize``: calls a Python function per element, so it runs on the host
    (the data are copied there and the results back to the inputs' device; say so
    explicitly where that matters)."""

    def __call__(self, *args, **kwargs):
        arrays = [a for a in list(args) + list(kwargs.values()) if isinstance(a, TrnArray)]
        dev = _convert.same_device(*arrays)
        conv = lambda a: _convert.host(a) if isinstance(a, TrnArray) else a  # noqa: E731
        res = super().__call__(*[conv(a) for a in args],
                               **{k: conv(v) for k, v in kwargs.items()})
        if isinstance(res, tuple):
            return tuple(_convert.asarray(r, device=dev) for r in res)
        return _convert.asarray(res, device=dev)


def _host(a):
    return _convert.host(a) if isinstance(a, TrnArray) else a


def array2string(a, *args, **kwargs):
    return np.array2string(_host(a), *args, **kwargs)


def array_repr(arr, *args, **kwargs):
    return np.array_repr(_host(arr), *args, **kwargs)


def array_str(a, *args, **kwargs):
    return np.array_str(_host(a), *args, **kwargs)
