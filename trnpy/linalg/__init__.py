"""``trnpy.linalg``: all of ``numpy.linalg`` (the array API linear algebra extension with
NumPy's names and signatures; ``numpy.linalg.LinAlgError`` is the error class), plus the
``scipy.linalg`` functions people use most, with SciPy's signatures.

Names in both libraries (``solve``, ``eigh``, ``qr``) take NumPy's positional signature
and SciPy's keyword arguments: a call with no SciPy keyword is exactly NumPy's; a call
with one follows SciPy (see each function's docstring). SciPy-only names live in
``_scipy.py``; their NumPy CPU path needs scipy (imported lazily).
"""
from ._linalg import *  # noqa: F401,F403
from ._linalg import __all__ as _np_all
from ._scipy import *  # noqa: F401,F403
from ._scipy import __all__ as _sp_all
from ._refine import RefineInfo

__all__ = list(_np_all) + list(_sp_all) + ["RefineInfo"]
