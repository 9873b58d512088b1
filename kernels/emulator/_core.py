"""Core of the NKI emulator: dtypes, buffers, tensors, allocation tracking, engine
arithmetic and the instruction stream that feeds the cost model.

Everything here is written for trnpy; it follows the public NKI 0.3+ API as documented
in ``aws-neuron/aws-neuron-sdk`` (``nki/api/nki/...``) but shares no code with it.
"""
from __future__ import annotations

import contextlib
import math
import os
import random
from enum import Enum

import ml_dtypes
import numpy as np

from . import cost as _cost
from . import rules as R
from ._errors import NKIEmulatorError, _err  # noqa: F401  (re-exported)

__all__ = ["NKIEmulatorError"]


# --------------------------------------------------------------------------- dtypes
bool_ = np.dtype(np.bool_)
int8, int16, int32 = np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.int32)
uint8, uint16, uint32 = np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.uint32)
float16, float32 = np.dtype(np.float16), np.dtype(np.float32)
bfloat16 = np.dtype(ml_dtypes.bfloat16)
float8_e4m3 = np.dtype(ml_dtypes.float8_e4m3)
float8_e4m3fn = np.dtype(ml_dtypes.float8_e4m3fn)
float8_e5m2 = np.dtype(ml_dtypes.float8_e5m2)

SUPPORTED_DTYPES = (bool_, int8, int16, int32, uint8, uint16, uint32, float16, float32,
                    bfloat16, float8_e4m3, float8_e4m3fn, float8_e5m2)
FLOAT_DTYPES = (float16, float32, bfloat16, float8_e4m3, float8_e4m3fn, float8_e5m2)
MATMUL_DTYPES = (float8_e4m3, float8_e5m2, bfloat16, float16, float32)
_BY_NAME = {d.name: d for d in SUPPORTED_DTYPES}
_BY_NAME.update({"bool": bool_, "bool_": bool_})


def as_dtype(dt) -> np.dtype:
    try:
        d = _BY_NAME[dt] if isinstance(dt, str) else np.dtype(dt)
    except (KeyError, TypeError):
        _err(f"unsupported NKI dtype {dt!r}")
    if d not in SUPPORTED_DTYPES:
        _err(f"dtype {d} is not an NKI data type (supported: "
             f"{', '.join(x.name for x in SUPPORTED_DTYPES)})")
    return d


def is_int(d) -> bool:
    return np.dtype(d).kind in "iub"


def is_float(d) -> bool:
    return np.dtype(d) in FLOAT_DTYPES


# --------------------------------------------------------------------------- buffers
class MemoryRegion(Enum):
    sbuf = "sbuf"
    psum = "psum"
    private_hbm = "private_hbm"
    shared_hbm = "shared_hbm"


ON_CHIP = (MemoryRegion.sbuf, MemoryRegion.psum)
HBM = (MemoryRegion.private_hbm, MemoryRegion.shared_hbm)


def as_buffer(b) -> MemoryRegion:
    if isinstance(b, MemoryRegion):
        return b
    if isinstance(b, str):
        R.violation("buffer-str", f"buffer={b!r}")
    _err(f"unknown buffer {b!r}: use nl.sbuf, nl.psum, nl.hbm or nl.shared_hbm")


# --------------------------------------------------------------------------- hardware
PMAX = 128                  # partitions (nl.tile_size.pmax)
PSUM_BANK_BYTES = 2048      # per partition; 8 banks x 2 KiB = 16 KiB (nki-notes: PSUM)
PSUM_BANKS = 8
GEMM_STATIONARY_FMAX = 128
GEMM_MOVING_FMAX = 512
# Usable SBUF bytes per partition: trn1 24 MiB / 128 = 192 KiB; trn2 224 KiB nominal,
# about 208 KiB usable (nki-notes "Memory and tiles", trainium2 arch guide).
SBUF_BYTES = {"trn1": 192 * 1024, "trn2": 208 * 1024}

# Sentinel written into every new allocation so reads of unwritten memory show up.
_INT_SENTINEL_BYTE = 0xDB   # int32 0xDBDBDBDB = -606348325; uint8 219; ...


# --------------------------------------------------------------------------- state
class _State:
    def __init__(self):
        self.target = os.environ.get("TRNPY_NKI_TARGET", "trn2").lower()
        self.shuffle = os.environ.get("TRNPY_NKI_SHUFFLE", "") not in ("", "0")
        self.rng = random.Random(int(os.environ.get("TRNPY_NKI_SHUFFLE_SEED", "0")))
        self.dry = False
        self.kernel = None          # _KernelRun while a kernel executes
        self.dyn = []               # open nl.dynamic_range loops (innermost last)
        self.counts = {e: 0 for e in _cost.ENGINES}
        self.profiles = []


S = _State()


class _KernelRun:
    def __init__(self, name):
        self.name = name
        self.clock = 0
        self.allocs = []            # on-chip allocations of this run
        self.act_regs = np.zeros(PMAX, np.float32)   # ScalarE reduce registers


class _Alloc:
    __slots__ = ("buffer", "bytes_pp", "banks", "t0", "t1", "name", "written")

    def __init__(self, buffer, bytes_pp, name, t0):
        self.buffer, self.bytes_pp, self.name, self.t0, self.t1 = buffer, bytes_pp, name, t0, t0
        self.banks = math.ceil(bytes_pp / PSUM_BANK_BYTES) if buffer is MemoryRegion.psum else 0
        self.written = False


def current_kernel(what="this call"):
    if S.kernel is None:
        _err(f"{what} must run inside a kernel executed by nki.simulate / an nki.jit call")
    return S.kernel


def sbuf_capacity(target=None):
    return SBUF_BYTES[target or S.target]


def _fill_sentinel(arr):
    if arr.dtype.kind == "f" or arr.dtype in FLOAT_DTYPES:
        arr[...] = np.nan
    elif arr.dtype == bool_:
        arr.view(np.uint8)[...] = _INT_SENTINEL_BYTE
    else:
        arr.view(np.uint8)[...] = _INT_SENTINEL_BYTE


def _check_on_chip_shape(shape, buffer, dtype):
    if len(shape) < 2:
        _err(f"{buffer.value} tiles need a partition dimension and at least one free "
             f"dimension; got shape {shape}")
    if shape[0] > PMAX:
        _err(f"partition dimension {shape[0]} exceeds the {PMAX} partitions "
             f"(nl.tile_size.pmax) of a {buffer.value} tile of shape {shape}")
    bpp = math.prod(shape[1:]) * dtype.itemsize
    if buffer is MemoryRegion.psum and bpp > PSUM_BANK_BYTES:
        _err(f"PSUM tile of shape {shape} {dtype} needs {bpp} bytes per partition; a PSUM "
             f"tile must fit one 2 KiB bank (512 fp32) per partition")
    if buffer is MemoryRegion.sbuf and bpp > sbuf_capacity():
        _err(f"SBUF tile of shape {shape} {dtype} needs {bpp} bytes per partition, more "
             f"than the SBUF capacity of {sbuf_capacity()} bytes per partition ({S.target})")
    return bpp


def allocate(shape, dtype, buffer, name=""):
    """Allocate a new tensor filled with sentinels (NaN for floats)."""
    k = current_kernel("nl.ndarray")
    shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    if any(s <= 0 for s in shape):
        _err(f"tensor shape {shape} must have positive sizes")
    dtype = as_dtype(dtype)
    buffer = as_buffer(buffer)
    if buffer in ON_CHIP:
        bpp = _check_on_chip_shape(shape, buffer, dtype)
    else:
        bpp = 0
    arr = np.empty(shape, dtype)
    _fill_sentinel(arr)
    st = np.zeros(shape, np.uint8) if buffer is MemoryRegion.psum else None
    al = _Alloc(buffer, bpp, name, k.clock)
    if buffer in ON_CHIP:
        k.allocs.append(al)
    return NkiTensor(arr, buffer, al, st, name)


def wrap_hbm(array, buffer=MemoryRegion.shared_hbm, name="arg"):
    arr = np.array(array, copy=True)
    as_dtype(arr.dtype)
    al = _Alloc(buffer, 0, name, 0)
    return NkiTensor(arr, buffer, al, None, name)


def finish_kernel(k):
    """Peak-liveness checks at kernel end (lifetime = allocation .. last use)."""
    res = {}
    for buf, key, cap, what in (
            (MemoryRegion.sbuf, "bytes_pp", sbuf_capacity(), "SBUF"),
            (MemoryRegion.psum, "banks", PSUM_BANKS, "PSUM")):
        ev = []
        for a in k.allocs:
            if a.buffer is buf:
                v = getattr(a, key)
                ev.append((a.t0, 1, v, a))
                ev.append((a.t1 + 1, 0, -v, a))
        ev.sort(key=lambda e: (e[0], e[1]))
        live = peak = 0
        for t, _, v, _a in ev:
            live += v
            if live > peak:
                peak = live
                peak_t = t
        res[what] = peak
        if peak > cap:
            names = sorted({a.name or "?" for a in k.allocs if a.buffer is buf
                            and a.t0 <= peak_t <= a.t1})
            if what == "SBUF":
                _err(f"SBUF capacity exceeded: peak live {peak} bytes per partition "
                     f"({peak / 1024:.1f} KiB) > {cap // 1024} KiB per partition on "
                     f"{S.target} (live tiles: {', '.join(names)[:300]})")
            _err(f"PSUM capacity exceeded: {peak} banks live > {PSUM_BANKS} banks "
                 f"(2 KiB per partition each)")
    return res


# --------------------------------------------------------------------------- tensors
class DynSlice:
    """``nl.ds(start, size)``."""

    def __init__(self, start, size):
        self.start, self.size = int(start), int(size)

    def as_slice(self):
        return slice(self.start, self.start + self.size)


class NkiTensor:
    """An emulated NKI tensor: a NumPy view into an allocation in one buffer."""

    __slots__ = ("_arr", "_st", "_alloc", "buffer", "name", "_root", "__weakref__")

    def __init__(self, arr, buffer, alloc, st=None, name="", root=True):
        self._arr, self.buffer, self._alloc, self._st, self.name = arr, buffer, alloc, st, name
        self._root = root           # a whole nl.ndarray (or a reshape of one): .ap() allowed

    # -- metadata
    shape = property(lambda self: tuple(self._arr.shape))
    dtype = property(lambda self: self._arr.dtype)
    ndim = property(lambda self: self._arr.ndim)
    size = property(lambda self: int(self._arr.size))
    itemsize = property(lambda self: self._arr.dtype.itemsize)
    on_chip = property(lambda self: self.buffer in ON_CHIP)

    @property
    def partitions(self):
        return self._arr.shape[0]

    @property
    def free_size(self):
        return math.prod(self._arr.shape[1:])

    def __repr__(self):
        return f"NkiTensor(shape={self.shape}, dtype={self.dtype}, buffer={self.buffer.value})"

    def __len__(self):
        return self._arr.shape[0]

    def _view(self, arr, st, root=False):
        return NkiTensor(arr, self.buffer, self._alloc, st, self.name, root)

    # -- indexing
    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        norm = []
        for i, k in enumerate(key):
            if isinstance(k, DynSlice):
                k = k.as_slice()
            if isinstance(k, (bool, np.bool_)) or not (
                    k is Ellipsis or k is None or isinstance(k, (int, np.integer, slice))):
                _err(f"unsupported index {k!r}: NKI tiles take integers, slices and nl.ds "
                     f"(no advanced indexing)")
            if isinstance(k, slice) and k.step is not None and k.step < 1:
                _err("slice steps must be >= 1")
            norm.append(k)
        if self.on_chip and norm and isinstance(norm[0], (int, np.integer)):
            i0 = int(norm[0])
            n0 = self._arr.shape[0]
            if not -n0 <= i0 < n0:
                _err(f"partition index {i0} out of range for {self}")
            i0 %= n0
            norm[0] = slice(i0, i0 + 1)
        key = tuple(norm)
        try:
            arr = self._arr[key]
        except IndexError as e:
            _err(f"bad index {key} for {self}: {e}")
        st = self._st[key] if self._st is not None else None
        if self.on_chip:
            if arr.ndim == 0 or arr.size == 0:
                _err(f"empty or scalar view {key} of {self}")
            if arr.ndim == 1:
                arr = arr.reshape(arr.shape[0], 1)
                st = st.reshape(st.shape[0], 1) if st is not None else None
        elif arr.size == 0:
            _err(f"empty view {key} of {self}")
        return self._view(arr, st)

    def __setitem__(self, key, value):
        from . import isa
        dst = self[key]
        if isinstance(value, NkiTensor):
            if dst.on_chip and value.on_chip:
                isa.tensor_copy(dst, value)
            else:
                isa.dma_copy(dst, value)
        else:
            isa.memset(dst, value)

    # -- views
    def _reshaped(self, shape):
        arr = self._arr.view()
        try:
            arr.shape = shape
        except (AttributeError, ValueError) as e:
            _err(f"cannot reshape {self} to {shape} without a copy: {e}")
        st = None
        if self._st is not None:
            st = self._st.view()
            st.shape = shape
        return self._view(arr, st, self._root)

    def reshape(self, shape):
        shape = tuple(int(s) for s in shape)
        if -1 in shape:
            known = int(np.prod([s for s in shape if s != -1]))
            shape = tuple(self.size // known if s == -1 else s for s in shape)
        if int(np.prod(shape)) != self.size:
            _err(f"cannot reshape {self} to {shape}: element counts differ")
        if self.on_chip and shape[0] != self.shape[0]:
            _err(f"reshape of an on-chip tile must keep the partition dimension "
                 f"({self.shape[0]}); got {shape}")
        return self._reshaped(shape)

    def permute(self, dims):
        R.violation("permute", f"{self}.permute({dims})")

    def ap(self, pattern, offset=0, scalar_offset=None, vector_offset=None, indirect_dim=0,
           dtype=None):
        """Access pattern view (nki-aps.rst): element ``[i0, i1, ...]`` is element ``offset +
        sum(i_k * step_k)`` of the flattened tensor, ``pattern = [[step, num], ...]``."""
        if not self._root:
            R.violation("access-pattern", f".ap() on an indexed view of {self}")
        if scalar_offset is not None or vector_offset is not None or dtype is not None:
            _err(".ap() with scalar_offset / vector_offset / dtype is not emulated")
        pat = [(int(st), int(n)) for st, n in pattern]
        if not pat or any(n < 1 or st < 0 for st, n in pat):
            R.violation("access-pattern", f"pattern {pattern}: need [step >= 0, num >= 1] "
                                          f"pairs")
        if self.on_chip and pat[0][0] != self.free_size:
            R.violation("access-pattern", f"partition step {pat[0][0]} != {self.free_size} "
                                          f"elements per partition of {self}")
        offset = int(offset)
        last = offset + sum(st * (n - 1) for st, n in pat)
        if offset < 0 or last >= self.size:
            R.violation("access-pattern", f"pattern {pattern} at offset {offset} reaches "
                                          f"element {last} of {self.size}")
        isz = self._arr.itemsize
        flat = self._arr.reshape(-1)
        shape = tuple(n for _, n in pat)
        strides = tuple(st * isz for st, _ in pat)
        arr = np.lib.stride_tricks.as_strided(flat[offset:], shape, strides)
        st_arr = None
        if self._st is not None:
            st_arr = np.lib.stride_tricks.as_strided(self._st.reshape(-1)[offset:], shape,
                                                     tuple(s_ for s_, _ in pat))
        return self._view(arr, st_arr)

    def expand_dim(self, dim):
        if self.on_chip and dim == 0:
            _err("cannot insert a dimension before the partition dimension")
        shape = list(self.shape)
        shape.insert(dim, 1)
        return self._reshaped(tuple(shape))

    def squeeze_dim(self, dim):
        if self.shape[dim] != 1:
            _err(f"squeeze_dim({dim}) of {self}: dimension is not 1")
        if self.on_chip and dim == 0:
            _err("cannot squeeze the partition dimension")
        shape = list(self.shape)
        del shape[dim]
        return self._reshaped(tuple(shape))

    def slice(self, dim, start, end, step=1):
        key = [slice(None)] * self.ndim
        key[dim] = slice(start, end, step)
        return self[tuple(key)]

    def select(self, dim, index):
        if not isinstance(index, (int, np.integer)):
            _err("dynamic select is not emulated")
        if self.on_chip and dim == 0:
            _err("select on the partition dimension: use integer indexing t[i] instead")
        key = [slice(None)] * self.ndim
        key[dim] = int(index)
        return self[tuple(key)]

    # -- host access (tests, simulate)
    def numpy(self):
        return np.array(self._arr, copy=True)


def touch(*tensors):
    """Record a use of each tensor at the current instruction (for liveness)."""
    k = S.kernel
    for t in tensors:
        if isinstance(t, NkiTensor):
            a = t._alloc
            if k is not None and k.clock > a.t1:
                a.t1 = k.clock


def require_tensor(t, what):
    if not isinstance(t, NkiTensor):
        _err(f"{what} must be an NKI tensor, got {type(t).__name__}")
    return t


def require_on_chip(t, what, allowed=ON_CHIP):
    require_tensor(t, what)
    if t.buffer not in allowed:
        _err(f"{what} must be in {' or '.join(b.value for b in allowed)}, "
             f"but is in {t.buffer.value}")
    if t.partitions > PMAX:
        _err(f"{what}: partition dimension {t.partitions} exceeds {PMAX}")
    return t


def same_layout(a, b, what):
    if a.partitions != b.partitions or a.free_size != b.free_size:
        _err(f"{what}: shapes {a.shape} and {b.shape} differ in partition size or "
             f"elements per partition (NKI 0.3 does not broadcast here)")


# --------------------------------------------------------------------------- arithmetic
def to_f32(t):
    """What a Vector/Scalar/GpSimd engine sees: every input element cast to fp32
    (so 32-bit integers above 2**24 lose bits)."""
    a = t._arr if isinstance(t, NkiTensor) else np.asarray(t)
    if a.dtype == np.float32:
        return a.astype(np.float32, copy=True)
    return a.astype(np.float32)


def cast_from_f32(values, dtype):
    """fp32 result -> destination dtype: RNE rounding for narrow floats (ml_dtypes),
    round-half-even plus saturation for integers (NaN -> 0)."""
    dtype = np.dtype(dtype)
    v = np.asarray(values, np.float32)
    if dtype == np.float32:
        return v
    if is_float(dtype):
        return v.astype(dtype)
    if dtype == bool_:
        return v != 0
    info = np.iinfo(dtype)
    w = np.rint(v.astype(np.float64))
    w = np.where(np.isnan(w), 0.0, w)
    return np.clip(w, info.min, info.max).astype(dtype)


def write(dst, values):
    """Store values (already in dst dtype or fp32) into the destination view."""
    touch(dst)
    if S.dry:
        return
    values = np.asarray(values)
    if values.dtype != dst.dtype:
        values = cast_from_f32(values, dst.dtype)
    dst._arr[...] = values.reshape(dst._arr.shape)
    dst._alloc.written = True


def bits(t):
    """Bit pattern of an integer tile as uint64 (for bitvec ops)."""
    a = t._arr if isinstance(t, NkiTensor) else np.asarray(t)
    if a.dtype == bool_:
        return a.astype(np.uint64)
    if a.dtype.kind == "i":
        n = a.dtype.itemsize * 8
        return (a.astype(np.int64) & ((1 << n) - 1)).astype(np.uint64)
    if a.dtype.kind == "u":
        return a.astype(np.uint64)
    _err(f"bitvec operators need integer tiles, got {a.dtype}")


def from_bits(u, dtype):
    dtype = np.dtype(dtype)
    n = dtype.itemsize * 8
    u = np.asarray(u, np.uint64) & np.uint64((1 << n) - 1)
    return u.astype({1: np.uint8, 2: np.uint16, 4: np.uint32}[dtype.itemsize]).view(dtype) \
        if dtype != bool_ else u.astype(bool)


# --------------------------------------------------------------------------- instructions
def issue(engine, op, *, cycles=0.0, dma_bytes=0, flops=0, fixed_cycles=0.0, dma_chunk=0):
    """Account one instruction on ``engine`` and advance the kernel clock (``dma_chunk``:
    contiguous bytes per partition of a DMA, for the small-transfer efficiency charge)."""
    k = S.kernel
    if k is not None:
        k.clock += 1
    S.counts[engine] += 1
    static = True                   # part of the compiled program (not a loop re-run)
    for f in S.dyn:
        f.ops.append(op)
        static = static and f.i == 0
    for p in S.profiles:
        p.record(engine, op, cycles, dma_bytes, flops, fixed_cycles, dma_chunk)
        p.static_instructions += static


class LoopRegister:
    """The loop variable of ``nl.dynamic_range``: a device register. Python arithmetic
    or tests on it (trace-time values) are errors, as on the hardware."""

    __slots__ = ("_v",)

    def __init__(self, v):
        self._v = v

    def _host(self, *a):
        R.violation("dynamic-loop", "the dynamic_range loop variable used as a Python value")

    __index__ = __int__ = __bool__ = __eq__ = __lt__ = __le__ = __gt__ = __ge__ = _host
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __hash__ = _host


class _DynFrame:
    __slots__ = ("i", "ops", "first")

    def __init__(self):
        self.i, self.ops, self.first = 0, [], None


def dynamic_loop(values):
    """Run a ``dynamic_range`` body once per value; instructions of iterations after the
    first are executed (cost model) but not part of the program (static count), and
    every iteration must issue the first one's instruction sequence."""
    current_kernel("nl.dynamic_range")
    f = _DynFrame()
    S.dyn.append(f)
    try:
        for i, v in enumerate(values):
            f.i, f.ops = i, []
            yield LoopRegister(v)
            if f.first is None:
                f.first = f.ops
            elif f.ops != f.first:
                R.violation("dynamic-loop", f"iteration {i} issued {len(f.ops)} instructions, "
                                            f"iteration 0 issued {len(f.first)} (or in another "
                                            f"order)")
    finally:
        S.dyn.remove(f)


@contextlib.contextmanager
def kernel_run(name):
    if S.kernel is not None:
        _err("nested kernel launch: a kernel cannot call nki.simulate / another kernel")
    k = _KernelRun(name)
    S.kernel = k
    S.dyn = []
    try:
        yield k
    finally:
        S.kernel = None
        S.dyn = []
