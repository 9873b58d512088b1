"""The package's layering, read from its source (``ast``): imports run one way.

core (dtypes, devices, tensor helpers, the array object, conversion)
  -> backend (where an op runs, the kernel registry, argument normalisation)
  -> namespace modules -> sub-namespaces (linalg, fft, special, random, sparse)
  -> top (the package ``__init__``, methods attached to the array, NumPy's protocols,
     and the composites built on a sub-namespace).

A module imports only from its own or lower layers, at module top, without circles; no
module reaches the namespace late (``sys.modules``, ``importlib``, ``_ns()``/``_mod()``)
or writes into another module. Optional dependencies (SciPy, the kernels' emulator, the
Neuron SDK, dask) may be imported inside functions, each with a comment saying why.
"""
from __future__ import annotations

import ast
import collections
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parent.parent / "trnpy"

CORE = {"_torch", "_dtypes", "_devices", "_tensor", "_hotpath", "_array", "_convert",
        "_constants", "_errstate", "_info"}
BACKEND = {"_dispatch", "_kernel_registry", "_normalize", "_gemm", "_random_bits",
           "_spmm"}
SUBNAMESPACES = {"linalg", "fft", "special", "random", "sparse"}
TOP = {"__init__", "_array_methods", "_numpy_protocols", "_polynomial", "_scipy_dispatch",
       "_dask"}
OPTIONAL = ("scipy", "kernels", "torch_xla", "dask", "distributed", "nki", "neuronxcc",
            "torch_neuronx")


def _layer(mod: str) -> int:
    """0 core, 1 backend, 2 namespace, 3 sub-namespace, 4 top."""
    parts = mod.split(".")[1:] or ["__init__"]
    if parts[0] in SUBNAMESPACES:
        return 3
    name = parts[0]
    if name in CORE:
        return 0
    if name in BACKEND:
        return 1
    if name in TOP:
        return 4
    return 2


def _modules():
    for p in sorted(PKG.rglob("*.py")):
        rel = p.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
            pkg = ".".join(parts)
        else:
            pkg = ".".join(parts[:-1])
        yield ".".join(parts), pkg, p, ast.parse(p.read_text())


def _target(pkg: str, node: ast.ImportFrom) -> str:
    base = pkg.split(".")
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _trnpy_imports(mod, pkg, tree):
    """(target module, line) of each module-top import of a trnpy module."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            tgt = _target(pkg, node)
            if node.module:
                out.append((tgt, node.lineno))
            else:                     # from . import a, b
                for a in node.names:
                    out.append((f"{tgt}.{a.name}", node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.startswith("trnpy")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trnpy"):
            out.append((node.module, node.lineno))
    return out


MODULES = list(_modules())


def test_the_walk_sees_the_package():
    names = {m for m, *_ in MODULES}
    assert {"trnpy", "trnpy._array", "trnpy._convert", "trnpy._dispatch",
            "trnpy.linalg._linalg", "trnpy.fft._fft"} <= names


@pytest.mark.parametrize("mod,pkg,path,tree", MODULES, ids=[m for m, *_ in MODULES])
def test_imports_run_downward(mod, pkg, path, tree):
    me = _layer(mod)
    bad = [f"line {ln}: {mod} (layer {me}) imports {tgt} (layer {_layer(tgt)})"
           for tgt, ln in _trnpy_imports(mod, pkg, tree)
           if _layer(tgt) > me and not (tgt.startswith(mod + ".") and me == 3)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("mod,pkg,path,tree", MODULES, ids=[m for m, *_ in MODULES])
def test_no_function_level_or_late_imports(mod, pkg, path, tree):
    lines = path.read_text().splitlines()
    bad = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom):
                name = "." * node.level + (node.module or "")
            elif isinstance(node, ast.Import):
                name = node.names[0].name
            else:
                continue
            if getattr(node, "level", 0) or name.startswith("trnpy"):
                bad.append(f"line {node.lineno}: {name} imported inside {fn.name}")
            elif not name.startswith(OPTIONAL) and not (mod == "trnpy._torch"
                                                        and name == "torch"):
                bad.append(f"line {node.lineno}: {name} (not an optional dependency) "
                           f"imported inside {fn.name}")
            elif "#" not in lines[node.lineno - 1] and \
                    not lines[node.lineno - 2].strip().startswith("#"):
                bad.append(f"line {node.lineno}: lazy import of {name} without a comment "
                           "saying why")
    for node in ast.walk(tree):
        # late look-ups of the namespace, and injected references
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "modules" and getattr(node.value.value, "id", "") == "sys":
            key = node.slice
            other_package = isinstance(key, ast.Constant) and not str(key.value).startswith(
                "trnpy")
            own_name = mod == "trnpy" and isinstance(key, ast.Name) and key.id == "__name__"
            if not (other_package or own_name):
                bad.append(f"line {node.lineno}: sys.modules look-up of the namespace")
        if isinstance(node, ast.Call):
            f = node.func
            fname = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if fname in ("_ns", "_mod", "ns") or (
                    fname in ("import_module", "__import__")
                    and "optional" not in lines[node.lineno - 1]):
                bad.append(f"line {node.lineno}: late look-up {fname}()")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("mod,pkg,path,tree", MODULES, ids=[m for m, *_ in MODULES])
def test_no_module_writes_into_another(mod, pkg, path, tree):
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level and not node.module:
            imported |= {a.asname or a.name for a in node.names}
    bad = [f"line {node.lineno}: assigns {t.value.id}.{t.attr}"
           for node in ast.walk(tree) if isinstance(node, ast.Assign)
           for t in node.targets
           if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
           and t.value.id in imported]
    assert not bad, "\n".join(bad)


def test_no_import_circles():
    graph = collections.defaultdict(set)
    names = {m for m, *_ in MODULES}
    for mod, pkg, _, tree in MODULES:
        for tgt, _ in _trnpy_imports(mod, pkg, tree):
            if tgt in names and tgt != mod and not mod.startswith(tgt + "."):
                graph[mod].add(tgt)
    # Tarjan's strongly connected components
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    assert not comps, f"import circles: {comps}"


def test_one_linalg_error_class():
    """``LinAlgError`` is NumPy's own class, bound once (``trnpy.linalg``)."""
    import numpy as np

    import trnpy
    defs = [mod for mod, _, _, tree in MODULES for node in ast.walk(tree)
            if isinstance(node, (ast.Assign, ast.ClassDef))
            and "LinAlgError" in ([t.id for t in node.targets if isinstance(t, ast.Name)]
                                  if isinstance(node, ast.Assign) else [node.name])]
    assert defs == ["trnpy.linalg._linalg"]
    assert trnpy.linalg.LinAlgError is np.linalg.LinAlgError
