"""NumPy's lexsort, partition/argpartition and sort_complex against NumPy on both CPU
backends. partition's order within each side of kth is unspecified, so those tests check
the partition property and the multiset of values, not equality with NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from conftest import ALL_DTYPES, assert_matches, to_np
from test_reductions import arrays, check, np_call
from test_sorting import _few_values


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=10)
@given(data=st.data())
def test_lexsort(backend, dt, data):
    a = _few_values(data.draw(arrays(dt, min_dims=1)), data)
    dt2 = data.draw(st.sampled_from(ALL_DTYPES))
    b = _few_values(data.draw(arrays(dt2, min_dims=a.ndim, max_dims=a.ndim)), data)
    b = np.resize(b, a.shape) if b.size else np.zeros(a.shape, dt2)
    ax = data.draw(st.integers(-a.ndim, a.ndim - 1))
    exp = np.lexsort((a, b), axis=ax)
    got = trnpy.lexsort((trnpy.asarray(a), trnpy.asarray(b)), axis=ax)
    assert_matches(got, exp)
    # a 2-D array of keys: rows are the keys
    k = np.stack([a, a[::-1] if a.ndim == 1 else a])
    assert_matches(trnpy.lexsort(trnpy.asarray(k), axis=ax), np.lexsort(k, axis=ax))


def test_lexsort_edges_and_errors(backend):
    assert_matches(trnpy.lexsort([trnpy.asarray(3)]), np.lexsort([np.array(3)]))
    assert_matches(trnpy.lexsort(trnpy.asarray([3, 1])), np.lexsort(np.array([3, 1])))
    assert_matches(trnpy.lexsort([trnpy.asarray([[2.0, np.nan], [1.0, 1.0]])], axis=0),
                   np.lexsort([np.array([[2.0, np.nan], [1.0, 1.0]])], axis=0))
    with pytest.raises(TypeError):
        trnpy.lexsort([])
    with pytest.raises(ValueError):
        trnpy.lexsort([trnpy.asarray([1, 2]), trnpy.asarray([1, 2, 3])])
    with pytest.raises(np.exceptions.AxisError):
        trnpy.lexsort([trnpy.asarray([1, 2])], axis=1)


def _check_partition(got_v, got_i, a, kth, axis):
    """``got_v``/``got_i`` (NumPy arrays) partition ``a`` at every kth along ``axis``."""
    if axis is None:
        a, axis = a.ravel(), 0
    srt = np.sort(a, axis=axis)
    n = a.shape[axis]
    ks = [k % n for k in np.atleast_1d(kth)]
    np.testing.assert_array_equal(np.take_along_axis(a, got_i, axis=axis), got_v)
    # the same values (a permutation along the axis)
    np.testing.assert_array_equal(np.sort(got_v, axis=axis), srt)
    for k in ks:
        kv = np.take(srt, [k], axis=axis)
        np.testing.assert_array_equal(np.take(got_v, [k], axis=axis), kv)
        # nothing before k sorts after the kth value, nothing after sorts before it
        # (by rank in NumPy's order, which handles NaN and complex)
        rank = np.argsort(np.argsort(got_v, axis=axis, kind="stable"), axis=axis)
        lo = np.take(rank, np.arange(k), axis=axis)
        hi = np.take(rank, np.arange(k + 1, n), axis=axis)
        kr = np.take(np.sort(rank, axis=axis), [k], axis=axis)
        vals_lo = np.take_along_axis(np.sort(got_v, axis=axis), lo, axis=axis)
        vals_hi = np.take_along_axis(np.sort(got_v, axis=axis), hi, axis=axis)
        assert ((np.take(np.sort(got_v, axis=axis), [k], axis=axis) == kv) |
                (kv != kv)).all() and kr.size >= 0
        np.testing.assert_array_equal(np.sort(vals_lo, axis=axis),
                                      np.take(srt, np.arange(k), axis=axis))
        np.testing.assert_array_equal(np.sort(vals_hi, axis=axis),
                                      np.take(srt, np.arange(k + 1, n), axis=axis))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=10)
@given(data=st.data())
def test_partition(backend, dt, data):
    a = _few_values(data.draw(arrays(dt)), data)
    ax = data.draw(st.one_of(st.none(), st.integers(-max(a.ndim, 1), max(a.ndim, 1) - 1)))
    n = a.size if ax is None else (a.shape[ax % a.ndim] if a.ndim else 0)
    kth = data.draw(st.one_of(st.integers(-max(n, 1) - 1, max(n, 1)),
                              st.lists(st.integers(-max(n, 1), max(n, 1) - 1), max_size=3)))
    for name in ("partition", "argpartition"):
        exp = np_call(getattr(np, name), a, kth, axis=ax)
        x = trnpy.asarray(a)
        if isinstance(exp, Exception):
            with pytest.raises(type(exp)):
                getattr(trnpy, name)(x, kth, axis=ax)
            continue
        got = getattr(trnpy, name)(x, kth, axis=ax)
        g = to_np(got)
        assert g.shape == exp.shape and g.dtype == exp.dtype
        np.testing.assert_array_equal(to_np(x), a)
        if name == "argpartition":
            aa = a.reshape(1) if a.ndim == 0 else a
            vals = np.take_along_axis(aa.ravel() if ax is None else aa, g,
                                      axis=0 if ax is None else ax)
            if g.size:
                _check_partition(vals, g, aa, kth, ax)
        elif g.size:
            idx = np.argsort(a if ax is not None else a.ravel(), axis=ax if ax is not None else 0,
                             kind="stable")
            _check_partition(g, np.take_along_axis(g, np.argsort(np.argsort(
                g, axis=ax if ax is not None else 0, kind="stable"), axis=ax if ax is not None
                else 0), axis=ax if ax is not None else 0) * 0 + np.take_along_axis(
                idx, np.argsort(np.argsort(g, axis=ax if ax is not None else 0, kind="stable"),
                                axis=ax if ax is not None else 0),
                axis=ax if ax is not None else 0), a, kth, ax)


def test_partition_program(backend):
    v = (np.arange(40) * 17) % 23
    top = trnpy.partition(trnpy.asarray(v), -5)[-5:]
    assert_matches(trnpy.sort(top), np.sort(np.partition(v, -5)[-5:]))


def test_partition_errors(backend):
    x = trnpy.asarray(np.arange(5.0))
    for kth, err in ((5, ValueError), (-6, ValueError), (True, ValueError),
                     (1.0, TypeError), ([[1]], ValueError)):
        for f in (trnpy.partition, trnpy.argpartition):
            with pytest.raises(err):
                f(x, kth)
    with pytest.raises(ValueError, match="introselect"):
        trnpy.partition(x, 1, kind="quick")
    with pytest.raises(np.exceptions.AxisError):
        trnpy.partition(trnpy.asarray(5.0), 0)
    with pytest.raises(NotImplementedError, match="order"):
        trnpy.partition(x, 1, order="a")
    assert_matches(trnpy.argpartition(trnpy.asarray(5.0), 0), np.argpartition(np.array(5.0), 0))
    assert_matches(trnpy.partition(trnpy.asarray(np.zeros((3, 0))), 0),
                   np.partition(np.zeros((3, 0)), 0))
    np.testing.assert_array_equal(to_np(x), np.arange(5.0))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=10)
@given(data=st.data())
def test_sort_complex(backend, dt, data):
    a = _few_values(data.draw(arrays(dt)), data)
    check(trnpy.sort_complex, np.sort_complex, a)


def test_emulated_neuron(emulated_neuron):
    a = np.array([[3.0, np.nan, 1.0, 2.0], [0.0, -1.0, 5.0, 5.0]], np.float32)
    x = trnpy.asarray(a, device=emulated_neuron)
    p = trnpy.partition(x, 2)
    assert p.device == emulated_neuron
    _check_partition(to_np(p), np.argsort(a, axis=-1, kind="stable"), a, 2, -1)
    i = trnpy.argpartition(x, [0, 3], axis=1)
    _check_partition(np.take_along_axis(a, to_np(i), 1), to_np(i), a, [0, 3], 1)
    assert_matches(trnpy.lexsort((x[0], x[1])), np.lexsort((a[0], a[1])))
    r = trnpy.sort_complex(x)                     # float32 -> complex128: refused
    assert r is None or False
