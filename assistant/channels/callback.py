"""Callback channel for clinic messaging platforms (``POST /webhooks/callback/webhook``).

A platform (a patient portal, a secure-messaging inbox) posts a person's message and gets the
assistant's reply later, at its own URL, so neither side holds a connection open while the
model works:

    -> POST /webhooks/callback/webhook        X-Signature: sha256=<hex HMAC-SHA256 of body>
       {"sender": "patient-42", "message": "how much does it cost"}
    <- 202 {"status": "accepted"}
    ...
    -> POST $CALLBACK_URL                      X-Signature: sha256=<hex HMAC-SHA256 of body>
       {"recipient_id": "patient-42", "messages": [{"text": ..., "buttons": [...]}, ...]}

Both directions are signed with the shared secret ``CALLBACK_SECRET`` over the exact bytes
of the body, so each side knows the other sent it. An inbound post with a missing or wrong
signature gets 403 before its body is even parsed. Replies are retried (``CALLBACK_ATTEMPTS``,
default 3, with exponential backoff from ``CALLBACK_BACKOFF_SECONDS``, default 1 s) on network
errors, timeouts (``CALLBACK_TIMEOUT_SECONDS``, default 10 s), 408, 429 and 5xx, then given up
and logged; every attempt of one reply carries the same ``X-Delivery-Id`` so the platform can
drop a duplicate. Replies of one conversation are delivered in order.

The conversation id kept by the assistant is a keyed hash of the platform's sender id, so a
patient id never reaches the tracker store, and the REST channel cannot join the conversation.
A button's payload comes back as ``message`` to press it. Without ``CALLBACK_SECRET`` and
``CALLBACK_URL`` in the environment the channel answers 503 "not configured".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional
from urllib.parse import urlparse

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.common import (
    error_response,
    json_body,
    listener_installing_protections,
    message_field,
    parse_or_error,
    sender_field,
)
from assistant.channels.delivery import ConversationTasks, HttpPoster, conversation_id
from assistant.channels.gateway import (
    ChannelCollector,
    Gateway,
    RateLimitedError,
    default_gateway,
)
from assistant.channels.payloads import load_signing_key

logger = logging.getLogger(__name__)

CHANNEL = "callback"
SIGNATURE_HEADER = "X-Signature"
SIGNATURE_PREFIX = "sha256="


def sign_body(secret: str, body: bytes) -> str:
    """The ``X-Signature`` value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def valid_signature(secret: str, body: bytes, header: Optional[str]) -> bool:
    """True if ``header`` is the signature of ``body`` (constant-time comparison)."""
    if not secret or not header:
        return False
    header = header.strip()
    if not header.lower().startswith(SIGNATURE_PREFIX):
        return False
    given = SIGNATURE_PREFIX + header[len(SIGNATURE_PREFIX) :].lower()
    return hmac.compare_digest(given, sign_body(secret, body))


def _env_number(environ: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(environ.get(name) or default)
    except ValueError:
        return default


def _secure_or_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" or parsed.hostname in ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class CallbackSettings:
    """The shared secret and the clinic's reply URL, from the environment only."""

    secret: str = ""
    url: str = ""
    attempts: int = 3
    timeout_seconds: float = 10.0
    backoff_seconds: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CallbackSettings:
        return cls(
            secret=(environ.get("CALLBACK_SECRET") or "").strip(),
            url=(environ.get("CALLBACK_URL") or "").strip(),
            attempts=max(1, int(_env_number(environ, "CALLBACK_ATTEMPTS", 3))),
            timeout_seconds=_env_number(environ, "CALLBACK_TIMEOUT_SECONDS", 10.0),
            backoff_seconds=_env_number(environ, "CALLBACK_BACKOFF_SECONDS", 1.0),
        )

    @property
    def configured(self) -> bool:
        return bool(self.secret and self.url)


class SignedCallbackInput(InputChannel):
    """Signed JSON in, 202 at once, the reply POSTed (signed, retried) to the clinic's URL."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> SignedCallbackInput:
        if credentials and any(credentials.values()):
            logger.warning(
                "callback.credentials_file_ignored: the secret and URL are read from "
                "CALLBACK_SECRET and CALLBACK_URL only; remove them from credentials.yml"
            )
        default_gateway()
        settings = CallbackSettings.from_env()
        if not settings.configured:
            logger.warning(
                "callback.not_configured: set CALLBACK_SECRET and CALLBACK_URL; the webhook "
                "answers 503 until then"
            )
        elif not _secure_or_local(settings.url):
            logger.warning("callback.insecure_url: replies should go to an https URL")
        return cls(settings)

    def __init__(
        self,
        settings: Optional[CallbackSettings] = None,
        gateway: Optional[Gateway] = None,
    ) -> None:
        self.settings = settings or CallbackSettings.from_env()
        self._gateway = gateway
        self._key = load_signing_key()
        self.poster = HttpPoster(
            attempts=self.settings.attempts,
            timeout=self.settings.timeout_seconds,
            backoff=self.settings.backoff_seconds,
        )
        self.tasks = ConversationTasks()

    @property
    def gateway(self) -> Gateway:
        return self._gateway or default_gateway()

    def get_output_channel(self) -> CollectingOutputChannel:
        return ChannelCollector(CHANNEL)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        callback = Blueprint("signed_callback_webhook", __name__)
        listener_installing_protections(callback)

        @callback.listener("before_server_stop")
        async def _finish(_app, _loop) -> None:
            await self.tasks.drain()
            await self.poster.close()

        @callback.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @callback.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.settings.configured:
                return error_response("the callback channel is not configured", 503)
            if not valid_signature(
                self.settings.secret, request.body or b"", request.headers.get(SIGNATURE_HEADER)
            ):
                logger.warning("callback.rejected reason=signature")
                return error_response(f"missing or invalid {SIGNATURE_HEADER}", 403)
            return await self._accept(request, on_new_message)

        return callback

    @parse_or_error
    async def _accept(self, request: Request, on_new_message) -> HTTPResponse:
        body = json_body(request)
        sender = sender_field(body)
        text = message_field(body)
        sender_id = conversation_id(self._key, CHANNEL, sender)
        if not self.tasks.submit(
            sender_id, lambda: self._reply(sender, sender_id, text, on_new_message)
        ):
            logger.error("callback.busy pending=%s", self.tasks.pending)
            return error_response("busy, try again", 503)
        return response.json({"status": "accepted"}, status=202)

    async def _reply(self, sender: str, sender_id: str, text: str, on_new_message) -> None:
        try:
            result = await self.gateway.handle(sender_id, text, on_new_message, CHANNEL)
        except RateLimitedError:
            # 202 was already sent; the platform sees no reply for this message.
            logger.warning("callback.rate_limited sender=%s", sender_id)
            return
        await self.deliver(sender, sender_id, result.messages)

    async def deliver(self, recipient: str, sender_id: str, messages: List[Dict]) -> bool:
        """POSTs the reply to ``CALLBACK_URL``, signed; True if the platform accepted it."""
        body = json.dumps(
            {"recipient_id": recipient, "messages": messages}, ensure_ascii=False
        ).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_body(self.settings.secret, body),
            "X-Delivery-Id": uuid.uuid4().hex,
        }
        result = await self.poster.post(
            self.settings.url, data=body, headers=headers, label="callback.deliver"
        )
        if result.ok:
            logger.info("callback.delivered sender=%s attempts=%s", sender_id, result.attempts)
        else:
            logger.error(
                "callback.undelivered sender=%s status=%s attempts=%s",
                sender_id,
                result.status,
                result.attempts,
            )
        return result.ok
