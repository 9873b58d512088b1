"""Existing SciPy code on the NeuronCore, unchanged: ``trnpy.scipy_dispatch``.

``vibration`` and ``krylov_response`` below are ordinary SciPy code (``scipy.linalg.eigh``
of a generalized symmetric eigenproblem, ``scipy.linalg.solve``, and
``scipy.sparse.linalg.cg`` when ``trnpy.sparse.linalg`` provides it). The script runs them
twice: on NumPy arrays (SciPy in float64: the reference) and, with the dispatch on, on
trnpy arrays on the emulated neuron device (float32), where each SciPy call runs trnpy's
implementation on the device (eigh on the NKI eigh kernel). It prints where each op ran
(the SciPy calls routed to trnpy, then ``trnpy.routing_report()``: which ops ran on an NKI
kernel, on torch or on the host) and the error against the NumPy run, next to the error
of the same script on NumPy in float32 (SciPy's own float32 accuracy, for scale).

    python3 examples/scipy_on_device.py [n]        # TRNPY_DEVICE=cuda picks another device

The eigh kernel takes matrices from n = 128 (``trnpy.kernel_thresholds``), the default
size here; ``main(n, force=True)`` uses the kernels for any n (the emulator is slow).
"""
import contextlib
import os
import sys

import numpy as np

import trnpy
from trnpy._scipy_dispatch import calls as routed_calls

# Turn the dispatch on first, then bind SciPy's names: a name bound before the dispatch
# was on is SciPy's own function and would not route.
trnpy.scipy_dispatch(True)
import scipy.sparse                     # noqa: E402
import scipy.sparse.linalg              # noqa: E402
from scipy.linalg import eigh, solve    # noqa: E402


# -- the unmodified SciPy code ------------------------------------------------------------
def vibration(K, M, f):
    """Natural frequencies and modes of a mass-spring chain (K v = w M v) and its static
    displacement under the load f."""
    w, modes = eigh(K, M)
    u = solve(K, f, assume_a="pos")
    return w, modes, u


def krylov_response(K, f):
    """The static displacement again, by conjugate gradients on the sparse stiffness."""
    return scipy.sparse.linalg.cg(K, f, rtol=1e-5, maxiter=10 * K.shape[0])


# -- the problem, and the two runs ---------------------------------------------------------
def chain(n, seed=0):
    """Stiffness K (tridiagonal, springs of random stiffness), consistent mass matrix M and
    a random load f of an n-mass chain fixed at both ends."""
    rng = np.random.default_rng(seed)
    k = rng.uniform(1.0, 2.0, n + 1)
    m = rng.uniform(1.0, 2.0, n)
    K = np.diag(k[:-1] + k[1:]) - np.diag(k[1:-1], 1) - np.diag(k[1:-1], -1)
    M = np.diag(4 * m) / 6 + (np.diag(m[1:], 1) + np.diag(m[1:], -1)) / 12 + np.diag(m) / 3
    return K, M, rng.standard_normal(n)


def main(n=128, device=None, force=False):
    dev = device or trnpy.device(os.environ.get("TRNPY_DEVICE", "neuron"),
                                 **({} if "TRNPY_DEVICE" in os.environ else
                                    {"emulate": True}))
    fdt = dev.default_dtype("real floating")
    K, M, f = chain(n)
    ref_w, ref_v, ref_u = vibration(K, M, f)                      # SciPy on NumPy

    trnpy.reset_routes()
    routed_calls(clear=True)
    on = [trnpy.asarray(x.astype(fdt), device=dev) for x in (K, M, f)]
    with trnpy.force_kernels() if force else contextlib.nullcontext():
        w, v, u = (trnpy.asnumpy(r) for r in vibration(*on))   # SciPy's calls, on dev
    v = v * np.sign(np.sum(v * ref_v, axis=0))                 # modes: up to sign
    err = {"eigenvalues": np.abs(w - ref_w).max() / np.abs(ref_w).max(),
           "modes": np.abs(v - ref_v).max() / np.abs(ref_v).max(),
           "solve": np.abs(u - ref_u).max() / np.abs(ref_u).max()}
    w32, v32, u32 = vibration(*(x.astype(fdt) for x in (K, M, f)))   # SciPy, NumPy fdt
    v32 = v32 * np.sign(np.sum(v32 * ref_v, axis=0))
    base = {"eigenvalues": np.abs(w32 - ref_w).max() / np.abs(ref_w).max(),
            "modes": np.abs(v32 - ref_v).max() / np.abs(ref_v).max(),
            "solve": np.abs(u32 - ref_u).max() / np.abs(ref_u).max()}
    sparse_linalg = getattr(trnpy.sparse, "linalg", None)
    if sparse_linalg is not None and hasattr(sparse_linalg, "cg"):
        Ks = scipy.sparse.csr_array(K)
        ref_c, _ = krylov_response(Ks, f)
        with trnpy.force_kernels() if force else contextlib.nullcontext():
            c, info = krylov_response(trnpy.sparse.csr_array(Ks.astype(fdt), device=dev),
                                      on[2])
        err["cg"] = np.abs(trnpy.asnumpy(c) - ref_c).max() / np.abs(ref_c).max()
        err["cg info"] = info
        c32, _ = krylov_response(Ks.astype(fdt), f.astype(fdt))
        base["cg"] = np.abs(c32 - ref_c).max() / np.abs(ref_c).max()
    print(f"{n}-mass chain on {dev} ({np.dtype(fdt).name}) vs SciPy on NumPy (float64)")
    print(routed_calls())
    print(trnpy.routing_report())
    print(f"  {'error':<12} {'on ' + str(dev):>12} {'NumPy ' + np.dtype(fdt).name:>14}")
    for name, e in err.items():
        print(f"  {name:<12} {e:>12.2e} {base[name]:>14.2e}" if "info" not in name
              else f"  {name:<12} {e:>12}")
    return err


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 128)
