"""The emulator enforces NKI 0.3 (Neuron SDK 2.29) on trn1 / trn2: every rule of
``kernels/emulator/rules.py`` rejects a violating snippet with a message naming the rule
and the file that documents it; the static check covers every traced function."""
from __future__ import annotations

import re

import ml_dtypes
import numpy as np
import pytest

import kernels.emulator as emu
from kernels.emulator import NKIEmulatorError, cost, nisa, nki, nl, rules

F32 = np.float32
BIG = 0x9E3779B9          # >= 2^31: a Philox constant


def run(fn, *args):
    return nki.simulate(nki.jit(fn))(*args)


def rejected(rule, fn, *args, match=None):
    """``fn`` fails with rule ``rule``; the message names the rule and its first source."""
    with pytest.raises(NKIEmulatorError) as ei:
        run(fn, *args)
    msg = str(ei.value)
    assert msg.startswith(f"[{rule}]"), msg
    src = rules.RULES[rule][1]
    first_file = re.search(r"(nki/\S+\.(rst|py)|shared/nki-notes\.md)", src).group(1)
    assert first_file in msg and "source:" in msg, msg
    if match is not None:
        assert re.search(match, msg), msg
    return msg


def _tile(shape=(4, 4), dtype=nl.float32, value=1.0):
    t = nl.ndarray(shape, dtype=dtype)
    nisa.memset(t, value)
    return t


# --------------------------------------------------------------------------- tables
def test_tables_cover_both_targets_and_follow_the_docs():
    assert set(rules.ALU_OPS) == set(rules.ACTIVATIONS) == {"trn1", "trn2"}
    for t in ("trn1", "trn2"):
        alu = rules.ALU_OPS[t]
        for name in ("add", "subtract", "multiply", "rsqrt", "reciprocal", "abs", "power",
                     "bitwise_xor", "right_shift"):
            assert name in alu
        for name in ("divide", "mod", "fmod", "abs_max", "abs_min", "negative"):
            assert name not in alu
        assert "negative" not in rules.ACTIVATIONS[t]
        assert rules.ACTIVATIONS[t]["sqrt"][0] == 2.0 ** -116
    assert rules.ACT_SCALAR_BIAS == {"trn1": False, "trn2": True}
    assert rules.HWDGE == {"trn1": False, "trn2": True}
    for rule, (what, src) in rules.RULES.items():
        assert what and ("v2.29.0 nki/" in src or "nki-notes" in src), rule


def test_default_target_is_trn2():
    assert emu._core.S.target == "trn2"
    with emu.target("trn1"):
        assert emu._core.S.target == "trn1"


# --------------------------------------------------------------------------- ALU / engines
@pytest.mark.parametrize("op", ["divide", "mod", "fmod", "abs_max", "abs_min"])
def test_alu_ops_missing_from_0_3(op):
    def k():
        a, b = _tile(), _tile()
        nisa.tensor_tensor(nl.ndarray((4, 4), dtype=nl.float32), a, b, getattr(nl, op))
    rejected("alu-op", k, match=f"nl.{op}")

    def k2():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.float32), _tile(), getattr(nl, op), 2.0)
    rejected("alu-op", k2)


def test_reduce_op_must_be_reducible():
    def k():
        nisa.tensor_reduce(nl.ndarray((4, 1), dtype=nl.float32), nl.power, _tile(), 1)
    rejected("reduce-op", k)


def test_activation_table():
    def k():
        nisa.activation(nl.ndarray((4, 4), dtype=nl.float32), nl.negative, _tile())
    rejected("activation-op", k, match="negative")


def test_activation_valid_ranges():
    def k(a):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        t = nl.load(a)
        r = nl.ndarray(a.shape, dtype=nl.float32)
        nisa.activation(r, nl.sqrt, t)
        nl.store(out, r)
        return out
    x = np.array([[0.0, 2.0 ** -120, 1.0, 4.0]], F32)
    y = run(k, x)
    assert np.isnan(y[0, :2]).all()                 # sqrt(0): outside [2^-116, 2^118]
    np.testing.assert_array_equal(y[0, 2:], np.sqrt(x[0, 2:]))

    def k2():
        nisa.activation(nl.ndarray((4, 4), dtype=nl.float32), nl.sin, _tile(value=4.0))
    rejected("activation-range", k2, match="sin")


def test_gpsimd_tensor_scalar_is_rsqrt_only():
    def k():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.float32), _tile(), nl.add, 1.0,
                           op1=nl.rsqrt, operand1=0.0, engine=nisa.gpsimd_engine)
    rejected("engine-op", k, match="gpsimd")

    def ok():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.float32), _tile(), nl.rsqrt, 0.0,
                           engine=nisa.gpsimd_engine)
    run(ok)


def test_scalare_tensor_scalar_combinations():
    def k():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.float32), _tile(), nl.subtract, 1.0,
                           engine=nisa.scalar_engine)
    rejected("engine-op", k, match="scalar")

    def ok():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.float32), _tile(), nl.multiply, 2.0,
                           op1=nl.add, operand1=1.0, engine=nisa.scalar_engine)
    run(ok)


def test_bitvec_tensor_tensor_on_vector_only():
    def k():
        a, b = _tile(dtype=nl.uint32, value=3), _tile(dtype=nl.uint32, value=5)
        nisa.tensor_tensor(nl.ndarray((4, 4), dtype=nl.uint32), a, b, nl.bitwise_xor,
                           engine=nisa.gpsimd_engine)
    rejected("engine-op", k, match="bitvec")


def test_per_target_engine_rules():
    def copy_on_scalar():
        nisa.tensor_copy(nl.ndarray((4, 4), dtype=nl.float32), _tile(),
                         engine=nisa.scalar_engine)
    run(copy_on_scalar)                             # trn2
    with emu.target("trn1"):
        rejected("engine", copy_on_scalar, match="trn1")

    def recip_bias():
        nisa.activation(nl.ndarray((4, 4), dtype=nl.float32), nl.reciprocal, _tile(),
                        bias=_tile((4, 1)))
    run(recip_bias)
    with emu.target("trn1"):
        rejected("engine", recip_bias, match="reciprocal")


def test_enum_parameters_reject_ints():
    def k():
        nisa.tensor_copy(nl.ndarray((4, 4), dtype=nl.float32), _tile(), engine=2)
    rejected("enum-int", k)


# --------------------------------------------------------------------------- dtypes
def test_memset_value_must_match_dtype():
    def k():
        nisa.memset(nl.ndarray((4, 4), dtype=nl.int32), 2.0)
    rejected("memset-dtype", k, match="int32")

    def k2():
        nisa.memset(nl.ndarray((4, 4), dtype=nl.float32), 0)
    rejected("memset-dtype", k2, match="float32")

    def ok():
        nisa.memset(nl.ndarray((4, 4), dtype=nl.int32), 2)
        nisa.memset(nl.ndarray((4, 4), dtype=nl.bfloat16), 2.0)
        nl.zeros((4, 4), dtype=nl.int32)            # nl.zeros picks the right literal
        nl.ones((4, 4), dtype=nl.float32)
    run(ok)


def test_no_fp8_tensore_transpose():
    def k():
        s = nl.ndarray((64, 64), dtype=nl.float8_e4m3)
        nisa.memset(s, 1.0)
        p = nl.ndarray((64, 64), dtype=nl.float8_e4m3, buffer=nl.psum)
        nisa.nc_transpose(p, s, engine=nisa.tensor_engine)
    rejected("transpose-dtype", k, match="float8")


def test_dma_transpose_needs_two_byte_dtype():
    def k(a):
        t = nl.ndarray((8, 4), dtype=nl.float32)
        nisa.dma_transpose(t, a)
    rejected("dma-transpose-dtype", k, np.zeros((4, 8), F32))

    def ok(a):
        out = nl.ndarray((8, 4), dtype=a.dtype, buffer=nl.shared_hbm)
        t = nl.ndarray((8, 4), dtype=a.dtype)
        nisa.dma_transpose(t, a)
        nisa.dma_copy(out, t)
        return out
    x = np.arange(32, dtype=F32).reshape(4, 8).astype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(run(ok, x), x.T)


def test_hwdge_target_and_no_cast():
    def cast(a):
        t = nl.ndarray(a.shape, dtype=nl.bfloat16)
        nisa.dma_copy(t, a, dge_mode=nisa.dge_mode.hwdge)
    rejected("hwdge", cast, np.zeros((4, 4), F32), match="raw bytes")

    def same(a):
        t = nl.ndarray(a.shape, dtype=a.dtype)
        nisa.dma_copy(t, a, dge_mode=nisa.dge_mode.hwdge)
    run(same, np.zeros((4, 4), F32))
    with emu.target("trn1"):
        rejected("hwdge", same, np.zeros((4, 4), F32), match="trn1")

    def swdge_cast(a):                              # software DGE may cast (through fp32)
        out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        t = nl.ndarray(a.shape, dtype=nl.bfloat16)
        nisa.dma_copy(t, a, dge_mode=nisa.dge_mode.swdge)
        nisa.dma_copy(out, t)
        return out
    x = np.array([[1.0 + 2 ** -10, 3.0]], F32)
    np.testing.assert_array_equal(run(swdge_cast, x), x.astype(ml_dtypes.bfloat16).astype(F32))


# --------------------------------------------------------------------------- views
def test_permute_is_not_in_0_3():
    def k():
        _tile((4, 8)).reshape((4, 2, 4)).permute((0, 2, 1))
    rejected("permute", k)


def test_access_pattern_matches_numpy_strides():
    def k(a):
        out = nl.ndarray((4, 3, 5), dtype=a.dtype, buffer=nl.shared_hbm)
        t = nl.ndarray((4, 15), dtype=a.dtype)
        nisa.dma_copy(t, a)
        # element [p, j, i] = t[p, i * 3 + j]: a (5, 3) -> (3, 5) permutation per partition
        v = t.ap(pattern=[[15, 4], [1, 3], [3, 5]], offset=0)
        r = nl.ndarray((4, 3, 5), dtype=a.dtype)
        nisa.tensor_copy(r, v)
        nisa.dma_copy(out, r)
        return out
    x = np.arange(60, dtype=F32).reshape(4, 15)
    np.testing.assert_array_equal(run(k, x), x.reshape(4, 5, 3).transpose(0, 2, 1))

    def k2(a):                                      # HBM: rows of 3 from offset 2
        out = nl.ndarray((2, 3), dtype=a.dtype, buffer=nl.shared_hbm)
        t = nl.ndarray((2, 3), dtype=a.dtype)
        nisa.dma_copy(t, a.ap(pattern=[[3, 2], [1, 3]], offset=2))
        nisa.dma_copy(out, t)
        return out
    y = np.arange(10, dtype=F32)
    np.testing.assert_array_equal(run(k2, y), y[2:8].reshape(2, 3))


@pytest.mark.parametrize("case", ["view", "partition-step", "bounds"])
def test_access_pattern_rules(case):
    def k():
        t = _tile((4, 8))
        if case == "view":
            t[:, 0:4].ap(pattern=[[8, 4], [1, 4]], offset=0)
        elif case == "partition-step":
            t.ap(pattern=[[16, 2], [1, 8]], offset=0)
        else:
            t.ap(pattern=[[8, 4], [1, 8]], offset=1)
    rejected("access-pattern", k)


def test_buffer_names_are_objects():
    def k():
        nl.ndarray((4, 4), dtype=nl.float32, buffer="sbuf")
    rejected("buffer-str", k)


# --------------------------------------------------------------------------- 32-bit ints
def test_int32_operands_and_args():
    def lit():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.uint32), _tile(dtype=nl.uint32, value=1),
                           nl.bitwise_xor, 0x9E3779B9)
    rejected("int32", lit, match="literal")

    def glob():
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.uint32), _tile(dtype=nl.uint32, value=1),
                           nl.bitwise_xor, BIG)
    rejected("int32", glob, match="BIG")

    def operand(v):
        nisa.tensor_scalar(nl.ndarray((4, 4), dtype=nl.uint32), _tile(dtype=nl.uint32, value=1),
                           nl.bitwise_xor, v)
    rejected("int32", operand, 2 ** 31, match="argument 0")
    rejected("int32", operand, (2 ** 32 - 1,), match=r"argument 0\[0\]")


def test_kernel_argument_types():
    def k(a, cfg):
        return None
    rejected("kernel-arg", k, np.zeros((1, 1), F32), [1, 2], match="list")
    rejected("kernel-arg", k, np.zeros((1, 1), F32), np.int64(3), match="int64")
    rejected("dict-key", k, np.zeros((1, 1), F32), {1: 2})
    run(k, np.zeros((1, 1), F32), {"n": 2, "plan": (1, 2.0, "x", None, True)})


# --------------------------------------------------------------------------- language subset
def _helper_with_comprehension(n):
    return [i for i in range(n)]


def _helper_clean(n):
    out = []
    for i in range(n):
        out.append(i)
    return out


def test_subset_checks_called_helpers():
    def k():
        _helper_with_comprehension(3)
    rejected("comprehension", k, match="_helper_with_comprehension")

    def ok():
        _helper_clean(3)
    run(ok)


def test_comprehensions():
    def lc():
        [i for i in range(3)]

    def gen():
        tuple(i for i in range(3))

    def dc():
        {str(i): i for i in range(3)}
    for fn in (lc, gen, dc):
        rejected("comprehension", fn)


def test_inner_functions_and_lambdas():
    def inner():
        def f():
            return 1
        f()
    rejected("inner-function", inner, match="inner def f")

    def lam():
        f = (lambda: 1)
        f()
    rejected("inner-function", lam, match="lambda")


@pytest.mark.parametrize("name", ["enumerate", "zip", "sorted", "set", "any", "all", "map",
                                  "filter", "reversed", "sum"])
def test_builtins_outside_the_subset(name):
    src = {"enumerate": "enumerate(xs)", "zip": "zip(xs, xs)", "sorted": "sorted(xs)",
           "set": "set(xs)", "any": "any(xs)", "all": "all(xs)", "map": "map(abs, xs)",
           "filter": "filter(None, xs)", "reversed": "reversed(xs)", "sum": "sum(xs)"}[name]
    ns = {}
    code = f"def k():\n    xs = (1, 2)\n    {src}\n"
    path = f"<nki03-{name}>"
    import linecache
    linecache.cache[path] = (len(code), None, code.splitlines(True), path)
    exec(compile(code, path, "exec"), ns)
    rejected("builtin", ns["k"], match=name)


def test_dicts_take_string_keys():
    def lit():
        d = {1: 2}
        return d

    def sub(a):
        d = {}
        i = 3
        d[i] = 1

    def ok():
        d = {}
        d["a"] = 1
        d[f"b{1}"] = 2
        return None
    rejected("dict-key", lit)
    rejected("dict-key", sub, np.zeros((1, 1), F32))
    run(ok)


def test_sets_unpacking_numpy_is_statements():
    def set_lit():
        return {1, 2}
    rejected("set", set_lit)

    def star_call():
        xs = (4, 4)
        nl.ndarray(*xs, dtype=nl.float32)
    rejected("unpacking", star_call, match="starred")

    def star_kw():
        kw = {"dtype": nl.float32}
        nl.ndarray((4, 4), **kw)
    rejected("unpacking", star_kw, match="kwargs")

    def star_assign():
        _a, *_b = (1, 2, 3)
    rejected("unpacking", star_assign)

    def np_dtype(a):
        np.dtype(a.dtype).itemsize
    rejected("numpy", np_dtype, np.zeros((1, 1), F32), match="np.dtype")

    def is_test(a):
        if a.dtype is nl.float32:
            return None
    rejected("is", is_test, np.zeros((1, 1), F32))

    def is_none(a, b=None):
        if b is None and a is not None:
            return None
    run(is_none, np.zeros((1, 1), F32))

    def try_stmt():
        try:
            nl.ndarray((4, 4), dtype=nl.float32)
        except ValueError:
            pass
    rejected("statement", try_stmt, match="try")


def test_keyword_only_signature_rejected():
    ns = {}
    code = "def k(a, *, flag=True):\n    return None\n"
    import linecache
    linecache.cache["<nki03-kwonly>"] = (len(code), None, code.splitlines(True),
                                         "<nki03-kwonly>")
    exec(compile(code, "<nki03-kwonly>", "exec"), ns)
    rejected("unpacking", ns["k"], np.zeros((1, 1), F32), match="keyword-only")


# --------------------------------------------------------------------------- DMA efficiency
def test_dma_efficiency_curve_and_separate_charge():
    # the DMA guide's curve: < 256 B overhead-bound, >= 2 KiB near peak, 4 KiB saturating
    assert cost.dma_efficiency(128) < 0.25
    assert cost.dma_efficiency(256) < 0.5
    assert 0.75 <= cost.dma_efficiency(2048) < cost.dma_efficiency(4096) < 1.0

    def k(a):                                       # 128 columns of bf16 = 256 B a row
        out = nl.ndarray((128, 128), dtype=a.dtype, buffer=nl.shared_hbm)
        t = nl.ndarray((128, 128), dtype=a.dtype)
        nisa.dma_copy(t, a[:, 0:128])               # HBM rows of 4096 B, 256 B taken
        nisa.dma_copy(out, t)
        return out
    with emu.profile() as prof:
        run(k, np.zeros((128, 2048), ml_dtypes.bfloat16))
    rep = prof.report()
    assert rep["dma_transfers_by_bytes_per_partition"] == {256: 2}
    bw = 2 * 128 * 256 / cost.DMA_BW["trn2"]
    e, old = rep["estimate"]["trn2"], rep["estimate_no_dma_efficiency"]["trn2"]
    assert e["dma_small_charge_s"] == pytest.approx(bw * (1 / cost.dma_efficiency(256) - 1))
    assert e["engine_s"]["dma"] - old["engine_s"]["dma"] == pytest.approx(
        e["dma_small_charge_s"])


# --------------------------------------------------------------------------- dynamic loops
def test_dynamic_range_runs_one_compiled_body():
    def k(a):
        out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
        t = nl.load(a)
        for _i in nl.dynamic_range(5):
            nisa.tensor_scalar(t, t, nl.multiply, 2.0, op1=nl.add, operand1=1.0)
        nl.store(out, t)
        return out
    with emu.profile() as prof:
        y = run(k, np.zeros((2, 3), F32))
    np.testing.assert_array_equal(y, np.full((2, 3), 31.0, F32))      # x -> 2x + 1, 5 times
    rep = prof.report()
    assert sum(rep["instructions"].values()) == 7 and rep["static_instructions"] == 3


def test_dynamic_range_body_must_not_change():
    def k():
        t = _tile()
        n = [0]
        for _i in nl.dynamic_range(3):
            if n[0] == 1:
                nisa.tensor_copy(nl.ndarray((4, 4), dtype=nl.float32), t)
            nisa.tensor_scalar(t, t, nl.add, 1.0)
            n[0] = n[0] + 1
    rejected("dynamic-loop", k, match="iteration 1")


def test_dynamic_range_variable_is_a_register():
    def k():
        t = _tile((4, 8))
        for i in nl.dynamic_range(2):
            nisa.tensor_scalar(t[:, i:i + 1], t[:, i:i + 1], nl.add, 1.0)
    rejected("dynamic-loop", k)


# --------------------------------------------------------------------------- the kernels
def test_all_kernels_pass_the_static_check():
    from kernels import bsr, eigh, fft, gemm, rng
    from kernels.emulator.subset import check_kernel
    for k in (gemm.gemm_kernel, gemm.gemm_compensated_kernel, bsr.bsr_spmm_planned_kernel,
              eigh.jacobi_sweep_kernel, eigh.refine_kernel, fft.fft_kernel,
              rng.philox_kernel):
        check_kernel(k.fn)


@pytest.mark.parametrize("target", ["trn1", "trn2"])
def test_all_kernels_run_on_both_targets(target):
    from kernels import bsr, eigh, fft, gemm, rng
    r = np.random.default_rng(5)
    with emu.target(target):
        a = r.standard_normal((130, 200)).astype(F32)
        b = r.standard_normal((200, 70)).astype(F32)
        ref = a.astype(np.float64) @ b
        assert np.abs(gemm.gemm(a, b) - ref).max() < 1e-4 * np.abs(ref).max()
        ip, ix, d, sh = bsr.random_bsr(200, 300, 0.5, seed=1)
        dense = r.standard_normal((300, 40)).astype(F32)
        np.testing.assert_allclose(bsr.bsr_spmm(ip, ix, d, dense, sh),
                                   bsr.bsr_spmm_reference(ip, ix, d, dense, sh),
                                   rtol=1e-5, atol=1e-4)
        g = r.standard_normal((10, 10))
        s = ((g + g.T) / 2).astype(F32)
        assert max(eigh.errors(s, *eigh.eigh(s))) < 1e-6
        x = (r.standard_normal((2, 100)) + 1j * r.standard_normal((2, 100))).astype(np.complex64)
        ref = np.fft.fft(x.astype(np.complex128))
        assert np.abs(fft.fft(x) - ref).max() < 1e-6 * np.abs(ref).max()
        np.testing.assert_array_equal(rng.uniform(600, seed=2), rng.uniform_reference(600, seed=2))
        z, zr = rng.normal(600, seed=2), rng.normal_reference(600, seed=2)
        assert np.isfinite(z).all()
        np.testing.assert_array_equal(z, zr)
