"""``trnpy.fft`` as a uarray backend for ``scipy.fft`` (domain ``numpy.scipy.fft``).

``with scipy.fft.set_backend(trnpy.fft):`` (or ``scipy.fft.register_backend(trnpy.fft)``)
sends every ``scipy.fft`` multimethod called on trnpy arrays here; the result is a trnpy
array on the input's device. NumPy inputs are taken only with ``coerce=True``. Names
trnpy lacks return ``NotImplemented`` so SciPy tries its next backend.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from .. import _convert
from .._array import TrnArray
from . import _fft, _scipy

__ua_domain__ = "numpy.scipy.fft"



@functools.lru_cache(maxsize=None)
def _signature(method):
    return inspect.signature(method)


def __ua_function__(method, args, kwargs):
    name = getattr(method, "__name__", None)
    fn = _FUNCTIONS.get(name)
    if fn is None or name in ("fftfreq", "rfftfreq"):   # SciPy's take xp=, not dtype=
        return NotImplemented
    try:
        bound = _signature(method).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return fn(*args, **kwargs)         # let trnpy report the bad call
    kw = dict(bound.arguments)
    x = kw.pop(next(iter(kw)))             # the transform input, SciPy's ``x``/``a``
    if "s" in kw and "axes" in kw and kw["axes"] is None and kw["s"] is not None:
        kw["axes"] = tuple(range(-len(kw["s"]), 0))   # SciPy's rule, without NumPy's warning
    if "axes" in kw and kw["axes"] is not None and name in _NUMPY_ND:
        ax = kw["axes"]
        ax = [ax] if np.ndim(ax) == 0 else list(ax)
        nd = getattr(x, "ndim", 0)
        if len({a % nd if nd else a for a in ax}) != len(ax):
            raise ValueError("all axes must be unique")
    if name in ("irfftn", "irfft2") and kw.get("s") is None and getattr(x, "ndim", 0):
        # pocketfft's c2r makes 2m - 1 points from a last axis of length m == 1 (NumPy
        # raises); pass SciPy's sizes explicitly
        ax = kw.get("axes", None if name == "irfftn" else (-2, -1))
        ax = list(range(x.ndim)) if ax is None else ([ax] if np.ndim(ax) == 0 else list(ax))
        if ax and x.shape[ax[-1]] == 1:
            kw["s"] = [x.shape[a] for a in ax]
            kw["axes"] = ax
    if getattr(x, "dtype", None) == np.float16:
        # SciPy computes float16 in float32 (NumPy keeps float16 in places and scales
        # in float16)
        x = x.astype(np.float32)
    return fn(x, **kw)


# trnpy.fft's public functions (this module sits below the package that exports them)
_FUNCTIONS = {n: getattr(m, n) for m in (_fft, _scipy) for n in m.__all__}

_NUMPY_ND = {"fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2"}


def __ua_convert__(dispatchables, coerce):
    out = []
    for d in dispatchables:
        v = d.value
        if isinstance(v, TrnArray) or d.type is not np.ndarray:
            out.append(v)
        elif coerce and d.coercible:
            try:
                out.append(_convert.asarray(v))
            except (TypeError, ValueError):
                return NotImplemented
        else:
            return NotImplemented
    return out
