"""NumPy's Philox-driven samplers on a device, bit for bit: uniforms, bounded integers
(Lemire with rejection) and the 256-layer ziggurat normals and exponentials of
``numpy/random/src/distributions/distributions.c``.

Each sampler peeks a stretch of the stream (:class:`trnpy._random_bits.PhiloxStream`),
computes every candidate at once on the device, keeps the accepted ones in stream order
(a compaction pass) and consumes exactly the words NumPy would. The ziggurat's rare slow
path (~1.5% of draws: a wedge test with ``exp`` or the tail with ``log1p``) is replayed
on the host from the exact stream position with libm's functions, as NumPy calls them.
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
    return _srl(w, 11).to(torch.float64) * _D53


def random32(stream, n):
    u = stream.peek32(n)
    stream.take32(n)
    return (u >> 8).to(torch.float32) * float(_F24)


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
        thr = signed(((1 << 64) - 1 - rng) % excl)

        def draw(m):
            v = stream.peek64(m)
            hi, lo = _mulhilo(v, excl)
            return hi, ~_ult(lo, thr)
        vals, used = _accepted(draw, n)
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

    def draw(m):
        u = stream.peek32(-(-m // parts))
        v = _split(u, width, parts)[:m]
        prod = v * excl                           # < 2**64: bits exact (wraps for 32)
        return _srl(prod, width) & mask, (prod & mask) >= thr
    vals, used = _accepted(draw, n)
    stream.take32(-(-used // parts))
    return vals + signed(off)


def _split(u, width, parts):
    if parts == 1:
        return u
    shifts = torch.arange(parts, device=u.device, dtype=torch.int64) * width
    return ((u[:, None] >> shifts) & ((1 << width) - 1)).reshape(-1)


def _accepted(draw, n):
    """The first ``n`` accepted values of a rejection sampler with one draw per attempt,
    and the number of draws used. ``draw(m)`` -> (values, accepted) for ``m`` draws."""
    m = n + n // 64 + 16
    while True:
        vals, ok = draw(m)
        pos = torch.nonzero(ok).reshape(-1)
        if pos.numel() >= n:
            return vals[pos[:n]], int(pos[n - 1]) + 1
        m *= 2


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
    """Fast-path values and acceptance of every word (one attempt each)."""
    if kind == "normal64":
        idx = w & 0xFF
        rabs = _srl(w, 9) & 0x000FFFFFFFFFFFFF
        x = rabs.to(torch.float64) * _device_tables(tdevice, "wi_double")[idx]
        x = torch.where((w >> 8) & 1 == 1, -x, x)
        return x, rabs < _device_tables(tdevice, "ki_double")[idx]
    if kind == "normal32":
        idx = w & 0xFF
        rabs = (w >> 9) & 0x0007FFFFF
        x = rabs.to(torch.float32) * _device_tables(tdevice, "wi_float")[idx]
        x = torch.where((w >> 8) & 1 == 1, -x, x)
        return x, rabs < _device_tables(tdevice, "ki_float")[idx]
    if kind == "exp64":
        ri = _srl(w, 3)
        idx = ri & 0xFF
        ri = ri >> 8
        x = ri.to(torch.float64) * _device_tables(tdevice, "we_double")[idx]
        return x, ri < _device_tables(tdevice, "ke_double")[idx]
    ri = w >> 1
    idx = ri & 0xFF
    ri = ri >> 8
    x = ri.to(torch.float32) * _device_tables(tdevice, "we_float")[idx]
    return x, ri < _device_tables(tdevice, "ke_float")[idx]


_SLOW = {"normal64": _slow_normal64, "normal32": _slow_normal32,
         "exp64": _slow_exp64, "exp32": _slow_exp32}


def _wedge(kind, ws, ws1, xs, tdevice):
    """Layer index of each slow attempt (word ``ws``, next word ``ws1``, fast value
    ``xs``) and its wedge test, computed on the device: (idx, accepted, undecided).
    Undecided tests (within 1e-12, or 1e-5 for float32 ``expf``, of the boundary: the
    device's ``exp`` may differ from libm's by an ulp) are replayed on the host."""
    tab = functools.partial(_device_tables, tdevice)
    if kind == "normal64":
        idx = ws & 0xFF
        u = _srl(ws1, 11).to(torch.float64) * _D53
        f = tab("fi_double")
        rhs = torch.exp(-0.5 * xs * xs)
    elif kind == "normal32":
        idx = ws & 0xFF
        u = (ws1 >> 8).to(torch.float32) * float(_F24)
        f = tab("fi_float")
        xd = xs.to(torch.float64)
        rhs = torch.exp(-0.5 * xd * xd)
    elif kind == "exp64":
        idx = _srl(ws, 3) & 0xFF
        u = _srl(ws1, 11).to(torch.float64) * _D53
        f = tab("fe_double")
        rhs = torch.exp(-xs)
    else:
        idx = (ws >> 1) & 0xFF
        u = (ws1 >> 8).to(torch.float32) * float(_F24)
        f = tab("fe_float")
        rhs = torch.exp(-xs)
    hi = f[torch.clamp(idx - 1, min=0)]
    lo = f[idx]
    lhs = (hi - lo) * u + lo
    lhs, rhs = lhs.to(torch.float64), rhs.to(torch.float64)
    tol = 1e-5 if kind == "exp32" else 1e-12
    undecided = (lhs - rhs).abs() <= tol * rhs
    return idx, lhs < rhs, undecided


def ziggurat(stream, kind: str, n: int):
    """``n`` draws of NumPy's ziggurat ``kind`` (normal64/normal32/exp64/exp32).

    Every word is a fast-path attempt on the device; the slow attempts (~1.5%) get their
    wedge tests on the device too, tails and near-boundary tests on the host. A slow
    attempt consumes the next word(s), so which attempts are reached is a short scan over
    the slow ones; a compaction pass then keeps the outputs in stream order."""
    wide = kind.endswith("64")
    tdevice = stream.tdevice
    if n == 0:
        return torch.zeros(0, dtype=torch.float64 if wide else torch.float32, device=tdevice)
    T = _host_tables()
    slow = _SLOW[kind]
    m = n + n // 16 + _EXTRA
    while True:
        w = stream.peek64(m) if wide else stream.peek32(m)
        x, ok = _fast(kind, w, tdevice)
        S = torch.nonzero(~ok).reshape(-1)
        ws, ws1 = w[S], w[torch.clamp(S + 1, max=m - 1)]
        idx, acc, und = _wedge(kind, ws, ws1, x[S], tdevice)
        s_h = S.cpu().numpy()
        tail_h = (idx == 0).cpu().numpy()
        acc_h = acc.cpu().numpy().copy()
        step = np.full(s_h.shape, 2, dtype=np.int64)
        words = _Words(w, {})
        vals = {}
        short = np.zeros(s_h.shape, dtype=bool)  # tails needing words past the stretch
        for j in np.flatnonzero(und.cpu().numpy() & ~tail_h):
            res = slow(words, int(s_h[j]), m, T)
            if res is not None:                  # None: past the stretch, not used
                acc_h[j] = res[0] is not None
        for j in np.flatnonzero(tail_h):
            res = slow(words, int(s_h[j]), m, T)
            if res is None:
                short[j] = True
            else:
                vals[j], step[j] = res
                acc_h[j] = True
        end = s_h + step
        reached = np.ones(s_h.shape, dtype=bool)
        if s_h.size:
            prev = np.concatenate([[-1], np.maximum.accumulate(end)[:-1]])
            maxstep = int(step.max())
            for j in np.flatnonzero(s_h < prev):  # possibly consumed by an earlier attempt
                i = j - 1
                while i >= 0 and s_h[i] + maxstep > s_h[j]:
                    if reached[i] and end[i] > s_h[j]:
                        reached[j] = False
                        break
                    i -= 1
        over = np.flatnonzero(reached & ((end > m) | short))
        limit = int(s_h[over[0]]) if over.size else m
        use = reached & (s_h < limit)
        keep = ok.clone()
        skip = [np.arange(a + 1, b) for a, b in zip(s_h[use], end[use])]
        if skip:
            keep[torch.from_numpy(np.concatenate(skip)).to(tdevice)] = False
            keep[torch.from_numpy(s_h[use & acc_h]).to(tdevice)] = True
        tails = [j for j in vals if use[j]]
        if tails:
            x[torch.from_numpy(s_h[tails]).to(tdevice)] = torch.from_numpy(
                np.array([vals[j] for j in tails], dtype=np.float64 if wide else np.float32)
            ).to(tdevice)
        keep[limit:] = False
        pos = torch.nonzero(keep).reshape(-1)
        if pos.numel() >= n:
            last = int(pos[n - 1])
            j = np.searchsorted(s_h, last)
            used = last + (int(step[j]) if j < s_h.size and s_h[j] == last else 1)
            if wide:
                stream.take64(used)
            else:
                stream.take32(used)
            return x[pos[:n]]
        m *= 2
