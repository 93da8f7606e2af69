"""``sextant.risk.stats``: the risk functions under empyrical's submodule name
(``empyrical.stats.sharpe_ratio`` is ``sextant.risk.stats.sharpe_ratio``)."""

import sextant.risk as _risk

__all__ = [n for n in _risk.__all__ if n != "stats"]
globals().update({n: getattr(_risk, n) for n in __all__})
