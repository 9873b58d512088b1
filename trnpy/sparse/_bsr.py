"""BSR (``scipy.sparse``'s Block Sparse Row format): ``@`` goes through the BSR SpMM
routing point (``trnpy/_spmm.py``: the NKI kernel for 128x128 float32/float16 blocks on
the neuron device)."""
from __future__ import annotations

from .. import _convert
from .._torch import torch
from ._base import sparray
from ._compressed import _cs_base, _convert_class

__all__ = ["bsr_array"]


class _bsr_base(_cs_base):
    format = "bsr"

    def __init__(self, arg1, shape=None, dtype=None, copy=False, blocksize=None, *,
                 maxprint=None, device=None):
        self._init(arg1, shape, dtype, copy, maxprint, device,
                   **({} if blocksize is None else {"blocksize": blocksize}))

    @property
    def blocksize(self):
        if self._S is not None:
            return tuple(int(b) for b in self._S.blocksize)
        return tuple(int(b) for b in self._comps["data"].shape[1:])

    def tocoo(self, copy=True):
        return self._to("coo", copy)       # (SciPy's default copies here)

    def _device_T(self, copy):
        """SciPy's BSR transpose (blocksize (C, R)) on the device: a stable sort of the
        block column indices makes them block rows (each keeps its blocks in row order,
        as SciPy's counting sort does) and every block is transposed; new components, so
        ``copy`` changes nothing."""
        self._checked()         # torch's bincount / gathers read the indices
        c = self._comps
        indptr, indices, data = c["indptr"]._t, c["indices"]._t, c["data"]._t
        R, C = data.shape[1:]
        MB, KB = self._shape[0] // R, self._shape[1] // C
        order = torch.sort(indices, stable=True).indices
        rows = torch.repeat_interleave(torch.arange(MB, device=indptr.device),
                                       torch.diff(indptr.long()))
        tptr = torch.zeros(KB + 1, dtype=torch.int64, device=indptr.device)
        torch.cumsum(torch.bincount(indices.long(), minlength=KB), 0, out=tptr[1:])
        comps = {"data": data[order].transpose(1, 2).contiguous(),
                 "indices": rows[order].to(indices.dtype),
                 "indptr": tptr.to(indptr.dtype)}
        comps = {n: _convert.wrap(t, self._device) for n, t in comps.items()}
        out = self._new(comps, shape=self._shape[::-1], cls=_convert_class(self, "bsr"))
        # sorted; canonical unless a new block row holds a block column twice (SciPy's test)
        col, row = indices[order], comps["indices"]._t
        dup = bool(((row[1:] == row[:-1]) & (col[1:] == col[:-1])).any())
        out._flags.update(has_sorted_indices=True, has_canonical_format=not dup)
        return out


class bsr_array(_bsr_base, sparray):
    """Block Sparse Row array (``scipy.sparse.bsr_array``) on a trnpy device; ``@``
    goes through the BSR SpMM routing point (the NKI kernel for 128x128 float32/float16
    blocks on the neuron device)."""
