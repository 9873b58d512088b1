"""SciPy's sparse constructors and functions (``eye``, ``diags``, ``kron``, ``hstack``,
``bmat``, ``tril``, ``find``, ``save_npz``, ...): built on the host by SciPy itself, with
trnpy sparse and dense operands accepted wherever SciPy takes its own. The result lands on
the operands' device, or for constructors without sparse operands on ``device=`` (default
the current device); off the CPU's NumPy backend the host step is counted in
``trnpy.ROUTES`` as ``("sparse.<name>", "numpy")``."""
from __future__ import annotations

import inspect

import numpy as np

from .. import _dispatch
from .._array import TrnArray
from .._convert import target_device
from ._base import _in, _out, _record, _sp, _spbase

__all__ = ["eye", "eye_array", "identity", "diags", "diags_array", "spdiags", "random",
           "random_array", "rand", "kron", "kronsum", "block_diag", "hstack", "vstack",
           "bmat", "block_array", "tril", "triu", "find", "save_npz", "load_npz",
           "swapaxes", "permute_dims", "expand_dims"]


def _operand_device(xs):
    for x in xs:
        if isinstance(x, (_spbase, TrnArray)):
            return x.device
        if isinstance(x, (list, tuple)):
            d = _operand_device(x)
            if d is not None:
                return d
    return None


def _rng(r):
    # a trnpy Generator draws NumPy's Philox stream: SciPy gets NumPy's Generator over
    # the same bit generator (its state advances as it would)
    if isinstance(r, np.random.Generator) and type(r) is not np.random.Generator:
        return np.random.Generator(r.bit_generator)
    return r


class _Function:
    """SciPy's ``scipy.sparse.<name>`` (same signature, plus ``device=`` for results
    without sparse operands); built on the host by SciPy, the result on the operands'
    device. ``inspect.signature`` gives SciPy's with ``device`` added (SciPy imported
    then)."""

    def __init__(self, name):
        self.__name__ = self.__qualname__ = name
        self.__doc__ = (f"SciPy's ``scipy.sparse.{name}`` (same signature, plus "
                        "``device=`` for results without sparse operands); built on the "
                        "host by SciPy, the result on the operands' device.")

    def __call__(self, *args, device=None, **kwargs):
        name = self.__name__
        dev = _operand_device(list(args) + list(kwargs.values()))
        if dev is None:
            dev = target_device(device)
        elif device is not None and target_device(device) != dev:
            raise ValueError(f"trnpy.sparse.{name}: device={device!r} differs from the "
                             f"operands' device {dev}")
        if not _dispatch.use_numpy(dev):
            _record(name)
        args = _in(tuple(args), dev)
        kwargs = {k: (_rng(v) if k in ("rng", "random_state") else _in(v, dev))
                  for k, v in kwargs.items()}
        return _out(getattr(_sp(), self.__name__)(*args, **kwargs), dev)

    @property
    def __signature__(self):
        sig = inspect.signature(getattr(_sp(), self.__name__))
        ps = list(sig.parameters.values())
        dev = inspect.Parameter("device", inspect.Parameter.KEYWORD_ONLY, default=None)
        at = next((i for i, p in enumerate(ps) if p.kind == p.VAR_KEYWORD), len(ps))
        return sig.replace(parameters=ps[:at] + [dev] + ps[at:])

    def __repr__(self):
        return f"<function trnpy.sparse.{self.__name__}>"


_function = _Function


eye = _function("eye")
eye_array = _function("eye_array")
identity = _function("identity")
diags = _function("diags")
diags_array = _function("diags_array")
spdiags = _function("spdiags")
random = _function("random")
random_array = _function("random_array")
rand = _function("rand")
kron = _function("kron")
kronsum = _function("kronsum")
block_diag = _function("block_diag")
hstack = _function("hstack")
vstack = _function("vstack")
bmat = _function("bmat")
block_array = _function("block_array")
tril = _function("tril")
triu = _function("triu")
find = _function("find")
load_npz = _function("load_npz")
swapaxes = _function("swapaxes")
permute_dims = _function("permute_dims")
expand_dims = _function("expand_dims")


def save_npz(file, matrix, compressed=True):
    """SciPy's ``save_npz`` of a trnpy (or SciPy) sparse array or matrix (written from
    the host)."""
    _sp().save_npz(file, _in(matrix), compressed=compressed)
