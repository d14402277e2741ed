"""Two hub processes allocating at once on PostgreSQL never give the same work twice, and
never more than an assessor's capacity."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import AssignmentRow, User
from assessor_app.hub.scoring.allocation import set_capacity
from assessor_app.hub.scoring.models import WorkItem
from tests.hub.conftest import CREDENTIAL_FILE, PASSWORD, PostgresCluster, make_submission_folder

SUBMISSIONS = 24
ASSESSORS = 4
CAPACITY = 5

# Both processes wait for the same moment, then allocate.
ALLOCATE = """
import sys, time
from assessor_app.hub.cli import main
start = float(sys.argv[3])
time.sleep(max(0.0, start - time.time()))
sys.exit(main(["--data-dir", sys.argv[1], "allocate", "--db", sys.argv[2]]))
"""


@pytest.mark.postgres
def test_two_processes_allocating_at_once_never_double_assign(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    with postgres_cluster.database("hub_race", "hub_template") as url:
        settings = HubSettings.from_data_dir(tmp_path / "hub-data", db_url=url)
        with HubAdmin(settings) as admin:
            admin.import_credential(CREDENTIAL_FILE)
            for n in range(ASSESSORS):
                admin.add_assessor(f"a{n}", PASSWORD)
            with admin.db.write() as session:
                for user in session.scalars(select(User)):
                    set_capacity(session, user.id, CAPACITY)
            for n in range(SUBMISSIONS):
                folder = make_submission_folder(tmp_path / f"s{n}", b"clip %d" % n, id=f"s-{n}")
                admin.import_submission(folder)
        start = str(time.time() + 2.0)
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", ALLOCATE, str(settings.data_dir), url, start],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        with HubAdmin(settings) as admin, admin.db.read() as session:
            assignments = list(session.scalars(select(AssignmentRow)))
            items = list(session.scalars(select(WorkItem)))
        # Room for ASSESSORS * CAPACITY = 20 of the 24: each given once, the rest waiting.
        per_submission = Counter(a.submission_id for a in assignments)
        assert len(assignments) == ASSESSORS * CAPACITY
        assert max(per_submission.values()) == 1
        assert max(Counter(a.user_id for a in assignments).values()) == CAPACITY
        assert len({i.assignment_id for i in items if i.assignment_id}) == len(assignments)
        assert sum(1 for i in items if i.assignment_id is None) == SUBMISSIONS - len(assignments)
        given = sum(int(out.split("Allocated ")[1].split(" ")[0]) for out, _err in outputs)
        assert given == len(assignments)
