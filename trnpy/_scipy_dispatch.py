"""``trnpy.scipy_dispatch``: SciPy's non-dispatching modules on trnpy arrays (issue 16).

``scipy.linalg`` and ``scipy.sparse.linalg`` call ``np.asarray`` on their arguments, so a
device array cannot reach them and a CPU one comes back as NumPy's. While the dispatch is
on, the public attributes of those modules that trnpy implements are thin dispatchers:
called with a trnpy argument (a ``TrnArray``, a trnpy sparse matrix or operator; also one
level inside a tuple, as ``cho_solve((c, lower), b)``) they run trnpy's function with
SciPy's signature on the arrays' device; called with anything else they call SciPy's own
function object, which each dispatcher holds. SciPy's modules bind their internal calls at
import (``from ._decomp import eigh``), so those are never disturbed.

A name bound while the dispatch is on (``from scipy.linalg import eigh``) keeps routing
while it stays on and calls SciPy's function once it is off; a name bound before it was
switched on is SciPy's own function. Switching off puts SciPy's function objects back.
Classes (``LinearOperator``) are never replaced (``isinstance`` and subclassing must keep
working). Routed calls are counted by function and device (:func:`calls`); where their
work then ran is ``trnpy.routing_report()``.
"""
from __future__ import annotations

import collections
import functools
import os
import threading

from . import sparse
from .linalg._scipy import SCIPY as _LINALG

__all__ = ["scipy_dispatch"]

_LOCK = threading.RLock()
_SWITCH = False          # scipy_dispatch(True) / TRNPY_SCIPY_DISPATCH
_DEPTH = 0               # open ``with scipy_dispatch():`` blocks (all threads)
_ON = False              # what the dispatchers read: _SWITCH or _DEPTH > 0
_SAVED = {}              # (module name, attribute) -> (module, SciPy's function object)
_DISPATCHERS = {}        # (module name, attribute) -> dispatcher (reused: identity stays)
_TRN_TYPES = {}          # type -> whether it is one of trnpy's
#: routed calls: CALLS[("scipy.linalg.eigh", "neuron:0")] -> count (see :func:`calls`)
CALLS: collections.Counter = collections.Counter()


def _is_trn_type(tp):
    r = _TRN_TYPES.get(tp)
    if r is None:
        r = _TRN_TYPES[tp] = any(c.__module__.split(".")[0] == "trnpy"
                                 for c in tp.__mro__[:-1])
    return r


def _trn_arg(args, kwargs):
    """The first trnpy argument (one level inside a tuple or list too), or None."""
    for v in (*args, *kwargs.values()):
        if _is_trn_type(type(v)):
            return v
        if type(v) in (tuple, list):
            for w in v:
                if _is_trn_type(type(w)):
                    return w
    return None


def _dispatcher(key, original, impl):
    d = _DISPATCHERS.get(key)
    if d is not None and d.__wrapped__ is original and d._trnpy_impl is impl:
        return d

    name = ".".join(key)

    @functools.wraps(original)
    def dispatcher(*args, **kwargs):
        if _ON:
            v = _trn_arg(args, kwargs)
            if v is not None:
                CALLS[(name, str(getattr(v, "device", None) or "?"))] += 1
                return impl(*args, **kwargs)
        return original(*args, **kwargs)

    dispatcher._trnpy_impl = impl
    _DISPATCHERS[key] = dispatcher
    return dispatcher


def _sparse_linalg_table():
    """``scipy.sparse.linalg`` name -> trnpy's function, for the functions
    ``trnpy.sparse.linalg`` exports (looked up now: it may be added later)."""
    mod = getattr(sparse, "linalg", None)
    if mod is None:
        return {}
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    return {n: getattr(mod, n) for n in names
            if callable(getattr(mod, n, None)) and not isinstance(getattr(mod, n), type)}


def routed():
    """``{module name: [routed names]}`` that switching on installs (imports SciPy)."""
    return {m.__name__: sorted(t) for m, t in _tables()}


def _tables():
    import scipy.linalg  # optional: SciPy is imported only when the dispatch is used
    tables = [(scipy.linalg, dict(_LINALG))]
    sp = _sparse_linalg_table()
    if sp:
        import scipy.sparse.linalg  # optional: as above
        tables.append((scipy.sparse.linalg, sp))
    return [(mod, {n: f for n, f in table.items()
                   if callable(getattr(mod, n, None))
                   and not isinstance(getattr(mod, n), type)})
            for mod, table in tables]


def _install():
    for mod, table in _tables():
        for name, impl in table.items():
            key = (mod.__name__, name)
            current = getattr(mod, name)
            if key in _SAVED or getattr(current, "_trnpy_impl", None) is not None:
                continue
            _SAVED[key] = (mod, current)
            setattr(mod, name, _dispatcher(key, current, impl))


def _uninstall():
    for key, (mod, original) in list(_SAVED.items()):
        if getattr(mod, key[1], None) is _DISPATCHERS.get(key):   # else someone replaced it
            setattr(mod, key[1], original)
        del _SAVED[key]


def _update():
    global _ON
    on = _SWITCH or _DEPTH > 0
    if on and not _SAVED:
        _install()
    elif not on and _SAVED:
        _uninstall()
    _ON = on


class _Block:
    """``with trnpy.scipy_dispatch():`` -- on inside the block (blocks nest, and may open
    in several threads: the dispatch stays on until the last one closes)."""

    def __enter__(self):
        global _DEPTH
        with _LOCK:
            _DEPTH += 1
            try:
                _update()
            except BaseException:
                _DEPTH -= 1
                raise
        return self

    def __exit__(self, *exc):
        global _DEPTH
        with _LOCK:
            _DEPTH -= 1
            _update()
        return False


def scipy_dispatch(enable=None):
    """Route ``scipy.linalg`` and ``scipy.sparse.linalg`` calls on trnpy arrays to trnpy.

    ``with trnpy.scipy_dispatch(): ...`` turns it on for a block; ``scipy_dispatch(True)``
    turns it on for the program (as ``TRNPY_SCIPY_DISPATCH=1`` does at import) and
    ``scipy_dispatch(False)`` off again (open ``with`` blocks keep it on until they
    close); those two return whether the switch was on before. While on, a routed SciPy
    function called with a trnpy array runs trnpy's implementation on the array's device
    and returns trnpy arrays; with NumPy arrays (or anything else) SciPy's own function
    runs, unchanged. Import SciPy names (``from scipy.linalg import eigh``) after turning
    it on: a name bound before is SciPy's own function and is not routed."""
    global _SWITCH
    if enable is None:
        return _Block()
    if not isinstance(enable, bool):
        raise TypeError(f"scipy_dispatch() takes True, False or nothing, not {enable!r}")
    with _LOCK:
        before = _SWITCH
        _SWITCH = enable
        try:
            _update()
        except BaseException:
            _SWITCH = before
            raise
    return before


def calls(clear=False):
    """A readable table of the SciPy calls routed to trnpy (function, the device of its
    trnpy argument, count); ``clear=True`` empties it after reading. Where the work then
    ran (NKI kernel, torch, a recorded host step) is ``trnpy.routing_report()``."""
    lines = [f"{'routed SciPy call':<34}{'device':<14}{'calls':>6}"]
    lines += [f"{f:<34}{d:<14}{n:>6}" for (f, d), n in sorted(CALLS.items())]
    if clear:
        CALLS.clear()
    return "\n".join(lines)


def is_on():
    """Whether the dispatch is on now."""
    return _ON


def from_environment(value=None):
    """Apply ``TRNPY_SCIPY_DISPATCH`` (read at ``import trnpy``)."""
    value = os.environ.get("TRNPY_SCIPY_DISPATCH", "") if value is None else value
    v = value.strip().lower()
    if v in ("", "0", "false", "no", "off"):
        return
    if v not in ("1", "true", "yes", "on"):
        raise ValueError(f"TRNPY_SCIPY_DISPATCH={value!r}: expected 1 or 0")
    try:
        scipy_dispatch(True)
    except ImportError as e:
        raise ImportError(f"TRNPY_SCIPY_DISPATCH=1 needs SciPy: {e}") from e
