"""How the hub's workflow statuses show after a sync against a real hub: a decision waiting
for review, a submission returned as incomplete (final), and a decision returned for
revision, in the GUI's queue rows and in ``assessor queue`` / ``assessor show``."""

from __future__ import annotations

import io
import json

import pytest
from review_kit import REFLECTION, Desk

from assessor_app.cli.main import main
from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import LocalState, ReviewState
from assessor_app.domain.queue_state import QueueState
from assessor_app.services.queue import queue_rows
from assessor_app.services.scoring import ScoringService
from assessor_app.ui.qt import Qt
from assessor_app.ui.queue.model import Column, QueueModel

COMMENT = "Quote the reflection where the educator names the pause length."
FEEDBACK = (
    "Wait after the question: well paced. Reflection on student thinking: you connect "
    "answers to the next question."
)


def _pass(scoring: ScoringService, assignment_id: str) -> None:
    scoring.set_level(assignment_id, "c1-wait", "proficient")
    scoring.set_level(assignment_id, "c2-reflection", "proficient")
    scoring.set_feedback(assignment_id, FEEDBACK)
    scoring.finalize(assignment_id, quality_override_reason="Short on purpose")


def _incomplete(scoring: ScoringService, assignment_id: str) -> None:
    scoring.set_override(
        assignment_id, Decision.RETURN_INCOMPLETE, "The classroom clip is missing."
    )
    scoring.set_feedback(assignment_id, "Please add the classroom clip: only the reflection came.")
    scoring.finalize(assignment_id)


def _cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str) -> str:
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_pending_review_returned_incomplete_and_returned_for_revision(
    desk: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = desk.session.store
    scoring = ScoringService(store)
    incomplete = desk.hub.seed_submission("ann", {"reflection.txt": REFLECTION}).assignment_id
    revise = desk.hub.seed_submission("ann", {"reflection.txt": REFLECTION}).assignment_id
    waiting = desk.assignment_id
    desk.sync()
    _pass(scoring, waiting)
    _incomplete(scoring, incomplete)
    _pass(scoring, revise)
    assert desk.sync().uploaded == 3
    # The reviewer returns ``revise``; ``waiting`` stays pending.
    returned = desk.hub.admin.review(revise, "rev", approve=False, comment=COMMENT)
    assert returned.assignment_status == "returned_for_revision"
    desk.sync()

    items = {item.assignment.id: item for item in store.assignments.queue()}
    assert items[waiting].review is ReviewState.AWAITING_REVIEW
    assert items[waiting].review_comment is None
    assert items[incomplete].review is ReviewState.RETURNED_INCOMPLETE
    assert items[incomplete].local_state is LocalState.UPLOADED
    assert items[revise].review is ReviewState.RETURNED_FOR_REVISION

    model = QueueModel()
    model.set_rows(queue_rows(store))

    def status(aid: str) -> tuple[QueueState, str, str]:
        at = model.position_of(aid)
        assert at is not None
        index = model.index(at, Column.STATUS)
        return model.row_at(at).state, index.data(), index.data(Qt.ItemDataRole.ToolTipRole)

    assert status(waiting) == (
        ReviewState.AWAITING_REVIEW,
        "◷ Uploaded · awaiting review",
        "Uploaded · awaiting review",
    )
    assert status(incomplete) == (
        ReviewState.RETURNED_INCOMPLETE,
        "↩ Returned as incomplete",
        "Returned as incomplete",
    )
    assert status(revise) == (
        ReviewState.RETURNED_FOR_REVISION,
        "↺ Returned by reviewer",
        f"Returned by reviewer\nReviewer’s comment: {COMMENT}",
    )

    listed = {i["id"]: i for i in json.loads(_cli(capsys, monkeypatch, "queue", "--json"))}
    assert (listed[waiting]["status"], listed[waiting]["review"]) == (
        "Uploaded · awaiting review",
        "awaiting_review",
    )
    assert listed[incomplete]["status"] == "Returned as incomplete"
    assert listed[revise]["status"] == "Returned by reviewer"
    assert listed[revise]["review"] == "returned_for_revision"
    assert listed[revise]["review_comment"] == COMMENT
    assert listed[incomplete]["review"] == "returned_incomplete"
    assert "review_comment" not in listed[incomplete]

    table = _cli(capsys, monkeypatch, "queue")
    assert f"Reviewer’s comment on {revise}: {COMMENT}" in table
    [revise_line] = [line for line in table.splitlines() if line.startswith(revise)]
    assert "Returned by reviewer" in revise_line

    shown = _cli(capsys, monkeypatch, "show", revise)
    assert "Status: Returned by reviewer · " in shown
    assert f"Reviewer’s comment: {COMMENT}" in shown
    assert "Earlier decision: Pass, finalized " in shown
    assert "Uploaded, then returned by the reviewer" in shown

    shown = _cli(capsys, monkeypatch, "show", waiting)
    assert "Status: Uploaded · awaiting review · " in shown
    assert "Reviewer’s comment" not in shown
    assert "Recorded decision: Pass, finalized " in shown
