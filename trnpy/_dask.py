"""trnpy arrays as Dask chunks.

Dask loads this module through the entry point ``trnpy`` in the group
``dask.array.backends`` (``dask.config.set({"array.backend": "trnpy"})``); importing it
registers everything a chunk type needs: ``register_chunk_type(TrnArray)``, dask's
data-directed dispatch (``concatenate``, ``tensordot``, ``einsum``, ``take``, ``empty``,
``divide``, ``percentile``, ``numel``, ``nannumel``, ``to_numpy``), ``dask.sizeof`` and
the moves between backends. ``import trnpy`` never imports this module (nor dask).

Serialisation: ``TrnArray.__reduce__`` hands pickle the NumPy view of host data, so
distributed's pickle protocol 5 moves host chunks as out-of-band buffers without a copy;
a device chunk makes one host copy when sent and one device copy when received.

Random numbers: :func:`default_rng`, and dask's own ``da.random.default_rng`` under the
trnpy backend (:class:`DaskPhilox`), give dask ``Generator``s whose draws equal
``trnpy.random.default_rng(seed)``'s for any chunking.
"""
from __future__ import annotations

import math
import sys
from itertools import product

import numpy as np

import dask
import dask.array as da
from dask.array import linalg as _dl, random as _dar, utils as _du
from dask.array.backends import (ArrayBackendEntrypoint, _nannumel, _numel_arraylike,
                                 array_creation_dispatch)
from dask.array.chunk_types import register_chunk_type
from dask.array.core import Array, normalize_chunks
from dask.array.dispatch import (concatenate_lookup, divide_lookup, einsum_lookup,
                                 empty_lookup, nannumel_lookup, numel_lookup,
                                 percentile_lookup, take_lookup, tensordot_lookup,
                                 to_numpy_dispatch)
from dask.array.percentile import _percentile
from dask._task_spec import Task, TaskRef
from dask.base import tokenize
from dask.array.optimization import optimize as _dask_optimize
from dask.highlevelgraph import HighLevelGraph, MaterializedLayer
from dask.sizeof import sizeof
from dask.utils import Dispatch

import trnpy
from ._array import TrnArray
from ._devices import CPU, get_default_device
from .random import Generator as _TrnGenerator
from ._random_bits import PhiloxStream
from .random import Philox

__all__ = ["TrnpyBackendEntrypoint", "Generator", "default_rng", "to_device", "register"]


# -- data-directed dispatch -------------------------------------------------------------
def _einsum(*args, **kwargs):
    # dask passes NumPy's casting= and order= defaults; trnpy's einsum takes NumPy's
    # signature, so they go through unchanged
    return trnpy.einsum(*args, **kwargs)


def _concatenate(arrays, axis=0, **kwargs):
    # dask joins a nested list of blocks one axis at a time (map_overlap's ghost cells,
    # blockwise contractions); a level with one block would copy it whole only for the
    # next level to copy it again. Dask's getitem gives views that share chunk memory in
    # the same way.
    arrays = list(arrays)
    if len(arrays) == 1 and not kwargs and isinstance(arrays[0], TrnArray):
        return arrays[0]
    return trnpy.concatenate(arrays, axis=axis, **kwargs)


def _percentile_chunk(a, q, method="linear"):
    return _percentile(a, q, method)


class _Counts(TrnArray):
    """Element counts on a device without float64. dask's moment reductions (var, std,
    nanvar, nanstd) cast numel's counts to int64 and divide float32 data by them: float64
    by NumPy's rules, which such a device refuses. These counts stay float32 through that
    cast (exact integers up to 2**24 per chunk), so the moments stay float32."""
    __slots__ = ()

    def astype(self, dtype, *args, **kwargs):
        if np.dtype(dtype).kind in "iu":
            return TrnArray._new(self._t, self._device)
        return TrnArray.astype(self, dtype, *args, **kwargs)


def _counts(count, x, kwargs):
    """dask's count ``count(x, **kwargs)``, in float64 by default; float32 (as
    :class:`_Counts`) on a device without float64."""
    dt = np.dtype(kwargs.get("dtype", np.float64))
    try:
        x.device.check_dtype(dt)
    except TypeError:
        kwargs = dict(kwargs, dtype=np.float32 if dt.kind == "f" else np.complex64)
        n = count(x, **kwargs)
        return _Counts._new(n._t, n._device) if isinstance(n, TrnArray) else n
    return count(x, **kwargs)


def _divide(a, b, dtype=None):
    # dask's moment_combine (var, std, nanvar and nanstd's tree reduction) asks for
    # float64 means; on a device without float64 they stay float32 (or complex64), the
    # dtype of the final result anyway
    if dtype is not None:
        dev = next((v.device for v in (a, b) if isinstance(v, TrnArray)), None)
        dt = np.dtype(dtype)
        if dev is not None and dt in (np.float64, np.complex128):
            try:
                dev.check_dtype(dt)
            except TypeError:
                dtype = np.float32 if dt.kind == "f" else np.complex64
    return trnpy.divide(a, b, dtype=dtype)


def _numel(x, **kwargs):
    return _counts(_numel_arraylike, x, kwargs)


def _nannumel_trn(x, **kwargs):
    return _counts(_nannumel, x, kwargs)


def _to_numpy(data, **kwargs):
    return trnpy.asnumpy(data, **kwargs)


to_trnpy_dispatch = Dispatch("to_trnpy_dispatch")


@to_trnpy_dispatch.register(np.ndarray)
def _numpy_to_trnpy(data, device=None, **kwargs):
    return trnpy.asarray(data, device=get_default_device() if device is None else device,
                         **kwargs)


@to_trnpy_dispatch.register(TrnArray)
def _trnpy_to_trnpy(data, device=None, **kwargs):
    return data if device is None else _move(data, device)


# -- SciPy calls inside dask's own graphs --------------------------------------------
# da.linalg.lu/solve/inv/solve_triangular/lstsq/cholesky put scipy.linalg.lu and
# scipy.linalg.solve_triangular into their graphs as task functions; SciPy turns a trnpy
# chunk into a NumPy result (and cannot read a device chunk). The array optimisation
# below swaps those task functions for ones that keep TrnArray chunks in trnpy and pass
# anything else to SciPy unchanged.
def _lu(a, *args, **kwargs):
    if isinstance(a, TrnArray):
        return trnpy.linalg.lu(a, *args, **kwargs)
    import scipy.linalg   # optional dependency, as dask's own graph uses it
    return scipy.linalg.lu(a, *args, **kwargs)


def _solve_triangular(a, b, lower=False, **kwargs):
    if isinstance(a, TrnArray) or isinstance(b, TrnArray):
        return trnpy.linalg.solve_triangular(trnpy.asarray(a), trnpy.asarray(b),
                                             lower=lower, **kwargs)
    import scipy.linalg   # optional dependency, as dask's own graph uses it
    return scipy.linalg.solve_triangular(a, b, lower=lower, **kwargs)


def _solve_triangular_lower(a, b):
    return _solve_triangular(a, b, lower=True)


def _swaps():
    """{function dask's graphs hold: its trnpy-aware stand-in}."""
    import scipy.linalg   # optional dependency: the function dask's lu graph holds
    return {scipy.linalg.lu: _lu, _du.solve_triangular_safe: _solve_triangular,
            _dl._solve_triangular_lower: _solve_triangular_lower}


def _swapped(swaps, f):
    # trnpy.scipy_dispatch's stand-ins (on while the graph was built) wrap SciPy's own
    try:
        return swaps.get(f, swaps.get(getattr(f, "__wrapped__", None), f))
    except TypeError:            # an unhashable callable
        return f


def _zeros_as(shape, like):
    """Zeros of ``like``'s kind (dask's lu graph fills its zero blocks with np.zeros)."""
    if isinstance(like, TrnArray):
        return trnpy.zeros(shape, dtype=like.dtype, device=like.device)
    return np.zeros(shape)


def _swap_task(t, swaps, like):
    """Legacy task ``t`` (nested tuples) with its functions swapped; ``t`` if none."""
    if isinstance(t, tuple) and t and callable(t[0]):
        if t[0] is np.zeros and like is not None and len(t) == 2:
            return (_zeros_as, t[1], like)
        args = tuple(_swap_task(a, swaps, like) for a in t[1:])
        f = _swapped(swaps, t[0])
        if f is t[0] and all(a is b for a, b in zip(args, t[1:])):
            return t
        return (f,) + args
    if isinstance(t, list):
        new = [_swap_task(a, swaps, like) for a in t]
        return t if all(a is b for a, b in zip(new, t)) else new
    if isinstance(t, Task) and _swapped(swaps, t.func) is not t.func:
        return Task(t.key, _swapped(swaps, t.func), *t.args, **t.kwargs)
    return t


def optimize(dsk, keys, **kwargs):
    """dask's array optimisation, after swapping SciPy task functions for trnpy-aware
    ones in materialised layers (blockwise layers hold none and are left alone)."""
    if isinstance(dsk, HighLevelGraph):
        swaps, layers, changed = _swaps(), dict(dsk.layers), False
        for name, layer in dsk.layers.items():
            if not isinstance(layer, MaterializedLayer):
                continue
            m = layer.mapping
            like = None
            if any(isinstance(v, tuple) and v and _swapped(swaps, v[0]) is _lu
                   for v in m.values()):
                # the input's first block tells the zero blocks their kind
                like = next((k for dep in sorted(dsk.dependencies[name])
                             for k in dsk.layers[dep].keys() if isinstance(k, tuple)
                             and all(i == 0 for i in k[1:])), None)
            new = {k: _swap_task(v, swaps, like) for k, v in m.items()}
            if any(new[k] is not v for k, v in m.items()):
                layers[name] = MaterializedLayer(new, annotations=layer.annotations)
                changed = True
        if changed:
            dsk = HighLevelGraph(layers, dsk.dependencies)
    return _dask_optimize(dsk, keys, **kwargs)


_REGISTERED = []


def register():
    """Register TrnArray with dask (idempotent; done when this module is imported)."""
    if _REGISTERED:
        return
    register_chunk_type(TrnArray)
    concatenate_lookup.register(TrnArray, _concatenate)
    take_lookup.register(TrnArray, trnpy.take)
    tensordot_lookup.register(TrnArray, trnpy.tensordot)
    einsum_lookup.register(TrnArray, _einsum)
    empty_lookup.register(TrnArray, trnpy.empty)
    divide_lookup.register(TrnArray, _divide)
    percentile_lookup.register(TrnArray, _percentile_chunk)
    numel_lookup.register(TrnArray, _numel)
    nannumel_lookup.register(TrnArray, _nannumel_trn)
    to_numpy_dispatch.register(TrnArray, _to_numpy)
    # the scheduler's memory accounting (limits, spilling) needs the real size
    sizeof.register(TrnArray)(lambda x: x.nbytes + 64)
    if dask.config.get("array_optimize", None) is None:
        dask.config.set({"array_optimize": optimize})
    _REGISTERED.append(True)
    # the entry point does this after `pip install`; here so that importing this
    # module is enough (a source checkout)
    if "trnpy" not in array_creation_dispatch._lookup:
        array_creation_dispatch.register_backend("trnpy", TrnpyBackendEntrypoint())


# -- moving chunks between devices ------------------------------------------------------
def _move(x, device):
    """``x`` on ``device``; a chunk that cannot go there says which two devices."""
    dev = trnpy.device(device)
    if not isinstance(x, TrnArray):
        x = trnpy.asarray(x, device=CPU)
    if x.device == dev:
        return x
    try:
        return x.to_device(dev)
    except (TypeError, RuntimeError, ValueError) as e:
        raise type(e)(f"a {x.dtype} chunk of shape {x.shape} on {x.device} cannot move to "
                      f"{dev}: {e}") from None


def to_device(arr, device):
    """Dask array ``arr`` with every chunk on trnpy ``device`` (NumPy chunks become
    trnpy chunks); a chunk that cannot move raises naming both devices."""
    dev = trnpy.device(device)
    meta = trnpy.empty((0,) * arr.ndim, dtype=arr.dtype, device=CPU)
    if dev is not CPU:
        src = arr._meta.device if isinstance(arr._meta, TrnArray) else "the host"
        try:
            dev.check_dtype(arr.dtype)
        except TypeError as e:
            raise TypeError(f"{arr.dtype} chunks on {src} cannot move to {dev}: {e}") \
                from None
        meta = meta.to_device(dev)
    return arr.map_blocks(_move, dev, dtype=arr.dtype, meta=meta)


# -- the backend entry point ------------------------------------------------------------
def _meta(dtype=None):
    # 1-d: a 0-d array's x[()] is a NumPy scalar on the CPU, as in NumPy, which dask
    # would turn into a NumPy meta
    return trnpy.empty((0,), dtype=dtype, device=get_default_device())


def _with_meta(name, *args, meta=None, **kwargs):
    meta = _meta(kwargs.get("dtype")) if meta is None else meta
    with dask.config.set({"array.backend": "numpy"}):
        return getattr(da, name)(*args, meta=meta, **kwargs)


class TrnpyBackendEntrypoint(ArrayBackendEntrypoint):
    """``dask.config.set({"array.backend": "trnpy"})``: dask's creation functions build
    trnpy chunks on the current trnpy device (``with trnpy.device(...)``)."""

    def __init__(self):
        register()

    @classmethod
    def to_backend_dispatch(cls):
        return to_trnpy_dispatch

    @classmethod
    def to_backend(cls, data: Array, **kwargs):
        if isinstance(data._meta, TrnArray) and not kwargs:
            return data
        return data.map_blocks(cls.to_backend_dispatch(), **kwargs)

    @property
    def RandomState(self):
        return trnpy.random.RandomState

    @property
    def default_bit_generator(self):
        return DaskPhilox

    @staticmethod
    def ones(*args, **kwargs):
        return _with_meta("ones", *args, **kwargs)

    @staticmethod
    def zeros(*args, **kwargs):
        return _with_meta("zeros", *args, **kwargs)

    @staticmethod
    def empty(*args, **kwargs):
        return _with_meta("empty", *args, **kwargs)

    @staticmethod
    def full(*args, **kwargs):
        return _with_meta("full", *args, **kwargs)

    @staticmethod
    def arange(*args, like=None, **kwargs):
        like = _meta() if like is None else like
        with dask.config.set({"array.backend": "numpy"}):
            return da.arange(*args, like=like, **kwargs)


# -- random numbers independent of chunking ---------------------------------------------
# A chunk of an n-d array is a set of runs of the C-order stream: draw k of
# trnpy.random.default_rng(seed).random(shape) is element k in C order. Each chunk starts
# its runs from the Philox state at the run's first draw. For random() that state is
# arithmetic (a float64 takes one 64-bit word, a float32 one 32-bit half: Philox is
# counter-based, so any offset is one block computation away). standard_normal (the
# ziggurat's rare slow path takes extra words) and integers (Lemire's rejections) take a
# variable number of words per draw: where draw k starts in the stream is known only
# after the draws before it, so a "plan" task walks the stream once (serially) to record
# the state at each run start, and the chunks then draw in parallel from those states.
# The plan of every draw also gives the state after it, so consecutive draws of one
# generator continue the stream as trnpy's do.
_CONSTANT = {"random"}          # methods whose words per draw do not depend on the values


def _philox_at(state):
    bg = Philox()
    bg.state = state
    return bg


def _draw(state, method, n, dtype, device, kwargs):
    """``n`` draws of ``method`` from Philox ``state``: (flat TrnArray, state after)."""
    bg = _philox_at(state)
    g = _TrnGenerator(bg, device=device)
    if method == "integers":
        r = g.integers(kwargs["low"], kwargs["high"], size=n, dtype=dtype,
                       endpoint=kwargs["endpoint"])
    else:
        r = getattr(g, method)(size=n, dtype=dtype)
    return r, bg.state


_PIECE = 1 << 22                # draws per step of a plan's walk (bounds its memory)


def _plan(base, method, dtype, device, kwargs, starts, total):
    """{draw index: Philox state before it} for ``starts`` and ``total`` (the end)."""
    pts = sorted(set(starts) | {total})
    out = {}
    if method in _CONSTANT:
        for p in pts:
            s = PhiloxStream(base, device, None)
            if np.dtype(dtype) == np.float32:
                s.take32(p)
            else:
                s.take64(p)
            out[p] = s.state
        return out
    state, at = base, 0
    for p in pts:
        while p > at:
            k = min(p - at, _PIECE)
            _, state = _draw(state, method, k, dtype, device, kwargs)
            at += k
        out[p] = state
    return out


def _plan_end(plan, total):
    return plan[total]


def _runs(shape, chunks_at, chunk):
    """C-order runs of a chunk (``chunks_at``: its start per axis) in an array of
    ``shape``: (run starts, run length)."""
    nd = len(shape)
    m = nd - 1                       # trailing axes the chunk covers whole join one run
    while m >= 0 and chunk[m] == shape[m]:
        m -= 1
    if m < 0:
        return np.zeros(1, dtype=np.int64), math.prod(shape)
    strides = [math.prod(shape[k + 1:]) for k in range(nd)]
    starts = np.full(1, chunks_at[m] * strides[m], dtype=np.int64)
    for k in range(m - 1, -1, -1):
        starts = ((chunks_at[k] + np.arange(chunk[k], dtype=np.int64)) * strides[k]
                  )[:, None] + starts[None, :]
        starts = starts.reshape(-1)
    return starts, chunk[m] * strides[m]


def _use_stretch(starts, length):
    """Draw the covering stretch and gather (one call), unless the draws it wastes cost
    more than a call per run (about a millisecond, some 10**5 draws)."""
    span = int(starts[-1] - starts[0]) + length
    return span - len(starts) * length <= 100_000 * len(starts)


def _draw_chunk(plan, method, dtype, device, kwargs, starts, length, shape):
    starts = np.asarray(starts, dtype=np.int64)
    if _use_stretch(starts, length):
        first = int(starts[0])
        span = int(starts[-1]) - first + length
        flat, _ = _draw(plan[first], method, span, dtype, device, kwargs)
        if len(starts) > 1:
            idx = ((starts - first)[:, None] + np.arange(length)).reshape(-1)
            flat = flat[trnpy.asarray(idx, device=flat.device)]
    else:
        flat = trnpy.concatenate([_draw(plan[int(p)], method, length, dtype, device,
                                        kwargs)[0] for p in starts])
    return flat.reshape(shape)


class Generator(da.random.Generator):
    """A dask ``Generator`` whose draws equal ``trnpy.random.default_rng(seed)``'s, chunk
    for chunk, for any chunking and any number of workers: ``random``,
    ``standard_normal`` and ``integers`` (the methods trnpy samples on the device from
    its Philox stream). Other methods raise NotImplementedError rather than draw a
    different stream. Chunks land on ``device`` (default: the current trnpy device).

    ``random`` places every chunk arithmetically. ``standard_normal`` and ``integers``
    take a variable number of words per draw, so one task first walks the whole stream
    (serially, as fast as one trnpy draw of the whole array) to find where each chunk
    starts; the chunks are then drawn in parallel."""

    def __init__(self, bit_generator, *, device=None):
        if not isinstance(bit_generator, np.random.Philox):
            raise TypeError("trnpy's dask Generator draws trnpy's Philox stream; got "
                            f"{type(bit_generator).__name__}")
        super().__init__(bit_generator)
        self._device = trnpy.device(device) if device is not None else None
        self._state = bit_generator.state       # a state dict, or a Delayed one

    def __str__(self):
        return "trnpy Generator(Philox)"

    def _array(self, method, size, dtype, chunks, kwargs):
        dev = self._device if self._device is not None else get_default_device()
        dtype = _draw_dtype(dev, dtype)
        shape = _shape(size)
        chunks = normalize_chunks(chunks, shape, dtype=dtype)
        total = math.prod(shape)
        specs, need = _layout(shape, chunks)
        plan = dask.delayed(_plan, pure=True)(self._state, method, dtype, dev, kwargs,
                                               need, total)
        self._state = dask.delayed(_plan_end, pure=True)(plan, total)
        name = f"trnpy-{method}-{tokenize(plan.key, shape, chunks)}"
        dsk = {(name,) + b: Task((name,) + b, _draw_chunk, TaskRef(plan.key), method,
                                 dtype, dev, kwargs, starts.tolist(), length, chunk)
               for b, starts, length, chunk in specs}
        graph = HighLevelGraph.from_collections(name, dsk, dependencies=[plan])
        meta = trnpy.empty((0,) * len(shape), dtype=dtype, device=dev)
        return Array(graph, name, chunks, meta=meta)

    def random(self, size=None, dtype=None, out=None, chunks="auto"):
        if out is not None:
            raise NotImplementedError("dask arrays take no out=")
        return self._array("random", size, dtype, chunks, {})

    def standard_normal(self, size=None, dtype=None, out=None, chunks="auto"):
        if out is not None:
            raise NotImplementedError("dask arrays take no out=")
        return self._array("standard_normal", size, dtype, chunks, {})

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False,
                 chunks="auto"):
        if high is None:
            low, high = 0, low
        for v in (low, high):
            if np.ndim(v):
                raise NotImplementedError("trnpy's dask integers takes scalar bounds")
        _check_integers(low, high, dtype, endpoint,
                        normalize_chunks(chunks, _shape(size), dtype=np.dtype(dtype)))
        return self._array("integers", size, dtype, chunks,
                           {"low": low, "high": high, "endpoint": endpoint})


def _draw_dtype(dev, dtype):
    dtype = dev.default_dtype("real floating") if dtype is None else np.dtype(dtype)
    dev.check_dtype(dtype)
    return dtype


def _layout(shape, chunks):
    """Each block's (index, run starts, run length, shape) in C order, and the sorted
    draw indices a plan must give states for."""
    offsets = [np.cumsum((0,) + c[:-1]) for c in chunks]
    specs, need = [], set()
    for b in product(*[range(len(c)) for c in chunks]):
        at = tuple(int(offsets[k][i]) for k, i in enumerate(b))
        chunk = tuple(chunks[k][i] for k, i in enumerate(b))
        if math.prod(chunk) == 0:
            specs.append((b, np.zeros(1, np.int64), 0, chunk))
            continue
        starts, length = _runs(shape, at, chunk)
        specs.append((b, starts, length, chunk))
        need |= {int(starts[0])} if _use_stretch(starts, length) else set(starts.tolist())
    return specs, sorted(need)


def _check_integers(low, high, dtype, endpoint, chunks):
    for v in (low, high):
        if np.ndim(v):
            raise NotImplementedError("trnpy's dask integers takes scalar bounds")
    # NumPy's checks of the bounds, here rather than in every chunk
    np.random.Generator(np.random.Philox(0)).integers(low, high, size=1, dtype=dtype,
                                                      endpoint=endpoint)
    dt = np.dtype(dtype)
    if dt.itemsize < 4 and math.prod(len(c) for c in chunks) > 1:
        raise NotImplementedError(
            f"integers of dtype {dt} in more than one chunk: NumPy draws 8- and 16-bit "
            "integers (and bool) from a 32-bit buffer that lives only inside one call, "
            "so a chunk cannot start mid-stream; use one chunk, or a 32/64-bit dtype")


def _shape(size):
    return () if size is None else tuple(
        int(s) for s in (size if isinstance(size, (tuple, list)) else (size,)))


def _refuse(name):
    def method(self, *args, **kwargs):
        raise NotImplementedError(
            f"trnpy's dask Generator has no {name}(): only random, standard_normal and "
            "integers are drawn from trnpy's stream chunk by chunk; draw on one chunk "
            "with trnpy.random, or use dask's numpy backend (a different stream)")
    method.__name__ = name
    return method


for _name in dir(da.random.Generator):
    if not _name.startswith("_") and _name not in ("random", "standard_normal",
                                                   "integers") \
            and callable(getattr(da.random.Generator, _name)):
        setattr(Generator, _name, _refuse(_name))


def default_rng(seed=None, *, device=None):
    """A dask Generator drawing ``trnpy.random.default_rng(seed)``'s stream (NumPy's
    Philox seeding) for any chunking; see :class:`Generator`."""
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, np.random.Generator):
        seed = seed.bit_generator
    bg = seed if isinstance(seed, np.random.Philox) else Philox(seed)
    return Generator(bg, device=device)


# -- dask's own da.random.default_rng under the trnpy backend ----------------------------
# dask's Generator asks its bit generator's ``_seed_seq.spawn(n)`` for one seed per chunk,
# builds a bit generator from each, and every chunk task draws
# ``<library>.random.default_rng(seed).<method>(size=chunk shape)``. The spawn knows
# neither the array's shape nor its chunks, which a chunk needs to find its place in the
# stream, so it reads them from dask's ``_wrap_func`` call that asks for the seeds (the
# one caller that draws per chunk: choice and others are refused). Each seed it gives is
# a trnpy Generator that draws exactly its chunk's runs of the stream: trnpy's
# default_rng returns a trnpy Generator as is. Words per draw vary for standard_normal
# and integers, so where their chunks start is found by walking the stream once, here
# when the array is defined (dask's graph has no place for a plan task);
# trnpy._dask.default_rng defers that walk to one task.
_METHODS = ("random", "standard_normal", "integers")


def _dask_call(n):
    """The locals of dask.array.random._wrap_func asking for ``n`` seeds, or None."""
    f = sys._getframe(2)
    for _ in range(4):
        if f is None:
            return None
        if f.f_code is _dar._wrap_func.__code__:
            loc = f.f_locals
            chunks = loc.get("chunks")
            if chunks is not None and math.prod(len(c) for c in chunks) == n:
                return loc
            return None
        f = f.f_back
    return None


class _ChunkDraw(_TrnGenerator):
    """The seed dask hands one chunk task: draws that chunk of the array (its ``shape``,
    or an empty array for dask's meta) and nothing else."""

    def __init__(self, method, dtype, device, kwargs, states, starts, length, shape, token):
        super().__init__(_philox_at(states[min(states)]), device=device)
        self._spec = (method, dtype, device, kwargs, states, starts, length, shape, token)

    def __reduce__(self):
        return _ChunkDraw, self._spec

    def __dask_tokenize__(self):
        return self._spec[-1]

    def _chunk(self, method, size, dtype):
        m, dt, dev, kwargs, states, starts, length, shape, _ = self._spec
        size = _shape(size)
        if method != m or np.dtype(dtype) != dt:
            raise ValueError(f"this seed draws {m} of {dt}, not {method} of {dtype}")
        if math.prod(size) == 0:
            return trnpy.empty(size, dtype=dt, device=dev)
        if size != shape:
            raise ValueError(f"this seed draws a chunk of shape {shape}, not {size}")
        return _draw_chunk(states, m, dt, dev, kwargs, starts, length, shape)

    def random(self, size=None, dtype=np.float64, out=None):
        return self._chunk("random", size, dtype)

    def standard_normal(self, size=None, dtype=None, out=None):
        return self._chunk("standard_normal", size,
                           self._spec[1] if dtype is None else dtype)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._chunk("integers", size, dtype)


class _Spawner:
    """The ``_seed_seq`` of a root :class:`DaskPhilox`: one :class:`_ChunkDraw` per chunk
    of the array dask is building."""

    def __init__(self, root):
        self._root = root

    def spawn(self, n):
        loc = _dask_call(n)
        name = sys._getframe(2).f_code.co_name if loc is None else loc.get("funcname")
        if loc is None or name not in _METHODS:
            raise NotImplementedError(
                f"da.random's {name}() under the trnpy backend would give "
                "each chunk its own spawned stream, unlike trnpy.random.default_rng(seed); "
                "only random, standard_normal and integers (scalar arguments) are drawn "
                "from trnpy's stream chunk by chunk (also by trnpy._dask.default_rng)")
        args, kwargs = list(loc["args"]), dict(loc["kwargs"])
        if any(isinstance(v, (Array, np.ndarray)) for v in args + list(kwargs.values())):
            raise NotImplementedError(f"trnpy's dask {name} takes scalar arguments")
        if kwargs.pop("out", None) is not None:
            raise NotImplementedError("dask arrays take no out=")
        dev = get_default_device()
        dtype = kwargs.pop("dtype", np.int64 if name == "integers" else None)
        if name == "integers":
            low = args[0] if args else kwargs.pop("low")
            high, endpoint = kwargs.pop("high", None), kwargs.pop("endpoint", False)
            if high is None:
                low, high = 0, low
            _check_integers(low, high, dtype, endpoint, loc["chunks"])
            kwargs = {"low": low, "high": high, "endpoint": endpoint}
            dtype = np.dtype(dtype)
            dev.check_dtype(dtype)
        else:
            if args or kwargs:
                raise TypeError(f"{name}() got unexpected arguments {args} {kwargs}")
            dtype = _draw_dtype(dev, dtype)
        shape, chunks = tuple(loc["size"]), loc["chunks"]
        total = math.prod(shape)
        specs, need = _layout(shape, chunks)
        base = dict(self._root.state, bit_generator="Philox")
        # the walk gives the same states on any device: on the host it is NumPy's draw
        plan = _plan(base, name, dtype, CPU, kwargs, need, total)
        self._root.state = dict(plan[total], bit_generator=type(self._root).__name__)
        token = tokenize(base, name, dtype, dev, kwargs, shape, chunks)
        out = []
        for b, starts, length, chunk in specs:
            if math.prod(chunk) == 0:
                states = {0: base}
            elif _use_stretch(starts, length):
                states = {int(starts[0]): plan[int(starts[0])]}
            else:
                states = {int(p): plan[int(p)] for p in starts}
            out.append(_ChunkDraw(name, dtype, dev, kwargs, states, starts.tolist(),
                                  length, chunk, (token, b)))
        return out


class DaskPhilox(Philox):
    """The bit generator of dask's ``da.random.default_rng(seed)`` under the trnpy
    backend: chunk for chunk its ``random``, ``standard_normal`` and ``integers`` equal
    ``trnpy.random.default_rng(seed)``'s draws, for any chunking (see the notes above)."""

    def __init__(self, seed=None):
        if isinstance(seed, _ChunkDraw):          # dask's per-chunk copy of a seed
            super().__init__(0)
            self._chunk = seed
        else:
            super().__init__(seed)
            self._chunk = None

    @property
    def _seed_seq(self):
        return self._chunk if self._chunk is not None else _Spawner(self)

    def __dask_tokenize__(self):
        return ("trnpy.DaskPhilox", tokenize(self._chunk) if self._chunk is not None
                else tokenize(self.state))

register()
