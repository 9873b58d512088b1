"""``with trnpy.device(...)``: each block undoes only itself, whatever order blocks exit
in (generators, threads, asyncio tasks)."""
from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

import trnpy

CPU = trnpy.device("cpu")


@pytest.fixture
def neuron():
    return trnpy.device("neuron", emulate=True)


def _gen(dev, n=2):
    with dev:
        for _ in range(n):
            yield trnpy.get_default_device()


def test_nested_blocks_restore(neuron):
    base = trnpy.get_default_device()
    with neuron:
        with CPU:
            with neuron:
                assert trnpy.get_default_device() == neuron
            assert trnpy.get_default_device() == CPU
        assert trnpy.zeros(2).device == neuron
    assert trnpy.get_default_device() == base


def test_generator_exits_inside_callers_block(neuron):
    """The generator's block ends while the caller is inside its own: the caller keeps
    its device (a positional pop used to drop it)."""
    base = trnpy.get_default_device()
    g = _gen(CPU)
    assert next(g) == CPU
    with neuron:
        assert trnpy.get_default_device() == neuron
        next(g)
        with pytest.raises(StopIteration):
            next(g)                       # the generator leaves its `with CPU`
        assert trnpy.get_default_device() == neuron
        assert trnpy.zeros(3).device == neuron
    assert trnpy.get_default_device() == base


def test_caller_exits_before_generator(neuron):
    base = trnpy.get_default_device()
    g = _gen(neuron)
    with CPU:
        assert next(g) == neuron
    # the caller's block is over; the generator's is still open
    assert trnpy.get_default_device() == neuron
    list(g)
    assert trnpy.get_default_device() == base


def test_interleaved_generators(neuron):
    base = trnpy.get_default_device()
    g1, g2 = _gen(neuron, 1), _gen(CPU, 1)
    next(g1)
    next(g2)
    list(g1)                               # g1 ends first, under g2's block
    assert trnpy.get_default_device() == CPU
    list(g2)
    assert trnpy.get_default_device() == base
    # the same Device object entered by both
    g1, g2 = _gen(neuron, 1), _gen(neuron, 1)
    next(g1)
    with CPU:
        next(g2)
        list(g1)
        assert trnpy.get_default_device() == neuron      # g2's block is still open
        list(g2)
        assert trnpy.get_default_device() == CPU
    assert trnpy.get_default_device() == base


def test_threads_do_not_share_the_stack(neuron):
    """Each thread has its own device context; blocks in one never change another's."""
    entered = threading.Barrier(3)
    left = threading.Barrier(3)
    seen = {}

    def worker(name, dev):
        with dev:
            entered.wait()
            seen[name, "in"] = trnpy.zeros(1).device
            left.wait()
        seen[name, "out"] = trnpy.get_default_device()

    ts = [threading.Thread(target=worker, args=("a", neuron)),
          threading.Thread(target=worker, args=("b", CPU))]
    with neuron:
        for t in ts:
            t.start()
        entered.wait()
        left.wait()
        for t in ts:
            t.join()
        assert trnpy.get_default_device() == neuron
    assert seen == {("a", "in"): neuron, ("b", "in"): CPU, ("a", "out"): CPU,
                    ("b", "out"): CPU}


def test_asyncio_tasks(neuron):
    async def task(dev, ev_in, ev_out):
        with dev:
            ev_in.set()
            await ev_out.wait()
            return trnpy.get_default_device()

    async def main():
        e1, e2, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
        with CPU:
            t1 = asyncio.create_task(task(neuron, e1, go))
            t2 = asyncio.create_task(task(CPU, e2, go))
            await e1.wait()
            await e2.wait()
            assert trnpy.get_default_device() == CPU
            go.set()
            return await t1, await t2

    assert asyncio.run(main()) == (neuron, CPU)


def test_exit_in_another_context_leaves_this_one(neuron):
    ctx = contextvars.copy_context()
    neuron.__enter__()
    try:
        ctx.run(neuron.__exit__, None, None, None)   # not entered there: nothing to undo
        assert trnpy.get_default_device() == neuron
    finally:
        neuron.__exit__(None, None, None)
