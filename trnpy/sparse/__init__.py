"""``trnpy.sparse``: the first of SciPy's sparse arrays, on trnpy devices (issue #12).

What exists:

* ``csr_array``, ``csc_array``, ``coo_array``, ``bsr_array`` built like SciPy's (a dense
  array, any ``scipy.sparse`` or ``trnpy.sparse`` object, or the tuple forms
  ``(data, indices, indptr)`` / ``(data, (row, col))``; ``shape=``, ``dtype=``,
  ``copy=``, ``blocksize=`` for BSR) plus ``device=``. The structure is validated as
  ``check_format(full_check=True)`` does (SciPy's ``ValueError`` messages) before any
  data reaches a device: out-of-range indices and non-monotone ``indptr`` never reach
  torch, which would read them silently.
* Components (``data``, ``indices``, ``indptr``, ``row``, ``col``) are trnpy arrays on the
  array's device; ``shape``, ``ndim``, ``dtype``, ``nnz`` (a Python int), ``format``,
  ``blocksize`` (BSR), ``has_canonical_format``, ``device``.
* ``A @ x`` for a dense 1-D or 2-D operand (trnpy, NumPy, lists)
  computes on the array's device: BSR through the BSR SpMM routing point
  (``trnpy/_spmm.py``: on the neuron device 128x128 float32/float16 blocks run the NKI
  kernel; other block sizes and dtypes are recorded fallbacks to torch, errors under
  ``strict_kernels()``), CSR as an exact gather / scatter-add (CSC and COO through CSR,
  converted on the host). On the neuron device CSR, CSC and COO are regrouped into
  128x128 blocks on the host and go through the same routing point (operands with
  inf/nan take the exact CSR product instead). The
  result dtype is SciPy's (``np.result_type``); products are exact in it.
* ``toarray()`` (a trnpy array), ``tocsr()``, ``tocsc()``, ``tocoo()``,
  ``tobsr(blocksize)``, ``.T`` / ``transpose()``, ``copy()``, ``get()`` (CuPy's name: the
  ``scipy.sparse`` array) and ``issparse``. These conversions run on the host through
  SciPy (a copy to and from the device).

Everything else of ``scipy.sparse`` (the ``*_matrix`` classes, ``dia``/``lil``/``dok``,
constructors, arithmetic, indexing, reductions, ``dense @ sparse``, sparse @ sparse,
``linalg``) is absent or raises ``NotImplementedError``.
"""
from __future__ import annotations

import numpy as np

from .. import _convert, _dispatch, _spmm
from .._array import TrnArray
from .._convert import target_device
from .._torch import torch

__all__ = ["csr_array", "csc_array", "coo_array", "bsr_array", "issparse"]

_BLOCK = 128            # the NKI BSR kernel's block size


def _scipy_sparse():
    import scipy.sparse as sp  # lazy: SciPy is optional; it builds and validates structures on the host
    return sp


def _host_copy(x):
    """A NumPy copy of a component given by the caller (their arrays stay untouched)."""
    if isinstance(x, TrnArray):
        return np.array(_convert.host(x), copy=True)
    return np.array(x, copy=True)


def _host_arg(arg):
    """A constructor argument with trnpy arrays / sparse arrays as host copies."""
    if isinstance(arg, _SparseArray):
        return arg.get()
    if isinstance(arg, tuple):
        return tuple(_host_arg(a) for a in arg)
    sp = _scipy_sparse()
    if sp.issparse(arg):
        return arg.copy()
    return _host_copy(arg)


def issparse(x) -> bool:
    """Whether ``x`` is a ``trnpy.sparse`` array."""
    return isinstance(x, _SparseArray)


class _SparseArray:
    """Shared construction, attributes, conversions and products."""
    format = None
    _COMPONENTS = ()
    __array_priority__ = 10.1
    __array_ufunc__ = None          # NumPy operators defer to ours (which refuse clearly)

    def __init__(self, arg1, shape=None, dtype=None, copy=False, blocksize=None, *,
                 device=None):
        if device is None and isinstance(arg1, _SparseArray):
            device = arg1.device
        dev = target_device(device)
        sp = _scipy_sparse()
        kw = {} if blocksize is None else {"blocksize": blocksize}
        if blocksize is not None and self.format != "bsr":
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                            "'blocksize'")
        if shape is not None:
            kw["shape"] = shape
        S = getattr(sp, f"{self.format}_array")(_host_arg(arg1), dtype=dtype, copy=copy,
                                                **kw)
        if S.ndim != 2:
            raise NotImplementedError(f"trnpy.sparse: {S.ndim}-D sparse arrays are not "
                                      "implemented")
        if self.format != "coo":        # coo_array checked its indices when built
            S.check_format(full_check=True)
        self._set(S, dev)

    @classmethod
    def _from_scipy(cls, S, dev):
        self = cls.__new__(cls)
        self._set(S, dev)
        return self

    def _set(self, S, dev):
        self._device = dev
        self._shape = tuple(int(s) for s in S.shape)
        self._dtype = np.dtype(S.dtype)
        self._canonical = bool(S.has_canonical_format)
        if self.format == "bsr":
            self._blocksize = tuple(int(b) for b in S.blocksize)
        for name in self._COMPONENTS:
            setattr(self, "_" + name, _convert.asarray(np.ascontiguousarray(
                getattr(S, name)), device=dev))

    # -- attributes --------------------------------------------------------------------
    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    device = property(lambda self: self._device)
    ndim = property(lambda self: 2)
    has_canonical_format = property(lambda self: self._canonical)

    @property
    def nnz(self) -> int:
        """Stored entries (explicit zeros and duplicates included; BSR: block entries)."""
        return int(self.data.size)

    def __repr__(self):
        return (f"<{type(self).__name__} of dtype '{self.dtype}' with {self.nnz} stored "
                f"elements and shape {self.shape} on {self.device}>")

    # -- host conversions ----------------------------------------------------------------
    def get(self):
        """The ``scipy.sparse`` array with this array's data (a host copy)."""
        sp = _scipy_sparse()
        comps = tuple(_host_copy(getattr(self, n)) for n in self._COMPONENTS)
        if self.format == "coo":
            S = sp.coo_array((comps[0], (comps[1], comps[2])), shape=self.shape)
            # a flag COO carries (compressed formats compute theirs from the indices)
            S.has_canonical_format = self._canonical
        else:
            S = getattr(sp, f"{self.format}_array")(comps, shape=self.shape)
        return S

    def _like(self, S):
        return _FORMATS[S.format]._from_scipy(S, self._device)

    def toarray(self):
        """The dense trnpy array (on this array's device)."""
        return _convert.asarray(self.get().toarray(), device=self._device)

    def _to(self, fmt, copy, **kw):
        # SciPy: the same format comes back as itself unless copy=True; another format
        # is new data (SciPy may share the component arrays there; trnpy copies)
        if fmt == self.format and all(v is None or v == getattr(self, k)
                                      for k, v in kw.items()):
            return self.copy() if copy else self
        return self._like(getattr(self.get(), f"to{fmt}")(**kw))

    def tocsr(self, copy=False):
        return self._to("csr", copy)

    def tocsc(self, copy=False):
        return self._to("csc", copy)

    def tocoo(self, copy=False):
        return self._to("coo", copy)

    def tobsr(self, blocksize=None, copy=False):
        return self._to("bsr", copy, blocksize=blocksize)

    def transpose(self, axes=None, copy=False):
        return self._like(self.get().transpose(axes=axes))

    T = property(transpose)

    def copy(self):
        return self._like(self.get().copy())

    # -- products ------------------------------------------------------------------------
    def __matmul__(self, other):
        if isinstance(other, _SparseArray) or _scipy_sparse().issparse(other):
            raise NotImplementedError("trnpy.sparse: sparse @ sparse is not implemented")
        dev = self._device
        x = other if isinstance(other, TrnArray) else _convert.asarray(other, device=dev)
        _convert.same_device(self.data, x)
        if x.ndim == 0:
            raise ValueError("Scalar operands are not allowed, use '*' instead")
        if x.ndim > 2:
            raise NotImplementedError("trnpy.sparse: sparse @ an operand of more than "
                                      "2 dimensions is not implemented")
        if x.shape[0] != self.shape[1]:
            sig = "(k=%d,1?)->(n,1?)" if x.ndim == 1 else "(k=%d,m)->(n,m)"
            raise ValueError(f"matmul: dimension mismatch with signature "
                             f"(n,k={self.shape[1]}),{sig % x.shape[0]}")
        if np.dtype(x.dtype) == np.bool_ or self._dtype == np.bool_:
            raise NotImplementedError("trnpy.sparse: products of bool sparse arrays are "
                                      "not implemented")
        if dev.kind == "neuron" and self.format != "bsr" and (
                x.dtype.kind not in "fc" or bool(torch.isfinite(x._t).all())):
            # the tensor engine takes 128x128 blocks: regroup (host) and take the BSR route
            # (a bsr_array keeps its blocks: other sizes are the route's visible fallback).
            # Not for inf/nan operands: the blocks' zeros would turn them into nan where
            # SciPy's CSR product skips them.
            return _bsr128(self.get(), dev) @ x
        if self.format == "coo" and self.shape[0] == 1 and x.ndim == 1:
            return (self.tocsr() @ x)[0]    # SciPy's coo_array gives a scalar here
        if self.format in ("csc", "coo"):
            return self.tocsr() @ x
        host = _dispatch.use_numpy(dev)
        comp = (lambda a: _convert.np_view(a)) if host else (lambda a: a._t)
        args = [comp(getattr(self, n)) for n in self._COMPONENTS] + [comp(x)]
        if self.format == "bsr":
            r = _spmm.bsr_spmm(args[2], args[1], args[0], args[3], self.shape, dev)
        else:
            r = _spmm.csr_spmm(args[2], args[1], args[0], args[3], self.shape)
        return _convert.wrap(r, dev)

    def __rmatmul__(self, other):
        raise NotImplementedError("trnpy.sparse: dense @ sparse is not implemented")


class _Compressed(_SparseArray):
    _COMPONENTS = ("data", "indices", "indptr")
    data = property(lambda self: self._data)
    indices = property(lambda self: self._indices)
    indptr = property(lambda self: self._indptr)


class csr_array(_Compressed):
    """Compressed Sparse Row array (``scipy.sparse.csr_array``) on a trnpy device."""
    format = "csr"


class csc_array(_Compressed):
    """Compressed Sparse Column array (``scipy.sparse.csc_array``) on a trnpy device;
    products go through CSR."""
    format = "csc"


class bsr_array(_Compressed):
    """Block Sparse Row array (``scipy.sparse.bsr_array``) on a trnpy device; ``@``
    goes through the BSR SpMM routing point (the NKI kernel for 128x128 float32/float16
    blocks on the neuron device)."""
    format = "bsr"
    blocksize = property(lambda self: self._blocksize)


class coo_array(_SparseArray):
    """COOrdinate array (``scipy.sparse.coo_array``, 2-D) on a trnpy device; products go
    through CSR."""
    format = "coo"
    _COMPONENTS = ("data", "row", "col")
    data = property(lambda self: self._data)
    row = property(lambda self: self._row)
    col = property(lambda self: self._col)


_FORMATS = {"csr": csr_array, "csc": csc_array, "bsr": bsr_array, "coo": coo_array}


class _Bsr128(bsr_array):
    """128x128 BSR over the block grid padded to whole blocks, with the unpadded shape
    (SciPy's BSR needs shapes that are multiples of the block size; the kernel does not)."""


def _bsr128(S, dev):
    sp = _scipy_sparse()
    M, K = S.shape
    coo = S.tocoo()
    padded = (-(-M // _BLOCK) * _BLOCK, -(-K // _BLOCK) * _BLOCK)
    B = sp.coo_array((coo.data, (coo.row, coo.col)), shape=padded).tobsr(
        blocksize=(_BLOCK, _BLOCK))
    B.sum_duplicates()
    self = _Bsr128._from_scipy(B, dev)
    self._shape = (int(M), int(K))
    return self


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"trnpy.sparse.{name} is not implemented yet (issue #12)")
