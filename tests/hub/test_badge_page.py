"""The public badge page ``/badges/{id}``: it shows what the credential holds and whether it
verifies now, under a strict Content-Security-Policy, and renders in a real browser engine
(headless Chromium) with no console error; hostile hub text stays text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from support.hub import HubServer

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.badges.page import STYLESHEET_VERSION
from assessor_app.hub.pathways import commands
from tests.hub.conftest import (
    CREDENTIAL_FILE,
    PASSWORD,
    World,
    make_submission_folder,
    sign_in,
)
from tests.hub.test_badge_revocation import pass_and_fetch
from tests.hub.test_pathways import COMPONENTS, Pathways, pass_it, pathway_yaml
from tests.hub.test_pathways import pathways as pathways  # the fixture, for pytest

CONSOLE_LINE = re.compile(r":CONSOLE[:(]")
HOSTILE_TITLE = '<script>alert("x")</script><img src=x onerror=alert(1)> Wait \x07time\x1b[31m'


def chromium(url: str, profile: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium (Debian's ``chromium``) on ``url``; its stderr carries every console
    message of the page as an ``INFO:CONSOLE`` line."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "chromium is missing: run scripts/install-system-packages.sh test"
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    return subprocess.run(
        [
            binary,
            "--headless",
            *sandbox,
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *options,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def console_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The page has no script, so any console message is an error (a CSP violation, a
    failed load)."""
    return [line for line in result.stderr.splitlines() if CONSOLE_LINE.search(line)]


def test_the_console_check_sees_a_csp_violation(tmp_path: Path) -> None:
    """The check the page tests rely on can fail: an inline style and script under
    ``default-src 'none'`` show up as console lines."""
    page = tmp_path / "violating.html"
    page.write_text(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src '
        "'none'\"><style>h1{color:red}</style><h1>x</h1><script>document.title='y'</script>"
    )
    result = chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")
    errors = console_errors(result)
    assert len(errors) == 2, result.stderr
    assert all("Content Security Policy" in line for line in errors)


def test_the_badge_page_shows_the_credential_and_whether_it_verifies(
    hub: HubServer, ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    served = pass_and_fetch(ann, world.ann_assignment, world.ann_artifacts[0])
    url = f"{hub.base_url}/badges/{served['id']}"
    page = httpx.get(url)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    csp = page.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'; style-src 'self';")
    assert "script-src" not in csp and "unsafe" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = page.text
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert re.findall(r'(?:href|src)="([^"]+)"', html) == [
        f"badge.css?v={STYLESHEET_VERSION}",
        hub.base_url,
        f"{served['id']}/credential.json",
        f"{served['id']}/credential.jwt",
    ]
    doc = served["credential"]
    achievement = doc["credentialSubject"]["achievement"]
    assert f"<h1>{achievement['name']}</h1>" in html
    assert "Verified just now: signature, issuer and revocation status." in html
    assert html.count("✓ passed") == 4
    assert "Wait after the question: Proficient" in html  # the criteria narrative
    assert "<td>Reflection on student thinking</td><td>Proficient</td>" in html
    assert achievement["description"] in html
    assert "Assessor hub" in html
    # Nothing the credential does not hold: no assessor, no private note, no evidence ids.
    for private in ("Ann Example", "ann", "Internal: borderline", *world.ann_artifacts):
        assert private not in html.replace("Open Badges", "")

    as_json = httpx.get(f"{url}/credential.json")
    assert as_json.headers["content-disposition"].startswith("attachment;")
    assert as_json.json() == served
    as_jwt = httpx.get(f"{url}/credential.jwt")
    assert as_jwt.headers["content-type"].startswith("application/vc+jwt")
    assert as_jwt.text == served["jwt"]
    css = httpx.get(f"{hub.base_url}/badges/badge.css")
    assert css.headers["content-type"].startswith("text/css")

    shot = tmp_path / "badge-page.png"
    result = chromium(url, tmp_path / "profile", f"--screenshot={shot}", "--window-size=900,1300")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_errors(result) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

    world.admin.add_assessor("ada", PASSWORD, roles=["admin"])
    with sign_in(hub.base_url, "ada") as ada:
        revoked = ada.post(
            f"/api/v1/credentials/{served['id']}/revocation", json={"reason": "A secret reason"}
        )
        assert revoked.status_code == 200
    after = httpx.get(url).text
    assert "Revoked: the issuer has withdrawn this credential." in after
    assert "the credential is revoked: its issuer has withdrawn it" in after
    assert "A secret reason" not in after
    assert after.count("✓ passed") == 3

    missing = httpx.get(f"{hub.base_url}/badges/no-such-badge")
    assert missing.status_code == 404
    assert missing.headers["Content-Security-Policy"] == csp
    assert "No such badge" in missing.text
    assert httpx.get(f"{hub.base_url}/badges/no-such-badge/credential.jwt").status_code == 404


@pytest.fixture
def hostile(admin: HubAdmin, tmp_path: Path) -> dict[str, Any]:
    """A credential whose title is markup with a bell and an escape sequence, passed."""
    document = yaml.safe_load(CREDENTIAL_FILE.read_text())
    hostile_file = tmp_path / "hostile.yaml"
    hostile_file.write_text(yaml.safe_dump({**document, "title": HOSTILE_TITLE}))
    admin.add_assessor("ann", PASSWORD, "Ann Example")
    admin.import_credential(hostile_file)
    submission = admin.import_submission(make_submission_folder(tmp_path / "sub", b"\x00" * 999))
    return {"assignment": admin.assign(submission, "ann"), "submission": submission}


def test_a_hostile_achievement_name_renders_as_text(
    hub: HubServer, admin: HubAdmin, hostile: dict[str, Any], tmp_path: Path
) -> None:
    with sign_in(hub.base_url, "ann") as ann:
        artifacts = ann.get(f"/api/v1/submissions/{hostile['submission']}").json()["artifacts"]
        served = pass_and_fetch(ann, hostile["assignment"], artifacts[0]["id"])
    assert served["credential"]["name"] == HOSTILE_TITLE
    url = f"{hub.base_url}/badges/{served['id']}"
    html = httpx.get(url).text
    shown = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert f"<h1>{shown} Wait time</h1>" in html
    assert "\x07" not in html and "\x1b" not in html
    result = chromium(url, tmp_path / "profile", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_errors(result) == []
    assert "<script" not in result.stdout and "<img" not in result.stdout
    # The browser's own serialization of the text it shows: markup as characters.
    as_browser_shows = shown.replace("&quot;", '"')
    assert f"<h1>{as_browser_shows} Wait time</h1>" in result.stdout


def test_a_programme_credential_has_a_badge_page_too(pathways: Pathways, hub: HubServer) -> None:
    commands.import_file(pathways.admin, pathways.write(pathway_yaml()))
    work = {c: pathways.submit(c, "E-7401", "ann") for c in COMPONENTS}
    with sign_in(hub.base_url, "ann") as ann:
        for _submission, assignment, clip in work.values():
            pass_it(ann, assignment, clip)
    [issued] = pathways.issued()
    url = f"{hub.base_url}/badges/{issued.id}"
    page = httpx.get(url)
    assert page.status_code == 200
    assert "<h1>Formative Practitioner</h1>" in page.text
    assert "Verified just now: signature, issuer and revocation status." in page.text
    assert page.text.count("✓ passed") == 4
    assert httpx.get(f"{url}/credential.json").json()["credential"]["id"] == f"urn:uuid:{issued.id}"
