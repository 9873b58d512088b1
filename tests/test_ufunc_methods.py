"""ufunc methods (reduce, accumulate, outer, at, reduceat) and multi-output ufuncs
(divmod, frexp, modf): differential tests against NumPy on both CPU backends."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_matches

REDUCIBLE = ["add", "multiply", "maximum", "minimum", "fmax", "fmin", "subtract",
             "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
             "bitwise_xor", "logaddexp", "hypot", "divide", "equal"]


def arrays(dtypes=ALL_DTYPES, min_dims=0, max_dims=3, min_side=0):
    return st.sampled_from(dtypes).flatmap(lambda dt: hnp.arrays(
        dt, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                             max_side=4),
        elements=_elements(dt)))


def _elements(dt):
    if dt.kind == "f":
        return st.floats(-100, 100, width=8 * dt.itemsize) | st.sampled_from(
            [np.nan, np.inf, -np.inf, 0.0, -0.0])
    if dt.kind == "c":
        return st.complex_numbers(max_magnitude=100, width=8 * dt.itemsize)
    return None


def outcome(fn):
    """(result, None) or (None, exception type); warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except Exception as e:  # noqa: BLE001 - the type is compared
            return None, type(e)


def same(np_fn, tr_fn, **kw):
    exp, eexc = outcome(np_fn)
    act, aexc = outcome(tr_fn)
    if eexc is not None:
        assert aexc is not None, f"NumPy raised {eexc.__name__}, trnpy returned {act!r}"
        assert issubclass(aexc, (eexc,) + eexc.__mro__[1:2]) or issubclass(eexc, aexc), \
            (aexc, eexc)
        return
    assert aexc is None, f"trnpy raised {aexc}, NumPy returned {exp!r}"
    if isinstance(exp, tuple):
        assert_matches(act, exp, **kw)
    else:
        assert_matches(act, np.asarray(exp), **kw)


def _rtol(name, dt):
    # regrouped float reductions differ from NumPy's order by rounding only
    if dt.kind in "fc" and name in ("add", "multiply", "logaddexp", "hypot"):
        bits = dt.itemsize * 8 // (2 if dt.kind == "c" else 1)     # of the real part
        return {16: 2e-2, 32: 1e-4, 64: 1e-10}[bits]
    return None


@settings(max_examples=examples(60))
@given(a=arrays(), name=st.sampled_from(REDUCIBLE),
       axis=st.sampled_from([0, -1, None, (0, 1), 1]), keepdims=st.booleans())
def test_reduce(backend, a, name, axis, keepdims):
    npu, tru = getattr(np, name), getattr(trnpy, name)
    same(lambda: npu.reduce(a, axis=axis, keepdims=keepdims),
         lambda: tru.reduce(trnpy.asarray(a), axis=axis, keepdims=keepdims),
         rtol=_rtol(name, a.dtype), atol=1e-6 if a.dtype.kind in "fc" else 0)


@settings(max_examples=examples(40))
@given(a=arrays(dtypes=[np.dtype(d) for d in ("int8", "uint16", "float32", "float64", "bool")],
                min_dims=1),
       name=st.sampled_from(["add", "multiply", "maximum", "minimum", "logical_or"]),
       initial=st.sampled_from([None, 0, 1, 5]), use_where=st.booleans())
def test_reduce_initial_where(backend, a, name, initial, use_where):
    npu, tru = getattr(np, name), getattr(trnpy, name)
    kw = {} if initial is None else {"initial": initial}
    w = None
    if use_where:
        w = (np.arange(a.size).reshape(a.shape) % 2 == 0)
        kw["where"] = w
    tkw = dict(kw)
    if w is not None:
        tkw["where"] = trnpy.asarray(w)
    same(lambda: npu.reduce(a, axis=0, **kw), lambda: tru.reduce(trnpy.asarray(a), axis=0, **tkw),
         rtol=_rtol(name, a.dtype))


@pytest.mark.parametrize("dtype", [None, "float32", "int16"])
def test_reduce_dtype_and_out(backend, dtype):
    a = np.arange(12, dtype=np.int8).reshape(3, 4) * 20
    x = trnpy.asarray(a)
    assert_matches(trnpy.add.reduce(x, axis=1, dtype=dtype), np.add.reduce(a, axis=1, dtype=dtype))
    out = trnpy.zeros(4, dtype="int16")
    r = trnpy.add.reduce(x, out=out)
    assert r is out
    assert_matches(out, np.add.reduce(a, out=np.zeros(4, np.int16)))


@settings(max_examples=examples(50))
@given(a=arrays(min_dims=1), name=st.sampled_from(
    ["add", "multiply", "maximum", "minimum", "subtract", "logical_xor", "bitwise_or",
     "fmin", "divide"]), axis=st.sampled_from([0, -1]))
def test_accumulate(backend, a, name, axis):
    npu, tru = getattr(np, name), getattr(trnpy, name)
    same(lambda: npu.accumulate(a, axis=axis), lambda: tru.accumulate(trnpy.asarray(a), axis=axis),
         rtol=_rtol(name, a.dtype), atol=1e-6 if a.dtype.kind in "fc" else 0)


def test_accumulate_dtype_out(backend):
    a = np.arange(1, 7, dtype=np.int8)
    x = trnpy.asarray(a)
    assert_matches(trnpy.multiply.accumulate(x, dtype="float64"),
                   np.multiply.accumulate(a, dtype="float64"))
    out = trnpy.empty(6, dtype="int32")
    assert trnpy.add.accumulate(x, out=out) is out
    assert_matches(out, np.add.accumulate(a, out=np.empty(6, np.int32)))


@settings(max_examples=examples(40))
@given(a=arrays(max_dims=2), b=arrays(max_dims=2),
       name=st.sampled_from(["add", "subtract", "multiply", "maximum", "less", "power"]))
def test_outer(backend, a, b, name):
    npu, tru = getattr(np, name), getattr(trnpy, name)
    same(lambda: npu.outer(a, b), lambda: tru.outer(trnpy.asarray(a), trnpy.asarray(b)))


def test_outer_scalars_and_lists(backend):
    assert_matches(trnpy.add.outer([1, 2], [10, 20, 30]), np.add.outer([1, 2], [10, 20, 30]))
    assert_matches(trnpy.multiply.outer(2.0, trnpy.arange(3)), np.multiply.outer(2.0, np.arange(3)))


@settings(max_examples=examples(40))
@given(data=st.data(), dt=st.sampled_from([np.dtype(d) for d in
                                           ("int8", "uint8", "int64", "float32", "float64",
                                            "complex64")]),
       name=st.sampled_from(["add", "multiply", "maximum", "subtract", "negative", "square"]))
def test_at(backend, data, dt, name):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4))
    a = data.draw(hnp.arrays(dt, shape, elements=_elements(dt)))
    n = shape[0]
    idx = data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=8))
    npu, tru = getattr(np, name), getattr(trnpy, name)
    x = trnpy.asarray(a.copy())
    ref = a.copy()
    if npu.nin == 2:
        b = data.draw(hnp.arrays(dt, (len(idx),) + shape[1:], elements=_elements(dt)))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            npu.at(ref, idx, b)
            assert tru.at(x, idx, trnpy.asarray(b)) is None
    else:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            npu.at(ref, idx)
            tru.at(x, idx)
    if dt == np.complex64 and name in ("multiply", "square"):
        # NumPy's at loop rounds each complex64 product r*r, i*i separately; its plain
        # loop (which trnpy's matches) fuses them: equal to a rounding of |result|
        got = trnpy.asnumpy(x)
        fin = np.isfinite(ref) & np.isfinite(got)
        assert np.all(np.abs(got[fin] - ref[fin]) <= 1e-5 * np.abs(ref[fin]) + 1e-30)
        np.testing.assert_array_equal(got[~fin], ref[~fin])   # NaN where NumPy's NaN
        return
    assert_matches(x, ref)


def test_at_scalar_tuple_index_and_errors(backend):
    a = np.zeros((3, 3))
    x = trnpy.asarray(a.copy())
    np.add.at(a, (np.array([0, 0, 2]), np.array([1, 1, 0])), 2.5)
    trnpy.add.at(x, (trnpy.asarray([0, 0, 2]), trnpy.asarray([1, 1, 0])), 2.5)
    assert_matches(x, a)
    before = trnpy.asnumpy(x).copy()
    with pytest.raises(ValueError):
        trnpy.add.at(x, [0])
    with pytest.raises(ValueError):
        trnpy.negative.at(x, [0], 1.0)
    with pytest.raises(IndexError):
        trnpy.add.at(x, [5], 1.0)
    np.testing.assert_array_equal(trnpy.asnumpy(x), before)


@settings(max_examples=examples(40))
@given(a=arrays(dtypes=[np.dtype(d) for d in ("int8", "int64", "uint32", "float32",
                                              "float64", "bool")], min_dims=1, min_side=1),
       data=st.data(), name=st.sampled_from(["add", "multiply", "maximum", "subtract"]))
def test_reduceat(backend, a, data, name):
    n = a.shape[0]
    idx = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6))
    npu, tru = getattr(np, name), getattr(trnpy, name)
    same(lambda: npu.reduceat(a, idx), lambda: tru.reduceat(trnpy.asarray(a), idx),
         rtol=_rtol(name, a.dtype))


def test_reduceat_axis_and_errors(backend):
    a = np.arange(24.0).reshape(4, 6)
    x = trnpy.asarray(a)
    assert_matches(trnpy.add.reduceat(x, [0, 2, 5], axis=1), np.add.reduceat(a, [0, 2, 5], axis=1))
    with pytest.raises(IndexError, match="out-of-bounds"):
        trnpy.add.reduceat(x, [0, 7], axis=1)
    with pytest.raises(IndexError):
        trnpy.add.reduceat(x, [-1])


def test_method_errors(backend):
    x = trnpy.asarray([1.0, 2.0])
    with pytest.raises(ValueError, match="binary"):
        trnpy.sin.reduce(x)
    with pytest.raises(ValueError, match="binary"):
        trnpy.sin.accumulate(x)
    with pytest.raises(ValueError):
        trnpy.maximum.reduce(trnpy.asarray(np.zeros((0, 2))))
    with pytest.raises(ValueError, match="identity"):
        trnpy.maximum.reduce(x, where=trnpy.asarray([True, False]))
    with pytest.raises(np.exceptions.AxisError):
        trnpy.add.reduce(x, axis=3)
    with pytest.raises(ValueError):
        trnpy.subtract.reduce(trnpy.ones((2, 2)), axis=(0, 1))
    with pytest.raises(TypeError):
        trnpy.accumulate_missing = trnpy.add.accumulate(trnpy.asarray(5.0))
    assert trnpy.add.nin == 2 and trnpy.add.nout == 1 and trnpy.add.identity == 0
    assert trnpy.divmod.nout == 2 and trnpy.maximum.identity is None


# -- multi-output ufuncs ---------------------------------------------------------------
@settings(max_examples=examples(60))
@given(a=arrays(dtypes=INT_DTYPES + FLOAT_DTYPES), b=arrays(dtypes=INT_DTYPES + FLOAT_DTYPES))
def test_divmod(backend, a, b):
    same(lambda: np.divmod(a, b), lambda: trnpy.divmod(trnpy.asarray(a), trnpy.asarray(b)))


@settings(max_examples=examples(40))
@given(a=arrays(dtypes=FLOAT_DTYPES + [np.dtype("int16")]))
def test_frexp_modf(backend, a):
    same(lambda: np.frexp(a), lambda: trnpy.frexp(trnpy.asarray(a)))
    same(lambda: np.modf(a), lambda: trnpy.modf(trnpy.asarray(a)), check_sign_of_zero=True)


def test_multi_output_out_and_operator(backend):
    a = np.array([7.0, -7.5, 3.0])
    x = trnpy.asarray(a)
    q, r = trnpy.empty(3), trnpy.empty(3)
    res = trnpy.divmod(x, 2.0, out=(q, r))
    assert res[0] is q and res[1] is r
    assert_matches(q, np.divmod(a, 2.0)[0])
    assert_matches(r, np.divmod(a, 2.0)[1])
    m = trnpy.empty(3)
    f, i = trnpy.modf(x, out=(m, None))
    assert f is m
    assert_matches(i, np.modf(a)[1])
    assert_matches(divmod(x, 2), divmod(a, 2))
    assert_matches(divmod(5, trnpy.asarray([2, 3])), divmod(5, np.array([2, 3])))
    with pytest.raises(ValueError):
        trnpy.divmod(x, 2.0, out=(q,))


def test_neuron_methods(emulated_neuron):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = trnpy.asarray(a, device=emulated_neuron)
    for r, e in [(trnpy.add.reduce(x), np.add.reduce(a)),
                 (trnpy.maximum.accumulate(x, axis=1), np.maximum.accumulate(a, axis=1)),
                 (trnpy.multiply.outer(x[0], x[1]), np.multiply.outer(a[0], a[1])),
                 (trnpy.add.reduceat(x, [0, 2]), np.add.reduceat(a, [0, 2]))]:
        assert r.device == emulated_neuron
        assert_matches(r, e)
    a2 = a.copy()
    trnpy.add.at(x, [0, 0], 1.0)
    np.add.at(a2, [0, 0], 1.0)
    assert_matches(x, a2)
    with pytest.raises(TypeError):
        trnpy.add.reduce(x, dtype="float64")
