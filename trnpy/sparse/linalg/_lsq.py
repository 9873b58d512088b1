"""``lsqr`` and ``lsmr`` (SciPy 1.17's ``_isolve/lsqr.py`` and ``lsmr.py``) on trnpy
arrays: vectors on the operator's device, the scalar recurrences on the host, as
SciPy computes them (same stopping tests and ``istop``)."""
from __future__ import annotations

from math import sqrt

import numpy as np

from ... import _convert
from ..._array import TrnArray
from ..._creation import zeros
from ._interface import aslinearoperator, scipy_on_numpy_route
from ._isolve import _norm, system_device

__all__ = ["lsqr", "lsmr"]

eps = np.finfo(np.float64).eps


def _sym_ortho(a, b):
    """A stable Givens rotation (SciPy's ``_sym_ortho``): (c, s, r)."""
    if b == 0:
        return np.sign(a), 0, abs(a)
    elif a == 0:
        return 0, np.sign(b), abs(b)
    elif abs(b) > abs(a):
        tau = a / b
        s = np.sign(b) / sqrt(1 + tau * tau)
        c = s * tau
        r = b / s
    else:
        tau = b / a
        c = np.sign(a) / sqrt(1 + tau * tau)
        s = c * tau
        r = a / c
    return c, s, r


def _rhs(A, b):
    dev = system_device(A, b)
    b = b if isinstance(b, TrnArray) else _convert.asarray(b, device=dev)
    if b.ndim == 0:
        b = b.reshape(1)
    if b.ndim > 1:
        b = b.squeeze()
    return b, dev


def _x0(x0, dev):
    x = x0 if isinstance(x0, TrnArray) else _convert.asarray(x0, device=dev)
    return x.reshape(1) if x.ndim == 0 else x


@scipy_on_numpy_route
def lsqr(A, b, damp=0.0, atol=1e-6, btol=1e-6, conlim=1e8, iter_lim=None, show=False,
         calc_var=False, x0=None):
    """Least squares ``min ||Ax - b||`` (with ``damp``) by LSQR
    (``scipy.sparse.linalg.lsqr``): ``(x, istop, itn, r1norm, r2norm, anorm, acond,
    arnorm, xnorm, var)``."""
    A = aslinearoperator(A)
    b, dev = _rhs(A, b)
    m, n = A.shape
    if iter_lim is None:
        iter_lim = 2 * n
    var = zeros(n, device=dev)
    itn = 0
    istop = 0
    ctol = 0
    if conlim > 0:
        ctol = 1 / conlim
    anorm = 0
    acond = 0
    dampsq = damp ** 2
    ddnorm = 0
    res2 = 0
    xnorm = 0
    xxnorm = 0
    z = 0
    cs2 = -1
    sn2 = 0
    u = b
    bnorm = _norm(b)
    if x0 is None:
        x = zeros(n, device=dev)
        beta = bnorm
    else:
        x = _x0(x0, dev)
        u = u - A.matvec(x)
        beta = _norm(u)
    if beta > 0:
        u = (1 / beta) * u
        v = A.rmatvec(u)
        alfa = _norm(v)
    else:
        v = x.copy()
        alfa = 0
    if alfa > 0:
        v = (1 / alfa) * v
    w = v.copy()
    rhobar = alfa
    phibar = beta
    rnorm = beta
    r1norm = rnorm
    r2norm = rnorm
    arnorm = alfa * beta
    if arnorm == 0:
        return x, istop, itn, r1norm, r2norm, anorm, acond, arnorm, xnorm, var
    while itn < iter_lim:
        itn = itn + 1
        u = A.matvec(v) - alfa * u
        beta = _norm(u)
        if beta > 0:
            u = (1 / beta) * u
            anorm = sqrt(anorm ** 2 + alfa ** 2 + beta ** 2 + dampsq)
            v = A.rmatvec(u) - beta * v
            alfa = _norm(v)
            if alfa > 0:
                v = (1 / alfa) * v
        if damp > 0:
            rhobar1 = sqrt(rhobar ** 2 + dampsq)
            cs1 = rhobar / rhobar1
            sn1 = damp / rhobar1
            psi = sn1 * phibar
            phibar = cs1 * phibar
        else:
            rhobar1 = rhobar
            psi = 0.
        cs, sn, rho = _sym_ortho(rhobar1, beta)
        theta = sn * alfa
        rhobar = -cs * alfa
        phi = cs * phibar
        phibar = sn * phibar
        tau = sn * phi
        t1 = phi / rho
        t2 = -theta / rho
        dk = (1 / rho) * w
        x = x + t1 * w
        w = v + t2 * w
        ddnorm = ddnorm + _norm(dk) ** 2
        if calc_var:
            var = var + dk ** 2
        delta = sn2 * rho
        gambar = -cs2 * rho
        rhs = phi - delta * z
        zbar = rhs / gambar
        xnorm = sqrt(xxnorm + zbar ** 2)
        gamma = sqrt(gambar ** 2 + theta ** 2)
        cs2 = gambar / gamma
        sn2 = theta / gamma
        z = rhs / gamma
        xxnorm = xxnorm + z ** 2
        acond = anorm * sqrt(ddnorm)
        res1 = phibar ** 2
        res2 = res2 + psi ** 2
        rnorm = sqrt(res1 + res2)
        arnorm = alfa * abs(tau)
        if damp > 0:
            r1sq = rnorm ** 2 - dampsq * xxnorm
            r1norm = sqrt(abs(r1sq))
            if r1sq < 0:
                r1norm = -r1norm
        else:
            r1norm = rnorm
        r2norm = rnorm
        test1 = rnorm / bnorm
        test2 = arnorm / (anorm * rnorm + eps)
        test3 = 1 / (acond + eps)
        t1 = test1 / (1 + anorm * xnorm / bnorm)
        rtol = btol + atol * anorm * xnorm / bnorm
        if itn >= iter_lim:
            istop = 7
        if 1 + test3 <= 1:
            istop = 6
        if 1 + test2 <= 1:
            istop = 5
        if 1 + t1 <= 1:
            istop = 4
        if test3 <= ctol:
            istop = 3
        if test2 <= atol:
            istop = 2
        if test1 <= rtol:
            istop = 1
        if show:
            print(f"{itn:6g} {r1norm:10.3e} {r2norm:10.3e} {test1:8.1e} {test2:8.1e}")
        if istop != 0:
            break
    return x, istop, itn, r1norm, r2norm, anorm, acond, arnorm, xnorm, var


@scipy_on_numpy_route
def lsmr(A, b, damp=0.0, atol=1e-6, btol=1e-6, conlim=1e8, maxiter=None, show=False,
         x0=None):
    """Least squares by LSMR (``scipy.sparse.linalg.lsmr``): ``(x, istop, itn, normr,
    normar, normA, condA, normx)``."""
    A = aslinearoperator(A)
    b, dev = _rhs(A, b)
    m, n = A.shape
    minDim = min([m, n])
    if maxiter is None:
        maxiter = minDim
    dts = [A.dtype, b.dtype, float] + ([] if x0 is None else [_x0(x0, dev).dtype])
    dtype = np.result_type(*[d for d in dts if d is not None])
    if dev.kind == "neuron" and dtype == np.float64 and b.dtype == np.float32:
        dtype = np.float32          # no float64 on the neuron device: b's precision
    u = b
    normb = _norm(b)
    if x0 is None:
        x = zeros(n, dtype=dtype, device=dev)
        beta = normb
    else:
        x = _x0(x0, dev).copy()
        u = u - A.matvec(x)
        beta = _norm(u)
    if beta > 0:
        u = (1 / beta) * u
        v = A.rmatvec(u)
        alpha = _norm(v)
    else:
        v = zeros(n, dtype=dtype, device=dev)
        alpha = 0
    if alpha > 0:
        v = (1 / alpha) * v
    itn = 0
    zetabar = alpha * beta
    alphabar = alpha
    rho = 1
    rhobar = 1
    cbar = 1
    sbar = 0
    h = v.copy()
    hbar = zeros(n, dtype=dtype, device=dev)
    betadd = beta
    betad = 0
    rhodold = 1
    tautildeold = 0
    thetatilde = 0
    zeta = 0
    d = 0
    normA2 = alpha * alpha
    maxrbar = 0
    minrbar = 1e+100
    normA = sqrt(normA2)
    condA = 1
    normx = 0
    istop = 0
    ctol = 0
    if conlim > 0:
        ctol = 1 / conlim
    normr = beta
    normar = alpha * beta
    if normar == 0:
        return x, istop, itn, normr, normar, normA, condA, normx
    if normb == 0:
        x[()] = 0
        return x, istop, itn, normr, normar, normA, condA, normx
    while itn < maxiter:
        itn = itn + 1
        u *= -alpha
        u += A.matvec(v)
        beta = _norm(u)
        if beta > 0:
            u *= (1 / beta)
            v *= -beta
            v += A.rmatvec(u)
            alpha = _norm(v)
            if alpha > 0:
                v *= (1 / alpha)
        chat, shat, alphahat = _sym_ortho(alphabar, damp)
        rhoold = rho
        c, s, rho = _sym_ortho(alphahat, beta)
        thetanew = s * alpha
        alphabar = c * alpha
        rhobarold = rhobar
        zetaold = zeta
        thetabar = sbar * rho
        rhotemp = cbar * rho
        cbar, sbar, rhobar = _sym_ortho(cbar * rho, thetanew)
        zeta = cbar * zetabar
        zetabar = - sbar * zetabar
        hbar *= - (thetabar * rho / (rhoold * rhobarold))
        hbar += h
        x += (zeta / (rho * rhobar)) * hbar
        h *= - (thetanew / rho)
        h += v
        betaacute = chat * betadd
        betacheck = -shat * betadd
        betahat = c * betaacute
        betadd = -s * betaacute
        thetatildeold = thetatilde
        ctildeold, stildeold, rhotildeold = _sym_ortho(rhodold, thetabar)
        thetatilde = stildeold * rhobar
        rhodold = ctildeold * rhobar
        betad = - stildeold * betad + ctildeold * betahat
        tautildeold = (zetaold - thetatildeold * tautildeold) / rhotildeold
        taud = (zeta - thetatilde * tautildeold) / rhodold
        d = d + betacheck * betacheck
        normr = sqrt(d + (betad - taud)**2 + betadd * betadd)
        normA2 = normA2 + beta * beta
        normA = sqrt(normA2)
        normA2 = normA2 + alpha * alpha
        maxrbar = max(maxrbar, rhobarold)
        if itn > 1:
            minrbar = min(minrbar, rhobarold)
        condA = max(maxrbar, rhotemp) / min(minrbar, rhotemp)
        normar = abs(zetabar)
        normx = _norm(x)
        test1 = normr / normb
        test2 = normar / (normA * normr) if (normA * normr) != 0 else np.inf
        test3 = 1 / condA
        t1 = test1 / (1 + normA * normx / normb)
        rtol = btol + atol * normA * normx / normb
        if itn >= maxiter:
            istop = 7
        if 1 + test3 <= 1:
            istop = 6
        if 1 + test2 <= 1:
            istop = 5
        if 1 + t1 <= 1:
            istop = 4
        if test3 <= ctol:
            istop = 3
        if test2 <= atol:
            istop = 2
        if test1 <= rtol:
            istop = 1
        if show:
            print(f"{itn:6g} {normr:10.3e} {normar:10.3e} {test1:8.1e} {test2:8.1e}")
        if istop > 0:
            break
    return x, istop, itn, normr, normar, normA, condA, normx
