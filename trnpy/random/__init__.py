"""``trnpy.random``: NumPy's random API on trnpy devices — not implemented yet.

The Philox-4x32-10 NKI kernel it will route to on the neuron device is in
``kernels/rng.py`` (tested). Until then, draw with NumPy and convert:
``trnpy.asarray(numpy.random.default_rng(0).standard_normal(n), device=...)``.
"""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"trnpy.random.{name} is not implemented yet; draw with numpy.random and convert "
        "with trnpy.asarray(...)")
