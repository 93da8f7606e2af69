"""Portfolio allocation: weighting schemes, mean-variance optimisers (clarabel conic solver),
risk parity and Hierarchical Risk Parity. See docs/alloc.md.

A covariance (or a t x n returns matrix for `hrp` / `equal_weight`) may be a 2-D numpy array
(any layout) or a pandas DataFrame (weights come back as a Series indexed by its columns).

>>> import numpy as np
>>> w = min_variance(np.array([[4.0, 0.0], [0.0, 1.0]]))
>>> bool(np.allclose(w, [0.2, 0.8], atol=1e-9))
True
>>> bool(np.allclose(risk_parity(np.array([[0.04, 0.0], [0.0, 0.01]])), [1 / 3, 2 / 3], atol=1e-12))
True
"""

from sextant._surface import install as _install

_install(globals(), "alloc")
