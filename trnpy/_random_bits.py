"""The random-bits routing point: NumPy's Philox-4x64-10 stream computed on a device.

:func:`philox_words` gives the 64-bit words of blocks ``counter + 1 .. counter + n``
(NumPy increments the 256-bit counter *before* each block) for a 128-bit key, as int64
tensors holding the uint64 bit patterns (trnpy stores uint64 that way). Every block is a
pure function of (key, counter), so any stretch of the stream is computed at once.
64x64 -> 128-bit multiplies use 32-bit limbs in int64 arithmetic: limb products are
exact as bit patterns (< 2**64, wrapping the sign), the carry column stays < 3 * 2**32,
and right shifts are masked to be logical.

:class:`PhiloxStream` consumes a ``numpy.random.Philox`` state (its 4-word buffer, the
buffered 32-bit half) as NumPy's ``next_uint64`` / ``next_uint32`` do, and gives the
state NumPy's bit generator has after the same number of draws. Every block asks
``route("random_bits")``: on the neuron device the kernel registry decides, and the words
come from ``kernels/rng.py``'s Philox-4x64 kernel (bit for bit NumPy's) at or above its threshold.
:meth:`PhiloxStream.kernel_halves` asks the same of the kernel's transforms of 32-bit
draws (float32 uniforms, ``route("random_bits")``; NumPy's Lemire step,
``route("random_integers")``; the float32 ziggurat fast path, ``route("random_ziggurat")``).
"""
from __future__ import annotations

import numpy as np

from ._torch import torch
from ._dispatch import route
from . import _kernel_registry

M64 = (1 << 64) - 1
M32 = 0xFFFFFFFF
PHILOX_M = (0xD2E7470EE14C6C93, 0xCA5A826395121157)
PHILOX_W = (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B)
ROUNDS = 10


def signed(v: int) -> int:
    """The int64 with the bits of uint64 ``v``."""
    v &= M64
    return v - (1 << 64) if v >> 63 else v


def unsigned(v: int) -> int:
    return v & M64


def _srl(x, k):
    """Logical right shift of int64 bit patterns."""
    return (x >> k) & ((1 << (64 - k)) - 1)


def _mulhilo(a, m: int):
    """(hi, lo) 64-bit words of the 128-bit product of uint64 tensor ``a`` and ``m``."""
    m0, m1 = m & M32, m >> 32
    a0, a1 = a & M32, _srl(a, 32)
    p00, p01, p10, p11 = a0 * m0, a0 * m1, a1 * m0, a1 * m1
    mid = _srl(p00, 32) + (p01 & M32) + (p10 & M32)          # < 3 * 2**32
    hi = p11 + _srl(p01, 32) + _srl(p10, 32) + _srl(mid, 32)
    return hi, a * signed(m)                                  # lo wraps mod 2**64


def _mulhilo_(a, m: int, hi, a0, a1, p, q):
    """In place: ``hi`` <- high word of ``a * m``, ``a`` <- low word; a0, a1, p, q are
    scratch. The same limb arithmetic as :func:`_mulhilo` without temporaries."""
    m0, m1 = m & M32, m >> 32
    torch.bitwise_and(a, M32, out=a0)
    torch.bitwise_right_shift(a, 32, out=a1).bitwise_and_(M32)
    torch.mul(a0, m0, out=p)                                  # p00
    torch.bitwise_right_shift(p, 32, out=hi).bitwise_and_(M32)
    torch.mul(a0, m1, out=q)                                  # p01
    hi.add_(torch.bitwise_and(q, M32, out=a0))
    q.bitwise_right_shift_(32).bitwise_and_(M32)
    torch.mul(a1, m0, out=p)                                  # p10
    hi.add_(torch.bitwise_and(p, M32, out=a0))                # the carry column, < 3 * 2**32
    p.bitwise_right_shift_(32).bitwise_and_(M32)
    hi.bitwise_right_shift_(32).add_(q).add_(p).add_(a1.mul_(m1))   # + p11
    a.mul_(signed(m))


def _philox(c0, c1, c2, c3, key):
    """Philox-4x64-10 of counter words c0..c3 (int64 tensors, overwritten)."""
    k0, k1 = key
    hi0, hi1, a0, a1, p, q = (torch.empty_like(c0) for _ in range(6))
    for r in range(ROUNDS):
        if r:
            k0, k1 = (k0 + PHILOX_W[0]) & M64, (k1 + PHILOX_W[1]) & M64
        _mulhilo_(c0, PHILOX_M[0], hi0, a0, a1, p, q)        # c0 <- lo0
        _mulhilo_(c2, PHILOX_M[1], hi1, a0, a1, p, q)        # c2 <- lo1
        hi1.bitwise_xor_(c1).bitwise_xor_(signed(k0))
        hi0.bitwise_xor_(c3).bitwise_xor_(signed(k1))
        c0, c1, c2, c3, hi0, hi1 = hi1, c2, hi0, c0, c1, c3
    return c0, c1, c2, c3


def philox_block(key, counter) -> list:
    """One block on the host (Python ints): the 4 words of ``philox4x64_10(counter, key)``."""
    c = list(counter)
    k0, k1 = key
    for r in range(ROUNDS):
        if r:
            k0, k1 = (k0 + PHILOX_W[0]) & M64, (k1 + PHILOX_W[1]) & M64
        p0, p1 = PHILOX_M[0] * c[0], PHILOX_M[1] * c[2]
        c = [(p1 >> 64) ^ c[1] ^ k0, p1 & M64, (p0 >> 64) ^ c[3] ^ k1, p0 & M64]
    return c


def add_counter(counter, n: int) -> list:
    """The 256-bit counter (4 little-endian uint64 words) plus ``n``."""
    v = sum(int(w) << (64 * i) for i, w in enumerate(counter)) + n
    v &= (1 << 256) - 1
    return [(v >> (64 * i)) & M64 for i in range(4)]


# On a CPU torch device the words come from NumPy's own Philox (the same function of key
# and counter, in C: ~10x faster than ~20 whole-tensor passes per round); tests set this
# False to run the limb arithmetic that other devices use on the CPU.
CPU_WORDS_FROM_NUMPY = True


def philox_words(key, counter, n: int, device, tdevice, where=None):
    """The words of blocks ``counter + 1 .. counter + n``: an int64 tensor of ``4 * n``
    uint64 bit patterns on torch device ``tdevice`` (trnpy ``device`` is routed, unless
    the caller did: ``where``)."""
    key = [unsigned(int(k)) for k in key]
    if where is None:
        where = route("random_bits", device, n)
    if where == "kernel":
        words = _kernel_registry.run("random_bits", key, [unsigned(int(c)) for c in counter], n)
        return torch.from_numpy(np.ascontiguousarray(words).view(np.int64)).to(tdevice)
    if CPU_WORDS_FROM_NUMPY and torch.device(tdevice).type == "cpu":
        bg = np.random.Philox(counter=np.array([unsigned(int(c)) for c in counter], np.uint64),
                              key=np.array(key, np.uint64))
        return torch.from_numpy(bg.random_raw(4 * n).view(np.int64))
    out = torch.empty((n, 4), dtype=torch.int64, device=tdevice)
    # chunks keep the ~20 scratch passes per round in cache on the host
    chunk = 1 << 16 if torch.device(tdevice).type == "cpu" else 1 << 22
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        base = add_counter(counter, s + 1)
        i = torch.arange(m, dtype=torch.int64, device=tdevice)
        # c0 = base0 + i wraps at most once; the carry ripples up through full words
        first_wrap = (1 << 64) - base[0]             # smallest i with a carry out of c0
        carry = (i >= first_wrap).to(torch.int64) if first_wrap < m else None
        words = [i.add_(signed(base[0]))]
        for w in base[1:]:
            if carry is None:
                words.append(torch.full((m,), signed(w), dtype=torch.int64, device=tdevice))
            else:
                words.append(carry + signed(w))
                carry = carry if w == M64 else None
        out[s:s + m] = torch.stack(_philox(*words, key), dim=1)
    return out.reshape(-1)


class PhiloxStream:
    """A ``numpy.random.Philox`` state dict consumed on a device, 64 or 32 bits at a time.

    ``peek64(m)`` / ``peek32(m)`` give the next ``m`` values (int64 tensors) without
    consuming them; ``take64(k)`` / ``take32(k)`` consume ``k``; :attr:`state` is NumPy's
    state dict after what was consumed."""

    def __init__(self, state: dict, device, tdevice):
        if state.get("bit_generator") != "Philox":
            raise TypeError("PhiloxStream takes a numpy.random.Philox state")
        s = state["state"]
        self.counter = [unsigned(int(v)) for v in s["counter"]]
        self.key = [unsigned(int(v)) for v in s["key"]]
        self.buffer = [unsigned(int(v)) for v in state["buffer"]]
        self.buffer_pos = int(state["buffer_pos"])
        self.has_uint32 = int(state["has_uint32"])
        self.uinteger = int(state["uinteger"]) & M32
        self.device, self.tdevice = device, tdevice

    # -- 64-bit words ------------------------------------------------------------------
    def peek64(self, m: int, where=None):
        left = self.buffer[self.buffer_pos:]
        rest = m - min(m, len(left))
        nb = -(-rest // 4)
        # routed even when the buffer suffices: every device draw asks the registry
        if where is None:
            where = route("random_bits", self.device, nb)
        if where != "kernel" and CPU_WORDS_FROM_NUMPY and \
                torch.device(self.tdevice).type == "cpu":
            bg = np.random.Philox()
            bg.state = self.state                    # buffered words first, as NumPy's
            return torch.from_numpy(bg.random_raw(m).view(np.int64))
        head = torch.tensor([signed(v) for v in left[:m]], dtype=torch.int64,
                            device=self.tdevice)
        blocks = philox_words(self.key, self.counter, nb, self.device, self.tdevice, where)
        if rest <= 0:
            return head
        return torch.cat([head, blocks[:rest]]) if left else blocks[:rest]

    def take64(self, k: int) -> None:
        left = 4 - self.buffer_pos
        if k <= left:
            self.buffer_pos += k
            return
        k -= left
        nb = -(-k // 4)
        self.counter = add_counter(self.counter, nb)
        self.buffer = philox_block(self.key, self.counter)
        self.buffer_pos = k - 4 * (nb - 1)

    # -- 32-bit halves (low half first; a buffered high half comes first) ---------------
    def peek32(self, m: int, where=None):
        head = [self.uinteger] if self.has_uint32 else []
        m_words = -(-(m - len(head)) // 2) if m > len(head) else 0
        w = self.peek64(m_words, where)
        # little-endian int32 view: low half, then high half, of each word in turn
        halves = w.view(torch.int32).to(torch.int64).bitwise_and_(M32) if w.numel() else w
        if head:
            halves = torch.cat([torch.tensor(head, dtype=torch.int64, device=self.tdevice),
                                halves])
        return halves[:m]

    def kernel_halves(self, op: str, m: int, mode: str, aux, host, per: int = 1,
                      wide: bool = False):
        """The next ``m`` 32-bit draws (``wide``: 64-bit draws) through kernel ``mode`` of
        ``kernels/rng.py``'s Philox-4x64 kernel, where the registry routes ``op`` (for
        the fresh blocks) to the kernel: ``(tensors, "kernel")``, ``host(u)``'s outputs
        for the buffered draws ``u`` (an int64 tensor as :meth:`peek32` / :meth:`peek64`
        give: the caller's own torch transform) then the kernel's for the fresh blocks,
        ``per`` values per draw, each a tensor on the device (unsigned as int64 bit
        patterns). Otherwise ``(None, where)``: the caller computes from :meth:`peek32` /
        :meth:`peek64` ``(m, where)``."""
        if wide:                # NumPy's next_uint64 ignores a buffered 32-bit half
            head = [signed(v) for v in self.buffer[self.buffer_pos:]]
        else:
            head = ([self.uinteger] if self.has_uint32 else []) + \
                [h for v in self.buffer[self.buffer_pos:] for h in (v & M32, v >> 32)]
        nb = -(-(m - min(m, len(head))) // (4 if wide else 8))
        where = route(op, self.device, nb)
        if where != "kernel":
            return None, where
        parts = host(torch.tensor(head[:m], dtype=torch.int64, device=self.tdevice))
        if nb:
            kv = _kernel_registry.run(op, self.key, self.counter, nb, mode=mode, aux=aux)
            kv = kv if isinstance(kv, tuple) else (kv,)
            parts = tuple(torch.cat([a, torch.from_numpy(
                b.view(np.int64) if b.dtype == np.uint64 else
                b.astype(np.int64) if b.dtype.kind == "u" else b)[:per * m - a.numel()]
                .to(self.tdevice)]) for a, b in zip(parts, kv))
        return parts, where

    @staticmethod
    def _uniform32(u):
        return (u >> 8).to(torch.float32) * float(2.0 ** -24)

    def peek_uniform32(self, m: int):
        """NumPy's float32 ``random`` of the next ``m`` 32-bit draws, as a float32 tensor:
        where the registry routes the fresh blocks to the kernel, the kernel makes the
        uniforms (8 per block) and only the buffered halves are converted here; otherwise
        from :meth:`peek32`'s words."""
        r, where = self.kernel_halves("random_bits", m, "uniform", None,
                                      lambda u: (self._uniform32(u),))
        return r[0] if r is not None else self._uniform32(self.peek32(m, where))

    def take32(self, k: int) -> None:
        if k and self.has_uint32:
            self.has_uint32, k = 0, k - 1      # NumPy leaves the stale uinteger
        if k == 0:
            return
        self.take64(-(-k // 2))
        # NumPy keeps the high half of the last word consumed (stale once it is used)
        self.has_uint32 = k % 2
        self.uinteger = self.buffer[self.buffer_pos - 1] >> 32

    @property
    def state(self) -> dict:
        return {"bit_generator": "Philox",
                "state": {"counter": np.array(self.counter, dtype=np.uint64),
                          "key": np.array(self.key, dtype=np.uint64)},
                "buffer": np.array(self.buffer, dtype=np.uint64),
                "buffer_pos": self.buffer_pos, "has_uint32": self.has_uint32,
                "uinteger": self.uinteger}
