"""``trnpy.random``: NumPy's random API, with results on trnpy devices.

* :func:`default_rng` is ``Generator(Philox(seed))`` with NumPy's own Philox-4x64-10 and
  seeding, so ``trnpy.random.default_rng(s)`` draws exactly what
  ``numpy.random.Generator(numpy.random.Philox(s))`` draws, on every device.
* :class:`Generator` subclasses ``numpy.random.Generator`` (SciPy accepts it as
  ``random_state=``/``rng=`` and calls its methods); its bit generator's ``state`` is
  the one holder of the stream position. On the CPU with the NumPy backend every method
  is NumPy's own, wrapped. Elsewhere (the torch CPU backend, CUDA, neuron)
  ``random``, ``integers``, ``bytes``, ``uniform``, ``standard_normal``, ``normal``,
  ``standard_exponential``, ``exponential`` and ``Philox.random_raw`` are computed on
  the device from the words of the random-bits routing point
  (:mod:`trnpy._random_bits`), bit for bit NumPy's, and leave the bit generator's state
  where NumPy's would be; the other methods draw on the host from the same bit
  generator and move the result.
* Results land on ``device=`` (a keyword every sampling method takes), else the
  generator's device (``default_rng(seed, device=...)``), else the current default
  device. The neuron device has no float64: float32 methods draw float32 there, methods
  NumPy offers only in float64 give float32, and an explicit float64 raises TypeError.
* The other bit generators, the legacy :class:`RandomState` and the module functions
  (``seed``, ``rand``, ``randn``, ... sharing NumPy's global state) are NumPy's, with
  array results moved onto the device.
"""
from __future__ import annotations

import contextvars
import functools
import math
import operator

import numpy as np
import numpy.random as _npr

from .._torch import torch
from .._array import TrnArray, host, np_view
from .._convert import asarray, target_device, wrap
from .._devices import CPU, get_default_device
from .._dispatch import route, use_numpy
from .._normalize import write_out
from .._random_bits import PhiloxStream
from .._tensor import from_compute
from . import _samplers

SeedSequence = _npr.SeedSequence
BitGenerator = _npr.BitGenerator

__all__ = ["default_rng", "Generator", "RandomState", "SeedSequence", "BitGenerator",
           "Philox", "PCG64", "PCG64DXSM", "MT19937", "SFC64"]

_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)
_NEURON_CAST = {_F64: _F32, np.dtype(np.complex128): np.dtype(np.complex64)}


@functools.lru_cache(maxsize=None)
def _scratch():
    """A NumPy Generator that validates arguments exactly as NumPy does (what it draws
    is thrown away)."""
    return _npr.Generator(_npr.Philox(0))


# -- moving host results ----------------------------------------------------------------
def _to_host(a):
    return host(a) if isinstance(a, TrnArray) else a


def _on_device(r, dev):
    """NumPy result ``r`` as trnpy arrays on ``dev`` (scalars and non-numeric arrays stay)."""
    if type(r) is np.ndarray:
        if r.dtype.kind not in "biufc":
            return r
        if dev.kind == "neuron" and r.dtype in _NEURON_CAST:
            r = r.astype(_NEURON_CAST[r.dtype])
        return wrap(r, CPU) if dev == CPU else asarray(r, device=dev)
    if type(r) is tuple or type(r) is list:
        return type(r)(_on_device(v, dev) for v in r)
    return r


def _check_float(dev, kwargs):
    dt = kwargs.get("dtype")
    if dt is not None and dev.kind == "neuron":
        dev.check_dtype(np.dtype(dt))


def _host_call(f, args, kwargs, dev):
    """``f`` on host copies of the arguments; a TrnArray ``out=`` is written back."""
    _check_float(dev, kwargs)
    if dev.kind == "neuron":
        # drawn on the host: a recorded fallback of the random_bits kernel (strict: refused)
        route("random_bits", dev, 0, host=True)
    args = [_to_host(a) for a in args]
    out = kwargs.get("out")
    tmp = None
    if isinstance(out, TrnArray):
        if out._device.torch_device.type == "cpu":
            kwargs = dict(kwargs, out=np_view(out))
        else:
            tmp = np.empty(out.shape, out.dtype)
            kwargs = dict(kwargs, out=tmp)
    kwargs = {k: _to_host(v) for k, v in kwargs.items()}
    r = f(*args, **kwargs)
    if isinstance(out, TrnArray):
        if tmp is not None:
            out._t.copy_(torch.from_numpy(tmp).to(out._t.device))
        return out
    return _on_device(r, dev)


def _shape(size) -> tuple:
    """NumPy's reading of ``size`` (its exceptions for bad sizes)."""
    return np.empty(size, dtype=np.bool_).shape if size is not None else ()


# -- the Philox bit generator -----------------------------------------------------------
def _compute_device(dev):
    """Torch device the samplers run on: the device's own, or the host for a real neuron
    device (its float64 and int64 arithmetic are not exact there)."""
    if dev.kind == "neuron" and not dev.emulated:
        return torch.device("cpu")
    return dev.torch_device


def _philox_draw(bit_generator, dev, sampler):
    """Run ``sampler(stream)`` on the bit generator's state, then store NumPy's state."""
    with bit_generator.lock:
        stream = PhiloxStream(bit_generator.state, dev, _compute_device(dev))
        t = sampler(stream)
        bit_generator.state = stream.state
    return t


def _land(t, dev, shape, dtype):
    """Tensor ``t`` (flat, compute dtype) as a TrnArray of ``shape``/``dtype`` on ``dev``."""
    t = from_compute(t, np.dtype(dtype))
    return TrnArray._new(t.reshape(shape).to(dev.torch_device), dev)


def _is_philox(bit_generator):
    return isinstance(bit_generator, _npr.Philox)


class Philox(_npr.Philox):
    __doc__ = _npr.Philox.__doc__

    def random_raw(self, size=None, output=True, *, device=None):
        """NumPy's ``random_raw``; an array result lands on ``device`` (computed there on
        the torch path)."""
        dev = target_device(device)
        if not output or size is None or use_numpy(dev):
            return _on_device(super().random_raw(size, output), dev)
        shape = _shape(size)
        n = math.prod(shape)

        def sample(stream):
            w = stream.peek64(n)
            stream.take64(n)
            return w
        return _land(_philox_draw(self, dev, sample), dev, shape, np.uint64)

    def jumped(self, jumps=1):
        new = type(self)()
        new.state = super().jumped(jumps).state
        return new


def _bitgen_class(np_cls):
    """NumPy's bit generator with ``random_raw`` results on trnpy devices."""
    def random_raw(self, size=None, output=True, *, device=None):
        return _on_device(np_cls.random_raw(self, size, output), target_device(device))

    ns = {"__doc__": np_cls.__doc__, "__module__": __name__, "random_raw": random_raw}
    if hasattr(np_cls, "jumped"):
        def jumped(self, jumps=1):
            new = type(self)()
            new.state = np_cls.jumped(self, jumps).state
            return new
        ns["jumped"] = jumped
    return type(np_cls.__name__, (np_cls,), ns)


PCG64 = _bitgen_class(_npr.PCG64)
PCG64DXSM = _bitgen_class(_npr.PCG64DXSM)
MT19937 = _bitgen_class(_npr.MT19937)
SFC64 = _bitgen_class(_npr.SFC64)


# -- Generator --------------------------------------------------------------------------
def _make_generator(bit_generator, device):
    return Generator(bit_generator, device=device)


class Generator(_npr.Generator):
    __doc__ = _npr.Generator.__doc__

    def __init__(self, bit_generator, *, device=None):
        super().__init__(bit_generator)
        self._device = None if device is None else target_device(device)
        # NumPy's methods call others through ``self`` (multivariate_normal calls
        # standard_normal, choice calls random/integers): host draws run on a plain
        # NumPy Generator over the same bit generator, so those calls stay NumPy's
        self._np = _npr.Generator(bit_generator)

    def __reduce__(self):
        return _make_generator, (self.bit_generator, self._device)

    def _dev(self, device, out=None):
        if isinstance(out, TrnArray):
            return out._device
        if device is not None:
            return target_device(device)
        return self._device if self._device is not None else get_default_device()

    def _host(self, dev):
        """Whether this draw runs NumPy's own method (host result, wrapped)."""
        return use_numpy(dev) or not _is_philox(self.bit_generator)

    def spawn(self, n_children):
        return [type(self)(g, device=self._device)
                for g in self.bit_generator.spawn(n_children)]

    # -- fills (random, standard_normal, standard_exponential) --------------------------
    def _fill(self, name, size, dtype, out, device, kinds, extra=(), on_device=True):
        dev = self._dev(device, out)
        dt = dev.default_dtype("real floating") if dtype is None else np.dtype(dtype)
        if self._host(dev) or (size is None and out is None) or not on_device:
            if dev.kind == "neuron":
                dev.check_dtype(dt)
            return _host_call(getattr(self._np, name), (size, dt) + extra, {"out": out}, dev)
        if dt not in (_F64, _F32):
            raise TypeError(f"Unsupported dtype {dt!r} for {name}")
        dev.check_dtype(dt)
        if out is not None:
            shape, order = _check_out(out, dt, size)
        else:
            shape, order = _shape(size), None
        n = math.prod(shape)
        kind = kinds[dt == _F64]
        t = _philox_draw(self.bit_generator, dev, lambda s: kind(s, n))
        if out is None:
            return _land(t, dev, shape, dt)
        if order == "F":
            t = t.reshape(shape[::-1]).permute(*reversed(range(len(shape))))
        return write_out(name, out, t.reshape(shape), dt)

    def random(self, size=None, dtype=None, out=None, *, device=None):
        return self._fill("random", size, dtype, out, device,
                          (_samplers.random32, _samplers.random64))

    def standard_normal(self, size=None, dtype=None, out=None, *, device=None):
        return self._fill("standard_normal", size, dtype, out, device,
                          (lambda s, n: _samplers.ziggurat(s, "normal32", n),
                           lambda s, n: _samplers.ziggurat(s, "normal64", n)))

    def standard_exponential(self, size=None, dtype=None, method="zig", out=None, *,
                             device=None):
        if method == "zig":
            kinds = (lambda s, n: _samplers.ziggurat(s, "exp32", n),
                     lambda s, n: _samplers.ziggurat(s, "exp64", n))
            on_device = True
        else:                           # NumPy: any other method is "inv", -log1p(-u)
            kinds = (lambda s, n: _samplers.exp_inv(s, n, False),
                     lambda s, n: _samplers.exp_inv(s, n, True))
            dev = self._dev(device, out)
            # libm's log1p on the device, where it reproduces the host's
            on_device = not self._host(dev) and _samplers.libm_reproduced(
                _compute_device(dev), True)
        return self._fill("standard_exponential", size, dtype, out, device, kinds,
                          (method,), on_device)

    # -- integers and bytes -------------------------------------------------------------
    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False, *,
                 device=None):
        dev = self._dev(device)
        dt = np.dtype(dtype)
        lo_h, hi_h = _to_host(low), _to_host(high)
        host = (self._np.integers, (lo_h, hi_h, size, dtype, endpoint), {}, dev)
        if self._host(dev) or dt not in _INT_BITS:
            return _host_call(*host)
        if np.ndim(lo_h) or np.ndim(hi_h):
            r = self._integers_array(lo_h, hi_h, size, dt, endpoint, dev)
            return _host_call(*host) if r is None else r
        if size is None:
            return _host_call(*host)
        dev.check_dtype(dt)
        shape = _shape(size)
        n = math.prod(shape)
        if n == 0:                       # NumPy returns before reading the bounds
            return _land(torch.zeros(0, dtype=torch.int64), dev, shape, dt)
        _scratch().integers(lo_h, hi_h, size=1, dtype=dt, endpoint=endpoint)  # NumPy's checks
        if hi_h is None:
            lo, hi = 0, int(np.asarray(lo_h))
        else:
            lo, hi = int(np.asarray(lo_h)), int(np.asarray(hi_h))
        if not endpoint:
            hi -= 1
        bits = _INT_BITS[dt]
        t = _philox_draw(self.bit_generator, dev,
                         lambda s: _samplers.bounded(s, lo % (1 << 64), hi - lo, n, bits))
        return _land(t, dev, shape, dt)

    def _integers_array(self, lo_h, hi_h, size, dt, endpoint, dev):
        """``integers`` with array bounds on the device (None: NumPy's loop on the host,
        for non-integer bounds, shapes NumPy broadcasts otherwise, or bounds whose
        rejections do not settle, see :func:`_samplers.bounded_array`)."""
        lo = np.asarray(lo_h if hi_h is not None else 0)
        hi = np.asarray(hi_h if hi_h is not None else lo_h)
        if lo.dtype.kind not in "iu" or hi.dtype.kind not in "iu":
            return None
        try:
            bshape = np.broadcast_shapes(lo.shape, hi.shape)
            shape = bshape if size is None else _shape(size)
            if np.broadcast_shapes(shape, bshape) != shape:
                return None
        except ValueError:
            return None
        n = math.prod(shape)
        if n == 0:
            return None
        dev.check_dtype(dt)
        # NumPy's checks, in its order and words: bounds on the extremes, then low < high
        _scratch().integers(lo.min(), hi.max(), size=1, dtype=dt, endpoint=endpoint)
        lo, hi = np.broadcast_to(lo, shape), np.broadcast_to(hi, shape)
        if np.any(lo > hi if endpoint else lo >= hi):
            if not np.any(lo):
                raise ValueError("high < 0" if endpoint else "high <= 0")
            raise ValueError("low > high" if endpoint else "low >= high")
        off = lo.astype(np.uint64).reshape(-1)
        rng = hi.astype(np.uint64).reshape(-1) - off - np.uint64(not endpoint)
        t = _philox_draw(self.bit_generator, dev,
                         lambda s: _samplers.bounded_array(s, off, rng, _INT_BITS[dt]))
        return None if t is None else _land(t, dev, shape, dt)

    def bytes(self, length, *, device=None):
        dev = self._dev(device)
        if self._host(dev):
            return self._np.bytes(length)
        length = operator.index(length)
        q = length - 1
        n = (q // 4 if q >= 0 else -(-q // 4)) + 1      # C division, as NumPy's Cython
        u = self.integers(0, 4294967296, size=n, dtype=np.uint32, device=dev)
        return host(u).astype("<u4").tobytes()[:length]

    # -- float64 distributions of one stream draw each ----------------------------------
    def _cont(self, name, params, size, device, kind, combine):
        dev = self._dev(device)
        hp = [_to_host(p) for p in params]
        if self._host(dev) or (size is None and all(np.ndim(p) == 0 for p in hp)):
            return _host_call(getattr(self._np, name), tuple(hp + [size]), {}, dev)
        arrs = [np.asarray(p, dtype=np.float64) for p in hp]
        arrs = _check_cont(name, arrs)
        bshape = np.broadcast_shapes(*(a.shape for a in arrs))
        if size is None:
            shape = bshape
        else:
            shape = _shape(size)
            full = np.broadcast_shapes(shape, bshape)
            if full != shape:
                raise ValueError(f"Output size {shape} is not compatible with broadcast "
                                 f"dimensions of inputs {full}.")
        n = math.prod(shape)
        tdev = _compute_device(dev)
        t = _philox_draw(self.bit_generator, dev, lambda s: kind(s, n)).reshape(shape)
        ts = [torch.from_numpy(np.ascontiguousarray(a)).to(tdev) for a in arrs]
        res = combine(t, *ts)
        return _land(res.reshape(-1), dev, shape, dev.default_dtype("real floating"))

    def uniform(self, low=0.0, high=1.0, size=None, *, device=None):
        return self._cont("uniform", (low, high), size, device, _samplers.random64,
                          lambda u, lo, rg: lo + rg * u)

    def normal(self, loc=0.0, scale=1.0, size=None, *, device=None):
        return self._cont("normal", (loc, scale), size, device,
                          lambda s, n: _samplers.ziggurat(s, "normal64", n),
                          lambda z, loc, scale: loc + scale * z)

    def exponential(self, scale=1.0, size=None, *, device=None):
        return self._cont("exponential", (scale,), size, device,
                          lambda s, n: _samplers.ziggurat(s, "exp64", n),
                          lambda z, scale: scale * z)

    # -- in place -----------------------------------------------------------------------
    def shuffle(self, x, axis=0):
        if not isinstance(x, TrnArray):
            return self._np.shuffle(x, axis)
        if x._device.torch_device.type == "cpu":
            return self._np.shuffle(np_view(x), axis)
        h = host(x)
        self._np.shuffle(h, axis)
        x._t.copy_(torch.from_numpy(h).to(x._t.device))


_INT_BITS = {np.dtype(d): b for d, b in (
    (np.int64, 64), (np.uint64, 64), (np.int32, 32), (np.uint32, 32), (np.int16, 16),
    (np.uint16, 16), (np.int8, 8), (np.uint8, 8), (np.bool_, 1))}


def _check_cont(name, arrs):
    """NumPy's parameter checks of uniform / normal / exponential (float64 arrays)."""
    def non_negative(v, label):
        if np.any(np.logical_and(np.logical_not(np.isnan(v)), np.signbit(v))):
            raise ValueError(f"{label} < 0")
    if name == "uniform":
        lo, hi = arrs
        rng = np.subtract(hi, lo)
        if not np.all(np.isfinite(rng)):
            raise OverflowError("high - low range exceeds valid bounds" if rng.ndim == 0
                                else "Range exceeds valid bounds")
        non_negative(rng, "high - low")
        return [lo, rng]
    non_negative(arrs[-1], "scale")
    return arrs


def _check_out(out, dt, size):
    """NumPy's ``check_output`` for a TrnArray ``out``: (shape, "C" or "F")."""
    if not isinstance(out, TrnArray):
        raise TypeError("out must be a trnpy array on the torch path")
    t = out._t
    if t.is_contiguous():
        order = "C"
    elif t.permute(*reversed(range(t.dim()))).is_contiguous():
        order = "F"
    else:
        raise ValueError("Supplied output array must be contiguous, writable, aligned, "
                         "and in machine byte-order.")
    if out.dtype != dt:
        raise TypeError("Supplied output array has the wrong type. "
                        f"Expected {dt}, got {out.dtype}")
    if size is not None:
        try:
            tup = tuple(size)
        except TypeError:
            tup = (size,)
        if tup != tuple(out.shape):
            raise ValueError("size must match out.shape when used together")
    return tuple(out.shape), order


def _host_method(name):
    @functools.wraps(getattr(_npr.Generator, name))
    def method(self, *args, device=None, **kwargs):
        return _host_call(getattr(self._np, name), args, kwargs,
                          self._dev(device, kwargs.get("out")))
    return method


_DEVICE_METHODS = {"random", "integers", "bytes", "uniform", "standard_normal", "normal",
                   "standard_exponential", "exponential", "shuffle", "spawn"}
for _name in dir(_npr.Generator):
    if not _name.startswith("_") and _name not in _DEVICE_METHODS \
            and callable(getattr(_npr.Generator, _name)):
        setattr(Generator, _name, _host_method(_name))
for _name in _DEVICE_METHODS:
    getattr(Generator, _name).__doc__ = getattr(_npr.Generator, _name).__doc__


def default_rng(seed=None, *, device=None):
    """``Generator(Philox(seed))``: NumPy's Philox stream and seeding (not NumPy's
    default PCG64, so that every device can compute the same stream). A trnpy Generator
    is returned as is; a NumPy Generator or bit generator is wrapped (same stream)."""
    if isinstance(seed, Generator) and device is None:
        return seed
    if isinstance(seed, _npr.Generator):
        return Generator(seed.bit_generator, device=device)
    if isinstance(seed, _npr.BitGenerator):
        return Generator(seed, device=device)
    return Generator(Philox(seed), device=device)


# -- legacy API -------------------------------------------------------------------------
_INSIDE = contextvars.ContextVar("trnpy_random_inside_numpy", default=False)


def _legacy_method(np_method):
    @functools.wraps(np_method)
    def method(self, *args, device=None, **kwargs):
        if _INSIDE.get():        # NumPy's method calling another through self
            return np_method(self, *args, **kwargs)
        tok = _INSIDE.set(True)
        try:
            return _host_call(np_method, (self,) + args, kwargs, target_device(device))
        finally:
            _INSIDE.reset(tok)
    return method


_PASS = {"seed", "get_state", "set_state", "bytes", "get_bit_generator",
         "set_bit_generator"}


class RandomState(_npr.RandomState):
    __doc__ = _npr.RandomState.__doc__

    def shuffle(self, x):
        if isinstance(x, TrnArray) and x._device.torch_device.type != "cpu":
            h = host(x)
            super().shuffle(h)
            x._t.copy_(torch.from_numpy(h).to(x._t.device))
            return None
        return super().shuffle(_to_host(x))


for _name in dir(_npr.RandomState):
    if not _name.startswith("_") and _name not in _PASS and _name != "shuffle" \
            and callable(getattr(_npr.RandomState, _name)):
        setattr(RandomState, _name, _legacy_method(getattr(_npr.RandomState, _name)))


def _legacy_function(f):
    @functools.wraps(f)
    def func(*args, device=None, **kwargs):
        return _host_call(f, args, kwargs, target_device(device))
    return func


def _shuffle(x):
    """NumPy's global ``shuffle``; a trnpy array is shuffled in place."""
    if isinstance(x, TrnArray) and x._device.torch_device.type != "cpu":
        h = host(x)
        _npr.shuffle(h)
        x._t.copy_(torch.from_numpy(h).to(x._t.device))
        return None
    return _npr.shuffle(_to_host(x))


_LEGACY = [n for n in _npr.__all__ if n[0].islower() and n != "default_rng"]
for _name in _LEGACY:
    _f = getattr(_npr, _name)
    globals()[_name] = _f if _name in _PASS else _legacy_function(_f)
shuffle = functools.wraps(_npr.shuffle)(_shuffle)
__all__ += _LEGACY
del _name, _f
