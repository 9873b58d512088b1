"""SciPy's array API mode (SCIPY_ARRAY_API=1) on trnpy arrays.

The variable must be set before SciPy is imported, so the checks run in a subprocess
(one per CPU backend) and report per-function results as JSON. Each case calls a SciPy
function on trnpy arrays and on the equivalent NumPy arrays and requires: a trnpy
result (every output), the input's device, and SciPy's values (dtype included).

How SciPy finds trnpy: ``x.__array_namespace__()`` returns ``trnpy.array_api`` (trnpy with 0-d arrays where it gives NumPy scalars);
``scipy.fft`` then calls ``xp.fft.<name>`` (``scipy/fft/_basic_backend.py``), and
``scipy.special`` looks up ``xp.special.<name>`` (``_get_native_func`` in
``scipy/special/_support_alternative_backends.py``: ``scipy_namespace_for(xp)`` is None
for an unknown library, and the ``hasattr(xp, 'special')`` branch finds trnpy.special).
No SciPy patching is involved.
"""
import json
import os
import subprocess
import sys
import textwrap

import pytest

# (case name, expression on `a`/`b` (float64 trnpy arrays, 4x8, b > 0) — the same
# expression is evaluated on NumPy arrays for the reference)
CASES = {
    # scipy.fft via xp.fft (and DCT/DST/FHT, which SciPy computes on the host)
    "fft.fft": "sf.fft(a)", "fft.ifft": "sf.ifft(a, axis=0)", "fft.rfft": "sf.rfft(a)",
    "fft.irfft": "sf.irfft(a)", "fft.hfft": "sf.hfft(a)", "fft.ihfft": "sf.ihfft(a)",
    "fft.fftn": "sf.fftn(a)", "fft.ifft2": "sf.ifft2(a)", "fft.rfftn": "sf.rfftn(a)",
    "fft.irfftn": "sf.irfftn(a)", "fft.hfftn": "sf.hfftn(a)", "fft.ihfft2": "sf.ihfft2(a)",
    "fft.dct": "sf.dct(a)", "fft.idst": "sf.idst(a, type=1)", "fft.dctn": "sf.dctn(a)",
    "fft.fht": "sf.fht(a, 0.1, 0.5)", "fft.fftshift": "sf.fftshift(a)",
    "fft.fftfreq": "sf.fftfreq(8, xp=XP)",
    # scipy.special via xp.special
    **{f"special.{n}": f"sp.{n}(a)" for n in (
        "erf", "erfc", "expit", "ndtr", "log_ndtr", "i0", "i0e", "i1", "i1e", "digamma",
        "gamma", "sinc")},
    **{f"special.{n}": f"sp.{n}(b)" for n in ("gammaln", "entr", "zeta")},
    "special.erfinv": "sp.erfinv(sp.expit(a) - 0.5)",
    "special.ndtri": "sp.ndtri(sp.expit(a))", "special.logit": "sp.logit(sp.expit(a))",
    "special.xlogy": "sp.xlogy(a, b)", "special.xlog1py": "sp.xlog1py(a, b)",
    "special.rel_entr": "sp.rel_entr(b, b + 1)", "special.betaln": "sp.betaln(b, b + 1)",
    "special.polygamma": "sp.polygamma(2, b)", "special.logsumexp": "sp.logsumexp(a, axis=1)",
    "special.softmax": "sp.softmax(a, axis=1)", "special.log_softmax": "sp.log_softmax(a)",
    # other SciPy functions verified end to end on trnpy arrays
    "stats.zscore": "st.zscore(a, axis=1)", "stats.skew": "st.skew(a, axis=1)",
    "stats.kurtosis": "st.kurtosis(a, axis=1)", "stats.moment": "st.moment(a, order=3, axis=1)",
    "stats.variation": "st.variation(b, axis=1)", "stats.gmean": "st.gmean(b, axis=1)",
    "stats.hmean": "st.hmean(b, axis=1)", "stats.pmean": "st.pmean(b, 2.5, axis=1)",
    "stats.entropy": "st.entropy(b, axis=1)", "stats.sem": "st.sem(a, axis=1)",
    "stats.ttest_1samp": "tuple(st.ttest_1samp(a, 0.0, axis=1))[:2]",
    "stats.ttest_ind": "tuple(st.ttest_ind(a[:2], a[2:], axis=1))[:2]",
    "stats.pearsonr": "tuple(st.pearsonr(a[0], a[1]))[:2]",
    "stats.describe": "st.describe(a, axis=1).variance", "stats.trim_mean": "st.trim_mean(a, 0.1, axis=1)",
    "stats.tmean": "st.tmean(a)", "stats.circmean": "st.circmean(a, axis=1)",
    "stats.iqr": "st.iqr(a, axis=1)",
    "signal.detrend": "sg.detrend(a)",
    "signal.fftconvolve": "sg.fftconvolve(a, a[:, :3], mode='same', axes=1)",
    "signal.convolve": "sg.convolve(a[0], a[1])", "signal.correlate": "sg.correlate(a[0], a[1])",
    "signal.hilbert": "sg.hilbert(a)", "signal.get_window": "sg.get_window('hann', 8, xp=XP)",
    "signal.lfilter": "sg.lfilter(XP.asarray([1., 0.5]), XP.asarray([1., -0.2]), a)",
    "signal.sosfilt": "sg.sosfilt(XP.asarray([[1., 0.5, 0, 1, -0.2, 0]]), a)",
    "integrate.trapezoid": "si.trapezoid(a, axis=1)",
    "integrate.cumulative_trapezoid": "si.cumulative_trapezoid(a, axis=1)",
}

# run on the emulated neuron device too (float32): proves the work stays in trnpy (a
# host round trip through NumPy would raise DeviceToHostError there)
ON_DEVICE = ["fft.fft", "fft.rfft", "fft.irfftn", "fft.hfftn", "special.erf",
             "special.gammaln", "special.expit", "special.i0e", "special.xlogy",
             "special.logsumexp", "special.softmax", "stats.zscore", "stats.skew",
             "stats.gmean", "integrate.trapezoid"]

SCRIPT = textwrap.dedent(r'''
    import json, sys, warnings
    import numpy as np
    import scipy
    import scipy.fft as sf, scipy.special as sp, scipy.stats as st, scipy.signal as sg
    import scipy.integrate as si
    import trnpy
    from scipy.special import _support_alternative_backends as sab
    warnings.simplefilter("ignore")
    cases, on_device, backend = json.loads(sys.argv[1])
    out = {"native_erf": sab._get_native_func(trnpy, None, "erf") is trnpy.special.erf,
           "mode": bool(scipy._lib._array_api.SCIPY_ARRAY_API)}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 8))
    y = np.abs(rng.standard_normal((4, 8))) + 0.5

    def run(expr, a, b, XP):
        return eval(expr, {"sf": sf, "sp": sp, "st": st, "sg": sg, "si": si, "XP": XP,
                           "a": a, "b": b})

    def check(expr, dt, dev):
        a = trnpy.asarray(x.astype(dt), device=dev)
        b = trnpy.asarray(y.astype(dt), device=dev)
        try:
            got = run(expr, a, b, trnpy)
        except Exception as e:
            return f"error: {type(e).__name__}: {e}"[:300]
        exp = run(expr, x.astype(dt), y.astype(dt), np)
        got = got if isinstance(got, tuple) else (got,)
        exp = exp if isinstance(exp, tuple) else (exp,)
        for g, e in zip(got, exp):
            # (SciPy ends with res[()]: a NumPy scalar on the CPU, as for NumPy input)
            if not (isinstance(g, trnpy.TrnArray) or
                    (isinstance(e, np.generic) and type(g) is type(e) and dev is None)):
                return f"returned {type(g).__name__}, not a trnpy array"
            if g.device != (dev or trnpy.get_default_device()) and not (dev is None):
                return f"result on {g.device}, input on {dev}"
            e = np.asarray(e)
            h = trnpy.asnumpy(g)
            if h.dtype != e.dtype or h.shape != e.shape:
                return f"dtype/shape {h.dtype}{h.shape} != SciPy's {e.dtype}{e.shape}"
            rt = 1e-9 if dt == "float64" else 2e-4
            if not np.allclose(h, e, rtol=rt, atol=rt, equal_nan=True):
                return f"values differ: max |diff| {np.nanmax(np.abs(h - e))}"
        return "ok"

    with trnpy.cpu_backend(backend):
        for name, expr in cases.items():
            out[name] = check(expr, "float64", None)
        nd = trnpy.device("neuron", emulate=True)
        for name in on_device:
            out["neuron:" + name] = check(cases[name], "float32", nd)
    print(json.dumps(out))
''')


@pytest.fixture(scope="module", params=["numpy", "torch"])
def results(request):
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    env.pop("TRNPY_TEST_DEVICE", None)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", SCRIPT,
                        json.dumps([CASES, ON_DEVICE, request.param])],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_array_api_mode_and_native_special(results):
    assert results["mode"] is True
    # SciPy's lookup resolves scipy.special.erf to trnpy.special.erf (no NumPy fallback)
    assert results["native_erf"] is True


@pytest.mark.parametrize("case", sorted(CASES))
def test_scipy_function_on_trnpy(results, case):
    assert results[case] == "ok", results[case]


@pytest.mark.parametrize("case", ON_DEVICE)
def test_scipy_function_on_neuron_device(results, case):
    assert results["neuron:" + case] == "ok", results["neuron:" + case]
