"""Reductions (array API statistical/utility functions plus NumPy's names and arguments).

Result dtypes come from NumPy applied to a tiny array of the input dtype, so accumulator
rules (int8 -> int64, uint32 -> uint64, bool -> int64, mean of ints -> float64) are
NumPy's. Shared helpers used by ``_searching``, ``_sorting`` and ``_sets`` live here:
``as_array``, ``normalize_axis``, ``collapse``, ``order_key`` and ``complex_arg_extreme``.
"""
from __future__ import annotations

import builtins
import operator
import warnings

import numpy as np
from . import _torch
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index

from . import _convert, _dispatch, _dtypes, _normalize, _tensor
from ._array import TrnArray
from ._devices import CPU

__all__ = ["sum", "prod", "min", "max", "amin", "amax", "mean", "std", "var",
           "cumulative_sum", "cumulative_prod", "cumsum", "cumprod", "all", "any", "diff"]

_NoValue = object()
_backend = _dispatch._CPU_BACKEND.get
_host_result = _convert.host_result
_add_reduce = np.add.reduce
_zero_d = _convert.ZERO_D.get


# ---------------------------------------------------------------------------
# shared helpers
def _np_kw(**kw):
    """Keyword arguments for a NumPy call, without those left at their defaults."""
    out = {}
    for k, v in kw.items():
        if v is _NoValue or v is None and k in ("out", "dtype", "initial", "mean"):
            continue
        if k == "where" and v is True:
            continue
        if isinstance(v, TrnArray):
            v = _convert.np_view(v)
        out[k] = v
    return out


def _where_tensor(where, x, dev):
    """``where=`` as a bool tensor broadcast to ``x``'s shape (None when it is True)."""
    if where is True:
        return None
    w = _convert.as_array(where, device=dev)
    _convert.same_device(w, x)
    if w.dtype != np.bool_:
        raise TypeError("where= must be a boolean array")
    try:
        return torch.broadcast_to(w._t, x._t.shape)
    except RuntimeError:
        raise ValueError(f"where= of shape {w.shape} does not broadcast to the input's "
                         f"shape {x.shape}") from None


def _sub(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a - b; complex parts separately (torch's complex subtract turns 1 - infj into nan)."""
    if a.is_complex():
        return torch.complex(a.real - b.real, a.imag - b.imag)
    return a - b


def _axes(axis, ndim, keepdims) -> tuple:
    """The reduced axes, with NumPy's TypeErrors for a list ``axis`` and a ``keepdims``
    that is not an integer (its reductions read both through ``operator.index``)."""
    if isinstance(axis, list):
        raise TypeError("'list' object cannot be interpreted as an integer")
    if keepdims is not True and keepdims is not False:
        operator.index(keepdims)
    return _normalize.normalize_axis(axis, ndim)


def _finish(r: torch.Tensor, shape, axes, keepdims) -> torch.Tensor:
    return r.reshape(_normalize.reduced_shape(shape, axes, keepdims))


def _numpy_call(fn, x, dev, out, name, **kw):
    """Run NumPy function ``fn`` on the view of ``x`` (the CPU NumPy backend)."""
    _normalize.check_out(out, name)
    if out is not None:
        _convert.same_device(out, x)
        kw["out"] = _convert.np_view(out)
    where = kw.get("where")
    if isinstance(where, TrnArray):
        _convert.same_device(where, x)
    r = fn(_convert.np_view(x), **_np_kw(**kw))
    return out if out is not None else _convert.wrap(r, dev)


def _prep(x, name, dtype):
    x = _convert.as_array(x)
    dev = x._device
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
        dev.check_dtype(dtype)
    return x, dev, dtype


def _probe_dtype(fn, in_dt, dtype, n=1):
    """The result dtype NumPy's ``fn`` gives for input dtype ``in_dt`` and ``dtype=``."""
    kw = {} if dtype is None else {"dtype": dtype}
    with np.errstate(all="ignore"):
        return _dtypes.as_dtype(np.asarray(fn(np.zeros(n, in_dt), **kw)).dtype)


# ---------------------------------------------------------------------------
# sum / prod
def _sum_prod(x, axis, dtype, keepdims, initial, where, out, is_sum):
    # torch fast path: a whole-array sum/prod of a TrnArray without keywords. The result
    # dtype (NumPy's probe) is cached per input dtype; no-op casts and reshapes skipped.
    if (type(x) is TrnArray and axis is None and dtype is None and out is None
            and initial is None and where is True and keepdims is False):
        dev = x._device
        if not _dispatch.use_numpy(dev):
            t = x._tt
            if t is None:
                t = x._t
            cache = _WHOLE[is_sum]
            entry = cache.get(t.dtype)
            if entry is None or entry[0] is not dev:
                res_dt = _probe_dtype(np.sum if is_sum else np.prod,
                                      _dtypes.from_torch(t.dtype), None)
                dev.check_dtype(res_dt)
                ct, rt = _dtypes.compute_torch(res_dt), _dtypes.to_torch(res_dt)
                is_bool = res_dt == np.bool_
                # (same: the input tensor is the result's, so t.sum() is the whole job)
                same = not is_bool and t.dtype is ct and ct is rt
                entry = cache[t.dtype] = (dev, res_dt, ct, rt, is_bool, same,
                                          _convert._scalar_type(rt) if same else None)
            _, res_dt, ct, rt, is_bool = entry[:5]
            # (a strided input takes the general path's reshape: the same summation
            # order as before)
            if not is_bool and t.is_contiguous():
                if t.dtype is not ct:
                    t = _tensor.compute_tensor(t, res_dt)
                # (t is in ct now, which torch keeps: no dtype= needed)
                if is_sum:
                    r = t.sum()
                else:
                    r = _complex_prod(t.reshape(-1)) if t.is_complex() else t.prod()
                if r.dtype is not rt:
                    r = _tensor.from_compute(r, res_dt)
                return _convert.reduced(r, dev)
        elif type(a := x._np) is np.ndarray:
            # NumPy fast path: np.sum/np.prod of an ndarray is this reduce
            return _convert.wrap((np.add if is_sum else np.multiply).reduce(a, axis=None),
                                 dev)
    name = "sum" if is_sum else "prod"
    x, dev, dtype = _prep(x, name, dtype)
    if _dispatch.use_numpy(dev):
        return _numpy_call(np.sum if is_sum else np.prod, x, dev, out, name, axis=axis,
                           dtype=dtype, keepdims=keepdims, initial=initial, where=where)
    axes = _axes(axis, x.ndim, keepdims)
    res_dt = _probe_dtype(np.sum if is_sum else np.prod, x.dtype, dtype)
    dev.check_dtype(res_dt)
    w = _where_tensor(where, x, dev)
    if res_dt == np.bool_:
        # add/multiply on bools are logical or/and
        t = x._t if x.dtype == np.bool_ else _tensor.cast_tensor(x._t, np.bool_)
        if w is not None:
            t = torch.where(w, t, not is_sum)
        c = _tensor.collapse(t, axes)
        r = c.any(dim=-1) if is_sum else c.all(dim=-1)
        if initial is not None:
            r = (r | builtins.bool(initial)) if is_sum else (r & builtins.bool(initial))
    else:
        t = _tensor.compute_tensor(x._t, res_dt)
        if w is not None:
            t = torch.where(w, t, torch.zeros((), dtype=t.dtype) if is_sum
                            else torch.ones((), dtype=t.dtype))
        c = _tensor.collapse(t, axes)
        if is_sum:
            r = c.sum(dim=-1, dtype=c.dtype)
        else:
            r = _complex_prod(c) if c.is_complex() else c.prod(dim=-1, dtype=c.dtype)
        if initial is not None:
            init = _tensor.scalar_tensor(initial, res_dt, dev)
            r = r + init if is_sum else r * init
        r = _tensor.from_compute(r, res_dt)
    res = TrnArray._new(_finish(r, x.shape, axes, keepdims), dev)
    return _normalize.deliver(res, out, name)


def _complex_prod(c: torch.Tensor) -> torch.Tensor:
    """Product over the last axis as NumPy folds it, from the identity: 1 * x[0] first
    (nan+nanj for x[0] = nan+infj, where CUDA's prod returns a lone element as it is),
    then the rest. Multiplying the result by 1 instead would turn a -infj result into nan."""
    if c.shape[-1] == 0:
        return c.prod(dim=-1)
    one = torch.ones((), dtype=c.dtype, device=c.device)
    first = one * c[..., 0]
    # (not times an empty product: 1 * (nan-infj) would lose the -infj)
    return first if c.shape[-1] == 1 else first * c[..., 1:].prod(dim=-1)


# whole-array sum/prod on the torch path, per input tensor dtype: (device, result dtype,
# compute tensor dtype, result tensor dtype, result is bool, input tensor is already the
# result's dtype, NumPy scalar type of the result or None)
_WHOLE = {True: {}, False: {}}
_WHOLE_SUM = _WHOLE[True]


def sum(x, /, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Sum of elements over ``axis`` (array API ``sum`` and NumPy's ``sum``)."""
    # hot paths for a whole-array sum without keywords: NumPy's own reduction (what
    # np.sum calls for an ndarray) on a host view on the NumPy backend; on the torch path
    # a loop _sum_prod has cached whose input is already the result dtype: t.sum() and,
    # on the CPU, NumPy's scalar straight from .item()
    if (type(x) is TrnArray and axis is None and dtype is None and out is None
            and initial is None and where is True and keepdims is False):
        dev = x._device
        if dev is CPU and _backend() == "numpy":
            if (a := x._np) is not None:
                return _convert.wrap(_add_reduce(a, axis=None), CPU)   # a value
        elif ((t := x._tt) is not None and (e := _WHOLE_SUM.get(t.dtype)) is not None
              and e[0] is dev and e[5] and t.is_contiguous()):
            if dev is CPU and (sc := e[6]) is not None and not _zero_d():
                return sc(t.sum().item())
            return _convert.reduced(t.sum(), dev)
    return _sum_prod(x, axis, dtype, keepdims, initial, where, out, True)


def prod(x, /, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    """Product of elements over ``axis`` (array API ``prod`` and NumPy's ``prod``)."""
    return _sum_prod(x, axis, dtype, keepdims, initial, where, out, False)


# ---------------------------------------------------------------------------
# max / min
def _extreme(x, axis, out, keepdims, initial, where, is_max):
    name = "max" if is_max else "min"
    x, dev, _ = _prep(x, name, None)
    if _dispatch.use_numpy(dev):
        return _numpy_call(np.max if is_max else np.min, x, dev, out, name, axis=axis,
                           keepdims=keepdims, initial=initial, where=where)
    axes = _axes(axis, x.ndim, keepdims)
    ufname = "maximum" if is_max else "minimum"
    w = _where_tensor(where, x, dev)
    if w is not None and initial is None:
        raise ValueError(f"reduction operation '{ufname}' does not have an identity, so to "
                         "use a where mask one has to specify 'initial'")
    dt = x.dtype
    c = _tensor.collapse(x._t, axes)
    n = c.shape[-1]
    if n == 0 and initial is None:
        raise ValueError(f"zero-size array to reduction operation {ufname} which has no "
                         "identity")
    shape_out = c.shape[:-1]
    if dt.kind == "c":
        if initial is not None or w is not None:
            raise NotImplementedError(f"trnpy.{name}: initial=/where= on complex arrays are "
                                      "not supported on the torch backend")
        idx = _tensor.complex_arg_extreme(c, is_max)
        r = torch.gather(c, -1, idx.unsqueeze(-1)).squeeze(-1)
    else:
        k = _tensor.order_key(c, dt)
        init = None
        if initial is not None:
            init = _tensor.order_key(_tensor.from_compute(_tensor.scalar_tensor(initial, dt, dev), dt)
                             if dt.kind != "b" else torch.tensor(builtins.bool(initial)), dt)
            if w is not None:
                k = torch.where(_tensor.collapse(w, axes), k, init)
        if n == 0:
            r = init.expand(shape_out).clone()
        else:
            r = torch.amax(k, dim=-1) if is_max else torch.amin(k, dim=-1)
            if init is not None:
                r = torch.maximum(r, init) if is_max else torch.minimum(r, init)
        r = _tensor.from_order_key(r, dt)
    res = TrnArray._new(_finish(r, x.shape, axes, keepdims), dev)
    return _normalize.deliver(res, out, name)


def max(x, /, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Maximum over ``axis``; NaN propagates (array API ``max`` and NumPy's ``max``)."""
    return _extreme(x, axis, out, keepdims, initial, where, True)


def min(x, /, axis=None, out=None, keepdims=False, initial=None, where=True):
    """Minimum over ``axis``; NaN propagates (array API ``min`` and NumPy's ``min``)."""
    return _extreme(x, axis, out, keepdims, initial, where, False)


amax = max
amin = min


# ---------------------------------------------------------------------------
# mean / var / std
def _acc_dtype(dt: np.dtype) -> np.dtype:
    """The dtype torch accumulates a floating result in (float16 via float32)."""
    return np.dtype(np.float32) if dt == np.float16 else dt


def _count(w, axes, c_shape_n, dev):
    if w is None:
        return c_shape_n
    return _tensor.collapse(w, axes).sum(dim=-1)


def _mean_t(x, axes, res_dt, w, dev):
    """Torch mean with keepdims-shaped result in the accumulator dtype."""
    acc = _acc_dtype(res_dt)
    t = _tensor.compute_tensor(x._t, acc)
    if w is not None:
        t = torch.where(w, t, torch.zeros((), dtype=t.dtype))
    c = _tensor.collapse(t, axes)
    s = c.sum(dim=-1, dtype=c.dtype)
    n = _count(w, axes, c.shape[-1], dev)
    return s / n


def mean(x, /, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """Arithmetic mean over ``axis`` (integers average in float64, as NumPy)."""
    x, dev, dtype = _prep(x, "mean", dtype)
    if _dispatch.use_numpy(dev):
        return _numpy_call(np.mean, x, dev, out, "mean", axis=axis, dtype=dtype,
                           keepdims=keepdims, where=where)
    axes = _axes(axis, x.ndim, keepdims)
    res_dt = _probe_dtype(np.mean, x.dtype, dtype)
    dev.check_dtype(res_dt)
    w = _where_tensor(where, x, dev)
    if w is None and 0 in [x.shape[a] for a in axes]:
        warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=2)
    if res_dt.kind not in "fc":
        # an integer/bool dtype=: NumPy sums in it, true-divides, and casts back
        s = _convert.as_array(_sum_prod(x, axis, res_dt, False, None, where, None, True),
                              dev)._t     # (a full sum on the CPU is a value)
        n = _tensor.collapse(w, axes).sum(dim=-1) if w is not None else \
            int(np.prod([x.shape[a] for a in axes]))
        r = _tensor.cast_tensor(_tensor.cast_tensor(s, np.float64) / n, res_dt)
    else:
        r = _tensor.cast_tensor(_mean_t(x, axes, res_dt, w, dev), res_dt)
    res = TrnArray._new(_finish(r, x.shape, axes, keepdims), dev)
    return _normalize.deliver(res, out, "mean")


def _var_std(x, axis, dtype, out, ddof, keepdims, where, mean_, correction, is_std):
    name = "std" if is_std else "var"
    if ddof is not None and correction is not None:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    corr = correction if correction is not None else (ddof if ddof is not None else 0)
    x, dev, dtype = _prep(x, name, dtype)
    if _dispatch.use_numpy(dev):
        return _numpy_call(np.std if is_std else np.var, x, dev, out, name, axis=axis,
                           dtype=dtype, ddof=corr, keepdims=keepdims, where=where,
                           mean=mean_)
    axes = _axes(axis, x.ndim, keepdims)
    res_dt = _probe_dtype(np.std if is_std else np.var, x.dtype, dtype, n=2)
    dev.check_dtype(res_dt)
    if res_dt.kind not in "fc":
        raise NotImplementedError(f"trnpy.{name}: an integer dtype= is not supported on the "
                                  "torch backend")
    # NumPy computes in dtype= (or the input's float dtype; float64 for integers)
    comp_dt = dtype if dtype is not None else (
        x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64))
    dev.check_dtype(comp_dt)
    # float16 runs in float32, rounded to float16 where NumPy's float16 steps round
    half = np.dtype(comp_dt) == np.float16
    rnd = (lambda v: v.to(torch.float16).to(torch.float32)) if half else (lambda v: v)
    w = _where_tensor(where, x, dev)
    t = _tensor.compute_tensor(x._t, _acc_dtype(comp_dt))
    ck = _tensor.collapse(t, axes)
    wc = None if w is None else _tensor.collapse(w, axes)
    n = ck.shape[-1] if wc is None else wc.sum(dim=-1, keepdim=True)
    if mean_ is not None:
        m = _convert.as_array(mean_, device=dev)
        _convert.same_device(m, x)
        mt = torch.broadcast_to(_tensor.compute_tensor(m._t, _acc_dtype(comp_dt)),
                                _normalize.reduced_shape(x.shape, axes, True))
        mc = _tensor.collapse(mt, axes)                 # trailing dim of size 1
    else:
        tw = ck if wc is None else torch.where(wc, ck, torch.zeros((), dtype=ck.dtype))
        mc = rnd(rnd(tw.sum(dim=-1, keepdim=True)) / n)
    d = rnd(_sub(ck, mc))
    # (d is a fresh tensor: squaring it in place keeps the peak at one input size)
    sq = rnd(d.real * d.real + d.imag * d.imag) if d.is_complex() else rnd(d.mul_(d))
    if wc is not None:
        sq = torch.where(wc, sq, torch.zeros((), dtype=sq.dtype))
    denom = n - corr
    if not _torch.is_tensor(denom) and denom <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
    denom = torch.clamp(denom, min=0) if _torch.is_tensor(denom) else builtins.max(denom, 0)
    r = rnd(sq.sum(dim=-1, keepdim=True)) / denom
    r = rnd(r).squeeze(-1)
    if is_std:
        r = torch.sqrt(r)
    r = _tensor.cast_tensor(r, res_dt)
    res = TrnArray._new(_finish(r, x.shape, axes, keepdims), dev)
    return _normalize.deliver(res, out, name)


def var(x, /, axis=None, dtype=None, out=None, ddof=None, keepdims=False, *, where=True,
        mean=None, correction=None):
    """Variance over ``axis`` with ``correction`` (array API) or ``ddof`` (NumPy)."""
    return _var_std(x, axis, dtype, out, ddof, keepdims, where, mean, correction, False)


def std(x, /, axis=None, dtype=None, out=None, ddof=None, keepdims=False, *, where=True,
        mean=None, correction=None):
    """Standard deviation over ``axis`` with ``correction`` (array API) or ``ddof``."""
    return _var_std(x, axis, dtype, out, ddof, keepdims, where, mean, correction, True)


# ---------------------------------------------------------------------------
# all / any
def _all_any(x, axis, out, keepdims, where, is_all):
    name = "all" if is_all else "any"
    x, dev, _ = _prep(x, name, None)
    if _dispatch.use_numpy(dev):
        return _numpy_call(np.all if is_all else np.any, x, dev, out, name, axis=axis,
                           keepdims=keepdims, where=where)
    axes = _axes(axis, x.ndim, keepdims)
    w = _where_tensor(where, x, dev)
    t = x._t if x.dtype == np.bool_ else x._t != 0
    if w is not None:
        t = torch.where(w, t, is_all)
    c = _tensor.collapse(t, axes)
    r = c.all(dim=-1) if is_all else c.any(dim=-1)
    res = TrnArray._new(_finish(r, x.shape, axes, keepdims), dev)
    return _normalize.deliver(res, out, name)


def all(x, /, axis=None, out=None, keepdims=False, *, where=True):
    """Whether every element over ``axis`` is truthy (NaN counts as true)."""
    return _all_any(x, axis, out, keepdims, where, True)


def any(x, /, axis=None, out=None, keepdims=False, *, where=True):
    """Whether any element over ``axis`` is truthy (NaN counts as true)."""
    return _all_any(x, axis, out, keepdims, where, False)


# ---------------------------------------------------------------------------
# cumulative sums and products
def _cumulate(x, axis, dtype, out, include_initial, is_sum, numpy_names):
    if numpy_names:
        name = "cumsum" if is_sum else "cumprod"
    else:
        name = "cumulative_sum" if is_sum else "cumulative_prod"
    x, dev, dtype = _prep(x, name, dtype)
    if _dispatch.use_numpy(dev):
        if numpy_names:
            fn = np.cumsum if is_sum else np.cumprod
            return _numpy_call(fn, x, dev, out, name, axis=axis, dtype=dtype)
        fn = np.cumulative_sum if is_sum else np.cumulative_prod
        return _numpy_call(fn, x, dev, out, name, axis=axis, dtype=dtype,
                           include_initial=include_initial)
    res_dt = _probe_dtype(np.cumsum if is_sum else np.cumprod, x.dtype, dtype)
    dev.check_dtype(res_dt)
    t = x._t
    if numpy_names and axis is None:
        t, ax = t.reshape(-1), 0
    elif axis is None:
        if t.dim() > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` "
                             "argument is required.")
        t, ax = t.reshape(-1), 0
    else:
        ax = normalize_axis_index(operator.index(axis), builtins.max(t.dim(), 1)
                                  if not numpy_names else t.dim())
        if t.dim() == 0:
            t = t.reshape(1)
    if res_dt == np.bool_:
        c = _tensor.cast_tensor(t, np.int64) != 0
        c = c.to(torch.int64)
        r = (torch.cumsum(c, ax) if is_sum else torch.cumprod(c, ax)) != 0
    else:
        c = _tensor.compute_tensor(t, res_dt)
        r = torch.cumsum(c, ax, dtype=c.dtype) if is_sum else torch.cumprod(c, ax, dtype=c.dtype)
        if not is_sum and c.is_complex() and c.shape[ax]:
            # torch starts from 1 * x0, which turns a complex inf into nan; NumPy takes x0
            r.narrow(ax, 0, 1).copy_(c.narrow(ax, 0, 1))
    if include_initial:
        shape = list(r.shape)
        shape[ax] = 1
        init = torch.zeros(shape, dtype=r.dtype) if is_sum else torch.ones(shape, dtype=r.dtype)
        r = torch.cat([init.to(r.device), r], dim=ax)
    r = _tensor.from_compute(r, res_dt) if res_dt != np.bool_ else r
    return _normalize.deliver(TrnArray._new(r, dev), out, name)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False, out=None):
    """Array API ``cumulative_sum`` (axis required for arrays with more than one dim)."""
    return _cumulate(x, axis, dtype, out, include_initial, True, False)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False, out=None):
    """Array API ``cumulative_prod`` (axis required for arrays with more than one dim)."""
    return _cumulate(x, axis, dtype, out, include_initial, False, False)


def cumsum(a, axis=None, dtype=None, out=None):
    """NumPy's ``cumsum``: ``axis=None`` sums over the flattened array."""
    return _cumulate(a, axis, dtype, out, False, True, True)


def cumprod(a, axis=None, dtype=None, out=None):
    """NumPy's ``cumprod``: ``axis=None`` multiplies over the flattened array."""
    return _cumulate(a, axis, dtype, out, False, False, True)


# ---------------------------------------------------------------------------
# diff
def diff(x, /, n=1, axis=-1, prepend=None, append=None):
    """n-th discrete difference along ``axis`` (array API ``diff`` and NumPy's ``diff``;
    ``None`` for prepend/append means none, as in the array API)."""
    if prepend is _NoValue:
        prepend = None
    if append is _NoValue:
        append = None
    n = _normalize.scalar_arg(n)
    if isinstance(n, (builtins.float, np.floating)) and n < 0:
        # NumPy compares n with 0 before it needs an int
        raise ValueError(f"order must be non-negative but got {n!r}")
    n = operator.index(n)
    x = _convert.as_array(x)
    dev = x._device
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if x.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    ax = normalize_axis_index(operator.index(axis), x.ndim)
    parts = []
    for p in (prepend, append):
        if p is None:
            parts.append(None)
            continue
        p = _convert.as_array(p, device=dev)
        _convert.same_device(p, x)
        if p.ndim == 0:
            shape = list(x.shape)
            shape[ax] = 1
            p = TrnArray._new(p._t.expand(shape), dev)
        parts.append(p)
    if _dispatch.use_numpy(dev):
        kw = {}
        if parts[0] is not None:
            kw["prepend"] = _convert.np_view(parts[0])
        if parts[1] is not None:
            kw["append"] = _convert.np_view(parts[1])
        return _convert.wrap(np.diff(_convert.np_view(x), n=n, axis=ax, **kw), dev)
    arrs = [a for a in (parts[0], x, parts[1]) if a is not None]
    dt = _dtypes.result_type(*arrs)
    dev.check_dtype(dt)
    if n == 0:
        return x
    for a in arrs:
        if a.ndim != x.ndim:
            raise ValueError("all the input array dimensions except for the concatenation "
                             "axis must match exactly")
    try:
        t = torch.cat([_tensor.compute_tensor(a._t, dt) if dt != np.bool_ else a._t
                       for a in arrs], dim=ax)
    except RuntimeError as e:
        raise ValueError(f"all the input array dimensions except for the concatenation axis "
                         f"must match exactly ({e})") from None
    for _ in range(n):
        k = t.shape[ax]
        hi = t.narrow(ax, builtins.min(1, k), builtins.max(k - 1, 0))
        lo = t.narrow(ax, 0, builtins.max(k - 1, 0))
        t = hi != lo if dt == np.bool_ else _sub(hi, lo)
    if dt != np.bool_:
        t = _tensor.from_compute(t, dt)
    return TrnArray._new(t, dev)
