"""Rasa NLU component: typed "/intent" text is text, only real button payloads act as intents.

Rasa's RegexMessageHandler (always last in the pipeline) turns any message that starts with "/"
into an intent at confidence 1.0, so anyone could type "/affirm" or "/deny" to skip the safety
path. The channel gateway marks the button payloads it issued (and verified) in the message
metadata; for every other message this component:

- answers a bare command ("/affirm", "/restart", "/faq{...}", or a button payload whose
  signature did not verify) with ``nlu_fallback``, so the person gets "I can't answer that"
  rather than the intent;
- and hides the leading "/" from RegexMessageHandler, so the NLU's own reading (and the safety
  check, which runs after this) stands.

A verified payload for an FAQ topic ("/faq/side_effects") is resolved here to that topic,
because RegexMessageHandler does not know retrieval intents.
"""

from __future__ import annotations

import re
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_DEFAULT_INTENT,
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
)
from rasa.shared.nlu.constants import (
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.message_edits import force_intent
from assistant.nlu.rule_component import RuleComponent

TRUSTED_PAYLOAD_KEY = "trusted_payload"  # metadata set by assistant.channels.gateway
RESPONSE_SELECTOR_KEY = RESPONSE_SELECTOR_PROPERTY_NAME
# Rasa's own "/intent@confidence{entities}" syntax, with nothing else after it but perhaps a
# button signature ("#<hex>", in which masking may have replaced digit runs by "[PHONE]"): a
# payload replayed in another conversation, or forged, is a command that did not verify.
_COMMAND = re.compile(
    r"^\s*/[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)?(@[0-9.]+)?(\{.*\})?(#\S*)?\s*$", re.S
)
_RETRIEVAL = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)/(?P<topic>[A-Za-z0-9_]+)$")
# U+2060 WORD JOINER: invisible, not whitespace, so RegexMessageHandler no longer sees a "/".
_NEUTRAL_PREFIX = "\u2060"


def trusted_payload(message: Message) -> Optional[str]:
    metadata = message.get("metadata") or {}
    payload = metadata.get(TRUSTED_PAYLOAD_KEY) if isinstance(metadata, dict) else None
    text = (message.get(TEXT) or "").strip()
    return payload if isinstance(payload, str) and payload == text else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class PayloadGate(RuleComponent):
    """Lets only gateway-verified button payloads through as intents."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = (message.get(TEXT) or "").strip()
            if not text.startswith("/"):
                continue
            payload = trusted_payload(message)
            if payload is not None:
                self._resolve_retrieval_payload(message, payload)
                continue
            if _COMMAND.match(text):
                force_intent(message, "nlu_fallback", 1.0)
            message.set(TEXT, _NEUTRAL_PREFIX + text)
        return messages

    @staticmethod
    def _resolve_retrieval_payload(message: Message, payload: str) -> None:
        match = _RETRIEVAL.match(payload)
        selectors = message.get(RESPONSE_SELECTOR_KEY) or {}
        if not match or match.group("intent") not in selectors:
            return  # a plain "/intent" payload: RegexMessageHandler handles it
        intent, topic = match.group("intent"), match.group("topic")
        key = f"{intent}/{topic}"
        prediction = {
            "id": None,
            "responses": None,
            "response_templates": None,
            "confidence": 1.0,
            "intent_response_key": key,
            "utter_action": f"utter_{key}",
            "template_name": f"utter_{key}",
        }
        updated = dict(selectors)
        for selector in (intent, RESPONSE_SELECTOR_DEFAULT_INTENT):
            if selector in updated:
                updated[selector] = {
                    **updated[selector],
                    RESPONSE_SELECTOR_PREDICTION_KEY: prediction,
                    RESPONSE_SELECTOR_RANKING_KEY: [
                        {"id": None, "confidence": 1.0, "intent_response_key": key}
                    ],
                }
        message.set(RESPONSE_SELECTOR_KEY, updated, add_to_output=True)
        force_intent(message, intent, 1.0)
        message.set(TEXT, _NEUTRAL_PREFIX + payload)
