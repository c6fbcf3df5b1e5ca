#!/usr/bin/python3
"""Expected values of TestStreamBaselines (reports/baselines_test.go), computed
independently of the SQL model with numpy and scipy:
the 95 % prediction interval for one more value from n earlier ones,
mean ± t(0.975, n-1) · sd · sqrt(1 + 1/n), the low end not below 0.
Run: /usr/bin/python3 reports/testdata/baselines_vectors.py"""
import numpy as np
from scipy import stats


def interval(values):
    v = np.array(values, dtype=float)
    n = len(v)
    half = stats.t.ppf(0.975, n - 1) * v.std(ddof=1) * np.sqrt(1 + 1 / n)
    return float(np.median(v)), max(v.mean() - half, 0.0), v.mean() + half


cases = {
    # a3: two earlier streams, a range but too few to flag
    "a3 revenue": [100, 110],
    # a6 rpv: a2's rpv is NULL, so four values
    "a6 rpv": [10, 9, 10.5, 9.5],
    # a6 (30 min): its five 30-minute predecessors, not the 90-minute stream
    # nor the YouTube one
    "a6 revenue": [100, 110, 90, 105, 95],
    # along (90 min): no similar-length predecessor, so all five tiktok ones
    "along revenue": [100, 110, 90, 105, 95],
    # a7 (30 min): a1..a6, the 90-minute stream still left out
    "a7 revenue": [100, 110, 90, 105, 95, 300],
    # c12: the latest ten of c1..c11
    "c12 revenue": list(range(2, 12)),
}
for name, values in cases.items():
    med, lo, hi = interval(values)
    print(f"{name}: n={len(values)} median={med!r} low={lo!r} high={hi!r}")
