"""Streaming indicators: ``stream.RSI(history=None, timeperiod=14)`` returns a state object.

Methods: ``update(*bar)`` appends a bar and returns the new value (NaN in warm-up),
``peek(*bar)`` returns the value the bar would give without changing the state,
``replace_last(*bar)`` revises the last (forming) bar, ``reset()``, ``copy()``, ``value``,
``bars``, ``save()``; streams pickle. Stepping a stream over a series reproduces the batch
function exactly.
"""

from sextant._surface import install_streams as _install

_install(globals(), "ta")
