"""What the redactor masks, and what it leaves alone (docs/privacy.md lists the limits)."""

import pytest

from assistant.privacy.logs import RedactingFilter
from assistant.privacy.redaction import default_redactor, without_placeholders

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


@pytest.mark.parametrize(
    "text, masked",
    [
        # Self-introductions, in lower case and in capitals too.
        ("Jane Roe here", "[NAME] [NAME] here"),
        ("hi, jane here", "hi, [NAME] here"),
        ("hi im jane roe", "hi im [NAME] [NAME]"),
        ("HI IM JANE ROE", "HI IM [NAME] [NAME]"),
        ("JANE ROE 555.201.3344", "[NAME] [NAME] [PHONE]"),
        ("this is jane roe", "this is [NAME] [NAME]"),
        ("This is Jane Roe, quick question", "This is [NAME] [NAME], quick question"),
        ("my name's jane roe", "my name's [NAME] [NAME]"),
        ("name: jane roe", "name: [NAME] [NAME]"),
        ("Name: Jane Roe", "Name: [NAME] [NAME]"),
        # Signatures.
        ("thanks for the help - Jane", "thanks for the help - [NAME]"),
        ("thanks for the help - jane roe", "thanks for the help - [NAME] [NAME]"),
        ("how much is it?\n-- Jane Roe", "how much is it?\n-- [NAME] [NAME]"),
        # After a relationship word.
        (
            "my daughter Emily Roe wants to know the cost",
            "my daughter [NAME] [NAME] wants to know the cost",
        ),
        (
            "my daughter emily roe wants to know the cost",
            "my daughter [NAME] [NAME] wants to know the cost",
        ),
        ("our son tyler has panic attacks", "our son [NAME] has panic attacks"),
        # Emails written out.
        ("jane.roe at example dot com", "[EMAIL]"),
        ("email me at jroe (at) gmail (dot) com", "email me at [EMAIL]"),
        ("reach me at jane_roe at yahoo.com", "reach me at [EMAIL]"),
        ("write to jroe [at] example [dot] org thanks", "write to [EMAIL] thanks"),
    ],
)
def test_masks_names_in_introductions_signatures_and_spelled_out_emails(text, masked):
    assert REDACTOR.redact(text).text == masked


@pytest.mark.parametrize(
    "text",
    [
        # FAQ headings, medicines and products, clinic words, ordinary capitalised words.
        "Is It Covered By Medicare?",
        "What Does A Typical Visit Involve?",
        "How Long Does Spravato Take?",
        "Can I Take Ketamine With Xanax?",
        "What is Ketamine and How Does it Work?",
        "This is Spravato right?",
        "IS KETAMINE SAFE FOR ANXIETY",
        "WHAT IS THE MAX DOSE OF SPRAVATO",
        "How Much Does It Cost At Riverside Ketamine Clinic?",
        "I Am Worried About Side Effects",
        "my doctor prescribed Spravato",
        # Words after introductions that are not names.
        "this is normal?",
        "i am young and anxious",
        "sorry this is long but is it safe",
        "my son wants to try ketamine",
        "my friend overdosed on ketamine what do i do",
        "my wife is claustrophobic, will she be in a private room",
        "without my doctor, I just want the bigger picture",
        "First time here",
        "Mom here, asking for my son",
        "Hope this helps - thanks",
        "is ketamine - esketamine the same",
        "can I take St John's wort with it",
        # Websites are not emails.
        "i read about it at webmd.com",
    ],
)
def test_leaves_headings_medicines_and_ordinary_words_alone(text):
    result = REDACTOR.redact(text)
    assert result.text == text and not result.changed


def test_masking_masked_text_changes_nothing():
    """The tracker store and the log filter mask again what the gateway already masked."""
    for text in ("Jane Roe here", "hi im jane roe", "my daughter Emily Roe wants to know the cost"):
        masked = REDACTOR.redact(text).text
        assert REDACTOR.redact(masked).text == masked


@pytest.mark.parametrize(
    "masked, plain",
    [
        (
            "my daughter [NAME] [NAME] wants to know the cost",
            "my daughter wants to know the cost",
        ),
        ("my number is [PHONE], how much is it", "my number is, how much is it"),
        ("thanks for the help - [NAME]", "thanks for the help"),
        ("[NAME] [NAME] here", "here"),
        ("[NAME] [NAME] [PHONE]", "[NAME] [NAME] [PHONE]"),  # never empty
    ],
)
def test_the_nlu_reads_masked_text_without_placeholders(masked, plain):
    assert without_placeholders(masked) == plain
