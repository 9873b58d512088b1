"""Products to a stated error (issue 14): ``matmul(a, b, target_forward_error=t)``, and
``a @ b`` inside ``with trnpy.compensated_matmul(t):``.

The contract: every entry of the result satisfies

    |C[i, j] - (A B)[i, j]| <= t * ||A[i, :]||_2 * ||B[:, j]||_2

(the exact product of the stored operands; the plain product in floating point meets it
with ``t = K u``, ``K`` the inner dimension). ``t`` below twice the result dtype's unit
roundoff cannot be met (the result's own rounding) and raises ValueError, as does a
target the device's precisions cannot reach; integer, bool, float16 and complex
products raise TypeError/NotImplementedError.

The method is chosen for the target and the device (Ozaki's split-operand scheme):

* ``t >= gamma_K`` of the result dtype: the plain product (nothing to compensate).
* float32 where the device has float64: the float64 product of the float32 operands
  (exact products), rounded.
* float64: rows of ``A`` and columns of ``B`` (scaled by powers of two to maxima in
  [1/2, 1)) are split into slices of ``w`` bits with ``2 w + log2(K) <= 53``, so every
  slice product is exact in a float64 GEMM; the products of the slice pairs that matter
  are summed with error-free transformations (Sum2), the number of slices the fewest
  whose dropped terms (bounded with the slices' row/column norms) fit the target.
* the neuron device (no float64), float32: slices of at most 8 bits (bfloat16 values:
  the TensorE's fast input type) through the GEMM routing point, so the NKI GEMM kernel
  does every product. A three-way split (6 products, fp32 PSUM accumulation) gives
  float32-GEMM accuracy (``gamma_K`` of float32); tighter targets use narrower slices
  whose products are exact in fp32 (``2 w + log2(K) <= 24``), summed in double-float32.
  The slices are passed as float32 tensors holding bfloat16 values (the kernel adapter
  takes float32); on hardware a bfloat16 cast of them is exact.
"""
from __future__ import annotations

import contextlib
import contextvars
import math

import numpy as np
from ._torch import torch

from . import _convert, _dispatch, _gemm, _normalize
from ._array import TrnArray

__all__ = ["compensated_matmul"]

_TARGET = contextvars.ContextVar("trnpy_compensated_matmul", default=None)


def active():
    """The target set by :func:`compensated_matmul` (None outside one)."""
    return _TARGET.get()


@contextlib.contextmanager
def compensated_matmul(target_forward_error):
    """Inside the block ``a @ b`` and ``trnpy.matmul`` (without their own
    ``target_forward_error=``) compute products to ``target_forward_error``: see
    :mod:`trnpy._compensated` for the contract and the method."""
    tok = _TARGET.set(check_target(target_forward_error))
    try:
        yield
    finally:
        _TARGET.reset(tok)


def check_target(t):
    """``t`` as a positive float (ValueError otherwise)."""
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, float, np.integer,
                                                              np.floating)):
        raise ValueError(f"target_forward_error must be a positive float, got {t!r}")
    t = float(t)
    if not t > 0:
        raise ValueError(f"target_forward_error must be a positive float, got {t!r}")
    return t


# ---------------------------------------------------------------------------
# error-free transformations (any array module with + - *: NumPy or torch)
def two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def sum_k(terms, k=4):
    """Ogita-Rump-Oishi SumK over a list of same-shape arrays: (hi, lo) whose sum is the
    exact sum to within about ``u |s| + gamma_{2m}^k sum |p|`` (``m`` terms)."""
    p = list(terms)
    for _ in range(k - 1):                 # VecSum passes (error-free)
        for i in range(1, len(p)):
            p[i], p[i - 1] = two_sum(p[i], p[i - 1])
    lo = p[0] * 0
    for t in p[:-1]:
        lo = lo + t
    return two_sum(p[-1], lo)


def _gamma(n, u):
    return n * u / (1 - n * u)


# ---------------------------------------------------------------------------
# the two array modules the slicing runs on
class _NumPyOps:
    def __init__(self, dev):
        self.dev = dev

    def absmax(self, x, axis):
        return np.abs(x).max(axis, keepdims=True, initial=0.0)

    def pow2_inv(self, m):              # 2**-e with m < 2**e (1 where m is 0)
        return np.ldexp(np.ones_like(m), -np.frexp(np.where(m > 0, m, 1))[1])

    def norm(self, x, axis):
        return np.sqrt((x * x).sum(axis, keepdims=True))

    def mm(self, a, b):
        return np.matmul(a, b)

    def cat(self, xs, axis):
        return np.concatenate(xs, axis)

    def fmax(self, x):
        return float(x.max(initial=0.0))


class _TorchOps(_NumPyOps):
    def absmax(self, x, axis):
        return x.abs().amax(axis, keepdim=True) if x.shape[axis] else \
            x.sum(axis, keepdim=True) * 0

    def pow2_inv(self, m):
        e = torch.frexp(torch.where(m > 0, m, torch.ones_like(m))).exponent
        return torch.ldexp(torch.ones_like(m), -e)

    def norm(self, x, axis):
        # on the host in float64 NumPy: these only size the bound (no float64 tensor
        # on the device)
        return super().norm(x.cpu().numpy().astype(np.float64), axis)

    def mm(self, a, b):
        return _gemm.gemm(a.contiguous(), b.contiguous(), self.dev)

    def cat(self, xs, axis):
        return torch.cat(xs, axis)



def _slices(x, axis, w, count, acc_bits, ops):
    """``x`` (maxima along ``axis`` in [1/2, 1)) as ``count`` slices, slice ``i`` a
    multiple of ``2**-(i w)`` at most ``2**-((i-1) w)`` in magnitude (Ozaki's
    extraction: adding and subtracting ``sigma`` rounds to a multiple of its ulp), and
    the remainder."""
    out, rem = [], x
    sigma = 1.5 * 2.0 ** (acc_bits - 1 - w)
    for _ in range(count):
        s = (rem + sigma) - sigma
        out.append(s)
        rem = rem - s
        sigma *= 2.0 ** -w
    return out, rem


def _plan(alpha, beta, ra, rb, k, u_acc, u_res, exact, t):
    """The fewest slices ``p`` (pairs ``i + j <= p + 1`` kept) whose bound on the error
    relative to ``||A[i]|| ||B[:, j]||`` is ``<= t``: (p, bound) or (None, best bound).
    ``alpha[i]``, ``beta[j]``: the largest norm ratio of slice ``i`` (``j``) to its row
    (column); ``ra[p]``, ``rb[p]``: that of the remainder after ``p`` slices."""
    best = math.inf
    for p in range(1, len(alpha) + 1):
        kept = [(i, j) for i in range(p) for j in range(p) if i + j <= p - 1]
        dropped = sum(alpha[i] * beta[j] for i in range(p) for j in range(p)
                      if i + j > p - 1)
        sa, sb = sum(alpha[:p]), sum(beta[:p])
        dropped += ra[p - 1] * (sb + rb[p - 1]) + sa * rb[p - 1]
        acc = 0.0 if exact else _gamma(k, u_acc) * sa * sb
        q = len(kept)
        # Sum2 of the q partial products (Ogita-Rump-Oishi: u |C| + 3 gamma_{2q}^2 |C|
        # + gamma_{2q}^2 sum |P|, the first the result's rounding; |C| <= ||a|| ||b||)
        summ = 1.01 * u_res + 4 * _gamma(2 * q, u_acc) ** 2 * sa * sb
        bound = (dropped + acc + summ) * (1 + 1e-5) + 2.0 ** -140 * k
        if bound <= t:
            return p, bound
        best = min(best, bound)
    return None, best


def matmul(x1, x2, target, out=None):
    """``x1 @ x2`` to ``target`` (see the module docstring)."""
    (a, b), dev = _convert.as_arrays(x1, x2)
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError(f"matmul: out must be a trnpy array, not {type(out).__name__}")
        dev = _convert.same_device(a, b, out)
    t = check_target(target)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    rdt = np.result_type(a.dtype, b.dtype)
    if rdt.kind not in "f" or rdt == np.float16:
        kind = NotImplementedError if rdt.kind in "fc" else TypeError
        raise kind(f"matmul with target_forward_error takes float32/float64 operands, "
                   f"got {a.dtype} and {b.dtype}")
    dev.check_dtype(rdt)
    va, vb = a.ndim == 1, b.ndim == 1
    k = a.shape[-1]
    if b.shape[-2 if b.ndim > 1 else 0] != k:
        raise ValueError(f"matmul: Input operand 1 has a mismatch in its core dimension 0 "
                         f"(size {b.shape[-2 if b.ndim > 1 else 0]} is different from {k})")
    numpy = _dispatch.use_numpy(dev)
    ops = _NumPyOps(dev) if numpy else _TorchOps(dev)
    if numpy:
        _dispatch.route("matmul", dev)                 # (recorded: "numpy")
        ta, tb = _convert.np_view(a).astype(rdt), _convert.np_view(b).astype(rdt)
    else:
        tdt = torch.float64 if rdt == np.float64 else torch.float32
        ta, tb = a._t.to(tdt), b._t.to(tdt)
    if va:
        ta = ta[None, :]
    if vb:
        tb = tb[:, None]
    res = _product(ta, tb, rdt, dev, ops, t, k)
    if vb:
        res = res[..., 0]
    if va:
        res = res[..., 0, :] if not vb else res[..., 0]
    if numpy:
        if out is not None:
            np.copyto(_convert.np_view(out), res, casting="same_kind")
            return out
        return _convert.wrap(np.asarray(res, rdt), dev)
    if out is not None:
        return _normalize.write_out("matmul", out, res, rdt)
    return TrnArray._new(res.contiguous(), dev)


def _product(ta, tb, rdt, dev, ops, t, k):
    u_res = float(np.finfo(rdt).eps) / 2
    has64 = dev.kind != "neuron"
    if t < 2 * u_res:
        raise ValueError(f"target_forward_error={t:g} is below twice the unit roundoff of "
                         f"{rdt} (the result's own rounding)")
    if t >= _gamma(k, u_res) * (1 + 1e-5):
        return ops.mm(ta, tb)                         # the plain product meets it
    if rdt == np.float32 and has64:
        # exact float32 products, float64 sums: error u32 |C| + gamma_K(u64) |A||B|
        if t < (u_res + _gamma(k, 2.0 ** -53)) * (1 + 1e-5):
            raise ValueError(f"target_forward_error={t:g} is below what a float32 result "
                             "can hold")
        if isinstance(ta, np.ndarray):
            return np.matmul(ta.astype(np.float64), tb.astype(np.float64)).astype(rdt)
        return ops.mm(ta.double(), tb.double()).float()
    # row/column scaling by powers of two (exact): maxima in [1/2, 1)
    sa = ops.pow2_inv(ops.absmax(ta, -1))
    sb = ops.pow2_inv(ops.absmax(tb, -2))
    xa, xb = ta * sa, tb * sb
    lg = max(1, math.ceil(math.log2(max(k, 2))))
    acc_bits = 53 if rdt == np.float64 else 24
    u_acc = 2.0 ** -acc_bits
    modes = []
    if not has64:          # bfloat16 slices: a three-way split, fp32 accumulation
        modes.append((8, 3, False))
    w = (acc_bits - lg) // 2
    if not has64:
        w = min(w, 8)
    if w >= 1:             # exact slice products
        modes.append((w, min(12, -(-(acc_bits + 40) // w)), True))
    norm_a, norm_b = ops.norm(xa, -1), ops.norm(xb, -2)
    tiny = 2.0 ** -1000 if acc_bits == 53 else 2.0 ** -120
    best = math.inf
    for w, count, exact in modes:
        sl_a, _ = _slices(xa, -1, w, count, acc_bits, ops)
        sl_b, _ = _slices(xb, -2, w, count, acc_bits, ops)
        # norm ratios of the slices and of the remainders after p slices
        alpha = [ops.fmax(ops.norm(s, -1) / (norm_a + tiny)) for s in sl_a]
        beta = [ops.fmax(ops.norm(s, -2) / (norm_b + tiny)) for s in sl_b]
        ra, rb, rem_a, rem_b = [], [], xa, xb
        for sa_, sb_ in zip(sl_a, sl_b):
            rem_a, rem_b = rem_a - sa_, rem_b - sb_
            ra.append(ops.fmax(ops.norm(rem_a, -1) / (norm_a + tiny)))
            rb.append(ops.fmax(ops.norm(rem_b, -2) / (norm_b + tiny)))
        p, bound = _plan(alpha, beta, ra, rb, k, u_acc, u_res, exact, t)
        if p is None:
            best = min(best, bound)
            continue
        parts = []
        nb = xb.shape[-1]
        for i in range(p):
            js = [j for j in range(p) if i + j <= p - 1]
            prod = ops.mm(sl_a[i], ops.cat([sl_b[j] for j in js], -1))
            parts += [prod[..., c * nb:(c + 1) * nb] for c in range(len(js))]
        hi, lo = sum_k(parts, k=2)
        return (hi + lo) / sa / sb            # powers of two: exact
    raise ValueError(f"target_forward_error={t:g} cannot be reached for this product on "
                     f"{dev} (best bound {best:.2g})")
