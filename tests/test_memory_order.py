"""Memory order against NumPy: the values that ``order=`` selects (reshape, ravel,
flatten) and the layout it asks for (flags and strides of creation, ``*_like``, copy,
array/asarray, astype), on both CPU backends; the in-place shape setter, ``resize``,
``partition``/``argpartition`` methods and ``.base``."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

import trnpy
from conftest import assert_matches

# how an input array is laid out: applied alike to a NumPy array and a trnpy array
LAYOUTS = {
    "C": lambda a: a,
    "T": lambda a: a.T,
    "swap": lambda a: a.swapaxes(0, -1) if a.ndim else a,
    "step": lambda a: a[::2] if a.ndim else a,
    "inner_step": lambda a: a[..., ::2] if a.ndim else a,
}


@st.composite
def laid_out(draw, min_dims=0):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=min_dims, max_size=4)))
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    return base, layout


def _pair(base, layout):
    f = LAYOUTS[layout]
    return f(trnpy.asarray(base.copy())), f(base.copy())


def _layout_matches(r, e):
    """Same values, flags and strides (where the dimension is longer than 1: NumPy and
    torch may differ in the strides of unit dimensions, which address nothing)."""
    assert_matches(r, e)
    assert r.flags.c_contiguous == e.flags.c_contiguous, (r.strides, e.strides)
    assert r.flags.f_contiguous == e.flags.f_contiguous, (r.strides, e.strides)
    if e.size:
        assert [s for s, n in zip(r.strides, r.shape) if n > 1] == \
            [s for s, n in zip(e.strides, e.shape) if n > 1]


@given(laid_out(), st.sampled_from("CFA"), st.sampled_from([None, True]))
def test_reshape_order(backend, arg, order, copy):
    x, a = _pair(*arg)
    shape = (a.size,) if a.ndim < 2 else (a.shape[0] * a.shape[1],) + a.shape[2:]
    for r, e in [(trnpy.reshape(x, shape, order=order, copy=copy),
                  np.reshape(a, shape, order=order, copy=copy)),
                 (x.reshape(shape[::-1], order=order), a.reshape(shape[::-1], order=order))]:
        assert_matches(r, e)
        assert trnpy.shares_memory(r, x) == np.shares_memory(e, a)


@given(laid_out(), st.sampled_from("CFAK"))
def test_ravel_flatten_order(backend, arg, order):
    x, a = _pair(*arg)
    assert_matches(trnpy.ravel(x, order), np.ravel(a, order))
    assert_matches(x.ravel(order), a.ravel(order))
    f = x.flatten(order)
    assert_matches(f, a.flatten(order))
    assert not trnpy.shares_memory(f, x)


@given(st.lists(st.integers(0, 4), max_size=4).map(tuple), st.sampled_from("CF"),
       st.sampled_from(["float32", "int16", "complex128", "uint64", "bool"]))
def test_creation_layout(backend, shape, order, dtype):
    _layout_matches(trnpy.zeros(shape, dtype, order=order), np.zeros(shape, dtype, order))
    _layout_matches(trnpy.ones(shape, dtype, order=order), np.ones(shape, dtype, order))
    _layout_matches(trnpy.full(shape, 1, dtype, order=order), np.full(shape, 1, dtype, order))
    e = trnpy.empty(shape, dtype, order=order)
    assert e.flags.c_contiguous == np.empty(shape, dtype, order).flags.c_contiguous
    assert e.flags.f_contiguous == np.empty(shape, dtype, order).flags.f_contiguous
    _layout_matches(trnpy.eye(3, 4, 1, dtype, order=order), np.eye(3, 4, 1, dtype, order))
    if shape:
        fill = np.arange(shape[-1]).astype(dtype)
        _layout_matches(trnpy.full(shape, trnpy.asarray(fill), order=order),
                        np.full(shape, fill, order=order))


@given(laid_out(), st.sampled_from("CFAK"), st.booleans())
def test_like_layout(backend, arg, order, new_shape):
    x, a = _pair(*arg)
    shape = a.shape[::-1] if new_shape else None
    for name in ("zeros_like", "ones_like"):
        _layout_matches(getattr(trnpy, name)(x, order=order, shape=shape),
                        getattr(np, name)(a, order=order, shape=shape))
    _layout_matches(trnpy.full_like(x, 7, order=order, shape=shape),
                    np.full_like(a, 7, order=order, shape=shape))
    r, e = trnpy.empty_like(x, order=order), np.empty_like(a, order=order)
    r[...] = 0
    e[...] = 0
    _layout_matches(r, e)


@given(laid_out(), st.sampled_from("CFAK"))
def test_copy_array_astype_layout(backend, arg, order):
    x, a = _pair(*arg)
    _layout_matches(trnpy.copy(x, order=order), np.copy(a, order=order))
    _layout_matches(x.copy(order), a.copy(order))
    _layout_matches(trnpy.array(x, order=order), np.array(a, order=order))
    _layout_matches(x.astype(np.float32, order=order), a.astype(np.float32, order=order))
    _layout_matches(x.astype(np.float64, order=order, copy=False),
                    a.astype(np.float64, order=order, copy=False))
    r, e = trnpy.asarray(x, order=order), np.asarray(a, order=order)
    _layout_matches(r, e)
    assert (r is x) == (e is a)
    _layout_matches(trnpy.array(a.tolist(), order=order), np.array(a.tolist(), order=order))


def test_asarray_order_copy_false(backend):
    x = trnpy.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError):
        np.asarray(np.arange(6.0).reshape(2, 3), order="F", copy=False)
    with pytest.raises(ValueError):
        trnpy.asarray(x, order="F", copy=False)
    assert trnpy.asarray(x, order="C", copy=False) is x
    assert trnpy.asfortranarray(x).flags.f_contiguous


_ORDER_FUNCS = {
    "reshape": (lambda m, a, o: m.reshape(a, (3, 2), order=o)),
    "reshape method": (lambda m, a, o: a.reshape((3, 2), order=o)),
    "ravel": (lambda m, a, o: m.ravel(a, order=o)),
    "flatten": (lambda m, a, o: a.flatten(o)),
    "array": (lambda m, a, o: m.array(a, order=o)),
    "asarray": (lambda m, a, o: m.asarray(a, order=o)),
    "asanyarray": (lambda m, a, o: m.asanyarray(a, order=o)),
    "asarray_chkfinite": (lambda m, a, o: m.asarray_chkfinite(a, order=o)),
    "empty": (lambda m, a, o: m.empty(3, order=o).shape),
    "zeros": (lambda m, a, o: m.zeros(3, order=o)),
    "ones": (lambda m, a, o: m.ones(3, order=o)),
    "full": (lambda m, a, o: m.full(3, 1.0, order=o)),
    "eye": (lambda m, a, o: m.eye(3, order=o)),
    "zeros_like": (lambda m, a, o: m.zeros_like(a, order=o)),
    "empty_like": (lambda m, a, o: m.empty_like(a, order=o).flags.f_contiguous),
    "full_like": (lambda m, a, o: m.full_like(a, 1, order=o)),
    "copy": (lambda m, a, o: m.copy(a, order=o)),
    "copy method": (lambda m, a, o: a.copy(o)),
    "astype": (lambda m, a, o: a.astype(np.float32, order=o)),
    "add": (lambda m, a, o: m.add(a, 1, order=o)),
}


@pytest.mark.parametrize("name", sorted(_ORDER_FUNCS))
@pytest.mark.parametrize("order", ["Z", "FA", "", 1, "k", "a", b"F", None])
def test_order_argument_errors(backend, name, order):
    """Bad order letters raise NumPy's exception; case and bytes are accepted as NumPy
    accepts them; 'K'/'A' are refused where NumPy refuses them."""
    f = _ORDER_FUNCS[name]
    a = np.arange(6.0).reshape(2, 3)
    x = trnpy.asarray(a.copy())
    try:
        e = f(np, a, order)
    except Exception as exc:
        with pytest.raises(type(exc)) as info:
            f(trnpy, x, order)
        assert "torch" not in str(info.value)
    else:
        r = f(trnpy, x, order)
        assert r == e if not isinstance(e, np.ndarray) else assert_matches(r, e) is None
    assert_matches(x, a)


# -- the in-place shape setter, resize, partition, base -----------------------------
def test_shape_setter(backend):
    a = np.arange(6.0)
    x = trnpy.asarray(a.copy())
    x.shape = (2, 3)
    a.shape = (2, 3)
    assert_matches(x, a)
    x.shape = 6
    assert x.shape == (6,)
    x.shape = (-1, 2)
    assert x.shape == (3, 2)
    t = x.T
    with pytest.raises(AttributeError, match="Incompatible shape"):
        t.shape = (6,)
    assert t.shape == (2, 3)
    with pytest.raises(ValueError):
        x.shape = (4,)
    with pytest.raises(TypeError):
        x.shape = "ab"
    with pytest.raises(AttributeError):
        del x.shape
    # the new shape is a view of the same data
    y = trnpy.zeros(4)
    v = y[:]
    y.shape = (2, 2)
    y[0, 1] = 5
    assert float(v[1]) == 5


def test_resize_method(backend):
    a, x = np.arange(6.0), trnpy.arange(6.0)
    a.resize((2, 4))
    x.resize((2, 4))
    assert_matches(x, a)
    a.resize(3)
    x.resize(3)
    assert_matches(x, a)
    x.resize()                     # no shape: nothing happens, as in NumPy
    assert x.shape == (3,)
    with pytest.raises(ValueError, match="negative"):
        x.resize(-1)
    v = x.reshape(3)
    with pytest.raises(ValueError, match="referenced"):
        x.resize((8,))
    with pytest.raises(ValueError, match="own its data"):
        v.resize((8,))
    x.resize((5,), refcheck=False)
    assert_matches(x, np.array([0.0, 1.0, 2.0, 0.0, 0.0]))


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=8), st.data())
def test_partition_methods(backend, values, data):
    a = np.array(values, dtype=np.int64)
    kth = data.draw(st.integers(0, a.size - 1))
    x = trnpy.asarray(a.copy())
    idx = x.argpartition(kth)
    assert_matches(trnpy.take(x, idx)[kth], np.sort(a)[kth])
    assert x.partition(kth) is None
    e = a.copy()
    e.partition(kth)
    assert float(x[kth]) == e[kth]
    assert_matches(trnpy.sort(x), np.sort(a))
    h = trnpy.asnumpy(x)
    assert (h[:kth] <= h[kth]).all() and (h[kth + 1:] >= h[kth]).all()


def test_base(backend):
    x = trnpy.arange(12.0)
    assert x.base is None
    assert x.copy().base is None
    r = x.reshape(3, 4)
    assert r.base is x
    assert r.T.base is x                       # a view of a view: the owner, as NumPy
    assert trnpy.transpose(r).base is x
    assert x.view().base is x
    assert trnpy.ravel(r).base is x
    assert r.flatten().base is None
    assert trnpy.ravel(r.T).base is None       # a copy
    assert trnpy.expand_dims(x, 0).base is x
    assert all(p.base is x for p in trnpy.split(x, 3))
    assert trnpy.reshape(r.T, 12).base is None


_BASE_KEYS = [np.s_[1:], np.s_[::-1], np.s_[1, :], np.s_[..., ::2], np.s_[None, 1:3],
              np.s_[...], np.s_[[0, 2]], np.s_[[0, 1], 1:], np.s_[np.array([[0], [1]]), ::-1],
              np.s_[1:, [0, 3]]]


@pytest.mark.parametrize("key", _BASE_KEYS, ids=[str(k) for k in range(len(_BASE_KEYS))])
def test_base_of_indexing(backend, key):
    """``.base`` after indexing, as NumPy's: the owner for basic indexing (a view of a
    view too), not the array for advanced indexing (a copy)."""
    a = np.arange(12.0).reshape(3, 4).copy()
    x = trnpy.asarray(a.copy())
    ra, rx = a[key], x[key]
    assert (rx.base is x) == (ra.base is a)
    if ra.base is a:                        # a view: writes go both ways
        assert (rx[::-1][::1].base is x) and (ra[::-1].base is a)
        rx[...] = -1
        assert float(trnpy.min(x)) == -1.0
        x[...] = 7
        assert float(trnpy.max(rx)) == 7.0


def test_resize_sees_slices(backend):
    x = trnpy.zeros(4)
    v = x[1:]
    with pytest.raises(ValueError, match="referenced"):
        x.resize(8)
    del v
    x.resize(8)
    assert x.shape == (8,)


def test_more_ndarray_members(backend, tmp_path):
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    x = trnpy.asarray(a.copy())
    assert_matches(x.byteswap(), a.byteswap())
    y = x.copy()
    assert y.byteswap(inplace=True) is y
    assert_matches(y, a.byteswap())
    assert_matches(x.compress([True, False, True], axis=1), a.compress([True, False, True], 1))
    c = np.array([0, 1, 0])
    assert_matches(trnpy.asarray(c).choose([x[0], x[1]]), c.choose([a[0], a[1]]))
    assert np.array_equal(pickle.loads(x.dumps()), a)
    x.tofile(tmp_path / "x.bin")
    assert np.array_equal(np.fromfile(tmp_path / "x.bin", np.int32).reshape(2, 3), a)
    x.setflags(write=True)
    with pytest.raises(NotImplementedError):
        x.setflags(align=False)
    assert_matches(x, a)


def _readonly_sources(m):
    """(name, maker) of read-only arrays, given a module (numpy or trnpy) ``m``."""
    def frozen(m):
        x = m.arange(4.0)
        x.setflags(write=False)
        return x
    return [("diagonal", lambda: m.diagonal(m.arange(16.0).reshape(4, 4))),
            ("diag", lambda: m.diag(m.arange(16.0).reshape(4, 4))),
            ("method diagonal", lambda: m.arange(16.0).reshape(4, 4).diagonal()),
            ("view of diagonal", lambda: m.arange(16.0).reshape(4, 4).diagonal()[::-1]),
            ("broadcast_to", lambda: m.broadcast_to(m.arange(4.0), (4,))),
            ("setflags", lambda: frozen(m))]


_WRITES = [("setitem", lambda m, r: r.__setitem__(0, 1.0)),
           ("iadd", lambda m, r: r.__iadd__(1.0)),
           ("ufunc out", lambda m, r: m.add(m.ones(4), 1.0, out=r)),
           ("fill", lambda m, r: r.fill(5.0)),
           ("sort", lambda m, r: r.sort()),
           ("put", lambda m, r: m.put(r, [0], [9.0])),
           ("copyto", lambda m, r: m.copyto(r, 3.0)),
           ("clip out", lambda m, r: m.clip(m.ones(4), 0, 1, out=r)),
           ("sum out", lambda m, r: m.sum(m.ones((2, 4)), axis=0, out=r)),
           ("reduce out", lambda m, r: m.add.reduce(m.ones((2, 4)), axis=0, out=r)),
           ("cumsum out", lambda m, r: m.cumsum(m.ones(4), out=r)),
           ("round out", lambda m, r: m.round(m.ones(4), out=r)),
           ("take out", lambda m, r: m.take(m.ones(4), [0, 1, 2, 3], out=r)),
           ("matmul out", lambda m, r: m.matmul(m.ones((4, 4)), m.ones(4), out=r)),
           ("concatenate out", lambda m, r: m.concatenate([m.ones(2), m.ones(2)], out=r))]


@pytest.mark.parametrize("src", range(6), ids=[n for n, _ in _readonly_sources(np)])
def test_readonly_views(backend, src):
    """Diagonals, broadcast_to, views of those and ``setflags(write=False)`` arrays are
    read-only as in NumPy: every write path raises NumPy's ValueError and nothing is
    written; ``flags.writeable`` and ``setflags(write=True)`` answer as NumPy's."""
    name, make_np = _readonly_sources(np)[src]
    make_trn = _readonly_sources(trnpy)[src][1]
    for wname, write in _WRITES:
        rn, rt = make_np(), make_trn()
        before = trnpy.asnumpy(rt).copy()
        with pytest.raises(ValueError, match="read-only") as e_np:
            write(np, rn)
        with pytest.raises(ValueError, match="read-only"):
            write(trnpy, rt)
        assert np.array_equal(trnpy.asnumpy(rt), before), (name, wname, str(e_np.value))
    rn, rt = make_np(), make_trn()
    assert rt.flags.writeable is False and rn.flags.writeable is False
    try:
        rn.setflags(write=True)
        ok_np = True
    except ValueError:
        ok_np = False
    if ok_np:
        rt.setflags(write=True)
        rt[0] = 7.0
        rn[0] = 7.0
        assert_matches(rt, rn)
    else:
        with pytest.raises(ValueError, match="WRITEABLE"):
            rt.setflags(write=True)


def test_broadcast_view_stays_readonly(backend):
    # NumPy lets setflags(write=True) make a real broadcast writeable (its writes then
    # land on shared memory); trnpy refuses, clearly
    b = trnpy.broadcast_to(trnpy.arange(4.0), (3, 4))
    with pytest.raises(ValueError, match="broadcast views"):
        b.setflags(write=True)
    assert not b.flags.writeable


def test_readonly_diagonal_still_aliases(backend):
    """A read-only diagonal is still a view: writes to its base show in it."""
    m = trnpy.zeros((3, 3))
    d = m.diagonal()
    m[1, 1] = 5.0
    assert float(d[1]) == 5.0 and d.base is m
    assert m.flags.writeable and m[::-1].flags.writeable


@pytest.mark.parametrize("key", [np.s_[:], np.s_[::-1], np.s_[1::-2], np.s_[::-1, 1:]],
                         ids=["all", "rev", "rev-step", "rev-2d"])
def test_real_imag_are_views(backend, key):
    """``.real``/``.imag`` of complex data are views, reversed dims included: writes go
    both ways as in NumPy; ``.imag`` of real data is read-only zeros, ``.real`` the array."""
    a = (np.arange(6.0) + 1j * np.arange(6.0, 12.0)).reshape(3, 2) if key == np.s_[::-1, 1:] \
        else np.arange(6.0) + 1j * np.arange(6.0, 12.0)
    x = trnpy.asarray(a.copy())
    a, xv = a.copy(), x[key]
    av = a[key]
    for part in ("real", "imag"):
        pa, px = getattr(av, part), getattr(xv, part)
        assert px.base is x and pa.base is a
        pa[(0,) * pa.ndim] = -7.0
        px[(0,) * px.ndim] = -7.0
        assert_matches(x, a)
        a[key][(-1,) * pa.ndim] = 3 + 4j
        x[key][(-1,) * px.ndim] = 3 + 4j
        assert_matches(px, pa)
    r = trnpy.arange(3.0)
    assert r.real is r and not r.imag.flags.writeable
    assert_matches(r.imag, np.arange(3.0).imag)


def test_real_view_on_neuron(emulated_neuron):
    z = trnpy.zeros(4, dtype="complex64", device=emulated_neuron)
    z[::-1].real[0] = 5.0
    z[::-2].imag[1] = 2.0
    assert_matches(z, np.array([0, 2j, 0, 5], dtype=np.complex64))


def test_reshape_method_takes_one_sequence(backend):
    """``x.reshape(shape)`` reads one argument as the shape, an array included (NumPy's);
    shape readers share NumPy's TypeError for a non-integer shape."""
    a = np.arange(6)
    x = trnpy.asarray(a)
    for shape in (np.array([2, 3]), trnpy.asarray([3, 2]), range(6, 7), (6,), 6, [-1, 2]):
        s = trnpy.asnumpy(shape) if isinstance(shape, trnpy.TrnArray) else shape
        assert_matches(x.reshape(shape), a.reshape(s))
    for bad in (1.5, [1, [2]], {1: 2}, "3"):
        for make in (lambda s: trnpy.zeros(s), lambda s: x.reshape(s)):
            with pytest.raises(TypeError):
                make(bad)
