"""Bad arguments raise NumPy's exception class (the same class or a subclass), with no
torch internals in the message, and leave the inputs unchanged, on both CPU backends;
``out=`` where NumPy takes it (argmax/argmin, dot, outer, ufuncs' ``where=``) works as
NumPy's does. (The broad campaign of malformed calls lives in its own module.)"""
from __future__ import annotations

import numpy as np
import pytest

import trnpy
from conftest import assert_matches

_U64 = np.array([2 ** 63], dtype=np.uint64)


def _f64(*shape):
    return np.arange(float(np.prod(shape))).reshape(shape)


# name -> (function of the module (trnpy or numpy) and its inputs, the inputs)
CASES = {
    "order Z": (lambda m, a: m.reshape(a, 6, order="Z"), [_f64(2, 3)]),
    "order K reshape": (lambda m, a: m.reshape(a, 6, order="K"), [_f64(2, 3)]),
    "order A zeros": (lambda m: m.zeros(3, order="A"), []),
    "order int copy": (lambda m, a: m.copy(a, order=1), [_f64(2)]),
    "order Z astype": (lambda m, a: m.asarray(a).astype("f4", order="Z"), [_f64(2)]),
    "order Z ufunc": (lambda m, a: m.add(a, 1, order="Z"), [_f64(2)]),
    "where shape ufunc": (lambda m, a, w: m.add(a, 1, where=w), [_f64(3), np.ones(2, bool)]),
    "where shape ufunc out": (lambda m, a, w, o: m.add(a, 1, where=w, out=o),
                              [_f64(3), np.ones(2, bool), np.zeros(3)]),
    "where shape clip": (lambda m, a, w: m.clip(a, 0, 1, where=w), [_f64(3), np.ones(2, bool)]),
    "sort order": (lambda m, a: m.sort(a, order="x"), [_f64(3)]),
    "argsort order": (lambda m, a: m.argsort(a, order="f"), [_f64(3)]),
    "partition order": (lambda m, a: m.partition(a, 1, order="f"), [_f64(3)]),
    "sort method order": (lambda m, a: m.asarray(a).copy().sort(order="f"), [_f64(3)]),
    "argmax out shape": (lambda m, a, o: m.argmax(a, axis=0, out=o),
                         [_f64(2, 3), np.zeros(2, np.int64)]),
    "argmax out dtype": (lambda m, a, o: m.argmax(a, out=o), [_f64(2, 3), np.zeros(())]),
    "argmin out list": (lambda m, a: m.argmin(a, out=[0]), [_f64(2, 3)]),
    "dot out shape": (lambda m, a, o: m.dot(a, a.T, out=o), [_f64(2, 3), np.zeros((3, 2))]),
    "dot out dtype": (lambda m, a, o: m.dot(a, a.T, out=o),
                      [_f64(2, 3), np.zeros((2, 2), np.float32)]),
    "dot out strided": (lambda m, a, o: m.dot(a, a.T, out=o[:, ::2]),
                        [_f64(2, 3), np.zeros((2, 4))]),
    "outer out shape": (lambda m, a, o: m.outer(a, a, out=o), [_f64(3), np.zeros((3, 1))]),
    "outer out cast": (lambda m, a, o: m.outer(a, a, out=o),
                       [_f64(3), np.zeros((3, 3), np.int64)]),
    "zeros 2**62": (lambda m: m.zeros(2 ** 62), []),
    "ones too big": (lambda m: m.ones((2 ** 31, 2 ** 31)), []),
    "full 2**62": (lambda m: m.full(2 ** 62, 1.0), []),
    "empty 2**63": (lambda m: m.empty(2 ** 63), []),
    "zeros 2**40": (lambda m: m.zeros(2 ** 40), []),
    "empty_like 2**40": (lambda m, a: m.empty_like(a, shape=(2 ** 20, 2 ** 20)), [_f64(2)]),
    "eye too big": (lambda m: m.eye(2 ** 32), []),
    "vander negative": (lambda m, a: m.vander(a, -1), [_f64(2)]),
    "indices negative": (lambda m: m.indices((-1, 2)), []),
    "fromfunction negative": (lambda m: m.fromfunction(lambda i: i, (-1,)), []),
    "empty negative": (lambda m: m.empty((2, -1)), []),
    "sum axis list": (lambda m, a: m.sum(a, axis=[0, 1]), [_f64(2, 3)]),
    "max axis list": (lambda m, a: m.max(a, axis=[0]), [_f64(2, 3)]),
    "mean axis list": (lambda m, a: m.mean(a, axis=[0]), [_f64(2, 3)]),
    "var axis list": (lambda m, a: m.var(a, axis=[0]), [_f64(2, 3)]),
    "any axis list": (lambda m, a: m.any(a, axis=[0]), [_f64(2, 3)]),
    "sum keepdims str": (lambda m, a: m.sum(a, keepdims="x"), [_f64(3)]),
    "prod keepdims None": (lambda m, a: m.prod(a, keepdims=None), [_f64(3)]),
    "all keepdims float": (lambda m, a: m.all(a, keepdims=2.0), [_f64(3)]),
    "std keepdims str": (lambda m, a: m.std(a, keepdims="x"), [_f64(3)]),
    "bincount empty float": (lambda m, a: m.bincount(a), [np.array([])]),
    "interp lengths": (lambda m, a, b: m.interp(a, a, b), [_f64(3), _f64(4)]),
    "concat positional axis": (lambda m, a: m.concat([a, a], 5), [_f64(2, 3)]),
}


def _run(f, mod, inputs):
    args = [trnpy.asarray(a) if mod is trnpy else a for a in inputs]
    try:
        return f(mod, *args), None
    except Exception as e:            # noqa: BLE001 (the class is what is compared)
        return None, e


def _public(cls):
    """The first class of ``cls``'s MRO that NumPy documents (its private exception
    subclasses, e.g. ``_ArrayMemoryError``, stand for their public base)."""
    return next(c for c in cls.__mro__ if not c.__name__.startswith("_")
                and c.__module__ != "numpy._core._exceptions")


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_exception_class(backend, name):
    f, inputs = CASES[name]
    before = [a.copy() for a in inputs]
    _, expected = _run(f, np, [a.copy() for a in inputs])
    assert expected is not None, "NumPy accepts this call: not an error case"
    mine = [a.copy() for a in inputs]
    _, got = _run(f, trnpy, mine)
    assert got is not None, f"trnpy accepts what NumPy rejects with {expected!r}"
    assert isinstance(got, _public(type(expected))), f"{got!r} where NumPy raises {expected!r}"
    assert "torch" not in str(got) and "Tensor" not in str(got)
    for a, b in zip(mine, before):
        np.testing.assert_array_equal(a, b)


def test_out_arguments_work(backend):
    a = _f64(2, 3)
    x = trnpy.asarray(a)
    o = trnpy.zeros(3, dtype=np.int64)
    assert trnpy.argmax(x, axis=0, out=o) is o
    assert_matches(o, np.argmax(a, axis=0))
    o2 = trnpy.zeros((1, 3), dtype=np.int32)
    assert x.argmin(axis=0, out=o2, keepdims=True) is o2
    assert_matches(o2, np.argmin(a, axis=0, keepdims=True).astype(np.int32))
    d = trnpy.zeros((2, 2))
    assert trnpy.dot(x, x.T, out=d) is d
    assert_matches(d, a @ a.T)
    assert x.dot(x.T, out=d) is d
    e = trnpy.zeros((3, 3), dtype=np.float32)
    assert trnpy.outer(x[0], x[1], out=e) is e
    assert_matches(e, np.outer(a[0], a[1]).astype(np.float32), rtol=1e-6)


def test_where_without_out(backend):
    a = np.arange(4.0)
    w = np.array([True, False, True, False])
    with pytest.warns(UserWarning) if backend == "numpy" else _nothing():
        r = trnpy.add(trnpy.asarray(a), 1, where=trnpy.asarray(w))
    # NumPy leaves the masked-out elements unspecified: compare where= holds
    assert r.shape == (4,) and r.dtype == np.float64
    assert_matches(r[trnpy.asarray(w)], (a + 1)[w])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_uint_positional_and_keyword_forms(backend):
    """NumPy's positional and keyword forms: arange's dtype, tensordot's axes, concat's
    axis, repeat/searchsorted keywords."""
    assert_matches(trnpy.arange(0, 10, 2, "float32"), np.arange(0, 10, 2, "float32"))
    a = _f64(2, 3)
    b = _f64(3, 4)
    assert_matches(trnpy.tensordot(trnpy.asarray(a), trnpy.asarray(b), 1),
                   np.tensordot(a, b, 1))
    assert_matches(trnpy.concat([trnpy.asarray(a)] * 2, 1), np.concat([a, a], 1))
    assert_matches(trnpy.repeat(trnpy.asarray(a), repeats=2), np.repeat(a, repeats=2))
    s = np.arange(5.0)
    assert_matches(trnpy.searchsorted(trnpy.asarray(s), v=2.5), np.searchsorted(s, v=2.5))


NEURON_SHAPE_CASES = {
    "cov": lambda m, a, b: m.cov(a, b),
    "corrcoef": lambda m, a, b: m.corrcoef(a, b),
    "cov rowvar": lambda m, a, b: m.cov(a, b.T, rowvar=False),
    "matmul": lambda m, a, b: m.matmul(a, b),
    "interp": lambda m, a, b: m.interp(a[0], a[0], b[0]),
}


@pytest.mark.parametrize("name", sorted(NEURON_SHAPE_CASES))
def test_shape_errors_before_neuron_dtype_check(emulated_neuron, name):
    """On the neuron device (no float64) a call with mismatched shapes reports NumPy's
    shape error, not the device's dtype refusal."""
    f = NEURON_SHAPE_CASES[name]
    a, b = np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)
    with pytest.raises(ValueError) as expected:
        f(np, a, b)
    x, y = (trnpy.asarray(v, device=emulated_neuron) for v in (a, b))
    with pytest.raises(type(expected.value)):
        f(trnpy, x, y)
