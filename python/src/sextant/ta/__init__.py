"""Technical indicators: TA-Lib's function API (names, arguments, defaults, outputs).

``import sextant.ta as talib`` works for the functions declared so far, with TA-Lib's
``MA_Type``, ``get_functions``, ``get_function_groups`` and ``abstract``. Inputs may be numpy
arrays (any float dtype, any layout), lists, pandas Series (same index out) or polars Series
(NaN warm-up becomes null). Streaming versions live in ``sextant.ta.stream``.
"""

from sextant._surface import install as _install
from sextant.ta import stream

_install(globals(), "ta")

from sextant.ta import abstract  # noqa: E402  (after the functions it wraps exist)
