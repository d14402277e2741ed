"""Crash test: a child process makes scored edits and acknowledges each one after the
store returned; the parent SIGKILLs it at a random moment, reopens the store, and finds
the file intact and every acknowledged edit there with its exact value.

Only the edit in flight at the kill may be either there or not.
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest
from crash_child import ARTIFACT, ASSIGNMENT, CRITERIA, SheetState, edits
from store_factories import assignment_item, submission_out

from assessor_app.domain.assignment_state import LocalState
from assessor_app.store import Profile, Store, open_store, profile_for

CHILD = Path(__file__).with_name("crash_child.py")
REPO = Path(__file__).resolve().parents[2]
LINE_TIMEOUT_S = 30.0


def _prepare(profile: Profile) -> None:
    with open_store(profile) as store:
        store.assignments.upsert([assignment_item(ASSIGNMENT, "sub-1")])
        store.submissions.save(submission_out())
        store.assignments.set_local_state(ASSIGNMENT, LocalState.READY)


def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        if line.endswith("\n"):  # a line cut short by the kill acknowledges nothing
            lines.put(line.strip())
    lines.put(None)


def _run_and_kill(profile: Profile, seed: int, kill_after: int) -> int:
    """Start the child, SIGKILL it once ``kill_after`` edits are acknowledged; returns
    how many edits were acknowledged in all (some may arrive after the kill signal)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(CHILD.parent)])}
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(profile.directory), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(child.stdout, lines), daemon=True)
    reader.start()
    acknowledged = -1  # the "ready" line is not an edit
    try:
        while acknowledged < kill_after:
            try:
                line = lines.get(timeout=LINE_TIMEOUT_S)
            except queue.Empty:
                pytest.fail(f"the child went quiet: {child.stderr.read() if child.stderr else ''}")
            if line is None:
                child.wait(timeout=LINE_TIMEOUT_S)
                stderr = child.stderr.read() if child.stderr else ""
                pytest.fail(f"the child exited with {child.returncode}: {stderr}")
            acknowledged += 1
            assert line == ("ready" if acknowledged == 0 else str(acknowledged - 1))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=LINE_TIMEOUT_S)
    assert child.returncode == -signal.SIGKILL
    reader.join(timeout=LINE_TIMEOUT_S)
    while (line := lines.get(timeout=LINE_TIMEOUT_S)) is not None:
        assert line == str(acknowledged)
        acknowledged += 1
    if child.stderr:
        child.stderr.close()
    return acknowledged


def _saved_state(store: Store) -> SheetState:
    sheet = store.sheets.load_sheet(ASSIGNMENT)
    notes = sorted(store.notes.list(ASSIGNMENT, ARTIFACT), key=lambda n: n.id)
    return SheetState(
        levels={c: sheet.score(c).level_id for c in CRITERIA},
        rationales={c: sheet.score(c).rationale for c in CRITERIA},
        feedback=sheet.feedback,
        private_note=sheet.private_note,
        notes=[(n.time_ms, n.text) for n in notes],
    )


def _expected(seed: int, count: int) -> SheetState:
    state = SheetState(levels=dict.fromkeys(CRITERIA), rationales=dict.fromkeys(CRITERIA, ""))
    sequence = edits(seed)
    for _ in range(count):
        state.apply(next(sequence))
    return state


def crash_once(seed: int, most_edits: int) -> None:
    profile = profile_for("https://hub.example.org", f"crash-{seed}")
    _prepare(profile)
    rng = random.Random(seed)
    acknowledged = _run_and_kill(profile, seed, kill_after=rng.randint(1, most_edits))

    with closing(sqlite3.connect(profile.database_path)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with open_store(profile) as store:
        saved = _saved_state(store)
    all_acknowledged = _expected(seed, acknowledged)
    with_in_flight = _expected(seed, acknowledged + 1)
    assert saved in (all_acknowledged, with_in_flight), (
        f"seed {seed}: {acknowledged} edits acknowledged, but the store holds something else"
    )


@pytest.mark.parametrize("seed", range(10))
def test_sigkill_loses_no_acknowledged_edit(seed: int) -> None:
    crash_once(seed, most_edits=12)


@pytest.mark.stress
@pytest.mark.parametrize("seed", range(1000, 1050))
def test_sigkill_stress(seed: int) -> None:
    crash_once(seed, most_edits=150)
