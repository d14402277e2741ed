"""``assessor`` prints what a hostile hub sent as visible text: every character of its
markup, none of its escape sequences or control characters, and ``--json`` keeps the
hub's strings whole with the dangerous characters escaped."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from hostile_kit import ESCAPES, MARKUP_MEDIA_TYPE, WORDS, Scene, hostile, shown
from support.fault_proxy import FaultProxy
from support.hub import PASSWORD

from assessor_app.services.scoring import ScoringService

Cli = Callable[..., tuple[int, str, str]]


def _no_controls(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert not [ch for ch in text if ord(ch) < 0x20 and ch != "\n"], repr(text)


def test_show_prints_every_hub_string_without_escapes(scene: Scene, cli: Cli) -> None:
    code, out, err = cli("show", scene.hostile_assignment)
    assert code == 0, err
    _no_controls(out + err)
    for key in ("title", "pseudonym", "criterion", "label", "descriptor", "earlier"):
        assert shown(WORDS[key]) in out, key
    for key in ("artifact_title", "change_note"):
        assert shown(WORDS[key]) in out, key
    assert MARKUP_MEDIA_TYPE in out
    assert shown(WORDS["change_note"]) + "\n" in out  # the note's own line break is kept
    assert "pwned" not in out  # the retitle's text goes with its sequence

    code, out, err = cli("show", scene.returned_assignment)
    assert code == 0, err
    _no_controls(out + err)
    assert f"Reviewer’s comment: {shown(WORDS['comment'])}" in out


def test_queue_table_and_json(scene: Scene, cli: Cli) -> None:
    code, out, err = cli("queue")
    assert code == 0, err
    _no_controls(out + err)
    assert shown(WORDS["pseudonym"]) in out
    assert shown(WORDS["title"])[:39] in out  # the table shortens the credential to 40
    assert f"Reviewer’s comment on {scene.returned_assignment}: {shown(WORDS['comment'])}" in out

    code, out, err = cli("queue", "--json")
    assert code == 0, err
    _no_controls(out + err)
    rows = {row["id"]: row for row in json.loads(out)}
    # Scripts get the hub's strings exactly; the terminal only ever saw "\u001b".
    assert rows[scene.hostile_assignment]["credential"] == hostile(WORDS["title"])
    assert rows[scene.hostile_assignment]["educator"] == hostile(WORDS["pseudonym"])
    assert rows[scene.returned_assignment]["review_comment"] == hostile(WORDS["comment"])
    assert all(sequence not in out for sequence in ESCAPES)


def test_hub_problem_titles_are_printed_as_text(scene: Scene, cli: Cli) -> None:
    with FaultProxy(scene.hub.base_url) as proxy:
        code, _out, err = cli(
            "login", proxy.url, "--user", "ann", "--password-stdin", stdin=PASSWORD
        )
        assert code == 0, err
        proxy.fail(400, path="/assignments", times=None, title=hostile("Problem"))
        code, out, err = cli("sync")
    assert code == 3
    _no_controls(out + err)
    assert shown("Problem") in err


def test_feedback_report_prints_markup_as_text(scene: Scene, cli: Cli, tmp_path: Path) -> None:
    aid = scene.hostile_assignment
    scoring = ScoringService(scene.ann.store)
    scoring.set_level(aid, "c1", "high")
    scoring.set_level(aid, "c2", "high")
    scoring.set_rationale(aid, "c1", hostile("MyRationale"))
    scoring.set_feedback(aid, "Both criteria met: the pauses after each question were long.")
    scoring.finalize(aid, quality_override_reason="Short on purpose")
    out_pdf = tmp_path / "feedback.pdf"
    code, out, err = cli("report", aid, "--out", str(out_pdf))
    assert code == 0, err
    _no_controls(out + err)
    assert shown(WORDS["title"]) in out
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(out_pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "\x1b" not in text and "pwned" not in text
    for word in (WORDS["title"], WORDS["pseudonym"], WORDS["criterion"], "MyRationale"):
        assert shown(word) in text, word
