"""Log hygiene: personal details are masked in every log line, and lines stay one line.

Installed by the channels when the server starts. It masks with the same redactor as the
gateway (PRIV-03), escapes carriage returns and newlines so nobody can forge log lines
(IN-12), and is a safety net: the assistant's own log lines never contain what people typed.
"""

from __future__ import annotations

import logging


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with personal details masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is passed on unchanged
            return True
        from assistant.privacy.redaction import default_redactor

        masked = default_redactor().redact(message).text
        masked = masked.replace("\r", "\\r").replace("\n", "\\n") if record.levelno < 40 else masked
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_redaction() -> None:
    """Adds the filter to every handler of the root logger (once)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
