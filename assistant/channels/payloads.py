"""Signed button payloads: only buttons the assistant sent can act as intents.

Outgoing payloads such as "/faq/cost" are sent as "/faq/cost#<signature>", where the signature
is an HMAC of the conversation id and the payload. When the text comes back, the gateway checks
the signature; a match is a button press, anything else (including a typed "/affirm") is text.
The key comes from ASSISTANT_SIGNING_KEY, or from var/signing.key, created once, so every
process on the machine (and every replica given the same key) agrees.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any, Dict, List, Optional

from assistant.paths import PROJECT_ROOT

SIGNING_KEY_ENV = "ASSISTANT_SIGNING_KEY"
DEFAULT_KEY_FILE = PROJECT_ROOT / "var" / "signing.key"
SEPARATOR = "#"
SIGNATURE_LENGTH = 16  # hex characters (64 bits): a forged guess is out of reach


def load_signing_key(path: Path = DEFAULT_KEY_FILE) -> bytes:
    """The shared secret: the environment variable, else a key file created on first use."""
    configured = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if configured:
        return configured.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


class PayloadSigner:
    """Signs outgoing button payloads and recognises them when they come back."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, sender_id: str, payload: str) -> str:
        digest = hmac.new(self._key, f"{sender_id}\n{payload}".encode(), hashlib.sha256)
        return digest.hexdigest()[:SIGNATURE_LENGTH]

    def sign(self, sender_id: str, payload: str) -> str:
        return f"{payload}{SEPARATOR}{self._signature(sender_id, payload)}"

    def verify(self, sender_id: str, text: str) -> Optional[str]:
        """The payload if ``text`` is a payload signed for this conversation, else None."""
        text = (text or "").strip()
        if not text.startswith("/") or SEPARATOR not in text:
            return None
        payload, _, signature = text.rpartition(SEPARATOR)
        expected = self._signature(sender_id, payload)
        return payload if hmac.compare_digest(signature, expected) else None

    def sign_buttons(self, sender_id: str, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Copies of ``messages`` whose "/..." button payloads are signed."""
        signed = []
        for message in messages:
            message = dict(message)
            if message.get("buttons"):
                message["buttons"] = [
                    {**button, "payload": self.sign(sender_id, button["payload"])}
                    if str(button.get("payload", "")).startswith("/")
                    else dict(button)
                    for button in message["buttons"]
                ]
            signed.append(message)
        return signed
