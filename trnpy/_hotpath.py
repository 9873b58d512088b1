"""Where TrnArray's and ufunc's hot paths come from: the optional C module
``trnpy._speedups`` or, when it is not built (or ``TRNPY_PURE_PYTHON=1``), plain Python.

Both do the same thing: when every array operand is a CPU TrnArray holding its NumPy view
and the CPU backend is NumPy, call NumPy on the views and wrap the result; anything else
goes to the Python implementation. The Python versions live in ``_array.py`` (operators,
``__getitem__``) and ``_ufunc.py`` (``ufunc.__call__``) and stay the reference; with the C
module they are handed to it as the slow paths and removed from the classes, so that the
C slots of the base classes are the ones Python calls. On a 10-element input the C path
costs about a third of the Python one (``benchmarks/bench_cpu_overhead.py``). The C module
also takes the torch path's simplest case (same-dtype, same-shape tensors, a loop
``ufunc._call`` cached with a direct torch function: ``benchmarks/bench_torch_overhead.py``)
and makes ``TrnArray._new``.
"""
from __future__ import annotations

import os

#: binary operators in the order the C module indexes them: (dunder, trnpy function)
BINARY_OPS = (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
              ("truediv", "divide"), ("floordiv", "floor_divide"), ("mod", "remainder"),
              ("pow", "power"), ("matmul", "matmul"), ("and", "bitwise_and"),
              ("or", "bitwise_or"), ("xor", "bitwise_xor"), ("lshift", "left_shift"),
              ("rshift", "right_shift"))
COMPARISONS = (("lt", "less"), ("le", "less_equal"), ("eq", "equal"), ("ne", "not_equal"),
               ("gt", "greater"), ("ge", "greater_equal"))

_speedups = None
if os.environ.get("TRNPY_PURE_PYTHON", "") in ("", "0"):
    try:
        from . import _speedups
    except ImportError:       # not built (e.g. a source checkout on PYTHONPATH)
        _speedups = None

COMPILED = _speedups is not None

if COMPILED:
    ArrayBase = _speedups.ArrayBase
    UfuncBase = _speedups.UfuncBase
    ARRAY_SLOTS: tuple = ()          # the C base holds _tt, _device, _np, _fl, _base, _ro, weakrefs
else:
    ArrayBase = object
    UfuncBase = object
    ARRAY_SLOTS = ("_tt", "_device", "_np", "_fl", "_base", "_ro", "__weakref__")


def install(array_cls, ufunc_cls, cpu, backend_var, ndarray, host_result, getitem_slow,
            getitem_torch, numpy_funcs, ufuncs):
    """With the C module: hand it the Python operators and ``getitem_slow`` as its slow
    paths (``getitem_torch``: what ``getitem_slow`` does for an array on the torch path),
    then take the Python fast paths off the classes so that the C slots of their bases are
    what Python calls. ``numpy_funcs``: the NumPy ufunc behind each operator of
    ``BINARY_OPS + COMPARISONS`` (None: always the slow path); ``ufuncs``: the trnpy ufunc
    behind each (None: not a ufunc), whose torch fast path the C module takes for two
    arrays of one dtype and shape (see ``torch_direct`` in ``_speedups.c``). The C module's
    ``ArrayBase._new`` replaces the Python one. Without it: nothing."""
    if not COMPILED:
        return
    names = [d for d, _ in BINARY_OPS + COMPARISONS]
    forward = [array_cls.__dict__[f"__{d}__"] for d in names]
    reflected = [array_cls.__dict__.get(f"__r{d}__") for d in names]
    _speedups.setup(array_cls, cpu, backend_var, ndarray, host_result, getitem_slow,
                    getitem_torch, tuple(numpy_funcs), tuple(forward), tuple(reflected),
                    tuple(ufuncs))
    if "_new" in array_cls.__dict__:
        del array_cls._new
    for d in names:
        delattr(array_cls, f"__{d}__")
        if f"__r{d}__" in array_cls.__dict__:
            delattr(array_cls, f"__r{d}__")
    del array_cls.__getitem__
    del ufunc_cls.__call__
