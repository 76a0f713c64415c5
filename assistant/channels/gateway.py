"""The gateway every channel passes messages through, on their way in and out.

In (in this order):
0. a conversation id issued by one channel (web, Twilio, callback) is refused when it comes
   through another, e.g. a widget's id sent as the REST ``sender`` (``conversations.py``);
1. control, zero-width and bidi characters removed (IN-13); an empty message gets "Could you
   type your question?" without calling the model (IN-01);
2. a per-conversation rate limit (SEC-07);
3. a button payload is accepted only if the assistant signed it for this conversation
   (SEC-08); anything else, "/affirm" included, is text;
4. the safety check on the *whole* text: the rules, then the risk model clause by clause
   (SAFE-01, SAFE-03; ``assistant.safety.check``);
5. personal details masked (PRIV-03): the model, the tracker store, the action server and the
   logs only ever see the masked text;
6. text over the length limit shortened for the NLU, after the safety check saw all of it
   (IN-03); the safety verdict travels in the message metadata.

Out:
7. if the model could not answer (not loaded, failing, too slow), a crisis or emergency
   message still gets its reply from the domain responses, and anything else gets a short
   "having trouble" note with the help lines: never silence (SAFE-03, REL-01);
8. notes for masked details or a shortened message; button payloads signed.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain

from assistant.channels.conversations import issuing_channel, may_address
from assistant.channels.limits import Limits, RateLimiter
from assistant.channels.payloads import PayloadSigner, load_signing_key
from assistant.nlg import ClinicResponseGenerator
from assistant.paths import PROJECT_ROOT
from assistant.safety import CRISIS, MEDICAL_EMERGENCY
from assistant.safety.normalise import strip_invisible

logger = logging.getLogger(__name__)

SAFETY_REPLIES = {
    CRISIS: ("utter_crisis", "utter_crisis_check"),
    MEDICAL_EMERGENCY: ("utter_medical_emergency",),
}


class RateLimitedError(Exception):
    """The conversation or address sent too many messages; the channel answers 429."""


class ForeignConversationError(Exception):
    """The conversation id belongs to another channel; the channel answers 403."""


@dataclass
class GatewayResult:
    """What the channel should send back, and what happened on the way."""

    messages: List[Dict[str, Any]]
    safety_verdict: Optional[str] = None
    redacted: tuple = ()
    truncated: bool = False
    model_answered: bool = True
    notes: List[str] = field(default_factory=list)


def clean_text(text: Any) -> str:
    """User text without control characters (tabs and newlines kept), NFC-normalised."""
    if not isinstance(text, str):
        return ""
    text = strip_invisible(text.replace("\x00", ""))
    return unicodedata.normalize("NFC", text).strip()


class ChannelCollector(CollectingOutputChannel):
    """Collects a turn's messages under the input channel's name.

    Rasa's plain collector calls itself "collector"; the response generator needs the real
    channel name to know, for instance, that the web widget already showed the disclosure, and
    Rasa picks channel-specific response variants (``channel: twilio``) by it.
    """

    def __init__(self, channel: str) -> None:
        super().__init__()
        self.channel = channel

    def name(self) -> str:  # type: ignore[override]  # per instance, not per class
        return self.channel


class Gateway:
    """In front of every channel: checks, masks and safety nets around Rasa."""

    def __init__(
        self,
        responses: ClinicResponseGenerator,
        signer: PayloadSigner,
        limits: Optional[Limits] = None,
        scanner=None,
        redactor=None,
    ) -> None:
        self.responses = responses
        self.signer = signer
        self.limits = limits or Limits()
        self._sender_limiter = RateLimiter(self.limits.per_sender_per_minute)
        self._ip_limiter = RateLimiter(self.limits.per_ip_per_minute)
        self._scanner = scanner
        self._redactor = redactor

    # Heavy parts (spaCy pipeline, matchers) are built on first use, once per process.
    @property
    def scanner(self):
        if self._scanner is None:
            from assistant.safety.check import default_safety_check

            self._scanner = default_safety_check()
        return self._scanner

    @property
    def redactor(self):
        if self._redactor is None:
            from assistant.privacy.redaction import default_redactor

            self._redactor = default_redactor()
        return self._redactor

    def check_ip(self, ip: Optional[str]) -> None:
        if ip and not self._ip_limiter.allow(ip):
            raise RateLimitedError("too many messages from this address")

    def _limited(self, sender_id: str, client_ip: Optional[str]) -> Optional[str]:
        """Why this message is over a rate limit, or None."""
        if client_ip and not self._ip_limiter.allow(client_ip):
            return "too many messages from this address"
        if not self._sender_limiter.allow(sender_id):
            return "too many messages in this conversation"
        return None

    def _safety_replies(self, verdict, channel: str) -> List[Dict[str, Any]]:
        return [
            self.render(name, channel, verdict.crisis_categories)
            for name in SAFETY_REPLIES[verdict.verdict]
        ]

    def render(self, name: str, channel: str = "", kinds: Sequence[str] = ()) -> Dict[str, Any]:
        message = self.responses.render(name, channel, kinds) or {}
        return {
            k: v for k, v in message.items() if k in ("text", "buttons", "image", "custom") and v
        }

    async def handle(
        self,
        sender_id: str,
        raw_text: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        channel: str,
        metadata: Optional[Dict[str, Any]] = None,
        client_ip: Optional[str] = None,
    ) -> GatewayResult:
        """One turn. ``client_ip``: the caller's address, for the per-address limit of the
        channels whose callers are the patients themselves (REST, web)."""
        if not may_address(channel, sender_id):
            # Refused before anything reads or writes that conversation: the caller is not the
            # person whose conversation it is.
            owner = issuing_channel(sender_id)
            logger.warning("gateway.foreign_conversation channel=%s owner=%s", channel, owner)
            raise ForeignConversationError(
                f"'sender' must not start with '{owner}-': "
                f"those conversations belong to the {owner} channel"
            )
        text = clean_text(raw_text)
        if not text:
            return GatewayResult(
                messages=[self.render("utter_empty_message", channel)], model_answered=False
            )
        payload = self.signer.verify(sender_id, text)
        limited = self._limited(sender_id, client_ip)
        if limited and payload is None:
            # The safety check comes before any limit: a crisis or emergency always gets its
            # reply (from the domain, without Rasa), however many messages came before it.
            urgent = self.scanner.scan(text)
            if urgent.verdict in SAFETY_REPLIES:
                logger.warning(
                    "gateway.rate_limited_safety_reply channel=%s verdict=%s",
                    channel,
                    urgent.verdict,
                )
                return GatewayResult(
                    messages=self.signer.sign_buttons(
                        sender_id, self._safety_replies(urgent, channel)
                    ),
                    safety_verdict=urgent.verdict,
                    model_answered=False,
                    notes=["rate_limited", "safety_net"],
                )
        if limited:
            raise RateLimitedError(limited)

        verdict = None
        redaction_found: tuple = ()
        truncated = False
        if payload is not None:
            nlu_text = payload
        else:
            result = self.scanner.scan(text)
            verdict = result if result.verdict else None
            redaction = self.redactor.redact(text)
            redaction_found = redaction.found
            nlu_text = redaction.text
            if len(nlu_text) > self.limits.max_message_chars:
                nlu_text = nlu_text[: self.limits.max_message_chars].rstrip()
                truncated = True

        message_metadata = dict(metadata or {})
        if payload is not None:
            message_metadata["trusted_payload"] = payload
        if payload is None:
            # The whole check's result (also "nothing found"): the pipeline then runs only the
            # rules again for its frames and does not repeat the risk model.
            message_metadata["safety"] = result.as_dict()

        collector = ChannelCollector(channel)
        answered = True
        try:
            await asyncio.wait_for(
                on_new_message(
                    UserMessage(
                        nlu_text,
                        collector,
                        sender_id,
                        input_channel=channel,
                        metadata=message_metadata,
                    )
                ),
                timeout=self.limits.reply_timeout_seconds,
            )
        except asyncio.TimeoutError:
            answered = False
            logger.error("gateway.reply.timeout channel=%s", channel)
        except Exception as error:  # the person must get an answer whatever broke
            answered = False
            logger.error("gateway.reply.failed channel=%s error=%s", channel, type(error).__name__)
        messages = [dict(m) for m in collector.messages]
        for message in messages:
            message.pop("recipient_id", None)

        notes: List[str] = []
        if verdict is not None and verdict.verdict in SAFETY_REPLIES:
            expected = self._safety_replies(verdict, channel)
            # The model's reply starts with the plain crisis or emergency text whatever lines
            # were added to it.
            first = self.render(SAFETY_REPLIES[verdict.verdict][0], channel).get("text")
            if not any(first and m.get("text", "").startswith(first) for m in messages):
                logger.error(
                    "gateway.safety_net verdict=%s model_answered=%s",
                    verdict.verdict,
                    bool(messages),
                )
                messages = expected + messages
                notes.append("safety_net")
        if not messages:
            messages = [self.render("utter_service_trouble", channel)]
            answered = False
        if redaction_found:
            messages.append(self.render("utter_personal_info_reminder", channel))
        if truncated:
            messages.append(self.render("utter_message_truncated", channel))
        return GatewayResult(
            messages=self.signer.sign_buttons(sender_id, messages),
            safety_verdict=verdict.verdict if verdict is not None else None,
            redacted=redaction_found,
            truncated=truncated,
            model_answered=answered,
            notes=notes,
        )


@cache
def default_gateway() -> Gateway:
    """The gateway of this process: responses from domain.yml, the shared signing key."""
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    return Gateway(ClinicResponseGenerator(domain=domain), PayloadSigner(load_signing_key()))
