"""Indexing (getitem/setitem/take/take_along_axis) against NumPy on both CPU backends."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def _arr(draw, shape, dtype=None):
    dtype = dtype or draw(st.sampled_from(ALL_DTYPES))
    a = draw(hnp.arrays(dtype, shape))
    if a.ndim and draw(st.booleans()):            # negative-stride input
        a = np.flip(np.flip(a, 0).copy(), 0)
    return a


def _outcome(f):
    try:
        return f(), None
    except Exception as e:  # noqa: BLE001 - NumPy decides which exception is expected
        return None, e


# -- keys -------------------------------------------------------------------------------
@st.composite
def index_specs(draw, shape):
    """A key as a list of ("kind", payload); converted separately for NumPy and trnpy."""
    ndim = len(shape)
    k = draw(st.integers(0, ndim))
    if draw(st.integers(0, 15)) == 0:
        k += 1                                    # too many indices
    bshape = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 1), (1, 3), (2, 3), (0,)]))
    spec, axis = [], 0
    while axis < k:
        n = shape[axis] if axis < ndim else 3
        kind = draw(st.sampled_from(["int", "slice", "slice", "arr", "bool"]))
        if kind == "int":
            spec.append(("int", draw(st.integers(-n - 1, n))))
        elif kind == "slice":
            spec.append(("slice", slice(draw(st.none() | st.integers(-6, 6)),
                                        draw(st.none() | st.integers(-6, 6)),
                                        draw(st.none() | st.sampled_from([-3, -2, -1, 1, 2, 3])))))
        elif kind == "arr":
            nd = len(bshape)
            sub = tuple(1 if draw(st.booleans()) else s
                        for s in bshape[draw(st.integers(0, nd)):])
            lo, hi = (-n, n - 1) if n else (0, 0)
            vals = draw(hnp.arrays(np.int64, sub, elements=st.integers(lo, hi)))
            if draw(st.integers(0, 20)) == 0:
                vals = vals + n + 1                   # out of range (maybe)
            spec.append(("arr", vals, draw(st.sampled_from(["list", "np", "trn", "trn8"]))))
        else:
            span = draw(st.integers(1, max(1, min(2, k - axis))))
            mshape = tuple(shape[a] if a < ndim else 3 for a in range(axis, axis + span))
            if draw(st.integers(0, 20)) == 0:
                mshape = tuple(s + 1 for s in mshape)  # mismatching mask
            spec.append(("bool", draw(hnp.arrays(np.bool_, mshape)),
                         draw(st.sampled_from(["np", "trn"]))))
            axis += span
            continue
        axis += 1
    for _ in range(draw(st.integers(0, 2))):
        spec.insert(draw(st.integers(0, len(spec))),
                    draw(st.sampled_from([("new", None), ("bool0", True), ("bool0", False)])))
    if draw(st.booleans()):
        spec.insert(draw(st.integers(0, len(spec))), ("ell", None))
    return spec


def np_key(spec):
    out = []
    for s in spec:
        kind = s[0]
        if kind == "ell":
            out.append(Ellipsis)
        elif kind == "new":
            out.append(None)
        elif kind in ("bool0", "int", "slice"):
            out.append(s[1])
        else:
            out.append(s[1])
    return tuple(out)


def trn_key(spec, device=None):
    """The key with trnpy index arrays on ``device`` (default: where new arrays land, as
    the indexed array does)."""
    device = device or trnpy.get_default_device()
    out = []
    for s in spec:
        kind = s[0]
        if kind in ("arr", "bool"):
            how = s[2]
            if how == "list":
                out.append(s[1].tolist())
            elif how == "np":
                out.append(s[1])
            elif how == "trn8" and s[1].size and np.abs(s[1]).max() < 127:
                out.append(trnpy.asarray(s[1].astype(np.int8)).to_device(device))
            else:
                out.append(trnpy.asarray(s[1]).to_device(device))
        else:
            out.append(np_key([s])[0])
    return tuple(out)


@st.composite
def array_and_spec(draw, dtype=None):
    a = _arr(draw, draw(shapes), dtype)
    return a, draw(index_specs(a.shape))


# -- getitem ----------------------------------------------------------------------------
@settings(max_examples=examples(150))
@given(hnp.arrays(np.int16, shapes).flatmap(
    lambda a: st.tuples(st.just(a), hnp.basic_indices(a.shape, allow_newaxis=True))))
def test_basic_indices(backend, data):
    a, key = data
    x = trnpy.asarray(a)
    assert_matches(x[key], a[key])


@settings(max_examples=examples(300))
@given(array_and_spec())
def test_advanced_indices(backend, data):
    a, spec = data
    before = a.copy()
    x = trnpy.asarray(a)
    expected, err = _outcome(lambda: a[np_key(spec)])
    if err is not None:
        with pytest.raises(type(err)):
            x[trn_key(spec)]
    else:
        assert_matches(x[trn_key(spec)], expected)
    np.testing.assert_array_equal(trnpy.asnumpy(x), before)


@pytest.mark.parametrize("key", [
    (0, slice(None), [0, 1]),                     # int + array separated by a slice
    (slice(None), 0, [0, 1]),                     # adjacent
    ([0, 1], slice(None), 0),
    (slice(None), [0, 1], Ellipsis, [0, 1]),      # a zero-width ellipsis still separates
    (slice(None), [0, 1], None, [0, 1]),
    (0, Ellipsis, [[0], [1]]),
    (True, 0, slice(None), [1, 2]),
    ([[0, 1]], slice(None), [[0], [1]], 0),
])
def test_numpy_advanced_ordering(backend, key):
    a = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)[..., :3, :]
    x = trnpy.asarray(a)
    assert_matches(x[key], a[key])


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_every_dtype(backend, dtype):
    a = (np.arange(24) % 7).astype(dtype).reshape(2, 3, 4)
    x = trnpy.asarray(a)
    for key in [(0, slice(None, None, -1)), ([1, 0], slice(None), [3, 0]),
                (a > a.flat[3],), (Ellipsis, -1), (slice(None), [2, -1])]:
        assert_matches(x[key], a[key])


@pytest.mark.parametrize("key,exc", [
    (5, IndexError), ((0, 0, 0), IndexError), (1.0, IndexError), ("a", IndexError),
    ((Ellipsis, Ellipsis), IndexError), (np.array([1.0]), IndexError),
    (np.array([True, False]), IndexError), ((slice(None), -5), IndexError),
    (slice(1.0, None), TypeError), (slice(None, None, 0), ValueError),
    (([0, 1], [0, 1, 2]), IndexError), ([[3]], IndexError),
])
def test_getitem_errors(backend, key, exc):
    a = np.arange(12.0).reshape(3, 4)
    with pytest.raises(exc):
        a[key]
    x = trnpy.asarray(a)
    with pytest.raises(exc):
        x[key]
    np.testing.assert_array_equal(trnpy.asnumpy(x), a)


def test_trnarray_index_and_0d(backend):
    a = np.arange(10.0)
    x = trnpy.asarray(a)
    assert_matches(x[trnpy.asarray(3)], a[3])
    assert_matches(x[trnpy.asarray([3, -1])], a[[3, -1]])
    assert_matches(x[trnpy.asarray(a > 4)], a[a > 4])
    assert_matches(x[trnpy.asarray(np.array([2], np.uint8))], a[np.array([2], np.uint8)])
    assert_matches(x[[]], a[[]])
    assert_matches(x[np.True_], a[np.True_])
    assert_matches(x[trnpy.asarray(True)], a[np.array(True)])
    assert_matches(x[slice(trnpy.asarray(2), None)], a[2:])
    assert x[3].shape == () and x[()].shape == (10,)


def test_index_on_other_device_is_valueerror(backend, emulated_neuron):
    x = trnpy.asarray(np.arange(5.0))
    idx = trnpy.asarray([0, 1], device=emulated_neuron)
    with pytest.raises(ValueError):
        x[idx]
    with pytest.raises(ValueError):
        x[idx] = 1.0
    with pytest.raises(ValueError):
        x[0] = trnpy.asarray(1.0, device=emulated_neuron)
    np.testing.assert_array_equal(trnpy.asnumpy(x), np.arange(5.0))


# -- views ----------------------------------------------------------------------------
def test_basic_index_is_a_view(backend):
    a = np.arange(24.0).reshape(4, 6)
    x = trnpy.asarray(a.copy())
    v = x[1:, ::2]
    v[0, 1] = -1.0
    assert trnpy.asnumpy(x)[1, 2] == -1.0
    w = x[2]
    x[2, 5] = 99.0
    assert trnpy.asnumpy(w)[5] == 99.0
    z = x[None, ..., 1]
    z[0, 3] = -7.0
    assert trnpy.asnumpy(x)[3, 1] == -7.0
    assert type(x[1, 1]) is np.float64      # an element is a value; x[1, 1, ...] a view
    s = x[1, 1, ...]        # a 0-d view, not a copy
    s[()] = 42.0
    assert trnpy.asnumpy(x)[1, 1] == 42.0


def test_advanced_index_is_a_copy(backend):
    x = trnpy.asarray(np.arange(6.0))
    c = x[[0, 1]]
    c[0] = 100.0
    assert trnpy.asnumpy(x)[0] == 0.0
    r = x[::-1]            # negative step: a copy on both paths (torch has no negative strides)
    assert_matches(r, np.arange(6.0)[::-1])


def test_write_through_negative_step_views_in_setitem(backend):
    a = np.arange(10)
    x = trnpy.asarray(a.copy())
    x[::-2] = [1, 2, 3, 4, 5]
    a[::-2] = [1, 2, 3, 4, 5]
    assert_matches(x, a)


# -- setitem ----------------------------------------------------------------------------
@settings(max_examples=examples(200))
@given(array_and_spec(), st.data())
def test_setitem_matches_numpy(backend, data, d):
    a, spec = data
    a = a.copy()
    x = trnpy.asarray(a.copy())
    res, err = _outcome(lambda: a[np_key(spec)])
    if err is not None:
        with pytest.raises(type(err)):
            x[trn_key(spec)] = 0
        np.testing.assert_array_equal(trnpy.asnumpy(x), a)
        return
    rshape = np.shape(res)
    ids = np.arange(a.size).reshape(a.shape)[np_key(spec)]
    unique = np.unique(ids).size == np.size(ids)
    kind = d.draw(st.sampled_from(["scalar", "array", "bcast", "trn"]))
    if kind == "scalar" or not unique:
        value = d.draw(st.integers(0, 1)) if a.dtype == np.bool_ else d.draw(st.integers(0, 100))
        tv = value
    else:
        vshape = rshape
        if kind == "bcast" and vshape:
            vshape = tuple(1 if d.draw(st.booleans()) else s for s in vshape)
            vshape = vshape[d.draw(st.integers(0, len(vshape))):]
        value = d.draw(hnp.arrays(a.dtype, vshape))
        tv = trnpy.asarray(value) if kind == "trn" else value
    a[np_key(spec)] = value
    x[trn_key(spec)] = tv
    assert_matches(x, a)


def test_setitem_casting(backend):
    x = trnpy.asarray(np.zeros(3, np.int64))
    x[0] = 1.7
    x[1:] = np.array([2.9, -3.9])
    assert_matches(x, np.array([1, 2, -3]))
    f = trnpy.asarray(np.zeros(3))
    f[[0, 2]] = np.int8(5)
    f[1] = True
    assert_matches(f, np.array([5.0, 1.0, 5.0]))
    b = trnpy.asarray(np.zeros(3, bool))
    b[1:] = trnpy.asarray([0.0, 0.5])
    assert_matches(b, np.array([False, False, True]))
    u = trnpy.asarray(np.zeros(3, np.uint64))
    u[0] = 2 ** 64 - 1
    u[[1, 2]] = trnpy.asarray(np.array([2 ** 63, 7], np.uint64))
    assert_matches(u, np.array([2 ** 64 - 1, 2 ** 63, 7], np.uint64))
    c = trnpy.asarray(np.zeros(2, np.float32))
    with pytest.warns(np.exceptions.ComplexWarning):
        c[:] = trnpy.asarray(np.array([1 + 2j, 3j], np.complex64))
    assert_matches(c, np.array([1.0, 0.0], np.float32))


@pytest.mark.parametrize("dtype,value,exc", [
    ("float64", 1j, TypeError), ("int8", 300, OverflowError), ("uint8", -1, OverflowError),
    ("int64", float("nan"), ValueError), ("int32", float("inf"), OverflowError),
    ("int8", [1, 300, 2], OverflowError), ("float32", [1j, 1, 1], TypeError),
])
def test_setitem_value_errors(backend, dtype, value, exc):
    a = np.zeros(3, dtype)
    x = trnpy.asarray(a.copy())
    key = 0 if np.ndim(value) == 0 else slice(None)
    with pytest.raises(exc):
        a[key] = value
    with pytest.raises(exc):
        x[key] = value
    assert_matches(x, np.zeros(3, dtype))


def test_setitem_broadcast_errors(backend):
    a = np.zeros((2, 3))
    x = trnpy.asarray(a.copy())
    for key, val in [(0, np.ones(2)), (slice(None), np.ones((2,))),
                     ([0, 1], np.ones((3, 2))), (0, np.ones((2, 3)))]:
        with pytest.raises(ValueError):
            a[key] = val
        with pytest.raises(ValueError):
            x[key] = val
    x[0] = np.ones((1, 1, 3))                      # leading unit dims are dropped
    x[[0, 1]] = np.full((1, 2, 3), 2.0)
    assert_matches(x, np.full((2, 3), 2.0))


def test_setitem_overlapping_value(backend):
    a = np.arange(8)
    x = trnpy.asarray(a.copy())
    x[1:] = x[:-1]
    a[1:] = a[:-1].copy()
    assert_matches(x, a)


def test_setitem_broadcast_view_is_read_only(backend):
    x = trnpy.broadcast_to(trnpy.asarray(np.arange(3.0)), (2, 3))
    with pytest.raises(ValueError):
        x[0, 0] = 1.0


def test_setitem_through_transposed_view(backend):
    a = np.arange(12.0).reshape(3, 4)
    x = trnpy.asarray(a.copy())
    t = trnpy.permute_dims(x, (1, 0))
    t[[0, 2], 1:] = -1.0
    a.T[[0, 2], 1:] = -1.0
    assert_matches(x, a)


# -- take / take_along_axis -------------------------------------------------------------
@given(st.data())
def test_take(backend, data):
    a = _arr(data.draw, data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)))
    axis = data.draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
    n = a.size if axis is None else a.shape[axis]
    # NumPy loops forever on mode='wrap' over an empty axis (its bug): not drawn
    mode = data.draw(st.sampled_from(["raise", "wrap", "clip"] if n else ["raise", "clip"]))
    hi = n + 2 if mode != "raise" else max(n - 1, 0)
    ind = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                          max_side=3),
                               elements=st.integers(-hi - (mode != "raise"), hi)))
    if mode == "raise" and n == 0:
        ind = ind[..., :0] if ind.ndim else np.zeros(0, np.int64)
    expected, err = _outcome(lambda: np.take(a, ind, axis=axis, mode=mode))
    x = trnpy.asarray(a)
    if err is not None:
        with pytest.raises(type(err)):
            trnpy.take(x, trnpy.asarray(ind), axis=axis, mode=mode)
    else:
        assert_matches(trnpy.take(x, trnpy.asarray(ind), axis=axis, mode=mode), expected)


def test_take_errors_and_out(backend):
    x = trnpy.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError):
        trnpy.take(x, [6])
    with pytest.raises(IndexError):
        trnpy.take(x, trnpy.asarray([3]), axis=1)
    with pytest.raises(TypeError):
        trnpy.take(x, np.array([1.0]))
    with pytest.raises(np.exceptions.AxisError):
        trnpy.take(x, [0], axis=2)
    with pytest.raises(ValueError):
        trnpy.take(x, [0], mode="bogus")
    assert_matches(trnpy.take(x, 4), np.take(np.arange(6.0), 4))
    out = trnpy.asarray(np.zeros(2))
    assert trnpy.take(x, [5, -1], out=out) is out
    assert_matches(out, np.array([5.0, 5.0]))
    with pytest.raises(ValueError):
        trnpy.take(x, [0], out=out)
    with pytest.raises(NotImplementedError):
        trnpy.take(x, [0, 1], out=trnpy.asarray(np.zeros(2, np.float32)))


@given(st.data())
def test_take_along_axis(backend, data):
    a = _arr(data.draw, data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)))
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[axis]
    ishape = list(a.shape)
    ishape = [1 if data.draw(st.booleans()) else s for s in ishape]
    ishape[axis] = data.draw(st.integers(0, 4))
    if n == 0:
        ishape[axis] = 0
    ind = data.draw(hnp.arrays(np.int64, tuple(ishape),
                               elements=st.integers(-n, max(n - 1, 0))))
    x = trnpy.asarray(a)
    assert_matches(trnpy.take_along_axis(x, trnpy.asarray(ind), axis=axis),
                   np.take_along_axis(a, ind, axis))
    assert_matches(trnpy.take_along_axis(x, ind, axis), np.take_along_axis(a, ind, axis))


def test_take_along_axis_errors(backend):
    a = np.arange(6.0).reshape(2, 3)
    x = trnpy.asarray(a)
    assert_matches(trnpy.take_along_axis(x, np.array([5, 0]), axis=None),
                   np.take_along_axis(a, np.array([5, 0]), None))
    for ind, axis, exc in [(np.zeros((1, 3)), 0, IndexError),
                           (np.zeros(3, int), 0, ValueError),
                           (np.full((1, 3), 5), 0, IndexError),
                           (np.zeros((3, 5), int), 0, IndexError),
                           (np.zeros((1, 3), int), 2, np.exceptions.AxisError),
                           (np.zeros((1, 3), int), None, ValueError)]:
        with pytest.raises(exc):
            np.take_along_axis(a, ind, axis)
        with pytest.raises(exc):
            trnpy.take_along_axis(x, ind, axis=axis)
    np.testing.assert_array_equal(trnpy.asnumpy(x), a)


# -- emulated neuron ----------------------------------------------------------------------
@settings(max_examples=examples(60))
@given(array_and_spec(dtype=np.dtype(np.float32)))
def test_neuron_getitem_setitem(emulated_neuron, data):
    a, spec = data
    x = trnpy.asarray(a, device=emulated_neuron)
    expected, err = _outcome(lambda: a[np_key(spec)])
    if err is not None:
        with pytest.raises(type(err)):
            x[trn_key(spec, emulated_neuron)]
        return
    r = x[trn_key(spec, emulated_neuron)]
    assert r.device == emulated_neuron
    assert_matches(r, expected)
    b = a.copy()
    b[np_key(spec)] = 3.5
    x[trn_key(spec, emulated_neuron)] = 3.5
    assert_matches(x, b)


def test_neuron_take(emulated_neuron):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = trnpy.asarray(a, device=emulated_neuron)
    ind = trnpy.asarray([[2, 0]], device=emulated_neuron)
    r = trnpy.take(x, ind, axis=1)
    assert r.device == emulated_neuron
    assert_matches(r, np.take(a, [[2, 0]], axis=1))
    assert_matches(trnpy.take_along_axis(x, ind, axis=1), np.take_along_axis(a, np.array([[2, 0]]), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x[1, ::-1] = 0.0
    a[1, ::-1] = 0.0
    assert_matches(x, a)


def test_first_boolean_index_in_a_fresh_process():
    """The first index of a process on the torch path, before torch is loaded: a NumPy
    boolean key stays a mask (it was read as integers [1, 0] while torch's dtype table
    was still empty)."""
    import subprocess
    import sys
    code = ("import numpy as np, trnpy\n"
            "with trnpy.cpu_backend('torch'):\n"
            "    x = trnpy.asarray(np.array([0, 1, 2], dtype='int8'))\n"
            "    print(x[np.array([True, False, True])].tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[0, 2]"


@pytest.mark.parametrize("key", [np.s_[np.array([True, False, True])],
                                 np.s_[np.array([[True, False], [False, True], [True, True]])],
                                 np.s_[:, np.array([True, True])],
                                 np.s_[np.array([True, True, False]), ::-1]],
                         ids=["rows", "2d", "cols", "rows-rev"])
def test_boolean_mask_on_reversed_view(backend, key):
    """A mask over reversed axes selects in the view's order (found by the 10x explore
    run: the torch path returned the elements in memory order); writes land likewise."""
    base = np.arange(12, dtype=np.int8).reshape(3, 4)
    a = base[::-1, ::-2]
    x = trnpy.asarray(base.copy())[::-1, ::-2]
    assert_matches(x[key], a[key])
    x[key] = np.arange(a[key].size, dtype=np.int8).reshape(a[key].shape)
    a[key] = np.arange(a[key].size, dtype=np.int8).reshape(a[key].shape)
    assert_matches(x, a)
