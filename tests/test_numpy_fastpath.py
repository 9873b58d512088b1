"""The NumPy backend's fast paths for whole-array sum/prod and argmax/argmin (plain calls
on a host TrnArray) against NumPy: dtypes, values bit for bit, warnings and errors, odd
layouts and 0-d/empty inputs, function and method forms."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import trnpy
from conftest import ALL_DTYPES


def outcome(fn, a):
    """(result, warning messages, None) or (None, None, exception type)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            r = fn(a)
        except Exception as e:           # noqa: BLE001 - the type is what is compared
            return None, None, type(e)
    return r, sorted(str(w.message) for w in rec), None


def inputs(dt):
    rng = np.random.default_rng(7)
    dt = np.dtype(dt)
    if dt.kind == "b":
        base = rng.integers(0, 2, (6, 5)).astype(dt)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        base = rng.integers(max(info.min, -100), min(info.max, 100), (6, 5)).astype(dt)
    else:
        base = (rng.standard_normal((6, 5)) * 50).astype(dt)
        if dt.kind == "c":
            base = base + 1j * (rng.standard_normal((6, 5)) * 50).astype(dt)
    yield base
    yield base[::-1, ::2]                       # negative and non-unit strides
    yield base.T
    yield base[2, 3].reshape(())                # 0-d
    yield base[:0]                              # empty
    ro = base.copy()
    ro.flags.writeable = False
    yield ro
    if dt.kind == "f":
        special = base.copy()
        special[1, 1], special[4, 2] = np.nan, np.inf
        yield special
        yield np.full(4, np.finfo(dt).max, dt)  # overflow in prod (and sum)


CASES = [
    (trnpy.sum, np.sum), (trnpy.prod, np.prod), (trnpy.argmax, np.argmax),
    (trnpy.argmin, np.argmin),
    (lambda t: t.sum(), lambda a: a.sum()), (lambda t: t.prod(), lambda a: a.prod()),
    (lambda t: t.argmax(), lambda a: a.argmax()), (lambda t: t.argmin(), lambda a: a.argmin()),
]


@pytest.mark.parametrize("dt", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_whole_array_reductions_match_numpy(dt, case):
    fn_t, fn_n = CASES[case]
    with trnpy.cpu_backend("numpy"):
        for a in inputs(dt):
            exp, exp_w, exp_err = outcome(fn_n, a)
            got, got_w, got_err = outcome(fn_t, trnpy.asarray(a))
            assert got_err is exp_err, (a, got_err, exp_err)
            if exp_err is not None:
                continue
            assert got_w == exp_w, (a, got_w, exp_w)
            assert type(got) is type(exp), (type(got), type(exp))   # NumPy's own result
            g, e = np.asarray(got), np.asarray(exp)
            assert g.shape == e.shape == () and g.dtype == e.dtype, (g, e)
            # the same reduction: the same bits (NaN included)
            assert g.tobytes() == e.tobytes(), (a, g, e)
