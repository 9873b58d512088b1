"""``trnpy.sparse`` against ``scipy.sparse`` (the oracle): construction and validation,
attributes, conversions and ``A @ dense`` on both CPU backends, and the BSR SpMM routing
point (``trnpy/_spmm.py``) reaching the NKI kernel on the emulated neuron device."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import trnpy
from _helpers import examples
from trnpy import _kernel_registry as _kernels
from trnpy import sparse as ts

from conftest import assert_matches, default_rtol, to_np
from kernel_helpers import OnKernel, clean_policy, emulator_only, kernel_mode  # noqa: F401

_clean_policy = pytest.fixture(autouse=True)(clean_policy.__wrapped__)

FORMATS = ["csr", "csc", "coo", "bsr"]
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint64, np.complex128]


def _values(rng, shape, dtype):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        return rng.integers(-50, 50, shape).astype(dt)
    x = rng.standard_normal(shape)
    if dt.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dt)


def _dense(rng, shape, density, dtype):
    d = _values(rng, shape, dtype)
    d[rng.random(shape) >= density] = 0
    return d


def _pair(fmt, D, blocksize=None, **kw):
    """(trnpy array, SciPy array) of format ``fmt`` built from dense ``D``."""
    kwb = {} if blocksize is None else {"blocksize": blocksize}
    return (getattr(ts, f"{fmt}_array")(D, **kwb, **kw),
            getattr(sp, f"{fmt}_array")(D, **kwb))


def _check_components(A, S):
    assert type(A).__name__ == type(S).__name__
    assert A.format == S.format and A.shape == S.shape and A.ndim == 2
    assert A.dtype == S.dtype
    assert type(A.nnz) is int and A.nnz == S.nnz
    assert A.has_canonical_format == S.has_canonical_format
    names = ("data", "row", "col") if S.format == "coo" else ("data", "indices", "indptr")
    for n in names:
        c = getattr(A, n)
        assert isinstance(c, trnpy.TrnArray) and c.device == A.device
        np.testing.assert_array_equal(to_np(c), getattr(S, n))
    if S.format == "bsr":
        assert A.blocksize == S.blocksize


@st.composite
def _problems(draw):
    fmt = draw(st.sampled_from(FORMATS))
    if fmt == "bsr":
        R, C = draw(st.sampled_from([1, 2, 3])), draw(st.sampled_from([1, 2, 4]))
        M, K = R * draw(st.integers(0, 5)), C * draw(st.integers(0, 5))
        blocksize = (R, C)
    else:
        M, K, blocksize = draw(st.integers(0, 13)), draw(st.integers(0, 13)), None
    density = draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))
    dtype = draw(st.sampled_from(DTYPES))
    xdtype = draw(st.sampled_from([dtype, np.float64, np.int64, np.uint64, np.float32]))
    ncols = draw(st.sampled_from([None, 0, 1, 3]))
    return fmt, (M, K), blocksize, density, dtype, xdtype, ncols, draw(st.integers(0, 2**16))


@settings(max_examples=examples(60), deadline=None)
@given(p=_problems())
def test_matmul_and_attributes_vs_scipy(backend, p):
    fmt, shape, blocksize, density, dtype, xdtype, ncols, seed = p
    rng = np.random.default_rng(seed)
    D = _dense(rng, shape, density, dtype)
    A, S = _pair(fmt, D, blocksize)
    _check_components(A, S)
    assert_matches(A.toarray(), S.toarray())
    x = _values(rng, (shape[1],) if ncols is None else (shape[1], ncols), xdtype)
    if x.dtype.kind == "f" and x.size and rng.random() < 0.3:
        x.reshape(-1)[rng.integers(0, x.size, 2)] = [np.nan, -np.inf]
    x0 = x.copy()
    ref = S @ x
    rtol = max(default_rtol(ref.dtype), 1e-12)
    atol = rtol * max(1.0, np.abs(np.asarray(ref)[np.isfinite(ref)]).max(initial=0))
    assert_matches(A @ x, ref, rtol=rtol, atol=atol)
    assert_matches(A @ trnpy.asarray(x), ref, rtol=rtol, atol=atol)
    np.testing.assert_array_equal(x, x0)


@settings(max_examples=examples(25), deadline=None)
@given(M=st.integers(0, 9), K=st.integers(0, 9), nnz=st.integers(0, 30),
       seed=st.integers(0, 2**16))
def test_duplicates_explicit_zeros_unsorted(backend, M, K, nnz, seed):
    """COO with duplicates and explicit zeros; CSR with unsorted column indices."""
    rng = np.random.default_rng(seed)
    if M * K == 0:
        nnz = 0
    row, col = rng.integers(0, max(M, 1), nnz), rng.integers(0, max(K, 1), nnz)
    data = rng.standard_normal(nnz)
    data[rng.random(nnz) < 0.3] = 0.0
    A = ts.coo_array((data, (row, col)), shape=(M, K))
    S = sp.coo_array((data, (row, col)), shape=(M, K))
    _check_components(A, S)
    x = rng.standard_normal((K, 2))
    assert_matches(A @ x, S @ x, rtol=1e-12, atol=1e-12)
    for conv in ("tocsr", "tocsc", "tobsr"):
        _check_components(getattr(A, conv)(), getattr(S, conv)())
    # CSR from the tuple form, column indices reversed inside each row
    C = S.tocsr()
    idx, dat = C.indices.copy(), C.data.copy()
    for i in range(M):
        lo, hi = C.indptr[i], C.indptr[i + 1]
        idx[lo:hi], dat[lo:hi] = idx[lo:hi][::-1], dat[lo:hi][::-1]
    A2 = ts.csr_array((trnpy.asarray(dat), trnpy.asarray(idx), C.indptr), shape=(M, K))
    S2 = sp.csr_array((dat, idx, C.indptr), shape=(M, K))
    _check_components(A2, S2)
    assert_matches(A2 @ x[:, 0], S2 @ x[:, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fmt", FORMATS)
def test_conversions_transpose_and_scipy_round_trip(backend, fmt):
    rng = np.random.default_rng(7)
    D = _dense(rng, (6, 8), 0.4, np.float64)
    A, S = _pair(fmt, D, (2, 2) if fmt == "bsr" else None)
    _check_components(A.T, S.T)
    _check_components(A.transpose(), S.transpose())
    _check_components(A.tocsr(), S.tocsr())
    _check_components(A.tocsc(), S.tocsc())
    _check_components(A.tocoo(), S.tocoo())
    _check_components(A.tobsr((3, 4)), S.tobsr((3, 4)))
    _check_components(A.copy(), S.copy())
    G = A.get()
    assert type(G) is type(S) and (G != S).nnz == 0
    _check_components(ts.csr_array(S), sp.csr_array(S))        # from SciPy
    _check_components(ts.bsr_array(A, blocksize=(3, 2)), sp.bsr_array(S, blocksize=(3, 2)))
    _check_components(ts.coo_array(trnpy.asarray(D)), sp.coo_array(D))
    _check_components(ts.csr_array(D, dtype=np.complex64), sp.csr_array(D, dtype=np.complex64))
    assert ts.issparse(A) and not ts.issparse(S) and not ts.issparse(D)


def test_negative_strides_and_empty(backend):
    rng = np.random.default_rng(3)
    D = _dense(rng, (5, 7), 0.5, np.float64)
    A, S = _pair("csr", D)
    x = rng.standard_normal((7, 3))
    assert_matches(A @ trnpy.asarray(x)[::-1], S @ x[::-1], rtol=1e-12, atol=1e-12)
    assert_matches(A @ x[::-1, ::-2], S @ x[::-1, ::-2], rtol=1e-12, atol=1e-12)
    for shape in [(0, 0), (0, 4), (4, 0), (1, 5)]:
        E, SE = _pair("csr", np.zeros(shape))
        _check_components(E, SE)
        assert_matches(E @ np.ones((shape[1], 2)), SE @ np.ones((shape[1], 2)))


@settings(max_examples=examples(20), deadline=None)
@given(fmt=st.sampled_from(["csr", "csc", "coo"]), M=st.integers(0, 9), K=st.integers(0, 9),
       nnz=st.integers(0, 30), dtype=st.sampled_from([np.float32, np.float64, np.complex128]),
       ncols=st.sampled_from([None, 1, 3]), seed=st.integers(0, 2**16))
def test_torch_sparse_products_and_their_cache(fmt, M, K, nnz, dtype, ncols, seed):
    """The torch path's products (CUDA's, run here on the torch CPU backend) go through
    torch's sparse CSR tensor, made once per matrix: duplicates, explicit zeros and
    unsorted indices as SciPy; an in-place write to a component or a replaced component
    is seen by the next product."""
    rng = np.random.default_rng(seed)
    if M * K == 0:
        nnz = 0
    row, col = rng.integers(0, max(M, 1), nnz), rng.integers(0, max(K, 1), nnz)
    data = _values(rng, nnz, dtype)
    data[rng.random(nnz) < 0.2] = 0
    S = sp.coo_array((data, (row, col)), shape=(M, K)).asformat(fmt)
    if fmt != "coo":
        S.has_sorted_indices = False          # unsorted inside each row / column
        for i in range(len(S.indptr) - 1):
            lo, hi = S.indptr[i], S.indptr[i + 1]
            S.indices[lo:hi], S.data[lo:hi] = S.indices[lo:hi][::-1], S.data[lo:hi][::-1]
    with trnpy.cpu_backend("torch"):
        A = getattr(ts, f"{fmt}_array")(S)
        x = _values(rng, (K,) if ncols is None else (K, ncols), np.float64)
        y = _values(rng, (M,) if ncols is None else (ncols, M), np.float32)
        for _ in range(2):                    # the second from the cache
            assert_matches(A @ x, S @ x, rtol=1e-5, atol=1e-5)
            assert_matches(y @ A, y @ S, rtol=1e-5, atol=1e-5)
        # (float64, A @ x), (y's result dtype, y @ A); SciPy's COO gives scalars for
        # vectors times a dimension of 1: those take the host path
        scalar = [fmt == "coo" and ncols is None and n == 1 for n in (M, K)]
        assert len(A._tcache or ()) == 2 - sum(scalar)
        z = _values(rng, (M,), np.float64)
        assert_matches(A.T @ z, S.T @ z, rtol=1e-5, atol=1e-5)
        assert A.T._tcache is A._tcache       # a device transpose shares the tensors
        if nnz:
            A.data[0] = 7.0                   # a write through the device component
            S.data[0] = 7.0
            assert_matches(A @ x, S @ x, rtol=1e-5, atol=1e-5)
            A.data = trnpy.asarray(S.data * 2)    # a replaced component
            S.data = S.data * 2
            assert_matches(y @ A, y @ S, rtol=1e-5, atol=1e-5)
            # an index written out of range: refused before torch reads it
            if fmt == "coo":
                A.col = trnpy.asarray(np.full(A.nnz, K, np.int32))
            else:
                A.indices = trnpy.asarray(np.full(A.nnz, (K, M)[fmt == "csc"], np.int32))
            with pytest.raises(ValueError, match="ind"):     # (SciPy's, on the host path)
                A @ x


@pytest.mark.parametrize("R,C,ncols", [(2, 2, None), (2, 2, 3), (16, 16, 3), (16, 16, None),
                                       (2, 4, 3)])
def test_torch_bsr_products_vs_scipy(R, C, ncols):
    """BSR on the torch path: torch's BSR tensor (square blocks: vectors, small blocks),
    the batched block GEMM (large blocks times matrices, non-square blocks, unsorted
    blocks) alike against SciPy."""
    rng = np.random.default_rng(R * 100 + C)
    D = _dense(rng, (4 * R, 3 * C), 0.3, np.float64)
    S = sp.bsr_array(D, blocksize=(R, C))
    x = rng.standard_normal((3 * C,) if ncols is None else (3 * C, ncols))
    with trnpy.cpu_backend("torch"):
        A = ts.bsr_array(S)
        assert_matches(A @ x, S @ x, rtol=1e-12, atol=1e-12)
        assert_matches(A.astype(np.complex64) @ x, S.astype(np.complex64) @ x, rtol=1e-5,
                       atol=1e-5)
        U = sp.bsr_array((S.data[::-1], S.indices[::-1], S.indptr), shape=S.shape)
        if S.indptr[1] > 1:                   # block row 0 now unsorted
            U.has_sorted_indices = False
        assert_matches(ts.bsr_array(U) @ x, U @ x, rtol=1e-12, atol=1e-12)


def _err(fn):
    try:
        fn()
    except Exception as e:            # noqa: BLE001 (the oracle's class and message)
        return type(e), str(e)
    return None


def _scipy_full_check(ctor, *a, **kw):
    def build():
        S = ctor(*a, **kw)
        if S.format != "coo":
            S.check_format(full_check=True)
    return _err(build)


@pytest.mark.parametrize("fmt,arg,shape", [
    ("csr", ([1.0, 2, 3], [0, 5, 1], [0, 1, 2, 3]), (3, 3)),          # index too large
    ("csr", ([1.0, 2, 3], [0, -1, 1], [0, 1, 2, 3]), (3, 3)),         # negative index
    ("csr", ([1.0, 2, 3], [0, 1, 1], [0, 2, 1, 3]), (3, 3)),          # non-monotone indptr
    ("csr", ([1.0, 2, 3], [0, 1, 1], [0, 1, 3]), (3, 3)),             # indptr length
    ("csr", ([1.0, 2, 3], [0, 1, 1], [1, 1, 2, 3]), (3, 3)),          # indptr[0] != 0
    ("csr", ([1.0, 2], [0, 1, 1], [0, 1, 2, 3]), (3, 3)),             # data / indices
    ("csc", ([1.0, 2, 3], [0, 3, 1], [0, 1, 2, 3]), (3, 3)),
    ("bsr", (np.ones((2, 2, 2)), [0, 2], [0, 1, 2]), (4, 4)),         # block col too large
    ("bsr", (np.ones((2, 2, 2)), [0, 1], [0, 2, 1]), (4, 4)),
    ("coo", ([1.0, 2], ([0, 3], [0, 1])), (3, 3)),
    ("coo", ([1.0, 2], ([0, 1], [-1, 1])), (3, 3)),
])
def test_bad_structure_raises_scipys_error(backend, fmt, arg, shape):
    host = [np.array(a) if not isinstance(a, tuple) else tuple(map(np.array, a))
            for a in arg]
    before = [a.copy() if not isinstance(a, tuple) else tuple(b.copy() for b in a)
              for a in host]
    expected = _scipy_full_check(getattr(sp, f"{fmt}_array"), tuple(host), shape=shape)
    assert expected is not None
    got = _err(lambda: getattr(ts, f"{fmt}_array")(tuple(host), shape=shape))
    assert got == expected
    for a, b in zip(host, before):
        for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple)
                        else (b,)):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("xshape", [(4,), (4, 2), (6, 2, 1), ()])
def test_matmul_shape_errors(backend, fmt, xshape):
    D = np.arange(30.0).reshape(6, 5) % 3
    A, S = _pair(fmt, D, (3, 5) if fmt == "bsr" else None)
    x = np.ones(xshape)
    if len(xshape) > 2:
        with pytest.raises(NotImplementedError, match="more than 2"):
            A @ x
        return
    expected = _err(lambda: S @ x)
    assert expected is not None and expected[0] is ValueError
    assert _err(lambda: A @ x) == expected


def test_unimplemented_is_explicit():
    A = ts.csr_array(np.eye(3))
    with pytest.raises(AttributeError, match="not implemented"):
        ts.csgraph
    with pytest.raises(AttributeError):
        A.no_such_method


def test_cpu_numpy_path_does_not_import_torch():
    code = ("import sys, numpy; import trnpy; from trnpy import sparse\n"
            "A = sparse.csr_array(numpy.eye(4)); B = sparse.bsr_array(numpy.eye(4), "
            "blocksize=(2, 2))\n"
            "y = (A @ numpy.ones(4)) + (B @ trnpy.ones((4, 2)))[:, 0]; A.T.toarray()\n"
            "print('torch' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ("TRNPY_CPU_BACKEND",
                                                            "TRNPY_DEVICE")}
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "False"


# -- the emulated neuron device: the BSR SpMM routing point and its kernel ---------------
def _f32_close(actual, expected):
    a, e = to_np(actual), np.asarray(expected)
    assert a.shape == e.shape and a.dtype == np.float32
    np.testing.assert_allclose(a, e, rtol=0, atol=2e-5 * max(1.0, np.abs(e).max(initial=0)))


@emulator_only
@pytest.mark.parametrize("fmt,shape,ncols", [
    ("bsr", (256, 384), 7), ("bsr", (256, 384), None), ("csr", (200, 300), 7),
    ("coo", (200, 300), None), ("csc", (130, 129), 3)])
def test_neuron_reaches_the_bsr_kernel(emulated_neuron, kernel_mode, fmt, shape, ncols):
    rng = np.random.default_rng(11)
    D = _dense(rng, shape, 0.1, np.float32)
    D[:128, :128] = 0                           # an empty block, whole zero block rows
    if fmt == "bsr":
        D[128:256] = 0
    kw = {"blocksize": (128, 128)} if fmt == "bsr" else {}
    A = getattr(ts, f"{fmt}_array")(D, device=emulated_neuron, **kw)
    assert A.data.device == emulated_neuron
    x = _values(rng, (shape[1],) if ncols is None else (shape[1], ncols), np.float32)
    with OnKernel("bsr_spmm", calls=1):
        r = A @ trnpy.asarray(x, device=emulated_neuron)
    assert r.device == emulated_neuron
    _f32_close(r, sp.csr_array(D.astype(np.float64)) @ x.astype(np.float64))


@emulator_only
def test_neuron_fallbacks_are_recorded_or_refused(emulated_neuron):
    rng = np.random.default_rng(5)
    D = _dense(rng, (8, 6), 0.5, np.float32)
    A = ts.bsr_array(D, blocksize=(2, 3), device=emulated_neuron)
    B = ts.bsr_array(_dense(rng, (128, 128), 0.5, np.int32), blocksize=(128, 128),
                     device=emulated_neuron)
    x = _values(rng, (6, 2), np.float32)
    with trnpy.force_kernels():
        with trnpy.strict_kernels(), pytest.raises(trnpy.KernelFallbackError, match="128x128"):
            A @ x
        with trnpy.strict_kernels(), pytest.raises(trnpy.KernelFallbackError, match="int32"):
            B @ np.ones(128, np.int32)
        r = A @ x                               # outside strict mode: torch, recorded
    assert _kernels.FALLBACKS[("bsr_spmm", "the BSR kernel takes 128x128 blocks, got 2x3")] == 1
    assert trnpy.ROUTES[("bsr_spmm", "torch")] == 1
    _f32_close(r, A.get().astype(np.float64) @ x.astype(np.float64))
    Bs = B.get()
    assert_matches(B @ np.arange(128, dtype=np.int32), Bs @ np.arange(128, dtype=np.int32))
    # below the size threshold: torch by choice, also in strict mode
    C = ts.csr_array(D, device=emulated_neuron)
    with trnpy.strict_kernels():
        r = C @ x
    assert trnpy.ROUTES[("bsr_spmm", "kernel")] == 0
    _f32_close(r, sp.csr_array(D.astype(np.float64)) @ x.astype(np.float64))
    with pytest.raises(TypeError):
        ts.csr_array(np.eye(3), device=emulated_neuron)       # no float64 on neuron


@emulator_only
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_neuron_regrouping_follows_the_fill_threshold(emulated_neuron, fmt):
    """Under strict_kernels() (no force): blocks at least bsr_min_fill() full are
    regrouped once per matrix and run on the kernel; below it the exact product runs on
    torch by choice, with its reason in the fallback counters (not refused)."""
    rng = np.random.default_rng(21)
    D = _dense(rng, (200, 256), 0.05, np.float32)        # 4 blocks, fill about 0.03
    D[:, 128:] = 0                                        # 2 blocks now
    A = getattr(ts, f"{fmt}_array")(D, device=emulated_neuron)
    x = trnpy.asarray(_values(rng, (256, 3), np.float32), device=emulated_neuron)
    ref = sp.csr_array(D.astype(np.float64)) @ to_np(x).astype(np.float64)
    trnpy.set_kernel_threshold("bsr_spmm", 0)
    assert ts.bsr_min_fill() == 1 / 128
    made = []
    regroup = ts._base._bsr128
    try:
        ts._base._bsr128 = lambda M: made.append(1) or regroup(M)
        with trnpy.strict_kernels():
            with OnKernel("bsr_spmm", calls=2):
                r1, r2 = A @ x, A @ x
            assert made == [1]                                      # regrouped once
            assert not [k for k in trnpy.ROUTES if k[0].startswith("sparse.")]  # on the device
            _f32_close(r1, ref)
            _f32_close(r2, ref)
            ts.set_bsr_min_fill(0.5)
            r = A @ x
        why = [w for (op, w), n in _kernels.FALLBACKS.items() if op == "bsr_spmm"]
        assert len(why) == 1 and "block fill" in why[0] and "0.5" in why[0]
        assert trnpy.ROUTES[("bsr_spmm", "kernel")] == 2
        assert "block fill" in trnpy.routing_report()
        _f32_close(r, ref)
        with trnpy.force_kernels(), OnKernel("bsr_spmm", calls=1):
            A @ x                                 # forced: regrouped whatever the fill
        with pytest.raises(ValueError):
            ts.set_bsr_min_fill(-1)
    finally:
        ts._base._bsr128 = regroup
        ts.set_bsr_min_fill(1 / 128)


@emulator_only
def test_neuron_csr_with_inf_operand_is_exact(emulated_neuron, kernel_mode):
    """Regrouped 128x128 blocks would multiply their zeros by inf; such operands take
    the exact CSR product (SciPy's answer), not the kernel."""
    rng = np.random.default_rng(2)
    D = _dense(rng, (140, 130), 0.05, np.float32)
    x = _values(rng, (130, 2), np.float32)
    x[[3, 77], [0, 1]] = [np.inf, np.nan]
    r = ts.csr_array(D, device=emulated_neuron) @ x
    ref = sp.csr_array(D) @ x
    assert trnpy.ROUTES[("bsr_spmm", "kernel")] == 0
    np.testing.assert_array_equal(np.isnan(to_np(r)), np.isnan(ref))
    np.testing.assert_allclose(to_np(r), ref, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr"])
def test_same_format_conversion_copy_flag(fmt):
    # SciPy: to<own format>() is the array itself, copy=True a copy that does not alias
    S = sp.random_array((6, 5), density=0.5, format=fmt, rng=0)
    A = getattr(trnpy.sparse, f"{fmt}_array")(S)
    assert getattr(S, f"to{fmt}")() is S
    assert getattr(A, f"to{fmt}")() is A
    B = getattr(A, f"to{fmt}")(copy=True)
    assert B is not A and not trnpy.shares_memory(B.data, A.data)
    np.testing.assert_array_equal(trnpy.asnumpy(B.toarray()), S.toarray())


@emulator_only
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr"])
def test_neuron_dense_at_sparse_reaches_the_bsr_kernel(emulated_neuron, kernel_mode, fmt):
    rng = np.random.default_rng(12)
    D = _dense(rng, (256, 128), 0.1, np.float32)
    kw = {"blocksize": (128, 128)} if fmt == "bsr" else {}
    A = getattr(ts, f"{fmt}_array")(D, device=emulated_neuron, **kw)
    x = _values(rng, (3, 256), np.float32)
    with OnKernel("bsr_spmm", calls=1):
        r = trnpy.asarray(x, device=emulated_neuron) @ A
    assert r.device == emulated_neuron
    _f32_close(r, x.astype(np.float64) @ sp.csr_array(D.astype(np.float64)))


@emulator_only
def test_neuron_structure_on_the_host_results_on_the_device(emulated_neuron):
    D = np.array([[1, 0, 2], [0, 0, 3], [4, 5, 0]], np.float32)
    A = ts.csr_array(D, device=emulated_neuron)
    trnpy.reset_routes()
    for r, e in [(A + A.T, sp.csr_array(D) + sp.csr_array(D).T),
                 (A[[0, 2]], sp.csr_array(D)[[0, 2]]),
                 (ts.eye_array(3, dtype=np.float32, format="csr", device=emulated_neuron),
                  sp.eye_array(3, dtype=np.float32, format="csr")),
                 (ts.kron(A, A), sp.kron(sp.csr_array(D), sp.csr_array(D)))]:
        assert r.data.device == emulated_neuron and r.format == e.format
        np.testing.assert_array_equal(to_np(r.toarray()), e.toarray())
    assert trnpy.ROUTES[("sparse.add", "numpy")] == 1
    assert trnpy.ROUTES[("sparse.kron", "numpy")] == 1
    assert A.sum(axis=0).device == emulated_neuron
    with pytest.raises(TypeError, match="float64"):
        A / 2.0                             # SciPy gives float64: refused, not downcast


def _no_host_steps():
    """No sparse method, host step or fallback ran on the host."""
    assert not [k for k in trnpy.ROUTES if k[0].startswith("sparse.") or k[1] == "numpy"]
    assert not _kernels.FALLBACKS


@emulator_only
@pytest.mark.parametrize("fmt,shape,ncols,dtype", [
    ("bsr", (256, 384), 3, np.float32), ("bsr", (384, 256), 1, np.float16),
    ("csr", (200, 300), 5, np.float32), ("csc", (130, 129), 2, np.float32),
    ("coo", (129, 257), 1, np.float32)])
def test_neuron_dense_at_sparse_on_the_device(emulated_neuron, fmt, shape, ncols, dtype):
    """``x @ A`` (x of ``dtype``) as ``(A^T @ x^T)^T`` with the transposes on the device and the product
    on the BSR kernel: under strict_kernels() the kernel runs and nothing goes to the
    host (edge tiles: shapes not multiples of 128, regrouped CSR/CSC/COO)."""
    rng = np.random.default_rng(31)
    D = _dense(rng, shape, 0.1, np.float32)      # (SciPy has no float16 sparse)
    if shape[1] >= 256:
        D[:, :128] = 0                               # empty block columns (rows of A^T)
    kw = {"blocksize": (128, 128)} if fmt == "bsr" else {}
    A = getattr(ts, f"{fmt}_array")(D, device=emulated_neuron, **kw)
    x = _values(rng, (ncols, shape[0]), dtype)
    xd = trnpy.asarray(x, device=emulated_neuron)
    trnpy.set_kernel_threshold("bsr_spmm", 0)
    trnpy.reset_routes()
    with trnpy.strict_kernels(), OnKernel("bsr_spmm", calls=2):
        r, r2 = xd @ A, xd[0] @ A
    _no_host_steps()
    assert r.device == emulated_neuron and r.shape == (ncols, shape[1])
    assert r.dtype == np.float32
    ref = x.astype(np.float64) @ D.astype(np.float64)
    tol = 2e-5 if dtype == np.float32 else 2e-3
    for a, e in [(r, ref), (r2, ref[0])]:
        np.testing.assert_allclose(to_np(a).astype(np.float64), e, rtol=0,
                                   atol=tol * max(1.0, np.abs(e).max(initial=0)))


@pytest.mark.parametrize("R,C,MB,KB,canonical", [
    (2, 3, 4, 5, True), (1, 1, 3, 3, True), (3, 2, 0, 2, True), (2, 2, 3, 0, True),
    (2, 2, 2, 2, False)])
def test_bsr_transpose_on_the_device_is_scipys(R, C, MB, KB, canonical):
    """The torch path's BSR transpose (what CUDA and neuron run): SciPy's components and
    flags, made on the device (no host route), and ``x @ A`` from it."""
    rng = np.random.default_rng(R * 100 + C * 10 + MB)
    if canonical:
        D = _dense(rng, (R * MB, C * KB), 0.4, np.float64)
        S = sp.bsr_array(D, blocksize=(R, C))
        arg = S
    else:                                  # unsorted block indices, a duplicate block
        arg = (rng.standard_normal((4, R, C)), np.array([1, 0, 1, 1]), np.array([0, 3, 4]))
        S = sp.bsr_array(arg, shape=(R * MB, C * KB))
    with trnpy.cpu_backend("torch"):
        A = ts.bsr_array(arg, shape=S.shape)
        x = rng.standard_normal((3, S.shape[0]))
        trnpy.reset_routes()
        T, r = A.T, trnpy.asarray(x) @ A
        assert not [k for k in trnpy.ROUTES if k[0].startswith("sparse.")]
        ST = S.T
        _check_components(T, ST)
        assert T.has_sorted_indices == ST.has_sorted_indices
        assert_matches(r, x @ S.toarray())


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr"])
def test_components_written_later_are_checked_before_torch_reads_them(fmt):
    """The torch path (CUDA's, neuron's): an index written out of range after
    construction raises SciPy's ValueError at the next product (A @ x and x @ A), as
    check_format(full_check=True) would, never a read out of bounds."""
    D = np.arange(1.0, 25.0).reshape(4, 6)
    with trnpy.cpu_backend("torch"):
        A = _pair(fmt, D, (2, 2) if fmt == "bsr" else None)[0]
        x = trnpy.asarray(np.ones(6))
        A @ x                                       # valid: builds and caches
        idx = A.col if fmt == "coo" else A.indices
        idx[0] = 40
        with pytest.raises(ValueError, match="indices must be >= 0 and < |index"):
            A @ x
        with pytest.raises(ValueError, match="indices must be >= 0 and < |index"):
            trnpy.asarray(np.ones(4)) @ A
        idx[0] = -1
        with pytest.raises(ValueError, match="indices must be >= 0 and < |index"):
            A @ x


def test_index_dtypes_follow_scipy_past_int32(backend):
    """int32 until int64 is needed (here: a dimension past 2^31, nnz small); nnz itself
    past 2^31 needs ~20 GiB and is not run here."""
    n = 2**31 + 5
    arg = ([2.0, 3.0], [n - 1, 7], [0, 1, 2])
    S, A = sp.csr_array(arg, shape=(2, n)), ts.csr_array(arg, shape=(2, n))
    assert A.indices.dtype == S.indices.dtype == np.int64
    small = ts.csr_array(([2.0], [1], [0, 1, 1]), shape=(2, 3))
    assert small.indices.dtype == sp.csr_array(([2.0], [1], [0, 1, 1]), shape=(2, 3)).indices.dtype
    for a, s in [(A.T, S.T), (A.tocoo(), S.tocoo())]:
        _check_components(a, s)
    assert_matches(A.sum(axis=1), S.sum(axis=1))
