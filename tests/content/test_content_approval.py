"""Approval records: every response's exact text is approved, and old reviews are reported."""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings

import pytest

from assistant.content import answers, domain_responses
from tests.content.content_rules import (
    ApprovalRecord,
    StaleReviewWarning,
    approval_problem,
    approval_records,
    domain_record,
    faq_record,
    load_approvals,
    months_before,
    parse_date,
    record_problem,
    stale_reviews,
)

RECORDS = approval_records()


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_text_matches_its_approval(record):
    problem = approval_problem(record)
    assert problem is None, problem


@pytest.mark.parametrize("record", RECORDS, ids=[r.name for r in RECORDS])
def test_review_record_is_complete(record, content_today):
    problem = record_problem(record, content_today)
    assert problem is None, problem


def test_approvals_file_names_only_domain_responses():
    orphans = sorted(set(load_approvals()) - set(domain_responses()))
    assert not orphans, (
        f"content/approvals.yml has records for responses not in domain.yml: {orphans}. "
        "Delete those entries (a renamed response needs a new approval under its new name)."
    )


def test_old_reviews_are_reported_not_failed(content_today, stale_report):
    """Reviews older than 12 months: a warning and a line in the run's summary, never a failure."""
    lines = stale_reviews(RECORDS, content_today)
    stale_report.extend(lines)
    for line in lines:
        warnings.warn(line, StaleReviewWarning, stacklevel=1)


# ------------------------------------------------------------------ the checks themselves
def _record(**changes) -> ApprovalRecord:
    base = ApprovalRecord(
        name="utter_faq/cost",
        kind="faq",
        current_sha256="a" * 64,
        approved_sha256="a" * 64,
        last_reviewed="2026-11-26",
        reviewer_role="Psychiatric nurse practitioner",
        location="data/faq/cost.yml (review block)",
    )
    return dataclasses.replace(base, **changes)


def test_changed_answer_fails_naming_it_and_the_command():
    answer = answers()["cost"]
    approved = dataclasses.replace(answer, approved_sha256=answer.fingerprint())
    assert approval_problem(faq_record(approved)) is None

    edited = [dict(v) for v in answer.variants]
    edited[1]["text"] = edited[1]["text"].replace("a few hundred", "a few thousand")
    changed = dataclasses.replace(approved, variants=tuple(edited))
    problem = approval_problem(faq_record(changed))
    assert problem is not None
    assert "utter_faq/cost changed since it was approved" in problem
    assert 'python scripts/approve.py utter_faq/cost --role "<your role>"' in problem


def test_button_change_also_needs_approval():
    answer = answers()["cost"]
    approved = dataclasses.replace(answer, approved_sha256=answer.fingerprint())
    edited = [dict(v) for v in answer.variants]
    edited[0]["buttons"] = list(reversed(edited[0]["buttons"]))
    assert approval_problem(faq_record(dataclasses.replace(approved, variants=tuple(edited))))


def test_pending_and_missing_approvals_are_named():
    assert "has not been approved yet" in approval_problem(_record(approved_sha256="PENDING"))
    variants = domain_responses()["utter_crisis"]
    problem = approval_problem(domain_record("utter_crisis", variants, None))
    assert "utter_crisis has no approval record in content/approvals.yml" in problem
    assert "python scripts/approve.py utter_crisis" in problem


def test_domain_change_needs_approval():
    variants = [dict(v) for v in domain_responses()["utter_crisis"]]
    record = domain_record("utter_crisis", variants, {"approved_sha256": "0" * 64})
    assert "changed since it was approved" in approval_problem(record)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"last_reviewed": ""}, "is not a YYYY-MM-DD date"),
        ({"last_reviewed": "26/11/2026"}, "is not a YYYY-MM-DD date"),
        ({"last_reviewed": "2026-11-27"}, "is after today"),
        ({"reviewer_role": "  "}, "reviewer_role is empty"),
    ],
)
def test_incomplete_review_records_fail(changes, message):
    assert message in record_problem(_record(**changes), dt.date(2026, 11, 26))


# ------------------------------------------------------------------ review age, injected today
@pytest.mark.parametrize(
    "day, months, expected",
    [
        (dt.date(2026, 11, 26), 12, dt.date(2025, 11, 26)),
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 15), 1, dt.date(2025, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_review_is_stale_only_after_12_months():
    today = dt.date(2026, 11, 26)
    assert stale_reviews([_record(last_reviewed="2025-11-26")], today) == []
    lines = stale_reviews([_record(last_reviewed="2025-11-25")], today)
    assert len(lines) == 1
    assert lines[0].startswith("utter_faq/cost: last reviewed 2025-11-25 (366 days ago")
    assert "python scripts/approve.py utter_faq/cost" in lines[0]


def test_every_review_is_due_a_year_from_now():
    records = approval_records()
    dates = [parse_date(r.last_reviewed) for r in records]
    assert None not in dates, "every record needs a review date"
    latest = max(dates)
    a_year_on = latest + dt.timedelta(days=370)  # 12 months are at most 366 days
    assert len(stale_reviews(records, a_year_on)) == len(records)
    assert stale_reviews(records, latest) == []


def test_stale_reviews_warn_rather_than_fail():
    with pytest.warns(StaleReviewWarning, match="last reviewed 2020-01-01"):
        for line in stale_reviews([_record(last_reviewed="2020-01-01")], dt.date(2026, 1, 1)):
            warnings.warn(line, StaleReviewWarning, stacklevel=1)
