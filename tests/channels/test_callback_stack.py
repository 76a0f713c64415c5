"""The signed callback channel against the real stack and a local clinic-platform receiver.

The stack replies to ``CALLBACK_URL`` with a 2 s timeout, 3 attempts and 0.3 s backoff (see
conftest), so the failure cases finish in seconds.
"""

from __future__ import annotations

import time
import urllib.request

import pytest

from assistant.stack import post_json
from tests.channels.channel_fakes import post_callback

pytestmark = pytest.mark.stack

COST = "a few hundred dollars"
INSURANCE = "Insurance usually does not"


def texts(delivery) -> str:
    return " ".join(" ".join(m.get("text") or "" for m in delivery["body"]["messages"]).split())


def server_healthy(stack) -> bool:
    with urllib.request.urlopen(f"{stack.rasa_url}/webhooks/callback/", timeout=5) as reply:
        healthy = reply.status == 200
    status, _, messages = post_json(
        f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": "health-check", "message": "hi"}
    )
    return healthy and status == 200 and bool(messages)


def test_signed_message_is_accepted_at_once_and_answered_signed(channel_stack, callback_receiver):
    status, answer, seconds = post_callback(
        channel_stack.rasa_url, {"sender": "patient-1001", "message": "how much does it cost"}
    )
    assert (status, answer) == (202, {"status": "accepted"})
    assert seconds < 1.5  # not waiting for the model

    (delivery,) = callback_receiver.wait_delivered("patient-1001")
    assert delivery["path"] == "/assistant/replies"
    assert delivery["signature_ok"]
    assert delivery["delivery_id"]
    assert set(delivery["body"]) == {"recipient_id", "messages"}
    assert COST in texts(delivery)
    buttons = [b for m in delivery["body"]["messages"] for b in m.get("buttons") or []]
    assert buttons[0]["title"] == "Insurance"
    assert buttons[0]["payload"].startswith("/faq/insurance#")  # signed for this conversation

    # Pressing the button: its payload comes back as the message.
    post_callback(
        channel_stack.rasa_url, {"sender": "patient-1001", "message": buttons[0]["payload"]}
    )
    second = callback_receiver.wait_delivered("patient-1001", count=2)[1]
    assert INSURANCE in texts(second)


def test_missing_or_wrong_signature_is_refused(channel_stack, callback_receiver):
    payload = {"sender": "patient-1002", "message": "how much does it cost"}
    for signature in (None, "", "sha256=" + "0" * 64, "sha1=abc", "deadbeef"):
        status, answer, _ = post_callback(channel_stack.rasa_url, payload, signature=signature)
        assert status == 403, signature
        assert "X-Signature" in answer["error"]
    status, _, _ = post_callback(channel_stack.rasa_url, payload, secret="another-secret")
    assert status == 403
    time.sleep(2)
    assert callback_receiver.attempts_for("patient-1002") == []


def test_malformed_signed_requests_get_clear_errors(channel_stack):
    url = channel_stack.rasa_url
    assert post_callback(url, b"{not json")[0] == 400
    assert post_callback(url, {"message": "hi"})[1] == {"error": "'sender' is required"}
    assert post_callback(url, {"sender": "a b", "message": "hi"})[0] == 400
    assert post_callback(url, {"sender": "patient-1003"})[1] == {"error": "'message' is required"}
    assert post_callback(url, {"sender": "p", "message": "hi"}, content_type="text/plain")[0] == 415


def test_replies_of_a_conversation_arrive_in_order(channel_stack, callback_receiver):
    for message in ("hello", "how much does it cost", "what are the side effects"):
        assert (
            post_callback(channel_stack.rasa_url, {"sender": "patient-1004", "message": message})[0]
            == 202
        )
    first, second, third = callback_receiver.wait_delivered("patient-1004", count=3)
    assert "What would you like to know?" in texts(first)
    assert COST in texts(second)
    assert "usually pass within hours" in texts(third)


def test_failing_receiver_is_retried_then_given_up(channel_stack, callback_receiver, rasa_log):
    callback_receiver.mode = "error"
    try:
        assert (
            post_callback(
                channel_stack.rasa_url, {"sender": "patient-1005", "message": "what is ketamine"}
            )[0]
            == 202
        )
        deadline = time.monotonic() + 30
        while len(callback_receiver.attempts_for("patient-1005")) < 3:
            assert time.monotonic() < deadline, "the reply was not retried"
            time.sleep(0.2)
        time.sleep(2)  # longer than the backoff: a 4th attempt would have come
        attempts = callback_receiver.attempts_for("patient-1005")
        assert len(attempts) == 3
        assert len({a["delivery_id"] for a in attempts}) == 1  # the same reply each time
        assert all(a["signature_ok"] for a in attempts)
        assert "callback.deliver.gave_up attempts=3 status=500" in rasa_log.read_text()
    finally:
        callback_receiver.mode = "ok"
    assert server_healthy(channel_stack)


def test_receiver_that_is_down_is_given_up_and_the_server_stays_healthy(
    channel_stack, callback_receiver, rasa_log
):
    callback_receiver.stop()  # nothing listens on the port: connection refused
    try:
        assert (
            post_callback(
                channel_stack.rasa_url, {"sender": "patient-1006", "message": "what is ketamine"}
            )[0]
            == 202
        )
        deadline = time.monotonic() + 30
        while "callback.deliver.gave_up attempts=3 error=" not in rasa_log.read_text():
            assert time.monotonic() < deadline, "no give-up logged"
            time.sleep(0.3)
        assert server_healthy(channel_stack)
    finally:
        callback_receiver.start()  # the same port again
    post_callback(
        channel_stack.rasa_url, {"sender": "patient-1006", "message": "how much does it cost"}
    )
    (delivery,) = callback_receiver.wait_delivered("patient-1006")
    assert COST in texts(delivery)  # the given-up reply is not sent late


def test_receiver_that_hangs_is_timed_out_and_retried(channel_stack, callback_receiver):
    callback_receiver.mode = "slow"  # the first attempt of each reply hangs for 4 s
    try:
        started = time.monotonic()
        post_callback(
            channel_stack.rasa_url, {"sender": "patient-1007", "message": "how much does it cost"}
        )
        (delivery,) = callback_receiver.wait_delivered("patient-1007")
        assert time.monotonic() - started < 4 + 8  # did not wait for the hung attempt
    finally:
        callback_receiver.mode = "ok"
    attempts = callback_receiver.attempts_for("patient-1007")
    assert len(attempts) == 2
    assert attempts[0]["delivery_id"] == attempts[1]["delivery_id"] == delivery["delivery_id"]
    assert COST in texts(delivery)
