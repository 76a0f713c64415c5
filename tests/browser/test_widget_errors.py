"""When the assistant can't answer, the person sees a line saying so, never silence."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import FakeServer

pytestmark = pytest.mark.browser


def test_unreachable_server_shows_an_error_line(widget_config, chat_page):
    chat = chat_page.goto().open()
    server = FakeServer(chat, widget_config["serverUrl"]).abort("connectionrefused")
    chat.ask("what is ketamine?")
    error = chat.page.locator("deep-chat .error-message-text")
    expect(error).to_be_visible()
    expect(error).to_contain_text("can't be reached")
    expect(error).to_contain_text("call or text 988; in an emergency, call 911")
    expect(chat.live_region).to_contain_text("can't be reached")
    chat.screenshot()

    server.reply([{"text": "Back again."}])  # the chat still works afterwards
    chat.ask("what is ketamine?")
    chat.wait_for_reply("Back again.")


def test_rate_limit_and_server_errors_show_an_error_line(widget_config, chat_page):
    chat = chat_page.goto().open()
    server = FakeServer(chat, widget_config["serverUrl"])
    server.reply({"error": "rate limit"}, status=429)
    chat.ask("one more question")
    expect(chat.page.locator("deep-chat .error-message-text")).to_contain_text("wait a minute")

    server.reply({"error": "boom"}, status=500)
    chat.ask("and another")
    expect(chat.page.locator("deep-chat .error-message-text").last).to_contain_text("went wrong")
    chat.screenshot()
