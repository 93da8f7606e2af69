"""Input kinds and output buffers: lists, float32, strided, F-order, out=, no copies."""

from __future__ import annotations

import numpy as np
import pytest

import sextant
from conftest import CASES, assert_close, case_inputs, read

CASE = next(c for c in CASES if c["id"] == "RSI/walk60k/default")
X = case_inputs(CASE)[0]
WANT = read(CASE["outputs"][0])


def test_list_input():
    assert_close(CASE, sextant.ta.RSI(X.tolist(), 14), WANT, "real")


def test_float32_input_is_converted():
    x32 = X.astype(np.float32)
    got = sextant.ta.RSI(x32, timeperiod=14)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, sextant.ta.RSI(x32.astype(np.float64), timeperiod=14))


def test_strided_input():
    buf = np.empty(2 * X.size)
    buf[::2] = X
    view = buf[::2]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(sextant.ta.RSI(view), sextant.ta.RSI(X))


def test_integer_input():
    x = np.arange(1, 50)
    np.testing.assert_allclose(sextant.ta.SMA(x, 3)[2:], np.arange(2, 49), rtol=0, atol=1e-12)


def test_out_buffer_is_written_in_place():
    out = np.full(X.size, -1.0)
    res = sextant.ta.RSI(X, 14, out=out)
    assert res is out
    assert_close(CASE, out, WANT, "real")
    up, mid, lo = (np.empty(X.size) for _ in range(3))
    r = sextant.ta.BBANDS(X, 20, out=(up, mid, lo))
    assert r[0] is up and r[2] is lo
    ref = sextant.ta.BBANDS(X, 20)
    np.testing.assert_array_equal(mid, ref[1])


def test_out_buffer_int32_for_patterns():
    c = next(c for c in CASES if c["id"] == "CDLENGULFING/msft/default")
    o, h, l, cl = case_inputs(c)
    out = np.zeros(o.size, dtype=np.int32)
    sextant.ta.CDLENGULFING(o, h, l, cl, out=out)
    np.testing.assert_array_equal(out, read(c["outputs"][0]))
    with pytest.raises(sextant.InputError) as e:
        sextant.ta.CDLENGULFING(o, h, l, cl, out=np.zeros(o.size))
    assert "int32" in str(e.value)


def test_wrong_out_length_is_an_error():
    with pytest.raises(sextant.InputError) as e:
        sextant.ta.SMA(X, out=np.empty(3))
    assert e.value.code == "INVALID_INPUT" and e.value.parameter == "out"
    assert f"shape ({X.size},)" in str(e.value) and "got float64 of shape (3,)" in str(e.value)


@pytest.mark.parametrize("bad, said", [
    (lambda n: (np.empty(n), np.empty(n)), "expected 3 array(s), one per output (upperband, middleband, lowerband), got 2"),
    (lambda n: (np.empty(n), np.empty(n, dtype=np.float32), np.empty(n)), "out[1] (`middleband`)"),
    (lambda n: (np.empty(n), np.empty(n), np.empty(2 * n)[::2]), "non-contiguous"),
    (lambda n: (np.empty(n), np.empty(n), np.empty((n, 1))), f"got float64 of shape ({X.size}, 1)"),
    (lambda n: (np.empty(n), np.empty(n), [0.0] * n), "got list"),
])
def test_out_buffers_are_checked_before_writing(bad, said):
    bufs = bad(X.size)
    first = bufs[0]
    first.fill(-7.0)
    with pytest.raises(sextant.InputError) as e:
        sextant.ta.BBANDS(X, 20, out=bufs)
    assert e.value.parameter == "out" and said in str(e.value), str(e.value)
    assert (first == -7.0).all(), "nothing is written when a buffer is refused"


def test_read_only_out_is_refused():
    out = np.empty(X.size)
    out.flags.writeable = False
    with pytest.raises(sextant.InputError, match="read-only"):
        sextant.ta.EMA(X, 30, out=out)


def test_out_is_reused_across_calls_of_every_output_kind():
    # a scalar output takes a 1-element buffer; the result is the float
    r = np.diff(X) / X[:-1]
    buf = np.empty(1)
    got = sextant.risk.sharpe_ratio(r, out=buf)
    assert got == sextant.risk.sharpe_ratio(r) and buf[0] == got
    k, d = np.empty(X.size), np.empty(X.size)
    hi, lo = X + 1.0, X - 1.0
    sextant.ta.STOCH(hi, lo, X, out=(k, d))
    want = sextant.ta.STOCH(hi, lo, X)
    np.testing.assert_array_equal(k, want[0])
    np.testing.assert_array_equal(d, want[1])


def _series_functions(module):
    from sextant._surface import functions

    return [f for f in functions(module) if f["inputs"] and all(i["kind"] == "series" for i in f["inputs"])]


@pytest.mark.parametrize("module", ["ta", "risk"])
def test_float32_is_accepted_by_every_function_of_series(module):
    """Every function of series takes float32 (1-D, strided too) and gives what it gives for
    the same values as float64 (computed in f64, float64 out)."""
    rng = np.random.default_rng(3)
    base = (100.0 + np.cumsum(rng.normal(0, 1, 400))).astype(np.float32)
    mod = getattr(sextant, module)
    for info in _series_functions(module):
        n_in = len(info["inputs"])
        ins32 = [base[k:k + 390] for k in range(n_in)]
        ins64 = [a.astype(np.float64) for a in ins32]
        fn = getattr(mod, info["name"])
        try:
            want = fn(*ins64)
        except sextant.SextantError as e64:
            with pytest.raises(type(e64)):
                fn(*ins32)
            continue
        got = fn(*ins32)
        for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            if isinstance(w, np.ndarray):
                assert g.dtype == w.dtype, info["name"]
                np.testing.assert_array_equal(g, w, err_msg=info["name"])
            else:
                assert g == w or (g != g and w != w), info["name"]
    # strided float32 views are widened in their logical order
    view = np.repeat(base, 2)[::2]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(sextant.ta.RSI(view), sextant.ta.RSI(base.astype(np.float64)))


def test_float32_two_dimensional_columns():
    rng = np.random.default_rng(5)
    m = (100.0 + np.cumsum(rng.normal(0, 1, (300, 4)), axis=0)).astype(np.float32)
    got = sextant.ta.RSI(m, 14)
    want = np.column_stack([sextant.ta.RSI(m[:, j].astype(np.float64), 14) for j in range(4)])
    np.testing.assert_array_equal(got, want)


def test_float32_stream_history():
    x32 = X[:500].astype(np.float32)
    s = sextant.ta.stream.EMA(x32, timeperiod=10)
    assert s.value == sextant.ta.EMA(x32.astype(np.float64), 10)[-1]


def test_contiguous_float64_input_is_not_copied():
    # the converter hands the same object to the native layer
    from sextant._surface import _as_array

    arr, like = _as_array(X, "series", "real")
    assert arr is X and like is None


def test_outputs_are_float64_and_fresh():
    a = sextant.ta.SMA(X)
    b = sextant.ta.SMA(X)
    assert a.dtype == np.float64 and a.flags.c_contiguous and a.flags.owndata is not None
    assert not np.shares_memory(a, b)


def test_gil_is_released_threads_get_same_results():
    from concurrent.futures import ThreadPoolExecutor

    big = np.tile(X, 40)
    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(lambda p: sextant.ta.EMA(big, p), [10, 20, 30, 40]))
    for p, r in zip([10, 20, 30, 40], results):
        np.testing.assert_array_equal(r, sextant.ta.EMA(big, p))
