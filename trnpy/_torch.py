"""torch, imported the first time a tensor is needed.

CPU arrays compute on NumPy views and never need torch, whose import costs seconds and
~200 MB; so ``import trnpy`` does not import it. Every module writes
``from ._torch import torch`` and uses ``torch.<name>`` as usual: the first attribute read
imports torch (a non-CPU device, ``TRNPY_CPU_BACKEND=torch``, a kernel, DLPack, or a
TrnArray asked for its tensor) and later reads are plain attribute look-ups, cached on the
proxy. Code that only needs to *recognise* torch objects asks :func:`tensor_type` /
:func:`is_tensor`, which never import it.
"""
from __future__ import annotations

import sys

_ON_LOAD: list = []


class _LazyTorch:
    """Stands in for the ``torch`` module until something reads an attribute."""

    def __getattr__(self, name):
        real = load()
        value = getattr(real, name)
        # cache on the instance: the next read of ``torch.name`` skips __getattr__
        object.__setattr__(self, name, value)
        return value

    def __repr__(self):
        return "<torch, imported on first use by trnpy>" if "torch" not in sys.modules \
            else repr(sys.modules["torch"])


torch = _LazyTorch()


def load():
    """Import torch (once) and run the hooks that build torch-side tables."""
    real = sys.modules.get("torch")
    if real is None or not hasattr(real, "Tensor"):
        import torch as real  # lazy: the point of this module (see the docstring)
    while _ON_LOAD:
        _ON_LOAD.pop(0)(real)
    return real


def on_load(hook) -> None:
    """Run ``hook(torch)`` when torch is imported (now, if it already is)."""
    _ON_LOAD.append(hook)
    if loaded():
        load()


def loaded() -> bool:
    """Whether torch is imported (by trnpy or by anyone else)."""
    m = sys.modules.get("torch")
    return m is not None and hasattr(m, "Tensor")


def is_tensor(x) -> bool:
    """``isinstance(x, torch.Tensor)`` without importing torch: no torch, no tensors."""
    return loaded() and isinstance(x, load().Tensor)


def is_torch_dtype(x) -> bool:
    return loaded() and isinstance(x, load().dtype)


def is_torch_device(x) -> bool:
    return loaded() and isinstance(x, load().device)


def deferred(owner, attr, name):
    """A stand-in for ``torch.<name>`` (dotted names reach submodules) stored as
    ``owner.<attr>``: its first call looks the function up and puts it in its place."""
    def first_call(*args, **kwargs):
        fn = load()
        for part in name.split("."):
            fn = getattr(fn, part)
        setattr(owner, attr, fn)
        return fn(*args, **kwargs)
    return first_call
