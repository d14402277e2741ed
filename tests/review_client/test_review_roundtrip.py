"""A decision returned by the hub's reviewer, end to end against a real hub: upload ->
awaiting review -> returned with a comment -> sync -> editable with the comment shown (store,
queue and workspace) -> a level changed in the workspace -> finalize -> sync -> the hub holds
the revised decision under a new key -> approve -> decided."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from review_kit import REVIEWER, Desk
from sqlalchemy import select

from assessor_app.domain import Decision
from assessor_app.domain.assignment_state import LocalState, OutboxState, ReviewState
from assessor_app.hub.db import DecisionRow
from assessor_app.services.queue import queue_rows
from assessor_app.services.scoring import ScoringService
from assessor_app.store import AuditAction
from assessor_app.ui.background import Executors
from assessor_app.ui.qt import QSettings, Qt
from assessor_app.ui.queue.model import Column, QueueModel
from assessor_app.ui.workspace.workspace import Workspace

COMMENT = "The clip shows four-second pauses after every question: look again at criterion 1."
FEEDBACK = (
    "Wait after the question: you often took the first hand. Reflection on student "
    "thinking: you linked answers to the next question well."
)


@pytest.fixture
def executors() -> Iterator[Executors]:
    executors = Executors(net_threads=1)
    yield executors
    executors.wait()


def _score_not_yet(scoring: ScoringService, assignment_id: str) -> None:
    scoring.set_level(assignment_id, "c1-wait", "beginning")
    scoring.set_level(assignment_id, "c2-reflection", "proficient")
    scoring.set_feedback(assignment_id, FEEDBACK)


def _hub_decision(desk: Desk) -> list[tuple[str, str, dict[str, Any]]]:
    with desk.hub.admin.db.read() as session:
        rows = session.scalars(
            select(DecisionRow).where(DecisionRow.assignment_id == desk.assignment_id)
        ).all()
        return [(r.idempotency_key, r.decision, r.body) for r in rows]


def _queue_row(desk: Desk) -> tuple[QueueModel, int]:
    model = QueueModel()
    model.set_rows(queue_rows(desk.session.store))
    position = model.position_of(desk.assignment_id)
    assert position is not None
    return model, position


def test_returned_decision_is_revised_and_uploaded_under_a_new_key(
    desk: Desk, qtbot: QtBot, executors: Executors, tmp_path: Path
) -> None:
    store, aid = desk.session.store, desk.assignment_id
    scoring = ScoringService(store)
    desk.sync()
    assert store.assignments.local_state(aid) is LocalState.READY

    _score_not_yet(scoring, aid)
    scoring.finalize(aid, quality_override_reason="Short on purpose")
    report = desk.sync()
    assert report.uploaded == 1
    [first] = store.outbox.entries(aid)
    assert first.state is OutboxState.UPLOADED and first.if_match_version == 1
    assert [key for key, _d, _b in _hub_decision(desk)] == [first.idempotency_key]
    # The status is refreshed in the same sync: the decision waits for the reviewer.
    assert desk.hub_status() == ("pending_review", 2)
    assert store.assignments.get(aid).status == "pending_review"  # type: ignore[union-attr]
    model, at = _queue_row(desk)
    assert model.row_at(at).state is ReviewState.AWAITING_REVIEW
    assert model.index(at, Column.STATUS).data() == "◷ Uploaded · awaiting review"

    returned = desk.return_over_http(COMMENT)
    assert returned.status_code == 200, returned.text
    assert desk.hub_status() == ("returned_for_revision", 3)
    assert _hub_decision(desk) == []  # the hub archived the returned decision

    desk.sync()
    # Store: editable again, with the comment, the new version and an audit entry.
    assert store.assignments.local_state(aid) is LocalState.IN_PROGRESS
    assignment = store.assignments.get(aid)
    assert assignment is not None
    assert (assignment.status, assignment.version) == ("returned_for_revision", 3)
    assert assignment.review_comment == COMMENT
    [audit] = [e for e in store.audit.entries(aid) if e.action is AuditAction.RETURNED_FOR_REVISION]
    assert audit.detail == {"comment": COMMENT, "version": 3, "outbox_id": first.id}
    # The earlier decision stays in the history, its upload still marked uploaded.
    assert [e.state for e in store.outbox.entries(aid)] == [OutboxState.UPLOADED]
    earlier = store.decisions.latest(aid)
    assert earlier is not None and earlier.decision is Decision.NOT_YET
    # Queue: the state and, in the status tooltip, the reviewer's comment.
    model, at = _queue_row(desk)
    assert model.row_at(at).state is ReviewState.RETURNED_FOR_REVISION
    assert model.index(at, Column.STATUS).data() == "↺ Returned by reviewer"
    tooltip = model.index(at, Column.STATUS).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == f"Returned by reviewer\nReviewer’s comment: {COMMENT}"

    # Workspace: the banner above the rubric, the status line, and an editable rubric.
    opened = scoring.open(aid)
    assert opened.review is ReviewState.RETURNED_FOR_REVISION and not opened.read_only
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    workspace = Workspace(opened, desk.session, executors, settings)
    qtbot.addWidget(workspace)
    workspace.show()
    assert workspace.review_banner.isVisible()
    assert COMMENT in workspace.review_banner.text()
    assert "Returned by reviewer" in workspace.review_banner.text()
    assert workspace.state_label.text() == "↺ Returned by reviewer · Finalize (Ctrl+Enter)"
    assert not workspace.rubric.is_read_only()
    workspace.rubric.focus_criterion(0)
    assert workspace.rubric.choose_level_number(2)  # c1-wait: Proficient
    qtbot.waitUntil(
        lambda: store.sheets.load_sheet(aid).score("c1-wait").level_id == "proficient",
        timeout=5000,
    )
    workspace.close_workspace()

    scoring.finalize(aid, quality_override_reason="Short on purpose")
    first_again, second = store.outbox.entries(aid)
    assert first_again.id == first.id and first_again.state is OutboxState.UPLOADED
    assert second.state is OutboxState.QUEUED
    assert second.idempotency_key != first.idempotency_key
    assert second.if_match_version == 3
    assert second.decision is Decision.PASS

    assert desk.sync().uploaded == 1
    # Exactly one decision on the hub, the revised one, under the new key.
    [(key, decision, body)] = _hub_decision(desk)
    assert (key, decision) == (second.idempotency_key, "pass")
    levels = {c["criterion_id"]: c["level_id"] for c in body["criteria"]}
    assert levels == {"c1-wait": "proficient", "c2-reflection": "proficient"}
    assert desk.hub_status() == ("pending_review", 4)
    assert store.outbox.get(second.id).state is OutboxState.UPLOADED
    model, at = _queue_row(desk)
    assert model.row_at(at).state is ReviewState.AWAITING_REVIEW

    outcome = desk.hub.admin.review(aid, REVIEWER, approve=True, comment="Well revised.")
    assert outcome.assignment_status == "decided"
    desk.sync()
    assignment = store.assignments.get(aid)
    assert assignment is not None
    assert (assignment.status, assignment.version, assignment.review_comment) == (
        "decided",
        5,
        None,
    )
    assert store.assignments.local_state(aid) is LocalState.UPLOADED
    model, at = _queue_row(desk)
    assert model.row_at(at).state is LocalState.UPLOADED
    assert model.index(at, Column.STATUS).data(Qt.ItemDataRole.ToolTipRole) == "Uploaded"
    # Only the one return was recorded, and the sheet stayed as revised.
    actions = [e.action for e in store.audit.entries(aid)]
    assert actions.count(AuditAction.RETURNED_FOR_REVISION) == 1
    assert store.sheets.load_sheet(aid).score("c1-wait").level_id == "proficient"
