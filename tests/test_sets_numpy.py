"""NumPy's 1-D set operations (intersect1d, union1d, setdiff1d, setxor1d, isin) against
NumPy on both CPU backends: mixed dtypes, duplicates, NaN, empty inputs, errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches, to_np
from test_reductions import arrays, np_call
from test_sets import _small


def check2(name, a, b, **kw):
    """trnpy.<name>(a, b) matches numpy.<name> (values, dtype, shape or exception type);
    inputs are left untouched."""
    exp = np_call(getattr(np, name), a, b, **kw)
    x, y = trnpy.asarray(a), trnpy.asarray(b)
    f = getattr(trnpy, name)
    if isinstance(exp, Exception):
        with pytest.raises(type(exp)):
            f(x, y, **kw)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = f(x, y, **kw)
        if isinstance(exp, np.ndarray) and exp.dtype.kind == "c":
            # NumPy merges all complex NaNs and keeps whichever its hash table saw first
            got, exp = trnpy.asarray(_one_nan(to_np(got))), _one_nan(exp)
        assert_matches(got, exp)
    np.testing.assert_array_equal(to_np(x), a)
    np.testing.assert_array_equal(to_np(y), b)


def _one_nan(v):
    v = v.copy()
    v[np.isnan(v)] = complex(np.nan, np.nan)
    return v


dtypes = st.sampled_from(ALL_DTYPES)


@st.composite
def pair(draw, same_dtype=False):
    d1 = draw(dtypes)
    d2 = d1 if same_dtype else draw(st.one_of(st.just(d1), dtypes))
    data = type("Data", (), {"draw": staticmethod(draw)})      # what _small draws with
    a = _small(draw(arrays(d1, max_dims=2, max_side=6)), data)
    b = _small(draw(arrays(d2, max_dims=2, max_side=6)), data)
    if a.size and b.size and draw(st.booleans()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # share some values so that intersections are not empty
            b = b.copy()
            b.flat[0] = np.asarray(a.flat[0]).astype(b.dtype)
    return a, b


def _unique_pair(a, b):
    """Inputs that really are unique, for assume_unique=True."""
    return np.unique(a), np.unique(b)


@settings(max_examples=examples(60))
@given(ab=pair(), assume_unique=st.booleans())
def test_intersect1d(backend, ab, assume_unique):
    a, b = _unique_pair(*ab) if assume_unique else ab
    check2("intersect1d", a, b, assume_unique=assume_unique)
    check2("intersect1d", a, b, assume_unique=assume_unique, return_indices=True)


@settings(max_examples=examples(60))
@given(ab=pair())
def test_intersect1d_duplicates_with_assume_unique(backend, ab):
    # NumPy's algorithm is deterministic even when the promise is broken
    check2("intersect1d", *ab, assume_unique=True)
    check2("intersect1d", *ab, assume_unique=True, return_indices=True)


@settings(max_examples=examples(60))
@given(ab=pair())
def test_union1d(backend, ab):
    check2("union1d", *ab)


@settings(max_examples=examples(60))
@given(ab=pair(), assume_unique=st.booleans())
def test_setxor1d(backend, ab, assume_unique):
    a, b = _unique_pair(*ab) if assume_unique else ab
    check2("setxor1d", a, b, assume_unique=assume_unique)


@settings(max_examples=examples(60))
@given(ab=pair(), assume_unique=st.booleans())
def test_setdiff1d(backend, ab, assume_unique):
    a, b = ab
    if assume_unique:
        a, b = _unique_pair(a, b)
        a = a[::-1]                      # order of ar1 is kept, sorted or not
    check2("setdiff1d", a, b, assume_unique=assume_unique)


@settings(max_examples=examples(80))
@given(ab=pair(), invert=st.booleans(), kind=st.sampled_from([None, "sort", "table"]),
       assume_unique=st.booleans())
def test_isin(backend, ab, invert, kind, assume_unique):
    a, b = ab
    if assume_unique:
        a, b = _unique_pair(a, b)
    if kind == "table" and b.dtype.kind in "iu" and b.size and \
            int(b.max()) - int(b.min()) > 1 << 20:
        kind = None            # NumPy would allocate a table as long as the range
    check2("isin", a, b, invert=invert, kind=kind, assume_unique=assume_unique)


@pytest.mark.parametrize("kind", [None, "sort"])
def test_isin_methods_and_large_ints(backend, kind):
    # int64 with uint64: table and loop compare exactly, sort in float64 (NumPy's quirk)
    a = np.array([2 ** 63 - 1, 5, -1, 2 ** 53 + 1], np.int64)
    for b in (np.array([2 ** 63], np.uint64), np.array([2 ** 63] * 30, np.uint64),
              np.array([2 ** 53] * 40 + [5], np.uint64), np.arange(100, dtype=np.uint64)):
        check2("isin", a, b, kind=kind)
        check2("isin", b, a, kind=kind)
        check2("isin", a, b, kind=kind, invert=True)
    check2("isin", np.arange(5), np.array([0, 2 ** 40]), kind=kind)   # too wide for a table


@pytest.mark.parametrize("kind", [None, "sort", "table"])
def test_isin_small_ranges(backend, kind):
    check2("isin", np.arange(300), np.arange(0, 300, 7, dtype=np.int16), kind=kind)
    check2("isin", np.array([True, False]), np.array([1], np.uint8), kind=kind)
    check2("isin", np.array([2 ** 63 + 5, 3], np.uint64), np.array([3, 4], np.int8), kind=kind)
    check2("isin", np.array([-1, -2, 5], np.int64),
           np.array([2 ** 64 - 1, 2 ** 64 - 2], np.uint64), kind=kind)


def test_isin_shapes_scalars_and_lists(backend):
    a = np.arange(12.0).reshape(3, 4)
    got = trnpy.isin(trnpy.asarray(a), [1.0, 5.0, 99.0])
    assert_matches(got, np.isin(a, [1.0, 5.0, 99.0]))
    assert_matches(trnpy.isin(3, trnpy.asarray([1, 3])), np.isin(3, [1, 3]))
    assert_matches(trnpy.intersect1d([1, 2, 3], [3, 2]), np.intersect1d([1, 2, 3], [3, 2]))
    assert_matches(trnpy.union1d([], []), np.union1d([], []))
    assert_matches(trnpy.setxor1d([], [1]), np.setxor1d([], [1]))


def test_nan_and_signed_zero(backend):
    a = np.array([np.nan, 0.0, -0.0, 1.0, np.nan])
    b = np.array([np.nan, -0.0, 2.0])
    for name in ("intersect1d", "union1d", "setxor1d", "setdiff1d", "isin"):
        check2(name, a, b)
        check2(name, b, a)
    c = np.array([complex(np.nan, 1), 1j, complex(1, np.nan), 1j])
    for name in ("intersect1d", "union1d", "setxor1d", "setdiff1d", "isin"):
        check2(name, c, c[:2])


def test_errors(backend):
    a = np.arange(4.0)
    for kind in ("table", "bogus"):
        check2("isin", a, a, kind=kind)                       # ValueError
    # RuntimeError: the range overflows ar2's dtype
    check2("isin", np.array([0], np.int8), np.array([-128, 127], np.int8), kind="table")
    with pytest.raises(ValueError, match="different devices"):
        trnpy.isin(trnpy.asarray([1.0]),
                   trnpy.asarray([1.0], device=trnpy.device("neuron", emulate=True)))


def test_emulated_neuron(emulated_neuron):
    a = np.array([3.0, 1.0, 2.0, 3.0, np.nan], np.float32)
    b = np.array([2.0, 5.0, 3.0], np.float32)
    x = trnpy.asarray(a, device=emulated_neuron)
    y = trnpy.asarray(b, device=emulated_neuron)
    for name in ("intersect1d", "union1d", "setxor1d", "setdiff1d", "isin"):
        r = getattr(trnpy, name)(x, y)
        assert r.device == emulated_neuron
        assert_matches(r, getattr(np, name)(a, b))
    r = trnpy.intersect1d(x, y, return_indices=True)
    assert_matches(r, np.intersect1d(a, b, return_indices=True))
    # float32 with int64 promotes to float64, which Trainium refuses
    with pytest.raises(TypeError, match="float64"):
        trnpy.union1d(x, trnpy.asarray([1], device=emulated_neuron))
