"""Reference outputs from pandas-ta for Sextant's indicators that TA-Lib does not have.

pandas-ta needs Python >= 3.12, so generate.py (run in the 3.11 references venv) calls this
script in its own venv (`scripts/golden/run.sh` makes it) with a JSON list of jobs on stdin:
    {"fn": "ALMA", "params": {...Sextant's parameters...}, "inputs": {"close": "<.f64 file>"},
     "out": "<path prefix>"}
and it writes one `<prefix>_<k>.f64` per output. TA-Lib is installed in that venv too, so
pandas-ta's components that have a TA-Lib form (SMA, EMA, ATR, RSI, ROC, ...) are TA-Lib's,
as Sextant's are; the exceptions are stated below per function.

Each entry maps Sextant's parameters to the pandas-ta call and returns the outputs in Sextant's
order. Where Sextant's definition differs from pandas-ta's on purpose (a scale factor, an
unshifted plot offset), the adjustment is made here and stated.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pandas_ta as ta


def _s(a):
    return pd.Series(a)


class TooShort(Exception):
    """pandas-ta returns None on a series shorter than it needs: no output (all NaN)."""


def _n(x):
    if x is None:
        raise TooShort
    return x


def alma(i, p):
    # pandas-ta floors the Gaussian's centre offset * (length - 1): Sextant's floor=1
    assert p["floor"] == 1
    return [ta.alma(_s(i["real"]), length=p["timeperiod"], sigma=p["sigma"], dist_offset=p["offset"])]


def fisher(i, p):
    df = ta.fisher(_s(i["high"]), _s(i["low"]), length=p["timeperiod"], signal=p["signalperiod"])
    _n(df)
    return [df.iloc[:, 0], df.iloc[:, 1]]


def kst(i, p):
    df = ta.kst(_s(i["real"]), roc1=p["roc1"], roc2=p["roc2"], roc3=p["roc3"], roc4=p["roc4"],
                sma1=p["sma1"], sma2=p["sma2"], sma3=p["sma3"], sma4=p["sma4"], signal=p["signalperiod"])
    _n(df)
    # pandas-ta multiplies the weighted sum of percentage ROCs by 100 again; Sextant's KST is
    # Pring's (StockCharts): the weighted sum itself
    return [df.iloc[:, 0] / 100.0, df.iloc[:, 1] / 100.0]


def chop(i, p):
    return [ta.chop(_s(i["high"]), _s(i["low"]), _s(i["close"]), length=p["timeperiod"], atr_length=1)]


def crsi(i, p):
    return [ta.crsi(_s(i["real"]), rsi_length=p["rsiperiod"], streak_length=p["streakperiod"],
                    rank_length=p["rankperiod"])]


def kvo(i, p):
    df = ta.kvo(_s(i["high"]), _s(i["low"]), _s(i["close"]), _s(i["volume"]), fast=p["fastperiod"],
                slow=p["slowperiod"], signal=p["signalperiod"])
    _n(df)
    return [df.iloc[:, 0], df.iloc[:, 1]]


def eom(i, p):
    return [ta.eom(_s(i["high"]), _s(i["low"]), _s(i["close"]), _s(i["volume"]), length=p["timeperiod"],
                   divisor=p["divisor"])]


def rwi(i, p):
    df = ta.rwi(_s(i["high"]), _s(i["low"]), _s(i["close"]), length=p["timeperiod"])
    _n(df)
    return [df.iloc[:, 0], df.iloc[:, 1]]


def alligator(i, p):
    df = ta.alligator(_s(i["real"]), jaw=p["jawperiod"], teeth=p["teethperiod"], lips=p["lipsperiod"])
    _n(df)
    return [df.iloc[:, 0], df.iloc[:, 1], df.iloc[:, 2]]


def ichimoku(i, p):
    t, k, s = p["tenkanperiod"], p["kijunperiod"], p["senkouperiod"]
    res = ta.ichimoku(_s(i["high"]), _s(i["low"]), _s(i["high"]), tenkan=t, kijun=k, senkou=s)
    df = _n(_n(res)[0])
    # (the close only feeds the lagging span, which Sextant does not return: the high stands in)
    # pandas-ta shifts the two spans forward by kijun - 1 bars (where they are plotted); Sextant
    # returns each value on the bar it is computed from, so shift them back
    # ... and the last kijun - 1 computed values are in its second frame, the "future" spans
    fut = res[1]
    spans = []
    for c in (0, 1):
        v = df.iloc[:, c].shift(-(k - 1)).to_numpy(copy=True)
        if k > 1:
            v[-(k - 1):] = fut.iloc[:k - 1, c].to_numpy()
        spans.append(v)
    span_a, span_b = spans
    return [df.iloc[:, 2], df.iloc[:, 3], span_a, span_b]


FUNCS = {
    "ALMA": alma,
    "SINWMA": lambda i, p: [ta.sinwma(_s(i["real"]), length=p["timeperiod"])],
    "PWMA": lambda i, p: [ta.pwma(_s(i["real"]), length=p["timeperiod"])],
    "FWMA": lambda i, p: [ta.fwma(_s(i["real"]), length=p["timeperiod"])],
    "SWMA": lambda i, p: [ta.swma(_s(i["real"]), length=p["timeperiod"])],
    # Chande's CMO on plain sums (talib=False): TA-Lib's CMO is Wilder-smoothed
    "VIDYA": lambda i, p: [ta.vidya(_s(i["real"]), length=p["timeperiod"], talib=False)],
    "MCGD": lambda i, p: [ta.mcgd(_s(i["real"]), length=p["timeperiod"], c=p["c"])],
    "FISHER": fisher,
    "KST": kst,
    "UI": lambda i, p: [ta.ui(_s(i["real"]), length=p["timeperiod"])],
    "CHOP": chop,
    "CRSI": crsi,
    "KVO": kvo,
    "EOM": eom,
    "RWI": rwi,
    "CTI": lambda i, p: [ta.cti(_s(i["real"]), length=p["timeperiod"])],
    "BIAS": lambda i, p: [ta.bias(_s(i["real"]), length=p["timeperiod"])],
    "PSL": lambda i, p: [ta.psl(_s(i["real"]), length=p["timeperiod"])],
    "PGO": lambda i, p: [ta.pgo(_s(i["high"]), _s(i["low"]), _s(i["close"]), length=p["timeperiod"])],
    "ALLIGATOR": alligator,
    "ICHIMOKU": ichimoku,
}


def main() -> int:
    jobs = json.load(sys.stdin)
    for job in jobs:
        ins = {k: np.fromfile(v, dtype="<f8") for k, v in job["inputs"].items()}
        try:
            outs = [_n(o) for o in FUNCS[job["fn"]](ins, job["params"])]
        except TooShort:
            continue
        for k, o in enumerate(outs):
            np.asarray(o, dtype=np.float64).astype("<f8").tofile(f"{job['out']}_{k}.f64")
    print(f"pandas-ta {ta.version}: {len(jobs)} jobs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
