"""``assessor show`` lists the assessor's time-pinned notes, and ``show --json`` gives the
sheet to scripts: levels, rationales, citations with their targets, notes, feedback and
state, under the keys the README documents."""

from __future__ import annotations

import json

from cli_kit import Desk, Run

from assessor_app.domain import Citation, Quote, TimeRange
from assessor_app.services.notes import NotesService
from assessor_app.services.scoring import ScoringService
from assessor_app.store import last_profile, open_store

C1, C2 = "c1-wait", "c2-reflection"


def _annotate(desk: Desk) -> tuple[str, str]:
    """Two notes (one shared, tied to C1) and two citations of C1; the artifact ids."""
    clip = desk.seeded.artifact("clip.mp4").id
    reflection = desk.seeded.artifact("reflection.txt").id
    profile = last_profile()
    assert profile is not None
    with open_store(profile) as store:
        scoring = ScoringService(store)
        aid = desk.assignment
        late = scoring.add_note(aid, clip, 65_000, "six hands went up", C1)
        NotesService(store).edit(late, text=late.text, criterion_id=C1, shared=True)
        scoring.add_note(aid, clip, 45_000, "waits 4 s", None)
        scoring.add_citation(aid, C1, Citation(clip, TimeRange(44_000, 52_000)))
        scoring.add_citation(aid, C1, Citation(reflection, Quote("I waited longer")))
    return clip, reflection


def test_show_lists_the_notes_in_time_order(synced: Desk, run: Run) -> None:
    _annotate(synced)
    result = run("show", synced.assignment)
    assert result.code == 0, result.err
    out = result.out
    head = "Your notes (only those marked shared reach the educator's report):"
    assert head in out
    notes = out.split(head, 1)[1].splitlines()
    assert notes[1:3] == [
        "  00:45 clip.mp4: waits 4 s",
        "  01:05 clip.mp4: six hands went up (Wait after the question; shared with the educator)",
    ]


def test_show_json_is_the_sheet_for_scripts(synced: Desk, run: Run) -> None:
    clip, reflection = _annotate(synced)
    scored = run(
        "score",
        synced.assignment,
        "--level",
        f"{C1}=proficient",
        "--rationale",
        f"{C1}=Waits 4 s.",
        "--feedback",
        "Good pauses.",
    )
    assert scored.code == 0, scored.err

    result = run("show", synced.assignment, "--json")

    assert result.code == 0, result.err
    sheet = json.loads(result.out)
    assert sorted(sheet) == sorted(
        [
            "id", "credential_id", "credential", "educator", "attempt", "kind", "state",
            "status", "revoked", "artifacts", "criteria", "feedback", "private_note",
            "override", "override_reason", "decision", "problems", "notes",
        ]
    )  # fmt: skip
    assert sheet["id"] == synced.assignment
    assert (sheet["state"], sheet["status"], sheet["attempt"]) == ("in_progress", "In progress", 1)
    assert sheet["feedback"] == "Good pauses."
    assert [a["id"] for a in sheet["artifacts"]] == [clip, reflection]
    first, second = sheet["criteria"]
    assert first == {
        "id": C1,
        "title": "Wait after the question",
        "level": "proficient",
        "level_label": "Proficient",
        "rationale": "Waits 4 s.",
        "citations": [
            {"kind": "time", "artifact_id": clip, "start_ms": 44_000, "end_ms": 52_000},
            {"kind": "quote", "artifact_id": reflection, "text": "I waited longer", "page": None},
        ],
    }
    assert (second["id"], second["level"], second["citations"]) == (C2, None, [])
    assert sheet["decision"] is None
    assert "“Reflection on student thinking” has no level yet." in sheet["problems"]
    assert [(n["time_ms"], n["text"], n["criterion_id"], n["shared"]) for n in sheet["notes"]] == [
        (45_000, "waits 4 s", None, False),
        (65_000, "six hands went up", C1, True),
    ]
    assert all(n["artifact_id"] == clip and isinstance(n["id"], int) for n in sheet["notes"])


def test_show_names_each_citation_as_the_report_does(synced: Desk, run: Run) -> None:
    _annotate(synced)
    result = run("show", synced.assignment)
    assert result.code == 0, result.err
    # The same words as the chips and the report (domain/citations.py: describe_citation).
    assert "    Evidence: clip.mp4, 00:44-00:52\n" in result.out
    assert "    Evidence: reflection.txt: “I waited longer”\n" in result.out
