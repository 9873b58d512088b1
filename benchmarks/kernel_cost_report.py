"""Cost-model report of trnpy's NKI kernels: estimated trn1 / trn2 time per launch.

For a spread of sizes, each kernel is dry-run in the emulator (instructions counted, no
arithmetic) and its instruction stream turned into time by ``kernels.emulator.cost``:
*overlapped* = max over engine queues (TensorE, VectorE, ScalarE, GpSimdE, DMA),
*serial* = their sum; the truth on hardware lies in between, close to the overlapped
bound for a well-pipelined kernel. Kernel launch overhead (about 1-2 ms per call through
torch-xla) is NOT included. The "fraction" column is the fraction of TensorE peak
(bf16 peak for bf16 inputs, fp32 peak for fp32 inputs) for TensorE kernels, and the
fraction of per-NeuronCore DMA bandwidth for memory-bound ones (BSR when DMA-bound,
RNG), computed against the trn1 / trn2 overlapped estimate.

Old vs new model: "new" charges small DMA transfers by AWS's efficiency curve
(``kernels/emulator/cost.py``: ``eff = b / (b + 512 B)`` for ``b`` contiguous bytes per
partition per transfer, from ``nki-dma-bandwidth-guide.rst``); "old" is the model without
that charge (``estimate_no_dma_efficiency``). The DMA charge is also listed on its own.
"instr/launch" is the program size of one launch (what the compiler emits: unrolled loops
in full, an ``nl.dynamic_range`` body once) / the instructions it executes.

Beside it, trnsci's published trn1 figures where they exist (measured on hardware,
launch overhead included; their problem definitions may differ): GEMM 1024^3: 2.3 ms;
FFT N=1024: 16 ms; BSR SpMM: 1.85-3.1 ms.

Usage: python3 benchmarks/kernel_cost_report.py [--quick] [--json]
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

TRNSCI = {
    "gemm-1024": "2.3 ms",
    "fft-1024": "16 ms",
    "bsr": "1.85-3.1 ms",
}


def _optional(name):
    """A kernel module with an ``estimate`` function, or None while it is not written."""
    try:
        mod = importlib.import_module(name)
    except ImportError:
        return None
    return mod if hasattr(mod, "estimate") else None


def _row(kernel, size, rep, frac_key, frac_label, trnsci="", note=""):
    e1, e2 = rep["estimate"]["trn1"], rep["estimate"]["trn2"]
    o2 = rep["estimate_no_dma_efficiency"]["trn2"]
    frac2 = e2.get(frac_key, float("nan"))
    return {
        "trn2_old_overlapped_ms": o2["overlapped_s"] * 1e3,
        "bottleneck_trn2_old": o2["bottleneck"],
        # every fraction is (a fixed quantity) / overlapped time
        "frac_trn2_old": frac2 * e2["overlapped_s"] / o2["overlapped_s"],
        "dma_charge_trn2_ms": e2["dma_small_charge_s"] * 1e3,
        "instr_per_launch": rep["static_instructions"] / max(1, rep.get("kernels", 1)),
        "executed_per_launch": sum(rep["instructions"].values()) / max(1, rep.get("kernels", 1)),
        "kernel": kernel, "size": size,
        "trn1_overlapped_ms": e1["overlapped_s"] * 1e3, "trn1_serial_ms": e1["serial_s"] * 1e3,
        "trn2_overlapped_ms": e2["overlapped_s"] * 1e3, "trn2_serial_ms": e2["serial_s"] * 1e3,
        "bottleneck_trn2": e2["bottleneck"],
        "frac_trn1": e1.get(frac_key, float("nan")), "frac_trn2": e2.get(frac_key, float("nan")),
        "frac_of": frac_label,
        "peak_sbuf_kib": rep.get("peak_sbuf_bytes_per_partition", 0) / 1024,
        "instructions": sum(rep["instructions"].values()),
        "trnsci_trn1": trnsci, "note": note,
    }


def gemm_rows(quick):
    from kernels import gemm
    sizes = [(256, "bfloat16"), (1024, "float32"), (1024, "bfloat16"), (2048, "bfloat16"),
             (4096, "bfloat16")]
    if quick:
        sizes = [(1024, "float32"), (1024, "bfloat16"), (4096, "bfloat16")]
    rows = []
    for n, dt in sizes:
        rep = gemm.estimate(n, n, n, dt)
        note = "target >= 80% trn2 peak" if (n, dt) == (4096, "bfloat16") else ""
        label = "TensorE fp32 peak" if dt == "float32" else "TensorE bf16 peak"
        rows.append(_row("gemm", f"{n}^3 {dt}", rep, "tensore_peak_fraction",
                         label, TRNSCI["gemm-1024"] if n == 1024 else "", note))
    # an edge-tile shape
    rep = gemm.estimate(1000, 700, 1300, "bfloat16")
    rows.append(_row("gemm", "1000x700x1300 bf16", rep, "tensore_peak_fraction",
                     "TensorE bf16 peak"))
    return rows


def fft_rows(quick):
    fft = _optional("kernels.fft")
    if fft is None:
        return [{"kernel": "fft", "size": "-", "note": "kernels/fft.py has no estimate yet"}]
    rows = []
    for n in ([128, 1024, 65536] if quick else [64, 128, 1024, 4096, 65536]):
        try:
            rep = fft.estimate(n)
        except Exception as e:           # a kernel still being written
            rows.append({"kernel": "fft", "size": f"N={n}", "note": f"estimate failed: {e}"})
            continue
        rows.append(_row("fft", f"N={n} c64", rep, "tensore_peak_fraction",
                         "TensorE peak (its matmuls)",
                         TRNSCI["fft-1024"] if n == 1024 else ""))
    return rows


# eigh before the block-Jacobi kernel (scalar round-robin Jacobi, rotations on VectorE;
# main at 0cf9b63, same cost model): trn2 overlapped ms per sweep, bound, program size
EIGH_BEFORE = {64: (0.307, "vector", 189),
               128: (0.839, "vector", 189),
               200: (2.119, "vector", 299),
               256: (3.176, "vector", 299),
               512: (15.309, "vector", 543)}


def eigh_rows(quick):
    eigh = _optional("kernels.eigh")
    if eigh is None:
        return [{"kernel": "eigh", "size": "-", "note": "kernels/eigh.py has no estimate yet"}]
    rows = []
    for n in ([128, 512] if quick else [64, 128, 200, 256, 512]):
        try:
            rep = eigh.estimate(n, sweeps=1)
        except Exception as e:
            rows.append({"kernel": "eigh", "size": f"n={n}", "note": f"estimate failed: {e}"})
            continue
        ms, bound, static = EIGH_BEFORE[n]
        e2 = rep["estimate"]["trn2"]
        eng = ", ".join(f"{k} {v * 1e3:.3g}" for k, v in e2["engine_s"].items())
        note = (f"one launch per sweep; before (scalar Jacobi): {ms:.3g} ms trn2, {bound}-bound, "
                f"{static} instr/launch -> {ms / (e2['overlapped_s'] * 1e3):.1f}x per sweep; "
                f"trn2 engine ms: {eng}")
        rows.append(_row("eigh", f"n={n}, one sweep", rep, "tensore_peak_fraction",
                         "TensorE peak (its matmuls)", note=note))
    return rows


def bsr_rows(quick):
    from kernels import bsr
    cases = [
        (1024, 1024, 128, 0.1, "float32"),
        (1024, 1024, 128, 0.1, "bfloat16"),
        (4096, 4096, 512, 0.1, "bfloat16"),
        (4096, 4096, 2048, 0.1, "bfloat16"),
        (8192, 8192, 1024, 0.05, "bfloat16"),
    ]
    if quick:
        cases = cases[:3]
    rows = []
    for M, K, N, dens, dt in cases:
        rep = bsr.estimate(M, K, N, dens, dt)
        e2 = rep["estimate"]["trn2"]
        dma_bound = e2["bottleneck"] == "dma"
        key = "dma_bw_fraction" if dma_bound else "tensore_peak_fraction_useful"
        label = "DMA bandwidth" if dma_bound else "TensorE peak (stored blocks)"
        rows.append(_row("bsr_spmm", f"{M}x{K} {int(dens * 100)}% blocks "
                         f"({rep['nblocks']}) @ N={N} {dt}", rep, key, label,
                         TRNSCI["bsr"] if M == 1024 else ""))
    return rows


def rng_rows(quick):
    from kernels import rng
    cases = [(1 << 16, "uniform"), (1 << 20, "uniform"), (1 << 20, "normal"),
             (1 << 20, "uint32"), (1 << 24, "uniform")]
    if quick:
        cases = cases[1:3]
    rows = []
    for n, mode in cases:
        rep = rng.estimate(n, mode)
        rate = rep["estimate"]["trn2"]["values_per_s"] / 1e9
        rows.append(_row("philox", f"n=2^{n.bit_length() - 1} {mode}", rep, "dma_bw_fraction",
                         "DMA bandwidth (output)", note=f"{rate:.2f} Gvalues/s trn2"))
    for n_blocks in ([1 << 16] if quick else [1 << 16, 1 << 18]):
        rep = rng.estimate64(n_blocks)
        rate = rep["estimate"]["trn2"]["values_per_s"] / 1e9
        rows.append(_row("philox4x64", f"{n_blocks} blocks (NumPy's stream)", rep,
                         "dma_bw_fraction", "DMA bandwidth (output)",
                         note=f"{rate:.2f} G uint64/s trn2"))
    # NumPy's transforms of its 32-bit draws in the kernel: float32 uniforms, bounded
    # integers (Lemire candidates + accept flags), float32 ziggurat fast path
    for mode, what in (("uniform", "f32 uniforms"), ("lemire", "integers (Lemire)"),
                       ("lemire64", "integers, ranges >= 2^32 (Lemire)"),
                       ("lemire16", "16-bit integers (Lemire)"),
                       ("lemire8", "8-bit integers (Lemire)"),
                       ("zig", "f32 normal/exp fast path")):
        rep = rng.estimate64(1 << 17, mode=mode)
        rate = rep["estimate"]["trn2"]["values_per_s"] / 1e9
        rows.append(_row("philox4x64", f"{1 << 17} blocks {what}", rep, "dma_bw_fraction",
                         "DMA bandwidth (output)", note=f"{rate:.2f} G values/s trn2"))
    return rows


def fmt_table(rows):
    hdr = ("| kernel | size | trn1 ms (overlap / serial) | trn2 ms (overlap / serial) | "
           "trn2 ms old model | DMA charge trn2 ms | bound trn2 (old -> new) | "
           "fraction trn1 / trn2 (trn2 old) | of | instr/launch | SBUF KiB/part | "
           "trnsci trn1 | note |")
    out = [hdr, "|" + "---|" * 13]
    for r in rows:
        if "trn1_overlapped_ms" not in r:
            out.append(f"| {r['kernel']} | {r['size']} |" + " - |" * 10
                       + f" {r.get('note', '')} |")
            continue
        out.append(
            f"| {r['kernel']} | {r['size']} | {r['trn1_overlapped_ms']:.4g} / "
            f"{r['trn1_serial_ms']:.4g} | {r['trn2_overlapped_ms']:.4g} / "
            f"{r['trn2_serial_ms']:.4g} | {r['trn2_old_overlapped_ms']:.4g} | "
            f"{r['dma_charge_trn2_ms']:.3g} | {r['bottleneck_trn2_old']} -> "
            f"{r['bottleneck_trn2']} | {100 * r['frac_trn1']:.1f}% / "
            f"{100 * r['frac_trn2']:.1f}% ({100 * r['frac_trn2_old']:.1f}%) | "
            f"{r['frac_of']} | {r['instr_per_launch']:.0f} / {r['executed_per_launch']:.0f} | "
            f"{r['peak_sbuf_kib']:.0f} | "
            f"{r['trnsci_trn1']} | {r['note']} |")
    return "\n".join(out)


def main(argv):
    quick = "--quick" in argv
    t0 = time.time()
    rows = []
    for fn in (gemm_rows, fft_rows, eigh_rows, bsr_rows, rng_rows):
        rows.extend(fn(quick))
    if "--json" in argv:
        print(json.dumps(rows, indent=1))
    else:
        print("Estimated time per kernel launch (cost model, launch overhead excluded); "
              "trnsci: published trn1 hardware figures incl. launch overhead.\n")
        print(fmt_table(rows))
        print(f"\n(report built in {time.time() - t0:.1f} s of emulator dry runs)")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
