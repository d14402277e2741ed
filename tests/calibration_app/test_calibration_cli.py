"""``assessor calibration sessions|key|report`` in-process against a real hub, with the
exit codes and messages a script or a person sees."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from calibration_kit import KEYED_ITEM, MASTER_RATIONALE_WAIT, SESSION_TITLE, Scene, pdf_text

from assessor_app.cli.main import main
from assessor_app.services.account import sign_out


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    def call(*argv: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return call


def as_ann(scene: Scene) -> list[str]:
    return ["--profile", f"{scene.person('ann').profile.hub_url}@ann"]


def test_sessions_listed_for_people_and_scripts(scored: Scene, run: Run) -> None:
    listed = run(*as_ann(scored), "calibration", "sessions")
    assert listed.code == 0, listed.err
    assert "ID" in listed.out and "FACILITATOR" in listed.out
    line = next(x for x in listed.out.splitlines() if SESSION_TITLE in x)
    assert line.split()[0] == scored.session_id
    assert "Revealed: results are visible" in line and "2 of 2" in line and "fay" in line

    as_json = run(*as_ann(scored), "calibration", "sessions", "--json")
    assert as_json.code == 0
    data = json.loads(as_json.out)
    assert data["from_cache"] is False
    assert [(s["id"], s["title"], s["submitted"]) for s in data["sessions"]] == [
        (scored.session_id, SESSION_TITLE, 2)
    ]


def test_key_fetched_once_then_shown_without_the_hub(scored: Scene, run: Run) -> None:
    keyed = scored.assignment("ann", scored.keyed_submission)
    shown = run(*as_ann(scored), "calibration", "key", keyed)
    assert shown.code == 0, shown.err
    # the item as people know it, not by the hub's internal id
    assert shown.out.splitlines()[0] == f"{KEYED_ITEM} · {keyed}"
    assert scored.keyed_submission not in shown.out
    assert "Exact: 50% of criteria · exact or adjacent: 100%" in shown.out
    assert "✓ Wait after the question: yours Proficient, key Proficient" in shown.out
    assert f"Why the key says so: {MASTER_RATIONALE_WAIT}" in shown.out
    assert "≈ Reflection on student thinking: yours Proficient, key Beginning" in shown.out
    assert "Adjacent: one level above the key" in shown.out

    # signed out, the kept key is still shown: no hub call is needed
    sign_out(scored.person("ann"))
    again = run(*as_ann(scored), "calibration", "key", keyed, "--json")
    assert again.code == 0, again.err
    data = json.loads(again.out)
    assert data["exact_share"] == 0.5 and data["key_decision"] == "not_yet"
    assert data["item"] == KEYED_ITEM and data["submission"] == scored.keyed_submission
    assert [(c["criterion"], c["distance"]) for c in data["criteria"]] == [
        ("c1-wait", 0),
        ("c2-reflection", 1),
    ]


def test_key_of_an_unkeyed_item_is_a_clear_usage_error(scored: Scene, run: Run) -> None:
    plain = scored.assignment("ann", scored.plain_submission)
    refused = run(*as_ann(scored), "calibration", "key", plain)
    assert refused.code == 1
    assert f"{plain} has no answer key" in refused.err


def test_report_written_to_the_named_file(scored: Scene, run: Run, tmp_path: Path) -> None:
    scored.agree()
    out = tmp_path / "session.pdf"
    written = run(*as_ann(scored), "calibration", "report", scored.session_id, "--out", str(out))
    assert written.code == 0, written.err
    assert f"Wrote the calibration report of “{SESSION_TITLE}” to {out}." in written.out
    text = " ".join(pdf_text(out).split())
    assert SESSION_TITLE in text and "Agreement statistics" in text

    wrong = run(*as_ann(scored), "calibration", "report", scored.session_id, "--out", "x.txt")
    assert wrong.code == 1 and "--out must name a .pdf file" in wrong.err
