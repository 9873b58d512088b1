"""trnpy arrays as Dask chunks.

Dask loads this module through the entry point ``trnpy`` in the group
``dask.array.backends`` (``dask.config.set({"array.backend": "trnpy"})``); importing it
registers everything a chunk type needs: ``register_chunk_type(TrnArray)``, dask's
data-directed dispatch (``concatenate``, ``tensordot``, ``einsum``, ``take``, ``empty``,
``divide``, ``percentile``, ``numel``, ``nannumel``, ``to_numpy``), ``dask.sizeof`` and
the moves between backends. ``import trnpy`` never imports this module (nor dask).

Serialisation: ``TrnArray.__reduce__`` hands pickle the NumPy view of host data, so
distributed's pickle protocol 5 moves host chunks as out-of-band buffers without a copy;
a device chunk makes one host copy when sent and one device copy when received.

Random numbers: :func:`default_rng` gives a dask ``Generator`` whose draws equal
``trnpy.random.default_rng(seed)``'s for any chunking (see its docstring).
"""
from __future__ import annotations

import math
from itertools import product

import numpy as np

import dask
import dask.array as da
from dask.array.backends import ArrayBackendEntrypoint, _nannumel, _numel_arraylike
from dask.array.chunk_types import register_chunk_type
from dask.array.core import Array, normalize_chunks
from dask.array.dispatch import (concatenate_lookup, divide_lookup, einsum_lookup,
                                 empty_lookup, nannumel_lookup, numel_lookup,
                                 percentile_lookup, take_lookup, tensordot_lookup,
                                 to_numpy_dispatch)
from dask.array.percentile import _percentile
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.sizeof import sizeof
from dask.utils import Dispatch

import trnpy
from ._array import TrnArray
from ._devices import CPU, get_default_device
from .random import Generator as _TrnGenerator
from .random import Philox

__all__ = ["TrnpyBackendEntrypoint", "default_rng", "to_device", "register"]


# -- data-directed dispatch -------------------------------------------------------------
def _einsum(*args, **kwargs):
    # dask passes NumPy's casting= and order= defaults; trnpy's einsum takes NumPy's
    # signature, so they go through unchanged
    return trnpy.einsum(*args, **kwargs)


def _percentile_chunk(a, q, method="linear"):
    return _percentile(a, q, method)


def _to_numpy(data, **kwargs):
    return trnpy.asnumpy(data, **kwargs)


to_trnpy_dispatch = Dispatch("to_trnpy_dispatch")


@to_trnpy_dispatch.register(np.ndarray)
def _numpy_to_trnpy(data, device=None, **kwargs):
    return trnpy.asarray(data, device=get_default_device() if device is None else device,
                         **kwargs)


@to_trnpy_dispatch.register(TrnArray)
def _trnpy_to_trnpy(data, device=None, **kwargs):
    return data if device is None else _move(data, device)


_REGISTERED = []


def register():
    """Register TrnArray with dask (idempotent; done when this module is imported)."""
    if _REGISTERED:
        return
    register_chunk_type(TrnArray)
    concatenate_lookup.register(TrnArray, trnpy.concatenate)
    take_lookup.register(TrnArray, trnpy.take)
    tensordot_lookup.register(TrnArray, trnpy.tensordot)
    einsum_lookup.register(TrnArray, _einsum)
    empty_lookup.register(TrnArray, trnpy.empty)
    divide_lookup.register(TrnArray, trnpy.divide)
    percentile_lookup.register(TrnArray, _percentile_chunk)
    numel_lookup.register(TrnArray, _numel_arraylike)
    nannumel_lookup.register(TrnArray, _nannumel)
    to_numpy_dispatch.register(TrnArray, _to_numpy)
    # the scheduler's memory accounting (limits, spilling) needs the real size
    sizeof.register(TrnArray)(lambda x: x.nbytes + 64)
    _REGISTERED.append(True)


register()


# -- moving chunks between devices ------------------------------------------------------
def _move(x, device):
    """``x`` on ``device``; a chunk that cannot go there says which two devices."""
    dev = trnpy.device(device)
    if not isinstance(x, TrnArray):
        x = trnpy.asarray(x, device=CPU)
    if x.device == dev:
        return x
    try:
        return x.to_device(dev)
    except (TypeError, RuntimeError, ValueError) as e:
        raise type(e)(f"a {x.dtype} chunk of shape {x.shape} on {x.device} cannot move to "
                      f"{dev}: {e}") from None


def to_device(arr, device):
    """Dask array ``arr`` with every chunk on trnpy ``device`` (NumPy chunks become
    trnpy chunks); a chunk that cannot move raises naming both devices."""
    dev = trnpy.device(device)
    meta = trnpy.empty((0,) * arr.ndim, dtype=arr.dtype, device=CPU)
    if dev is not CPU:
        dev.check_dtype(arr.dtype)
        meta = meta.to_device(dev)
    return arr.map_blocks(_move, dev, dtype=arr.dtype, meta=meta)


# -- the backend entry point ------------------------------------------------------------
def _meta(dtype=None):
    dev = get_default_device()
    return trnpy.empty((), dtype=dtype, device=dev)


def _with_meta(name, *args, meta=None, **kwargs):
    meta = _meta(kwargs.get("dtype")) if meta is None else meta
    with dask.config.set({"array.backend": "numpy"}):
        return getattr(da, name)(*args, meta=meta, **kwargs)


class TrnpyBackendEntrypoint(ArrayBackendEntrypoint):
    """``dask.config.set({"array.backend": "trnpy"})``: dask's creation functions build
    trnpy chunks on the current trnpy device (``with trnpy.device(...)``)."""

    def __init__(self):
        register()

    @classmethod
    def to_backend_dispatch(cls):
        return to_trnpy_dispatch

    @classmethod
    def to_backend(cls, data: Array, **kwargs):
        if isinstance(data._meta, TrnArray) and not kwargs:
            return data
        return data.map_blocks(cls.to_backend_dispatch(), **kwargs)

    @property
    def RandomState(self):
        return trnpy.random.RandomState

    @property
    def default_bit_generator(self):
        return DaskPhilox

    @staticmethod
    def ones(*args, **kwargs):
        return _with_meta("ones", *args, **kwargs)

    @staticmethod
    def zeros(*args, **kwargs):
        return _with_meta("zeros", *args, **kwargs)

    @staticmethod
    def empty(*args, **kwargs):
        return _with_meta("empty", *args, **kwargs)

    @staticmethod
    def full(*args, **kwargs):
        return _with_meta("full", *args, **kwargs)

    @staticmethod
    def arange(*args, like=None, **kwargs):
        like = _meta() if like is None else like
        with dask.config.set({"array.backend": "numpy"}):
            return da.arange(*args, like=like, **kwargs)

DaskPhilox = Philox  # placeholder
