"""The one place that decides where an op runs, and the plumbing between representations.

* CPU arrays compute on the zero-copy NumPy view of their tensor (NumPy is as fast or
  faster than torch's CPU kernels here and is the oracle we must match), unless the CPU
  backend is switched to torch (tests run both; ``TRNPY_CPU_BACKEND=torch``).
* CUDA and neuron arrays compute with torch on their device.
* Ops that have an NKI kernel (matmul, eigh, fft) ask :func:`route`, which sends them
  to the kernel on the neuron device (registry and policy: ``trnpy/_kernels.py``).
"""
from __future__ import annotations

import contextlib
import contextvars
import os
from collections import Counter

import numpy as np
import torch

from . import _dtypes
from ._devices import CPU, Device

_CPU_BACKEND = contextvars.ContextVar(
    "trnpy_cpu_backend", default=os.environ.get("TRNPY_CPU_BACKEND", "numpy"))

#: where each routed op ran: ROUTES[(op, where)] -> count. Read by users and tests.
ROUTES: Counter = Counter()


@contextlib.contextmanager
def cpu_backend(name: str):
    """Compute CPU arrays with ``"numpy"`` (default) or ``"torch"`` inside the block."""
    if name not in ("numpy", "torch"):
        raise ValueError("cpu backend must be 'numpy' or 'torch'")
    tok = _CPU_BACKEND.set(name)
    try:
        yield
    finally:
        _CPU_BACKEND.reset(tok)


def use_numpy(device: Device) -> bool:
    return device is CPU and _CPU_BACKEND.get() == "numpy"


def route(op: str, device: Device, *operands, **params) -> str:
    """Where ``op`` runs on ``device``: ``"numpy"``, ``"torch"`` or ``"kernel"``.
    Recorded in :data:`ROUTES`.

    On the neuron device an op with a registered NKI kernel (``trnpy._kernels.KERNELS``;
    the caller passes its validated operands and parameters) runs on the kernel when the
    kernel can take them and the problem reaches ``kernel_thresholds[op]`` (or
    ``force_kernels()`` is on). A kernel that cannot take them is a *fallback*: an error
    in strict mode, otherwise torch, with the reason counted in ``_kernels.FALLBACKS``.
    """
    where = "numpy" if use_numpy(device) else "torch"
    if device.kind == "neuron":
        from . import _kernels
        kern = _kernels.KERNELS.get(op)
        if kern is not None:
            why = kern.unsupported(device, *operands, **params)
            if why is not None:
                if _kernels.strict():
                    raise _kernels.KernelFallbackError(
                        f"{op} on {device} cannot use its NKI kernel and would fall back "
                        f"to torch: {why} (strict kernel mode: trnpy.strict_kernels() / "
                        "TRNPY_STRICT_KERNELS=1)")
                _kernels.FALLBACKS[(op, why)] += 1
            elif _kernels.forced() or \
                    kern.size(*operands, **params) >= _kernels.kernel_thresholds[op]:
                where = "kernel"
            else:
                _kernels.FALLBACKS[(op, "below the size threshold")] += 1
    ROUTES[(op, where)] += 1
    return where


# ---------------------------------------------------------------------------
# representations
def wrap(data, device: Device):
    """TrnArray around a NumPy result (CPU) or a torch tensor (any device)."""
    if type(data) is np.ndarray:
        if data.dtype.char not in _ALIASABLE:
            data = _torch_compatible(data)[0]
        # the tensor is made on first use (TrnArray._t), which copies data torch cannot
        # alias (read-only, negative strides)
        out = _new_array(_ARRAY_CLS)
        out._tt = None
        out._device = device
        out._np = data
        return out
    if isinstance(data, torch.Tensor):
        return _ARRAY_CLS._new(data, device)
    return wrap(np.asarray(data), device)


_new_array = None        # trnpy._array sets these: TrnArray.__new__ and TrnArray
_ARRAY_CLS = None


def host_result(r):
    """CPU TrnArray around the NumPy result of an op on host arrays: :func:`wrap` without
    its checks, for the hot paths. NumPy's ufuncs and indexing give native arrays of
    trnpy's dtypes for operands of trnpy's dtypes; a NumPy scalar (0-d result) goes the
    long way."""
    if type(r) is np.ndarray:
        out = _new_array(_ARRAY_CLS)
        out._tt = None
        out._device = CPU
        out._np = r
        return out
    return wrap(r, CPU)


# dtype codes torch.from_numpy takes (NumPy's canonical codes of trnpy's dtypes)
_ALIASABLE = frozenset(d.char for d in _dtypes.SUPPORTED)


def _torch_compatible(data: np.ndarray):
    """(array, tensor) for NumPy data torch cannot alias as is."""
    dt = _dtypes.as_dtype(data.dtype)     # raises for unsupported kinds
    if data.dtype.char != dt.char:
        data = data.view(dt)              # 'Q' -> 'L' etc.: same bits, the code torch takes
    if not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    try:
        if data.flags.writeable:
            return data, torch.from_numpy(data)
    except ValueError:
        pass
    # negative strides or a read-only buffer: torch cannot alias it
    data = np.array(data, copy=True)
    return data, torch.from_numpy(data)




def np_view(x) -> np.ndarray:
    """Zero-copy NumPy view of a host-resident array's tensor (cached)."""
    v = x._np
    if v is None:
        v = x._np = x._t.numpy()
    return v


def compute_tensor(t: torch.Tensor, dtype=None) -> torch.Tensor:
    """``t`` (optionally cast to NumPy dtype ``dtype``) in a dtype torch computes in."""
    if dtype is not None and _dtypes.from_torch(t.dtype) != np.dtype(dtype):
        t = cast_tensor(t, dtype)
    ct = _dtypes.compute_torch(_dtypes.from_torch(t.dtype))
    if ct == t.dtype:
        return t
    if t.dtype == torch.uint64:
        return t.view(torch.int64)        # same bits; callers handle unsigned order
    return t.to(ct)


def cast_tensor(t: torch.Tensor, dtype) -> torch.Tensor:
    """Cast with NumPy's semantics (integer wrap-around, uint64 bit patterns)."""
    if t.dtype is _dtypes._NP_TO_TORCH.get(dtype):
        return t                           # the common case, without normalising dtype
    dt = np.dtype(dtype)
    target = _dtypes.to_torch(dt)
    if t.dtype == target:
        return t
    if t.dtype == torch.uint64 and dt.kind in "iu":
        t = t.view(torch.int64)
    elif t.dtype == torch.uint64 and dt.kind in "fc":
        # torch reads uint64 as signed; halve values >= 2**63 (keeping the sticky low bit so
        # the single rounding matches NumPy's), convert, and double
        v = t.view(torch.int64)
        big = v < 0
        half = ((v >> 1) & 0x7FFF_FFFF_FFFF_FFFF) | (v & 1)
        return torch.where(big, half.to(target) * 2, v.to(target))
    if dt == np.dtype(np.uint64) and t.dtype.is_floating_point:
        big = t >= 2.0 ** 63
        return torch.where(big, (t - 2.0 ** 63).to(torch.int64) ^ (-2 ** 63),
                           t.to(torch.int64)).view(torch.uint64)
    if dt == np.dtype(np.uint64) and t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64):
        return t.to(torch.int64).view(torch.uint64)
    if target in (torch.uint16, torch.uint32) and t.dtype.is_floating_point:
        return t.to(torch.int64).to(target)
    return t.to(target)


def from_compute(t: torch.Tensor, dtype) -> torch.Tensor:
    """Result computed in a compute dtype back to storage dtype ``dtype``."""
    dt = np.dtype(dtype)
    if dt == np.dtype(np.uint64) and t.dtype == torch.int64:
        return t.view(torch.uint64)
    return cast_tensor(t, dt)


def host(x) -> np.ndarray:
    """A NumPy array with ``x``'s data on the host (a view for CPU arrays, else a copy)."""
    if x._t.device.type == "cpu":
        return np_view(x)
    return x._t.detach().cpu().numpy()


def same_device(*arrays) -> Device:
    """The common device of ``arrays``; mixing devices raises ``ValueError`` naming both."""
    dev = None
    for a in arrays:
        d = getattr(a, "_device", None)
        if d is None:
            continue
        if dev is None:
            dev = d
        elif d != dev:
            raise ValueError(f"arrays are on different devices: {dev} and {d}; "
                             "move one explicitly with .to_device()")
    return dev
