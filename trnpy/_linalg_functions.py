"""Linear algebra in the main namespace: matmul (``@``), matrix_transpose, tensordot,
vecdot, and NumPy's dot, vdot, inner, outer.

Also the small helpers that ``trnpy.linalg`` shares (operand conversion, the NumPy dtype
oracle, exact integer matmul on torch). They live here rather than under ``trnpy/linalg``
because ``trnpy/__init__`` imports this module before the ``linalg`` package.
"""
from __future__ import annotations

import functools
import operator

import numpy as np
import torch

from . import _dispatch, _dtypes
from . import _gemm
from ._array import TrnArray
from ._devices import get_default_device

__all__ = ["matmul", "matrix_transpose", "tensordot", "vecdot", "dot", "vdot", "inner",
           "outer", "matvec", "vecmat"]


# ---------------------------------------------------------------------------
# shared helpers
def as_arrays(*xs):
    """``xs`` as TrnArrays on their common device; returns (arrays, device)."""
    from ._creation import asarray
    dev = _dispatch.same_device(*xs) or get_default_device()
    return [x if isinstance(x, TrnArray) else asarray(x, device=dev) for x in xs], dev


def np_dtype_of(fn, *dtypes, shape=None, **kwargs) -> np.dtype:
    """The dtype NumPy's ``fn`` returns for inputs of ``dtypes`` (the result-dtype oracle).

    ``fn`` gets tiny identity matrices (non-singular, positive definite, Hermitian) or,
    with ``shape``, arrays of ones; so it also raises NumPy's error for dtypes NumPy
    refuses (float16 in LAPACK, ...). ``fn`` and ``kwargs`` must be hashable."""
    return _oracle(fn, tuple(np.dtype(d) for d in dtypes), tuple(sorted(kwargs.items())),
                   shape)


@functools.lru_cache(maxsize=1024)
def _oracle(fn, dtypes, kwargs, shape):
    args = [np.eye(2, dtype=d) if shape is None else np.ones(shape, dtype=d) for d in dtypes]
    res = fn(*args, **dict(kwargs))
    if isinstance(res, tuple):
        res = res[0]
    return _dtypes.as_dtype(np.asarray(res).dtype)


def check_result_dtypes(dev, *dtypes):
    for dt in dtypes:
        dev.check_dtype(dt)


def normalize_axis(axis, ndim, name="axis"):
    """NumPy's normalize_axis_index (AxisError for out-of-range axes)."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def torch_as(t: torch.Tensor, dtype) -> torch.Tensor:
    """``t`` cast (NumPy semantics) to floating/complex ``dtype`` in a dtype torch's linear
    algebra computes in (float16 runs in float32)."""
    dt = np.dtype(dtype)
    t = _dispatch.cast_tensor(t, dt)
    if dt == np.float16:
        t = t.to(torch.float32)
    return t


def _int64(t: torch.Tensor) -> torch.Tensor:
    if t.dtype == torch.int64:
        return t
    if t.dtype == torch.uint64:
        return t.view(torch.int64)          # same bits: + and * agree modulo 2**64
    return t.to(torch.int64)


def _absmax(t: torch.Tensor) -> int:
    if t.numel() == 0:
        return 0
    return max(abs(int(t.max())), abs(int(t.min())))


def _int_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact int64 (wrap-around) matmul of >=2-D int64 tensors on any torch device."""
    if a.device.type == "cpu":
        return torch.matmul(a, b)           # torch has integer GEMM on the CPU only
    if a.device.type == "cuda" and _absmax(a) * _absmax(b) * a.shape[-1] < 2 ** 53:
        return int_matmul_float64(a, b)
    return int_matmul_chunked(a, b)


def int_matmul_float64(a, b):
    # every partial sum is an integer below 2**53 (checked by the caller): exact
    return torch.matmul(a.to(torch.float64), b.to(torch.float64)).round().to(torch.int64)


def int_matmul_chunked(a, b, budget=1 << 24):
    """Exact for any values: broadcast multiply and sum, in chunks of k to bound memory."""
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    k, n, m = a.shape[-1], a.shape[-2], b.shape[-1]
    out = torch.zeros(batch + (n, m), dtype=torch.int64, device=a.device)
    step = max(1, budget // max(1, int(np.prod(batch + (n, m), dtype=np.int64))))
    for s in range(0, k, step):
        out += (a[..., :, s:s + step, None] * b[..., None, s:s + step, :]).sum(-2)
    return out


def matmul_tensor(ta: torch.Tensor, tb: torch.Tensor, rdt: np.dtype) -> torch.Tensor:
    """torch matmul of storage tensors with NumPy's result dtype ``rdt`` (shapes checked)."""
    rdt = np.dtype(rdt)
    if rdt.kind in "fc":
        res = torch.matmul(torch_as(ta, rdt), torch_as(tb, rdt))
        return res.to(_dtypes.to_torch(rdt))
    if rdt.kind not in "biu":
        raise TypeError(f"matmul: no loop for dtype {rdt}")
    # NumPy's integer matmul wraps modulo 2**bits; int64 arithmetic wraps modulo 2**64,
    # which agrees after the final cast. bool matmul is any(a & b).
    a, b = _int64(ta), _int64(tb)
    va, vb = a.dim() == 1, b.dim() == 1
    if va:
        a = a[None, :]
    if vb:
        b = b[:, None]
    res = _int_matmul(a, b)
    if vb:
        res = res[..., 0]
    if va:
        res = res[..., 0, :] if not vb else res[..., 0]
    if rdt.kind == "b":
        return res != 0
    return _dispatch.from_compute(res, rdt)


def matmul_shape(s1, s2, name="matmul"):
    """Result shape of NumPy's matmul; ValueError as NumPy raises it."""
    for i, s in enumerate((s1, s2)):
        if len(s) == 0:
            raise ValueError(f"{name}: Input operand {i} does not have enough dimensions "
                             "(has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) "
                             "requires 1)")
    a1 = (1,) + tuple(s1) if len(s1) == 1 else tuple(s1)
    a2 = tuple(s2) + (1,) if len(s2) == 1 else tuple(s2)
    if a1[-1] != a2[-2]:
        raise ValueError(f"{name}: Input operand 1 has a mismatch in its core dimension 0, "
                         "with gufunc signature (n?,k),(k,m?)->(n?,m?) "
                         f"(size {a2[-2]} is different from {a1[-1]})")
    try:
        batch = np.broadcast_shapes(a1[:-2], a2[:-2])
    except ValueError:
        raise ValueError(f"{name}: operands could not be broadcast together with shapes "
                         f"{tuple(s1)} {tuple(s2)}") from None
    return batch + (() if len(s1) == 1 else (a1[-2],)) + (() if len(s2) == 1 else (a2[-1],))


def _result_dtype(ufunc_or_fn, a, b, dev):
    """NumPy's result dtype for operands ``a``, ``b`` (``np.result_type`` when
    ``ufunc_or_fn`` is None), checked against device ``dev``."""
    try:
        rdt = _dtypes.as_dtype(np.result_type(a.dtype, b.dtype)) if ufunc_or_fn is None \
            else _dtypes.as_dtype(ufunc_or_fn.resolve_dtypes((a.dtype, b.dtype, None))[-1])
    except TypeError:
        raise
    except Exception as e:            # NumPy's no-loop errors
        raise TypeError(str(e)) from e
    dev.check_dtype(rdt)
    return rdt


def _write_out(name, out, res, rdt):
    from ._ufunc import write_out
    write_out(name, out, res, rdt)
    return out


# ---------------------------------------------------------------------------
# public functions
def matmul(x1, x2, /, *, out=None):
    """NumPy's ``matmul`` (the ``@`` operator), integer and bool operands included."""
    (a, b), dev = as_arrays(x1, x2)
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError(f"matmul: out must be a trnpy array, not {type(out).__name__}")
        dev = _dispatch.same_device(a, b, out)
    rdt = _result_dtype(np.matmul, a, b, dev)
    shape = matmul_shape(a.shape, b.shape)
    if _dispatch.use_numpy(dev):
        _dispatch.route("matmul", dev)                 # (recorded: "numpy")
        va, vb = _dispatch.np_view(a), _dispatch.np_view(b)
        if out is not None:
            np.matmul(va, vb, out=_dispatch.np_view(out))
            return out
        return _dispatch.wrap(np.matmul(va, vb), dev)
    # the GEMM choke point: the NKI kernel on the neuron device, torch elsewhere
    res = _gemm.gemm(_dispatch.cast_tensor(a._t, rdt), _dispatch.cast_tensor(b._t, rdt), dev)
    assert tuple(res.shape) == shape
    if out is not None:
        # gufunc rule: the core dimensions of out must match exactly
        core = (a.ndim > 1) + (b.ndim > 1)
        if len(out.shape) < core or (core and tuple(out.shape[-core:]) != shape[-core:]):
            raise ValueError(f"matmul: output operand with shape {tuple(out.shape)} does "
                             f"not match the result's core dimensions {shape[-core:]}")
        return _write_out("matmul", out, res, rdt)
    return TrnArray._new(res, dev)


def matrix_transpose(x, /):
    """Swap the last two axes (a view)."""
    (x,), dev = as_arrays(x)
    if x.ndim < 2:
        raise ValueError("matrix_transpose requires an array with at least 2 dimensions, "
                         f"got {x.ndim}")
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.swapaxes(_dispatch.np_view(x), -1, -2), dev)
    return TrnArray._new(x._t.transpose(-1, -2), dev)


def _tensordot_axes(axes, nd1, nd2, s1, s2):
    if isinstance(axes, (tuple, list)) and len(axes) == 2:
        ax1, ax2 = axes
        ax1 = [ax1] if np.ndim(ax1) == 0 else list(ax1)
        ax2 = [ax2] if np.ndim(ax2) == 0 else list(ax2)
    else:
        try:
            n = operator.index(axes)
        except TypeError:
            raise TypeError("tensordot: axes must be an integer or a pair of sequences") from None
        if n < 0:
            raise ValueError("tensordot: axes must be a non-negative integer")
        if n > min(nd1, nd2):
            raise ValueError("tensordot: axes exceeds the number of dimensions")
        ax1, ax2 = list(range(nd1 - n, nd1)), list(range(n))
    if len(ax1) != len(ax2):
        raise ValueError("shape-mismatch for sum")
    ax1 = [normalize_axis(i, nd1, "axes") for i in ax1]
    ax2 = [normalize_axis(i, nd2, "axes") for i in ax2]
    if len(set(ax1)) != len(ax1) or len(set(ax2)) != len(ax2):
        raise ValueError("tensordot: repeated axis in axes")
    for i, j in zip(ax1, ax2):
        if s1[i] != s2[j]:
            raise ValueError("shape-mismatch for sum")
    return ax1, ax2


def tensordot_tensor(ta, tb, ax1, ax2, rdt):
    """torch tensordot of storage tensors (axes already validated)."""
    free1 = [i for i in range(ta.dim()) if i not in ax1]
    free2 = [i for i in range(tb.dim()) if i not in ax2]
    s1 = [ta.shape[i] for i in free1]
    s2 = [tb.shape[i] for i in free2]
    k = int(np.prod([ta.shape[i] for i in ax1], dtype=np.int64))
    a = ta.permute(free1 + ax1).reshape(int(np.prod(s1, dtype=np.int64)), k)
    b = tb.permute(ax2 + free2).reshape(k, int(np.prod(s2, dtype=np.int64)))
    return matmul_tensor(a, b, rdt).reshape(s1 + s2)


def tensordot(x1, x2, /, *, axes=2):
    """Sum of products over ``axes`` (array API / NumPy ``tensordot``)."""
    (a, b), dev = as_arrays(x1, x2)
    ax1, ax2 = _tensordot_axes(axes, a.ndim, b.ndim, a.shape, b.shape)
    rdt = _result_dtype(None, a, b, dev)
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.tensordot(_dispatch.np_view(a), _dispatch.np_view(b),
                                           axes=(ax1, ax2)), dev)
    ta, tb = _dispatch.cast_tensor(a._t, rdt), _dispatch.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.tensordot(ta, tb, ax1, ax2, dev), dev)


def vecdot(x1, x2, /, *, axis=-1):
    """Dot product along ``axis`` (``x1`` conjugated), broadcasting the other axes."""
    (a, b), dev = as_arrays(x1, x2)
    for i, x in enumerate((a, b)):
        if x.ndim == 0:
            raise ValueError(f"vecdot: Input operand {i} does not have enough dimensions "
                             "(has 0, gufunc core with signature (n),(n)->() requires 1)")
    rdt = _result_dtype(np.vecdot, a, b, dev)
    ia, ib = normalize_axis(axis, a.ndim), normalize_axis(axis, b.ndim)
    if a.shape[ia] != b.shape[ib]:
        raise ValueError("vecdot: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature (n),(n)->() (size {b.shape[ib]} is "
                         f"different from {a.shape[ia]})")
    try:
        np.broadcast_shapes(np.delete(a.shape, ia), np.delete(b.shape, ib))
    except ValueError:
        raise ValueError(f"vecdot: operands could not be broadcast together with shapes "
                         f"{a.shape} {b.shape}") from None
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.vecdot(_dispatch.np_view(a), _dispatch.np_view(b),
                                        axis=axis), dev)
    ta = _dispatch.cast_tensor(a._t.movedim(ia, -1), rdt)
    tb = _dispatch.cast_tensor(b._t.movedim(ib, -1), rdt)
    if rdt.kind == "c":
        ta = ta.conj().resolve_conj()
    # (..., 1, n) @ (..., n, 1): one batched GEMM (the torch route handles ints and bool)
    res = _gemm.gemm(ta[..., None, :], tb[..., :, None], dev)
    return TrnArray._new(res[..., 0, 0], dev)


def _matvec_vecmat(name, x1, x2, out, dtype, casting, extra):
    """NumPy 2.2's gufuncs matvec ``(m,n),(n)->(m)`` and vecmat ``(n),(n,m)->(m)``
    (vecmat conjugates the vector)."""
    bad = {k: v for k, v in extra.items() if v is not (True if k == "subok" else
                                                        "K" if k == "order" else None)}
    if bad:
        raise NotImplementedError(f"trnpy.{name}: {', '.join(bad)} not supported")
    (a, b), dev = as_arrays(x1, x2)
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError(f"{name}: out must be a trnpy array, not {type(out).__name__}")
        dev = _dispatch.same_device(a, b, out)
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    is_mv = name == "matvec"
    sig = "(m,n),(n)->(m)" if is_mv else "(n),(n,m)->(m)"
    for i, (x, need) in enumerate(((a, 2 if is_mv else 1), (b, 1 if is_mv else 2))):
        if x.ndim < need:
            raise ValueError(f"{name}: Input operand {i} does not have enough dimensions "
                             f"(has {x.ndim}, gufunc core with signature {sig} requires "
                             f"{need})")
    na, nb = (a.shape[-1], b.shape[-1]) if is_mv else (a.shape[-1], b.shape[-2])
    if na != nb:
        raise ValueError(f"{name}: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature {sig} (size {nb} is different from {na})")
    mat, vec = (a, b) if is_mv else (b, a)
    try:
        batch = np.broadcast_shapes(mat.shape[:-2], vec.shape[:-1])
    except ValueError:
        raise ValueError(f"{name}: operands could not be broadcast together with shapes "
                         f"{a.shape} {b.shape}") from None
    m = mat.shape[-2] if is_mv else mat.shape[-1]
    if out is not None and (out.ndim < 1 or out.shape[-1] != m):
        raise ValueError(f"{name}: Output operand 0 has a mismatch in its core dimension 0, "
                         f"with gufunc signature {sig} (size {out.shape[-1] if out.ndim else 0}"
                         f" is different from {m})")
    ufunc = np.matvec if is_mv else np.vecmat
    try:
        loop = ufunc.resolve_dtypes((a.dtype, b.dtype, None), casting=casting,
                                    signature=(None, None, dtype))
    except TypeError:
        raise
    except Exception as e:            # NumPy's no-loop errors
        raise TypeError(str(e)) from e
    rdt = _dtypes.as_dtype(loop[-1])
    for dt in loop:
        dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        kw = {"casting": casting} if casting != "same_kind" else {}
        if dtype is not None:
            kw["dtype"] = dtype
        if out is not None:
            ufunc(_dispatch.np_view(a), _dispatch.np_view(b), out=_dispatch.np_view(out), **kw)
            return out
        return _dispatch.wrap(ufunc(_dispatch.np_view(a), _dispatch.np_view(b), **kw), dev)
    ta, tb = (_dispatch.cast_tensor(_dispatch.cast_tensor(x._t, dt), rdt)
              for x, dt in ((a, loop[0]), (b, loop[1])))
    if is_mv:
        res = _gemm.gemm(ta, tb[..., :, None], dev)[..., 0]
    else:
        if ta.is_complex():
            ta = ta.conj().resolve_conj()
        res = _gemm.gemm(ta[..., None, :], tb, dev)[..., 0, :]
    assert tuple(res.shape) == batch + (m,)
    if out is not None:
        from ._ufunc import write_out
        write_out(name, out, res, rdt, casting)
        return out
    return TrnArray._new(res, dev)


def matvec(x1, x2, /, out=None, *, dtype=None, casting="same_kind", order="K", subok=True,
           signature=None, axes=None, axis=None):
    """Matrix-vector product over the last axes, broadcasting the others (NumPy 2.2+)."""
    return _matvec_vecmat("matvec", x1, x2, out, dtype, casting,
                          {"order": order, "subok": subok, "signature": signature,
                           "axes": axes, "axis": axis})


def vecmat(x1, x2, /, out=None, *, dtype=None, casting="same_kind", order="K", subok=True,
           signature=None, axes=None, axis=None):
    """Vector-matrix product ``conj(x1) @ x2`` over the last axes (NumPy 2.2+)."""
    return _matvec_vecmat("vecmat", x1, x2, out, dtype, casting,
                          {"order": order, "subok": subok, "signature": signature,
                           "axes": axes, "axis": axis})


# -- NumPy's older products -------------------------------------------------------------
def _multiply_tensor(ta, tb, rdt):
    if rdt.kind == "b":
        return ta.to(torch.bool) & tb.to(torch.bool)
    ca, cb = _dispatch.compute_tensor(ta, rdt), _dispatch.compute_tensor(tb, rdt)
    if rdt == np.float16:
        return (ca.float() * cb.float()).half()
    return _dispatch.from_compute(ca * cb, rdt)


def dot(a, b, out=None):
    """NumPy's ``dot``: matmul for 2-D, a sum over the last axis of ``a`` and the
    second-to-last of ``b`` for N-D, multiply for 0-d."""
    (a, b), dev = as_arrays(a, b)
    if out is not None:
        raise NotImplementedError("trnpy.dot: out= is not supported")
    rdt = _result_dtype(None, a, b, dev)
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.dot(_dispatch.np_view(a), _dispatch.np_view(b)), dev)
    if a.ndim == 0 or b.ndim == 0:
        return TrnArray._new(_multiply_tensor(a._t, b._t, rdt), dev)
    bx = 0 if b.ndim == 1 else b.ndim - 2
    if a.shape[-1] != b.shape[bx]:
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} "
                         f"(dim {a.ndim - 1}) != {b.shape[bx]} (dim {bx})")
    ta, tb = _dispatch.cast_tensor(a._t, rdt), _dispatch.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.tensordot(ta, tb, [a.ndim - 1], [bx], dev), dev)


def vdot(a, b, /):
    """NumPy's ``vdot``: flattened dot product with ``a`` conjugated; a 0-d array."""
    (a, b), dev = as_arrays(a, b)
    rdt = _result_dtype(None, a, b, dev)
    if a.size != b.size:
        raise ValueError("cannot reshape array: vdot needs arrays of the same size")
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.asarray(np.vdot(_dispatch.np_view(a),
                                                 _dispatch.np_view(b))), dev)
    ta = _dispatch.cast_tensor(a._t.reshape(1, -1), rdt)
    tb = _dispatch.cast_tensor(b._t.reshape(-1, 1), rdt)
    if rdt.kind == "c":
        ta = ta.conj().resolve_conj()
    return TrnArray._new(_gemm.gemm(ta, tb, dev).reshape(()), dev)


def inner(a, b, /):
    """NumPy's ``inner``: sum over the last axes (multiply for 0-d)."""
    (a, b), dev = as_arrays(a, b)
    rdt = _result_dtype(None, a, b, dev)
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.inner(_dispatch.np_view(a), _dispatch.np_view(b)), dev)
    if a.ndim == 0 or b.ndim == 0:
        return TrnArray._new(_multiply_tensor(a._t, b._t, rdt), dev)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} "
                         f"(dim {a.ndim - 1}) != {b.shape[-1]} (dim {b.ndim - 1})")
    ta, tb = _dispatch.cast_tensor(a._t, rdt), _dispatch.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.tensordot(ta, tb, [a.ndim - 1], [b.ndim - 1], dev), dev)


def outer(a, b, out=None):
    """NumPy's ``outer``: inputs are flattened."""
    (a, b), dev = as_arrays(a, b)
    if out is not None:
        raise NotImplementedError("trnpy.outer: out= is not supported")
    rdt = _result_dtype(np.multiply, a, b, dev)
    if _dispatch.use_numpy(dev):
        return _dispatch.wrap(np.outer(_dispatch.np_view(a), _dispatch.np_view(b)), dev)
    # a K = 1 GEMM through the choke point (an elementwise multiply on torch)
    ta, tb = _dispatch.cast_tensor(a._t, rdt), _dispatch.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.outer(ta, tb, dev), dev)
