"""``trnpy.linalg``: the array API linear algebra extension with NumPy's signatures.

Each function is a thin wrapper: validate like NumPy, take the result dtype from NumPy
(``np_dtype_of``), then compute with ``numpy.linalg`` (CPU NumPy backend) or
``torch.linalg`` (CUDA, neuron, torch CPU backend). eigh / eigvalsh ask
``_dispatch.route``, which sends them to the NKI Jacobi kernel on the neuron device.

Non-finite input: ``svd``, ``svdvals``, ``pinv``, ``lstsq``, ``matrix_rank``, ``eig``,
``eigvals``, ``eigh`` and ``eigvalsh`` raise ``LinAlgError("Array must not contain infs or
NaNs")`` (NumPy's eig's refusal, SciPy's ``check_finite``) on every backend before any
LAPACK call: LAPACK's SVD can loop forever on inf (NumPy's svd of a 5x5 matrix with a row
of inf hangs) and otherwise returns garbage. ``cond`` (p None/2/-2) gives inf for a matrix
holding inf and raises for NaN, as NumPy does, without the SVD. ``det``, ``slogdet``,
``inv``, ``solve``, ``qr`` and ``cholesky`` keep NumPy's inf/NaN results.
"""
from __future__ import annotations

import functools
import operator
from collections import namedtuple

import numpy as np
from .._torch import torch

from .. import (_convert, _creation, _dispatch, _dtypes, _elementwise, _kernel_registry,
               _normalize, _reductions, _searching, _tensor)
from .._array import TrnArray
from .._convert import np_view
from .._gemm import matmul_tensor
from .._linalg_functions import matrix_transpose, np_dtype_of, tensordot
from .._linalg_functions import matmul as _matmul
from .._linalg_functions import vecdot as _vecdot
from .._linalg_functions import outer as _outer
from . import _refine

__all__ = ["LinAlgError", "cholesky", "cross", "det", "diagonal", "eigvalsh", "inv",
           "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
           "outer", "pinv", "slogdet", "svd", "svdvals", "tensordot",
           "trace", "vecdot", "vector_norm", "norm", "EighResult", "QRResult",
           "SlogdetResult", "SVDResult", "eig", "eigvals", "lstsq", "cond", "multi_dot",
           "tensorsolve", "tensorinv", "EigResult"]

#: NumPy's own exception class, so ``except np.linalg.LinAlgError`` catches ours.
LinAlgError = np.linalg.LinAlgError

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])

_INF = float("inf")


# ---------------------------------------------------------------------------
# helpers
def _stacked_square(x, square=True):
    if x.ndim < 2:
        raise LinAlgError(f"{x.ndim}-dimensional array given. Array must be at least "
                          "two-dimensional")
    if square and x.shape[-1] != x.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


def _prep(x, square=True):
    """One LAPACK-style operand: (array, device, working dtype)."""
    (x,), dev = _convert.as_arrays(x)
    _stacked_square(x, square)
    wdt = np_dtype_of(np.linalg.inv, x.dtype)        # float16 -> TypeError, int -> float64
    dev.check_dtype(wdt)
    return x, dev, wdt


def _new(t, dev, dtype=None):
    if dtype is not None:
        t = _tensor.cast_tensor(t, dtype)
    # lazy conjugate/negative views (from .mH etc.) cannot be exported to NumPy
    return TrnArray._new(t.resolve_conj().resolve_neg(), dev)


def _raise_if(info, msg):
    # one device-to-host read (it waits for the factorisation: NumPy raises in the call)
    n = info.numel()
    if n and (info.item() if n == 1 else info.any().item()):
        raise LinAlgError(msg)


def _call(fn, *args, **kw):
    """torch.linalg call with torch's LinAlgError turned into NumPy's."""
    try:
        return fn(*args, **kw)
    except torch.linalg.LinAlgError as e:
        raise LinAlgError(str(e)) from e


def _real_torch(dt):
    return _dtypes.to_torch(_dtypes.real_of(dt))


def _all_finite(x) -> bool:
    if not x.size or x.dtype.kind not in "fc":
        return True
    if _dispatch.use_numpy(x.device):
        return bool(np.isfinite(np_view(x)).all())
    return bool(torch.isfinite(x._t).all())


def _refuse_nonfinite(*xs):
    """LAPACK's SVD and eigensolvers can loop forever (NumPy's svd hangs on some inf
    input) or return garbage on inf/NaN: refuse them up front, as NumPy's eig and
    SciPy's ``check_finite`` do (here with NumPy's class and message, on every backend)."""
    for x in xs:
        if not _all_finite(x):
            raise LinAlgError("Array must not contain infs or NaNs")


# ---------------------------------------------------------------------------
# decompositions and solvers
@_normalize.normalizer(np.linalg.cholesky, "x", check=_prep)
def cholesky(x, /, *, upper=False):
    """Cholesky factor; LinAlgError when ``x`` is not positive definite."""
    x, dev, wdt = _prep(x)
    # potrf reads only the requested triangle, as LAPACK does for NumPy
    r, info = torch.linalg.cholesky_ex(_tensor.torch_as(x._t, wdt), upper=bool(upper))
    _raise_if(info, "Matrix is not positive definite")
    return _new(r, dev, wdt)


def _lu_factor_t(a):
    """getrf of ``a`` with its all-subnormal columns scaled up by 2**(mantissa bits + 1):
    MKL's getrf multiplies by 1/pivot, which overflows for a subnormal pivot (reference
    LAPACK, and so NumPy, divides). Scaling a column by a power of two changes neither
    the pivots chosen nor any rounding. Returns (lu, pivots, info, column scales)."""
    mag = a.abs()
    fi = torch.finfo(mag.dtype)
    if a.shape[-2]:
        tiny = mag.amax(-2, keepdim=True) < fi.tiny
    else:
        tiny = torch.zeros(a.shape[:-2] + (1, a.shape[-1]), dtype=torch.bool, device=a.device)
    d = 1 + tiny.to(mag.dtype) * (2 / fi.eps - 1)
    lu, piv, info = torch.linalg.lu_factor_ex(a * d)
    return lu, piv, info, d


def _slogdet_t(t):
    """NumPy's slogdet: LU-factor (getrf); an exactly zero pivot gives (0, -inf), else
    the sign from the row swaps and the pivots' signs and the sum of log|pivot|. det is
    ``sign * exp(logdet)``: no product of pivots to overflow or to make inf * 0 = NaN."""
    n = t.shape[-1]
    lu, piv, info, scale = _lu_factor_t(t)
    d = lu.diagonal(dim1=-2, dim2=-1)
    ad = d.abs()
    swaps = (piv != torch.arange(1, n + 1, dtype=piv.dtype, device=piv.device)).sum(-1)
    if t.is_complex():
        sign = torch.prod(d / ad, dim=-1)
        sign = torch.where(swaps % 2 == 1, -sign, sign)
    else:
        odd = (swaps + (d < 0).sum(-1)) % 2 == 1
        sign = torch.where(odd, -1.0, 1.0).to(t.dtype)
    logdet = ad.log().sum(-1) - scale.log().sum((-2, -1))
    singular = info > 0
    sign = torch.where(singular, torch.zeros((), dtype=sign.dtype, device=sign.device), sign)
    logdet = torch.where(singular, -_INF, logdet)
    return sign, logdet


@_normalize.normalizer(np.linalg.det, "x", check=_prep)
def det(x, /):
    x, dev, wdt = _prep(x)
    sign, logdet = _slogdet_t(_tensor.torch_as(x._t, wdt))
    return _new(sign * logdet.exp(), dev, wdt)


@_normalize.normalizer(np.linalg.slogdet, "x", check=_prep, result=SlogdetResult)
def slogdet(x, /):
    """Sign and natural log of the absolute determinant (SlogdetResult)."""
    x, dev, wdt = _prep(x)
    s, l = _slogdet_t(_tensor.torch_as(x._t, wdt))
    return SlogdetResult(_new(s, dev, wdt), _new(l, dev, _dtypes.real_of(wdt)))


def _check_uplo(UPLO):
    u = str(UPLO).upper()
    if u not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return u


def _eigh(a, UPLO="L"):
    """Eigen-decomposition of Hermitian matrices: EighResult(eigenvalues ascending,
    eigenvectors). Only the ``UPLO`` triangle is read."""
    uplo = _check_uplo(UPLO)
    x, dev, wdt = _prep(a)
    _refuse_nonfinite(x)
    where = _dispatch.route("eigh", dev, x, UPLO=uplo)
    if where == "numpy":
        w, v = np.linalg.eigh(np_view(x), UPLO=uplo)
        return EighResult(_convert.wrap(w, dev), _convert.wrap(v, dev))
    if where == "kernel":
        return EighResult(*_kernel_registry.run("eigh", x, UPLO=uplo))
    w, v = _call(torch.linalg.eigh, _tensor.torch_as(x._t, wdt), UPLO=uplo)
    return EighResult(_new(w, dev, _dtypes.real_of(wdt)), _new(v, dev, wdt))


def eigvalsh(a, /, UPLO="L"):
    uplo = _check_uplo(UPLO)
    x, dev, wdt = _prep(a)
    _refuse_nonfinite(x)
    where = _dispatch.route("eigh", dev, x, UPLO=uplo)
    if where == "numpy":
        return _convert.wrap(np.linalg.eigvalsh(np_view(x), UPLO=uplo), dev)
    if where == "kernel":
        return _kernel_registry.run("eigh", x, UPLO=uplo, eigvals_only=True)
    w = _call(torch.linalg.eigvalsh, _tensor.torch_as(x._t, wdt), UPLO=uplo)
    return _new(w, dev, _dtypes.real_of(wdt))


@_normalize.normalizer(np.linalg.inv, "a", check=_prep)
def inv(a, /):
    """Inverse; LinAlgError('Singular matrix') for exactly singular input, like NumPy."""
    x, dev, wdt = _prep(a)
    r, info = _inv_t(_tensor.torch_as(x._t, wdt))
    _raise_if(info, "Singular matrix")
    return _new(r, dev, wdt)


def _lu_solve_t(a, b):
    """LAPACK's gesv as NumPy calls it: LU-factor ``a``, then two triangular solves
    (torch's lu_solve/solve on MKL turn subnormal pivots into inf). Returns (x, info)."""
    lu, piv, info, scale = _lu_factor_t(a)
    if not a.shape[-1]:
        return b.clone(), info
    p = torch.lu_unpack(lu, piv, unpack_data=False)[0]        # a = P L U
    p = (p.real if p.is_complex() else p).argmax(-2)
    b = b.gather(-2, p[..., None].expand(b.shape))
    y = torch.linalg.solve_triangular(lu, b, upper=False, unitriangular=True)
    y = torch.linalg.solve_triangular(lu, y, upper=True)
    return y * scale.mT, info


def _inv_t(t):
    """NumPy's inv: gesv with the identity as right-hand side. Returns (inverse, info)."""
    eye = torch.eye(t.shape[-1], dtype=t.dtype, device=t.device).expand(t.shape)
    return _lu_solve_t(t, eye)


def _solve_shapes(a, b):
    """(result dtype, M, batch shape) of ``solve(a, b)``; NumPy's errors."""
    _stacked_square(a)
    rdt = np_dtype_of(np.linalg.solve, a.dtype, b.dtype)
    m = a.shape[-1]
    batch = ()
    if b.ndim == 1:
        if b.shape[0] != m:
            raise ValueError("solve1: Input operand 1 has a mismatch in its core dimension 0, "
                             f"with gufunc signature (m,m),(m)->(m) (size {b.shape[0]} is "
                             f"different from {m})")
    else:
        if b.ndim < 2:
            raise ValueError("solve: Input operand 1 does not have enough dimensions (has 0, "
                             "gufunc core with signature (m,m),(m,n)->(m,n) requires 2)")
        if b.shape[-2] != m:
            raise ValueError("solve: Input operand 1 has a mismatch in its core dimension 0, "
                             f"with gufunc signature (m,m),(m,n)->(m,n) (size {b.shape[-2]} "
                             f"is different from {m})")
        try:
            batch = () if a.ndim == b.ndim == 2 else \
                np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"solve: operands could not be broadcast together with shapes "
                             f"{a.shape} {b.shape}") from None
    a._device.check_dtype(rdt)          # after NumPy's shape errors
    return rdt, m, batch


@_normalize.normalizer(np.linalg.solve, ("a", "b"), check=_solve_shapes)
def _solve(a, b):
    """Solve ``a @ x = b``. NumPy 2 rule: ``b`` is a vector only when it is 1-D, otherwise
    a stack of matrices (..., M, K); batch dimensions broadcast."""
    dev = a._device
    rdt, m, batch = _solve_shapes(a, b)
    ta, tb = _tensor.torch_as(a._t, rdt), _tensor.torch_as(b._t, rdt)
    if b.ndim == 1:
        ta_b = ta
        tb_b = tb.expand(a.shape[:-2] + (m,))[..., None]
    elif batch:
        # same ndim on both sides so torch never takes b for a batch of vectors
        ta_b = ta.expand(batch + (m, m))
        tb_b = tb.expand(batch + b.shape[-2:])
    else:
        ta_b, tb_b = ta, tb
    r, info = _lu_solve_t(ta_b, tb_b)
    _raise_if(info, "Singular matrix")
    if b.ndim == 1:
        r = r[..., 0]
    return _new(r, dev, rdt)


def _qr(a, mode="reduced"):
    """QR decomposition: QRResult(Q, R) for 'reduced'/'complete', R for 'r', (h, tau)
    for 'raw' (as NumPy)."""
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    x, dev, wdt = _prep(a, square=False)
    if _dispatch.use_numpy(dev):
        res = np.linalg.qr(np_view(x), mode=mode)
        if mode == "r":
            return _convert.wrap(res, dev)
        if mode == "raw":
            return tuple(_convert.wrap(r, dev) for r in res)
        return QRResult(_convert.wrap(res[0], dev), _convert.wrap(res[1], dev))
    t = _tensor.torch_as(x._t, wdt)
    if mode == "raw":
        h, tau = _call(torch.geqrf, t)
        return (_new(h.mT, dev, wdt), _new(tau, dev, wdt))
    q, r = _call(torch.linalg.qr, t, mode=mode)
    if mode == "r":
        return _new(r, dev, wdt)
    return QRResult(_new(q, dev, wdt), _new(r, dev, wdt))


def _svd_hermitian(t, compute_uv):
    """NumPy's svd(hermitian=True): from eigh, singular values in descending order."""
    if not compute_uv:
        s = torch.linalg.eigvalsh(t).abs()
        return torch.sort(s, dim=-1, descending=True).values
    w, u = _call(torch.linalg.eigh, t)
    sgn = torch.sgn(w)
    s = w.abs()
    idx = torch.argsort(s, dim=-1, descending=True, stable=True)
    sgn = torch.take_along_dim(sgn, idx, dim=-1)
    s = torch.take_along_dim(s, idx, dim=-1)
    u = torch.take_along_dim(u, idx[..., None, :], dim=-1)
    vh = (u * sgn[..., None, :].to(u.dtype)).mH
    return u, s, vh


def _svd_check(a, /, full_matrices=True, compute_uv=True, hermitian=False):
    _refuse_nonfinite(_prep(a, square=hermitian)[0])


@_normalize.normalizer(np.linalg.svd, "a", validate=_svd_check, result=SVDResult)
def svd(a, /, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition: SVDResult(U, S, Vh), or S when ``compute_uv`` is False."""
    x, dev, wdt = _prep(a, square=hermitian)
    rdt = _dtypes.real_of(wdt)
    t = _tensor.torch_as(x._t, wdt)
    if hermitian:
        res = _svd_hermitian(t, compute_uv)
    elif not compute_uv:
        res = _call(torch.linalg.svdvals, t)
    else:
        res = _call(torch.linalg.svd, t, full_matrices=bool(full_matrices))
    if not compute_uv:
        return _new(res, dev, rdt)
    u, s, vh = res
    return SVDResult(_new(u, dev, wdt), _new(s, dev, rdt), _new(vh, dev, wdt))


def svdvals(x, /):
    return svd(x, compute_uv=False)


def _pinv_check(a, /, rcond=None, hermitian=False, *, rtol=np._NoValue):
    x = _prep(a, square=hermitian)[0]
    if rcond is not None and rtol is not np._NoValue:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    _refuse_nonfinite(x)


@_normalize.normalizer(np.linalg.pinv, "a", validate=_pinv_check)
def pinv(a, /, rcond=None, hermitian=False, *, rtol=np._NoValue):
    """Moore-Penrose pseudo-inverse; singular values at or below
    ``rtol * largest singular value`` are dropped (NumPy's defaults)."""
    x, dev, wdt = _prep(a, square=hermitian)
    m, n = x.shape[-2:]
    if rcond is None:
        rcond = 1e-15 if rtol is np._NoValue else (
            max(m, n) * np.finfo(wdt).eps if rtol is None else rtol)
    if m == 0 or n == 0:
        return _new(torch.zeros(x.shape[:-2] + (n, m), dtype=x._t.dtype,
                                device=x._t.device), dev)
    cut = _rtol_tensor(rcond, x, dev, wdt)
    t = _tensor.torch_as(x._t, wdt).conj()
    if hermitian:
        u, s, vh = _svd_hermitian(t, True)
    else:
        u, s, vh = _call(torch.linalg.svd, t, full_matrices=False)
    cutoff = cut[..., None] * s.amax(dim=-1, keepdim=True)
    large = s > cutoff
    sinv = torch.where(large, 1 / torch.where(large, s, torch.ones_like(s)),
                       torch.zeros_like(s))
    res = torch.matmul(vh.mT, sinv[..., None].to(u.dtype) * u.mT)
    return _new(res, dev, wdt)


def _rtol_tensor(r, x, dev, wdt):
    """A tolerance (scalar or array broadcasting against the batch dims) as a tensor."""
    if isinstance(r, TrnArray):
        _convert.same_device(x, r)
        t = r._t
    else:
        t = torch.as_tensor(np.asarray(r, dtype=np.float64), device=x._t.device)
    return t.to(_real_torch(wdt) if wdt != np.float16 else torch.float32)


def _matrix_rank_check(A, /, tol=None, hermitian=False, *, rtol=None):
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    if A.ndim >= 2:
        _refuse_nonfinite(A)


def _np_matrix_rank(A, /, tol=None, hermitian=False, *, rtol=None):
    if A.ndim < 2:
        return NotImplemented           # trnpy's 0-d int64 array, on both paths
    return np.asarray(np.linalg.matrix_rank(A, tol=tol, hermitian=hermitian, rtol=rtol),
                      dtype=np.int64)[()]


@_normalize.normalizer(_np_matrix_rank, "A", validate=_matrix_rank_check)
def matrix_rank(A, /, tol=None, hermitian=False, *, rtol=None):
    """Number of singular values above the tolerance (an int64 array, 0-d for one matrix)."""
    x, dev = A, A._device
    if x.ndim < 2:
        # NumPy: int(not all(A == 0)); trnpy returns it as a 0-d int64 array
        nz = bool((x._t != 0).any()) if x.size else False
        return _new(torch.tensor(int(nz), device=x._t.device), dev)
    s = svd(x, compute_uv=False, hermitian=hermitian)
    st = s._t
    if tol is None:
        if rtol is None:
            r = torch.tensor(max(x.shape[-2:]) * np.finfo(s.dtype).eps, dtype=st.dtype,
                             device=st.device)
        else:
            r = _rtol_tensor(rtol, x, dev, s.dtype)[..., None]
        smax = st.amax(dim=-1, keepdim=True) if st.shape[-1] else \
            torch.zeros(st.shape[:-1] + (1,), dtype=st.dtype, device=st.device)
        tolt = smax * r
    else:
        tolt = _rtol_tensor(tol, x, dev, s.dtype)[..., None]
    return _new((st > tolt).sum(dim=-1, dtype=torch.int64), dev)


def _matrix_power_check(a, n, /):
    _stacked_square(a)
    try:
        return {"n": operator.index(n)}
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e


@_normalize.normalizer(np.linalg.matrix_power, "a", validate=_matrix_power_check)
def matrix_power(a, n, /):
    """``a`` to the integer power ``n`` (negative: of its inverse); integer and bool
    matrices stay in their dtype as in NumPy."""
    x, dev = a, a._device
    if n == 0:
        eye = torch.eye(x.shape[-1], dtype=torch.int64, device=x._t.device)
        return _new(_tensor.cast_tensor(eye, x.dtype).expand(x.shape).clone(), dev)
    if n < 0:
        x = inv(x)
        n = -n
    t, dt = x._t, x.dtype
    if n == 1:
        return _new(t.clone(), dev)
    # the same square-and-multiply order as NumPy
    z = result = None
    while n > 0:
        z = t if z is None else matmul_tensor(z, z, dt)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul_tensor(result, z, dt)
    return _new(result, dev)


# ---------------------------------------------------------------------------
# array API helpers with no LAPACK behind them
def matmul(x1, x2, /):
    return _matmul(x1, x2)


def vecdot(x1, x2, /, *, axis=-1):
    """The array API's ``vecdot`` (``trnpy.vecdot`` is NumPy's gufunc, with ``out=``)."""
    return _vecdot(x1, x2, axis=axis)


def outer(x1, x2, /):
    """Outer product of two 1-D arrays (array API; ``trnpy.outer`` flattens instead)."""
    (a, b), _ = _convert.as_arrays(x1, x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"Input arrays must be one-dimensional, but they are {a.ndim=} "
                         f"and {b.ndim=}.")
    return _outer(a, b)


def _cross_args(a, b, axis):
    """(result dtype, a's axis, b's axis, result shape); NumPy's errors."""
    for x in (a, b):
        if x.ndim == 0:
            raise IndexError("tuple index out of range")
    ia, ib = _normalize.axis_index(axis, a.ndim), _normalize.axis_index(axis, b.ndim)
    if a.shape[ia] != 3 or b.shape[ib] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, "
                         f"but they are {a.shape[ia]} and {b.shape[ib]} dimensional instead.")
    rdt = np_dtype_of(np.linalg.cross, a.dtype, b.dtype, shape=(3,))
    a._device.check_dtype(rdt)
    try:
        shape = np.broadcast_shapes(np.delete(a.shape, ia), np.delete(b.shape, ib))
    except ValueError:
        raise ValueError(f"operands could not be broadcast together with shapes "
                         f"{a.shape} {b.shape}") from None
    return rdt, ia, ib, shape


def _cross_check(a, b, /, *, axis=-1):
    _cross_args(a, b, axis)


@_normalize.normalizer(np.linalg.cross, ("x1", "x2"), validate=_cross_check)
def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-vectors along ``axis``."""
    a, b, dev = x1, x2, x1._device
    rdt, ia, ib, shape = _cross_args(a, b, axis)
    ta = _tensor.compute_tensor(a._t, rdt).movedim(ia, -1)
    tb = _tensor.compute_tensor(b._t, rdt).movedim(ib, -1)
    f16 = rdt == np.float16
    if f16:
        ta, tb = ta.float(), tb.float()
    a0, a1, a2 = ta.unbind(-1)
    b0, b1, b2 = tb.unbind(-1)
    res = torch.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim=-1)
    res = _tensor.from_compute(res, rdt)
    return _new(res.movedim(-1, _normalize.axis_index(axis, len(shape) + 1)), dev)


def diagonal(x, /, *, offset=0):
    """Diagonals of the last two axes (a view of ``x``)."""
    (x,), dev = _convert.as_arrays(x)
    if x.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    offset = operator.index(offset)
    # pure indexing: the torch view is zero-copy on every backend
    return _new(torch.diagonal(x._t, offset, -2, -1), dev)


def _trace_check(x, /, *, offset=0, dtype=None):
    if x.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    offset = operator.index(offset)
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
    x._device.check_dtype(np_dtype_of(np.linalg.trace, x.dtype, dtype=dtype))
    return {"offset": offset, "dtype": dtype}


@_normalize.normalizer(np.linalg.trace, "x", validate=_trace_check)
def trace(x, /, *, offset=0, dtype=None):
    """Sum of the diagonals of the last two axes (NumPy's sum dtype rules)."""
    dev = x._device
    rdt = np_dtype_of(np.linalg.trace, x.dtype, dtype=dtype)
    d = torch.diagonal(x._t, offset, -2, -1)
    if rdt.kind == "b":
        return _new(d.to(torch.bool).any(-1), dev)
    if rdt.kind in "iu":
        # int64 sums wrap modulo 2**64, which agrees with NumPy after the cast
        s = _tensor.compute_tensor(d, rdt).sum(-1, dtype=torch.int64)
        return _new(_tensor.from_compute(s, rdt), dev)
    return _new(_tensor.torch_as(d, rdt).sum(-1), dev, rdt)


# ---------------------------------------------------------------------------
# norms
_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, _INF, -_INF)


def _matrix_norm_check(x, /, *, keepdims=False, ord="fro"):
    if x.ndim < 2:
        raise np.exceptions.AxisError(-2, x.ndim)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc", "f"):
            raise ValueError("Invalid norm order for matrices.")
    elif ord not in _MATRIX_ORDS:
        raise ValueError("Invalid norm order for matrices.")
    x._device.check_dtype(np_dtype_of(np.linalg.matrix_norm, x.dtype, ord=ord))


@_normalize.normalizer(np.linalg.matrix_norm, "x", validate=_matrix_norm_check)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """Matrix norms over the last two axes."""
    dev = x._device
    rdt = np_dtype_of(np.linalg.matrix_norm, x.dtype, ord=ord)
    wdt = rdt if x.dtype.kind in "iub" else x.dtype
    t = _tensor.torch_as(x._t, wdt)
    m, n = t.shape[-2:]
    if ord in (-1, -2, -_INF) and (m == 0 or n == 0):
        raise ValueError("zero-size array to reduction operation minimum which has no "
                         "identity")
    if ord in ("fro", "f"):
        r = t.abs().square().sum((-2, -1))
        if rdt == np.float16:       # NumPy sums in float16: overflow before the sqrt
            r = r.half().float()
        r = r.sqrt()
    elif ord in (2, -2, "nuc"):
        s = _call(torch.linalg.svdvals, t)
        if ord == "nuc":
            r = s.sum(-1)
        elif s.shape[-1] == 0:
            r = torch.zeros(s.shape[:-1], dtype=s.dtype, device=s.device)
        else:
            r = s.amax(-1) if ord == 2 else s.amin(-1)
    else:
        along = -2 if ord in (1, -1) else -1     # 1: max column sum; inf: max row sum
        sums = t.abs().sum(along)
        if ord in (1, _INF):
            r = sums.amax(-1) if sums.shape[-1] else torch.zeros(
                sums.shape[:-1], dtype=sums.dtype, device=sums.device)
        else:
            r = sums.amin(-1)
    if keepdims:
        r = r[..., None, None]
    return _new(r, dev, rdt)


def _vector_norm_args(x, axis, ord):
    """(result dtype, reduced axes); NumPy's errors."""
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    rdt = np_dtype_of(np.linalg.vector_norm, x.dtype, ord=ord)
    x._device.check_dtype(rdt)
    if axis is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axis, tuple):
        axes = tuple(_normalize.axis_index(a, x.ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis")
    else:
        axes = (_normalize.axis_index(_int_axis(axis), x.ndim),)
    return rdt, axes


def _int_axis(axis):
    """A single norm axis as NumPy's ``norm`` reads it: ``int(axis)`` (1.5 is axis 1)."""
    try:
        return int(axis)
    except Exception:
        raise TypeError("'axis' must be None, an integer or a tuple of integers") from None


def _vector_norm_check(x, /, *, axis=None, keepdims=False, ord=2):
    _vector_norm_args(x, axis, ord)


@_normalize.normalizer(np.linalg.vector_norm, "x", validate=_vector_norm_check)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """Vector p-norms over ``axis`` (all axes when None); ``ord`` may be any real,
    0 (count of non-zeros) or +-inf."""
    dev = x._device
    rdt, axes = _vector_norm_args(x, axis, ord)
    wdt = rdt if x.dtype.kind in "iub" else x.dtype
    t = _tensor.torch_as(x._t, wdt)
    count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    if ord == -_INF and count == 0:
        raise ValueError("zero-size array to reduction operation minimum which has no "
                         "identity")
    if axes and ord == 2 and rdt != np.float16:
        # sqrt of the sum of squares as NumPy (unscaled: overflow to inf as there), with
        # no |x| or squares materialised
        return _finish_norm(torch.linalg.vector_norm(t, 2, dim=axes), axes, keepdims, dev,
                            rdt)
    a = t.abs()
    if not axes:                # 0-d input: a norm of one element
        r = a if ord != 0 else (a != 0).to(a.dtype)
    elif ord == _INF:
        r = a.amax(dim=axes) if count else a.sum(dim=axes)
    elif ord == -_INF:
        r = a.amin(dim=axes)
    elif ord == 0:
        r = (a != 0).to(a.dtype).sum(dim=axes)
    elif ord == 1:
        r = a.sum(dim=axes)
    elif ord == 2:              # float16: NumPy squares and sums in float16 (inf)
        r = a.square().half().float().sum(dim=axes).half().float().sqrt()
    else:
        p = float(ord)
        r = a.pow(p).sum(dim=axes).pow(1.0 / p)
    return _finish_norm(r, axes, keepdims, dev, rdt)


def _finish_norm(r, axes, keepdims, dev, rdt):
    if keepdims:
        for ax in sorted(axes):
            r = r.unsqueeze(ax)
    return _new(r, dev, rdt)


def norm(x, ord=None, axis=None, keepdims=False):
    """NumPy's ``linalg.norm``: a vector or matrix norm depending on ``axis``/``ndim``."""
    (x,), dev = _convert.as_arrays(x)
    if axis is None:
        if ord is None:
            r = vector_norm(x, axis=None, keepdims=keepdims)
            return r
        if x.ndim == 1:
            return vector_norm(x, axis=0, keepdims=keepdims, ord=ord)
        if x.ndim == 2:
            return matrix_norm(x, keepdims=keepdims, ord=ord)
        raise ValueError("Improper number of dimensions to norm.")
    if not isinstance(axis, tuple):
        axis = (_int_axis(axis),)
    if len(axis) == 1:
        return vector_norm(x, axis=axis[0], keepdims=keepdims, ord=2 if ord is None else ord)
    if len(axis) == 2:
        r0, c0 = (_normalize.axis_index(a, x.ndim) for a in axis)
        if r0 == c0:
            raise ValueError("Duplicate axes given.")
        moved = TrnArray._new(x._t.movedim((r0, c0), (-2, -1)), dev)
        r = matrix_norm(moved, keepdims=False, ord="fro" if ord is None else ord)
        if keepdims:
            t = _convert.as_array(r, dev)._t       # (a 2-D input's norm is a value)
            for ax in sorted((r0, c0)):
                t = t.unsqueeze(ax)
            r = TrnArray._new(t, dev)
        return r
    raise ValueError("Improper number of dimensions to norm.")


# ---------------------------------------------------------------------------
# NumPy-only names: eig, eigvals, lstsq, cond, multi_dot, tensorsolve, tensorinv
EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _complex_of(dt):
    return np.dtype(np.complex64) if np.dtype(dt) in (np.float32, np.complex64) else \
        np.dtype(np.complex128)


@functools.cache
def _eig_can_be_real() -> bool:
    """Whether the installed NumPy's eig/eigvals return a real dtype for real input with
    real eigenvalues (probed once on a 1x1 matrix)."""
    return np.linalg.eigvals(np.ones((1, 1))).dtype.kind == "f" and \
        np.linalg.eig(np.ones((1, 1))).eigenvalues.dtype.kind == "f"


def _eig_torch(x, wdt, vectors):
    t = _tensor.torch_as(x._t, wdt)
    if vectors:
        w, v = _call(torch.linalg.eig, t)
    else:
        w, v = _call(torch.linalg.eigvals, t), None
    # NumPy <= 2.4: real input whose eigenvalues are all real gives real results (newer
    # NumPy may always give complex: _eig_can_be_real asks the installed one)
    if wdt.kind == "f" and _eig_can_be_real() and not bool((w.imag != 0).any()):
        w = w.real
        v = v.real if v is not None else None
        rdt = wdt
    else:
        rdt = _complex_of(wdt)
    return w, v, rdt


def _eig_check(a):
    x, dev, wdt = _prep(a)
    dev.check_dtype(_complex_of(wdt))
    _refuse_nonfinite(x)


@_normalize.normalizer(np.linalg.eig, "a", check=_eig_check, result=EigResult)
def eig(a, /):
    """Eigenvalues and right eigenvectors (EigResult). As NumPy: real dtype when the input
    is real and every eigenvalue is real, complex otherwise."""
    x, dev, wdt = _prep(a)
    w, v, rdt = _eig_torch(x, wdt, True)
    return EigResult(_new(w, dev, rdt), _new(v, dev, rdt))


@_normalize.normalizer(np.linalg.eigvals, "a", check=_eig_check)
def eigvals(a, /):
    """Eigenvalues of general matrices (real dtype when all are real, as NumPy)."""
    x, dev, wdt = _prep(a)
    w, _, rdt = _eig_torch(x, wdt, False)
    return _new(w, dev, rdt)


def lstsq(a, b, /, rcond=None, *, target_forward_error=None):
    """Least-squares solution of ``a @ x = b`` (2-D ``a``): ``(x, residuals, rank, s)``
    as NumPy (minimum-norm solution, singular values below ``rcond * s.max()`` dropped;
    ``rcond=None`` is ``eps * max(M, N)``). ``rank`` is a 0-d int32 array. With
    ``target_forward_error=t``: ``(x, info)``, see :func:`trnpy.linalg._refine.lstsq`."""
    if target_forward_error is not None:
        return _refine.lstsq(a, b, target_forward_error, rcond=rcond)
    (a, b), dev = _convert.as_arrays(a, b)
    for x in (a, b):
        if x.ndim != 2 and not (x is b and x.ndim == 1):
            raise LinAlgError(f"{x.ndim}-dimensional array given. Array must be "
                              "two-dimensional")
    if a.ndim != 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    m, n = a.shape
    if b.shape[0] != m:
        raise LinAlgError("Incompatible dimensions")
    rdt = np_dtype_of(np.linalg.solve, a.dtype, b.dtype)
    real = _dtypes.real_of(rdt)
    dev.check_dtype(rdt)
    _refuse_nonfinite(a, b)
    if _dispatch.use_numpy(dev):
        x, res, rank, s = np.linalg.lstsq(np_view(a), np_view(b), rcond=rcond)
        return (_convert.wrap(x, dev), _convert.wrap(res, dev),
                _convert.wrap(np.asarray(rank, dtype=np.int32), dev), _convert.wrap(s, dev))
    if rcond is None:
        rcond = np.finfo(rdt).eps * max(m, n)
    ta, tb = _tensor.torch_as(a._t, rdt), _tensor.torch_as(b._t, rdt)
    vec = b.ndim == 1
    if vec:
        tb = tb[:, None]
    k = min(m, n)
    tdev = ta.device
    if k == 0:
        s = torch.zeros(0, dtype=_real_torch(rdt), device=tdev)
        x = torch.zeros((n, tb.shape[1]), dtype=ta.dtype, device=tdev)
        rank = 0
    else:
        u, s, vh = _call(torch.linalg.svd, ta, full_matrices=False)
        keep = s > float(rcond) * s[0]
        rank = int(keep.sum())
        sinv = torch.where(keep, 1 / torch.where(keep, s, torch.ones_like(s)),
                           torch.zeros_like(s)).to(ta.dtype)
        x = vh.mH @ (sinv[:, None] * (u.mH @ tb))
    if rank == n and m > n:
        r = tb - ta @ x
        res = (r.real.square() + r.imag.square() if r.is_complex() else r.square()).sum(0)
    else:
        res = torch.zeros(0, dtype=_real_torch(rdt), device=tdev)
    if vec:
        x = x[:, 0]
    return (_new(x, dev, rdt), _new(res, dev, real),
            _new(torch.tensor(rank, dtype=torch.int32, device=tdev), dev),
            _new(s, dev, real))


def _cond_check(x, p=None):
    _stacked_square(x, square=False)
    if x.shape[-1] == 0 or x.shape[-2] == 0:
        raise LinAlgError("cond is not defined on empty arrays")
    if p not in (None, 2, -2):
        if p not in _MATRIX_ORDS and p != "f":
            raise ValueError("Invalid norm order for matrices.")
        _stacked_square(x)
        x._device.check_dtype(_dtypes.real_of(np_dtype_of(np.linalg.inv, x.dtype)))


def _np_cond(x, p=None):
    if p in (None, 2, -2) and not np.isfinite(x).all():
        return NotImplemented       # trnpy's answer below: LAPACK's SVD may hang on inf
    return np.linalg.cond(x, p)


@_normalize.normalizer(_np_cond, "x", validate=_cond_check)
def cond(x, p=None):
    """Condition number in the ``p`` norm (None/2/-2 from singular values; otherwise
    ``norm(x, p) * norm(inv(x), p)``). Singular matrices give inf, as NumPy."""
    dev = x._device
    if p in (None, 2, -2):
        # as NumPy: a matrix with inf has condition number inf, one with NaN fails its
        # SVD; LAPACK never sees either (its SVD may hang on inf)
        if not _all_finite(x):
            x, bad = _finite_stand_ins(x)
            return _searching.where(bad, _INF, cond(x, p))
        s = svd(x, compute_uv=False)._t
        with np.errstate(all="ignore"):
            r = s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    else:
        wdt = np_dtype_of(np.linalg.inv, x.dtype)
        rdt = _dtypes.real_of(wdt)
        # NumPy inverts in double precision, with a singular matrix giving NaN -> inf
        idt = wdt if dev.kind == "neuron" else (
            np.dtype(np.complex128) if wdt.kind == "c" else np.dtype(np.float64))
        ti, info = _inv_t(_tensor.torch_as(x._t, idt))
        if p == "nuc" and bool((info != 0).any()):
            raise LinAlgError("SVD did not converge")   # NumPy's SVD of the NaN inverse
        xi = _new(ti, dev)
        r = (matrix_norm(x, ord=p)._t.to(ti.real.dtype) *
             matrix_norm(xi, ord=p)._t).to(_real_torch(rdt))
        r = torch.where(info != 0, torch.full_like(r, float("nan")), r)
    nan = torch.isnan(r) & ~torch.isnan(x._t).any(-1).any(-1)
    r = torch.where(nan, torch.full_like(r, _INF), r)
    return _new(r, dev)


def _finite_stand_ins(x):
    """For cond of matrices with inf (NaN: LinAlgError): ``x`` with those matrices
    replaced by identities, and the mask of the replaced ones."""
    if _reductions.any(_elementwise.isnan(x)):
        raise LinAlgError("Array must not contain infs or NaNs")
    bad = _reductions.any(_elementwise.isinf(x), axis=(-2, -1))
    eye = _creation.eye(x.shape[-2], x.shape[-1], dtype=x.dtype, device=x.device)
    return _searching.where(bad[..., None, None], eye, x), bad


def _chain_order(shapes):
    """NumPy's multi_dot parenthesisation (the matrix-chain DP), as split indices."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    m = [[0] * n for _ in range(n)]
    s = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            m[i][j] = _INF
            for k in range(i, j):
                q = m[i][k] + m[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i][j]:
                    m[i][j] = q
                    s[i][j] = k
    return s


def multi_dot(arrays, *, out=None):
    """``arrays[0] @ arrays[1] @ ...`` in the cheapest order (first and last may be 1-D)."""
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    arrs, dev = _convert.as_arrays(*arrays)
    if out is not None:
        dev = _convert.same_device(*arrs, out)
    if _dispatch.use_numpy(dev):
        res = np.linalg.multi_dot([np_view(a) for a in arrs],
                                  out=None if out is None else np_view(out))
        return out if out is not None else _convert.wrap(res, dev)
    first, last = arrs[0].ndim == 1, arrs[-1].ndim == 1
    if first:
        arrs[0] = _new(arrs[0]._t[None, :], dev)
    if last:
        arrs[-1] = _new(arrs[-1]._t[:, None], dev)
    for a in arrs:
        if a.ndim != 2:
            raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be "
                              "two-dimensional")
    shapes = [a.shape for a in arrs]
    if len(arrs) == 2:
        res = _matmul(arrs[0], arrs[1])
    else:
        order = _chain_order(shapes)

        def prod(i, j):
            if i == j:
                return arrs[i]
            return _matmul(prod(i, order[i][j]), prod(order[i][j] + 1, j))
        res = prod(0, len(arrs) - 1)
    t = res._t
    if first and last:
        t = t[0, 0]
    elif first:
        t = t[0]
    elif last:
        t = t[:, 0]
    if out is not None:
        if tuple(out.shape) != tuple(t.shape) or out.dtype != res.dtype:
            raise ValueError("output array is not acceptable (must have the right datatype, "
                             "number of dimensions, and be a C-Array)")
        return _normalize.write_out("multi_dot", out, t, res.dtype, casting="unsafe")
    return _new(t, dev)


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x`` (NumPy's algorithm)."""
    (a, b), dev = _convert.as_arrays(a, b)
    t = a._t
    an = a.ndim
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        t = t.permute(allaxes)
    oldshape = tuple(t.shape[-(an - b.ndim):]) if an - b.ndim else ()
    prod = int(np.prod(oldshape, dtype=np.int64))
    if t.numel() != prod ** 2:
        raise LinAlgError("Input arrays must satisfy the requirement "
                          "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    res = _solve(_new(t.reshape(prod, prod), dev), _new(b._t.reshape(-1), dev))
    return _new(res._t.reshape(oldshape), dev)


def tensorinv(a, ind=2):
    """Inverse of ``a`` seen as a linear map between its first ``ind`` and remaining axes."""
    (a,), dev = _convert.as_arrays(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    oldshape = a.shape
    invshape = oldshape[ind:] + oldshape[:ind]
    prod = int(np.prod(oldshape[ind:], dtype=np.int64))
    if prod == 0 or a.size % prod:
        raise ValueError(f"cannot reshape array of size {a.size} into shape ({prod},newaxis)")
    ia = inv(_new(a._t.reshape(prod, -1), dev))
    if a.ndim == 0:     # NumPy inverts the 1x1 matrix, then its reshape to () is a TypeError
        raise TypeError("tensorinv: a must have at least one dimension")
    return _new(ia._t.reshape(invshape), dev)
