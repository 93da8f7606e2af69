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
