"""``trnpy.linalg``: the array API linear algebra extension, with NumPy's names and
signatures (``numpy.linalg.LinAlgError`` is the error class)."""
from ._linalg import *  # noqa: F401,F403
from ._linalg import __all__  # noqa: F401
