"""Shared setup of the NKI kernel tests (``test_kernel_*.py``): they run on the emulator
only, with a shuffled ``affine_range`` order, and check that the kernel really ran."""
from __future__ import annotations

import numpy as np
import pytest

import kernels.emulator as emu
from kernels import nki_adapter

emulator_only = pytest.mark.skipif(nki_adapter.REAL_NKI,
                                   reason="emulator tests (the real Neuron SDK is installed)")


def shuffled_fixture(seed):
    """An autouse fixture running each test of the module under
    ``emu.shuffled_affine_range(seed=seed)``; bind it to a module-level name."""
    @pytest.fixture(autouse=True)
    def _shuffled():
        with emu.shuffled_affine_range(seed=seed):
            yield
    return _shuffled


def counted(fn, engines=("tensor",)):
    """Run ``fn`` under the emulator's profiler; assert each engine in ``engines`` executed
    instructions (no silent NumPy fallback). Returns (result, profile report)."""
    before = emu.instruction_counts()
    with emu.profile() as prof:
        r = fn()
    after = emu.instruction_counts()
    for e in engines:
        assert after[e] > before[e], e
    return r, prof.report()


def counted_ops(fn, engines=("tensor",)):
    """:func:`counted`, returning (result, instructions by op name)."""
    r, rep = counted(fn, engines)
    return r, rep["instructions_by_op"]


def rel_err(y, ref):
    """Max abs error relative to the largest |ref|."""
    return np.abs(y - ref).max() / max(np.abs(ref).max(), 1e-30)
