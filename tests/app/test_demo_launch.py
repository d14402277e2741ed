"""``make demo`` end to end under a real X server (Xvfb): the demo hub starts, ``demo1``
is signed in, the app window opens on the xcb platform, the first sync completes and the
demo exits 0; the demo profile's store then holds demo1's assignments from the hub.

The hub folder is seeded first with 2-second clips (seeding is idempotent, so the demo's
own ``seed-demo`` finds everything in place instead of making 60-120 s videos). Secrets go
to the file-backed test keyring of ``tests/cli/json_keyring.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

REPO = Path(__file__).resolve().parents[2]
KEYRING_DIR = REPO / "tests" / "cli"


def _seed_short_demo(hub_dir: Path, cache: Path) -> set[str]:
    """Seed the demo hub with short clips; returns demo1's assignment ids."""
    from assessor_app.hub.admin import HubAdmin
    from assessor_app.hub.config import HubSettings
    from assessor_app.hub.db import AssignmentRow, User
    from assessor_app.hub.demo.seed import seed_demo

    with HubAdmin(HubSettings.from_data_dir(hub_dir), demo_accounts=True) as admin:
        seed_demo(admin, cache_dir=cache, video_seconds=2)
        with admin.db.read() as session:
            rows = session.scalars(
                select(AssignmentRow.id)
                .join(User, User.id == AssignmentRow.user_id)
                .where(User.username == "demo1")
            ).all()
    return set(rows)


def test_make_demo_opens_the_app_under_x_and_syncs_demo1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "demo"
    expected = _seed_short_demo(root / "hub", tmp_path / "media-cache")
    assert expected, "the demo recipes assign work to demo1"

    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.update(
        PYTHON_KEYRING_BACKEND="json_keyring.JsonFileKeyring",
        ASSESSOR_TEST_KEYRING=str(tmp_path / "keyring.json"),
        PYTHONPATH=os.pathsep.join([str(KEYRING_DIR), str(REPO)]),
    )
    done = subprocess.run(
        [
            "xvfb-run", "-a", "-s", "-screen 0 1366x768x24",
            sys.executable, "-m", "assessor_app.demo", "--root", str(root), "--smoke",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "smoke: first sync completed" in done.stdout

    # The demo profile (its own data root) holds exactly demo1's assignments, fetched.
    monkeypatch.setenv("ASSESSOR_HOME", str(root / "client"))
    from assessor_app.domain.assignment_state import LocalState
    from assessor_app.store import list_profiles, open_store

    (profile,) = list_profiles()
    assert profile.username == "demo1"
    store = open_store(profile)
    try:
        queue = store.assignments.queue()
        assert {item.assignment.id for item in queue} == expected
        assert all(item.credential_title for item in queue)
        assert any(item.local_state is LocalState.READY for item in queue)
    finally:
        store.close()
    keyring_file = (tmp_path / "keyring.json").read_text()
    assert "token:" in keyring_file
