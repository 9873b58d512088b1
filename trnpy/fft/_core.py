"""The FFT choke point at tensor level: :func:`transform` runs one ``torch.fft``-style
1-D transform of a tensor through ``_dispatch.route("fft", ...)``, so that it reaches
the NKI FFT kernel on the neuron device. The transforms built from FFTs on tensors
(``dct``/``dst``/``dctn``/``dstn`` and their inverses, ``fht``/``ifht``:
``trnpy/fft/_scipy.py``) call it for every FFT they need; NumPy's transforms
(``trnpy/fft/_fft.py``) ask ``route("fft")`` themselves and run the same kernel adapter.
"""
from __future__ import annotations

from .._torch import torch

from .. import _dispatch, _kernel_registry

__all__ = ["transform"]

_C2R = ("irfft", "hfft")


def transform(t: torch.Tensor, name: str, n=None, axis=-1, norm=None, device=None):
    """``torch.fft.<name>(t, n, axis, norm)`` for ``name`` in fft/ifft/rfft/irfft/hfft/
    ihfft, on the NKI FFT kernel where ``route`` sends it (neuron device, float32 or
    complex64 input, a length the kernel plans; else a recorded fallback, or
    ``KernelFallbackError`` in strict mode), on torch otherwise. ``device``: the trnpy
    device of ``t`` (None: plain torch, nothing recorded)."""
    axis = axis % t.dim()
    if n is None:
        n = 2 * (t.shape[axis] - 1) if name in _C2R else t.shape[axis]
    if device is not None and \
            _dispatch.route("fft", device, t, name, (n,), (axis,), norm=norm) == "kernel":
        return _kernel_registry.run("fft", t, name, (n,), (axis,), norm=norm, device=device)
    return getattr(torch.fft, name)(t, n=n, dim=axis, norm=norm or "backward")
