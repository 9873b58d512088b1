"""``trnpy.sparse.linalg`` against ``scipy.sparse.linalg`` (the oracle): the Krylov
solvers' ``info``, iteration counts (through ``callback``) and solutions on SPD,
nonsymmetric and indefinite systems on both CPU backends; ``LinearOperator``'s algebra;
the host steps (sparse LU, ARPACK, matrix functions) and their routing records; CG on
the emulated neuron device with its products on the BSR kernel."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from hypothesis import given, settings
from hypothesis import strategies as st

import trnpy
import trnpy.sparse.linalg as tla
from _helpers import examples
from trnpy import sparse as ts

from conftest import assert_matches, to_np
from kernel_helpers import OnKernel, clean_policy, emulator_only  # noqa: F401

_clean_policy = pytest.fixture(autouse=True)(clean_policy.__wrapped__)

KRYLOV = ["cg", "bicg", "bicgstab", "cgs", "gmres", "qmr", "minres", "tfqmr", "lgmres", "gcrotmk"]
COUNTED = ["cg", "gmres", "bicgstab", "minres"]        # iteration counts equal SciPy's


def _systems(n=48, seed=0):
    rng = np.random.default_rng(seed)
    lap = sp.diags_array([-1.0, 2.1, -1.0], offsets=[-1, 0, 1], shape=(n, n))
    nonsym = sp.random_array((n, n), density=0.08, rng=rng) + 3 * sp.eye_array(n)
    indef = lap - 0.4 * sp.eye_array(n)
    return {"spd": lap.tocsr(), "nonsym": nonsym.tocsr(), "indef": indef.tocsr()}


def _run(fn, A, b, **kw):
    """(x, info, calls of callback) of one solver call."""
    its = []
    if fn.__name__ == "gmres":
        kw.setdefault("callback_type", "x")
    x, info = fn(A, b, callback=lambda xk: its.append(1), **kw)
    return x, info, len(its)


def _close(x, ref, rtol):
    x, ref = to_np(x), np.asarray(ref)
    assert x.shape == ref.shape
    np.testing.assert_allclose(x, ref, rtol=0, atol=rtol * max(1.0, np.abs(ref).max()))


@pytest.mark.parametrize("system", ["spd", "nonsym", "indef"])
@pytest.mark.parametrize("solver", KRYLOV)
def test_krylov_info_iterations_and_solution(backend, solver, system):
    S = _systems()[system]
    b = np.random.default_rng(1).standard_normal(S.shape[0])
    b0 = b.copy()
    kw = dict(rtol=1e-8, maxiter=6 if solver == "gmres" else 120)   # gmres: restarts
    xs, infos, its_s = _run(getattr(sla, solver), S, b, **kw)
    x, info, its = _run(getattr(tla, solver), ts.csr_array(S), b, **kw)
    assert type(info) is int and info == infos
    assert isinstance(x, trnpy.TrnArray) and x.dtype == xs.dtype and x.device == trnpy.device("cpu")
    if backend == "numpy" or system == "nonsym":
        # the NumPy route multiplies with SciPy's own kernel: the same iterates. Torch's
        # sums round differently, which chaotic solvers (BiCGSTAB on ill-conditioned
        # systems) amplify into other counts; the well-conditioned one matches on both.
        assert its == its_s
    elif solver in ("cg", "minres", "gmres"):
        assert abs(its - its_s) <= 1
    if infos == 0:
        _close(x, xs, 1e-6)
    np.testing.assert_array_equal(b, b0)


@st.composite
def _problems(draw):
    n = draw(st.integers(1, 24))
    kind = draw(st.sampled_from(["spd", "nonsym"]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    cplx = draw(st.booleans())
    R = rng.standard_normal((n, n)) * (rng.random((n, n)) < 0.3)
    if cplx:
        R = R + 1j * rng.standard_normal((n, n)) * (rng.random((n, n)) < 0.3)
    D = R @ R.conj().T + np.eye(n) * draw(st.sampled_from([0.1, 1.0, 5.0])) \
        if kind == "spd" else R + np.eye(n) * 3
    b = rng.standard_normal(n) + (1j * rng.standard_normal(n) if cplx else 0)
    if draw(st.booleans()):
        b[rng.random(n) < 0.5] = 0
    x0 = draw(st.sampled_from([None, "zeros", "random"]))
    x0 = None if x0 is None else np.zeros(n) if x0 == "zeros" else rng.standard_normal(n)
    return dict(D=D, b=b, x0=x0, kind=kind,
                rtol=draw(st.sampled_from([1e-3, 1e-6, 1e-10])),
                atol=draw(st.sampled_from([0.0, 1e-8])),
                maxiter=draw(st.sampled_from([None, 1, 3, 10])),
                jacobi=draw(st.booleans()), fmt=draw(st.sampled_from(["csr", "csc", "dense"])),
                restart=draw(st.sampled_from([None, 2, 5])))


@settings(max_examples=examples(40), deadline=None)
@given(p=_problems())
def test_counted_solvers_match_scipy_exactly(p):
    """cg, gmres, bicgstab and minres on the NumPy route: the same info, iteration
    count and iterates as SciPy (x0, maxiter, rtol/atol, a Jacobi preconditioner,
    complex systems, gmres's restart and callback types)."""
    D, b = p["D"], p["b"]
    S = D if p["fmt"] == "dense" else sp.csr_array(D)
    A = D if p["fmt"] == "dense" else getattr(ts, f"{p['fmt']}_array")(S)
    Ms = sp.diags_array(1 / D.diagonal().real) if p["jacobi"] else None
    M = None if Ms is None else ts.csr_array(Ms)
    solvers = ["gmres", "bicgstab"] + (["cg", "minres"] if p["kind"] == "spd" else [])
    for name in solvers:
        kw = dict(x0=p["x0"], rtol=p["rtol"], maxiter=p["maxiter"])
        if name != "minres":
            kw["atol"] = p["atol"]
        if name == "minres" and np.iscomplexobj(D):
            continue                           # SciPy's minres is for real systems
        if name == "gmres":
            kw["restart"] = p["restart"]
        types = ["x", "pr_norm", "legacy"] if name == "gmres" else [None]
        for ct in types:
            extra = {} if ct is None else {"callback_type": ct}
            got, ref = [], []
            xs, infos = getattr(sla, name)(S, b, M=Ms, callback=ref.append, **kw, **extra)
            x, info = getattr(tla, name)(A, b, M=M, callback=got.append, **kw, **extra)
            assert info == infos and len(got) == len(ref), (name, ct)
            if ct == "pr_norm" or ct == "legacy":
                np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-13)
            _close(x, xs, 1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.complex128])
def test_dtypes_follow_scipy(backend, dtype):
    S = _systems(30)["nonsym"].astype(dtype)
    b = np.arange(30.0) % 7
    for name in ["gmres", "bicgstab", "bicg", "qmr", "tfqmr", "cgs"]:
        kw = {"callback_type": "x"} if name == "gmres" else {}
        xs, infos = getattr(sla, name)(S, b, rtol=1e-5, **kw)
        x, info = getattr(tla, name)(ts.csr_array(S), b, rtol=1e-5, **kw)
        assert info == infos and x.dtype == xs.dtype, name
        _close(x, xs, 1e-3 if np.dtype(dtype).itemsize <= 8 else 1e-6)


def test_zero_rhs_and_exact_start(backend):
    S = _systems(10)["spd"]
    for name in KRYLOV:
        x, info = getattr(tla, name)(ts.csr_array(S), np.zeros(10))
        xs, infos = getattr(sla, name)(S, np.zeros(10))
        assert info == infos == 0
        assert_matches(x, xs)
    xe = sla.spsolve(S.tocsc(), np.ones(10))
    for name in COUNTED:
        got, ref = [], []
        kw = {"callback_type": "x"} if name == "gmres" else {}
        sla_x = getattr(sla, name)(S, S @ xe, x0=xe, callback=ref.append, **kw)
        x, info = getattr(tla, name)(ts.csr_array(S), S @ xe, x0=xe, callback=got.append,
                                     **kw)
        assert (info, len(got)) == (sla_x[1], len(ref))


def _same_stop(got, ref, backend):
    """istop and itn as SciPy's; torch's sparse products round differently from SciPy's,
    which can move a tight (1e-10) stopping test by one iteration."""
    assert got[1] == ref[1]
    assert got[2] == ref[2] if backend == "numpy" else abs(got[2] - ref[2]) <= 1


def test_least_squares_vs_scipy(backend):
    rng = np.random.default_rng(4)
    S = sp.random_array((50, 30), density=0.2, rng=rng).tocsr()
    b = rng.standard_normal(50)
    for kw in [{}, {"damp": 0.5}, {"x0": np.ones(30)}, {"atol": 1e-10, "btol": 1e-10}]:
        ref = sla.lsqr(S, b, **kw)
        got = tla.lsqr(ts.csr_array(S), b, **kw)
        _same_stop(got, ref, backend)
        _close(got[0], ref[0], 1e-5)
        # r1norm, r2norm, xnorm; anorm and acond are estimates; arnorm is at rounding level
        np.testing.assert_allclose([got[i] for i in (3, 4, 5, 6, 8)],
                                   [ref[i] for i in (3, 4, 5, 6, 8)], rtol=5e-2)
        assert abs(got[7] - ref[7]) <= 1e-5 * ref[5] * ref[3]
        kw2 = {("maxiter" if k == "iter_lim" else k): v for k, v in kw.items()}
        ref = sla.lsmr(S, b, **kw2)
        got = tla.lsmr(ts.csr_array(S), b, **kw2)
        _same_stop(got, ref, backend)
        _close(got[0], ref[0], 1e-5)
        np.testing.assert_allclose([got[i] for i in (3, 5, 6, 7)],
                                   [ref[i] for i in (3, 5, 6, 7)], rtol=5e-2)
        assert abs(got[4] - ref[4]) <= 1e-5 * ref[5] * ref[3]


# -- LinearOperator ------------------------------------------------------------------------
class _Diag(tla.LinearOperator):
    def __init__(self, d):
        super().__init__(np.dtype(d.dtype), (len(d), len(d)))
        self.d = d

    def _matvec(self, x):
        return self.d * x.reshape(-1)

    def _rmatvec(self, x):
        return np.conj(self.d) * x.reshape(-1)


def test_linear_operator_algebra_vs_scipy(backend):
    rng = np.random.default_rng(2)
    D = rng.standard_normal((5, 4)) + 1j * rng.standard_normal((5, 4))
    E = rng.standard_normal((5, 4))
    Q = rng.standard_normal((4, 4))
    x, y, X = rng.standard_normal(4), rng.standard_normal(5), rng.standard_normal((4, 3))
    pairs = [(tla.aslinearoperator(D), sla.aslinearoperator(D)),
             (tla.aslinearoperator(trnpy.asarray(E)), sla.aslinearoperator(E)),
             (tla.aslinearoperator(ts.csr_array(E)), sla.aslinearoperator(sp.csr_array(E))),
             (tla.aslinearoperator(sp.csc_array(E)), sla.aslinearoperator(sp.csc_array(E))),
             (tla.aslinearoperator(sla.aslinearoperator(E)), sla.aslinearoperator(E)),
             (tla.LinearOperator((5, 4), matvec=lambda v: trnpy.asarray(E) @ v,
                                 rmatvec=lambda v: trnpy.asarray(E).T @ v),
              sla.LinearOperator((5, 4), matvec=lambda v: E @ v, rmatvec=lambda v: E.T @ v))]
    for T, S in pairs:
        assert T.shape == S.shape and T.dtype == S.dtype
        for got, ref in [(T.matvec(x), S.matvec(x)), (T.rmatvec(y), S.rmatvec(y)),
                         (T.matvec(x[:, None]), S.matvec(x[:, None])),
                         (T.matmat(X), S.matmat(X)), (T @ x, S @ x), (T * X, S * X),
                         (T.dot(X), S.dot(X)), (T.H @ y, S.H @ y), (T.T @ y, S.T @ y),
                         (T.adjoint().matmat(y[:, None]), S.adjoint().matmat(y[:, None])),
                         ((2 * T) @ x, (2 * S) @ x), ((T + T) @ x, (S + S) @ x),
                         ((T - T / 2) @ x, (S - S / 2) @ x), ((-T).rmatvec(y), (-S).rmatvec(y)),
                         ((T * tla.aslinearoperator(Q)) @ x, (S * sla.aslinearoperator(Q)) @ x),
                         (y @ T, y @ S), (T(x), S(x)), (T.rmatmat(y[:, None]), S.rmatmat(y[:, None]))]:
            assert isinstance(got, trnpy.TrnArray)
            assert_matches(got, ref, rtol=1e-12, atol=1e-12)
        assert repr(T).split(" with ")[1] == repr(S).split(" with ")[1]
    P, Ps = tla.aslinearoperator(Q), sla.aslinearoperator(Q)
    assert_matches((P ** 3) @ x, (Ps ** 3) @ x, rtol=1e-12)
    assert_matches((P ** 2).H @ x, (Ps ** 2).H @ x, rtol=1e-12)
    d = np.array([1.0, 2, 3, 4])
    Dop = _Diag(d)
    assert_matches(Dop @ x, d * x)
    assert_matches(Dop.H @ x, d * x)
    assert_matches(Dop.matmat(X), d[:, None] * X)


def test_linear_operator_errors_match_scipy():
    E = np.ones((5, 4))
    cases = [lambda m, A: A.matvec(np.ones(3)), lambda m, A: A.rmatvec(np.ones(4)),
             lambda m, A: A.matmat(np.ones(4)), lambda m, A: A.matmat(np.ones((3, 2))),
             lambda m, A: A @ 2.0, lambda m, A: A + A.T, lambda m, A: A * A,
             lambda m, A: A ** 2, lambda m, A: A / np.ones(2),
             lambda m, A: m.LinearOperator((2, 3, 4), matvec=lambda v: v),
             lambda m, A: m.aslinearoperator(np.ones((2, 2, 2))),
             lambda m, A: m.aslinearoperator("x"),
             lambda m, A: m.aslinearoperator(np.ones((4, 4))) ** 1.5]
    for case in cases:
        errs = []
        for m, A in [(sla, sla.aslinearoperator(E)), (tla, tla.aslinearoperator(E))]:
            with pytest.raises(Exception) as e:
                case(m, A)
            errs.append((type(e.value), str(e.value)))
        assert errs[0][0] is errs[1][0], errs
        assert errs[0][1].split(":")[0] == errs[1][1].split(":")[0], errs
    with pytest.warns(RuntimeWarning, match="_matvec and _matmat"):
        type("Bad", (tla.LinearOperator,), {})(np.float64, (2, 2))


def _err(fn):
    try:
        fn()
    except Exception as e:            # noqa: BLE001 (the oracle's class and message)
        return type(e), str(e)
    return None


@pytest.mark.parametrize("solver", KRYLOV)
def test_bad_input_raises_scipys_error(backend, solver):
    S = _systems(6)["nonsym"]
    bad = [((S, np.ones(5)), {}), ((S, np.ones(6)), {"x0": np.ones(4)}),
           ((S[:, :5], np.ones(6)), {}), ((S, np.ones((6, 2))), {}),
           ((S, np.ones(6)), {"M": np.eye(5)}), ((S, np.ones(6)), {"atol": -1.0})]
    if solver == "qmr":
        bad = [c for c in bad if "M" not in c[1]]
    if solver in ("lgmres", "gcrotmk"):
        bad.append(((S, np.array([1.0, np.inf, 0, 0, 0, 0])), {}))
    for args, kw in bad:
        if solver == "minres" and "atol" in kw:
            continue
        expected = _err(lambda: getattr(sla, solver)(*args, **kw))
        assert expected is not None
        targs = (ts.csr_array(args[0]), args[1])
        got = _err(lambda: getattr(tla, solver)(*targs, **kw))
        assert got is not None and got[0] is expected[0], (args, kw, got, expected)
        assert got[1].replace("scipy.sparse", "").split("(")[0] == \
            expected[1].replace("scipy.sparse", "").split("(")[0]
    with pytest.raises(ValueError, match="Unknown callback_type"):
        tla.gmres(ts.csr_array(S), np.ones(6), callback_type="bad")
    with pytest.warns(DeprecationWarning, match="callback_type"):
        tla.gmres(ts.csr_array(S), np.ones(6), callback=lambda r: None)


def test_numpy_route_runs_scipys_solver_on_views():
    """On the CPU's NumPy route each Krylov solver is SciPy's own: iterates equal bit for
    bit, callbacks get trnpy views, trnpy operators (A and M) are called with trnpy
    arrays; lgmres's in/out ``outer_v`` keeps the trnpy solver (trnpy vectors in it)."""
    S = _systems(40)["spd"]
    b = np.random.default_rng(5).standard_normal(40)
    ref, got = [], []
    xs, infos = sla.cg(S, b, rtol=1e-10, callback=lambda xk: ref.append(xk.copy()))
    x, info = tla.cg(ts.csr_array(S), trnpy.asarray(b), rtol=1e-10,
                     callback=lambda xk: got.append((type(xk), to_np(xk).copy())))
    assert info == infos and len(got) == len(ref)
    assert all(t is trnpy.TrnArray for t, _ in got)
    np.testing.assert_array_equal(np.array([g for _, g in got]), np.array(ref))
    np.testing.assert_array_equal(to_np(x), xs)
    seen = []
    d = trnpy.asarray(1 / S.diagonal())

    def psolve(v):
        seen.append(type(v))
        return d * v
    A = tla.LinearOperator(S.shape, matvec=lambda v: ts.csr_array(S) @ v, dtype=S.dtype)
    M = tla.LinearOperator(S.shape, matvec=psolve, dtype=S.dtype)
    xs, infos = sla.cg(S, b, M=sla.LinearOperator(S.shape, matvec=lambda v: v / S.diagonal()))
    x, info = tla.cg(A, b, M=M)
    assert info == infos and set(seen) == {trnpy.TrnArray}
    _close(x, xs, 1e-12)
    outer_v = []
    x, info = tla.lgmres(ts.csr_array(S), b, outer_v=outer_v)
    xs, infos = sla.lgmres(S, b, outer_v=[])
    assert info == infos and outer_v and all(isinstance(v, trnpy.TrnArray)
                                             for pair in outer_v for v in pair)
    _close(x, xs, 1e-6)


# -- host steps through SciPy --------------------------------------------------------------
def test_direct_solvers_and_factorisations(backend):
    S = (_systems(40)["nonsym"] + sp.eye_array(40)).tocsc()
    A = ts.csc_array(S)
    b = np.arange(40.0)
    B = np.arange(80.0).reshape(40, 2)
    assert_matches(tla.spsolve(A, b), sla.spsolve(S, b), rtol=1e-12, atol=1e-12)
    assert_matches(tla.spsolve(A, trnpy.asarray(B)), sla.spsolve(S, B), rtol=1e-12, atol=1e-12)
    lu, lus = tla.splu(A), sla.splu(S)
    assert_matches(lu.solve(b), lus.solve(b), rtol=1e-12, atol=1e-12)
    assert_matches(lu.solve(b, trans="T"), lus.solve(b, trans="T"), rtol=1e-12, atol=1e-12)
    assert lu.shape == lus.shape and lu.nnz == lus.nnz
    assert_matches(lu.perm_r, lus.perm_r)
    assert_matches(lu.L.toarray(), lus.L.toarray())
    ilu = tla.spilu(A, drop_tol=1e-3)
    assert_matches(ilu.solve(b), sla.spilu(S, drop_tol=1e-3).solve(b), rtol=1e-12, atol=1e-12)
    assert_matches(tla.factorized(A)(b), sla.factorized(S)(b), rtol=1e-12, atol=1e-12)
    Linv = tla.inv(A)
    assert Linv.format == "csc"
    assert_matches(Linv.toarray(), sla.inv(S).toarray(), rtol=1e-12, atol=1e-12)
    T = sp.tril(S, format="csr")
    assert_matches(tla.spsolve_triangular(ts.csr_array(T), b),
                   sla.spsolve_triangular(T, b), rtol=1e-12, atol=1e-12)
    assert tla.is_sptriangular(ts.csr_array(T)) == sla.is_sptriangular(T)
    assert tla.spbandwidth(A) == sla.spbandwidth(S)
    assert trnpy.ROUTES[("sparse.linalg.spsolve", "numpy")] == 2
    assert trnpy.ROUTES[("sparse.linalg.splu.solve", "numpy")] == 2


def test_matrix_functions_and_norms(backend):
    S = (_systems(30)["nonsym"] * 0.2).tocsc()
    A = ts.csc_array(S)
    v = np.linspace(0, 1, 30)
    assert_matches(tla.expm(A).toarray(), sla.expm(S).toarray(), rtol=1e-12, atol=1e-12)
    assert_matches(tla.expm(trnpy.asarray(S.toarray())), sla.expm(S.toarray()), rtol=1e-12)
    assert_matches(tla.expm_multiply(A, v), sla.expm_multiply(S, v), rtol=1e-12, atol=1e-12)
    assert_matches(tla.expm_multiply(A, v, start=0, stop=1, num=3, endpoint=True),
                   sla.expm_multiply(S, v, start=0, stop=1, num=3, endpoint=True), rtol=1e-12,
                   atol=1e-12)
    P = tla.matrix_power(ts.csr_array(S), 3)
    assert P.format == "csr"
    assert_matches(P.toarray(), sla.matrix_power(S.tocsr(), 3).toarray(), rtol=1e-12, atol=1e-12)
    for ord_ in [None, "fro", 1, -1, np.inf, -np.inf]:
        assert tla.norm(A, ord_) == pytest.approx(sla.norm(S, ord_), rel=1e-14)
    assert_matches(tla.norm(A, axis=0), sla.norm(S, axis=0), rtol=1e-14)
    assert tla.onenormest(A) == sla.onenormest(S)
    assert tla.onenormest(tla.aslinearoperator(A)) == pytest.approx(sla.onenormest(S))


def test_eigensolvers(backend):
    S = _systems(60)["spd"]
    A = ts.csr_array(S)
    w, V = tla.eigsh(A, k=4, which="SA")
    ws = sla.eigsh(S, k=4, which="SA", return_eigenvectors=False)
    np.testing.assert_allclose(np.sort(to_np(w)), np.sort(ws), rtol=1e-10)
    assert isinstance(V, trnpy.TrnArray) and V.shape == (60, 4)
    R = to_np(A @ V) - to_np(V) * to_np(w)
    assert np.abs(R).max() < 1e-8
    # an operator: ARPACK calls back into the device products
    wo = tla.eigsh(tla.aslinearoperator(A), k=3, return_eigenvectors=False)
    np.testing.assert_allclose(np.sort(to_np(wo)), np.sort(sla.eigsh(S, k=3,
                               return_eigenvectors=False)), rtol=1e-10)
    N = _systems(60)["nonsym"]
    we = tla.eigs(ts.csr_array(N), k=3, return_eigenvectors=False, v0=np.ones(60))
    wse = sla.eigs(N, k=3, return_eigenvectors=False, v0=np.ones(60))
    np.testing.assert_allclose(np.sort_complex(to_np(we)), np.sort_complex(wse), rtol=1e-10)
    s = tla.svds(ts.csr_array(N), k=3, return_singular_vectors=False, rng=0)
    np.testing.assert_allclose(np.sort(to_np(s)), np.sort(sla.svds(
        N, k=3, return_singular_vectors=False, rng=0)), rtol=1e-10)
    X = np.random.default_rng(0).standard_normal((60, 3))
    wl, _ = tla.lobpcg(A, X, largest=False, maxiter=400, tol=1e-9)
    wls, _ = sla.lobpcg(S, X, largest=False, maxiter=400, tol=1e-9)
    np.testing.assert_allclose(to_np(wl), wls, rtol=1e-6)
    assert trnpy.ROUTES[("sparse.linalg.eigsh", "numpy")] == 2
    # rng= (SciPy 1.17's starting-vector seed) reaches ARPACK: SciPy's exact numbers
    for fn in ("eigsh", "eigs"):
        M = S if fn == "eigsh" else N
        r = getattr(tla, fn)(ts.csr_array(M), k=2, rng=np.random.default_rng(7),
                             return_eigenvectors=False)
        e = getattr(sla, fn)(M, k=2, rng=np.random.default_rng(7), return_eigenvectors=False)
        np.testing.assert_array_equal(to_np(r), e)


def test_funm_multiply_krylov_and_use_solver(backend):
    S = (_systems(30)["spd"] * 0.1).tocsr()
    b = np.linspace(-1, 1, 30)
    r = tla.funm_multiply_krylov(scipy.linalg.expm, ts.csr_array(S), b, assume_a="her")
    e = sla.funm_multiply_krylov(scipy.linalg.expm, S, b, assume_a="her")
    assert isinstance(r, trnpy.TrnArray)
    np.testing.assert_allclose(to_np(r), e, rtol=1e-13)
    tla.use_solver(useUmfpack=False)      # SciPy's setting (its spsolve is the host step)


def test_laplacian_nd(backend):
    for bc in ["neumann", "dirichlet", "periodic"]:
        L = tla.LaplacianNd((3, 5), boundary_conditions=bc)
        Ls = sla.LaplacianNd((3, 5), boundary_conditions=bc)
        x = np.arange(15.0)
        assert L.shape == Ls.shape and L.dtype == Ls.dtype
        assert_matches(L @ x, Ls @ x)
        assert_matches(L.H @ x, Ls.H @ x)
        assert_matches(L.toarray(), Ls.toarray())
        assert_matches(L.tosparse().toarray(), Ls.tosparse().toarray())
        assert_matches(L.eigenvalues(4), Ls.eigenvalues(4), rtol=1e-12)
        assert_matches(L.eigenvectors(2), Ls.eigenvectors(2), rtol=1e-12, atol=1e-12)
        xs, infos = sla.minres(-Ls.tosparse().astype(float) + sp.eye_array(15), x)
        xt, info = tla.minres(-L.tosparse().toarray().astype(np.float64) + trnpy.eye(15), x)
        assert info == infos
        _close(xt, xs, 1e-7)


def test_cpu_numpy_path_does_not_import_torch():
    code = ("import sys, numpy; import trnpy; from trnpy import sparse; "
            "import trnpy.sparse.linalg as la\n"
            "A = sparse.csr_array(numpy.eye(4) * 2)\n"
            "x, info = la.cg(A, numpy.ones(4)); la.gmres(A, numpy.ones(4)); "
            "la.minres(A, numpy.ones(4)); la.spsolve(sparse.csc_array(A), numpy.ones(4))\n"
            "print(info, 'torch' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ("TRNPY_CPU_BACKEND",
                                                            "TRNPY_DEVICE")}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "0 False"


# -- the emulated neuron device ------------------------------------------------------------
def _block_spd(n=256, seed=0):
    rng = np.random.default_rng(seed)
    R = rng.standard_normal((n, n)) * 0.02
    R[:128, 128:] = 0
    R[128:, :128] = 0                   # two diagonal 128x128 blocks: 2 stored blocks
    return (R + R.T + 2 * np.eye(n)).astype(np.float32), \
        rng.standard_normal(n).astype(np.float32)


@emulator_only
@pytest.mark.parametrize("fmt", ["bsr", "csr"])
def test_neuron_cg_runs_on_the_bsr_kernel(emulated_neuron, fmt):
    """Every product of CG on the neuron device runs the BSR kernel (a CSR matrix is
    regrouped into 128x128 blocks once)."""
    D, b = _block_spd()
    A = ts.bsr_array(D, blocksize=(128, 128), device=emulated_neuron) if fmt == "bsr" \
        else ts.csr_array(D, device=emulated_neuron)
    ref = []
    xs, infos = sla.cg(sp.bsr_array(D, blocksize=(128, 128)), b, callback=ref.append)
    got = []
    with trnpy.strict_kernels(), trnpy.force_kernels(), \
            OnKernel("bsr_spmm", calls=len(ref)):
        x, info = tla.cg(A, trnpy.asarray(b, device=emulated_neuron), callback=got.append)
    assert info == infos == 0 and len(got) == len(ref)
    assert x.device == emulated_neuron and x.dtype == np.float32
    np.testing.assert_allclose(to_np(x), xs, rtol=0, atol=1e-5 * np.abs(xs).max())


@emulator_only
def test_neuron_host_steps_are_recorded_or_refused(emulated_neuron):
    D, b = _block_spd()
    A = ts.csr_array(D, device=emulated_neuron)
    with trnpy.strict_kernels(), pytest.raises(trnpy.KernelFallbackError, match="host"):
        tla.spsolve(A, b)
    with trnpy.strict_kernels(), pytest.raises(trnpy.KernelFallbackError, match="host"):
        tla.eigsh(A, k=2)
    x = tla.spsolve(ts.csc_array(D, device=emulated_neuron), b)
    assert x.device == emulated_neuron and x.dtype == np.float32
    np.testing.assert_allclose(to_np(x), sla.spsolve(sp.csc_array(D), b), rtol=1e-5)
    assert trnpy.ROUTES[("sparse.linalg.spsolve", "numpy")] == 1
    assert "sparse.linalg.spsolve" in trnpy.routing_report()
    assert any(op == "sparse.linalg.spsolve" for op, _ in trnpy._kernel_registry.FALLBACKS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError):          # no float64 on neuron: refused, not cast
            tla.cg(A, b.astype(np.float64))
