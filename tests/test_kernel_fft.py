"""FFT kernel through the NKI emulator, against numpy.fft (shuffled affine_range on)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _helpers import examples
from kernel_helpers import counted, emulator_only, rel_err as _rel_err, shuffled_fixture
from kernels.fft import estimate, fft, fft_reference, ifft, plan

pytestmark = emulator_only
_shuffled = shuffled_fixture(seed=4321)


def _counted(fn):
    """Run fn; assert the TensorE and the Vector engine ran (no silent fallback) and
    exactly one kernel was launched. Returns (result, instructions by op)."""
    r, rep = counted(fn, ("tensor", "vector"))
    assert rep["kernels"] == 1
    return r, rep["instructions_by_op"]


def _cx(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@settings(max_examples=examples(15), deadline=None)
@given(N=st.one_of(st.integers(1, 128), st.sampled_from([1, 3, 7, 100])),
       batch=st.lists(st.integers(1, 5), min_size=0, max_size=2),
       inverse=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_fft_dft_gemm_path(N, batch, inverse, seed):
    rng = np.random.default_rng(seed)
    x = _cx(rng, tuple(batch) + (N,)).astype(np.complex64)
    y, ops = _counted(lambda: fft(x, inverse=inverse))
    assert y.shape == x.shape and y.dtype == np.complex64
    assert ops["nc_matmul_fp32"] % 4 == 0          # complex product = 4 real matmuls
    ref = (np.fft.ifft if inverse else np.fft.fft)(x.astype(np.complex128))
    assert _rel_err(y, ref) < 2e-6
    assert _rel_err(y, fft_reference(x, inverse)) < 2e-6


@settings(max_examples=examples(10), deadline=None)
@given(k=st.integers(8, 14), batch=st.integers(1, 3), inverse=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_fft_four_step(k, batch, inverse, seed):
    N = 2 ** k
    assert plan(N)[0] == "4step"
    rng = np.random.default_rng(seed)
    x = _cx(rng, (batch, N))
    y, ops = _counted(lambda: fft(x, inverse=inverse))
    assert "nc_transpose" not in ops                # layouts chosen so none is needed
    ref = (np.fft.ifft if inverse else np.fft.fft)(x)
    assert _rel_err(y, ref) < 2e-6
    assert _rel_err(y, fft_reference(x, inverse)) < 2e-6


@pytest.mark.parametrize("N", [15000, 1000, 300])
def test_fft_four_step_non_power_of_two(N):
    rng = np.random.default_rng(N)
    x = _cx(rng, (2, N))
    y, _ = _counted(lambda: fft(x))
    assert _rel_err(y, np.fft.fft(x)) < 2e-6


@pytest.mark.parametrize("N,inverse", [(2 ** 15, False), (2 ** 15, True)])
def test_fft_six_step(N, inverse):
    assert plan(N)[0] == "6step"
    rng = np.random.default_rng(7)
    x = _cx(rng, (2, N))
    y, _ = _counted(lambda: fft(x, inverse=inverse))
    ref = (np.fft.ifft if inverse else np.fft.fft)(x)
    assert _rel_err(y, ref) < 2e-6
    assert _rel_err(y, fft_reference(x, inverse)) < 2e-6


def test_fft_65536():
    rng = np.random.default_rng(8)
    x = _cx(rng, (1, 2 ** 16))
    y, _ = _counted(lambda: fft(x))
    assert _rel_err(y, np.fft.fft(x)) < 2e-6
    z, _ = _counted(lambda: ifft(y))
    assert _rel_err(z, x) < 4e-6


def test_fft_real_and_int_inputs_and_batch_dims():
    rng = np.random.default_rng(3)
    xr = rng.standard_normal((2, 3, 256)).astype(np.float32)
    y, _ = _counted(lambda: fft(xr))
    assert y.shape == (2, 3, 256) and y.dtype == np.complex64
    assert _rel_err(y, np.fft.fft(xr.astype(np.float64))) < 2e-6
    xi = rng.integers(-5, 5, size=(4, 12))
    assert _rel_err(fft(xi), np.fft.fft(xi)) < 2e-6


def test_fft_roundtrip_and_large_batch():
    rng = np.random.default_rng(4)
    x = _cx(rng, (300, 8))              # packed: 16 transforms per 128-wide row
    y, ops = _counted(lambda: fft(x))
    assert ops["nc_matmul_fp32"] == 4 * 1           # 300/16 = 19 rows -> one row tile
    assert _rel_err(y, np.fft.fft(x)) < 2e-6
    assert _rel_err(ifft(y), x) < 2e-6


def test_fft_errors():
    with pytest.raises(ValueError):
        fft(np.zeros((3, 0)))
    with pytest.raises(NotImplementedError):
        fft(np.zeros(131 * 2))          # prime factor 131 > 128
    assert fft(np.zeros((0, 8))).shape == (0, 8)


def test_fft_cost_model():
    rep = estimate(1024, batch=1)
    assert rep["plan"][0] == "4step"
    assert rep["kernels"] == 1
    assert rep["instructions_by_op"]["nc_matmul_fp32"] == 8
    for t in ("trn1", "trn2"):
        e = rep["estimate"][t]
        assert 0 < e["overlapped_s"] <= e["serial_s"]
    big = estimate(2 ** 16, batch=1)
    assert big["plan"][0] == "6step"
    assert big["peak_sbuf_bytes_per_partition"] <= 192 * 1024
