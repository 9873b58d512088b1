"""The one mechanism for elementwise functions: NumPy-like ufunc objects.

A :class:`ufunc` pairs a NumPy ufunc (the oracle for result dtypes and the CPU
implementation) with a torch implementation (CUDA, neuron, or the torch CPU backend).
Loop dtypes come from ``numpy_ufunc.resolve_dtypes`` so promotion is NumPy's, Python
scalars included (NEP 50). The torch function receives tensors already cast to a dtype
torch computes in (see ``_dtypes.compute_torch``) and its result is cast back to the loop
dtype with NumPy's wrap-around.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index
from . import _torch
from ._torch import torch

from . import _array, _convert, _dispatch, _dtypes, _errstate, _hotpath, _normalize, _tensor
from ._array import TrnArray, check_writeable
from ._devices import CPU

_NoValue = object()
_WEAK_TYPES = (builtins.int, builtins.float, builtins.complex)
_FAST_SCALARS = frozenset(_WEAK_TYPES + (builtins.bool,))
_backend = _dispatch._CPU_BACKEND.get
_host_result = _convert.host_result


def _torch_function(name):
    """torch's function named ``name`` (dotted names reach submodules)."""
    fn = torch
    for part in name.split("."):
        fn = getattr(fn, part)
    return fn


def _dtype_key(x):
    """What resolve_dtypes takes for operand ``x``."""
    if isinstance(x, TrnArray):
        return _dtypes._TORCH_TO_NP[x._t.dtype]
    if isinstance(x, builtins.bool):
        return np.dtype(np.bool_)
    t = type(x)
    if t in _WEAK_TYPES:
        return t
    for w in _WEAK_TYPES:           # subclasses of int/float/complex
        if isinstance(x, w) and not isinstance(x, np.generic):
            return w
    raise AssertionError(f"unnormalised operand {type(x)}")


class ufunc(_hotpath.UfuncBase):
    """An elementwise function with NumPy's ufunc calling convention."""

    def __init__(self, name, np_ufunc, torch_func, *, pass_dtypes=False, doc=None,
                 direct=None):
        self.__name__ = name
        self._np = np_ufunc
        # a name (``"sin"``, ``"special.erf"``): torch's function, looked up on first
        # use so that building the ufuncs does not import torch
        self._torch = _torch.deferred(self, "_torch", torch_func) if type(torch_func) is str \
            else torch_func
        self._pass_dtypes = pass_dtypes
        # direct(loop) -> a torch function that *is* this ufunc's loop on tensors already in
        # the loop's compute dtypes (``torch.add`` for real add), or None; a named torch
        # function is that for every loop. The fast path calls it in place of the wrapper.
        self._direct = (lambda loop: _torch_function(torch_func)) \
            if direct is None and type(torch_func) is str and not pass_dtypes else direct
        self._fast_nargs = np_ufunc.nin if np_ufunc.nout == 1 else -1
        self.__doc__ = doc or getattr(np_ufunc, "__doc__", None)
        # torch fast path (see _call): resolved loops per operand dtypes / weak scalar
        # types -> (device, per-operand cast needed, result storage dtype, loop, loop passed
        # to the torch function, the torch function, whether the C module may call it)
        self._loops = {}
        self._checked = name in _errstate.CHECKED
        # subclasses that override _call_torch (comparisons with out-of-range Python ints)
        # take only array operands on the fast path
        self._plain_torch = type(self)._call_torch is ufunc._call_torch

    nin = property(lambda self: self._np.nin)
    nout = property(lambda self: self._np.nout)
    nargs = property(lambda self: self._np.nargs)
    identity = property(lambda self: self._np.identity)
    ntypes = property(lambda self: self._np.ntypes)
    types = property(lambda self: self._np.types)

    def __repr__(self):
        return f"<trnpy ufunc '{self.__name__}'>"

    def __call__(self, x1=_NoValue, x2=_NoValue, /, *args, **kwargs):
        # hot path: host arrays holding their NumPy view (and weak scalars), on the NumPy
        # backend, no keywords. Spelled out per arity: on tiny inputs a generic loop
        # costs as much as NumPy's own call.
        if not args and not kwargs and _backend() == "numpy":
            n = self._fast_nargs
            if type(x1) is TrnArray:
                if x1._device is CPU and (a := x1._np) is not None:
                    if x2 is _NoValue:
                        if n == 1:
                            return _host_result(self._np(a))
                    elif n == 2:
                        if type(x2) is TrnArray:
                            if x2._device is CPU and (b := x2._np) is not None:
                                return _host_result(self._np(a, b))
                        elif type(x2) in _FAST_SCALARS:
                            return _host_result(self._np(a, x2))
            elif (n == 2 and type(x1) in _FAST_SCALARS and type(x2) is TrnArray
                  and x2._device is CPU and (b := x2._np) is not None):
                return _host_result(self._np(x1, b))
        args = tuple(a for a in (x1, x2) if a is not _NoValue) + args
        return self._call(*args, **kwargs)

    def _call(self, *args, out=None, where=True, dtype=None, casting="same_kind",
              order="K", subok=True, signature=None):
        # torch fast path: TrnArrays of one device off the NumPy backend (and weak Python
        # scalars), no keywords, one output, at most two operands. The resolved loop is
        # cached per operand dtypes, with the device it was checked for; shapes are only
        # compared (NumPy's broadcasting rule); no-op casts are skipped. Anything else
        # takes the general path below, the reference (errors included).
        a0 = args[0] if args else None
        if type(a0) is not TrnArray and len(args) == 2:
            a0 = args[1]
        # (CPU arrays on the NumPy backend never make a tensor: that would import torch)
        if (out is None and where is True and dtype is None and signature is None
                and subok is True and casting == "same_kind" and order == "K"
                and not (type(a0) is TrnArray and a0._device is CPU
                         and _backend() == "numpy")):
            key = None
            nargs = len(args)
            if nargs == 1:
                if type(x := args[0]) is TrnArray and self._fast_nargs == 1:
                    dev = x._device
                    t = x._tt
                    if t is None:
                        t = x._t
                    tensors = (t,)
                    key = t.dtype
            elif nargs == 2 and self._fast_nargs == 2:
                x, y = args
                if type(x) is TrnArray:
                    dev = x._device
                    t = x._tt
                    if t is None:
                        t = x._t
                    if type(y) is TrnArray:
                        if y._device is dev:
                            u = y._tt
                            if u is None:
                                u = y._t
                            s1 = t.shape
                            s2 = u.shape
                            if s1 == s2 or builtins.all(
                                    a == b or a == 1 or b == 1
                                    for a, b in zip(reversed(s1), reversed(s2))):
                                tensors = (t, u)
                                key = t.dtype
                                if u.dtype is not key:
                                    key = (key, u.dtype)
                    elif type(y) in _FAST_SCALARS and self._plain_torch:
                        tensors = (t, y)
                        key = (t.dtype, type(y))
                elif type(y) is TrnArray and type(x) in _FAST_SCALARS and self._plain_torch:
                    dev = y._device
                    u = y._tt
                    if u is None:
                        u = y._t
                    tensors = (x, u)
                    key = (type(x), u.dtype)
            if key is not None and (dev is not CPU or _backend() != "numpy"):
                entry = self._loops.get(key)
                if entry is None or entry[0] is not dev:
                    # resolve (NumPy's errors) and check the loop against this device
                    loop = self.resolve(args)
                    for dt in loop:
                        dev.check_dtype(dt)
                    keys = key if type(key) is tuple else (key,) * nargs
                    casts = tuple(type(k) is type or _dtypes.compute_torch(dt) is not k
                                  for k, dt in zip(keys, loop))
                    casts = casts if True in casts else None
                    fn = None if self._direct is None else self._direct(loop)
                    pass_loop = loop if self._pass_dtypes and fn is None else None
                    # the C module's torch path (trnpy/_speedups.c) takes array operands
                    # of this one dtype and shape through fn alone
                    c_direct = (fn is not None and casts is None and not self._checked
                                and type(key) is not tuple)
                    entry = (dev, casts, _dtypes.to_torch(loop[-1]), loop, pass_loop,
                             self._torch if fn is None else fn, c_direct)
                    self._loops[key] = entry
                _, casts, res_t, loop, pass_loop, fn, _ = entry
                if casts is not None:
                    tensors = tuple(
                        (_tensor.scalar_tensor(t, dt, dev) if type(t) in _FAST_SCALARS
                         else _tensor.compute_tensor(t, dt)) if c else t
                        for t, dt, c in zip(tensors, loop, casts))
                if pass_loop is None:
                    res = fn(*tensors)
                else:
                    res = fn(*tensors, dtypes=pass_loop)
                if self._checked:
                    _errstate.check_torch(self.__name__, tensors, (res,), None)
                if res.dtype is not res_t:
                    res = _tensor.from_compute(res, loop[-1])
                return TrnArray._new(res, dev)
        nin, nout = self._np.nin, self._np.nout
        if len(args) != nin:
            if nin < len(args) <= nin + nout and out is None:
                args, out = args[:nin], tuple(args[nin:]) + (None,) * (nin + nout - len(args))
            else:
                raise TypeError(f"{self.__name__}() takes {nin} positional argument(s) "
                                f"but {len(args)} were given")
        if order is not None and (not isinstance(order, str) or order.upper() not in
                                  ("K", "A", "C", "F")):
            if not isinstance(order, (str, bytes)):
                raise TypeError(f"order must be str, not {type(order).__name__}")
            if not (isinstance(order, bytes) and order.upper() in (b"K", b"A", b"C", b"F")):
                raise ValueError(f"order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
        if subok is not True or signature is not None:
            raise NotImplementedError(
                f"trnpy.{self.__name__}: order=/subok=/signature= other than the defaults "
                "are not supported")
        outs = _out_tuple(self.__name__, out, nout)
        ops, dev = _convert.as_operands(args)
        if nin == 1:
            _convert.refuse_big_int(ops[0])
        given = [o for o in outs if o is not None]
        for o in given:
            if not isinstance(o, TrnArray):
                raise TypeError(f"{self.__name__}: out must be a trnpy array, "
                                f"not {type(o).__name__}")
        if given:
            _convert.same_device(*given, *ops)
            dev = given[0]._device
        if where is not True:
            where, _ = _convert.as_operands([where])
            where = where[0]
            _convert.same_device(where, *ops)
            shapes = [getattr(o, "shape", ()) for o in (*ops, *given, where)]
            try:
                shape = np.broadcast_shapes(*shapes)
            except ValueError:
                raise ValueError("operands could not be broadcast together with shapes "
                                 + " ".join(str(s) for s in shapes) + " ") from None
            if len(given) != nout and not _dispatch.use_numpy(dev):
                # NumPy leaves the masked-out elements unspecified: here they are zeros
                loop = self.resolve(ops, dtype, casting)
                outs = tuple(o if o is not None else TrnArray._new(torch.zeros(
                    shape, dtype=_dtypes.to_torch(dt), device=dev.torch_device), dev)
                    for o, dt in zip(outs, loop[nin:]))
        if dtype is not None:
            dtype = _dtypes.as_dtype(dtype)
            dev.check_dtype(dtype)

        if _dispatch.use_numpy(dev):
            np_ops = [_convert.np_view(o) if isinstance(o, TrnArray) else o for o in ops]
            kw = {}
            if dtype is not None:
                kw["dtype"] = dtype
            if where is not True:
                kw["where"] = _convert.np_view(where) if isinstance(where, TrnArray) else where
            if casting != "same_kind":
                kw["casting"] = casting
            if given:
                kw["out"] = tuple(None if o is None else _convert.np_view(o) for o in outs)
            res = self._np(*np_ops, **kw)
            # (host_result: a ufunc on 0-d arrays gives 0-d arrays, on every path)
            if nout == 1:
                return outs[0] if outs[0] is not None else _convert.host_result(res)
            return tuple(o if o is not None else _convert.host_result(r)
                         for o, r in zip(outs, res))
        return self._call_torch(ops, dev, outs[0] if nout == 1 else outs, where, dtype,
                                casting)

    # -- torch path -------------------------------------------------------------
    def resolve(self, ops, dtype=None, casting="same_kind"):
        keys = tuple(_dtype_key(o) for o in ops) + (None,) * self._np.nout
        kw = {} if dtype is None else {
            "signature": (None,) * self._np.nin + (dtype,) * self._np.nout}
        try:
            return self._np.resolve_dtypes(keys, casting=casting, **kw)
        except TypeError:
            raise
        except Exception as e:   # NumPy's loop-resolution errors, as TypeError
            raise TypeError(str(e)) from e

    def _call_torch(self, ops, dev, out, where, dtype, casting):
        nin, nout = self._np.nin, self._np.nout
        # NumPy's order: the loop's TypeError, then the shapes' ValueError, then (trnpy's)
        # the device's dtype refusal
        loop = self.resolve(ops, dtype, casting)
        shapes = [tuple(o._t.shape) for o in ops if isinstance(o, TrnArray)]
        if len(shapes) > 1:
            try:
                torch.broadcast_shapes(*shapes)
            except RuntimeError:
                raise ValueError("operands could not be broadcast together with shapes "
                                 + " ".join(str(s) for s in shapes)) from None
        for dt in loop:
            dev.check_dtype(dt)
        tensors = []
        for o, dt in zip(ops, loop):
            if isinstance(o, TrnArray):
                tensors.append(_tensor.compute_tensor(o._t, dt))
            else:
                tensors.append(_tensor.scalar_tensor(o, dt, dev))
        fn = None if self._direct is None else self._direct(loop)
        if (fn is not None and nout == 1 and out is not None and where is True
                and not self._checked and _into(out, tensors, loop[-1])):
            # the loop writes into out's memory: no full-size temporary (``x += 1``)
            fn(*tensors, out=out._tt)
            return out
        if fn is not None:
            res = fn(*tensors)
        elif self._pass_dtypes:
            res = self._torch(*tensors, dtypes=loop)
        else:
            res = self._torch(*tensors)
        results = tuple(res) if nout > 1 else (res,)
        outs = tuple(out) if nout > 1 else (out,)
        mask = None
        if where is not True:
            mask = where._t if isinstance(where, TrnArray) else \
                torch.tensor(builtins.bool(where), device=dev.torch_device)
            if mask.dtype != torch.bool:
                raise TypeError(f"{self.__name__}: where= must be a boolean array")
        if self.__name__ in _errstate.CHECKED:
            _errstate.check_torch(self.__name__, tensors, results, mask)
        final = []
        for r, dt, o in zip(results, loop[nin:], outs):
            r = _tensor.from_compute(r, dt)
            if o is None:
                final.append(TrnArray._new(r, dev))
            else:
                _normalize.write_out(self.__name__, o, r, dt, casting, mask)
                final.append(o)
        return tuple(final) if nout > 1 else final[0]

    # -- methods ----------------------------------------------------------------
    def _binary_only(self, method):
        if self._np.nin != 2 or self._np.nout != 1:
            raise ValueError(f"{method} only supported for binary functions")

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False,
               initial=_NoValue, where=True):
        """NumPy's ``ufunc.reduce``: fold the ufunc over ``axis`` (None: all axes)."""
        self._binary_only("reduce")
        initial = _NoValue if initial is np._NoValue else initial
        x = _convert.as_array(array)
        dev = x._device
        out = _out_tuple(self.__name__, out, 1)[0]
        _check_out(self.__name__, out, x)
        dtype = _method_dtype(dtype, out, dev)
        w = None
        if not (where is True or (isinstance(where, (builtins.bool, np.bool_)) and where)):
            w = _convert.as_array(where, device=dev)
            _convert.same_device(w, x)
            if w.dtype != np.bool_:
                raise TypeError("where= must be a boolean array")
            if self.identity is None and initial is _NoValue:
                raise ValueError(f"reduction operation '{self.__name__}' does not have an "
                                 "identity, so to use a where mask one has to specify "
                                 "'initial'")
        if _dispatch.use_numpy(dev):
            kw = {"axis": axis, "keepdims": keepdims}
            if dtype is not None:
                kw["dtype"] = dtype
            if initial is not _NoValue:
                kw["initial"] = initial
            if w is not None:
                kw["where"] = _convert.np_view(w)
            if out is not None:
                self._np.reduce(_convert.np_view(x), out=_convert.np_view(out), **kw)
                return out
            return _convert.wrap(self._np.reduce(_convert.np_view(x), **kw), dev)
        # NumPy on a tiny stand-in gives the result dtype and NumPy's errors
        kw = {"dtype": dtype, "keepdims": keepdims}
        if initial is not _NoValue:
            kw["initial"] = initial
        res_dt = _probe(self._np.reduce, x, axis=axis, **kw)
        dev.check_dtype(res_dt)
        axes = () if x.ndim == 0 else _normalize.normalize_axis(axis, x.ndim)
        t = _tensor.cast_tensor(x._t, res_dt)
        if w is not None:
            try:
                wt = torch.broadcast_to(w._t, t.shape)
            except RuntimeError:
                raise ValueError(f"where= of shape {w.shape} does not broadcast to the "
                                 f"input's shape {x.shape}") from None
            if self.identity is not None:
                fill = _fill(self.identity, res_dt, dev)
            elif self.__name__ in _IDEMPOTENT:
                fill = _fill(initial, res_dt, dev)
            else:
                raise NotImplementedError(f"trnpy.{self.__name__}.reduce: where= is not "
                                          "supported for this ufunc on the torch backend")
            # CUDA's where has no uint16/32/64 kernels: select on same-width signed views
            t = torch.where(wt, _tensor.signed_view(t), _tensor.signed_view(fill.to(t.dtype))).view(t.dtype)
        c = _tensor.collapse(t, axes)
        lead = c.shape[:-1]
        if initial is _NoValue and self.identity is not None and self.__name__ not in _FAST_FOLD:
            initial = self.identity      # NumPy folds from the identity (hypot(0, -1) == 1)
        if initial is not _NoValue:
            c = torch.cat([_fill(initial, res_dt, dev).expand(lead + (1,)), c], dim=-1)
        if c.shape[-1] == 0:
            r = _fill(self.identity, res_dt, dev).expand(lead).clone()
        else:
            r = self._fold(c, res_dt, dev)
        res = TrnArray._new(r.reshape(_normalize.reduced_shape(x.shape, axes, keepdims)), dev)
        return _normalize.deliver(res, out, f"{self.__name__}.reduce")

    def _pair(self, a, b, dt, dev):
        """The ufunc on two tensors of storage dtype ``dt``, result in ``dt``."""
        r = self._call_torch([TrnArray._new(a, dev), TrnArray._new(b, dev)], dev, None, True,
                             dt, "unsafe")
        return _tensor.cast_tensor(r._t, dt)

    def _fold(self, c, dt, dev):
        """Reduce tensor ``c`` (dtype ``dt``, non-empty) over its last dim."""
        name = self.__name__
        if name in ("add", "multiply") and (dt.kind in "iuc" or
                                            dt in (np.float32, np.float64)):
            ct = _tensor.compute_tensor(c)
            # + 0: NumPy folds from the identity, so a sum of -0.0 is +0.0
            r = ct.sum(dim=-1, dtype=ct.dtype) + 0 if name == "add" else ct.prod(dim=-1, dtype=ct.dtype)
            return _tensor.from_compute(r, dt)
        if name in ("logical_and", "logical_or") and dt == np.bool_:
            return c.all(dim=-1) if name == "logical_and" else c.any(dim=-1)
        if name in _ASSOCIATIVE:
            while c.shape[-1] > 1:      # pairwise tree, neighbours in order
                n = c.shape[-1]
                h = n // 2
                r = self._pair(c[..., 0:2 * h:2], c[..., 1:2 * h:2], dt, dev)
                c = torch.cat([r, c[..., 2 * h:]], dim=-1) if n % 2 else r
            return c[..., 0]
        r = c[..., 0]
        for i in range(1, c.shape[-1]):   # non-associative: NumPy's left fold
            r = self._pair(r, c[..., i], dt, dev)
        return r

    def accumulate(self, array, axis=0, dtype=None, out=None):
        """NumPy's ``ufunc.accumulate``: running results along ``axis``."""
        self._binary_only("accumulate")
        x = _convert.as_array(array)
        dev = x._device
        out = _out_tuple(self.__name__, out, 1)[0]
        _check_out(self.__name__, out, x)
        dtype = _method_dtype(dtype, out, dev)
        if _dispatch.use_numpy(dev):
            kw = {"axis": axis} if dtype is None else {"axis": axis, "dtype": dtype}
            if out is not None:
                self._np.accumulate(_convert.np_view(x), out=_convert.np_view(out), **kw)
                return out
            return _convert.wrap(self._np.accumulate(_convert.np_view(x), **kw), dev)
        res_dt = _probe(self._np.accumulate, x, axis=axis, dtype=dtype)
        dev.check_dtype(res_dt)
        ax = normalize_axis_index(operator.index(axis), x.ndim)
        c = _tensor.cast_tensor(x._t, res_dt).movedim(ax, -1)
        n = c.shape[-1]
        name = self.__name__
        if n == 0:
            r = c.clone()
        elif name in ("add", "multiply") and (res_dt.kind in "iuc" or
                                              res_dt in (np.float32, np.float64)):
            ct = _tensor.compute_tensor(c)
            r = torch.cumsum(ct, -1, dtype=ct.dtype) if name == "add" else \
                torch.cumprod(ct, -1, dtype=ct.dtype)
            r = _tensor.from_compute(r, res_dt)
        elif name in _ASSOCIATIVE:
            off = 1                     # Hillis-Steele scan: earlier prefix on the left
            while off < n:
                c = torch.cat([c[..., :off], self._pair(c[..., :n - off], c[..., off:],
                                                        res_dt, dev)], dim=-1)
                off *= 2
            r = c
        else:
            acc = [c[..., 0]]
            for i in range(1, n):
                acc.append(self._pair(acc[-1], c[..., i], res_dt, dev))
            r = torch.stack(acc, dim=-1)
        res = TrnArray._new(r.movedim(-1, ax).contiguous(), dev)
        return _normalize.deliver(res, out, f"{name}.accumulate")

    def outer(self, A, B, /, **kwargs):
        """NumPy's ``ufunc.outer``: ``result[i..., j...] = ufunc(A[i...], B[j...])``."""
        self._binary_only("outer")
        (a, b), dev = _convert.as_operands([A, B])
        a = a if isinstance(a, TrnArray) else _convert.asarray(a, device=dev)
        b = b if isinstance(b, TrnArray) else _convert.asarray(b, device=dev)
        a2 = TrnArray._new(a._t.reshape(tuple(a.shape) + (1,) * b.ndim), a._device)
        return self(a2, b, **kwargs)

    def at(self, a, indices, b=None, /):
        """NumPy's ``ufunc.at``: unbuffered in-place ``a[indices] = ufunc(a[indices], b)``;
        repeated indices apply repeatedly. Returns None."""
        if not isinstance(a, TrnArray):
            raise TypeError(f"{self.__name__}.at: the first argument must be a trnpy array")
        nin = self._np.nin
        if self._np.nout != 1 or nin > 2:
            raise ValueError("at only supported for unary and binary ufuncs")
        if nin == 2 and b is None:
            raise ValueError("second operand needed for ufunc")
        if nin == 1 and b is not None:
            raise ValueError("second operand provided when ufunc is unary")
        dev = a._device
        if b is not None and not (isinstance(b, TrnArray) or _dtypes.is_python_scalar(b)):
            b = _convert.asarray(b, device=dev)
        if isinstance(b, TrnArray):
            _convert.same_device(a, b)
        if _dispatch.use_numpy(dev):
            idx = _host_index(indices, dev)
            bb = _convert.np_view(b) if isinstance(b, TrnArray) else b
            if b is None:
                self._np.at(_convert.np_view(a), idx)
            else:
                self._np.at(_convert.np_view(a), idx, bb)
            return None
        lin = TrnArray._new(torch.arange(a.size, device=a._t.device).reshape(a.shape), dev)
        sel = lin[indices]._t      # the array's indexing (attached from above)
        L = sel.reshape(-1)
        if isinstance(b, TrnArray):
            try:
                bt = torch.broadcast_to(b._t, sel.shape).reshape(-1)
            except RuntimeError:
                raise ValueError(f"operands could not be broadcast together with remapped "
                                 f"shapes {b.shape} and {tuple(sel.shape)}") from None
        # apply in rounds; each round touches each index at most once, in order
        srt, order = torch.sort(L, stable=True)
        pos = torch.arange(L.numel(), device=L.device)
        first = torch.ones_like(srt, dtype=torch.bool)
        first[1:] = srt[1:] != srt[:-1]
        start = torch.cummax(torch.where(first, pos, 0), dim=0).values
        rank = torch.empty_like(pos)
        rank[order] = pos - start
        contiguous = a._tt is not None and a._t.is_contiguous()   # else written back
        flat = a._t.view(-1) if contiguous else a._t.reshape(-1).clone()
        for r in range(int(rank.max()) + 1 if L.numel() else 0):
            m = rank == r
            li = L[m]
            cur = TrnArray._new(flat[li], dev)
            args = [cur]
            if b is not None:
                args.append(TrnArray._new(bt[m], dev) if isinstance(b, TrnArray) else b)
            self(*args, out=cur, casting="unsafe")
            flat[li] = cur._t
        if not contiguous:
            _array.assign(a, flat.reshape(a.shape))
        return None

    def reduceat(self, array, indices, axis=0, dtype=None, out=None):
        """NumPy's ``ufunc.reduceat``: reductions over the slices ``indices[i]:indices[i+1]``
        (a single element where ``indices[i] >= indices[i+1]``) along ``axis``."""
        self._binary_only("reduceat")
        x = _convert.as_array(array)
        dev = x._device
        out = _out_tuple(self.__name__, out, 1)[0]
        _check_out(self.__name__, out, x)
        dtype = _method_dtype(dtype, out, dev)
        idx = np.asarray(_host_index(indices, dev))
        if _dispatch.use_numpy(dev):
            kw = {"axis": axis} if dtype is None else {"axis": axis, "dtype": dtype}
            if out is not None:
                self._np.reduceat(_convert.np_view(x), idx, out=_convert.np_view(out), **kw)
                return out
            return _convert.wrap(self._np.reduceat(_convert.np_view(x), idx, **kw), dev)
        if idx.ndim != 1:
            raise ValueError("object too deep for desired array")
        if idx.size and idx.dtype.kind not in "iu":
            raise TypeError(f"Cannot cast array data from {idx.dtype!r} to "
                            f"{np.dtype(np.intp)!r} according to the rule 'safe'")
        ax = normalize_axis_index(operator.index(axis), x.ndim)
        n = x.shape[ax]
        for i in idx.tolist():
            if not 0 <= i < n:
                raise IndexError(f"index {i} out-of-bounds in {self.__name__}.reduceat "
                                 f"[0, {n})")
        probe_shape = tuple(min(s, 1) for s in x.shape)
        with np.errstate(all="ignore"):
            pr = self._np.reduceat(np.ones(probe_shape, x.dtype), np.zeros(1, np.intp),
                                   axis=ax, dtype=dtype)
        res_dt = _dtypes.as_dtype(pr.dtype)
        dev.check_dtype(res_dt)
        t = x._t.movedim(ax, 0)
        parts = []
        ii = idx.tolist()
        for k, i in enumerate(ii):
            j = ii[k + 1] if k + 1 < len(ii) else n
            if i < j:
                seg = TrnArray._new(t[i:j], dev)
                parts.append(_convert.as_array(self.reduce(seg, axis=0, dtype=res_dt), dev)._t)
            else:
                parts.append(_tensor.cast_tensor(t[i], res_dt))
        if parts:
            r = torch.stack(parts, 0)
        else:
            r = torch.empty((0,) + tuple(t.shape[1:]), dtype=_dtypes.to_torch(res_dt),
                            device=t.device)
        res = TrnArray._new(r.movedim(0, ax).contiguous(), dev)
        return _normalize.deliver(res, out, f"{self.__name__}.reduceat")


# ufuncs whose reduce/accumulate may regroup (pairwise tree / log-depth scan)
_ASSOCIATIVE = frozenset({
    "add", "multiply", "maximum", "minimum", "fmax", "fmin", "logical_and", "logical_or",
    "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "hypot",
    "logaddexp", "logaddexp2"})
# folds whose result cannot change by starting from the identity (add fixes -0.0 itself)
_FAST_FOLD = frozenset({"add", "multiply", "logical_and", "logical_or"})
# x op x == x: a masked element may be replaced by ``initial``
_IDEMPOTENT = frozenset({"maximum", "minimum", "fmax", "fmin", "logical_and", "logical_or",
                         "bitwise_and", "bitwise_or", "gcd"})


def _span(t):
    """The byte range [lo, hi) tensor ``t`` touches."""
    lo = hi = t.data_ptr()
    for n, st in zip(t.shape, t.stride()):
        if st > 0:
            hi += (n - 1) * st * t.element_size()
        else:
            lo += (n - 1) * st * t.element_size()
    return lo, hi + t.element_size()


def _into(out, tensors, res_dt) -> bool:
    """Whether a loop on ``tensors`` may write straight into ``out``'s tensor: its dtype
    is the loop's result dtype and the one torch computes in, its shape is the broadcast
    shape, and each input either is that very tensor or shares no memory with it (torch
    reads a partly overlapping or transposed input after writing parts of it; NumPy
    buffers those, so they take the copy path)."""
    o = out._tt
    if (o is None or out.dtype != res_dt or o.dtype is not _dtypes.compute_torch(res_dt)
            or not o.numel()):
        return False
    if tuple(o.shape) != tuple(torch.broadcast_shapes(*(t.shape for t in tensors))):
        return False
    lo, hi = _span(o)
    for t in tensors:
        if t.device != o.device:
            return False
        if t.data_ptr() == o.data_ptr() and t.shape == o.shape and t.stride() == o.stride() \
                and t.dtype == o.dtype:
            continue
        a, b = _span(t)
        if a < hi and lo < b:
            return False
    return True


def _out_tuple(name, out, nout):
    """``out=`` as a tuple of ``nout`` entries (each None or an array)."""
    if out is None:
        return (None,) * nout
    if isinstance(out, tuple):
        if len(out) != nout:
            raise ValueError(f"{name}: The 'out' tuple must have exactly {nout} entr"
                             f"{'y' if nout == 1 else 'ies'} (one per ufunc output)")
    elif nout != 1:
        raise TypeError(f"{name}: 'out' must be a tuple of arrays for a ufunc with "
                        f"{nout} outputs")
    else:
        out = (out,)
    for o in out:
        if isinstance(o, TrnArray):
            check_writeable(o, "output array")
    return out


def _check_out(name, out, x):
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError(f"{name}: out must be a trnpy array, not {type(out).__name__}")
        _convert.same_device(out, x)
        check_writeable(out, "output array")


def _method_dtype(dtype, out, dev):
    """``dtype=`` for reduce-like methods; NumPy computes in out's dtype when given."""
    if dtype is None and out is not None:
        dtype = out.dtype
    if dtype is not None:
        dtype = _dtypes.as_dtype(dtype)
        dev.check_dtype(dtype)
    return dtype


def _probe(method, x, **kw):
    """Result dtype of NumPy ``method`` on a stand-in for ``x`` (each dim at most 1, so
    the axis, emptiness and dtype checks are NumPy's own)."""
    if kw.get("dtype") is None:
        kw.pop("dtype", None)
    shape = tuple(min(s, 1) for s in x.shape)
    with np.errstate(all="ignore"):
        r = method(np.ones(shape, x.dtype), **kw)
    return _dtypes.as_dtype(np.asarray(r).dtype)


def _fill(value, dt, dev):
    """A 0-d tensor of ``value`` in dtype ``dt`` (NumPy's unsafe cast: identities such as
    -1 for bitwise_and on unsigned types wrap)."""
    with np.errstate(all="ignore"):
        v = np.array(value).astype(dt) if not isinstance(value, np.ndarray) else value.astype(dt)
    return torch.from_numpy(np.array(v.view(_dtypes.as_dtype(v.dtype)))).to(dev.torch_device)


def _host_index(indices, dev):
    """An index (possibly with TrnArrays in it) for NumPy."""
    if isinstance(indices, TrnArray):
        return _convert.host(indices)
    if isinstance(indices, tuple):
        return tuple(_host_index(i, dev) for i in indices)
    if isinstance(indices, list) and any(isinstance(i, TrnArray) for i in indices):
        return [_host_index(i, dev) for i in indices]
    return indices


