"""trnpy covers at least 90% of NumPy's public callables (benchmarks/numpy_coverage.py)."""
import importlib.util
import pathlib

import numpy as np

import trnpy

_PATH = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "numpy_coverage.py"


def _module():
    spec = importlib.util.spec_from_file_location("numpy_coverage", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_coverage_at_least_90_percent():
    c = _module().coverage(trnpy)
    assert c["percent"] >= 90.0, f"{c['percent']:.1f}% covered; missing: {c['missing']}"


def test_exclusions_are_short_and_real():
    mod = _module()
    excl = mod.excluded_names()
    assert len(excl) <= 40
    names = set(mod.numpy_callables())
    # every exclusion is a real NumPy callable (a stale list would inflate the percentage)
    assert excl <= names, sorted(excl - names)


def test_scalar_types_are_numpys():
    for n in ("bool_", "intp", "uintp", "int_", "double", "single", "cdouble", "csingle",
              "longlong", "ulonglong", "byte", "ubyte", "short", "ushort", "intc", "uintc",
              "half", "number", "integer", "signedinteger", "unsignedinteger", "floating",
              "complexfloating", "inexact", "generic", "dtype"):
        assert getattr(trnpy, n) is getattr(np, n), n
    assert trnpy.issubdtype(trnpy.ones(2).dtype, trnpy.floating)
    assert trnpy.typecodes is np.typecodes
