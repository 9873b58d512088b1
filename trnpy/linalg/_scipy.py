"""SciPy-only names in ``trnpy.linalg``, with ``scipy.linalg``'s signatures.

CPU arrays on the NumPy backend call ``scipy.linalg`` (imported lazily: scipy is needed
only when one of these functions runs). The torch path uses ``torch.linalg`` (lu_factor,
solve_triangular, cholesky, matrix_exp, svd, ...). ``sqrtm``, ``logm``, ``schur``,
``hessenberg``, the generalized ``eig``/``eigvals`` (``b=``), left eigenvectors and
``lstsq`` of a stack have no torch algorithm: off the NumPy backend they run SciPy on a
host copy explicitly and move the result back to the arrays' device; each such call is
counted in ``trnpy.ROUTES`` as ``("linalg.<name>", "numpy")``, off the CPU also as a
recorded fallback (``trnpy.routing_report()``), and on the neuron device under
``trnpy.strict_kernels()`` it is refused (``KernelFallbackError``) before any data moves,
as ``trnpy.sparse.linalg``'s host steps are.

Result dtypes are SciPy's (asked of SciPy on a tiny array, like ``np_dtype_of``).
``overwrite_a`` / ``overwrite_b`` / ``lwork`` are permissions or tuning hints in SciPy and
never change a result: they are accepted. ``check_finite=True`` raises ValueError for
inf/NaN input as SciPy does. SciPy's ``LinAlgWarning`` for ill-conditioned systems is
issued on the SciPy path only.
"""
from __future__ import annotations

import functools
import operator
import warnings

import numpy as np
from .._torch import torch

from .. import _convert, _dispatch, _dtypes, _gemm, _tensor
from .._array import TrnArray
from . import _refine
from .._convert import np_view
from .._normalize import normalizer
from .._devices import CPU, get_default_device
from .._kernel_registry import host_step
from .._tensor import torch_as
from ._linalg import (EighResult, LinAlgError, QRResult, _check_uplo, _eigh, _new, _qr,
                      _solve, det as _np_det, lstsq as _np_lstsq, norm as _np_norm)

__all__ = ["lu", "lu_factor", "lu_solve", "cho_factor", "cho_solve", "solve_triangular",
           "expm", "sqrtm", "logm", "schur", "hessenberg", "null_space", "orth",
           "block_diag", "toeplitz", "circulant", "hilbert", "eigh", "solve", "qr"]



def _sl():
    import scipy.linalg  # lazy: SciPy loads on first use, not with trnpy
    return scipy.linalg


def _wrap(r, dev):
    if r is None:                         # lstsq's singular values with lapack_driver='gelsy'
        return None
    if isinstance(r, (tuple, list)):      # batched SciPy calls may return lists
        return tuple(_wrap(x, dev) for x in r)
    if isinstance(r, (bool, int)):        # SciPy's Python values stay (ranks, flags)
        return r
    return _convert.wrap(r, dev)          # NumPy scalars stay on the CPU, as SciPy's


def _call(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except torch.linalg.LinAlgError as e:
        raise LinAlgError(str(e)) from e


@functools.lru_cache(maxsize=512)
def _oracle(name, dtypes, kwargs):
    """SciPy's result dtypes for ``scipy.linalg.<name>`` on tiny inputs of ``dtypes``."""
    fn = _ORACLE_FNS.get(name) or getattr(_sl(), name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fn(*[np.eye(2, dtype=d) for d in dtypes], **dict(kwargs))
    res = res if isinstance(res, tuple) else (res,)
    return tuple(_dtypes.as_dtype(np.asarray(r).dtype) for r in res)


def sp_dtypes(name, *dtypes, **kw):
    return _oracle(name, tuple(np.dtype(d) for d in dtypes), tuple(sorted(kw.items())))


_ORACLE_FNS = {
    "lu_solve": lambda a, b: _sl().lu_solve(_sl().lu_factor(a), b),
    "cho_solve": lambda a, b: _sl().cho_solve(_sl().cho_factor(a), b),
}


def _check_finite(check, *ts):
    if check:
        for t in ts:
            if t.numel() and not bool(torch.isfinite(t).all()):
                raise ValueError("array must not contain infs or NaNs")


def _square(x, name="a"):
    if x.ndim < 2:
        raise LinAlgError("The input array must be at least two-dimensional")
    if x.shape[-1] != x.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


def _on_host(name, dev):
    """Count (and on the neuron device under strict mode refuse) a SciPy step on host
    data, as ``trnpy.sparse.linalg``'s host steps are counted."""
    host_step(f"linalg.{name}", f"scipy.linalg.{name}", dev,
              "no torch algorithm: runs on the host through SciPy")


def _check_results(name, dev, in_dt, dts, hint=""):
    """SciPy's result dtypes ``dts`` (for ``in_dt`` input) must exist on ``dev``. Where
    SciPy widens (float32 in, float64 out) say so: trnpy never downcasts SciPy's result."""
    for d in dts:
        try:
            dev.check_dtype(d)
        except TypeError:
            if np.dtype(in_dt) == d:
                raise
            raise TypeError(f"scipy.linalg.{name} returns {np.dtype(d).name} even for "
                            f"{np.dtype(in_dt).name} input, and {dev} has no "
                            f"{np.dtype(d).name} arithmetic: trnpy refuses rather than "
                            f"return a downcast result{hint}") from None


def _back(r, dev):
    """A SciPy result computed on host data, as trnpy objects on ``dev``."""
    if dev is CPU:
        return _wrap(r, dev)
    if isinstance(r, (tuple, list)):
        return tuple(_back(x, dev) for x in r)
    if r is None or isinstance(r, (bool, int)):
        return r
    return _convert.asarray(r, device=dev)


def _arrays_in(r):
    if isinstance(r, (tuple, list)):
        for x in r:
            yield from _arrays_in(x)
    elif isinstance(r, (np.ndarray, np.generic)):
        yield r


def _via_host(name, dev, arrays, kw):
    """``scipy.linalg.<name>`` on host copies of ``arrays``, recorded (:func:`_on_host`),
    the result moved back to ``dev`` (refused there if SciPy's dtype does not exist on
    ``dev``: its dtypes depend on the values and sizes, e.g. ``sqrtm`` turns complex,
    ``hessenberg``'s Q of a 2 x 2 matrix is float64). SciPy's ``overwrite_*`` are never
    passed: the host data may be the arrays' own memory."""
    _on_host(name, dev)
    r = getattr(_sl(), name)(*[_convert.host(a) if isinstance(a, TrnArray) else a
                                for a in arrays], **kw)
    _check_results(name, dev, arrays[0].dtype, [x.dtype for x in _arrays_in(r)],
                   " (move the arrays to the CPU: x.to_device('cpu'))")
    return _back(r, dev)


def _trans(trans):
    t = {0: "N", 1: "T", 2: "C", "N": "N", "T": "T", "C": "C"}.get(trans)
    if t is None:
        raise ValueError(f"Incorrect value for trans: {trans!r}; expected 0, 1, 2, "
                         "'N', 'T' or 'C'")
    return t


def _rhs(name, a_shape, b):
    """SciPy's (and NumPy 2's) right-hand side rule: 1-D ``b`` is a vector, otherwise a
    stack of (N, K) matrices whose batch broadcasts with ``a``'s."""
    n = a_shape[-1]
    if b.ndim == 0 or (b.ndim == 1 and b.shape[0] != n) or (b.ndim > 1 and b.shape[-2] != n):
        raise ValueError(f"{name}: shapes of a {tuple(a_shape)} and b {tuple(b.shape)} "
                         "are incompatible")
    if b.ndim > 1:
        try:
            np.broadcast_shapes(a_shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"{name}: shapes of a {tuple(a_shape)} and b "
                             f"{tuple(b.shape)} are incompatible") from None


def _as_rhs(ta, tb):
    """(a, b) tensors with ``b`` as matrices and equal batch dims (vector flag)."""
    vec = tb.dim() == 1
    if vec:
        tb = tb[:, None]
    batch = torch.broadcast_shapes(ta.shape[:-2], tb.shape[:-2])
    ta = ta.expand(batch + ta.shape[-2:])
    tb = tb.expand(batch + tb.shape[-2:])
    return ta, tb, vec


# ---------------------------------------------------------------------------
# LU
def lu(a, permute_l=False, overwrite_a=False, check_finite=True, p_indices=False):
    """LU with partial pivoting: ``(p, l, u)`` with ``a = p @ l @ u`` (``p`` row indices
    with ``p_indices=True``: ``a = l[p] @ u``), or ``(p @ l, u)`` with ``permute_l``."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("The input array must be at least two-dimensional.")
    dts = sp_dtypes("lu", x.dtype, permute_l=bool(permute_l), p_indices=bool(p_indices))
    for d in dts:
        dev.check_dtype(d)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().lu(np_view(x), permute_l=permute_l, check_finite=check_finite,
                              p_indices=p_indices), dev)
    t = torch_as(x._t, dts[-1])
    _check_finite(check_finite, t)
    P, L, U = _call(torch.linalg.lu, t)
    if permute_l:
        return _new(P.to(L.dtype) @ L, dev, dts[0]), _new(U, dev, dts[1])
    if p_indices:
        perm = P.real.argmax(dim=-1)
        # SciPy's 1 x 1 shortcut returns default-int indices
        pdt = np.dtype(np.int64) if tuple(t.shape[-2:]) == (1, 1) else dts[0]
        return _new(perm, dev, pdt), _new(L, dev, dts[1]), _new(U, dev, dts[2])
    if tuple(t.shape[-2:]) == (1, 1):      # SciPy's 1 x 1 shortcut: p in a's dtype
        return _new(P, dev, dts[1]), _new(L, dev, dts[1]), _new(U, dev, dts[2])
    return _new(P, dev, dts[0]), _new(L, dev, dts[1]), _new(U, dev, dts[2])


def _warn_singular(info):
    bad = info[info > 0]
    if bad.numel():
        try:
            from scipy.linalg import LinAlgWarning as W  # lazy: SciPy loads on first use, not with trnpy
        except ImportError:       # scipy absent: same text, a RuntimeWarning
            W = RuntimeWarning
        warnings.warn(f"Diagonal number {int(bad.min())} is exactly zero. Singular matrix.",
                      W, stacklevel=3)


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)``: L and U packed in one array, 0-based int32 pivots (LAPACK getrf)."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("The input array must be at least two-dimensional.")
    dts = sp_dtypes("lu_factor", x.dtype)
    dev.check_dtype(dts[0])
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().lu_factor(np_view(x), check_finite=check_finite), dev)
    t = torch_as(x._t, dts[0])
    _check_finite(check_finite, t)
    LU, piv, info = torch.linalg.lu_factor_ex(t)
    _warn_singular(info)
    return _new(LU, dev, dts[0]), _new(piv - 1, dev, np.int32)


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` (``trans`` 1: ``a.T``, 2: ``a.H``) from ``lu_factor``'s output."""
    lu_, piv = lu_and_piv
    (lu_, piv, b), dev = _convert.as_arrays(lu_, piv, b)
    tr = _trans(trans)
    _square(lu_)
    _rhs("lu_solve", lu_.shape, b)
    dt = sp_dtypes("lu_solve", lu_.dtype, b.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().lu_solve((np_view(lu_), np_view(piv)), np_view(b), trans=trans,
                                    check_finite=check_finite), dev)
    tl, tb = torch_as(lu_._t, dt), torch_as(b._t, dt)
    _check_finite(check_finite, tl, tb)
    tl, tb, vec = _as_rhs(tl, tb)
    p = (piv._t.to(torch.int32) + 1).expand(tl.shape[:-1])
    if tr == "T" and tl.is_complex():
        # A^T x = b  <=>  A^H conj(x) = conj(b)
        r = torch.linalg.lu_solve(tl, p, tb.conj(), adjoint=True).conj()
    else:
        r = torch.linalg.lu_solve(tl, p, tb, adjoint=tr != "N")
    return _new(r[..., 0] if vec else r, dev, dt)


# ---------------------------------------------------------------------------
# Cholesky
def _tri_hermitian(t, lower):
    """The Hermitian matrix LAPACK sees: one triangle, the diagonal's real part."""
    h = t.tril(-1) + t.tril(-1).mH if lower else t.triu(1) + t.triu(1).mH
    d = torch.diagonal(t, 0, -2, -1)
    return h + torch.diag_embed(d.real.to(t.dtype) if t.is_complex() else d)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)``: the Cholesky factor in ``c``'s ``lower``/upper triangle; the other
    triangle keeps ``a``'s entries (as LAPACK potrf leaves them)."""
    (x,), dev = _convert.as_arrays(a)
    _square(x)
    dt = sp_dtypes("cho_factor", x.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        c, low = _sl().cho_factor(np_view(x), lower=lower, check_finite=check_finite)
        return _wrap(c, dev), bool(np.all(low))   # SciPy gives one flag per matrix of a stack
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    f, info = torch.linalg.cholesky_ex(_tri_hermitian(t, lower), upper=not lower)
    if info.numel() and bool((info != 0).any()):
        raise LinAlgError(f"{int(info[info != 0].min())}-th leading minor of the array "
                          "is not positive definite")
    n = t.shape[-1]
    keep = torch.ones(n, n, dtype=torch.bool, device=t.device)
    keep = keep.tril() if lower else keep.triu()
    return _new(torch.where(keep, f, t), dev, dt), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """Solve ``a x = b`` from ``cho_factor``'s ``(c, lower)``."""
    c, lower = c_and_lower
    (c, b), dev = _convert.as_arrays(c, b)
    _square(c)
    _rhs("cho_solve", c.shape, b)
    dt = sp_dtypes("cho_solve", c.dtype, b.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().cho_solve((np_view(c), lower), np_view(b), check_finite=check_finite),
                     dev)
    tc, tb = torch_as(c._t, dt), torch_as(b._t, dt)
    _check_finite(check_finite, tc, tb)
    tc, tb, vec = _as_rhs(tc, tb)
    f = tc.tril() if lower else tc.triu()
    r = torch.cholesky_solve(tb, f, upper=not lower)
    return _new(r[..., 0] if vec else r, dev, dt)


# ---------------------------------------------------------------------------
# triangular solves
def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """Solve ``a x = b`` reading only ``a``'s ``lower``/upper triangle (``trans`` 1:
    ``a.T x = b``, 2: ``a.H x = b``). A zero diagonal raises LinAlgError."""
    (a, b), dev = _convert.as_arrays(a, b)
    tr = _trans(trans)
    _square(a)
    _rhs("solve_triangular", a.shape, b)
    dt = sp_dtypes("solve_triangular", a.dtype, b.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().solve_triangular(np_view(a), np_view(b), trans=trans, lower=lower,
                                            unit_diagonal=unit_diagonal,
                                            check_finite=check_finite), dev)
    ta, tb = torch_as(a._t, dt), torch_as(b._t, dt)
    _check_finite(check_finite, ta, tb)
    return _new(triangular_tensor(ta, tb, tr, lower, unit_diagonal), dev, dt)


def triangular_tensor(ta, tb, tr, lower, unit_diagonal):
    if not unit_diagonal and ta.shape[-1]:
        zero = (torch.diagonal(ta, 0, -2, -1) == 0)
        if bool(zero.any()):
            i = int(zero.nonzero()[0, -1])
            raise LinAlgError(f"singular matrix: resolution failed at diagonal {i}")
    ta, tb, vec = _as_rhs(ta, tb)
    if tr != "N":
        ta = ta.mT if tr == "T" else ta.mH
        lower = not lower
    r = torch.linalg.solve_triangular(ta, tb, upper=not lower, left=True,
                                      unitriangular=bool(unit_diagonal))
    return r[..., 0] if vec else r


# ---------------------------------------------------------------------------
# matrix functions
def _expm_check(x):
    _square(x)
    x._device.check_dtype(sp_dtypes("expm", x.dtype)[0])


@normalizer(lambda A: _sl().expm(A), "A", check=_expm_check)
def expm(A):
    """Matrix exponential of the last two axes (torch.linalg.matrix_exp off the SciPy
    path)."""
    x, dev = A, A._device
    dt = sp_dtypes("expm", x.dtype)[0]
    return _new(torch.linalg.matrix_exp(torch_as(x._t, dt)), dev, dt)


def _scipy_only(name, A, **kw):
    """SciPy's ``name`` (no torch algorithm): on the NumPy backend's views, else on a
    recorded host copy (:func:`_via_host`)."""
    (x,), dev = _convert.as_arrays(A)
    if name == "sqrtm":
        if x.ndim:                    # SciPy's sqrtm takes a 0-d array as 1 x 1
            _square(x)
    elif x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError("expected a square matrix" if name == "logm" else
                         "expected square matrix")
    if _dispatch.use_numpy(dev):
        return _wrap(getattr(_sl(), name)(np_view(x), **kw), dev)
    if name == "logm":            # always double precision: refuse before computing
        _check_results(name, dev, x.dtype, sp_dtypes(name, x.dtype),
                       " (move the arrays to the CPU: x.to_device('cpu'))")
    return _via_host(name, dev, (x,), kw)


def sqrtm(A, **kw):
    """Principal matrix square root (SciPy's; off the NumPy backend on a recorded host
    copy: torch has no sqrtm)."""
    return _scipy_only("sqrtm", A, **kw)


def logm(A, **kw):
    """Principal matrix logarithm (SciPy's, float64/complex128 for any input; off the
    NumPy backend on a recorded host copy: torch has no logm)."""
    return _scipy_only("logm", A, **kw)


def schur(a, output="real", lwork=None, overwrite_a=False, sort=None, check_finite=True):
    """Schur decomposition ``(T, Z)`` (``(T, Z, sdim)`` with ``sort``) (SciPy's; off the
    NumPy backend on a recorded host copy)."""
    return _scipy_only("schur", a, output=output, lwork=lwork, sort=sort,
                       check_finite=check_finite)


def hessenberg(a, calc_q=False, overwrite_a=False, check_finite=True):
    """Upper Hessenberg form ``H`` (``(H, Q)`` with ``calc_q``) (SciPy's; off the NumPy
    backend on a recorded host copy)."""
    return _scipy_only("hessenberg", a, calc_q=calc_q, check_finite=check_finite)


# ---------------------------------------------------------------------------
# subspaces
def _rank_count(s, rcond, m, n, dt):
    if rcond is None:
        rcond = np.finfo(dt).eps * max(m, n)
    if s.shape[-1] == 0:
        return 0
    counts = (s > float(rcond) * s.amax(-1, keepdim=True)).sum(-1)
    lo, hi = int(counts.min()), int(counts.max())
    if lo != hi:
        raise ValueError("the matrices of the stack have different ranks; the bases "
                         "would have different sizes")
    return lo


def _svd_checked(x, dev, name, check_finite):
    if x.ndim < 2:
        raise LinAlgError("The input array must be at least two-dimensional")
    dt = sp_dtypes(name, x.dtype)[0]
    dev.check_dtype(dt)
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    return t, dt


def null_space(A, rcond=None, *, overwrite_a=False, check_finite=True,
               lapack_driver="gesdd"):
    """Orthonormal basis of the null space of ``A`` (from the SVD)."""
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"lapack_driver must be 'gesdd' or 'gesvd', not {lapack_driver!r}")
    (x,), dev = _convert.as_arrays(A)
    if _dispatch.use_numpy(dev):
        dev.check_dtype(sp_dtypes("null_space", x.dtype)[0])
        return _wrap(_sl().null_space(np_view(x), rcond, check_finite=check_finite,
                                      lapack_driver=lapack_driver), dev)
    t, dt = _svd_checked(x, dev, "null_space", check_finite)
    m, n = t.shape[-2:]
    u, s, vh = _call(torch.linalg.svd, t, full_matrices=True)
    num = _rank_count(s, rcond, m, n, dt)
    return _new(vh[..., num:, :].mH, dev, dt)


def orth(A, rcond=None):
    """Orthonormal basis of the range of ``A`` (from the SVD)."""
    (x,), dev = _convert.as_arrays(A)
    if _dispatch.use_numpy(dev):
        dev.check_dtype(sp_dtypes("orth", x.dtype)[0])
        return _wrap(_sl().orth(np_view(x), rcond), dev)
    t, dt = _svd_checked(x, dev, "orth", True)
    m, n = t.shape[-2:]
    u, s, vh = _call(torch.linalg.svd, t, full_matrices=False)
    num = _rank_count(s, rcond, m, n, dt)
    return _new(u[..., :, :num], dev, dt)


# ---------------------------------------------------------------------------
# special matrices
def block_diag(*arrs):
    """Block-diagonal matrix of 0-, 1- (a row) and 2-D arrays; N-D arrays are stacks of
    matrices whose leading dimensions broadcast (SciPy >= 1.17)."""
    if not arrs:
        arrs = ([],)
    xs, dev = _convert.as_arrays(*arrs)
    shapes = [(1, 1) if x.ndim == 0 else (1, x.shape[0]) if x.ndim == 1 else x.shape[-2:]
              for x in xs]
    batch = np.broadcast_shapes(*[x.shape[:-2] for x in xs])
    dt = _dtypes.result_type(*[x.dtype for x in xs])
    dev.check_dtype(dt)
    rows, cols = sum(s[0] for s in shapes), sum(s[1] for s in shapes)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().block_diag(*[np_view(x) for x in xs]), dev)
    out = torch.zeros(batch + (rows, cols), dtype=_dtypes.to_torch(dt),
                      device=dev.torch_device)
    r = c = 0
    for x, (p, q) in zip(xs, shapes):
        out[..., r:r + p, c:c + q] = _tensor.cast_tensor(x._t, dt).reshape(
            x.shape[:-2] + (p, q))
        r, c = r + p, c + q
    return _new(out, dev)


def toeplitz(c, r=None):
    """Toeplitz matrix with first column ``c`` and first row ``r`` (default ``conj(c)``;
    ``r[0]`` is ignored). N-D inputs are stacks of vectors (SciPy >= 1.17)."""
    if r is None:
        (c,), dev = _convert.as_arrays(c)
        if _dispatch.use_numpy(dev):
            return _wrap(_sl().toeplitz(np_view(c)), dev)
        tc = c._t if c.ndim else c._t[None]
        tr = tc.conj() if tc.is_complex() else tc
        dt = c.dtype
    else:
        (c, r), dev = _convert.as_arrays(c, r)
        if _dispatch.use_numpy(dev):
            return _wrap(_sl().toeplitz(np_view(c), np_view(r)), dev)
        dt = _dtypes.result_type(c.dtype, r.dtype)
        tc = c._t if c.ndim else c._t[None]
        tr = r._t if r.ndim else r._t[None]
    tc, tr = _tensor.compute_tensor(tc, dt), _tensor.compute_tensor(tr, dt)
    batch = torch.broadcast_shapes(tc.shape[:-1], tr.shape[:-1])
    m, n = tc.shape[-1], tr.shape[-1]
    vals = torch.cat([tc.flip(-1).expand(batch + (m,)),
                      tr[..., 1:].expand(batch + (max(n - 1, 0),))], dim=-1)
    i = torch.arange(m, device=vals.device)[:, None]
    j = torch.arange(n, device=vals.device)[None, :]
    return _new(_tensor.from_compute(vals[..., (m - 1) - i + j], dt), dev)


def circulant(c):
    """Circulant matrix whose first column is ``c`` (stacks of vectors for N-D ``c``)."""
    (c,), dev = _convert.as_arrays(c)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().circulant(np_view(c)), dev)
    tc = _tensor.compute_tensor(c._t if c.ndim else c._t[None])
    n = tc.shape[-1]
    i = torch.arange(n, device=tc.device)
    return _new(_tensor.from_compute(tc[..., (i[:, None] - i[None, :]) % max(n, 1)],
                                       c.dtype), dev)


def hilbert(n):
    """The ``n`` x ``n`` Hilbert matrix ``1 / (i + j + 1)`` (float64, default device)."""
    n = operator.index(n)
    dev = get_default_device()
    dev.check_dtype(np.float64)
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().hilbert(n), dev)
    i = torch.arange(max(n, 0), dtype=torch.float64, device=dev.torch_device)
    return _new(1.0 / (i[:, None] + i[None, :] + 1), dev)


# ---------------------------------------------------------------------------
# SciPy-style calls of the names NumPy shares (entered from _linalg.solve/eigh/qr)
_ASSUME = {None: "gen", "gen": "gen", "general": "gen", "sym": "sym", "symmetric": "sym",
           "her": "her", "hermitian": "her", "pos": "pos", "positive definite": "pos",
           "diagonal": "diagonal", "tridiagonal": "tridiagonal", "banded": "gen",
           "upper triangular": "upper", "lower triangular": "lower"}


def solve_scipy(a, b, *, lower, check_finite, assume_a, transposed):
    (a, b), dev = _convert.as_arrays(a, b)
    kind = _ASSUME.get(assume_a)
    if kind is None:
        raise ValueError(f"{assume_a!r} is not a recognized matrix structure")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"Expected square matrix, got a1.shape={a.shape}")
    _rhs("solve", a.shape, b)
    dt = sp_dtypes("solve", a.dtype, b.dtype)[0]
    dev.check_dtype(dt)
    if transposed and dt.kind == "c":
        raise NotImplementedError("scipy.linalg.solve can currently not solve a^T x = b "
                                  "or a^H x = b for complex matrices.")
    if _dispatch.use_numpy(dev):
        return _wrap(_sl().solve(np_view(a), np_view(b), lower=lower, check_finite=check_finite,
                                 assume_a=assume_a, transposed=transposed), dev)
    ta, tb = torch_as(a._t, dt), torch_as(b._t, dt)
    _check_finite(check_finite, ta, tb)
    if a.size == 1:
        kind = "gen"         # SciPy's one-element shortcut divides, whatever the structure
    if transposed:
        ta = ta.mT
        if kind in ("upper", "lower"):
            kind = "lower" if kind == "upper" else "upper"
        elif kind in ("sym", "her", "pos"):
            lower = not lower
    if kind in ("upper", "lower"):
        return _new(triangular_tensor(ta, tb, "N", kind == "lower", False), dev, dt)
    if kind == "diagonal":
        ta = torch.diag_embed(torch.diagonal(ta, 0, -2, -1))
    elif kind == "tridiagonal":
        n = ta.shape[-1]
        i = torch.arange(n, device=ta.device)
        ta = torch.where((i[:, None] - i[None, :]).abs() <= 1, ta, torch.zeros_like(ta))
    elif kind == "sym":
        ta = ta.tril() + ta.tril(-1).mT if lower else ta.triu() + ta.triu(1).mT
    elif kind in ("her", "pos"):
        ta = _tri_hermitian(ta, lower)
    ta, tb, vec = _as_rhs(ta, tb)
    if kind == "pos":
        f, info = torch.linalg.cholesky_ex(ta)
        if info.numel() and bool((info != 0).any()):
            raise LinAlgError("Matrix is not positive definite.")
        r = torch.cholesky_solve(tb, f)
    else:
        r, info = torch.linalg.solve_ex(ta, tb)
        if info.numel() and bool((info != 0).any()):
            raise LinAlgError("Matrix is singular.")
    return _new(r[..., 0] if vec else r, dev, dt)


_STD_DRIVERS = (None, "ev", "evd", "evr", "evx")
_GEN_DRIVERS = (None, "gv", "gvd", "gvx")


def eigh_scipy(a, b, *, lower, eigvals_only, type, check_finite, subset_by_index,
               subset_by_value, driver):
    xs, dev = _convert.as_arrays(a) if b is None else _convert.as_arrays(a, b)
    x = xs[0]
    if b is not None and type not in (1, 2, 3):       # SciPy reads type only with b
        raise ValueError('"type" keyword only accepts 1, 2, and 3.')
    if driver not in _STD_DRIVERS + _GEN_DRIVERS:
        raise ValueError(f'"{driver}" is unknown. Possible values are "None", "ev", '
                         '"evd", "evr", "evx", "gv", "gvd", "gvx".')
    if b is None and driver not in _STD_DRIVERS:
        raise ValueError(f'"{driver}" requires input b array to be supplied for '
                         'generalized eigenvalue problems.')
    if b is not None and driver not in _GEN_DRIVERS:
        raise ValueError(f'"{driver}" does not accept input b array for standard '
                         'eigenvalue problems.')
    if subset_by_index is not None and subset_by_value is not None:
        raise ValueError("Either index or value subset can be requested.")
    if (subset_by_index is not None or subset_by_value is not None) and \
            driver in ("ev", "evd", "gv", "gvd"):
        raise ValueError(f'"{driver}" cannot compute subsets of eigenvalues')
    for y, nm in zip(xs, "ab"):
        if y.ndim < 2 or y.shape[-1] != y.shape[-2]:
            raise ValueError(f'expected square "{nm}" matrix')
    n = x.shape[-1]
    if b is not None and xs[1].shape[-1] != n:
        raise ValueError("wrong b dimensions {}, should be {}".format(xs[1].shape, x.shape))
    if subset_by_index is not None:
        lo, hi = (operator.index(i) for i in subset_by_index)
        if not 0 <= lo <= hi < n:
            raise ValueError("Requested eigenvalue indices are not valid. Valid range is "
                             f"[0, {n - 1}] and start <= end, but start={lo}, end={hi} "
                             "is given")
    if subset_by_value is not None:
        vlo, vhi = (float(v) for v in subset_by_value)
        if not vlo < vhi:
            raise ValueError("Requested eigenvalue bounds are not valid. Valid range is "
                             f"({vlo}, {vhi}] and lower < upper")
    dts = sp_dtypes("eigh", *[y.dtype for y in xs])
    wdt, vdt = dts
    for d in dts:
        dev.check_dtype(d)
    if _dispatch.use_numpy(dev):
        r = _sl().eigh(np_view(x), None if b is None else np_view(xs[1]), lower=lower,
                       eigvals_only=eigvals_only, type=type, check_finite=check_finite,
                       subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                       driver=driver)
        return _wrap(r, dev) if eigvals_only else EighResult(*_wrap(tuple(r), dev))
    ta = torch_as(x._t, vdt)
    _check_finite(check_finite, ta, *[y._t for y in xs[1:]])
    uplo = "L" if lower else "U"
    if b is None:
        w, y = _eigh(_new(ta, dev), UPLO=uplo)
        w, y = w._t, y._t
    else:
        tb = torch_as(xs[1]._t, vdt)
        ah, bh = _tri_hermitian(ta, lower), _tri_hermitian(tb, lower)
        batch = torch.broadcast_shapes(ah.shape[:-2], bh.shape[:-2])
        ah, bh = ah.expand(batch + (n, n)), bh.expand(batch + (n, n))
        L, info = torch.linalg.cholesky_ex(bh)
        if info.numel() and bool((info != 0).any()):
            k = int(info[info != 0].min())
            raise LinAlgError(f"The leading minor of order {k} of B is not positive "
                              "definite. The factorization of B could not be completed "
                              "and no eigenvalues or eigenvectors were computed.")
        # The reduction to C y = w y is GEMMs through the routing point (the NKI GEMM
        # kernel on the neuron device); only L^-1 (type 1) is a triangular solve.
        if type == 1:
            li = torch.linalg.solve_triangular(
                L, torch.eye(n, dtype=L.dtype, device=L.device).expand(L.shape),
                upper=False)
            c = _mm(_mm(li, ah, dev), li.mH, dev)             # L^-1 A L^-H
        else:
            c = _mm(_mm(L.mH, ah, dev), L, dev)               # L^H A L
        w, y = _eigh(_new(c, dev), UPLO="L")
        w, y = w._t, y._t
    if subset_by_index is not None:
        w, y = w[..., lo:hi + 1], y[..., lo:hi + 1]
    elif subset_by_value is not None:
        keep = (w > vlo) & (w <= vhi)
        counts = keep.reshape(-1, n).sum(-1) if n else torch.zeros(1, dtype=torch.int64)
        if counts.numel() and int(counts.min()) != int(counts.max()):
            raise ValueError("subset_by_value: the matrices of the stack have different "
                             "numbers of eigenvalues in the interval")
        idx = torch.nonzero(keep.reshape(-1, n)[0]).flatten() if n else \
            torch.zeros(0, dtype=torch.int64)
        # eigenvalues ascend, so the kept ones are contiguous
        w, y = w[..., idx], y[..., idx]
    if eigvals_only:
        return _new(w, dev, wdt)
    if b is None:
        v = y
    elif type == 1:
        v = _mm(li.mH, y, dev)                                # L^-H y
    elif type == 2:
        v = torch.linalg.solve_triangular(L.mH, y, upper=True)   # L^-H y
    else:
        v = _mm(L, y, dev)                                    # L y
    return EighResult(_new(w, dev, wdt), _new(v, dev, vdt))


def _mm(p, q, dev):
    """``p @ q`` through the GEMM routing point (contiguous, conjugation resolved)."""
    return _gemm.gemm(p.resolve_conj().contiguous(), q.resolve_conj().contiguous(), dev)


def _pivot_order(t):
    """Column order of Householder QR with column pivoting (LAPACK geqp3's choice:
    the remaining column of largest norm, the first one on ties)."""
    r = t.clone()
    m, n = r.shape[-2:]
    batch = r.shape[:-2]
    perm = torch.arange(n, device=r.device).expand(batch + (n,)).clone()
    for j in range(min(m, n)):
        norms = r[..., j:, :].abs().square().sum(-2)
        norms[..., :j] = -1
        p = norms.argmax(-1, keepdim=True)
        jj = torch.full_like(p, j)
        # swap columns j and p
        cj = r.gather(-1, jj[..., None, :].expand(batch + (m, 1)))
        cp = r.gather(-1, p[..., None, :].expand(batch + (m, 1)))
        r.scatter_(-1, p[..., None, :].expand(batch + (m, 1)), cj)
        r.scatter_(-1, jj[..., None, :].expand(batch + (m, 1)), cp)
        pj, pp = perm.gather(-1, jj), perm.gather(-1, p)
        perm.scatter_(-1, p, pj)
        perm.scatter_(-1, jj, pp)
        # Householder reflector zeroing column j below the diagonal
        xcol = r[..., j:, j]
        nrm = torch.linalg.vector_norm(xcol, dim=-1, keepdim=True)
        x0 = xcol[..., :1]
        phase = torch.where(x0 == 0, torch.ones_like(x0), x0 / x0.abs().clamp_min(1e-300))
        v = xcol.clone()
        v[..., :1] = x0 + phase * nrm
        vn = (v.abs().square().sum(-1, keepdim=True))
        vn = torch.where(vn == 0, torch.ones_like(vn), vn)
        sub = r[..., j:, :]
        r[..., j:, :] = sub - v[..., :, None] * (2 * (v.conj()[..., None, :] @ sub) /
                                                 vn[..., None])
    return perm


def qr_scipy(a, mode, pivoting, check_finite):
    if mode not in ("full", "economic", "r", "raw", "reduced", "complete"):
        raise ValueError("Mode argument should be one of ['full', 'r', 'economic', "
                         "'raw', 'reduced', 'complete']")
    if mode == "raw" and pivoting:
        raise NotImplementedError("qr: mode='raw' with pivoting=True is not supported")
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("expected at least 2-D array")
    smode = {"reduced": "economic", "complete": "full"}.get(mode, mode)
    dts = sp_dtypes("qr", x.dtype)
    dt = dts[0]
    dev.check_dtype(dt)
    if not pivoting and smode in ("r", "raw"):
        return _qr(x, mode)
    if _dispatch.use_numpy(dev):
        r = _sl().qr(np_view(x), mode=smode, pivoting=pivoting, check_finite=check_finite)
        r = _wrap(tuple(r), dev)
        return QRResult(*r) if len(r) == 2 and smode != "r" else r
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    if pivoting:
        perm = _pivot_order(t)
        t = t.gather(-1, perm[..., None, :].expand(t.shape))
    q, r = torch.linalg.qr(t, mode="reduced" if smode == "economic" else "complete")
    if smode == "r":
        return (_new(r, dev, dt), _new(perm, dev, np.int32))
    if pivoting:
        return (_new(q, dev, dt), _new(r, dev, dt), _new(perm, dev, np.int32))
    return QRResult(_new(q, dev, dt), _new(r, dev, dt))


# -- the names NumPy and SciPy share: NumPy's signature, SciPy's keywords -----------------
_SP = object()     # "not given": tells NumPy-style calls from SciPy-style ones


def eigh(a, b=None, UPLO=None, *, lower=_SP, eigvals_only=_SP, overwrite_a=False,
         overwrite_b=False, type=_SP, check_finite=_SP, subset_by_index=None,
         subset_by_value=None, driver=None):
    """Eigen-decomposition of Hermitian matrices: EighResult(eigenvalues ascending,
    eigenvectors). Only the ``UPLO`` (NumPy) / ``lower`` (SciPy) triangle is read.

    NumPy's ``eigh(a, UPLO)`` and SciPy's ``eigh(a, b, *, lower, eigvals_only, type,
    subset_by_index, subset_by_value, driver, check_finite)`` in one function: a string
    second argument is NumPy's ``UPLO``; an array is SciPy's ``b`` (the generalized
    problem). With any SciPy argument the call follows SciPy (result dtypes, finite
    check, ``eigvals_only`` returning only the eigenvalues)."""
    if isinstance(b, str):
        if UPLO is not None:
            raise TypeError("eigh() got multiple values for argument 'UPLO'")
        b, UPLO = None, b
    scipy_args = {k: v for k, v in dict(lower=lower, eigvals_only=eigvals_only, type=type,
                                        check_finite=check_finite).items() if v is not _SP}
    if (b is None and not scipy_args and subset_by_index is None
            and subset_by_value is None and driver is None):
        return _eigh(a, UPLO="L" if UPLO is None else UPLO)
    if UPLO is not None:
        uplo = _check_uplo(UPLO)
        if lower is not _SP and bool(lower) != (uplo == "L"):
            raise ValueError("eigh: UPLO and lower disagree")
        lower = uplo == "L"
    return eigh_scipy(a, b, lower=True if lower is _SP else bool(lower),
                      eigvals_only=False if eigvals_only is _SP else bool(eigvals_only),
                      type=1 if type is _SP else type,
                      check_finite=True if check_finite is _SP else bool(check_finite),
                      subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                      driver=driver)


def solve(a, b, lower=_SP, overwrite_a=False, overwrite_b=False, check_finite=_SP,
          assume_a=_SP, transposed=_SP, *, target_forward_error=None, device=None):
    """Solve ``a @ x = b``.

    NumPy's ``solve(a, b)`` and SciPy's keywords (``assume_a``, ``lower``,
    ``transposed``, ``check_finite``; ``overwrite_*`` are accepted) in one function. The
    shape rule for ``b`` is NumPy 2's, which SciPy >= 1.15 shares: a 1-D ``b`` is one
    vector, otherwise a stack of (M, K) matrices whose batch dimensions broadcast with
    ``a``'s. With a SciPy keyword the call follows SciPy (its dtypes, its errors, the
    finite check); with none it is exactly NumPy's. With ``target_forward_error=t`` it
    returns ``(x, info)``: see :func:`trnpy.linalg._refine.solve`."""
    if target_forward_error is not None or device is not None:
        return _refine.solve(a, b, target_forward_error, device=device,
                             assume_a=None if assume_a is _SP else assume_a,
                             lower=lower is not _SP and bool(lower),
                             transposed=transposed is not _SP and bool(transposed))
    kw = {k: v for k, v in dict(lower=lower, check_finite=check_finite, assume_a=assume_a,
                                transposed=transposed).items() if v is not _SP}
    if not kw:
        return _solve(a, b)
    return solve_scipy(a, b, lower=bool(kw.get("lower", False)),
                       check_finite=bool(kw.get("check_finite", True)),
                       assume_a=kw.get("assume_a"), transposed=bool(kw.get("transposed",
                                                                           False)))


def qr(a, mode=None, *, pivoting=False, overwrite_a=False, lwork=None,
       check_finite=_SP):
    """QR decomposition with NumPy's modes ('reduced' (default), 'complete', 'r',
    'raw') and SciPy's ('full', 'economic'; returning ``(Q, R)``) and SciPy's
    ``pivoting=True`` (column pivoting: ``(Q, R, P)`` with ``a[:, P] = Q @ R``; the mode
    then defaults to SciPy's 'full', and 'r' means SciPy's ``(R, P)`` with the full R).
    ``overwrite_a`` and ``lwork`` are accepted (they never change the result)."""
    if pivoting or mode in ("full", "economic") or check_finite is not _SP:
        if mode is None:
            mode = "full"
        return qr_scipy(a, mode, bool(pivoting),
                        True if check_finite is _SP else bool(check_finite))
    return _qr(a, "reduced" if mode is None else mode)


# ---------------------------------------------------------------------------
# SciPy's own signatures and defaults for the names trnpy.linalg gives NumPy's (``inv``,
# ``det``, ``svd``, ``eigh`` ...): what ``trnpy.scipy_dispatch`` runs for
# ``scipy.linalg.<name>``. Not exported (they would shadow NumPy's names); see SCIPY.
def _host(name, dev, *args, **kw):
    """SciPy's own function on the NumPy views of CPU arrays (NumPy backend), wrapped."""
    args = [np_view(a) if isinstance(a, TrnArray) else a for a in args]
    return _wrap(getattr(_sl(), name)(*args, **kw), dev)


def scipy_solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
                assume_a=None, transposed=False):
    """``scipy.linalg.solve`` (``overwrite_*`` are permissions: accepted, never used)."""
    return solve_scipy(a, b, lower=lower, check_finite=check_finite, assume_a=assume_a,
                       transposed=transposed)


_INV_STRUCTURES = (None, "general", "gen", "diagonal", "upper triangular",
                   "lower triangular", "pos", "sym", "her")


def scipy_inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    """``scipy.linalg.inv``: ``solve(a, I)`` with the same ``assume_a`` structure."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError(f"Expected at least ndim=2, got a1.ndim={x.ndim}")
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Expected square matrix, got a1.shape={x.shape}")
    if assume_a not in _INV_STRUCTURES:
        raise KeyError(assume_a)              # SciPy's own (a dict look-up)
    dt = sp_dtypes("inv", x.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _host("inv", dev, x, check_finite=check_finite, assume_a=assume_a,
                     lower=lower)
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    if t.numel() == 0:
        return _new(t.clone(), dev, dt)
    if t.shape[-1] == 1 and t.is_complex() and assume_a in ("her", "pos"):
        # LAPACK's hetri/potri read a Hermitian diagonal's real part (solve's one-element
        # shortcut divides by the whole entry)
        t = t.real.to(t.dtype)
    eye = torch.eye(t.shape[-1], dtype=t.dtype, device=t.device)
    return solve_scipy(_new(t, dev), _new(eye, dev), lower=lower, check_finite=False,
                       assume_a=assume_a, transposed=False)


def scipy_det(a, overwrite_a=False, check_finite=True):
    """``scipy.linalg.det``: LU in the LAPACK dtype, the value in float64/complex128 (a
    NumPy scalar for one matrix on the CPU)."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("The input array must be at least two-dimensional.")
    if x.shape[-1] != x.shape[-2]:
        raise ValueError("Last 2 dimensions of the array must be square but received "
                         f"shape {x.shape}.")
    rdt = sp_dtypes("det", x.dtype)[0]
    _check_results("det", dev, x.dtype, (rdt,), " (trnpy.linalg.det, NumPy's det, keeps "
                   "float32 for float32 input; or move the array to the CPU)")
    if _dispatch.use_numpy(dev):
        return _host("det", dev, x, check_finite=check_finite)
    _check_finite(check_finite, x._t)
    if x.shape[-1] == 0:
        t = torch.ones(x.shape[:-2], dtype=_dtypes.to_torch(rdt), device=dev.torch_device)
    else:
        lapack = sp_dtypes("lu_factor", x.dtype)[0]     # SciPy's working dtype
        t = torch_as(_convert.as_array(_np_det(_new(torch_as(x._t, lapack), dev)), dev)._t,
                     rdt)
    return _convert.scalar(t, dev) if t.dim() == 0 else _new(t, dev)


_LSTSQ_DRIVERS = ("gelsd", "gelsy", "gelss")


def scipy_lstsq(a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
                lapack_driver=None):
    """``scipy.linalg.lstsq``: ``(x, residues, rank, s)``; the minimum-norm solution from
    the SVD whatever the driver (gelsy's ``s`` is None, as SciPy's)."""
    (x, y), dev = _convert.as_arrays(a, b)
    driver = "gelsd" if lapack_driver is None else lapack_driver
    if driver not in _LSTSQ_DRIVERS:
        raise ValueError(f'LAPACK driver "{driver}" is not found')
    if x.ndim < 2:
        raise ValueError("Input array a should be 2D")
    dts = sp_dtypes("lstsq", x.dtype, y.dtype)
    for d in dts:
        dev.check_dtype(d)
    if _dispatch.use_numpy(dev):
        return _host("lstsq", dev, x, y, cond=cond, check_finite=check_finite,
                     lapack_driver=lapack_driver)
    if x.ndim > 2:            # a stack: SciPy's loop over gelsd, on the host
        return _via_host("lstsq", dev, (x, y), dict(cond=cond, check_finite=check_finite,
                                                    lapack_driver=lapack_driver))
    m, n = x.shape
    if y.ndim not in (1, 2) or y.shape[0] != m:
        raise ValueError("Shape mismatch: a and b must have the same number of rows "
                         f"({m} != {y.shape[0] if y.ndim else 1}).")
    _check_finite(check_finite, x._t, y._t)
    # LAPACK's rules: gelsd/gelss take a negative rcond as machine precision, gelsy as
    # "every column counts"; SciPy passes eps only for cond=None
    rcond = np.finfo(dts[0]).eps if cond is None else cond
    if cond is not None and cond < 0:
        rcond = 0.0 if driver == "gelsy" else np.finfo(dts[0]).eps
    xs, res, rank, s = _np_lstsq(_new(torch_as(x._t, dts[0]), dev),
                                 _new(torch_as(y._t, dts[0]), dev), rcond=rcond)
    if driver == "gelsy":                            # gelsy computes no residues
        res = _new(torch.zeros(0, dtype=torch_as(x._t, dts[0]).dtype, device=x._t.device),
                   dev, dts[0])
    elif not res.shape[0]:                           # SciPy's empty residues: x's dtype
        res = _new(res._t, dev, dts[0])
    elif y.ndim == 1:                                # one residue, a value (np.sum's)
        res = _convert.scalar(res._t[0], dev)
    return xs, res, int(_convert.as_array(rank, dev)._t), \
        (None if driver == "gelsy" else s)


def scipy_pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    """``scipy.linalg.pinv``: singular values above ``atol + rtol * max(s)`` kept; the
    product of the factors runs through the GEMM routing point."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("expected matrix")
    dt = sp_dtypes("pinv", x.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _host("pinv", dev, x, atol=atol, rtol=rtol, return_rank=return_rank,
                     check_finite=check_finite)
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    m, n = t.shape[-2:]
    atol = 0. if atol is None else atol
    rtol = max(m, n) * np.finfo(dt).eps if rtol is None else rtol
    if atol < 0. or rtol < 0.:
        raise ValueError("atol and rtol values must be positive.")
    u, s, vh = _call(torch.linalg.svd, t, full_matrices=False)
    smax = s.amax(-1, keepdim=True) if s.shape[-1] else torch.zeros_like(s[..., :1])
    keep = s > atol + smax * rtol
    sinv = torch.where(keep, 1 / torch.where(keep, s, torch.ones_like(s)),
                       torch.zeros_like(s)).to(t.dtype)
    left = (vh.mH * sinv[..., None, :]).resolve_conj().contiguous()
    B = _gemm.gemm(left, u.mH.resolve_conj().contiguous(), dev)
    B = _new(B, dev, dt)
    if not return_rank:
        return B
    rank = keep.sum(-1)
    return B, (_convert.scalar(rank, dev) if rank.dim() == 0 else _new(rank, dev))


def scipy_svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
              lapack_driver="gesdd"):
    """``scipy.linalg.svd``: ``(U, s, Vh)`` or ``s``. Off the SciPy path torch's SVD
    computes the decomposition either driver gives (equal to rounding; the signs of
    singular-vector pairs may differ, as between SciPy's two drivers)."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("expected matrix")
    if not isinstance(lapack_driver, str):
        raise TypeError("lapack_driver must be a string")
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f'lapack_driver must be "gesdd" or "gesvd", not "{lapack_driver}"')
    dts = sp_dtypes("svd", x.dtype)
    for d in dts:
        dev.check_dtype(d)
    if _dispatch.use_numpy(dev):
        return _host("svd", dev, x, full_matrices=full_matrices, compute_uv=compute_uv,
                     check_finite=check_finite, lapack_driver=lapack_driver)
    udt, sdt = dts[0], dts[1]
    t = torch_as(x._t, udt)
    _check_finite(check_finite, t)
    m, n = t.shape[-2:]
    if not compute_uv:
        return _new(_call(torch.linalg.svdvals, t), dev, sdt)
    if t.numel() == 0 and full_matrices:
        eye = functools.partial(torch.eye, dtype=t.dtype, device=t.device)
        u, s, vh = eye(m).expand(t.shape[:-2] + (m, m)), t.new_zeros(t.shape[:-2] + (0,)), \
            eye(n).expand(t.shape[:-2] + (n, n))
    else:
        u, s, vh = _call(torch.linalg.svd, t, full_matrices=bool(full_matrices))
    return _new(u, dev, udt), _new(s, dev, sdt), _new(vh, dev, udt)


def scipy_svdvals(a, overwrite_a=False, check_finite=True):
    """``scipy.linalg.svdvals``: the singular values, descending."""
    return scipy_svd(a, compute_uv=False, check_finite=check_finite)


def scipy_cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """``scipy.linalg.cholesky``: reads ``a``'s ``lower``/upper triangle; the factor has
    zeros in the other."""
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        shape = (1,) + x.shape if x.ndim == 1 else x.shape
        raise ValueError("Input array is expected to be square but has the shape: "
                         f"{shape}.")
    dt = sp_dtypes("cholesky", x.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _host("cholesky", dev, x, lower=lower, check_finite=check_finite)
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    f, info = torch.linalg.cholesky_ex(_tri_hermitian(t, lower), upper=not lower)
    if info.numel() and bool((info != 0).any()):
        raise LinAlgError(f"{int(info[info != 0].min())}-th leading minor of the array "
                          "is not positive definite")
    return _new(f, dev, dt)


def scipy_eig(a, b=None, left=False, right=True, overwrite_a=False, overwrite_b=False,
              check_finite=True, homogeneous_eigvals=False):
    """``scipy.linalg.eig``: complex eigenvalues always; right eigenvectors real when every
    eigenvalue is (real input). The generalized problem (``b``) and left eigenvectors
    have no torch algorithm (LAPACK ggev / left vectors): off the NumPy backend SciPy runs
    them on a recorded host copy."""
    xs, dev = _convert.as_arrays(a) if b is None else _convert.as_arrays(a, b)
    for y in xs:
        if y.ndim < 2 or y.shape[-1] != y.shape[-2]:
            raise ValueError("expected square matrix")
    if b is not None and xs[1].shape != xs[0].shape:
        raise ValueError("a and b must have the same shape")
    x = xs[0]
    wdt, vdt = sp_dtypes("eig", *[y.dtype for y in xs])
    cdt = wdt
    _check_results("eig", dev, x.dtype, (wdt, vdt))
    kw = dict(left=left, right=right, check_finite=check_finite,
              homogeneous_eigvals=homogeneous_eigvals)
    if _dispatch.use_numpy(dev):
        return _host("eig", dev, *xs, **kw)
    if b is not None or left:
        return _via_host("eig", dev, xs, kw)
    t = torch_as(x._t, cdt if x.dtype.kind == "c" else _dtypes.real_of(cdt))
    _check_finite(check_finite, t)
    if not right:
        w = _new(_call(torch.linalg.eigvals, t), dev, wdt)
        return _new(torch.stack([w._t, torch.ones_like(w._t)], dim=-2), dev) \
            if homogeneous_eigvals else w
    w, v = _call(torch.linalg.eig, t)
    if x.dtype.kind != "c" and not bool((w.imag == 0).all()):
        vdt = cdt
    w = _new(w, dev, wdt)
    if homogeneous_eigvals:
        w = _new(torch.stack([w._t, torch.ones_like(w._t)], dim=-2), dev)
    vt = v.real if vdt.kind != "c" else v
    return w, _new(vt, dev, vdt)


def scipy_eigvals(a, b=None, overwrite_a=False, check_finite=True,
                  homogeneous_eigvals=False):
    """``scipy.linalg.eigvals``: the (complex) eigenvalues of :func:`scipy_eig`."""
    return scipy_eig(a, b, left=False, right=False, check_finite=check_finite,
                     homogeneous_eigvals=homogeneous_eigvals)


def scipy_eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False,
               overwrite_b=False, type=1, check_finite=True, subset_by_index=None,
               subset_by_value=None, driver=None):
    """``scipy.linalg.eigh`` (``driver`` is validated; off the SciPy path torch's solver
    gives the same decomposition, to rounding and eigenvector signs)."""
    return eigh_scipy(a, b, lower=lower, eigvals_only=eigvals_only, type=type,
                      check_finite=check_finite, subset_by_index=subset_by_index,
                      subset_by_value=subset_by_value, driver=driver)


def scipy_eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
                   check_finite=True, subset_by_index=None, subset_by_value=None,
                   driver=None):
    """``scipy.linalg.eigvalsh``."""
    return eigh_scipy(a, b, lower=lower, eigvals_only=True, type=type,
                      check_finite=check_finite, subset_by_index=subset_by_index,
                      subset_by_value=subset_by_value, driver=driver)


def scipy_qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False,
             check_finite=True):
    """``scipy.linalg.qr`` with SciPy's modes: 'full' and 'economic' ``(Q, R)``, 'r'
    ``(R,)`` (the full R), 'raw' ``((qr, tau), R)`` (LAPACK geqrf's output; with
    ``pivoting`` ``((qr, tau), R, P)``: geqrf of the columns in geqp3's order)."""
    if mode not in ("full", "r", "economic", "raw"):
        raise ValueError("Mode argument should be one of ['full', 'r', 'economic', 'raw']")
    if lwork is not None and int(lwork) != -1:
        x = _convert.as_array(a)
        _check_qr_lwork(int(lwork), x.shape, x.dtype, mode, pivoting)
    if mode in ("full", "economic") or (pivoting and mode == "r"):
        return qr_scipy(a, mode, bool(pivoting), bool(check_finite))
    (x,), dev = _convert.as_arrays(a)
    if x.ndim < 2:
        raise ValueError("expected at least 2-D array")
    dt = sp_dtypes("qr", x.dtype)[0]
    dev.check_dtype(dt)
    if _dispatch.use_numpy(dev):
        return _host("qr", dev, x, mode=mode, pivoting=pivoting, check_finite=check_finite)
    t = torch_as(x._t, dt)
    _check_finite(check_finite, t)
    if mode == "r":
        return (_new(torch.linalg.qr(t, mode="complete")[1], dev, dt),)
    if pivoting:
        perm = _pivot_order(t)
        t = t.gather(-1, perm[..., None, :].expand(t.shape))
    h, tau = torch.geqrf(t)
    k = min(t.shape[-2:])
    r = (_new(h, dev, dt), _new(tau, dev, dt)), _new(h[..., :k, :].triu(), dev, dt)
    return r + (_new(perm, dev, np.int32),) if pivoting else r


def _check_qr_lwork(lwork, shape, dtype, mode, pivoting):
    """SciPy's LAPACK wrappers reject a workspace smaller than geqrf's (N; geqp3 takes
    none) or orgqr's (Q's columns); trnpy does too, by letting SciPy's wrapper check the
    same ``lwork`` on a k x k zero matrix (its own exception and message)."""
    if len(shape) < 2 or not shape[-1] * shape[-2]:
        return                          # SciPy answers empty input before any LAPACK call
    m, n = shape[-2:]
    need = [] if pivoting else [("geqrf", n)]
    if mode in ("full", "economic"):
        need.append(("orgqr", m if mode == "full" else min(m, n)))
    for routine, k in need:
        if lwork < k:
            z = np.zeros((k, k), sp_dtypes("qr", dtype)[0])
            f = _sl().get_lapack_funcs(routine, (z,))
            f(z[:1], lwork=lwork) if routine == "geqrf" else f(z, z[0], lwork=lwork)


def scipy_norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    """``scipy.linalg.norm``: NumPy's norm after SciPy's finite check (on the CPU SciPy's
    own, either backend: its result is a Python float, a NumPy scalar or an array by
    BLAS/LAPACK shortcuts that depend on the memory layout)."""
    (x,), dev = _convert.as_arrays(a)
    if dev is CPU:
        return _host("norm", dev, x, ord=ord, axis=axis, keepdims=keepdims,
                     check_finite=check_finite)
    _check_finite(check_finite, x._t)
    return _np_norm(x, ord=ord, axis=axis, keepdims=keepdims)


#: ``scipy.linalg`` name -> trnpy's function with SciPy's signature and defaults
SCIPY = {
    "solve": scipy_solve, "solve_triangular": solve_triangular, "inv": scipy_inv,
    "det": scipy_det, "lstsq": scipy_lstsq, "pinv": scipy_pinv, "eigh": scipy_eigh,
    "eigvalsh": scipy_eigvalsh, "eig": scipy_eig, "eigvals": scipy_eigvals,
    "svd": scipy_svd, "svdvals": scipy_svdvals, "cholesky": scipy_cholesky,
    "cho_factor": cho_factor, "cho_solve": cho_solve, "lu": lu, "lu_factor": lu_factor,
    "lu_solve": lu_solve, "qr": scipy_qr, "expm": expm, "sqrtm": sqrtm, "logm": logm,
    "schur": schur, "hessenberg": hessenberg, "norm": scipy_norm, "null_space": null_space,
    "orth": orth, "block_diag": block_diag, "toeplitz": toeplitz,
    "circulant": circulant,
}
