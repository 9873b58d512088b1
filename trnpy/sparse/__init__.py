"""``trnpy.sparse``: SciPy's sparse API on trnpy devices — not implemented yet.

The BSR SpMM NKI kernel it will route to on the neuron device is in ``kernels/bsr.py``
(tested; ``kernels.bsr.bsr_spmm_scipy(S, dense)`` takes a scipy.sparse matrix).
"""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"trnpy.sparse.{name} is not implemented yet")
