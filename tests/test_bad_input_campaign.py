"""The bad-input campaign (issue #10 item 5): thousands of malformed calls across the
public namespaces (``tests/_campaign.py`` builds them) on the NumPy backend, the torch
backend and the emulated neuron device, each stretch in its own subprocess so a crash or
a hang is counted against its call rather than ending the run.

For every call on which NumPy raises, trnpy must raise NumPy's class (or a subclass) and
leave its inputs unchanged. Two documented allowances, each counted:

* *unsupported data*: the bad value makes NumPy build an object or string array (None, a
  dict, a str, an int beyond 64 bits, ...), which trnpy does not hold; trnpy refuses it
  up front with its TypeError ("trnpy cannot hold ... data"), as its README says.
* *NumPy's internal AttributeError*: NumPy fails while reading an attribute of an
  unconverted argument (``np.split(1.5, 2)``); trnpy converts array-likes first and may
  then raise a proper class or return, but never leaks an AttributeError of its own.
"""
from __future__ import annotations

import collections
import json
import os
import pathlib
import subprocess
import sys

import pytest

import _campaign

HERE = pathlib.Path(__file__).resolve().parent
N_CALLS = len(_campaign.calls())
TIMEOUT = 240          # seconds per subprocess; a hang names the call it stopped on

# Known differences still open, one per line of bad_input_known.txt (config, name, what,
# NumPy's class -> trnpy's, tab-separated): the test fails when one of them is fixed (remove
# its line) as well as when a new one appears.
KNOWN = {tuple(line.split("\t")[:3])
         for line in (HERE / "bad_input_known.txt").read_text().splitlines()
         if line and not line.startswith("#")}

_DATA_BAD = ("arg", "'x'", "None", "{}", "object", repr(2 ** 70), "[[1.0, 2.0], [3.0]]")


def _unsupported_data(rec):
    what = rec["what"]
    return rec.get("trn") == "TypeError" and "cannot hold" in rec.get("msg", "") and \
        any(what.endswith("=" + b) for b in _DATA_BAD[1:])


def _run_config(config, tmp_path):
    """Every call of the campaign on ``config``: {id: record}; crashes and hangs become
    records of their own and the run goes on after them."""
    out = tmp_path / f"{config}.jsonl"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(HERE.parent), os.environ.get("PYTHONPATH", "")]), OMP_NUM_THREADS="1")
    recs, starts = {}, set()
    first = 0
    while first < N_CALLS:
        try:
            proc = subprocess.run(
                [sys.executable, str(HERE / "_campaign.py"), config, str(first),
                 str(N_CALLS), str(out)], env=env, timeout=TIMEOUT, capture_output=True,
                text=True)
            failed = proc.returncode != 0
            why = f"crash (exit {proc.returncode}): {proc.stderr[-300:]}"
        except subprocess.TimeoutExpired:
            failed, why = True, f"hang (over {TIMEOUT} s)"
        for line in out.read_text().splitlines():
            r = json.loads(line)
            if "start" in r:
                starts.add(r["id"])
            else:
                recs[r["id"]] = r
        if not failed:
            break
        lost = sorted(starts - recs.keys())
        if not lost:
            raise AssertionError(f"{config}: the worker failed before any call: {why}")
        recs[lost[0]] = {"id": lost[0], "np": "?", "ok": False, "unchanged": False,
                         "trn": why, "name": "?", "what": "?"}
        first = lost[0] + 1
    return recs


def _classify(config, recs):
    counts = collections.Counter()
    bad = {}
    for r in recs.values():
        if r["np"] is None:
            counts["well-formed (NumPy returns)"] += 1
            continue
        counts["malformed"] += 1
        if not r["unchanged"]:
            bad[(config, r["name"], r["what"])] = f"changed its inputs ({r.get('trn')})"
        elif r["ok"]:
            counts["NumPy's class"] += 1
        elif _unsupported_data(r):
            counts["refused: unsupported data"] += 1
        elif r["np"] == "AttributeError" and r.get("trn") != "AttributeError" and \
                r.get("trn") in (None, "TypeError", "ValueError", "IndexError", "AxisError"):
            counts["NumPy's internal AttributeError"] += 1
        else:
            bad[(config, r["name"], r["what"])] = \
                f"NumPy {r['np']}, trnpy {r.get('trn')}: {r.get('msg', '')[:100]}"
    return counts, bad


@pytest.mark.parametrize("config", ["numpy", "torch", "neuron"])
def test_bad_input_campaign(config, tmp_path):
    recs = _run_config(config, tmp_path)
    assert len(recs) == N_CALLS
    counts, bad = _classify(config, recs)
    print(f"\n{config}: {dict(counts)}; differences: {len(bad)}")
    assert counts["malformed"] >= 1000
    known = {k for k in KNOWN if k[0] == config}
    new = {k: v for k, v in bad.items() if k not in known}
    fixed = known - bad.keys()
    assert not new, "\n".join(f"{k}: {v}" for k, v in sorted(new.items())[:60])
    assert not fixed, f"fixed, remove from KNOWN: {sorted(fixed)}"
