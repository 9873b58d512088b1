"""NumPy's legacy polynomial API: poly1d, polyfit/polyval, roots/poly, polynomial
arithmetic and calculus, and vander.

CPU arrays on the NumPy backend call NumPy; the torch path composes trnpy functions
(coefficient vectors are short, so host-side loops over coefficients are fine) and uses
torch.linalg for ``poly``'s eigenvalues and the SVD least-squares fit; ``roots`` takes its
companion matrix's eigenvalues from NumPy's LAPACK on the host, as NumPy does.
"""
from __future__ import annotations

import builtins
import operator
import sys
import warnings

import numpy as np
from . import _torch
from ._torch import torch

from . import (_convert, _creation, _dispatch, _dtypes, _elementwise, _manipulation, _math,
               _reductions, _searching, _tensor)
from ._array import TrnArray
from ._elementwise import _cdiv, _cmul
from ._math import convolve
from ._normalize import normalizer, np_views

__all__ = ["poly1d", "polyfit", "polyval", "roots", "polyder", "polyint", "polyadd",
           "polysub", "polymul", "polydiv", "poly", "vander", "RankWarning"]

RankWarning = np.exceptions.RankWarning


def _w(r, dev):
    return _convert.wrap(r, dev)


def _coeffs(p, dev=None):
    if isinstance(p, poly1d):
        return p.coeffs
    return _convert.as_array(p, dev)


@normalizer(np.vander, "x")
def vander(x, N=None, increasing=False):
    """Vandermonde matrix: columns are powers of ``x`` (decreasing unless ``increasing``)."""
    dev = x._device
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    if N is None:
        N = x.shape[0]
    N = operator.index(N)
    rdt = _dtypes.as_dtype(np.promote_types(x.dtype, int))
    # NumPy's ValueErrors for the shape (not torch's) before the device's dtype check
    _creation._check_size(_creation._shape((x.shape[0], N)), rdt)
    dev.check_dtype(rdt)
    xt = _tensor.compute_tensor(x._t, rdt)
    v = torch.empty((x.shape[0], N), dtype=xt.dtype, device=xt.device)
    if N > 0:
        v[:, 0] = 1
    if N > 1:
        v[:, 1:] = xt[:, None]
        v = torch.cumprod(v, dim=1)
    if not increasing:
        v = v.flip(1)
    return TrnArray._new(_tensor.from_compute(v.contiguous(), rdt), dev)


def polyval(p, x):
    """Value of polynomial ``p`` (highest power first) at ``x`` (Horner's scheme)."""
    if isinstance(p, poly1d):
        p = p.coeffs
    if isinstance(x, poly1d):
        y = poly1d([0])
        for pv in _iter_host(_convert.as_array(p)):
            y = y * x + pv
        return y
    (p, x), dev = _convert.as_arrays(p, x)
    if _dispatch.use_numpy(dev):
        return _w(np.polyval(*np_views(p, x)), dev)
    y = _creation.zeros_like(x)
    for i in range(p.shape[0] if p.ndim else 0):
        y = _elementwise.add(_elementwise.multiply(y, x), p[i])
    if p.ndim == 0:
        raise TypeError("iteration over a 0-d array")
    return y


def _iter_host(p):
    return list(_convert.host(p))


def _strip_leading(p: TrnArray):
    """Drop leading zeros (keeping at least one coefficient)."""
    h = _convert.host(p) if p.size < 1 << 16 else None
    nz = np.flatnonzero(h) if h is not None else \
        _convert.host(_searching.flatnonzero(p))
    if len(nz) == 0:
        return p[-1:] if p.shape[0] else p
    return p[int(nz[0]):]


def _roots_check(p):
    if p.ndim == 0:                     # NumPy's TypeError (its dispatcher iterates p)
        raise TypeError("roots: p must be a 1-d sequence of coefficients, not a scalar")


@normalizer(np.roots, "p", check=_roots_check)
def roots(p):
    """Roots of the polynomial with coefficients ``p`` (companion-matrix eigenvalues)."""
    dev = p._device
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    # the companion matrix is degree x degree, and its eigenvalues are NumPy's own
    # LAPACK geev on the host: torch's (MKL's geev, MAGMA's on CUDA) differ from it far
    # beyond rounding where the problem is ill-conditioned (the small roots of
    # [1, 36028797018963963, 1, 1, 1] come out 10x off)
    h = _convert.host(p)
    nz = np.flatnonzero(h)
    # NumPy's companion matrix has p's float dtype; other input makes it float64, here the
    # device's default float (float32 on the neuron device, which has no float64)
    rdt = p.dtype if p.dtype.kind in "fc" else dev.default_dtype("real floating")
    if len(nz) == 0:
        return _convert.asarray(np.array([]), dtype=rdt, device=dev)
    trailing = h.shape[0] - int(nz[-1]) - 1
    h = h[int(nz[0]):int(nz[-1]) + 1].astype(rdt)
    N = h.shape[0]
    if N > 1:
        A = np.diag(np.ones(N - 2, dtype=rdt), -1)
        A[0, :] = -h[1:] / h[0]
        r = np.linalg.eigvals(A)
    else:
        r = np.zeros(0, dtype=rdt)
    r = np.concatenate([r, np.zeros(trailing, dtype=r.dtype)])
    return _convert.asarray(r, device=dev)


@normalizer(np.poly, "seq_of_zeros")
def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots (or of a square
    matrix's characteristic polynomial)."""
    s = seq_of_zeros
    dev = s._device
    if s.ndim == 0:        # NumPy: its dispatcher iterates over the argument
        raise TypeError("poly: seq_of_zeros must be a sequence of roots or a square "
                        "matrix, not a scalar")
    sh = s.shape
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        dev.check_dtype(np.float64)
        z = torch.linalg.eigvals(_tensor.cast_tensor(s._t, np.result_type(s.dtype, np.float64)))
        if builtins.bool((z.imag == 0).all()):
            z = z.real.contiguous()
    elif len(sh) == 1:
        dt = s.dtype if s.dtype.char in "GDFgdf" else np.dtype(np.float64)
        dev.check_dtype(dt)
        z = _tensor.cast_tensor(s._t, dt)
    else:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if z.shape[0] == 0:
        return _convert.asarray(1.0, device=dev)
    a = torch.ones(1, dtype=z.dtype, device=z.device)
    zero = torch.zeros(1, dtype=z.dtype, device=z.device)
    for k in range(z.shape[0]):
        a = torch.cat([a, zero]) - torch.cat([zero, a * z[k]])
    if a.is_complex():
        zh = z.cpu().numpy().astype(complex)
        if np.all(np.sort(zh) == np.sort(zh.conjugate())):
            a = a.real.contiguous()
    return TrnArray._new(a, dev)


def polyder(p, m=1):
    """m-th derivative of a polynomial."""
    m = builtins.int(m)                 # as NumPy: int('3') is 3, int(-2.5) is -2
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    truepoly = isinstance(p, poly1d)
    c = _coeffs(p)
    dev = c._device
    if _dispatch.use_numpy(dev):
        r = _w(np.polyder(_convert.np_view(c), m), dev)
    elif c.ndim == 0:
        raise TypeError("len() of unsized object")
    else:
        # NumPy's steps are c[:-1] * arange(n, 0, -1), once per order and once more
        # (discarded) at order 0: their shapes first (a fixed point once n is 0), then
        # NumPy's recursion limit, before any dtype check of the device
        shape = c.shape
        for _ in range(m + 1):
            n = builtins.max(shape[0] - 1, 0)
            try:
                shape = np.broadcast_shapes((n,) + shape[1:], (n,))
            except ValueError:
                raise ValueError("operands could not be broadcast together with shapes "
                                 f"{(n,) + shape[1:]} {(n,)}") from None
            if n == 0:
                break
        if m >= sys.getrecursionlimit():
            raise RecursionError("maximum recursion depth exceeded: polyder recurses "
                                 "once per order of the derivative, as NumPy's")
        r = c
        for _ in range(m):
            r = _elementwise.multiply(r[:-1], _creation.arange(r.shape[0] - 1, 0, -1,
                                                                device=dev))
    return poly1d(r) if truepoly else r


def polyint(p, m=1, k=None):
    """m-th antiderivative of a polynomial (integration constants ``k``)."""
    m = builtins.int(m)                 # as NumPy: int('3') is 3, int(-2.5) is -2
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    truepoly = isinstance(p, poly1d)
    c = _coeffs(p)
    dev = c._device
    if _dispatch.use_numpy(dev):
        kk = _convert.host(k) if isinstance(k, TrnArray) else k
        r = _w(np.polyint(_convert.np_view(c), m, kk), dev)
        return poly1d(r) if truepoly else r
    if c.ndim == 0:
        raise TypeError("len() of unsized object")
    if k is None:
        k = np.zeros(m, float)
    k = np.atleast_1d(_convert.host(k) if isinstance(k, TrnArray) else k)
    if len(k) == 1 and m > 1:
        k = k[0] * np.ones(m, float)
    if len(k) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    if m == 0:
        r = c
    else:
        y = _manipulation.concatenate((_elementwise.divide(c, _creation.arange(c.shape[0], 0, -1, device=dev)),
                           _convert.asarray(k[:1], device=dev)))
        r = polyint(y, m - 1, k=k[1:])
    return poly1d(r) if truepoly else r


def _pad_add(a1, a2, sub):
    a1, a2 = _manipulation.atleast_1d(a1), _manipulation.atleast_1d(a2)
    diff = a2.shape[0] - a1.shape[0]
    if diff > 0:
        a1 = _manipulation.concatenate((_creation.zeros(diff, dtype=a1.dtype, device=a1._device), a1))
    elif diff < 0:
        a2 = _manipulation.concatenate((_creation.zeros(-diff, dtype=a2.dtype, device=a2._device), a2))
    return _elementwise.subtract(a1, a2) if sub else _elementwise.add(a1, a2)


def polyadd(a1, a2):
    """Sum of two polynomials."""
    return _polyaddsub(a1, a2, False)


def polysub(a1, a2):
    """Difference of two polynomials."""
    return _polyaddsub(a1, a2, True)


def _polyaddsub(a1, a2, sub):
    truepoly = isinstance(a1, poly1d) or isinstance(a2, poly1d)
    (c1, c2), dev = _convert.as_arrays(_coeffs(a1), _coeffs(a2))
    if _dispatch.use_numpy(dev):
        r = _w((np.polysub if sub else np.polyadd)(*np_views(c1, c2)), dev)
    else:
        r = _pad_add(c1, c2, sub)
    return poly1d(r) if truepoly else r


def polymul(a1, a2):
    """Product of two polynomials."""
    truepoly = isinstance(a1, poly1d) or isinstance(a2, poly1d)
    (c1, c2), dev = _convert.as_arrays(_coeffs(a1), _coeffs(a2))
    if _dispatch.use_numpy(dev):
        r = _w(np.polymul(*np_views(c1, c2)), dev)
    else:
        # NumPy goes through poly1d, which strips leading zeros
        r = convolve(_strip_leading(_manipulation.atleast_1d(c1)), _strip_leading(_manipulation.atleast_1d(c2)))
    return poly1d(r) if truepoly else r


def polydiv(u, v):
    """Quotient and remainder of polynomial division."""
    truepoly = isinstance(u, poly1d) or isinstance(v, poly1d)
    (cu, cv), dev = _convert.as_arrays(_coeffs(u), _coeffs(v))
    if _dispatch.use_numpy(dev):
        q, r = np.polydiv(*np_views(cu, cv))
        q, r = _w(q, dev), _w(r, dev)
    else:
        uu = _elementwise.add(_manipulation.atleast_1d(cu), 0.0)
        vv = _elementwise.add(_manipulation.atleast_1d(cv), 0.0)
        if uu.ndim > 1 or vv.ndim > 1:
            # NumPy stores each quotient term into a 1-D array
            raise ValueError("setting an array element with a sequence.")
        w = _elementwise.add(uu[0], vv[0])
        m, n = uu.shape[0] - 1, vv.shape[0] - 1
        dt = _dtypes.compute_torch(w.dtype)
        ut, vt = _tensor.compute_tensor(uu._t, w.dtype), _tensor.compute_tensor(vv._t, w.dtype)
        # NumPy's complex products and quotients, so that cancellations (the remainder's
        # near-zero leading terms, which decide its trimming) round as NumPy's do
        mul = _cmul if dt.is_complex else torch.mul
        # NumPy computes 1/v[0] in v's own dtype
        v0 = _tensor.compute_tensor(vv._t)[0]
        scale = (_cdiv if v0.is_complex() else torch.div)(torch.ones_like(v0), v0).to(dt)
        q = torch.zeros(builtins.max(m - n + 1, 1), dtype=dt, device=ut.device)
        rr = ut.clone()
        for k in range(0, m - n + 1):
            d = mul(scale, rr[k])
            q[k] = d
            rr[k:k + n + 1] -= mul(d, vt)
        rr_a = TrnArray._new(rr, dev)
        while rr_a.shape[-1] > 1 and _math.allclose(rr_a[0], 0, rtol=1e-14):
            rr_a = rr_a[1:]
        q, r = TrnArray._new(q, dev), rr_a
    if truepoly:
        return poly1d(q), poly1d(r)
    return q, r


def _lstsq_t(A: torch.Tensor, b: torch.Tensor, rcond):
    """SVD least squares as LAPACK's gelsd: (x, residuals, rank, singular values)."""
    U, s, Vh = torch.linalg.svd(A, full_matrices=False)
    m, n = A.shape
    cutoff = rcond * s.max() if s.numel() else 0.0
    keep = s > cutoff
    rank = int(keep.sum())
    inv = torch.where(keep, 1.0 / torch.where(keep, s, torch.ones_like(s)), torch.zeros_like(s))
    Ub = U.mH @ b
    x = Vh.mH @ (inv.reshape(-1, *([1] * (b.dim() - 1))) * Ub)
    if rank == n and m > n:
        resid = (A @ x - b).abs().pow(2).sum(0).reshape(-1)
    else:
        resid = torch.zeros(0, dtype=s.dtype, device=s.device)
    return x, resid, rank, s


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit (NumPy's ``polyfit``, all its returns)."""
    (x, y, w), dev = _convert.as_arrays(x, y, w, optional=(2,))
    if _dispatch.use_numpy(dev):
        r = np.polyfit(*np_views(x, y), deg, rcond=rcond, full=full,
                       w=None if w is None else _convert.np_view(w), cov=cov)
        if isinstance(r, tuple):
            return tuple(_w(v, dev) if isinstance(v, np.ndarray) else v for v in r)
        return _w(r, dev)
    order = int(deg) + 1
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")
    xf = _elementwise.add(x, 0.0)
    yf = _elementwise.add(y, 0.0)
    cdt = np.result_type(xf.dtype, yf.dtype, np.float64) if dev.kind != "neuron" else \
        np.result_type(xf.dtype, yf.dtype)
    dev.check_dtype(cdt)
    if rcond is None:
        rcond = len(x) * np.finfo(np.result_type(xf.dtype, np.float64)).eps
    lhs = _tensor.cast_tensor(vander(xf, order)._t, cdt)
    rhs = _tensor.cast_tensor(yf._t, cdt)
    if w is not None:
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        wt = _tensor.cast_tensor(w._t, cdt)
        lhs = lhs * wt[:, None]
        rhs = rhs * wt if rhs.dim() == 1 else rhs * wt[:, None]
    scale = lhs.abs().pow(2).sum(0).sqrt()
    lhs = lhs / scale
    c, resids, rank, s = _lstsq_t(lhs, rhs, rcond)
    c = c / scale if c.dim() == 1 else c / scale[:, None]
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", RankWarning, stacklevel=2)
    C = TrnArray._new(c, dev)
    if full:
        return (C, TrnArray._new(resids, dev), np.int32(rank), TrnArray._new(s, dev), rcond)
    if cov:
        if rank < order:
            # NumPy's inv of the singular normal matrix fails here
            raise np.linalg.LinAlgError("Singular matrix")
        try:
            Vbase = torch.linalg.inv(lhs.mH @ lhs)
        except RuntimeError as e:
            raise np.linalg.LinAlgError(str(e)) from None
        Vbase = Vbase / torch.outer(scale, scale)
        if cov == "unscaled":
            fac = 1
        else:
            if len(x) <= order:
                raise ValueError("the number of data points must exceed order to scale the "
                                 "covariance matrix")
            fac = resids / (len(x) - order)
        if rhs.dim() == 1:
            return C, TrnArray._new(Vbase * fac, dev)
        fac_t = fac if _torch.is_tensor(fac) else torch.tensor(float(fac))
        return C, TrnArray._new(Vbase[:, :, None] * fac_t, dev)
    return C


class poly1d:
    """A one-dimensional polynomial (NumPy's ``poly1d``) with trnpy coefficients."""

    __hash__ = None
    _coeffs = None
    _variable = None

    def __init__(self, c_or_r, r=False, variable=None):
        if isinstance(c_or_r, poly1d):
            self._variable = c_or_r._variable
            self._coeffs = c_or_r._coeffs
            if variable is not None:
                self._variable = variable
            return
        if r:
            c_or_r = poly(c_or_r)
        c = _manipulation.atleast_1d(_convert.as_array(c_or_r))
        if c.ndim > 1:
            raise ValueError("Polynomial must be 1d only.")
        c = _strip_leading(c)
        if c.shape[0] == 0:
            c = _convert.asarray([0], dtype=c.dtype, device=c._device)
        self._coeffs = c
        self._variable = "x" if variable is None else variable

    @property
    def coeffs(self):
        return self._coeffs

    @coeffs.setter
    def coeffs(self, value):
        if value is not self._coeffs:
            raise AttributeError("Cannot set attribute")

    c = coef = coefficients = coeffs

    @property
    def variable(self):
        return self._variable

    @property
    def order(self):
        return self._coeffs.shape[0] - 1

    o = order

    @property
    def roots(self):
        return roots(self._coeffs)

    r = roots

    def _host(self):
        return np.poly1d(_convert.host(self._coeffs), variable=self._variable)

    def __array__(self, t=None, copy=None):
        return np.asarray(self._coeffs, dtype=t, copy=copy)

    def __repr__(self):
        vals = repr(_convert.host(self._coeffs))[6:-1]
        return f"poly1d({vals})"

    def __len__(self):
        return self.order

    def __str__(self):
        return str(self._host())

    def __call__(self, val):
        return polyval(self._coeffs, val)

    def __neg__(self):
        return poly1d(_elementwise.negative(self._coeffs))

    def __pos__(self):
        return self

    def __mul__(self, other):
        if np.isscalar(other) or (isinstance(other, TrnArray) and other.ndim == 0):
            return poly1d(_elementwise.multiply(self._coeffs, other))
        return poly1d(polymul(self._coeffs, _coeffs(poly1d(other))))

    def __rmul__(self, other):
        if np.isscalar(other) or (isinstance(other, TrnArray) and other.ndim == 0):
            return poly1d(_elementwise.multiply(other, self._coeffs))
        return poly1d(polymul(_coeffs(poly1d(other)), self._coeffs))

    def __add__(self, other):
        return poly1d(polyadd(self._coeffs, poly1d(other)._coeffs))

    def __radd__(self, other):
        return poly1d(polyadd(poly1d(other)._coeffs, self._coeffs))

    def __sub__(self, other):
        return poly1d(polysub(self._coeffs, poly1d(other)._coeffs))

    def __rsub__(self, other):
        return poly1d(polysub(poly1d(other)._coeffs, self._coeffs))

    def __pow__(self, val):
        if not np.isscalar(val) or int(val) != val or val < 0:
            raise ValueError("Power to non-negative integers only.")
        res = poly1d(_convert.asarray([1], device=self._coeffs._device))
        for _ in range(int(val)):
            res = poly1d(polymul(self._coeffs, res._coeffs))
        return res

    def __truediv__(self, other):
        if np.isscalar(other) or (isinstance(other, TrnArray) and other.ndim == 0):
            return poly1d(_elementwise.divide(self._coeffs, other))
        return polydiv(self, poly1d(other))

    def __rtruediv__(self, other):
        if np.isscalar(other):
            return poly1d(_elementwise.divide(other, self._coeffs))
        return polydiv(poly1d(other), self)

    def __eq__(self, other):
        if not isinstance(other, poly1d):
            return NotImplemented
        if self._coeffs.shape != other._coeffs.shape:
            return False
        return builtins.bool(_reductions.all(_elementwise.equal(self._coeffs, other._coeffs)))

    def __ne__(self, other):
        if not isinstance(other, poly1d):
            return NotImplemented
        return not self.__eq__(other)

    def __getitem__(self, val):
        ind = self.order - val
        if val > self.order:
            return self._coeffs.dtype.type(0)
        if val < 0:
            return self._coeffs.dtype.type(0)
        return self._coeffs[ind]

    def __iter__(self):
        return iter(self._coeffs)

    def integ(self, m=1, k=0):
        return poly1d(polyint(self._coeffs, m=m, k=k))

    def deriv(self, m=1):
        return poly1d(polyder(self._coeffs, m=m))
