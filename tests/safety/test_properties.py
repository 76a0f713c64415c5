"""Property-based tests: the safety check never crashes and is not fooled by hidden characters.

Hypothesis generates arbitrary text (any Unicode, control and bidi characters, huge strings)
for the normaliser and the matcher, and inserts zero-width characters or spacing into known
crisis phrases, which must still be caught.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.safety import default_scanner
from assistant.safety.normalise import normalise

SCANNER = default_scanner()
CRISIS_PHRASES = [
    "i want to kill myself",
    "i want to die",
    "thinking about suicide",
    "i am going to end my life tonight",
    "i have been cutting myself again",
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u00ad"]
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=3000))
def test_normaliser_never_crashes(text):
    out = normalise(text)
    assert isinstance(out, str)
    assert "\u200b" not in out and "\u202e" not in out


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000))
def test_scanner_never_crashes(text):
    result = SCANNER.scan(text)
    assert result.verdict in (None, "crisis", "medical_emergency", "recreational_use")


@FAST
@given(
    st.sampled_from(CRISIS_PHRASES),
    st.lists(st.tuples(st.integers(0, 60), st.sampled_from(ZERO_WIDTH)), min_size=1, max_size=12),
)
def test_zero_width_characters_do_not_hide_a_crisis(phrase, insertions):
    text = phrase
    for position, char in insertions:
        position = min(position, len(text))
        text = text[:position] + char + text[position:]
    assert SCANNER.scan(text).verdict == "crisis", repr(text)


@FAST
@given(st.sampled_from(CRISIS_PHRASES), st.sampled_from([" ", ".", "-", "*", "_"]))
def test_spaced_out_letters_do_not_hide_a_crisis(phrase, separator):
    # "i want to k-i-l-l myself", "s u i c i d e": every word of four letters or more spaced.
    words = [separator.join(word) if len(word) >= 4 else word for word in phrase.split()]
    text = " ".join(words)
    assert SCANNER.scan(text).verdict == "crisis", repr(text)


@FAST
@given(
    st.sampled_from(CRISIS_PHRASES),
    st.text(alphabet="abcdefghij .,", max_size=1500),
    st.text(alphabet="abcdefghij .,", max_size=1500),
)
def test_a_crisis_phrase_buried_in_a_long_message_is_found(phrase, before, after):
    assert SCANNER.scan(f"{before}. {phrase}. {after}").verdict == "crisis"


@FAST
@given(st.sampled_from(CRISIS_PHRASES))
def test_upper_case_and_fancy_letters_do_not_hide_a_crisis(phrase):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in phrase)
    assert SCANNER.scan(phrase.upper()).verdict == "crisis"
    assert SCANNER.scan(fullwidth).verdict == "crisis"
