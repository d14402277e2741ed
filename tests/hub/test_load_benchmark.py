"""The load benchmark's smoke run: a few Locust assessors for a few seconds, pausing only
a fraction of a second between actions, against one real hub process on SQLite. Its
table must name every call the simulation makes, count no errors, and agree with what
the hub recorded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import DecisionRow
from benchmarks.bench_load import (
    ASSIGNMENTS_PER_USER,
    CallStats,
    Pace,
    format_calls,
    goal_verdict,
    sqlite_single_worker,
)

USERS = 5


def test_a_short_load_run_reports_every_call_without_errors(tmp_path: Path) -> None:
    run = sqlite_single_worker(tmp_path, USERS, Pace(seconds=5, think=(0.1, 0.3)))
    calls = run.calls

    by_name = {c.name: c for c in calls}
    table = format_calls("smoke", calls)
    assert by_name["all calls"].failures == 0, table
    assert by_name["/me"].requests == USERS
    # Every assessor's first sync finds its whole queue and fetches each manifest and its
    # evidence once (streamed by the hub, size checked by the simulation).
    assert by_name["/submissions/{id} (manifest)"].requests == USERS * ASSIGNMENTS_PER_USER
    assert by_name["/artifacts/{id}/content (evidence)"].requests == USERS * ASSIGNMENTS_PER_USER
    for name in ("/assignments (delta)", "decision upload", "/calibration/sessions (poll)"):
        assert by_name[name].requests > 0, table
    total = by_name["all calls"].requests
    assert sum(c.requests for c in calls if c.name != "all calls") == total
    for call in calls:
        assert call.p50 <= call.p95 <= call.p99, table
        assert call.name in table
    # After the ramp: a part of the same requests, without those of the ramp.
    steady = {c.name: c for c in run.steady}
    assert 0 < steady["all calls"].requests < total
    assert all(c.requests <= by_name[c.name].requests for c in run.steady)
    assert run.hub_cpu_seconds > 0
    assert run.locust_cpu_seconds > 0
    # Each first upload recorded one decision; a retry with the same key recorded none.
    settings = HubSettings.from_data_dir(tmp_path / "sqlite-hub")
    with HubAdmin(settings) as admin, admin.db.read() as session:
        recorded = session.scalar(select(func.count()).select_from(DecisionRow))
    assert recorded == by_name["decision upload"].requests


def _call(name: str, p99: float, failures: int = 0) -> CallStats:
    return CallStats(name, 10, failures, 1.0, p99 / 4, p99 / 2, p99)


def test_the_goal_needs_both_calls_under_250_ms_and_no_error() -> None:
    delta = _call("/assignments (delta)", 120)
    assert goal_verdict([delta, _call("decision upload", 249), _call("all calls", 900)]) == "met"
    assert goal_verdict([delta, _call("decision upload", 250), _call("all calls", 900)]) == (
        "NOT met"
    )
    failed = _call("all calls", 100, failures=1)
    assert goal_verdict([delta, _call("decision upload", 10), failed]) == "NOT met"
    # A run too short to upload anything says so rather than pass or fail.
    assert goal_verdict([delta, _call("all calls", 100)]) == "not measured (no decision upload)"
