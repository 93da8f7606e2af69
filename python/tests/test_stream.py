"""Streaming objects: stream == batch on every fixture, peek leaves the state untouched,
replace_last, reset, copy, and a pickled stream continues identically."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import sextant
from sextant.ta import stream
from conftest import CASES, case_inputs, ids

TA = [c for c in CASES if c["module"] == "ta"]


def as_tuple(v):
    return v if isinstance(v, tuple) else (v,)


def batch(case):
    r = getattr(sextant.ta, case["function"])(*case_inputs(case), **case["params"])
    return [np.asarray(a, dtype=np.float64) for a in as_tuple(r)]


def same(a, b):
    return (np.isnan(a) and np.isnan(b)) or a == b


@pytest.mark.parametrize("case", TA, ids=ids(TA))
def test_stream_equals_batch(case):
    inputs = case_inputs(case)
    want = batch(case)
    s = getattr(stream, case["function"])(**case["params"])
    for i in range(inputs[0].size):
        bar = [float(c[i]) for c in inputs]
        peeked = as_tuple(s.peek(*bar))
        got = as_tuple(s.update(*bar))
        for k, (g, p) in enumerate(zip(got, peeked)):
            assert same(g, want[k][i]), f"{case['id']} output {k} at {i}: {g} vs {want[k][i]}"
            assert same(p, g)
    assert s.bars == inputs[0].size


WALK = [c for c in TA if "/walk60k/" in c["id"] or "/gaps/" in c["id"]]


@pytest.mark.parametrize("case", WALK, ids=ids(WALK))
def test_pickle_copy_history_continue_identically(case):
    inputs = case_inputs(case)
    n = inputs[0].size
    half = n // 2
    history = inputs[0][:half] if len(inputs) == 1 else tuple(c[:half] for c in inputs)
    a = getattr(stream, case["function"])(history, **case["params"])
    assert a.bars == half
    b = pickle.loads(pickle.dumps(a))
    c = a.copy()
    d = copy.deepcopy(a)
    e = stream.restore(case["function"], a.save(), **case["params"])
    want = batch(case)
    for i in range(half, n):
        bar = [float(col[i]) for col in inputs]
        outs = [as_tuple(s.update(*bar)) for s in (a, b, c, d, e)]
        for o in outs:
            for k, v in enumerate(o):
                assert same(v, want[k][i]), f"{case['id']} at {i}"


def test_peek_does_not_move_state_and_replace_last_revises():
    x = case_inputs(next(c for c in TA if c["id"] == "RSI/walk60k/default"))[0]
    s = stream.RSI(timeperiod=14)
    ref = stream.RSI(timeperiod=14)
    for v in x[:200]:
        for junk in (1e9, -1.0, float("nan")):
            s.peek(junk)
        s.update(v * 1.01)           # provisional forming candle
        s.replace_last(v * 0.98)     # revised
        got = s.replace_last(v)      # final
        assert same(got, ref.update(v))
    assert s.bars == 200 and same(s.value, ref.value)
    s.reset()
    assert s.bars == 0 and np.isnan(s.value)


def test_stream_errors():
    s = stream.ATR(timeperiod=14)
    with pytest.raises(sextant.InputError) as e:
        s.update(1.0)
    assert e.value.code == "ARITY" and "high, low, close" in str(e.value)
    with pytest.raises(sextant.StateError):
        stream.SMA().replace_last(1.0)
    with pytest.raises(sextant.ParameterError):
        stream.SMA(timeperiod=0)
    with pytest.raises(sextant.StateError):
        stream.restore("SMA", b"\x01\xff")
    with pytest.raises(sextant.InputError):
        stream.ATR(([1.0, 2.0], [1.0]))


def test_integer_pattern_stream_gives_ints():
    s = stream.CDLENGULFING()
    outs = [s.update(o, 11.0, 8.0, c) for o, c in [(10, 9), (9, 9.5), (8.5, 10), (10.5, 8.4)]]
    assert outs == [0, 0, 0, -100] and all(isinstance(v, int) for v in outs)
    assert "CDLENGULFING" in repr(s)
