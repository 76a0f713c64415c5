"""action_medication_note names the medicine a person asked about, from the approved notes."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.medication_note import ActionMedicationNote
from tests.actions.helpers import tracker


def run(entities):
    dispatcher = CollectingDispatcher()
    events = ActionMedicationNote().run(
        dispatcher, tracker({"text": "x", "entities": entities}), {}
    )
    return dispatcher.messages, events


@pytest.mark.parametrize(
    "typed, response, name",
    [
        ("Zoloft", "utter_medication_note_antidepressant", "sertraline (Zoloft)"),
        ("xanax", "utter_medication_note_benzodiazepine", "alprazolam (Xanax)"),
        ("benzos", "utter_medication_note_benzodiazepine", "benzodiazepines"),
        ("adderall", "utter_medication_note_stimulant", "amphetamine (Adderall)"),
        ("nardil", "utter_medication_note_maoi", "MAOIs"),
        ("oxycodone", "utter_medication_note_sedating", "oxycodone"),
        ("Lamictal", "utter_medication_note_lamotrigine", "lamotrigine (Lamictal)"),
        ("propranolol", "utter_medication_note_other", "propranolol"),
    ],
)
def test_note_for_each_class_uses_the_canonical_name(typed, response, name):
    messages, events = run([{"entity": "medication", "value": typed}])
    assert events == []
    assert len(messages) == 1
    assert messages[0]["response"] == response
    assert messages[0]["medication_name"] == name


def test_the_typed_text_is_never_echoed():
    messages, _ = run([{"entity": "medication", "value": "ZOLOFT<script>"}])
    assert messages == []


def test_no_medicine_no_note():
    messages, _ = run([{"entity": "condition", "value": "ptsd"}])
    assert messages == []
