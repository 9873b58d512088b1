"""trnpy.random vs NumPy, same run: 10^7 float64 ``random``, ``standard_normal`` and
``integers(0, 1000)`` from ``trnpy.random.default_rng`` (NumPy's Philox stream) on both
CPU backends, against NumPy's ``Generator(Philox)`` (the same stream) and NumPy's
default ``PCG64``. Prints ms per call (best of the rounds, each alternating with its
baseline so other load falls on both) and the ratios. Timed by CPU time
(``process_time``, all threads) so other load on a shared machine does not count.

Targets (issue 11, item 6): NumPy backend at most 1.1x NumPy's Generator(Philox). The
torch backend runs the device samplers (the code CUDA and neuron use) on the CPU, its
Philox words from NumPy's Philox (``_random_bits.CPU_WORDS_FROM_NUMPY``); ``--limbs``
adds a torch row with the whole-tensor limb arithmetic that CUDA runs.

Then the neuron kernel (``kernels/rng.py``'s Philox-4x64, NumPy's stream) by the NKI
emulator's cost model: float32 uniforms made in the kernel (NumPy's float32 ``random``,
8 per block), bounded-integer candidates (``integers``' 32-bit Lemire step with its
accept flags, 8 per block; the 16-bit and 8-bit steps on its parts, 16 and 32 per
block; the 64-bit step of ranges of 2^32 and up, 4 per block), float32 ziggurat fast-path values (``standard_normal`` /
``standard_exponential(dtype=float32)``, with flags and the raw draws) and raw uint64
words per second per NeuronCore on trn1 and trn2 (target: 1e9 uniforms/s on trn2), with
the instructions per chunk by engine. (The rare rejected draws / ziggurat slow paths are
then resolved on the device by torch from the flags: not in these figures.)
Usage: python3 benchmarks/bench_random.py [--quick] [--limbs] [--no-kernel]
(--quick: 10^6 values)
"""
from __future__ import annotations

import sys
import time

import numpy as np

import trnpy
from trnpy import _random_bits
from trnpy import random as tr

N = 10 ** 6 if "--quick" in sys.argv else 10 ** 7
CALLS = {
    "random": lambda g: g.random(N),
    "standard_normal": lambda g: g.standard_normal(N),
    "integers(0,1000)": lambda g: g.integers(0, 1000, N),
}


def best(fns, repeat):
    """Best time of each function, the functions interleaved round by round."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for i, f in enumerate(fns):
            t = time.process_time()
            f()
            times[i].append(time.process_time() - t)
    return [min(t) * 1e3 for t in times]


def main():
    print(f"n = {N:.0e} float64 values; ms per call; ratio = trnpy / NumPy Philox")
    print(f"{'method':<18}{'backend':<9}{'trnpy':>9}{'Philox':>9}{'PCG64':>9}"
          f"{'/Philox':>9}{'/PCG64':>9}")
    runs = [("numpy", 7, True), ("torch", 3, True)]
    if "--limbs" in sys.argv:
        runs.append(("torch", 1, False))
    for backend, repeat, numpy_words in runs:
        _random_bits.CPU_WORDS_FROM_NUMPY = numpy_words
        label = backend if numpy_words else "limbs"
        with trnpy.cpu_backend(backend):
            for name, call in CALLS.items():
                g = tr.default_rng(0)
                ph = np.random.Generator(np.random.Philox(0))
                pcg = np.random.default_rng(0)
                call(g)                                 # warm up (tables, torch load)
                t, tp, tc = best([lambda: call(g), lambda: call(ph), lambda: call(pcg)],
                                 repeat)
                print(f"{name:<18}{label:<9}{t:>9.1f}{tp:>9.1f}{tc:>9.1f}"
                      f"{t / tp:>9.2f}{t / tc:>9.2f}")
    _random_bits.CPU_WORDS_FROM_NUMPY = True
    if "--no-kernel" not in sys.argv:
        kernel_table()


def kernel_table():
    """The Philox-4x64 kernel's cost-model throughput per NeuronCore (one launch, engines
    fully overlapped; ``serial``: no overlap at all), and its instructions per block by engine (every block passes through
    each instruction of its chunk once; an instruction covers 128 x F blocks)."""
    from kernels import rng
    print("\nneuron kernel (cost model, one launch): 10^9 values / s per NeuronCore;"
          " instructions per block by engine (each instruction covers 128 x F blocks)")
    print(f"{'blocks':>8}{'F':>5}{'mode':>9}{'target':>7}{'G val/s':>9}{'serial':>8}{'bound':>8}"
          f"{'tensor':>8}{'vector':>8}{'scalar':>8}{'gpsimd':>8}")
    labels = {"uniform": "f32 unif", "raw": "uint64", "lemire": "integers",
              "lemire64": "i64 wide",
              "lemire16": "int16", "lemire8": "int8", "zig": "f32 zig"}
    for n_blocks, mode in ((1 << 16, "uniform"), (1 << 18, "uniform"), (1 << 18, "raw"),
                           (1 << 16, "lemire"), (1 << 18, "lemire"), (1 << 18, "lemire64"),
                           (1 << 18, "lemire16"),
                           (1 << 18, "lemire8"),
                           (1 << 16, "zig"), (1 << 18, "zig")):
        rep = rng.estimate64(n_blocks, mode=mode)
        pc = rep["per_chunk"]
        label = labels[mode]
        for t in ("trn1", "trn2"):
            e = rep["estimate"][t]
            ser = e["values_per_s"] * e["overlapped_s"] / e["serial_s"] / 1e9
            print(f"{n_blocks:>8}{rep['F']:>5}{label:>9}{t:>7}{e['values_per_s'] / 1e9:>9.3f}"
                  f"{ser:>8.3f}{e['bottleneck']:>8}{pc['tensor']:>8.0f}{pc['vector']:>8.0f}"
                  f"{pc['scalar']:>8.0f}{pc['gpsimd']:>8.0f}")

if __name__ == "__main__":
    main()
