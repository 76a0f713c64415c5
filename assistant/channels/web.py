"""Web chat channel for the website widget (``/webhooks/web/...``).

The server, not the browser, chooses the conversation id (SEC-04): a message without a valid
``X-Chat-Session`` header starts a new conversation, and the reply carries the token to send
next time. The token is the conversation id signed with the assistant's key, so it cannot be
guessed or swapped for someone else's. Only the clinic's own website origins (clinic.yml,
``web.allowed_origins``) may call it from a browser (CORS).

    POST /webhooks/web/message   {"message": "..."}  ->  [{"text": ..., "buttons": [...]}, ...]
    GET  /webhooks/web/health    process up
    GET  /webhooks/web/ready     model loaded (503 until then)
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.channels.common import (
    PREFLIGHT_HANDLERS,
    client_ip,
    error_response,
    json_body,
    listener_installing_protections,
    message_field,
    parse_or_error,
    split_token,
)
from assistant.channels.conversations import issued_id, issuing_channel
from assistant.channels.gateway import default_gateway
from assistant.channels.payloads import load_signing_key
from assistant.settings import current_settings

SESSION_HEADER = "X-Chat-Session"


class SessionTokens:
    """Issues and checks the signed conversation tokens of the web channel."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, sender_id: str) -> str:
        return hmac.new(
            self._key, f"web-session\n{sender_id}".encode(), hashlib.sha256
        ).hexdigest()[:32]

    def issue(self) -> str:
        sender_id = issued_id("web", uuid.uuid4().hex)
        return f"{sender_id}.{self._signature(sender_id)}"

    def sender_of(self, token: Optional[str]) -> Optional[str]:
        sender_id, signature = split_token(token or "")
        if issuing_channel(sender_id) != "web" or not signature:
            return None
        return sender_id if hmac.compare_digest(signature, self._signature(sender_id)) else None


def same_origin(request: Request, origin: str) -> bool:
    """The page and the channel are served from the same host (e.g. behind one proxy)."""
    host = request.headers.get("host", "")
    return bool(host) and origin.rstrip("/") in (f"http://{host}", f"https://{host}")


def cors_headers(request: Request) -> Dict[str, str]:
    origin = request.headers.get("origin")
    if not origin:
        return {}
    if origin.rstrip("/") not in current_settings().allowed_origins and not same_origin(
        request, origin
    ):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": f"Content-Type, {SESSION_HEADER}",
        "Access-Control-Expose-Headers": SESSION_HEADER,
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def preflight(request: Request) -> HTTPResponse:
    """The browser's CORS check before it posts a message."""
    headers = cors_headers(request)
    if not headers:
        return error_response("origin not allowed", 403)
    return response.empty(status=204, headers=headers)


class WebChatInput(InputChannel):
    """The widget's channel: server-issued conversation ids, origin-checked CORS."""

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WebChatInput:
        default_gateway()
        current_settings()
        return cls()

    def __init__(self) -> None:
        self.tokens = SessionTokens(load_signing_key())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        web = Blueprint("web_chat", __name__)
        listener_installing_protections(web)
        PREFLIGHT_HANDLERS[f"/webhooks/{self.name()}/message"] = preflight

        @web.route("/health", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            # "safety" says whether the risk model runs beside the rules (rules alone if not).
            return response.json({"status": "ok", "safety": default_gateway().scanner.status()})

        @web.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is not None and agent.is_ready():
                return response.json(
                    {"status": "ready", "safety": default_gateway().scanner.status()}
                )
            return response.json({"status": "loading"}, status=503)

        @web.route("/message", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            headers = cors_headers(request)
            if request.headers.get("origin") and not headers:
                return error_response("origin not allowed", 403)
            reply = await self._reply(request, on_new_message)
            reply.headers.update(headers)
            return reply

        return web

    @parse_or_error
    async def _reply(self, request: Request, on_new_message) -> HTTPResponse:
        body = json_body(request)
        text = message_field(body)
        token = request.headers.get(SESSION_HEADER)
        sender_id = self.tokens.sender_of(token)
        if sender_id is None:
            token = self.tokens.issue()
            sender_id = self.tokens.sender_of(token)
        result = await default_gateway().handle(
            sender_id, text, on_new_message, self.name(), client_ip=client_ip(request)
        )
        return response.json(result.messages, headers={SESSION_HEADER: token})
