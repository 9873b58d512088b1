"""The NKI kernel registry: which trnpy ops have a kernel on the neuron device, what the
kernel can take, and the adapters that run it.

:func:`trnpy._dispatch.route` is the one place that decides where an op runs; it asks
the adapter registered here under the op's name (:data:`KERNELS`) whether the kernel
can take the operands (``unsupported``) and how big the problem is (``size``), and
compares that with :data:`kernel_thresholds`. The op then calls :func:`run`.

The matmul and fft adapters are tensor-level: they take torch tensors (and the trnpy
device as ``device=``) and return tensors, so that the choke points every public op of a
family goes through (:func:`trnpy._gemm.gemm` for the GEMM family, ``route("fft")`` in
``trnpy.fft`` and :func:`trnpy.fft._core.transform` for the FFT family) work on tensors.
The eigh adapter takes tensors too, and still the TrnArrays its callers pass.

* Emulated neuron device (data in host memory): the adapter hands host NumPy views to
  the kernels' Python entry points (``kernels.gemm.gemm``, ``kernels.fft.fft``,
  ``kernels.eigh.eigh_batched``), which run the NKI kernels in the emulator.
* Real neuron device: the adapter passes the XLA tensors to the ``@nki.jit`` kernels.
  UNTESTED here (no Neuron SDK or hardware); written plainly from the kernels' own host
  code.

Everything around a kernel (1-D operands, batch broadcasting, ``n=`` padding, axis moves,
``norm=`` scaling, Hermitian completion for c2r transforms) is torch code shared by both
modes, so the emulated device exercises the same glue as the real one.

Policy, all read by ``route``:

* :data:`kernel_thresholds` (``trnpy.kernel_thresholds``): op -> the smallest problem
  size sent to the kernel (launch overhead through torch-xla is ~1-2 ms, so small
  problems run faster with torch). Defaults: ``matmul`` 512**3 multiply-adds (batch *
  M * K * N), ``eigh`` n >= 128 (one launch per Jacobi sweep, ~10 sweeps), ``fft``
  65536 points (product of the output shape), ``bsr_spmm`` 512**3 multiply-adds of
  the stored 128x128 blocks (nblocks * 128 * 128 * N). Change with
  :func:`set_kernel_threshold`.
  Below the threshold an op runs on torch: a choice, not a fallback.
* :func:`force_kernels`: ignore the thresholds inside the block (tests).
* :func:`strict_kernels` or ``TRNPY_STRICT_KERNELS=1``: an op with a kernel that cannot
  use it (dtype, size or shape limits) raises :class:`KernelFallbackError` instead of
  running on torch. Outside strict mode the fallback runs on torch and is recorded in
  ``ROUTES`` and :data:`FALLBACKS`.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import os
from collections import Counter

import numpy as np
from . import _torch
from ._torch import torch

from . import _dtypes
from ._array import TrnArray
from ._dtypes import to_torch

__all__ = ["KernelFallbackError", "kernel_thresholds", "set_kernel_threshold",
           "force_kernels", "strict_kernels", "routing_report", "reset_routes"]


class KernelFallbackError(RuntimeError):
    """Strict mode: an op that has an NKI kernel would run elsewhere."""


#: op -> minimum problem size (see the module docstring for each op's measure).
DEFAULT_THRESHOLDS = {"matmul": 512 ** 3, "eigh": 128, "fft": 65536}
kernel_thresholds: dict = dict(DEFAULT_THRESHOLDS)

#: where each routed op ran: ROUTES[(op, where)] -> count. Read by users and tests.
ROUTES: Counter = Counter()

#: why ops on the neuron device did not run their kernel: FALLBACKS[(op, reason)] -> count
FALLBACKS: Counter = Counter()

_FORCE = contextvars.ContextVar("trnpy_force_kernels", default=False)
_STRICT = contextvars.ContextVar("trnpy_strict_kernels", default=None)


def set_kernel_threshold(op: str, min_size: int) -> None:
    """Send ``op`` to its kernel only for problems of at least ``min_size`` (0: always)."""
    if op not in KERNELS:
        raise ValueError(f"no NKI kernel is registered for {op!r}; "
                         f"ops with kernels: {sorted(KERNELS)}")
    if int(min_size) < 0:
        raise ValueError("min_size must be >= 0")
    kernel_thresholds[op] = int(min_size)


@contextlib.contextmanager
def scoped(var: contextvars.ContextVar, value):
    """``var`` set to ``value`` inside the block (the policy switches' one mechanism)."""
    tok = var.set(value)
    try:
        yield
    finally:
        var.reset(tok)


def force_kernels(enabled: bool = True):
    """Inside the block, ops that can use a kernel do so whatever their size."""
    return scoped(_FORCE, bool(enabled))


def strict_kernels(enabled: bool = True):
    """Inside the block, a fallback from a kernel raises :class:`KernelFallbackError`."""
    return scoped(_STRICT, bool(enabled))


def forced() -> bool:
    return _FORCE.get()


def strict() -> bool:
    s = _STRICT.get()
    if s is not None:
        return s
    return os.environ.get("TRNPY_STRICT_KERNELS", "").strip().lower() in ("1", "true", "yes")


HOST_WHY = "no device implementation: runs on the host through SciPy"


def host_step(key: str, shown: str, device, why: str = HOST_WHY) -> None:
    """Count a step that runs on host data through SciPy under ``key`` in ``ROUTES``
    (off the CPU also in ``FALLBACKS``); on the neuron device in strict mode refuse it,
    naming ``shown``, before any data moves."""
    if device.kind == "neuron" and strict():
        raise KernelFallbackError(
            f"{shown} on {device} has no device implementation and would run on the host "
            "through SciPy (strict kernel mode: trnpy.strict_kernels() / "
            "TRNPY_STRICT_KERNELS=1)")
    if device.kind != "cpu":
        FALLBACKS[(key, why)] += 1
    ROUTES[(key, "numpy")] += 1


def reset_routes() -> None:
    """Clear the routing counters (``trnpy.ROUTES`` and the fallback reasons)."""
    ROUTES.clear()
    FALLBACKS.clear()


def routing_report() -> str:
    """A readable table of where each op ran, with fallback reasons and thresholds."""
    ops = sorted({op for op, _ in ROUTES})
    lines = [f"{'op':<24}{'kernel':>8}{'torch':>8}{'numpy':>8}"]
    for op in ops:
        c = [ROUTES.get((op, w), 0) for w in ("kernel", "torch", "numpy")]
        lines.append(f"{op:<24}{c[0]:>8}{c[1]:>8}{c[2]:>8}")
    if FALLBACKS:
        lines.append("not on a kernel (neuron device):")
        for (op, why), n in sorted(FALLBACKS.items()):
            lines.append(f"  {op}: {n} x {why}")
    lines.append("kernel thresholds: " + ", ".join(
        f"{op} >= {v}" for op, v in sorted(kernel_thresholds.items()))
        + (" (forced: thresholds ignored)" if forced() else "")
        + (" [strict]" if strict() else ""))
    return "\n".join(lines)


def run(op, *operands, **params):
    """Run ``op``'s kernel (``route`` answered ``"kernel"``)."""
    return KERNELS[op](*operands, **params)


# ---------------------------------------------------------------------------
# helpers
def _sdk_missing(device):
    """Why a real neuron device cannot launch kernels, or None."""
    if device.emulated:
        return None
    from kernels.nki_adapter import REAL_NKI  # lazy: kernels/ (NKI kernels, emulator) load on first launch
    if not REAL_NKI:
        return "the Neuron SDK's nki (nki.language / nki.isa) does not import"
    return None


def _np_dtype(x) -> np.dtype:
    """NumPy dtype of a torch tensor or of a TrnArray."""
    if _torch.is_tensor(x):
        return _dtypes.from_torch(x.dtype)
    return np.dtype(x.dtype)


def _dtype_names(*xs):
    return " and ".join(str(_np_dtype(x)) for x in xs)


def _host(t: torch.Tensor) -> np.ndarray:
    """NumPy view of an emulated-device tensor (host memory)."""
    return t.detach().resolve_conj().resolve_neg().contiguous().numpy()


def _fit(t, n, axis):
    """NumPy's ``n=`` rule: truncate or zero-pad ``t`` along ``axis`` to length ``n``."""
    m = t.shape[axis]
    if m >= n:
        return t.narrow(axis, 0, n)
    shape = list(t.shape)
    shape[axis] = n - m
    return torch.cat([t, torch.zeros(shape, dtype=t.dtype, device=t.device)], dim=axis)


# ---------------------------------------------------------------------------
# matmul
class _Matmul:
    op = "matmul"
    DTYPES = (np.dtype(np.float32), np.dtype(np.float16))

    def unsupported(self, device, a, b):
        if _np_dtype(a) not in self.DTYPES or _np_dtype(b) not in self.DTYPES:
            return (f"the GEMM kernel takes float32/float16 operands, got "
                    f"{_dtype_names(a, b)}")
        return _sdk_missing(device)

    def size(self, a, b):
        batch = np.broadcast_shapes(a.shape[:-2] if a.ndim > 2 else (),
                                    b.shape[:-2] if b.ndim > 2 else ())
        m = a.shape[-2] if a.ndim > 1 else 1
        n = b.shape[-1] if b.ndim > 1 else 1
        return math.prod(batch) * m * a.shape[-1] * n

    def __call__(self, a, b, *, device):
        """``a @ b`` (matmul's shape rules) of float32/float16 tensors: a tensor of
        their promoted dtype."""
        dev = device
        ta, tb = a, b
        rdt = torch.promote_types(ta.dtype, tb.dtype)
        va, vb = ta.dim() == 1, tb.dim() == 1
        if va:
            ta = ta[None, :]
        if vb:
            tb = tb[:, None]
        if ta.dtype != tb.dtype:          # mixed float16/float32: the kernel takes one dtype
            ta, tb = ta.float(), tb.float()
        batch = torch.broadcast_shapes(ta.shape[:-2], tb.shape[:-2])
        M, K, N = ta.shape[-2], ta.shape[-1], tb.shape[-1]
        nb = math.prod(batch)
        a3 = ta.expand(batch + (M, K)).reshape(nb, M, K)
        b3 = tb.expand(batch + (K, N)).reshape(nb, K, N)
        if a3.shape[0] == 0 or M == 0 or N == 0 or K == 0:
            c3 = torch.zeros((a3.shape[0], M, N), dtype=torch.float32, device=ta.device)
        elif dev.emulated:
            from kernels.gemm import gemm  # lazy: kernels/ (NKI kernels, emulator) load on first launch
            c3 = torch.from_numpy(gemm(_host(a3), _host(b3)))
        else:
            c3 = _gemm_real(a3, b3)
        c = c3.reshape(batch + (M, N))
        if vb:
            c = c[..., 0]
        if va:
            c = c[..., 0, :] if not vb else c[..., 0]
        return c.to(rdt).contiguous()


def _new(t, rdt, dev):
    return TrnArray._new(t.to(to_torch(np.dtype(rdt))).contiguous(), dev)


def _gemm_real(a3, b3):
    # UNTESTED (needs the Neuron SDK and a NeuronCore): XLA tensors straight into the
    # @nki.jit kernel, one launch for the whole batch.
    from kernels.gemm import gemm_kernel  # lazy: kernels/ (NKI kernels, emulator) load on first launch
    return gemm_kernel(a3.contiguous(), b3.contiguous())


# ---------------------------------------------------------------------------
# eigh / eigvalsh
class _Eigh:
    op = "eigh"

    def unsupported(self, device, x, UPLO="L"):
        from kernels.eigh import NMAX  # lazy: kernels/ (NKI kernels, emulator) load on first launch
        if _np_dtype(x) != np.float32:
            return f"the eigh kernel takes real float32 input, got {_np_dtype(x)}"
        n = x.shape[-1]
        if n + n % 2 > NMAX:
            return f"the eigh kernel handles n <= {NMAX}, got n = {n}"
        return _sdk_missing(device)

    def size(self, x, UPLO="L"):
        return x.shape[-1]

    def __call__(self, x, UPLO="L", eigvals_only=False, *, device=None):
        """Tensors (w, v) for a tensor ``x`` (on ``device``); TrnArrays for a TrnArray."""
        tensors = _torch.is_tensor(x)
        dev, t = (device, x) if tensors else (x._device, x._t)
        if UPLO == "U":
            t = t.mT                     # the upper triangle of A is the lower of A^T
        n = t.shape[-1]
        batch = tuple(t.shape[:-2])
        if t.numel() == 0:
            w = torch.zeros(batch + (n,), dtype=torch.float32)
            v = torch.zeros(batch + (n, n), dtype=torch.float32)
        elif dev.emulated:
            from kernels.eigh import eigh_batched  # lazy: kernels/ (NKI kernels, emulator) load on first launch
            w, v = eigh_batched(_host(t))
            w, v = torch.from_numpy(w), torch.from_numpy(v)
        else:
            w, v = _eigh_real(t)
        if tensors:
            w, v = w.to(torch.float32).contiguous(), v.to(torch.float32).contiguous()
        else:
            w, v = _new(w, np.float32, dev), _new(v, np.float32, dev)
        if eigvals_only:
            return w
        return w, v


def _eigh_real(t):
    # UNTESTED (needs the Neuron SDK and a NeuronCore): the host loop of kernels.eigh.eigh
    # with the sweep kernel launched on XLA tensors; the convergence test reads one
    # scalar back per sweep.
    from kernels import eigh as ke  # lazy: kernels/ (NKI kernels, emulator) load on first launch
    n = t.shape[-1]
    flat = t.reshape(-1, n, n)
    ws, vs = [], []
    for i in range(flat.shape[0]):
        ap, n, B, T, scale = ke._prepare(flat[i].cpu().numpy())
        consts = torch.from_numpy(ke._consts(B, T)).to(t.device)
        moves = ke._moves(T)
        A = torch.from_numpy(ap).to(t.device)
        Vt = torch.eye(B * T, dtype=torch.float32, device=t.device)
        fro = float(np.sqrt((ap.astype(np.float64) ** 2).sum()))
        history = []
        for _ in range(30):
            A, Vt, off2 = ke.jacobi_sweep_kernel(A, Vt, consts, moves, T, B)
            off = math.sqrt(max(float(off2.reshape(-1)[0].cpu()), 0.0))
            history.append(off)
            if fro == 0 or ke._converged(off, fro, history, ke.FP32_EPS):
                break
        V, wr = ke.refine_kernel(torch.from_numpy(ap).to(t.device), Vt)
        w, v = ke._finish(A.cpu().numpy(), V.cpu().numpy(), n, scale, wr.cpu().numpy())
        ws.append(torch.from_numpy(w))
        vs.append(torch.from_numpy(v))
    w = torch.stack(ws).reshape(t.shape[:-1]).to(t.device)
    v = torch.stack(vs).reshape(t.shape).to(t.device)
    return w, v


# ---------------------------------------------------------------------------
# fft family
@functools.lru_cache(maxsize=256)
def _fft_plan_error(n):
    from kernels.fft import plan  # lazy: kernels/ (NKI kernels, emulator) load on first launch
    try:
        plan(n)
    except NotImplementedError as e:
        return str(e)
    return None


class _FFT:
    """``name`` in fft/ifft/rfft/irfft/hfft/ihfft; ``sizes``/``axes`` one entry per 1-D
    step (``fftn`` etc. pass several; ``name`` is then the 1-D base transform); ``axes``
    non-negative."""
    op = "fft"
    DTYPES = (np.dtype(np.float32), np.dtype(np.complex64))

    def unsupported(self, device, x, name, sizes, axes, norm=None):
        if _np_dtype(x) not in self.DTYPES:
            return f"the FFT kernel takes float32/complex64 input, got {_np_dtype(x)}"
        for n in sizes:
            why = _fft_plan_error(int(n))
            if why is not None:
                return why
        return _sdk_missing(device)

    def size(self, x, name, sizes, axes, norm=None):
        shape = list(x.shape)
        for n, a in zip(sizes, axes):
            shape[a] = n
        return math.prod(shape)

    def __call__(self, x, name, sizes, axes, norm=None, *, device):
        """The transform of tensor ``x`` (float32 or complex64) on ``device``: a
        complex64 tensor (float32 for c2r transforms)."""
        dev = device
        t = x
        if name == "fft" or name == "ifft":
            for i in reversed(range(len(axes))):          # NumPy's fftn order
                t = self._c2c(dev, t, sizes[i], axes[i], name == "ifft", norm)
        elif name == "rfft" or name == "ihfft":
            t = self._r2c(dev, t, sizes[-1], axes[-1], name == "ihfft", norm)
            for i in reversed(range(len(axes) - 1)):      # rfftn: fft over the rest
                t = self._c2c(dev, t, sizes[i], axes[i], False, norm)
        else:                                             # irfft, hfft (and irfftn)
            for i in range(len(axes) - 1):
                t = self._c2c(dev, t, sizes[i], axes[i], True, norm)
            t = self._c2r(dev, t, sizes[-1], axes[-1], name == "irfft", norm)
        return t.contiguous()

    # -- 1-D steps on tensors --------------------------------------------------------
    def _c2c(self, dev, t, n, axis, inverse, norm):
        t = _fit(t, n, axis)
        return _scale(_fft_axis(dev, t, axis, inverse), n, inverse, norm)

    def _r2c(self, dev, t, n, axis, inverse, norm):
        # the transform of real input, first n//2 + 1 terms (ihfft: the inverse's)
        t = _fit(t, n, axis)
        y = _scale(_fft_axis(dev, t, axis, inverse, r2c=True), n, inverse, norm)
        return y.narrow(axis, 0, n // 2 + 1)

    def _c2r(self, dev, t, n, axis, inverse, norm):
        # Hermitian completion to n points, then the real part of the c2c transform
        # (imaginary parts of the DC / Nyquist terms drop out, as in pocketfft's c2r)
        t = _fit(t.to(torch.complex64), n // 2 + 1, axis)
        fin, nonfin = _split_finite(t)
        if nonfin is not None:
            # as in _fft_axis, with pocketfft's c2r transform of the non-finite parts
            y = self._c2r(dev, fin, n, axis, inverse, norm)
            z = (np.fft.irfft if inverse else np.fft.hfft)(_host(nonfin.cpu()), n,
                                                             axis=axis, norm=norm)
            z = torch.from_numpy(np.asarray(z, dtype=np.float32)).to(y.device)
            return torch.where(torch.isfinite(z), y, z)
        tail = t.narrow(axis, 1, (n - 1) // 2).flip(axis).conj()
        full = torch.cat([t, tail], dim=axis)
        y = _scale(_fft_axis(dev, full, axis, inverse), n, inverse, norm)
        return y.real.contiguous()


def _scale(y, n, inverse, norm):
    """The kernel's forward is unscaled and its inverse scaled by 1/n ("backward")."""
    norm = norm or "backward"
    if norm == "backward":
        return y
    if norm == "ortho":
        f = math.sqrt(n) if inverse else 1.0 / math.sqrt(n)
    else:                                                  # "forward"
        f = float(n) if inverse else 1.0 / n
    if y.is_complex():      # per part: torch's complex * real makes inf * 0 = NaN
        return torch.complex(y.real * f, y.imag * f)
    return y * f


def _fft_axis(dev, t, axis, inverse, r2c=False):
    """1-D complex64 transform of ``t`` along ``axis`` by the kernel (one launch);
    ``r2c``: only the first n//2 + 1 terms will be used (NumPy's rfft/ihfft)."""
    t = t.movedim(axis, -1)
    shape = t.shape
    fin, nonfin = _split_finite(t)
    if nonfin is not None:
        # inf/NaN: the kernel's twiddle products would make inf * 0 = NaN everywhere.
        # Transform the finite part on the kernel; where pocketfft's transform of the
        # non-finite parts alone is inf/NaN, NumPy's result is that (finite values never
        # cancel an inf), elsewhere that transform is an exact 0
        y = _fft_axis(dev, fin, -1, inverse)
        z = _host(nonfin.cpu())
        if r2c:         # pocketfft's real transform, zero-padded to n terms
            z = np.fft.ihfft(z) if inverse else np.fft.rfft(z)
            z = np.concatenate([z, np.zeros(z.shape[:-1] + (t.shape[-1] - z.shape[-1],),
                                            z.dtype)], axis=-1)
        else:
            z = np.fft.ifft(z) if inverse else np.fft.fft(z)
        z = torch.from_numpy(np.asarray(z, dtype=np.complex64)).to(y.device)
        re = torch.where(torch.isfinite(z.real), y.real, z.real)
        im = torch.where(torch.isfinite(z.imag), y.imag, z.imag)
        return torch.complex(re, im).movedim(-1, axis)
    if t.numel() == 0:
        y = torch.zeros(shape, dtype=torch.complex64)
    elif dev.emulated:
        from kernels.fft import fft  # lazy: kernels/ (NKI kernels, emulator) load on first launch
        y = torch.from_numpy(fft(_host(t), inverse=inverse))
    else:
        y = _fft_real(t, inverse)
    return y.reshape(shape).movedim(-1, axis)


def _split_finite(t):
    """(finite parts, non-finite parts) of ``t``, each with zeros for the other's (per
    real/imaginary part); (t, None) when all is finite."""
    if not t.numel() or bool(torch.isfinite(t).all()):
        return t, None
    parts = (t.real, t.imag) if t.is_complex() else (t,)
    zero = torch.zeros((), dtype=parts[0].dtype, device=t.device)
    fin = [torch.where(torch.isfinite(p), p, zero) for p in parts]
    non = [torch.where(torch.isfinite(p), zero, p) for p in parts]
    if t.is_complex():
        return torch.complex(*fin), torch.complex(*non)
    return fin[0], non[0]


def _fft_real(t, inverse):
    # UNTESTED (needs the Neuron SDK and a NeuronCore): the host layout of
    # kernels.fft.fft_planes with XLA tensors passed to the @nki.jit kernel.
    from kernels import fft as kf  # lazy: kernels/ (NKI kernels, emulator) load on first launch
    N = t.shape[-1]
    t2 = t.reshape(-1, N)
    B = t2.shape[0]
    if t2.is_complex():
        xr, xi = t2.real.float().contiguous(), t2.imag.float().contiguous()
    else:
        xr = t2.float().contiguous()
        xi = torch.zeros_like(xr)
    p = kf._kernel_plan(N, B)
    xr, xi = kf._pack(xr, xi, p, lambda x, rows: torch.cat(
        [x, torch.zeros((rows, N), dtype=torch.float32, device=t.device)]))
    buf, layout = kf._const_buffer(p, N, inverse)
    yr, yi = kf.fft_kernel(xr, xi, torch.from_numpy(buf).to(t.device), p, layout)
    yr, yi = yr.reshape(-1, N)[:B], yi.reshape(-1, N)[:B]
    return torch.complex(yr, yi)


#: op name (as passed to ``route``) -> kernel adapter
KERNELS = {"matmul": _Matmul(), "eigh": _Eigh(), "fft": _FFT()}


# ---------------------------------------------------------------------------
# random_bits (trnpy/_random_bits.py: NumPy's Philox-4x64-10 words)
class _RandomBits:
    """``route(op, device, n_blocks)``: NumPy's Philox-4x64-10 stream from
    ``kernels/rng.py``'s ``philox4x64_kernel`` (bit for bit NumPy's), blocks ``counter + 1
    .. counter + n_blocks``. ``random_bits``: the words (uint64 NumPy array) or, with
    ``mode="uniform"``, NumPy's float32 ``random`` (8 per block). ``random_integers``
    (``mode="lemire64"`` / ``"lemire"`` / ``"lemire16"`` / ``"lemire8"``, ``aux`` = the
    range, below the draw's full range): NumPy's Lemire step on each 64-bit word / 32-bit
    draw / its 16-bit parts / bytes, ``(hi, accepted)``. ``random_ziggurat`` (``mode="zig"``, ``aux`` = the 512-entry
    w and k tables): NumPy's float32 ziggurat fast path, ``(x, accepted, draw)``."""

    def __init__(self, op):
        self.op = op

    def unsupported(self, device, n_blocks, host=False):
        if host:
            return "drawn on the host (the method has no device sampler yet)"
        return _sdk_missing(device)

    def size(self, n_blocks, host=False):
        return n_blocks

    def __call__(self, key, counter, n_blocks, mode="raw", aux=None):
        # lazy: kernels/ (NKI kernels, emulator) load on first launch
        from kernels import rng
        if mode == "raw":
            return rng.philox4x64_words(key, counter, n_blocks)
        if mode == "uniform":            # NumPy's float32 random, made in the kernel
            return rng.philox4x64_uniform32(key, counter, n_blocks)
        fn = {"lemire": rng.philox4x64_lemire32, "lemire64": rng.philox4x64_lemire64,
              "lemire16": rng.philox4x64_lemire16, "lemire8": rng.philox4x64_lemire8,
              "zig": rng.philox4x64_zig32}[mode]
        return fn(key, counter, n_blocks, aux)


# small draws stay on torch: a launch costs more than a few thousand blocks
for _op in ("random_bits", "random_integers", "random_ziggurat"):
    KERNELS[_op] = _RandomBits(_op)
    kernel_thresholds[_op] = DEFAULT_THRESHOLDS[_op] = 4096
del _op


# ---------------------------------------------------------------------------
# bsr_spmm (trnpy/_spmm.py: BSR @ dense; kernels/bsr.py)
class _BsrSpmm:
    """``route("bsr_spmm", device, indptr, indices, data, dense, shape=(M, K))`` with
    validated tensors: ``data[nblocks, R, C]``, ``dense`` (K,) or (K, N)."""
    op = "bsr_spmm"
    DTYPES = (np.dtype(np.float32), np.dtype(np.float16))

    def unsupported(self, device, indptr, indices, data, dense, shape):
        if tuple(data.shape[1:]) != (128, 128):
            return (f"the BSR kernel takes 128x128 blocks, got "
                    f"{data.shape[1]}x{data.shape[2]}")
        if _np_dtype(data) not in self.DTYPES or _np_dtype(dense) not in self.DTYPES:
            return (f"the BSR kernel takes float32/float16 operands, got "
                    f"{_dtype_names(data, dense)}")
        return _sdk_missing(device)

    def size(self, indptr, indices, data, dense, shape):
        # multiply-adds of the stored blocks
        n = dense.shape[1] if dense.dim() == 2 else 1
        return int(indices.shape[0]) * 128 * 128 * n

    def __call__(self, indptr, indices, data, dense, shape, *, device):
        """``S @ dense`` (float32/float16 tensors): a tensor of their promoted dtype."""
        rdt = torch.promote_types(data.dtype, dense.dtype)
        if device.emulated:
            from kernels.bsr import bsr_spmm  # lazy: kernels/ (NKI kernels, emulator) load on first launch
            c = torch.from_numpy(bsr_spmm(_host(indptr), _host(indices), _host(data),
                                          _host(dense), tuple(shape)))
        else:
            c = _bsr_spmm_real(indptr, indices, data, dense, tuple(shape))
        return c.to(rdt).contiguous()


def _bsr_spmm_real(indptr, indices, data, dense, shape):
    # UNTESTED (needs the Neuron SDK and a NeuronCore): the block pattern is static (a
    # trace-time tuple, one compile per pattern), values and the dense operand are XLA
    # tensors, as in kernels.bsr.bsr_spmm.
    from kernels.bsr import bsr_spmm_kernel  # lazy: kernels/ (NKI kernels, emulator) load on first launch
    M, K = shape
    vec = dense.dim() == 1
    d = dense.reshape(K, -1)
    if M == 0 or K == 0 or d.shape[1] == 0:
        c = torch.zeros((M, d.shape[1]), dtype=torch.float32, device=dense.device)
    else:
        if data.dtype != d.dtype:
            data, d = data.float(), d.float()
        if data.shape[0] == 0:            # a dummy block keeps the argument non-empty
            data = torch.zeros((1, 128, 128), dtype=d.dtype, device=d.device)
        c = bsr_spmm_kernel(data.contiguous(), d.contiguous(),
                            tuple(int(x) for x in indptr.cpu()),
                            tuple(int(x) for x in indices.cpu()), M)
    return c[:, 0] if vec else c


KERNELS["bsr_spmm"] = _BsrSpmm()
kernel_thresholds["bsr_spmm"] = DEFAULT_THRESHOLDS["bsr_spmm"] = 512 ** 3
