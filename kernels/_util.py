"""Small host-side helpers shared by the kernels (plain Python, usable at trace time)."""
from __future__ import annotations

import numpy as np


def ceil_div(a, b):
    return -(-a // b)


def nbytes(dt):
    """Bytes per element of an NKI dtype (NumPy dtype in the emulator, a name in the SDK)."""
    try:
        return np.dtype(dt).itemsize
    except TypeError:
        name = str(dt)
        return 4 if "32" in name else 2 if "16" in name else 1


def dtype_bytes(dt):
    """Bytes per element of an NKI dtype, in NKI 0.3's subset (usable inside kernels):
    equality tests only (a NumPy dtype in the emulator, a name string in the SDK)."""
    if dt == "float32" or dt == "int32" or dt == "uint32":
        return 4
    if dt == "bfloat16" or dt == "float16" or dt == "int16" or dt == "uint16":
        return 2
    return 1
