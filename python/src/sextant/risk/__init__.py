"""Risk and performance metrics with empyrical's names, arguments and conventions.

``risk_free`` is a return per period; ``period`` ('daily', 'weekly', 'monthly', 'quarterly',
'yearly') sets the annualisation factor (252, 52, 12, 4, 1) unless ``annualization`` is given.
NaN returns are ignored by the mean/std based ratios, as in empyrical.
"""

from sextant._surface import install as _install

_install(globals(), "risk")
