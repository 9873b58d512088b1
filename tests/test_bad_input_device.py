"""Bad input on the torch path and the emulated neuron device (issue #10 items 4 and 5):
the malformed calls on which trnpy's torch path once differed from NumPy's exception
class, each a regression test here. Every case must make NumPy raise; trnpy must raise
NumPy's class (or a subclass), with no torch internals in the message, its inputs
untouched. On neuron the operands are float32/complex64 copies (no float64 there), and
NumPy's error for a shape, length or axis must come before the device's float64 refusal.
"""
from __future__ import annotations

import numpy as np
import pytest

import trnpy
import _campaign

V = [3.0, -1.0, 2.0, 0.5]
A = np.arange(12.0).reshape(3, 4) - 5.5
I = np.array([3, 1, 2, 0, 2], dtype=np.int64)
B3 = [1.0, 2.0, 3.0]
P = [1.0, -3.0, 2.0]
BIG = 2 ** 70                 # beyond 64 bits: NumPy's object data

# name -> call(m, a): ``m`` is numpy or trnpy, ``a(x)`` makes an array operand of m
CASES = {
    # elementwise: the loop's TypeError before the shapes' ValueError
    "sin(65-bit int)": lambda m, a: m.sin(BIG),
    "sqrt(65-bit int)": lambda m, a: m.sqrt(-2 ** 63 - 1),
    "bitwise_and(float, int) shapes differ": lambda m, a: m.bitwise_and(a(np.zeros(0)), a(I)),
    "left_shift(int, complex) shapes differ": lambda m, a: m.left_shift(a(I), a(np.ones(4) * 1j)),
    "ldexp(float, float) shapes differ": lambda m, a: m.ldexp(a(V), a(np.ones((2, 5)))),
    # creation: counts, sizes and axes
    "linspace(65-bit start)": lambda m, a: m.linspace(BIG, 1.0, 5),
    "linspace(num 65-bit)": lambda m, a: m.linspace(0.0, 1.0, BIG),
    "linspace(num too big)": lambda m, a: m.linspace(0.0, 1.0, 2 ** 62),
    "linspace(axis=(0, 0))": lambda m, a: m.linspace(0.0, 1.0, 5, axis=(0, 0)),
    "linspace(axis=(0, 1))": lambda m, a: m.linspace(a([0.0, 1.0]), 1.0, 5, axis=(0, 1)),
    "logspace(num 65-bit)": lambda m, a: m.logspace(0.0, 2.0, BIG),
    "logspace(axis=(0, 0))": lambda m, a: m.logspace(0.0, 2.0, 4, axis=(0, 0)),
    "geomspace(num=-1)": lambda m, a: m.geomspace(1.0, 8.0, -1),
    "geomspace(num 65-bit)": lambda m, a: m.geomspace(1.0, 8.0, BIG),
    "geomspace(axis=5)": lambda m, a: m.geomspace(1.0, 8.0, 4, axis=5),
    "vander(N 65-bit)": lambda m, a: m.vander(a(V), BIG),
    "vander(N too big)": lambda m, a: m.vander(a(V), 2 ** 62),
    "polyfit(deg 65-bit)": lambda m, a: m.polyfit(a(V), a(V), BIG),
    "unravel_index(dim 65-bit)": lambda m, a: m.unravel_index(a(np.array([5, 7])), BIG),
    "unravel_index(size too big)": lambda m, a: m.unravel_index(a(np.array([1])), (2 ** 62, 4)),
    "frombuffer(short buffer)": lambda m, a: m.frombuffer(
        a(np.array(2.0, np.float32)), dtype=np.float64),
    # reductions and statistics
    "argmax(out wrong shape and dtype)": lambda m, a: m.argmax(a(A), 1, out=a(np.ones((7, 7)))),
    "argmin(out wrong shape and dtype)": lambda m, a: m.argmin(a(A), 0, out=a(np.ones((7, 7)))),
    "nanargmax(out wrong shape and dtype)": lambda m, a: m.nanargmax(
        a(A), 1, out=a(np.ones((7, 7)))),
    "average(axis={})": lambda m, a: m.average(a(A), {}, a([1.0, 2.0, 3.0, 1.0])),
    "average(axis=empty array)": lambda m, a: m.average(a(A), a(np.zeros(0)),
                                                        a([1.0, 2.0, 3.0, 1.0])),
    "average(weights in sorted-axis order)": lambda m, a: m.average(
        a(np.ones((2, 3, 4))), (2, 0), a(np.ones((2, 4)))),
    "digitize(complex bins)": lambda m, a: m.digitize(a(V), a(np.array(B3) + 1j)),
    "interp(0-d complex xp)": lambda m, a: m.interp(a(V), 1j, a(B3)),
    "histogram2d(scalar x)": lambda m, a: m.histogram2d(1.5, a(V), 2),
    "histogram2d(0-d y)": lambda m, a: m.histogram2d(a(V), a(np.array(2.0)), 2),
    "histogram2d(lengths differ)": lambda m, a: m.histogram2d(a(V), a(B3), 2),
    "histogram2d(0-d float bins)": lambda m, a: m.histogram2d(a(V), a(V), a(np.array(2.0))),
    # manipulation and indexing
    "repeat(2-d repeats)": lambda m, a: m.repeat(a(V), a(np.ones((2, 5)))),
    "roll(shift='x')": lambda m, a: m.roll(a(A), "x", 0),
    "take(indices='x')": lambda m, a: m.take(a(A), "x", 1),
    "take(65-bit index)": lambda m, a: m.take(a(A), BIG, 1),
    "take_along_axis(axis out of range first)": lambda m, a: m.take_along_axis(
        a(V), a(np.zeros((3, 1), np.int64)), 1),
    "take_along_axis(0-d arr)": lambda m, a: m.take_along_axis(
        a(np.array(2.0)), a(np.zeros((3, 1), np.int64)), 1),
    "choose(out of another shape)": lambda m, a: m.choose(
        a(np.array([0, 1, 0, 1])), [a(V), a(-np.array(V))], out=a(np.ones((7, 7)))),
    "choose(out broadcastable, not equal)": lambda m, a: m.choose(
        a(np.array([0, 1, 0, 1])), [a(V), a(-np.array(V))], out=a(np.ones((1, 4)))),
    # linalg, fft, polynomials
    "vecdot(core dims differ)": lambda m, a: m.vecdot(a(A), (0, 0)),
    "fft.ifft(n 65-bit)": lambda m, a: m.fft.ifft(a(V), BIG),
    "fft.irfft(n 65-bit)": lambda m, a: m.fft.irfft(a(V[:3]), BIG),
    "fft.fft(n 65-bit, ortho)": lambda m, a: m.fft.fft(a(V), BIG, norm="ortho"),
    "fft.fft(n beyond intp)": lambda m, a: m.fft.fft(a(V), 2 ** 63),
    "fft.hfft(n 65-bit)": lambda m, a: m.fft.hfft(a(V), BIG),
    "fft.fftshift(axis 65-bit)": lambda m, a: m.fft.fftshift(a(A), BIG),
    "poly(scalar)": lambda m, a: m.poly(1.5),
    "poly(0-d array)": lambda m, a: m.poly(a(np.array(2.0))),
    "polyder(2-d, cannot broadcast)": lambda m, a: m.polyder(a(np.ones((2, 5))), 1),
    "polyder(2-d, fails at the discarded step)": lambda m, a: m.polyder(a(np.ones((1, 2))), 1),
    "polyder(2-d, fails late)": lambda m, a: m.polyder(a(np.ones((6, 5))), 1),
    "polyder(m 65-bit)": lambda m, a: m.polyder(a(P), BIG),
}


def _config(config):
    if config == "neuron":
        dev = trnpy.device("neuron", emulate=True)
        return dev, trnpy.device(dev), _campaign._f32
    return trnpy.device("cpu"), trnpy.cpu_backend("torch"), lambda x: x


@pytest.mark.parametrize("config", ["torch", "neuron"])
@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_class(config, case):
    call = CASES[case]
    dev, ctx, prep = _config(config)
    try:
        call(np, lambda x: prep(np.asarray(x)).copy())
    except Exception as e:          # noqa: BLE001 - NumPy's class is the oracle
        expected = _campaign.public_class(type(e))
    else:
        pytest.fail("NumPy accepts this call: not a bad-input case")
    made = []

    def a(x):
        h = prep(np.asarray(x)).copy()
        t = trnpy.asarray(h, device=dev)
        made.append((t, h))
        return t
    with ctx, pytest.raises(Exception) as info:
        call(trnpy, a)
    assert isinstance(info.value, expected), (type(info.value), str(info.value))
    msg = str(info.value)
    assert "Exception raised from" not in msg and "c10::" not in msg and "tensor(" not in msg
    for t, h in made:
        np.testing.assert_array_equal(trnpy.asnumpy(t), h)


# -- what the fixes must not break: values NumPy gives for the neighbouring good calls --
@pytest.mark.parametrize("backend_name", ["numpy", "torch"])
def test_good_neighbours(backend_name):
    with trnpy.cpu_backend(backend_name):
        # average: weights' axes follow ``axis``'s order (an unsorted tuple of axes)
        a = np.arange(24.0).reshape(2, 3, 4)
        w = np.arange(1.0, 9.0).reshape(4, 2)
        for ax, ww in (((2, 0), w), ((0, 2), w.T), ([2, 0], w)):
            r = trnpy.average(trnpy.asarray(a), ax, trnpy.asarray(ww), returned=True)
            e = np.average(a, ax, ww, returned=True)
            for g, x in zip(r, e):
                np.testing.assert_allclose(trnpy.asnumpy(g), x, rtol=1e-13)
        w3 = np.arange(1.0, 10.0).reshape(3, 3)        # square: sorted axes were wrong
        a3 = np.arange(18.0).reshape(3, 3, 2)
        np.testing.assert_allclose(
            trnpy.asnumpy(trnpy.average(trnpy.asarray(a3), (1, 0), trnpy.asarray(w3))),
            np.average(a3, (1, 0), w3), rtol=1e-13)
        # roll converts shifts with int(), take converts Python strings one by one
        x = np.arange(5)
        for s in (1.5, "2", [1.7]):
            np.testing.assert_array_equal(trnpy.asnumpy(trnpy.roll(trnpy.asarray(x), s)),
                                          np.roll(x, s))
        np.testing.assert_array_equal(trnpy.asnumpy(trnpy.take(trnpy.asarray(x), "3")),
                                      np.take(x, "3"))
        np.testing.assert_array_equal(trnpy.asnumpy(trnpy.take(trnpy.asarray(x), [1, "2"])),
                                      np.take(x, [1, "2"]))
        # linspace's axis as a 1-tuple; polyder of 2-d coefficients NumPy broadcasts
        np.testing.assert_array_equal(
            trnpy.asnumpy(trnpy.linspace(trnpy.asarray([0.0, 1.0]), 2.0, 3, axis=(1,))),
            np.linspace([0.0, 1.0], 2.0, 3, axis=(1,)))
        for shape, m in (((3, 2), 0), ((3, 1), 1), ((2, 1), 2), ((3,), 5), ((0,), 1)):
            p = np.arange(1.0, 1 + np.prod(shape)).reshape(shape)
            np.testing.assert_array_equal(
                trnpy.asnumpy(trnpy.polyder(trnpy.asarray(p), m)), np.polyder(p, m))
        # a large Python int with a float array is a weak scalar (NumPy computes)
        np.testing.assert_array_equal(
            trnpy.asnumpy(trnpy.add(trnpy.asarray(np.ones(3)), BIG)), np.add(np.ones(3), BIG))
        # histogram2d with an integer 0-d array of bins
        h = trnpy.histogram2d(trnpy.asarray(V), trnpy.asarray(V), trnpy.asarray(np.array(2)))
        e = np.histogram2d(V, V, np.array(2))
        for g, x in zip(h, e):
            np.testing.assert_array_equal(trnpy.asnumpy(g), x)


def test_frombuffer_of_a_trnpy_array():
    """A trnpy array is a buffer as an ndarray is to NumPy: on the CPU the result shares
    its memory; from another device it is a copy of its bytes."""
    x = trnpy.asarray(np.arange(4.0))
    y = trnpy.frombuffer(x)
    y[0] = 7.0
    assert trnpy.asnumpy(x)[0] == 7.0
    with pytest.raises(ValueError):
        trnpy.frombuffer(x[::2])           # NumPy: an ndarray that is not C-contiguous
    dev = trnpy.device("neuron", emulate=True)
    n = trnpy.asarray(np.arange(4.0, dtype=np.float32), device=dev)
    with trnpy.device(dev):
        r = trnpy.frombuffer(n, dtype=np.int32)
    np.testing.assert_array_equal(trnpy.asnumpy(r),
                                  np.frombuffer(np.arange(4.0, dtype=np.float32), np.int32))
