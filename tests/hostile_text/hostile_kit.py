"""A real hub whose every string is hostile: markup Qt would render (``<b>``, ``<img>``,
``<font size=99>``), a mnemonic ``&``, and terminal escape sequences (a colour, a window
retitle). ``Scene`` seeds it through the hub's own import and admin paths, signs ann in
and syncs her profile, so the app and the command line read the strings as a real hub
sends them.

What is in the hub: a credential (title, competency, criterion titles and descriptions,
level labels and descriptors), a resubmission (pseudonym, change note, earlier feedback,
artifact titles, file names and a media type, a CSV cell, a Markdown file with raw HTML)
and a decision of the support credential that a reviewer returned with a hostile comment.
"""

from __future__ import annotations

import csv
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from support.hub import CREDENTIAL_ID, PASSWORD, RunningHub

from assessor_app.services.account import ProfileSession, sign_in
from assessor_app.services.calibration import CalibrationService
from assessor_app.services.scoring import ScoringService
from assessor_app.sync.engine import SyncEngine

CREDENTIAL = "hostile-cred"
ESCAPES = ("\x1b[31m", "\x1b[0m", "\x1b]0;pwned\x07")
# No "/" anywhere, so the same template makes a valid file name.
_TEMPLATE = "<b>{w} <img src=x> <font size=99>big & \x1b[31m{w}\x1b[0m\x1b]0;pwned\x07"
_SHOWN = "<b>{w} <img src=x> <font size=99>big & {w}"


def hostile(word: str) -> str:
    """The string the hub holds for ``word``."""
    return _TEMPLATE.format(w=word)


def shown(word: str) -> str:
    """What an assessor must see of ``hostile(word)``: every character of the markup,
    none of the escape sequences."""
    return _SHOWN.format(w=word)


WORDS = {
    "title": "CredTitle",
    "criterion": "CritOne",
    "description": "CritDescr",
    "label": "LevelLow",
    "descriptor": "DescrLow",
    "pseudonym": "Pseudo",
    "change_note": "ChangeNote",
    "earlier": "EarlierFeedback",
    "artifact_title": "PlanTitle",
    "file": "PlanFile",
    "cell": "CellText",
    "comment": "ReviewerNote",
    "ann": "AnnName",
    "session": "SessionTitle",
    "key_rationale": "KeyWhy",
}

# The hub refuses control characters in a media type at import; markup still fits in a
# quoted parameter, and must be shown as typed.
MARKUP_MEDIA_TYPE = 'application/x-kind; note="<b>MediaKind <img src=x> <font size=99>big &"'


def _credential(path: Path) -> Path:
    def levels(n: int) -> list[dict[str, object]]:
        return [
            {
                "id": "low",
                "label": hostile(WORDS["label"]) if n == 1 else "Beginning",
                "points": 1,
                "descriptor": hostile(WORDS["descriptor"]) if n == 1 else "Not yet.",
                "meets": False,
            },
            {"id": "high", "label": "Proficient", "points": 3, "descriptor": "Yes.", "meets": True},
        ]

    document = {
        "id": CREDENTIAL,
        "title": hostile(WORDS["title"]),
        "competency": hostile("Competency"),
        "version": 1,
        "rubric": {
            "criteria": [
                {
                    "id": "c1",
                    "title": hostile(WORDS["criterion"]),
                    "description": hostile(WORDS["description"]),
                    "levels": levels(1),
                },
                {"id": "c2", "title": "Second criterion", "levels": levels(2)},
            ]
        },
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _submission(hub: RunningHub, *, keyed: bool = False) -> str:
    folder = hub.data_dir / "imports" / f"hostile-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    plan = hostile(WORDS["file"]) + ".txt"
    (folder / plan).write_text("Lesson plan: ask, then wait.\n", encoding="utf-8")
    with (folder / "table.csv").open("w", encoding="utf-8", newline="") as table:
        csv.writer(table).writerows([["question", "answer"], ["Why?", hostile(WORDS["cell"])]])
    (folder / "notes.md").write_text("# Notes\n\n<b>raw</b> <img src=x>\n", encoding="utf-8")
    (folder / "extra.bin").write_bytes(b"\x00\x01")
    spec = {
        "credential": CREDENTIAL,
        "attempt": 2,
        "educator_pseudonym": hostile(WORDS["pseudonym"]),
        "change_note": hostile(WORDS["change_note"]) + "\nsecond line",
        "previous_attempts": [
            {
                "attempt": 1,
                "decision": "not_yet",
                "feedback": hostile(WORDS["earlier"]),
                "criteria": {"c1": "low", "c2": "high"},
            }
        ],
        "artifacts": [
            {"file": plan, "title": hostile(WORDS["artifact_title"])},
            {"file": "table.csv", "title": "Exit tickets"},
            {"file": "notes.md", "title": "Notes"},
            {"file": "extra.bin", "title": "Extra", "media_type": MARKUP_MEDIA_TYPE},
        ],
    }
    if keyed:
        spec["calibration_key"] = {
            "decision": "not_yet",
            "criteria": {
                "c1": {"level": "low", "rationale": hostile(WORDS["key_rationale"])},
                "c2": {"level": "high"},
            },
        }
    (folder / "submission.yaml").write_text(json.dumps(spec), encoding="utf-8")
    return hub.admin.import_submission(folder)


def sync(person: ProfileSession) -> None:
    with person.client() as client:
        report = SyncEngine(
            person.store, person.vault, client, parallel_downloads=1, disk_margin=0
        ).run()
    assert not report.problems, report.problems


@dataclass
class Scene:
    hub: RunningHub
    ann: ProfileSession
    hostile_assignment: str
    returned_assignment: str

    def close(self) -> None:
        self.ann.close()


def build_scene(hub: RunningHub) -> Scene:
    """Seed the hub, sign ann in, and bring her profile to where every string shows:
    the hostile submission downloaded, the returned decision back with its comment."""
    hub.admin.import_credential(_credential(hub.data_dir / "hostile.json"))
    hub.admin.add_assessor("ann", PASSWORD, display_name=hostile(WORDS["ann"]))
    hub.admin.add_assessor("rev", PASSWORD, roles=("reviewer",))
    hub.admin.set_workflow(CREDENTIAL_ID, review_required=True)
    hostile_assignment = hub.admin.assign(_submission(hub), "ann")
    returned = hub.seed_submission("ann", {"reflection.txt": b"I waited.\n"}).assignment_id
    ann = sign_in(hub.base_url, "ann", PASSWORD)
    sync(ann)
    scoring = ScoringService(ann.store)
    scoring.set_level(returned, "c1-wait", "proficient")
    scoring.set_level(returned, "c2-reflection", "proficient")
    scoring.set_feedback(returned, "Wait after the question: well paced throughout.")
    scoring.finalize(returned, quality_override_reason="Short on purpose")
    sync(ann)
    hub.admin.review(returned, "rev", approve=False, comment=hostile(WORDS["comment"]))
    sync(ann)
    return Scene(hub, ann, hostile_assignment, returned)


def add_calibration(scene: Scene) -> tuple[str, str]:
    """A keyed calibration session with a hostile title over a hostile submission: ann
    scores it blind and uploads, which reveals the results, and fetches its key.
    Returns the session id and ann's calibration assignment."""
    hub = scene.hub
    hub.admin.add_assessor("fay", PASSWORD, roles=("facilitator",))
    keyed = _submission(hub, keyed=True)
    fay = sign_in(hub.base_url, "fay", PASSWORD)
    try:
        view = CalibrationService.for_session(fay).create_session(
            hostile(WORDS["session"]), CREDENTIAL, [keyed], ["ann"]
        )
    finally:
        fay.close()
    ann = scene.ann
    sync(ann)
    queue = ann.store.assignments.queue()
    [assignment] = [i.assignment.id for i in queue if i.assignment.submission_id == keyed]
    scoring = ScoringService(ann.store)
    scoring.set_level(assignment, "c1", "low")
    scoring.set_level(assignment, "c2", "high")
    scoring.set_feedback(assignment, "Second criterion met; the first needs a longer pause.")
    scoring.finalize(assignment, quality_override_reason="Short on purpose")
    sync(ann)
    fetched = CalibrationService.for_session(ann).fetch_keys()
    assert assignment in fetched.fetched, fetched
    return view.detail.id, assignment
