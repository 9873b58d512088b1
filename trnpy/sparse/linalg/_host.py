"""The parts of ``scipy.sparse.linalg`` with no device implementation in trnpy (sparse
LU and ILU, ARPACK, PROPACK, LOBPCG, the matrix functions, norms and norm estimates):
they run on the host through SciPy, explicitly.

Every call is counted in ``trnpy.ROUTES`` under its name (``"numpy"``: it ran on the
host); called with operands on another device it is also a recorded fallback
(``trnpy.routing_report()`` lists it), and on the neuron device under
``trnpy.strict_kernels()`` it is refused with ``KernelFallbackError`` before any data
moves. Results come back as trnpy arrays (dense, or ``trnpy.sparse`` in SciPy's format)
on the operands' device; a trnpy ``LinearOperator`` given to ARPACK or LOBPCG keeps
computing its products on its own device (a host round trip per product).
"""
from __future__ import annotations

import numpy as np

from ... import _convert, sparse as _sparse
from ..._array import TrnArray
from ..._creation import asnumpy
from ..._devices import CPU
from ..._kernel_registry import host_step
from .._construct import _rng
from ._interface import LinearOperator, operator_device

__all__ = ["norm", "onenormest", "expm_multiply", "matrix_power", "expm", "inv",
           "spsolve", "spsolve_triangular", "splu", "spilu", "factorized", "SuperLU",
           "eigsh", "eigs", "svds", "lobpcg", "LaplacianNd", "is_sptriangular",
           "spbandwidth", "funm_multiply_krylov", "use_solver"]



def _sla():
    import scipy.sparse.linalg as sla  # lazy: SciPy is optional; these steps run in it
    return sla


def _sp():
    import scipy.sparse as sp  # lazy: SciPy is optional (its sparse classes on the host)
    return sp


def _device_of(*objs):
    for o in objs:
        if isinstance(o, TrnArray) or _sparse.issparse(o):
            return o.device
        if isinstance(o, LinearOperator) and operator_device(o) is not None:
            return operator_device(o)
    return _convert.target_device(None)


def _on_host(op, dev):
    """Count (and on the neuron device under strict mode refuse) a host step."""
    host_step(f"sparse.linalg.{op}", f"sparse.linalg.{op}", dev)


def _h(x):
    """An operand on the host, as SciPy takes it."""
    if isinstance(x, TrnArray):
        return asnumpy(x)
    if _sparse.issparse(x):
        # the CPU's NumPy route holds SciPy's object: SciPy gets it as its own callers do
        return x._S if x._S is not None and x.device is CPU else x.get()
    if isinstance(x, LinearOperator):
        return _host_operator(x)
    if isinstance(x, (list, tuple)) and any(isinstance(v, TrnArray) for v in x):
        return type(x)(_h(v) for v in x)
    return x


def _host_operator(A):
    """A SciPy LinearOperator whose products run on ``A``'s device."""
    dev = operator_device(A) or _convert.target_device(None)

    def call(fn):
        return lambda x: asnumpy(fn(_convert.asarray(np.ascontiguousarray(x), device=dev)))

    return _sla().LinearOperator(A.shape, matvec=call(A.matvec), rmatvec=call(A.rmatvec),
                                 matmat=call(A.matmat), rmatmat=call(A.rmatmat),
                                 dtype=A.dtype)


def _back(r, dev):
    """A SciPy result as trnpy objects on ``dev``."""
    sp = _sp()
    if isinstance(r, tuple):
        return tuple(_back(v, dev) for v in r)
    if isinstance(r, list):
        return [_back(v, dev) for v in r]
    if sp.issparse(r):
        kind = "matrix" if isinstance(r, sp.spmatrix) else "array"
        cls = getattr(_sparse, f"{r.format}_{kind}", None) or \
            getattr(_sparse, f"{r.format}_array", None)
        if cls is None:
            r, cls = r.tocsr(), getattr(_sparse, f"csr_{kind}", None) or _sparse.csr_array
        return cls(r, device=dev)
    if isinstance(r, np.ndarray):
        return _convert.asarray(r, device=dev)
    if isinstance(r, np.generic):
        return _convert.wrap(r, dev)
    return r


def _call(op, *args, **kwargs):
    dev = _device_of(*args, *kwargs.values())
    _on_host(op, dev)
    r = getattr(_sla(), op)(*[_h(a) for a in args], **{k: _h(v) for k, v in kwargs.items()})
    return _back(r, dev)


def norm(x, ord=None, axis=None):
    """Norm of a sparse matrix (``scipy.sparse.linalg.norm``)."""
    return _call("norm", x, ord=ord, axis=axis)


def onenormest(A, t=2, itmax=5, compute_v=False, compute_w=False):
    """Lower bound of the 1-norm (``scipy.sparse.linalg.onenormest``)."""
    return _call("onenormest", A, t=t, itmax=itmax, compute_v=compute_v,
                 compute_w=compute_w)


def expm_multiply(A, B, start=None, stop=None, num=None, endpoint=None, traceA=None):
    """``expm(t A) @ B`` (``scipy.sparse.linalg.expm_multiply``)."""
    return _call("expm_multiply", A, B, start=start, stop=stop, num=num,
                 endpoint=endpoint, traceA=traceA)


def matrix_power(A, power):
    """``A ** power`` as a matrix power (``scipy.sparse.linalg.matrix_power``)."""
    return _call("matrix_power", A, power)


def expm(A):
    """Matrix exponential (``scipy.sparse.linalg.expm``)."""
    return _call("expm", A)


def inv(A):
    """Sparse inverse (``scipy.sparse.linalg.inv``)."""
    return _call("inv", A)


def spsolve(A, b, permc_spec=None, use_umfpack=True):
    """Solve ``A x = b`` by sparse LU (``scipy.sparse.linalg.spsolve``)."""
    return _call("spsolve", A, b, permc_spec=permc_spec, use_umfpack=use_umfpack)


def spsolve_triangular(A, b, lower=True, overwrite_A=False, overwrite_b=False,
                       unit_diagonal=False):
    """Solve a triangular sparse system (``scipy.sparse.linalg.spsolve_triangular``);
    the caller's arrays are never overwritten (host copies)."""
    return _call("spsolve_triangular", A, b, lower=lower, overwrite_A=overwrite_A,
                 overwrite_b=overwrite_b, unit_diagonal=unit_diagonal)


def is_sptriangular(A):
    """``(lower, upper)`` triangularity (``scipy.sparse.linalg.is_sptriangular``)."""
    return _call("is_sptriangular", A)


def spbandwidth(A):
    """``(below, above)`` bandwidths (``scipy.sparse.linalg.spbandwidth``)."""
    return _call("spbandwidth", A)


class SuperLU:
    """A sparse LU factorisation held on the host (SciPy's ``SuperLU``); ``solve`` takes
    and returns trnpy arrays on the factorised matrix's device."""

    def __init__(self, lu, dev, op):
        self._lu, self._dev, self._op = lu, dev, op

    shape = property(lambda self: self._lu.shape)
    nnz = property(lambda self: self._lu.nnz)
    perm_r = property(lambda self: _convert.asarray(self._lu.perm_r, device=self._dev))
    perm_c = property(lambda self: _convert.asarray(self._lu.perm_c, device=self._dev))
    L = property(lambda self: _back(self._lu.L, self._dev))
    U = property(lambda self: _back(self._lu.U, self._dev))

    def solve(self, rhs, trans="N"):
        _on_host(f"{self._op}.solve", self._dev)
        return _back(self._lu.solve(_h(rhs), trans=trans), self._dev)


def splu(A, permc_spec=None, diag_pivot_thresh=None, relax=None, panel_size=None,
         options=None):
    """Sparse LU (``scipy.sparse.linalg.splu``), factorised on the host."""
    dev = _device_of(A)
    _on_host("splu", dev)
    kw = dict(permc_spec=permc_spec, diag_pivot_thresh=diag_pivot_thresh, relax=relax,
              panel_size=panel_size, options={} if options is None else options)
    return SuperLU(_sla().splu(_h(A), **kw), dev, "splu")


def spilu(A, drop_tol=None, fill_factor=None, drop_rule=None, permc_spec=None,
          diag_pivot_thresh=None, relax=None, panel_size=None, options=None):
    """Incomplete LU (``scipy.sparse.linalg.spilu``), factorised on the host."""
    dev = _device_of(A)
    _on_host("spilu", dev)
    kw = dict(drop_tol=drop_tol, fill_factor=fill_factor, drop_rule=drop_rule,
              permc_spec=permc_spec, diag_pivot_thresh=diag_pivot_thresh, relax=relax,
              panel_size=panel_size, options=options)
    return SuperLU(_sla().spilu(_h(A), **kw), dev, "spilu")


def factorized(A):
    """A function solving ``A x = b`` with A's LU (``scipy.sparse.linalg.factorized``)."""
    dev = _device_of(A)
    _on_host("factorized", dev)
    solve = _sla().factorized(_h(A))

    def solve_on_host(b):
        _on_host("factorized.solve", dev)
        return _back(solve(_h(b)), dev)
    return solve_on_host


def eigsh(A, k=6, M=None, sigma=None, which="LM", v0=None, ncv=None, maxiter=None,
          tol=0, return_eigenvectors=True, Minv=None, OPinv=None, mode="normal", rng=None):
    """Eigenpairs of a symmetric/Hermitian matrix or operator by ARPACK
    (``scipy.sparse.linalg.eigsh``), on the host."""
    return _call("eigsh", A, k=k, M=M, sigma=sigma, which=which, v0=v0, ncv=ncv,
                 maxiter=maxiter, tol=tol, return_eigenvectors=return_eigenvectors,
                 Minv=Minv, OPinv=OPinv, mode=mode, rng=_rng(rng))


def eigs(A, k=6, M=None, sigma=None, which="LM", v0=None, ncv=None, maxiter=None,
         tol=0, return_eigenvectors=True, Minv=None, OPinv=None, OPpart=None, rng=None):
    """Eigenpairs of a square matrix or operator by ARPACK (``scipy.sparse.linalg.eigs``),
    on the host."""
    return _call("eigs", A, k=k, M=M, sigma=sigma, which=which, v0=v0, ncv=ncv,
                 maxiter=maxiter, tol=tol, return_eigenvectors=return_eigenvectors,
                 Minv=Minv, OPinv=OPinv, OPpart=OPpart, rng=_rng(rng))


def svds(A, k=6, ncv=None, tol=0, which="LM", v0=None, maxiter=None,
         return_singular_vectors=True, solver="arpack", rng=None, options=None, *,
         random_state=None):
    """Partial SVD (``scipy.sparse.linalg.svds``), on the host."""
    # random_state: SciPy's older name for rng, passed only when given (SciPy warns)
    return _call("svds", A, k=k, ncv=ncv, tol=tol, which=which, v0=v0, maxiter=maxiter,
                 return_singular_vectors=return_singular_vectors, solver=solver,
                 rng=_rng(rng), options=options,
                 **({} if random_state is None else {"random_state": _rng(random_state)}))


def funm_multiply_krylov(f, A, b, *, assume_a="general", t=1.0, atol=0.0, rtol=1e-06,
                         restart_every_m=None, max_restarts=20):
    """``f(t A) @ b`` by restarted Krylov (``scipy.sparse.linalg.funm_multiply_krylov``),
    on the host."""
    return _call("funm_multiply_krylov", f, A, b, assume_a=assume_a, t=t, atol=atol,
                 rtol=rtol, restart_every_m=restart_every_m, max_restarts=max_restarts)


def use_solver(**kwargs):
    """SciPy's ``use_solver`` (the host ``spsolve``/``factorized`` are SciPy's)."""
    _sla().use_solver(**kwargs)


def lobpcg(A, X, B=None, M=None, Y=None, tol=None, maxiter=None, largest=True,
           verbosityLevel=0, retLambdaHistory=False, retResidualNormsHistory=False,
           restartControl=20):
    """LOBPCG eigensolver (``scipy.sparse.linalg.lobpcg``), on the host."""
    return _call("lobpcg", A, X, B=B, M=M, Y=Y, tol=tol, maxiter=maxiter, largest=largest,
                 verbosityLevel=verbosityLevel, retLambdaHistory=retLambdaHistory,
                 retResidualNormsHistory=retResidualNormsHistory,
                 restartControl=restartControl)


class LaplacianNd(LinearOperator):
    """The grid Laplacian (``scipy.sparse.linalg.LaplacianNd``): products on the device
    (``device=``, default the default device) with its sparse matrix; ``eigenvalues``,
    ``eigenvectors``, ``toarray`` and ``tosparse`` as SciPy computes them."""

    def __init__(self, grid_shape, *, boundary_conditions="neumann", dtype=np.int8,
                 device=None):
        self._lap = _sla().LaplacianNd(grid_shape, boundary_conditions=boundary_conditions,
                                       dtype=dtype)
        self.grid_shape = self._lap.grid_shape
        self.boundary_conditions = boundary_conditions
        self._device = _convert.target_device(device)
        super().__init__(self._lap.dtype, self._lap.shape)
        self._S = None

    def _sparse(self):
        if self._S is None:
            self._S = _sparse.csr_array(self._lap.tosparse().tocsr(), device=self._device)
        return self._S

    def eigenvalues(self, m=None):
        return _convert.asarray(self._lap.eigenvalues(m), device=self._device)

    def eigenvectors(self, m=None):
        return _convert.asarray(self._lap.eigenvectors(m), device=self._device)

    def toarray(self):
        return _convert.asarray(self._lap.toarray(), device=self._device)

    def tosparse(self):
        return _back(self._lap.tosparse(), self._device)

    def _matvec(self, x):
        return self._sparse() @ x

    _matmat = _matvec

    def _adjoint(self):
        return self

    def _transpose(self):
        return self
