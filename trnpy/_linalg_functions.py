"""Linear algebra in the main namespace: matmul (``@``), matrix_transpose, tensordot,
vecdot, and NumPy's dot, vdot, inner, outer.

Also the small helpers that ``trnpy.linalg`` shares (operand conversion, the NumPy dtype
oracle, exact integer matmul on torch). They live here rather than under ``trnpy/linalg``
because ``trnpy/__init__`` imports this module before the ``linalg`` package.
"""
from __future__ import annotations

import functools

import numpy as np

from . import (_compensated, _convert, _creation, _dispatch, _dtypes, _gemm, _indexing,
               _normalize, _reductions, _tensor)
from ._compensated import compensated_matmul
from ._array import TrnArray

__all__ = ["matmul", "compensated_matmul", "matrix_transpose", "tensordot", "vecdot", "dot",
           "vdot", "inner", "outer", "matvec", "vecmat", "trace"]


# ---------------------------------------------------------------------------
# shared helpers
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
    return _result_dtype_of(ufunc_or_fn, a.dtype, b.dtype, dev)


@functools.lru_cache(maxsize=1024)
def _result_dtype_of(ufunc_or_fn, a, b, dev):
    # cached: small products pay this on every call (errors are not cached)
    try:
        rdt = _dtypes.as_dtype(np.result_type(a, b)) if ufunc_or_fn is None \
            else _dtypes.as_dtype(ufunc_or_fn.resolve_dtypes((a, b, None))[-1])
    except TypeError:
        raise
    except Exception as e:            # NumPy's no-loop errors
        raise TypeError(str(e)) from e
    if dev is not None:
        dev.check_dtype(rdt)
    return rdt


# ---------------------------------------------------------------------------
# public functions
def _gufunc_layout(res, order, *inputs):
    """A new gufunc result in NumPy's layout for ``order``: C, but F for 'F', and for 'A'
    when every input is F-contiguous."""
    if res.ndim >= 2 and (order == "F" or order == "A" and all(
            _creation.f_contiguous(x.shape, x._t.stride()) for x in inputs)):
        return _creation.asfortranarray(res)
    return res


def matmul(x1, x2, /, *, out=None, order="K", target_forward_error=None):
    """NumPy's ``matmul`` (the ``@`` operator), integer and bool operands included.
    ``target_forward_error=t`` (or ``with trnpy.compensated_matmul(t):``) computes the
    product to error ``t`` (see :mod:`trnpy._compensated`)."""
    if order != "K":
        order = _creation.normalize_order(order)    # the ufunc's first check
    if target_forward_error is not None or _compensated.active() is not None:
        t = _compensated.active() if target_forward_error is None else target_forward_error
        res = _compensated.matmul(x1, x2, t, out)
        if out is None and order in "FA":
            res = _gufunc_layout(res, order, *_convert.as_arrays(x1, x2)[0])
        return res
    (a, b), dev = _convert.as_arrays(x1, x2)
    if out is not None:
        _normalize.check_out(out, "matmul")
        dev = _convert.same_device(a, b, out)
    shape = matmul_shape(a.shape, b.shape)       # NumPy's shape errors before dtype ones
    rdt = _result_dtype(np.matmul, a, b, dev)
    if _dispatch.use_numpy(dev):
        _dispatch.route("matmul", dev)                 # (recorded: "numpy")
        va, vb = _convert.np_view(a), _convert.np_view(b)
        if out is not None:
            np.matmul(va, vb, out=_convert.np_view(out))
            return out
        return _convert.wrap(np.matmul(va, vb, order=order), dev)
    # the GEMM choke point: the NKI kernel on the neuron device, torch elsewhere
    res = _gemm.gemm(_tensor.cast_tensor(a._t, rdt), _tensor.cast_tensor(b._t, rdt), dev)
    assert tuple(res.shape) == shape
    if out is not None:
        # gufunc rule: the core dimensions of out must match exactly
        core = (a.ndim > 1) + (b.ndim > 1)
        if len(out.shape) < core or (core and tuple(out.shape[-core:]) != shape[-core:]):
            raise ValueError(f"matmul: output operand with shape {tuple(out.shape)} does "
                             f"not match the result's core dimensions {shape[-core:]}")
        return _normalize.write_out("matmul", out, res, rdt)
    return _gufunc_layout(TrnArray._new(res, dev), order, a, b)


def _at_least_2d(x):
    if x.ndim < 2:
        raise ValueError("matrix_transpose requires an array with at least 2 dimensions, "
                         f"got {x.ndim}")


@_normalize.normalizer(lambda x: np.swapaxes(x, -1, -2), "x", check=_at_least_2d)
def matrix_transpose(x, /):
    """Swap the last two axes (a view)."""
    return TrnArray._new(x._t.transpose(-1, -2), x._device)


def _axes_list(ax):
    if isinstance(ax, TrnArray):
        ax = _convert.host(ax)
    try:
        return list(ax)
    except TypeError:
        return [ax]


def _tensordot_axes(axes, nd1, nd2, s1, s2):
    """NumPy's parsing of ``axes``, step by step (its errors included: a negative count
    contracts nothing, an axis past the shape is an IndexError)."""
    try:
        iter(axes)
    except Exception:
        ax1, ax2 = list(range(-axes, 0)), list(range(0, axes))
    else:
        ax1, ax2 = axes
    ax1, ax2 = _axes_list(ax1), _axes_list(ax2)
    if len(set(ax1)) != len(ax1) or len(set(ax2)) != len(ax2):
        raise ValueError("duplicate axes are not allowed in tensordot")
    if len(ax1) != len(ax2):
        raise ValueError("shape-mismatch for sum")
    for i, j in zip(ax1, ax2):
        if s1[i] != s2[j]:
            raise ValueError("shape-mismatch for sum")
    ax1 = [_normalize.axis_index(i, nd1, "axes") for i in ax1]
    ax2 = [_normalize.axis_index(i, nd2, "axes") for i in ax2]
    if len(set(ax1)) != len(ax1) or len(set(ax2)) != len(ax2):
        raise ValueError("repeated axis in transpose")
    return ax1, ax2


def _tensordot_check(a, b, axes=2):
    axes = _tensordot_axes(axes, a.ndim, b.ndim, a.shape, b.shape)
    _result_dtype(None, a, b, a._device)
    return {"axes": axes}


@_normalize.normalizer(np.tensordot, ("x1", "x2"), validate=_tensordot_check)
def tensordot(x1, x2, /, axes=2):
    """Sum of products over ``axes`` (array API / NumPy ``tensordot``)."""
    a, b, dev = x1, x2, x1._device
    ax1, ax2 = axes
    rdt = _result_dtype(None, a, b, dev)
    ta, tb = _tensor.cast_tensor(a._t, rdt), _tensor.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.tensordot(ta, tb, ax1, ax2, dev), dev)


def _vecdot_args(a, b, axis):
    """(result dtype, a's axis, b's axis), NumPy's errors."""
    for i, x in enumerate((a, b)):
        if x.ndim == 0:
            raise ValueError(f"vecdot: Input operand {i} does not have enough dimensions "
                             "(has 0, gufunc core with signature (n),(n)->() requires 1)")
    rdt = _result_dtype_of(np.vecdot, a.dtype, b.dtype, None)     # the loop's TypeError
    ia, ib = _normalize.axis_index(axis, a.ndim), _normalize.axis_index(axis, b.ndim)
    if a.shape[ia] != b.shape[ib]:
        raise ValueError("vecdot: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature (n),(n)->() (size {b.shape[ib]} is "
                         f"different from {a.shape[ia]})")
    try:
        np.broadcast_shapes(np.delete(a.shape, ia), np.delete(b.shape, ib))
    except ValueError:
        raise ValueError(f"vecdot: operands could not be broadcast together with shapes "
                         f"{a.shape} {b.shape}") from None
    a._device.check_dtype(rdt)         # after NumPy's shape errors
    return rdt, ia, ib


def _vecdot_check(a, b, *, out=None, order="K", axis=-1):
    order = _creation.normalize_order(order)
    _vecdot_args(a, b, axis)
    return {"order": order}


@_normalize.normalizer(np.vecdot, ("x1", "x2"), validate=_vecdot_check, out="out")
def vecdot(x1, x2, /, *, out=None, order="K", axis=-1):
    """Dot product along ``axis`` (``x1`` conjugated), broadcasting the other axes (NumPy's
    gufunc: ``out=`` and ``order=`` too; ``linalg.vecdot`` takes ``axis`` only)."""
    a, b, dev = x1, x2, x1._device
    rdt, ia, ib = _vecdot_args(a, b, axis)
    ta = _tensor.cast_tensor(a._t.movedim(ia, -1), rdt)
    tb = _tensor.cast_tensor(b._t.movedim(ib, -1), rdt)
    if rdt.kind == "c":
        ta = ta.conj().resolve_conj()
    # (..., 1, n) @ (..., n, 1): one batched GEMM (the torch route handles ints and bool)
    res = _gemm.gemm(ta[..., None, :], tb[..., :, None], dev)[..., 0, 0]
    if out is not None:
        return _normalize.write_out("vecdot", out, res, rdt)
    return _gufunc_layout(TrnArray._new(res, dev), order, a, b)


def _matvec_vecmat(name, x1, x2, out, dtype, casting, extra):
    """NumPy 2.2's gufuncs matvec ``(m,n),(n)->(m)`` and vecmat ``(n),(n,m)->(m)``
    (vecmat conjugates the vector)."""
    bad = {k: v for k, v in extra.items() if v is not (True if k == "subok" else
                                                        "K" if k == "order" else None)}
    if bad:
        raise NotImplementedError(f"trnpy.{name}: {', '.join(bad)} not supported")
    (a, b), dev = _convert.as_arrays(x1, x2)
    if out is not None:
        _normalize.check_out(out, name)
        dev = _convert.same_device(a, b, out)
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
            ufunc(_convert.np_view(a), _convert.np_view(b), out=_convert.np_view(out), **kw)
            return out
        return _convert.wrap(ufunc(_convert.np_view(a), _convert.np_view(b), **kw), dev)
    ta, tb = (_tensor.cast_tensor(_tensor.cast_tensor(x._t, dt), rdt)
              for x, dt in ((a, loop[0]), (b, loop[1])))
    if is_mv:
        res = _gemm.gemm(ta, tb[..., :, None], dev)[..., 0]
    else:
        if ta.is_complex():
            ta = ta.conj().resolve_conj()
        res = _gemm.gemm(ta[..., None, :], tb, dev)[..., 0, :]
    assert tuple(res.shape) == batch + (m,)
    if out is not None:
        _normalize.write_out(name, out, res, rdt, casting)
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


def _into_out(f, name, a, b, out, check=None):
    """The torch path's ``f(a, b)`` written into ``out`` through the one ``out=`` writer
    (``check(out, result)``: NumPy's extra rules); the normalizer already passed NumPy's
    own ``out=`` on the NumPy path."""
    r = f(a, b)
    if check is not None:
        check(out, r)
    return _normalize.write_out("multiply" if name == "outer" else name, out, r._t, r.dtype)


def _dot_out_check(out, r):
    # NumPy's rules: exactly the result's dtype and shape, C-contiguous
    if out.ndim != r.ndim or out.dtype != r.dtype or not out.flags.c_contiguous:
        raise ValueError("output array is not acceptable (must have the right datatype, "
                         "number of dimensions, and be a C-Array)")
    if out.shape != r.shape:
        raise ValueError("output array has wrong dimensions")


def _aligned(a, b, bx):
    """NumPy's ValueError when the summed axes of ``a`` (its last) and ``b`` (``bx``) differ."""
    if a.shape[-1] != b.shape[bx]:
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} "
                         f"(dim {a.ndim - 1}) != {b.shape[bx]} (dim {bx % b.ndim})")


def _dot_check(a, b, out=None):
    # NumPy's shape errors come before the device's dtype refusal
    if a.ndim and b.ndim:
        _aligned(a, b, 0 if b.ndim == 1 else -2)
    _result_dtype(None, a, b, a._device)


def _inner_check(a, b):
    if a.ndim and b.ndim:
        _aligned(a, b, -1)
    _result_dtype(None, a, b, a._device)


@_normalize.normalizer(np.dot, ("a", "b"), out="out", check=_dot_check)
def dot(a, b, out=None):
    """NumPy's ``dot``: matmul for 2-D, a sum over the last axis of ``a`` and the
    second-to-last of ``b`` for N-D, multiply for 0-d."""
    if out is not None:
        return _into_out(dot, "dot", a, b, out, _dot_out_check)
    dev = a._device
    rdt = _result_dtype(None, a, b, dev)
    if a.ndim == 0 or b.ndim == 0:
        return TrnArray._new(_gemm._multiply_tensor(a._t, b._t, rdt), dev)
    bx = 0 if b.ndim == 1 else b.ndim - 2
    _aligned(a, b, bx)
    ta, tb = _tensor.cast_tensor(a._t, rdt), _tensor.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.tensordot(ta, tb, [a.ndim - 1], [bx], dev), dev)


def _vdot_check(a, b):
    if a.size != b.size:
        raise ValueError("cannot reshape array: vdot needs arrays of the same size")
    _result_dtype(None, a, b, a._device)


@_normalize.normalizer(np.vdot, ("a", "b"), check=_vdot_check)
def vdot(a, b, /):
    """NumPy's ``vdot``: flattened dot product with ``a`` conjugated; a 0-d array."""
    dev = a._device
    rdt = _result_dtype(None, a, b, dev)
    ta = _tensor.cast_tensor(a._t.reshape(1, -1), rdt)
    tb = _tensor.cast_tensor(b._t.reshape(-1, 1), rdt)
    if rdt.kind == "c":
        ta = ta.conj().resolve_conj()
    return TrnArray._new(_gemm.gemm(ta, tb, dev).reshape(()), dev)


@_normalize.normalizer(np.inner, ("a", "b"), check=_inner_check)
def inner(a, b, /):
    """NumPy's ``inner``: sum over the last axes (multiply for 0-d)."""
    dev = a._device
    rdt = _result_dtype(None, a, b, dev)
    if a.ndim == 0 or b.ndim == 0:
        return TrnArray._new(_gemm._multiply_tensor(a._t, b._t, rdt), dev)
    _aligned(a, b, -1)
    ta, tb = _tensor.cast_tensor(a._t, rdt), _tensor.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.tensordot(ta, tb, [a.ndim - 1], [b.ndim - 1], dev), dev)


def _outer_check(a, b):
    _result_dtype(np.multiply, a, b, a._device)


@_normalize.normalizer(np.outer, ("a", "b"), out="out", check=_outer_check)
def outer(a, b, out=None):
    """NumPy's ``outer``: inputs are flattened."""
    if out is not None:
        return _into_out(outer, "outer", a, b, out)
    dev = a._device
    rdt = _result_dtype(np.multiply, a, b, dev)
    # a K = 1 GEMM through the choke point (an elementwise multiply on torch)
    ta, tb = _tensor.cast_tensor(a._t, rdt), _tensor.cast_tensor(b._t, rdt)
    return TrnArray._new(_gemm.outer(ta, tb, dev), dev)


@_normalize.normalizer(np.trace, "a", out="out")
def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """NumPy's ``trace``: sums along diagonals."""
    return _reductions.sum(_indexing.diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype, out=out)
