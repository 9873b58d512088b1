"""``trnpy.fft``: the array API FFT extension with NumPy's names and signatures, the
``scipy.fft`` names NumPy lacks (SciPy's signatures), and the uarray backend protocol so
that ``scipy.fft.set_backend(trnpy.fft)`` works.

Where NumPy and SciPy share a name (``fft``, ``fftn``, ...), NumPy's positional signature
holds (``out`` is the 5th parameter) and SciPy's ``overwrite_x``, ``workers`` and
``plan`` are accepted as keywords; the uarray backend maps SciPy's positional calls.
``overwrite_x`` and ``workers`` never change results; ``plan`` raises
NotImplementedError.
"""
from ._fft import *  # noqa: F401,F403
from ._fft import __all__ as _fft_all
from ._scipy import *  # noqa: F401,F403
from ._scipy import __all__ as _scipy_all
from ._backend import __ua_domain__, __ua_function__, __ua_convert__  # noqa: F401

__all__ = list(_fft_all) + list(_scipy_all)
