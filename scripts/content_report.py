"""Content review report: every answer and reply on paper, for a clinician to check and sign.

    python scripts/content_report.py             # reports/content-review.html (+ .pdf)
    python scripts/content_report.py --no-pdf
    python scripts/content_report.py --today 2027-06-01   # review age as of another day

Writes one self-contained HTML file (no scripts, no outside files): every FAQ answer with all
its variants (web and SMS), its sources in plain words with links, review date, reviewer role,
approval fingerprint, reading grade and the result of each automated check, then every reply
in domain.yml (safety replies first), each with a sign-off box. A PDF is printed from the HTML
with headless Chromium when it is installed; otherwise the PDF is skipped with a message.

The numbers come from tests/content/content_rules.py, the rules `pytest tests/content` enforces.
Prints a summary: reading-grade range, approval state, old reviews, citations per source.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from assistant.content import DOMAIN_FILE, Answer, answers, domain_responses, sources  # noqa: E402
from tests.content import content_rules as rules  # noqa: E402

REPORTS_DIR = PROJECT_ROOT / "reports"
REPORT_NAME = "content-review"
SAFETY_SECTION = "safety replies"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

CSS = """
body { font-family: Georgia, 'Times New Roman', serif; color: #1b1b1b; margin: 2em auto;
       max-width: 60em; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { border-bottom: 2px solid #444; padding-bottom: .2em; margin-top: 2em; }
h3 { margin: 0 0 .3em 0; font-size: 1.2em; }
code, .mono { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: .85em; }
table { border-collapse: collapse; margin: .5em 0 1em 0; }
th, td { border: 1px solid #bbb; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.meta { color: #555; font-size: .9em; }
.card { border: 1px solid #999; border-radius: 4px; padding: .8em 1em; margin: 1.2em 0;
        break-inside: avoid; page-break-inside: avoid; }
.variant { margin: .6em 0; padding: .5em .8em; background: #fafafa; border-left: 4px solid #888; }
.variant.sms { border-left-color: #2b6cb0; }
.variant h4 { margin: 0 0 .3em 0; font-size: .95em; }
.text { margin: .2em 0 .4em 0; }
.ph { background: #fff3c4; border-radius: 3px; padding: 0 .15em; font-family: monospace;
      font-size: .9em; }
.buttons { font-size: .9em; color: #333; }
.sms-out { white-space: pre-wrap; font-family: monospace; font-size: .85em; background: #eef4fb;
           padding: .4em; border-radius: 3px; }
.ok { color: #1d6b2f; font-weight: bold; }
.bad { color: #b00020; font-weight: bold; }
.pending { background: #fff3c4; padding: .1em .3em; border-radius: 3px; }
.checks { font-size: .9em; margin: .3em 0; }
.checks li { margin: 0; }
.signoff { border: 1.5px dashed #444; padding: .6em .8em; margin-top: .8em; }
.signoff .boxes { margin: .3em 0 .6em 0; }
.signoff .line { display: inline-block; width: 45%; margin: .9em 2% 0 0; border-bottom: 1px solid
                 #444; font-size: .8em; color: #555; padding-top: 1.2em; }
.signoff .notes { border: 1px solid #bbb; height: 4em; margin-top: .8em; font-size: .8em;
                  color: #555; padding: .2em; }
.toc { columns: 2; font-size: .9em; }
@media print { body { margin: 0; max-width: none; } a { color: #1b1b1b; } }
"""


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def marked(text: str) -> str:
    """Escaped text with each {placeholder} highlighted."""
    return rules.PLACEHOLDER.sub(lambda m: f'<span class="ph">{m.group(0)}</span>', esc(text))


def anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def domain_sections() -> OrderedDict[str, List[str]]:
    """Domain responses grouped under the section comments of domain.yml, safety replies first."""
    sections: OrderedDict[str, List[str]] = OrderedDict()
    current, inside = "other replies", False
    for line in DOMAIN_FILE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^responses:\s*(#.*)?$", line):
            inside = True
            continue
        if inside and line and not line.startswith((" ", "#")):
            break
        header = re.match(r"^\s+#\s*-{5,}\s*(.+?)\s*$", line)
        if inside and header:
            current = header.group(1).strip().lower()
        key = re.match(r"^  ([^\s#:][^:]*):\s*$", line)
        if inside and key:
            sections.setdefault(current, []).append(key.group(1))
    known = {name for names in sections.values() for name in names}
    missing = [name for name in domain_responses() if name not in known]
    if missing:
        sections.setdefault("other replies", []).extend(missing)
    ordered = OrderedDict()
    if SAFETY_SECTION in sections:
        ordered[SAFETY_SECTION] = sections.pop(SAFETY_SECTION)
    ordered.update(sections)
    return ordered


def git_state() -> str:
    """Which version of the content this is (read-only git commands)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "data/faq", "domain.yml", "content"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "git not available"
    if not head:
        return "not a git checkout"
    return f"commit {head}" + (" with uncommitted content changes" if dirty else "")


# ------------------------------------------------------------------------------- checks
def variant_checks(name: str, variant: Mapping[str, Any], faq: bool) -> List[Tuple[bool, str]]:
    """(passed, description) for each rule that applies to one variant."""
    text = variant.get("text") or ""
    checks = []
    found = rules.variant_overclaims(variant)
    checks.append((not found, "no overclaims" if not found else "; ".join(map(str, found))))
    allowed = rules.allowed_placeholders(name)
    unknown = sorted(rules.placeholders(variant) - allowed)
    checks.append((not unknown, "placeholders fill from clinic settings" + _list(unknown)))
    if faq:
        problem = rules.referral_problem(text)
        checks.append((problem is None, problem or "ends by sending the person to a provider"))
        grade = rules.reading_grade(text)
        checks.append((grade <= rules.GRADE_LIMIT, f"reading grade {grade} (limit 8)"))
    if variant.get("channel") == rules.SMS_CHANNEL:
        problem = rules.sms_problem(variant, rules.clinic_values())
        if problem is None:
            count = rules.count_segments(rules.sms_bodies(variant, rules.clinic_values())[0])
            problem_or_fit = (
                f"one SMS with its menu: {count.segments} of {rules.SMS_SEGMENT_LIMIT} segments "
                f"({count.encoding}, {count.units} characters)"
            )
        else:
            problem_or_fit = problem
        checks.append((problem is None, problem_or_fit))
    return checks


def _list(items: Sequence[str]) -> str:
    return f": not filled {items}" if items else ""


# ------------------------------------------------------------------------------- HTML
def variant_html(name: str, index: int, variant: Mapping[str, Any], faq: bool) -> str:
    channel = variant.get("channel")
    kind = "SMS (channel: twilio)" if channel == rules.SMS_CHANNEL else (channel or "web and chat")
    condition = variant.get("condition")
    if condition:
        parts = [f"{c.get('name')} = {c.get('value')}" for c in condition]
        kind += f" - only when {', '.join(parts)}"
    grade = rules.reading_grade(variant.get("text") or "")
    out = [f'<div class="variant{" sms" if channel == rules.SMS_CHANNEL else ""}">']
    out.append(f"<h4>Variant {index + 1}: {esc(kind)} &middot; reading grade {grade}</h4>")
    out.append(f'<div class="text">{marked(variant.get("text") or "")}</div>')
    buttons = variant.get("buttons") or []
    if buttons:
        titles = " &middot; ".join(f"[{marked(b.get('title', ''))}]" for b in buttons)
        out.append(f'<div class="buttons">Buttons: {titles}</div>')
    if channel == rules.SMS_CHANNEL:
        bodies = "\n--- next SMS ---\n".join(rules.sms_bodies(variant, rules.clinic_values()))
        out.append(
            f'<div class="meta">As the SMS channel sends it, with clinic.yml\'s values:</div>'
            f'<div class="sms-out">{esc(bodies)}</div>'
        )
    items = "".join(
        f'<li><span class="{"ok" if ok else "bad"}">{"&#10003;" if ok else "&#10007;"}</span> '
        f"{esc(text)}</li>"
        for ok, text in variant_checks(name, variant, faq)
    )
    out.append(f'<ul class="checks">{items}</ul></div>')
    return "\n".join(out)


def approval_html(record: rules.ApprovalRecord, today: dt.date) -> str:
    problem = rules.approval_problem(record)
    state = (
        '<span class="ok">text approved as shown</span>'
        if problem is None
        else f'<span class="bad">NOT APPROVED: {esc(problem)}</span>'
    )
    role = esc(record.reviewer_role or "none recorded")
    if "pending" in record.reviewer_role.lower():
        role = f'<span class="pending">{role}</span>'
    stale = rules.stale_reviews([record], today)
    age = ' <span class="bad">review due (over 12 months)</span>' if stale else ""
    return (
        "<table>"
        f"<tr><th>Approval</th><td>{state}</td></tr>"
        f"<tr><th>Last reviewed</th><td>{esc(record.last_reviewed or 'never')}{age}</td></tr>"
        f"<tr><th>Reviewer role</th><td>{role}</td></tr>"
        f'<tr><th>Fingerprint (sha256)</th><td class="mono">{esc(record.current_sha256)}'
        f'<br><span class="meta">text now; recorded: {esc(record.approved_sha256 or "none")}'
        f" in {esc(record.location)}</span></td></tr>"
        "</table>"
    )


def signoff_html(record: rules.ApprovalRecord) -> str:
    return (
        '<div class="signoff">'
        f"<strong>Clinical sign-off: {esc(record.name)}</strong> "
        f'<span class="meta mono">(fingerprint {esc(record.current_sha256[:16])}&hellip;)</span>'
        '<div class="boxes">&#9744; Approved as written &nbsp;&nbsp; '
        "&#9744; Changes needed (write them below)</div>"
        '<span class="line">Reviewer name</span><span class="line">Role and licence</span>'
        '<span class="line">Signature</span><span class="line">Date</span>'
        '<div class="notes">Changes or notes</div></div>'
    )


def sources_html(answer: Answer) -> str:
    known = sources()
    items = []
    for source_id in answer.sources:
        source = known.get(source_id)
        if source is None:
            items.append(f'<li><span class="bad">unknown source id {esc(source_id)}</span></li>')
            continue
        link = (
            f' &mdash; <a href="{esc(source.url)}">{esc(source.url)}</a>'
            if source.url
            else " &mdash; (no link: a document of this project)"
        )
        items.append(
            f'<li>{esc(source.title)}{link} <span class="meta">[{esc(source_id)}]</span></li>'
        )
    body = "".join(items) or '<li class="bad">no sources listed</li>'
    return f"<div><strong>Sources</strong><ul>{body}</ul></div>"


def answer_html(answer: Answer, record: rules.ApprovalRecord, today: dt.date) -> str:
    variants = "\n".join(
        variant_html(answer.response, i, v, faq=True) for i, v in enumerate(answer.variants)
    )
    examples = ", ".join(f"&ldquo;{esc(e)}&rdquo;" for e in answer.examples[:4])
    return (
        f'<div class="card" id="{anchor(answer.response)}">'
        f"<h3>{esc(answer.response)}</h3>"
        f'<div class="meta">Answers questions such as {examples} '
        f"({len(answer.examples)} training examples in {esc(rules.rel(answer.path))})</div>"
        f"{variants}{sources_html(answer)}{approval_html(record, today)}{signoff_html(record)}"
        "</div>"
    )


def domain_html(name: str, record: rules.ApprovalRecord, today: dt.date) -> str:
    variants = "\n".join(
        variant_html(name, i, v, faq=False) for i, v in enumerate(domain_responses()[name])
    )
    return (
        f'<div class="card" id="{anchor(name)}"><h3>{esc(name)}</h3>{variants}'
        f"{approval_html(record, today)}{signoff_html(record)}</div>"
    )


def build_html(today: dt.date, summary: Dict[str, Any]) -> str:
    records = {r.name: r for r in rules.approval_records()}
    faq = list(answers().values())
    sections = domain_sections()
    settings = "".join(
        f"<tr><td class='mono'>{{{esc(k)}}}</td><td>{esc(v)}</td></tr>"
        for k, v in rules.clinic_values().items()
    )
    citations = "".join(
        f"<tr><td>{count}</td><td>{esc(sources()[sid].title)}</td><td class='mono'>{esc(sid)}</td>"
        "</tr>"
        for sid, count in summary["citations"]
    )
    toc = "".join(
        f'<li><a href="#{anchor(a.response)}">{esc(a.response)}</a></li>' for a in faq
    ) + "".join(
        f'<li><a href="#section-{anchor(title)}">{esc(title.capitalize())}</a></li>'
        for title in sections
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Content review: ketamine clinic assistant</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Content review: ketamine clinic assistant</h1>",
        f'<p class="meta">Generated {esc(today.isoformat())} from {esc(git_state())}. '
        f"{len(faq)} FAQ answers and {len(domain_responses())} other replies.</p>",
        "<h2>How to review</h2>",
        "<ol><li>Read every variant of each answer: the web text, the SMS text as it is sent "
        "and the buttons. Check it against its sources and the fact sheet's hedges.</li>"
        "<li>Tick a box in the sign-off panel, note any change, sign and date.</li>"
        "<li>An engineer then records the approval with "
        '<code>python scripts/approve.py &lt;response&gt; --role "&lt;your role&gt;"</code>. '
        "The fingerprint printed here must match the one recorded: if the text changed after "
        "you signed, the fingerprints differ and the tests fail until it is approved again."
        "</li></ol>",
        "<h2>Summary</h2><table>",
        f"<tr><th>Responses approved at their current text</th><td>{summary['approved']} of "
        f"{summary['records']}</td></tr>",
        f"<tr><th>Awaiting clinical sign-off</th><td>{summary['pending_clinical']} (reviewer "
        "role says clinical sign-off is pending)</td></tr>",
        f"<tr><th>Reviews older than 12 months</th><td>{summary['stale']}</td></tr>",
        f"<tr><th>Reading level ({esc(rules.MEASURE)})</th><td>answers {summary['grade_min']} "
        f"to {summary['grade_max']} (limit {rules.GRADE_LIMIT:g}); "
        f"{esc(rules.syllable_source_label())}. Placeholders are read as "
        f"&ldquo;{esc(rules.READABILITY_STAND_IN)}&rdquo;.</td></tr>",
        "</table>",
        "<h3>Clinic settings used to fill placeholders (clinic.yml)</h3>",
        f"<table><tr><th>Placeholder</th><th>Value</th></tr>{settings}</table>",
        "<h3>How many answers cite each source</h3>",
        f"<table><tr><th>Answers</th><th>Source</th><th>Id</th></tr>{citations}</table>",
        f'<h2>Contents</h2><ul class="toc">{toc}</ul>',
        "<h2>FAQ answers</h2>",
    ]
    parts += [answer_html(a, records[a.response], today) for a in faq]
    for title, names in sections.items():
        parts.append(f'<h2 id="section-{anchor(title)}">{esc(title.capitalize())}</h2>')
        if title == SAFETY_SECTION:
            parts.append(
                "<p>Plain responses driven by rules, never by custom actions, so they work when "
                "the action server is down. Check the help lines against clinic.yml above.</p>"
            )
        parts += [domain_html(n, records[n], today) for n in names if n in records]
    parts.append("</body></html>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------- summary
def summarise(today: dt.date) -> Dict[str, Any]:
    graded = [
        (rules.reading_grade(v.get("text") or ""), a.response, v.get("channel") or "web")
        for a in answers().values()
        for v in a.variants
    ]
    records = rules.approval_records()
    counts = rules.citation_counts()
    return {
        "graded": graded,
        "grade_min": min(graded)[0],
        "grade_max": max(graded)[0],
        "records": len(records),
        "approved": sum(1 for r in records if rules.approval_problem(r) is None),
        "pending_clinical": sum(1 for r in records if "pending" in r.reviewer_role.lower()),
        "stale": len(rules.stale_reviews(records, today)),
        "stale_lines": rules.stale_reviews(records, today),
        "citations": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
    }


def print_summary(summary: Dict[str, Any]) -> None:
    low, high = min(summary["graded"]), max(summary["graded"])
    print(f"Readability ({rules.MEASURE}, textstat; {rules.syllable_source_label()}):")
    print(f"  lowest  {low[0]:>4}  {low[1]} ({low[2]})")
    print(f"  highest {high[0]:>4}  {high[1]} ({high[2]})  limit {rules.GRADE_LIMIT:g}")
    print(
        f"Approvals: {summary['approved']} of {summary['records']} responses approved at their "
        f"current text; {summary['pending_clinical']} awaiting clinical sign-off"
    )
    print(f"Reviews older than 12 months: {summary['stale'] or 'none'}")
    for line in summary["stale_lines"]:
        print(f"  REVIEW DUE: {line}")
    print("Answers citing each source:")
    known = sources()
    for source_id, count in summary["citations"]:
        print(f"  {count:>3}  {source_id:20} {known[source_id].title}")


# ------------------------------------------------------------------------------- PDF
def find_chromium() -> Optional[str]:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def print_pdf(html_path: Path, pdf_path: Path) -> str:
    """Prints the HTML to PDF with headless Chromium; returns a one-line result."""
    chromium = find_chromium()
    if chromium is None:
        return "PDF skipped: Chromium is not installed (open the HTML in a browser and print it)"
    with tempfile.TemporaryDirectory(prefix="content-report-") as profile:
        command = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root otherwise
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"PDF skipped: Chromium failed ({error})"
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"PDF skipped: Chromium exited with {result.returncode} ({detail[0]})"
    return f"Wrote {rules.rel(pdf_path)} (headless Chromium)"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPORTS_DIR, help="output folder (reports/)")
    parser.add_argument("--no-pdf", action="store_true", help="write the HTML only")
    parser.add_argument("--today", help="date for the review-age check, YYYY-MM-DD")
    args = parser.parse_args(argv)
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()

    summary = summarise(today)
    args.out.mkdir(parents=True, exist_ok=True)
    html_path = args.out / f"{REPORT_NAME}.html"
    html_path.write_text(build_html(today, summary), encoding="utf-8")
    print(f"Wrote {rules.rel(html_path)}")
    if args.no_pdf:
        print("PDF skipped (--no-pdf)")
    else:
        pdf_path = args.out / f"{REPORT_NAME}.pdf"
        if pdf_path.exists():
            pdf_path.unlink()
        print(print_pdf(html_path, pdf_path))
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
