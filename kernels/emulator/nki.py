"""Emulated top-level ``nki`` namespace: ``nki.jit``, ``nki.simulate``,
``nki.language``, ``nki.isa``."""
from __future__ import annotations

import functools
from enum import Enum

import numpy as np

from . import _core as C
from . import isa, language  # noqa: F401  (nki.language / nki.isa attributes)
from . import rules as R
from .subset import check_kernel

__all__ = ["jit", "simulate", "language", "isa", "Kernel"]


class Kernel:
    """What ``@nki.jit`` returns. Calling it with NumPy arrays runs the emulator
    (the real SDK compiles and runs a standalone kernel in that case)."""

    def __init__(self, fn, **options):
        self.fn = fn
        self.options = options
        functools.update_wrapper(self, fn)

    def __getitem__(self, lnc):
        if lnc != 1:
            raise C.NKIEmulatorError(f"the emulator runs LNC=1 kernels only (got {lnc})")
        return self

    def __call__(self, *args, **kwargs):
        return simulate(self)(*args, **kwargs)

    def __repr__(self):
        return f"<nki.jit kernel {self.fn.__name__} (emulated)>"


def jit(fn=None, **kwargs):
    if fn is None:
        return lambda f: Kernel(f, **kwargs)
    return Kernel(fn, **kwargs)


def _is_torch(x):
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _check_arg(v, where):
    """Kernel arguments NKI 0.3 accepts: tensors, None, bool, 32-bit int, float, str,
    enum members, tuples and string-keyed dicts of those."""
    if v is None or isinstance(v, (bool, float, str, np.ndarray, Enum)) or _is_torch(v):
        return
    if isinstance(v, int):
        R.check_int32(v, where)
    elif isinstance(v, tuple):
        for i, x in enumerate(v):
            _check_arg(x, f"{where}[{i}]")
    elif isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, str):
                R.violation("dict-key", f"{where} has key {k!r}")
            _check_arg(x, f"{where}[{k!r}]")
    elif isinstance(v, list):
        R.violation("kernel-arg", f"{where} is a list (pass a tuple)")
    else:
        R.violation("kernel-arg", f"{where} is a {type(v).__name__}")


def simulate(kernel):
    """``nki.simulate(kernel)(*args)``: run ``kernel`` in the emulator. Array arguments
    (NumPy or torch CPU tensors) become HBM tensors; other arguments pass through. The
    kernel's returned HBM tensors come back as NumPy arrays (torch tensors if the inputs
    were torch). Arguments the kernel writes are written back to the caller's arrays."""
    fn = kernel.fn if isinstance(kernel, Kernel) else kernel

    def run(*args, **kwargs):
        check_kernel(fn)
        for i, a in enumerate(args):
            _check_arg(a, f"argument {i}")
        for k, a in kwargs.items():
            _check_arg(a, f"argument {k}")
        use_torch = any(_is_torch(a) for a in args)
        with C.kernel_run(getattr(fn, "__name__", "kernel")) as k:
            wrapped, originals = [], []
            for a in args:
                if _is_torch(a):
                    t = C.wrap_hbm(a.detach().cpu().numpy(), name="arg")
                    wrapped.append(t)
                    originals.append((t, None))
                elif isinstance(a, np.ndarray):
                    t = C.wrap_hbm(a, name="arg")
                    wrapped.append(t)
                    originals.append((t, a))
                else:
                    wrapped.append(a)
            out = fn(*wrapped, **kwargs)
            peaks = C.finish_kernel(k)
            for p in C.S.profiles:
                p.kernels += 1
                p.peak_sbuf_bytes_pp = max(p.peak_sbuf_bytes_pp, peaks["SBUF"])
                p.peak_psum_banks = max(p.peak_psum_banks, peaks["PSUM"])
            for t, orig in originals:
                if orig is not None and t._alloc.written and orig.flags.writeable:
                    np.copyto(orig, t._arr)

        def convert(o):
            if isinstance(o, C.NkiTensor):
                if o.buffer not in C.HBM:
                    raise C.NKIEmulatorError(
                        f"kernel returned a {o.buffer.value} tensor; outputs must be "
                        f"allocated in nl.shared_hbm")
                r = o.numpy()
                if use_torch:
                    import torch
                    return torch.from_numpy(r) if r.dtype.kind != "V" and \
                        r.dtype.name != "bfloat16" else torch.from_numpy(
                            r.astype(np.float32)).to(torch.bfloat16)
                return r
            if isinstance(o, (tuple, list)):
                return type(o)(convert(x) for x in o)
            return o

        return convert(out)

    return run
