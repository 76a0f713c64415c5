"""action_show_sources: "Where does that come from?" after an answer.

Lists, in plain words and with links, the sources recorded for the last FAQ answer in its
review record (data/faq/<topic>.yml) and content/sources.yml.
"""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import last_faq_response
from assistant.content import answers, sources


def citation_lines(response_name: str) -> List[str]:
    """One line per source of an answer: its title and, where there is one, its link."""
    topic = response_name.split("/", 1)[1]
    answer = answers().get(topic)
    if answer is None:
        return []
    known = sources()
    lines = []
    for source_id in answer.sources:
        source = known.get(source_id)
        if source is None:
            continue
        lines.append(f"- {source.title}" + (f": {source.url}" if source.url else ""))
    return lines


class ActionShowSources(Action):
    def name(self) -> str:
        return "action_show_sources"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        response = last_faq_response(tracker.events)
        lines = citation_lines(response) if response else []
        if not lines:
            dispatcher.utter_message(response="utter_no_sources_yet")
            return []
        dispatcher.utter_message(response="utter_sources_intro")
        dispatcher.utter_message(text="\n".join(lines))
        return []
