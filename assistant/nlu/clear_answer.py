"""Rasa NLU component: a minimal or doubtful "yes" is ``affirm_unclear``, not ``affirm``.

"k", "ok", "sure, whatever" or "yeah right" in answer to "Are you safe right now?" must not end
the safety check (the rules in data/rules/safety.yml ask again); in other places (was this
helpful, anything else) the rules treat ``affirm_unclear`` like a yes. A tapped button is always
clear. What counts as clear is data: ``clear_yes.yml``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.message_edits import force_intent
from assistant.nlu.payload_gate import trusted_payload
from assistant.nlu.rule_component import RuleComponent

CLEAR_YES_FILE = Path(__file__).with_name("clear_yes.yml")
AFFIRM, UNCLEAR = "affirm", "affirm_unclear"
_NOT_A_WORD = re.compile(r"[^a-z' ]+")


class ClearYes:
    """Decides whether a text is a clear yes, from ``clear_yes.yml``."""

    def __init__(self, path: Path = CLEAR_YES_FILE) -> None:
        rules = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._remove = sorted(rules["remove_phrases"], key=len, reverse=True)
        self._required = set(rules["required"])
        self._words = set(rules["words"])

    def __call__(self, text: str) -> bool:
        flat = " " + " ".join(_NOT_A_WORD.sub(" ", text.lower().replace("’", "'")).split()) + " "
        for phrase in self._remove:
            flat = flat.replace(f" {phrase} ", " ")
        words = flat.split()
        return bool(words) and set(words) <= self._words and bool(set(words) & self._required)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ClearAnswerGuard(RuleComponent):
    """Turns an ``affirm`` that is not a clear yes into ``affirm_unclear``."""

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(config)
        self._clear_yes = ClearYes()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != AFFIRM or trusted_payload(message) is not None:
                continue
            if not self._clear_yes(message.get(TEXT) or ""):
                force_intent(message, UNCLEAR, intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        return messages
