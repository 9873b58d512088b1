"""Import cost of trnpy against NumPy (and NumPy + SciPy, and torch), each in fresh
processes, same run: median wall time and peak RSS, and trnpy's ratios to NumPy.

Targets (issue 9): ``import trnpy`` at most 3x the time and 2x the peak RSS of
``import numpy``. Usage: python3 benchmarks/bench_import.py [--rounds N]

Measure as an installed package runs: with bytecode caching. Under
``PYTHONDONTWRITEBYTECODE=1`` a source checkout compiles every trnpy module on every
import (NumPy's wheel ships its .pyc), which doubles trnpy's time; the script says so.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

CASES = {
    "numpy": "import numpy",
    "numpy+scipy": "import numpy, scipy.linalg, scipy.fft",
    "trnpy": "import trnpy",
    "trnpy + CPU work": "import trnpy as np; x = np.arange(1000.0); (np.sin(x) @ x, "
                        "np.linalg.eigh(np.eye(4)), np.fft.fft(x))",
    "torch": "import torch",
}

PROBE = ("import resource, sys, time; t0 = time.perf_counter(); {code}; "
         "t1 = time.perf_counter(); "
         "print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
         "'torch' in sys.modules)")


def measure(code: str, rounds: int):
    walls, inner, rss, torch_loaded = [], [], [], set()
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", PROBE.format(code=code)],
                             capture_output=True, text=True, check=True).stdout.split()
        walls.append(time.perf_counter() - t0)
        inner.append(float(out[0]))
        rss.append(int(out[1]) / 1024)             # KiB -> MiB (Linux reports KiB)
        torch_loaded.add(out[2])
    return (statistics.median(walls), statistics.median(inner), statistics.median(rss),
            ",".join(sorted(torch_loaded)))


def main():
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set, so trnpy is compiled from source on "
              "every import; unset it for the installed-package figure")
    rounds = 7
    if "--rounds" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
    res = {name: measure(code, rounds) for name, code in CASES.items()}
    base_wall, base_import, base_rss, _ = res["numpy"]
    print(f"{'case':<18}{'process s':>10}{'import s':>10}{'peak MiB':>10}"
          f"{'x numpy (process, import, RSS)':>34}{'torch loaded':>14}")
    for name, (wall, imp, rss, tl) in res.items():
        print(f"{name:<18}{wall:>10.3f}{imp:>10.3f}{rss:>10.1f}"
              f"{wall / base_wall:>12.2f}{imp / base_import:>11.2f}{rss / base_rss:>11.2f}"
              f"{tl:>14}")


if __name__ == "__main__":
    main()
