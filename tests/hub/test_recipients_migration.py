"""Hub migration 0006: educators who already hold a credential get a pseudonymous recipient
id, so the credentials served after the upgrade name one (and carry ``sub``)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from assessor_app.hub.workflow.models import CredentialRecipient
from tests.hub.conftest import World
from tests.hub.migration_kit import migrate
from tests.hub.test_workflow import sheet, upload

BEFORE = "0005"


def test_upgrading_gives_existing_holders_a_recipient(
    db_url: str, world: World, ann: httpx.Client
) -> None:
    assert upload(ann, world.ann_assignment, sheet(world.ann_artifacts[0]), "k", 1).is_success
    [item] = ann.get("/api/v1/credentials").json()["items"]
    migrate(db_url, "downgrade", BEFORE)
    migrate(db_url, "upgrade", "head")
    with world.admin.db.read() as session:
        rows = session.scalars(select(CredentialRecipient)).all()
    # One row per educator holding a credential (E-0001), a fresh pseudonymous id.
    assert [(r.educator_pseudonym, r.subject_id[:9], r.email_hash) for r in rows] == [
        ("E-0001", "urn:uuid:", None)
    ]
    served: dict[str, Any] = ann.get(f"/api/v1/credentials/{item['id']}").json()
    assert served["credential"]["credentialSubject"]["id"] == rows[0].subject_id
