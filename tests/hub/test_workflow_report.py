"""``GET /submissions/{id}/report.pdf``: the educator feedback report of a final decision,
for the deciding assessor or an admin; the text (by ``pdftotext``) shows the criteria,
levels, feedback and citations, never the private note, and the assessor's name only when
the credential allows it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
from support.hub import HubServer

from tests.hub.conftest import PASSWORD, World, sign_in
from tests.hub.test_workflow import sheet, upload


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(done.stdout.split())


def test_the_deciding_assessor_and_an_admin_get_the_report(
    hub: HubServer, ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    url = f"/api/v1/submissions/{world.ann_submission}/report.pdf"
    assert ann.get(url).status_code == 404  # not decided yet
    body = sheet(world.ann_artifacts[0], "not_yet", private_note="SECRET-NOTE-4711")
    assert upload(ann, world.ann_assignment, body, "k-1", 1).status_code == 200

    response = ann.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    for expected in (
        "Wait time after questions",
        "Wait after the question",
        "Reflection on student thinking",
        "Developing",
        "Not Yet",
        "link the pauses to the answers you got",
        "Waited after open questions in the first half only.",
        "Lesson clip",
        "00:12",
    ):
        assert expected in text, expected
    assert "SECRET-NOTE-4711" not in text
    assert "Ann Example" not in text

    world.admin.set_workflow("test-wait-time", show_assessor_name=True)
    assert "Ann Example" in pdf_text(ann.get(url).content, tmp_path)

    with sign_in(hub.base_url, "bob") as bob:
        theirs = bob.get(url)
        missing = bob.get("/api/v1/submissions/sub-nope/report.pdf")
        assert theirs.status_code == missing.status_code == 404
    world.admin.add_assessor("ada", PASSWORD, "Ada Admin", roles=["admin"])
    with sign_in(hub.base_url, "ada") as ada:
        as_admin = ada.get(url)
        assert as_admin.status_code == 200
        assert "SECRET-NOTE-4711" not in pdf_text(as_admin.content, tmp_path)


def test_a_decision_under_review_has_no_report_yet(
    ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    world.admin.set_workflow("test-wait-time", review_required=True)
    world.admin.add_assessor("rita", PASSWORD, roles=["reviewer"])
    assert upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "k", 1).is_success
    url = f"/api/v1/submissions/{world.ann_submission}/report.pdf"
    waiting = ann.get(url)
    assert waiting.status_code == 409
    assert "waiting for review" in waiting.json()["detail"]
    world.admin.review(world.ann_assignment, "rita", approve=True)
    text = pdf_text(ann.get(url).content, tmp_path)
    assert "Pass" in text
    assert "Strong use of wait time." in text


def test_the_report_of_a_pass_links_to_its_badge_page(
    hub: HubServer, ann: httpx.Client, world: World, tmp_path: Path
) -> None:
    """The report of a Pass names the public badge page (and the PDF's link goes there);
    a Not Yet has no badge, so no link."""
    assert upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "k-1", 1).is_success
    [issued] = ann.get("/api/v1/credentials").json()["items"]
    page = f"{hub.base_url}/badges/{issued['id']}"
    report = ann.get(f"/api/v1/submissions/{world.ann_submission}/report.pdf")
    text = pdf_text(report.content, tmp_path)
    assert "Badge" in text
    # A long address may wrap in its column: compare without the line break's space.
    assert page in text.replace(" ", ""), text
    assert f"/URI ({page})".encode() in report.content
    assert httpx.get(page).status_code == 200
    with sign_in(hub.base_url, "bob") as bob:
        body = sheet(world.bob_artifacts[0], "not_yet")
        assert upload(bob, world.bob_assignment, body, "k-2", 1).is_success
        not_yet = bob.get(f"/api/v1/submissions/{world.bob_submission}/report.pdf")
        assert "/badges/" not in pdf_text(not_yet.content, tmp_path)
