"""COO (``scipy.sparse``'s COOrdinate format, any number of dimensions as SciPy's)."""
from __future__ import annotations

from .. import _convert
from ._base import _data_mixin, _host_methods, _in, _minmax_mixin, _spbase, sparray
from ._compressed import _component, _flag

__all__ = ["coo_array"]


def _coord(i):
    def fget(self):
        return self.coords[i]

    def fset(self, v):
        c = list(self.coords)
        c[i] = v
        self.coords = tuple(c)
    return property(fget, fset)


class _coo_base(_data_mixin, _minmax_mixin, _spbase):
    format = "coo"
    _COMPONENTS = ("data", "coords")
    _FLAGS = ("has_canonical_format",)
    data = _component("data")
    coords = _component("coords")
    row = _coord(-2)
    col = _coord(-1)
    has_canonical_format = _flag("has_canonical_format")

    @staticmethod
    def _build(cls, comps, shape):
        S = cls((comps["data"], comps["coords"]), shape=shape)
        S.has_canonical_format = False          # set from the array's flag after
        return S

    def _set_comp(self, name, value):
        if name == "coords":
            self._tcache, self._tflip = None, False
            value = tuple(value)
            if self._S is not None:
                self._S.coords = tuple(_in(v) for v in value)
            else:
                self._comps["coords"] = tuple(_convert.asarray(v, device=self._device)
                                              for v in value)
            return
        super()._set_comp(name, value)

    def _coo_tensors(self):
        r, c = self._comps["coords"]
        return r._t.long(), c._t.long(), self._comps["data"]._t

    def _with_data(self, data):
        out = super()._with_data(data)
        out._flags["has_canonical_format"] = False      # SciPy's new COO from a tuple
        return out

    def _device_T(self, copy):
        comps = {"data": self._comps["data"],
                 "coords": tuple(reversed(self._comps["coords"]))}
        if copy:
            comps = {"data": comps["data"].copy(),
                     "coords": tuple(c.copy() for c in comps["coords"])}
        out = self._new(comps, shape=self._shape[::-1])
        out._flags["has_canonical_format"] = False      # as SciPy's (row order lost)
        return out if copy else self._share_tcache(out)


_host_methods(_coo_base, ("eliminate_zeros", "sum_duplicates", "tensordot"),
              mutates=("eliminate_zeros", "sum_duplicates"))


class coo_array(_coo_base, sparray):
    """COOrdinate array (``scipy.sparse.coo_array``) on a trnpy device."""
