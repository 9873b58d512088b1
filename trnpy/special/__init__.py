"""``trnpy.special``: SciPy's special functions on trnpy arrays (``scipy.special``'s
names, signatures and result dtypes). SciPy's array API mode finds it as ``xp.special``
(``scipy.special._support_alternative_backends._get_native_func``)."""
from . import _special
from ._special import __all__, logsumexp, log_softmax, polygamma, sinc, softmax, zeta  # noqa: F401


def __getattr__(name):
    # the elementwise functions wrap scipy.special's ufuncs: built (and SciPy imported)
    # on first use rather than with trnpy
    if name in _special._TORCH:
        u = _special._ufunc(name)
        globals()[name] = u
        return u
    raise AttributeError(f"module 'trnpy.special' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
