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
    assert e.value.code == "ARITY"


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
