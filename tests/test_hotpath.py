"""The hot paths (trnpy/_hotpath.py): C module or pure Python, the same answers as NumPy,
and the fast path taken only where it may be (host arrays, NumPy backend)."""
import glob
import operator
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

import trnpy
from trnpy import _hotpath

from conftest import EXAMPLES_SCALE, assert_matches, is_trnpy_result

CPU = trnpy.device("cpu")     # the hot paths are for host arrays (also under a CUDA default)
SMALL_DTYPES = [np.bool_, np.int8, np.uint8, np.int64, np.uint64, np.float32, np.float64,
                np.complex64]
ARITH = [operator.add, operator.sub, operator.mul, operator.truediv, operator.lt,
         operator.le, operator.eq, operator.ne, operator.gt, operator.ge]
INT_OPS = [operator.and_, operator.or_, operator.xor, operator.floordiv, operator.mod]


def _arrays(dtype, n):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 5).astype(dtype)
    b = (rng.standard_normal(n) * 5 + 7).astype(dtype)
    return a, b


def _host(x):
    return trnpy.asarray(x, device=CPU)


def _same(actual, expected):
    assert is_trnpy_result(actual, expected), (type(actual), type(expected))
    if isinstance(actual, trnpy.TrnArray):
        assert actual.device == CPU
    assert_matches(actual, expected, equal_nan=True)


@pytest.mark.parametrize("dtype", SMALL_DTYPES)
@pytest.mark.parametrize("op", ARITH + INT_OPS + [operator.pow])
@given(n=st.sampled_from([0, 1, 3, 10]), scalar=st.sampled_from([2, 2.5, True, 1j, -3]))
def test_operators_match_numpy(dtype, op, n, scalar):
    if op in INT_OPS and np.dtype(dtype).kind not in "biu":
        return
    a, b = _arrays(dtype, n)
    ta, tb = _host(a), _host(b)
    cases = [(a, b, ta, tb), (a, scalar, ta, scalar), (scalar, b, scalar, tb)]
    if n:
        cases.append((a[:1].reshape(()), b, ta[:1].reshape(()), tb))      # 0-d with 1-d
    for x, y, tx, ty in cases:
        with np.errstate(all="ignore"), trnpy.errstate(all="ignore"):
            try:
                expected = op(x, y)
            except (TypeError, OverflowError, ValueError) as e:
                with pytest.raises(type(e)):
                    op(tx, ty)
                continue
            _same(op(tx, ty), expected)


@pytest.mark.parametrize("name", ["add", "multiply", "exp", "negative", "sqrt", "less",
                                  "bitwise_and", "arctan2"])
@pytest.mark.parametrize("dtype", SMALL_DTYPES)
def test_ufunc_calls_match_numpy(name, dtype):
    a, b = _arrays(dtype, 7)
    f, g = getattr(np, name), getattr(trnpy, name)
    args = [(a, b), (a, 3), (3, b)] if f.nin == 2 else [(a,), (a[:1].reshape(()),)]
    for xs in args:
        with np.errstate(all="ignore"), trnpy.errstate(all="ignore"):
            try:
                expected = f(*xs)
            except TypeError:
                with pytest.raises(TypeError):
                    g(*[_host(x) if isinstance(x, np.ndarray) else x for x in xs])
                continue
            _same(g(*[_host(x) if isinstance(x, np.ndarray) else x for x in xs]),
                  expected)


@pytest.mark.parametrize("dtype", SMALL_DTYPES)
def test_array_index_matches_numpy(dtype):
    a, _ = _arrays(dtype, 10)
    ta = _host(a)
    for key in [np.array([1, 3, -1]), np.array([], dtype=np.int64), a.real > 0,
                np.array(2), np.array([[0, 1], [2, 3]])]:
        _same(ta[_host(key)], a[key])
    with pytest.raises(IndexError):
        ta[_host([10])]
    with pytest.raises(IndexError):
        ta[_host(np.ones(3, bool))]


def test_fast_path_only_on_numpy_backend():
    a, b = _arrays(np.float64, 5)
    ta, tb = _host(a), _host(b)
    # the fast path leaves the tensor unmade; the torch backend computes one
    assert (ta + tb)._tt is None and trnpy.exp(ta)._tt is None
    assert ta[_host([0, 2])]._tt is None
    with trnpy.cpu_backend("torch"):
        for r in (ta + tb, trnpy.exp(ta), ta[_host([0, 2])], 2 * ta, ta < tb):
            assert r._tt is not None
        _same(ta - tb, a - b)


def test_other_devices_and_operands_take_the_slow_path():
    a, b = _arrays(np.float32, 5)
    with trnpy.device("neuron", emulate=True) as dev:
        ta, tb = trnpy.asarray(a, device=dev), trnpy.asarray(b, device=dev)
        for r in (ta + tb, trnpy.exp(ta), ta[trnpy.asarray([0, 2], device=dev)], 1 - ta,
                  ta >= 0):
            assert r.device == dev
        assert_matches(ta * tb, a * b)
        with pytest.raises(ValueError, match="different devices"):
            ta + trnpy.asarray(b, device="cpu")
    t = _host(a)
    with pytest.raises(TypeError):
        t + "x"
    with pytest.raises(TypeError):
        "x" - t
    _same(t + b, a + b)                         # a NumPy operand
    _same(b + t, b + a)
    _same(t + [1, 2, 3, 4, 5], a + [1, 2, 3, 4, 5])
    _same(trnpy.add(t, np.float32(2)), a + np.float32(2))
    _same(trnpy.add(t, b, out=trnpy.empty(5, dtype=np.float32, device=CPU)), a + b)
    _same(trnpy.add(t, 1, dtype=np.float64), np.add(a, 1, dtype=np.float64))


def test_inplace_operators_write_through():
    a, b = _arrays(np.float64, 6)
    ta = _host(a.copy())
    view = ta[1:4]
    view += _host(b[:3])
    expected = a.copy()
    expected[1:4] += b[:3]
    _same(ta, expected)


def test_compiled_module_is_used_when_built():
    built = glob.glob(os.path.join(os.path.dirname(trnpy.__file__), "_speedups*.so")) or \
        glob.glob(os.path.join(os.path.dirname(trnpy.__file__), "_speedups*.pyd"))
    pure = os.environ.get("TRNPY_PURE_PYTHON", "") not in ("", "0")
    if not built or pure:
        pytest.skip("trnpy._speedups is not built here (or TRNPY_PURE_PYTHON is set)")
    assert _hotpath.COMPILED
    assert "__add__" not in trnpy.TrnArray.__dict__       # the C slot serves it
    assert "__getitem__" not in trnpy.TrnArray.__dict__


@pytest.mark.skipif(not _hotpath.COMPILED, reason="this run is the pure-Python one already")
def test_pure_python_hot_paths_pass_the_same_tests():
    """The pure-Python fallback runs this file and the operator/indexing suites."""
    here = os.path.dirname(__file__)
    # a quarter of the examples: the same tests, on the slower pure-Python path
    env = dict(os.environ, TRNPY_PURE_PYTHON="1", TRNPY_EXAMPLES_SCALE=str(EXAMPLES_SCALE / 4))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                        "-p", "no:xdist", os.path.join(here, "test_hotpath.py"),
                        os.path.join(here, "test_array_object.py"),
                        os.path.join(here, "test_indexing.py")],
                       env=env, capture_output=True, text=True,
                       timeout=600 * max(1.0, EXAMPLES_SCALE))   # more examples, more time
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
