"""Fixtures for the content checks: the injectable "today", the approval script, the report line.

``CONTENT_REVIEW_TODAY=2027-06-01 pytest tests/content`` runs the review-age check as of another
day (e.g. to see which reviews will be due by then).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os

import pytest

from assistant.paths import PROJECT_ROOT

TODAY_ENV_VAR = "CONTENT_REVIEW_TODAY"
STALE_REVIEWS = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def content_today() -> dt.date:
    """Today's date for the review checks, or the date in $CONTENT_REVIEW_TODAY."""
    configured = os.environ.get(TODAY_ENV_VAR, "").strip()
    if not configured:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(configured)
    except ValueError:
        pytest.fail(f"{TODAY_ENV_VAR}={configured!r} is not a YYYY-MM-DD date")


@pytest.fixture(scope="session")
def approve_script():
    """scripts/approve.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "approve_script", PROJECT_ROOT / "scripts" / "approve.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def stale_report(request):
    """Collects report lines about old reviews; printed at the end of the run (never a failure)."""
    lines = request.config.stash.setdefault(STALE_REVIEWS, [])
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(STALE_REVIEWS, None)
    if lines is None:
        return
    terminalreporter.section("content review age")
    if not lines:
        terminalreporter.write_line("every response was reviewed within the last 12 months")
    for line in lines:
        terminalreporter.write_line(f"REVIEW DUE: {line}")
