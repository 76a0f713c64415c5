"""Helpers for the browser tests: a recorded chat page and a stand-in for the server."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

import yaml

from assistant.paths import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "reports" / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
ANSWER_TIMEOUT_MS = 30_000
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

# Collects matches of a selector in the document and in every open shadow root.
DEEP_QUERY = """
(selector) => {
  const found = [];
  const visit = (root) => {
    root.querySelectorAll(selector).forEach((e) => found.push(e.outerHTML.slice(0, 300)));
    root.querySelectorAll('*').forEach((e) => { if (e.shadowRoot) visit(e.shadowRoot); });
  };
  visit(document);
  return found;
}
"""

# The element that really has focus, looking inside shadow roots.
DEEP_ACTIVE = """
() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id || '', cls: String(el.className || ''),
    role: el.getAttribute('role') || '', label: el.getAttribute('aria-label') || '',
    text: (el.textContent || '').trim().slice(0, 80),
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
  };
}
"""


def preflight_problem(server_url: str, origin: str) -> Optional[str]:
    """Why a browser on ``origin`` could not POST to the web channel, or None if it can."""
    request = urllib.request.Request(
        server_url,
        method="OPTIONS",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-chat-session",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            headers = {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as error:
        return f"preflight answered {error.code}"
    allowed_headers = headers.get("access-control-allow-headers", "").lower()
    if headers.get("access-control-allow-origin") not in (origin, "*"):
        return "preflight reply has no Access-Control-Allow-Origin for the page's origin"
    if "x-chat-session" not in allowed_headers and "*" not in allowed_headers:
        return "preflight reply does not allow the X-Chat-Session header"
    return None


@dataclass
class ChatPage:
    """One browser tab on the demo page, with what it did recorded."""

    page: Any
    context: Any
    base_url: str
    name: str
    requests: List[Dict[str, Any]] = field(default_factory=list)
    dialogs: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    # ---------------------------------------------------------------- locators
    @property
    def launcher(self):
        return self.page.locator("#clinic-chat .launcher")

    @property
    def panel(self):
        return self.page.locator("#clinic-chat-panel")

    @property
    def conversation(self):
        return self.page.get_by_role("region", name="Conversation")

    @property
    def text_input(self):
        return self.page.get_by_role("textbox", name="Type your question")

    @property
    def live_region(self):
        return self.page.locator("#clinic-chat [aria-live]")

    def bot_bubbles(self):
        return self.page.locator("deep-chat .ai-message-text")

    def user_bubbles(self):
        return self.page.locator("deep-chat .user-message-text")

    def quick_replies(self):
        return self.page.locator("deep-chat button.qr:not([disabled])")

    # ---------------------------------------------------------------- actions
    def goto(self) -> ChatPage:
        self.page.goto(f"{self.base_url}/")
        self.launcher.wait_for()
        return self

    def open(self) -> ChatPage:
        if self.launcher.get_attribute("aria-expanded") != "true":
            self.launcher.click()
        self.text_input.wait_for()
        return self

    def ask(self, text: str) -> None:
        """Types a message and sends it with Enter, as a person would."""
        self.text_input.click()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")

    def ask_and_wait(self, text: str) -> None:
        """Sends a message and waits until the widget has shown whatever came back."""
        from playwright.sync_api import expect

        with self.page.expect_response(
            lambda r: r.request.method == "POST", timeout=ANSWER_TIMEOUT_MS
        ):
            self.ask(text)
        expect(self.page.locator("deep-chat .loading-message-dots")).to_have_count(0)

    def wait_for_reply(self, snippet: str, timeout: float = ANSWER_TIMEOUT_MS) -> None:
        from playwright.sync_api import expect

        expect(self.conversation.get_by_text(snippet).last).to_be_visible(timeout=timeout)

    def posts(self) -> List[Dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST"]

    def deep_query(self, selector: str) -> List[str]:
        return self.page.evaluate(DEEP_QUERY, selector)

    def focused(self) -> Optional[Dict[str, Any]]:
        return self.page.evaluate(DEEP_ACTIVE)

    def csp_violations(self) -> List[str]:
        return self.page.evaluate("() => window.__csp || []")

    def screenshot(self, suffix: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}{('-' + suffix) if suffix else ''}.png"
        self.page.screenshot(path=str(path))
        return path

    def offsite_requests(self) -> List[str]:
        return [r["url"] for r in self.requests if urlsplit(r["url"]).hostname not in LOCAL_HOSTS]


class FakeServer:
    """Answers the widget's POSTs from the test instead of Rasa (for replies Rasa never sends).

    ``hold=True`` keeps each request waiting until ``release()``, to look at the page while the
    widget waits for an answer.
    """

    def __init__(self, chat: ChatPage, server_url: str, hold: bool = False) -> None:
        self.origin = chat.base_url
        self.replies: List[Dict[str, Any]] = []
        self.seen: List[Dict[str, Any]] = []
        self.hold = hold
        self.waiting: List[Any] = []
        chat.page.route(server_url, self._handle)

    def reply(self, messages: Any = None, status: int = 200, token: str = "web-fake.token"):
        self.replies.append({"messages": messages or [], "status": status, "token": token})
        return self

    def abort(self, error: str = "connectionrefused"):
        self.replies.append({"abort": error})
        return self

    def _handle(self, route) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        self.seen.append(
            {"headers": route.request.headers, "body": json.loads(route.request.post_data)}
        )
        if self.hold:
            self.waiting.append(route)
        else:
            self._answer(route)

    def release(self) -> None:
        while self.waiting:
            self._answer(self.waiting.pop(0))

    def _answer(self, route) -> None:
        spec = self.replies.pop(0)
        if "abort" in spec:
            route.abort(spec["abort"])
            return
        route.fulfill(
            status=spec["status"],
            content_type="application/json",
            body=json.dumps(spec["messages"]),
            headers={
                "Access-Control-Allow-Origin": self.origin,
                "Access-Control-Expose-Headers": "X-Chat-Session",
                "X-Chat-Session": spec["token"],
            },
        )


def faq_answer_snippet(topic: str) -> str:
    """The first words of a FAQ topic's web answer, read from data/faq/<topic>.yml."""
    document = yaml.safe_load((PROJECT_ROOT / "data" / "faq" / f"{topic}.yml").read_text())
    variants = document["responses"][f"utter_faq/{topic}"]
    text = next(v["text"] for v in variants if not v.get("channel"))
    words = re.sub(r"\{[^}]+\}", "", text).split()
    return " ".join(words[:5])
