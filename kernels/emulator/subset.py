"""Static check that a kernel's Python stays inside NKI 0.3's language subset.

:func:`check_kernel` parses (``ast``) the kernel function and, transitively, every
function it calls that lives in the kernel's own module or another ``kernels.*`` module
(the functions the NKI compiler would trace), and raises on the first construct outside
the subset (rules and sources in :mod:`kernels.emulator.rules`). Results are cached per
code object, so a kernel is checked once per process.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
import types

from . import rules as R

BANNED_BUILTINS = frozenset({"enumerate", "zip", "sorted", "set", "frozenset", "any", "all",
                             "map", "filter", "reversed", "sum", "iter", "next"})
_SKIP_MODULES = ("kernels.emulator", "kernels.nki_adapter")
_cache = {}          # code object -> (error message or None, callees)


def _too_big(v, depth=0):
    if isinstance(v, int) and not isinstance(v, bool):
        return not R.INT32_MIN <= v <= R.INT32_MAX
    if isinstance(v, (tuple, list)) and depth < 3:
        return any(_too_big(x, depth + 1) for x in v)
    return False


class _Checker(ast.NodeVisitor):
    def __init__(self, fn, root_module):
        self.fn, self.root_module = fn, root_module
        self.name = fn.__qualname__
        self.callees = []
        self.dict_names = set()
        self.env = {}
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            if _has(cell):
                self.env[name] = cell.cell_contents
        self.locals = set(fn.__code__.co_varnames)
        self.depth = 0

    # -- helpers
    def bad(self, rule, node, detail):
        line = getattr(node, "lineno", 0) + self.fn.__code__.co_firstlineno - 1
        R.violation(rule, f"{detail} in {self.name} ({self.fn.__code__.co_filename}:{line})")

    def resolve(self, name):
        if name in self.env:
            return self.env[name]
        g = self.fn.__globals__
        if name in g:
            return g[name]
        return getattr(builtins, name, None)

    def _traced(self, obj):
        if isinstance(obj, types.FunctionType):
            mod = obj.__module__ or ""
            if mod.startswith(_SKIP_MODULES):
                return False
            return mod == self.root_module or mod.startswith("kernels.")
        return False

    # -- definitions
    def visit_FunctionDef(self, node):
        if self.depth > 0:
            self.bad("inner-function", node, f"inner def {node.name}()")
        a = node.args
        if a.vararg or a.kwarg:
            self.bad("unpacking", node, "*args / **kwargs parameters")
        if a.kwonlyargs:
            self.bad("unpacking", node, "keyword-only '*' separator in the signature")
        self.depth += 1
        for stmt in node.body:
            self.visit(stmt)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.bad("inner-function", node, "lambda")

    def visit_ClassDef(self, node):
        self.bad("inner-function", node, f"class {node.name}")

    # -- expressions
    def _comp(self, node):
        self.bad("comprehension", node, type(node).__name__)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comp

    def visit_Set(self, node):
        self.bad("set", node, "set literal")

    def visit_Dict(self, node):
        for k in node.keys:
            if k is None:
                self.bad("unpacking", node, "**dict unpacking")
            if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                self.bad("dict-key", node, "dict literal with a non-string key")
        self.generic_visit(node)

    def visit_Starred(self, node):
        self.bad("unpacking", node, "starred (*x) unpacking")

    def visit_Constant(self, node):
        if _too_big(node.value):
            self.bad("int32", node, f"integer literal {node.value:#x}")

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.locals:
            v = self.resolve(node.id)
            if _too_big(v):
                self.bad("int32", node, f"name {node.id} holds integers >= 2^31")

    def visit_Compare(self, node):
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.Is, ast.IsNot)) and not (
                    isinstance(right, ast.Constant) and right.value is None):
                self.bad("is", node, "'is' test against something other than None")
        self.generic_visit(node)

    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in self.dict_names:
            k = node.slice
            if not (isinstance(k, ast.JoinedStr) or
                    (isinstance(k, ast.Constant) and isinstance(k.value, str))):
                self.bad("dict-key", node, f"{node.value.id}[...] with a non-string key")
        self.generic_visit(node)

    def visit_Assign(self, node):
        if isinstance(node.value, ast.Dict) or (
                isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "dict"):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self.dict_names.add(t.id)
        self.generic_visit(node)

    def visit_Call(self, node):
        for kw in node.keywords:
            if kw.arg is None:
                self.bad("unpacking", node, "**kwargs unpacking in a call")
        f = node.func
        if isinstance(f, ast.Name):
            v = self.resolve(f.id)
            if f.id in BANNED_BUILTINS and v is getattr(builtins, f.id, None):
                self.bad("builtin", node, f"{f.id}()")
            if self._traced(v):
                self.callees.append(v)
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            mod = self.resolve(f.value.id)
            if isinstance(mod, types.ModuleType):
                if mod.__name__.split(".")[0] == "numpy":
                    self.bad("numpy", node, f"{f.value.id}.{f.attr}()")
                v = getattr(mod, f.attr, None)
                if self._traced(v):
                    self.callees.append(v)
        self.generic_visit(node)

    # -- statements
    def _stmt(self, node):
        self.bad("statement", node, type(node).__name__.lower())

    visit_Try = visit_Import = visit_ImportFrom = visit_Global = visit_Nonlocal = _stmt
    visit_Yield = visit_YieldFrom = visit_Await = _stmt


def _has(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


def _check_one(fn, root_module):
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        return None, []           # no source (built at run time): nothing to check
    if fn.__name__ == "<lambda>":
        try:
            R.violation("inner-function", "the kernel is a lambda")
        except R.NKIEmulatorError as e:
            return str(e), []
    tree = ast.parse(textwrap.dedent(src))
    node = tree.body[0]
    c = _Checker(fn, root_module)
    try:
        node.decorator_list = []
        c.visit(node)
    except R.NKIEmulatorError as e:
        return str(e), []
    return None, c.callees


def check_kernel(fn):
    """Raise NKIEmulatorError if ``fn`` or a function it traces leaves NKI 0.3's subset."""
    root_module = getattr(fn, "__module__", "") or ""
    stack, seen = [fn], set()
    while stack:
        f = stack.pop()
        code = getattr(f, "__code__", None)
        if code is None or code in seen:
            continue
        seen.add(code)
        res = _cache.get(code)
        if res is None:
            res = _cache[code] = _check_one(f, root_module)
        if res[0] is not None:
            raise R.NKIEmulatorError(res[0])
        stack.extend(res[1])
