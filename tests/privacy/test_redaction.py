"""What the redactor masks, and what it leaves alone (docs/privacy.md lists the limits)."""

import pytest

from assistant.privacy.logs import RedactingFilter
from assistant.privacy.redaction import default_redactor

REDACTOR = default_redactor()


@pytest.mark.parametrize(
    "text, secret, kind",
    [
        ("email me at jane.doe@example.com please", "jane.doe@example.com", "EMAIL"),
        ("call 555-867-5309", "555-867-5309", "PHONE"),
        ("my cell is (415) 555-0132", "(415) 555-0132", "PHONE"),
        ("uk number +44 20 7946 0958", "+44 20 7946 0958", "PHONE"),
        ("my SSN is 123-45-6789", "123-45-6789", "SSN"),
        ("ssn 123456789", "123456789", "SSN"),
        ("card 4111 1111 1111 1111 exp soon", "4111 1111 1111 1111", "CARD"),
        ("DOB 1/2/1990", "1/2/1990", "DATE_OF_BIRTH"),
        ("I was born on March 3, 1985", "March 3, 1985", "DATE_OF_BIRTH"),
        ("I live at 42 Wallaby Way, Apt 3 in town", "42 Wallaby Way", "ADDRESS"),
        ("my name is maria lopez and im anxious", "maria lopez", "NAME"),
        ("I'm Jane Doe", "Jane Doe", "NAME"),
        ("my son Tyler has anxiety", "Tyler", "NAME"),
        ("Dr. Patel said it is fine", "Patel", "NAME"),
        ("thanks, Emily", "Emily", "NAME"),
    ],
)
def test_masks_personal_details(text, secret, kind):
    result = REDACTOR.redact(text)
    assert secret not in result.text
    assert f"[{kind}]" in result.text
    assert kind in result.found


@pytest.mark.parametrize(
    "text",
    [
        "how much does it cost",
        "I hope ketamine works for my anxiety",
        "will ketamine help my anxiety",
        "i took 800mg ibuprofen and 2 pills",
        "is 0.5 mg/kg a normal dose",
        "call or text 988 if you are in crisis",
        "my daughter is 15 and has panic attacks",
        "I'm really anxious about the IV",
        "I am on zoloft and lexapro",
        "can I take it with Xanax",
    ],
)
def test_leaves_ordinary_questions_alone(text):
    result = REDACTOR.redact(text)
    assert result.text == text and not result.changed


def test_log_filter_masks_and_keeps_one_line():
    import logging

    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user said %s", ("jane@example.com\r\nFAKE LOG LINE",), None
    )
    RedactingFilter().filter(record)
    message = record.getMessage()
    assert "jane@example.com" not in message and "[EMAIL]" in message
    assert "\n" not in message and "\r" not in message


def test_a_title_case_faq_heading_is_not_taken_for_a_name():
    result = default_redactor().redact("Is It Covered By Medicare?")
    assert result.text == "Is It Covered By Medicare?"
    assert result.found == ()
