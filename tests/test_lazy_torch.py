"""``import trnpy`` does not import torch, and CPU work on the NumPy backend never needs
it; torch loads the first time a tensor is needed. Each case runs in a fresh interpreter
(the test process itself has torch imported)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

CPU_WORK = """
import numpy
import trnpy as np
a = np.arange(12.0).reshape(3, 4)
b = np.linspace(0, 1, 12).reshape(4, 3)
x = np.asarray([1.0, 2.0, 3.0])
c = np.sin(a @ b + 1) * 2 - np.exp(-(a @ b))
s = c.sum(); m = c.mean(axis=0); am = c.argmax(); mx = np.max(c, axis=1)
sc = c * s; sc2 = c / numpy.float32(2) + numpy.int64(1); sc3 = s - c    # NumPy scalars
ac = c.astype(c.dtype); ac2 = np.astype(x, "float64")
w, v = np.linalg.eigh(c @ c.T)
sol = np.linalg.solve(c @ c.T + np.eye(3), x)
det = np.linalg.det(c @ c.T); inv = np.linalg.inv(c @ c.T + np.eye(3))
f = np.fft.fft(np.arange(8.0)); r = np.fft.irfft(np.fft.rfft(np.arange(8.0)))
f2 = np.fft.fft2(a); fr = np.fft.fftfreq(8)
y = a[1]; y2 = a[:, 1:3]; y3 = a[a > 3]; a[0, 0] = 5; a[a > 10] = 0; a[:, ::-1]
z = np.zeros((2, 2)); o = np.ones_like(z); e = np.empty(3); fu = np.full(3, 2.0)
st = np.concatenate([x, x]); sk = np.stack([x, x]); t = a.T.copy(); rr = a.reshape(-1)
q = np.where(x > 1, x, 0); srt = np.sort(x); u = np.unique(np.asarray([1, 1, 2]))
cs = np.cumsum(x); d = np.dot(x, x); ou = np.outer(x, x); nrm = np.linalg.norm(x)
md = np.median(x); p = np.percentile(x, 50); sd = np.std(x); cv = np.cov(a)
k = np.einsum("ij,jk->ik", a, b); td = np.tensordot(a, b, 1); kr = np.kron(x, x)
rp = repr(a) + str(x) + f"{s:.3f}"; fl = float(s); n = len(x); lx = list(x); tl = x.tolist()
nb = x.nbytes; cp = x.copy(); vw = x.view(); i8 = x.astype(np.int8)
numpy.mean(x); numpy.add(x, x); numpy.asarray(x)
import pickle; pickle.loads(pickle.dumps(x))
"""


def _run(code, env=None):
    e = dict(os.environ, **(env or {}))
    e.pop("TRNPY_CPU_BACKEND", None)
    e.pop("TRNPY_DEVICE", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=e,
                          capture_output=True, text=True, timeout=300)


def test_import_does_not_import_torch():
    r = _run("import sys, trnpy; print('torch' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_cpu_work_does_not_import_torch():
    r = _run(CPU_WORK + "\nimport sys; print('torch' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("trigger", [
    "trnpy.asarray([1.0], dtype='float32').to_device(trnpy.device('neuron', emulate=True))",
    "trnpy.from_dlpack(numpy.arange(3.0))",
    "trnpy.asarray([1.0, 2.0])._t",
])
def test_torch_loads_on_first_need(trigger):
    r = _run(f"""
import sys, numpy, trnpy
before = 'torch' in sys.modules
{trigger}
print(before, 'torch' in sys.modules)
""")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True"]


def test_torch_backend_works_without_a_prior_torch_import():
    """The first op on the torch backend loads torch and builds the dtype tables."""
    r = _run("""
import sys, numpy, trnpy
x = trnpy.asarray(numpy.arange(6, dtype=numpy.uint32))
with trnpy.cpu_backend("torch"):
    y = (x + 2) * x
print('torch' in sys.modules, y.dtype, trnpy.asnumpy(y).tolist())
""")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "uint32", "[0,", "3,", "8,", "15,", "24,", "35]"]


def test_a_users_torch_tensor_is_recognised():
    r = _run("""
import torch, trnpy
t = torch.arange(3, dtype=torch.int16)
x = trnpy.asarray(t)
print(x.dtype, trnpy.asnumpy(x).tolist())
""")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["int16", "[0,", "1,", "2]"]
