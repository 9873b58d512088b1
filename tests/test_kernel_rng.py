"""Philox-4x32-10 RNG kernel through the NKI emulator (shuffled affine_range on):
bitwise against a uint64 NumPy Philox and the Random123 known-answer vectors."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernels.emulator as emu
from _helpers import examples
from kernel_helpers import counted, emulator_only, shuffled_fixture
from kernels import rng

pytestmark = emulator_only
_shuffled = shuffled_fixture(seed=4321)


def _counted(fn):
    """Run fn; assert the kernel ran on the engines (no silent NumPy fallback)."""
    return counted(fn, ("vector", "scalar", "gpsimd", "dma"))


@pytest.mark.parametrize("ctr,key,expected", rng.KAT_PHILOX4X32_10)
def test_reference_matches_random123_kat(ctr, key, expected):
    out = rng.philox4x32_reference(np.array([ctr], np.uint32), key)
    assert [int(v) for v in out[0]] == list(expected)


@pytest.mark.parametrize("ctr,key,expected", rng.KAT_PHILOX4X32_10)
def test_kernel_matches_random123_kat(ctr, key, expected):
    out, rep = _counted(lambda: rng.philox_uint32(ctr, key, 4))
    assert out.dtype == np.uint32
    assert [int(v) for v in out] == list(expected)
    assert rep["kernels"] == 1


def test_kernel_kat_as_ints():
    # the pi-digits KAT with counter / key given as Python ints
    ctr, key, expected = rng.KAT_PHILOX4X32_10[2]
    c = sum(w << (32 * i) for i, w in enumerate(ctr))
    k = key[0] | (key[1] << 32)
    assert [int(v) for v in rng.philox_uint32(c, k, 4)] == list(expected)


@settings(max_examples=examples(6), deadline=None)
@given(ctr=st.integers(0, 2 ** 128 - 1), key=st.integers(0, 2 ** 64 - 1),
       n=st.integers(1, 3000), f_max=st.sampled_from([1, 3, 1024]))
def test_kernel_bitwise_equals_reference(ctr, key, n, f_max):
    out, _ = _counted(lambda: rng.philox_uint32(ctr, key, n, f_max=f_max))
    ref = rng.philox_uint32_reference(ctr, key, n)
    assert out.shape == (n,)
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize("ctr", [
    (0xFFFFFFF0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF),   # 128-bit wrap-around
    (0xFFFFFF00, 0xFFFFFFFF, 0x00000000, 0x00000007),   # carry into word 2
    (0xFFFFFFFF, 0x00000000, 0xFFFFFFFF, 0x00000000),   # carry into word 1 only
])
def test_counter_carries(ctr):
    n = 4 * 700                      # several chunks with f_max=2: 128 * 2 counters each
    key = (0xDEADBEEF, 0x12345678)
    out = rng.philox_uint32(ctr, key, n, f_max=2)
    np.testing.assert_array_equal(out, rng.philox_uint32_reference(ctr, key, n))


def test_reduced_rounds_match_reference():
    for rounds in (1, 7):
        out = rng.philox_uint32(123, 456, 64, rounds=rounds)
        np.testing.assert_array_equal(out, rng.philox_uint32_reference(123, 456, 64, rounds))


def test_limb_arithmetic_never_exceeds_fp32_exact_range():
    # every arithmetic value is an integer < 2^24: worst-case column sum and carry chain
    lim = (1 << rng.LIMB_BITS) - 1
    top = (1 << (32 - rng.LIMB_BITS * (rng.N_LIMBS - 1))) - 1
    xs = [lim] * (rng.N_LIMBS - 1) + [top]
    for m in rng.PHILOX_M:
        ml = rng._limbs(m)
        carry = 0
        for k in range(2 * rng.N_LIMBS - 1):
            c = sum(xs[i] * ml[k - i] for i in range(rng.N_LIMBS) if 0 <= k - i < rng.N_LIMBS)
            t = c + carry
            assert max(xs) * max(ml) < 2 ** 24 and t < 2 ** 24
            carry = t >> rng.LIMB_BITS


def test_stream_is_tiling_independent():
    a = rng.philox_uint32(99, 7, 2000, f_max=1)
    b = rng.philox_uint32(99, 7, 2000, f_max=1024)
    np.testing.assert_array_equal(a, b)
    # a later offset continues the same stream
    c = rng.philox_uint32(99 + 100, 7, 1600)
    np.testing.assert_array_equal(a[400:], c)


def test_uniform_bitwise_and_range():
    n = 50_001
    u, _ = _counted(lambda: rng.uniform(n, seed=2024, counter_offset=17))
    assert u.dtype == np.float32 and u.shape == (n,)
    np.testing.assert_array_equal(u, rng.uniform_reference(n, 2024, 17))
    assert u.min() >= 0.0 and u.max() < 1.0
    # 24-bit grid
    np.testing.assert_array_equal(u * 2 ** 24, np.round(u * 2 ** 24))
    # a uniform sample: mean 1/2, variance 1/12 (5-sigma bounds)
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    assert abs(u.var() - 1 / 12) < 5 * math.sqrt(1 / 180 / n)
    # consecutive calls with advanced offsets do not overlap
    used = rng.counters_used(n)
    v = rng.uniform(8, seed=2024, counter_offset=17 + used)
    np.testing.assert_array_equal(v, rng.uniform_reference(4 * used + 8, 2024, 17)[4 * used:])


def test_uniform_seeds_differ():
    a, b = rng.uniform(1000, seed=1), rng.uniform(1000, seed=2)
    assert (a != b).mean() > 0.99


def test_normal_matches_reference_and_moments():
    n = 200_000
    z, rep = _counted(lambda: rng.normal(n, seed=7))
    assert z.dtype == np.float32 and z.shape == (n,)
    assert np.isfinite(z).all()
    zr = rng.normal_reference(n, seed=7)
    np.testing.assert_allclose(z, zr, rtol=2e-6, atol=2e-6)
    # moments within 5 sigma: mean sd 1/sqrt(n), variance sd sqrt(2/n),
    # third moment sd sqrt(15/n), kurtosis (4th moment 3) sd sqrt(96/n)
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var() - 1.0) < 5 * math.sqrt(2 / n)
    assert abs((z.astype(np.float64) ** 3).mean()) < 5 * math.sqrt(15 / n)
    assert abs((z.astype(np.float64) ** 4).mean() - 3.0) < 5 * math.sqrt(96 / n)
    # tails: P(|z| > 3) = 0.0027
    p3 = (np.abs(z) > 3).mean()
    assert abs(p3 - 0.0026998) < 5 * math.sqrt(0.0027 / n)
    assert "activation.sin" in rep["instructions_by_op"]


def test_normal_loc_scale():
    z = rng.normal(4096, seed=3, loc=2.0, scale=0.5)
    np.testing.assert_allclose(z, rng.normal_reference(4096, 3, loc=2.0, scale=0.5),
                               rtol=2e-6, atol=2e-6)


def test_zero_length():
    assert rng.uniform(0).shape == (0,)
    assert rng.philox_uint32(0, 0, 0).dtype == np.uint32


def test_cost_estimate_and_sbuf():
    rep = rng.estimate(1 << 20, "uniform")
    assert rep["peak_sbuf_bytes_per_partition"] <= 192 * 1024
    for t in ("trn1", "trn2"):
        e = rep["estimate"][t]
        assert 0 < e["overlapped_s"] <= e["serial_s"]
        assert e["bottleneck"] == "vector"


def test_philox4x64_kernel_is_numpys_stream():
    """The 4x64 kernel gives numpy.random.Philox's raw words bit for bit (NumPy
    increments the 256-bit counter before each block); the start counter makes the
    block index carry across two 64-bit counter words."""
    key, ctr = (2 ** 64 - 1, 12345), (2 ** 64 - 70, 2 ** 64 - 1, 7, 0)
    words, rep = counted(lambda: rng.philox4x64_words(key, ctr, 128, f_max=1),
                         ("vector", "scalar", "gpsimd"))
    bg = np.random.Philox(key=np.array(key, dtype=np.uint64),
                          counter=np.array(ctr, dtype=np.uint64))
    np.testing.assert_array_equal(words, bg.random_raw(512))
    assert rep["kernels"] == 1
    assert rep["instructions"]["tensor"] > 0          # the products run on TensorE


# Random123 kat_vectors, "philox4x64 10" lines: (counter, key, expected block)
KAT_PHILOX4X64_10 = (
    ((0, 0, 0, 0), (0, 0),
     (0x16554d9eca36314c, 0xdb20fe9d672d0fdc, 0xd7e772cee186176b, 0x7e68b68aec7ba23b)),
    ((2 ** 64 - 1,) * 4, (2 ** 64 - 1,) * 2,
     (0x87b092c3013fe90b, 0x438c3c67be8d0224, 0x9cc7d7c69cd777b6, 0xa09caebf594f0ba0)),
    ((0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89),
     (0x452821e638d01377, 0xbe5466cf34e90c6c),
     (0xa528f45403e61d95, 0x38c72dbd566e9788, 0xa5a1610e72fd18b5, 0x57bd43b5e52b7fe6)),
)


@pytest.mark.parametrize("ctr,key,expected", KAT_PHILOX4X64_10)
def test_philox4x64_kernel_random123_kat(ctr, key, expected):
    # philox4x64_words gives the blocks after its counter (NumPy's pre-increment)
    v = (sum(c << (64 * i) for i, c in enumerate(ctr)) - 1) % (1 << 256)
    before = [(v >> (64 * i)) & (2 ** 64 - 1) for i in range(4)]
    assert [int(w) for w in rng.philox4x64_words(key, before, 1)] == list(expected)


def test_philox4x64_psum_bank_split(monkeypatch):
    """Chunks wider than one PSUM bank run each column's matmuls and copies per bank
    (F = 1024 in production; here banks of 2 blocks, F = 5)."""
    monkeypatch.setattr(rng, "PSUM_F", 2)
    key, ctr = (99, 2 ** 63), (2 ** 64 - 300, 0, 0, 0)
    u = rng.philox4x64_uniform32(key, ctr, 640, f_max=5)
    bg = np.random.Philox(key=np.array(key, dtype=np.uint64),
                          counter=np.array(ctr, dtype=np.uint64))
    np.testing.assert_array_equal(u, np.random.Generator(bg).random(8 * 640,
                                                                     dtype=np.float32))


def test_philox4x64_uniform32_is_numpys_float32_random():
    """Float32 uniforms made in the kernel equal NumPy's ``random(dtype=float32)`` (low
    half of each word first), across two chunks and a counter carry; a later launch
    continues the stream."""
    key, ctr = (0x0123456789ABCDEF, 2 ** 64 - 2), (2 ** 64 - 100, 5, 2 ** 64 - 1, 9)
    u = rng.philox4x64_uniform32(key, ctr, 129, f_max=1)
    bg = np.random.Philox(key=np.array(key, dtype=np.uint64),
                          counter=np.array(ctr, dtype=np.uint64))
    ref = np.random.Generator(bg).random(8 * 129 + 16, dtype=np.float32)
    assert u.dtype == np.float32 and u.shape == (8 * 129,)
    np.testing.assert_array_equal(u, ref[:8 * 129])
    v = rng.philox4x64_uniform32(key, (ctr[0] + 129, *ctr[1:]), 2)
    np.testing.assert_array_equal(v, ref[8 * 129:])
    with emu.target("trn1"):             # NeuronCore-v2's rules (e.g. bias tiles) too
        w = rng.philox4x64_uniform32(key, ctr, 3)
    np.testing.assert_array_equal(w, ref[:24])


def test_philox4x64_digit_arithmetic_is_exact():
    # worst case: every digit 255. A PSUM column sums at most 8 products of 8-bit
    # digits (fp16-exact operands); the carry chain stays < 2^20 (fp32-exact) and the
    # floor trick round(t / 256 - 0.5 + 2^-9) == t // 256 holds for all t in range
    for ms in rng.PHILOX64_M_DIGITS:
        q = 0
        for k in range(rng.NCOL):
            c = sum(255 * ms[k - i] for i in range(rng.ND) if 0 <= k - i < rng.ND)
            assert c < 2 ** 19 and c + q < 2 ** 20
            q = (c + q) // 256
        assert q < 256                     # the top digit: the product is < 2^128
    t = np.arange(2 ** 20, dtype=np.float32)
    q = np.rint(t * np.float32(1 / 256) + np.float32(rng.FLOOR_BIAS))
    np.testing.assert_array_equal(q, np.arange(2 ** 20) // 256)


def test_philox4x64_cost_model_target():
    """Issue 11 item 6: >= 1e9 float32 uniforms / s per NeuronCore on trn2 (cost model)."""
    for n_blocks in (1 << 16, 1 << 17):              # F = 512 and F = 1024
        rep = rng.estimate64(n_blocks, mode="uniform")
        assert rep["estimate"]["trn2"]["values_per_s"] >= 1e9
        assert rep["peak_sbuf_bytes_per_partition"] <= 192 * 1024
        assert rep["peak_psum_banks"] <= 8


# -- NumPy's transforms of 32-bit draws in the kernel (issue 11 item 3) ---------------
_KEY, _CTR = (0x0123456789ABCDEF, 2 ** 64 - 2), (2 ** 64 - 100, 5, 2 ** 64 - 1, 9)


def _numpy_steps(n, one_step, wide=False):
    """For each of the first ``n`` 32-bit (``wide``: 64-bit) draws of the (_KEY, _CTR)
    stream: NumPy's ``one_step(generator)`` started at that draw, and whether it used
    exactly that draw."""
    bg = np.random.Philox(key=np.array(_KEY, np.uint64), counter=np.array(_CTR, np.uint64))
    g = np.random.Generator(bg)
    states = []
    for _ in range(n + 1):
        states.append(bg.state)
        if wide:
            bg.random_raw(1)
        else:
            g.integers(0, 2 ** 32, size=1, dtype=np.uint32)    # one 32-bit draw
    vals, single = [], []
    probe = np.random.Generator(np.random.Philox())
    for i in range(n):
        probe.bit_generator.state = states[i]
        vals.append(one_step(probe))
        after = probe.bit_generator.state
        single.append(after["buffer_pos"] == states[i + 1]["buffer_pos"]
                      and after["has_uint32"] == states[i + 1]["has_uint32"]
                      and np.array_equal(after["state"]["counter"],
                                         states[i + 1]["state"]["counter"]))
    return vals, np.array(single)


@pytest.mark.parametrize("rng_,target", [(999, "trn2"), (3 * 2 ** 30 - 1, "trn2"),
                                         (2 ** 31 + 2, "trn1"), (2 ** 32 - 2, "trn2")])
def test_lemire_mode_is_numpys_bounded_integer_step(rng_, target):
    """``mode="lemire"``: at every draw, the kernel's candidate and flag are NumPy's
    ``integers(0, rng + 1)`` started there (32-bit Lemire): accepted exactly where NumPy
    returns after one draw, with that value. Two chunks (F = 1, 129 blocks)."""
    with emu.target(target):
        (hi, ok), _ = counted(lambda: rng.philox4x64_lemire32(_KEY, _CTR, 129, rng_, f_max=1),
                              ("tensor", "scalar", "gpsimd"))
    vals, single = _numpy_steps(8 * 129, lambda g: int(g.integers(0, rng_ + 1, dtype=np.int64)))
    np.testing.assert_array_equal(ok, single)
    np.testing.assert_array_equal(hi[ok], np.array(vals, np.int64)[ok])
    if rng_ in (3 * 2 ** 30 - 1, 2 ** 31 + 2):          # rejection rates 1/4 and ~1/2
        assert 0.15 < 1 - ok.mean() < 0.6


@pytest.mark.parametrize("kind,target", [("normal32", "trn2"), ("exp32", "trn1"),
                                         ("normal32", "trn1")])
def test_zig_mode_is_numpys_float32_ziggurat_fast_path(kind, target):
    """``mode="zig"``: at every draw the kernel's value and flag are NumPy's float32
    ``standard_normal`` / ``standard_exponential`` started there: accepted exactly where
    NumPy returns after one draw, with that value bit for bit; the raw draws are NumPy's
    stream. Tables: NumPy's (via trnpy.random._samplers, themselves checked against
    NumPy's draws in tests/test_random.py)."""
    from trnpy.random._samplers import _kernel_tables
    with emu.target(target):
        (x, ok, raw), rep = counted(
            lambda: rng.philox4x64_zig32(_KEY, _CTR, 129, _kernel_tables(kind), f_max=1),
            ("gpsimd", "vector"))
    assert rep["instructions_by_op"]["nc_n_gather"] > 0
    bg = np.random.Philox(key=np.array(_KEY, np.uint64), counter=np.array(_CTR, np.uint64))
    np.testing.assert_array_equal(raw, bg.random_raw(4 * 129).view(np.uint32))
    name = "standard_normal" if kind == "normal32" else "standard_exponential"
    vals, single = _numpy_steps(8 * 129, lambda g: getattr(g, name)(dtype=np.float32))
    np.testing.assert_array_equal(ok, single)
    assert 0.002 < 1 - ok.mean() < 0.05                  # NumPy: ~1% slow paths
    np.testing.assert_array_equal(x[ok].view(np.uint32),
                                  np.array(vals, np.float32)[ok].view(np.uint32))


@pytest.mark.parametrize("rng_,target", [(3 * 2 ** 62 - 1, "trn2"), (2 ** 32, "trn1")])
def test_lemire64_mode_is_numpys_uint64_step(rng_, target):
    """``mode="lemire64"``: at every 64-bit word the kernel's candidate and flag are
    NumPy's ``integers(0, rng + 1, dtype=uint64)`` started there (128-bit Lemire)."""
    with emu.target(target):
        (hi, ok), _ = counted(lambda: rng.philox4x64_lemire64(_KEY, _CTR, 129, rng_, f_max=1),
                              ("tensor", "scalar", "gpsimd"))
    vals, single = _numpy_steps(4 * 129, lambda g: g.integers(0, rng_ + 1, dtype=np.uint64),
                                wide=True)
    np.testing.assert_array_equal(ok, single)
    np.testing.assert_array_equal(hi[ok], np.array(vals, np.uint64)[ok])
    if rng_ == 3 * 2 ** 62 - 1:
        assert 0.15 < 1 - ok.mean() < 0.35               # threshold 2^62: 1 in 4


@pytest.mark.parametrize("rng_,target", [(199, "trn1"), (2, "trn2"), (254, "trn2")])
def test_lemire8_mode_is_numpys_uint8_step(rng_, target):
    """``mode="lemire8"``: NumPy's ``buffered_bounded_lemire_uint8`` on every byte of the
    stream (low byte of each 32-bit draw first): ``(byte * excl) >> 8`` and the accept
    flag ``(byte * excl) & 0xFF >= (255 - rng) % excl``, from NumPy's raw stream."""
    with emu.target(target):
        (hi, ok), _ = counted(lambda: rng.philox4x64_lemire8(_KEY, _CTR, 129, rng_, f_max=1),
                              ("scalar", "gpsimd", "vector"))
    u = np.random.Philox(key=np.array(_KEY, np.uint64),
                         counter=np.array(_CTR, np.uint64)).random_raw(4 * 129).view(np.uint32)
    b = u.view(np.uint8).astype(np.uint32)              # little-endian: low byte first
    m = b * np.uint32(rng_ + 1)
    np.testing.assert_array_equal(hi, (m >> np.uint32(8)).astype(np.uint8))
    np.testing.assert_array_equal(ok, (m & np.uint32(0xFF)) >= (255 - rng_) % (rng_ + 1))
    if rng_ == 199:
        assert 0.15 < 1 - ok.mean() < 0.3                # threshold 56 of 256


@pytest.mark.parametrize("rng_,target", [(40000, "trn1"), (255, "trn2"), (65534, "trn2")])
def test_lemire16_mode_is_numpys_uint16_step(rng_, target):
    """``mode="lemire16"``: NumPy's ``buffered_bounded_lemire_uint16`` on every 16-bit part
    of the stream (low part first), from NumPy's raw stream."""
    with emu.target(target):
        (hi, ok), _ = counted(lambda: rng.philox4x64_lemire16(_KEY, _CTR, 129, rng_, f_max=1),
                              ("scalar", "gpsimd", "vector"))
    u = np.random.Philox(key=np.array(_KEY, np.uint64),
                         counter=np.array(_CTR, np.uint64)).random_raw(4 * 129)
    m = u.view(np.uint16).astype(np.uint64) * np.uint64(rng_ + 1)
    np.testing.assert_array_equal(hi, (m >> np.uint64(16)).astype(np.uint16))
    np.testing.assert_array_equal(ok, (m & np.uint64(0xFFFF)) >= (0xFFFF - rng_) % (rng_ + 1))
    if rng_ == 40000:
        assert 0.3 < 1 - ok.mean() < 0.5                 # threshold 25535 of 65536


def test_lemire_psum_bank_split(monkeypatch):
    """Lemire's product columns run per PSUM bank too (banks of 2 blocks, F = 5)."""
    monkeypatch.setattr(rng, "PSUM_F", 2)
    hi, ok = rng.philox4x64_lemire32(_KEY, _CTR, 11, 2 ** 31 + 2, f_max=5)
    u = np.random.Philox(key=np.array(_KEY, np.uint64),
                         counter=np.array(_CTR, np.uint64)).random_raw(44).view(np.uint32)
    m = u.astype(np.uint64) * np.uint64(2 ** 31 + 3)
    np.testing.assert_array_equal(hi, (m >> np.uint64(32)).astype(np.uint32))
    np.testing.assert_array_equal(ok, (m & np.uint64(2 ** 32 - 1)) >= (2 ** 32) % (2 ** 31 + 3))


def test_lemire_arithmetic_is_exact():
    # a PSUM column sums at most 4 products of 8-bit digits (< 2^18); the chain stays
    # < 2^19 and q_k < 2^11; the 16-bit halves t_k + 256 (c_{k+1} - 256 q_{k+1}) have
    # intermediates in (-2^19, 2^19): all fp32-exact integers
    q = 0
    for k in range(7):
        c = 255 * 255 * sum(1 for i in range(4) if 0 <= k - i < 4)
        assert c < 2 ** 18 and c + q < 2 ** 19
        q = (c + q) // 256
        assert q < 2 ** 11
    assert 256 * (256 * 2 ** 11) < 2 ** 20 * 2 ** 8     # |256 w| < 2^19 -> exact in fp32
    with pytest.raises(ValueError):
        rng.philox4x64_lemire32(_KEY, _CTR, 1, 2 ** 32 - 1)    # full range: no Lemire


def test_transform_modes_cost_model():
    """Issue 11 item 6: the integer and float32 ziggurat modes keep >= 1e9 values / s per
    NeuronCore on trn2 (cost model), and the uniforms did not regress."""
    for mode in ("uniform", "lemire", "lemire16", "lemire8", "zig", "lemire64"):
        rep = rng.estimate64(1 << 17, mode=mode)
        # 64-bit integers: 4 per block (as the raw words, 0.6e9 / s)
        assert rep["estimate"]["trn2"]["values_per_s"] >= (5e8 if mode == "lemire64"
                                                           else 1e9), mode
        assert rep["peak_sbuf_bytes_per_partition"] <= 192 * 1024
        assert rep["peak_psum_banks"] <= 8
