"""``pad`` (NumPy's ``numpy.lib._arraypad_impl``): every mode, NumPy's pad widths and
checks; the statistic modes use the statistics functions."""
from __future__ import annotations

import numpy as np
from numpy.lib._arraypad_impl import _as_pairs

from . import (_convert, _creation, _elementwise, _manipulation, _reductions,
               _statistics)
from ._array import TrnArray
from ._normalize import normalizer

__all__ = ["pad"]


def _new(t, dev):
    return TrnArray._new(t, dev)


# -- pad ----------------------------------------------------------------------------------
_PAD_KWARGS = {
    "empty": [], "edge": [], "wrap": [], "constant": ["constant_values"],
    "linear_ramp": ["end_values"], "maximum": ["stat_length"], "mean": ["stat_length"],
    "median": ["stat_length"], "minimum": ["stat_length"], "reflect": ["reflect_type"],
    "symmetric": ["reflect_type"],
}


def _at(sl, axis):
    return (slice(None),) * axis + (sl,) + (Ellipsis,)


def _pad_check(array, pad_width, mode="constant", **kwargs):
    # array-valued widths and mode arguments are read on the host, as NumPy reads them
    return {k: _convert.host(v) for k, v in (("pad_width", pad_width), *kwargs.items())
            if isinstance(v, TrnArray)}


def _np_pad(array, pad_width, mode="constant", **kwargs):
    # a callable mode runs on the torch path: it must see TrnArrays
    return NotImplemented if callable(mode) else np.pad(array, pad_width, mode, **kwargs)


@normalizer(_np_pad, "array", validate=_pad_check)
def pad(array, pad_width, mode="constant", **kwargs):
    """NumPy's ``pad``, every mode (and a callable). The torch path replays NumPy's own
    algorithm with trnpy's views and assignments, so values match NumPy's."""
    x = array
    dev = x._device
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * x.ndim
        for ax, width in pad_width.items():
            seq[ax] = (width, width) if isinstance(width, int) else tuple(width)
        pad_width = seq
    pw = np.asarray(pad_width)
    if not pw.dtype.kind == "i":
        raise TypeError("`pad_width` must be of integral type.")
    pw = _as_pairs(pw, x.ndim, as_index=True)
    new_shape = tuple(lft + n + rgt for n, (lft, rgt) in zip(x.shape, pw))
    orig = tuple(slice(lft, lft + n) for n, (lft, rgt) in zip(x.shape, pw))
    padded = _creation.empty(new_shape, dtype=x.dtype, device=dev)
    if callable(mode):
        padded[...] = 0
        padded[orig] = x
        for axis in range(padded.ndim):
            view = _manipulation.moveaxis(padded, axis, -1)
            for ind in np.ndindex(view.shape[:-1]):
                mode(view[ind + (Ellipsis,)], pw[axis], axis, kwargs)
        return padded
    try:
        unsupported = set(kwargs) - set(_PAD_KWARGS[mode])
    except KeyError:
        raise ValueError(f"mode '{mode}' is not supported") from None
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    padded[orig] = x
    axes = range(padded.ndim)

    def roi(axis):
        return padded[(slice(None),) * (axis + 1) + orig[axis + 1:]]

    def set_area(r, axis, width_pair, value_pair):
        r[_at(slice(None, width_pair[0]), axis)] = value_pair[0]
        r[_at(slice(r.shape[axis] - width_pair[1], None), axis)] = value_pair[1]

    def edges(r, axis, width_pair):
        left = width_pair[0]
        right = r.shape[axis] - width_pair[1]
        return r[_at(slice(left, left + 1), axis)], r[_at(slice(right - 1, right), axis)]

    if mode == "constant":
        values = _as_pairs(kwargs.get("constant_values", 0), padded.ndim)
        for axis, wp, vp in zip(axes, pw, values):
            set_area(roi(axis), axis, wp, vp)
    elif mode == "empty":
        pass
    elif x.size == 0:
        for axis, wp in zip(axes, pw):
            if x.shape[axis] == 0 and any(wp):
                raise ValueError(f"can't extend empty axis {axis} using modes other than "
                                 "'constant' or 'empty'")
    elif mode == "edge":
        for axis, wp in zip(axes, pw):
            r = roi(axis)
            set_area(r, axis, wp, edges(r, axis, wp))
    elif mode == "linear_ramp":
        end_values = _as_pairs(kwargs.get("end_values", 0), padded.ndim)
        for axis, wp, vp in zip(axes, pw, end_values):
            r = roi(axis)
            ramps = [_creation.linspace(ev, _manipulation.squeeze(edge, axis), num=w, endpoint=False,
                                 dtype=r.dtype, axis=axis)
                     for ev, edge, w in zip(vp, edges(r, axis, wp), wp)]
            set_area(r, axis, wp, (ramps[0], _manipulation.flip(ramps[1], axis)))
    elif mode in ("maximum", "minimum", "mean", "median"):
        func = {"maximum": _reductions.max, "minimum": _reductions.min, "mean": _reductions.mean,
                "median": lambda a, axis, keepdims: _statistics.median(a, axis=axis,
                                                              keepdims=keepdims)}[mode]
        lengths = _as_pairs(kwargs.get("stat_length"), padded.ndim, as_index=True)
        for axis, wp, lp in zip(axes, pw, lengths):
            r = roi(axis)
            li, ri = wp[0], r.shape[axis] - wp[1]
            maxlen = ri - li
            ll, rl = lp
            ll = maxlen if ll is None or maxlen < ll else ll
            rl = maxlen if rl is None or maxlen < rl else rl
            if (ll == 0 or rl == 0) and mode in ("maximum", "minimum"):
                raise ValueError("stat_length of 0 yields no value for padding")

            def stat(sl):
                s = func(r[_at(sl, axis)], axis=axis, keepdims=True)
                return _elementwise.round(s) if x.dtype.kind in "iu" else s
            left = stat(slice(li, li + ll))
            right = left if ll == rl == maxlen else stat(slice(ri - rl, ri))
            set_area(r, axis, wp, (left, right))
    elif mode in ("reflect", "symmetric"):
        method = kwargs.get("reflect_type", "even")
        include_edge = mode == "symmetric"
        for axis, (left, right) in zip(axes, pw):
            if x.shape[axis] == 1 and (left > 0 or right > 0):
                set_area(padded, axis, (left, right), edges(padded, axis, (left, right)))
                continue
            r = roi(axis)
            while left > 0 or right > 0:
                left, right = _reflect_both(r, axis, (left, right), method, x.shape[axis],
                                            include_edge)
    elif mode == "wrap":
        for axis, (left, right) in zip(axes, pw):
            r = roi(axis)
            period = padded.shape[axis] - right - left
            while left > 0 or right > 0:
                left, right = _wrap_both(r, axis, (left, right), period)
    return padded


def _reflect_both(padded, axis, width_pair, method, original_period, include_edge):
    left_pad, right_pad = width_pair
    old_length = padded.shape[axis] - right_pad - left_pad
    if include_edge:
        old_length = old_length // original_period * original_period
        edge_offset = 1
    else:
        old_length = (old_length - 1) // (original_period - 1) * (original_period - 1) + 1
        edge_offset = 0
        old_length -= 1
    if left_pad > 0:
        chunk_length = min(old_length, left_pad)
        stop = left_pad - edge_offset
        start = stop + chunk_length
        chunk = padded[_at(slice(start, stop, -1), axis)]
        if method == "odd":
            chunk = 2 * padded[_at(slice(left_pad, left_pad + 1), axis)] - chunk
        padded[_at(slice(left_pad - chunk_length, left_pad), axis)] = chunk
        left_pad -= chunk_length
    if right_pad > 0:
        chunk_length = min(old_length, right_pad)
        start = -right_pad + edge_offset - 2
        stop = start - chunk_length
        chunk = padded[_at(slice(start, stop, -1), axis)]
        if method == "odd":
            chunk = 2 * padded[_at(slice(-right_pad - 1, -right_pad), axis)] - chunk
        start = padded.shape[axis] - right_pad
        padded[_at(slice(start, start + chunk_length), axis)] = chunk
        right_pad -= chunk_length
    return left_pad, right_pad


def _wrap_both(padded, axis, width_pair, original_period):
    left_pad, right_pad = width_pair
    period = padded.shape[axis] - right_pad - left_pad
    period = period // original_period * original_period
    new_left_pad = 0
    new_right_pad = 0
    if left_pad > 0:
        slice_end = left_pad + period
        slice_start = slice_end - min(period, left_pad)
        right_chunk = padded[_at(slice(slice_start, slice_end), axis)]
        if left_pad > period:
            padded[_at(slice(left_pad - period, left_pad), axis)] = right_chunk
            new_left_pad = left_pad - period
        else:
            padded[_at(slice(None, left_pad), axis)] = right_chunk
    if right_pad > 0:
        slice_start = -right_pad - period
        slice_end = slice_start + min(period, right_pad)
        left_chunk = padded[_at(slice(slice_start, slice_end), axis)]
        if right_pad > period:
            padded[_at(slice(-right_pad, -right_pad + period), axis)] = left_chunk
            new_right_pad = right_pad - period
        else:
            padded[_at(slice(-right_pad, None), axis)] = left_chunk
    return new_left_pad, new_right_pad


