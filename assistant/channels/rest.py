"""REST channel (``POST /webhooks/rest/webhook``) for servers and integrations.

The same request and reply as Rasa's REST channel (``{"sender", "message"}`` in, a list of
messages out), with the gateway in front: a missing or malformed sender or message is a 400
with a clear error, never the shared "default" conversation; JSON only (415 otherwise);
client metadata is ignored; rate limits answer 429. Browsers use the web channel instead, which
issues its own conversation ids; a sender starting with ``web-``, ``twilio-`` or ``callback-``
is one of those channels' conversations and gets 403 (``conversations.py``).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.common import (
    client_ip,
    json_body,
    listener_installing_protections,
    message_field,
    parse_or_error,
    sender_field,
)
from assistant.channels.gateway import default_gateway


class GuardedRestInput(InputChannel):
    """Rasa's REST webhook with validation, limits, masking and safety nets."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> GuardedRestInput:
        default_gateway()  # checks clinic.yml and domain.yml now, before the server starts
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("guarded_rest_webhook", __name__)
        listener_installing_protections(rest)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        @parse_or_error
        async def receive(request: Request) -> HTTPResponse:
            body = json_body(request)
            sender = sender_field(body)
            text = message_field(body)
            result = await default_gateway().handle(
                sender, text, on_new_message, self.name(), client_ip=client_ip(request)
            )
            return response.json([{"recipient_id": sender, **m} for m in result.messages])

        return rest
