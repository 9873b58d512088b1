"""``trnpy.sparse``'s classes, methods, operators and constructors against ``scipy.sparse``
(the oracle) on hypothesis-drawn arrays and matrices of every format: duplicates,
explicit zeros, unsorted indices, empty and 1 x n shapes, complex; both CPU backends (the
torch backend keeps the components as device arrays, the path CUDA and neuron take)."""
from __future__ import annotations

import copy
import inspect
import io
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import trnpy
from _helpers import examples
from trnpy import sparse as ts

from conftest import assert_matches, default_rtol, to_np

FORMATS = ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"]
DTYPES = [np.float64, np.float32, np.int64, np.complex128, np.bool_]


def _values(rng, n, dtype):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return rng.random(n) < 0.7
    if dt.kind in "iu":
        return rng.integers(-5, 6, n).astype(dt)
    x = np.round(rng.standard_normal(n), 3)
    if dt.kind == "c":
        x = x + 1j * np.round(rng.standard_normal(n), 3)
    return x.astype(dt)


@st.composite
def _matrices(draw, formats=FORMATS):
    """(SciPy object, trnpy object built from it, rng)."""
    fmt = draw(st.sampled_from(formats))
    kind = draw(st.sampled_from(["array", "matrix"]))
    M = draw(st.sampled_from([0, 1, 2, 3, 4, 6]))
    K = draw(st.sampled_from([0, 1, 2, 4, 5]))
    density = draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    nnz = int(density * M * K * 1.3) if M * K else 0
    row, col = rng.integers(0, max(M, 1), nnz), rng.integers(0, max(K, 1), nnz)
    data = _values(rng, nnz, dtype)
    if nnz and dtype not in (np.int64, np.bool_):
        data[rng.random(nnz) < 0.2] = 0                   # explicit zeros
    S = getattr(sp, f"coo_{kind}")((data, (row, col)), shape=(M, K))   # duplicates
    if fmt == "bsr":
        S = S.tobsr(blocksize=(1, 1) if M % 2 or K % 2 else (2, 1))
    elif fmt != "coo":
        S = S.asformat(fmt)
    if fmt in ("csr", "csc") and draw(st.booleans()):
        S = S.copy()
        for i in range(len(S.indptr) - 1):                # unsorted indices
            lo, hi = S.indptr[i], S.indptr[i + 1]
            S.indices[lo:hi] = S.indices[lo:hi][::-1].copy()
            S.data[lo:hi] = S.data[lo:hi][::-1].copy()
        S.has_sorted_indices = False
        S = type(S)((S.data, S.indices, S.indptr), shape=S.shape)
    A = getattr(ts, f"{fmt}_{kind}")(S)
    return S, A, rng


def _components(S):
    f = S.format
    if f in ("csr", "csc", "bsr"):
        return ("data", "indices", "indptr")
    if f == "coo":
        return ("data", "row", "col") if S.ndim == 2 else ("data",)
    if f == "dia":
        return ("data", "offsets")
    return ()


def _same(got, exp, rtol=None):
    """``got`` (trnpy) is what SciPy gave: class, format, shape, dtype, nnz, components."""
    if sp.issparse(exp):
        assert ts.issparse(got), (got, exp)
        assert type(got).__name__ == type(exp).__name__
        assert got.shape == exp.shape and got.dtype == exp.dtype
        assert type(got.nnz) is int and got.nnz == exp.nnz
        for n in _components(exp):
            assert_matches(getattr(got, n), getattr(exp, n),
                           rtol=rtol if n == "data" else None)
        if exp.format in ("csr", "csc", "bsr", "coo"):
            assert got.has_canonical_format == exp.has_canonical_format
        if exp.format in ("csr", "csc", "bsr"):
            assert got.has_sorted_indices == exp.has_sorted_indices
        if exp.format == "bsr":
            assert got.blocksize == exp.blocksize
        if exp.format in ("lil", "dok"):
            np.testing.assert_array_equal(got.get().toarray(), exp.toarray())
        return
    if isinstance(exp, np.matrix):
        assert isinstance(got, trnpy.TrnArray) and got.ndim == 2
        assert_matches(got, np.asarray(exp), rtol=rtol)
        return
    if isinstance(exp, (np.ndarray, np.generic)):
        assert_matches(got, exp, rtol=rtol)
        return
    if isinstance(exp, tuple):
        assert isinstance(got, tuple) and len(got) == len(exp)
        for g, e in zip(got, exp):
            _same(g, e, rtol)
        return
    assert type(got) is type(exp) and got == exp


def _run(fn, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(X), None
        except Exception as e:          # noqa: BLE001 (the oracle's class is compared)
            return None, e


def _compare(fn, S, A, host_args=(), dev_args=(), rtol=None):
    exp, eexp = _run(lambda X: fn(X, *host_args), S)
    got, egot = _run(lambda X: fn(X, *dev_args), A)
    if eexp is not None:
        assert egot is not None, f"SciPy raised {eexp!r}, trnpy gave {got!r}"
        assert type(egot) is type(eexp), (egot, eexp)
        return
    assert egot is None, f"trnpy raised {egot!r} where SciPy gave {exp!r}"
    _same(got, exp, rtol)


def _inplace(name, *args):
    def fn(X):
        Y = X.copy()
        r = getattr(Y, name)(*args)
        assert r is None
        return Y
    return fn


def _setitem(key, value):
    def fn(X):
        Y = X.copy()
        Y[key] = value
        return Y
    return fn


UNARY = {
    "T": lambda X: X.T, "transpose": lambda X: X.transpose(),
    "conj": lambda X: X.conj(), "abs": abs, "neg": lambda X: -X,
    "copy": lambda X: X.copy(), "astype_f32": lambda X: X.astype(np.float32),
    "astype_c128": lambda X: X.astype(np.complex128), "real": lambda X: X.real,
    "imag": lambda X: X.imag, "round": lambda X: round(X),
    "tocsr": lambda X: X.tocsr(), "tocsc": lambda X: X.tocsc(),
    "tocoo": lambda X: X.tocoo(), "tobsr": lambda X: X.tobsr(),
    "todia": lambda X: X.todia(), "tolil": lambda X: X.tolil(),
    "todok": lambda X: X.todok(), "toarray": lambda X: X.toarray(),
    "todense": lambda X: X.todense(),
    "sum": lambda X: X.sum(), "sum0": lambda X: X.sum(axis=0),
    "sum1": lambda X: X.sum(axis=1), "mean": lambda X: X.mean(),
    "mean1": lambda X: X.mean(axis=1),
    "max": lambda X: X.max(), "min0": lambda X: X.min(axis=0),
    "argmax": lambda X: X.argmax(), "argmin1": lambda X: X.argmin(axis=1),
    "count_nonzero": lambda X: X.count_nonzero(),
    "diagonal": lambda X: X.diagonal(), "diagonal1": lambda X: X.diagonal(1),
    "nonzero": lambda X: X.nonzero(), "trace": lambda X: X.trace(),
    "power2": lambda X: X.power(2), "mul2": lambda X: X * 2, "rmul": lambda X: 3 * X,
    "div2": lambda X: X / 2, "pow2": lambda X: X ** 2,
    "add": lambda X: X + X, "sub": lambda X: X - 2 * X, "mulself": lambda X: X * X,
    "multiply": lambda X: X.multiply(X), "matmulT": lambda X: X @ X.T,
    "maximum": lambda X: X.maximum(X * 2), "ne": lambda X: X != X * 2,
    "gt0": lambda X: X > 0, "le1": lambda X: X <= 1, "eq": lambda X: X == X,
    "row0": lambda X: X[0], "col1": lambda X: X[:, 1], "rows": lambda X: X[[0, -1]],
    "slice": lambda X: X[1:3], "elem": lambda X: X[0, 1], "cols": lambda X: X[:, [1, 0]],
    "reshape": lambda X: X.reshape((X.shape[1], X.shape[0])),
    "eliminate_zeros": _inplace("eliminate_zeros"),
    "sum_duplicates": _inplace("sum_duplicates"),
    "sort_indices": _inplace("sort_indices"), "setdiag": _inplace("setdiag", 5),
    "resize": _inplace("resize", (3, 2)), "sorted_indices": lambda X: X.sorted_indices(),
    "sqrt_abs": lambda X: abs(X).sqrt(), "sign": lambda X: X.sign(),
    "getnnz0": lambda X: X.getnnz(axis=0), "getrow": lambda X: X.getrow(0),
    "attrs": lambda X: (X.shape, X.ndim, X.format, X.size),
    "setelem": _setitem((0, 1), 5), "setrow": _setitem(0, 0),
    "setcols": _setitem((slice(None), [0, 2]), -1.5),
    "iter": lambda X: tuple(X), "dot": lambda X: X.dot(X.T), "dot2": lambda X: X.dot(2),
}


@settings(max_examples=examples(30), deadline=None)
@given(p=_matrices(), names=st.lists(st.sampled_from(sorted(UNARY)), min_size=4,
                                     max_size=8, unique=True))
def test_methods_and_operators_vs_scipy(backend, p, names):
    S, A, _ = p
    _same(A, S)
    for name in names:
        # fresh operands: SciPy's methods may sort / sum duplicates of their own in place
        S1 = copy.deepcopy(S)
        A1 = type(A)(copy.deepcopy(S))
        _compare(UNARY[name], S1, A1, rtol=max(default_rtol(S.dtype), 1e-12))
        np.testing.assert_array_equal(to_np(A1.toarray()), S1.toarray())


@settings(max_examples=examples(25), deadline=None)
@given(p=_matrices(), q=st.integers(0, 2**16), op=st.sampled_from(
    ["matmul", "rmatmul", "rmatmul1", "add", "sub", "multiply", "mul", "rmul", "div",
     "lt", "ssmatmul"]))
def test_binary_with_dense_and_sparse_operands(backend, p, q, op):
    S, A, rng = p
    M, K = S.shape
    dense = {"matmul": (K, 3), "rmatmul": (2, M), "rmatmul1": (M,), "add": (M, K),
             "sub": (M, K), "multiply": (M, K), "mul": (M, K), "rmul": (M, K),
             "div": (M, K), "lt": (M, K), "ssmatmul": None}[op]
    fn = {"matmul": lambda X, D: X @ D, "rmatmul": lambda X, D: D @ X,
          "rmatmul1": lambda X, D: D @ X, "add": lambda X, D: X + D,
          "sub": lambda X, D: D - X, "multiply": lambda X, D: X.multiply(D),
          "mul": lambda X, D: X * D, "rmul": lambda X, D: D * X,
          "div": lambda X, D: X / (D + 10), "lt": lambda X, D: X < D,
          "ssmatmul": lambda X, D: X @ D}[op]
    if dense is None:
        D = sp.random_array((K, 3), density=0.5, rng=q, format="csr")
        if isinstance(S, sp.spmatrix):
            D = sp.csr_matrix(D)
        Dt = getattr(ts, type(D).__name__)(D)
    else:
        D = np.random.default_rng(q).integers(-3, 4, dense).astype(np.float64)
        Dt = trnpy.asarray(D)
    tol = max(default_rtol(S.dtype), 1e-12)
    _compare(fn, S, A, (D,), (Dt,), rtol=tol)
    if dense is not None and op in ("matmul", "rmatmul", "rmatmul1"):
        _compare(fn, S, A, (D,), (D,), rtol=tol)    # NumPy operands too


def test_matrix_semantics():
    D = np.array([[1.0, 0, 2], [0, 3, 0]])
    M, S = ts.csr_matrix(D), sp.csr_matrix(D)
    _same(M * M.T, S * S.T)
    _same(M.T * np.ones(2), S.T * np.ones(2))
    _same(ts.csr_matrix(np.eye(3)) ** 3, sp.csr_matrix(np.eye(3)) ** 3)
    _same(M[0], S[0])
    _same(M.sum(axis=1), S.sum(axis=1))
    assert M.sum(axis=1).shape == (2, 1) and ts.isspmatrix(M) and not ts.isspmatrix(
        ts.csr_array(D))
    assert isinstance(M, ts.spmatrix) and isinstance(ts.csr_array(D), ts.sparray)
    for f in ["csr", "csc", "coo", "bsr", "dia", "lil", "dok"]:
        pred = getattr(ts, f"isspmatrix_{f}")
        assert pred(getattr(ts, f"{f}_matrix")(D))
        assert not pred(getattr(ts, f"{f}_array")(D))
        assert not pred(getattr(sp, f"{f}_matrix")(D))
    _same(M.getH(), S.getH())
    assert M.getformat() == "csr" and M.get_shape() == (2, 3) and M.getnnz() == 3


def test_builders_land_on_the_device(backend):
    L, SL = ts.lil_array((4, 5)), sp.lil_array((4, 5))
    for X in (L, SL):
        X[0, 1] = 2.0
        X[3, :] = 7
        X[1, [0, 4]] = [1, -1]
    _same(L.tocsr(), SL.tocsr())
    _same(L.tocoo(), SL.tocoo())
    assert L.rows.tolist() == SL.rows.tolist()
    Dk, SD = ts.dok_array((3, 3)), sp.dok_array((3, 3))
    for X in (Dk, SD):
        X[1, 2] = 3.0
        X[0, 0] = -1.0
    assert sorted(Dk.keys()) == sorted(SD.keys()) and len(Dk) == len(SD)
    assert (1, 2) in Dk and Dk.get((1, 2)) == SD.get((1, 2))
    _same(Dk.tocsr(), SD.tocsr())
    assert isinstance(Dk.tocsr().data, trnpy.TrnArray)


CONSTRUCTORS = [
    ("eye", (3,), {}), ("eye", (3, 4), {"k": 1, "format": "csr"}),
    ("eye_array", (4,), {"k": -1, "dtype": np.int32}), ("identity", (3,), {}),
    ("diags", ([[1.0, 2, 3], [4.0, 5]],), {"offsets": [0, 1]}),
    ("diags_array", ([1.0, 2, 3],), {"offsets": 0, "format": "csc"}),
    ("spdiags", (np.arange(1.0, 7).reshape(2, 3), [0, -1], 3, 3), {}),
    ("random", (4, 5), {"density": 0.3, "rng": 0}),
    ("random_array", ((4, 5),), {"density": 0.5, "format": "csr", "rng": 1}),
    ("rand", (3, 3), {"density": 0.5, "rng": 2}),
]


@pytest.mark.parametrize("name,args,kw", CONSTRUCTORS)
def test_constructors_vs_scipy(backend, name, args, kw):
    _same(getattr(ts, name)(*args, **kw), getattr(sp, name)(*args, **kw))


def test_random_takes_a_trnpy_generator():
    got = ts.random_array((6, 5), density=0.4, rng=trnpy.random.default_rng(3))
    exp = sp.random_array((6, 5), density=0.4,
                          rng=np.random.Generator(np.random.Philox(3)))
    _same(got, exp)


@settings(max_examples=examples(15), deadline=None)
@given(a=_matrices(["csr", "coo", "csc", "bsr", "dia"]),
       b=_matrices(["csr", "coo", "dia"]))
def test_combining_functions_vs_scipy(backend, a, b):
    (S, A, _), (T, B, _) = a, b
    for fn in (lambda X, Y: sp.kron(X, Y), lambda X, Y: sp.block_diag([X, Y]),
               lambda X, Y: sp.tril(X, k=1), lambda X, Y: sp.triu(Y, format="csr"),
               lambda X, Y: sp.find(X), lambda X, Y: sp.hstack([X, X]),
               lambda X, Y: sp.vstack([X, Y]), lambda X, Y: sp.bmat([[X, None], [None, Y]]),
               lambda X, Y: sp.block_array([[X], [X]], format="csr"),
               lambda X, Y: sp.kronsum(X, X)):
        src = fn.__code__.co_names
        tfn = (lambda X, Y, f=fn: _ts_call(f, X, Y))
        exp, eexp = _run(lambda XY: fn(*XY), (S, T))
        got, egot = _run(lambda XY: tfn(*XY), (A, B))
        if eexp is not None:
            assert egot is not None and type(egot) is type(eexp), (src, egot, eexp)
            continue
        assert egot is None, (src, egot)
        _same(got, exp, rtol=1e-5)


def _ts_call(f, X, Y):
    """Run ``f`` (written against SciPy's module ``sp``) with trnpy.sparse in its place."""
    g = type(f)(f.__code__, {"sp": ts}, None, f.__defaults__)
    return g(X, Y)


def test_save_load_npz(backend):
    A = ts.csr_array(np.array([[0, 1.5, 0], [2, 0, 0]]))
    buf = io.BytesIO()
    ts.save_npz(buf, A)
    buf.seek(0)
    B = ts.load_npz(buf)
    _same(B, A.get())


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dia"])
def test_components_share_memory_on_the_numpy_backend(fmt):
    A = getattr(ts, f"{fmt}_array")(np.diag([1.0, 2, 3]))
    A.data[...] = 7.0
    assert (to_np(A.toarray()) == 7.0 * np.eye(3)).all()


BAD = [
    ("dia_array", ((np.ones((2, 3)), [0, 0]),), {"shape": (3, 3)}),       # repeated offset
    ("dia_array", ((np.ones((2, 3)), [0]),), {"shape": (3, 3)}),          # offsets length
    ("coo_array", (([1.0, 2, 3], ([0, 1], [0, 1, 2])),), {"shape": (3, 3)}),
    ("csr_array", (np.ones((2, 2)),), {"shape": (-1, 2)}),
    ("csr_array", (np.array([[None]], dtype=object),), {}),
    ("csr_array", (([1.0, 2], [0, 1], [[0, 1, 2]]),), {"shape": (2, 2)}),  # 2-D indptr
    ("csr_array", (([1.0, 2], [0, 1], [0, 1, 2]),), {"shape": (3, 3)}),   # indptr length
    ("csc_array", (([1.0, 2], [0, 7], [0, 1, 2]),), {"shape": (3, 2)}),   # index too large
    ("bsr_array", (np.ones((4, 4)),), {"blocksize": (3, 3)}),
    ("dok_array", ((2, -1),), {}),
    ("lil_array", (np.ones((2, 2, 2)),), {}),
]


@pytest.mark.parametrize("name,args,kw", BAD)
def test_bad_input_raises_scipys_class_and_leaves_the_caller_alone(backend, name, args,
                                                                   kw):
    before = copy.deepcopy(args)
    with pytest.raises(Exception) as exp:
        getattr(sp, name)(*args, **kw).check_format(full_check=True) \
            if name[:3] in ("csr", "csc", "bsr") else getattr(sp, name)(*args, **kw)
    with pytest.raises(type(exp.value)):
        getattr(ts, name)(*args, **kw)
    assert repr(args) == repr(before)


def test_dtypes_trnpy_cannot_hold_are_refused(backend):
    with pytest.raises(TypeError, match="longdouble|float128"):
        ts.csr_array(np.eye(2, dtype=np.longdouble))


def test_host_steps_are_recorded_off_the_numpy_backend():
    trnpy.reset_routes()
    with trnpy.cpu_backend("torch"):
        A = ts.csr_array(np.eye(3))
        A.T @ np.ones(3), abs(A), A * 2, A.toarray()          # on the device
        assert not any(op.startswith("sparse.") for op, _ in trnpy.ROUTES)
        A.sum(axis=0), A + A, A[0]
    assert trnpy.ROUTES[("sparse.sum", "numpy")] == 1
    assert trnpy.ROUTES[("sparse.add", "numpy")] == 1
    assert "sparse.getitem" in trnpy.routing_report()
    trnpy.reset_routes()
    with trnpy.cpu_backend("numpy"):
        ts.csr_array(np.eye(3)).sum(axis=0)                   # SciPy's own, no copy
    assert not any(op.startswith("sparse.") for op, _ in trnpy.ROUTES)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr"])
def test_device_mixing_is_refused(emulated_neuron, fmt):
    A = getattr(ts, f"{fmt}_array")(np.eye(4, dtype=np.float32), device=emulated_neuron)
    B = ts.csr_array(np.eye(4, dtype=np.float32))
    with pytest.raises(ValueError, match="device"):
        A + B
    with pytest.raises(ValueError, match="device"):
        A @ trnpy.ones(4, dtype=np.float32)
    with pytest.raises(ValueError, match="device"):
        ts.hstack([A, B])


def test_out_arguments_are_written(backend):
    D = np.array([[1.0, 0, 2], [0, 3, 0]])
    A = ts.csr_array(D)
    o = trnpy.zeros(3)
    assert A.sum(axis=0, out=o) is o
    np.testing.assert_array_equal(to_np(o), D.sum(axis=0))
    o2 = trnpy.zeros((2, 3))
    assert A.toarray(out=o2) is o2
    np.testing.assert_array_equal(to_np(o2), D)
    with pytest.raises(ValueError):
        A.toarray(out=trnpy.zeros((3, 2)))
    with pytest.raises(ValueError):
        A.sum(axis=1, out=trnpy.zeros(3))


NEURON_OPS = ["T", "conj", "abs", "neg", "copy", "astype_c128", "tocsr", "tocsc", "tocoo",
              "toarray", "sum", "sum0", "max", "argmax", "diagonal", "nonzero", "mul2",
              "div2", "add", "multiply", "row0", "cols", "matmulT", "eliminate_zeros",
              "setdiag"]


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr"])
def test_emulated_neuron_matches_scipy_or_refuses_float64(emulated_neuron, fmt):
    """float32 arrays on the neuron device: each method gives SciPy's answer on the
    device, or TypeError where SciPy's answer is float64 (never a silent downcast)."""
    rng = np.random.default_rng(4)
    D = np.round(rng.standard_normal((5, 4)), 2).astype(np.float32)
    D[rng.random((5, 4)) < 0.5] = 0
    S = getattr(sp, f"{fmt}_array")(D)
    for name in NEURON_OPS:
        exp, eexp = _run(UNARY[name], copy.deepcopy(S))
        A = getattr(ts, f"{fmt}_array")(D, device=emulated_neuron)
        got, egot = _run(UNARY[name], A)
        f64 = [e for e in (exp if isinstance(exp, tuple) else (exp,))
               if getattr(e, "dtype", None) in (np.float64, np.complex128)]
        if eexp is not None or f64:
            assert egot is not None and type(egot) is (type(eexp) if eexp else TypeError), \
                (name, egot, eexp)
            continue
        assert egot is None, (name, egot)
        for g in (got if isinstance(got, tuple) else (got,)):
            dev = g.device if hasattr(g, "device") else emulated_neuron
            assert dev == emulated_neuron, name
        _same(got, exp, rtol=2e-6)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dia"])
def test_bool_products(backend, fmt):
    rng = np.random.default_rng(9)
    D = rng.random((5, 4)) < 0.4
    S = getattr(sp, f"{fmt}_array")(D)
    A = getattr(ts, f"{fmt}_array")(D)
    for x in (rng.random(4) < 0.5, rng.random((4, 3)) < 0.5, rng.integers(-3, 3, (4, 2))):
        _same(A @ x, S @ x)
        _same(A @ trnpy.asarray(x), S @ x)
    y = rng.random((2, 5)) < 0.5
    _same(trnpy.asarray(y) @ A, y @ S)


# -- SciPy 1.17's names and signatures ---------------------------------------------------
_SIG_EXEMPT = {
    "dok_array.get", "dok_matrix.get", "sparse.dok_array.get", "sparse.dok_matrix.get",
    # ^ also CuPy's get() (no key: the SciPy copy)
    "sparse.linalg.SuperLU.__init__",       # made by splu / spilu only, as SciPy's
}


def _params(f):
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):         # builtins without a signature
        return None
    # trnpy's one addition: device= (keyword-only)
    return [(p.name, p.kind, repr(p.default)) for p in sig.parameters.values()
            if not (p.name == "device" and p.kind == p.KEYWORD_ONLY)]


def _signature_mismatches(a, b, label, bad, missing):
    for name in [n for n in dir(b) if not n.startswith("_")] + ["__init__"]:
        ref = getattr(b, name)
        if inspect.ismodule(ref) or name == "test":
            continue
        if not hasattr(a, name):
            missing.append(f"{label}.{name}")
            continue
        mine = getattr(a, name)
        if callable(ref) and f"{label}.{name}" not in _SIG_EXEMPT:
            pa, pb = _params(mine), _params(ref)
            if pa is not None and pb is not None and pa != pb:
                bad.append(f"{label}.{name}: {inspect.signature(mine)} vs "
                           f"{inspect.signature(ref)}")


def test_names_and_signatures_are_scipys():
    """Every public class, method and function of scipy.sparse / scipy.sparse.linalg
    exists in trnpy with SciPy's parameters (names, kinds, defaults), plus device=."""
    import scipy.sparse.linalg as sla
    bad, missing = [], []
    for fmt in FORMATS:
        for kind in ("array", "matrix"):
            n = f"{fmt}_{kind}"
            _signature_mismatches(getattr(ts, n), getattr(sp, n), n, bad, missing)
    for mod, ref, label in [(ts, sp, "sparse"), (ts.linalg, sla, "sparse.linalg")]:
        for n in [n for n in dir(ref) if not n.startswith("_")]:
            r = getattr(ref, n)
            if inspect.ismodule(r) or n == "test":
                continue
            if not hasattr(mod, n):
                missing.append(f"{label}.{n}")
            elif inspect.isclass(r) and not issubclass(r, BaseException) and \
                    n not in ("spmatrix", "sparray"):
                _signature_mismatches(getattr(mod, n), r, f"{label}.{n}", bad, missing)
            elif callable(r) and not inspect.isclass(r):
                pa, pb = _params(getattr(mod, n)), _params(r)
                if pa is not None and pb is not None and pa != pb:
                    bad.append(f"{label}.{n}")
    assert not missing, missing
    assert not bad, "\n".join(bad)
    assert ts.linalg.ArpackNoConvergence is sla.ArpackNoConvergence


def test_conversion_copy_defaults_are_scipys(backend):
    """tocoo() of CSC / BSR and tobsr() of CSR copy by default (SciPy's defaults): the
    result does not share the array's data."""
    S = sp.random_array((8, 6), density=0.5, format="csr", rng=3)
    for A, conv in [(ts.csc_array(S.tocsc()), "tocoo"), (ts.bsr_array(S.tobsr()), "tocoo"),
                    (ts.csr_array(S), "tobsr")]:
        B = getattr(A, conv)()
        assert not trnpy.shares_memory(B.data, A.data)
        assert not np.shares_memory(getattr(A.get(), conv)().data, A.get().data)


@pytest.mark.parametrize("fmt", ["csr", "csc", "bsr", "coo", "dia"])
@pytest.mark.parametrize("copy_arg", [False, True])
def test_constructor_shares_the_callers_arrays_as_scipy(fmt, copy_arg):
    """``copy=False`` (SciPy's default) keeps the caller's NumPy arrays, so that a write
    through either side shows on the other, as in SciPy (and nnz above 2**31 is not held
    twice); ``copy=True`` detaches. SciPy's object, built the same way, is the oracle."""
    S = sp.random_array((6, 8), density=0.5, format=fmt, rng=5)
    if fmt == "coo":
        comps = (S.data, S.coords)
    elif fmt == "dia":
        comps = (S.data, S.offsets)
    else:
        comps = (S.data, S.indices, S.indptr)
    results = []
    for mod in (sp, ts):
        args = tuple(np.array(c) if not isinstance(c, tuple) else tuple(map(np.array, c))
                     for c in comps)
        A = getattr(mod, f"{fmt}_array")(args, shape=S.shape, copy=copy_arg)
        data = A.data if mod is sp else np.asarray(A.data)     # (zero-copy on the CPU)
        shared_before = np.shares_memory(data, args[0])
        args[0].flat[0] += 100.0                  # the caller writes after construction
        dense = A.toarray() if mod is sp else trnpy.asnumpy(A.toarray())
        results.append((shared_before, dense))
    assert results[0][0] == (not copy_arg)
    assert results[1][0] == results[0][0]
    np.testing.assert_array_equal(results[1][1], results[0][1])


@pytest.mark.parametrize("fmt", ["coo", "csr", "csc", "bsr", "dia"])
@pytest.mark.parametrize("kind", ["array", "matrix"])
def test_vector_products_result_kind_as_scipy(fmt, kind, backend):
    """``v @ S`` and ``S @ v`` with a 1-D ``v``: SciPy's ``coo_array`` with one output
    element gives a scalar, ``coo_matrix`` and the other formats a 1-D array (the 10x
    exploration found the matrix given a scalar on the torch path, empty operands too)."""
    for shape, v in [((0, 1), np.zeros(0)), ((3, 1), np.arange(3.0)), ((1, 3), np.ones(1)),
                     ((2, 3), np.arange(2.0))]:
        S = getattr(sp, f"{fmt}_{kind}")(np.arange(1.0, 1 + np.prod(shape)).reshape(shape))
        A = getattr(ts, f"{fmt}_{kind}")(S)
        for exp, got in [(v @ S, trnpy.asarray(v) @ A), (S.T @ v, A.T @ trnpy.asarray(v))]:
            assert_matches(got, exp)
