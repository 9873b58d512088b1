"""``x.flags`` and ``x.flat``: NumPy's flags object and flat iterator over a TrnArray
(they compute through the array's own methods)."""
from __future__ import annotations


import numpy as np
from ._torch import torch

from . import _convert, _dtypes
from ._array import TrnArray, is_readonly

# ---------------------------------------------------------------------------
# ndarray helper objects
class Flags:
    """NumPy's ``ndarray.flags`` for a TrnArray (read-only)."""

    def __init__(self, x: TrnArray):
        if x._tt is None:     # host data without a tensor: NumPy's strides (none made)
            shape, strides, n = x._np.shape, x._np.strides, x._np.itemsize
            strides = tuple(s // n for s in strides)
            self.owndata = x._np.base is None
        else:
            shape, strides = x.shape, x._t.stride()
            self.owndata = x._t._base is None
        self.c_contiguous = _contiguous(shape, strides, reversed)
        self.f_contiguous = _contiguous(shape, strides, lambda z: z)
        self.writeable = not is_readonly(x)
        self.aligned = True
        self.writebackifcopy = False

    _KEYS = {"C_CONTIGUOUS": "c_contiguous", "C": "c_contiguous", "CONTIGUOUS": "c_contiguous",
             "F_CONTIGUOUS": "f_contiguous", "F": "f_contiguous", "FORTRAN": "f_contiguous",
             "WRITEABLE": "writeable", "W": "writeable", "ALIGNED": "aligned", "A": "aligned",
             "OWNDATA": "owndata", "O": "owndata", "WRITEBACKIFCOPY": "writebackifcopy",
             "X": "writebackifcopy"}

    @property
    def contiguous(self):
        return self.c_contiguous

    @property
    def fnc(self):
        return self.f_contiguous and not self.c_contiguous

    @property
    def forc(self):
        return self.f_contiguous or self.c_contiguous

    def __getitem__(self, key):
        try:
            return getattr(self, self._KEYS[key.upper()])
        except (KeyError, AttributeError):
            raise KeyError(f"Unknown flag {key!r}") from None

    def __repr__(self):
        return "\n".join(f"  {k} : {self[k]}" for k in (
            "C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE", "ALIGNED",
            "WRITEBACKIFCOPY"))


def _contiguous(shape, strides, order):
    if 0 in shape:
        return True
    expected = 1
    for s, st in order(list(zip(shape, strides))):
        if s == 1:
            continue
        if st != expected:
            return False
        expected *= s
    return True


class FlatIter:
    """``x.flat``: iterate, index and assign ``x`` as if it were 1-d (C order).

    Reading with an integer gives a 0-d TrnArray (as ``x[i]`` does); slices and index
    arrays give copies; assignment repeats a shorter value cyclically, as NumPy's does."""

    def __init__(self, x: TrnArray):
        self.base = x

    def _flat(self):
        return self.base.reshape(-1)

    def __len__(self):
        return self.base.size

    def __iter__(self):
        f = self._flat()
        return (f[i] for i in range(f.size))

    def __getitem__(self, key):
        r = self._flat()[key]
        return r.copy() if r.ndim else r

    def __setitem__(self, key, value):
        x = self.base
        lin = TrnArray._new(torch.arange(x.size, device=x._t.device), x._device)
        idx = lin[key]
        v = value if isinstance(value, TrnArray) else _convert.asarray(value, device=x._device) \
            if not _dtypes.is_python_scalar(value) else value
        m = idx.size
        if isinstance(v, TrnArray) and v.size not in (0, 1) and v.shape != idx.shape:
            vt = v._t.reshape(-1)
            vt = vt.repeat(-(-m // vt.numel()))[:m] if m else vt[:0]
            v = TrnArray._new(vt.reshape(idx.shape), x._device)
        elif isinstance(v, TrnArray) and v.size == 0:
            if m:
                raise ValueError("cannot assign an empty sequence to the elements")
            return
        if x._t.is_contiguous():
            x.reshape(-1)[idx] = v
        else:
            f = x.flatten()
            f[idx] = v
            x[...] = f.reshape(x.shape)

    def __array__(self, dtype=None, copy=None):
        # copy=True copies; otherwise a view when the base is contiguous, as NumPy's
        # flatiter (which returns its copy of a strided base even for copy=False)
        return np.asarray(self._flat(), dtype=dtype, copy=True if copy else None)

    def copy(self):
        return self._flat().copy()

    def __repr__(self):
        return f"<trnpy flatiter over an array of shape {self.base.shape}>"

