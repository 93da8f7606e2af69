"""TA-Lib's ``MA_Type``: the moving-average codes taken by every ``matype`` parameter."""

from __future__ import annotations


class _MAType:
    """``MA_Type.SMA == 0`` ... ``MA_Type.RMA == 13``; ``MA_Type[code]`` gives the long name."""

    SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA, MAMA, T3, HMA, DISABLED, DEFAULT, ZLEMA, RMA = range(14)

    _lookup = {
        0: "Simple Moving Average",
        1: "Exponential Moving Average",
        2: "Weighted Moving Average",
        3: "Double Exponential Moving Average",
        4: "Triple Exponential Moving Average",
        5: "Triangular Moving Average",
        6: "Kaufman Adaptive Moving Average",
        7: "MESA Adaptive Moving Average",
        8: "Triple Generalized Double Exponential Moving Average",
        9: "Hull Moving Average",
        10: "No Moving Average (identity)",
        11: "The Function's Own Default Moving Average",
        12: "Zero-Lag Exponential Moving Average",
        13: "Wilder's Smoothed Moving Average",
    }

    def __getitem__(self, code: int) -> str:
        return self._lookup[code]

    def __repr__(self) -> str:
        return "MA_Type(" + ", ".join(f"{k}={v}" for k, v in vars(type(self)).items() if k.isupper()) + ")"


MA_Type = _MAType()
