"""sextant.mc: closed-form statistics with tolerances from the sample size, shapes, exact
reproducibility across first_path splits, the cross-target expected values shared with the
Rust, Node and WASM suites, typed errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
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
    from sextant._surface import functions

    kinds = {f["name"]: [i["kind"] for i in f["inputs"]] for f in functions("mc")}
    for case in doc["cases"]:
        f = getattr(sextant.mc, case["function"])
        # matrices are square in these cases
        args = [np.asarray(x, dtype=float).reshape(math.isqrt(len(x)), -1) if k == "matrix" else np.asarray(x, dtype=float)
                for x, k in zip(case["inputs"], kinds[case["function"]])]
        got = f(*args, **case["params"])
        if isinstance(got, tuple):  # several outputs (simulate_portfolio): the first
            got = np.asarray(got[0])  # estimate_payoff's is a float: shape ()
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


def test_student_t_shocks_keep_the_variance_with_fatter_tails():
    # one step: the standardised log return is the unit-variance t variate (df = 10)
    df, n = 10.0, 200_000
    st = sextant.mc.simulate_gbm(100.0, 0.05, 0.2, df, steps=1, paths=n, seed=4)
    z = (np.log(st / 100.0) - 0.03) / 0.2
    e4 = 3 * (df - 2) / (df - 4)
    e8 = 105 * (df - 2) ** 3 / ((df - 4) * (df - 6) * (df - 8))
    assert abs(z.mean()) <= K / math.sqrt(n)
    assert abs(z.var(ddof=1) - 1) <= K * math.sqrt((e4 - 1) / n)
    assert abs((z**4).mean() - e4) <= K * math.sqrt((e8 - e4**2) / n)
    # the 99% quantile of the standardised variate: scipy.stats.t.ppf(0.99, 10) = 2.7637694581126957
    q = 2.7637694581126957 * math.sqrt((df - 2) / df)
    p = (z > q).mean()
    assert abs(p - 0.01) <= K * math.sqrt(0.01 * 0.99 / n)
    # df=None is the normal model bit for bit
    a = sextant.mc.simulate_gbm(100.0, 0.05, 0.2, None, paths=100, seed=1)
    assert np.array_equal(a, sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=100, seed=1))
    two = sextant.mc.simulate_correlated_gbm([1.0, 1.0], [0.0, 0.0], [[0.04, 0.0], [0.0, 0.04]],
                                             5.0, steps=4, paths=10, seed=1)
    assert two.shape == (10, 2)


def test_merton_mean_and_log_moments():
    s0, mu, sigma, lam, m, d, t, n = 100.0, 0.06, 0.15, 2.0, -0.08, 0.12, 1.5, 100_000
    st = sextant.mc.simulate_merton(s0, mu, sigma, lam, m, d, years=t, steps=30, paths=n, seed=21)
    k = math.exp(m + d * d / 2) - 1
    em = s0 * math.exp(mu * t)
    es2 = s0**2 * math.exp(2 * mu * t + sigma**2 * t - 2 * lam * k * t + lam * t * (math.exp(2 * m + 2 * d * d) - 1))
    assert abs(st.mean() - em) <= K * math.sqrt((es2 - em**2) / n)
    logs = np.log(st / s0)
    var0 = sigma**2 * t + lam * t * (m * m + d * d)
    mean0 = (mu - sigma**2 / 2 - lam * k) * t + lam * t * m
    assert abs(logs.mean() - mean0) <= K * math.sqrt(var0 / n)
    full = sextant.mc.simulate_merton(s0, mu, sigma, lam, m, d, steps=12, paths=7, seed=2, full_paths=True)
    assert full.shape == (7, 13) and np.array_equal(
        full[:, -1], sextant.mc.simulate_merton(s0, mu, sigma, lam, m, d, steps=12, paths=7, seed=2))


def test_bootstrap_reproduces_the_sample_distribution():
    rng = np.random.default_rng(0)
    r = rng.standard_t(4, size=(500, 2)) * 0.01
    n = 100_000
    g = sextant.mc.bootstrap_returns(r, steps=1, paths=n, seed=3)
    assert g.shape == (n, 2)
    # each draw is a whole row of the history
    rows = {tuple(x) for x in np.round(r + 1.0, 15)}
    assert all(tuple(x) in rows for x in np.round(g[:1000], 15))
    x = g[:, 0] - 1
    assert abs(x.mean() - r[:, 0].mean()) <= K * r[:, 0].std() / math.sqrt(n)
    for q in (0.05, 0.5, 0.95):
        v = np.quantile(r[:, 0], q)
        want = (r[:, 0] <= v).mean()
        assert abs((x <= v).mean() - want) <= K * math.sqrt(want * (1 - want) / n)
    # stationary blocks, full paths, a 1-column history
    f = sextant.mc.bootstrap_returns(r[:, :1], "stationary", 5.0, steps=20, paths=50, seed=1, full_paths=True)
    assert f.shape == (50, 21, 1) and np.all(f[:, 0, 0] == 1.0)
    assert np.array_equal(f[:, -1, :], sextant.mc.bootstrap_returns(r[:, :1], "stationary", 5.0, steps=20, paths=50, seed=1))
    with pytest.raises(InputError):
        sextant.mc.bootstrap_returns(r[:, 0])  # a 1-D history: pass r[:, None]


def test_portfolio_simulation():
    cov = [[0.04, 0.006], [0.006, 0.01]]
    res = sextant.mc.simulate_portfolio([0.6, 0.4], [0.07, 0.03], cov, [100.0], [5, 50, 95],
                                        initial=10_000.0, rebalance_every=12, fee=0.005, goal=25_000.0,
                                        years=10.0, steps=120, paths=20_000, seed=1)
    assert res.bands.shape == (121, 3) and np.all(res.bands[0] == 10_000.0)
    assert res.terminal.shape == (20_000,)
    # the last row of the bands are numpy's percentiles of the terminal wealth
    np.testing.assert_allclose(res.bands[-1], np.percentile(res.terminal, [5, 50, 95]), rtol=1e-14)
    assert res.mean == pytest.approx(res.terminal.mean(), rel=1e-12)
    assert res.prob_goal == (res.terminal >= 25_000.0).mean()
    invested = 10_000.0 + 120 * 100.0
    assert res.var == pytest.approx(np.percentile(res.terminal - invested, 5), rel=1e-12)
    k = int((20_000 - 1) * 0.05) + 1
    assert res.es == pytest.approx(np.sort(res.terminal - invested)[:k].mean(), rel=1e-12)
    assert np.all(np.diff(res.bands, axis=1) >= 0)
    # one asset, buy and hold: P(W_T >= goal) of the log-normal (normal tail via erfc)
    one = sextant.mc.simulate_portfolio([1.0], [0.07], [[0.04]], [], [50], initial=1000.0,
                                        goal=1500.0, years=5.0, steps=20, paths=40_000, seed=12)
    pg = 0.5 * math.erfc((math.log(1.5) - (0.07 - 0.02) * 5) / math.sqrt(0.04 * 5) / math.sqrt(2))
    assert abs(one.prob_goal - pg) <= K * math.sqrt(pg * (1 - pg) / 40_000)
    assert one.prob_ruin == 0.0
    # withdrawals larger than the growth ruin every path
    ruin = sextant.mc.simulate_portfolio([1.0], [0.05], [[0.0]], [-300.0], [50], initial=1000.0,
                                         steps=20, paths=10)
    assert ruin.prob_ruin == 1.0 and np.all(ruin.terminal == 0.0)
    with pytest.raises(InputError) as e:
        sextant.mc.simulate_portfolio([0.5, 0.4], [0.07, 0.03], cov, [], [50])
    assert e.value.parameter == "weights"
    with pytest.raises(InputError) as e:
        sextant.mc.simulate_portfolio([0.6, 0.4], [0.07, 0.03], cov, [1.0, 2.0], [50], steps=12)
    assert e.value.parameter == "cashflows"


def test_progress_blocks_give_the_same_bits():
    calls = []
    a = sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=50_000, seed=3, antithetic=True,
                                progress=lambda done, total: calls.append((done, total)))
    block = (1 << 22) // 252  # paths per block at 252 steps
    assert calls[-1] == (50_000, 50_000) and len(calls) == -(-50_000 // block)
    assert all(d1 < d2 for (d1, _), (d2, _) in zip(calls, calls[1:]))
    # one native call per split reproduces the blocks bit for bit
    parts = [sextant.mc.simulate_gbm(100.0, 0.05, 0.2, paths=n, seed=3, first_path=f, antithetic=True)
             for f, n in [(0, 12_345), (12_345, 37_655)]]
    assert np.array_equal(a, np.concatenate(parts))
    full = sextant.mc.simulate_correlated_gbm([1.0, 2.0], [0.0, 0.1], [[0.04, 0.0], [0.0, 0.09]],
                                              steps=100, paths=50_000, seed=2, full_paths=True,
                                              progress=lambda d, t: None)
    assert full.shape == (50_000, 101, 2)
    assert np.array_equal(full[:7], sextant.mc.simulate_correlated_gbm(
        [1.0, 2.0], [0.0, 0.1], [[0.04, 0.0], [0.0, 0.09]], steps=100, paths=7, seed=2, full_paths=True))


def test_ctrl_c_interrupts_a_long_run():
    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sextant.mc.simulate_gbm(paths=100_000, seed=1, progress=stop)
    # a real SIGINT while the native code runs: KeyboardInterrupt when the GIL comes back. In a
    # fresh interpreter, so that nothing an earlier test left behind in this process (threads,
    # signal state of other libraries) decides the outcome; the interrupt is resent each second
    # until the run stops, so one that lands while no Python code can run is not lost.
    script = textwrap.dedent("""
        import _thread, threading, sextant
        got = threading.Event()
        def interrupt():
            if not got.wait(0.05):
                _thread.interrupt_main()
            while not got.wait(1.0):
                _thread.interrupt_main()
        threading.Thread(target=interrupt, daemon=True).start()
        try:
            sextant.mc.simulate_gbm(paths=20_000_000, steps=252, seed=1)
            print("finished")
        except KeyboardInterrupt:
            got.set()
            print("interrupted")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert run.stdout.strip() == "interrupted", (run.stdout, run.stderr)


def test_control_variate_call_and_put_match_black_scholes():
    # Black-Scholes prices from scipy.stats.norm: S=100, K=100, r=5%, sigma=20%, T=1
    call, put = 10.450583572185565, 5.573526022256971
    for payoff, price in [("call", call), ("put", put)]:
        cv = sextant.mc.estimate_payoff(100.0, 0.05, 0.2, 100.0, payoff, 0.05, steps=12,
                                        paths=100_000, seed=40)
        plain = sextant.mc.estimate_payoff(100.0, 0.05, 0.2, 100.0, payoff, 0.05, False, steps=12,
                                           paths=100_000, seed=40)
        assert abs(cv.estimate - price) <= 3 * cv.std_error
        assert abs(plain.estimate - price) <= 3 * plain.std_error
        assert cv.plain_estimate == plain.estimate and plain.variance_reduction == 1.0
        assert cv.variance_reduction == pytest.approx((plain.std_error / cv.std_error) ** 2, rel=1e-9)
        assert cv.variance_reduction > 1.5
    # the plain estimate is the mean payoff of simulate_gbm's paths (the same bits)
    st = sextant.mc.simulate_gbm(100.0, 0.05, 0.2, steps=12, paths=1000, seed=40)
    e = sextant.mc.estimate_payoff(100.0, 0.05, 0.2, 100.0, "call", 0.0, steps=12, paths=1000, seed=40)
    assert e.plain_estimate == pytest.approx(np.maximum(st - 100.0, 0.0).mean(), rel=1e-13)
    with pytest.raises(ParameterError) as err:
        sextant.mc.estimate_payoff(strike=-1.0)
    assert err.value.code == "OUT_OF_RANGE" and err.value.parameter == "strike"
    with pytest.raises(ParameterError) as err:
        sextant.mc.estimate_payoff(paths=1)
    assert err.value.parameter == "paths"
    with pytest.raises(ParameterError) as err:
        sextant.mc.estimate_payoff(payoff="asian")
    assert err.value.code == "UNKNOWN_OPTION"
