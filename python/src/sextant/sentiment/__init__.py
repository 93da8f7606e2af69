"""News sentiment.

``vader(text)`` is identical to vaderSentiment 3.3.2's
``SentimentIntensityAnalyzer().polarity_scores(text)`` on every key; ``score(text)`` and
``score_batch(texts)`` give a score in [-1, 1] and a label per text (``score_batch`` runs in
parallel with the GIL released). Texts are ``str`` or UTF-8 ``bytes`` (invalid bytes are
replaced, never an error).

Example:
    >>> import sextant
    >>> sextant.sentiment.vader("Shares surge after a GREAT quarter!")
    {'neg': 0.0, 'neu': 0.353, 'pos': 0.647, 'compound': 0.8087}
"""

from sextant._surface import install as _install

_install(globals(), "sentiment")
