"""The emulator's ``nisa.nc_n_gather`` (NKI 0.3, aws-neuron-sdk v2.29.0
nki/api/nki/isa/__init__.py): a per-partition gather on GpSimd, bit for bit, with the
documented restrictions enforced."""
from __future__ import annotations

import numpy as np
import pytest

import kernels.emulator as emu
from kernels.emulator import NKIEmulatorError
from kernels.emulator import nisa, nki, nl


def _gather_kernel(data, idx, int32_idx=False, bf16_out=False, in_psum=False):
    d = nl.ndarray(data.shape, dtype=data.dtype, buffer=nl.psum if in_psum else nl.sbuf)
    if not in_psum:
        nisa.dma_copy(dst=d, src=data)
    else:
        nisa.memset(d, 0.0)
    i = nl.ndarray(idx.shape, dtype=nl.int32 if int32_idx else nl.uint32, buffer=nl.sbuf)
    nisa.dma_copy(dst=i, src=idx)
    o = nl.ndarray(idx.shape, dtype=nl.bfloat16 if bf16_out else data.dtype, buffer=nl.sbuf)
    nisa.nc_n_gather(o, d, i)
    out = nl.ndarray(idx.shape, dtype=o.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=out, src=o)
    return out


def run(*args, **kw):
    return nki.simulate(nki.jit(_gather_kernel))(*args, **kw)


@pytest.mark.parametrize("target", ["trn1", "trn2"])
def test_gather_is_take_along_free_axis_bit_for_bit(target):
    rs = np.random.default_rng(5)
    data = rs.integers(0, 2 ** 32, (128, 2, 256), dtype=np.uint64).astype(np.uint32)
    data = data.view(np.float32)                     # NaN payloads and -0.0 included
    data[0, 0, :3] = (-0.0, np.inf, np.nan)
    idx = rs.integers(0, 512, (128, 700), dtype=np.uint32)
    idx[0, :3] = (0, 1, 2)
    with emu.target(target), emu.profile() as prof:
        got = run(data, idx)
    exp = np.take_along_axis(data.reshape(128, -1), idx.astype(np.int64), axis=1)
    np.testing.assert_array_equal(got.view(np.uint32), exp.view(np.uint32))
    rep = prof.report()
    assert rep["instructions"]["gpsimd"] == 2        # ceil(700 / 512) instruction groups


def test_gather_restrictions():
    data = np.zeros((128, 16), np.float32)
    idx = np.zeros((128, 4), np.uint32)
    with pytest.raises(NKIEmulatorError, match="indices must be uint32"):
        run(data, idx.astype(np.int32), int32_idx=True)
    with pytest.raises(NKIEmulatorError, match="must equal data dtype"):
        run(data, idx, bf16_out=True)
    with pytest.raises(NKIEmulatorError, match="out of range"):
        run(data, idx + np.uint32(16))
    with pytest.raises(NKIEmulatorError, match="psum"):
        run(data, idx, in_psum=True)
