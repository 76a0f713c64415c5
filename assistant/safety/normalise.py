"""Text normalisation ahead of the safety match.

People in distress rarely type the textbook phrase, and a few try to slip past filters. Before
matching, a message is reduced to plain lower-case words:

- Unicode compatibility forms folded (full-width and "fancy" letters, ligatures), accents removed;
- zero-width, bidi-control, soft-hyphen and other control characters removed;
- emoji that signal risk kept as words (pill, knife, gun, rope, coffin, ...), other symbols dropped;
- leetspeak undone inside words ("k1ll", "$uicide"), but not in quantities ("800mg");
- spaced or dotted letters joined ("k i l l", "s.u.i.c.i.d.e"), "*" masks resolved ("k*ll");
- stretched letters shortened ("diiiie");
- contractions, text-speak and slang expanded ("dont", "wanna", "kms", "unalive", "sewerslide").

The result is only used for matching; it is never shown or stored.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from functools import lru_cache
from typing import Dict, Iterable, List, Tuple

# Characters that render as nothing or reorder text: stripped so "su\u200bicide" still matches.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))  # zero-width space/joiners, LRM, RLM
    + list(range(0x202A, 0x202F))  # bidi embeddings and overrides
    + list(range(0x2060, 0x2070))  # word joiner, invisible operators, bidi isolates
    + list(range(0xFE00, 0xFE10))  # variation selectors
)

# Emoji that crisis services found to signal risk, kept as words the lexicon knows.
RISK_EMOJI: Dict[str, str] = {
    "\U0001f48a": " emojipill ",  # pill
    "\U0001f52a": " emojiknife ",  # kitchen knife
    "\U0001f5e1": " emojiknife ",  # dagger
    "\U0001fa92": " emojiknife ",  # razor
    "\U0001f52b": " emojigun ",  # pistol
    "\U0001faa2": " emojirope ",  # knot
    "\u26b0": " emojicoffin ",  # coffin
    "\U0001faa6": " emojigrave ",  # headstone
    "\U0001fa78": " emojiblood ",  # drop of blood
    "\U0001f489": " emojisyringe ",  # syringe
    "\U0001f480": " emojiskull ",  # skull: often means laughing, so it only counts with others
    "\u2620": " emojiskull ",  # skull and crossbones
    "\U0001f635": " emojidizzy ",  # face with crossed-out eyes
    "\U0001f309": " emojibridge ",  # bridge at night
    "\U0001fa79": " emojibandage ",  # adhesive bandage
    "\U0001fac1": " breathing ",  # lungs
    "\U0001f44b": " bye ",  # waving hand
    "\U0001f319": " ",
}

_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
    }
)
_QUANTITY = re.compile(
    r"^\d+([.,]\d+)?(mg|mgs|ml|mcg|ug|g|gs|kg|kgs|lb|lbs|k|x|s|st|nd|rd|th|am|pm|h|hr|hrs|"
    r"min|mins|yo|yr|yrs|y|m|mo|wk|wks|d|ish)?$"
)
_LEET_TOKEN = re.compile(r"[a-z0-9@$!|]+")
# Runs of single letters split by spaces, dots, dashes, underscores or stars: "k i l l", "d.i.e".
_SPACED = re.compile(r"(?<![a-z])(?:[a-z](?:[.\-_*]| {1,3}|\. ){1,3}){2,}[a-z](?![a-z])")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# Sentence and clause breaks become a "." token so a negation never reaches across them.
_BREAK = re.compile(r"[.!?;:,\n]+|\s-+\s|\(|\)")
_NON_WORD = re.compile(r"[^\w'.\s]+|_")
_SPACES = re.compile(r"\s+")

# Contractions and text-speak, written out so the patterns see plain words.
_PHRASES: List[Tuple[str, str]] = [
    (r"\bcan ?n?o?'?t\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\bwon'?t\b", "will not"),
    (r"\bain'?t\b", "is not"),
    (
        r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should|must|need|might)n'?t\b",
        r"\1 not",
    ),
    (r"\b(i|you|we|they|he|she|it|that|there|what|who)'ll\b", r"\1 will"),
    (r"\b(i|you|we|they)'ve\b", r"\1 have"),
    (r"\b(i|you|we|they|he|she)'d\b", r"\1 would"),
    (r"\b(you|we|they)'re\b", r"\1 are"),
    (r"\b(he|she|it|that|there|what|who|everything|nothing)'s\b", r"\1 is"),
    (r"\bi'?m\b", "i am"),
    (r"\bi'?ve\b", "i have"),
    (r"\bi'?ll\b", "i will"),
    (r"\bwanna\b", "want to"),
    (r"\bwana\b", "want to"),
    (r"\bgonna\b", "going to"),
    (r"\bgona\b", "going to"),
    (r"\bgotta\b", "got to"),
    (r"\btryna\b", "trying to"),
    (r"\bkinda\b", "kind of"),
    (r"\boutta\b", "out of"),
    (r"\blemme\b", "let me"),
    (r"\bidk\b", "i do not know"),
    (r"\bidc\b", "i do not care"),
    (r"\bidgaf\b", "i do not care"),
    (r"\bngl\b", "not going to lie"),
    (r"\btbh\b", "to be honest"),
    (r"\brn\b", "right now"),
    (r"\batm\b", "at the moment"),
    (r"\bu\b", "you"),
    (r"\bur\b", "your"),
    (r"\bya\b", "you"),
    (r"\bb4\b", "before"),
    (r"\bw/o\b", "without"),
    (r"\bw/", "with "),
    (r"\b(bc|cuz|coz|cos|bcuz|bcoz)\b", "because"),
    (r"\bppl\b", "people"),
    (r"\b(pls|plz|plss)\b", "please"),
    (r"\bnvm\b", "never mind"),
    (r"\b(smth|sth)\b", "something"),
    (r"\bbf\b", "boyfriend"),
    (r"\bgf\b", "girlfriend"),
    (r"\bhubby\b", "husband"),
    (r"\b(tmrw|tmr|tmrrw|tmrw|tomoz|2moro|2morrow|tomorow|tommorow|tommorrow)\b", "tomorrow"),
    (r"\b(tonights|tonite|2nite|2night)\b", "tonight"),
    (r"\b(cnt|cnnt|caint)\b", "can not"),
    (r"\b(want|need|have|going|got|ready|trying|try|about|deserve|wish|like) 2\b", r"\1 to"),
    (r"\bto (b|bee)\b", "to be"),
    (r"\bsui[\s\-_]+cid(e|al)\b", r"suicid\1"),
    (
        r"\bill (be|go|do|just|never|probably|try|die|kill|end|take|make|see|have|not)\b",
        r"i will \1",
    ),
    (r"\b(yrs|yr|yrs\.)\b", "years"),
    (
        r"\bunaliv(?:e|ing|ed)\b(?!\s+(myself|yourself|himself|herself|themselves|themself|me|him|her|them|my|mys))",
        "kill myself",
    ),
    (r"\bsuic\b", "suicide"),
    (r"\bo\.?d\.?(?:'?s|'?d|ed|ing)?(?![a-z])", "overdose"),
]
_PHRASE_RES = [(re.compile(pattern), repl) for pattern, repl in _PHRASES]

# Slang and misspellings of risk words, mapped to the words the lexicon uses.
SLANG: Dict[str, str] = {
    "kms": "kill myself",
    "kmss": "kill myself",
    "kmsl": "kill myself",
    "unalive": "kill",
    "unalived": "killed",
    "unaliving": "killing",
    "unalives": "kills",
    "sewerslide": "suicide",
    "sewercide": "suicide",
    "suicde": "suicide",
    "sucide": "suicide",
    "suside": "suicide",
    "suiside": "suicide",
    "suecide": "suicide",
    "suicid": "suicide",
    "suicidio": "suicidio",
    "siucide": "suicide",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "suisidal": "suicidal",
    "suicidial": "suicidal",
    "sucidial": "suicidal",
    "suicidel": "suicidal",
    "suicidle": "suicidal",
    "suacidal": "suicidal",
    "ctb": "kill myself",
    "lyfe": "life",
    "lyf": "life",
    "lif": "life",
    "idont": "i do not",
    "icant": "i can not",
    "iwant": "i want",
    "iwanna": "i want to",
    "imgonna": "i am going to",
    "imma": "i am going to",
    "ima": "i am going to",
    "selfharm": "self harm",
    "self-harm": "self harm",
    "selfharming": "self harming",
    "kil": "kill",
    "kiling": "killing",
    "kiled": "killed",
    "myslef": "myself",
    "mysef": "myself",
    "myselfe": "myself",
    "mself": "myself",
    "mysefl": "myself",
    "ded": "dead",
    "wnat": "want",
    "wnt": "want",
    "wana": "want to",
    "cant": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "wasnt": "was not",
    "arent": "are not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "shouldnt": "should not",
    "wont": "will not",
    "im": "i am",
    "ive": "i have",
    "thats": "that is",
    "whats": "what is",
    "theres": "there is",
    "youre": "you are",
    "theyre": "they are",
    "hes": "he is",
    "shes": "she is",
    "its": "it is",
    "brethe": "breathe",
    "breth": "breath",
    "breating": "breathing",
    "breathin": "breathing",
    "chestpain": "chest pain",
    "unresponsve": "unresponsive",
    "overdossed": "overdosed",
    "overdoes": "overdose",
    "overdoesd": "overdosed",
    "pils": "pills",
    "pilss": "pills",
    "tabs": "pills",
    "khole": "k hole",
    "k-hole": "k hole",
    "kholing": "k holing",
    "k-holing": "k holing",
}

# Words the "*"-mask and spaced-letter repair may resolve to.
RISK_VOCABULARY = (
    "kill",
    "killing",
    "myself",
    "suicide",
    "suicidal",
    "die",
    "dying",
    "dead",
    "death",
    "cut",
    "cutting",
    "hang",
    "hanging",
    "overdose",
    "pills",
    "self",
    "harm",
    "hurt",
    "end",
    "life",
    "live",
    "alive",
    "shoot",
    "gun",
    "rope",
    "jump",
    "bridge",
    "breathe",
    "wrists",
)
# Risky strings found inside words glued together ("iwanttodie", "killmyself").
GLUED_RISK = (
    ("killmyself", "kill myself"),
    ("killingmyself", "killing myself"),
    ("endmylife", "end my life"),
    ("endmyself", "end myself"),
    ("wanttodie", "want to die"),
    ("wannadie", "want to die"),
    ("suicide", "suicide"),
    ("suicidal", "suicidal"),
    ("hurtmyself", "hurt myself"),
    ("cutmyself", "cut myself"),
    ("hangmyself", "hang myself"),
    ("notwanttolive", "not want to live"),
    ("cantbreathe", "can not breathe"),
)


def strip_invisible(text: str) -> str:
    """Removes zero-width, bidi-control and other invisible format characters."""
    text = text.translate(_INVISIBLE)
    return "".join(
        " " if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
    )


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _emojito_words(text: str) -> str:
    out = []
    for ch in text:
        if ch in RISK_EMOJI:
            out.append(RISK_EMOJI[ch])
        elif unicodedata.category(ch) in ("So", "Sk", "Cs", "Co"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _undo_leet(match: re.Match) -> str:
    token = match.group(0)
    core = token.rstrip("!|$@")  # trailing "!" is punctuation, not a letter
    tail = token[len(core) :]
    if not core or core.isalpha() or core.isdigit() or _QUANTITY.match(core):
        return token
    letters = sum(ch.isalpha() for ch in core)
    if len(core) < 3 or letters < 1 or not (core[0].isalpha() or core[0] in "$@!|"):
        return token
    return core.translate(_LEET) + tail


# Words the spaced-letter repair may split a joined run into ("lifetonight" -> "life tonight").
# The scanner fills this from the lexicon and the spaCy pipeline's lemma table.
_VOCABULARY: set = set()


def set_vocabulary(words: Iterable[str]) -> None:
    _VOCABULARY.update(w for w in words if w.isalpha() and (len(w) > 1 or w in ("a", "i")))
    _segment.cache_clear()


@lru_cache(maxsize=4096)
def _segment(joined: str) -> str:
    """Splits a run of joined letters into the fewest known words, if it can."""
    if not _VOCABULARY or joined in _VOCABULARY or len(joined) > 60:
        return joined
    best: list = [None] * (len(joined) + 1)
    best[0] = []
    for end in range(1, len(joined) + 1):
        for start in range(max(0, end - 20), end):
            piece = joined[start:end]
            if best[start] is not None and piece in _VOCABULARY:
                candidate = best[start] + [piece]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return " ".join(best[-1]) if best[-1] else joined


def _join_spaced(match: re.Match) -> str:
    # Two or more spaces separate words: "k i l l  m y s e l f" -> "kill myself"; otherwise
    # the joined letters are split into known words: "l i f e t o n i g h t" -> "life tonight".
    words = re.split(r"\s{2,}", match.group(0))
    return " ".join(_segment(re.sub(r"[ .\-_*]", "", w)) for w in words)


@lru_cache(maxsize=4096)
def _resolve_mask(token: str) -> str:
    """'k*ll' -> 'kill' when exactly one risk word fits the mask."""
    pattern = token.replace("*", "?") if token.count("*") == 1 else token
    fits = [w for w in RISK_VOCABULARY if len(w) == len(token) and fnmatch.fnmatchcase(w, pattern)]
    if not fits and "*" in token:
        fits = [w for w in RISK_VOCABULARY if fnmatch.fnmatchcase(w, token.replace("**", "*"))]
    return fits[0] if len(set(fits)) == 1 else token.replace("*", "")


def _shorten_repeats(token: str, known: Iterable[str]) -> str:
    if not _REPEATS.search(token):
        return token
    double = _REPEATS.sub(r"\1\1", token)
    single = _REPEATS.sub(r"\1", token)
    known_set = known if isinstance(known, (set, frozenset)) else set(known)
    for candidate in (double, single):
        if candidate in known_set or candidate in SLANG:
            return candidate
    return single


_KNOWN_WORDS = frozenset(
    list(RISK_VOCABULARY)
    + [w for phrase, _ in GLUED_RISK for w in phrase.split()]
    + [
        "please",
        "help",
        "so",
        "too",
        "good",
        "need",
        "feel",
        "sorry",
        "all",
        "till",
        "will",
        "well",
        "still",
        "stuff",
        "off",
        "hopeless",
        "really",
        "anymore",
        "never",
        "see",
        "see",
        "tired",
        "sleep",
        "cool",
        "ok",
        "no",
        "yes",
        "hello",
        "hi",
        "hey",
        "bye",
        "bad",
        "sad",
    ]
)


def normalise(text: str) -> str:
    """Returns the matching form of ``text`` (lower case words separated by single spaces)."""
    if not text:
        return ""
    text = strip_invisible(text)
    text = _fold(text)
    text = _emojito_words(text)
    text = text.lower().replace("\u2019", "'").replace("`", "'").replace("+", " plus ")
    text = _LEET_TOKEN.sub(_undo_leet, text)
    text = _SPACED.sub(_join_spaced, text)
    text = re.sub(r"[a-z]*\*+[a-z*]*", lambda m: _resolve_mask(m.group(0)), text)
    for pattern, repl in _PHRASE_RES:
        text = pattern.sub(repl, text)
    text = re.sub(r"(?<=[a-z])'(?=[a-z])", " ", text)  # qu'elle, j'ai, mom's
    text = _BREAK.sub(" . ", text)
    text = _NON_WORD.sub(" ", text)
    words = []
    for token in text.split():
        token = token.strip("'")
        if not token or (token == "." and words and words[-1] == "."):
            continue
        token = _shorten_repeats(token, _KNOWN_WORDS)
        token = SLANG.get(token, token)
        if len(token) > 8 and " " not in token:
            for glued, spaced in GLUED_RISK:
                if token == glued:
                    token = spaced
                    break
                if glued in token:
                    token = f"{token} {spaced}"
                    break
        words.append(token)
    while words and words[0] == ".":
        words.pop(0)
    while words and words[-1] == ".":
        words.pop()
    return _SPACES.sub(" ", " ".join(words)).strip()
