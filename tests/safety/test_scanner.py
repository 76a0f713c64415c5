"""The rule-based check's frames: what turns a risk phrase into history, work or a question,
and what keeps it urgent."""

import pytest

from assistant.safety import default_scanner


def verdict(text):
    return default_scanner().scan(text).verdict


@pytest.mark.parametrize(
    "text",
    [
        "I had a seizure back in 2015 after a head injury, none since. can I do ketamine",
        "i fainted at the dentist last year, will the IV be a problem",
        "had an allergic reaction to an antibiotic a few months ago, is ketamine related",
    ],
)
def test_a_physical_event_that_is_over_gets_its_answer(text):
    assert verdict(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "I had a seizure last year and I think I'm having another one",
        "had a seizure in 2019 and my arm is twitching again",
        "i passed out last month and i just passed out again",
        "I overdosed last year and I took 30 pills tonight",
    ],
)
def test_an_old_event_does_not_hide_one_happening_now(text):
    assert verdict(text) == "medical_emergency"


def test_history_in_one_sentence_and_today_in_another_is_history():
    text = "Years ago I tried to end my life. Today I have a family and a job. Can ketamine help?"
    result = default_scanner().scan(text)
    assert result.verdict is None and result.mention


@pytest.mark.parametrize(
    "text",
    [
        "I attempted suicide 12 years ago and i still think about it every day",
        "years ago i tried to kill myself and lately i want to again",
    ],
)
def test_history_that_is_present_again_is_a_crisis(text):
    assert verdict(text) == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "im a psych nurse and we see suicide attempts every week, do you take referrals",
        "writing a paper on ketamine and suicidality for my pharmacology class",
        "as a school counselor i hear about self harm a lot, is ketamine used for teens",
    ],
)
def test_work_and_study_about_suicide_are_not_a_crisis(text):
    assert verdict(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "im a nurse and i want to die",
        "I'm a student and I've been suicidal all week",
        "writing a paper on suicide but honestly i am suicidal myself",
    ],
)
def test_a_clinician_or_student_in_crisis_is_still_a_crisis(text):
    assert verdict(text) == "crisis"


def test_a_list_of_conditions_ending_in_suicidality_is_a_question():
    text = "Can IV ketamine treat anxiety disorders, PTSD, OCD, bipolar disorder and suicidality?"
    assert verdict(text) is None
    assert verdict("can ketamine help with my anxiety, ptsd and suicidal thoughts") == "crisis"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Where do I get Spravato?", None),
        ("where can i get ketamine treatment near me", None),
        ("where can i buy ketamine", "recreational_use"),
        ("where can i get some k", "recreational_use"),
    ],
)
def test_asking_where_to_be_treated_is_not_sourcing(text, expected):
    assert verdict(text) == expected


def test_each_kind_of_crisis_is_named_once_in_message_order():
    result = default_scanner().scan("my husband hits me when he drinks and i want to die")
    assert result.crisis_categories == ("abuse_safeguarding", "explicit")
    worried = default_scanner().scan("my sister texted me a goodbye and wont answer")
    assert worried.crisis_categories == ("third_party",)


@pytest.mark.parametrize(
    "text",
    [
        "I'd rather die than sit on hold with the pharmacy again lol",
        "i just want to beat this anxiety once and for all",
        "ready to close this chapter and start over, when is the soonest consult",
        "saying goodbye to my antidepressants, my psychiatrist is tapering me. any interactions",
        "this is my last email to the billing department about that charge",
        "giving away a bunch of clothes to goodwill this weekend, decluttering before the move",
        "my uncle died by suicide when i was a kid and i get anxious at funerals",
        "why is there a suicide screening question on the intake form",
        "how long does the anti-suicidal effect of an infusion last",
        "we watched a documentary about suicide in class, is ketamine used for that",
    ],
)
def test_figures_of_speech_grief_and_topic_questions_get_their_answer(text):
    assert verdict(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "I'd rather die than live like this",
        "saying goodbye to my family tonight. this is my last message",
        "i want to end it all, this anxiety is too much",
        "giving away all my stuff, i won't need it where i'm going",
        "I watched a documentary about suicide and now I want to kill myself",
    ],
)
def test_the_same_shapes_about_the_writer_stay_crises(text):
    assert verdict(text) == "crisis"


def test_finding_a_clinic_is_not_sourcing_but_finding_a_dealer_is():
    assert verdict("Where Can You Get Ketamine Therapy in England?") is None
    assert verdict("where can you get ketamine around here, asking for a party") == (
        "recreational_use"
    )


@pytest.mark.parametrize(
    "text",
    [
        "do you treat people who are suicidal? because that's me right now",
        "im dead weight to my family and they know it",
    ],
)
def test_owning_the_topic_in_the_next_sentence_and_being_dead_weight_are_crises(text):
    assert verdict(text) == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "this anxiety lowkey killing me fr, how much is a consult",
        "I have old self harm scars, will the nurse notice when she puts the IV in",
        "fainted once after a session 2 wks ago, didnt get hurt. is that a reason to stop",
    ],
)
def test_slang_idioms_old_scars_and_last_weeks_fainting_get_their_answer(text):
    assert verdict(text) is None
