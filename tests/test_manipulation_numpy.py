"""NumPy's stacking, splitting and editing functions, differential vs NumPy."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import both as _both, examples, same as _same
from conftest import ALL_DTYPES, assert_matches, to_np

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def arrays(dtypes=ALL_DTYPES, shape=shapes, elements=None):
    if isinstance(elements, dict):
        return st.sampled_from(dtypes).flatmap(
            lambda d: hnp.arrays(d, shape, elements=hnp.from_dtype(
                d, **{k: v for k, v in elements.items()
                      if d.kind in "fc" or k in ("min_value", "max_value")}) if d.kind != "u"
                else hnp.from_dtype(d, max_value=elements.get("max_value"))))
    return st.sampled_from(dtypes).flatmap(lambda d: hnp.arrays(d, shape, elements=elements))


@settings(max_examples=examples(30))
@given(a=arrays(), b_dtype=st.sampled_from(ALL_DTYPES), neg=st.booleans())
def test_stacks(backend, a, b_dtype, neg):
    if neg and a.ndim:
        a = a[::-1]
    b = a.astype(b_dtype)
    for name in ("vstack", "hstack", "dstack", "column_stack"):
        _both(lambda: getattr(trnpy, name)([trnpy.asarray(a), trnpy.asarray(b)]),
              lambda: getattr(np, name)([a, b]))
    if hasattr(np, "row_stack"):            # removed after NumPy 2.4
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            _same(trnpy.row_stack((trnpy.asarray(a), b)), np.row_stack((a, b)))


def test_stack_dtype_casting(backend):
    a, b = np.arange(3), np.arange(3.0)
    _same(trnpy.vstack([a, b], dtype=np.float32), np.vstack([a, b], dtype=np.float32))
    _same(trnpy.hstack([a, b], dtype=np.int8, casting="unsafe"),
          np.hstack([a, b], dtype=np.int8, casting="unsafe"))
    with pytest.raises(TypeError):
        trnpy.hstack([a, b], dtype=np.int8)
    # NumPy iterates an array given as the sequence (its rows)
    _same(trnpy.vstack(trnpy.asarray(a)), np.vstack(a))
    with pytest.raises(TypeError):
        trnpy.vstack(trnpy.asarray(1.0))
    with pytest.raises(DeprecationWarning):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            trnpy.row_stack([a])


@settings(max_examples=examples(30))
@given(a=arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6)),
       sections=st.one_of(st.integers(1, 4), st.lists(st.integers(-7, 7), max_size=3)),
       axis=st.integers(-3, 2))
def test_splits(backend, a, sections, axis):
    x = trnpy.asarray(a)
    _both(lambda: trnpy.array_split(x, sections, axis), lambda: np.array_split(a, sections, axis))
    _both(lambda: trnpy.split(x, sections, axis), lambda: np.split(a, sections, axis))
    for name in ("hsplit", "vsplit", "dsplit"):
        _both(lambda: getattr(trnpy, name)(x, sections), lambda: getattr(np, name)(a, sections))


def test_split_views_and_errors(backend):
    x = trnpy.asarray(np.arange(6.0))
    p = trnpy.split(x, 3)
    p[1][0] = 100
    assert float(x[2]) == 100
    with pytest.raises(ValueError):
        trnpy.split(x, 4)
    with pytest.raises(ValueError):
        trnpy.array_split(x, 0)
    with pytest.raises(ValueError):
        trnpy.hsplit(trnpy.asarray(1.0), 1)


@settings(max_examples=examples(30))
@given(a=arrays(), k=st.integers(-5, 5))
def test_flips_rot90(backend, a, k):
    x = trnpy.asarray(a)
    _both(lambda: trnpy.fliplr(x), lambda: np.fliplr(a))
    _both(lambda: trnpy.flipud(x), lambda: np.flipud(a))
    _both(lambda: trnpy.rot90(x, k), lambda: np.rot90(a, k))
    _both(lambda: trnpy.rot90(x, k, axes=(1, 0)), lambda: np.rot90(a, k, axes=(1, 0)))
    _both(lambda: trnpy.rot90(x, k, axes=(0, 0)), lambda: np.rot90(a, k, axes=(0, 0)))


@settings(max_examples=examples(40))
@given(a=arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)),
       obj=st.one_of(st.integers(-5, 5), st.lists(st.integers(-5, 5), max_size=3),
                     st.builds(slice, st.integers(-3, 3) | st.none(),
                               st.integers(-3, 3) | st.none(), st.sampled_from([None, 1, 2, -1]))),
       axis=st.sampled_from([None, 0, -1, 1]), values=st.sampled_from([7, [1, 2], [[3]]]))
def test_insert_delete_append(backend, a, obj, axis, values):
    x = trnpy.asarray(a)
    _both(lambda: trnpy.delete(x, obj, axis), lambda: np.delete(a, obj, axis))
    if a.dtype.kind != "b":
        _both(lambda: trnpy.insert(x, obj, values, axis), lambda: np.insert(a, obj, values, axis))
        _both(lambda: trnpy.append(x, values, axis), lambda: np.append(a, values, axis))


def test_delete_bool_mask_insert_bool(backend):
    a = np.arange(5)
    m = np.array([True, False, True, False, False])
    _same(trnpy.delete(trnpy.asarray(a), m), np.delete(a, m))
    _same(trnpy.insert(trnpy.asarray(a), m, 9), np.insert(a, m, 9))
    _same(trnpy.insert(trnpy.asarray(a.reshape(1, 5)), 2, [[1], [2]], axis=1),
          np.insert(a.reshape(1, 5), 2, [[1], [2]], axis=1))


@settings(max_examples=examples(30))
@given(a=arrays(), shape=st.one_of(st.integers(0, 7), st.lists(st.integers(0, 4), max_size=3)))
def test_resize(backend, a, shape):
    _both(lambda: trnpy.resize(trnpy.asarray(a), shape), lambda: np.resize(a, shape))


@settings(max_examples=examples(40))
@given(a=arrays(dtypes=[np.dtype(d) for d in ("int8", "float64", "bool", "complex64")],
                shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=6),
                elements=st.integers(0, 1)),
       trim=st.sampled_from(["fb", "f", "b", "BF"]), axis=st.sampled_from([None, 0, -1]))
def test_trim_zeros(backend, a, trim, axis):
    _both(lambda: trnpy.trim_zeros(trnpy.asarray(a), trim, axis),
          lambda: np.trim_zeros(a, trim, axis))


def test_trim_zeros_errors(backend):
    with pytest.raises(ValueError):
        trnpy.trim_zeros(trnpy.asarray([0, 1, 0]), "x")
    assert trnpy.trim_zeros([0, 1, 2, 0]) == [1, 2]


@pytest.mark.parametrize("build", [
    lambda m: m.block([[m.eye(2), m.zeros((2, 3))], [m.ones((1, 2)), m.full((1, 3), 5.0)]]),
    lambda m: m.block([m.arange(3), 4, m.asarray([5, 6])]),
    lambda m: m.block([[1, 2], [3, 4]]),
    lambda m: m.block(m.arange(3)),
    lambda m: m.block([[[m.zeros((2, 2, 1))], [m.ones((2, 2, 1))]]]),
    lambda m: m.block([m.arange(2, dtype=m.int8), m.arange(2.0)]),
])
def test_block(backend, build):
    _same(build(trnpy), build(np))


def test_block_errors(backend):
    for bad in ([[1, 2], 3], [], [[]], ([1, 2],)):
        try:
            np.block(bad)
        except Exception as ex:
            with pytest.raises(type(ex)):
                trnpy.block(bad)


@pytest.mark.parametrize("axis,start", [(0, 0), (2, 0), (-1, 1), (1, 3), (0, 5), (3, 0)])
def test_rollaxis(backend, axis, start):
    a = np.zeros((2, 3, 4))
    _both(lambda: trnpy.rollaxis(trnpy.asarray(a), axis, start),
          lambda: np.rollaxis(a, axis, start))


def test_apply_along_over_axes(backend):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = trnpy.asarray(a)
    for axis in (0, 1, -1):
        _same(trnpy.apply_along_axis(lambda v: v.sum(), axis, x),
              np.apply_along_axis(lambda v: v.sum(), axis, a))
        _same(trnpy.apply_along_axis(lambda v: v[::2] * 2, axis, x),
              np.apply_along_axis(lambda v: v[::2] * 2, axis, a))
    _same(trnpy.apply_along_axis(lambda v: trnpy.outer(v, v) if isinstance(v, trnpy.TrnArray)
                                 else np.outer(v, v), 1, x),
          np.apply_along_axis(lambda v: np.outer(v, v), 1, a))
    _same(trnpy.apply_over_axes(trnpy.sum, x, [0, 2]), np.apply_over_axes(np.sum, a, [0, 2]))
    with pytest.raises(ValueError):
        trnpy.apply_along_axis(lambda v: v, 0, trnpy.zeros((2, 0)))


@settings(max_examples=examples(30))
@given(dst=arrays(dtypes=[np.dtype(d) for d in ("int16", "float32", "complex128", "bool")],
                  shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
       src_dt=st.sampled_from(ALL_DTYPES), casting=st.sampled_from(["same_kind", "unsafe",
                                                                     "safe", "no"]),
       use_where=st.booleans())
def test_copyto(backend, dst, src_dt, casting, use_where):
    src = np.ones(dst.shape[-1:], src_dt)
    where = (np.arange(dst.size).reshape(dst.shape) % 2 == 0) if use_where else True
    d_np, d_t = dst.copy(), trnpy.asarray(dst.copy())
    try:
        np.copyto(d_np, src, casting=casting, where=where)
    except Exception as ex:
        before = to_np(d_t).copy()
        with pytest.raises(type(ex)):
            trnpy.copyto(d_t, trnpy.asarray(src), casting=casting, where=where)
        assert np.array_equal(to_np(d_t), before, equal_nan=True)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trnpy.copyto(d_t, trnpy.asarray(src), casting=casting, where=where)
    assert_matches(d_t, d_np)


def test_copyto_scalars(backend):
    d = trnpy.zeros(3, dtype=np.int8)
    trnpy.copyto(d, 5)
    assert_matches(d, np.full(3, 5, np.int8))
    with pytest.raises(TypeError):
        trnpy.copyto(d, 1.5)
    with pytest.raises(TypeError):
        trnpy.copyto(np.zeros(3), 1.0)


@settings(max_examples=examples(30))
@given(a=arrays(dtypes=[np.dtype(d) for d in ("bool", "uint8", "int32")],
                shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=11)),
       axis=st.sampled_from([None, 0, -1]), order=st.sampled_from(["big", "little"]))
def test_packbits(backend, a, axis, order):
    _both(lambda: trnpy.packbits(trnpy.asarray(a), axis=axis, bitorder=order),
          lambda: np.packbits(a, axis=axis, bitorder=order))
    p = np.packbits(a, axis=axis, bitorder=order)
    for count in (None, 3, -2):
        if count == 3 and p.size == 0:
            continue        # NumPy returns uninitialised memory there
        _both(lambda: trnpy.unpackbits(trnpy.asarray(p), axis=axis, count=count, bitorder=order),
              lambda: np.unpackbits(p, axis=axis, count=count, bitorder=order))


def test_emulated_neuron_manipulation(emulated_neuron):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = trnpy.asarray(a, device=emulated_neuron)
    r = trnpy.pad(x, 2, "reflect")
    assert r.device == emulated_neuron
    assert_matches(r, np.pad(a, 2, "reflect"))
    assert_matches(trnpy.vstack([x, x]), np.vstack([a, a]))
    assert_matches(trnpy.insert(x, 1, 5.0, axis=1), np.insert(a, 1, 5.0, axis=1))
    assert_matches(trnpy.delete(x, [0, 2], axis=0), np.delete(a, [0, 2], axis=0))
    assert_matches(trnpy.rot90(x), np.rot90(a))
    assert trnpy.split(x, 3)[0].device == emulated_neuron
