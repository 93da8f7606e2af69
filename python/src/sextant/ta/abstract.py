"""TA-Lib's abstract API: functions looked up by name and called on a dict or DataFrame of
OHLCV columns.

    >>> import numpy as np
    >>> from sextant.ta import abstract
    >>> prices = {"close": np.arange(1.0, 7.0)}
    >>> abstract.Function("SMA", timeperiod=3)(prices)[2:]
    array([2., 3., 4., 5.])
    >>> abstract.BBANDS.lookback
    19

Everything is derived from the same declarations as ``sextant.ta``: ``info``,
``input_names``, ``parameters``, ``output_names``, ``lookback``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sextant import _native
from sextant._surface import functions

_BY_NAME = {f["name"]: f for f in functions("ta")}


def _talib_inputs(names: list[str]) -> tuple["OrderedDict[str, Any]", list[str]]:
    """TA-Lib's input_names for a declaration, and the column each input reads."""
    if names == ["real"]:
        return OrderedDict(price="close"), ["close"]
    if names == ["real0", "real1"]:
        return OrderedDict(price0="high", price1="low"), ["high", "low"]
    shown: OrderedDict[str, Any] = OrderedDict()
    cols = []
    for n in names:
        if n == "real":
            shown["price"] = "close"
            cols.append("close")
        else:
            shown.setdefault("prices", []).append(n)
            cols.append(n)
    return shown, cols


# Sextant call options beside TA-Lib's parameters
_OPTIONS = ("nan_policy", "unstable_period")

class Function:
    """One indicator by name: ``Function("RSI", timeperiod=10)(inputs)``."""

    def __init__(self, function_name: str, *args: Any, **kwargs: Any) -> None:
        name = function_name.upper()
        if name not in _BY_NAME:
            err = _native.UnknownFunctionError(f"unknown function `{function_name}`")
            err.code, err.parameter = "UNKNOWN_FUNCTION", None
            raise err
        self._info = _BY_NAME[name]
        self._native = _native.function("ta", name)
        self._params: OrderedDict[str, Any] = OrderedDict((p["name"], p["default"]) for p in self._info["params"])
        self._input_names, self._cols = _talib_inputs([i["name"] for i in self._info["inputs"]])
        self.set_parameters(*args, **kwargs)

    # -- description
    @property
    def info(self) -> dict:
        return {
            "name": self._info["name"],
            "group": self._info["group"],
            "display_name": self._info["summary"],
            "function_flags": ["Function has a streaming API"] if self._info["streaming"] else [],
            "input_names": self.input_names,
            "parameters": self.parameters,
            "output_flags": OrderedDict((o["name"], ["Line"]) for o in self._info["outputs"]),
            "output_names": self.output_names,
        }

    @property
    def input_names(self) -> "OrderedDict[str, Any]":
        return OrderedDict(self._input_names)

    @input_names.setter
    def input_names(self, names: dict) -> None:
        """Maps inputs to other columns, e.g. ``{"price": "open"}``."""
        for key, value in names.items():
            if key not in self._input_names:
                raise _native.ParameterError(f"unknown input `{key}`; inputs: {', '.join(self._input_names)}")
            self._input_names[key] = value
        cols = []
        for key, value in self._input_names.items():
            cols.extend(value if isinstance(value, list) else [value])
        self._cols = cols

    @property
    def parameters(self) -> "OrderedDict[str, Any]":
        """TA-Lib's parameters; Sextant's call options (``nan_policy``, ``unstable_period``) are
        settable by name but not listed, so the dict equals TA-Lib's."""
        return OrderedDict((k, v) for k, v in self._params.items() if k not in _OPTIONS)

    def set_parameters(self, parameters: dict | None = None, *args: Any, **kwargs: Any) -> None:
        """Sets parameters by name (a dict and/or keywords) or positionally, in TA-Lib's order."""
        positional = list(args)
        if parameters is not None and not isinstance(parameters, dict):
            positional.insert(0, parameters)
            parameters = None
        names = [n for n in self._params if n not in _OPTIONS]
        if len(positional) > len(names):
            raise TypeError(f"{self._info['name']} takes {len(names)} parameters, got {len(positional)}")
        updates = dict(zip(names, positional))
        updates.update(parameters or {})
        updates.update(kwargs)
        for key in updates:
            if key not in self._params:
                err = _native.ParameterError(f"function `{self._info['name']}` has no parameter `{key}`; "
                                             f"parameters: {', '.join(names)}")
                err.code, err.parameter = "UNKNOWN_PARAMETER", key
                raise err
        self._params.update(updates)

    @property
    def output_names(self) -> list[str]:
        return [o["name"] for o in self._info["outputs"]]

    @property
    def lookback(self) -> int:
        from sextant.ta._compat import with_unstable

        params = tuple(self._params.values())
        index = next((k for k, n in enumerate(self._params) if n == "unstable_period"), None)
        return self._native.lookback(with_unstable(params, index))

    # -- calls
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``f(inputs, *params, **params)``: ``inputs`` a dict of arrays or a DataFrame with the
        columns named by ``input_names``. Returns an array (several outputs: a list of arrays;
        DataFrame in: Series / DataFrame out)."""
        if not args:
            raise TypeError(f"{self._info['name']} needs the input data (a dict or DataFrame of columns)")
        inputs, params = args[0], args[1:]
        saved = OrderedDict(self._params)
        try:
            self.set_parameters(*params, **kwargs)
            return self._run(inputs)
        finally:
            self._params = saved

    def run(self, inputs: Any) -> Any:
        """Computes with the current parameters."""
        return self._run(inputs)

    def _run(self, inputs: Any) -> Any:
        import sextant.ta

        missing = [c for c in self._cols if c not in inputs]
        if missing:
            err = _native.InputError(f"input column(s) {', '.join(map(repr, missing))} missing; "
                                     f"{self._info['name']} reads {', '.join(self._cols)}")
            err.code, err.parameter = "INVALID_INPUT", missing[0]
            raise err
        columns = [inputs[c] for c in self._cols]
        result = getattr(sextant.ta, self._info["name"])(*columns, **self._params)
        if type(inputs).__module__.split(".")[0] == "pandas" and hasattr(inputs, "columns"):
            import pandas as pd

            if isinstance(result, tuple):
                return pd.DataFrame({n: r for n, r in zip(self.output_names, result)}, index=inputs.index)
            return result
        return list(result) if isinstance(result, tuple) else result

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"<sextant abstract {self._info['name']}({params})>"


def __getattr__(name: str) -> Function:
    if name in _BY_NAME:
        return Function(name)
    raise AttributeError(f"module 'sextant.ta.abstract' has no attribute {name!r}")


__all__ = ["Function", *_BY_NAME]
