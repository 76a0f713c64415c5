"""Which channel a conversation id belongs to.

The web, Twilio and callback channels issue their own conversation ids, ``<channel>-...``: a
random id signed into the widget's session token, or a keyed hash of a phone number or of a
platform's user id. The REST channel lets its caller name the conversation. Without a check,
anyone who learned such an id (the widget keeps it in sessionStorage and sends it in a header;
ids appear in logs) could post into that person's conversation through REST: answer their
crisis check, or ask to delete it. The gateway therefore refuses an id that one channel issued
when it arrives through another.
"""

from __future__ import annotations

from typing import Optional

# Channels whose conversation ids are issued by the assistant, never chosen by the caller.
ISSUING_CHANNELS = ("web", "twilio", "callback")


def issued_id(channel: str, suffix: str) -> str:
    """The conversation id ``channel`` issues for ``suffix`` (its random or hashed part)."""
    if channel not in ISSUING_CHANNELS:
        raise ValueError(f"{channel!r} does not issue conversation ids")
    return f"{channel}-{suffix}"


def issuing_channel(sender_id: str) -> Optional[str]:
    """The channel that issued ``sender_id``, or None for an id a caller may choose.

    Case-insensitive: some databases (MySQL's default collations) compare ids that way, so
    "WEB-..." could reach the same conversation as "web-...".
    """
    prefix, dash, _ = (sender_id or "").partition("-")
    prefix = prefix.lower()
    return prefix if dash and prefix in ISSUING_CHANNELS else None


def may_address(channel: str, sender_id: str) -> bool:
    """True if a message arriving through ``channel`` may go to conversation ``sender_id``."""
    owner = issuing_channel(sender_id)
    return owner is None or owner == channel
