"""Every declared function equals its reference (TA-Lib, empyrical-reloaded, skfolio) on every
golden fixture, called through the public Python API with the reference's argument names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import sextant
from conftest import CASES, assert_close, case_inputs, ids, read

MODULES = {"ta": sextant.ta, "risk": sextant.risk, "alloc": sextant.alloc}


def call(case, inputs):
    fn = getattr(MODULES[case["module"]], case["function"])
    return fn(*inputs, **case["params"])


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_matches_reference(case):
    got = call(case, case_inputs(case))
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(case["outputs"])
    for g, o in zip(got, case["outputs"]):
        assert_close(case, g, read(o), o["name"])


SERIES_CASES = [c for c in CASES if c["module"] == "ta" and c["inputs"][0]["shape"][0] > 0]


@pytest.mark.parametrize("case", SERIES_CASES[::5], ids=ids(SERIES_CASES[::5]))
def test_pandas_in_pandas_out(case):
    idx = pd.date_range("2000-01-03", periods=case["inputs"][0]["shape"][0], freq="B")
    inputs = [pd.Series(a, index=idx) for a in case_inputs(case)]
    got = call(case, inputs)
    got = got if isinstance(got, tuple) else (got,)
    for g, o in zip(got, case["outputs"]):
        assert isinstance(g, pd.Series) and g.index.equals(idx)
        assert_close(case, g.to_numpy(), read(o), o["name"])


@pytest.mark.parametrize("case", SERIES_CASES[::7], ids=ids(SERIES_CASES[::7]))
def test_polars_in_polars_out(case):
    inputs = [pl.Series(i["name"], a) for i, a in zip(case["inputs"], case_inputs(case))]
    got = call(case, inputs)
    got = got if isinstance(got, tuple) else (got,)
    for g, o in zip(got, case["outputs"]):
        assert isinstance(g, pl.Series)
        want = read(o)
        if want.dtype.kind == "f":
            # NaN warm-up comes back as null
            assert g.null_count() == int(np.isnan(want).sum())
            assert_close(case, g.fill_null(np.nan).to_numpy(), want, o["name"])
        else:
            assert_close(case, g.to_numpy(), want, o["name"])


def test_risk_pandas_series_gives_float():
    case = next(c for c in CASES if c["id"] == "sharpe_ratio/sp500_index_returns/default")
    r = pd.Series(case_inputs(case)[0])
    got = sextant.risk.sharpe_ratio(r)
    assert isinstance(got, float)
    assert_close(case, got, read(case["outputs"][0]), "sharpe_ratio")
    # REFERENCE.md: Sharpe 0.481619 on this index
    assert round(got, 6) == 0.481619


def test_alloc_dataframe_gives_series_by_asset():
    case = next(c for c in CASES if c["id"].startswith("inverse_volatility/cov_sp500_5"))
    cov = case_inputs(case)[0]
    names = ["A", "B", "C", "D", "E"]
    w = sextant.alloc.inverse_volatility(pd.DataFrame(cov, index=names, columns=names))
    assert isinstance(w, pd.Series) and list(w.index) == names
    assert_close(case, w.to_numpy(), read(case["outputs"][0]), "weights")
    # Fortran order and a transposed view give the same numbers
    np.testing.assert_array_equal(sextant.alloc.inverse_volatility(np.asfortranarray(cov)), w.to_numpy())
    assert abs(w.sum() - 1.0) < 1e-14
