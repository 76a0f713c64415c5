"""Wording: no overclaims, plain language, and every answer ends by pointing to a provider."""

from __future__ import annotations

import pytest

from assistant.content import answers
from tests.content.content_rules import (
    BROKEN_HYPHEN,
    GRADE_LIMIT,
    MEASURE,
    all_variants,
    approve_command,
    overclaims,
    reading_grade,
    referral_problem,
    syllable_source_label,
    variant_label,
    variant_overclaims,
)

ANSWER_VARIANTS = [
    (a.response, i, dict(v)) for a in answers().values() for i, v in enumerate(a.variants)
]
ANSWER_IDS = [variant_label(*row) for row in ANSWER_VARIANTS]
ALL_VARIANTS = all_variants()
ALL_IDS = [variant_label(*row) for row in ALL_VARIANTS]


@pytest.mark.parametrize("name, index, variant", ANSWER_VARIANTS, ids=ANSWER_IDS)
def test_answer_ends_with_a_provider_referral(name, index, variant):
    problem = referral_problem(variant.get("text") or "")
    assert problem is None, (
        f"{variant_label(name, index, variant)}: {problem}. End every answer with a sentence "
        "sending the person to their provider or prescriber at {clinic_name}."
    )


@pytest.mark.parametrize("name, index, variant", ALL_VARIANTS, ids=ALL_IDS)
def test_no_overclaims(name, index, variant):
    found = variant_overclaims(variant)
    assert not found, (
        f"{variant_label(name, index, variant)} makes claims the fact sheet rules out "
        f"(section 7): {'; '.join(map(str, found))}"
    )


@pytest.mark.parametrize("name, index, variant", ANSWER_VARIANTS, ids=ANSWER_IDS)
def test_answer_reads_at_grade_8_or_below(name, index, variant):
    grade = reading_grade(variant.get("text") or "")
    assert grade <= GRADE_LIMIT, (
        f"{variant_label(name, index, variant)}: {MEASURE} {grade} > {GRADE_LIMIT:g} "
        f"({syllable_source_label()}). Rewrite it in plainer words (shorter sentences, "
        f"shorter words), keeping every fact and hedge and the provider sentence last, then "
        f"re-approve: {approve_command(name)}"
    )


@pytest.mark.parametrize("name, index, variant", ALL_VARIANTS, ids=ALL_IDS)
def test_no_word_broken_at_a_line_end(name, index, variant):
    broken = BROKEN_HYPHEN.findall(variant.get("text") or "")
    assert not broken, (
        f"{variant_label(name, index, variant)}: {broken} - a word hyphenated at a line end in "
        "a folded (>-) YAML block reads 'FDA- approved'; keep hyphenated words on one line"
    )


# ------------------------------------------------------------------ the overclaim check itself
# Each phrase the brief bans, stated as a claim: all must be caught.
BANNED = [
    "Ketamine can cure anxiety.",
    "Many patients are cured after a few sessions.",
    "Ketamine is non-addictive.",
    "Unlike benzos, ketamine is completely non-addictive.",
    "Ketamine is not addictive.",
    "There are no side effects.",
    "It has no long-term side effects.",
    "Results are guaranteed.",
    "It works 100% of the time.",
    "Ketamine is FDA-approved for anxiety.",
    "Ketamine is FDA approved for generalized anxiety disorder.",
    "It is an approved treatment for anxiety.",
    "It has fewer side effects than SSRIs or benzodiazepines.",
    "Ketamine targets the root causes of anxiety.",
    "It is a permanent fix.",
    "Ketamine is completely safe.",
    "70% of patients feel relief after just one infusion.",
    "Clinics report relief in 85-90% of patients.",
    "More than 75 percent of people get significant and sustained relief.",
    "It works for treatment-resistant anxiety.",
    "The impact of just one infusion lasted for 14 weeks.",
    "Ketamine does not pose respiratory issues, even in higher doses.",
    "Ketamine has been used since the 1950s.",
    "Side effects are rare.",
    "It is clinically proven.",
    "Most people feel instant relief.",
    "It is safe for everyone.",
]

# Denials that only look like a denial: still claims.
FALSE_DENIALS = [
    "It is not just a treatment, it is a cure.",  # the denial ends at the comma
    "It is not only safe but a cure.",  # "not only" adds, it does not deny
    "It isn't expensive, and it cures anxiety.",
    "No doubt it is a cure.",
    "Not everyone knows that it is a cure.",
]

# Accurate statements that mention a banned phrase to deny it: all must pass.
ALLOWED = [
    "Ketamine is not a cure.",
    "No. Ketamine is not a cure or a permanent fix for anxiety.",
    "Ketamine is not FDA-approved for any anxiety disorder.",
    "It is not FDA-approved for anxiety or any other mental health problem.",
    "It is not approved for anxiety.",
    "It isn't an approved treatment for anxiety.",
    "It has not been shown to fix the root cause of anxiety.",
    "It hasn't been shown to treat the underlying causes of anxiety.",
    "Its side effects are different from those of daily anxiety medicines, not fewer.",
    "There is no proven standard schedule.",
    "Results are not guaranteed.",
    "No medicine is completely safe.",
    "Long-term benefit is not known.",
    "Whether the long-term benefit lasts remains unknown.",
    "Nothing is 100% safe.",
    "Secure your ride home before the session.",
    "Spravato is approved for some kinds of depression, not for anxiety.",
]


@pytest.mark.parametrize("sentence", BANNED)
def test_banned_claims_are_caught(sentence):
    assert overclaims(sentence), sentence
    assert overclaims(sentence.upper()), "matching must ignore case"


@pytest.mark.parametrize("sentence", FALSE_DENIALS)
def test_false_denials_are_still_caught(sentence):
    assert overclaims(sentence), sentence


def test_a_denial_within_reach_is_read_as_a_denial():
    """The allowance is word-based: a negative word within six words before the phrase, in the
    same clause, counts as a denial. It cannot read meaning, so a reviewer still reads every
    answer; the check catches claims stated outright, which is what clinic marketing does."""
    assert overclaims("It can't hurt to try a cure.") == []


@pytest.mark.parametrize("sentence", ALLOWED)
def test_accurate_denials_are_allowed(sentence):
    assert overclaims(sentence) == [], sentence


def test_curly_apostrophes_count_as_denials():
    assert overclaims("It hasn\u2019t been shown to fix the root cause.") == []


def test_button_questions_name_a_topic():
    variant = {"text": "Ketamine is not a cure.", "buttons": [{"title": "Is it a cure?"}]}
    assert variant_overclaims(variant) == []
    variant["buttons"].append({"title": "A cure at last"})
    assert [f.matched for f in variant_overclaims(variant)] == ["cure"]
    assert overclaims("Is it a cure?"), "in answer text, a question can still suggest a claim"


# ------------------------------------------------------------------ referral and readability
@pytest.mark.parametrize(
    "text, ok",
    [
        ("Call us. Your provider at {clinic_name} can help.", True),
        ("Your prescriber at {clinic_name} decides your dose.", True),
        ("Book a consultation with a provider at {clinic_name}: {booking_url}", True),
        ("Your provider at {clinic_name} can help. Call us.", False),
        ("Ask {clinic_name} about this.", False),
        ("Your provider can help.", False),
    ],
)
def test_referral_rule(text, ok):
    assert (referral_problem(text) is None) is ok


def test_reading_grade_is_offline_and_ignores_clinic_values(monkeypatch):
    import nltk

    def no_download(*args, **kwargs):
        raise AssertionError("the readability check must never download anything")

    monkeypatch.setattr(nltk, "download", no_download)
    plain = "Call the clinic. Ask them what to bring. They will help you."
    dense = (
        "Pharmacological considerations regarding concomitant psychotropic administration "
        "necessitate individualized evaluation by appropriately credentialed practitioners."
    )
    assert reading_grade(plain) < 4 < GRADE_LIMIT < reading_grade(dense)
    assert reading_grade("Call {clinic_phone} now.") == reading_grade("Call {booking_url} now.")
