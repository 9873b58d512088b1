"""Shared test helpers: NumPy is the oracle; every differential test runs on both CPU
backends (NumPy view and torch) so the torch path that CUDA/neuron use is tested in CI."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

import trnpy

# Example counts: TRNPY_EXAMPLES_SCALE (a float, default 1) scales every @given test's
# count, the profile default and each test's own ``examples(N)`` (tests/_helpers.py).
try:
    EXAMPLES_SCALE = float(os.environ.get("TRNPY_EXAMPLES_SCALE", "1"))
except ValueError:
    raise ValueError("TRNPY_EXAMPLES_SCALE must be a number, got "
                     f"{os.environ['TRNPY_EXAMPLES_SCALE']!r}") from None
if not EXAMPLES_SCALE > 0:
    raise ValueError(f"TRNPY_EXAMPLES_SCALE must be positive, got {EXAMPLES_SCALE}")


def scaled_examples(n: int) -> int:
    return max(1, round(n * EXAMPLES_SCALE))


_HYPOTHESIS_COMMON = dict(
    # Hypothesis's own defaults as the parent, whichever profile is loaded now (it loads
    # "ci" itself when it detects CI)
    parent=settings.get_profile("default"), max_examples=scaled_examples(40), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# "default": the same examples on every run and machine (a seed from each test's name, no
# example database), so the README's test command passes or fails the same way every time.
settings.register_profile("default", derandomize=True, database=None, **_HYPOTHESIS_COMMON)
# "explore" (TRNPY_HYPOTHESIS=explore): fresh random examples each run, failures saved in
# .hypothesis/ and replayed first next time; for development, not for CI.
settings.register_profile("explore", derandomize=False, print_blob=True, **_HYPOTHESIS_COMMON)
_PROFILE = os.environ.get("TRNPY_HYPOTHESIS", "default")
if _PROFILE not in ("default", "explore"):
    raise ValueError(f"TRNPY_HYPOTHESIS must be 'default' or 'explore', got {_PROFILE!r}")
settings.load_profile(_PROFILE)

ALL_DTYPES = [np.dtype(d) for d in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128")]
INT_DTYPES = [d for d in ALL_DTYPES if d.kind in "iu"]
FLOAT_DTYPES = [d for d in ALL_DTYPES if d.kind == "f"]
COMPLEX_DTYPES = [d for d in ALL_DTYPES if d.kind == "c"]
NUMERIC_DTYPES = [d for d in ALL_DTYPES if d.kind != "b"]

HAS_CUDA = torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "cuda" in item.keywords and not HAS_CUDA:
            item.add_marker(skip)


_TEST_DEVICE = os.environ.get("TRNPY_TEST_DEVICE")


@pytest.fixture(autouse=True)
def _default_device():
    """TRNPY_TEST_DEVICE=cuda runs the whole suite with CUDA as the default device (the
    torch path on a GPU); unset, tests run on the CPU."""
    if _TEST_DEVICE:
        with trnpy.device(_TEST_DEVICE):
            yield
    else:
        yield


@pytest.fixture(params=["numpy", "torch"])
def backend(request):
    """Run the test once per CPU backend."""
    with trnpy.cpu_backend(request.param):
        yield request.param


def numpy_path(backend) -> bool:
    """Whether new default-device arrays compute with NumPy: the ``numpy`` CPU backend on
    the CPU (False under TRNPY_TEST_DEVICE=cuda, where the torch path runs)."""
    return backend == "numpy" and trnpy.get_default_device() == trnpy.device("cpu")


@pytest.fixture
def emulated_neuron():
    """The emulated neuron device (host memory, Trainium's dtype rules)."""
    return trnpy.device("neuron", emulate=True)


def default_rtol(dtype) -> float:
    dt = np.dtype(dtype)
    if dt.kind not in "fc":
        return 0.0
    bits = dt.itemsize * 8 // (2 if dt.kind == "c" else 1)
    return {16: 2e-3, 32: 2e-5, 64: 1e-12}[bits]


def to_np(x):
    if isinstance(x, trnpy.TrnArray):
        return trnpy.asnumpy(x)
    return np.asarray(x)


def is_trnpy_result(actual, expected) -> bool:
    """``actual`` is what trnpy gives for NumPy's ``expected``: a TrnArray, or, where NumPy
    gives a scalar, that scalar's type (elements and reductions are values on the CPU) or
    a 0-d TrnArray (the torch path's other 0-d results)."""
    if isinstance(expected, np.generic):
        return type(actual) is type(expected) or (
            isinstance(actual, trnpy.TrnArray) and actual.ndim == 0)
    return isinstance(actual, trnpy.TrnArray)


def assert_matches(actual, expected, *, rtol=None, atol=0.0, check_dtype=True,
                   equal_nan=True, check_sign_of_zero=False):
    """``actual`` (trnpy) equals ``expected`` (NumPy): shape, dtype and values."""
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_matches(a, e, rtol=rtol, atol=atol, check_dtype=check_dtype,
                           equal_nan=equal_nan, check_sign_of_zero=check_sign_of_zero)
        return
    if isinstance(actual, np.generic):
        # a value (CPU elements and reductions): only where NumPy gives one, same type
        assert np.ndim(expected) == 0, f"got a NumPy scalar {actual!r} for shape " \
            f"{np.shape(expected)}"
        if check_dtype and isinstance(expected, np.generic):
            assert type(actual) is type(expected), f"{type(actual)} != {type(expected)}"
    else:
        assert isinstance(actual, trnpy.TrnArray), f"expected a TrnArray, got {type(actual)}"
    expected = np.asarray(expected)
    a = to_np(actual)
    assert a.shape == expected.shape, f"shape {a.shape} != {expected.shape}"
    if check_dtype:
        assert a.dtype == expected.dtype, f"dtype {a.dtype} != {expected.dtype}"
    if rtol is None:
        rtol = default_rtol(expected.dtype)
    if expected.dtype.kind == "c" or a.dtype.kind == "c":
        # part by part: NumPy's complex comparison mishandles an inf in one part
        for part in (np.real, np.imag):
            np.testing.assert_allclose(part(a), part(expected), rtol=rtol, atol=atol,
                                       equal_nan=equal_nan)
    elif expected.dtype.kind == "f" or a.dtype.kind == "f":
        np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, equal_nan=equal_nan)
        if check_sign_of_zero and expected.dtype.kind == "f":
            z = expected == 0
            np.testing.assert_array_equal(np.signbit(a[z]), np.signbit(expected[z]))
    else:
        np.testing.assert_array_equal(a, expected)
