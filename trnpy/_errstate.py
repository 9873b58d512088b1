"""Floating-point error handling: NumPy's own state, honoured on the torch path too.

``trnpy.errstate``/``seterr``/``geterr``/``seterrcall``/``geterrcall`` *are* NumPy's, so
one state governs both backends: the NumPy path raises/warns by itself, and the torch
path asks :func:`report` (fed by :func:`check_torch`) to act as NumPy would for the
condition ("divide", "over", "invalid").
"""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np
from ._torch import torch

__all__ = ["errstate", "seterr", "geterr", "seterrcall", "geterrcall"]

errstate = np.errstate
seterr = np.seterr
geterr = np.geterr
seterrcall = np.seterrcall
geterrcall = np.geterrcall

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_TEXT = {"divide": "divide by zero encountered in {}", "over": "overflow encountered in {}",
         "under": "underflow encountered in {}", "invalid": "invalid value encountered in {}"}
_FLAG = {"divide": 1, "over": 2, "under": 4, "invalid": 8}    # NumPy's errcall flags

# ufuncs whose new infinities are divisions by zero (of the input itself or, for the binary
# ones, of a zero divisor / zero base); other new infinities there are overflows
_UNARY_DIVIDE = frozenset({"log", "log2", "log10", "log1p", "arctanh", "reciprocal"})
_BINARY = {"divide": 1, "floor_divide": 1, "remainder": 1, "fmod": 1, "divmod": 1,
           "power": 0, "float_power": 0}
#: ufuncs the torch path checks for new inf/nan (cheap: only floating results)
CHECKED = _UNARY_DIVIDE | frozenset(_BINARY) | frozenset(
    {"sqrt", "arccos", "arcsin", "arccosh"})


def _user_stacklevel() -> int:
    """warnings.warn's stacklevel of the first frame outside trnpy (called from report)."""
    f, level = sys._getframe(2), 2
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f, level = f.f_back, level + 1
    return level


def report(kind: str, name: str) -> None:
    """Act on floating-point condition ``kind`` in ufunc ``name`` per NumPy's err state
    (a warning points at the first caller outside trnpy)."""
    mode = np.geterr()[kind]
    if mode == "ignore":
        return
    msg = _TEXT[kind].format(name)
    if mode == "warn":
        # attribute the warning to the user's line, not to trnpy's internals
        warnings.warn(msg, RuntimeWarning, stacklevel=_user_stacklevel())
    elif mode == "raise":
        raise FloatingPointError(msg)
    elif mode == "call":
        f = np.geterrcall()
        if f is None:
            raise ValueError(f"No callback set for floating-point error mode 'call' ({msg})")
        if callable(f):
            f(msg.split(" encountered")[0], _FLAG[kind])
        else:
            f.write(f"Warning: {msg}\n")
    elif mode == "print":
        sys.stdout.write(f"Warning: {msg}\n")
    elif mode == "log":
        f = np.geterrcall()
        if f is None or not hasattr(f, "write"):
            raise ValueError(f"log mode needs an object with a write method ({msg})")
        f.write(f"Warning: {msg}\n")


def check_torch(name: str, inputs, results, mask=None) -> None:
    """Report the divide/overflow/invalid conditions NumPy would for ufunc ``name``:
    a NaN the inputs did not have is 'invalid'; a new infinity is 'divide' or 'over'."""
    if name not in CHECKED:
        return
    state = np.geterr()
    if state["divide"] == state["invalid"] == state["over"] == "ignore":
        return
    res = [r for r in results if r.dtype.is_floating_point]
    if not res:
        return
    bad = None
    for r in res:
        b = ~torch.isfinite(r)
        bad = b if bad is None else bad | b
    if mask is not None:
        bad = bad & mask
    if not bool(bad.any()):
        return
    ins = [t for t in inputs if t.dtype.is_floating_point or t.dtype.is_complex]
    in_nan = in_inf = None
    for t in ins:
        n, i = torch.isnan(t), torch.isinf(t)
        in_nan = n if in_nan is None else in_nan | n
        in_inf = i if in_inf is None else in_inf | i
    new_nan = new_inf = None
    for r in res:
        n = torch.isnan(r) & bad
        i = torch.isinf(r) & bad
        if in_nan is not None:
            n = n & ~in_nan
            i = i & ~(in_inf | in_nan)
        new_nan = n if new_nan is None else new_nan | n
        new_inf = i if new_inf is None else new_inf | i
    divide = over = False
    if bool(new_inf.any()):
        if name in _UNARY_DIVIDE:
            divide = True
        elif name in _BINARY:
            zero = torch.broadcast_to(inputs[_BINARY[name]] == 0, new_inf.shape)
            divide = bool((new_inf & zero).any())
            over = bool((new_inf & ~zero).any())
        else:
            over = True
    # NumPy reports in this order: divide, over, (under), invalid
    if divide:
        report("divide", name)
    if over:
        report("over", name)
    if bool(new_nan.any()):
        report("invalid", name)
