"""The ``scipy.fft`` names NumPy lacks, with SciPy's signatures and result dtypes:
``hfft2``, ``ihfft2``, ``hfftn``, ``ihfftn``, ``dct``/``idct``/``dst``/``idst`` (types
1-4, ``orthogonalize``), ``dctn``/``idctn``/``dstn``/``idstn``, ``fht``/``ifht``/
``fhtoffset``, ``next_fast_len``/``prev_fast_len``.

The CPU NumPy backend calls ``scipy.fft`` on the zero-copy view (SciPy is the oracle).
The torch path (CUDA, neuron, ``cpu_backend("torch")``) builds everything from FFTs:
torch has no DCT, so DCT-I..IV use the textbook even-extension / twiddle algorithms and
DST-k reduces to DCT-k by flips and sign alternation. Every FFT they take goes through
the FFT choke point (``trnpy/fft/_core.py``), so on the neuron device they run on the
NKI FFT kernel: DCT-I an rfft of 2(N-1) points, DCT-II an N-point rfft, DCT-III an
N-point irfft, DCT-IV a 2N-point fft, DST-I an rfft of 2(N+1) points. ``overwrite_x`` and ``workers``
are accepted (validated like SciPy) and do not change results.
"""
from __future__ import annotations

import functools
import math
import operator

import numpy as np
from .._torch import torch

from .. import _convert, _dispatch, _normalize, _tensor
from . import _core
from .._array import TrnArray
from .._linalg_functions import np_dtype_of
from ._fft import _check_norm, _n_d, _scipy_args

__all__ = ["hfft2", "ihfft2", "hfftn", "ihfftn", "dct", "idct", "dst", "idst", "dctn",
           "idctn", "dstn", "idstn", "fht", "ifht", "fhtoffset", "next_fast_len",
           "prev_fast_len"]


def _sfft():
    import scipy.fft  # lazy: SciPy loads on first use, not with trnpy
    return scipy.fft


@functools.lru_cache(maxsize=None)
def _scipy(name):
    """``scipy.fft.<name>`` pinned to SciPy's own backend, so that a trnpy backend set by
    the user (``coerce=True``) does not send these NumPy calls back here."""
    sf = _sfft()
    f = getattr(sf, name)

    def call(*args, **kwargs):
        with sf.set_backend("scipy", only=True):
            return f(*args, **kwargs)
    call.__name__ = name
    return call


def _scipy_dtype(name, dtype, **kw):
    return np_dtype_of(_scipy(name), dtype, shape=(2,), **kw)


def _init_nd(x, s, axes):
    """SciPy's ``_init_nd_shape_and_axes``: (sizes, axes); unique axes only, ``s``
    without ``axes`` means the last ``len(s)`` axes."""
    if axes is not None:
        axes = [operator.index(a) for a in (axes if np.iterable(axes) else [axes])]
        axes = [a + x.ndim if a < 0 else a for a in axes]
        if any(a >= x.ndim or a < 0 for a in axes):
            raise ValueError("axes exceeds dimensionality of input")
        if len(set(axes)) != len(axes):
            raise ValueError("all axes must be unique")
    if s is not None:
        s = [operator.index(v) for v in (s if np.iterable(s) else [s])]
        if axes is not None and len(axes) != len(s):
            raise ValueError("when given, axes and shape arguments have to be of the "
                             "same length")
        if axes is None:
            if len(s) > x.ndim:
                raise ValueError("shape requires more axes than are present")
            axes = list(range(x.ndim - len(s), x.ndim))
        s = [x.shape[a] if v == -1 else v for v, a in zip(s, axes)]
    elif axes is None:
        s, axes = list(x.shape), list(range(x.ndim))
    else:
        s = [x.shape[a] for a in axes]
    if any(v < 1 for v in s):
        raise ValueError(f"invalid number of data points ({s}) specified")
    return s, axes


def _swap_direction(norm):
    return {None: "forward", "backward": "forward", "forward": "backward",
            "ortho": "ortho"}[norm]


# ---------------------------------------------------------------------------
# Hermitian n-d transforms
def hfftn(x, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
          plan=None):
    """n-d FFT of a Hermitian-symmetric signal (real output): ``irfftn(conj(x))`` with
    the normalisation direction swapped, as ``scipy.fft.hfftn``."""
    return _herm("hfftn", x, s, axes, norm, workers, plan)


def ihfftn(x, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
           plan=None):
    """n-d inverse FFT of a real signal, Hermitian half: ``conj(rfftn(x))`` with the
    normalisation direction swapped."""
    return _herm("ihfftn", x, s, axes, norm, workers, plan)


def hfft2(x, s=None, axes=(-2, -1), norm=None, overwrite_x=False, workers=None, *,
          plan=None):
    return _herm("hfftn", x, s, axes, norm, workers, plan)


def ihfft2(x, s=None, axes=(-2, -1), norm=None, overwrite_x=False, workers=None, *,
           plan=None):
    return _herm("ihfftn", x, s, axes, norm, workers, plan)


def _herm(name, x, s, axes, norm, workers, plan):
    (x,), dev = _convert.as_arrays(x)
    _check_norm(norm)
    _scipy_args(workers, plan)
    if name == "ihfftn" and x.dtype.kind == "c":
        raise TypeError("x must be a real sequence")
    rdt = _scipy_dtype(name, x.dtype)
    dev.check_dtype(rdt)
    sizes, ax = _init_nd(x, s, axes)
    if _dispatch.use_numpy(dev):
        f = _scipy(name)
        return _convert.wrap(f(_convert.np_view(x), s, axes, norm, workers=workers), dev)
    if not ax:
        return x
    s_arg = None if s is None else sizes
    if name == "hfftn" and s is None and x.shape[ax[-1]] == 1:
        s_arg = sizes      # pocketfft's c2r takes 2m - 1 = 1 points here, not 2(m - 1)
    if name == "hfftn":
        # complex working precision of the result (float16 and ints are widened first)
        cdt = np.complex128 if rdt == np.float64 else np.complex64
        t = _tensor.cast_tensor(x._t, cdt).conj().resolve_conj()
        res = _n_d("irfftn", TrnArray._new(t, dev), s_arg, ax, _swap_direction(norm), None)
        return TrnArray._new(_tensor.cast_tensor(res._t, rdt), dev)
    t = _tensor.cast_tensor(x._t, np.float64 if rdt == np.complex128 else np.float32)
    res = _n_d("rfftn", TrnArray._new(t, dev), s_arg, ax, _swap_direction(norm), None)
    return TrnArray._new(_tensor.cast_tensor(res._t.conj().resolve_conj(), rdt), dev)


# ---------------------------------------------------------------------------
# DCT / DST
_INV_TYPE = {1: 1, 2: 3, 3: 2, 4: 4}


def dct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
        orthogonalize=None):
    """Discrete cosine transform of type 1-4 along ``axis`` (``scipy.fft.dct``)."""
    return _r2r("dct", x, type, n, axis, norm, workers, orthogonalize)


def idct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
         orthogonalize=None):
    return _r2r("idct", x, type, n, axis, norm, workers, orthogonalize)


def dst(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
        orthogonalize=None):
    """Discrete sine transform of type 1-4 along ``axis`` (``scipy.fft.dst``)."""
    return _r2r("dst", x, type, n, axis, norm, workers, orthogonalize)


def idst(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
         orthogonalize=None):
    return _r2r("idst", x, type, n, axis, norm, workers, orthogonalize)


def dctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
         orthogonalize=None):
    """n-d DCT over ``axes`` (all axes by default)."""
    return _r2rn("dctn", x, type, s, axes, norm, workers, orthogonalize)


def idctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None,
          orthogonalize=None):
    return _r2rn("idctn", x, type, s, axes, norm, workers, orthogonalize)


def dstn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None,
         orthogonalize=None):
    return _r2rn("dstn", x, type, s, axes, norm, workers, orthogonalize)


def idstn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None,
          orthogonalize=None):
    return _r2rn("idstn", x, type, s, axes, norm, workers, orthogonalize)


def _check_r2r(name, type, norm, workers):
    _check_norm(norm)
    _scipy_args(workers, None)
    if type not in (1, 2, 3, 4):
        raise ValueError(f"invalid {'DCT' if 'dct' in name else 'DST'} type")


def _r2r(name, x, type, n, axis, norm, workers, orthogonalize):
    (x,), dev = _convert.as_arrays(x)
    _check_r2r(name, type, norm, workers)
    rdt = _scipy_dtype(name, x.dtype)
    dev.check_dtype(rdt)
    if _dispatch.use_numpy(dev):
        f = _scipy(name)
        return _convert.wrap(f(_convert.np_view(x), type, n, axis, norm,
                                workers=workers, orthogonalize=orthogonalize), dev)
    ax = _normalize.axis_index(axis, x.ndim)
    if n is None:
        n = x.shape[ax]
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"invalid number of data points ({n}) specified")
    t = _tensor.cast_tensor(x._t, rdt)
    t = _r2r_axis(name.lstrip("i"), name.startswith("i"), t, type, n, ax, norm,
                  orthogonalize, device=dev)
    return TrnArray._new(t, dev)


def _r2rn(name, x, type, s, axes, norm, workers, orthogonalize):
    (x,), dev = _convert.as_arrays(x)
    _check_r2r(name, type, norm, workers)
    rdt = _scipy_dtype(name, x.dtype)
    dev.check_dtype(rdt)
    sizes, ax = _init_nd(x, s, axes)
    if _dispatch.use_numpy(dev):
        f = _scipy(name)
        return _convert.wrap(f(_convert.np_view(x), type, s, axes, norm,
                                workers=workers, orthogonalize=orthogonalize), dev)
    if not ax:
        return x
    t = _tensor.cast_tensor(x._t, rdt)
    base = name[:-1].lstrip("i")
    for n, a in zip(sizes, ax):
        t = _r2r_axis(base, name.startswith("i"), t, type, n, a, norm, orthogonalize,
                      device=dev)
    return TrnArray._new(t, dev)


def _r2r_axis(kind, inverse, t, type, n, axis, norm, orthogonalize, device=None):
    """One DCT/DST along ``axis`` of a float/complex tensor, SciPy's definition; its FFTs
    through the FFT choke point for trnpy device ``device``."""
    if t.is_complex():
        # real coefficients: transform both parts. SciPy drops ``orthogonalize`` for
        # complex input (its default, norm == "ortho", applies); so does trnpy
        re = _r2r_axis(kind, inverse, t.real, type, n, axis, norm, None, device)
        im = _r2r_axis(kind, inverse, t.imag, type, n, axis, norm, None, device)
        return torch.complex(re, im)
    t = t.movedim(axis, -1)
    m = t.shape[-1]
    if n < m:
        t = t[..., :n]
    elif n > m:
        t = torch.nn.functional.pad(t, (0, n - m))
    if kind == "dct" and type == 1 and n < 2 and t.numel():   # pocketfft: only with data
        raise RuntimeError("zero-length FFT requested (DCT-I needs at least 2 points)")
    if inverse:
        type = _INV_TYPE[type]
    if orthogonalize is None:
        orthogonalize = norm == "ortho"
    if t.numel() == 0:
        return t.clone().movedim(-1, axis)
    # SciPy's normalisation: M is the length of the implied FFT
    M = 2 * (n - 1) if (kind, type) == ("dct", 1) else \
        2 * (n + 1) if (kind, type) == ("dst", 1) else 2 * n
    norm = norm or "backward"
    scale = 1.0 / math.sqrt(M) if norm == "ortho" else \
        1.0 / M if (norm == "backward") == inverse else 1.0
    return _r2r_scaled(kind, type, t, orthogonalize, scale, device).movedim(-1, axis)


def _alt(n, like):
    """(-1)^k for k < n."""
    s = torch.ones(n, dtype=like.dtype, device=like.device)
    s[1::2] = -1
    return s


def _r2r_scaled(kind, type, x, ortho, scale, device=None):
    """``scale`` times the unnormalised DCT/DST (SciPy's) along the last axis."""
    if kind == "dst":
        if type == 1:
            return _dst1(x, device) * scale
        if type == 2:
            return _dct(2, x * _alt(x.shape[-1], x), ortho, scale, device).flip(-1)
        return _dct(type, x.flip(-1), ortho, scale, device) * _alt(x.shape[-1], x)
    return _dct(type, x, ortho, scale, device)


def _cdtype(x):
    return torch.complex128 if x.dtype == torch.float64 else torch.complex64


def _twiddle(n, turn, x):
    """exp(1j * turn * k) for k < n, computed in float64 and rounded once."""
    k = torch.arange(n, dtype=torch.float64, device=x.device)
    return torch.polar(torch.ones_like(k), turn * k).to(_cdtype(x))


@functools.lru_cache(maxsize=32)
def _dct_tables(type, n, ortho, scale, dtype, device):
    """(twiddles, gather indices) of the N-point DCT-II or DCT-III; cached (as CuPy does)
    because building them costs more kernel launches than the transform."""
    x = torch.empty(0, dtype=dtype, device=device)
    h = n // 2 + 1
    k = torch.arange(h)
    r2 = math.sqrt(2.0)
    makhoul = torch.cat([torch.arange(0, n, 2), torch.arange(1, n, 2).flip(0)])
    if type == 2:
        # y_k = Re(w_k V_k) and y_{N-k} = -Im(w_k V_k), V = rfft(x in Makhoul's order):
        # both read off the interleaved (re, im) pairs of w V by one gather, then a sign
        w = _twiddle(h, -math.pi / (2 * n), x) * (2 * scale)
        if ortho:
            w[0] /= r2
        out = torch.cat([2 * k, 2 * torch.arange(n - h, 0, -1) + 1])
        sign = torch.ones(n, dtype=dtype)
        sign[h:] = -1
        return w, makhoul.to(device), out.to(device), sign.to(device)
    # DCT-III, the transpose: v = irfft(w_k (X_k - i X_{N-k})) (X_N = 0), then undo
    # Makhoul's order. X_k - i X_{N-k} = -i (X_{N-k} + i X_k): one gather of the pairs
    # (X_{N-k}, X_k) from X padded with a zero, and -i folded into w
    w = _twiddle(h, math.pi / (2 * n), x) * (-1j * scale)
    if ortho:
        w[0] *= r2
    pairs = torch.stack([torch.where(k == 0, n, n - k), k], -1).flatten()
    return w, pairs.to(device), torch.argsort(makhoul).to(device), None


def _dct(type, x, ortho, scale, device=None):
    N = x.shape[-1]
    r2 = math.sqrt(2.0)
    if type == 1:
        if ortho:
            x = x.clone()
            x[..., 0] *= r2
            x[..., -1] *= r2
        v = torch.cat([x, x[..., 1:-1].flip(-1)], -1)
        y = _core.transform(v, "rfft", device=device).real * scale
        if ortho:
            y[..., 0] /= r2
            y[..., -1] /= r2
        return y
    if type == 2:
        w, perm, out, sign = _dct_tables(2, N, ortho, scale, x.dtype, x.device)
        z = _core.transform(torch.index_select(x, -1, perm), "rfft", device=device) * w
        return torch.index_select(torch.view_as_real(z).flatten(-2), -1, out).mul_(sign)
    if type == 3:
        w, pairs, inv, _ = _dct_tables(3, N, ortho, scale, x.dtype, x.device)
        g = torch.index_select(torch.nn.functional.pad(x, (0, 1)), -1, pairs)
        z = torch.view_as_complex(g.unflatten(-1, (-1, 2))) * w
        y = _core.transform(z, "irfft", N, norm="forward", device=device)
        return torch.index_select(y, -1, inv)
    # type 4: y_k = 2 Re e^{-i pi (2k+1) / 4N} FFT_2N(x_n e^{-i pi n / 2N})_k
    w = _twiddle(N, -math.pi / (2 * N), x)
    Z = _core.transform(x * w, "fft", 2 * N, device=device)[..., :N]
    ph = w * complex(math.cos(math.pi / (4 * N)), -math.sin(math.pi / (4 * N)))
    return (2 * scale) * (Z * ph).real


def _dst1(x, device=None):
    N = x.shape[-1]
    z = torch.zeros(x.shape[:-1] + (1,), dtype=x.dtype, device=x.device)
    v = torch.cat([z, x, z, -x.flip(-1)], -1)
    return (-_core.transform(v, "rfft", device=device).imag[..., 1:N + 1]).contiguous()


# ---------------------------------------------------------------------------
# fast Hankel transform (FFTLog)
@_normalize.normalizer(lambda a, dln, mu, offset=0.0, bias=0.0:
                       _scipy("fht")(a, dln, mu, offset=offset, bias=bias), "a")
def fht(a, dln, mu, offset=0.0, bias=0.0):
    """Fast Hankel transform of a logarithmically spaced periodic sequence
    (``scipy.fft.fht``)."""
    return _fht(a, dln, mu, offset, bias, inverse=False)


@_normalize.normalizer(lambda A, dln, mu, offset=0.0, bias=0.0:
                       _scipy("ifht")(A, dln, mu, offset=offset, bias=bias), "A")
def ifht(A, dln, mu, offset=0.0, bias=0.0):
    return _fht(A, dln, mu, offset, bias, inverse=True)


def fhtoffset(dln, mu, initial=0.0, bias=0.0):
    """Optimal offset for ``fht`` (a float; computed by SciPy)."""
    return _sfft().fhtoffset(dln, mu, initial=initial, bias=bias)


def _fht(a, dln, mu, offset, bias, inverse):
    x, dev = a, a._device
    name = "ifht" if inverse else "fht"
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: the input must be real")
    rdt = np.asarray(_scipy(name)(np.ones(2, x.dtype), 0.1, 0.0)).dtype
    if bias != 0:       # SciPy's bias factors are float64 arrays
        rdt = np.result_type(rdt, np.float64)
    dev.check_dtype(rdt)
    from scipy.fft._fftlog_backend import fhtcoeff  # lazy: SciPy loads on first use, not with trnpy
    n = x.shape[-1]
    t = _tensor.cast_tensor(x._t, rdt)
    # the coefficients are a host-side O(n) table (SciPy's, in float64)
    u = fhtcoeff(n, dln, mu, offset=offset, bias=bias, inverse=inverse)
    u = torch.from_numpy(u).to(device=t.device, dtype=_cdtype(t))
    j = torch.arange(n, dtype=t.dtype, device=t.device) - (n - 1) / 2
    if bias != 0:
        t = t * (torch.exp(bias * (j * dln + offset)) if inverse
                 else torch.exp(-bias * j * dln))
    A = _core.transform(t, "rfft", device=dev)         # the FFT choke point
    A = A / u.conj() if inverse else A * u
    A = _core.transform(A, "irfft", n, device=dev).flip(-1)
    if bias != 0:
        A = A * (torch.exp(bias * j * dln) if inverse
                 else torch.exp(-bias * (j * dln + offset)))
    return TrnArray._new(_tensor.cast_tensor(A.contiguous(), rdt), dev)


# ---------------------------------------------------------------------------
def next_fast_len(target, real=False):
    """Smallest fast FFT length >= ``target`` (``scipy.fft.next_fast_len``: 5-smooth
    for complex, 11-smooth for real transforms in SciPy's pocketfft)."""
    return _sfft().next_fast_len(target, real)


def prev_fast_len(target, real=False):
    """Largest fast FFT length <= ``target`` (``scipy.fft.prev_fast_len``)."""
    return _sfft().prev_fast_len(target, real)
