"""``pad`` (trnpy/_pad.py): every mode against NumPy, errors and callables."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples, same as _same
from conftest import assert_matches, to_np
from test_manipulation_numpy import arrays

PAD_CASES = [("constant", {}), ("constant", {"constant_values": ((1, 2), (3, 4))}),
             ("constant", {"constant_values": 7}), ("edge", {}),
             ("linear_ramp", {"end_values": (5, -3)}), ("maximum", {}),
             ("minimum", {"stat_length": 2}), ("mean", {"stat_length": ((1, 3), (2, 1))}),
             ("mean", {}), ("median", {}), ("reflect", {}), ("reflect", {"reflect_type": "odd"}),
             ("symmetric", {}), ("symmetric", {"reflect_type": "odd"}), ("wrap", {})]


@settings(max_examples=examples(40))
@given(a=arrays(dtypes=[np.dtype(d) for d in ("int8", "int64", "uint16", "float32",
                                               "float64", "complex64")],
                shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5),
                elements={"allow_nan": False, "allow_infinity": False,
                          "min_value": -100, "max_value": 100}),
       case=st.sampled_from(PAD_CASES),
       pw=st.one_of(st.integers(0, 7), st.tuples(st.integers(0, 9), st.integers(0, 9))),
       neg=st.booleans())
def test_pad_modes(backend, a, case, pw, neg):
    mode, kw = case
    if neg:
        a = a[::-1, ::-1]
    if a.dtype.kind == "c" and mode in ("maximum", "minimum", "median"):
        return
    x = trnpy.asarray(a)
    try:
        e = np.pad(a, pw, mode, **kw)
    except Exception as ex:
        with pytest.raises(type(ex)):
            trnpy.pad(x, pw, mode, **kw)
        return
    r = trnpy.pad(x, pw, mode, **kw)
    assert_matches(r, e, rtol=1e-5 if a.dtype.kind in "fc" else None)


def test_pad_empty_mode_and_errors(backend):
    a = np.arange(6).reshape(2, 3)
    r = trnpy.pad(trnpy.asarray(a), ((1, 2), (0, 1)), "empty")
    assert r.shape == (5, 4) and r.dtype == a.dtype
    assert np.array_equal(to_np(r)[1:3, :3], a)
    with pytest.raises(ValueError):
        trnpy.pad(trnpy.asarray(a), 1, "nonsense")
    with pytest.raises(ValueError):
        trnpy.pad(trnpy.asarray(a), 1, "edge", constant_values=3)
    with pytest.raises(TypeError):
        trnpy.pad(trnpy.asarray(a), 1.5)
    with pytest.raises(ValueError):
        trnpy.pad(trnpy.asarray(a), -1)
    with pytest.raises(ValueError):
        trnpy.pad(trnpy.zeros((0, 3)), 1, "edge")
    _same(trnpy.pad(trnpy.zeros((0, 3)), 1), np.pad(np.zeros((0, 3)), 1))
    _same(trnpy.pad(trnpy.asarray(5.0), 2), np.pad(np.array(5.0), 2))
    _same(trnpy.pad(trnpy.asarray(a), {1: (1, 2)}), np.pad(a, {1: (1, 2)}))


def test_pad_callable(backend):
    def padder(vector, pad_width, iaxis, kwargs):
        vector[:pad_width[0]] = kwargs.get("padder", 10)
        vector[vector.shape[0] - pad_width[1]:] = -1
    a = np.arange(6).reshape(2, 3)
    _same(trnpy.pad(trnpy.asarray(a), 2, padder), np.pad(a, 2, padder))
    _same(trnpy.pad(trnpy.asarray(a), (1, 2), padder, padder=4), np.pad(a, (1, 2), padder,
                                                                          padder=4))
