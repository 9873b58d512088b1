"""Philox-4x32-10 counter-based random numbers on the Vector / Scalar / GpSimd engines,
and NumPy's Philox-4x64-10 stream (:func:`philox4x64_kernel`: bit for bit
``numpy.random.Philox(key=, counter=).random_raw`` (:func:`philox4x64_words`) and NumPy's
float32 ``random`` (:func:`philox4x64_uniform32`); the state as 8-bit digits, the 64x64
products on TensorE, carries on ScalarE / GpSimd, XORs on VectorE (see the Philox-4x64
section). NumPy's transforms of its 32-bit draws run in the same kernel:
``mode="lemire"`` (:func:`philox4x64_lemire32`: ``integers``' 32-bit Lemire step, the
candidate and NumPy's accept flag; ``"lemire16"`` / ``"lemire8"``,
:func:`philox4x64_lemire16` / :func:`philox4x64_lemire8`: the 16- / 8-bit steps on its
parts; ``"lemire64"``, :func:`philox4x64_lemire64`: the 64-bit step on each word) and ``mode="zig"`` (:func:`philox4x64_zig32`: the
float32 ziggurat fast path of ``standard_normal`` / ``standard_exponential``, value,
accept flag and raw draw; table lookups by ``nisa.nc_n_gather``); the rare rejections
and slow paths are resolved by the caller from the flags. Cost model, one launch
(:func:`estimate64`, 2^17 blocks, F = 1024), values per second per NeuronCore, trn1 /
trn2: float32 uniforms 1.46e9 / 1.25e9 (VectorE-bound), integers 1.39e9 / 1.19e9
(VectorE-bound), 16-bit integers 2.86e9 / 2.45e9, 8-bit integers 5.6e9 / 4.8e9,
integers of ranges >= 2^32 (4 per block) 6.7e8 / 5.7e8 (GpSimd-bound),
float32 ziggurat 1.36e9 / 1.17e9
(VectorE-bound).

Kernel (NKI 0.3+, through :mod:`kernels.nki_adapter`): :func:`philox_kernel`
``(params[128, 6] uint32) -> out[n_chunks, 128, 4 * F]`` with ``mode`` one of
``"uint32"`` (raw Philox words), ``"uniform"`` (float32 in [0, 1)) or ``"normal"``
(float32 Box-Muller normals). ``params`` holds the 128-bit start counter (words c0..c3,
c0 least significant) and the 64-bit key (k0, k1), replicated on every partition by the
host (the only host-side work; it keeps counter and key *runtime* inputs, so one
compiled kernel serves every seed and offset).

Element ``e`` of the output stream is word ``e % 4`` of ``philox4x32_10(counter + e // 4,
key)`` (128-bit counter increment, as Random123's ``ctr.incr()``), so the stream is the
same for every tiling; the host trims the padding of the last chunk.

Exact 32-bit arithmetic on fp32-routed engines
----------------------------------------------
The Vector, Scalar and GpSimd engines evaluate *arithmetic* operators in fp32, so an add
or multiply is exact only while every operand and result is an integer below 2**24
(``shared/nki-notes.md``; aws-neuron-sdk#1308). *Bitvec* operators (and, or, xor,
logical shifts) act on the bit pattern and are exact. The kernel therefore:

* multiplies with **11-bit limbs**: ``x = x0 + x1 2^11 + x2 2^22`` (11, 11, 10 bits) and
  the Philox multiplier ``M`` likewise; a limb product is < 2^22 (ScalarE
  ``activation(copy, scale=m_j)``), a column sum ``c_k = sum_{i+j=k} x_i m_j`` has at
  most three terms (< 3 * 2^22 < 2^24, GpSimd adds), and the carry chain
  ``t_k = c_k + (t_{k-1} >> 11)`` stays < 2^24. The 64-bit product's 11-bit digits
  ``t_k & 0x7FF`` are then placed into the ``hi`` / ``lo`` words with shifts, masks and
  ors (VectorE bitvec, exact). See :func:`_mulhilo`.
* adds 32-bit words (key schedule ``k += W``, counter ``c + i``) with **16-bit halves**
  (sums < 2^17) and explicit carries (:func:`_add32`);
* does every xor / shift / mask with bitvec operators.

Every arithmetic value the engines see is an integer below 2^24, so the result is
bit-exact on hardware as in the emulator, independent of whether an engine rounds
through fp32 or (as newer SDKs document for int32 ``tensor_tensor`` on GpSimd) computes
natively.

Floats
------
* uniform: ``u = (x >> 8) * 2^-24`` — the 24 high bits, exact in fp32, in [0, 1 - 2^-24].
* normal (Box-Muller on the words (x0, x1) and (x2, x3) of each counter):
  ``r = sqrt(-2 ln(1 - u_a))`` (``1 - u_a`` in [2^-24, 1]: no log(0), inside the ScalarE
  log range [2^-64, 2^64]), ``theta = 2 pi u_b - pi`` in [-pi, pi) (the ScalarE ``sin``
  has no range reduction and is valid on [-pi, pi] only), outputs ``r sin(theta)`` and
  ``r cos(theta)`` with ``cos(theta) = sin(pi/2 - |theta|)`` (argument in [-pi/2, pi/2]).
  Shifting the angle by pi keeps (sin, cos) uniform on the circle, so these are exact
  Box-Muller normals. On hardware the ScalarE activation tables are piecewise
  polynomials: normals agree with the NumPy reference to about 1e-6 relative, not bitwise
  (uint32 and uniform outputs are bitwise).

Cost (cost model; reproduce with :func:`estimate`): per chunk of 128 x F counters
(4 x 128 x F outputs, F <= 1024) about 400 VectorE, 184 ScalarE and 230 GpSimd
instructions (a 32-bit ``mulhilo`` is 16 bitvec VectorE + 9 ScalarE + 11 GpSimd
instructions). The kernel is VectorE-bound: 2^20 uniforms take about 0.92 ms (trn1) /
1.07 ms (trn2), roughly 60x the DMA time of its output. ``scalar_tensor_tensor`` (not in
the emulator) or native int32 GpSimd arithmetic (documented by newer SDKs) would cut
the instruction count.
"""
from __future__ import annotations

import math

import numpy as np

from kernels._util import ceil_div as _ceil_div
from kernels.nki_adapter import nki, nisa, nl

P = 128                      # partitions
F_MAX = 1024                 # counters per partition per chunk (SBUF: ~4 KiB per tile)
ROUNDS = 10

PHILOX_M = (0xD2511F53, 0xCD9E8D57)      # Random123 PHILOX_M4x32_0 / _1
PHILOX_W = (0x9E3779B9, 0xBB67AE85)      # Random123 PHILOX_W32_0 / _1
MASK32 = 0xFFFFFFFF

LIMB_BITS = 11                            # limbs of 11, 11, 10 bits
N_LIMBS = 3
DIGITS = 6                                # 11-bit digits of the 64-bit product (last: 9 bits)

_TWO_PI_2M24 = 2.0 * math.pi * 2.0 ** -24
RADIUS2_MIN = 2.0 ** -116     # sqrt's valid input range starts here (tbl-act-func)


def _gp():
    """GpSimd engine handle (``nisa.engine.gpsimd`` in NKI 0.3+)."""
    return nisa.engine.gpsimd


# --------------------------------------------------------------------------- helpers
def _u32(shape, name):
    return nl.ndarray(shape, dtype=nl.uint32, buffer=nl.sbuf, name=name)


def _f32(shape, name):
    return nl.ndarray(shape, dtype=nl.float32, buffer=nl.sbuf, name=name)


def _add32(dst, a, bl, bh, shape, want_carry=False):
    """``dst = (a + b) mod 2^32`` with ``b = bh * 2^16 + bl`` given as 16-bit halves
    (uint32 tiles with values < 2^16; ``bh`` may be None for 0). Every arithmetic value
    is < 2^17 + 2. Returns the carry-out tile (0 / 1) if asked."""
    al = _u32(shape, "add_al")
    nisa.tensor_scalar(al, a, nl.bitwise_and, 0xFFFF)
    ah = _u32(shape, "add_ah")
    nisa.tensor_scalar(ah, a, nl.right_shift, 16)
    sl = _u32(shape, "add_sl")
    nisa.tensor_tensor(sl, al, bl, nl.add, engine=_gp())              # < 2^17
    cl = _u32(shape, "add_cl")
    nisa.tensor_scalar(cl, sl, nl.right_shift, 16)
    sh = _u32(shape, "add_sh")
    nisa.tensor_tensor(sh, ah, cl, nl.add, engine=_gp())
    if bh is not None:
        sh2 = _u32(shape, "add_sh2")
        nisa.tensor_tensor(sh2, sh, bh, nl.add, engine=_gp())         # < 2^17 + 1
        sh = sh2
    hi = _u32(shape, "add_hi")
    nisa.tensor_scalar(hi, sh, nl.bitwise_and, 0xFFFF, op1=nl.left_shift, operand1=16)
    lo = _u32(shape, "add_lo")
    nisa.tensor_scalar(lo, sl, nl.bitwise_and, 0xFFFF)
    nisa.tensor_tensor(dst, hi, lo, nl.bitwise_or)
    if want_carry:
        carry = _u32(shape, "add_carry")
        nisa.tensor_scalar(carry, sh, nl.right_shift, 16)
        return carry
    return None


def _limbs(v):
    """11-bit limbs (11, 11, 10 bits) of a Python int < 2^32."""
    return [(v >> (LIMB_BITS * i)) & ((1 << LIMB_BITS) - 1) for i in range(N_LIMBS)]


# Host-side precomputation: every integer the kernel sees is below 2^31 (NKI's 32-bit
# Python ints would sign-extend the Philox constants).
PHILOX_M_LIMBS = (tuple(_limbs(PHILOX_M[0])), tuple(_limbs(PHILOX_M[1])))
PHILOX_W_HALVES = ((PHILOX_W[0] & 0xFFFF, PHILOX_W[0] >> 16),
                   (PHILOX_W[1] & 0xFFFF, PHILOX_W[1] >> 16))


def _digit_pieces(word_base, limb_bits=LIMB_BITS, digits=DIGITS, total=64):
    """Static plan for assembling the 32-bit word at bit ``word_base`` (0: lo, 32: hi)
    from the product's ``limb_bits``-bit digits: a list of ``(digit, src_lo, width,
    dst_pos)``."""
    out = []
    for k in range(digits):
        d0 = limb_bits * k
        d1 = min(d0 + limb_bits, total)
        a, b = max(d0, word_base), min(d1, word_base + 32)
        if a < b:
            out.append((k, a - d0, b - a, a - word_base))
    return out


def _piece(ts, top, k, a, w, q, shape, limb_bits=LIMB_BITS):
    """Bits [a, a + w) of the product's digit k (carry-chain tiles ``ts``), placed at bit
    q of a word."""
    dst = _u32(shape, f"piece{k}")
    if k <= top:
        src, off, masked = ts[k], a, True
    else:
        src, off, masked = ts[top], a + limb_bits, False   # no bits above it
    mask = (1 << w) - 1
    if off == 0:
        if q == 0:
            nisa.tensor_scalar(dst, src, nl.bitwise_and, mask)
        else:
            nisa.tensor_scalar(dst, src, nl.bitwise_and, mask, op1=nl.left_shift,
                               operand1=q)
    elif not masked:
        if q == 0:
            nisa.tensor_scalar(dst, src, nl.right_shift, off)
        else:
            nisa.tensor_scalar(dst, src, nl.right_shift, off, op1=nl.left_shift,
                               operand1=q)
    else:
        assert q == 0, "a digit straddling a word boundary starts the next word"
        nisa.tensor_scalar(dst, src, nl.right_shift, off, op1=nl.bitwise_and,
                           operand1=mask)
    return dst


def _mulhilo(x, ml, shape):
    """``(hi, lo) = divmod(m * x, 2^32)`` for a uint32 tile ``x`` and a constant ``m``
    given by its host-computed 11-bit limbs ``ml``, with every arithmetic value below
    2^24 (see module docstring)."""
    lmask = (1 << LIMB_BITS) - 1
    # limbs of x (VectorE bitvec)
    xl = []
    for i in range(N_LIMBS):
        t = _u32(shape, f"xl{i}")
        s = LIMB_BITS * i
        if s == 0:
            nisa.tensor_scalar(t, x, nl.bitwise_and, lmask)
        elif s + LIMB_BITS >= 32:
            nisa.tensor_scalar(t, x, nl.right_shift, s)
        else:
            nisa.tensor_scalar(t, x, nl.right_shift, s, op1=nl.bitwise_and, operand1=lmask)
        xl.append(t)
    ts = _limb_product(xl, ml, N_LIMBS, LIMB_BITS, shape, "")
    top = len(ts) - 1                   # digit `top + 1` is t_top >> 11 (product < 2^64)

    words = _assemble_words(ts, top, shape, (32, 0), LIMB_BITS, DIGITS, 64, "")
    return words[0], words[1]


def _limb_product(xl, ml, n_limbs, limb_bits, shape, tag):
    """The product of limbs ``xl`` (tiles) and host limbs ``ml`` as carry-chain digits
    ``t_k = c_k + (t_{k-1} >> limb_bits)``: column sums c_k of ScalarE products (exact
    in fp32: products < 2^22, GpSimd sums < 2^24), then the carries."""
    cols = []
    for k in range(2 * n_limbs - 1):
        acc = None
        for i in range(n_limbs):
            j = k - i
            if j < 0 or j >= n_limbs or ml[j] == 0:
                continue
            pr = _u32(shape, f"prod{tag}{k}")
            nisa.activation(pr, nl.copy, xl[i], scale=float(ml[j]))
            if acc is None:
                acc = pr
            else:
                s2 = _u32(shape, f"col{tag}{k}")
                nisa.tensor_tensor(s2, acc, pr, nl.add, engine=_gp())
                acc = s2
        cols.append(acc)
    ts = []
    prev = None
    for k in range(len(cols)):
        c = cols[k]
        if prev is None:
            t = c
        else:
            cy = _u32(shape, f"carry{tag}{k}")
            nisa.tensor_scalar(cy, prev, nl.right_shift, limb_bits)
            if c is None:
                t = cy
            else:
                t = _u32(shape, f"t{tag}{k}")
                nisa.tensor_tensor(t, c, cy, nl.add, engine=_gp())
        ts.append(t)
        prev = t
    for t in ts:
        if t is None:                   # a zero low limb of m with nothing below it
            raise ValueError("multiplier limbs must be non-zero")  # not so for Philox
    return ts


def _assemble_words(ts, top, shape, bases, limb_bits, digits, total, tag):
    """The product's 32-bit words at bit offsets ``bases``, from its digits (carry-chain
    tiles ``ts``). The pieces are disjoint bit ranges: those below bit 24 are summed
    exactly on GpSimd (fp32-exact), the rest are or-ed on VectorE (bitvec)."""
    words = []
    for base in bases:
        low, acc = None, None
        for (k, a, w, q) in _digit_pieces(base, limb_bits, digits, total):
            pc = _piece(ts, top, k, a, w, q, shape, limb_bits)
            if q + w <= 24:
                if low is None:
                    low = pc
                else:
                    s2 = _u32(shape, f"sum{tag}{base}")
                    nisa.tensor_tensor(s2, low, pc, nl.add, engine=_gp())
                    low = s2
            elif acc is None:
                acc = pc
            else:
                o = _u32(shape, f"or{tag}{base}")
                nisa.tensor_tensor(o, acc, pc, nl.bitwise_or)
                acc = o
        if acc is None:
            acc = low
        elif low is not None:
            o = _u32(shape, f"or{tag}{base}")
            nisa.tensor_tensor(o, acc, low, nl.bitwise_or)
            acc = o
        words.append(acc)
    return words


def _key_schedule(prm, rounds, w_halves):
    """Round keys as (P, 2) uint32 tiles: ``keys[r] = key + r * W (mod 2^32)``; ``W``
    given by its host-computed 16-bit halves."""
    shape = (P, 2)
    wl, wh = _u32(shape, "w_lo"), _u32(shape, "w_hi")
    for c in range(2):                      # 16-bit halves: exact memset constants
        nisa.memset(wl[:, c:c + 1], w_halves[c][0])
        nisa.memset(wh[:, c:c + 1], w_halves[c][1])
    keys = [prm[:, 4:6]]
    for r in range(1, rounds):
        k = _u32(shape, f"key{r}")
        _add32(k, keys[-1], wl, wh, shape)
        keys.append(k)
    return keys


def _counters(prm, base_index, F):
    """The four counter words of counters ``base + base_index + p * F + j`` as [P, F]
    uint32 tiles (128-bit add with carries)."""
    shape = (P, F)
    idx = _u32(shape, "ctr_idx")
    nisa.iota(idx, [[1, F]], offset=base_index, channel_multiplier=F)   # < 2^31
    il = _u32(shape, "idx_lo")
    nisa.tensor_scalar(il, idx, nl.bitwise_and, 0xFFFF)
    ih = _u32(shape, "idx_hi")
    nisa.tensor_scalar(ih, idx, nl.right_shift, 16)
    words = []
    carry_l, carry_h = il, ih
    for w in range(4):
        base = _u32(shape, f"ctr_base{w}")          # broadcast the (P, 1) word (bitvec)
        nisa.tensor_scalar(base, idx, nl.bitwise_and, 0, op1=nl.bitwise_or,
                           operand1=prm[:, w:w + 1])
        cw = _u32(shape, f"ctr{w}")
        carry = _add32(cw, base, carry_l, carry_h, shape, want_carry=w < 3)
        words.append(cw)
        carry_l, carry_h = carry, None
    return words


def _philox_rounds(ctr, keys, shape, rounds, m_limbs):
    c0, c1, c2, c3 = ctr
    for r in range(rounds):
        hi0, lo0 = _mulhilo(c0, m_limbs[0], shape)
        hi1, lo1 = _mulhilo(c2, m_limbs[1], shape)
        t0 = _u32(shape, "x0")
        nisa.tensor_tensor(t0, hi1, c1, nl.bitwise_xor)
        n0 = _u32(shape, "c0")
        nisa.tensor_scalar(n0, t0, nl.bitwise_xor, keys[r][:, 0:1])
        t2 = _u32(shape, "x2")
        nisa.tensor_tensor(t2, hi0, c3, nl.bitwise_xor)
        n2 = _u32(shape, "c2")
        nisa.tensor_scalar(n2, t2, nl.bitwise_xor, keys[r][:, 1:2])
        c0, c1, c2, c3 = n0, lo1, n2, lo0
    return [c0, c1, c2, c3]


def _emit_uniform(dst, x, shape):
    t = _u32(shape, "u24")
    nisa.tensor_scalar(t, x, nl.right_shift, 8)                      # < 2^24: exact
    nisa.activation(dst, nl.copy, t, scale=2.0 ** -24)


def _emit_normal_pair(dst_sin, dst_cos, xa, xb, consts, shape, loc, scale):
    one, neg_pi, half_pi = consts
    ta = _u32(shape, "na24")
    nisa.tensor_scalar(ta, xa, nl.right_shift, 8)
    tb = _u32(shape, "nb24")
    nisa.tensor_scalar(tb, xb, nl.right_shift, 8)
    lg = _f32(shape, "ln")                                           # ln(1 - u_a)
    nisa.activation(lg, nl.log, ta, bias=one, scale=-(2.0 ** -24))
    r2 = _f32(shape, "radius2")              # max(-2 ln(1-u), 2^-116): sqrt's valid range
    nisa.tensor_scalar(r2, lg, nl.multiply, -2.0, op1=nl.maximum, operand1=RADIUS2_MIN)
    r = _f32(shape, "radius")                                        # sqrt(-2 ln(1-u))
    nisa.activation(r, nl.sqrt, r2)
    s = _f32(shape, "sin")                                           # sin(2 pi u_b - pi)
    nisa.activation(s, nl.sin, tb, bias=neg_pi, scale=_TWO_PI_2M24)
    a = _f32(shape, "abs_theta")
    nisa.activation(a, nl.abs, tb, bias=neg_pi, scale=_TWO_PI_2M24)
    c = _f32(shape, "cos")                                           # sin(pi/2 - |theta|)
    nisa.activation(c, nl.sin, a, bias=half_pi, scale=-1.0)
    # the sin half on VectorE, the cos half on GpSimd (products) and ScalarE (the
    # multiply-add, one of ScalarE's tensor_scalar combinations; GpSimd has rsqrt only)
    for dst, trig, eng, ts_eng in ((dst_sin, s, nisa.engine.vector, nisa.engine.vector),
                                   (dst_cos, c, _gp(), nisa.engine.scalar)):
        if loc == 0.0 and scale == 1.0:
            nisa.tensor_tensor(dst, r, trig, nl.multiply, engine=eng)
        else:
            z = _f32(shape, "z")
            nisa.tensor_tensor(z, r, trig, nl.multiply, engine=eng)
            nisa.tensor_scalar(dst, z, nl.multiply, float(scale), op1=nl.add,
                               operand1=float(loc), engine=ts_eng)


@nki.jit
def philox_kernel(params, n_chunks, F, mode="uint32", rounds=ROUNDS, loc=0.0, scale=1.0,
                  m_limbs=PHILOX_M_LIMBS, w_halves=PHILOX_W_HALVES):
    """Philox-4x32-``rounds`` stream: ``out[ch, p, 4 j + w]`` = word ``w`` (or the float
    made from it) of counter ``ch * 128 * F + p * F + j`` past the start counter.

    ``params``: uint32 HBM [128, 6] = (c0, c1, c2, c3, k0, k1) on every partition.
    ``mode``: "uint32" | "uniform" | "normal" (``loc + scale * z``). ``m_limbs`` /
    ``w_halves``: the Philox multipliers' 11-bit limbs and Weyl constants' 16-bit
    halves, computed on the host (:data:`PHILOX_M_LIMBS`, :data:`PHILOX_W_HALVES`)."""
    assert mode in ("uint32", "uniform", "normal")
    out_dt = nl.uint32 if mode == "uint32" else nl.float32
    out = nl.ndarray((n_chunks, P, 4 * F), dtype=out_dt, buffer=nl.shared_hbm,
                     name="philox_out")
    prm = _u32((P, 6), "params")
    nisa.dma_copy(dst=prm, src=params)
    keys = _key_schedule(prm, rounds, w_halves)
    consts = None
    if mode == "normal":
        consts = []
        for v, nm in ((1.0, "one"), (-math.pi, "neg_pi"), (math.pi / 2, "half_pi")):
            t = _f32((P, 1), nm)                 # activation bias tiles (trn1: no scalar)
            nisa.memset(t, v)
            consts.append(t)
    shape = (P, F)
    for ch in nl.affine_range(n_chunks):
        ctr = _counters(prm, ch * P * F, F)
        x = _philox_rounds(ctr, keys, shape, rounds, m_limbs)
        res = nl.ndarray((P, 4 * F), dtype=out_dt, buffer=nl.sbuf, name="philox_res")
        r3 = res.reshape((P, F, 4))
        if mode == "uint32":
            for w in range(4):                   # bit-exact interleave (bitvec)
                nisa.tensor_scalar(r3[:, :, w], x[w], nl.bitwise_or, 0)
        elif mode == "uniform":
            for w in range(4):
                _emit_uniform(r3[:, :, w], x[w], shape)
        else:
            for pr in range(2):
                _emit_normal_pair(r3[:, :, 2 * pr], r3[:, :, 2 * pr + 1], x[2 * pr],
                                  x[2 * pr + 1], consts, shape, loc, scale)
        nisa.dma_copy(dst=out[ch], src=res)
    return out


# --------------------------------------------------------------------------- Philox-4x64
# NumPy's bit generator ``numpy.random.Philox`` is Philox-4x64-10 (trnpy/_random_bits.py
# computes the same words with torch). Design (VectorE was the bottleneck of the limb
# kernel; TensorE sat idle):
#
# * The state lives as 8-bit *digits* (uint32 tiles, values < 256): 8 per 64-bit word.
#   XOR is digit-wise, so the round's XORs need no word assembly and the multiplier
#   inputs need no limb extraction.
# * The 64x64 -> 128-bit products run on TensorE: column ``k`` of the digit product,
#   ``c_k = sum_{i+j=k} x_i m_j``, is a PSUM accumulation of ``nc_matmul(m_j * I, x_i)``
#   over fp16 operands (digits < 256 and the multiplier's digits are exact in fp16; each
#   product < 2^16, a column < 8 * 2^16 = 2^19 -- exact fp32 PSUM sums).
# * The carry chain ``t_k = c_k + q_{k-1}``, ``q_k = t_k // 256`` runs on ScalarE (PSUM
#   copy; ``q = round(t / 256 - 0.5 + 2^-9)``, exact: ``t / 256`` has 8 fractional bits,
#   never a tie, and the round-to-nearest-even of the write to uint32 is the floor) and
#   GpSimd (the add, < 2^20). Digits ``t_k mod 256``: the low word's on VectorE
#   (``t & 255``, fused with the next round's key XOR), the high word's on ScalarE /
#   GpSimd as ``t - 256 q`` (all fp32-exact integers < 2^20). Digits are uint16 tiles
#   (SBUF: 115 KiB per partition at F = 1024); a PSUM column tile is one bank, so the
#   matmuls and copies of a column run per 512 blocks.
# * Every in-kernel integer (constants, parameters) is below 2^31; the round keys' digits
#   and the ``m_j * I`` matrices come from the host.
DIG = 8                          # bits per digit
ND = 8                           # digits per 64-bit word
NCOL = 2 * ND - 1                # digit columns of a 64 x 64 product
PHILOX64_M = (0xD2E7470EE14C6C93, 0xCA5A826395121157)      # Random123 / NumPy
PHILOX64_W = (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B)
M64 = (1 << 64) - 1
PHILOX64_M_DIGITS = tuple(tuple((m >> (DIG * j)) & 0xFF for j in range(ND))
                          for m in PHILOX64_M)
FLOOR_BIAS = -0.5 + 2.0 ** -9     # round(t / 256 + FLOOR_BIAS) == t // 256, 0 <= t < 2^23
PSUM_F = 512                      # one PSUM bank (512 fp32) per column tile; N <= 512
F64_MAX = 1024                    # blocks per partition per chunk (SBUF: digits in uint16)
# high-word digits made on VectorE (the rest on ScalarE + GpSimd): the engine balance
HI_DIGITS_ON_V = 7


def _u16(shape, name):
    return nl.ndarray(shape, dtype=nl.uint16, buffer=nl.sbuf, name=name)


def _f16(shape, name):
    return nl.ndarray(shape, dtype=nl.float16, buffer=nl.sbuf, name=name)


def _digits_of_half(out, half, shape, tag):
    """Append the four 8-bit digits of a uint32 tile to ``out`` (VectorE bitvec)."""
    for d in range(4):
        t = _u16(shape, f"{tag}{d}")
        if d == 0:
            nisa.tensor_scalar(t, half, nl.bitwise_and, 0xFF)
        elif d == 3:
            nisa.tensor_scalar(t, half, nl.right_shift, 24)
        else:
            nisa.tensor_scalar(t, half, nl.right_shift, DIG * d, op1=nl.bitwise_and,
                               operand1=0xFF)
        out.append(t)


def _mul_digits(xd, w, stat, fbias, shape, lo_key, tag):
    """Digits of the 128-bit product ``x * M_w`` (x given by its 8 digit tiles ``xd``):
    ``(lo, hi)``, 8 digit tiles each, least significant first. The low word's digits
    come XOR-ed with the (P, 1) key-digit columns ``lo_key`` when given."""
    x16 = []
    for i in range(ND):                          # TensorE operands: fp16 (exact < 2048)
        t = _f16(shape, f"x16{tag}{i}")
        nisa.tensor_copy(t, xd[i], engine=_gp())
        x16.append(t)
    lo, hi = [], []
    q = None
    for k in range(NCOL):
        c = _u32(shape, f"c{tag}")
        for h0 in range(0, shape[1], PSUM_F):    # one PSUM bank (<= 512 fp32) at a time
            hn = min(PSUM_F, shape[1] - h0)
            ps = nl.ndarray((P, hn), dtype=nl.float32, buffer=nl.psum, name=f"col{tag}")
            for i in range(ND):
                j = k - i
                if 0 <= j < ND:
                    c0 = (w * ND + j) * P
                    nisa.nc_matmul(ps, stat[:, c0:c0 + P], x16[i][:, h0:h0 + hn])
            nisa.activation(c[:, h0:h0 + hn], nl.copy, ps)     # PSUM -> SBUF, < 2^19
        if q is None:
            t = c
        else:
            t = _u32(shape, f"t{tag}")
            nisa.tensor_tensor(t, c, q, nl.add, engine=_gp())   # < 2^20
        qn = _u32(shape, f"q{tag}")
        nisa.activation(qn, nl.copy, t, bias=fbias, scale=1.0 / 256)     # t // 256
        d = _u16(shape, f"d{tag}")
        if k < ND:
            if lo_key is None:
                nisa.tensor_scalar(d, t, nl.bitwise_and, 0xFF)
            else:
                nisa.tensor_scalar(d, t, nl.bitwise_and, 0xFF, op1=nl.bitwise_xor,
                                   operand1=lo_key[k])
            lo.append(d)
        elif k - ND < HI_DIGITS_ON_V:
            nisa.tensor_scalar(d, t, nl.bitwise_and, 0xFF)
            hi.append(d)
        else:
            q256 = _u32(shape, f"q256{tag}")
            nisa.activation(q256, nl.copy, qn, scale=256.0)
            nisa.tensor_tensor(d, t, q256, nl.subtract, engine=_gp())
            hi.append(d)
        q = qn
    hi.append(q)                 # digit 15 = t_14 // 256 (< 256: the product is < 2^128)
    return lo, hi


def _emit_half(dst, dg, shape, mode):
    """One uint32 half (digits ``dg[0..3]``) into ``dst``: the word (``raw``) or NumPy's
    float32 uniform ``(half >> 8) * 2^-24`` (``uniform``), which drops digit 0."""
    if mode == "raw":
        b = _u32(shape, "raw_b")
        nisa.activation(b, nl.copy, dg[1], scale=256.0)
        c = _u32(shape, "raw_c")
        nisa.activation(c, nl.copy, dg[2], scale=65536.0)
        s = _u32(shape, "raw_s")
        nisa.tensor_tensor(s, dg[0], b, nl.add, engine=_gp())
        s2 = _u32(shape, "raw_s2")
        nisa.tensor_tensor(s2, s, c, nl.add, engine=_gp())      # low 24 bits, exact
        top = _u32(shape, "raw_top")
        nisa.tensor_scalar(top, dg[3], nl.left_shift, 24)
        nisa.tensor_tensor(dst, top, s2, nl.bitwise_or)
    else:
        fb = _f32(shape, "u_b")
        nisa.activation(fb, nl.copy, dg[1], scale=2.0 ** -24)
        fc = _f32(shape, "u_c")
        nisa.activation(fc, nl.copy, dg[2], scale=2.0 ** -16)
        fd = _f32(shape, "u_d")
        nisa.activation(fd, nl.copy, dg[3], scale=2.0 ** -8)
        s = _f32(shape, "u_s")
        nisa.tensor_tensor(s, fd, fc, nl.add, engine=_gp())
        nisa.tensor_tensor(dst, s, fb, nl.add, engine=_gp())   # multiples of 2^-24: exact


# NumPy's transforms of a 32-bit draw, in the kernel (``mode="lemire"`` / ``"zig"``). Every
# arithmetic value is an integer below 2^24 (fp32-exact) or an fp32 product NumPy's C
# computes in float too.
LEMIRE_STAT = 2 * ND * P          # column offset of the range's digit matrices in stat_hbm


def _lemire_half(dg, stat, fbias, thr, shape, dst_lo, dst_hi, dst_ok, tag):
    """NumPy's ``buffered_bounded_lemire_uint32`` step on the half with digits ``dg``:
    ``m = half * excl`` (excl's digits e_j as the fp16 matrices ``e_j * I`` at
    :data:`LEMIRE_STAT` of ``stat``; TensorE columns ``c_k = sum_{i+j=k} d_i e_j`` < 2^18,
    exact fp32 PSUM sums), its carry chain ``t_k = c_k + q_{k-1}``, ``q_k = t_k // 256``
    (< 2^19). Writes ``m >> 32`` as two uint16 halves (``dst_lo``, ``dst_hi``) and the
    accept flag ``leftover >= threshold`` (``dst_ok``, uint8; ``thr`` = (P, 2) float32
    (T_lo, T_hi) halves of the host's threshold). The 16-bit halves of the product come
    straight from the chain: ``d_k + 256 d_{k+1} = t_k + 256 (c_{k+1} - 256 q_{k+1})``
    (every intermediate an integer below 2^20), and ``m >> 48 = t_6``."""
    x16 = []
    for i in range(4):                           # TensorE operands: fp16 (exact < 2048)
        t = _f16(shape, f"l16{tag}{i}")
        # three copies on VectorE, one on GpSimd: the engine balance (cost model, +2%)
        nisa.tensor_copy(t, dg[i], engine=_gp() if i >= 3 else nisa.engine.vector)
        x16.append(t)
    cs, ts, qs = [], [], []
    for k in range(7):
        c = _u32(shape, f"lc{tag}")
        for h0 in range(0, shape[1], PSUM_F):
            hn = min(PSUM_F, shape[1] - h0)
            ps = nl.ndarray((P, hn), dtype=nl.float32, buffer=nl.psum, name=f"lcol{tag}")
            for i in range(4):
                j = k - i
                if 0 <= j < 4:
                    c0 = LEMIRE_STAT + j * P
                    nisa.nc_matmul(ps, stat[:, c0:c0 + P], x16[i][:, h0:h0 + hn])
            nisa.activation(c[:, h0:h0 + hn], nl.copy, ps)     # PSUM -> SBUF, < 2^18
        if k == 0:
            t = c
        elif k == 6:
            t = dst_hi                                          # m >> 48 = t_6 < 2^16
            nisa.tensor_tensor(t, c, qs[5], nl.add, engine=_gp())
        else:
            t = _u32(shape, f"lt{tag}")
            nisa.tensor_tensor(t, c, qs[k - 1], nl.add, engine=_gp())
        if k < 6:
            q = _u32(shape, f"lq{tag}")
            nisa.activation(q, nl.copy, t, bias=fbias, scale=1.0 / 256)   # t // 256
            qs.append(q)
        cs.append(c)
        ts.append(t)
    halves = []
    for k in (0, 2, 4):                          # 16-bit halves of m at bits 16 * (k / 2)
        u = _f32(shape, f"l256q{tag}")
        nisa.activation(u, nl.copy, qs[k + 1], scale=256.0)
        w = _f32(shape, f"lw{tag}")              # d_{k+1} - q_k, in (-2^11, 256)
        nisa.tensor_tensor(w, cs[k + 1], u, nl.subtract, engine=_gp())
        v = _f32(shape, f"lv{tag}")
        nisa.activation(v, nl.copy, w, scale=256.0)
        hv = dst_lo if k == 4 else _f32(shape, f"lh{tag}")
        nisa.tensor_tensor(hv, ts[k], v, nl.add, engine=_gp())
        halves.append(hv)
    # leftover >= T  <=>  L_hi + (L_lo >= T_lo) / 2 > T_hi  (16-bit halves, fp32-exact)
    ge = _f32(shape, f"lge{tag}")
    nisa.tensor_scalar(ge, halves[0], nl.greater_equal, thr[:, 0:1])
    gh = _f32(shape, f"lgh{tag}")
    nisa.activation(gh, nl.copy, ge, scale=0.5)
    s = _f32(shape, f"ls{tag}")
    nisa.tensor_tensor(s, halves[1], gh, nl.add, engine=_gp())
    nisa.tensor_scalar(dst_ok, s, nl.greater, thr[:, 1:2])


def _lemire64_word(xd, stat, fbias, thr, shape, dst_hi, dst_ok, tag):
    """NumPy's ``bounded_lemire_uint64`` step on the 64-bit word with digits ``xd``:
    ``m = word * excl`` (excl's 8 digits as the fp16 matrices ``e_j * I`` at
    :data:`LEMIRE_STAT` of ``stat``; TensorE columns < 8 * 255^2 < 2^19), the carry
    chain (< 2^20), the product's 16-bit halves ``H_j = t_{2j} + 256 (c_{2j+1} - 256
    q_{2j+1})`` (``H_7 = t_14``), ``m >> 64`` = H_4..H_7 into ``dst_hi`` (4 uint16 slots),
    and the accept flag ``leftover >= threshold`` by a 16-bit lexicographic compare
    (``g_j = L_j + g_{j-1} / 2 > T_j``, ``thr`` = (P, 4) float32 halves T_0..T_3)."""
    x16 = []
    for i in range(ND):
        t = _f16(shape, f"q16{tag}{i}")
        nisa.tensor_copy(t, xd[i], engine=_gp() if i % 2 else nisa.engine.vector)
        x16.append(t)
    cs, ts, qs = [], [], []
    for k in range(NCOL):
        c = _u32(shape, f"qc{tag}")
        for h0 in range(0, shape[1], PSUM_F):
            hn = min(PSUM_F, shape[1] - h0)
            ps = nl.ndarray((P, hn), dtype=nl.float32, buffer=nl.psum, name=f"qcol{tag}")
            for i in range(ND):
                j = k - i
                if 0 <= j < ND:
                    c0 = LEMIRE_STAT + j * P
                    nisa.nc_matmul(ps, stat[:, c0:c0 + P], x16[i][:, h0:h0 + hn])
            nisa.activation(c[:, h0:h0 + hn], nl.copy, ps)     # PSUM -> SBUF, < 2^19
        if k == 0:
            t = c
        elif k == NCOL - 1:
            t = dst_hi[3]                                     # m >> 112 = t_14 < 2^16
            nisa.tensor_tensor(t, c, qs[k - 1], nl.add, engine=_gp())
        else:
            t = _u32(shape, f"qt{tag}")
            nisa.tensor_tensor(t, c, qs[k - 1], nl.add, engine=_gp())
        if k < NCOL - 1:
            q = _u32(shape, f"qq{tag}")
            nisa.activation(q, nl.copy, t, bias=fbias, scale=1.0 / 256)   # t // 256
            qs.append(q)
        cs.append(c)
        ts.append(t)
    g = None
    for j in range(7):                           # halves H_0..H_6 (H_7 = t_14 above)
        k = 2 * j
        u = _f32(shape, f"q256{tag}")
        nisa.activation(u, nl.copy, qs[k + 1], scale=256.0)
        w = _f32(shape, f"qw{tag}")
        nisa.tensor_tensor(w, cs[k + 1], u, nl.subtract, engine=_gp())
        v = _f32(shape, f"qv{tag}")
        nisa.activation(v, nl.copy, w, scale=256.0)
        hv = dst_hi[j - 4] if j >= 4 else _f32(shape, f"qh{tag}")
        nisa.tensor_tensor(hv, ts[k], v, nl.add, engine=_gp())
        if j == 0:
            g = _f32(shape, f"qg{tag}")
            nisa.tensor_scalar(g, hv, nl.greater_equal, thr[:, 0:1])
        elif j < 4:
            gh = _f32(shape, f"qgh{tag}")
            nisa.activation(gh, nl.copy, g, scale=0.5)
            sj = _f32(shape, f"qs{tag}")
            nisa.tensor_tensor(sj, hv, gh, nl.add, engine=_gp())
            g = dst_ok if j == 3 else _f32(shape, f"qg{tag}")
            nisa.tensor_scalar(g, sj, nl.greater, thr[:, j:j + 1])


def _lemire8_half(dg, fbias, prm8, shape, dst_hi, dst_ok, tag):
    """NumPy's ``buffered_bounded_lemire_uint8`` step on each byte ``d`` of a half (low
    byte first): ``a = d * excl / 256`` (< 256 with 8 fractional bits: fp32-exact),
    ``hi = floor(a)`` (the floor trick of :data:`FLOOR_BIAS`), accepted when the
    fraction ``a - hi`` (= leftover / 256) >= threshold / 256. ``prm8`` = (P, 2) float32
    (excl / 256, threshold / 256); ``dst_hi`` / ``dst_ok``: 4 uint8 slots each."""
    for b in range(4):
        a = _f32(shape, f"b8a{tag}")
        nisa.activation(a, nl.copy, dg[b], scale=prm8[:, 0:1])
        nisa.activation(dst_hi[b], nl.copy, dg[b], bias=fbias, scale=prm8[:, 0:1])
        f = _f32(shape, f"b8f{tag}")
        nisa.tensor_tensor(f, a, dst_hi[b], nl.subtract, engine=_gp())
        nisa.tensor_scalar(dst_ok[b], f, nl.greater_equal, prm8[:, 1:2])


def _lemire16_half(dg, fbias, prm16, shape, dst_hi, dst_ok, tag):
    """NumPy's ``buffered_bounded_lemire_uint16`` step on each 16-bit part ``v = d_a + 256
    d_b`` of a half (low part first), ``prm16`` = (P, 3) float32 (e0, e1, threshold):
    the digit product ``v * excl`` by columns ``c0 = d_a e0``, ``c1 = d_a e1 + d_b e0``,
    ``c2 = d_b e1`` (ScalarE products by (P, 1) scale tiles, each < 2^16), the carry chain
    ``t_k = c_k + q_{k-1}`` (< 2^18), ``m >> 16 = t_2`` and ``leftover = t_0 + 256 (c1 -
    256 q_1)`` (fp32-exact integers), accepted when ``leftover >= threshold``."""
    for v in range(2):
        da, db = dg[2 * v], dg[2 * v + 1]
        pr = []
        for (d, e) in ((da, 0), (da, 1), (db, 0), (db, 1)):
            t = _u32(shape, f"w16p{tag}")
            nisa.activation(t, nl.copy, d, scale=prm16[:, e:e + 1])
            pr.append(t)
        c1 = _u32(shape, f"w16c{tag}")
        nisa.tensor_tensor(c1, pr[1], pr[2], nl.add, engine=_gp())
        q0 = _u32(shape, f"w16q0{tag}")
        nisa.activation(q0, nl.copy, pr[0], bias=fbias, scale=1.0 / 256)
        t1 = _u32(shape, f"w16t1{tag}")
        nisa.tensor_tensor(t1, c1, q0, nl.add, engine=_gp())
        q1 = _u32(shape, f"w16q1{tag}")
        nisa.activation(q1, nl.copy, t1, bias=fbias, scale=1.0 / 256)
        nisa.tensor_tensor(dst_hi[v], pr[3], q1, nl.add, engine=_gp())     # m >> 16
        u = _f32(shape, f"w16u{tag}")
        nisa.activation(u, nl.copy, q1, scale=256.0)
        w = _f32(shape, f"w16w{tag}")
        nisa.tensor_tensor(w, c1, u, nl.subtract, engine=_gp())
        x = _f32(shape, f"w16x{tag}")
        nisa.activation(x, nl.copy, w, scale=256.0)
        lo = _f32(shape, f"w16l{tag}")
        nisa.tensor_tensor(lo, pr[0], x, nl.add, engine=_gp())          # leftover
        nisa.tensor_scalar(dst_ok[v], lo, nl.greater_equal, prm16[:, 2:3])


def _zig_half(dg, tab, shape, dst_x, dst_ok, dst_raw, tag):
    """NumPy's float32 ziggurat fast path on the half ``r`` with digits ``dg``
    (``random_standard_normal_f`` / ``random_standard_exponential_f``): ``i9 = r & 0x1ff``,
    ``rabs = r >> 9`` (< 2^23); ``x = rabs * w[i9]``, accepted when ``rabs < k[i9]``, with
    the host's 512-entry tables ``tab = [w | k]`` (normal: layer ``i9 & 0xff`` with the
    sign bit 8 folded into ``w``'s negated second half; exponential: layer ``i9 >> 1``).
    Table lookups: ``nc_n_gather`` (GpSimd, per partition). Writes x, the accept flag
    (uint8) and the raw half (the slow path's input)."""
    a = _u32(shape, f"za{tag}")
    nisa.tensor_scalar(a, dg[1], nl.bitwise_and, 1, op1=nl.left_shift, operand1=8)
    i9 = _u32(shape, f"zi{tag}")
    nisa.tensor_tensor(i9, a, dg[0], nl.add, engine=_gp())               # < 512
    b = _u32(shape, f"zb{tag}")
    nisa.tensor_scalar(b, dg[1], nl.right_shift, 1)
    c = _f32(shape, f"zc{tag}")
    nisa.activation(c, nl.copy, dg[2], scale=128.0)
    d = _f32(shape, f"zd{tag}")
    nisa.activation(d, nl.copy, dg[3], scale=32768.0)
    e = _f32(shape, f"ze{tag}")
    nisa.tensor_tensor(e, c, d, nl.add, engine=_gp())
    rabs = _u32(shape, f"zr{tag}")
    nisa.tensor_tensor(rabs, e, b, nl.add, engine=_gp())                # r >> 9, < 2^23
    w = _f32(shape, f"zw{tag}")
    nisa.nc_n_gather(w, tab[:, 0:512], i9)
    k = _f32(shape, f"zk{tag}")
    nisa.nc_n_gather(k, tab[:, 512:1024], i9)
    nisa.tensor_tensor(dst_x, rabs, w, nl.multiply)                      # NumPy's float product
    nisa.tensor_tensor(dst_ok, rabs, k, nl.less, engine=_gp())
    sh = _u32(shape, f"zs{tag}")
    nisa.tensor_scalar(sh, rabs, nl.left_shift, 9)
    nisa.tensor_tensor(dst_raw, sh, i9, nl.bitwise_or)


# transform modes: (host parameter columns, value dtype, values and flags per 128 x F
# block of words / F); the parameters: Lemire thresholds (16-bit halves) and range digits,
# or the ziggurat's w | k tables
_MODE_IO = {"lemire": (2, nl.uint16, 16, 8), "lemire64": (4, nl.uint16, 16, 4),
            "lemire16": (3, nl.uint16, 16, 16), "lemire8": (2, nl.uint8, 32, 32),
            "zig": (1024, nl.float32, 8, 8)}


@nki.jit
def philox4x64_kernel(params, stat_hbm, n_chunks, F, mode="raw", rounds=ROUNDS, aux=None):
    """NumPy's Philox-4x64-``rounds`` stream: ``out[ch, p, 8 j + 2 w + h]`` = half ``h``
    (0: low 32 bits) of word ``w`` of block ``base + ch * 128 * F + p * F + j``
    (``mode="raw"``, uint32), or NumPy's float32 uniform made from that half
    (``mode="uniform"``: ``(half >> 8) * 2^-24``, the order of ``random(dtype=float32)``).

    ``params``: uint32 HBM [128, 12 + 16 * rounds] on every partition: the 256-bit base
    counter as eight 32-bit words (least significant first), the round-0 key as four
    32-bit words (k0 lo, k0 hi, k1 lo, k1 hi), then per round ``r`` the 8-bit digits of
    ``k0 + r W0`` and of ``k1 + r W1`` (host-computed). ``stat_hbm``: fp16 [128, 2048],
    block ``8 w + j`` = ``m_{w,j} * I`` (digit ``j`` of multiplier ``w``).

    ``mode="lemire"`` (NumPy's bounded integers, 32-bit draws): ``stat_hbm`` carries four
    more blocks ``e_j * I`` (digits of the range's ``excl = rng + 1``) and ``aux`` (float32
    [128, 2]) the threshold's 16-bit halves; returns ``(hi, ok)``: ``hi`` uint16
    [n_chunks, 128, 16 F], the pairs (low, high) of each draw's ``(half * excl) >> 32``,
    and ``ok`` uint8 [n_chunks, 128, 8 F], 1 where NumPy accepts the draw.
    ``mode="lemire64"``: the 64-bit step on each word (excl's 8 digit blocks in
    ``stat_hbm``, ``aux`` = the threshold's four 16-bit halves, float32 [128, 4]);
    returns ``(hi, ok)``: uint16 [n_chunks, 128, 16 F] (each word's ``m >> 64`` as four
    halves) and uint8 [n_chunks, 128, 4 F].
    ``mode="lemire16"``: the 16-bit step on each 16-bit part, ``aux`` (float32 [128, 3]) =
    (excl's two digits, threshold); returns ``(hi, ok)``, uint16 / uint8 [n_chunks, 128,
    16 F]. ``mode="lemire8"``: the 8-bit step on each byte, ``aux`` (float32 [128, 2]) = (excl /
    256, threshold / 256); returns ``(hi, ok)``, uint8 [n_chunks, 128, 32 F] each.
    ``mode="zig"`` (NumPy's float32 ziggurat fast path): ``aux`` float32 [128, 1024] = the
    512-entry ``w`` and ``k`` tables (:func:`_zig_half`); returns ``(x, ok, raw)``: the
    fast-path values (float32), accept flags (uint8) and the raw halves (uint32)."""
    prm = _u32((P, 12 + 16 * rounds), "params64")
    nisa.dma_copy(dst=prm, src=params)
    n_stat = 2 * ND * P + {"lemire": 4 * P, "lemire64": ND * P}.get(mode, 0)
    stat = nl.ndarray((P, n_stat), dtype=nl.float16, buffer=nl.sbuf, name="m_eye")
    nisa.dma_copy(dst=stat, src=stat_hbm)
    if mode in _MODE_IO:
        # the mode's host parameters (aux), its values and its accept flags
        n_aux, out_dt, out_w, ok_w = _MODE_IO[mode]
        par = _f32((P, n_aux), mode + "_aux")
        nisa.dma_copy(dst=par, src=aux)
        out = nl.ndarray((n_chunks, P, out_w * F), dtype=out_dt, buffer=nl.shared_hbm,
                         name=mode + "_out")
        oks = nl.ndarray((n_chunks, P, ok_w * F), dtype=nl.uint8, buffer=nl.shared_hbm,
                         name=mode + "_ok")
        if mode == "zig":
            raws = nl.ndarray((n_chunks, P, 8 * F), dtype=nl.uint32, buffer=nl.shared_hbm,
                              name="zig_raw")
    else:
        out_dt = nl.uint32 if mode == "raw" else nl.float32
        out = nl.ndarray((n_chunks, P, 8 * F), dtype=out_dt, buffer=nl.shared_hbm,
                         name="philox64_out")
    fbias = _f32((P, 1), "floor_bias")           # (P, 1) bias tile (trn1: no scalar bias)
    nisa.memset(fbias, FLOOR_BIAS)
    shape = (P, F)
    for ch in nl.affine_range(n_chunks):
        # counter words: base + index (256-bit add with carries through 8 halves)
        idx = _u32(shape, "ctr64_idx")
        nisa.iota(idx, [[1, F]], offset=ch * P * F, channel_multiplier=F)   # < 2^31
        cl = _u32(shape, "ctr64_il")
        nisa.tensor_scalar(cl, idx, nl.bitwise_and, 0xFFFF)
        chh = _u32(shape, "ctr64_ih")
        nisa.tensor_scalar(chh, idx, nl.right_shift, 16)
        halves = []
        carry_l, carry_h = cl, chh
        for w in range(8):
            base = _u32(shape, f"ctr64_base{w}")
            nisa.tensor_scalar(base, idx, nl.bitwise_and, 0, op1=nl.bitwise_or,
                               operand1=prm[:, w:w + 1])
            cw = _u32(shape, f"ctr64_{w}")
            carry = _add32(cw, base, carry_l, carry_h, shape, want_carry=w < 7)
            halves.append(cw)
            carry_l, carry_h = carry, None
        # digits: x0, x2 (multiplied) and x1 ^ k0, x3 ^ k1 (XOR-ed in round 0)
        xs = []
        for w in range(4):
            dg = []
            for h in range(2):
                src = halves[2 * w + h]
                if w % 2 == 1:
                    kx = _u32(shape, "ctr64_key")
                    kc = 8 + (w // 2) * 2 + h
                    nisa.tensor_scalar(kx, src, nl.bitwise_xor, prm[:, kc:kc + 1])
                    src = kx
                _digits_of_half(dg, src, shape, f"x{w}d")
            xs.append(dg)
        x0, x1k, x2, x3k = xs[0], xs[1], xs[2], xs[3]
        for r in range(rounds):
            key0, key1 = None, None
            if r + 1 < rounds:                   # next round's key digits, fused below
                kc = 12 + 16 * (r + 1)
                key0, key1 = [], []
                for j in range(ND):
                    key0.append(prm[:, kc + j:kc + j + 1])
                    key1.append(prm[:, kc + ND + j:kc + ND + j + 1])
            lo0, hi0 = _mul_digits(x0, 0, stat, fbias, shape, key1, "a")   # -> x3
            lo1, hi1 = _mul_digits(x2, 1, stat, fbias, shape, key0, "b")   # -> x1
            n0, n2 = [], []
            for j in range(ND):
                a = _u16(shape, "n0d")
                nisa.tensor_tensor(a, hi1[j], x1k[j], nl.bitwise_xor)
                n0.append(a)
                b = _u16(shape, "n2d")
                nisa.tensor_tensor(b, hi0[j], x3k[j], nl.bitwise_xor)
                n2.append(b)
            x0, x1k, x2, x3k = n0, lo1, n2, lo0
        words = [x0, x1k, x2, x3k]
        if mode in _MODE_IO:
            res = nl.ndarray((P, out_w * F), dtype=out_dt, buffer=nl.sbuf, name=mode + "_res")
            ok = nl.ndarray((P, ok_w * F), dtype=nl.uint8, buffer=nl.sbuf, name=mode + "_okt")
            rv, ov = res.reshape((P, F, out_w)), ok.reshape((P, F, ok_w))
            if mode == "zig":
                raw = nl.ndarray((P, 8 * F), dtype=nl.uint32, buffer=nl.sbuf, name="zig_rawt")
                w8 = raw.reshape((P, F, 8))
            for w in range(4):
                if mode == "lemire64":
                    _lemire64_word(words[w], stat, fbias, par, shape,
                                   [rv[:, :, 4 * w], rv[:, :, 4 * w + 1], rv[:, :, 4 * w + 2],
                                    rv[:, :, 4 * w + 3]], ov[:, :, w], "")
                for h in range(2):
                    i = 2 * w + h
                    half = words[w][4 * h:4 * h + 4]
                    if mode == "lemire":
                        _lemire_half(half, stat, fbias, par, shape, rv[:, :, 2 * i],
                                     rv[:, :, 2 * i + 1], ov[:, :, i], "")
                    elif mode == "lemire8":
                        _lemire8_half(half, fbias, par, shape,
                                      [rv[:, :, 4 * i], rv[:, :, 4 * i + 1],
                                       rv[:, :, 4 * i + 2], rv[:, :, 4 * i + 3]],
                                      [ov[:, :, 4 * i], ov[:, :, 4 * i + 1],
                                       ov[:, :, 4 * i + 2], ov[:, :, 4 * i + 3]], "")
                    elif mode == "lemire16":
                        _lemire16_half(half, fbias, par, shape,
                                       [rv[:, :, 2 * i], rv[:, :, 2 * i + 1]],
                                       [ov[:, :, 2 * i], ov[:, :, 2 * i + 1]], "")
                    elif mode == "zig":
                        _zig_half(half, par, shape, rv[:, :, i], ov[:, :, i], w8[:, :, i],
                                  "")
            nisa.dma_copy(dst=out[ch], src=res)
            nisa.dma_copy(dst=oks[ch], src=ok)
            if mode == "zig":
                nisa.dma_copy(dst=raws[ch], src=raw)
        else:
            res = nl.ndarray((P, 8 * F), dtype=out_dt, buffer=nl.sbuf, name="philox64_res")
            r8 = res.reshape((P, F, 8))
            for w in range(4):
                for h in range(2):
                    _emit_half(r8[:, :, 2 * w + h], words[w][4 * h:4 * h + 4], shape, mode)
            nisa.dma_copy(dst=out[ch], src=res)
    if mode in ("lemire", "lemire8", "lemire16", "lemire64"):
        return out, oks
    if mode == "zig":
        return out, oks, raws
    return out


def _params64(key, counter, rounds=ROUNDS):
    """Host side: the kernel's parameter row for base counter ``counter`` (4 uint64 words)
    and key (2 uint64 words), replicated on the 128 partitions."""
    row = []
    for w in counter:
        row += [int(w) & MASK32, (int(w) >> 32) & MASK32]
    k0, k1 = (int(k) & M64 for k in key)
    row += [k0 & MASK32, k0 >> 32, k1 & MASK32, k1 >> 32]
    for r in range(rounds):
        for k in (k0, k1):
            row += [(k >> (DIG * j)) & 0xFF for j in range(ND)]
        k0, k1 = (k0 + PHILOX64_W[0]) & M64, (k1 + PHILOX64_W[1]) & M64
    return np.ascontiguousarray(np.broadcast_to(np.array(row, np.uint32), (P, len(row))))


def _stationary64():
    """Host side: fp16 [128, 2048], block ``8 w + j`` = ``m_{w,j} * I`` (exact: <= 255)."""
    eye = np.eye(P, dtype=np.float32)
    blocks = [m * eye for ms in PHILOX64_M_DIGITS for m in ms]
    return np.concatenate(blocks, axis=1).astype(np.float16)


def _plan64(n_blocks, f_max):
    F = max(1, min(int(f_max), F64_MAX, _ceil_div(n_blocks, P)))
    return F, _ceil_div(n_blocks, P * F)


def _first_counter(counter):
    """NumPy increments the 256-bit counter before each block: the first block's."""
    v = (sum(int(w) << (64 * i) for i, w in enumerate(counter)) + 1) & ((1 << 256) - 1)
    return [(v >> (64 * i)) & M64 for i in range(4)]


def _launch64(key, counter, n_blocks, mode, rounds, f_max, stat=None, aux=None):
    F, n_chunks = _plan64(n_blocks, f_max)
    return nki.simulate(philox4x64_kernel)(
        _params64(key, _first_counter(counter), rounds),
        _stationary64() if stat is None else stat, n_chunks, F, mode, rounds, aux)


def _run64(key, counter, n_blocks, mode, rounds, f_max):
    out = _launch64(key, counter, n_blocks, mode, rounds, f_max)
    return np.asarray(out).reshape(-1)[:8 * n_blocks]


def _lemire_inputs(rng):
    """Host side of ``mode="lemire"`` for NumPy's range ``rng`` (0 < rng < 2^32 - 1):
    the stationary matrices with ``excl = rng + 1``'s digit blocks appended, and the
    threshold ``(2^32 - 1 - rng) % excl`` as float32 16-bit halves on every partition."""
    rng = int(rng)
    if not 0 < rng < MASK32:
        raise ValueError(f"lemire: range {rng} needs 0 < rng < 2^32 - 1")
    excl = rng + 1
    thr = (MASK32 - rng) % excl
    eye = np.eye(P, dtype=np.float32)
    blocks = [(((excl >> (DIG * j)) & 0xFF) * eye).astype(np.float16) for j in range(4)]
    stat = np.concatenate([_stationary64()] + blocks, axis=1)
    aux = np.ascontiguousarray(np.broadcast_to(
        np.array([thr & 0xFFFF, thr >> 16], np.float32), (P, 2)))
    return stat, aux


def philox4x64_lemire32(key, counter, n_blocks, rng, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's ``buffered_bounded_lemire_uint32`` step for range ``rng`` on each 32-bit
    draw (low half of each word first) of blocks ``counter + 1 .. counter + n_blocks``,
    made in the kernel: ``(hi, ok)`` -- ``(draw * (rng + 1)) >> 32`` (uint32) and whether
    NumPy accepts the draw (bool), ``8 * n_blocks`` each. The caller keeps the accepted
    ones in order (a rejected draw is skipped, the next one tried)."""
    n_blocks = int(n_blocks)
    if n_blocks <= 0:
        return np.zeros(0, np.uint32), np.zeros(0, bool)
    stat, aux = _lemire_inputs(rng)
    hi, ok = _launch64(key, counter, n_blocks, "lemire", rounds, f_max, stat, aux)
    hi = np.ascontiguousarray(np.asarray(hi), dtype="<u2").reshape(-1).view("<u4")
    return hi[:8 * n_blocks].astype(np.uint32), np.asarray(ok).reshape(-1)[:8 * n_blocks] == 1


def philox4x64_lemire64(key, counter, n_blocks, rng, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's ``bounded_lemire_uint64`` step for range ``rng`` (2^32 <= rng < 2^64 - 1;
    smaller ranges take 32-bit draws)
    on each 64-bit word of blocks ``counter + 1 .. counter + n_blocks``, made in the
    kernel: ``(hi, ok)`` -- ``(word * (rng + 1)) >> 64`` (uint64) and NumPy's accept flag
    (bool), ``4 * n_blocks`` each."""
    n_blocks, rng = int(n_blocks), int(rng)
    if not MASK32 < rng < M64:
        raise ValueError(f"lemire64: range {rng} needs 2^32 - 1 < rng < 2^64 - 1")
    if n_blocks <= 0:
        return np.zeros(0, np.uint64), np.zeros(0, bool)
    excl = rng + 1
    thr = (M64 - rng) % excl
    eye = np.eye(P, dtype=np.float32)
    blocks = [(((excl >> (DIG * j)) & 0xFF) * eye).astype(np.float16) for j in range(ND)]
    stat = np.concatenate([_stationary64()] + blocks, axis=1)
    aux = np.ascontiguousarray(np.broadcast_to(
        np.array([(thr >> (16 * j)) & 0xFFFF for j in range(4)], np.float32), (P, 4)))
    hi, ok = _launch64(key, counter, n_blocks, "lemire64", rounds, f_max, stat, aux)
    n = 4 * n_blocks
    hi = np.ascontiguousarray(np.asarray(hi), dtype="<u2").reshape(-1).view("<u8")
    return hi[:n].astype(np.uint64), np.asarray(ok).reshape(-1)[:n] == 1


def _lemire_small(key, counter, n_blocks, rng, bits, aux_row, rounds, f_max):
    """The 8- and 16-bit Lemire modes' host side: ``aux_row(rng + 1)`` (the mode's
    parameters) on the 128 partitions, one launch, ``256 / bits`` results per block."""
    n_blocks, rng, top = int(n_blocks), int(rng), (1 << bits) - 1
    if not 0 < rng < top:
        raise ValueError(f"lemire{bits}: range {rng} needs 0 < rng < {top}")
    if n_blocks <= 0:
        return np.zeros(0, np.uint8 if bits == 8 else np.uint16), np.zeros(0, bool)
    row = aux_row(rng + 1)
    aux = np.ascontiguousarray(np.broadcast_to(np.array(row, np.float32), (P, len(row))))
    hi, ok = _launch64(key, counter, n_blocks, f"lemire{bits}", rounds, f_max, None, aux)
    n = (256 // bits) * n_blocks
    return np.asarray(hi).reshape(-1)[:n], np.asarray(ok).reshape(-1)[:n] == 1


def philox4x64_lemire8(key, counter, n_blocks, rng, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's ``buffered_bounded_lemire_uint8`` step for range ``rng`` (0 < rng < 255)
    on each byte (low byte of each 32-bit draw first) of blocks ``counter + 1 .. counter
    + n_blocks``, made in the kernel: ``(hi, ok)`` -- ``(byte * (rng + 1)) >> 8`` (uint8)
    and NumPy's accept flag (bool), ``32 * n_blocks`` each."""
    return _lemire_small(key, counter, n_blocks, rng, 8,
                         lambda e: [e / 256.0, (256 - e) % e / 256.0], rounds, f_max)


def philox4x64_lemire16(key, counter, n_blocks, rng, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's ``buffered_bounded_lemire_uint16`` step for range ``rng`` (0 < rng <
    65535) on each 16-bit part (low part of each 32-bit draw first) of blocks ``counter +
    1 .. counter + n_blocks``, made in the kernel: ``(hi, ok)`` -- ``(part * (rng + 1)) >>
    16`` (uint16) and NumPy's accept flag (bool), ``16 * n_blocks`` each."""
    return _lemire_small(key, counter, n_blocks, rng, 16,
                         lambda e: [e & 0xFF, e >> 8, (0x10000 - e) % e], rounds, f_max)


def philox4x64_zig32(key, counter, n_blocks, tables, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's float32 ziggurat fast path (normal or exponential: ``tables``, float32
    [1024] = the 512-entry ``w`` and ``k`` tables of :func:`_zig_half`) on each 32-bit draw
    of blocks ``counter + 1 .. counter + n_blocks``, made in the kernel: ``(x, ok, raw)``
    -- the fast-path value, whether it is accepted, and the draw (for the slow path)."""
    n_blocks = int(n_blocks)
    if n_blocks <= 0:
        return np.zeros(0, np.float32), np.zeros(0, bool), np.zeros(0, np.uint32)
    tab = np.asarray(tables, np.float32).reshape(1, 1024)
    if not np.all(np.isfinite(tab)) or np.any(tab[0, 512:] >= 2.0 ** 24):
        raise ValueError("zig tables: finite w, k below 2^24")
    aux = np.ascontiguousarray(np.broadcast_to(tab, (P, 1024)))
    x, ok, raw = _launch64(key, counter, n_blocks, "zig", rounds, f_max, None, aux)
    n = 8 * n_blocks
    return (np.asarray(x).reshape(-1)[:n], np.asarray(ok).reshape(-1)[:n] == 1,
            np.asarray(raw).reshape(-1)[:n])


def philox4x64_words(key, counter, n_blocks, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's Philox stream through the kernel: the 4 uint64 words of each of the blocks
    ``counter + 1 .. counter + n_blocks`` (NumPy increments the 256-bit counter before
    each block), as a uint64 array of ``4 * n_blocks`` words -- what
    ``trnpy._random_bits.philox_words`` computes with torch."""
    n_blocks = int(n_blocks)
    if n_blocks <= 0:
        return np.zeros(0, np.uint64)
    halves = _run64(key, counter, n_blocks, "raw", rounds, f_max)
    halves = halves.astype(np.uint32).reshape(-1, 2).astype(np.uint64)
    return halves[:, 0] | (halves[:, 1] << np.uint64(32))


def philox4x64_uniform32(key, counter, n_blocks, *, rounds=ROUNDS, f_max=F64_MAX):
    """NumPy's float32 ``random`` from the Philox state (key, counter) with no buffered
    32-bit half: ``8 * n_blocks`` float32 uniforms, made in the kernel."""
    n_blocks = int(n_blocks)
    if n_blocks <= 0:
        return np.zeros(0, np.float32)
    return _run64(key, counter, n_blocks, "uniform", rounds, f_max).astype(np.float32)


# --------------------------------------------------------------------------- host side
def _words(v, n):
    """Python int or sequence of uint32 words (least significant first) -> n words."""
    if isinstance(v, (int, np.integer)):
        v = int(v)
        if v < 0:
            raise ValueError("counter / key must be non-negative")
        return [(v >> (32 * i)) & MASK32 for i in range(n)]
    w = [int(x) for x in np.asarray(v).reshape(-1)]
    if len(w) != n or any(not 0 <= x <= MASK32 for x in w):
        raise ValueError(f"expected {n} uint32 words, got {v!r}")
    return w


def seed_to_key(seed):
    """64-bit seed -> Philox key words (k0 = low 32 bits, k1 = high 32 bits)."""
    return _words(int(seed) & ((1 << 64) - 1), 2)


def plan(n, f_max=F_MAX):
    """(counters needed, F, n_chunks) for n output values."""
    n_ctr = max(1, _ceil_div(int(n), 4))
    F = max(1, min(int(f_max), _ceil_div(n_ctr, P)))
    n_chunks = _ceil_div(n_ctr, P * F)
    if n_chunks * P * F >= 2 ** 31:
        raise ValueError(f"philox kernel: {n} values exceed one launch (2^33)")
    return n_ctr, F, n_chunks


def _run(mode, n, counter, key, rounds=ROUNDS, f_max=F_MAX, loc=0.0, scale=1.0):
    n = int(n)
    if n < 0:
        raise ValueError("n must be >= 0")
    dt = np.uint32 if mode == "uint32" else np.float32
    if n == 0:
        return np.zeros(0, dt)
    c, k = _words(counter, 4), _words(key, 2)
    params = np.ascontiguousarray(np.broadcast_to(np.array(c + k, np.uint32), (P, 6)))
    _, F, n_chunks = plan(n, f_max)
    out = nki.simulate(philox_kernel)(params, n_chunks, F, mode, rounds, float(loc),
                                      float(scale), PHILOX_M_LIMBS, PHILOX_W_HALVES)
    return np.asarray(out).reshape(-1)[:n].astype(dt, copy=False)


def philox_uint32(counter, key, n, *, rounds=ROUNDS, f_max=F_MAX):
    """First ``n`` uint32 words of the Philox-4x32-``rounds`` stream from ``counter``
    (128-bit int or 4 words, least significant first) under ``key`` (64-bit int or 2
    words): words of ``philox(counter), philox(counter + 1), ...``. Runs the kernel."""
    return _run("uint32", n, counter, key, rounds, f_max)


def uniform(n, seed=0, counter_offset=0, *, f_max=F_MAX):
    """``n`` float32 uniforms in [0, 1) (24-bit resolution) from key ``seed`` and start
    counter ``counter_offset`` (in counters: each counter gives 4 values, so the next
    disjoint call starts at ``counter_offset + ceil(n / 4)``)."""
    return _run("uniform", n, counter_offset, seed_to_key(seed), ROUNDS, f_max)


def normal(n, seed=0, counter_offset=0, *, loc=0.0, scale=1.0, f_max=F_MAX):
    """``n`` float32 normals ``loc + scale * z`` (Box-Muller on Philox uniforms), same
    seeding and counter convention as :func:`uniform`."""
    return _run("normal", n, counter_offset, seed_to_key(seed), ROUNDS, f_max, loc, scale)


def counters_used(n):
    """Counters consumed by a call producing ``n`` values (advance the offset by this)."""
    return _ceil_div(int(n), 4)


# --------------------------------------------------------------------------- reference
def philox4x32_reference(counters, key, rounds=ROUNDS):
    """Plain NumPy Philox-4x32-``rounds`` (uint64 arithmetic): ``counters`` [n, 4]
    uint32 (c0 least significant), ``key`` 2 words -> [n, 4] uint32."""
    c = np.asarray(counters, np.uint64).reshape(-1, 4)
    k0, k1 = (np.uint64(x) for x in _words(key, 2))
    m0, m1 = np.uint64(PHILOX_M[0]), np.uint64(PHILOX_M[1])
    w0, w1 = np.uint64(PHILOX_W[0]), np.uint64(PHILOX_W[1])
    mask, s32 = np.uint64(MASK32), np.uint64(32)
    x0, x1, x2, x3 = (c[:, i].copy() for i in range(4))
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + w0) & mask, (k1 + w1) & mask
        p0, p1 = m0 * x0, m1 * x2            # < 2^64: exact in uint64
        x0, x1, x2, x3 = (p1 >> s32) ^ x1 ^ k0, p1 & mask, (p0 >> s32) ^ x3 ^ k1, p0 & mask
    return np.stack([x0, x1, x2, x3], axis=1).astype(np.uint32)


def _counter_block(counter, n_ctr):
    base = sum(w << (32 * i) for i, w in enumerate(_words(counter, 4)))
    vals = [(base + i) % (1 << 128) for i in range(n_ctr)] if n_ctr <= 4096 else None
    if vals is not None:
        return np.array([[(v >> (32 * w)) & MASK32 for w in range(4)] for v in vals],
                        np.uint32)
    # vectorised: add i to the 128-bit base with carries through uint64 words
    i = np.arange(n_ctr, dtype=np.uint64)
    b = [np.uint64(x) for x in _words(counter, 4)]
    out = np.empty((n_ctr, 4), np.uint64)
    s = b[0] + i
    out[:, 0] = s & np.uint64(MASK32)
    carry = s >> np.uint64(32)
    for w in range(1, 4):
        s = b[w] + carry
        out[:, w] = s & np.uint64(MASK32)
        carry = s >> np.uint64(32)
    return out.astype(np.uint32)


def philox_uint32_reference(counter, key, n, rounds=ROUNDS):
    n_ctr = max(1, _ceil_div(int(n), 4))
    return philox4x32_reference(_counter_block(counter, n_ctr), key, rounds).reshape(-1)[:n]


def uniform_reference(n, seed=0, counter_offset=0):
    x = philox_uint32_reference(counter_offset, seed_to_key(seed), n)
    return (x >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)


def normal_reference(n, seed=0, counter_offset=0, *, loc=0.0, scale=1.0):
    """The kernel's Box-Muller in NumPy float32, operation by operation."""
    n_ctr = max(1, _ceil_div(int(n), 4))
    x = philox_uint32_reference(counter_offset, seed_to_key(seed), 4 * n_ctr).reshape(-1, 4)
    f32 = np.float32
    t = (x >> np.uint32(8)).astype(f32)
    z = np.empty_like(t)
    with np.errstate(all="ignore"):
        for pr in range(2):
            ta, tb = t[:, 2 * pr], t[:, 2 * pr + 1]
            lg = np.log(ta * f32(-(2.0 ** -24)) + f32(1.0))
            r = np.sqrt(np.maximum(lg * f32(-2.0), f32(RADIUS2_MIN)))
            th = tb * f32(_TWO_PI_2M24) + f32(-math.pi)
            s = np.sin(th)
            c = np.sin(np.abs(th) * f32(-1.0) + f32(math.pi / 2))
            z[:, 2 * pr], z[:, 2 * pr + 1] = r * s, r * c
    if loc != 0.0 or scale != 1.0:
        z = z * f32(scale) + f32(loc)
    return z.reshape(-1)[:n]


# Random123 tests/kat_vectors, "philox4x32 10" lines: (counter, key, expected output)
KAT_PHILOX4X32_10 = (
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff),
     (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
)


def estimate(n, mode="uniform", f_max=F_MAX):
    """Cost-model report of one launch producing ``n`` values (dry run), with the DMA
    bandwidth fraction of the output write (``dma_bw_fraction``)."""
    import kernels.emulator as emu
    _, F, n_chunks = plan(n, f_max)
    params = np.zeros((P, 6), np.uint32)
    with emu.dry_run(), emu.profile() as prof:
        emu.nki.simulate(philox_kernel)(params, n_chunks, F, mode, ROUNDS, 0.0, 1.0,
                                        PHILOX_M_LIMBS, PHILOX_W_HALVES)
    rep = prof.report()
    for t in rep["estimate"]:
        e = rep["estimate"][t]
        e["dma_bw_fraction"] = (rep["dma_bytes"] / emu.cost.DMA_BW[t]) / e["overlapped_s"]
        e["values_per_s"] = n / e["overlapped_s"]
    return rep


def estimate64(n_blocks, f_max=F64_MAX, mode="raw"):
    """Cost-model report of one :func:`philox4x64_kernel` launch for ``n_blocks`` blocks
    (dry run): ``values_per_s`` counts uint64 words (``mode="raw"``) or the 8 values per
    block of ``mode="uniform"`` (float32 uniforms), ``"lemire"`` (bounded-integer
    candidates) or ``"zig"`` (float32 ziggurat fast-path values); ``per_chunk`` gives instructions per chunk by
    engine (each over 128 x F blocks)."""
    import kernels.emulator as emu
    F, n_chunks = _plan64(n_blocks, f_max)
    stat, aux = _stationary64(), None
    if mode == "lemire":
        stat, aux = _lemire_inputs(999)
    elif mode == "lemire64":
        stat = np.concatenate([stat, np.zeros((P, ND * P), np.float16)], axis=1)
        aux = np.zeros((P, 4), np.float32)
    elif mode == "lemire8":
        aux = np.zeros((P, 2), np.float32)
    elif mode == "lemire16":
        aux = np.zeros((P, 3), np.float32)
    elif mode == "zig":
        aux = np.zeros((P, 1024), np.float32)
    with emu.dry_run(), emu.profile() as prof:
        emu.nki.simulate(philox4x64_kernel)(_params64((0, 0), (0, 0, 0, 0)), stat,
                                            n_chunks, F, mode, ROUNDS, aux)
    rep = prof.report()
    per = {"raw": 4, "lemire64": 4, "lemire8": 32, "lemire16": 16}.get(mode, 8) * n_blocks
    rep["per_chunk"] = {e: c / n_chunks for e, c in rep["instructions"].items()}
    rep["F"], rep["n_chunks"] = F, n_chunks
    for t in rep["estimate"]:
        e = rep["estimate"][t]
        e["dma_bw_fraction"] = (rep["dma_bytes"] / emu.cost.DMA_BW[t]) / e["overlapped_s"]
        e["values_per_s"] = per / e["overlapped_s"]
    return rep
