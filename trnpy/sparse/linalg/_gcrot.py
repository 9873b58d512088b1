"""``lgmres`` and ``gcrotmk`` (SciPy 1.17's ``_isolve/lgmres.py`` and ``_gcrotmk.py``)
on trnpy arrays: the Krylov and augmentation vectors live on the operator's device;
the small least-squares problems (``qr_insert``, ``lstsq``) run on the host as in SciPy.
SciPy's BLAS calls become array operations (``axpy(x, y, n, a)`` is ``y + a * x``), so
the iterates agree with SciPy's to rounding, not bit for bit."""
from __future__ import annotations

import numpy as np
from numpy.linalg import LinAlgError

from ..._creation import asarray, asnumpy
from ..._elementwise import isfinite
from ..._linalg_functions import vdot
from ..._manipulation import stack
from ._interface import scipy_on_numpy_route
from ._isolve import _get_atol_rtol, _norm, _s, make_system

__all__ = ["lgmres", "gcrotmk"]


def _scipy_linalg():
    import scipy.linalg as sl  # lazy: SciPy is optional (small dense QR / lstsq / SVD)
    return sl


def _dot(a, b):
    return _s(vdot(a, b))            # BLAS dot of SciPy's get_blas_funcs: dotc for complex


def _combine(vecs, coef):
    """sum(coef[i] * vecs[i]) accumulated as SciPy's axpy loop does."""
    out = coef[0] * vecs[0]
    for v, c in zip(vecs[1:], coef[1:]):
        out = out + c * v
    return out


def _fgmres(matvec, v0, m, atol, lpsolve=None, rpsolve=None, cs=(), outer_v=(),
            prepend_outer_v=False):
    sl = _scipy_linalg()
    lpsolve = lpsolve or (lambda x: x)
    rpsolve = rpsolve or (lambda x: x)
    hdt = np.dtype(v0.dtype)
    vs = [v0]
    zs = []
    y = None
    res = np.nan
    m = m + len(outer_v)
    B = np.zeros((len(cs), m), dtype=hdt)
    Q = np.ones((1, 1), dtype=hdt)
    R = np.zeros((1, 0), dtype=hdt)
    eps = np.finfo(hdt).eps
    breakdown = False
    for j in range(m):
        if prepend_outer_v and j < len(outer_v):
            z, w = outer_v[j]
        elif prepend_outer_v and j == len(outer_v):
            z = rpsolve(v0)
            w = None
        elif not prepend_outer_v and j >= m - len(outer_v):
            z, w = outer_v[j - (m - len(outer_v))]
        else:
            z = rpsolve(vs[-1])
            w = None
        w = lpsolve(matvec(z)) if w is None else w.copy()
        w_norm = _norm(w)
        for i, c in enumerate(cs):
            alpha = _dot(c, w)
            B[i, j] = alpha
            w = w - alpha * c
        hcur = np.zeros(j + 2, dtype=Q.dtype)
        for i, v in enumerate(vs):
            alpha = _dot(v, w)
            hcur[i] = alpha
            w = w - alpha * v
        hcur[i + 1] = _norm(w)
        with np.errstate(over="ignore", divide="ignore"):
            alpha = 1 / hcur[-1]
        if np.isfinite(alpha):
            w = alpha * w
        if not hcur[-1] > eps * w_norm:
            breakdown = True
        vs.append(w)
        zs.append(z)
        Q2 = np.zeros((j + 2, j + 2), dtype=Q.dtype, order="F")
        Q2[:j + 1, :j + 1] = Q
        Q2[j + 1, j + 1] = 1
        R2 = np.zeros((j + 2, j), dtype=R.dtype, order="F")
        R2[:j + 1, :] = R
        Q, R = sl.qr_insert(Q2, R2, hcur, j, which="col", overwrite_qru=True,
                            check_finite=False)
        res = abs(Q[0, -1])
        if res < atol or breakdown:
            break
    if not np.isfinite(R[j, j]):
        raise LinAlgError()
    y, _, _, _ = sl.lstsq(R[:j + 1, :j + 1], Q[0, :j + 1].conj())
    B = B[:, :j + 1]
    return Q, R, B, vs, zs, y, res


def _finite_rhs(b):
    if not bool(isfinite(b).all()):
        raise ValueError("RHS must contain only finite numbers")


@scipy_on_numpy_route
def lgmres(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=1000, M=None, callback=None,
           inner_m=30, outer_k=3, outer_v=None, store_outer_Av=True, prepend_outer_v=False):
    """LGMRES (``scipy.sparse.linalg.lgmres``): GMRES augmented with error
    approximations of earlier restarts."""
    A, M, x, b = make_system(A, M, x0, b)
    _finite_rhs(b)
    matvec = A.matvec
    psolve = M.matvec
    if outer_v is None:
        outer_v = []
    b_norm = _norm(b)
    atol, rtol = _get_atol_rtol("lgmres", b_norm, atol, rtol)
    if b_norm == 0:
        return b, 0
    ptol_max_factor = 1.0
    for k_outer in range(maxiter):
        r_outer = matvec(x) - b
        if callback is not None:
            callback(x)
        if r_outer.dtype.kind == "c" and x.dtype.kind != "c":
            x = x.astype(r_outer.dtype)
        r_norm = _norm(r_outer)
        if r_norm <= max(atol, rtol * b_norm):
            break
        v0 = -psolve(r_outer)
        inner_res_0 = _norm(v0)
        if inner_res_0 == 0:
            raise RuntimeError(f"Preconditioner returned a zero vector; |v| ~ {r_norm:.1g}, "
                               "|M v| = 0")
        v0 = (1.0 / inner_res_0) * v0
        ptol = min(ptol_max_factor, max(atol, rtol * b_norm) / r_norm)
        try:
            Q, R, B, vs, zs, y, pres = _fgmres(matvec, v0, inner_m, lpsolve=psolve,
                                               atol=ptol, outer_v=outer_v,
                                               prepend_outer_v=prepend_outer_v)
            y *= inner_res_0
            if not np.isfinite(y).all():
                raise LinAlgError()
        except LinAlgError:
            return x, k_outer + 1
        if pres > ptol:
            ptol_max_factor = min(1.0, 1.5 * ptol_max_factor)
        else:
            ptol_max_factor = max(1e-16, 0.25 * ptol_max_factor)
        dx = _combine(zs, y)
        nx = _norm(dx)
        if nx > 0:
            if store_outer_Av:
                q = Q.dot(R.dot(y))
                ax = _combine(vs, q)
                outer_v.append(((1 / nx) * dx, (1 / nx) * ax))
            else:
                outer_v.append(((1 / nx) * dx, None))
        while len(outer_v) > outer_k:
            del outer_v[0]
        x += dx
    else:
        return x, maxiter
    return x, 0


@scipy_on_numpy_route
def gcrotmk(A, b, x0=None, *, rtol=1e-5, atol=0., maxiter=1000, M=None, callback=None,
            m=20, k=None, CU=None, discard_C=False, truncate="oldest"):
    """GCROT(m,k) (``scipy.sparse.linalg.gcrotmk``): flexible GCRO with deflation
    subspace ``CU`` (a list of ``(c, u)`` pairs, updated in place as in SciPy)."""
    A, M, x, b = make_system(A, M, x0, b)
    _finite_rhs(b)
    if truncate not in ("oldest", "smallest"):
        raise ValueError(f"Invalid value for 'truncate': {truncate!r}")
    sl = _scipy_linalg()
    matvec = A.matvec
    psolve = M.matvec
    if CU is None:
        CU = []
    if k is None:
        k = m
    r = b.copy() if x0 is None else b - matvec(x)
    b_norm = _norm(b)
    atol, rtol = _get_atol_rtol("gcrotmk", b_norm, atol, rtol)
    if b_norm == 0:
        return b, 0
    if discard_C:
        CU[:] = [(None, u) for c, u in CU]
    dev = x.device
    if CU:
        # the given subspace: QR of its C block on the host, once
        CU.sort(key=lambda cu: cu[0] is not None)
        cols, us = [], []
        while CU:
            c, u = CU.pop(0)
            cols.append(matvec(u) if c is None else c)
            us.append(u)
        Q, R, P = sl.qr(asnumpy(stack(cols, axis=1)), overwrite_a=True, mode="economic",
                        pivoting=True)
        cs = [asarray(q, device=dev) for q in Q.T]
        new_us = []
        for j in range(len(cs)):
            u = us[P[j]]
            for i in range(j):
                u = u - R[i, j] * us[P[i]]
            if abs(R[j, j]) < 1e-12 * abs(R[0, 0]):
                break
            u = (1.0 / R[j, j]) * u
            new_us.append(u)
        CU[:] = list(zip(cs, new_us))[::-1]
    if CU:
        for c, u in CU:
            yc = _dot(c, r)
            x = x + yc * u
            r = r - yc * c
    j_outer = 0
    for j_outer in range(maxiter):
        if callback is not None:
            callback(x)
        beta = _norm(r)
        beta_tol = max(atol, rtol * b_norm)
        if beta <= beta_tol and (j_outer > 0 or CU):
            r = b - matvec(x)
            beta = _norm(r)
        if beta <= beta_tol:
            j_outer = -1
            break
        ml = m + max(k - len(CU), 0)
        cs = [c for c, u in CU]
        try:
            Q, R, B, vs, zs, y, pres = _fgmres(matvec, (1 / beta) * r, ml, rpsolve=psolve,
                                               atol=max(atol, rtol * b_norm) / beta, cs=cs)
            y *= beta
        except LinAlgError:
            break
        ux = _combine(zs, y)
        by = B.dot(y)
        for cu, byc in zip(CU, by):
            ux = ux - byc * cu[1]
        with np.errstate(invalid="ignore"):
            hy = Q.dot(R.dot(y))
        cx = _combine(vs, hy)
        with np.errstate(divide="ignore"):
            nc = _norm(cx)
            alpha = 1 / nc if nc != 0 else np.inf
        if not np.isfinite(alpha):
            continue
        cx = alpha * cx
        ux = alpha * ux
        gamma = _dot(cx, r)
        r = r - gamma * cx
        x = x + gamma * ux
        if truncate == "oldest":
            while len(CU) >= k and CU:
                del CU[0]
        elif truncate == "smallest":
            if len(CU) >= k and CU:
                D = sl.solve(R[:-1, :].T, B.T).T
                W, sigma, V = sl.svd(D)
                new_CU = []
                for j, w in enumerate(W[:, :k - 1].T):
                    c, u = CU[0]
                    c = w[0] * c
                    u = w[0] * u
                    for cup, wp in zip(CU[1:], w[1:]):
                        cp, up = cup
                        c = c + wp * cp
                        u = u + wp * up
                    for cp, up in new_CU:
                        alpha = _dot(cp, c)
                        c = c - alpha * cp
                        u = u - alpha * up
                    alpha = _norm(c)
                    c = (1.0 / alpha) * c
                    u = (1.0 / alpha) * u
                    new_CU.append((c, u))
                CU[:] = new_CU
        CU.append((cx, ux))
    CU.append((None, x.copy()))
    if discard_C:
        CU[:] = [(None, uz) for cz, uz in CU]
    return x, j_outer + 1
