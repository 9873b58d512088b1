"""``trnpy.fft``: the array API FFT extension with NumPy's signatures and result dtypes.

Result dtypes come from NumPy (float32 -> complex64, ints -> complex128, irfft of
complex64 -> float32, ...). The CPU NumPy backend calls ``numpy.fft``; the neuron device
runs the NKI FFT kernel where ``_dispatch.route`` says so (every transform here reduces
to the kernel's 1-D complex transform, see ``trnpy/_kernel_registry.py``); otherwise
``torch.fft``. n-d transforms follow NumPy's argument rules (``s`` entries of
-1, repeated axes apply the transform twice).
"""
from __future__ import annotations

import operator
import os
import sys
import warnings

import numpy as np
from .._torch import torch

from .. import _convert, _dispatch, _dtypes, _kernel_registry, _normalize, _tensor
from .._array import TrnArray
from .._linalg_functions import np_dtype_of
from .._devices import device as _resolve, get_default_device

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft",
           "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

_NORMS = (None, "backward", "ortho", "forward")

# kind of each transform: c2c (complex out), r2c (real in, complex out), c2r (real out)
_KIND = {"fft": "c2c", "ifft": "c2c", "rfft": "r2c", "ihfft": "r2c",
         "irfft": "c2r", "hfft": "c2r"}


def _scipy_args(workers, plan):
    """SciPy's ``workers``/``plan``: validated like SciPy, then unused (torch and NumPy
    pick their own threading; results do not depend on it). ``overwrite_x`` is only a
    permission to SciPy, so ignoring it is exact."""
    if workers is not None:
        w = operator.index(workers)
        if w == 0:
            raise ValueError("workers must not be zero")
        if w < 0 and w + (os.cpu_count() or 1) + 1 <= 0:
            raise ValueError(f"workers value out of range; got {w}, must not be less "
                             f"than {-(os.cpu_count() or 1)}")
    if plan is not None:
        raise NotImplementedError("Passing a precomputed plan is not yet supported by "
                                  "trnpy.fft (plan=)")


def _check_norm(norm):
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".')


def _n_points(n, name=None, norm=None):
    """NumPy's errors for a transform length ``n`` of the 1-D transform ``name``."""
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    if n > sys.maxsize and name is not None:
        # NumPy scales by 1/n or 1/sqrt(n) before allocating: a Python int beyond 64 bits
        # is an object there (TypeError); otherwise the output's shape is too large
        scales = norm in ("ortho", "forward") if name in ("fft", "rfft", "hfft") else \
            norm != "forward"
        if scales and n >= 2 ** 64:
            raise TypeError(f"Invalid number of FFT data points ({n}): NumPy cannot scale "
                            "by a Python int beyond 64 bits")
        raise ValueError("Maximum allowed dimension exceeded")


def _result_dtype(name, x, dev):
    rdt = np_dtype_of(getattr(np.fft, name), x.dtype, shape=(2,))
    dev.check_dtype(rdt)
    return rdt


def _torch_input(t, kind, rdt):
    """The input tensor in the dtype torch's transform takes for result dtype ``rdt``."""
    if kind == "c2c":
        return _tensor.cast_tensor(t, rdt)
    if kind == "r2c":
        return _tensor.cast_tensor(t, _dtypes.real_of(rdt))
    # c2r: complex input of the output's precision (float16 output computes in complex64)
    return _tensor.cast_tensor(t, np.complex128 if rdt == np.float64 else np.complex64)


def _out_len(kind, name, n):
    return n // 2 + 1 if kind == "r2c" else n


_INVERSE = ("ifft", "irfft", "ihfft")


def _torch_1d(name, t, n, axis, norm, rdt, f16=False):
    """One 1-D transform on a tensor already in the right input dtype. ``f16``: the
    data came in as float16, where NumPy computes the norm factor in float16."""
    if t.numel() == 0:
        # torch's FFT refuses empty batches; a transform of zeros (padding) is zeros
        shape = list(t.shape)
        shape[axis] = _out_len(_KIND[name], name, n)
        tdt = _dtypes.to_torch(rdt) if rdt != np.float16 else torch.float32
        return torch.zeros(shape, dtype=tdt, device=t.device)
    norm = norm or "backward"
    if not f16 or norm == ("forward" if name in _INVERSE else "backward"):
        return getattr(torch.fft, name)(t, n, axis, norm)     # (positional: less parsing)
    res = getattr(torch.fft, name)(t, n=n, dim=axis,
                                   norm="forward" if name in _INVERSE else "backward")
    h = np.float16
    fct = np.reciprocal(np.sqrt(n, dtype=h)) if norm == "ortho" else np.reciprocal(n, dtype=h)
    return res * float(fct)


def _finish(res, rdt, dev, out, name):
    res = _tensor.cast_tensor(res, rdt)
    if res.is_conj():
        res = res.resolve_conj()     # torch's lazy conjugate view (ihfft): NumPy can't read it
    if out is None:
        return TrnArray._new(res, dev)
    if tuple(out.shape) != tuple(res.shape):
        raise ValueError("output array has wrong shape.")
    _normalize.write_out(name, out, res, rdt)
    return out


def _check_out(out, x):
    if out is None:
        return x._device
    if not isinstance(out, TrnArray):
        raise TypeError(f"out must be a trnpy array, not {type(out).__name__}")
    return _convert.same_device(x, out)


# 1-D transforms already validated (NumPy or torch route), keyed by everything the checks
# depend on: (name, dtype, ndim, n, axis, norm, device kind, CPU backend) -> (result
# dtype, axis, torch input dtype or None for NumPy's route). A repeat call skips the
# checks: on a GPU, Python overhead is what a small transform costs.
_PLANS = {}


def _plan_key(name, x, n, axis, norm):
    return (name, x.dtype, x.ndim, n, axis, norm, x._device.kind, _dispatch._CPU_BACKEND.get())


def _remember(key, plan):
    if len(_PLANS) > 4096:
        _PLANS.clear()
    _PLANS[key] = plan


def _run_plan(plan, name, x, n, norm):
    """The transform by a remembered plan, or None where the checks must run again."""
    rdt, ax, in_dt = plan
    dev = x._device
    if in_dt is None:               # the NumPy route (host arrays): NumPy checks n itself
        _dispatch.ROUTES[("fft", "numpy")] += 1
        return _convert.wrap(getattr(np.fft, name)(_convert.np_view(x), n, ax, norm), dev)
    t = x._t
    if n is None:
        n = 2 * (t.shape[ax] - 1) if _KIND[name] == "c2r" else t.shape[ax]
    if n < 1 or t.numel() == 0 or t.dtype is not in_dt:
        return None                 # checks, empty input or a cast: the long way
    _dispatch.ROUTES[("fft", "torch")] += 1
    res = getattr(torch.fft, name)(t, n, ax, norm or "backward")
    return _finish(res, rdt, dev, None, name)


def _n_arg(n):
    """A transform length as NumPy checks it: ``n < 1`` first (ValueError), then an
    integer (TypeError)."""
    if isinstance(n, TrnArray):
        n = _convert.host(n)
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return operator.index(n)


def _one_d(name, a, n, axis, norm, out):
    if type(a) is TrnArray:
        x, dev = a, a._device
    else:
        (x,), dev = _convert.as_arrays(a)
    if n is not None and type(n) is not int:
        n = _n_arg(n)
    key = _plan_key(name, x, n, axis, norm)
    plan = _PLANS.get(key) if out is None else None
    if plan is not None and (res := _run_plan(plan, name, x, n, norm)) is not None:
        return res
    _check_norm(norm)
    dev = _check_out(out, x)
    ax = _normalize.axis_index(axis, x.ndim)     # NumPy's AxisError before dtype errors
    rdt = _result_dtype(name, x, dev)
    kind = _KIND[name]
    if n is None:
        n = 2 * (x.shape[ax] - 1) if kind == "c2r" else x.shape[ax]
    else:
        n = operator.index(n)
    _n_points(n, name, norm)
    where = _dispatch.route("fft", dev, x, name, (n,), (ax,), norm=norm)
    if where == "numpy":
        f = getattr(np.fft, name)
        if out is not None:
            f(_convert.np_view(x), n=n, axis=ax, norm=norm, out=_convert.np_view(out))
            return out
        _remember(key, (rdt, ax, None))
        return _convert.wrap(f(_convert.np_view(x), n=n, axis=ax, norm=norm), dev)
    if where == "kernel":
        res = _kernel_registry.run("fft", x._t, name, (n,), (ax,), norm=norm, device=dev)
        return _finish(res, rdt, dev, out, name)
    t = _torch_input(x._t, kind, rdt)
    f16 = x.dtype == np.float16
    res = _torch_1d(name, t, n, ax, norm, rdt, f16=f16)
    if not f16 and dev.kind != "neuron":     # (neuron routing depends on the size)
        _remember(key, (rdt, ax, t.dtype))
    return _finish(res, rdt, dev, out, name)


def fft(a, n=None, axis=-1, norm=None, out=None, *, overwrite_x=False,
        workers=None, plan=None):
    """1-D discrete Fourier transform."""
    _scipy_args(workers, plan)
    return _one_d("fft", a, n, axis, norm, out)


def ifft(a, n=None, axis=-1, norm=None, out=None, *, overwrite_x=False,
         workers=None, plan=None):
    _scipy_args(workers, plan)
    return _one_d("ifft", a, n, axis, norm, out)


def rfft(a, n=None, axis=-1, norm=None, out=None, *, overwrite_x=False,
         workers=None, plan=None):
    """1-D FFT of real input: the n//2 + 1 non-negative frequency terms."""
    _scipy_args(workers, plan)
    return _one_d("rfft", a, n, axis, norm, out)


def irfft(a, n=None, axis=-1, norm=None, out=None, *, overwrite_x=False,
          workers=None, plan=None):
    """Inverse of rfft; ``n`` defaults to 2 * (m - 1)."""
    _scipy_args(workers, plan)
    return _one_d("irfft", a, n, axis, norm, out)


def hfft(a, n=None, axis=-1, norm=None, out=None, *, overwrite_x=False,
         workers=None, plan=None):
    """FFT of a Hermitian-symmetric signal (real output)."""
    _scipy_args(workers, plan)
    return _one_d("hfft", a, n, axis, norm, out)


def ihfft(a, n=None, axis=-1, norm=None, out=None, *, overwrite_x=False,
          workers=None, plan=None):
    _scipy_args(workers, plan)
    return _one_d("ihfft", a, n, axis, norm, out)


# ---------------------------------------------------------------------------
# n-d transforms
def _cook_nd(x, s, axes, invreal):
    """NumPy's _cook_nd_args: (sizes, normalised axes)."""
    shapeless = s is None
    if axes is not None:
        axes = [_normalize.axis_index(a, x.ndim, "axes") for a in axes]
    if s is None:
        s = list(x.shape) if axes is None else [x.shape[a] for a in axes]
    else:
        s = [None if v is None else _normalize.int_arg(v) for v in s]
    if axes is None:
        if not shapeless:
            warnings.warn("`axes` should not be `None` if `s` is not `None` (Deprecated in "
                          "NumPy 2.0). Pass the axes explicitly.", DeprecationWarning,
                          stacklevel=4)
        axes = [_normalize.axis_index(a, x.ndim, "axes") for a in range(-len(s), 0)]
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless and axes:
        s[-1] = (x.shape[axes[-1]] - 1) * 2
    if None in s:
        warnings.warn("Passing an array containing `None` values to `s` is deprecated in "
                      "NumPy 2.0.", DeprecationWarning, stacklevel=4)
    s = [x.shape[a] if v == -1 else v for v, a in zip(s, axes)]
    return s, axes


def _n_d(name, a, s, axes, norm, out):
    (x,), dev = _convert.as_arrays(a)
    _check_norm(norm)
    dev = _check_out(out, x)
    base = name[:-1]                          # "fftn" -> "fft": the 1-D transform
    kind = _KIND[base]
    s, ax = _cook_nd(x, s, axes, invreal=kind == "c2r")
    if not ax:
        if kind != "c2c":
            raise IndexError("list index out of range")
        return x                              # NumPy returns its input untouched
    # the dtype depends on how many 1-D steps run (irfftn of float16 is float16 for one
    # axis, float32 for more)
    k = len(ax)
    rdt = np_dtype_of(getattr(np.fft, name), x.dtype, shape=(2,) * k, axes=tuple(range(k)))
    dev.check_dtype(rdt)
    sizes = [x.shape[a] if v is None else v for v, a in zip(s, ax)]
    if kind == "c2r" and s[-1] is None:
        sizes[-1] = 2 * (x.shape[ax[-1]] - 1)
    for n in sizes:
        _n_points(n, base, norm)
    where = _dispatch.route("fft", dev, x, base, tuple(sizes), tuple(ax), norm=norm)
    if where == "kernel":
        res = _kernel_registry.run("fft", x._t, base, tuple(sizes), tuple(ax), norm=norm,
                           device=dev)
        return _finish(res, rdt, dev, out, name)
    if where == "numpy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)   # warned above already
            f = getattr(np.fft, name)
            kw = {} if out is None else {"out": _convert.np_view(out)}
            res = f(_convert.np_view(x), s=s, axes=ax, norm=norm, **kw)
        return out if out is not None else _convert.wrap(res, dev)
    t = _torch_input(x._t, kind, rdt)
    res = _torch_nd(base, t, sizes, ax, norm, rdt, f16=x.dtype == np.float16)
    return _finish(res, rdt, dev, out, name)


def _torch_nd(base, t, sizes, ax, norm, rdt, f16=False):
    out_shape = list(t.shape)
    for n, a in zip(sizes, ax):
        out_shape[a] = n
    if base == "rfft":
        out_shape[ax[-1]] = sizes[-1] // 2 + 1
    empty = t.numel() == 0 or 0 in out_shape
    if len(set(ax)) == len(ax) and not empty and not f16:
        if base == "irfft" and len(ax) > 1:
            # NumPy: c2c over the leading axes, then one c2r. cuFFT's n-d c2r instead
            # assumes the input is Hermitian in every axis and differs when it is not.
            t = torch.fft.ifftn(t, s=sizes[:-1], dim=ax[:-1], norm=norm or "backward")
            return torch.fft.irfft(t, n=sizes[-1], dim=ax[-1], norm=norm or "backward")
        return getattr(torch.fft, base + "n")(t, s=sizes, dim=ax, norm=norm or "backward")
    # repeated axes (NumPy transforms twice), empty input or float16 input (only NumPy's
    # first 1-D transform sees float16): NumPy's sequence of 1-D transforms
    cdt = _complex_of(rdt)
    if base in ("fft", "ifft"):
        for j, i in enumerate(reversed(range(len(ax)))):
            t = _torch_1d(base, t, sizes[i], ax[i], norm, rdt, f16 and j == 0)
        return t
    if base == "rfft":
        t = _torch_1d("rfft", t, sizes[-1], ax[-1], norm, cdt, f16)
        for i in reversed(range(len(ax) - 1)):
            t = _torch_1d("fft", t, sizes[i], ax[i], norm, cdt)
        return t
    for i in range(len(ax) - 1):
        t = _torch_1d("ifft", t, sizes[i], ax[i], norm, cdt, f16 and i == 0)
    return _torch_1d("irfft", t, sizes[-1], ax[-1], norm, rdt, f16 and len(ax) == 1)


def _complex_of(rdt):
    return np.dtype(np.complex128) if rdt in (np.float64, np.complex128) else \
        np.dtype(np.complex64)


def fftn(a, s=None, axes=None, norm=None, out=None, *, overwrite_x=False,
         workers=None, plan=None):
    """n-d discrete Fourier transform over ``axes`` (all axes by default)."""
    _scipy_args(workers, plan)
    return _n_d("fftn", a, s, axes, norm, out)


def ifftn(a, s=None, axes=None, norm=None, out=None, *, overwrite_x=False,
          workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("ifftn", a, s, axes, norm, out)


def rfftn(a, s=None, axes=None, norm=None, out=None, *, overwrite_x=False,
          workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("rfftn", a, s, axes, norm, out)


def irfftn(a, s=None, axes=None, norm=None, out=None, *, overwrite_x=False,
           workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("irfftn", a, s, axes, norm, out)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None, *, overwrite_x=False,
         workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("fftn", a, s, axes, norm, out)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None, *, overwrite_x=False,
          workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("ifftn", a, s, axes, norm, out)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None, *, overwrite_x=False,
          workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("rfftn", a, s, axes, norm, out)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None, *, overwrite_x=False,
           workers=None, plan=None):
    _scipy_args(workers, plan)
    return _n_d("irfftn", a, s, axes, norm, out)


# ---------------------------------------------------------------------------
# frequencies and shifts
def _freq(np_fn, n, d, dtype, device):
    dev = get_default_device() if device is None else _resolve(device)
    if dtype is None:
        dtype = dev.default_dtype("real floating")
    dtype = _dtypes.as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"fftfreq: dtype must be a real floating-point dtype, not {dtype}")
    dev.check_dtype(dtype)
    # computed on the host in float64 (NumPy's values) and rounded once to dtype
    return _convert.asarray(np_fn(n, d).astype(dtype), device=dev)


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of an n-point FFT with sample spacing ``d``."""
    return _freq(np.fft.fftfreq, n, d, dtype, device)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    return _freq(np.fft.rfftfreq, n, d, dtype, device)


def _shift(x, axes, inverse):
    dev = x._device
    if axes is None:
        if x.ndim == 0:     # NumPy's roll fails here too
            raise ValueError("fftshift: a 0-d array has no axes to shift")
        axes = tuple(range(x.ndim))
    elif not isinstance(axes, (tuple, list)):
        axes = (axes,)
    try:
        axes = [_normalize.axis_index(a, x.ndim, "axes") for a in axes]
    except OverflowError:       # NumPy's message for an axis beyond C's long
        raise IndexError("cannot fit 'int' into an index-sized integer") from None
    if not axes:
        return TrnArray._new(x._t.clone(), dev)
    shifts = [-(x.shape[a] // 2) if inverse else x.shape[a] // 2 for a in axes]
    t = x._t
    # CUDA's roll has no wide unsigned kernels: move the bits as signed
    return TrnArray._new(torch.roll(_tensor.signed_view(t), shifts, axes).view(t.dtype), dev)


@_normalize.normalizer(np.fft.fftshift, "x")
def fftshift(x, axes=None):
    """Move the zero-frequency term to the centre."""
    return _shift(x, axes, inverse=False)


@_normalize.normalizer(np.fft.ifftshift, "x")
def ifftshift(x, axes=None):
    return _shift(x, axes, inverse=True)
