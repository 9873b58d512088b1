"""A short trnpy demo: a linear solve, an FFT and an eigh on the default device,
each checked against NumPy. Run with TRNPY_DEVICE=cuda (or neuron) to pick a device."""
import os

import numpy as np

import trnpy

dev = trnpy.device(os.environ.get("TRNPY_DEVICE", "cpu"))
rng = np.random.default_rng(0)
n = 256
fdt = dev.default_dtype("real floating")

with dev:
    a_np = (rng.standard_normal((n, n)) + n * np.eye(n)).astype(fdt)
    b_np = rng.standard_normal(n).astype(fdt)
    a, b = trnpy.asarray(a_np), trnpy.asarray(b_np)
    print(f"trnpy {trnpy.__version__} on {dev} (default float: {np.dtype(fdt).name})")

    x = trnpy.linalg.solve(a, b)
    ref = np.linalg.solve(a_np, b_np)
    print(f"solve  n={n}:      max rel error vs NumPy {np.abs(trnpy.asnumpy(x) - ref).max() / np.abs(ref).max():.2e}")

    sig_np = rng.standard_normal(4096).astype(fdt)
    f = trnpy.fft.fft(trnpy.asarray(sig_np))
    ref = np.fft.fft(sig_np)
    print(f"fft    N=4096:     max rel error vs NumPy {np.abs(trnpy.asnumpy(f) - ref).max() / np.abs(ref).max():.2e}")

    s_np = a_np + a_np.T
    w, v = trnpy.linalg.eigh(trnpy.asarray(s_np))
    ref_w = np.linalg.eigh(s_np)[0]
    resid = np.abs(s_np @ trnpy.asnumpy(v) - trnpy.asnumpy(v) * trnpy.asnumpy(w)).max()
    print(f"eigh   n={n}:      max rel eigenvalue error {np.abs(trnpy.asnumpy(w) - ref_w).max() / np.abs(ref_w).max():.2e}, "
          f"residual |AV - VW| {resid:.2e}")

ran = sorted({f"{op}->{where}" for (op, where), n in trnpy.ROUTES.items() if n})
print("where the routed ops ran:", ", ".join(ran))
