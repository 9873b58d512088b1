"""Searching: argmax/argmin, nonzero family, count_nonzero, searchsorted, where."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches, to_np
from test_reductions import arrays, axes, check, elements


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_argmax_argmin(backend, dt, data):
    a = data.draw(arrays(dt))
    # few distinct values so that ties (first occurrence) are common
    if dt.kind in "iu" and data.draw(st.booleans()):
        a = (a % 3).astype(dt)
    ax = data.draw(axes(a.ndim, allow_tuple=False))
    kd = data.draw(st.booleans())
    check(trnpy.argmax, np.argmax, a, axis=ax, keepdims=kd)
    check(trnpy.argmin, np.argmin, a, axis=ax, keepdims=kd)


def test_argmax_nan_first_wins(backend):
    a = np.array([[1.0, np.nan, 5.0, np.nan], [3.0, 2.0, np.inf, -np.inf]])
    for f, g in [(trnpy.argmax, np.argmax), (trnpy.argmin, np.argmin)]:
        assert_matches(f(trnpy.asarray(a), axis=1), g(a, axis=1))
        assert_matches(f(trnpy.asarray(a)), g(a))
    c = np.array([1 + 1j, complex(1, np.nan), 1 + 2j, complex(np.nan, 0)])
    assert_matches(trnpy.argmax(trnpy.asarray(c)), np.argmax(c))
    assert_matches(trnpy.argmin(trnpy.asarray(c[[0, 2]])), np.argmin(c[[0, 2]]))
    u = np.array([3, 2 ** 64 - 1, 2 ** 63, 0], dtype=np.uint64)
    assert_matches(trnpy.argmax(trnpy.asarray(u)), np.argmax(u))
    assert_matches(trnpy.argmin(trnpy.asarray(u)), np.argmin(u))


def test_argmax_errors(backend):
    with pytest.raises(ValueError):
        trnpy.argmax(trnpy.asarray(np.zeros((0, 3))))
    with pytest.raises(ValueError):
        trnpy.argmin(trnpy.asarray(np.zeros((2, 0))), axis=1)
    assert_matches(trnpy.argmax(trnpy.asarray(np.zeros((0, 2))), axis=1),
                   np.argmax(np.zeros((0, 2)), axis=1))
    with pytest.raises(np.exceptions.AxisError):
        trnpy.argmax(trnpy.asarray(np.zeros((2, 3))), axis=2)
    with pytest.raises(TypeError):
        trnpy.argmax(trnpy.asarray(np.zeros((2, 3))), axis=(0,))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_count_nonzero_nonzero(backend, dt, data):
    a = data.draw(arrays(dt))
    if data.draw(st.booleans()):
        a = (a == a.flat[0]).astype(dt) if a.size else a     # many zeros
    ax = data.draw(axes(a.ndim))
    kd = data.draw(st.booleans())
    exp = np.count_nonzero(a, axis=ax, keepdims=kd)
    assert_matches(trnpy.count_nonzero(trnpy.asarray(a), axis=ax, keepdims=kd),
                   np.asarray(exp, dtype=np.int64))
    if a.ndim:
        check(trnpy.nonzero, np.nonzero, a)
        check(lambda x: trnpy.where(x), np.where, a)
    check(trnpy.argwhere, np.argwhere, a)
    check(trnpy.flatnonzero, np.flatnonzero, a)


def test_nonzero_0d_raises(backend):
    with pytest.raises(ValueError, match="0d"):
        trnpy.nonzero(trnpy.asarray(1.0))


@pytest.mark.parametrize("dt", [d for d in ALL_DTYPES if d.kind != "c"], ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_searchsorted(backend, dt, data):
    a = np.sort(data.draw(arrays(dt, min_dims=1, max_dims=1, max_side=8)))
    v = data.draw(arrays(dt, max_dims=2))
    if a.size and data.draw(st.booleans()):
        v = np.concatenate([v.ravel(), a]).astype(dt)             # exact hits
    side = data.draw(st.sampled_from(["left", "right"]))
    check(lambda x, *r, **k: trnpy.searchsorted(x, trnpy.asarray(v), **k),
          lambda x, *r, **k: np.searchsorted(x, v, **k), a, side=side)
    # unsorted x1 with a sorter
    b = data.draw(hnp.arrays(dt, a.shape, elements=elements(dt)))
    s = np.argsort(b, kind="stable")
    assert_matches(trnpy.searchsorted(trnpy.asarray(b), trnpy.asarray(v), side=side,
                                      sorter=trnpy.asarray(s)),
                   np.searchsorted(b, v, side=side, sorter=s))


def test_searchsorted_scalar_and_errors(backend):
    a = np.array([1.0, 2.0, 2.0, np.nan])
    x = trnpy.asarray(a)
    for v in (2.0, 2, np.nan, -np.inf, 5):
        for side in ("left", "right"):
            assert_matches(trnpy.searchsorted(x, v, side=side),
                           np.asarray(np.searchsorted(a, v, side=side)))
    with pytest.raises(ValueError):
        trnpy.searchsorted(x, 1.0, side="middle")
    with pytest.raises(ValueError):
        trnpy.searchsorted(trnpy.asarray(np.zeros((2, 2))), 1.0)
    u = np.array([1, 2 ** 63, 2 ** 64 - 2], dtype=np.uint64)
    vu = np.array([0, 2 ** 63 + 1, 2 ** 64 - 1], dtype=np.uint64)
    assert_matches(trnpy.searchsorted(trnpy.asarray(u), trnpy.asarray(vu)),
                   np.searchsorted(u, vu))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(12))
@given(data=st.data())
def test_where(backend, dt, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                          max_side=3))
    cs, s1, s2 = shapes.input_shapes
    cond = data.draw(hnp.arrays(np.bool_, cs))
    a = data.draw(hnp.arrays(dt, s1, elements=elements(dt)))
    dt2 = data.draw(st.sampled_from(ALL_DTYPES))
    b = data.draw(st.one_of(hnp.arrays(dt2, s2, elements=elements(dt2)),
                            st.sampled_from([0, 1, True, 2.5, 1j, -1])))
    exp = None
    try:
        exp = np.where(cond, a, b)
    except (OverflowError, TypeError) as e:
        with pytest.raises(type(e)):
            trnpy.where(trnpy.asarray(cond), trnpy.asarray(a),
                        b if np.isscalar(b) else trnpy.asarray(b))
    if exp is not None:
        got = trnpy.where(trnpy.asarray(cond), trnpy.asarray(a),
                          b if np.isscalar(b) else trnpy.asarray(b))
        assert_matches(got, exp)
        # nonzero condition of another dtype
        got2 = trnpy.where(trnpy.asarray(a), 1, 0)
        assert_matches(got2, np.where(a, 1, 0))


def test_where_errors(backend):
    x = trnpy.asarray([1.0, 2.0])
    with pytest.raises(ValueError):
        trnpy.where(x, x)
    with pytest.raises(ValueError):
        trnpy.where(trnpy.asarray([True, False, True]), x, x)
    assert_matches(trnpy.where(True, x, 0.5), np.where(True, np.array([1.0, 2.0]), 0.5))


@settings(max_examples=examples(20))
@given(a=arrays(np.dtype(np.float32), min_dims=1))
def test_neuron_float32(emulated_neuron, a):
    x = trnpy.asarray(a, device=emulated_neuron)
    if a.size:
        r = trnpy.argmax(x)
        assert r.device == emulated_neuron
        assert_matches(r, np.argmax(a))
        assert_matches(trnpy.argmin(x, axis=-1), np.argmin(a, axis=-1)) \
            if a.shape[-1] else None
    assert_matches(trnpy.count_nonzero(x), np.asarray(np.count_nonzero(a), dtype=np.int64))
    assert_matches(trnpy.nonzero(x), np.nonzero(a))
    r = trnpy.where(trnpy.asarray(a > 0, device=emulated_neuron), x, 0.0)
    assert r.device == emulated_neuron
    assert_matches(r, np.where(a > 0, a, np.float32(0.0)))
    s = np.sort(a.ravel())
    assert_matches(trnpy.searchsorted(trnpy.asarray(s, device=emulated_neuron),
                                      trnpy.asarray(a, device=emulated_neuron)),
                   np.searchsorted(s, a))
    np.testing.assert_array_equal(to_np(x), a)


@pytest.mark.cuda
def test_cuda_matches_numpy():
    rng = np.random.default_rng(0)
    dev = trnpy.device("cuda")
    for dt in ALL_DTYPES:
        a = (rng.standard_normal((4, 6)) * 3).astype(dt)
        if dt.kind == "f":
            a[1, 2] = np.nan
        x = trnpy.asarray(a, device=dev)
        for f, g in [(trnpy.argmax, np.argmax), (trnpy.argmin, np.argmin)]:
            assert_matches(f(x, axis=1), g(a, axis=1))
            assert_matches(f(x), g(a))
        assert_matches(trnpy.count_nonzero(x, axis=0), np.count_nonzero(a, axis=0))
        assert_matches(trnpy.nonzero(x), np.nonzero(a))
        assert_matches(trnpy.where(x, x, 1), np.where(a, a, 1))
        if dt.kind != "c":
            s = np.sort(a.ravel())
            assert_matches(trnpy.searchsorted(trnpy.asarray(s, device=dev), x, side="right"),
                           np.searchsorted(s, a, side="right"))
