"""scripts/approve.py records approvals without touching anything else in the files."""

from __future__ import annotations

import datetime as dt
import shutil

import yaml

from assistant.content import FAQ_DIR, load_answer
from tests.content.content_rules import (
    approval_problem,
    domain_record,
    faq_record,
    load_approvals,
)

ROLE = "Psychiatric nurse practitioner"
DAY = dt.date(2026, 11, 26)

REVIEW_TEXT = """\
# A topic file: the comments must survive.
version: "3.1"

responses:
  utter_faq/cost:
  - text: Some text.  # a comment on the text

# Review record, read by the content checks (Rasa ignores this key).
review:
  utter_faq/cost:
    sources: [cost-sources]   # keep this comment
    last_reviewed: 2025-01-02
    reviewer_role: "Someone else"
    approved_sha256: PENDING  # until a clinician signs
  utter_faq/other:
    approved_sha256: PENDING
# trailing comment
"""


def _changed_lines(before: str, after: str):
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    return [(o, n) for o, n in zip(old, new, strict=True) if o != n]


def test_set_fields_edits_only_the_three_fields(approve_script):
    fields = {
        "last_reviewed": "2026-11-26",
        "reviewer_role": f'"{ROLE}"',
        "approved_sha256": "ab12",
    }
    after = approve_script.set_fields(REVIEW_TEXT, "review", "utter_faq/cost", fields)
    assert _changed_lines(REVIEW_TEXT, after) == [
        ("    last_reviewed: 2025-01-02", "    last_reviewed: 2026-11-26"),
        ('    reviewer_role: "Someone else"', f'    reviewer_role: "{ROLE}"'),
        (
            "    approved_sha256: PENDING  # until a clinician signs",
            "    approved_sha256: ab12  # until a clinician signs",
        ),
    ]
    assert yaml.safe_load(after)["review"]["utter_faq/other"] == {"approved_sha256": "PENDING"}


def test_set_fields_adds_missing_fields_entries_and_sections(approve_script):
    fields = {"last_reviewed": "2026-11-26", "reviewer_role": '"R"', "approved_sha256": "ab12"}
    after = approve_script.set_fields(REVIEW_TEXT, "review", "utter_faq/other", fields)
    entry = yaml.safe_load(after)["review"]["utter_faq/other"]
    assert entry == {"approved_sha256": "ab12", "last_reviewed": DAY, "reviewer_role": "R"}
    assert after.endswith("# trailing comment\n")

    after = approve_script.set_fields(REVIEW_TEXT, "review", "utter_faq/new", fields)
    assert yaml.safe_load(after)["review"]["utter_faq/new"]["approved_sha256"] == "ab12"
    assert after.index("utter_faq/new") < after.index("# trailing comment")

    after = approve_script.set_fields("version: 1\n", "approvals", "utter_greet", fields)
    assert yaml.safe_load(after) == {
        "version": 1,
        "approvals": {
            "utter_greet": {"last_reviewed": DAY, "reviewer_role": "R", "approved_sha256": "ab12"}
        },
    }


def test_set_fields_replaces_a_value_continued_on_more_lines(approve_script):
    text = 'review:\n  x:\n    reviewer_role: "a long\n      role"\n    approved_sha256: PENDING\n'
    after = approve_script.set_fields(text, "review", "x", {"reviewer_role": '"R"'})
    assert yaml.safe_load(after) == {
        "review": {"x": {"reviewer_role": "R", "approved_sha256": "PENDING"}}
    }


def test_approving_an_edited_answer(approve_script, tmp_path):
    path = tmp_path / "cost.yml"
    original = (FAQ_DIR / "cost.yml").read_text(encoding="utf-8")
    edited = original.replace("a few hundred dollars", "a few hundred US dollars", 1)
    path.write_text(edited, encoding="utf-8")
    assert approval_problem(_faq_record(path)) is not None

    sha256 = approve_script.approve_faq(path, ROLE, DAY)

    answer = load_answer(path)
    assert answer.approved_sha256 == sha256 == answer.fingerprint()
    assert (answer.last_reviewed, answer.reviewer_role) == ("2026-11-26", ROLE)
    assert approval_problem(_faq_record(path)) is None
    after = path.read_text(encoding="utf-8")
    review_at = edited.index("\nreview:")
    assert after[:review_at] == edited[:review_at]  # nlu and responses untouched, byte for byte
    changed = [n.split(":")[0] for _, n in _changed_lines(edited, after)]
    assert set(changed) <= {"    last_reviewed", "    reviewer_role", "    approved_sha256"}
    assert f"    approved_sha256: {sha256}\n" in after


def _faq_record(path):
    return faq_record(load_answer(path))


def test_approving_domain_responses(approve_script, tmp_path):
    approvals = tmp_path / "approvals.yml"
    variants = [{"text": "Hello from {clinic_name}."}]
    sha256 = approve_script.approve_domain("utter_hello", variants, ROLE, DAY, approvals)
    assert approvals.read_text(encoding="utf-8").startswith("# Approval records")
    approve_script.approve_domain("utter_bye", [{"text": "Bye."}], "Clinical lead", DAY, approvals)
    records = load_approvals(approvals)
    assert list(records) == ["utter_hello", "utter_bye"]
    assert approval_problem(domain_record("utter_hello", variants, records["utter_hello"])) is None
    assert records["utter_hello"]["approved_sha256"] == sha256

    changed = [{"text": "Hello again from {clinic_name}."}]
    assert approval_problem(domain_record("utter_hello", changed, records["utter_hello"]))
    approve_script.approve_domain("utter_hello", changed, ROLE, DAY, approvals)
    records = load_approvals(approvals)
    assert list(records) == ["utter_hello", "utter_bye"]
    assert approval_problem(domain_record("utter_hello", changed, records["utter_hello"])) is None


def _copies(tmp_path):
    faq_dir = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, faq_dir)
    return {
        "faq_dir": faq_dir,
        "approvals_path": tmp_path / "approvals.yml",
        "today": DAY,
    }


def test_cli_all_pending_then_nothing_left(approve_script, tmp_path, capsys):
    paths = _copies(tmp_path)
    assert approve_script.main(["--all-pending", "--role", ROLE], **paths) == 0
    assert "approved utter_crisis" in capsys.readouterr().out
    records = approve_script.records(
        paths["faq_dir"], approve_script.DOMAIN_FILE, paths["approvals_path"]
    )
    assert [r.name for r in records if approval_problem(r)] == []
    assert approve_script.main(["--all-pending", "--role", ROLE], **paths) == 0
    assert "nothing to approve" in capsys.readouterr().out


def test_cli_refuses_bad_requests_and_writes_nothing(approve_script, tmp_path, capsys):
    paths = _copies(tmp_path)
    before = {p.name: p.read_bytes() for p in paths["faq_dir"].iterdir()}
    cases = [
        (["utter_faq/cots", "--role", ROLE], "Did you mean: utter_faq/cost"),
        (["utter_faq/cost", "utter_nope", "--role", ROLE], "unknown response 'utter_nope'"),
        (["utter_faq/cost"], "--role is required"),
        (["utter_faq/cost", "--role", ROLE, "--date", "2026-11-27"], "is in the future"),
        (["utter_faq/cost", "--role", ROLE, "--date", "soon"], "is not a YYYY-MM-DD date"),
        (["--role", ROLE], "name the responses to approve"),
    ]
    for argv, message in cases:
        assert approve_script.main(argv, **paths) == 2, argv
        assert message in capsys.readouterr().err, argv
    assert {p.name: p.read_bytes() for p in paths["faq_dir"].iterdir()} == before
    assert not paths["approvals_path"].exists()


def test_cli_records_an_earlier_date(approve_script, tmp_path):
    paths = _copies(tmp_path)
    argv = ["utter_faq/cost", "--role", ROLE, "--date", "2026-10-01"]
    assert approve_script.main(argv, **paths) == 0
    answer = load_answer(paths["faq_dir"] / "cost.yml")
    assert (answer.last_reviewed, answer.reviewer_role) == ("2026-10-01", ROLE)
