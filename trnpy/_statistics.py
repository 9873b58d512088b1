"""Statistics: averages, order statistics (median/percentile/quantile and nan variants),
covariance, the nan* reductions, histograms, bincount and digitize.

CPU arrays on the NumPy backend call NumPy on the zero-copy view. The torch path
composes trnpy's functions where it can; order statistics sort once and gather, with
a per-slice count so that the nan* variants share the code. Small metadata (bin edges
from ``linspace`` over two scalars, estimator widths) is computed on the host with
NumPy so the edges are bit-identical to NumPy's.
"""
from __future__ import annotations

import builtins
import operator
import warnings

import math

import numpy as np
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import (_convert, _creation, _dtype_functions, _dispatch, _dtypes, _elementwise,
               _indexing, _linalg_functions, _manipulation, _normalize, _reductions,
               _searching, _tensor)
from ._array import TrnArray
from ._normalize import normalizer, np_arg, np_views
from ._devices import CPU
from ._sorting import stable_argsort_t

__all__ = ["average", "median", "percentile", "quantile", "nanmedian", "nanpercentile",
           "nanquantile", "ptp", "cov", "corrcoef", "nansum", "nanprod", "nanmean", "nanvar",
           "nanstd", "nanmin", "nanmax", "nanargmin", "nanargmax", "histogram", "histogram2d",
           "histogramdd", "histogram_bin_edges", "bincount", "digitize", "nancumsum", "nancumprod"]

_NoValue = np._NoValue


def _kw(**kw):
    """NumPy keyword arguments without the ones left at their defaults."""
    return {k: (_convert.np_view(v) if isinstance(v, TrnArray) else v)
            for k, v in kw.items() if v is not _NoValue and v is not None}


def _np_call(fn, x, *args, out=None, **kw):
    if out is not None:
        _normalize.check_out(out, fn.__name__)
        _convert.same_device(out, x)
        kw["out"] = _convert.np_view(out)
    r = fn(_convert.np_view(x), *args, **_kw(**kw))
    if out is not None:
        return out
    if isinstance(r, tuple):
        return tuple(_convert.wrap(v, x._device) for v in r)
    return _convert.wrap(r, x._device)


# ---------------------------------------------------------------------------
# average / ptp
@normalizer(np.average, ("a", "weights"))
def average(a, axis=None, weights=None, returned=False, *, keepdims=_NoValue):
    """Weighted average along ``axis``; ``returned`` also gives the sum of weights."""
    w, dev = weights, a._device
    kd = _kd(keepdims)
    if axis is not None:        # NumPy's: any iterable of axes, in the order given
        axis = normalize_axis_tuple(axis, a.ndim, "axis")
    if w is None:
        avg = _reductions.mean(a, axis=axis, keepdims=kd)
        if not returned:
            return avg
        n = a.size // builtins.max(avg.size, 1) if a.size else \
            int(np.prod([a.shape[i] for i in _normalize.normalize_axis(axis, a.ndim)]))
        scl = _dtype_functions.astype(_convert.asarray(n, device=dev), avg.dtype)
        return avg, _manipulation.broadcast_to(scl, avg.shape) if avg.ndim else scl
    if a.dtype.kind in "iub":
        rdt = np.result_type(a.dtype, w.dtype, "f8")
    else:
        rdt = np.result_type(a.dtype, w.dtype)
    if a.shape != w.shape:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if w.shape != tuple(a.shape[i] for i in axis):
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        # weights' axes follow ``axis``'s order: into a's order, then a's rank
        w = _manipulation.transpose(w, tuple(int(i) for i in np.argsort(axis)))
        w = _manipulation.reshape(w, tuple(s if i in axis else 1
                                           for i, s in enumerate(a.shape)))
        w = _manipulation.broadcast_to(w, a.shape)
    scl = _reductions.sum(w, axis=axis, dtype=rdt, keepdims=kd)
    if builtins.bool(_reductions.any(_elementwise.equal(scl, 0.0))):
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    avg = _elementwise.divide(_reductions.sum(_elementwise.multiply(a, w, dtype=rdt), axis=axis, keepdims=kd), scl)
    if returned:
        if scl.shape != avg.shape:
            scl = _manipulation.broadcast_to(scl, avg.shape)
        return avg, scl
    return avg


def ptp(a, axis=None, out=None, keepdims=False):
    """Range (maximum - minimum) along ``axis``."""
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        return _np_call(np.ptp, a, axis=axis, out=out, keepdims=keepdims or None)
    r = _elementwise.subtract(_reductions.max(a, axis=axis, keepdims=keepdims), _reductions.min(a, axis=axis, keepdims=keepdims))
    return _normalize.deliver(r, out, "ptp")


# ---------------------------------------------------------------------------
# order statistics (torch path)
_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
            "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
            "normal_unbiased", "lower", "higher", "midpoint", "nearest")
_ALPHA_BETA = {"interpolated_inverted_cdf": (0, 1), "hazen": (0.5, 0.5), "weibull": (0, 0),
               "median_unbiased": (1 / 3.0, 1 / 3.0), "normal_unbiased": (3 / 8.0, 3 / 8.0)}


def _to_last(x: TrnArray, axis):
    """(tensor with the reduced axes flattened into the last dim, axes)."""
    axes = _normalize.normalize_axis(axis, x.ndim)
    return _tensor.collapse(x._t, axes), axes


def _ureduce_check(x, axis):
    """NumPy's _ureduce reshapes (..., -1) for several axes, which fails on an empty
    array whose kept dims are empty too."""
    if isinstance(axis, (tuple, list)) and len(axis) > 1 and x.size == 0:
        axes = _normalize.normalize_axis(axis, x.ndim)
        kept = [x.shape[i] for i in range(x.ndim) if i not in axes]
        if 0 in kept:
            raise ValueError("cannot reshape array of size 0 into shape "
                             f"({','.join(map(str, kept))},newaxis)")


def _sorted_last(c: torch.Tensor, dtype):
    if c.shape[-1] == 0:
        return c
    idx = stable_argsort_t(c, dtype, -1)
    return _tensor.from_order_key(torch.gather(_tensor.order_key(c, dtype), -1, idx), dtype)


def _virtual(method, n, q):
    """(index tensor, gamma tensor or None) for method on counts n and quantiles q
    (float64 tensors broadcast together). Integer-index methods give gamma None."""
    if method == "lower":
        return torch.floor((n - 1) * q), None
    if method == "higher":
        return torch.ceil((n - 1) * q), None
    if method == "nearest":
        return torch.round((n - 1) * q), None
    if method in ("inverted_cdf", "closest_observation"):
        if method == "inverted_cdf":
            index = n * q - 1
            cond = lambda g, i: g == 0  # noqa: E731
        else:
            index = n * q - 1 - 0.5
            cond = lambda g, i: (g == 0) & (torch.remainder(torch.floor(i), 2) == 1)  # noqa
        prev = torch.floor(index)
        g = index - prev
        res = torch.where(cond(g, index), prev, prev + 1)
        return res.clamp(min=0), None
    if method == "linear":
        v = (n - 1) * q
    elif method in _ALPHA_BETA:
        al, be = _ALPHA_BETA[method]
        v = n * q + (al + q * (1 - al - be)) - 1
    elif method == "averaged_inverted_cdf":
        v = n * q - 1
    else:  # midpoint
        v = 0.5 * (torch.floor((n - 1) * q) + torch.ceil((n - 1) * q))
    return v, True


def ct_np(ct):
    return _dtypes.from_torch(ct)


def _lerp_t(a, b, g, d=None):
    if d is None:
        d = b - a
    r = a + d * g
    return torch.where(g >= 0.5, b - d * (1 - g), r)


def _quantile_t(x, q, axis, method, keepdims, out, rdt, nan_mode, name):
    """Quantiles of ``x`` (TrnArray) at float64 tensor ``q`` (any shape)."""
    dev = x._device
    c, axes = _to_last(x, axis)
    N = c.shape[-1]
    s = _sorted_last(c, x.dtype)
    lead = c.shape[:-1]
    floating = x.dtype.kind in "fc"
    if nan_mode and floating:
        n = (~torch.isnan(c)).sum(-1).to(torch.float64)
    else:
        n = torch.full(lead, float(N), dtype=torch.float64, device=c.device)
    if N == 0 and not (nan_mode and floating):
        raise IndexError("index -1 is out of bounds for axis 0 with size 0")
    qshape = tuple(q.shape)
    qf = q.reshape(qshape + (1,) * len(lead))
    nf = n.reshape((1,) * len(qshape) + tuple(lead))
    v, cont = _virtual(method, nf, qf)
    last = (nf - 1).clamp(min=0)
    ct = _dtypes.compute_torch(rdt) if rdt != np.float16 else torch.float32
    sv = _tensor.compute_tensor(s)       # empty too: uint16 has no arithmetic in torch
    if N == 0:
        sv = torch.zeros(tuple(lead) + (1,), dtype=sv.dtype, device=sv.device)
    sb = sv.expand(qshape + tuple(sv.shape)) if qshape else sv

    def take(idx):
        i = idx.to(torch.int64).expand(qshape + tuple(lead)).unsqueeze(-1)
        return torch.gather(sb, -1, i.clamp(0, builtins.max(sb.shape[-1] - 1, 0))).squeeze(-1)
    if cont is None:
        idx = torch.minimum(v, last)
        r = take(idx).to(ct) if s.is_floating_point() or s.is_complex() else take(idx)
        if rdt.kind in "fc":
            r = r.to(ct)
    else:
        above = v >= nf - 1
        below = v < 0
        prev = torch.floor(v)
        prev_lit = torch.where(above, -1.0, torch.where(below, 0.0, prev))
        i0 = torch.where(above, last, torch.where(below, 0.0, prev))
        i1 = torch.where(above, last, torch.where(below, 0.0, prev + 1))
        g = v - prev_lit
        if method == "averaged_inverted_cdf":
            g = torch.where(g == 0, 0.5, 1.0)
        elif method == "midpoint":
            g = torch.where(torch.remainder(v, 1) == 0, 0.0, 0.5)
        ra, rb = take(i0), take(i1)
        if x.dtype == np.uint64:
            a, b = (_tensor.cast_tensor(v.view(torch.uint64), ct_np(ct)) for v in (ra, rb))
        else:
            a, b = ra.to(ct), rb.to(ct)
        g = g.to(ct if not ct.is_complex else torch.float64)
        d = None
        if x.dtype.kind in "iu":
            # NumPy subtracts in the input's integer dtype (wrapping) before scaling
            d = _tensor.cast_tensor(rb - ra, x.dtype)
            d = _tensor.compute_tensor(d).to(ct) if x.dtype != np.uint64 else \
                _tensor.cast_tensor(d, ct_np(ct))
        r = _lerp_t(a, b, g, d)
    if floating:
        if nan_mode:
            empty = (nf == 0).expand(r.shape)
            if builtins.bool(empty.any()):
                warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
            r = torch.where(empty, torch.tensor(float("nan"), dtype=r.dtype), r)
        elif N:
            has_nan = torch.isnan(sv[..., -1])
            r = torch.where(has_nan.expand(r.shape), sv[..., -1].to(r.dtype).expand(r.shape), r)
    r = _tensor.from_compute(r, rdt) if rdt.kind != "b" else r != 0
    r = r.reshape(qshape + _normalize.reduced_shape(x.shape, axes, keepdims))
    return _normalize.deliver(TrnArray._new(r, dev), out, name)


def _weighted_t(x, q, axis, keepdims, out, rdt, w, name):
    """method='inverted_cdf' with weights (NumPy's only weighted method)."""
    dev = x._device
    if axis is not None and isinstance(axis, (tuple, list)):
        if w.shape != x.shape:
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
    if w.shape != x.shape:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        ax = normalize_axis_index(operator.index(axis), x.ndim)
        if w.ndim != 1 or w.shape[0] != x.shape[ax]:
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        shape = [1] * x.ndim
        shape[ax] = w.shape[0]
        w = _manipulation.broadcast_to(_manipulation.reshape(w, tuple(shape)), x.shape)
    if builtins.bool(_reductions.any(_elementwise.less(w, 0))):
        raise ValueError("Weights must be non-negative.")
    c, axes = _to_last(x, axis)
    cw, _ = _to_last(w, axis)
    idx = stable_argsort_t(c, x.dtype, -1)
    s = torch.gather(_tensor.compute_tensor(c), -1, idx)
    ws = torch.gather(_tensor.cast_tensor(cw, np.float64), -1, idx)
    cdf = ws.cumsum(-1)
    cdf = cdf / cdf[..., -1:]
    if builtins.bool(torch.isnan(cdf[..., -1]).any()):
        raise ValueError("Weights included NaN, inf or were all zero.")
    if builtins.bool((cdf[..., 0] == 0).any()):
        cdf = torch.where(cdf == 0, -1.0, cdf)
    N = c.shape[-1]
    qf = q.reshape(-1)
    ii = torch.searchsorted(cdf.contiguous(), qf.expand(cdf.shape[:-1] + qf.shape).contiguous())
    ii = ii.clamp(max=N - 1)
    r = torch.gather(s, -1, ii)                   # lead + (Q,)
    if x.dtype.kind in "fc":
        last = s[..., -1:]
        r = torch.where(torch.isnan(last).expand(r.shape), last.expand(r.shape), r)
    r = r.movedim(-1, 0).reshape(tuple(q.shape) + r.shape[:-1])
    r = _tensor.from_compute(r, rdt).reshape(tuple(q.shape) +
                                               _normalize.reduced_shape(x.shape, axes, keepdims))
    return _normalize.deliver(TrnArray._new(r, dev), out, name)


def _q_args(q, dev, scale, name):
    """(float64 tensor of q / scale, weak flag, probe value) with NumPy's range check."""
    weak = _dtypes.is_python_scalar(q) and not isinstance(q, builtins.bool)
    if isinstance(q, TrnArray):
        qh = _convert.host(q)
    else:
        qh = np.asarray(q)
    # (NumPy: the range check first, complex q ordered as NumPy orders it; an int beyond
    # int64 divides to a float)
    qv = np.asanyarray(np.true_divide(qh, scale) if scale != 1 else qh)
    if not (np.all(0 <= qv) and np.all(qv <= 1)):
        raise ValueError("Percentiles must be in the range [0, 100]" if scale == 100
                         else "Quantiles must be in the range [0, 1]")
    if qv.dtype.kind not in "fiub":
        raise TypeError(f"q must be real numbers, not {qv.dtype}")
    qt = torch.as_tensor(np.asarray(qv, np.float64), device=dev.torch_device)
    return qt, weak, (q if weak else (qh if qh.ndim == 0 else qh[:1]))


def _order_stat(a, q, axis, out, overwrite_input, method, keepdims, weights, interpolation,
                scale, nan_mode, name):
    (a, w), dev = _convert.as_arrays(a, weights, optional=(1,))
    if interpolation is not None:
        warnings.warn("the `interpolation=` argument to percentile was renamed to "
                      "`method=`, which has additional options.", DeprecationWarning,
                      stacklevel=3)
        method = interpolation
    if _dispatch.use_numpy(dev):
        fn = getattr(np, name)
        qv = _convert.np_view(q) if isinstance(q, TrnArray) else q
        kw = dict(axis=axis, overwrite_input=overwrite_input, method=method,
                  keepdims=keepdims, weights=None if w is None else _convert.np_view(w))
        if out is not None:
            _convert.same_device(out, a)
            kw["out"] = _convert.np_view(out)
            fn(_convert.np_view(a), qv, **kw)
            return out
        return _convert.wrap(fn(_convert.np_view(a), qv, **kw), dev)
    # NumPy's order of checks: complex a, q, the axes; the device's dtype refusal last
    if a.dtype.kind == "c":
        raise TypeError("a must be an array of real numbers")
    if nan_mode and a.size == 0:
        _q_args(q, dev, scale, name)
        # NumPy answers an empty nan-quantile with nanmean (q's shape is dropped), before
        # the reshape that makes an empty median raise
        return nanmean(a, axis, out=out, keepdims=keepdims)
    qt, weak, qprobe = _q_args(q, dev, scale, name)
    _ureduce_check(a, axis)
    _normalize.normalize_axis(axis, a.ndim)
    if method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {_METHODS}")
    if w is not None and method != "inverted_cdf":
        raise ValueError(f"Only method 'inverted_cdf' supports weights. Got: {method}.")
    # result dtype from NumPy on a tiny array of the same dtypes
    pk = dict(method=method)
    if w is not None:
        pk["weights"] = np.ones(2, w.dtype)
    pq = qprobe if weak else np.asarray(np.asarray(qprobe).reshape(-1)[:1] * 0 + scale / 2,
                                         np.asarray(qprobe).dtype)
    if not weak and np.ndim(qprobe) == 0:
        pq = pq.reshape(())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rdt = _dtypes.as_dtype(np.asarray(getattr(np, name)(np.ones(2, a.dtype), pq, **pk)).dtype)
    dev.check_dtype(rdt)
    if w is not None:
        if nan_mode:
            raise NotImplementedError(f"trnpy.{name}: weights= is not supported on the torch "
                                      "backend")
        return _weighted_t(a, qt, axis, keepdims, out, rdt, w, name)
    return _quantile_t(a, qt, axis, method, keepdims, out, rdt, nan_mode, name)


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, interpolation=None):
    """q-th percentile(s) along ``axis`` (all of NumPy's methods)."""
    return _order_stat(a, q, axis, out, overwrite_input, method, keepdims, weights,
                       interpolation, 100, False, "percentile")


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, interpolation=None):
    """q-th quantile(s) along ``axis`` (all of NumPy's methods)."""
    return _order_stat(a, q, axis, out, overwrite_input, method, keepdims, weights,
                       interpolation, 1, False, "quantile")


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=_NoValue, *, weights=None, interpolation=None):
    """Percentiles ignoring NaNs."""
    kd = builtins.bool(keepdims) if keepdims is not _NoValue else False
    return _order_stat(a, q, axis, out, overwrite_input, method, kd, weights,
                       interpolation, 100, True, "nanpercentile")


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=_NoValue, *, weights=None, interpolation=None):
    """Quantiles ignoring NaNs."""
    kd = builtins.bool(keepdims) if keepdims is not _NoValue else False
    return _order_stat(a, q, axis, out, overwrite_input, method, kd, weights,
                       interpolation, 1, True, "nanquantile")


def _np_div(z, d):
    """``z / d`` as NumPy's mean divides: a complex z meets d as d+0j in Smith's algorithm
    (so an inf part turns the other into nan), where torch's complex division differs."""
    if not z.is_complex():
        return z / d
    return torch.complex((z.real + z.imag * 0) / d, (z.imag - z.real * 0) / d)


def _median(a, axis, out, overwrite_input, keepdims, nan_mode):
    a = _convert.as_array(a)
    dev = a._device
    name = "nanmedian" if nan_mode else "median"
    if _dispatch.use_numpy(dev):
        return _np_call(getattr(np, name), a, axis=axis, out=out,
                        overwrite_input=overwrite_input or None,
                        keepdims=keepdims if keepdims is not _NoValue and keepdims else None)
    kd = keepdims is not _NoValue and builtins.bool(keepdims)
    if nan_mode and a.size == 0:
        # NumPy's nanmedian hands empty input to nanmean (no reshape quirk there)
        return nanmean(a, axis=axis, out=out, keepdims=kd)
    _ureduce_check(a, axis)
    c, axes = _to_last(a, axis)          # (NumPy's AxisError before the dtype refusal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rdt = _dtypes.as_dtype(np.asarray(np.median(np.ones(2, a.dtype))).dtype)
    dev.check_dtype(rdt)
    N = c.shape[-1]
    lead = c.shape[:-1]
    floating = a.dtype.kind in "fc"
    acc = torch.float32 if rdt == np.float16 else _dtypes.compute_torch(rdt)
    shape = _normalize.reduced_shape(a.shape, axes, kd)
    if N == 0:
        warnings.warn("All-NaN slice encountered" if nan_mode else "Mean of empty slice.",
                      RuntimeWarning, stacklevel=3)
        nan = complex(float("nan"), float("nan")) if acc.is_complex else float("nan")
        r = torch.full(lead, nan, dtype=acc, device=c.device)
        return _normalize.deliver(TrnArray._new(_tensor.cast_tensor(r, rdt).reshape(shape), dev), out,
                       name)
    s = _sorted_last(c, a.dtype)
    if nan_mode and floating:
        n = (~torch.isnan(c)).sum(-1)
    else:
        n = torch.full(lead, N, dtype=torch.int64, device=c.device)
    lo = ((n - 1) // 2).clamp(min=0)
    hi = (n // 2).clamp(max=N - 1)
    # gather the storage bits (torch gathers no wide unsigned types), then NumPy's cast
    sg, acc_dt = _tensor.signed_view(s), _dtypes.from_torch(acc)
    va, vb = (_tensor.cast_tensor(torch.gather(sg, -1, i.unsqueeze(-1)).squeeze(-1)
                                  .view(s.dtype), acc_dt) for i in (lo, hi))
    # complex: add part by part (torch's complex add turns inf + inf parts into nan)
    total = torch.complex(va.real + vb.real, va.imag + vb.imag) if va.is_complex() else va + vb
    r = torch.where(lo == hi, _np_div(va, 1), _np_div(total, 2))
    if floating:
        if nan_mode:
            empty = n == 0
            if builtins.bool(empty.any()):
                warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
            r = torch.where(empty, torch.tensor(float("nan"), dtype=r.dtype), r)
        else:       # a NaN makes the median NaN: NumPy returns the NaN the sort put last
            last = s[..., -1]
            r = torch.where(torch.isnan(last), last.to(r.dtype),
                            torch.where(torch.isnan(c).any(dim=-1),
                                        torch.full_like(r, math.nan), r))
    r = _tensor.cast_tensor(r, rdt).reshape(shape)
    return _normalize.deliver(TrnArray._new(r, dev), out, name)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Median along ``axis`` (NaN when a slice has a NaN)."""
    return _median(a, axis, out, overwrite_input, keepdims, False)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=_NoValue):
    """Median ignoring NaNs (NaN with a warning for all-NaN slices)."""
    return _median(a, axis, out, overwrite_input, keepdims, True)


# ---------------------------------------------------------------------------
# covariance
@normalizer(np.cov, ("m", "y", "fweights", "aweights"))
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """Covariance matrix (NumPy's ``cov``)."""
    fw, aw, dev = fweights, aweights, m._device
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    if m.ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    if y is not None and y.ndim > 2:
        raise ValueError("y has more than 2 dimensions")
    if y is not None:
        # NumPy's shape error for m and y, before the device's dtype check below
        xs = (1,) * (2 - m.ndim) + m.shape
        xs = xs[::-1] if not rowvar and m.ndim != 1 else xs
        ys = (1,) * (2 - y.ndim) + y.shape
        ys = ys[::-1] if not rowvar and ys[0] != 1 else ys
        if xs[0] and xs[1] != ys[1]:
            raise ValueError("all the input array dimensions except for the concatenation "
                             f"axis must match exactly, but along dimension 1, the array at "
                             f"index 0 has size {xs[1]} and the array at index 1 has size "
                             f"{ys[1]}")
    if dtype is None:
        dtype = np.result_type(m.dtype, np.float64) if y is None else \
            np.result_type(m.dtype, y.dtype, np.float64)
    dtype = _dtypes.as_dtype(dtype)
    dev.check_dtype(dtype)
    X = _dtype_functions.astype(_manipulation.atleast_2d(m), dtype)
    if not rowvar and m.ndim != 1:
        X = _manipulation.transpose(X)
    # NumPy's own float64 (weights, the empty result) is the device's default float
    fdt = dev.default_dtype("real floating")
    if X.shape[0] == 0:
        return _creation.zeros((0, 0), dtype=fdt, device=dev)
    if y is not None:
        Y = _dtype_functions.astype(_manipulation.atleast_2d(y), dtype)
        if not rowvar and Y.shape[0] != 1:
            Y = _manipulation.transpose(Y)
        X = _manipulation.concatenate((X, Y), axis=0)
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    w = None
    if fw is not None:
        fw = _dtype_functions.astype(fw, fdt)
        if not builtins.bool(_reductions.all(_elementwise.equal(fw, _elementwise.round(fw)))):
            raise TypeError("fweights must be integer")
        if fw.ndim > 1:
            raise RuntimeError("cannot handle multidimensional fweights")
        if fw.shape[0] != X.shape[1]:
            raise RuntimeError("incompatible numbers of samples and fweights")
        if builtins.bool(_reductions.any(_elementwise.less(fw, 0))):
            raise ValueError("fweights cannot be negative")
        w = fw
    if aw is not None:
        aw = _dtype_functions.astype(aw, fdt)
        if aw.ndim > 1:
            raise RuntimeError("cannot handle multidimensional aweights")
        if aw.shape[0] != X.shape[1]:
            raise RuntimeError("incompatible numbers of samples and aweights")
        if builtins.bool(_reductions.any(_elementwise.less(aw, 0))):
            raise ValueError("aweights cannot be negative")
        w = aw if w is None else _elementwise.multiply(w, aw)
    avg, w_sum = average(X, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if w is None:
        fact = X.shape[1] - ddof
    elif ddof == 0:
        fact = w_sum
    elif aw is None:
        fact = _elementwise.subtract(w_sum, ddof)
    else:
        fact = _elementwise.subtract(w_sum, _elementwise.divide(_elementwise.multiply(ddof, _reductions.sum(_elementwise.multiply(w, aw))), w_sum))
    if builtins.bool(fact <= 0) if not isinstance(fact, TrnArray) else \
            builtins.bool(_elementwise.less_equal(fact, 0)):
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = _elementwise.subtract(X, _dtype_functions.astype(avg[:, None], X.dtype))
    X_T = _manipulation.transpose(X) if w is None else _manipulation.transpose(_dtype_functions.astype(_elementwise.multiply(X, w), X.dtype))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = _linalg_functions.matmul(X, _elementwise.conj(X_T))
        inv = _elementwise.divide(1, fact) if isinstance(fact, TrnArray) else \
            np.true_divide(1, fact) if fact else np.inf
        if dev.kind == "neuron" and not isinstance(inv, TrnArray):
            inv = float(inv)        # NumPy scales in float64, which the device has not
        c = _dtype_functions.astype(_elementwise.multiply(c, inv), c.dtype)
    return _manipulation.squeeze(c)


@normalizer(np.corrcoef, ("x", "y"))
def corrcoef(x, y=None, rowvar=True, bias=_NoValue, ddof=_NoValue, *, dtype=None):
    """Pearson correlation coefficients."""
    if bias is not _NoValue or ddof is not _NoValue:
        # NumPy's path gives NumPy's own warning
        warnings.warn("bias and ddof have no effect and are deprecated", DeprecationWarning,
                      stacklevel=3)
    dev = x._device
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return _elementwise.divide(c, c)
    d = _indexing.diagonal(c)
    stddev = _elementwise.sqrt(_elementwise.real(d))
    c = _elementwise.divide(c, stddev[:, None])
    c = _elementwise.divide(c, stddev[None, :])
    if c.dtype.kind == "c":
        re = _elementwise.clip(_elementwise.real(c), -1, 1)
        im = _elementwise.clip(_elementwise.imag(c), -1, 1)
        ct = torch.complex(re._t, im._t)
        return TrnArray._new(ct, dev)
    return _elementwise.clip(c, -1, 1)


# ---------------------------------------------------------------------------
# nan reductions
def _replace_nan(a, val):
    if a.dtype.kind not in "fc":
        return a, None
    mask = _elementwise.isnan(a)
    return _searching.where(mask, _dtype_functions.astype(_convert.asarray(val, device=a._device), a.dtype), a), mask


def nansum(a, axis=None, dtype=None, out=None, keepdims=_NoValue, initial=_NoValue,
           where=_NoValue):
    """Sum treating NaN as zero."""
    return _nan_fold(np.nansum, "sum", 0, a, axis, dtype, out, keepdims, initial, where)


_NAN_FUNCS = {"sum": _reductions.sum, "prod": _reductions.prod}


def _nan_fold(np_fn, name, fill, a, axis, dtype, out, keepdims, initial, where):
    """``np_fn`` (nansum/nanprod): NumPy's, or the torch path's ``sum``/``prod`` with NaN
    replaced by its identity ``fill``."""
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        return _np_call(np_fn, a, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                        initial=initial, where=where)
    a, _ = _replace_nan(a, fill)
    return _NAN_FUNCS[name](a, axis=axis, dtype=dtype, out=out, keepdims=_kd(keepdims),
                               initial=None if initial is _NoValue else initial,
                               where=True if where is _NoValue else where)


def _kd(keepdims):
    if keepdims is _NoValue:
        return False
    if keepdims is not True and keepdims is not False:
        operator.index(keepdims)        # NumPy's TypeError for keepdims="x"
    return builtins.bool(keepdims)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=_NoValue, initial=_NoValue,
            where=_NoValue):
    """Product treating NaN as one."""
    return _nan_fold(np.nanprod, "prod", 1, a, axis, dtype, out, keepdims, initial, where)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=_NoValue, *, where=_NoValue):
    """Mean ignoring NaNs (NaN with a warning for all-NaN slices)."""
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        return _np_call(np.nanmean, a, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                        where=where)
    wh = True if where is _NoValue else where
    kd = _kd(keepdims)
    arr_, mask = _replace_nan(a, 0)
    if mask is None:
        return _reductions.mean(a, axis=axis, dtype=dtype, out=out, keepdims=kd, where=wh)
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        raise TypeError("If a is inexact, then dtype must be inexact")
    cnt = _reductions.sum(_elementwise.logical_not(mask), axis=axis, dtype=np.int64, keepdims=kd, where=wh)
    tot = _reductions.sum(arr_, axis=axis, dtype=dtype, keepdims=kd, where=wh)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = _div_count(tot, cnt)
    if builtins.bool(_reductions.any(_elementwise.equal(cnt, 0))):
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
    return _normalize.deliver(avg, out, "nanmean")


def _div_count(x, cnt):
    """x / cnt in x's dtype (NumPy divides in place); the count is cast to a float
    dtype the device has rather than promoting to float64."""
    rdt = _dtypes.real_of(x.dtype)
    cdt = np.dtype(np.float32) if rdt == np.float16 else rdt
    if isinstance(cnt, np.generic):     # a full reduction's count: a value
        return _elementwise.divide(x, cdt.type(cnt)).astype(x.dtype)
    return _dtype_functions.astype(_elementwise.divide(x, _dtype_functions.astype(cnt, cdt)), x.dtype)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=_NoValue, *, where=_NoValue,
           mean=_NoValue, correction=_NoValue):
    """Variance ignoring NaNs."""
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        return _np_call(np.nanvar, a, axis=axis, dtype=dtype, out=out, ddof=ddof,
                        keepdims=keepdims, where=where, mean=mean, correction=correction)
    return _nanvar_t(a, axis, dtype, out, ddof, keepdims, where, mean, correction, False)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=_NoValue, *, where=_NoValue,
           mean=_NoValue, correction=_NoValue):
    """Standard deviation ignoring NaNs."""
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        return _np_call(np.nanstd, a, axis=axis, dtype=dtype, out=out, ddof=ddof,
                        keepdims=keepdims, where=where, mean=mean, correction=correction)
    return _nanvar_t(a, axis, dtype, out, ddof, keepdims, where, mean, correction, True)


def _nanvar_t(a, axis, dtype, out, ddof, keepdims, where, mean, correction, is_std):
    name = "nanstd" if is_std else "nanvar"
    if mean is not _NoValue:
        raise NotImplementedError(f"trnpy.{name}: mean= is not supported on the torch backend")
    if correction is not _NoValue:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    wh = True if where is _NoValue else where
    kd = _kd(keepdims)
    arr_, mask = _replace_nan(a, 0)
    if mask is None:
        f = _reductions.std if is_std else _reductions.var
        return f(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=kd, where=wh)
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        raise TypeError("If a is inexact, then dtype must be inexact")
    wmask = mask if wh is True else _elementwise.logical_or(mask, _elementwise.logical_not(_convert.as_array(wh, a._device)))
    keep = _elementwise.logical_not(wmask)
    cnt = _reductions.sum(keep, axis=axis, dtype=np.int64, keepdims=True)
    tot = _reductions.sum(arr_, axis=axis, dtype=dtype, keepdims=True, where=keep)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = _div_count(tot, cnt)
        dev_ = _elementwise.subtract(arr_, avg)
        dev_ = _searching.where(keep, dev_, _creation.zeros((), dtype=dev_.dtype, device=a._device))
        if dev_.dtype.kind == "c":
            sqr = _elementwise.add(_elementwise.multiply(_elementwise.real(dev_), _elementwise.real(dev_)),
                        _elementwise.multiply(_elementwise.imag(dev_), _elementwise.imag(dev_)))
        else:
            sqr = _elementwise.multiply(dev_, dev_)
        var = _reductions.sum(sqr, axis=axis, dtype=dtype, keepdims=kd, where=keep)
        cnt2 = _reductions.sum(keep, axis=axis, dtype=np.int64, keepdims=kd)
        dof = _elementwise.subtract(cnt2, ddof)
        isbad = _elementwise.less_equal(dof, 0)
        if builtins.bool(_reductions.any(isbad)):
            warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=3)
            dof = _searching.where(isbad, 0, dof)
        var = _div_count(var, dof)
        var = _searching.where(isbad, _dtype_functions.astype(_convert.asarray(np.nan, device=a._device), var.dtype), var)
        if is_std:
            var = _elementwise.sqrt(var)
    return _normalize.deliver(var, out, name)


def _nanextreme(a, axis, out, keepdims, initial, where, is_max):
    a = _convert.as_array(a)
    name = "nanmax" if is_max else "nanmin"
    if _dispatch.use_numpy(a._device):
        return _np_call(np.nanmax if is_max else np.nanmin, a, axis=axis, out=out,
                        keepdims=keepdims, initial=initial, where=where)
    kw = dict(axis=axis, keepdims=_kd(keepdims))
    if initial is not _NoValue:
        kw["initial"] = initial
    if where is not _NoValue:
        kw["where"] = where
    f = _reductions.max if is_max else _reductions.min
    if a.dtype.kind not in "fc":
        return f(a, out=out, **kw)
    fill = -np.inf if is_max else np.inf
    if a.dtype.kind == "c":
        fill = complex(fill, fill)
    filled, mask = _replace_nan(a, fill)
    r = f(filled, **kw)
    if initial is _NoValue:
        # NumPy's nanmin/nanmax are fmin/fmax.reduce: an all-NaN slice gives its first
        # element (nan+1j stays nan+1j); with initial= it gives the initial value, as the
        # filled reduction already does (where= needs initial=)
        allnan = _reductions.all(mask, axis=axis, keepdims=_kd(keepdims))
        if builtins.bool(_reductions.any(allnan)):
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
            axes = _normalize.normalize_axis(axis, a.ndim)
            first = _tensor.collapse(a._t, axes)[..., 0].reshape(tuple(r.shape))
            r = _searching.where(allnan, TrnArray._new(first, a._device), r)
    return _normalize.deliver(r, out, name)


def nanmin(a, axis=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue):
    """Minimum ignoring NaNs (NaN with a warning for all-NaN slices)."""
    return _nanextreme(a, axis, out, keepdims, initial, where, False)


def nanmax(a, axis=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue):
    """Maximum ignoring NaNs (NaN with a warning for all-NaN slices)."""
    return _nanextreme(a, axis, out, keepdims, initial, where, True)


def _nanarg(a, axis, out, keepdims, is_max):
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        return _np_call(np.nanargmax if is_max else np.nanargmin, a, axis=axis, out=out,
                        keepdims=keepdims)
    f = _searching.argmax if is_max else _searching.argmin
    kd = _kd(keepdims)
    if a.dtype.kind not in "fc":
        return f(a, axis=axis, out=out, keepdims=kd)
    fill = -np.inf if is_max else np.inf
    filled, mask = _replace_nan(a, complex(fill, fill) if a.dtype.kind == "c" else fill)
    if mask.size and builtins.bool(_reductions.any(_reductions.all(mask, axis=axis))):
        raise ValueError("All-NaN slice encountered")
    return f(filled, axis=axis, out=out, keepdims=kd)


def nanargmin(a, axis=None, out=None, *, keepdims=_NoValue):
    """Index of the minimum ignoring NaNs (ValueError for all-NaN slices)."""
    return _nanarg(a, axis, out, keepdims, False)


def nanargmax(a, axis=None, out=None, *, keepdims=_NoValue):
    """Index of the maximum ignoring NaNs (ValueError for all-NaN slices)."""
    return _nanarg(a, axis, out, keepdims, True)


# ---------------------------------------------------------------------------
# histograms
_ESTIMATORS = ("stone", "auto", "doane", "fd", "rice", "scott", "sqrt", "sturges")


def _outer_edges(a: TrnArray, range_):
    """NumPy's _get_outer_edges: (first, last) as NumPy scalars/Python numbers."""
    if range_ is not None:
        first, last = range_
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
    elif a.size == 0:
        first, last = 0, 1
    else:
        first = _convert.host(_reductions.min(a))[()]
        last = _convert.host(_reductions.max(a))[()]
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first = first - 0.5
        last = last + 0.5
    return first, last


def _estimator_width(name, a: TrnArray, first, last):
    n = a.size
    if name in ("sqrt", "sturges", "rice", "auto"):
        # NumPy's _ptp: an unsigned difference (a signed ptp can overflow)
        ptp_ = _unsigned_sub(_convert.host(_reductions.max(a))[()], _convert.host(_reductions.min(a))[()])
    if name == "sqrt":
        return ptp_ / np.sqrt(n)
    if name == "sturges":
        return ptp_ / (np.log2(n) + 1.0)
    if name == "rice":
        return ptp_ / (2.0 * n ** (1.0 / 3))
    if name == "scott":
        return (24.0 * np.pi ** 0.5 / n) ** (1.0 / 3.0) * float(_convert.host(_reductions.std(a)))
    if name in ("fd", "auto"):
        qs = [75, 25]
        if a._device.kind == "neuron":      # no float64 there: q in the data's dtype
            qs = np.array(qs, dtype=np.float32)
        p = _convert.host(percentile(a, qs))
        fd = 2.0 * np.subtract(*p) * n ** (-1.0 / 3.0)
        if name == "fd":
            return fd
        # NumPy's auto: FD limited to half the sqrt width, then the smaller of it and
        # Sturges'
        st = ptp_ / (np.log2(n) + 1.0)
        return builtins.min(builtins.max(fd, ptp_ / np.sqrt(n) / 2), st)
    raise NotImplementedError(f"trnpy.histogram: the bins={name!r} estimator is not "
                              f"supported on {a._device}; pass an integer or the edges")


def _bin_edges(a: TrnArray, bins, range_, weights):
    """(edges TrnArray, uniform) with NumPy's validation; edges are NumPy's bit for bit."""
    dev = a._device
    n_equal = None
    if isinstance(bins, str):
        if bins not in _ESTIMATORS:
            raise ValueError(f"{bins!r} is not a valid estimator for `bins`")
        if weights is not None:
            raise TypeError("Automated estimation of the number of bins is not supported "
                            "for weighted data")
        if dev.kind == "cpu":
            e = np.histogram_bin_edges(_convert.host(a), bins, range_)
            return _convert.wrap(e, dev), True
        first, last = _outer_edges(a, range_)
        aa = a
        if range_ is not None:
            keep = _elementwise.logical_and(_elementwise.greater_equal(a, first), _elementwise.less_equal(a, last))
            if not builtins.bool(_reductions.all(keep)):
                aa = a[keep]
        if aa.size == 0:
            n_equal = 1
        else:
            width = _estimator_width(bins, t_flat(aa), first, last)
            if width:
                if aa.dtype.kind in "iu" and width < 1:
                    width = 1
                n_equal = int(np.ceil(_unsigned_sub(last, first) / width))
            else:
                n_equal = 1
    elif np.ndim(bins) == 0 and not isinstance(bins, TrnArray) or \
            (isinstance(bins, TrnArray) and bins.ndim == 0):
        try:
            n_equal = operator.index(bins if not isinstance(bins, TrnArray) else bins.item())
        except TypeError as e:
            raise TypeError("`bins` must be an integer, a string, or an array") from e
        if n_equal < 1:
            raise ValueError("`bins` must be positive, when an integer")
        first, last = _outer_edges(a, range_)
    else:
        e = _convert.as_array(bins, dev)
        if e.ndim != 1:
            raise ValueError("`bins` must be 1d, when an array")
        if e.shape[0] > 1 and builtins.bool(_reductions.any(_elementwise.less(e[1:], e[:-1]))):
            raise ValueError("`bins` must increase monotonically, when an array")
        return e, False
    bin_type = np.result_type(first, last, np.zeros(0, a.dtype))
    if np.issubdtype(bin_type, np.integer):
        bin_type = np.result_type(bin_type, float)
    edges = np.linspace(first, last, n_equal + 1, endpoint=True, dtype=bin_type)
    if np.any(edges[:-1] >= edges[1:]):
        raise ValueError(f"Too many bins for data range. Cannot create {n_equal} "
                         "finite-sized bins.")
    e = _convert.wrap(edges, _host_dev())
    return (e if dev.kind == "cpu" and not dev.emulated else e.to_device(dev)), True


def _host_dev():
    return CPU


def t_flat(a):
    return _manipulation.reshape(a, (-1,))


def _unsigned_sub(a, b):
    """NumPy's _unsigned_subtract: ``a - b`` (a >= b) of signed integers in the unsigned
    type of the same width, so int16 [-1, 32767] spans 32768 rather than overflowing."""
    dt = np.result_type(a, b)
    if dt.kind != "i":
        return np.subtract(a, b, dtype=dt)
    udt = np.dtype(f"u{dt.itemsize}")
    return np.subtract(np.asarray(a, dtype=dt), np.asarray(b, dtype=dt), casting="unsafe",
                       dtype=udt)


def _bin_index_t(a_t: torch.Tensor, e_t: torch.Tensor):
    """Bin of each value for edges ``e_t`` (last bin closed), -1 outside."""
    nb = e_t.shape[0] - 1
    idx = torch.searchsorted(e_t.contiguous(), a_t.contiguous(), right=True) - 1
    idx = torch.where(a_t == e_t[-1], nb - 1, idx)
    ok = (idx >= 0) & (idx < nb) & ~torch.isnan(a_t)
    return torch.where(ok, idx, -1), ok


def _bincount_t(idx, ok, n, w_t, out_dtype):
    """Counts (int64) or weight sums of ``idx`` (valid where ``ok``) into ``n`` bins."""
    i = idx[ok]
    if w_t is None:
        return torch.bincount(i, minlength=n)[:n]
    w = w_t[ok]
    if w.is_complex():
        re = torch.zeros(n, dtype=w.real.dtype, device=w.device).index_add_(0, i, w.real)
        im = torch.zeros(n, dtype=w.real.dtype, device=w.device).index_add_(0, i, w.imag)
        return torch.complex(re, im)
    if w.dtype == torch.bool:
        w = w.to(torch.int64)
    return torch.zeros(n, dtype=w.dtype, device=w.device).index_add_(0, i, w)


@normalizer(lambda a, bins=10, range=None, weights=None:
            np.histogram_bin_edges(a, np_arg(bins), range, weights), ("a", "weights"))
def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """The edges ``histogram`` would use."""
    return _bin_edges(t_flat(a), bins, range, weights)[0]


@normalizer(lambda a, bins=10, range=None, density=None, weights=None:
            np.histogram(a, np_arg(bins), range, density, weights), ("a", "weights"))
def histogram(a, bins=10, range=None, density=None, weights=None):
    """Counts (or weight sums, or a density) of ``a`` in bins, and the bin edges."""
    w, dev = weights, a._device
    if w is not None and w.shape != a.shape:
        raise ValueError("weights should have the same shape as a.")
    a = t_flat(a)
    if w is not None:
        w = t_flat(w)
    edges, _ = _bin_edges(a, bins, range, w)
    nb = edges.shape[0] - 1
    ntype = np.dtype(np.int64) if w is None else w.dtype
    cdt = np.result_type(a.dtype, edges.dtype, np.float64) if a.dtype.kind != "c" else None
    if cdt is None:
        raise TypeError("histogram of complex values is not supported")
    at = _tensor.cast_tensor(a._t, cdt)
    et = _tensor.cast_tensor(edges._t, cdt)
    idx, ok = _bin_index_t(at, et)
    wt = None if w is None else _tensor.compute_tensor(w._t)
    n = _bincount_t(idx, ok, nb, wt, ntype)
    n = _tensor.from_compute(n, ntype) if ntype.kind != "b" else n != 0
    hist = TrnArray._new(n, dev)
    if density:
        db = _dtype_functions.astype(_reductions.diff(edges), np.float64)
        return _elementwise.divide(_elementwise.divide(hist, db), _reductions.sum(hist)), edges
    return hist, edges


def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    """Multidimensional histogram (float64 counts) and the per-dimension edges."""
    if isinstance(sample, (list, tuple)):
        sarrs, dev = _convert.as_arrays(*sample)
        (w,), _ = _convert.as_arrays(weights) if weights is not None else ((None,), dev)
        if _dispatch.use_numpy(dev):
            h, e = np.histogramdd([_convert.np_view(s) for s in sarrs], bins, range, density,
                                  None if w is None else _convert.np_view(w))
            return _convert.wrap(h, dev), [_convert.wrap(x, dev) for x in e]
        s = _manipulation.stack([_manipulation.reshape(x, (-1,)) for x in _manipulation.atleast_1d(*sarrs)], axis=1) \
            if len(sarrs) > 1 else _manipulation.reshape(sarrs[0], (-1, 1))
    else:
        (s, w), dev = _convert.as_arrays(sample, weights, optional=(1,))
        if _dispatch.use_numpy(dev):
            h, e = np.histogramdd(_convert.np_view(s), bins, range, density,
                                  None if w is None else _convert.np_view(w))
            return _convert.wrap(h, dev), [_convert.wrap(x, dev) for x in e]
        if s.ndim < 2:
            s = _manipulation.reshape(s, (-1, 1)) if s.ndim == 1 else _manipulation.reshape(s, (1, 1))
    N, D = s.shape
    try:
        M = len(bins)
        if M != D:
            raise ValueError("The dimension of bins must be equal to the dimension of the "
                             "sample x.")
    except TypeError:
        bins = D * [bins]
    if range is None:
        range = (None,) * D
    elif len(range) != D:
        raise ValueError("range argument must have one entry per dimension")
    edges, nbin, idxs = [], [], []
    ok_all = torch.ones(N, dtype=torch.bool, device=s._t.device)
    for i in builtins.range(D):
        col = s[:, i]
        b = bins[i]
        if isinstance(b, TrnArray) and b.ndim == 0:
            b = _convert.host(b)[()]          # a scalar, as NumPy reads a 0-d array
        if np.ndim(b) == 0:
            if b < 1:
                raise ValueError(f"`bins[{i}]` must be positive, when an integer")
            smin, smax = _outer_edges(col, range[i])
            try:
                nb = operator.index(b)
            except TypeError as e:
                raise TypeError(f"`bins[{i}]` must be an integer, when a scalar") from e
            e = _convert.wrap(np.linspace(smin, smax, nb + 1), _host_dev())
            e = e.to_device(dev) if dev.kind != "cpu" else TrnArray._new(e._t, dev)
        elif np.ndim(b) == 1 or (isinstance(b, TrnArray) and b.ndim == 1):
            e = _convert.as_array(b, dev)
            if e.shape[0] > 1 and builtins.bool(_reductions.any(_elementwise.greater(e[:-1], e[1:]))):
                raise ValueError(f"`bins[{i}]` must be monotonically increasing, when an array")
        else:
            raise ValueError(f"`bins[{i}]` must be a scalar or 1d array")
        edges.append(e)
        nbin.append(e.shape[0] - 1)
        cdt = np.result_type(col.dtype, e.dtype, np.float64)
        idx, ok = _bin_index_t(_tensor.cast_tensor(col._t, cdt),
                               _tensor.cast_tensor(e._t, cdt))
        idxs.append(idx)
        ok_all &= ok
    flat = torch.zeros(N, dtype=torch.int64, device=s._t.device)
    for i, idx in enumerate(idxs):
        flat = flat * nbin[i] + idx.clamp(min=0)
    total = int(np.prod(nbin))
    dev.check_dtype(np.float64)
    wt = None if w is None else _tensor.cast_tensor(t_flat(w)._t, np.float64)
    h = _bincount_t(flat, ok_all, total, wt, np.float64).to(torch.float64).reshape(nbin)
    hist = TrnArray._new(h, dev)
    if density:
        ssum = _reductions.sum(hist)
        for i in builtins.range(D):
            shape = [1] * D
            shape[i] = nbin[i]
            hist = _elementwise.divide(hist, _manipulation.reshape(_dtype_functions.astype(_reductions.diff(edges[i]), np.float64), tuple(shape)))
        hist = _elementwise.divide(hist, ssum)
    return hist, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    """Two-dimensional histogram: (H, xedges, yedges)."""
    if len(x) != len(y):            # NumPy's first step (its TypeError for scalars)
        raise ValueError("x and y must have the same length.")
    (x, y, w), dev = _convert.as_arrays(x, y, weights, optional=(2,))
    if _dispatch.use_numpy(dev):
        b = bins
        if isinstance(b, TrnArray):
            b = _convert.np_view(b)
        elif isinstance(b, (list, tuple)):
            b = [_convert.np_view(v) if isinstance(v, TrnArray) else v for v in b]
        h, xe, ye = np.histogram2d(*np_views(x, y), b, range, density,
                                   None if w is None else _convert.np_view(w))
        return _convert.wrap(h, dev), _convert.wrap(xe, dev), _convert.wrap(ye, dev)
    try:
        N = len(bins)
    except TypeError:
        N = 1
    if N != 1 and N != 2:
        bins = [bins, bins]
    h, e = histogramdd([x, y], bins, range, density, w)
    return h, e[0], e[1]


@normalizer(np.bincount, ("x", "weights"))
def bincount(x, /, weights=None, minlength=0):
    """Occurrences of each non-negative integer (weights sum as float64)."""
    w, dev = weights, x._device
    minlength = operator.index(minlength)
    if minlength < 0:
        raise ValueError("'minlength' must not be negative")
    if x.ndim != 1:
        raise ValueError("object too deep for desired array" if x.ndim > 1 else
                         "object of too small depth for desired array")
    if not (x.dtype.kind in "biu" and np.can_cast(x.dtype, np.intp, "safe")):
        raise TypeError(f"Cannot cast array data from {x.dtype!r} to dtype('int64') "
                        "according to the rule 'safe'")
    xt = _tensor.cast_tensor(x._t, np.int64)
    if xt.numel() and builtins.bool((xt < 0).any()):
        raise ValueError("'list' argument must have no negative elements")
    if w is not None:
        if w.shape != x.shape:
            raise ValueError("The weights and list don't have the same length.")
        if w.dtype.kind == "c":
            raise TypeError(f"Cannot cast array data from {w.dtype!r} to dtype('float64') "
                            "according to the rule 'safe'")
        dev.check_dtype(np.float64)
        wt = _tensor.cast_tensor(w._t, np.float64)
        return TrnArray._new(torch.bincount(xt, weights=wt, minlength=minlength), dev)
    return TrnArray._new(torch.bincount(xt, minlength=minlength), dev)


@normalizer(np.digitize, ("x", "bins"))
def digitize(x, bins, right=False):
    """Indices of the bins each value of ``x`` falls in (bins monotonic either way)."""
    b = bins
    if x.dtype.kind == "c":
        raise TypeError("x may not be complex")
    if b.ndim != 1:
        raise ValueError("object too deep for desired array" if b.ndim > 1 else
                         "object of too small depth for desired array")
    if b.dtype.kind == "c":        # NumPy casts bins to float64 before its monotonic check
        raise TypeError(f"Cannot cast array data from {b.dtype!r} to dtype('float64') "
                        "according to the rule 'safe'")
    side = "left" if right else "right"
    if b.shape[0] <= 1:
        inc = True
    else:
        up = _reductions.all(_elementwise.greater_equal(b[1:], b[:-1]))
        down = _reductions.all(_elementwise.less_equal(b[1:], b[:-1]))
        if builtins.bool(up):
            inc = True
        elif builtins.bool(down):
            inc = False
        else:
            raise ValueError("bins must be monotonically increasing or decreasing")
    if inc:
        return _searching.searchsorted(b, x, side=side)
    r = _searching.searchsorted(_manipulation.flip(b), x, side=side)
    return _elementwise.subtract(b.shape[0], r)


# ---------------------------------------------------------------------------
# nan cumulations / differences / integrals
def _nancum(a, axis, dtype, out, is_sum):
    a = _convert.as_array(a)
    if _dispatch.use_numpy(a._device):
        fn = np.nancumsum if is_sum else np.nancumprod
        r = fn(_convert.np_view(a), axis=axis, dtype=dtype)
        return _normalize.deliver(_convert.wrap(r, a._device), out, "nancumsum" if is_sum else "nancumprod")
    if a.dtype.kind in "fc":
        a = _searching.where(_elementwise.isnan(a), 0 if is_sum else 1, a)
    f = _reductions.cumsum if is_sum else _reductions.cumprod
    return f(a, axis=axis, dtype=dtype, out=out)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaN as zero."""
    return _nancum(a, axis, dtype, out, True)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaN as one."""
    return _nancum(a, axis, dtype, out, False)
