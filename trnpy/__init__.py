"""trnpy: a NumPy/SciPy drop-in array library for AWS Trainium (and any torch device)."""
from __future__ import annotations

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

from ._devices import Device, device, get_default_device
from ._array import TrnArray, DeviceToHostError
from ._dtypes import (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
                      float16, float32, float64, complex64, complex128)
from ._dispatch import ROUTES, cpu_backend
from ._kernels import (KernelFallbackError, kernel_thresholds, set_kernel_threshold,
                       force_kernels, strict_kernels, routing_report, reset_routes)
from ._creation import *          # noqa: F401,F403
from ._elementwise import *       # noqa: F401,F403
from ._manipulation import *      # noqa: F401,F403
from ._indexing import *          # noqa: F401,F403
from ._reductions import *        # noqa: F401,F403
from ._searching import *         # noqa: F401,F403
from ._sorting import *           # noqa: F401,F403
from ._sets import *              # noqa: F401,F403
from ._data_types import *        # noqa: F401,F403
from ._dtype_utils import *  # noqa: F401,F403
from ._linalg_functions import *  # noqa: F401,F403
from ._math import *              # noqa: F401,F403
from ._statistics import *        # noqa: F401,F403
from ._polynomial import *        # noqa: F401,F403
from ._window import *            # noqa: F401,F403
from ._interop import *           # noqa: F401,F403
from ._io import *                # noqa: F401,F403
from ._errstate import *          # noqa: F401,F403
from ._info import __array_namespace_info__
from ._constants import e, inf, nan, newaxis, pi, euler_gamma  # noqa: F401

ndarray = TrnArray


def _install_hot_paths():
    import operator

    import numpy

    from . import _dispatch, _hotpath, _indexing, _ufunc
    from ._devices import CPU
    ops = [globals()[f] for _, f in _hotpath.BINARY_OPS + _hotpath.COMPARISONS]
    # NumPy's ufunc on the views; ``**`` takes ndarray's own operator (see TrnArray.__pow__)
    np_ops = [operator.pow if f is power else f._np if getattr(f, "_fast_nargs", 0) == 2
              else None for f in ops]
    _hotpath.install(TrnArray, _ufunc.ufunc, CPU, _dispatch._CPU_BACKEND, numpy.ndarray,
                     _dispatch.host_result, _indexing.getitem, np_ops)


_install_hot_paths()

from . import linalg, fft, random, sparse, special  # noqa: E402,F401
