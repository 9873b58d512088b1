"""NumPy's math helpers beyond the ufuncs: differences and integrals,
convolution, einsum, interpolation, phase functions and closeness tests.

The CPU NumPy backend calls NumPy on the zero-copy view. The torch path is mostly a
composition of trnpy's own functions (so dtype rules, uint handling and devices come
from the ufuncs and reductions); it drops to torch where a kernel is needed.

Shared helpers for ``_statistics`` and ``_polynomial``: ``probe``, ``tensor``.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np
from . import _torch
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index
import warnings

from . import (_array, _convert, _creation, _dtype_functions, _dispatch, _dtypes, _elementwise, _gemm,
               _manipulation, _normalize, _reductions, _searching, _tensor)
from ._array import TrnArray
from ._devices import get_default_device
from ._gemm import _absmax
from ._normalize import normalizer, np_arg

__all__ = ["ediff1d", "gradient", "trapezoid", "convolve",
           "correlate", "cross", "kron", "einsum", "einsum_path", "interp", "nan_to_num",
           "angle", "unwrap", "sinc", "i0", "real_if_close", "fix", "isneginf", "isposinf",
           "iscomplexobj", "isrealobj", "isscalar", "iscomplex", "isreal", "isclose",
           "allclose", "array_equal", "array_equiv"]


# ---------------------------------------------------------------------------
# shared helpers
def probe(fn, *dtypes, shape=(2,), **kw):
    """Result dtype(s) of NumPy's ``fn`` on tiny arrays of ``dtypes``."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = fn(*[np.ones(shape, d) for d in dtypes], **kw)
    if isinstance(r, (tuple, list)):
        return [np.asarray(x).dtype for x in r]
    return np.asarray(r).dtype


def tensor(x, dtype=None):
    """The compute tensor of TrnArray ``x`` (cast to ``dtype`` first)."""
    return _tensor.compute_tensor(x._t, dtype)


def new(t, dtype, dev):
    dtype = np.dtype(dtype)
    dev.check_dtype(dtype)
    return TrnArray._new(_tensor.from_compute(t, dtype), dev)


@normalizer(np.ediff1d, ("ary", "to_end", "to_begin"))
def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, with optional ends."""
    a, e, b = ary, to_end, to_begin
    dt = a.dtype
    flat = _manipulation.reshape(a, (-1,))
    parts = []
    for p, name in ((b, "to_begin"), (None, None), (e, "to_end")):
        if name is None:
            parts.append(_reductions.diff(flat) if flat.shape[0] else flat)
            continue
        if p is None:
            continue
        if not np.can_cast(p.dtype, dt, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under "
                            "the `same_kind` rule.")
        parts.append(_dtype_functions.astype(_manipulation.reshape(p, (-1,)), dt))
    return _manipulation.concatenate(parts) if len(parts) > 1 else _dtype_functions.astype(parts[0], dt)


def gradient(f, *varargs, axis=None, edge_order=1):
    """NumPy's ``gradient``: second-order central differences inside, first- or
    second-order one-sided differences at the edges."""
    f = _convert.as_array(f)
    dev = f._device
    if _dispatch.use_numpy(dev):
        va = [_convert.host(_convert.as_array(v, dev)) if isinstance(v, TrnArray) else v for v in varargs]
        r = np.gradient(_convert.np_view(f), *va, axis=axis, edge_order=edge_order)
        if isinstance(r, tuple):
            return tuple(_convert.wrap(x, dev) for x in r)
        return _convert.wrap(r, dev)
    N = f.ndim
    if axis is None:
        axes = tuple(range(N))
    else:
        axes = tuple(normalize_axis_index(operator.index(a), N)
                     for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        if len(set(axes)) != len(axes):
            raise ValueError("duplicate value in 'axis'")
    len_axes = len(axes)
    n = len(varargs)
    if n == 0:
        dx = [1.0] * len_axes
    elif n == 1 and np.ndim(_spacing_host(varargs[0])) == 0:
        dx = list(varargs) * len_axes
    elif n == len_axes:
        dx = list(varargs)
        for i, d in enumerate(dx):
            d = _convert.as_array(d, dev) if not _dtypes.is_python_scalar(d) else d
            if isinstance(d, TrnArray) and d.ndim == 0:
                continue
            if isinstance(d, TrnArray):
                if d.ndim != 1:
                    raise ValueError("distances must be either scalars or 1d")
                if d.shape[0] != f.shape[axes[i]]:
                    raise ValueError("when 1d, distances must match the length of the "
                                     "corresponding dimension")
                dx[i] = d
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    otype = f.dtype if f.dtype.kind in "fc" else np.dtype(np.float64)
    if f.dtype.kind not in "fcb" and f.dtype.kind in "iu":
        pass
    dev.check_dtype(otype)
    ff = f if f.dtype.kind in "fc" else _dtype_functions.astype(f, otype)
    outvals = []
    for ax, d in zip(axes, dx):
        L = f.shape[ax]
        if L < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        ft = ff._t.movedim(ax, -1)
        o = torch.empty_like(ft)
        uniform = not isinstance(d, TrnArray) or d.ndim == 0
        if not uniform:
            dd = _tensor.compute_tensor(d._t)
            if d.dtype.kind in "iu":
                dd = dd.to(torch.float64)
            # NumPy's coefficients from a spacing array are strong: compute in their dtype
            ft = ft.to(torch.promote_types(ft.dtype, dd.dtype))
            diffx = dd[1:] - dd[:-1]
            if bool((diffx == diffx[0]).all()):
                uniform, d = True, diffx[0]
        if uniform:
            h = d._t if isinstance(d, TrnArray) else torch.tensor(d)
            h = _tensor.compute_tensor(h) if isinstance(d, TrnArray) else h
            if h.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
                           torch.bool):
                h = h.to(torch.float64)
            if (isinstance(d, TrnArray) or _torch.is_tensor(d)):
                ft = ft.to(torch.promote_types(ft.dtype, h.dtype))
        if uniform:
            o[..., 1:-1] = (ft[..., 2:] - ft[..., :-2]) / (2.0 * h)
        else:
            dx1, dx2 = diffx[:-1], diffx[1:]
            a = -(dx2) / (dx1 * (dx1 + dx2))
            b = (dx2 - dx1) / (dx1 * dx2)
            c = dx1 / (dx2 * (dx1 + dx2))
            o[..., 1:-1] = a * ft[..., :-2] + b * ft[..., 1:-1] + c * ft[..., 2:]
        if edge_order == 1:
            if uniform:
                o[..., 0] = (ft[..., 1] - ft[..., 0]) / h
                o[..., -1] = (ft[..., -1] - ft[..., -2]) / h
            else:
                o[..., 0] = (ft[..., 1] - ft[..., 0]) / diffx[0]
                o[..., -1] = (ft[..., -1] - ft[..., -2]) / diffx[-1]
        else:
            if uniform:
                a, b, c = -1.5 / h, 2. / h, -0.5 / h
            else:
                dx1, dx2 = diffx[0], diffx[1]
                a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
                b = (dx1 + dx2) / (dx1 * dx2)
                c = - dx1 / (dx2 * (dx1 + dx2))
            o[..., 0] = a * ft[..., 0] + b * ft[..., 1] + c * ft[..., 2]
            if uniform:
                a, b, c = 0.5 / h, -2. / h, 1.5 / h
            else:
                dx1, dx2 = diffx[-2], diffx[-1]
                a = dx2 / (dx1 * (dx1 + dx2))
                b = - (dx2 + dx1) / (dx1 * dx2)
                c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
            o[..., -1] = a * ft[..., -3] + b * ft[..., -2] + c * ft[..., -1]
        outvals.append(TrnArray._new(o.movedim(-1, ax), dev))
    if len_axes == 1:
        return outvals[0]
    return tuple(outvals)


def _spacing_host(v):
    if isinstance(v, TrnArray):
        return np.empty(v.shape)
    return np.asarray(v) if not np.isscalar(v) else v


@normalizer(lambda y, x=None, dx=1.0, axis=-1: np.trapezoid(y, x, dx=np_arg(dx), axis=axis),
            ("y", "x"))
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the composite trapezoidal rule."""
    nd = y.ndim
    ax = normalize_axis_index(operator.index(axis), builtins.max(nd, 1)) if nd else axis
    if x is None:
        d = dx
    else:
        if x.ndim == 1:
            d = _reductions.diff(x)
            shape = [1] * nd
            shape[ax] = d.shape[0]
            d = _manipulation.reshape(d, tuple(shape))
        else:
            d = _reductions.diff(x, axis=axis)
    sl1 = [slice(None)] * nd
    sl2 = [slice(None)] * nd
    sl1[axis] = slice(1, None)
    sl2[axis] = slice(None, -1)
    s = _elementwise.divide(_elementwise.multiply(d, _elementwise.add(y[tuple(sl1)], y[tuple(sl2)])), 2.0)
    return _reductions.sum(s, axis=axis)


# ---------------------------------------------------------------------------
# convolution
def _corr_t(a: TrnArray, v: TrnArray, mode, conj, name):
    """Full/same/valid correlation c[k] = sum_n a[n+k] * f(v[n]) on the torch path."""
    dev = a._device
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError("object too deep for desired array")
    n, m = a.shape[0], v.shape[0]
    if n == 0:
        raise ValueError("a cannot be empty")
    if m == 0:
        raise ValueError("v cannot be empty")
    modes = {"valid": 0, "same": 1, "full": 2, 0: 0, 1: 1, 2: 2, "v": 0, "s": 1, "f": 2}
    if mode not in modes:
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    mode = modes[mode]
    dt = _dtypes.result_type(a, v)
    dev.check_dtype(dt)
    cdt = np.dtype(np.int64) if dt.kind in "biu" else dt
    ta = _tensor.cast_tensor(a._t, cdt) if dt.kind != "b" else a._t.to(torch.int64)
    tv = _tensor.cast_tensor(v._t, cdt) if dt.kind != "b" else v._t.to(torch.int64)
    ta, tv = _tensor.compute_tensor(ta), _tensor.compute_tensor(tv)
    if conj and tv.is_complex():
        tv = tv.conj().resolve_conj()
    if cdt.kind == "f" and cdt != np.float16:
        # cross-correlation is what conv1d computes
        pa = torch.nn.functional.pad(ta.reshape(1, 1, n), (m - 1, m - 1))
        full = torch.nn.functional.conv1d(pa, tv.reshape(1, 1, m)).reshape(-1)
    else:
        pa = torch.cat([torch.zeros(m - 1, dtype=ta.dtype, device=ta.device), ta,
                        torch.zeros(m - 1, dtype=ta.dtype, device=ta.device)])
        w = pa.unfold(0, m, 1)
        full = (w * tv).sum(-1, dtype=w.dtype)
    lo, hi = builtins.min(n, m), builtins.max(n, m)
    if mode == 2:
        r = full
    elif mode == 0:
        r = full[lo - 1: hi]
    else:
        s = (lo - 1) // 2 if n >= m else lo // 2
        r = full[s: s + hi]
    if dt.kind == "b":
        r = r != 0
    else:
        r = _tensor.from_compute(r, dt)
    return TrnArray._new(r.contiguous(), dev)


@normalizer(np.convolve, ("a", "v"))
def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D sequences."""
    if a.ndim == 0 or v.ndim == 0:
        a = _manipulation.reshape(a, (-1,))
        v = _manipulation.reshape(v, (-1,))
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    if v.ndim == 1 and v.shape[0]:
        v = _manipulation.flip(v)
    return _corr_t(a, v, mode, False, "convolve")


@normalizer(np.correlate, ("a", "v"))
def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D sequences (``v`` conjugated, as NumPy)."""
    if a.ndim == 0 or v.ndim == 0:
        raise ValueError("object of too small depth for desired array")
    return _corr_t(a, v, mode, True, "correlate")


@normalizer(np.cross, ("a", "b"))
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors give the z component), NumPy's signature."""
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.ndim < 1 or b.ndim < 1:
        raise ValueError("At least one array has zero dimension")
    axisa = normalize_axis_index(operator.index(axisa), a.ndim)
    axisb = normalize_axis_index(operator.index(axisb), b.ndim)
    a = _manipulation.moveaxis(a, axisa, -1)
    b = _manipulation.moveaxis(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if a.shape[-1] == 2 or b.shape[-1] == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=2)
    np.broadcast_shapes(a.shape[:-1], b.shape[:-1])     # NumPy's ValueError
    mul, sub = _elementwise.multiply, _elementwise.subtract
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    a2 = a[..., 2] if a.shape[-1] == 3 else None
    b2 = b[..., 2] if b.shape[-1] == 3 else None
    cz = sub(mul(a0, b1), mul(a1, b0))
    if a2 is None and b2 is None:
        return cz
    if a2 is None:
        cx, cy = mul(a1, b2), _elementwise.negative(mul(a0, b2))
    elif b2 is None:
        cx, cy = _elementwise.negative(mul(a2, b1)), mul(a2, b0)
    else:
        cx, cy = sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2))
    cx, cy, cz = _manipulation.broadcast_arrays(cx, cy, cz)
    c = _manipulation.stack([cx, cy, cz], axis=-1)
    axisc = normalize_axis_index(operator.index(axisc), c.ndim)
    return _manipulation.moveaxis(c, -1, axisc)


@normalizer(np.kron, ("a", "b"))
def kron(a, b):
    """Kronecker product."""
    dev = a._device
    if dev.kind == "neuron":
        # an outer product (K = 1 GEMM) of the flattened operands, axes interleaved:
        # through the GEMM choke point, so it reaches the NKI kernel
        try:
            rdt = _dtypes.as_dtype(np.multiply.resolve_dtypes((a.dtype, b.dtype, None))[-1])
        except TypeError:
            raise
        except Exception as e:            # NumPy's no-loop errors
            raise TypeError(str(e)) from e
        dev.check_dtype(rdt)
        ta, tb = _tensor.cast_tensor(a._t, rdt), _tensor.cast_tensor(b._t, rdt)
        return TrnArray._new(_gemm.kron(ta, tb, dev).contiguous(), dev)
    nd = builtins.max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    ia = [d for s in sa for d in (s, 1)]
    ib = [d for s in sb for d in (1, s)]
    r = _elementwise.multiply(_manipulation.reshape(a, tuple(ia)), _manipulation.reshape(b, tuple(ib)))
    if nd == 0:
        return _manipulation.reshape(r, ())
    return _manipulation.reshape(r, tuple(x * y for x, y in zip(sa, sb)))


# ---------------------------------------------------------------------------
# einsum
def _check_optimize(optimize):
    if optimize in (False, True, "greedy", "optimal", None):
        return
    if isinstance(optimize, (list, tuple)) and optimize and optimize[0] == "einsum_path":
        return
    raise TypeError(f"Did not understand the path (optimize): {optimize!r}")


def einsum(*operands, out=None, dtype=None, order="K", casting="safe", optimize=False):
    """Einstein summation (both calling conventions). ``optimize`` picks the contraction
    order: NumPy's on the CPU NumPy backend, torch's (opt_einsum when available) else."""
    _check_optimize(optimize)
    if order not in ("K", "A", "C", "F"):
        raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    if operands and isinstance(operands[0], str):
        sub, ops = operands[0], list(operands[1:])
        ops, dev = _convert.as_arrays(*ops)
        args = [sub] + ops
        pos = list(range(1, len(args)))
    else:
        raw = list(operands)
        idx = [i for i in range(0, len(raw), 2) if not (i == len(raw) - 1 and len(raw) % 2)]
        arrays, dev = _convert.as_arrays(*[raw[i] for i in idx])
        for i, a in zip(idx, arrays):
            raw[i] = a
        args, pos, ops = raw, idx, arrays
    if dev is None:
        dev = get_default_device()
    if _dispatch.use_numpy(dev):
        npargs = list(args)
        for i in pos:
            npargs[i] = _convert.np_view(npargs[i])
        kw = dict(dtype=dtype, order=order, casting=casting, optimize=optimize)
        if out is not None:
            _convert.same_device(out, *ops)
            kw["out"] = _convert.np_view(out)
            np.einsum(*npargs, **kw)
            return out
        return _convert.wrap(np.einsum(*npargs, **kw), dev)
    # validate and get the result dtype/shape from NumPy on zero-stride stand-ins
    stand = list(args)
    for i in pos:
        stand[i] = np.broadcast_to(np.zeros((), args[i].dtype), args[i].shape)
    rdt = np.einsum(*stand, dtype=dtype, casting=casting, optimize=False).dtype
    rdt = _dtypes.as_dtype(rdt)
    dev.check_dtype(rdt)
    cdt = np.dtype(np.int64) if rdt.kind in "biu" else rdt
    targs = list(args)
    for i in pos:
        tt = _tensor.cast_tensor(args[i]._t, cdt) if args[i].dtype != cdt else args[i]._t
        targs[i] = _tensor.compute_tensor(tt)
    if cdt == np.float16 and dev.torch_device.type == "cpu":
        for i in pos:
            targs[i] = targs[i].to(torch.float32)
    if cdt == np.int64 and dev.torch_device.type == "cuda":
        r = _int_einsum_cuda(targs, pos, stand)
    elif dev.kind == "neuron":
        # pairwise contractions as GEMMs through the GEMM choke point (the NKI kernel);
        # steps on one operand and Hadamard-type products stay on torch (trnpy/_gemm.py)
        r = _gemm.einsum(targs, pos, dev, optimize)
    elif isinstance(targs[0], str):
        r = torch.einsum(targs[0], *targs[1:])
    else:
        r = torch.einsum(*targs)
    r = (r != 0) if rdt.kind == "b" else _tensor.from_compute(r, rdt)
    res = TrnArray._new(r, dev)
    if out is not None:
        return _normalize.deliver(res, out, "einsum")
    return res


def _int_einsum_cuda(targs, pos, stand):
    """Exact int64 (wrap-around) einsum on CUDA, which has no integer matmul: in float64
    when every partial sum stays below 2**53, else on the host (torch's CPU einsum)."""
    report = np.einsum_path(*stand, optimize=False)[1]
    spec = report.split("Complete contraction:", 1)[1].split("\n", 1)[0].strip()
    ins, outs = spec.split("->")
    size = {}
    for term, i in zip(ins.split(","), pos):
        for letter, n in zip(term, stand[i].shape):
            size[letter] = max(size.get(letter, 1), n)
    terms = math.prod(n for letter, n in size.items() if letter not in outs)
    bound = terms * math.prod(max(1, _absmax(targs[i])) for i in pos)
    if bound < 2 ** 53:
        fargs = list(targs)
        for i in pos:
            fargs[i] = targs[i].to(torch.float64)
        r = torch.einsum(fargs[0], *fargs[1:]) if isinstance(fargs[0], str) \
            else torch.einsum(*fargs)
        return r.round().to(torch.int64)
    hargs = list(targs)
    for i in pos:
        hargs[i] = targs[i].cpu()
    r = torch.einsum(hargs[0], *hargs[1:]) if isinstance(hargs[0], str) \
        else torch.einsum(*hargs)
    return r.to(targs[pos[0]].device) if pos else r


def einsum_path(*operands, optimize="greedy", einsum_call=False):
    """NumPy's contraction path and its printed report (computed from shapes only)."""
    if einsum_call:
        raise NotImplementedError("trnpy.einsum_path: einsum_call= is NumPy-internal")
    stand = []
    for i, o in enumerate(operands):
        if isinstance(o, TrnArray):
            o = np.broadcast_to(np.zeros((), o.dtype), o.shape)
        elif not isinstance(o, (str, list, tuple)) and not (i % 2 == 1 and
                                                          not isinstance(operands[0], str)):
            o = np.asarray(o)
        stand.append(o)
    return np.einsum_path(*stand, optimize=optimize)


# ---------------------------------------------------------------------------
# interpolation
def _interp_t(x, xp, fp, left, right):
    """NumPy's arr_interp on float64 tensors (x any shape, xp/fp 1-D)."""
    n = xp.shape[0]
    lval = fp[0] if left is None else torch.tensor(left, dtype=fp.dtype, device=fp.device)
    rval = fp[-1] if right is None else torch.tensor(right, dtype=fp.dtype, device=fp.device)
    if n == 1:
        # NumPy's one-point branch: NaN x compares false both ways and gets fp[0]
        return torch.where(x < xp[0], lval, torch.where(x > xp[0], rval, fp[0]))
    j = torch.searchsorted(xp, x.contiguous(), right=True) - 1
    j = j.clamp(0, n - 2)
    xj, xj1, fj, fj1 = xp[j], xp[j + 1], fp[j], fp[j + 1]
    slope = (fj1 - fj) / (xj1 - xj)
    r = slope * (x - xj) + fj
    bad = torch.isnan(r)
    r2 = slope * (x - xj1) + fj1
    r = torch.where(bad, r2, r)
    r = torch.where(torch.isnan(r) & (fj == fj1), fj, r)
    r = torch.where(x == xj, fj, r)
    r = torch.where(x == xp[-1], fp[-1], r)
    r = torch.where(x > xp[-1], rval, r)
    r = torch.where(x < xp[0], lval, r)
    return torch.where(torch.isnan(x), x, r)


@normalizer(np.interp, ("x", "xp", "fp"))
def interp(x, xp, fp, left=None, right=None, period=None):
    """One-dimensional piecewise-linear interpolation (float64/complex128 results)."""
    dev = x._device
    cplx = fp.dtype.kind == "c"
    rdt = np.dtype(np.complex128) if cplx else np.dtype(np.float64)
    # NumPy converts fp, xp (1-d, then float64), then x (float64)
    for v in (fp, xp, x):
        if v is not x and v.ndim != 1:
            raise ValueError("object too deep for desired array" if v.ndim > 1
                             else "object of too small depth for desired array")
        if v is not fp and v.dtype.kind == "c":
            raise TypeError(f"Cannot cast array data from {v.dtype!r} to dtype('float64') "
                            "according to the rule 'safe'")
    if xp.shape[0] != fp.shape[0]:
        raise ValueError("fp and xp are not of the same length.")
    if xp.shape[0] == 0:
        raise ValueError("array of sample points is empty")
    dev.check_dtype(rdt)          # after NumPy's argument errors
    tx = _tensor.cast_tensor(x._t, np.float64)
    txp = _tensor.cast_tensor(xp._t, np.float64)
    tfp = _tensor.cast_tensor(fp._t, rdt)
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = builtins.abs(period)
        left = right = None
        tx = torch.remainder(tx, period)
        txp = torch.remainder(txp, period)
        o = torch.argsort(txp, stable=True)
        txp, tfp = txp[o], tfp[o]
        txp = torch.cat([txp[-1:] - period, txp, txp[0:1] + period])
        tfp = torch.cat([tfp[-1:], tfp, tfp[0:1]])
    if cplx:
        lr = [None if v is None else complex(v) for v in (left, right)]
        re = _interp_t(tx, txp, tfp.real.contiguous(),
                       None if lr[0] is None else lr[0].real,
                       None if lr[1] is None else lr[1].real)
        im = _interp_t(tx, txp, tfp.imag.contiguous(),
                       None if lr[0] is None else lr[0].imag,
                       None if lr[1] is None else lr[1].imag)
        # NumPy answers a NaN x with nan + 0j (its complex loop's own NaN rule)
        r = torch.complex(re, torch.where(torch.isnan(tx), 0.0, im))
    else:
        r = _interp_t(tx, txp, tfp, None if left is None else float(left),
                      None if right is None else float(right))
    return TrnArray._new(r, dev)


# ---------------------------------------------------------------------------
# elementwise helpers
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN -> ``nan``, +-inf -> ``posinf``/``neginf`` (default: the dtype's extremes)."""
    x = _convert.as_array(x)
    dev = x._device
    if _dispatch.use_numpy(dev):
        v = _convert.np_view(x)
        r = np.nan_to_num(v, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
        return x if not copy else _convert.wrap(r, dev)
    if x.dtype.kind not in "fc":
        return x.copy() if copy else x
    t = x._t
    rdt = _dtypes.real_of(x.dtype)
    fi = np.finfo(rdt)
    pi_ = fi.max if posinf is None else posinf
    ni_ = fi.min if neginf is None else neginf

    def fix_(p):
        acc = p.float() if p.dtype == torch.float16 else p
        r = torch.nan_to_num(acc, nan=float(np.array(nan, rdt)), posinf=float(np.array(pi_, rdt)),
                             neginf=float(np.array(ni_, rdt)))
        return r.to(p.dtype)
    if t.is_complex():
        r = torch.complex(fix_(t.real), fix_(t.imag))
    else:
        r = fix_(t)
    if copy:
        return TrnArray._new(r, dev)
    _array.assign(x, r)
    return x


@normalizer(np.angle, "z")
def angle(z, deg=False):
    """Counterclockwise angle from the positive real axis (radians, or degrees)."""
    if z.dtype.kind == "c":
        a = _elementwise.arctan2(_elementwise.imag(z), _elementwise.real(z))
    else:
        a = _elementwise.arctan2(0, z)
    if deg:
        a = _elementwise.multiply(a, 180 / np.pi)
    return a


@normalizer(np.unwrap, "p")
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """Unwrap by taking the complement of large deltas with respect to ``period``."""
    dev = p._device
    nd = p.ndim
    dd = _reductions.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    sl = [slice(None)] * nd
    sl[axis] = slice(1, None)
    sl = tuple(sl)
    dtype = np.result_type(dd.dtype, period)
    if np.issubdtype(dtype, np.integer):
        interval_high, rem = divmod(period, 2)
        boundary_ambiguous = rem == 0
    else:
        interval_high = period / 2
        boundary_ambiguous = True
    interval_low = -interval_high
    ddmod = _elementwise.add(_elementwise.remainder(_elementwise.subtract(dd, interval_low), period), interval_low)
    if boundary_ambiguous:
        ddmod = _searching.where(_elementwise.logical_and(_elementwise.equal(ddmod, interval_low), _elementwise.greater(dd, 0)),
                        _dtype_functions.astype(_convert.asarray(interval_high, device=dev), ddmod.dtype), ddmod)
    ph = _elementwise.subtract(ddmod, dd)
    ph = _searching.where(_elementwise.less(_elementwise.abs(dd), discont), _creation.zeros((), dtype=ph.dtype, device=dev), ph)
    up = _dtype_functions.astype(p, dtype, copy=True)
    if p.shape[axis] > 1:
        up[sl] = _elementwise.add(p[sl], _reductions.cumsum(ph, axis=axis))
    return up


@normalizer(np.sinc, "x")
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    y = _elementwise.multiply(np.pi, x)
    eps = float(np.finfo(y.dtype).eps) if y.dtype.kind == "f" else 1e-20
    y = _searching.where(_elementwise.not_equal(y, 0), y, eps)
    return _elementwise.divide(_elementwise.sin(y), y)


@normalizer(np.i0, "x")
def i0(x):
    """Modified Bessel function of the first kind, order 0."""
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    rdt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    x._device.check_dtype(rdt)
    tt = _tensor.cast_tensor(x._t, rdt)
    acc = tt.float() if tt.dtype == torch.float16 else tt
    return TrnArray._new(torch.special.i0(acc.abs()).to(tt.dtype), x._device)


@normalizer(np.real_if_close, "a")
def real_if_close(a, tol=100):
    """Real part when all imaginary parts are within ``tol`` machine epsilons of zero."""
    if a.dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(a.dtype).eps * tol
    if bool((a._t.imag.abs() < tol).all()):
        return _elementwise.real(a)
    return a


def fix(x, out=None):
    """Round toward zero (keeps the dtype)."""
    x = _convert.as_array(x)
    if _dispatch.use_numpy(x._device):
        r = np.fix(_convert.np_view(x))
        return _normalize.deliver(_convert.wrap(r, x._device), out, "fix")
    if x.dtype.kind == "c":
        raise TypeError("ufunc 'ceil' not supported for the input types")
    r = _searching.where(_elementwise.greater_equal(x, 0), _elementwise.floor(x), _elementwise.ceil(x)) if x.dtype.kind == "f" \
        else _elementwise.trunc(x)
    return _normalize.deliver(r, out, "nancumsum")


def _isinf_sign(x, out, pos):
    x = _convert.as_array(x)
    if x.dtype.kind == "c":
        raise TypeError("This operation is not supported for complex values because it "
                        "would be ambiguous.")
    if _dispatch.use_numpy(x._device):
        f = np.isposinf if pos else np.isneginf
        return _normalize.deliver(_convert.wrap(f(_convert.np_view(x)), x._device), out,
                                 "isposinf" if pos else "isneginf")
    s = _elementwise.signbit(x) if x.dtype.kind == "f" else _creation.zeros(x.shape, dtype=bool, device=x._device)
    r = _elementwise.logical_and(_elementwise.isinf(x), _elementwise.logical_not(s) if pos else s)
    return _normalize.deliver(r, out, "nancumsum")


def isposinf(x, out=None):
    return _isinf_sign(x, out, True)


def isneginf(x, out=None):
    return _isinf_sign(x, out, False)


def _dtype_of(x):
    if isinstance(x, TrnArray):
        return x.dtype
    try:
        return x.dtype
    except AttributeError:
        return np.asarray(x).dtype


def iscomplexobj(x):
    return issubclass(np.dtype(_dtype_of(x)).type, np.complexfloating)


def isrealobj(x):
    return not iscomplexobj(x)


def isscalar(element):
    return np.isscalar(element)


def iscomplex(x):
    x = _convert.as_array(x)
    if x.dtype.kind != "c":
        return _creation.zeros(x.shape, dtype=bool, device=x._device)
    return _elementwise.not_equal(_elementwise.imag(x), 0)


def isreal(x):
    x = _convert.as_array(x)
    if x.dtype.kind != "c":
        return _creation.ones(x.shape, dtype=bool, device=x._device)
    return _elementwise.equal(_elementwise.imag(x), 0)


@normalizer(lambda a, b, rtol=1.e-5, atol=1.e-8, equal_nan=False:
            np.isclose(a, b, rtol=_host_or(rtol), atol=_host_or(atol), equal_nan=equal_nan),
            ("a", "b"), check=lambda a, b: np.broadcast_shapes(a.shape, b.shape))
def isclose(a, b, rtol=1.e-5, atol=1.e-8, equal_nan=False):
    """Elementwise |a - b| <= atol + rtol * |b| (NumPy's asymmetric test)."""
    dt = np.result_type(b.dtype, 1.0)
    y = _dtype_functions.astype(b, dt)
    x = a
    res = _elementwise.logical_or(
        _elementwise.logical_and(_elementwise.less_equal(_elementwise.abs(_elementwise.subtract(x, y)),
                                   _elementwise.add(atol, _elementwise.multiply(rtol, _elementwise.abs(y)))), _elementwise.isfinite(y)),
        _elementwise.equal(x, y))
    if equal_nan:
        res = _elementwise.logical_or(res, _elementwise.logical_and(_elementwise.isnan(x), _elementwise.isnan(y)))
    return res


def _host_or(v):
    return _convert.host(v) if isinstance(v, TrnArray) else v


def allclose(a, b, rtol=1.e-5, atol=1.e-8, equal_nan=False):
    """True when every element is ``isclose`` (a Python bool)."""
    return builtins.bool(_reductions.all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def array_equal(a1, a2, equal_nan=False):
    """Same shape and same elements (NaNs equal when ``equal_nan``); a Python bool."""
    try:
        (a1, a2), dev = _convert.as_arrays(a1, a2)
    except (TypeError, ValueError) as e:
        if "device" in str(e):
            raise
        return False
    if a1.shape != a2.shape:
        return False
    if not equal_nan or (a1.dtype.kind not in "fc" and a2.dtype.kind not in "fc"):
        return builtins.bool(_reductions.all(_elementwise.equal(a1, a2)))
    n1, n2 = _elementwise.isnan(a1), _elementwise.isnan(a2)
    if not builtins.bool(_reductions.all(_elementwise.equal(n1, n2))):
        return False
    return builtins.bool(_reductions.all(_elementwise.logical_or(_elementwise.equal(a1, a2), n1)))


def array_equiv(a1, a2):
    """Shape-consistent (broadcastable) and all elements equal; a Python bool."""
    (a1, a2), dev = _convert.as_arrays(a1, a2)
    try:
        np.broadcast_shapes(a1.shape, a2.shape)
    except ValueError:
        return False
    return builtins.bool(_reductions.all(_elementwise.equal(a1, a2)))
