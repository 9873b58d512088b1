"""The array object: attributes, protocols and NumPy ndarray conveniences."""
import copy
import operator
import pickle
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, assert_matches

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
arrays = st.sampled_from(ALL_DTYPES).flatmap(lambda d: hnp.arrays(d, shapes))


def outcome(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*args)
        except Exception as e:      # noqa: BLE001 - compared by type
            return type(e)


def same_outcome(actual, expected):
    if isinstance(expected, type):
        assert actual is expected, f"got {actual!r}, NumPy raised {expected}"
    else:
        assert not isinstance(actual, type), f"raised {actual}, NumPy gave {expected!r}"
        assert type(actual) is type(expected)
        assert actual == expected or (actual != actual and expected != expected)


@given(a=arrays)
@settings(max_examples=examples(40))
def test_attributes_match_numpy(backend, a):
    x = trnpy.asarray(a)
    assert x.dtype == a.dtype and isinstance(x.dtype, np.dtype)
    assert x.shape == a.shape and isinstance(x.shape, tuple)
    assert x.ndim == a.ndim and x.size == a.size
    assert x.itemsize == a.itemsize and x.nbytes == a.nbytes
    assert x.strides == np.array(a, order="C").strides
    assert x.device == trnpy.get_default_device()
    assert_matches(x.T, a.T)
    assert x.T.strides == np.array(a, order="C").T.strides
    if a.ndim >= 2:
        assert_matches(x.mT, a.mT)
    else:
        with pytest.raises(ValueError):
            x.mT


@given(a=arrays)
@settings(max_examples=examples(40))
def test_python_conversions_match_numpy(backend, a):
    a = a.reshape(-1)[:2].reshape((a.reshape(-1)[:2].size,) if a.ndim else ())
    x = trnpy.asarray(a)
    for f in (bool, int, float, complex, operator.index, len):
        same_outcome(outcome(f, x), outcome(f, a))


def test_python_conversion_examples(backend):
    with pytest.raises(ValueError, match="ambiguous"):
        bool(trnpy.asarray([1.0, 2.0]))
    with pytest.raises(ValueError):
        bool(trnpy.asarray([]))
    with pytest.raises(TypeError):
        operator.index(trnpy.asarray(1.5))
    with pytest.raises(TypeError):
        int(trnpy.asarray([1, 2]))
    assert operator.index(trnpy.asarray(7, dtype="uint64")) == 7
    assert [10, 20, 30][trnpy.asarray(1)] == 20
    assert float(trnpy.asarray(-0.0)) == 0.0 and str(float(trnpy.asarray(-0.0))) == "-0.0"
    assert complex(trnpy.asarray(1 + 2j)) == 1 + 2j
    assert int(trnpy.asarray(2 ** 64 - 1, dtype="uint64")) == 2 ** 64 - 1
    with pytest.raises(TypeError, match="unsized"):
        len(trnpy.asarray(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(trnpy.asarray(1.0))
    assert format(trnpy.asarray(3.14159), ".2f") == "3.14"


@given(a=arrays)
@settings(max_examples=examples(30))
def test_iteration(backend, a):
    if a.ndim == 0:
        return
    x = trnpy.asarray(a)
    items = list(x)
    assert len(items) == len(a) == len(x)
    for it, ref in zip(items, a):
        assert_matches(it, ref)


@given(a=arrays)
@settings(max_examples=examples(30))
def test_repr_and_str_match_numpy(a):
    x = trnpy.asarray(a, device="cpu")      # NumPy's repr: no device= part on the CPU
    assert repr(x) == repr(a)
    assert str(x) == str(a)


def test_repr_on_neuron(emulated_neuron):
    x = trnpy.asarray([1.0, 2.0], device=emulated_neuron)
    assert repr(x) == "array([1., 2.], dtype=float32, device='neuron:0')"
    assert repr(trnpy.asarray([1.0, 2.0], device="cpu")) == "array([1., 2.])"
    assert str(x) == "[1. 2.]"


@given(a=arrays)
@settings(max_examples=examples(30))
def test_methods_match_numpy(backend, a):
    r = a[::-1] if a.ndim else a
    x = trnpy.asarray(r)
    assert x.tolist() == r.tolist() or np.array_equal(np.array(x.tolist()), r.tolist(),
                                                      equal_nan=True)
    if a.size == 1:
        same_outcome(x.item(), r.item())
    if a.size:
        same_outcome(x.item(0), r.item(0))
    with pytest.raises(ValueError if a.size != 1 else IndexError):
        x.item() if a.size != 1 else x.item(5)
    for c in (x.copy(), copy.copy(x), copy.deepcopy(x)):
        assert_matches(c, r)
        assert c is not x and c._t.is_contiguous()
        if a.size:
            assert c._t.data_ptr() != x._t.data_ptr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_matches(x.astype("float32"), r.astype("float32"))


def test_astype_method_casting_rules(backend):
    x = trnpy.asarray([1.5, 2.5])
    with pytest.raises(TypeError, match="safe"):
        x.astype("int32", casting="safe")
    assert_matches(x.astype("float64", casting="safe"), np.array([1.5, 2.5]))
    assert x.astype("float64", copy=False) is x
    assert_matches(x.astype("int8"), np.array([1, 2], np.int8))


def test_to_device_and_namespace(emulated_neuron):
    x = trnpy.asarray([1.0, 2.0], dtype="float32", device="cpu")
    assert x.to_device("cpu") is x
    y = x.to_device(emulated_neuron)
    assert y.device == emulated_neuron
    assert_matches(y.to_device(trnpy.device("cpu")), np.array([1.0, 2.0], np.float32))
    with pytest.raises(NotImplementedError, match="stream"):
        x.to_device("cpu", stream=1)
    assert x.__array_namespace__() is trnpy.array_api     # trnpy with 0-d arrays for values
    assert x.__array_namespace__(api_version="2024.12") is trnpy.array_api
    with pytest.raises(ValueError):
        x.__array_namespace__(api_version="2099.01")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_dlpack_roundtrips(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    x = trnpy.asarray(a, device="cpu")        # NumPy imports CPU DLPack capsules only
    b = np.from_dlpack(x)
    assert b.dtype == a.dtype
    np.testing.assert_array_equal(b, a)
    assert np.shares_memory(b, np.asarray(x))           # zero-copy on the CPU
    y = trnpy.from_dlpack(a)
    assert_matches(y, a)
    z = trnpy.from_dlpack(x)
    assert z.dtype == a.dtype
    t = torch.from_dlpack(x)
    assert trnpy.asarray(t, device="cpu").dtype == a.dtype
    c = np.from_dlpack(x, copy=True)
    assert not np.shares_memory(c, np.asarray(x))


def test_dlpack_protocol_arguments():
    x = trnpy.asarray([1.0, 2.0], device="cpu")
    assert x.__dlpack_device__() == (1, 0)
    cap = x.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(cap)
    assert "dltensor" in repr(x.__dlpack__())
    x.__dlpack__(max_version=(1, 0), dl_device=(1, 0), copy=True)
    assert_matches(trnpy.from_dlpack(x.T), np.array([1.0, 2.0]))


def test_dlpack_of_transposed_view():
    a = np.arange(6.0).reshape(2, 3)
    x = trnpy.asarray(a, device="cpu").T
    np.testing.assert_array_equal(np.from_dlpack(x), a.T)


def test_array_protocol(backend, emulated_neuron):
    x = trnpy.asarray([1.0, 2.0], device="cpu")
    v = np.asarray(x)
    assert np.shares_memory(v, np.asarray(x))
    assert np.asarray(x, dtype="float32").dtype == np.float32
    c = np.array(x, copy=True)
    c[0] = 9
    assert float(x[0]) == 1.0
    with pytest.raises(ValueError):
        x.__array__(dtype="float32", copy=False)
    y = trnpy.asarray([1.0], device=emulated_neuron)
    with pytest.raises(trnpy.DeviceToHostError, match="asnumpy"):
        np.asarray(y)


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint64", "bool", "complex64", "uint16"])
def test_pickle(dtype, emulated_neuron):
    a = np.arange(12).reshape(3, 4).astype(dtype)
    for dev in (trnpy.device("cpu"), emulated_neuron):
        x = trnpy.asarray(a, device=dev)
        for obj, ref in ((x, a), (x.T, a.T), (trnpy.asarray(a[::-1], device=dev), a[::-1])):
            y = pickle.loads(pickle.dumps(obj))
            assert y.device == dev
            assert_matches(y, ref)


def test_unhashable_and_constructor():
    with pytest.raises(TypeError):
        hash(trnpy.asarray([1]))
    with pytest.raises(TypeError):
        trnpy.TrnArray([1, 2])
    assert trnpy.ndarray is trnpy.TrnArray


def test_neuron_array_object(emulated_neuron):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = trnpy.asarray(a, device=emulated_neuron)
    assert x.strides == a.strides and x.nbytes == a.nbytes and x.itemsize == 4
    assert x.tolist() == a.tolist() and x.item(4) == 4.0
    assert float(x[1, 2]) == 5.0 and bool(x[0, 1])
    assert all(r.device == emulated_neuron for r in x)
    c = copy.deepcopy(x)
    assert c.device == emulated_neuron
    assert_matches(c, a)
    assert x.T.device == emulated_neuron and x.mT.shape == (3, 2)
    with pytest.raises(TypeError, match="float64"):
        x.astype("float64")


@pytest.mark.cuda
def test_cuda_array_object():
    d = trnpy.device("cuda")
    for dt in ALL_DTYPES:
        a = np.arange(6).reshape(2, 3).astype(dt)
        x = trnpy.asarray(a, device=d)
        assert x.device == d and x.strides == a.strides
        assert x.tolist() == a.tolist()
        assert_matches(pickle.loads(pickle.dumps(x)), a)
        assert x.__dlpack_device__()[0] == 2
        assert_matches(trnpy.from_dlpack(x), a)
        assert_matches(x.astype("int32"), a.astype("int32"))
        assert repr(x).endswith("device='cuda:0')")
