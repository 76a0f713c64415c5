"""Record that a reviewer approved the exact text of a response.

    python scripts/approve.py utter_faq/cost --role "Psychiatric nurse practitioner"
    python scripts/approve.py utter_crisis utter_medical_emergency --role "Clinical director"
    python scripts/approve.py --all-pending --role "Psychiatric nurse practitioner"
    python scripts/approve.py --list

An approval records the SHA-256 fingerprint of every variant of the response (text and buttons,
web and SMS; ``assistant.content.fingerprint``), the date and the reviewer's role:

- FAQ answers (``utter_faq/<topic>``) in the ``review`` block of ``data/faq/<topic>.yml``. Only
  ``approved_sha256``, ``last_reviewed`` and ``reviewer_role`` of that answer are rewritten; every
  other line of the file, comments included, stays byte for byte as it was.
- Responses in ``domain.yml`` in ``content/approvals.yml``.

Once the text changes, the fingerprint no longer matches and the content tests fail until the
new text is approved. ``--all-pending`` approves every response whose current text has no
matching approval. ``--date`` records an earlier sign-off (never a future one). See
docs/content.md for the review workflow.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.content import DOMAIN_FILE, FAQ_DIR, fingerprint, load_answer  # noqa: E402
from tests.content.content_rules import (  # noqa: E402
    APPROVALS_FILE,
    approval_problem,
    domain_record,
    faq_record,
    load_approvals,
    rel,
)

FAQ_PREFIX = "utter_faq/"
FIELDS = ("last_reviewed", "reviewer_role", "approved_sha256")
APPROVALS_HEADER = """\
# Approval records for the responses in domain.yml (safety replies, conversation replies,
# medicine notes): the SHA-256 fingerprint of the exact text a reviewer approved (every
# variant: text and buttons, web and SMS), the date and the reviewer's role. FAQ answers keep
# theirs in the `review` block of data/faq/<topic>.yml.
#
# Written by scripts/approve.py; tests/content checks each record against domain.yml, so a
# changed response fails the tests until it is approved again. See docs/content.md.

approvals:
"""


class ApprovalError(Exception):
    """The response or the arguments cannot be approved as asked."""


# ----------------------------------------------------------------------- editing YAML by line
_KEY = re.compile(r"^(?P<indent> *)(?P<key>\"[^\"]*\"|'[^']*'|[^\s#'\"][^#]*?) *:(?=\s|$)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _key(line: str) -> Optional[str]:
    match = _KEY.match(line)
    if not match:
        return None
    key = match.group("key").strip()
    return key[1:-1] if key[:1] in "\"'" else key


def _plain_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_./-]+", key) else json.dumps(key)


def _split_value(rest: str) -> tuple:
    """A field's value and any trailing comment (``# ...``) after it."""
    if rest[:1] in ("'", '"'):
        quote, i = rest[0], 1
        while i < len(rest):
            if rest[i] == "\\" and quote == '"':
                i += 2
                continue
            if rest[i] == quote:
                if quote == "'" and rest[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                break
            i += 1
        return rest[: i + 1], rest[i + 1 :]
    match = re.search(r"[ \t]+#", rest)
    return (rest[: match.start()], rest[match.start() :]) if match else (rest, "")


def set_fields(text: str, section: str, entry: str, fields: Mapping[str, str]) -> str:
    """``text`` with ``section: entry: field: value`` set for each field, by editing lines.

    Values are YAML scalars as they should be written. Existing fields keep their place and any
    trailing comment; missing fields, the entry or the section are added. Nothing else changes.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline

    section_at = next(
        (i for i, line in enumerate(lines) if _indent(line) == 0 and _key(line) == section), None
    )
    if section_at is None:
        if lines and lines[-1].strip():
            lines.append(newline)
        lines.append(f"{section}:{newline}")
        section_at = len(lines) - 1
    section_end = next(
        (
            i
            for i in range(section_at + 1, len(lines))
            if _is_content(lines[i]) and _indent(lines[i]) == 0
        ),
        len(lines),
    )
    children = [i for i in range(section_at + 1, section_end) if _is_content(lines[i])]
    child_indent = _indent(lines[children[0]]) if children else 2
    entry_at = next(
        (i for i in children if _indent(lines[i]) == child_indent and _key(lines[i]) == entry),
        None,
    )
    if entry_at is None:
        at = (children[-1] + 1) if children else section_at + 1
        new = [f"{' ' * child_indent}{_plain_key(entry)}:{newline}"]
        new += [f"{' ' * (child_indent + 2)}{k}: {v}{newline}" for k, v in fields.items()]
        lines[at:at] = new
        return "".join(lines)

    entry_end = next(
        (
            i
            for i in range(entry_at + 1, section_end)
            if _is_content(lines[i]) and _indent(lines[i]) <= child_indent
        ),
        section_end,
    )
    body = [i for i in range(entry_at + 1, entry_end) if _is_content(lines[i])]
    field_indent = _indent(lines[body[0]]) if body else child_indent + 2
    for name, value in fields.items():
        body = [i for i in range(entry_at + 1, entry_end) if _is_content(lines[i])]
        at = next(
            (i for i in body if _indent(lines[i]) == field_indent and _key(lines[i]) == name),
            None,
        )
        if at is None:
            insert_at = (body[-1] + 1) if body else entry_at + 1
            lines.insert(insert_at, f"{' ' * field_indent}{name}: {value}{newline}")
            entry_end += 1
            continue
        line = lines[at]
        content = line.rstrip("\r\n")
        eol = line[len(content) :] or newline
        head = _KEY.match(content).end()
        rest = content[head:]
        spaces = rest[: len(rest) - len(rest.lstrip(" \t"))] or " "
        _, comment = _split_value(rest.lstrip(" \t"))
        lines[at] = f"{content[:head]}{spaces}{value}{comment}{eol}"
        # A value continued on more-indented lines is replaced whole.
        while (
            at + 1 < entry_end
            and _is_content(lines[at + 1])
            and _indent(lines[at + 1]) > field_indent
        ):
            del lines[at + 1]
            entry_end -= 1
    return "".join(lines)


def _checked_write(path: Path, old: str, new: str, section: str, entry: str, values: dict) -> None:
    """Writes ``new`` only if it parses to ``old`` with exactly the expected fields changed."""
    before = yaml.safe_load(old) if old.strip() else {}
    expected = copy.deepcopy(before or {})
    expected.setdefault(section, None)
    if expected[section] is None:
        expected[section] = {}
    expected[section].setdefault(entry, None)
    if expected[section][entry] is None:
        expected[section][entry] = {}
    expected[section][entry].update(values)
    after = yaml.safe_load(new)
    if after != expected:
        raise ApprovalError(f"{rel(path)}: could not update {entry} safely; file left unchanged")
    path.write_text(new, encoding="utf-8")


def _yaml_fields(sha256: str, day: dt.date, role: str) -> Dict[str, str]:
    return {
        "last_reviewed": day.isoformat(),
        "reviewer_role": json.dumps(role, ensure_ascii=False),
        "approved_sha256": sha256,
    }


def _parsed_fields(sha256: str, day: dt.date, role: str) -> Dict[str, Any]:
    return {"last_reviewed": day, "reviewer_role": role, "approved_sha256": sha256}


# ----------------------------------------------------------------------- approving
def approve_faq(path: Path, role: str, day: dt.date) -> str:
    """Records approval of the answer in ``path`` (data/faq/<topic>.yml); returns the sha256."""
    answer = load_answer(path)
    if not answer.variants:
        raise ApprovalError(f"{rel(path)} has no responses for {answer.response}")
    sha256 = answer.fingerprint()
    old = path.read_text(encoding="utf-8")
    new = set_fields(old, "review", answer.response, _yaml_fields(sha256, day, role))
    _checked_write(path, old, new, "review", answer.response, _parsed_fields(sha256, day, role))
    return sha256


def approve_domain(
    name: str,
    variants: Sequence[Mapping[str, Any]],
    role: str,
    day: dt.date,
    approvals_path: Path,
) -> str:
    """Records approval of the domain response ``name`` in content/approvals.yml."""
    sha256 = fingerprint(variants)
    old = approvals_path.read_text(encoding="utf-8") if approvals_path.exists() else ""
    base = old if old.strip() else APPROVALS_HEADER
    new = set_fields(base, "approvals", name, _yaml_fields(sha256, day, role))
    _checked_write(approvals_path, old, new, "approvals", name, _parsed_fields(sha256, day, role))
    return sha256


def _domain_responses(domain_path: Path) -> Dict[str, List[Dict[str, Any]]]:
    document = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    return document.get("responses") or {}


def known_responses(faq_dir: Path, domain_path: Path) -> List[str]:
    faq = [f"{FAQ_PREFIX}{path.stem}" for path in sorted(faq_dir.glob("*.yml"))]
    return faq + list(_domain_responses(domain_path))


def records(faq_dir: Path, domain_path: Path, approvals_path: Path) -> list:
    """Approval records read fresh from the given files (not the cached project content)."""
    approvals = load_approvals(approvals_path)
    found = [faq_record(load_answer(path)) for path in sorted(faq_dir.glob("*.yml"))]
    found += [
        domain_record(name, variants, approvals.get(name))
        for name, variants in _domain_responses(domain_path).items()
    ]
    return found


def approve(
    name: str, role: str, day: dt.date, faq_dir: Path, domain_path: Path, approvals_path: Path
) -> str:
    """Approves one response by name; returns its fingerprint."""
    if name.startswith(FAQ_PREFIX):
        path = faq_dir / f"{name[len(FAQ_PREFIX) :]}.yml"
        if path.exists():
            return approve_faq(path, role, day)
    else:
        responses = _domain_responses(domain_path)
        if name in responses:
            return approve_domain(name, responses[name], role, day, approvals_path)
    close = difflib.get_close_matches(name, known_responses(faq_dir, domain_path), n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ApprovalError(f"unknown response {name!r}.{hint}")


def parse_day(value: Optional[str], today: dt.date) -> dt.date:
    if value is None:
        return today
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ApprovalError(f"--date {value!r} is not a YYYY-MM-DD date") from None
    if day > today:
        raise ApprovalError(f"--date {day} is in the future (today is {today})")
    return day


def main(
    argv: Optional[Sequence[str]] = None,
    *,
    today: Optional[dt.date] = None,
    faq_dir: Path = FAQ_DIR,
    domain_path: Path = DOMAIN_FILE,
    approvals_path: Path = APPROVALS_FILE,
) -> int:
    parser = argparse.ArgumentParser(
        description="Record a reviewer's approval of the exact text of responses.",
        epilog="See docs/content.md for the review workflow.",
    )
    parser.add_argument("names", nargs="*", help="response names, e.g. utter_faq/cost utter_crisis")
    parser.add_argument(
        "--role", help='the reviewer\'s role, e.g. "Psychiatric nurse practitioner"'
    )
    parser.add_argument("--date", help="date of the review, YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--all-pending", action="store_true", help="approve every response not approved as it is"
    )
    parser.add_argument("--list", action="store_true", help="show each response's approval state")
    args = parser.parse_args(argv)
    today = today or dt.date.today()

    try:
        if args.list:
            for record in records(faq_dir, domain_path, approvals_path):
                state = "approved" if not approval_problem(record) else "NEEDS APPROVAL"
                print(
                    f"{state:15} {record.name:42} {record.last_reviewed or '-':11} "
                    f"{record.reviewer_role or '-'}"
                )
            return 0
        if bool(args.names) == args.all_pending:
            raise ApprovalError("name the responses to approve, or use --all-pending (not both)")
        role = " ".join((args.role or "").split())
        if not role:
            raise ApprovalError('--role is required, e.g. --role "Psychiatric nurse practitioner"')
        day = parse_day(args.date, today)
        names = args.names
        if args.all_pending:
            names = [
                r.name for r in records(faq_dir, domain_path, approvals_path) if approval_problem(r)
            ]
        unknown = set(names) - set(known_responses(faq_dir, domain_path))
        if unknown:  # check every name before writing anything
            approve(sorted(unknown)[0], role, day, faq_dir, domain_path, approvals_path)
        for name in names:
            sha256 = approve(name, role, day, faq_dir, domain_path, approvals_path)
            print(f"approved {name}  sha256 {sha256[:16]}…  {day}  {role}")
        if not names:
            print("nothing to approve: every response's text matches its approval")
        return 0
    except ApprovalError as error:
        print(f"approve: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
