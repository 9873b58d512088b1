"""Views with negative steps alias their base on every path (issue #10, item 2): basic
slices with any step, ``flip``, ``.T`` and views of those, on the NumPy path, the torch
path (torch has no negative strides) and the emulated neuron device. NumPy doing the same
sequence of operations on its own arrays is the oracle."""
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st

import trnpy


def _neuron():
    return trnpy.device("neuron", emulate=True)


def _base(shape, dtype="float32", device=None):
    a = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return a, trnpy.asarray(a.copy(), device=device)


def _same(x, a):
    h = trnpy.asnumpy(x)
    assert h.shape == a.shape
    np.testing.assert_array_equal(h, a)


def _slices(draw, shape):
    key = []
    for n in shape:
        step = draw(st.sampled_from([1, 2, 3, -1, -2, -3]))
        start = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
        stop = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
        key.append(slice(start, stop, step))
    return tuple(key)


@st.composite
def _view_ops(draw, shape):
    """A chain of view-making operations, each (name, argument), valid for ``shape``."""
    ops = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["slice", "flip", "T", "int", "ravel"]))
        if kind == "slice":
            key = _slices(draw, shape)
            ops.append(("slice", key))
            shape = np.empty(shape)[key].shape
        elif kind == "flip":
            axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
            ops.append(("flip", axis))
        elif kind == "T":
            ops.append(("T", None))
            shape = shape[::-1]
        elif kind == "ravel":             # a view or a copy, as NumPy's strides decide
            ops.append(("ravel", None))
            shape = (int(np.prod(shape)),)
        elif len(shape) > 1 and shape[0] > 0:
            i = draw(st.integers(-shape[0], shape[0] - 1))
            ops.append(("int", i))
            shape = shape[1:]
    return ops


def _apply(mod, x, ops):
    for kind, arg in ops:
        if kind == "slice":
            x = x[arg]
        elif kind == "flip":
            x = mod.flip(x, arg)
        elif kind == "T":
            x = x.T
        elif kind == "ravel":
            x = mod.reshape(x, -1)
        else:
            x = x[arg]
    return x


def _between(call, x, base, v=None, a=None):
    """Something a user does with a view between writes (must not detach it); ``v``,
    ``a``: NumPy's view and base, for the memory queries."""
    if call == "len":
        len(x)
    elif call == "str":
        str(x), repr(x)
    elif call == "fstring":
        f"{x}"
    elif call == "copy":
        x.copy()
    elif call == "tolist":
        x.tolist()
    elif call == "iter":
        list(x)
    elif call == "asnumpy":
        trnpy.asnumpy(x)
    elif call == "pickle":
        pickle.loads(pickle.dumps(base))
        pickle.loads(pickle.dumps(x))
    elif call == "torch_op":
        with trnpy.cpu_backend("torch"):
            x + 1
            trnpy.sum(x)
    elif call == "shares":
        if v is not None:
            assert trnpy.shares_memory(x, base) == np.shares_memory(v, a)
            assert trnpy.may_share_memory(x, base) == np.may_share_memory(v, a)


_CALLS = ["len", "str", "fstring", "copy", "tolist", "iter", "asnumpy", "pickle",
          "torch_op", "shares"]


def _run(data, device=None):
    shape = data.draw(st.lists(st.integers(0, 5), min_size=1, max_size=3).map(tuple))
    a, x = _base(shape, device=device)
    ops = data.draw(_view_ops(shape))
    v, w = _apply(np, a, ops), _apply(trnpy, x, ops)
    if w.ndim == 0:
        return
    for _ in range(data.draw(st.integers(1, 3))):
        _between(data.draw(st.sampled_from(_CALLS)), w, x, v, a)
        write = data.draw(st.sampled_from(["view_set", "view_iadd", "base_set",
                                           "base_iadd", "view_elem", "view_slice"]))
        val = float(data.draw(st.integers(-50, 50)))
        if write == "view_set":
            vals = np.arange(w.size, dtype="float32").reshape(w.shape) * -1 - val
            v[...] = vals
            w[...] = trnpy.asarray(vals, device=device)
        elif write == "view_iadd":
            v += val
            w += val
        elif write == "base_set":
            a[...] = val
            x[...] = val
        elif write == "base_iadd":
            a += val
            x += val
        elif write == "view_elem" and w.shape[0] > 0:
            i = data.draw(st.integers(-w.shape[0], w.shape[0] - 1))
            v[i] = val
            w[i] = val
        elif write == "view_slice":
            key = _slices(data.draw, w.shape)
            v[key] = val
            w[key] = val
        _same(x, a)
        _same(w, v)


@given(data=st.data())
def test_views_alias_cpu(backend, data):
    _run(data)


@given(data=st.data())
def test_views_alias_neuron(data):
    _run(data, _neuron())


@pytest.fixture(params=["numpy", "torch", "neuron"])
def where(request):
    """(device or None, backend): the NumPy path, the torch path, the emulated neuron."""
    if request.param == "neuron":
        with trnpy.cpu_backend("torch"):
            yield _neuron()
    else:
        with trnpy.cpu_backend(request.param):
            yield None


def test_reversed_iadd_and_assign(where):
    a, x = _base((6,), device=where)
    a[::-1] += np.arange(6, dtype="float32")
    x[::-1] += trnpy.asarray(np.arange(6, dtype="float32"), device=where)
    _same(x, a)
    a, x = _base((3, 4), device=where)
    a[:, ::-1] = np.arange(4, dtype="float32")
    x[:, ::-1] = trnpy.asarray(np.arange(4, dtype="float32"), device=where)
    _same(x, a)
    a[::-2, 1::-1] = -5
    x[::-2, 1::-1] = -5
    _same(x, a)


def test_flip_is_a_view(where):
    a, x = _base((3, 4), device=where)
    for axis in (None, 0, 1, (0, 1)):
        f, g = np.flip(a, axis), trnpy.flip(x, axis)
        f[0, 1] = -1 - f[0, 1]
        g[0, 1] = -1 - g[0, 1]
        _same(x, a)
        _same(g, f)
        assert trnpy.shares_memory(g, x)
    # flipping twice gives the base's own order back, still a view
    g = trnpy.flip(trnpy.flip(x, 0), 0)
    g[0, 0] = 99
    assert float(x[0, 0]) == 99


def test_transposed_and_nested_views(where):
    a, x = _base((4, 5), device=where)
    v, w = a[::-1, 1:][::2, ::-2].T, x[::-1, 1:][::2, ::-2].T
    _same(w, v)
    v[1] = -3
    w[1] = -3
    _same(x, a)
    a[3] = 100
    x[3] = 100
    _same(w, v)
    v, w = np.swapaxes(a[:, ::-1], 0, 1), trnpy.swapaxes(x[:, ::-1], 0, 1)
    v[0, ::-1] = 7
    w[0, ::-1] = 7
    _same(x, a)


def test_advanced_writes_into_reversed_view(where):
    a, x = _base((5, 3), device=where)
    v, w = a[::-1, ::-1], x[::-1, ::-1]
    v[[0, 2, -1]] = -1
    w[[0, 2, -1]] = -1
    _same(x, a)
    m = (a[::-1, ::-1] % 3) == 0
    v[m] = -2
    w[trnpy.asarray(m, device=where)] = -2
    _same(x, a)
    np.testing.assert_array_equal(trnpy.asnumpy(w[[1, 3], ::-1]), v[[1, 3], ::-1])
    np.testing.assert_array_equal(trnpy.asnumpy(w[m]), v[m])


def test_out_and_inplace_ufuncs(where):
    a, x = _base((4, 3), device=where)
    np.add(a[::-1], 1, out=a[::-1])
    trnpy.add(x[::-1], 1, out=x[::-1])
    _same(x, a)
    v, w = a[:, ::-1], x[:, ::-1]
    np.multiply(v, np.float32(2), out=v)
    trnpy.multiply(w, np.float32(2), out=w)
    _same(x, a)
    v -= a          # overlapping operands
    w -= x
    _same(x, a)


def test_elements_of_reversed_views_are_values(where):
    a, x = _base((4,), device=where)
    w = x[::-1]
    s = w[0]
    w[0] = -1
    assert float(s) == 3 and float(x[3]) == -1


def test_uint64_high_values(where):
    if where is not None:
        pytest.skip("no uint64 on the neuron device")
    a = np.array([2**63 + 5, 1, 2**64 - 1, 7], dtype=np.uint64)
    x = trnpy.asarray(a.copy())
    v, w = a[::-1], x[::-1]
    v[1] = 2**63 + 1
    w[1] = 2**63 + 1
    v += np.uint64(1)
    w += np.uint64(1)
    _same(x, a)
    _same(trnpy.flip(x), np.flip(a))


def test_numpy_path_view_survives_every_call():
    with trnpy.cpu_backend("numpy"):
        for call in _CALLS:
            a, x = _base((5,))
            w = x[::-1]
            _between(call, w, x, a[::-1], a)
            w[0] = 100
            assert float(x[4]) == 100, call
            x[0] = -100
            assert float(w[4]) == -100, call


def test_view_dtype_of_reversed_view(where):
    a, x = _base((3, 4), device=where)
    v, w = a[::-1].view(np.int32), x[::-1].view(trnpy.int32)
    v[0, 0] = 0
    w[0, 0] = 0
    _same(x, a)
    with pytest.raises(ValueError):
        a[:, ::-1].view(np.float16)
    with pytest.raises(ValueError):
        x[:, ::-1].view(trnpy.float16)


def test_strides_are_numpys(where):
    a, x = _base((3, 4), device=where)
    for key in (np.s_[::-1], np.s_[:, ::-2], np.s_[::-2, 1::-1]):
        assert x[key].strides == a[key].strides
        assert x[key].shape == a[key].shape


def test_reshape_of_reversed_views(where):
    a, x = _base((12,), device=where)
    for key, shape in ((np.s_[::-1], (3, 4)), (np.s_[::-2], (2, 3)), (np.s_[1::-1], (2, 1))):
        v, w = a[key].reshape(shape), x[key].reshape(shape)
        assert trnpy.shares_memory(w, x) == np.shares_memory(v, a)
        v[0, -1] = -1 - v[0, -1]
        w[0, -1] = -1 - w[0, -1]
        _same(x, a)
        _same(w, v)
    a, x = _base((3, 4), device=where)
    for key in (np.s_[::-1, ::-1], np.s_[:, ::-1], np.s_[::-1], np.s_[::2, ::-1]):
        v, w = a[key].reshape(-1), trnpy.reshape(x[key], -1)    # a view or a copy
        assert trnpy.shares_memory(w, x) == np.shares_memory(v, a)
        v[1] = -7
        w[1] = -7
        _same(x, a)
        _same(w, v)
    with pytest.raises(ValueError):
        np.reshape(a[:, ::-1], -1, copy=False)
    with pytest.raises(ValueError):
        trnpy.reshape(x[:, ::-1], -1, copy=False)
