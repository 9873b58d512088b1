"""NumPy's indexing helpers, differential against NumPy on both CPU backends."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import both as _both, examples, same as _same
from conftest import ALL_DTYPES, assert_matches, to_np

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)


def arrays(dtypes=ALL_DTYPES, shape=shapes):
    return st.sampled_from(dtypes).flatmap(lambda d: hnp.arrays(d, shape))


def _inplace(fn_name, a, *args, **kw):
    """Run an in-place NumPy function on copies; same result or same exception (and the
    trnpy array unchanged then)."""
    n, t = a.copy(), trnpy.asarray(a.copy())
    try:
        getattr(np, fn_name)(n, *args, **kw)
    except Exception as ex:
        with pytest.raises(type(ex)):
            getattr(trnpy, fn_name)(t, *[trnpy.asarray(x) if isinstance(x, np.ndarray) else x
                                         for x in args], **kw)
        np.testing.assert_array_equal(to_np(t), a)
        return
    assert getattr(trnpy, fn_name)(t, *[trnpy.asarray(x) if isinstance(x, np.ndarray) else x
                                        for x in args], **kw) is None
    assert_matches(t, n)


@settings(max_examples=examples(30))
@given(a=arrays(), ind=st.lists(st.integers(-8, 8), max_size=4),
       v=st.lists(st.integers(0, 1), min_size=0, max_size=3),
       mode=st.sampled_from(["raise", "wrap", "clip"]))
def test_put(backend, a, ind, v, mode):
    if not v:
        v = [1]
    _inplace("put", a, np.array(ind, dtype=np.intp), np.array(v).astype(a.dtype), mode=mode)


@settings(max_examples=examples(30))
@given(a=arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)),
       axis=st.sampled_from([0, -1, None]), data=st.data())
def test_put_along_axis(backend, a, axis, data):
    n = a.size if axis is None else a.shape[axis]
    ishape = (3,) if axis is None else tuple(2 if i == (axis % a.ndim) else s
                                             for i, s in enumerate(a.shape))
    ind = data.draw(hnp.arrays(np.intp, ishape, elements=st.integers(-n, n - 1)))
    _inplace("put_along_axis", a, ind, np.zeros((), a.dtype), axis)
    _both(lambda: trnpy.take_along_axis(trnpy.asarray(a), trnpy.asarray(ind), axis),
          lambda: np.take_along_axis(a, ind, axis))


@settings(max_examples=examples(30))
@given(a=arrays(), data=st.data(), nv=st.integers(0, 3))
def test_place_putmask(backend, a, data, nv):
    mask = data.draw(hnp.arrays(np.bool_, a.shape))
    vals = np.arange(1, nv + 1).astype(a.dtype)
    _inplace("place", a, mask, vals)
    _inplace("putmask", a, mask, vals)


@settings(max_examples=examples(30))
@given(data=st.data(), n=st.integers(1, 4), dt=st.sampled_from(ALL_DTYPES),
       mode=st.sampled_from(["raise", "wrap", "clip"]))
def test_choose(backend, data, n, dt, mode):
    idx = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                               elements=st.integers(-2, 5)))
    choices = [data.draw(hnp.arrays(dt, idx.shape[-1:] if idx.ndim else ())) for _ in range(n)]
    _both(lambda: trnpy.choose(trnpy.asarray(idx), [trnpy.asarray(c) for c in choices],
                               mode=mode), lambda: np.choose(idx, choices, mode=mode))


@settings(max_examples=examples(30))
@given(a=arrays(), data=st.data(), axis=st.sampled_from([None, 0, -1]))
def test_compress_extract(backend, a, data, axis):
    n = a.size if axis is None else a.shape[axis]
    cond = data.draw(hnp.arrays(np.bool_, st.integers(0, n + 1)))
    _both(lambda: trnpy.compress(trnpy.asarray(cond), trnpy.asarray(a), axis),
          lambda: np.compress(cond, a, axis))
    c2 = data.draw(hnp.arrays(np.int8, a.shape, elements=st.integers(-1, 1)))
    _both(lambda: trnpy.extract(trnpy.asarray(c2), trnpy.asarray(a)), lambda: np.extract(c2, a))


def test_compress_out(backend):
    a = np.arange(6).reshape(2, 3)
    out = trnpy.zeros((2, 2), dtype=a.dtype)
    r = trnpy.compress([True, False, True], a, axis=1, out=out)
    assert r is out
    assert_matches(out, np.compress([True, False, True], a, axis=1))


@pytest.mark.parametrize("default", [0, -1.5, np.float32(2)])
def test_select(backend, default):
    x = np.arange(10)
    conds = [x < 3, x > 5]
    choices = [x, x ** 2]
    _same(trnpy.select([trnpy.asarray(c) for c in conds], [trnpy.asarray(c) for c in choices],
                       default), np.select(conds, choices, default))
    _same(trnpy.select(conds, [1, 2.5], default), np.select(conds, [1, 2.5], default))
    with pytest.raises(ValueError):
        trnpy.select([], [])
    with pytest.raises(ValueError):
        trnpy.select(conds, choices[:1])
    with pytest.raises(TypeError):
        trnpy.select([x], [x])


def test_piecewise(backend):
    x = np.linspace(-2.5, 2.5, 6)
    funcs = [lambda v: -v, lambda v: v ** 2]
    _same(trnpy.piecewise(trnpy.asarray(x), [trnpy.asarray(x < 0), trnpy.asarray(x >= 0)],
                          funcs), np.piecewise(x, [x < 0, x >= 0], funcs))
    _same(trnpy.piecewise(trnpy.asarray(x), [trnpy.asarray(x < 0)], [-1, 1]),
          np.piecewise(x, [x < 0], [-1, 1]))
    _same(trnpy.piecewise(trnpy.asarray(3.0), [True], [7]), np.piecewise(np.array(3.0), [True],
                                                                         [7]))
    with pytest.raises(ValueError):
        trnpy.piecewise(trnpy.asarray(x), [x < 0], [1, 2, 3])


@pytest.mark.parametrize("n,k,m", [(3, 0, None), (4, 1, None), (4, -1, 6), (0, 0, None),
                                   (3, 5, 2), (1, -3, 4)])
def test_tri_indices(backend, n, k, m):
    _same(trnpy.tril_indices(n, k, m), np.tril_indices(n, k, m))
    _same(trnpy.triu_indices(n, k, m), np.triu_indices(n, k, m))
    a = np.zeros((n, m if m is not None else n))
    _same(trnpy.tril_indices_from(trnpy.asarray(a), k), np.tril_indices_from(a, k))
    _same(trnpy.triu_indices_from(trnpy.asarray(a), k), np.triu_indices_from(a, k))
    with pytest.raises(ValueError):
        trnpy.tril_indices_from(trnpy.zeros(3))


def test_diag_and_mask_indices(backend):
    _same(trnpy.diag_indices(4), np.diag_indices(4))
    _same(trnpy.diag_indices(3, 3), np.diag_indices(3, 3))
    _same(trnpy.diag_indices_from(trnpy.zeros((3, 3, 3))), np.diag_indices_from(np.zeros((3,) * 3)))
    with pytest.raises(ValueError):
        trnpy.diag_indices_from(trnpy.zeros((2, 3)))
    _same(trnpy.mask_indices(3, trnpy.triu, 1), np.mask_indices(3, np.triu, 1))


@settings(max_examples=examples(40))
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), data=st.data(),
       order=st.sampled_from(["C", "F"]))
def test_unravel_ravel_multi_index(backend, shape, data, order):
    size = int(np.prod(shape))
    idx = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0,
                                                          max_side=3),
                               elements=st.integers(-1, size)))
    _both(lambda: trnpy.unravel_index(trnpy.asarray(idx), shape, order),
          lambda: np.unravel_index(idx, shape, order))
    coords = np.unravel_index(np.clip(idx, 0, size - 1), shape, order)
    coords = tuple(c + data.draw(st.sampled_from([0, 0, 1, -1])) for c in coords)
    for mode in ("raise", "wrap", "clip"):
        _both(lambda: trnpy.ravel_multi_index(tuple(trnpy.asarray(c) for c in coords), shape,
                                              mode, order),
              lambda: np.ravel_multi_index(coords, shape, mode, order))


def test_unravel_errors(backend):
    with pytest.raises(TypeError):
        trnpy.unravel_index(trnpy.asarray([1.0]), (3,))
    with pytest.raises(ValueError):
        trnpy.unravel_index(5, (2, 2))
    with pytest.raises(ValueError):
        trnpy.ravel_multi_index(([3],), (2,))
    r = trnpy.unravel_index(7, (3, 4))
    assert [int(v) for v in r] == [1, 3]


def test_ix_ndindex_ndenumerate(backend):
    a = np.arange(20).reshape(4, 5)
    ix = trnpy.ix_([0, 2], trnpy.asarray([True, False, True, False, True]))
    _same(ix, np.ix_([0, 2], [True, False, True, False, True]))
    assert_matches(trnpy.asarray(a)[ix], a[np.ix_([0, 2], [0, 2, 4])])
    _same(trnpy.ix_([]), np.ix_([]))
    with pytest.raises(ValueError):
        trnpy.ix_([[1]])
    assert list(trnpy.ndindex(2, 3)) == list(np.ndindex(2, 3))
    got = [(i, v.item()) for i, v in trnpy.ndenumerate(trnpy.asarray(a[:2, :2]))]
    assert got == [(i, v.item()) for i, v in np.ndenumerate(a[:2, :2])]


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 3), True), ((5, 3), False),
                                        ((3, 5), False), ((3, 3, 3), False), ((2, 3, 2), False),
                                        ((4,), False)])
def test_fill_diagonal(backend, shape, wrap):
    a = np.zeros(shape)
    _inplace("fill_diagonal", a, 5.0, wrap)
    _inplace("fill_diagonal", a, np.array([1.0, 2.0]), wrap)


@settings(max_examples=examples(40))
@given(a=arrays(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
       offset=st.integers(-3, 3), axes=st.sampled_from([(0, 1), (1, 0), (-1, 0), (0, 0), (0, 3)]),
       neg=st.booleans())
def test_diagonal_trace(backend, a, offset, axes, neg):
    if neg and a.ndim:
        a = a[::-1]
    x = trnpy.asarray(a)
    _both(lambda: trnpy.diagonal(x, offset, *axes), lambda: np.diagonal(a, offset, *axes))
    if a.dtype.kind != "b" or True:
        _both(lambda: trnpy.trace(x, offset, *axes), lambda: np.trace(a, offset, *axes))


def test_diagonal_is_view_trace_dtype(backend):
    x = trnpy.asarray(np.arange(9.0).reshape(3, 3))
    d = trnpy.diagonal(x)
    with pytest.raises(ValueError, match="read-only"):      # as NumPy's diagonal
        d[1] = -1
    x[1, 1] = -1
    assert float(d[1]) == -1
    a = np.arange(9, dtype=np.int8).reshape(3, 3)
    _same(trnpy.trace(trnpy.asarray(a), dtype=np.float32), np.trace(a, dtype=np.float32))
    out = trnpy.zeros((), dtype=np.int64)
    trnpy.trace(trnpy.asarray(a), out=out)
    assert int(out) == np.trace(a)


def test_errors_leave_input(backend):
    a = trnpy.asarray(np.arange(4))
    with pytest.raises(IndexError):
        trnpy.put(a, [10], [1])
    with pytest.raises(TypeError):
        trnpy.put(np.arange(3), [0], [1])
    with pytest.raises(ValueError):
        trnpy.place(a, trnpy.asarray([True, False, False, False]), [])
    np.testing.assert_array_equal(to_np(a), np.arange(4))
    with pytest.raises(ValueError):
        trnpy.choose(trnpy.asarray([0, 3]), [[1, 2], [3, 4]])


def test_emulated_neuron_indexing(emulated_neuron):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = trnpy.asarray(a, device=emulated_neuron)
    assert_matches(trnpy.diagonal(x, 1), np.diagonal(a, 1))
    r = trnpy.tril_indices(3, device=emulated_neuron)
    assert r[0].device == emulated_neuron
    assert_matches(trnpy.compress([True, False, True], x, axis=0),
                   np.compress([True, False, True], a, axis=0))
    i = trnpy.unravel_index(trnpy.asarray([5, 7], device=emulated_neuron), (3, 4))
    assert i[0].device == emulated_neuron
    assert_matches(trnpy.choose(trnpy.asarray([0, 1, 0, 1], device=emulated_neuron), x[:2]),
                   np.choose([0, 1, 0, 1], a[:2]))
    trnpy.fill_diagonal(x, 0.0)
    np.fill_diagonal(a, 0.0)
    assert_matches(x, a)
