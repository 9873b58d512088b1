"""``LinearOperator`` and ``aslinearoperator`` (SciPy 1.17's ``_interface.py``) on trnpy
arrays: an operator built from a trnpy dense or sparse matrix computes ``A @ x`` on the
matrix's device; vectors given as NumPy arrays or lists move to that device first."""
from __future__ import annotations

import functools
import inspect
import operator
import types
import warnings

import numpy as np

from ... import _convert, _dispatch, sparse as _sparse
from ..._array import TrnArray
from ..._creation import asnumpy
from ..._devices import CPU
from ..._elementwise import conj
from ..._manipulation import hstack

__all__ = ["LinearOperator", "aslinearoperator"]


def _scipy_sparse():
    import scipy.sparse as sp  # lazy: SciPy is optional (SciPy sparse inputs, host steps)
    return sp


def _scipy_sparse_linalg():
    import scipy.sparse.linalg as sla  # lazy: SciPy is optional (its solvers on the host)
    return sla


def _is_scipy_sparse(x) -> bool:
    return type(x).__module__.startswith("scipy.sparse") and _scipy_sparse().issparse(x)


def _isscalar(x) -> bool:
    return np.isscalar(x) or (isinstance(x, TrnArray) and x.ndim == 0)


def _isshape(shape) -> bool:
    try:
        return len(shape) == 2 and all(operator.index(s) >= 0 for s in shape)
    except TypeError:
        return False


def operator_device(A):
    """The device an operator computes on (None: the operands' or the default device)."""
    return getattr(A, "_device", None)


def _vec(op, x):
    """``x`` as a TrnArray on the operator's device."""
    if isinstance(x, TrnArray):
        return x
    return _convert.asarray(x, device=operator_device(op))


class LinearOperator:
    """SciPy's ``LinearOperator``: ``LinearOperator(shape, matvec, rmatvec=None,
    matmat=None, dtype=None, rmatmat=None)``, or a subclass defining ``_matvec`` /
    ``_matmat`` (and ``_rmatvec`` / ``_rmatmat`` / ``_adjoint``). Vectors are trnpy
    arrays; the operator algebra (``+``, ``*``, ``@``, ``**``, ``.H``, ``.T``) is SciPy's.
    """
    ndim = 2
    __array_ufunc__ = None
    __array_priority__ = 10.2
    __class_getitem__ = classmethod(types.GenericAlias)
    _device = None

    def __new__(cls, *args, **kwargs):
        if cls is LinearOperator:
            return super().__new__(_CustomLinearOperator)
        obj = super().__new__(cls)
        if type(obj)._matvec == LinearOperator._matvec and \
                type(obj)._matmat == LinearOperator._matmat:
            warnings.warn("LinearOperator subclass should implement at least one of "
                          "_matvec and _matmat.", category=RuntimeWarning, stacklevel=2)
        return obj

    def __init__(self, dtype, shape):
        if dtype is not None:
            dtype = np.dtype(dtype)
        shape = tuple(shape)
        if not _isshape(shape):
            raise ValueError(f"invalid shape {shape!r} (must be 2-d)")
        self.dtype = dtype
        self.shape = tuple(int(s) for s in shape)

    def _init_dtype(self):
        if self.dtype is None:
            v = _convert.asarray(np.zeros(self.shape[-1], dtype=np.int8),
                                 device=operator_device(self))
            self.dtype = np.dtype(_vec(self, self.matvec(v)).dtype)

    def _matmat(self, X):
        return hstack([self.matvec(col.reshape(-1, 1)) for col in X.T])

    def _matvec(self, x):
        return self.matmat(x.reshape(-1, 1))

    def _check_vec(self, x, n, fn, out):
        x = _vec(self, x)
        if x.shape != (n,) and x.shape != (n, 1):
            raise ValueError("dimension mismatch")
        y = _vec(self, fn(x))
        if x.ndim == 1:
            return y.reshape(out)
        return y.reshape(out, 1)

    def matvec(self, x):
        """``A @ x`` for x of shape (N,) or (N, 1)."""
        return self._check_vec(x, self.shape[1], self._matvec, self.shape[0])

    def rmatvec(self, x):
        """``A^H @ x`` for x of shape (M,) or (M, 1)."""
        return self._check_vec(x, self.shape[0], self._rmatvec, self.shape[1])

    def _rmatvec(self, x):
        if type(self)._adjoint == LinearOperator._adjoint:
            if hasattr(self, "_rmatmat") and type(self)._rmatmat != LinearOperator._rmatmat:
                return self._rmatmat(x.reshape(-1, 1)).reshape(-1)
            raise NotImplementedError
        return self.H.matvec(x)

    def _check_mat(self, X, n, fn):
        if _is_scipy_sparse(X) or _sparse.issparse(X):
            raise TypeError("Unable to multiply a LinearOperator with a sparse matrix. "
                            "Wrap the matrix in aslinearoperator first.")
        X = _vec(self, X)
        if X.ndim != 2:
            raise ValueError(f"expected 2-d ndarray or matrix, not {X.ndim}-d")
        if X.shape[0] != n:
            raise ValueError(f"dimension mismatch: {self.shape}, {X.shape}")
        return _vec(self, fn(X))

    def matmat(self, X):
        """``A @ X`` for a 2-D X."""
        return self._check_mat(X, self.shape[1], self._matmat)

    def rmatmat(self, X):
        """``A^H @ X`` for a 2-D X."""
        return self._check_mat(X, self.shape[0], self._rmatmat)

    def _rmatmat(self, X):
        if type(self)._adjoint == LinearOperator._adjoint:
            return hstack([self.rmatvec(col.reshape(-1, 1)) for col in X.T])
        return self.H.matmat(X)

    def __call__(self, x):
        return self @ x

    def __mul__(self, x):
        return self.dot(x)

    def __truediv__(self, other):
        if not np.isscalar(other):
            raise ValueError("Can only divide a linear operator by a scalar.")
        return _ScaledLinearOperator(self, 1.0 / other)

    def dot(self, x):
        if isinstance(x, LinearOperator):
            return _ProductLinearOperator(self, x)
        if np.isscalar(x):
            return _ScaledLinearOperator(self, x)
        x = _vec(self, x)
        if x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1):
            return self.matvec(x)
        if x.ndim == 2:
            return self.matmat(x)
        raise ValueError(f"expected 1-d or 2-d array or matrix, got {x!r}")

    def __matmul__(self, other):
        if np.isscalar(other):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        return self.__mul__(other)

    def __rmatmul__(self, other):
        if np.isscalar(other):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        return self.__rmul__(other)

    def __rmul__(self, x):
        if np.isscalar(x):
            return _ScaledLinearOperator(self, x)
        return self._rdot(x)

    def _rdot(self, x):
        if isinstance(x, LinearOperator):
            return _ProductLinearOperator(x, self)
        if np.isscalar(x):
            return _ScaledLinearOperator(self, x)
        x = _vec(self, x)
        if x.ndim == 1 or (x.ndim == 2 and x.shape[0] == 1):
            return self.T.matvec(x.T).T
        if x.ndim == 2:
            return self.T.matmat(x.T).T
        raise ValueError(f"expected 1-d or 2-d array or matrix, got {x!r}")

    def __pow__(self, p):
        if np.isscalar(p):
            return _PowerLinearOperator(self, p)
        return NotImplemented

    def __add__(self, x):
        if isinstance(x, LinearOperator):
            return _SumLinearOperator(self, x)
        return NotImplemented

    def __neg__(self):
        return _ScaledLinearOperator(self, -1)

    def __sub__(self, x):
        return self.__add__(-x)

    def __repr__(self):
        M, N = self.shape
        dt = "unspecified dtype" if self.dtype is None else "dtype=" + str(self.dtype)
        return f"<{M}x{N} {self.__class__.__name__} with {dt}>"

    def adjoint(self):
        """The Hermitian adjoint ``A^H`` (also ``A.H``)."""
        return self._adjoint()

    H = property(adjoint)

    def transpose(self):
        """The transpose ``A^T`` (also ``A.T``)."""
        return self._transpose()

    T = property(transpose)

    def _adjoint(self):
        return _AdjointLinearOperator(self)

    def _transpose(self):
        return _TransposedLinearOperator(self)


def _combined_device(*ops):
    devs = {operator_device(o) for o in ops} - {None}
    if len(devs) > 1:
        raise ValueError(f"operators are on different devices: {sorted(map(str, devs))}")
    return devs.pop() if devs else None


class _CustomLinearOperator(LinearOperator):
    """A LinearOperator from user functions."""

    def __init__(self, shape, matvec, rmatvec=None, matmat=None, dtype=None, rmatmat=None):
        super().__init__(dtype, shape)
        self.args = ()
        self.__matvec_impl = matvec
        self.__rmatvec_impl = rmatvec
        self.__rmatmat_impl = rmatmat
        self.__matmat_impl = matmat
        self._init_dtype()

    def _matmat(self, X):
        if self.__matmat_impl is not None:
            return self.__matmat_impl(X)
        return super()._matmat(X)

    def _matvec(self, x):
        return self.__matvec_impl(x)

    def _rmatvec(self, x):
        if self.__rmatvec_impl is None:
            raise NotImplementedError("rmatvec is not defined")
        return self.__rmatvec_impl(x)

    def _rmatmat(self, X):
        if self.__rmatmat_impl is not None:
            return self.__rmatmat_impl(X)
        return super()._rmatmat(X)

    def _adjoint(self):
        return _CustomLinearOperator(shape=(self.shape[1], self.shape[0]),
                                     matvec=self.__rmatvec_impl,
                                     rmatvec=self.__matvec_impl,
                                     matmat=self.__rmatmat_impl,
                                     rmatmat=self.__matmat_impl, dtype=self.dtype)


class _AdjointLinearOperator(LinearOperator):
    def __init__(self, A):
        super().__init__(dtype=A.dtype, shape=(A.shape[1], A.shape[0]))
        self.A = A
        self.args = (A,)
        self._device = operator_device(A)

    def _matvec(self, x):
        return self.A._rmatvec(x)

    def _rmatvec(self, x):
        return self.A._matvec(x)

    def _matmat(self, x):
        return self.A._rmatmat(x)

    def _rmatmat(self, x):
        return self.A._matmat(x)


class _TransposedLinearOperator(LinearOperator):
    def __init__(self, A):
        super().__init__(dtype=A.dtype, shape=(A.shape[1], A.shape[0]))
        self.A = A
        self.args = (A,)
        self._device = operator_device(A)

    def _matvec(self, x):
        return conj(self.A._rmatvec(conj(x)))

    def _rmatvec(self, x):
        return conj(self.A._matvec(conj(x)))

    def _matmat(self, x):
        return conj(self.A._rmatmat(conj(x)))

    def _rmatmat(self, x):
        return conj(self.A._matmat(conj(x)))


def _get_dtype(operators, dtypes=None):
    dtypes = [] if dtypes is None else dtypes
    for obj in operators:
        if obj is not None and getattr(obj, "dtype", None) is not None:
            dtypes.append(obj.dtype)
    return np.result_type(*dtypes)


class _SumLinearOperator(LinearOperator):
    def __init__(self, A, B):
        if not isinstance(A, LinearOperator) or not isinstance(B, LinearOperator):
            raise ValueError("both operands have to be a LinearOperator")
        if A.shape != B.shape:
            raise ValueError(f"cannot add {A} and {B}: shape mismatch")
        self.args = (A, B)
        self._device = _combined_device(A, B)
        super().__init__(_get_dtype([A, B]), A.shape)

    def _matvec(self, x):
        return self.args[0].matvec(x) + self.args[1].matvec(x)

    def _rmatvec(self, x):
        return self.args[0].rmatvec(x) + self.args[1].rmatvec(x)

    def _rmatmat(self, x):
        return self.args[0].rmatmat(x) + self.args[1].rmatmat(x)

    def _matmat(self, x):
        return self.args[0].matmat(x) + self.args[1].matmat(x)

    def _adjoint(self):
        A, B = self.args
        return A.H + B.H


class _ProductLinearOperator(LinearOperator):
    def __init__(self, A, B):
        if not isinstance(A, LinearOperator) or not isinstance(B, LinearOperator):
            raise ValueError("both operands have to be a LinearOperator")
        if A.shape[1] != B.shape[0]:
            raise ValueError(f"cannot multiply {A} and {B}: shape mismatch")
        self._device = _combined_device(A, B)
        super().__init__(_get_dtype([A, B]), (A.shape[0], B.shape[1]))
        self.args = (A, B)

    def _matvec(self, x):
        return self.args[0].matvec(self.args[1].matvec(x))

    def _rmatvec(self, x):
        return self.args[1].rmatvec(self.args[0].rmatvec(x))

    def _rmatmat(self, x):
        return self.args[1].rmatmat(self.args[0].rmatmat(x))

    def _matmat(self, x):
        return self.args[0].matmat(self.args[1].matmat(x))

    def _adjoint(self):
        A, B = self.args
        return B.H @ A.H


class _ScaledLinearOperator(LinearOperator):
    def __init__(self, A, alpha):
        if not isinstance(A, LinearOperator):
            raise ValueError("LinearOperator expected as A")
        if not np.isscalar(alpha):
            raise ValueError("scalar expected as alpha")
        if isinstance(A, _ScaledLinearOperator):
            A, alpha_original = A.args
            alpha = alpha * alpha_original
        super().__init__(_get_dtype([A], [type(alpha)]), A.shape)
        self.args = (A, alpha)
        self._device = operator_device(A)

    def _matvec(self, x):
        return self.args[1] * self.args[0].matvec(x)

    def _rmatvec(self, x):
        return np.conj(self.args[1]) * self.args[0].rmatvec(x)

    def _rmatmat(self, x):
        return np.conj(self.args[1]) * self.args[0].rmatmat(x)

    def _matmat(self, x):
        return self.args[1] * self.args[0].matmat(x)

    def _adjoint(self):
        A, alpha = self.args
        return A.H * np.conj(alpha)


class _PowerLinearOperator(LinearOperator):
    def __init__(self, A, p):
        if not isinstance(A, LinearOperator):
            raise ValueError("LinearOperator expected as A")
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"square LinearOperator expected, got {A!r}")
        if isinstance(p, (bool, np.bool_)) or not float(p).is_integer() or p < 0:
            raise ValueError("non-negative integer expected as p")
        super().__init__(_get_dtype([A]), A.shape)
        self.args = (A, int(p))
        self._device = operator_device(A)

    def _power(self, fun, x):
        res = x.copy()
        for _ in range(self.args[1]):
            res = fun(res)
        return res

    def _matvec(self, x):
        return self._power(self.args[0].matvec, x)

    def _rmatvec(self, x):
        return self._power(self.args[0].rmatvec, x)

    def _rmatmat(self, x):
        return self._power(self.args[0].rmatmat, x)

    def _matmat(self, x):
        return self._power(self.args[0].matmat, x)

    def _adjoint(self):
        A, p = self.args
        return A.H ** p


class _Product:
    """``A @ X`` for a trnpy matrix. On the CPU's NumPy route a sparse matrix multiplies
    with SciPy's own kernel on zero-copy views of its components (SciPy's summation
    order, so the solvers' iterates equal SciPy's bit for bit)."""

    def __init__(self, A):
        self.A, self._host = A, None

    def __call__(self, X):
        A = self.A
        if not (_sparse.issparse(A) and _dispatch.use_numpy(A.device)
                and isinstance(X, TrnArray) and X.device == A.device
                and A.format in ("csr", "csc", "bsr", "coo")):
            return A @ X
        if self._host is None:
            sp = _scipy_sparse()
            v = {n: _convert.np_view(getattr(A, n)) for n in
                 ("data", "indices", "indptr", "row", "col") if hasattr(A, n)}
            arg = (v["data"], (v["row"], v["col"])) if A.format == "coo" else \
                (v["data"], v["indices"], v["indptr"])
            self._host = getattr(sp, f"{A.format}_array")(arg, shape=A.shape, copy=False)
        return _convert.wrap(np.asarray(self._host @ _convert.np_view(X)), A.device)


class MatrixLinearOperator(LinearOperator):
    """The operator of a trnpy dense or sparse matrix (products on its device)."""

    def __init__(self, A):
        super().__init__(A.dtype, A.shape)
        self.A = A
        self.__adj = None
        self.args = (A,)
        self._device = A.device
        self._prod = _Product(A)

    def _matmat(self, X):
        return self._prod(X)

    _matvec = _matmat

    def _adjoint(self):
        if self.__adj is None:
            self.__adj = _AdjointMatrixOperator(self.A)
        return self.__adj


class _AdjointMatrixOperator(MatrixLinearOperator):
    def __init__(self, A):
        # A^H x = conj(A^T conj(x)): trnpy sparse arrays have .T; the transpose is made
        # once per operator
        self._prod = _Product(A.T)
        self.args = (A,)
        self.shape = (A.shape[1], A.shape[0])
        self._device = A.device
        self._cplx = np.dtype(A.dtype).kind == "c"

    @property
    def dtype(self):
        return self.args[0].dtype

    def _matmat(self, X):
        if self._cplx:
            return conj(self._prod(conj(X)))
        return self._prod(X)

    _matvec = _matmat

    def _adjoint(self):
        return MatrixLinearOperator(self.args[0])


class IdentityOperator(LinearOperator):
    def __init__(self, shape, dtype=None, device=None):
        super().__init__(dtype, shape)
        self._device = device

    def _matvec(self, x):
        return x

    def _rmatvec(self, x):
        return x

    def _rmatmat(self, x):
        return x

    def _matmat(self, x):
        return x

    def _adjoint(self):
        return self


def _host_operator_call(fn, dev):
    def call(x):
        return _convert.asarray(np.asarray(fn(asnumpy(x))), device=dev)
    return call


def aslinearoperator(A):
    """``A`` as a :class:`LinearOperator`: a LinearOperator as it is; a trnpy dense or
    sparse matrix computes on its device; NumPy arrays and ``scipy.sparse`` matrices move
    to the default device first (as trnpy arrays); a SciPy ``LinearOperator`` (or any
    object with ``shape`` and ``matvec``) is called with host arrays."""
    if isinstance(A, LinearOperator):
        return A
    if isinstance(A, TrnArray) or isinstance(A, np.ndarray):
        if A.ndim > 2:
            raise ValueError("array must have ndim <= 2")
        A = _convert.as_array(A)
        if A.ndim < 2:
            A = A.reshape((1,) * (2 - A.ndim) + A.shape)
        return MatrixLinearOperator(A)
    if _sparse.issparse(A):
        return MatrixLinearOperator(A)
    if _is_scipy_sparse(A):
        fmt = A.format if A.format in ("csr", "csc", "coo", "bsr") else "csr"
        return MatrixLinearOperator(getattr(_sparse, f"{fmt}_array")(A))
    if hasattr(A, "shape") and hasattr(A, "matvec"):
        # a SciPy LinearOperator or a user object: its functions take host arrays
        dev = _convert.target_device(None)
        wrap = (lambda name: _host_operator_call(getattr(A, name), dev)
                if hasattr(A, name) else None)
        op = LinearOperator(A.shape, wrap("matvec"), rmatvec=wrap("rmatvec"),
                            rmatmat=wrap("rmatmat"), dtype=getattr(A, "dtype", None))
        return op
    raise TypeError("type not understood")


def system_device(A, b):
    """The device a solve runs on: the operator's, else b's, else the default."""
    dev = operator_device(A)
    if dev is None:
        dev = b.device if isinstance(b, TrnArray) else _convert.target_device(None)
    return dev


_NO = object()      # an operand SciPy cannot take as it is: the trnpy solver runs
_IN_OUT = ("outer_v", "CU")     # lgmres / gcrotmk update these lists in place


def _scipy_operand(v):
    """A solver's argument as SciPy takes it on the CPU's NumPy route (zero-copy views;
    trnpy operators called with trnpy views of SciPy's vectors), or ``_NO``."""
    if isinstance(v, TrnArray):
        return _convert.host(v) if v.device is CPU else _NO
    if _sparse.issparse(v):
        return v._S if v.device is CPU and v._S is not None else _NO
    if type(v) is MatrixLinearOperator:
        return _scipy_operand(v.A)
    if isinstance(v, LinearOperator):
        if operator_device(v) not in (None, CPU):
            return _NO

        def call(fn):
            return lambda x: _convert.host(_vec(v, fn(_convert.wrap(x, CPU))))
        return _scipy_sparse_linalg().LinearOperator(
            v.shape, matvec=call(v.matvec), rmatvec=call(v.rmatvec),
            matmat=call(v.matmat), rmatmat=call(v.rmatmat), dtype=v.dtype)
    return v


def _trnpy_result(r):
    if isinstance(r, tuple):
        return tuple(map(_trnpy_result, r))
    return _convert.wrap(r, CPU) if type(r) is np.ndarray else r


def scipy_on_numpy_route(fn):
    """A solver that on the CPU's NumPy route is SciPy's own, called on zero-copy views of
    the operands: SciPy's kernels, iterates and ``info`` bit for bit, with no trnpy
    dispatch per vector operation; callbacks get trnpy views of SciPy's iterates, results
    are trnpy arrays. Elsewhere (another device, the torch CPU backend, an operand SciPy
    cannot take) ``fn``, the solver written on trnpy arrays, runs."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def solver(*args, **kwargs):
        try:
            given = sig.bind(*args, **kwargs).arguments
        except TypeError:
            return fn(*args, **kwargs)          # Python's own error, from fn
        if not (_dispatch.use_numpy(CPU) and
                system_device(given.get("A"), given.get("b")) is CPU) or \
                any(given.get(k) is not None for k in _IN_OUT):
            return fn(*args, **kwargs)
        conv = {}
        for k, v in given.items():
            if k == "callback" and v is not None:
                conv[k] = (lambda cb: lambda xk: cb(
                    _convert.wrap(xk, CPU) if type(xk) is np.ndarray else xk))(v)
                continue
            conv[k] = _scipy_operand(v)
            if conv[k] is _NO:
                return fn(*args, **kwargs)
        return _trnpy_result(getattr(_scipy_sparse_linalg(), fn.__name__)(**conv))
    return solver
