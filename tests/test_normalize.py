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
    assert type(r).__name__ == "SlogdetResult" and type(r[0]) is np.float64   # as NumPy
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
    # NumPy's own roots fails on a 0-d array (TypeError, in its dispatcher): trnpy's
    # check= refuses it with that class on both paths
    with pytest.raises(TypeError):
        np.roots(3)
    for backend in ("numpy", "torch"):
        with _dispatch.cpu_backend(backend):
            with pytest.raises(TypeError, match="not a scalar"):
                trnpy.roots(3)
            with pytest.raises(TypeError, match="not a scalar"):
                trnpy.roots(trnpy.asarray(3.0))


# -- the decorator's validate / out / sequences / NotImplemented / weak scalars -----------
from hypothesis import given, strategies as st            # noqa: E402
from hypothesis.extra import numpy as hnp                  # noqa: E402


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                               max_side=3),
                  elements=st.floats(-10, 10)),
       st.one_of(st.integers(0, 4), st.tuples(st.lists(st.integers(-4, 3), max_size=3),
                                              st.lists(st.integers(-4, 3), max_size=3))))
def test_tensordot_axes_validated_once_for_both_paths(a, axes):
    # validate normalises axes; both paths then get the same axes: NumPy's result, and
    # one error (trnpy's own message where NumPy fails on an index) on both paths
    b = a[..., ::-1] if a.ndim else a
    try:
        e = np.tensordot(a, b, axes)
    except Exception:
        e = None
    errors = []
    for backend in ("numpy", "torch"):
        with _dispatch.cpu_backend(backend):
            try:
                r = trnpy.tensordot(trnpy.asarray(a), b, axes=axes)
            except (ValueError, TypeError, IndexError) as ex:
                errors.append(type(ex))
                continue
        assert e is not None
        assert r.dtype == e.dtype and r.shape == e.shape
        np.testing.assert_allclose(np.asarray(r), e, rtol=1e-12, atol=1e-12)
    assert not errors or errors == [errors[0]] * 2
    assert bool(errors) == (e is None)


@pytest.mark.parametrize("n", [0, 1, 3, -1, np.int8(2), np.asarray(2)])
def test_matrix_power_exponent_normalised(backend, n):
    a = np.array([[2.0, 1.0], [0.5, 3.0]])
    e = np.linalg.matrix_power(a, n)
    r = trnpy.linalg.matrix_power(trnpy.asarray(a), trnpy.asarray(n) if
                                  isinstance(n, np.ndarray) else n)
    np.testing.assert_allclose(np.asarray(r), e, rtol=1e-12)
    with pytest.raises(TypeError, match="exponent must be an integer"):
        trnpy.linalg.matrix_power(trnpy.asarray(a), 1.5)


@pytest.mark.parametrize("dtype", [None, np.float32, np.int64])
@pytest.mark.parametrize("offset", [0, 1, -1, 5])
def test_trace_out_as_numpy(backend, dtype, offset):
    # out= on the NumPy path writes into out's view and returns out itself
    a = np.arange(24.0).reshape(2, 3, 4) - 7.5
    e_out = np.zeros(4, dtype=dtype or np.float64)
    e = np.trace(a, offset, 0, 1, dtype, e_out)
    out = trnpy.zeros(4, dtype=dtype or np.float64)
    r = trnpy.trace(trnpy.asarray(a), offset, 0, 1, dtype, out=out)
    assert r is out
    np.testing.assert_array_equal(np.asarray(out), e_out)
    np.testing.assert_array_equal(np.asarray(r), e)
    with pytest.raises(TypeError, match="out must be a trnpy array"):
        trnpy.trace(trnpy.asarray(a), out=np.zeros(4))


def test_dot_outer_out_through_the_normalizer(backend):
    a = np.arange(4.0).reshape(2, 2)
    for name in ("dot", "outer"):
        f, nf = getattr(trnpy, name), getattr(np, name)
        e = nf(a, a + 1)
        out = trnpy.zeros(e.shape)
        r = f(trnpy.asarray(a), trnpy.asarray(a + 1), out=out)
        assert r is out
        np.testing.assert_array_equal(np.asarray(out), e)
        with pytest.raises(TypeError, match="out must be a trnpy array"):
            f(trnpy.asarray(a), trnpy.asarray(a), out=np.zeros(e.shape))


@pytest.mark.parametrize("keys", [
    lambda m: [np.array([3, 1, 2, 1], np.uint64) + np.uint64(2**63), [1.5, 0.5, 0.5, 2.0]],
    lambda m: [[2, 1, 2, 1], [True, False, True, False], np.array([5, 5, 4, 4], np.int8)],
    lambda m: m.asarray([[1, 2, 1], [0, 0, 1]]),        # a 2-D array: one key per row
    lambda m: [m.asarray([1.0, np.nan, -0.0, 0.0])],
    lambda m: [np.zeros(0)],
])
def test_lexsort_sequence_of_arrays(backend, keys):
    # "*keys": each key converted on its own (no common dtype), NumPy gets a list of views
    e = np.lexsort(keys(np))
    r = trnpy.lexsort(keys(trnpy))
    np.testing.assert_array_equal(np.asarray(r), e)
    assert r.dtype == e.dtype
    with pytest.raises(TypeError, match="need sequence of keys"):
        trnpy.lexsort([])
    with pytest.raises(ValueError, match="same shape"):
        trnpy.lexsort([[1, 2], [1, 2, 3]])


def test_numpy_path_declines_with_notimplemented(backend):
    # diag of a 2-D array: trnpy's own (read-only) view on both paths
    a = trnpy.arange(9.0).reshape(3, 3)
    d = trnpy.diag(a, 1)
    with pytest.raises(ValueError, match="read-only"):
        d[...] = -1
    a[0, 1] = a[1, 2] = -1
    np.testing.assert_array_equal(np.asarray(d), [-1, -1])
    np.testing.assert_array_equal(np.asarray(trnpy.diag([1, 2], np.int8(-1))),
                                  np.diag([1, 2], -1))
    # pad with a callable mode: the callable sees TrnArrays, the result is NumPy's
    seen = []

    def edge(vector, pad_width, iaxis, kwargs):
        seen.append(type(vector))
        vector[:pad_width[0]] = kwargs.get("v", 9)
        if pad_width[1]:
            vector[-pad_width[1]:] = kwargs.get("v", 9)
    r = trnpy.pad(trnpy.arange(3.0), (1, 2), edge, v=5)
    np.testing.assert_array_equal(np.asarray(r), np.pad(np.arange(3.0), (1, 2), edge, v=5))
    assert TrnArray in seen
    # array-valued pad widths / constants are read on the host, as NumPy reads them
    r = trnpy.pad(trnpy.arange(3), trnpy.asarray([2, 1]), constant_values=trnpy.asarray(7))
    np.testing.assert_array_equal(np.asarray(r), np.pad(np.arange(3), [2, 1],
                                                        constant_values=7))


@pytest.mark.parametrize("x", [0.5, 2, np.float32(0.25), -0.0, np.inf, np.nan])
def test_weak_scalars_stay_weak(backend, x):
    import scipy.special as sp  # lazy: SciPy is optional for trnpy itself
    x32 = np.array([0.5, 1.5, x], np.float32)
    for n in (0, 1, 2):
        e = sp.polygamma(n, x32)
        r = trnpy.special.polygamma(n, trnpy.asarray(x32))
        assert r.dtype == e.dtype
        np.testing.assert_allclose(np.asarray(r), e, rtol=2e-5, equal_nan=True)
    e = np.sinc(x)
    r = trnpy.special.sinc(x)
    assert r.dtype == np.asarray(e).dtype and r.shape == ()
    np.testing.assert_allclose(np.asarray(r), e, equal_nan=True)


@pytest.mark.parametrize("q", [None, 2.0, [1.0, 0.5]])
def test_zeta_out_as_scipy(backend, q):
    sp = pytest.importorskip("scipy.special")
    x = np.array([2.0, 3.5])
    e_out = np.zeros(2)
    sp.zeta(x, q, out=e_out)
    out = trnpy.zeros(2)
    r = trnpy.special.zeta(trnpy.asarray(x), q, out=out)
    assert r is out
    np.testing.assert_allclose(np.asarray(out), e_out, rtol=1e-12)
    with pytest.raises(TypeError, match="out must be a trnpy array"):
        trnpy.special.zeta(trnpy.asarray(x), q, out=np.zeros(2))


def test_matrix_rank_of_vectors_declines_numpy(backend):
    # 1-D / 0-d input: trnpy's 0-d int64 array (NumPy returns a Python int) on both paths
    for a in ([0.0, 0.0], [0.0, 1.0], 3.0, []):
        r = trnpy.linalg.matrix_rank(a)
        assert r.shape == () and r.dtype == np.int64
        assert int(r) == np.linalg.matrix_rank(np.asarray(a))
    m = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert int(trnpy.linalg.matrix_rank(m)) == np.linalg.matrix_rank(m)
    with pytest.raises(ValueError, match="can't be both set"):
        trnpy.linalg.matrix_rank(m, tol=1e-3, rtol=1e-3)


def _fill_check(a, p=1, /, q=2, **kw):
    # normalises a positional-only parameter that the call may omit, and a **kwargs entry
    return {"p": 10, **({"extra": kw["extra"] * 2} if "extra" in kw else {})}


@_normalize.normalizer(lambda a, p=1, /, q=2, **kw: np.full(1, p + q + kw.get("extra", 0)),
                       "a", unsupported=(), validate=_fill_check)
def _filled(a, p=1, /, q=2, **kw):
    return trnpy.asarray([p + q + kw.get("extra", 0)])


@_normalize.normalizer(lambda a, b, mode=None: np.add(a, b), ("a", "b"), unsupported="mode")
def _add_mode(a, b, mode=None):
    return trnpy.asarray(a._t + b._t)


def test_normalizer_validate_updates_and_fast_path_refusals(backend):
    assert _filled([0]).tolist() == [12]            # p filled in though omitted
    assert _filled([0], 5, q=3).tolist() == [13]
    assert _filled([0], extra=1).tolist() == [14]   # a **kwargs entry normalised
    assert _add_mode([1], [2]).tolist() == [3]
    assert _add_mode([1], [2], None).tolist() == [3]
    with pytest.raises(NotImplementedError, match=r"_add_mode: mode='x' is not supported"):
        _add_mode([1], [2], "x")                    # the two-array fast path refuses too
    with pytest.raises(ValueError, match="no fields"):      # NumPy's error, from validate
        trnpy.partition(trnpy.asarray([3, 1, 2]), 1, order="f")
