"""Request handling shared by the project's channels: JSON checks, client address, app limits.

``install_app_protections`` runs once when the first of the project's channels is registered:
it caps request bodies (Sanic answers 413 above the limit, IN-03), answers "/" and "/version"
without naming the Rasa version (SEC-12) and refuses requests over the per-address rate.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any, Dict, Optional, Tuple

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from assistant.channels.gateway import (
    ForeignConversationError,
    RateLimitedError,
    default_gateway,
)
from assistant.privacy.logs import install_log_redaction

logger = logging.getLogger(__name__)

SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")
MAX_JSON_DEPTH = 20
TRUST_PROXY_ENV = "ASSISTANT_TRUST_PROXY"
# CORS preflight answers by path, registered by channels that browsers call. They run in the
# app's middleware because Rasa's own CORS extension would otherwise answer OPTIONS itself.
PREFLIGHT_HANDLERS: dict = {}


class BadRequestError(Exception):
    """A malformed request: the channel answers with ``status`` and a clear message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def error_response(message: str, status: int) -> HTTPResponse:
    return json_response({"error": message}, status=status)


def client_ip(request: Request) -> Optional[str]:
    """The caller's address; behind a trusted proxy, the address it forwarded."""
    if os.environ.get(TRUST_PROXY_ENV, "").lower() in ("1", "true", "yes"):
        forwarded = request.headers.get("x-real-ip") or (
            request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        )
        if forwarded:
            return forwarded
    return request.ip


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()] or [level + 1])
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value] or [level + 1])
    return level


def json_body(request: Request) -> Dict[str, Any]:
    """The request's JSON object, or ``BadRequestError`` saying what is wrong (IN-02, IN-14–17)."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequestError("Content-Type must be application/json", 415)
    try:
        body = json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequestError("the request body is not valid UTF-8") from None
    except (json.JSONDecodeError, RecursionError):
        raise BadRequestError("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequestError("the request body must be a JSON object")
    if _depth(body) > MAX_JSON_DEPTH:
        raise BadRequestError("the request body is nested too deeply")
    return body


def message_field(body: Dict[str, Any]) -> str:
    if "message" not in body:
        raise BadRequestError("'message' is required")
    message = body["message"]
    if not isinstance(message, str):
        raise BadRequestError("'message' must be a string")
    return message


def sender_field(body: Dict[str, Any]) -> str:
    if "sender" not in body:
        raise BadRequestError("'sender' is required")
    sender = body["sender"]
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        raise BadRequestError("'sender' must be 1-128 characters: letters, digits and _ . : @ + -")
    if sender == "default":
        raise BadRequestError("'sender' must not be the shared id 'default'")
    return sender


def rate_limited_response(error: RateLimitedError) -> HTTPResponse:
    response = error_response(f"rate limit: {error}; try again in a minute", 429)
    response.headers["Retry-After"] = "60"
    return response


# Channels whose requests are signed by a platform that sends for many patients from a few
# addresses (Twilio, a clinic's messaging platform): a per-address limit would throttle all of
# them at once. They are limited per sender in the gateway and reject unsigned requests.
SIGNED_WEBHOOKS = ("/webhooks/twilio/", "/webhooks/callback/")
# Where patients send messages: the gateway applies the per-address limit there itself, after
# the safety check, so a crisis is answered however many messages came before it.
MESSAGE_ENDPOINTS = ("/webhooks/rest/webhook", "/webhooks/web/message")


def install_app_protections(app: Sanic) -> None:
    """Once per app: body size limit, version banner hidden, per-address rate limit."""
    if getattr(app.ctx, "assistant_protections", False):
        return
    app.ctx.assistant_protections = True
    gateway = default_gateway()
    app.config.REQUEST_MAX_SIZE = gateway.limits.max_body_bytes
    install_log_redaction()

    @app.middleware("request")
    async def _guard(request: Request) -> Optional[HTTPResponse]:
        if request.path in ("/", "/version"):
            return json_response({"status": "ok"})
        preflight = PREFLIGHT_HANDLERS.get(request.path.rstrip("/"))
        if request.method == "OPTIONS" and preflight is not None:
            return preflight(request)
        if (
            request.method == "POST"
            and request.path.startswith("/webhooks/")
            and not request.path.startswith(SIGNED_WEBHOOKS)
            and request.path.rstrip("/") not in MESSAGE_ENDPOINTS
        ):
            try:
                gateway.check_ip(client_ip(request))
            except RateLimitedError as error:
                return rate_limited_response(error)
        return None

    # First in line, before Rasa's CORS extension answers OPTIONS on its own.
    if _guard in app.request_middleware:
        app.request_middleware.remove(_guard)
        app.request_middleware.appendleft(_guard)


def parse_or_error(func):
    """Decorator for channel handlers: ``BadRequestError`` becomes its status and message."""

    async def wrapper(*args, **kwargs) -> HTTPResponse:
        try:
            return await func(*args, **kwargs)
        except BadRequestError as error:
            return error_response(str(error), error.status)
        except RateLimitedError as error:
            return rate_limited_response(error)
        except ForeignConversationError as error:
            return error_response(str(error), 403)

    wrapper.__name__ = func.__name__
    return wrapper


def listener_installing_protections(blueprint) -> None:
    """Registers ``install_app_protections`` on the app the blueprint is added to."""

    @blueprint.listener("before_server_start")
    async def _install(app: Sanic, _loop) -> None:
        install_app_protections(app)


def split_token(token: str) -> Tuple[str, str]:
    sender, _, signature = (token or "").rpartition(".")
    return sender, signature
