"""NumPy's Philox-driven samplers on a device, bit for bit: uniforms, bounded integers
(Lemire with rejection) and the 256-layer ziggurat normals and exponentials of
``numpy/random/src/distributions/distributions.c``.

Each sampler peeks a stretch of the stream (:class:`trnpy._random_bits.PhiloxStream`),
computes every candidate at once on the device, keeps the accepted ones in stream order
(a compaction pass) and consumes exactly the words NumPy would. The ziggurat's rare slow
path (~1.5% of draws: a wedge test with ``exp`` or the tail with ``log1p``) runs on the
device too, with libm's own ``log1p`` algorithm; only wedge tests within an ulp or two of
their boundary (about 1e-12 of float64 draws) are replayed on the host with libm.
Where the registry routes them to the NKI kernel (neuron device), the per-draw steps
come from ``kernels/rng.py`` (:meth:`PhiloxStream.kernel_halves`): the Lemire
candidates and accept flags of ``integers`` (64-bit draws, 32-bit draws and their 16-
and 8-bit parts) and the
float32 ziggurat's fast-path values, flags and draws; the compaction and the slow paths
stay here (and float64 draws, computed from the words).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math

import numpy as np

from .._torch import torch
from .._random_bits import M32, signed, _srl, _mulhilo
from . import _ziggurat as Z

_EXTRA = 64        # words peeked beyond n + n/16 (the ziggurat uses ~1.02 per draw)
_D53 = 1.0 / 9007199254740992.0
_F24 = np.float32(1.0 / 16777216.0)
_SIGN = -(1 << 63)


def _ult(a, b):
    """Unsigned ``a < b`` of uint64 bit patterns (int64 tensors or ints)."""
    return (a ^ _SIGN) < (b ^ _SIGN)


# -- uniforms ---------------------------------------------------------------------------
def random64(stream, n):
    w = stream.peek64(n)
    stream.take64(n)
    # in place on this call's own words: one new tensor instead of four
    return w.__irshift__(11).bitwise_and_((1 << 53) - 1).to(torch.float64).mul_(_D53)


def random32(stream, n):
    u = stream.peek_uniform32(n)
    stream.take32(n)
    return u


# -- bounded integers -------------------------------------------------------------------
def bounded(stream, off: int, rng: int, n: int, bits: int):
    """``n`` values of NumPy's ``random_bounded_uint{bits}_fill(off, rng)`` (bits 64, 32,
    16, 8, or 1 for bool) as an int64 tensor (``off`` added; uint64 as bit patterns)."""
    if rng == 0 or n == 0:
        return torch.full((n,), signed(off), dtype=torch.int64, device=stream.tdevice)
    if bits == 64 and rng > M32:
        if rng == (1 << 64) - 1:
            v = stream.peek64(n)
            stream.take64(n)
            return v + signed(off)
        excl = rng + 1
        thr_u = ((1 << 64) - 1 - rng) % excl
        thr = signed(thr_u)

        def step64(v):
            hi, lo = _mulhilo(v, excl)
            return hi, ~_ult(lo, thr)

        def draw(m):
            # NumPy's 64-bit Lemire step in the kernel where routed there
            r, where = stream.kernel_halves("random_integers", m, "lemire64", rng, step64,
                                            wide=True)
            return r if r is not None else step64(stream.peek64(m, where))
        vals, used = _accepted(draw, n, thr_u / 2.0 ** 64)
        stream.take64(used)
        return vals + signed(off)
    # 32-bit draws, split into sub-words (low first) for 16/8-bit and bool
    width = min(bits, 32)
    parts = 32 // width
    mask = (1 << width) - 1
    if rng == mask or bits == 1:
        m = -(-n // parts)
        u = stream.peek32(m)
        stream.take32(m)
        v = _split(u, width, parts)[:n]
        return v + signed(off)
    excl = rng + 1
    thr = (mask - rng) % excl

    def step(u):
        prod = _split(u, width, parts) * excl     # < 2**64: bits exact (wraps for 32)
        hi = (prod >> width).bitwise_and_(mask)   # logical shift of the bit pattern
        return hi, prod.bitwise_and_(mask) >= thr

    def draw(m):
        # NumPy's Lemire step in the kernel where routed there, on 32-bit draws or their
        # 16-bit / 8-bit parts
        r, where = stream.kernel_halves("random_integers", -(-m // parts),
                                        _LEMIRE_MODE[width], rng, step, per=parts)
        hi, ok = r if r is not None else step(stream.peek32(-(-m // parts), where))
        return hi[:m], ok[:m]
    vals, used = _accepted(draw, n, thr / (mask + 1.0))
    stream.take32(-(-used // parts))
    return vals + signed(off)


_LEMIRE_MODE = {32: "lemire", 16: "lemire16", 8: "lemire8"}    # kernels/rng.py modes


def _mulhi64(a, b):
    """High words of the 128-bit products of uint64 bit patterns ``a`` and ``b`` (tensors),
    and the low words (wrapping)."""
    a0, a1, b0, b1 = a & M32, _srl(a, 32), b & M32, _srl(b, 32)
    p00, p01, p10 = a0 * b0, a0 * b1, a1 * b0
    mid = _srl(p00, 32) + (p01 & M32) + (p10 & M32)          # < 3 * 2**32
    return a1 * b1 + _srl(p01, 32) + _srl(p10, 32) + _srl(mid, 32), a * b


def bounded_array(stream, off, rng, bits: int, passes: int = 8):
    """NumPy's ``integers`` with array bounds: element i is
    ``random_bounded_uint{bits}(off[i], rng[i])`` (``off``, ``rng``: uint64 NumPy arrays),
    drawn in order from one stream, each element drawing until its own Lemire test
    accepts. Which draw each element starts at depends on the rejections before it:
    positions are guessed (no rejections), each element's first accepted draw from its
    guessed start is found, the starts are recomputed from those counts, and this repeats
    until they settle (rare rejections: two or three passes). None, with nothing
    consumed, when they have not settled after ``passes`` (ranges near the draw's size
    reject often) or when 32- and 64-bit draws mix: NumPy's own loop then runs."""
    tdevice = stream.tdevice
    offt = torch.from_numpy(off.view(np.int64)).to(tdevice)
    d = np.flatnonzero(rng)                      # elements that draw (rng 0: off, no draw)
    if d.size == 0:
        return offt
    width = min(bits, 32)
    wide = bits == 64 and bool(rng[d].max() > M32)
    if wide:
        if bool(rng[d].min() <= M32):
            return None
        width = 64
    parts = 32 // width if width < 64 else 1
    mask = (1 << width) - 1
    r = rng[d]
    full = r == np.uint64(mask)
    excl = np.where(full, 0, r + np.uint64(1))   # full ranges take the draw as it is
    thr = np.where(full, 0, (np.uint64(mask) - r) % np.where(full, 1, excl))
    excl_t = torch.from_numpy(excl.view(np.int64)).to(tdevice)
    thr_t = torch.from_numpy(thr.view(np.int64)).to(tdevice)
    full_t = torch.from_numpy(full).to(tdevice)
    nd = d.size
    rank = torch.arange(nd, device=tdevice)
    pos, K, m, units = rank, 2, nd + nd // 32 + 64, None
    for _ in range(passes):
        need = int(pos[-1]) + K + 1
        if units is None or need > m:
            m = max(m, 2 * need)
            if wide:
                units = stream.peek64(m)
            else:
                units = _split(stream.peek32(-(-m // parts)), width, parts)[:m]
        cand = units[(pos[:, None] + torch.arange(K, device=tdevice)).clamp(max=m - 1)]
        if wide:
            hi, lo = _mulhi64(cand, excl_t[:, None])
            ok = ~_ult(lo, thr_t[:, None])
        else:
            prod = cand * excl_t[:, None]
            hi, ok = _srl(prod, width) & mask, (prod & mask) >= thr_t[:, None]
        hi = torch.where(full_t[:, None], cand, hi)
        ok = ok | full_t[:, None]
        got = ok.any(1)
        first = ok.to(torch.uint8).argmax(1)
        rej = torch.where(got, first, K)
        new = rank + torch.cumsum(rej, 0) - rej
        if bool(got.all()) and torch.equal(new, pos):
            vals = hi.gather(1, first[:, None]).reshape(-1)
            out = offt.clone()
            out[torch.from_numpy(d).to(tdevice)] += vals
            used = int(pos[-1] + first[-1]) + 1
            if wide:
                stream.take64(used)
            else:
                stream.take32(-(-used // parts))
            return out
        if not bool(got.all()):
            K *= 2
        pos = new
    return None


def _split(u, width, parts):
    if parts == 1:
        return u
    shifts = torch.arange(parts, device=u.device, dtype=torch.int64) * width
    return ((u[:, None] >> shifts) & ((1 << width) - 1)).reshape(-1)


def _accepted(draw, n, reject=0.0):
    """The first ``n`` accepted values of a rejection sampler with one draw per attempt,
    and the number of draws used. ``draw(m)`` -> (values, accepted) for ``m`` draws;
    ``reject``: the rejection probability (sizes the first batch: one launch, usually)."""
    m = int(n / (1.0 - reject) * 1.01) + n // 64 + 16
    while True:
        vals, ok = draw(m)
        if bool(ok[:n].all()):                   # no rejection (small ranges: usual)
            return vals[:n], n
        pos = torch.nonzero(ok).reshape(-1)
        if pos.numel() >= n:
            return vals[pos[:n]], int(pos[n - 1]) + 1
        m *= 2


# -- libm's log1p on the device ----------------------------------------------------------
# NumPy's ziggurat tails and inverse-CDF exponentials call the C library's log1p/log1pf
# (npy_log1p). glibc's are fdlibm's algorithm (Sun, 1993); on x86-64 CPUs with FMA glibc
# (2.35+) runs a build of it compiled with fused multiply-adds. _log1p64 is that algorithm
# as whole-tensor IEEE operations, one rounding per C operation, with the FMA build's
# fused steps (emulated exactly, _fma) or without; _log1pf likewise. Only the branches
# reachable from x = -u, u in [0, 1), are kept. _libm_variant() checks them against the
# host's libm once per device; where none agrees, tails are replayed on the host.
_L64 = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
        2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
        1.479819860511658591e-01)
_LN2_64 = (6.93147180369123816490e-01, 1.90821492927058770002e-10)
_L32 = tuple(float(np.float32(v)) for v in (
    6.6666668653e-01, 4.0000000596e-01, 2.8571429849e-01, 2.2222198546e-01,
    1.8183572590e-01, 1.5313838422e-01, 1.4798198640e-01))
_LN2_32 = (float(np.float32(6.9313812256e-01)), float(np.float32(9.0580006145e-06)))
_TWO3_32 = float(np.float32(0.66666666666666666))


def _signed32(v: int) -> int:
    return v - (1 << 32) if v >> 31 else v


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _veltkamp(a):
    g = a * 134217729.0                                  # 2**27 + 1 (Veltkamp)
    hi = g - (g - a)
    return hi, a - hi


def _fma(a, b, c):
    """``a * b + c`` rounded once (float64), without an FMA instruction: Boldo and
    Melquiond's emulation (exact product and sum, the low parts rounded to odd)."""
    a = torch.as_tensor(a, dtype=torch.float64)
    uh = a * b
    ah, al = _veltkamp(a)
    bh, bl = _veltkamp(torch.as_tensor(b, dtype=torch.float64, device=a.device))
    ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, uh)
    v, e = _two_sum(tl, ul)
    even = (v.view(torch.int64) & 1) == 0
    v = torch.where((e != 0) & even, torch.nextafter(v, e * math.inf), v)
    return th + v


def _log1p64(x, fused):
    """glibc's ``log1p`` of a float64 tensor ``x`` in (-1, 0] (``fused``: its FMA build)."""
    if fused:
        fma = _fma
    else:
        def fma(a, b, c):
            return a * b + c
    hx = x.view(torch.int64) >> 32                      # the signed high word
    ax = hx & 0x7FFFFFFF
    # x <= -0.2929: 1 + x = 2**k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2); c corrects 1 + x
    big = hx > _signed32(0xBFD2BEC3)
    u = 1.0 + x
    hu = u.view(torch.int64) >> 32
    k = (hu >> 20) - 1023                               # < 0: 1 + x < 1
    c = (x - (u - 1.0)) / u
    hu = hu & 0x000FFFFF
    low = hu < 0x6A09E
    hw = torch.where(low, hu | 0x3FF00000, hu | 0x3FE00000)
    u = ((u.view(torch.int64) & M32) | (hw << 32)).view(torch.float64)
    f = torch.where(big, u - 1.0, x)
    k = torch.where(big, torch.where(low, k, k + 1), 0).to(torch.float64)
    hu = torch.where(big, torch.where(low, hu, (0x00100000 - hu) >> 2), 1)
    c = torch.where(big, c, 0.0)
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    R2, R3, R4 = fma(z, _L64[2], _L64[1]), fma(z, _L64[4], _L64[3]), fma(z, _L64[6], _L64[5])
    if fused:
        R = fma(z4 * z2, R4, fma(z4, R3, fma(z, _L64[0], z2 * R2)))
        klo = fma(k, _LN2_64[1], c)
    else:
        R = z * _L64[0] + z2 * R2 + z4 * R3 + z4 * z2 * R4
        klo = k * _LN2_64[1] + c
    t = s * (hfsq + R)
    r = torch.where(k == 0, f - (hfsq - t), fma(k, _LN2_64[0], -((hfsq - (t + klo)) - f)))
    # |f| < 2**-20 (1 + x just below a power of two)
    R0 = fma(-f, 0.66666666666666666, 1.0) * hfsq
    r0 = torch.where(k == 0, f - R0, fma(k, _LN2_64[0], -((R0 - klo) - f)))
    r0 = torch.where(f == 0, torch.where(k == 0, 0.0, fma(k, _LN2_64[0], klo)), r0)
    r = torch.where(hu == 0, r0, r)
    tiny = torch.where(ax < 0x3C900000, x, fma(-(x * x), 0.5, x))
    return torch.where(ax < 0x3E200000, tiny, r)


def _log1pf(x):
    """glibc's ``log1pf`` of a float32 tensor ``x`` in (-1, 0]."""
    hx = x.view(torch.int32).to(torch.int64)
    ax = hx & 0x7FFFFFFF
    big = hx > _signed32(0xBE95F61F)
    u = 1.0 + x
    hu = u.view(torch.int32).to(torch.int64)
    k = (hu >> 23) - 127
    c = (x - (u - 1.0)) / u
    hu = hu & 0x007FFFFF
    low = hu < 0x3504F7
    u = torch.where(low, hu | 0x3F800000, hu | 0x3F000000).to(torch.int32).view(torch.float32)
    f = torch.where(big, u - 1.0, x)
    k = torch.where(big, torch.where(low, k, k + 1), 0).to(torch.float32)
    hu = torch.where(big, torch.where(low, hu, (0x00800000 - hu) >> 2), 1)
    c = torch.where(big, c, 0.0)
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    L = _L32
    R = z * (L[0] + z * (L[1] + z * (L[2] + z * (L[3] + z * (L[4] + z * (L[5] + z * L[6]))))))
    klo = k * _LN2_32[1] + c
    r = torch.where(k == 0, f - (hfsq - s * (hfsq + R)),
                    k * _LN2_32[0] - ((hfsq - (s * (hfsq + R) + klo)) - f))
    R0 = hfsq * (1.0 - _TWO3_32 * f)
    r0 = torch.where(k == 0, f - R0, k * _LN2_32[0] - ((R0 - klo) - f))
    r0 = torch.where(f == 0, torch.where(k == 0, 0.0, k * _LN2_32[0] + klo), r0)
    r = torch.where(hu == 0, r0, r)
    tiny = torch.where(ax < 0x24800000, x, x - x * x * 0.5)
    return torch.where(ax < 0x31000000, tiny, r)


# -- ziggurat ---------------------------------------------------------------------------
def _table(name, dtype=None):
    """NumPy array of a table of :mod:`._ziggurat` (its hex bytes, little-endian)."""
    if dtype is None:
        dtype = {"k": "<u8", "w": "<f8", "f": "<f8", "z": "<f8"}[name[0]]
        if name.endswith("float") or name.endswith("_f"):
            dtype = "<u4" if name[0] == "k" else "<f4"
    return np.frombuffer(bytes.fromhex(getattr(Z, name)), dtype=dtype)


@functools.lru_cache(maxsize=None)
def _host_tables():
    t = {}
    for name in ("wi_double", "fi_double", "we_double", "fe_double"):
        t[name] = [float(v) for v in _table(name)]
    for name in ("wi_float", "fi_float", "we_float", "fe_float"):
        t[name] = list(_table(name).astype(np.float32))
    for name in ("ziggurat_nor_r", "ziggurat_nor_inv_r", "ziggurat_exp_r"):
        t[name] = float(_table(name)[0])
    for name in ("ziggurat_nor_r_f", "ziggurat_nor_inv_r_f", "ziggurat_exp_r_f"):
        t[name] = _table(name).astype(np.float32)[0]
    return t


@functools.lru_cache(maxsize=None)
def _device_tables(tdevice, name):
    if name.endswith("_pm"):
        # 512 entries indexed by (sign bit << 8 | layer): the w table's second half negated
        # (-(r * w) == r * (-w) exactly), the k table's repeated
        a = _table(name[:-3])
        a = np.concatenate([a, -a if name.startswith("w") else a])
    else:
        a = _table(name)
    a = a.astype(np.int64) if name.startswith("k") else a.astype(a.dtype.newbyteorder("="))
    return torch.from_numpy(a).to(tdevice)


@functools.lru_cache(maxsize=None)
def _libm():
    # float log1p/exp as NumPy calls them (npy_log1pf, expf): libm's, through ctypes
    lib = ctypes.CDLL(ctypes.util.find_library("m"))
    for f in ("log1pf", "expf"):
        getattr(lib, f).restype = ctypes.c_float
        getattr(lib, f).argtypes = [ctypes.c_float]
    return lib


def _next_double(w):
    return (w >> 11) * _D53


def _next_float(u):
    return np.float32(u >> 8) * _F24


class _Words:
    """Host access to the peeked words: the gathered ones, fetching others on demand."""

    def __init__(self, w, known):
        self.w, self.known = w, known

    def __getitem__(self, p):
        v = self.known.get(p)
        if v is None:
            v = self.known[p] = int(self.w[p]) & ((1 << 64) - 1)
        return v


def _slow_normal64(words, s, m, T):
    """NumPy's slow path of ``random_standard_normal`` for the attempt at word ``s``:
    (value or None, words used), or None when it needs words past ``m``."""
    w = words[s]
    idx = w & 0xFF
    r = w >> 8
    rabs = (r >> 1) & 0x000FFFFFFFFFFFFF
    x = rabs * T["wi_double"][idx]
    if r & 1:
        x = -x
    if idx == 0:
        p = s + 1
        while True:
            if p + 1 >= m:
                return None
            xx = -T["ziggurat_nor_inv_r"] * math.log1p(-_next_double(words[p]))
            yy = -math.log1p(-_next_double(words[p + 1]))
            p += 2
            if yy + yy > xx * xx:
                v = T["ziggurat_nor_r"] + xx
                return (-v if (rabs >> 8) & 1 else v), p - s
    if s + 1 >= m:
        return None
    fi = T["fi_double"]
    if (fi[idx - 1] - fi[idx]) * _next_double(words[s + 1]) + fi[idx] < math.exp(-0.5 * x * x):
        return x, 2
    return None, 2


def _slow_normal32(words, s, m, T):
    w = words[s]
    idx = w & 0xFF
    rabs = (w >> 9) & 0x0007FFFFF
    x = np.float32(rabs) * T["wi_float"][idx]
    if (w >> 8) & 1:
        x = -x
    if idx == 0:
        lib = _libm()
        p = s + 1
        while True:
            if p + 1 >= m:
                return None
            xx = -T["ziggurat_nor_inv_r_f"] * np.float32(lib.log1pf(float(-_next_float(words[p]))))
            yy = -np.float32(lib.log1pf(float(-_next_float(words[p + 1]))))
            p += 2
            if yy + yy > xx * xx:
                v = T["ziggurat_nor_r_f"] + xx
                return (-v if (rabs >> 8) & 1 else v), p - s
    if s + 1 >= m:
        return None
    fi = T["fi_float"]
    lhs = (fi[idx - 1] - fi[idx]) * _next_float(words[s + 1]) + fi[idx]
    xd = float(x)
    if float(lhs) < math.exp(-0.5 * xd * xd):
        return x, 2
    return None, 2


def _slow_exp64(words, s, m, T):
    if s + 1 >= m:
        return None
    ri = words[s] >> 3
    idx = ri & 0xFF
    ri >>= 8
    x = ri * T["we_double"][idx]
    u = _next_double(words[s + 1])
    if idx == 0:
        return T["ziggurat_exp_r"] - math.log1p(-u), 2
    fe = T["fe_double"]
    if (fe[idx - 1] - fe[idx]) * u + fe[idx] < math.exp(-x):
        return x, 2
    return None, 2


def _slow_exp32(words, s, m, T):
    if s + 1 >= m:
        return None
    ri = words[s] >> 1
    idx = ri & 0xFF
    ri >>= 8
    x = np.float32(ri) * T["we_float"][idx]
    u = _next_float(words[s + 1])
    lib = _libm()
    if idx == 0:
        return T["ziggurat_exp_r_f"] - np.float32(lib.log1pf(float(-u))), 2
    fe = T["fe_float"]
    if (fe[idx - 1] - fe[idx]) * u + fe[idx] < np.float32(lib.expf(float(-x))):
        return x, 2
    return None, 2


def _fast(kind, w, tdevice):
    """Fast-path values and acceptance of every word (one attempt each); table lookups by
    ``index_select`` (several times faster than advanced indexing on the CPU)."""
    if kind.startswith("normal"):
        wide = kind == "normal64"
        sfx = "double" if wide else "float"
        i9 = w & 0x1FF                           # the layer and, in bit 8, the sign
        rabs = (w >> 9).bitwise_and_(0x000FFFFFFFFFFFFF if wide else 0x7FFFFF)
        x = rabs.to(torch.float64 if wide else torch.float32)
        x.mul_(_device_tables(tdevice, f"wi_{sfx}_pm").index_select(0, i9))
        return x, rabs < _device_tables(tdevice, f"ki_{sfx}_pm").index_select(0, i9)
    if kind == "exp64":
        idx = (w >> 3).bitwise_and_(0xFF)
        ri = (w >> 11).bitwise_and_((1 << 53) - 1)     # logical shift of the bit pattern
        x = ri.to(torch.float64).mul_(_device_tables(tdevice, "we_double").index_select(0, idx))
        return x, ri < _device_tables(tdevice, "ke_double").index_select(0, idx)
    idx = (w >> 1).bitwise_and_(0xFF)
    ri = w >> 9
    x = ri.to(torch.float32).mul_(_device_tables(tdevice, "we_float").index_select(0, idx))
    return x, ri < _device_tables(tdevice, "ke_float").index_select(0, idx)


@functools.lru_cache(maxsize=None)
def _kernel_tables(kind):
    """The kernel's float32 [1024] = 512-entry ``w`` | ``k`` tables indexed by the draw's
    low 9 bits: normal32, layer = bits 0-7 and the sign (bit 8) folded into ``w``;
    exp32, layer = bits 1-8 (each entry twice). ``k`` < 2^23: exact in float32."""
    if kind == "normal32":
        w, k = _table("wi_float"), _table("ki_float")
        w, k = np.concatenate([w, -w]), np.concatenate([k, k])
    else:
        w, k = np.repeat(_table("we_float"), 2), np.repeat(_table("ke_float"), 2)
    return np.concatenate([w.astype(np.float32), k.astype(np.float32)])


_SLOW = {"normal64": _slow_normal64, "normal32": _slow_normal32,
         "exp64": _slow_exp64, "exp32": _slow_exp32}


# u = k * 2**-53 where glibc's two builds of log1p(-u) differ (FMA or not)
_FMA_WITNESSES = (0x156a7643258913, 0x61bef689b86d8, 0x5886e75cf7a0f, 0x6e6a6cc415e93,
                  0xc8072de1b2654, 0x6675cde673711, 0x5b37f2d37bbfb, 0x8eaddfcacf558,
                  0x7183d9444fa47, 0x9a66dd5144b18, 0x4945fc67f7f9f, 0x7271192116a5f)


@functools.lru_cache(maxsize=None)
def _libm_variant(tdevice):
    """Which device log1p reproduces the host libm's (NumPy's) on this device, checked
    once on 8192 inputs (edges, and inputs where the FMA and plain builds differ): (``fused``
    for :func:`_log1p64` or None, True or None for :func:`_log1pf`). None: tails and
    ``method="inv"`` go to the host."""
    u = np.concatenate([np.random.Generator(np.random.Philox(2026)).random(1 << 13),
                        np.array(_FMA_WITNESSES, dtype=np.float64) * 2.0 ** -53,
                        [0.0, 2.0 ** -53, 2.0 ** -29, 2.0 ** -20, 0.2928932188134524,
                         0.5, 0.75, 1 - 2.0 ** -21, 1 - 2.0 ** -53]])
    ref = np.array([math.log1p(-v) for v in u]).view(np.int64)
    t = torch.from_numpy(-u).to(tdevice)
    v64 = next((fused for fused in (True, False)
                if np.array_equal(_log1p64(t, fused).cpu().numpy().view(np.int64), ref)), None)
    uf = np.float32(np.floor(u * 2.0 ** 24) * 2.0 ** -24)    # next_float's values
    lib = _libm()
    reff = np.array([lib.log1pf(float(-v)) for v in uf], dtype=np.float32).view(np.int32)
    got = _log1pf(torch.from_numpy(-uf).to(tdevice)).cpu().numpy().view(np.int32)
    return v64, (True if np.array_equal(got, reff) else None)


def libm_reproduced(tdevice, wide: bool) -> bool:
    return _libm_variant(tdevice)[0 if wide else 1] is not None


def exp_inv(stream, n, wide):
    """NumPy's ``standard_exponential(method="inv")``: ``-log1p(-u)`` with libm's log1p
    (float64 ``log1p`` for float32 too, rounded once at the end, as NumPy's C does)."""
    u = random64(stream, n) if wide else random32(stream, n).to(torch.float64)
    v = -_log1p64(-u, _libm_variant(stream.tdevice)[0])
    return v if wide else v.to(torch.float32)


def _uni(wide, w):
    """next_double / next_float of words ``w``."""
    if wide:
        return _srl(w, 11).to(torch.float64) * _D53
    return (w >> 8).to(torch.float32) * float(_F24)


def _layer(kind, w):
    if kind.startswith("normal"):
        return w & 0xFF
    return (_srl(w, 3) if kind == "exp64" else w >> 1) & 0xFF


_FTAB = {"normal64": "fi_double", "normal32": "fi_float", "exp64": "fe_double",
         "exp32": "fe_float"}


def _wedge(kind, idx, u, xs, tdevice):
    """NumPy's wedge test of layer ``idx`` with uniform ``u`` and fast-path value ``xs``:
    (accepted, undecided). The device's ``exp`` may differ from libm's by an ulp or two;
    a test that close to its boundary is undecided (replayed on the host). Probability of
    an undecided test: about 1e-12 per float64 draw (|lhs - rhs| <= 1e-14 rhs); float32
    exponentials, compared with ``expf``, about 1e-8 per draw."""
    f = _device_tables(tdevice, _FTAB[kind])
    i = idx.clamp(min=1)
    lhs = (f[i - 1] - f[i]) * u + f[i]
    xd = xs.to(torch.float64)
    if kind == "exp32":
        # glibc's expf is within 0.502 ulp: the float nearest exp(-x) unless exp(-x) lies
        # within 0.01 ulp of a midpoint between floats
        r = torch.exp(-xd)
        rf = r.to(torch.float32)
        gap = torch.minimum(torch.nextafter(rf, torch.full_like(rf, math.inf)) - rf,
                            rf - torch.nextafter(rf, torch.zeros_like(rf))).to(torch.float64)
        near = (r - rf.to(torch.float64)).abs() >= 0.49 * gap
        return lhs < rf, near & ((lhs.to(torch.float64) - r).abs() <= gap)
    rhs = torch.exp(-0.5 * xd * xd) if kind.startswith("normal") else torch.exp(-xd)
    lhs = lhs.to(torch.float64)
    return lhs < rhs, (lhs - rhs).abs() <= 1e-14 * rhs


def _tails(kind, w, st, m, fused):
    """The layer-0 (tail) attempts starting at words ``st``, on the device with libm's
    log1p: (value, words used, short: needs words past ``m``)."""
    wide = kind.endswith("64")
    T = _host_tables()
    sfx = "" if wide else "_f"

    def log1p(v):
        return _log1p64(v, fused) if wide else _log1pf(v)
    if kind.startswith("exp"):
        p = st + 1
        u = _uni(wide, w[p.clamp(max=m - 1)])
        return float(T["ziggurat_exp_r" + sfx]) - log1p(-u), torch.full_like(st, 2), p >= m
    J = 4                                  # pairs tried at once (each accepted w.p. ~0.96)
    while True:
        p1 = st[:, None] + 1 + 2 * torch.arange(J, device=st.device)
        short = p1 + 1 >= m
        xx = float(-T["ziggurat_nor_inv_r" + sfx]) * log1p(-_uni(wide, w[p1.clamp(max=m - 1)]))
        yy = -log1p(-_uni(wide, w[(p1 + 1).clamp(max=m - 1)]))
        good = (yy + yy > xx * xx) & ~short
        got = good.any(1)
        if not bool((~got & ~short[:, -1]).any()):
            break
        J *= 2
    first = good.to(torch.uint8).argmax(1)
    v = float(T["ziggurat_nor_r" + sfx]) + xx.gather(1, first[:, None]).reshape(-1)
    v = torch.where((_srl(w[st], 17) & 1) == 1, -v, v)        # (rabs >> 8) & 1
    return v, 3 + 2 * first, ~got


def _reached(S, e):
    """Which attempts at positions ``S`` (sorted) are reached when attempt j consumes the
    words up to ``e[j]``: one is skipped when a reached earlier one ends past it. Jacobi
    iteration from "all reached"; it settles after as many rounds as the longest chain of
    overlapping attempts (a few)."""
    reached = torch.ones_like(S, dtype=torch.bool)
    if S.numel() == 0:
        return reached
    while True:
        ends = torch.cummax(torch.where(reached, e, -1), 0).values
        new = torch.cat([ends.new_full((1,), -1), ends[:-1]]) <= S
        if torch.equal(new, reached):
            return reached
        reached = new


def ziggurat(stream, kind: str, n: int):
    """``n`` draws of NumPy's ziggurat ``kind`` (normal64/normal32/exp64/exp32), all on
    the device: every word is a fast-path attempt; the slow attempts (~1.5%) get their
    wedge tests (``exp``) and tails (libm's ``log1p``, :func:`_log1p64`) there too; which
    attempts are reached (a slow one consumes the next words) is resolved over the slow
    ones (:func:`_reached`), and a compaction keeps the outputs in stream order. The host
    sees only counts, plus the words of the rare undecided wedge tests (see :func:`_wedge`)
    or, where the device log1p does not reproduce the host's libm, of the tails."""
    wide = kind.endswith("64")
    tdevice = stream.tdevice
    if n == 0:
        return torch.zeros(0, dtype=torch.float64 if wide else torch.float32, device=tdevice)
    fused = _libm_variant(tdevice)[0 if wide else 1]
    m = n + n // 16 + _EXTRA
    while True:
        r = None
        if not wide:                         # the fast path in the kernel where routed
            r, where = stream.kernel_halves("random_ziggurat", m, "zig", _kernel_tables(kind),
                                            lambda u: _fast(kind, u, tdevice) + (u,))
        if r is not None:
            x, ok, w = r
        else:
            w = stream.peek64(m) if wide else stream.peek32(m, where)
            x, ok = _fast(kind, w, tdevice)
        S = torch.nonzero(~ok).reshape(-1)
        idx = _layer(kind, w[S])
        acc, und = _wedge(kind, idx, _uni(wide, w[(S + 1).clamp(max=m - 1)]), x[S], tdevice)
        step = torch.full_like(S, 2)
        short = S + 1 >= m
        val = x[S]
        tail = idx == 0
        ti = torch.nonzero(tail).reshape(-1)
        if ti.numel():
            if fused is None:
                und = und | tail
            else:
                val[ti], step[ti], short[ti] = _tails(kind, w, S[ti], m, fused)
                acc[ti], und[ti] = True, False
        hj = torch.nonzero(und).reshape(-1)
        if hj.numel():                       # rare: libm's answer, from the exact words
            T, slow, words = _host_tables(), _SLOW[kind], _Words(w, {})
            for j, s in zip(hj.tolist(), S[hj].tolist()):
                res = slow(words, s, m, T)
                if res is None:
                    short[j] = True
                else:
                    acc[j], step[j] = res[0] is not None, res[1]
                    if res[0] is not None:
                        val[j] = float(res[0])
        reached = _reached(S, torch.where(short, 1 << 62, S + step))
        over = torch.nonzero(reached & short).reshape(-1)
        limit = int(S[over[0]]) if over.numel() else m
        use = reached & (S < limit)
        keep = ok.clone()
        keep[S[use] + 1] = False
        long = use & (step > 2)              # normal tails: more words consumed
        if bool(long.any()):
            sl, stl = S[long], step[long]
            offs = torch.arange(2, int(stl.max()), device=tdevice)
            pos = sl[:, None] + offs
            keep[pos[offs < stl[:, None]]] = False
        keep[S[use & acc]] = True
        x[S[use]] = val[use]
        keep[limit:] = False
        pos = torch.nonzero(keep).reshape(-1)
        if pos.numel() >= n:
            last = pos[n - 1:n]
            j = torch.searchsorted(S, last).clamp(max=max(S.numel() - 1, 0))
            extra = torch.where(S[j] == last, step[j], 1) if S.numel() else 1
            used = int(last + extra)
            if wide:
                stream.take64(used)
            else:
                stream.take32(used)
            return x[pos[:n]]
        m *= 2
