"""SciPy's sampling with a trnpy Generator: ``rvs(random_state=g)`` calls g's methods
(device-sampled or host-drawn) and gives NumPy's Philox values, as trnpy arrays."""
from __future__ import annotations

import numpy as np
import pytest

import trnpy
from trnpy import random as tr

from conftest import to_np

stats = pytest.importorskip("scipy.stats")

DISTS = [("norm", (), {"loc": 1.0, "scale": 2.0}), ("expon", (), {"scale": 3.0}),
         ("uniform", (), {"loc": -1.0, "scale": 4.0}), ("gamma", (2.5,), {}),
         ("beta", (2.0, 3.0), {}), ("t", (4.0,), {}), ("chi2", (3.0,), {}),
         ("lognorm", (0.5,), {}), ("poisson", (3.0,), {}), ("binom", (10, 0.3), {})]


@pytest.mark.parametrize("name,args,kw", DISTS, ids=[d[0] for d in DISTS])
@pytest.mark.parametrize("size", [1, 17, (3, 4)])
def test_rvs_equal_numpy_philox(backend, name, args, kw, size):
    dist = getattr(stats, name)
    g = tr.default_rng(123)
    r = np.random.Generator(np.random.Philox(123))
    a = dist.rvs(*args, size=size, random_state=g, **kw)
    b = dist.rvs(*args, size=size, random_state=r, **kw)
    assert isinstance(a, trnpy.TrnArray)
    np.testing.assert_array_equal(to_np(a), b)
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(g.bit_generator.random_raw(2), r.bit_generator.random_raw(2))


def test_multivariate_normal(backend):
    mean, cov = [0.0, 1.0, -1.0], [[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]]
    a = stats.multivariate_normal.rvs(mean, cov, size=9, random_state=tr.default_rng(5))
    b = stats.multivariate_normal.rvs(mean, cov, size=9,
                                      random_state=np.random.Generator(np.random.Philox(5)))
    assert isinstance(a, trnpy.TrnArray)
    np.testing.assert_array_equal(to_np(a), b)


def test_qmc_rng():
    a = stats.qmc.Sobol(3, rng=tr.default_rng(2)).random(8)
    b = stats.qmc.Sobol(3, rng=np.random.Generator(np.random.Philox(2))).random(8)
    np.testing.assert_array_equal(np.asarray(a), b)
