"""WCAG 2.1 AA checks: axe-core, keyboard-only use, focus handling, 320 px and 200 % zoom."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.support import AXE, SCREENSHOTS

pytestmark = pytest.mark.browser

QUESTION = "what are the side effects of ketamine?"
REFERRAL = "provider at Riverside Ketamine Clinic"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(chat, label: str):
    """axe-core's serious and critical findings; the full report is saved as an artefact."""
    if not chat.page.evaluate("() => typeof window.axe === 'object'"):
        chat.page.add_script_tag(path=str(AXE))
    result = chat.page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"axe-{label}.json").write_text(json.dumps(result["violations"], indent=1))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_or_critical_violations(live_server, new_chat_page):
    # axe is injected as a <script> element, which the page's CSP (script-src 'self') would
    # refuse; the audit context bypasses CSP for that one reason.
    chat = new_chat_page(bypass_csp=True).goto()
    assert axe_violations(chat, "closed") == []

    chat.open()
    chat.ask(QUESTION)
    chat.wait_for_reply(REFERRAL)
    expect(chat.quick_replies().first).to_be_visible()
    assert axe_violations(chat, "answered") == []
    chat.screenshot()


def test_keyboard_only_open_send_and_close(live_server, chat_page):
    chat = chat_page.goto()
    for _ in range(40):  # Tab through the page until the launcher has focus
        chat.page.keyboard.press("Tab")
        focused = chat.focused()
        if focused and "launcher" in focused["cls"]:
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    assert focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2, focused

    chat.page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    assert chat.focused()["id"] == "text-input"  # focus moves into the chat
    ring = chat.page.locator("deep-chat").evaluate(
        "c => getComputedStyle(c.shadowRoot.getElementById('text-input-container')).outlineStyle"
    )
    assert ring != "none"  # the text box shows where focus is

    chat.page.keyboard.type(QUESTION)
    chat.page.keyboard.press("Tab")
    assert chat.focused()["label"] == "Send"
    chat.page.keyboard.press("Space")  # a role=button answers Space as well as Enter
    chat.wait_for_reply(REFERRAL)

    chat.text_input.focus()
    for _ in range(6):  # back from the text box to the last suggested reply
        chat.page.keyboard.press("Shift+Tab")
        if chat.focused()["cls"] == "qr":
            break
    else:
        pytest.fail("the suggested replies can't be reached with the keyboard")
    title = chat.focused()["text"]
    assert chat.focused()["outlineStyle"] != "none"
    chat.page.keyboard.press("Enter")
    expect(chat.user_bubbles().last).to_have_text(title)
    chat.screenshot("open")

    chat.page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    assert "launcher" in chat.focused()["cls"]  # focus goes back where it came from


def assert_usable(chat, width: int) -> None:
    """Everything fits the viewport: no sideways scrolling, controls on screen."""
    assert chat.page.evaluate("() => document.documentElement.scrollWidth") <= width
    box = chat.panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, box
    for control in (
        chat.text_input,
        chat.page.get_by_role("button", name="Send"),
        chat.page.get_by_role("button", name="Close chat"),
    ):
        expect(control).to_be_in_viewport()
        control_box = control.bounding_box()
        assert control_box["x"] >= 0 and control_box["x"] + control_box["width"] <= width + 0.5
    overflow = chat.page.locator("deep-chat").evaluate(
        "c => { const m = c.shadowRoot.getElementById('messages');"
        " return m.scrollWidth - m.clientWidth; }"
    )
    assert overflow <= 1, "the conversation scrolls sideways"


@pytest.mark.parametrize(
    "label, viewport, scale",
    [
        pytest.param("320px", {"width": 320, "height": 640}, 1, id="320px"),
        pytest.param("zoom200", {"width": 640, "height": 400}, 2, id="zoom200"),
    ],
)
def test_small_screen_and_zoom(live_server, new_chat_page, label, viewport, scale):
    # 200 % zoom of a 1280 x 800 window is a 640 x 400 CSS-pixel viewport at scale 2.
    chat = new_chat_page(label, viewport=viewport, device_scale_factor=scale).goto()
    expect(chat.launcher).to_be_in_viewport()
    chat.open()
    chat.ask(QUESTION)
    chat.wait_for_reply(REFERRAL)
    assert_usable(chat, viewport["width"])
    chat.screenshot()
    chat.page.get_by_role("button", name="Close chat").click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_in_viewport()
