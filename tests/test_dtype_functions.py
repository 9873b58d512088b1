"""Data type functions: astype, can_cast, finfo, iinfo, isdtype, result_type (NumPy oracle)."""
import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import trnpy
from _helpers import examples
from conftest import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_matches

KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric"]
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def _defined(a: np.ndarray, to: np.dtype) -> np.ndarray:
    """Mask of elements whose cast to ``to`` C defines (float -> int in range)."""
    if a.dtype.kind in "fc" and to.kind in "iu":
        v = a.real.astype(np.float64)
        info = np.iinfo(to)
        # float64 bounds: below max exactly, since max itself may round up
        return np.isfinite(v) & (v > float(info.min) - 1) & (v < float(info.max))
    return np.ones(a.shape, bool)


@given(data=st.data(), src=st.sampled_from(ALL_DTYPES), to=st.sampled_from(ALL_DTYPES))
@settings(max_examples=examples(150))
def test_astype_matches_numpy(backend, data, src, to):
    a = data.draw(hnp.arrays(src, shapes))
    a = np.where(_defined(a, to), a, np.zeros((), src))
    r = a[::-1] if a.ndim else a
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = r.astype(to)
        actual = trnpy.astype(trnpy.asarray(r), to)
    assert_matches(actual, expected, rtol=0, check_sign_of_zero=True)


@pytest.mark.parametrize("to", ["float16", "float32", "float64", "complex64", "complex128"])
def test_uint64_to_float_rounds_once(to):
    a = np.array([2 ** 63 + 2 ** 39 + 1, 2 ** 64 - 1, 2 ** 63, 2 ** 53 + 1, 7], np.uint64)
    with trnpy.cpu_backend("torch"):
        assert_matches(trnpy.astype(trnpy.asarray(a), to), a.astype(to), rtol=0)


def test_astype_defined_conversions(backend):
    a = np.array([-2.7, -0.5, 0.0, 0.5, 2.7, 126.9])
    for to in INT_DTYPES:
        src = a if np.dtype(to).kind == "i" else np.abs(a)
        assert_matches(trnpy.astype(trnpy.asarray(src), to), src.astype(to))
    c = np.array([1.5 + 2j, 0j, -0.0 + 1j, np.nan + 0j])
    assert_matches(trnpy.astype(trnpy.asarray(c), bool), c.astype(bool))
    assert_matches(trnpy.astype(trnpy.asarray([np.nan, -np.inf, 0.0, -0.0]), bool),
                   np.array([np.nan, -np.inf, 0.0, -0.0]).astype(bool))
    big = np.array([1e300, -1e300, 70000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_matches(trnpy.astype(trnpy.asarray(big), "float16"), big.astype("float16"))
    assert_matches(trnpy.astype(trnpy.asarray([300, -1, 65535]), "uint8"),
                   np.array([300, -1, 65535]).astype("uint8"))


def test_astype_complex_to_real_warns(backend):
    x = trnpy.asarray([1.5 + 2j, -1j])
    for to in ("float32", "int16", "uint8"):
        with pytest.warns(np.exceptions.ComplexWarning):
            y = trnpy.astype(x, to)
        assert_matches(y, np.array([1.5, 0.0]).astype(to))


def test_astype_copy_and_device(backend, emulated_neuron):
    x = trnpy.asarray([1.0, 2.0])
    assert trnpy.astype(x, "float64", copy=False) is x
    y = trnpy.astype(x, "float64")
    assert y is not x
    y._t[0] = 5.0
    assert float(x[0]) == 1.0
    z = trnpy.astype(x, "float32", device=emulated_neuron)
    assert z.device == emulated_neuron and z.dtype == np.float32
    with pytest.raises(TypeError, match="float64"):
        trnpy.astype(z, "float64")
    w = trnpy.astype(z, "float64", device="cpu")
    assert w.device == trnpy.device("cpu") and w.dtype == np.float64
    with pytest.raises(TypeError):
        trnpy.astype([1, 2], "int8")
    with pytest.raises(TypeError):
        trnpy.astype(x, "U3")
    np.testing.assert_array_equal(trnpy.asnumpy(x), [1.0, 2.0])


def test_astype_on_neuron_values(emulated_neuron):
    a = np.array([-3.7, 0.2, 9.9, 250.5], np.float32)
    x = trnpy.asarray(a, device=emulated_neuron)
    for to in ("int32", "int8", "uint16", "bool", "float16", "complex64"):
        y = trnpy.astype(x, to)
        assert y.device == emulated_neuron
        ref = np.where(a < 0, 0, a) if np.dtype(to).kind == "u" else a
        assert_matches(trnpy.astype(trnpy.asarray(ref, device=emulated_neuron), to),
                       ref.astype(to))


@pytest.mark.parametrize("casting", ["no", "equiv", "safe", "same_kind", "unsafe"])
def test_can_cast_matches_numpy(casting):
    for a, b in itertools.product(ALL_DTYPES, repeat=2):
        assert trnpy.can_cast(a, b, casting) == np.can_cast(a, b, casting)
        if casting == "safe":
            assert trnpy.can_cast(trnpy.zeros(2, a), b) == np.can_cast(a, b)
            assert trnpy.can_cast(a.type, b.type) == np.can_cast(a, b)


def test_can_cast_python_scalars_raise_like_numpy():
    with pytest.raises(TypeError):
        trnpy.can_cast(1, trnpy.int8)


@pytest.mark.parametrize("dt", FLOAT_DTYPES + [np.dtype("complex64"), np.dtype("complex128")])
def test_finfo(dt):
    ref = np.finfo(dt)
    for arg in (dt, dt.type, trnpy.zeros(2, dt)):
        f = trnpy.finfo(arg)
        for name in ("bits", "eps", "max", "min", "smallest_normal", "dtype"):
            assert getattr(f, name) == getattr(ref, name), name
    assert trnpy.finfo(trnpy.float32).dtype == trnpy.float32
    assert isinstance(trnpy.finfo("float64").eps, float)


@pytest.mark.parametrize("dt", INT_DTYPES)
def test_iinfo(dt):
    ref = np.iinfo(dt)
    for arg in (dt, dt.type, trnpy.zeros(2, dt)):
        i = trnpy.iinfo(arg)
        assert (i.bits, i.max, i.min, i.dtype) == (ref.bits, ref.max, ref.min, ref.dtype)


def test_info_errors():
    with pytest.raises(ValueError):
        trnpy.finfo(trnpy.int32)
    with pytest.raises(ValueError):
        trnpy.iinfo(trnpy.float32)


@pytest.mark.parametrize("dt", ALL_DTYPES)
def test_isdtype(dt):
    for kind in KINDS + ALL_DTYPES:
        assert trnpy.isdtype(dt, kind) == np.isdtype(dt, kind)
        assert trnpy.isdtype(dt.type, kind) == np.isdtype(dt, kind)
    for pair in itertools.combinations(KINDS, 2):
        assert trnpy.isdtype(dt, pair) == np.isdtype(dt, pair)
    assert trnpy.isdtype(dt, (trnpy.float32, "bool")) == np.isdtype(dt, (np.float32, "bool"))


def test_isdtype_errors():
    with pytest.raises(ValueError):
        trnpy.isdtype(trnpy.float32, "floating point")
    with pytest.raises(TypeError):
        trnpy.isdtype("float32", "numeric")
    with pytest.raises(TypeError):
        trnpy.isdtype(trnpy.zeros(2), "numeric")


scalars = st.sampled_from([True, 1, -1, 2 ** 40, 1.5, -0.0, 1j])


@given(dts=st.lists(st.sampled_from(ALL_DTYPES), min_size=1, max_size=3),
       pys=st.lists(scalars, max_size=2))
@settings(max_examples=examples(100))
def test_result_type(dts, pys):
    arrays = [trnpy.zeros(1, d) for d in dts[1:]]
    expected = np.result_type(dts[0], *[np.zeros(1, d) for d in dts[1:]], *pys)
    assert trnpy.result_type(dts[0], *arrays, *pys) == expected


def test_result_type_errors_and_weak_scalars():
    with pytest.raises(ValueError):
        trnpy.result_type()
    # NEP 50: Python scalars never upcast an array's dtype of the same kind
    assert trnpy.result_type(trnpy.int8, 300) == np.result_type(np.int8, 300) == np.int8
    assert trnpy.result_type(trnpy.float32, 1e300) == np.float32
    assert trnpy.result_type(trnpy.zeros(2, "uint8"), 1.5) == np.float64


def test_numpy_dtype_helpers_exported():
    assert trnpy.promote_types(trnpy.int8, trnpy.uint8) == np.int16
    assert trnpy.dtype("float32") == trnpy.float32
    assert trnpy.issubdtype(trnpy.float32, np.floating)
    for name in ("astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type"):
        assert callable(getattr(trnpy, name))


@pytest.mark.cuda
def test_astype_on_cuda():
    d = trnpy.device("cuda")
    base = np.array([0, 1, 2, 7, 100, 127])
    for src, to in itertools.product(ALL_DTYPES, repeat=2):
        a = base.astype(src)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_matches(trnpy.astype(trnpy.asarray(a, device=d), to), a.astype(to), rtol=0)


# -- __array_namespace_info__ ---------------------------------------------------------------
def test_namespace_info_matches_standard(emulated_neuron):
    info = trnpy.__array_namespace_info__()
    caps = info.capabilities()
    assert caps == np.__array_namespace_info__().capabilities()
    assert set(caps) == {"boolean indexing", "data-dependent shapes", "max dimensions"}
    with trnpy.device("cpu"):
        assert info.default_device() == trnpy.device("cpu")
        with emulated_neuron:
            assert info.default_device() == emulated_neuron
            assert info.default_dtypes()["real floating"] == np.float32
        assert info.default_device() == trnpy.device("cpu")
    assert trnpy.device("cpu") in info.devices()
    np_info = np.__array_namespace_info__()
    with trnpy.device("cpu"):
        assert info.default_dtypes() == np_info.default_dtypes()
    assert info.default_dtypes(device="cpu") == np_info.default_dtypes(device="cpu")
    assert info.default_dtypes(device=emulated_neuron) == {
        "real floating": np.float32, "complex floating": np.complex64,
        "integral": np.int64, "indexing": np.int64}
    # float16 works in trnpy but the standard (and NumPy's info) leave it out
    with trnpy.device("cpu"):       # NumPy's info describes the CPU
        assert info.dtypes() == np_info.dtypes()
        for kind in KINDS + [tuple(KINDS[:2]), ("bool", "complex floating")]:
            assert info.dtypes(kind=kind) == np_info.dtypes(kind=kind), kind
    neuron = info.dtypes(device=emulated_neuron)
    assert "float64" not in neuron and "complex128" not in neuron and "float32" in neuron
    assert set(info.dtypes(device=emulated_neuron, kind="real floating")) == {"float32"}
    with pytest.raises(ValueError):
        info.dtypes(kind="floating")
