"""The one mechanism for elementwise functions: NumPy-like ufunc objects.

A :class:`ufunc` pairs a NumPy ufunc (the oracle for result dtypes and the CPU
implementation) with a torch implementation (CUDA, neuron, or the torch CPU backend).
Loop dtypes come from ``numpy_ufunc.resolve_dtypes`` so promotion is NumPy's, Python
scalars included (NEP 50). The torch function receives tensors already cast to a dtype
torch computes in (see ``_dtypes.compute_torch``) and its result is cast back to the loop
dtype with NumPy's wrap-around.
"""
from __future__ import annotations

import builtins

import numpy as np
import torch

from . import _dispatch, _dtypes
from ._array import TrnArray
from ._devices import get_default_device

_WEAK_TYPES = (builtins.int, builtins.float, builtins.complex)


def _dtype_key(x):
    """What resolve_dtypes takes for operand ``x``."""
    if isinstance(x, TrnArray):
        return _dtypes._TORCH_TO_NP[x._t.dtype]
    if isinstance(x, builtins.bool):
        return np.dtype(np.bool_)
    t = type(x)
    if t in _WEAK_TYPES:
        return t
    for w in _WEAK_TYPES:           # subclasses of int/float/complex
        if isinstance(x, w) and not isinstance(x, np.generic):
            return w
    raise AssertionError(f"unnormalised operand {type(x)}")


def normalize_operands(args):
    """TrnArrays stay, Python scalars stay (weak), everything else becomes a TrnArray on
    the operands' common device. Returns (operands, device)."""
    from ._creation import asarray
    dev = _dispatch.same_device(*args)
    if dev is None:
        dev = get_default_device()
    ops = []
    for a in args:
        if isinstance(a, TrnArray) or (isinstance(a, (builtins.bool, builtins.int, builtins.float,
                                                      builtins.complex))
                                       and not isinstance(a, np.generic)):
            ops.append(a)
        else:
            ops.append(asarray(a, device=dev))
    return ops, dev


def scalar_tensor(value, np_dtype, device):
    """A 0-d tensor holding Python scalar ``value`` in ``np_dtype`` (NumPy's overflow rules)."""
    v = np.array(value, dtype=np_dtype)          # OverflowError as NumPy raises it
    ct = _dtypes.compute_torch(np_dtype)
    return torch.full((), v.item() if np_dtype.kind != "u" or np_dtype.itemsize < 8
                      else int(v.view(np.int64)), dtype=ct, device=device.torch_device)


class ufunc:
    """An elementwise function with NumPy's ufunc calling convention."""

    def __init__(self, name, np_ufunc, torch_func, *, pass_dtypes=False, doc=None):
        self.__name__ = name
        self._np = np_ufunc
        self._torch = torch_func
        self._pass_dtypes = pass_dtypes
        self.__doc__ = doc or getattr(np_ufunc, "__doc__", None)

    nin = property(lambda self: self._np.nin)
    nout = property(lambda self: self._np.nout)
    nargs = property(lambda self: self._np.nargs)
    identity = property(lambda self: self._np.identity)
    ntypes = property(lambda self: self._np.ntypes)
    types = property(lambda self: self._np.types)

    def __repr__(self):
        return f"<trnpy ufunc '{self.__name__}'>"

    def __call__(self, *args, out=None, where=True, dtype=None, casting="same_kind",
                 order="K", subok=True, signature=None):
        nin = self._np.nin
        if len(args) != nin:
            if len(args) == nin + self._np.nout and out is None:
                args, out = args[:nin], args[nin:]
            else:
                raise TypeError(f"{self.__name__}() takes {nin} positional argument(s) "
                                f"but {len(args)} were given")
        if order not in ("K", "A", "C", "F", None) or subok is not True or signature is not None:
            raise NotImplementedError(
                f"trnpy.{self.__name__}: order=/subok=/signature= other than the defaults "
                "are not supported")
        if isinstance(out, tuple):
            if len(out) != self._np.nout:
                raise ValueError(f"{self.__name__}: out must have {self._np.nout} element(s)")
            out = out[0] if self._np.nout == 1 else out
        if self._np.nout != 1:
            raise NotImplementedError("multi-output ufuncs implement their own __call__")
        ops, dev = normalize_operands(args)
        if out is not None:
            if not isinstance(out, TrnArray):
                raise TypeError(f"{self.__name__}: out must be a trnpy array, "
                                f"not {type(out).__name__}")
            _dispatch.same_device(out, *ops)
            if dev is not out._device:
                dev = out._device
        if where is not True:
            where, _ = normalize_operands([where])
            where = where[0]
            _dispatch.same_device(where, *ops)
        if dtype is not None:
            dtype = _dtypes.as_dtype(dtype)
            dev.check_dtype(dtype)

        if _dispatch.use_numpy(dev):
            np_ops = [_dispatch.np_view(o) if isinstance(o, TrnArray) else o for o in ops]
            kw = {}
            if dtype is not None:
                kw["dtype"] = dtype
            if where is not True:
                kw["where"] = _dispatch.np_view(where) if isinstance(where, TrnArray) else where
            if casting != "same_kind":
                kw["casting"] = casting
            if out is not None:
                self._np(*np_ops, out=_dispatch.np_view(out), **kw)
                return out
            if where is not True:
                raise NotImplementedError(
                    f"trnpy.{self.__name__}: where= without out= leaves unspecified "
                    "values; pass out= as well")
            return _dispatch.wrap(self._np(*np_ops, **kw), dev)
        return self._call_torch(ops, dev, out, where, dtype, casting)

    # -- torch path -------------------------------------------------------------
    def resolve(self, ops, dtype=None, casting="same_kind"):
        keys = tuple(_dtype_key(o) for o in ops) + (None,) * self._np.nout
        kw = {} if dtype is None else {
            "signature": (None,) * self._np.nin + (dtype,) * self._np.nout}
        try:
            return self._np.resolve_dtypes(keys, casting=casting, **kw)
        except TypeError:
            raise
        except Exception as e:   # NumPy's loop-resolution errors, as TypeError
            raise TypeError(str(e)) from e

    def _call_torch(self, ops, dev, out, where, dtype, casting):
        loop = self.resolve(ops, dtype, casting)
        for dt in loop:
            dev.check_dtype(dt)
        tensors = []
        for o, dt in zip(ops, loop):
            if isinstance(o, TrnArray):
                tensors.append(_dispatch.compute_tensor(o._t, dt))
            else:
                tensors.append(scalar_tensor(o, dt, dev))
        if self._pass_dtypes:
            res = self._torch(*tensors, dtypes=loop)
        else:
            res = self._torch(*tensors)
        res = _dispatch.from_compute(res, loop[-1])
        mask = None
        if where is not True:
            mask = where._t if isinstance(where, TrnArray) else \
                torch.tensor(builtins.bool(where), device=dev.torch_device)
            if mask.dtype != torch.bool:
                raise TypeError(f"{self.__name__}: where= must be a boolean array")
            if out is None:
                raise NotImplementedError(
                    f"trnpy.{self.__name__}: where= without out= leaves unspecified "
                    "values; pass out= as well")
        if out is None:
            return TrnArray._new(res, dev)
        write_out(self.__name__, out, res, loop[-1], casting, mask)
        return out


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
    res = _dispatch.cast_tensor(res, out.dtype)
    if mask is not None:
        res = torch.where(mask, res, out._t)
    out._t.copy_(res.expand(shape))
