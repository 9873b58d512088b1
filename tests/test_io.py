"""File I/O through NumPy's formats; loaded arrays land on the default device."""
import io

import numpy as np
import pytest

import trnpy
from conftest import assert_matches


@pytest.mark.parametrize("dtype", ["int8", "uint64", "float16", "float64", "complex64", "bool"])
def test_save_load_roundtrip(tmp_path, dtype):
    a = (np.arange(12) % 3).astype(dtype).reshape(3, 4)[:, ::-1]
    f = tmp_path / "a.npy"
    trnpy.save(f, trnpy.asarray(a))
    assert_matches(trnpy.load(f), a)
    assert np.array_equal(np.load(f), a)       # NumPy reads trnpy's files


def test_load_allow_pickle_default_false(tmp_path):
    f = tmp_path / "o.npy"
    np.save(f, np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):
        trnpy.load(f)
    assert trnpy.load(f, allow_pickle=True)[0] == {"a": 1}


def test_savez_and_compressed(tmp_path):
    a, b = np.arange(5.0), np.eye(2, dtype=np.int32)
    for fn, name in ((trnpy.savez, "z.npz"), (trnpy.savez_compressed, "c.npz")):
        f = tmp_path / name
        fn(f, a, b=trnpy.asarray(b))
        with trnpy.load(f) as z:
            assert sorted(z.files) == ["arr_0", "b"]
            assert_matches(z["arr_0"], a)
            assert_matches(z["b"], b)
            assert isinstance(z["b"], trnpy.TrnArray)


def test_text_io(tmp_path):
    a = np.arange(6.0).reshape(2, 3) / 4
    f = tmp_path / "t.txt"
    trnpy.savetxt(f, trnpy.asarray(a), fmt="%.6f", delimiter=",")
    assert_matches(trnpy.loadtxt(f, delimiter=","), np.loadtxt(f, delimiter=","))
    assert_matches(trnpy.loadtxt(f, delimiter=",", dtype=np.float32),
                   np.loadtxt(f, delimiter=",", dtype=np.float32))
    assert_matches(trnpy.genfromtxt(f, delimiter=","), np.genfromtxt(f, delimiter=","))
    s = io.StringIO("1 2\n3 nan\n")
    assert_matches(trnpy.genfromtxt(s), np.genfromtxt(io.StringIO("1 2\n3 nan\n")))
    assert_matches(trnpy.loadtxt(io.StringIO("1 2\n3 4"), dtype=int),
                   np.loadtxt(io.StringIO("1 2\n3 4"), dtype=int))


def test_fromfile(tmp_path):
    a = np.arange(10, dtype=np.int16)
    f = tmp_path / "raw.bin"
    a.tofile(f)
    assert_matches(trnpy.fromfile(f, dtype=np.int16, count=4, offset=2),
                   np.fromfile(f, dtype=np.int16, count=4, offset=2))


def test_load_goes_to_default_device(tmp_path, emulated_neuron):
    a = np.arange(4, dtype=np.float32)
    f = tmp_path / "n.npy"
    x = trnpy.asarray(a, device=emulated_neuron)
    trnpy.save(f, x)                      # copied to the host explicitly
    with trnpy.device(emulated_neuron):
        y = trnpy.load(f)
        assert y.device == emulated_neuron
        t = tmp_path / "n.txt"
        trnpy.savetxt(t, x)
        z = trnpy.loadtxt(t)
        assert z.device == emulated_neuron and z.dtype == np.float32
    assert trnpy.load(f, device=emulated_neuron).device == emulated_neuron
    assert_matches(y, a)
