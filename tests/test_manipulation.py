"""Manipulation functions against NumPy on both CPU backends, views, errors, neuron."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches

AxisError = np.exceptions.AxisError
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
dtypes = st.sampled_from(ALL_DTYPES)


@st.composite
def arrays(draw, shape=shapes, dtype=dtypes, min_dims=0):
    shp = draw(shape) if not isinstance(shape, tuple) else shape
    if len(shp) < min_dims:
        shp = (1,) * (min_dims - len(shp)) + shp
    a = draw(hnp.arrays(draw(dtype) if not isinstance(dtype, np.dtype) else dtype, shp))
    if a.ndim and draw(st.booleans()):               # negative-stride input
        a = np.flip(np.flip(a, -1).copy(), -1)
    if a.ndim >= 2 and draw(st.booleans()):          # non-contiguous input
        a = np.swapaxes(np.swapaxes(a, 0, 1).copy(), 0, 1)
    return a


def outcome(f):
    try:
        return f(), None
    except Exception as e:  # noqa: BLE001 - NumPy decides which exception is expected
        return None, e


def check(trn_f, np_f):
    """trnpy result matches NumPy's, or both raise the same exception type."""
    expected, err = outcome(np_f)
    if err is not None:
        with pytest.raises(type(err)):
            trn_f()
    else:
        assert_matches(trn_f(), expected)


def axis_arg(draw, ndim, allow_none=True, allow_tuple=True):
    opts = st.integers(-ndim - 1, ndim) if ndim else st.integers(-1, 1)
    if allow_tuple:
        opts = opts | st.lists(st.integers(-ndim - 1, max(ndim, 1)), max_size=3).map(tuple)
    if allow_none:
        opts = st.none() | opts
    return draw(opts)


# -- differential ---------------------------------------------------------------------
@given(arrays(), st.data())
def test_reshape(backend, a, data):
    n = a.size
    cands = [(n,), (-1,), (1, n), (n, 1, -1), (2, -1), (-1, 2), (3, 4), (-1, -1), ()]
    shape = data.draw(st.sampled_from(cands) | st.integers(-1, n + 1))
    x = trnpy.asarray(a)
    check(lambda: trnpy.reshape(x, shape), lambda: np.reshape(a, shape))
    check(lambda: trnpy.reshape(x, shape, copy=True), lambda: np.reshape(a, shape, copy=True))
    check(lambda: trnpy.reshape(x, shape=shape), lambda: np.reshape(a, shape))
    check(lambda: trnpy.ravel(x), lambda: np.ravel(a))


@given(arrays(), st.data())
def test_axes_functions(backend, a, data):
    x = trnpy.asarray(a)
    ax = axis_arg(data.draw, a.ndim, allow_none=False)
    check(lambda: trnpy.expand_dims(x, ax), lambda: np.expand_dims(a, ax))
    ax = axis_arg(data.draw, a.ndim)
    check(lambda: trnpy.squeeze(x, ax), lambda: np.squeeze(a, ax))
    check(lambda: trnpy.squeeze(x), lambda: np.squeeze(a))
    check(lambda: trnpy.flip(x, axis=ax), lambda: np.flip(a, ax))
    perm = data.draw(st.permutations(range(a.ndim)).map(tuple) |
                     st.lists(st.integers(-a.ndim - 1, a.ndim), max_size=4).map(tuple))
    check(lambda: trnpy.permute_dims(x, perm), lambda: np.permute_dims(a, perm))
    check(lambda: trnpy.transpose(x, perm), lambda: np.transpose(a, perm))
    check(lambda: trnpy.transpose(x), lambda: np.transpose(a))
    i, j = data.draw(st.integers(-a.ndim - 1, a.ndim)), data.draw(st.integers(-a.ndim - 1, a.ndim))
    check(lambda: trnpy.swapaxes(x, i, j), lambda: np.swapaxes(a, i, j))
    src = axis_arg(data.draw, a.ndim, allow_none=False)
    dst = axis_arg(data.draw, a.ndim, allow_none=False)
    check(lambda: trnpy.moveaxis(x, src, dst), lambda: np.moveaxis(a, src, dst))
    if a.ndim:
        check(lambda: x.T, lambda: a.T)
    if a.ndim >= 2:
        check(lambda: x.mT, lambda: np.matrix_transpose(a))
    for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
        check(lambda: getattr(trnpy, f)(x), lambda: getattr(np, f)(a))


@given(arrays(), st.data())
def test_broadcast(backend, a, data):
    x = trnpy.asarray(a)
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4))
    if data.draw(st.booleans()):
        shape = data.draw(hnp.broadcastable_shapes(a.shape, min_side=0))[::-1] \
            if a.ndim else shape
    check(lambda: trnpy.broadcast_to(x, shape), lambda: np.broadcast_to(a, shape))
    s2 = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, base_shape=a.shape,
                                                     min_side=0)).input_shapes
    b = np.zeros(s2[0], np.int8)
    c = np.ones(s2[1], np.float32)
    expected = np.broadcast_arrays(a, b, c)
    res = trnpy.broadcast_arrays(x, trnpy.asarray(b), trnpy.asarray(c))
    assert isinstance(res, list)   # the array API's list (NumPy 2 returns a tuple)
    assert_matches(res, list(expected))


@given(st.data())
def test_concat_and_stack(backend, data):
    base = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
    k = data.draw(st.integers(1, 3))
    nd = len(base)
    axis = data.draw(st.integers(-nd - 1, nd))
    arrs = []
    for _ in range(k):
        shp = list(base)
        if nd and data.draw(st.booleans()):
            shp[axis % nd if -nd <= axis < nd else 0] = data.draw(st.integers(0, 3))
        arrs.append(data.draw(arrays(shape=tuple(shp))))
    xs = [trnpy.asarray(a) for a in arrs]
    check(lambda: trnpy.concat(xs, axis=axis), lambda: np.concat(arrs, axis=axis))
    check(lambda: trnpy.concat(xs, axis=None), lambda: np.concat(arrs, axis=None))
    check(lambda: trnpy.concatenate(tuple(xs), axis), lambda: np.concatenate(arrs, axis))
    check(lambda: trnpy.stack(xs, axis=axis), lambda: np.stack(arrs, axis=axis))
    dt = data.draw(dtypes)
    casting = data.draw(st.sampled_from(["no", "equiv", "safe", "same_kind", "unsafe"]))
    if casting == "unsafe" and dt.kind in "iu" and any(a.dtype.kind in "fc" for a in arrs):
        return        # out-of-range float -> int casts are undefined in C; values differ
    with np.errstate(all="ignore"):
        check(lambda: trnpy.concatenate(xs, axis, dtype=dt, casting=casting),
              lambda: np.concatenate(arrs, axis, dtype=dt, casting=casting))
        check(lambda: trnpy.stack(xs, axis, dtype=dt, casting=casting),
              lambda: np.stack(arrs, axis, dtype=dt, casting=casting))


@given(arrays(), st.data())
def test_unstack(backend, a, data):
    x = trnpy.asarray(a)
    axis = data.draw(st.integers(-a.ndim - 1, a.ndim))
    expected, err = outcome(lambda: np.unstack(a, axis=axis))
    if err is not None:
        with pytest.raises(type(err)):
            trnpy.unstack(x, axis=axis)
        return
    res = trnpy.unstack(x, axis=axis)
    assert isinstance(res, tuple)
    assert_matches(list(res), list(expected))


@given(arrays(), st.data())
def test_roll(backend, a, data):
    x = trnpy.asarray(a)
    shift = data.draw(st.integers(-7, 7) | st.lists(st.integers(-7, 7), min_size=1,
                                                     max_size=3).map(tuple))
    axis = axis_arg(data.draw, a.ndim)
    if isinstance(axis, tuple) and len(set(axis)) != len(axis):
        axis = axis  # repeated axes add up in NumPy
    check(lambda: trnpy.roll(x, shift, axis=axis), lambda: np.roll(a, shift, axis=axis))


@given(arrays(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)),
       st.data())
def test_tile_and_repeat(backend, a, data):
    x = trnpy.asarray(a)
    reps = data.draw(st.integers(0, 3) | st.lists(st.integers(0, 3), max_size=4).map(tuple))
    check(lambda: trnpy.tile(x, reps), lambda: np.tile(a, reps))
    axis = data.draw(st.none() | st.integers(-a.ndim - 1, a.ndim))
    n = a.size if axis is None else (a.shape[axis] if -a.ndim <= axis < a.ndim else 1)
    reps = data.draw(st.integers(0, 3) |
                     st.lists(st.integers(0, 3), min_size=n, max_size=n) |
                     st.lists(st.integers(0, 3), min_size=1, max_size=1))
    check(lambda: trnpy.repeat(x, reps, axis=axis), lambda: np.repeat(a, reps, axis=axis))
    if not isinstance(reps, int):
        check(lambda: trnpy.repeat(x, trnpy.asarray(np.array(reps, np.int64)), axis=axis),
              lambda: np.repeat(a, np.array(reps, np.int64), axis=axis))


# -- views ----------------------------------------------------------------------------
VIEW_FUNCS = [
    ("reshape", lambda m, x: m.reshape(x, (4, 3)), (3, 4)),
    ("reshape_copy_false", lambda m, x: m.reshape(x, (12,), copy=False), (3, 4)),
    ("ravel", lambda m, x: m.ravel(x), (3, 4)),
    ("transpose", lambda m, x: m.transpose(x), (3, 4)),
    ("permute_dims", lambda m, x: m.permute_dims(x, (1, 0)), (3, 4)),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 1), (3, 4)),
    ("moveaxis", lambda m, x: m.moveaxis(x, 0, -1), (3, 4)),
    ("expand_dims", lambda m, x: m.expand_dims(x, (0, 2)), (3, 4)),
    ("squeeze", lambda m, x: m.squeeze(x), (3, 1, 4)),
    ("unstack", lambda m, x: m.unstack(x, axis=1)[0], (3, 4)),
    ("atleast_3d", lambda m, x: m.atleast_3d(x), (3, 4)),
    ("T", lambda m, x: x.T, (3, 4)),
    ("mT", lambda m, x: x.mT, (3, 4)),
]


@pytest.mark.parametrize("name,f,shape", VIEW_FUNCS, ids=[v[0] for v in VIEW_FUNCS])
def test_views_share_memory(backend, name, f, shape):
    a = np.arange(12.0).reshape(shape)
    x = trnpy.asarray(a.copy())
    v = f(trnpy, x)
    expected = f(np, a.copy()) if name not in ("T", "mT") else (a.T if name == "T" else a.mT)
    assert_matches(v, expected)
    flat_index = np.unravel_index(min(5, v.size - 1), v.shape)
    v[flat_index] = -1.0
    assert (trnpy.asnumpy(x) == -1.0).sum() == 1
    x[...] = 7.0
    assert (trnpy.asnumpy(v) == 7.0).all()


def test_broadcast_to_is_a_view(backend):
    x = trnpy.asarray(np.arange(3.0))
    b = trnpy.broadcast_to(x, (2, 3))
    x[1] = 10.0
    assert_matches(b, np.array([[0.0, 10.0, 2.0]] * 2))
    with pytest.raises(ValueError):
        b[0, 0] = 1.0


def test_reshape_copy_semantics(backend):
    a = np.arange(12.0).reshape(3, 4)
    x = trnpy.asarray(a.copy())
    t = trnpy.permute_dims(x, (1, 0))
    with pytest.raises(ValueError):
        trnpy.reshape(t, (12,), copy=False)
    c = trnpy.reshape(x, (12,), copy=True)
    c[0] = 99.0
    assert trnpy.asnumpy(x)[0, 0] == 0.0
    r = trnpy.reshape(t, (12,))        # a copy is needed: made silently
    assert_matches(r, a.T.reshape(12))
    assert_matches(trnpy.reshape(x, (12,), order="F"), np.reshape(a, (12,), order="F"))
    assert_matches(trnpy.ravel(x, order="F"), np.ravel(a, order="F"))
    with pytest.raises(ValueError, match="not permitted"):
        trnpy.reshape(x, (12,), order="K")


def test_copies_do_not_alias(backend):
    a = np.arange(6.0).reshape(2, 3)
    x = trnpy.asarray(a.copy())
    # (flip is a view in NumPy and on the NumPy path; torch cannot hold negative strides)
    outs = [trnpy.roll(x, 1), trnpy.tile(x, 1), trnpy.repeat(x, 1, axis=0),
            trnpy.concat([x]), trnpy.stack([x])]
    x[...] = -1.0
    for o in outs:
        assert (trnpy.asnumpy(o) != -1.0).all()


# -- errors -----------------------------------------------------------------------------
@pytest.mark.parametrize("call,exc", [
    (lambda m, x: m.reshape(x, (5,)), ValueError),
    (lambda m, x: m.reshape(x, (-1, -1)), ValueError),
    (lambda m, x: m.reshape(x, (-2, -3)), ValueError),
    (lambda m, x: m.expand_dims(x, 4), AxisError),
    (lambda m, x: m.expand_dims(x, (0, 0)), ValueError),
    (lambda m, x: m.squeeze(x, 0), ValueError),
    (lambda m, x: m.squeeze(x, 5), AxisError),
    (lambda m, x: m.flip(x, 2), AxisError),
    (lambda m, x: m.flip(x, (0, 0)), ValueError),
    (lambda m, x: m.permute_dims(x, (0,)), ValueError),
    (lambda m, x: m.permute_dims(x, (0, 0)), ValueError),
    (lambda m, x: m.permute_dims(x, (0, 2)), AxisError),
    (lambda m, x: m.swapaxes(x, 0, 2), AxisError),
    (lambda m, x: m.moveaxis(x, 0, 3), AxisError),
    (lambda m, x: m.moveaxis(x, (0, 1), (0,)), ValueError),
    (lambda m, x: m.broadcast_to(x, (3,)), ValueError),
    (lambda m, x: m.broadcast_to(x, (-1, 3)), ValueError),
    (lambda m, x: m.concatenate([x, m.reshape(x, (3, 2))]), ValueError),
    (lambda m, x: m.concatenate([x, m.reshape(x, (6,))]), ValueError),
    (lambda m, x: m.concatenate([]), ValueError),
    (lambda m, x: m.concatenate([x], axis=2), AxisError),
    (lambda m, x: m.concatenate([x], dtype="int64"), TypeError),
    (lambda m, x: m.concatenate([x], casting="no", dtype="float32"), TypeError),
    (lambda m, x: m.stack([x, m.reshape(x, (3, 2))]), ValueError),
    (lambda m, x: m.stack([]), ValueError),
    (lambda m, x: m.stack([x], axis=3), AxisError),
    (lambda m, x: m.roll(x, 1, axis=2), AxisError),
    (lambda m, x: m.roll(x, (1, 2, 3), axis=(0, 1)), ValueError),
    (lambda m, x: m.tile(x, -1), ValueError),
    (lambda m, x: m.repeat(x, -1), ValueError),
    (lambda m, x: m.repeat(x, [1, 2], axis=1), ValueError),
    (lambda m, x: m.repeat(x, np.array([1.0, 2.0]), axis=0), TypeError),
    (lambda m, x: m.repeat(x, 1, axis=2), AxisError),
])
def test_errors(backend, call, exc):
    a = np.arange(6.0).reshape(2, 3)
    with pytest.raises(exc):
        call(np, a)
    x = trnpy.asarray(a.copy())
    with pytest.raises(exc):
        call(trnpy, x)
    assert_matches(x, a)


def test_unstack_0d_and_concat_0d(backend):
    x = trnpy.asarray(1.0)
    with pytest.raises(ValueError):
        trnpy.unstack(x)
    with pytest.raises(ValueError):
        trnpy.concat([x, x])
    with pytest.raises(ValueError):
        x.mT


def test_concatenate_out(backend):
    a, b = np.arange(3), np.arange(4.0)
    out = trnpy.asarray(np.zeros(7, np.float32))
    r = trnpy.concatenate([trnpy.asarray(a), trnpy.asarray(b)], out=out)
    assert r is out
    assert_matches(out, np.concatenate([a, b]).astype(np.float32))
    with pytest.raises(TypeError):
        trnpy.concatenate([trnpy.asarray(b)], out=trnpy.asarray(np.zeros(4, np.int64)))
    with pytest.raises(ValueError):
        trnpy.concatenate([trnpy.asarray(b)], out=trnpy.asarray(np.zeros(5)))
    with pytest.raises(TypeError):
        trnpy.concatenate([trnpy.asarray(b)], out=out, dtype="float32")
    o2 = trnpy.asarray(np.zeros((2, 3)))
    trnpy.stack([trnpy.asarray(a), trnpy.asarray(a)], out=o2)
    assert_matches(o2, np.stack([a, a]).astype(float))


def test_mixed_devices_raise(backend, emulated_neuron):
    x = trnpy.asarray(np.zeros(3, np.float32))
    y = trnpy.asarray(np.zeros(3, np.float32), device=emulated_neuron)
    for f in (lambda: trnpy.concat([x, y]), lambda: trnpy.stack([x, y]),
              lambda: trnpy.broadcast_arrays(x, y), lambda: trnpy.repeat(x, trnpy.asarray(
                  [1, 1, 1], device=emulated_neuron))):
        with pytest.raises(ValueError):
            f()


def test_array_likes_and_promotion(backend):
    assert_matches(trnpy.concat([[1, 2], np.array([3.5], np.float32)]),
                   np.concat([[1, 2], np.array([3.5], np.float32)]))
    for d1 in ALL_DTYPES:
        for d2 in ALL_DTYPES:
            a, b = np.ones(2, d1), np.zeros(1, d2)
            assert_matches(trnpy.concat([trnpy.asarray(a), trnpy.asarray(b)]),
                           np.concat([a, b]))
    x = trnpy.asarray(np.arange(6).reshape(2, 3))
    assert_matches(trnpy.concatenate(x), np.concatenate(np.arange(6).reshape(2, 3)))
    r = trnpy.atleast_1d(trnpy.asarray(1), trnpy.asarray([1, 2]))
    assert isinstance(r, tuple) and len(r) == 2


# -- emulated neuron -----------------------------------------------------------------
@settings(max_examples=examples(20))
@given(arrays(dtype=np.dtype(np.float32)), st.data())
def test_neuron(emulated_neuron, a, data):
    x = trnpy.asarray(a, device=emulated_neuron)
    outs = {
        "T": (x.T if a.ndim else None, a.T if a.ndim else None),
        "flip": (trnpy.flip(x), np.flip(a)),
        "roll": (trnpy.roll(x, 2), np.roll(a, 2)),
        "reshape": (trnpy.reshape(x, -1), a.reshape(-1)),
        "expand": (trnpy.expand_dims(x, 0), np.expand_dims(a, 0)),
        "tile": (trnpy.tile(x, 2), np.tile(a, 2)),
        "repeat": (trnpy.repeat(x, 2), np.repeat(a, 2)),
        "concat": (trnpy.concat([x, x], axis=None), np.concat([a, a], axis=None)),
        "stack": (trnpy.stack([x, x]), np.stack([a, a])),
        "bcast": (trnpy.broadcast_to(x, (2,) + a.shape), np.broadcast_to(a, (2,) + a.shape)),
    }
    for name, (r, e) in outs.items():
        if r is None:
            continue
        assert r.device == emulated_neuron, name
        assert_matches(r, e)


def test_neuron_refuses_float64(emulated_neuron):
    x = trnpy.asarray(np.zeros(2, np.float32), device=emulated_neuron)
    with pytest.raises(TypeError):
        trnpy.concat([x, x], axis=0) if False else trnpy.concatenate([x, x], dtype="float64")
    with pytest.raises(TypeError):
        trnpy.stack([x, x], dtype="float64")


def test_flip_is_a_view_on_the_numpy_path():
    x = trnpy.asarray(np.arange(6.0).reshape(2, 3), device="cpu")
    with trnpy.cpu_backend("numpy"):
        f = trnpy.flip(x, axis=1)
        x[0, 0] = -1.0
        assert float(f[0, 2]) == -1.0          # as numpy.flip
        f._t                                    # a torch op reads it: still a view
        x[0, 0] = -2.0
        assert float(f[0, 2]) == -2.0

