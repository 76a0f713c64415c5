"""SMS text: segment counting, packing a turn into few SMS, numbered button menus, keywords.

Pure functions, no I/O, so the rules a carrier bills by can be unit-tested exactly:

- An SMS is sent in GSM-7 if every character is in the GSM 03.38 alphabet (the characters
  ``^ { } \\ [ ~ ] | €`` and form feed take two septets, an escape and the character); else it
  is UCS-2, counted in UTF-16 code units (an emoji outside the BMP takes two). One character
  outside GSM-7 switches the whole SMS to UCS-2.
- A single-part SMS holds 160 septets (GSM-7) or 70 units (UCS-2); a multipart one 153 or 67
  per segment, because each part carries a header. A character is never split across two
  segments, so an escape pair or a surrogate pair that does not fit starts the next segment.

A turn's messages are combined into as few SMS as possible, none over ``MAX_SEGMENTS``: long
SMS cost more and arrive out of order on some carriers, and the clinic pays per segment.
Buttons become a short numbered menu ("Reply 1, 2 or 3: 1 Insurance, 2 ..."); a reply of
"1" is mapped back to that button by the Twilio channel.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

MAX_SEGMENTS = 3
MAX_MENU_ITEMS = 9  # one digit per choice: "10" would be ambiguous on a phone keypad

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Typographic characters with a GSM-7 equivalent, replaced before sending (as Twilio's "smart
# encoding" does): one curly quote would otherwise make the whole SMS UCS-2 and more than
# double the number of segments.
_GSM_EQUIVALENTS = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys(
        "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
        "\u200a\u202f\u205f\u3000\t",
        " ",
    ),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
    "…": "...",
    "•": "-",
    "·": "-",
    "×": "x",
}
_GSM_TRANSLATION = str.maketrans(_GSM_EQUIVALENTS)

# STOP/HELP keywords as Twilio and the CTIA guidelines define them (whole message, any case).
# The opt-out list is Twilio's default one, so both keep the same record of who opted out.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})
# "YES" also re-subscribes on Twilio, but only counts as such for someone who opted out:
# for everyone else it is an ordinary answer.
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*(\s+)|(\s*\n\s*)")
_MENU_REPLY = re.compile(r"^\s*#?\s*([1-9])\s*[.)]?\s*$")


class SegmentCount(NamedTuple):
    """How a text is encoded and how many SMS segments it is billed as."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _pack_units(costs: Sequence[int], single: int, multi: int) -> int:
    """Segments needed for characters of the given costs, never splitting a character."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def count_segments(text: str) -> SegmentCount:
    """The encoding, length in units and segment count of ``text`` sent as one SMS."""
    if is_gsm7(text):
        costs = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        return SegmentCount("GSM-7", sum(costs), _pack_units(costs, GSM7_SINGLE, GSM7_MULTI))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount("UCS-2", sum(costs), _pack_units(costs, UCS2_SINGLE, UCS2_MULTI))


def gsm_friendly(text: str) -> str:
    """``text`` with curly quotes, dashes, odd spaces and the like replaced by GSM-7 ones."""
    return unicodedata.normalize("NFC", text).translate(_GSM_TRANSLATION)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return count_segments(text).segments <= max_segments


# ------------------------------------------------------------------ packing a turn into SMS


def _sentences(paragraph: str) -> List[Tuple[str, str]]:
    """``(separator, sentence)`` pairs; the separator is the whitespace before the sentence."""
    pieces: List[Tuple[str, str]] = []
    position, separator = 0, ""
    for match in _SENTENCE_BREAK.finditer(paragraph):
        end = match.start(1) if match.group(1) is not None else match.start(2)
        chunk = paragraph[position:end]
        if chunk.strip():
            pieces.append((separator, chunk))
        separator = match.group(1) if match.group(1) is not None else "\n"
        separator = "\n" if "\n" in separator else " "
        position = match.end()
    tail = paragraph[position:]
    if tail.strip():
        pieces.append((separator, tail))
    return pieces


def _split_oversized(piece: str, max_segments: int) -> List[str]:
    """A sentence too long for one SMS, split between words (or characters, for a long URL)."""
    parts: List[str] = []
    current = ""
    for word in piece.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate, max_segments):
            current = candidate
            continue
        if current:
            parts.append(current)
        current = ""
        for ch in word:
            if fits(current + ch, max_segments):
                current += ch
            else:
                parts.append(current)
                current = ch
    if current:
        parts.append(current)
    return parts


def _greedy(pieces: Iterable[Tuple[str, str]], max_segments: int) -> List[str]:
    """Fills each SMS with as many pieces as fit, in order."""
    bodies: List[str] = []
    current = ""
    for separator, piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if fits(candidate, max_segments):
            current = candidate
            continue
        if current:
            bodies.append(current)
        if fits(piece, max_segments):
            current = piece
        else:
            *full, current = _split_oversized(piece, max_segments)
            bodies.extend(full)
    if current:
        bodies.append(current)
    return bodies


def pack_sms(blocks: Sequence[str], max_segments: int = MAX_SEGMENTS) -> List[str]:
    """The texts of one turn as few SMS bodies as possible, each within ``max_segments``.

    Breaks between paragraphs are preferred; a paragraph is split between sentences only if
    that saves an SMS or the paragraph alone is too long.
    """
    paragraphs = [
        p.strip()
        for block in blocks
        for p in re.split(r"\n\s*\n", gsm_friendly(block or ""))
        if p.strip()
    ]
    by_sentence = _greedy(
        [
            ("\n\n" if i and j == 0 else separator, sentence)
            for i, paragraph in enumerate(paragraphs)
            for j, (separator, sentence) in enumerate(_sentences(paragraph))
        ],
        max_segments,
    )
    # A paragraph too long for one SMS must be split anyway, and between sentences reads
    # better than _greedy's split between words, so such a turn uses the sentence packing.
    if not all(fits(p, max_segments) for p in paragraphs):
        return by_sentence
    by_paragraph = _greedy(
        [("\n\n" if i else "", paragraph) for i, paragraph in enumerate(paragraphs)],
        max_segments,
    )
    return by_paragraph if len(by_paragraph) <= len(by_sentence) else by_sentence


# ------------------------------------------------------------------ buttons as a menu


def clean_title(title: Any) -> str:
    """A button title for SMS: no emoji or pictographs, GSM-7 punctuation, one line."""
    text = gsm_friendly(str(title or ""))
    kept = []
    for ch in text:
        if ch in "\ufe0e\ufe0f\u200d" or 0x1F3FB <= ord(ch) <= 0x1F3FF:
            continue
        if unicodedata.category(ch) in ("So", "Cs", "Co", "Cn", "Cc"):
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())


def turn_buttons(messages: Iterable[Dict[str, Any]]) -> List[Dict[str, str]]:
    """The buttons of one turn, in order, each payload once, at most ``MAX_MENU_ITEMS``."""
    buttons: List[Dict[str, str]] = []
    seen = set()
    for message in messages:
        for button in message.get("buttons") or []:
            payload = str(button.get("payload") or "")
            title = clean_title(button.get("title"))
            if not payload or not title or payload in seen:
                continue
            seen.add(payload)
            buttons.append({"title": title, "payload": payload})
    return buttons[:MAX_MENU_ITEMS]


def render_menu(titles: Sequence[str]) -> str:
    """The menu line, e.g. "Reply 1, 2 or 3: 1 Insurance, 2 How many sessions, 3 Cost"."""
    titles = [clean_title(t) for t in titles][:MAX_MENU_ITEMS]
    if not titles:
        return ""
    if len(titles) == 1:
        return f"Reply 1: {titles[0]}"
    numbers = [str(i) for i in range(1, len(titles) + 1)]
    lead = f"Reply {', '.join(numbers[:-1])} or {numbers[-1]}"
    return f"{lead}: " + ", ".join(f"{n} {t}" for n, t in zip(numbers, titles, strict=True))


def menu_choice(text: str, options: int) -> Optional[int]:
    """The 0-based menu index a reply such as "1", " 2." or "#3" picks, if it is in range."""
    match = _MENU_REPLY.match(text or "")
    if not match:
        return None
    index = int(match.group(1)) - 1
    return index if index < options else None


def compose_turn(messages: Sequence[Dict[str, Any]], with_menu: bool = True) -> List[str]:
    """SMS bodies for a turn's messages: the texts, then the buttons as one numbered menu."""
    blocks = [str(m.get("text")) for m in messages if m.get("text")]
    if with_menu:
        menu = render_menu([b["title"] for b in turn_buttons(messages)])
        if menu:
            blocks.append(menu)
    return pack_sms(blocks)


# ------------------------------------------------------------------ keywords


def keyword(text: Optional[str]) -> str:
    """The message as a keyword candidate: trimmed, upper case, trailing "." or "!" dropped."""
    return (text or "").strip().rstrip(".!").strip().upper()
