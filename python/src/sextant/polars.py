"""Polars expressions: every indicator as a polars expression plugin.

``sextant.polars.<NAME>`` builds a polars expression that computes the registry function
``<NAME>`` (TA-Lib's names, parameters and defaults, as in ``sextant.ta``) inside the polars
engine, with no round trip through numpy::

    >>> import polars as pl, sextant.polars as sp
    >>> df = pl.DataFrame({"symbol": ["a"] * 4 + ["b"] * 3,
    ...                    "close": [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0]})
    >>> df.with_columns(sp.SMA(pl.col("close"), timeperiod=3).over("symbol").alias("sma"))["sma"].to_list()
    [None, None, 2.0, 3.0, None, None, 20.0]

Rules (docs/polars.md):

- Groups: under ``.over(...)`` (and in ``group_by().agg``) each group is computed on its own,
  as the numpy function computes that group's slice: the warm-up restarts in every group (a
  group shorter than the lookback is all null) and no value uses another group's rows.
- Warm-up and missing values: a NaN output is null; int32 outputs (candlestick patterns) are
  null through the warm-up. A null input is read as NaN, so ``nan_policy`` decides:
  ``"default"`` skips leading nulls and re-seeds after an interior null (null while the window
  or memory holds it), ``"talib"`` gives null from the first interior null to the end.
- Inputs: expressions, column names or Series; functions of OHLCV bars default to the columns
  ``open``, ``high``, ``low``, ``close``, ``volume``. Integer and float32 columns are widened to
  float64.
- Several outputs (MACD, BBANDS, STOCH, ...) come back as one struct column with the outputs'
  names as fields (``.struct.unnest()`` or ``.struct.field("macdsignal")``).
- Parameters are checked when the expression is built: a bad value raises
  ``sextant.ParameterError`` naming the parameter and its bound.
- ``sextant.ta.set_unstable_period`` and ``set_candle_settings`` apply as they are when the
  expression is built.

The plugin is one generic Rust function (``bindings/polars``, a library of its own so that
polars stays out of ``sextant._native``): it resolves the function from the registry by name.
Nothing here is written per function.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import polars as _pl
from polars.plugins import register_plugin_function as _register

from sextant import _native
from sextant._surface import REGISTRY as _REGISTRY
from sextant._surface import _split, _unstable_index, _uses_candles

__all__: list[str] = []

_OHLCV = ("open", "high", "low", "close", "volume")
_LIB_NAMES = ("libsextant_polars.so", "libsextant_polars.dylib", "sextant_polars.dll")


def _find_library() -> Path:
    """The plugin library: ``$SEXTANT_POLARS_PLUGIN``, else next to this file."""
    env = os.environ.get("SEXTANT_POLARS_PLUGIN")
    if env:
        return Path(env)
    here = Path(__file__).parent
    for name in _LIB_NAMES:
        if (here / name).is_file():
            return here / name
    raise ImportError(
        "sextant.polars: the plugin library (libsextant_polars) is not built; build it with "
        "`cargo build --release -p sextant-polars` and copy it next to sextant/polars.py, or set "
        "SEXTANT_POLARS_PLUGIN to its path (scripts/stages/python.sh does this)"
    )


LIBRARY = _find_library()


def supported(info: dict) -> bool:
    """Whether a registry function has a polars expression: series in, same-length series out."""
    return (bool(info["inputs"]) and all(i["kind"] == "series" for i in info["inputs"])
            and all(o["kind"] == "series" for o in info["outputs"]))


def _as_expr(x: Any, name: str) -> _pl.Expr:
    if isinstance(x, _pl.Expr):
        return x
    if isinstance(x, str):
        return _pl.col(x)
    if isinstance(x, _pl.Series):
        return _pl.lit(x)
    err = _native.InputError(
        f"input `{name}` is invalid: expected a polars expression, column name or Series, got {type(x).__name__}")
    err.code = "INVALID_INPUT"
    err.parameter = name
    raise err


def _options(extra: tuple) -> dict[str, str]:
    """The global TA-Lib settings (the trailing dict the numpy path appends) as JSON kwargs."""
    unstable: dict[str, int] = {}
    candles: dict[str, list] = {}
    for d in extra:
        for k, v in d.items():
            if isinstance(v, (tuple, list)):
                candles[k] = [int(v[0]), int(v[1]), float(v[2])]
            else:
                unstable[k] = int(v)
    return {"unstable": json.dumps(unstable) if unstable else "",
            "candles": json.dumps(candles) if candles else ""}


class _Expr:
    """Builds the plugin expression of one registry function."""

    __slots__ = ("candles", "fn", "info", "names", "unstable")

    def __init__(self, info: dict) -> None:
        self.info = info
        self.fn = _native.function(info["module"], info["name"])
        self.names = [i["name"] for i in info["inputs"]]
        self.unstable = _unstable_index(info)
        self.candles = _uses_candles(info)

    def __call__(self, inputs: tuple, params: tuple) -> _pl.Expr:
        n = len(params)
        if self.unstable is not None:
            from sextant.ta._compat import with_unstable

            params = with_unstable(params, self.unstable)
        if self.candles:
            from sextant.ta._compat import with_candles

            params = with_candles(params)
        # validated now, by the core's own checks: ParameterError names the parameter and bound
        self.fn.lookback(params)
        kwargs = {"module": self.info["module"], "name": self.info["name"],
                  "params": json.dumps(list(params[:n])), **_options(params[n:])}
        return _register(
            plugin_path=LIBRARY,
            function_name="sextant_call",
            args=[_as_expr(x, name) for x, name in zip(inputs, self.names)],
            kwargs=kwargs,
            is_elementwise=False,
        )


def _doc(info: dict) -> str:
    outs = info["outputs"]
    if len(outs) == 1:
        ret = f"    A polars expression: {outs[0]['name']} ({'Int32' if outs[0]['dtype'] == 'i32' else 'Float64'}), " \
              "null through the warm-up; named after the first input."
    else:
        fields = ", ".join(f"{o['name']} ({'Int32' if o['dtype'] == 'i32' else 'Float64'})" for o in outs)
        ret = f"    A polars expression: a struct column with fields {fields}."
    lines = [f"{info['summary']} (polars expression).", "", info["doc"], "", "Args:"]
    for i in info["inputs"]:
        dflt = f", default pl.col({i['name']!r})" if all(k in _OHLCV for k in [j["name"] for j in info["inputs"]]) else ""
        lines.append(f"    {i['name']}: {i['doc']} (expression, column name or Series{dflt}).")
    for p in info["params"]:
        lines.append(f"    {p['name']} (default {p['default']!r}): {p['doc']}.")
    lines += ["", "Returns:", ret, "", "Computed per group under ``.over(...)``; see ``sextant.polars``."]
    return "\n".join(lines)


def _source(info: dict) -> str:
    ins = [i["name"] for i in info["inputs"]]
    ohlcv = all(n in _OHLCV for n in ins)
    ps, opts = _split(info)
    sig = [f"{n}={n!r}" if ohlcv else n for n in ins]
    sig += [f"{p['name']}={p['default']!r}" for p in ps]
    if opts:
        sig += ["*"] + [f"{p['name']}={p['default']!r}" for p in opts]
    args = [p["name"] for p in info["params"]]
    tup = lambda xs: "(" + ", ".join(xs) + ("," if len(xs) == 1 else "") + ")"  # noqa: E731
    return f"def {info['name']}({', '.join(sig)}):\n    return _build({tup(ins)}, {tup(args)})\n"


def _install(ns: dict) -> None:
    for info in _REGISTRY:
        if not supported(info) or info["name"] in ns:
            continue
        scope = {"_build": _Expr(info)}
        exec(_source(info), scope)  # noqa: S102  (generated from the registry, as _surface does)
        f = scope[info["name"]]
        f.__doc__ = _doc(info)
        f.__module__ = __name__
        ns[info["name"]] = f
        __all__.append(info["name"])


_install(globals())
