"""0-d arrays behave like NumPy's 0-d arrays and scalars; elements (``x[0]``) are NumPy's
scalars on the CPU and 0-d copies elsewhere (tests/test_scalar_values.py)."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import examples
from conftest import NUMERIC_DTYPES, assert_matches

OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
       operator.mod, operator.pow, operator.lt, operator.le, operator.gt, operator.ge,
       operator.eq, operator.ne]
PY_SCALARS = [0, 1, -3, 2.5, -0.0, float("nan"), float("inf"), 1j, True, 300]
NP_SCALARS = [np.int8(3), np.uint8(200), np.float32(1.5), np.float64(-2.0),
              np.complex64(1 + 1j), np.bool_(True), np.int64(-7)]


def _outcome(fn):
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return fn(), None
            except Exception as e:  # noqa: BLE001 - the type is compared
                return None, type(e)


@settings(max_examples=examples(80))
@given(dt=st.sampled_from(NUMERIC_DTYPES + [np.dtype("bool")]),
       v=st.integers(-5, 5), op=st.sampled_from(OPS),
       other=st.sampled_from(PY_SCALARS + NP_SCALARS), reflected=st.booleans())
def test_0d_arithmetic_with_scalars(backend, dt, v, op, other, reflected):
    with np.errstate(all="ignore"):
        a = np.array(v).astype(dt)
    x = trnpy.asarray(a)
    f = (lambda p, q: op(q, p)) if reflected else op
    exp, eexc = _outcome(lambda: f(a, other))
    act, aexc = _outcome(lambda: f(x, other))
    if eexc is not None:
        assert aexc is not None and (issubclass(aexc, eexc) or issubclass(eexc, aexc)), \
            (aexc, eexc)
        return
    assert aexc is None, aexc
    _same_kind_of_result(act, exp, backend)
    assert_matches(act, exp)


def _same_kind_of_result(act, exp, backend):
    """Arithmetic on 0-d arrays gives 0-d arrays on every backend (as the array API has
    it; NumPy gives scalars there), so array-API code never mixes in NumPy scalars."""
    assert isinstance(act, trnpy.TrnArray) and act.ndim == 0, type(act)


def test_indexing_gives_values(backend):
    a = np.array([1.5, 2.5, 3.5])
    x = trnpy.asarray(a)
    s = x[0]
    assert type(s) is np.float64 and s.shape == () and s.dtype == a.dtype
    assert type(trnpy.asarray(np.ones((2, 2)))[1, 1]) is np.float64
    assert float(s) == 1.5 and int(x[2]) == 3 and complex(s) == 1.5 + 0j
    assert s.item() == 1.5 and type(s.item()) is float
    assert type(trnpy.asarray([3])[0].item()) is int
    assert type(trnpy.asarray([True])[0].item()) is bool
    assert operator.index(trnpy.asarray([4])[0]) == 4
    assert bool(x[0] > 1) is True
    assert [1, 2, 3][trnpy.asarray([1])[0]] == 2
    assert x[0] * 2 == 3.0


def test_conversions_errors(backend):
    x = trnpy.asarray([1.0, 2.0])
    with pytest.raises(TypeError):
        float(x)
    with pytest.raises(TypeError):
        int(x)
    with pytest.raises(TypeError):
        operator.index(trnpy.asarray(1.5))
    with pytest.raises(ValueError):
        bool(x)
    with pytest.raises(ValueError):
        x.item()
    with pytest.raises(TypeError):
        len(x[0])
    with pytest.raises(TypeError):
        iter(x[0])


def test_hash_unhashable(backend):
    for v in (trnpy.asarray(1.0), trnpy.asarray([1, 2])):
        with pytest.raises(TypeError, match="unhashable"):
            hash(v)
    with pytest.raises(TypeError, match="unhashable"):
        {trnpy.asarray(1.0): 1}


@pytest.mark.parametrize("spec", ["", ".3f", "+.2e", ">10.1f", "g", "%", "08.3f"])
@pytest.mark.parametrize("value", [1.25, -0.5, 1e20, float("nan")])
def test_format_0d(backend, spec, value):
    a = np.array(value)
    assert format(trnpy.asarray(a), spec) == format(a, spec)
    assert f"{trnpy.asarray(np.float32(value))}" == f"{np.array(np.float32(value))}"


def test_format_ints_and_repr(backend):
    assert f"{trnpy.asarray(42):05d}" == f"{np.array(42):05d}"
    assert f"{trnpy.asarray(255, dtype='uint8'):x}" == "ff"
    assert str(trnpy.asarray(2.5)) == str(np.array(2.5))
    assert repr(trnpy.asarray(2.5, device="cpu")) == repr(np.array(2.5))   # no device= part


def test_round_builtin(backend):
    assert round(trnpy.asarray(2.5)) == 2 and isinstance(round(trnpy.asarray(2.5)), int)
    assert round(trnpy.asarray(3.5)) == 4
    r = round(trnpy.asarray(2.345), 2)
    e = np.round(np.array(2.345), 2)       # (NumPy 2.4's ndarray has no __round__)
    assert isinstance(r, (trnpy.TrnArray, np.float64))
    assert_matches(r, e)


def test_numpy_scalar_on_left_stays_trnpy(backend):
    for shape in [(), (2,)]:
        a = np.full(shape, 2.0, dtype=np.float32)
        x = trnpy.asarray(a)
        for r, e in [(np.float64(3) + x, np.float64(3) + a), (np.int8(3) * x, np.int8(3) * a),
                     (np.float32(1) < x, np.float32(1) < a)]:
            if shape:
                assert isinstance(r, trnpy.TrnArray)
            else:
                _same_kind_of_result(r, e, backend)
            assert_matches(r, e)


def test_neuron_0d(emulated_neuron):
    x = trnpy.asarray([1.5, 2.5], dtype="float32", device=emulated_neuron)
    s = x[1]
    assert s.device == emulated_neuron and s.shape == ()
    assert float(s) == 2.5 and s.item() == 2.5 and f"{s:.2f}" == "2.50"
    r = s * 2 + 1.0
    assert r.device == emulated_neuron and r.dtype == np.float32
    with pytest.raises(TypeError):
        hash(s)
