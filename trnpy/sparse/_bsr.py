"""BSR (``scipy.sparse``'s Block Sparse Row format): ``@`` goes through the BSR SpMM
routing point (``trnpy/_spmm.py``: the NKI kernel for 128x128 float32/float16 blocks on
the neuron device)."""
from __future__ import annotations

from ._base import sparray
from ._compressed import _cs_base

__all__ = ["bsr_array"]


class _bsr_base(_cs_base):
    format = "bsr"

    def __init__(self, arg1, shape=None, dtype=None, copy=False, blocksize=None, *,
                 maxprint=None, device=None):
        super().__init__(arg1, shape=shape, dtype=dtype, copy=copy, maxprint=maxprint,
                         device=device, **({} if blocksize is None else
                                           {"blocksize": blocksize}))

    @property
    def blocksize(self):
        if self._S is not None:
            return tuple(int(b) for b in self._S.blocksize)
        return tuple(int(b) for b in self._comps["data"].shape[1:])


class bsr_array(_bsr_base, sparray):
    """Block Sparse Row array (``scipy.sparse.bsr_array``) on a trnpy device; ``@``
    goes through the BSR SpMM routing point (the NKI kernel for 128x128 float32/float16
    blocks on the neuron device)."""
