"""Stackable pathways on a real hub (SQLite and PostgreSQL): importing pathway files (good,
re-imported, hostile and invalid ones), progress per educator, the programme credential
issued by the final decision that completes a pathway ("all of" and "N of"), exactly once
when two final decisions race, and the admin-only API."""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from support.hub import HubServer

from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import User
from assessor_app.hub.decisions import record_decision
from assessor_app.hub.pathways import commands
from assessor_app.hub.pathways.award import ImportOutcome
from assessor_app.hub.pathways.models import ProgrammeCredential
from assessor_app.protocol.v1 import DecisionUpload
from tests.hub.conftest import CREDENTIAL_FILE, PASSWORD, artifact_ids, sign_in
from tests.hub.test_badge_revocation import bit, list_bits
from tests.hub.test_workflow import sheet, upload

COMPONENTS = ("comp-a", "comp-b", "comp-c")


def pathway_yaml(
    components: str = "all_of: [comp-a, comp-b, comp-c]", name: str = "Formative Practitioner"
) -> str:
    return (
        "id: practitioner\n"
        f"name: {name}\n"
        "description: Uses formative assessment day to day.\n"
        "criteria: |\n  Pass the three micro-credentials.\n  Any order.\n"
        f"components: {{{components}}}\n"
    )


@dataclass
class Pathways:
    admin: HubAdmin
    root: Path
    count: int = 0

    def write(self, text: str, name: str = "pathway.yaml") -> Path:
        path = self.root / name
        path.write_text(text, encoding="utf-8")
        return path

    def submit(self, credential: str, educator: str, assessor: str) -> tuple[str, str, str]:
        """A submission of ``educator`` at ``credential`` assigned to ``assessor``:
        (submission, assignment, clip artifact)."""
        self.count += 1
        folder = self.root / f"sub-{self.count}"
        folder.mkdir()
        (folder / "clip.mp4").write_bytes(b"clip %d" % self.count * 100)
        (folder / "submission.yaml").write_text(
            f"credential: {credential}\nattempt: 1\neducator_pseudonym: {educator}\n"
            "artifacts:\n  - {file: clip.mp4, title: Lesson clip}\n"
        )
        submission = self.admin.import_submission(folder)
        assignment = self.admin.assign(submission, assessor)
        return submission, assignment, artifact_ids(self.admin, submission)[0]

    def issued(self) -> list[ProgrammeCredential]:
        with self.admin.db.read() as session:
            return list(session.scalars(select(ProgrammeCredential)))


@pytest.fixture
def pathways(admin: HubAdmin, tmp_path: Path) -> Pathways:
    text = CREDENTIAL_FILE.read_text(encoding="utf-8")
    for credential in COMPONENTS:
        path = tmp_path / f"{credential}.yaml"
        path.write_text(text.replace("id: test-wait-time", f"id: {credential}"))
        admin.import_credential(path)
    admin.add_assessor("ann", PASSWORD, "Ann Example")
    admin.add_assessor("bob", PASSWORD, "Bob Example")
    admin.add_assessor("root", PASSWORD, "Hub Admin", ["admin"])
    return Pathways(admin, tmp_path)


def cli(settings: HubSettings, *args: str) -> subprocess.CompletedProcess[str]:
    command, *rest = args
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "assessor_app.hub.cli",
            "--data-dir",
            str(settings.data_dir),
            command,
            "--db",
            settings.db_url,
            *rest,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def pass_it(client: httpx.Client, assignment: str, clip: str) -> None:
    response = upload(client, assignment, sheet(clip), f"key-{assignment}", 1)
    assert response.status_code == 200, response.text


def test_import_pathway_then_reimport_is_idempotent_and_a_change_updates(
    pathways: Pathways, settings: HubSettings
) -> None:
    path = pathways.write(pathway_yaml())
    first = cli(settings, "import-pathway", str(path))
    assert (first.returncode, first.stderr) == (0, "")
    assert first.stdout == "Pathway practitioner: imported.\n"
    again = cli(settings, "import-pathway", str(path))
    assert again.stdout == "Pathway practitioner: unchanged.\n"
    pathways.write(pathway_yaml("n_of: 2, of: [comp-a, comp-b, comp-c]", "Practitioner II"))
    changed = cli(settings, "import-pathway", str(path))
    assert changed.stdout == "Pathway practitioner: updated.\n"
    listing = cli(settings, "pathways")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.splitlines() == [
        "practitioner  Practitioner II  (2 of 3)",
        "  no educator has started it",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (pathway_yaml() + "secret_flag: true\n", "secret_flag: Extra inputs are not permitted"),
        (
            pathway_yaml("all_of: [comp-a], n_of: 1, of: [comp-b]"),
            "components: give either all_of: [credential ids] or n_of: N with of:",
        ),
        (pathway_yaml("n_of: 4, of: [comp-a, comp-b, comp-c]"), "n_of is 4 but of names only 3"),
        (pathway_yaml("n_of: 2"), "components: n_of: N and of: [credential ids] go together"),
        (pathway_yaml("all_of: [comp-a, comp-a]"), "each credential may be named once"),
        (pathway_yaml("all_of: []"), "components.all_of: List should have at least 1 item"),
        (pathway_yaml("all_of: [../etc]"), "components.all_of[0]: String should match pattern"),
        (pathway_yaml(name='"Evil\\x1b]0;pwned\\x07"'), "name: must be one line without control"),
        (pathway_yaml(name="x" * 201), "name: String should have at most 200 characters"),
        (pathway_yaml(name='"   "'), "name: must be blank"),
        (pathway_yaml("all_of: [comp-a, nowhere]"), "names credentials that are not imported: "),
        ("- just\n- a list\n", "(top level): the file must hold one pathway (a mapping)"),
        ("id: [unclosed\n", "line 2, column 1"),
    ],
)
def test_a_bad_pathway_file_is_refused_with_a_clear_message(
    pathways: Pathways, text: str, message: str
) -> None:
    path = pathways.write(text)
    with pytest.raises(HubAdminError) as caught:
        commands.import_file(pathways.admin, path)
    assert str(caught.value).startswith(f"{path}: ") or "not imported" in message
    assert message.replace("must be blank", "must not be blank") in str(caught.value)
    assert commands.progress(pathways.admin) == []


def test_the_cli_refuses_a_hostile_file_without_a_traceback(
    pathways: Pathways, settings: HubSettings
) -> None:
    path = pathways.write(pathway_yaml(name='"\\x1b[2JWiped\\u202e"') + "extra: 1\n")
    result = cli(settings, "import-pathway", str(path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("assessor-hub: error: ")
    assert "Traceback" not in result.stderr
    assert "name: must be one line without control characters" in result.stderr
    assert "extra: Extra inputs are not permitted" in result.stderr


def test_the_last_pass_issues_the_programme_credential_exactly_once(
    pathways: Pathways, hub: HubServer, settings: HubSettings
) -> None:
    commands.import_file(pathways.admin, pathways.write(pathway_yaml()))
    work = {c: pathways.submit(c, "E-7001", "ann") for c in COMPONENTS}
    pathways.submit("comp-a", "E-7002", "bob")
    with sign_in(hub.base_url, "ann") as ann:
        pass_it(ann, work["comp-a"][1], work["comp-a"][2])
        pass_it(ann, work["comp-b"][1], work["comp-b"][2])
        assert pathways.issued() == []
        shown = cli(settings, "pathways", "--educator", "E-7001").stdout.splitlines()
        assert shown[1:] == [
            "  EDUCATOR  PASSED  STATUS",
            "  E-7001    2 of 3  needs 1 more of: comp-c",
        ]
        pass_it(ann, work["comp-c"][1], work["comp-c"][2])
    [issued] = pathways.issued()
    assert (issued.pathway_id, issued.educator_pseudonym) == ("practitioner", "E-7001")
    assert issued.pathway["name"] == "Formative Practitioner"
    with pathways.admin.db.read() as session:
        from assessor_app.hub.workflow.models import IssuedCredential

        badges = {row.submission_id: row.id for row in session.scalars(select(IssuedCredential))}
    assert issued.component_credentials == [badges[work[c][0]] for c in COMPONENTS]
    listing = cli(settings, "pathways").stdout.splitlines()
    assert listing == [
        "practitioner  Formative Practitioner  (all of 3)",
        "  EDUCATOR  PASSED  STATUS",
        "  E-7001    3 of 3  issued urn:uuid:" + issued.id,
        "  E-7002    0 of 3  needs 3 more of: comp-a, comp-b, comp-c",
    ]
    # A second Pass of a component (a later attempt) does not issue it again.
    extra = pathways.submit("comp-b", "E-7001", "bob")
    with sign_in(hub.base_url, "bob") as bob:
        pass_it(bob, extra[1], extra[2])
    assert [row.id for row in pathways.issued()] == [issued.id]


def test_n_of_issues_at_the_nth_pass_and_import_catches_up_completed_educators(
    pathways: Pathways, hub: HubServer
) -> None:
    work = {c: pathways.submit(c, "E-7101", "ann") for c in COMPONENTS}
    early = {c: pathways.submit(c, "E-7102", "bob") for c in COMPONENTS[:2]}
    with sign_in(hub.base_url, "bob") as bob:
        for _submission, assignment, clip in early.values():
            pass_it(bob, assignment, clip)
    # E-7102 passed two components before the pathway existed: the import issues theirs.
    outcome = commands.import_file(
        pathways.admin, pathways.write(pathway_yaml("n_of: 2, of: [comp-a, comp-b, comp-c]"))
    )
    assert [row.educator_pseudonym for row in outcome.issued] == ["E-7102"]
    with sign_in(hub.base_url, "ann") as ann:
        pass_it(ann, work["comp-c"][1], work["comp-c"][2])
        assert {r.educator_pseudonym for r in pathways.issued()} == {"E-7102"}
        pass_it(ann, work["comp-a"][1], work["comp-a"][2])
        assert {r.educator_pseudonym for r in pathways.issued()} == {"E-7101", "E-7102"}
        pass_it(ann, work["comp-b"][1], work["comp-b"][2])
    assert sorted(r.educator_pseudonym for r in pathways.issued()) == ["E-7101", "E-7102"]
    [mine] = [r for r in pathways.issued() if r.educator_pseudonym == "E-7101"]
    assert len(mine.component_credentials) == 2  # what earned it when it was issued


def race(uploads: list[tuple[httpx.Client, str, str]]) -> list[int]:
    """Upload a Pass for each (client, assignment, clip) at the same moment; the statuses."""
    start = threading.Barrier(len(uploads))
    statuses: list[int] = []

    def decide(client: httpx.Client, assignment: str, clip: str) -> None:
        start.wait()
        statuses.append(upload(client, assignment, sheet(clip), f"key-{assignment}", 1).status_code)

    threads = [threading.Thread(target=decide, args=work) for work in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_two_final_decisions_at_once_issue_each_programme_credential_exactly_once(
    pathways: Pathways, hub: HubServer
) -> None:
    """With comp-a passed, comp-b and comp-c pass at the same moment: the "all of" pathway
    must not be missed (each decision alone sees only two passes) and the "2 of" pathway
    must not be issued twice (each decision alone completes it)."""
    commands.import_file(pathways.admin, pathways.write(pathway_yaml()))
    commands.import_file(
        pathways.admin,
        pathways.write(
            pathway_yaml("n_of: 2, of: [comp-a, comp-b, comp-c]").replace(
                "id: practitioner", "id: two-of-three"
            ),
            "two.yaml",
        ),
    )
    educators = ["E-7201", "E-7202", "E-7203"]
    with sign_in(hub.base_url, "ann") as ann, sign_in(hub.base_url, "bob") as bob:
        for educator in educators:
            first = pathways.submit("comp-a", educator, "ann")
            racing = [pathways.submit("comp-b", educator, "ann")]
            racing.append(pathways.submit("comp-c", educator, "bob"))
            pass_it(ann, first[1], first[2])
            assert race([(ann, *racing[0][1:]), (bob, *racing[1][1:])]) == [200, 200]
    issued = sorted((r.pathway_id, r.educator_pseudonym) for r in pathways.issued())
    pathway_ids = ("practitioner", "two-of-three")
    assert issued == sorted((p, educator) for p in pathway_ids for educator in educators)


def test_the_pathway_api_is_for_admins_only(pathways: Pathways, hub: HubServer) -> None:
    commands.import_file(pathways.admin, pathways.write(pathway_yaml()))
    work = pathways.submit("comp-a", "E-7301", "ann")
    pathways.submit("comp-b", "E-7302", "bob")
    with sign_in(hub.base_url, "ann") as ann:
        pass_it(ann, work[1], work[2])
        for path in ("/api/v1/pathways", "/api/v1/pathways/practitioner"):
            refused = ann.get(path)
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["detail"] == "This needs the admin role."
            assert httpx.get(f"{hub.base_url}{path}").status_code == 401
    with sign_in(hub.base_url, "root") as root:
        [summary] = root.get("/api/v1/pathways").json()["items"]
        assert summary["id"] == "practitioner"
        assert (summary["components"], summary["required"]) == (list(COMPONENTS), 3)
        assert (summary["educators"], summary["issued"]) == (2, 0)
        detail = root.get("/api/v1/pathways/practitioner").json()
        assert detail["progress"] == [
            {
                "educator_pseudonym": "E-7301",
                "passed": ["comp-a"],
                "missing": ["comp-b", "comp-c"],
                "complete": False,
                "programme_credential_id": None,
            },
            {
                "educator_pseudonym": "E-7302",
                "passed": [],
                "missing": list(COMPONENTS),
                "complete": False,
                "programme_credential_id": None,
            },
        ]
        one = root.get("/api/v1/pathways/practitioner", params={"educator": "E-7302"}).json()
        assert [p["educator_pseudonym"] for p in one["progress"]] == ["E-7302"]
        missing = root.get("/api/v1/pathways/nowhere")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "No pathway has this id."


def test_the_programme_credential_is_served_signed_and_verifies(
    pathways: Pathways, hub: HubServer, settings: HubSettings, tmp_path: Path
) -> None:
    commands.import_file(pathways.admin, pathways.write(pathway_yaml()))
    work = {c: pathways.submit(c, "E-7401", "ann") for c in COMPONENTS}
    with sign_in(hub.base_url, "ann") as ann:
        for _submission, assignment, clip in work.values():
            pass_it(ann, assignment, clip)
        badges = [ann.get(f"/api/v1/credentials/{i['id']}").json() for i in ann_items(ann)]
        assert ann.get("/api/v1/pathways/practitioner/credentials/x").status_code == 403
    [issued] = pathways.issued()
    with sign_in(hub.base_url, "root") as root:
        served = root.get(f"/api/v1/pathways/practitioner/credentials/urn:uuid:{issued.id}")
        assert served.status_code == 200, served.text
        wrong = root.get(f"/api/v1/pathways/nowhere/credentials/{issued.id}")
        assert wrong.status_code == 404
    doc = served.json()["credential"]
    assert doc["id"] == f"urn:uuid:{issued.id}"
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["name"] == "Formative Practitioner"
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "LearningProgram"
    assert achievement["id"] == f"{hub.base_url}/api/v1/pathways/practitioner/achievement"
    components = {b["credential"]["credentialSubject"]["achievement"]["id"] for b in badges}
    aligned = {a["targetCode"]: a for a in achievement["alignment"]}
    assert set(aligned) == set(COMPONENTS)
    assert {a["targetUrl"] for a in aligned.values()} == components
    assert {a["targetType"] for a in aligned.values()} == {"ceterms:Credential"}
    assert "- Wait time after questions" in achievement["criteria"]["narrative"]
    assert sorted(e["id"] for e in doc["evidence"]) == sorted(b["credential"]["id"] for b in badges)
    # The educator is named exactly as in the component badges.
    subject = {k: v for k, v in doc["credentialSubject"].items() if k != "achievement"}
    first = badges[0]["credential"]["credentialSubject"]
    assert subject == {k: v for k, v in first.items() if k not in ("achievement", "result")}
    assert httpx.get(achievement["id"]).json()["alignment"] == achievement["alignment"]

    saved = tmp_path / "programme.json"
    saved.write_text(served.text, encoding="utf-8")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(httpx.get(f"{hub.base_url}/api/v1/issuer/jwks.json").text)
    checked = cli(settings, "verify", str(saved), "--jwks", str(jwks), "--issuer", hub.base_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"VALID: {saved}")
    # It owns a bit of its own in the revocation list, and is revoked on its own.
    status = doc["credentialStatus"]
    component_bits = {b["credential"]["credentialStatus"]["statusListIndex"] for b in badges}
    assert status["statusListIndex"] not in component_bits
    done = cli(settings, "revoke-credential", f"urn:uuid:{issued.id}", "--reason", "Test.")
    assert done.returncode == 0, done.stderr
    raw, _ = list_bits(status["statusListCredential"])
    assert bit(raw, int(status["statusListIndex"]))
    assert not any(bit(raw, int(index)) for index in component_bits)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(served.text.replace("Formative Practitioner", "Master Practitioner"))
    refused = cli(settings, "verify", str(tampered), "--jwks", str(jwks), "--issuer", hub.base_url)
    assert refused.returncode == 1
    assert refused.stdout.startswith(f"INVALID: {tampered}")


def ann_items(client: httpx.Client) -> list[dict[str, str]]:
    return list(client.get("/api/v1/credentials").json()["items"])


def test_a_revoked_component_no_longer_counts_but_an_issued_programme_credential_stands(
    pathways: Pathways, hub: HubServer, settings: HubSettings
) -> None:
    """Decided: revoking a component badge removes it from progress (so it cannot earn a
    programme credential later), and does not revoke a programme credential already issued;
    an admin decides about that one on its own."""
    commands.import_file(pathways.admin, pathways.write(pathway_yaml()))
    done = {c: pathways.submit(c, "E-7501", "ann") for c in COMPONENTS}
    short = {c: pathways.submit(c, "E-7502", "bob") for c in COMPONENTS}
    with sign_in(hub.base_url, "ann") as ann, sign_in(hub.base_url, "bob") as bob:
        for _submission, assignment, clip in done.values():
            pass_it(ann, assignment, clip)
        for credential in COMPONENTS[:2]:
            pass_it(bob, short[credential][1], short[credential][2])
        badges = {i["submission_id"]: i["id"] for i in ann_items(ann) + ann_items(bob)}
        for educator_work in (done, short):
            revoked = cli(
                settings,
                "revoke-credential",
                badges[educator_work["comp-a"][0]],
                "--reason",
                "Evidence was not the educator's own.",
            )
            assert revoked.returncode == 0, revoked.stderr
        shown = cli(settings, "pathways").stdout.splitlines()
        assert shown[2:] == [
            "  E-7501    2 of 3  issued urn:uuid:" + pathways.issued()[0].id,
            "  E-7502    1 of 3  needs 2 more of: comp-a, comp-c",
        ]
        pass_it(bob, short["comp-c"][1], short["comp-c"][2])
        assert [r.educator_pseudonym for r in pathways.issued()] == ["E-7501"]
        # A new Pass of the revoked component counts: that final decision issues it.
        again = pathways.submit("comp-a", "E-7502", "ann")
        pass_it(ann, again[1], again[2])
    assert sorted(r.educator_pseudonym for r in pathways.issued()) == ["E-7501", "E-7502"]


def test_an_import_waits_for_a_decision_in_flight_and_sees_its_badge(
    pathways: Pathways, hub: HubServer
) -> None:
    """A pathway imported while the final Pass of its last component is being recorded:
    the import waits for that decision to commit, then issues the programme credential
    (without the wait, neither transaction would see the other's row)."""
    work = {c: pathways.submit(c, "E-7601", "ann") for c in COMPONENTS}
    with sign_in(hub.base_url, "ann") as ann:
        for credential in COMPONENTS[:2]:
            pass_it(ann, work[credential][1], work[credential][2])
    recorded, release = threading.Event(), threading.Event()

    def decide() -> None:
        with pathways.admin.db.write() as session:
            record_decision(
                session, work["comp-c"][1], ann_id(pathways.admin), upload_of("comp-c"), "k", None
            )
            recorded.set()
            release.wait(10)

    def upload_of(credential: str) -> DecisionUpload:
        return DecisionUpload.model_validate(sheet(work[credential][2]))

    path = pathways.write(pathway_yaml())
    outcome: list[object] = []
    decider = threading.Thread(target=decide)
    importer = threading.Thread(
        target=lambda: outcome.append(commands.import_file(pathways.admin, path))
    )
    decider.start()
    assert recorded.wait(10)
    importer.start()
    importer.join(0.5)
    waited = importer.is_alive()
    release.set()
    assert waited, "the import did not wait for the decision in flight"
    decider.join(10)
    importer.join(10)
    [done] = outcome
    assert isinstance(done, ImportOutcome)
    assert [row.educator_pseudonym for row in done.issued] == ["E-7601"]
    assert [row.educator_pseudonym for row in pathways.issued()] == ["E-7601"]


def ann_id(admin: HubAdmin) -> int:
    with admin.db.read() as session:
        return int(session.scalar(select(User.id).where(User.username == "ann")) or 0)


def test_pathways_prints_hub_texts_without_terminal_codes(
    pathways: Pathways, hub: HubServer, settings: HubSettings
) -> None:
    commands.import_file(pathways.admin, pathways.write(pathway_yaml(name="<b>Bold</b> & co")))
    hostile = '"E-\\x1b]0;pwned\\x07<i>9</i>\\x1b[2J\\u202e"'
    work = pathways.submit("comp-a", hostile, "ann")
    with sign_in(hub.base_url, "ann") as ann:
        pass_it(ann, work[1], work[2])
    shown = cli(settings, "pathways")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "practitioner  <b>Bold</b> & co  (all of 3)",
        "  EDUCATOR    PASSED  STATUS",
        "  E-<i>9</i>  1 of 3  needs 2 more of: comp-b, comp-c",
    ]
    assert not [ch for ch in shown.stdout if ord(ch) < 0x20 and ch != "\n"]
    assert "\u202e" not in shown.stdout and "pwned" not in shown.stdout
