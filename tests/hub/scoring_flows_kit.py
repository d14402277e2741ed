"""What the validity, backreading and reliability tests share: a scoring plan, keyed
submissions, uploads over HTTP, and running the flows' work through allocation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.db import utcnow
from assessor_app.hub.scoring.allocation import allocate
from assessor_app.hub.scoring.models import ScoringPlan, WorkItem
from tests.hub.conftest import make_submission_folder

KEY_PASS = (
    "{decision: pass, criteria: {c1-wait: {level: proficient, rationale: Waits five seconds.},"
    " c2-reflection: {level: proficient, rationale: Links answers to waiting.}}}"
)
KEY_NOT_YET = (
    "{decision: not_yet, criteria: {c1-wait: {level: developing, rationale: Waits sometimes.},"
    " c2-reflection: {level: proficient, rationale: Names what changed.}}}"
)
CREDENTIAL = "test-wait-time"


def set_plan(admin: HubAdmin, **values: Any) -> None:
    plan = {
        "second_read_share": 0.0,
        "second_read_near_cut": 0.0,
        "adjudicate_when": "decision",
        "adjudicate_distance": 1,
        "validity_rate": 0.0,
        "validity_window": 3,
        "backread_rate": 0.0,
        "require_qualified": False,
        **values,
    }
    with admin.db.write() as session:
        row = session.get(ScoringPlan, CREDENTIAL)
        if row is None:
            row = ScoringPlan(credential_id=CREDENTIAL, updated_at=utcnow(), **plan)
            session.add(row)
        for name, value in plan.items():
            setattr(row, name, value)


def keyed_submission(admin: HubAdmin, root: Path, name: str, key: str, **extra: str) -> str:
    return admin.import_submission(
        make_submission_folder(
            root / name, name.encode() * 400, id=name, calibration_key=key, **extra
        )
    )


def run_flows(admin: HubAdmin, now: datetime | None = None) -> list[WorkItem]:
    """One allocation run, which first records the flows' work for every plan; returns
    the validity and backread work items it created (allocated or not)."""
    with admin.db.write() as session:
        before = set(session.scalars(select(WorkItem.id)).all())
        allocate(session, now or datetime.now(UTC))
        created = list(
            session.scalars(
                select(WorkItem)
                .where(WorkItem.purpose.in_(("validity", "backread")))
                .order_by(WorkItem.id)
            )
        )
        created = [item for item in created if item.id not in before]
        for item in created:
            session.expunge(item)
    return created


def upload(
    client: httpx.Client,
    assignment_id: str,
    c1: str,
    c2: str,
    decision: str | None = None,
    version: int = 1,
) -> httpx.Response:
    passes = c1 == "proficient" and c2 == "proficient"
    return client.put(
        f"/api/v1/assignments/{assignment_id}/decision",
        json={
            "decision": decision or ("pass" if passes else "not_yet"),
            "criteria": [
                {"criterion_id": "c1-wait", "level_id": c1, "rationale": f"Chose {c1}."},
                {"criterion_id": "c2-reflection", "level_id": c2, "rationale": ""},
            ],
            "feedback": "Clear evidence in the clip; next time name what students said.",
            "scored_at": "2026-12-01T10:00:00Z",
        },
        headers={"Idempotency-Key": f"key-{assignment_id}-{version}", "If-Match": f'"{version}"'},
    )
