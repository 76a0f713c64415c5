"""The English words common enough that, after a name, they are not a last name.

"im jane roe" ends in a last name and "im jane asking about cost" does not, yet both "roe" and
"asking" are English words. What tells them apart is how often the word is used: the list is
every lower-case alphabetic word with a log probability of at least ``THRESHOLD`` in spaCy's
English lexeme probabilities (``spacy-lookups-data``, pinned in requirements.lock), about 8,500
words. Names sit below it ("jane" -14.7, "roe" -15.6, "smith" -12.8); "asking" (-9.0),
"anxious" (-12.0) and "prescribed" (-12.3) above.

The list is kept in ``common_words.txt`` so that no process loads the million-entry table;
regenerate it with ``python -m assistant.privacy.common_words``.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

WORDS_FILE = Path(__file__).with_name("common_words.txt")
THRESHOLD = -12.5


@cache
def common_words() -> frozenset:
    """The common words, lower case."""
    return frozenset(WORDS_FILE.read_text(encoding="utf-8").split())


def build(path: Path = WORDS_FILE) -> int:
    """Writes the list from spacy-lookups-data; returns how many words it holds."""
    import spacy_lookups_data

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(table, "rt", encoding="utf-8") as stream:
        probabilities = json.load(stream)
    # Lower-case entries only: "Jane" is frequent at the start of sentences, "jane" is not.
    words = sorted(
        w for w, p in probabilities.items() if p >= THRESHOLD and w.isalpha() and w.islower()
    )
    path.write_text("\n".join(words) + "\n", encoding="utf-8")
    return len(words)


if __name__ == "__main__":
    print(f"{build()} words written to {WORDS_FILE}")
