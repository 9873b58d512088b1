"""Window functions (bartlett, blackman, hamming, hanning, kaiser) against NumPy."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import examples
from conftest import assert_matches

NAMES = ["bartlett", "blackman", "hamming", "hanning"]


def _np(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # kaiser's sqrt of a negative for odd M
        return f(*args)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=examples(25))
@given(M=st.one_of(st.integers(-3, 60), st.floats(-2, 30, allow_nan=False),
                   st.sampled_from([np.int16(7), np.float32(4.0), np.uint8(3), True])))
def test_windows(backend, name, M):
    assert_matches(getattr(trnpy, name)(M), getattr(np, name)(M), atol=1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # NumPy's sqrt of a negative
@settings(max_examples=examples(40))
@given(M=st.one_of(st.integers(-3, 60), st.sampled_from([2.5, 0.5, np.int8(9)])),
       beta=st.one_of(st.floats(0, 30), st.integers(0, 10), st.just(np.float32(2.5))))
def test_kaiser(backend, M, beta):
    assert_matches(trnpy.kaiser(M, beta), _np(np.kaiser, M, beta), rtol=1e-12, atol=1e-15)


def test_zero_d_array_argument(backend):
    assert_matches(trnpy.hanning(trnpy.asarray(6)), np.hanning(6))
    assert_matches(trnpy.kaiser(trnpy.asarray(6), trnpy.asarray(1.5)), np.kaiser(6, 1.5))


def test_emulated_neuron(emulated_neuron):
    for name in NAMES:
        r = getattr(trnpy, name)(9, device=emulated_neuron)
        assert r.device == emulated_neuron and r.dtype == np.float32
        assert_matches(r, getattr(np, name)(9).astype(np.float32), atol=1e-6)
    r = trnpy.kaiser(9, 4.0, device=emulated_neuron)
    assert r.dtype == np.float32
    assert_matches(r, np.kaiser(9, 4.0).astype(np.float32), atol=1e-6)
    assert trnpy.hanning(0, device=emulated_neuron).shape == (0,)


def test_errors(backend):
    with pytest.raises(TypeError):
        trnpy.hanning("5")
    with pytest.raises(TypeError):
        trnpy.kaiser(5, 1j)                      # NumPy's i0 refuses complex
    with pytest.raises(TypeError):
        np.kaiser(5, 1j)
    assert_matches(trnpy.kaiser(1, 1j), np.kaiser(1, 1j))
