"""Clinic settings: one YAML file a clinic edits, validated before anything starts.

The file (``clinic.yml`` at the project root, or the path in ``CLINIC_SETTINGS``) holds the
clinic's name, phone, booking link and hours, the region's crisis and emergency lines and the
website origins allowed to embed the widget. Answers read these values through the response
generator (``assistant.nlg``), so a change takes effect at the next start without retraining.

A missing or malformed value raises ``ClinicSettingsError`` naming the field; every process
checks the file at start-up, so nothing runs half-configured.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

from assistant.paths import PROJECT_ROOT

SETTINGS_ENV_VAR = "CLINIC_SETTINGS"
DEFAULT_SETTINGS_PATH = PROJECT_ROOT / "clinic.yml"

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")
_DIGITS = re.compile(r"\d")
_SHORT_NUMBER = re.compile(r"^[0-9][0-9 \-]{1,14}$")


class ClinicSettingsError(ValueError):
    """The clinic settings file is missing, unreadable or has an invalid field."""


@dataclass(frozen=True)
class ClinicSettings:
    """Validated clinic settings."""

    clinic_name: str
    clinic_phone: str
    booking_url: str
    clinic_hours: str
    crisis_line_name: str
    crisis_phone: str
    crisis_chat: str
    emergency_number: str
    domestic_violence_line: str
    child_abuse_line: str
    retention_days: int
    allowed_origins: Tuple[str, ...]
    source: str

    def template_values(self) -> Dict[str, str]:
        """The placeholders responses may use, e.g. ``{clinic_name}``."""
        return {
            "clinic_name": self.clinic_name,
            "clinic_phone": self.clinic_phone,
            "booking_url": self.booking_url,
            "clinic_hours": self.clinic_hours,
            "crisis_line_name": self.crisis_line_name,
            "crisis_phone": self.crisis_phone,
            "crisis_chat": self.crisis_chat,
            "emergency_number": self.emergency_number,
            "domestic_violence_line": self.domestic_violence_line,
            "child_abuse_line": self.child_abuse_line,
            "retention_days": str(self.retention_days),
        }


# Each template placeholder, the field it comes from and how that field is checked.
_FIELDS: List[Tuple[str, str, str]] = [
    ("clinic_name", "clinic.name", "text"),
    ("clinic_phone", "clinic.phone", "phone"),
    ("booking_url", "clinic.booking_url", "url"),
    ("clinic_hours", "clinic.hours", "text"),
    ("crisis_line_name", "crisis.line_name", "text"),
    ("crisis_phone", "crisis.call_or_text", "short_number"),
    ("crisis_chat", "crisis.chat", "text"),
    ("emergency_number", "crisis.emergency_number", "short_number"),
    ("domestic_violence_line", "crisis.domestic_violence_line", "phone"),
    ("child_abuse_line", "crisis.child_abuse_line", "phone"),
]

TEMPLATE_PLACEHOLDERS = frozenset([name for name, _, _ in _FIELDS] + ["retention_days"])


def settings_path() -> Path:
    """Where the settings are read from: ``$CLINIC_SETTINGS`` or ``clinic.yml``."""
    configured = os.environ.get(SETTINGS_ENV_VAR, "").strip()
    return Path(configured) if configured else DEFAULT_SETTINGS_PATH


def _lookup(document: Mapping[str, Any], dotted: str, source: str) -> Any:
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ClinicSettingsError(f"{source}: '{dotted}' is missing")
        node = node[part]
    return node


def _check(value: Any, dotted: str, kind: str, source: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ClinicSettingsError(f"{source}: '{dotted}' must be a non-empty text value")
    value = value.strip()
    if "{" in value or "}" in value:
        raise ClinicSettingsError(f"{source}: '{dotted}' must not contain {{ or }}")
    if len(value) > 200:
        raise ClinicSettingsError(f"{source}: '{dotted}' is longer than 200 characters")
    if kind == "url" and not _URL.match(value):
        raise ClinicSettingsError(f"{source}: '{dotted}' must be an http or https link")
    if kind == "phone" and len(_DIGITS.findall(value)) < 3:
        raise ClinicSettingsError(f"{source}: '{dotted}' must be a phone number")
    if kind == "short_number" and not _SHORT_NUMBER.match(value):
        raise ClinicSettingsError(f"{source}: '{dotted}' must be a phone number of digits")
    return value


def parse_settings(document: Any, source: str) -> ClinicSettings:
    """Validates a parsed settings document; raises ``ClinicSettingsError`` naming the field."""
    if not isinstance(document, Mapping):
        raise ClinicSettingsError(f"{source}: expected a YAML mapping with 'clinic' and 'crisis'")
    values = {
        name: _check(_lookup(document, dotted, source), dotted, kind, source)
        for name, dotted, kind in _FIELDS
    }
    retention = _lookup(document, "privacy.retention_days", source)
    if isinstance(retention, bool) or not isinstance(retention, int) or not 1 <= retention <= 3650:
        raise ClinicSettingsError(
            f"{source}: 'privacy.retention_days' must be a whole number of days from 1 to 3650"
        )
    origins = _lookup(document, "web.allowed_origins", source)
    if not isinstance(origins, list) or not origins:
        raise ClinicSettingsError(f"{source}: 'web.allowed_origins' must be a list of origins")
    for origin in origins:
        if not isinstance(origin, str) or not _ORIGIN.match(origin.strip()):
            raise ClinicSettingsError(
                f"{source}: 'web.allowed_origins' has an invalid origin {origin!r} "
                "(expected scheme://host[:port] with no path)"
            )
    return ClinicSettings(
        retention_days=retention,
        allowed_origins=tuple(o.strip().rstrip("/") for o in origins),
        source=source,
        **values,
    )


def load_settings(path: Path | str | None = None) -> ClinicSettings:
    """Reads and validates the settings file."""
    path = Path(path) if path is not None else settings_path()
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClinicSettingsError(
            f"{source}: clinic settings file not found (create it from the README, "
            f"or set {SETTINGS_ENV_VAR} to its path)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ClinicSettingsError(f"{source}: cannot read the settings file ({error})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ClinicSettingsError(f"{source}: not valid YAML{where}") from None
    return parse_settings(document, source)


@cache
def current_settings() -> ClinicSettings:
    """The settings of this process, read once."""
    return load_settings()


def main(argv: List[str]) -> int:
    """``python -m assistant.settings [PATH]``: checks the file, prints one line."""
    try:
        settings = load_settings(argv[0] if argv else None)
    except ClinicSettingsError as error:
        print(f"Clinic settings error: {error}", file=sys.stderr)
        return 1
    print(f"Clinic settings OK: {settings.clinic_name} ({settings.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
