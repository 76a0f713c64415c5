"""Only a clear yes is ``affirm``: a minimal or doubtful one must not end the safety check."""

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage

from assistant.nlu.clear_answer import ClearYes


@pytest.mark.parametrize(
    "text", ["yes", "Yes, I'm safe right now", "yep", "im safe now thanks", "I’m safe", "YES i am"]
)
def test_clear_yes(text):
    assert ClearYes()(text)


@pytest.mark.parametrize(
    "text", ["k", "ok", "sure, whatever", "yeah right", "i guess", "fine", "sure", "no", ""]
)
def test_not_a_clear_yes(text):
    assert not ClearYes()(text)


def parse(agent, text):
    message = UserMessage(text, sender_id="clear-yes")
    return asyncio.get_event_loop().run_until_complete(agent.processor.parse_message(message))


@pytest.mark.parametrize("text", ["k", "ok", "sure whatever", "yeah right"])
def test_the_pipeline_marks_a_doubtful_yes(agent, text):
    intent = parse(agent, text)["intent"]["name"]
    assert intent != "affirm"


def test_the_pipeline_keeps_a_clear_yes(agent):
    assert parse(agent, "yes i'm safe")["intent"]["name"] == "affirm"
