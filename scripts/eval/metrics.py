"""Scores computed from (true label, predicted label) pairs."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from nlu_data import OUT_OF_SCOPE


def wilson(successes: int, total: int, z: float = 1.96) -> Tuple[float, float]:
    """95% Wilson score interval for a proportion (sensible for small n and rates near 1)."""
    if total == 0:
        return (float("nan"), float("nan"))
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Rate:
    hits: int
    total: int

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else float("nan")

    @property
    def interval(self) -> Tuple[float, float]:
        return wilson(self.hits, self.total)


def accuracy(truth: Sequence[str], predicted: Sequence[str], mask=None) -> Rate:
    pairs = [
        (t, p)
        for i, (t, p) in enumerate(zip(truth, predicted, strict=True))
        if mask is None or mask[i]
    ]
    return Rate(sum(t == p for t, p in pairs), len(pairs))


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    rows = per_label(truth, predicted)
    return statistics.mean(r["f1"] for r in rows.values()) if rows else float("nan")


def per_label(truth: Sequence[str], predicted: Sequence[str]) -> Dict[str, Dict[str, float]]:
    """Support, correct, recall (accuracy on that label), precision and F1 per true label."""
    support = Counter(truth)
    predicted_count = Counter(predicted)
    correct = Counter(t for t, p in zip(truth, predicted, strict=True) if t == p)
    rows = {}
    for label in sorted(support):
        recall = correct[label] / support[label]
        precision = correct[label] / predicted_count[label] if predicted_count[label] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows[label] = {
            "support": support[label],
            "correct": correct[label],
            "recall": recall,
            "precision": precision,
            "f1": f1,
        }
    return rows


def confusions(
    truth: Sequence[str], predicted: Sequence[str], texts: Sequence[str], top: int = 15
) -> List[Dict[str, object]]:
    """The most frequent (true, predicted) mistakes with up to three example messages."""
    counts: Counter = Counter()
    examples: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for t, p, text in zip(truth, predicted, texts, strict=True):
        if t != p:
            counts[(t, p)] += 1
            if len(examples[(t, p)]) < 3:
                examples[(t, p)].append(text)
    return [
        {"true": t, "predicted": p, "count": n, "examples": examples[(t, p)]}
        for (t, p), n in counts.most_common(top)
    ]


def refusal_rate(truth: Sequence[str], predicted: Sequence[str]) -> Rate:
    """Share of out-of-scope messages that were refused (answered as out_of_scope)."""
    pairs = [(t, p) for t, p in zip(truth, predicted, strict=True) if t == OUT_OF_SCOPE]
    return Rate(sum(p == OUT_OF_SCOPE for _, p in pairs), len(pairs))


def false_refusal_rate(truth: Sequence[str], predicted: Sequence[str]) -> Rate:
    """Share of in-scope messages that were refused: the price of a high refusal rate."""
    pairs = [(t, p) for t, p in zip(truth, predicted, strict=True) if t != OUT_OF_SCOPE]
    return Rate(sum(p == OUT_OF_SCOPE for _, p in pairs), len(pairs))


def mean_sd(values: Sequence[float]) -> Tuple[float, Optional[float]]:
    if not values:
        return (float("nan"), None)
    if len(values) == 1:
        return (values[0], None)
    return (statistics.mean(values), statistics.stdev(values))


def quartiles(values: Sequence[float]) -> Optional[Dict[str, float]]:
    """Lower quartile, median, upper quartile and the share at or above 0.8."""
    if not values:
        return None
    ordered = sorted(values)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return {
        "q1": q1,
        "median": median,
        "q3": q3,
        "share_at_least_0.8": sum(v >= 0.8 for v in ordered) / len(ordered),
        "n": len(ordered),
    }
