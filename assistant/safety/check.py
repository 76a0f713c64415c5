"""The safety check every message gets: the rules, then the risk model, one verdict.

The rules (``SafetyScanner``) decide first and their crisis or emergency verdict always stands.
The risk model (``RiskModel``) reads the message clause by clause and may *add* a crisis or
emergency verdict where the rules found none; it never removes one. Where the rules recognise
an idiom, a true negation or an educational question ("can ketamine help suicidal thoughts?")
and nothing else, the model's guess is set aside: the suite shows that costs no recall
(docs/safety.md).

If the model or its encoder cannot load, the rules alone decide; the failure is logged once
and ``status()`` says so (shown by the web channel's ``/ready``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import cache
from typing import Dict

from assistant.safety.scanner import (
    CRISIS,
    MEDICAL_EMERGENCY,
    RECREATIONAL_USE,
    SafetyResult,
    SafetyScanner,
    default_scanner,
)

logger = logging.getLogger(__name__)

URGENT = (CRISIS, MEDICAL_EMERGENCY)
# Rule frames that explain risk words away; with only these, the model's guess is not taken.
_EXPLAINING_FRAMES = frozenset({"idiom", "educational", "habitual", "negation"})
_CRISIS_EXPLAINING_FRAMES = _EXPLAINING_FRAMES - {"habitual"}
_HISTORY_FRAMES = frozenset({"resolved", "past_event"})
_NOW_FRAMES = frozenset({"present", "present_near", "acute"})


class SafetyCheck:
    """Rules first, then the risk model may add a verdict."""

    def __init__(self, scanner: SafetyScanner, risk_model=None, model_error: str = "") -> None:
        self.scanner = scanner
        self.risk_model = risk_model
        self.model_error = model_error

    def status(self) -> Dict[str, object]:
        return {
            "rules": True,
            "risk_model": self.risk_model is not None,
            "risk_model_error": self.model_error or None,
        }

    def scan(self, text: str) -> SafetyResult:
        result = self.scanner.scan(text)
        if result.is_urgent or self.risk_model is None:
            return result
        try:
            found = self.risk_model.verdict(text)
        except Exception as error:  # the rules' verdict stands whatever the model does
            logger.error("safety.risk_model.failed error=%s", type(error).__name__)
            return result
        if found.label not in URGENT:
            return result
        # The rules may explain the words the model reacted to, but only where it reacted: the
        # clause that decided (or the whole message, if that decided). An idiom or an anxious
        # habit in one sentence says nothing about a rope in another.
        where = result if found.clause.strip() == text.strip() else self.scanner.scan(found.clause)
        if where.mention or _explained_away(where, found.label):
            return result
        return replace(
            result,
            verdict=found.label,
            category=f"model:{found.label}",
            personal_advice=False,
            mention=False,
        )


def _explained_away(result: SafetyResult, label: str) -> bool:
    kinds = {m.verdict for m in result.matches}
    # "my heart races when I'm anxious" explains a symptom away, not a wish to die.
    explaining = _EXPLAINING_FRAMES if label == MEDICAL_EMERGENCY else _CRISIS_EXPLAINING_FRAMES
    if not kinds & _NOW_FRAMES:
        # History told as over, with nothing in the clause saying it is back: "a seizure last
        # year, fine since" is not an emergency; "an attempt years ago" is not a crisis now.
        explaining = explaining | (_HISTORY_FRAMES if label == MEDICAL_EMERGENCY else {"resolved"})
    return bool(kinds & explaining) and result.verdict in (None, RECREATIONAL_USE)


def load_risk_model() -> tuple:
    """(model, "") or (None, why it could not load)."""
    try:
        from assistant.safety.risk_model import load

        return load(), ""
    except Exception as error:
        return None, f"{type(error).__name__}: {error}"


@cache
def default_safety_check() -> SafetyCheck:
    """This process's check: the shared rules and, if it loads, the risk model."""
    model, error = load_risk_model()
    if model is None:
        logger.error("safety.risk_model.unavailable rules_only=true reason=%s", error)
    return SafetyCheck(default_scanner(), model, error)
