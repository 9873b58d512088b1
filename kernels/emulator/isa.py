"""Emulated ``nki.isa`` (imported by kernels as ``nisa``): destination-first instructions
with the hardware's limits and arithmetic.

Engine arithmetic: Vector, Scalar and GpSimd instructions with *arithmetic* operators
cast every input to fp32 and the fp32 result to the destination dtype (round to nearest
even; integers saturate). *Bitvec* operators work on integer bit patterns exactly. The
emulator applies the fp32 route to int32/uint32 arithmetic on every engine (the
0.3-era behaviour, aws-neuron-sdk#1308): integer add/multiply is exact only below 2**24.
"""
from __future__ import annotations

from enum import Enum

import numpy as np

from . import _core as C
from . import cost as K
from . import language as nl
from . import rules as R
from ._core import MemoryRegion, NKIEmulatorError, NkiTensor

NkiValidationError = NKIEmulatorError

_SB, _PS = MemoryRegion.sbuf, MemoryRegion.psum


class engine(Enum):
    tensor = 1
    vector = 5
    scalar = 2
    gpsimd = 3
    dma = 4
    sync = 6
    unknown = 0


tensor_engine, vector_engine = engine.tensor, engine.vector
scalar_engine, gpsimd_engine, unknown_engine = engine.scalar, engine.gpsimd, engine.unknown


class reduce_cmd(Enum):
    idle = 0
    reset = 1
    reduce = 2
    reset_reduce = 3
    load_reduce = 4


class dge_mode(Enum):
    unknown = 0
    swdge = 1
    hwdge = 2
    none = 3


class oob_mode(Enum):
    error = 0
    skip = 1


class matmul_perf_mode(Enum):
    none = "none"
    double_row = "double_row"


class nc_version(Enum):
    gen2 = 2
    gen3 = 3
    gen4 = 4


def get_nc_version():
    return {"trn1": nc_version.gen2, "trn2": nc_version.gen3}[C.S.target]


def _eng(e, default, allowed, what):
    R.check_enum(e, engine, "engine")
    if e is None or e is engine.unknown:
        e = default
    if e not in allowed:
        R.violation("engine", f"{what} cannot run on engine {e.name} on {C.S.target} "
                              f"(allowed: {', '.join(a.name for a in allowed)})")
    return e


def _alu(op, what):
    """An op= of a Vector/GpSimd/Scalar ALU instruction: must be in tbl-aluop."""
    op = nl.as_op(op, what)
    if op.name not in R.ALU_OPS[C.S.target]:
        hint = {"divide": "; use nisa.reciprocal then multiply",
                "abs_max": "; use activation(op=nl.abs) or maximum(x, -x)",
                "negative": "; multiply by -1.0"}.get(op.name, "")
        R.violation("alu-op", f"{what}=nl.{op.name} is not an ALU operator on "
                              f"{C.S.target}{hint}")
    return op


def _dma_chunk_bytes(dst, src):
    """Contiguous bytes per partition per DMA descriptor: the on-chip side's bytes per
    partition, capped by the longest contiguous run of the HBM side."""
    runs = []
    for t in (dst, src):
        a = t._arr
        if t.on_chip:
            runs.append(t.free_size * t.itemsize)
            continue
        run = a.itemsize
        for n, st in zip(a.shape[::-1], a.strides[::-1]):
            if st != run:
                break
            run *= n
        if a.ndim >= 2 and not (dst.on_chip or src.on_chip):
            run = min(run, int(np.prod(a.shape[1:])) * a.itemsize)
        runs.append(run)
    return max(1, min(runs))


def _no_gpsimd_psum(e, what, *tiles):
    if e is engine.gpsimd and any(t.buffer is _PS for t in tiles if isinstance(t, NkiTensor)):
        C._err(f"{what}: GpSimd engine cannot access PSUM")


def _psum_value_written(dst):
    """A non-matmul instruction wrote dst: PSUM elements leave any accumulation group."""
    if dst._st is not None and not C.S.dry:
        dst._st[...] = 0


def _issue_compute(e, op, n, n_inputs=1):
    if e is engine.vector:
        c, f = K.ve_cycles(n, n_inputs)
        C.issue("vector", op, cycles=c, fixed_cycles=f)
    elif e is engine.scalar:
        c, f = K.act_cycles(n)
        C.issue("scalar", op, cycles=c, fixed_cycles=f)
    elif e is engine.gpsimd:
        c, f = K.pool_cycles(n, n_inputs)
        C.issue("gpsimd", op, cycles=c, fixed_cycles=f)
    else:
        raise AssertionError(e)


# --------------------------------------------------------------------------- data movement
def dma_copy(dst, src, oob_mode=oob_mode.error, dge_mode=dge_mode.unknown,
             engine=engine.unknown, name=None):
    C.current_kernel("nisa.dma_copy")
    R.check_enum(dge_mode, globals()["dge_mode"], "dge_mode")
    R.check_enum(engine, globals()["engine"], "engine")
    if dge_mode is globals()["dge_mode"].hwdge:
        if not R.HWDGE[C.S.target]:
            R.violation("hwdge", f"dge_mode=hwdge on {C.S.target} (NeuronCore-v2)")
        if dst.dtype != src.dtype:
            R.violation("hwdge", f"hwdge dma_copy from {src.dtype} to {dst.dtype} (HWDGE "
                                 f"moves raw bytes; use swdge / none to cast)")
    for t, w in ((dst, "dst"), (src, "src")):
        C.require_tensor(t, f"dma_copy {w}")
        if t.buffer is _PS:
            C._err(f"dma_copy {w} is in PSUM; DMA moves data between HBM and SBUF only "
                   f"(evacuate PSUM with tensor_copy / activation first)")
    if dst.size != src.size:
        C._err(f"dma_copy: src has {src.size} elements, dst has {dst.size}")
    C.touch(dst, src)
    if not C.S.dry:
        if dst.dtype == src.dtype:
            dst._arr[...] = src._arr.reshape(dst._arr.shape)
        else:  # DMA casts through fp32
            dst._arr[...] = C.cast_from_f32(C.to_f32(src), dst.dtype).reshape(dst._arr.shape)
        dst._alloc.written = True
    C.issue("dma", "dma_copy", dma_bytes=max(src.size * src.itemsize, dst.size * dst.itemsize),
            dma_chunk=_dma_chunk_bytes(dst, src))


def dma_transpose(dst, src, axes=None, dge_mode=dge_mode.unknown, oob_mode=oob_mode.error,
                  name=None):
    """2-D transpose through the DMA engines (``dst = src.T``)."""
    C.current_kernel("nisa.dma_transpose")
    if src.itemsize != 2:
        R.violation("dma-transpose-dtype", f"dma_transpose of {src.dtype}")
    if dge_mode is globals()["dge_mode"].hwdge and not R.HWDGE[C.S.target]:
        R.violation("hwdge", f"dma_transpose with dge_mode=hwdge on {C.S.target}")
    if src.ndim != 2 or dst.shape != (src.shape[1], src.shape[0]):
        C._err(f"dma_transpose: dst shape {dst.shape} is not the transpose of {src.shape}")
    if dst.dtype != src.dtype:
        C._err("dma_transpose: dst dtype must equal src dtype")
    if dst.buffer is _PS or src.buffer is _PS:
        C._err("dma_transpose cannot access PSUM")
    C.touch(dst, src)
    if not C.S.dry:
        dst._arr[...] = src._arr.T
    C.issue("dma", "dma_transpose", dma_bytes=src.size * src.itemsize,
            dma_chunk=_dma_chunk_bytes(dst, src))


def tensor_copy(dst, src, engine=engine.unknown, name=None):
    C.current_kernel("nisa.tensor_copy")
    C.require_on_chip(dst, "tensor_copy dst")
    C.require_on_chip(src, "tensor_copy src")
    C.same_layout(dst, src, "tensor_copy")
    E = globals()["engine"]
    e = _eng(engine, E.vector, tuple(E[n] for n in R.TENSOR_COPY_ENGINES[C.S.target]),
             "tensor_copy")
    _no_gpsimd_psum(e, "tensor_copy", dst, src)
    C.touch(dst, src)
    if not C.S.dry:
        if dst.dtype == src.dtype and e is not globals()["engine"].scalar:
            dst._arr[...] = src._arr.reshape(dst._arr.shape)     # bit-accurate
        else:
            dst._arr[...] = C.cast_from_f32(C.to_f32(src), dst.dtype).reshape(dst._arr.shape)
        dst._alloc.written = True
    _psum_value_written(dst)
    _issue_compute(e, "tensor_copy", src.free_size)


def memset(dst, value, engine=engine.unknown, name=None):
    C.current_kernel("nisa.memset")
    C.require_on_chip(dst, "memset dst")
    E = globals()["engine"]
    e = _eng(engine, E.vector, (E.vector, E.gpsimd), "memset")
    _no_gpsimd_psum(e, "memset", dst)
    if isinstance(value, NkiTensor):
        C._err("memset value must be a compile-time constant")
    if C.is_float(dst.dtype):
        if not isinstance(value, float):
            R.violation("memset-dtype", f"memset of a {dst.dtype} tile with {value!r} "
                                        f"({type(value).__name__}); pass a float literal")
    elif not isinstance(value, int) or (isinstance(value, bool) and dst.dtype != C.bool_):
        R.violation("memset-dtype", f"memset of a {dst.dtype} tile with {value!r} "
                                    f"({type(value).__name__}); pass an integer literal")
    R.check_int32(value, "memset value")
    C.touch(dst)
    if not C.S.dry:
        if C.is_int(dst.dtype) and float(value) == int(value):
            info = np.iinfo(dst.dtype) if dst.dtype != C.bool_ else None
            v = int(value)
            if info is not None and not info.min <= v <= info.max:
                C._err(f"memset value {v} does not fit {dst.dtype}")
            dst._arr[...] = v
        else:
            dst._arr[...] = C.cast_from_f32(np.float32(value), dst.dtype)
        dst._alloc.written = True
    _psum_value_written(dst)
    _issue_compute(e, "memset", dst.free_size)


# --------------------------------------------------------------------------- TensorE
def _te_dtype_ok(t, what):
    if t.dtype not in C.MATMUL_DTYPES:
        C._err(f"{what} dtype {t.dtype} is not a TensorE input type "
               f"(fp8_e4m3 / fp8_e5m2 / bf16 / fp16 / fp32)")


def nc_matmul(dst, stationary, moving, is_stationary_onezero=False, is_moving_onezero=False,
              is_transpose=False, accumulate=None, tile_position=(), tile_size=(),
              perf_mode=matmul_perf_mode.none, name=None):
    """``dst[M, N] (+)= stationary[K, M].T @ moving[K, N]`` in fp32 PSUM.

    ``accumulate=None``: per PSUM element, the first matmul write of an accumulation
    group overwrites and later ones add; ``False`` overwrites; ``True`` adds and requires
    every element to hold a matmul result already."""
    C.current_kernel("nisa.nc_matmul")
    C.require_on_chip(stationary, "nc_matmul stationary", (_SB,))
    C.require_on_chip(moving, "nc_matmul moving", (_SB,))
    C.require_on_chip(dst, "nc_matmul dst", (_PS,))
    if is_transpose:
        C._err("nc_matmul(is_transpose=True) is not emulated; use nisa.nc_transpose")
    if perf_mode not in (None, matmul_perf_mode.none):
        C._err("nc_matmul perf_mode=double_row is not emulated")
    _te_dtype_ok(stationary, "nc_matmul stationary")
    _te_dtype_ok(moving, "nc_matmul moving")
    f32s, f32m = stationary.dtype == C.float32, moving.dtype == C.float32
    if f32s != f32m:
        C._err(f"nc_matmul: if one operand is fp32 the other must be too "
               f"(stationary {stationary.dtype}, moving {moving.dtype})")
    if dst.dtype != C.float32:
        C._err(f"nc_matmul dst must be an fp32 PSUM tile on trn1/trn2, got {dst.dtype}")
    Kp, M, N = stationary.partitions, stationary.free_size, moving.free_size
    rows, cols = (tile_size or (C.PMAX, C.PMAX))
    if moving.partitions != Kp:
        C._err(f"nc_matmul contraction mismatch: stationary has {Kp} partitions, "
               f"moving has {moving.partitions}")
    if Kp > C.PMAX or Kp > rows:
        C._err(f"nc_matmul contraction (partition) size {Kp} exceeds {min(rows, C.PMAX)}")
    if M > C.GEMM_STATIONARY_FMAX or M > cols:
        C._err(f"nc_matmul stationary free size {M} exceeds gemm_stationary_fmax "
               f"{min(cols, C.GEMM_STATIONARY_FMAX)}")
    if N > C.GEMM_MOVING_FMAX:
        C._err(f"nc_matmul moving free size {N} exceeds gemm_moving_fmax "
               f"{C.GEMM_MOVING_FMAX}")
    if dst.partitions != M or dst.free_size != N:
        C._err(f"nc_matmul dst shape {dst.shape} does not match [M={M}, N={N}]")
    C.touch(dst, stationary, moving)
    if accumulate is True and not C.S.dry and not (dst._st == 1).all():
        C._err("nc_matmul(accumulate=True) on PSUM elements that hold no matmul result "
               "(uninitialised, or written by a non-matmul instruction): undefined on "
               "NeuronCore-v2/v3")
    if not C.S.dry:
        s = stationary._arr.reshape(Kp, M).astype(np.float32)
        m = moving._arr.reshape(Kp, N).astype(np.float32)
        # fp32 products and accumulation; einsum's own loop (not BLAS): deterministic
        # and immune to BLAS thread oversubscription on small shared machines
        r = np.einsum("km,kn->mn", s, m).reshape(dst._arr.shape)
        d = dst._arr
        if accumulate is None:
            d[...] = np.where(dst._st == 1, d + r, r)
        elif accumulate:
            d += r
        else:
            d[...] = r
        dst._st[...] = 1
        dst._alloc.written = True
    fp32 = f32s
    C.issue("tensor", "nc_matmul_fp32" if fp32 else "nc_matmul",
            cycles=K.pe_cycles(N, fp32), flops=2 * Kp * M * N)


def nc_transpose(dst, data, engine=engine.unknown, name=None):
    """``dst[F, P] = data[P, F]``: TensorE (<= 128x128, SBUF -> PSUM) or VectorE
    (<= 32x32). Destination dtype must equal the source dtype."""
    C.current_kernel("nisa.nc_transpose")
    E = globals()["engine"]
    R.check_enum(engine, E, "engine")
    C.require_on_chip(data, "nc_transpose data")
    C.require_on_chip(dst, "nc_transpose dst")
    P, F = data.partitions, data.free_size
    if engine in (None, E.unknown):
        engine = E.vector if (P <= 32 and F <= 32 and data.buffer is _SB
                              and dst.buffer is _SB) else E.tensor
    if engine is E.tensor:
        if data.buffer is not _SB or dst.buffer is not _PS:
            C._err("TensorE nc_transpose reads SBUF and writes PSUM")
        if P > 128 or F > 128:
            C._err(f"TensorE nc_transpose handles at most 128x128, got {P}x{F}")
    elif engine is E.vector:
        if P > 32 or F > 32:
            C._err(f"VectorE nc_transpose handles at most 32x32, got {P}x{F}")
    else:
        C._err(f"nc_transpose cannot run on engine {engine.name}")
    if dst.dtype != data.dtype:
        R.violation("transpose-dtype", f"nc_transpose dst dtype {dst.dtype} != data dtype "
                                       f"{data.dtype}")
    if engine is E.tensor and data.itemsize == 1 and C.is_float(data.dtype):
        R.violation("transpose-dtype", f"TensorE nc_transpose of {data.dtype}")
    if dst.partitions != F or dst.free_size != P:
        C._err(f"nc_transpose dst shape {dst.shape} is not [{F}, {P}]")
    C.touch(dst, data)
    if not C.S.dry:
        dst._arr[...] = data._arr.reshape(P, F).T.reshape(dst._arr.shape)
        dst._alloc.written = True
    _psum_value_written(dst)
    if engine is E.tensor:
        fp32 = data.dtype == C.float32
        C.issue("tensor", "nc_transpose", cycles=K.pe_cycles(P, fp32))
    else:
        _issue_compute(E.vector, "nc_transpose", F)


# --------------------------------------------------------------------------- Vector/Scalar
def _operand(v, data, what):
    """Scalar constant or (P, 1) tile -> fp32 array broadcastable to data (P, F)."""
    if isinstance(v, NkiTensor):
        C.require_on_chip(v, what)
        if v.partitions != data.partitions or v.free_size != 1:
            C._err(f"{what} tile must have shape ({data.partitions}, 1), got {v.shape}")
        C.touch(v)
        return v
    if v is None:
        return None
    if not isinstance(v, (int, float, bool)):
        C._err(f"{what} must be a compile-time Python scalar or a (P, 1) tile, got {type(v)}")
    return R.check_int32(v, what)


def _f32_operand(v, data):
    if isinstance(v, NkiTensor):
        return C.to_f32(v).reshape(data.partitions, 1)
    return np.float32(v)


def _bits_operand(v, data):
    if isinstance(v, NkiTensor):
        return C.bits(v).reshape(data.partitions, 1)
    if not float(v) == int(v):
        C._err("bitvec operand must be an integer")
    return np.uint64(int(v) & 0xFFFFFFFFFFFFFFFF)


def _apply2(op, x, y, reverse):
    return op.apply(y, x) if reverse else op.apply(x, y)


def tensor_tensor(dst, data1, data2, op, engine=engine.unknown, name=None):
    C.current_kernel("nisa.tensor_tensor")
    E = globals()["engine"]
    op = _alu(op, "tensor_tensor op")
    for t, w in ((dst, "dst"), (data1, "data1"), (data2, "data2")):
        C.require_on_chip(t, f"tensor_tensor {w}")
    if data1.buffer is _PS and data2.buffer is _PS:
        C._err("tensor_tensor: data1 and data2 cannot both be in PSUM")
    C.same_layout(data1, data2, "tensor_tensor")
    C.same_layout(dst, data1, "tensor_tensor dst")
    if op.unary:
        C._err(f"tensor_tensor needs a binary operator, got {op}")
    e = _eng(engine, E.gpsimd if op is nl.power else E.vector, (E.vector, E.gpsimd),
             "tensor_tensor")
    if op.kind == "bitvec" and e is not E.vector:
        R.violation("engine-op", f"tensor_tensor with bitvec operator {op} on {e.name}")
    _no_gpsimd_psum(e, "tensor_tensor", dst, data1, data2)
    C.touch(data1, data2)
    if op.kind == "bitvec":
        for t in (dst, data1, data2):
            if not C.is_int(t.dtype):
                C._err(f"bitvec operator {op} needs integer tiles, got {t.dtype}")
        if not C.S.dry:
            P = data1.partitions
            r = op.apply(C.bits(data1).reshape(P, -1), C.bits(data2).reshape(P, -1))
            C.write(dst, C.from_bits(r, dst.dtype))
    elif not C.S.dry:
        P = data1.partitions
        C.write(dst, op.apply(C.to_f32(data1).reshape(P, -1), C.to_f32(data2).reshape(P, -1)))
    C.touch(dst)
    _psum_value_written(dst)
    _issue_compute(e, f"tensor_tensor.{op.name}", data1.free_size, 2)


def tensor_scalar(dst, data, op0, operand0, reverse0=False, op1=None, operand1=None,
                  reverse1=False, engine=engine.unknown, name=None):
    """``(data <op0> operand0) <op1> operand1``; operands are scalars or (P, 1) tiles."""
    C.current_kernel("nisa.tensor_scalar")
    E = globals()["engine"]
    op0 = _alu(op0, "tensor_scalar op0")
    op1 = _alu(op1, "tensor_scalar op1") if op1 is not None else None
    C.require_on_chip(dst, "tensor_scalar dst")
    C.require_on_chip(data, "tensor_scalar data")
    C.same_layout(dst, data, "tensor_scalar dst")
    kinds = {op0.kind} | ({op1.kind} if op1 is not None else set())
    if len(kinds) > 1:
        C._err("tensor_scalar: op0 and op1 must both be bitvec or both arithmetic")
    bitvec = op0.kind == "bitvec"
    e = _eng(engine, E.vector, (E.vector, E.scalar, E.gpsimd), "tensor_scalar")
    if bitvec and e is not E.vector:
        R.violation("engine-op", f"tensor_scalar with bitvec operators on {e.name}")
    if e is E.gpsimd and (op0.name not in R.TENSOR_SCALAR_GPSIMD or op1 is not None):
        R.violation("engine-op", f"tensor_scalar(op0={op0}, op1={op1}) on gpsimd")
    if e is E.scalar and (op0.name, op1.name if op1 is not None else None) \
            not in R.TENSOR_SCALAR_SCALARE:
        R.violation("engine-op", f"tensor_scalar(op0={op0}, op1={op1}) on scalar")
    _no_gpsimd_psum(e, "tensor_scalar", dst, data)
    o0 = _operand(operand0, data, "tensor_scalar operand0")
    o1 = _operand(operand1, data, "tensor_scalar operand1")
    if op1 is not None and o1 is None and not op1.unary:
        C._err("tensor_scalar: op1 given without operand1")
    for o, w in ((o0, "operand0"), (o1, "operand1")):
        if isinstance(o, NkiTensor) and not bitvec and o.dtype != C.float32:
            C._err(f"tensor_scalar {w} must be float32 for arithmetic operators, got {o.dtype}")
    C.touch(data)
    if bitvec:
        for t in (dst, data):
            if not C.is_int(t.dtype):
                C._err(f"bitvec operator needs integer tiles, got {t.dtype}")
    if not C.S.dry:
        P = data.partitions
        if bitvec:
            x = C.bits(data).reshape(P, -1)
            r = op0.apply(x) if op0.unary else _apply2(op0, x, _bits_operand(o0, data), reverse0)
            if op1 is not None:
                r = op1.apply(r) if op1.unary else _apply2(op1, r, _bits_operand(o1, data),
                                                          reverse1)
            C.write(dst, C.from_bits(r, dst.dtype))
        else:
            x = C.to_f32(data).reshape(P, -1)
            r = op0.apply(x) if op0.unary else _apply2(op0, x, _f32_operand(o0, data), reverse0)
            if op1 is not None:
                r = op1.apply(r) if op1.unary else _apply2(op1, r, _f32_operand(o1, data),
                                                          reverse1)
            C.write(dst, r)
    C.touch(dst)
    _psum_value_written(dst)
    _issue_compute(e, f"tensor_scalar.{op0.name}", data.free_size, 1)


def tensor_reduce(dst, op, data, axis, negate=False, keepdims=False, name=None):
    """Reduction over the last free axes on VectorE (never over the partition axis)."""
    C.current_kernel("nisa.tensor_reduce")
    op = _alu(op, "tensor_reduce op")
    C.require_on_chip(dst, "tensor_reduce dst")
    C.require_on_chip(data, "tensor_reduce data")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    nd = data.ndim
    axes = tuple(sorted(int(a) % nd for a in axes))
    if 0 in axes:
        C._err("tensor_reduce cannot reduce the partition axis (axis 0); transpose first or "
               "use a matmul with a ones vector")
    if not axes or list(axes) != list(range(axes[0], nd)):
        C._err(f"tensor_reduce axes {axes} must be the last contiguous free axes of a "
               f"{nd}-d tile")
    if op.name not in R.ALU_REDUCIBLE[C.S.target]:
        R.violation("reduce-op", f"tensor_reduce with {op}")
    kept = int(np.prod(data.shape[1:axes[0]], dtype=np.int64))
    if dst.partitions != data.partitions or dst.free_size != kept:
        C._err(f"tensor_reduce dst shape {dst.shape} does not match the reduction of "
               f"{data.shape} over {axes}")
    C.touch(data)
    if not C.S.dry:
        P = data.partitions
        if op.kind == "bitvec":
            if not (C.is_int(data.dtype) and C.is_int(dst.dtype)):
                C._err("bitvec reductions need integer tiles")
            x = C.bits(data).reshape(P, kept, -1)
            r = op.fn.reduce(x, axis=2)
            C.write(dst, C.from_bits(r, dst.dtype))
        else:
            x = C.to_f32(data).reshape(P, kept, -1)
            with np.errstate(all="ignore"):
                if op is nl.add:
                    r = x.sum(axis=2, dtype=np.float32)
                elif op is nl.multiply:
                    r = x.prod(axis=2, dtype=np.float32)
                elif op is nl.maximum:
                    r = x.max(axis=2)
                elif op is nl.minimum:
                    r = x.min(axis=2)
                elif op is nl.subtract:
                    r = x[..., 0] - x[..., 1:].sum(axis=2, dtype=np.float32)
                else:
                    r = np.asarray(op.fn.reduce(x, axis=2) if hasattr(op.fn, "reduce") else
                                   _fold(op, x), np.float32)
            if negate:
                r = -r
            C.write(dst, r)
    C.touch(dst)
    _psum_value_written(dst)
    _issue_compute(globals()["engine"].vector, f"tensor_reduce.{op.name}", data.free_size)


def _fold(op, x):
    r = x[..., 0]
    for i in range(1, x.shape[-1]):
        r = op.apply(r, x[..., i])
    return r


def activation(dst, op, data, bias=None, scale=1.0, reduce_op=None, reduce_res=None,
               reduce_cmd=reduce_cmd.idle, name=None):
    """ScalarE: ``dst = op(data * scale + bias)`` in fp32, optional add-reduction into the
    engine's reduce registers."""
    k = C.current_kernel("nisa.activation")
    op = nl.as_op(op)
    R.check_enum(reduce_cmd, globals()["reduce_cmd"], "reduce_cmd")
    if op.name not in R.ACTIVATIONS[C.S.target]:
        R.violation("activation-op", f"activation(op=nl.{op.name})")
    C.require_on_chip(dst, "activation dst")
    C.require_on_chip(data, "activation data")
    C.same_layout(dst, data, "activation dst")
    sc = _operand(scale, data, "activation scale")
    bi = _operand(bias, data, "activation bias")
    if isinstance(sc, NkiTensor) and sc.dtype != C.float32:
        C._err("activation scale must be float32")
    if bi is not None and not isinstance(bi, NkiTensor) and not R.ACT_SCALAR_BIAS[C.S.target]:
        R.violation("engine", f"activation with a scalar bias on {C.S.target} "
                              f"(NeuronCore-v2 takes a (P, 1) bias tile)")
    if bi is not None and op.name == "reciprocal" and C.S.target == "trn1":
        R.violation("engine", "activation(op=nl.reciprocal) with a bias on NeuronCore-v2 "
                              "(nki.api.shared.rst, engine selection)")
    if reduce_op is not None and nl.as_op(reduce_op) is not nl.add:
        C._err("activation reduce_op must be nl.add")
    C.touch(data)
    P = data.partitions
    if not C.S.dry:
        x = C.to_f32(data).reshape(P, -1)
        x = x * _f32_operand(sc, data)
        if bi is not None:
            x = x + _f32_operand(bi, data)
        x = x.astype(np.float32)
        y = _act_range(op, x, op.apply(x))
        C.write(dst, y)
        if reduce_cmd in (globals()["reduce_cmd"].reset, globals()["reduce_cmd"].reset_reduce):
            k.act_regs[:] = 0
        if reduce_op is not None and reduce_cmd in (globals()["reduce_cmd"].reduce,
                                                    globals()["reduce_cmd"].reset_reduce):
            k.act_regs[:P] += y.sum(axis=1, dtype=np.float32)
        if reduce_res is not None:
            C.require_on_chip(reduce_res, "activation reduce_res")
            C.write(reduce_res, k.act_regs[:P].reshape(P, 1))
    C.touch(dst)
    _psum_value_written(dst)
    _issue_compute(globals()["engine"].scalar, f"activation.{op.name}", data.free_size)
    if reduce_res is not None:
        _issue_compute(globals()["engine"].scalar, "activation.read_accumulator", 1)


def _act_range(op, x, y):
    """Outside a function's valid input range ScalarE returns invalid results: NaN here
    (sin: an error, as the hardware extrapolates a polynomial silently)."""
    rng = R.ACTIVATIONS[C.S.target][op.name]
    if rng is None:
        return y
    lo, hi, sym = rng
    a = np.abs(x) if sym else x
    tol = 2.0 ** -20 * max(abs(lo), abs(hi)) if op.name in ("sin", "arctan") else 0.0
    bad = ~np.isnan(x) & ((a < lo - tol) | (a > hi + tol))
    if bad.any():
        if op.name in ("sin", "arctan"):
            R.violation("activation-range", f"activation(op=nl.{op.name}) on inputs up to "
                                            f"{np.nanmax(np.abs(x)):g} (valid [{lo:g}, {hi:g}];"
                                            f" no range reduction on hardware)")
        y = np.where(bad, np.float32(np.nan), y)
    return y


def reciprocal(dst, data, name=None):
    """VectorE ``dst = 1 / data`` in fp32 (the precise engine for it)."""
    C.current_kernel("nisa.reciprocal")
    C.require_on_chip(dst, "reciprocal dst")
    C.require_on_chip(data, "reciprocal data")
    C.same_layout(dst, data, "reciprocal dst")
    C.touch(data)
    if not C.S.dry:
        with np.errstate(all="ignore"):
            C.write(dst, (np.float32(1.0) / C.to_f32(data)).reshape(data.partitions, -1))
    C.touch(dst)
    _psum_value_written(dst)
    c, f = K.ve_cycles(data.free_size, 8)       # about 8x ScalarE's cost (shared.rst)
    C.issue("vector", "reciprocal", cycles=c, fixed_cycles=f)


def iota(dst, pattern, offset=0, channel_multiplier=0, name=None):
    """GpSimd: ``dst[p, ...] = offset + p * channel_multiplier + sum(i_k * step_k)`` in int32."""
    C.current_kernel("nisa.iota")
    C.require_on_chip(dst, "iota dst", (_SB,))
    R.check_int32(offset, "iota offset")
    R.check_int32(channel_multiplier, "iota channel_multiplier")
    pat = [list(p) for p in pattern]
    if len(pat) > 4 or any(len(p) != 2 for p in pat):
        C._err("iota pattern must be a list of up to 4 [step, num] pairs")
    n = int(np.prod([p[1] for p in pat], dtype=np.int64))
    if n != dst.free_size:
        C._err(f"iota pattern has {n} elements per partition, dst has {dst.free_size}")
    C.touch(dst)
    if not C.S.dry:
        vals = np.zeros([1], np.int64)
        for step, num in pat:
            vals = (vals[:, None] + np.arange(num, dtype=np.int64)[None, :] * step).reshape(-1)
        P = dst.partitions
        v = int(offset) + np.arange(P, dtype=np.int64)[:, None] * int(channel_multiplier) \
            + vals[None, :]
        v = ((v + 2 ** 31) % 2 ** 32 - 2 ** 31).astype(np.int32)    # 32-bit integer math
        if C.is_int(dst.dtype) and dst.dtype != C.bool_:
            info = np.iinfo(dst.dtype)
            C.write(dst, np.clip(v, info.min, info.max).astype(dst.dtype))
        else:
            C.write(dst, v.astype(np.float32))
    _issue_compute(globals()["engine"].gpsimd, "iota", dst.free_size)


def nc_n_gather(dst, data, indices, name=None):
    """GpSimd: ``dst[p, i] = data[p].flat[indices[p, i]]``, per partition, bit for bit (the
    output has data's dtype). NKI 0.3 doc: aws-neuron-sdk v2.29.0 nki/api/nki/isa/__init__.py
    (nc_n_gather): SBUF only, indices uint32 within [0, data elements per partition), dst of
    data's dtype with as many elements per partition as indices, <= 128 partitions."""
    C.current_kernel("nisa.nc_n_gather")
    for t, w in ((dst, "dst"), (data, "data"), (indices, "indices")):
        C.require_on_chip(t, f"nc_n_gather {w}", (_SB,))      # GpSimd cannot access PSUM
    if indices.dtype != C.as_dtype(nl.uint32):
        C._err(f"nc_n_gather indices must be uint32, got {indices.dtype}")
    if dst.dtype != data.dtype:
        C._err(f"nc_n_gather dst dtype {dst.dtype} must equal data dtype {data.dtype}")
    if not dst.partitions == data.partitions == indices.partitions:
        C._err("nc_n_gather: dst, data and indices must have the same partition size")
    if dst.free_size != indices.free_size:
        C._err(f"nc_n_gather: dst has {dst.free_size} elements per partition, indices "
               f"{indices.free_size}")
    C.touch(data, indices)
    if not C.S.dry:
        P = data.partitions
        idx = C.bits(indices).reshape(P, -1)
        if idx.size and int(idx.max()) >= data.free_size:
            C._err(f"nc_n_gather index {int(idx.max())} out of range [0, {data.free_size})")
        src = data._arr.reshape(P, -1)
        C.write(dst, np.take_along_axis(src, idx.astype(np.int64), axis=1))
    C.touch(dst)
    # cost (our assumption): one GpSimd pass over the indices, as a one-input op; the ISA
    # issues ceil(n / 512) instruction groups
    n = indices.free_size
    for g in range(0, n, 512):
        _issue_compute(globals()["engine"].gpsimd, "nc_n_gather", min(512, n - g), 1)
