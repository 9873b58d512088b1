"""TrnArray's NumPy methods and operators, attached from above (as JAX's
``array_methods.py`` does): the array object in ``_array.py`` holds the data and the
conversions; everything that computes is a namespace function, bound here as a method."""
from __future__ import annotations

import math
import operator

import numpy as np
from numpy.exceptions import AxisError

from . import (_convert, _creation, _dtype_functions, _dispatch, _elementwise, _hotpath,
               _indexing, _linalg_functions, _manipulation, _reductions, _searching, _sorting,
               _ufunc)
from ._array import TrnArray, get_base, has_views, is_readonly, mark_readonly, set_base
from ._devices import CPU
from ._flags_flatiter import Flags, FlatIter
from ._numpy_protocols import array_function, array_ufunc

_backend = _dispatch._CPU_BACKEND.get
_VIEW = TrnArray.view          # _array.py's, wrapped below to record the base
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
        order = _creation.normalize_order(order)
        # NumPy reads subok as an integer (TypeError otherwise); TrnArray has no subclasses,
        # so either value gives a TrnArray, as either gives a base ndarray in NumPy
        operator.index(subok)
        if casting != "unsafe" and not np.can_cast(self.dtype, dtype, casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to "
                            f"{np.dtype(dtype)!r} according to the rule {casting!r}")
        out = _dtype_functions.astype(self, dtype, copy=copy, device=device)
        return _creation.with_order(out, order, src=self, keep_a=False)

    def copy(self, order="C"):
        return _creation.copy_order(self, _creation.normalize_order(order))

    def view(self, dtype=None, type=None):
        r = _VIEW(self, dtype, type)
        return set_base(r, self) if r is not self else r

    @property
    def base(self):
        """The array whose memory this view shares (recorded by trnpy's view functions:
        reshape, ravel, transpose, view, ...), else None."""
        return get_base(self)

    def _set_shape(self, shape):
        # NumPy's in-place reshape: only where a view can give the new shape
        try:
            v = _manipulation.reshape(self, shape, copy=False)
        except ValueError as e:
            if "copy" not in str(e):
                raise
            raise AttributeError("Incompatible shape for in-place modification. Use "
                                 "`.reshape()` to make a copy with the desired shape.") from None
        self._tt, self._np = v._tt, v._np

    def _del_shape(self):
        raise AttributeError("Cannot delete array shape")

    shape = property(TrnArray.shape.fget, _set_shape, _del_shape, TrnArray.shape.__doc__)

    def resize(self, *new_shape, refcheck=True):
        """NumPy's in-place ``resize``: the C-order data truncated or padded with zeros.
        Unlike NumPy, ``refcheck`` sees only the views trnpy's view functions recorded
        (``x.base``), not every Python reference to the array."""
        if len(new_shape) == 1 and (new_shape[0] is None
                                    or isinstance(new_shape[0], (tuple, list))):
            new_shape = new_shape[0]
        if new_shape is None or new_shape == ():
            return
        shape = tuple(operator.index(n) for n in new_shape)
        if any(n < 0 for n in shape):
            raise ValueError("negative dimensions not allowed")
        size = math.prod(shape)
        if size != self.size:
            if get_base(self) is not None:
                raise ValueError("cannot resize this array: it does not own its data")
            if operator.truth(refcheck) and has_views(self):
                raise ValueError("cannot resize an array that references or is referenced\n"
                                 "by another object in this way.\nUse the np.resize function "
                                 "to get a new resized copy or\n set refcheck=False to "
                                 "disable this check")
        flat = _manipulation.ravel(self)
        new = _creation.zeros(shape, self.dtype, device=self._device)
        n = min(size, self.size)
        new.reshape(-1)[:n] = flat[:n]
        self._tt, self._np = new._tt, new._np

    def partition(self, kth, axis=-1, kind="introselect", order=None):
        """Partition in place (NumPy's ``ndarray.partition``)."""
        self[...] = _sorting.partition(self, kth, axis=axis, kind=kind, order=order)

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        return _sorting.argpartition(self, kth, axis=axis, kind=kind, order=order)

    def reshape(self, *shape, order="C", copy=None):
        if not shape:
            raise TypeError("reshape() takes exactly 1 argument (0 given)")
        if len(shape) == 1:          # one argument: the shape itself (any sequence, an array)
            shape = shape[0]
        return _manipulation.reshape(self, shape, order=order, copy=copy)

    def ravel(self, order="C"):
        return _manipulation.ravel(self, order=order)

    def flatten(self, order="C"):
        return _manipulation.flatten(self, order)

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

    def choose(self, choices, out=None, mode="raise"):
        return _indexing.choose(self, choices, out=out, mode=mode)

    def compress(self, condition, axis=None, out=None):
        return _indexing.compress(condition, self, axis=axis, out=out)

    # byte-level and file methods: through the host data (NumPy's own)
    def byteswap(self, inplace=False):
        swapped = _convert.asarray(_convert.host(self).byteswap(), device=self._device)
        if not inplace:
            return swapped
        self[...] = swapped
        return self

    def tofile(self, fid, sep="", format="%s"):
        _convert.host(self).tofile(fid, sep, format)

    def dump(self, file):
        _convert.host(self).dump(file)

    def dumps(self):
        return _convert.host(self).dumps()

    def setflags(self, write=None, align=None, uic=None):
        if align is False or uic:
            raise NotImplementedError("trnpy arrays are always aligned and never "
                                      "WRITEBACKIFCOPY: setflags can only leave them so")
        if write is not None:
            if not write:
                mark_readonly(self)
            elif is_readonly(self):
                # as NumPy: not while the memory's owner is read-only
                b = get_base(self)
                if b is not None and getattr(b, "_ro", None) is True:
                    raise ValueError("cannot set WRITEABLE flag to True of this array")
                self._ro = None
                if is_readonly(self):
                    raise ValueError("cannot set WRITEABLE flag to True of this array: "
                                     "trnpy does not write through broadcast views, whose "
                                     "elements share memory")

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


def _imatmul(self, other):
    """NumPy 2's ``a @= b``: in place only when ``a @ b`` has ``a``'s shape (never
    broadcast into ``a``), and ``b`` must be at least 2-D."""
    if not _is_operand(other):
        return NotImplemented
    if type(other) is not TrnArray:
        other = _convert.as_array(other, self._device)
    if self.ndim >= 1 and other.ndim < 2:
        raise ValueError("inplace matrix multiplication requires the first operand to have "
                         "at least one and the second at least two dimensions.")
    shape = _linalg_functions.matmul_shape(self.shape, other.shape)
    if shape != self.shape:
        raise ValueError(f"non-broadcastable output operand with shape {self.shape} doesn't "
                         f"match the broadcast shape {shape}")
    _FUNCS["matmul"](self, other, out=self)
    return self


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
    TrnArray.__imatmul__ = _imatmul
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
