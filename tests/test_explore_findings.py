"""Defects found by the explore profile at 10x examples (issue #10 item 6), kept as
regression tests on both CPU backends."""
import warnings

import numpy as np
import pytest

import trnpy


@pytest.mark.parametrize("f", ["nanmin", "nanmax"])
def test_nanextreme_all_nan_complex_slice(backend, f):
    """nanmin/nanmax are fmin/fmax.reduce: an all-NaN slice gives its first element."""
    a = np.array([[complex(np.nan, 1), complex(0, np.nan)], [complex(0, np.nan), 1]],
                 np.complex64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = getattr(np, f)(a, axis=1)
        got = trnpy.asnumpy(getattr(trnpy, f)(trnpy.asarray(a), axis=1))
    np.testing.assert_array_equal(got.real, expected.real)
    np.testing.assert_array_equal(got.imag, expected.imag)


@pytest.mark.parametrize("f", ["nanmin", "nanmax"])
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_nanextreme_all_nan_slice_with_initial(backend, f, dt):
    """With initial= an all-NaN slice gives the initial value, without a warning."""
    a = np.array([[np.nan, np.nan], [np.nan, 2.0]], dt)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        expected = getattr(np, f)(a, axis=1, initial=5.0)
        got = trnpy.asnumpy(getattr(trnpy, f)(trnpy.asarray(a), axis=1, initial=5.0))
    np.testing.assert_array_equal(got, expected)
