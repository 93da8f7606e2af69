"""sextant.sentiment against vaderSentiment 3.3.2 (reference vectors written by
scripts/golden/generate_sentiment.py into tests/golden/sentiment): vader() equals
polarity_scores on every key (exactly), score()/score_batch() with model="vader" give the
compound score and its label."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sextant

GOLD = Path(__file__).resolve().parents[2] / "tests" / "golden" / "sentiment"
MANIFEST = json.loads((GOLD / "manifest.json").read_text())
ROWS = [json.loads(line) for line in (GOLD / "vader.jsonl").read_text(encoding="utf-8").split("\n") if line]
KEYS = ("neg", "neu", "pos", "compound")


def label(c: float, t: float = 0.05) -> str:
    return "positive" if c >= t else "negative" if c <= -t else "neutral"


def test_manifest_covers_every_sentiment_function():
    declared = {f["name"] for f in sextant._surface.functions("sentiment")}
    assert declared <= {c["function"] for c in MANIFEST["cases"]}
    assert len(ROWS) >= 20_000


def test_vader_equals_polarity_scores_on_every_key():
    bad = []
    for text, *want in ROWS:
        got = sextant.sentiment.vader(text)
        assert list(got) == list(KEYS)
        if [got[k] for k in KEYS] != want:
            bad.append((text, got, want))
    assert not bad, f"{len(bad)} of {len(ROWS)} differ, e.g. {bad[:5]}"


@pytest.mark.parametrize("case", [c for c in MANIFEST["cases"] if c["expect"] == "compound_label"], ids=lambda c: c["id"])
def test_score_functions(case):
    fn = getattr(sextant.sentiment, case["function"])
    params = case["params"]
    if case["function"] == "score_batch":
        got = fn([r[0] for r in ROWS], **params)
        assert len(got) == len(ROWS)
        pairs = zip(got, ROWS)
    else:
        pairs = ((fn(r[0], **params), r) for r in ROWS[::10])
    for g, (text, *want) in pairs:
        assert g == {"score": want[3], "label": label(want[3], params["threshold"])}, text


def test_texts_never_raise_on_odd_input():
    v = sextant.sentiment.vader
    assert v("") == {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
    assert v(b"\xff\xfe good")["compound"] == v("good")["compound"]
    assert v("\ud800 good")["compound"] == v("good")["compound"]  # lone surrogate replaced
    assert v("😀" * 1000)["compound"] > 0.9
    assert v("bad but sad " * 50_000)["compound"] == -1.0
    out = sextant.sentiment.score_batch(iter(["good", b"bad", ""]), model="vader")
    assert [o["label"] for o in out] == ["positive", "negative", "neutral"]
    assert sextant.sentiment.score_batch([]) == []


def test_errors_are_typed():
    with pytest.raises(sextant.ParameterError):
        sextant.sentiment.score("good", threshold=2.0)
    with pytest.raises(sextant.ParameterError):
        sextant.sentiment.score("good", model="nope")
    with pytest.raises(sextant.InputError):
        sextant.sentiment.vader(3.0)
    with pytest.raises(sextant.InputError):
        sextant.sentiment.score_batch("a single string")


# ------------------------------------------------------------------ entities and aggregation

JSON_CASES = [c for c in MANIFEST["cases"] if c["expect"] == "json"]
TOL = MANIFEST["json_tolerance"]
UNIVERSE = [{"symbol": "AAPL", "names": ["Apple", "Apple Inc"]}, {"symbol": "T", "names": "AT&T"}]


def close(got, want):
    if isinstance(want, float) or (isinstance(want, int) and isinstance(got, float)):
        return abs(got - want) <= TOL * max(1.0, abs(want))
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(close, got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(close(got[k], want[k]) for k in want)
    return got == want


@pytest.mark.parametrize("case", JSON_CASES, ids=lambda c: c["id"])
def test_json_golden_cases(case):
    fn = getattr(sextant.sentiment, case["function"])
    rows = [json.loads(line) for line in (GOLD / case["file"]).read_text(encoding="utf-8").split("\n") if line]
    assert rows
    for r in rows:
        got = fn(*r["inputs"], **r["params"])
        assert close(got, r["output"]), (r["inputs"][0], got, r["output"])


def test_extract_entities_spans_are_python_indices():
    text = "😀 Café: Apple (AAPL) and $T rise"
    ms = sextant.sentiment.extract_entities(text, UNIVERSE)
    assert [m["symbol"] for m in ms] == ["AAPL", "AAPL", "T"]
    for m in ms:
        assert text[m["start"]:m["end"]] == m["text"]
        assert text.encode()[m["start_byte"]:m["end_byte"]].decode() == m["text"]
    assert (ms[2]["kind"], ms[2]["confidence"]) == ("cashtag", 0.99)


def test_extract_entities_takes_a_dataframe_universe():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"symbol": ["AAPL", "T"], "names": [["Apple", "Apple Inc"], ["AT&T"]]})
    text = "AT&T cuts its dividend; Apple Inc rises"
    assert sextant.sentiment.extract_entities(text, df) == sextant.sentiment.extract_entities(text, UNIVERSE)
    es = sextant.sentiment.entity_sentiment("Apple beats estimates. AT&T cuts its dividend.", df)
    assert [(e["symbol"], e["label"]) for e in es] == [("AAPL", "positive"), ("T", "negative")]


def test_aggregate_by_hand():
    items = [
        {"time": "2024-01-02T14:30:00Z", "score": 0.5, "symbols": ["AAPL"]},
        {"time": "2024-01-02T15:00:00-05:00", "score": -0.1, "symbols": ["AAPL", "T"]},
        {"time": 1704229200, "score": 0.3, "symbols": ["AAPL"]},  # 2024-01-02T21:00Z: the close
    ]
    out = sextant.sentiment.aggregate(items, None, None, half_life=24.0)
    jan2 = out["days"][0]
    assert (jan2["day"], jan2["symbol"], jan2["count"]) == ("2024-01-02", "AAPL", 2)
    assert jan2["mean"] == pytest.approx(0.2, abs=1e-12)
    assert jan2["std"] == pytest.approx(0.3, abs=1e-12)
    w = lambda h: 2.0 ** (-h / 24.0)  # noqa: E731
    assert jan2["decayed"] == pytest.approx((0.5 * w(6.5) - 0.1 * w(1)) / (w(6.5) + w(1)), abs=1e-12)
    assert [(r["day"], r["symbol"]) for r in out["days"]] == [
        ("2024-01-02", "AAPL"), ("2024-01-02", "T"), ("2024-01-03", "AAPL")]
    assert out["graph"]["edges"] == [{"source": "AAPL", "target": "T", "count": 1}]
    assert [e["index"] for e in out["timelines"]["AAPL"]] == [0, 1, 2]
    # texts with a universe, a DataFrame of items with pandas timestamps
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"time": pd.to_datetime(["2024-01-02T14:30:00Z", "2024-01-02T23:00:00Z"]),
                       "text": ["Apple beats estimates", "AT&T cuts its dividend"]})
    out = sextant.sentiment.aggregate(df, UNIVERSE, {"close": "16:00"})
    assert [(r["day"], r["symbol"]) for r in out["days"]] == [("2024-01-02", "AAPL"), ("2024-01-03", "T")]
    assert out["days"][0]["mean"] > 0 > out["days"][1]["mean"]


def test_entity_functions_never_raise_on_odd_text():
    huge = "Apple (AAPL) beats estimates 😀; AT&T cuts its dividend. " * 20_000
    for text in ["", " ", "😀🚀", b"\xff\xfe $T \xc3", "\ud800 Apple Inc", huge]:
        ms = sextant.sentiment.extract_entities(text, UNIVERSE)
        sextant.sentiment.entity_sentiment(text, UNIVERSE)
        t = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        out = sextant.sentiment.aggregate([{"time": "2024-01-02T14:30:00Z", "text": t}], UNIVERSE, None)
        assert len(out["days"]) == len({m["symbol"] for m in ms}) or text == huge
    assert len(sextant.sentiment.extract_entities(huge, UNIVERSE)) == 60_000


def test_entity_errors_name_the_input():
    with pytest.raises(sextant.InputError, match=r"universe\[0\]\.symbol"):
        sextant.sentiment.extract_entities("Apple", [{"names": ["Apple"]}])
    with pytest.raises(sextant.InputError, match=r"items\[1\]\.time"):
        sextant.sentiment.aggregate([{"time": 0, "score": 1, "symbols": ["A"]},
                                     {"time": "2024-01-02 10:00", "score": 1, "symbols": ["A"]}],
                                    None, {"calendar": "all"})
    with pytest.raises(sextant.InputError, match=r"options\.close"):
        sextant.sentiment.aggregate([], None, {"close": "4pm"})
    with pytest.raises(sextant.ParameterError):
        sextant.sentiment.aggregate([], None, None, half_life=0.0)
    with pytest.raises(sextant.ParameterError):
        sextant.sentiment.entity_sentiment("x", UNIVERSE, model="bert")
