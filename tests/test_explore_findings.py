"""Defects found by the explore profile at 10x examples (issue #10 item 6) in modules
owned elsewhere; each is marked xfail(strict=True) until its owner fixes it."""
import warnings

import numpy as np
import pytest

import trnpy


@pytest.mark.xfail(strict=True, reason="torch path: nanmin/nanmax of an all-NaN complex "
                   "slice gives nan+0j; NumPy (fmin.reduce) returns the slice's first NaN "
                   "element, e.g. nan+1j or 0+nanj (trnpy/_statistics.py _nanextreme)")
@pytest.mark.parametrize("f", ["nanmin", "nanmax"])
def test_nanextreme_all_nan_complex_slice_torch(f):
    a = np.array([[complex(np.nan, 1), complex(0, np.nan)], [complex(0, np.nan), 1]],
                 np.complex64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = getattr(np, f)(a, axis=1)
        with trnpy.cpu_backend("torch"):
            got = trnpy.asnumpy(getattr(trnpy, f)(trnpy.asarray(a), axis=1))
    np.testing.assert_array_equal(got.real, expected.real)
    np.testing.assert_array_equal(got.imag, expected.imag)
