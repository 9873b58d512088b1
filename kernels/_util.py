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
