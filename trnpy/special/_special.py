"""``trnpy.special``: SciPy's special functions on trnpy arrays.

Elementwise functions are trnpy ufuncs around ``scipy.special``'s NumPy ufuncs: SciPy's
loops give the result dtypes (float32 -> float32, ints -> float64, float16 -> float32)
and the CPU NumPy backend runs SciPy itself on the zero-copy view. The torch path
(CUDA, neuron, ``cpu_backend("torch")``) uses ``torch.special`` where it has the
function and a torch formula otherwise (``gamma``, ``betaln``, ``rel_entr``,
``erfcinv``, Riemann ``zeta``, ``polygamma``); complex input there raises
NotImplementedError naming the function and device (torch.special is real only).

Accuracy notes for the torch path: ``gamma`` is ``sign * exp(gammaln)`` (relative error
about ``|gammaln(x)| * eps``), and ``betaln`` is ``gammaln(a) + gammaln(b) -
gammaln(a + b)`` (absolute error about ``gammaln(a + b) * eps``, so it loses relative
accuracy when one argument is huge and the result is small).
"""
from __future__ import annotations

import functools
import math

import numpy as np
import warnings
from .._torch import torch

from .. import _convert, _normalize, _tensor
from .._array import TrnArray
from .._ufunc import ufunc

__all__ = ["erf", "erfc", "erfinv", "erfcinv", "gamma", "gammaln", "digamma", "polygamma",
           "betaln", "expit", "logit", "log_ndtr", "ndtr", "ndtri", "xlogy", "xlog1py",
           "entr", "rel_entr", "i0", "i0e", "i1", "i1e", "sinc", "logsumexp", "softmax",
           "log_softmax", "zeta"]


def _real_only(name, fn):
    def f(*ts):
        for t in ts:
            if t.is_complex():
                raise NotImplementedError(
                    f"trnpy.special.{name}: complex input is not supported on the torch "
                    f"path (device {t.device}); torch.special is real only")
        # a name is torch.special's function, looked up here so that torch loads on use
        return (getattr(torch.special, fn.split(".")[1]) if type(fn) is str else fn)(*ts)
    return f


def _erfcinv(y):
    if y.dtype == torch.float32 and y.device.type in ("cpu", "cuda"):
        # y / 2 underflows for float32 subnormals; where float64 exists, halve in it
        return _erfcinv(y.double()).float()
    return -torch.special.ndtri(y / 2) * (1 / math.sqrt(2))


def _gamma(x):
    r = torch.exp(torch.special.gammaln(x))
    fl = torch.floor(x)
    neg_odd = (x < 0) & (torch.remainder(fl, 2) == 1)
    sign = torch.where(neg_odd | ((x == 0) & torch.signbit(x)), -1.0, 1.0).to(x.dtype)
    pole = ((x < 0) & (fl == x)) | (x == -math.inf)
    return torch.where(pole, math.nan, sign * r)


def _betaln(a, b):
    g = torch.special.gammaln
    r = g(a) + g(b) - g(a + b)
    # SciPy's limits where the gammaln sum is inf - inf
    big = ((a == math.inf) & torch.isfinite(b) & (b > 0)) | \
        ((b == math.inf) & torch.isfinite(a) & (a > 0))
    r = torch.where(big, -math.inf, r)
    zero = (a == 0) | (b == 0)
    return torch.where(zero, math.inf, r)


def _gammaln(x):
    return torch.where(x == -math.inf, -math.inf, torch.special.gammaln(x))


def _ndtr(x):
    # torch's float32 ndtr flushes to 0 below about -5.5; erfc keeps the tail
    return 0.5 * torch.special.erfc(x * (-1 / math.sqrt(2)))


def _rel_entr(x, y):
    r = x / y
    # x / y can overflow (or underflow) in float32 where SciPy works in double
    val = torch.where(torch.isfinite(r) & (r > 0), x * torch.log(r),
                      x * (torch.log(x) - torch.log(y)))
    res = torch.where((x > 0) & (y > 0), val,
                      torch.where((x == 0) & (y >= 0), torch.zeros_like(val),
                                  torch.full_like(val, math.inf)))
    return torch.where(torch.isnan(x) | torch.isnan(y), math.nan, res)


def _hurwitz(x, q):
    r = torch.special.zeta(x, q)
    # zeta(x, +inf) = 0 for x > 1 (torch gives nan)
    return torch.where((q == math.inf) & (x > 1), torch.zeros_like(r), r)


@functools.lru_cache(maxsize=None)
def _borwein(n=40):
    """Coefficients c_k with eta(s) = sum_k c_k (k+1)^-s (Borwein's algorithm 2)."""
    d = []
    acc = 0.0
    for i in range(n + 1):
        acc += math.factorial(n + i - 1) * 4 ** i / (math.factorial(n - i) *
                                                     math.factorial(2 * i))
        d.append(n * acc)
    return tuple(-(-1) ** k * (d[k] - d[n]) / d[n] for k in range(n))


def _riemann(s):
    """Riemann zeta for real s: torch's Hurwitz zeta at q=1 for s >= 1, the alternating
    (eta) series for -1 < s < 1, and the functional equation for s <= -1."""
    one = torch.ones((), dtype=s.dtype, device=s.device)
    big = torch.special.zeta(torch.where(s >= 1, s, 2 * one), one)
    c = torch.tensor(_borwein(), dtype=torch.float64, device=s.device)
    k1 = torch.arange(1, len(c) + 1, dtype=torch.float64, device=s.device)
    sm = torch.where((s > -1) & (s < 1), s, 0.5 * one).to(torch.float64)
    eta = (c * torch.exp(-sm[..., None] * torch.log(k1))).sum(-1)
    mid = (eta / (1 - torch.exp2(1 - sm))).to(s.dtype)
    sn = torch.where(s <= -1, s, -one).to(torch.float64)
    refl = torch.special.zeta(1 - sn, torch.ones((), dtype=torch.float64, device=s.device))
    neg = (torch.exp2(sn) * torch.pow(torch.tensor(math.pi, dtype=torch.float64), sn - 1)
           * torch.sin(math.pi * sn / 2) * torch.exp(torch.special.gammaln(1 - sn)) * refl)
    neg = torch.where(torch.remainder(sn, 2) == 0, 0.0, neg).to(s.dtype)  # trivial zeros
    res = torch.where(s >= 1, big, torch.where(s > -1, mid, neg))
    return torch.where((s == -math.inf) | torch.isnan(s), math.nan, res)


# name -> (torch implementation, number of inputs)
_TORCH = {
    "erf": "special.erf", "erfc": "special.erfc", "erfinv": "special.erfinv",
    "erfcinv": _erfcinv, "gamma": _gamma, "gammaln": _gammaln,
    "digamma": "special.digamma", "betaln": _betaln, "expit": "special.expit",
    "logit": "special.logit", "log_ndtr": "special.log_ndtr",
    "ndtr": _ndtr, "ndtri": "special.ndtri",
    "xlogy": "special.xlogy", "xlog1py": "special.xlog1py",
    "entr": "special.entr", "rel_entr": _rel_entr, "i0": "special.i0",
    "i0e": "special.i0e", "i1": "special.i1", "i1e": "special.i1e",
}

_UFUNCS: dict = {}


def _ufunc(name):
    u = _UFUNCS.get(name)
    if u is None:
        import scipy.special  # lazy: SciPy loads on first use, not with trnpy
        np_u = getattr(scipy.special, name)
        if not isinstance(np_u, np.ufunc):
            # SCIPY_ARRAY_API=1 replaces the public names with dispatching wrappers;
            # the NumPy ufunc itself stays in scipy.special._ufuncs
            from scipy.special import _ufuncs  # lazy: SciPy loads on first use, not with trnpy
            np_u = getattr(_ufuncs, name)
        u = _UFUNCS[name] = ufunc(name, np_u, _real_only(name, _TORCH[name]))
    return u


# ---------------------------------------------------------------------------
# non-ufunc functions
def _operands(*xs):
    return _convert.as_operands(xs)


def _oracle_arg(x):
    return np.ones(1, x.dtype) if isinstance(x, TrnArray) else x


def _result_dtype(fn, *ops, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.asarray(fn(*[_oracle_arg(o) for o in ops], **kw)).dtype


def _operand_tensor(o, dt, dev):
    if isinstance(o, TrnArray):
        return _tensor.cast_tensor(o._t, dt)
    return _tensor.scalar_tensor(o, np.dtype(dt), dev)


def _deliver(res, dev, out):
    if out is None:
        return res
    return _normalize.deliver(res, out, "special")


def _sp():
    import scipy.special as sp  # lazy: SciPy loads on first use, not with trnpy
    return sp


@_normalize.normalizer(lambda n, x: _sp().polygamma(n, x), ("n", "x"), scalars=True)
def polygamma(n, x):
    """Polygamma function psi^(n)(x) (``scipy.special.polygamma``)."""
    sp = _sp()
    ops, dev = _operands(n, x)
    rdt = _result_dtype(sp.polygamma, *ops)
    dev.check_dtype(rdt)
    if rdt.kind == "c" or any(isinstance(o, TrnArray) and o.dtype.kind == "c" for o in ops):
        raise NotImplementedError(f"trnpy.special.polygamma: complex input is not "
                                  f"supported on {dev}")
    tn, tx = (_operand_tensor(o, rdt, dev) for o in ops)
    # SciPy's definition: digamma for n == 0, else (-1)^(n+1) n! zeta(n+1, x)
    fac = torch.pow(torch.tensor(-1.0, dtype=tn.dtype, device=tn.device), tn + 1) * \
        _gamma(tn + 1)
    # SciPy evaluates digamma in x's own loop dtype (float32 stays float32)
    ddt = _result_dtype(sp.digamma, ops[1])
    dg = torch.special.digamma(_operand_tensor(ops[1], ddt, dev)).to(tx.dtype)
    res = torch.where(tn == 0, dg, fac * _hurwitz(tn + 1, tx))
    return TrnArray._new(res, dev)


@_normalize.normalizer(lambda x, q=None, out=None: _sp().zeta(x, q, out=out), ("x", "q"),
                       scalars=True, out="out")
def zeta(x, q=None, out=None):
    """Riemann (``q=None``) or Hurwitz zeta function (``scipy.special.zeta``)."""
    sp = _sp()
    ops, dev = _operands(x) if q is None else _operands(x, q)
    if out is not None:
        dev = _convert.same_device(out, *[o for o in ops if isinstance(o, TrnArray)]) or dev
    rdt = _result_dtype(sp.zeta, *ops)
    dev.check_dtype(rdt)
    if rdt.kind == "c":
        raise NotImplementedError(f"trnpy.special.zeta: complex input is not supported "
                                  f"on {dev}")
    ts = [_operand_tensor(o, rdt, dev) for o in ops]
    res = _riemann(ts[0]) if q is None else _hurwitz(*torch.broadcast_tensors(*ts))
    return _deliver(TrnArray._new(res, dev), dev, out)


@_normalize.normalizer(np.sinc, "x", scalars=True)
def sinc(x):
    """Normalised sinc, sin(pi x) / (pi x) (``scipy.special.sinc`` is ``numpy.sinc``)."""
    (x,), dev = _operands(x)
    rdt = _result_dtype(np.sinc, x)
    dev.check_dtype(rdt)
    return TrnArray._new(torch.special.sinc(_operand_tensor(x, rdt, dev)), dev)


# -- reductions --------------------------------------------------------------------
def _axes(axis, ndim):
    return _normalize.normalize_axis(axis, ndim)


@_normalize.normalizer(lambda a, axis=None, b=None, keepdims=False, return_sign=False:
                       _sp().logsumexp(a, axis=axis, b=b, keepdims=keepdims,
                                       return_sign=return_sign), ("a", "b"))
def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) over ``axis``, computed stably (``scipy.special.logsumexp``)."""
    sp = _sp()
    dev = a._device
    ops = (a,) if b is None else (a, b)
    rdt = _result_dtype(lambda a, b=None: sp.logsumexp(a, b=b), *ops)
    dev.check_dtype(rdt)
    if rdt.kind == "c":
        raise NotImplementedError(f"trnpy.special.logsumexp: complex input is not "
                                  f"supported on {dev}")
    t = _tensor.cast_tensor(a._t, rdt)
    if b is not None:
        tb = _tensor.cast_tensor(b._t, rdt)
        t, tb = torch.broadcast_tensors(t, tb)
    if t.dim() == 0:                      # SciPy works on atleast_1d(a)
        t = t.reshape(1)
        if axis is None or (not isinstance(axis, (tuple, list)) and axis in (0, -1)):
            axis = None
    dims = _axes(axis, t.dim())
    if t.numel() == 0:
        shape = [1 if i in dims else n for i, n in enumerate(t.shape)]
        s = torch.zeros(shape, dtype=t.dtype, device=t.device)
        m = torch.zeros_like(s)
        sgn = torch.full_like(s, -1.0)       # SciPy: sign(-inf)
    else:
        # the shift ignores terms with weight 0 (as SciPy): they must not underflow the rest
        tm = t if b is None else torch.where(tb != 0, t, torch.full_like(t, -math.inf))
        m = torch.amax(tm, dim=dims, keepdim=True) if dims else tm.clone()
        m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
        e = torch.exp(t - m)
        if b is not None:
            e = torch.where(tb != 0, e * tb, torch.zeros_like(e))
        s = e.sum(dim=dims, keepdim=True) if dims else e
        sgn = torch.sign(s)
    out = torch.log(torch.abs(s) if return_sign else s) + m
    if not keepdims and dims:
        out, sgn = out.squeeze(dims), sgn.squeeze(dims)
    if return_sign:
        return TrnArray._new(out, dev), TrnArray._new(sgn, dev)
    return TrnArray._new(out, dev)


def _soft(x, axis, log):
    dev = x._device
    f = _sp().log_softmax if log else _sp().softmax
    name = f.__name__
    rdt = _result_dtype(f, x)
    dev.check_dtype(rdt)
    if rdt.kind == "c":
        raise NotImplementedError(f"trnpy.special.{name}: complex input is not "
                                  f"supported on {dev}")
    t = _tensor.cast_tensor(x._t, rdt)
    dims = _axes(axis, t.dim())
    if t.numel() == 0:
        return TrnArray._new(t.clone(), dev)
    if not dims:
        m = t
    else:
        m = torch.amax(t, dim=dims, keepdim=True)
    if log:
        m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
        tmp = t - m
        s = torch.exp(tmp)
        s = s.sum(dim=dims, keepdim=True) if dims else s
        return TrnArray._new(tmp - torch.log(s), dev)
    e = torch.exp(t - m)
    return TrnArray._new(e / (e.sum(dim=dims, keepdim=True) if dims else e), dev)


@_normalize.normalizer(lambda x, axis=None: _sp().softmax(x, axis=axis), "x")
def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over ``axis`` (``scipy.special.softmax``)."""
    return _soft(x, axis, log=False)


@_normalize.normalizer(lambda x, axis=None: _sp().log_softmax(x, axis=axis), "x")
def log_softmax(x, axis=None):
    """log(softmax(x)) computed stably (``scipy.special.log_softmax``)."""
    return _soft(x, axis, log=True)
