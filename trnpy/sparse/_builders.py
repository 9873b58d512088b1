"""LIL and DOK: SciPy's incremental builders, held on the host (``scipy.sparse``'s own
objects, with their methods); ``tocsr()``, ``tocoo()``, ... and every sparse result land
on the builder's device (``device=``, default the current one)."""
from __future__ import annotations

from .._convert import target_device
from ._base import _host_methods, _out, _sp, _spbase, sparray

__all__ = ["lil_array", "dok_array"]


class _lil_base(_spbase):
    format = "lil"
    _HOST_ONLY = True

    @property
    def data(self):
        """SciPy's object array of per-row value lists (host)."""
        return self._S.data

    @property
    def rows(self):
        """SciPy's object array of per-row column lists (host)."""
        return self._S.rows


_host_methods(_lil_base, ("getrow", "getrowview"))


class _dok_base(_spbase):
    format = "dok"
    _HOST_ONLY = True

    def __len__(self):
        return len(self._S)

    def __contains__(self, key):
        return key in self._S

    def __delitem__(self, key):
        del self._S[key]

    def get(self, *args, **kwargs):
        """Without arguments the ``scipy.sparse`` copy (CuPy's ``get()``); with a key,
        the dict's ``get(key, default=0.0)`` of SciPy's DOK."""
        if not args and not kwargs:
            return _spbase.get(self)
        return _out(self._S.get(*args, **kwargs), self._device)

    @classmethod
    def fromkeys(cls, iterable, value=1, /):
        return _out(getattr(_sp(), cls._SCIPY).fromkeys(iterable, value),
                    target_device(None))


_host_methods(_dok_base, ("items", "keys", "values", "clear", "pop", "popitem",
                          "setdefault", "update"))


class lil_array(_lil_base, sparray):
    """Row-based LInked List sparse array (``scipy.sparse.lil_array``): a host-side
    builder; its conversions land on its device."""


class dok_array(_dok_base, sparray):
    """Dictionary Of Keys sparse array (``scipy.sparse.dok_array``): a host-side
    builder; its conversions land on its device."""
