"""Which of NumPy's public callables the ``trnpy`` namespace provides.

    python3 benchmarks/numpy_coverage.py          # summary and the missing names
    python3 benchmarks/numpy_coverage.py --all    # also every name trnpy has

The universe is every public callable of NumPy's main namespace,
``[n for n in dir(numpy) if not n.startswith('_') and callable(getattr(numpy, n))]``
(functions, ufuncs, classes and scalar types), minus the short list ``EXCLUDED`` below of
things that have no meaning for trnpy. A name counts as covered when ``trnpy`` has an
attribute of that name.
"""
from __future__ import annotations

import sys

import numpy

#: NumPy names outside trnpy's scope, by reason. Keep this short and honest.
EXCLUDED = {
    # datetime / timedelta dtypes and business-day calendars: trnpy stores numbers only
    "datetime": ["datetime64", "timedelta64", "datetime_as_string", "datetime_data",
                 "isnat", "busday_count", "busday_offset", "busdaycalendar", "is_busday"],
    # string, bytes, object, void and structured/record dtypes (fromregex always returns
    # a structured array): torch cannot store them
    "non-numeric dtypes": ["str_", "bytes_", "object_", "void", "character", "flexible",
                           "record", "recarray", "fromregex"],
    # frompyfunc makes object-dtype ufuncs (use trnpy.vectorize for numeric results)
    "object ufuncs": ["frompyfunc"],
    # the legacy matrix class
    "matrix": ["matrix", "asmatrix", "bmat"],
    # memory-mapped ndarray subclass, NumPy's C-level ndarray iterators and ufunc buffers
    "ndarray internals": ["memmap", "nditer", "nested_iters", "getbufsize", "setbufsize"],
    # build, help and test plumbing of the numpy package itself
    "package plumbing": ["get_include", "info", "show_config", "show_runtime", "test"],
}


def numpy_callables() -> list[str]:
    return sorted(n for n in dir(numpy) if not n.startswith("_")
                  and callable(getattr(numpy, n)))


def excluded_names() -> set[str]:
    return {n for names in EXCLUDED.values() for n in names}


def coverage(module=None) -> dict:
    """``{"total", "excluded", "considered", "covered", "missing", "percent"}``."""
    if module is None:
        import trnpy as module
    names = numpy_callables()
    excl = excluded_names() & set(names)
    considered = [n for n in names if n not in excl]
    covered = [n for n in considered if hasattr(module, n)]
    missing = [n for n in considered if not hasattr(module, n)]
    return {"total": len(names), "excluded": sorted(excl), "considered": len(considered),
            "covered": covered, "missing": missing,
            "percent": 100.0 * len(covered) / len(considered)}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    c = coverage()
    print(f"NumPy {numpy.__version__}: {c['total']} public callables, "
          f"{len(c['excluded'])} excluded, {c['considered']} considered")
    print(f"trnpy covers {len(c['covered'])}/{c['considered']} = {c['percent']:.1f}%")
    print(f"missing ({len(c['missing'])}): {' '.join(c['missing'])}")
    for reason, names in EXCLUDED.items():
        print(f"excluded ({reason}): {' '.join(names)}")
    if "--all" in argv:
        print(f"covered: {' '.join(c['covered'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
