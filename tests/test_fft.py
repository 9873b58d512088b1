"""trnpy.fft, differential against numpy.fft on both CPU backends. The tolerance is the
FFT's error bound: a few eps * log2(N) * sum|x| times the normalisation factor."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
import trnpy.fft as tfft
from _helpers import examples, rand
from conftest import ALL_DTYPES, assert_matches, to_np

SIZES = [1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 64, 97]
IN_DTYPES = [np.dtype(d) for d in ("float32", "float64", "complex64", "complex128", "int32",
                                   "float16", "bool", "uint8")]
NORMS = [None, "backward", "ortho", "forward"]


def check(got, exp, x, n_total, norm, inverse=False):
    exp = np.asarray(exp)
    a = to_np(got)
    assert a.shape == exp.shape, (a.shape, exp.shape)
    assert a.dtype == exp.dtype, (a.dtype, exp.dtype)
    eps = np.finfo(exp.dtype).eps
    fwd = {None: 1, "backward": 1, "ortho": n_total ** -0.5, "forward": 1 / n_total}
    bwd = {None: 1 / n_total, "backward": 1 / n_total, "ortho": n_total ** -0.5,
           "forward": 1}
    fct = (bwd if inverse else fwd)[norm]
    # the input is real/complex data up to ~n_total times (hfft/irfft mirror it)
    atol = 8 * eps * np.log2(n_total + 2) * np.abs(x.astype(np.complex128)).sum() * fct * 2
    np.testing.assert_allclose(a, exp, atol=atol + 1e-300, rtol=0)


@settings(max_examples=examples(50))
@given(st.sampled_from(["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]),
       st.sampled_from(IN_DTYPES), hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                    max_side=3),
       st.sampled_from(SIZES), st.sampled_from([None] + SIZES), st.sampled_from(NORMS),
       st.integers(0, 2**31), st.booleans())
def test_1d_transforms(backend, name, dt, batch, m, n, norm, seed, flip):
    rng = np.random.default_rng(seed)
    axis = rng.integers(-len(batch) - 1, len(batch) + 1)
    shape = list(batch)
    shape.insert(int(axis) % (len(batch) + 1), m)
    x = rand(rng, tuple(shape), dt)
    if flip:
        x = x[..., ::-1]
    f, nf = getattr(tfft, name), getattr(np.fft, name)
    try:
        exp = nf(x, n=n, axis=int(axis), norm=norm)
    except (TypeError, ValueError) as e:
        with pytest.raises(type(e)):
            f(trnpy.asarray(x), n=n, axis=int(axis), norm=norm)
        return
    t = trnpy.asarray(x)
    got = f(t, n=n, axis=int(axis), norm=norm)
    length = exp.shape[int(axis)] if name in ("irfft", "hfft") else (n or m)
    check(got, exp, x, max(length, 1), norm, inverse=name in ("ifft", "irfft", "ihfft"))
    np.testing.assert_array_equal(to_np(t), x)


@settings(max_examples=examples(40))
@given(st.sampled_from(["fftn", "ifftn", "rfftn", "irfftn"]),
       st.sampled_from([np.dtype(d) for d in ("float32", "float64", "complex64",
                                              "complex128", "int64", "float16")]),
       hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
       st.sampled_from(NORMS), st.integers(0, 2**31), st.data())
def test_nd_transforms(backend, name, dt, shape, norm, seed, data):
    rng = np.random.default_rng(seed)
    x = rand(rng, shape, dt)
    nd = len(shape)
    axes = data.draw(st.one_of(
        st.none(),
        st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique=True),
        st.lists(st.integers(-nd, nd - 1), min_size=2, max_size=3)))   # repeats allowed
    s = None
    if axes is not None and data.draw(st.booleans()):
        s = [data.draw(st.sampled_from([-1, 1, 2, 3, 5, 8])) for _ in axes]
    f, nf = getattr(tfft, name), getattr(np.fft, name)
    try:
        exp = nf(x, s=s, axes=axes, norm=norm)
    except (TypeError, ValueError) as e:
        with pytest.raises(type(e)):
            f(trnpy.asarray(x), s=s, axes=axes, norm=norm)
        return
    got = f(trnpy.asarray(x), s=s, axes=axes, norm=norm)
    ax = range(nd) if axes is None else axes
    n_total = int(np.prod([max(exp.shape[a] if name != "rfftn" else x.shape[a], 1)
                           for a in set(ax)])) ** (1 if axes is None or
                                                   len(set(axes)) == len(axes) else 2)
    if s is not None:
        n_total = max(n_total, int(np.prod([max(v, 1) for v in s])))
    check(got, exp, x, n_total, norm, inverse=name in ("ifftn", "irfftn"))


def test_2d_names_and_empty_axes(backend):
    x = np.arange(24.0).reshape(2, 3, 4)
    t = trnpy.asarray(x)
    for name in ("fft2", "ifft2", "rfft2"):
        assert_matches(getattr(tfft, name)(t), getattr(np.fft, name)(x), rtol=1e-12,
                       atol=1e-12)
    c = np.fft.rfft2(x)
    assert_matches(tfft.irfft2(trnpy.asarray(c)), np.fft.irfft2(c), rtol=1e-12, atol=1e-12)
    assert_matches(tfft.fftn(t, axes=()), np.fft.fftn(x, axes=()))


def test_fft_errors_leave_input(backend):
    x = np.arange(4.0)
    t = trnpy.asarray(x)
    with pytest.raises(ValueError, match="Invalid number"):
        tfft.fft(t, n=0)
    with pytest.raises(ValueError, match="Invalid number"):
        tfft.fft(trnpy.asarray(np.zeros(0)))
    with pytest.raises(ValueError, match="Invalid number"):
        tfft.irfft(trnpy.asarray(np.ones(1)))
    with pytest.raises(ValueError, match="norm"):
        tfft.fft(t, norm="bogus")
    with pytest.raises(np.exceptions.AxisError):
        tfft.fft(t, axis=1)
    with pytest.raises(IndexError):
        tfft.fft(t, axis=-2)
    with pytest.raises(TypeError):
        tfft.fft(t, n=2.0)
    with pytest.raises(TypeError):
        tfft.rfft(trnpy.asarray(np.ones(3, complex)))
    with pytest.raises(ValueError):
        tfft.fftn(t, s=[2, 2], axes=[0])
    np.testing.assert_array_equal(to_np(t), x)


def test_padding_of_empty_and_out(backend):
    assert_matches(tfft.fft(trnpy.asarray(np.zeros(0)), n=4), np.fft.fft(np.zeros(0), n=4))
    assert_matches(tfft.fft(trnpy.asarray(np.zeros((0, 3)))), np.fft.fft(np.zeros((0, 3))))
    assert_matches(tfft.rfftn(trnpy.asarray(np.zeros((0, 3))), axes=[0, 1], s=[2, 3]),
                   np.fft.rfftn(np.zeros((0, 3)), axes=[0, 1], s=[2, 3]))
    x = np.arange(5.0)
    out = trnpy.asarray(np.zeros(5, complex))
    r = tfft.fft(trnpy.asarray(x), out=out)
    assert r is out
    assert_matches(out, np.fft.fft(x), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError):
        tfft.fft(trnpy.asarray(x), out=trnpy.asarray(np.zeros(4, complex)))


@pytest.mark.parametrize("n", [1, 2, 7, 8, 13])
@pytest.mark.parametrize("d", [1.0, 0.25, 3])
def test_freqs(n, d):
    assert_matches(tfft.fftfreq(n, d), np.fft.fftfreq(n, d))
    assert_matches(tfft.rfftfreq(n, d=d), np.fft.rfftfreq(n, d))
    assert_matches(tfft.fftfreq(n, d, dtype="float32"), np.fft.fftfreq(n, d).astype(np.float32))
    with pytest.raises(TypeError):
        tfft.fftfreq(n, dtype="int64")


@settings(max_examples=examples(40))
@given(st.sampled_from(ALL_DTYPES), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                     max_side=5), st.data())
def test_shifts(backend, dt, shape, data):
    x = data.draw(hnp.arrays(dt, shape))
    nd = len(shape)
    axes = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1) if nd else st.none(),
                               st.lists(st.integers(-nd, nd - 1), max_size=3)
                               if nd else st.none()))
    t = trnpy.asarray(x)
    if nd == 0 and axes is None:            # NumPy's roll refuses this
        with pytest.raises(ValueError):
            np.fft.fftshift(x)
        with pytest.raises(ValueError):
            tfft.fftshift(t)
        return
    assert_matches(tfft.fftshift(t, axes=axes), np.fft.fftshift(x, axes=axes))
    assert_matches(tfft.ifftshift(t, axes=axes), np.fft.ifftshift(x, axes=axes))


def test_emulated_neuron_fft(emulated_neuron):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 16)).astype(np.float32)
    t = trnpy.asarray(x, device=emulated_neuron)
    for name in ("fft", "rfft", "ihfft"):
        got = getattr(tfft, name)(t)
        assert got.device == emulated_neuron and got.dtype == np.complex64
        check(got, getattr(np.fft, name)(x), x, 16, None, inverse=name == "ihfft")
    c = np.fft.rfft(x).astype(np.complex64)
    got = tfft.irfft(trnpy.asarray(c, device=emulated_neuron))
    assert got.dtype == np.float32
    check(got, np.fft.irfft(c), c, 30, None, inverse=True)
    got = tfft.fftn(t)
    check(got, np.fft.fftn(x), x, 48, None)
    f = tfft.fftfreq(8, device=emulated_neuron)
    assert f.dtype == np.float32 and f.device == emulated_neuron
    with pytest.raises(TypeError, match="float64"):
        tfft.fftfreq(8, dtype="float64", device=emulated_neuron)
    with pytest.raises(TypeError, match="float64"):
        tfft.fft(trnpy.asarray(np.arange(4), device=emulated_neuron))   # -> complex128
    assert_matches(tfft.fftshift(t), np.fft.fftshift(x))


def test_repeat_calls_reuse_the_validated_plan():
    """Repeat 1-D transforms on the torch path skip the checks (fft/_fft.py ``_PLANS``);
    they must give the same answers and still refuse what the checks refuse."""
    from trnpy.fft import _fft
    rng = np.random.default_rng(0)
    c = rng.standard_normal((3, 7)) + 1j * rng.standard_normal((3, 7))
    with trnpy.cpu_backend("torch"):
        x = trnpy.asarray(c)
        for name in ("fft", "ifft", "irfft", "hfft"):
            f, g = getattr(np.fft, name), getattr(trnpy.fft, name)
            for kw in ({}, {"n": 5}, {"axis": 0, "norm": "ortho"}, {"n": 12, "axis": -1}):
                first = trnpy.asnumpy(g(x, **kw))
                routes = trnpy.ROUTES[("fft", "torch")]
                again = g(x, **kw)                                  # the planned path
                assert trnpy.ROUTES[("fft", "torch")] == routes + 1
                assert_matches(again, f(c, **kw), rtol=1e-12, atol=1e-12)
                np.testing.assert_array_equal(trnpy.asnumpy(again), first)
        assert _fft._PLANS
        with pytest.raises(ValueError, match="norm"):
            trnpy.fft.fft(x, norm="bogus")
        with pytest.raises(ValueError, match="Invalid number"):
            trnpy.fft.fft(x, n=0)
        with pytest.raises(np.exceptions.AxisError):
            trnpy.fft.fft(x, axis=2)
        real = trnpy.asarray(c.real)                          # a cast: the long way
        assert_matches(trnpy.fft.fft(real), np.fft.fft(c.real), rtol=1e-12, atol=1e-12)
        assert_matches(trnpy.fft.fft(real), np.fft.fft(c.real), rtol=1e-12, atol=1e-12)
        one = trnpy.asarray(c[:, :1])                         # irfft of length 1 -> n = 0
        with pytest.raises(ValueError):
            trnpy.fft.irfft(one)
    with trnpy.cpu_backend("numpy"):                          # the NumPy route's plans
        x = trnpy.asarray(c, device="cpu")
        for kw in ({}, {"n": 5, "axis": 0}):
            trnpy.fft.fft(x, **kw)
            routes = trnpy.ROUTES[("fft", "numpy")]
            assert_matches(trnpy.fft.fft(x, **kw), np.fft.fft(c, **kw))
            assert trnpy.ROUTES[("fft", "numpy")] == routes + 1
        with pytest.raises(ValueError):
            trnpy.fft.irfft(trnpy.asarray(c[:, :1], device="cpu"))
