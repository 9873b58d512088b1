"""The sparse base classes (``sparray``, ``spmatrix``, their shared ``_spbase``) and the
bridge to SciPy.

Where the data lives: an array made where ``_dispatch.use_numpy(device)`` holds (the CPU
with the NumPy backend), and every ``lil``/``dok`` builder, holds a ``scipy.sparse``
object (``_S``) whose component arrays the trnpy components view without a copy; every
method is SciPy's own, run on that object. Elsewhere (CUDA, neuron, the CPU's torch
backend) the components are trnpy arrays on the device (``_comps``): products,
``toarray``, transposes (CSR/CSC/COO/BSR), ``copy``, ``astype``, ``conj``, ``abs``,
negation and scalar products run there; every other method copies the components to
the host, runs SciPy's method and moves the result back, and is counted in
``trnpy.ROUTES`` as ``("sparse.<method>", "numpy")`` (``trnpy.routing_report()``).
"""
from __future__ import annotations

import inspect
import numbers
import operator
import types

import numpy as np

from .. import _convert, _dispatch, _dtypes, _kernel_registry, _spmm, _tensor
from .._array import TrnArray
from .._convert import target_device
from .._devices import CPU
from .._kernel_registry import ROUTES
from .._torch import torch

__all__ = ["sparray", "spmatrix", "issparse", "isspmatrix", "bsr_min_fill",
           "set_bsr_min_fill"]

_BLOCK = 128            # the NKI BSR kernel's block size
_CLASSES: dict = {}     # SciPy class name -> trnpy class ("csr_array" -> csr_array)


_SP = []                # scipy.sparse, once imported


def _sp():
    if not _SP:
        import scipy.sparse as sp  # lazy: SciPy is optional; it builds and validates on the host
        _SP.append(sp)
    return _SP[0]


_BY_TYPE: dict = {}     # SciPy class -> trnpy class, filled on first use (_out's fast path)
_DTYPE_OK: set = set()  # type codes _set has accepted (off the neuron device: any dtype
                        # trnpy holds; the neuron device also refuses float64)


def issparse(x) -> bool:
    """Whether ``x`` is a ``trnpy.sparse`` array or matrix."""
    return isinstance(x, _spbase)


def isspmatrix(x) -> bool:
    """Whether ``x`` is a ``trnpy.sparse`` matrix (``*_matrix``; not a sparse array)."""
    return isinstance(x, spmatrix)


def _record(op):
    ROUTES[("sparse." + op, "numpy")] += 1


def _check_device(x, dev):
    if x._device != dev:
        raise ValueError(f"trnpy.sparse: operands on different devices ({dev} and "
                         f"{x._device})")


def _in(x, dev=None, op=None):
    """An operand as SciPy takes it: trnpy sparse -> its SciPy object, trnpy arrays ->
    host NumPy arrays (views on the CPU), sequences element by element."""
    if isinstance(x, _spbase):
        if dev is not None:
            _check_device(x, dev)
        return x._scipy(op)
    if isinstance(x, TrnArray):
        if dev is not None and x.device != dev:
            raise ValueError(f"trnpy.sparse: operands on different devices ({dev} and "
                             f"{x.device})")
        return _convert.host(x)
    if isinstance(x, (list, tuple)) and any(isinstance(e, (list, tuple, _spbase, TrnArray))
                                            for e in x):
        return type(x)(_in(e, dev, op) for e in x)
    return x


def _host_arg(x, copy):
    """A constructor argument on the host: with ``copy=False`` the caller's NumPy arrays
    (and CPU trnpy arrays' memory) as they are, shared as SciPy shares them (nnz above
    2**31 must not be held twice), else a copy. SciPy's checks never write to them."""
    if isinstance(x, TrnArray):
        return np.array(_convert.host(x), copy=True if copy else None)
    if isinstance(x, tuple):
        return tuple(_host_arg(e, copy) for e in x)
    return np.array(x, copy=True if copy else None)


def _out(r, dev):
    """A SciPy result as trnpy gives it on ``dev``: sparse -> the trnpy class of the
    same name, ``ndarray``/``np.matrix`` -> a trnpy array (2-D for a matrix), NumPy
    scalars as trnpy's elements (NumPy's scalar on the CPU, a 0-d array elsewhere)."""
    if type(r) is np.ndarray and dev is CPU:
        return _convert.wrap(r, CPU)
    cls = _BY_TYPE.get(type(r))
    if cls is not None:
        return cls._from_scipy(r, dev)
    if isinstance(r, _spbase):
        return r
    sp = _sp()
    if sp.issparse(r):
        cls = _BY_TYPE[type(r)] = _CLASSES[type(r).__name__]
        return cls._from_scipy(r, dev)
    if type(r) is np.ndarray and dev is CPU:
        return _convert.wrap(r, CPU)
    if isinstance(r, np.ndarray):
        return _convert.asarray(np.ascontiguousarray(np.asarray(r)), device=dev)
    if isinstance(r, np.generic):
        return _convert.wrap(r, dev) if dev is CPU else _convert.asarray(r, device=dev)
    if isinstance(r, tuple):
        return tuple(_out(e, dev) for e in r)
    return r


class _HostMethod:
    """A method that runs SciPy's ``name`` on the host object (see the module docstring);
    ``mutates``: it changes the array in place (the device components are replaced).
    One function per class, made on first use, with the signature of SciPy's method of
    the same class (``inspect.signature`` shows SciPy's; SciPy is imported then)."""

    def __init__(self, name, mutates=False, doc=None):
        self.name, self.mutates, self._fns = name, mutates, {}
        self.__doc__ = doc or (f"SciPy's ``{name}`` (``scipy.sparse``), on the host "
                               "through SciPy for arrays off the CPU's NumPy backend.")

    def __get__(self, obj, cls=None):
        cls = type(obj) if obj is not None else cls
        fn = self._fns.get(cls)
        if fn is None:
            fn = self._fns[cls] = self._function(cls)
        return fn if obj is None else types.MethodType(fn, obj)

    def _function(self, cls):
        name, mutates = self.name, self.mutates

        def method(self, *args, **kwargs):
            S = self._scipy(name)
            out = kwargs.pop("out", None)
            dev = self._device
            r = getattr(S, name)(*(_in(args, dev) if args else ()),
                                 **{k: _in(v, dev) for k, v in kwargs.items()})
            if mutates and self._S is None:
                self._set(S, self._device)
            if out is not None:
                return _write_out(out, _out(r, self._device))
            return None if mutates and r is None else _out(r, self._device)
        method.__name__ = name
        method.__qualname__ = f"{cls.__name__}.{name}"
        method.__doc__ = self.__doc__
        scls = getattr(cls, "_SCIPY", None) or cls.__name__     # sparray / spmatrix
        ref = getattr(getattr(_sp(), scls, None), name, None)
        if ref is not None:
            method.__signature__ = inspect.signature(ref)
        return method


def _write_out(out, res, same_dtype=False):
    """``out=``: the result written into the caller's trnpy array (any device)."""
    if not isinstance(out, TrnArray):
        raise TypeError("trnpy.sparse: out= must be a trnpy array")
    shape = getattr(res, "shape", ())
    if tuple(out.shape) != tuple(shape):
        raise ValueError("output parameter has wrong shape")
    if same_dtype and out.dtype != res.dtype:
        raise ValueError("Output dtype not compatible with inputs.")
    out[...] = res
    return out


def _host_methods(cls, names, mutates=()):
    for n in names:
        setattr(cls, n, _HostMethod(n, n in mutates))


def _binop(name):
    def method(self, other):
        S = self._scipy(name.strip("_"))
        r = getattr(S, name)(_in(other, self._device))
        return NotImplemented if r is NotImplemented else _out(r, self._device)
    method.__name__ = name
    return method


def _is_scalar(x):
    return isinstance(x, (numbers.Number, np.generic)) or (
        isinstance(x, TrnArray) and x.ndim == 0)


class _spbase:
    """Shared attributes, conversions, products and SciPy's methods (see the module
    docstring for where each runs)."""
    format = None
    _SCIPY = None                   # SciPy's class name
    _COMPONENTS = ()
    _FLAGS = ()
    _HOST_ONLY = False              # lil / dok: host-side builders
    _is_array = True
    _tcache = None                  # torch sparse tensors of the device components
    _tflip = False                  # _tcache is that of this matrix's transpose
    __array_priority__ = 10.1
    __array_ufunc__ = None          # NumPy's operators defer to ours

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if not cls.__name__.startswith("_") and cls.format is not None:
            cls._SCIPY = cls.__name__
            _CLASSES[cls.__name__] = cls

    def __init__(self, arg1, shape=None, dtype=None, copy=False, *, maxprint=None,
                 device=None):
        self._init(arg1, shape, dtype, copy, maxprint, device)

    def _init(self, arg1, shape, dtype, copy, maxprint, device, **kw):
        if device is None and isinstance(arg1, _spbase):
            device = arg1._device
        dev = target_device(device)
        if isinstance(arg1, _spbase):
            arg = arg1._scipy("convert")
        elif _sp().issparse(arg1):
            arg, copy = arg1, True          # SciPy copies it (the caller's stays untouched)
        else:
            arg = _host_arg(arg1, copy)
        S = getattr(_sp(), self._SCIPY)(arg, shape=shape, dtype=dtype, copy=copy,
                                        maxprint=maxprint, **kw)
        if self.format in ("csr", "csc", "bsr"):
            # SciPy checks index values only here; torch would read them silently
            S.check_format(full_check=True)
        self._set(S, dev)

    @classmethod
    def _from_scipy(cls, S, dev):
        self = cls.__new__(cls)
        self._set(S, dev)
        return self

    def _set(self, S, dev):
        if dev.kind == "neuron" or S.dtype.char not in _DTYPE_OK:
            dev.check_dtype(_dtypes.as_dtype(S.dtype))  # TypeError for dtypes trnpy lacks
            if dev.kind != "neuron":
                _DTYPE_OK.add(S.dtype.char)        # (any byte order: as_dtype swaps)
        self._device = dev
        self._tcache, self._tflip = None, False
        if self._HOST_ONLY or _dispatch.use_numpy(dev):
            self._S, self._comps = S, None
            return
        self._S = None
        self._shape = tuple(int(s) for s in S.shape)
        self._dtype = np.dtype(S.dtype)
        self._nnz = int(S.nnz)
        self._flags = {f: bool(getattr(S, f)) for f in self._FLAGS}
        up = (lambda a: _convert.asarray(np.ascontiguousarray(a), device=dev))
        self._comps = {n: (tuple(map(up, v)) if isinstance(v, tuple) else up(v))
                       for n in self._COMPONENTS for v in (getattr(S, n),)}

    def _scipy(self, op=None):
        """The SciPy object: the one this array holds, or a host copy built from the device
        components (counted as ``op`` in ``trnpy.ROUTES``)."""
        if self._S is not None:
            return self._S
        if op is not None:
            _record(op)
        cp = (lambda a: np.array(_convert.host(a), copy=True))
        comps = {n: (tuple(map(cp, v)) if isinstance(v, tuple) else cp(v))
                 for n, v in self._comps.items()}
        S = self._build(getattr(_sp(), self._SCIPY), comps, self._shape)
        for f, v in self._flags.items():
            if v:
                setattr(S, f, True)
        return S

    @staticmethod
    def _build(cls, comps, shape):
        raise NotImplementedError

    def _comp(self, name):
        if self._S is not None:
            v = getattr(self._S, name)
            return tuple(_convert.wrap(a, CPU) for a in v) if isinstance(v, tuple) \
                else _convert.wrap(v, CPU)
        return self._comps[name]

    def _set_comp(self, name, value):
        self._tcache, self._tflip = None, False
        if self._S is not None:
            setattr(self._S, name, _in(value, self._device))
        else:
            self._comps[name] = _convert.asarray(value, device=self._device)

    def _cached(self, key, build):
        """``build()``, kept under ``key`` until a component is replaced or written in
        place (torch's version counters tell); a transpose made on the device shares the
        cache of its matrix (``key[-1]``: whether the value is of the transpose)."""
        tensors = [c._t for v in self._comps.values()
                   for c in (v if isinstance(v, tuple) else (v,))]
        stamp = sorted((id(t), t._version) for t in tensors)
        if self._tcache is None:
            self._tcache = {}
        key = key[:-1] + (key[-1] != self._tflip,)
        hit = self._tcache.get(key)
        if hit is not None and hit[1] == stamp:
            return hit[2]
        value = build()
        self._tcache[key] = (tensors, stamp, value)     # tensors: their ids stay theirs
        return value

    def _torch_csr(self, rdt, transpose=False):
        """This matrix (``transpose``: its transpose) as a torch sparse CSR tensor with
        values of dtype ``rdt``, made once (:meth:`_cached`). Canonical CSR (CSC for the
        transpose) is used as it is; other layouts are sorted and summed once, on the
        device."""
        def build():
            tdt = _dtypes.to_torch(np.dtype(rdt))
            shape = self._shape[::-1] if transpose else self._shape
            self._check_structure()
            if self.format == ("csc" if transpose else "csr") and \
                    self._flags.get("has_canonical_format", False):
                c = self._comps
                return _spmm.csr_tensor(c["indptr"]._t, c["indices"]._t,
                                        c["data"]._t.to(tdt), shape)
            row, col, data = self._coo_tensors()
            return _spmm.coo_csr_tensor(*((col, row) if transpose else (row, col)),
                                        data.to(tdt), shape)
        return self._cached((np.dtype(rdt), transpose), build)

    def _check_structure(self):
        """SciPy's full check of the components, on the device, before torch's sparse
        kernels read them (they read invalid indices silently or crash): components
        written after construction are checked here, once per write."""
        c = self._comps
        if self.format == "coo":
            idx = list(zip(c["coords"], self._shape))
            n = c["data"].shape[0]
            if any(t.shape[0] != n for t, _ in idx):
                raise ValueError("row, column, and data array must all be the same length")
        else:
            p, i = c["indptr"]._t, c["indices"]._t
            major, minor = (self._shape[::-1] if self.format == "csc" else self._shape)
            if self.format == "bsr":        # block rows and block columns
                R, C = c["data"].shape[1:]
                major, minor = -(-major // R), -(-minor // C)
            if p.shape[0] != major + 1 or int(p[0]) != 0 or \
                    int(p[-1]) != i.shape[0] or c["data"].shape[0] != i.shape[0] or \
                    (p.shape[0] > 1 and bool((p[1:] < p[:-1]).any())):
                raise ValueError("index pointer array is invalid: indptr must start at 0, "
                                 "not decrease, and end at len(indices) == len(data)")
            idx = [(c["indices"], minor)]
        for t, bound in idx:
            t = t._t
            if t.numel() and (int(t.min()) < 0 or int(t.max()) >= bound):
                raise ValueError(f"indices must be >= 0 and < {bound}")

    def _checked(self):
        """:meth:`_check_structure`, once per component write (:meth:`_cached`)."""
        self._cached(("checked", False), lambda: self._check_structure() or True)

    def _share_tcache(self, out):
        """``out`` (a transpose over the same components) shares this matrix's tensors."""
        if self._tcache is None:
            self._tcache = {}
        out._tcache, out._tflip = self._tcache, not self._tflip
        return out

    def _torch_product(self, x, transpose=False):
        """``self @ x`` (``transpose``: ``x @ self``) with torch's sparse kernels, or None
        where they do not apply (the neuron device, integer and bool dtypes, BSR/DIA, a
        shape mismatch: the callers' paths)."""
        rdt = np.result_type(self.dtype, x.dtype)
        if self._S is not None or self._device.kind == "neuron" or self.ndim != 2 or \
                self.format not in ("csr", "csc", "coo") or not 1 <= x.ndim <= 2 or \
                not _spmm.torch_sparse_dtype(rdt) or \
                x.shape[-1 if transpose else 0] != self.shape[0 if transpose else 1] or \
                (self.format == "coo" and x.ndim == 1 and self.shape[transpose] == 1):
            return None         # (the last: SciPy's COO gives a scalar, see __matmul__)
        T = self._torch_csr(rdt, transpose)
        d = _tensor.compute_tensor(x._t, rdt)
        r = T @ (d.T if transpose and d.dim() == 2 else d)
        return _convert.wrap(r.T if transpose and r.dim() == 2 else r, self._device)

    def _new(self, comps, shape=None, dtype=None, cls=None):
        """A device array of class ``cls`` (default this one's) from device components."""
        out = (cls or type(self)).__new__(cls or type(self))
        out._device, out._S, out._comps = self._device, None, comps
        out._shape = self._shape if shape is None else shape
        out._dtype = np.dtype(comps["data"].dtype) if dtype is None else dtype
        out._nnz, out._flags = self._nnz, dict(self._flags)
        return out

    def _with_data(self, data):
        comps = {n: (data if n == "data" else
                     tuple(c.copy() for c in v) if isinstance(v, tuple) else v.copy())
                 for n, v in self._comps.items()}
        return self._new(comps)

    # -- attributes --------------------------------------------------------------------
    @property
    def shape(self):
        return self._S.shape if self._S is not None else self._shape

    @property
    def dtype(self):
        return np.dtype(self._S.dtype) if self._S is not None else self._dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def nnz(self) -> int:
        """Stored entries (explicit zeros and duplicates included; BSR: block entries)."""
        return int(self._S.nnz) if self._S is not None else self._nnz

    @property
    def size(self) -> int:
        return self.nnz

    device = property(lambda self: self._device)

    def __repr__(self):
        return (f"<{type(self).__name__} of dtype '{self.dtype}' with {self.nnz} stored "
                f"elements and shape {self.shape} on {self.device}>")

    def __str__(self):
        return str(self._scipy())

    # -- host conversions ----------------------------------------------------------------
    def get(self):
        """The ``scipy.sparse`` object with this array's data (a host copy; CuPy's name)."""
        S = self._scipy("get")
        return S.copy() if S is self._S else S

    def toarray(self, order=None, out=None):
        """The dense trnpy array (on this array's device)."""
        if out is not None:
            return _write_out(out, self.toarray(order=order), same_dtype=True)
        if self._S is None and self.ndim == 2 and hasattr(self, "_coo_tensors") and \
                order in (None, "C") and self.dtype.kind in "fc":
            row, col, data = self._coo_tensors()
            d = torch.zeros(self.shape, dtype=data.dtype, device=data.device)
            d.index_put_((row, col), data, accumulate=True)
            return _convert.wrap(d, self._device)
        return _out(self._scipy("toarray").toarray(order=order), self._device)

    def todense(self, order=None, out=None):
        """The dense trnpy array (SciPy gives ``np.matrix`` for matrices; trnpy has no
        matrix class and gives the 2-D array)."""
        return self.toarray(order=order, out=out)

    def asformat(self, format, copy=False):
        if format is None or format == self.format:
            return self.copy() if copy else self
        return getattr(self, "to" + format)(copy=copy)

    def _to(self, fmt, copy, **kw):
        # SciPy: the same format comes back as itself unless copy=True
        if fmt == self.format and (not kw or all(v is None or v == getattr(self, k)
                                                 for k, v in kw.items())):
            return self.copy() if copy else self
        r = getattr(self._scipy("to" + fmt), "to" + fmt)(copy=copy, **kw)
        return _out(r, self._device)

    def tocsr(self, copy=False):
        return self._to("csr", copy)

    def tocsc(self, copy=False):
        return self._to("csc", copy)

    def tocoo(self, copy=False):
        return self._to("coo", copy)

    def tobsr(self, blocksize=None, copy=False):
        return self._to("bsr", copy, blocksize=blocksize)

    def todia(self, copy=False):
        return self._to("dia", copy)

    def tolil(self, copy=False):
        return self._to("lil", copy)

    def todok(self, copy=False):
        return self._to("dok", copy)

    def transpose(self, axes=None, copy=False):
        """SciPy's ``transpose`` (CSR <-> CSC; on the device for CSR, CSC and COO)."""
        if self._S is None and axes is None and self.ndim == 2 and \
                hasattr(self, "_device_T"):
            return self._device_T(copy)
        return _out(self._scipy("transpose").transpose(axes=axes, copy=copy),
                    self._device)

    T = property(transpose)

    def copy(self):
        if self._S is None and not self._HOST_ONLY:
            return self._with_data(self._comps["data"].copy())
        return _out(self._S.copy(), self._device)

    def astype(self, dtype, casting="unsafe", copy=True):
        dt = np.dtype(dtype)
        if self._S is None and "data" in self._comps:
            if dt == self.dtype:
                return self.copy() if copy else self
            if not np.can_cast(self.dtype, dt, casting=casting):
                raise TypeError(f"Cannot cast array data from {self.dtype!r} to {dt!r} "
                                f"according to the rule {casting!r}")
            if self._flags.get("has_canonical_format", True):
                return self._with_data(self._comps["data"].astype(dt))
        return _out(self._scipy("astype").astype(dt, casting=casting, copy=copy),
                    self._device)

    def conjugate(self, copy=True):
        if self._S is None and "data" in self._comps:
            if self.dtype.kind != "c":
                return self.copy() if copy else self
            return self._with_data(self._comps["data"].conj().copy())
        return _out(self._scipy("conj").conjugate(copy=copy), self._device)

    conj = conjugate

    def _data_op(self, name, fn, dedup=False):
        # dedup: SciPy sums duplicates first (in place); the host path does it here
        if self._S is None and "data" in self._comps and not (
                dedup and not self._flags.get("has_canonical_format", True)):
            return self._with_data(fn(self._comps["data"]))
        return _out(getattr(self._scipy(name.strip("_")), name)(), self._device)

    def __neg__(self):
        if self.dtype == np.bool_:
            raise NotImplementedError("negating a boolean sparse array is not supported")
        return self._data_op("__neg__", operator.neg)

    def __abs__(self):
        return self._data_op("__abs__", abs, dedup=True)

    def __pos__(self):
        return self.copy()

    def __round__(self, ndigits=0):
        return _out(self._scipy("round").__round__(ndigits), self._device)

    def __mul__(self, other):
        # scalars on the device (SciPy: data * scalar, explicit zeros kept)
        if self._S is None and "data" in self._comps and _is_scalar(other) and \
                not isinstance(other, TrnArray) and self.dtype != np.bool_:
            return self._with_data(self._comps["data"] * other)
        return _binop("__mul__")(self, other)

    def __rmul__(self, other):
        if _is_scalar(other) and not isinstance(other, TrnArray):
            return self.__mul__(other)
        return _binop("__rmul__")(self, other)

    def __len__(self):
        raise TypeError("sparse array length is ambiguous; use getnnz() or shape[0]")

    def __bool__(self):
        return bool(self._scipy("bool"))

    def __iter__(self):
        for r in self._scipy("iter"):
            yield _out(r, self._device)

    # -- products ------------------------------------------------------------------------
    def __matmul__(self, other):
        S = self._S
        if S is not None and self._device is CPU and (
                type(other) is np.ndarray or (type(other) is TrnArray
                                              and other._device is CPU)):
            # the NumPy backend's path: SciPy's kernels on the views, little else
            x = other if type(other) is np.ndarray else _convert.host(other)
            if x.ndim > 2 and S.ndim == 2:
                raise NotImplementedError("trnpy.sparse: sparse @ an operand of more than "
                                          "2 dimensions is not implemented")
            r = S @ x
            return _convert.wrap(r, CPU) if type(r) is np.ndarray else _out(r, CPU)
        if _is_scalar(other) and not isinstance(other, TrnArray):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        if isinstance(other, _spbase) or _sp().issparse(other):
            return self._host_product(other)
        dev = self._device
        x = other if isinstance(other, TrnArray) else _convert.asarray(other, device=dev)
        _convert.same_device(self._first_component(), x)
        if x.ndim == 0:
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        if self.ndim != 2 or x.ndim > 2 or self.format not in ("csr", "csc", "coo", "bsr"):
            if x.ndim > 2 and self.ndim == 2:
                raise NotImplementedError("trnpy.sparse: sparse @ an operand of more than "
                                          "2 dimensions is not implemented")
            return self._host_product(x)
        if x.shape[0] != self.shape[1]:
            sig = "(k=%d,1?)->(n,1?)" if x.ndim == 1 else "(k=%d,m)->(n,m)"
            raise ValueError(f"matmul: dimension mismatch with signature "
                             f"(n,k={self.shape[1]}),{sig % x.shape[0]}")
        if np.dtype(x.dtype) == np.bool_ or self.dtype == np.bool_:
            # SciPy: bool @ T is T's product with True as 1; bool @ bool is "any"
            both = np.dtype(x.dtype) == np.bool_ and self.dtype == np.bool_
            wdt = np.dtype(np.int64) if both else (
                self.dtype if np.dtype(x.dtype) == np.bool_ else np.dtype(x.dtype))
            r = self.astype(wdt) @ x.astype(wdt)
            return r > 0 if both else r
        if self._S is not None:
            return _out(self._S @ _convert.host(x), dev)    # SciPy's kernels on the views
        if dev.kind == "neuron" and self.format != "bsr" and (
                x.dtype.kind not in "fc" or bool(torch.isfinite(x._t).all())):
            # the tensor engine takes 128x128 blocks: regroup (on the device, once per
            # matrix) and take the BSR route when the blocks are full enough (a bsr_array
            # keeps its blocks: other sizes are the route's visible fallback). Not for inf/nan
            # operands: the blocks' zeros would turn them into nan where SciPy's CSR
            # product skips them.
            B, fill = self._cached(("bsr128", False), lambda: _bsr128(self))
            if fill >= bsr_min_fill() or _kernel_registry.forced():
                return B @ x
            # below the fill threshold: the exact product on torch by choice, recorded
            # (as the kernels' size thresholds: not refused under strict_kernels())
            _kernel_registry.FALLBACKS[("bsr_spmm", f"128x128 block fill {fill:.3g} below "
                                        f"trnpy.sparse.bsr_min_fill() = {bsr_min_fill():g}")] += 1
            ROUTES[("bsr_spmm", "torch")] += 1
        if self.format == "coo" and self._is_array and self.shape[0] == 1 and x.ndim == 1:
            return (self.tocsr() @ x)[0]    # SciPy's coo_array (not coo_matrix): a scalar
        r = self._torch_product(x)
        if r is not None:
            return r
        self._checked()
        if self.format in ("bsr", "csr"):
            data, indices, indptr = (self._comps[n]._t for n in ("data", "indices", "indptr"))
            r = (_spmm.bsr_spmm(indptr, indices, data, x._t, self.shape, dev,
                                self._flags.get("has_canonical_format", False))
                 if self.format == "bsr" else
                 _spmm.csr_spmm(indptr, indices, data, x._t, self.shape))
        else:
            row, col, data = self._coo_tensors()
            r = _spmm.coo_spmm(row, col, data, x._t, self.shape)
        return _convert.wrap(r, dev)

    def _first_component(self):
        return self._comp(self._COMPONENTS[0])

    def _host_product(self, other):
        dev = self._device
        S = self._scipy("matmul")
        return _out(S @ _in(other, dev, "matmul"), dev)

    def __rmatmul__(self, other):
        if _is_scalar(other) and not isinstance(other, TrnArray):
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        if self._S is not None or _sp().issparse(other):
            return _out(_in(other, self._device) @ self._scipy("rmatmul"), self._device)
        x = other if isinstance(other, TrnArray) else _convert.asarray(other,
                                                                      device=self._device)
        if x.ndim == 0:
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        if x.ndim > 2:
            raise NotImplementedError("trnpy.sparse: an operand of more than 2 dimensions "
                                      "@ sparse is not implemented")
        _convert.same_device(self._first_component(), x)
        r = self._torch_product(x, transpose=True)
        if r is not None:
            return r
        # SciPy: (A.T @ x.T).T
        r = self.transpose() @ x.T
        return r.T

    def dot(self, other):
        """SciPy's ``dot``: ``self * other`` for scalars, else ``self @ other``."""
        if _is_scalar(other):
            return self * other
        return self @ other

    def __eq__(self, other):
        return _binop("__eq__")(self, other)

    def __ne__(self, other):
        return _binop("__ne__")(self, other)

    __hash__ = None

    def __getitem__(self, key):
        return _out(self._scipy("getitem")[_in(key, self._device)], self._device)

    def __setitem__(self, key, value):
        S = self._scipy("setitem")
        S[_in(key, self._device)] = _in(value, self._device)
        if self._S is None:
            self._set(S, self._device)


for _n in ("__add__", "__radd__", "__sub__", "__rsub__", "__truediv__", "__rtruediv__",
           "__pow__", "__lt__", "__gt__", "__le__", "__ge__"):
    setattr(_spbase, _n, _binop(_n))

_host_methods(_spbase, ("count_nonzero", "diagonal", "maximum", "minimum", "mean",
                        "multiply", "nonzero", "power", "reshape", "sum", "trace", "resize",
                        "setdiag"), mutates=("resize", "setdiag"))
_spbase.imag = property(lambda self: _out(self._scipy("imag").imag, self._device))
_spbase.real = property(lambda self: _out(self._scipy("real").real, self._device))


class _data_mixin:
    """Elementwise functions of the stored values (SciPy's ``_data_matrix``)."""


_host_methods(_data_mixin, ("arcsin", "arcsinh", "arctan", "arctanh", "ceil", "deg2rad",
                            "expm1", "floor", "log1p", "rad2deg", "rint", "sign", "sin",
                            "sinh", "sqrt", "tan", "tanh", "trunc"))


class _minmax_mixin:
    """SciPy's ``argmax``/``argmin``/``max``/``min``/``nanmax``/``nanmin``."""


_host_methods(_minmax_mixin, ("argmax", "argmin", "max", "min", "nanmax", "nanmin"))


class sparray:
    """The base of sparse arrays (``scipy.sparse.sparray``): ``*`` and ``**`` are
    elementwise, ``A[i]`` is 1-D, ``sum(axis=)`` 1-D."""
    _is_array = True


class spmatrix:
    """The base of sparse matrices (``scipy.sparse.spmatrix``): ``*`` is the matrix
    product, ``**`` the matrix power, ``A[i]`` is 1 x n, ``sum(axis=)`` is 2-D (a 2-D
    trnpy array where SciPy gives ``np.matrix``)."""
    _is_array = False

    def __mul__(self, other):
        if _is_scalar(other):
            return _spbase.__mul__(self, other)
        return self @ other

    def __rmul__(self, other):
        if _is_scalar(other):
            return _spbase.__mul__(self, other)
        return other @ self if isinstance(other, _spbase) else self.__rmatmul__(other)

    def getH(self):
        return self.conjugate().transpose()

    def get_shape(self):
        return self.shape

    def getformat(self):
        return self.format

    def getnnz(self, axis=None):
        if axis is None:
            return self.nnz
        return _out(self._scipy("getnnz").getnnz(axis=axis), self._device)

    def getmaxprint(self):
        return self._scipy().getmaxprint()


_host_methods(spmatrix, ("asfptype", "getcol", "getrow", "set_shape"),
              mutates=("set_shape",))


_MIN_FILL = [1 / 128]


def bsr_min_fill() -> float:
    """The block fill (stored entries / entries of the 128x128 blocks holding them) from
    which CSR, CSC and COO products on the neuron device are regrouped into 128x128 blocks
    for the NKI BSR kernel; below it they run the exact gather product on torch, counted
    in ``trnpy.routing_report()``'s fallbacks (``trnpy.force_kernels()`` regroups any).
    Default 1/128: one entry per block row, where a 128-deep TensorE contraction does as
    much useful work per step as the vector engine's one multiply-add per lane."""
    return _MIN_FILL[0]


def set_bsr_min_fill(fill: float) -> None:
    """Set :func:`bsr_min_fill` (0: always regroup; above 1: never)."""
    fill = float(fill)
    if not fill >= 0:
        raise ValueError(f"fill must be >= 0, got {fill}")
    _MIN_FILL[0] = fill


def _bsr128(A):
    """(A, a CSR/CSC/COO device array, as 128x128 BSR over the block grid padded to whole
    blocks, with A's shape; its fill), made on A's device: SciPy's BSR needs shapes that
    are multiples of the block size, the kernel does not. Duplicates are summed into
    their block, explicit zeros keep theirs (as SciPy's ``tobsr``)."""
    A._checked()
    row, col, data = A._coo_tensors()
    M, K = A._shape
    MB, KB = -(-M // _BLOCK), -(-K // _BLOCK)
    keys, inv = torch.unique((row // _BLOCK) * KB + col // _BLOCK, return_inverse=True)
    vals = torch.zeros((keys.numel(), _BLOCK, _BLOCK), dtype=data.dtype, device=data.device)
    vals.index_put_((inv, row % _BLOCK, col % _BLOCK), data, accumulate=True)
    indptr = torch.zeros(MB + 1, dtype=torch.int64, device=data.device)
    torch.cumsum(torch.bincount(keys // KB, minlength=MB), 0, out=indptr[1:])
    comps = {"data": vals, "indices": keys % KB, "indptr": indptr}
    B = A._new({n: _convert.wrap(t, A._device) for n, t in comps.items()},
               cls=_CLASSES["bsr_array"])
    B._nnz = keys.numel() * _BLOCK * _BLOCK
    B._flags = {"has_canonical_format": True, "has_sorted_indices": True}
    entries = torch.unique(row * K + col).numel()          # duplicates count once
    return B, entries / max(B._nnz, 1)
