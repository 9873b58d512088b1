"""FFT on the TensorE: complex data as separate fp32 real / imaginary planes, one kernel
launch per (batched) transform.

Kernel (NKI 0.3+, through :mod:`kernels.nki_adapter`): :func:`fft_kernel`
``(xr, xi, mats, twiddles, plan) -> (yr, yi)``; the Python entry :func:`fft` plans the
transform, builds the (host-precomputed, float64 -> fp32) DFT matrices and twiddle
tables, runs the kernel and returns complex64.

Plans (``N`` = transform length, ``F_n`` = the ``n``-point DFT matrix, symmetric):

* ``N <= 128`` -- **DFT as GEMM, block-diagonal batching.** ``g = 128 // N``
  transforms are packed into one row of ``g*N <= 128`` elements (the host reshapes the
  batch ``(B, N) -> (B/g, g*N)``, zero-padding B), and one matmul applies
  ``I_g (x) F_N`` to up to 128 rows, i.e. ``128*g`` transforms per matmul group. Per row
  tile: load ``[r, gN]`` planes, TensorE ``nc_transpose`` -> ``X^T [gN, r]`` (K on
  partitions), then ``Y[r, gN] = (X^T)^T BD`` with the complex product as four fp32
  matmuls in two PSUM accumulation groups (``Yr = Xr Fr + Xi (-Fi)``, ``Yi = Xr Fi + Xi
  Fr``), evacuate, store contiguous rows. Works for any ``N <= 128`` (not only powers
  of two).
* ``N = N1*N2`` (every factor <= 128; used for 128 < N <= 16384) -- **four-step**,
  ``n = N2*n1 + n2``, ``k = k1 + N1*k2``. The input is viewed ``[n1, n2]`` (a free
  reshape); stage 1 uses the *data* as the stationary operand so the result comes out
  transposed for free: ``P[n2, k1] = sum_n1 x[n1, n2] F1[n1, k1]``; twiddle
  ``C = P * W_N^(n2 k1)`` (complex multiply: ScalarE evacuates PSUM, VectorE and GpSimdE
  share the six products / sums); stage 2 ``Y[k2, k1] = sum_n2 F2[n2, k2] C[n2, k1]``
  with C as the moving operand (several transforms side by side, up to 512 columns), which
  is exactly the contiguous ``[k2, k1]`` layout of the output. No transposes at all.
* ``N = N1*N2*N3`` (every factor <= 128; N > 16384, e.g. 2^16 = 64*32*32) -- **the same
  decomposition one level deeper, in the same launch** (``n = n1 N2 N3 + n2 N3 + n3``,
  ``k = k1 + N1 k2 + N1 N2 k3``): stage 1 over n1 (stationary = strided view
  ``x[:, n3::N3]``), twiddle ``W_N^(k1 (n2 N3 + n3))``; stage 2 over n2 (stationary =
  strided view ``C[:, k1::N1]``), twiddle ``W_(N2 N3)^(n3 k2)``, written through a
  permuted view into ``(k2, k1)`` order; stage 3 over n3 with 512-column moving chunks
  gives contiguous output rows ``[k3, (k2, k1)]``.

Every DFT GEMM is <= 128 points; any N whose factors fit (all powers of two up to 2^21,
and composite N such as 1000 = 40*25) runs; N with a prime factor > 128 raises
``NotImplementedError``. The inverse conjugates the DFT matrices and twiddles; its
``1/N`` scale is folded into the DFT matrices (``1/N_i`` per stage: exact for powers of two).
TensorE matmuls are fp32 (4x slower than bf16 on the hardware; needed for accuracy).

Measured accuracy (emulator, x standard complex normal, batch 2, relative error
``max|y - ref| / max|ref|`` against ``numpy.fft`` in float64; reproduce with
:func:`measure_errors`)::

    N        plan                forward   inverse
    8        DFT GEMM, g=16      4.9e-08   4.9e-08
    16       DFT GEMM, g=8       8.8e-08   8.8e-08
    32       DFT GEMM, g=4       9.6e-08   9.6e-08
    64       DFT GEMM, g=2       1.7e-07   1.7e-07
    128      DFT GEMM, g=1       2.7e-07   2.7e-07
    256      16*16               1.2e-07   1.3e-07
    512      32*16               1.6e-07   1.4e-07
    1024     32*32               2.0e-07   2.1e-07
    2048     64*32               2.1e-07   2.0e-07
    4096     64*64               3.0e-07   2.9e-07
    8192     128*64              3.3e-07   3.9e-07
    16384    128*128             3.3e-07   3.5e-07
    32768    32*32*32            2.4e-07   2.8e-07
    65536    64*64*16            2.2e-07   2.4e-07

The error stays at a few fp32 ulps for every N: every DFT is <= 128 points and the
twiddles are computed in float64 (with exact integer reduction of the exponent) and
rounded once, so it grows with the number of stages, not with N. (trnsci's DFT-as-GEMM
reached ~2% at N = 1024 on trn1.) These are emulator numbers: fp32 products and sums
as the emulator's TensorE forms them; hardware fp32 matmul passes may differ slightly.
"""
from __future__ import annotations

import math

import numpy as np

from kernels._util import ceil_div as _ceil_div
from kernels.nki_adapter import nki, nisa, nl

PMAX = 128          # partitions; also the largest DFT done as one GEMM
FMAX = 512          # moving free size / fp32 elements in one PSUM bank


# --------------------------------------------------------------------------- planning
def _divisors(n):
    return [d for d in range(1, min(n, PMAX) + 1) if n % d == 0]


def plan(N):
    """Static plan for an ``N``-point transform: ``("dft", g)`` for N <= 128 (``g``
    transforms packed per 128-wide row), ``("4step", N1, N2)`` or ``("6step", N1, N2,
    N3)`` for larger N, every factor <= 128."""
    N = int(N)
    if N < 1:
        raise ValueError(f"Invalid number of FFT data points ({N}) specified.")
    if N <= PMAX:
        return ("dft", PMAX // N)
    best = None
    for n1 in _divisors(N):
        n2 = N // n1
        if n2 <= PMAX and n1 > 1 and n2 > 1:
            key = (max(n1, n2), -n1)          # balanced; larger N1 = wider stage-1 moving
            if best is None or key < best[0]:
                best = (key, ("4step", n1, n2))
    if best is not None:
        return best[1]
    for n1 in _divisors(N):
        for n2 in _divisors(N // n1):
            n3 = N // (n1 * n2)
            if n3 <= PMAX and min(n1, n2, n3) > 1:
                key = (max(n1, n2, n3), -n1, -n2)
                if best is None or key < best[0]:
                    best = (key, ("6step", n1, n2, n3))
    if best is None:
        raise NotImplementedError(
            f"fft kernel: N={N} does not factor into at most three factors <= 128 "
            f"(a prime factor > 128 needs Bluestein, which is not implemented)")
    return best[1]


def _dft(n, inverse, scale=1.0):
    k = np.arange(n)
    # exact integer index reduction before the trig call keeps the angles accurate
    ang = (-2.0 if not inverse else 2.0) * np.pi * (np.outer(k, k) % n) / n
    return np.exp(1j * ang) * scale


def _planes(m):
    """complex matrix -> (re, im, -im) fp32 planes (moving/stationary operands)."""
    return (np.ascontiguousarray(m.real, np.float32), np.ascontiguousarray(m.imag, np.float32),
            np.ascontiguousarray(-m.imag, np.float32))


def _twiddle(N, a, b, inverse):
    """``W_N^(a*b)`` (``W_N = exp(-2 pi i / N)``, conjugated for the inverse) in float64."""
    e = np.outer(a, b) % N
    return np.exp((2.0 if inverse else -2.0) * 1j * np.pi * e / N)


def _constants(p, N, inverse, group_cols):
    """Flat list of fp32 constant arrays for plan ``p`` (see :func:`fft_kernel`)."""
    kind = p[0]
    if kind == "dft":
        g = p[1]
        F = _dft(N, inverse, 1.0 / N if inverse else 1.0)
        BD = np.kron(np.eye(g), F)
        return list(_planes(BD))
    if kind == "4step":
        N1, N2 = p[1], p[2]
        s1, s2 = (1.0 / N1, 1.0 / N2) if inverse else (1.0, 1.0)
        G = group_cols
        T = _twiddle(N, np.arange(N2), np.arange(N1), inverse)          # [n2, k1]
        T = np.tile(T, (1, G))                                          # G transforms
        return (list(_planes(_dft(N1, inverse, s1))) + list(_planes(_dft(N2, inverse, s2)))
                + list(_planes(T))[:2])
    N1, N2, N3 = p[1], p[2], p[3]
    s = (1.0 / N1, 1.0 / N2, 1.0 / N3) if inverse else (1.0, 1.0, 1.0)
    n2, n3, k1 = np.meshgrid(np.arange(N2), np.arange(N3), np.arange(N1), indexing="ij")
    e = (k1 * (n2 * N3 + n3)) % N
    T1 = np.exp((2.0 if inverse else -2.0) * 1j * np.pi * e / N).reshape(N2, N3 * N1)
    G2 = max(1, min(N1, FMAX // N2))
    T2 = np.tile(_twiddle(N2 * N3, np.arange(N3), np.arange(N2), inverse), (1, G2))
    return (list(_planes(_dft(N1, inverse, s[0]))) + list(_planes(_dft(N2, inverse, s[1])))
            + list(_planes(_dft(N3, inverse, s[2]))) + list(_planes(T1))[:2]
            + list(_planes(T2))[:2])


# --------------------------------------------------------------------------- kernel helpers
def _load_const(src, name):
    """(flat HBM constant buffer, offset, shape) -> SBUF tile (an access pattern on the
    flat buffer: rows of ``shape[1]`` elements from ``offset``)."""
    buf, off, shape = src
    t = nl.ndarray(shape, dtype=nl.float32, buffer=nl.sbuf, name=name)
    nisa.dma_copy(dst=t, src=buf.ap(pattern=[[shape[1], shape[0]], [1, shape[1]]],
                                    offset=off))
    return t


def _load_consts(consts, lo, hi, name):
    """SBUF tiles of the constants ``consts[lo:hi]``."""
    out = []
    for i in range(lo, hi):
        out.append(_load_const(consts[i], name))
    return out


def _cmatmul(pr, pi, st_r, st_i, mv_r, mv_i, mv_ni):
    """``P = st^T @ mv`` for complex st (data, stationary) and a complex constant moving
    operand given as (re, im, -im): two PSUM accumulation groups."""
    nisa.nc_matmul(pr, st_r, mv_r)
    nisa.nc_matmul(pr, st_i, mv_ni)
    nisa.nc_matmul(pi, st_r, mv_i)
    nisa.nc_matmul(pi, st_i, mv_r)


def _cmatmul_const_st(pr, pi, cr, ci, cni, mv_r, mv_i):
    """``P = C^T @ mv`` for a complex constant stationary C (re, im, -im) and complex
    data as the moving operand."""
    nisa.nc_matmul(pr, cr, mv_r)
    nisa.nc_matmul(pr, cni, mv_i)
    nisa.nc_matmul(pi, ci, mv_r)
    nisa.nc_matmul(pi, cr, mv_i)


def _twiddle_mul(dr, di, pr, pi, tr, ti, shape):
    """``d = p * t`` (complex, elementwise): ScalarE evacuates the PSUM tiles, VectorE
    forms the real part and GpSimdE the imaginary part. ``dr`` / ``di`` may be views."""
    P, F = shape
    ar = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf, name="tw_ar")
    ai = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf, name="tw_ai")
    nisa.activation(dst=ar, op=nl.copy, data=pr)
    nisa.activation(dst=ai, op=nl.copy, data=pi)
    t1 = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf, name="tw_t1")
    t2 = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf, name="tw_t2")
    nisa.tensor_tensor(dst=t1, data1=ar, data2=tr, op=nl.multiply)
    nisa.tensor_tensor(dst=t2, data1=ai, data2=ti, op=nl.multiply)
    nisa.tensor_tensor(dst=dr, data1=t1, data2=t2, op=nl.subtract)
    t3 = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf, name="tw_t3")
    t4 = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.sbuf, name="tw_t4")
    nisa.tensor_tensor(dst=t3, data1=ar, data2=ti, op=nl.multiply, engine=nisa.gpsimd_engine)
    nisa.tensor_tensor(dst=t4, data1=ai, data2=tr, op=nl.multiply, engine=nisa.gpsimd_engine)
    nisa.tensor_tensor(dst=di, data1=t3, data2=t4, op=nl.add, engine=nisa.gpsimd_engine)


def _evacuate(pr, pi, shape, name):
    """PSUM -> SBUF for a (re, im) pair: ScalarE and VectorE in parallel."""
    sr = nl.ndarray(shape, dtype=nl.float32, buffer=nl.sbuf, name=name + "_r")
    si = nl.ndarray(shape, dtype=nl.float32, buffer=nl.sbuf, name=name + "_i")
    nisa.activation(dst=sr, op=nl.copy, data=pr)
    nisa.tensor_copy(dst=si, src=pi)
    return sr, si


# --------------------------------------------------------------------------- plans
def _fft_dft(xr, xi, yr, yi, consts, g):
    """N <= 128: rows of ``g*N`` packed transforms, block-diagonal DFT GEMM."""
    R, W = xr.shape
    br, bi, bni = _load_consts(consts, 0, 3, "bd")
    for t in nl.affine_range(_ceil_div(R, PMAX)):
        r0 = t * PMAX
        r = min(PMAX, R - r0)
        xs = []
        for src, nm in ((xr, "x_r"), (xi, "x_i")):
            x_sb = nl.ndarray((r, W), dtype=nl.float32, buffer=nl.sbuf, name=nm)
            nisa.dma_copy(dst=x_sb, src=src[r0:r0 + r, :])
            xt_ps = nl.ndarray((W, r), dtype=nl.float32, buffer=nl.psum, name="xT_psum")
            nisa.nc_transpose(dst=xt_ps, data=x_sb)
            xt = nl.ndarray((W, r), dtype=nl.float32, buffer=nl.sbuf, name=nm + "T")
            nisa.tensor_copy(dst=xt, src=xt_ps)
            xs.append(xt)
        pr = nl.ndarray((r, W), dtype=nl.float32, buffer=nl.psum, name="y_r_psum")
        pi = nl.ndarray((r, W), dtype=nl.float32, buffer=nl.psum, name="y_i_psum")
        _cmatmul(pr, pi, xs[0], xs[1], br, bi, bni)
        sr, si = _evacuate(pr, pi, (r, W), "y")
        nisa.dma_copy(dst=yr[r0:r0 + r, :], src=sr)
        nisa.dma_copy(dst=yi[r0:r0 + r, :], src=si)


def _fft_4step(xr, xi, yr, yi, consts, N1, N2, G):
    """N = N1*N2: x viewed [B, N1, N2], y written [B, N2, N1]; G transforms per group."""
    B = xr.shape[0]
    f1 = _load_consts(consts, 0, 3, "f1")
    f2 = _load_consts(consts, 3, 6, "f2")
    tw = _load_consts(consts, 6, 8, "tw")                     # [N2, G*N1]
    for grp in nl.affine_range(_ceil_div(B, G)):
        b0 = grp * G
        gb = min(G, B - b0)
        W = gb * N1
        # stage 1: P[n2, (b, k1)] = x_b[n1, n2]^T F1  (data stationary -> transposed out)
        pr = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.psum, name="s1_r")
        pi = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.psum, name="s1_i")
        for j in nl.affine_range(gb):
            xs = []
            for src, nm in ((xr, "x_r"), (xi, "x_i")):
                x_sb = nl.ndarray((N1, N2), dtype=nl.float32, buffer=nl.sbuf, name=nm)
                nisa.dma_copy(dst=x_sb, src=src[b0 + j])
                xs.append(x_sb)
            c0 = j * N1
            _cmatmul(pr[:, c0:c0 + N1], pi[:, c0:c0 + N1], xs[0], xs[1], f1[0], f1[1], f1[2])
        # twiddle W_N^(n2 k1)
        cr = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.sbuf, name="c_r")
        ci = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.sbuf, name="c_i")
        _twiddle_mul(cr, ci, pr, pi, tw[0][:, 0:W], tw[1][:, 0:W], (N2, W))
        # stage 2: Y[k2, (b, k1)] = F2^T C   (C moving: gb transforms side by side)
        qr = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.psum, name="s2_r")
        qi = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.psum, name="s2_i")
        _cmatmul_const_st(qr, qi, f2[0], f2[1], f2[2], cr, ci)
        sr, si = _evacuate(qr, qi, (N2, W), "y")
        for j in nl.affine_range(gb):
            c0 = j * N1
            nisa.dma_copy(dst=yr[b0 + j], src=sr[:, c0:c0 + N1])
            nisa.dma_copy(dst=yi[b0 + j], src=si[:, c0:c0 + N1])


def _fft_6step(xr, xi, yr, yi, consts, N1, N2, N3):
    """N = N1*N2*N3: x viewed [B, N1, N2*N3], y written [B, N3, N2*N1]."""
    B = xr.shape[0]
    f1 = _load_consts(consts, 0, 3, "f1")
    f2 = _load_consts(consts, 3, 6, "f2")
    f3 = _load_consts(consts, 6, 9, "f3")
    t1 = _load_consts(consts, 9, 11, "tw1")                   # [N2, N3*N1]
    t2 = _load_consts(consts, 11, 13, "tw2")                  # [N3, G2*N2]
    G1 = max(1, min(N3, FMAX // N1))       # n3 values per stage-1 PSUM tile
    G2 = max(1, min(N1, FMAX // N2))       # k1 values per stage-2 PSUM tile
    C3 = max(N1, (FMAX // N1) * N1)        # stage-3 moving chunk (whole k2 rows)
    for b in nl.affine_range(B):
        xs = []
        for src, nm in ((xr, "x_r"), (xi, "x_i")):
            x_sb = nl.ndarray((N1, N2 * N3), dtype=nl.float32, buffer=nl.sbuf, name=nm)
            nisa.dma_copy(dst=x_sb, src=src[b])
            xs.append(x_sb)
        # stage 1 (over n1) + twiddle W_N^(k1 (n2 N3 + n3)) -> C[n2, (n3, k1)]
        cr = nl.ndarray((N2, N3 * N1), dtype=nl.float32, buffer=nl.sbuf, name="c_r")
        ci = nl.ndarray((N2, N3 * N1), dtype=nl.float32, buffer=nl.sbuf, name="c_i")
        for g in nl.affine_range(_ceil_div(N3, G1)):
            n30 = g * G1
            gn = min(G1, N3 - n30)
            W = gn * N1
            pr = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.psum, name="s1_r")
            pi = nl.ndarray((N2, W), dtype=nl.float32, buffer=nl.psum, name="s1_i")
            for j in nl.affine_range(gn):
                n3 = n30 + j
                st_r = xs[0][:, n3::N3]                     # [n1, n2] (stride N3)
                st_i = xs[1][:, n3::N3]
                _cmatmul(pr[:, j * N1:(j + 1) * N1], pi[:, j * N1:(j + 1) * N1],
                         st_r, st_i, f1[0], f1[1], f1[2])
            c0 = n30 * N1
            _twiddle_mul(cr[:, c0:c0 + W], ci[:, c0:c0 + W], pr, pi,
                         t1[0][:, c0:c0 + W], t1[1][:, c0:c0 + W], (N2, W))
        # stage 2 (over n2) + twiddle W_(N2 N3)^(n3 k2) -> E[n3, (k2, k1)]
        er = nl.ndarray((N3, N2 * N1), dtype=nl.float32, buffer=nl.sbuf, name="e_r")
        ei = nl.ndarray((N3, N2 * N1), dtype=nl.float32, buffer=nl.sbuf, name="e_i")
        for g in nl.affine_range(_ceil_div(N1, G2)):
            k10 = g * G2
            gk = min(G2, N1 - k10)
            W = gk * N2
            qr = nl.ndarray((N3, W), dtype=nl.float32, buffer=nl.psum, name="s2_r")
            qi = nl.ndarray((N3, W), dtype=nl.float32, buffer=nl.psum, name="s2_i")
            for j in nl.affine_range(gk):
                k1 = k10 + j
                st_r = cr[:, k1::N1]                        # [n2, n3] (stride N1)
                st_i = ci[:, k1::N1]
                _cmatmul(qr[:, j * N2:(j + 1) * N2], qi[:, j * N2:(j + 1) * N2],
                         st_r, st_i, f2[0], f2[1], f2[2])
            # write (k1, k2)-ordered results into the (k2, k1) layout of E through an
            # access pattern: element [n3, j, k2] at n3 * N2 N1 + k2 * N1 + k10 + j
            pat = [[N2 * N1, N3], [1, gk], [N1, N2]]
            dr = er.ap(pattern=pat, offset=k10)
            di = ei.ap(pattern=pat, offset=k10)
            _twiddle_mul(dr, di, qr, qi, t2[0][:, 0:W], t2[1][:, 0:W], (N3, W))
        # stage 3 (over n3): Y[k3, (k2, k1)] = F3^T E, contiguous output rows
        for c in nl.affine_range(_ceil_div(N2 * N1, C3)):
            c0 = c * C3
            w = min(C3, N2 * N1 - c0)
            yr_ps = nl.ndarray((N3, w), dtype=nl.float32, buffer=nl.psum, name="s3_r")
            yi_ps = nl.ndarray((N3, w), dtype=nl.float32, buffer=nl.psum, name="s3_i")
            _cmatmul_const_st(yr_ps, yi_ps, f3[0], f3[1], f3[2],
                              er[:, c0:c0 + w], ei[:, c0:c0 + w])
            sr, si = _evacuate(yr_ps, yi_ps, (N3, w), "y")
            nisa.dma_copy(dst=yr[b][:, c0:c0 + w], src=sr)
            nisa.dma_copy(dst=yi[b][:, c0:c0 + w], src=si)


@nki.jit
def fft_kernel(xr, xi, cbuf, p, layout):
    """Batched complex FFT of fp32 planes.

    ``p`` is a static plan from :func:`plan` (with the group size appended for
    ``"4step"``); ``cbuf`` a flat fp32 HBM buffer holding the plan's DFT matrices and
    twiddle tables (:func:`_constants`) at the static ``(offset, shape)`` entries of
    ``layout``. Input / output layouts (free reshapes of ``[B, N]`` on the host):
    ``"dft"``: ``x [R, g*N] -> y [R, g*N]``; ``"4step"``: ``x [B, N1, N2] -> y [B, N2,
    N1]``; ``"6step"``: ``x [B, N1, N2*N3] -> y [B, N3, N2*N1]``."""
    kind = p[0]
    if kind == "dft":
        oshape = xr.shape
    elif kind == "4step":
        oshape = (xr.shape[0], p[2], p[1])
    else:
        oshape = (xr.shape[0], p[3], p[2] * p[1])
    yr = nl.ndarray(oshape, dtype=nl.float32, buffer=nl.shared_hbm, name="y_r")
    yi = nl.ndarray(oshape, dtype=nl.float32, buffer=nl.shared_hbm, name="y_i")
    consts = []
    for entry in layout:
        consts.append((cbuf, entry[0], entry[1]))
    if kind == "dft":
        _fft_dft(xr, xi, yr, yi, consts, p[1])
    elif kind == "4step":
        _fft_4step(xr, xi, yr, yi, consts, p[1], p[2], p[3])
    else:
        _fft_6step(xr, xi, yr, yi, consts, p[1], p[2], p[3])
    return yr, yi


# --------------------------------------------------------------------------- host side
def _kernel_plan(N, B):
    """Plan with the batch-dependent group size: ``("dft", g)``, ``("4step", N1, N2, G)``
    or ``("6step", N1, N2, N3)``."""
    p = plan(N)
    if p[0] == "dft":
        return ("dft", max(1, min(p[1], B)))
    if p[0] == "4step":
        return p + (max(1, min(B, FMAX // p[1])),)
    return p


def _const_buffer(p, N, inverse):
    group = p[3] if p[0] == "4step" else None
    arrs = _constants(p, N, inverse, group)
    layout, off = [], 0
    for a in arrs:
        layout.append((off, a.shape))
        off += a.size
    buf = np.concatenate([a.reshape(-1) for a in arrs]).astype(np.float32)
    return buf, tuple(layout)


def _as_planes(x):
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError("fft: input must be at least 1-D")
    if x.dtype.kind not in "biufc":
        raise TypeError(f"fft: unsupported dtype {x.dtype}")
    N = x.shape[-1]
    x2 = x.reshape(-1, N)
    if x.dtype.kind == "c":
        xr = np.ascontiguousarray(x2.real, np.float32)
        xi = np.ascontiguousarray(x2.imag, np.float32)
    else:
        xr = np.ascontiguousarray(x2, np.float32)
        xi = np.zeros_like(xr)
    return xr, xi, x.shape


def _kernel_args(xr, xi, inverse):
    """Host layout (free reshapes, zero padding of the packed batch) + constants."""
    B, N = xr.shape
    p = _kernel_plan(N, B)
    xr, xi = _pack(xr, xi, p, lambda x, rows: np.concatenate(
        [x, np.zeros((rows, N), np.float32)]))
    buf, layout = _const_buffer(p, N, inverse)
    return xr, xi, buf, p, layout


def _pack(xr, xi, p, pad):
    """The kernel's input layout for plan ``p`` of ``[B, N]`` planes (NumPy arrays or
    torch tensors): free reshapes, after ``pad(x, rows)`` appends zero rows where the
    DFT plan packs ``g`` transforms a row and ``g`` does not divide ``B``."""
    B, N = xr.shape
    if p[0] == "dft":
        g = p[1]
        R = _ceil_div(B, g)
        if R * g != B:
            xr, xi = pad(xr, R * g - B), pad(xi, R * g - B)
        return xr.reshape(R, g * N), xi.reshape(R, g * N)
    if p[0] == "4step":
        return xr.reshape(B, p[1], p[2]), xi.reshape(B, p[1], p[2])
    return xr.reshape(B, p[1], p[2] * p[3]), xi.reshape(B, p[1], p[2] * p[3])


def fft_planes(xr, xi, inverse=False):
    """Kernel entry on planes: ``xr``, ``xi`` fp32 ``[B, N]`` -> ``(yr, yi)`` fp32
    ``[B, N]``, one kernel launch for the whole batch."""
    xr = np.ascontiguousarray(xr, np.float32)
    xi = np.ascontiguousarray(xi, np.float32)
    B, N = xr.shape
    kr, ki, buf, p, layout = _kernel_args(xr, xi, inverse)
    yr, yi = nki.simulate(fft_kernel)(kr, ki, buf, p, layout)
    yr, yi = np.asarray(yr).reshape(-1, N)[:B], np.asarray(yi).reshape(-1, N)[:B]
    return yr, yi


def fft(x, inverse=False):
    """``numpy.fft.fft(x)`` (``inverse=True``: ``numpy.fft.ifft(x)``) over the last axis,
    leading axes batched, through the NKI FFT kernel (one launch). Accepts real or
    complex input of any numeric dtype (computed in fp32); returns complex64."""
    xr, xi, shape = _as_planes(x)
    N = shape[-1]
    if N < 1:
        raise ValueError(f"Invalid number of FFT data points ({N}) specified.")
    if xr.shape[0] == 0:
        return np.zeros(shape, np.complex64)
    yr, yi = fft_planes(xr, xi, inverse)
    out = np.empty(yr.shape, np.complex64)
    out.real, out.imag = yr, yi
    return out.reshape(shape)


def ifft(x):
    """``numpy.fft.ifft`` through the kernel (``fft(x, inverse=True)``)."""
    return fft(x, inverse=True)


def fft_reference(x, inverse=False):
    """Plain NumPy version of the kernel's algorithm (same plan, same fp32 DFT matrices
    and twiddles, fp32 real arithmetic on separate planes). Returns complex64."""
    xr, xi, shape = _as_planes(x)
    B, N = xr.shape
    if B == 0:
        return np.zeros(shape, np.complex64)
    kr, ki, buf, p, layout = _kernel_args(xr, xi, inverse)
    c = [buf[o:o + s[0] * s[1]].reshape(s) for o, s in layout]
    f32 = np.float32

    def cmm(ar, ai, br, bi):            # (ar + i ai) @ (br + i bi) in fp32
        return (ar @ br - ai @ bi).astype(f32), (ar @ bi + ai @ br).astype(f32)

    def cmul(ar, ai, br, bi):
        return (ar * br - ai * bi).astype(f32), (ar * bi + ai * br).astype(f32)

    if p[0] == "dft":
        yr, yi = cmm(kr, ki, c[0], c[1])
    elif p[0] == "4step":
        N1, N2 = p[1], p[2]
        tr, ti = c[6][:, :N1], c[7][:, :N1]
        yr = np.empty((B, N2, N1), f32)
        yi = np.empty_like(yr)
        for b in range(B):
            pr, pi = cmm(kr[b].T, ki[b].T, c[0], c[1])          # [n2, k1]
            cr, ci = cmul(pr, pi, tr, ti)
            yr[b], yi[b] = cmm(c[3].T, c[4].T, cr, ci)         # [k2, k1]
    else:
        N1, N2, N3 = p[1], p[2], p[3]
        t1r, t1i = c[9].reshape(N2, N3, N1), c[10].reshape(N2, N3, N1)
        t2r, t2i = c[11][:, :N2], c[12][:, :N2]
        yr = np.empty((B, N3, N2 * N1), f32)
        yi = np.empty_like(yr)
        for b in range(B):
            x3r, x3i = kr[b].reshape(N1, N2, N3), ki[b].reshape(N1, N2, N3)
            cr = np.empty((N2, N3, N1), f32)
            ci = np.empty_like(cr)
            for n3 in range(N3):
                pr, pi = cmm(x3r[:, :, n3].T, x3i[:, :, n3].T, c[0], c[1])   # [n2, k1]
                cr[:, n3], ci[:, n3] = cmul(pr, pi, t1r[:, n3], t1i[:, n3])
            er = np.empty((N3, N2, N1), f32)
            ei = np.empty_like(er)
            for k1 in range(N1):
                qr, qi = cmm(cr[:, :, k1].T, ci[:, :, k1].T, c[3], c[4])       # [n3, k2]
                er[:, :, k1], ei[:, :, k1] = cmul(qr, qi, t2r, t2i)
            r, i = cmm(c[6].T, c[7].T, er.reshape(N3, -1), ei.reshape(N3, -1))
            yr[b], yi[b] = r, i
    out = np.empty((B, N), np.complex64)
    out.real = yr.reshape(-1, N)[:B]
    out.imag = yi.reshape(-1, N)[:B]
    return out.reshape(shape)


def measure_errors(sizes=None, batch=2, seed=0):
    """Relative error ``max|y - ref| / max|ref|`` of the kernel against ``numpy.fft``
    (float64) for forward and inverse transforms."""
    sizes = sizes or [2 ** k for k in range(3, 17)]
    rng = np.random.default_rng(seed)
    rows = []
    for N in sizes:
        x = (rng.standard_normal((batch, N)) + 1j * rng.standard_normal((batch, N)))
        x = x.astype(np.complex64)
        row = {"N": N, "plan": plan(N)}
        for name, inv, ref in (("forward", False, np.fft.fft), ("inverse", True, np.fft.ifft)):
            r = ref(x.astype(np.complex128))
            y = fft(x, inverse=inv)
            row[name] = float(np.abs(y - r).max() / np.abs(r).max())
        rows.append(row)
    return rows


def estimate(N, batch=1, inverse=False):
    """Cost-model report (``kernels.emulator.profile().report()``) of one batched
    transform, from a dry run of the kernel in the emulator (no arithmetic)."""
    import kernels.emulator as emu
    xr = np.zeros((batch, N), np.float32)
    kr, ki, buf, p, layout = _kernel_args(xr, xr, inverse)
    with emu.dry_run(), emu.profile() as prof:
        emu.nki.simulate(fft_kernel)(kr, ki, buf, p, layout)
    rep = prof.report()
    rep["plan"] = p
    # flops of a radix-2 FFT (5 N log2 N per complex transform), for reference
    rep["fft_flops"] = 5.0 * batch * N * max(1.0, math.log2(N))
    return rep
