"""Solve to a stated forward error: mixed-precision iterative refinement with an honest
bound (``solve(a, b, target_forward_error=t)`` and ``lstsq`` return ``(x, info)``).

Method (Carson & Higham's precisions: factorisation ``uf``, working ``u``, residual
``ur``):

* ``R A C`` (``R``, ``C`` powers of two: exact equilibration) is LU-factorised in
  float32 (on the host: the float32 copy scaled in place, no float64 copy of ``A``; by
  MKL through torch where torch is already imported, else by SciPy's LAPACK); the
  correction solve ``C (LU)^{-1} R`` is that LU ("LU-IR", while ``kappa * uf`` is
  small), GMRES preconditioned by it ("GMRES-IR", further), or a float64 LU ("direct",
  past that or when a method stagnates; only where the device has float64). A
  stagnating method hands its ``x`` to the next.
* Residuals: first in the working precision (one pass over ``A``) until they stagnate
  (a step contracts far less than the earlier ones; alone they stall at about the
  float64 LU's error, 1e-11 at cond 1e6), then rounds of one accurate residual ``r``
  and its correction chain (below), whose residuals ``r - A d`` are plain again: ``d``
  is about ``x``'s error, so their rounding, amplified by ``A^{-1}``, stays below 1% of
  ``d`` (checked, with a bound on it; else accurate): two accurate residuals in all on
  well-conditioned systems. Accurate residuals: float32 data ->
  float64 (exact products); float64 data -> ``A`` split into one slice per row (Ozaki's
  extraction) plus the remainder, ``x`` into 11 slices of 8 bits, so that every slice
  product is exact in one float64 GEMM; the remainder's product is one GEMV (float32
  slices on a device without float64, more and narrower, through the GEMM routing
  point); the partial products summed with error-free transformations (TwoSum,
  Ogita-Rump-Oishi's SumK). The residual's error is bounded componentwise (``g``).
* Where: host NumPy on the CPU NumPy backend (:class:`_HostEngine`); on a torch device
  with float64 (CUDA, the CPU torch backend) ``A`` stays on the device and every
  O(n^2) step (statistics, the low-precision copy, residuals, slices and their exact
  products, SumK, BERR) runs there (:class:`_DeviceEngine`); the driver and the bound
  work on O(n k) host vectors. The neuron device: :class:`_TorchEngine`.

The bound (per right-hand side, ``||x - x*||_inf / ||x*||_inf``): the error of the
returned ``x`` is exactly ``e = A^{-1} r`` (``r`` the exact residual). It is *computed*
as a chain of corrections ``d1 = solve(r)``, ``r2 = r - A d1`` (accurately),
``d2 = solve(r2)``, ...: ``e = d1 + ... + dJ + A^{-1} r_{J+1} - A^{-1}(residual
errors)``, the chain run until its last term is 5% of the sum. The unseen rest is
bounded by the larger of the last term and its geometric tail at twice the observed
contraction ``rho = max ||dj|| / ||dj-1||``. The residual errors add ``3 ||A^{-1} R^{-1}||_inf ||R g||_inf``
(Hager's estimator, rarely below a third of the norm, times 3), plus the rounding of the
sum itself. A chain that does not contract (``rho >= 1/2``) earns no bound: ``inf``,
``target_met`` False. This is Demmel et al.'s xGERFSX approach with extra-precise
residuals taken one step further: the error is computed, not bounded by
``|A^{-1}| |r|`` as LAPACK's FERR, whose overestimate grows with ``cond``. The bound is
honest as long as the measured contraction is representative ("rigorous in practice");
its ratio to the true error is 1-1.2 on most systems (``benchmarks/bench_refine.py``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
from .. import _torch
from .._torch import torch

from .. import _convert, _dispatch, _dtypes, _gemm, _tensor
from .._compensated import check_target, sum_k as _sum_k
from .._array import host
from .._linalg_functions import np_dtype_of

__all__ = ["RefineInfo"]

_U64 = 2.0 ** -53
_U32 = 2.0 ** -24


@dataclasses.dataclass(frozen=True)
class RefineInfo:
    """What ``solve``/``lstsq(..., target_forward_error=t)`` achieved.

    forward_error_bound: per right-hand side (a tuple), a bound on
        ``||x - x_true||_inf / ||x_true||_inf`` (``inf``: no bound was earned).
    backward_error: per right-hand side, the componentwise backward error
        ``max_i |b - A x|_i / (|A||x| + |b|)_i`` (LAPACK's BERR).
    condition_estimate: ``||R A||_inf ||(R A)^{-1}||_inf``, ``R`` the row equilibration
        by powers of two (Hager's estimator; for ``lstsq`` about the 2-norm condition
        number of ``A``).
    target_met: every bound is ``<= target``.
    method: ``"LU-IR"`` (low-precision LU, refinement), ``"GMRES-IR"`` (GMRES
        preconditioned by the low-precision LU) or ``"direct"`` (factorisation in the
        working precision; refinement only measures the error).
    iterations: refinement steps applied to ``x`` (all methods tried together).
    precisions: (factorisation, working, residual) precision names.
    """
    forward_error_bound: tuple
    backward_error: tuple
    condition_estimate: float
    target_met: bool
    method: str
    iterations: int
    precisions: tuple


def _slices(m, bits, count, rows):
    """Split the float64 array ``m`` into ``count`` slices of ``bits`` significant bits
    relative to the largest magnitude of each row (``rows``) or column, plus the
    remainder: ``m == sum(slices) + rem`` exactly, each slice an integer of magnitude at
    most ``2**bits`` times a power of two shared by its row/column (Ozaki's extraction:
    adding and subtracting ``sigma`` rounds to a multiple of ``ulp(sigma)``)."""
    mx = np.abs(m).max(1 if rows else 0, keepdims=True)
    e = np.frexp(np.where(mx > 0, mx, 1.0))[1]          # max < 2**e
    out, rem = [], m
    for _ in range(count):
        sigma = np.ldexp(1.5, e + 52 - bits)             # ulp(sigma) = 2**(e - bits)
        s = (rem + sigma) - sigma
        out.append(s)
        rem = rem - s
        e = e - bits
    return out, rem


# ---------------------------------------------------------------------------
# engines: a factorisation (solve, solve_h) and an accurate residual of one matrix
def _pow2_inv(m):
    """Powers of two ``2**-e`` with ``m < 2**e`` (1 where ``m`` is 0)."""
    return np.ldexp(1.0, -np.frexp(np.where(m > 0, m, 1.0))[1])


def _stats(a, shared):
    """|A|, its row maxima and sums, and the row equilibration R (powers of two), computed
    once per matrix (every engine of it shares them)."""
    if "abs" not in shared:
        abs_a = np.abs(a)
        n = a.shape[0]
        rowmax = abs_a.max(1) if a.shape[1] else np.zeros(n)
        if not np.isfinite(rowmax).all():           # max propagates NaN and inf
            raise np.linalg.LinAlgError("Array must not contain infs or NaNs")
        shared["abs"] = (abs_a, rowmax, abs_a.sum(1), _pow2_inv(rowmax))
    return shared["abs"]


class _Engine:
    """``A`` (working dtype, host NumPy, as given) with the LU of ``R A C`` in ``fdtype``
    (``R``, ``C`` powers of two, so the equilibration is exact); ``solve`` maps back."""

    def __init__(self, a, fdtype, dev, shared, scale=True, wdt=None):
        self.a, self.n, self.dev = a, a.shape[0], dev
        self.shared = shared          # per matrix: |A|, R, C, slices, across factorisations
        self.fdtype = np.dtype(fdtype)
        self.wdt = np.dtype(wdt or a.dtype)       # the data's dtype (``a`` may be wider)
        self.cplx = self.wdt.kind == "c"
        self.abs_a, self.rowmax, rowsum, rs = self._stats()
        self.rs = rs[:, None] if scale else None
        self.cs = None
        self.singular = False
        self._factor()
        if "normA" not in shared:    # ||R A C||_inf, before |A|'s memory is reused
            rc = rowsum if self.cs is None or (self.cs == 1).all() else \
                self._absmv(self.cs[0])
            shared["normA"] = float((rc * (rs if scale else 1.0)).max(initial=0.0))
        self.normA = shared["normA"]
        self._ainv = self._ainv_g = None
        self.gmres = False

    # -- the O(n^2) operations on A, over the engine's array module (here host NumPy;
    # _DeviceEngine: torch on the device); vectors in and out are host NumPy
    def _stats(self):
        return _stats(self.a, self.shared)

    def _absmv(self, v):
        """``|A| v``."""
        return self.abs_a @ v

    def _sub_prod(self, s, v):
        """``s - A v`` in ``A``'s precision."""
        return s - self.a @ v

    def _matvec(self, v, adjoint=False):
        """``A v`` (``A^H v``) in ``A``'s precision (GMRES)."""
        if not adjoint:
            return self.a @ v
        return (self.a.T @ v.conj()).conj() if self.cplx else self.a.T @ v

    def _put(self, v, dtype=np.float64):
        """Host data as an operand (``dtype``) of the engine's array module."""
        return np.asarray(v, dtype)

    def _get(self, t):
        return t

    def _low(self):
        """``R A C`` in ``fdtype`` (sets ``C`` from the column maxima of ``R A``); for a
        float32 LU of in-range data converted first and scaled in place (fewer passes
        over ``A``: this and the LU are the only O(n^2) work before refinement)."""
        a, fdt = self.a, self.fdtype
        if self.rs is None:
            return self._cast(a, fdt)
        rs = self.rs
        cs = self.shared.get("cs")
        real = np.float32 if fdt.itemsize <= 8 and fdt != np.float64 else np.float64
        fast = real == np.float32 and self.rowmax.max(initial=0.0) < 2.0 ** 100 and \
            rs.max(initial=1.0) <= 2.0 ** 40
        if fast:
            af = self._cast(a, fdt)
            af *= self._put(rs, real)
            if cs is None:
                cm = self._colmax(af)
                # a column of R A near float32's underflow: scale in float64 first
                fast = cm.min(initial=1.0) >= 2.0 ** -60
                cs = _pow2_inv(cm)[None, :] if fast else None
        if fast:
            af *= self._put(cs, real)
        else:                          # float64 LU, or data near float32's range limits
            af = a * self._put(rs)
            if cs is None:
                cs = _pow2_inv(self._colmax(af))[None, :]
            af = self._cast(af * self._put(cs), fdt)
        self.shared["cs"] = self.cs = cs
        return af

    def _cast(self, a, dtype):
        return a.astype(dtype)

    def _colmax(self, af):
        """``max |af|`` per column, host float64."""
        m = np.maximum(af.max(0), -af.min(0)) if not self.cplx else \
            np.abs(af).max(0)                            # no temporary for real data
        return m.astype(np.float64)

    # -- the correction solve in fdtype, columns scaled by powers of two so that a
    # float32 solve neither under- nor overflows
    def _scaled(self, v, fn):
        m = np.abs(v).max(0) if v.size else np.zeros(v.shape[1])
        e = np.frexp(np.where((m > 0) & np.isfinite(m), m, 1.0))[1]
        y = fn(np.ldexp(v.real, -e) + (1j * np.ldexp(v.imag, -e) if self.cplx else 0))
        y = y.astype(self.wdt, copy=False)
        return np.ldexp(y.real, e) + (1j * np.ldexp(y.imag, e) if self.cplx else 0)

    def solve(self, v):
        """About ``A^{-1} v``: ``C (LU)^{-1} R v``."""
        if self.rs is None:
            return self._scaled(v, self._lu_solve)
        return self.cs.T * self._scaled(self.rs * v, self._lu_solve)

    def solve_h(self, v):
        """About ``A^{-H} v``: ``R (LU)^{-H} C v``."""
        if self.rs is None:
            return self._scaled(v, self._lu_solve_h)
        return self.rs * self._scaled(self.cs.T * v, self._lu_solve_h)

    def ainv_norm(self):
        """Hager/Higham estimate of ``||(R A C)^{-1}||_inf`` (= ``||R^{-1} A^{-H}
        C^{-1}||_1``), with the LU solves, or GMRES's once the LU is too inaccurate for
        that (``self.gmres``)."""
        rs = 1.0 if self.rs is None else self.rs
        cs = 1.0 if self.cs is None else self.cs.T
        if self.gmres:
            if self._ainv_g is None:
                self._ainv_g = _hager(lambda v: _gmres(self, v / cs, adjoint=True) / rs,
                                      lambda v: _gmres(self, v / rs) / cs, self.n,
                                      self.wdt)
            return self._ainv_g
        if self._ainv is None:
            self._ainv = _hager(lambda v: self.solve_h(v / cs) / rs,
                                lambda v: self.solve(v / rs) / cs, self.n, self.wdt)
        return self._ainv

    def cond(self):
        """``||R A C||_inf ||(R A C)^{-1}||_inf``."""
        return self.normA * self.ainv_norm()

    def gscale(self, g):
        """``max(C) ||R g||_inf`` per column: ``||A^{-1} g|| <= ainv_norm() gscale(g)``."""
        if self.rs is None:
            return _colnorm(g)
        return _colnorm(self.rs * g) * float(self.cs.max(initial=1.0))

    def berr(self, x, b, r):
        """LAPACK's BERR: max_i |r_i| / (|A||x| + |b|)_i per column (called last: where
        |A|'s memory holds the residual's slice, |A| is rebuilt there)."""
        if self.shared.pop("abs_is_slice", False):
            np.abs(self.a, out=self.abs_a)
            self.shared.pop("host")
        return _ratio_max(np.abs(r), self.abs_a @ np.abs(x) + np.abs(b))

    # -- accurate residual b - A x (host float64/complex128 in and out) and the bound g
    # on its error (componentwise)
    def residual(self, x, b, plain=False):
        """``(r, g)``: ``r = b - A x`` and a componentwise bound ``g`` on its error;
        ``plain``: in the working precision (no bound: ``g`` is None)."""
        if plain:
            return self._sub_prod(b, x.astype(self.wdt)), None
        if self.wdt in (np.float32, np.complex64):
            return self._residual_f32(x, b)
        # products with A C and C^{-1} x (exact): x's slices then cover its equilibrated
        # components, however far apart the unscaled ones are
        if self.cs is not None and not (self.cs == 1).all():
            x = x / self.cs.T
        return self._residual64(x, b)

    def _residual_f32(self, x, b):
        """float32 data: the float64 products are exact, their sums err by ``gamma_n``."""
        if "a64" not in self.shared:
            self.shared["a64"] = self.a.astype(np.complex128 if self.cplx else np.float64)
        a = self.shared["a64"]
        r = b.astype(a.dtype) - a @ x.astype(a.dtype)
        g = (self.n + 2) * _U64 * (self.abs_a @ np.abs(x) + np.abs(b))
        return r, g

    def update(self, d, s):
        """``(s - A d, g)`` for a correction chain: ``d`` is small (about ``x``'s error),
        so the working-precision product errs by at most ``gamma ||R A C|| ||C^{-1} d||``
        per (scaled) row, whose image under ``A^{-1}`` is kept below 1% of ``d``; else
        (and for float32 data, whose accurate residual is a float64 product anyway, and on
        the neuron device) accurate."""
        if self.wdt not in (np.float64, np.complex128) or \
                (self.dev is not None and self.dev.kind == "neuron"):
            return self.residual(d, s)
        gam = (self.n + 2) * _U64 * (2 if self.cplx else 1)
        gam = gam / (1 - gam)
        dn = _colnorm(d if self.cs is None else d / self.cs.T)
        cmax = 1.0 if self.cs is None else float(self.cs.max(initial=1.0))
        if (3 * self.ainv_norm() * cmax * gam * self.normA * dn > 0.01 * _colnorm(d)).any():
            return self.residual(d, s)
        rinv = 1.0 if self.rs is None else 1.0 / self.rs
        return self._sub_prod(s, d), gam * (rinv * (self.normA * dn)[None, :] + np.abs(s))

    def _ac(self):
        """``A C`` (``A`` itself when ``C`` is 1), the matrix the residual slices split."""
        if "ac" not in self.shared:
            c = self.cs
            self.shared["ac"] = self.a if c is None or (c == 1).all() else self.a * c
        return self.shared["ac"]

    def _rowmax_ac(self):
        ac = self._ac()
        return self.rowmax if ac is self.a else np.abs(ac).max(1)

    def _residual64(self, x, b):
        parts = []
        for ar, xr, sign in self._real_pairs(x):
            parts += [sign * p for p in self._exact_products(ar, xr)]
        hi, lo = _sum_k([self._put(b.real)] + [-p for p in parts if p is not None])
        r = self._get(hi + lo)
        if self.cplx:
            hi, lo = _sum_k([self._put(b.imag)] + [-p for p in self._imag_parts(x)])
            r = r + 1j * self._get(hi + lo)
        return r, self._g(r, x, b, 4 * _U64)

    def _g(self, r, x, b, rel):
        """Componentwise bound on the error of a computed residual: ``rel |r|`` (its
        final rounding) plus the rounded remainder products and the summation error."""
        if "neuron" in self.shared:
            big = self.n * self._rowmax_ac()[:, None] * _colnorm(x)[None, :] + np.abs(b)
            return rel * np.abs(r) + self._res_tail * big
        sl = self._prep_slices()
        e = sum(m.err(x.real) + m.err(x.imag) if self.cplx else m.err(x) for m in sl.values())
        return rel * np.abs(r) + e + 2 * (64 * _U64) ** 4 * np.abs(b)

    def _real_pairs(self, x):
        """(matrix key, vector, sign) of the real part of A x."""
        if not self.cplx:
            return [("re", x, 1.0)]
        return [("re", x.real, 1.0), ("im", x.imag, -1.0)]

    def _imag_parts(self, x):
        out = []
        for key, v in (("re", x.imag), ("im", x.real)):
            out += self._exact_products(key, v)
        return out

    def _prep_slices(self):
        if "host" not in self.shared:
            ac = self._ac()
            # two slices where one would leave the remainder's rounding visible in the
            # bound (3 ||(RAC)^{-1}|| max(C) ||R g||, relative, above about 1e-17)
            cmax = self.cs.max(initial=1.0) if self.cs is not None else 1.0
            # (for n >= 512, where a second slice's two more passes over A cost more
            # than the rest of the refinement, 1/16 of the target: the bound may then
            # sit above the error, still within the target)
            lim = max(1e-17, min(self.shared.get("target", 0.0), 1e-8) / 16) \
                if self.n >= 512 else 1e-17
            cnt = _Sliced.count_for(self.n, lim / (3 * self.ainv_norm() * cmax + 1e-300))
            # x's dropped part (below 2**-(8 xcount) of its maximum) times cond: ~1e-18
            xc = max(_Sliced.XCOUNT, -(-(60 + math.ceil(math.log2(max(self.cond(), 1.0))))
                                       // _Sliced.XBITS))
            self.shared["host"] = self._make_slices(ac, cnt, xc)
        return self.shared["host"]

    def _make_slices(self, ac, cnt, xc):
        """``{"re": _Sliced of real(A C)[, "im": of imag(A C)]}``."""
        if self.cplx:
            return {k: _Sliced(np.ascontiguousarray(m, np.float64), count=cnt, xcount=xc)
                    for k, m in (("re", ac.real), ("im", ac.imag))}
        # the slice takes |A|'s memory (one n x n allocation less; berr then reads |A|
        # from it, see berr)
        abs_a, rowmax, rowsum, _ = self.shared["abs"]
        if ac is not self.a:
            rowmax, rowsum = np.abs(ac).max(1), None
        self.shared["abs_is_slice"] = True
        return {"re": _Sliced(np.asarray(ac, np.float64), rowmax, rowsum, out=abs_a,
                              count=cnt, xcount=xc)}

    def _exact_products(self, key, v):
        return self._prep_slices()[key].products(v)


class _Sliced:
    """A real float64 matrix (m, n) split for accurate products (Ozaki): ``count`` slices
    of ``bits`` bits per row plus the remainder (exact). ``products(v)`` splits each
    column of ``v`` into ``XCOUNT`` slices of ``XBITS`` bits; bits + XBITS + log2(n) <= 53
    makes every ``slice @ slice`` exact in float64, one GEMM per matrix slice (one pass
    over it), and the remainder's float64 product (one more pass) errs by about
    ``n^2 u 2**-(count bits)`` of the row maximum: one slice (two passes over ``A``) for
    well-conditioned matrices, two where that error would show in the bound."""

    XBITS, XCOUNT = 8, 11            # 88 bits of each column of v

    def __init__(self, m, rowmax=None, rowsum=None, out=None, count=1, xcount=None,
                 put=None):
        # put: host float64 data -> m's array module (torch on a device; rowmax, rowsum
        # and the error bounds stay host NumPy)
        n = m.shape[1]
        self.put = put or (lambda v: v)
        self.xcount = xcount or self.XCOUNT
        self.bits = 53 - self.XBITS - max(1, math.ceil(math.log2(max(n, 2))))
        if rowmax is None:
            rowmax, rowsum = np.abs(m).max(1), np.abs(m).sum(1)
        if rowsum is None:
            rowsum = n * rowmax                      # an upper bound is enough here
        e = np.frexp(np.where(rowmax > 0, rowmax, 1.0))[1]            # rowmax < 2**e
        sigma = np.ldexp(1.5, e + 52 - self.bits)[:, None]   # ulp(sigma) = 2**(e - bits)
        self.s, rem = [], m
        for k in range(count):
            sg = self.put(sigma)
            sl = np.add(rem, sg, out=out if k == 0 else None) if put is None else rem + sg
            sl -= sg
            self.s.append(sl)
            if k == 0:
                rem = m - sl
            else:
                rem -= sl
            sigma = sigma * 2.0 ** -self.bits
        self.rem = rem
        # error bounds relative to max|v|: the remainder's float64 product
        # (gamma_n sum|rem|, |rem| <= ulp(sigma) / 2) and the dropped part of v
        # (below 2**-(XBITS XCOUNT) of its column maximum, times sum|s| <= 2 sum|m|)
        self.rowerr = (n + 4) * _U64 * n * np.ldexp(0.5, e - count * self.bits) + \
            2 * rowsum * 2.0 ** (-self.XBITS * self.xcount)
        self.rowsum = rowsum

    @staticmethod
    def count_for(n, rem_limit):
        """Slices needed so that ``n^2 u 2**-(count bits)`` is below ``rem_limit``."""
        bits = 53 - _Sliced.XBITS - max(1, math.ceil(math.log2(max(n, 2))))
        return 1 if (n + 4) * n * _U64 * 2.0 ** -bits <= rem_limit else 2

    def products(self, v):
        """Arrays whose sum is ``m @ v`` to within :meth:`err`."""
        v = np.asarray(v, np.float64)
        xs, _ = _slices(v, self.XBITS, self.xcount, rows=False)
        xs = self.put(np.concatenate(xs, axis=1))      # splitting x: O(n k), on the host
        k = v.shape[1]
        out = []
        for s in self.s:
            p = s @ xs
            out += [p[:, i * k:(i + 1) * k] for i in range(self.xcount)]
        return out + [self.rem @ self.put(v)]

    def err(self, v):
        """Bound on the error of ``sum(products(v))`` summed by SumK (its own error:
        gamma_{2 terms}^4 times the terms' magnitudes, ``<= 4 |A||v|``, included)."""
        return (self.rowerr + 4 * (64 * _U64) ** 4 * self.rowsum)[:, None] * \
            _colnorm(v)[None, :]


def _hager(apply, apply_h, n, dtype, itmax=5):
    """Higham's LAPACK xLACON: an estimate (usually exact) of ``||B||_1`` for the operator
    ``B = apply`` with adjoint ``apply_h``."""
    if n == 0:
        return 0.0
    x = np.full((n, 1), 1.0 / n, dtype=dtype)
    est = 0.0
    jlast = -1
    for _ in range(itmax):
        y = apply(x)
        new = float(np.abs(y).sum())
        if new <= est and _ > 0:
            break
        est = new
        s = np.where(y == 0, 1, y / np.where(y == 0, 1, np.abs(y)))
        z = apply_h(s)
        j = int(np.argmax(np.abs(z.real if dtype.kind != "c" else z)))
        if j == jlast:
            break
        jlast = j
        x = np.zeros((n, 1), dtype=dtype)
        x[j] = 1
    # Higham's extra test vector with alternating signs catches the estimator's misses
    i = np.arange(n)
    alt = (np.where(i % 2, -1.0, 1.0) * (1 + i / max(n - 1, 1))).astype(dtype)[:, None]
    est = max(est, 2 * float(np.abs(apply(alt)).sum()) / (3 * n))
    return est


class _HostEngine(_Engine):
    """SciPy's LAPACK on the host (the CPU NumPy backend). ``getrf`` factorises the
    transpose ``M = (R A C)^T``: the C-ordered copy is ``M`` in Fortran order, so LAPACK
    works on it in place (no transposing copy); ``getrs`` with ``trans`` then solves with
    ``R A C`` (partial pivoting on ``M`` is column pivoting on ``R A C``, as stable)."""

    def _factor(self):
        import scipy.linalg as sl  # optional dependency: LAPACK's getrf/getrs
        af = self._low().T
        if self.n == 0:
            self.lu = None
            return
        if _torch.loaded() and self.n >= 256 and af.dtype in (np.float32, np.complex64):
            # MKL's single-precision LU (torch's) is 1.1-1.3x faster than OpenBLAS's here;
            # used only when torch is already imported (importing it costs seconds)
            lu, piv, err = torch.linalg.lu_factor_ex(torch.from_numpy(af))
            lu, piv, info = lu.numpy(), piv.numpy() - 1, int(err)
        else:
            lu, piv, info = sl.lapack.get_lapack_funcs("getrf", (af,))(af, overwrite_a=True)
        if info > 0 or not np.isfinite(lu.diagonal()).all():
            self.singular = True
        self.lu, self.piv = lu, piv
        self._getrs = sl.lapack.get_lapack_funcs("getrs", (af,))

    def _lu_solve(self, v, trans=1):
        if self.n == 0:
            return v
        x, info = self._getrs(self.lu, self.piv, v.astype(self.fdtype), trans=trans)
        return x

    def _lu_solve_h(self, v):
        # (R A C)^H = conj(M): M y' = conj(v), y = conj(y')
        if self.cplx:
            return self._lu_solve(v.conj(), trans=0).conj()
        return self._lu_solve(v, trans=0)


class _TorchEngine(_Engine):
    """The neuron device (no float64): ``A`` on the host; the LU blocked with the trailing
    updates through the GEMM routing point (the NKI GEMM kernel), and residuals from
    float32 slices summed in double-float on the device."""

    def _low_t(self):
        return torch.from_numpy(np.ascontiguousarray(self._low())).to(self.dev.torch_device)

    def _factor(self):
        af = self._low_t()
        if self.n == 0:
            self.lu = af
            return
        lu, perm = _blocked_lu(af, self.dev)
        diag = torch.diagonal(lu)
        if not bool(torch.isfinite(lu).all()) or bool((diag == 0).any()):
            self.singular = True
        self.lu, self.perm = lu, perm
        self.iperm = torch.argsort(perm)

    def _t(self, v):
        return torch.from_numpy(np.ascontiguousarray(v.astype(self.fdtype))).to(
            self.lu.device)

    def _lu_solve(self, v):
        if self.n == 0:
            return v
        t = self._t(v)[self.perm]
        t = torch.linalg.solve_triangular(self.lu, t, upper=False, unitriangular=True)
        t = torch.linalg.solve_triangular(self.lu, t, upper=True)
        return t.cpu().numpy()

    def _lu_solve_h(self, v):
        if self.n == 0:
            return v
        luh = self.lu.mH
        t = torch.linalg.solve_triangular(luh, self._t(v), upper=False)
        t = torch.linalg.solve_triangular(luh, t, upper=True, unitriangular=True)
        return t[self.iperm].cpu().numpy()

    def _exact_products(self, key, v):
        return _neuron_products(self, key, v)

    def _residual64(self, x, b):
        return _neuron_residual(self, x, b)


class _DeviceEngine(_TorchEngine):
    """A torch device with float64 (CUDA, the CPU torch backend): ``A`` stays there as a
    float64/complex128 tensor (``wdt`` the data's dtype) and every O(n^2) step runs there
    with torch: |A|'s row statistics, the equilibrated copy for the LU, the plain
    residuals, the Ozaki slices and their exact float64 products (exact whatever the
    summation order: the same terms as the host's), SumK, BERR. Only O(n k) vectors (x,
    residuals, corrections) and O(n) scalings cross to the host, where the driver and
    the bound's arithmetic run, as for the host engine."""

    _exact_products = _Engine._exact_products          # not the neuron device's
    _residual64 = _Engine._residual64

    def _put(self, v, dtype=np.float64):
        return torch.from_numpy(np.ascontiguousarray(v, dtype)).to(self.a.device)

    def _get(self, t):
        return t.cpu().numpy()

    def _stats(self):
        sh = self.shared
        if "abs" not in sh:
            abs_a = self.a.abs()
            rowmax = self._get(abs_a.amax(1))           # amax propagates NaN
            if not np.isfinite(rowmax).all():
                raise np.linalg.LinAlgError("Array must not contain infs or NaNs")
            sh["abs"] = (abs_a, rowmax, self._get(abs_a.sum(1)), _pow2_inv(rowmax))
        return sh["abs"]

    def _absmv(self, v):
        return self._get(self.abs_a @ self._put(v))

    def _sub_prod(self, s, v):
        dt = self.a.dtype
        return self._get(self._put(s, s.dtype).to(dt) - self.a @ self._put(v, v.dtype).to(dt))

    def _matvec(self, v, adjoint=False):
        t = self._put(v, v.dtype).to(self.a.dtype)
        return self._get((self.a.mH if adjoint else self.a) @ t)

    def _factor(self):
        # the transpose M = (R A C)^T, as the host's getrf: Fortran-ordered as LAPACK and
        # cuSOLVER want it, and its row pivoting is the host's column pivoting of R A C
        self.lu, self.piv, info = torch.linalg.lu_factor_ex(self._low().mT)
        self.singular = int(info) > 0 or not bool(torch.isfinite(torch.diagonal(self.lu))
                                                  .all())

    def _lu_solve(self, v, adjoint=True):
        # R A C = M^T = conj(M^H), (R A C)^H = conj(M): conjugated in and out (complex)
        t = self._t(v)
        t = t.conj() if self.cplx else t
        y = torch.linalg.lu_solve(self.lu, self.piv, t, adjoint=adjoint)
        return self._get((y.conj() if self.cplx else y).resolve_conj())

    def _lu_solve_h(self, v):
        return self._lu_solve(v, adjoint=False)

    def _cast(self, a, dtype):
        return a.to(_dtypes.to_torch(np.dtype(dtype)))

    def _colmax(self, af):
        m = af.abs().amax(0) if self.cplx else torch.maximum(af.amax(0), -af.amin(0))
        return self._get(m).astype(np.float64)

    def _ac(self):
        if "ac" not in self.shared:
            c = self.cs
            self.shared["ac"] = self.a if c is None or (c == 1).all() else \
                self.a * self._put(c)
        return self.shared["ac"]

    def _make_slices(self, ac, cnt, xc):
        _, rowmax, rowsum, _ = self.shared["abs"]
        parts = [("re", ac.real), ("im", ac.imag)] if self.cplx else [("re", ac)]
        out = {}
        for k, m in parts:
            m = m.contiguous()
            if self.cplx:                                # as the host's (_Sliced's own)
                am = m.abs()
                rowmax, rowsum = self._get(am.amax(1)), self._get(am.sum(1))
            elif ac is not self.a:
                rowmax, rowsum = self._get(m.abs().amax(1)), None
            out[k] = _Sliced(m, rowmax, rowsum, count=cnt, xcount=xc, put=self._put)
        return out

    def _residual_f32(self, x, b):
        # A is held in float64 here: these products are the host's (its "a64")
        high = np.complex128 if self.cplx else np.float64
        r = self._sub_prod(b.astype(high), x.astype(high))
        return r, (self.n + 2) * _U64 * (self._absmv(np.abs(x)) + np.abs(b))

    def berr(self, x, b, r):
        return _ratio_max(np.abs(r), self._absmv(np.abs(x)) + np.abs(b))


def _blocked_lu(a, dev):
    """Right-looking blocked LU with partial pivoting of a float32 tensor: panels by
    torch's getrf, the trailing update ``A22 -= L21 @ U12`` through ``_gemm.gemm`` (so on
    the neuron device the NKI GEMM kernel does the O(n^3) work). Returns (LU, perm) with
    ``a[perm] = L U``."""
    n = a.shape[0]
    nb = min(128, max(8, n // 4))     # TensorE tiles are 128; small n still blocks
    a = a.clone()
    perm = torch.arange(n, device=a.device)
    for k in range(0, n, nb):
        e = min(k + nb, n)
        lu_p, piv, _ = torch.linalg.lu_factor_ex(a[k:, k:e])
        p = torch.lu_unpack(lu_p, piv, unpack_data=False)[0].argmax(-2)
        a[k:] = a[k:][p]
        perm[k:] = perm[k:][p]
        a[k:, k:e] = lu_p
        if e < n:
            u12 = torch.linalg.solve_triangular(a[k:e, k:e], a[k:e, e:], upper=False,
                                                unitriangular=True)
            a[k:e, e:] = u12
            a[e:, e:] -= _gemm.gemm(a[e:, k:e].contiguous(), u12.contiguous(), dev)
    return a, perm


def _neuron_products(eng, key, v):
    """Exact float32 products of float32 slices (Ozaki): bits(A) + bits(x) + log2(n) <= 24,
    each product through the GEMM routing point. Returns float32 tensors."""
    bits, prep = _neuron_prep(eng)
    sl, rem = prep[key]
    tdev = eng.lu.device
    v = np.asarray(v, np.float64)
    xs, _ = _slices(v, bits, len(sl) + 2, rows=False)   # on the host: splitting data
    k = v.shape[1]
    xt = torch.from_numpy(np.concatenate(xs, 1).astype(np.float32)).to(tdev)
    keep = eng._keep
    out = []
    for s, sm in enumerate(sl):
        m = max(0, min(len(xs), keep - s))
        if m:
            p = _gemm.gemm(sm, xt[:, :m * k].contiguous(), eng.dev)
            out += [p[:, i * k:(i + 1) * k] for i in range(m)]
    xr = torch.from_numpy(v.astype(np.float32)).to(tdev)
    out.append(_gemm.gemm(rem, xr, eng.dev))
    return out


def _neuron_prep(eng):
    if "neuron" not in eng.shared:
        lg = max(1, math.ceil(math.log2(max(eng.n, 2))))
        bits = max(1, (24 - lg) // 2)
        count = -(-53 // bits) + 1         # the remainder then holds (almost) nothing
        ac = eng._ac()
        mats = {"re": np.asarray(ac.real, np.float64)}
        if eng.cplx:
            mats["im"] = np.asarray(ac.imag, np.float64)
        prep = {}
        tdev = eng.dev.torch_device
        for key, m in mats.items():
            sl, rem = _slices(m, bits, count, rows=True)
            # each slice is exact in float32 (bits <= 24); the remainder is below
            # 2**-(count*bits) of the row maximum
            prep[key] = ([torch.from_numpy(s.astype(np.float32)).to(tdev) for s in sl],
                         torch.from_numpy(rem.astype(np.float32)).to(tdev))
        keep = -(-(53 + 40) // bits)             # products below 2**-93 |A||x| dropped
        # dropped products, the remainder's float32 product, SumK's error (float32)
        terms = 3 + count * (count + 2)    # an upper bound on SumK's term count
        # dropped products, x's dropped part (below 2**-(count+2)bits), the
        # remainder's float32 product, SumK's error (float32)
        tail = 2.0 ** (-bits * keep) * count * (count + 2) * 4 + \
            2.0 ** (-bits * (count + 2)) + \
            (eng.n + 4) * _U32 * 2.0 ** (-bits * count) + 2 * (2 * terms * _U32) ** 5
        eng.shared["neuron"] = (bits, prep, keep, tail)
    bits, prep, eng._keep, eng._res_tail = eng.shared["neuron"]
    return bits, prep


def _f32_parts(v, count=3):
    """float64 host data as ``count`` float32 parts (exact for count=3)."""
    out = []
    for _ in range(count):
        p = v.astype(np.float32)
        out.append(p)
        v = v - p.astype(np.float64)
    return out


def _neuron_residual(eng, x, b):
    """b - A x with every arithmetic operation on the device in float32: exact slice
    products, then SumK (error-free TwoSum passes) in float32; the host adds the two
    float32 halves of the result."""
    tdev = eng.lu.device

    def acc(bpart, prods):
        terms = [torch.from_numpy(p).to(tdev) for p in _f32_parts(bpart)]
        terms += [-p for p in prods]
        hi, lo = _sum_k(terms, k=5)
        return hi.cpu().numpy().astype(np.float64) + lo.cpu().numpy().astype(np.float64)

    prods = []
    for key, v, sign in eng._real_pairs(x):
        prods += [sign * p for p in _neuron_products(eng, key, v)]
    r = acc(np.ascontiguousarray(b.real, np.float64), prods)
    if eng.cplx:
        r = r + 1j * acc(np.ascontiguousarray(b.imag, np.float64), eng._imag_parts(x))
    return r, eng._g(r, x, b, 4 * _U32 * _U32 + 2 * _U64)


# ---------------------------------------------------------------------------
# GMRES preconditioned by the low-precision LU
def _gmres(eng, r, tol=1e-10, maxit=None, adjoint=False):
    """Solve ``A d = r`` (``A^H d = r``) column by column: GMRES on ``M^{-1} A_s d_s =
    M^{-1} r_s`` in the equilibrated coordinates (``A_s = R A C``, ``M`` its
    low-precision LU, ``d = C d_s``, ``r_s = R r``; for ``A^H``: ``A_s^H``, ``d = R
    d_s``, ``r_s = C r``), the products with ``A`` in the working precision (on the
    neuron device: its float32 slice products summed in double-float, so no float64
    product of ``A`` runs anywhere; the O(n k) Gram-Schmidt work stays on the host, as
    do the adjoint's products, used only by the condition estimate)."""
    n = eng.n
    rs = 1.0 if eng.rs is None else eng.rs[:, 0]
    cs = 1.0 if eng.cs is None else eng.cs[0]
    if adjoint:
        def pre(v):
            return eng._scaled(v, eng._lu_solve_h)
        left, right = cs, rs

        def a(v):
            return left * eng._matvec(right * v, adjoint=True)
    else:
        def pre(v):
            return eng._scaled(v, eng._lu_solve)

        if eng.dev is not None and eng.dev.kind == "neuron":
            zero = np.zeros((n, 1))

            def a(v):       # A's products on the device: the double-float residual's
                return rs * -eng.residual((cs * v)[:, None], zero)[0][:, 0]
        else:
            def a(v):
                return rs * eng._matvec(cs * v)
        left, right = rs, cs
    r = r * (left[:, None] if np.ndim(left) else left)
    maxit = maxit or min(n, 60)
    out = np.zeros_like(r)
    for j in range(r.shape[1]):
        z = pre(r[:, j:j + 1])[:, 0]
        beta = np.linalg.norm(z)
        if beta == 0:
            continue
        V = np.zeros((n, maxit + 1), dtype=r.dtype)
        H = np.zeros((maxit + 1, maxit), dtype=r.dtype)
        V[:, 0] = z / beta
        y = None
        for k in range(maxit):
            w = pre(a(V[:, k])[:, None])[:, 0]
            for i in range(k + 1):                       # modified Gram-Schmidt, twice
                h = np.vdot(V[:, i], w)
                H[i, k] += h
                w = w - h * V[:, i]
            for i in range(k + 1):
                h = np.vdot(V[:, i], w)
                H[i, k] += h
                w = w - h * V[:, i]
            H[k + 1, k] = np.linalg.norm(w)
            e1 = np.zeros(k + 2, dtype=r.dtype)
            e1[0] = beta
            y, *_ = np.linalg.lstsq(H[:k + 2, :k + 1], e1, rcond=None)
            res = np.linalg.norm(H[:k + 2, :k + 1] @ y - e1)
            if H[k + 1, k] == 0 or res <= tol * beta:
                break
            V[:, k + 1] = w / H[k + 1, k]
        out[:, j] = V[:, :len(y)] @ y
    return out * (right[:, None] if np.ndim(right) else right)


# ---------------------------------------------------------------------------
# the refinement driver
def _colnorm(v):
    return np.abs(v).max(0) if v.shape[0] else np.zeros(v.shape[1])


def _chain(eng, correct, r, g, colscale, goal_abs, maxlen):
    """The corrections ``d1 = correct(r)``, ``r2 = r - A d1`` (:meth:`_Engine.update`:
    plain where ``d`` is small enough), ``d2 = correct(r2)``, ...: ``x``'s error is their
    sum plus the unseen rest and the residuals' errors. The chain runs until its last
    term is 5% of the sum and either the sum is within ``goal_abs`` (per column; ``x`` is
    then good enough) or the last term is ``goal_abs / 16`` (``x`` plus the sum is), or
    the last term nears the residuals' noise, or a step contracts by less than 1/2.
    Returns (corrections, componentwise residual error bounds summed, max contraction)."""
    ds, gsum, rho = [correct(r)], np.abs(g), 0.0
    cmax = float(colscale.max(initial=1.0))
    for _ in range(maxlen):
        last = _colnorm(colscale * ds[-1])
        total = _colnorm(colscale * sum(ds))
        if (last <= 0.05 * total).all():
            if (total <= goal_abs).all() or (last <= goal_abs / 16).all():
                break
            if (last <= 4 * 3 * eng.ainv_norm() * eng.gscale(gsum) * cmax).all():
                break
        r, g2 = eng.update(ds[-1], r)
        gsum = gsum + g2
        d = correct(r)
        nnew = _colnorm(colscale * d)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(last > 0, nnew / np.where(last > 0, last, 1),
                             np.where(nnew > 0, np.inf, 0.0))
        rho = max(rho, float(ratio.max(initial=0.0)))
        ds.append(d)
        if not rho < 0.5:
            break
    return ds, gsum, rho


def _bound(eng, x, ds, gsum, rho, colscale, part=None):
    """The forward-error bound of ``x`` (``colscale`` maps its coordinates to the
    caller's; ``part``: the rows that are the caller's x, see :func:`refine_minnorm`)
    from its correction chain (:func:`_chain`); returns the relative bound per column
    (``inf`` where none is earned) and the caller's x."""
    part = slice(None) if part is None else part
    xo = (colscale * x)[part]
    if not rho < 0.5:
        return np.full(x.shape[1], np.inf), xo
    total = (colscale * sum(ds))[part]
    # the unseen rest A^{-1} r_{J+1}: at most the last term again (GMRES's corrections
    # need not contract geometrically), or the doubled rate's geometric tail
    rhat = 2 * rho
    tail = _colnorm(colscale * ds[-1]) * max(1.0, rhat / (1 - rhat))
    # the residuals' rounding errors: ||C A^{-1} g|| <= max(C) ||A^{-1} R^{-1}||_inf
    # ||R g||_inf (R the engine's row scaling, C the column scaling of lstsq's x)
    gterm = 3 * eng.ainv_norm() * eng.gscale(gsum) * float(colscale.max(initial=1.0))
    # Sigma d is summed in the corrections' precision: J u sum ||d_i|| more; (1 + 8u)
    # covers this evaluation's own rounding
    ud = float(np.finfo(ds[0].dtype).eps)
    absb = (_colnorm(total) + tail + gterm
            + len(ds) * ud * sum(_colnorm(colscale * v) for v in ds)) * (1 + 8 * _U64)
    xn = _colnorm(xo)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(absb < xn, absb / np.where(absb < xn, xn - absb, 1), np.inf)
    return np.where(absb == 0, 0.0, rel), xo


def _name(dt):
    return {np.float32: "float32", np.float64: "float64", np.complex64: "complex64",
            np.complex128: "complex128"}[np.dtype(dt).type]


def refine(a, b, target, dev, part=None, wdt=None):
    """Driver: ``a`` (n, n) a NumPy array or a torch tensor (then on a device with
    float64) with the working dtype's values (``wdt``, default ``a``'s), ``b`` (n, k) a
    NumPy array in it, ``dev`` where the factorisation and residual products run;
    ``part``: the rows of x wanted (and bounded). Returns (x, RefineInfo), x on the
    host."""
    wdt = np.dtype(wdt or a.dtype)
    cplx = wdt.kind == "c"
    low = np.dtype(np.complex64 if cplx else np.float32)
    high = np.dtype(np.complex128 if cplx else np.float64)
    if _dispatch.use_numpy(dev):
        engine = _HostEngine
    elif dev.kind == "neuron":
        engine = _TorchEngine
    else:                   # A to the device (where it is not already), held in float64
        engine = _DeviceEngine
        a = (torch.from_numpy(a) if isinstance(a, np.ndarray) else a).to(
            device=dev.torch_device, dtype=_dtypes.to_torch(high)).contiguous()
    u_w = float(np.finfo(wdt).eps) / 2
    rname = "float64" if wdt == low else \
        ("double-float32" if dev.kind == "neuron" else "double-float64")
    has64 = dev.kind != "neuron"
    shared = {"target": target}
    eng = engine(a, low, dev, shared, wdt=wdt)
    kappa = math.inf if eng.singular else eng.cond()
    plans = []
    if not eng.singular:
        # LU-IR contracts by about kappa * uf per step (kappa here the infinity-norm
        # estimate, often 10-100x the 2-norm one); GMRES-IR goes much further (Carson &
        # Higham); a stagnating method hands its x to the next
        plans += [("LU-IR", low)] * (kappa * _U32 < 8) + \
            [("GMRES-IR", low)] * (kappa * _U32 < 1e4)
    if has64:
        plans.append(("direct" if wdt == high else "LU-IR", high))
    # plain working-precision residuals (one pass over A instead of two) until they
    # stagnate, at about what float64 LU reaches (kappa_eff sqrt(n) u), or get near u;
    # then accurate ones
    cheap_limit = 1e3 * u_w if wdt == high else 0.0
    return _iterate(plans, lambda fdt: engine(a, fdt, dev, shared, wdt=wdt), eng, b, b,
                    np.ones((1, 1)), target, wdt, rname, cheap_limit, part)


def _iterate(plans, make, eng, rhs, rhs0, colscale, target, wdt, rname, cheap_limit,
             part=None):
    """Refine with each (method, factorisation dtype) of ``plans`` in turn until the
    bound meets ``target``; ``eng.residual(x, rhs)`` is the accurate residual and
    ``correct(rhs0)`` the first solution; ``part``: the rows of x that are the
    caller's. Returns (caller's x, RefineInfo)."""
    if not plans:
        _singular()
    high = np.dtype(np.complex128 if wdt.kind == "c" else np.float64)
    u_w = float(np.finfo(wdt).eps) / 2
    goal = max(target / 8, 2 * u_w)
    iters, best, x = 0, None, None
    for p, (method, fdt) in enumerate(plans):
        if fdt != eng.fdtype:
            eng = make(fdt)
            if eng.singular:
                _singular()
        eng.gmres = method == "GMRES-IR"
        correct = (lambda v, e=eng: _gmres(e, v)) if eng.gmres else eng.solve
        if x is None or not np.isfinite(x).all():
            x = correct(rhs0.astype(high)).astype(wdt)
        steps = {"LU-IR": 30, "GMRES-IR": 10, "direct": 10}[method]
        prev, stalled, rmin = np.inf, False, 1.0
        # plain working-precision residuals first, while they are not yet noise
        while 0 < cheap_limit < 1e-2 and steps > 0:
            steps -= 1
            r, _ = eng.residual(x, rhs, plain=True)
            d = correct(r)
            rel = float((_colnorm(colscale * d) /
                         np.maximum(_colnorm(colscale * x), 1e-300)).max(initial=0.0))
            if not np.isfinite(rel):
                stalled = True
                break
            if rel < cheap_limit or rel > min(0.5, 4 * rmin) * prev:
                # the noise shows (the step contracts far less than the earlier ones);
                # d, still shrinking, is no worse than x's error and is kept
                if rel < 0.5 * prev:
                    x = (x + d).astype(wdt)
                    iters += 1
                break
            x = (x + d).astype(wdt)
            iters += 1
            rmin, prev = min(rmin, rel / prev) if prev < np.inf else rmin, rel
        # then rounds of one accurate residual and its correction chain (plain residuals
        # of the small corrections) until the chain's sum, x's error, is within the goal
        while True:
            xn = np.maximum(_colnorm(colscale * x), 1e-300)
            r, g = eng.residual(x, rhs)
            ds, gsum, rho = _chain(eng, correct, r, g, colscale, goal * xn,
                                   max(steps, 3))
            steps -= len(ds)
            rel = float((_colnorm(colscale * sum(ds)) / xn).max(initial=0.0))
            if not np.isfinite(rel) or not rho < 0.5:
                stalled = True
                break
            if rel <= goal or steps <= 0:
                stalled = rel > goal
                break
            x = (x + sum(ds)).astype(wdt)
            iters += len(ds)
        # the plan was chosen on the LU's own condition estimate; where GMRES's (better)
        # one puts GMRES-IR out of its range its chain can miss part of x's error (the
        # 10x exploration: cond 1e13, bound 0.8x the true error): no bound from it
        unearned = method == "GMRES-IR" and eng.cond() * _U32 >= 1e4
        if (stalled or unearned) and p < len(plans) - 1:
            continue
        fe, xo = _bound(eng, x, ds, gsum, rho, colscale, part)
        if unearned:
            fe = np.full_like(fe, np.inf)
        if best is None or _worse(best[1], fe):
            best = (x, fe, method, eng, r, xo)
        if (fe <= target).all() or fe.max(initial=0.0) <= 8 * u_w:
            break
    x, fe, method, eng, r, xo = best
    info = RefineInfo(forward_error_bound=tuple(float(v) for v in fe),
                      backward_error=tuple(float(v) for v in eng.berr(x, rhs, r)),
                      condition_estimate=float(eng.cond()),
                      target_met=bool((fe <= target).all()), method=method,
                      iterations=iters,
                      precisions=(_name(eng.fdtype), _name(wdt), rname))
    return xo.astype(wdt), info


def _worse(fe_a, fe_b):
    return float(np.max(fe_a, initial=0)) > float(np.max(fe_b, initial=0))


def _singular():
    raise np.linalg.LinAlgError("Singular matrix")


def _ratio_max(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(den > 0, num / np.where(den > 0, den, 1), np.where(num != 0, np.inf, 0))
    return q.max(0) if q.shape[0] else np.zeros(q.shape[1])


class _LSEngine(_Engine):
    """Least squares with a full-column-rank ``M`` (rows >= columns, real or complex):
    refinement of the normal equations ``M^H M x = s`` with the triangular factor R of
    M's QR (Bjorck's corrected semi-normal equations): ``correct(s) = R^{-1} R^{-H} s``;
    ``residual(x, s)`` is ``s - M^H M x`` and, for ``s`` the right-hand side ``b``
    itself, ``M^H (b - M x)``, both accurate (the inner residual kept as a
    double-float64 pair)."""

    def __init__(self, a, fdtype, b, shared):
        self.b = b
        self.m_a = a
        super().__init__(a, fdtype, None, shared, scale=False)

    def _factor(self):
        import scipy.linalg as sl  # optional dependency: LAPACK's trtrs
        self._trsm = sl.solve_triangular
        a = self.m_a
        self.n = a.shape[1]
        self.abs_a = np.abs(a)
        self.rowmax = self.abs_a.max(1) if a.size else np.zeros(a.shape[0])
        r = np.linalg.qr(a.astype(self.fdtype), mode="r")
        d = np.abs(np.diagonal(r))
        self.singular = not (d.min(initial=np.inf) >
                             a.shape[1] * float(np.finfo(self.fdtype).eps) * d.max(initial=0))
        self.r = r

    def _lu_solve(self, v):
        y = self._trsm(self.r, v.astype(self.fdtype), trans="C", check_finite=False)
        return self._trsm(self.r, y, check_finite=False)

    _lu_solve_h = _lu_solve

    def cond(self):
        """About cond_2(M): sqrt of the infinity-norm condition of M^H M."""
        nrm = float((self.abs_a.T @ self.abs_a).sum(1).max(initial=0.0))
        return math.sqrt(nrm * self.ainv_norm())

    def _ops(self):
        """Sliced M and M^T per real part (real, imaginary)."""
        if "ops" not in self.shared:
            mm = self.m_a
            parts = [("re", mm.real)] + ([("im", mm.imag)] if self.cplx else [])
            self.shared["ops"] = {
                k: (_Sliced(np.ascontiguousarray(v, np.float64)),
                    _Sliced(np.ascontiguousarray(v.T, np.float64))) for k, v in parts}
        return self.shared["ops"]

    def _prod(self, v, adj):
        """``M v`` (``adj``: ``M^H v``) as lists of terms summing to its real and
        imaginary parts (None for real data), and a bound on the sums' error."""
        ops = self._ops()
        re = ops["re"][adj]
        if not self.cplx:
            return re.products(v), None, re.err(v)
        im = ops["im"][adj]
        sg = -1.0 if adj else 1.0                        # M^H = Mr^T - i Mi^T
        vr, vi = np.ascontiguousarray(v.real), np.ascontiguousarray(v.imag)
        real = re.products(vr) + [-sg * p for p in im.products(vi)]
        imag = re.products(vi) + [sg * p for p in im.products(vr)]
        return real, imag, re.err(vr) + re.err(vi) + im.err(vr) + im.err(vi)

    def _sums(self, base, real, imag, sign=1.0):
        """``base + sign * sum(terms)`` as a (hi, lo) pair, complex where the data are."""
        hi, lo = _sum_k([np.ascontiguousarray(base.real, np.float64)] +
                        [sign * p for p in real])
        if imag is None:
            return hi, lo
        hi2, lo2 = _sum_k([np.ascontiguousarray(base.imag, np.float64)] +
                          [sign * p for p in imag])
        return hi + 1j * hi2, lo + 1j * lo2

    def residual(self, x, s, plain=False):
        high = np.complex128 if self.cplx else np.float64
        x = np.asarray(x, high)
        mm = self.m_a
        if s is self.b:
            t0, s0, bb = s, np.zeros((self.n, x.shape[1]), high), np.abs(s)
        else:
            t0, s0, bb = np.zeros((mm.shape[0], x.shape[1]), high), s, 0.0
        real, imag, ex = self._prod(x, False)
        t_hi, t_lo = self._sums(t0, real, imag, -1.0)
        real, imag, et = self._prod(t_hi, True)
        low = mm.conj().T @ t_lo
        u_hi, u_lo = self._sums(s0, real + [low.real],
                                None if imag is None else imag + [low.imag])
        r = u_hi + u_lo
        at = self.abs_a.T
        g = (4 * _U64 * np.abs(r) + et
             + (mm.shape[0] + 2) * _U64 * (2 if self.cplx else 1) * (at @ np.abs(t_lo))
             + at @ (ex + 4 * _U64 * _U64 * (self.abs_a @ np.abs(x) + bb)))
        return r, g

    def update(self, d, s):
        return self.residual(d, s)

    def berr(self, x, s, r):
        """Componentwise backward error of the normal equations:
        max |M^H (b - M x)| / (|M^H| (|M| |x| + |b|))."""
        at = self.abs_a.T
        return _ratio_max(np.abs(r), at @ (self.abs_a @ np.abs(x) + np.abs(self.b)))


def refine_ls(a, b, target):
    """lstsq driver (host), m >= n: ``a`` (m, n), ``b`` (m, k), real or complex."""
    wdt = a.dtype
    cplx = wdt.kind == "c"
    low = np.dtype(np.complex64 if cplx else np.float32)
    high = np.dtype(np.complex128 if cplx else np.float64)
    m = np.abs(a).max(0)
    cs = np.ldexp(1.0, -np.frexp(np.where(m > 0, m, 1.0))[1])
    a_s = (a * cs[None, :]).astype(wdt)
    shared = {}
    eng = _LSEngine(a_s, low, b, shared)
    kappa = math.inf if eng.singular else eng.cond()
    # the semi-normal equations contract by about kappa(A)^2 * uf per step
    plans = [("LU-IR", low)] * (kappa * kappa * _U32 < 0.5)
    plans.append(("direct" if wdt == high else "LU-IR", high))
    rname = "float64" if wdt == low else "double-float64"
    # the first solution's right-hand side A^H b in the high precision: in the working
    # one its rounding, amplified by 1/sigma_min^2, can swamp x where refinement then
    # stalls (complex64, cond 2e8: x came back 0)
    rhs0 = a_s.astype(high).conj().T @ b.astype(high)
    return _iterate(plans, lambda fdt: _LSEngine(a_s, fdt, b, shared), eng, b,
                    rhs0, cs[:, None], target, wdt, rname, 0.0)


def refine_minnorm(a, b, target, dev):
    """lstsq driver, m < n (full row rank): the minimum-norm solution is the x of the
    square system ``[[alpha I, A^H], [A, 0]] [x; z] = [0; b]`` (``x = -A^H z / alpha``
    lies in A^H's range and solves ``A x = b``), refined and bounded by :func:`refine`
    on the rows of x. ``alpha``, a power of two near ``||x|| / ||(A A^H)^{-1} b||``
    from a first float64 solve, balances the two blocks (Bjorck's scaled augmented
    system: its condition is then about that of A, not its square)."""
    m, n = a.shape
    # the scale from A's SVD (A A^H squares the condition number: its solve can fail
    # in float64 for cond(A) ~ 1e9): x0 = V S^-1 c, y0 = U S^-2 c with c = U^H b
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    if not s.size or s[-1] == 0:
        raise np.linalg.LinAlgError("rank-deficient")
    c = u.conj().T @ b
    x0, y0 = c / s[:, None], c / (s * s)[:, None]
    ratio = float(np.linalg.norm(x0)) / max(float(np.linalg.norm(y0)), 1e-300)
    alpha = math.ldexp(1.0, math.frexp(ratio)[1]) if 0 < ratio < math.inf else 1.0
    k = np.zeros((n + m, n + m), a.dtype)
    k[:n, :n] = alpha * np.eye(n)
    k[:n, n:] = a.conj().T
    k[n:, :n] = a
    rhs = np.zeros((n + m, b.shape[1]), a.dtype)
    rhs[n:] = b
    return refine(k, rhs, target, dev, part=slice(0, n))


# ---------------------------------------------------------------------------
# public entry points (``solve``/``lstsq`` with ``target_forward_error=``)
_STRUCT = {None: "gen", "gen": "gen", "general": "gen", "banded": "gen", "sym": "sym",
           "symmetric": "sym", "her": "her", "hermitian": "her", "pos": "her",
           "positive definite": "her", "diagonal": "diagonal",
           "tridiagonal": "tridiagonal", "upper triangular": "upper",
           "lower triangular": "lower"}


def _structured(a, kind, lower):
    """The full matrix SciPy's ``assume_a`` reads: only one triangle, band or diagonal
    (``a`` a NumPy array or a torch tensor)."""
    if kind == "gen":
        return a
    xp = np if isinstance(a, np.ndarray) else torch
    if kind in ("sym", "her"):
        t = xp.tril(a) if lower else xp.triu(a)
        s = xp.tril(a, -1) if lower else xp.triu(a, 1)
        s = s.T.conj() if kind == "her" else s.T
        full = t + s
        if kind == "her" and xp is np:
            full[np.diag_indices_from(full)] = full.diagonal().real
        elif kind == "her" and full.is_complex():
            full.diagonal().imag.zero_()
        return full
    if kind == "diagonal":
        return xp.diag(xp.diagonal(a))
    if kind == "tridiagonal":
        return xp.triu(xp.tril(a, 1), -1)
    return xp.tril(a) if kind == "lower" else xp.triu(a)


def _operands(a, b, target):
    (a, b), dev = _convert.as_arrays(a, b)
    target = check_target(target)
    wdt = np_dtype_of(np.linalg.solve, a.dtype, b.dtype)
    return a, b, dev, target, wdt


def _where(device, dev):
    return dev if device is None else _convert.target_device(device)


def _finite(*xs):
    for x in xs:
        if isinstance(x, np.ndarray) and x.size and not np.isfinite(x).all() or \
                not isinstance(x, np.ndarray) and not bool(torch.isfinite(x).all()):
            raise np.linalg.LinAlgError("Array must not contain infs or NaNs")


def solve(a, b, target_forward_error, *, assume_a=None, lower=False, transposed=False,
          device=None):
    """``x, info = solve(a, b, target_forward_error=t)``: ``x`` solves ``a @ x = b`` with
    ``info.forward_error_bound`` (per right-hand side) a bound on its relative error
    ``||x - x_true||_inf / ||x_true||_inf``, ``info.target_met`` whether every bound is
    ``<= t`` (see :class:`RefineInfo` and this module's docstring for the method and the
    bound). ``a`` is one (n, n) matrix (no batches); ``b`` (n,) or (n, k). ``device`` is
    where the factorisation and the residual products run (default: the operands'
    device); on the neuron device float64 data stay on the host and no float64
    arithmetic runs on the device; on a device with float64 (CUDA) ``a`` stays there
    (no host copy of it is made). ``assume_a``/``lower``/``transposed`` as SciPy's
    (the matrix is read as SciPy reads it, then solved by LU)."""
    if target_forward_error is None:
        raise TypeError("device= is only used with target_forward_error=")
    a, b, dev_in, target, wdt = _operands(a, b, target_forward_error)
    if a.ndim != 2 or b.ndim not in (1, 2):
        raise NotImplementedError("solve with target_forward_error takes one (n, n) matrix "
                                  "and b of shape (n,) or (n, k); loop over batches")
    if a.shape[0] != a.shape[1]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    n = a.shape[0]
    if b.shape[0] != n:
        raise ValueError(f"solve: b has {b.shape[0]} rows, a is {n}x{n}")
    kind = _STRUCT.get(assume_a, None)
    if kind is None:
        raise ValueError(f"{assume_a!r} is not a recognized matrix structure")
    dev = _where(device, dev_in)
    if _dispatch.use_numpy(dev) or dev.kind == "neuron":
        ah = _structured(host(a).astype(wdt, copy=False), kind, bool(lower))
    else:                  # a device with float64: A stays there (refine's _DeviceEngine)
        ah = _structured(_tensor.torch_as(a._t, wdt), kind, bool(lower))
    if transposed:
        ah = ah.T
    bh = host(b).astype(wdt, copy=False)
    _finite(bh)                       # a's finiteness: with its row maxima (one pass less)
    vec = bh.ndim == 1
    bh = bh[:, None] if vec else bh
    if n == 0 or bh.shape[1] == 0:
        _finite(ah)
        x = np.zeros(bh.shape, wdt)
        info = RefineInfo((0.0,) * bh.shape[1], (0.0,) * bh.shape[1], 0.0, True, "direct",
                          0, (_name(wdt),) * 3)
    else:
        x, info = refine(np.ascontiguousarray(ah) if isinstance(ah, np.ndarray) else ah,
                         np.ascontiguousarray(bh), target, dev, wdt=wdt)
    if vec:
        x = x[:, 0]
    return _convert.asarray(x, device=dev_in), info


def lstsq(a, b, target_forward_error, *, rcond=None):
    """``x, info = lstsq(a, b, target_forward_error=t)``: NumPy's ``lstsq(a, b)[0]`` for
    a full-rank (m, n) system, real or complex: for m >= n the least-squares solution,
    for m < n the minimum-norm one; ``info`` as for :func:`solve`
    (``forward_error_bound`` bounds ``||x - x_ls||_inf / ||x_ls||_inf``; ``method``
    "LU-IR" is refinement with the low-precision QR factor, "direct" with the
    working-precision one; ``backward_error`` that of the normal equations
    (``A^H A x = A^H b``, for m < n ``A A^H y = b``); ``condition_estimate`` about
    cond_2(a)). Rank-deficient ``a`` raises LinAlgError: its least-squares solutions
    are not unique (NumPy picks the minimum-norm one through an rcond cut), so there is
    no forward error to bound."""
    if rcond is not None:
        raise ValueError("lstsq: rcond= cannot be combined with target_forward_error= "
                         "(the refinement needs full column rank)")
    a, b, dev, target, wdt = _operands(a, b, target_forward_error)
    if a.ndim != 2 or b.ndim not in (1, 2):
        raise np.linalg.LinAlgError(f"{a.ndim if a.ndim != 2 else b.ndim}-dimensional "
                                    "array given. Array must be two-dimensional")
    m, n = a.shape
    if b.shape[0] != m:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    ah, bh = host(a).astype(wdt, copy=False), host(b).astype(wdt, copy=False)
    _finite(ah, bh)
    vec = bh.ndim == 1
    bh = bh[:, None] if vec else bh
    if n == 0 or m == 0 or bh.shape[1] == 0:
        x = np.zeros((n, bh.shape[1]), wdt)
        info = RefineInfo((0.0,) * bh.shape[1], (0.0,) * bh.shape[1], 0.0, True, "direct",
                          0, (_name(wdt),) * 3)
    else:
        try:
            if m < n:
                x, info = refine_minnorm(ah, bh, target, dev)
            else:
                x, info = refine_ls(np.ascontiguousarray(ah), np.ascontiguousarray(bh),
                                    target)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                "lstsq with target_forward_error: a is rank-deficient (to working "
                "precision), so its least-squares solution is not unique and has no "
                "forward error to bound; call lstsq without target_forward_error for "
                "NumPy's minimum-norm answer") from None
    if vec:
        x = x[:, 0]
    return _convert.asarray(x, device=dev), info
