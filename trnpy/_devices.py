"""Devices: the one place that resolves a device spec to where data lives.

A :class:`Device` names ``cpu``, ``cuda[:i]`` or ``neuron[:i]``. ``with trnpy.device(d):``
sets the default device for new arrays in the current thread / asyncio task (a
``contextvars`` stack: each block's exit resets its token, or removes just its own entry
when blocks exit out of order, as generators do). Each device has its own default dtypes; the neuron device has
no float64 and refuses it rather than downcasting.

The neuron device has two modes: *real* (``torch_neuronx`` and ``torch_xla`` import:
data on the XLA device) and *emulated* (``TRNPY_NEURON=emulate`` or
``trnpy.device("neuron", emulate=True)``: data in host memory, the same dtype rules,
routed ops run through the NKI emulator).
"""
from __future__ import annotations

import contextvars
import os
import re
import sys

import numpy as np
from . import _torch
from ._torch import torch

__all__ = ["Device", "device", "get_default_device"]

_KINDS = ("cpu", "cuda", "neuron")

_NO_FLOAT64 = (np.dtype(np.float64), np.dtype(np.complex128))

_DEFAULTS_64 = {
    "real floating": np.dtype(np.float64), "complex floating": np.dtype(np.complex128),
    "integral": np.dtype(np.int64), "indexing": np.dtype(np.int64),
}
_DEFAULTS_NEURON = {
    "real floating": np.dtype(np.float32), "complex floating": np.dtype(np.complex64),
    "integral": np.dtype(np.int64), "indexing": np.dtype(np.int64),
}

NEURON_INSTALL_HINT = (
    "The Neuron SDK (torch-neuronx, torch-xla, nki) comes from AWS's own package index: "
    "pip install 'trnpy[neuron]' --extra-index-url https://pip.repos.neuron.amazonaws.com . "
    "Without hardware, set TRNPY_NEURON=emulate (or trnpy.device('neuron', emulate=True)) "
    "to run on the NKI emulator.")


def _neuron_runtime_missing() -> str | None:
    """Name of the first missing Neuron runtime package, or None when all import."""
    for mod in ("torch_neuronx", "torch_xla"):
        try:
            __import__(mod)      # optional: the Neuron SDK, probed by name
        except Exception:
            return mod
    return None


class Device:
    """Where an array's data lives. Also a context manager that makes it the default."""

    __slots__ = ("kind", "index", "emulated", "__weakref__")

    def __init__(self, kind: str, index: int = 0, emulated: bool = False):
        self.kind = kind
        self.index = index
        self.emulated = emulated

    # -- identity -------------------------------------------------------------
    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (ValueError, RuntimeError):
                return False
        return (isinstance(other, Device) and self.kind == other.kind
                and self.index == other.index and self.emulated == other.emulated)

    def __hash__(self):
        return hash((self.kind, self.index, self.emulated))

    def __str__(self):
        return self.kind if self.kind == "cpu" else f"{self.kind}:{self.index}"

    def __repr__(self):
        extra = ", emulated" if self.emulated else ""
        return f"device('{self}'{extra})"

    def __reduce__(self):
        # the CPU unpickles as the one CPU Device (code asks `dev is CPU`): a Device sent
        # to another process (a Dask task's argument) keeps the NumPy path there
        return (_unpickle_device, (self.kind, self.index, self.emulated))

    # -- where data lives -----------------------------------------------------
    @property
    def torch_device(self) -> torch.device:
        if self.kind == "cpu" or self.emulated:
            return torch.device("cpu")
        if self.kind == "cuda":
            return torch.device("cuda", self.index)
        import torch_xla.core.xla_model as xm  # real neuron: the XLA device
        return xm.xla_device(self.index)

    def default_dtypes(self) -> dict:
        return dict(_DEFAULTS_NEURON if self.kind == "neuron" else _DEFAULTS_64)

    def default_dtype(self, kind: str) -> np.dtype:
        return (_DEFAULTS_NEURON if self.kind == "neuron" else _DEFAULTS_64)[kind]

    def check_dtype(self, dtype) -> None:
        """Refuse dtypes the device cannot hold (never a silent downcast)."""
        if self.kind == "neuron" and np.dtype(dtype) in _NO_FLOAT64:
            raise TypeError(
                f"{np.dtype(dtype).name} is not supported on {self}: Trainium has no float64 "
                "arithmetic. Ask for float32/complex64 explicitly (x.astype('float32')), "
                "or keep this array on the CPU.")

    # -- context manager ------------------------------------------------------
    def __enter__(self):
        entry = _Entry(self, id(sys._getframe(1)))
        entry.token = _STACK.set(_STACK.get() + (entry,))
        return self

    def __exit__(self, *exc):
        stack = _STACK.get()
        # this block's entry: the newest one of this device entered from the frame that
        # exits (a `with` enters and exits in one frame; an ExitStack does not: then the
        # newest one of this device)
        frame = id(sys._getframe(1))
        mine = [i for i in range(len(stack)) if stack[i].device is self]
        if not mine:
            return False            # entered in another context (thread, task): not ours
        i = next((j for j in reversed(mine) if stack[j].frame == frame), mine[-1])
        entry = stack[i]
        old = entry.token.old_value
        if i == len(stack) - 1 and (stack[:-1] == old or (not i and old is entry.token.MISSING)):
            try:
                _STACK.reset(entry.token)       # properly nested: restore exactly
                return False
            except (ValueError, RuntimeError):  # a token of another context, or used
                pass
        # Exits out of order (a generator leaving its block while its caller is inside
        # another one): take out this block's entry only. A token reset would restore a
        # stale stack, dropping the caller's device or reviving an exited one.
        _STACK.set(stack[:i] + stack[i + 1:])
        return False


class _Entry:
    """One ``with device:`` block on the stack (a Device may be entered many times)."""
    __slots__ = ("device", "frame", "token")

    def __init__(self, device, frame):
        self.device = device
        self.frame = frame
        self.token = None


_CPU = Device("cpu")


def _unpickle_device(kind, index, emulated):
    return _CPU if kind == "cpu" else Device(kind, index, emulated)


_STACK: contextvars.ContextVar[tuple] = contextvars.ContextVar("trnpy_device", default=())

_SPEC = re.compile(r"^(cpu|cuda|neuron|xla)(?::(\d+))?$")


def device(spec=None, index: int | None = None, *, emulate: bool | None = None) -> Device:
    """Resolve ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"neuron"``, ``"neuron:0"``, a
    ``torch.device`` or a :class:`Device` to a :class:`Device`.

    ``with trnpy.device("cuda"):`` makes new arrays land on that device.
    """
    if spec is None:
        return get_default_device()
    if isinstance(spec, Device):
        return spec
    if _torch.is_torch_device(spec):
        kind = "neuron" if spec.type == "xla" else spec.type
        idx = spec.index if spec.index is not None else 0
        spec = f"{kind}:{idx}"
    if not isinstance(spec, str):
        raise TypeError(f"device must be a string, torch.device or trnpy Device, not {type(spec).__name__}")
    m = _SPEC.match(spec.strip().lower())
    if m is None:
        raise ValueError(f"unknown device {spec!r}; expected 'cpu', 'cuda[:i]' or 'neuron[:i]'")
    kind = "neuron" if m.group(1) == "xla" else m.group(1)
    idx = int(m.group(2)) if m.group(2) is not None else (index or 0)
    if kind == "cpu":
        if idx != 0:
            raise ValueError("there is one cpu device: 'cpu'")
        return _CPU
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' requested but torch sees no CUDA GPU "
                               "(torch.cuda.is_available() is False; this torch build is "
                               f"{torch.__version__})")
        if idx >= torch.cuda.device_count():
            raise ValueError(f"cuda:{idx} does not exist: torch sees "
                             f"{torch.cuda.device_count()} CUDA device(s)")
        return Device("cuda", idx)
    # neuron
    if emulate is None:
        emulate = os.environ.get("TRNPY_NEURON", "").lower() == "emulate"
    if emulate:
        return Device("neuron", idx, emulated=True)
    missing = _neuron_runtime_missing()
    if missing is not None:
        raise RuntimeError(f"device 'neuron' needs the Neuron runtime, but {missing!r} "
                           f"does not import. {NEURON_INSTALL_HINT}")
    return Device("neuron", idx)


def get_default_device() -> Device:
    stack = _STACK.get()
    return stack[-1].device if stack else _CPU


def available_devices() -> list[Device]:
    out = [_CPU]
    if torch.cuda.is_available():
        out += [Device("cuda", i) for i in range(torch.cuda.device_count())]
    if os.environ.get("TRNPY_NEURON", "").lower() == "emulate":
        out.append(Device("neuron", 0, emulated=True))
    elif _neuron_runtime_missing() is None:
        out.append(Device("neuron", 0))
    return out


CPU = _CPU
