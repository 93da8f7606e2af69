"""Shared fixtures: the golden cases in tests/golden (written by scripts/golden/generate.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden"


def load_manifest() -> dict:
    return json.loads((GOLDEN / "manifest.json").read_text())


MANIFEST = load_manifest()
CASES = MANIFEST["cases"]


def read(entry: dict) -> np.ndarray:
    dtype = "<i4" if entry.get("dtype") == "i32" else "<f8"
    return np.fromfile(GOLDEN / entry["file"], dtype=dtype).reshape(entry["shape"])


def case_inputs(case: dict) -> list[np.ndarray]:
    return [read(i) for i in case["inputs"]]


def assert_close(case: dict, got, want: np.ndarray, what: str) -> None:
    """DESIGN.md: |got - ref| <= rel*|ref| + abs_scale*max|finite input|; NaN == NaN; inf exact;
    int32 identical."""
    got = np.asarray(got)
    want = np.asarray(want)
    if want.dtype.kind == "i":
        np.testing.assert_array_equal(got, want, err_msg=f"{case['id']} {what}")
        return
    got = got.reshape(want.shape).astype(np.float64)
    tol = case["tolerance"]
    scale = 0.0
    for i in case_inputs(case):
        finite = np.abs(i[np.isfinite(i)])
        if finite.size:
            scale = max(scale, float(finite.max()))
    abs_tol = tol["abs_scale"] * scale
    nan_w, nan_g = np.isnan(want), np.isnan(got)
    assert np.array_equal(nan_w, nan_g), f"{case['id']} {what}: NaN positions differ at {np.flatnonzero(nan_w != nan_g)[:5]}"
    inf = np.isinf(want)
    assert np.array_equal(got[inf], want[inf]), f"{case['id']} {what}: infinities differ"
    ok = ~(nan_w | inf)
    diff = np.abs(got[ok] - want[ok])
    bound = tol["rel"] * np.abs(want[ok]) + abs_tol
    bad = np.flatnonzero(diff > bound)
    assert bad.size == 0, f"{case['id']} {what}: {bad.size} values off, first at {bad[0]}: {got[ok][bad[0]]!r} vs {want[ok][bad[0]]!r}"


def ids(cases):
    return [c["id"] for c in cases]


@pytest.fixture(scope="session")
def manifest() -> dict:
    return MANIFEST
