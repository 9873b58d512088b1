"""CSR and CSC (``scipy.sparse``'s compressed formats) and what they share with BSR."""
from __future__ import annotations

from .._torch import torch
from ._base import (_CLASSES, _data_mixin, _host_methods, _minmax_mixin, _spbase,
                    sparray)

__all__ = ["csr_array", "csc_array"]


def _component(name):
    return property(lambda self: self._comp(name),
                    lambda self, v: self._set_comp(name, v))


def _flag(name):
    def fget(self):
        return bool(getattr(self._S, name)) if self._S is not None else self._flags[name]

    def fset(self, v):
        if self._S is not None:
            setattr(self._S, name, v)
        else:
            self._flags[name] = bool(v)
    return property(fget, fset)


class _cs_base(_data_mixin, _minmax_mixin, _spbase):
    """Shared by CSR, CSC and BSR: ``data``, ``indices``, ``indptr`` and SciPy's
    structural methods (on the host for arrays off the CPU's NumPy backend)."""
    _COMPONENTS = ("data", "indices", "indptr")
    _FLAGS = ("has_canonical_format", "has_sorted_indices")
    data = _component("data")
    indices = _component("indices")
    indptr = _component("indptr")
    has_canonical_format = _flag("has_canonical_format")
    has_sorted_indices = _flag("has_sorted_indices")

    @staticmethod
    def _build(cls, comps, shape):
        return cls((comps["data"], comps["indices"], comps["indptr"]), shape=shape)

    def _expanded(self):
        """(major, minor, data) tensors: the compressed index expanded per entry."""
        indptr = self._comps["indptr"]._t.long()
        major = torch.repeat_interleave(
            torch.arange(indptr.numel() - 1, device=indptr.device), torch.diff(indptr))
        return major, self._comps["indices"]._t.long(), self._comps["data"]._t

    def _transposed(self, cls, copy):
        comps = {n: (c.copy() if copy else c) for n, c in self._comps.items()}
        out = self._new(comps, shape=self._shape[::-1], cls=cls)
        return out if copy else self._share_tcache(out)


_host_methods(_cs_base, ("check_format", "eliminate_zeros", "prune", "sort_indices",
                         "sorted_indices", "sum_duplicates"),
              mutates=("eliminate_zeros", "prune", "sort_indices", "sum_duplicates"))


class _csr_base(_cs_base):
    format = "csr"

    def tobsr(self, blocksize=None, copy=True):
        return self._to("bsr", copy, blocksize=blocksize)

    def _coo_tensors(self):
        return self._expanded()

    def _device_T(self, copy):
        return self._transposed(_convert_class(self, "csc"), copy)


class _csc_base(_cs_base):
    format = "csc"

    def tocoo(self, copy=True):
        return self._to("coo", copy)       # (SciPy's default copies here)

    def _coo_tensors(self):
        col, row, data = self._expanded()
        return row, col, data

    def _device_T(self, copy):
        return self._transposed(_convert_class(self, "csr"), copy)


def _convert_class(self, fmt):
    """The class of format ``fmt`` of the same kind (array / matrix) as ``self``."""
    return _CLASSES[fmt + ("_array" if isinstance(self, sparray) else "_matrix")]


class csr_array(_csr_base, sparray):
    """Compressed Sparse Row array (``scipy.sparse.csr_array``) on a trnpy device."""


class csc_array(_csc_base, sparray):
    """Compressed Sparse Column array (``scipy.sparse.csc_array``) on a trnpy device."""
