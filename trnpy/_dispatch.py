"""Backend policy: the one place that decides where an op runs.

* CPU arrays compute on the zero-copy NumPy view of their tensor (NumPy is as fast or
  faster than torch's CPU kernels here and is the oracle we must match), unless the CPU
  backend is switched to torch (tests run both; ``TRNPY_CPU_BACKEND=torch``).
* CUDA and neuron arrays compute with torch on their device.
* Each kernel family has one routing point that asks :func:`route` (GEMM:
  ``trnpy/_gemm.py``; FFT: ``trnpy/fft``; eigh: ``trnpy/linalg``), which sends the work
  to the NKI kernel on the neuron device (adapters and policy:
  ``trnpy/_kernel_registry.py``).
"""
from __future__ import annotations

import contextvars
import os

from . import _kernel_registry
from ._kernel_registry import ROUTES
from ._array import TrnArray
from ._devices import CPU, Device

_CPU_BACKEND = contextvars.ContextVar(
    "trnpy_cpu_backend", default=os.environ.get("TRNPY_CPU_BACKEND", "numpy"))


def cpu_backend(name: str):
    """Compute CPU arrays with ``"numpy"`` (default) or ``"torch"`` inside the block."""
    if name not in ("numpy", "torch"):
        raise ValueError("cpu backend must be 'numpy' or 'torch'")
    return _kernel_registry.scoped(_CPU_BACKEND, name)


def use_numpy(device: Device) -> bool:
    return device is CPU and _CPU_BACKEND.get() == "numpy"


def route(op: str, device: Device, *operands, **params) -> str:
    """Where ``op`` runs on ``device``: ``"numpy"``, ``"torch"`` or ``"kernel"``.
    Recorded in :data:`ROUTES`.

    On the neuron device an op with a registered NKI kernel (``trnpy._kernel_registry.KERNELS``;
    the caller passes its validated operands and parameters) runs on the kernel when the
    kernel can take them and the problem reaches ``kernel_thresholds[op]`` (or
    ``force_kernels()`` is on). A kernel that cannot take them is a *fallback*: an error
    in strict mode, otherwise torch, with the reason counted in ``_kernel_registry.FALLBACKS``.
    """
    where = "numpy" if use_numpy(device) else "torch"
    if device.kind == "neuron":
        kern = _kernel_registry.KERNELS.get(op)
        if kern is not None:
            # adapters take tensors; callers may pass TrnArrays (whose tensor the host
            # path never needs to make)
            operands = [o._t if isinstance(o, TrnArray) else o for o in operands]
            why = kern.unsupported(device, *operands, **params)
            if why is not None:
                if _kernel_registry.strict():
                    raise _kernel_registry.KernelFallbackError(
                        f"{op} on {device} cannot use its NKI kernel and would fall back "
                        f"to torch: {why} (strict kernel mode: trnpy.strict_kernels() / "
                        "TRNPY_STRICT_KERNELS=1)")
                _kernel_registry.FALLBACKS[(op, why)] += 1
            elif _kernel_registry.forced() or \
                    kern.size(*operands, **params) >= _kernel_registry.kernel_thresholds[op]:
                where = "kernel"
            else:
                _kernel_registry.FALLBACKS[(op, "below the size threshold")] += 1
    ROUTES[(op, where)] += 1
    return where

