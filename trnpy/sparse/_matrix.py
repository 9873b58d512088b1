"""The ``*_matrix`` classes (``scipy.sparse``'s matrix semantics: ``*`` and ``**`` are
the matrix product and power, ``A[i]`` is 1 x n, ``sum(axis=)`` is 2-D) and the
``isspmatrix_*`` predicates."""
from __future__ import annotations

from ._base import spmatrix
from ._bsr import _bsr_base
from ._builders import _dok_base, _lil_base
from ._compressed import _csc_base, _csr_base
from ._coo import _coo_base
from ._dia import _dia_base

__all__ = ["csr_matrix", "csc_matrix", "coo_matrix", "bsr_matrix", "dia_matrix",
           "lil_matrix", "dok_matrix", "isspmatrix_csr", "isspmatrix_csc",
           "isspmatrix_coo", "isspmatrix_bsr", "isspmatrix_dia", "isspmatrix_lil",
           "isspmatrix_dok"]


class csr_matrix(spmatrix, _csr_base):
    """Compressed Sparse Row matrix (``scipy.sparse.csr_matrix``) on a trnpy device."""


class csc_matrix(spmatrix, _csc_base):
    """Compressed Sparse Column matrix (``scipy.sparse.csc_matrix``) on a trnpy device."""


class coo_matrix(spmatrix, _coo_base):
    """COOrdinate matrix (``scipy.sparse.coo_matrix``) on a trnpy device."""


class bsr_matrix(spmatrix, _bsr_base):
    """Block Sparse Row matrix (``scipy.sparse.bsr_matrix``) on a trnpy device."""


class dia_matrix(spmatrix, _dia_base):
    """DIAgonal matrix (``scipy.sparse.dia_matrix``) on a trnpy device."""


class lil_matrix(spmatrix, _lil_base):
    """LInked List matrix (``scipy.sparse.lil_matrix``): a host-side builder."""


class dok_matrix(spmatrix, _dok_base):
    """Dictionary Of Keys matrix (``scipy.sparse.dok_matrix``): a host-side builder."""


def isspmatrix_csr(x):
    return isinstance(x, csr_matrix)


def isspmatrix_csc(x):
    return isinstance(x, csc_matrix)


def isspmatrix_coo(x):
    return isinstance(x, coo_matrix)


def isspmatrix_bsr(x):
    return isinstance(x, bsr_matrix)


def isspmatrix_dia(x):
    return isinstance(x, dia_matrix)


def isspmatrix_lil(x):
    return isinstance(x, lil_matrix)


def isspmatrix_dok(x):
    return isinstance(x, dok_matrix)
