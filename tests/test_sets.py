"""Set functions: unique_* (each NaN distinct) and NumPy's unique against NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches, to_np
from test_reductions import arrays


def _small(a, data):
    """Often map to few distinct values so that duplicates are common."""
    if a.size and data.draw(st.booleans()):
        with np.errstate(all="ignore"):
            if a.dtype.kind == "f":
                return np.where(np.isnan(a) | np.isinf(a), a, np.round(a) % 3).astype(a.dtype)
            if a.dtype.kind in "iu":
                return (a % 3).astype(a.dtype)
            if a.dtype.kind == "c":
                return (np.round(a.real) % 2 + 1j * (np.round(a.imag) % 2)).astype(a.dtype)
    return a


def _check_unique_all(got, a):
    exp = np.unique_all(a)
    assert tuple(type(got)._fields) == ("values", "indices", "inverse_indices", "counts")
    # NumPy may leave values unsorted; trnpy sorts: compare after sorting NumPy's
    order = np.argsort(exp.values, kind="stable")
    assert_matches(got.values, exp.values[order])
    assert_matches(got.counts, exp.counts[order])
    assert_matches(got.indices, exp.indices[order])
    v, inv = to_np(got.values), to_np(got.inverse_indices)
    assert inv.shape == a.shape and inv.dtype == np.int64
    np.testing.assert_array_equal(v[inv], a)          # rebuilds the input (NaN == NaN here)
    idx = to_np(got.indices)
    np.testing.assert_array_equal(a.ravel()[idx], v)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_unique_family(backend, dt, data):
    a = _small(data.draw(arrays(dt)), data)
    x = trnpy.asarray(a)
    _check_unique_all(trnpy.unique_all(x), a)
    c = trnpy.unique_counts(x)
    assert c._fields == ("values", "counts")
    exp = np.unique_counts(a)
    order = np.argsort(exp.values, kind="stable")
    assert_matches(tuple(c), (exp.values[order], exp.counts[order]))
    i = trnpy.unique_inverse(x)
    assert i._fields == ("values", "inverse_indices")
    exp = np.unique_inverse(a)
    assert_matches(i.values, np.sort(exp.values))
    np.testing.assert_array_equal(to_np(i.values)[to_np(i.inverse_indices)], a)
    assert_matches(trnpy.unique_values(x), np.sort(np.unique_values(a)))
    np.testing.assert_array_equal(to_np(x), a)


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_numpy_unique(backend, dt, data):
    a = _small(data.draw(arrays(dt)), data)
    flags = data.draw(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()))
    ri, rv, rc, eq = flags
    exp = np.unique(a, return_index=ri, return_inverse=rv, return_counts=rc, equal_nan=eq)
    got = trnpy.unique(trnpy.asarray(a), return_index=ri, return_inverse=rv,
                       return_counts=rc, equal_nan=eq)
    if eq and a.dtype.kind == "c" and np.isnan(a).any():
        # all complex NaNs are one value; which one NumPy keeps is an implementation detail
        def canon(v):
            v = to_np(v).copy()
            v[np.isnan(v)] = complex(np.nan, np.nan)
            return v
        vals_got, vals_exp = (got[0], exp[0]) if isinstance(exp, tuple) else (got, exp)
        np.testing.assert_array_equal(canon(vals_got), canon(vals_exp))
        if not isinstance(exp, tuple):
            return
        got, exp = got[1:], exp[1:]
        if ri:      # the index of whichever NaN was kept may differ too
            got, exp = got[1:], exp[1:]
    if isinstance(exp, tuple):
        if rv and not ri and not eq and a.dtype.kind in "fc" and np.isnan(a).any():
            # NumPy sorts unstably here, so its inverse may number distinct NaNs either
            # way; check that trnpy's rebuilds the input instead
            np.testing.assert_array_equal(to_np(got[0])[to_np(got[1])], a)
            got, exp = got[:1] + got[2:], exp[:1] + exp[2:]
        assert_matches(tuple(got), exp)
    else:
        assert_matches(got, exp)


def test_unique_nan_rules(backend):
    a = np.array([np.nan, 1.0, np.nan, -0.0, 0.0, 1.0])
    x = trnpy.asarray(a)
    assert_matches(trnpy.unique_values(x), np.array([-0.0, 1.0, np.nan, np.nan]))
    assert_matches(trnpy.unique(x), np.unique(a))
    assert_matches(trnpy.unique(x, equal_nan=False), np.unique(a, equal_nan=False))
    r = trnpy.unique_all(x)
    assert_matches(r.counts, np.array([2, 2, 1, 1]))
    assert_matches(r.indices, np.array([3, 1, 0, 2]))
    c = np.array([complex(np.nan, 1), 1 + 1j, complex(1, np.nan), 1 + 1j])
    assert_matches(trnpy.unique(trnpy.asarray(c), return_counts=True),
                   np.unique(c, return_counts=True))
    u = np.array([2 ** 64 - 1, 3, 2 ** 63, 3, 2 ** 64 - 1], dtype=np.uint64)
    assert_matches(trnpy.unique(trnpy.asarray(u), return_inverse=True),
                   np.unique(u, return_inverse=True))


@settings(max_examples=examples(60))
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
       dt=st.sampled_from(["float64", "int64", "uint8", "complex128", "bool", "float32"]),
       axis=st.integers(-4, 3), nan=st.booleans(), data=st.data())
def test_unique_axis(backend, shape, dt, axis, nan, data):
    """unique(axis=) on both paths: slices sorted lexicographically (NaN slices distinct),
    first indices, inverse and counts, and NumPy's errors for a bad axis."""
    a = data.draw(hnp.arrays(np.int8, shape, elements=st.integers(0, 2))).astype(dt)
    if nan and a.size and a.dtype.kind == "f":
        a.flat[0] = np.nan
    x = trnpy.asarray(a)
    try:
        e = np.unique(a, True, True, True, axis=axis)
    except Exception as exc:           # noqa: BLE001 - NumPy's class is the oracle
        with pytest.raises(type(exc)):
            trnpy.unique(x, True, True, True, axis=axis)
        return
    r = trnpy.unique(x, True, True, True, axis=axis)
    for got, want in zip(r, e):
        assert_matches(got, want)
    assert_matches(trnpy.unique(x, axis=axis), np.unique(a, axis=axis))


@settings(max_examples=examples(20))
@given(a=arrays(np.dtype(np.float32)))
def test_neuron_float32(emulated_neuron, a):
    x = trnpy.asarray(np.round(a), device=emulated_neuron)
    r = trnpy.unique_all(x)
    assert r.values.device == emulated_neuron
    _check_unique_all(r, np.round(a))


@pytest.mark.cuda
def test_cuda_matches_numpy():
    rng = np.random.default_rng(0)
    dev = trnpy.device("cuda")
    for dt in ALL_DTYPES:
        a = np.round(rng.standard_normal((5, 7))).astype(dt)
        if dt.kind in "fc":
            a[1, 2] = a[3, 3] = np.nan
        r = trnpy.unique_all(trnpy.asarray(a, device=dev))
        assert r.values.device == dev
        _check_unique_all(r, a)
        assert_matches(trnpy.unique(trnpy.asarray(a, device=dev), return_counts=True),
                       np.unique(a, return_counts=True))
