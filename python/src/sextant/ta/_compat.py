"""TA-Lib's module-level settings: ``MA_Type`` (the codes of every ``matype`` parameter),
``set_unstable_period`` / ``get_unstable_period`` and ``set_compatibility`` /
``get_compatibility``.

Sextant's indicators take the unstable period per call (``unstable_period=``, TA-Lib's ``ALL``
setting for that call); ``set_unstable_period`` keeps TA-Lib's per-function-id settings for
code written against ``talib`` and applies them to every call that does not pass
``unstable_period`` itself.
"""

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


# TA-Lib's unstable-period ids that Sextant's indicators have (TA_FUNC_UNST_*)
UNSTABLE_IDS = ("ADX", "ATR", "CMO", "DX", "EMA", "HA", "KAMA", "MINUS_DI", "MINUS_DM", "NATR",
                "PLUS_DI", "PLUS_DM", "RMA", "RSI", "RVI", "T3", "HT_DCPERIOD", "HT_PHASOR", "MAMA")
# ids TA-Lib retired: they follow another id (TA-Lib warns and ignores them)
_RETIRED = {"ADXR": "ADX", "STOCHRSI": "RSI", "MFI": None}
_unstable: dict[str, int] = {}


def _error(cls_name: str, code: str, parameter: str, message: str) -> Exception:
    from sextant import _native

    err = getattr(_native, cls_name)(message)
    err.code = code
    err.parameter = parameter
    return err


def set_unstable_period(name: str, period: int) -> None:
    """TA-Lib's ``set_unstable_period``: every later call of a function with a stage of this id
    (``"EMA"``, ``"RSI"``, ... or ``"ALL"``) withholds that stage's first ``period`` values, as
    TA-Lib does. A call passing ``unstable_period=`` itself is not affected.

    >>> import numpy as np, sextant.ta as ta
    >>> ta.set_unstable_period("EMA", 5)
    >>> int(np.isnan(ta.EMA(np.arange(40.0), 10)).sum())
    14
    >>> ta.set_unstable_period("ALL", 0)
    """
    if isinstance(period, bool) or not isinstance(period, int) or not 0 <= period <= 100_000:
        raise _error("ParameterError", "OUT_OF_RANGE", "period",
                     f"parameter `period` = {period!r} is out of range: must be an integer in [0, 100000]")
    if name in _RETIRED:
        import warnings

        follows = _RETIRED[name]
        warnings.warn(f"unstable period '{name}' has no effect: "
                      + (f"it follows the inner {follows}; set '{follows}' instead" if follows
                         else "TA-Lib retired it"), DeprecationWarning, stacklevel=2)
        return
    if name == "ALL":
        _unstable.clear()
        if period:
            _unstable.update({i: period for i in UNSTABLE_IDS})
        return
    if name not in UNSTABLE_IDS:
        raise _error("ParameterError", "UNKNOWN_OPTION", "name",
                     f"unknown unstable-period id {name!r}: one of ALL, {', '.join(UNSTABLE_IDS)}")
    if period:
        _unstable[name] = period
    else:
        _unstable.pop(name, None)


def get_unstable_period(name: str) -> int:
    """TA-Lib's ``get_unstable_period``: the period set for an id (0 when none)."""
    if name in _RETIRED:
        return 0
    if name != "ALL" and name not in UNSTABLE_IDS:
        raise _error("ParameterError", "UNKNOWN_OPTION", "name",
                     f"unknown unstable-period id {name!r}: one of ALL, {', '.join(UNSTABLE_IDS)}")
    return _unstable.get(UNSTABLE_IDS[0] if name == "ALL" else name, 0)


def with_unstable(params: tuple, index: "int | None") -> tuple:
    """The parameters of one call with the module-level unstable periods appended (for the
    native layer), unless the call sets ``unstable_period`` itself."""
    if not _unstable or index is None or params[index]:
        return params
    return params + (dict(_unstable),)


_compatibility = 0


def set_compatibility(value: int) -> None:
    """TA-Lib's ``set_compatibility``: 0 (default) is TA-Lib's own behaviour, which every
    function follows. 1 (Metastock: EMA seeded with the first price, RSI/CMO one bar earlier) is
    not implemented: it raises ``UnsupportedError``. TA-Lib 0.8.2's own ``set_compatibility(1)``
    has no effect (``get_compatibility()`` stays 0), so there is no reference to match."""
    global _compatibility
    if value == 0:
        _compatibility = 0
        return
    if value == 1:
        raise _error("UnsupportedError", "UNSUPPORTED", "value",
                     "set_compatibility(1) (Metastock) is not implemented: TA-Lib 0.8.2 itself ignores it "
                     "(get_compatibility() stays 0), so every function follows TA-Lib's default")
    raise _error("ParameterError", "OUT_OF_RANGE", "value",
                 f"parameter `value` = {value!r} is out of range: 0 (default) or 1 (Metastock)")


def get_compatibility() -> int:
    """TA-Lib's ``get_compatibility``: always 0 (TA-Lib's default behaviour)."""
    return _compatibility
