"""Shared setup of the NKI kernel tests (``test_kernel_*.py``): they run on the emulator
only, with a shuffled ``affine_range`` order, and check that the kernel really ran."""
from __future__ import annotations

import numpy as np
import pytest

import kernels.emulator as emu
import trnpy
from kernels.emulator import instruction_counts
from trnpy import _kernel_registry
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


# -- routing of public ops to the kernels ---------------------------------------------
@pytest.fixture
def clean_policy():
    """Each test starts with the default thresholds and empty counters."""
    saved = dict(trnpy.kernel_thresholds)
    trnpy.reset_routes()
    yield
    trnpy.kernel_thresholds.clear()
    trnpy.kernel_thresholds.update(saved)


@pytest.fixture
def kernel_mode():
    with trnpy.strict_kernels(), trnpy.force_kernels():
        yield


def tensor_count():
    return instruction_counts()["tensor"]


class OnKernel:
    """``with OnKernel("matmul"):`` asserts the block ran ``op`` on its kernel (``calls``
    times, or at least once when None), never on torch, and TensorE instructions ran."""

    def __init__(self, op, calls=None):
        self.op, self.calls = op, calls

    def __enter__(self):
        self.k0 = trnpy.ROUTES[(self.op, "kernel")]
        self.t0 = trnpy.ROUTES[(self.op, "torch")]
        self.f0 = sum(_kernel_registry.FALLBACKS.values())
        self.n0 = tensor_count()
        return self

    def __exit__(self, exc_type, *rest):
        if exc_type is not None:
            return False
        k = trnpy.ROUTES[(self.op, "kernel")] - self.k0
        if self.calls is None:
            assert k >= 1, trnpy.routing_report()
        else:
            assert k == self.calls, trnpy.routing_report()
        assert trnpy.ROUTES[(self.op, "torch")] == self.t0, trnpy.routing_report()
        assert sum(_kernel_registry.FALLBACKS.values()) == self.f0, trnpy.routing_report()
        assert tensor_count() > self.n0, "the TensorE instruction counter did not move"
        return False


def randn(rng, shape, dtype=np.float32):
    """Standard normal samples of ``dtype`` (complex: both parts drawn)."""
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)
