"""Symmetric eigendecomposition by parallel (round-robin) Jacobi: one NKI kernel launch
per sweep, a host loop over sweeps with a convergence test.

Kernel (NKI 0.3+, through :mod:`kernels.nki_adapter`): :func:`jacobi_sweep_kernel`
``(a[n, n], v[n, n], masks[2n, n], m) -> (a', v', off2[1, 1])`` runs one full sweep
(``n - 1`` rounds of ``n/2`` independent rotations) and returns the rotated matrix, the
accumulated eigenvectors and ``sum_{i != j} a'_ij^2`` for the host's convergence test.

Ordering: the classic round-robin (circle) tournament used by Brent and Luk's parallel
Jacobi: positions ``0..m-1`` ("top") are paired with ``m..n-1`` ("bottom"), ``m = n/2``;
between rounds position 0 stays and the other ``n - 1`` indices rotate one place
(top[i] -> top[i+1], top[m-1] -> bottom[m-1], bottom[i] -> bottom[i-1], bottom[0] ->
top[1]), so every pair meets once per sweep and the layout is back to the identity after
the sweep.

Rounds run in a hardware loop: ``nl.dynamic_range((n - 1) // 2)`` over two rounds on
ping-pong buffers (``A -> A' -> A``), plus one round after it (``n - 1`` is odd), so the
compiled program holds three copies of the round body: about 190 instructions at n = 128
and 540 at n = 512 (``profile().report()["static_instructions"]``), instead of the
7,400 / 84,000 of the fully unrolled sweep. Each round, :func:`_round`:

1. ``A`` is held as row tiles ``[<=128, n]`` with rows *and* columns in the round's
   position order. ``a_pp``, ``a_qq`` (diagonal) and ``a_pq`` (position ``(i, m+i)``)
   are gathered into ``[1, n]`` rows by multiplying with constant 0/1 masks (VectorE)
   and summing over partitions with a ones-vector matmul (TensorE; exact).
2. Rotation parameters on one partition (``[1, m]``): ``d = a_qq - a_pp``, ``h = 2 a_pq``,
   ``t = sgn(d) h / (|d| + sqrt(d^2 + h^2 + 2^-80))`` (``sgn(0) = 1``; the tiny term makes
   ``a_pq = 0`` give ``t = 0`` exactly), ``c = rsqrt(1 + t^2)``, ``s = t c``; ``sqrt`` and
   ``rsqrt`` on GpSimdE (``tensor_scalar(op=rsqrt)``, the more precise engine for it).
   ``c`` and ``s`` are broadcast to ``[128, m]`` with a K=1 matmul against a ones row.
3. Column update ``B = A J`` (``B[:, p] = c A[:, p] - s A[:, q]``, ``B[:, q] = s A[:, p]
   + c A[:, q]``): GpSimdE forms the four products and the second sum, VectorE the
   first sum (balancing the two engines' queues); the sums are written
   straight into the *next* round's column positions (the round-robin shift = five
   contiguous slices).
4. TensorE ``nc_transpose`` of ``B`` in 128x128 blocks: since ``A`` is symmetric,
   ``B^T = J^T A``, with rows in the next round's order and columns in this round's.
5. Column update of ``B^T`` again gives ``J^T A J`` with rows and columns in the next
   round's order. ``V <- V J`` is one more column update (``V`` rows natural, columns in
   position order).

So no partition data moves except through the TensorE transposes, and per round the
work is O(n^2) elementwise + n^2/128^2 block transposes (not dense n^3 products).

Host side (:func:`eigh`): the lower triangle is used (as ``numpy.linalg.eigh``), the
matrix is scaled by a power of two (exact) to ``max|a| ~ 1``, odd ``n`` is padded with a
zero row/column (exactly decoupled: its rotations are the identity), sweeps run until
``off(A) <= tol * ||A||_F`` or the off-diagonal norm stops decreasing, then one
:func:`refine_kernel` launch, and the eigenvalues are sorted **on the host** (ascending)
with the eigenvector columns permuted to match. fp32 throughout; ``n_pad <= 512`` (one
PSUM bank per transposed row tile).

*Refinement.* The sweeps' fp32 rotations are orthogonal only to rounding
(``c^2 + s^2 - 1 ~ eps`` each), and the large rotations of the first sweeps add up:
``V^T V - I`` and the eigenvalues drift by ~1e-5 (n = 128) to ~1e-4 (n = 512), even with
A and V held in float64 (the rotation parameters are the cause). :func:`refine_kernel`
runs two Newton-Schulz steps ``V <- V (3 I - V^T V) / 2`` and Rayleigh quotients
``w_j = v_j^T A v_j`` on the TensorE (fp32 matmuls, about 5 n^3 flops: ~70 us at
n = 512 on trn2, small next to a sweep).

Measured (emulator, ``a`` = symmetric standard normal, seed 0; ``w_err = max|w -
w_np| / max|w_np|``, ``orth = max|V^T V - I|``, ``resid = max|A V - V W| / max|w|``;
reproduce with :func:`measure`; "raw" = ``refine=False``, the previous result)::

    n     sweeps   w_err     orth      resid     raw: w_err   orth      LAPACK fp32 w_err
    16    6        1.3e-07   1.3e-07   2.5e-07        1.6e-06   2.3e-06   ~2e-08
    64    8        2.8e-07   3.1e-07   4.0e-07        9.4e-06   1.1e-05   ~4e-08
    128   9        3.3e-07   3.5e-07   4.7e-07        1.9e-05   2.5e-05   ~3e-08
    200   9        3.3e-07   2.8e-07   6.2e-07        3.7e-05   4.1e-05   4.7e-08
    512   10       3.3e-07   3.2e-07   9.4e-07        1.0e-04   1.3e-04   5.3e-08

That is 12-300x better than the raw sweeps; eigenvalues are within 6-11x of LAPACK's
fp32 error (numpy on float32 input) for n = 16 ... 512, but orthogonality and residual
stay 15-70x above LAPACK's (~1-2e-8) at n >= 128: what remains is the fp32 accumulation
of the refinement's own matmuls (~eps sqrt(n)).

NKI 0.3: ``|d|`` is ``activation(op=nl.abs)`` (``abs_max`` does not exist on trn1/trn2),
the quotient ``reciprocal`` (VectorE) times multiply (no ``divide`` ALU op), and
``1 + t^2`` then ``rsqrt`` are two instructions (GpSimd ``tensor_scalar`` runs ``rsqrt``
alone).

Cost model, one sweep (:func:`estimate`; overlapped / serial bound, bottleneck engine;
NKI 0.3 model with the small-DMA charge, which is negligible here)::

    n = 128  trn1:   0.72 ms /   1.12 ms per sweep (vector)
    n = 128  trn2:   0.84 ms /   1.31 ms per sweep (vector)
    n = 512  trn1:  13.12 ms /  26.44 ms per sweep (vector)
    n = 512  trn2:  15.31 ms /  30.83 ms per sweep (vector)

Still VectorE-bound (0.2% of TensorE peak): applying the rotations as TensorE matmuls
(block Jacobi) is not done yet.
"""
from __future__ import annotations

import numpy as np

from kernels.nki_adapter import nki, nisa, nl

PMAX = 128
NMAX = 512                  # n_pad limit: a transposed row tile fills one PSUM bank
TINY2 = 2.0 ** -80          # added to d^2 + h^2 (>= rsqrt's 2^-87 input range)


def _row_tiles(n):
    tiles = []
    for r0 in range(0, n, PMAX):
        tiles.append((r0, min(PMAX, n - r0)))
    return tiles


def next_positions(perm):
    """Round-robin step on a position -> index array (``perm[pos] = index``)."""
    n = len(perm)
    m = n // 2
    if m < 2:
        return perm.copy()
    top, bot = list(perm[:m]), list(perm[m:])
    new_top = [top[0], bot[0]] + top[1:m - 1]
    new_bot = bot[1:] + [top[m - 1]]
    return np.array(new_top + new_bot, dtype=perm.dtype)


# --------------------------------------------------------------------------- kernel helpers
def _col_update(dst, src, cb, sb, p, m, tag):
    """``dst = src J`` for a row tile ``[p, 2m]`` with columns in pair layout, written in
    the next round's column order (round-robin shift)."""
    n = 2 * m
    top, bot = src[:, 0:m], src[:, m:n]
    x1 = nl.ndarray((p, m), dtype=nl.float32, buffer=nl.sbuf, name=tag + "_x1")
    x2 = nl.ndarray((p, m), dtype=nl.float32, buffer=nl.sbuf, name=tag + "_x2")
    y1 = nl.ndarray((p, m), dtype=nl.float32, buffer=nl.sbuf, name=tag + "_y1")
    y2 = nl.ndarray((p, m), dtype=nl.float32, buffer=nl.sbuf, name=tag + "_y2")
    g = nisa.gpsimd_engine
    nisa.tensor_tensor(dst=x1, data1=top, data2=cb[0:p, :], op=nl.multiply, engine=g)
    nisa.tensor_tensor(dst=x2, data1=bot, data2=sb[0:p, :], op=nl.multiply, engine=g)
    nisa.tensor_tensor(dst=y1, data1=top, data2=sb[0:p, :], op=nl.multiply, engine=g)
    nisa.tensor_tensor(dst=y2, data1=bot, data2=cb[0:p, :], op=nl.multiply, engine=g)
    if m < 2:
        nisa.tensor_tensor(dst=dst[:, 0:1], data1=x1, data2=x2, op=nl.subtract)
        nisa.tensor_tensor(dst=dst[:, 1:2], data1=y1, data2=y2, op=nl.add)
        return
    # new top column i (pair i, first) goes to position: 0 -> 0, 1..m-2 -> i+1, m-1 -> n-1
    nisa.tensor_tensor(dst=dst[:, 0:1], data1=x1[:, 0:1], data2=x2[:, 0:1], op=nl.subtract)
    if m > 2:
        nisa.tensor_tensor(dst=dst[:, 2:m], data1=x1[:, 1:m - 1], data2=x2[:, 1:m - 1],
                           op=nl.subtract)
    nisa.tensor_tensor(dst=dst[:, n - 1:n], data1=x1[:, m - 1:m], data2=x2[:, m - 1:m],
                       op=nl.subtract)
    # new bottom column i goes to: 0 -> 1, 1..m-1 -> m+i-1
    nisa.tensor_tensor(dst=dst[:, 1:2], data1=y1[:, 0:1], data2=y2[:, 0:1], op=nl.add,
                       engine=g)
    nisa.tensor_tensor(dst=dst[:, m:n - 1], data1=y1[:, 1:m], data2=y2[:, 1:m], op=nl.add,
                       engine=g)


def _row1(m, name):
    return nl.ndarray((1, m), dtype=nl.float32, buffer=nl.sbuf, name=name)


def _rotation(dv, ov, m):
    """``c, s`` ``[1, m]`` from the diagonal row ``dv [1, n]`` and pair row ``ov [1, m]``.
    Only NKI 0.3 ALU ops: |d| on ScalarE (activation abs), the quotient as VectorE
    ``reciprocal`` times multiply, ``rsqrt`` alone on GpSimd."""
    g = nisa.gpsimd_engine
    d, h, d2 = _row1(m, "rot_d"), _row1(m, "rot_h"), _row1(m, "rot_d2")
    h2, r2 = _row1(m, "rot_h2"), _row1(m, "rot_r2")
    nisa.tensor_tensor(dst=d, data1=dv[:, m:2 * m], data2=dv[:, 0:m], op=nl.subtract)
    nisa.tensor_scalar(dst=h, data=ov, op0=nl.multiply, operand0=2.0)
    nisa.tensor_tensor(dst=d2, data1=d, data2=d, op=nl.multiply)
    nisa.tensor_tensor(dst=h2, data1=h, data2=h, op=nl.multiply)
    nisa.tensor_tensor(dst=r2, data1=d2, data2=h2, op=nl.add)
    r2b = _row1(m, "rot_r2b")
    nisa.tensor_scalar(dst=r2b, data=r2, op0=nl.add, operand0=TINY2)
    rs, rt = _row1(m, "rot_rs"), _row1(m, "rot_rt")
    nisa.tensor_scalar(dst=rs, data=r2b, op0=nl.rsqrt, operand0=0.0, engine=g)
    nisa.tensor_tensor(dst=rt, data1=r2b, data2=rs, op=nl.multiply)        # sqrt
    ad, den = _row1(m, "rot_ad"), _row1(m, "rot_den")
    nisa.activation(dst=ad, op=nl.abs, data=d)                              # |d|
    nisa.tensor_tensor(dst=den, data1=ad, data2=rt, op=nl.add)
    sg, num, t = _row1(m, "rot_sg"), _row1(m, "rot_num"), _row1(m, "rot_t")
    # sgn(d) with sgn(0) = +1: (d >= 0) * 2 - 1
    nisa.tensor_scalar(dst=sg, data=d, op0=nl.greater_equal, operand0=0.0,
                       op1=nl.multiply, operand1=2.0)
    sg1 = _row1(m, "rot_sg1")
    nisa.tensor_scalar(dst=sg1, data=sg, op0=nl.subtract, operand0=1.0)
    nisa.tensor_tensor(dst=num, data1=h, data2=sg1, op=nl.multiply)
    rden = _row1(m, "rot_rden")
    nisa.reciprocal(dst=rden, data=den)                 # den >= 2^-40: no overflow
    nisa.tensor_tensor(dst=t, data1=num, data2=rden, op=nl.multiply)
    t2, t21, c, s = _row1(m, "rot_t2"), _row1(m, "rot_t21"), _row1(m, "rot_c"), _row1(m, "rot_s")
    nisa.tensor_tensor(dst=t2, data1=t, data2=t, op=nl.multiply)
    nisa.tensor_scalar(dst=t21, data=t2, op0=nl.add, operand0=1.0)
    nisa.tensor_scalar(dst=c, data=t21, op0=nl.rsqrt, operand0=0.0, engine=g)
    nisa.tensor_tensor(dst=s, data1=t, data2=c, op=nl.multiply)
    return c, s


def _round(A, V, A_out, V_out, EYE, PM, ones_col, ones_row, tiles, m):
    """One round of ``n/2`` rotations: ``A_out = J^T A J``, ``V_out = V J`` with rows and
    columns moved to the next round's positions (A, V, A_out, V_out: lists of row tiles)."""
    n = 2 * m
    f32, sb, ps = nl.float32, nl.sbuf, nl.psum
    # 1. diagonal and pair entries as [1, n] rows (mask, then ones-vector matmul)
    dps = nl.ndarray((1, n), dtype=f32, buffer=ps, name="diag_psum")
    ops = nl.ndarray((1, n), dtype=f32, buffer=ps, name="pair_psum")
    for ti in range(len(tiles)):
        r0, p = tiles[ti]
        tmp = nl.ndarray((p, n), dtype=f32, buffer=sb, name="diag_tmp")
        nisa.tensor_tensor(dst=tmp, data1=A[ti], data2=EYE[ti], op=nl.multiply)
        nisa.nc_matmul(dps, ones_col[0:p, :], tmp)
        if r0 < m:
            tmp2 = nl.ndarray((p, n), dtype=f32, buffer=sb, name="pair_tmp")
            nisa.tensor_tensor(dst=tmp2, data1=A[ti], data2=PM[ti], op=nl.multiply)
            nisa.nc_matmul(ops, ones_col[0:p, :], tmp2)
    dv = nl.ndarray((1, n), dtype=f32, buffer=sb, name="diag_row")
    nisa.tensor_copy(dst=dv, src=dps)
    ov = nl.ndarray((1, m), dtype=f32, buffer=sb, name="pair_row")
    nisa.activation(dst=ov, op=nl.copy, data=ops[:, m:n])
    # 2. rotations, broadcast to all partitions
    c, s = _rotation(dv, ov, m)
    cb_ps = nl.ndarray((PMAX, m), dtype=f32, buffer=ps, name="c_bcast")
    sb_ps = nl.ndarray((PMAX, m), dtype=f32, buffer=ps, name="s_bcast")
    nisa.nc_matmul(cb_ps, ones_row, c)
    nisa.nc_matmul(sb_ps, ones_row, s)
    cb = nl.ndarray((PMAX, m), dtype=f32, buffer=sb, name="c_b")
    sbt = nl.ndarray((PMAX, m), dtype=f32, buffer=sb, name="s_b")
    nisa.tensor_copy(dst=cb, src=cb_ps)
    nisa.activation(dst=sbt, op=nl.copy, data=sb_ps)
    # 3. B = A J (columns to next order), V <- V J
    B = []
    for ti in range(len(tiles)):
        r0, p = tiles[ti]
        bt = nl.ndarray((p, n), dtype=f32, buffer=sb, name="b")
        _col_update(bt, A[ti], cb, sbt, p, m, "ca")
        B.append(bt)
        _col_update(V_out[ti], V[ti], cb, sbt, p, m, "cv")
    # 4. B^T (= J^T A) by 128x128 TensorE transposes; 5. column update again
    for tj in range(len(tiles)):
        c0, pj = tiles[tj]
        tp = nl.ndarray((pj, n), dtype=f32, buffer=ps, name="bT_psum")
        for ti in range(len(tiles)):
            r0, p = tiles[ti]
            nisa.nc_transpose(dst=tp[:, r0:r0 + p], data=B[ti][:, c0:c0 + pj])
        bT = nl.ndarray((pj, n), dtype=f32, buffer=sb, name="bT")
        if tj % 2 == 0:
            nisa.tensor_copy(dst=bT, src=tp)
        else:
            nisa.activation(dst=bT, op=nl.copy, data=tp)
        _col_update(A_out[tj], bT, cb, sbt, pj, m, "cb")


@nki.jit
def jacobi_sweep_kernel(a, v, masks, m):
    """One round-robin Jacobi sweep on ``a [n, n]`` (symmetric, fp32, ``n = 2m <=
    512``), accumulating rotations into ``v [n, n]``. ``masks [2n, n]``: the identity
    and the pair mask (ones at ``(i, m+i)``, ``i < m``). Returns ``(a', v', off2)``."""
    n = 2 * m
    f32, sb, ps = nl.float32, nl.sbuf, nl.psum
    tiles = _row_tiles(n)
    a_out = nl.ndarray((n, n), dtype=f32, buffer=nl.shared_hbm, name="a_out")
    v_out = nl.ndarray((n, n), dtype=f32, buffer=nl.shared_hbm, name="v_out")
    off_out = nl.ndarray((1, 1), dtype=f32, buffer=nl.shared_hbm, name="off2")

    ones_col = nl.ndarray((PMAX, 1), dtype=f32, buffer=sb, name="ones_col")
    nisa.memset(dst=ones_col, value=1.0)
    ones_row = nl.ndarray((1, PMAX), dtype=f32, buffer=sb, name="ones_row")
    nisa.memset(dst=ones_row, value=1.0)
    A, V, EYE, PM = [], [], [], []
    for (r0, p) in tiles:
        for lst, src, nm in ((A, a[r0:r0 + p, :], "a"), (V, v[r0:r0 + p, :], "v"),
                             (EYE, masks[r0:r0 + p, :], "eye"),
                             (PM, masks[n + r0:n + r0 + p, :], "pmask")):
            t = nl.ndarray((p, n), dtype=f32, buffer=sb, name=nm)
            nisa.dma_copy(dst=t, src=src)
            lst.append(t)

    # ping-pong buffers: one dynamic (hardware) loop runs two rounds per iteration, so the
    # program holds three copies of the round body whatever n is; n - 1 is odd
    A1, V1 = [], []
    for (r0, p) in tiles:
        A1.append(nl.ndarray((p, n), dtype=f32, buffer=sb, name="a_pong"))
        V1.append(nl.ndarray((p, n), dtype=f32, buffer=sb, name="v_pong"))
    for _it in nl.dynamic_range((n - 1) // 2):
        _round(A, V, A1, V1, EYE, PM, ones_col, ones_row, tiles, m)
        _round(A1, V1, A, V, EYE, PM, ones_col, ones_row, tiles, m)
    _round(A, V, A1, V1, EYE, PM, ones_col, ones_row, tiles, m)
    A, V = A1, V1

    # off-diagonal norm^2 for the host's convergence test
    off_ps = nl.ndarray((1, 1), dtype=f32, buffer=ps, name="off_psum")
    for ti in range(len(tiles)):
        r0, p = tiles[ti]
        dg = nl.ndarray((p, n), dtype=f32, buffer=sb, name="off_dg")
        nisa.tensor_tensor(dst=dg, data1=A[ti], data2=EYE[ti], op=nl.multiply)
        od = nl.ndarray((p, n), dtype=f32, buffer=sb, name="off_od")
        nisa.tensor_tensor(dst=od, data1=A[ti], data2=dg, op=nl.subtract)
        sq = nl.ndarray((p, n), dtype=f32, buffer=sb, name="off_sq")
        nisa.tensor_tensor(dst=sq, data1=od, data2=od, op=nl.multiply)
        red = nl.ndarray((p, 1), dtype=f32, buffer=sb, name="off_red")
        nisa.tensor_reduce(dst=red, op=nl.add, data=sq, axis=1)
        nisa.nc_matmul(off_ps, ones_col[0:p, :], red)
        nisa.dma_copy(dst=a_out[r0:r0 + p, :], src=A[ti])
        nisa.dma_copy(dst=v_out[r0:r0 + p, :], src=V[ti])
    off_sb = nl.ndarray((1, 1), dtype=f32, buffer=sb, name="off_sb")
    nisa.tensor_copy(dst=off_sb, src=off_ps)
    nisa.dma_copy(dst=off_out, src=off_sb)
    return a_out, v_out, off_out


# --------------------------------------------------------------------------- refinement
NS_STEPS = 2                # Newton-Schulz steps after the sweeps


def _load_rows(src, tiles, n, name):
    out = []
    for (r0, p) in tiles:
        t = nl.ndarray((p, n), dtype=nl.float32, buffer=nl.sbuf, name=name)
        nisa.dma_copy(dst=t, src=src[r0:r0 + p, :])
        out.append(t)
    return out


def _transposed_rows(X, tiles, n, name):
    """Row tiles of X^T (TensorE transposes, exact)."""
    XT = []
    for tj in range(len(tiles)):
        c0, pj = tiles[tj]
        tp = nl.ndarray((pj, n), dtype=nl.float32, buffer=nl.psum, name=name + "_psum")
        for ti in range(len(tiles)):
            r0, p = tiles[ti]
            nisa.nc_transpose(dst=tp[:, r0:r0 + p], data=X[ti][:, c0:c0 + pj])
        t = nl.ndarray((pj, n), dtype=nl.float32, buffer=nl.sbuf, name=name)
        nisa.tensor_copy(dst=t, src=tp)
        XT.append(t)
    return XT


@nki.jit
def refine_kernel(a, v):
    """Polish the sweeps' eigenvectors on the TensorE: ``NS_STEPS`` Newton-Schulz steps
    ``X <- X (3 I - X^T X) / 2`` (the rotations' rounding leaves ``V^T V - I`` at
    ~1e-5), then Rayleigh quotients ``w_j = x_j^T A x_j``. ``a`` is the (symmetric,
    scaled) input matrix. Returns ``(v', w[1, n])``."""
    n = a.shape[0]
    f32 = nl.float32
    tiles = _row_tiles(n)
    v_out = nl.ndarray((n, n), dtype=f32, buffer=nl.shared_hbm, name="v_ref")
    w_out = nl.ndarray((1, n), dtype=f32, buffer=nl.shared_hbm, name="w_ref")
    ones_col = nl.ndarray((PMAX, 1), dtype=f32, buffer=nl.sbuf, name="ones_col")
    nisa.memset(dst=ones_col, value=1.0)
    A = _load_rows(a, tiles, n, "a")
    X = _load_rows(v, tiles, n, "x")
    for _step in nl.static_range(NS_STEPS):
        # G = X^T X as row tiles (contraction over X's rows)
        G = []
        for tj in range(len(tiles)):
            c0, pj = tiles[tj]
            g_ps = nl.ndarray((pj, n), dtype=f32, buffer=nl.psum, name="gram_psum")
            for ti in range(len(tiles)):
                nisa.nc_matmul(g_ps, X[ti][:, c0:c0 + pj], X[ti])
            g = nl.ndarray((pj, n), dtype=f32, buffer=nl.sbuf, name="gram")
            nisa.tensor_copy(dst=g, src=g_ps)
            G.append(g)
        XT = _transposed_rows(X, tiles, n, "xT")
        # X <- 1.5 X - 0.5 X G
        X2 = []
        for ti in range(len(tiles)):
            r0, p = tiles[ti]
            xg = nl.ndarray((p, n), dtype=f32, buffer=nl.psum, name="xg_psum")
            for tk in range(len(tiles)):
                nisa.nc_matmul(xg, XT[tk][:, r0:r0 + p], G[tk])
            h = nl.ndarray((p, n), dtype=f32, buffer=nl.sbuf, name="ns_h")
            nisa.tensor_scalar(dst=h, data=xg, op0=nl.multiply, operand0=-0.5)
            x15 = nl.ndarray((p, n), dtype=f32, buffer=nl.sbuf, name="ns_x15")
            nisa.tensor_scalar(dst=x15, data=X[ti], op0=nl.multiply, operand0=1.5)
            xn = nl.ndarray((p, n), dtype=f32, buffer=nl.sbuf, name="x")
            nisa.tensor_tensor(dst=xn, data1=x15, data2=h, op=nl.add)
            X2.append(xn)
        X = X2
    # Rayleigh quotients: w = column sums of X * (A X)  (A symmetric: A[k, r] = A[r, k])
    w_ps = nl.ndarray((1, n), dtype=f32, buffer=nl.psum, name="w_psum")
    for ti in range(len(tiles)):
        r0, p = tiles[ti]
        ax = nl.ndarray((p, n), dtype=f32, buffer=nl.psum, name="ax_psum")
        for tk in range(len(tiles)):
            nisa.nc_matmul(ax, A[tk][:, r0:r0 + p], X[tk])
        pr = nl.ndarray((p, n), dtype=f32, buffer=nl.sbuf, name="rq_prod")
        nisa.tensor_tensor(dst=pr, data1=X[ti], data2=ax, op=nl.multiply)
        nisa.nc_matmul(w_ps, ones_col[0:p, :], pr)
        nisa.dma_copy(dst=v_out[r0:r0 + p, :], src=X[ti])
    w_sb = nl.ndarray((1, n), dtype=f32, buffer=nl.sbuf, name="w_sb")
    nisa.tensor_copy(dst=w_sb, src=w_ps)
    nisa.dma_copy(dst=w_out, src=w_sb)
    return v_out, w_out


def refine_reference(a, v):
    """:func:`refine_kernel` in NumPy fp32 (same steps; matmul summation order differs)."""
    f = np.float32
    X = np.asarray(v, f)
    for _ in range(NS_STEPS):
        G = (X.T @ X).astype(f)
        X = (X * f(1.5) + (X @ G).astype(f) * f(-0.5)).astype(f)
    w = (X * (np.asarray(a, f) @ X).astype(f)).sum(axis=0, dtype=f)
    return X, w


# --------------------------------------------------------------------------- host side
FP32_EPS = float(np.finfo(np.float32).eps)


def _masks(n):
    m = n // 2
    pm = np.zeros((n, n), np.float32)
    pm[np.arange(m), m + np.arange(m)] = 1.0
    return np.concatenate([np.eye(n, dtype=np.float32), pm])


def _prepare(a):
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"eigh: expected a square 2-D matrix, got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"eigh kernel takes real input, got {a.dtype}")
    n = a.shape[0]
    if n + (n % 2) > NMAX:
        raise NotImplementedError(f"eigh kernel: n = {n} > {NMAX}")
    lo = np.tril(np.asarray(a, np.float64))
    sym = lo + np.tril(lo, -1).T                       # lower triangle, as numpy
    amax = float(np.abs(sym).max()) if n else 0.0
    scale = 2.0 ** np.round(np.log2(amax)) if amax > 0 and np.isfinite(amax) else 1.0
    n_pad = n + (n % 2)
    ap = np.zeros((n_pad, n_pad), np.float32)
    ap[:n, :n] = sym / scale
    return ap, n, n_pad, scale


def _finish(A, V, n, scale, w=None):
    """Sort (host) the eigenvalues (``diag(A)``, or the refined ``w``) and vectors."""
    w = (np.diag(A) if w is None else np.asarray(w).reshape(-1)).astype(np.float64)[:n]
    V = V[:n, :n]
    order = np.argsort(w, kind="stable")              # ascending, sorted on the host
    return (w[order] * scale).astype(np.float32), np.ascontiguousarray(V[:, order], np.float32)


def _converged(off, fro, history, tol):
    if off <= tol * fro:
        return True
    # fp32 stagnation: the off-diagonal norm stopped decreasing near rounding level
    return (len(history) >= 2 and off > 0.5 * history[-2] and off < 1e-4 * fro)


def eigh(a, *, tol=None, max_sweeps=30, return_info=False, refine=True):
    """``numpy.linalg.eigh(a)`` for a real symmetric 2-D matrix (lower triangle used):
    eigenvalues ascending (float32) and orthonormal eigenvectors in the columns (float32).
    One NKI kernel launch per Jacobi sweep; the host checks convergence between sweeps;
    then one :func:`refine_kernel` launch (``refine=False``: the sweeps' raw result);
    the host sorts the result."""
    ap, n, n_pad, scale = _prepare(a)
    if n == 0:
        return np.zeros(0, np.float32), np.zeros((0, 0), np.float32)
    tol = FP32_EPS if tol is None else tol
    m = n_pad // 2
    masks = _masks(n_pad)
    A, V = ap, np.eye(n_pad, dtype=np.float32)
    fro = float(np.sqrt((ap.astype(np.float64) ** 2).sum()))
    history = []
    for _ in range(max_sweeps):
        A, V, off2 = nki.simulate(jacobi_sweep_kernel)(A, V, masks, m)
        off = float(np.sqrt(max(float(np.asarray(off2).reshape(-1)[0]), 0.0)))
        history.append(off)
        if fro == 0 or _converged(off, fro, history, tol):
            break
    wr = None
    if refine:
        V, wr = nki.simulate(refine_kernel)(ap, np.asarray(V))
    w, v = _finish(np.asarray(A), np.asarray(V), n, scale, wr)
    if return_info:
        return w, v, {"sweeps": len(history), "off_history": [h / max(fro, 1e-300)
                                                             for h in history]}
    return w, v


def eigh_batched(a, **kw):
    """``eigh`` over leading batch dimensions (one kernel launch per sweep per matrix)."""
    a = np.asarray(a)
    if a.ndim < 2:
        raise ValueError("eigh: expected at least a 2-D array")
    if a.ndim == 2:
        return eigh(a, **kw)
    n = a.shape[-1]
    flat = a.reshape(-1, a.shape[-2], n)
    ws = np.empty((flat.shape[0], n), np.float32)
    vs = np.empty((flat.shape[0], n, n), np.float32)
    for i in range(flat.shape[0]):
        ws[i], vs[i] = eigh(flat[i], **kw)
    return ws.reshape(a.shape[:-1]), vs.reshape(a.shape)


def _rotation_ref(app, aqq, apq):
    f = np.float32
    d = (aqq - app).astype(f)
    h = (apq * f(2)).astype(f)
    r2 = (d * d + h * h).astype(f) + f(TINY2)
    rt = (r2 * (f(1) / np.sqrt(r2))).astype(f)
    den = (np.abs(d) + rt).astype(f)
    sg = np.where(d >= 0, f(1), f(-1))
    t = ((h * sg) * (f(1) / den)).astype(f)          # reciprocal, then multiply
    c = (f(1) / np.sqrt(t * t + f(1))).astype(f)
    return c, (t * c).astype(f)


def jacobi_sweep_reference(A, V):
    """One sweep of the kernel's algorithm in NumPy fp32 (same ordering, formulas and
    update order; positions tracked with index arrays instead of moving data)."""
    A, V = A.astype(np.float32).copy(), V.astype(np.float32).copy()
    n = A.shape[0]
    m = n // 2
    perm = np.arange(n)
    for _ in range(n - 1):
        P, Q = perm[:m], perm[m:]
        c, s = _rotation_ref(A[P, P], A[Q, Q], A[P, Q])
        for X in (A, V):                       # X <- X J  (columns)
            xp, xq = X[:, P].copy(), X[:, Q].copy()
            X[:, P] = xp * c - xq * s
            X[:, Q] = xp * s + xq * c
        ap, aq = A[P, :].copy(), A[Q, :].copy()  # A <- J^T A  (rows)
        A[P, :] = c[:, None] * ap - s[:, None] * aq
        A[Q, :] = s[:, None] * ap + c[:, None] * aq
        perm = next_positions(perm)
    off2 = float((A.astype(np.float64) ** 2).sum() - (np.diag(A).astype(np.float64) ** 2).sum())
    return A, V, off2


def eigh_reference(a, *, tol=None, max_sweeps=30, return_info=False, refine=True):
    """Plain NumPy version of :func:`eigh` (same sweeps, ordering, convergence test,
    refinement)."""
    ap, n, n_pad, scale = _prepare(a)
    tol = FP32_EPS if tol is None else tol
    A, V = ap, np.eye(n_pad, dtype=np.float32)
    fro = float(np.sqrt((ap.astype(np.float64) ** 2).sum()))
    history = []
    for _ in range(max_sweeps):
        A, V, off2 = jacobi_sweep_reference(A, V)
        history.append(float(np.sqrt(max(off2, 0.0))))
        if fro == 0 or _converged(history[-1], fro, history, tol):
            break
    wr = None
    if refine:
        V, wr = refine_reference(ap, V)
    w, v = _finish(A, V, n, scale, wr)
    if return_info:
        return w, v, {"sweeps": len(history)}
    return w, v


def errors(a, w, v):
    """(eigenvalue error vs numpy, max|V^T V - I|, max|A V - V W| / max|w|)."""
    a64 = np.asarray(a, np.float64)
    wn = np.linalg.eigvalsh(a64)
    wmax = max(np.abs(wn).max(), 1e-300)
    v64 = v.astype(np.float64)
    return (float(np.abs(w - wn).max() / wmax),
            float(np.abs(v64.T @ v64 - np.eye(len(w))).max()),
            float(np.abs(a64 @ v64 - v64 * w.astype(np.float64)).max() / wmax))


def measure(sizes=(16, 64, 128, 200, 512), seed=0):
    """Sweeps to converge and errors for symmetric standard-normal matrices."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        g = rng.standard_normal((n, n))
        a = ((g + g.T) / 2).astype(np.float32)
        w, v, info = eigh(a, return_info=True)
        ew, eo, er = errors(a, w, v)
        rows.append({"n": n, "sweeps": info["sweeps"], "w_err": ew, "orth": eo, "resid": er,
                     "off_history": info["off_history"]})
    return rows


def estimate(n, sweeps=1):
    """Cost-model report of ``sweeps`` sweep kernels for an ``n x n`` matrix (dry run)."""
    import kernels.emulator as emu
    n_pad = n + (n % 2)
    z = np.zeros((n_pad, n_pad), np.float32)
    masks = _masks(n_pad)
    with emu.dry_run(), emu.profile() as prof:
        for _ in range(sweeps):
            emu.nki.simulate(jacobi_sweep_kernel)(z, z, masks, n_pad // 2)
    return prof.report()
