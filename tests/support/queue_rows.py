"""Queue rows for layout tests: one long credential title and a due date a day away, with
whatever a test changes (state, kind, due date, download share)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessor_app.domain import AssignmentKind
from assessor_app.domain.assignment_state import LocalState
from assessor_app.services.queue import QueueRow

NOW = datetime.now(UTC)


def queue_row(i: int, state: LocalState, **changes: object) -> QueueRow:
    row = QueueRow(
        assignment_id=f"as-{i}",
        credential_title="Checking for Understanding in Mixed-Ability Classes",
        educator_pseudonym="E-48210",
        attempt=2,
        kind=AssignmentKind.PRODUCTION,
        state=state,
        local_state=state,
        download_percent=None,
        due_at=NOW + timedelta(hours=23, minutes=30),
    )
    return row._replace(**changes)
