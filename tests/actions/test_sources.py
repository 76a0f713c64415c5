"""action_show_sources gives the citations of the last answer, in plain words with links."""

from rasa_sdk.executor import CollectingDispatcher

from actions.sources import ActionShowSources
from assistant.content import answers, sources
from tests.actions.helpers import bot_event, tracker


def run(events):
    dispatcher = CollectingDispatcher()
    ActionShowSources().run(dispatcher, tracker(events=events), {})
    return dispatcher.messages


def test_sources_of_the_last_answer():
    messages = run([bot_event("utter_faq/cost"), bot_event("utter_faq/side_effects")])
    assert messages[0]["response"] == "utter_sources_intro"
    lines = messages[1]["text"].splitlines()
    expected = [sources()[s] for s in answers()["side_effects"].sources]
    assert len(lines) == len(expected)
    for line, source in zip(lines, expected, strict=True):
        assert line.startswith(f"- {source.title}")
        if source.url:
            assert line.endswith(source.url)


def test_no_answer_yet():
    messages = run([bot_event("utter_greet")])
    assert [m["response"] for m in messages] == ["utter_no_sources_yet"]
