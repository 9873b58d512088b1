"""trnpy.fft as a uarray backend of scipy.fft: every multimethod, inside
``scipy.fft.set_backend(trnpy.fft)``, runs in trnpy on trnpy arrays and matches SciPy's
own result on the NumPy array (dtype, shape, values)."""
import warnings

import numpy as np
import pytest
import scipy.fft as sf
from hypothesis import given, settings, strategies as st

import trnpy
import trnpy.fft as tfft
from _helpers import examples
from conftest import to_np

MULTIMETHODS = [n for n in sf.__all__ if type(getattr(sf, n)).__name__ == "_Function"]
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn", "hfft2",
       "ihfft2", "hfftn", "ihfftn"]
R2R = ["dct", "idct", "dst", "idst"]
R2RN = ["dctn", "idctn", "dstn", "idstn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "rfftn", "ihfft2", "ihfftn"}
DTYPES = ["float32", "float64", "complex64", "complex128", "int64", "float16"]


def test_every_multimethod_is_covered():
    assert set(MULTIMETHODS) == set(ONE_D + N_D + R2R + R2RN + ["fht", "ifht"])
    for n in MULTIMETHODS:
        assert callable(getattr(tfft, n))


def _input(rng, shape, dt, name):
    dt = np.dtype(dt)
    if name in REAL_IN and dt.kind == "c":
        dt = np.dtype(np.float64 if dt == np.complex128 else np.float32)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    if dt.kind == "i":
        return rng.integers(-9, 9, shape).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def _close(got, exp, x):
    assert isinstance(got, trnpy.TrnArray), type(got)
    a = to_np(got)
    exp = np.asarray(exp)
    assert a.shape == exp.shape and a.dtype == exp.dtype, (a.shape, exp.shape, a.dtype,
                                                           exp.dtype)
    eps = np.finfo(exp.dtype).eps
    atol = 64 * eps * np.log2(2 * x.size + 4) * max(np.abs(x.astype(complex)).sum(), 1)
    np.testing.assert_allclose(a, exp, atol=atol, rtol=0)


def _run(name, x, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exp = getattr(sf, name)(x, *args, **kw)
        except Exception as e:          # noqa: BLE001
            exp = e
        a = trnpy.asarray(x)
        with sf.set_backend(tfft):
            try:
                got = getattr(sf, name)(a, *args, **kw)
            except Exception as e:      # noqa: BLE001
                got = e
    np.testing.assert_array_equal(to_np(a), x)     # input untouched
    if isinstance(exp, Exception):
        assert isinstance(got, type(exp)), (exp, got)
    else:
        assert not isinstance(got, Exception), got
        _close(got, exp, x)


@settings(max_examples=examples(60))
@given(name=st.sampled_from(ONE_D), dt=st.sampled_from(DTYPES),
       m=st.sampled_from([1, 2, 3, 5, 8, 13, 16]), n=st.sampled_from([None, 1, 4, 7]),
       norm=st.sampled_from([None, "backward", "ortho", "forward"]),
       axis=st.sampled_from([0, -1]), positional=st.booleans(), seed=st.integers(0, 99))
def test_one_d(backend, name, dt, m, n, norm, axis, positional, seed):
    x = _input(np.random.default_rng(seed), (m, 3) if axis == 0 else (3, m), dt, name)
    if positional:     # SciPy's positional order: x, n, axis, norm, overwrite_x, workers
        _run(name, x, n, axis, norm, False, 1)
    else:
        _run(name, x, n=n, axis=axis, norm=norm, workers=2)


@settings(max_examples=examples(60))
@given(name=st.sampled_from(N_D), dt=st.sampled_from(DTYPES),
       shape=st.sampled_from([(2, 3), (4, 1, 5), (1, 1), (3, 4, 2)]),
       norm=st.sampled_from([None, "ortho", "forward"]), data=st.data(),
       seed=st.integers(0, 99))
def test_n_d(backend, name, dt, shape, norm, data, seed):
    x = _input(np.random.default_rng(seed), shape, dt, name)
    kw = {"norm": norm}
    if name.endswith("n"):
        kw["axes"] = data.draw(st.sampled_from([None, (0,), (-1, 0), (0, 0)]))
    if data.draw(st.booleans()):
        k = len(kw["axes"]) if kw.get("axes") else (2 if name.endswith("2") else len(shape))
        kw["s"] = data.draw(st.lists(st.sampled_from([1, 2, 3, 6]), min_size=k, max_size=k))
    _run(name, x, **kw)


@settings(max_examples=examples(60))
@given(name=st.sampled_from(R2R + R2RN), type_=st.integers(1, 4),
       dt=st.sampled_from(DTYPES), norm=st.sampled_from([None, "ortho", "forward"]),
       ortho=st.sampled_from([None, False, True]), seed=st.integers(0, 99),
       positional=st.booleans())
def test_r2r(backend, name, type_, dt, norm, ortho, seed, positional):
    x = _input(np.random.default_rng(seed), (4, 5), dt, name)
    if positional and name in R2R:   # x, type, n, axis, norm, overwrite_x, workers, ortho
        _run(name, x, type_, None, 0, norm, False, None, ortho)
    else:
        _run(name, x, type=type_, norm=norm, orthogonalize=ortho)


@pytest.mark.parametrize("name", ["fht", "ifht"])
@pytest.mark.parametrize("bias", [0.0, 0.5])
def test_fht(backend, name, bias):
    x = np.random.default_rng(3).standard_normal((2, 16))
    _run(name, x, 0.1, 0.5, offset=0.2, bias=bias)
    _run(name, x, dln=0.05, mu=1.0)


def test_numpy_input_needs_coerce():
    x = np.random.default_rng(0).standard_normal(8)
    with sf.set_backend(tfft):                 # not coerced: SciPy's own backend runs
        r = sf.fft(x)
    assert isinstance(r, np.ndarray)
    with sf.set_backend(tfft, coerce=True):
        r = sf.fft(x)
    assert isinstance(r, trnpy.TrnArray)
    _close(r, sf.fft(x), x)
    with sf.set_backend(tfft, coerce=True):
        r = sf.dct([1.0, 2.0, 3.0])
    assert isinstance(r, trnpy.TrnArray)


def test_register_backend():
    x = np.random.default_rng(0).standard_normal((3, 8))
    sf.register_backend(tfft)          # tried before SciPy's global backend (try_last)
    r = sf.rfft(trnpy.asarray(x))
    assert isinstance(r, trnpy.TrnArray)
    _close(r, sf.rfft(x), x)
    assert isinstance(sf.rfft(x), np.ndarray)   # NumPy input still goes to SciPy


def test_result_stays_on_device(emulated_neuron):
    x = np.random.default_rng(0).standard_normal((4, 16)).astype(np.float32)
    a = trnpy.asarray(x, device=emulated_neuron)
    with sf.set_backend(tfft):
        for name in ("fft", "rfftn", "dct", "idst", "hfft2"):
            r = getattr(sf, name)(a)
            assert isinstance(r, trnpy.TrnArray) and r.device == emulated_neuron
            _close(r, getattr(sf, name)(x), x)


def test_unknown_function_is_not_implemented():
    class _Fake:
        __name__ = "no_such_transform"
    assert tfft.__ua_function__(_Fake(), (), {}) is NotImplemented
    from scipy._lib.uarray import Dispatchable
    d = [Dispatchable(np.ones(3), np.ndarray)]
    assert tfft.__ua_convert__(d, False) is NotImplemented
    assert isinstance(tfft.__ua_convert__(d, True)[0], trnpy.TrnArray)
    t = trnpy.asarray(np.ones(3))
    assert tfft.__ua_convert__([Dispatchable(t, np.ndarray)], False)[0] is t
    assert tfft.__ua_domain__ == "numpy.scipy.fft"


def test_only_backend_raises_for_unconvertible():
    import scipy._lib.uarray as ua
    with sf.set_backend(tfft, only=True):
        with pytest.raises(ua.BackendNotImplementedError):
            sf.fft(np.ones(4))                 # NumPy input, coerce=False
