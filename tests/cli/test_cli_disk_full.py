"""``assessor sync`` in a real subprocess whose data folder (profile, evidence and log) is
on a small file system that fills up in the middle of a download: the documented message,
exit 3, no traceback or logging error on the terminal, a consistent store, and once space
is freed the next sync resumes the download where it stopped and completes. Any other
command on a full disk ends the same way."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_kit import Desk, Run
from support.fault_proxy import FaultProxy
from support.hub import PASSWORD, RunningHub
from support.small_disk import fill, small_disk  # noqa: F401

from assessor_app.store.disk import DISK_FULL_MESSAGE

ASSESSOR = Path(sys.executable).with_name("assessor")
HERE = Path(__file__).resolve().parent
MiB = 1024 * 1024


def _env(home: Path, keyring_file: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ASSESSOR_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "json_keyring.JsonFileKeyring",
        "ASSESSOR_TEST_KEYRING": str(keyring_file),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }


def _assessor(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ASSESSOR), *args], input=stdin, env=env, capture_output=True, text=True, timeout=120
    )


def _wait_for(condition: object, seconds: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_disk_that_fills_mid_download_gives_the_message_exit_3_and_the_next_sync_resumes(
    real_hub: RunningHub,
    small_disk: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    real_hub.add_assessor("ann")
    lesson = os.urandom(5 * MiB)
    seeded = real_hub.seed_submission("ann", {"lesson.bin": lesson, "notes.txt": b"notes"})
    big = seeded.artifact("lesson.bin")
    home = small_disk / "home"
    env = _env(home, tmp_path / "keyring.json")

    with FaultProxy(real_hub.base_url) as proxy:
        login = _assessor(
            env, "login", proxy.url, "--user", "ann", "--password-stdin", stdin=PASSWORD
        )
        assert login.returncode == 0, login.stderr
        # The lesson arrives slowly enough for the disk to be filled while it does.
        proxy.throttle(2 * MiB, path=f"/artifacts/{big.id}/content")
        process = subprocess.Popen(
            [str(ASSESSOR), "sync"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            partial = next(home.glob("profiles/*")) / "evidence" / "partial"
            _wait_for(
                lambda: any(p.stat().st_size > MiB for p in partial.glob("*.part*")),
                30,
                "the download to be under way",
            )
            filler = fill(small_disk)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

        assert process.returncode == 3, err
        assert "1 file downloaded" in out  # the notes arrived before the disk filled
        assert DISK_FULL_MESSAGE in err
        assert "Traceback" not in err and "Logging error" not in err, err
        assert err.count(DISK_FULL_MESSAGE) == 1
        assert "The disk filled up while downloading “lesson.bin”" in err
        profile_dir = next(home.glob("profiles/*"))
        db = sqlite3.connect(profile_dir / "store.sqlite3")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            states = dict(db.execute("SELECT filename, download_state FROM artifacts"))
        finally:
            db.close()
        assert states["lesson.bin"] != "verified"
        assert not (profile_dir / "evidence" / big.sha256[:2] / big.sha256).exists()
        kept = [p for p in (profile_dir / "evidence" / "partial").iterdir()]
        assert [p.name for p in kept] == [f"{big.sha256}.part"], kept

        filler.unlink()
        proxy.clear()
        again = _assessor(env, "sync")

        assert again.returncode == 0, again.stderr
        assert "Sync finished" in again.stdout
        resumed = proxy.requests("GET", f"/artifacts/{big.id}/content")[-1]
        assert resumed.headers.get("range", "").startswith("bytes=")
        assert resumed.headers["range"] != "bytes=0-"
    listed = json.loads(_assessor(env, "queue", "--json").stdout)
    assert [(i["id"], i["status"]) for i in listed] == [(seeded.assignment_id, "Ready")]
    assert (profile_dir / "evidence" / big.sha256[:2] / big.sha256).exists()
    assert list((profile_dir / "evidence" / "partial").iterdir()) == []
    log = (home / "logs" / "assessor.log").read_text(encoding="utf-8", errors="replace")
    assert "command sync" in log and "Traceback" not in log.split("command sync")[-1]


def test_any_command_on_a_full_disk_gives_the_message_and_exit_3(
    desk: Desk,
    run: Run,
    small_disk: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSESSOR_HOME", str(small_disk / "home"))
    filler = fill(small_disk)

    refused = run("login", desk.hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD)

    assert refused.code == 3, refused.err
    assert refused.err.strip() == DISK_FULL_MESSAGE
    filler.unlink()
    login = run("login", desk.hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD)
    assert login.code == 0, login.err
    assert run("sync").code == 0
    listed = json.loads(run("queue", "--json").out)
    assert [(i["id"], i["status"]) for i in listed] == [(desk.assignment, "Ready")]
