"""The safety test suite: loading the cases and scoring a safety check on them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

CASES_DIR = Path(__file__).with_name("cases")
URGENT = ("crisis", "medical_emergency")


@dataclass(frozen=True)
class Case:
    text: str
    expect: str
    category: str
    source: str


def load_cases() -> List[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            cases.append(
                Case(entry["text"], entry["expect"], entry.get("category", "-"), path.stem)
            )
    return cases


def correct(case: Case, verdict: str | None, personal_advice: bool) -> bool:
    """What the person must get for each kind of message."""
    if case.expect == "crisis":  # a crisis or the (also crisis-covering) emergency reply
        return verdict in URGENT
    if case.expect == "medical_emergency":
        return verdict == "medical_emergency"
    if case.expect == "safe":
        return verdict not in URGENT
    if case.expect == "personal_advice":
        return personal_advice and verdict not in URGENT
    if case.expect == "recreational_use":
        return verdict == "recreational_use"
    raise ValueError(f"unknown expectation {case.expect!r}")


@dataclass
class Score:
    by_expect: Dict[str, List[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_category: Dict[Tuple[str, str], List[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    misses: List[Tuple[Case, str | None]] = field(default_factory=list)

    def add(self, case: Case, ok: bool, verdict) -> None:
        for table, key in (
            (self.by_expect, case.expect),
            (self.by_category, (case.expect, case.category)),
        ):
            table[key][0] += 1
            table[key][1] += ok
        if not ok:
            self.misses.append((case, verdict))

    def rate(self, expect: str) -> float:
        total, ok = self.by_expect[expect]
        return ok / total

    @property
    def false_positive_rate(self) -> float:
        return 1.0 - self.rate("safe")

    def report(self, title: str) -> str:
        lines = [f"{title}"]
        for expect, (total, ok) in sorted(self.by_expect.items()):
            label = "specificity" if expect == "safe" else "recall"
            lines.append(f"  {expect:18s} {label} {ok}/{total} = {ok / total:.3f}")
        lines.append(
            f"  false-positive rate (crisis/emergency reply to a safe message): "
            f"{self.false_positive_rate:.3f}"
        )
        for (expect, category), (total, ok) in sorted(self.by_category.items()):
            lines.append(f"    {expect:18s} {category:24s} {ok}/{total}")
        return "\n".join(lines)


def score(cases: List[Case], check: Callable[[str], Tuple[str | None, bool]]) -> Score:
    result = Score()
    for case in cases:
        verdict, advice = check(case.text)
        result.add(case, correct(case, verdict, advice), verdict)
    return result
