"""Building rasa-sdk trackers for action tests."""

from rasa_sdk import Tracker


def tracker(latest_message=None, events=None) -> Tracker:
    return Tracker(
        sender_id="test",
        slots={},
        latest_message=latest_message or {"text": "", "intent": {}, "entities": []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def bot_event(utter_action: str, text: str = "an answer") -> dict:
    return {"event": "bot", "text": text, "metadata": {"utter_action": utter_action}}
