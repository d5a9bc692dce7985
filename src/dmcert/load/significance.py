"""Whether a change between two sets of samples is more than noise, as Go's benchstat
judges benchmarks: a Mann-Whitney U test of unpaired samples or a Wilcoxon signed-rank
test of paired ones (no normality assumed either way), a bootstrap confidence interval
for the change, and Holm's correction over the tests of one comparison, so that
comparing thirty figures of two identical builds does not find one "significant" by
chance. Tarone's refinement keeps out of that family every test too small to ever reach
its share of ALPHA (4 samples against 4 can at best give p = 0.029; samples all equal,
p = 1): such a test could not judge anything, and counting it would only blunt the others.
What the samples are, and why, is in load/README.md, "Comparing two builds".
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
from scipy.stats import mannwhitneyu, wilcoxon

ALPHA = 0.05
CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 20240611  # fixed: the same two reports always give the same interval


@dataclass(frozen=True)
class Change:
    """B against A: the change of the centre (percent, or percentage points for ratios),
    its confidence interval, the test's p-value (None: too few samples to judge), and the
    smallest p-value the test could have given on samples of these sizes."""

    a: float | None
    b: float | None
    change: float | None
    low: float | None
    high: float | None
    p_value: float | None
    n_a: int
    n_b: int
    min_p: float = 1.0


def _centre(values: np.ndarray, ratio: bool) -> np.ndarray:
    # an error ratio is mostly 0 per interval: its mean, not its median, moves with it
    return values.mean(axis=-1) if ratio else np.median(values, axis=-1)


def _difference(a: np.ndarray, b: np.ndarray, ratio: bool) -> np.ndarray:
    if ratio:
        return (b - a) * 100
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, (b - a) / np.where(a > 0, a, 1) * 100, np.nan)


def judge(a: list[float], b: list[float], *, ratio: bool = False) -> Change:
    """The change from samples `a` to samples `b`."""
    if not a or not b:
        return Change(None, None, None, None, None, None, len(a), len(b))
    va, vb = np.asarray(a, float), np.asarray(b, float)
    ca, cb = float(_centre(va, ratio)), float(_centre(vb, ratio))
    change = float(_difference(np.asarray(ca), np.asarray(cb), ratio))
    if min_p_value(len(a), len(b)) > ALPHA:
        return Change(ca, cb, _finite(change), None, None, None, len(a), len(b))
    constant = np.ptp(np.concatenate([va, vb])) == 0  # every sample equal: nothing changed
    rng = np.random.default_rng(SEED)
    boot_a = _centre(rng.choice(va, (RESAMPLES, len(va))), ratio)
    boot_b = _centre(rng.choice(vb, (RESAMPLES, len(vb))), ratio)
    spread = _difference(boot_a, boot_b, ratio)
    spread = spread[np.isfinite(spread)]
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(spread, [tail, 100 - tail]) if spread.size else (None, None)
    p_value = 1.0 if constant else float(mannwhitneyu(va, vb, alternative="two-sided").pvalue)
    min_p = 1.0 if constant else min_p_value(len(a), len(b))
    return Change(
        ca, cb, _finite(change), _finite(low), _finite(high), p_value, len(a), len(b), min_p
    )


def judge_paired(pairs: list[tuple[float, float]], *, ratio: bool = False) -> Change:
    """The change from a to b over pairs measured at the same moment: the median of the
    paired changes (log ratios; differences for ratio figures), a bootstrap interval for
    it, and a Wilcoxon signed-rank test of "the paired change is zero"."""
    if ratio:
        kept = [(a, b) for a, b in pairs]
        steps = np.asarray([b - a for a, b in kept], float)
    else:
        kept = [(a, b) for a, b in pairs if a > 0 and b > 0]
        steps = np.asarray([np.log(b / a) for a, b in kept], float)
    n = len(kept)
    if not n:
        return Change(None, None, None, None, None, None, 0, 0)
    va, vb = np.asarray([a for a, _ in kept]), np.asarray([b for _, b in kept])
    ca, cb = float(_centre(va, ratio)), float(_centre(vb, ratio))

    def shown(step: np.ndarray) -> np.ndarray:
        return step * 100 if ratio else np.expm1(step) * 100

    centre = float(shown(np.median(steps)))
    if n < 2 or min_p_paired(n) > ALPHA:
        return Change(ca, cb, centre, None, None, None, n, n)
    if not np.any(steps):
        return Change(ca, cb, centre, 0.0, 0.0, 1.0, n, n, 1.0)  # no pair changed at all
    rng = np.random.default_rng(SEED)
    boot = shown(np.median(rng.choice(steps, (RESAMPLES, n)), axis=1))
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail])
    p_value = float(wilcoxon(steps, zero_method="zsplit", alternative="two-sided").pvalue)
    return Change(ca, cb, centre, float(low), float(high), p_value, n, n, min_p_paired(n))


def min_p_paired(n: int) -> float:
    """The smallest two-sided p-value a signed-rank test of n pairs can give."""
    return min(1.0, 2 / 2**n) if n else 1.0


def min_p_value(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value a Mann-Whitney U test of n_a against n_b samples can
    give (complete separation, no ties)."""
    if n_a < 1 or n_b < 1:
        return 1.0
    return min(1.0, 2 / comb(n_a + n_b, n_a))


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def family(min_ps: list[float], alpha: float = ALPHA) -> int:
    """Tarone's K: the smallest k such that at most k tests could reach alpha / k. Only
    those tests form the family the correction divides alpha among."""
    for k in range(1, len(min_ps) + 1):
        if sum(min_p <= alpha / k for min_p in min_ps) <= k:
            return k
    return max(1, len(min_ps))


def holm(p_values: list[float | None], alpha: float = ALPHA) -> list[bool]:
    """Which tests are significant with the family-wise error rate held at `alpha`."""
    judged = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    significant = [False] * len(p_values)
    for rank, (p, index) in enumerate(judged):
        if p > alpha / (len(judged) - rank):
            break
        significant[index] = True
    return significant


def significant(changes: list[Change], alpha: float = ALPHA) -> tuple[list[bool], list[bool]]:
    """Per change: whether it is significant, and whether it could be judged at all in this
    comparison (Tarone: it could reach alpha / K). Holm runs over the judgeable ones."""
    k = family([change.min_p for change in changes], alpha)
    judgeable = [c.p_value is not None and c.min_p <= alpha / k for c in changes]
    tested = [c.p_value if ok else None for c, ok in zip(changes, judgeable, strict=True)]
    return holm(tested, alpha), judgeable
