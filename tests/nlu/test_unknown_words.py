"""The unknown-words guard's word matching, without a trained model."""

from types import SimpleNamespace

from assistant.nlu.unknown_words import UnknownWordsGuard, words


def guard(vocabulary):
    return UnknownWordsGuard({}, model_storage=None, resource=None, vocabulary=vocabulary)


def test_words_leave_out_numbers_punctuation_and_emoji():
    tokens = [SimpleNamespace(text=t) for t in ["How", "much", "?", "200", "🙂", "días"]]
    assert words(tokens) == ["how", "much", "días"]


def test_known_and_nearly_known_words():
    g = guard({"insurance", "ketamine", "cost", "how"})
    assert g.knows("cost")
    assert g.knows("insurnce")  # one letter missing
    assert g.knows("ketamin")
    assert not g.knows("xxxxxxxx")
    assert not g.knows("kost")  # near spellings count only from the same first letter
    assert not g.knows("hw")  # too short to guess at
