"""Differential-test helpers shared by several test files (imported as ``_helpers``):
hypothesis array strategies, the "same result or same exception" comparisons and
random operands."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from conftest import assert_matches, scaled_examples


def arrays(dtypes, min_dims=0, max_dims=3, min_side=0, max_side=5, finite=False):
    """A NumPy array of one of ``dtypes`` (NaN/inf unless ``finite``; finite floats within
    +-100), sometimes a negative-stride view."""
    @st.composite
    def strat(draw):
        dt = draw(st.sampled_from(dtypes))
        shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                      max_side=max_side))
        if dt.kind in "fc":
            el = hnp.from_dtype(dt, allow_nan=not finite, allow_infinity=not finite,
                                min_value=None if not finite else -100,
                                max_value=None if not finite else 100,
                                allow_subnormal=False) if dt.kind == "f" else \
                hnp.from_dtype(dt, allow_nan=not finite, allow_infinity=not finite,
                               max_magnitude=None if not finite else 100)
        else:
            el = hnp.from_dtype(dt)
        a = draw(hnp.arrays(dt, shape, elements=el))
        if a.ndim and draw(st.booleans()):
            a = a[::-1]                       # negative strides
        return a
    return strat()


def _conv(x):
    if isinstance(x, np.ndarray):
        return trnpy.asarray(x)
    if isinstance(x, list):
        return [_conv(v) for v in x]
    return x


def _cmp(got, exp, rtol, atol, numpy_scalars):
    if isinstance(exp, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(exp)
        for g, e in zip(got, exp):
            _cmp(g, e, rtol, atol, numpy_scalars)
    elif numpy_scalars and isinstance(exp, np.generic) and not isinstance(got, trnpy.TrnArray):
        assert got == exp and type(got) is type(exp), (got, exp)
    elif isinstance(exp, (np.ndarray, np.generic)):
        assert_matches(got, np.asarray(exp), rtol=rtol, atol=atol)
    else:
        assert got == exp, (got, exp)


def check(name, *args, rtol=None, atol=0.0, fn=None, npfn=None, numpy_scalars=False, **kw):
    """trnpy.<name>(*args) matches numpy.<name>(*args): values, dtype, shape, or the
    same exception type. ``numpy_scalars``: where NumPy returns a NumPy scalar, trnpy may
    return an equal scalar of the same type instead of a 0-d array."""
    npf = npfn or getattr(np, name)
    tf = fn or getattr(trnpy, name)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            exp = npf(*args, **kw)
        except Exception as e:           # noqa: BLE001
            exp = e
        targs = [_conv(a) for a in args]
        if isinstance(exp, Exception):
            with pytest.raises(type(exp)):
                tf(*targs, **{k: _conv(v) for k, v in kw.items()})
            return
        got = tf(*targs, **{k: _conv(v) for k, v in kw.items()})
    _cmp(got, exp, rtol, atol, numpy_scalars)


def same(r, e):
    """``r`` (trnpy) matches ``e`` (NumPy), element-wise through tuples and lists."""
    if isinstance(e, (tuple, list)):
        assert isinstance(r, (tuple, list)) and len(r) == len(e)
        for a, b in zip(r, e):
            same(a, b)
    else:
        assert_matches(r, e)


def both(fn_t, fn_n):
    """Same result or the same exception type."""
    try:
        e = fn_n()
    except Exception as ex:
        with pytest.raises(type(ex)):
            fn_t()
        return
    same(fn_t(), e)


def rand(rng, shape, dt, int_low=0):
    """Random values of dtype ``dt``: standard normal floats/complex, 0/1 bools, integers
    in [int_low, 50)."""
    dt = np.dtype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return rng.integers(int_low, 50, shape).astype(dt)
    return rng.standard_normal(shape).astype(dt)


def examples(n: int) -> int:
    """A test's hypothesis example count: ``n`` times TRNPY_EXAMPLES_SCALE (at least 1).
    Every ``@settings(max_examples=...)`` uses it so that one variable scales them all."""
    return scaled_examples(n)
