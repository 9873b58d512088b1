"""DIA (``scipy.sparse``'s DIAgonal format): stored diagonals ``data`` at ``offsets``."""
from __future__ import annotations

from ._base import _data_mixin, _spbase, sparray
from ._compressed import _component

__all__ = ["dia_array"]


class _dia_base(_data_mixin, _spbase):
    format = "dia"
    _COMPONENTS = ("data", "offsets")
    data = _component("data")
    offsets = _component("offsets")

    @staticmethod
    def _build(cls, comps, shape):
        return cls((comps["data"], comps["offsets"]), shape=shape)


class dia_array(_dia_base, sparray):
    """Sparse array with DIAgonal storage (``scipy.sparse.dia_array``) on a trnpy
    device; products and every method run on the host through SciPy off the CPU's
    NumPy backend."""
