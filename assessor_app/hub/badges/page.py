"""The public badge page: one issued credential as HTML, built from the signed credential
alone, with what verifying it just now found.

Every text on the page comes from the credential, so from hub data: each is stripped of
control characters and HTML-escaped, never trusted as markup. The page has no script and
loads nothing but the hub's own stylesheet (``STYLESHEET``), which the served
Content-Security-Policy (``CONTENT_SECURITY_POLICY``) enforces.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

from assessor_app.domain.text import printable
from assessor_app.hub.badges.credential import parse_datetime

STYLESHEET_NAME = "badge.css"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
STYLESHEET = """\
:root { color-scheme: light; --ink: #1d2433; --muted: #5a6478; --line: #d8dde6;
  --ok: #1d6b3a; --ok-bg: #e6f4ea; --bad: #9b1c1c; --bad-bg: #fdecec; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: #f4f6f9; }
main { max-width: 46rem; margin: 2rem auto; padding: 2rem; background: #fff;
  border: 1px solid var(--line); border-radius: 8px; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
.kind { color: var(--muted); margin: 0; text-transform: uppercase; letter-spacing: .06em;
  font-size: .8rem; }
.verdict { margin: 1.25rem 0; padding: .9rem 1.1rem; border-radius: 6px; }
.verdict.ok { background: var(--ok-bg); color: var(--ok); }
.verdict.bad { background: var(--bad-bg); color: var(--bad); }
.verdict p { margin: 0; font-weight: 600; }
.verdict ul { margin: .5rem 0 0; padding-left: 1.2rem; font-weight: 400; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.narrative { white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; }
.checks td:first-child { width: 9rem; }
.pass { color: var(--ok); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.downloads a { margin-right: 1.25rem; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
"""
STYLESHEET_VERSION = hashlib.sha256(STYLESHEET.encode()).hexdigest()[:12]


def badge_page_url(issuer_url: str, credential_id: str) -> str:
    """Where the public page of the issued credential ``credential_id`` (its uuid) is."""
    return f"{issuer_url.rstrip('/')}/badges/{credential_id}"


@dataclass(frozen=True)
class Check:
    """One line of "verifies right now": what was checked, and what was wrong (if anything)."""

    label: str
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def _text(value: Any, *, multiline: bool = False) -> str:
    """A credential value as safe HTML text: no control characters, no markup."""
    return escape(printable(value if isinstance(value, str) else "", multiline=multiline))


def _date(value: Any) -> str:
    moment = parse_datetime(value)
    return f"{moment:%d %B %Y}" if moment is not None else _text(value)


def _results(subject: dict[str, Any], achievement: dict[str, Any]) -> str:
    names = {
        d.get("id"): d.get("name")
        for d in achievement.get("resultDescription", [])
        if isinstance(d, dict)
    }
    rows = [
        f"<tr><td>{_text(names.get(r.get('resultDescription')))}</td>"
        f"<td>{_text(r.get('value'))}</td></tr>"
        for r in subject.get("result", [])
        if isinstance(r, dict)
    ]
    if not rows:
        return ""
    return (
        "<h2>Result per rubric criterion</h2><table><thead><tr><th>Criterion</th>"
        f"<th>Level achieved</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _checks(checks: list[Check], revoked: bool) -> str:
    failed = [c for c in checks if not c.passed]
    if revoked:
        headline, tone = "Revoked: the issuer has withdrawn this credential.", "bad"
    elif failed:
        headline, tone = "This credential does not verify.", "bad"
    else:
        headline, tone = "Verified just now: signature, issuer and revocation status.", "ok"
    rows = "".join(
        f"<tr><td>{escape(c.label)}</td>"
        + (
            '<td class="pass">✓ passed</td>'
            if c.passed
            else f'<td class="fail">✗ {"; ".join(_text(p) for p in c.problems)}</td>'
        )
        + "</tr>"
        for c in checks
    )
    return (
        f'<section class="verdict {tone}"><p>{headline}</p></section>'
        f'<table class="checks"><tbody>{rows}</tbody></table>'
    )


def _issuer_link(issuer: dict[str, Any]) -> str:
    name = _text(issuer.get("name"))
    url = issuer.get("url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{name}</a>'
    return name


def render_badge_page(
    credential: dict[str, Any], checks: list[Check], revoked: bool, downloads: dict[str, str]
) -> str:
    """The page's HTML. ``downloads`` maps link texts to hub-relative URLs."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer = credential.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {}
    criteria = achievement.get("criteria")
    narrative = criteria.get("narrative") if isinstance(criteria, dict) else None
    links = "".join(
        f'<a href="{escape(quote(url, safe="/._-"), quote=True)}" download>{escape(label)}</a>'
        for label, url in downloads.items()
    )
    name = _text(achievement.get("name") or credential.get("name"))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{name}</title>
<link rel="stylesheet" href="{STYLESHEET_NAME}?v={STYLESHEET_VERSION}">
</head>
<body>
<main>
<p class="kind">Open Badges 3.0 credential</p>
<h1>{name}</h1>
{_checks(checks, revoked)}
<h2>Achievement</h2>
<dl>
<dt>Competency</dt><dd>{_text(achievement.get("description"))}</dd>
<dt>Issuer</dt><dd>{_issuer_link(issuer)}</dd>
<dt>Issued</dt><dd>{_date(credential.get("validFrom"))}</dd>
</dl>
<h2>Criteria</h2>
<p class="narrative">{_text(narrative, multiline=True)}</p>
{_results(subject, achievement)}
<h2>Download</h2>
<p class="downloads">{links}</p>
<footer>Credential {_text(credential.get("id"))}</footer>
</main>
</body>
</html>
"""
