"""SMS rules: segment counting as carriers bill it, packing a turn, menus, keywords."""

from __future__ import annotations

import pytest

from assistant.channels.sms import (
    HELP_KEYWORDS,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    compose_turn,
    count_segments,
    gsm_friendly,
    is_gsm7,
    keyword,
    menu_choice,
    pack_sms,
    render_menu,
    turn_buttons,
)
from tests.channels.channel_fakes import within_three_segments

# ------------------------------------------------------------------ segment counting


@pytest.mark.parametrize(
    "text, encoding, units, segments",
    [
        pytest.param("", "GSM-7", 0, 0, id="empty"),
        pytest.param("a" * 160, "GSM-7", 160, 1, id="gsm-160-single"),
        pytest.param("a" * 161, "GSM-7", 161, 2, id="gsm-161-multipart-153"),
        pytest.param("a" * 306, "GSM-7", 306, 2, id="gsm-306"),
        pytest.param("a" * 307, "GSM-7", 307, 3, id="gsm-307"),
        pytest.param("a" * 459, "GSM-7", 459, 3, id="gsm-459"),
        pytest.param("a" * 460, "GSM-7", 460, 4, id="gsm-460"),
        pytest.param("€" * 80, "GSM-7", 160, 1, id="gsm-extension-counts-two"),
        pytest.param("€" * 81, "GSM-7", 162, 2, id="gsm-extension-162"),
        pytest.param("{[~]}^|\\", "GSM-7", 16, 1, id="gsm-all-extension"),
        pytest.param("é" * 160, "GSM-7", 160, 1, id="e-acute-is-gsm"),
        pytest.param("á" * 70, "UCS-2", 70, 1, id="a-acute-is-ucs2-70"),
        pytest.param("á" * 71, "UCS-2", 71, 2, id="ucs2-71-multipart-67"),
        pytest.param("á" * 134, "UCS-2", 134, 2, id="ucs2-134"),
        pytest.param("á" * 135, "UCS-2", 135, 3, id="ucs2-135"),
        pytest.param("😀" * 35, "UCS-2", 70, 1, id="emoji-two-units"),
        pytest.param("😀" * 36, "UCS-2", 72, 2, id="emoji-72"),
        pytest.param("Thanks 🙏", "UCS-2", 9, 1, id="emoji-forces-ucs2"),
    ],
)
def test_segments_are_counted_as_billed(text, encoding, units, segments):
    assert count_segments(text) == (encoding, units, segments)


def test_one_emoji_makes_the_whole_sms_ucs2():
    plain = "a" * 100
    assert count_segments(plain).segments == 1
    assert count_segments(plain + "😀") == ("UCS-2", 102, 2)


def test_an_escape_pair_is_never_split_between_segments():
    text = "a" * 152 + "€" + "a" * 152  # 306 septets, but the € cannot straddle two parts
    assert count_segments(text) == ("GSM-7", 306, 3)


def test_a_surrogate_pair_is_never_split_between_segments():
    text = "a" * 66 + "😀" + "a" * 66  # 134 units, but the emoji cannot straddle two parts
    assert count_segments(text) == ("UCS-2", 134, 3)


def test_typographic_characters_become_gsm():
    text = gsm_friendly("It’s “fine” — really…\u00a0ok\u200b")
    assert text == 'It\'s "fine" - really... ok'
    assert is_gsm7(text)


# ------------------------------------------------------------------ packing a turn


SENTENCE = "Ketamine treatment is given by a clinic team that watches you the whole time. "


def test_short_messages_are_combined_into_one_sms():
    bodies = pack_sms(["An answer.", "Was this helpful? Reply Y or N.", "Reply 1 or 2: 1 A, 2 B"])
    assert bodies == ["An answer.\n\nWas this helpful? Reply Y or N.\n\nReply 1 or 2: 1 A, 2 B"]


def test_a_long_message_is_split_between_sentences_within_three_segments():
    text = SENTENCE * 14  # about 1100 characters
    bodies = pack_sms([text])
    assert len(bodies) == 3
    assert all(count_segments(b).segments <= 3 for b in bodies)
    assert all(b.endswith("time.") for b in bodies)
    assert " ".join(bodies).split() == text.split()  # nothing lost


def test_paragraphs_stay_whole_when_that_costs_no_extra_sms():
    first, second = SENTENCE * 4, SENTENCE * 4  # about 316 characters each
    bodies = pack_sms([first, second])
    assert bodies == [first.strip(), second.strip()]


def test_paragraphs_are_split_when_that_saves_an_sms():
    blocks = [SENTENCE * 3, SENTENCE * 3, SENTENCE * 3]  # 3 x 237 characters
    bodies = pack_sms(blocks)
    assert len(bodies) == 2
    assert all(count_segments(b).segments <= 3 for b in bodies)


def test_a_sentence_longer_than_three_segments_is_split_between_words():
    text = "word " * 200
    bodies = pack_sms([text])
    assert all(count_segments(b).segments <= 3 for b in bodies)
    assert " ".join(bodies).split() == text.split()


def test_ucs2_text_is_packed_by_ucs2_limits():
    spanish = "Si estás en peligro, llama o escribe al 988. " * 8
    bodies = pack_sms([spanish, SENTENCE * 3])
    assert all(count_segments(b).segments <= 3 for b in bodies)
    assert all(within_three_segments(b) for b in bodies)
    assert any(count_segments(b).encoding == "UCS-2" for b in bodies)


def test_a_real_first_turn_fits_two_sms():
    disclosure = (
        "I'm an automated assistant for Riverside Ketamine Clinic, not a clinician, and I can't "
        "help in an emergency. If you're in crisis, call or text 988; in an emergency, call "
        "911. Please don't share personal details here."
    )
    answer = (
        "In the US one IV infusion often costs a few hundred dollars, sometimes $1,000 or more, "
        "and a series can cost a few thousand. Call Riverside Ketamine Clinic at (555) 010-0142 "
        "for prices; your provider there can plan with you."
    )
    messages = [
        {
            "text": f"{disclosure}\n\n{answer}",
            "buttons": [
                {"title": "Insurance", "payload": "/faq/insurance#0011"},
                {"title": "How many sessions", "payload": "/faq/number_of_sessions#0022"},
                {"title": "Treatment steps", "payload": "/faq/treatment_process#0033"},
            ],
        },
        {"text": "Was this helpful? Reply Y or N."},
    ]
    bodies = compose_turn(messages)
    assert len(bodies) == 2
    assert bodies[-1].endswith(
        "Was this helpful? Reply Y or N.\n\n"
        "Reply 1, 2 or 3: 1 Insurance, 2 How many sessions, 3 Treatment steps"
    )
    assert all(count_segments(b).segments <= 3 for b in bodies)


# ------------------------------------------------------------------ menus


def test_menus_read_naturally():
    assert render_menu([]) == ""
    assert render_menu(["Talk to the clinic"]) == "Reply 1: Talk to the clinic"
    assert render_menu(["Yes", "No"]) == "Reply 1 or 2: 1 Yes, 2 No"
    assert render_menu(["Insurance", "How many sessions", "Treatment steps"]) == (
        "Reply 1, 2 or 3: 1 Insurance, 2 How many sessions, 3 Treatment steps"
    )


def test_menu_titles_lose_emoji():
    yes = {"title": "👍 Yes", "payload": "/affirm"}
    no = {"title": "👎🏽 No", "payload": "/deny"}
    buttons = turn_buttons([{"buttons": [yes, no]}])
    assert [b["title"] for b in buttons] == ["Yes", "No"]
    assert render_menu([b["title"] for b in buttons]) == "Reply 1 or 2: 1 Yes, 2 No"


def test_turn_buttons_keep_order_drop_repeats_and_stop_at_nine():
    messages = [
        {"buttons": [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/b"}]},
        {"text": "no buttons"},
        {"buttons": [{"title": "A again", "payload": "/a"}]},
        {"buttons": [{"title": f"T{i}", "payload": f"/t{i}"} for i in range(12)]},
    ]
    buttons = turn_buttons(messages)
    assert [b["payload"] for b in buttons][:3] == ["/a", "/b", "/t0"]
    assert len(buttons) == 9


@pytest.mark.parametrize(
    "reply, options, index",
    [
        ("1", 3, 0),
        (" 3 ", 3, 2),
        ("2.", 3, 1),
        ("2)", 3, 1),
        ("#1", 3, 0),
        ("4", 3, None),
        ("0", 3, None),
        ("10", 9, None),
        ("1 please", 3, None),
        ("one", 3, None),
        ("1", 0, None),
    ],
)
def test_menu_replies(reply, options, index):
    assert menu_choice(reply, options) == index


def test_no_menu_when_asked_not_to():
    messages = [{"text": "Are you safe?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]
    assert compose_turn(messages, with_menu=False) == ["Are you safe?"]
    assert compose_turn(messages) == ["Are you safe?\n\nReply 1: Yes"]


# ------------------------------------------------------------------ keywords


@pytest.mark.parametrize(
    "text, word",
    [("STOP", "STOP"), (" stop ", "STOP"), ("Stop.", "STOP"), ("help!", "HELP"), ("", "")],
)
def test_keywords_are_whole_messages_in_any_case(text, word):
    assert keyword(text) == word


def test_a_sentence_with_stop_in_it_is_not_a_keyword():
    assert keyword("how do I stop treatment") == "HOW DO I STOP TREATMENT"


def test_the_keywords_twilio_and_carriers_expect():
    assert {"STOP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "STOPALL"} <= OPT_OUT_KEYWORDS
    assert {"START", "UNSTOP"} <= OPT_IN_KEYWORDS
    assert {"HELP", "INFO"} <= HELP_KEYWORDS
