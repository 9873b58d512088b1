"""Device model: resolution, context manager, default dtypes, neuron rules, mixing."""
import asyncio
import contextvars
import pickle
import threading

import numpy as np
import pytest

import trnpy


def _outside_any_device_context(fn):
    """Run ``fn`` in a fresh context: no ``with trnpy.device(...)`` active, even when the
    suite runs with TRNPY_TEST_DEVICE set (the library's own default is what is tested)."""
    return contextvars.Context().run(fn)


def test_cpu_is_default():
    def check():
        assert trnpy.get_default_device() == trnpy.device("cpu")
        assert trnpy.asarray([1.0]).device == trnpy.device("cpu")
    _outside_any_device_context(check)
    assert str(trnpy.device("cpu")) == "cpu"


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "tpu:0", "cpu:1"])
def test_bad_specs_raise_valueerror(spec):
    with pytest.raises(ValueError):
        trnpy.device(spec)


def test_neuron_without_runtime_raises_runtimeerror(monkeypatch):
    monkeypatch.delenv("TRNPY_NEURON", raising=False)
    with pytest.raises(RuntimeError, match="torch_neuronx|torch_xla"):
        trnpy.device("neuron")
    with pytest.raises(RuntimeError, match="AWS"):
        trnpy.device("neuron:0")


def test_emulated_neuron_by_env(monkeypatch):
    monkeypatch.setenv("TRNPY_NEURON", "emulate")
    d = trnpy.device("neuron")
    assert d.kind == "neuron" and d.emulated and str(d) == "neuron:0"


def test_neuron_default_dtypes_and_float64_refusal(emulated_neuron):
    d = emulated_neuron
    assert trnpy.asarray([1.0, 2.0], device=d).dtype == np.float32
    assert trnpy.asarray([1j], device=d).dtype == np.complex64
    assert trnpy.asarray([1, 2], device=d).dtype == np.int64
    info = trnpy.__array_namespace_info__()
    assert info.default_dtypes(device=d)["real floating"] == np.float32
    assert "float64" not in info.dtypes(device=d)
    for bad in ("float64", "complex128"):
        with pytest.raises(TypeError, match="float64"):
            trnpy.asarray([1.0], dtype=bad, device=d)
    with pytest.raises(TypeError, match="Trainium"):
        trnpy.asarray(np.zeros(3)).to_device(d)      # float64 host data: no silent downcast


def test_context_manager_sets_default(emulated_neuron):
    def check():
        with emulated_neuron:
            x = trnpy.asarray([1.0])
            assert x.device == emulated_neuron
            with trnpy.device("cpu"):
                assert trnpy.asarray([1.0]).device == trnpy.device("cpu")
            assert trnpy.get_default_device() == emulated_neuron
        assert trnpy.get_default_device() == trnpy.device("cpu")
    _outside_any_device_context(check)


def test_context_is_thread_local(emulated_neuron):
    seen = {}
    barrier = threading.Barrier(2)

    def worker(name, dev):
        with dev:
            barrier.wait()
            seen[name] = trnpy.get_default_device()

    t1 = threading.Thread(target=worker, args=("a", emulated_neuron))
    t2 = threading.Thread(target=worker, args=("b", trnpy.device("cpu")))
    t1.start(); t2.start(); t1.join(); t2.join()
    assert seen == {"a": emulated_neuron, "b": trnpy.device("cpu")}


def test_context_is_task_local(emulated_neuron):
    async def task(dev, delay):
        with dev:
            await asyncio.sleep(delay)
            return trnpy.get_default_device()

    async def main():
        return await asyncio.gather(task(emulated_neuron, 0.02), task(trnpy.device("cpu"), 0.01))

    assert asyncio.run(main()) == [emulated_neuron, trnpy.device("cpu")]


def test_mixing_devices_raises_naming_both(emulated_neuron):
    a = trnpy.asarray([1.0, 2.0], dtype="float32", device="cpu")
    b = trnpy.asarray([1.0, 2.0], dtype="float32", device=emulated_neuron)
    with pytest.raises(ValueError, match=r"cpu.*neuron:0|neuron:0.*cpu"):
        a + b


def test_results_stay_on_input_device(emulated_neuron):
    b = trnpy.asarray([1.0, 2.0], device=emulated_neuron)
    assert (b * 2).device == emulated_neuron
    with trnpy.device("cpu"):
        assert (b + b).device == emulated_neuron


def test_array_protocol_refuses_non_cpu(emulated_neuron):
    b = trnpy.asarray([1.0, 2.0], device=emulated_neuron)
    with pytest.raises(trnpy.DeviceToHostError, match="asnumpy"):
        np.asarray(b)
    assert issubclass(trnpy.DeviceToHostError, TypeError)
    np.testing.assert_array_equal(trnpy.asnumpy(b), np.array([1.0, 2.0], np.float32))
    assert "device='neuron:0'" in repr(b)


def test_cpu_array_protocol_is_zero_copy():
    x = trnpy.asarray([1.0, 2.0, 3.0], device="cpu")
    v = np.asarray(x)
    v[0] = 42.0
    assert float(x[0]) == 42.0
    base = np.arange(4.0)
    y = trnpy.asarray(base, device="cpu")
    base[1] = -1
    assert float(y[1]) == -1.0


def test_to_device_roundtrip(emulated_neuron):
    x = trnpy.asarray([1.5, 2.5], dtype="float32", device="cpu")
    y = x.to_device(emulated_neuron)
    assert y.device == emulated_neuron
    z = y.to_device("cpu")
    np.testing.assert_array_equal(np.asarray(z), np.asarray(x))


@pytest.mark.parametrize("dtype", ["float32", "int16", "uint32", "complex64", "bool"])
def test_pickle_roundtrip(dtype, emulated_neuron):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    for dev in (trnpy.device("cpu"), emulated_neuron):
        x = trnpy.asarray(a, device=dev)
        y = pickle.loads(pickle.dumps(x))
        assert y.device == dev and y.dtype == a.dtype
        np.testing.assert_array_equal(trnpy.asnumpy(y), a)


@pytest.mark.cuda
def test_cuda_device_basics():
    d = trnpy.device("cuda")
    x = trnpy.asarray([1.0, 2.0], device=d)
    assert x.device == d and x.dtype == np.float64
    assert trnpy.device("cuda:0") == d
    with pytest.raises(trnpy.DeviceToHostError):
        np.asarray(x)
    y = pickle.loads(pickle.dumps(x))
    assert y.device == d
    with pytest.raises(ValueError, match="cuda:0"):
        x + trnpy.asarray([1.0, 2.0], device="cpu")
