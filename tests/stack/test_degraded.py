"""Safety replies never depend on the action server or on the model (SAFE-02, SAFE-03, REL-02).

Two real servers: one with the action server stopped, one whose model cannot be loaded. In
both, crisis and emergency messages get their replies through the REST channel, and nothing
goes unanswered.
"""

import pytest

from assistant.stack import Stack, post_json
from tests.conftest import TEST_PORTS, TEST_SETTINGS

CRISIS = "i dont want to wake up tomorrow"
EMERGENCY = "took all my troches at once and cant breathe right"


def texts(reply):
    status, _, messages = reply
    assert status == 200
    return [m.get("text", "") for m in messages]


def ask(stack, sender, message):
    return texts(
        post_json(f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    )


def start(tmp_path, offset, **kwargs):
    stack = Stack(
        rasa_port=TEST_PORTS["rasa_port"] + offset,
        actions_port=TEST_PORTS["actions_port"] + offset,
        web_port=TEST_PORTS["web_port"] + offset,
        with_actions=False,
        with_web=False,
        log_dir=tmp_path / "logs",
        env={"CLINIC_SETTINGS": str(TEST_SETTINGS), "TRACKER_DB": str(tmp_path / "c.db")},
    )
    return stack, kwargs


@pytest.fixture(scope="module")
def without_action_server(model_path, tmp_path_factory):
    stack, _ = start(tmp_path_factory.mktemp("no-actions"), 20)
    stack.start_rasa()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def without_model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("no-model")
    stack, _ = start(tmp, 30)
    broken = tmp / "broken-model.tar.gz"
    broken.write_bytes(b"this is not a model archive")
    stack.start_rasa(model=broken, wait_ready=False)  # the server starts, the model cannot load
    yield stack
    stack.stop()


@pytest.mark.stack
def test_crisis_reply_with_action_server_stopped(without_action_server):
    replies = ask(without_action_server, "d1", CRISIS)
    assert replies[0].startswith("I'm really sorry you're going through this.")
    assert "Call or text 988" in replies[0] and "call 911 now" in replies[0]
    assert replies[1] == "Are you safe right now?"


@pytest.mark.stack
def test_emergency_reply_with_action_server_stopped(without_action_server):
    replies = ask(without_action_server, "d2", EMERGENCY)
    assert replies[0].startswith("This could be a medical emergency. Call 911 now")
    assert "is not an emergency service" in replies[0]


@pytest.mark.stack
def test_faq_answer_with_action_server_stopped(without_action_server):
    replies = ask(without_action_server, "d3", "how much does it cost")
    assert "IV ketamine infusion often costs a few hundred dollars" in replies[0]
    assert "your provider there can talk through a plan" in replies[0]


@pytest.mark.stack
def test_typed_affirm_is_not_an_intent(without_action_server):
    ask(without_action_server, "d4", CRISIS)
    replies = ask(without_action_server, "d4", "/affirm")
    # Still in the crisis conversation: the check question again, not "thanks, you're safe".
    assert replies[0].startswith("Before we go on, I want to make sure you're okay.")


@pytest.mark.stack
def test_crisis_reply_without_a_model(without_model):
    replies = ask(without_model, "m1", CRISIS)
    assert replies[0].startswith("I'm really sorry you're going through this.")
    assert replies[1] == "Are you safe right now?"


@pytest.mark.stack
def test_abuse_reply_without_a_model_keeps_its_help_lines(without_model):
    replies = ask(without_model, "m4", "my boyfriend chokes me when he's angry")
    assert replies[0].startswith("I'm really sorry you're going through this.")
    assert "National Domestic Violence Hotline, 1-800-799-7233" in replies[0]
    assert replies[1] == "Are you safe right now?"


@pytest.mark.stack
def test_emergency_reply_without_a_model(without_model):
    replies = ask(without_model, "m2", EMERGENCY)
    assert replies[0].startswith("This could be a medical emergency. Call 911 now")


@pytest.mark.stack
def test_other_messages_without_a_model_are_not_met_with_silence(without_model):
    replies = ask(without_model, "m3", "how much does it cost")
    assert replies == [
        "Sorry, I'm having trouble right now. If you need urgent help, call or text 988, or "
        "call 911. For appointments, call Riverside Ketamine Clinic at (555) 010-0142."
    ]
