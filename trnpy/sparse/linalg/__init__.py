"""``trnpy.sparse.linalg``: ``scipy.sparse.linalg`` (SciPy 1.17's names, signatures,
defaults and ``info`` semantics) on trnpy devices.

* ``LinearOperator`` / ``aslinearoperator``: operators over trnpy dense and sparse
  matrices compute on the matrix's device.
* The Krylov solvers (``cg``, ``bicg``, ``bicgstab``, ``cgs``, ``gmres``, ``lgmres``,
  ``minres``, ``qmr``, ``tfqmr``, ``gcrotmk``, ``lsqr``, ``lsmr``) are SciPy's algorithms
  written on trnpy arrays: their vectors stay on the operator's device (on the neuron
  device a BSR matrix's products run the NKI BSR kernel), and iteration counts and
  ``info`` equal SciPy's.
* Steps with no device implementation (sparse LU, ARPACK, ...) run on the host through
  SciPy, are counted in ``trnpy.routing_report()`` and refused under
  ``trnpy.strict_kernels()`` on the neuron device; results come back as trnpy arrays on
  the input's device.
"""
from ._interface import *  # noqa: F401,F403
from ._interface import __all__ as _i_all
from ._isolve import *  # noqa: F401,F403
from ._isolve import __all__ as _s_all
from ._gcrot import *  # noqa: F401,F403
from ._gcrot import __all__ as _g_all
from ._lsq import *  # noqa: F401,F403
from ._lsq import __all__ as _l_all
from ._host import *  # noqa: F401,F403
from ._host import __all__ as _h_all

__all__ = list(_i_all) + list(_s_all) + list(_g_all) + list(_l_all) + list(_h_all)

_FROM_SCIPY = ("ArpackError", "ArpackNoConvergence", "MatrixRankWarning")


def __getattr__(name):
    if name in _FROM_SCIPY:
        import scipy.sparse.linalg  # lazy: SciPy is optional; the host steps raise its classes
        return getattr(scipy.sparse.linalg, name)
    raise AttributeError(f"module 'trnpy.sparse.linalg' has no attribute {name!r}")
