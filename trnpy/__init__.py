"""trnpy: a NumPy/SciPy drop-in array library for AWS Trainium (and any torch device)."""
from __future__ import annotations

import sys as _sys

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

from ._devices import Device, device, get_default_device
from ._array import TrnArray, DeviceToHostError
from ._dtypes import (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
                      float16, float32, float64, complex64, complex128)
from ._dispatch import cpu_backend
from ._kernel_registry import (ROUTES, KernelFallbackError, kernel_thresholds,
                               set_kernel_threshold, force_kernels, strict_kernels,
                               routing_report, reset_routes)
from ._creation import *          # noqa: F401,F403
from ._elementwise import *       # noqa: F401,F403
from ._manipulation import *      # noqa: F401,F403
from ._indexing import *          # noqa: F401,F403
from ._reductions import *        # noqa: F401,F403
from ._searching import *         # noqa: F401,F403
from ._sorting import *           # noqa: F401,F403
from ._sets import *              # noqa: F401,F403
from ._dtype_functions import *   # noqa: F401,F403
from ._array_info import *        # noqa: F401,F403
from ._linalg_functions import *  # noqa: F401,F403
from ._math import *              # noqa: F401,F403
from ._statistics import *        # noqa: F401,F403
from ._polynomial import *        # noqa: F401,F403
from ._pad import *               # noqa: F401,F403
from ._window import *            # noqa: F401,F403
from ._io import *                # noqa: F401,F403
from ._errstate import *          # noqa: F401,F403
from ._info import __array_namespace_info__
from ._constants import e, inf, nan, newaxis, pi, euler_gamma  # noqa: F401

ndarray = TrnArray

from . import linalg, fft, random, sparse, special  # noqa: E402,F401
from ._numpy_protocols import NumPyFallbackWarning  # noqa: E402,F401
from . import _array_methods  # noqa: E402
from ._scipy_dispatch import scipy_dispatch, from_environment as _scipy_env  # noqa: E402

_array_methods.attach()

_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")
from . import _array_api_namespace  # noqa: E402

#: what x.__array_namespace__() gives: trnpy with 0-d arrays where it gives NumPy scalars
array_api = _array_api_namespace.build("trnpy.array_api", _sys.modules[__name__],
                                       ("linalg", "fft"))
_THIS = array_api


def _array_namespace(self, /, *, api_version=None):
    if api_version is not None and api_version not in _API_VERSIONS:
        raise ValueError(f"unsupported array API version {api_version!r}; "
                         f"trnpy implements {', '.join(_API_VERSIONS)}")
    return _THIS


TrnArray.__array_namespace__ = _array_namespace

_scipy_env()         # TRNPY_SCIPY_DISPATCH=1: SciPy dispatch on from the start
