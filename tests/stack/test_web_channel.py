"""The widget's channel: server-issued conversation ids, CORS for the clinic's origins only."""

import json
import urllib.request

import pytest

from assistant.channels.web import SESSION_HEADER
from assistant.stack import post_json
from tests.stack.helpers import rest, stored_events

pytestmark = pytest.mark.stack


def message(stack, text, token=None, origin=None):
    headers = {}
    if token:
        headers[SESSION_HEADER] = token
    if origin:
        headers["Origin"] = origin
    return post_json(f"{stack.rasa_url}/webhooks/web/message", {"message": text}, headers)


def test_first_message_gets_a_conversation_token_that_keeps_the_conversation(running_stack):
    status, headers, replies = message(running_stack, "i dont want to be alive")
    assert status == 200
    token = headers[SESSION_HEADER]
    assert token.startswith("web-")
    status, headers, replies = message(running_stack, "jk", token)
    assert headers[SESSION_HEADER] == token
    assert replies[0]["text"].startswith("Before we go on, I want to make sure you're okay.")


def test_rest_cannot_answer_or_delete_a_web_conversation(running_stack):
    """The widget's conversation id is in its storage and headers; sent as the REST sender it
    is refused, the web conversation's stored events do not change, and it carries on."""
    _, headers, replies = message(running_stack, "i dont want to be alive")
    token = headers[SESSION_HEADER]
    web_id = token.rsplit(".", 1)[0]
    assert replies[-1]["text"] == "Are you safe right now?"
    database = running_stack.env["TRACKER_DB"]
    before = stored_events(database, web_id)
    assert before
    for sender in (web_id, web_id.upper()):
        for text in ("jk, im fine", "delete my conversation", "yes"):
            status, _, body = rest(running_stack, sender, text)
            assert status == 403
            assert body == {
                "error": "'sender' must not start with 'web-': "
                "those conversations belong to the web channel"
            }
    assert stored_events(database, web_id) == before
    assert stored_events(database, web_id.upper()) == []

    status, _, replies = message(running_stack, "jk", token)
    assert status == 200
    assert replies[0]["text"].startswith("Before we go on, I want to make sure you're okay.")


def test_disclosure_comes_once_from_the_widget_not_again_from_the_first_answer(running_stack):
    """The widget opens with the disclosure; REST clients, which show nothing, get it first."""
    from assistant.demo_site import opening_disclosure
    from tests.stack.helpers import texts

    _, _, web_replies = message(running_stack, "how much does it cost")
    rest_replies = texts(running_stack, "disclosure-check", "how much does it cost")
    disclosure = opening_disclosure()
    assert disclosure.startswith("I'm an automated assistant for Riverside Ketamine Clinic")
    assert " ".join(rest_replies[0].split()).startswith(disclosure)
    assert "automated assistant" not in " ".join(r.get("text", "") for r in web_replies)
    assert web_replies[0]["text"] == rest_replies[0].split("\n\n", 1)[1]


def test_a_forged_or_stolen_looking_token_starts_a_new_conversation(running_stack):
    forged = "web-victim.0000000000000000000000000000000"
    status, headers, _ = message(running_stack, "hello", forged)
    assert status == 200
    assert headers[SESSION_HEADER] != forged


def test_button_payloads_are_signed_for_the_conversation(running_stack):
    _, headers, replies = message(running_stack, "how much does it cost")
    token = headers[SESSION_HEADER]
    payload = replies[0]["buttons"][0]["payload"]
    assert payload.startswith("/faq/insurance#")
    _, _, replies = message(running_stack, payload, token)
    assert replies[0]["text"].startswith("Insurance usually does not pay for")
    # The same payload in another conversation did not verify: a command, not an answer.
    _, _, other = message(running_stack, payload)
    assert other[0]["text"].startswith("I'm sorry, I can't answer that.")


def test_cors_allows_the_clinic_origin_only(running_stack):
    allowed = running_stack.web_url
    status, headers, _ = message(running_stack, "hi", origin=allowed)
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == allowed
    assert SESSION_HEADER in headers["Access-Control-Expose-Headers"]
    status, headers, reply = message(running_stack, "hi", origin="https://evil.example")
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers


def test_preflight(running_stack):
    def preflight(origin):
        request = urllib.request.Request(
            f"{running_stack.rasa_url}/webhooks/web/message",
            method="OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, dict(reply.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    status, headers = preflight(running_stack.web_url)
    assert status == 204 and headers["Access-Control-Allow-Origin"] == running_stack.web_url
    assert preflight("https://evil.example")[0] == 403


def test_root_route_does_not_name_the_rasa_version(running_stack):
    with urllib.request.urlopen(f"{running_stack.rasa_url}/", timeout=10) as reply:
        assert json.loads(reply.read()) == {"status": "ok"}


def test_http_api_is_off_by_default(running_stack):
    for path in ("/conversations/x/tracker", "/status", "/model/parse"):
        try:
            urllib.request.urlopen(f"{running_stack.rasa_url}{path}", timeout=10)
            raise AssertionError(f"{path} answered")
        except urllib.error.HTTPError as error:
            assert error.code in (404, 405)
