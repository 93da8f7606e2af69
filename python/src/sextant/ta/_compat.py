"""TA-Lib's module-level settings: ``MA_Type`` (the codes of every ``matype`` parameter),
``set_unstable_period`` / ``get_unstable_period``, ``set_compatibility`` /
``get_compatibility`` and ``set_candle_settings`` / ``restore_candle_default_settings``.

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


class _Codes:
    """Named integer codes, as TA-Lib's enums: ``CandleSettingType.BodyLong == 0``."""

    def __init__(self, name: str, names: tuple) -> None:
        self._name = name
        self._names = names
        for code, n in enumerate(names):
            setattr(self, n, code)

    def __getitem__(self, code: int) -> str:
        return self._names[code]

    def __repr__(self) -> str:
        return f"{self._name}(" + ", ".join(f"{n}={k}" for k, n in enumerate(self._names)) + ")"


# TA-Lib's TA_CandleSettingType (AllCandleSettings = 11 sets every one) and TA_RangeType
_SETTING_NAMES = ("BodyLong", "BodyVeryLong", "BodyShort", "BodyDoji", "ShadowLong", "ShadowVeryLong",
                  "ShadowShort", "ShadowVeryShort", "Near", "Far", "Equal", "AllCandleSettings")
CandleSettingType = _Codes("CandleSettingType", _SETTING_NAMES)
RangeType = _Codes("RangeType", ("RealBody", "HighLow", "Shadows"))
# TA-Lib's defaults (TA_CandleDefaultSettings): (rangetype, avgperiod, factor)
_CANDLE_DEFAULTS = {
    "BodyLong": (0, 10, 1.0), "BodyVeryLong": (0, 10, 3.0), "BodyShort": (0, 10, 1.0),
    "BodyDoji": (1, 10, 0.1), "ShadowLong": (0, 0, 1.0), "ShadowVeryLong": (0, 0, 2.0),
    "ShadowShort": (2, 10, 1.0), "ShadowVeryShort": (1, 10, 0.1), "Near": (1, 5, 0.2),
    "Far": (1, 5, 0.6), "Equal": (1, 5, 0.05),
}
_candles: dict[str, tuple] = {}


def _code(value, names: tuple, what: str) -> int:
    if isinstance(value, str):
        if value in names:
            return names.index(value)
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return int(value)
    raise _error("ParameterError", "UNKNOWN_OPTION", what,
                 f"unknown {what} {value!r}: one of {', '.join(names)} (or their codes 0-{len(names) - 1})")


def set_candle_settings(settingtype, rangetype, avgperiod: int, factor: float) -> None:
    """TA-Lib's ``TA_SetCandleSettings``: every later candlestick-pattern call measures this
    setting (``CandleSettingType.BodyLong`` or ``"BodyLong"``; ``AllCandleSettings`` is refused,
    as TA-Lib does, and only ``restore_candle_default_settings`` takes it) as ``factor`` times
    the average ``rangetype`` (``RangeType.RealBody``/``HighLow``/``Shadows`` or their names) of
    the ``avgperiod`` previous candles (0: the candle's own range).

    >>> import numpy as np, sextant.ta as ta
    >>> o = np.array([10.0, 10.0, 10.0]); c = np.array([10.5, 10.02, 11.0])
    >>> h = np.maximum(o, c) + 0.2; l = np.minimum(o, c) - 0.2
    >>> ta.CDLDOJI(o, h, l, c).tolist()[-1]
    0
    >>> ta.set_candle_settings("BodyDoji", "HighLow", 2, 0.1)
    >>> ta.CDLDOJI(o, h, l, c).tolist()
    [0, 0, 0]
    >>> ta.set_candle_settings("BodyDoji", "RealBody", 0, 1.0)
    >>> ta.CDLDOJI(o, h, l, c).tolist()
    [100, 100, 100]
    >>> ta.restore_candle_default_settings()
    """
    setting = _SETTING_NAMES[_code(settingtype, _SETTING_NAMES[:-1], "settingtype")]
    rng = _code(rangetype, RangeType._names, "rangetype")
    if isinstance(avgperiod, bool) or not isinstance(avgperiod, int) or not 0 <= avgperiod <= 100_000:
        raise _error("ParameterError", "OUT_OF_RANGE", "avgperiod",
                     f"parameter `avgperiod` = {avgperiod!r} is out of range: must be an integer in [0, 100000]")
    try:
        factor = float(factor)
    except (TypeError, ValueError):
        factor = float("nan")
    if not (factor >= 0.0 and factor != float("inf")):
        raise _error("ParameterError", "OUT_OF_RANGE", "factor",
                     f"parameter `factor` = {factor!r} is out of range: must be finite and >= 0")
    value = (rng, int(avgperiod), factor)
    if value == _CANDLE_DEFAULTS[setting]:
        _candles.pop(setting, None)
    else:
        _candles[setting] = value


def restore_candle_default_settings(settingtype="AllCandleSettings") -> None:
    """TA-Lib's ``TA_RestoreCandleDefaultSettings``: one setting (or all) back to TA-Lib's
    default."""
    setting = _SETTING_NAMES[_code(settingtype, _SETTING_NAMES, "settingtype")]
    if setting == "AllCandleSettings":
        _candles.clear()
    else:
        _candles.pop(setting, None)


def with_candles(params: tuple) -> tuple:
    """The parameters of one candlestick-pattern call with the changed candle settings appended
    (for the native layer)."""
    if not _candles:
        return params
    return params + (dict(_candles),)
