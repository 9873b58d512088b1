"""Cost model of the NKI emulator: instruction counts per engine turned into estimated
trn1 / trn2 times.

Model (all constants per NeuronCore; sources in the comments, collected in
``shared/nki-notes.md``):

* TensorE (``nc_matmul``, TensorE ``nc_transpose``): ``max(N_moving, 64)`` cycles per
  instruction for bf16/fp16/fp8 operands, 4x that for fp32 operands, at 2.8 GHz (trn1,
  NeuronCore-v2) / 2.4 GHz (trn2, NeuronCore-v3).
  Source: ``nki/guides/architecture/trainium_inferentia2_arch.rst`` (TensorE "Cost
  Model": initiation interval ``max(N, MM_INIT_LATENCY)``, MM_INIT_LATENCY = 64 cycles,
  fp32 about 4x; engine table: Tensor 2.8 GHz) and ``trainium2_arch.rst`` (Tensor 2.4
  GHz). Cross-check: 128*128*2*2.4e9 = 78.6 TFLOP/s = the published 79 TFLOP/s bf16 of
  NC-v3; 128*128*2*2.8e9 = 91.8 TFLOP/s for NC-v2 (AWS docs: about 90 bf16).
* VectorE: ``N`` cycles for one input tensor, ``2N`` for two (``tensor_tensor``), ``N`` =
  elements per partition, plus the 100-cycle static instruction overhead, at 1.12 GHz
  (trn1) / 0.96 GHz (trn2). Source: ``trainium_inferentia2_arch.rst`` (VectorE "Cost
  Model", engine table) and ``trainium2_arch.rst`` (Vector 0.96 GHz). We always add the
  overhead (conservative; the guide adds it for small or dependent instructions).
* ScalarE: ``max(N, 64)`` cycles at 1.4 GHz (trn1) / 1.2 GHz (trn2). Source:
  ``nki/api/nki.api.shared.rst`` ("Estimated cycles": ``max(MIN_II, N)``, MIN_II about
  64 cycles) and the two architecture guides (clocks).
* GpSimdE: no public per-instruction figure; *assumption*: costed like VectorE (``N``
  cycles + 100 fixed) at its 1.4 GHz (trn1, ``trainium_inferentia2_arch.rst``) /
  assumed 1.2 GHz (trn2). Only ``iota`` and explicit ``engine=gpsimd`` work lands here.
* DMA: 16 DMA queues per NeuronCore, 17 B/ns (trn1) / 23 B/ns (trn2) each, i.e.
  272 / 368 GB/s per NeuronCore, plus about 1.3 us fixed cost per transfer (the
  "~1300 ns cross-engine semaphore-to-start latency"). Source:
  ``nki/deep-dives/nki-dma-bandwidth-guide.rst`` (table of B/ns and engine counts;
  payloads >= 2-4 KiB per partition amortise the fixed cost).
  *Our choice for the 16 queues*: the bandwidth is one shared pool of 272/368 GB/s, and
  the fixed cost overlaps across the 16 queues, so the DMA queue time is
  ``total_bytes / BW + n_transfers * 1.3 us / 16``. The serial bound charges the full
  ``1.3 us`` per transfer.

* DMA efficiency (small transfers): ``nki/deep-dives/nki-dma-bandwidth-guide.rst``
  (v2.29.0, "Bandwidth vs. Payload Size") gives a saturation curve of achieved bandwidth
  over the contiguous payload per partition per transfer: < 256 B "severely
  overhead-bound", 256 B - 2 KiB "improving but still below peak", >= 2 KiB "approaches
  peak", >= 4 KiB "fully amortizes". *Our fit* to it: efficiency ``b / (b + 512 B)``
  (128 B: 0.20, 256 B: 0.33, 2 KiB: 0.80, 4 KiB: 0.89), ``b`` = contiguous bytes per
  partition of the transfer (the on-chip side's bytes per partition, capped by the HBM
  side's longest contiguous run). The DMA queue is charged ``bytes / (BW * eff)``; the
  extra time over ``bytes / BW`` is reported separately as ``dma_small_charge_s``, and
  ``Profile.report()["estimate_no_dma_efficiency"]`` keeps the model without it.

Estimates: *overlapped* = max over the engine queues (TensorE, VectorE, ScalarE,
GpSimdE, DMA) — every engine runs concurrently and perfectly pipelined; *serial* = the sum
of the per-engine times (no overlap at all). The truth on hardware lies in between,
close to the overlapped bound for a well-pipelined kernel. Kernel launch overhead
(about 1-2 ms through torch-xla) is not included.
"""
from __future__ import annotations

ENGINES = ("tensor", "vector", "scalar", "gpsimd", "dma")
TARGETS = ("trn1", "trn2")

CLOCK_HZ = {
    "trn1": {"tensor": 2.8e9, "vector": 1.12e9, "scalar": 1.4e9, "gpsimd": 1.4e9},
    "trn2": {"tensor": 2.4e9, "vector": 0.96e9, "scalar": 1.2e9, "gpsimd": 1.2e9},
}
DMA_BW = {"trn1": 16 * 17e9, "trn2": 16 * 23e9}     # bytes/s per NeuronCore
DMA_QUEUES = 16
DMA_FIXED_S = 1.3e-6
DMA_HALF_EFF_BYTES = 512        # payload per partition at which DMA efficiency is 1/2
PE_MIN_CYCLES = 64
PE_FP32_FACTOR = 4
VE_FIXED_CYCLES = 100
ACT_MIN_CYCLES = 64
POOL_FIXED_CYCLES = 100
PE_ROWS = PE_COLS = 128


def tensor_peak_flops(target, fp32=False):
    """Dense TensorE peak: 128x128 MACs per cycle (fp32 operands at 1/4 rate)."""
    f = 2 * PE_ROWS * PE_COLS * CLOCK_HZ[target]["tensor"]
    return f / PE_FP32_FACTOR if fp32 else f


def pe_cycles(n_moving, fp32=False):
    return max(int(n_moving), PE_MIN_CYCLES) * (PE_FP32_FACTOR if fp32 else 1)


def dma_efficiency(chunk_bytes):
    """Achieved / peak DMA bandwidth for ``chunk_bytes`` contiguous bytes per partition."""
    b = max(float(chunk_bytes), 1.0)
    return b / (b + DMA_HALF_EFF_BYTES)


def ve_cycles(n, n_inputs=1):
    return max(int(n_inputs), 1) * int(n), VE_FIXED_CYCLES


def act_cycles(n):
    return max(int(n), ACT_MIN_CYCLES), 0


def pool_cycles(n, n_inputs=1):
    # as VectorE's (the stated assumption), two-input ops included
    return max(int(n_inputs), 1) * int(n), POOL_FIXED_CYCLES


class Profile:
    """Accumulates the instruction stream of the kernels run while it is active."""

    def __init__(self):
        self.counts = {e: 0 for e in ENGINES}
        self.static_instructions = 0    # program size (dynamic_range bodies once)
        self.by_op = {}
        self.cycles = {e: 0.0 for e in ENGINES if e != "dma"}
        self.dma_bytes = 0
        self.dma_eff_bytes = 0.0        # sum of bytes / efficiency
        self.dma_chunks = {}            # contiguous bytes per partition -> transfers
        self.matmul_flops = 0
        self.fp32_matmul_flops = 0
        self.peak_sbuf_bytes_pp = 0
        self.peak_psum_banks = 0
        self.kernels = 0

    def record(self, engine, op, cycles, dma_bytes, flops, fixed_cycles, dma_chunk=0):
        self.counts[engine] += 1
        self.by_op[op] = self.by_op.get(op, 0) + 1
        if engine == "dma":
            self.dma_bytes += int(dma_bytes)
            chunk = int(dma_chunk) or int(dma_bytes)
            self.dma_eff_bytes += int(dma_bytes) / dma_efficiency(chunk)
            self.dma_chunks[chunk] = self.dma_chunks.get(chunk, 0) + 1
        else:
            self.cycles[engine] += float(cycles) + float(fixed_cycles)
        if flops:
            if op.endswith("fp32"):
                self.fp32_matmul_flops += flops
            else:
                self.matmul_flops += flops

    def estimate(self, target, dma_efficiency=True):
        eng = {e: self.cycles[e] / CLOCK_HZ[target][e] for e in self.cycles}
        n = self.counts["dma"]
        bw = self.dma_bytes / DMA_BW[target]
        charge = (self.dma_eff_bytes / DMA_BW[target] - bw) if dma_efficiency else 0.0
        eng["dma"] = bw + charge + n * DMA_FIXED_S / DMA_QUEUES
        serial = sum(v for e, v in eng.items() if e != "dma") + bw + charge + n * DMA_FIXED_S
        overlapped = max(eng.values()) if eng else 0.0
        ideal = (self.matmul_flops / tensor_peak_flops(target)
                 + self.fp32_matmul_flops / tensor_peak_flops(target, fp32=True))
        return {
            "engine_s": eng,
            "overlapped_s": overlapped,
            "serial_s": serial,
            "bottleneck": max(eng, key=eng.get) if eng else None,
            "dma_small_charge_s": charge,
            "tensore_ideal_s": ideal,
            "tensore_peak_fraction": (ideal / overlapped) if overlapped else 0.0,
        }

    def report(self):
        return {
            "instructions": dict(self.counts),
            "static_instructions": self.static_instructions,
            "instructions_by_op": dict(sorted(self.by_op.items())),
            "dma_bytes": self.dma_bytes,
            "dma_transfers": self.counts["dma"],
            "dma_transfers_by_bytes_per_partition": dict(sorted(self.dma_chunks.items())),
            "matmul_flops": self.matmul_flops + self.fp32_matmul_flops,
            "peak_sbuf_bytes_per_partition": self.peak_sbuf_bytes_pp,
            "peak_psum_banks": self.peak_psum_banks,
            "kernels": self.kernels,
            "estimate": {t: self.estimate(t) for t in TARGETS},
            "estimate_no_dma_efficiency": {t: self.estimate(t, False) for t in TARGETS},
        }
