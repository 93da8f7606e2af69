"""Monte Carlo simulation on a counter-based generator (see docs/mc.md).

``simulate_gbm(s0, mu, sigma, *, years=1.0, steps=252, paths=10_000, seed=0, first_path=0,
antithetic=False, full_paths=False)`` returns terminal values, shape ``(paths,)``, or with
``full_paths=True`` every step, shape ``(paths, steps + 1)``. ``simulate_correlated_gbm(s0, mu,
cov, ...)`` returns shape ``(paths, n_assets)`` (``(paths, steps + 1, n_assets)`` with full
paths). A seed gives the same bits on any number of threads, on any split of the paths
(``first_path``) and in the WASM build. The GIL is released during a run.
"""

from sextant._surface import install as _install

_install(globals(), "mc")
