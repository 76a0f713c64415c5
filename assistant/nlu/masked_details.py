"""Rasa NLU component: the NLU reads a message without the placeholders of masked details.

The gateway masks personal details before Rasa sees a message ("my daughter [NAME] [NAME]
wants to know the cost"), and that masked text is what the tracker store keeps. No training
example has a placeholder, and the classifier reads "[NAME]" or "[EMAIL]" as words about
names and emails, which pulls questions towards the privacy answer: held-out questions
(nlu_real_4 and 5) wrapped in an introduction, a signature, a phone number or an email lost
3-6 points of accuracy with placeholders and under 1 point without them. So this component,
first in the pipeline, takes the placeholders out of the text every later component reads;
the stored message (``UserUttered.text``) stays masked. A message that is only placeholders,
and a button payload ("/..."), are left as they are.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.rule_component import RuleComponent
from assistant.privacy.redaction import without_placeholders


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MaskedDetails(RuleComponent):
    """Leaves the placeholders of masked details out of the text the NLU reads."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.lstrip().startswith("/"):
                continue  # payloads are checked as sent (payload_gate.py)
            plain = without_placeholders(text)
            if plain != text:
                message.set(TEXT, plain)
        return messages
