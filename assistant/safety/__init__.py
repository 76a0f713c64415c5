"""Rule-based safety check: crisis, medical emergency, recreational use, personal advice."""

from assistant.safety.scanner import (  # noqa: F401
    CRISIS,
    MEDICAL_EMERGENCY,
    RECREATIONAL_USE,
    SafetyResult,
    SafetyScanner,
    default_scanner,
)
