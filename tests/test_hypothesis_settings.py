"""The test suite's hypothesis settings: every @given test's example count follows
TRNPY_EXAMPLES_SCALE, and the default profile draws the same examples on every run."""
from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import settings

from _helpers import examples
from conftest import EXAMPLES_SCALE

TESTS = pathlib.Path(__file__).resolve().parent


def _settings_calls():
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "settings":
                yield path.name, node


def test_every_max_examples_is_scaled():
    """A hard-coded ``max_examples=N`` would ignore TRNPY_EXAMPLES_SCALE."""
    bad = []
    for name, call in _settings_calls():
        for kw in call.keywords:
            if kw.arg == "max_examples" and not (
                    isinstance(kw.value, ast.Call) and getattr(kw.value.func, "id", None)
                    == "examples" and len(kw.value.args) == 1
                    and isinstance(kw.value.args[0], ast.Constant)):
                bad.append(f"{name}:{call.lineno}")
            if kw.arg == "derandomize":
                bad.append(f"{name}:{call.lineno} (derandomize belongs to the profile)")
    assert not bad, "use max_examples=examples(N) (tests/_helpers.py): " + ", ".join(bad)


def test_examples_scale():
    assert examples(40) == max(1, round(40 * EXAMPLES_SCALE))
    assert examples(1) >= 1
    if os.environ.get("TRNPY_HYPOTHESIS", "default") == "default":
        assert settings().derandomize and settings().database is None
    else:                                 # fresh examples; failures replayed next run
        assert not settings().derandomize and settings().database is not None
    assert settings().max_examples == examples(40) and settings().deadline is None


@pytest.mark.parametrize("env, message", [
    ({"TRNPY_EXAMPLES_SCALE": "lots"}, "TRNPY_EXAMPLES_SCALE must be a number"),
    ({"TRNPY_EXAMPLES_SCALE": "0"}, "TRNPY_EXAMPLES_SCALE must be positive"),
    ({"TRNPY_HYPOTHESIS": "ci"}, "TRNPY_HYPOTHESIS must be 'default' or 'explore'")])
def test_bad_settings_variables_fail_loudly(env, message):
    r = subprocess.run([sys.executable, "-c", "import conftest"], cwd=TESTS,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join(
                           [os.path.dirname(TESTS), os.environ.get("PYTHONPATH", "")]), **env},
                       capture_output=True, text=True, timeout=600)
    assert r.returncode != 0 and message in r.stderr, r.stderr[-2000:]
