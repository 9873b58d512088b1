"""Symmetric eigendecomposition by block Jacobi: one NKI kernel launch per sweep, a host
loop over sweeps with a convergence test, one refinement launch.

Kernel (NKI 0.3+, through :mod:`kernels.nki_adapter`): :func:`jacobi_sweep_kernel`
``(a[n, n], vt[n, n], consts, moves, T, B) -> (a', vt', off2[1, 1])``, ``n = T B``,
``vt = V^T`` (the accumulated eigenvectors, transposed), ``off2 = sum_{i != j} a'_ij^2``.

Blocks: ``n`` is padded with zeros (exactly decoupled: their rotations are the identity)
to ``T = ceil(n / 128)`` row tiles of ``B <= 128`` rows (:func:`plan`; ``B = 128`` at
``n = 512``); each tile holds two blocks of ``B / 2``. A sweep is ``2T - 1`` *outer rounds* of the round-robin (circle)
tournament over the ``2T`` blocks (Brent and Luk's ordering, now on blocks), so every pair
of blocks shares a tile once. In an outer round:

1. The ``T`` diagonal tiles ``S_t = A[t, t]`` (``B x B``: the two blocks' subproblem) get
   one *inner sweep* of scalar Jacobi, all ``T`` at once: ``B - 1`` inner rounds of
   ``B / 2`` rotations (pairs ``(i, B/2 + i)``, round-robin between rounds). Per inner
   round: ``a_pp``, ``a_qq``, ``a_pq`` per position as ``[B, T]`` columns (GpSimd mask
   multiply, VectorE row sums, two +-1 matmuls across partitions); the rotations on those
   columns (formulas below; GpSimd / ScalarE / VectorE); ``K = diag(c) P1 + diag(s) P2``
   (rotation then round-robin shift, two ScalarE row scalings of constant permutations);
   then on the **TensorE** ``X = S^T K``, ``S <- X^T K = K^T S K``, ``Q^T <- K^T Q^T``
   (``3T`` fp32 matmuls of ``B x B``).
2. ``Qp = diag(Q_t) Pb`` (the subproblems' eigenvectors, then the round-robin of the (B/2)-blocks
   ``Pb``), and on the TensorE ``X = A^T Qp``, ``A <- Qp^T X``, ``V^T <- Qp^T V^T``
   (``Qp`` has one nonzero row tile per (B/2)-column block: ``2T^2`` narrow plus ``4T``
   full-width matmuls).

Both loops are hardware loops (``nl.dynamic_range``, nested: the outer round and the
inner round pair issue the same instructions every iteration, over ping-pong buffers),
so the program holds one outer body with three inner bodies: 138 instructions per launch
for ``n <= 128``, 278 at ``n = 512`` (``static_instructions``; the scalar kernel before
this held 540 at ``n = 512`` and its unrolled form 84,000).

Rotation (per pair, on ``[B, T]`` columns where both halves of a pair hold the same
values): ``d = a_qq - a_pp``, ``h = 2 a_pq``, ``t = sgn(d) h / (|d| + sqrt(d^2 + h^2 +
2^-80))`` (``sgn(0) = 1``; the tiny term makes ``a_pq = 0`` give ``t = 0`` exactly),
``c = rsqrt(1 + t^2)``, ``s = t c``. NKI 0.3 only: ``|d|`` is ``activation(op=nl.abs)``
(no ``abs_max`` on trn1/trn2), the quotient ``reciprocal`` times multiply (no
``divide``), ``rsqrt`` alone on GpSimd (``tensor_scalar`` there runs only ``rsqrt``).

Host side (:func:`eigh`): the lower triangle is used (as ``numpy.linalg.eigh``), the
matrix is scaled by a power of two (exact) to ``max|a| ~ 1``, sweeps run until ``off(A)
<= eps ||A||_F`` or the off-diagonal norm stops decreasing, then one :func:`refine_kernel`
launch (two Newton-Schulz steps ``V <- V (3 I - V^T V) / 2`` and Rayleigh quotients on
the TensorE), and the eigenvalues are sorted **on the host** (ascending) with the
eigenvector columns permuted to match. fp32 throughout; ``n <= 512`` (a row tile of
``A`` fills one PSUM bank).

Measured accuracy and cost: see ``kernels/README.md`` (eigh) and
``benchmarks/kernel_cost_report.py``; :func:`measure` reproduces the accuracy table
(``errors``: eigenvalues and residual relative to ``max|w|``, ``max|V^T V - I|``; against
scipy's float32 LAPACK, drivers ``evr`` (its default) and ``evd``).
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


# --------------------------------------------------------------------------- plan (host)
def _dest(m):
    """Round-robin step as ``old position -> new position`` (``m`` pairs: top ``0..m-1``
    meets bottom ``m..2m-1``)."""
    d = list(range(2 * m))
    if m < 2:
        return d
    for i in range(1, m - 1):
        d[i] = i + 1
    d[m - 1], d[m] = 2 * m - 1, 1
    for i in range(1, m):
        d[m + i] = m + i - 1
    return d


def plan(n, block=None):
    """``(B, T)``: ``T = ceil(n / 128)`` subproblems of the smallest even size ``B <= 128``
    with ``B T >= n`` (``n_pad = B T``; n = 130: two of 66, not two of 128). ``block``
    (even, <= 128) forces ``B`` (small blocks exercise the outer rounds cheaply in tests)."""
    if block is not None:
        if block % 2 or not 2 <= block <= PMAX:
            raise ValueError(f"eigh kernel: block must be even and in [2, {PMAX}]")
        return block, max(1, -(-n // block))
    T = max(1, -(-n // PMAX))
    return max(2, 2 * -(-n // (2 * T))), T


def _moves(T):
    """Block round-robin between outer rounds: storage block ``2t + h`` (half ``h`` of row
    tile ``t``) -> its storage block in the next round. Slot ``s < T`` (top) is block
    ``2s``, slot ``T + s`` (bottom) is block ``2s + 1``."""
    dest = _dest(T)
    block = [2 * s for s in range(T)] + [2 * s + 1 for s in range(T)]
    mv = [0] * (2 * T)
    for s in range(2 * T):
        mv[block[s]] = block[dest[s]]
    return tuple(mv)


def _consts(B, T):
    """Constant 0/±1 matrices of the inner rounds, ``[B, 2 T B + 4 B + 1]``: the identity and
    the pair mask (ones at ``(i, H + i)``) repeated ``T`` times; ``P1``, ``P2`` with the
    rotation ``K = diag(cc) P1 + diag(ss) P2`` (rotation then round-robin shift); ``SelD``
    (``d_k = a_qq - a_pp`` of ``k``'s pair) and ``Dup2`` (``h_k = 2 a_pq``) for the
    partition-side gathers; the sign column (+1 top, -1 bottom)."""
    H = B // 2
    src = np.argsort(_dest(H))
    partner = np.r_[np.arange(H) + H, np.arange(H)]
    k = np.arange(B)
    eye = np.eye(B, dtype=np.float32)
    pm = np.zeros((B, B), np.float32)
    pm[np.arange(H), H + np.arange(H)] = 1.0
    p1 = np.zeros((B, B), np.float32)
    p1[src, k] = 1.0
    p2 = np.zeros((B, B), np.float32)
    p2[partner[src], k] = 1.0
    p, q = k % H, k % H + H
    seld = np.zeros((B, B), np.float32)
    seld[q, k] += 1.0
    seld[p, k] -= 1.0
    dup2 = np.zeros((B, B), np.float32)
    dup2[p, k] = 2.0
    sgn = np.where(k < H, 1.0, -1.0).astype(np.float32)[:, None]
    return np.ascontiguousarray(np.concatenate(
        [np.tile(eye, T), np.tile(pm, T), p1, p2, seld, dup2, sgn], axis=1))


# --------------------------------------------------------------------------- kernel helpers
def _col(B, T, name):
    return nl.ndarray((B, T), dtype=nl.float32, buffer=nl.sbuf, name=name)


def _rotation(d, h, sgn, B, T):
    """``c`` and ``s * (+1 top / -1 bottom)`` as ``[B, T]`` columns (partition = position,
    both halves of a pair hold the same ``d``, ``h``). Only NKI 0.3 ALU ops: |d| as
    activation abs, the quotient as ``reciprocal`` times multiply, ``rsqrt`` alone on
    GpSimd; the work is spread over GpSimd, ScalarE and VectorE."""
    g, se, mul, add = nisa.gpsimd_engine, nisa.scalar_engine, nl.multiply, nl.add
    d2, h2, r2, r2b = _col(B, T, "d2"), _col(B, T, "h2"), _col(B, T, "r2"), _col(B, T, "r2b")
    nisa.tensor_tensor(dst=d2, data1=d, data2=d, op=mul)
    nisa.tensor_tensor(dst=h2, data1=h, data2=h, op=mul, engine=g)
    nisa.tensor_tensor(dst=r2, data1=d2, data2=h2, op=add)
    nisa.tensor_scalar(dst=r2b, data=r2, op0=add, operand0=TINY2, engine=se)
    rs, rt, ad, den = _col(B, T, "rs"), _col(B, T, "rt"), _col(B, T, "ad"), _col(B, T, "den")
    nisa.tensor_scalar(dst=rs, data=r2b, op0=nl.rsqrt, operand0=0.0, engine=g)
    nisa.tensor_tensor(dst=rt, data1=r2b, data2=rs, op=mul, engine=g)       # sqrt
    nisa.activation(dst=ad, op=nl.abs, data=d)                              # |d|
    nisa.tensor_tensor(dst=den, data1=ad, data2=rt, op=add)
    sg, sg1, num, rden = _col(B, T, "sg"), _col(B, T, "sg1"), _col(B, T, "num"), _col(B, T, "rden")
    # sgn(d) with sgn(0) = +1: (d >= 0) * 2 - 1
    nisa.tensor_scalar(dst=sg, data=d, op0=nl.greater_equal, operand0=0.0, op1=mul,
                       operand1=2.0)
    nisa.tensor_scalar(dst=sg1, data=sg, op0=add, operand0=-1.0, engine=se)
    nisa.tensor_tensor(dst=num, data1=h, data2=sg1, op=mul, engine=g)
    nisa.reciprocal(dst=rden, data=den)                 # den >= 2^-40: no overflow
    t, t2, t21, c = _col(B, T, "t"), _col(B, T, "t2"), _col(B, T, "t21"), _col(B, T, "c")
    nisa.tensor_tensor(dst=t, data1=num, data2=rden, op=mul)
    nisa.tensor_tensor(dst=t2, data1=t, data2=t, op=mul, engine=g)
    nisa.tensor_scalar(dst=t21, data=t2, op0=add, operand0=1.0, engine=se)
    nisa.tensor_scalar(dst=c, data=t21, op0=nl.rsqrt, operand0=0.0, engine=g)
    s, ss = _col(B, T, "s"), _col(B, T, "ss")
    nisa.tensor_tensor(dst=s, data1=t, data2=c, op=mul, engine=g)
    nisa.activation(dst=ss, op=nl.copy, data=s, scale=sgn)
    return c, ss


def _inner_round(S, Q, S2, Q2, C, B, T):
    """One round of ``B / 2`` rotations in each of the ``T`` subproblems ``S[:, t, :]``
    (``[B, B]``, pairs ``(i, B/2 + i)``): ``S2 = K^T S K``, ``Q2 = K^T Q`` (``Q`` holds
    ``Q_t^T``) with ``K = diag(cc) P1 + diag(ss) P2``, the round's rotations followed by
    the round-robin shift, so the next round again pairs ``(i, B/2 + i)``."""
    f32, sb, ps, g = nl.float32, nl.sbuf, nl.psum, nisa.gpsimd_engine
    # 1. a_pp, a_qq, a_pq per position as [B, T] columns: mask (GpSimd), row sums
    #    (VectorE), then d = a_qq - a_pp and h = 2 a_pq by +-1 matmuls across partitions
    w1 = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="w_diag")
    w2 = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="w_pair")
    nisa.tensor_tensor(dst=w1, data1=S, data2=C["irep"], op=nl.multiply, engine=g)
    nisa.tensor_tensor(dst=w2, data1=S, data2=C["pmrep"], op=nl.multiply, engine=g)
    dg, og = _col(B, T, "diag"), _col(B, T, "pair")
    nisa.tensor_reduce(dst=dg, op=nl.add, data=w1, axis=2)
    nisa.tensor_reduce(dst=og, op=nl.add, data=w2, axis=2)
    d_ps = nl.ndarray((B, T), dtype=f32, buffer=ps, name="d_psum")
    h_ps = nl.ndarray((B, T), dtype=f32, buffer=ps, name="h_psum")
    nisa.nc_matmul(d_ps, C["seld"], dg)
    nisa.nc_matmul(h_ps, C["dup2"], og)
    d, h = _col(B, T, "d"), _col(B, T, "h")
    nisa.activation(dst=d, op=nl.copy, data=d_ps)
    nisa.activation(dst=h, op=nl.copy, data=h_ps)
    # 2. rotations; 3. K per subproblem (ScalarE row scalings, one GpSimd add)
    c, ss = _rotation(d, h, C["sgn"], B, T)
    ka = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="k_c")
    kb = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="k_s")
    for t in range(T):
        nisa.activation(dst=ka[:, t, :], op=nl.copy, data=C["p1"], scale=c[:, t:t + 1])
        nisa.activation(dst=kb[:, t, :], op=nl.copy, data=C["p2"], scale=ss[:, t:t + 1])
    K = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="k")
    nisa.tensor_tensor(dst=K, data1=ka, data2=kb, op=nl.add, engine=g)
    # 4. TensorE: X = S^T K, S2 = X^T K = K^T S K, Q2 = K^T Q
    x_ps = nl.ndarray((B, T, B), dtype=f32, buffer=ps, name="x_psum")
    for t in range(T):
        nisa.nc_matmul(x_ps[:, t, :], S[:, t, :], K[:, t, :])
    xs = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="x")
    nisa.activation(dst=xs, op=nl.copy, data=x_ps)
    s_ps = nl.ndarray((B, T, B), dtype=f32, buffer=ps, name="s_psum")
    q_ps = nl.ndarray((B, T, B), dtype=f32, buffer=ps, name="q_psum")
    for t in range(T):
        nisa.nc_matmul(s_ps[:, t, :], xs[:, t, :], K[:, t, :])
        nisa.nc_matmul(q_ps[:, t, :], K[:, t, :], Q[:, t, :])
    nisa.activation(dst=S2, op=nl.copy, data=s_ps)         # PSUM -> SBUF on ScalarE (VectorE
    nisa.activation(dst=Q2, op=nl.copy, data=q_ps)         # has the gathers and rotations)


def _outer_update(A, Vt, Vt2, X, Qp, Qt, moves, B, T):
    """``A <- Qp^T A Qp``, ``Vt <- Qp^T Vt`` with ``Qp = diag(Q_t) Pb`` (the subproblems'
    eigenvectors, then the round-robin of the (B/2)-blocks ``Pb``); ``Qt[:, t, :] = Q_t^T``."""
    f32, ps = nl.float32, nl.psum
    n, H = B * T, B // 2
    for t in range(T):                       # Q_t into its two column blocks of Qp
        tp = nl.ndarray((B, B), dtype=f32, buffer=ps, name="qT_psum")
        nisa.nc_transpose(dst=tp, data=Qt[:, t, :])
        for hh in range(2):
            nb = moves[2 * t + hh]
            nisa.tensor_copy(dst=Qp[t][:, nb * H:nb * H + H], src=tp[:, hh * H:hh * H + H])
    for r in range(T):                       # X = A^T Qp (Qp: one nonzero tile per block)
        x_ps = nl.ndarray((B, n), dtype=f32, buffer=ps, name="xo_psum")
        for t in range(T):
            for hh in range(2):
                nb = moves[2 * t + hh]
                nisa.nc_matmul(x_ps[:, nb * H:nb * H + H], A[t][:, r * B:r * B + B],
                               Qp[t][:, nb * H:nb * H + H])
        nisa.activation(dst=X[r], op=nl.copy, data=x_ps)
    for u in range(T):                       # A = Qp^T X, Vt2 = Qp^T Vt
        a_ps = nl.ndarray((B, n), dtype=f32, buffer=ps, name="ao_psum")
        v_ps = nl.ndarray((B, n), dtype=f32, buffer=ps, name="vo_psum")
        for t in range(T):
            if moves[2 * t] // 2 == u or moves[2 * t + 1] // 2 == u:
                nisa.nc_matmul(a_ps, Qp[t][:, u * B:u * B + B], X[t])
                nisa.nc_matmul(v_ps, Qp[t][:, u * B:u * B + B], Vt[t])
        nisa.tensor_copy(dst=A[u], src=a_ps)
        nisa.activation(dst=Vt2[u], op=nl.copy, data=v_ps)
    for u in range(T):
        nisa.tensor_copy(dst=Vt[u], src=Vt2[u], engine=nisa.gpsimd_engine)


def _const(consts, c0, shape, name):
    t = nl.ndarray(shape, dtype=nl.float32, buffer=nl.sbuf, name=name)
    w = 1
    for s in shape[1:]:
        w = w * s
    nisa.dma_copy(dst=t, src=consts[:, c0:c0 + w])
    return t


@nki.jit
def jacobi_sweep_kernel(a, vt, consts, moves, T, B):
    """One block-Jacobi sweep on ``a [n, n]`` (symmetric fp32, ``n = T B``, ``B <= 128``
    even), accumulating ``vt [n, n] = V^T``. ``consts``: :func:`_consts`; ``moves``:
    :func:`_moves`. Returns ``(a', vt', off2[1, 1])``, ``off2 = sum_{i != j} a'_ij^2``."""
    n = T * B
    f32, sb, ps = nl.float32, nl.sbuf, nl.psum
    a_out = nl.ndarray((n, n), dtype=f32, buffer=nl.shared_hbm, name="a_out")
    vt_out = nl.ndarray((n, n), dtype=f32, buffer=nl.shared_hbm, name="vt_out")
    off_out = nl.ndarray((1, 1), dtype=f32, buffer=nl.shared_hbm, name="off2")
    o = 2 * T * B
    C = {"irep": _const(consts, 0, (B, T, B), "irep"),
         "pmrep": _const(consts, T * B, (B, T, B), "pmrep"),
         "p1": _const(consts, o, (B, B), "p1"), "p2": _const(consts, o + B, (B, B), "p2"),
         "seld": _const(consts, o + 2 * B, (B, B), "seld"),
         "dup2": _const(consts, o + 3 * B, (B, B), "dup2"),
         "sgn": _const(consts, o + 4 * B, (B, 1), "sgn")}
    A, Vt, Vt2, X, Qp = [], [], [], [], []
    for t in range(T):
        at = nl.ndarray((B, n), dtype=f32, buffer=sb, name="a")
        nisa.dma_copy(dst=at, src=a[t * B:t * B + B, :])
        A.append(at)
        vtt = nl.ndarray((B, n), dtype=f32, buffer=sb, name="vt")
        nisa.dma_copy(dst=vtt, src=vt[t * B:t * B + B, :])
        Vt.append(vtt)
        Vt2.append(nl.ndarray((B, n), dtype=f32, buffer=sb, name="vt2"))
        X.append(nl.ndarray((B, n), dtype=f32, buffer=sb, name="xo"))
        qp = nl.ndarray((B, n), dtype=f32, buffer=sb, name="qp")
        nisa.memset(dst=qp, value=0.0)       # only the two blocks of Q_t are rewritten
        Qp.append(qp)
    S0 = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="s_ping")
    S1 = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="s_pong")
    Q0 = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="q_ping")
    Q1 = nl.ndarray((B, T, B), dtype=f32, buffer=sb, name="q_pong")
    # hardware loops: 2T - 1 outer rounds (block round-robin), each B - 1 inner rounds
    # over ping-pong buffers (two per iteration, B - 1 is odd); the same instructions run
    # every iteration, so the program holds one outer body with three inner bodies
    for _outer in nl.dynamic_range(2 * T - 1):
        for t in range(T):
            nisa.tensor_copy(dst=S0[:, t, :], src=A[t][:, t * B:t * B + B],
                             engine=nisa.gpsimd_engine)
        nisa.tensor_copy(dst=Q0, src=C["irep"], engine=nisa.gpsimd_engine)
        for _inner in nl.dynamic_range((B - 1) // 2):
            _inner_round(S0, Q0, S1, Q1, C, B, T)
            _inner_round(S1, Q1, S0, Q0, C, B, T)
        _inner_round(S0, Q0, S1, Q1, C, B, T)
        _outer_update(A, Vt, Vt2, X, Qp, Q1, moves, B, T)

    # off-diagonal norm^2 for the host's convergence test (diagonal zeroed, not subtracted)
    offm = nl.ndarray((B, B), dtype=f32, buffer=sb, name="offmask")
    nisa.tensor_scalar(dst=offm, data=C["irep"][:, 0, :], op0=nl.multiply, operand0=-1.0,
                       op1=nl.add, operand1=1.0)
    ones_col = nl.ndarray((B, 1), dtype=f32, buffer=sb, name="ones_col")
    nisa.memset(dst=ones_col, value=1.0)
    off_ps = nl.ndarray((1, 1), dtype=f32, buffer=ps, name="off_psum")
    for t in range(T):
        sq = nl.ndarray((B, n), dtype=f32, buffer=sb, name="off_sq")
        nisa.tensor_tensor(dst=sq, data1=A[t], data2=A[t], op=nl.multiply)
        nisa.tensor_tensor(dst=sq[:, t * B:t * B + B], data1=sq[:, t * B:t * B + B],
                           data2=offm, op=nl.multiply)
        red = nl.ndarray((B, 1), dtype=f32, buffer=sb, name="off_red")
        nisa.tensor_reduce(dst=red, op=nl.add, data=sq, axis=1)
        nisa.nc_matmul(off_ps, ones_col, red)
        nisa.dma_copy(dst=a_out[t * B:t * B + B, :], src=A[t])
        nisa.dma_copy(dst=vt_out[t * B:t * B + B, :], src=Vt[t])
    off_sb = nl.ndarray((1, 1), dtype=f32, buffer=sb, name="off_sb")
    nisa.tensor_copy(dst=off_sb, src=off_ps)
    nisa.dma_copy(dst=off_out, src=off_sb)
    return a_out, vt_out, off_out


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
def refine_kernel(a, vt):
    """Polish the sweeps' eigenvectors on the TensorE: ``NS_STEPS`` Newton-Schulz steps
    ``X <- X (3 I - X^T X) / 2`` (the rotations' rounding leaves ``V^T V - I`` at
    ~1e-6), then Rayleigh quotients ``w_j = x_j^T A x_j``. ``a`` is the (symmetric,
    scaled) input matrix, ``vt = V^T`` as the sweeps return it. Returns ``(v', w[1, n])``."""
    n = a.shape[0]
    f32 = nl.float32
    tiles = _row_tiles(n)
    v_out = nl.ndarray((n, n), dtype=f32, buffer=nl.shared_hbm, name="v_ref")
    w_out = nl.ndarray((1, n), dtype=f32, buffer=nl.shared_hbm, name="w_ref")
    ones_col = nl.ndarray((PMAX, 1), dtype=f32, buffer=nl.sbuf, name="ones_col")
    nisa.memset(dst=ones_col, value=1.0)
    A = _load_rows(a, tiles, n, "a")
    X = _transposed_rows(_load_rows(vt, tiles, n, "vt"), tiles, n, "x")
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


def _prepare(a, block=None):
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"eigh: expected a square 2-D matrix, got shape {a.shape}")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"eigh kernel takes real input, got {a.dtype}")
    n = a.shape[0]
    if n > NMAX:
        raise NotImplementedError(f"eigh kernel: n = {n} > {NMAX}")
    lo = np.tril(np.asarray(a, np.float64))
    sym = lo + np.tril(lo, -1).T                       # lower triangle, as numpy
    amax = float(np.abs(sym).max()) if n else 0.0
    scale = 2.0 ** np.round(np.log2(amax)) if amax > 0 and np.isfinite(amax) else 1.0
    B, T = plan(n, block)
    if B * T > NMAX:
        raise NotImplementedError(f"eigh kernel: padded size {B * T} > {NMAX}")
    ap = np.zeros((B * T, B * T), np.float32)          # zero padding: exactly decoupled
    ap[:n, :n] = sym / scale
    return ap, n, B, T, scale


def _finish(A, V, n, scale, w=None):
    """Sort (host) the eigenvalues (``diag(A)``, or the refined ``w``) and vectors."""
    w = (np.diag(A) if w is None else np.asarray(w).reshape(-1)).astype(np.float64)[:n]
    V = V[:n, :n]
    order = np.argsort(w, kind="stable")              # ascending, sorted on the host
    return (w[order] * scale).astype(np.float32), np.ascontiguousarray(V[:, order], np.float32)


def _converged(off, fro, history, tol):
    if off <= tol * fro:
        return True
    # fp32 stagnation: the off-diagonal norm stopped decreasing near rounding level (the
    # block sweeps converge linearly for a while: a 0.5 ratio stopped graded spectra early)
    return (len(history) >= 2 and off > 0.8 * history[-2] and off < 1e-4 * fro)


def _sweeps(sweep, A, Vt, tol, max_sweeps):
    fro = float(np.sqrt((np.asarray(A, np.float64) ** 2).sum()))
    history = []
    for _ in range(max_sweeps):
        A, Vt, off = sweep(A, Vt)
        history.append(off)
        if fro == 0 or _converged(off, fro, history, tol):
            break
    return A, Vt, [h / max(fro, 1e-300) for h in history]


def eigh(a, *, tol=None, max_sweeps=30, return_info=False, refine=True, block=None):
    """``numpy.linalg.eigh(a)`` for a real symmetric 2-D matrix (lower triangle used):
    eigenvalues ascending (float32) and orthonormal eigenvectors in the columns (float32).
    One NKI kernel launch per block-Jacobi sweep; the host checks convergence between
    sweeps; then one :func:`refine_kernel` launch (``refine=False``: the sweeps' raw
    result); the host sorts the result. ``block``: see :func:`plan`."""
    ap, n, B, T, scale = _prepare(a, block)
    if n == 0:
        return np.zeros(0, np.float32), np.zeros((0, 0), np.float32)
    tol = FP32_EPS if tol is None else tol
    consts, moves = _consts(B, T), _moves(T)

    def sweep(A, Vt):
        A, Vt, off2 = nki.simulate(jacobi_sweep_kernel)(A, Vt, consts, moves, T, B)
        return A, Vt, float(np.sqrt(max(float(np.asarray(off2).reshape(-1)[0]), 0.0)))

    A, Vt, hist = _sweeps(sweep, ap, np.eye(B * T, dtype=np.float32), tol, max_sweeps)
    if refine:
        V, wr = nki.simulate(refine_kernel)(ap, np.asarray(Vt))
    else:
        V, wr = np.asarray(Vt).T, None
    w, v = _finish(np.asarray(A), np.asarray(V), n, scale, wr)
    if return_info:
        return w, v, {"sweeps": len(hist), "off_history": hist}
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


def jacobi_sweep_reference(A, Vt, B, T):
    """One sweep of the kernel's algorithm in NumPy fp32 (same plan, formulas and
    products; float32 matmuls sum in another order than the TensorE)."""
    f = np.float32
    A, Vt = np.asarray(A, f).copy(), np.asarray(Vt, f).copy()
    n, H = B * T, B // 2
    cst = _consts(B, T)
    p1, p2 = cst[:, 2 * T * B:2 * T * B + B], cst[:, 2 * T * B + B:2 * T * B + 2 * B]
    sgn = cst[:, -1]
    moves, i = _moves(T), np.arange(H)
    for _ in range(2 * T - 1):
        S = np.stack([A[t * B:t * B + B, t * B:t * B + B] for t in range(T)])
        Q = np.broadcast_to(np.eye(B, dtype=f), (T, B, B)).copy()      # Q_t^T
        for _ in range(B - 1):
            c, s = _rotation_ref(S[:, i, i], S[:, i + H, i + H], S[:, i, i + H])
            cc, ss = np.concatenate([c, c], 1), np.concatenate([s, s], 1) * sgn
            K = (cc[:, :, None] * p1 + ss[:, :, None] * p2).astype(f)
            X = np.matmul(np.swapaxes(S, 1, 2), K)
            S = np.matmul(np.swapaxes(X, 1, 2), K)
            Q = np.matmul(np.swapaxes(K, 1, 2), Q)
        Qp = np.zeros((n, n), f)
        for t in range(T):
            for hh in range(2):
                nb = moves[2 * t + hh]
                Qp[t * B:t * B + B, nb * H:nb * H + H] = Q[t].T[:, hh * H:hh * H + H]
        X = (A.T @ Qp).astype(f)
        A = (Qp.T @ X).astype(f)
        Vt = (Qp.T @ Vt).astype(f)
    off2 = float((A.astype(np.float64) ** 2).sum() - (np.diag(A).astype(np.float64) ** 2).sum())
    return A, Vt, off2


def eigh_reference(a, *, tol=None, max_sweeps=30, return_info=False, refine=True,
                   block=None):
    """Plain NumPy version of :func:`eigh` (same sweeps, convergence test, refinement)."""
    ap, n, B, T, scale = _prepare(a, block)
    tol = FP32_EPS if tol is None else tol

    def sweep(A, Vt):
        A, Vt, off2 = jacobi_sweep_reference(A, Vt, B, T)
        return A, Vt, float(np.sqrt(max(off2, 0.0)))

    A, Vt, hist = _sweeps(sweep, ap, np.eye(B * T, dtype=np.float32), tol, max_sweeps)
    V, wr = refine_reference(ap, Vt.T) if refine else (Vt.T, None)
    w, v = _finish(A, V, n, scale, wr)
    if return_info:
        return w, v, {"sweeps": len(hist)}
    return w, v


def errors(a, w, v):
    """(eigenvalue error vs float64 LAPACK, max|V^T V - I|, max|A V - V W|), the first
    and last relative to max|w|."""
    a64 = np.asarray(a, np.float64)
    wn = np.linalg.eigvalsh(a64)
    wmax = max(np.abs(wn).max(), 1e-300)
    v64 = v.astype(np.float64)
    return (float(np.abs(w - wn).max() / wmax),
            float(np.abs(v64.T @ v64 - np.eye(len(w))).max()),
            float(np.abs(a64 @ v64 - v64 * w.astype(np.float64)).max() / wmax))


def sample_matrices(n, seed=0):
    """Symmetric fp32 test matrices: standard normal, clustered (half the spectrum at
    1 +- 1e-6) and graded (|w| from 1 down to 1e-6, random signs)."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, n))
    out = {"random": ((g + g.T) / 2).astype(np.float32)}
    for kind in ("clustered", "graded"):
        if kind == "clustered":
            w = np.r_[1.0 + 1e-6 * rng.standard_normal(n // 2),
                      -np.linspace(0.5, 2.0, n - n // 2)]
        else:
            w = np.sign(rng.standard_normal(n)) * 10.0 ** -rng.uniform(0, 6, n)
        q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        out[kind] = ((q * w) @ q.T).astype(np.float32)
    return out


def lapack_errors(a):
    """``errors`` of ``scipy.linalg.eigh`` on the float32 matrix: the default driver
    (``evr``) and the most accurate float32 one (``evd``)."""
    import scipy.linalg as sl      # optional dependency, only for the measurement
    return {d: errors(a, *sl.eigh(a, driver=d)) for d in ("evr", "evd")}


def measure(sizes=(64, 128, 200, 256, 512), seed=0, reference=False):
    """Sweeps and errors (:func:`errors`) against LAPACK's float32 ones, per matrix kind
    (``reference=True``: the NumPy mirror :func:`eigh_reference`, fast for large n)."""
    rows = []
    for n in sizes:
        for kind, a in sample_matrices(n, seed).items():
            w, v, info = (eigh_reference if reference else eigh)(a, return_info=True)
            rows.append({"n": n, "kind": kind, "sweeps": info["sweeps"],
                         "errors": errors(a, w, v), "lapack": lapack_errors(a)})
    return rows


def estimate(n, sweeps=1, block=None):
    """Cost-model report of ``sweeps`` sweep kernels for an ``n x n`` matrix (dry run)."""
    import kernels.emulator as emu      # lazy: the cost model is the emulator's
    B, T = plan(n, block)
    z = np.zeros((B * T, B * T), np.float32)
    consts, moves = _consts(B, T), _moves(T)
    with emu.dry_run(), emu.profile() as prof:
        for _ in range(sweeps):
            emu.nki.simulate(jacobi_sweep_kernel)(z, z, consts, moves, T, B)
    return prof.report()
