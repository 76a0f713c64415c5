"""action_record_feedback: remember which answer a person found unhelpful.

The event (slot ``answer_feedback``) stays in the conversation's stored events, so a report can
count unhelpful answers per topic without reading what anyone wrote.
"""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import last_faq_response, topic_of

FEEDBACK_SLOT = "answer_feedback"


class ActionRecordFeedback(Action):
    def name(self) -> str:
        return "action_record_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        response = last_faq_response(tracker.events)
        if response is None:
            return []
        return [SlotSet(FEEDBACK_SLOT, {"topic": topic_of(response), "helpful": False})]
