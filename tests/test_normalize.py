"""The normalizer decorator (``trnpy._normalize.normalizer``); the audit that no public
function accepts an argument and ignores it is tests/test_no_ignored_arguments.py."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import trnpy
from trnpy import _dispatch, _hotpath, _normalize
from trnpy._array import TrnArray
from test_no_ignored_arguments import public_functions


def _numpy_checked(fn):
    """(TrnArray result, NumPy result) must agree in values, dtype and shape."""
    r, e = fn(trnpy), fn(np)
    assert isinstance(r, TrnArray) and type(e) is np.ndarray
    np.testing.assert_array_equal(np.asarray(r), e)
    assert r.dtype == e.dtype and r.shape == e.shape


@pytest.mark.parametrize("subok", [False, True, 0, 1])
def test_subok_as_numpy_on_a_base_array(subok):
    # a base array (and a list) gives a base array for either value, as in NumPy
    a = [[1.5, 2.0], [3.0, 4.0]]
    _numpy_checked(lambda m: m.copy(m.asarray(a), subok=subok))
    _numpy_checked(lambda m: m.copy(a, subok=subok))
    for f in ("empty_like", "zeros_like", "ones_like"):
        r = getattr(trnpy, f)(trnpy.asarray(a), subok=subok)
        e = getattr(np, f)(np.asarray(a), subok=subok)
        assert isinstance(r, TrnArray) and r.dtype == e.dtype and r.shape == e.shape
    _numpy_checked(lambda m: m.full_like(m.asarray(a), 7, subok=subok))
    _numpy_checked(lambda m: m.asarray(a).astype(np.float32, subok=subok))


def test_subok_refuses_to_drop_a_numpy_subclass():
    m = np.asmatrix([[1.0, 2.0]])
    assert type(np.zeros_like(m)) is np.matrix        # what subok=True (default) keeps
    for f in ("empty_like", "zeros_like", "ones_like"):
        with pytest.raises(NotImplementedError, match="subok"):
            getattr(trnpy, f)(m)
        assert isinstance(getattr(trnpy, f)(m, subok=False), TrnArray)
    with pytest.raises(NotImplementedError, match="subok"):
        trnpy.full_like(m, 1.0)
    with pytest.raises(NotImplementedError, match="subok"):
        trnpy.copy(m, subok=True)
    _numpy_checked(lambda mod: mod.copy(m))            # subok=False: a base array
    _numpy_checked(lambda mod: mod.full_like(m, 3, subok=False))


def test_subok_truth_value_as_numpy():
    a = np.ones(2)
    bad = np.ones(2)                                    # ambiguous truth value
    for v in ("x", None, 2.5, bad):                     # astype takes an integer
        with pytest.raises(TypeError):
            a.astype(float, subok=v)
        with pytest.raises(TypeError):
            trnpy.asarray(a).astype(float, subok=v)
    with pytest.raises(ValueError):
        np.copy(np.asmatrix(a), subok=bad)
    with pytest.raises(ValueError):
        trnpy.copy(np.asmatrix(a), subok=bad)


def test_report_warns_at_the_callers_line():
    # torch backend: _errstate.report attributes the warning to this line
    x = trnpy.asarray([1.0, 0.0])
    with (_dispatch.cpu_backend("torch"), np.errstate(divide="warn"),
          pytest.warns(RuntimeWarning, match="divide") as rec):
        trnpy.log(x)
    assert rec[0].filename == __file__
    # NumPy backend: NumPy warns from the frame that called it, this one when the C module
    # makes the call; in pure Python (TRNPY_PURE_PYTHON=1) that is trnpy/_ufunc.py
    if _hotpath.COMPILED:
        with np.errstate(divide="warn"), pytest.warns(RuntimeWarning, match="divide") as rec:
            trnpy.log(x)
        assert rec[0].filename == __file__


# -- the decorator -------------------------------------------------------------------------
@_normalize.normalizer(lambda a, b, casting="same_kind": np.add(a, b), ("a", "b"),
                       unsupported=("casting",))
def _add(a, b, casting="same_kind"):
    return trnpy.asarray(a._t + b._t)


def test_normalizer_numpy_and_torch_paths():
    for backend in ("numpy", "torch"):
        with _dispatch.cpu_backend(backend):
            r = _add([1, 2], trnpy.asarray([3, 4]))
            assert isinstance(r, TrnArray) and r.tolist() == [4, 6]
            assert _add(a=[1], b=[2]).tolist() == [3]


def test_normalizer_unsupported_and_signature_errors():
    with pytest.raises(NotImplementedError, match=r"trnpy\._add: casting='unsafe' is not"):
        _add([1], [2], "unsafe")
    with pytest.raises(NotImplementedError, match="casting"):
        _add([1], [2], casting="no")
    assert _add([1], [2], casting="same_kind").tolist() == [3]
    with pytest.raises(TypeError, match="_add"):
        _add([1])                                   # Python's own messages
    with pytest.raises(TypeError, match="_add"):
        _add([1], [2], nope=1)
    assert inspect.signature(_add) == inspect.signature(inspect.unwrap(_add))


def test_normalizer_wraps_tuples_and_namedtuples():
    r = trnpy.linalg.slogdet(trnpy.eye(2))
    assert type(r).__name__ == "SlogdetResult" and isinstance(r[0], TrnArray)
    r = trnpy.intersect1d([1, 2, 3], [2, 3], return_indices=True)
    assert type(r) is tuple and all(isinstance(v, TrnArray) for v in r)


def test_decorated_defaults_match_numpy():
    # the NumPy path passes the call's arguments through: the defaults must agree
    for qual, f in public_functions():
        if not hasattr(f, "_normalized"):
            continue
        own = inspect.signature(inspect.unwrap(f)).parameters
        np_f = f._np_func
        if isinstance(np_f, np.ufunc):       # gufunc keywords have no Python defaults
            continue
        try:
            theirs = inspect.signature(np_f).parameters
        except (TypeError, ValueError):
            continue
        for n, p in own.items():
            # (a default where NumPy requires the argument only words the error)
            if n in theirs and p.default is not p.empty and theirs[n].default is not p.empty:
                assert p.default == theirs[n].default, (qual, n)


def _positive_size(a, b):
    if a.size == 0:
        raise ValueError("empty a")


@_normalize.normalizer(lambda a, b: np.add(a, b), ("a", "b"), check=_positive_size)
def _add_checked(a, b):
    return trnpy.asarray(a._t + b._t)


@_normalize.normalizer(np.negative, "a", check=lambda a: _positive_size(a, None))
def _neg_checked(a):
    return trnpy.asarray(-a._t)


def test_normalizer_check_runs_before_either_path():
    for backend in ("numpy", "torch"):
        with _dispatch.cpu_backend(backend):
            assert _add_checked([1], trnpy.asarray([2])).tolist() == [3]
            assert _neg_checked([1.0]).tolist() == [-1.0]        # the one-array fast path
            with pytest.raises(ValueError, match="empty a"):
                _add_checked([], [])
            with pytest.raises(ValueError, match="empty a"):
                _neg_checked([])
            # trnpy's own messages, as before the decorator
            with pytest.raises(ValueError, match="Calling nonzero on 0d arrays"):
                trnpy.nonzero(3)
            with pytest.raises(ValueError, match="matrix_transpose requires"):
                trnpy.matrix_transpose([1, 2])


def test_roots_of_a_0d_array_on_both_paths():
    # NumPy's own roots fails on a 0-d array in its dispatcher; trnpy gives no roots
    for backend in ("numpy", "torch"):
        with _dispatch.cpu_backend(backend):
            r = trnpy.roots(3)
            assert r.shape == (0,) and r.dtype == np.float64
