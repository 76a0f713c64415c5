"""The custom-action server: rasa-sdk's app, reachable only by the Rasa server.

    python -m assistant.action_server --host 127.0.0.1 --port 5055

rasa-sdk's own server (`rasa run actions`) listens on every interface with no authentication
and reads bodies of up to 100 MB, while a request carries a whole conversation. This one:

- listens on ``--host`` (127.0.0.1 unless told otherwise);
- with ``ACTION_SERVER_TOKEN`` set, answers ``/webhook`` and ``/actions`` only to requests
  carrying ``Authorization: Bearer <token>`` (endpoints.yml sends it), else 401; without a
  token, only to this machine's loopback, else 403;
- refuses a body over ``ACTION_SERVER_MAX_BODY_BYTES`` (1 MiB by default) with 413 before
  reading it.

``/health`` stays open: it says nothing about conversations.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
import sys
from dataclasses import dataclass
from typing import List, Mapping, Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import Forbidden, SanicException, Unauthorized

TOKEN_ENV = "ACTION_SERVER_TOKEN"
MAX_BODY_ENV = "ACTION_SERVER_MAX_BODY_BYTES"
# A request carries the conversation's events, about 5 KB a turn: some 200 turns fit.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


class ActionServerSettingsError(ValueError):
    """An action server setting in the environment is invalid."""


@dataclass(frozen=True)
class ActionServerSettings:
    token: str
    max_body_bytes: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ActionServerSettings:
        raw_limit = (environ.get(MAX_BODY_ENV) or "").strip()
        try:
            limit = int(raw_limit) if raw_limit else DEFAULT_MAX_BODY_BYTES
        except ValueError:
            raise ActionServerSettingsError(f"{MAX_BODY_ENV} must be a number of bytes") from None
        if limit < 1024:
            raise ActionServerSettingsError(f"{MAX_BODY_ENV} must be at least 1024 bytes")
        return cls(token=(environ.get(TOKEN_ENV) or "").strip(), max_body_bytes=limit)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def build_app(settings: ActionServerSettings, actions_package: str = "actions") -> Sanic:
    # No CORS origins: browsers have no business calling this server.
    app = create_app(actions_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    expected = f"Bearer {settings.token}".encode()

    # Sanic 21 runs request middleware after reading the body; this signal comes before it.
    @app.signal("http.routing.after")
    async def only_the_rasa_server(request, route, kwargs, handler) -> None:
        if request.path in OPEN_PATHS:
            return
        if settings.token:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                raise Unauthorized("a valid action server token is needed", scheme="Bearer")
        elif not is_loopback(request.ip):
            raise Forbidden("this action server only answers this machine")

    # rasa-sdk's catch-all handler would turn these into 500 and echo the body back.
    @app.exception(SanicException)
    async def refused(request, error: SanicException):
        return response.json(
            {"error": str(error)},
            status=error.status_code,
            headers=getattr(error, "headers", None),
        )

    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    try:
        settings = ActionServerSettings.from_env()
    except ActionServerSettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = build_app(settings, args.actions)
    mode = "token required" if settings.token else "loopback only (no token set)"
    logging.getLogger(__name__).info(
        "Action server on http://%s:%s (%s)", args.host, args.port, mode
    )
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
