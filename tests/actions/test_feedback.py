"""action_record_feedback stores which answer was not helpful, as an event a report can count."""

from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionRecordFeedback
from tests.actions.helpers import bot_event, tracker


def test_records_the_last_answered_topic():
    events = ActionRecordFeedback().run(
        CollectingDispatcher(),
        tracker(events=[bot_event("utter_faq/cost"), bot_event("utter_ask_feedback")]),
        {},
    )
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "answer_feedback",
            "value": {"topic": "faq/cost", "helpful": False},
        }
    ]


def test_nothing_to_record_without_an_answer():
    assert ActionRecordFeedback().run(CollectingDispatcher(), tracker(events=[]), {}) == []
