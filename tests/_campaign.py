"""The bad-input campaign (issue #10 item 5): a catalog of well-formed calls across the
public namespaces, each turned into malformed calls by replacing one argument with a bad
value, and a worker that runs a stretch of them on one configuration.

A call counts as malformed when NumPy raises on it; trnpy must then raise NumPy's class
(or a subclass), leave its inputs unchanged and not hang or crash. Run as a script:
``python tests/_campaign.py CONFIG FIRST LAST RESULTS`` appends one JSON line per call to
RESULTS (a "start" line before each call, so a crash or hang names its call).
"""
from __future__ import annotations

import io
import json
import sys
import warnings

import numpy as np

A = np.arange(12.0).reshape(3, 4) - 5.5
V = np.array([3.0, -1.0, 2.0, 0.5])
S = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]])
B3 = np.array([1.0, 2.0, 3.0])
I = np.array([3, 1, 2, 0, 2], dtype=np.int64)
BO = np.array([True, False, True, False])
C = np.array([1 + 2j, -1j, 0.5, 3])
P = np.array([1.0, -3.0, 2.0])        # a polynomial's coefficients


class Fresh:
    """An argument made anew for each call (file objects)."""
    def __init__(self, make):
        self.make = make


def _txt(s):
    return Fresh(lambda: io.StringIO(s))


# (name, args, kwargs): every call here is well-formed; the campaign breaks one argument
CATALOG = [
    # creation
    ("zeros", ((2, 3),), {}), ("ones", ((2, 3),), {}), ("empty", ((2, 3),), {}),
    ("full", ((2, 3), 1.5), {}), ("arange", (1, 7, 2), {}), ("linspace", (0.0, 1.0, 5), {}),
    ("logspace", (0.0, 2.0, 4), {}), ("geomspace", (1.0, 8.0, 4), {}), ("eye", (3, 4, 1), {}),
    ("identity", (3,), {}), ("asarray", ([1.0, 2.0],), {}), ("array", ([[1, 2], [3, 4]],), {}),
    ("zeros_like", (A,), {}), ("full_like", (A, 2.0), {}), ("ones_like", (V,), {}),
    ("tri", (3, 4), {}), ("diag", (V,), {}), ("diagflat", (V,), {}), ("meshgrid", (V, B3), {}),
    ("tril", (A,), {}), ("triu", (A, 1), {}), ("vander", (V, 3), {}),
    ("frombuffer", (b"\x00" * 16,), {"dtype": np.float64}),
    ("fromiter", ([1.0, 2.0],), {"dtype": np.float64}),
    # elementwise
    ("add", (A, V), {}), ("subtract", (A, 1.0), {}), ("multiply", (V, V), {}),
    ("divide", (A, 2.0), {}), ("power", (V, 2), {}), ("sin", (A,), {}), ("exp", (V,), {}),
    ("log", (B3,), {}), ("sqrt", (B3,), {}), ("abs", (A,), {}), ("floor_divide", (A, 2.0), {}),
    ("remainder", (A, 3.0), {}), ("maximum", (A, V), {}), ("minimum", (V, 0.0), {}),
    ("clip", (A, -1.0, 1.0), {}), ("where", (BO, V, 0.0), {}), ("isclose", (V, V), {}),
    ("arctan2", (V, V), {}), ("hypot", (A, V), {}), ("left_shift", (I, 2), {}),
    ("bitwise_and", (I, I), {}), ("logical_and", (BO, BO), {}), ("ldexp", (V, 2), {}),
    ("round", (A, 1), {}), ("nan_to_num", (V,), {}), ("sign", (V,), {}), ("real", (C,), {}),
    ("angle", (C,), {}), ("heaviside", (V, 0.5), {}), ("copysign", (V, -1.0), {}),
    # reductions
    ("sum", (A, 1), {}), ("prod", (A, 0), {}), ("mean", (A, 1), {}), ("std", (A, 0), {}),
    ("var", (A,), {"ddof": 1}), ("max", (A, 1), {}), ("min", (A, 0), {}),
    ("argmax", (A, 1), {}), ("argmin", (A, 0), {}), ("all", (A, 1), {}), ("any", (A, 0), {}),
    ("cumsum", (A, 1), {}), ("cumprod", (A, 0), {}), ("ptp", (A, 1), {}),
    ("count_nonzero", (A, 1), {}), ("nansum", (A, 1), {}), ("nanmean", (A, 0), {}),
    ("nanmax", (A, 1), {}), ("nanstd", (A, 0), {}), ("nanargmax", (A, 1), {}),
    ("median", (A, 1), {}), ("average", (A, 1, B3[[0, 1, 2, 0]]), {}),
    ("percentile", (A, 50.0), {"axis": 1}), ("quantile", (A, 0.5), {"axis": 0}),
    ("nancumsum", (A, 1), {}), ("nanvar", (A, 1), {}),
    # manipulation
    ("reshape", (A, (4, 3)), {}), ("transpose", (A, (1, 0)), {}), ("moveaxis", (A, 0, 1), {}),
    ("swapaxes", (A, 0, 1), {}), ("squeeze", (A[None], 0), {}), ("expand_dims", (A, 1), {}),
    ("concatenate", ([A, A], 1), {}), ("stack", ([V, V], 0), {}), ("hstack", ([A, A],), {}),
    ("vstack", ([A, V],), {}), ("split", (V, 2), {}), ("array_split", (V, 3), {}),
    ("tile", (V, 2), {}), ("repeat", (V, 2), {}), ("flip", (A, 1), {}), ("roll", (A, 1, 0), {}),
    ("broadcast_to", (V, (3, 4)), {}), ("ravel", (A,), {}), ("atleast_2d", (V,), {}),
    ("pad", (V, 2), {}), ("rot90", (A, 1), {}), ("resize", (V, (2, 3)), {}),
    ("append", (V, B3), {}), ("insert", (V, 1, 9.0), {}), ("delete", (V, 1), {}),
    ("column_stack", ([V, V],), {}), ("dstack", ([V, V],), {}), ("flatten_like", None, None),
    ("broadcast_arrays", (A, V), {}), ("trim_zeros", (V,), {}),
    # indexing
    ("take", (A, I[:3], 1), {}), ("take_along_axis", (A, np.zeros((3, 1), np.int64), 1), {}),
    ("choose", (np.array([0, 1, 0, 1]), [V, -V]), {}), ("compress", (BO[:3], A, 0), {}),
    ("extract", (A > 0, A), {}), ("diagonal", (A, 1), {}), ("nonzero", (A,), {}),
    ("argwhere", (A,), {}), ("flatnonzero", (A,), {}), ("indices", ((2, 3),), {}),
    ("ravel_multi_index", ((np.array([1, 2]), np.array([0, 3])), (3, 4)), {}),
    ("unravel_index", (np.array([5, 7]), (3, 4)), {}), ("select", ([BO], [V]), {}),
    ("diag_indices", (3,), {}), ("tril_indices", (3,), {}), ("ix_", (I[:2], I[:3]), {}),
    # linear algebra
    ("linalg.solve", (S, B3), {}), ("linalg.inv", (S,), {}), ("linalg.det", (S,), {}),
    ("linalg.slogdet", (S,), {}), ("linalg.eigh", (S,), {}), ("linalg.eigvalsh", (S,), {}),
    ("linalg.eig", (S,), {}), ("linalg.svd", (A,), {}), ("linalg.qr", (A,), {}),
    ("linalg.cholesky", (S,), {}), ("linalg.pinv", (A,), {}), ("linalg.lstsq", (S, B3), {}),
    ("linalg.matrix_rank", (A,), {}), ("linalg.norm", (A, 1), {}),
    ("linalg.matrix_power", (S, 2), {}), ("linalg.cond", (S,), {}),
    ("linalg.multi_dot", ([A, A.T, A],), {}), ("linalg.vector_norm", (V,), {"ord": 3}),
    ("linalg.matrix_norm", (A,), {}), ("linalg.svdvals", (A,), {}),
    ("linalg.tensorinv", (S,), {"ind": 1}), ("linalg.tensorsolve", (S, B3), {}),
    ("cross", (B3, B3[::-1]), {}), ("outer", (V, B3), {}), ("dot", (A, V), {}),
    ("vdot", (V, V), {}), ("inner", (A, V), {}), ("tensordot", (A, A, ([1], [1])), {}),
    ("einsum", ("ij,j->i", A, V), {}), ("matmul", (A, V), {}), ("kron", (V, B3), {}),
    ("trace", (A, 1), {}), ("vecdot", (A, V), {}),
    # fft
    ("fft.fft", (V, 6, 0), {}), ("fft.ifft", (V, 4), {}), ("fft.rfft", (V, 6), {}),
    ("fft.irfft", (V[:3], 4), {}), ("fft.fft2", (A,), {}), ("fft.fftn", (A, (2, 2)), {}),
    ("fft.rfftn", (A,), {}), ("fft.fftfreq", (6, 0.5), {}), ("fft.fftshift", (A, 1), {}),
    ("fft.hfft", (V, 6), {}), ("fft.ifftn", (A,), {"axes": (0,)}),
    ("fft.rfftfreq", (6, 0.5), {}),
    # sorting, searching, sets
    ("sort", (A, 1), {}), ("argsort", (A, 0), {}), ("partition", (V, 1), {}),
    ("argpartition", (V, 2), {}), ("lexsort", ((V, V),), {}), ("searchsorted", (B3, 2.5), {}),
    ("sort_complex", (C,), {}), ("unique", (A,), {}), ("union1d", (V, B3), {}),
    ("intersect1d", (V, B3), {}), ("setdiff1d", (V, B3), {}), ("isin", (V, B3), {}),
    ("setxor1d", (V, B3), {}), ("unique_values", (V,), {}), ("unique_counts", (V,), {}),
    # statistics
    ("histogram", (V, 3), {}), ("bincount", (I,), {}), ("digitize", (V, B3), {}),
    ("cov", (A,), {}), ("corrcoef", (A,), {}), ("correlate", (V, B3), {}),
    ("convolve", (V, B3), {}), ("diff", (A, 1, 1), {}), ("gradient", (V,), {}),
    ("interp", (V, B3, B3), {}), ("trapezoid", (V,), {}), ("ediff1d", (V,), {}),
    ("histogram2d", (V, V, 2), {}), ("histogram_bin_edges", (V, 3), {}),
    # polynomial
    ("polyval", (P, V), {}), ("polyfit", (V, V, 1), {}), ("roots", (P,), {}),
    ("poly", (B3,), {}), ("polyadd", (P, B3), {}), ("polymul", (P, B3), {}),
    ("polyder", (P, 1), {}), ("polyint", (P, 1), {}), ("polydiv", (P, B3[:2]), {}),
    # I/O
    ("loadtxt", (_txt("1 2\n3 4\n"),), {}), ("genfromtxt", (_txt("1,2\n3,4\n"),),
                                              {"delimiter": ","}),
    ("fromstring", ("1 2 3",), {"sep": " "}),
]
CATALOG = [e for e in CATALOG if e[1] is not None]

# Bad values put in place of one argument (each is a mistake some caller makes)
BAD = ["x", None, {}, object(), [[1.0, 2.0], [3.0]], 1.5, -1, 7, (0, 0), 2 ** 70,
       np.ones((2, 5)), np.zeros((0,)), np.array(2.0), C, -2.5, 1j]
# keyword mistakes: (keyword, value), tried on every entry
BAD_KW = [("axis", 5), ("axis", 1.5), ("axis", (0, 0)), ("dtype", "foo"), ("dtype", "V3x"),
          ("order", "Q"), ("keepdims", "x"), ("out", np.ones((7, 7))), ("n", -3), ("bogus", 1)]


# calls on which NumPy itself loops for a very long time
NUMPY_HANGS = {("diff", 1, repr(2 ** 70))}


def calls():
    """Every candidate call: (id, name, args, kwargs, what was broken)."""
    out = []
    for name, args, kwargs in CATALOG:
        for i in range(len(args)):
            for b in BAD:
                if (name, i, _show(b)) in NUMPY_HANGS:
                    continue
                a2 = list(args)
                a2[i] = b
                out.append((name, tuple(a2), kwargs, f"arg{i}={_show(b)}"))
        for k, b in BAD_KW:
            kw2 = dict(kwargs)
            kw2[k] = b
            out.append((name, args, kw2, f"{k}={_show(b)}"))
    return [(i, *c) for i, c in enumerate(out)]


def _show(v):
    if isinstance(v, np.ndarray):
        return f"array{v.shape}{v.dtype}"
    if isinstance(v, Fresh):
        return "file"
    return type(v).__name__ if type(v) is object else repr(v)


def public_class(exc_type):
    """NumPy's documented class for an exception (private subclasses such as
    ``_UFuncNoLoopError`` count as their public base)."""
    for k in exc_type.__mro__:
        mod = k.__module__
        if mod == "builtins" or mod.startswith("numpy.exceptions") or \
                k.__name__ == "LinAlgError":
            return k
    return Exception


def _resolve(mod, name):
    f = mod
    for part in name.split("."):
        f = getattr(f, part)
    return f


def _fresh(v):
    return v.make() if isinstance(v, Fresh) else v


def _convert(v, conv):
    if isinstance(v, np.ndarray):
        return conv(v)
    if isinstance(v, list):
        return [_convert(x, conv) for x in v]
    if isinstance(v, tuple):
        return tuple(_convert(x, conv) for x in v)
    if isinstance(v, dict) and v:
        return {k: _convert(x, conv) for k, x in v.items()}
    return _fresh(v)


def _f32(v):
    # the neuron device has no float64: its oracle runs on float32/complex64 copies
    if v.dtype == np.float64:
        return v.astype(np.float32)
    if v.dtype == np.complex128:
        return v.astype(np.complex64)
    return v


def run(config, first, last, results):
    import trnpy
    warnings.simplefilter("ignore")
    if config == "neuron":
        dev = trnpy.device("neuron", emulate=True)
        ctx = trnpy.device(dev)
        prep = _f32
    else:
        dev = trnpy.device("cpu")
        ctx = trnpy.cpu_backend(config)
        prep = np.asarray
    todo = [c for c in calls() if first <= c[0] < last]
    with open(results, "a") as fh, ctx:
        for cid, name, args, kwargs, what in todo:
            fh.write(json.dumps({"id": cid, "start": True}) + "\n")
            fh.flush()
            rec = {"id": cid, "name": name, "what": what}
            np_args = _convert(args, lambda a: prep(a).copy())
            np_kw = _convert(kwargs, lambda a: prep(a).copy())
            try:
                _resolve(np, name)(*np_args, **np_kw)
                rec["np"] = None
            except Exception as e:      # noqa: BLE001 - the oracle's class is the point
                rec["np"] = public_class(type(e)).__name__
                expected = public_class(type(e))
            if rec["np"] is None:
                fh.write(json.dumps(rec) + "\n")
                continue
            made = []

            def conv(a):
                t = trnpy.asarray(prep(a).copy(), device=dev)
                made.append((t, np.array(np.asarray(trnpy.asnumpy(t)), copy=True)))
                return t
            t_args, t_kw = _convert(args, conv), _convert(kwargs, conv)
            try:
                _resolve(trnpy, name)(*t_args, **t_kw)
                rec["trn"] = None
            except Exception as e:      # noqa: BLE001
                rec["trn"] = type(e).__name__
                rec["msg"] = str(e)[:160]
                rec["ok"] = isinstance(e, expected)
            else:
                rec["ok"] = False
            rec["unchanged"] = all(
                before.shape == np.shape(trnpy.asnumpy(t)) and
                np.array_equal(before, trnpy.asnumpy(t), equal_nan=before.dtype.kind in "fc")
                for t, before in made)
            fh.write(json.dumps(rec) + "\n")
            fh.flush()


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
