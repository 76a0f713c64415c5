"""A mock clinic website with the chat widget, served on http://127.0.0.1:8080 by `make run`.

Serves web/demo/ (the page) and web/widget/dist/ (the widget bundle) from this machine only,
plus /config.js with the widget's settings, so the page loads nothing from anywhere else.
A strict Content-Security-Policy makes the browser refuse any other source.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from assistant.content import domain_responses
from assistant.paths import PROJECT_ROOT
from assistant.settings import current_settings

WEB_ROOT = PROJECT_ROOT / "web"


def opening_disclosure() -> str:
    """The disclosure response (domain.yml ``utter_disclosure``) with the clinic's values."""
    text = domain_responses()["utter_disclosure"][0]["text"]
    return " ".join(text.format(**current_settings().template_values()).split())


def widget_config(server_url: str) -> dict:
    settings = current_settings()
    return {
        "serverUrl": f"{server_url.rstrip('/')}/webhooks/web/message",
        "clinicName": settings.clinic_name,
        # The web channel leaves the disclosure to this opening text (assistant/nlg.py).
        "openingText": "Hi! " + opening_disclosure(),
        # When the assistant cannot be reached, the help lines still show.
        "texts": {
            "unreachable": (
                "Sorry, the assistant can't be reached right now. Please try again in a few "
                f"minutes. If you're in crisis, call or text {settings.crisis_phone}; in an "
                f"emergency, call {settings.emergency_number}."
            )
        },
        "colors": {"primary": "#1d4e89", "primaryText": "#ffffff"},
    }


class DemoHandler(SimpleHTTPRequestHandler):
    server_url = "http://127.0.0.1:5005"

    def end_headers(self) -> None:
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data:; connect-src 'self' {self.server_url}; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'",
        )
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path.split("?")[0] == "/config.js":
            body = f"window.ClinicChatConfig = {json.dumps(widget_config(self.server_url))};\n"
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path in ("/", "/index.html"):
            self.path = "/demo/index.html"
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # keep request lines out of the logs
        return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    DemoHandler.server_url = os.environ.get("ASSISTANT_SERVER_URL", "http://127.0.0.1:5005")
    handler = partial(DemoHandler, directory=str(WEB_ROOT))
    ThreadingHTTPServer((args.host, args.port), handler).serve_forever()


if __name__ == "__main__":
    main()
