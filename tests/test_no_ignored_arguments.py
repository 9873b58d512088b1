"""No public function accepts an argument and ignores it (issue #9): every parameter of
every public callable of ``trnpy``, ``trnpy.linalg``, ``trnpy.fft``, ``trnpy.special``
(functions, ufunc objects and their methods, trnpy's classes and helper objects) and of
the ``TrnArray`` methods is read by its body, or handled by the ``normalizer`` decorator
(``arrays``, ``unsupported``, ``validate``). A parameter that is only passed on to one
of trnpy's own helpers counts as read only when that helper reads it in turn."""
from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import warnings

import numpy as np
import pytest

import trnpy
import trnpy.fft
import trnpy.linalg
import trnpy.special
from trnpy import _errstate, _normalize
from trnpy._array import TrnArray

# Parameters that are genuinely no-ops in NumPy/SciPy too (documented there as hints or
# as kept for compatibility); each entry says why. (function name, parameter); "*" is
# any function.
ALLOWED_UNREAD = {
    # NumPy 2.3: ``sorted=False`` allows any order; sorted output is a valid answer
    ("unique", "sorted"),
    # SciPy: overwrite_* only allow reusing the input's memory; never required
    ("*", "overwrite_a"), ("*", "overwrite_b"), ("*", "overwrite_x"),
    # SciPy: number of worker threads for the pocketfft backend; results do not depend on it
    ("*", "workers"),
    # SciPy: finite-ness check only; skipping it cannot change a finite input's result
    ("*", "check_finite"),
    # SciPy: LAPACK work-array size, a tuning hint ("None or -1: optimal size computed")
    ("qr", "lwork"),
    # the context-manager protocol: restoring the previous device needs no exception info
    ("__exit__", "exc"),
    # copy.deepcopy's bookkeeping of objects already copied: a TrnArray refers to none
    ("__deepcopy__", "memo"),
}

_MODULES = (trnpy, trnpy.linalg, trnpy.fft, trnpy.special)


def _ours(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("trnpy")


def _class_methods(cls, label):
    """Functions defined by trnpy's class ``cls`` (and its trnpy bases): public ones and
    the special methods (operators, protocols)."""
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, f in vars(klass).items():
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                continue
            f = getattr(f, "fget", f)
            f = getattr(f, "__func__", f)                  # static/class methods
            if inspect.isfunction(f) and _ours(f):
                yield f"{label}.{name}", f


def public_functions():
    """(qualified name, function) for every public callable, each implementation once."""
    seen = {}

    def add(label, f):
        impl = inspect.unwrap(f)
        if inspect.isfunction(impl) and _ours(impl):
            seen.setdefault((impl.__module__, impl.__qualname__), (label, f))

    for mod in _MODULES:
        for name in getattr(mod, "__all__", None) or dir(mod):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name, None)
            label = f"{mod.__name__}.{name}"
            if inspect.isfunction(obj) or isinstance(obj, functools.partial):
                add(label, getattr(obj, "func", obj))
            elif inspect.isclass(obj):
                if _ours(obj):
                    for lab, f in _class_methods(obj, label):
                        add(lab, f)
            elif callable(obj) or _ours(type(obj)):
                # ufuncs, r_/c_, mgrid/ogrid: the methods of their trnpy class
                for lab, f in _class_methods(type(obj), label):
                    add(lab, f)
    for lab, f in _class_methods(TrnArray, "TrnArray"):
        add(lab, f)
    add("trnpy._errstate.report", _errstate.report)
    return sorted(seen.values(), key=lambda v: v[0])


# -- the analysis -------------------------------------------------------------------------
def _handled(f):
    """Parameters the normalizer handles for ``f`` (its arrays, unsupported ones, and
    those its ``validate`` reads)."""
    handled = set()
    g = f
    while g is not None:
        arrays, unsupported = getattr(g, "_normalized", ((), ()))
        handled |= set(arrays) | set(unsupported)
        v = getattr(g, "_validate", None)
        if v is not None:
            handled |= set(_reads(v)[0]) - set(_unread_here(v))
        g = getattr(g, "__wrapped__", None)
    return handled


@functools.lru_cache(maxsize=None)
def _parse(impl):
    try:
        src = textwrap.dedent(inspect.getsource(impl))
    except (OSError, TypeError):
        return None
    node = ast.parse(src).body[0]
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _params(node):
    a = node.args
    return [p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)] + \
        [p.arg for p in (a.vararg, a.kwarg) if p is not None]


def _discarded(node, parent):
    """A load that reads nothing: ``p`` alone as a statement, or ``_ = p``."""
    if isinstance(parent, ast.Expr):
        return True
    return isinstance(parent, ast.Assign) and all(
        isinstance(t, ast.Name) and t.id == "_" for t in parent.targets)


def _reads(impl):
    """({param: [uses]}, node) where a use is "read" or ("call", call node, how)."""
    impl = inspect.unwrap(impl)
    node = _parse(impl)
    if node is None:
        return {}, None
    params = set(_params(node))
    uses = {p: [] for p in params}
    parents = {}
    for stmt in node.body:
        for n in ast.walk(stmt):
            for c in ast.iter_child_nodes(n):
                parents[c] = n
    for stmt in node.body:
        for n in ast.walk(stmt):
            if not (isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in params):
                continue
            parent = parents.get(n)
            if _discarded(n, parent):
                continue
            if isinstance(parent, ast.Call) and n in parent.args:
                uses[n.id].append(("call", parent, parent.args.index(n)))
            elif isinstance(parent, ast.keyword) and parent.arg is not None and \
                    isinstance(parents.get(parent), ast.Call):
                uses[n.id].append(("call", parents[parent], parent.arg))
            else:
                uses[n.id].append("read")
    return uses, node


def _callee(impl, func_node):
    """trnpy's Python function that ``func_node`` (a name or module.name) resolves to in
    ``impl``'s globals, or None."""
    g = inspect.unwrap(impl).__globals__
    if isinstance(func_node, ast.Name):
        obj = g.get(func_node.id)
    elif isinstance(func_node, ast.Attribute) and isinstance(func_node.value, ast.Name):
        obj = getattr(g.get(func_node.value.id), func_node.attr, None)
    else:
        return None
    if not inspect.isfunction(obj):
        return None
    mod = inspect.unwrap(obj).__module__ or ""
    return obj if mod.startswith("trnpy") or mod == __name__ else None


def _passed_param(callee, how):
    """The parameter of ``callee`` that a positional index or keyword ``how`` binds, or
    None when it lands in ``*args``/``**kwargs`` (not followed)."""
    ps = list(inspect.signature(inspect.unwrap(callee)).parameters.values())
    if isinstance(how, int):
        pos = [p for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return pos[how].name if how < len(pos) else None
    return next((p.name for p in ps if p.name == how and p.kind is not p.POSITIONAL_ONLY),
                None)


def _read_through(f, param, depth=0, stack=()):
    """Whether ``param`` of ``f`` is read, following calls into trnpy's own helpers."""
    if param in _handled(f):
        return True
    uses, node = _reads(f)
    if node is None or param not in uses:
        return True                                # no source: not judged
    key = (inspect.unwrap(f), param)
    if key in stack or depth > 6:
        return True                                # recursion: give it the benefit
    for u in uses[param]:
        if u == "read":
            return True
        _, call, how = u
        callee = _callee(f, call.func)
        if callee is None:
            return True                            # passed to something not ours: used
        target = _passed_param(callee, how)
        if target is None or _read_through(callee, target, depth + 1, stack + (key,)):
            return True
    return False


def _only_raises(node):
    """A body that always raises (after its docstring) reads its arguments for nothing."""
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and
                                         isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def _unread_here(f):
    uses, node = _reads(f)
    if node is None or _only_raises(node):
        return []
    return [p for p in _params(node) if p not in ("self", "cls")
            and not _read_through(f, p)]


def unread(f):
    """Parameters of ``f`` that nothing reads (allow-listed ones left out)."""
    name = inspect.unwrap(f).__name__
    return [p for p in _unread_here(f) if p not in _handled(f)
            and (name, p) not in ALLOWED_UNREAD and ("*", p) not in ALLOWED_UNREAD]


# -- the audit ----------------------------------------------------------------------------
def test_no_argument_is_accepted_and_ignored():
    bad = {}
    for label, f in public_functions():
        u = unread(f)
        if u:
            bad[label] = u
    assert not bad, f"parameters never read: {bad}"


def test_the_audit_covers_functions_ufuncs_methods_and_helper_objects():
    impls = {inspect.unwrap(f) for _, f in public_functions()}
    for expected in (type(trnpy.add).reduce, type(trnpy.add).outer,
                     type(trnpy.r_).__getitem__, type(trnpy.mgrid).__getitem__,
                     trnpy.linalg.solve, trnpy.fft.fft, trnpy.special.softmax,
                     TrnArray.astype, trnpy.dot, TrnArray.__init__):
        assert inspect.unwrap(expected) in impls, expected
    assert len(impls) > 400


def _ignores(a, ignored=None):
    return a


def _passes_on(a, flag=False):
    return _ignores(a, flag)                       # flag reaches a helper that drops it


def _discards(a, flag=False):
    flag                                           # noqa: B018 (read for nothing)
    return a


def _uses(a, flag=False):
    return _ignores(a) if flag else a


def test_the_audit_sees_unread_parameters():
    assert unread(_ignores) == ["ignored"]
    assert unread(_passes_on) == ["flag"]
    assert unread(_discards) == ["flag"]
    assert unread(_uses) == []


def _validate(a, flag=False):
    if flag:
        raise ValueError("flag")


@_normalize.normalizer(lambda a, flag=False, mode=None: a, "a", unsupported="mode",
                       validate=_validate)
def _decorated(a, flag=False, mode=None):
    return a


def test_the_audit_counts_what_the_normalizer_handles():
    # a in arrays, mode in unsupported, flag read by validate
    assert unread(_decorated) == []
    with pytest.raises(NotImplementedError, match="mode"):
        _decorated(1, mode="x")
    with pytest.raises(ValueError, match="flag"):
        _decorated(1, flag=True)


# -- what the audit found, fixed (each compared with NumPy) ------------------------------
@pytest.mark.parametrize("coeffs", [[1.0, 2.0], [0.0], [3, 0, -1], [1j, 2.0]])
@pytest.mark.parametrize("dtype", [None, np.float32, np.complex128])
@pytest.mark.parametrize("copy", [True, None, False])
def test_poly1d_array_copy_as_numpy(coeffs, dtype, copy):
    # poly1d.__array__ ignored copy=: copy=True shared the coefficients, copy=False
    # converted silently
    def run(m):
        p = m.poly1d(coeffs)
        c = p.coeffs if m is np else np.asarray(p.coeffs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
                v = p.__array__(dtype, copy=copy)
        except ValueError:
            return "ValueError", None
        return np.shares_memory(v, c), v
    (shared, v), (e_shared, e) = run(trnpy), run(np)
    assert shared == e_shared
    if e is not None:
        np.testing.assert_array_equal(v, e)
        assert v.dtype == e.dtype


@pytest.mark.parametrize("make", [
    lambda m: m.arange(6.0).reshape(2, 3),              # contiguous: NumPy gives a view
    lambda m: m.arange(6.0).reshape(2, 3).T,            # strided: NumPy gives a copy
    lambda m: m.arange(6.0)[::-2],
    lambda m: m.zeros((0, 3)),
    lambda m: m.asarray(5.0),
])
@pytest.mark.parametrize("copy", [True, None, False])
def test_flatiter_array_copy(make, copy):
    # flatiter.__array__ ignored copy=: copy=True must never share the base's memory;
    # otherwise a view where NumPy's flatiter gives one (trnpy may also view a 1-D
    # strided base, which NumPy copies)
    a, e_base = make(trnpy), make(np)
    v = a.flat.__array__(copy=copy)
    e = e_base.flat.__array__(copy=copy)
    np.testing.assert_array_equal(v, e)
    assert v.dtype == e.dtype
    shared = np.shares_memory(v, np.asarray(a)) if v.size else False
    if copy:
        assert not shared
    elif e.size and np.shares_memory(e, e_base):
        assert shared
