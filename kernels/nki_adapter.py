"""The one place kernels get NKI from::

    from kernels.nki_adapter import nki, nl, nisa, REAL_NKI

``nki`` / ``nl`` / ``nisa`` are the real Neuron SDK modules (``nki``, ``nki.language``,
``nki.isa``) when a real SDK imports, and trnpy's emulator (:mod:`kernels.emulator`)
otherwise. PyPI's ``nki`` is an empty placeholder, so the real SDK is recognised by
``nki.language`` / ``nki.isa`` importing and providing the 0.3+ API. Nothing is patched
into ``sys.modules``.

``TRNPY_NKI=emulate`` forces the emulator even where the SDK is installed.
The choice is made once, at import time: kernels bind ``nl`` / ``nisa`` when their module
is imported.
"""
from __future__ import annotations

import os

__all__ = ["nki", "nl", "nisa", "REAL_NKI", "simulate", "backend_name"]


def _real_sdk():
    if os.environ.get("TRNPY_NKI", "").strip().lower() in ("emulate", "emulator", "0"):
        return None
    try:
        import nki as _nki
        import nki.isa as _isa
        import nki.language as _lang
    except Exception:       # missing, placeholder, or broken install
        return None
    needed_lang = ("ndarray", "affine_range", "sequential_range", "shared_hbm", "psum",
                   "sbuf", "float32", "bfloat16", "tile_size")
    needed_isa = ("nc_matmul", "nc_transpose", "dma_copy", "tensor_copy", "activation")
    if not (hasattr(_nki, "jit") and hasattr(_nki, "simulate")
            and all(hasattr(_lang, n) for n in needed_lang)
            and all(hasattr(_isa, n) for n in needed_isa)):
        return None
    return _nki, _lang, _isa


_real = _real_sdk()
if _real is not None:
    nki, nl, nisa = _real
    REAL_NKI = True
else:
    from kernels.emulator import nki, nisa, nl  # noqa: F401
    REAL_NKI = False


def backend_name() -> str:
    return "neuron-sdk" if REAL_NKI else "emulator"


def simulate(kernel, *args, **kwargs):
    """Run ``kernel`` on the CPU: the SDK's ``nki.simulate`` or trnpy's emulator."""
    return nki.simulate(kernel)(*args, **kwargs)
