"""File I/O through NumPy's readers and writers.

Loaded arrays land on the current default device (``get_default_device()``, or
``device=``); saving copies arrays that live off the host to it explicitly first (the
files are NumPy's formats, readable by NumPy). Text readers with NumPy's default
``dtype=float`` give the device's default floating dtype (float32 on neuron).
"""
from __future__ import annotations

import numpy as np

from . import _convert
from ._array import TrnArray

__all__ = ["save", "load", "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt",
           "fromfile"]


def _host(a):
    """NumPy data for writing: a view of CPU arrays, an explicit copy of device ones."""
    if isinstance(a, TrnArray):
        return _convert.host(a)
    if isinstance(a, (list, tuple)) and any(isinstance(v, TrnArray) for v in a):
        return [_host(v) for v in a]
    return a


def _to_device(r, device, default_float=False):
    dev = _convert.target_device(device)
    if isinstance(r, np.ndarray) and default_float and r.dtype == np.float64:
        r = r.astype(dev.default_dtype("real floating"), copy=False)
    return _convert.asarray(r, device=dev)


def save(file, arr, allow_pickle=True, **kwargs):
    """NumPy's ``save`` (``.npy``); ``arr`` is copied to the host if it lives elsewhere."""
    np.save(file, _host(arr), allow_pickle=allow_pickle, **kwargs)


def savez(file, *args, allow_pickle=True, **kwds):
    np.savez(file, *[_host(a) for a in args], allow_pickle=allow_pickle,
             **{k: _host(v) for k, v in kwds.items()})


def savez_compressed(file, *args, allow_pickle=True, **kwds):
    np.savez_compressed(file, *[_host(a) for a in args], allow_pickle=allow_pickle,
                        **{k: _host(v) for k, v in kwds.items()})


class NpzFile:
    """The arrays of a ``.npz`` file, loaded lazily onto ``device`` (NumPy's NpzFile
    interface: ``files``, ``[name]``, iteration, context manager, ``close``)."""

    def __init__(self, npz, device):
        self._npz = npz
        self._device = device
        self.files = npz.files

    def __getitem__(self, key):
        return _to_device(self._npz[key], self._device)

    def get(self, key, default=None):
        return self[key] if key in self.files else default

    def __contains__(self, key):
        return key in self.files

    def __iter__(self):
        return iter(self.files)

    def __len__(self):
        return len(self.files)

    def keys(self):
        return self._npz.keys()

    def values(self):
        return [self[k] for k in self.files]

    def items(self):
        return [(k, self[k]) for k in self.files]

    def close(self):
        self._npz.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<trnpy NpzFile with arrays {self.files}>"


def load(file, mmap_mode=None, allow_pickle=False, fix_imports=True, encoding="ASCII", *,
         device=None, **kwargs):
    """NumPy's ``load`` (``allow_pickle=False`` by default, as NumPy); arrays go to the
    default device, ``.npz`` files give a lazy :class:`NpzFile`."""
    r = np.load(file, mmap_mode=mmap_mode, allow_pickle=allow_pickle,
                fix_imports=fix_imports, encoding=encoding, **kwargs)
    if isinstance(r, np.lib.npyio.NpzFile):
        return NpzFile(r, device)
    if isinstance(r, np.ndarray) and r.dtype.kind not in "OSUVMm":
        return _to_device(r, device)
    return r       # pickled Python objects, as NumPy returns them


def loadtxt(fname, dtype=float, *args, like=None, device=None, **kwargs):
    if like is not None:
        raise NotImplementedError("trnpy.loadtxt: like= is not supported")
    return _to_device(np.loadtxt(fname, dtype, *args, **kwargs), device, dtype is float)


def genfromtxt(fname, dtype=float, *args, like=None, device=None, **kwargs):
    if like is not None:
        raise NotImplementedError("trnpy.genfromtxt: like= is not supported")
    return _to_device(np.genfromtxt(fname, dtype, *args, **kwargs), device, dtype is float)


def savetxt(fname, X, *args, **kwargs):
    """NumPy's ``savetxt`` (``X`` copied to the host if it lives elsewhere)."""
    np.savetxt(fname, _host(X), *args, **kwargs)


def fromfile(file, dtype=float, count=-1, sep="", offset=0, *, like=None, device=None):
    if like is not None:
        raise NotImplementedError("trnpy.fromfile: like= is not supported")
    return _to_device(np.fromfile(file, dtype=dtype, count=count, sep=sep, offset=offset),
                      device)
