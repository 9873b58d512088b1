"""dtypes: NumPy dtypes for users, torch dtypes for storage, NumPy's rules for promotion.

Result dtypes are always asked of NumPy (``np.result_type`` / ``ufunc.resolve_dtypes``)
so that NEP 50 (weak Python scalars) holds exactly; nothing here keeps a promotion table.
"""
from __future__ import annotations

import builtins

import numpy as np

from . import _torch
from ._torch import torch

# Public dtype names are NumPy's scalar types, as in NumPy's own namespace
# (``x.dtype == trnpy.float32`` and ``np.dtype(trnpy.float32)`` both work).
bool = np.bool_
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float16, float32, float64 = np.float16, np.float32, np.float64
complex64, complex128 = np.complex64, np.complex128

SUPPORTED = tuple(np.dtype(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
    np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128))

# torch's side of the mapping, filled when torch is imported (see _torch.py)
_NP_TO_TORCH: dict = {}
_TORCH_TO_NP: dict = {}
_CANONICAL = {d: d for d in SUPPORTED}

# torch stores uint16/32/64 but computes almost nothing on them: arithmetic runs in a
# wider signed type (uint64 as the same bits in int64, exact for + - * and bitwise ops)
# and the result is cast back, which wraps exactly like NumPy.
_COMPUTE: dict = {}


def _fill(torch):
    names = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
             "uint64", "float16", "float32", "float64", "complex64", "complex128")
    _NP_TO_TORCH.update({np.dtype(n): getattr(torch, n) for n in names})
    _TORCH_TO_NP.update({v: k for k, v in _NP_TO_TORCH.items()})
    _COMPUTE.update({np.dtype(np.uint16): torch.int32, np.dtype(np.uint32): torch.int64,
                     np.dtype(np.uint64): torch.int64})


_torch.on_load(_fill)


def as_dtype(dtype) -> np.dtype:
    """Normalise anything NumPy accepts as a dtype, refusing ones trnpy cannot store."""
    if _torch.is_torch_dtype(dtype):
        try:
            return _TORCH_TO_NP[dtype]
        except KeyError:
            raise TypeError(f"trnpy has no dtype for torch dtype {dtype}") from None
    dt = np.dtype(dtype)
    if not dt.isnative:
        dt = dt.newbyteorder("=")         # data are byte-swapped on the way in
    if dt not in _CANONICAL:
        raise TypeError(f"trnpy does not support dtype {dt!r}; supported: "
                        + ", ".join(d.name for d in SUPPORTED))
    # NumPy has two codes for some 64-bit ints ('Q' and 'L'): torch takes only the canonical one
    return _CANONICAL[dt]


def to_torch(dtype: np.dtype) -> torch.dtype:
    if not _NP_TO_TORCH:
        _torch.load()
    return _NP_TO_TORCH[np.dtype(dtype)]


def from_torch(tdtype: torch.dtype) -> np.dtype:
    return _TORCH_TO_NP[tdtype]


def compute_torch(dtype: np.dtype) -> torch.dtype:
    """The torch dtype that arithmetic on ``dtype`` runs in."""
    if not _NP_TO_TORCH:
        _torch.load()
    dt = np.dtype(dtype)
    return _COMPUTE.get(dt) or _NP_TO_TORCH[dt]


def is_python_scalar(x) -> builtins.bool:
    return isinstance(x, (builtins.bool, builtins.int, builtins.float, builtins.complex))


def weak(x):
    """What NumPy's promotion takes for ``x``: a dtype, or the type of a weak Python scalar."""
    if isinstance(x, (type, np.dtype, str)) or _torch.is_torch_dtype(x):
        return as_dtype(x)
    if isinstance(x, np.generic):          # NumPy scalars are strongly typed
        return x.dtype
    for t in (builtins.bool, builtins.int, builtins.float, builtins.complex):
        if isinstance(x, t):
            return t
    return as_dtype(x.dtype)


_WEAK_VALUE = {builtins.bool: False, builtins.int: 0, builtins.float: 0.0, builtins.complex: 0j}


def result_type(*arrays_and_dtypes) -> np.dtype:
    """NumPy 2's result type; Python scalars are weak (NEP 50)."""
    if not arrays_and_dtypes:
        raise ValueError("at least one array or dtype is required")
    # np.result_type takes weak Python scalars as values, not as their types
    args = [_WEAK_VALUE.get(w, w) for w in map(weak, arrays_and_dtypes)]
    return as_dtype(np.result_type(*args))


def real_of(dtype) -> np.dtype:
    """complex128 -> float64, complex64 -> float32; others unchanged."""
    dt = np.dtype(dtype)
    if dt.kind == "c":
        return np.dtype(np.float64) if dt.itemsize == 16 else np.dtype(np.float32)
    return dt
