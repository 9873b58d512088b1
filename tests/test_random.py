"""trnpy.random against NumPy's Philox Generator: every device-sampled method bit for bit
(values, dtypes and the bit generator's state afterwards) on both CPU backends and the
emulated neuron device; host-drawn methods, other bit generators and the legacy API
equal to NumPy's; NumPy's errors with nothing drawn."""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import trnpy
from trnpy import random as tr
from trnpy import _random_bits
from trnpy.random import _samplers
from trnpy._devices import CPU

from _helpers import examples
from conftest import to_np


def _ref(seed):
    return np.random.Generator(np.random.Philox(seed))


def _state_eq(a, b):
    a, b = a.bit_generator.state, b.bit_generator.state
    assert a["buffer_pos"] == b["buffer_pos"] and a["has_uint32"] == b["has_uint32"]
    assert a["uinteger"] == b["uinteger"]
    np.testing.assert_array_equal(a["buffer"], b["buffer"])
    for k in ("counter", "key"):
        np.testing.assert_array_equal(a["state"][k], b["state"][k])


def _bits_eq(actual, expected):
    """Bit-for-bit equality (dtype, shape, every bit, NaN and -0.0 included)."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, trnpy.TrnArray), type(actual)
        a, expected = np.ascontiguousarray(to_np(actual)), np.ascontiguousarray(expected)
        assert a.dtype == expected.dtype and a.shape == expected.shape
        np.testing.assert_array_equal(a.view(np.uint8), expected.view(np.uint8))
    else:
        assert type(actual) is type(expected) and actual == expected


# (method, args, kwargs): every method sampled on the device, with each dtype path
DEVICE_CALLS = [
    ("random", (), {}),
    ("random", (), {"dtype": np.float32}),
    ("standard_normal", (), {}),
    ("standard_normal", (), {"dtype": np.float32}),
    ("standard_exponential", (), {}),
    ("standard_exponential", (), {"dtype": np.float32}),
    ("standard_exponential", (), {"method": "inv"}),
    ("standard_exponential", (), {"method": "inv", "dtype": np.float32}),
    ("integers", (0, 1000), {}),
    ("integers", (-7, 2 ** 40 + 3), {}),
    ("integers", (5,), {"endpoint": True, "dtype": np.int32}),
    ("integers", (0, 2 ** 32), {"dtype": np.uint32}),
    ("integers", (-(2 ** 31), 2 ** 31 - 1), {"dtype": np.int32, "endpoint": True}),
    ("integers", (0, 2 ** 64), {"dtype": np.uint64}),
    ("integers", (3, 2 ** 63 + 2 ** 62), {"dtype": np.uint64}),
    ("integers", (-(2 ** 63), 2 ** 63 - 1), {"dtype": np.int64}),
    ("integers", (-100, 100), {"dtype": np.int16}),
    ("integers", (0, 65536), {"dtype": np.uint16}),
    ("integers", (0, 200), {"dtype": np.uint8}),
    ("integers", (-128, 127), {"dtype": np.int8, "endpoint": True}),
    ("integers", (0, 2), {"dtype": np.bool_}),
    ("integers", (4, 5), {}),
    ("uniform", (-2.5, 3.0), {}),
    ("normal", (1.5, 2.0), {}),
    ("exponential", (3.0,), {}),
]
SIZES = [0, 1, 7, 33, 1001, (3, 5), (2, 0, 3)]


def _prefix(g, r, k32, k64):
    """Move both streams to the same position: ``k32`` 32-bit draws (an odd count leaves
    a buffered half), then ``k64`` raw words (a partly used block)."""
    for x in (g, r):
        if k32:
            np.random.Generator.integers(x, 0, 2 ** 32, size=k32, dtype=np.uint32)
        if k64:
            x.bit_generator.random_raw(k64)


@pytest.mark.parametrize("call", DEVICE_CALLS, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
@given(seed=st.integers(0, 2 ** 128 - 1), size=st.sampled_from(SIZES),
       k32=st.integers(0, 3), k64=st.integers(0, 5))
@settings(max_examples=examples(12))
def test_device_methods_bit_for_bit(backend, call, seed, size, k32, k64):
    name, args, kw = call
    g, r = tr.default_rng(seed), _ref(seed)
    _prefix(g, r, k32, k64)
    _bits_eq(getattr(g, name)(*args, size=size, **kw), getattr(r, name)(*args, size=size, **kw))
    _state_eq(g, r)
    # the stream goes on as NumPy's
    _bits_eq(g.random(3), r.random(3))


@pytest.mark.parametrize("size", [None, (2, 3, 4)])
def test_array_parameters_broadcast(backend, size):
    g, r = tr.default_rng(6), _ref(6)
    loc = np.linspace(-1.0, 1.0, 3).reshape(3, 1)
    scale = np.array([0.5, 1.0, 2.0, 0.0])
    for name, args in [("normal", (loc, scale)), ("uniform", (loc, loc + scale)),
                       ("exponential", (scale,))]:
        targs = [trnpy.asarray(a) for a in args]          # trnpy arrays as parameters
        _bits_eq(getattr(g, name)(*targs, size=size), getattr(r, name)(*args, size=size))
    _state_eq(g, r)


@pytest.mark.parametrize("name,kw", [("standard_normal", {}), ("standard_normal", {"dtype": np.float32}),
                                     ("standard_exponential", {}),
                                     ("standard_exponential", {"dtype": np.float32})])
def test_ziggurat_slow_paths_large(backend, name, kw):
    # 2e5 draws reach the wedge and tail paths of every layer many times
    g, r = tr.default_rng(20261205), _ref(20261205)
    _bits_eq(getattr(g, name)(200_001, **kw), getattr(r, name)(200_001, **kw))
    _state_eq(g, r)


@pytest.mark.parametrize("kind", ["normal64", "normal32", "exp64", "exp32"])
def test_ziggurat_wedge_host_replay(monkeypatch, kind):
    """Wedge tests the device cannot decide are replayed on the host with libm: here the
    device answers are all inverted and marked undecided, so every one is replayed."""
    orig = _samplers._wedge

    def undecided(*args):
        acc, und = orig(*args)
        return ~acc, torch.ones_like(und)
    monkeypatch.setattr(_samplers, "_wedge", undecided)
    name = "standard_normal" if kind.startswith("normal") else "standard_exponential"
    dt = np.float64 if kind.endswith("64") else np.float32
    g, r = tr.default_rng(77), _ref(77)
    with trnpy.cpu_backend("torch"):
        _bits_eq(getattr(g, name)(30_001, dtype=dt), getattr(r, name)(30_001, dtype=dt))
    _state_eq(g, r)


@pytest.mark.parametrize("kind", ["normal64", "normal32", "exp64", "exp32"])
def test_ziggurat_all_on_device(monkeypatch, kind):
    """Wedges and tails are decided on the device: no word goes to the host (the host
    replay is never called), and where the device log1p does not reproduce the host's
    libm the tails are replayed there instead, bit for bit all the same."""
    name = "standard_normal" if kind.startswith("normal") else "standard_exponential"
    dt = np.float64 if kind.endswith("64") else np.float32
    calls = []
    slow = dict(_samplers._SLOW)
    monkeypatch.setitem(_samplers._SLOW, kind, lambda *a: calls.append(1) or slow[kind](*a))
    g, r = tr.default_rng(31), _ref(31)
    with trnpy.cpu_backend("torch"):
        _bits_eq(getattr(g, name)(100_001, dtype=dt), getattr(r, name)(100_001, dtype=dt))
        assert not calls
        monkeypatch.setattr(_samplers, "_libm_variant", lambda tdevice: (None, None))
        _bits_eq(getattr(g, name)(20_001, dtype=dt), getattr(r, name)(20_001, dtype=dt))
        assert calls
    _state_eq(g, r)


@given(ks=st.lists(st.one_of(st.integers(0, 2 ** 53 - 1),
                            st.sampled_from([0, 1, 2, 2 ** 52, 2 ** 53 - 1])),
                  min_size=1, max_size=200))
@settings(max_examples=examples(20))
def test_device_log1p_is_libms(ks):
    """The device log1p (libm's algorithm) gives the host libm's bits at -u, for the
    variant the host runs (FMA build or not); float32 through log1pf."""
    fused = _samplers._libm_variant(torch.device("cpu"))[0]
    assert fused is not None
    u = np.array(ks + list(_samplers._FMA_WITNESSES), dtype=np.float64) * 2.0 ** -53
    got = _samplers._log1p64(torch.from_numpy(-u), fused).numpy()
    exp = np.array([math.log1p(-v) for v in u])
    np.testing.assert_array_equal(got.view(np.int64), exp.view(np.int64))
    uf = np.float32(np.array([k >> 29 for k in ks]) * 2.0 ** -24)
    lib = _samplers._libm()
    expf = np.array([lib.log1pf(float(-v)) for v in uf], dtype=np.float32)
    gotf = _samplers._log1pf(torch.from_numpy(-uf)).numpy()
    np.testing.assert_array_equal(gotf.view(np.int32), expf.view(np.int32))


@pytest.mark.parametrize("kind", ["normal64", "normal32", "exp64", "exp32"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ziggurat_stretch_too_short(monkeypatch, kind, seed):
    """A peeked stretch that ends inside a slow path (or holds too few outputs) is cut
    there and peeked again, longer."""
    monkeypatch.setattr(_samplers, "_EXTRA", -40)
    name = "standard_normal" if kind.startswith("normal") else "standard_exponential"
    dt = np.float64 if kind.endswith("64") else np.float32
    g, r = tr.default_rng(seed), _ref(seed)
    with trnpy.cpu_backend("torch"):
        for n in (50, 200, 1000, 3000):
            _bits_eq(getattr(g, name)(n, dtype=dt), getattr(r, name)(n, dtype=dt))
    _state_eq(g, r)


def test_integers_rejections_large(backend):
    # ranges where Lemire's rejection is frequent (about half the draws)
    g, r = tr.default_rng(3), _ref(3)
    for lo, hi, dt in [(0, 2 ** 31 + 1, np.int64), (0, 2 ** 63 + 1, np.uint64),
                       (0, 2 ** 15 + 1, np.uint16), (0, 129, np.uint8)]:
        _bits_eq(g.integers(lo, hi, 20_001, dtype=dt), r.integers(lo, hi, 20_001, dtype=dt))
        _state_eq(g, r)


ARRAY_BOUNDS = [
    (np.int64, lambda r: (r.integers(-50, 50, 7), r.integers(51, 2000, 7))),
    (np.int64, lambda r: (0, r.integers(1, 2 ** 40, 5))),                   # 64-bit draws?
    (np.int64, lambda r: (np.array([0, -(2 ** 62)]), np.array([2 ** 33, 2 ** 62]))),
    (np.uint64, lambda r: (np.uint64(0), np.array([2 ** 64 - 1, 2 ** 63 + 5], np.uint64))),
    (np.int32, lambda r: (r.integers(-9, 0, (3, 1)), r.integers(1, 2 ** 31 - 1, 4))),
    (np.uint32, lambda r: (0, np.array([2 ** 32 - 1, 2 ** 32, 7], np.int64))),  # full range
    (np.int16, lambda r: (np.array([-3, 0, 5]), np.array([3, 2 ** 15 - 1, 9]))),
    (np.uint8, lambda r: (0, np.array([1, 1, 255, 256, 17]))),             # rng 0: no draw
    (np.bool_, lambda r: (0, np.array([1, 2, 2, 1, 2]))),
    (np.int64, lambda r: (0, np.array([2 ** 31 + 1, 2 ** 31 + 3, 3 * 2 ** 30]))),  # many rejections
    (np.int64, lambda r: (0, np.array([10, 2 ** 40]))),                    # 32- and 64-bit draws mixed
]


@pytest.mark.parametrize("case", range(len(ARRAY_BOUNDS)))
@given(seed=st.integers(0, 2 ** 64 - 1), size=st.sampled_from([None, 1, 3, 301]),
       k32=st.integers(0, 1), endpoint=st.booleans())
@settings(max_examples=examples(6))
def test_integers_array_bounds(backend, case, seed, size, k32, endpoint):
    dt, make = ARRAY_BOUNDS[case]
    lo, hi = make(np.random.default_rng(seed))
    if endpoint:
        hi = np.asarray(hi) - np.asarray(1, np.asarray(hi).dtype)
    bshape = np.broadcast_shapes(np.shape(lo), np.shape(hi))
    size = None if size is None else (size,) + bshape
    g, r = tr.default_rng(seed), _ref(seed)
    _prefix(g, r, k32, 0)
    tlo = trnpy.asarray(lo) if np.ndim(lo) else lo                     # trnpy arrays too
    kw = dict(size=size, dtype=dt, endpoint=endpoint)
    _bits_eq(g.integers(tlo, hi, **kw), r.integers(lo, hi, **kw))
    _state_eq(g, r)
    _bits_eq(g.random(3), r.random(3))


def test_integers_array_bounds_on_device(monkeypatch):
    """Array bounds draw on the device (NumPy's loop is not called) unless the Lemire
    rejections do not settle."""
    monkeypatch.setattr(tr, "_host_call", None)                  # any host draw fails
    g, r = tr.default_rng(5), _ref(5)
    with trnpy.cpu_backend("torch"):
        res = g.integers(np.arange(1, 1001), np.arange(2000, 3000), size=(4, 1000))
    _bits_eq(res, r.integers(np.arange(1, 1001), np.arange(2000, 3000), size=(4, 1000)))
    _state_eq(g, r)


@given(seed=st.integers(0, 2 ** 64 - 1),
       calls=st.lists(st.tuples(st.sampled_from(range(len(DEVICE_CALLS))),
                                st.sampled_from([None, 0, 1, 2, 5, 17])), min_size=1, max_size=8))
@settings(max_examples=examples(25))
def test_interleaved_calls(backend, seed, calls):
    g, r = tr.default_rng(seed), _ref(seed)
    for i, size in calls:
        name, args, kw = DEVICE_CALLS[i]
        _bits_eq(getattr(g, name)(*args, size=size, **kw),
                 getattr(r, name)(*args, size=size, **kw))
    _state_eq(g, r)


@given(seed=st.integers(0, 2 ** 64 - 1), n=st.integers(0, 70), k32=st.integers(0, 3),
       k64=st.integers(0, 5))
@settings(max_examples=examples(30))
def test_random_raw_and_bytes(backend, seed, n, k32, k64):
    g, r = tr.default_rng(seed), _ref(seed)
    _prefix(g, r, k32, k64)
    _bits_eq(g.bit_generator.random_raw(n), r.bit_generator.random_raw(n))
    _bits_eq(g.bytes(n), r.bytes(n))
    _state_eq(g, r)
    assert g.bit_generator.random_raw() == r.bit_generator.random_raw()
    assert g.bit_generator.random_raw(3, output=False) is None
    r.bit_generator.random_raw(3, output=False)
    _state_eq(g, r)


@given(key=st.tuples(st.integers(0, 2 ** 64 - 1), st.integers(0, 2 ** 64 - 1)),
       counter=st.tuples(*[st.sampled_from([0, 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64 - 2, 12345])
                           for _ in range(4)]),
       n=st.integers(1, 9))
@settings(max_examples=examples(40))
def test_philox_words_known_answers(monkeypatch, key, counter, n):
    """The routing point's words (the limb arithmetic of non-CPU devices) against NumPy's
    Philox at any key and counter (carries across all four counter words included)."""
    monkeypatch.setattr(_random_bits, "CPU_WORDS_FROM_NUMPY", False)
    bg = np.random.Philox(key=np.array(key, np.uint64), counter=np.array(counter, np.uint64))
    expected = bg.random_raw(4 * n)
    w = _random_bits.philox_words(key, counter, n, CPU, torch.device("cpu"))
    np.testing.assert_array_equal(w.numpy().view(np.uint64), expected)
    assert _random_bits.philox_block(key, _random_bits.add_counter(counter, n)) == \
        [int(v) for v in expected[-4:]]


@pytest.mark.parametrize("call", DEVICE_CALLS, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
def test_device_methods_on_limb_words(monkeypatch, call):
    """Every device sampler over words from the torch limb arithmetic (the pure-torch
    Philox that CUDA runs, forced on the CPU), bit for bit NumPy's, mid-block starts
    included."""
    monkeypatch.setattr(_random_bits, "CPU_WORDS_FROM_NUMPY", False)
    name, args, kw = call
    size = 20_001 if DEVICE_CALLS.index(call) % 3 == 0 else 2_001
    g, r = tr.default_rng(2027), _ref(2027)
    _prefix(g, r, 1, 3)
    with trnpy.cpu_backend("torch"):
        _bits_eq(getattr(g, name)(*args, size=size, **kw),
                 getattr(r, name)(*args, size=size, **kw))
    _state_eq(g, r)


def test_random123_known_answer(monkeypatch):
    monkeypatch.setattr(_random_bits, "CPU_WORDS_FROM_NUMPY", False)
    # Random123's kat_vectors: philox4x64_10 of counter/key pi digits
    ctr = [0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89]
    key = [0x452821e638d01377, 0xbe5466cf34e90c6c]
    expected = [0xa528f45403e61d95, 0x38c72dbd566e9788, 0xa5a1610e72fd18b5, 0x57bd43b5e52b7fe6]
    assert _random_bits.philox_block(key, ctr) == expected
    w = _random_bits.philox_words(key, _random_bits.add_counter(ctr, -1), 1, CPU,
                                  torch.device("cpu"))
    assert [int(v) for v in w.numpy().view(np.uint64)] == expected


def test_spawn_jumped_advance_state_restore(backend):
    g, r = tr.default_rng(11), _ref(11)
    for cg, cr in zip(g.spawn(3), r.spawn(3)):
        assert type(cg) is tr.Generator
        _bits_eq(cg.standard_normal(9), cr.standard_normal(9))
    jg, jr = g.bit_generator.jumped(2), r.bit_generator.jumped(2)
    assert isinstance(jg, tr.Philox)
    _bits_eq(tr.Generator(jg).integers(0, 10, 13), np.random.Generator(jr).integers(0, 10, 13))
    g.bit_generator.advance(1000)
    r.bit_generator.advance(1000)
    _bits_eq(g.random(5, dtype=np.float32), r.random(5, dtype=np.float32))
    saved = g.bit_generator.state
    a = g.standard_exponential(21)
    g.bit_generator.state = saved
    _bits_eq(g.standard_exponential(21), to_np(a))
    r.standard_exponential(21)
    _state_eq(g, r)


def test_out_arrays(backend):
    g, r = tr.default_rng(5), _ref(5)
    out = trnpy.zeros((4, 3))
    assert g.random(out=out) is out
    _bits_eq(out, r.random(out=np.zeros((4, 3))))
    f = trnpy.zeros((3, 4), dtype=np.float32).T             # Fortran order: memory order
    res = g.standard_normal(size=(4, 3), dtype=np.float32, out=f)
    _bits_eq(res, r.standard_normal(size=(4, 3), dtype=np.float32,
                                     out=np.zeros((3, 4), np.float32).T))
    with pytest.raises(TypeError, match="wrong type"):
        g.random(out=trnpy.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="size must match"):
        g.standard_exponential(size=4, out=trnpy.zeros(3))
    _state_eq(g, r)


def _same_error(call_g, call_r, g, r):
    with pytest.raises(Exception) as ei:
        call_r(r)
    with pytest.raises(type(ei.value)) as eg:
        call_g(g)
    assert str(eg.value) == str(ei.value)
    _state_eq(g, r)


@pytest.mark.parametrize("call", [
    lambda x: x.normal(0, -1.0, size=3),
    lambda x: x.normal(0, [1.0, -0.0], size=2),
    lambda x: x.exponential(-2.0, size=4),
    lambda x: x.uniform(1.0, 0.0, size=4),
    lambda x: x.uniform(0.0, np.inf, size=4),
    lambda x: x.uniform([0.0, np.nan], 1.0, size=2),
    lambda x: x.normal([0.0, 1.0], 1.0, size=3),
    lambda x: x.integers(5, 5, size=3),
    lambda x: x.integers(5, 4, size=3, endpoint=True),
    lambda x: x.integers(-1, 10, size=3, dtype=np.uint8),
    lambda x: x.integers(0, 300, size=3, dtype=np.uint8),
    lambda x: x.integers(0, 10, size=3, dtype=np.float64),
    lambda x: x.random(size=-1),
    lambda x: x.random(size=(2, "a")),
    lambda x: x.random(size=3, dtype=np.int32),
    lambda x: x.standard_normal(size=3, dtype=np.float16),
    lambda x: x.standard_exponential(size=3, dtype="i8"),
    lambda x: x.choice(5, 3, p=[0.5, 0.5, 0.5, 0.0, 0.0]),
    lambda x: x.choice(5, 6, replace=False),
    lambda x: x.gamma(-1.0, size=2),
    lambda x: x.integers([0, 0], [0, 5]),
    lambda x: x.integers([1, 0], [0, 5], endpoint=True),
    lambda x: x.integers([3, 4], [1, 9]),
    lambda x: x.integers(np.array([-1, 0]), [3, 5], dtype=np.uint8),
    lambda x: x.integers([0, 0], [3, 300], dtype=np.uint8),
    lambda x: x.integers([0, 1], [5, 6], size=(3,)),
], ids=range(26))
def test_errors_as_numpy_nothing_drawn(backend, call):
    g, r = tr.default_rng(9), _ref(9)
    _prefix(g, r, 1, 2)
    _same_error(call, call, g, r)


@pytest.mark.parametrize("name,args", [
    ("choice", (10, 4)), ("choice", (10, 4, False)), ("gamma", (2.5, 9)), ("beta", (2.0, 3.0, 7)),
    ("binomial", (10, 0.3, 11)), ("poisson", (3.0, 8)), ("permutation", (12,)),
    ("multivariate_normal", ([0.0, 1.0], [[2.0, 0.5], [0.5, 1.0]], 4)),
    ("dirichlet", ([1.0, 2.0, 3.0], 3)), ("multinomial", (10, [0.2, 0.8], 3)),
    ("standard_t", (3.0, 5)), ("lognormal", (0.0, 1.0, 6)), ("standard_gamma", (0.5, 5)),
])
def test_host_methods_equal_numpy(backend, name, args):
    g, r = tr.default_rng(42), _ref(42)
    _prefix(g, r, 1, 1)
    _bits_eq(getattr(g, name)(*args), getattr(r, name)(*args))
    _state_eq(g, r)


def test_shuffle_permuted_in_place(backend):
    g, r = tr.default_rng(8), _ref(8)
    x = trnpy.arange(20).reshape(4, 5)
    xn = np.arange(20).reshape(4, 5)
    g.shuffle(x, axis=1)
    r.shuffle(xn, axis=1)
    np.testing.assert_array_equal(to_np(x), xn)
    out = trnpy.zeros((4, 5), dtype=np.int64)
    assert g.permuted(x, axis=0, out=out) is out
    np.testing.assert_array_equal(to_np(out), r.permuted(xn, axis=0))
    _bits_eq(g.permutation(x), r.permutation(xn))
    _state_eq(g, r)


def test_generator_protocol():
    g = tr.default_rng(1)
    assert isinstance(g, np.random.Generator) and isinstance(g.bit_generator, np.random.Philox)
    assert tr.default_rng(g) is g
    ng = np.random.default_rng(2)
    w = tr.default_rng(ng)
    assert isinstance(w, tr.Generator) and w.bit_generator is ng.bit_generator
    h = pickle.loads(pickle.dumps(g))
    assert type(h) is tr.Generator
    _bits_eq(h.random(4), to_np(g.random(4)))
    assert isinstance(g.random(), float)
    assert type(g.integers(5)) is np.int64
    assert type(g.integers(5, dtype=int)) is int
    assert isinstance(g.normal(), float)


@pytest.mark.parametrize("cls", ["PCG64", "PCG64DXSM", "MT19937", "SFC64"])
def test_other_bit_generators(backend, cls):
    g = tr.Generator(getattr(tr, cls)(7))
    r = np.random.Generator(getattr(np.random, cls)(7))
    assert isinstance(g.bit_generator, getattr(np.random, cls))
    for name, args in [("random", (5,)), ("standard_normal", (6,)), ("integers", (0, 9, 4)),
                       ("uniform", (1, 2, 3))]:
        _bits_eq(getattr(g, name)(*args), getattr(r, name)(*args))
    _bits_eq(g.bit_generator.random_raw(4), r.bit_generator.random_raw(4))
    if cls != "SFC64":
        assert type(g.bit_generator.jumped()) is getattr(tr, cls)


def test_legacy_api(backend):
    rs, nrs = tr.RandomState(5), np.random.RandomState(5)
    assert isinstance(rs, np.random.RandomState)
    for name, args in [("rand", (3, 2)), ("randn", (4,)), ("randint", (0, 9, 5)),
                       ("random_sample", (3,)), ("normal", (1.0, 2.0, 3)),
                       ("multivariate_normal", ([0.0, 0.0], np.eye(2), 3)),
                       ("choice", (5, 3)), ("permutation", (6,)), ("tomaxint", (2,))]:
        _bits_eq(getattr(rs, name)(*args), getattr(nrs, name)(*args))
    _bits_eq(rs.standard_normal(), nrs.standard_normal())   # the cached Gaussian half
    x, xn = trnpy.arange(7), np.arange(7)
    rs.shuffle(x)
    nrs.shuffle(xn)
    np.testing.assert_array_equal(to_np(x), xn)
    assert rs.get_state()[0] == "MT19937"
    tr.seed(3)
    a = tr.rand(4)
    b = tr.randint(0, 100, size=5)
    np.random.seed(3)
    _bits_eq(a, np.random.rand(4))
    _bits_eq(b, np.random.randint(0, 100, size=5))
    assert isinstance(tr.random(), float)
    assert {"rand", "randn", "seed", "get_state", "set_state", "ranf", "sample",
            "random_integers"} <= set(tr.__all__)
    assert len([n for n in tr.__all__ if n[0].islower()]) == 51


# -- the emulated neuron device --------------------------------------------------------
NEURON_F32 = [("random", (), {}), ("standard_normal", (), {}), ("standard_exponential", (), {})]
# the registry op of each method's kernel transform (random: float32 uniforms)
KERNEL_OP = {"random": "random_bits", "integers": "random_integers",
             "standard_normal": "random_ziggurat", "standard_exponential": "random_ziggurat"}


@pytest.mark.parametrize("name,args,kw", NEURON_F32 + [
    ("integers", (0, 1000), {}), ("integers", (-5, 5), {"dtype": np.int32})])
@given(seed=st.integers(0, 2 ** 64 - 1), size=st.sampled_from([0, 1, 7, 1001]),
       k32=st.integers(0, 1))
@settings(max_examples=examples(8))
def test_neuron_float32_bit_for_bit(emulated_neuron, name, args, kw, seed, size, k32):
    trnpy.reset_routes()
    g, r = tr.default_rng(seed, device=emulated_neuron), _ref(seed)
    _prefix(g, r, k32, 0)
    res = getattr(g, name)(*args, size=size, **kw)
    rkw = dict(kw)
    if name != "integers":
        rkw["dtype"] = np.float32                 # the device's default float
    exp = getattr(r, name)(*args, size=size, **rkw)
    assert res.device == emulated_neuron
    _bits_eq(res, exp)
    _state_eq(g, r)
    if size:
        # small draws stay on torch (below the kernel's size threshold)
        op = KERNEL_OP.get(name, "random_bits")
        assert trnpy.ROUTES[(op, "torch")] >= 1
        assert trnpy._kernel_registry.FALLBACKS[(op, "below the size threshold")]


@pytest.mark.parametrize("name,args,kw", [("random", (), {"dtype": np.float32}),
                                          ("integers", (0, 1000), {}),
                                          ("standard_normal", (), {"dtype": np.float32}),
                                          ("random_raw", (), {})])
def test_neuron_draws_on_the_philox_kernel(emulated_neuron, name, args, kw):
    """Under strict + forced kernels, the words come from kernels/rng.py's Philox-4x64
    kernel (its VectorE counters move), bit for bit NumPy's stream, mid-buffer start."""
    from kernel_helpers import counted
    g, r = tr.default_rng(11, device=emulated_neuron), _ref(11)
    g.bit_generator.random_raw(3)                  # an odd start inside a block
    r.bit_generator.random_raw(3)
    trnpy.reset_routes()
    with trnpy.strict_kernels(), trnpy.force_kernels():
        if name == "random_raw":
            res, _ = counted(lambda: g.bit_generator.random_raw(301, device=emulated_neuron),
                             engines=("vector",))
            exp = r.bit_generator.random_raw(301)
        else:
            res, _ = counted(lambda: getattr(g, name)(*args, size=301, **kw),
                             engines=("vector",))
            exp = getattr(r, name)(*args, size=301, **kw)
    assert trnpy.ROUTES[(KERNEL_OP.get(name, "random_bits"), "kernel")] >= 1
    assert not trnpy._kernel_registry.FALLBACKS
    _bits_eq(res, exp)
    _state_eq(g, r)


# issue 11 item 3: NumPy's integer and float32 ziggurat transforms in the NKI kernel
KERNEL_TRANSFORMS = [
    ("integers", (0, 3 * 2 ** 30), {}),              # threshold 2^30: 1 in 4 draws rejected
    ("integers", (-1000, 7), {"dtype": np.int32, "endpoint": True}),
    ("integers", (5, 2 ** 32 + 3), {"dtype": np.int64}),   # rng = 2^32 - 3: 32-bit draws
    ("integers", (0, 2 ** 32 - 1), {"dtype": np.uint32}),
    ("integers", (0, 200), {"dtype": np.uint8}),         # 8-bit Lemire on each byte
    ("integers", (-100, 27), {"dtype": np.int8, "endpoint": True}),
    ("integers", (7, 40007), {"dtype": np.uint16}),      # 16-bit Lemire, 40% rejected
    ("integers", (0, 3 * 2 ** 62), {"dtype": np.uint64}),  # 64-bit Lemire, 1 in 4 rejected
    ("integers", (-2 ** 40, 2 ** 40), {}),
    ("standard_normal", (), {"dtype": np.float32}),
    ("standard_exponential", (), {"dtype": np.float32}),
]


@pytest.mark.parametrize("name,args,kw", KERNEL_TRANSFORMS)
@pytest.mark.parametrize("seed,k32,k64,n", [(2 ** 70 + 5, 0, 0, 1),
                                            (77, 1, 3, 2 * 8 * 128 + 13)])
def test_neuron_transforms_made_in_the_kernel(emulated_neuron, name, args, kw, seed, k32,
                                              k64, n):
    """Under strict + forced kernels the kernel's own transform runs (Lemire for
    ``integers``, the ziggurat fast path for float32 normals / exponentials: TensorE /
    GpSimd instructions move, the registry op routes to the kernel, nothing falls back);
    values and the bit generator's state afterwards are NumPy's, after a buffered half /
    a partly used block, and a later draw continues NumPy's stream."""
    from kernel_helpers import counted
    g, r = tr.default_rng(seed, device=emulated_neuron), _ref(seed)
    _prefix(g, r, k32, k64)
    trnpy.reset_routes()
    with trnpy.strict_kernels(), trnpy.force_kernels():
        res, rep = counted(lambda: getattr(g, name)(*args, size=n, **kw),
                           engines=("tensor", "gpsimd"))
    assert trnpy.ROUTES[(KERNEL_OP[name], "kernel")] >= 1
    assert trnpy.ROUTES[(KERNEL_OP[name], "torch")] == 0
    assert not trnpy._kernel_registry.FALLBACKS
    if name != "integers":
        assert rep["instructions_by_op"].get("nc_n_gather", 0) > 0   # the table lookups
    _bits_eq(res, getattr(r, name)(*args, size=n, **kw))
    _state_eq(g, r)
    _bits_eq(g.random(5, dtype=np.float32), r.random(5, dtype=np.float32))
    _state_eq(g, r)


def test_neuron_kernel_transforms_by_threshold_and_out(emulated_neuron):
    """Without forcing: a draw past the threshold (4096 blocks, not a multiple of the
    kernel's tile) runs on the kernel, a small one on torch; ``out=`` (a view) and
    ``size=0`` as NumPy's; bool (no rejection step) splits kernel-made words on torch."""
    g, r = tr.default_rng(2026, device=emulated_neuron), _ref(2026)
    _prefix(g, r, 1, 0)
    trnpy.reset_routes()
    n = 8 * 4097 + 3
    _bits_eq(g.standard_normal(n, dtype=np.float32), r.standard_normal(n, dtype=np.float32))
    assert trnpy.ROUTES[("random_ziggurat", "kernel")] == 1
    # range 2^31 + 3: about half the draws rejected
    _bits_eq(g.integers(-3, 2 ** 31, size=n), r.integers(-3, 2 ** 31, size=n))
    assert trnpy.ROUTES[("random_integers", "kernel")] == 1
    _bits_eq(g.standard_exponential(9, dtype=np.float32),
             r.standard_exponential(9, dtype=np.float32))
    assert trnpy.ROUTES[("random_ziggurat", "torch")] == 1
    out = trnpy.zeros((6, 4), dtype=np.float32, device=emulated_neuron)
    ref = np.zeros((6, 4), np.float32)
    g.standard_exponential(out=out[1:4], dtype=np.float32)   # a contiguous view
    r.standard_exponential(out=ref[1:4], dtype=np.float32)
    np.testing.assert_array_equal(to_np(out), ref)
    with trnpy.strict_kernels(), trnpy.force_kernels():     # size 0: nothing drawn
        for name in ("standard_normal", "standard_exponential"):
            _bits_eq(getattr(g, name)(0, dtype=np.float32),
                     getattr(r, name)(0, dtype=np.float32))
        _bits_eq(g.integers(5, 10, size=(2, 0)), r.integers(5, 10, size=(2, 0)))
    for call in ((0, 7, 0), (0, 2, 11, np.bool_), (0, 2 ** 33, 5)):
        _bits_eq(g.integers(*call[:2], size=call[2], dtype=(call[3:] or (np.int64,))[0]),
                 r.integers(*call[:2], size=call[2], dtype=(call[3:] or (np.int64,))[0]))
    _state_eq(g, r)


@pytest.mark.parametrize("k32,k64,n", [(1, 2, 301), (0, 0, 8 * 130), (1, 3, 5)])
def test_neuron_float32_random_made_in_the_kernel(emulated_neuron, monkeypatch, k32, k64, n):
    """float32 ``random`` on the neuron device: the kernel makes the uniforms (its
    raw-word mode is never asked), after a buffered half and a partly used block, bit for
    bit NumPy's, the state after it too."""
    from kernels import rng as krng

    def no_words(*a, **k):
        raise AssertionError("raw words asked for")
    monkeypatch.setattr(krng, "philox4x64_words", no_words)
    g, r = tr.default_rng(12, device=emulated_neuron), _ref(12)
    _prefix(g, r, k32, k64)
    trnpy.reset_routes()
    with trnpy.strict_kernels(), trnpy.force_kernels():
        res = g.random(n, dtype=np.float32)
    assert trnpy.ROUTES[("random_bits", "kernel")] == 1
    _bits_eq(res, r.random(n, dtype=np.float32))
    _state_eq(g, r)


@pytest.mark.parametrize("name,args", [("uniform", (-1.0, 2.0)), ("normal", (0.5, 3.0)),
                                       ("exponential", (2.0,))])
def test_neuron_float64_only_methods_give_float32(emulated_neuron, name, args):
    g, r = tr.default_rng(4, device=emulated_neuron), _ref(4)
    res = getattr(g, name)(*args, size=513)
    exp = getattr(r, name)(*args, size=513)
    assert res.dtype == np.float32 and res.device == emulated_neuron
    np.testing.assert_array_equal(to_np(res), exp.astype(np.float32))  # one rounding
    _state_eq(g, r)


@pytest.mark.parametrize("name", ["uniform", "normal", "exponential"])
@given(seed=st.integers(0, 2 ** 64 - 1), size=st.sampled_from([1, 7, 1000]),
       a=st.floats(-1e6, 1e6), b=st.floats(1e-6, 1e6), k32=st.integers(0, 1))
@settings(max_examples=examples(10))
def test_neuron_float64_only_methods_within_one_float32_ulp(emulated_neuron, name, seed,
                                                            size, a, b, k32):
    """Issue 11 item 2: ``uniform`` / ``normal`` / ``exponential`` (float64-only in NumPy)
    give float32 on the neuron device within one float32 ulp of NumPy's float64 values
    (they are NumPy's float64 values rounded once), over seeds, sizes and parameters."""
    g, r = tr.default_rng(seed, device=emulated_neuron), _ref(seed)
    _prefix(g, r, k32, 0)
    args = {"uniform": (a, a + b), "normal": (a, b), "exponential": (b,)}[name]
    res = to_np(getattr(g, name)(*args, size=size))
    exp = getattr(r, name)(*args, size=size)
    assert res.dtype == np.float32
    ulp = np.spacing(np.abs(exp).astype(np.float32)).astype(np.float64)
    assert np.all(np.abs(res.astype(np.float64) - exp) <= ulp)
    np.testing.assert_array_equal(res, exp.astype(np.float32))
    _state_eq(g, r)


def test_neuron_refuses_float64_and_strict(emulated_neuron):
    g = tr.default_rng(0, device=emulated_neuron)
    with pytest.raises(TypeError):
        g.random(3, dtype=np.float64)
    with pytest.raises(TypeError):
        g.standard_gamma(2.0, size=3, dtype=np.float64)
    assert g.gamma(2.0, size=3).dtype == np.float32
    with trnpy.strict_kernels():
        with pytest.raises(trnpy.KernelFallbackError):
            g.gamma(2.0, size=3)                  # host-drawn: refused
    r = _ref(0)
    r.gamma(2.0, size=3)
    _state_eq(g, r)                               # nothing drawn by the refused calls
    cpu = tr.default_rng(0)
    with trnpy.strict_kernels():
        cpu.random(3)                             # strict mode concerns the neuron device


@pytest.mark.cuda
@pytest.mark.parametrize("name,kw", [("random", {}), ("random", {"dtype": np.float32}),
                                     ("standard_normal", {}), ("standard_exponential", {}),
                                     ("integers", {}), ("normal", {})])
def test_cuda_bit_for_bit(name, kw):
    g, r = tr.default_rng(99, device="cuda"), _ref(99)
    args = (0, 1000) if name == "integers" else (2.0, 3.0) if name == "normal" else ()
    res = getattr(g, name)(*args, size=100_003, **kw)
    assert res.device == trnpy.device("cuda")
    _bits_eq(res, getattr(r, name)(*args, size=100_003, **kw))
    _state_eq(g, r)


def test_device_keyword_and_generator_device(backend, emulated_neuron):
    g = tr.default_rng(1)
    assert g.random(3, device=emulated_neuron).device == emulated_neuron
    assert g.random(3).device == trnpy.get_default_device()
    with trnpy.device(emulated_neuron):
        assert g.standard_normal(3).dtype == np.float32


# -- statistics of the device samplers (fixed seeds: deterministic, cannot flake) -------
@pytest.mark.parametrize("name,cdf,kw", [
    ("random", "uniform", {}), ("random", "uniform", {"dtype": np.float32}),
    ("standard_normal", "norm", {}), ("standard_normal", "norm", {"dtype": np.float32}),
    ("standard_exponential", "expon", {}),
    ("standard_exponential", "expon", {"dtype": np.float32})])
def test_kolmogorov_smirnov(name, cdf, kw):
    scipy_stats = pytest.importorskip("scipy.stats")
    with trnpy.cpu_backend("torch"):
        x = to_np(getattr(tr.default_rng(2026), name)(100_000, **kw)).astype(np.float64)
    assert scipy_stats.kstest(x, cdf).pvalue > 1e-4


def test_integers_chi_square():
    scipy_stats = pytest.importorskip("scipy.stats")
    with trnpy.cpu_backend("torch"):
        x = to_np(tr.default_rng(2026).integers(0, 10, 100_000))
    assert scipy_stats.chisquare(np.bincount(x, minlength=10)).pvalue > 1e-4
