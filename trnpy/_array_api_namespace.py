"""trnpy as an array API namespace: what ``x.__array_namespace__()`` returns.

The same functions as ``trnpy`` with one difference: where trnpy's NumPy namespace gives a
NumPy scalar on the CPU (elements, full reductions, as NumPy does), these give 0-d arrays,
as the standard requires. Code written for the standard (SciPy's array-API mode, the
conformance suite) combines results with arrays through ``array_namespace``, which cannot
mix NumPy scalars with trnpy arrays."""
from __future__ import annotations

import functools
import types

from . import _convert

_ZERO_D = _convert.ZERO_D


def _zero_d(f):
    @functools.wraps(f)
    def g(*args, **kwargs):
        token = _ZERO_D.set(True)
        try:
            return f(*args, **kwargs)
        finally:
            _ZERO_D.reset(token)
    return g


def _is_function(v):
    return isinstance(v, (types.FunctionType, types.BuiltinFunctionType)) or (
        callable(v) and not isinstance(v, type) and hasattr(v, "nin"))    # trnpy ufuncs


def build(name, source, subspaces=()):
    """A module with ``source``'s public names, functions wrapped by :func:`_zero_d`."""
    ns = types.ModuleType(name, source.__doc__)
    for k, v in vars(source).items():
        if k.startswith("_") and k not in ("__array_api_version__",
                                           "__array_namespace_info__"):
            continue
        setattr(ns, k, _zero_d(v) if _is_function(v) and not k.startswith("__") else v)
    for sub in subspaces:
        setattr(ns, sub, build(f"{name}.{sub}", getattr(source, sub)))
    return ns
