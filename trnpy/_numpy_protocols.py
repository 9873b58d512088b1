"""NumPy's dispatch protocols for TrnArray.

* ``__array_ufunc__`` (NEP 13): ``numpy.add(x, y)``, ``numpy.sin(x)``,
  ``numpy.add.reduce(x)``, ``numpy.add(x, y, out=z)`` run trnpy's ufunc of the same name.
  An unknown ufunc returns NotImplemented, so NumPy raises TypeError.
* ``__array_function__`` (NEP 18): ``numpy.mean(x)``, ``numpy.linalg.norm(x)``,
  ``numpy.fft.fft(x)`` run trnpy's function of the same name (``numpy.linalg.*`` ->
  ``trnpy.linalg``, ``numpy.fft.*`` -> ``trnpy.fft``). A NumPy function trnpy lacks raises
  TypeError for arrays off the CPU (no hidden host round trip); for CPU arrays it runs
  NumPy on the zero-copy views, once warning :class:`NumPyFallbackWarning` naming it, and
  returns TrnArrays.
* ``like=`` (NEP 35): ``numpy.zeros(3, like=x)`` is ``trnpy.zeros(3, device=x.device)``.
"""
from __future__ import annotations

import builtins
import contextvars
import inspect
import warnings

import numpy as np

from . import (_convert, _creation, _dtype_functions, _array_info, _dtypes, _elementwise,
               _indexing, _io, _linalg_functions, _manipulation, _math, _pad, _polynomial,
               _reductions, _searching, _sets, _sorting, _statistics, _window, fft, linalg)
from ._array import TrnArray
from ._devices import CPU
from ._ufunc import ufunc

__all__ = ["NumPyFallbackWarning"]


class NumPyFallbackWarning(UserWarning):
    """A NumPy function trnpy does not implement ran on the host views of CPU arrays."""


# ---------------------------------------------------------------------------
# NEP 13
def _foreign(objs):
    """Whether any of ``objs`` is another array library's object that overrides ufuncs."""
    for o in objs:
        if isinstance(o, (TrnArray, np.ndarray, np.generic)) or o is None:
            continue
        if getattr(type(o), "__array_ufunc__", None) is not None and \
                not isinstance(o, (builtins.int, builtins.float, builtins.complex)):
            return True
    return False


def trnpy_ufunc(np_ufunc):
    """trnpy's callable for NumPy ufunc ``np_ufunc`` (same name), or None."""
    f = _lookup(_NAMESPACE, np_ufunc.__name__)
    return f if callable(f) and f is not np_ufunc else None


def array_ufunc(self, np_ufunc, method, inputs, kwargs):
    out = kwargs.get("out", ())
    if _foreign(inputs) or _foreign(out if isinstance(out, tuple) else (out,)):
        return NotImplemented
    f = trnpy_ufunc(np_ufunc)
    if f is None:
        return NotImplemented
    if method == "__call__":
        if not isinstance(f, ufunc) and isinstance(out, tuple):
            # plain functions (matmul, clip) take out= as one array
            if len(out) == 1:
                kwargs = dict(kwargs, out=out[0])
        return f(*inputs, **kwargs)
    if not isinstance(f, ufunc) or not hasattr(f, method):
        return NotImplemented
    return getattr(f, method)(*inputs, **kwargs)


# ---------------------------------------------------------------------------
# NEP 18 / NEP 35
# trnpy's namespace modules, in the order trnpy/__init__ imports them (a later one's name
# wins there, so the lookup goes last to first)
_NAMESPACE = (_creation, _elementwise, _manipulation, _indexing, _reductions, _searching,
              _sorting, _sets, _dtype_functions, _array_info, _linalg_functions, _math,
              _statistics, _polynomial, _pad, _window, _io)[::-1]
_SUBMODULES = {"numpy.linalg": (linalg,), "numpy.fft": (fft,)}


def _lookup(modules, name):
    for m in modules:
        f = getattr(m, name, None)
        if f is not None and (m in (linalg, fft) or name in getattr(m, "__all__", ())):
            return f
    return None

# NumPy functions that take like= (they dispatch on it alone)
_LIKE = frozenset({"array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
                   "require", "arange", "empty", "zeros", "ones", "full", "eye",
                   "identity", "tri", "fromfunction", "fromiter", "frombuffer", "fromfile",
                   "fromstring", "loadtxt", "genfromtxt"})

_WARNED: set = set()
_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("trnpy_array_function",
                                                         default=frozenset())


def trnpy_function(func):
    """trnpy's function for NumPy function ``func`` (matched by module and name), or None."""
    mod = getattr(func, "__module__", None) or ""
    ns = _NAMESPACE if mod == "numpy" else _SUBMODULES.get(mod)
    f = _lookup(ns, func.__name__) if ns is not None else None
    if not callable(f) or f is func or getattr(f, "__wrapped__", None) is func \
            or isinstance(f, type):
        return None
    return f


def _takes_device(f) -> bool:
    try:
        return "device" in inspect.signature(f).parameters
    except (TypeError, ValueError):
        return False


def array_function(self, func, types, args, kwargs):
    for t in types:
        if not issubclass(t, (TrnArray, np.ndarray)):
            return NotImplemented
    active = _ACTIVE.get()
    impl = None if func in active else trnpy_function(func)
    if impl is None:
        return _fallback(func, args, kwargs)
    if func.__name__ in _LIKE and func.__module__ == "numpy" and kwargs.get("device") is None \
            and not _arrays_in((args, kwargs)) and _takes_device(impl):
        kwargs = dict(kwargs, device=self._device)     # like=x: create on x's device
    tok = _ACTIVE.set(active | {func})
    try:
        return impl(*args, **kwargs)
    finally:
        _ACTIVE.reset(tok)


def _arrays_in(obj, acc=None):
    acc = [] if acc is None else acc
    if isinstance(obj, TrnArray):
        acc.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _arrays_in(o, acc)
    elif isinstance(obj, dict):
        for o in obj.values():
            _arrays_in(o, acc)
    return acc


def _fallback(func, args, kwargs):
    name = f"{func.__module__}.{func.__name__}"
    arrays = _arrays_in((args, kwargs))
    for a in arrays:
        if a._device is not CPU:
            raise TypeError(
                f"{name} has no trnpy implementation, and NumPy cannot run it on an array "
                f"on {a._device} without copying it to the host. Copy explicitly with "
                "trnpy.asnumpy(x) if that is what you want.")
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(f"trnpy has no implementation of {name}; running NumPy's on the "
                      "host (zero-copy) views of the CPU arrays", NumPyFallbackWarning,
                      stacklevel=4)
    views = {}

    def to_np(o):
        if isinstance(o, TrnArray):
            v = _convert.np_view(o)
            views[id(v)] = o
            return v
        if isinstance(o, list):
            return [to_np(i) for i in o]
        if isinstance(o, tuple) and not hasattr(o, "_fields"):
            return tuple(to_np(i) for i in o)
        if isinstance(o, dict):
            return {k: to_np(v) for k, v in o.items()}
        return o

    np_args = to_np(list(args))
    np_kwargs = to_np(kwargs)
    run = getattr(func, "_implementation", func)
    return _back(run(*np_args, **np_kwargs), views)


def _back(r, views):
    """NumPy results as TrnArrays on the CPU (an out= view as its own TrnArray)."""
    if isinstance(r, np.ndarray):
        if id(r) in views:
            return views[id(r)]
        try:
            return _convert.wrap(r, CPU)
        except TypeError:
            return r             # a dtype trnpy cannot hold (strings, objects)
    if isinstance(r, np.generic):
        try:
            _dtypes.as_dtype(r.dtype)
        except TypeError:
            return r
        return _convert.wrap(np.asarray(r), CPU)    # (ufuncs on 0-d arrays: 0-d arrays)
    if isinstance(r, tuple):
        items = [_back(i, views) for i in r]
        return type(r)(*items) if hasattr(r, "_fields") else tuple(items)
    if isinstance(r, list):
        return [_back(i, views) for i in r]
    return r


