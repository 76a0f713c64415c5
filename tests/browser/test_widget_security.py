"""No user or bot string can run script, and the page talks only to this machine."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.support import LOCAL_HOSTS, FakeServer, preflight_problem

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[x](javascript:alert(1))"


def assert_inert(chat) -> None:
    """No dialog, no javascript: link, no injected image anywhere in the page or widget."""
    chat.page.wait_for_timeout(300)  # give an onerror handler time to fire, were there one
    assert chat.dialogs == []
    assert chat.deep_query("a[href^='javascript' i], [href*='javascript:' i]") == []
    assert chat.deep_query("deep-chat img, #clinic-chat img") == []
    assert chat.deep_query("[onerror], [onclick], [onload]") == []
    assert chat.page.evaluate("() => window.__xss === undefined")


def test_the_server_answers_the_widgets_cors_preflight(running_stack, widget_config):
    """The page (port 8180) and the assistant (port 5105) are different origins."""
    assert preflight_problem(widget_config["serverUrl"], running_stack.web_url) is None


def test_markup_typed_by_the_user_stays_text(live_server, chat_page):
    chat = chat_page.goto().open()
    chat.ask_and_wait(IMG)
    expect(chat.user_bubbles().last).to_have_text(IMG)
    chat.ask_and_wait(JS_LINK)
    expect(chat.user_bubbles().last).to_have_text("x")  # the link became its text
    assert chat.bot_bubbles().count() >= 3  # the opening text, and an answer to each
    assert_inert(chat)
    chat.screenshot()


def test_markup_from_the_server_stays_text(widget_config, chat_page):
    """Rasa never sends these, but a compromised or misconfigured server must not run script."""
    chat = chat_page.goto().open()
    server = FakeServer(chat, widget_config["serverUrl"])
    server.reply(
        [
            {"text": f"Image: {IMG} and a link {JS_LINK}"},
            {"text": "More: <javascript:window.__xss=1> [d](data:text/html,hi)"},
            {"text": "An image: ![t](/demo/logo.svg)"},
            {"text": "<script>window.__xss=1</script><b onmouseover=alert(1)>bold</b>"},
            {"text": "Call [988](tel:988), visit [the lifeline](https://988lifeline.org)."},
            {
                "text": "Pick one",
                "buttons": [
                    {"title": IMG, "payload": "/faq/cost#abc"},
                    {
                        "title": 'x" onclick="window.__xss=1',
                        "payload": '"><img src=x onerror=alert(1)>',
                    },
                ],
            },
        ]
    )
    chat.ask("hello")
    chat.wait_for_reply("Pick one")
    expect(chat.conversation).to_contain_text(f"Image: {IMG}")
    expect(chat.conversation).to_contain_text("<script>window.__xss=1</script>")
    assert_inert(chat)
    links = chat.page.locator("deep-chat").evaluate(
        "c => [...c.shadowRoot.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.rel])"
    )
    assert links == [
        ["tel:988", "noopener noreferrer"],
        ["https://988lifeline.org", "noopener noreferrer"],
    ]
    buttons = chat.page.locator("deep-chat button.qr")
    expect(buttons).to_have_count(2)
    expect(buttons.first).to_have_text(IMG)

    server.reply([{"text": "ok"}])
    buttons.nth(1).click()  # the hostile payload is sent back as plain text, nothing runs
    chat.wait_for_reply("ok")
    assert server.seen[-1]["body"] == {"message": '"><img src=x onerror=alert(1)>'}
    assert_inert(chat)
    chat.screenshot()


def test_nothing_is_loaded_from_outside_this_machine(live_server, chat_page):
    chat = chat_page.goto().open()
    chat.ask("how much does it cost?")
    chat.wait_for_reply("Riverside Ketamine Clinic")
    chat.quick_replies().first.click()
    expect(chat.user_bubbles()).to_have_count(2)
    chat.page.wait_for_timeout(1000)

    hosts = {urlsplit(r["url"]).hostname for r in chat.requests}
    assert hosts <= LOCAL_HOSTS, hosts
    assert chat.csp_violations() == []
    heads = chat.page.evaluate(
        "() => [...document.querySelectorAll('link[href], script[src]')]"
        ".map((e) => e.href || e.src)"
    )
    assert all(urlsplit(url).hostname in LOCAL_HOSTS for url in heads), heads
    posts = chat.posts()
    assert len(posts) == 2 and all(json.loads(p["body"]).keys() == {"message"} for p in posts)
