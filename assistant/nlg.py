"""Response generator: Rasa's templated responses, filled with the clinic's settings.

Configured in ``endpoints.yml`` (``nlg: type: assistant.nlg.ClinicResponseGenerator``). It runs in
the Rasa server, so the crisis and emergency replies get the clinic's help lines even when the
action server is down (SAFE-02), and a change to ``clinic.yml`` needs a restart, not a retrain.

It also puts the one-line disclosure (``utter_disclosure``: an automated assistant, not a
clinician, not for emergencies) in front of the first message of every conversation session,
whatever that message is, so no rule has to be written twice for "first turn" and "later turn".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant.nlu.message_edits import DID_YOU_MEAN_KEY
from assistant.paths import PROJECT_ROOT
from assistant.settings import ClinicSettings, current_settings

logger = logging.getLogger(__name__)

DISCLOSURE_RESPONSE = "utter_disclosure"
# A crisis or emergency reply comes first and states itself that this is an automated assistant.
SAFETY_INTENTS = frozenset({"crisis", "medical_emergency"})
# The website widget shows the disclosure as its opening text before anyone types (built from
# the same response by assistant/demo_site.py), so its first answer does not repeat it.
CHANNELS_SHOWING_DISCLOSURE = frozenset({"web"})
# "I can't answer that" becomes "did you mean" when the NLU found plausible topics.
CANNOT_ANSWER_RESPONSE = "utter_cannot_answer"
DID_YOU_MEAN_RESPONSE = "utter_did_you_mean"
TOPIC_TITLES_FILE = PROJECT_ROOT / "content" / "topic_titles.yml"
# The crisis reply gets the lines of each kind of crisis the safety check named (abuse, harm to
# others, someone else at risk): ``utter_crisis_fit_<kind>``, where the domain has one.
CRISIS_RESPONSE = "utter_crisis"
CRISIS_FIT_PREFIX = "utter_crisis_fit_"
CRISIS_KIND_ENTITY = "crisis_kind"


def load_topic_titles(path: Path = TOPIC_TITLES_FILE) -> Dict[str, str]:
    return {str(k): str(v) for k, v in yaml.safe_load(path.read_text(encoding="utf-8")).items()}


def suggested_topics(tracker: DialogueStateTracker) -> List[str]:
    """The latest message's "did you mean" topics (``faq/<topic>``), if any."""
    if not tracker.latest_message:
        return []
    topics = tracker.latest_message.parse_data.get(DID_YOU_MEAN_KEY) or []
    return [t for t in topics if isinstance(t, str) and t.startswith("faq/")]


def crisis_kinds(tracker: DialogueStateTracker) -> List[str]:
    """The kinds of crisis the safety check named in the latest message."""
    if not tracker.latest_message:
        return []
    return [
        str(e.get("value"))
        for e in tracker.latest_message.entities or []
        if e.get("entity") == CRISIS_KIND_ENTITY and e.get("value")
    ]


def is_first_bot_message(tracker: DialogueStateTracker) -> bool:
    """True if the assistant has said nothing yet in the tracker's current session."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, SessionStarted):
            return True
    return True


class ClinicResponseGenerator(TemplatedNaturalLanguageGenerator):
    """Templated responses with clinic placeholders and the first-message disclosure."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
        settings: Optional[ClinicSettings] = None,
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        # Read and validated at start-up: a bad clinic.yml stops the server here.
        self.settings = settings or current_settings()
        self.topic_titles = load_topic_titles()

    def render(
        self,
        utter_action: str,
        output_channel: str = "",
        kinds: Sequence[str] = (),
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        """One response filled with the clinic's values, without a tracker (used by channels).

        ``kinds`` are the crisis kinds the safety check named, for the crisis reply's lines.
        """
        values = {**self.settings.template_values(), **kwargs}
        message = self.generate_from_slots(utter_action, {}, output_channel, **values)
        return self._with_crisis_lines(message, utter_action, kinds, {}, output_channel, values)

    def _with_crisis_lines(
        self,
        message: Optional[Dict[str, Any]],
        utter_action: str,
        kinds: Sequence[str],
        slots: Dict[str, Any],
        output_channel: str,
        values: Dict[str, Any],
    ) -> Optional[Dict[str, Any]]:
        if message is None or utter_action != CRISIS_RESPONSE:
            return message
        lines = []
        for kind in dict.fromkeys(kinds):
            name = CRISIS_FIT_PREFIX + kind
            if name in self.responses:
                fitted = self.generate_from_slots(name, slots, output_channel, **values)
                if fitted and fitted.get("text"):
                    lines.append(fitted["text"])
        if lines:
            message["text"] = "\n\n".join([message.get("text") or "", *lines]).strip()
        return message

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[Dict[str, Any]]:
        values = {**self.settings.template_values(), **kwargs}
        suggestions = suggested_topics(tracker) if utter_action == CANNOT_ANSWER_RESPONSE else []
        if suggestions:
            utter_action = DID_YOU_MEAN_RESPONSE
        slots = tracker.current_slot_values()
        message = self.generate_from_slots(utter_action, slots, output_channel, **values)
        message = self._with_crisis_lines(
            message, utter_action, crisis_kinds(tracker), slots, output_channel, values
        )
        if message is not None and suggestions:
            topic_buttons = [
                {"title": self.topic_titles.get(t.split("/", 1)[1], t), "payload": f"/{t}"}
                for t in suggestions
            ]
            message["buttons"] = topic_buttons + list(message.get("buttons") or [])
        latest_intent = (
            (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        )
        if (
            message is not None
            and utter_action != DISCLOSURE_RESPONSE
            and latest_intent not in SAFETY_INTENTS
            and output_channel not in CHANNELS_SHOWING_DISCLOSURE
            and is_first_bot_message(tracker)
        ):
            disclosure = self.generate_from_slots(
                DISCLOSURE_RESPONSE, tracker.current_slot_values(), output_channel, **values
            )
            if disclosure and disclosure.get("text"):
                message["text"] = f"{disclosure['text']}\n\n{message.get('text') or ''}".strip()
        return message

    def response_names(self) -> List[str]:
        return list(self.responses)
