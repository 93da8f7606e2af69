"""The Python surface, derived from the core's declarations.

Every public function of ``sextant.ta``, ``sextant.risk``, ``sextant.alloc``, ``sextant.mc``,
``sextant.sentiment``, ``sextant.ledger`` (and every
``sextant.ta.stream`` constructor) is generated here from ``_native.registry_json()``: the
signature (names, order, defaults), the docstring, input conversion and output wrapping. The
same descriptions produce the committed ``.pyi`` stubs and ``docs/functions.md``:

    python python/tools/surface.py --write [--docs DOCS_DIR]   regenerate
    python python/tools/surface.py --check [--docs DOCS_DIR]   fail on drift (CI)

Nothing here is written per function.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sextant import _native

REGISTRY: list[dict[str, Any]] = json.loads(_native.registry_json())
MODULES = ("ta", "risk", "alloc", "sentiment", "mc", "ledger", "autoindex")
TEXT_KINDS = ("text", "text_list", "json")


def functions(module: str) -> list[dict[str, Any]]:
    """The descriptions of one module's functions, in declaration order."""
    return [f for f in REGISTRY if f["module"] == module]


# --------------------------------------------------------------------------- conversion


def _input_error(name: str, reason: str) -> Exception:
    err = _native.InputError(f"input `{name}` is invalid: {reason}")
    err.code = "INVALID_INPUT"
    err.parameter = name
    return err


def _as_array(x: Any, kind: str, name: str) -> tuple[np.ndarray, Any]:
    """Converts one input to a C-contiguous float64 array without copying when it already is
    one. Returns the array and a description of the container (to give the same kind back)."""
    if type(x) is np.ndarray and ((x.dtype == np.float64 and x.flags.c_contiguous)
                                  or (x.dtype == np.float32 and kind == "series")):
        # float64 as is; float32 is widened to a float64 copy by the native layer
        arr, like = x, None
    else:
        mod = type(x).__module__.split(".")[0]
        like = None
        if mod == "pandas":
            if kind == "matrix" and hasattr(x, "columns"):
                like = ("pandas-columns", x.columns)
            elif hasattr(x, "index") and not hasattr(x, "columns"):
                like = ("pandas", x.index)
            else:
                raise _input_error(name, f"expected a pandas Series, got {type(x).__name__}")
            x = x.to_numpy(dtype=np.float64, na_value=np.nan)
        elif mod == "polars":
            import polars as pl

            if not isinstance(x, pl.Series):
                raise _input_error(name, f"expected a polars Series, got {type(x).__name__}")
            like = ("polars", x.name)
            x = x.cast(pl.Float64).to_numpy()
        elif x is None or isinstance(x, (str, bytes)):
            raise _input_error(name, f"expected an array of numbers, got {type(x).__name__}")
        try:
            arr = np.ascontiguousarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _input_error(name, f"cannot convert to float64 ({e})") from None
    want = 2 if kind == "matrix" else 1
    if arr.ndim != want:
        raise _input_error(name, f"expected a {want}-D array, got shape {arr.shape}")
    return arr, like


_THREADS = 0


def set_num_threads(n: int) -> None:
    """Threads for 2-D (bars x series) inputs; 0 (the default) uses every core."""
    global _THREADS
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        from sextant.errors import ParameterError

        err = ParameterError(f"parameter `n` is out of range: {n!r} (must be an integer >= 0)")
        err.code = "OUT_OF_RANGE"
        err.parameter = "n"
        raise err
    _THREADS = n


def get_num_threads() -> int:
    """The thread count set by :func:`set_num_threads` (0: every core)."""
    return _THREADS


def _is_2d(x: Any) -> bool:
    """A 2-D input of a function of series: a 2-D numpy array or a pandas DataFrame."""
    if isinstance(x, np.ndarray):
        return x.ndim == 2
    return type(x).__module__.split(".")[0] == "pandas" and hasattr(x, "columns")


def _as_columns(x: Any, name: str) -> tuple[np.ndarray, Any]:
    """A (bars x series) float64 array in C or Fortran order (copied only when neither, or for
    another dtype); a DataFrame gives its values and ``("pandas-frame", index, columns)``."""
    like = None
    if type(x).__module__.split(".")[0] == "pandas" and hasattr(x, "columns"):
        like = ("pandas-frame", x.index, x.columns)
        x = x.to_numpy(dtype=np.float64, na_value=np.nan)
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        arr = x  # widened to float64 (keeping its memory order) by the native layer
    else:
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _input_error(name, f"cannot convert to float64 ({e})") from None
    if arr.ndim != 2:
        raise _input_error(name, f"expected a 2-D (bars x series) array like the other inputs, got shape {arr.shape}")
    if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        arr = np.asfortranarray(arr)
    return arr, like


def _wrap_columns(values: list, outputs: list[dict], like: Any) -> list:
    """Outputs of a 2-D call: (length, series) arrays; a scalar output is one value per series.
    For a DataFrame input, DataFrames with its columns (a Series for scalar outputs)."""
    out = []
    for v, o in zip(values, outputs):
        if o["kind"] == "scalar":
            v = v[0] if v.shape[0] else np.full(v.shape[1], np.nan)
        if like is not None:
            import pandas as pd

            _, index, columns = like
            if o["kind"] == "scalar":
                v = pd.Series(v, index=columns, name=o["name"])
            elif o["kind"] == "series":
                v = pd.DataFrame(v, index=index, columns=columns)
            elif o["kind"] in ("rolling", "trimmed"):
                v = pd.DataFrame(v, index=_tail_index(index, o, len(v)), columns=columns)
        out.append(v)
    return out


def _tail_index(index: Any, o: dict, n: int) -> Any:
    """The index of an output shorter than the input: rolling outputs end at the input's end
    (empyrical's ``roll_*`` label each window by its last period); ``trimmed`` ones drop the
    first values (``simple_returns`` is ``pct_change().iloc[1:]``)."""
    if o["kind"] == "trimmed":
        return index[o.get("len") or 0:]
    return index[len(index) - n:]


def _wrap(values: list, outputs: list[dict], like: Any) -> Any:
    if like is not None:
        tag = like[0]
        wrapped = []
        for v, o in zip(values, outputs):
            if not isinstance(v, np.ndarray):
                wrapped.append(v)
            elif tag == "pandas" and o["kind"] == "series":
                import pandas as pd

                wrapped.append(pd.Series(v, index=like[1], name=o["name"] if len(outputs) > 1 else None))
            elif tag == "pandas" and o["kind"] in ("rolling", "trimmed"):
                import pandas as pd

                wrapped.append(pd.Series(v, index=_tail_index(like[1], o, len(v)),
                                         name=o["name"] if len(outputs) > 1 else None))
            elif tag == "pandas-columns" and o["kind"] == "per_column":
                import pandas as pd

                wrapped.append(pd.Series(v, index=like[1], name=o["name"]))
            elif tag == "pandas-columns" and o["kind"] == "square":
                import pandas as pd

                wrapped.append(pd.DataFrame(v, index=like[1], columns=like[1]))
            elif tag == "pandas-columns" and o["kind"] == "grid":
                import pandas as pd

                wrapped.append(pd.DataFrame(v, columns=like[1]))
            elif tag == "polars" and o["kind"] not in ("vector", "counted", "paths", "square", "per_step", "grid"):
                import polars as pl

                wrapped.append(pl.Series(o["name"], v, nan_to_null=v.dtype.kind == "f"))
            else:
                wrapped.append(v)
        values = wrapped
    return values[0] if len(values) == 1 else tuple(values)


def is_text(info: dict) -> bool:
    """Whether the function takes texts (str / list of str) rather than arrays."""
    return any(i["kind"] in TEXT_KINDS for i in info["inputs"])


def _jsonable(x: Any) -> Any:
    """A JSON-ready copy of ``x``: dicts, lists and tuples, numpy arrays and scalars, pandas
    DataFrames (a list of row dicts) and Series (``{index: value}``), ``Decimal`` (its exact
    text), dates and datetimes (ISO 8601; naive datetimes are UTC), NaN and infinities as
    ``None`` (JSON has none)."""
    import datetime as dt
    from decimal import Decimal

    if x is None or isinstance(x, (str, bool, int)):
        return x
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else None
    if isinstance(x, Decimal):
        return str(x) if x.is_finite() else None
    if isinstance(x, dt.datetime):
        return (x if x.tzinfo else x.replace(tzinfo=dt.timezone.utc)).isoformat().replace("+00:00", "Z")
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, dict) or (hasattr(x, "items") and not hasattr(x, "columns") and not hasattr(x, "dtype")):
        return {(k if isinstance(k, str) else _jsonable(k)): _jsonable(v) for k, v in x.items()}
    if hasattr(x, "columns") and hasattr(x, "to_dict"):  # pandas DataFrame: its rows
        return [_jsonable(r) for r in x.to_dict("records")]
    if hasattr(x, "index") and hasattr(x, "dtype") and hasattr(x, "items"):  # pandas Series
        return {_key(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return _jsonable(x.item())
    if hasattr(x, "isoformat"):  # pandas Timestamp, numpy datetime64 via .item()
        return _jsonable(x.to_pydatetime() if hasattr(x, "to_pydatetime") else x.isoformat())
    if isinstance(x, (list, tuple, np.ndarray)) or hasattr(x, "__iter__"):
        return [_jsonable(v) for v in x]
    raise TypeError(f"{type(x).__name__} is not representable as JSON")


def _key(k: Any) -> str:
    v = _jsonable(k)
    return v if isinstance(v, str) else json.dumps(v)


def _to_json(x: Any, name: str) -> str:
    try:
        # ensure_ascii=False: the text goes as is, so lone surrogates become U+FFFD like in
        # text inputs (JSON's "\ud800" escape of one would be refused by the core's parser)
        return json.dumps(_jsonable(x), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise _input_error(name, f"cannot be sent as JSON: {e}") from None


class _TextCaller:
    """Calls a text or record function: texts in (``str``/``bytes``, or any iterable of them for
    list inputs), records in (dicts, lists, DataFrames: sent as JSON), dicts out (a list of dicts
    for list outputs, the decoded document for JSON outputs). The native call releases the GIL."""

    __slots__ = ("fn", "kinds", "names")

    def __init__(self, info: dict) -> None:
        self.fn = _native.function(info["module"], info["name"])
        self.kinds = [i["kind"] for i in info["inputs"]]
        self.names = [i["name"] for i in info["inputs"]]

    def __call__(self, inputs: tuple, params: tuple) -> Any:
        conv = tuple(_to_json(x, n) if k == "json"
                     else x if k == "text" or isinstance(x, (list, tuple, str, bytes)) else list(x)
                     for x, k, n in zip(inputs, self.kinds, self.names))
        values = self.fn.call_text(conv, params)
        return values[0] if len(values) == 1 else tuple(values)


def _align_pandas(inputs: tuple) -> tuple:
    """empyrical's ``_aligned_series``: pandas Series with different indexes are joined on
    their index (an outer join, NaN where one side is missing) before the computation."""
    mods = [type(x).__module__.split(".")[0] for x in inputs]
    if len(inputs) < 2 or any(m != "pandas" for m in mods) or any(hasattr(x, "columns") for x in inputs):
        return inputs
    first = inputs[0].index
    if all(x.index.equals(first) for x in inputs[1:]):
        return inputs
    import pandas as pd

    joined = pd.concat(list(inputs), axis=1, sort=True)
    return tuple(joined.iloc[:, k] for k in range(len(inputs)))


class _Caller:
    """Converts inputs, calls the native function, wraps outputs. One per function."""

    __slots__ = ("align", "candles", "columnar", "fn", "kinds", "names", "outputs", "record", "unstable")

    def __init__(self, info: dict) -> None:
        self.fn = _native.function(info["module"], info["name"])
        self.kinds = [i["kind"] for i in info["inputs"]]
        self.names = [i["name"] for i in info["inputs"]]
        self.outputs = info["outputs"]
        # risk functions on two series align pandas indexes as empyrical does (not `*_aligned`)
        self.align = (info["module"] == "risk" and len(self.kinds) > 1
                      and not info["name"].endswith("_aligned"))
        # several scalar outputs (summary) come back as a named tuple of floats, as do the
        # several outputs of a simulation (arrays and floats: simulate_portfolio)
        self.record = None
        if len(self.outputs) > 1 and (all(o["kind"] == "scalar" for o in self.outputs)
                                      or info["module"] == "mc"):
            from collections import namedtuple

            self.record = namedtuple(info["name"], [o["name"] for o in self.outputs])

        self.unstable = _unstable_index(info)
        self.candles = _uses_candles(info)
        # a function of series only also takes 2-D inputs (bars x series), column by column
        self.columnar = bool(self.kinds) and all(k == "series" for k in self.kinds)

    def __call__(self, inputs: tuple, params: tuple, out: Any) -> Any:
        if self.unstable is not None:
            params = _with_unstable(params, self.unstable)
        if self.candles:
            params = _with_candles(params)
        if self.columnar and any(_is_2d(x) for x in inputs):
            return self._columns(inputs, params, out)
        if self.align:
            inputs = _align_pandas(inputs)
        arrays = []
        like = None
        for x, kind, name in zip(inputs, self.kinds, self.names):
            arr, l = _as_array(x, kind, name)
            arrays.append(arr)
            if like is None:
                like = l
        if out is not None:
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            return _wrap(self.fn(tuple(arrays), params, out), self.outputs, None)
        if self.record is not None:
            return self.record(*self.fn(tuple(arrays), params))
        return _wrap(self.fn(tuple(arrays), params), self.outputs, like)

    def _columns(self, inputs: tuple, params: tuple, out: Any) -> Any:
        """Many series at once: every input (bars x series), each column computed as the 1-D
        call would compute it, the columns shared among threads with the GIL released."""
        if out is not None:
            out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        arrays, like = [], None
        for x, name in zip(inputs, self.names):
            if _is_2d(x):
                arr, l = _as_columns(x, name)
                like = like or l
            else:  # one series used for every column (a benchmark against a table of portfolios)
                arr = _as_array(x, "series", name)[0]
            arrays.append(arr)
        # with out=, the caller's arrays come back as they are (no DataFrame)
        values = _wrap_columns(_native.call_columns(self.fn, tuple(arrays), params, _THREADS, out), self.outputs,
                               None if out is not None else like)
        if self.record is not None:
            return self.record(*values)
        return values[0] if len(values) == 1 else tuple(values)


def chunked(info: dict) -> bool:
    """Simulations whose paths can be computed in blocks (``first_path``) and whose outputs are
    paths: they take ``progress=`` and can be interrupted with Ctrl-C between blocks."""
    names = [p["name"] for p in info["params"]]
    return ("paths" in names and "first_path" in names
            and all(o["kind"] == "paths" for o in info["outputs"]))


# Path-steps per block of a chunked simulation: a block takes tens of milliseconds, so Ctrl-C
# (KeyboardInterrupt, raised when the GIL comes back between blocks) answers promptly
_BLOCK_WORK = 1 << 22
# the core's limits (sextant_core::mc::MAX_VALUES, MAX_INDEX): a run beyond them is refused
# whole, by one native call, before any block runs
_MAX_VALUES, _MAX_INDEX = 1 << 28, (1 << 53) - 1


class _ChunkedCaller(_Caller):
    """A simulation run as blocks of paths ``[first_path + k, first_path + k + n)``, each written
    into its rows of one output array: the same bits as one call (path ``p``'s numbers depend
    only on the seed and ``p``), with the GIL re-acquired between blocks so Python can raise
    KeyboardInterrupt and call ``progress(done, total)``."""

    __slots__ = ("i_first", "i_paths", "i_steps")

    def __init__(self, info: dict) -> None:
        super().__init__(info)
        names = [p["name"] for p in info["params"]]
        self.i_paths, self.i_first = names.index("paths"), names.index("first_path")
        self.i_steps = names.index("steps") if "steps" in names else None

    def __call__(self, inputs: tuple, params: tuple, out: Any, progress: Any = None) -> Any:
        paths, first = params[self.i_paths], params[self.i_first]
        steps = params[self.i_steps] if self.i_steps is not None else 1
        ok = (isinstance(paths, int) and isinstance(first, int) and isinstance(steps, int)
              and not isinstance(paths, bool) and paths > 0 and first >= 0 and steps > 0)
        if out is not None or not ok:
            return super().__call__(inputs, params, out)
        block = max(64, _BLOCK_WORK // steps)
        if progress is None and paths <= block:
            return super().__call__(inputs, params, None)

        def part(done: int, n: int, into: Any) -> Any:
            p = list(params)
            p[self.i_paths], p[self.i_first] = n, first + done
            return super(_ChunkedCaller, self).__call__(inputs, tuple(p), into)

        n = min(block, paths)
        head = part(0, n, None)
        if paths * math.prod(head.shape[1:]) > _MAX_VALUES or first + paths > _MAX_INDEX:
            return super().__call__(inputs, params, None)  # the core's size / index error
        result = np.empty((paths,) + head.shape[1:])
        result[:n] = head
        done = n
        if progress is not None:
            progress(done, paths)
        while done < paths:
            n = min(block, paths - done)
            part(done, n, result[done:done + n])
            done += n
            if progress is not None:
                progress(done, paths)
        return result


def _unstable_index(info: dict) -> "int | None":
    """Position of the `unstable_period` parameter, if the function has one."""
    return next((k for k, p in enumerate(info["params"]) if p["name"] == "unstable_period"), None)


def _with_unstable(params: tuple, index: int) -> tuple:
    from sextant.ta._compat import with_unstable

    return with_unstable(params, index)


def _uses_candles(info: dict) -> bool:
    """True for the candlestick patterns, which follow TA-Lib's candle settings."""
    return info["module"] == "ta" and info.get("group") == "Pattern Recognition"


def _with_candles(params: tuple) -> tuple:
    from sextant.ta._compat import with_candles

    return with_candles(params)


# --------------------------------------------------------------------------- generation


# Call options: declared like parameters (last), keyword-only in Python (after TA-Lib's or
# empyrical's parameters); likewise the run options of the Monte Carlo functions (after the
# model's parameters) and the risk metrics' `convention` preset
OPTIONS = ("unstable_period", "nan_policy",
           "years", "steps", "paths", "seed", "first_path", "first", "antithetic", "full_paths",
           "convention")


def _split(info: dict) -> tuple[list[dict], list[dict]]:
    """(parameters, call options) of a function, each in declared order."""
    return ([p for p in info["params"] if p["name"] not in OPTIONS],
            [p for p in info["params"] if p["name"] in OPTIONS])


def _sig_params(info: dict, fmt=lambda p: f"{p['name']}={p['default']!r}") -> list[str]:
    """Signature entries: the parameters, then `*` and the keyword-only call options."""
    ps, opts = _split(info)
    return [fmt(p) for p in ps] + (["*"] + [fmt(p) for p in opts] if opts else [])


def _tuple(names: list[str]) -> str:
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def has_bounds(info: dict) -> bool:
    """The optimisers' convention: scalar ``lower``/``upper`` and a JSON ``constraints``
    parameter; Python adds ``bounds=`` (a ``(lower, upper)`` pair or one pair per asset)."""
    return {"lower", "upper", "constraints"} <= {p["name"] for p in info["params"]}


def _has_json(info: dict) -> bool:
    return any(p["kind"] == "json" for p in info["params"])


def _param_converter(info: dict):
    """Parameters as the native call takes them: JSON parameters given as dicts or lists are
    serialised to JSON text, and ``bounds`` (functions with :func:`has_bounds`) is mapped onto
    ``lower``/``upper`` (a pair of numbers) or ``constraints["bounds"]`` (one pair per asset)."""
    names = [p["name"] for p in info["params"]]
    jidx = [k for k, p in enumerate(info["params"]) if p["kind"] == "json"]

    def conv(params: tuple, bounds: Any = None) -> tuple:
        ps = list(params)
        if bounds is not None:
            il, iu, ic = names.index("lower"), names.index("upper"), names.index("constraints")
            if (isinstance(bounds, (tuple, list)) and len(bounds) == 2
                    and all(np.ndim(b) == 0 for b in bounds)):
                ps[il], ps[iu] = float(bounds[0]), float(bounds[1])
            else:
                arr = np.asarray(bounds, dtype=float)
                if arr.ndim != 2 or arr.shape[1] != 2:
                    raise _input_error("bounds", "expected (lower, upper) or one (lower, upper) pair per "
                                       f"asset (n x 2), got shape {arr.shape}")
                c = ps[ic]
                c = {} if c is None else json.loads(c) if isinstance(c, (str, bytes)) else dict(c)
                c["bounds"] = arr.tolist()
                ps[ic] = c
        for k in jidx:
            if ps[k] is not None and not isinstance(ps[k], str):
                ps[k] = _to_json(ps[k], names[k])
        return tuple(ps)

    return conv


def wrapper_source(info: dict) -> str:
    ins = [i["name"] for i in info["inputs"]]
    args = _tuple([p["name"] for p in info["params"]])
    if _has_json(info):
        args = f"_p({args}, bounds)" if has_bounds(info) else f"_p({args})"
    if is_text(info):
        sig = ", ".join(ins + _sig_params(info))
        return f"def {info['name']}({sig}):\n    return _call({_tuple(ins)}, {args})\n"
    extra, passed = (["progress=None"], ", progress") if chunked(info) else ([], "")
    bounds = ["bounds=None"] if has_bounds(info) else []
    sig = ", ".join(ins + _sig_params(info) + ([] if "*" in _sig_params(info) else ["*"]) + bounds + ["out=None"]
                    + extra)
    return f"def {info['name']}({sig}):\n    return _call({_tuple(ins)}, {args}, out{passed})\n"


def stream_source(info: dict) -> str:
    sig = ", ".join(["history=None"] + _sig_params(info))
    args = _tuple([p["name"] for p in info["params"]])
    return (
        f"def {info['name']}({sig}):\n"
        f"    s = _F.stream(_u({args}))\n"
        f"    if history is not None:\n"
        f"        _feed(s, history)\n"
        f"    return s\n"
    )


def _bounds(p: dict) -> str:
    if p["kind"] == "choice":
        return "one of " + ", ".join(repr(o) for o in p["options"])
    if p["kind"] == "matype":
        return "a TA-Lib matype code 0-13"
    if p["kind"] == "bool":
        return "True or False"
    if p["kind"] == "json":
        return "dicts and lists (sent as JSON), JSON text, or None"
    lo, hi = p["min"], p["max"]
    if p["kind"] == "int":
        return f"in [{int(lo)}, {int(hi)}]"
    if abs(lo) > 1e300 and abs(hi) > 1e300:
        return "any finite number"
    if abs(hi) > 1e300:
        return f">= {lo:g}"
    return f"in [{lo:g}, {hi:g}]"


_PY_TYPE = {"int": "int", "float": "float", "optional_float": "Optional[float]", "matype": "int",
            "bool": "bool", "json": "Any"}


def _ptype(p: dict) -> str:
    if p["kind"] == "choice":
        return "Literal[" + ", ".join(repr(o) for o in p["options"]) + "]"
    return _PY_TYPE[p["kind"]]


def _otype(o: dict) -> str:
    if o["kind"] == "json":
        return "Any"
    if o["kind"] == "scalar":
        return "float"
    if o["kind"] == "record":
        return "Dict[str, Union[float, str]]"
    if o["kind"] == "record_list":
        return "List[Dict[str, Union[float, str]]]"
    return "NDArray[np.int32]" if o["dtype"] == "i32" else "NDArray[np.float64]"


def _rtype(info: dict) -> str:
    outs = [_otype(o) for o in info["outputs"]]
    return outs[0] if len(outs) == 1 else f"Tuple[{', '.join(outs)}]"


def docstring(info: dict, stream: bool = False) -> str:
    lines = [f"{info['summary']}{' (streaming state)' if stream else ''}.", "", info["doc"], "", "Args:"]
    if stream:
        names = ", ".join(i["name"] for i in info["inputs"])
        lines.append(f"    history: optional past bars to feed first: "
                     f"{'an array' if len(info['inputs']) == 1 else 'a tuple of arrays (' + names + ')'}.")
    else:
        for i in info["inputs"]:
            what = {"matrix": "2-D array or DataFrame", "text": "str, or UTF-8 bytes decoded lossily",
                    "text_list": "list or iterable of str",
                    "json": "dicts and lists, a DataFrame for a list of records, or None; Decimal, "
                            "dates and numpy values are converted"}.get(i["kind"], "1-D array-like, pandas or polars Series")
            lines.append(f"    {i['name']}: {i['doc']} ({what}).")
    for p in info["params"]:
        lines.append(f"    {p['name']} ({_ptype(p)}, default {p['default']!r}, {_bounds(p)}): {p['doc']}.")
    if not stream and has_bounds(info):
        lines.append("    bounds: (lower, upper) for every asset, or one (lower, upper) pair per asset (n x 2; "
                     "sent as constraints[\"bounds\"]); default None keeps lower and upper.")
    if not stream and not is_text(info):
        lines.append("    out: optional preallocated output array(s), written in place and returned.")
    if not stream and chunked(info):
        lines.append("    progress: optional callable progress(done, total), called after each block of "
                     "paths; Ctrl-C (KeyboardInterrupt) stops the run between blocks.")
    lines += ["", "Returns:"]
    if stream:
        bar = ", ".join(i["name"] for i in info["inputs"])
        lines.append(f"    A stream; ``update({bar})`` returns "
                     + (" ".join(o["name"] for o in info["outputs"])) + ".")
    else:
        for o in info["outputs"]:
            if o["kind"] == "json":
                lines.append(f"    {o['name']}: the result document (dicts and lists; money as decimal strings).")
                continue
            if o["kind"] in ("record", "record_list"):
                keys = ", ".join(o["fields"] + (["label"] if o.get("labels") else []))
                labels = f" (label: {', '.join(o['labels'])})" if o.get("labels") else ""
                what = "a dict" if o["kind"] == "record" else "a list with one dict per text"
                lines.append(f"    {o['name']}: {what} with keys {keys}{labels}.")
                continue
            kind = {"series": "array of the input's length", "scalar": "float",
                    "per_column": "one value per asset",
                    "rolling": "array, one value per full window (n - window + 1)",
                    "trimmed": f"array {o.get('len')} shorter than the input",
                    "vector": f"array of {o.get('len')} values",
                    "counted": f"array of `{o.get('count_param')}` values (NaN-padded)",
                    "paths": "array of shape (paths,), or (paths, steps + 1) with full_paths; "
                             "with one column per asset when there are assets "
                             "((paths, n) or (paths, steps + 1, n))",
                    "square": "n x n array, one row and column per asset (a DataFrame labelled by the "
                              "input's columns for a DataFrame input)",

                    "per_step": f"array of shape (steps + 1, len({o.get('columns')})): one row per "
                                f"step 0..steps, one column per value of `{o.get('columns')}`",
                    "grid": f"array of shape ({o.get('count_param')}, n): one row per point, one column "
                            "per asset (a DataFrame with the input's columns for a DataFrame input)"}[o["kind"]]
            lines.append(f"    {o['name']}: {o['dtype']} {kind}.")
    if info.get("default_lookback") is not None:
        lines += ["", f"Lookback: {info['default_lookback']} bars with the default parameters "
                      "(NaN, or 0 for integer outputs, before)."]
    lines += ["", "Raises:", "    ParameterError: a parameter out of range or of the wrong type.",
              "    InputError: inputs of different lengths or the wrong shape."]
    return "\n".join(lines)


def _make(info: dict, source: str, ns: dict, module: str, doc: str):
    exec(compile(source, f"<sextant.{module}.{info['name']}>", "exec"), ns)
    f = ns[info["name"]]
    f.__doc__ = doc
    f.__module__ = f"sextant.{module}"
    return f


def install(namespace: dict, module: str) -> None:
    """Defines every declared function of ``module`` in ``namespace``."""
    names = []
    for info in functions(module):
        caller = (_TextCaller(info) if is_text(info) else _ChunkedCaller(info) if chunked(info)
                  else _Caller(info))
        f = _make(info, wrapper_source(info), {"_call": caller, "_p": _param_converter(info)}, module,
                  docstring(info))
        namespace[info["name"]] = f
        names.append(info["name"])
    if module == "ta":
        from sextant.ta import _compat

        namespace["get_functions"] = get_functions
        namespace["get_function_groups"] = get_function_groups
        extras = ["MA_Type", "set_unstable_period", "get_unstable_period", "set_compatibility",
                  "get_compatibility", "CandleSettingType", "RangeType", "set_candle_settings",
                  "restore_candle_default_settings"]
        for name in extras:
            namespace[name] = getattr(_compat, name)
        names += ["get_functions", "get_function_groups", *extras, "stream", "abstract"]
    namespace["__all__"] = names


def _feed(stream: Any, history: Any) -> None:
    n = len(stream_inputs[stream.name])
    cols = history if n > 1 else (history,)
    if not isinstance(cols, (tuple, list)) or len(cols) != n:
        raise _input_error("history", f"expected a tuple of {n} arrays ({', '.join(stream_inputs[stream.name])})")
    arrays = tuple(_as_array(c, "series", nm)[0] for c, nm in zip(cols, stream_inputs[stream.name]))
    stream.extend(arrays)


stream_inputs: dict[str, list[str]] = {}


def install_streams(namespace: dict, module: str) -> None:
    """Defines a stream constructor for every streaming function of ``module``."""
    names = []
    for info in functions(module):
        if not info["streaming"]:
            continue
        stream_inputs[info["name"]] = [i["name"] for i in info["inputs"]]
        idx = _unstable_index(info)
        if _uses_candles(info):
            opts = _with_candles
        elif idx is None:
            opts = lambda p: p  # noqa: E731
        else:
            opts = lambda p, i=idx: _with_unstable(p, i)  # noqa: E731
        ns = {"_F": _native.function(module, info["name"]), "_feed": _feed, "_u": opts}
        namespace[info["name"]] = _make(info, stream_source(info), ns, f"{module}.stream", docstring(info, True))
        names.append(info["name"])
    namespace["restore"] = restore
    namespace["__all__"] = names + ["restore"]


def restore(name: str, state: bytes, **params: Any):
    """Restores a stream from ``stream.save()`` bytes: ``restore("RSI", state, timeperiod=14)``."""
    info = next((f for f in functions("ta") if f["name"] == name), None)
    if info is None:
        raise _native.UnknownFunctionError(f"unknown function `{name}`")
    values = tuple(params.get(p["name"], p["default"]) for p in info["params"])
    return _native._restore_stream("ta", name, values, state)


def get_functions() -> list[str]:
    """Names of every declared indicator (TA-Lib's ``get_functions``)."""
    return [f["name"] for f in functions("ta")]


def get_function_groups() -> dict[str, list[str]]:
    """Indicator names by TA-Lib group (TA-Lib's ``get_function_groups``)."""
    groups: dict[str, list[str]] = {}
    for f in functions("ta"):
        groups.setdefault(f["group"], []).append(f["name"])
    return groups


# --------------------------------------------------------------------------- stubs and docs

_HEADER = "# Generated by `python python/tools/surface.py --write` from the core's declarations. Do not edit.\n"


def _indent(doc: str) -> str:
    return "\n".join(("    " + line) if line else "" for line in doc.split("\n"))


def stub(module: str) -> str:
    text = any(is_text(f) for f in functions(module))
    typing = "Dict, Iterable, List, Literal, Optional, Tuple, Union" if text else "Literal, Optional, Tuple, Union"
    if any(chunked(f) for f in functions(module)):
        typing = "Callable, " + typing
    if module not in ("ledger", "autoindex", "risk") and any(_has_json(f) for f in functions(module)):
        typing = "Any, " + typing
    out = [_HEADER, f"from typing import {typing}", "", "import numpy as np",
           "from numpy.typing import ArrayLike, NDArray", ""]
    if module == "ta":
        out += ["from sextant.ta import abstract as abstract", "from sextant.ta import stream as stream",
                "from sextant.ta._compat import MA_Type as MA_Type",
                "from sextant.ta._compat import get_compatibility as get_compatibility",
                "from sextant.ta._compat import get_unstable_period as get_unstable_period",
                "from sextant.ta._compat import set_compatibility as set_compatibility",
                "from sextant.ta._compat import set_unstable_period as set_unstable_period",
                "from sextant.ta._compat import CandleSettingType as CandleSettingType",
                "from sextant.ta._compat import RangeType as RangeType",
                "from sextant.ta._compat import set_candle_settings as set_candle_settings",
                "from sextant.ta._compat import restore_candle_default_settings as restore_candle_default_settings",
                "",
                "def get_functions() -> list[str]: ...",
                "def get_function_groups() -> dict[str, list[str]]: ...", ""]
    if module == "ledger":
        out += ["from typing import Any", "", "from sextant.ledger._ledger import Ledger as Ledger", ""]
    if module == "autoindex":
        out += ["from typing import Any", "", "def market_data(close: Any, *, open: Any = None, total_return: Any = None,"
                " volume: Any = None, benchmark: Any = None) -> Dict[str, Any]: ...", ""]
    if module == "risk":
        out += ["from typing import Any", "", "from sextant.risk import stats as stats", "",
                "def aggregate_returns(returns: Any, convert_to: Literal['weekly', 'monthly', 'quarterly', 'yearly'])"
                " -> Any: ...",
                "def compute_exposures(positions: Any, factor_loadings: Any) -> Any: ...",
                "def perf_attrib(returns: Any, positions: Any, factor_returns: Any, factor_loadings: Any)"
                " -> Tuple[Any, Any]: ...", ""]
    for info in functions(module):
        itype = {"text": "Union[str, bytes]", "text_list": "Iterable[Union[str, bytes]]", "json": "Any"}
        ins = [f"{i['name']}: {itype.get(i['kind'], 'ArrayLike')}" for i in info["inputs"]]
        ps = _sig_params(info, lambda p: f"{p['name']}: {_ptype(p)} = {p['default']!r}")
        star = [] if "*" in ps else ["*"]
        bounds = ["bounds: Any = None"] if has_bounds(info) else []
        tail = [] if is_text(info) else star + bounds + ['out: Optional[Union[NDArray, Tuple[NDArray, ...]]] = None']
        if chunked(info):
            tail.append("progress: Optional[Callable[[int, int], None]] = None")
        out.append(f"def {info['name']}({', '.join(ins + ps + tail)})"
                   f" -> {_rtype(info)}:")
        out.append(f'    """{_indent(docstring(info)).lstrip()}\n    """')
        out.append("")
    return "\n".join(out)


def stream_stub(module: str) -> str:
    out = [_HEADER, "from typing import Any, Literal, Optional, Tuple, Union", "", "from numpy.typing import ArrayLike", "",
           "class Stream:",
           '    """A streaming indicator state."""',
           "    name: str",
           "    value: Any",
           "    bars: int",
           "    def update(self, *bar: float) -> Any: ...",
           "    def peek(self, *bar: float) -> Any: ...",
           "    def replace_last(self, *bar: float) -> Any: ...",
           "    def extend(self, columns: Tuple[ArrayLike, ...]) -> Any: ...",
           "    def reset(self) -> None: ...",
           "    def copy(self) -> Stream: ...",
           "    def save(self) -> bytes: ...",
           "",
           "def restore(name: str, state: bytes, **params: Any) -> Stream: ...",
           ""]
    for info in functions(module):
        if not info["streaming"]:
            continue
        hist = "ArrayLike" if len(info["inputs"]) == 1 else "Tuple[" + ", ".join(["ArrayLike"] * len(info["inputs"])) + "]"
        ps = _sig_params(info, lambda p: f"{p['name']}: {_ptype(p)} = {p['default']!r}")
        out.append(f"def {info['name']}({', '.join([f'history: Optional[{hist}] = None'] + ps)}) -> Stream:")
        out.append(f'    """{_indent(docstring(info, True)).lstrip()}\n    """')
        out.append("")
    return "\n".join(out)


def docs_table() -> str:
    out = ["# Function reference", "",
           "Generated by `python python/tools/surface.py --write` from the core's declarations "
           "(`crates/sextant-core/src/registry.rs`). Each function is callable from Python "
           "(`sextant.<module>.<name>`), Node and WASM, and the server (`POST /v1/<module>/<name>`).", ""]
    for module in MODULES:
        out += [f"## sextant.{module}", ""]
        if module == "ta":
            out += ["Call options: every indicator marked *nan* in the table takes `nan_policy` "
                    "(`\"default\"`: an interior NaN re-seeds the state after lookback + 1 clean bars; "
                    "`\"talib\"`: NaN from the first interior NaN to the end, as TA-Lib). Those with "
                    "`unstable_period` take TA-Lib's unstable period for the call (its `ALL` setting; "
                    "`set_unstable_period` sets it per TA-Lib id for every call). See docs/python.md.", ""]
        out += ["| name | group | inputs | parameters (default, bounds) | outputs | lookback | stream |",
                "|---|---|---|---|---|---|---|"]
        for f in functions(module):
            ins = ", ".join(f"`{i['name']}`" for i in f["inputs"])
            ps = "<br>".join(f"`{p['name']}`={p['default']!r} ({_bounds(p)})" for p in f["params"]
                             if p["name"] != "nan_policy")
            if any(p["name"] == "nan_policy" for p in f["params"]):
                ps = (ps + "<br>" if ps else "") + "*nan*"
            ps = ps or "-"
            outs = ", ".join(f"`{o['name']}` ({o['kind']}: {', '.join(o['fields'] + (['label'] if o.get('labels') else []))})"
                             if o.get("fields") else f"`{o['name']}` ({o['dtype']} {o['kind']})" for o in f["outputs"])
            lb = "-" if f["default_lookback"] is None else str(f["default_lookback"])
            out.append(f"| `{f['name']}` | {f['group']} | {ins} | {ps} | {outs} | {lb} | {'yes' if f['streaming'] else '-'} |")
        out.append("")
    return "\n".join(out)


def generated_files(docs: Path | None) -> dict[Path, str]:
    pkg = Path(__file__).parent
    files = {pkg / m / "__init__.pyi": stub(m) for m in MODULES}
    files[pkg / "ta" / "stream.pyi"] = stream_stub("ta")
    if docs is not None:
        files[docs / "functions.md"] = docs_table()
    return files


def main(argv: list[str]) -> int:
    import argparse
    import difflib

    ap = argparse.ArgumentParser(prog="python/tools/surface.py")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--docs", type=Path, default=None)
    a = ap.parse_args(argv)
    drift = 0
    for path, text in generated_files(a.docs).items():
        old = path.read_text() if path.exists() else ""
        if a.write:
            if old != text:
                path.write_text(text)
                print(f"wrote {path}")
        elif old != text:
            drift += 1
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), str(path), "generated"))
    if a.check:
        import importlib

        import sextant.ta.stream

        mods = {m: importlib.import_module(f"sextant.{m}") for m in MODULES}
        for f in REGISTRY:
            if not callable(getattr(mods[f["module"]], f["name"], None)):
                print(f"declared function {f['module']}.{f['name']} is missing from the Python surface")
                drift += 1
            if f["streaming"] and not callable(getattr(sextant.ta.stream, f["name"], None)):
                print(f"streaming function {f['name']} is missing from sextant.ta.stream")
                drift += 1
        if drift:
            print(f"{drift} generated file(s) or functions drifted: run `python python/tools/surface.py --write`")
            return 1
        print(f"surface in sync: {len(REGISTRY)} functions, stubs and docs table match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
