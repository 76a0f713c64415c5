"""action_medication_note: a general note about the medicine a person named.

The entity comes from the project's spaCy EntityRuler; the name shown is the canonical one from
assistant/language/terms.yml, never the text the person typed. The note is an approved domain
response (utter_medication_note_<group>), not text made up here.
"""

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.language.pipeline import Term, term_index

# Medicine class (terms.yml) -> the note that applies to it.
NOTE_FOR_CLASS = {
    "ssri": "antidepressant",
    "snri": "antidepressant",
    "antidepressant": "antidepressant",
    "benzodiazepine": "benzodiazepine",
    "stimulant": "stimulant",
    "maoi": "maoi",
    "opioid": "sedating",
    "sedative": "sedating",
    "lamotrigine": "lamotrigine",
}
DEFAULT_NOTE = "other"


def named_medication(entities: List[Dict[str, Any]]) -> Optional[Term]:
    """The first recognised medicine among the message's entities."""
    index = term_index()
    for entity in entities:
        if entity.get("entity") != "medication":
            continue
        term = index.get(str(entity.get("value", "")).lower())
        if term is not None:
            return term
    return None


class ActionMedicationNote(Action):
    def name(self) -> str:
        return "action_medication_note"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        term = named_medication(tracker.latest_message.get("entities") or [])
        if term is not None:
            note = NOTE_FOR_CLASS.get(term.drug_class or "", DEFAULT_NOTE)
            dispatcher.utter_message(
                response=f"utter_medication_note_{note}", medication_name=term.display
            )
        return []
