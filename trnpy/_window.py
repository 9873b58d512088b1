"""NumPy's window functions: bartlett, blackman, hamming, hanning, kaiser.

NumPy returns float64 (the dtype of ``np.array([0.0, M])``); trnpy returns that dtype on
the CPU and CUDA and the device's default floating dtype on the neuron device (float32),
as its other creation functions do. ``device=`` (keyword-only) is trnpy's addition.
"""
from __future__ import annotations

import math

import numpy as np
from ._torch import torch

from . import _convert, _dispatch, _dtypes
from ._array import TrnArray
from ._devices import device as _as_device, get_default_device

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _scalar(v):
    if isinstance(v, TrnArray):
        return v.item()
    return v


def _setup(name, M, device, *extra):
    """(values as NumPy gives them, result dtype, device)."""
    dev = get_default_device() if device is None else _as_device(device)
    values = np.array([0.0, _scalar(M), *map(_scalar, extra)])
    dt = _convert.device_default(_dtypes.as_dtype(values.dtype), dev)
    dev.check_dtype(dt)
    if dt.kind == "c" and name != "kaiser" and not _dispatch.use_numpy(dev):
        raise NotImplementedError(f"trnpy.{name}: a complex M or beta is not supported on "
                                  "the torch backend")
    return values, dt, dev


def _window(name, M, device, torch_fn):
    values, dt, dev = _setup(name, M, device)
    if _dispatch.use_numpy(dev):
        return _convert.wrap(getattr(np, name)(M if not isinstance(M, TrnArray)
                                                else _scalar(M)).astype(dt, copy=False), dev)
    m = float(values[1])
    td = _dtypes.to_torch(dt)
    if m < 1:
        return TrnArray._new(torch.empty(0, dtype=td, device=dev.torch_device), dev)
    if m == 1:
        return TrnArray._new(torch.ones(1, dtype=td, device=dev.torch_device), dev)
    # half precision computes in float32, as NumPy's float16 loops do
    cd = torch.float32 if td == torch.float16 else td
    n = torch.arange(1 - m, m, 2, dtype=cd, device=dev.torch_device)
    return TrnArray._new(torch_fn(n, m).to(td), dev)


def bartlett(M, *, device=None):
    """The triangular (Bartlett) window of ``M`` points."""
    return _window("bartlett", M, device,
                   lambda n, m: torch.where(n <= 0, 1 + n / (m - 1), 1 - n / (m - 1)))


def blackman(M, *, device=None):
    """The Blackman window of ``M`` points."""
    return _window("blackman", M, device,
                   lambda n, m: 0.42 + 0.5 * torch.cos(math.pi * n / (m - 1))
                   + 0.08 * torch.cos(2.0 * math.pi * n / (m - 1)))


def hamming(M, *, device=None):
    """The Hamming window of ``M`` points."""
    return _window("hamming", M, device,
                   lambda n, m: 0.54 + 0.46 * torch.cos(math.pi * n / (m - 1)))


def hanning(M, *, device=None):
    """The Hann window of ``M`` points."""
    return _window("hanning", M, device,
                   lambda n, m: 0.5 + 0.5 * torch.cos(math.pi * n / (m - 1)))


def kaiser(M, beta, *, device=None):
    """The Kaiser window of ``M`` points with shape parameter ``beta``."""
    values, dt, dev = _setup("kaiser", M, device, beta)
    if _dispatch.use_numpy(dev):
        return _convert.wrap(np.kaiser(_scalar(M), _scalar(beta)).astype(dt, copy=False), dev)
    td = _dtypes.to_torch(dt)
    if values[1] == 1:
        return TrnArray._new(torch.ones(1, dtype=td, device=dev.torch_device), dev)
    if dt.kind == "c":
        raise TypeError("i0 not supported for complex values")     # as NumPy's kaiser
    m, b = float(values[1]), float(values[2])
    cd = torch.float32 if td == torch.float16 else td
    n = torch.arange(0, max(m, 0.0), dtype=cd, device=dev.torch_device)
    alpha = (m - 1) / 2.0
    r = torch.special.i0(b * torch.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / \
        torch.special.i0(torch.tensor(b, dtype=cd, device=dev.torch_device))
    return TrnArray._new(r.to(td), dev)
