"""``trnpy.sparse``: SciPy's sparse arrays and matrices on trnpy devices (issue #12).

* Classes (SciPy 1.17's names and semantics): ``csr``, ``csc``, ``coo``, ``bsr``, ``dia``
  as ``*_array`` (sparse-array semantics) and ``*_matrix`` (matrix semantics: ``*``/``**``
  are the matrix product/power, ``A[i]`` is 1 x n, ``sum(axis=)`` is 2-D); ``lil`` and
  ``dok`` as host-side builders whose conversions land on their device; ``sparray``,
  ``spmatrix``, ``issparse``, ``isspmatrix``, ``isspmatrix_*``. Constructors take what
  SciPy's take (dense arrays, any SciPy or trnpy sparse object, the tuple forms) plus
  ``device=``; CSR/CSC/BSR structures are validated as ``check_format(full_check=True)``
  does (SciPy's ``ValueError``) before any data reaches a device, on copies of the
  caller's arrays. ``get()`` (CuPy's name) gives the ``scipy.sparse`` object.
* Where each operation runs (``_base.py``): on the CPU with the NumPy backend the array
  holds a SciPy object over the components' memory and every method is SciPy's own. On
  other devices (and the CPU's torch backend) the components are trnpy arrays on the
  device; ``A @ dense`` and ``dense @ A`` (CUDA and the CPU's torch backend: torch's
  sparse CSR tensor for CSR/CSC/COO, made once per matrix, and torch's BSR tensor or a
  batched block GEMM for BSR, for float32/float64/complex; integer and bool products
  exactly by gather / scatter-add; BSR through the BSR SpMM routing point
  ``trnpy/_spmm.py``, which reaches the NKI kernel for 128x128 float32/float16 blocks on
  the neuron device, where CSR/CSC/COO are regrouped into 128x128 blocks on the device
  once per matrix when their fill reaches ``bsr_min_fill()``; ``dense @ A`` is
  ``(A^T @ dense^T)^T`` with the transposes on the device), ``toarray``, transposes
  (CSR/CSC/COO: new views of the components; BSR: a stable block sort), ``copy``,
  ``astype``, ``conj``, ``abs``, negation and products with scalars run on the device;
  every other method (structure, arithmetic between sparse arrays, sparse @ sparse,
  reductions, indexing, the constructors) runs on the host through SciPy and is counted in
  ``trnpy.ROUTES`` as ``("sparse.<name>", "numpy")``.
* Results follow SciPy (classes, formats, dtypes, explicit zeros); dense results are trnpy
  arrays on the array's device (2-D arrays where SciPy gives ``np.matrix``), elements and
  full reductions NumPy scalars on the CPU and 0-d arrays elsewhere.

Not here: ``csgraph``; ``linalg`` is ``trnpy/sparse/linalg``. Component arrays
changed in place after construction are not validated again (as in SciPy).
"""
from __future__ import annotations

from ._base import bsr_min_fill, issparse, isspmatrix, set_bsr_min_fill, sparray, spmatrix
from ._bsr import bsr_array
from ._builders import dok_array, lil_array
from ._compressed import csc_array, csr_array
from ._construct import (block_array, block_diag, bmat, diags, diags_array, expand_dims,
                         eye, eye_array, find, hstack, identity, kron, kronsum, load_npz,
                         permute_dims, rand, random, random_array, save_npz, spdiags,
                         swapaxes, tril, triu, vstack)
from ._coo import coo_array
from ._dia import dia_array
from ._matrix import (bsr_matrix, coo_matrix, csc_matrix, csr_matrix, dia_matrix,
                      dok_matrix, isspmatrix_bsr, isspmatrix_coo, isspmatrix_csc,
                      isspmatrix_csr, isspmatrix_dia, isspmatrix_dok, isspmatrix_lil,
                      lil_matrix)

__all__ = ["sparray", "spmatrix", "issparse", "isspmatrix",
           "csr_array", "csc_array", "coo_array", "bsr_array", "dia_array", "lil_array",
           "dok_array", "csr_matrix", "csc_matrix", "coo_matrix", "bsr_matrix",
           "dia_matrix", "lil_matrix", "dok_matrix", "isspmatrix_csr", "isspmatrix_csc",
           "isspmatrix_coo", "isspmatrix_bsr", "isspmatrix_dia", "isspmatrix_lil",
           "isspmatrix_dok", "eye", "eye_array", "identity", "diags", "diags_array",
           "spdiags", "random", "random_array", "rand", "kron", "kronsum", "block_diag",
           "hstack", "vstack", "bmat", "block_array", "tril", "triu", "find", "save_npz",
           "load_npz", "swapaxes", "permute_dims", "expand_dims",
           "bsr_min_fill", "set_bsr_min_fill"]       # (trnpy's: the neuron device's regrouping)

from . import linalg  # noqa: E402 - scipy.sparse.linalg's place, on the classes above

_FROM_SCIPY = ("SparseWarning", "SparseEfficiencyWarning", "get_index_dtype",
               "safely_cast_index_arrays")


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name in _FROM_SCIPY:
        import scipy.sparse  # lazy: SciPy is optional; its warning classes / index helpers
        return getattr(scipy.sparse, name)
    raise AttributeError(f"trnpy.sparse.{name} is not implemented yet (issue #12)")
