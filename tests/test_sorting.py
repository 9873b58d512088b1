"""Sorting: sort/argsort against NumPy (NaNs last, complex lexicographic, stable)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches, to_np
from test_reductions import arrays, check


def _few_values(a, data):
    """Often map to few distinct values so stability (ties) is exercised."""
    if a.size and a.dtype.kind in "iuf" and data.draw(st.booleans()):
        with np.errstate(all="ignore"):
            return np.where(np.isnan(a), a, np.sign(a)).astype(a.dtype) \
                if a.dtype.kind == "f" else (a % 3).astype(a.dtype)
    return a


def _np_desc_argsort(a, axis):
    """The standard's stable descending order, computed with NumPy."""
    if axis is None:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    return (n - 1) - np.flip(np.argsort(np.flip(a, axis), axis=axis, kind="stable"), axis)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_sort_argsort(backend, dt, data):
    a = _few_values(data.draw(arrays(dt)), data)
    ax = data.draw(st.one_of(st.none(), st.integers(-max(a.ndim, 1), max(a.ndim, 1) - 1)))
    check(trnpy.sort, np.sort, a, axis=ax)
    check(trnpy.argsort, np.argsort, a, axis=ax, kind="stable")
    check(trnpy.argsort, np.argsort, a, axis=ax, stable=True)
    if a.ndim == 0 and ax is not None:
        return
    # descending: stable, equal elements keep their order
    try:
        exp = _np_desc_argsort(a, ax)
    except np.exceptions.AxisError:
        with pytest.raises(np.exceptions.AxisError):
            trnpy.argsort(trnpy.asarray(a), axis=ax, descending=True)
        return
    got = trnpy.argsort(trnpy.asarray(a), axis=ax, descending=True)
    assert_matches(got, exp)
    vals = np.take_along_axis(a.ravel() if ax is None else a, exp, axis=0 if ax is None else ax)
    assert_matches(trnpy.sort(trnpy.asarray(a), axis=ax, descending=True), vals)


def test_sort_nan_and_complex_order(backend):
    a = np.array([3.0, np.nan, -np.inf, -0.0, 0.0, np.nan, np.inf, 1.0])
    check(trnpy.sort, np.sort, a)
    check(trnpy.argsort, np.argsort, a, kind="stable")
    c = np.array([complex(np.nan, 1), complex(1, np.nan), complex(np.nan, np.nan), 2 + 0j,
                  complex(0, np.nan), complex(np.nan, 0), 1 - 1j, 1 + 1j, complex(1, np.nan)])
    check(trnpy.sort, np.sort, c)
    check(trnpy.argsort, np.argsort, c, kind="stable")
    u = np.array([5, 2 ** 64 - 1, 0, 2 ** 63, 7], dtype=np.uint64)
    check(trnpy.sort, np.sort, u)
    check(trnpy.argsort, np.argsort, u, kind="stable")
    assert_matches(trnpy.sort(trnpy.asarray(u), descending=True), np.sort(u)[::-1])


def test_sort_errors(backend):
    x = trnpy.asarray(np.array([3.0, 1.0]))
    with pytest.raises(np.exceptions.AxisError):
        trnpy.sort(trnpy.asarray(1.0))
    with pytest.raises(np.exceptions.AxisError):
        trnpy.argsort(x, axis=1)
    with pytest.raises(ValueError, match="no fields"):
        trnpy.sort(x, order="f0")
    with pytest.raises(ValueError):
        trnpy.sort(x, kind="bogus")
    with pytest.raises(ValueError):
        trnpy.argsort(x, kind="quicksort", stable=True)
    np.testing.assert_array_equal(to_np(x), [3.0, 1.0])
    for kind in ("quicksort", "mergesort", "heapsort", "stable"):
        assert_matches(trnpy.sort(x, kind=kind), np.array([1.0, 3.0]))


def test_sort_list_input(backend):
    assert_matches(trnpy.sort([3, 1, 2]), np.sort([3, 1, 2]))


@settings(max_examples=examples(20))
@given(a=arrays(np.dtype(np.float32), min_dims=1))
def test_neuron_float32(emulated_neuron, a):
    x = trnpy.asarray(a, device=emulated_neuron)
    r = trnpy.sort(x)
    assert r.device == emulated_neuron
    assert_matches(r, np.sort(a))
    assert_matches(trnpy.argsort(x, axis=0), np.argsort(a, axis=0, kind="stable"))
    assert_matches(trnpy.argsort(x, axis=0, descending=True), _np_desc_argsort(a, 0))


@pytest.mark.cuda
def test_cuda_matches_numpy():
    rng = np.random.default_rng(0)
    dev = trnpy.device("cuda")
    for dt in ALL_DTYPES:
        a = (rng.standard_normal((5, 7)) * 3).astype(dt)
        if dt.kind in "fc":
            a[1, 2] = np.nan
        x = trnpy.asarray(a, device=dev)
        for ax in (0, -1, None):
            assert_matches(trnpy.sort(x, axis=ax), np.sort(a, axis=ax))
            assert_matches(trnpy.argsort(x, axis=ax), np.argsort(a, axis=ax, kind="stable"))
            assert_matches(trnpy.argsort(x, axis=ax, descending=True), _np_desc_argsort(a, ax))
