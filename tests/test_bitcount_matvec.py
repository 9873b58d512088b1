"""bitwise_count (ufunc) and matvec/vecmat (NumPy 2.2 gufuncs) against NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, INT_DTYPES, assert_matches, to_np
from test_reductions import arrays, check


@pytest.mark.parametrize("dt", INT_DTYPES + [np.dtype(bool)], ids=str)
@settings(max_examples=examples(15))
@given(data=st.data())
def test_bitwise_count(backend, dt, data):
    a = data.draw(arrays(dt))
    check(trnpy.bitwise_count, np.bitwise_count, a)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        check(trnpy.bitwise_count, np.bitwise_count, np.array([info.min, info.max, 0, -1 if
                                                               dt.kind == "i" else 1], dt))


def test_bitwise_count_errors_and_out(backend):
    with pytest.raises(TypeError):
        trnpy.bitwise_count(trnpy.asarray([1.5]))
    out = trnpy.zeros(3, dtype="int32")
    trnpy.bitwise_count(trnpy.asarray(np.array([7, -8, 255], np.int16)), out=out)
    assert_matches(out, np.bitwise_count(np.array([7, -8, 255], np.int16)).astype(np.int32))


@pytest.mark.parametrize("name", ["matvec", "vecmat"])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")       # NaN/inf inputs
@settings(max_examples=examples(40))
@given(data=st.data())
def test_matvec_vecmat(backend, name, data):
    d1, d2 = data.draw(st.sampled_from(ALL_DTYPES)), data.draw(st.sampled_from(ALL_DTYPES))
    m, n = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    batch = data.draw(st.sampled_from([(), (2,), (3, 1)]))
    mat_shape = batch + ((m, n) if name == "matvec" else (n, m))
    vec_shape = data.draw(st.sampled_from([(n,), (1, n), (3, 1, n)]))
    mat = data.draw(arrays(d1, bound=100).map(
        lambda a: np.resize(a, mat_shape).astype(d1) if a.size else np.ones(mat_shape, d1)))
    vec = data.draw(arrays(d2, bound=100).map(
        lambda a: np.resize(a, vec_shape).astype(d2) if a.size else np.ones(vec_shape, d2)))
    x1, x2 = (mat, vec) if name == "matvec" else (vec, mat)
    f, g = getattr(np, name), getattr(trnpy, name)
    with np.errstate(all="ignore"):
        exp = f(x1, x2)
    got = g(trnpy.asarray(x1), trnpy.asarray(x2))
    scale = 1e-2 if exp.dtype.kind in "fc" and np.dtype(exp.dtype).itemsize <= 4 else None
    if exp.dtype.kind in "fc" and not np.isfinite(exp).all():
        return                                   # inf - inf orders differ between BLASes
    assert_matches(got, exp, rtol=scale or (1e-9 if exp.dtype.kind in "fc" else 0),
                   atol=1e-6 * float(np.abs(exp).max(initial=1)) if scale else 0)
    out = trnpy.zeros((2,) + exp.shape, dtype=exp.dtype)
    g(trnpy.asarray(x1), trnpy.asarray(x2), out=out)
    assert_matches(out[1], to_np(got))


def test_matvec_errors(backend):
    a, v = trnpy.asarray(np.ones((2, 3))), trnpy.asarray(np.ones(4))
    for f, args in ((trnpy.matvec, (a, v)), (trnpy.matvec, (v, v)), (trnpy.vecmat, (v, a)),
                    (trnpy.matvec, (a, trnpy.asarray(1.0)))):
        with pytest.raises(ValueError):
            f(*args)
    with pytest.raises(ValueError, match="Output operand"):
        trnpy.matvec(a, trnpy.asarray(np.ones(3)), out=trnpy.zeros(3))
    with pytest.raises(NotImplementedError, match="axes"):
        trnpy.matvec(a, trnpy.asarray(np.ones(3)), axes=[(0, 1), 0, 0])
    r = trnpy.matvec(a, trnpy.asarray(np.ones(3)), dtype="float32")
    assert_matches(r, np.matvec(np.ones((2, 3)), np.ones(3), dtype=np.float32))


def test_emulated_neuron(emulated_neuron):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    v = np.array([1.0, -2.0, 0.5], np.float32)
    r = trnpy.matvec(trnpy.asarray(a, device=emulated_neuron),
                     trnpy.asarray(v, device=emulated_neuron))
    assert r.device == emulated_neuron
    assert_matches(r, np.matvec(a, v))
    r = trnpy.vecmat(trnpy.asarray(v[:2], device=emulated_neuron),
                     trnpy.asarray(a, device=emulated_neuron))
    assert_matches(r, np.vecmat(v[:2], a))
    b = np.array([3, 255], np.uint8)
    assert_matches(trnpy.bitwise_count(trnpy.asarray(b, device=emulated_neuron)),
                   np.bitwise_count(b))
