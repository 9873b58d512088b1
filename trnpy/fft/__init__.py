"""``trnpy.fft``: the array API FFT extension, with NumPy's names and signatures."""
from ._fft import *  # noqa: F401,F403
from ._fft import __all__  # noqa: F401
