"""Regression tests for the bad-input campaign's differences with NumPy-backend causes
(issue #10 item 5): each malformed call raises NumPy's exception class (NumPy itself is
the oracle, run on the same call), on both CPU backends, and leaves its array inputs
unchanged; and the well-formed neighbours of those calls still give NumPy's answer."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import trnpy
from _campaign import public_class

A = np.arange(12.0).reshape(3, 4) - 5.5
V = np.array([3.0, -1.0, 2.0, 0.5])
P = np.array([1.0, -3.0, 2.0])
I = np.array([3, 1, 2, 0, 2])
M = np.ones((2, 5))                       # a non-scalar float array
E = np.zeros((0,))                        # an empty one
C = np.array([1 + 2j, -1j, 0.5, 3])       # a complex one
R = [[1.0, 2.0], [3.0]]                   # a ragged list
B2 = np.array([1.0, 2.0])
BIG = 2 ** 70

# (id, call(xp, conv)): conv turns a NumPy array into xp's array (trnpy: asarray)
BAD = [
    ("arange-empty", lambda xp, c: xp.arange(c(E))),
    ("arange-2d", lambda xp, c: xp.arange(1, c(M))),
    ("arange-complex-step", lambda xp, c: xp.arange(1, 7, c(C))),
    ("arange-1elem", lambda xp, c: xp.arange(c(np.array([3])))),
    ("arange-huge-stop", lambda xp, c: xp.arange(BIG)),
    ("arange-huge-neg", lambda xp, c: xp.arange(1, -BIG)),
    ("tri-2d", lambda xp, c: xp.tri(c(M))),
    ("tri-M-empty", lambda xp, c: xp.tri(3, c(E))),
    ("tri-k-complex", lambda xp, c: xp.tri(3, 4, c(C))),
    ("eye-k-2d", lambda xp, c: xp.eye(3, 4, c(M))),
    ("eye-k-empty", lambda xp, c: xp.eye(3, 4, c(E))),
    ("eye-N-2d", lambda xp, c: xp.eye(c(M))),
    ("triu-k-2d", lambda xp, c: xp.triu(c(A), c(M))),
    ("tril-k-complex", lambda xp, c: xp.tril(c(A), c(C))),
    ("diag_indices-empty", lambda xp, c: xp.diag_indices(c(E))),
    ("diag_indices-huge", lambda xp, c: xp.diag_indices(BIG)),
    ("tril_indices-2d", lambda xp, c: xp.tril_indices(c(M))),
    ("triu_indices-k-complex", lambda xp, c: xp.triu_indices(3, c(C))),
    ("tril_indices-m-empty", lambda xp, c: xp.tril_indices(3, 0, c(E))),
    ("rot90-k-2d", lambda xp, c: xp.rot90(c(A), c(M))),
    ("rot90-k-empty", lambda xp, c: xp.rot90(c(A), c(E))),
    ("diff-n-2d", lambda xp, c: xp.diff(c(A), c(M))),
    ("diff-n-empty", lambda xp, c: xp.diff(c(A), c(E))),
    ("diff-n-negative-float", lambda xp, c: xp.diff(c(A), -2.5)),
    ("diff-n-float", lambda xp, c: xp.diff(c(A), 1.5)),
    ("reshape-empty-shape", lambda xp, c: xp.reshape(c(A), c(E))),
    ("reshape-float-shape", lambda xp, c: xp.reshape(c(A), c(M))),
    ("array_split-float", lambda xp, c: xp.array_split(1.5, 3)),
    ("array_split-int", lambda xp, c: xp.array_split(7, 3)),
    ("tile-negative-float", lambda xp, c: xp.tile(c(V), -2.5)),
    ("tile-float", lambda xp, c: xp.tile(c(V), 1.5)),
    ("tile-str", lambda xp, c: xp.tile(c(V), "3")),
    ("tile-nested-one", lambda xp, c: xp.tile(c(V), [1, [2]])),
    ("tile-nested-two", lambda xp, c: xp.tile(c(V), [1, [2, 3]])),
    ("tile-float-entry", lambda xp, c: xp.tile(c(V), [2, 1.5])),
    ("tile-npfloat", lambda xp, c: xp.tile(c(V), np.float64(2))),
    ("tile-str-entry", lambda xp, c: xp.tile(c(V), [2, "3"])),
    ("tile-str-letter", lambda xp, c: xp.tile(c(V), "x")),
    ("tile-ragged", lambda xp, c: xp.tile(c(V), R)),
    ("tile-empty-str", lambda xp, c: xp.tile(c(E), "x")),
    ("tile-empty-ragged", lambda xp, c: xp.tile(c(E), R)),
    ("choose-dict", lambda xp, c: xp.choose(c(I[:4] % 2), {})),
    ("choose-set", lambda xp, c: xp.choose(c(I[:4] % 2), {1, 2})),
    ("ravel_multi_index-ragged", lambda xp, c: xp.ravel_multi_index((c(I), c(I)), R)),
    ("unravel_index-ragged", lambda xp, c: xp.unravel_index(c(I), R)),
    ("unravel_index-float-dims", lambda xp, c: xp.unravel_index(c(I), (3.0, 4))),
    ("vector_norm-axis-float", lambda xp, c: xp.linalg.vector_norm(c(V), axis=1.5)),
    ("vector_norm-axis-2d", lambda xp, c: xp.linalg.vector_norm(c(V), axis=c(M))),
    ("norm-axis-str", lambda xp, c: xp.linalg.norm(c(A), axis="x")),
    ("tensorinv-0d", lambda xp, c: xp.linalg.tensorinv(c(np.array(2.0)), ind=1)),
    ("tensorinv-0d-singular", lambda xp, c: xp.linalg.tensorinv(c(np.array(0.0)), ind=1)),
    ("tensorinv-scalar", lambda xp, c: xp.linalg.tensorinv(7, ind=1)),
    ("tensordot-axes-2d", lambda xp, c: xp.tensordot(c(A), c(A), c(M))),
    ("tensordot-duplicate", lambda xp, c: xp.tensordot(c(A), c(A), ([1, 1], [1, 0]))),
    ("matmul-order", lambda xp, c: xp.matmul(c(A), c(V), order="Q")),
    ("matmul-order-type", lambda xp, c: xp.matmul(c(A), c(V), order=1)),
    ("vecdot-order", lambda xp, c: xp.vecdot(c(A), c(V), order="Q")),
    ("vecdot-out-shape", lambda xp, c: xp.vecdot(c(A), c(V), out=c(np.ones((7, 7))))),
    ("vecdot-out-cast", lambda xp, c: xp.vecdot(c(A), c(V),
                                                out=c(np.ones(3, np.int64)))),
    ("linalg.vecdot-order", lambda xp, c: xp.linalg.vecdot(c(A), c(V), order="K")),
    ("fftn-s-2d", lambda xp, c: xp.fft.fftn(c(A), c(M))),
    ("fftn-s-empty-elems", lambda xp, c: xp.fft.fftn(c(A), [c(E), c(E)], axes=(0, 1))),
    ("lexsort-0d", lambda xp, c: xp.lexsort(c(np.array(2.0)))),
    ("roots-float", lambda xp, c: xp.roots(1.5)),
    ("roots-int", lambda xp, c: xp.roots(-1)),
    ("roots-complex", lambda xp, c: xp.roots(1j)),
    ("roots-0d", lambda xp, c: xp.roots(c(np.array(2.0)))),
    ("polyder-str", lambda xp, c: xp.polyder(c(P), "x")),
    ("polyder-negative-float", lambda xp, c: xp.polyder(c(P), -2.5)),
    ("polyder-array", lambda xp, c: xp.polyder(c(P), c(M))),
    ("polyint-str", lambda xp, c: xp.polyint(c(P), "x")),
    ("polyint-negative-float", lambda xp, c: xp.polyint(c(P), -2.5)),
    ("polyint-complex", lambda xp, c: xp.polyint(c(P), 1j)),
    ("fromstring-2d", lambda xp, c: xp.fromstring(c(M), sep=" ")),
    ("fromstring-0d", lambda xp, c: xp.fromstring(c(np.array(2.0)), sep=" ")),
    ("fromstring-complex", lambda xp, c: xp.fromstring(c(C), sep=" ")),
    ("geomspace-axis-repeated", lambda xp, c: xp.geomspace(1.0, 8.0, 4, axis=(0, 0))),
    ("geomspace-axis-two", lambda xp, c: xp.geomspace(c(B2), 8.0, 4, axis=(0, 1))),
    ("geomspace-axis-out-of-range", lambda xp, c: xp.geomspace(1.0, 8.0, 4, axis=5)),
]


def _np_class(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call(np, lambda a: a.copy())
        except Exception as e:      # noqa: BLE001 - the oracle's class is the point
            return public_class(type(e))
    return None


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_class(case, backend):
    _, call = case
    expected = _np_class(call)
    assert expected is not None, "NumPy accepts this call: the table is wrong"
    made = []

    def conv(a):
        t = trnpy.asarray(a.copy())
        made.append((t, a.copy()))
        return t
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            call(trnpy, conv)
    assert isinstance(info.value, expected), (type(info.value), info.value)
    msg = str(info.value)
    assert "torch" not in msg and "Tensor" not in msg
    for t, before in made:
        np.testing.assert_array_equal(trnpy.asnumpy(t), before)


def test_bad_input_class_neuron(emulated_neuron):
    """On the neuron device the argument checks come before its float64 refusal."""
    with trnpy.device(emulated_neuron):
        with pytest.raises(ValueError, match="repeated axis"):
            trnpy.geomspace(1.0, 8.0, 4, axis=(0, 0))
        with pytest.raises(np.exceptions.AxisError):
            trnpy.geomspace(1.0, 8.0, 4, axis=5)
        x = trnpy.asarray(A.astype(np.float32))
        with pytest.raises(ValueError, match="truth value"):
            trnpy.triu(x, trnpy.asarray(M.astype(np.float32)))
        with pytest.raises(ValueError, match="duplicate axes"):
            trnpy.tensordot(x, x, trnpy.asarray(M.astype(np.float32)))
        with pytest.raises(TypeError):
            trnpy.roots(trnpy.asarray(np.float32(2.0)))


def _same(r, e):
    if isinstance(e, tuple):
        assert len(r) == len(e)
        for a, b in zip(r, e):
            _same(a, b)
        return
    r = trnpy.asnumpy(r) if isinstance(r, trnpy.ndarray) else np.asarray(r)
    assert r.shape == np.shape(e)
    assert r.dtype == np.asarray(e).dtype
    np.testing.assert_allclose(r, e, rtol=1e-12)


# well-formed calls next to the refused ones: NumPy's result (int() and 0-d rules kept)
GOOD = [
    ("arange-0d", lambda xp, c: xp.arange(c(np.array(5)))),
    ("tri-0d-int", lambda xp, c: xp.tri(c(np.array(3)), 4, c(np.array(1)))),
    ("eye-k-0d", lambda xp, c: xp.eye(3, 4, c(np.array(1)))),
    ("triu-k-0d", lambda xp, c: xp.triu(c(A), c(np.array(1)))),
    ("tril_indices-0d", lambda xp, c: xp.tril_indices(c(np.array(3)), c(np.array(-1)))),
    ("rot90-k-0d", lambda xp, c: xp.rot90(c(A), c(np.array(3)))),
    ("diff-n-0d", lambda xp, c: xp.diff(c(A), c(np.array(2)))),
    ("reshape-array-shape", lambda xp, c: xp.reshape(c(A), c(np.array([4, 3])))),
    ("array_split-list", lambda xp, c: xp.array_split([1.0, 2.0, 3.0], 2)),
    ("tile-array", lambda xp, c: xp.tile(c(V), c(np.array([2, 1])))),
    ("choose-tuple", lambda xp, c: xp.choose(c(I[:4] % 2), (c(V), c(-V)))),
    ("unravel_index-array-dims", lambda xp, c: xp.unravel_index(c(I), c(np.array([3, 4])))),
    ("ravel_multi_index-list-dims", lambda xp, c: xp.ravel_multi_index((c(I), c(I)), [4, 5])),
    ("vector_norm-axis-float", lambda xp, c: xp.linalg.vector_norm(c(A), axis=0.5)),
    ("norm-axis-float", lambda xp, c: xp.linalg.norm(c(A), axis=1.5)),
    ("tensorinv-1d", lambda xp, c: xp.linalg.tensorinv(c(np.array([4.0])), ind=1)),
    ("tensordot-array-axes", lambda xp, c: xp.tensordot(c(A), c(A), (c(np.array([1])),
                                                                     c(np.array([1]))))),
    ("fftn-s-0d-elems", lambda xp, c: xp.fft.fftn(c(A), [c(np.array(2)), 3], axes=(0, 1))),
    ("lexsort-1d", lambda xp, c: xp.lexsort(c(V))),
    ("roots-list", lambda xp, c: xp.roots([1.0, -3.0, 2.0])),
    ("polyder-float-m", lambda xp, c: xp.polyder(c(P), 1.5)),
    ("polyder-str-m", lambda xp, c: xp.polyder(c(P), "1")),
    ("polyint-float-m", lambda xp, c: xp.polyint(c(P), 2.5)),
    ("fromstring-str", lambda xp, c: xp.fromstring("1 2 3", sep=" ")),
    ("geomspace-axis-1tuple", lambda xp, c: xp.geomspace(c(B2), 8.0, 4, axis=(1,))),
    ("geomspace-axis-neg", lambda xp, c: xp.geomspace(c(B2), 8.0, 4, axis=-1)),
    ("matmul-order-C", lambda xp, c: xp.matmul(c(A), c(A.T), order="C")),
    ("vecdot-out-broadcast", lambda xp, c: xp.vecdot(c(A), c(V), out=c(np.zeros((2, 3))))),
]


@pytest.mark.parametrize("case", GOOD, ids=[c[0] for c in GOOD])
def test_good_neighbours(case, backend):
    _, call = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = call(np, lambda a: a.copy())
        r = call(trnpy, trnpy.asarray)
    if isinstance(e, list):
        assert len(r) == len(e)
        for a, b in zip(r, e):
            _same(a, b)
    else:
        _same(r, e)


@pytest.mark.parametrize("order", ["K", "A", "C", "F", "k", "f"])
@pytest.mark.parametrize("fortran", [False, True])
def test_gufunc_order_layout(order, fortran, backend):
    """matmul/vecdot take NumPy's ``order=``: the result's layout is NumPy's ('K' with
    F-ordered batch dimensions is C on the torch path, NumPy keeps their order)."""
    a = np.asfortranarray(A) if fortran else A
    b3 = np.arange(24.0).reshape(2, 3, 4)
    b3 = np.asfortranarray(b3) if fortran else b3
    for f, args in ((np.matmul, (a, a.T)), (np.vecdot, (b3, V))):
        e = f(*args, order=order)
        r = getattr(trnpy, f.__name__)(*(trnpy.asarray(x) for x in args), order=order)
        np.testing.assert_array_equal(trnpy.asnumpy(r), e)
        if order in "Kk" and fortran and backend == "torch":
            continue
        assert r.flags.f_contiguous == e.flags.f_contiguous
        assert r.flags.c_contiguous == e.flags.c_contiguous


def test_vecdot_out(backend):
    out = trnpy.zeros(3)
    r = trnpy.vecdot(trnpy.asarray(A), trnpy.asarray(V), out=out)
    assert r is out
    np.testing.assert_array_equal(trnpy.asnumpy(out), np.vecdot(A, V))
