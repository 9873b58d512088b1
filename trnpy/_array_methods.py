"""TrnArray's NumPy methods and operators, attached from above (as JAX's
``array_methods.py`` does): the array object in ``_array.py`` holds the data and the
conversions; everything that computes is a namespace function, bound here as a method."""
from __future__ import annotations

import operator

import numpy as np
from numpy.exceptions import AxisError

from . import (_convert, _dtype_functions, _dispatch, _elementwise, _hotpath, _indexing,
               _linalg_functions, _manipulation, _reductions, _searching, _sorting, _ufunc)
from ._array import TrnArray
from ._devices import CPU
from ._flags_flatiter import Flags, FlatIter
from ._numpy_protocols import array_function, array_ufunc

_backend = _dispatch._CPU_BACKEND.get
_host_result = _convert.host_result


class _Methods:
    @property
    def T(self):
        return _manipulation.permute_dims(self, tuple(range(self.ndim))[::-1])

    @property
    def mT(self):
        if self.ndim < 2:
            raise ValueError("mT requires an array with at least 2 dimensions")
        return _manipulation.swapaxes(self, -1, -2)

    # -- NumPy ndarray methods ----------------------------------------------------
    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True, *,
               device=None):
        if order not in ("K", "A", "C"):
            raise NotImplementedError(f"astype: order={order!r} is not supported")
        # NumPy reads subok as an integer (TypeError otherwise); TrnArray has no subclasses,
        # so either value gives a TrnArray, as either gives a base ndarray in NumPy
        operator.index(subok)
        if casting != "unsafe" and not np.can_cast(self.dtype, dtype, casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to "
                            f"{np.dtype(dtype)!r} according to the rule {casting!r}")
        return _dtype_functions.astype(self, dtype, copy=copy, device=device)

    def reshape(self, *shape, order="C", copy=None):
        if not shape:
            raise TypeError("reshape() takes exactly 1 argument (0 given)")
        if len(shape) == 1 and (shape[0] is None or isinstance(shape[0], (tuple, list))):
            shape = shape[0]
        return _manipulation.reshape(self, shape, order=order, copy=copy)

    def ravel(self, order="C"):
        return _manipulation.ravel(self, order=order)

    def flatten(self, order="C"):
        return _manipulation.reshape(self, (-1,), order=order, copy=True)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _manipulation.transpose(self, tuple(axes) if axes else None)

    def swapaxes(self, axis1, axis2):
        return _manipulation.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _manipulation.squeeze(self, axis=axis)

    def repeat(self, repeats, axis=None):
        return _manipulation.repeat(self, repeats, axis=axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _indexing.diagonal(self, offset, axis1, axis2)

    # reductions
    def sum(self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        return _reductions.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                         initial=_none(initial), where=where)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
        return _reductions.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                          initial=_none(initial), where=where)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
        return _reductions.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims,
                          where=where)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
            mean=None, correction=None):
        return _reductions.std(self, axis=axis, dtype=dtype, out=out,
                         ddof=None if correction is not None else ddof, keepdims=keepdims,
                         where=where, mean=_none(mean), correction=correction)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
            mean=None, correction=None):
        return _reductions.var(self, axis=axis, dtype=dtype, out=out,
                         ddof=None if correction is not None else ddof, keepdims=keepdims,
                         where=where, mean=_none(mean), correction=correction)

    def min(self, axis=None, out=None, keepdims=False, initial=None, where=True):
        return _reductions.min(self, axis=axis, out=out, keepdims=keepdims,
                         initial=_none(initial), where=where)

    def max(self, axis=None, out=None, keepdims=False, initial=None, where=True):
        return _reductions.max(self, axis=axis, out=out, keepdims=keepdims,
                         initial=_none(initial), where=where)

    def argmin(self, axis=None, out=None, *, keepdims=False):
        return _searching.argmin(self, axis=axis, out=out, keepdims=keepdims)

    def argmax(self, axis=None, out=None, *, keepdims=False):
        return _searching.argmax(self, axis=axis, out=out, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _reductions.cumsum(self, axis=axis, dtype=dtype, out=out)

    def cumprod(self, axis=None, dtype=None, out=None):
        return _reductions.cumprod(self, axis=axis, dtype=dtype, out=out)

    def all(self, axis=None, out=None, keepdims=False, *, where=True):
        return _reductions.all(self, axis=axis, out=out, keepdims=keepdims, where=where)

    def any(self, axis=None, out=None, keepdims=False, *, where=True):
        return _reductions.any(self, axis=axis, out=out, keepdims=keepdims, where=where)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        return _linalg_functions.trace(self, offset, axis1, axis2, dtype, out)

    # elementwise
    def clip(self, min=None, max=None, out=None, **kwargs):
        kw = dict(kwargs)
        if min is not None:
            kw["min"] = min
        if max is not None:
            kw["max"] = max
        return _elementwise.clip(self, out=out, **kw)

    def round(self, decimals=0, out=None):
        return _elementwise.round(self, decimals, out)

    def conj(self):
        return _elementwise.conj(self)

    conjugate = conj

    @property
    def real(self):
        return _elementwise.real(self)

    @real.setter
    def real(self, value):
        _elementwise.real(self)[...] = value

    @property
    def imag(self):
        return _elementwise.imag(self)

    @imag.setter
    def imag(self, value):
        if self.dtype.kind != "c":
            raise TypeError("array does not have imaginary part to set")
        _elementwise.imag(self)[...] = value

    def dot(self, b, out=None):
        return _linalg_functions.dot(self, b, out=out)

    # sorting, searching, indexing
    def sort(self, axis=-1, kind=None, order=None, *, stable=None):
        """Sort in place (NumPy's ``ndarray.sort``)."""
        if self.ndim == 0:
            raise AxisError("axis -1 is out of bounds for array of dimension 0")
        self[...] = _sorting.sort(self, axis=axis, kind=kind, order=order, stable=stable)

    def argsort(self, axis=-1, kind=None, order=None, *, stable=None):
        return _sorting.argsort(self, axis=axis, kind=kind, order=order, stable=stable)

    def nonzero(self):
        return _searching.nonzero(self)

    def searchsorted(self, v, side="left", sorter=None):
        return _searching.searchsorted(self, v, side=side, sorter=sorter)

    def take(self, indices, axis=None, out=None, mode="raise"):
        return _indexing.take(self, indices, axis=axis, out=out, mode=mode)

    def put(self, indices, values, mode="raise"):
        return _indexing.put(self, indices, values, mode=mode)

    def fill(self, value):
        self[...] = value

    @property
    def flat(self):
        return FlatIter(self)

    @flat.setter
    def flat(self, value):
        FlatIter(self)[...] = value

    @property
    def flags(self):
        return Flags(self)

    def __contains__(self, value):
        return bool(_reductions.any(_elementwise.equal(self, value)))

    def __round__(self, ndigits=None):
        # NumPy scalars' rule (ndarray has no __round__): round(x) -> int, round(x, n) -> array
        if ndigits is None:
            if self.ndim != 0:
                raise TypeError("round() without ndigits needs a 0-d array (use x.round())")
            return round(_convert.host(self)[()])
        return _elementwise.round(self, ndigits)

    def __divmod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _elementwise.divmod(self, other)

    def __rdivmod__(self, other):
        if not _is_operand(other):
            return NotImplemented
        return _elementwise.divmod(other, self)

    # -- NumPy's dispatch protocols (NEP 13, NEP 18, NEP 35) ----------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return array_ufunc(self, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(self, func, types, args, kwargs)

    # -- interop --------------------------------------------------------------

    # -- indexing ---------------------------------------------------------------
    def __getitem__(self, key):
        # hot path: a host array with its NumPy view indexed by another (NumPy's rules)
        if (type(key) is TrnArray and (v := self._np) is not None
                and (k := key._np) is not None and self._device is CPU is key._device
                and _backend() == "numpy" and type(r := v[k]) is np.ndarray):
            return _host_result(r)
        return _indexing.getitem(self, key)

    def __setitem__(self, key, value):
        _indexing.setitem(self, key, value)




def _none(v):
    """NumPy's ``np._NoValue`` default as trnpy's None."""
    return None if v is np._NoValue else v


def _binary(fname, reflected=False):
    f = None

    def op(self, other):
        nonlocal f
        if type(other) is TrnArray or _is_operand(other):
            if f is None:
                f = _FUNCS[fname]
            return f(other, self) if reflected else f(self, other)
        return NotImplemented
    op.__name__ = fname
    return op


def _inplace(fname):
    def op(self, other):
        if not _is_operand(other):
            return NotImplemented
        _FUNCS[fname](self, other, out=self)
        return self
    op.__name__ = fname
    return op


def _unary(fname):
    def op(self):
        return _FUNCS[fname](self)
    op.__name__ = fname
    return op


def _is_operand(x):
    return isinstance(x, (TrnArray, bool, int, float, complex, np.ndarray, np.generic, list, tuple))



def _pow(power):
    def __pow__(self, other):
        # ndarray.__pow__ squares for a Python-int exponent 2, which NumPy's promotion
        # makes int8 (not power's int64) for bool arrays
        if type(other) is int and other == 2 and self.dtype == np.bool_:
            return _elementwise.square(self)
        return power(self, other)
    return __pow__





# the functions behind the operators
_FUNCS = {f: getattr(_elementwise, f, None) or getattr(_linalg_functions, f)
          for _, f in _hotpath.BINARY_OPS + _hotpath.COMPARISONS
          + (("", "negative"), ("", "positive"), ("", "abs"), ("", "bitwise_invert"))}


def attach():
    """Bind the methods and operators to TrnArray, then hand the host hot paths to the C
    module when it is built."""
    for name, v in vars(_Methods).items():
        if name not in ("__module__", "__dict__", "__weakref__", "__doc__", "__qualname__"):
            setattr(TrnArray, name, v)
    for dunder, fname in _hotpath.BINARY_OPS:
        setattr(TrnArray, f"__{dunder}__", _binary(fname))
        setattr(TrnArray, f"__r{dunder}__", _binary(fname, reflected=True))
        setattr(TrnArray, f"__i{dunder}__", _inplace(fname))
    for dunder, fname in _hotpath.COMPARISONS:
        setattr(TrnArray, f"__{dunder}__", _binary(fname))
    TrnArray.__pow__ = _pow(TrnArray.__pow__)
    for dunder, fname in [("neg", "negative"), ("pos", "positive"), ("abs", "abs"),
                          ("invert", "bitwise_invert")]:
        setattr(TrnArray, f"__{dunder}__", _unary(fname))
    # NumPy's ufunc on the views; ``**`` takes ndarray's own operator (see _pow)
    ops = [_FUNCS[f] for _, f in _hotpath.BINARY_OPS + _hotpath.COMPARISONS]
    np_ops = [operator.pow if f is _elementwise.power else
              f._np if getattr(f, "_fast_nargs", 0) == 2 else None for f in ops]
    ufs = [f if isinstance(f, _ufunc.ufunc) and f._fast_nargs == 2 else None for f in ops]
    _hotpath.install(TrnArray, _ufunc.ufunc, CPU, _dispatch._CPU_BACKEND, np.ndarray,
                     _convert.host_result, _indexing.getitem, _indexing._torch_getitem,
                     np_ops, ufs)
