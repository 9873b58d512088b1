"""The Krylov solvers of ``scipy.sparse.linalg`` (SciPy 1.17's ``_isolve/iterative.py``,
``minres.py``, ``tfqmr.py``) on trnpy arrays, line for line, so iteration counts and
``info`` equal SciPy's for the same tolerances and caps.

Vectors live on the operator's device and every vector operation runs there; the
scalars the algorithms branch on (norms, dot products) are read back to the host as
NumPy scalars of the system's dtype, one per reduction, as SciPy's own code branches on
them. GMRES keeps its small Hessenberg matrix and Givens rotations on the host (LAPACK's
``lartg``), its Krylov basis on the device.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _convert, _dispatch
from ..._array import TrnArray
from ..._creation import asarray, empty, empty_like, zeros
from ..._elementwise import conj
from ..._linalg_functions import dot, inner, vdot
from ...linalg import norm as _vnorm
from ._interface import (IdentityOperator, LinearOperator, aslinearoperator,
                         scipy_on_numpy_route, system_device)

__all__ = ["bicg", "bicgstab", "cg", "cgs", "gmres", "qmr", "minres", "tfqmr"]


def _s(t):
    """A reduction's value on the host (a NumPy scalar): the algorithms branch on it."""
    return _convert.host(t)[()] if isinstance(t, TrnArray) else t


def _host_route(x) -> bool:
    return _dispatch.use_numpy(x.device)


def _norm(x):
    if _host_route(x):          # the CPU's NumPy route: straight on the zero-copy view
        return np.linalg.norm(_convert.np_view(x))
    return _s(_vnorm(x))


def _dotprod(x):
    cplx = np.dtype(x.dtype).kind == "c"
    if _host_route(x):
        f, v = (np.vdot if cplx else np.dot), _convert.np_view
        return lambda a, b: f(v(a), v(b))
    g = vdot if cplx else dot
    return lambda a, b: _s(g(a, b))


_coerce_rules = {("f", "f"): "f", ("f", "d"): "d", ("f", "F"): "F", ("f", "D"): "D",
                 ("d", "f"): "d", ("d", "d"): "d", ("d", "F"): "D", ("d", "D"): "D",
                 ("F", "f"): "F", ("F", "d"): "D", ("F", "F"): "F", ("F", "D"): "D",
                 ("D", "f"): "D", ("D", "d"): "D", ("D", "F"): "D", ("D", "D"): "D"}


def _coerce(x, y):
    if x not in "fdFD":
        x = "d"
    if y not in "fdFD":
        y = "d"
    return _coerce_rules[x, y]


def _identity(x):
    return x


def _start(name, A, M, x0, b, atol, rtol, maxiter):
    """SciPy's opening of a Krylov solver: :func:`make_system`, ``||b||``, the absolute
    tolerance (its errors even for a zero ``b``) and the default cap of 10 n iterations.
    Returns (A, M, x, b, bnrm2, atol, maxiter)."""
    A, M, x, b = make_system(A, M, x0, b)
    bnrm2 = _norm(b)
    atol, _ = _get_atol_rtol(name, bnrm2, atol, rtol)
    return A, M, x, b, bnrm2, atol, len(b) * 10 if maxiter is None else maxiter


def make_system(A, M, x0, b):
    """SciPy's ``make_system``: (operator, preconditioner, x, b) with x and b trnpy
    vectors of the system's dtype on its device."""
    A_ = A
    A = aslinearoperator(A)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"expected square matrix, but got shape={(A.shape,)}")
    N = A.shape[0]
    dev = system_device(A, b)
    b = b if isinstance(b, TrnArray) else _convert.asarray(b, device=dev)
    if b.device != dev:
        raise ValueError(f"arrays are on different devices: {dev} and {b.device}; "
                         "move one explicitly with .to_device()")
    if not (b.shape == (N, 1) or b.shape == (N,)):
        raise ValueError(f"shapes of A {A.shape} and b {b.shape} are incompatible")
    if b.dtype.char not in "fdFD":
        b = b.astype("d")
    xtype = A.dtype.char if A.dtype is not None else A.matvec(b).dtype.char
    xtype = _coerce(xtype, b.dtype.char)
    b = b.astype(xtype, copy=False).ravel()

    if M is None:
        psolve = getattr(A_, "psolve", _identity)
        rpsolve = getattr(A_, "rpsolve", _identity)
        if psolve is _identity and rpsolve is _identity:
            M = IdentityOperator(shape=A.shape, dtype=A.dtype, device=dev)
        else:
            M = LinearOperator(A.shape, matvec=psolve, rmatvec=rpsolve, dtype=A.dtype)
    else:
        M = aslinearoperator(M)
        if A.shape != M.shape:
            raise ValueError("matrix and preconditioner have different shapes")

    if x0 is None:
        x = zeros(N, dtype=xtype, device=dev)
    elif isinstance(x0, str):
        if x0 != "Mb":
            raise ValueError(f"x0 must be an array, None or 'Mb', got {x0!r}")
        x = M.matvec(b.copy())
    else:
        x = _convert.asarray(x0, dtype=xtype, device=dev, copy=True) \
            if not isinstance(x0, TrnArray) else x0.astype(xtype, copy=True)
        if not (x.shape == (N, 1) or x.shape == (N,)):
            raise ValueError(f"shapes of A {A.shape} and x0 {x.shape} are incompatible")
        x = x.ravel()
    return A, M, x, b


def _get_atol_rtol(name, b_norm, atol=0., rtol=1e-5):
    if atol == "legacy" or atol is None or atol < 0:
        raise ValueError(f"'scipy.sparse.linalg.{name}' called with invalid `atol`={atol}; "
                         "if set, `atol` must be a real, non-negative number.")
    atol = max(float(atol), float(rtol) * float(b_norm))
    return atol, rtol


def _eps(x):
    return np.finfo(x.dtype.char).eps


def _any(x) -> bool:
    return bool(x.any())


@scipy_on_numpy_route
def bicg(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=None, M=None, callback=None):
    """BIConjugate Gradient iteration (``scipy.sparse.linalg.bicg``)."""
    A, M, x, b, bnrm2, atol, maxiter = _start("bicg", A, M, x0, b, atol, rtol, maxiter)
    if bnrm2 == 0:
        return b, 0
    dotprod = _dotprod(x)
    matvec, rmatvec = A.matvec, A.rmatvec
    psolve, rpsolve = M.matvec, M.rmatvec
    rhotol = _eps(x) ** 2
    rho_prev, p, ptilde = None, None, None
    r = b - matvec(x) if _any(x) else b.copy()
    rtilde = r.copy()
    for iteration in range(maxiter):
        if _norm(r) < atol:
            return x, 0
        z = psolve(r)
        ztilde = rpsolve(rtilde)
        rho_cur = dotprod(rtilde, z)
        if np.abs(rho_cur) < rhotol:
            return x, -10
        if iteration > 0:
            beta = rho_cur / rho_prev
            p *= beta
            p += z
            ptilde *= beta.conj()
            ptilde += ztilde
        else:
            p = z.copy()
            ptilde = ztilde.copy()
        q = matvec(p)
        qtilde = rmatvec(ptilde)
        rv = dotprod(ptilde, q)
        if rv == 0:
            return x, -11
        alpha = rho_cur / rv
        x += alpha * p
        r -= alpha * q
        rtilde -= alpha.conj() * qtilde
        rho_prev = rho_cur
        if callback:
            callback(x)
    return x, maxiter


@scipy_on_numpy_route
def bicgstab(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=None, M=None, callback=None):
    """BIConjugate Gradient STABilized iteration (``scipy.sparse.linalg.bicgstab``)."""
    A, M, x, b, bnrm2, atol, maxiter = _start("bicgstab", A, M, x0, b, atol, rtol, maxiter)
    if bnrm2 == 0:
        return b, 0
    dotprod = _dotprod(x)
    matvec = A.matvec
    psolve = M.matvec
    rhotol = _eps(x) ** 2      # SciPy's values (from the Fortran original)
    omegatol = rhotol
    rho_prev, omega, alpha, p, v, s = None, None, None, None, None, None
    r = b - matvec(x) if _any(x) else b.copy()
    rtilde = r.copy()
    for iteration in range(maxiter):
        if _norm(r) < atol:
            return x, 0
        rho = dotprod(rtilde, r)
        if np.abs(rho) < rhotol:
            return x, -10
        if iteration > 0:
            if np.abs(omega) < omegatol:
                return x, -11
            beta = (rho / rho_prev) * (alpha / omega)
            p -= omega * v
            p *= beta
            p += r
        else:
            s = empty_like(r)
            p = r.copy()
        phat = psolve(p)
        v = matvec(phat)
        rv = dotprod(rtilde, v)
        if rv == 0:
            return x, -11
        alpha = rho / rv
        r -= alpha * v
        s[:] = r[:]
        if _norm(s) < atol:
            x += alpha * phat
            return x, 0
        shat = psolve(s)
        t = matvec(shat)
        omega = dotprod(t, s) / dotprod(t, t)
        x += alpha * phat
        x += omega * shat
        r -= omega * t
        rho_prev = rho
        if callback:
            callback(x)
    return x, maxiter


@scipy_on_numpy_route
def cg(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=None, M=None, callback=None):
    """Conjugate Gradient iteration (``scipy.sparse.linalg.cg``): ``(x, info)``, info 0
    on convergence, ``maxiter`` when the cap was reached."""
    A, M, x, b, bnrm2, atol, maxiter = _start("cg", A, M, x0, b, atol, rtol, maxiter)
    if bnrm2 == 0:
        return b, 0
    dotprod = _dotprod(x)
    matvec = A.matvec
    psolve = M.matvec
    r = b - matvec(x) if _any(x) else b.copy()
    rho_prev, p = None, None
    for iteration in range(maxiter):
        if _norm(r) < atol:
            return x, 0
        z = psolve(r)
        rho_cur = dotprod(r, z)
        if iteration > 0:
            beta = rho_cur / rho_prev
            p *= beta
            p += z
        else:
            p = empty_like(r)
            p[:] = z[:]
        q = matvec(p)
        alpha = rho_cur / dotprod(p, q)
        x += alpha * p
        r -= alpha * q
        rho_prev = rho_cur
        if callback:
            callback(x)
    return x, maxiter


@scipy_on_numpy_route
def cgs(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=None, M=None, callback=None):
    """Conjugate Gradient Squared iteration (``scipy.sparse.linalg.cgs``)."""
    A, M, x, b, bnrm2, atol, maxiter = _start("cgs", A, M, x0, b, atol, rtol, maxiter)
    if bnrm2 == 0:
        return b, 0
    dotprod = _dotprod(x)
    matvec = A.matvec
    psolve = M.matvec
    rhotol = _eps(x) ** 2
    r = b - matvec(x) if _any(x) else b.copy()
    rtilde = r.copy()
    rho_prev, p, u, q = None, None, None, None
    for iteration in range(maxiter):
        rnorm = _norm(r)
        if rnorm < atol:
            return x, 0
        rho_cur = dotprod(rtilde, r)
        if np.abs(rho_cur) < rhotol:
            return x, -10
        if iteration > 0:
            beta = rho_cur / rho_prev
            u[:] = r[:]
            u += beta * q
            p *= beta
            p += q
            p *= beta
            p += u
        else:
            p = r.copy()
            u = r.copy()
            q = empty_like(r)
        phat = psolve(p)
        vhat = matvec(phat)
        rv = dotprod(rtilde, vhat)
        if rv == 0:
            return x, -11
        alpha = rho_cur / rv
        q[:] = u[:]
        q -= alpha * vhat
        uhat = psolve(u + q)
        x += alpha * uhat
        r = b - matvec(x)      # SciPy: the true residual, not the recurrence
        rho_prev = rho_cur
        if callback:
            callback(x)
    return x, maxiter


def _lartg(f, g):
    from scipy.linalg import get_lapack_funcs  # lazy: SciPy is optional (LAPACK's lartg)
    return get_lapack_funcs("lartg", dtype=np.result_type(f, g))(f, g)


@scipy_on_numpy_route
def gmres(A, b, x0=None, *, rtol=1e-5, atol=0., restart=None, maxiter=None, M=None,
          callback=None, callback_type=None):
    """Restarted GMRES (``scipy.sparse.linalg.gmres``), with SciPy's ``restart``,
    ``callback_type`` ('x', 'pr_norm', 'legacy') and tolerance control."""
    if callback is not None and callback_type is None:
        warnings.warn("scipy.sparse.linalg.gmres called without specifying "
                      "`callback_type`. The default value will be changed in a future "
                      "release. For compatibility, specify a value for `callback_type` "
                      "explicitly, e.g., ``gmres(..., callback_type='pr_norm')``, or to "
                      "retain the old behavior ``gmres(..., callback_type='legacy')``",
                      category=DeprecationWarning, stacklevel=2)
    if callback_type is None:
        callback_type = "legacy"
    if callback_type not in ("x", "pr_norm", "legacy"):
        raise ValueError(f"Unknown callback_type: {callback_type!r}")
    if callback is None:
        callback_type = None

    A, M, x, b, bnrm2, atol, maxiter = _start("gmres", A, M, x0, b, atol, rtol, maxiter)
    matvec = A.matvec
    psolve = M.matvec
    n = len(b)
    if bnrm2 == 0:
        return b, 0
    eps = _eps(x)
    dotprod = _dotprod(x)
    if restart is None:
        restart = 20
    restart = min(restart, n)
    Mb_nrm2 = _norm(psolve(b))
    # tolerance control of gh-8400: the inner tolerance is on the preconditioned residual
    ptol_max_factor = 1.
    ptol = Mb_nrm2 * min(ptol_max_factor, atol / bnrm2)
    presid = 0.
    hdt = np.dtype(x.dtype.char)
    dev = x.device
    v = empty((restart + 1, n), dtype=x.dtype, device=dev)     # the basis, on the device
    h = np.zeros([restart, restart + 1], dtype=hdt)             # Hessenberg, on the host
    givens = np.zeros([restart, 2], dtype=hdt)
    inner_iter = 0
    for iteration in range(maxiter):
        if iteration == 0:
            r = b - matvec(x) if _any(x) else b.copy()
            if _norm(r) < atol:
                return x, 0
        v[0, :] = psolve(r)
        tmp = _norm(v[0, :])
        v[0, :] *= (1 / tmp)
        S = np.zeros(restart + 1, dtype=hdt)
        S[0] = tmp
        breakdown = False
        for col in range(restart):
            av = matvec(v[col, :])
            w = psolve(av)
            h0 = _norm(w)                 # modified Gram-Schmidt
            for k in range(col + 1):
                tmp = dotprod(v[k, :], w)
                h[col, k] = tmp
                w -= tmp * v[k, :]
            h1 = _norm(w)
            h[col, col + 1] = h1
            v[col + 1, :] = w[:]
            if h1 <= eps * h0:            # exact solution indicator
                h[col, col + 1] = 0
                breakdown = True
            else:
                v[col + 1, :] *= (1 / h1)
            for k in range(col):          # past Givens rotations on the new column
                c, s = givens[k, 0], givens[k, 1]
                n0, n1 = h[col, [k, k + 1]]
                h[col, [k, k + 1]] = [c * n0 + s * n1, -s.conj() * n0 + c * n1]
            c, s, mag = _lartg(h[col, col], h[col, col + 1])
            givens[col, :] = [c, s]
            h[col, [col, col + 1]] = mag, 0
            tmp = -np.conjugate(s) * S[col]
            S[[col, col + 1]] = [c * S[col], tmp]
            presid = np.abs(tmp)
            inner_iter += 1
            if callback_type in ("legacy", "pr_norm"):
                callback(presid / bnrm2)
            if callback_type == "legacy" and inner_iter == maxiter:
                break
            if presid <= ptol or breakdown:
                break
        if h[col, col] == 0:
            S[col] = 0
        y = np.zeros([col + 1], dtype=hdt)
        y[:] = S[:col + 1]
        for k in range(col, 0, -1):
            if y[k] != 0:
                y[k] /= h[k, k]
                tmp = y[k]
                y[:k] -= tmp * h[k, :k]
        if y[0] != 0:
            y[0] /= h[0, 0]
        x += asarray(y, device=dev) @ v[:col + 1, :]
        r = b - matvec(x)
        rnorm = _norm(r)
        if callback_type == "legacy" and inner_iter == maxiter:
            return x, 0 if rnorm <= atol else maxiter
        if callback_type == "x":
            callback(x)
        if rnorm <= atol:
            break
        elif breakdown:
            break
        elif presid <= ptol:
            ptol_max_factor = max(eps, 0.25 * ptol_max_factor)
        else:
            ptol_max_factor = min(1.0, 1.5 * ptol_max_factor)
        ptol = presid * min(ptol_max_factor, atol / rnorm)
    info = 0 if (rnorm <= atol) else maxiter
    return x, info


@scipy_on_numpy_route
def qmr(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=None, M1=None, M2=None,
        callback=None):
    """Quasi-Minimal Residual iteration (``scipy.sparse.linalg.qmr``), with left and
    right preconditioners ``M1`` and ``M2``."""
    A_ = A
    A, M, x, b, bnrm2, atol, maxiter = _start("qmr", A, None, x0, b, atol, rtol, maxiter)
    if bnrm2 == 0:
        return b, 0
    if M1 is None and M2 is None:
        if hasattr(A_, "psolve"):
            M1 = LinearOperator(A.shape, matvec=lambda v: A_.psolve(v, "left"),
                                rmatvec=lambda v: A_.rpsolve(v, "left"))
            M2 = LinearOperator(A.shape, matvec=lambda v: A_.psolve(v, "right"),
                                rmatvec=lambda v: A_.rpsolve(v, "right"))
        else:
            M1 = LinearOperator(A.shape, matvec=_identity, rmatvec=_identity)
            M2 = LinearOperator(A.shape, matvec=_identity, rmatvec=_identity)
    # SciPy: a single given preconditioner leaves the other None (and fails on it)
    M1 = None if M1 is None else aslinearoperator(M1)
    M2 = None if M2 is None else aslinearoperator(M2)
    dotprod = _dotprod(x)
    rhotol = _eps(x)
    betatol = gammatol = deltatol = epsilontol = xitol = rhotol
    r = b - A.matvec(x) if _any(x) else b.copy()
    vtilde = r.copy()
    y = M1.matvec(vtilde)
    rho = _norm(y)
    wtilde = r.copy()
    z = M2.rmatvec(wtilde)
    xi = _norm(z)
    gamma, eta, theta = 1, -1, 0
    v = empty_like(vtilde)
    w = empty_like(wtilde)
    epsilon, q, d, p, s = None, None, None, None, None
    for iteration in range(maxiter):
        if _norm(r) < atol:
            return x, 0
        if np.abs(rho) < rhotol:
            return x, -10
        if np.abs(xi) < xitol:
            return x, -15
        v[:] = vtilde[:]
        v *= (1 / rho)
        y *= (1 / rho)
        w[:] = wtilde[:]
        w *= (1 / xi)
        z *= (1 / xi)
        delta = dotprod(z, y)
        if np.abs(delta) < deltatol:
            return x, -13
        ytilde = M2.matvec(y)
        ztilde = M1.rmatvec(z)
        if iteration > 0:
            ytilde -= (xi * delta / epsilon) * p
            p[:] = ytilde[:]
            ztilde -= (rho * (delta / epsilon).conj()) * q
            q[:] = ztilde[:]
        else:
            p = ytilde.copy()
            q = ztilde.copy()
        ptilde = A.matvec(p)
        epsilon = dotprod(q, ptilde)
        if np.abs(epsilon) < epsilontol:
            return x, -14
        beta = epsilon / delta
        if np.abs(beta) < betatol:
            return x, -11
        vtilde[:] = ptilde[:]
        vtilde -= beta * v
        y = M1.matvec(vtilde)
        rho_prev = rho
        rho = _norm(y)
        wtilde[:] = w[:]
        wtilde *= - beta.conj()
        wtilde += A.rmatvec(q)
        z = M2.rmatvec(wtilde)
        xi = _norm(z)
        gamma_prev = gamma
        theta_prev = theta
        theta = rho / (gamma_prev * np.abs(beta))
        gamma = 1 / np.sqrt(1 + theta**2)
        if np.abs(gamma) < gammatol:
            return x, -12
        eta *= -(rho_prev / beta) * (gamma / gamma_prev)**2
        if iteration > 0:
            d *= (theta_prev * gamma) ** 2
            d += eta * p
            s *= (theta_prev * gamma) ** 2
            s += eta * ptilde
        else:
            d = p.copy()
            d *= eta
            s = ptilde.copy()
            s *= eta
        x += d
        r -= s
        if callback:
            callback(x)
    return x, maxiter


@scipy_on_numpy_route
def minres(A, b, x0=None, *, rtol=1e-5, shift=0.0, maxiter=None, M=None, callback=None,
           show=False, check=False):
    """MINimum RESidual iteration for symmetric (possibly indefinite) systems
    (``scipy.sparse.linalg.minres``, SciPy's stopping tests)."""
    A, M, x, b = make_system(A, M, x0, b)
    matvec = A.matvec
    psolve = M.matvec
    n = A.shape[0]
    if maxiter is None:
        maxiter = 5 * n
    istop = 0
    itn = 0
    Anorm = 0
    Acond = 0
    rnorm = 0
    ynorm = 0
    xtype = np.dtype(x.dtype)
    eps = np.finfo(xtype).eps
    r1 = b.copy() if x0 is None else b - A @ x
    y = psolve(r1)
    beta1 = _s(inner(r1, y))
    if beta1 < 0:
        raise ValueError("indefinite preconditioner")
    elif beta1 == 0:
        return (x, 0)
    bnorm = _norm(b)
    if bnorm == 0:
        return (b, 0)
    beta1 = math.sqrt(beta1)
    if check:
        w = matvec(y)
        r2 = matvec(w)
        s = _s(inner(w, w))
        t = _s(inner(y, r2))
        z = abs(s - t)
        epsa = (s + eps) * eps ** (1.0 / 3.0)
        if z > epsa:
            raise ValueError("non-symmetric matrix")
        r2 = psolve(y)
        s = _s(inner(y, y))
        t = _s(inner(r1, r2))
        z = abs(s - t)
        epsa = (s + eps) * eps ** (1.0 / 3.0)
        if z > epsa:
            raise ValueError("non-symmetric preconditioner")
    oldb = 0
    beta = beta1
    dbar = 0
    epsln = 0
    phibar = beta1
    rhs1 = beta1
    rhs2 = 0
    tnorm2 = 0
    gmax = 0
    gmin = np.finfo(xtype).max
    cs = -1
    sn = 0
    w = zeros(n, dtype=xtype, device=x.device)
    w2 = zeros(n, dtype=xtype, device=x.device)
    r2 = r1
    while itn < maxiter:
        itn += 1
        s = 1.0 / beta
        v = s * y
        y = matvec(v)
        y = y - shift * v
        if itn >= 2:
            y = y - (beta / oldb) * r1
        alfa = _s(inner(v, y))
        y = y - (alfa / beta) * r2
        r1 = r2
        r2 = y
        y = psolve(r2)
        oldb = beta
        beta = _s(inner(r2, y))
        if beta < 0:
            raise ValueError("non-symmetric matrix")
        beta = math.sqrt(beta)
        tnorm2 += alfa ** 2 + oldb ** 2 + beta ** 2
        if itn == 1:
            if beta / beta1 <= 10 * eps:
                istop = -1
        oldeps = epsln
        delta = cs * dbar + sn * alfa
        gbar = sn * dbar - cs * alfa
        epsln = sn * beta
        dbar = -cs * beta
        root = np.linalg.norm([gbar, dbar])
        gamma = np.linalg.norm([gbar, beta])
        gamma = max(gamma, eps)
        cs = gbar / gamma
        sn = beta / gamma
        phi = cs * phibar
        phibar = sn * phibar
        denom = 1.0 / gamma
        w1 = w2
        w2 = w
        w = denom * (v - oldeps * w1 - delta * w2)   # scalar first: the same product
        x = x + phi * w
        gmax = max(gmax, gamma)
        gmin = min(gmin, gamma)
        z = rhs1 / gamma
        rhs1 = rhs2 - delta * z
        rhs2 = -epsln * z
        Anorm = math.sqrt(tnorm2)
        ynorm = _norm(x)
        epsx = Anorm * ynorm * eps
        qrnorm = phibar
        rnorm = qrnorm
        test1 = np.inf if (ynorm == 0 or Anorm == 0) else rnorm / (Anorm * ynorm)
        test2 = np.inf if Anorm == 0 else root / Anorm
        Acond = gmax / gmin
        if istop == 0:
            t1 = 1 + test1
            t2 = 1 + test2
            if t2 <= 1:
                istop = 2
            if t1 <= 1:
                istop = 1
            if itn >= maxiter:
                istop = 6
            if Acond >= 0.1 / eps:
                istop = 4
            if epsx >= beta1:
                istop = 3
            if test2 <= rtol:
                istop = 2
            if test1 <= rtol:
                istop = 1
        if show:
            print(f"{itn:6g} {test1:10.3e} {test2:10.3e} {Anorm:8.1e} {Acond:8.1e}")
        if callback is not None:
            callback(x)
        if istop != 0:
            break
    info = maxiter if istop == 6 else 0
    return (x, info)


@scipy_on_numpy_route
def tfqmr(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=None, M=None, callback=None,
          show=False):
    """Transpose-Free Quasi-Minimal Residual iteration (``scipy.sparse.linalg.tfqmr``)."""
    A, M, x, b = make_system(A, M, x0, b)
    if _norm(b) == 0.0:
        return (b.copy(), 0)
    ndofs = A.shape[0]
    if maxiter is None:
        maxiter = min(10000, ndofs * 10)
    r = b.copy() if x0 is None else b - A.matvec(x)
    u = r
    w = r.copy()
    rstar = r
    v = M.matvec(A.matvec(r))
    uhat = v
    d = theta = eta = 0.0
    rho = _s(inner(conj(rstar), r)).real
    rhoLast = rho
    r0norm = np.sqrt(rho)
    tau = r0norm
    if r0norm == 0:
        return (x, 0)
    atol, _ = _get_atol_rtol("tfqmr", r0norm, atol, rtol)
    alpha = uNext = None
    for iter in range(maxiter):
        even = iter % 2 == 0
        if even:
            vtrstar = _s(inner(conj(rstar), v))
            if vtrstar == 0.0:
                return (x, -1)
            alpha = rho / vtrstar
            uNext = u - alpha * v
        w -= alpha * uhat
        d = u + (theta ** 2 / alpha * eta) * d
        theta = _norm(w) / tau
        c = np.sqrt(1.0 / (1 + theta ** 2))
        tau *= theta * c
        eta = (c ** 2) * alpha
        z = M.matvec(d)
        x += eta * z
        if callback is not None:
            callback(x)
        if tau * np.sqrt(iter + 1) < atol:
            if show:
                print(f"TFQMR: Linear solve converged due to reach TOL iterations {iter + 1}")
            return (x, 0)
        if not even:
            rho = _s(inner(conj(rstar), w))
            beta = rho / rhoLast
            u = w + beta * u
            v = beta * uhat + (beta ** 2) * v
            uhat = M.matvec(A.matvec(u))
            v += uhat
        else:
            uhat = M.matvec(A.matvec(uNext))
            u = uNext
            rhoLast = rho
    if show:
        print(f"TFQMR: Linear solve not converged due to reach MAXIT iterations {iter + 1}")
    return (x, maxiter)
