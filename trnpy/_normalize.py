"""Argument normalisation shared by the namespace: the :func:`normalizer` decorator
(array arguments converted in one place, the CPU NumPy path dispatched in one place,
unsupported arguments refused), axes as NumPy checks them, reduced shapes, and the one
writer of ``out=`` (NumPy's casting and broadcasting rules)."""
from __future__ import annotations

import functools
import inspect
import operator

import numpy as np
from ._torch import torch
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _array, _convert, _dispatch, _tensor
from ._array import TrnArray


def write_out(name, out, res, res_dtype, casting="same_kind", mask=None):
    """Store torch result ``res`` (dtype ``res_dtype``) into ``out`` as NumPy would."""
    _array.check_writeable(out, "output array")
    if not np.can_cast(res_dtype, out.dtype, casting=casting):
        raise TypeError(f"Cannot cast ufunc '{name}' output from {res_dtype!r} to "
                        f"{out.dtype!r} with casting rule {casting!r}")
    shape = out.shape
    try:
        ok = tuple(torch.broadcast_shapes(tuple(res.shape), shape)) == shape
    except RuntimeError:
        ok = False
    if not ok:
        raise ValueError(f"non-broadcastable output operand with shape {shape} doesn't "
                         f"match the broadcast shape {tuple(res.shape)}")
    res = _tensor.cast_tensor(res, out.dtype)
    if mask is not None:
        res = torch.where(mask, res, out._t)
    _array.assign(out, res.expand(shape))
    return out


def normalize_axis(axis, ndim) -> tuple:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of dims;
    AxisError/ValueError/TypeError as NumPy raises them."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        try:
            return tuple(sorted(normalize_axis_tuple(tuple(axis), ndim, "axis")))
        except ValueError as e:
            if type(e) is ValueError:
                raise ValueError("duplicate value in 'axis'") from None
            raise
    return (normalize_axis_index(operator.index(axis), ndim),)


def c_long(v):
    """``operator.index(v)`` within C's long, as NumPy converts offsets and axes
    (OverflowError beyond it)."""
    v = operator.index(v)
    if not -2 ** 63 <= v < 2 ** 63:
        raise OverflowError("Python int too large to convert to C long")
    return v


_AMBIGUOUS = ("The truth value of an empty array is ambiguous. Use `array.size > 0` to "
              "check that an array is not empty.",
              "The truth value of an array with more than one element is ambiguous. Use "
              "a.any() or a.all()")


def scalar_arg(v):
    """A scalar argument as NumPy's Python code meets one (compares it with 0, adds to
    it, int()s it): an array of other than one element raises NumPy's ValueError (its
    truth value is ambiguous), a 1-element array with dimensions TypeError; a 0-d array
    gives its NumPy scalar; anything else is returned as given."""
    if isinstance(v, TrnArray):
        v = _array.host(v)
    if isinstance(v, np.ndarray):
        if v.size != 1:
            raise ValueError(_AMBIGUOUS[v.size > 1])
        if v.ndim:
            raise TypeError("only 0-dimensional arrays can be converted to Python scalars")
        return v[()]
    return v


def int_arg(v):
    """``operator.index`` of :func:`scalar_arg` (an integer parameter NumPy compares
    before it converts it)."""
    return operator.index(scalar_arg(v))


def shape_arg(shape) -> tuple:
    """A shape as NumPy reads one: an int or a sequence of them (not a mapping, set or
    string), each ``operator.index``'d; TypeError for anything else, a ragged list
    included. Bounds are the caller's (reshape takes -1, creation refuses negatives)."""
    if isinstance(shape, TrnArray):
        shape = _array.host(shape)
    try:
        return (operator.index(shape),)
    except TypeError:
        pass
    try:
        if isinstance(shape, (dict, set, frozenset, str, bytes)):
            raise TypeError
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError("expected a sequence of integers or a single integer, "
                        f"got {shape!r}") from None


def axis_index(axis, ndim, name="axis"):
    """NumPy's normalize_axis_index (AxisError for out-of-range axes)."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(axis).__name__}") from None
    c_long(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def reduced_shape(shape, axes, keepdims) -> tuple:
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def check_out(out, name):
    if out is not None:
        if not isinstance(out, TrnArray):
            raise TypeError(f"trnpy.{name}: out must be a trnpy array, not "
                            f"{type(out).__name__}")
        _array.check_writeable(out, "output array")


def deliver(res: TrnArray, out, name) -> TrnArray:
    """Return ``res`` (a 0-d result as :func:`_convert.scalar`, as NumPy returns
    reductions), or write it into ``out`` (same shape, NumPy's unsafe cast)."""
    if out is None:
        if type(res) is TrnArray and res.ndim == 0 and res._device is _convert.CPU:
            return _convert.scalar(res._t, res._device)
        return res
    if isinstance(res, np.generic):     # a scalar from a composite's inner reduction
        res = _convert.wrap(np.asarray(res), out._device)
    check_out(out, name)
    _convert.same_device(res, out)
    if tuple(out.shape) != tuple(res.shape):
        raise ValueError(f"trnpy.{name}: output array has shape {tuple(out.shape)}, "
                         f"expected {tuple(res.shape)}")
    write_out(name, out, res._t, res.dtype, casting="unsafe")
    return out


# ---------------------------------------------------------------------------
# the normalizer: one conversion and NumPy-dispatch point for the namespace
_POS = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_KW = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
_NOWHERE = 1 << 30            # position of a keyword-only parameter


def wrap_result(r, dev, result=None):
    """TrnArray(s) around NumPy result ``r``: tuples (namedtuples: ``result`` or their
    own type) and lists element-wise."""
    if isinstance(r, tuple):
        vals = [_convert.wrap(v, dev) for v in r]
        if result is not None:
            return result(*vals)
        return type(r)(*vals) if hasattr(r, "_fields") else tuple(vals)
    if isinstance(r, list):
        return [_convert.wrap(v, dev) for v in r]
    return _convert.wrap(r, dev)


def np_views(*xs):
    """Zero-copy NumPy views of TrnArrays (None stays None)."""
    return [None if x is None else _convert.np_view(x) for x in xs]


def np_arg(x):
    """A NumPy-path argument: a TrnArray's zero-copy view, anything else as given."""
    return _convert.np_view(x) if isinstance(x, TrnArray) else x


def _differs(value, default) -> bool:
    if value is default:
        return False
    try:
        return not (type(value) is type(default) and bool(value == default))
    except Exception:
        return True


def _flatten(spec, vals, seqs):
    """The values with each sequence-of-arrays parameter's items spliced in, and the
    item counts to regroup them (-1: not a sequence)."""
    flat, groups = [], []
    for (n, _, _), v in zip(spec, vals):
        if n in seqs and v is not None and not isinstance(v, TrnArray):
            v = list(v)
            flat.extend(v)
            groups.append(len(v))
        else:
            flat.append(v)
            groups.append(-1)
    return flat, groups


def _flat_optional(spec, groups):
    """Positions, among the flattened values, of the optional array parameters (sequence
    items are never optional)."""
    out, k = [], 0
    for (_, _, required), g in zip(spec, groups):
        if g < 0:
            if not required:
                out.append(k)
            k += 1
        else:
            k += g
    return tuple(out)


def _regroup(arrs, groups):
    out, k = [], 0
    for g in groups:
        if g < 0:
            out.append(arrs[k])
            k += 1
        else:
            out.append(list(arrs[k:k + g]))
            k += g
    return out


def normalizer(np_func, arrays=(), *, unsupported=(), result=None, name=None, check=None,
               validate=None, out=None, scalars=False):
    """Decorate the torch implementation of a namespace function whose CPU NumPy path is
    ``np_func`` called with the same arguments.

    ``arrays`` names the array parameters: they become TrnArrays on their common device
    (``_convert.as_arrays``; mixed devices raise ValueError; an omitted optional one stays
    as its default; with ``scalars``, Python scalars stay weak scalars as in
    ``_convert.as_operands``). A name written ``"*keys"`` is a sequence of arrays (a list
    of TrnArrays; NumPy's path gets a list of views); a TrnArray given there stays one.
    When ``_dispatch.use_numpy(device)``, ``np_func`` runs on their zero-copy views with
    the call's other arguments as given, and its result is wrapped (:func:`wrap_result`);
    otherwise the decorated function runs on the TrnArrays. ``np_func`` may return
    NotImplemented for a call NumPy's path must not take (a callable that must see
    TrnArrays, a view NumPy would make read-only): the decorated function then runs.

    ``unsupported`` names parameters trnpy does not implement: a value other than the
    default raises NotImplementedError. ``check``, if given, is called with the converted
    arrays (in ``arrays`` order) before either path: trnpy's own validation where its
    errors must come before NumPy's. ``validate``, if given, is then called like the
    decorated function itself (arrays converted, other arguments as given): validation
    that needs the other arguments (axes, shapes, exponents); it may return a dict
    ({name: value}) of normalised values that both paths then receive. ``out`` names an
    output parameter: a given value must be a TrnArray on the arrays' device; the NumPy
    path writes into its view and returns it, the torch path receives it as given.

    The signature is read once, here, not per call (the per-call cost is a few tuple
    look-ups)."""
    if isinstance(arrays, str):
        arrays = (arrays,)
    seqs = frozenset(n[1:] for n in arrays if n.startswith("*"))
    arrays = tuple(n.lstrip("*") for n in arrays)
    if isinstance(unsupported, str):
        unsupported = (unsupported,)

    def deco(impl):
        params = inspect.signature(impl).parameters
        pos = [n for n, p in params.items() if p.kind in _POS]
        kw_names = frozenset(n for n, p in params.items() if p.kind in _KW)
        max_pos = _NOWHERE if any(p.kind is p.VAR_POSITIONAL for p in params.values()) \
            else len(pos)
        any_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        for n in (*arrays, *unsupported, *(() if out is None else (out,))):
            if n not in params:
                raise TypeError(f"normalizer: {impl.__name__} has no parameter {n!r}")
        spec = tuple((n, pos.index(n) if n in pos else _NOWHERE,
                      params[n].default is inspect.Parameter.empty) for n in arrays)
        unsup = tuple((n, pos.index(n) if n in pos else _NOWHERE, params[n].default)
                      for n in unsupported)
        out_i = _NOWHERE if out is None or out not in pos else pos.index(out)
        where = {n: (pos.index(n) if n in pos else _NOWHERE, n in kw_names) for n in params}
        pos_defaults = [params[n].default for n in pos]

        def update(args, kwargs, upd, skip=0):
            # validate's normalised values into the call (args: a list, less its first
            # ``skip`` positions)
            for n, v in upd.items():
                i, by_kw = where.get(n, (_NOWHERE, True))     # or into **kwargs
                i -= skip
                if i < len(args):
                    args[i] = v
                elif by_kw:
                    kwargs[n] = v
                else:                         # positional-only: defaults up to it
                    args.extend(pos_defaults[len(args) + skip:i + skip])
                    args.append(v)
        fname = name or impl.__name__
        opt = tuple(k for k, (_, _, required) in enumerate(spec) if not required)
        use_numpy = _dispatch.use_numpy
        np_view = _convert.np_view

        def refuse(args, kwargs):
            nargs = len(args)
            for n, i, d in unsup:
                v = args[i] if i < nargs else kwargs.get(n, d)
                if _differs(v, d):
                    shown = "" if isinstance(v, (TrnArray, np.ndarray)) else repr(v)
                    raise NotImplementedError(f"trnpy.{fname}: {n}={shown} is not supported")

        def out_given(args, kwargs):
            return out is not None and (args[out_i] if out_i < len(args)
                                        else kwargs.get(out)) is not None

        def convert(vals, optional):
            if not scalars:
                return _convert.as_arrays(*vals, optional=optional)
            for k, v in enumerate(vals):
                if v is None and k not in optional:
                    _convert.as_array(v)        # refused as NumPy's object data
            ops, dev = _convert.as_operands([v for v in vals if v is not None])
            it = iter(ops)
            return [None if v is None else next(it) for v in vals], dev

        @functools.wraps(impl)
        def wrapper(*args, **kwargs):
            nargs = len(args)
            if nargs > max_pos or (kwargs and not any_kw and not kwargs.keys() <= kw_names):
                return impl(*args, **kwargs)         # Python's own TypeError
            if unsup:
                refuse(args, kwargs)
            vals = []
            for n, i, required in spec:
                if i < nargs:
                    vals.append(args[i])
                elif n in kwargs:
                    vals.append(kwargs[n])
                elif required:
                    return impl(*args, **kwargs)     # Python's own TypeError
                else:
                    vals.append(None)
            optional = opt
            if seqs:
                vals, groups = _flatten(spec, vals, seqs)
                optional = _flat_optional(spec, groups)
            arrs, dev = convert(vals, optional)
            if seqs:
                arrs = _regroup(arrs, groups)
            if check is not None:
                check(*arrs)
            args = list(args)
            for (n, i, _), a in zip(spec, arrs):
                if a is not None:
                    if i < nargs:
                        args[i] = a
                    else:
                        kwargs[n] = a
            if validate is not None:
                upd = validate(*args, **kwargs)
                if upd:
                    update(args, kwargs, upd)
                    nargs = len(args)
            o = None
            if out is not None:
                o = args[out_i] if out_i < nargs else kwargs.get(out)
                if o is not None:
                    check_out(o, fname)
                    dev = _convert.same_device(*arrs, o)
            if not use_numpy(dev):
                return impl(*args, **kwargs)
            trn_args, trn_kwargs = list(args), dict(kwargs)
            for n, i, _ in spec:
                a = args[i] if i < nargs else kwargs.get(n)   # validate may have replaced it
                if type(a) is list:
                    v = [np_view(x) for x in a]
                elif isinstance(a, TrnArray):
                    v = np_view(a)
                else:
                    continue                     # omitted, or a weak Python scalar
                if i < nargs:
                    args[i] = v
                else:
                    kwargs[n] = v
            if o is not None:
                if out_i < nargs:
                    args[out_i] = np_view(o)
                else:
                    kwargs[out] = np_view(o)
            r = np_func(*args, **kwargs)
            if r is NotImplemented:
                return impl(*trn_args, **trn_kwargs)
            return wrap_result(r, dev, result) if o is None else o

        # the fast paths below take calls without out=; the others (and conversions of
        # sequences or weak scalars) go through the general wrapper
        if scalars or seqs:
            pass
        elif len(spec) == 1 and spec[0][1] == 0:
            general = wrapper

            @functools.wraps(impl)
            def wrapper(*args, **kwargs):
                # the common case, one leading array argument: no lists built
                if not args or len(args) > max_pos or \
                        (kwargs and not any_kw and not kwargs.keys() <= kw_names):
                    return general(*args, **kwargs)
                if kwargs or len(args) > 1:
                    if out_given(args, kwargs):
                        return general(*args, **kwargs)
                    if unsup:
                        refuse(args, kwargs)
                x = args[0]
                if type(x) is not TrnArray:
                    x = _convert.as_array(x)
                if check is not None:
                    check(x)
                rest = args[1:]
                if validate is not None:
                    upd = validate(x, *rest, **kwargs)
                    if upd:
                        rest = list(rest)
                        update(rest, kwargs, upd, 1)
                dev = x._device
                if use_numpy(dev):
                    r = np_func(np_view(x), *rest, **kwargs)
                    if type(r) is np.ndarray:
                        return _convert.wrap(r, dev)
                    if r is not NotImplemented:
                        return wrap_result(r, dev, result)
                return impl(x, *rest, **kwargs)

        elif len(spec) == 2 and spec[0][1] == 0 and spec[1][1] == 1:
            general2 = wrapper

            @functools.wraps(impl)
            def wrapper(*args, **kwargs):
                # two leading array arguments (dot, inner, isin, ...): no lists built
                if len(args) < 2 or len(args) > max_pos or args[0] is None or \
                        args[1] is None or \
                        (kwargs and not any_kw and not kwargs.keys() <= kw_names):
                    return general2(*args, **kwargs)
                if kwargs or len(args) > 2:
                    if out_given(args, kwargs):
                        return general2(*args, **kwargs)
                    if unsup:
                        refuse(args, kwargs)
                a, b = args[0], args[1]
                if type(a) is TrnArray and type(b) is TrnArray and a._device is b._device:
                    dev = a._device
                else:
                    (a, b), dev = _convert.as_arrays(a, b)
                if check is not None:
                    check(a, b)
                rest = args[2:]
                if validate is not None:
                    upd = validate(a, b, *rest, **kwargs)
                    if upd:
                        rest = list(rest)
                        update(rest, kwargs, upd, 2)
                if use_numpy(dev):
                    r = np_func(np_view(a), np_view(b), *rest, **kwargs)
                    if type(r) is np.ndarray:
                        return _convert.wrap(r, dev)
                    if r is not NotImplemented:
                        return wrap_result(r, dev, result)
                return impl(a, b, *rest, **kwargs)

        wrapper._normalized = (tuple(arrays), tuple(unsupported))
        wrapper._np_func = np_func
        wrapper._validate = validate
        return wrapper
    return deco
