"""Portfolio allocation: weighting schemes over covariance matrices.

A covariance may be a 2-D numpy array (any layout) or a pandas DataFrame (weights come back as
a Series indexed by its columns).
"""

from sextant._surface import install as _install

_install(globals(), "alloc")
