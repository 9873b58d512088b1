"""NumPy's lexsort, partition/argpartition and sort_complex against NumPy on both CPU
backends. partition's order within each side of kth is unspecified, so those tests check
the partition property and the multiset of values, not equality with NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches, to_np
from test_reductions import arrays, check, np_call
from test_sorting import _few_values


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(10))
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


def _check_partition(vals, a, kth, axis):
    """``vals`` (NumPy) is ``a`` partitioned at every kth along ``axis``: the kth element
    is the sorted one, and each side holds exactly the sorted values that belong there."""
    if axis is None:
        a, axis = a.ravel(), 0
    v, s = np.moveaxis(vals, axis, -1), np.moveaxis(np.sort(a, axis=axis), axis, -1)
    n = s.shape[-1]
    for k in (int(k) % n for k in np.atleast_1d(kth)):
        np.testing.assert_array_equal(v[..., k], s[..., k])
        np.testing.assert_array_equal(np.sort(v[..., :k], axis=-1), s[..., :k])
        np.testing.assert_array_equal(np.sort(v[..., k + 1:], axis=-1), s[..., k + 1:])


def _check_argpartition(idx, a, kth, axis):
    if a.ndim == 0:
        a = a.reshape(1)
    if axis is None:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    perm = np.sort(np.moveaxis(idx, axis, -1), axis=-1)
    np.testing.assert_array_equal(perm, np.broadcast_to(np.arange(n), perm.shape))
    _check_partition(np.take_along_axis(a, idx, axis=axis), a, kth, axis)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(10))
@given(data=st.data())
def test_partition(backend, dt, data):
    a = _few_values(data.draw(arrays(dt)), data)
    ax = data.draw(st.one_of(st.none(), st.integers(-max(a.ndim, 1), max(a.ndim, 1) - 1)))
    n = a.size if ax is None else (a.shape[ax % a.ndim] if a.ndim else 1)
    m = max(n, 1)
    kth = data.draw(st.one_of(st.integers(-m - 1, m),
                              st.lists(st.integers(-m, m - 1), min_size=1, max_size=3)))
    for name, chk in (("partition", _check_partition), ("argpartition", _check_argpartition)):
        exp = np_call(getattr(np, name), a, kth, axis=ax)
        x = trnpy.asarray(a)
        if isinstance(exp, Exception):
            with pytest.raises(type(exp)):
                getattr(trnpy, name)(x, kth, axis=ax)
            continue
        g = to_np(getattr(trnpy, name)(x, kth, axis=ax))
        assert g.shape == exp.shape and g.dtype == exp.dtype
        np.testing.assert_array_equal(to_np(x), a)
        if g.size:
            chk(g, a, kth, ax)


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
    with pytest.raises(ValueError, match="no fields"):
        trnpy.partition(x, 1, order="a")
    assert_matches(trnpy.argpartition(trnpy.asarray(5.0), 0), np.argpartition(np.array(5.0), 0))
    assert_matches(trnpy.partition(trnpy.asarray(np.zeros((3, 0))), 0),
                   np.partition(np.zeros((3, 0)), 0))
    np.testing.assert_array_equal(to_np(x), np.arange(5.0))


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(10))
@given(data=st.data())
def test_sort_complex(backend, dt, data):
    a = _few_values(data.draw(arrays(dt)), data)
    check(trnpy.sort_complex, np.sort_complex, a)


def test_emulated_neuron(emulated_neuron):
    a = np.array([[3.0, np.nan, 1.0, 2.0], [0.0, -1.0, 5.0, 5.0]], np.float32)
    x = trnpy.asarray(a, device=emulated_neuron)
    p = trnpy.partition(x, 2)
    assert p.device == emulated_neuron
    _check_partition(to_np(p), a, 2, -1)
    _check_argpartition(to_np(trnpy.argpartition(x, [0, 3], axis=1)), a, [0, 3], 1)
    assert_matches(trnpy.lexsort((x[0], x[1])), np.lexsort((a[0], a[1])))
    with pytest.raises(TypeError, match="complex128"):
        trnpy.sort_complex(x)                     # float32 -> complex128: no float64 there
    b = np.nan_to_num(a).astype(np.int16)
    assert_matches(trnpy.sort_complex(trnpy.asarray(b, device=emulated_neuron)),
                   np.sort_complex(b))
