"""The lexicon compiles to valid spaCy patterns and stays quick to load."""

from assistant.language.pipeline import load_pipeline
from assistant.safety import default_scanner
from assistant.safety.scanner import SafetyScanner


def test_every_compiled_pattern_passes_spacys_schema_check():
    # The server skips this check at start-up (it takes seconds); a malformed pattern from the
    # compiler must therefore fail here.
    checked = SafetyScanner(load_pipeline(), validate_patterns=True)
    assert checked.scan("i want to kill myself").verdict == "crisis"


def test_unchecked_and_checked_scanners_agree():
    checked = SafetyScanner(load_pipeline(), validate_patterns=True)
    for text in (
        "took all my troches and cant breathe",
        "where can i buy ketamine online",
        "this wait is killing me",
        "should I stop my lexapro before the infusion",
    ):
        assert checked.scan(text) == default_scanner().scan(text)
