"""Elements and full reductions are values (issue #10, item 1): on the CPU they are NumPy's
scalars exactly as NumPy returns them; on other devices 0-d arrays that own their data.
Either way a later write to the array never shows in them."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import NUMERIC_DTYPES

DTYPES = NUMERIC_DTYPES + [np.dtype("bool")]


def _neuron():
    return trnpy.device("neuron", emulate=True)


@settings(max_examples=examples(40))
@given(dt=st.sampled_from(DTYPES), data=st.data())
def test_element_is_a_value_that_does_not_alias(backend, dt, data):
    a = data.draw(hnp.arrays(dt, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1,
                                                   max_side=4)))
    idx = tuple(data.draw(st.integers(-n, n - 1)) for n in a.shape)
    x = trnpy.asarray(a.copy())
    s, e = x[idx], a[idx]
    assert type(s) is type(e)                    # NumPy's scalar type, exactly
    assert s.tobytes() == e.tobytes()            # the same value, bit for bit (NaN, -0.0)
    hash(s)
    x[idx] = a.dtype.type(1) if a[idx] != 1 else a.dtype.type(0)
    assert s.tobytes() == e.tobytes()            # the later write does not show


@pytest.mark.parametrize("form", ["index", "npint", "flat", "iter", "list", "0d-index"])
def test_every_element_form_is_a_copy(backend, form):
    a = np.array([1.5, 2.5, 3.5, 4.5])
    x = trnpy.asarray(a.copy())
    get = {"index": lambda: x[2], "npint": lambda: x[np.int64(2)], "flat": lambda: x.flat[2],
           "iter": lambda: [v for v in x][2], "list": lambda: list(x)[2],
           "0d-index": lambda: x[trnpy.asarray(2)]}[form]
    s = get()
    assert type(s) is np.float64 and s == 3.5
    x[2] = -1.0
    assert s == 3.5


def test_history_list_keeps_each_step(backend):
    # the time-stepping pattern from the issue: hist.append(T[n//2, n//2]) in a loop
    n = 5
    T, Tn = np.zeros((n, n)), trnpy.zeros((n, n))
    hist, hist_n = [], []
    for step in range(6):
        T[1:-1, 1:-1] += 1.0 + step
        Tn[1:-1, 1:-1] += 1.0 + step
        hist.append(T[n // 2, n // 2])
        hist_n.append(Tn[n // 2, n // 2])
    assert hist_n == hist and len(set(hist_n)) == 6


REDUCTIONS = ["sum", "prod", "max", "min", "amax", "amin", "mean", "std", "var", "all", "any",
              "argmax", "argmin", "count_nonzero", "ptp", "nansum", "nanprod", "nanmax",
              "nanmin", "nanmean", "nanstd", "nanvar", "nanargmax", "nanargmin", "median",
              "nanmedian", "average"]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dt", ["float64", "float32", "int16", "uint64", "complex128", "bool"])
def test_full_reduction_is_numpys_scalar(backend, name, dt):
    a = np.array([3, 1, 2, 5, 0], dtype=dt)
    if dt == "complex128":
        a = a + 1j
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            e = getattr(np, name)(a)
        except TypeError:
            with pytest.raises(TypeError):
                getattr(trnpy, name)(trnpy.asarray(a))
            return
        r = getattr(trnpy, name)(trnpy.asarray(a))
    assert type(r) is type(e), (type(r), type(e))
    tol = 1e-5 if np.asarray(e).dtype.itemsize <= 4 or np.asarray(e).dtype.kind == "c" and \
        np.asarray(e).dtype.itemsize <= 8 else 1e-12
    assert np.isclose(r, e, rtol=tol, atol=0, equal_nan=True)


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "std", "var", "all",
                                  "any", "argmax", "argmin"])
def test_full_reduction_methods(backend, name):
    a = np.array([[3.0, 1.0], [2.0, 5.0]])
    r, e = getattr(trnpy.asarray(a), name)(), getattr(a, name)()
    assert type(r) is type(e) and r == e


def test_values_are_hashable_and_python_numbers(backend):
    x = trnpy.asarray([1.0, 2.0, 3.0])
    d = {x[0]: "a"}
    assert d[1.0] == "a" and x[1] in {2.0} and isinstance(x.sum(), float)
    assert repr(x.sum()) == repr(np.arange(1.0, 4.0).sum()) == "np.float64(6.0)"
    assert isinstance(trnpy.asarray([1, 2]).sum(), np.integer)


def test_non_scalar_results_stay_arrays(backend):
    x = trnpy.asarray(np.arange(6.0).reshape(2, 3))
    for r in (x[0], x[0, ...], x[..., 1], x[None, 0, 0], x.sum(keepdims=True),
              x.sum(axis=0), x[:, 1], trnpy.asarray(3.0), x[0, 0:1]):
        assert isinstance(r, trnpy.TrnArray)
    z = trnpy.asarray(np.array(7.0))
    assert isinstance(z[...], trnpy.TrnArray) and type(z[()]) is np.float64


def test_out_gives_the_array(backend):
    x = trnpy.asarray([1.0, 2.0])
    out = trnpy.empty(())
    assert x.sum(out=out) is out and float(out) == 3.0


def test_device_elements_are_0d_copies():
    with _neuron():
        x = trnpy.asarray(np.array([1.0, 2.0, 3.0], dtype=np.float32))
        s, t, m, it = x[1], x.sum(), x.max(), list(x)[1]
        for v in (s, t, m, it):
            assert isinstance(v, trnpy.TrnArray) and v.shape == () and v.device == x.device
        x[1] = 40.0
        x[...] = 0.0
        assert float(s) == 2.0 and float(t) == 6.0 and float(m) == 3.0 and float(it) == 2.0


def test_array_api_namespace_gives_0d_arrays(backend):
    # the standard has no scalars, and array-API code (SciPy) cannot mix NumPy scalars
    # with trnpy arrays: x.__array_namespace__() gives 0-d arrays where trnpy gives values
    x = trnpy.asarray([1.0, 2.0, 4.0])
    xp = x.__array_namespace__()
    for r in (xp.sum(x), xp.max(x), xp.mean(x), xp.linalg.vector_norm(x), xp.argmax(x),
              xp.std(x), xp.prod(x)):
        assert isinstance(r, trnpy.TrnArray) and r.ndim == 0
    assert float(xp.sum(x)) == 7.0 and type(trnpy.sum(x)) is np.float64
    assert xp.float64 is trnpy.float64 and xp.__array_api_version__ == "2024.12"
    r = x[0:1].reshape(()) + 1                   # arithmetic on 0-d arrays: 0-d arrays
    assert isinstance(r, trnpy.TrnArray) and float(r) == 2.0
