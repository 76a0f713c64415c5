"""Headless Chromium against the demo clinic page of the running stack.

One browser for this package's tests; each test gets a fresh context (so a fresh
sessionStorage and conversation), with every request, dialog, page error and CSP violation
recorded, so a test can prove that nothing left the machine and no script ran. Screenshots go
to reports/artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.browser.support import ChatPage, preflight_problem

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Records security-policy violations from the first moment of every page.
INIT_SCRIPT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


# Package scope, not session: while Playwright's sync API is open it keeps an asyncio loop
# running in this thread, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def widget_config(running_stack) -> Dict[str, Any]:
    """The settings the demo site hands the widget (window.ClinicChatConfig)."""
    with urllib.request.urlopen(f"{running_stack.web_url}/config.js", timeout=10) as reply:
        body = reply.read().decode("utf-8")
    match = re.search(r"window\.ClinicChatConfig\s*=\s*(\{.*\});", body, re.S)
    assert match, f"unexpected /config.js: {body[:200]}"
    return json.loads(match.group(1))


@pytest.fixture(scope="session")
def live_server(running_stack, widget_config):
    """The stack, checked to answer a browser on the demo page's origin, and warmed up.

    Tests that need real answers use this: if the server cannot be reached from the page
    (for example its CORS preflight is broken) they fail here with the reason, instead of
    each timing out on an error line.
    """
    problem = preflight_problem(widget_config["serverUrl"], running_stack.web_url)
    if problem:
        pytest.fail(
            f"the web channel cannot be called from {running_stack.web_url}: {problem} "
            "(see docs/widget.md, 'What the widget needs from the server')"
        )
    # The first message of a fresh server builds the safety and privacy pipelines; do it here,
    # not inside the first test's time budget.
    request = urllib.request.Request(
        widget_config["serverUrl"],
        data=json.dumps({"message": "hello"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60):
        pass
    return running_stack


@pytest.fixture
def new_chat_page(browser, running_stack, request):
    """Opens the demo page in a fresh context; checks afterwards that nothing went off-site."""
    contexts = []

    def make(suffix: str = "", **context_options) -> ChatPage:
        options = {"viewport": {"width": 1280, "height": 800}, **context_options}
        context = browser.new_context(**options)
        context.add_init_script(INIT_SCRIPT)
        contexts.append(context)
        page = context.new_page()
        name = request.node.name + (f"-{suffix}" if suffix else "")
        chat = ChatPage(page=page, context=context, base_url=running_stack.web_url, name=name)

        def on_request(req):
            chat.requests.append(
                {
                    "method": req.method,
                    "url": req.url,
                    "headers": req.headers,
                    "body": req.post_data,
                }
            )

        def on_dialog(dialog):
            chat.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("request", on_request)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: chat.errors.append(f"pageerror: {error}"))
        page.set_default_timeout(15_000)
        return chat

    pages: List[ChatPage] = []

    def tracked(*args, **kwargs) -> ChatPage:
        chat = make(*args, **kwargs)
        pages.append(chat)
        return chat

    yield tracked
    for chat in pages:
        try:
            chat.screenshot("final")
        except Exception:  # the page may have been closed by the test
            pass
    for context in contexts:
        context.close()
    for chat in pages:
        assert chat.offsite_requests() == [], "requests left the machine"
        assert chat.dialogs == [], "a script opened a dialog"
        assert chat.errors == [], "the page threw errors"


@pytest.fixture
def chat_page(new_chat_page) -> ChatPage:
    return new_chat_page()
