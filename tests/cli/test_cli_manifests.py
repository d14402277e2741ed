"""``assessor sync`` against a hub whose manifest repeats an artifact id (served through
the fault proxy): that submission is refused with a clear message and exit 3, never an
unexpected error; the rest is synced, and the next sync against the corrected hub
completes."""

from __future__ import annotations

import json

from cli_kit import Desk, Run
from support.fault_proxy import FaultProxy
from support.hub import PASSWORD


def _repeat_first_artifact(manifest: object) -> object:
    assert isinstance(manifest, dict)
    manifest["artifacts"].append(dict(manifest["artifacts"][0]))
    return manifest


def test_a_manifest_with_repeated_ids_refuses_its_submission_and_the_sync_goes_on(
    desk: Desk, run: Run
) -> None:
    with FaultProxy(desk.hub.base_url) as proxy:
        login = run("login", proxy.url, "--user", "ann", "--password-stdin", stdin=PASSWORD)
        assert login.code == 0, login.err
        hostile = desk.hub.seed_submission("ann", {"slides.pdf": b"%PDF-1.4 slides"})
        proxy.rewrite_json(_repeat_first_artifact, method="GET", path=f"/submissions/{hostile.id}")

        first = run("sync")

        assert first.code == 3, first.err
        assert "unexpected" not in first.err and "Traceback" not in first.err
        assert "was not downloaded: the hub's list of its files is not usable" in first.err
        assert "1 file id is listed twice" in first.err
        states = {i["id"]: i["status"] for i in json.loads(run("queue", "--json").out)}
        assert states == {desk.assignment: "Ready", hostile.assignment_id: "Not downloaded"}

        proxy.clear()
        second = run("sync")

        assert second.code == 0, second.err
        states = {i["id"]: i["status"] for i in json.loads(run("queue", "--json").out)}
        assert states == {desk.assignment: "Ready", hostile.assignment_id: "Ready"}
