"""Generate Sextant's golden fixtures from the reference libraries.

Run it with `scripts/golden/run.sh` (it makes a venv with the references). It writes
tests/golden/manifest.json plus little-endian binary files (.f64 / .i32) under
tests/golden/data (inputs) and tests/golden/out (reference outputs). Rust, Python, Node, WASM
and the server tests all assert these same files.

Data (real, shipped by PyPI packages whose licence allows committing derived fixtures):
  pmdarima.datasets.load_msft (MIT), arch.data.sp500 / arch.data.nasdaq (NCSA),
  skfolio.datasets load_sp500_dataset / load_sp500_index (BSD-3);
plus synthetic edge series made here from a fixed seed.

References: TA-Lib (pip `ta-lib`), empyrical-reloaded, skfolio, scipy (closed forms for the
Gaussian and Cornish-Fisher VaR/ES; linkage and optimal_leaf_ordering for HRP), cvxpy + CLARABEL
at 1e-12 tolerances for the portfolio optimisers, cross-checked against skfolio and
PyPortfolioOpt.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SEED = 20261121

# DESIGN.md tolerance: |got - ref| <= rel * |ref| + abs_scale * max|input|
TOL_DEFAULT = {"rel": 1e-9, "abs_scale": 1e-12}
TOL_EXACT = {"rel": 0.0, "abs_scale": 0.0}


def scale_free_abs(abs_scale: float, ins: list[dict], outputs: list) -> float:
    """The absolute term of the tolerance is `abs_scale` times the larger of the inputs' and the
    reference outputs' magnitudes. Stored relative to max|input| (what every suite multiplies
    by), so outputs on their own scale (an oscillator in 0-100 on prices of 1e-10) are not held
    to a bound far below their own rounding."""
    def amax(a: np.ndarray) -> float:
        f = np.abs(a[np.isfinite(a)])
        return float(f.max()) if f.size else 0.0
    m_in = max((amax(np.fromfile(GOLDEN / i["file"], dtype="<f8")) for i in ins), default=0.0)
    m_out = max((amax(np.asarray(v, dtype=np.float64).reshape(-1)) for _, v in outputs), default=0.0)
    if m_in == 0.0 or m_out <= m_in:
        return abs_scale
    return abs_scale * m_out / m_in


class Writer:
    def __init__(self) -> None:
        self.cases: list[dict] = []
        self.datasets: dict[str, dict] = {}
        self.files: set[str] = set()

    def _write(self, rel: str, arr: np.ndarray) -> None:
        path = GOLDEN / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        arr.astype(arr.dtype.newbyteorder("<"), copy=False).tofile(path)
        self.files.add(rel)

    def dataset(self, name: str, source: str, license: str, columns: dict[str, np.ndarray]) -> None:
        cols = {}
        for col, arr in columns.items():
            arr = np.ascontiguousarray(arr, dtype=np.float64)
            rel = f"data/{name}_{col}.f64"
            self._write(rel, arr)
            cols[col] = {"file": rel, "shape": list(arr.shape)}
        self.datasets[name] = {"source": source, "license": license, "columns": cols}

    def add_column(self, name: str, col: str, arr: np.ndarray) -> None:
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        rel = f"data/{name}_{col}.f64"
        self._write(rel, arr)
        self.datasets[name]["columns"][col] = {"file": rel, "shape": list(arr.shape)}

    def case(self, *, id: str, module: str, function: str, reference: str, inputs: list[tuple[str, str, str]],
             params: dict, outputs: list[tuple[str, np.ndarray | float]], tolerance: dict = TOL_DEFAULT) -> None:
        ins = []
        for name, ds, col in inputs:
            c = self.datasets[ds]["columns"][col]
            ins.append({"name": name, "dataset": ds, "column": col, "file": c["file"], "shape": c["shape"]})
        outs = []
        for name, val in outputs:
            arr = np.asarray(val)
            dtype = "i32" if arr.dtype.kind in "iu" else "f64"
            arr = np.ascontiguousarray(arr, dtype=np.int32 if dtype == "i32" else np.float64)
            safe = id.replace("/", "__")
            rel = f"out/{safe}__{name}.{dtype}"
            self._write(rel, arr.reshape(-1))
            outs.append({"name": name, "file": rel, "dtype": dtype, "shape": list(arr.shape)})
        if all(o["dtype"] == "i32" for o in outs):
            tolerance = TOL_EXACT
        elif tolerance["abs_scale"] > 0:
            tolerance = dict(tolerance, abs_scale=scale_free_abs(tolerance["abs_scale"], ins, outputs))
        self.cases.append({"id": id, "module": module, "function": function, "reference": reference,
                           "inputs": ins, "params": params, "outputs": outs, "tolerance": tolerance})

    def finish(self, versions: dict) -> None:
        manifest = {
            "format": 1,
            "generated_by": "scripts/golden/generate.py",
            "tolerance_rule": "|got - ref| <= rel * |ref| + abs_scale * max|finite input|; NaN == NaN; "
                              "+-inf equal; int32 outputs identical. abs_scale is DESIGN.md's 1e-12 (or the "
                              "case's stated value) times max(1, max|reference output| / max|input|), so "
                              "outputs on their own scale get an absolute term of their own size",
            "versions": versions,
            "datasets": self.datasets,
            "cases": self.cases,
        }
        (GOLDEN / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
        # remove stale files
        for sub in ("data", "out"):
            for p in (GOLDEN / sub).glob("*"):
                if f"{sub}/{p.name}" not in self.files:
                    p.unlink()


def synthetic_ohlc(n: int, level: float, step: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    close = level + np.cumsum(rng.normal(0.0, step, n))
    open_ = np.concatenate([[level], close[:-1]]) + rng.normal(0.0, step / 3, n)
    high = np.maximum(open_, close) + np.abs(rng.normal(0.0, step / 2, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0.0, step / 2, n))
    return {"open": open_, "high": high, "low": low, "close": close}


# Hand-built instances of the candlestick patterns that random and real series (almost) never
# show, as (open, high, low, close) offsets from the previous close: each is planted into the
# random background of `planted_candles`, whose small bodies and ranges make its long candles
# long and its short candles short under TA-Lib's default candle settings.
PLANTED_PATTERNS = {
    "CDL3STARSINSOUTH": [(0, 0, -9, -4), (-2, -2, -7, -5), (-5.5, -5.5, -5.75, -5.75)],
    "CDLCONCEALBABYSWALL": [(0, 0, -2, -2), (-2, -2, -4, -4), (-4.5, -3.5, -5.25, -5), (-3, -3, -5.5, -6)],
    "CDLKICKING": [(0, 0, -4, -4), (1, 5, 1, 5)],
    "CDL2CROWS": [(0, 4.25, -0.25, 4), (6, 6.25, 4.75, 5), (5.5, 5.75, 1.75, 2)],
    "CDLLADDERBOTTOM": [(0, 0.25, -2.25, -2), (-1, -0.75, -3.25, -3), (-2, -1.75, -4.25, -4), (-3.5, -2, -4.75, -4.5),
                        (-3, -1.5, -3.25, -1.75)],
    "CDLMATHOLD": [(0, 4.25, -0.25, 4), (5, 5.25, 4.25, 4.5), (4.25, 4.5, 3.5, 3.75), (4, 4.25, 3.25, 3.5),
                   (3.75, 6.25, 3.5, 6)],
    "CDLBREAKAWAY": [(0, 0.25, -4.25, -4), (-5, -4.75, -5.75, -5.5), (-5.75, -5.25, -6.5, -6), (-6.25, -5.75, -7, -6.5),
                     (-6.5, -4.25, -6.75, -4.5)],
}


def planted_candles(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random quarter-tick candles (ties, dojis, gaps) with every PLANTED_PATTERNS instance
    inserted every 60 bars, in turn."""
    tick = 0.25
    rows = []
    prev = 100.0
    templates = list(PLANTED_PATTERNS.values())
    t = 0
    while len(rows) < n:
        if len(rows) % 60 == 59:
            for o, h, l, c in templates[t % len(templates)]:
                rows.append((prev + o, prev + h, prev + l, prev + c))
            prev = rows[-1][3]
            t += 1
            continue
        o = prev + rng.choice([0, 0, 0, 0, 1, -1, 2, -2, 4, -4]) * tick
        c = o + rng.choice([0, 0, 1, 1, 2, 3, 4, 8, 12, 16]) * tick * rng.choice([-1, 1])
        h = max(o, c) + rng.choice([0, 0, 0, 1, 1, 2, 4, 8]) * tick
        l = min(o, c) - rng.choice([0, 0, 0, 1, 1, 2, 4, 8]) * tick
        rows.append((o, h, l, c))
        prev = c
    a = np.array(rows[:n])
    return {"open": a[:, 0], "high": a[:, 1], "low": a[:, 2], "close": a[:, 3]}


def per_segment(fn, inputs: list[np.ndarray], n_out: int, int_out, index_lookback: int | None = None):
    """Sextant's NaN policy expressed with the reference: the reference applied to each clean
    run, NaN (0 for int outputs) at NaN bars. `int_out` is one flag or one per output. With
    `index_lookback`, int outputs are absolute bar indices (MAXINDEX): each run's start is added
    to them after its warm-up."""
    n = len(inputs[0])
    bad = np.zeros(n, dtype=bool)
    for a in inputs:
        bad |= np.isnan(a)
    flags = int_out if isinstance(int_out, (list, tuple)) else [int_out] * n_out
    outs = [np.zeros(n, dtype=np.int32) if f else np.full(n, np.nan) for f in flags]
    i = 0
    while i < n:
        if bad[i]:
            i += 1
            continue
        j = i
        while j < n and not bad[j]:
            j += 1
        res = fn(*[a[i:j] for a in inputs])
        res = res if isinstance(res, tuple) else (res,)
        for o, r in zip(outs, res):
            o[i:j] = r
            if index_lookback is not None and o.dtype.kind == "i":
                o[i + index_lookback:j] += i
        i = j
    return tuple(outs) if n_out > 1 else outs[0]


def main() -> int:
    import talib
    import empyrical
    import pandas as pd
    from arch.data import nasdaq, sp500
    from pmdarima.datasets import load_msft
    from skfolio.datasets import load_sp500_dataset, load_sp500_index
    from skfolio.optimization import InverseVolatility

    w = Writer()
    rng = np.random.default_rng(SEED)

    # ---------------------------------------------------------------- OHLC datasets
    msft = load_msft()
    w.dataset("msft", "pmdarima.datasets.load_msft() (MSFT daily 1986-2017)", "MIT",
              {c.lower(): msft[c].to_numpy(float) for c in ("Open", "High", "Low", "Close", "Volume")})
    for name, mod in (("sp500", sp500), ("nasdaq", nasdaq)):
        df = mod.load()
        w.dataset(name, f"arch.data.{name}.load() (daily 1999-2018)", "NCSA",
                  {c.lower(): df[c].to_numpy(float) for c in ("Open", "High", "Low", "Close", "Volume")})
        # the last 1500 bars: the second and third real datasets of every function, kept short
        w.dataset(f"{name}_tail", f"arch.data.{name}.load(), last 1500 bars (2013-2018)", "NCSA",
                  {c.lower(): df[c].to_numpy(float)[-1500:] for c in ("Open", "High", "Low", "Close", "Volume")})
    # volumes come from their own generator so the price series above keep their values
    vrng = np.random.default_rng(SEED + 1)

    def synthetic_volume(n: int) -> np.ndarray:
        return np.round(np.exp(vrng.normal(13.0, 0.5, n)))

    w.dataset("walk60k", f"synthetic random walk around 60,000 (numpy default_rng({SEED}), 5000 bars; "
              f"volume lognormal from default_rng({SEED + 1}))", "generated",
              {**synthetic_ohlc(5000, 60_000.0, 30.0, rng), "volume": synthetic_volume(5000)})
    const = {k: np.full(200, 100.0) for k in ("open", "high", "low", "close")}
    const["volume"] = np.full(200, 1000.0)
    w.dataset("const", "synthetic constant prices (200 bars at 100.0, volume 1000)", "generated", const)
    w.dataset("short", "synthetic 10-bar series (shorter than most periods)", "generated",
              {**synthetic_ohlc(10, 50.0, 1.0, rng), "volume": synthetic_volume(10)})
    lead = {k: np.concatenate([np.full(5, np.nan), v[:400]]) for k, v in
            {c.lower(): msft[c].to_numpy(float)[-400:] for c in ("Open", "High", "Low", "Close", "Volume")}.items()}
    w.dataset("leadnan", "last 400 MSFT bars after 5 leading NaNs", "MIT", lead)
    spx = sp500.load()
    gaps = {c.lower(): spx[c].to_numpy(float)[:800].copy() for c in ("Open", "High", "Low", "Close", "Volume")}
    for k in gaps:
        gaps[k][[100, 101, 350]] = np.nan
    gaps["close"][600] = np.nan  # a NaN in one input only
    gaps["volume"][700] = np.nan  # a NaN in the volume only
    w.dataset("gaps", "first 800 S&P 500 bars with NaN at 100, 101, 350 (all), 600 (close) and 700 (volume)",
              "NCSA", gaps)
    t = np.linspace(0.0, 40.0, 2000)
    w.dataset("wave", "synthetic 1.2*sin(t)+0.05*cos(7t), 2000 points (exceeds [-1, 1] on purpose)", "generated",
              {"close": 1.2 * np.sin(t) + 0.05 * np.cos(7 * t), "open": np.cos(t)})
    w.dataset("empty", "empty series", "generated", {k: np.zeros(0) for k in ("open", "high", "low", "close", "volume")})
    # ties, flat stretches, zero prices and zero volumes: the zero-guards and tie rules
    srng = np.random.default_rng(SEED + 2)
    n_steps = 600
    close_s = np.maximum(0.0, 1.0 + np.cumsum(srng.choice([-0.5, 0.0, 0.0, 0.5], n_steps)))
    close_s[200:280] = close_s[199]  # a long flat stretch
    open_s = np.concatenate([[close_s[0]], close_s[:-1]])
    open_s[200:281] = close_s[199]
    wick = srng.choice([0.0, 0.0, 0.5], (2, n_steps))
    wick[:, 200:280] = 0.0
    w.dataset("tiny", "last 800 MSFT bars with prices scaled by 1e-12 (zero tests must not depend on the "
              "price unit)", "MIT",
              {c.lower(): msft[c].to_numpy(float)[-800:] * (1.0 if c == "Volume" else 1e-12)
               for c in ("Open", "High", "Low", "Close", "Volume")})
    w.dataset("steps", f"synthetic half-unit steps with ties, an 80-bar flat stretch, zero prices and zero volumes "
              f"(numpy default_rng({SEED + 2}), 600 bars)", "generated",
              {"open": open_s, "high": np.maximum(open_s, close_s) + wick[0],
               "low": np.maximum(0.0, np.minimum(open_s, close_s) - wick[1]), "close": close_s,
               "volume": np.where(np.arange(n_steps) % 7 == 3, 0.0, srng.choice([100.0, 200.0, 300.0], n_steps))})

    w.dataset("candles", f"synthetic quarter-tick candles (numpy default_rng({SEED + 4}), 20000 bars) with "
              f"hand-built instances of {', '.join(PLANTED_PATTERNS)} planted every 60 bars "
              "(scripts/golden/generate.py planted_candles)", "generated",
              {**planted_candles(20000, np.random.default_rng(SEED + 4)), "volume": synthetic_volume(20000)})
    ohlc_sets = ["msft", "sp500", "nasdaq", "walk60k", "const", "short", "leadnan", "empty"]
    # MAVP's per-bar periods: uniform in [0, 45) from their own generator, so below minperiod and
    # above maxperiod both occur
    prng = np.random.default_rng(SEED + 3)
    mavp_sets = ["msft", "sp500_tail", "nasdaq_tail", "walk60k", "const", "short", "leadnan", "empty", "gaps"]
    for ds in mavp_sets:
        n = w.datasets[ds]["columns"]["close"]["shape"][0]
        w.add_column(ds, "periods", prng.uniform(0.0, 45.0, n))

    def ta_case(fn_name: str, ds: str, inputs: list[str], params: dict, out_names: list[str], tag: str) -> None:
        raw = getattr(talib, fn_name)
        cols = w.datasets[ds]["columns"]
        arrays = [np.fromfile(GOLDEN / cols[c]["file"], dtype="<f8") for c in inputs]
        # Sextant's call options: `unstable_period` is TA-Lib's set_unstable_period("ALL", n)
        # for the call; `nan_policy` is Sextant's (the reference is built below)
        unstable = params.get("unstable_period", 0)
        talib_params = {k: v for k, v in params.items() if k not in ("unstable_period", "nan_policy")}

        def fn(*a, **kw):
            talib.set_unstable_period("ALL", unstable)
            try:
                return raw(*a, **kw)
            finally:
                talib.set_unstable_period("ALL", 0)
        if params.get("nan_policy") == "talib":
            # TA-Lib's missing-data behaviour, as DESIGN.md defines it: leading NaNs skipped,
            # the function applied up to the first interior NaN, NaN (0 for int32) after it
            n = len(arrays[0])
            bad = np.zeros(n, dtype=bool)
            for a in arrays:
                bad |= np.isnan(a)
            begin = int(np.argmin(bad))
            later = np.nonzero(bad[begin:])[0]
            cut = begin + int(later[0]) if later.size else n
            head = fn(*[a[:cut] for a in arrays], **talib_params)
            head = head if isinstance(head, tuple) else (head,)
            res = []
            for h in head:
                h = np.asarray(h)
                tail = np.zeros(n - cut, dtype=h.dtype) if h.dtype.kind in "iu" else np.full(n - cut, np.nan)
                res.append(np.concatenate([h, tail]))
            res = tuple(res)
            ref = (f"talib {version('ta-lib')} {fn_name} on the series up to its first interior NaN, "
                   f"NaN after it (nan_policy='talib')")
            w.case(id=f"{fn_name}/{ds}/{tag}", module="ta", function=fn_name, reference=ref,
                   inputs=[(n_, ds, c) for n_, c in zip(input_names[fn_name], inputs)], params=params,
                   outputs=list(zip(out_names, res)), tolerance=TOL_DEFAULT)
            return
        params_in = params
        params = talib_params
        if ds == "gaps":
            full = fn(*arrays, **params)
            full = full if isinstance(full, tuple) else (full,)
            int_flags = [np.asarray(r).dtype.kind in "iu" for r in full]
            index_lb = None
            if fn_name in ("MAXINDEX", "MININDEX", "MINMAXINDEX"):
                from talib import abstract
                f = abstract.Function(fn_name)
                f.set_parameters(params)
                index_lb = f.lookback
            res = per_segment(lambda *a: fn(*a, **params), arrays, len(out_names), int_flags, index_lb)
            ref = f"talib {version('ta-lib')} {fn_name} applied to each NaN-free run (Sextant NaN policy)"
        else:
            res = fn(*arrays, **params)
            ref = f"talib {version('ta-lib')} {fn_name}"
        res = res if isinstance(res, tuple) else (res,)
        tol = TOL_DEFAULT
        if fn_name == "LINEARREG_ANGLE":
            # degrees = atan(slope) * 57.3 magnify the reference's own slope error: TA-Lib's raw
            # sums lose ~1e-9 of slope at 60,000-level prices (Sextant centres them; see
            # python/tests/test_numerics.py), so the input-scaled term is 10x wider here.
            tol = {"rel": 1e-9, "abs_scale": 1e-11}
        if ds == "walk60k" and 5 in (params.get("fastmatype"), params.get("slowmatype")):
            # a difference of two averages near 60,000 keeps their absolute error: TA-Lib's
            # TRIMA(9) running sums are up to 6.8e-8 (1.1e-12 of the price) off the exactly
            # summed value on this series, at the edge of the 1e-12 * max|input| term.
            tol = {"rel": 1e-9, "abs_scale": 1e-11}
        if fn_name == "FOSC" and ds == "tiny":
            # FOSC = 100 (close - TSF[t-1]) / close cancels the close against its forecast; at
            # 1e-12-scaled prices TA-Lib's raw regression sums put the reference up to 1.06e-8
            # (relative, 10.6x the default rule) off the exactly summed (Fraction) value.
            tol = {"rel": 5e-8, "abs_scale": 1e-12}
        if unstable:
            ref += f" with set_unstable_period('ALL', {unstable})"
        w.case(id=f"{fn_name}/{ds}/{tag}", module="ta", function=fn_name, reference=ref,
               inputs=[(n, ds, c) for n, c in zip(input_names[fn_name], inputs)], params=params_in,
               outputs=list(zip(out_names, res)), tolerance=tol)

    # TA-Lib's Pattern Recognition group (the candlestick patterns)
    patterns = talib.get_function_groups()["Pattern Recognition"]
    transforms = "ACOS ASIN ATAN CEIL COS COSH EXP FLOOR LN LOG10 SIN SINH SQRT TAN TANH".split()
    operators = "ADD SUB MULT DIV".split()
    rolling = {"SUM": [{"timeperiod": 30}, {"timeperiod": 2}], "MAX": [{"timeperiod": 30}, {"timeperiod": 5}],
               "MIN": [{"timeperiod": 30}, {"timeperiod": 5}], "MINMAX": [{"timeperiod": 30}, {"timeperiod": 3}],
               **{n: [{"timeperiod": 30}, {"timeperiod": 2}, {"timeperiod": 5}] for n in ("MAXINDEX", "MININDEX", "MINMAXINDEX")},
               "CUMSUM": [{}], "AVGDEV": [{"timeperiod": 14}, {"timeperiod": 3}],
               "VAR": [{"timeperiod": 5, "nbdev": 1.0}, {"timeperiod": 1, "nbdev": 2.0}],
               "STDDEV": [{"timeperiod": 5, "nbdev": 1.0}, {"timeperiod": 20, "nbdev": 2.5}],
               **{n: [{"timeperiod": 14}, {"timeperiod": 3}] for n in
                  ("LINEARREG", "LINEARREG_SLOPE", "LINEARREG_INTERCEPT", "LINEARREG_ANGLE", "TSF")}}
    pairs = {"CORREL": [{"timeperiod": 30}, {"timeperiod": 5}], "BETA": [{"timeperiod": 5}, {"timeperiod": 20}]}
    HL, HLC, HLCV = ["high", "low"], ["high", "low", "close"], ["high", "low", "close", "volume"]
    MA_OUTS = ["macd", "macdsignal", "macdhist"]
    # volatility, momentum and volume indicators: name -> (data columns, TA-Lib input names,
    # parameter sets (the first is the default), outputs)
    momentum_specs = {
        "TRANGE": (HLC, HLC, [{}], ["real"]),
        "NATR": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 5}], ["real"]),
        **{n: (["close"], ["real"], [{"timeperiod": 10}, {"timeperiod": 1}, {"timeperiod": 3}], ["real"])
           for n in ("MOM", "ROC", "ROCP", "ROCR", "ROCR100")},
        "CMO": (["close"], ["real"], [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        "WILLR": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        "BOP": (["open", "high", "low", "close"], ["open", "high", "low", "close"], [{}], ["real"]),
        "CCI": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 5}], ["real"]),
        "AROON": (HL, HL, [{"timeperiod": 14}, {"timeperiod": 3}], ["aroondown", "aroonup"]),
        "AROONOSC": (HL, HL, [{"timeperiod": 14}, {"timeperiod": 3}], ["real"]),
        **{n: (HL, HL, [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 3}], ["real"])
           for n in ("PLUS_DM", "MINUS_DM")},
        **{n: (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 3}], ["real"])
           for n in ("PLUS_DI", "MINUS_DI")},
        "DX": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        "ADX": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 2}, {"timeperiod": 5}], ["real"]),
        "ADXR": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 3}], ["real"]),
        "MACD": (["close"], ["real"], [{"fastperiod": 12, "slowperiod": 26, "signalperiod": 9},
                                       {"fastperiod": 26, "slowperiod": 5, "signalperiod": 4},
                                       {"fastperiod": 3, "slowperiod": 3, "signalperiod": 1}], MA_OUTS),
        "MACDFIX": (["close"], ["real"], [{"signalperiod": 9}, {"signalperiod": 1}], MA_OUTS),
        "MACDEXT": (["close"], ["real"], [
            {"fastperiod": 12, "fastmatype": 0, "slowperiod": 26, "slowmatype": 0, "signalperiod": 9, "signalmatype": 0},
            {"fastperiod": 12, "fastmatype": 1, "slowperiod": 26, "slowmatype": 1, "signalperiod": 9, "signalmatype": 1},
            {"fastperiod": 20, "fastmatype": 3, "slowperiod": 5, "slowmatype": 2, "signalperiod": 4, "signalmatype": 6},
            {"fastperiod": 6, "fastmatype": 8, "slowperiod": 12, "slowmatype": 11, "signalperiod": 3, "signalmatype": 13},
            {"fastperiod": 9, "fastmatype": 5, "slowperiod": 14, "slowmatype": 12, "signalperiod": 1, "signalmatype": 4},
        ], MA_OUTS),
        **{n: (["close"], ["real"], [{"fastperiod": 12, "slowperiod": 26, "matype": 1},
                                     {"fastperiod": 12, "slowperiod": 26, "matype": 0},
                                     {"fastperiod": 10, "slowperiod": 4, "matype": 4},
                                     {"fastperiod": 5, "slowperiod": 9, "matype": 8},
                                     {"fastperiod": 2, "slowperiod": 8, "matype": 9},
                                     {"fastperiod": 2, "slowperiod": 29, "matype": 2}], ["real"])
           for n in ("APO", "PPO")},
        "STOCH": (HLC, HLC, [
            {"fastk_period": 5, "slowk_period": 3, "slowk_matype": 0, "slowd_period": 3, "slowd_matype": 0},
            {"fastk_period": 14, "slowk_period": 3, "slowk_matype": 1, "slowd_period": 5, "slowd_matype": 2},
            {"fastk_period": 1, "slowk_period": 1, "slowk_matype": 0, "slowd_period": 1, "slowd_matype": 0},
            # KAMA over %K plateaus: its path sum must be exactly zero after a flat window
            {"fastk_period": 24, "slowk_period": 27, "slowk_matype": 6, "slowd_period": 2, "slowd_matype": 3},
        ], ["slowk", "slowd"]),
        "STOCHF": (HLC, HLC, [{"fastk_period": 5, "fastd_period": 3, "fastd_matype": 0},
                              {"fastk_period": 14, "fastd_period": 3, "fastd_matype": 1},
                              {"fastk_period": 1, "fastd_period": 1, "fastd_matype": 0}], ["fastk", "fastd"]),
        "STOCHRSI": (["close"], ["real"], [{"timeperiod": 14, "fastk_period": 5, "fastd_period": 3, "fastd_matype": 0},
                                           {"timeperiod": 14, "fastk_period": 14, "fastd_period": 3, "fastd_matype": 1},
                                           {"timeperiod": 5, "fastk_period": 1, "fastd_period": 1, "fastd_matype": 0},
                                           {"timeperiod": 2, "fastk_period": 2, "fastd_period": 8, "fastd_matype": 13}],
                     ["fastk", "fastd"]),
        "TRIX": (["close"], ["real"], [{"timeperiod": 30}, {"timeperiod": 5}, {"timeperiod": 1}], ["real"]),
        "ULTOSC": (HLC, HLC, [{"timeperiod1": 7, "timeperiod2": 14, "timeperiod3": 28},
                              {"timeperiod1": 20, "timeperiod2": 5, "timeperiod3": 10},
                              {"timeperiod1": 1, "timeperiod2": 2, "timeperiod3": 3}], ["real"]),
        "MFI": (HLCV, HLCV, [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        "OBV": (["close", "volume"], ["real", "volume"], [{}], ["real"]),
        "AD": (HLCV, HLCV, [{}], ["real"]),
        "ADOSC": (HLCV, HLCV, [{"fastperiod": 3, "slowperiod": 10}, {"fastperiod": 10, "slowperiod": 3},
                               {"fastperiod": 2, "slowperiod": 2}], ["real"]),
        # overlap studies of TA-Lib 0.8
        "MIDPOINT": (["close"], ["real"], [{"timeperiod": 14}, {"timeperiod": 2}, {"timeperiod": 5}], ["real"]),
        "MIDPRICE": (HL, HL, [{"timeperiod": 14}, {"timeperiod": 2}, {"timeperiod": 5}], ["real"]),
        "SAR": (HL, HL, [{"acceleration": 0.02, "maximum": 0.2}, {"acceleration": 0.05, "maximum": 0.3},
                         {"acceleration": 0.3, "maximum": 0.1}, {"acceleration": 0.0, "maximum": 0.0}], ["real"]),
        "SAREXT": (HL, HL, [
            {"startvalue": 0.0, "offsetonreverse": 0.0, "accelerationinitlong": 0.02, "accelerationlong": 0.02,
             "accelerationmaxlong": 0.2, "accelerationinitshort": 0.02, "accelerationshort": 0.02,
             "accelerationmaxshort": 0.2},
            {"startvalue": 0.0, "offsetonreverse": 0.01, "accelerationinitlong": 0.01, "accelerationlong": 0.03,
             "accelerationmaxlong": 0.25, "accelerationinitshort": 0.04, "accelerationshort": 0.5,
             "accelerationmaxshort": 0.1},
            {"startvalue": -1.0, "offsetonreverse": 0.0, "accelerationinitlong": 0.3, "accelerationlong": 0.02,
             "accelerationmaxlong": 0.2, "accelerationinitshort": 0.02, "accelerationshort": 0.02,
             "accelerationmaxshort": 0.2},
            {"startvalue": 1.0, "offsetonreverse": 0.5, "accelerationinitlong": 0.02, "accelerationlong": 0.02,
             "accelerationmaxlong": 0.2, "accelerationinitshort": 0.02, "accelerationshort": 0.02,
             "accelerationmaxshort": 0.2},
        ], ["real"]),
        "DONCHIAN": (HL, HL, [{"timeperiod": 20}, {"timeperiod": 2}, {"timeperiod": 7}],
                     ["upperband", "middleband", "lowerband"]),
        "KC": (HLC, HLC, [{"timeperiod": 20, "atrperiod": 10, "nbdev": 2.0}, {"timeperiod": 5, "atrperiod": 30, "nbdev": 1.5},
                          {"timeperiod": 2, "atrperiod": 1, "nbdev": -0.5}], ["upperband", "middleband", "lowerband"]),
        "ACCBANDS": (HLC, HLC, [{"timeperiod": 20}, {"timeperiod": 2}, {"timeperiod": 7}],
                     ["upperband", "middleband", "lowerband"]),
        "SUPERTREND": (HLC, HLC, [{"timeperiod": 10, "multiplier": 3.0}, {"timeperiod": 2, "multiplier": 0.0},
                                  {"timeperiod": 5, "multiplier": 1.0}], ["supertrend", "trend"]),
        "VWMA": (["close", "volume"], ["real", "volume"], [{"timeperiod": 30}, {"timeperiod": 1}, {"timeperiod": 4}],
                 ["real"]),
        # momentum indicators of TA-Lib 0.8
        "AO": (HL, HL, [{"fastperiod": 5, "slowperiod": 34}, {"fastperiod": 10, "slowperiod": 3}], ["real"]),
        "AC": (HL, HL, [{"fastperiod": 5, "slowperiod": 34, "signalperiod": 5},
                        {"fastperiod": 2, "slowperiod": 7, "signalperiod": 3}], ["real"]),
        "DPO": (["close"], ["real"], [{"timeperiod": 20}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}], ["real"]),
        "COPPOCK": (["close"], ["real"], [{"wmaperiod": 10, "roc1period": 11, "roc2period": 14},
                                          {"wmaperiod": 1, "roc1period": 5, "roc2period": 1}], ["real"]),
        "TSI": (["close"], ["real"], [{"firstperiod": 25, "secondperiod": 13}, {"firstperiod": 2, "secondperiod": 5}],
                ["real"]),
        "KDJ": (HLC, HLC, [{"fastk_period": 9, "slowk_period": 3, "slowk_matype": 13, "slowd_period": 3, "slowd_matype": 13},
                           {"fastk_period": 5, "slowk_period": 2, "slowk_matype": 0, "slowd_period": 4, "slowd_matype": 1},
                           {"fastk_period": 1, "slowk_period": 1, "slowk_matype": 13, "slowd_period": 1, "slowd_matype": 13}],
                ["k", "d", "j"]),
        "VORTEX": (HLC, HLC, [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 4}], ["plusvi", "minusvi"]),
        "QSTICK": (["open", "close"], ["open", "close"], [{"timeperiod": 10}, {"timeperiod": 1}], ["real"]),
        "FOSC": (["close"], ["real"], [{"timeperiod": 5}, {"timeperiod": 2}, {"timeperiod": 14}], ["real"]),
        "ER": (["close"], ["real"], [{"timeperiod": 10}, {"timeperiod": 2}, {"timeperiod": 30}], ["real"]),
        "ERI": (HLC, HLC, [{"timeperiod": 13}, {"timeperiod": 1}], ["bullpower", "bearpower"]),
        "IMI": (["open", "close"], ["open", "close"], [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        "VHF": (["close"], ["real"], [{"timeperiod": 28}, {"timeperiod": 2}, {"timeperiod": 5}], ["real"]),
        "WAD": (HLC, HLC, [{}], ["real"]),
        "CMOU": (["close"], ["real"], [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        "SMI": (HLC, HLC, [{"timeperiod": 13, "fastperiod": 2, "slowperiod": 25, "signalperiod": 9},
                           {"timeperiod": 2, "fastperiod": 5, "slowperiod": 3, "signalperiod": 2}], ["smi", "smisignal"]),
        "FRACTAL": (HL, HL, [{"leftbars": 2, "rightbars": 2}, {"leftbars": 1, "rightbars": 3}, {"leftbars": 5, "rightbars": 1}],
                    ["swinghigh", "swinglow"]),
        # volume, volatility, price and statistic functions of TA-Lib 0.8
        "CMF": (HLCV, HLCV, [{"timeperiod": 20}, {"timeperiod": 2}], ["real"]),
        "EFI": (["close", "volume"], ["close", "volume"], [{"timeperiod": 13}, {"timeperiod": 1}], ["real"]),
        "PVO": (["volume"], ["volume"], [{"fastperiod": 12, "slowperiod": 26, "matype": 1},
                                         {"fastperiod": 26, "slowperiod": 5, "matype": 0}], ["real"]),
        "PVT": (["close", "volume"], ["close", "volume"], [{}], ["real"]),
        "NVI": (["close", "volume"], ["close", "volume"], [{}], ["real"]),
        "PVI": (["close", "volume"], ["close", "volume"], [{}], ["real"]),
        "MARKETFI": (["high", "low", "volume"], ["high", "low", "volume"], [{}], ["real"]),
        "RVOL": (["volume"], ["volume"], [{"timeperiod": 20}, {"timeperiod": 1}, {"timeperiod": 5}], ["real"]),
        "VWAP": (HLCV, HLCV, [{}], ["real"]),
        "MASSI": (HL, HL, [{"fastperiod": 9, "slowperiod": 25}, {"fastperiod": 2, "slowperiod": 2}], ["real"]),
        "CVI": (HL, HL, [{"timeperiod": 10, "rocperiod": 10}, {"timeperiod": 2, "rocperiod": 1}], ["real"]),
        "ADR": (HL, HL, [{"timeperiod": 14}, {"timeperiod": 1}], ["real"]),
        "RVI": (["close"], ["real"], [{"timeperiod": 14, "stddevperiod": 10}, {"timeperiod": 1, "stddevperiod": 2},
                                      {"timeperiod": 5, "stddevperiod": 30}], ["real"]),
        "HA": (["open", "high", "low", "close"], ["open", "high", "low", "close"], [{}],
               ["haopen", "hahigh", "halow", "haclose"]),
        "PERCENTILE": (["close"], ["real"], [{"timeperiod": 30, "percentile": 50.0}, {"timeperiod": 10, "percentile": 30.0},
                                             {"timeperiod": 7, "percentile": 0.0}, {"timeperiod": 4, "percentile": 100.0},
                                             {"timeperiod": 9, "percentile": 33.3}], ["real"]),
        "PERCENTRANK": (["close"], ["real"], [{"timeperiod": 100}, {"timeperiod": 2}, {"timeperiod": 15}], ["real"]),
    }
    input_names = {
        **{n: ["real"] for n in transforms}, **{n: ["real0", "real1"] for n in operators},
        **{n: ["real"] for n in rolling}, **{n: ["real0", "real1"] for n in pairs},
        "AVGPRICE": ["open", "high", "low", "close"], "MEDPRICE": ["high", "low"],
        "TYPPRICE": ["high", "low", "close"], "WCLPRICE": ["high", "low", "close"],
        "SMA": ["real"], "EMA": ["real"], "RSI": ["real"], "BBANDS": ["real"],
        **{n: ["real"] for n in ("WMA", "DEMA", "TEMA", "TRIMA", "KAMA", "T3", "HMA", "ZLEMA", "RMA", "MA")},
        "ATR": ["high", "low", "close"], **{n: ["open", "high", "low", "close"] for n in patterns},
        "MAVP": ["real", "periods"], "MAMA": ["real"],
        **{n: ["real"] for n in ("HT_DCPERIOD", "HT_PHASOR", "HT_DCPHASE", "HT_SINE", "HT_TRENDLINE", "HT_TRENDMODE")},
        **{n: spec[1] for n, spec in momentum_specs.items()},
    }
    specs = [
        ("SMA", ["close"], [{"timeperiod": 30}, {"timeperiod": 14}], ["real"]),
        ("EMA", ["close"], [{"timeperiod": 30}, {"timeperiod": 10}], ["real"]),
        ("RSI", ["close"], [{"timeperiod": 14}, {"timeperiod": 2}], ["real"]),
        ("ATR", ["high", "low", "close"], [{"timeperiod": 14}, {"timeperiod": 1}], ["real"]),
        ("BBANDS", ["close"], [
            {"timeperiod": 20, "nbdevup": 2.0, "nbdevdn": 2.0, "matype": 0},
            {"timeperiod": 10, "nbdevup": 1.5, "nbdevdn": 2.5, "matype": 1},
            {"timeperiod": 20, "nbdevup": 2.0, "nbdevdn": 2.0, "matype": 10},
        ], ["upperband", "middleband", "lowerband"]),
    ]
    # the moving-average family: fewer real datasets, more parameter sets
    ma_specs = [
        ("WMA", [{"timeperiod": 30}, {"timeperiod": 7}]),
        ("DEMA", [{"timeperiod": 30}, {"timeperiod": 5}]),
        ("TEMA", [{"timeperiod": 30}, {"timeperiod": 4}]),
        ("TRIMA", [{"timeperiod": 30}, {"timeperiod": 7}]),
        ("KAMA", [{"timeperiod": 30}, {"timeperiod": 10}]),
        ("T3", [{"timeperiod": 5, "vfactor": 0.7}, {"timeperiod": 8, "vfactor": 0.3}]),
        ("HMA", [{"timeperiod": 20}, {"timeperiod": 9}]),
        ("ZLEMA", [{"timeperiod": 30}, {"timeperiod": 8}]),
        ("RMA", [{"timeperiod": 30}, {"timeperiod": 14}]),
        ("MA", [{"timeperiod": 30, "matype": 0}] + [{"timeperiod": 10, "matype": m} for m in range(14)]
         + [{"timeperiod": 1, "matype": 3}]),
        ("BBANDS", [{"timeperiod": 10, "nbdevup": 2.0, "nbdevdn": 1.0, "matype": m} for m in (2, 3, 4, 5, 6, 7, 8, 9, 12, 13)]),
    ]
    for fn_name, param_sets in ma_specs:
        outs = ["upperband", "middleband", "lowerband"] if fn_name == "BBANDS" else ["real"]
        for ds in ["msft", "walk60k", "const", "short", "leadnan", "empty", "gaps"]:
            sets = param_sets if ds in ("walk60k", "gaps") else param_sets[:1]
            for k, params in enumerate(sets):
                tag = ("matypes_" if fn_name == "BBANDS" else "") + ("default" if k == 0 and fn_name != "BBANDS" else f"p{k}")
                ta_case(fn_name, ds, ["close"], params, outs, tag)
    mavp_params = [{"minperiod": 2, "maxperiod": 30, "matype": 0}] + [
        {"minperiod": 2, "maxperiod": 30, "matype": m} for m in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13)] + [
        {"minperiod": 5, "maxperiod": 12, "matype": 1}, {"minperiod": 7, "maxperiod": 7, "matype": 0}]
    for ds in mavp_sets:
        for k, params in enumerate(mavp_params if ds in ("walk60k", "gaps", "sp500_tail") else mavp_params[:1]):
            ta_case("MAVP", ds, ["close", "periods"], params, ["real"], "default" if k == 0 else f"p{k}")
    # the Hilbert-transform family (TA-Lib's long warm-ups: the first bars only prime it)
    cycle_specs = [("HT_DCPERIOD", [{}], ["real"]), ("HT_PHASOR", [{}], ["inphase", "quadrature"]),
                   ("HT_DCPHASE", [{}], ["real"]), ("HT_SINE", [{}], ["sine", "leadsine"]),
                   ("HT_TRENDLINE", [{}], ["real"]), ("HT_TRENDMODE", [{}], ["integer"]),
                   ("MAMA", [{"fastlimit": 0.5, "slowlimit": 0.05}, {"fastlimit": 0.3, "slowlimit": 0.1},
                             {"fastlimit": 0.99, "slowlimit": 0.01}], ["mama", "fama"])]
    for fn_name, sets, outs in cycle_specs:
        for ds in ("msft", "sp500_tail", "nasdaq_tail", "walk60k", "const", "short", "leadnan", "empty", "gaps",
                   "wave"):
            if ds == "const" and fn_name in ("HT_DCPHASE", "HT_SINE"):
                # the phase of a constant series is undefined: both libraries take the angle of a
                # DFT residue of ~1e-13 (sin/cos rounding), so neither value means anything
                continue
            for k, params in enumerate(sets if ds in ("walk60k", "gaps", "sp500_tail") else sets[:1]):
                ta_case(fn_name, ds, ["close"], params, outs, "default" if k == 0 else f"p{k}")
    for fn_name in transforms:
        for ds in ("wave", "msft", "empty", "gaps"):
            ta_case(fn_name, ds, ["close"], {}, ["real"], "default")
    for fn_name, sets in rolling.items():
        outs = {"MINMAX": ["min", "max"], "MINMAXINDEX": ["minidx", "maxidx"], "MAXINDEX": ["integer"],
                "MININDEX": ["integer"]}.get(fn_name, ["real"])
        extra = ("steps",) if "INDEX" in fn_name else ()  # ties and flat stretches
        for ds in ("msft", "walk60k", "const", "short", "leadnan", "empty", "gaps") + extra:
            for k, params in enumerate(sets if ds in ("walk60k", "gaps") else sets[:1]):
                ta_case(fn_name, ds, ["close"], params, outs, "default" if k == 0 else f"p{k}")
    for fn_name, sets in pairs.items():
        for ds in ("msft", "walk60k", "const", "short", "leadnan", "empty", "gaps"):
            for k, params in enumerate(sets if ds in ("walk60k", "gaps") else sets[:1]):
                ta_case(fn_name, ds, ["close", "open"], params, ["real"], "default" if k == 0 else f"p{k}")
    for fn_name in operators:
        for ds in ("msft", "walk60k", "wave", "empty", "gaps"):
            ta_case(fn_name, ds, ["close", "open"], {}, ["real"], "default")
    for fn_name in ("AVGPRICE", "MEDPRICE", "TYPPRICE", "WCLPRICE"):
        for ds in ("msft", "walk60k", "leadnan", "empty", "gaps"):
            ta_case(fn_name, ds, input_names[fn_name] if fn_name != "AVGPRICE" else ["open", "high", "low", "close"],
                    {}, ["real"], "default")
    for fn_name, inputs, param_sets, outs in specs:
        for ds in ohlc_sets + ["gaps", "steps"]:
            # every parameter set on the synthetic and edge series, the defaults on the rest
            sets = param_sets if ds in ("walk60k", "gaps", "steps") else param_sets[:1]
            for k, params in enumerate(sets):
                ta_case(fn_name, ds, inputs, params, outs, "default" if k == 0 else f"p{k}")

    # the candlestick patterns: the three real series, the planted synthetic series and the edge
    # cases; the patterns with a penetration also at 0 and 1 on the synthetic ones
    from talib import abstract as talib_abstract

    OHLC = ["open", "high", "low", "close"]
    for fn_name in patterns:
        pen = dict(talib_abstract.Function(fn_name).parameters)
        param_sets = [pen] + ([{"penetration": 0.0}, {"penetration": 1.0}] if pen else [])
        for ds in ["msft", "sp500", "nasdaq", "candles", "walk60k", "const", "short", "leadnan", "empty", "gaps",
                   "steps"]:
            sets = param_sets if ds in ("candles", "walk60k") else param_sets[:1]
            for k, params in enumerate(sets):
                ta_case(fn_name, ds, OHLC, params, ["integer"], "default" if k == 0 else f"p{k}")

    for fn_name, (cols, _, param_sets, outs) in momentum_specs.items():
        for ds in ["msft", "sp500", "nasdaq", "walk60k", "const", "short", "leadnan", "empty", "gaps", "steps", "tiny"]:
            sets = param_sets if ds in ("walk60k", "gaps", "steps") else param_sets[:1]
            for k, params in enumerate(sets):
                ta_case(fn_name, ds, cols, params, outs, "default" if k == 0 else f"p{k}")

    # ---------------------------------------------------------------- returns (risk)
    idx = load_sp500_index()["SP500"]
    spx_ret = idx.pct_change().dropna().to_numpy(float)
    w.dataset("sp500_index_returns", "skfolio.datasets.load_sp500_index() daily simple returns 1990-2022", "BSD-3",
              {"returns": spx_ret})
    msft_ret = np.diff(msft["Close"].to_numpy(float)) / msft["Close"].to_numpy(float)[:-1]
    w.dataset("msft_returns", "pmdarima msft daily close-to-close simple returns", "MIT", {"returns": msft_ret})
    nan_ret = msft_ret[:1000].copy()
    nan_ret[[0, 10, 500, 999]] = np.nan
    w.dataset("nan_returns", "1000 MSFT returns with NaN at 0, 10, 500, 999", "MIT", {"returns": nan_ret})
    w.dataset("one_return", "a single return", "generated", {"returns": np.array([0.01])})
    w.dataset("const_returns", "constant returns 0.25 (zero dispersion)", "generated", {"returns": np.full(50, 0.25)})
    w.dataset("empty_returns", "no returns", "generated", {"returns": np.zeros(0)})
    emp = f"empyrical-reloaded {version('empyrical-reloaded')} sharpe_ratio"
    sharpe_sets = [
        ("sp500_index_returns", {"risk_free": 0.0, "period": "daily", "annualization": None}, "default"),
        ("sp500_index_returns", {"risk_free": 0.0001, "period": "weekly", "annualization": None}, "rf_weekly"),
        ("sp500_index_returns", {"risk_free": 0.0, "period": "daily", "annualization": 365.0}, "ann365"),
        ("msft_returns", {"risk_free": 0.0, "period": "daily", "annualization": None}, "default"),
        ("nan_returns", {"risk_free": 0.0, "period": "monthly", "annualization": None}, "default"),
        ("one_return", {"risk_free": 0.0, "period": "daily", "annualization": None}, "default"),
        ("const_returns", {"risk_free": 0.0, "period": "daily", "annualization": None}, "default"),
        ("empty_returns", {"risk_free": 0.0, "period": "daily", "annualization": None}, "default"),
    ]
    for ds, params, tag in sharpe_sets:
        r = np.fromfile(GOLDEN / w.datasets[ds]["columns"]["returns"]["file"], dtype="<f8")
        val = empyrical.sharpe_ratio(r, **params)
        w.case(id=f"sharpe_ratio/{ds}/{tag}", module="risk", function="sharpe_ratio", reference=emp,
               inputs=[("returns", ds, "returns")], params=params, outputs=[("sharpe_ratio", np.array([val]))],
               tolerance={"rel": 1e-12, "abs_scale": 0.0})

    risk_cases(w, empyrical, pd)

    # ---------------------------------------------------------------- covariance (alloc)
    prices = load_sp500_dataset()
    rets = prices.pct_change().dropna()
    for tag, cols in (("sp500_20", list(prices.columns)), ("sp500_5", list(prices.columns[:5]))):
        X = rets[cols]
        cov = np.cov(X.to_numpy(float), rowvar=False, ddof=1)
        w.dataset(f"cov_{tag}", f"np.cov(ddof=1) of skfolio load_sp500_dataset() daily returns, {len(cols)} stocks",
                  "BSD-3", {"cov": cov})
        weights = InverseVolatility().fit(X).weights_
        w.case(id=f"inverse_volatility/cov_{tag}/default", module="alloc", function="inverse_volatility",
               reference=f"skfolio {version('skfolio')} InverseVolatility().fit(returns).weights_",
               inputs=[("cov", f"cov_{tag}", "cov")], params={}, outputs=[("weights", weights)],
               tolerance={"rel": 1e-12, "abs_scale": 0.0})

    alloc_cases(w, rets[list(prices.columns)])
    constraint_cases(w, rets[list(prices.columns)])
    herc_cases(w, rets[list(prices.columns)])
    estimator_cases(w, rets[list(prices.columns)])

    # every indicator on at least three real OHLCV datasets: where a function has fewer, the
    # parameter sets of its first real dataset also run on the S&P 500 and NASDAQ tails
    real = ("msft", "sp500", "nasdaq", "sp500_tail", "nasdaq_tail")
    ta_cases = [c for c in w.cases if c["module"] == "ta"]
    for fn_name in dict.fromkeys(c["function"] for c in ta_cases):
        mine = [c for c in ta_cases if c["function"] == fn_name and c["inputs"][0]["dataset"] in real]
        have = {c["inputs"][0]["dataset"] for c in mine}
        if len(have) >= 3 or not mine:
            continue
        first = mine[0]["inputs"][0]["dataset"]
        for c in (c for c in mine if c["inputs"][0]["dataset"] == first):
            for ds in ("sp500_tail", "nasdaq_tail"):
                if ds not in have:
                    ta_case(fn_name, ds, [i["column"] for i in c["inputs"]], c["params"],
                            [o["name"] for o in c["outputs"]], c["id"].split("/")[-1])

    beyond_talib_cases(w, talib)

    # TA-Lib's unstable periods (set_unstable_period("ALL", n) for one call): every function
    # with an EMA/RSI/ATR/ADX/... stage, each moving-average type for those with a matype
    unstable_fns = ("ADX ADXR APO CMO DX ERI KDJ MACD MACDFIX MINUS_DI MINUS_DM PLUS_DI PLUS_DM PPO RSI SMI "
                    "STOCHRSI TRIX TSI DEMA EMA KAMA KC RMA SUPERTREND T3 TEMA ZLEMA HA ATR CVI MASSI NATR RVI "
                    "ADOSC EFI PVO MA BBANDS MACDEXT STOCH STOCHF MAVP MAMA HT_DCPERIOD HT_PHASOR HT_DCPHASE HT_SINE HT_TRENDLINE "
                    "HT_TRENDMODE").split()
    ta_cases = [c for c in w.cases if c["module"] == "ta"]
    for fn_name in unstable_fns:
        base = next(c for c in ta_cases if c["function"] == fn_name
                    and c["inputs"][0]["dataset"] in ("sp500_tail", "sp500", "msft"))
        cols = [i["column"] for i in base["inputs"]]
        outs = [o["name"] for o in base["outputs"]]
        matypes = [k for k in base["params"] if "matype" in k]
        variants = [{}] + ([{k: mt for k in matypes} for mt in (1, 3, 4, 6, 7, 8, 12, 13)] if matypes else [])
        for k, v in enumerate(variants):
            for u in (1, 5):
                ta_case(fn_name, "sp500_tail", cols, {**base["params"], **v, "unstable_period": u}, outs,
                        f"unstable{u}" + (f"_mt{k}" if k else ""))
    # nan_policy="talib" on the series with interior gaps, for every function that has the option
    pointwise = set(transforms) | set(operators) | {"AVGPRICE", "MEDPRICE", "TYPPRICE", "WCLPRICE", "BOP", "MARKETFI"}
    for fn_name in dict.fromkeys(c["function"] for c in ta_cases):
        if fn_name in pointwise or not hasattr(talib, fn_name):
            continue  # (the indicators beyond TA-Lib: their NaN runs are covered by the gaps cases)
        base = next((c for c in ta_cases if c["function"] == fn_name and c["inputs"][0]["dataset"] == "gaps"), None)
        if base is None:
            continue
        ta_case(fn_name, "gaps", [i["column"] for i in base["inputs"]], {**base["params"], "nan_policy": "talib"},
                [o["name"] for o in base["outputs"]], base["id"].split("/")[-1] + "_talibnan")

    w.finish({
        "ta-lib": version("ta-lib"), "ta-lib C": talib.__ta_version__.decode().split()[0],
        "empyrical-reloaded": version("empyrical-reloaded"), "skfolio": version("skfolio"),
        "numpy": np.__version__, "pandas": pd.__version__, "arch": version("arch"),
        "pmdarima": version("pmdarima"), "cvxpy": version("cvxpy"), "clarabel": version("clarabel"),
        "PyPortfolioOpt": version("PyPortfolioOpt"), "scipy": version("scipy"),
    })
    print(f"wrote {len(w.cases)} cases, {len(w.files)} files to {GOLDEN}")
    return 0


def clean_runs(arrays: list[np.ndarray]) -> list[tuple[int, int]]:
    """The maximal runs [i, j) where every input is a number (Sextant's NaN policy)."""
    n = len(arrays[0])
    bad = np.zeros(n, dtype=bool)
    for a in arrays:
        bad |= np.isnan(a)
    runs, i = [], 0
    while i < n:
        if bad[i]:
            i += 1
            continue
        j = i
        while j < n and not bad[j]:
            j += 1
        runs.append((i, j))
        i = j
    return runs


def connors_rsi(talib, close: np.ndarray, rsiperiod: int, streakperiod: int, rankperiod: int) -> np.ndarray:
    """Connors RSI as Connors and Alvarez define it, in numpy around talib.RSI: the streak is
    the signed count of consecutive up/down closes (0 on no change), the rank the percentage of
    the previous `rankperiod` one-bar returns below today's."""
    n = len(close)
    streak = np.zeros(n)
    for t in range(1, n):
        if close[t] > close[t - 1]:
            streak[t] = max(streak[t - 1], 0.0) + 1.0
        elif close[t] < close[t - 1]:
            streak[t] = min(streak[t - 1], 0.0) - 1.0
    ret = np.full(n, np.nan)
    if n > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            ret[1:] = np.where(close[:-1] == 0.0, 0.0, close[1:] / close[:-1] - 1.0)
    rank = np.full(n, np.nan)
    for t in range(rankperiod + 1, n):
        rank[t] = 100.0 * np.sum(ret[t - rankperiod:t] < ret[t]) / rankperiod
    if n <= max(rsiperiod, streakperiod):
        return np.full(n, np.nan)
    return (talib.RSI(close, rsiperiod) + talib.RSI(streak, streakperiod) + rank) / 3.0


def alma_formula(x: np.ndarray, timeperiod: int, sigma: float, offset: float) -> np.ndarray:
    """ALMA from the published formula (Legoux): Gaussian weights centred at offset (p - 1),
    width p / sigma, no rounding of the centre; dot products summed with math.fsum."""
    import math
    m = offset * (timeperiod - 1)
    s = timeperiod / sigma
    wts = np.exp(-((np.arange(timeperiod) - m) ** 2) / (2 * s * s))
    wts /= wts.sum()
    out = np.full(len(x), np.nan)
    for t in range(timeperiod - 1, len(x)):
        out[t] = math.fsum(wts * x[t - timeperiod + 1:t + 1])
    return out


def beyond_talib_cases(w: Writer, talib) -> None:
    """Indicators TA-Lib does not have, against pandas-ta (run in its own Python 3.12 venv by
    scripts/golden/pandas_ta_ref.py) or against the published definition in numpy. The
    reference is applied to each NaN-free run (Sextant's NaN policy); where the reference emits
    values before Sextant's declared warm-up (one warm-up shared by all outputs, or a value
    pandas-ta computes from an undefined first change), those values are blanked and the case
    says so."""
    import os
    import subprocess
    import tempfile
    pta_python = os.environ.get("SEXTANT_PTA_PYTHON", str(Path.home() / ".cache/sextant/pta/bin/python"))
    pta_version = subprocess.run([pta_python, "-c", "import pandas_ta; print(pandas_ta.version)"],
                                 check=True, capture_output=True, text=True).stdout.strip()
    C, HL, HLC, HLCV = ["close"], ["high", "low"], ["high", "low", "close"], ["high", "low", "close", "volume"]
    R = ["real"]
    # name -> (data columns, Sextant input names, parameter sets (first = defaults), outputs,
    #          warm-up(params), reference ("pta" or a callable on the arrays), datasets skipped: reason)
    kst_lb = lambda p: max(p[f"roc{k}"] + p[f"sma{k}"] - 1 for k in range(1, 5)) + p["signalperiod"] - 1
    kst_d = dict(roc1=10, roc2=15, roc3=20, roc4=30, sma1=10, sma2=10, sma3=10, sma4=15, signalperiod=9)
    flat = {"const": "a flat window: Sextant's value is stated (0 or unchanged), the reference's is 0/0"}
    specs = {
        "ALMA": (C, R, [dict(timeperiod=9, sigma=6.0, offset=0.85, floor=0), dict(timeperiod=9, sigma=6.0, offset=0.85, floor=1),
                        dict(timeperiod=20, sigma=3.0, offset=0.5, floor=1), dict(timeperiod=20, sigma=3.0, offset=0.5, floor=0)],
                 ["real"], lambda p: p["timeperiod"] - 1, "alma", {}),
        "SINWMA": (C, R, [dict(timeperiod=14), dict(timeperiod=3)], ["real"], lambda p: p["timeperiod"] - 1, "pta", {}),
        "PWMA": (C, R, [dict(timeperiod=10), dict(timeperiod=4)], ["real"], lambda p: p["timeperiod"] - 1, "pta", {}),
        "FWMA": (C, R, [dict(timeperiod=10), dict(timeperiod=5)], ["real"], lambda p: p["timeperiod"] - 1, "pta", {}),
        "SWMA": (C, R, [dict(timeperiod=10), dict(timeperiod=7)], ["real"], lambda p: p["timeperiod"] - 1, "pta", {}),
        "VIDYA": (C, R, [dict(timeperiod=14), dict(timeperiod=5)], ["real"], lambda p: p["timeperiod"], "pta",
                  {"msft": "a window without moves: pandas-ta's CMO is 0/0 and its VIDYA NaN from there to the end; "
                           "Sextant holds the average", "steps": "flat windows, as msft"}),
        "MCGD": (C, R, [dict(timeperiod=10, c=1.0), dict(timeperiod=5, c=0.6)], ["real"], lambda p: 1, "pta",
                 {"steps": "zero prices: pandas-ta divides by 0, Sextant restarts from the price"}),
        "ALLIGATOR": (C, R, [dict(jawperiod=13, teethperiod=8, lipsperiod=5), dict(jawperiod=5, teethperiod=8, lipsperiod=3)],
                      ["jaw", "teeth", "lips"], lambda p: max(p["jawperiod"], p["teethperiod"], p["lipsperiod"]) - 1, "pta", {}),
        "ICHIMOKU": (HL, HL, [dict(tenkanperiod=9, kijunperiod=26, senkouperiod=52), dict(tenkanperiod=5, kijunperiod=10, senkouperiod=20)],
                     ["tenkan", "kijun", "senkou_a", "senkou_b"],
                     lambda p: max(p["tenkanperiod"], p["kijunperiod"], p["senkouperiod"]) - 1, "pta", {}),
        "FISHER": (HL, HL, [dict(timeperiod=9, signalperiod=1), dict(timeperiod=5, signalperiod=3)], ["fisher", "signal"],
                   lambda p: p["timeperiod"] - 1 + p["signalperiod"], "pta",
                   {"tiny": "the 0.001 floor of the range (pandas-ta, TradingView) is in price units"}),
        "KST": (C, R, [kst_d, dict(roc1=3, roc2=4, roc3=5, roc4=6, sma1=2, sma2=3, sma3=3, sma4=4, signalperiod=3)],
                ["kst", "signal"], kst_lb, "pta",
                {"steps": "zero prices: ROC divides by 0 (TA-Lib's ROC gives 0, pandas-ta's inf)"}),
        "CRSI": (C, R, [dict(rsiperiod=3, streakperiod=2, rankperiod=100), dict(rsiperiod=5, streakperiod=3, rankperiod=20)],
                 ["real"], lambda p: max(p["rsiperiod"], p["streakperiod"], p["rankperiod"] + 1), "crsi", {}),
        "BIAS": (C, R, [dict(timeperiod=26), dict(timeperiod=5)], ["real"], lambda p: p["timeperiod"] - 1, "pta",
                 {"steps": "a zero average: Sextant gives NaN, pandas-ta inf"}),
        "PSL": (C, R, [dict(timeperiod=12), dict(timeperiod=3)], ["real"], lambda p: p["timeperiod"], "pta", {}),
        "PGO": (HLC, HLC, [dict(timeperiod=14), dict(timeperiod=5)], ["real"], lambda p: 2 * p["timeperiod"] - 1, "pta", flat),
        "CTI": (C, R, [dict(timeperiod=12), dict(timeperiod=30)], ["real"], lambda p: p["timeperiod"] - 1, "pta",
                {"msft": "flat windows: pandas-ta's raw-sum r is 0 or 0/0 (NaN) depending on rounding, Sextant's 0"}),
        "UI": (C, R, [dict(timeperiod=14), dict(timeperiod=3)], ["real"], lambda p: 2 * p["timeperiod"] - 2, "pta",
               {"steps": "zero prices: the drawdown from a highest close of 0 (Sextant 0, pandas-ta 0/0)"}),
        "CHOP": (HLC, HLC, [dict(timeperiod=14), dict(timeperiod=5)], ["real"], lambda p: p["timeperiod"], "pta",
                 {**flat, "steps": "a window without range: Sextant NaN, pandas-ta +-inf"}),
        "RWI": (HLC, HLC, [dict(timeperiod=14), dict(timeperiod=5)], ["rwihigh", "rwilow"], lambda p: p["timeperiod"], "pta",
                {**flat, "steps": "an ATR of 0: Sextant 0, pandas-ta x/0"}),
        "KVO": (HLCV, HLCV, [dict(fastperiod=34, slowperiod=55, signalperiod=13), dict(fastperiod=5, slowperiod=10, signalperiod=3)],
                ["kvo", "signal"], lambda p: max(p["fastperiod"], p["slowperiod"]) + p["signalperiod"] - 1, "pta", {}),
        "EOM": (HLCV, HLCV, [dict(timeperiod=14, divisor=100_000_000.0), dict(timeperiod=5, divisor=10_000.0)], ["real"],
                lambda p: p["timeperiod"], "pta",
                {"const": "no range: Sextant 0, pandas-ta adds machine epsilon to the range",
                 "steps": "bars without range or volume: Sextant 0, pandas-ta epsilon or x/0",
                 "msft": "a zero-volume bar (6080): pandas-ta +-inf, Sextant counts the bar as 0 (msft_head, the "
                         "bars before it, is the third real dataset)",
                 "nasdaq": "zero-volume bars, as msft", "nasdaq_tail": "zero-volume bars, as msft"}),
    }
    datasets = ["msft", "sp500", "nasdaq", "sp500_tail", "nasdaq_tail", "walk60k", "const", "short", "leadnan", "empty",
                "gaps", "steps", "tiny", "msft_head"]
    w.dataset("msft_head", "pmdarima.datasets.load_msft(), the 6000 bars before its zero-volume bar", "MIT",
              {c: np.fromfile(GOLDEN / w.datasets["msft"]["columns"][c]["file"], dtype="<f8")[:6000]
               for c in ("open", "high", "low", "close", "volume")})
    tmp = Path(tempfile.mkdtemp(prefix="sextant_pta_"))
    jobs, pending = [], []
    for fn_name, (cols, names, sets, outs, lookback, ref, skip) in specs.items():
        for ds in datasets:
            if ds in skip or (ds == "msft_head" and fn_name != "EOM"):
                continue
            sets_here = sets if ds in ("walk60k", "gaps", "sp500") else sets[:1]
            arrays = [np.fromfile(GOLDEN / w.datasets[ds]["columns"][c]["file"], dtype="<f8") for c in cols]
            for k, params in enumerate(sets_here):
                runs = []
                for (i, j) in clean_runs(arrays):
                    seg = [a[i:j] for a in arrays]
                    if ref == "pta":
                        prefix = tmp / f"job{len(jobs)}"
                        inputs = {}
                        for name, a in zip(names, seg):
                            f = prefix.with_name(f"{prefix.name}_{name}.in")
                            a.astype("<f8").tofile(f)
                            inputs[name] = str(f)
                        jobs.append({"fn": fn_name, "params": params, "inputs": inputs, "out": str(prefix)})
                        runs.append((i, j, str(prefix)))
                    elif ref == "crsi":
                        runs.append((i, j, [connors_rsi(talib, seg[0], **params)]))
                    else:
                        p = {k_: v for k_, v in params.items() if k_ != "floor"}
                        if params["floor"] == 1:
                            prefix = tmp / f"job{len(jobs)}"
                            f = prefix.with_name(f"{prefix.name}_real.in")
                            seg[0].astype("<f8").tofile(f)
                            jobs.append({"fn": fn_name, "params": params, "inputs": {"real": str(f)}, "out": str(prefix)})
                            runs.append((i, j, str(prefix)))
                        else:
                            runs.append((i, j, [alma_formula(seg[0], **p)]))
                tag = "default" if k == 0 else f"p{k}"
                pending.append((fn_name, ds, tag, params, names, cols, outs, lookback(params), ref, runs))
                if ds == "gaps" and k == 0:
                    # nan_policy="talib": leading NaNs skipped, the function applied up to the first
                    # interior NaN (the first clean run), NaN after it
                    pending.append((fn_name, ds, tag + "_talibnan", {**params, "nan_policy": "talib"}, names, cols,
                                    outs, lookback(params), ref, runs[:1]))
    subprocess.run([pta_python, str(Path(__file__).with_name("pandas_ta_ref.py"))], input=json.dumps(jobs),
                   text=True, check=True)
    for fn_name, ds, tag, params, names, cols, outs, lb, ref, runs in pending:
        n = w.datasets[ds]["columns"][cols[0]]["shape"][0]
        res = [np.full(n, np.nan) for _ in outs]
        blanked = 0
        for i, j, src in runs:
            for o, r in enumerate(res):
                if isinstance(src, str):
                    f = Path(f"{src}_{o}.f64")
                    seg = np.fromfile(f, dtype="<f8") if f.exists() else np.full(j - i, np.nan)
                else:
                    seg = np.asarray(src[o], dtype=np.float64)
                if seg.size == 0 and j > i:
                    seg = np.full(j - i, np.nan)  # pandas-ta returns None on a series shorter than it needs
                seg = seg.copy()
                early = np.isfinite(seg[:lb])
                blanked += int(early.sum())
                seg[:lb] = np.nan
                r[i:j] = seg
        if ref == "pta" or (ref == "alma" and params.get("floor") == 1):
            reference = f"pandas-ta {pta_version} {fn_name.lower()} (scripts/golden/pandas_ta_ref.py states the mapping)"
        elif ref == "crsi":
            reference = f"Connors-Alvarez definition in numpy with talib {version('ta-lib')} RSI (generate.py connors_rsi)"
        else:
            reference = "published ALMA formula in numpy with math.fsum (generate.py alma_formula)"
        if params.get("nan_policy") == "talib":
            reference += " on the series up to its first interior NaN, NaN after it (nan_policy='talib')"
        elif len(runs) > 1 or (runs and (runs[0][0] > 0 or runs[0][1] < n)):
            reference += ", applied to each NaN-free run (Sextant NaN policy)"
        if blanked:
            reference += f"; {blanked} reference values before Sextant's {lb}-bar warm-up blanked"
        w.case(id=f"{fn_name}/{ds}/{tag}", module="ta", function=fn_name,
               reference=reference, inputs=[(nm, ds, c) for nm, c in zip(names, cols)], params=params,
               outputs=list(zip(outs, res)), tolerance=TOL_DEFAULT)
    print(f"beyond TA-Lib: {len(pending)} cases ({len(jobs)} pandas-ta jobs)")


def alloc_cases(w: Writer, rets) -> None:
    """Portfolio optimisers on skfolio's 20-stock S&P 500 dataset (daily simple returns, sample
    covariance ddof=1, mean returns, long-only, fully invested). Convex problems are solved by
    cvxpy + CLARABEL at 1e-12 tolerances; ERC is refined by Newton's method on Spinu's convex
    program; HRP is the exact recursion on scipy's linkage / optimal_leaf_ordering. Each case
    names the independent library that agrees (asserted here, with the observed difference)."""
    import cvxpy as cp
    import scipy.cluster.hierarchy as sch
    from scipy.spatial.distance import squareform
    from skfolio.optimization import HierarchicalRiskParity, MeanRisk, ObjectiveFunction, RiskBudgeting
    from skfolio.cluster import HierarchicalClustering, LinkageMethod
    from skfolio.seriation import HierarchicalSeriation
    from pypfopt import EfficientFrontier, HRPOpt

    X = rets.to_numpy(float)
    n = X.shape[1]
    cov = np.cov(X, rowvar=False, ddof=1)
    mu = X.mean(axis=0)
    budgets = np.linspace(1.0, 3.0, n)
    ds = "alloc_sp500_20"
    w.dataset(ds, "skfolio load_sp500_dataset() 20 stocks: daily simple returns (t x n), their means, and "
              "budgets linspace(1, 3, 20)", "BSD-3", {"returns": X, "mu": mu, "budgets": budgets})
    tight = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, tol_ktratio=1e-10, max_iter=500)

    def case(fn: str, tag: str, ins: list, params: dict, ref: np.ndarray, reference: str, abs_tol: float) -> None:
        m_in = max(float(np.abs(a).max()) for a in [{"returns": X, "mu": mu, "budgets": budgets, "cov": cov}[c]
                                                      for _, _, c in ins])
        scale = max(m_in, float(np.abs(ref).max()))
        w.case(id=f"{fn}/sp500_20/{tag}", module="alloc", function=fn, reference=reference, inputs=ins,
               params=params, outputs=[("weights", ref)], tolerance={"rel": 0.0, "abs_scale": abs_tol / scale})

    def agree(name: str, a: np.ndarray, b: np.ndarray, tol: float) -> str:
        d = float(np.abs(np.asarray(a) - np.asarray(b)).max())
        assert d <= tol, f"{name}: reference and {name} differ by {d}"
        return f"{name} agrees within {d:.1e}"

    covin = [("cov", "cov_sp500_20", "cov")]
    # minimum variance
    for tag, lo, hi in (("default", 0.0, 1.0), ("upper10", 0.0, 0.1)):
        x = cp.Variable(n)
        cp.Problem(cp.Minimize(cp.quad_form(x, cp.psd_wrap(cov))),
                   [cp.sum(x) == 1, x >= lo, x <= hi]).solve(solver=cp.CLARABEL, **tight)
        ref = np.clip(x.value, lo, hi)
        ref /= ref.sum()
        sk = MeanRisk(objective_function=ObjectiveFunction.MINIMIZE_RISK, min_weights=lo, max_weights=hi,
                      solver="CLARABEL", solver_params=tight).fit(rets).weights_
        case("min_variance", tag, covin, {} if tag == "default" else {"lower": lo, "upper": hi}, ref,
             f"cvxpy {version('cvxpy')} + CLARABEL (1e-12): min w'Sw, sum w = 1, {lo} <= w <= {hi}; "
             + agree("skfolio MeanRisk(MINIMIZE_RISK)", sk, ref, 1e-5), 1e-6)
    # maximum Sharpe (rf = 0), Cornuejols-Tutuncu homogenisation
    for tag, lo, hi in (("default", 0.0, 1.0), ("upper20", 0.0, 0.2)):
        y = cp.Variable(n)
        k = cp.Variable()
        cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(cov))),
                   [mu @ y == 1, cp.sum(y) == k, y >= lo * k, y <= hi * k, k >= 0]).solve(solver=cp.CLARABEL, **tight)
        ref = np.clip(y.value / k.value, lo, hi)
        ref /= ref.sum()
        ef = EfficientFrontier(mu, cov, weight_bounds=(lo, hi))
        ef.max_sharpe(risk_free_rate=0.0)
        pp = np.array(list(ef.clean_weights(rounding=None).values()))
        case("max_sharpe", tag, [("mu", ds, "mu")] + covin, {} if tag == "default" else {"lower": lo, "upper": hi},
             ref, f"cvxpy {version('cvxpy')} + CLARABEL (1e-12), Cornuejols-Tutuncu homogenisation, rf = 0, "
             f"{lo} <= w <= {hi}; " + agree("PyPortfolioOpt EfficientFrontier.max_sharpe", pp, ref, 1e-5), 1e-6)

    # mean-variance: target return, target volatility, risk aversion (PyPortfolioOpt's names)
    x = cp.Variable(n)
    cp.Problem(cp.Minimize(cp.quad_form(x, cp.psd_wrap(cov))), [cp.sum(x) == 1, x >= 0]).solve(solver=cp.CLARABEL,
                                                                                             **tight)
    r_mv, v_mv = float(mu @ x.value), float(np.sqrt(x.value @ cov @ x.value))
    target_return = float(np.round(r_mv + 0.5 * (mu.max() - r_mv), 6))
    target_vol = float(np.round(1.25 * v_mv, 6))
    delta = 10.0
    specs = (
        ("efficient_return", {"target_return": target_return},
         lambda x: (cp.quad_form(x, cp.psd_wrap(cov)), [mu @ x >= target_return]),
         lambda ef: ef.efficient_return(target_return)),
        ("efficient_risk", {"target_volatility": target_vol},
         lambda x: (-mu @ x, [cp.quad_form(x, cp.psd_wrap(cov)) <= target_vol ** 2]),
         lambda ef: ef.efficient_risk(target_vol)),
        ("max_quadratic_utility", {"risk_aversion": delta},
         lambda x: (0.5 * delta * cp.quad_form(x, cp.psd_wrap(cov)) - mu @ x, []),
         lambda ef: ef.max_quadratic_utility(risk_aversion=delta)),
    )
    # PyPortfolioOpt solves at its solver's default accuracy; on the volatility cone the weights
    # move with the square root of the duality gap, hence its looser agreement there
    for fn, params, problem, pyp in specs:
        x = cp.Variable(n)
        obj, cons = problem(x)
        cp.Problem(cp.Minimize(obj), cons + [cp.sum(x) == 1, x >= 0, x <= 1]).solve(solver=cp.CLARABEL, **tight)
        ref = np.clip(x.value, 0.0, 1.0)
        ref /= ref.sum()
        ef = EfficientFrontier(mu, cov, weight_bounds=(0, 1))
        pyp(ef)
        pp = np.array(list(ef.clean_weights(rounding=None).values()))
        case(fn, "default", [("mu", ds, "mu")] + covin, params, ref,
             f"cvxpy {version('cvxpy')} + CLARABEL (1e-12), long-only, fully invested; "
             + agree(f"PyPortfolioOpt EfficientFrontier.{fn}", pp, ref, 1e-3 if fn == "efficient_risk" else 1e-5),
             1e-5 if fn == "efficient_risk" else 1e-6)
    # efficient frontier: the minimum-variance portfolio, then min w'Sw s.t. mu'w >= t at targets
    # linspace(r_minvar, r_max, points), r_max the largest return within the bounds (an LP)
    for tag, lo, hi, pts in (("default", 0.0, 1.0, 8), ("upper20", 0.0, 0.2, 5)):
        def solve(target):
            x = cp.Variable(n)
            cons = [cp.sum(x) == 1, x >= lo, x <= hi] + ([] if target is None else [mu @ x >= target])
            # the covariance scaled to unit mean variance (weights are invariant): unscaled, the
            # objective (~1e-4) sits near the absolute gap tolerance and a zero weight comes out 1e-6
            sc = cov / np.diag(cov).mean()
            cp.Problem(cp.Minimize(cp.quad_form(x, cp.psd_wrap(sc))), cons).solve(solver=cp.CLARABEL, **tight)
            return np.clip(x.value, lo, hi) / np.clip(x.value, lo, hi).sum()
        x = cp.Variable(n)
        cp.Problem(cp.Maximize(mu @ x / np.abs(mu).max()), [cp.sum(x) == 1, x >= lo, x <= hi]).solve(
            solver=cp.CLARABEL, **tight)
        r_max = float(mu @ x.value)
        rows = [solve(None)]
        targets = np.linspace(float(mu @ rows[0]), r_max, pts)
        rows += [solve(t) for t in targets[1:]]
        ref = np.array(rows)
        rets_ref = ref @ mu
        risks_ref = np.sqrt(np.einsum("ki,ij,kj->k", ref, cov, ref))
        # PyPortfolioOpt at the interior targets (its own solver accuracy)
        pp = []
        for t in targets[1:-1]:
            ef = EfficientFrontier(mu, cov, weight_bounds=(lo, hi))
            ef.efficient_return(float(t))
            pp.append(np.array(list(ef.clean_weights(rounding=None).values())))
        params = {"points": pts} if tag == "default" else {"points": pts, "lower": lo, "upper": hi}
        scale = max(float(np.abs(cov).max()), float(np.abs(mu).max()), float(np.abs(ref).max()))
        w.case(id=f"efficient_frontier/sp500_20/{tag}", module="alloc", function="efficient_frontier",
               reference=f"cvxpy {version('cvxpy')} + CLARABEL (1e-12, covariance scaled to unit mean variance): the min-variance portfolio, then "
               f"min w'Sw s.t. mu'w >= t, sum w = 1, {lo} <= w <= {hi}, t = linspace(r_minvar, r_max, {pts}); "
               + agree("PyPortfolioOpt EfficientFrontier.efficient_return's volatility (interior points)",
                       np.sqrt(np.einsum("ki,ij,kj->k", np.array(pp), cov, np.array(pp))), risks_ref[1:-1], 1e-6)
               + " and its weights " + agree("within 5e-3 (its default solver stops early where the frontier "
                                             "is flat):", np.array(pp), ref[1:-1], 5e-3).split(" agrees ")[1],
               inputs=[("mu", ds, "mu"), ("cov", "cov_sp500_20", "cov")], params=params,
               outputs=[("weights", ref), ("returns", rets_ref), ("risks", risks_ref)],
               tolerance={"rel": 0.0, "abs_scale": 1e-6 / scale})
    case("equal_weight", "default", [("returns", ds, "returns")], {}, np.full(n, 1.0 / n),
         f"skfolio {version('skfolio')} EqualWeighted (1/n)", 1e-15)

    # equal risk contribution / risk budgets: Spinu's program by CLARABEL, then Newton to 1e-15
    def budget_ref(b: np.ndarray) -> np.ndarray:
        b = b / b.sum()
        s = cov / np.mean(np.diag(cov))
        y = cp.Variable(n)
        cp.Problem(cp.Minimize(0.5 * cp.quad_form(y, cp.psd_wrap(s)) - b @ cp.log(y))).solve(solver=cp.CLARABEL,
                                                                                              **tight)
        yv = np.asarray(y.value)
        for _ in range(20):
            g = s @ yv - b / yv
            h = s + np.diag(b / yv ** 2)
            yv = yv - np.linalg.solve(h, g)
        rc = yv * (s @ yv)
        assert np.abs(rc / b - 1).max() < 1e-12
        return yv / yv.sum()

    ref = budget_ref(np.ones(n))
    sk = RiskBudgeting(solver="CLARABEL", solver_params=tight).fit(rets).weights_
    case("risk_parity", "default", covin, {}, ref,
         f"cvxpy {version('cvxpy')} + CLARABEL on min 1/2 y'Sy - sum b ln y, refined by Newton (risk "
         "contributions equal to 1e-12); " + agree("skfolio RiskBudgeting", sk, ref, 1e-5), 1e-6)
    ref = budget_ref(budgets)
    sk = RiskBudgeting(risk_budget=budgets, solver="CLARABEL", solver_params=tight).fit(rets).weights_
    case("risk_budgeting", "linspace", covin + [("budgets", ds, "budgets")], {}, ref,
         f"cvxpy {version('cvxpy')} + CLARABEL on min 1/2 y'Sy - sum b ln y, refined by Newton; "
         + agree("skfolio RiskBudgeting(risk_budget)", sk, ref, 1e-5), 1e-6)

    # HRP: the exact recursion on scipy's clustering
    corr = np.corrcoef(X.T)
    dist = np.sqrt(np.clip(0.5 * (1.0 - corr), 0.0, 1.0))
    cond = squareform(dist, checks=False)

    def hrp_ref(link: str, optimal: bool) -> np.ndarray:
        z = sch.linkage(cond, method=link)
        if optimal:
            z = sch.optimal_leaf_ordering(z, cond)
        order = sch.leaves_list(z)
        wts = np.ones(n)
        items = [order]

        def cvar(ids):
            iv = 1.0 / np.diag(cov)[ids]
            iv /= iv.sum()
            return iv @ cov[np.ix_(ids, ids)] @ iv
        while items:
            nxt = []
            for it in items:
                if len(it) < 2:
                    continue
                l, r = it[: len(it) // 2], it[len(it) // 2:]
                vl, vr = cvar(l), cvar(r)
                a = 1 - vl / (vl + vr)
                wts[l] *= a
                wts[r] *= 1 - a
                nxt += [l, r]
            items = nxt
        return wts

    for link in ("single", "complete", "average", "ward"):
        ref = hrp_ref(link, True)
        sk = HierarchicalRiskParity(seriation_estimator=HierarchicalSeriation(
            hierarchical_clustering_estimator=HierarchicalClustering(linkage_method=LinkageMethod(link)),
            optimal_ordering=True)).fit(rets).weights_
        case("hrp", f"{link}_optimal", [("returns", ds, "returns")], {"linkage": link, "leaf_order": "optimal"}, ref,
             f"scipy {version('scipy')} linkage({link}) + optimal_leaf_ordering, exact recursive bisection; "
             + agree(f"skfolio {version('skfolio')} HierarchicalRiskParity(HierarchicalSeriation(optimal_ordering"
                     "=True))", sk, ref, 1e-9), 1e-9)
        ref = hrp_ref(link, False)
        pp = HRPOpt(rets).optimize(link)
        pp = np.array([pp[c] for c in rets.columns])
        case("hrp", f"{link}_none", [("returns", ds, "returns")], {"linkage": link, "leaf_order": "none"}, ref,
             f"scipy {version('scipy')} linkage({link}), plain dendrogram order, exact recursive bisection; "
             + agree(f"PyPortfolioOpt {version('PyPortfolioOpt')} HRPOpt.optimize", pp, ref, 1e-9), 1e-9)


# sectors of skfolio's 20 S&P 500 stocks (GICS), for the group-cap cases
SP500_20_SECTORS = {
    "AAPL": "tech", "AMD": "tech", "MSFT": "tech", "BAC": "financials", "JPM": "financials",
    "BBY": "discretionary", "HD": "discretionary", "CVX": "energy", "RRC": "energy", "XOM": "energy",
    "GE": "industrials", "JNJ": "health", "LLY": "health", "MRK": "health", "PFE": "health", "UNH": "health",
    "KO": "staples", "PEP": "staples", "PG": "staples", "WMT": "staples",
}


def constraint_cases(w: Writer, rets) -> None:
    """The optimisers under per-asset bounds, sector caps and a maximum L1 turnover from current
    weights (the `constraints` JSON parameter), on the same 20 stocks as `alloc_cases`. The
    primary reference is cvxpy + CLARABEL at 1e-12 tolerances with the turnover as
    `norm1(w - current) <= T` (cvxpy adds the auxiliary variables); PyPortfolioOpt
    (`weight_bounds` per asset, `add_sector_constraints`, `add_constraint` with the same L1 norm)
    is the independent check at its solver's default accuracy. max_sharpe is the
    Cornuejols-Tutuncu homogenisation with every constraint scaled by k (PyPortfolioOpt's
    max_sharpe scales its sector constraints but not custom ones, so it checks the
    bounds-and-sectors case only)."""
    import cvxpy as cp
    from pypfopt import EfficientFrontier

    X = rets.to_numpy(float)
    n = X.shape[1]
    cov = np.cov(X, rowvar=False, ddof=1)
    mu = X.mean(axis=0)
    cols = list(rets.columns)
    labels = [SP500_20_SECTORS[c] for c in cols]
    caps = {"tech": [0.1, 0.3], "health": [0.0, 0.25], "staples": [0.15, 0.35], "energy": [0.05, 0.2]}
    lower = np.where(np.arange(n) % 5 == 0, 0.02, 0.0)
    upper = np.round(np.linspace(0.08, 0.3, n), 6)
    current = np.full(n, 1.0 / n)
    tight = dict(tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12, tol_ktratio=1e-10, max_iter=500)
    pp = f"PyPortfolioOpt {version('PyPortfolioOpt')}"
    # scaled to unit mean variance (weights are invariant), so that the absolute 1e-12 gap is tight
    c0 = float(np.mean(np.diag(cov)))
    S = cp.psd_wrap(cov / c0)

    sets = {
        "bounds": {"bounds": np.column_stack([lower, upper]).tolist()},
        "groups": {"upper": 0.15, "groups": {"labels": labels, "caps": caps}},
        "turnover": {"current": current.tolist(), "max_turnover": 0.4},
        "all": {"lower": lower.tolist(), "upper": upper.tolist(), "groups": {"labels": labels, "caps": caps},
                "current": current.tolist(), "max_turnover": 0.5},
    }

    def cvx_cons(x, spec, k=None):
        kk = 1.0 if k is None else k
        lo = np.array(spec["bounds"])[:, 0] if "bounds" in spec else np.broadcast_to(spec.get("lower", 0.0), n)
        hi = np.array(spec["bounds"])[:, 1] if "bounds" in spec else np.broadcast_to(spec.get("upper", 1.0), n)
        cons = [cp.sum(x) == kk, x >= lo * kk, x <= hi * kk]
        if "groups" in spec:
            for g, (glo, ghi) in spec["groups"]["caps"].items():
                idx = [i for i in range(n) if labels[i] == g]
                cons += [cp.sum(x[idx]) >= glo * kk, cp.sum(x[idx]) <= ghi * kk]
        if "max_turnover" in spec:
            cons.append(cp.norm1(x - np.array(spec["current"]) * kk) <= spec["max_turnover"] * kk)
        return cons, lo, hi

    def pypfopt(spec, lo, hi):
        ef = EfficientFrontier(mu, cov, weight_bounds=list(zip(lo.tolist(), hi.tolist())))
        if "groups" in spec:
            g = spec["groups"]["caps"]
            ef.add_sector_constraints(dict(zip(range(n), labels)), {k: v[0] for k, v in g.items()},
                                      {k: v[1] for k, v in g.items()})
        if "max_turnover" in spec:
            cur, t = np.array(spec["current"]), spec["max_turnover"]
            ef.add_constraint(lambda wv: cp.norm1(wv - cur) <= t)
        return ef

    def agree(name, a, b, tol):
        d = float(np.abs(np.asarray(a) - np.asarray(b)).max())
        assert d <= tol, f"{name}: reference and {name} differ by {d}"
        return f"{name} agrees within {d:.1e}"

    def case(fn, tag, spec, ins, params, ref, reference, check):
        lo_hi = cvx_cons(cp.Variable(n), spec)[1:]
        ref = np.clip(ref, *lo_hi)
        ref = ref / ref.sum()
        # the reference satisfies its constraints (to the solver's accuracy)
        if "groups" in spec:
            for g, (glo, ghi) in spec["groups"]["caps"].items():
                s = ref[[i for i in range(n) if labels[i] == g]].sum()
                assert glo - 1e-9 <= s <= ghi + 1e-9, (fn, tag, g, s)
        if "max_turnover" in spec:
            assert np.abs(ref - np.array(spec["current"])).sum() <= spec["max_turnover"] + 1e-9, (fn, tag)
        scale = max(float(np.abs(cov).max()), 1.0)
        w.case(id=f"{fn}/sp500_20/constraints_{tag}", module="alloc", function=fn,
               reference=reference + (("; " + check) if check else ""), inputs=ins,
               params={**params, "constraints": json.dumps(spec)}, outputs=[("weights", ref)],
               tolerance={"rel": 0.0, "abs_scale": (1e-5 if fn == "efficient_risk" else 1e-6) / scale})

    covin = [("cov", "cov_sp500_20", "cov")]
    muin = [("mu", "alloc_sp500_20", "mu")] + covin
    what = "cvxpy {} + CLARABEL (1e-12), {}, sum w = 1, constraints {}"
    for tag, spec in sets.items():
        x = cp.Variable(n)
        cons, lo, hi = cvx_cons(x, spec)
        cp.Problem(cp.Minimize(cp.quad_form(x, S)), cons).solve(solver=cp.CLARABEL, **tight)
        ef = pypfopt(spec, lo, hi)
        ef.min_volatility()
        case("min_variance", tag, spec, covin, {}, x.value,
             what.format(version("cvxpy"), "min w'Sw", tag),
             agree(f"{pp} min_volatility", np.array(list(ef.clean_weights(rounding=None).values())), x.value, 1e-5))

        y, k = cp.Variable(n), cp.Variable()
        cons, lo, hi = cvx_cons(y, spec, k)
        cp.Problem(cp.Minimize(cp.quad_form(y, S)), cons + [mu @ y / mu.max() == 1, k >= 0]).solve(
            solver=cp.CLARABEL, **tight)
        ref = y.value / k.value
        check = ""
        if "max_turnover" not in spec:
            ef = pypfopt(spec, lo, hi)
            ef.max_sharpe(risk_free_rate=0.0)
            check = agree(f"{pp} max_sharpe", np.array(list(ef.clean_weights(rounding=None).values())), ref, 1e-5)
        case("max_sharpe", tag, spec, muin, {}, ref,
             what.format(version("cvxpy"), "max Sharpe (rf = 0) homogenised", tag), check)

    spec = sets["all"]
    # the targets: halfway between the constrained minimum-variance point and the best return
    x = cp.Variable(n)
    cons, lo, hi = cvx_cons(x, spec)
    cp.Problem(cp.Minimize(cp.quad_form(x, S)), cons).solve(solver=cp.CLARABEL, **tight)
    r_mv, v_mv = float(mu @ x.value), float(np.sqrt(x.value @ cov @ x.value))
    x = cp.Variable(n)
    cp.Problem(cp.Maximize(mu @ x / np.abs(mu).max()), cvx_cons(x, spec)[0]).solve(solver=cp.CLARABEL, **tight)
    r_best = float(mu @ x.value)
    target_return = float(np.round(r_mv + 0.5 * (r_best - r_mv), 7))
    target_vol = float(np.round(1.1 * v_mv, 7))
    delta = 10.0
    specs = (
        ("efficient_return", {"target_return": target_return},
         lambda x: (cp.quad_form(x, S), [mu @ x >= target_return]), lambda ef: ef.efficient_return(target_return)),
        ("efficient_risk", {"target_volatility": target_vol},
         lambda x: (-mu @ x / np.abs(mu).max(), [cp.quad_form(x, S) <= target_vol ** 2 / c0]),
         lambda ef: ef.efficient_risk(target_vol)),
        ("max_quadratic_utility", {"risk_aversion": delta},
         lambda x: (0.5 * cp.quad_form(x, S) - mu @ x / (delta * c0), []),
         lambda ef: ef.max_quadratic_utility(risk_aversion=delta)),
    )
    for fn, params, problem, pyp in specs:
        x = cp.Variable(n)
        obj, extra = problem(x)
        cons, lo, hi = cvx_cons(x, spec)
        cp.Problem(cp.Minimize(obj), cons + extra).solve(solver=cp.CLARABEL, **tight)
        ef = pypfopt(spec, lo, hi)
        pyp(ef)
        check = agree(f"{pp} {fn}", np.array(list(ef.clean_weights(rounding=None).values())), x.value,
                      1e-3 if fn == "efficient_risk" else 1e-5)
        case(fn, "all", spec, muin, params, x.value, what.format(version("cvxpy"), fn, "all"), check)


def herc_cases(w: Writer, rets) -> None:
    """HERC on the 20 stocks: skfolio's HierarchicalEqualRiskContribution with its defaults
    (EmpiricalPrior, PearsonDistance, the variance risk measure, the number of clusters by the
    two-order difference to gap statistic, weight bounds [0, 1]) for each linkage. skfolio's
    weights are the reference; the script also reproduces them with scipy (linkage, cut_tree /
    fcluster) and numpy (inverse variance, the top-down split by the sum of the cluster
    variances below each node) and asserts agreement to 1e-12."""
    import scipy.cluster.hierarchy as sch
    from scipy.spatial.distance import squareform
    from skfolio.cluster import HierarchicalClustering, LinkageMethod
    from skfolio.optimization import HierarchicalEqualRiskContribution
    from skfolio.utils.stats import compute_optimal_n_clusters

    X = rets.to_numpy(float)
    n = X.shape[1]
    cov = np.cov(X, rowvar=False, ddof=1)
    dist = np.sqrt(np.clip(0.5 * (1.0 - np.corrcoef(X.T)), 0.0, 1.0))
    np.fill_diagonal(dist, 0.0)

    def own(link: str) -> np.ndarray:
        z = sch.linkage(squareform(dist, checks=False), method=link)
        k = compute_optimal_n_clusters(dist, z)
        labels = sch.fcluster(z, t=k, criterion="maxclust") - 1
        clusters = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
        wts = np.zeros(n)
        risk = []
        for ids in clusters:
            iv = 1.0 / np.diag(cov)[ids]
            iv /= iv.sum()
            wts[ids] = iv
            risk.append(iv @ cov[np.ix_(ids, ids)] @ iv)
        cw = np.ones(len(clusters))
        sets = [set(c) for c in clusters]
        stack = [sch.to_tree(z)]
        while stack:
            node = stack.pop()
            if set(node.pre_order()) in sets:
                continue
            lt, rt = set(node.get_left().pre_order()), set(node.get_right().pre_order())
            lc = [i for i, s in enumerate(sets) if s <= lt]
            rc = [i for i, s in enumerate(sets) if s <= rt]
            a = 1 - sum(risk[i] for i in lc) / (sum(risk[i] for i in lc) + sum(risk[i] for i in rc))
            cw[lc] *= a
            cw[rc] *= 1 - a
            stack += [node.get_left(), node.get_right()]
        for i, ids in enumerate(clusters):
            wts[ids] *= cw[i]
        return wts

    for link in ("single", "complete", "average", "weighted", "ward"):
        sk = HierarchicalEqualRiskContribution(hierarchical_clustering_estimator=HierarchicalClustering(
            linkage_method=LinkageMethod(link))).fit(rets).weights_
        mine = own(link)
        d = float(np.abs(sk - mine).max())
        assert d <= 1e-12, (link, d)
        w.case(id=f"herc/sp500_20/{link}", module="alloc", function="herc",
               reference=f"skfolio {version('skfolio')} HierarchicalEqualRiskContribution(HierarchicalClustering("
                         f"linkage_method={link})), variance risk measure, default prior/distance/cluster count; "
                         f"scipy + numpy re-derivation agrees within {d:.1e}",
               inputs=[("returns", "alloc_sp500_20", "returns")], params={"linkage": link},
               outputs=[("weights", sk)], tolerance={"rel": 0.0, "abs_scale": 1e-9})


def load_sp500_dataset_caps() -> np.ndarray:
    from skfolio.datasets import load_sp500_dataset

    last = load_sp500_dataset().iloc[-1].to_numpy(float)
    return last * (1.0 + np.arange(len(last)))


def estimator_cases(w: Writer, rets) -> None:
    """Covariance, correlation and expected-return estimators (alloc.sample_cov, ewma_cov,
    semicovariance, ledoit_wolf, mean/ema/capm returns; risk.correlation) on the 20-stock S&P 500
    returns, complete and ragged (NaN where a stock is not yet listed, delisted, or has gaps),
    against pandas / numpy / sklearn / PyPortfolioOpt. The ragged references are pandas'
    pairwise DataFrame.cov / corr (or PyPortfolioOpt on NaN-holding frames, whose pandas
    arithmetic is pairwise too) and numpy on dropna() for listwise."""
    import pandas as pd
    from pypfopt import expected_returns as er
    from pypfopt import risk_models as rm
    from skfolio.datasets import load_sp500_index
    from sklearn.covariance import LedoitWolf

    pp = f"PyPortfolioOpt {version('PyPortfolioOpt')}"
    full = rets.iloc[-1000:]
    X = full.to_numpy(float)
    n = X.shape[1]
    # ragged: stock 3 listed late, stock 12 delisted early, stock 7 with scattered gaps
    rag = full.copy()
    rag.iloc[:300, 3] = np.nan
    rag.iloc[-150:, 12] = np.nan
    rng = np.random.default_rng(11)
    rag.iloc[rng.choice(1000, 60, replace=False), 7] = np.nan
    R = rag.to_numpy(float)
    mkt = load_sp500_index()["SP500"].pct_change().reindex(full.index)
    assert not mkt.isna().any()
    ds = "estim_sp500_20"
    w.dataset(ds, "skfolio load_sp500_dataset() 20 stocks, last 1000 daily simple returns; ragged: stock 3 NaN "
              "for the first 300 periods, stock 12 for the last 150, stock 7 at 60 random periods (seed 11); "
              "market: load_sp500_index() returns on the same dates", "BSD-3",
              {"returns": X, "ragged": R, "market": mkt.to_numpy(float), "none": np.zeros(0)})
    tol = {"rel": 1e-9, "abs_scale": 1e-12}

    def case(fn: str, tag: str, col: str, params: dict, ref, reference: str, module: str = "alloc",
             out: str = "cov", extra: list | None = None) -> None:
        w.case(id=f"{fn}/{ds}/{tag}", module=module, function=fn, reference=reference,
               inputs=[("returns", ds, col)] + (extra or []), params=params,
               outputs=[(out, np.asarray(ref, dtype=float))], tolerance=tol)

    def agree(a, b, what: str, t: float = 1e-12) -> str:
        d = float(np.nanmax(np.abs(np.asarray(a, float) - np.asarray(b, float))))
        assert d <= t, f"{what} differs by {d}"
        return f"; {what} agrees within {d:.1e}"

    # sample covariance
    ref = full.cov().to_numpy()
    case("sample_cov", "default", "returns", {}, ref,
         f"pandas {pd.__version__} DataFrame.cov()" + agree(np.cov(X, rowvar=False), ref, "numpy.cov"))
    case("sample_cov", "ddof0_ann", "returns", {"ddof": 0, "frequency": 252}, full.cov(ddof=0).to_numpy() * 252,
         f"pandas {pd.__version__} DataFrame.cov(ddof=0) * 252")
    ref = rag.cov().to_numpy()
    case("sample_cov", "ragged_pairwise", "ragged", {"missing": "pairwise"}, ref,
         f"pandas {pd.__version__} DataFrame.cov() (pairwise complete periods)")
    case("sample_cov", "ragged_listwise", "ragged", {"missing": "listwise"},
         np.cov(rag.dropna().to_numpy(), rowvar=False), f"numpy {np.__version__} cov(returns.dropna())")
    # correlation (risk)
    case("correlation", "default", "returns", {}, full.corr().to_numpy(),
         f"pandas {pd.__version__} DataFrame.corr()" + agree(np.corrcoef(X, rowvar=False), full.corr(),
                                                               "numpy.corrcoef"),
         module="risk", out="correlation")
    case("correlation", "ragged_pairwise", "ragged", {"missing": "pairwise"}, rag.corr().to_numpy(),
         f"pandas {pd.__version__} DataFrame.corr() (pairwise complete periods)", module="risk", out="correlation")
    case("correlation", "ragged_listwise", "ragged", {"missing": "listwise"},
         np.corrcoef(rag.dropna().to_numpy(), rowvar=False), f"numpy {np.__version__} corrcoef(returns.dropna())",
         module="risk", out="correlation")
    # EWMA covariance: PyPortfolioOpt's pair formula (exp_cov without its PSD repair)
    def exp_pairs(df, span):
        return np.array([[rm._pair_exp_cov(df.iloc[:, i], df.iloc[:, j], span) for j in range(n)] for i in range(n)])
    ref = exp_pairs(full, 180)
    case("ewma_cov", "default", "returns", {}, ref, f"{pp} risk_models.exp_cov(returns_data=True, span=180, "
         "frequency=1)" + agree(rm.exp_cov(full, returns_data=True, frequency=1).to_numpy(), ref, "exp_cov"))
    case("ewma_cov", "span60_ann", "returns", {"span": 60, "frequency": 252}, exp_pairs(full, 60) * 252,
         f"{pp} risk_models.exp_cov(returns_data=True, span=60, frequency=252)")
    case("ewma_cov", "ragged_pairwise", "ragged", {"missing": "pairwise"}, exp_pairs(rag, 180),
         f"{pp} risk_models._pair_exp_cov per pair on the ragged frame (each asset's own mean, pandas ewm "
         "ignore_na=False)")
    case("ewma_cov", "ragged_listwise", "ragged", {"missing": "listwise"}, exp_pairs(rag.dropna(), 180),
         f"{pp} risk_models._pair_exp_cov per pair on returns.dropna()")
    # semicovariance
    def semi_pairwise(df, b):
        d = np.minimum(df.to_numpy() - b, 0.0)  # NaN stays NaN (np.fmin would make it 0)
        m = ~np.isnan(d)
        z = np.where(m, d, 0.0)
        return (z.T @ z) / (m.astype(float).T @ m.astype(float))
    ref = rm.semicovariance(full, returns_data=True, frequency=1).to_numpy()
    case("semicovariance", "default", "returns", {}, ref,
         f"{pp} risk_models.semicovariance(returns_data=True, frequency=1) (benchmark 0.000079)"
         + agree(semi_pairwise(full, 0.000079), ref, "numpy"))
    case("semicovariance", "b0_ann", "returns", {"benchmark": 0.0, "frequency": 252},
         rm.semicovariance(full, returns_data=True, benchmark=0.0, frequency=252).to_numpy(),
         f"{pp} risk_models.semicovariance(returns_data=True, benchmark=0, frequency=252)")
    case("semicovariance", "ragged_pairwise", "ragged", {"missing": "pairwise"}, semi_pairwise(rag, 0.000079),
         "numpy: sum of min(r - b, 0) products over each pair's common periods / their count")
    case("semicovariance", "ragged_listwise", "ragged", {"missing": "listwise"},
         rm.semicovariance(rag.dropna(), returns_data=True, frequency=1).to_numpy(),
         f"{pp} risk_models.semicovariance(returns.dropna(), returns_data=True, frequency=1)")
    # Ledoit-Wolf
    ref = LedoitWolf().fit(X).covariance_
    pyp = rm.CovarianceShrinkage(full, returns_data=True, frequency=1).ledoit_wolf("constant_variance").to_numpy()
    case("ledoit_wolf", "identity", "returns", {}, ref, f"sklearn {version('scikit-learn')} "
         "covariance.LedoitWolf().fit(returns).covariance_" + agree(pyp, ref, f"{pp} ledoit_wolf('constant_variance')"))
    case("ledoit_wolf", "constant_correlation", "returns", {"target": "constant_correlation"},
         rm.CovarianceShrinkage(full, returns_data=True, frequency=1).ledoit_wolf("constant_correlation").to_numpy(),
         f"{pp} CovarianceShrinkage(returns_data=True, frequency=1).ledoit_wolf('constant_correlation')")
    case("ledoit_wolf", "ragged_listwise_ann", "ragged", {"frequency": 252},
         LedoitWolf().fit(rag.dropna().to_numpy()).covariance_ * 252,
         f"sklearn {version('scikit-learn')} LedoitWolf().fit(returns.dropna()).covariance_ * 252")
    case("ledoit_wolf", "ragged_cc", "ragged", {"target": "constant_correlation"},
         rm.CovarianceShrinkage(rag.dropna(), returns_data=True, frequency=1).ledoit_wolf("constant_correlation")
         .to_numpy(), f"{pp} CovarianceShrinkage(returns.dropna(), frequency=1).ledoit_wolf('constant_correlation')")
    # expected returns
    case("mean_historical_return", "default", "returns", {},
         er.mean_historical_return(full, returns_data=True, compounding=False, frequency=1),
         f"{pp} mean_historical_return(returns_data=True, compounding=False, frequency=1)", out="mu")
    case("mean_historical_return", "pypfopt_defaults", "returns", {"compounding": True, "frequency": 252},
         er.mean_historical_return(full, returns_data=True), f"{pp} mean_historical_return(returns_data=True)",
         out="mu")
    case("mean_historical_return", "ragged_pairwise", "ragged", {"compounding": True, "frequency": 252},
         er.mean_historical_return(rag, returns_data=True),
         f"{pp} mean_historical_return(ragged, returns_data=True) (each asset over its own periods)", out="mu")
    case("ema_historical_return", "default", "returns", {},
         er.ema_historical_return(full, returns_data=True, compounding=False, frequency=1),
         f"{pp} ema_historical_return(returns_data=True, compounding=False, frequency=1, span=500)", out="mu")
    case("ema_historical_return", "pypfopt_defaults", "returns", {"compounding": True, "frequency": 252},
         er.ema_historical_return(full, returns_data=True), f"{pp} ema_historical_return(returns_data=True)",
         out="mu")
    case("ema_historical_return", "ragged_span60", "ragged", {"span": 60},
         er.ema_historical_return(rag, returns_data=True, compounding=False, frequency=1, span=60),
         f"{pp} ema_historical_return(ragged, returns_data=True, compounding=False, frequency=1, span=60)", out="mu")
    case("ema_historical_return", "ragged_listwise", "ragged", {"missing": "listwise"},
         er.ema_historical_return(rag.dropna(), returns_data=True, compounding=False, frequency=1),
         f"{pp} ema_historical_return(returns.dropna(), compounding=False, frequency=1)", out="mu")
    none = [("market_returns", ds, "none")]
    market = [("market_returns", ds, "market")]
    case("capm_return", "proxy", "returns", {},
         er.capm_return(full.copy(), returns_data=True, compounding=False, frequency=1),
         f"{pp} capm_return(returns_data=True, compounding=False, frequency=1) (equally weighted market proxy)",
         out="mu", extra=none)
    case("capm_return", "sp500_index", "returns", {"risk_free_rate": 0.02, "compounding": True, "frequency": 252},
         er.capm_return(full.copy(), market_prices=mkt.to_frame(), returns_data=True, risk_free_rate=0.02),
         f"{pp} capm_return(returns_data=True, market_prices=SP500 index returns, risk_free_rate=0.02)",
         out="mu", extra=market)
    case("capm_return", "ragged_pairwise", "ragged", {},
         er.capm_return(rag.copy(), returns_data=True, compounding=False, frequency=1),
         f"{pp} capm_return(ragged, returns_data=True, compounding=False, frequency=1) (pairwise pandas cov, "
         "row-mean proxy over present assets)", out="mu", extra=none)

    # market-cap weights with a cap: w = min(m, c * cap), sum w = 1, c found by sorting
    def capped(caps: np.ndarray, m: float) -> np.ndarray:
        order = np.argsort(-caps, kind="stable")
        for k in range(len(caps)):  # k largest at the cap
            rest = caps[order[k:]].sum()
            c = (1.0 - k * m) / rest
            if c * caps[order[k]] <= m + 1e-15:
                return np.minimum(m, c * caps) if k == 0 else np.where(np.isin(np.arange(len(caps)), order[:k]), m,
                                                                          c * caps)
        raise AssertionError("infeasible")
    caps = load_sp500_dataset_caps()
    w.dataset("caps_sp500_20", "pseudo capitalisations: the last skfolio load_sp500_dataset() price of each of the "
              "20 stocks times (1 + its column index)", "BSD-3", {"caps": caps})
    for m in (1.0, 0.1, 0.06):
        ref = capped(caps, m)
        assert abs(ref.sum() - 1) < 1e-14 and ref.max() <= m + 1e-15
        w.case(id=f"market_cap_weight/caps_sp500_20/max{m}", module="alloc", function="market_cap_weight",
               reference="numpy: w = min(max_weight, c cap), sum w = 1, c found over the sorted caps (the "
                         "water-filling fixed point)", inputs=[("market_caps", "caps_sp500_20", "caps")],
               params={"max_weight": m}, outputs=[("weights", ref)], tolerance=tol)
    # top-N momentum: pandas prod over the window, nlargest(keep="first")
    for col, frame, params in (("returns", full, {}), ("ragged", rag, {"lookback": 120, "skip": 5, "top_n": 3})):
        lb, sk, top = params.get("lookback", 231), params.get("skip", 21), params.get("top_n", 5)
        win = frame.iloc[len(frame) - lb - sk: len(frame) - sk]
        score = (1 + win).prod(skipna=False) - 1
        ref = np.zeros(n)
        ref[[frame.columns.get_loc(c) for c in score.nlargest(top, keep="first").index]] = 1.0 / top
        case("top_n_momentum", col, col, params, ref, f"pandas {pd.__version__}: (1 + window).prod() - 1, "
             f"nlargest({top}) get 1/{top}; window = the {lb} periods ending {sk} before the last", out="weights")


def risk_cases(w: Writer, empyrical, pd) -> None:
    """Every declared risk function against empyrical-reloaded (or a named closed form), on
    real return series with and without NaNs plus edge cases."""
    import scipy
    from arch.data import nasdaq, sp500
    from scipy import integrate, stats
    from skfolio.datasets import load_sp500_dataset, load_sp500_index

    emp_v = f"empyrical-reloaded {version('empyrical-reloaded')}"
    prices = load_sp500_dataset()
    idx = load_sp500_index()["SP500"]
    pair = pd.concat([prices["AAPL"].pct_change(), idx.pct_change()], axis=1, join="inner").dropna()
    w.dataset("aapl_vs_sp500", "skfolio.datasets load_sp500_dataset() AAPL and load_sp500_index() daily simple "
              "returns 1990-2022, joined on date", "BSD-3",
              {"returns": pair.iloc[:, 0].to_numpy(float), "factor": pair.iloc[:, 1].to_numpy(float)})
    ndx = nasdaq.load()["Adj Close"].pct_change()
    spx = sp500.load()["Adj Close"].pct_change()
    pair2 = pd.concat([ndx, spx], axis=1, join="inner").dropna()
    r2, f2 = pair2.iloc[:, 0].to_numpy(float), pair2.iloc[:, 1].to_numpy(float)
    w.dataset("nasdaq_vs_sp500", "arch.data nasdaq and sp500 adjusted-close daily simple returns 1999-2018",
              "NCSA", {"returns": r2, "factor": f2})
    r3, f3 = r2[:1500].copy(), f2[:1500].copy()
    r3[[0, 7, 300, 301, 1499]] = np.nan
    f3[[7, 500, 900]] = np.nan
    w.dataset("nasdaq_vs_sp500_nan", "first 1500 arch.data nasdaq/sp500 returns, NaN in returns at 0, 7, 300, "
              "301, 1499 and in factor at 7, 500, 900", "NCSA", {"returns": r3, "factor": f3})
    w.dataset("short_pair", "the first 12 arch.data nasdaq/sp500 returns", "NCSA",
              {"returns": r2[:12], "factor": f2[:12]})
    w.dataset("empty_pair", "no returns", "generated", {"returns": np.zeros(0), "factor": np.zeros(0)})
    w.dataset("sp500_prices", "skfolio.datasets load_sp500_index() levels 1990-2022", "BSD-3",
              {"prices": idx.to_numpy(float)})
    runup = np.concatenate([np.full(80_000, 0.01), np.full(312, -0.01)])
    w.dataset("runup_crash", "80,000 returns of +1% (cumulative wealth overflows f64) then 312 of -1%",
              "generated", {"returns": runup})

    def col(ds: str, c: str) -> np.ndarray:
        return np.fromfile(GOLDEN / w.datasets[ds]["columns"][c]["file"], dtype="<f8")

    singles = ["sp500_index_returns", "msft_returns", "nan_returns", "one_return", "const_returns", "empty_returns"]
    pairs = ["aapl_vs_sp500", "nasdaq_vs_sp500", "nasdaq_vs_sp500_nan", "short_pair", "empty_pair"]

    def case(fn: str, ds: str, ins: list[tuple[str, str]], params: dict, tag: str, value, outs: list[str],
             reference: str | None = None, tol: dict | None = None) -> None:
        if len(outs) == 1:
            values = [value]
        else:
            values = list(value)
        outputs = [(o, np.atleast_1d(np.asarray(v, dtype=np.float64))) for o, v in zip(outs, values)]
        w.case(id=f"{fn}/{ds}/{tag}", module="risk", function=fn, reference=reference or f"{emp_v} {fn}",
               inputs=[(name, ds, c) for name, c in ins], params=params, outputs=outputs,
               tolerance=tol or TOL_DEFAULT)

    def emp(fn: str, ds: str, params: dict, tag: str = "default", outs: list[str] | None = None,
            names: list[str] | None = None, cols: list[str] | None = None, tol: dict | None = None,
            call=None) -> None:
        cols = cols or ["returns"]
        names = names or (["returns"] if len(cols) == 1 else ["returns", "factor_returns"])
        arrays = [col(ds, c) for c in cols]
        f = call or getattr(empyrical, fn)
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                val = f(*arrays, **params)
        if isinstance(val, np.ndarray) and val.ndim == 2:
            val = tuple(val[:, k] for k in range(val.shape[1]))
        elif outs and len(outs) > 1 and isinstance(val, np.ndarray) and val.size == 0:
            val = tuple(np.zeros(0) for _ in outs)  # empyrical's empty roll result is 1-D
        case(fn, ds, list(zip(names, cols)), params, tag, val, outs or [fn], tol=tol)

    # single-series scalars
    for ds in singles:
        emp("cum_returns_final", ds, {})
        emp("annual_return", ds, {})
        emp("cagr", ds, {})
        emp("annual_volatility", ds, {})
        emp("max_drawdown", ds, {})
        emp("calmar_ratio", ds, {})
        emp("omega_ratio", ds, {})
        emp("sortino_ratio", ds, {})
        emp("downside_risk", ds, {})
        emp("stability_of_timeseries", ds, {})
        emp("tail_ratio", ds, {})
        emp("value_at_risk", ds, {})
        emp("conditional_value_at_risk", ds, {})
        emp("cum_returns", ds, {})
        # empyrical gives a scalar NaN for no returns; an empty series is the drawdown of nothing
        emp("drawdown_series", ds, {}, outs=["drawdown"],
            call=lambda r: empyrical.stats.drawdown_series(r) if len(r) else np.zeros(0))
        emp("gpd_risk_estimates", ds, {}, tol={"rel": 1e-3, "abs_scale": 1e-3})
        emp("gpd_risk_estimates_aligned", ds, {}, outs=["gpd_risk_estimates"], tol={"rel": 1e-3, "abs_scale": 1e-3})
    for ds in ("sp500_index_returns", "nan_returns"):
        emp("cum_returns", ds, {"starting_value": 100.0}, "sv100")
        emp("cum_returns_final", ds, {"starting_value": 100.0}, "sv100")
        emp("annual_return", ds, {"period": "weekly"}, "weekly")
        emp("annual_return", ds, {"annualization": 365.0}, "ann365")
        emp("annual_volatility", ds, {"period": "monthly", "alpha": 3.0}, "monthly_alpha3")
        emp("calmar_ratio", ds, {"period": "weekly"}, "weekly")
        emp("omega_ratio", ds, {"risk_free": 0.0001, "required_return": 0.05, "annualization": 252}, "rf_req")
        emp("omega_ratio", ds, {"required_return": 0.001, "annualization": 1}, "ann1")
        emp("sortino_ratio", ds, {"required_return": 0.0002, "period": "monthly"}, "req_monthly")
        emp("downside_risk", ds, {"required_return": 0.0002, "annualization": 365.0}, "req_ann365")
        emp("value_at_risk", ds, {"cutoff": 0.01}, "c01")
        emp("conditional_value_at_risk", ds, {"cutoff": 0.01}, "c01")
        emp("gpd_risk_estimates", ds, {"var_p": 0.05}, "p05", tol={"rel": 1e-3, "abs_scale": 1e-3})
    emp("simple_returns", "sp500_prices", {}, names=["prices"], cols=["prices"], outs=["returns"])
    emp("max_drawdown", "runup_crash", {}, "overflow", call=lambda r: 0.99 ** 312 - 1.0)
    w.cases[-1]["reference"] = "closed form 0.99**312 - 1 (cumulative wealth overflows f64; empyrical gives NaN)"
    emp("annual_return", "runup_crash", {}, "overflow",
        call=lambda r: np.expm1((80_000 * np.log1p(0.01) + 312 * np.log1p(-0.01)) * 252 / len(r)))
    w.cases[-1]["reference"] = "closed form expm1(sum(log1p(r)) * 252 / n) (wealth overflows f64; empyrical gives inf)"

    # value at risk beyond empyrical: closed forms with scipy
    def var_closed(r: np.ndarray, cutoff: float, method: str, h: int, es: bool) -> float:
        r = r[~np.isnan(r)]
        mu, sd = r.mean(), r.std(ddof=1)
        S, K = stats.skew(r) / np.sqrt(h), stats.kurtosis(r) / h
        z = stats.norm.ppf(cutoff)

        def zcf(p: float) -> float:
            z = stats.norm.ppf(p)
            if method == "gaussian":
                return z
            return z + (z * z - 1) * S / 6 + (z ** 3 - 3 * z) * K / 24 - (2 * z ** 3 - 5 * z) * S * S / 36
        if not es:
            return mu * h + sd * np.sqrt(h) * zcf(cutoff)
        if method == "gaussian":
            return mu * h - sd * np.sqrt(h) * stats.norm.pdf(z) / cutoff
        integral, _ = integrate.quad(zcf, 0.0, cutoff, epsabs=1e-14, epsrel=1e-13, limit=200)
        return mu * h + sd * np.sqrt(h) * integral / cutoff

    for ds in ("sp500_index_returns", "msft_returns", "nan_returns"):
        r = col(ds, "returns")
        for method in ("gaussian", "cornish_fisher"):
            for cutoff, h in ((0.05, 1), (0.01, 1), (0.05, 10)):
                tag = f"{method}_c{int(cutoff * 100):02d}_h{h}"
                for fn, es in (("value_at_risk", False), ("conditional_value_at_risk", True)):
                    val = var_closed(r, cutoff, method, h, es)
                    ref = (f"closed form: scipy {scipy.__version__} stats.norm.ppf/pdf, stats.skew, stats.kurtosis "
                           f"(bias=True), std ddof=1" + (", integrate.quad of the Cornish-Fisher quantile"
                                                        if es and method == "cornish_fisher" else ""))
                    case(fn, ds, [("returns", "returns")], {"cutoff": cutoff, "method": method, "horizon": h}, tag,
                         val, [fn], reference=ref,
                         tol={"rel": 1e-9 if not (es and method == "cornish_fisher") else 1e-8, "abs_scale": 1e-12})
        if ds != "nan_returns":
            for fn in ("value_at_risk", "conditional_value_at_risk"):
                val = getattr(empyrical, fn)(r, 0.05) * np.sqrt(10)
                case(fn, ds, [("returns", "returns")], {"cutoff": 0.05, "method": "historical", "horizon": 10},
                     "historical_h10", val, [fn], reference=f"{emp_v} {fn} * sqrt(10)")
        # ulcer index: closed form on empyrical's drawdown series
        dd = empyrical.stats.drawdown_series(r) if len(r) else np.array([np.nan])
        case("ulcer_index", ds, [("returns", "returns")], {}, "default", np.sqrt(np.mean(dd ** 2)), ["ulcer_index"],
             reference=f"sqrt(mean(dd**2)) of {emp_v} stats.drawdown_series")

    # top drawdown periods on empyrical's drawdown series (pyfolio's get_top_drawdowns search,
    # with the starting wealth as the first peak: index -1)
    def top_dd(r: np.ndarray, top: int) -> tuple:
        dd = empyrical.stats.drawdown_series(r) if len(r) else np.zeros(0)
        free = np.ones(len(dd), bool)
        rows = []
        while len(rows) < top:
            cand = np.where(free & (dd < -1e-12))[0]  # within 1e-12 of the peak counts as at it
            if not len(cand):
                break
            valley = int(cand[np.argmin(dd[cand])])
            zeros_before = np.where(dd[:valley] >= -1e-12)[0]
            zeros_after = np.where(dd[valley:] >= -1e-12)[0]
            peak = int(zeros_before[-1]) if len(zeros_before) else -1
            rec = valley + int(zeros_after[0]) if len(zeros_after) else None
            free[peak + 1:(rec if rec is not None else len(dd))] = False
            rows.append((peak, valley, np.nan if rec is None else rec, dd[valley],
                         np.nan if rec is None else rec - peak))
        cols = np.full((5, top), np.nan)
        for k, row in enumerate(rows):
            cols[:, k] = row
        return tuple(cols)

    for ds in ("sp500_index_returns", "msft_returns", "nan_returns", "one_return", "empty_returns"):
        for top in (5, 20):
            case("top_drawdowns", ds, [("returns", "returns")], {"top": top}, f"top{top}", top_dd(col(ds, "returns"), top),
                 ["peak", "valley", "recovery", "drawdown", "duration"],
                 reference=f"pyfolio's get_top_drawdowns search in numpy on {emp_v} stats.drawdown_series")

    # Sterling and Burke ratios, position sizing: independent numpy implementations of the
    # published definitions (PerformanceAnalytics / Bacon 2008; Thorp), quantstats for the
    # discrete Kelly fraction, empyrical's annual volatility for volatility targeting
    def depths(r: np.ndarray) -> np.ndarray:
        """Depth of each drawdown period (peak to regained peak) on empyrical's drawdown series."""
        dd = empyrical.stats.drawdown_series(r[~np.isnan(r)]) if len(r) else np.zeros(0)
        out, low = [], 0.0
        for v in dd:  # within 1e-12 of the peak counts as at it, as in top_drawdowns
            if v >= -1e-12:
                if low < -1e-12:
                    out.append(low)
                low = 0.0
            else:
                low = min(low, v)
        if low < -1e-12:
            out.append(low)
        return np.array(out)

    import quantstats as qs

    qs_v = f"quantstats {version('quantstats')}"
    for ds in ("sp500_index_returns", "msft_returns", "nan_returns", "const_returns", "one_return", "empty_returns"):
        r = col(ds, "returns")
        d = depths(r)
        ann = empyrical.annual_return(r) if len(r) else np.nan
        for excess, top in ((0.1, 1), (0.0, 3)):
            mean = np.mean(np.sort(np.abs(d))[::-1][:top]) if len(d) else 0.0
            den = mean + excess
            val = ann / den if len(r) and den > 0 else np.nan
            case("sterling_ratio", ds, [("returns", "returns")], {"excess": excess, "top": top}, f"x{excess}_t{top}",
                 val, ["sterling_ratio"], reference=f"numpy: {emp_v} annual_return / (mean of the {top} deepest "
                 "drawdown-period depths on stats.drawdown_series + excess) (PerformanceAnalytics SterlingRatio)")
        for rf in (0.0, 0.0001):
            ss = float(np.sum(d ** 2))
            val = empyrical.annual_return(r - rf) / np.sqrt(ss) if len(r) and ss > 0 else np.nan
            case("burke_ratio", ds, [("returns", "returns")], {"risk_free": rf}, f"rf{rf}", val, ["burke_ratio"],
                 reference=f"numpy: {emp_v} annual_return(r - rf) / sqrt(sum of squared drawdown-period depths) "
                           "(Burke 1994, PerformanceAnalytics BurkeRatio)")
        with np.errstate(all="ignore"):
            vol = empyrical.annual_volatility(r) if len(r[~np.isnan(r)]) >= 2 else np.nan
            wt = 0.1 / vol if vol > 0 else np.nan
        case("volatility_target_weight", ds, [("returns", "returns")], {"target": 0.1}, "t10", wt, ["weight"],
             reference=f"0.1 / {emp_v} annual_volatility")
        case("volatility_target_weight", ds, [("returns", "returns")], {"target": 0.1, "max_leverage": 0.5}, "cap",
             np.minimum(wt, 0.5) if wt == wt else np.nan, ["weight"], reference=f"min(0.1 / {emp_v} annual_volatility, 0.5)")
        x = r[~np.isnan(r)]
        with np.errstate(all="ignore"):
            cont = (np.mean(x) - 0.0001) / np.var(x) if len(x) and np.var(x) > 0 else np.nan
        case("kelly_fraction", ds, [("returns", "returns")], {"risk_free": 0.0001}, "continuous", cont,
             ["kelly_fraction"], reference="numpy: (mean(r) - rf) / var(r) (population), Thorp's continuous Kelly")
        wins, losses = x[x > 0], x[x < 0]
        if len(wins) and len(losses):
            disc = float(qs.stats.kelly_criterion(pd.Series(x, index=pd.bdate_range("2000-01-03", periods=len(x)))))
        else:
            disc = np.nan
        case("kelly_fraction", ds, [("returns", "returns")], {"method": "discrete", "fraction": 0.5}, "half_discrete",
             0.5 * disc, ["kelly_fraction"], reference=f"0.5 x {qs_v} stats.kelly_criterion")
    # fixed-fractional sizing: entry at the close, stop at the low (closed form per bar)
    for ds in ("msft", "sp500_tail"):
        close, low = col(ds, "close"), col(ds, "low")
        with np.errstate(all="ignore"):
            units = np.where(np.abs(close - low) > 0, 250_000 * 0.02 / np.abs(close - low), np.nan)
        w.case(id=f"fixed_fractional_size/{ds}/default", module="risk", function="fixed_fractional_size",
               reference="closed form: equity * risk_fraction / |entry - stop|",
               inputs=[("entry_price", ds, "close"), ("stop_price", ds, "low")],
               params={"equity": 250_000.0, "risk_fraction": 0.02}, outputs=[("units", units)], tolerance=TOL_DEFAULT)

    # summary: each field is the empyrical function of that name (scipy.stats for skew/kurtosis)
    fields = [("annual_return", empyrical.annual_return), ("cum_returns", empyrical.cum_returns_final),
              ("annual_volatility", empyrical.annual_volatility), ("sharpe_ratio", empyrical.sharpe_ratio),
              ("calmar_ratio", empyrical.calmar_ratio), ("max_drawdown", empyrical.max_drawdown),
              ("omega_ratio", empyrical.omega_ratio), ("sortino_ratio", empyrical.sortino_ratio),
              ("skew", stats.skew), ("kurtosis", stats.kurtosis), ("tail_ratio", empyrical.tail_ratio),
              ("value_at_risk", empyrical.value_at_risk),
              ("conditional_value_at_risk", empyrical.conditional_value_at_risk)]
    for ds in singles + ["runup_crash"]:
        r = col(ds, "returns")
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vals = [f(r) if len(r) else np.nan for _, f in fields]
        if ds == "runup_crash":
            # the truth in log space: empyrical's wealth overflows (inf annual return, NaN drawdown)
            vals[0] = np.expm1((80_000 * np.log1p(0.01) + 312 * np.log1p(-0.01)) * 252 / len(r))
            vals[5] = 0.99 ** 312 - 1.0
            vals[4] = vals[0] / abs(vals[5])
        case("summary", ds, [("returns", "returns")], {}, "default", vals, [n for n, _ in fields],
             reference=f"{emp_v} functions of the same names with their defaults; scipy {scipy.__version__} "
                       "stats.skew / stats.kurtosis", tol={"rel": 1e-9, "abs_scale": 1e-12})

    # convention presets: quantstats (annual rates, its historical CVaR) and skfolio (positive
    # losses by its rank rule, uncompounded drawdown), each against the library itself
    from skfolio import measures as skm

    sk_v = f"skfolio {version('skfolio')}"

    def qser(r: np.ndarray):
        return pd.Series(r, index=pd.bdate_range("2000-01-03", periods=len(r)), dtype=float)

    def quiet(f, r):
        import warnings
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(f(r)) if len(r) and np.any(~np.isnan(r)) else np.nan

    one = [("returns", "returns")]
    for ds in singles:
        r = col(ds, "returns")
        for rf, per, ann in ((0.03, "daily", 252), (0.05, "monthly", 12)):
            p = {"risk_free": rf, "period": per, "convention": "quantstats"}
            # constant returns: pandas' std is rounding noise (a ratio of 1e16); ours is 0 (inf)
            if ds != "const_returns":
                case("sharpe_ratio", ds, one, p, f"qs_rf{rf}_{per}", quiet(lambda x: qs.stats.sharpe(qser(x), rf=rf, periods=ann), r),
                     ["sharpe_ratio"], reference=f"{qs_v} stats.sharpe(rf={rf}, periods={ann}) (annual risk-free rate)")
            if ds != "one_return":  # fewer than 2 returns: NaN as in empyrical (quantstats divides anyway)
                p = {"required_return": rf, "period": per, "convention": "quantstats"}
                case("sortino_ratio", ds, one, p, f"qs_rf{rf}_{per}",
                     quiet(lambda x: qs.stats.sortino(qser(x), rf=rf, periods=ann), r), ["sortino_ratio"],
                     reference=f"{qs_v} stats.sortino(rf={rf}, periods={ann}) (annual rate as the target)")
        for c in (0.05, 0.01):
            case("conditional_value_at_risk", ds, one, {"cutoff": c, "convention": "quantstats"}, f"qs_hist_c{c}",
                 quiet(lambda x: qs.stats.conditional_value_at_risk(qser(x), confidence=1 - c, method="historical"), r),
                 ["conditional_value_at_risk"],
                 reference=f"{qs_v} stats.conditional_value_at_risk(confidence={1 - c}, method='historical')")
            if ds not in ("one_return", "const_returns"):  # a zero or undefined deviation
                case("value_at_risk", ds, one, {"cutoff": c, "method": "gaussian", "convention": "quantstats"},
                     f"qs_gauss_c{c}", quiet(lambda x: qs.stats.value_at_risk(qser(x), confidence=1 - c), r),
                     ["value_at_risk"], reference=f"{qs_v} stats.value_at_risk(confidence={1 - c}) (normal quantile)")
            for fn, f in (("value_at_risk", skm.value_at_risk), ("conditional_value_at_risk", skm.cvar)):
                case(fn, ds, one, {"cutoff": c, "convention": "skfolio"}, f"sk_c{c}",
                     quiet(lambda x: f(x, beta=1 - c), r), [fn],
                     reference=f"{sk_v} measures.{f.__name__}(returns, beta={1 - c}) (positive loss)")
        case("max_drawdown", ds, one, {"convention": "skfolio"}, "sk",
             quiet(lambda x: skm.max_drawdown(skm.get_drawdowns(x, compounded=False)), r), ["max_drawdown"],
             reference=f"{sk_v} measures.max_drawdown(get_drawdowns(returns, compounded=False)) (positive)")
        # summary under each preset: the replaced fields from the libraries, the rest empyrical's
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                base = [f(r) if len(r) else np.nan for _, f in fields]
        qv = list(base)
        if ds != "one_return":
            qv[7] = quiet(lambda x: qs.stats.sortino(qser(x)), r)
        qv[12] = quiet(lambda x: qs.stats.conditional_value_at_risk(qser(x), confidence=0.95, method="historical"), r)
        case("summary", ds, one, {"convention": "quantstats"}, "quantstats", qv, [n for n, _ in fields],
             reference=f"{emp_v} functions; sortino_ratio and conditional_value_at_risk from {qs_v} "
                       "stats.sortino / conditional_value_at_risk(method='historical')",
             tol={"rel": 1e-9, "abs_scale": 1e-12})
        sv = list(base)
        sv[5] = quiet(lambda x: skm.max_drawdown(skm.get_drawdowns(x, compounded=False)), r)
        sv[11] = quiet(lambda x: skm.value_at_risk(x, beta=0.95), r)
        sv[12] = quiet(lambda x: skm.cvar(x, beta=0.95), r)
        case("summary", ds, one, {"convention": "skfolio"}, "skfolio", sv, [n for n, _ in fields],
             reference=f"{emp_v} functions; max_drawdown, value_at_risk and conditional_value_at_risk from "
                       f"{sk_v} measures (positive losses, uncompounded drawdown)",
             tol={"rel": 1e-9, "abs_scale": 1e-12})

    # rolling correlation with a benchmark: pandas' rolling().corr (pairwise complete periods)
    for ds in pairs:
        r, f = col(ds, "returns"), col(ds, "factor")
        for window, minp in ((20, 0), (63, 0), (63, 30)):
            with np.errstate(all="ignore"):
                ref = pd.Series(r).rolling(window, min_periods=minp or window).corr(pd.Series(f)).to_numpy(float)
            case("rolling_correlation", ds, [("returns", "returns"), ("factor_returns", "factor")],
                 {"window": window, "min_periods": minp}, f"w{window}_m{minp}", ref, ["correlation"],
                 reference=f"pandas {pd.__version__} Series.rolling({window}, min_periods={minp or window}).corr",
                 tol={"rel": 1e-9, "abs_scale": 1e-11})

    # rolling, single series
    for ds in ("sp500_index_returns", "nan_returns", "one_return", "empty_returns"):
        for window in (20, 252):
            t = f"w{window}"
            emp("roll_sharpe_ratio", ds, {"window": window}, t, names=["arr"], outs=["sharpe_ratio"])
            emp("roll_sortino_ratio", ds, {"window": window}, t, names=["arr"], outs=["sortino_ratio"])
            emp("roll_annual_volatility", ds, {"window": window}, t, names=["arr"], outs=["annual_volatility"])
            emp("roll_max_drawdown", ds, {"window": window}, t, names=["arr"], outs=["max_drawdown"])
    emp("roll_sharpe_ratio", "nan_returns", {"window": 60, "risk_free": 0.0001, "period": "weekly"}, "rf_weekly",
        names=["arr"], outs=["sharpe_ratio"])
    emp("roll_sortino_ratio", "nan_returns", {"window": 60, "required_return": 0.0001, "annualization": 365.0},
        "req_ann365", names=["arr"], outs=["sortino_ratio"])
    emp("roll_annual_volatility", "nan_returns", {"window": 60, "alpha": 3.0, "period": "monthly"}, "alpha3",
        names=["arr"], outs=["annual_volatility"])

    # pairs
    for ds in pairs:
        pc = ["returns", "factor"]
        for fn in ("alpha", "alpha_aligned"):
            emp(fn, ds, {}, cols=pc, outs=["alpha"])
            emp(fn, ds, {"risk_free": 0.0001, "period": "weekly"}, "rf_weekly", cols=pc, outs=["alpha"])
        for fn in ("beta", "beta_aligned"):
            emp(fn, ds, {}, cols=pc, outs=["beta"])
        for fn in ("alpha_beta", "alpha_beta_aligned", "up_alpha_beta", "down_alpha_beta"):
            emp(fn, ds, {}, cols=pc, outs=["alpha_beta"])
            emp(fn, ds, {"risk_free": 0.0001, "annualization": 365.0}, "rf_ann365", cols=pc, outs=["alpha_beta"])
        emp("excess_sharpe", ds, {}, cols=pc)
        for fn in ("capture", "up_capture", "down_capture", "up_down_capture"):
            emp(fn, ds, {}, cols=pc)
            emp(fn, ds, {"period": "weekly"}, "weekly", cols=pc)
        for fn in ("beta_fragility_heuristic", "beta_fragility_heuristic_aligned"):
            emp(fn, ds, {}, cols=pc, outs=["beta_fragility_heuristic"])
        emp("batting_average", ds, {}, cols=pc, call=lambda r, f: empyrical.batting_average(r, f).to_numpy(float))
        r, f = col(ds, "returns"), col(ds, "factor")
        with np.errstate(all="ignore"):
            ir = empyrical.excess_sharpe(r, f) * np.sqrt(252.0)
            adj = r - 0.0001
            tr = (np.nanmean(adj) if len(r) >= 2 else np.nan) * 252.0 / empyrical.beta(r, f)
        case("information_ratio", ds, [("returns", "returns"), ("factor_returns", "factor")], {}, "default",
             ir, ["information_ratio"], reference=f"{emp_v} excess_sharpe * sqrt(252)")
        case("treynor_ratio", ds, [("returns", "returns"), ("factor_returns", "factor")], {"risk_free": 0.0001},
             "rf", tr, ["treynor_ratio"], reference=f"mean(r - rf) * 252 / {emp_v} beta")
        for window in (20, 126):
            t = f"w{window}"
            lr = ["lhs", "rhs"]
            emp("roll_alpha", ds, {"window": window}, t, names=lr, cols=pc, outs=["alpha"])
            emp("roll_alpha_aligned", ds, {"window": window}, t, names=lr, cols=pc, outs=["alpha"])
            emp("roll_beta", ds, {"window": window}, t, names=lr, cols=pc, outs=["beta"])
            emp("roll_beta_aligned", ds, {"window": window}, t, names=lr, cols=pc, outs=["beta"])
            emp("roll_alpha_beta", ds, {"window": window}, t, cols=pc, outs=["alpha", "beta"])
            emp("roll_alpha_beta_aligned", ds, {"window": window}, t, names=lr, cols=pc, outs=["alpha", "beta"])
            for fn in ("roll_up_capture", "roll_down_capture", "roll_up_down_capture"):
                emp(fn, ds, {"window": window}, t, cols=pc)


if __name__ == "__main__":
    sys.exit(main())
