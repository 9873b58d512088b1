"""ndarray methods and attributes of TrnArray against NumPy's, on both CPU backends."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, FLOAT_DTYPES, NUMERIC_DTYPES, assert_matches


def _arr(dtypes=ALL_DTYPES, min_dims=0, min_side=0):
    return st.sampled_from(dtypes).flatmap(lambda dt: hnp.arrays(
        dt, hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=4),
        elements={"f": st.floats(-1e3, 1e3, width=8 * dt.itemsize) | st.just(np.nan),
                  "c": st.complex_numbers(max_magnitude=1e3, width=8 * dt.itemsize)
                  }.get(dt.kind)))


def _cmp(np_fn, tr_fn, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            exp = np_fn()
        except Exception as e:  # noqa: BLE001 - the type is compared
            with pytest.raises(type(e) if not isinstance(e, np.exceptions.AxisError)
                               else (np.exceptions.AxisError,)):
                tr_fn()
            return
        act = tr_fn()
    if isinstance(exp, tuple):
        assert_matches(act, exp, **kw)
    else:
        assert_matches(act, np.asarray(exp), **kw)


REDUCTIONS = ["sum", "prod", "mean", "std", "var", "min", "max", "argmin", "argmax",
              "cumsum", "cumprod", "all", "any"]


@settings(max_examples=examples(60))
@given(a=_arr(NUMERIC_DTYPES), name=st.sampled_from(REDUCTIONS),
       axis=st.sampled_from([None, 0, -1]))
def test_reduction_methods(backend, a, name, axis):
    if a.ndim == 0 and axis is not None:
        axis = None     # NumPy's legacy axis=0 on 0-d arrays: not in trnpy's reductions
    rtol = 1e-2 if a.dtype in (np.float16, np.complex64, np.float32) else 1e-7
    if a.dtype.kind in "iu" and name in ("std", "var", "mean"):
        rtol = 1e-7
    _cmp(lambda: getattr(a, name)(axis=axis),
         lambda: getattr(trnpy.asarray(a), name)(axis=axis),
         rtol=rtol if a.dtype.kind in "fc" or name in ("std", "var", "mean") else None,
         atol=1e-3 if name in ("std", "var") else 0)


def test_reduction_method_keywords(backend):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = trnpy.asarray(a)
    assert_matches(x.sum(axis=(0, 2), keepdims=True), a.sum(axis=(0, 2), keepdims=True))
    assert_matches(x.sum(initial=5.0), a.sum(initial=5.0))
    assert_matches(x.max(axis=1, initial=100.0), a.max(axis=1, initial=100.0))
    assert_matches(x.std(ddof=1), a.std(ddof=1))
    assert_matches(x.var(axis=0, ddof=1), a.var(axis=0, ddof=1))
    assert_matches(x.mean(axis=2, dtype="float32"), a.mean(axis=2, dtype="float32"))
    assert_matches(x.prod(axis=0, dtype="float32"), a.prod(axis=0, dtype="float32"))
    assert_matches(x.argmax(axis=1, keepdims=True), a.argmax(axis=1, keepdims=True))
    assert_matches(x.cumsum(axis=1), a.cumsum(axis=1))
    assert_matches(x.all(axis=0), a.all(axis=0))
    assert_matches(x.any(where=x > 10), a.any(where=a > 10))
    out = trnpy.empty((3, 4))
    assert x.sum(axis=0, out=out) is out
    assert_matches(out, a.sum(axis=0))


@settings(max_examples=examples(40))
@given(a=_arr(min_dims=1, min_side=1))
def test_shape_methods(backend, a):
    x = trnpy.asarray(a)
    n = a.size
    assert_matches(x.reshape(n), a.reshape(n))
    assert_matches(x.reshape((n, 1)), a.reshape((n, 1)))
    assert_matches(x.reshape(1, -1), a.reshape(1, -1))
    assert_matches(x.ravel(), a.ravel())
    f = x.flatten()
    assert_matches(f, a.flatten())
    assert_matches(x.transpose(), a.transpose())
    axes = tuple(range(a.ndim))[::-1]
    assert_matches(x.transpose(*axes), a.transpose(*axes))
    assert_matches(x.transpose(axes), a.transpose(axes))
    assert_matches(x.swapaxes(0, -1), a.swapaxes(0, -1))
    assert_matches(x.squeeze(), a.squeeze())
    assert_matches(x.repeat(2), a.repeat(2))
    assert_matches(x.repeat(2, axis=0), a.repeat(2, axis=0))
    assert_matches(x.copy(), a.copy())
    assert_matches(x.astype("float32"), a.astype("float32"))
    assert_matches(x.take([0, -1]), a.take([0, -1]))
    assert_matches(x.take([0], axis=0), a.take([0], axis=0))
    assert x.itemsize == a.itemsize and x.nbytes == a.nbytes
    # flatten is a copy
    if n:
        f[0] = f[-1]
        np.testing.assert_array_equal(trnpy.asnumpy(x), a)


def test_reshape_errors_and_order(backend):
    x = trnpy.arange(6)
    with pytest.raises(ValueError):
        x.reshape(4, 2)
    with pytest.raises(TypeError):
        x.reshape()
    assert_matches(x.reshape(2, 3, order="F"), np.arange(6).reshape(2, 3, order="F"))
    with pytest.raises(ValueError, match="order must be one of"):
        x.reshape(2, 3, order="Z")
    assert_matches(x.reshape(2, 3, order="C"), np.arange(6).reshape(2, 3))


@settings(max_examples=examples(40))
@given(a=_arr(NUMERIC_DTYPES, min_dims=1))
def test_sort_argsort_nonzero_searchsorted(backend, a):
    x = trnpy.asarray(a.copy())
    assert_matches(x.argsort(kind="stable"), a.argsort(kind="stable"))
    _cmp(lambda: a.nonzero(), lambda: x.nonzero())
    ref = a.copy()
    ref.sort()
    assert x.sort() is None
    assert_matches(x, ref)
    if a.ndim == 1 and a.dtype.kind != "c":
        v = ref[: min(3, ref.size)]
        assert_matches(x.searchsorted(trnpy.asarray(v)), ref.searchsorted(v))
        assert_matches(x.searchsorted(trnpy.asarray(v), side="right"),
                       ref.searchsorted(v, side="right"))


def test_sort_is_in_place_through_views(backend):
    a = np.array([[3.0, 1.0, 2.0], [9.0, 7.0, 8.0]])
    x = trnpy.asarray(a.copy())
    row = x[1]
    row.sort()
    assert_matches(x, np.array([[3.0, 1.0, 2.0], [7.0, 8.0, 9.0]]))
    x.sort(axis=0)
    with pytest.raises(np.exceptions.AxisError):
        trnpy.asarray(1.0).sort()


@settings(max_examples=examples(40))
@given(a=_arr(NUMERIC_DTYPES), lo=st.integers(-5, 5), hi=st.integers(-5, 5))
def test_clip_round_conj(backend, a, lo, hi):
    x = trnpy.asarray(a)
    _cmp(lambda: a.clip(lo, hi), lambda: x.clip(lo, hi))
    _cmp(lambda: a.clip(min=lo), lambda: x.clip(min=lo))
    _cmp(lambda: a.clip(max=hi), lambda: x.clip(max=hi))
    _cmp(lambda: a.round(), lambda: x.round())
    _cmp(lambda: a.round(1), lambda: x.round(1), rtol=1e-3)
    _cmp(lambda: a.conj(), lambda: x.conj())
    _cmp(lambda: a.conjugate(), lambda: x.conjugate())
    _cmp(lambda: a.real, lambda: x.real)
    _cmp(lambda: a.imag, lambda: x.imag)


def test_real_imag_assignment(backend):
    a = np.array([1 + 2j, 3 - 4j])
    x = trnpy.asarray(a.copy())
    x.real = 10.0
    x.imag = trnpy.asarray([5.0, 6.0])
    assert_matches(x, np.array([10 + 5j, 10 + 6j]))
    x.real[1] = -1.0
    assert_matches(x, np.array([10 + 5j, -1 + 6j]))
    y = trnpy.asarray([1.0, 2.0])
    y.real = 3.0
    assert_matches(y, np.array([3.0, 3.0]))
    with pytest.raises(TypeError):
        y.imag = 1.0
    assert_matches(y, np.array([3.0, 3.0]))


def test_dot_fill_item_tolist_tobytes(backend):
    a = np.arange(6.0).reshape(2, 3)
    x = trnpy.asarray(a.copy())
    assert_matches(x.dot(x.T), a.dot(a.T))
    assert_matches(x[0].dot(x[1]), a[0].dot(a[1]))
    assert x.item(4) == a.item(4) and x.item((1, 2)) == a.item((1, 2))
    assert x.tolist() == a.tolist()
    assert x.tobytes() == a.tobytes()
    assert x.T.tobytes() == a.T.tobytes()
    i = trnpy.zeros(3, dtype="uint8")
    i.fill(2.7)
    assert_matches(i, np.full(3, 2, np.uint8))
    with pytest.raises(OverflowError):
        i.fill(300)
    assert_matches(i, np.full(3, 2, np.uint8))


@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("float64", "uint8"),
                                     ("int16", "float16"), ("complex64", "float32"),
                                     ("uint8", "int64")])
def test_view_dtype(backend, src, dst):
    a = np.arange(16).astype(src).reshape(2, -1)
    x = trnpy.asarray(a.copy())
    _cmp(lambda: a.view(dst), lambda: x.view(dst))
    v = x.view()
    assert v is not x
    v[0, 0] = 7
    assert x[0, 0] == 7
    if np.dtype(dst).itemsize != np.dtype(src).itemsize:
        _cmp(lambda: a.T.view(dst), lambda: x.T.view(dst))
        _cmp(lambda: a[0, 0].copy().view(dst), lambda: x[0, 0].copy().view(dst))


def test_flat(backend):
    a = np.arange(12.0).reshape(3, 4)
    x = trnpy.asarray(a.copy())
    assert_matches(x.flat[5], a.flat[5])
    assert_matches(x.flat[2:7], a.flat[2:7])
    assert_matches(x.flat[[0, 11]], a.flat[[0, 11]])
    assert [float(v) for v in x.flat] == list(a.flat)
    assert len(x.flat) == 12
    ref = a.copy()
    ref.flat[[1, 2, 3]] = [9.0, 8.0]
    x.flat[[1, 2, 3]] = [9.0, 8.0]
    assert_matches(x, ref)
    xt, rt = x.T, ref.T            # non-contiguous: C order of the transposed view
    xt.flat[1:4] = -1.0
    rt.flat[1:4] = -1.0
    assert_matches(x, ref)
    x.flat = [1.0, 2.0]
    ref.flat = [1.0, 2.0]
    assert_matches(x, ref)


def test_flags_strides(backend):
    a = np.zeros((3, 4), np.float32)
    x = trnpy.asarray(a)
    for v, ref in [(x, a), (x.T, a.T), (x[:, ::2], a[:, ::2]), (x[1], a[1]),
                   (trnpy.zeros((0, 3)), np.zeros((0, 3)))]:
        for k in ("C_CONTIGUOUS", "F_CONTIGUOUS"):
            assert v.flags[k] == ref.flags[k], (k, v.shape)
        assert v.flags.c_contiguous == ref.flags.c_contiguous
        assert v.strides == ref.strides
    assert x.flags.writeable and x.flags["W"]
    assert not trnpy.broadcast_to(x[0], (3, 4)).flags.writeable


def test_diagonal_trace_put(backend):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = trnpy.asarray(a.copy())
    for off in (0, 1, -1):
        assert_matches(x.diagonal(off), a.diagonal(off))
        assert_matches(x.diagonal(off, 1, 2), a.diagonal(off, 1, 2))
        assert_matches(x.trace(off), a.trace(off))
    assert_matches(x.trace(0, 1, 2, dtype="float32"), a.trace(0, 1, 2, dtype="float32"))
    with pytest.raises(ValueError):
        x.diagonal(0, 1, 1)
    for mode in ("raise", "wrap", "clip"):
        r, y = a.copy(), trnpy.asarray(a.copy())
        r.put([0, 5, 5, 30], [-1.0, -2.0, -3.0], mode=mode) if mode != "raise" else \
            r.put([0, 5, 5, -2], [-1.0, -2.0, -3.0])
        y.put([0, 5, 5, 30], [-1.0, -2.0, -3.0], mode=mode) if mode != "raise" else \
            y.put([0, 5, 5, -2], [-1.0, -2.0, -3.0])
        assert_matches(y, r)
    y = trnpy.asarray(a.copy())
    with pytest.raises(IndexError):
        y.put([100], [1.0])
    assert_matches(y, a)


def test_contains_format_round_abs_divmod(backend):
    a = np.array([1.5, -2.25, np.nan])
    x = trnpy.asarray(a)
    assert (1.5 in x) and (-2.25 in x) and (3 not in x) and (np.nan not in x)
    assert f"{x[0]:.3f}" == f"{a[0]:.3f}"
    assert format(x[1], "+.1e") == format(a[1], "+.1e")
    with pytest.raises(TypeError):
        f"{x:.3f}"
    assert round(x[0]) == round(a[0]) and isinstance(round(x[0]), int)
    assert_matches(round(x, 1), np.round(a, 1))
    assert_matches(abs(x), abs(a))
    assert_matches(divmod(x, 2.0), divmod(a, 2.0))
    assert_matches(divmod(7.0, x), divmod(7.0, a))


def test_methods_on_neuron(emulated_neuron):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = trnpy.asarray(a.copy(), device=emulated_neuron)
    for r, e in [(x.sum(axis=0), a.sum(axis=0)), (x.reshape(4, 3), a.reshape(4, 3)),
                 (x.mean(), a.mean()), (x.T.copy(), a.T.copy()), (x.clip(2, 5), a.clip(2, 5)),
                 (x.diagonal(), a.diagonal()), (x.flat[3:5], a.flat[3:5])]:
        assert r.device == emulated_neuron
        assert_matches(r, e)
    x.sort(axis=0)
    with pytest.raises(TypeError):
        x.astype("float64")
