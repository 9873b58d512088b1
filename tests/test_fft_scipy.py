"""trnpy.fft's scipy.fft names (hfftn family, DCT/DST, FHT, fast lengths), differential
against scipy.fft on both CPU backends (the torch path builds DCT/DST from FFTs)."""
import warnings

import numpy as np
import pytest
import scipy.fft as sf
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
import trnpy.fft as tfft
from _helpers import examples, rand as _rand
from conftest import assert_matches, to_np

SIZES = [1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 64, 97]
NORMS = [None, "backward", "ortho", "forward"]
IN_DTYPES = [np.dtype(d) for d in ("float32", "float64", "complex64", "complex128",
                                   "int32", "float16", "bool")]


def rand(rng, shape, dt):
    return _rand(rng, shape, dt, int_low=-20)


def close(got, exp, x, n_total):
    """dtype/shape exact; values within the transform's error bound:
    eps * log2(N) * sum|x| (a DCT is an FFT of a length ~2N extension)."""
    exp = np.asarray(exp)
    a = to_np(got)
    assert a.shape == exp.shape, (a.shape, exp.shape)
    assert a.dtype == exp.dtype, (a.dtype, exp.dtype)
    if exp.dtype.kind not in "fc":          # empty axes: the input, unchanged
        np.testing.assert_array_equal(a, exp)
        return
    eps = np.finfo(exp.dtype).eps
    scale = np.abs(x.astype(np.complex128)).sum() if x.size else 0.0
    atol = 16 * eps * np.log2(2 * n_total + 2) * max(scale, 1e-300) * 4
    np.testing.assert_allclose(a, exp, atol=atol, rtol=0)


def _both(fs, ft, x, *args, **kw):
    """(scipy result or exception, trnpy result or exception)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            e = fs(x, *args, **kw)
        except Exception as ex:      # noqa: BLE001 - compared below
            e = ex
        try:
            g = ft(trnpy.asarray(x), *args, **kw)
        except Exception as ex:      # noqa: BLE001
            g = ex
    return e, g


def _compare(e, g, x, n_total):
    if isinstance(e, Exception):
        assert isinstance(g, type(e)), (e, g)
        return
    assert not isinstance(g, Exception), g
    close(g, e, x, n_total)


@settings(max_examples=examples(60))
@given(name=st.sampled_from(["dct", "idct", "dst", "idst"]), type_=st.integers(1, 4),
       dt=st.sampled_from(IN_DTYPES), m=st.sampled_from(SIZES),
       n=st.sampled_from([None] + SIZES), norm=st.sampled_from(NORMS),
       ortho=st.sampled_from([None, True, False]),
       batch=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
       seed=st.integers(0, 2**31), flip=st.booleans())
def test_r2r_1d(backend, name, type_, dt, m, n, norm, ortho, batch, seed, flip):
    rng = np.random.default_rng(seed)
    axis = int(rng.integers(-len(batch) - 1, len(batch) + 1))
    shape = list(batch)
    shape.insert(axis % (len(batch) + 1), m)
    x = rand(rng, tuple(shape), dt)
    if flip:
        x = x[..., ::-1]
    e, g = _both(getattr(sf, name), getattr(tfft, name), x, type=type_, n=n, axis=axis,
                 norm=norm, orthogonalize=ortho)
    _compare(e, g, x, n or m)


@settings(max_examples=examples(40))
@given(name=st.sampled_from(["dctn", "idctn", "dstn", "idstn"]), type_=st.integers(1, 4),
       dt=st.sampled_from(IN_DTYPES), norm=st.sampled_from(NORMS),
       shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
       seed=st.integers(0, 2**31), data=st.data())
def test_r2r_nd(backend, name, type_, dt, norm, shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rand(rng, shape, dt)
    axes = data.draw(st.one_of(st.none(), st.lists(st.integers(-len(shape), len(shape) - 1),
                                                   max_size=len(shape), unique=True)))
    s = None
    if data.draw(st.booleans()):
        k = len(axes) if axes is not None else data.draw(st.integers(1, len(shape)))
        s = data.draw(st.lists(st.sampled_from([1, 2, 3, 5, 8, -1]), min_size=k,
                               max_size=k))
    ortho = data.draw(st.sampled_from([None, True, False]))
    e, g = _both(getattr(sf, name), getattr(tfft, name), x, type=type_, s=s, axes=axes,
                 norm=norm, orthogonalize=ortho)
    _compare(e, g, x, 2 * max(x.size, 8))


@settings(max_examples=examples(50))
@given(name=st.sampled_from(["hfftn", "ihfftn", "hfft2", "ihfft2"]),
       dt=st.sampled_from(IN_DTYPES), norm=st.sampled_from(NORMS),
       shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=7),
       seed=st.integers(0, 2**31), data=st.data())
def test_hermitian_nd(backend, name, dt, norm, shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rand(rng, shape, dt)
    kw = {}
    if name.endswith("n"):
        kw["axes"] = data.draw(st.one_of(st.none(), st.lists(
            st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
            unique=True)))
        k = len(kw["axes"]) if kw["axes"] is not None else len(shape)
    else:
        k = 2
    if data.draw(st.booleans()):
        kw["s"] = data.draw(st.lists(st.sampled_from(SIZES[:8]), min_size=k, max_size=k))
    e, g = _both(getattr(sf, name), getattr(tfft, name), x, norm=norm, **kw)
    _compare(e, g, x, 4 * max(x.size, 8) * 8)


@settings(max_examples=examples(30))
@given(name=st.sampled_from(["fht", "ifht"]), dt=st.sampled_from(["float32", "float64"]),
       n=st.sampled_from(SIZES[1:]), mu=st.sampled_from([0.0, 0.5, 1.0, -0.5, 2.0]),
       dln=st.sampled_from([0.01, 0.1, 0.5]), offset=st.sampled_from([0.0, 0.3]),
       bias=st.sampled_from([0.0, 0.2, -0.3]), batch=st.sampled_from([(), (2,), (2, 3)]),
       seed=st.integers(0, 2**31))
def test_fht(backend, name, dt, n, mu, dln, offset, bias, batch, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(batch + (n,)).astype(dt)
    e, g = _both(getattr(sf, name), getattr(tfft, name), x, dln, mu, offset=offset,
                 bias=bias)
    if isinstance(e, Exception):
        assert isinstance(g, type(e))
        return
    a = to_np(g)
    assert a.dtype == e.dtype and a.shape == e.shape
    eps = np.finfo(e.dtype).eps
    # |u| and the bias factors scale the result: compare against the output's size
    atol = 64 * eps * np.log2(n + 2) * (np.abs(e).max() + np.abs(x).max())
    np.testing.assert_allclose(a, e, atol=atol, rtol=0)


@pytest.mark.parametrize("target", [1, 2, 7, 97, 1000, 1021, 65537])
@pytest.mark.parametrize("real", [False, True])
def test_fast_len(target, real):
    assert tfft.next_fast_len(target, real) == sf.next_fast_len(target, real)
    assert tfft.prev_fast_len(target, real) == sf.prev_fast_len(target, real)
    assert tfft.fhtoffset(0.1, 0.5, initial=0.3) == sf.fhtoffset(0.1, 0.5, initial=0.3)


def test_scipy_keywords_on_numpy_names(backend):
    x = np.random.default_rng(0).standard_normal((4, 6))
    a = trnpy.asarray(x)
    # numpy.fft and scipy.fft round differently: compare within the FFT's error bound
    close(tfft.fft(a, overwrite_x=True, workers=2), sf.fft(x), x, 6)
    close(tfft.rfftn(a, workers=-1), sf.rfftn(x), x, 24)
    close(tfft.dct(a, 2, None, -1, None, True, 2), sf.dct(x), x, 6)
    with pytest.raises(ValueError, match="workers"):
        tfft.fft(a, workers=0)
    with pytest.raises(NotImplementedError, match="plan"):
        tfft.fft(a, plan=object())
    np.testing.assert_array_equal(to_np(a), x)


def test_r2r_errors_leave_input(backend):
    x = np.arange(6.0)
    a = trnpy.asarray(x)
    for kw, exc in [({"type": 5}, ValueError), ({"n": 0}, ValueError),
                    ({"norm": "bad"}, ValueError), ({"axis": 2}, IndexError)]:
        with pytest.raises(exc):
            tfft.dct(a, **kw)
        with pytest.raises(exc):
            sf.dct(x, **kw)
    with pytest.raises(RuntimeError):
        tfft.dct(trnpy.asarray(np.ones(1)), type=1)
    with pytest.raises(ValueError, match="unique"):
        tfft.dctn(trnpy.asarray(np.ones((2, 2))), axes=(0, 0))
    with pytest.raises(TypeError):
        tfft.ihfftn(trnpy.asarray(np.ones((2, 2), complex)))
    np.testing.assert_array_equal(to_np(a), x)


def test_empty_batches(backend):
    x = np.zeros((0, 5))
    for name in ("dct", "idst"):
        assert_matches(getattr(tfft, name)(trnpy.asarray(x)), getattr(sf, name)(x))
    assert_matches(tfft.dctn(trnpy.asarray(x), axes=(1,)), sf.dctn(x, axes=(1,)))


def test_emulated_neuron(emulated_neuron):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 16)).astype(np.float32)
    a = trnpy.asarray(x, device=emulated_neuron)
    for name in ("dct", "idct", "dst", "idst"):
        for t in (1, 2, 3, 4):
            r = getattr(tfft, name)(a, type=t, norm="ortho")
            assert r.device == emulated_neuron
            close(r, getattr(sf, name)(x, type=t, norm="ortho"), x, 32)
    r = tfft.dctn(a)
    close(r, sf.dctn(x), x, 64)
    r = tfft.hfft2(a.astype(np.complex64))
    assert r.device == emulated_neuron
    close(r, sf.hfft2(x.astype(np.complex64)), x, 1024)
    r = tfft.fht(a, 0.1, 0.5)
    assert r.device == emulated_neuron
    np.testing.assert_allclose(to_np(r), sf.fht(x, 0.1, 0.5), atol=1e-4)
    with pytest.raises(TypeError, match="float64"):
        tfft.dct(trnpy.asarray(np.arange(4, dtype=np.int32), device=emulated_neuron))
