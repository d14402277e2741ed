"""The installed ``assessor`` console script in a real subprocess: its own data root
(``ASSESSOR_HOME``) and a keyring that works across processes (``json_keyring``, a
test-only backend chosen with ``PYTHON_KEYRING_BACKEND``), plus Ctrl+C during a sync."""

from __future__ import annotations

import json
import os
import queue
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_kit import CLIP, Desk
from support.fault_proxy import FaultProxy
from support.hub import PASSWORD

ASSESSOR = Path(sys.executable).with_name("assessor")
HERE = Path(__file__).resolve().parent


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ASSESSOR_HOME": str(tmp_path / "process-home"),
        "PYTHON_KEYRING_BACKEND": "json_keyring.JsonFileKeyring",
        "ASSESSOR_TEST_KEYRING": str(tmp_path / "keyring.json"),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }


def assessor(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ASSESSOR), *args], input=stdin, env=env, capture_output=True, text=True, timeout=120
    )


def keyring_entries(env: dict[str, str]) -> dict[str, str]:
    return json.loads(Path(env["ASSESSOR_TEST_KEYRING"]).read_text(encoding="utf-8"))


def test_console_script_signs_in_syncs_lists_and_signs_out(desk: Desk, env: dict[str, str]) -> None:
    login = assessor(
        env, "login", desk.hub.base_url, "--user", "ann", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert login.returncode == 0, login.stderr
    tokens = [k for k in keyring_entries(env) if k.startswith("assessor-app/token:")]
    assert len(tokens) == 1

    sync = assessor(env, "sync")
    assert sync.returncode == 0, sync.stderr
    assert "Sync finished (1 new, 2 files downloaded" in sync.stdout

    listed = json.loads(assessor(env, "queue", "--json").stdout)
    assert [(i["id"], i["status"]) for i in listed] == [(desk.assignment, "Ready")]

    logout = assessor(env, "logout")
    assert logout.returncode == 0, logout.stderr
    entries = keyring_entries(env)
    assert not [k for k in entries if k.startswith("assessor-app/token:")]
    assert [k for k in entries if k.startswith("assessor-app/vault-key:")]
    # The work and the downloaded evidence stay.
    assert json.loads(assessor(env, "queue", "--json").stdout)[0]["status"] == "Ready"
    again = assessor(env, "sync")
    assert again.returncode == 2
    assert "sign in" in again.stderr and "Traceback" not in again.stderr

    home = Path(env["ASSESSOR_HOME"])
    log = home / "logs" / "assessor.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text(encoding="utf-8")
    assert "command sync" in text
    assert PASSWORD not in text and desk.hub.token("ann") not in text
    profile_dir = next((home / "profiles").iterdir())
    assert stat.S_IMODE((profile_dir / "store.sqlite3").stat().st_mode) == 0o600


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def test_ctrl_c_cancels_a_sync_cleanly_and_the_next_sync_finishes(
    desk: Desk, env: dict[str, str]
) -> None:
    with FaultProxy(desk.hub.base_url) as proxy:
        login = assessor(
            env, "login", proxy.url, "--user", "ann", "--password-stdin", stdin=PASSWORD
        )
        assert login.returncode == 0, login.stderr
        # The clip trickles in, so the sync is surely downloading when Ctrl+C comes.
        proxy.throttle(len(CLIP) / 30, path="/content")
        process = subprocess.Popen(
            [str(ASSESSOR), "sync"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_lines, args=(process.stderr, lines), daemon=True)
        reader.start()
        seen: list[str] = []
        try:
            while not any("sync: Downloading evidence" in line for line in seen):
                seen.append(lines.get(timeout=30))
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        reader.join(10)
        while not lines.empty():
            seen.append(lines.get())
        out = process.stdout.read() if process.stdout else ""
        process.stdout and process.stdout.close()
        process.stderr and process.stderr.close()

        assert code == 130, "".join(seen)
        assert "Sync cancelled" in out
        assert any("Everything finished so far is kept" in line for line in seen)
        assert not any("Traceback" in line for line in seen)

        proxy.clear()
        resumed = assessor(env, "sync")
    assert resumed.returncode == 0, resumed.stderr
    listed = json.loads(assessor(env, "queue", "--json").stdout)
    assert [(i["id"], i["status"]) for i in listed] == [(desk.assignment, "Ready")]
