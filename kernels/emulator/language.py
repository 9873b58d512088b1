"""Emulated ``nki.language`` (imported by kernels as ``nl``).

Dtypes, buffers, tile-size constants, tensor creation, ``load`` / ``store``, the range
loops, and the operators that ``nki.isa`` instructions take as ``op=`` (each also callable
as the tile-level ``nl`` function of the same name).
"""
from __future__ import annotations

import math

import numpy as np

from . import _core as C
from ._core import (  # noqa: F401  (re-exported dtypes and buffer names)
    MemoryRegion, NkiTensor, bfloat16, bool_, float8_e4m3, float8_e4m3fn, float8_e5m2,
    float16, float32, int8, int16, int32, uint8, uint16, uint32)

sbuf = MemoryRegion.sbuf
psum = MemoryRegion.psum
private_hbm = MemoryRegion.private_hbm
hbm = MemoryRegion.private_hbm
shared_hbm = MemoryRegion.shared_hbm


class _TileSize:
    pmax = C.PMAX
    psum_fmax = 512
    psum_bank_fmax = 512
    psum_bank_fmax_bytes = C.PSUM_BANK_BYTES
    gemm_stationary_fmax = C.GEMM_STATIONARY_FMAX
    gemm_moving_fmax = C.GEMM_MOVING_FMAX
    psum_num_banks = C.PSUM_BANKS

    @property
    def sbuf_fmax_bytes(self):
        return C.sbuf_capacity()

    @property
    def sbuf_fmax(self):
        return C.sbuf_capacity() // 4

    @property
    def sbuf_size_bytes(self):
        return C.sbuf_capacity() * C.PMAX

    total_available_sbuf_size = sbuf_fmax_bytes


tile_size = _TileSize()


def is_hbm(buffer):
    return C.as_buffer(buffer) in C.HBM


def is_on_chip(buffer):
    return C.as_buffer(buffer) in C.ON_CHIP


def is_psum(buffer):
    return C.as_buffer(buffer) is MemoryRegion.psum


def is_sbuf(buffer):
    return C.as_buffer(buffer) is MemoryRegion.sbuf


# --------------------------------------------------------------------------- operators
_F32 = np.float32


class Op:
    """An ``nl`` operator: usable as ``op=`` of ISA instructions and callable on tiles."""

    def __init__(self, name, kind, fn, *, reducible=False, unary=False, act=False,
                 identity=None):
        self.name, self.kind, self.fn = name, kind, fn
        self.reducible, self.unary, self.act = reducible, unary, act
        self.identity = identity

    def __repr__(self):
        return f"nl.{self.name}"

    # fp32 semantics of the engines
    def apply(self, x, y=None):
        with np.errstate(all="ignore"):
            r = self.fn(x) if self.unary else self.fn(x, y)
            r = np.asarray(r, dtype=_F32 if self.kind != "bitvec" else np.uint64)
        return r

    def __call__(self, x, y=None, dtype=None):
        from . import isa
        C.current_kernel(f"nl.{self.name}")
        if self.unary:
            C.require_on_chip(x, f"nl.{self.name} input")
            out = C.allocate(x.shape, dtype or x.dtype, sbuf, name=self.name)
            if self.act:
                isa.activation(out, self, x)
            else:
                isa.tensor_scalar(out, x, self, 0.0 if self.kind == "arith" else 0)
            return out
        xt, yt = isinstance(x, NkiTensor), isinstance(y, NkiTensor)
        if xt and yt:
            if x.shape != y.shape:
                C._err(f"nl.{self.name}: shapes {x.shape} and {y.shape} differ; NKI 0.3 "
                       f"binary ops do not broadcast (use nisa.tensor_scalar with a "
                       f"(P, 1) operand)")
            out = C.allocate(x.shape, dtype or x.dtype, sbuf, name=self.name)
            isa.tensor_tensor(out, x, y, self)
            return out
        if xt or yt:
            t, s = (x, y) if xt else (y, x)
            out = C.allocate(t.shape, dtype or t.dtype, sbuf, name=self.name)
            isa.tensor_scalar(out, t, self, s, reverse0=not xt)
            return out
        C._err(f"nl.{self.name} needs at least one tile argument")


def _bool(f):
    return lambda x, y: f(x, y).astype(_F32)


def _shl(x, y):
    return x << (y & np.uint64(63))


def _shr(x, y):
    return x >> (y & np.uint64(63))


def _gelu(x):
    from math import sqrt
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return 0.5 * x * (1.0 + erf(x.astype(np.float64) / sqrt(2.0)))


_erf = np.vectorize(math.erf, otypes=[np.float64])

_A, _B = "arith", "bitvec"
add = Op("add", _A, np.add, reducible=True, identity=0.0)
subtract = Op("subtract", _A, np.subtract, reducible=True)
multiply = Op("multiply", _A, np.multiply, reducible=True, identity=1.0)
divide = Op("divide", _A, np.divide)
maximum = Op("maximum", _A, np.maximum, reducible=True, identity=-np.inf)
minimum = Op("minimum", _A, np.minimum, reducible=True, identity=np.inf)
abs_max = Op("abs_max", _A, lambda x, y: np.maximum(np.abs(x), np.abs(y)))
abs_min = Op("abs_min", _A, lambda x, y: np.minimum(np.abs(x), np.abs(y)))
power = Op("power", _A, np.power)
equal = Op("equal", _A, _bool(np.equal))
not_equal = Op("not_equal", _A, _bool(np.not_equal))
less = Op("less", _A, _bool(np.less))
less_equal = Op("less_equal", _A, _bool(np.less_equal))
greater = Op("greater", _A, _bool(np.greater))
greater_equal = Op("greater_equal", _A, _bool(np.greater_equal))
logical_and = Op("logical_and", _A, _bool(lambda x, y: (x != 0) & (y != 0)), reducible=True)
logical_or = Op("logical_or", _A, _bool(lambda x, y: (x != 0) | (y != 0)), reducible=True)
logical_xor = Op("logical_xor", _A, _bool(lambda x, y: (x != 0) ^ (y != 0)), reducible=True)
fmod = Op("fmod", _A, np.fmod)
mod = Op("mod", _A, np.mod)
bitwise_and = Op("bitwise_and", _B, np.bitwise_and, reducible=True)
bitwise_or = Op("bitwise_or", _B, np.bitwise_or, reducible=True)
bitwise_xor = Op("bitwise_xor", _B, np.bitwise_xor, reducible=True)
left_shift = Op("left_shift", _B, _shl)
right_shift = Op("right_shift", _B, _shr)        # logical shift (bit pattern)
invert = Op("invert", _B, np.invert, unary=True)

# unary ALU operators (tensor_scalar op0 with operand 0, or activation)
abs = Op("abs", _A, np.abs, unary=True, act=True)  # noqa: A001
square = Op("square", _A, np.square, unary=True, act=True)
relu = Op("relu", _A, lambda x: np.maximum(x, 0), unary=True, act=True)
rsqrt = Op("rsqrt", _A, lambda x: 1.0 / np.sqrt(x), unary=True, act=True)
reciprocal = Op("reciprocal", _A, lambda x: 1.0 / x, unary=True, act=True)
negative = Op("negative", _A, np.negative, unary=True)     # not an ALU op nor activation
logical_not = Op("logical_not", _A, lambda x: (x == 0).astype(_F32), unary=True)

# activation functions (ScalarE)
copy = Op("copy", _A, lambda x: x, unary=True, act=True)
exp = Op("exp", _A, np.exp, unary=True, act=True)
log = Op("log", _A, np.log, unary=True, act=True)
sqrt = Op("sqrt", _A, np.sqrt, unary=True, act=True)
tanh = Op("tanh", _A, np.tanh, unary=True, act=True)
sigmoid = Op("sigmoid", _A, lambda x: 1.0 / (1.0 + np.exp(-x)), unary=True, act=True)
silu = Op("silu", _A, lambda x: x / (1.0 + np.exp(-x)), unary=True, act=True)
softplus = Op("softplus", _A, lambda x: np.logaddexp(0.0, x), unary=True, act=True)
gelu = Op("gelu", _A, _gelu, unary=True, act=True)
erf = Op("erf", _A, lambda x: _erf(x.astype(np.float64)), unary=True, act=True)
sign = Op("sign", _A, np.sign, unary=True, act=True)
sin = Op("sin", _A, np.sin, unary=True, act=True)
arctan = Op("arctan", _A, np.arctan, unary=True, act=True)
bypass = Op("bypass", _A, lambda x, y: x)

ALL_OPS = {o.name: o for o in globals().values() if isinstance(o, Op)}


def as_op(op, what="op"):
    if isinstance(op, Op):
        return op
    if isinstance(op, str) and op in ALL_OPS:
        return ALL_OPS[op]
    C._err(f"{what}={op!r} is not an nki.language operator")


# --------------------------------------------------------------------------- creation
def ndarray(shape, dtype, buffer=sbuf, name="", address=None):
    return C.allocate(shape, dtype, buffer, name)


def _filled(shape, value, dtype, buffer, name):
    from . import isa
    t = C.allocate(shape, dtype, buffer, name)
    if t.on_chip:
        isa.memset(t, value)
    else:
        t._arr[...] = np.asarray(value).astype(t.dtype)
        t._alloc.written = True
    return t


def _typed(value, dtype):
    """The literal memset wants for a tile of ``dtype`` (strict type matching in 0.3)."""
    return float(value) if C.is_float(C.as_dtype(dtype)) else int(value)


def zeros(shape, dtype, buffer=sbuf, name=""):
    return _filled(shape, _typed(0, dtype), dtype, buffer, name)


def ones(shape, dtype, buffer=sbuf, name=""):
    return _filled(shape, _typed(1, dtype), dtype, buffer, name)


def full(shape, fill_value, dtype, buffer=sbuf, name=""):
    return _filled(shape, fill_value, dtype, buffer, name)


def zeros_like(x, dtype=None, buffer=None, name=""):
    return zeros(x.shape, dtype or x.dtype, buffer or x.buffer, name)


def empty_like(x, dtype=None, buffer=None, name=""):
    return ndarray(x.shape, dtype or x.dtype, buffer or x.buffer, name)


def ds(start, size):
    return C.DynSlice(start, size)


def load(src, dtype=None):
    """HBM -> new SBUF tile (one DMA)."""
    from . import isa
    C.require_tensor(src, "nl.load source")
    if src.buffer not in C.HBM:
        C._err(f"nl.load reads HBM; source is in {src.buffer.value}")
    t = C.allocate(src.shape, dtype or src.dtype, sbuf, name="load")
    isa.dma_copy(t, src)
    return t


def store(dst, value):
    """SBUF tile -> HBM (one DMA)."""
    from . import isa
    C.require_tensor(dst, "nl.store destination")
    if dst.buffer not in C.HBM:
        C._err(f"nl.store writes HBM; destination is in {dst.buffer.value}")
    C.require_on_chip(value, "nl.store value", (sbuf,))
    isa.dma_copy(dst, value)


# --------------------------------------------------------------------------- reductions
def _reduce(op, x, axis, dtype, keepdims, negate=False):
    from . import isa
    C.require_on_chip(x, f"nl.{op.name} reduction input")
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(a % x.ndim for a in axes)
    shape = [s for i, s in enumerate(x.shape) if i not in axes or keepdims]
    shape = [1 if (keepdims and i in axes) else s for i, s in enumerate(x.shape)] \
        if keepdims else shape
    if len(shape) == 1:
        shape.append(1)
    out = C.allocate(tuple(shape), dtype or x.dtype, sbuf, name=f"{op.name}_reduce")
    isa.tensor_reduce(out, op, x, axes, negate=negate, keepdims=keepdims)
    return out


def sum(x, axis, dtype=None, keepdims=False):  # noqa: A001
    return _reduce(add, x, axis, dtype, keepdims)


def max(x, axis, dtype=None, keepdims=False):  # noqa: A001
    return _reduce(maximum, x, axis, dtype, keepdims)


def min(x, axis, dtype=None, keepdims=False):  # noqa: A001
    return _reduce(minimum, x, axis, dtype, keepdims)


def transpose(x, dtype=None):
    """Tile transpose through TensorE (SBUF -> PSUM -> SBUF)."""
    from . import isa
    C.require_on_chip(x, "nl.transpose input", (sbuf,))
    p = C.allocate((x.free_size, x.partitions), x.dtype, psum, name="transpose")
    isa.nc_transpose(p, x)
    out = C.allocate(p.shape, dtype or x.dtype, sbuf, name="transpose")
    isa.tensor_copy(out, p)
    return out


# --------------------------------------------------------------------------- loops
def _iter(start, stop, step):
    if stop is None:
        start, stop = 0, start
    for v in (start, stop, step):
        if not isinstance(v, (int, np.integer)):
            C._err("loop bounds must be compile-time integers")
    return range(int(start), int(stop), int(step))


def affine_range(start, stop=None, step=1):
    """Iterations must be independent (except PSUM accumulation); in shuffle mode
    (``kernels.emulator.shuffled_affine_range`` / ``TRNPY_NKI_SHUFFLE=1``) they run in a
    random order, exposing loop-carried dependencies."""
    r = list(_iter(start, stop, step))
    if C.S.shuffle:
        C.S.rng.shuffle(r)
    return iter(r)


def sequential_range(start, stop=None, step=1):
    return iter(_iter(start, stop, step))


def dynamic_range(start, stop=None, step=1):
    """A hardware loop (``nki-dynamic-loops.rst``): one copy of the body in the program,
    run ``len(range(...))`` times; the loop variable is a device register."""
    if stop is None:
        start, stop = 0, start
    if not isinstance(step, int) or step < 1:
        C._err("dynamic_range step must be a compile-time positive int")
    return C.dynamic_loop(range(int(start), int(stop), step))


def static_range(start, stop=None, step=1):
    return iter(_iter(start, stop, step))


def device_print(print_prefix, tensor):
    print(print_prefix, tensor.numpy())


def program_id(axis=0):
    return 0


def num_programs(axes=0):
    return 1
