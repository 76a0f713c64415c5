"""The widget holds a real conversation with the assistant on the demo clinic page."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.support import FakeServer, faq_answer_snippet

pytestmark = pytest.mark.browser

QUESTION = "what are the side effects of ketamine?"
REFERRAL = "provider at Riverside Ketamine Clinic"


def test_question_is_answered_with_provider_referral(live_server, widget_config, chat_page):
    chat = chat_page.goto().open()
    intro = chat.bot_bubbles().first
    expect(intro).to_have_text(widget_config["openingText"])
    expect(intro).to_contain_text("Please don't share personal details")

    chat.ask(QUESTION)
    expect(chat.user_bubbles().last).to_have_text(QUESTION)
    chat.wait_for_reply(REFERRAL)
    expect(chat.live_region).to_contain_text(REFERRAL)  # announced to screen readers
    chat.screenshot("answered")

    first = chat.posts()[0]
    assert first["url"] == widget_config["serverUrl"]
    assert json.loads(first["body"]) == {"message": QUESTION}
    assert first["headers"]["content-type"] == "application/json"
    assert "x-chat-session" not in first["headers"]  # the server issues the first token
    assert chat.csp_violations() == []


def test_quick_reply_sends_payload_and_shows_title(live_server, chat_page):
    chat = chat_page.goto().open()
    chat.ask(QUESTION)
    chat.wait_for_reply(REFERRAL)
    token = chat.page.evaluate("() => sessionStorage.getItem('clinic-chat:token')")
    assert token and token.startswith("web-")

    topic_button = chat.page.locator("deep-chat .qr[data-payload^='/faq/']:not([disabled])").first
    title = topic_button.inner_text()
    payload = topic_button.get_attribute("data-payload")
    topic = payload.split("#")[0].rsplit("/", 1)[-1]
    topic_button.click()

    expect(chat.user_bubbles().last).to_have_text(title)
    chat.wait_for_reply(faq_answer_snippet(topic))
    sent = chat.posts()[-1]
    assert json.loads(sent["body"]) == {"message": payload}
    assert sent["headers"]["x-chat-session"] == token
    # the answered group can't be pressed twice
    expect(chat.page.locator(f"deep-chat .qr[data-payload='{payload}']")).to_be_disabled()
    chat.screenshot("topic")


def test_reload_keeps_the_conversation(live_server, chat_page):
    chat = chat_page.goto().open()
    chat.ask(QUESTION)
    chat.wait_for_reply(REFERRAL)
    token = chat.page.evaluate("() => sessionStorage.getItem('clinic-chat:token')")

    chat.page.reload()
    expect(chat.panel).to_be_visible()  # it was open, so it opens again
    expect(chat.user_bubbles().first).to_have_text(QUESTION)
    chat.wait_for_reply(REFERRAL)
    expect(chat.bot_bubbles().first).to_contain_text("Please don't share personal details")
    assert chat.quick_replies().count() > 0  # the last suggestions can still be pressed
    chat.screenshot("restored")

    stored = json.loads(
        chat.page.evaluate("() => sessionStorage.getItem('clinic-chat:transcript')")
    )
    assert all(set(entry) <= {"role", "text", "buttons"} for entry in stored)
    assert not any("<" in json.dumps(entry) for entry in stored), "markup was stored"
    assert chat.page.evaluate("() => localStorage.length") == 0

    chat.ask("how many sessions do I need?")  # the same conversation goes on
    expect(chat.user_bubbles().last).to_have_text("how many sessions do I need?")
    chat.wait_for_reply(faq_answer_snippet("number_of_sessions"))
    assert chat.posts()[-1]["headers"]["x-chat-session"] == token


def test_crisis_message_gets_988(live_server, chat_page):
    chat = chat_page.goto().open()
    chat.ask("i dont want to wake up tomorrow")
    chat.wait_for_reply("988")
    expect(chat.conversation).to_contain_text("Call or text 988")
    expect(chat.live_region).to_contain_text("988")
    chat.screenshot("crisis")


def test_typing_indicator_while_waiting(widget_config, chat_page):
    chat = chat_page.goto().open()
    server = FakeServer(chat, widget_config["serverUrl"], hold=True)
    server.reply([{"text": "Ketamine is an anaesthetic medicine."}])
    chat.ask("what is ketamine?")
    expect(chat.page.locator("deep-chat .loading-message-dots")).to_be_visible()
    expect(chat.live_region).to_contain_text("typing")
    chat.screenshot("typing")
    chat.page.wait_for_timeout(50)
    server.release()
    chat.wait_for_reply("Ketamine is an anaesthetic medicine.")
    expect(chat.page.locator("deep-chat .loading-message-dots")).to_have_count(0)


def test_new_chat_forgets_the_conversation(widget_config, chat_page):
    chat = chat_page.goto().open()
    server = FakeServer(chat, widget_config["serverUrl"])
    server.reply([{"text": "First answer."}], token="web-first.token")
    chat.ask("first question")
    chat.wait_for_reply("First answer.")

    chat.page.get_by_role("button", name="New chat").click()
    expect(chat.user_bubbles()).to_have_count(0)
    expect(chat.bot_bubbles().first).to_have_text(widget_config["openingText"])
    assert chat.focused()["id"] == "text-input"
    storage = chat.page.evaluate("() => Object.keys(sessionStorage)")
    assert "clinic-chat:token" not in storage and "clinic-chat:transcript" not in storage

    server.reply([{"text": "Fresh start."}])
    chat.ask("second question")
    chat.wait_for_reply("Fresh start.")
    assert "x-chat-session" not in server.seen[-1]["headers"]  # a new conversation
