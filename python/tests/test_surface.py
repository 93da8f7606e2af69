"""The Python surface is derived from the declarations: every declared function is present with
the reference's signature, and the committed stubs/docs match the generator."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from pathlib import Path

import sextant
from sextant import _surface

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_function_is_exposed_with_its_signature():
    import importlib

    mods = {m: importlib.import_module(f"sextant.{m}") for m in _surface.MODULES}
    assert len(_surface.REGISTRY) >= 8
    for f in _surface.REGISTRY:
        fn = getattr(mods[f["module"]], f["name"])
        params = list(inspect.signature(fn).parameters.values())
        names = [p.name for p in params]
        tail = [] if _surface.is_text(f) else ["out"] + (["progress"] if _surface.chunked(f) else [])
        # the optimisers' Python-only `bounds=` (mapped onto lower/upper/constraints)
        tail = (["bounds"] if _surface.has_bounds(f) else []) + tail
        assert names == [i["name"] for i in f["inputs"]] + [p["name"] for p in f["params"]] + tail
        for p, spec in zip(params[len(f["inputs"]):], f["params"]):
            assert p.default == spec["default"]
        assert f["summary"] in fn.__doc__


def test_talib_signatures():
    # TA-Lib's positional signature, then Sextant's keyword-only call options
    assert str(inspect.signature(sextant.ta.BBANDS)) == (
        "(real, timeperiod=20, nbdevup=2.0, nbdevdn=2.0, matype=0, *, unstable_period=0, nan_policy='default', out=None)")
    assert str(inspect.signature(sextant.ta.ATR)) == (
        "(high, low, close, timeperiod=14, *, unstable_period=0, nan_policy='default', out=None)")
    assert str(inspect.signature(sextant.ta.SMA)) == "(real, timeperiod=30, *, nan_policy='default', out=None)"
    assert str(inspect.signature(sextant.ta.SIN)) == "(real, *, out=None)"
    with pytest.raises(TypeError):
        sextant.ta.SMA(np.arange(40.0), 30, "talib")  # options are keyword-only
    assert str(inspect.signature(sextant.risk.sharpe_ratio)) == (
        "(returns, risk_free=0.0, period='daily', annualization=None, *, convention='empyrical', out=None)")
    assert {"SMA", "EMA", "BBANDS", "MA"} <= set(sextant.ta.get_function_groups()["Overlap Studies"])
    assert "CDLENGULFING" in sextant.ta.get_functions()


def test_generated_files_are_in_sync():
    for path, text in _surface.generated_files(ROOT / "docs").items():
        assert path.read_text() == text, f"{path} drifted: run python python/tools/surface.py --write --docs docs"
