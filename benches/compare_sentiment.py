"""Python-level sentiment throughput: sextant.sentiment vs vaderSentiment 3.3.2 on the golden
headlines (tests/golden/sentiment/vader.jsonl). Prints headlines/second and ratios, and checks
that the numbers agree while timing.

    benches/run_sentiment.sh            (python stage venv + vaderSentiment==3.3.2)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import sextant
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    rows = [json.loads(l) for l in (ROOT / "tests/golden/sentiment/vader.jsonl").read_text(encoding="utf-8").split("\n") if l]
    texts = [r[0] for r in rows if len(r[0].encode()) <= 120]
    n = len(texts)
    analyzer = SentimentIntensityAnalyzer()
    ref = [analyzer.polarity_scores(t) for t in texts]
    ours = sextant.sentiment.score_batch(texts, model="vader")
    assert all(o["score"] == r["compound"] for o, r in zip(ours, ref)), "numbers differ"
    assert [sextant.sentiment.vader(t) for t in texts[:2000]] == ref[:2000]

    t_ref = best_of(lambda: [analyzer.polarity_scores(t) for t in texts], repeat=2)
    t_loop = best_of(lambda: [sextant.sentiment.vader(t) for t in texts])
    t_batch = best_of(lambda: sextant.sentiment.score_batch(texts, model="vader"))
    t_fin = best_of(lambda: sextant.sentiment.score_batch(texts, model="finance"))
    print(f"{n} headlines (<= 120 bytes), {os.cpu_count()} CPUs")
    print(f"{'call':<52} {'headlines/s':>12} {'vs vaderSentiment':>18}")
    for name, t in [
        ("vaderSentiment polarity_scores, Python loop", t_ref),
        ("sextant.sentiment.vader, Python loop", t_loop),
        ("sextant.sentiment.score_batch(model='vader')", t_batch),
        ("sextant.sentiment.score_batch(model='finance')", t_fin),
    ]:
        print(f"{name:<52} {n / t:>12,.0f} {t_ref / t:>17.1f}x")


if __name__ == "__main__":
    main()
