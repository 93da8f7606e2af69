"""Monte Carlo on a 2-worker Dask cluster vs one process (issue #18).

    python benches/compare_distributed.py [--paths 10000000 --steps 252 --shards 8 --workers 2]

Times sextant.mc.simulate_gbm(100, 0.05, 0.2, paths, steps, seed=1), terminal values:
- one process, one Rust thread (a child process with RAYON_NUM_THREADS=1);
- one process, every core (rayon's default pool);
- a Dask LocalCluster on 127.0.0.1 of `--workers` processes with one thread each
  (RAYON_NUM_THREADS=1 per worker), the run cut into `--shards` first_path shards by
  sextant.distributed.dask.simulate, gathered and concatenated (cluster start-up not timed).
Checks that the Dask result equals the single run bit for bit. Memory: the gathered result is
paths x 8 bytes (80 MB for 10M paths); workers hold one shard each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

import sextant

ARGS = (100.0, 0.05, 0.2)


def one_run(paths: int, steps: int) -> tuple[float, np.ndarray]:
    t = time.perf_counter()
    out = sextant.mc.simulate_gbm(*ARGS, paths=paths, steps=steps, seed=1)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=10_000_000)
    ap.add_argument("--steps", type=int, default=252)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        secs, out = one_run(a.paths, a.steps)
        print(json.dumps({"secs": secs, "sum": float(out.sum())}))
        return

    from distributed import Client, LocalCluster

    from sextant.distributed import dask as sd

    env = dict(os.environ, RAYON_NUM_THREADS="1")
    child = subprocess.run([sys.executable, __file__, "--child", "--paths", str(a.paths), "--steps", str(a.steps)],
                           env=env, check=True, capture_output=True, text=True)
    one_thread = json.loads(child.stdout)["secs"]
    all_cores, whole = one_run(a.paths, a.steps)

    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, env={"RAYON_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        sd.simulate(client, sextant.mc.simulate_gbm, *ARGS, paths=1000, n_shards=a.workers, steps=4, seed=1)  # warm
        t = time.perf_counter()
        got = sd.simulate(client, sextant.mc.simulate_gbm, *ARGS, paths=a.paths, n_shards=a.shards, steps=a.steps, seed=1)
        dask_secs = time.perf_counter() - t
    assert np.array_equal(got, whole), "the sharded run differs from the single run"

    steps_total = a.paths * a.steps
    print(f"GBM terminal values, {a.paths:,} paths x {a.steps} steps ({os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}); Dask result == single run: True")
    print("| run | seconds | path-steps/s | vs one thread |")
    print("|---|---|---|---|")
    for name, secs in [("one process, 1 thread", one_thread), ("one process, every core", all_cores),
                       (f"Dask, {a.workers} workers x 1 thread, {a.shards} shards", dask_secs)]:
        print(f"| {name} | {secs:.2f} | {steps_total / secs / 1e6:.0f} M | {one_thread / secs:.2f}x |")


if __name__ == "__main__":
    main()
