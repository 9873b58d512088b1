"""The NKI emulator: hardware limits fail loudly, engine arithmetic, cost model."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import kernels.emulator as emu
from kernels.emulator import NKIEmulatorError, cost
from kernels.emulator import nisa, nki, nl

F32 = np.float32
BF16 = ml_dtypes.bfloat16


def run(fn, *args):
    return nki.simulate(nki.jit(fn))(*args)


def raises(match, fn, *args):
    with pytest.raises(NKIEmulatorError, match=match):
        run(fn, *args)


def test_error_is_valueerror():
    assert issubclass(NKIEmulatorError, ValueError)


# --------------------------------------------------------------------------- limits
def test_partition_dim_limit():
    def k():
        nl.ndarray((129, 4), dtype=nl.float32, buffer=nl.sbuf)
    raises("partition dimension 129", k)


def test_load_of_tall_hbm_tile_fails():
    def k(a):
        nl.load(a)
    raises("partition dimension 200", k, np.zeros((200, 4), F32))


@pytest.mark.parametrize("kmn,match", [
    ((129, 128, 512), "contraction"),
    ((128, 129, 512), "stationary free size 129"),
    ((128, 128, 513), "moving free size 513"),
])
def test_matmul_size_limits(kmn, match):
    K, M, N = kmn

    def k():
        s = nl.zeros((min(K, 128), M), dtype=nl.bfloat16)
        m = nl.zeros((min(K, 128), N), dtype=nl.bfloat16)
        if K > 128:   # contraction > 128 needs a 129-partition tile: caught at allocation
            s = nl.zeros((K, M), dtype=nl.bfloat16)
        p = nl.ndarray((min(M, 128), min(N, 512)), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(p, s, m)
    raises("partition dimension 129" if K > 128 else match, k)


def test_psum_tile_bank_limit():
    def k():
        nl.ndarray((128, 513), dtype=nl.float32, buffer=nl.psum)
    raises("2 KiB bank", k)


def test_psum_live_banks_limit():
    def k():
        ts = []
        for _ in range(9):
            ts.append(nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum))
        for t in ts:
            nisa.memset(t, 0.0)
        for t in ts:           # all nine live at once
            nisa.memset(t, 1.0)
    raises("PSUM capacity exceeded: 9 banks", k)


def test_psum_banks_reused_across_iterations_ok():
    def k():
        for i in nl.affine_range(20):
            t = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
            nisa.memset(t, float(i))
    run(k)


def test_sbuf_peak_live_bytes():
    def k():
        # 13 live tiles of 16 KiB per partition = 208 KiB > 192 KiB (trn1)
        ts = []
        for _ in range(13):
            ts.append(nl.ndarray((128, 4096), dtype=nl.float32))
        for t in ts:
            nisa.memset(t, 0.0)
        for t in ts:
            nisa.memset(t, 1.0)
    with emu.target("trn1"):
        raises("SBUF capacity exceeded", k)
    run(k)                            # 208 KiB usable on trn2 (the default target)


def test_sbuf_tiles_in_loop_bodies_are_freed():
    def k(a):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        for i in nl.affine_range(40):   # 40 x 16 KiB, but one iteration's tiles at a time
            t = nl.ndarray((128, 4096), dtype=nl.float32)
            nisa.dma_copy(dst=t, src=a[:, i * 4096:(i + 1) * 4096])
            nisa.dma_copy(dst=out[:, i * 4096:(i + 1) * 4096], src=t)
        return out
    a = np.arange(128 * 4096 * 40, dtype=F32).reshape(128, -1)
    with emu.profile() as prof:
        np.testing.assert_array_equal(run(k, a), a)
    assert prof.report()["peak_sbuf_bytes_per_partition"] == 16384


def test_partition_axis_reduction_rejected():
    def k():
        t = nl.zeros((128, 8), dtype=nl.float32)
        r = nl.ndarray((1, 8), dtype=nl.float32)
        nisa.tensor_reduce(r, nl.add, t, axis=0)
    raises("partition axis", k)

    def k2():
        t = nl.zeros((128, 8), dtype=nl.float32)
        nl.sum(t, axis=0)
    raises("partition axis", k2)


def test_non_trailing_reduction_axes_rejected():
    def k():
        t = nl.zeros((128, 4, 8), dtype=nl.float32)
        r = nl.ndarray((128, 8), dtype=nl.float32)
        nisa.tensor_reduce(r, nl.add, t, axis=1)
    raises("last contiguous", k)


def test_no_broadcasting_in_binary_ops():
    def k():
        x = nl.zeros((128, 8), dtype=nl.float32)
        v = nl.zeros((128, 1), dtype=nl.float32)
        nl.add(x, v)
    raises("do not broadcast", k)

    def k2():
        x = nl.zeros((128, 8), dtype=nl.float32)
        v = nl.zeros((128, 1), dtype=nl.float32)
        d = nl.ndarray((128, 8), dtype=nl.float32)
        nisa.tensor_tensor(d, x, v, nl.add)
    raises("NKI 0.3 does not broadcast", k2)

    def k3():   # the (P, 1) form is the legal way
        x = nl.full((128, 8), 2.0, dtype=nl.float32)
        v = nl.full((128, 1), 3.0, dtype=nl.float32)
        d = nl.ndarray((128, 8), dtype=nl.float32)
        nisa.tensor_scalar(d, x, nl.multiply, v)
        out = nl.ndarray((128, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, d)
        return out
    np.testing.assert_array_equal(run(k3), np.full((128, 8), 6.0, F32))


def test_matmul_dst_must_be_fp32_psum():
    def k():
        s = nl.zeros((128, 128), dtype=nl.bfloat16)
        p = nl.ndarray((128, 128), dtype=nl.bfloat16, buffer=nl.psum)
        nisa.nc_matmul(p, s, s)
    raises("fp32 PSUM", k)

    def k2():
        s = nl.zeros((128, 128), dtype=nl.bfloat16)
        p = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.sbuf)
        nisa.nc_matmul(p, s, s)
    raises("must be in psum", k2)


def test_matmul_mixed_fp32_rejected():
    def k():
        s = nl.zeros((128, 128), dtype=nl.bfloat16)
        m = nl.zeros((128, 128), dtype=nl.float32)
        p = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(p, s, m)
    raises("fp32 the other must be too", k)


def test_transpose_dtype_equality_and_size():
    def k():
        s = nl.zeros((128, 64), dtype=nl.bfloat16)
        p = nl.ndarray((64, 128), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_transpose(p, s)
    raises("dst dtype float32 != data dtype bfloat16", k)

    def k2():
        s = nl.zeros((64, 64), dtype=nl.float32)
        d = nl.ndarray((64, 64), dtype=nl.float32)
        nisa.nc_transpose(d, s, engine=nisa.engine.vector)
    raises("32x32", k2)


def test_dma_cannot_touch_psum():
    def k(a):
        p = nl.ndarray((4, 4), dtype=nl.float32, buffer=nl.psum)
        nisa.dma_copy(dst=p, src=a)
    raises("PSUM", k, np.zeros((4, 4), F32))


def test_outputs_must_be_hbm():
    def k():
        return nl.zeros((4, 4), dtype=nl.float32)
    raises("shared_hbm", k)


def test_float64_is_not_an_nki_type():
    def k(a):
        return a
    raises("not an NKI data type", k, np.zeros(3))


# --------------------------------------------------------------------------- arithmetic
def _tt(x, y, op, dtype, engine=nisa.engine.unknown):
    def k(a, b):
        ta, tb = nl.load(a), nl.load(b)
        d = nl.ndarray(a.shape, dtype=dtype)
        nisa.tensor_tensor(d, ta, tb, op, engine=engine)
        out = nl.ndarray(a.shape, dtype=dtype, buffer=nl.shared_hbm)
        nl.store(out, d)
        return out
    return run(k, x, y)


def test_int32_add_above_2_24_inexact_on_vector_engine():
    x = np.array([[2 ** 24 + 1, 2 ** 30 + 3, 5]], np.int32)
    y = np.array([[0, 0, 7]], np.int32)
    r = _tt(x, y, nl.add, nl.int32, engine=nisa.engine.vector)
    assert r[0, 0] != 2 ** 24 + 1 and r[0, 0] == 2 ** 24      # fp32 rounding
    assert r[0, 1] == 2 ** 30                                # ulp 128 at 2**30
    assert r[0, 2] == 12
    r = _tt(x, y, nl.add, nl.int32)                            # default engine, same rule
    assert r[0, 0] == 2 ** 24


def test_bitwise_ops_exact_on_ints():
    x = np.array([[0x7FFFFFFF, -1, 0x12345678]], np.int32)
    y = np.array([[0x0F0F0F0F, 0x7FFFFFFF, -0x12345679]], np.int32)
    np.testing.assert_array_equal(_tt(x, y, nl.bitwise_xor, nl.int32), x ^ y)
    np.testing.assert_array_equal(_tt(x, y, nl.bitwise_and, nl.int32), x & y)
    u = np.array([[0xFFFFFFFF, 0x80000001]], np.uint32)
    s = np.array([[4, 31]], np.uint32)
    np.testing.assert_array_equal(_tt(u, s, nl.right_shift, nl.uint32), u >> s)
    np.testing.assert_array_equal(_tt(u, s, nl.left_shift, nl.uint32),
                                  (u.astype(np.uint64) << s) & 0xFFFFFFFF)


def test_bitvec_on_floats_rejected():
    x = np.ones((1, 2), F32)
    with pytest.raises(NKIEmulatorError, match="integer"):
        _tt(x, x, nl.bitwise_and, nl.float32)


def test_bf16_rounding_is_round_to_nearest_even():
    x = np.array([[1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -7 + 2 ** -9]], F32)
    z = np.zeros_like(x)
    r = _tt(x, z, nl.add, nl.bfloat16)
    assert r.dtype == BF16
    np.testing.assert_array_equal(r.astype(F32), x.astype(BF16).astype(F32))
    np.testing.assert_array_equal(r.astype(F32)[0, :2], [1.0, 1 + 2 ** -6])


def test_fp8_rounding():
    x = np.array([[0.3, 1.1, 240.0]], F32)
    r = _tt(x, np.zeros_like(x), nl.add, nl.float8_e4m3)
    np.testing.assert_array_equal(r.astype(F32), x.astype(ml_dtypes.float8_e4m3).astype(F32))


def test_fp32_to_int_casts_round_half_even_and_saturate():
    x = np.array([[0.5, 1.5, 2.5, -0.5, -1.5, 3e9, -3e9, 300.0, -300.0, np.nan]], F32)
    z = np.zeros_like(x)
    r = _tt(x, z, nl.add, nl.int32)
    np.testing.assert_array_equal(r[0, :7], [0, 2, 2, 0, -2, 2 ** 31 - 1, -2 ** 31])
    r8 = _tt(x, z, nl.add, nl.int8)
    np.testing.assert_array_equal(r8[0, 7:9], [127, -128])
    assert r8[0, 9] == 0                                   # NaN -> 0
    ru = _tt(x, z, nl.add, nl.uint8)
    np.testing.assert_array_equal(ru[0, [3, 4, 7, 8]], [0, 0, 255, 0])


def test_dma_cast_goes_through_fp32():
    def k(a):
        t = nl.load(a, dtype=nl.bfloat16)
        out = nl.ndarray(a.shape, dtype=nl.bfloat16, buffer=nl.shared_hbm)
        nl.store(out, t)
        return out
    a = np.array([[1 + 2 ** -8, 2 ** 25 + 1]], np.int32)
    np.testing.assert_array_equal(run(k, a.astype(F32)).astype(F32),
                                  a.astype(F32).astype(BF16).astype(F32))


def test_nan_sentinel_when_reading_unwritten_memory():
    def k():
        t = nl.ndarray((4, 8), dtype=nl.float32)
        nisa.memset(t[:, 0:4], 1.0)               # half written
        out = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, t)
        return out
    r = run(k)
    assert (r[:, :4] == 1).all() and np.isnan(r[:, 4:]).all()

    def k2():
        out = nl.ndarray((4, 8), dtype=nl.int32, buffer=nl.shared_hbm)
        return out                               # never written
    r = run(k2)
    assert (r == np.int32(-606348325)).all()     # 0xDBDBDBDB


def test_views_write_through_to_parent():
    def k():
        t = nl.ndarray((8, 16), dtype=nl.float32)
        nisa.memset(t, 0.0)
        v = t[2:6, 4:12]
        nisa.memset(v[1], 5.0)                   # integer on partition dim keeps it
        assert v[1].shape == (1, 8)
        out = nl.ndarray((8, 16), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out[0:8, :], t)
        return out
    r = run(k)
    exp = np.zeros((8, 16), F32)
    exp[3, 4:12] = 5.0
    np.testing.assert_array_equal(r, exp)


def _mm_kernel(accs, init=None):
    """Three matmuls of ones into one PSUM tile with the given accumulate flags."""
    def k():
        s = nl.full((4, 4), 1.0, dtype=nl.bfloat16)
        m = nl.full((4, 8), 1.0, dtype=nl.bfloat16)
        p = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.psum)
        if init is not None:
            nisa.memset(p, init)
        for acc in accs:
            nisa.nc_matmul(p, s, m, accumulate=acc)
        r = nl.ndarray((4, 8), dtype=nl.float32)
        nisa.tensor_copy(r, p)
        out = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, r)
        return out
    return k


def test_matmul_first_write_overwrites():
    # NaN sentinel in fresh PSUM would poison an accumulate; first write overwrites
    assert (run(_mm_kernel([None, None, None])) == 12).all()
    assert (run(_mm_kernel([False, True, True])) == 12).all()
    assert (run(_mm_kernel([None, None, False])) == 4).all()
    # memset-initialised PSUM is not an accumulation group: None overwrites it
    assert (run(_mm_kernel([None, None], init=100.0)) == 8).all()
    with pytest.raises(NKIEmulatorError, match="accumulate=True"):
        run(_mm_kernel([True]))
    with pytest.raises(NKIEmulatorError, match="accumulate=True"):
        run(_mm_kernel([True], init=0.0))


def test_matmul_first_write_tracked_per_element():
    def k():
        s = nl.full((4, 4), 1.0, dtype=nl.bfloat16)
        m = nl.full((4, 8), 1.0, dtype=nl.bfloat16)
        p = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(p[:, 0:4], s, m[:, 0:4])
        nisa.nc_matmul(p, s, m)          # cols 0:4 accumulate, 4:8 first write
        r = nl.ndarray((4, 8), dtype=nl.float32)
        nisa.tensor_copy(r, p)
        out = nl.ndarray((4, 8), dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, r)
        return out
    r = run(k)
    assert (r[:, :4] == 8).all() and (r[:, 4:] == 4).all()


def test_matmul_and_transpose_values():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((100, 70)).astype(F32)
    b = rng.standard_normal((100, 300)).astype(F32)

    def k(x, y):
        tx, ty = nl.load(x), nl.load(y)
        p = nl.ndarray((70, 300), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(p, tx, ty)
        t = nl.ndarray((70, 100), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_transpose(t, tx)
        o1 = nl.ndarray((70, 300), dtype=nl.float32, buffer=nl.shared_hbm)
        o2 = nl.ndarray((70, 100), dtype=nl.float32, buffer=nl.shared_hbm)
        r1 = nl.ndarray((70, 300), dtype=nl.float32)
        r2 = nl.ndarray((70, 100), dtype=nl.float32)
        nisa.tensor_copy(r1, p)
        nisa.tensor_copy(r2, t)
        nl.store(o1, r1)
        nl.store(o2, r2)
        return o1, o2
    c, t = run(k, a, b)
    np.testing.assert_allclose(c, a.T @ b, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(t, a.T)


def test_activation_tensor_scalar_reduce_iota():
    x = np.linspace(-2, 2, 128 * 16, dtype=F32).reshape(128, 16)

    def k(a):
        t = nl.load(a)
        e = nl.ndarray(t.shape, dtype=nl.float32)
        bias = nl.full((128, 1), 0.5, dtype=nl.float32)
        nisa.activation(e, nl.exp, t, bias=bias, scale=2.0)
        s = nl.ndarray((128, 1), dtype=nl.float32)
        nisa.tensor_reduce(s, nl.add, e, axis=1)
        ts = nl.ndarray(t.shape, dtype=nl.float32)
        nisa.tensor_scalar(ts, t, nl.multiply, 3.0, op1=nl.subtract, operand1=1.0,
                           reverse1=True)
        io = nl.ndarray((128, 16), dtype=nl.int32)
        nisa.iota(io, [[1, 16]], offset=5, channel_multiplier=100)
        outs = []
        for v in (e, s, ts, io):
            o = nl.ndarray(v.shape, dtype=v.dtype, buffer=nl.shared_hbm)
            nl.store(o, v)
            outs.append(o)
        return tuple(outs)
    e, s, ts, io = run(k, x)
    np.testing.assert_allclose(e, np.exp(2 * x + 0.5), rtol=1e-6)
    np.testing.assert_allclose(s[:, 0], np.exp(2 * x + 0.5).sum(1), rtol=1e-5)
    np.testing.assert_allclose(ts, 1.0 - 3 * x, rtol=1e-6)
    np.testing.assert_array_equal(io, 5 + 100 * np.arange(128)[:, None] + np.arange(16))


def test_activation_rules():
    def k():
        t = nl.full((4, 4), 9.0, dtype=nl.float32)
        d = nl.ndarray((4, 4), dtype=nl.float32)
        nisa.activation(d, nl.sin, t, bias=nl.zeros((4, 1), dtype=nl.float32))
    raises(r"activation-range.*valid \[-3.14159", k)  # no range reduction on ScalarE

    def k2():
        t = nl.full((4, 4), 1.0, dtype=nl.float32)
        d = nl.ndarray((4, 4), dtype=nl.float32)
        nisa.activation(d, nl.exp, t, bias=1.0)
    with emu.target("trn1"):
        raises("scalar bias", k2)                    # trn1 needs a (P, 1) bias tile
    run(k2)


# --------------------------------------------------------------------------- loops
def _prefix_kernel(a):
    """Deliberately wrong: carries ``acc`` across affine_range iterations."""
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    acc = nl.zeros((a.shape[0], 1), dtype=nl.float32)
    for i in nl.affine_range(a.shape[1]):
        x = nl.load(a[:, i:i + 1])
        nisa.tensor_tensor(acc, acc, x, nl.add)      # loop-carried dependency
        nl.store(out[:, i:i + 1], acc)
    return out


def test_shuffled_affine_range_exposes_loop_carried_bug():
    a = np.ones((4, 16), F32)
    expected = np.cumsum(a, axis=1)
    with emu.shuffled_affine_range(enabled=False):
        np.testing.assert_array_equal(run(_prefix_kernel, a), expected)   # looks fine
    with emu.shuffled_affine_range(seed=3):
        assert not np.array_equal(run(_prefix_kernel, a), expected)       # bug exposed


def test_sequential_range_is_not_shuffled():
    def k(a):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        acc = nl.zeros((a.shape[0], 1), dtype=nl.float32)
        for i in nl.sequential_range(a.shape[1]):
            x = nl.load(a[:, i:i + 1])
            nisa.tensor_tensor(acc, acc, x, nl.add)
            nl.store(out[:, i:i + 1], acc)
        return out
    a = np.ones((4, 16), F32)
    with emu.shuffled_affine_range(seed=3):
        np.testing.assert_array_equal(run(k, a), np.cumsum(a, axis=1))


# --------------------------------------------------------------------------- cost model
def test_cost_one_bf16_matmul():
    def k():
        s = nl.zeros((128, 128), dtype=nl.bfloat16)
        m = nl.zeros((128, 512), dtype=nl.bfloat16)
        p = nl.ndarray((128, 512), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(p, s, m)
    before = emu.instruction_counts()["tensor"]
    with emu.profile() as prof:
        run(k)
    rep = prof.report()
    assert rep["instructions"]["tensor"] == 1
    assert rep["instructions_by_op"]["nc_matmul"] == 1
    assert emu.instruction_counts()["tensor"] == before + 1
    assert prof.cycles["tensor"] == 512
    assert rep["estimate"]["trn1"]["engine_s"]["tensor"] == pytest.approx(512 / 2.8e9)
    assert rep["estimate"]["trn2"]["engine_s"]["tensor"] == pytest.approx(512 / 2.4e9)
    # 2*128*128*512 flops at the dense peak take exactly 512 cycles: 100% of peak
    assert rep["estimate"]["trn2"]["tensore_ideal_s"] == pytest.approx(512 / 2.4e9)


def test_cost_small_and_fp32_matmuls():
    assert cost.pe_cycles(16) == 64
    assert cost.pe_cycles(512, fp32=True) == 2048
    assert cost.tensor_peak_flops("trn2") == pytest.approx(78.6e12, rel=1e-3)


def test_cost_dma_and_bounds():
    def k(a):
        t = nl.load(a)                                # 128 x 512 fp32 = 256 KiB
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        nl.store(out, t)
        return out
    with emu.profile() as prof:
        run(k, np.zeros((128, 512), F32))
    rep = prof.report()
    assert rep["dma_transfers"] == 2 and rep["dma_bytes"] == 2 * 128 * 512 * 4
    e = rep["estimate"]["trn1"]
    bw = 2 * 128 * 512 * 4 / 272e9
    eff = 2048 / (2048 + 512)                       # 2 KiB per partition per transfer
    assert rep["dma_transfers_by_bytes_per_partition"] == {2048: 2}
    assert e["dma_small_charge_s"] == pytest.approx(bw / eff - bw)
    assert e["engine_s"]["dma"] == pytest.approx(bw / eff + 2 * 1.3e-6 / 16)
    assert e["serial_s"] == pytest.approx(bw / eff + 2 * 1.3e-6)
    assert e["overlapped_s"] <= e["serial_s"]
    old = rep["estimate_no_dma_efficiency"]["trn1"]
    assert old["engine_s"]["dma"] == pytest.approx(bw + 2 * 1.3e-6 / 16)
    assert old["dma_small_charge_s"] == 0.0


def test_dry_run_counts_without_arithmetic():
    def k():
        s = nl.zeros((128, 128), dtype=nl.bfloat16)
        p = nl.ndarray((128, 128), dtype=nl.float32, buffer=nl.psum)
        nisa.nc_matmul(p, s, s)
        nisa.nc_matmul(p, s, s, accumulate=True)
    with emu.dry_run(), emu.profile() as prof:
        run(k)
    assert prof.counts["tensor"] == 2


def test_adapter_resolves_to_emulator_without_sdk():
    from kernels import nki_adapter
    if nki_adapter.REAL_NKI:
        pytest.skip("real Neuron SDK installed")
    assert nki_adapter.nl is emu.nl and nki_adapter.nisa is emu.nisa
    assert nki_adapter.nki.jit is emu.nki.jit
    import sys
    assert "nki" not in sys.modules or hasattr(sys.modules["nki"], "language")
