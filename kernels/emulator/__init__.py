"""A strict NumPy emulator of the NKI 0.3+ API (``nki``, ``nki.language``, ``nki.isa``).

Kernels do not import this package directly; they go through
:mod:`kernels.nki_adapter`, which picks the real Neuron SDK when it is installed.

What it adds over plain NumPy execution:

* NKI 0.3 (Neuron SDK 2.29) as documented, per target (:mod:`.rules`: ALU-op, activation
  and engine tables, dtype rules, access patterns, 32-bit integers, each citing its
  source) and a static ``ast`` check of every function a kernel traces (:mod:`.subset`);

* the hardware's limits as :class:`NKIEmulatorError` (partition dim <= 128, matmul
  K <= 128 / stationary free <= 128 / moving free <= 512, PSUM tiles <= one 2 KiB bank and
  <= 8 banks live, SBUF peak live bytes per partition <= 192 KiB (trn1) / 208 KiB (trn2),
  no partition-axis reductions, no broadcasting in binary ops, fp32-only matmul PSUM,
  equal dtypes for transposes, ...);
* the engines' arithmetic (fp32 routing of Vector/Scalar/GpSimd inputs, ml_dtypes
  rounding, saturating round-half-even integer casts, NaN / 0xDB sentinels in new
  allocations, first-write-overwrites PSUM accumulation groups);
* :func:`shuffled_affine_range` to run ``nl.affine_range`` iterations in random order;
* instruction counting and a cost model (:mod:`kernels.emulator.cost`), read with
  :func:`profile` or :func:`instruction_counts`.

Lifetimes: an on-chip allocation is live from its ``nl.ndarray`` call to the last
instruction that touches it (what the compiler's allocator sees in the unrolled program);
so a tile allocated in a loop body and used only there is free at the end of its
iteration. Peak live SBUF bytes per partition and live PSUM banks are checked when the
kernel returns.
"""
from __future__ import annotations

import contextlib
import random

from . import _core, cost, isa, language
from . import nki  # noqa: F401
from ._core import NKIEmulatorError, NkiTensor

nl = language
nisa = isa

__all__ = ["nki", "nl", "nisa", "NKIEmulatorError", "NkiTensor", "profile",
           "shuffled_affine_range", "target", "dry_run", "instruction_counts",
           "reset_instruction_counts", "cost"]


@contextlib.contextmanager
def profile():
    """Collect the instruction stream of every kernel run inside the block::

        with kernels.emulator.profile() as prof:
            nki.simulate(k)(a, b)
        prof.report()   # counts per engine, DMA bytes, trn1/trn2 time estimates
    """
    p = cost.Profile()
    _core.S.profiles.append(p)
    try:
        yield p
    finally:
        _core.S.profiles.remove(p)


@contextlib.contextmanager
def shuffled_affine_range(seed=0, enabled=True):
    """Run ``nl.affine_range`` iterations in a random order inside the block (also on
    globally with ``TRNPY_NKI_SHUFFLE=1``)."""
    s = _core.S
    old = s.shuffle, s.rng
    s.shuffle, s.rng = enabled, random.Random(seed)
    try:
        yield
    finally:
        s.shuffle, s.rng = old


@contextlib.contextmanager
def target(name):
    """Check limits and NKI 0.3 rules for ``"trn2"`` (default) or ``"trn1"`` (the smaller
    SBUF and the NeuronCore-v2 rules; :mod:`kernels.emulator.rules`). The default can also
    be set with ``TRNPY_NKI_TARGET``."""
    if name not in cost.TARGETS:
        raise ValueError(f"unknown target {name!r}")
    old = _core.S.target
    _core.S.target = name
    try:
        yield
    finally:
        _core.S.target = old


@contextlib.contextmanager
def dry_run():
    """Count instructions and check limits without doing the arithmetic (for cost-model
    estimates of large problems). Results are garbage inside the block."""
    old = _core.S.dry
    _core.S.dry = True
    try:
        yield
    finally:
        _core.S.dry = old


def instruction_counts():
    """Instructions executed per engine since import (or the last reset)."""
    return dict(_core.S.counts)


def reset_instruction_counts():
    for k in _core.S.counts:
        _core.S.counts[k] = 0
