"""Placeholders fill from the clinic settings only, and SMS answers fit in three segments."""

from __future__ import annotations

import pytest

from assistant.channels.sms import count_segments
from assistant.language.pipeline import load_terms
from assistant.settings import TEMPLATE_PLACEHOLDERS
from tests.content.content_rules import (
    MEDICATION_PLACEHOLDER,
    SMS_CHANNEL,
    all_variants,
    allowed_placeholders,
    clinic_values,
    domain_document,
    medication_note_responses,
    placeholders,
    sms_bodies,
    sms_problem,
    text_filled_slots,
    variant_label,
)

ALL_VARIANTS = all_variants()
ALL_IDS = [variant_label(*row) for row in ALL_VARIANTS]
SMS_VARIANTS = [row for row in ALL_VARIANTS if row[2].get("channel") == SMS_CHANNEL]
SMS_IDS = [variant_label(*row) for row in SMS_VARIANTS]


@pytest.mark.parametrize("name, index, variant", ALL_VARIANTS, ids=ALL_IDS)
def test_placeholders_resolve_from_clinic_settings(name, index, variant):
    unknown = sorted(placeholders(variant) - allowed_placeholders(name))
    assert not unknown, (
        f"{variant_label(name, index, variant)} uses {unknown}, which the clinic settings do not "
        f"fill (allowed: {sorted(TEMPLATE_PLACEHOLDERS)}; {{medication_name}} only in the notes "
        "action_medication_note sends). Rasa would show the braces to the patient."
    )


@pytest.mark.parametrize("name, index, variant", ALL_VARIANTS, ids=ALL_IDS)
def test_no_response_repeats_what_a_person_typed(name, index, variant):
    unsafe = text_filled_slots(domain_document())
    echoed = {p: unsafe[p] for p in placeholders(variant) if p in unsafe}
    assert not echoed, (
        f"{variant_label(name, index, variant)} would show slot values a person could have "
        f"typed: {echoed}"
    )


def test_medication_notes_exist_and_use_the_canonical_name():
    responses = {name for name, _, _ in ALL_VARIANTS}
    missing = medication_note_responses() - responses
    assert not missing, f"action_medication_note can send notes missing from domain.yml: {missing}"
    medicines = [t for t in load_terms() if t.label == "medication"]
    assert medicines
    for term in medicines:  # the value that fills {medication_name}
        assert "{" not in term.display and "}" not in term.display, term.display
        assert count_segments(term.display).encoding == "GSM-7", term.display


def test_slots_cannot_stand_in_for_clinic_placeholders():
    slots = set(domain_document().get("slots") or {})
    clash = slots & (set(TEMPLATE_PLACEHOLDERS) | {MEDICATION_PLACEHOLDER})
    assert not clash, f"slots named like response placeholders: {sorted(clash)}"


def test_text_filled_slots_are_recognised():
    domain = {
        "slots": {
            "typed": {"mappings": [{"type": "from_text"}]},
            "entity": {"mappings": [{"type": "from_entity", "entity": "name"}]},
            "custom": {"mappings": [{"type": "custom"}]},
            "fixed": {"mappings": [{"type": "from_intent", "intent": "crisis", "value": "on"}]},
            "mixed": {
                "mappings": [
                    {"type": "from_intent", "intent": "affirm", "value": True},
                    {"type": "from_text", "intent": "inform"},
                ]
            },
        }
    }
    assert sorted(text_filled_slots(domain)) == ["custom", "entity", "mixed", "typed"]


def test_placeholders_are_found_where_rasa_fills_them():
    variant = {
        "text": "At {clinic_name}, call {clinic_phone}.",
        "buttons": [{"title": "Call {clinic name}", "payload": "/x{typed}"}],
        "condition": [{"type": "slot", "name": "{not_filled}"}],
    }
    assert placeholders(variant) == {"clinic_name", "clinic_phone", "clinic name", "typed"}


# ------------------------------------------------------------------ SMS
@pytest.mark.parametrize("name, index, variant", SMS_VARIANTS, ids=SMS_IDS)
def test_sms_fits_in_three_segments(name, index, variant):
    problem = sms_problem(variant, clinic_values())
    bodies = "\n---\n".join(sms_bodies(variant, clinic_values()))
    assert problem is None, (
        f"{variant_label(name, index, variant)} with clinic.yml's values and its button menu is "
        f"{problem}. Shorten the text or the button titles:\n{bodies}"
    )


def test_sms_is_the_filled_text_then_the_menu():
    variant = {
        "text": "Call {clinic_name}.",
        "buttons": [
            {"title": "Cost", "payload": "/faq/cost"},
            {"title": "At {clinic_name}", "payload": "/faq/privacy"},
        ],
    }
    values = {"clinic_name": "Riverside"}
    assert sms_bodies(variant, values) == [
        "Call Riverside.\n\nReply 1 or 2: 1 Cost, 2 At Riverside"
    ]
    assert sms_problem(variant, values) is None


def test_sms_over_three_segments_is_refused():
    buttons = [{"title": "Cost", "payload": "/faq/cost"}]
    fits = {"text": "word " * 85 + "end.", "buttons": buttons}  # 429 characters + menu
    assert sms_problem(fits, {}) is None
    too_long = {"text": "word " * 90 + "end.", "buttons": buttons}
    assert "sent as 2 SMS" in sms_problem(too_long, {})
    curly = {"text": "It\u2019s " + "word " * 85 + "end.", "buttons": buttons}
    assert sms_problem(curly, {}) is None, "the channel sends curly quotes as GSM-7"
