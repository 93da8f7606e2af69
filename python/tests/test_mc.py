"""sextant.mc: closed-form statistics with tolerances from the sample size, shapes, exact
reproducibility across first_path splits, the cross-target expected values shared with the
Rust, Node and WASM suites, typed errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import sextant
from sextant.errors import InputError, ParameterError

K = 5.0  # standard errors; the seeds are fixed, so each check is deterministic
EXPECTED = Path(__file__).resolve().parents[2] / "tests" / "mc" / "expected.json"


def test_gbm_terminal_moments_match_the_lognormal():
    s0, mu, sigma, t, n = 100.0, 0.07, 0.25, 1.5, 100_000
    st = sextant.mc.simulate_gbm(s0, mu, sigma, years=t, steps=20, paths=n, seed=3)
    assert st.shape == (n,) and st.dtype == np.float64
    ev = s0**2 * math.exp(2 * mu * t) * (math.exp(sigma**2 * t) - 1)
    assert abs(st.mean() - s0 * math.exp(mu * t)) <= K * math.sqrt(ev / n)
    logs = np.log(st / s0)
    m0, v0 = (mu - sigma**2 / 2) * t, sigma**2 * t
    assert abs(logs.mean() - m0) <= K * math.sqrt(v0 / n)
    assert abs(logs.var(ddof=1) - v0) <= K * v0 * math.sqrt(2 / (n - 1))
    # log-normal quantiles (scipy.stats.norm.ppf(0.05) = -1.6448536269514722)
    for p, z in [(0.05, -1.6448536269514722), (0.5, 0.0), (0.95, 1.6448536269514722)]:
        q = np.quantile(logs, p)
        se = math.sqrt(p * (1 - p) / n) / (math.exp(-z * z / 2) / math.sqrt(2 * math.pi)) * math.sqrt(v0)
        assert abs(q - (m0 + math.sqrt(v0) * z)) <= K * se


def test_full_paths_shape_and_last_column():
    full = sextant.mc.simulate_gbm(50.0, 0.0, 0.3, steps=12, paths=100, seed=9, full_paths=True)
    term = sextant.mc.simulate_gbm(50.0, 0.0, 0.3, steps=12, paths=100, seed=9)
    assert full.shape == (100, 13) and full.flags.c_contiguous
    assert (full[:, 0] == 50.0).all()
    assert np.array_equal(full[:, -1], term)


def test_first_path_splits_reproduce_the_run():
    kw = dict(steps=30, seed=77, antithetic=True)
    whole = sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=1000, **kw)
    parts = [sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=n, first_path=f, **kw)
             for f, n in [(0, 333), (333, 1), (334, 400), (734, 266)]]
    assert np.array_equal(whole, np.concatenate(parts))


def test_correlated_gbm_recovers_the_correlation():
    vols = np.array([0.2, 0.3, 0.15])
    corr = np.array([[1.0, 0.6, -0.2], [0.6, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    cov = corr * np.outer(vols, vols)
    n = 50_000
    st = sextant.mc.simulate_correlated_gbm([10.0, 20.0, 30.0], [0.0, 0.05, 0.1], cov, years=1.0,
                                            steps=8, paths=n, seed=1)
    assert st.shape == (n, 3)
    r = np.corrcoef(np.log(st / [10.0, 20.0, 30.0]), rowvar=False)
    se = (1 - corr**2) / math.sqrt(n)
    assert (np.abs(r - corr) <= K * se + 1e-12).all()
    full = sextant.mc.simulate_correlated_gbm([10.0, 20.0, 30.0], [0.0, 0.05, 0.1], cov, steps=8,
                                              paths=10, seed=1, full_paths=True)
    assert full.shape == (10, 9, 3)
    assert np.array_equal(full[:, -1, :], st[:10])


def test_committed_cross_target_values():
    doc = json.loads(EXPECTED.read_text())
    for case in doc["cases"]:
        f = getattr(sextant.mc, case["function"])
        got = f(*[np.asarray(x) if len(x) != 4 or case["function"] != "simulate_correlated_gbm"
                  else np.asarray(x).reshape(2, 2) for x in case["inputs"]], **case["params"])
        assert list(got.shape) == case["shape"]
        bits = [format(int(b), "016x") for b in np.ascontiguousarray(got).ravel().view(np.uint64)]
        assert bits == case["bits"], case["function"]


def test_standard_normal():
    z = sextant.mc.standard_normal(200_000, seed=5)
    assert abs(z.mean()) <= K / math.sqrt(z.size)
    assert abs(z.var() - 1) <= K * math.sqrt(2 / z.size)
    assert np.array_equal(z[10:20], sextant.mc.standard_normal(10, seed=5, first=10))


def test_typed_errors():
    with pytest.raises(ParameterError) as e:
        sextant.mc.simulate_gbm(100.0, 0.05, -0.2)
    assert e.value.code == "OUT_OF_RANGE" and e.value.parameter == "sigma"
    with pytest.raises(ParameterError) as e:
        sextant.mc.simulate_gbm(100.0, 0.05, 0.2, steps=0)
    assert e.value.parameter == "steps"
    with pytest.raises(ParameterError) as e:
        sextant.mc.simulate_gbm(100.0, 0.05, 0.2, full_paths=1)
    assert e.value.code == "INVALID_TYPE"
    with pytest.raises(ParameterError) as e:
        sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=10**8, full_paths=True)
    assert e.value.parameter == "paths"
    with pytest.raises(ParameterError):
        sextant.mc.simulate_gbm(sigma=True)
    good = np.eye(2) * 0.04
    with pytest.raises(InputError) as e:
        sextant.mc.simulate_correlated_gbm([1.0, 1.0], [0.0], good)
    assert e.value.code == "LENGTH_MISMATCH"
    with pytest.raises(InputError) as e:
        sextant.mc.simulate_correlated_gbm([1.0, 1.0], [0.0, 0.0], np.zeros((2, 3)))
    assert e.value.parameter == "cov"
    with pytest.raises(InputError, match="not positive semi-definite") as e:
        sextant.mc.simulate_correlated_gbm([1.0, 1.0], [0.0, 0.0], [[0.04, 0.05], [0.05, 0.04]])
    assert e.value.parameter == "cov"


def test_signature_is_keyword_only_after_the_model():
    import inspect

    sig = inspect.signature(sextant.mc.simulate_gbm)
    kinds = {n: p.kind for n, p in sig.parameters.items()}
    assert list(kinds)[:3] == ["s0", "mu", "sigma"]
    assert kinds["paths"] is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["full_paths"].default is False
    assert list(inspect.signature(sextant.mc.simulate_correlated_gbm).parameters)[:3] == ["s0", "mu", "cov"]
